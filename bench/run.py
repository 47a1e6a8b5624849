#!/usr/bin/env python3
"""make bench: prints ringside's performance figures; asserts nothing.

Each figure is the median of several runs (BENCH_RUNS, default 5). Wall time is measured
here, outside the simulator, which never reads the host clock.

  cpu        guest MIPS on CPU-bound guests, by CPU time (user + system of the
             ringside process: steadier than wall time on a shared machine):
             crc32, about 1.5 G instructions (scenario=bench-crc rounds=30 of the bundled
             firmware; target >= 1500); bench-mix, the CoreMark-like mix of
             bench/guest/mix_core.c (target >= 1150), whose CRC is checked against the
             same code built for the host; bench-bigcode, about 700 KiB of generated code
             run once per round (bench/gen_bigcode.py; target: no slower than before,
             docs/performance.md has the figures). Both run the benchmark firmware,
             build/guestfw/ringside-bench.elf (BENCH_FW)
  ping       ICMP echo round trips per host second (scenario=ping count=N)
  udp        UDP datagrams echoed per host second, and frames both ways
             (scenario=udp count=N)
  tracing    slowdown of --trace over no tracing on ping and udp (target <= 5%), by
             wall time and by CPU time (user + system: steadier on a shared machine),
             untraced and traced runs taken in pairs; bytes per trace event (target
             <= 12 on ping), with --trace-compress zstd too; replay speed relative to
             recording (target >= 1.0); the Python reader's speed (ringside-trace)
  layouts    ping and udp on the modern interface over split and over packed rings
             (--net-features +ring_packed, ring=packed), side by side
  linux      Linux 6.1 under OpenSBI from reset to /init's power-off after its three
             pings (docs/linux.md), with the boot's guest MIPS, and QEMU's wall time
             for the same images beside it (target: within 10x of QEMU's JIT); only
             when tools/build-linux has built them and OpenSBI is installed

Environment: RINGSIDE (default ./ringside), BENCH_RUNS (default 5), BENCH_FW (default
build/guestfw/ringside-bench.elf), HOST_CC (default cc), BENCH_ONLY=cpu (the CPU
figures only)."""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

RINGSIDE = os.environ.get("RINGSIDE", "./ringside")
RUNS = max(1, int(os.environ.get("BENCH_RUNS", "5")))

CRC_ROUNDS = 30          # 4 MiB each, about 50 M instructions a round
MIX_ITERS = 25000        # about 43 k instructions each
BIGCODE_ROUNDS = 3000    # about 245 k instructions each
CRC_TARGET = 1500        # guest MIPS (issue 14)
MIX_TARGET = 1150
BENCH_FW = os.environ.get("BENCH_FW", "build/guestfw/ringside-bench.elf")
HOST_CC = os.environ.get("HOST_CC", "cc")
PING_COUNT = 20000
UDP_COUNT = 10000
TRACE_TARGET = 5.0       # percent (issue 14)
BYTES_TARGET = 12.0      # bytes per event on ping
REPLAY_TARGET = 1.0      # x recording speed
HERE = os.path.dirname(os.path.abspath(__file__))


class Run:
    """One finished ringside process: wall seconds, peak RSS (KiB), output."""

    def __init__(self, secs, rss_kib, out, err, cpu=0.0):
        self.secs, self.rss_kib, self.out, self.err, self.cpu = secs, rss_kib, out, err, cpu

    def num(self, pattern, text=None):
        m = re.search(pattern, self.out + self.err if text is None else text)
        if not m:
            sys.exit(f"bench: no match for {pattern!r} in ringside's output:\n{self.out}{self.err}")
        return int(m.group(1))


def run(args):
    """Runs ringside once with args; exits on failure. wait4 gives this child's own
    peak RSS (RUSAGE_CHILDREN would be the maximum over all children so far)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen([RINGSIDE] + args, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        secs = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        r = Run(secs, usage.ru_maxrss, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"), usage.ru_utime + usage.ru_stime)
    if p.returncode != 0:
        sys.exit(f"bench: ringside {' '.join(args)} failed (exit {p.returncode}):\n{r.out}{r.err}")
    return r


def median_run(args):
    """RUNS runs of the same command: the median wall time, the largest RSS, and the
    first run (for its output, identical in every run: the simulator is deterministic)."""
    runs = [run(args) for _ in range(RUNS)]
    return statistics.median(r.secs for r in runs), max(r.rss_kib for r in runs), runs[0]


def row(label, value, unit, secs, rss_kib, note=""):
    print(f"  {label:<28} {value:>12} {unit:<16} {secs:7.3f} s {rss_kib / 1024:7.1f} MiB  {note}")


def cpu_row(label, args, target, check=None):
    """A CPU-bound run: guest MIPS by the median CPU time, wall time beside."""
    runs = [run(args) for _ in range(RUNS)]
    r = runs[0]
    if check:
        check(r)
    insns = r.num(r"executed (\d+) instructions")
    cpu = statistics.median(x.cpu for x in runs)
    secs = statistics.median(x.secs for x in runs)
    rss = max(x.rss_kib for x in runs)
    row(label, f"{insns / cpu / 1e6:.0f}", "guest MIPS (CPU)", secs, rss,
        f"{insns / 1e9:.2f} G insns, {insns / secs / 1e6:.0f} MIPS wall; target {target}")


def mix_expected(iters):
    """bench-mix's CRC computed by the same code built for the host."""
    with tempfile.TemporaryDirectory() as d:
        exe = os.path.join(d, "mix")
        subprocess.run([HOST_CC, "-O2", "-o", exe, os.path.join(HERE, "mix_host.c"),
                        os.path.join(HERE, "guest", "mix_core.c")], check=True)
        return subprocess.run([exe, str(iters)], check=True, capture_output=True, text=True).stdout.strip()


def cpu_bench():
    cpu_row("cpu: crc32 (bench-crc)", ["run", "--stats", "-append", f"scenario=bench-crc rounds={CRC_ROUNDS}"],
            f">= {CRC_TARGET}")
    want = mix_expected(MIX_ITERS)

    def mix_check(r):
        m = re.search(r"crc16 = (0x[0-9a-f]+)", r.out)
        if not m or m.group(1) != want:
            sys.exit(f"bench: bench-mix printed {m.group(1) if m else 'no CRC'}, the host computes {want}")
    cpu_row("cpu: CoreMark-like (mix)",
            ["run", "--fw", BENCH_FW, "--stats", "-append", f"scenario=bench-mix rounds={MIX_ITERS}"],
            f">= {MIX_TARGET}", mix_check)
    cpu_row("cpu: large code (bigcode)",
            ["run", "--fw", BENCH_FW, "--stats", "-append", f"scenario=bench-bigcode rounds={BIGCODE_ROUNDS}"],
            "no slower than before")


def paired_runs(a, b):
    """RUNS runs of a and of b, alternating (a slow spell of the machine hits both):
    for each, the median wall and CPU seconds, the largest RSS and the first run."""
    ra, rb = [], []
    for _ in range(RUNS):
        ra.append(run(a))
        rb.append(run(b))

    def summary(rs):
        return (statistics.median(r.secs for r in rs), statistics.median(r.cpu for r in rs),
                max(r.rss_kib for r in rs), rs[0])
    return summary(ra), summary(rb)


def python_read_speed(path, events):
    """Seconds for ringside-trace to read every event of path (info --count)."""
    tool = os.path.join(HERE, "..", "trace", "ringside-trace")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, tool, "info", "--count", path], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def net_bench(name, scenario, count_pattern, per, extra=None):
    """Untraced and traced runs of one network scenario, then replays of the trace.
    Returns the tracing slowdown in percent (CPU time)."""
    args = ["-append", scenario]
    fd, path = tempfile.mkstemp(prefix="ringside-bench-", suffix=".trace")
    os.close(fd)
    try:
        (secs, cpu, rss, r), (tsecs, tcpu, trss, tr) = paired_runs(
            ["run", "--stats"] + args, ["run", "--stats", "--trace", path] + args)
        n = r.num(count_pattern)
        row(f"{name}: {per}", f"{n / secs:.0f}", "per host second", secs, rss, f"{n} in the run")
        if extra:
            extra(r, secs, rss)
        events = tr.num(r"(\d+) trace events")
        size = os.path.getsize(path)
        slowdown = (tsecs / secs - 1) * 100
        cpu_slowdown = (tcpu / cpu - 1) * 100
        row(f"{name}: traced", f"{n / tsecs:.0f}", "per host second", tsecs, trss,
            f"slowdown {slowdown:+.1f}% wall, {cpu_slowdown:+.1f}% CPU (target <= {TRACE_TARGET:.0f}%)")
        per_ev = size / events
        row(f"{name}: trace size", f"{per_ev:.1f}", "bytes per event", tsecs, trss,
            f"{events} events, {size / 1e6:.1f} MB" +
            (f" (target <= {BYTES_TARGET:.0f} on ping)" if name == "ping" else ""))
        zsecs, zrss, _ = median_run(["run", "--trace", path, "--trace-compress", "zstd"] + args)
        zsize = os.path.getsize(path)
        row(f"{name}: trace size, zstd", f"{zsize / events:.2f}", "bytes per event", zsecs, zrss,
            f"{zsize / 1e6:.2f} MB, recorded at {(zsecs / secs - 1) * 100:+.1f}% wall")
        median_run(["run", "--trace", path] + args)      # the plain trace again, for the readers
        rsecs, rrss, _ = median_run(["replay", path])
        row(f"{name}: replay", f"{tsecs / rsecs:.2f}", "x recording speed", rsecs, rrss,
            f"{events / rsecs / 1e6:.2f} M events/s (target >= {REPLAY_TARGET:.1f}x)")
        psecs = python_read_speed(path, events)
        row(f"{name}: Python reader", f"{size / psecs / 1e6:.1f}", "MB per second", psecs, 0,
            f"{events / psecs / 1e3:.0f} k events/s (ringside-trace info --count)")
    finally:
        os.unlink(path)
    return cpu_slowdown


def udp_frames(r, secs, rss):
    sent = r.num(r"udp: sent (\d+) datagrams")
    echoed = r.num(r"echoed intact (\d+)")
    row("udp: frames both ways", f"{(sent + echoed) / secs:.0f}", "per host second", secs, rss,
        f"{sent} out, {echoed} back")


LAYOUTS = (("split", [], ""), ("packed", ["--net-features", "+ring_packed"], " ring=packed"))


def layout_bench():
    """The same ping and udp runs over the two ring layouts (virtio 1.2 §2.7, §2.8)."""
    for what, scenario, pattern, per in (("ping", f"scenario=ping count={PING_COUNT}", r"(\d+) received",
                                          "round trips"),
                                         ("udp", f"scenario=udp count={UDP_COUNT}", r"echoed intact (\d+)",
                                          "datagrams echoed")):
        for name, opts, arg in LAYOUTS:
            secs, rss, r = median_run(["run", "--stats", "--virtio", "modern"] + opts + ["-append", scenario + arg])
            n = r.num(pattern)
            insns = r.num(r"(\d+) instructions")
            row(f"{what} {name}: {per}", f"{n / secs:.0f}", "per host second", secs, rss,
                f"{n} in the run, {insns / n:.0f} guest instructions each")


SBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
LINUX_ARGS = "console=hvc0 earlycon=sbi ip=dhcp"


def linux_bench():
    """Reset to power-off of the Linux demo (ringside exits 0 only after the pings)."""
    b = subprocess.run(["sh", os.path.join(HERE, "..", "tools", "build-linux"), "--cached"],
                       capture_output=True, text=True)
    if b.returncode != 0 or not os.path.exists(SBI):
        print("  linux: skipped (tools/build-linux has not built Linux, or no OpenSBI)")
        return
    d = b.stdout.strip()
    img = ["--bios", SBI, "--kernel", f"{d}/Image", "--initrd", f"{d}/initramfs.cpio"]
    secs, rss, r = median_run(["run", "--stats", "--max-insns", "400000000"] + img + ["-append", LINUX_ARGS])
    if "3 of 3 answered" not in r.out:
        sys.exit("bench: the Linux boot did not ping:\n" + r.out[-2000:])
    insns = r.num(r"executed (\d+) instructions")
    note = f"{insns / 1e6:.0f} M insns, {insns / secs / 1e6:.0f} guest MIPS"
    qemu = "qemu-system-riscv64"
    if any(os.access(os.path.join(p, qemu), os.X_OK) for p in os.environ.get("PATH", "").split(":")):
        qs = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            q = subprocess.run([qemu, "-M", "virt", "-m", "128", "-nographic", "-no-reboot", "-bios", SBI,
                                "-kernel", f"{d}/Image", "-initrd", f"{d}/initramfs.cpio", "-append", LINUX_ARGS,
                                "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0,romfile="],
                               capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
            qs.append(time.perf_counter() - t0)
            if "3 of 3 answered" not in q.stdout:
                note += "; QEMU's run did not ping"
                break
        else:
            qsecs = statistics.median(qs)
            note += f"; QEMU {qsecs:.3f} s ({secs / qsecs:.2f}x; target within 10x)"
    else:
        note += "; no qemu-system-riscv64 to compare"
    row("linux: boot to power-off", f"{secs:.3f}", "host seconds", secs, rss, note)


def main():
    print(f"ringside benchmarks ({RINGSIDE}; wall time is the median of {RUNS} runs, "
          f"peak RSS the largest)")
    print(f"  {'figure':<28} {'value':>12} {'unit':<16} {'wall':>9} {'peak RSS':>11}")
    t0 = time.perf_counter()
    cpu_bench()
    if os.environ.get("BENCH_ONLY") == "cpu":
        return
    slow = [
        net_bench("ping", f"scenario=ping count={PING_COUNT}", r"(\d+) received", "round trips"),
        net_bench("udp", f"scenario=udp count={UDP_COUNT}", r"echoed intact (\d+)", "datagrams echoed",
                  udp_frames),
    ]
    layout_bench()
    linux_bench()
    worst = max(slow)
    print(f"  tracing slowdown (CPU time), worst of ping and udp: {worst:+.1f}% "
          f"({'within' if worst <= TRACE_TARGET else 'over'} the {TRACE_TARGET:.0f}% target)")
    print(f"  ({time.perf_counter() - t0:.0f} s in all)")


if __name__ == "__main__":
    main()
