// SPDX-License-Identifier: GPL-2.0-only
/*
 * skb_cache.c - the per-CPU napi_alloc_cache: a LIFO of free frame heads and a fragment cache,
 * after net/core/skbuff.c (napi_skb_cache_get/put, __napi_alloc_frag_align) and the 6.12
 * page_frag cache in mm/page_alloc.c (KERNEL.md §4).
 *
 * Memory comes from two global nolock pools created at init: frame heads, and 32 KiB chunks
 * aligned to their size so that a fragment finds its chunk by masking its address. Both are
 * reached in BH context through pool_alloc_nolock()/pool_free_nolock() only: no malloc, no wait.
 *
 * Fragment accounting (the kernel's refcount-bias trick): a chunk header holds an atomic count
 * set to SN_FRAG_BIAS when the cache takes the chunk, and the cache keeps a private `bias` of
 * references it has not handed out yet. Cutting a fragment only decrements the private bias;
 * releasing one is one atomic decrement of the header. When the chunk is exhausted the cache
 * gives back its unused references in one atomic subtraction: if that reaches zero no fragment
 * is alive and the chunk is reused in place, otherwise the last sn_frag_free() returns it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bhlock/fail_alloc.h"
#include "bhlock/local_lock.h"
#include "bhlock/nolock_pool.h"
#include "bhlock/percpu.h"
#include "net/frame.h"
#include "net/skb_cache.h"

#define SN_FRAG_ALIGN 64
/* The chunk header sits at the start of each chunk; fragments are cut below the end, above it. */
#define SN_FRAG_HDR SN_FRAG_ALIGN
#define SN_FRAG_MAX (SN_FRAG_CHUNK_SIZE - SN_FRAG_HDR)
/* More references than fragments a chunk can ever hold. */
#define SN_FRAG_BIAS (SN_FRAG_CHUNK_SIZE / SN_FRAG_ALIGN + 1)

struct sn_frag_chunk {
	/* atomic: live fragments + the references the cache has not handed out (its bias) */
	uint32_t refs;
};

/*
 * Counters of one CPU. Written only by the owner of the CPU's bh_lock, read by anybody: relaxed
 * atomic stores and loads keep readers from tearing without a read-modify-write on the fast path.
 */
struct sn_skb_cache_pcpu_stats {
	uint64_t get, put, refill, refill_fail, spill, frag_alloc, frag_fail;
};

struct napi_alloc_cache {
	local_lock_t bh_lock; /* protects everything below on this CPU */
	unsigned int skb_count;
	void *skb_cache[SN_SKB_CACHE_MAX];
	/* Fragment cache: fragments are cut downwards from the end of chunk. */
	struct sn_frag_chunk *chunk; /* NULL until the first fragment */
	uint32_t offset;             /* start of the last fragment cut */
	uint32_t bias;               /* references of chunk->refs not handed out yet */
	struct sn_skb_cache_pcpu_stats stats;
} ____cacheline_aligned;

static DEFINE_PER_CPU(struct napi_alloc_cache, napi_alloc_cache) = {
	.bh_lock = INIT_LOCAL_LOCK(napi_alloc_cache.bh_lock),
};

/* Set by init, read-only while traffic runs. */
static struct {
	bool ready;
	uint32_t size, bulk, free_count;
	uint32_t nr_heads, nr_chunks;
	struct nolock_pool *heads;
	struct nolock_pool *chunks;
} sc;

#define sc_stat_inc(nc, field) sc_stat_add(&(nc)->stats.field, 1)

static inline void sc_stat_add(uint64_t *ctr, uint64_t n)
{
	__atomic_store_n(ctr, __atomic_load_n(ctr, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

int sn_skb_cache_gen_parse(const char *s, enum sn_skb_cache_gen *out)
{
	if (!s || !out)
		return -EINVAL;
	if (!strcmp(s, "6.12"))
		*out = SN_SKB_CACHE_6_12;
	else if (!strcmp(s, "6.19"))
		*out = SN_SKB_CACHE_6_19;
	else
		return -EINVAL;
	return 0;
}

int sn_skb_cache_init(const struct sn_skb_cache_params *p)
{
	struct sn_skb_cache_params d = { .gen = SN_SKB_CACHE_6_19 };
	int cpu;

	if (sc.ready)
		return -EBUSY;
	if (!p)
		p = &d;
	switch (p->gen) {
	case SN_SKB_CACHE_6_12: /* NAPI_SKB_CACHE_SIZE 64, _BULK 16, _HALF 32 */
		sc.size = 64, sc.bulk = 16, sc.free_count = 32;
		break;
	case SN_SKB_CACHE_6_19: /* SIZE 128, BULK 32, NAPI_SKB_CACHE_FREE 32 */
		sc.size = 128, sc.bulk = 32, sc.free_count = 32;
		break;
	default:
		return -EINVAL;
	}
	sc.nr_heads = p->nr_heads ? p->nr_heads : 65536;
	sc.nr_chunks = p->nr_chunks ? p->nr_chunks : 256;

	struct nolock_pool_opts ho = { .sz = sizeof(ho), .name = "skb_heads",
				       .obj_size = sizeof(struct sn_frame), .nr_objs = sc.nr_heads,
				       .align = SMP_CACHE_BYTES };
	struct nolock_pool_opts co = { .sz = sizeof(co), .name = "frag_chunks",
				       .obj_size = SN_FRAG_CHUNK_SIZE, .nr_objs = sc.nr_chunks,
				       .align = SN_FRAG_CHUNK_SIZE, .cache_size = 4, .batch = 2 };

	/*
	 * A chunk freed on another CPU lands in that CPU's pool cache, where pool_alloc_nolock()
	 * of this CPU does not look: keep those caches small so few chunks can be stranded.
	 */
	sc.heads = nolock_pool__create(&ho);
	if (!sc.heads)
		return -errno;
	sc.chunks = nolock_pool__create(&co);
	if (!sc.chunks) {
		int err = -errno;

		nolock_pool__destroy(sc.heads);
		sc.heads = NULL;
		return err;
	}
	for_each_possible_cpu(cpu) {
		struct napi_alloc_cache *nc = per_cpu_ptr(&napi_alloc_cache, cpu);

		nc->skb_count = 0;
		nc->chunk = NULL;
		nc->offset = 0;
		nc->bias = 0;
		memset(&nc->stats, 0, sizeof(nc->stats));
	}
	sc.ready = true;
	return 0;
}

static void sc_chunk_put(struct sn_frag_chunk *ch, uint32_t refs)
{
	if (__atomic_sub_fetch(&ch->refs, refs, __ATOMIC_ACQ_REL) == 0)
		pool_free_nolock(sc.chunks, ch);
}

void sn_skb_cache_fini(void)
{
	int cpu;

	if (!sc.ready)
		return;
	sn_skb_cache_check();
	for_each_possible_cpu(cpu) {
		struct napi_alloc_cache *nc = per_cpu_ptr(&napi_alloc_cache, cpu);

		for (unsigned int i = 0; i < nc->skb_count; i++)
			pool_free(sc.heads, nc->skb_cache[i]);
		nc->skb_count = 0;
		if (nc->chunk)
			sc_chunk_put(nc->chunk, nc->bias);
		nc->chunk = NULL;
		nc->bias = 0;
	}
	nolock_pool__destroy(sc.chunks);
	nolock_pool__destroy(sc.heads);
	sc.chunks = sc.heads = NULL;
	sc.ready = false;
}

/* napi_skb_cache_get(): refill with `bulk` heads when empty; never waits. */
void *sn_skb_cache_get(void)
{
	/* Fault injection: no head from the cache either (fail_alloc.h says why). */
	if (unlikely(fail_alloc(FAIL_ALLOC_SKB_HEADS)))
		return NULL;
	guard(local_lock_nested_bh)(&napi_alloc_cache.bh_lock);
	struct napi_alloc_cache *nc = this_cpu_ptr(&napi_alloc_cache);

	if (unlikely(!nc->skb_count)) {
		unsigned int n = 0;
		void *h;

		while (n < sc.bulk && (h = pool_alloc_nolock(sc.heads)) != NULL)
			nc->skb_cache[n++] = h;
		nc->skb_count = n;
		if (unlikely(!n)) {
			sc_stat_inc(nc, refill_fail);
			return NULL;
		}
		sc_stat_inc(nc, refill);
	}
	sc_stat_inc(nc, get);
	return nc->skb_cache[--nc->skb_count];
}

/* napi_skb_cache_put(): push; on reaching `size`, the top `free_count` go back to the pool. */
void sn_skb_cache_put(void *head)
{
	guard(local_lock_nested_bh)(&napi_alloc_cache.bh_lock);
	struct napi_alloc_cache *nc = this_cpu_ptr(&napi_alloc_cache);

	nc->skb_cache[nc->skb_count++] = head;
	sc_stat_inc(nc, put);
	if (unlikely(nc->skb_count == sc.size)) {
		uint32_t keep = sc.size - sc.free_count;

		for (uint32_t i = keep; i < sc.size; i++)
			pool_free_nolock(sc.heads, nc->skb_cache[i]);
		nc->skb_count = keep;
		sc_stat_inc(nc, spill);
	}
}

/*
 * napi_skb_cache_get_bulk() (v6.15, used by cpumap and veth): up to @n heads under one taking of
 * the lock, refilled from the pool first when the cache holds fewer. No fault injection here:
 * the caller hands the heads out one by one and injects per head (frame.c).
 */
unsigned int sn_skb_cache_get_bulk(void **heads, unsigned int n)
{
	guard(local_lock_nested_bh)(&napi_alloc_cache.bh_lock);
	struct napi_alloc_cache *nc = this_cpu_ptr(&napi_alloc_cache);

	if (unlikely(nc->skb_count < n)) {
		unsigned int want = n - nc->skb_count, got = 0;
		void *h;

		if (want < sc.bulk)
			want = sc.bulk;
		if (want > sc.size - nc->skb_count)
			want = sc.size - nc->skb_count;
		while (got < want && (h = pool_alloc_nolock(sc.heads)) != NULL)
			nc->skb_cache[nc->skb_count + got++] = h;
		nc->skb_count += got;
		if (got)
			sc_stat_inc(nc, refill);
		else
			sc_stat_inc(nc, refill_fail);
		if (n > nc->skb_count)
			n = nc->skb_count;
	}
	nc->skb_count -= n;
	memcpy(heads, &nc->skb_cache[nc->skb_count], n * sizeof(*heads));
	sc_stat_add(&nc->stats.get, n);
	return n;
}

/* napi_skb_cache_put() for @n heads under one taking of the lock, spilling as put does. */
void sn_skb_cache_put_bulk(void *const *heads, unsigned int n)
{
	guard(local_lock_nested_bh)(&napi_alloc_cache.bh_lock);
	struct napi_alloc_cache *nc = this_cpu_ptr(&napi_alloc_cache);

	for (unsigned int i = 0; i < n; i++) {
		nc->skb_cache[nc->skb_count++] = heads[i];
		if (unlikely(nc->skb_count == sc.size)) {
			uint32_t keep = sc.size - sc.free_count;

			for (uint32_t j = keep; j < sc.size; j++)
				pool_free_nolock(sc.heads, nc->skb_cache[j]);
			nc->skb_count = keep;
			sc_stat_inc(nc, spill);
		}
	}
	sc_stat_add(&nc->stats.put, n);
}

/* Take a fresh chunk for this CPU's cache. Called with the bh_lock held. */
static bool __sc_frag_refill(struct napi_alloc_cache *nc)
{
	struct sn_frag_chunk *ch = pool_alloc_nolock(sc.chunks);

	if (!ch)
		return false;
	__atomic_store_n(&ch->refs, SN_FRAG_BIAS, __ATOMIC_RELAXED);
	nc->chunk = ch;
	nc->bias = SN_FRAG_BIAS;
	nc->offset = SN_FRAG_CHUNK_SIZE;
	return true;
}

void *sn_frag_alloc(uint32_t size)
{
	guard(local_lock_nested_bh)(&napi_alloc_cache.bh_lock);
	struct napi_alloc_cache *nc = this_cpu_ptr(&napi_alloc_cache);
	uint32_t need;

	if (unlikely(!size || size > SN_FRAG_MAX)) {
		sc_stat_inc(nc, frag_fail);
		return NULL;
	}
	need = round_up(size, (uint32_t)SN_FRAG_ALIGN);
	if (unlikely(!nc->chunk)) {
		if (!__sc_frag_refill(nc))
			goto fail;
	} else if (nc->offset - SN_FRAG_HDR < need) {
		struct sn_frag_chunk *ch = nc->chunk;

		/* Exhausted: give back the unused references; zero means we are the last user. */
		if (__atomic_sub_fetch(&ch->refs, nc->bias, __ATOMIC_ACQ_REL) == 0) {
			__atomic_store_n(&ch->refs, SN_FRAG_BIAS, __ATOMIC_RELAXED);
			nc->bias = SN_FRAG_BIAS;
			nc->offset = SN_FRAG_CHUNK_SIZE;
		} else {
			/* The last sn_frag_free() of this chunk returns it to the pool. */
			nc->chunk = NULL;
			nc->bias = 0;
			if (!__sc_frag_refill(nc))
				goto fail;
		}
	}
	nc->offset -= need;
	nc->bias--;
	sc_stat_inc(nc, frag_alloc);
	return (char *)nc->chunk + nc->offset;
fail:
	sc_stat_inc(nc, frag_fail);
	return NULL;
}

void sn_frag_free(void *frag)
{
	if (!frag)
		return;
	sc_chunk_put((struct sn_frag_chunk *)((uintptr_t)frag & ~(uintptr_t)(SN_FRAG_CHUNK_SIZE - 1)),
		     1);
}

void sn_skb_cache_stats(int cpu, struct sn_skb_cache_stats *out)
{
	struct nolock_pool_stats ps;
	int c;

	memset(out, 0, sizeof(*out));
	for_each_possible_cpu(c) {
		const struct sn_skb_cache_pcpu_stats *s;

		if (cpu >= 0 && c != cpu)
			continue;
		s = &per_cpu_ptr(&napi_alloc_cache, c)->stats;
#define SC_SUM(f) out->f += __atomic_load_n(&s->f, __ATOMIC_RELAXED)
		SC_SUM(get);
		SC_SUM(put);
		SC_SUM(refill);
		SC_SUM(refill_fail);
		SC_SUM(spill);
		SC_SUM(frag_alloc);
		SC_SUM(frag_fail);
#undef SC_SUM
	}
	out->size = sc.size;
	out->bulk = sc.bulk;
	out->free_count = sc.free_count;
	if (!sc.ready)
		return;
	nolock_pool__stats(sc.chunks, &ps);
	out->chunks_in_use = ps.nr_in_use;
	nolock_pool__stats(sc.heads, &ps);
	out->heads_total = ps.nr_objs;
	out->heads_free_global = ps.nr_free;
}

int sn_skb_cache_check(void)
{
	uint64_t cached = 0, held = 0;
	uint8_t *seen;
	long free_heads, free_chunks;
	int cpu, ret = 0;

	if (!sc.ready)
		return 0;
	seen = calloc(sc.nr_heads, 1);
	if (!seen)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct napi_alloc_cache *nc = per_cpu_ptr(&napi_alloc_cache, cpu);

		for (unsigned int i = 0; i < nc->skb_count; i++) {
			long idx = nolock_pool__obj_index(sc.heads, nc->skb_cache[i]);

			if (idx < 0 || seen[idx]) {
				fprintf(stderr, "skb_cache: cpu %d: head %p %s\n", cpu,
					nc->skb_cache[i], idx < 0 ? "not a head" : "cached twice");
				ret = -EUCLEAN;
				continue;
			}
			seen[idx] = 1;
			cached++;
		}
		if (nc->chunk) {
			uint32_t refs = __atomic_load_n(&nc->chunk->refs, __ATOMIC_ACQUIRE);

			if (refs != nc->bias) {
				fprintf(stderr, "skb_cache: cpu %d: %u fragments still in use\n",
					cpu, refs - nc->bias);
				ret = -EUCLEAN;
			}
			held++;
		}
	}
	free(seen);
	free_heads = nolock_pool__check(sc.heads);
	free_chunks = nolock_pool__check(sc.chunks);
	if (free_heads < 0 || free_chunks < 0)
		return free_heads < 0 ? (int)free_heads : (int)free_chunks;
	if ((uint64_t)free_heads + cached != sc.nr_heads) {
		fprintf(stderr, "skb_cache: %llu of %u frame heads not returned\n",
			(unsigned long long)(sc.nr_heads - (uint64_t)free_heads - cached),
			sc.nr_heads);
		ret = -EUCLEAN;
	}
	if ((uint64_t)free_chunks + held != sc.nr_chunks) {
		fprintf(stderr, "skb_cache: %llu of %u fragment chunks not returned\n",
			(unsigned long long)(sc.nr_chunks - (uint64_t)free_chunks - held),
			sc.nr_chunks);
		ret = -EUCLEAN;
	}
	return ret;
}
