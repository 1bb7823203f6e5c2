// SPDX-License-Identifier: GPL-2.0-only
/*
 * port_vlan.c - 802.1Q vlan devices over a port (net/8021q in spirit). Receive needs nothing
 * here: sn_netif_receive_frame() pops the tag onto lower->vlan_upper[vid]. Transmit pushes the
 * tag back and hands the frame to the lower device. A vlan device is LLTX with one tx queue and
 * no rx queue: it holds no lock of its own, only the recursion counter bounds a stack of them.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "net/netdev.h"
#include "net/xmit.h"
#include "ports/ports.h"

#define ETH_ALEN2 12 /* destination + source MAC */
#define VLAN_HLEN 4
#define ETH_P_8021Q 0x8100

/* registry of vlan_upper tables: created under this lock, read lock-free by the rx path. */
static pthread_mutex_t vlan_lock = PTHREAD_MUTEX_INITIALIZER;

static enum sn_netdev_tx vlan_start_xmit(struct sn_frame *f, struct sn_netdev *dev,
					 struct sn_txq *txq)
{
	struct sn_netdev *lower = __atomic_load_n(&dev->lower, __ATOMIC_ACQUIRE);
	uint32_t len = f->len;
	uint16_t tci;

	(void)txq;
	if (unlikely(!lower)) { /* its port was unregistered first */
		sn_dev_drop_frame(dev, f, SN_DROP_PORT_DOWN);
		return NETDEV_TX_OK;
	}
	if (unlikely(len < ETH_ALEN2 || sn_frame_push(f, VLAN_HLEN))) {
		sn_dev_drop_tx_frame(dev, f, len < ETH_ALEN2 ? SN_DROP_RUNT : SN_DROP_TX_ERROR);
		return NETDEV_TX_OK;
	}
	/* The MAC addresses move down into the new room; the tag goes between them and the type. */
	memmove(f->data, f->data + VLAN_HLEN, ETH_ALEN2);
	/* Keep the priority bits of a tag popped on receive; the VID is this device's. */
	tci = (f->flags & SN_FRAME_F_VLAN) ? (f->vlan_tci & 0xf000) : 0;
	tci = (uint16_t)(tci | dev->vlan_id);
	f->data[12] = ETH_P_8021Q >> 8;
	f->data[13] = ETH_P_8021Q & 0xff;
	f->data[14] = (uint8_t)(tci >> 8);
	f->data[15] = (uint8_t)tci;
	f->flags &= ~SN_FRAME_F_VLAN;
	f->vlan_tci = 0;
	if (sn_dev_queue_xmit(f, lower) == 0)
		sn_dev_count_tx(dev, len);
	return NETDEV_TX_OK;
}

static void vlan_destroy(struct sn_netdev *dev)
{
	struct sn_netdev *lower = dev->lower;

	if (lower && lower->vlan_upper &&
	    __atomic_load_n(&lower->vlan_upper[dev->vlan_id], __ATOMIC_ACQUIRE) == dev)
		__atomic_store_n(&lower->vlan_upper[dev->vlan_id], NULL, __ATOMIC_RELEASE);
}

static const struct sn_netdev_ops vlan_ops = {
	.kind = "vlan",
	.start_xmit = vlan_start_xmit,
	.destroy = vlan_destroy,
};

struct sn_netdev *sn_port_vlan_create(const char *name, struct sn_netdev *lower, uint16_t vid)
{
	struct sn_netdev *dev;
	int rc;

	if (!lower || vid == 0 || vid >= SN_VLAN_N_VID - 1) {
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&vlan_lock);
	if (!lower->vlan_upper) {
		struct sn_netdev **tbl = calloc(SN_VLAN_N_VID, sizeof(*tbl));

		if (!tbl) {
			pthread_mutex_unlock(&vlan_lock);
			errno = ENOMEM;
			return NULL;
		}
		__atomic_store_n(&lower->vlan_upper, tbl, __ATOMIC_RELEASE);
	}
	if (lower->vlan_upper[vid]) {
		pthread_mutex_unlock(&vlan_lock);
		errno = EEXIST;
		return NULL;
	}
	dev = sn_netdev_alloc(name, &vlan_ops, 0, 0, 1);
	if (!dev) {
		pthread_mutex_unlock(&vlan_lock);
		return NULL;
	}
	dev->flags = SN_DEV_F_LLTX;
	dev->lower = lower;
	dev->vlan_id = vid;
	dev->mtu = lower->mtu;
	memcpy(dev->mac, lower->mac, sizeof(dev->mac));
	rc = sn_netdev_register(dev);
	if (rc) {
		pthread_mutex_unlock(&vlan_lock);
		dev->lower = NULL;
		sn_netdev_unregister(dev);
		errno = -rc;
		return NULL;
	}
	__atomic_store_n(&lower->vlan_upper[vid], dev, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&vlan_lock);
	return dev;
}
