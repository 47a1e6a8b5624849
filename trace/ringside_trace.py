"""Reader of ringside trace files (docs/trace-format.md), the Python twin of trace/reader.c.

The event types come from parsing trace/events.def at run time, so this module and the
C writer cannot drift; Event.format() gives the same canonical line as
trace_event_format() in C. Standard library only.
"""

import mmap
import os
import re
import struct
import zlib

import rt_deftab

__all__ = ["TraceError", "EventType", "Event", "Header", "TraceReader", "TraceWriter",
           "read_events", "diff", "Divergence", "event_differences", "events_table",
           "load_events_def", "find_events_def", "FAMILIES", "vtime_ns", "NS_PER_TICK",
           "DEFAULT_INSNS_PER_TICK", "format_value", "name_text"]

MAGIC = b"RINGTRC\0"
VERSION = 3
FIXED_HEADER = 16
MAX_HEADER = 16 << 20
MAX_RECORD = 1 << 20
MAX_STRING = 65535
REC_STRING = 0
REC_REPEAT = 1
REC_AGAIN = 2
VERSION_2 = 2
REC_FIXED = 26            # an event's kind, time delta, pc delta and symbol: at most
BLOCK_HEADER = 36        # see trace/codec.h
BLOCK_CRC = 32
BLOCK_TARGET = 64 * 1024  # a block is sealed before its payload outgrows this
MAX_BLOCK = 4 << 20
BLK_ZSTD, BLK_END = 1, 2
SLACK = 32                # room the C writer keeps for a pending repeat record
REPEAT_MAX = 65535
HDR_CONFIG, HDR_ARGV, HDR_FW_SHA256 = 1, 2, 3
M64 = (1 << 64) - 1

INT_TYPES = {"u8": 0xff, "u16": 0xffff, "u32": 0xffffffff, "u64": (1 << 64) - 1,
             "x8": 0xff, "x16": 0xffff, "x32": 0xffffffff, "x64": (1 << 64) - 1,
             "bdf": 0xffff}
FIELD_TYPES = set(INT_TYPES) | {"name", "str", "bytes", "descs"}
# The families of events.def, in its order (help texts; a filter checks names against
# the loaded table itself). test_trace_tools checks the two agree.
FAMILIES = ("cpu", "bus", "pci", "virtio", "ring_drv", "ring_dev", "net", "input", "run", "note", "check")
# The guest's clock (DESIGN.md §3): mtime advances one 100 ns tick of the 10 MHz
# timebase every insns_per_tick units of virtual time (the header's insns_per_tick=,
# 10 when it has none), as sim/net/backend.h NET_NS_PER_TICK / NET_INSNS_PER_TICK.
NS_PER_TICK = 100
DEFAULT_INSNS_PER_TICK = 10


def vtime_ns(vtime, insns_per_tick=DEFAULT_INSNS_PER_TICK):
    """The guest's clock in nanoseconds at virtual time vtime, rounded down as in C
    (net_vtime_to_ns), so the exports agree with `ringside run --pcap`."""
    return vtime * NS_PER_TICK // insns_per_tick


class TraceError(Exception):
    """A trace that cannot be read: says what and at which byte offset."""

    def __init__(self, message, offset=None, path=None):
        self.message = message
        self.offset = offset
        self.path = path
        text = message
        if offset is not None:
            text = "byte offset %d: %s" % (offset, text)
        if path is not None:
            text = "%s: %s" % (path, text)
        super().__init__(text)


class EventType:
    """One line of events.def: stable id, name, family, [(type, field name)]."""

    def __init__(self, id, name, family, fields):
        self.id = id
        self.name = name
        self.family = family
        self.fields = fields

    def __repr__(self):
        return "EventType(%d, %s, %s, %r)" % (self.id, self.name, self.family, self.fields)


def find_events_def():
    """events.def: $RINGSIDE_EVENTS_DEF, else beside this module (the source tree, or
    the install directory when the Makefile installs it there)."""
    env = os.environ.get("RINGSIDE_EVENTS_DEF")
    if env:
        return env
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "events.def")


_FIELD = re.compile(r"F\s*\(\s*(\w+)\s*,\s*(\w+)\s*\)")
_IDENT = re.compile(r"^[A-Za-z_]\w*$")


def load_events_def(path=None):
    """Parses events.def into {id: EventType}; TraceError if it is not what the C
    preprocessor would accept in the shape the writer expects."""
    path = path or find_events_def()
    text = rt_deftab.read(path, TraceError, "the event definitions ")
    types, names = {}, set()
    for _, body, _line in rt_deftab.calls(text, ["EV"], path, TraceError):
        parts = body.split(",", 3)
        if len(parts) != 4:
            raise TraceError("%s: malformed EV(%s)" % (path, body.strip()))
        sid, name, family = (p.strip() for p in parts[:3])
        fields = _FIELD.findall(parts[3])
        leftover = _FIELD.sub("", parts[3]).strip()
        if not sid.isdigit() or not _IDENT.match(name) or not _IDENT.match(family) or leftover or not fields:
            raise TraceError("%s: malformed EV(%s)" % (path, body.strip()))
        eid = int(sid)
        for t, fname in fields:
            if t not in FIELD_TYPES:
                raise TraceError("%s: event %s: unknown field type %s" % (path, name, t))
        if eid < 16 or eid > 0xffff or eid in types or name in names:
            raise TraceError("%s: event %s: id %d reserved or repeated, or name repeated" % (path, name, eid))
        types[eid] = EventType(eid, name, family, fields)
        names.add(name)
    if not types:
        raise TraceError("%s: no events defined" % path)
    return types


def _escape(b, quoted):
    """Same escaping as put_escaped() in trace/format.c."""
    lo = 0x20 if quoted else 0x21
    out = []
    for c in b:
        if lo <= c <= 0x7e and c not in (0x5c, 0x22):
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    return "".join(out)


def _text_bytes(s):
    return s.encode("utf-8", "surrogateescape")


def _format_value(t, v):
    if t in ("u8", "u16", "u32", "u64"):
        return "%d" % v
    if t in ("x8", "x16", "x32", "x64"):
        return "0x%x" % v
    if t == "bdf":
        return "%02x:%02x.%x" % (v >> 8, (v >> 3) & 31, v & 7)
    if t == "name":
        return "-" if v is None else _escape(_text_bytes(v), False)
    if t == "str":
        return '"%s"' % _escape(_text_bytes(v), True)
    if t == "bytes":
        return "%d:%s" % (len(v), v.hex())
    if t == "descs":
        return "[%s]" % ",".join("%d:0x%x:%d:0x%x:%d" % (d["index"], d["addr"], d["len"], d["flags"], d["next"])
                                 for d in v)
    raise ValueError(t)


def format_value(t, v):
    """A field's value of type t as the canonical line writes it (the tools that print
    their own lines use it for the fields they do not name)."""
    return _format_value(t, v)


def name_text(s):
    """A symbol or name as the canonical line writes it: '-' for none, escaped."""
    return "-" if s is None else _escape(_text_bytes(s), False)


class Event:
    """One event: its EventType, virtual time, pc, symbol (or None) and field values
    (ints; str for name/str (None for an absent name); bytes; list of dicts for descs).
    offset and size locate its record in the file."""

    __slots__ = ("type", "vtime", "pc", "sym", "fields", "offset", "size")

    def __init__(self, type, vtime, pc, sym, fields, offset=None, size=None):
        self.type = type
        self.vtime = vtime
        self.pc = pc
        self.sym = sym
        self.fields = fields
        self.offset = offset
        self.size = size

    @property
    def name(self):
        return self.type.name

    @property
    def family(self):
        return self.type.family

    def __getitem__(self, field):
        return self.fields[field]

    def get(self, field, default=None):
        return self.fields.get(field, default)

    def format(self):
        """The canonical one-line text, identical to trace_event_format() in C."""
        parts = ["%d" % self.vtime, "0x%x" % self.pc,
                 "-" if self.sym is None else _escape(_text_bytes(self.sym), False), self.type.name]
        for t, fname in self.type.fields:
            parts.append("%s=%s" % (fname, _format_value(t, self.fields[fname])))
        return " ".join(parts)

    def __str__(self):
        return self.format()


class Header:
    """The trace header: format version, machine configuration, command line, firmware hash."""

    def __init__(self, version, config, argv, fw_sha256, length):
        self.version = version
        self.config = config
        self.argv = argv
        self.fw_sha256 = fw_sha256
        self.length = length

    def config_dict(self):
        out = {}
        for line in self.config.splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                out[k] = v
        return out

    def insns_per_tick(self):
        """The run's --insns-per-tick (DEFAULT_INSNS_PER_TICK if the header has none)."""
        v = self.config_dict().get("insns_per_tick")
        if v is None:
            return DEFAULT_INSNS_PER_TICK
        if not re.fullmatch(r"[1-9][0-9]*", v):
            raise TraceError("header: insns_per_tick=%r is not a positive number" % v)
        return int(v)


# ---- zstd (optional: blocks of `ringside run --trace-compress zstd`) ----

_zstd_lib = None


def _zstd():
    """libzstd through ctypes (the standard library has no zstd before Python 3.14), or
    None when it is not installed."""
    global _zstd_lib
    if _zstd_lib is None:
        import ctypes
        import ctypes.util
        lib = False
        for name in (ctypes.util.find_library("zstd"), "libzstd.so.1"):
            if not name:
                continue
            try:
                lib = ctypes.CDLL(name)
                break
            except OSError:
                continue
        if lib:
            lib.ZSTD_decompress.restype = ctypes.c_size_t
            lib.ZSTD_decompress.argtypes = (ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t)
            lib.ZSTD_isError.restype = ctypes.c_uint
            lib.ZSTD_isError.argtypes = (ctypes.c_size_t,)
            lib.ZSTD_getFrameContentSize.restype = ctypes.c_ulonglong
            lib.ZSTD_getFrameContentSize.argtypes = (ctypes.c_char_p, ctypes.c_size_t)
        _zstd_lib = lib
    return _zstd_lib or None


def _unzstd(data, size):
    """One zstd frame that must decode to exactly size bytes; None if it does not."""
    import ctypes
    lib = _zstd()
    if lib.ZSTD_getFrameContentSize(data, len(data)) != size:
        return None
    out = ctypes.create_string_buffer(size)
    k = lib.ZSTD_decompress(out, size, data, len(data))
    if lib.ZSTD_isError(k) or k != size:
        return None
    return out.raw


# ---- reading ----

class _Bad(Exception):
    pass


def _flat(et):
    """Every field a number or a name: an again record may stand for such an event."""
    return all(t not in ("str", "bytes", "descs") for t, _ in et.fields)


class _Cursor:
    __slots__ = ("buf", "pos", "end")

    def __init__(self, buf, pos, end):
        self.buf, self.pos, self.end = buf, pos, end

    def uleb(self, limit, what):
        """Minimal-length LEB128, as leb128_get() in trace/codec.c."""
        buf, p, end = self.buf, self.pos, self.end
        v = shift = 0
        for i in range(10):
            if p >= end:
                raise _Bad(what)
            b = buf[p]
            p += 1
            if i == 9 and b > 1:
                raise _Bad(what)
            v |= (b & 0x7f) << shift
            shift += 7
            if not b & 0x80:
                if i > 0 and b == 0:
                    raise _Bad(what)
                if v > limit:
                    raise _Bad(what)
                self.pos = p
                return v
        raise _Bad(what)

    def raw(self, limit, what):
        n = self.uleb(limit, what)
        if n > self.end - self.pos:
            raise _Bad(what)
        b = bytes(self.buf[self.pos:self.pos + n])
        self.pos += n
        return b


def _ul(b, p):
    """A LEB128 of more than one byte at b[p]: (value, position after); _Bad (or
    IndexError at the end of b) if malformed. The fast decoders' slow case."""
    v = shift = 0
    for i in range(10):
        c = b[p]
        p += 1
        if i == 9 and c > 1:
            raise _Bad("")
        v |= (c & 0x7f) << shift
        shift += 7
        if not c & 0x80:
            if c == 0:
                raise _Bad("")
            return v, p
    raise _Bad("")


def _unzigzag(z):
    return (z >> 1) ^ (M64 if z & 1 else 0)


def _zigzag(d):
    d &= M64
    return ((d << 1) & M64) ^ (M64 if d >> 63 else 0)


def _gen_uleb(var, limit, ind):
    """Source of an inline LEB128 read into var, the one-byte case first."""
    lines = ["%s%s = b[p]" % (ind, var),
             "%sif %s < 128:" % (ind, var),
             "%s    p += 1" % ind,
             "%selse:" % ind,
             "%s    %s, p = _ul(b, p)" % (ind, var)]
    if limit < M64:
        lines.append("%s    if %s > %d: raise _Bad('')" % (ind, var, limit))
    return lines


DELTA_TYPES = ("x32", "x64")   # written as the difference from the previous value


def _make_decoder(et):
    """A function decoding the rest of one event record of type et at b[p] (after its
    kind byte), with pv the type's previous x32/x64 values in the block: (dt, zigzag
    pc, symbol, fields, position after). Generated from events.def so that each field
    is read inline; any damage raises (then the careful decoder finds the message, as
    trace/reader.c words it). pv changes only once the whole record decoded."""
    src = ["def dec(b, p, names, pv):"]
    src += _gen_uleb("dt", M64, "    ")
    src += _gen_uleb("zpc", M64, "    ")
    src += _gen_uleb("v", M64, "    ")
    src.append("    sym = names[v]")
    src.append("    f = {}")
    deltas = []
    for k, (t, fname) in enumerate(et.fields):
        key = repr(fname)
        limit = INT_TYPES.get(t)
        if t in DELTA_TYPES:
            src += _gen_uleb("v", M64, "    ")
            src.append("    d%d = (pv[%d] + ((v >> 1) ^ (M64 if v & 1 else 0))) & M64" % (k, k))
            src.append("    if d%d > %d: raise _Bad('')" % (k, limit))
            src.append("    f[%s] = d%d" % (key, k))
            deltas.append(k)
        elif limit is not None:
            src += _gen_uleb("v", limit, "    ")
            src.append("    f[%s] = v" % key)
        elif t == "name":
            src += _gen_uleb("v", M64, "    ")
            src.append("    f[%s] = names[v]" % key)
        elif t in ("str", "bytes"):
            src += _gen_uleb("n", MAX_STRING if t == "str" else MAX_RECORD, "    ")
            src.append("    e = p + n")
            src.append("    if e > len(b): raise _Bad('')")
            src.append("    v = b[p:e]")
            src.append("    p = e")
            if t == "str":
                src.append("    if 0 in v: raise _Bad('')")
                src.append("    f[%s] = v.decode('utf-8', 'surrogateescape')" % key)
            else:
                src.append("    f[%s] = v" % key)
        else:  # descs
            src += _gen_uleb("n", M64, "    ")
            src.append("    if n > (len(b) - p) // 5: raise _Bad('')")
            src.append("    out = []")
            src.append("    for _ in range(n):")
            d = []
            for dk, lim in (("index", 0xffff), ("addr", M64), ("len", 0xffffffff), ("flags", 0xffff), ("next", 0xffff)):
                src += _gen_uleb("v", lim, "        ")
                src.append("        d_%s = v" % dk)
                d.append("%r: d_%s" % (dk, dk))
            src.append("        out.append({%s})" % ", ".join(d))
            src.append("    f[%s] = out" % key)
    for k in deltas:
        src.append("    pv[%d] = d%d" % (k, k))
    src.append("    return dt, zpc, sym, f, p")
    env = {"_ul": _ul, "_Bad": _Bad, "M64": M64}
    exec("\n".join(src), env)
    return env["dec"]


class TraceReader:
    """Reads a trace: .header, then iterate for Events. Raises TraceError (with the byte
    offset) on anything corrupt or truncated; a trace without its end block is an error.
    Version 1 files are read too (trace/rt_v1.py). seek_time(T) skips the blocks that
    end before virtual time T. .string_bytes and .end_bytes count the bytes of string
    definitions and of the end while reading; an Event's .size is its record's bytes
    (the repeat record's for the first event a repeat stands for, 0 for the others)."""

    def __init__(self, path, types=None):
        self.path = path
        self.types = types if types is not None else load_events_def()
        self._map = None
        try:
            with open(path, "rb") as f:
                try:
                    self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
                    self.buf = self._map
                except (ValueError, OSError):  # empty file, pipe
                    self.buf = f.read()
        except OSError as e:
            raise TraceError("cannot open trace: %s" % e.strerror, path=path) from None
        self.names = [None]
        self.count = 0
        self.string_bytes = 0
        self.end_bytes = 0
        self.header = self._read_header()
        self.pos = self.header.length
        self._seek = None

    def close(self):
        if self._map is not None:
            self._map.close()
            self._map = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _fail(self, offset, message):
        raise TraceError(message, offset, self.path)

    def _read_header(self):
        buf = self.buf
        n = len(buf)
        if n < 8 or bytes(buf[:8]) != MAGIC:
            self._fail(0, "not a ringside trace (bad magic)")
        if n < FIXED_HEADER:
            self._fail(n, "truncated header")
        version = int.from_bytes(buf[8:10], "little")
        if version not in (1, VERSION_2, VERSION):
            self._fail(8, "trace format version %d, this reader knows %d and %d" % (version, VERSION_2, VERSION))
        length = int.from_bytes(buf[12:16], "little")
        if length < FIXED_HEADER + 4 or length > MAX_HEADER:
            self._fail(12, "bad header length %d" % length)
        if n < length:
            self._fail(n, "truncated header")
        if int.from_bytes(buf[length - 4:length], "little") != zlib.crc32(buf[:length - 4]):
            self._fail(length - 4, "header checksum mismatch")
        cur = _Cursor(buf, FIXED_HEADER, length - 4)
        seen = {}
        while cur.pos < cur.end:
            at = cur.pos
            try:
                tag = cur.uleb(M64, "")
                data = cur.raw(M64, "")
            except _Bad:
                self._fail(at, "malformed header field")
            if tag in seen:
                self._fail(at, "header field %d repeated" % tag)
            if tag == HDR_ARGV:
                argv, c = [], _Cursor(data, 0, len(data))
                try:
                    while c.pos < c.end:
                        argv.append(c.raw(M64, "").decode("utf-8", "surrogateescape"))
                except _Bad:
                    self._fail(at, "malformed header field %d" % tag)
                data = argv
            elif tag == HDR_FW_SHA256 and len(data) != 32:
                self._fail(at, "malformed header field %d" % tag)
            elif tag == HDR_CONFIG:
                data = data.decode("utf-8", "surrogateescape")
            seen[tag] = data
        if not all(t in seen for t in (HDR_CONFIG, HDR_ARGV, HDR_FW_SHA256)):
            self._fail(FIXED_HEADER, "header lacks a required field")
        return Header(version, seen[HDR_CONFIG], seen[HDR_ARGV], seen[HDR_FW_SHA256], length)

    def blocks(self):
        """(offset, first event number, base virtual time, flags) of every block, from
        the block headers alone (nothing is checked but their chaining)."""
        buf, pos, n, out = self.buf, self.header.length, len(self.buf), []
        while pos + BLOCK_HEADER <= n:
            stored, _raw, first, vtime, _events, flags, _res, _crc = _BLK.unpack_from(buf, pos)
            out.append((pos, first, vtime, flags))
            if flags & BLK_END:
                break
            pos += BLOCK_HEADER + stored
        return out

    def seek_time(self, t):
        """Starts the iteration at the block holding the first event at virtual time t
        or later (every block starts with what it needs: its names, its base time), so
        `ringside-trace show --from T` does not decode what comes before. The blocks
        skipped are not checked. Returns how many events come before the first one read
        (the block headers count them)."""
        if self.header.version not in (VERSION_2, VERSION):
            return 0
        bl = self.blocks()
        start = 0
        # block k holds events after bl[k] base time, up to bl[k + 1]'s base time
        for k in range(len(bl) - 1):
            if bl[k + 1][2] < t:
                start = k + 1
        if bl and start < len(bl):
            self.pos = bl[start][0]
            self._seek = (bl[start][1], bl[start][2])
        return self._seek[0] if self._seek else 0

    def __iter__(self):
        if self.header.version == 1:
            import rt_v1
            yield from rt_v1.events(self, _Bad, _Cursor, Event, INT_TYPES)
            return
        buf = self.buf
        n = len(buf)
        types = self.types
        decoders = {}
        names = self.names
        pos = self.pos
        count, last_vtime = self._seek if self._seek else (0, 0)
        seeking = self._seek is not None
        unpack = _BLK.unpack_from
        crc32 = zlib.crc32
        chain = 0
        while True:
            if pos >= n:
                self.count = count
                self._fail(pos, "truncated: no end block after %d events" % count)
            if pos + BLOCK_HEADER > n:
                self._fail(pos, "truncated block header")
            stored, raw, first, vtime, events, flags, res, crc = unpack(buf, pos)
            zstd, end = flags & BLK_ZSTD, flags & BLK_END
            if (flags & ~(BLK_ZSTD | BLK_END) or res or raw > MAX_BLOCK
                    or (stored > raw + raw // 8 + 1024 if zstd else stored != raw)
                    or (end and (raw != 4 or zstd or events)) or (not end and (not raw or not events))):
                self._fail(pos, "bad block header")
            data_at = pos + BLOCK_HEADER
            payload = bytes(buf[data_at:data_at + stored])
            if len(payload) < stored:
                self._fail(pos, "truncated block (%d bytes short)" % (stored - len(payload)))
            if crc32(payload, crc32(buf[pos:pos + BLOCK_CRC])) != crc:
                self._fail(pos, "block checksum mismatch")
            if not end:
                chain = crc32(buf[pos + BLOCK_CRC:pos + BLOCK_HEADER], chain)
            if first != count:
                self._fail(pos, "block starts at event %d, %d were read (a block is missing?)" % (first, count))
            if vtime != last_vtime:
                self._fail(pos, "block starts at virtual time %d, the event before is at %d" % (vtime, last_vtime))
            if zstd:
                if _zstd() is None:
                    self._fail(pos, "block compressed with zstd: libzstd is not installed")
                payload = _unzstd(payload, raw)
                if payload is None:
                    self._fail(pos, "damaged zstd block")
            blk_off = pos
            pos = data_at + stored
            self.pos = pos
            if end:
                self.end_bytes = BLOCK_HEADER + 4
                if int.from_bytes(payload, "little") != chain and not seeking:
                    self._fail(blk_off, "trace checksum mismatch (a block was altered)")
                if pos != n:
                    self._fail(pos, "data after the end block")
                self.count = count
                return
            # one block: names defined in it, pc deltas from 0
            bn = {0: None}
            prev = {}
            blk_end_count = count + events
            last_pc = 0
            last = two = None
            last_row = two_row = None
            again_ok = self.header.version != VERSION_2
            p = 0
            base = data_at if not zstd else None
            while p < raw:
                kind = payload[p]
                dec = decoders.get(kind)
                if dec is None:
                    et = types.get(kind)
                    if et is not None:
                        dec = decoders[kind] = _make_decoder(et)
                if dec is not None:
                    if count == blk_end_count:
                        self._fail(blk_off if base is None else base + p, "more events than the block holds")
                    pv = prev.get(kind)
                    if pv is None:
                        pv = prev[kind] = [0] * len(types[kind].fields)
                    try:
                        dt, zpc, sym, fields, q = dec(payload, p + 1, bn, pv)
                        vt = last_vtime + dt
                        if vt > M64:
                            raise _Bad("")
                    except (_Bad, IndexError, KeyError, UnicodeError):
                        self._explain_event(payload, p, bn, pv, last_vtime, blk_off if base is None else base + p)
                        raise  # not reached
                    last_vtime = vt
                    last_pc = (last_pc + _unzigzag(zpc)) & M64
                    count += 1
                    two, two_row = last, last_row
                    last_row = list(pv)
                    last = Event(types[kind], vt, last_pc, sym, fields,
                                 blk_off if base is None else base + p, q - p)
                    p = q
                    yield last
                elif kind == REC_STRING:
                    p = self._define_string(payload, p, bn, blk_off if base is None else base + p, seeking)
                elif kind == REC_REPEAT:
                    at = blk_off if base is None else base + p
                    cur = _Cursor(payload, p + 1, raw)
                    try:
                        k = cur.uleb(REPEAT_MAX, "bad repeat count")
                        dt = cur.uleb(M64, "bad repeat time step")
                        if last is None or k == 0:
                            raise _Bad("no event to repeat")
                        if dt and k > (M64 - last_vtime) // dt:
                            raise _Bad("virtual time overflows")
                        if k > blk_end_count - count:
                            raise _Bad("more events than the block holds")
                    except _Bad as e:
                        self._fail(at, "malformed repeat record: %s" % e)
                    size = cur.pos - p
                    p = cur.pos
                    ev, last, two = last, None, None
                    for _ in range(k):
                        last_vtime += dt
                        count += 1
                        yield Event(ev.type, last_vtime, ev.pc, ev.sym, dict(ev.fields), at, size)
                        size = 0
                elif kind == REC_AGAIN and again_ok:
                    at = blk_off if base is None else base + p
                    cur = _Cursor(payload, p + 1, raw)
                    try:
                        dt = cur.uleb(M64 - last_vtime, "virtual time overflows")
                        if last is None or two is None:
                            raise _Bad("no event two before")
                        if not _flat(two.type):
                            raise _Bad("the event two before has text or bytes")
                        if count == blk_end_count:
                            raise _Bad("more events than the block holds")
                    except _Bad as e:
                        self._fail(at, "malformed again record: %s" % e)
                    ev = two
                    prev[ev.type.id] = list(two_row)
                    last_vtime += dt
                    last_pc = ev.pc
                    count += 1
                    two, two_row = last, last_row
                    last_row = list(two_row if False else prev[ev.type.id])
                    last = Event(ev.type, last_vtime, ev.pc, ev.sym, dict(ev.fields), at, cur.pos - p)
                    p = cur.pos
                    yield last
                else:
                    self._fail(blk_off if base is None else base + p,
                               "unknown event type %d (written by a newer ringside?)" % kind)
            self.count = count
            if count != blk_end_count:
                self._fail(blk_off, "block holds %d events by its header, %d by its records"
                           % (events, count - first))

    def _define_string(self, payload, p, bn, at, seeking):
        names = self.names
        cur = _Cursor(payload, p + 1, len(payload))
        try:
            sid = cur.uleb(0xfffffffe, "bad string id")
            b = cur.raw(MAX_STRING, "bad string length")
            if not seeking and (sid == 0 or sid > len(names)):
                raise _Bad("string ids out of order")
            if 0 in b:
                raise _Bad("NUL inside a string")
            s = b.decode("utf-8", "surrogateescape")
            if sid < len(names) and names[sid] != s:
                raise _Bad("string redefined differently")
        except _Bad as e:
            self._fail(at, "malformed string record: %s" % e)
        if sid == len(names):
            names.append(s)
        bn[sid] = s
        self.string_bytes += cur.pos - p
        return cur.pos

    def _explain_event(self, payload, p, bn, pv, last_vtime, at):
        """The careful decoder, for a record the fast one could not read: raises the
        TraceError that trace/reader.c reports for it."""
        et = self.types[payload[p]]
        cur = _Cursor(payload, p + 1, len(payload))
        nn = len(self.names) - 1

        def name(what):
            i = cur.uleb(nn, what)
            if i and i not in bn:
                raise _Bad("string not defined in this block")
            return bn.get(i)
        try:
            cur.uleb(M64 - last_vtime, "virtual time overflows")
            cur.uleb(M64, "bad pc")
            name("undefined symbol id")
            for k, (t, _fname) in enumerate(et.fields):
                limit = INT_TYPES.get(t)
                if t in DELTA_TYPES:
                    if (pv[k] + _unzigzag(cur.uleb(M64, "field value out of range"))) & M64 > limit:
                        raise _Bad("field value out of range")
                elif limit is not None:
                    cur.uleb(limit, "field value out of range")
                elif t == "name":
                    name("undefined string id")
                elif t == "str":
                    if 0 in cur.raw(MAX_STRING, "bad string length"):
                        raise _Bad("NUL inside a string")
                elif t == "bytes":
                    cur.raw(MAX_RECORD, "bad bytes length")
                else:
                    count = cur.uleb((cur.end - cur.pos) // 5, "bad descriptor count")
                    for _ in range(count):
                        for lim in (0xffff, M64, 0xffffffff, 0xffff, 0xffff):
                            cur.uleb(lim, "bad descriptor")
        except _Bad as e:
            self._fail(at, "malformed %s record: %s" % (et.name, e))
        self._fail(at, "malformed %s record" % et.name)


_BLK = struct.Struct("<IIQQIHHI")


def read_events(path, types=None):
    """All events of a trace as a list (small traces, tests)."""
    with TraceReader(path, types) as r:
        return list(r)


# ---- writing (tests, synthetic traces): the twin of trace/writer.c, byte for byte ----

def _uleb(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7f) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


class TraceWriter:
    """Writes a trace exactly as trace/writer.c does (same names, same blocks, same
    folding of repeats, same bytes), so that tests can build traces without the
    simulator:

        with TraceWriter(path, config="mem=128M\\n", argv=["ringside"]) as w:
            w.emit("virtio_notify", vtime, pc, "vp_notify", dev="virtio-net", queue=1)
    """

    def __init__(self, path, config="", argv=(), fw_sha256=bytes(32), types=None):
        self.types = types if types is not None else load_events_def()
        self.by_name = {t.name: t for t in self.types.values()}
        self.f = open(path, "wb")
        self.ids = {}
        self.info = [None]          # id -> [bytes, block that last defined it]
        self.count = 0
        self.last = 0
        self.seq = 0
        self.chain = 0
        argv_b = b"".join(_uleb(len(a)) + a for a in (_text_bytes(x) for x in argv))
        cfg = _text_bytes(config)
        body = b"".join(_uleb(tag) + _uleb(len(d)) + d
                        for tag, d in ((HDR_CONFIG, cfg), (HDR_ARGV, argv_b), (HDR_FW_SHA256, bytes(fw_sha256))))
        length = FIXED_HEADER + len(body) + 4
        head = MAGIC + VERSION.to_bytes(2, "little") + bytes(2) + length.to_bytes(4, "little") + body
        self.f.write(head + zlib.crc32(head).to_bytes(4, "little"))
        self._reset()

    def _reset(self):
        self.blk = bytearray()
        self.lim = BLOCK_TARGET - SLACK
        self.first = self.count
        self.base = self.last
        self.seq += 1
        self.last_pc = 0
        self.last_body = None
        self.two = None            # (type id, pc, body) of the event before the last, for again records
        self.rep_n = 0
        self.prev = {}

    def _header(self, payload, flags):
        end = flags & BLK_END
        h = struct.pack("<IIQQIHH", len(payload), len(payload), self.count if end else self.first,
                        self.last if end else self.base, 0 if end else self.count - self.first, flags, 0)
        crc = zlib.crc32(payload, zlib.crc32(h)).to_bytes(4, "little")
        if not end:
            self.chain = zlib.crc32(crc, self.chain)
        return h + crc

    def _seal(self):
        if self.rep_n:
            self.blk += bytes([REC_REPEAT]) + _uleb(self.rep_n) + _uleb(self.rep_dt)
        if self.blk:
            payload = bytes(self.blk)
            self.f.write(self._header(payload, 0) + payload)
        self._reset()

    def _id(self, s):
        if s is None:
            return 0
        sid = self.ids.get(s)
        if sid is None:
            b = _text_bytes(s)
            if len(b) > MAX_STRING:
                raise TraceError("trace name longer than %d bytes" % MAX_STRING)
            sid = self.ids[s] = len(self.info)
            self.info.append([b, 0])
        return sid

    def _defs(self, ids, all_):
        return sum(1 + 5 + 3 + len(self.info[i][0]) for i in ids if i and (all_ or self.info[i][1] != self.seq))

    def _make_room(self, need, ids):
        for pass_ in (0, 1):
            if len(self.blk) + self._defs(ids, False) + need <= self.lim:
                for i in ids:
                    if i and self.info[i][1] != self.seq:
                        b = self.info[i][0]
                        self.blk += bytes([REC_STRING]) + _uleb(i) + _uleb(len(b)) + b
                        self.info[i][1] = self.seq
                return
            if self.blk:
                self._seal()
            self.lim = BLOCK_TARGET - SLACK
            if pass_ == 0 and self._defs(ids, True) + need > self.lim:
                self.lim = self._defs(ids, True) + need
        raise TraceError("cannot place a record")

    def emit(self, name, vtime, pc=0, sym=None, **fields):
        et = self.by_name[name]
        if vtime < self.last:
            raise TraceError("event %s at virtual time %d is before the previous event (%d)" % (name, vtime, self.last))
        need = REC_FIXED
        ids = [self._id(sym)]
        body = bytearray()
        enc = []
        deltas = []
        for t, fname in et.fields:
            v = fields.get(fname)
            if t in DELTA_TYPES:
                need += 10
                deltas.append((len(enc), v or 0))
                enc.append(None)
            elif t in INT_TYPES:
                need += 10
                enc.append(_uleb(v or 0))
            elif t == "name":
                need += 5
                ids.append(self._id(v))
                enc.append(len(ids) - 1)
            elif t in ("str", "bytes"):
                b = _text_bytes(v or "") if t == "str" else bytes(v or b"")
                need += 3 + len(b)
                enc.append(_uleb(len(b)) + b)
            else:
                v = v or []
                need += 3 + 24 * len(v)
                e = _uleb(len(v))
                for d in v:
                    for k in ("index", "addr", "len", "flags", "next"):
                        e += _uleb(d.get(k, 0))
                enc.append(e)
        if not all(i == 0 or self.info[i][1] == self.seq for i in ids) or len(self.blk) + need > self.lim:
            self._make_room(need, ids)
        pv = self.prev.setdefault(et.id, [0] * len(et.fields))
        moved = 0
        for k, v in deltas:
            z = _zigzag(v - pv[k])
            pv[k] = v
            moved |= z
            enc[k] = _uleb(z)
        body += _uleb(ids[0])
        for e in enc:
            body += _uleb(ids[e]) if isinstance(e, int) else e
        body = bytes(body)
        dt = vtime - self.last
        if (not moved and self.last_body is not None and et.id == self.last_type and pc == self.last_pc and body == self.last_body
                and (self.rep_n == 0 or (dt == self.rep_dt and self.rep_n < REPEAT_MAX))):
            self.rep_n += 1
            self.rep_dt = dt
        elif (not moved and self.two is not None and not self.rep_n and self.two == (et.id, pc, body)
              and et.id != self.last_type and _flat(et)):
            self.blk += bytes([REC_AGAIN]) + _uleb(dt)
            self.two = (self.last_type, self.last_pc, self.last_body)
            self.last_type = et.id
            self.last_body = body
        else:
            after_repeat = self.rep_n != 0
            if self.rep_n:
                self.blk += bytes([REC_REPEAT]) + _uleb(self.rep_n) + _uleb(self.rep_dt)
                self.rep_n = 0
            self.blk += bytes([et.id]) + _uleb(dt) + _uleb(_zigzag(pc - self.last_pc)) + body
            self.two = None if after_repeat or self.last_body is None else (self.last_type, self.last_pc, self.last_body)
            self.last_type = et.id
            self.last_body = body
        self.last = vtime
        self.last_pc = pc
        self.count += 1

    def close(self):
        if self.f is not None:
            self._seal()
            chain = self.chain.to_bytes(4, "little")
            self.f.write(self._header(chain, BLK_END) + chain)
            self.f.close()
            self.f = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

# ---- semantic diff (golden traces, `ringside-trace diff`) ----

class Divergence:
    """Where two traces first differ: index (0-based event number), expected and actual
    (Event, or None where that trace ended), fields (names that differ) and context (the
    equal events just before, from the expected trace)."""

    def __init__(self, index, expected, actual, fields, context):
        self.index = index
        self.expected = expected
        self.actual = actual
        self.fields = fields
        self.context = context

    def report(self, names=("expected", "actual")):
        """Human text: context, then the two events side by side."""
        lines = ["traces diverge at event %d%s" % (
            self.index, " (%s)" % ", ".join(self.fields) if self.fields else "")]
        for i, ev in self.context:
            lines.append("    #%-6d %s" % (i, ev.format()))
        w = max(len(n) for n in names)
        for tag, n, ev in (("-", names[0], self.expected), ("+", names[1], self.actual)):
            lines.append("  %s %-*s #%-6d %s" % (tag, w, n, self.index,
                                                  ev.format() if ev is not None else "(end of trace)"))
        a, b = self.expected, self.actual
        if a is not None and b is not None and a.type.id == b.type.id:
            get = {"time": lambda e: e.vtime, "pc": lambda e: "0x%x" % e.pc, "sym": lambda e: e.sym}
            for f in self.fields:
                if f in get:
                    va, vb = get[f](a), get[f](b)
                else:
                    t = dict((fn, ft) for ft, fn in a.type.fields)[f]
                    va, vb = _format_value(t, a[f]), _format_value(t, b[f])
                lines.append("    %s: %s %s, %s %s" % (f, names[0], va, names[1], vb))
        return "\n".join(lines)


DIFF_KEYS = ("time", "pc", "sym")


def event_differences(a, b, ignore=()):
    """The names of what differs between two events ('type', 'time', 'pc', 'sym' or a
    field name), skipping those in ignore."""
    if a.type.id != b.type.id:
        return ["type"]
    out = []
    if "time" not in ignore and a.vtime != b.vtime:
        out.append("time")
    if "pc" not in ignore and a.pc != b.pc:
        out.append("pc")
    if "sym" not in ignore and a.sym != b.sym:
        out.append("sym")
    for _t, fname in a.type.fields:
        if fname not in ignore and a.fields[fname] != b.fields[fname]:
            out.append(fname)
    return out


def _events(src, types):
    if isinstance(src, (str, bytes, os.PathLike)):
        with TraceReader(src, types) as r:
            yield from r
    else:
        yield from src


def diff(a, b, ignore=(), context=3, types=None):
    """Compares two traces (paths or iterables of Events) event by event, in order.
    Returns None when equal, else a Divergence. ignore: 'time', 'pc', 'sym' and/or
    field names, left out of the comparison. Raises TraceError on an unreadable trace."""
    import collections
    types = types if types is not None else load_events_def()
    ignore = set(ignore)
    before = collections.deque(maxlen=max(context, 0) or None) if context else None
    ia, ib = _events(a, types), _events(b, types)
    i = 0
    while True:
        ea, eb = next(ia, None), next(ib, None)
        if ea is None and eb is None:
            return None
        if ea is None or eb is None:
            fields = ["length"]
        else:
            fields = event_differences(ea, eb, ignore)
        if fields:
            return Divergence(i, ea, eb, fields, list(before) if before is not None else [])
        if before is not None:
            before.append((i, ea))
        i += 1


def events_table(types=None):
    """The event table of docs/trace-format.md, in Markdown, generated from events.def
    (tests/integration/test_trace_vectors.sh checks that the document carries it)."""
    types = types if types is not None else load_events_def()
    lines = ["| id | event | family | fields |", "| ---: | --- | --- | --- |"]
    for eid in sorted(types):
        t = types[eid]
        lines.append("| %d | `%s` | %s | %s |" % (eid, t.name, t.family,
                                                ", ".join("%s `%s`" % (ft, fn) for ft, fn in t.fields)))
    return "\n".join(lines) + "\n"
