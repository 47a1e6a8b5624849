# Determinism across builds (DESIGN.md §8; issues 2 and 5): the simulator built a second
# time with the other host compiler (clang if ./ringside came from gcc, and vice versa)
# at -O0 must write byte-identical traces and the same console output as ./ringside for
# the same firmware file and command line. Traces hold the command line and the
# firmware path, so both binaries run as ./ringside from twin directories.
# san: skip
. tests/integration/lib.sh
fw=${RINGSIDE_FW:-guestfw/ringside-fw.elf}
[ -f "$fw" ] || fail "no firmware at $fw"
[ -f Makefile ] || skip "no Makefile (run ./configure first)"
cc=$(sed -n 's/^CC *= *//p' Makefile)
if $cc --version 2>/dev/null | head -n 1 | grep -qi clang; then other=gcc; else other=clang; fi
command -v $other >/dev/null 2>&1 || skip "$other not installed: cannot build with the other compiler than '$cc'"

src=$WORK/src
mkdir -p "$src" && cp -r configure Makefile.in sim trace "$src/" || fail "cannot copy the sources"
# Same SDL choice as the main build, so only the compiler and optimisation differ.
sdl=--disable-sdl
grep -q '^HAVE_SDL *= *1' Makefile && sdl=--enable-sdl
(cd "$src" && CC=$other CFLAGS='-O0 -g' ./configure $sdl >"$WORK/configure.out" 2>&1) ||
    { cat "$WORK/configure.out"; fail "configure with CC=$other failed"; }
make -s -C "$src" -j2 ringside >"$WORK/build.out" 2>&1 || { tail -n 30 "$WORK/build.out"; fail "building with $other -O0 failed"; }

mkdir -p "$WORK/a" "$WORK/b" && cp "$fw" "$WORK/fw.elf" || fail "cannot set up the run directories"
ln -s "$(cd "$(dirname "$RINGSIDE")" && pwd)/$(basename "$RINGSIDE")" "$WORK/a/ringside" || fail "cannot link ./ringside"
ln -s "$src/ringside" "$WORK/b/ringside" || fail "cannot link the second build"
for scen in hello ping; do
    for d in a b; do
        (cd "$WORK/$d" && ./ringside run --fw "$WORK/fw.elf" -append "scenario=$scen" --trace "$scen.trace" \
            >"$scen.out" 2>&1) || { cat "$WORK/$d/$scen.out"; fail "$scen under build $d failed"; }
    done
    cmp "$WORK/a/$scen.out" "$WORK/b/$scen.out" || fail "$scen: console output differs between the $cc and $other -O0 builds"
    if ! cmp "$WORK/a/$scen.trace" "$WORK/b/$scen.trace"; then
        "$PYTHON" trace/ringside-trace diff "$WORK/a/$scen.trace" "$WORK/b/$scen.trace"
        fail "$scen: traces of the $cc and $other -O0 builds are not byte-identical"
    fi
    echo "$scen: identical console and trace ($(wc -c <"$WORK/a/$scen.trace") bytes) from $cc and $other -O0"
done
exit 0
