/* Machine assembly and the run loop (see machine.h). The loop alternates between the
 * CPU, which runs a block that ends exactly at the next scheduled event, and the event
 * queue; wfi with nothing pending skips the clock forward to the next event. */
#include <stdlib.h>
#include <unistd.h>

#include "check/check.h"
#include "cpu/mmu_peek.h"
#include "dtb.h"
#include "machine.h"
#include "pci/host_bridge.h"
#include "pci/testdev.h"
#include "net/backend.h"
#include "virtio/fault.h"
#include "virtio/ring_watch.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_pci.h"

static void cpu_irq_line(void *opaque, unsigned n, int level)
{
    cpu_set_irq(opaque, n, level);
}

static uint64_t machine_now(void *opaque)
{
    return cpu_vclock(((Machine *)opaque)->cpu);
}

/* The trace's clock: virtual time and the pc of the instruction being executed. */
static uint64_t machine_trace_now(void *opaque, uint64_t *pc)
{
    Machine *m = opaque;
    *pc = cpu_get_pc(m->cpu);
    return cpu_vclock(m->cpu);
}

static void machine_trap(void *opaque, const CpuTrap *t)
{
    Machine *m = opaque;
    uint64_t irq_bit = 1ull << 63;
    if (t->cause & irq_bit)
        TRACE_AT(&m->tracer, t->vclock, t->epc, interrupt, (uint32_t)(t->cause & ~irq_bit), t->epc);
    else
        TRACE_AT(&m->tracer, t->vclock, t->epc, trap, (uint32_t)t->cause, t->tval, t->epc);
}

static void machine_hash_tick(void *opaque)
{
    Machine *m = opaque;
    TRACE(&m->tracer, state_hash, cpu_state_hash(m->cpu));
    timer_mod(&m->events, &m->hash_timer, cpu_vclock(m->cpu) + m->cfg.hash_interval);
}

/* A byte the UART handed the guest. Bytes typed in the window (machine_console_type)
 * come after every --serial-input byte in the UART's queue and are recorded when they
 * are typed, src "window", so only the serial input's are recorded here. */
static void machine_console_in(void *opaque, uint8_t byte)
{
    Machine *m = opaque;
    if (m->uart.in_pos <= m->cfg.serial_input_len)
        TRACE(&m->tracer, console_in, "serial", byte);
}

void machine_console_type(Machine *m, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        TRACE(&m->tracer, console_in, "window", b[i]);
        if (uart_queue_input(&m->uart, b + i, 1) != 0)
            break;                   /* out of memory: the rest is not typed */
    }
}

static void machine_queue_live(void *ctx, VirtioDevice *vd, unsigned q, bool live)
{
    Machine *m = ctx;
    if (live && m->ring_watching)
        ring_watch_start(&m->watch, &vd->vq[q]);
    else if (!live)
        ring_watch_stop(&m->watch, &vd->vq[q]);
}

/* The bus hook reports every device access, unless the driver checker is the only
 * observer of bus events besides the trace file (no debugger, no replay): then it
 * hands the observers the accesses to the checked device's BARs alone, which is all
 * the checker takes, so the console's accesses build no events (the trace file still
 * records every access, bus_trace.h). */
static void machine_bus_filter(Machine *m, bool bus)
{
    const char *only[2];
    unsigned n = 0;
    if (bus && m->check_started && m->net_pci) {
        TraceTypeSet ck = { { 0 } }, fam = { { 0 } };
        check_types(&ck);
        trace_types_add_family(&fam, "bus");
        bool alone = true;
        for (unsigned ty = 0; ty < TRACE_EV_LIMIT; ty++)
            if (trace_types_has(&fam, ty) && m->tracer.want_obs[ty] != (trace_types_has(&ck, ty) ? 1 : 0))
                alone = false;
        const PciBar *bars = m->net_pci->pci.bars;
        for (unsigned b = 0; alone && b < PCI_NUM_BARS; b++)
            if (bars[b].flags && (b == VIRTIO_PCI_LEGACY_BAR || b == VIRTIO_PCI_MODERN_BAR))
                only[n++] = bars[b].region_name;
    }
    bus_trace_only(&m->bus_trace, only, n);
}

/* The observers changed what they want: work that only feeds observers is done only
 * while someone takes its events, so an untraced run pays nothing for it (no bus hook,
 * no watched ring pages, no trap hook, no state-hash timer). None of it changes what
 * the machine does; the hash timer keeps its times (multiples of the interval) however
 * late it is armed. */
static void machine_observers_changed(void *ctx)
{
    Machine *m = ctx;
    const Tracer *t = &m->tracer;
    bool bus = tracer_wants_family(t, "bus");
    machine_bus_filter(m, bus);
    bus_trace_attach(&m->bus_trace, &m->mem, bus);
    bus_trace_attach(&m->bus_trace, &m->io, bus);
    bool traps = tracer_wants(t, TRACE_EV_trap) || tracer_wants(t, TRACE_EV_interrupt);
    cpu_set_trap_hook(m->cpu, traps ? machine_trap : NULL, m);
    bool rings = tracer_wants_family(t, "ring_drv");
    if (rings != m->ring_watching) {
        m->ring_watching = rings;
        VirtioDevice *vd = m->net ? &m->net->vdev : NULL;
        for (unsigned q = 0; vd && q < vd->info.num_queues; q++) {
            if (rings && vq_ready(&vd->vq[q]))
                ring_watch_start(&m->watch, &vd->vq[q]);
            else if (!rings)
                ring_watch_stop(&m->watch, &vd->vq[q]);
        }
    }
    bool hash = tracer_wants(t, TRACE_EV_state_hash);
    if (hash && !m->hash_timer.armed) {
        uint64_t iv = m->cfg.hash_interval;
        timer_mod(&m->events, &m->hash_timer, (cpu_vclock(m->cpu) / iv + 1) * iv);
    } else if (!hash) {
        timer_del(&m->events, &m->hash_timer);
    }
}

static void machine_link_toggle(void *opaque)
{
    Machine *m = opaque;
    bool up = !(m->net->status & VIRTIO_NET_S_LINK_UP);
    virtio_net_set_link(m->net, up);
    char text[64];
    snprintf(text, sizeof text, "link %s (--link-toggle)", up ? "up" : "down");
    TRACE(&m->tracer, note, text);
    ++m->link_next;
    if (m->cfg.link_period)
        timer_mod(&m->events, &m->link_timer, (uint64_t)(m->link_next + 1) * m->cfg.link_period);
    else if (m->link_next < m->cfg.n_link_toggle)
        timer_mod(&m->events, &m->link_timer, m->cfg.link_toggle[m->link_next]);
}

/* The NIC: virtio-net behind virtio-pci in its slot, and the backend behind it. */
static int machine_add_net(Machine *m, Err *err)
{
    const char *spec = m->cfg.net_spec;
    if (!spec || strcmp(spec, "none") == 0)
        return 0;
    VirtioPciMode mode;
    if (!m->cfg.virtio_mode || virtio_pci_parse_mode(m->cfg.virtio_mode, &mode) != 0)
        return err_set(err, "--virtio %s: expected legacy, modern or transitional",
                       m->cfg.virtio_mode ? m->cfg.virtio_mode : "(none)");
    VirtioNetConfig nc;
    virtio_net_config_default(&nc);
    if (m->cfg.net_features && virtio_net_parse_features(m->cfg.net_features, &nc.features, err) != 0)
        return -1;
    if (m->cfg.net_pairs > UINT16_MAX || m->cfg.queue_size > UINT16_MAX)
        return err_set(err, "virtio-net: %u queue pairs of %u entries is out of range", m->cfg.net_pairs,
                       m->cfg.queue_size);
    nc.max_pairs = (uint16_t)m->cfg.net_pairs;
    nc.queue_size = (uint16_t)m->cfg.queue_size;
    nc.link_down = m->cfg.link_down;
    m->net = calloc(1, sizeof *m->net);
    m->net_pci = calloc(1, sizeof *m->net_pci);
    if (!m->net || !m->net_pci)
        return err_set(err, "out of memory");
    if (virtio_net_init(m->net, &nc, err) != 0) {
        free(m->net);
        m->net = NULL;
        return -1;
    }
    virtio_set_tracer(&m->net->vdev, &m->tracer);
    m->net->vdev.queue_live = machine_queue_live;
    m->net->vdev.queue_live_ctx = m;
    if (m->cfg.virtio_fault) {
        m->net_fault = calloc(1, sizeof *m->net_fault);
        if (!m->net_fault)
            return err_set(err, "out of memory");
        if (virtio_fault_parse(m->cfg.virtio_fault, m->net_fault, err) != 0 ||
            virtio_fault_attach(m->net_fault, &m->net->vdev, &m->events, err) != 0)
            return -1;
    }
    NetBackendConfig bc = {
        .spec = spec, .tftp_dir = m->cfg.tftp_dir, .bootfile = m->cfg.bootfile,
        .pcap_out = m->cfg.pcap_out, .events = &m->events, .now = machine_now, .now_ctx = m,
        .deliver = virtio_net_receive, .opaque = m->net, .tracer = &m->tracer,
        .recorded = m->cfg.net_recorded, .insns_per_tick = m->cfg.insns_per_tick,
    };
    m->backend = net_backend_create(&bc, err);
    if (!m->backend)
        return -1;
    virtio_net_set_backend(m->net, m->backend);
    if (virtio_pci_init(m->net_pci, &m->net->vdev, mode, err) != 0) {
        free(m->net_pci);
        m->net_pci = NULL;
        return -1;
    }
    if (pci_host_plug(m->pci, &m->net_pci->pci, m->cfg.net_slot, err) != 0)
        return -1;
    if (m->cfg.n_link_toggle) {
        timer_init(&m->link_timer, "link-toggle", machine_link_toggle, m);
        timer_mod(&m->events, &m->link_timer, m->cfg.link_toggle[0]);
    }
    return 0;
}

static void machine_stop_request(void *opaque)
{
    cpu_request_exit(((Machine *)opaque)->cpu);
}

static void machine_violation_stop(void *opaque)
{
    Machine *m = opaque;
    m->violation = true;
    cpu_request_exit(m->cpu);
}

/* The driver checker of the NIC (check/check.h): what the device offers and where its
 * registers are. It starts observing at machine_start, after the trace file and any
 * comparison, so that they see each event before the violation it causes. */
static int machine_add_checker(Machine *m, Err *err)
{
    if (m->cfg.check_driver == CHECK_OFF || !m->net)
        return 0;
    m->check = check_create(&m->tracer, &m->watch, &m->ram, (CheckMode)m->cfg.check_driver, err);
    if (!m->check)
        return -1;
    check_set_stop(m->check, machine_violation_stop, m);
    const VirtioDevice *vd = &m->net->vdev;
    const PciDev *pd = &m->net_pci->pci;
    CheckDevice d = {
        .name = vd->info.name, .device_id = vd->info.device_id, .bdf = pd->bdf,
        .offered = vd->info.features, .num_queues = vd->info.num_queues,
        .max_queue_size = vd->info.queue_size, .max_pairs = m->net->cfg.max_pairs,
        .modern_bar = VIRTIO_PCI_MODERN_BAR,
        .notify_off = VIRTIO_PCI_NOTIFY_OFF, .notify_mult = VIRTIO_PCI_NOTIFY_MULT,
    };
    if (pd->bars[VIRTIO_PCI_LEGACY_BAR].flags)
        d.legacy_region = pd->bars[VIRTIO_PCI_LEGACY_BAR].region_name;
    if (pd->bars[VIRTIO_PCI_MODERN_BAR].flags)
        d.modern_region = pd->bars[VIRTIO_PCI_MODERN_BAR].region_name;
    d.config_regs = virtio_net_config_regs(&d.n_config_regs);
    /* The capabilities a driver must not write: all but the PCI configuration access
     * one, each as long as its cap_len says. */
    const VirtioPci *vp = m->net_pci;
    const unsigned caps[] = { vp->cap_common, vp->cap_notify, vp->cap_isr, vp->cap_device };
    for (size_t i = 0; i < ARRAY_SIZE(caps); i++)
        if (caps[i]) {
            d.caps[d.ncaps].off = (uint16_t)caps[i];
            d.caps[d.ncaps++].len = pd->config[caps[i] + 2];
        }
    return check_add_device(m->check, &d, err);
}

typedef struct MapEntry {
    uint64_t base, size;
    const char *name;
    const MemOps *ops;
    size_t field;                /* offsetof the device inside Machine */
} MapEntry;

/* The platform half of DESIGN.md §2's memory map. */
static const MapEntry platform_map[] = {
    { BOOTROM_BASE, BOOTROM_SIZE, "bootrom", &bootrom_ops, offsetof(Machine, bootrom) },
    { SIFIVE_TEST_BASE, SIFIVE_TEST_SIZE, "test", &sifive_test_ops, offsetof(Machine, test) },
    { CLINT_BASE, CLINT_SIZE, "clint", &clint_ops, offsetof(Machine, clint) },
    { PLIC_BASE, PLIC_SIZE, "plic", &plic_ops, offsetof(Machine, plic) },
    { 0x10000000u, 0x100u, "uart", &uart_ops, offsetof(Machine, uart) },
};

void machine_config_default(MachineConfig *cfg)
{
    VirtioNetConfig nc;
    virtio_net_config_default(&nc);
    *cfg = (MachineConfig){
        .ram_mib = 128,
        .insns_per_tick = 10,
        .console = stdout,
        .net_spec = "peer",
        .virtio_mode = "transitional",
        .net_slot = 1,
        .net_pairs = nc.max_pairs,
        .queue_size = nc.queue_size,
        .hash_interval = 1000000,
        .check_driver = CHECK_WARN,
    };
}

/* --kernel at KERNEL_BASE above the firmware, --initrd page-aligned in the 4 MiB
 * below the DTB's 2 MiB-aligned place at the end of RAM (what QEMU does for small
 * RAM sizes, in spirit: high, out of the kernel's way). */
static int machine_load_kernel(Machine *m, DtbConfig *dc, Err *err)
{
    uint64_t end, top = (RAM_BASE + m->ram.size - (2ull << 20)) & ~((2ull << 20) - 1);
    if (!m->cfg.kernel_path)
        return m->cfg.initrd_path ? err_set(err, "--initrd needs --kernel") : 0;
    if (m->fw.hi > KERNEL_BASE)
        return err_set(err, "--kernel: the firmware reaches 0x%llx, past the kernel's 0x%llx",
                       (unsigned long long)m->fw.hi, (unsigned long long)KERNEL_BASE);
    if (raw_load(&m->ram, m->cfg.kernel_path, KERNEL_BASE, top, &end, err) != 0)
        return -1;
    dc->kernel = true;
    if (m->cfg.initrd_path) {
        int64_t size = raw_size(m->cfg.initrd_path, err);
        if (size < 0)
            return -1;
        uint64_t at = (top - (uint64_t)size) & ~0xfffull;
        if ((uint64_t)size > top - end || at < end)
            return err_set(err, "--initrd: %lld bytes do not fit between the kernel and the device tree (-m too small)",
                           (long long)size);
        if (raw_load(&m->ram, m->cfg.initrd_path, at, top, &dc->initrd_end, err) != 0)
            return -1;
        dc->initrd_start = at;
    }
    m->fw.hi = end;           /* the DTB goes above the kernel (checked below) */
    return 0;
}

static bool machine_peek(void *ctx, uint64_t va, void *buf, size_t len)
{
    return cpu_peek_va(ctx, va, buf, len);
}

/* The trace's symbol for an event of the kernel: the function pc is in and its callers
 * (debug/frames.h), read from the hart's registers and its stack without changing
 * either. Only while the registers are S mode's; anything else keeps its one name. */
static const char *machine_sym_chain(void *ctx, uint64_t pc, const char *inner)
{
    Machine *m = ctx;
    if (!cpu_in_s_context(m->cpu))
        return inner;
    uint64_t off, ret[FRAMES_MAX - 1];
    const Symbol *s = symtab_lookup(&m->fw.symtab, pc, &off);
    FrameRegs r = { .pc = pc, .sp = cpu_get_reg(m->cpu, 2), .fp = cpu_get_reg(m->cpu, 8),
                    .ra = cpu_get_reg(m->cpu, 1) };
    unsigned n = frames_walk(machine_peek, m->cpu, &r, s ? s->addr : 0, ret, FRAMES_MAX - 1);
    return frame_names_chain(&m->frame_names, &m->fw.symtab, inner, ret, n);
}

/* --symbols, or the vmlinux beside --kernel (Linux's build leaves the two in one
 * directory): its functions join the firmware's in the one table that names every
 * event's pc. An S-mode pc is a virtual address, and vmlinux's symbols are too. */
static int machine_load_symbols(Machine *m, Err *err)
{
    const char *path = m->cfg.symbols_path;
    char beside[4096];
    if (!path && m->cfg.kernel_path) {
        const char *slash = strrchr(m->cfg.kernel_path, '/');
        int dir = slash ? (int)(slash - m->cfg.kernel_path + 1) : 0;
        snprintf(beside, sizeof beside, "%.*svmlinux", dir, m->cfg.kernel_path);
        if (access(beside, F_OK) == 0)
            path = beside;
    }
    if (!path)
        return 0;
    if (symtab_load(path, &m->fw.symtab, err) != 0)
        return -1;
    m->tracer.sym_chain = machine_sym_chain;
    m->tracer.sym_chain_ctx = m;
    return 0;
}

Machine *machine_create(const MachineConfig *cfg, Err *err)
{
    Machine *m = calloc(1, sizeof *m);
    if (!m) {
        err_set(err, "out of memory");
        return NULL;
    }
    m->cfg = *cfg;
    if (!m->cfg.console || !m->cfg.insns_per_tick || !m->cfg.hash_interval || !m->cfg.ram_mib) {
        err_set(err, "machine configuration without console, clock ratio, hash interval or RAM "
                     "(start from machine_config_default)");
        free(m);
        return NULL;
    }
    if (m->cfg.bootargs && strlen(m->cfg.bootargs) > MACHINE_MAX_BOOTARGS) {
        err_set(err, "-append: the bootargs are %zu bytes long; at most %d fit in /chosen (Linux takes 1024 on RISC-V)",
                strlen(m->cfg.bootargs), MACHINE_MAX_BOOTARGS);
        free(m);
        return NULL;
    }
    if (m->cfg.ram_mib > (PCI_MEM64_BASE - RAM_BASE) >> 20) {
        /* Above that, RAM would cover the PCI 64-bit window (DESIGN.md §2). */
        err_set(err, "-m %llu: at most %llu MiB of RAM (it must end below the PCI 64-bit window)",
                (unsigned long long)m->cfg.ram_mib, (unsigned long long)((PCI_MEM64_BASE - RAM_BASE) >> 20));
        free(m);
        return NULL;
    }
    as_init(&m->mem, "mem", SPACE_MEM);
    as_init(&m->io, "io", SPACE_IO);
    m->mem.strict = m->io.strict = m->cfg.strict;
    events_init(&m->events);
    m->events.deadline_hook = machine_stop_request;
    m->events.hook_ctx = m;
    if (ram_init(&m->ram, RAM_BASE, m->cfg.ram_mib << 20, err) != 0)
        goto fail;

    CpuConfig cc = { .mem = &m->mem, .ram = &m->ram, .hartid = 0,
                     .insns_per_tick = m->cfg.insns_per_tick };
    m->cpu = cpu_create(&cc, err);
    if (!m->cpu)
        goto fail;
    if (fw_load(&m->ram, m->cfg.fw_path, &m->fw, err) != 0)
        goto fail;

    tracer_init(&m->tracer);
    m->tracer.now = machine_trace_now;
    m->tracer.now_ctx = m;
    m->tracer.syms = &m->fw.symtab;
    m->tracer.sym_cache = &m->sym_cache;
    m->tracer.changed = machine_observers_changed;
    m->tracer.changed_ctx = m;
    bus_trace_init(&m->bus_trace, &m->tracer);
    mem_watch_init(&m->watch, &m->ram);
    timer_init(&m->hash_timer, "state-hash", machine_hash_tick, m);
    if (m->cfg.trace && tracer_observe(&m->tracer, trace_observe, m->cfg.trace, NULL) != 0) {
        err_set(err, "cannot observe the trace");
        goto fail;
    }
    tracer_set_recording(&m->tracer, trace_observe, m->cfg.trace);

    plic_init(&m->plic, (IrqLine){ cpu_irq_line, m->cpu, MIP_MEIP },
              (IrqLine){ cpu_irq_line, m->cpu, MIP_SEIP });
    clint_init(&m->clint, (IrqLine){ cpu_irq_line, m->cpu, MIP_MTIP },
               (IrqLine){ cpu_irq_line, m->cpu, MIP_MSIP }, &m->events, machine_now, m,
               m->cfg.insns_per_tick);
    uart_init(&m->uart, plic_irq(&m->plic, 10), &m->events, m->cfg.console, machine_now, m);
    if (m->cfg.serial_input_len &&
        uart_queue_input(&m->uart, m->cfg.serial_input, m->cfg.serial_input_len) != 0) {
        err_set(err, "out of memory for serial input");
        goto fail;
    }
    if (m->cfg.serial_prompt && uart_set_prompt(&m->uart, m->cfg.serial_prompt) != 0) {
        err_set(err, "out of memory for serial input");
        goto fail;
    }
    m->uart.on_input = machine_console_in;
    m->uart.on_input_ctx = m;
    m->test.on_stop = machine_stop_request;
    m->test.ctx = m;

    for (size_t i = 0; i < ARRAY_SIZE(platform_map); i++) {
        const MapEntry *e = &platform_map[i];
        if (as_add(&m->mem, e->base, e->size, e->name, e->ops, (char *)m + e->field, err) != 0)
            goto fail;
    }

    IrqLine intx[PCI_NUM_INTX];
    for (unsigned i = 0; i < PCI_NUM_INTX; i++)
        intx[i] = plic_irq(&m->plic, PCI_INTX_PLIC_BASE + i);
    m->pci = pci_host_create(&m->mem, &m->io, &m->ram, intx, &m->tracer, err);
    if (!m->pci)
        goto fail;
    if (m->cfg.pci_testdev) {
        m->testdev = pci_testdev_create(err);
        if (!m->testdev || pci_host_plug(m->pci, m->testdev, 2, err) != 0)
            goto fail;
    }
    if (machine_add_net(m, err) != 0 || machine_add_checker(m, err) != 0)
        goto fail;

    /* The DTB goes at the end of RAM, 2 MiB aligned down, as QEMU virt places it. */
    DtbConfig dc = { .ram_base = RAM_BASE, .ram_size = m->ram.size,
                     .bootargs = m->cfg.bootargs, .timebase_hz = TIMEBASE_HZ,
                     .add_soc_nodes = pci_host_add_dtb, .ctx = m->pci };
    if (machine_load_kernel(m, &dc, err) != 0 || machine_load_symbols(m, err) != 0)
        goto fail;
    m->dtb = dtb_build(&dc, &m->dtb_size, err);
    if (!m->dtb)
        goto fail;
    uint64_t top = RAM_BASE + m->ram.size;
    if (m->dtb_size > (2u << 20) || top - m->fw.hi < (2u << 20) + m->dtb_size) {
        err_set(err, "no room for the device tree above the firmware (-m too small)");
        goto fail;
    }
    m->dtb_addr = (top - m->dtb_size) & ~((2ull << 20) - 1);
    if (m->dtb_addr < m->fw.hi) {
        err_set(err, "the device tree would overlap the firmware (-m too small)");
        goto fail;
    }
    ram_write(&m->ram, m->dtb_addr, m->dtb, m->dtb_size);

    bootrom_init(&m->bootrom, m->fw.entry, m->dtb_addr, m->cfg.kernel_path ? KERNEL_BASE : 0);
    cpu_reset(m->cpu, BOOTROM_BASE);
    return m;
fail:
    machine_destroy(m);
    return NULL;
}

void machine_destroy(Machine *m)
{
    if (!m)
        return;
    check_destroy(m->check);
    if (m->pci)
        pci_host_destroy(m->pci);
    if (m->testdev)
        pci_testdev_destroy(m->testdev);
    if (m->net_pci && m->net_pci->vd)
        virtio_pci_destroy(m->net_pci);
    free(m->net_pci);
    if (m->net_fault) {
        virtio_fault_destroy(m->net_fault, &m->events);
        free(m->net_fault);
    }
    if (m->net) {
        virtio_net_destroy(m->net);
        free(m->net);
    }
    if (m->backend) {
        Err e;
        net_backend_destroy(m->backend, &e);  /* errors: see machine_finish */
    }
    uart_destroy(&m->uart);
    mem_watch_destroy(&m->watch);
    if (m->cpu)
        cpu_destroy(m->cpu);
    fw_free(&m->fw);
    frame_names_free(&m->frame_names);
    free(m->dtb);
    ram_destroy(&m->ram);
    as_destroy(&m->mem);
    as_destroy(&m->io);
    free(m);
}

int machine_finish(Machine *m, Err *err)
{
    int rc = 0;
    if (m->backend) {
        if (net_backend_error(m->backend)) {
            err_set(err, "network: %s", net_backend_error(m->backend));
            rc = -1;
        }
        Err e;
        if (net_backend_destroy(m->backend, &e) != 0 && rc == 0) {
            err_set(err, "network: %s", e.msg);
            rc = -1;
        }
        m->backend = NULL;
    }
    return rc;
}

void machine_abort(Machine *m)
{
    m->abort_requested = true;
    cpu_request_exit(m->cpu);
}

void machine_interrupt(Machine *m)
{
    m->interrupted = true;
    cpu_request_exit(m->cpu);
}

/* Why the run has ended, if it has. */
static StopReason machine_check_stop(Machine *m)
{
    if (m->interrupted)
        return STOP_INTERRUPTED;
    if (m->abort_requested || (m->cfg.trace && trace_error(m->cfg.trace)))
        return STOP_ABORTED;
    if (m->violation)
        return STOP_VIOLATION;
    if (m->test.state == TEST_POWEROFF) {
        m->exit_code = m->test.exit_code;
        return STOP_POWEROFF;
    }
    if (m->test.state == TEST_RESET)
        return STOP_RESET;
    if (m->cfg.max_insns && cpu_instret(m->cpu) >= m->cfg.max_insns)
        return STOP_MAX_INSNS;
    return STOP_NONE;
}

static const char *const stop_names[] = {
    [STOP_NONE] = "running", [STOP_PAUSED] = "paused", [STOP_POWEROFF] = "poweroff", [STOP_RESET] = "reset",
    [STOP_MAX_INSNS] = "max-insns", [STOP_IDLE] = "idle", [STOP_ABORTED] = "aborted",
    [STOP_INTERRUPTED] = "interrupted", [STOP_VIOLATION] = "driver-violation",
};

const char *machine_stop_name(StopReason why)
{
    return why < ARRAY_SIZE(stop_names) ? stop_names[why] : "?";
}

void machine_pause(Machine *m)
{
    m->pause_requested = true;
    cpu_request_exit(m->cpu);
}

void machine_start(Machine *m)
{
    if (m->started)
        return;
    m->started = true;
    Err err;
    if (m->check && check_start(m->check, &err) != 0) {
        check_destroy(m->check);       /* no room: the run goes on unchecked */
        m->check = NULL;
    }
    if (m->check) {
        m->check_started = true;
        machine_observers_changed(m);  /* now the bus hook may keep to the device */
    }
    TRACE(&m->tracer, run_start, m->fw.entry);
}

/* The run has ended: run_end (unless a replay divergence or trace error aborted it, when
 * the trace must not claim an end the recording may not have). */
static StopReason machine_end(Machine *m, StopReason why)
{
    if (why != STOP_ABORTED)
        TRACE(&m->tracer, run_end, (uint32_t)m->exit_code, machine_stop_name(why));
    return m->stop = why;
}

int machine_write_reg(Machine *m, unsigned reg, uint64_t value, Err *err)
{
    if (reg >= MACHINE_REG_CSR && reg < MACHINE_REG_CSR + 0x1000) {
        unsigned csr = reg - MACHINE_REG_CSR;
        if (!cpu_csr_name(csr))
            return err_set(err, "CSR 0x%x: this hart has no such CSR", csr);
        if ((csr >> 10) == 3)
            return err_set(err, "CSR %s is read-only", cpu_csr_name(csr));
        cpu_csr_write(m->cpu, csr, value);
    } else if (reg > 32) {
        return err_set(err, "register %u: x0..x31 are 0..31, the pc 32, CSR n 0x1000 + n", reg);
    } else if (reg == 32) {
        cpu_set_pc(m->cpu, value);
    } else {
        cpu_set_reg(m->cpu, reg, value);
    }
    TRACE(&m->tracer, debug_reg_write, "debugger", (uint16_t)reg, value);
    return 0;
}

int machine_write_mem(Machine *m, uint64_t addr, const void *data, size_t len, Err *err)
{
    if (ram_write(&m->ram, addr, data, len) < 0)
        return err_set(err, "0x%llx+%zu is not RAM: a debugger writes RAM only", (unsigned long long)addr, len);
    TRACE(&m->tracer, debug_mem_write, "debugger", addr, data, len);
    return 0;
}

void machine_replay_writes(Machine *m, const MachineWrite *w, size_t n)
{
    m->writes = w;
    m->nwrites = n;
    m->wnext = 0;
}

/* The recorded writes due now, made as the debugger made them. */
static void replay_writes_due(Machine *m, uint64_t now)
{
    while (m->wnext < m->nwrites && m->writes[m->wnext].vtime <= now) {
        const MachineWrite *w = &m->writes[m->wnext++];
        Err err;
        uint8_t key = (uint8_t)w->value;
        int rc = 0;
        if (w->console)
            machine_console_type(m, &key, 1);
        else
            rc = w->mem ? machine_write_mem(m, w->addr, w->data, w->len, &err)
                        : machine_write_reg(m, w->reg, w->value, &err);
        (void)rc;                    /* the recording made it; a replay compares the event */
    }
}

static uint64_t next_write(const Machine *m)
{
    return m->wnext < m->nwrites ? m->writes[m->wnext].vtime : MACHINE_NO_LIMIT;
}

static bool take_pause(Machine *m)
{
    if (!m->pause_requested)
        return false;
    m->pause_requested = false;
    return true;
}

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* The loop alternates between due timers and CPU blocks that end exactly at the next
 * timer or limit. Every pause lands at one kind of point: between two instructions at
 * time T, after the timers due at T have run, which is where the undisturbed loop
 * stands before it runs the instruction at T; a resumed call goes on from there as it
 * would have. (So a debugger's write at a pause, recorded with its time, is replayed
 * by running to that time and writing.) */
StopReason machine_run_until(Machine *m, uint64_t vlimit, uint64_t ilimit)
{
    if (m->stop != STOP_NONE)
        return m->stop;
    machine_start(m);
    m->at_break = false;
    for (;;) {
        uint64_t now = cpu_vclock(m->cpu);
        events_run_due(&m->events, now);
        StopReason why = machine_check_stop(m);
        if (why != STOP_NONE)
            return machine_end(m, why);
        replay_writes_due(m, now);
        if (take_pause(m) || now >= vlimit || cpu_instret(m->cpu) >= ilimit)
            return STOP_PAUSED;
        uint64_t wlimit = min_u64(vlimit, next_write(m));
        uint64_t next = events_next(&m->events);
        if (m->sleeping) {
            /* wfi: the clock jumps to the next timer (or to the pause limit first). */
            if (next == EVENT_NEVER)
                return machine_end(m, STOP_IDLE);
            uint64_t to = min_u64(next, wlimit);
            cpu_skip(m->cpu, to - now);
            if (to == next) {
                m->sleeping = false;
                TRACE(&m->tracer, wfi_wake, next - m->sleep_start);
            }
            continue;
        }
        uint64_t budget = next - now;          /* next > now: due timers just ran */
        budget = min_u64(budget, wlimit - now);
        if (ilimit != MACHINE_NO_LIMIT)
            budget = min_u64(budget, ilimit - cpu_instret(m->cpu));
        if (m->cfg.max_insns)
            budget = min_u64(budget, m->cfg.max_insns - cpu_instret(m->cpu));
        budget = min_u64(budget, 1ull << 40);  /* bounded blocks: the loop stays responsive */
        m->events.deadline = now + budget;
        CpuExit ex = cpu_run(m->cpu, budget);
        m->events.deadline = 0;
        if (ex == CPU_EXIT_BREAK) {
            m->at_break = true;                /* before the instruction at the breakpoint */
            m->pause_requested = true;
        }
        if (ex == CPU_EXIT_WFI) {
            next = events_next(&m->events);
            if (next == EVENT_NEVER)
                return machine_end(m, STOP_IDLE);
            now = cpu_vclock(m->cpu);
            if (next > now) {
                TRACE(&m->tracer, wfi_sleep, next);
                m->sleeping = true;
                m->sleep_start = now;
            }
        }
    }
}

StopReason machine_run(Machine *m)
{
    StopReason why;
    while ((why = machine_run_until(m, MACHINE_NO_LIMIT, MACHINE_NO_LIMIT)) == STOP_PAUSED)
        ;
    return why;
}
