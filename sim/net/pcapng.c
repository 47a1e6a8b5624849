/* pcapng writer (draft-ietf-opsawg-pcapng §4.1 SHB, §4.2 IDB, §4.3 EPB). Blocks are
 * written little-endian, which the byte-order magic tells readers. */
#include "pcapng.h"

#include <errno.h>
#include <stdlib.h>

enum { BT_SHB = 0x0a0d0d0a, BT_IDB = 1, BT_EPB = 6 };
enum { OPT_END = 0, SHB_USERAPPL = 4, IF_NAME = 2, IF_TSRESOL = 9, EPB_FLAGS = 2 };
enum { LINKTYPE_ETHERNET = 1 };
enum { EPB_INBOUND = 1, EPB_OUTBOUND = 2 };   /* epb_flags bits 0-1 */
#define BYTE_ORDER_MAGIC 0x1a2b3c4du

struct Pcapng {
    FILE *f;
    char *path;
};

static int put(Pcapng *w, const void *buf, size_t len, Err *err)
{
    if (len && fwrite(buf, 1, len, w->f) != len)
        return err_set(err, "writing capture %s: %s", w->path, strerror(errno));
    return 0;
}

static int flush(Pcapng *w, Err *err)
{
    if (fflush(w->f) != 0)
        return err_set(err, "writing capture %s: %s", w->path, strerror(errno));
    return 0;
}

static size_t pad4(size_t n) { return (n + 3) & ~(size_t)3; }

static int write_headers(Pcapng *w, Err *err)
{
    static const char app[] = "ringside";   /* no version: captures stay comparable */
    uint8_t shb[24 + 12 + 4 + 4], *o;     /* fixed part, shb_userappl, end, trailer */
    size_t shb_len = sizeof shb;
    st32_le(shb, BT_SHB);
    st32_le(shb + 4, (uint32_t)shb_len);
    st32_le(shb + 8, BYTE_ORDER_MAGIC);
    st16_le(shb + 12, 1);                  /* major */
    st16_le(shb + 14, 0);                  /* minor */
    st64_le(shb + 16, UINT64_MAX);         /* section length: not given */
    o = shb + 24;
    st16_le(o, SHB_USERAPPL);
    st16_le(o + 2, sizeof app - 1);
    memset(o + 4, 0, 8);
    memcpy(o + 4, app, sizeof app - 1);
    o += 4 + pad4(sizeof app - 1);
    st32_le(o, OPT_END);
    st32_le(o + 4, (uint32_t)shb_len);

    /* if_name names the capture point in Wireshark's "on interface ..." line. */
    static const char ifname[] = "virtio-net";
    uint8_t idb[16 + 4 + 12 + 8 + 4 + 4];
    st32_le(idb, BT_IDB);
    st32_le(idb + 4, sizeof idb);
    st16_le(idb + 8, LINKTYPE_ETHERNET);
    st16_le(idb + 10, 0);
    st32_le(idb + 12, 0);                  /* snaplen: no limit */
    st16_le(idb + 16, IF_NAME);
    st16_le(idb + 18, sizeof ifname - 1);
    memset(idb + 20, 0, 12);
    memcpy(idb + 20, ifname, sizeof ifname - 1);
    st16_le(idb + 32, IF_TSRESOL);
    st16_le(idb + 34, 1);
    st32_le(idb + 36, 9);                  /* 10^-9 s: virtual nanoseconds */
    st32_le(idb + 40, OPT_END);
    st32_le(idb + 44, sizeof idb);
    if (put(w, shb, sizeof shb, err) || put(w, idb, sizeof idb, err))
        return -1;
    return flush(w, err);
}

Pcapng *pcapng_open(const char *path, Err *err)
{
    Pcapng *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        free(w);
        err_set(err, "capture %s: out of memory", path);
        return NULL;
    }
    w->f = fopen(path, "wb");
    if (!w->f) {
        err_set(err, "cannot create capture %s: %s", path, strerror(errno));
        free(w->path);
        free(w);
        return NULL;
    }
    if (write_headers(w, err) != 0) {
        fclose(w->f);
        free(w->path);
        free(w);
        return NULL;
    }
    return w;
}

int pcapng_write(Pcapng *w, uint64_t vtime_ns, bool inbound, const uint8_t *frame,
                 size_t len, Err *err)
{
    if (len > UINT32_MAX - 64)
        return err_set(err, "capture %s: frame of %zu bytes too large", w->path, len);
    size_t total = 28 + pad4(len) + 8 + 4 + 4;
    uint8_t hdr[28], tail[16];
    static const uint8_t zero[4];
    st32_le(hdr, BT_EPB);
    st32_le(hdr + 4, (uint32_t)total);
    st32_le(hdr + 8, 0);                   /* interface 0 */
    st32_le(hdr + 12, (uint32_t)(vtime_ns >> 32));
    st32_le(hdr + 16, (uint32_t)vtime_ns);
    st32_le(hdr + 20, (uint32_t)len);
    st32_le(hdr + 24, (uint32_t)len);
    st16_le(tail, EPB_FLAGS);
    st16_le(tail + 2, 4);
    st32_le(tail + 4, inbound ? EPB_INBOUND : EPB_OUTBOUND);
    st32_le(tail + 8, OPT_END);
    st32_le(tail + 12, (uint32_t)total);
    if (put(w, hdr, sizeof hdr, err) || put(w, frame, len, err) ||
        put(w, zero, pad4(len) - len, err) || put(w, tail, sizeof tail, err))
        return -1;
    return flush(w, err);
}

int pcapng_close(Pcapng *w, Err *err)
{
    if (!w)
        return 0;
    int rc = 0;
    if (fclose(w->f) != 0)
        rc = err_set(err, "closing capture %s: %s", w->path, strerror(errno));
    free(w->path);
    free(w);
    return rc;
}
