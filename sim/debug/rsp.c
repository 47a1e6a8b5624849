/* The RSP packet layer (see rsp.h; GDB manual E.1 "Overview", E.8 "Interrupts",
 * E.11 "Packet Acknowledgment"). Every byte is taken whatever it is: a packet too long
 * for the buffer is read to its end and reported, never stored past the buffer. */
#include "debug/rsp.h"

#include <stdlib.h>

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void rsp_init(Rsp *r)
{
    memset(r, 0, sizeof *r);
}

void rsp_free(Rsp *r)
{
    free(r->out);
    free(r->last);
    r->out = r->last = NULL;
    r->out_len = r->out_cap = r->last_len = r->last_cap = 0;
}

/* Grows *buf to hold need bytes (doubling), within RSP_MAX_OUTPUT. */
static bool reserve(uint8_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    if (need > RSP_MAX_OUTPUT)
        return false;
    size_t n = *cap ? *cap : 1024;
    while (n < need)
        n *= 2;
    uint8_t *p = realloc(*buf, n);
    if (!p)
        return false;
    *buf = p;
    *cap = n;
    return true;
}

void rsp_put_raw(Rsp *r, const void *data, size_t len)
{
    if (!reserve(&r->out, &r->out_cap, r->out_len + len)) {
        r->out_lost = true;
        return;
    }
    memcpy(r->out + r->out_len, data, len);
    r->out_len += len;
}

void rsp_send(Rsp *r, const void *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *d = data;
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + d[i]);
    if (!reserve(&r->last, &r->last_cap, len + 4)) {
        r->out_lost = true;
        return;
    }
    r->last[0] = '$';
    memcpy(r->last + 1, d, len);
    r->last[len + 1] = '#';
    r->last[len + 2] = (uint8_t)hex[sum >> 4];
    r->last[len + 3] = (uint8_t)hex[sum & 15];
    r->last_len = len + 4;
    rsp_put_raw(r, r->last, r->last_len);
}

size_t rsp_escape(const uint8_t *src, size_t n, uint8_t *dst, size_t cap, size_t *used)
{
    size_t i = 0, o = 0;
    for (; i < n; i++) {
        /* '$' and '#' frame packets, '}' escapes and '*' starts a run length. */
        bool esc = src[i] == '$' || src[i] == '#' || src[i] == '}' || src[i] == '*';
        if (o + (esc ? 2 : 1) > cap)
            break;
        if (esc) {
            dst[o++] = '}';
            dst[o++] = src[i] ^ 0x20;
        } else {
            dst[o++] = src[i];
        }
    }
    *used = o;
    return i;
}

/* The raw packet into pkt: escapes undone, runs expanded ("X*n": X repeated n - 29
 * more times, E.1). */
static RspEvent decode(Rsp *r)
{
    size_t o = 0;
    for (size_t i = 0; i < r->raw_len; i++) {
        uint8_t c = r->raw[i];
        if (c == '}') {
            if (++i == r->raw_len)
                return RSP_MALFORMED;        /* an escape with nothing after it */
            c = r->raw[i] ^ 0x20;
        } else if (c == '*') {
            if (o == 0 || ++i == r->raw_len || r->raw[i] < 29 + 1 || r->raw[i] > 126)
                return RSP_MALFORMED;        /* a run of nothing, or no usable count */
            size_t n = (size_t)r->raw[i] - 29;
            if (o + n > RSP_MAX_PACKET)
                return RSP_TOO_LONG;
            memset(r->pkt + o, r->pkt[o - 1], n);
            o += n;
            continue;
        }
        if (o == RSP_MAX_PACKET)
            return RSP_TOO_LONG;
        r->pkt[o++] = (char)c;
    }
    r->pkt[o] = 0;
    r->len = o;
    return RSP_PACKET;
}

/* The checksum is complete: ack or nak, then what the packet holds. */
static RspEvent complete(Rsp *r)
{
    r->state = RSP_IDLE;
    if (r->csum_bad || r->csum != r->sum) {
        if (!r->no_ack)
            rsp_put_raw(r, "-", 1);          /* gdb sends it again */
        return RSP_NONE;
    }
    if (!r->no_ack)
        rsp_put_raw(r, "+", 1);
    if (r->overflow)
        return RSP_TOO_LONG;
    return decode(r);
}

RspEvent rsp_byte(Rsp *r, uint8_t c)
{
    switch (r->state) {
    case RSP_IDLE:
        if (c == '$') {
            r->state = RSP_DATA;
            r->raw_len = 0;
            r->sum = 0;
            r->overflow = false;
        } else if (c == 0x03) {
            return RSP_INTERRUPT;
        } else if (c == '-' && !r->no_ack && r->last_len) {
            rsp_put_raw(r, r->last, r->last_len);
        }
        return RSP_NONE;                     /* '+' and noise between packets */
    case RSP_DATA:
        if (c == '$') {                      /* a new start: the torn packet is gone */
            r->raw_len = 0;
            r->sum = 0;
            r->overflow = false;
        } else if (c == '#') {
            r->state = RSP_CSUM1;
        } else {
            r->sum = (uint8_t)(r->sum + c);
            if (r->raw_len < RSP_MAX_PACKET)
                r->raw[r->raw_len++] = c;
            else
                r->overflow = true;
        }
        return RSP_NONE;
    case RSP_CSUM1:
        r->csum_bad = hexval(c) < 0;
        r->csum = (uint8_t)(r->csum_bad ? 0 : hexval(c) << 4);
        r->state = RSP_CSUM2;
        return RSP_NONE;
    case RSP_CSUM2:
        r->csum_bad |= hexval(c) < 0;
        r->csum = (uint8_t)(r->csum | (hexval(c) < 0 ? 0 : hexval(c)));
        return complete(r);
    }
    return RSP_NONE;
}
