# The `ringside-trace html` page in a real browser (headless chromium): opened at
# #step=N it shows event N of the queue with the ring state after it (descriptor
# ownership, ring indices), window.ringside steps forward and back, and a screenshot
# is a real picture; the whole-device page (html --device) likewise. Skipped when chromium is not installed (Debian package chromium).
# san: skip
. tests/integration/lib.sh
: "${PYTHON:=python3}"
command -v "$PYTHON" >/dev/null 2>&1 || skip "python3 not installed"
CHROMIUM=
for c in chromium chromium-browser google-chrome; do
    command -v $c >/dev/null 2>&1 && { CHROMIUM=$c; break; }
done
[ -n "$CHROMIUM" ] || skip "chromium not installed (apt-get install chromium): HTML page not checked in a browser"
T="$PYTHON trace/ringside-trace"
D="$WORK/demo.trace"
$T demo "$D" >/dev/null || fail "demo exited $?"
$T html "$D" --queue 0 -o "$WORK/q0.html" || fail "html exited $?"
browse() {
    timeout 120 $CHROMIUM --headless --no-sandbox --disable-gpu --user-data-dir="$WORK/profile" \
        --no-first-run --disable-extensions "$@" 2>"$WORK/chromium.err"
}
# what the page must show: the queue's events as the Python side selects them
$T show --raw "$D" --queue 0 > "$WORK/q0.txt"
want12=$(sed -n 13p "$WORK/q0.txt")

browse --dump-dom "file://$WORK/q0.html#step=12" > "$WORK/dom12.html" || { tail -5 "$WORK/chromium.err"; fail "chromium --dump-dom failed"; }
"$PYTHON" - "$WORK/dom12.html" "$want12" <<'PY' || fail "page state at #step=12"
import html, re, sys
dom, want = open(sys.argv[1]).read(), sys.argv[2]
def text(id):
    m = re.search(r'id="%s"[^>]*>([^<]*)<' % id, dom)
    assert m, "no #%s in the DOM" % id
    return html.unescape(m.group(1))
def owner(i):
    return re.search(r'<tr id="desc-%d" data-owner="(\w+)"' % i, dom).group(1)
assert text("pos") == "12", text("pos")
assert text("event-text") == want, (text("event-text"), want)
assert text("event-name") == "chain_fetch"
assert text("event-reg").startswith("desc[0]")
# after the device fetched buffer 0: 0 in flight, 1..3 still available, the rest free
assert [owner(i) for i in range(8)] == ["inflight", "device", "device", "device", "free", "free", "free", "free"]
assert text("avail-idx") == "4" and text("last-avail") == "1" and text("used-idx") == "0"
assert 'data-step="12"' in dom
PY

# the API: a copy of the page drives window.ringside and writes what it saw
sed 's|</body>|<pre id="test-result"></pre><script>\
const r = window.ringside, out = [];\
out.push(r.goto(0)); out.push(r.step()); out.push(r.step(13)); out.push(r.state().ring.owner[0]);\
out.push(r.step(-1)); out.push(r.state().ring.owner[0]); out.push(r.state().ring.used.idx);\
out.push(r.goto(1e9)); out.push(r.state().ring.owner[0]); out.push(r.state().ring.avail.idx); out.push(r.step(-1e9));\
document.getElementById("test-result").textContent = JSON.stringify(out);\
</script></body>|' "$WORK/q0.html" > "$WORK/api.html"
browse --dump-dom "file://$WORK/api.html" > "$WORK/api-dom.html" || fail "chromium --dump-dom (api) failed"
got=$(sed -n 's|.*<pre id="test-result">\(.*\)</pre>.*|\1|p' "$WORK/api-dom.html")
# 0, 1, 14 (used.idx published: buffer 0 back with the driver), back to 13 (still in
# flight, used.idx 0), the last event (19: buffer 0 refilled and published again), 0
[ "$got" = '[0,1,14,"used",13,"inflight",0,19,"device",5,0]' ] || fail "window.ringside gave $got"

# a screenshot: a PNG of the requested size with real content
browse --screenshot="$WORK/shot.png" --window-size=1280,800 "file://$WORK/q0.html#step=12" >/dev/null \
    || fail "chromium --screenshot failed"
"$PYTHON" - "$WORK/shot.png" <<'PY' || fail "screenshot"
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", b[16:24])
assert (w, h) == (1280, 800), (w, h)
assert len(b) > 20000, "suspiciously small: %d bytes" % len(b)
PY
# The whole-device page (html --device): at the step that sets FEATURES_OK the status,
# both feature words and the queues stand as the trace has them by then; stepping on
# to DRIVER_OK sets that bit; the fill of a queue is one step.
$T html --device "$D" -o "$WORK/dev.html" || fail "html --device exited $?"
k=$("$PYTHON" - "$D" <<'PY'
import sys
sys.path.insert(0, "trace")
import ringside_trace as rt, rt_html_device
with rt.TraceReader(sys.argv[1]) as r:
    _, steps = rt_html_device.select(list(r))
print(next(i for i, s in enumerate(steps) if s["name"] == "virtio_status" and s["f"]["new"] == 0xb))
PY
) || fail "cannot find the FEATURES_OK step"
browse --dump-dom "file://$WORK/dev.html#step=$k" > "$WORK/devdom.html" || fail "chromium --dump-dom (device) failed"
"$PYTHON" - "$WORK/devdom.html" "$k" <<'PY' || fail "device page state at FEATURES_OK"
import html, re, sys
dom, k = open(sys.argv[1]).read(), sys.argv[2]
def cells(id):
    m = re.search(r'<tr id="%s"[^>]*>(.*?)</tr>' % re.escape(id), dom, re.S)
    assert m, "no row %s" % id
    return [html.unescape(c) for c in re.findall(r"<td[^>]*>([^<]*)</td>", m.group(1))]
def cls(id):
    return re.search(r'<tr id="%s"(?: class="([^"]*)")?' % re.escape(id), dom).group(1) or ""
assert re.search(r'id="pos"[^>]*>%s<' % k, dom)
assert cells("status-FEATURES_OK")[1] == "set" and cells("status-DRIVER_OK")[1] == "-"
assert "touched" in cls("status-FEATURES_OK") and cells("status-value")[1] == "0xb"
# the demo's driver takes MAC and STATUS, declines CSUM
assert cells("feature-MAC")[1:] == ["yes", "yes"], cells("feature-MAC")
assert cells("feature-CSUM")[1:] == ["yes", "-"] and "declined" in cls("feature-CSUM")
assert "queue-0" not in dom        # the queues come after FEATURES_OK
PY
sed 's|</body>|<pre id="test-result"></pre><script>\
const r = window.ringside, out = [];\
r.goto(0); while (r.state().step.name !== "virtio_status" \|\| !(r.state().device.status \& 4)) r.step();\
out.push(r.state().device.status); out.push(Object.keys(r.state().device.queues).length);\
r.goto(1e9); out.push(r.state().index === r.state().count - 1);\
out.push(r.state().device.queues[0].role); out.push(r.state().device.queues[1].role);\
document.getElementById("test-result").textContent = JSON.stringify(out);\
</script></body>|' "$WORK/dev.html" > "$WORK/devapi.html"
browse --dump-dom "file://$WORK/devapi.html" > "$WORK/devapi-dom.html" || fail "chromium --dump-dom (device api) failed"
got=$(sed -n 's|.*<pre id="test-result">\(.*\)</pre>.*|\1|p' "$WORK/devapi-dom.html")
[ "$got" = '[15,2,true,"rx0","tx0"]' ] || fail "window.ringside on the device page gave $got"
# An indirect table is its own table: the firmware's first control command goes out
# through one (4 descriptors: the ring's INDIRECT one and its table of 3), and the ring's
# descriptor table marks only the ring's.
fw=${RINGSIDE_FW:-guestfw/ringside-fw.elf}
if [ -f "$fw" ]; then
    "$RINGSIDE" run --fw "$fw" --trace "$WORK/fw.trace" >/dev/null 2>&1 || fail "the firmware run failed"
    $T html "$WORK/fw.trace" --queue ctrl -o "$WORK/ctrl.html" || fail "html --queue ctrl exited $?"
    k=$($T show --raw --queue ctrl "$WORK/fw.trace" | grep -n ' chain_fetch ' | head -1 | cut -d: -f1)
    [ -n "$k" ] || fail "no chain_fetch on the control queue"
    browse --dump-dom "file://$WORK/ctrl.html#step=$((k - 1))" > "$WORK/ctrl-dom.html" || fail "chromium (ctrl) failed"
    "$PYTHON" - "$WORK/ctrl-dom.html" <<'PY' || fail "the indirect table is not shown apart"
import re, sys
dom = open(sys.argv[1]).read()
assert re.search(r'id="event-name"[^>]*>chain_fetch<', dom)
title = re.search(r'id="indirect-title"[^>]*>([^<]*)<', dom).group(1)
assert re.match(r"Indirect table of desc\[0\] at 0x[0-9a-f]+, 3 entries \(chain of head 0\)$", title), title
rows = re.findall(r'<tr id="indirect-(\d+)" class="touched">', dom)
assert rows == ["0", "1", "2"], rows
ring = re.findall(r'<tr id="desc-(\d+)" data-owner="(\w+)" class="touched">', dom)
assert ring == [("0", "inflight")], ring      # only the ring's INDIRECT descriptor
PY
fi
exit 0
