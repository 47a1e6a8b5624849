"""Call-stack symbols: what the simulator records for an event of a Linux kernel whose
symbols it has (sim/debug/frames.c). The symbol is then the function the pc is in, and
'<' before each caller as FUNCTION+0xOFFSET of its return address, innermost first:

    vp_modern_set_status<vp_set_status+0x14<virtio_add_status+0x2a<virtio_dev_probe+0xc2<...

A symbol without '<' (the firmware's, or a kernel event with no frame to read) is one
function. These helpers split the chain, match a glob against any of its functions,
and cut it after the driver's own entry point, for show's aligned view, seq's phase
headings and the classroom table."""

import fnmatch

# The entry points of the driver stack a reader looks for (Linux 6.1's virtio core,
# virtio_pci and virtio_net, drivers/virtio/*.c and drivers/net/virtio_net.c), most
# specific first in a chain: a chain is cut after the first of them it holds.
ENTRY_POINTS = ("setup_vq", "try_fill_recv", "start_xmit", "virtnet_poll", "virtnet_open",
                "virtnet_send_command", "virtnet_probe", "virtio_dev_probe", "virtio_pci_probe")


def frames(sym):
    """[(function, offset or None)] of a symbol, innermost first ([] for None)."""
    if sym is None:
        return []
    out = []
    for i, part in enumerate(sym.split("<")):
        name, plus, off = part.rpartition("+0x") if i else (part, "", "")
        if i and plus:
            try:
                out.append((name, int(off, 16)))
                continue
            except ValueError:
                pass
        out.append((part, None))
    return out


def functions(sym):
    """The function names of a symbol's frames, innermost first."""
    return [f for f, _ in frames(sym)]


def matches(sym, glob):
    """Whether glob matches the whole symbol or any one function of its chain."""
    return sym is not None and (fnmatch.fnmatchcase(sym, glob) or
                                any(fnmatch.fnmatchcase(f, glob) for f in functions(sym)))


def entry_point(sym):
    """The first driver entry point (ENTRY_POINTS) on the chain, or None."""
    fs = functions(sym)
    hits = [f for f in fs[1:] if f in ENTRY_POINTS]
    return hits[0] if hits else None


def short(sym, offsets=True, sep="<", more="..."):
    """The chain up to its first driver entry point, sep + more marking frames left
    out; the whole chain when it has none. offsets=False drops the +0x... parts."""
    fr = frames(sym)
    if len(fr) < 2:
        return sym
    names = [f for f, _ in fr]
    end = next((i for i, f in enumerate(names) if i and f in ENTRY_POINTS), len(fr) - 1)
    parts = [f if (o is None or not offsets) else "%s+0x%x" % (f, o) for f, o in fr[:end + 1]]
    return sep.join(parts) + (sep + more if end < len(fr) - 1 else "")
