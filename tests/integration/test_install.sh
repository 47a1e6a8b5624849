# make install / make uninstall (issue 12): an install under any PREFIX, and one staged
# with DESTDIR, runs the default scenario with its own firmware, its ringside-trace reads
# a trace, it still works after being moved, a missing firmware is a clear error, and
# make uninstall leaves no file behind. Only $WORK is written (make may build ./ringside
# and the firmware, as make does anyway).
# san: skip
. tests/integration/lib.sh
[ -f Makefile ] || skip "no Makefile (run ./configure): cannot make install"
unset RINGSIDE_FW RINGSIDE_EVENTS_DEF DESTDIR

# check_install ROOT: ROOT/bin/ringside and ROOT/bin/ringside-trace work from $WORK.
check_install() {
    root=$1
    [ -x "$root/bin/ringside" ] && [ -x "$root/bin/ringside-trace" ] && [ -f "$root/share/man/man1/ringside.1" ] &&
        [ -f "$root/share/man/man1/ringside-trace.1" ] ||
        { find "$root"; fail "make install left out a file under $root"; }
    (cd "$WORK" && "$root/bin/ringside" run --trace "$WORK/inst.trace" >"$WORK/run.out" 2>&1); rc=$?
    [ $rc = 0 ] || { cat "$WORK/run.out"; fail "the installed $root/bin/ringside run exited $rc"; }
    grep -q '^4 packets transmitted, 4 received, 0% packet loss$' "$WORK/run.out" &&
        grep -q '^scenario ping: ok (exit 0)$' "$WORK/run.out" || { cat "$WORK/run.out"; fail "no ping lines from $root"; }
    (cd "$WORK" && "$root/bin/ringside-trace" info "$WORK/inst.trace") >"$WORK/info.out" 2>&1 ||
        { cat "$WORK/info.out"; fail "the installed ringside-trace info failed"; }
    grep -qx "  fw=$root/share/ringside/ringside-fw.elf" "$WORK/info.out" ||
        { cat "$WORK/info.out"; fail "the installed ringside did not run its own firmware"; }
    (cd "$WORK" && "$root/bin/ringside-trace" stats "$WORK/inst.trace") >"$WORK/stats.out" 2>&1 ||
        { cat "$WORK/stats.out"; fail "the installed ringside-trace stats failed"; }
    grep -q '^frames: 7 to guest, 7 from guest' "$WORK/stats.out" || { cat "$WORK/stats.out"; fail "no frame counts from stats"; }
}

# 1. PREFIX alone, somewhere configure never heard of; then moved.
p1=$WORK/p1
make -s install PREFIX="$p1" DESTDIR= >"$WORK/make.out" 2>&1 || { cat "$WORK/make.out"; fail "make install PREFIX=$p1 failed"; }
check_install "$p1"
mv "$p1" "$WORK/moved" && check_install "$WORK/moved" && mv "$WORK/moved" "$p1" || fail "the moved install does not work"
# Without its firmware the installed ringside says where it looked.
mv "$p1/share/ringside/ringside-fw.elf" "$WORK/fw.away" || fail "cannot move the firmware away"
"$p1/bin/ringside" run >"$WORK/nofw.out" 2>&1; rc=$?
cat "$WORK/nofw.out"
[ $rc = 121 ] || fail "ringside without its firmware exited $rc, expected 121"
grep -q "the bundled firmware is not at $p1/share/ringside/ringside-fw.elf" "$WORK/nofw.out" ||
    fail "the error does not name $p1/share/ringside/ringside-fw.elf"
mv "$WORK/fw.away" "$p1/share/ringside/ringside-fw.elf" || fail "cannot put the firmware back"
make -s uninstall PREFIX="$p1" DESTDIR= >"$WORK/make.out" 2>&1 || { cat "$WORK/make.out"; fail "make uninstall PREFIX=$p1 failed"; }
left=$(find "$p1" ! -type d)
[ -z "$left" ] || fail "make uninstall left: $left"
[ ! -e "$p1/share/ringside" ] || fail "make uninstall left the directory $p1/share/ringside"

# 2. A DESTDIR staging of PREFIX=/opt/ringside, run from where it is staged.
stage=$WORK/stage
make -s install DESTDIR="$stage" PREFIX=/opt/ringside >"$WORK/make.out" 2>&1 ||
    { cat "$WORK/make.out"; fail "make install DESTDIR=$stage PREFIX=/opt/ringside failed"; }
[ -z "$(find "$stage" ! -path "$stage/opt/ringside/*" ! -type d)" ] || fail "files outside \$DESTDIR\$PREFIX"
check_install "$stage/opt/ringside"
make -s uninstall DESTDIR="$stage" PREFIX=/opt/ringside >"$WORK/make.out" 2>&1 ||
    { cat "$WORK/make.out"; fail "make uninstall DESTDIR=$stage failed"; }
left=$(find "$stage" ! -type d)
[ -z "$left" ] || fail "make uninstall left: $left"
exit 0
