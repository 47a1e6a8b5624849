/* The packet layer of GDB's remote serial protocol (GDB manual, E.1 "Overview" and
 * E.11 "Packet Acknowledgment"): $data#cs framing with its checksum, the +/- acks
 * (until QStartNoAckMode turns them off), the binary escape ('}' then the byte XOR
 * 0x20), run-length encoding, and Ctrl-C (0x03) between packets. Bytes go in one at a
 * time; out come whole decoded packets and interrupts, and replies are framed into an
 * output queue. It knows no command (debug/gdb_cmds.c does). */
#ifndef RINGSIDE_DEBUG_RSP_H
#define RINGSIDE_DEBUG_RSP_H

#include "common.h"

/* The longest packet taken, raw bytes between '$' and '#', and the longest one decoded;
 * qSupported announces it as PacketSize. Longer packets are dropped (RSP_TOO_LONG). */
#define RSP_MAX_PACKET 0x4000u
/* The output queue's bound: what nobody takes beyond it is dropped. */
#define RSP_MAX_OUTPUT (4u << 20)

typedef enum RspEvent {
    RSP_NONE,                    /* nothing complete yet (or an ack, or a bad checksum) */
    RSP_PACKET,                  /* a packet arrived intact: Rsp.pkt, Rsp.len */
    RSP_MALFORMED,               /* intact, but its escapes or run lengths do not decode */
    RSP_TOO_LONG,                /* intact, but longer than RSP_MAX_PACKET */
    RSP_INTERRUPT,               /* Ctrl-C outside a packet */
} RspEvent;

typedef struct Rsp {
    enum { RSP_IDLE, RSP_DATA, RSP_CSUM1, RSP_CSUM2 } state;
    uint8_t raw[RSP_MAX_PACKET];
    size_t raw_len;
    bool overflow;               /* the packet being read is too long */
    uint8_t sum;                 /* of the bytes between '$' and '#' */
    uint8_t csum;                /* the checksum sent, as far as it has come */
    bool csum_bad;               /* a checksum digit that is no hex digit */
    bool no_ack;                 /* QStartNoAckMode: no + / - either way */
    char pkt[RSP_MAX_PACKET + 1];/* the decoded packet, NUL-terminated (binary inside) */
    size_t len;
    uint8_t *out;                /* framed bytes to send */
    size_t out_len, out_cap;
    bool out_lost;               /* something did not fit (RSP_MAX_OUTPUT) */
    uint8_t *last;               /* the last packet sent, for a '-' */
    size_t last_len, last_cap;
} Rsp;

void rsp_init(Rsp *r);
void rsp_free(Rsp *r);
/* Takes one byte. In ack mode, answers an intact packet with '+' and a damaged one
 * with '-' (the sender retransmits), and a '-' from the other side by sending the last
 * packet again. */
RspEvent rsp_byte(Rsp *r, uint8_t c);
/* Frames data as one packet ($data#cs) into the output queue. data must already be
 * escaped where binary (rsp_escape). */
void rsp_send(Rsp *r, const void *data, size_t len);
/* Appends bytes to the output queue unframed (an ack). */
void rsp_put_raw(Rsp *r, const void *data, size_t len);
/* Escapes src for a binary reply into dst (at most cap bytes); returns how many bytes
 * of src fit, and their escaped length in *used. */
size_t rsp_escape(const uint8_t *src, size_t n, uint8_t *dst, size_t cap, size_t *used);

#endif
