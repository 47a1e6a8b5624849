#!/usr/bin/env python3
"""make bench: prints ringside's performance figures; asserts nothing.

Each figure is the median of several runs (BENCH_RUNS, default 5). Wall time is measured
here, outside the simulator, which never reads the host clock."""
import os
import re
import resource
import statistics
import subprocess
import sys
import time

RINGSIDE = os.environ.get("RINGSIDE", "./ringside")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def run(args):
    """Runs ringside once; returns (seconds, retired instructions, peak RSS in KiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    p = subprocess.run([RINGSIDE, "run", "--stats"] + args, capture_output=True, text=True)
    secs = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    m = re.search(r"retired (\d+) instructions", p.stderr)
    if p.returncode != 0 or not m:
        sys.exit(f"bench: ringside {' '.join(args)} failed (exit {p.returncode}):\n{p.stderr}")
    return secs, int(m.group(1)), max(rss, before)


def bench(label, args):
    results = [run(args) for _ in range(RUNS)]
    secs = statistics.median(r[0] for r in results)
    insns = results[0][1]
    rss = max(r[2] for r in results)
    print(f"{label:<30} {insns / secs / 1e6:8.0f} guest MIPS  {secs:7.2f} s wall  "
          f"{rss / 1024:7.1f} MiB peak  ({insns} instructions, median of {RUNS})")
    return secs, insns


def main():
    print(f"ringside benchmarks ({RINGSIDE}, {RUNS} runs each)")
    bench("cpu: crc32 loop", ["-append", "scenario=bench-crc"])


if __name__ == "__main__":
    main()
