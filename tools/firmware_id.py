"""tools/firmware_id.py: which firmware the golden traces (tests/golden/) and the outputs
quoted in docs/ were recorded from. tests/golden/FIRMWARE names its compiler (from the
ELF's .comment and DWARF producer strings) and the SHA-256 of the ELF file (the value a
trace header holds); tools/refresh-golden writes it, and the golden and classroom checks
compare it first, so that another firmware fails with the reason instead of comparing
nothing. Python 3 standard library."""
import hashlib
import os
import re
import struct

RECORD = "FIRMWARE"
# configure's default (pinned) guest compiler, for the messages.
PINNED = "clang --target=riscv64-unknown-elf with ld.lld"


class Error(Exception):
    pass


PRODUCER = re.compile(rb"(?:[\w ]*clang version [0-9][\w.+~-]*|GNU C\w* [0-9][\w.]*|GCC: \([^)]*\) [0-9][\w.]*"
                      rb"|Linker: [\w ]+ [0-9][\w.]*)")


def _read(fw):
    try:
        with open(fw, "rb") as f:
            return f.read()
    except OSError as e:
        raise Error("cannot read firmware %s: %s" % (fw, e.strerror)) from None


def producer(fw, data=None):
    """Which compiler (and linker) built the firmware: from the ELF .comment section and
    the DWARF producer strings (.debug_str), one line; 'unknown' without either."""
    b = _read(fw) if data is None else data
    if b[:4] != b"\x7fELF" or len(b) < 5 or b[4] != 2:
        return "unknown (not an ELF64 file)"
    try:
        shoff, = struct.unpack_from("<Q", b, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", b, 0x3a)

        def sh(i):
            return struct.unpack_from("<IIQQQQ", b, shoff + i * shentsize)
        stroff = sh(shstrndx)[4]
        found = []
        for i in range(shnum):
            name, _t, _f, _a, off, size = sh(i)
            if b[stroff + name:b.index(b"\0", stroff + name)] in (b".comment", b".debug_str"):
                found += [m.decode("utf-8", "replace").strip() for m in PRODUCER.findall(b[off:off + size])]
    except (struct.error, ValueError):
        return "unknown (bad ELF section table)"
    return " / ".join(dict.fromkeys(found)) or "unknown"


def identify(fw):
    """(compiler, sha256 hex) of a firmware file."""
    b = _read(fw)
    return producer(fw, b), hashlib.sha256(b).hexdigest()


def record_path(golden_dir):
    return os.path.join(golden_dir, RECORD)


def read_record(golden_dir):
    """{'compiler': ..., 'sha256': ...} from GOLDEN_DIR/FIRMWARE; Error if missing or bad."""
    path = record_path(golden_dir)
    rec = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                key, sep, val = line.partition(":")
                if sep:
                    rec[key.strip()] = val.strip()
    except OSError as e:
        raise Error("cannot read %s (%s): it names the firmware the golden traces were recorded from; "
                    "record them on purpose with tools/refresh-golden" % (path, e.strerror)) from None
    if not rec.get("compiler") or not re.fullmatch(r"[0-9a-f]{64}", rec.get("sha256", "")):
        raise Error("%s: expected 'compiler: ...' and 'sha256: <64 hex digits>' lines" % path)
    return rec


def record_text(compiler, sha):
    return ("# The firmware that the golden traces here and the outputs quoted in docs/ were recorded\n"
            "# from: written by tools/refresh-golden, compared first by its --check, by\n"
            "# tests/integration/test_golden.sh and by tools/classroom/refresh --check.\n"
            "# Built by ./configure's pinned compiler (%s);\n"
            "# see tests/golden/README.md.\n"
            "compiler: %s\n"
            "sha256: %s\n" % (PINNED, compiler, sha))


def write_record(golden_dir, compiler, sha):
    """Writes GOLDEN_DIR/FIRMWARE; True if its content changed."""
    path = record_path(golden_dir)
    text = record_text(compiler, sha)
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return False
    except OSError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return True


def mismatch(rec, fw, compiler, sha, what="the golden traces (tests/golden)"):
    """None if FW (built by COMPILER, hashing to SHA) is the recorded firmware, else
    (same_compiler, message): what was expected and found, and how to fix it."""
    if rec["compiler"] == compiler and rec["sha256"] == sha:
        return None
    refresh = ("refresh on purpose: tools/refresh-golden && tools/classroom/refresh && tools/docs-quoted "
               "(first tools/classroom/linux-handshake --write when Linux is built), "
               "and commit tests/golden, tools/classroom and docs with the change")
    if rec["compiler"] != compiler:
        return False, (
            "firmware from another compiler: %s were recorded from firmware built by '%s' (sha256 %s);\n"
            "  %s was built by '%s' (sha256 %s).\n"
            "  Another compiler's code differs in timing, symbols and store order: nothing to compare.\n"
            "  fix: build the firmware with the pinned compiler (%s):\n"
            "       ./configure  (without --guest-cc) && make\n"
            "  or, to make this compiler's firmware the reference, %s."
            % (what, rec["compiler"], rec["sha256"], fw, compiler, sha, PINNED, refresh))
    return True, (
        "firmware differs from the recorded one: %s were recorded from sha256 %s;\n"
        "  %s is sha256 %s (same compiler, '%s'): guestfw/, its build flags or the compiler's build changed.\n"
        "  fix: if the change is intended, %s; otherwise rebuild the committed firmware sources."
        % (what, rec["sha256"], fw, sha, compiler, refresh))
