// SPDX-License-Identifier: GPL-2.0-only
/*
 * page_pool.c - per-rx-queue buffer recycling after net/core/page_pool.c (KERNEL.md §9).
 *
 * Ownership of a free buffer: exactly one of
 *   - alloc.cache[]: touched only by the owning NAPI (alloc paths) and by direct recycling,
 *     which page_pool_napi_local() admits only from BH context on the CPU where that NAPI is
 *     scheduled in the vanilla profile, i.e. by the same single BH task of that CPU;
 *   - ring[]: producers serialise on producer_lock; the single consumer (the owning NAPI) takes
 *     entries with no lock. A slot is free when it holds NULL: a producer publishes a buffer with
 *     a release store, the consumer takes it with an acquire load and frees the slot with a
 *     release store, so a producer that sees NULL (acquire) may reuse it (ptr_ring's scheme);
 *   - free[]: the backing "page allocator", under free_lock.
 * Lock order: producer_lock is never held while free_lock is taken.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bhlock/compiler.h"
#include "bhlock/fail_alloc.h"
#include "bhlock/percpu.h"
#include "bhlock/preempt.h"
#include "bhlock/profile.h"
#include "bhlock/rt_mutex.h"
#include "net/frame.h"
#include "net/napi.h"
#include "net/page_pool.h"

/*
 * spinlock_t: a PI rt_mutex in the RT profiles, a short test-and-set spin lock in vanilla. The
 * kernel takes it with spin_lock_bh() outside softirq so that the NAPI of this CPU cannot
 * interrupt the holder; here a softirq only runs at some task's local_bh_enable(), never inside
 * another task's critical section, so a plain lock is enough.
 */
struct pp_lock {
	struct rt_mutex m; /* RT profiles */
	int spin;          /* vanilla: 0 free, 1 held */
};

struct pp_stats {
	uint64_t alloc_fast, alloc_refill, alloc_slow, alloc_empty, recycle_cached;
	uint64_t recycle_ring, recycle_ring_full;
};

struct sn_page_pool {
	char name[32];
	struct sn_page_pool *reg_next; /* registry list, under registry_lock */
	uint8_t *mem;
	size_t mem_len;
	bool own_mem; /* mapped by the pool: unmapped by destroy */
	bool rt;      /* producer/free locks are rt_mutexes */
	uint32_t buf_size, nr_bufs, ring_size;
	int cpu;
	struct sn_napi *napi;

	/* Owning NAPI only (plus vanilla direct recycling, see the file comment). */
	struct {
		uint32_t count;
		void *cache[SN_PP_ALLOC_CACHE_SIZE];
	} alloc ____cacheline_aligned;
	uint32_t cons; /* ring consumer index: owning NAPI only */

	struct pp_lock producer_lock ____cacheline_aligned; /* protects prod */
	uint32_t prod;
	void **ring; /* ring_size slots; NULL = free (atomic loads and stores) */

	struct pp_lock free_lock ____cacheline_aligned; /* protects nr_free and free[] */
	uint32_t nr_free;
	void **free; /* nr_bufs slots */

	/* Relaxed atomics: updated by the NAPI and by producers, read by anybody. */
	struct pp_stats stats ____cacheline_aligned;
	int64_t in_use;
};

/* registry_lock protects registry_head and every pool's reg_next (the list of live pools). */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sn_page_pool *registry_head;
/* Buffers missing at destroy, summed over every pool destroyed (relaxed atomic). */
static uint64_t registry_leaked;

static void pp_register(struct sn_page_pool *pp)
{
	struct sn_page_pool **pos;

	pthread_mutex_lock(&registry_lock);
	for (pos = &registry_head; *pos; pos = &(*pos)->reg_next)
		;
	pp->reg_next = NULL;
	*pos = pp;
	pthread_mutex_unlock(&registry_lock);
}

static void pp_unregister(struct sn_page_pool *pp)
{
	pthread_mutex_lock(&registry_lock);
	for (struct sn_page_pool **pos = &registry_head; *pos; pos = &(*pos)->reg_next) {
		if (*pos == pp) {
			*pos = pp->reg_next;
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);
}

int sn_page_pool_for_each(sn_page_pool_iter_fn fn, void *arg)
{
	int ret = 0;

	pthread_mutex_lock(&registry_lock);
	for (struct sn_page_pool *pp = registry_head; pp && !ret; pp = pp->reg_next)
		ret = fn(pp, arg);
	pthread_mutex_unlock(&registry_lock);
	return ret;
}

const char *sn_page_pool_name(const struct sn_page_pool *pp)
{
	return pp->name;
}

uint64_t sn_page_pool_leaked(void)
{
	return __atomic_load_n(&registry_leaked, __ATOMIC_RELAXED);
}

#define pp_stat_add(pp, field, n) __atomic_fetch_add(&(pp)->stats.field, (n), __ATOMIC_RELAXED)

static void pp_lock_init(struct sn_page_pool *pp, struct pp_lock *l)
{
	if (pp->rt)
		rt_mutex_init(&l->m);
	l->spin = 0;
}

static void pp_lock(struct sn_page_pool *pp, struct pp_lock *l)
{
	if (pp->rt) {
		rt_mutex_lock(&l->m);
		return;
	}
	for (unsigned int spins = 0;; spins++) {
		if (!__atomic_load_n(&l->spin, __ATOMIC_RELAXED) &&
		    !__atomic_exchange_n(&l->spin, 1, __ATOMIC_ACQUIRE))
			return;
		/* A holder preempted on our CPU: let it run. */
		if (spins >= 100)
			sched_yield();
		else
			cpu_relax();
	}
}

static void pp_unlock(struct sn_page_pool *pp, struct pp_lock *l)
{
	if (pp->rt)
		rt_mutex_unlock(&l->m);
	else
		__atomic_store_n(&l->spin, 0, __ATOMIC_RELEASE);
}

struct sn_page_pool *sn_page_pool_create(const struct sn_page_pool_params *p)
{
	struct sn_page_pool *pp;
	size_t len;

	if (!p || p->sz < sizeof(*p) || !p->nr_bufs || p->buf_size < 2048 ||
	    (p->buf_size & (p->buf_size - 1)) || p->cpu < -1 || p->cpu >= nr_cpu_ids ||
	    __builtin_mul_overflow((size_t)p->nr_bufs, (size_t)p->buf_size, &len)) {
		errno = EINVAL;
		return NULL;
	}
	if (posix_memalign((void **)&pp, SMP_CACHE_BYTES, sizeof(*pp))) {
		errno = ENOMEM;
		return NULL;
	}
	memset(pp, 0, sizeof(*pp));
	snprintf(pp->name, sizeof(pp->name), "%s", p->name ? p->name : "page_pool");
	pp->rt = bh_profile_is_rt();
	pp->buf_size = p->buf_size;
	pp->nr_bufs = p->nr_bufs;
	pp->ring_size = p->ring_size ? p->ring_size : SN_PP_RING_DEFAULT;
	if (pp->ring_size > SN_PP_RING_MAX)
		pp->ring_size = SN_PP_RING_MAX;
	pp->cpu = p->cpu;
	pp->napi = p->napi;
	pp->mem_len = len;
	if (p->mem) {
		pp->mem = p->mem;
	} else {
		void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			goto err_nomem;
		pp->mem = m;
		pp->own_mem = true;
	}
	pp->ring = calloc(pp->ring_size, sizeof(*pp->ring));
	pp->free = malloc((size_t)pp->nr_bufs * sizeof(*pp->free));
	if (!pp->ring || !pp->free)
		goto err_nomem;
	/* Stacked so that the first allocations hand out the lowest slots. */
	for (uint32_t i = 0; i < pp->nr_bufs; i++)
		pp->free[i] = pp->mem + (size_t)(pp->nr_bufs - 1 - i) * pp->buf_size;
	pp->nr_free = pp->nr_bufs;
	pp_lock_init(pp, &pp->producer_lock);
	pp_lock_init(pp, &pp->free_lock);
	pp_register(pp);
	return pp;

err_nomem:
	free(pp->ring);
	free(pp->free);
	if (pp->own_mem)
		munmap(pp->mem, pp->mem_len);
	free(pp);
	errno = ENOMEM;
	return NULL;
}

void sn_page_pool_destroy(struct sn_page_pool *pp)
{
	int64_t in_use;

	if (!pp)
		return;
	pp_unregister(pp);
	in_use = __atomic_load_n(&pp->in_use, __ATOMIC_ACQUIRE);
	if (in_use) {
		fprintf(stderr, "page_pool '%s': destroyed with %lld of %u buffers in use\n",
			pp->name, (long long)in_use, pp->nr_bufs);
		__atomic_fetch_add(&registry_leaked, (uint64_t)(in_use < 0 ? -in_use : in_use),
				   __ATOMIC_RELAXED);
	}
	free(pp->ring);
	free(pp->free);
	if (pp->own_mem)
		munmap(pp->mem, pp->mem_len);
	free(pp);
}

/* Take up to SN_PP_ALLOC_CACHE_REFILL entries from the ring (page_pool_refill_alloc_cache). */
static uint32_t pp_refill_from_ring(struct sn_page_pool *pp)
{
	uint32_t n = 0;

	while (n < SN_PP_ALLOC_CACHE_REFILL) {
		void **slot = &pp->ring[pp->cons];
		void *buf = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

		if (!buf)
			break;
		__atomic_store_n(slot, NULL, __ATOMIC_RELEASE);
		pp->cons = pp->cons + 1 == pp->ring_size ? 0 : pp->cons + 1;
		pp->alloc.cache[pp->alloc.count++] = buf;
		n++;
	}
	return n;
}

/* The slow path: up to SN_PP_ALLOC_CACHE_REFILL buffers from the backing free list. */
static uint32_t pp_refill_slow(struct sn_page_pool *pp)
{
	uint32_t n;

	pp_lock(pp, &pp->free_lock);
	n = pp->nr_free < SN_PP_ALLOC_CACHE_REFILL ? pp->nr_free : SN_PP_ALLOC_CACHE_REFILL;
	/* As a block, so that the top of the free list is handed out first. */
	pp->nr_free -= n;
	memcpy(&pp->alloc.cache[pp->alloc.count], &pp->free[pp->nr_free], n * sizeof(void *));
	pp->alloc.count += n;
	pp_unlock(pp, &pp->free_lock);
	return n;
}

void *sn_page_pool_alloc(struct sn_page_pool *pp)
{
	if (unlikely(fail_alloc(FAIL_ALLOC_PAGE_POOL))) { /* fault injection: as if empty */
		pp_stat_add(pp, alloc_empty, 1);
		return NULL;
	}
	if (likely(pp->alloc.count)) {
		pp_stat_add(pp, alloc_fast, 1);
	} else if (pp_refill_from_ring(pp)) {
		pp_stat_add(pp, alloc_refill, 1);
	} else if (pp_refill_slow(pp)) {
		pp_stat_add(pp, alloc_slow, 1);
	} else {
		pp_stat_add(pp, alloc_empty, 1);
		return NULL;
	}
	__atomic_fetch_add(&pp->in_use, 1, __ATOMIC_RELAXED);
	return pp->alloc.cache[--pp->alloc.count];
}

unsigned int sn_page_pool_alloc_bulk(struct sn_page_pool *pp, void **bufs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		bufs[i] = sn_page_pool_alloc(pp);
		if (!bufs[i])
			break;
	}
	return i;
}

bool sn_page_pool_napi_local(const struct sn_page_pool *pp)
{
	const struct sn_napi *napi;
	int cpu;

	/* On RT the softirq can be preempted by the consumer: never recycle directly. */
	if (bh_profile_is_rt())
		return false;
	if (!in_softirq())
		return false;
	cpu = smp_processor_id();
	if (pp->cpu == cpu)
		return true;
	napi = READ_ONCE(pp->napi);
	return napi && READ_ONCE(napi->list_owner) == cpu;
}

static void pp_check_buf(const struct sn_page_pool *pp, const void *buf)
{
	uintptr_t off = (uintptr_t)buf - (uintptr_t)pp->mem;

	if (unlikely(off >= pp->mem_len || off % pp->buf_size)) {
		fprintf(stderr, "page_pool '%s': put of %p: not a buffer of this pool\n", pp->name,
			buf);
		abort();
	}
}

void sn_page_pool_put(struct sn_page_pool *pp, void *buf, bool allow_direct)
{
	bool full = false;

	pp_check_buf(pp, buf);
	__atomic_fetch_sub(&pp->in_use, 1, __ATOMIC_RELAXED);
	/* napi_local first: only then is alloc.count ours to read. */
	if (allow_direct && sn_page_pool_napi_local(pp) &&
	    pp->alloc.count < SN_PP_ALLOC_CACHE_SIZE) {
		pp->alloc.cache[pp->alloc.count++] = buf;
		pp_stat_add(pp, recycle_cached, 1);
		return;
	}

	pp_lock(pp, &pp->producer_lock);
	void **slot = &pp->ring[pp->prod];

	if (!__atomic_load_n(slot, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(slot, buf, __ATOMIC_RELEASE);
		pp->prod = pp->prod + 1 == pp->ring_size ? 0 : pp->prod + 1;
		pp_stat_add(pp, recycle_ring, 1);
	} else {
		full = true;
		pp_stat_add(pp, recycle_ring_full, 1);
	}
	pp_unlock(pp, &pp->producer_lock);
	if (!full)
		return;
	/* Ring full: release to the backing allocator. */
	pp_lock(pp, &pp->free_lock);
	pp->free[pp->nr_free++] = buf;
	pp_unlock(pp, &pp->free_lock);
}

void *sn_page_pool_mem(const struct sn_page_pool *pp)
{
	return pp->mem;
}

uint32_t sn_page_pool_buf_size(const struct sn_page_pool *pp)
{
	return pp->buf_size;
}

static void pp_frame_release(struct sn_frame *f, bool napi_direct)
{
	sn_page_pool_put((struct sn_page_pool *)f->owner, f->buf, napi_direct);
}

const struct sn_frame_ops sn_page_pool_frame_ops = {
	.name = "page_pool",
	.release = pp_frame_release,
};

void sn_page_pool_stats(const struct sn_page_pool *pp, struct sn_page_pool_stats *out)
{
	int64_t in_use = __atomic_load_n(&pp->in_use, __ATOMIC_RELAXED);

#define PP_READ(f) out->f = __atomic_load_n(&pp->stats.f, __ATOMIC_RELAXED)
	PP_READ(alloc_fast);
	PP_READ(alloc_refill);
	PP_READ(alloc_slow);
	PP_READ(alloc_empty);
	PP_READ(recycle_cached);
	PP_READ(recycle_ring);
	PP_READ(recycle_ring_full);
#undef PP_READ
	out->in_use = in_use < 0 ? 0 : (uint64_t)in_use;
	out->nr_bufs = pp->nr_bufs;
}
