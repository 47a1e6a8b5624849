/* scenario=mq: multiqueue (virtio 1.2 §5.1.6.5.5, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET).
 * When the device offers more than one queue pair, all of them are enabled, a few
 * echo requests leave from each transmit queue (the replies may come back on any
 * receive queue: steering is the device's choice), the per-queue transmit counts
 * are reported, and the interface returns to one pair as virtnet_probe leaves it. */
#include "fdt.h"
#include "libc.h"
#include "scenario.h"
#include "net/netscen.h"

#define MQ_PINGS        3
#define PING_TIMEOUT_US 1000000u

static int mq_run(void)
{
    int rc = netscen_up();
    if (rc != NX_OK)
        return rc;
    struct netdev *nd = net_dev();
    unsigned max = nd->max_queue_pairs;
    if (max <= 1 || !nd->ops->set_queue_pairs) {
        printf("mq: skipped: %u queue pair (no MQ)\n", max ? max : 1);
        return NX_OK;
    }
    if (nd->ops->set_queue_pairs(nd, max) != 0) {
        printf("mq: set %u queue pairs refused\n", max);
        return NX_MQ_SET;
    }
    printf("mq: %u queue pairs enabled (device max %u)\n", nd->queue_pairs, max);
    unsigned seq = 200;
    rc = NX_OK;
    for (unsigned qp = 0; qp < max; qp++) {
        uint64_t tx0 = net_stats()->tx_per_qp[qp < 8 ? qp : 7];
        net_set_tx_qp(qp);
        struct ping_result r;
        netscen_ping(net_config()->gateway, MQ_PINGS, seq, 56, PING_TIMEOUT_US, true, &r);
        seq += MQ_PINGS;
        uint64_t tx = net_stats()->tx_per_qp[qp < 8 ? qp : 7] - tx0;
        printf("mq: qp %u: tx %llu frames, %u/%u echo replies\n", qp, (unsigned long long)tx,
               r.received, r.sent);
        if ((r.received != r.sent || r.corrupt) && rc == NX_OK)
            rc = NX_MQ_PING;
    }
    net_set_tx_qp(0);
    if (nd->ops->set_queue_pairs(nd, 1) != 0) {
        printf("mq: back to 1 queue pair refused\n");
        return rc != NX_OK ? rc : NX_MQ_RESTORE;
    }
    struct ping_result r;
    netscen_ping(net_config()->gateway, 1, seq, 56, PING_TIMEOUT_US, true, &r);
    printf("mq: back to %u queue pair: %u/%u echo replies\n", nd->queue_pairs, r.received, r.sent);
    if (rc == NX_OK && r.received != r.sent)
        rc = NX_MQ_RESTORE;
    return rc;
}

const struct scenario scenario_mq = {
    "mq", mq_run, "all queue pairs: echo requests from every transmit queue",
};
