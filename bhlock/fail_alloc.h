/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fail_alloc.h - fault injection for the datapath allocators: make an allocation fail on demand,
 * at run time, in every build (the kernel's failslab / fail_page_alloc in spirit).
 *
 * A site is one allocator the datapath takes frames from:
 *   skb_heads    frame heads: the per-CPU napi skb cache (net/skb_cache.c) and the nolock pool
 *                behind it. The cache is a site too because in steady forwarding every head
 *                goes back to the cache it came from, so a failing pool alone would never be
 *                seen; "the pool is exhausted" has to mean "no head anywhere".
 *   frag_chunks  the frag cache's chunks (nolock pool): frames the stack builds and copies.
 *   page_pool    page_pool buffers (AF_XDP fill ring, test ports).
 * Each site has a failure percentage, 0 (off) to 100 (every call fails). A failed call returns
 * NULL exactly as the allocator does when it is empty, and the caller counts the drop by reason
 * (nomem_head, nomem_buf) as usual; the injections themselves are counted per site.
 *
 * Cost when nothing is armed: one relaxed load of a global word and a branch that is always
 * predicted right, in the allocators' refill/get paths. That is why it is compiled into every
 * build instead of only debug ones: the release build is the one a fault test must exercise.
 *
 * Context: fail_alloc() from any context, including a signal handler (no lock, no syscall; the
 * random draw uses a per-thread state). fail_alloc_set() from any thread.
 */
#ifndef BHLOCK_FAIL_ALLOC_H
#define BHLOCK_FAIL_ALLOC_H

#include "compiler.h"

enum fail_alloc_site {
	FAIL_ALLOC_SKB_HEADS,
	FAIL_ALLOC_FRAG_CHUNKS,
	FAIL_ALLOC_PAGE_POOL,
	FAIL_ALLOC_NR
};

/* Bit per site with a non-zero percentage. Read it only through fail_alloc(). */
extern unsigned int fail_alloc_armed;

bool __fail_alloc_roll(enum fail_alloc_site site);

/* true: the caller must behave as if its allocator were empty. */
static __always_inline bool fail_alloc(enum fail_alloc_site site)
{
	if (likely(!__atomic_load_n(&fail_alloc_armed, __ATOMIC_RELAXED)))
		return false;
	return __fail_alloc_roll(site);
}

/**
 * fail_alloc_set() - arm or disarm a site.
 * @name: "skb_heads", "frag_chunks", "page_pool" or "all".
 * @percent: 0 (off) .. 100 (every allocation fails).
 * Context: any thread.
 * Return: 0, -ENOENT for an unknown name, -ERANGE for a percentage above 100.
 */
int fail_alloc_set(const char *name, unsigned int percent);

/* The site's name ("?" when out of range), its percentage, and the failures it injected. */
const char *fail_alloc_name(enum fail_alloc_site site);
unsigned int fail_alloc_percent(enum fail_alloc_site site);
uint64_t fail_alloc_injected(enum fail_alloc_site site);

/* The site of a nolock pool by its name, or -1 (nolock_pool__create() looks its name up). */
int fail_alloc_site_of_pool(const char *pool_name);

#endif /* BHLOCK_FAIL_ALLOC_H */
