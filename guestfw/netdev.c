/* The registry of network interfaces (the firmware's register_netdev): drivers add
 * interfaces in probe order, the stack takes the first. See netdev.h. */
#include "libc.h"
#include "netdev.h"

static struct netdev *netdevs, **netdevs_tail = &netdevs;

int netdev_register(struct netdev *nd)
{
    if (nd == NULL || nd->ops == NULL || nd->ops->xmit == NULL || nd->ops->poll == NULL)
        return -1;
    for (struct netdev *p = netdevs; p; p = p->next)
        if (p == nd)
            return -1;
    nd->next = NULL;
    *netdevs_tail = nd;
    netdevs_tail = &nd->next;
    printf("%s: registered, mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u link %s, %u/%u queue pairs\n",
           nd->name ? nd->name : "?", nd->mac[0], nd->mac[1], nd->mac[2], nd->mac[3],
           nd->mac[4], nd->mac[5], nd->mtu, nd->link_up ? "up" : "down", nd->queue_pairs,
           nd->max_queue_pairs);
    return 0;
}

void netdev_unregister(struct netdev *nd)
{
    for (struct netdev **pp = &netdevs; *pp; pp = &(*pp)->next) {
        if (*pp != nd)
            continue;
        *pp = nd->next;
        if (netdevs_tail == &nd->next)
            netdevs_tail = pp;
        nd->next = NULL;
        return;
    }
}

struct netdev *netdev_first(void)
{
    return netdevs;
}
