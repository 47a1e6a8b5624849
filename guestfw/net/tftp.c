/* TFTP read client (RFC 1350) with the blksize and tsize options (RFC 2347, 2348,
 * 2349), as U-Boot's tftpboot uses them: RRQ, optional OACK answered by ACK 0, then
 * DATA n / ACK n in lock step until a short block. The client retransmits its last
 * packet on a timeout (the server may have no timer); block numbers wrap at 65536. */
#include "libc.h"
#include "net/net_priv.h"

#define TFTP_PORT      69
#define TFTP_LOCAL     49200          /* fixed: runs stay repeatable */
#define TFTP_RRQ       1
#define TFTP_DATA      3
#define TFTP_ACK       4
#define TFTP_ERROR     5
#define TFTP_OACK      6
#define TFTP_BLKSIZE   512
#define TFTP_WANT_BLK  (UDP_MAX_PAYLOAD - 4)  /* 1468: one block per frame */
#define TFTP_RETRIES   5
#define TFTP_RETRY_US  1000000u

static struct {
    uint32_t server;
    uint16_t tid;                  /* the server's port, learned from its first answer */
    uint16_t expect;               /* next DATA block number (wraps) */
    unsigned blksize;
    bool progress, done, failed;
    int rc;
    tftp_data_fn *fn;
    void *ctx;
    struct tftp_result *r;
    uint8_t pkt[UDP_MAX_PAYLOAD];  /* the last packet sent, for retransmission */
    size_t pkt_len;
} tf;

static size_t strnlen_(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

/* Option names are case-insensitive (RFC 2347). */
static bool name_is(const char *k, const char *want)
{
    for (; *want; k++, want++)
        if ((*k | 0x20) != *want)
            return false;
    return *k == '\0';
}

static int tftp_send_last(void)
{
    return udp_sendto(TFTP_LOCAL, tf.server, tf.tid ? tf.tid : TFTP_PORT, tf.pkt, tf.pkt_len,
                      TFTP_RETRY_US);
}

static int tftp_ack(uint16_t block)
{
    put16(tf.pkt, TFTP_ACK);
    put16(tf.pkt + 2, block);
    tf.pkt_len = 4;
    return tftp_send_last();
}

static void tftp_fail(int rc)
{
    tf.failed = true;
    tf.rc = rc;
}

/* OACK: "name\0value\0" pairs; only what we asked for may come back (RFC 2347). */
static void tftp_oack(const uint8_t *p, size_t len)
{
    size_t i = 2;
    while (i < len) {
        const char *k = (const char *)p + i;
        size_t kn = strnlen_(k, len - i);
        if (i + kn >= len)
            break;
        const char *v = k + kn + 1;
        size_t vn = strnlen_(v, len - (i + kn + 1));
        if (i + kn + 1 + vn >= len)
            break;
        unsigned long n = strtoul(v, NULL, 10);
        if (name_is(k, "blksize") && n >= 8 && n <= TFTP_WANT_BLK)
            tf.blksize = (unsigned)n;
        else if (name_is(k, "tsize"))
            tf.r->tsize = n;
        i += kn + 1 + vn + 1;
    }
    tf.r->blksize = tf.blksize;
}

static void tftp_rx(uint32_t src_ip, uint16_t src_port, uint16_t dst_port,
                    const uint8_t *p, size_t len, void *ctx)
{
    (void)dst_port;
    (void)ctx;
    if (tf.done || tf.failed || src_ip != tf.server || len < 4)
        return;
    /* The first answer fixes the server's transfer id; others are strays (§4). */
    if (tf.tid == 0)
        tf.tid = src_port;
    else if (src_port != tf.tid)
        return;
    uint16_t op = get16(p), block = get16(p + 2);
    switch (op) {
    case TFTP_OACK:
        if (tf.expect != 1 || tf.r->blocks != 0)
            return;
        tftp_oack(p, len);
        tf.progress = true;
        if (tftp_ack(0) != 0)
            tftp_fail(-4);
        return;
    case TFTP_DATA:
        if (block != tf.expect) {
            /* A repeat of the block before: our ACK was lost, send it again. */
            if (block == (uint16_t)(tf.expect - 1) && tftp_ack(block) != 0)
                tftp_fail(-4);
            return;
        }
        if (len - 4 > tf.blksize) {
            tftp_fail(-3);
            return;
        }
        if (tf.fn)
            tf.fn(p + 4, len - 4, tf.r->bytes, tf.ctx);
        tf.r->bytes += len - 4;
        tf.r->blocks++;
        tf.expect++;
        tf.progress = true;
        if (tftp_ack(block) != 0)
            tftp_fail(-4);
        else if (len - 4 < tf.blksize)
            tf.done = true;
        return;
    case TFTP_ERROR: {
        tf.r->error_code = block;
        size_t n = len - 4 < sizeof tf.r->error - 1 ? len - 4 : sizeof tf.r->error - 1;
        memcpy(tf.r->error, p + 4, n);
        tf.r->error[n] = '\0';     /* the message may lack its NUL */
        tftp_fail(-2);
        return;
    }
    default:
        return;
    }
}

static bool tftp_event(void *ctx) { (void)ctx; return tf.progress || tf.done || tf.failed; }

int tftp_get(uint32_t server, const char *file, tftp_data_fn *fn, void *ctx,
             struct tftp_result *r)
{
    memset(r, 0, sizeof *r);
    memset(&tf, 0, sizeof tf);
    tf.server = server;
    tf.expect = 1;
    tf.blksize = TFTP_BLKSIZE;
    tf.fn = fn;
    tf.ctx = ctx;
    tf.r = r;
    r->blksize = TFTP_BLKSIZE;
    size_t fn_len = strlen(file);
    if (fn_len == 0 || fn_len > 255)
        return -3;
    /* RRQ: opcode, file, "octet", blksize, tsize 0 (asks the server for the size). */
    uint8_t *b = tf.pkt;
    put16(b, TFTP_RRQ);
    size_t n = 2;
    static const char *const words[] = { NULL, "octet", "blksize", NULL, "tsize", "0" };
    char blk[8];
    snprintf(blk, sizeof blk, "%u", (unsigned)TFTP_WANT_BLK);
    for (unsigned i = 0; i < sizeof words / sizeof words[0]; i++) {
        const char *w = i == 0 ? file : i == 3 ? blk : words[i];
        size_t wl = strlen(w) + 1;
        memcpy(b + n, w, wl);
        n += wl;
    }
    tf.pkt_len = n;
    udp_unbind(TFTP_LOCAL);
    if (udp_bind(TFTP_LOCAL, tftp_rx, NULL) != 0)
        return -4;
    int rc = tftp_send_last() == 0 ? 0 : -4;
    unsigned quiet = 0;
    while (rc == 0 && !tf.done && !tf.failed) {
        tf.progress = false;
        if (net_wait(tftp_event, NULL, TFTP_RETRY_US)) {
            quiet = 0;
            continue;
        }
        if (++quiet > TFTP_RETRIES) {
            rc = -1;
            break;
        }
        r->retransmits++;
        if (tftp_send_last() != 0)
            rc = -4;
    }
    if (tf.failed)
        rc = tf.rc;
    udp_unbind(TFTP_LOCAL);
    return rc;
}
