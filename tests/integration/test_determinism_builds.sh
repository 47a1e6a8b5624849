# Determinism across builds (DESIGN.md §8; issues 2 and 5): the simulator built again
# with the other host compiler (clang if ./ringside came from gcc, and vice versa), at
# -O0 and at -O2, must write byte-identical traces and the same console output as
# ./ringside for the same firmware file and command line. Traces hold the command line and the
# firmware path, so both binaries run as ./ringside from twin directories.
# san: skip
. tests/integration/lib.sh
fw=${RINGSIDE_FW:-guestfw/ringside-fw.elf}
[ -f "$fw" ] || fail "no firmware at $fw"
[ -f Makefile ] || skip "no Makefile (run ./configure first)"
cc=$(sed -n 's/^CC *= *//p' Makefile)
if $cc --version 2>/dev/null | head -n 1 | grep -qi clang; then other=gcc; else other=clang; fi
command -v $other >/dev/null 2>&1 || skip "$other not installed: cannot build with the other compiler than '$cc'"

# Same SDL choice as the main build, so only the compiler and optimisation differ.
sdl=--disable-sdl
grep -q '^HAVE_SDL *= *1' Makefile && sdl=--enable-sdl
mkdir -p "$WORK/a" && cp "$fw" "$WORK/fw.elf" || fail "cannot set up the run directories"
ln -s "$(cd "$(dirname "$RINGSIDE")" && pwd)/$(basename "$RINGSIDE")" "$WORK/a/ringside" || fail "cannot link ./ringside"
for opt in O0 O2; do
    src=$WORK/src-$opt
    mkdir -p "$src" && cp -r configure Makefile.in sim trace "$src/" || fail "cannot copy the sources"
    (cd "$src" && CC=$other CFLAGS="-$opt -g" ./configure $sdl >"$WORK/configure-$opt.out" 2>&1) ||
        { cat "$WORK/configure-$opt.out"; fail "configure with CC=$other CFLAGS=-$opt failed"; }
    make -s -C "$src" -j2 ringside >"$WORK/build-$opt.out" 2>&1 ||
        { tail -n 30 "$WORK/build-$opt.out"; fail "building with $other -$opt failed"; }
    mkdir -p "$WORK/$opt" && ln -s "$src/ringside" "$WORK/$opt/ringside" || fail "cannot link the $opt build"
done
# hello (boot), ping (the handshake and traffic), all with small rings (wrap-around,
# control queue, multiqueue), and all again over packed rings of 7 entries.
for scen in "scenario=hello" "scenario=ping" "scenario=all count=3" "scenario=all count=3 ring=packed queue_size=7"; do
    name=$(echo "$scen" | sed 's/scenario=//; s/ .*//')
    args="-append"
    [ "$name" = all ] && args="--queue-size 16 -append"
    case $scen in *ring=packed*) name=packed args="--virtio modern --net-features +ring_packed -append" ;; esac
    for d in a O0 O2; do
        (cd "$WORK/$d" && ./ringside run --fw "$WORK/fw.elf" $args "$scen" --trace "$name.trace" \
            >"$name.out" 2>&1) || { cat "$WORK/$d/$name.out"; fail "$name under build $d failed"; }
    done
    for opt in O0 O2; do
        cmp "$WORK/a/$name.out" "$WORK/$opt/$name.out" ||
            fail "$name: console output differs between the $cc and $other -$opt builds"
        if ! cmp "$WORK/a/$name.trace" "$WORK/$opt/$name.trace"; then
            "$PYTHON" trace/ringside-trace diff "$WORK/a/$name.trace" "$WORK/$opt/$name.trace"
            fail "$name: traces of the $cc and $other -$opt builds are not byte-identical"
        fi
    done
    echo "$name: identical console and trace ($(wc -c <"$WORK/a/$name.trace") bytes) from $cc, $other -O0 and $other -O2"
done
exit 0
