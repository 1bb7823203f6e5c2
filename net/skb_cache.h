/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * skb_cache.h - the per-CPU napi_alloc_cache (KERNEL.md §4): a LIFO of free frame heads and a
 * page-fragment cache, both under the per-CPU local_lock_nested_bh(&napi_alloc_cache.bh_lock).
 *
 * Heads: when the stack is empty it is refilled with `bulk` heads from the global head pool
 * through pool_alloc_nolock() (never malloc, never wait); when a put finds it full, `free_count`
 * heads go back to the pool (6.12: the upper half; 6.19: 32 of 128).
 * Fragments: carved downwards from a SN_FRAG_CHUNK_SIZE chunk taken from the global chunk pool
 * with pool_alloc_nolock(); each chunk counts its live fragments (one atomic per release) and goes
 * back to the pool when the last one is released and the cache has moved on.
 *
 * Sizes follow a kernel generation, chosen before sn_net_init():
 *                size  bulk  on full
 *   6.12           64    16  free the upper half (32)
 *   6.19          128    32  free 32, keep 96
 *
 * Context: sn_skb_cache_* in BH context; configure/init/fini in thread context.
 */
#ifndef NET_SKB_CACHE_H
#define NET_SKB_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "bhlock/local_lock.h"

#define SN_SKB_CACHE_MAX 128
#define SN_FRAG_CHUNK_SIZE 32768

enum sn_skb_cache_gen {
	SN_SKB_CACHE_6_19, /* first: a zeroed params struct gets the default */
	SN_SKB_CACHE_6_12,
};

struct sn_skb_cache_params {
	enum sn_skb_cache_gen gen; /* default 6.19 */
	uint32_t nr_heads;         /* global head pool; default 65536 */
	uint32_t nr_chunks;        /* global 32 KiB chunk pool for fragments; default 256 */
};

/* Choose the generation from "6.12" or "6.19". Return: 0 or -EINVAL. */
int sn_skb_cache_gen_parse(const char *s, enum sn_skb_cache_gen *out);

/* Create the global pools and every CPU's cache. Context: thread, before traffic. Return 0/-errno. */
int sn_skb_cache_init(const struct sn_skb_cache_params *p);
/* Free everything; every head and chunk must have come back. Context: thread, no traffic. */
void sn_skb_cache_fini(void);

/* napi_skb_cache_get()/put(): heads. Context: BH. */
void *sn_skb_cache_get(void);
void sn_skb_cache_put(void *head);
/*
 * napi_skb_cache_get_bulk(): up to @n heads, one lock for all. Return: how many (0 when the
 * pool is empty too). put_bulk: @n heads back, one lock for all. Context: BH.
 */
unsigned int sn_skb_cache_get_bulk(void **heads, unsigned int n);
void sn_skb_cache_put_bulk(void *const *heads, unsigned int n);

/* __napi_alloc_frag_align(): a fragment of @size bytes (≤ chunk), aligned to 64. NULL if none. */
void *sn_frag_alloc(uint32_t size);
/* Release a fragment (any context: one atomic on its chunk; the chunk goes back nolock). */
void sn_frag_free(void *frag);

struct sn_skb_cache_stats {
	uint64_t get, put;               /* heads handed out and given back through the caches */
	uint64_t refill, refill_fail;    /* bulk refills from the global pool, and failed ones */
	uint64_t spill;                  /* bulk returns on a full cache */
	uint64_t frag_alloc, frag_fail;  /* fragments cut, and failures (no chunk) */
	uint64_t chunks_in_use;          /* chunks taken from the global pool now */
	uint64_t heads_total, heads_free_global; /* global head pool size and free there now */
	uint32_t size, bulk, free_count; /* the chosen generation's constants */
};
/* Sum over CPUs (cpu < 0) or one CPU. Context: any (relaxed reads). */
void sn_skb_cache_stats(int cpu, struct sn_skb_cache_stats *out);

/*
 * Leak check for tests: every head and every chunk accounted for once the caches are drained.
 * Context: thread, no traffic. Return: 0, or -EUCLEAN with a message on stderr.
 */
int sn_skb_cache_check(void);

#endif /* NET_SKB_CACHE_H */
