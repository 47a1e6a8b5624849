/* UART 16550A (PC16550D datasheet): RBR/THR, IER, IIR/FCR, LCR, MCR, LSR, MSR, SCR,
 * divisor latches behind LCR.DLAB. Transmission is instantaneous (THR is always
 * empty again by the next access), so LSR reports THRE and TEMT at all times. */
#include "uart.h"

#include <stdlib.h>

enum { RBR = 0, THR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
enum { IER_RDI = 1, IER_THRI = 2, IER_RLSI = 4, IER_MSI = 8 };
enum { LSR_DR = 0x01, LSR_THRE = 0x20, LSR_TEMT = 0x40 };
enum { IIR_NONE = 0x01, IIR_THRI = 0x02, IIR_RDI = 0x04 };
#define LCR_DLAB 0x80

static uint8_t uart_iir(const Uart *u)
{
    uint8_t fifo = (u->fcr & 1) ? 0xc0 : 0;
    if ((u->ier & IER_RDI) && u->rbr_full)
        return IIR_RDI | fifo;
    if ((u->ier & IER_THRI) && u->thre_int)
        return IIR_THRI | fifo;
    return IIR_NONE | fifo;
}

static void uart_update_irq(Uart *u)
{
    int lvl = (uart_iir(u) & IIR_NONE) == 0;
    if (lvl != u->irq_level) {
        u->irq_level = lvl;
        irq_set(&u->irq, lvl);
    }
}

static void uart_schedule_rx(Uart *u)
{
    if (!u->rbr_full && !u->waiting && u->in_pos < u->in_len && !u->rx_timer.armed && u->now)
        timer_mod(u->q, &u->rx_timer, u->now(u->now_ctx) + UART_INPUT_GAP);
}

static void uart_rx_fire(void *opaque)
{
    Uart *u = opaque;
    if (u->rbr_full || u->in_pos >= u->in_len)
        return;
    u->rbr = u->in[u->in_pos++];
    u->rbr_full = true;
    if (u->prompt && u->rbr == '\n') {
        u->waiting = true;
        u->prompt_seen = 0;
    }
    if (u->on_input)
        u->on_input(u->on_input_ctx, u->rbr);
    uart_update_irq(u);
}

void uart_init(Uart *u, IrqLine irq, EventQueue *q, FILE *out,
               uint64_t (*now)(void *ctx), void *now_ctx)
{
    memset(u, 0, sizeof *u);
    u->irq = irq;
    u->q = q;
    u->out = out;
    u->now = now;
    u->now_ctx = now_ctx;
    u->lcr = 0x03;
    timer_init(&u->rx_timer, "uart.rx", uart_rx_fire, u);
}

void uart_destroy(Uart *u)
{
    free(u->in);
    u->in = NULL;
    free(u->prompt);
    u->prompt = NULL;
}

int uart_set_prompt(Uart *u, const char *prompt)
{
    char *p = NULL;
    if (prompt && *prompt && !(p = strdup(prompt)))
        return -1;
    free(u->prompt);
    u->prompt = p;
    u->prompt_len = p ? strlen(p) : 0;
    u->prompt_seen = 0;
    if (!p && u->waiting) {
        u->waiting = false;
        uart_schedule_rx(u);
    }
    return 0;
}

/* Follows the guest's output for the prompt; on a match the next line may be typed. */
static void uart_watch_output(Uart *u, uint8_t b)
{
    if (!u->waiting)
        return;
    /* Prompts are short and rarely self-overlapping: on a mismatch, restart the match
     * at this byte (enough for "=> ", "# ", "$ "). */
    if ((uint8_t)u->prompt[u->prompt_seen] != b)
        u->prompt_seen = 0;
    if ((uint8_t)u->prompt[u->prompt_seen] == b && ++u->prompt_seen == u->prompt_len) {
        u->waiting = false;
        u->prompt_seen = 0;
        uart_schedule_rx(u);
    }
}

int uart_queue_input(Uart *u, const uint8_t *data, size_t len)
{
    uint8_t *n = realloc(u->in, u->in_len + len + 1);
    if (!n)
        return -1;
    memcpy(n + u->in_len, data, len);
    u->in = n;
    u->in_len += len;
    uart_schedule_rx(u);
    return 0;
}

/* ---- the register map: one row per byte; LCR.DLAB turns offsets 0 and 1 into the
 * divisor latch, so those rows' callbacks look at it ---- */

static uint64_t rbr_read(void *opaque, unsigned sub, unsigned size)
{
    Uart *u = opaque;
    if (u->lcr & LCR_DLAB)
        return u->dll;
    uint8_t v = u->rbr_full ? u->rbr : 0;
    u->rbr_full = false;
    uart_schedule_rx(u);
    uart_update_irq(u);
    return v;
}

static void thr_write(void *opaque, unsigned sub, unsigned size, uint64_t val)
{
    Uart *u = opaque;
    uint8_t b = (uint8_t)val;
    if (u->lcr & LCR_DLAB) {
        u->dll = b;
        return;
    }
    if (u->out && recgate_pass(&u->out_gate)) {
        fputc(b, u->out);
        if (b == '\n')
            fflush(u->out);
    }
    u->thre_int = true; /* the byte left at once: THR is empty again */
    uart_watch_output(u, b);
    uart_update_irq(u);
}

static uint64_t ier_read(void *opaque, unsigned sub, unsigned size)
{
    Uart *u = opaque;
    return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
}

static void ier_write(void *opaque, unsigned sub, unsigned size, uint64_t val)
{
    Uart *u = opaque;
    uint8_t b = (uint8_t)val;
    if (u->lcr & LCR_DLAB) {
        u->dlm = b;
        return;
    }
    /* Enabling the THRE interrupt while THR is empty raises it at once. */
    if ((b & IER_THRI) && !(u->ier & IER_THRI))
        u->thre_int = true;
    u->ier = b & 0x0f;
    uart_update_irq(u);
}

static uint64_t iir_read(void *opaque, unsigned sub, unsigned size)
{
    Uart *u = opaque;
    uint8_t v = uart_iir(u);
    if ((v & 0x0f) == IIR_THRI)
        u->thre_int = false; /* reading IIR clears a THRE interrupt it reports */
    uart_update_irq(u);
    return v;
}

static void fcr_write(void *opaque, unsigned sub, unsigned size, uint64_t val)
{
    Uart *u = opaque;
    u->fcr = (uint8_t)val & 0xc9;
    uart_update_irq(u);
}

static uint64_t lcr_read(void *opaque, unsigned sub, unsigned size) { return ((Uart *)opaque)->lcr; }
static void lcr_write(void *opaque, unsigned sub, unsigned size, uint64_t val) { ((Uart *)opaque)->lcr = (uint8_t)val; }
static uint64_t mcr_read(void *opaque, unsigned sub, unsigned size) { return ((Uart *)opaque)->mcr; }
static void mcr_write(void *opaque, unsigned sub, unsigned size, uint64_t val) { ((Uart *)opaque)->mcr = (uint8_t)val & 0x1f; }

static uint64_t lsr_read(void *opaque, unsigned sub, unsigned size)
{
    return (((Uart *)opaque)->rbr_full ? LSR_DR : 0) | LSR_THRE | LSR_TEMT;
}

static uint64_t msr_read(void *opaque, unsigned sub, unsigned size)
{
    uint8_t mcr = ((Uart *)opaque)->mcr;
    /* Loopback (MCR bit 4) feeds the modem outputs back as inputs, as the 16550A's data
     * sheet says: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD (Linux's 8250 probe checks
     * this). Otherwise CTS, DSR and DCD are asserted. */
    if (mcr & 0x10)
        return (uint8_t)(((mcr & 2) << 3) | ((mcr & 1) << 5) | ((mcr & 4) << 4) | ((mcr & 8) << 4));
    return 0xb0;
}

static uint64_t scr_read(void *opaque, unsigned sub, unsigned size) { return ((Uart *)opaque)->scr; }
static void scr_write(void *opaque, unsigned sub, unsigned size, uint64_t val) { ((Uart *)opaque)->scr = (uint8_t)val; }

static const RegDesc uart_regs[] = {
    { RBR, 1, "rbr_thr", rbr_read, thr_write },
    { IER, 1, "ier", ier_read, ier_write },
    { IIR, 1, "iir_fcr", iir_read, fcr_write },
    { LCR, 1, "lcr", lcr_read, lcr_write },
    { MCR, 1, "mcr", mcr_read, mcr_write },
    { LSR, 1, "lsr", lsr_read, NULL },
    { MSR, 1, "msr", msr_read, NULL },
    { SCR, 1, "scr", scr_read, scr_write },
};

const MemOps uart_ops = {
    .regs = uart_regs, .nregs = ARRAY_SIZE(uart_regs), .min_size = 1, .max_size = 1,
};

/* Snapshot state (snap/snap.h): the registers, the input queue's position and the
 * console's output count; the queue's bytes and the prompt are configuration. */
static const SnapField uart_fields[] = {
    SNAP_FIELD(Uart, ier), SNAP_FIELD(Uart, lcr), SNAP_FIELD(Uart, mcr), SNAP_FIELD(Uart, scr),
    SNAP_FIELD(Uart, dll), SNAP_FIELD(Uart, dlm), SNAP_FIELD(Uart, fcr),
    SNAP_FIELD(Uart, rbr_full), SNAP_FIELD(Uart, rbr), SNAP_FIELD(Uart, thre_int),
    SNAP_FIELD(Uart, irq_level), SNAP_FIELD(Uart, in_len), SNAP_FIELD(Uart, in_pos),
    SNAP_FIELD(Uart, prompt_seen), SNAP_FIELD(Uart, waiting), SNAP_FIELD(Uart, out_gate.seen),
    SNAP_TIMER(Uart, rx_timer),
};
const SnapDesc uart_snap = SNAP_DESC("uart", 1, Uart, uart_fields);
