// SPDX-License-Identifier: GPL-2.0-only
/*
 * fail_alloc.c - the allocation fault-injection sites (fail_alloc.h).
 *
 * The percentages and counters are relaxed atomics: a site switched on or off takes effect at
 * each allocator's next call, which is all a fault test needs. fail_alloc_armed is derived from
 * the percentages under set_lock so that two concurrent fail_alloc_set() calls cannot leave a
 * bit that disagrees with its percentage.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "fail_alloc.h"

unsigned int fail_alloc_armed;

static const char *const fail_alloc_names[FAIL_ALLOC_NR] = {
	[FAIL_ALLOC_SKB_HEADS] = "skb_heads",
	[FAIL_ALLOC_FRAG_CHUNKS] = "frag_chunks",
	[FAIL_ALLOC_PAGE_POOL] = "page_pool",
};

static unsigned int fail_alloc_pct[FAIL_ALLOC_NR];
static uint64_t fail_alloc_count[FAIL_ALLOC_NR];
static pthread_mutex_t set_lock = PTHREAD_MUTEX_INITIALIZER; /* writers of pct[] and armed */

/* xorshift32 per thread: no lock and no syscall, so a signal handler may draw too. */
static __thread uint32_t fail_alloc_rnd;

static uint32_t fail_alloc_next(void)
{
	uint32_t x = fail_alloc_rnd;

	if (unlikely(!x))
		x = (uint32_t)(uintptr_t)&fail_alloc_rnd | 1u; /* a different seed per thread */
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	fail_alloc_rnd = x;
	return x;
}

bool __fail_alloc_roll(enum fail_alloc_site site)
{
	unsigned int pct;

	if ((unsigned int)site >= FAIL_ALLOC_NR)
		return false;
	pct = __atomic_load_n(&fail_alloc_pct[site], __ATOMIC_RELAXED);
	if (!pct || (pct < 100 && fail_alloc_next() % 100 >= pct))
		return false;
	__atomic_fetch_add(&fail_alloc_count[site], 1, __ATOMIC_RELAXED);
	return true;
}

int fail_alloc_set(const char *name, unsigned int percent)
{
	unsigned int armed = 0;
	int s, found = 0;

	if (percent > 100)
		return -ERANGE;
	pthread_mutex_lock(&set_lock);
	for (s = 0; s < FAIL_ALLOC_NR; s++) {
		if (!strcmp(name, "all") || !strcmp(name, fail_alloc_names[s])) {
			__atomic_store_n(&fail_alloc_pct[s], percent, __ATOMIC_RELAXED);
			found = 1;
		}
		if (__atomic_load_n(&fail_alloc_pct[s], __ATOMIC_RELAXED))
			armed |= 1u << s;
	}
	__atomic_store_n(&fail_alloc_armed, armed, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&set_lock);
	return found ? 0 : -ENOENT;
}

const char *fail_alloc_name(enum fail_alloc_site site)
{
	return (unsigned int)site < FAIL_ALLOC_NR ? fail_alloc_names[site] : "?";
}

unsigned int fail_alloc_percent(enum fail_alloc_site site)
{
	return (unsigned int)site < FAIL_ALLOC_NR
		       ? __atomic_load_n(&fail_alloc_pct[site], __ATOMIC_RELAXED)
		       : 0;
}

uint64_t fail_alloc_injected(enum fail_alloc_site site)
{
	return (unsigned int)site < FAIL_ALLOC_NR
		       ? __atomic_load_n(&fail_alloc_count[site], __ATOMIC_RELAXED)
		       : 0;
}

int fail_alloc_site_of_pool(const char *pool_name)
{
	for (int s = 0; s < FAIL_ALLOC_NR; s++)
		if (pool_name && !strcmp(pool_name, fail_alloc_names[s]))
			return s;
	return -1;
}
