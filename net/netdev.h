/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netdev.h - a port (struct sn_netdev, the net_device of softnetd) with its ops table, queues and
 * counters, and the registry of ports.
 *
 * A backend (ports/: afxdp, dpdk, vlan, loop, and the in-process test port) allocates a device with
 * sn_netdev_alloc(), fills mac/mtu/queues, adds one NAPI per rx queue (napi.h) and registers it.
 * Receive: the backend's NAPI poll builds frames and hands each to sn_netif_receive_frame().
 * Transmit: the stack calls sn_dev_queue_xmit() (xmit.h), which calls ops->start_xmit() under the
 * tx queue's lock; ops->tx_flush() is called once per poll for every tx queue that got frames.
 *
 * Counters: per CPU per device (sn_dev_pcpu_stats, alloc_percpu), incremented with
 * sn_dev_count_*() from BH context; per queue in struct sn_napi / struct sn_txq.
 *
 * Context: alloc/register/unregister from thread context before/after traffic; lookups any.
 */
#ifndef NET_NETDEV_H
#define NET_NETDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "bhlock/percpu.h"
#include "bhlock/rt_mutex.h"
#include "net/drop_reason.h"
#include "net/frame.h"

#define SN_IFNAMSIZ 16
#define SN_MAX_DEVS 256
#define SN_MAX_QUEUES 64
#define SN_VLAN_N_VID 4096

struct sn_netdev;
struct sn_napi;
struct sn_txq;

enum sn_netdev_tx {
	NETDEV_TX_OK = 0,    /* the frame was taken (sent, queued or dropped and counted) */
	NETDEV_TX_BUSY = 1,  /* not taken: the caller still owns it */
};

struct sn_netdev_ops {
	const char *kind; /* "afxdp", "dpdk", "vlan", "loop", "test" */
	/* Bring up: start rx (interrupts or polling). Called once after register. Return 0/-errno. */
	int (*open)(struct sn_netdev *dev);
	/* Stop rx and tx, drain the tx rings; frames still held are released and counted SHUTDOWN. */
	void (*stop)(struct sn_netdev *dev);
	/* Free the backend's resources (after stop, after every NAPI is deleted). */
	void (*destroy)(struct sn_netdev *dev);
	/*
	 * ndo_start_xmit(): queue @f on @txq (a frame whose buffer is not the port's own is copied
	 * into a tx buffer and released). Called with the tx lock held (unless SN_DEV_F_LLTX), in BH
	 * context, inside dev_xmit_recursion_inc/dec. Return NETDEV_TX_OK or NETDEV_TX_BUSY.
	 */
	enum sn_netdev_tx (*start_xmit)(struct sn_frame *f, struct sn_netdev *dev, struct sn_txq *txq);
	/* Push what start_xmit queued to the wire (kick, tx burst), reap completions. Lock held. */
	void (*tx_flush)(struct sn_netdev *dev, struct sn_txq *txq);
	/* Carrier: the kernel interface (or lower device) is up. NULL: always up. */
	bool (*carrier)(struct sn_netdev *dev);
	/* Optional: one line of backend facts for `softnetctl ports` (mode, dispatcher, PMD...). */
	void (*describe)(struct sn_netdev *dev, char *buf, size_t len);
};

#define SN_DEV_F_LLTX 0x1      /* no tx lock: virtual devices (vlan, loop), as NETIF_F_LLTX */
#define SN_DEV_F_POLL_MODE 0x2 /* no rx interrupt: its NAPIs stay scheduled (pure polling) */

/*
 * Frame accounting. Every frame a port takes off the wire ends in exactly one of: forwarded
 * (to another port), consumed by the stack (ARP, ND, echo), or dropped at ingress; every frame
 * that heads for a wire (a forwarded frame, each extra copy of a flooded one, a frame the stack
 * generates) ends as transmitted or dropped at egress. Summed over the devices (rx/tx over the
 * physical ports only: vlan and loop devices count again what passes through a port):
 *   rx_packets + rx_ring_drops = forwarded + consumed + rx_drops[]
 *   forwarded + fwd_clones + generated = tx_packets - tx_unsent + tx_drops[]
 * (consumed and generated are the stack's counters, stack.h). drops[] counts every drop by
 * reason; rx_drops[] + tx_drops[] are the frames among them, the rest are events that lose no
 * frame of the accounting (an FDB entry not learnt, an ICMP error or reply not generated).
 */
struct sn_dev_pcpu_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
	uint64_t forwarded;         /* frames this device received that went out another port */
	uint64_t fwd_clones;        /* extra copies of the flooded frames it received */
	uint64_t rx_ring_drops;     /* taken off its rx ring, dropped before rx_packets counted them */
	uint64_t tx_unsent;         /* counted in tx_packets, then dropped by the backend */
	uint64_t drops[SN_DROP_MAX]; /* by reason, charged to the ingress device (egress for tx) */
	uint64_t rx_drops[SN_DROP_MAX]; /* the ingress frame drops among drops[] */
	uint64_t tx_drops[SN_DROP_MAX]; /* the egress frame drops among drops[] */
};

struct sn_dev_stats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, forwarded;
	uint64_t fwd_clones, rx_ring_drops, tx_unsent;
	uint64_t drops[SN_DROP_MAX];
	uint64_t rx_drops[SN_DROP_MAX];
	uint64_t tx_drops[SN_DROP_MAX];
	uint64_t drops_total, rx_drops_total, tx_drops_total;
};

struct sn_netdev {
	char name[SN_IFNAMSIZ];
	int index;                       /* softnetd's own index, 1..SN_MAX_DEVS-1 */
	const struct sn_netdev_ops *ops;
	void *priv;                      /* the backend's private part (allocated with the device) */
	unsigned int flags;              /* SN_DEV_F_* */
	uint8_t mac[6];
	uint32_t mtu;                    /* L3 MTU, default 1500 */
	bool admin_up;                   /* set by open/stop and `softnetctl`; false drops tx */
	unsigned int nr_rxq, nr_txq;
	struct sn_napi *napi;            /* nr_rxq instances, one per rx queue */
	struct sn_txq *txq;              /* nr_txq instances */
	struct sn_netdev *lower;         /* vlan: the parent port */
	uint16_t vlan_id;                /* vlan: its VID */
	struct sn_netdev *peer;          /* loop: where its transmit goes */
	struct sn_netdev **vlan_upper;   /* SN_VLAN_N_VID entries or NULL: VID -> vlan device */
	int kernel_ifindex;              /* the kernel interface under it, or 0 */
	struct sn_dev_pcpu_stats *pcpu_stats; /* alloc_percpu */
	int bridge_port;                 /* the stack's: member of the bridge (>=0) or -1 */
	void *stack_priv;                /* the stack's per-device data (addresses...) */
	void *xdp_prog;                  /* xdp/: the attached program (struct sn_xdp_attachment), or NULL */
	/*
	 * io forwarding (testpmd's "io" mode): every frame received here that XDP passes goes out
	 * of this device unchanged, with no parsing and no lookup; NULL = the stack.
	 */
	struct sn_netdev *xconnect;
};

/**
 * sn_netdev_alloc() - a zeroed device with @priv_size bytes of backend data and @nr_rxq/@nr_txq
 * queue structures (NAPIs not yet added), admin down.
 * Context: thread. Return: the device or NULL with errno EINVAL/ENOMEM.
 */
struct sn_netdev *sn_netdev_alloc(const char *name, const struct sn_netdev_ops *ops,
				  size_t priv_size, unsigned int nr_rxq, unsigned int nr_txq);
/* Enter the device in the registry (index assigned). Return 0, -EEXIST (name), -ENOSPC. */
int sn_netdev_register(struct sn_netdev *dev);
/* ops->stop, delete NAPIs, remove from the registry, ops->destroy, free. Context: thread. */
void sn_netdev_unregister(struct sn_netdev *dev);
/* Open (ops->open) and mark admin up. Return 0 or -errno. */
int sn_netdev_open(struct sn_netdev *dev);

struct sn_netdev *sn_dev_get_by_name(const char *name);
struct sn_netdev *sn_dev_get_by_index(int index);

/*
 * The XDP ifindex of a device: what bpf_redirect(), devmap/devmap_hash values and xdp_md's
 * ifindex fields hold in softnetd, so that one object with one set of map contents behaves the
 * same in the kernel and here. A device over a kernel interface (an afxdp port's veth) is known
 * by that interface's kernel ifindex; one with none (vlan, loop, test, dpdk net_ring) by the
 * private SN_XDP_IFINDEX_BASE + its softnetd index, a range no kernel reaches in practice.
 */
#define SN_XDP_IFINDEX_BASE 0x10000u
static inline uint32_t sn_dev_xdp_ifindex(const struct sn_netdev *dev)
{
	/* kernel_ifindex may be set after register (a test, a late port): read it once. */
	int k = __atomic_load_n(&dev->kernel_ifindex, __ATOMIC_RELAXED);

	return k > 0 ? (uint32_t)k : SN_XDP_IFINDEX_BASE + (uint32_t)dev->index;
}
/**
 * sn_dev_get_by_ifindex() - the registered device whose XDP ifindex is @ifindex (the first by
 * softnetd index if several ports sit on one kernel interface).
 * Context: any (lock-free; see the registry rule in netdev.c). Return: the device or NULL.
 */
struct sn_netdev *sn_dev_get_by_ifindex(uint32_t ifindex);
/* Iterate: index 1..SN_MAX_DEVS-1, NULL entries skipped by the macro. */
#define sn_for_each_netdev(dev, i)                                                               \
	for ((i) = 1; (i) < SN_MAX_DEVS; (i)++)                                                    \
		if (((dev) = sn_dev_get_by_index(i)) != NULL)

/* The device is up for transmit: admin up and ops->carrier (and the lower device's). */
bool sn_netif_carrier_ok(struct sn_netdev *dev);

/* Per-CPU counters. Context: BH (the task cannot migrate). */
void sn_dev_count_rx(struct sn_netdev *dev, uint32_t bytes);
void sn_dev_count_tx(struct sn_netdev *dev, uint32_t bytes);
void sn_dev_count_forwarded(struct sn_netdev *dev);
/* The same for @n frames of @bytes in all (a backend's bulk path). */
void sn_dev_count_rx_n(struct sn_netdev *dev, uint32_t n, uint64_t bytes);
void sn_dev_count_tx_n(struct sn_netdev *dev, uint32_t n, uint64_t bytes);
void sn_dev_count_forwarded_n(struct sn_netdev *dev, uint32_t n);
/* One more copy of a flooded frame received on @dev heads for an egress port. */
void sn_dev_count_fwd_clone(struct sn_netdev *dev);

/*
 * Drops, each counted once under its reason (drops[]) and, for the accounting above, as an
 * ingress or an egress frame, or as no frame. With a frame in hand the reason gives the
 * direction: PORT_DOWN, TX_RING_FULL, TX_ERROR, DEAD_LOOP, TOO_BIG, SHUTDOWN and NOMEM_BUF are
 * egress, every other reason ingress.
 *
 * sn_dev_drop_frame(): @f dropped in its reason's direction, and freed.
 * sn_dev_drop_tx_frame(): @f dropped at egress whatever the reason (a runt at a vlan's tx).
 * sn_dev_drop_xmit_frame(): inside ops->start_xmit(), which then returns NETDEV_TX_OK: the core
 *   counts @f in tx_packets, so it is counted tx_unsent as well.
 * sn_dev_count_drop(): no frame in hand, i.e. a backend's drop: an ingress reason, and SHUTDOWN
 *   (an rx ring drained at stop), is a frame taken off the rx ring before it became one
 *   (rx_ring_drops: received, then dropped); BRIDGE_FDB_FULL and ICMP_RATELIMIT lose no frame;
 *   any other egress reason is a frame start_xmit had taken that never left (tx_unsent).
 * sn_dev_count_rx_ring_drop(): the first of those, whatever the reason.
 * sn_dev_count_tx_unsent(): the last of those, whatever the reason (tx frames still queued at
 *   stop: SHUTDOWN; refused by the hardware at flush: TX_RING_FULL).
 * sn_dev_count_tx_drop(): an egress frame that was never made (a flood copy with no buffer).
 * sn_dev_count_drop_event(): counted under @r, no frame lost (a reply the stack could not
 *   allocate).
 * Context: BH.
 */
void sn_dev_drop_frame(struct sn_netdev *dev, struct sn_frame *f, enum sn_drop_reason r);
void sn_dev_drop_tx_frame(struct sn_netdev *dev, struct sn_frame *f, enum sn_drop_reason r);
void sn_dev_drop_xmit_frame(struct sn_netdev *dev, struct sn_frame *f, enum sn_drop_reason r);
void sn_dev_count_drop(struct sn_netdev *dev, enum sn_drop_reason r);
void sn_dev_count_rx_ring_drop(struct sn_netdev *dev, enum sn_drop_reason r);
void sn_dev_count_tx_unsent(struct sn_netdev *dev, enum sn_drop_reason r);
void sn_dev_count_tx_drop(struct sn_netdev *dev, enum sn_drop_reason r);
void sn_dev_count_drop_event(struct sn_netdev *dev, enum sn_drop_reason r);

/* Sum one CPU's (cpu >= 0) or all CPUs' counters of @dev. Context: any. */
void sn_dev_stats_read(struct sn_netdev *dev, int cpu, struct sn_dev_stats *out);

/*
 * Receive: the entry point from a backend's poll for each frame (f->dev, f->rxq set). VLAN-tagged
 * frames are untagged onto their vlan device (or dropped, VLAN_UNKNOWN/VLAN_TRUNC), rx counted,
 * then handed to the rx handler (the stack; XDP runs before it once attached). Consumes @f.
 * Context: BH (NAPI poll).
 */
void sn_netif_receive_frame(struct sn_frame *f);

/*
 * XDP hook (set by xdp/): called first for a frame whose device has xdp_prog set. Returns true
 * when it consumed the frame (and counted it), false for XDP_PASS (the frame goes on).
 */
extern bool (*sn_xdp_rx_hook)(struct sn_frame *f);

typedef void (*sn_rx_handler_t)(struct sn_frame *f);
/* The stack's entry; NULL drops everything as LOCAL_UNHANDLED. Set before traffic. */
void sn_netdev_set_rx_handler(sn_rx_handler_t fn);

#endif /* NET_NETDEV_H */
