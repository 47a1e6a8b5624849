/* Names in stop conditions (debug/cond.h): what a symbolic value means for a field of
 * an event, from the one table of virtio names (virtio/virtio_names.def): status bits,
 * feature bits (naming their 32-bit word too), ring flags, ISR bits, and queue roles
 * (rxN = 2N, txN = 2N + 1, ctrl after the last pair: known only once the driver
 * negotiated MQ, so it is resolved while the machine runs). */
#include "debug/debugger.h"

#include "virtio/virtio_names.h"
#include "virtio/virtio_net.h"

/* Roles are generic in the table; "last" is the one whose index the device decides. */
static int role(const char *w, uint64_t *num, CondHint *hint)
{
    enum { A = 60000, B = 60001 };   /* two would-be last indices, past any real queue */
    int qa = virtio_net_role_queue(w, A), qb = virtio_net_role_queue(w, B);
    if (qa < 0 || qb < 0)
        return -1;
    if (qa == A && qb == B) {
        hint->late = COND_LATE_CTRL_QUEUE;
        *num = 0;
        return 0;
    }
    *num = (uint64_t)qa;
    return 0;
}

static bool is(const char *a, const char *b) { return strcmp(a, b) == 0; }

int dbg_resolve(void *ctx, TraceEventType type, const char *field, const char *word, uint64_t *num, CondHint *hint)
{
    (void)ctx;
    const VirtioName *n = NULL;
    size_t len = strlen(word);
    if (is(field, "queue"))
        return role(word, num, hint);
    if (type == TRACE_EV_virtio_status && (is(field, "new") || is(field, "old")))
        n = virtio_name_find(VIRTIO_DOM_STATUS, 0, word, len);
    else if (type == TRACE_EV_desc_write && is(field, "flags"))
        n = virtio_name_find(VIRTIO_DOM_DESC, 0, word, len);
    else if (type == TRACE_EV_avail_flags_write && is(field, "flags"))
        n = virtio_name_find(VIRTIO_DOM_AVAIL, 0, word, len);
    else if (type == TRACE_EV_used_flags_write && is(field, "flags"))
        n = virtio_name_find(VIRTIO_DOM_USED, 0, word, len);
    else if (type == TRACE_EV_virtio_isr_read && is(field, "value"))
        n = virtio_name_find(VIRTIO_DOM_ISR, 0, word, len);
    else if (type == TRACE_EV_virtio_features && is(field, "value")) {
        n = virtio_name_find(VIRTIO_DOM_FEATURE, VIRTIO_ID_NET, word, len);
        if (n) {
            unsigned bit = (unsigned)__builtin_ctzll(n->value);
            *num = 1ull << (bit % 32);
            hint->word = (int)(bit / 32);
            return 0;
        }
    }
    if (!n)
        return -1;
    *num = n->value;
    return 0;
}
