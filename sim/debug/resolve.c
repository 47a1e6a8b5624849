/* Names in stop conditions (debug/cond.h): what a symbolic value means for a field of
 * an event on this machine. Queue roles follow virtio 1.2 §5.1.2 (rxN = 2N, txN =
 * 2N + 1, ctrl after the last pair, known only once the driver negotiated MQ). */
#include "debug/debugger.h"

#include <stdlib.h>

#include "virtio/virtio_net.h"

static int role(const char *w, uint64_t *num, CondLate *late)
{
    if (strcmp(w, "ctrl") == 0) {
        *late = COND_LATE_CTRL_QUEUE;
        *num = 0;
        return 0;
    }
    bool rx = strncmp(w, "rx", 2) == 0, tx = strncmp(w, "tx", 2) == 0;
    if (!(rx || tx) || w[2] < '0' || w[2] > '9')
        return -1;
    char *end;
    unsigned long n = strtoul(w + 2, &end, 10);
    if (*end || n >= VIRTIO_NET_MAX_PAIRS)
        return -1;
    *num = 2 * n + (tx ? 1 : 0);
    return 0;
}

static const struct { const char *name; uint64_t v; } status_bits[] = {
    { "ACKNOWLEDGE", VIRTIO_STATUS_ACKNOWLEDGE }, { "DRIVER", VIRTIO_STATUS_DRIVER },
    { "DRIVER_OK", VIRTIO_STATUS_DRIVER_OK }, { "FEATURES_OK", VIRTIO_STATUS_FEATURES_OK },
    { "DEVICE_NEEDS_RESET", VIRTIO_STATUS_NEEDS_RESET }, { "FAILED", VIRTIO_STATUS_FAILED },
};

int dbg_resolve(void *ctx, TraceEventType type, const char *field, const char *word, uint64_t *num, CondLate *late)
{
    (void)ctx;
    if (strcmp(field, "queue") == 0)
        return role(word, num, late);
    if (type == TRACE_EV_virtio_status && (strcmp(field, "new") == 0 || strcmp(field, "old") == 0)) {
        for (size_t i = 0; i < ARRAY_SIZE(status_bits); i++)
            if (strcmp(word, status_bits[i].name) == 0) {
                *num = status_bits[i].v;
                return 0;
            }
    }
    return -1;
}
