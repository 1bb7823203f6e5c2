// SPDX-License-Identifier: GPL-2.0-only
/*
 * port_loop.c - a loop (tunnel-like) device: what it transmits is transmitted again on its peer,
 * possibly itself. It exists to exercise the transmit recursion guard: LLTX, so no tx lock can
 * catch the loop, only the recursion counter (a loop to itself is dropped at depth 9 with
 * "Dead loop on virtual device"). One tx queue, no rx queue.
 */
#include <errno.h>

#include "net/netdev.h"
#include "net/xmit.h"
#include "ports/ports.h"

static enum sn_netdev_tx loop_start_xmit(struct sn_frame *f, struct sn_netdev *dev,
					 struct sn_txq *txq)
{
	struct sn_netdev *peer = __atomic_load_n(&dev->peer, __ATOMIC_ACQUIRE);
	uint32_t len = f->len;

	(void)txq;
	if (unlikely(!peer)) {
		sn_dev_drop_frame(dev, f, SN_DROP_TX_ERROR);
		return NETDEV_TX_OK;
	}
	/* Counted as sent only if the peer took it (a tunnel's tx_errors otherwise). */
	if (sn_dev_queue_xmit(f, peer) == 0)
		sn_dev_count_tx(dev, len);
	return NETDEV_TX_OK;
}

static const struct sn_netdev_ops loop_ops = {
	.kind = "loop",
	.start_xmit = loop_start_xmit,
};

struct sn_netdev *sn_port_loop_create(const char *name)
{
	struct sn_netdev *dev = sn_netdev_alloc(name, &loop_ops, 0, 0, 1);
	int rc;

	if (!dev)
		return NULL;
	dev->flags = SN_DEV_F_LLTX;
	dev->mac[0] = 0x02;
	rc = sn_netdev_register(dev);
	if (rc) {
		sn_netdev_unregister(dev);
		errno = -rc;
		return NULL;
	}
	dev->mac[5] = (uint8_t)dev->index;
	return dev;
}

void sn_port_loop_set_peer(struct sn_netdev *loop, struct sn_netdev *peer)
{
	if (loop)
		__atomic_store_n(&loop->peer, peer, __ATOMIC_RELEASE);
}
