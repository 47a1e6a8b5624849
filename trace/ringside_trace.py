"""Reader of ringside trace files (docs/trace-format.md), the Python twin of trace/reader.c.

The event types come from parsing trace/events.def at run time, so this module and the
C writer cannot drift; Event.format() gives the same canonical line as
trace_event_format() in C. Standard library only.
"""

import mmap
import os
import re
import zlib

import rt_deftab

__all__ = ["TraceError", "EventType", "Event", "Header", "TraceReader", "TraceWriter",
           "read_events", "diff", "Divergence", "event_differences", "events_table",
           "load_events_def", "find_events_def", "FAMILIES", "vtime_ns", "NS_PER_TICK",
           "DEFAULT_INSNS_PER_TICK", "format_value", "name_text"]

MAGIC = b"RINGTRC\0"
VERSION = 1
FIXED_HEADER = 16
MAX_HEADER = 16 << 20
MAX_RECORD = 1 << 20
MAX_STRING = 65535
REC_STRING = 0
REC_END = 1
HDR_CONFIG, HDR_ARGV, HDR_FW_SHA256 = 1, 2, 3

INT_TYPES = {"u8": 0xff, "u16": 0xffff, "u32": 0xffffffff, "u64": (1 << 64) - 1,
             "x8": 0xff, "x16": 0xffff, "x32": 0xffffffff, "x64": (1 << 64) - 1,
             "bdf": 0xffff}
FIELD_TYPES = set(INT_TYPES) | {"name", "str", "bytes", "descs"}
FAMILIES = ("cpu", "bus", "pci", "virtio", "ring_drv", "ring_dev", "net", "input", "run", "note")
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


class _Bad(Exception):
    pass


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


def _crc8(data, crc=0):
    for c in data:
        crc ^= c
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xff if crc & 0x80 else (crc << 1) & 0xff
    return crc


_CRC8_TABLE = bytes(_crc8(bytes([i])) for i in range(256))


def crc8(data):
    """CRC-8 (polynomial 0x07, initial 0) as trace_crc8() in trace/codec.c."""
    crc = 0
    t = _CRC8_TABLE
    for c in data:
        crc = t[crc ^ c]
    return crc


class TraceReader:
    """Reads a trace: .header, then iterate for Events. Raises TraceError (with the byte
    offset) on anything corrupt or truncated; a trace without its end record is an error.
    .stats collects bytes per record kind while reading."""

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
        if version != VERSION:
            self._fail(8, "trace format version %d, this reader knows %d" % (version, VERSION))
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
                tag = cur.uleb((1 << 64) - 1, "")
                data = cur.raw((1 << 64) - 1, "")
            except _Bad:
                self._fail(at, "malformed header field")
            if tag in seen:
                self._fail(at, "header field %d repeated" % tag)
            if tag == HDR_ARGV:
                argv, c = [], _Cursor(data, 0, len(data))
                try:
                    while c.pos < c.end:
                        argv.append(c.raw((1 << 64) - 1, "").decode("utf-8", "surrogateescape"))
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

    def __iter__(self):
        buf = self.buf
        n = len(buf)
        crc = 0
        last = 0
        while True:
            start = self.pos
            if start >= n:
                self._fail(start, "truncated: no end record after %d events" % self.count)
            # the length prefix: at most 3 bytes for MAX_RECORD
            p, length, shift = start, 0, 0
            while True:
                if p >= n:
                    self._fail(start, "truncated record")
                b = buf[p]
                p += 1
                length |= (b & 0x7f) << shift
                shift += 7
                if not b & 0x80:
                    break
                if p - start == 4:
                    self._fail(start, "bad record length")
            if (p - start > 1 and b == 0) or length == 0 or length > MAX_RECORD:
                self._fail(start, "bad record length")
            body_end = p + length
            if body_end + 1 > n:
                self._fail(start, "truncated record (%d bytes short)" % (body_end + 1 - n))
            if crc8(buf[start:body_end]) != buf[body_end]:
                self._fail(start, "record checksum mismatch")
            size = body_end + 1 - start
            crc_before = crc
            crc = zlib.crc32(buf[start:body_end + 1], crc)
            self.pos = body_end + 1
            cur = _Cursor(buf, p, body_end)
            try:
                kind = cur.uleb(0xffff, "bad record type")
            except _Bad as e:
                self._fail(start, "malformed record: %s" % e)
            if kind == REC_STRING:
                self._define_string(cur, start)
                self.string_bytes += size
                continue
            if kind == REC_END:
                self._end(cur, start, crc_before)
                self.end_bytes = size
                return
            et = self.types.get(kind)
            if et is None:
                self._fail(start, "unknown event type %d (written by a newer ringside?)" % kind)
            try:
                vtime = last + cur.uleb((1 << 64) - 1 - last, "virtual time overflows")
                pc = cur.uleb((1 << 64) - 1, "bad pc")
                sym = self.names[cur.uleb(len(self.names) - 1, "undefined symbol id")]
                fields = {}
                for t, fname in et.fields:
                    fields[fname] = self._field(cur, t)
                if cur.pos != cur.end:
                    raise _Bad("trailing bytes in record")
            except _Bad as e:
                self._fail(start, "malformed %s record: %s" % (et.name, e))
            last = vtime
            self.count += 1
            yield Event(et, vtime, pc, sym, fields, start, size)

    def _field(self, cur, t):
        limit = INT_TYPES.get(t)
        if limit is not None:
            return cur.uleb(limit, "field value out of range")
        if t == "name":
            return self.names[cur.uleb(len(self.names) - 1, "undefined string id")]
        if t == "str":
            b = cur.raw(MAX_STRING, "bad string length")
            if 0 in b:
                raise _Bad("NUL inside a string")
            return b.decode("utf-8", "surrogateescape")
        if t == "bytes":
            return cur.raw(MAX_RECORD, "bad bytes length")
        if t == "descs":
            count = cur.uleb((cur.end - cur.pos) // 5, "bad descriptor count")
            out = []
            for _ in range(count):
                out.append({"index": cur.uleb(0xffff, "bad descriptor"),
                            "addr": cur.uleb((1 << 64) - 1, "bad descriptor"),
                            "len": cur.uleb(0xffffffff, "bad descriptor"),
                            "flags": cur.uleb(0xffff, "bad descriptor"),
                            "next": cur.uleb(0xffff, "bad descriptor")})
            return out
        raise _Bad("unknown field type %s" % t)

    def _define_string(self, cur, start):
        try:
            sid = cur.uleb((1 << 64) - 1, "bad string id")
            b = cur.raw(MAX_STRING, "bad string length")
            if sid != len(self.names):
                raise _Bad("string ids out of order")
            if cur.pos != cur.end:
                raise _Bad("trailing bytes in record")
            if 0 in b:
                raise _Bad("NUL inside a string")
        except _Bad as e:
            self._fail(start, "malformed string record: %s" % e)
        self.names.append(b.decode("utf-8", "surrogateescape"))

    def _end(self, cur, start, crc_before):
        try:
            count = cur.uleb((1 << 64) - 1, "bad event count")
            if cur.end - cur.pos != 4:
                raise _Bad("bad length")
        except _Bad as e:
            self._fail(start, "malformed end record: %s" % e)
        if count != self.count:
            self._fail(start, "end record counts %d events, %d were read" % (count, self.count))
        if int.from_bytes(self.buf[cur.pos:cur.end], "little") != crc_before:
            self._fail(start, "trace checksum mismatch (a record was altered)")
        if self.pos != len(self.buf):
            self._fail(self.pos, "data after the end record")


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
    """Writes a trace exactly as trace/writer.c does (same interning order, same bytes),
    so that tests can build traces without the simulator:

        with TraceWriter(path, config="mem=128M\\n", argv=["ringside"]) as w:
            w.emit("virtio_notify", vtime, pc, "vp_notify", dev="virtio-net", queue=1)
    """

    def __init__(self, path, config="", argv=(), fw_sha256=bytes(32), types=None):
        self.types = types if types is not None else load_events_def()
        self.by_name = {t.name: t for t in self.types.values()}
        self.f = open(path, "wb")
        self.names = {}
        self.crc = 0
        self.count = 0
        self.last = 0
        argv_b = b"".join(_uleb(len(a)) + a for a in (_text_bytes(x) for x in argv))
        cfg = _text_bytes(config)
        body = b"".join(_uleb(tag) + _uleb(len(d)) + d
                        for tag, d in ((HDR_CONFIG, cfg), (HDR_ARGV, argv_b), (HDR_FW_SHA256, bytes(fw_sha256))))
        length = FIXED_HEADER + len(body) + 4
        head = MAGIC + VERSION.to_bytes(2, "little") + bytes(2) + length.to_bytes(4, "little") + body
        self.f.write(head + zlib.crc32(head).to_bytes(4, "little"))

    def _record(self, body):
        rec = _uleb(len(body)) + body
        rec += bytes([crc8(rec)])
        self.crc = zlib.crc32(rec, self.crc)
        self.f.write(rec)

    def _intern(self, s):
        if s is None:
            return 0
        sid = self.names.get(s)
        if sid is None:
            sid = self.names[s] = len(self.names) + 1
            b = _text_bytes(s)
            self._record(_uleb(REC_STRING) + _uleb(sid) + _uleb(len(b)) + b)
        return sid

    def emit(self, name, vtime, pc=0, sym=None, **fields):
        et = self.by_name[name]
        if vtime < self.last:
            raise TraceError("event %s at virtual time %d is before the previous event (%d)" % (name, vtime, self.last))
        self._intern(sym)
        for t, fname in et.fields:
            if t == "name":
                self._intern(fields.get(fname))
        body = bytearray(_uleb(et.id) + _uleb(vtime - self.last) + _uleb(pc) + _uleb(self._intern(sym)))
        for t, fname in et.fields:
            v = fields.get(fname)
            if t in INT_TYPES:
                body += _uleb(v or 0)
            elif t == "name":
                body += _uleb(self._intern(v))
            elif t in ("str", "bytes"):
                b = _text_bytes(v or "") if t == "str" else bytes(v or b"")
                body += _uleb(len(b)) + b
            else:
                v = v or []
                body += _uleb(len(v))
                for d in v:
                    for k in ("index", "addr", "len", "flags", "next"):
                        body += _uleb(d.get(k, 0))
        self._record(bytes(body))
        self.last = vtime
        self.count += 1

    def close(self):
        if self.f is not None:
            self._record(_uleb(REC_END) + _uleb(self.count) + self.crc.to_bytes(4, "little"))
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
