/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * frame.h - a packet: a head (struct sn_frame, the sk_buff of softnetd) pointing into a buffer.
 *
 * Heads come from the per-CPU napi_alloc_cache (skb_cache.h) and go back to it. Buffers belong to
 * whoever made them, named by frame->ops: a page_pool of an rx queue (AF_XDP UMEM frames), a DPDK
 * mbuf, or a fragment of the per-CPU frag cache (copies, locally generated frames). Releasing a
 * frame gives its buffer back through ops->release() and its head to the cache.
 *
 * Ownership: exactly one owner at a time. Functions that take a frame (sn_dev_queue_xmit(), the
 * rx handler, sn_frame_free()) consume it whatever they return.
 *
 * Context: BH context (inside local_bh_disable() or a softirq) for alloc/free/copy.
 */
#ifndef NET_FRAME_H
#define NET_FRAME_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "net/drop_reason.h"

struct sn_frame;
struct sn_netdev;

struct sn_frame_ops {
	const char *name;
	/*
	 * Give the buffer back. @napi_direct: the caller runs inside the NAPI poll that owns the
	 * buffer's pool (page_pool direct-recycling may apply; it still checks the RT rule).
	 */
	void (*release)(struct sn_frame *f, bool napi_direct);
};

#define SN_FRAME_F_VLAN 0x1 /* vlan_tci is valid (the tag was removed from the data) */
/* Sent by XDP (TX, devmap): bounded as ndo_xdp_xmit's frames, MTU + 14 + 4, not by the stack's rule */
#define SN_FRAME_F_XDP_XMIT 0x2

struct sn_frame {
	uint8_t *data;  /* first byte of the packet (Ethernet header) */
	uint32_t len;   /* bytes from data */
	uint32_t flags; /* SN_FRAME_F_* */
	uint8_t *buf;   /* start of the buffer: data - buf is the headroom */
	uint32_t buf_len;
	uint16_t vlan_tci; /* with SN_FRAME_F_VLAN */
	uint16_t rxq;      /* rx queue it arrived on */
	const struct sn_frame_ops *ops;
	void *owner;        /* the buffer's owner object for ops (page_pool, mempool, chunk) */
	uintptr_t handle;   /* the backend's name for the buffer (UMEM address, mbuf pointer) */
	struct sn_netdev *dev; /* ingress device; a vlan device after untagging */
	struct sn_frame *next; /* for bulk lists, owned by whoever holds the frame */
	uint64_t cb[4];        /* scratch for the current layer (like skb->cb) */
};

/* Headroom and tailroom of a frame's buffer. */
static inline uint32_t sn_frame_headroom(const struct sn_frame *f)
{
	return (uint32_t)(f->data - f->buf);
}

static inline uint32_t sn_frame_tailroom(const struct sn_frame *f)
{
	return f->buf_len - sn_frame_headroom(f) - f->len;
}

/**
 * sn_frame_alloc_head() - a zeroed head from this CPU's napi_alloc_cache.
 * Context: BH context.
 * Return: the head (no buffer attached), or NULL (the caller counts SN_DROP_NOMEM_HEAD).
 */
struct sn_frame *sn_frame_alloc_head(void);

/*
 * The head stash of a NAPI poll: heads the polling task frees are kept for its next allocations,
 * and the stash meets the per-CPU napi_alloc_cache only in bulk (sn_skb_cache_get_bulk() when
 * empty, put_bulk when full and at the end), so a poll takes the cache's nested-BH lock a few
 * times instead of twice per frame — the kernel's napi_skb_cache_get_bulk() and batched puts.
 *
 * The stash belongs to the task that runs the poll (a thread-local pointer), not to the CPU: a
 * task that preempts the poller on its CPU (rt-nested) does not see it and goes to the locked
 * per-CPU cache. sn_frame_stash_begin() installs @s for the calling task unless it has one
 * already (net_rx_action() keeps one across all its polls): it returns whether it did, and only
 * then is sn_frame_stash_end() called, which gives every stashed head back to the cache. No head
 * stays in a stash outside a poll, so leak checks see them all.
 * Context: BH context, begin and end in the same task and BH section.
 */
#define SN_FRAME_STASH_MAX 64
#define SN_FRAME_STASH_BULK 32
struct sn_frame_stash {
	unsigned int n;
	void *heads[SN_FRAME_STASH_MAX];
};
bool sn_frame_stash_begin(struct sn_frame_stash *s);
void sn_frame_stash_end(struct sn_frame_stash *s);

/* Give the head alone back (buffer already released or handed on). Context: BH. */
void sn_frame_free_head(struct sn_frame *f);

/**
 * sn_frame_free() - release the buffer through f->ops and the head. NULL is ignored.
 * @napi_direct: see struct sn_frame_ops.
 * Context: BH context.
 */
void sn_frame_free(struct sn_frame *f, bool napi_direct);

/**
 * sn_frame_alloc() - a frame with a buffer of at least @size bytes plus SN_FRAME_HEADROOM, cut
 * from this CPU's frag cache; data points after the headroom, len = 0.
 * Context: BH context.
 * Return: the frame, or NULL (counted by the caller as SN_DROP_NOMEM_*).
 */
struct sn_frame *sn_frame_alloc(uint32_t size);

/* A copy of @f (data, len, vlan, dev, rxq) in a frag-cache buffer, or NULL. Context: BH. */
struct sn_frame *sn_frame_copy(const struct sn_frame *f);

#define SN_FRAME_HEADROOM 128

/* Grow the packet at the front by @n bytes (for a VLAN tag). Return: 0 or -ENOSPC. */
static inline int sn_frame_push(struct sn_frame *f, uint32_t n)
{
	if (sn_frame_headroom(f) < n)
		return -28; /* -ENOSPC */
	f->data -= n;
	f->len += n;
	return 0;
}

/* Remove @n bytes at the front. Return: 0 or -EINVAL when the packet is shorter. */
static inline int sn_frame_pull(struct sn_frame *f, uint32_t n)
{
	if (f->len < n)
		return -22; /* -EINVAL */
	f->data += n;
	f->len -= n;
	return 0;
}

#endif /* NET_FRAME_H */
