"""The guest's counters (scenario=stats' console) against its trace, in one pass over
the trace: every frame the guest transmitted left the device or was dropped for a down
link, every frame the device delivered and did not drop is one the guest received, and
every tx kick the driver counted is a notify of the tx queue.

usage: counters.py CONSOLE TRACE"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "trace"))
import ringside_trace  # noqa: E402


# The firmware prints a config change from its interrupt handler, so with the link
# flapping one can land inside another line ("virtio-net: tx kicks virtio-net: config
# changed: ... (changed)\n203 ..."): take those out before reading the counters.
INTERLEAVED = re.compile(r"virtio-net: config changed: [^\n]*\(changed\)\n")


def console_counts(text):
    text = INTERLEAVED.sub("", text)

    def num(pat, what):
        m = re.search(pat, text, re.M)
        if not m:
            sys.exit("counters: no %s on the console" % what)
        return [int(g) for g in m.groups()]
    rx, tx = num(r"^eth0: rx packets (\d+) .*; tx packets (\d+) ", "eth0 counters")
    kicks, = num(r"^virtio-net: tx kicks (\d+) ", "tx kicks")
    sent, received = num(r"^(\d+) packets transmitted, (\d+) received", "ping summary")
    return rx, tx, kicks, sent, received


def trace_counts(path):
    c = dict(to_guest=0, from_guest=0, tx_notifies=0, tx_drop=0, rx_drop=0)
    with ringside_trace.TraceReader(path) as r:
        for ev in r:
            n = ev.name
            if n == "frame_to_guest":
                c["to_guest"] += 1
            elif n == "frame_from_guest":
                c["from_guest"] += 1
            elif n == "virtio_notify" and ev["queue"] == 1:
                c["tx_notifies"] += 1
            elif n == "note":
                text = ev["text"]
                text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
                if re.match(r"tx queue \d+: link down: frame dropped", text):
                    c["tx_drop"] += 1
                elif text.startswith("rx: link down: frame dropped"):
                    c["rx_drop"] += 1
    return c


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rx, tx, kicks, sent, received = console_counts(open(sys.argv[1], errors="replace").read())
    try:
        c = trace_counts(sys.argv[2])
    except ringside_trace.TraceError as e:
        sys.exit("counters: %s" % e)
    bad = []
    if tx != c["from_guest"] + c["tx_drop"]:
        bad.append("guest tx %d != frames from guest %d + dropped %d" % (tx, c["from_guest"], c["tx_drop"]))
    if rx != c["to_guest"] - c["rx_drop"]:
        bad.append("guest rx %d != frames to guest %d - dropped %d" % (rx, c["to_guest"], c["rx_drop"]))
    if kicks != c["tx_notifies"]:
        bad.append("guest tx kicks %d != tx queue notifies %d" % (kicks, c["tx_notifies"]))
    if received > sent:
        bad.append("ping received %d > sent %d" % (received, sent))
    for b in bad:
        print("  counters: " + b)
    if not bad:
        print("  counters add up: tx %d = %d sent + %d dropped, rx %d = %d - %d dropped, %d kicks, ping %d/%d"
              % (tx, c["from_guest"], c["tx_drop"], rx, c["to_guest"], c["rx_drop"], kicks, received, sent))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
