/* Polled output on the 16550A UART at 0x10000000 (TI PC16550D data sheet: THR at
 * offset 0, LSR at offset 5 with THRE = bit 5). QEMU and ringside both reset it to a
 * usable state, so no baud-rate setup is needed. */
#include "platform.h"

#define UART_THR 0
#define UART_LSR 5
#define LSR_THRE 0x20

void uart_putc(char c);

void uart_putc(char c)
{
    /* Bounded wait: a missing UART must not hang the firmware forever. */
    for (unsigned i = 0; i < 1000000; i++)
        if (mmio_read8(UART0_BASE + UART_LSR) & LSR_THRE)
            break;
    mmio_write8(UART0_BASE + UART_THR, (uint8_t)c);
}
