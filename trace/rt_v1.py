"""Reading version 1 of the ringside trace format (docs/trace-format.md, "Version 1"):
records framed by a LEB128 length and a CRC-8 each, an end record with a CRC-32 of them
all. ringside_trace.TraceReader hands a version 1 file to this module, so the tools
still read old traces, and `ringside-trace convert OLD NEW` rewrites one as version 2
(the C reader refuses version 1 with that advice). Standard library only."""

import zlib

REC_STRING = 0
REC_END = 1
MAX_RECORD = 1 << 20
MAX_STRING = 65535


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



def events(r, _Bad, _Cursor, Event, INT_TYPES):
    """The events of r (a ringside_trace.TraceReader on a version 1 file), checked as
    trace/reader.c of version 1 did; r._fail raises the TraceError."""
    reader = _V1(r, _Bad, _Cursor, Event, INT_TYPES)
    yield from reader.iterate()


class _V1:
    def __init__(self, r, _Bad, _Cursor, Event, INT_TYPES):
        self.r, self._BadE, self._Cursor, self.Event, self.INT_TYPES = r, _Bad, _Cursor, Event, INT_TYPES
        self.names = [None]
        self.count = 0

    def iterate(self):
        _Bad, _Cursor, Event = self._BadE, self._Cursor, self.Event
        r = self.r
        buf = r.buf
        n = len(buf)
        crc = 0
        last = 0
        while True:
            start = r.pos
            if start >= n:
                r._fail(start, "truncated: no end record after %d events" % self.count)
            # the length prefix: at most 3 bytes for MAX_RECORD
            p, length, shift = start, 0, 0
            while True:
                if p >= n:
                    r._fail(start, "truncated record")
                b = buf[p]
                p += 1
                length |= (b & 0x7f) << shift
                shift += 7
                if not b & 0x80:
                    break
                if p - start == 4:
                    r._fail(start, "bad record length")
            if (p - start > 1 and b == 0) or length == 0 or length > MAX_RECORD:
                r._fail(start, "bad record length")
            body_end = p + length
            if body_end + 1 > n:
                r._fail(start, "truncated record (%d bytes short)" % (body_end + 1 - n))
            if crc8(buf[start:body_end]) != buf[body_end]:
                r._fail(start, "record checksum mismatch")
            size = body_end + 1 - start
            crc_before = crc
            crc = zlib.crc32(buf[start:body_end + 1], crc)
            r.pos = body_end + 1
            cur = _Cursor(buf, p, body_end)
            try:
                kind = cur.uleb(0xffff, "bad record type")
            except _Bad as e:
                r._fail(start, "malformed record: %s" % e)
            if kind == REC_STRING:
                self._define_string(cur, start)
                r.string_bytes += size
                continue
            if kind == REC_END:
                self._end(cur, start, crc_before)
                r.end_bytes = size
                return
            et = r.types.get(kind)
            if et is None:
                r._fail(start, "unknown event type %d (written by a newer ringside?)" % kind)
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
                r._fail(start, "malformed %s record: %s" % (et.name, e))
            last = vtime
            self.count += 1
            r.count = self.count
            yield Event(et, vtime, pc, sym, fields, start, size)

    def _field(self, cur, t):
        _Bad, r = self._BadE, self.r
        limit = self.INT_TYPES.get(t)
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
        _Bad, r = self._BadE, self.r
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
            r._fail(start, "malformed string record: %s" % e)
        self.names.append(b.decode("utf-8", "surrogateescape"))

    def _end(self, cur, start, crc_before):
        _Bad, r = self._BadE, self.r
        try:
            count = cur.uleb((1 << 64) - 1, "bad event count")
            if cur.end - cur.pos != 4:
                raise _Bad("bad length")
        except _Bad as e:
            r._fail(start, "malformed end record: %s" % e)
        if count != self.count:
            r._fail(start, "end record counts %d events, %d were read" % (count, self.count))
        if int.from_bytes(r.buf[cur.pos:cur.end], "little") != crc_before:
            r._fail(start, "trace checksum mismatch (a record was altered)")
        if r.pos != len(r.buf):
            r._fail(r.pos, "data after the end record")


