# The SDL2 console (--display sdl, issue 21), headless under SDL's dummy video driver
# (the window draws on its own surface, so the pictures are the same as on a screen;
# the offscreen driver loads EGL, whose leaks LeakSanitizer would report). A scripted
# session pauses at rx0's kick (after DRIVER_OK), saves a screenshot, goes to tx0 with the window's own
# key, runs to the first tx notify and saves another. The run's trace equals the
# undisturbed run's, byte for byte; the screenshots are PNGs of the window whose pixels
# show rx0 offered in full at its kick and tx0's first chain framed in the device's
# colour after the notify; a replay with the window matches; keys typed into the
# console are recorded and replayed; bad uses are refused with clear errors. Skipped
# (77) when ringside was built without the console.
. tests/integration/lib.sh
export SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy

"$RINGSIDE" run --display sdl --monitor-script /dev/null >"$WORK/probe" 2>&1
if grep -q "built without the SDL2 console" "$WORK/probe"; then
    skip "ringside was built without the SDL2 console (configure found no SDL2, SDL2_ttf or zlib)"
fi

run_fw "$WORK/plain.out" --trace "$WORK/plain.trace" || fail "the plain run exited $RC"

cat >"$WORK/script" <<M
until notify queue=rx0
screenshot $WORK/rx_kick.png
key n
until notify queue=tx0
screenshot $WORK/tx_notify.png
key p n + - s f f e
key u
type used_idx queue=rx0
key Return
step-event
M
run_fw "$WORK/win.out" --trace "$WORK/win.trace" --display sdl --monitor-script "$WORK/script" \
    --screenshot "$WORK/end.png" || { tail -n 20 "$WORK/win.out"; fail "the windowed run exited $RC, expected 0"; }
cmp "$WORK/plain.trace" "$WORK/win.trace" || fail "the trace with the window open differs from the undisturbed run's"
grep -q "saved the window to $WORK/rx_kick.png" "$WORK/win.out" || fail "the screenshot command did not answer"
grep -q "stopped: condition 2 (notify queue=tx0)" "$WORK/win.out" || fail "until did not stop at the tx notify"
grep -q "scenario ping: ok" "$WORK/win.out" || fail "the guest's console output is missing (the window tees it)"
grep -q "stopped: condition 3 (ring_dev) " "$WORK/win.out" || fail "the e key after f f did not step to the next ring_dev event"
grep -q "stopped: condition 4 (used_idx queue=rx0) " "$WORK/win.out" || fail "the until prompt (key u, type, Return) did not run"

# The pictures: valid PNGs of the window's size; counted by the owner colours of
# window_draw.c (available 240,170,60; in flight 230,70,70; used 80,190,90) in the right
# half, where the ring panel is.
cat >"$WORK/png.py" <<'P'
import struct, sys, zlib
def load(path):
    b = open(path, 'rb').read()
    assert b[:8] == b'\x89PNG\r\n\x1a\n', path + ': not a PNG'
    pos, idat, w = 8, b'', 0
    while pos < len(b):
        n, t = struct.unpack('>I4s', b[pos:pos + 8])
        data = b[pos + 8:pos + 8 + n]
        assert zlib.crc32(t + data) == struct.unpack('>I', b[pos + 8 + n:pos + 12 + n])[0], path + ': bad CRC'
        if t == b'IHDR':
            w, h, depth, ctype = struct.unpack('>IIBB', data[:10])
            assert (depth, ctype) == (8, 2), path + ': not 8-bit RGB'
        elif t == b'IDAT':
            idat += data
        pos += 12 + n
    raw = zlib.decompress(idat)
    assert len(raw) == (w * 3 + 1) * h, path + ': wrong data size'
    return w, h, raw
def count(path, rgb):
    w, h, raw = load(path)
    row, want, n = w * 3 + 1, bytes(rgb), 0
    for y in range(h):
        line = raw[y * row + 1:(y + 1) * row]
        for x in range(w // 2, w):
            if line[3 * x:3 * x + 3] == want:
                n += 1
    return w, h, n
OFFERED, DEVICE, DRIVER = (240, 170, 60), (230, 70, 70), (80, 190, 90)
a, b = sys.argv[1], sys.argv[2]
w, h, off_a = count(a, OFFERED)
assert (w, h) == (1280, 800), '%s is %dx%d' % (a, w, h)
_, _, off_b = count(b, OFFERED)
_, _, dev_a = count(a, DEVICE)
_, _, dev_b = count(b, DEVICE)
_, _, drv_a = count(a, DRIVER)
_, _, drv_b = count(b, DRIVER)
print('offered %d -> %d, device %d -> %d, driver %d -> %d' % (off_a, off_b, dev_a, dev_b, drv_a, drv_b))
# rx0 at its kick (virtnet_open, after DRIVER_OK): 512 cells (descriptors and avail slots) offered, 12x12 pixels each.
assert off_a > 512 * 100, 'rx0 is not drawn offered in full at its kick'
assert off_b < off_a / 50, 'tx0 after the notify still shows offered slots'
# tx0 after the notify: its first descriptor framed in the device colour, and the
# chain (descriptor, avail and used slot) back with the driver.
assert dev_b > dev_a + 20, 'no chain framed in the device colour after the tx notify'
assert drv_b > drv_a + 250, 'tx0\'s first chain is not drawn as used (the driver\'s again)'
P
"$PYTHON" "$WORK/png.py" "$WORK/rx_kick.png" "$WORK/tx_notify.png" || fail "the screenshots do not show the rings"
"$PYTHON" -c "import sys; exec(open(sys.argv[1]).read().split('OFFERED, DEVICE')[0]); load(sys.argv[2])" \
    "$WORK/png.py" "$WORK/end.png" || fail "--screenshot did not write a valid PNG"

# The pictures in docs/debugging.md are these two: RINGSIDE_DOCS_IMG=docs/img refreshes them.
if [ -n "${RINGSIDE_DOCS_IMG:-}" ]; then
    cp "$WORK/rx_kick.png" "$RINGSIDE_DOCS_IMG/window-rx0-kick.png" &&
        cp "$WORK/tx_notify.png" "$RINGSIDE_DOCS_IMG/window-tx0.png" || fail "cannot write $RINGSIDE_DOCS_IMG"
fi

# A replay watched through the window matches its recording.
"$RINGSIDE" replay --display sdl --monitor-script "$WORK/script" "$WORK/win.trace" >"$WORK/replay.out" 2>&1 ||
    { tail -n 5 "$WORK/replay.out"; fail "the replay with the window diverged"; }
grep -q "events match" "$WORK/replay.out" || fail "the windowed replay printed no verdict"

# Keys typed into the console: recorded at the moment typed, typed again by a replay.
printf 'until virtio_status new&DRIVER_OK\ntype hi\\n\n' >"$WORK/type"
run_fw "$WORK/typed.out" --trace "$WORK/typed.trace" --display sdl --monitor-script "$WORK/type" ||
    fail "the run with typed keys exited $RC"
cmp -s "$WORK/plain.trace" "$WORK/typed.trace" && fail "typed keys left no mark in the trace"
"$PYTHON" trace/ringside-trace show --raw "$WORK/typed.trace" | grep -c "console_in src=window" >"$WORK/n"
[ "$(cat "$WORK/n")" = 3 ] || fail "expected 3 console_in src=window events, found $(cat "$WORK/n")"
"$RINGSIDE" replay "$WORK/typed.trace" >"$WORK/treplay.out" 2>&1 || { cat "$WORK/treplay.out"; fail "the typed keys did not replay"; }
"$RINGSIDE" replay --display sdl --monitor-script "$WORK/type" "$WORK/typed.trace" >"$WORK/treplay2.out" 2>&1 ||
    { cat "$WORK/treplay2.out"; fail "a replay that tries to type diverged (its keys must go nowhere)"; }

# A packed ring: the panel says it draws split rings only; the trace is unchanged too.
packed="--virtio modern --net-features +ring_packed -append ring=packed"
run_fw "$WORK/packed.out" $packed --trace "$WORK/packed.trace" || fail "the packed run exited $RC"
printf 'until virtio_status new&DRIVER_OK\nkey n\n' >"$WORK/pscript"
run_fw "$WORK/pwin.out" $packed --trace "$WORK/pwin.trace" --display sdl --monitor-script "$WORK/pscript" ||
    fail "the packed run with the window exited $RC"
cmp "$WORK/packed.trace" "$WORK/pwin.trace" || fail "the window changed a packed run's trace"

# The window's q key ends the run as the monitor's quit does.
printf 'until virtio_status new&DRIVER_OK\nkey q\n' >"$WORK/quit"
run_fw "$WORK/quit.out" --display sdl --monitor-script "$WORK/quit"
[ "$RC" = 130 ] || fail "key q exited $RC, expected 130"

# Refusals.
expect_exit 120 run --screenshot "$WORK/x.png"
grep -q "needs --display sdl" "$WORK/out" || fail "--screenshot alone: $(cat "$WORK/out")"
expect_exit 120 run --display vnc
grep -q "expected sdl" "$WORK/out" || fail "--display vnc: $(cat "$WORK/out")"
printf 'screenshot %s/y.png\n' "$WORK" >"$WORK/noshot"
run_fw "$WORK/noshot.out" --monitor-script "$WORK/noshot"
grep -q "error: no window to save: run with --display sdl" "$WORK/noshot.out" || fail "screenshot without a window"
RINGSIDE_FONT=/nonexistent.ttf "$RINGSIDE" run --display sdl --monitor-script /dev/null >"$WORK/font.out" 2>&1 &&
    fail "a missing font was accepted"
grep -q "RINGSIDE_FONT=/nonexistent.ttf" "$WORK/font.out" || fail "missing font: $(cat "$WORK/font.out")"
printf 'until virtio_status new&DRIVER_OK\nkey nosuchkey\nscreenshot /nonexistent-dir/z.png\n' >"$WORK/bad"
run_fw "$WORK/bad.out" --display sdl --monitor-script "$WORK/bad" || fail "bad script lines ended the run ($RC)"
grep -q "error: key nosuchkey" "$WORK/bad.out" || fail "an unknown key name was not refused"
grep -q "error: /nonexistent-dir/z.png" "$WORK/bad.out" || fail "an unwritable screenshot was not refused"
echo "window: trace unchanged, screenshots drawn, replay and typed keys match"
