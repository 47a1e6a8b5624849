/* Unit tests of the gdb stub (sim/debug/gdbstub.c, gdb_cmds.c, rsp.c, gdb_tdesc.c) via its
 * packet layer (gdbstub_new_detached, gdbstub_feed, gdbstub_take_output) on the
 * bundled firmware's machine: framing, checksums, acks and no-ack mode; registers
 * (g, p of the pc and of CSRs, P, G) and memory (m in RAM, ROM and outside, M and X,
 * whose writes are recorded as input events); breakpoints, stepping, a watchpoint on
 * rx0's avail.idx that stops at the first try_fill_recv publish; Ctrl-C; monitor
 * commands (qRcmd); garbage that must neither crash the stub nor leave it deaf; and a
 * run stopped and stepped under the stub that traces exactly as an undisturbed one. */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

#include "sim/debug/gdb_tdesc.h"
#include "sim/debug/gdbstub.h"
#include "sim/machine.h"
#include "sim/virtio/virtio_net.h"

#define OUT_MAX (1u << 20)

static FILE *devnull;
static Machine *M;
static Debugger *D;
static GdbStub *G;
static char out[OUT_MAX + 1];
static size_t out_len;
static char payload[OUT_MAX + 1];

/* The input events the debugger recorded (debug_reg_write, debug_mem_write). */
static unsigned n_reg_writes, n_mem_writes;
static uint16_t last_reg;
static uint64_t last_value, last_addr;

static void on_input(void *ctx, const TraceEvent *ev)
{
    (void)ctx;
    if (ev->type == TRACE_EV_debug_reg_write) {
        n_reg_writes++;
        last_reg = ev->u.debug_reg_write.reg;
        last_value = ev->u.debug_reg_write.value;
    } else if (ev->type == TRACE_EV_debug_mem_write) {
        n_mem_writes++;
        last_addr = ev->u.debug_mem_write.addr;
    }
}

/* The bundled firmware's machine (bootargs NULL: the default scenario), traced to tw
 * (or not: NULL), as test_machine.c's make_fw builds it. */
static Machine *make_fw(TraceWriter *tw, const char *bootargs)
{
    const char *fw = getenv("RINGSIDE_FW");
    MachineConfig mc;
    machine_config_default(&mc);
    mc.fw_path = fw && *fw ? fw : "guestfw/ringside-fw.elf";
    mc.console = devnull;
    mc.trace = tw;
    mc.bootargs = bootargs;
    Err err;
    Machine *m = machine_create(&mc, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    return m;
}

static void start(TraceWriter *tw, const char *bootargs)
{
    Err err;
    M = make_fw(tw, bootargs);
    D = debugger_create(M, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(D);
    G = gdbstub_new_detached(D);
    CU_ASSERT_PTR_NOT_NULL_FATAL(G);
    TraceTypeSet in = { { 0 } };
    trace_types_add_family(&in, "input");
    CU_ASSERT_EQUAL_FATAL(tracer_observe(&M->tracer, on_input, NULL, &in), 0);
    n_reg_writes = n_mem_writes = 0;
}

static void stop(void)
{
    Err err;
    gdbstub_close(G);
    debugger_destroy(D);
    machine_finish(M, &err);
    machine_destroy(M);
    G = NULL, D = NULL, M = NULL;
}

static const char *take(void)
{
    out_len = gdbstub_take_output(G, (uint8_t *)out, OUT_MAX);
    out[out_len] = 0;
    return out;
}

static void feed(const char *s, size_t n) { gdbstub_feed(G, (const uint8_t *)s, n); }
static void feed_str(const char *s) { feed(s, strlen(s)); }

static void send_pkt(const char *data, size_t n)
{
    char buf[0x8000];
    CU_ASSERT_FATAL(n + 4 < sizeof buf);
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (uint8_t)data[i];
    buf[0] = '$';
    memcpy(buf + 1, data, n);
    snprintf(buf + 1 + n, 4, "#%02x", sum & 0xff);
    feed(buf, n + 4);
}

/* The payloads of the packets in what the stub sent, acks skipped, each checksum
 * checked; the last one in payload, all O packets' text decoded into text. */
static unsigned packets(char *text, size_t cap)
{
    unsigned n = 0;
    size_t t = 0;
    payload[0] = 0;
    for (const char *p = out; (p = strchr(p, '$')) != NULL;) {
        const char *h = strchr(p, '#');
        CU_ASSERT_PTR_NOT_NULL_FATAL(h);
        unsigned sum = 0, want = 0;
        for (const char *q = p + 1; q < h; q++)
            sum += (uint8_t)*q;
        CU_ASSERT_EQUAL(sscanf(h + 1, "%2x", &want), 1);
        CU_ASSERT_EQUAL(sum & 0xff, want);
        size_t len = (size_t)(h - p - 1);
        memcpy(payload, p + 1, len);
        payload[len] = 0;
        if (text && payload[0] == 'O' && len > 1) {
            for (size_t i = 1; i + 1 < len && t + 1 < cap; i += 2) {
                unsigned c;
                sscanf(payload + i, "%2x", &c);
                text[t++] = (char)c;
            }
            text[t] = 0;
        }
        n++;
        p = h + 3;
    }
    return n;
}

/* Sends data as a packet; the stub's (last) reply. */
static const char *ask(const char *data)
{
    send_pkt(data, strlen(data));
    take();
    packets(NULL, 0);
    return payload;
}

static const char *askf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *askf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return ask(buf);
}

static uint64_t sym(const char *name)
{
    const Symbol *s = symtab_find(&M->fw.symtab, name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    return s->addr;
}

static const char *sym_at(uint64_t pc)
{
    uint64_t off;
    const Symbol *s = symtab_lookup(&M->fw.symtab, pc, &off);
    return s ? s->name : "?";
}

/* A register's value from p/g hex (8 bytes, little-endian). */
static uint64_t reg_hex(const char *h)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        unsigned b;
        CU_ASSERT_EQUAL_FATAL(sscanf(h + 2 * i, "%2x", &b), 1);
        v = v << 8 | b;
    }
    return v;
}

/* ---- the packet layer ---- */

static void test_framing_and_acks(void)
{
    start(NULL, NULL);
    feed_str("$?#00");                         /* bad checksum: nak, nothing done */
    CU_ASSERT_STRING_EQUAL(take(), "-");
    feed_str("$?#3f");                         /* the retransmission */
    CU_ASSERT_STRING_EQUAL(take(), "+$T05thread:1;#d7");
    feed_str("-");                             /* gdb did not get it: sent again */
    CU_ASSERT_STRING_EQUAL(take(), "$T05thread:1;#d7");
    feed_str("+++");                           /* acks and noise between packets */
    CU_ASSERT_STRING_EQUAL(take(), "");
    feed_str("$?#zz");                         /* a checksum that is no hex */
    CU_ASSERT_STRING_EQUAL(take(), "-");
    feed_str("$qC#b4");
    CU_ASSERT_STRING_EQUAL(take(), "+$QC1#c5");
    /* Byte by byte, as a slow line delivers it. */
    const char *slow = "$qC#b4";
    for (const char *p = slow; *p; p++)
        feed(p, 1);
    CU_ASSERT_STRING_EQUAL(take(), "+$QC1#c5");
    /* A torn packet and a new start: the new one counts. */
    feed_str("$qfThr$qC#b4");
    CU_ASSERT_STRING_EQUAL(take(), "+$QC1#c5");
    /* No-ack mode: the OK is still acked, nothing after it. */
    CU_ASSERT_STRING_EQUAL(ask("QStartNoAckMode"), "OK");
    CU_ASSERT_EQUAL(out[0], '+');
    feed_str("$qC#b4");
    CU_ASSERT_STRING_EQUAL(take(), "$QC1#c5");
    feed_str("$qC#00");                        /* damaged: dropped, no nak */
    CU_ASSERT_STRING_EQUAL(take(), "");
    feed_str("-");                             /* no retransmission either */
    CU_ASSERT_STRING_EQUAL(take(), "");
    stop();
}

static void test_queries(void)
{
    start(NULL, NULL);
    const char *r = ask("qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;xmlRegisters=i386");
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "PacketSize=4000"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "qXfer:features:read+"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "QStartNoAckMode+"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "vContSupported+"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "swbreak+"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "hwbreak+"));
    CU_ASSERT_STRING_EQUAL(ask("qfThreadInfo"), "m1");
    CU_ASSERT_STRING_EQUAL(ask("qsThreadInfo"), "l");
    CU_ASSERT_STRING_EQUAL(ask("qAttached"), "1");
    CU_ASSERT_STRING_EQUAL(ask("Hg0"), "OK");
    CU_ASSERT_STRING_EQUAL(ask("Hc-1"), "OK");
    CU_ASSERT_STRING_EQUAL(ask("Hgp1.1"), "OK");
    CU_ASSERT_STRING_EQUAL(ask("Hg7"), "E01");
    CU_ASSERT_STRING_EQUAL(ask("T1"), "OK");
    CU_ASSERT_STRING_EQUAL(ask("qOffsets"), "Text=0;Data=0;Bss=0");
    CU_ASSERT_STRING_EQUAL(ask("qSymbol::"), "OK");
    CU_ASSERT_STRING_EQUAL(ask("vCont?"), "vCont;c;C;s;S");
    CU_ASSERT_STRING_EQUAL(ask("vMustReplyEmpty"), "");
    CU_ASSERT_STRING_EQUAL(out, "+$#00");
    CU_ASSERT_STRING_EQUAL(ask("qTStatus"), "");
    CU_ASSERT_STRING_EQUAL(ask("qXfer:features:read:other.xml:0,100"), "E00");
    CU_ASSERT_STRING_EQUAL(ask("qXfer:features:read:target.xml:zz,100"), "E01");

    /* The target description, read in pieces as gdb does: every register of the hart. */
    static char xml[65536];
    size_t len = 0;
    for (;;) {
        r = askf("qXfer:features:read:target.xml:%zx,%x", len, 0x3fb);
        CU_ASSERT_FATAL(r[0] == 'm' || r[0] == 'l');
        size_t n = strlen(r + 1);
        CU_ASSERT_FATAL(len + n < sizeof xml);
        memcpy(xml + len, r + 1, n);
        len += n;
        if (r[0] == 'l')
            break;
    }
    xml[len] = 0;
    size_t want;
    char *direct = gdb_tdesc_xml(&want);
    CU_ASSERT_EQUAL(len, want);
    CU_ASSERT_STRING_EQUAL(xml, direct);
    free(direct);
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<architecture>riscv:rv64</architecture>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<feature name=\"org.gnu.gdb.riscv.cpu\">"));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<feature name=\"org.gnu.gdb.riscv.csr\">"));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\""));
    char line[128];
    for (unsigned r0 = 0; r0 < 32; r0++) {
        snprintf(line, sizeof line, "<reg name=\"%s\" bitsize=\"64\"", cpu_reg_name(r0));
        CU_ASSERT_PTR_NOT_NULL(strstr(xml, line));
    }
    unsigned ncsr = 0;
    for (unsigned csr = 0; csr < 4096; csr++) {
        if (!cpu_csr_name(csr))
            continue;
        ncsr++;
        snprintf(line, sizeof line, "<reg name=\"%s\" bitsize=\"64\" type=\"int\" regnum=\"%u\"/>", cpu_csr_name(csr),
                 65 + csr);
        CU_ASSERT_PTR_NOT_NULL(strstr(xml, line));
    }
    CU_ASSERT(ncsr > 100);
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "name=\"mstatus\" bitsize=\"64\" type=\"int\" regnum=\"833\""));
    /* Past the end: an empty last piece. */
    CU_ASSERT_STRING_EQUAL(askf("qXfer:features:read:target.xml:%zx,100", len), "l");
    CU_ASSERT_STRING_EQUAL(askf("qXfer:features:read:target.xml:%zx,100", len + 1), "E01");
    stop();
}

/* ---- registers and memory ---- */

static void test_registers(void)
{
    start(NULL, NULL);
    const char *r = ask("g");
    CU_ASSERT_EQUAL(strlen(r), 33 * 16);
    CU_ASSERT_EQUAL(reg_hex(r), 0);                               /* x0 */
    CU_ASSERT_EQUAL(reg_hex(r + 32 * 16), 0x1000);                /* pc: the boot ROM */
    CU_ASSERT_EQUAL(reg_hex(ask("p20")), 0x1000);
    /* CSRs at 65 + number: misa, mstatus; priv beyond them. */
    uint64_t misa;
    CU_ASSERT_EQUAL(cpu_csr_read(M->cpu, 0x301, &misa), 0);
    CU_ASSERT_EQUAL(reg_hex(askf("p%x", 65 + 0x301)), misa);
    CU_ASSERT(misa >> 62 == 2);                                   /* MXL: RV64 */
    CU_ASSERT_EQUAL(reg_hex(askf("p%x", 65 + 4096)), 3);          /* M mode */
    CU_ASSERT_STRING_EQUAL(ask("p21"), "E01");                     /* f0: the hart has no F */
    CU_ASSERT_STRING_EQUAL(askf("p%x", 65 + 0x7b0), "E01");        /* dcsr: no such CSR */
    CU_ASSERT_STRING_EQUAL(ask("p"), "E01");
    CU_ASSERT_STRING_EQUAL(ask("pzz"), "E01");
    CU_ASSERT_EQUAL(n_reg_writes, 0);

    /* P: recorded writes of an x register, the pc and a CSR. */
    CU_ASSERT_STRING_EQUAL(ask("Pa=efbeadde00000000"), "OK");
    CU_ASSERT_EQUAL(cpu_get_reg(M->cpu, 10), 0xdeadbeef);
    CU_ASSERT_EQUAL(n_reg_writes, 1);
    CU_ASSERT_EQUAL(last_reg, 10);
    CU_ASSERT_EQUAL(last_value, 0xdeadbeef);
    CU_ASSERT_STRING_EQUAL(ask("Pa=efbeadde00000000"), "OK");      /* the same value: no input */
    CU_ASSERT_EQUAL(n_reg_writes, 1);
    CU_ASSERT_STRING_EQUAL(askf("P%x=2a00000000000000", 65 + 0x340), "OK");   /* mscratch */
    uint64_t v;
    cpu_csr_read(M->cpu, 0x340, &v);
    CU_ASSERT_EQUAL(v, 42);
    CU_ASSERT_EQUAL(n_reg_writes, 2);
    CU_ASSERT_EQUAL(last_reg, DBG_REG_CSR + 0x340);
    CU_ASSERT_EQUAL(reg_hex(askf("p%x", 65 + 0x340)), 42);
    CU_ASSERT_STRING_EQUAL(askf("P%x=0500000000000000", 65 + 0xf11), "E03");   /* mvendorid: read-only */
    CU_ASSERT_STRING_EQUAL(askf("P%x=0000000000000000", 65 + 4096), "E03");    /* priv */
    CU_ASSERT_STRING_EQUAL(ask("P0=0100000000000000"), "OK");      /* x0 stays zero */
    CU_ASSERT_EQUAL(cpu_get_reg(M->cpu, 0), 0);
    CU_ASSERT_STRING_EQUAL(ask("Pa=zz"), "E01");
    CU_ASSERT_STRING_EQUAL(ask("Pa"), "E01");
    CU_ASSERT_STRING_EQUAL(ask("Pa=123"), "E01");
    CU_ASSERT_EQUAL(n_reg_writes, 2);

    /* G: what g gave, with only sp changed, writes (and records) only sp. */
    char regs[33 * 16 + 2];
    snprintf(regs, sizeof regs, "G%s", ask("g"));
    memcpy(regs + 1 + 2 * 16, "0010008000000000", 16);
    CU_ASSERT_STRING_EQUAL(ask(regs), "OK");
    CU_ASSERT_EQUAL(cpu_get_reg(M->cpu, 2), 0x80001000);
    CU_ASSERT_EQUAL(n_reg_writes, 3);
    CU_ASSERT_EQUAL(last_reg, 2);
    CU_ASSERT_STRING_EQUAL(ask("G12"), "E01");
    CU_ASSERT_STRING_EQUAL(ask("Gzzzzzzzzzzzzzzzz"), "E01");
    CU_ASSERT_EQUAL(n_reg_writes, 3);
    stop();
}

static void test_memory(void)
{
    start(NULL, NULL);
    uint64_t ram = M->ram.base, end = M->ram.base + M->ram.size;
    uint8_t b[8];
    CU_ASSERT_EQUAL(ram_read(&M->ram, ram, b, 8), 0);
    const char *r = askf("m%" PRIx64 ",8", ram);
    char want[17];
    for (int i = 0; i < 8; i++)
        snprintf(want + 2 * i, 3, "%02x", b[i]);
    CU_ASSERT_STRING_EQUAL(r, want);
    CU_ASSERT_STRING_EQUAL(ask("m1000,4"), "97020000");           /* boot ROM: auipc t0, 0 */
    CU_ASSERT_STRING_EQUAL(ask("m10000000,4"), "E14");            /* the UART: no reads of devices */
    CU_ASSERT_STRING_EQUAL(ask("m0,4"), "E14");                   /* nothing there */
    CU_ASSERT_STRING_EQUAL(ask("mffffffffffffffff,10"), "E14");
    CU_ASSERT_EQUAL(strlen(askf("m%" PRIx64 ",4", end - 2)), 4);  /* what there is: 2 bytes */
    CU_ASSERT_EQUAL(strlen(askf("m%" PRIx64 ",100000", ram)), 2 * (0x4000 / 2 - 8));  /* at most a reply */
    CU_ASSERT_STRING_EQUAL(ask("m80000000"), "E01");
    CU_ASSERT_STRING_EQUAL(ask("mzz,4"), "E01");
    CU_ASSERT_STRING_EQUAL(ask("m80000000,0"), "E01");
    CU_ASSERT_STRING_EQUAL(ask("m11111111111111111,4"), "E01");   /* 17 digits */

    /* M: a recorded write; the same bytes again are no input. */
    uint64_t at = ram + 0x100000;
    CU_ASSERT_STRING_EQUAL(askf("M%" PRIx64 ",4:11223344", at), "OK");
    CU_ASSERT_EQUAL(ram_read(&M->ram, at, b, 4), 0);
    CU_ASSERT_EQUAL(ld32_le(b), 0x44332211);
    CU_ASSERT_EQUAL(n_mem_writes, 1);
    CU_ASSERT_EQUAL(last_addr, at);
    CU_ASSERT_STRING_EQUAL(askf("M%" PRIx64 ",4:11223344", at), "OK");
    CU_ASSERT_EQUAL(n_mem_writes, 1);
    CU_ASSERT_STRING_EQUAL(ask("M10000000,1:41"), "E14");
    CU_ASSERT_STRING_EQUAL(ask("M1000,2:0000"), "E14");           /* ROM is read-only */
    CU_ASSERT_STRING_EQUAL(askf("M%" PRIx64 ",4:112233", at), "E01");
    CU_ASSERT_STRING_EQUAL(askf("M%" PRIx64 ",2:zzzz", at), "E01");
    CU_ASSERT_STRING_EQUAL(askf("M%" PRIx64 ",2", at), "E01");
    CU_ASSERT_EQUAL(n_mem_writes, 1);

    /* X: binary, with the bytes that must be escaped, and a run length. */
    char pkt[64];
    int n = snprintf(pkt, sizeof pkt, "X%" PRIx64 ",6:", at);
    memcpy(pkt + n, "}]}\x03}\x04}\x0a" "\0A", 10);            /* } # $ * NUL A */
    send_pkt(pkt, (size_t)n + 10);
    take();
    packets(NULL, 0);
    CU_ASSERT_STRING_EQUAL(payload, "OK");
    CU_ASSERT_EQUAL(ram_read(&M->ram, at, b, 6), 0);
    CU_ASSERT(memcmp(b, "}#$*\0A", 6) == 0);
    CU_ASSERT_EQUAL(n_mem_writes, 2);
    CU_ASSERT_STRING_EQUAL(askf("X%" PRIx64 ",9:A*%%", at), "OK");   /* A, then 37 - 29 = 8 more */
    CU_ASSERT_EQUAL(ram_read(&M->ram, at, b, 8), 0);
    CU_ASSERT(memcmp(b, "AAAAAAAA", 8) == 0);
    CU_ASSERT_STRING_EQUAL(askf("X%" PRIx64 ",0:", at), "OK");     /* gdb's probe */
    CU_ASSERT_STRING_EQUAL(askf("X%" PRIx64 ",4:AB", at), "E01");  /* fewer bytes than said */
    CU_ASSERT_STRING_EQUAL(ask("X10000000,1:A"), "E14");
    CU_ASSERT_EQUAL(n_mem_writes, 3);
    stop();
}

/* ---- running ---- */

static void test_break_step_continue(void)
{
    start(NULL, NULL);
    /* In the firmware's order (Linux's): DRIVER_OK, then the receive fill. */
    uint64_t ready = sym("virtio_device_ready"), fill = sym("vnet_try_fill_recv");
    CU_ASSERT_STRING_EQUAL(askf("Z0,%" PRIx64 ",2", ready), "OK");
    CU_ASSERT_STRING_EQUAL(askf("Z0,%" PRIx64 ",2", ready), "OK");  /* twice is once */
    unsigned n;
    dbg_points(D, &n);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_STRING_EQUAL(ask("c"), "T05swbreak:;thread:1;");
    CU_ASSERT_EQUAL(cpu_get_pc(M->cpu), ready);
    CU_ASSERT_EQUAL(reg_hex(ask("p20")), ready);
    /* s steps one instruction, off the breakpoint. */
    uint64_t i0 = cpu_instret(M->cpu);
    CU_ASSERT_STRING_EQUAL(ask("s"), "T05thread:1;");
    CU_ASSERT_EQUAL(cpu_instret(M->cpu), i0 + 1);
    CU_ASSERT_STRING_EQUAL(ask("vCont;s:1;c"), "T05thread:1;");
    CU_ASSERT_EQUAL(cpu_instret(M->cpu), i0 + 2);
    CU_ASSERT_STRING_EQUAL(ask("vCont;s:p1.1"), "T05thread:1;");
    CU_ASSERT_EQUAL(cpu_instret(M->cpu), i0 + 3);
    CU_ASSERT_STRING_EQUAL(ask("vCont;s:2"), "E01");              /* no such thread */
    CU_ASSERT_STRING_EQUAL(ask("vCont;x"), "E01");
    CU_ASSERT_STRING_EQUAL(ask("vCont"), "E01");
    CU_ASSERT_STRING_EQUAL(ask("S05"), "T05thread:1;");            /* the signal is not delivered */
    CU_ASSERT_EQUAL(cpu_instret(M->cpu), i0 + 4);
    CU_ASSERT_EQUAL(n_reg_writes, 0);
    CU_ASSERT_STRING_EQUAL(askf("z0,%" PRIx64 ",2", ready), "OK");
    CU_ASSERT_STRING_EQUAL(askf("z0,%" PRIx64 ",2", ready), "OK");  /* gone already: fine */
    dbg_points(D, &n);
    CU_ASSERT_EQUAL(n, 0);
    /* A hardware breakpoint is reported as one. */
    CU_ASSERT_STRING_EQUAL(askf("Z1,%" PRIx64 ",2", fill), "OK");
    CU_ASSERT_STRING_EQUAL(ask("vCont;c"), "T05hwbreak:;thread:1;");
    CU_ASSERT_EQUAL(cpu_get_pc(M->cpu), fill);
    CU_ASSERT_STRING_EQUAL(askf("z1,%" PRIx64 ",2", fill), "OK");
    CU_ASSERT_STRING_EQUAL(ask("Z0,80000001,2"), "E03");          /* odd: no instruction there */
    CU_ASSERT_STRING_EQUAL(ask("Z7,80000000,2"), "");             /* no such kind of point */
    CU_ASSERT_STRING_EQUAL(ask("Z0,80000000"), "E01");
    CU_ASSERT_STRING_EQUAL(ask("Z2,80000000,0"), "E01");
    /* c ADDR: a recorded write of the pc, then the run (here back to where the pc
     * was before a P moved it: two recorded writes and the machine as it was). */
    uint64_t notify = sym("m_notify");
    CU_ASSERT_STRING_EQUAL(askf("Z0,%" PRIx64 ",2", notify), "OK");
    CU_ASSERT_STRING_EQUAL(ask("P20=0010000000000000"), "OK");
    CU_ASSERT_EQUAL(cpu_get_pc(M->cpu), 0x1000);
    CU_ASSERT_STRING_EQUAL(askf("c%" PRIx64 "zz", fill), "E01");
    CU_ASSERT_STRING_EQUAL(askf("c%" PRIx64, fill), "T05swbreak:;thread:1;");
    CU_ASSERT_EQUAL(cpu_get_pc(M->cpu), notify);
    CU_ASSERT_EQUAL(n_reg_writes, 2);
    CU_ASSERT_EQUAL(last_reg, 32);
    CU_ASSERT_EQUAL(last_value, fill);
    CU_ASSERT_STRING_EQUAL(askf("z0,%" PRIx64 ",2", notify), "OK");
    /* To the end: the guest's exit code, and so on every later question. */
    CU_ASSERT_STRING_EQUAL(ask("c"), "W00");
    CU_ASSERT_STRING_EQUAL(ask("?"), "W00");
    CU_ASSERT_STRING_EQUAL(ask("s"), "W00");
    stop();
}

/* The first publish of rx0's avail.idx by try_fill_recv: found by a breakpoint at
 * vnet_try_fill_recv (the queue is set up by then) and a write watchpoint on
 * avail.idx, which the device's queue knows the address of. */
static void test_watch_avail_idx(void)
{
    start(NULL, NULL);
    uint64_t fill = sym("vnet_try_fill_recv");
    CU_ASSERT_STRING_EQUAL(askf("Z0,%" PRIx64 ",2", fill), "OK");
    CU_ASSERT_STRING_EQUAL(ask("c"), "T05swbreak:;thread:1;");
    CU_ASSERT_STRING_EQUAL(askf("z0,%" PRIx64 ",2", fill), "OK");
    uint64_t idx = M->net->vdev.vq[0].driver + 2;
    uint8_t b[2];
    CU_ASSERT_EQUAL(ram_read(&M->ram, idx, b, 2), 0);
    CU_ASSERT_EQUAL(ld16_le(b), 0);
    CU_ASSERT_STRING_EQUAL(askf("Z2,%" PRIx64 ",2", idx), "OK");
    char want[64];
    snprintf(want, sizeof want, "T05watch:%" PRIx64 ";thread:1;", idx);
    CU_ASSERT_STRING_EQUAL(ask("c"), want);
    CU_ASSERT_EQUAL(ram_read(&M->ram, idx, b, 2), 0);
    CU_ASSERT_EQUAL(ld16_le(b), 1);                                /* the first buffer published */
    CU_ASSERT_STRING_EQUAL(sym_at(cpu_get_pc(M->cpu)), "virtqueue_add_sgs");
    CU_ASSERT_EQUAL(dbg_last_stop(D)->kind, DBG_STOP_WATCH);
    /* A range that begins above the access's first byte (the next publish stores
     * both bytes of idx): reported at the range's start, which gdb looks up. */
    CU_ASSERT_STRING_EQUAL(askf("z2,%" PRIx64 ",2", idx), "OK");
    CU_ASSERT_STRING_EQUAL(askf("Z4,%" PRIx64 ",1", idx + 1), "OK");
    snprintf(want, sizeof want, "T05awatch:%" PRIx64 ";thread:1;", idx + 1);
    CU_ASSERT_STRING_EQUAL(ask("c"), want);
    CU_ASSERT_EQUAL(ram_read(&M->ram, idx, b, 2), 0);
    CU_ASSERT_EQUAL(ld16_le(b), 2);
    CU_ASSERT_STRING_EQUAL(askf("z4,%" PRIx64 ",1", idx + 1), "OK");
    unsigned n;
    dbg_points(D, &n);
    CU_ASSERT_EQUAL(n, 0);
    stop();
}

/* gdb's Ctrl-C while the machine runs: a long scenario, stopped at the first poll. */
static void test_ctrl_c(void)
{
    start(NULL, "scenario=bench-crc rounds=1");
    feed_str("$c#63\x03");
    take();
    packets(NULL, 0);
    CU_ASSERT_STRING_EQUAL(payload, "T02thread:1;");
    CU_ASSERT_EQUAL(dbg_last_stop(D)->kind, DBG_STOP_INTERRUPT);
    CU_ASSERT(cpu_instret(M->cpu) < 20000000);                     /* the run is ~58 million */
    CU_ASSERT_STRING_EQUAL(ask("?"), "T02thread:1;");
    feed_str("\x03");                                              /* stopped already: nothing */
    CU_ASSERT_STRING_EQUAL(take(), "");
    stop();
}

static void test_monitor(void)
{
    start(NULL, NULL);
    CU_ASSERT_STRING_EQUAL(askf("Z0,%" PRIx64 ",2", sym("virtio_device_ready")), "OK");
    CU_ASSERT_STRING_EQUAL(ask("c"), "T05swbreak:;thread:1;");
    static char text[1 << 16];
    char hex[512];
    const char *cmd = "info vq 0";
    int n = snprintf(hex, sizeof hex, "qRcmd,");
    for (const char *c = cmd; *c; c++)
        n += snprintf(hex + n, sizeof hex - (size_t)n, "%02x", (unsigned char)*c);
    send_pkt(hex, (size_t)n);
    take();
    text[0] = 0;
    CU_ASSERT(packets(text, sizeof text) >= 2);
    CU_ASSERT_STRING_EQUAL(payload, "OK");
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "queue 0 (rx0)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "avail.idx 0"));   /* filled later, at virtnet_open */
    /* break-on over gdb: the next continue stops at the first transmit, as SIGTRAP. */
    CU_ASSERT_STRING_EQUAL(askf("z0,%" PRIx64 ",2", sym("virtio_device_ready")), "OK");
    cmd = "break-on notify queue=tx0";
    n = snprintf(hex, sizeof hex, "qRcmd,");
    for (const char *c = cmd; *c; c++)
        n += snprintf(hex + n, sizeof hex - (size_t)n, "%02x", (unsigned char)*c);
    send_pkt(hex, (size_t)n);
    take();
    packets(text, sizeof text);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "condition"));
    CU_ASSERT_STRING_EQUAL(ask("c"), "T05thread:1;");
    CU_ASSERT_EQUAL(dbg_last_stop(D)->kind, DBG_STOP_COND);
    CU_ASSERT_PTR_NOT_NULL(strstr(dbg_last_stop(D)->event, "virtio_notify"));
    /* the stop event names the queue by its role, as the trace tools do */
    CU_ASSERT_PTR_NOT_NULL(strstr(dbg_last_stop(D)->event, "queue=tx0"));
    /* A command that runs the machine is gdb's to give; an error is the monitor's text. */
    send_pkt("qRcmd,7374657069", 16);                              /* "stepi" */
    take();
    packets(text, sizeof text);
    CU_ASSERT_STRING_EQUAL(payload, "OK");
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "error:"));
    CU_ASSERT_STRING_EQUAL(ask("qRcmd,7"), "E01");
    CU_ASSERT_STRING_EQUAL(ask("qRcmd,zz"), "E01");
    CU_ASSERT_STRING_EQUAL(ask("qRcmd,"), "OK");                   /* an empty command */
    /* monitor detach ends the session as gdb's detach does. */
    send_pkt("qRcmd,646574616368", 18);                            /* "detach" */
    take();
    packets(NULL, 0);
    CU_ASSERT_STRING_EQUAL(payload, "OK");
    feed_str("$?#3f");
    CU_ASSERT_STRING_EQUAL(take(), "");                            /* nobody is listening now */
    stop();
}

static void test_detach_and_kill(void)
{
    start(NULL, NULL);
    CU_ASSERT_STRING_EQUAL(ask("D"), "OK");
    feed_str("$?#3f");
    CU_ASSERT_STRING_EQUAL(take(), "");
    stop();
    start(NULL, NULL);
    feed_str("$k#6b$?#3f");
    CU_ASSERT_STRING_EQUAL(take(), "+");                           /* k has no reply */
    stop();
    start(NULL, NULL);
    CU_ASSERT_STRING_EQUAL(ask("vKill;1"), "OK");
    stop();
}

/* ---- garbage ---- */

/* The stub is back in step after "#00" whatever state garbage left it in: that ends a
 * packet's data or checksum, or is noise between packets. */
static void still_answers(void)
{
    take();
    feed_str("#00$qC#b4");
    take();
    packets(NULL, 0);
    CU_ASSERT_STRING_EQUAL(payload, "QC1");
}

static void test_garbage(void)
{
    start(NULL, NULL);
    /* An over-long packet: read to its end, answered with an error. */
    static char big[0x5000];
    memset(big, 'a', sizeof big);
    send_pkt(big, sizeof big);
    take();
    packets(NULL, 0);
    CU_ASSERT_STRING_EQUAL(payload, "E02");
    /* A run length that grows a packet past the buffer. */
    static char runs[0x3000];
    for (size_t i = 0; i < sizeof runs; i += 3)
        memcpy(runs + i, "a*~", 3);
    send_pkt(runs, sizeof runs);
    take();
    packets(NULL, 0);
    CU_ASSERT_STRING_EQUAL(payload, "E02");
    CU_ASSERT_STRING_EQUAL(ask("X80001000,1:}"), "E01");          /* a truncated escape */
    CU_ASSERT_STRING_EQUAL(ask("*~"), "E01");                      /* a run of nothing */
    CU_ASSERT_STRING_EQUAL(ask("m80000000,4*"), "E01");            /* a run with no count */
    CU_ASSERT_STRING_EQUAL(ask(""), "");
    still_answers();
    /* Random bytes (a fixed generator: the same bytes every run), in random pieces,
     * then the stub must still answer. Packets that happen to be valid get answers. */
    uint32_t x = 12345;
    static uint8_t junk[1 << 16];
    for (size_t i = 0; i < sizeof junk; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (uint8_t)(x >> 16);
        if (junk[i] == 'k' || junk[i] == 'D' || junk[i] == 'c' || junk[i] == 's' || junk[i] == 'C' || junk[i] == 'S')
            junk[i] = 'x';           /* no accidental end of the session or long run */
    }
    for (size_t i = 0; i < sizeof junk;) {
        x = x * 1103515245u + 12345u;
        size_t n = 1 + (x >> 16) % 700;
        if (n > sizeof junk - i)
            n = sizeof junk - i;
        gdbstub_feed(G, junk + i, n);
        take();
        i += n;
    }
    still_answers();
    /* Printable junk with '$' and '#' in it, the framing characters. */
    static const char frames[] = "$$##$#$m$1#$Z0,#zz$}#$*#}}$#00$X0,1:}}#";
    for (int i = 0; i < 50; i++)
        feed_str(frames);
    still_answers();
    stop();
}

/* ---- determinism ---- */

static bool same_file(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    bool same = fa && fb;
    while (same) {
        int ca = getc(fa), cb = getc(fb);
        if (ca != cb)
            same = false;
        if (ca == EOF || cb == EOF)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

/* The firmware traced straight through, and again under the stub: stopped at
 * breakpoints, stepped, watched, looked at (registers, memory, monitor commands) and
 * resumed. The two files must be identical. */
static void test_debugged_run_traces_alike(void)
{
    Err err;
    TraceWriter *tw = trace_open("build/ut-gdb-a.trace", NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tw);
    Machine *m = make_fw(tw, NULL);
    CU_ASSERT_EQUAL(machine_run(m), STOP_POWEROFF);
    machine_finish(m, &err);
    machine_destroy(m);
    CU_ASSERT_EQUAL(trace_close(tw, &err), 0);

    tw = trace_open("build/ut-gdb-b.trace", NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tw);
    start(tw, NULL);
    CU_ASSERT_STRING_EQUAL(ask("QStartNoAckMode"), "OK");
    static const char *const stops[] = { "pci_enumerate", "virtio_device_ready", "virtqueue_add_sgs",
                                         "m_notify", "virtqueue_get_buf" };
    for (size_t i = 0; i < ARRAY_SIZE(stops); i++) {
        uint64_t pc = sym(stops[i]);
        CU_ASSERT_STRING_EQUAL(askf("Z0,%" PRIx64 ",2", pc), "OK");
        CU_ASSERT_STRING_EQUAL(ask("c"), "T05swbreak:;thread:1;");
        CU_ASSERT_EQUAL(cpu_get_pc(M->cpu), pc);
        ask("g");
        askf("m%" PRIx64 ",40", cpu_get_reg(M->cpu, 2));
        askf("p%x", 65 + 0x300);
        for (int k = 0; k < 5; k++)
            CU_ASSERT_STRING_EQUAL(ask("s"), "T05thread:1;");
        /* gdb's own way past a breakpoint: remove, step, insert, continue. */
        CU_ASSERT_STRING_EQUAL(askf("z0,%" PRIx64 ",2", pc), "OK");
        if (i == 1) {
            uint64_t idx = M->net->vdev.vq[0].driver + 2;
            CU_ASSERT_STRING_EQUAL(askf("Z2,%" PRIx64 ",2", idx), "OK");
            CU_ASSERT_EQUAL(ask("c")[0], 'T');
            CU_ASSERT_STRING_EQUAL(askf("z2,%" PRIx64 ",2", idx), "OK");
            CU_ASSERT_STRING_EQUAL(ask("qRcmd,696e666f207671203078"), "OK");   /* "info vq 0x" errs */
            CU_ASSERT_STRING_EQUAL(ask("qRcmd,696e666f207671203030"), "OK");   /* "info vq 00" */
        }
    }
    CU_ASSERT_STRING_EQUAL(ask("c"), "W00");
    CU_ASSERT_EQUAL(n_reg_writes + n_mem_writes, 0);
    stop();
    CU_ASSERT_EQUAL(trace_close(tw, &err), 0);
    CU_ASSERT(same_file("build/ut-gdb-a.trace", "build/ut-gdb-b.trace"));
    unlink("build/ut-gdb-a.trace");
    unlink("build/ut-gdb-b.trace");
}

static int init(void)
{
    devnull = fopen("/dev/null", "w");
    return devnull ? 0 : -1;
}

static int cleanup(void)
{
    fclose(devnull);
    return 0;
}

int suite_gdbstub(void)
{
    CU_pSuite s = CU_add_suite("gdbstub", init, cleanup);
    if (!s)
        return -1;
    CU_add_test(s, "framing, checksums, acks, no-ack mode", test_framing_and_acks);
    CU_add_test(s, "queries and the target description", test_queries);
    CU_add_test(s, "registers: g, G, p, P (pc, CSRs), recorded writes", test_registers);
    CU_add_test(s, "memory: m (RAM, ROM, outside), M, X, recorded writes", test_memory);
    CU_add_test(s, "breakpoints, s, c, vCont, the end of the run", test_break_step_continue);
    CU_add_test(s, "watchpoint on rx0's avail.idx: the first try_fill_recv publish", test_watch_avail_idx);
    CU_add_test(s, "Ctrl-C while running", test_ctrl_c);
    CU_add_test(s, "qRcmd: monitor commands", test_monitor);
    CU_add_test(s, "detach and kill", test_detach_and_kill);
    CU_add_test(s, "garbage never crashes and leaves the stub answering", test_garbage);
    CU_add_test(s, "a debugged run traces like an undisturbed one", test_debugged_run_traces_alike);
    return CU_get_error();
}
