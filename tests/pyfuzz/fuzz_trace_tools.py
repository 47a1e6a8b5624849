#!/usr/bin/env python3
"""Fuzz driver of the Python trace tools (issue 18: "the Python tools never print a
traceback"): mutated traces x every ringside-trace subcommand, in process.

Each round takes a seed trace and makes one of two kinds of mutant:
  structured  the seed's events rewritten through ringside_trace.TraceWriter with some
              fields, symbols, times or header values replaced by hostile ones (control
              characters, bytes that are not UTF-8, strings at and past the format's
              limits, times near 2^64, malformed frames and descriptor chains), so that
              the checksums hold and the values reach the decoders and renderers;
  raw         the seed's bytes flipped, cut, repeated or spliced, for the reader.
Then every subcommand runs on it (output to a file opened as the tools open it, and to a
strict UTF-8 standard output). A subcommand may fail -- with an exit status and a
message -- but any exception other than SystemExit is a finding: the driver prints the
traceback, keeps the input under --crash-dir, and exits 1.

    tests/pyfuzz/fuzz_trace_tools.py [--seed N] [--rounds N] [--crash-dir DIR] SEED.trace...

Deterministic for a given --seed and seed traces. Standard library only.
"""

import argparse
import contextlib
import importlib.machinery
import importlib.util
import io
import os
import random
import shutil
import sys
import tempfile
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "trace"))
import ringside_trace as rt  # noqa: E402


def load_tool():
    path = os.path.join(ROOT, "trace", "ringside-trace")
    loader = importlib.machinery.SourceFileLoader("ringside_trace_cli", path)
    spec = importlib.util.spec_from_loader("ringside_trace_cli", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


NASTY_TEXT = ["", "\x1b[31mred\x1b[0m", "a\x07b\x08c", "\udcff\udcfe", "caf\udcc3", "<&>\"']]>",
              "\x7f\x01\x02", "x" * 300, "y" * 65535, "z" * 65536, "\u2028\u202e", "%s%d{}",
              "\udced\udca0\udc80", "-", "virtio-net", "uart", "run"]
U64 = (1 << 64) - 1


def nasty_int(rng, limit):
    return rng.choice([0, 1, limit, limit - 1, limit // 2, rng.randint(0, limit), 0x80, 0xff & limit,
                       (1 << 22) & limit, 0xffff & limit])


def nasty_frame(rng, seeds):
    pick = rng.random()
    if pick < 0.4 and seeds:
        f = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 6)):
            if f:
                f[rng.randrange(len(f))] = rng.randrange(256)
        if rng.random() < 0.5:
            del f[rng.randint(0, len(f)):]
        return bytes(f)
    if pick < 0.7:
        return bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 13, 14, 20, 34, 42, 60, 300])))
    # hand-made headers: Ethernet + IPv4 + UDP towards the DHCP and TFTP ports
    eth = bytes(12) + rng.choice([b"\x08\x00", b"\x08\x06", b"\x81\x00", b"\x86\xdd"])
    ip = bytes([0x45, 0, 0, rng.randrange(256), 0, 0, 0, 0, 64, rng.choice([1, 6, 17, 99]), 0, 0]) + bytes(8)
    udp = bytes([0, rng.choice([67, 68, 69]), 0, rng.choice([67, 68, 69]), 0, 8, 0, 0])
    body = bytes(rng.randrange(256) for _ in range(rng.choice([0, 2, 4, 240, 250])))
    return (eth + ip + udp + body)[:rng.randint(0, 400)]


def mutate_value(rng, t, v, frames):
    limit = rt.INT_TYPES.get(t)
    if limit is not None:
        return nasty_int(rng, limit)
    if t in ("name", "str"):
        s = rng.choice(NASTY_TEXT)
        return None if t == "name" and rng.random() < 0.2 else s
    if t == "bytes":
        return nasty_frame(rng, frames)
    if t == "descs":
        return [{"index": nasty_int(rng, 0xffff), "addr": nasty_int(rng, U64), "len": nasty_int(rng, 0xffffffff),
                 "flags": nasty_int(rng, 0xffff), "next": nasty_int(rng, 0xffff)}
                for _ in range(rng.choice([0, 1, 3, 40]))]
    return v


def structured(rng, seed_path, out_path, types):
    with rt.TraceReader(seed_path, types) as r:
        header = r.header
        events = list(r)
    frames = [e["frame"] for e in events if e.name.startswith("frame_")]
    config, argv = header.config, list(header.argv)
    if rng.random() < 0.3:
        config += rng.choice(["insns_per_tick=0\n", "insns_per_tick=1\n", "insns_per_tick=x\n",
                              "net_pairs=99999999\n", "net_pairs=0\n", "fw=\udcff\n", "\x1b=\x07\n"])
    if rng.random() < 0.3:
        argv.append(rng.choice(NASTY_TEXT))
    rate = rng.choice([0.01, 0.05, 0.3])
    shift = 0
    with rt.TraceWriter(out_path, config=config, argv=argv, fw_sha256=header.fw_sha256, types=types) as w:
        for ev in events:
            fields = dict(ev.fields)
            sym = ev.sym
            if rng.random() < rate:
                t, f = rng.choice(ev.type.fields)
                fields[f] = mutate_value(rng, t, fields[f], frames)
            if rng.random() < rate / 4:
                sym = rng.choice(NASTY_TEXT + [None])
            if rng.random() < rate / 20 and shift == 0:
                shift = rng.choice([U64 // 10, U64 // 100 * 99, U64 - ev.vtime - 1000, 1 << 63])
            vtime = min(ev.vtime + shift, U64)
            try:
                w.emit(ev.name, vtime, ev.pc, sym, **fields)
            except rt.TraceError:
                pass


def raw(rng, seed_path, out_path):
    b = bytearray(open(seed_path, "rb").read())
    for _ in range(rng.randint(1, 4)):
        k = rng.random()
        at = rng.randrange(len(b)) if b else 0
        if k < 0.4 and b:
            b[at] ^= 1 << rng.randrange(8)
        elif k < 0.6:
            del b[at:]
        elif k < 0.8:
            b[at:at] = b[at:at + rng.randint(1, 64)]
        else:
            b[at:at + rng.randint(1, 8)] = bytes(rng.randrange(256) for _ in range(rng.randint(0, 8)))
    open(out_path, "wb").write(bytes(b))


def commands(trace, other, out):
    o = ["-o", out]
    return [["info", trace] + o, ["info", "--count", trace] + o,
            ["show", trace] + o, ["show", "--raw", trace] + o, ["show", "--queue", "tx0", trace] + o,
            ["stats", trace] + o, ["stats", "--json", trace] + o,
            ["diff", trace, other] + o, ["diff", "--align", "--json", other, trace] + o,
            ["diff", "--align", "--ignore", "time", trace, other] + o,
            ["export", "--format", "chrome", trace] + o, ["export", "--format", "pcapng", trace] + o,
            ["seq", trace] + o, ["html", "--queue", "0", trace] + o, ["html", "--queue", "1", trace] + o,
            ["html", "--device", trace] + o, ["html", "--queue", "0", "--from", "100", "--to", "5000", trace] + o,
            ["golden", "record", trace] + o, ["golden", "check", trace, other] + o]


class StrictStdout(io.TextIOWrapper):
    """A standard output as a strict UTF-8 locale gives it (errors='strict')."""

    def __init__(self):
        super().__init__(io.BytesIO(), encoding="utf-8", errors="strict")


def run_one(tool, argv):
    """None, or the traceback text of an exception that escaped the tool."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = StrictStdout(), io.StringIO()
    try:
        with contextlib.suppress(SystemExit):
            tool.main(argv)
        return None
    except Exception:  # noqa: BLE001 -- any exception is the finding
        return traceback.format_exc()
    finally:
        sys.stdout, sys.stderr = saved


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rounds", type=int, default=40)
    p.add_argument("--crash-dir", default=None)
    p.add_argument("seeds", nargs="+")
    a = p.parse_args()
    rng = random.Random(a.seed)
    tool = load_tool()
    types = rt.load_events_def()
    work = tempfile.mkdtemp(prefix="ringside-pyfuzz.")
    found = 0
    try:
        for rnd in range(a.rounds):
            seed = a.seeds[rnd % len(a.seeds)]
            mutant = os.path.join(work, "m.trace")
            kind = "structured" if rng.random() < 0.7 else "raw"
            (structured(rng, seed, mutant, types) if kind == "structured" else raw(rng, seed, mutant))
            for argv in commands(mutant, seed, os.path.join(work, "out")) + [["show", mutant]]:
                tb = run_one(tool, argv)
                if tb is None:
                    continue
                found += 1
                print("round %d (%s of %s): ringside-trace %s raised:\n%s" % (
                    rnd, kind, seed, " ".join(x if x != mutant else "MUTANT" for x in argv), tb))
                if a.crash_dir:
                    os.makedirs(a.crash_dir, exist_ok=True)
                    shutil.copy(mutant, os.path.join(a.crash_dir, "crash-%d-%d.trace" % (a.seed, rnd)))
                break
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("pyfuzz: %d rounds, %d finding%s" % (a.rounds, found, "" if found == 1 else "s"))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
