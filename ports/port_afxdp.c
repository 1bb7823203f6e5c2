// SPDX-License-Identifier: GPL-2.0-only
/*
 * port_afxdp.c - the AF_XDP port: one libxdp xsk socket and one UMEM per queue.
 *
 * Layout of a queue's UMEM (one mmap, 2 MiB pages when the system has them):
 *
 *   [ rx half: AFXDP_RX_BUFS frames, owned by a page_pool ][ tx half: AFXDP_TX_BUFS frames ]
 *
 * rx: the page_pool of the queue (net/page_pool.h, mem = the rx half, napi = the queue's NAPI)
 * hands buffers to the fill ring; the kernel copies (copy mode) or DMAs (zero-copy) a packet into
 * one and posts it on the rx ring; the NAPI poll wraps it in a frame head whose ops give the
 * buffer back to the pool when the stack is done with it. in_kernel[] remembers which buffers
 * the kernel holds (fill ring, or rx ring not yet polled) so that destroy can return them after
 * the socket is gone: the kernel never gives fill-ring entries back by itself.
 *
 * tx: every frame is copied into a buffer of the tx half (a stack of free addresses per queue),
 * its original released, and a descriptor reserved on the tx ring; tx_flush submits them, kicks
 * the kernel with sendto() when it asks for it (need_wakeup; always in copy mode, where each
 * sendto() sends at most a batch and says EAGAIN while more are left), and reaps the completion
 * ring back into the free stack. A full ring (or no free buffer) kicks and reaps too before a
 * frame is refused: that is what drains descriptors left on the ring while the interface was down
 * (sendto() says ENETDOWN and they stay), since no flush runs when nothing can be queued.
 *
 * Contexts and ownership:
 *   - rx ring, fill ring, in_kernel[], the pool's alloc side: the queue's NAPI poll only (or any
 *     thread while that NAPI is disabled: open, stop, destroy);
 *   - tx ring, completion ring, the free stack: under the tx lock of txq[qid] (HARD_TX_LOCK);
 *   - running, carrier: atomics, read from any context.
 * The rx and tx halves of a queue live on separate cache lines: one CPU polls while others
 * transmit.
 *
 * The XDP program: libxdp's default XSKMAP program, attached by xsk_socket__create() for the
 * first socket of an interface and detached by xsk_socket__delete() of the last one (libxdp
 * counts the sockets in the program's own map). Its multi-program dispatcher needs freplace; where
 * that cannot load, libxdp attaches the program alone ("legacy" single-program mode). Which one
 * happened is read back with xdp_multiprog__*() and reported, not guessed from libxdp's log.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <linux/xdp_diag.h>
#include <net/if_arp.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include "bhlock/bottom_half.h"
#include "bhlock/compiler.h"
#include "config/config_types.h"
#include "net/frame.h"
#include "net/napi.h"
#include "net/netdev.h"
#include "net/page_pool.h"
#include "net/xmit.h"
#include "ports/ports.h"

#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif

#define AFXDP_FRAME_SIZE 2048u     /* chunk size; the kernel puts 256 bytes of headroom first */
#define AFXDP_RX_BUFS 4096u        /* page_pool size: twice the fill ring */
#define AFXDP_TX_BUFS 2048u
#define AFXDP_FILL_RING 2048u
#define AFXDP_RX_RING 2048u
#define AFXDP_TX_RING 1024u        /* smaller than the tx buffers: a full ring is its own drop */
#define AFXDP_COMP_RING 2048u      /* >= AFXDP_TX_BUFS: every outstanding frame has a slot */
#define AFXDP_RX_HALF ((uint64_t)AFXDP_RX_BUFS * AFXDP_FRAME_SIZE)
#define AFXDP_UMEM_SIZE (AFXDP_RX_HALF + (uint64_t)AFXDP_TX_BUFS * AFXDP_FRAME_SIZE)
#define AFXDP_REFILL_MAX 256u      /* fill-ring entries added per poll, at most */
#define AFXDP_BUSY_POLL_USECS 20
#define AFXDP_CARRIER_REFRESH_NS 100000000ull /* IFF_RUNNING re-read at most every 100 ms */
#define AFXDP_TX_KICKS_MAX 64      /* sendto() calls per flush (copy mode sends 32 per call) */
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

struct afxdp_queue {
	/* rx: the queue's NAPI (or a thread while it is disabled) */
	struct xsk_ring_cons rx;
	struct xsk_ring_prod fq;
	struct sn_page_pool *pool;
	uint8_t *in_kernel;        /* per rx buffer: 1 while the kernel holds it */
	uint32_t nr_in_kernel;
	uint64_t rx_kicks;

	/* tx: under the tx lock of txq[qid] */
	struct xsk_ring_prod tx ____cacheline_aligned;
	struct xsk_ring_cons cq;
	uint64_t *tx_free;         /* stack of free tx-half addresses */
	uint32_t nr_tx_free;
	uint32_t tx_queued;        /* reserved on the tx ring, not yet submitted */
	uint64_t tx_kicks;
	int tx_errno;              /* what the last kick said (0, ENETDOWN...), for describe */

	/* set up by create, torn down by destroy */
	uint8_t *area ____cacheline_aligned;
	size_t area_len;
	bool hugetlb;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	int fd;
	int cpu;
	bool irq_set;
};

struct afxdp_port {
	char ifname[IFNAMSIZ];
	int ifindex;
	enum cfg_xsk_mode mode;
	bool busy_poll;
	bool busy_poll_ok;         /* every setsockopt of the busy-poll trio succeeded */
	int irq_prio;
	unsigned int nr_q;
	struct afxdp_queue *q;

	/* what the kernel and libxdp gave us */
	bool zerocopy;
	char zc_refused[64];       /* auto mode: why zero-copy was not used */
	uint32_t xdp_flags;        /* 0 (native) or XDP_FLAGS_SKB_MODE */
	bool prog_was_attached;    /* a program was on the interface before our first socket */
	bool libxdp_known, libxdp_legacy;
	enum xdp_attach_mode attach_mode;
	uint32_t prog_id;
	char prog_name[32];

	int ioctl_fd;              /* AF_INET datagram socket for SIOCGIFFLAGS */
	bool opened;               /* open done and not stopped (thread context only) */
	int running;               /* atomic: open and not stopping */
	int carrier;               /* atomic: IFF_RUNNING at the last refresh */
	uint64_t carrier_next_ns;  /* atomic: when to refresh it next */
};

static const struct sn_netdev_ops afxdp_ops;

static uint64_t coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * libxdp's and libbpf's own messages. Creating the first socket makes libxdp try its dispatcher,
 * and where that cannot load (freplace refused) libbpf logs the failure before libxdp falls back
 * to a single program: noise, not an error. The outcome is read back and reported (describe and
 * one line at create); the raw messages are shown with SOFTNETD_LIBXDP_DEBUG=1.
 */
static bool afxdp_lib_verbose(void)
{
	static int verbose = -1;

	if (verbose < 0)
		verbose = getenv("SOFTNETD_LIBXDP_DEBUG") != NULL;
	return verbose;
}

static int afxdp_libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	if (!afxdp_lib_verbose())
		return 0;
	fprintf(stderr, "libxdp[%d]: ", (int)level);
	return vfprintf(stderr, fmt, ap);
}

static int afxdp_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!afxdp_lib_verbose())
		return 0;
	fprintf(stderr, "libbpf[%d]: ", (int)level);
	return vfprintf(stderr, fmt, ap);
}

/* Around libxdp calls (thread context, start-up and teardown): libbpf's printer is global. */
static libbpf_print_fn_t afxdp_quiet_begin(void)
{
	return libbpf_set_print(afxdp_libbpf_print);
}

static void afxdp_quiet_end(libbpf_print_fn_t old)
{
	libbpf_set_print(old);
}

/* ---- carrier ----------------------------------------------------------------------------- */

static void afxdp_carrier_refresh(struct afxdp_port *pt)
{
	struct ifreq ifr = { 0 };
	int up = 0;

	memcpy(ifr.ifr_name, pt->ifname, IFNAMSIZ);
	if (pt->ioctl_fd >= 0 && ioctl(pt->ioctl_fd, SIOCGIFFLAGS, &ifr) == 0) {
		struct ethtool_value ev = { .cmd = ETHTOOL_GLINK };
		int running = !!(ifr.ifr_flags & IFF_RUNNING), admin = !!(ifr.ifr_flags & IFF_UP);

		/*
		 * IFF_RUNNING follows the operational state, which the kernel's linkwatch updates
		 * up to a second after the carrier changes (a veth just brought up reads "not
		 * running" for a while); ETHTOOL_GLINK reports the carrier itself.
		 */
		ifr.ifr_data = (char *)&ev;
		if (ioctl(pt->ioctl_fd, SIOCETHTOOL, &ifr) == 0)
			running = !!ev.data;
		up = admin && running; /* ifr_flags shares its bytes with ifr_data */
	}
	__atomic_store_n(&pt->carrier, up, __ATOMIC_RELAXED);
}

/*
 * ops->carrier, called per transmitted frame: a cached IFF_RUNNING. One caller every
 * AFXDP_CARRIER_REFRESH_NS wins the cmpxchg and pays the ioctl; everyone else reads the flag.
 */
static bool afxdp_carrier(struct sn_netdev *dev)
{
	struct afxdp_port *pt = dev->priv;
	uint64_t next, now;

	if (!__atomic_load_n(&pt->running, __ATOMIC_ACQUIRE))
		return false;
	next = __atomic_load_n(&pt->carrier_next_ns, __ATOMIC_RELAXED);
	now = coarse_ns();
	if (unlikely(now >= next) &&
	    __atomic_compare_exchange_n(&pt->carrier_next_ns, &next, now + AFXDP_CARRIER_REFRESH_NS,
					false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		afxdp_carrier_refresh(pt);
	return __atomic_load_n(&pt->carrier, __ATOMIC_RELAXED);
}

/*
 * The kernel interface's Ethernet address becomes the port's: the stack answers ARP/ND with it,
 * the router accepts only unicast to it (NOT_FOR_US otherwise), and forwarded frames leave with
 * it as their source. Read once at create, like dev->dev_addr at probe. Context: thread.
 */
static int afxdp_read_mac(struct afxdp_port *pt, struct sn_netdev *dev)
{
	struct ifreq ifr = { 0 };

	memcpy(ifr.ifr_name, pt->ifname, IFNAMSIZ);
	if (ioctl(pt->ioctl_fd, SIOCGIFHWADDR, &ifr))
		return -errno;
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		return -EPROTONOSUPPORT;
	memcpy(dev->mac, ifr.ifr_hwaddr.sa_data, sizeof(dev->mac));
	return 0;
}

/* ---- rx ------------------------------------------------------------------------------------ */

static inline uint32_t afxdp_slot(uint64_t chunk)
{
	return (uint32_t)(chunk / AFXDP_FRAME_SIZE);
}

/* Lend up to @max pool buffers to the kernel through the fill ring. Context: rx owner. */
static void afxdp_refill(struct afxdp_queue *q, unsigned int max)
{
	void *bufs[SN_PP_ALLOC_CACHE_REFILL];
	unsigned int room = xsk_prod_nb_free(&q->fq, max);
	uint32_t idx = 0;

	if (room > max)
		room = max;
	while (room) {
		unsigned int want = room < ARRAY_SIZE(bufs) ? room : ARRAY_SIZE(bufs);
		unsigned int got = sn_page_pool_alloc_bulk(q->pool, bufs, want);

		if (!got)
			break;
		/* Cannot fail: xsk_prod_nb_free() said there is room for at least @got. */
		xsk_ring_prod__reserve(&q->fq, got, &idx);
		for (unsigned int i = 0; i < got; i++) {
			uint64_t addr = (uint64_t)((uint8_t *)bufs[i] - q->area);

			*xsk_ring_prod__fill_addr(&q->fq, idx + i) = addr;
			q->in_kernel[afxdp_slot(addr)] = 1;
		}
		q->nr_in_kernel += got;
		xsk_ring_prod__submit(&q->fq, got);
		room -= got;
		if (got < want)
			break;
	}
}

/* Take a buffer back from an rx descriptor; NULL if the descriptor is not one of ours. */
static uint8_t *afxdp_rx_take(struct afxdp_queue *q, const struct xdp_desc *d)
{
	uint64_t chunk = d->addr & ~(uint64_t)(AFXDP_FRAME_SIZE - 1);
	uint32_t slot = afxdp_slot(chunk);

	if (chunk >= AFXDP_RX_HALF || !q->in_kernel[slot] ||
	    d->len > AFXDP_FRAME_SIZE - (d->addr - chunk))
		return NULL;
	q->in_kernel[slot] = 0;
	q->nr_in_kernel--;
	return q->area + chunk;
}

static int afxdp_poll(struct sn_napi *napi, int budget)
{
	struct sn_netdev *dev = napi->dev;
	struct afxdp_port *pt = dev->priv;
	struct afxdp_queue *q = &pt->q[napi->qid];
	uint32_t idx = 0, n;

	afxdp_refill(q, AFXDP_REFILL_MAX);
	n = xsk_ring_cons__peek(&q->rx, (uint32_t)budget, &idx);
	if (!n && (pt->busy_poll || xsk_ring_prod__needs_wakeup(&q->fq))) {
		/* Let the kernel run its side (busy poll, or a driver waiting for fill entries). */
		recvfrom(q->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
		q->rx_kicks++;
		n = xsk_ring_cons__peek(&q->rx, (uint32_t)budget, &idx);
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&q->rx, idx + i);
		uint8_t *buf = afxdp_rx_take(q, d);
		struct sn_frame *f;

		if (unlikely(!buf)) {
			sn_dev_count_drop(dev, SN_DROP_MALFORMED);
			continue;
		}
		f = sn_frame_alloc_head();
		if (unlikely(!f)) {
			sn_dev_count_drop(dev, SN_DROP_NOMEM_HEAD);
			sn_page_pool_put(q->pool, buf, true);
			continue;
		}
		f->buf = buf;
		f->buf_len = AFXDP_FRAME_SIZE;
		f->data = q->area + d->addr;
		f->len = d->len;
		f->ops = &sn_page_pool_frame_ops;
		f->owner = q->pool;
		f->handle = (uintptr_t)(buf - q->area);
		f->dev = dev;
		f->rxq = (uint16_t)napi->qid;
		sn_netif_receive_frame(f);
	}
	if (n) {
		xsk_ring_cons__release(&q->rx, n);
		afxdp_refill(q, AFXDP_REFILL_MAX);
	}
	/*
	 * The page_pool had nothing and the fill ring ran dry: no frame can arrive to schedule us
	 * again, and only this poll refills it. Stay scheduled, as a driver whose rx refill failed
	 * does (mlx5e_post_rx_wqes() keeping its NAPI busy), until buffers come back.
	 */
	if (unlikely(!q->nr_in_kernel))
		return budget;
	if ((int)n < budget)
		napi_complete_done(napi, (int)n);
	return (int)n;
}

/* ---- tx ------------------------------------------------------------------------------------ */

/* Completed tx buffers back to the free stack. Context: tx lock. */
static void afxdp_reap(struct afxdp_queue *q)
{
	uint32_t idx, n = xsk_ring_cons__peek(&q->cq, AFXDP_COMP_RING, &idx);

	for (uint32_t i = 0; i < n; i++)
		q->tx_free[q->nr_tx_free++] = *xsk_ring_cons__comp_addr(&q->cq, idx + i);
	if (n)
		xsk_ring_cons__release(&q->cq, n);
}

static inline uint32_t afxdp_tx_in_ring(const struct afxdp_queue *q)
{
	return __atomic_load_n(q->tx.producer, __ATOMIC_RELAXED) -
	       __atomic_load_n(q->tx.consumer, __ATOMIC_ACQUIRE);
}

/*
 * Submit what start_xmit queued and kick the kernel while it wants it. Context: tx lock.
 *
 * Copy mode sends at most a batch per sendto() and answers EAGAIN while more are left; EBUSY means
 * the driver refused one frame (NET_XMIT_DROP: the kernel completed it and counted it in the
 * interface's tx_dropped). ENETDOWN: the interface is down; its descriptors stay on the ring and
 * go out when it is up again — the next kick sends them, which is why a full ring kicks too
 * (afxdp_start_xmit()): without it, a ring filled while the link was down would stay full, no
 * flush would ever run (nothing is queued) and every later frame would be refused. The cached
 * carrier is dropped at once so that the core stops queueing (PORT_DOWN) instead of filling the
 * ring until the next IFF_RUNNING refresh.
 */
static void afxdp_tx_push(struct afxdp_port *pt, struct afxdp_queue *q)
{
	if (q->tx_queued) {
		xsk_ring_prod__submit(&q->tx, q->tx_queued);
		q->tx_queued = 0;
	}
	for (int kicks = 0; kicks < AFXDP_TX_KICKS_MAX; kicks++) {
		if (!afxdp_tx_in_ring(q) || !xsk_ring_prod__needs_wakeup(&q->tx))
			break;
		q->tx_kicks++;
		if (sendto(q->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0) {
			q->tx_errno = 0;
			continue; /* copy mode: a batch went out; more may be left */
		}
		if (errno == EAGAIN || errno == EBUSY) {
			q->tx_errno = 0;
			continue;
		}
		q->tx_errno = errno;
		if (errno == ENETDOWN || errno == ENXIO)
			__atomic_store_n(&pt->carrier, 0, __ATOMIC_RELAXED);
		break; /* the descriptors stay for the next kick */
	}
}

static enum sn_netdev_tx afxdp_start_xmit(struct sn_frame *f, struct sn_netdev *dev,
					  struct sn_txq *txq)
{
	struct afxdp_port *pt = dev->priv;
	struct afxdp_queue *q = &pt->q[txq->qid % pt->nr_q];
	uint32_t len = f->len + ((f->flags & SN_FRAME_F_VLAN) ? 4 : 0);
	struct xdp_desc *d;
	uint64_t addr;
	uint8_t *dst;
	uint32_t idx = 0;

	if (unlikely(len > AFXDP_FRAME_SIZE)) {
		sn_dev_drop_xmit_frame(dev, f, SN_DROP_TOO_BIG);
		return NETDEV_TX_OK;
	}
	if (unlikely(!q->nr_tx_free || !xsk_prod_nb_free(&q->tx, 1))) {
		/*
		 * Ring or buffers exhausted: kick the kernel and reap before giving up. This is what
		 * drains a ring that filled while nobody flushed (link down and up, see
		 * afxdp_tx_push()); without it nothing would ever kick it again.
		 */
		afxdp_tx_push(pt, q);
		afxdp_reap(q);
	}
	/*
	 * Not taken: the core drops it as TX_RING_FULL and does not count it as sent. (A drop
	 * made here and returned as NETDEV_TX_OK would be counted as sent as well.)
	 */
	if (unlikely(!q->nr_tx_free))
		return NETDEV_TX_BUSY;
	if (unlikely(xsk_ring_prod__reserve(&q->tx, 1, &idx) != 1))
		return NETDEV_TX_BUSY;

	addr = q->tx_free[--q->nr_tx_free];
	dst = q->area + addr;
	if (f->flags & SN_FRAME_F_VLAN) {
		/* No tx VLAN offload: put the tag back in the copy (validate_xmit_vlan()). */
		memcpy(dst, f->data, 12);
		dst[12] = 0x81;
		dst[13] = 0x00;
		dst[14] = (uint8_t)(f->vlan_tci >> 8);
		dst[15] = (uint8_t)f->vlan_tci;
		memcpy(dst + 16, f->data + 12, f->len - 12);
	} else {
		memcpy(dst, f->data, f->len);
	}
	d = xsk_ring_prod__tx_desc(&q->tx, idx);
	d->addr = addr;
	d->len = len;
	d->options = 0;
	q->tx_queued++;
	/* tx packets/bytes are counted by sn_dev_queue_xmit() on NETDEV_TX_OK */
	sn_frame_free(f, true);
	return NETDEV_TX_OK;
}

static void afxdp_tx_flush(struct sn_netdev *dev, struct sn_txq *txq)
{
	struct afxdp_port *pt = dev->priv;
	struct afxdp_queue *q = &pt->q[txq->qid % pt->nr_q];

	afxdp_tx_push(pt, q);
	afxdp_reap(q);
}

/* ---- UMEM and sockets ------------------------------------------------------------------- */

static int afxdp_umem_map(struct afxdp_queue *q)
{
	void *p = mmap(NULL, AFXDP_UMEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);

	q->hugetlb = p != MAP_FAILED;
	if (p == MAP_FAILED)
		p = mmap(NULL, AFXDP_UMEM_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	q->area = p;
	q->area_len = AFXDP_UMEM_SIZE;
	return 0;
}

/* Register the UMEM and bind a socket to queue @qid. Return 0 or -errno (nothing left behind). */
static int afxdp_socket_open(struct afxdp_port *pt, struct afxdp_queue *q, unsigned int qid,
			     bool zerocopy, uint32_t xdp_flags)
{
	const struct xsk_umem_config ucfg = {
		.fill_size = AFXDP_FILL_RING,
		.comp_size = AFXDP_COMP_RING,
		.frame_size = AFXDP_FRAME_SIZE,
		.frame_headroom = 0,
		.flags = 0,
	};
	const struct xsk_socket_config scfg = {
		.rx_size = AFXDP_RX_RING,
		.tx_size = AFXDP_TX_RING,
		.libxdp_flags = 0, /* libxdp attaches its default XSKMAP program */
		.xdp_flags = xdp_flags,
		.bind_flags = XDP_USE_NEED_WAKEUP | (zerocopy ? XDP_ZEROCOPY : XDP_COPY),
	};
	int err;

	err = xsk_umem__create(&q->umem, q->area, AFXDP_UMEM_SIZE, &q->fq, &q->cq, &ucfg);
	if (err) {
		q->umem = NULL;
		return err;
	}
	/*
	 * A failed create leaves the UMEM's fill/completion rings half used (libxdp reuses the
	 * UMEM's fd for the first socket); delete it and start from a fresh one on any retry.
	 */
	libbpf_print_fn_t old = afxdp_quiet_begin();

	err = xsk_socket__create(&q->xsk, pt->ifname, qid, q->umem, &q->rx, &q->tx, &scfg);
	afxdp_quiet_end(old);
	if (err) {
		q->xsk = NULL;
		xsk_umem__delete(q->umem);
		q->umem = NULL;
		return err;
	}
	q->fd = xsk_socket__fd(q->xsk);
	return 0;
}

static void afxdp_socket_close(struct afxdp_queue *q)
{
	if (q->xsk) {
		libbpf_print_fn_t old = afxdp_quiet_begin();

		xsk_socket__delete(q->xsk); /* the last one detaches libxdp's program */
		afxdp_quiet_end(old);
	}
	q->xsk = NULL;
	if (q->umem)
		xsk_umem__delete(q->umem);
	q->umem = NULL;
	q->fd = -1;
}

/*
 * Queue 0 decides the bind mode (and the XDP attach mode) for the port; later queues use it.
 * auto: zero-copy, else copy with the reason kept for describe.
 */
static int afxdp_socket_first(struct afxdp_port *pt, struct afxdp_queue *q, char *err,
			      size_t errlen, const char *name)
{
	int rc;

	if (pt->mode != CFG_XSK_COPY) {
		rc = afxdp_socket_open(pt, q, 0, true, 0);
		if (!rc) {
			pt->zerocopy = true;
			return 0;
		}
		if (pt->mode == CFG_XSK_ZEROCOPY) {
			snprintf(err, errlen, "port '%s': rxq 0: zero-copy bind on %s failed: %s",
				 name, pt->ifname, strerror(-rc));
			return rc;
		}
		snprintf(pt->zc_refused, sizeof(pt->zc_refused), "%s", strerror(-rc));
	}
	rc = afxdp_socket_open(pt, q, 0, false, 0);
	if (rc == -EOPNOTSUPP) {
		/* No native XDP in the driver: libxdp's program in generic (skb) mode. */
		pt->xdp_flags = XDP_FLAGS_SKB_MODE;
		rc = afxdp_socket_open(pt, q, 0, false, pt->xdp_flags);
	}
	if (rc)
		snprintf(err, errlen, "port '%s': rxq 0: AF_XDP socket on %s failed: %s", name,
			 pt->ifname, strerror(-rc));
	return rc;
}

/* ---- a killed predecessor's XDP program ----------------------------------------------------- */

/*
 * AF_XDP sockets of this network namespace bound to @ifindex, through sock_diag (what `ss --xdp`
 * reads). Return: the count, or -errno (-ENOENT: the kernel has no AF_XDP sock_diag).
 */
static int afxdp_bound_sockets(int ifindex)
{
	struct {
		struct nlmsghdr nlh;
		struct xdp_diag_req req;
	} msg = {
		.nlh = {.nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
		.req = {.sdiag_family = AF_XDP, .xdiag_show = XDP_SHOW_INFO},
	};
	char buf[16384] __attribute__((aligned(8)));
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG), n = 0, rc = 0;

	if (fd < 0)
		return -errno;
	if (send(fd, &msg, sizeof(msg), 0) < 0)
		rc = -errno;
	while (!rc) {
		int len = (int)recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (len <= 0) {
			rc = len ? -errno : -EPROTO;
			break;
		}
		for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			struct xdp_diag_msg *m = NLMSG_DATA(h);
			struct rtattr *a = (struct rtattr *)(m + 1);
			int alen = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*m));

			if (h->nlmsg_type == NLMSG_DONE)
				goto out;
			if (h->nlmsg_type == NLMSG_ERROR) {
				rc = ((struct nlmsgerr *)NLMSG_DATA(h))->error ?: -EPROTO;
				goto out;
			}
			for (; RTA_OK(a, alen); a = RTA_NEXT(a, alen))
				if (a->rta_type == XDP_DIAG_INFO &&
				    (int)((struct xdp_diag_info *)RTA_DATA(a))->ifindex == ifindex)
					n++;
		}
	}
out:
	close(fd);
	return rc ? rc : n;
}

static bool afxdp_reclaim_orphans; /* set at start-up only, before any port is created */

void sn_port_afxdp_reclaim_orphans(void)
{
	afxdp_reclaim_orphans = true;
}

/*
 * A softnetd killed by SIGKILL leaves libxdp's XSK program attached (and, in dispatcher mode,
 * its bpffs pins): the sockets died with the process, the netlink attachment did not. If the
 * interface carries only libxdp's xsk_def_prog and no AF_XDP socket is bound to it, nobody uses
 * the program: detach it now, so that this daemon attaches its own and detaches it at stop
 * instead of taking it for someone else's and leaving it behind. Without AF_XDP sock_diag
 * (CONFIG_XDP_SOCKETS_DIAG) the sockets cannot be listed; then only a predecessor known dead
 * (sn_port_afxdp_reclaim_orphans(): its control socket was stale) makes the program an orphan.
 * Context: thread, at create.
 */
static void afxdp_detach_orphan(struct afxdp_port *pt, const char *port)
{
	libbpf_print_fn_t old = afxdp_quiet_begin();
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(pt->ifindex);
	struct xdp_program *prog;
	bool only_xsk = false;
	int users, rc;

	if (!mp || libxdp_get_error(mp))
		goto out_quiet;
	if (xdp_multiprog__is_legacy(mp)) {
		prog = xdp_multiprog__main_prog(mp);
		only_xsk = prog && !strcmp(xdp_program__name(prog), "xsk_def_prog");
	} else {
		for (prog = xdp_multiprog__next_prog(NULL, mp); prog;
		     prog = xdp_multiprog__next_prog(prog, mp)) {
			only_xsk = !strcmp(xdp_program__name(prog), "xsk_def_prog");
			if (!only_xsk)
				break;
		}
	}
	if (!only_xsk)
		goto out_close;
	users = afxdp_bound_sockets(pt->ifindex);
	if (users < 0 && afxdp_reclaim_orphans)
		users = 0;
	if (users) {
		if (users < 0)
			fprintf(stderr, "port '%s': libxdp's XSK program is on %s and its users cannot "
				"be listed (%s): left as it is\n", port, pt->ifname, strerror(-users));
		goto out_close;
	}
	rc = xdp_multiprog__detach(mp);
	fprintf(stderr, "port '%s': libxdp's XSK program on %s has no AF_XDP socket (a killed "
		"predecessor's): %s\n", port, pt->ifname, rc ? strerror(-rc) : "detached");
out_close:
	xdp_multiprog__close(mp);
out_quiet:
	afxdp_quiet_end(old);
}

/* What libxdp ended up with on the interface: dispatcher or single program, and how attached. */
static void afxdp_query_prog(struct afxdp_port *pt)
{
	libbpf_print_fn_t old = afxdp_quiet_begin();
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(pt->ifindex);
	struct xdp_program *main_prog;

	afxdp_quiet_end(old);
	pt->libxdp_known = false;
	if (!mp || libxdp_get_error(mp))
		return;
	pt->libxdp_known = true;
	pt->libxdp_legacy = xdp_multiprog__is_legacy(mp);
	pt->attach_mode = xdp_multiprog__attach_mode(mp);
	main_prog = xdp_multiprog__main_prog(mp);
	if (main_prog) {
		pt->prog_id = xdp_program__id(main_prog);
		snprintf(pt->prog_name, sizeof(pt->prog_name), "%s", xdp_program__name(main_prog));
	}
	xdp_multiprog__close(mp);
}

static const char *afxdp_attach_name(enum xdp_attach_mode m)
{
	switch (m) {
	case XDP_MODE_NATIVE:
		return "native";
	case XDP_MODE_SKB:
		return "skb";
	case XDP_MODE_HW:
		return "hw";
	default:
		return "unspec";
	}
}

static int afxdp_busy_poll_setup(struct afxdp_port *pt, struct afxdp_queue *q, int budget)
{
	int one = 1, usecs = AFXDP_BUSY_POLL_USECS;

	if (setsockopt(q->fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &one, sizeof(one)) ||
	    setsockopt(q->fd, SOL_SOCKET, SO_BUSY_POLL, &usecs, sizeof(usecs)) ||
	    setsockopt(q->fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &budget, sizeof(budget)))
		return -errno;
	(void)pt;
	return 0;
}

/*
 * Everything the kernel held comes back once its socket is gone: give the rx buffers to the
 * pool and refill the tx free stack. Context: thread, socket deleted, NAPI disabled.
 */
static void afxdp_reclaim(struct afxdp_queue *q)
{
	if (q->in_kernel && q->pool) {
		for (uint32_t s = 0; s < AFXDP_RX_BUFS; s++) {
			if (!q->in_kernel[s])
				continue;
			q->in_kernel[s] = 0;
			sn_page_pool_put(q->pool, q->area + (uint64_t)s * AFXDP_FRAME_SIZE, false);
		}
		q->nr_in_kernel = 0;
	}
	if (q->tx_free) {
		q->nr_tx_free = 0;
		for (uint32_t i = 0; i < AFXDP_TX_BUFS; i++)
			q->tx_free[q->nr_tx_free++] = AFXDP_RX_HALF + (uint64_t)i * AFXDP_FRAME_SIZE;
		q->tx_queued = 0;
	}
}

/* ---- ops ------------------------------------------------------------------------------------ */

static int afxdp_open(struct sn_netdev *dev)
{
	struct afxdp_port *pt = dev->priv;
	int rc;

	if (pt->opened)
		return 0;
	for (unsigned int i = 0; i < pt->nr_q; i++) {
		struct afxdp_queue *q = &pt->q[i];

		/* NAPI still disabled: this thread may use the pool's alloc side. */
		afxdp_refill(q, AFXDP_FILL_RING);
		if (!q->irq_set) {
			rc = sn_napi_set_irq(&dev->napi[i], q->fd, pt->irq_prio);
			if (rc) {
				fprintf(stderr, "port '%s': rxq %u: interrupt on the xsk fd: %s\n",
					dev->name, i, strerror(-rc));
				return rc;
			}
			q->irq_set = true;
		}
	}
	afxdp_carrier_refresh(pt);
	__atomic_store_n(&pt->carrier_next_ns, coarse_ns() + AFXDP_CARRIER_REFRESH_NS,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&pt->running, 1, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < pt->nr_q; i++)
		napi_enable(&dev->napi[i]);
	/* Frames that arrived before the interrupt was armed are not waited for. */
	for (unsigned int i = 0; i < pt->nr_q; i++)
		napi_schedule(&dev->napi[i]);
	pt->opened = true;
	return 0;
}

/* Frames on the rx ring that no poll will see: counted SHUTDOWN, buffers back. */
static unsigned int afxdp_rx_drain(struct sn_netdev *dev, struct afxdp_queue *q)
{
	uint32_t idx, n = xsk_ring_cons__peek(&q->rx, AFXDP_RX_RING, &idx);

	for (uint32_t i = 0; i < n; i++) {
		uint8_t *buf = afxdp_rx_take(q, xsk_ring_cons__rx_desc(&q->rx, idx + i));

		if (buf)
			sn_page_pool_put(q->pool, buf, false);
		sn_dev_count_drop(dev, SN_DROP_SHUTDOWN);
	}
	if (n)
		xsk_ring_cons__release(&q->rx, n);
	return n;
}

static void afxdp_stop(struct sn_netdev *dev)
{
	struct afxdp_port *pt = dev->priv;

	if (!pt->opened)
		return;
	pt->opened = false;
	/* New transmits see no carrier (PORT_DOWN) from here on. */
	__atomic_store_n(&pt->running, 0, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < pt->nr_q; i++)
		napi_disable(&dev->napi[i]);

	/*
	 * netif_tx_disable() + drain: take each tx lock (waits out a transmit already past the
	 * carrier test), push what is queued, and wait for the kernel to send it and for no CPU's
	 * flush list to hold the queue any more (a sender that passed the carrier test just before
	 * `running` dropped flushes at the end of its poll; lacking synchronize_net(), two clean
	 * looks 1 ms apart stand in for the grace period). Whatever is still on the tx ring after
	 * 100 ms never left: SHUTDOWN.
	 */
	for (unsigned int i = 0; i < pt->nr_q; i++) {
		struct afxdp_queue *q = &pt->q[i];
		struct sn_txq *txq = &dev->txq[i];
		uint32_t left = 0;
		int clean = 0;

		for (int tries = 0; tries < 100 && clean < 2; tries++) {
			bool listed;

			local_bh_disable();
			sn_tx_lock(txq);
			afxdp_tx_push(pt, q);
			afxdp_reap(q);
			left = afxdp_tx_in_ring(q);
			listed = READ_ONCE(txq->on_flush_list);
			sn_tx_unlock(txq);
			local_bh_enable();
			clean = !left && !listed ? clean + 1 : 0;
			if (clean < 2)
				usleep(1000);
		}
		local_bh_disable();
		/* Counted as sent when queued: they leave the egress total as unsent. */
		for (uint32_t k = 0; k < left; k++)
			sn_dev_count_tx_unsent(dev, SN_DROP_SHUTDOWN);
		afxdp_rx_drain(dev, q);
		local_bh_enable();
	}
}

static void afxdp_destroy(struct sn_netdev *dev)
{
	struct afxdp_port *pt = dev->priv;
	__u32 id = 0;

	if (!pt->q)
		goto out_fd;
	for (unsigned int i = 0; i < pt->nr_q; i++)
		afxdp_socket_close(&pt->q[i]);
	/* libxdp detaches its program with the last socket; make sure nothing of ours stays. */
	if (pt->ifindex > 0 && !pt->prog_was_attached && !bpf_xdp_query_id(pt->ifindex, 0, &id) &&
	    id) {
		struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(pt->ifindex);
		struct xdp_program *main_prog;

		/* Only libxdp's XSK program, which we caused: never someone else's. */
		if (mp && !libxdp_get_error(mp)) {
			main_prog = xdp_multiprog__main_prog(mp);
			if (main_prog && !strcmp(xdp_program__name(main_prog), "xsk_def_prog")) {
				fprintf(stderr, "port '%s': XDP program %u still on %s after the "
					"last socket; detaching it\n", dev->name, id, pt->ifname);
				xdp_multiprog__detach(mp);
			}
			xdp_multiprog__close(mp);
		}
	}
	for (unsigned int i = 0; i < pt->nr_q; i++) {
		struct afxdp_queue *q = &pt->q[i];

		afxdp_reclaim(q);
		if (q->pool) {
			struct sn_page_pool_stats st;

			sn_page_pool_stats(q->pool, &st);
			if (st.in_use)
				fprintf(stderr, "port '%s': rxq %u: %llu rx buffers never came back\n",
					dev->name, i, (unsigned long long)st.in_use);
			sn_page_pool_destroy(q->pool);
		}
		free(q->in_kernel);
		free(q->tx_free);
		if (q->area)
			munmap(q->area, q->area_len);
	}
	free(pt->q);
	pt->q = NULL;
out_fd:
	if (pt->ioctl_fd >= 0)
		close(pt->ioctl_fd);
	pt->ioctl_fd = -1;
}

static void afxdp_describe(struct sn_netdev *dev, char *buf, size_t len)
{
	struct afxdp_port *pt = dev->priv;
	uint64_t in_use = 0, nr_bufs = 0, in_kernel = 0, tx_free = 0;
	int tx_errno = 0;
	uint64_t k_rx_drop = 0, k_rx_full = 0, k_fill_empty = 0, k_invalid = 0;
	bool huge = pt->nr_q > 0;
	char bind[128];

	for (unsigned int i = 0; i < pt->nr_q && pt->q; i++) {
		struct afxdp_queue *q = &pt->q[i];
		struct sn_page_pool_stats st = { 0 };
		struct xdp_statistics xs = { 0 };
		socklen_t xlen = sizeof(xs);

		/* The kernel's side of the drops: frames that never reached the rx ring. */
		if (q->fd >= 0 && !getsockopt(q->fd, SOL_XDP, XDP_STATISTICS, &xs, &xlen)) {
			k_rx_drop += xs.rx_dropped;
			k_rx_full += xs.rx_ring_full;
			k_fill_empty += xs.rx_fill_ring_empty_descs;
			k_invalid += xs.rx_invalid_descs + xs.tx_invalid_descs;
		}

		if (q->pool)
			sn_page_pool_stats(q->pool, &st);
		in_use += st.in_use;
		nr_bufs += st.nr_bufs;
		in_kernel += READ_ONCE(q->nr_in_kernel);
		tx_free += READ_ONCE(q->nr_tx_free);
		if (READ_ONCE(q->tx_errno))
			tx_errno = READ_ONCE(q->tx_errno);
		huge = huge && q->hugetlb;
	}
	if (pt->zerocopy)
		snprintf(bind, sizeof(bind), "zero-copy");
	else if (pt->zc_refused[0])
		snprintf(bind, sizeof(bind), "copy (auto: zero-copy refused: %s)", pt->zc_refused);
	else
		snprintf(bind, sizeof(bind), "copy");
	snprintf(buf, len,
		 "if=%s queues=%u bind=%s need_wakeup libxdp=%s xdp=%s prog=%s/%u busy_poll=%s "
		 "umem=%s rxbufs=%llu/%llu(kernel %llu) txfree=%llu/%llu%s%s "
		 "xsk_drops=%llu(rx_ring_full %llu, fill_empty %llu, invalid %llu)",
		 pt->ifname, pt->nr_q, bind,
		 !pt->libxdp_known ? "unknown" : pt->libxdp_legacy ? "single-program" : "dispatcher",
		 pt->libxdp_known ? afxdp_attach_name(pt->attach_mode) : "?",
		 pt->prog_name[0] ? pt->prog_name : "?", pt->prog_id,
		 !pt->busy_poll ? "off" : pt->busy_poll_ok ? "on" : "refused",
		 huge ? "hugetlb" : "4k", (unsigned long long)in_use, (unsigned long long)nr_bufs,
		 (unsigned long long)in_kernel, (unsigned long long)tx_free,
		 (unsigned long long)AFXDP_TX_BUFS * pt->nr_q, tx_errno ? " tx_kick=" : "",
		 tx_errno ? strerror(tx_errno) : "",
		 (unsigned long long)(k_rx_drop + k_rx_full), (unsigned long long)k_rx_full,
		 (unsigned long long)k_fill_empty, (unsigned long long)k_invalid);
}

static const struct sn_netdev_ops afxdp_ops = {
	.kind = "afxdp",
	.open = afxdp_open,
	.stop = afxdp_stop,
	.destroy = afxdp_destroy,
	.start_xmit = afxdp_start_xmit,
	.tx_flush = afxdp_tx_flush,
	.carrier = afxdp_carrier,
	.describe = afxdp_describe,
};

/* ---- create ------------------------------------------------------------------------------- */

static int afxdp_queue_setup(struct sn_netdev *dev, struct afxdp_port *pt, unsigned int qid,
			     char *err, size_t errlen)
{
	struct afxdp_queue *q = &pt->q[qid];
	char pool_name[40];
	int rc;

	rc = afxdp_umem_map(q);
	if (rc) {
		snprintf(err, errlen, "port '%s': rxq %u: UMEM of %llu bytes: %s", dev->name, qid,
			 (unsigned long long)AFXDP_UMEM_SIZE, strerror(-rc));
		return rc;
	}
	q->in_kernel = calloc(AFXDP_RX_BUFS, 1);
	q->tx_free = calloc(AFXDP_TX_BUFS, sizeof(*q->tx_free));
	if (!q->in_kernel || !q->tx_free) {
		snprintf(err, errlen, "port '%s': rxq %u: out of memory", dev->name, qid);
		return -ENOMEM;
	}
	snprintf(pool_name, sizeof(pool_name), "%s-rx%u", dev->name, qid);
	const struct sn_page_pool_params pp = {
		.sz = sizeof(pp),
		.name = pool_name,
		.mem = q->area,
		.buf_size = AFXDP_FRAME_SIZE,
		.nr_bufs = AFXDP_RX_BUFS,
		.ring_size = 0,
		.cpu = q->cpu,
		.napi = &dev->napi[qid],
	};
	q->pool = sn_page_pool_create(&pp);
	if (!q->pool) {
		rc = -errno;
		snprintf(err, errlen, "port '%s': rxq %u: page_pool: %s", dev->name, qid,
			 strerror(errno));
		return rc;
	}
	afxdp_reclaim(q); /* fills the tx free stack */

	if (qid == 0) {
		rc = afxdp_socket_first(pt, q, err, errlen, dev->name);
	} else {
		rc = afxdp_socket_open(pt, q, qid, pt->zerocopy, pt->xdp_flags);
		if (rc)
			snprintf(err, errlen, "port '%s': rxq %u: AF_XDP socket on %s failed: %s",
				 dev->name, qid, pt->ifname, strerror(-rc));
	}
	if (rc)
		return rc;
	if (pt->busy_poll) {
		int b = afxdp_busy_poll_setup(pt, q, dev->napi[qid].weight);

		if (b) {
			pt->busy_poll_ok = false;
			fprintf(stderr, "port '%s': rxq %u: busy poll socket options: %s\n",
				dev->name, qid, strerror(-b));
		}
	}
	return 0;
}

struct sn_netdev *sn_port_afxdp_create(const struct cfg_port *p, const struct sn_port_env *env,
				       char *err, size_t errlen)
{
	static bool print_set;
	unsigned int nr_q = p->queues > 0 ? (unsigned int)p->queues : 1;
	struct sn_netdev *dev;
	struct afxdp_port *pt;
	__u32 id = 0;
	int rc;

	if (!print_set) {
		libxdp_set_print(afxdp_libxdp_print);
		print_set = true;
	}
	if (p->xdp_prog) {
		snprintf(err, errlen, "port '%s': afxdp: a custom xdp_prog is not supported by this "
			 "backend yet (libxdp's default program is used)", p->name);
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (nr_q > SN_MAX_QUEUES || !env || !env->nr_cpus) {
		snprintf(err, errlen, "port '%s': afxdp: bad queue count or CPU list", p->name);
		errno = EINVAL;
		return NULL;
	}
	dev = sn_netdev_alloc(p->name, &afxdp_ops, sizeof(*pt), nr_q, nr_q);
	if (!dev) {
		rc = errno;
		snprintf(err, errlen, "port '%s': afxdp: device: %s", p->name, strerror(rc));
		errno = rc;
		return NULL;
	}
	pt = dev->priv;
	pt->ioctl_fd = -1;
	snprintf(pt->ifname, sizeof(pt->ifname), "%s", p->ifname);
	pt->mode = p->mode;
	pt->busy_poll = p->busy_poll;
	pt->busy_poll_ok = p->busy_poll;
	pt->irq_prio = env->irq_prio;
	pt->nr_q = nr_q;
	pt->ifindex = (int)if_nametoindex(p->ifname);
	dev->kernel_ifindex = pt->ifindex;

	/*
	 * NAPIs first, then register: from here on every failure goes through
	 * sn_netdev_unregister(), which runs ops->destroy on whatever was built.
	 */
	for (unsigned int i = 0; i < nr_q; i++) {
		int cpu = env->cpus[(size_t)(env->first_cpu_slot + (int)i) % env->nr_cpus];

		sn_netif_napi_add(dev, &dev->napi[i], i, afxdp_poll, env->napi_weight, cpu);
	}
	rc = sn_netdev_register(dev);
	if (rc) {
		snprintf(err, errlen, "port '%s': register: %s", p->name, strerror(-rc));
		sn_netdev_unregister(dev); /* frees an unregistered device too */
		errno = -rc;
		return NULL;
	}
	if (!pt->ifindex) {
		rc = -errno;
		snprintf(err, errlen, "port '%s': interface %s: %s", p->name, p->ifname,
			 strerror(errno));
		goto fail;
	}
	pt->ioctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (pt->ioctl_fd >= 0) {
		rc = afxdp_read_mac(pt, dev);
		if (rc) {
			snprintf(err, errlen, "port '%s': interface %s: MAC address: %s", p->name,
				 p->ifname, strerror(-rc));
			goto fail;
		}
	}
	/* aligned: the rx and tx halves of a queue are on separate cache lines */
	pt->q = aligned_alloc(SMP_CACHE_BYTES, nr_q * sizeof(*pt->q));
	if (pt->q)
		memset(pt->q, 0, nr_q * sizeof(*pt->q));
	if (!pt->q || pt->ioctl_fd < 0) {
		rc = -ENOMEM;
		snprintf(err, errlen, "port '%s': out of memory", p->name);
		goto fail;
	}
	for (unsigned int i = 0; i < nr_q; i++) {
		pt->q[i].fd = -1;
		pt->q[i].cpu = dev->napi[i].cpu;
	}
	afxdp_detach_orphan(pt, p->name);
	pt->prog_was_attached = !bpf_xdp_query_id(pt->ifindex, 0, &id) && id;
	for (unsigned int i = 0; i < nr_q; i++) {
		rc = afxdp_queue_setup(dev, pt, i, err, errlen);
		if (rc)
			goto fail;
	}
	for (unsigned int i = 0; env->napi_threaded && i < nr_q; i++) {
		rc = sn_napi_set_threaded(&dev->napi[i], true, 0 /* SCHED_OTHER */, 0);
		if (rc) {
			snprintf(err, errlen, "port '%s': rxq %u: threaded NAPI: %s", p->name, i,
				 strerror(-rc));
			goto fail;
		}
	}
	afxdp_query_prog(pt);
	fprintf(stderr, "port '%s': AF_XDP on %s, %u queue(s), %s bind, libxdp %s mode (%s XDP, "
		"program %s id %u)\n", dev->name, pt->ifname, nr_q,
		pt->zerocopy ? "zero-copy" : "copy",
		!pt->libxdp_known ? "unknown" : pt->libxdp_legacy ? "single-program" : "dispatcher",
		pt->libxdp_known ? afxdp_attach_name(pt->attach_mode) : "?",
		pt->prog_name[0] ? pt->prog_name : "?", pt->prog_id);
	return dev;
fail:
	sn_netdev_unregister(dev);
	errno = -rc;
	return NULL;
}
