/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * page_pool.h - a per-rx-queue buffer recycler after the kernel's page_pool (KERNEL.md §9).
 *
 * Buffers are fixed-size slots of one preallocated region (an AF_XDP UMEM, or memory the pool
 * maps itself). Three tiers:
 *   - alloc cache: a stack of up to 128 buffers used with no lock by the NAPI that owns the pool;
 *   - ring: a bounded MPSC ring (default 1024 entries) that any context produces into under the
 *     producer lock (a spinlock_t: a PI rt_mutex in the RT profiles); refills the alloc cache 64
 *     at a time;
 *   - the backing free list (the "page allocator"): slow-path allocs take 64 at a time from it,
 *     a full ring releases into it.
 *
 * Direct recycling into the alloc cache happens only when the caller says it may (allow_direct)
 * AND page_pool_napi_local() holds: not an RT profile (on RT the softirq can be preempted by
 * the consumer), in softirq/BH context, and the pool's NAPI is scheduled on this CPU
 * (napi->list_owner == this CPU) or the pool is bound to this CPU.
 *
 * Context: sn_page_pool_alloc*() only from the owning NAPI's poll (or with the NAPI disabled);
 * sn_page_pool_put() from any task or BH context; create/destroy from thread context.
 */
#ifndef NET_PAGE_POOL_H
#define NET_PAGE_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SN_PP_ALLOC_CACHE_SIZE 128
#define SN_PP_ALLOC_CACHE_REFILL 64
#define SN_PP_RING_DEFAULT 1024
#define SN_PP_RING_MAX 16384

struct sn_napi;
struct sn_page_pool;

struct sn_page_pool_params {
	size_t sz;           /* sizeof(struct sn_page_pool_params) */
	const char *name;    /* e.g. "eth0-rx0" */
	void *mem;           /* region of nr_bufs * buf_size bytes; NULL: the pool maps its own */
	uint32_t buf_size;   /* power of two, >= 2048 */
	uint32_t nr_bufs;    /* > 0 */
	uint32_t ring_size;  /* 0: SN_PP_RING_DEFAULT; capped at SN_PP_RING_MAX */
	int cpu;             /* -1, or the CPU the pool is bound to (PP cpuid) */
	struct sn_napi *napi; /* the NAPI that consumes the pool, or NULL */
};

/* Context: thread. Return: the pool, or NULL with errno EINVAL/ENOMEM. */
struct sn_page_pool *sn_page_pool_create(const struct sn_page_pool_params *p);
/* Context: thread; every buffer must be back (else reported on stderr). NULL ignored. */
void sn_page_pool_destroy(struct sn_page_pool *pp);

/* A buffer (its address in the region), or NULL when all are in use. Context: owning NAPI. */
void *sn_page_pool_alloc(struct sn_page_pool *pp);
/* Up to @n buffers into @bufs; returns how many. Context: owning NAPI. */
unsigned int sn_page_pool_alloc_bulk(struct sn_page_pool *pp, void **bufs, unsigned int n);

/* Give a buffer back (see direct-recycling rules above). Context: task or BH. */
void sn_page_pool_put(struct sn_page_pool *pp, void *buf, bool allow_direct);

/* Region, slot size, and slot index of a buffer (for UMEM address conversion). */
void *sn_page_pool_mem(const struct sn_page_pool *pp);
uint32_t sn_page_pool_buf_size(const struct sn_page_pool *pp);
bool sn_page_pool_napi_local(const struct sn_page_pool *pp);

/* The frame ops for buffers of a page_pool: release puts the buffer back (owner = pool). */
extern const struct sn_frame_ops sn_page_pool_frame_ops;

struct sn_page_pool_stats {
	uint64_t alloc_fast;      /* from the alloc cache */
	uint64_t alloc_refill;    /* refills of the cache from the ring */
	uint64_t alloc_slow;      /* refills from the backing free list */
	uint64_t alloc_empty;     /* NULL returns */
	uint64_t recycle_cached;  /* direct recycling into the cache */
	uint64_t recycle_ring;    /* into the ring */
	uint64_t recycle_ring_full; /* ring full: back to the free list */
	uint64_t in_use;          /* buffers out of the pool now */
	uint32_t nr_bufs;
};
void sn_page_pool_stats(const struct sn_page_pool *pp, struct sn_page_pool_stats *out);

/*
 * Registry of live pools, for stats and the leak check at exit: a pool enters it at create and
 * leaves it at destroy. sn_page_pool_for_each() calls @fn on each pool (in creation order) under
 * the registry mutex, so no pool is destroyed meanwhile; @fn must not create or destroy pools.
 * It stops at the first nonzero return of @fn and returns that value (0 after the last pool).
 * Context: thread (the mutex may block).
 */
typedef int (*sn_page_pool_iter_fn)(const struct sn_page_pool *pp, void *arg);
int sn_page_pool_for_each(sn_page_pool_iter_fn fn, void *arg);
/* The name the pool was created with ("eth0-rx0", or "page_pool"). Context: any. */
const char *sn_page_pool_name(const struct sn_page_pool *pp);
/*
 * Buffers that pools destroyed so far were still missing at destroy (each also reported on
 * stderr by the destroy). Nonzero: a leak. Context: any.
 */
uint64_t sn_page_pool_leaked(void);

#endif /* NET_PAGE_POOL_H */
