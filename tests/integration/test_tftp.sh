# TFTP (RFC 1350, blksize/tsize options RFC 2348/2349) from the built-in peer's --tftp
# DIR to the firmware's scenario=tftp, which prints size, blocks and CRC-32: the CRC
# must be zlib's of the file, edge sizes must work (empty: one empty block; an exact
# multiple of the block size: a final empty block), and the peer must not serve
# anything outside DIR. Exit codes: guestfw/net/README.md (70 no file, 72 server error).
. tests/integration/lib.sh
d="$WORK/tftp"
mkdir -p "$d/sub" || fail "mkdir"
"$PYTHON" - "$d" <<'EOF' || fail "cannot generate files"
import sys, zlib
d = sys.argv[1]
blob = bytes((i * 7 + i // 251) & 0xff for i in range(100000))  # no period of 256
for name, data in (("blob.bin", blob), ("empty", b""), ("exact", blob[:2 * 1468])):
    open(f"{d}/{name}", "wb").write(data)
    open(f"{d}/{name}.crc", "w").write("0x%08x\n" % zlib.crc32(data))
open(f"{d}/../secret", "w").write("not for the guest\n")
EOF
ln -s ../../secret "$d/sub/link" || fail "ln"

# tftp NAME BLOCKS: fetch NAME, expect BLOCKS blocks of 1468 and the file's CRC.
tftp() {
    run_fw "$WORK/$1.out" --tftp "$d" -append "scenario=tftp file=$1" || { tail -n 10 "$WORK/$1.out"; fail "tftp $1 exited $RC"; }
    size=$(wc -c <"$d/$1" | tr -d ' ')
    line="tftp: $1: $size bytes in $2 blocks of 1468, crc32 $(cat "$d/$1.crc"), 0 retransmits, "
    grep -qF "$line" "$WORK/$1.out" || { grep '^tftp' "$WORK/$1.out"; fail "expected '$line'"; }
}
tftp blob.bin 69
tftp empty 1
tftp exact 3

# The DHCP boot file (--bootfile) is fetched when no file= is given.
run_fw "$WORK/boot" --tftp "$d" --bootfile blob.bin -append scenario=tftp || { tail -n 10 "$WORK/boot"; fail "tftp of the boot file exited $RC"; }
grep -qF "crc32 $(cat "$d/blob.bin.crc")," "$WORK/boot" || fail "boot file CRC"
run_fw "$WORK/dhcp" --bootfile blob.bin -append scenario=dhcp || fail "scenario=dhcp --bootfile exited $RC"
grep -q "^dhcp: next-server 10\.0\.2\.2 bootfile 'blob\.bin'$" "$WORK/dhcp" || { grep '^dhcp' "$WORK/dhcp"; fail "DHCP does not announce the boot file"; }

# err EXIT NAME MESSAGE [OPTIONS]: fetching NAME fails with EXIT and the server's MESSAGE.
err() {
    want=$1 name=$2 msg=$3; shift 3
    run_fw "$WORK/err" "$@" -append "scenario=tftp file=$name"
    rc=$?
    [ $rc = "$want" ] || { tail -n 5 "$WORK/err"; fail "tftp $name $*: exit $rc, expected $want"; }
    grep -qF "tftp: $name: $msg" "$WORK/err" || { grep '^tftp' "$WORK/err"; fail "tftp $name: expected '$msg'"; }
}
err 72 nosuch 'error 1: File not found' --tftp "$d"
err 72 blob.bin 'error 1: File not found'                          # no --tftp at all
err 72 sub 'error 1: File not found' --tftp "$d"                   # a directory
err 72 ../secret 'error 2: Access violation' --tftp "$d"
err 72 /etc/passwd 'error 2: Access violation' --tftp "$d"
err 72 link 'error 2: Access violation' --tftp "$d/sub"           # symlink out of DIR
# Replay serves the files recorded in the trace, not DIR's (test_replay_inputs.sh).
run_fw "$WORK/rec" --tftp "$d" --trace "$WORK/t.trace" -append "scenario=tftp file=blob.bin" || fail "traced tftp exited $RC"
"$RINGSIDE" replay "$WORK/t.trace" >"$WORK/rep" 2>&1 || { tail -n 5 "$WORK/rep"; fail "replay of a tftp run did not match"; }

run_fw "$WORK/nofile" --tftp "$d" -append scenario=tftp
rc=$?
[ $rc = 70 ] || fail "tftp without a file name: exit $rc, expected 70"
grep -q '^tftp: no file to fetch' "$WORK/nofile" || fail "no 'no file to fetch' line"
exit 0
