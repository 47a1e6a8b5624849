/* UART 16550A as on QEMU's virt board (PC16550D datasheet register set). Output goes
 * to a host FILE; input bytes come from a queue that is fed deterministically: a byte
 * is offered only when the receive buffer is empty, a fixed virtual delay after the
 * guest took the previous one, so a patient typist never loses a character. With a
 * prompt set, each line after the first also waits until the guest has printed the
 * prompt since the previous line's newline: programs that read ahead while busy (U-Boot
 * polls for ^C during a command and drops what it reads) then see nothing typed early. */
#ifndef RINGSIDE_UART_H
#define RINGSIDE_UART_H

#include "bus.h"
#include "events.h"
#include "irq.h"
#include "snap/snap.h"

#define UART_BASE 0x10000000u
#define UART_SIZE 0x100u
#define UART_IRQ 10
#define UART_CLOCK 3686400u

/* Virtual-clock units between input bytes (about 10 µs of guest time at the default
 * rate: far slower than any prompt loop polls, far faster than a human types). */
#define UART_INPUT_GAP 1000u

typedef struct Uart {
    IrqLine irq;
    EventQueue *q;
    Timer rx_timer;
    FILE *out;
    /* registers */
    uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
    bool rbr_full;
    uint8_t rbr;
    bool thre_int;           /* THR-empty interrupt pending until IIR read or THR write */
    int irq_level;
    /* input queue */
    uint8_t *in;
    size_t in_len, in_pos;
    char *prompt;            /* NULL: no waiting for output between lines */
    size_t prompt_len, prompt_seen;
    bool waiting;            /* a line ended: hold input until the prompt is printed */
    RecGate out_gate;        /* console bytes: the recording's, written once (snap.h) */
    uint64_t (*now)(void *ctx);
    void *now_ctx;
    /* observers of consumed input bytes (the trace records them) */
    void (*on_input)(void *ctx, uint8_t byte);
    void *on_input_ctx;
} Uart;

extern const MemOps uart_ops;
extern const SnapDesc uart_snap;

void uart_init(Uart *u, IrqLine irq, EventQueue *q, FILE *out,
               uint64_t (*now)(void *ctx), void *now_ctx);
void uart_destroy(Uart *u);
/* Appends bytes to the input queue; they are delivered one at a time as above. */
int uart_queue_input(Uart *u, const uint8_t *data, size_t len);
/* Makes every input line after the first wait for the guest to print PROMPT (a
 * non-empty string, copied); NULL switches waiting off. 0, or -1 when out of memory. */
int uart_set_prompt(Uart *u, const char *prompt);

#endif
