"""The handshake's language for trace events: the one decoder that every trace tool
(show, stats, diff, seq, html, export) uses to print an event's fields by name.

Names come only from the C tables, through trace/rt_names.py: device status bits
(virtio 1.2 §2.1), feature bits (§6, §5.1.3), descriptor and ring flags (§2.7.5,
§2.7.6, §2.7.8), ISR bits (§4.1.4.5), queue roles (§5.1.2), vendor capability types
(§4.1.4) and virtio-net's config status (§5.1.4), PCI command and status bits and
capability ids (PCI 3.0 §6.2.2, §6.2.3), CSRs and trap causes
(privileged spec §2.2, Table 3.6); frames are summarised by rt_frame.py.

Decoding is table-driven: RULES maps (event, field) -- or ("*", field) for every event
that has the field -- to a renderer, so an event added to events.def prints with the
field names it shares with the others (a new ring event's `queue` and `flags`), and with
its raw value where no rule applies. The decoder follows the trace to know what a
value means at that point: each device's offered and chosen feature words (for the
difference) and its queue count (which queue is the control queue).
"""

import ringside_trace as rt
import rt_frame
import rt_callers
import rt_names

__all__ = ["Decoder", "RULES", "ALIGN"]

# Column widths of the aligned line: time, pc, symbol, event. Longer values push the
# rest of the line right rather than being cut.
ALIGN = (10, 10, 20, 18)


def _word_bits(word, value):
    return value << (32 * word) if 0 <= word < 2 else 0


class _Dev:
    """What the decoder has seen of one virtio device so far."""

    def __init__(self, pairs):
        self.offer = {}     # feature word -> value (device side)
        self.driver = {}    # feature word -> value (driver side)
        self.pairs = pairs  # max_virtqueue_pairs

    def features(self, side):
        words = self.offer if side == "device" else self.driver
        return sum(_word_bits(w, v) for w, v in words.items())


class Decoder:
    """decoder.fields(ev) -> [(field, text)] with names; decoder.line(ev) -> the aligned
    one-line form. Feed every event in order (observe() is called by both), so that
    queue roles and feature differences follow the trace."""

    def __init__(self, header=None):
        self.t = rt_names.virtio_table()
        self.features = rt_names.virtio_features(rt_names.VIRTIO_ID_NET)
        self._csrs = self._causes = None
        self.pairs = 1
        if header is not None:
            v = header.config_dict().get("net_pairs", "")
            self.pairs = int(v) if v.isdigit() and 0 < int(v) <= 0x8000 else 1
        self.devs = {}
        self._seen = None

    # ---- state ----

    def dev(self, name):
        d = self.devs.get(name)
        if d is None:
            d = self.devs[name] = _Dev(self.pairs)
        return d

    def observe(self, ev):
        if ev is self._seen:
            return
        self._seen = ev
        n, f = ev.name, ev.fields
        if n == "virtio_features":
            d = self.dev(f["dev"])
            (d.offer if f["side"] == "device" else d.driver)[f["word"]] = f["value"]
        elif n == "virtio_config_read" and f.get("field") == "max_virtqueue_pairs":
            if 0 < f["value"] <= 0x8000:
                self.dev(f["dev"]).pairs = f["value"]
        elif n == "virtio_reset":
            d = self.dev(f["dev"])
            d.driver = {}

    def ctrl_queue(self, dev):
        """The control queue's index: 2 * max_virtqueue_pairs when MQ is negotiated (or
        offered, before the driver has chosen), else 2 (virtio 1.2 §5.1.2)."""
        d = self.dev(dev)
        feats = d.features("driver") if d.driver else d.features("device")
        mq = rt_names.parse_bits("MQ", self.features)
        return 2 * d.pairs if feats & mq else 2

    def queue_name(self, dev, q):
        if dev is None or not str(dev).startswith("virtio-net"):
            return "%d" % q
        role = rt_names.queue_role(q, self.ctrl_queue(dev))
        return role if role is not None else "%d" % q

    # ---- renderers: (decoder, event, value) -> text ----

    def _status(self, ev, v):
        return rt_names.format_bits(v, self.t.bits["status"])

    def _status_new(self, ev, v):
        """The new status, and what changed from the old one."""
        text = self._status(ev, v)
        if "old" in ev.fields:
            added = v & ~ev["old"]
            removed = ev["old"] & ~v
            extra = []
            if added and ev["old"]:
                extra.append("+" + rt_names.format_bits(added, self.t.bits["status"]))
            if removed and v:
                extra.append("-" + rt_names.format_bits(removed, self.t.bits["status"]))
            if v == 0:
                extra.append("reset")
            if extra:
                text += " (%s)" % " ".join(extra)
        return text

    def feature_names(self, bits):
        return rt_names.format_bits(bits, self.features)

    def _features(self, ev, v):
        word = ev.get("word", 0)
        text = self.feature_names(_word_bits(word, v)) if 0 <= word < 2 else "%#x" % v
        if ev.get("side") == "driver":
            offer = self.dev(ev.get("dev")).offer.get(word)
            if offer is not None:
                declined = _word_bits(word, offer & ~v)
                extra = _word_bits(word, v & ~offer)
                if declined:
                    text += " declined=%s" % self.feature_names(declined)
                if extra:
                    text += " NOT-OFFERED=%s" % self.feature_names(extra)
        return text

    def _queue(self, ev, v):
        return self.queue_name(ev.get("dev"), v)

    def _desc_flags(self, ev, v):
        return rt_names.format_bits(v, self.t.bits["desc"])

    def _chain(self, ev, v):
        return "[%s]" % ", ".join(
            "%d:0x%x/%d%s%s" % (d["index"], d["addr"], d["len"],
                                "" if not d["flags"] else " " + self._desc_flags(ev, d["flags"]),
                                "->%d" % d["next"] if d["flags"] & 1 else "")
            for d in v)

    def _trap_cause(self, ev, v):
        if self._causes is None:
            self._causes = rt_names.causes()
        key = v | (rt_names.INTERRUPT if ev.name == "interrupt" else 0)
        return self._causes.get(key, "%d" % v)

    def _csr(self, ev, v):
        if self._csrs is None:
            self._csrs = rt_names.csrs()
        return self._csrs.get(v, "%#x" % v)

    def _frame(self, ev, v):
        return "%dB %s" % (len(v), rt_frame.summary(v))

    def _reg_value(self, ev, v):
        """A device register's value named by what the register holds (REG_RULES)."""
        rule = REG_RULES.get(ev.get("reg"))
        if rule is None:
            return None
        region = ev.get("region") or ""
        return rule(self, region.split(".")[0], v)

    def _pci_value(self, ev, v):
        """A configuration register's value named by what it holds (PCI_REG_RULES)."""
        rule = PCI_REG_RULES.get(ev.get("reg"))
        return rule(self, ev, v) if rule is not None else None

    def _config_value(self, ev, v):
        """A device configuration field's value: virtio-net's status bits (§5.1.4)."""
        if ev.get("field") != "status" or not str(ev.get("dev")).startswith("virtio-net"):
            return None
        return _named_bits(v, rt_names.virtio_cfg_table()["dev_status"].get(rt_names.VIRTIO_ID_NET, {}))

    def render(self, ev, field, value):
        """The named text of one field, or None where no rule applies."""
        rule = RULES.get((ev.name, field)) or RULES.get(("*", field))
        if rule is None:
            return None
        return rule(self, ev, value)

    def fields(self, ev):
        """[(field, text)]: each field by name where a rule applies, else as the
        canonical text gives it."""
        self.observe(ev)
        out = []
        for t, fname in ev.type.fields:
            v = ev.fields[fname]
            try:
                text = self.render(ev, fname, v)
            except rt_names.NamesError:
                text = None
            out.append((fname, text if text is not None else rt.format_value(t, v)))
        return out

    def line(self, ev):
        """time pc symbol event field=value..., in columns (ALIGN). A kernel's call
        stack is shown up to the driver's entry point (rt_callers.short); --raw
        keeps the whole of it."""
        sym = rt.name_text(rt_callers.short(ev.sym))
        head = "%*d %-*s %-*s %-*s" % (ALIGN[0], ev.vtime, ALIGN[1], "0x%x" % ev.pc,
                                         ALIGN[2], sym, ALIGN[3], ev.name)
        body = " ".join("%s=%s" % (f, _safe(t)) for f, t in self.fields(ev))
        return (head + " " + body).rstrip()


def _safe(text):
    """Named text as a terminal may show it: control characters escaped."""
    return "".join(c if c >= " " and c != "\x7f" else "\\x%02x" % ord(c) for c in text)


# A bus access's register (the simulator's register names, sim/virtio/virtio_pci_regs.c)
# -> renderer of its value: (decoder, device, value) -> text.
_REG_STATUS = lambda d, dev, v: rt_names.format_bits(v, d.t.bits["status"])
_REG_ISR = lambda d, dev, v: rt_names.format_bits(v, d.t.bits["isr"])
_REG_QUEUE = lambda d, dev, v: "%#x (%s)" % (v, d.queue_name(dev, v))
REG_RULES = {
    "common.device_status": _REG_STATUS,
    "legacy.device_status": _REG_STATUS,
    "isr": _REG_ISR,
    "legacy.isr": _REG_ISR,
    "common.queue_select": _REG_QUEUE,
    "legacy.queue_select": _REG_QUEUE,
    "legacy.queue_notify": _REG_QUEUE,
    "legacy.device_features": lambda d, dev, v: d.feature_names(v & 0xffffffff),
    "legacy.guest_features": lambda d, dev, v: d.feature_names(v & 0xffffffff),
}

# A PCI configuration register (the simulator's names, sim/pci/config.c and
# sim/virtio/virtio_pci.c) -> renderer of its value: (decoder, event, value) -> text, from
# the tables sim/pci/pci_names.def and sim/virtio/virtio_cfg_names.def.
def _named_bits(v, table):
    """A register's value and its bits by name: "0x7 (IO|MEMORY|MASTER)"; 0 as "0x0"."""
    return "%#x (%s)" % (v, rt_names.format_bits(v, table)) if v else "0x0"


def _pci_bits(domain):
    return lambda d, ev, v: _named_bits(v, rt_names.pci_table()[domain])


def _pci_cap_id(d, ev, v):
    name = rt_names.pci_table()["cap"].get(v) if ev.get("size") == 1 else None
    return "%#x (%s)" % (v, name) if name else None


def _virtio_cfg_type(d, ev, v):
    name = rt_names.virtio_cfg_table()["pci_cap"].get(v) if ev.get("size") == 1 else None
    return "%#x (%s)" % (v, name) if name else None


PCI_REG_RULES = {
    "command": _pci_bits("command"),
    "status": _pci_bits("status"),
    "cap.vndr": _pci_cap_id,
    "cap.cfg_type": _virtio_cfg_type,
}

# (event, field) -> renderer; "*" for every event with that field. Order does not matter.
RULES = {
    ("virtio_status", "old"): Decoder._status,
    ("virtio_status", "new"): Decoder._status_new,
    ("virtio_features", "value"): Decoder._features,
    ("virtio_isr_read", "value"): lambda d, ev, v: rt_names.format_bits(v, d.t.bits["isr"]),
    ("avail_flags_write", "flags"): lambda d, ev, v: rt_names.format_bits(v, d.t.bits["avail"]),
    ("used_flags_write", "flags"): lambda d, ev, v: rt_names.format_bits(v, d.t.bits["used"]),
    ("*", "flags"): Decoder._desc_flags,
    ("*", "queue"): Decoder._queue,
    ("*", "chain"): Decoder._chain,
    ("trap", "cause"): Decoder._trap_cause,
    ("interrupt", "cause"): Decoder._trap_cause,
    ("*", "csr"): Decoder._csr,
    ("*", "frame"): Decoder._frame,
    ("mmio_read", "value"): Decoder._reg_value,
    ("mmio_write", "value"): Decoder._reg_value,
    ("pio_read", "value"): Decoder._reg_value,
    ("pio_write", "value"): Decoder._reg_value,
    ("pci_cfg_read", "value"): Decoder._pci_value,
    ("pci_cfg_write", "value"): Decoder._pci_value,
    ("virtio_config_read", "value"): Decoder._config_value,
    ("virtio_config_write", "value"): Decoder._config_value,
}
