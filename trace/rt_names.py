"""Names of the hart's CSRs and trap causes, and of virtio's bits and queues, read from
the C tables.

The simulator's one CSR table (sim/cpu/csrs.def, privileged spec 1.12 §2.2), cause
table (sim/cpu/causes.def, Table 3.6) and virtio names table (sim/virtio/virtio_names.def:
virtio 1.2 §2.1 status, §6 and §5.1.3 feature bits, §2.7.5/§2.8.1 descriptor flags,
§4.1.4.5 ISR bits, §5.1.2 queue roles) are parsed at run time, as ringside_trace parses
trace/events.def, so the Python tools and the simulator cannot disagree on a name.
Standard library only.
"""

import os
import re

import rt_deftab

__all__ = ["NamesError", "INTERRUPT", "find_def", "csrs", "causes",
           "VIRTIO_ID_NET", "find_virtio_def", "virtio_table", "virtio_status", "virtio_features",
           "virtio_feature_spellings", "desc_flags", "isr_bits", "format_bits", "parse_bits",
           "queue_role", "role_queue", "pci_table", "virtio_cfg_table"]

INTERRUPT = 1 << 63   # the interrupt bit of an RV64 mcause value


class NamesError(Exception):
    """A table that cannot be read, or is not in the shape its header comment gives."""


def find_def(name):
    """Path of a table: beside this module first (where `make install` puts it), else in
    the source tree (trace/../sim/cpu/)."""
    return rt_deftab.find(name, os.path.join("sim", "cpu"))


def _rows(path, macros, row):
    """The match of row at each use of one of macros; NamesError for a use that row
    does not match."""
    found = []
    for macro, body, line in rt_deftab.calls(rt_deftab.read(path, NamesError), macros, path, NamesError):
        r = row.match("%s(%s)" % (macro, body))
        if not r:
            raise NamesError("%s:%d: row not in the shape the header describes" % (path, line))
        found.append(r)
    return found


_CSR_ROW = re.compile(r"(?:CSR\s*\(\s*(0x[0-9a-fA-F]+)\s*,\s*([a-z][a-z0-9]*)\s*,"
                      r"|CSRS\s*\(\s*(0x[0-9a-fA-F]+)\s*,\s*([a-z][a-z0-9]*)\s*,"
                      r"\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,)\s*([USM])\s*,")
_PRIV = {"U": 0, "S": 1, "M": 3}


def csrs(path=None):
    """{number: name} for every CSR of sim/cpu/csrs.def, ranges expanded
    ("pmpaddr12"); NamesError if the table breaks its rules."""
    path = path or find_def("csrs.def")
    table = {}
    for r in _rows(path, ["CSR", "CSRS"], _CSR_ROW):
        if r.group(1):
            base, name, first, last, step = int(r.group(1), 16), r.group(2), 0, 0, 1
            members = [(base, name)]
        else:
            base, name = int(r.group(3), 16), r.group(4)
            first, last, step = int(r.group(5)), int(r.group(6)), int(r.group(7))
            if step < 1 or last < first or (last - first) % step:
                raise NamesError("%s: %s: %d..%d step %d is no range" % (path, name, first, last, step))
            members = [(base + k - first, "%s%d" % (name, k)) for k in range(first, last + 1, step)]
        for num, member in members:
            if num > 0xfff or num in table or member in table.values():
                raise NamesError("%s: %s (0x%x): number out of range or repeated, or name repeated"
                                 % (path, member, num))
            if (num >> 8) & 3 != _PRIV[r.group(8)]:
                raise NamesError("%s: %s: privilege %s is not bits 9:8 of 0x%x"
                                 % (path, member, r.group(8), num))
            table[num] = member
    if not table:
        raise NamesError("%s: no CSRs defined" % path)
    return table


_CAUSE_ROW = re.compile(r"(EXC|IRQ)\s*\(\s*(\d+)\s*,\s*([a-z][a-z0-9_]*)\s*,\s*([A-Z][A-Z0-9_]*)\s*\)")


def causes(path=None):
    """{mcause: name} for every cause of sim/cpu/causes.def: an exception's key is its
    code, an interrupt's INTERRUPT | code (so the trace's `interrupt` event, whose cause
    has no interrupt bit, looks up INTERRUPT | cause)."""
    path = path or find_def("causes.def")
    table = {}
    for r in _rows(path, ["EXC", "IRQ"], _CAUSE_ROW):
        code = int(r.group(2))
        key = code | (INTERRUPT if r.group(1) == "IRQ" else 0)
        if code >= 64 or key in table or r.group(3) in table.values():
            raise NamesError("%s: %s %d: code out of range or repeated, or name repeated"
                             % (path, r.group(3), code))
        table[key] = r.group(3)
    if not table:
        raise NamesError("%s: no causes defined" % path)
    return table


# ---- virtio: sim/virtio/virtio_names.def ----

VIRTIO_ID_NET = 1     # the network device's id (virtio 1.2 §5); the table's VIRTIO_DEVICE row


def find_virtio_def(name="virtio_names.def"):
    """Path of the virtio names table: beside this module first (where `make install`
    puts it), else in the source tree (trace/../sim/virtio/)."""
    return rt_deftab.find(name, os.path.join("sim", "virtio"))


_UPPER = r"[A-Z][A-Z0-9_]*"
_FIELD = {
    "dev": re.compile(_UPPER + r"$"),
    "name": re.compile(_UPPER + r"$"),
    "id": re.compile(_UPPER + r"$"),
    "ring": re.compile(r"(DESC|AVAIL|USED)$"),
    "num": re.compile(r"(0x[0-9a-fA-F]+|0|[1-9][0-9]*)$"),   # as C reads it: no octal
    "spelling": re.compile(r'"([a-z][a-z0-9_]*)"$'),
    "role": re.compile(r"[a-z]+$"),
}
# Each row macro's fields, in order (the table's header comment).
_VIRTIO_ROWS = {
    "VIRTIO_DEVICE": ("dev", "num"),
    "VIRTIO_STATUS": ("name", "num", "id"),
    "VIRTIO_F": ("name", "num", "id", "spelling"),
    "VIRTIO_DEV_F": ("dev", "name", "num", "id", "spelling"),
    "VRING_F": ("ring", "name", "num"),
    "VIRTIO_ISR": ("name", "num"),
    "VIRTIO_QUEUES": ("dev", "role", "num", "num"),
    "VIRTIO_QUEUE_LAST": ("dev", "role"),
}
# The largest value of a bit in each domain (status and ISR: a byte; flags: a le16).
_LIMIT = {"status": 0x80, "desc": 0x8000, "avail": 0x8000, "used": 0x8000, "isr": 0x80}


class VirtioTable:
    """The rows of a virtio names table.

    bits[domain]: {value: name} for "status", "isr", "desc", "avail", "used";
    features[device]: {1 << bit: name} (device 0: the device-independent ones);
    spellings[device]: {1 << bit: command-line spelling}; devices: {token: id};
    roles[device]: ([(role, stride, first)], last role or None)."""

    def __init__(self):
        self.bits = {d: {} for d in _LIMIT}
        self.features, self.spellings, self.devices, self.roles = {0: {}}, {0: {}}, {}, {}


def _virtio_rows(path):
    """(macro, [field text], line) for each row, each field in the shape its kind
    allows; NamesError naming the file and line otherwise."""
    text = rt_deftab.read(path, NamesError, "the virtio names table ")
    for macro, body, line in rt_deftab.calls(text, list(_VIRTIO_ROWS), path, NamesError):
        kinds = _VIRTIO_ROWS[macro]
        args = rt_deftab.split_args(body)
        if len(args) != len(kinds):
            raise NamesError("%s:%d: %s has %d fields, not %d" % (path, line, macro, len(args), len(kinds)))
        for kind, a in zip(kinds, args):
            if not _FIELD[kind].match(a):
                raise NamesError("%s:%d: %s: %r is not a %s" % (path, line, macro, a, kind))
        yield macro, args, line


def _one_bit(v):
    return v != 0 and v & (v - 1) == 0


def _add(table, value, name, where, what):
    """table[value] = name, refusing a repeated value or name, or a value below the
    last one added (rows of a domain are in value order)."""
    if value in table or name in table.values():
        raise NamesError("%s: %s %s (%#x): value or name repeated" % (where, what, name, value))
    if table and value < max(table):
        raise NamesError("%s: %s %s (%#x): not in value order" % (where, what, name, value))
    table[value] = name


def _constant(ids, prefix, cid, where):
    """Notes the C constant prefix + cid, refusing one made twice."""
    if cid in ids.setdefault(prefix, set()):
        raise NamesError("%s: C constant %s%s repeated" % (where, prefix, cid))
    ids[prefix].add(cid)


def _bit_row(t, ids, macro, a, where):
    """A VIRTIO_STATUS, VIRTIO_ISR or VRING_F row."""
    domain = {"VIRTIO_STATUS": "status", "VIRTIO_ISR": "isr"}.get(macro) or a[0].lower()
    name, value = (a[1], int(a[2], 0)) if macro == "VRING_F" else (a[0], int(a[1], 0))
    if not _one_bit(value) or value > _LIMIT[domain]:
        raise NamesError("%s: %s %s: %#x is not one bit of the field" % (where, domain, name, value))
    _add(t.bits[domain], value, name, where, domain)
    prefix = {"status": "VIRTIO_STATUS_", "isr": "VIRTIO_ISR_"}.get(domain, "VRING_%s_F_" % a[0])
    _constant(ids, prefix, a[2] if macro == "VIRTIO_STATUS" else name, where)


def _feature_row(t, ids, dev, token, a, where):
    """A VIRTIO_F row (dev 0) or a VIRTIO_DEV_F row of device dev (token: its name)."""
    name, bit, cid, spelling = a[0], int(a[1], 0), a[2], a[3].strip('"')
    if bit > 63:
        raise NamesError("%s: feature %s: bit %d past 63" % (where, name, bit))
    # A device's features share a name space with the device-independent ones.
    others = [t.features[0]] if dev else [f for d, f in t.features.items() if d]
    spelled = [t.spellings[0]] if dev else [f for d, f in t.spellings.items() if d]
    if any(1 << bit in f or name in f.values() for f in others) or any(spelling in f.values() for f in spelled):
        raise NamesError("%s: feature %s (bit %d): bit, name or spelling taken by %s" % (
            where, name, bit, "a device-independent feature" if dev else "a device's feature"))
    _add(t.features.setdefault(dev, {}), 1 << bit, name, where, "feature")
    spells = t.spellings.setdefault(dev, {})
    if spelling in spells.values():
        raise NamesError("%s: feature %s: spelling %s repeated" % (where, name, spelling))
    spells[1 << bit] = spelling
    _constant(ids, "VIRTIO_%s_F_" % token if dev else "VIRTIO_F_", cid, where)


def _role_row(t, dev, macro, a, where):
    """A VIRTIO_QUEUES or VIRTIO_QUEUE_LAST row of device dev."""
    numbered, last = t.roles.setdefault(dev, ([], None))
    role = a[1]
    if role in [r for r, _, _ in numbered] or role == last:
        raise NamesError("%s: queue role %s repeated" % (where, role))
    if macro == "VIRTIO_QUEUE_LAST":
        if last is not None:
            raise NamesError("%s: a second last queue, %s (%s is one)" % (where, role, last))
        t.roles[dev] = (numbered, role)
    else:
        numbered.append((role, int(a[2], 0), int(a[3], 0)))


def _parse_virtio(path):
    t = VirtioTable()
    ids = {}                # C constant prefix -> identifiers (VIRTIO_F_, VIRTIO_NET_F_, ...)
    rows = list(_virtio_rows(path))
    for macro, a, line in rows:
        if macro == "VIRTIO_DEVICE":
            num = int(a[1], 0)
            if a[0] in t.devices or num in t.devices.values() or not 0 < num <= 0xffff:
                raise NamesError("%s:%d: device %s (%d): token or id repeated, or id out of range"
                                 % (path, line, a[0], num))
            t.devices[a[0]] = num
    for macro, a, line in rows:
        where = "%s:%d" % (path, line)
        if macro in ("VIRTIO_STATUS", "VIRTIO_ISR", "VRING_F"):
            _bit_row(t, ids, macro, a, where)
            continue
        if macro == "VIRTIO_DEVICE":
            continue
        token = None if macro == "VIRTIO_F" else a[0]
        if token is not None and token not in t.devices:
            raise NamesError("%s: device %s has no VIRTIO_DEVICE row" % (where, token))
        dev = t.devices[token] if token else 0
        if macro == "VIRTIO_F":
            _feature_row(t, ids, 0, None, a, where)
        elif macro == "VIRTIO_DEV_F":
            _feature_row(t, ids, dev, token, a[1:], where)
        else:
            _role_row(t, dev, macro, a, where)
    for dev, (numbered, last) in t.roles.items():
        # The numbered roles tile the queues below the last one: role<n> at first + stride*n.
        firsts = sorted(f for _, _, f in numbered)
        if firsts != list(range(len(numbered))) or any(s != len(numbered) for _, s, _ in numbered):
            raise NamesError("%s: the queue roles of device %d do not tile its queues "
                             "(one stride, their number; firsts 0 up to it)" % (path, dev))
    if not all(t.bits.values()) or not t.features[0] or len(t.features) < 2:
        raise NamesError("%s: a domain has no rows" % path)
    return t


_virtio_cache = {}


def virtio_table(path=None):
    """The parsed table (cached per path); NamesError if it breaks its rules."""
    path = path or find_virtio_def()
    if path not in _virtio_cache:
        _virtio_cache[path] = _parse_virtio(path)
    return _virtio_cache[path]


def virtio_status(path=None):
    """{bit: name} of the device status bits (§2.1): {1: "ACKNOWLEDGE", ...}."""
    return dict(virtio_table(path).bits["status"])


def virtio_features(device_id=0, path=None):
    """{1 << bit: name} of the device-independent feature bits and device_id's (§6,
    §5.1.3): {1 << 32: "VERSION_1", 1 << 15: "MRG_RXBUF", ...}. Keyed by the bit's value,
    so that format_bits reads a feature set; device 0: the device-independent ones only."""
    t = virtio_table(path)
    out = dict(t.features[0])
    out.update(t.features.get(device_id, {}) if device_id else {})
    return out


def virtio_feature_spellings(device_id=0, path=None):
    """{1 << bit: spelling}: the command line's names (--net-features), same keys as
    virtio_features."""
    t = virtio_table(path)
    out = dict(t.spellings[0])
    out.update(t.spellings.get(device_id, {}) if device_id else {})
    return out


def desc_flags(ring="desc", path=None):
    """{bit: name} of a descriptor's flags (ring "desc": NEXT, WRITE, INDIRECT, and the
    packed ring's AVAIL and USED) or of the split ring's avail.flags ("avail") or
    used.flags ("used")."""
    t = virtio_table(path)
    if ring not in ("desc", "avail", "used"):
        raise NamesError("no flags of ring %r (desc, avail, used)" % ring)
    return dict(t.bits[ring])


def isr_bits(path=None):
    """{bit: name} of the ISR status byte (§4.1.4.5): {1: "QUEUE", 2: "CONFIG"}."""
    return dict(virtio_table(path).bits["isr"])


def format_bits(value, table):
    """value as "ACKNOWLEDGE|DRIVER|FEATURES_OK" with table {bit: name}: named bits from
    the lowest up, then the bits without a name as one hex number; 0 is "0". The same
    text as the simulator's virtio_format_bits."""
    names, unnamed = [], 0
    for b in range(64):
        v = 1 << b
        if value & v:
            if v in table:
                names.append(table[v])
            else:
                unnamed |= v
    if unnamed:
        names.append("%#x" % unnamed)
    return "|".join(names) or "0"


def parse_bits(text, table):
    """The reverse of format_bits: names of table and numbers (0x hex or decimal) joined
    by '|', with spaces around them allowed; NamesError for anything else."""
    by_name = {n: v for v, n in table.items()}
    value = 0
    for item in text.split("|"):
        item = item.strip()
        if not item:
            raise NamesError("empty item in %r" % text)
        if item[0] in "0123456789":
            if not re.match(r"(0[xX][0-9a-fA-F]+|[0-9]+)$", item):
                raise NamesError("%r in %r is not a number" % (item, text))
            value |= int(item, 16) if item[1:2] in ("x", "X") else int(item, 10)
        elif item in by_name:
            value |= by_name[item]
        else:
            raise NamesError("unknown name %r (valid: %s, or a number)"
                             % (item, " ".join(n for _, n in sorted(table.items()))))
    return value


def queue_role(q, last, device_id=VIRTIO_ID_NET, path=None):
    """The role of queue q ("rx0", "tx3", "ctrl"), last being the index of the queue
    after the numbered ones (virtio-net: the control queue, 2 * max_virtqueue_pairs with
    MQ negotiated, else 2); None past it, or for a device type without roles."""
    numbered, last_role = virtio_table(path).roles.get(device_id, ([], None))
    if last_role is not None:
        if q > last:
            return None
        if q == last:
            return last_role
    for role, stride, first in numbered:
        if q >= first and (q - first) % stride == 0:
            return "%s%d" % (role, (q - first) // stride)
    return None


def role_queue(role, last, device_id=VIRTIO_ID_NET, path=None):
    """The queue of a role ("tx0" -> 1, "ctrl" -> last); None for a role the device type
    does not have, a malformed number (leading zeros included), or a numbered queue at
    or past last or past 0xffff (queue indices are 16 bits)."""
    numbered, last_role = virtio_table(path).roles.get(device_id, ([], None))
    if role == last_role:
        return last
    m = re.match(r"([a-z]+)(0|[1-9][0-9]*)$", role)
    for name, stride, first in numbered if m else ():
        if name == m.group(1):
            q = first + stride * int(m.group(2))
            return q if q <= 0xffff and (last_role is None or q < last) else None
    return None


# ---- PCI: sim/pci/pci_names.def; virtio's configuration structures: virtio_cfg_names.def ----

_SIMPLE_ROWS = {
    # macro: (fields, domain, whether a value is one bit (of a le16) or a byte)
    "PCI_COMMAND_BIT": (("name", "num"), "command", "bit"),
    "PCI_STATUS_BIT": (("name", "num"), "status", "bit"),
    "PCI_CAP": (("name", "num", "spelling"), "cap", "byte"),
    "VIRTIO_PCI_CAP": (("name", "num"), "pci_cap", "byte"),
    "VIRTIO_DEV_S": (("dev", "name", "num"), "dev_status", "bit"),
}


def _simple_table(path, macros):
    """{domain: {value: name}} (and "<domain>_spelling" for rows with a spelling;
    dev_status keyed by device token first) for the rows of macros in path; NamesError
    for a row out of shape, a value that is not one bit (or a byte), a repeated value or
    name, or rows out of value order."""
    text = rt_deftab.read(path, NamesError, "the names table ")
    out = {}
    for macro, body, line in rt_deftab.calls(text, macros, path, NamesError):
        kinds, domain, shape = _SIMPLE_ROWS[macro]
        where = "%s:%d" % (path, line)
        args = rt_deftab.split_args(body)
        if len(args) != len(kinds):
            raise NamesError("%s: %s has %d fields, not %d" % (where, macro, len(args), len(kinds)))
        for kind, a in zip(kinds, args):
            if not _FIELD[kind].match(a):
                raise NamesError("%s: %s: %r is not a %s" % (where, macro, a, kind))
        f = dict(zip(kinds, args))
        value = int(f["num"], 0)
        if shape == "bit" and not (_one_bit(value) and value <= 0x8000):
            raise NamesError("%s: %s: %#x is not one bit of a le16" % (where, f["name"], value))
        if shape == "byte" and not 0 < value < 256:
            raise NamesError("%s: %s: %#x is not a byte" % (where, f["name"], value))
        table = out.setdefault(domain, {})
        if "dev" in f:
            table = table.setdefault(f["dev"], {})
        _add(table, value, f["name"], where, domain)
        if "spelling" in f:
            out.setdefault(domain + "_spelling", {})[value] = f["spelling"].strip('"')
    return out


_simple_cache = {}


def pci_table(path=None):
    """The PCI names (sim/pci/pci_names.def): {"command": {bit: name}, "status": {bit:
    name}, "cap": {id: name}, "cap_spelling": {id: "pm"}}."""
    path = path or rt_deftab.find("pci_names.def", os.path.join("sim", "pci"))
    if path not in _simple_cache:
        t = _simple_table(path, ["PCI_COMMAND_BIT", "PCI_STATUS_BIT", "PCI_CAP"])
        if not all(t.get(d) for d in ("command", "status", "cap")):
            raise NamesError("%s: a domain has no rows" % path)
        _simple_cache[path] = t
    return _simple_cache[path]


def virtio_cfg_table(path=None):
    """Names in virtio's configuration structures (sim/virtio/virtio_cfg_names.def):
    {"pci_cap": {cfg_type: name}, "dev_status": {device id: {bit: name}}}, the device
    tokens mapped to ids by virtio_names.def's VIRTIO_DEVICE rows."""
    path = path or find_virtio_def("virtio_cfg_names.def")
    if path not in _simple_cache:
        t = _simple_table(path, ["VIRTIO_PCI_CAP", "VIRTIO_DEV_S"])
        if not t.get("pci_cap") or not t.get("dev_status"):
            raise NamesError("%s: a domain has no rows" % path)
        devices = virtio_table().devices
        by_id = {}
        for token, bits in t["dev_status"].items():
            if token not in devices:
                raise NamesError("%s: device %s has no VIRTIO_DEVICE row in virtio_names.def" % (path, token))
            by_id[devices[token]] = bits
        t["dev_status"] = by_id
        _simple_cache[path] = t
    return _simple_cache[path]
