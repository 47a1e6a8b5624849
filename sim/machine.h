/* The machine: assembles the CPU, RAM, platform devices, PCI host and device tree into
 * QEMU virt's memory map (DESIGN.md §2) and runs it against the event queue. */
#ifndef RINGSIDE_MACHINE_H
#define RINGSIDE_MACHINE_H

#include "bootrom.h"
#include "bus.h"
#include "bus_trace.h"
#include "clint.h"
#include "debug/frames.h"
#include "cpu.h"
#include "events.h"
#include "loader.h"
#include "mem_watch.h"
#include "plic.h"
#include "ram.h"
#include "sifive_test.h"
#include "uart.h"

#define RAM_BASE 0x80000000ull
#define MACHINE_MAX_BOOTARGS 4096        /* bytes of -append */
#define TIMEBASE_HZ 10000000u
#define KERNEL_BASE 0x80200000ull    /* where QEMU virt puts -kernel for OpenSBI */

/* The machine's configuration. Start from machine_config_default (the one place
 * defaults are set), then change what the command line asks for. */
typedef struct MachineConfig {
    const char *fw_path;         /* ELF or raw image */
    const char *kernel_path;     /* raw image at KERNEL_BASE, started by fw_dynamic (OpenSBI) */
    const char *initrd_path;     /* with a kernel: placed below the DTB, named in /chosen */
    const char *symbols_path;    /* ELF whose functions name trace pcs (vmlinux); NULL: the
                                  * vmlinux beside kernel_path, if there is one */
    uint64_t ram_mib;            /* 1..14336 */
    const char *bootargs;        /* /chosen/bootargs, NULL for none */
    const uint8_t *serial_input; /* bytes fed to the UART */
    size_t serial_input_len;
    const char *serial_prompt;   /* type each later line only after this is printed */
    uint64_t max_insns;          /* 0 = no limit */
    bool strict;                 /* unmapped accesses fault */
    uint32_t insns_per_tick;
    bool pci_testdev;            /* attach the PCI test device */
    FILE *console;               /* UART output (stdout) */
    /* network: virtio-net-pci and what is behind it */
    const char *net_spec;        /* "peer", "pcap:FILE", or "none": no NIC */
    const char *virtio_mode;     /* "transitional", "legacy", "modern" */
    const char *net_features;    /* "-mrg_rxbuf,+mq" applied to the default set */
    unsigned net_slot;           /* PCI slot, 1..31 */
    unsigned net_pairs;          /* max_virtqueue_pairs offered with MQ */
    unsigned queue_size;         /* virtqueue size offered */
    const char *tftp_dir;        /* peer: files served by TFTP */
    const char *bootfile;        /* peer: DHCP boot file name */
    const char *pcap_out;        /* every frame both ways, pcapng */
    const struct NetRecorded *net_recorded; /* replay: inputs recorded from files (net/recorded.h) */
    bool link_down;              /* start with the link down */
    const char *virtio_fault;    /* "KIND[@T]": a deliberately broken NIC (virtio/fault.h) */
    uint64_t link_toggle[8];     /* virtual times at which the link flips */
    unsigned n_link_toggle;
    uint64_t link_period;        /* non-zero: flip every link_period (link_toggle[0] = it) */
    TraceWriter *trace;          /* NULL: no trace file; else it observes every event */
    unsigned check_driver;       /* CheckMode (check/check.h): the driver checker, CHECK_WARN */
    uint64_t hash_interval;      /* state_hash event every N units of virtual time */
} MachineConfig;

typedef enum StopReason {
    STOP_NONE,                   /* still running (never returned by the run calls) */
    STOP_PAUSED,                 /* machine_run_until's limit, or machine_pause: resumable */
    STOP_POWEROFF,               /* the guest wrote the test device */
    STOP_RESET,                  /* the guest asked for a reset */
    STOP_MAX_INSNS,              /* --max-insns ran out */
    STOP_IDLE,                   /* wfi with nothing ever to come */
    STOP_ABORTED,                /* machine_abort: replay divergence, trace write error */
    STOP_INTERRUPTED,            /* machine_interrupt: Ctrl-C */
    STOP_VIOLATION,              /* --check-driver=error: the driver broke a rule */
} StopReason;

/* A write a debugger made into the stopped machine, as a replay makes it again. */
typedef struct MachineWrite {
    uint64_t vtime;              /* when: the machine stood there, paused */
    bool mem;                    /* RAM at addr (data, len), else register reg */
    bool console;                /* a key typed in the window: the byte in value */
    unsigned reg;                /* 0..31: x0..x31, 32: pc, MACHINE_REG_CSR + n: CSR n */
    uint64_t addr, value;
    const uint8_t *data;
    size_t len;
} MachineWrite;

typedef struct PciHost PciHost;
struct PciDev;
struct VirtioNet;
struct VirtioPci;
struct NetBackend;
struct VirtioFault;
struct Checker;

typedef struct Machine {
    MachineConfig cfg;
    AddrSpace mem, io;
    Ram ram;
    Cpu *cpu;
    EventQueue events;
    BootRom bootrom;
    Plic plic;
    Clint clint;
    Uart uart;
    SifiveTest test;
    PciHost *pci;
    struct PciDev *testdev;
    struct VirtioNet *net;
    struct VirtioPci *net_pci;
    struct NetBackend *backend;
    struct VirtioFault *net_fault;
    Timer link_timer;
    uint64_t link_next;          /* next entry of cfg.link_toggle */
    Tracer tracer;               /* the event stream: cfg.trace and any other observer */
    SymCache sym_cache;
    FrameNames frame_names;      /* the trace's call-stack names (kernel symbols loaded) */
    BusTrace bus_trace;          /* the bus hook, on while someone observes bus events */
    MemWatch watch;              /* guest RAM stores reported to whoever asked */
    bool ring_watching;          /* live queues' rings are watched (ring_drv observed) */
    Timer hash_timer;
    struct Checker *check;       /* the driver checker (NULL: off, or no virtio device) */
    bool check_started;          /* ... observing (from machine_start) */
    bool violation;              /* CHECK_ERROR: the checker asked the run to end */
    FwImage fw;
    void *dtb;
    size_t dtb_size;
    uint64_t dtb_addr;
    StopReason stop;             /* a final stop once the run ended, else STOP_NONE */
    bool started;                /* run_start emitted */
    bool pause_requested;        /* machine_pause: return at the next instruction boundary */
    bool at_break;               /* the last pause: pc is at a CPU breakpoint, not yet run */
    bool sleeping;               /* in wfi: the clock skips to the next event */
    uint64_t sleep_start;        /* virtual time the current wfi sleep began */
    const MachineWrite *writes;  /* replay: recorded debugger writes, by time ... */
    size_t nwrites, wnext;       /* ... and the next one to make */
    volatile bool abort_requested;
    volatile bool interrupted;   /* machine_interrupt: the user stopped the run */
    int exit_code;
} Machine;

/* The defaults: 128 MiB, 10 instructions per tick, console on stdout, virtio-net
 * (transitional, slot 1, the device's default pairs and queue size) behind the
 * built-in peer, no trace. */
void machine_config_default(MachineConfig *cfg);
/* Builds the machine; it emits no trace event (an observer added right after sees the
 * whole run from run_start). NULL with err on a bad configuration or input. */
Machine *machine_create(const MachineConfig *cfg, Err *err);
void machine_destroy(Machine *m);

/* The run, in three parts, so that a debugger can stop it anywhere and go on with no
 * effect on what the machine does or the trace it writes:
 *
 *   machine_start(m);                                  // run_start, once
 *   while ((why = machine_run_until(m, T, N)) == STOP_PAUSED)
 *       look at the machine; maybe machine_pause() from an observer;
 *   machine_finish(m, err);                            // after the final stop
 *
 * machine_run_until returns STOP_PAUSED when virtual time reaches vlimit, when
 * ilimit instructions have been executed in all, or when machine_pause was called
 * (from a device callback, a trace observer, a RAM watch or a timer): then the
 * machine stands right after the instruction that caused it (or, from a timer, at the
 * timer's time), with the timers due at that instant run and the next instruction not
 * yet begun. It
 * returns a final reason (poweroff, reset, max-insns, idle, aborted, interrupted)
 * once the run has ended, and the same reason on every later call. A pause in the
 * middle of a wfi sleep resumes the sleep. MACHINE_NO_LIMIT for either limit.
 * A CPU breakpoint (cpu_break_add) pauses before its instruction, with m->at_break set;
 * to go on past it, call cpu_break_step_over first. */
#define MACHINE_NO_LIMIT UINT64_MAX
void machine_start(Machine *m);
StopReason machine_run_until(Machine *m, uint64_t vlimit, uint64_t ilimit);
/* Runs until a final stop (start included; pauses are not possible without a caller
 * to resume them, so machine_pause requests are taken and the run goes on). */
StopReason machine_run(Machine *m);
/* Asks the run to return STOP_PAUSED after the current instruction. Safe from any
 * callback that runs inside machine_run_until. */
void machine_pause(Machine *m);

/* A debugger's writes into the paused machine: register reg (0..31 = x0..x31, 32 = pc,
 * MACHINE_REG_CSR + n = CSR n) or RAM; each is emitted as an input event
 * (debug_reg_write, debug_mem_write) so a replay makes it again. -1 with err for a bad
 * register (a CSR the hart lacks, a read-only one) or a range outside RAM. */
#define MACHINE_REG_CSR 0x1000u
int machine_write_reg(Machine *m, unsigned reg, uint64_t value, Err *err);
int machine_write_mem(Machine *m, uint64_t addr, const void *data, size_t len, Err *err);
/* Replay: the recorded writes (sorted by vtime; they must outlive the run) are made
 * again at their times, where the run stands when it reaches them. */
void machine_replay_writes(Machine *m, const MachineWrite *w, size_t n);
/* Keys typed into the guest's console while the machine is paused (the SDL window):
 * each is emitted as console_in with src "window" at this moment, so a replay types it
 * at the same time (a MachineWrite with console set), and joins the UART's input after
 * what is queued there. */
void machine_console_type(Machine *m, const uint8_t *b, size_t n);
/* Ends the run after the current instruction with STOP_ABORTED (safe from callbacks). */
void machine_abort(Machine *m);
const char *machine_stop_name(StopReason why);
/* Registers the machine's state and every object it owns for snapshots (machine_snap.c;
 * snap/snap.h, snap/travel.h). */
struct SnapReg;
void machine_snap_register(Machine *m, struct SnapReg *r);
/* The user asked to stop (SIGINT/SIGTERM): the run ends after the current instruction
 * with STOP_INTERRUPTED and a complete trace. Only sets flags: safe in a signal handler. */
void machine_interrupt(Machine *m);
/* Finishes what outlives the run's last instruction (closes the --pcap capture);
 * -1 with err if something was lost. Call before machine_destroy. */
int machine_finish(Machine *m, Err *err);

#endif
