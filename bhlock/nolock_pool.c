// SPDX-License-Identifier: GPL-2.0-only
/*
 * nolock_pool.c - preallocated object pool with an any-context allocator.
 *
 * The idea is the kernel's alloc_pages_nolock() / free_pages_nolock() (mm/page_alloc.c, v6.15-16;
 * KERNEL.md §10): the same per-CPU list and global pool as the normal path, but every lock is a
 * trylock, a failed allocation returns NULL, and a free that cannot take a lock parks the object
 * on a lockless list drained by the next holder of the global lock (the kernel's per-zone llist).
 *
 * Ownership: a free object is in exactly one place — one CPU cache, the global free[] array or the
 * parked list — and only the holder of that place's lock (or, for the parked list, whoever swaps
 * the head out) may move it. An object leaves the pool only through np_hand_out() and comes back
 * only through np_take_back(), which debug builds turn into an ownership check.
 *
 * Locks are rt_mutexes: on PREEMPT_RT the kernel's per-CPU pageset and zone locks are sleeping
 * locks too, and rt_mutex_trylock() is one compare-and-swap, so a signal handler may call it. A
 * handler interrupting the owner sees the lock taken (the owner tid is the same thread) and
 * fails, which is the point. The kernel refuses the nolock allocation in NMI on RT because an
 * rtmutex trylock there would upset PI bookkeeping; here the "NMI" is a signal handler of the
 * owner thread itself, so the futex word stays consistent and we allow it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fail_alloc.h"
#include "nolock_pool_internal.h"
#include "percpu.h"
#include "preempt.h"

#define offsetofend(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))
#define NP_OPT(o, field, def)                                                                      \
	(((o)->sz >= offsetofend(struct nolock_pool_opts, field) && (o)->field) ? (o)->field : (def))

static struct lock_class_key np_cache_key, np_global_key;

/* Async-signal-safe: the free paths may run in a signal handler. */
static __cold __attribute__((noreturn)) void np_die(const struct nolock_pool *p, const char *what,
						    const void *obj)
{
	char buf[160];
	int n = snprintf(buf, sizeof(buf), "nolock_pool '%s': %s %p\n", p->name, what, obj);

	if (n > 0 && write(STDERR_FILENO, buf, (size_t)n) < 0)
		n = 0;
	abort();
}

#define np_stat_add(p, cpu, field, v)                                                              \
	__atomic_fetch_add(&per_cpu_ptr((p)->stats, (cpu))->field, (uint64_t)(v), __ATOMIC_RELAXED)

long nolock_pool__obj_index(const struct nolock_pool *p, const void *obj)
{
	uintptr_t off = (uintptr_t)obj - (uintptr_t)p->base;

	if ((uintptr_t)obj < (uintptr_t)p->base || off % p->stride || off / p->stride >= p->nr_objs)
		return -EINVAL;
	return (long)(off / p->stride);
}

/* @obj leaves the pool. */
static __always_inline void np_hand_out(struct nolock_pool *p, int cpu, void *obj)
{
#ifdef BHLOCK_DEBUG
	long i = nolock_pool__obj_index(p, obj);

	if (i < 0 || __atomic_exchange_n(&p->owned[i], 1, __ATOMIC_RELAXED))
		np_die(p, "object handed out twice:", obj);
#else
	(void)obj;
#endif
	np_stat_add(p, cpu, allocs, 1);
}

/* @obj comes back; must run before the object is published anywhere. */
static __always_inline void np_take_back(struct nolock_pool *p, int cpu, void *obj)
{
	long i = nolock_pool__obj_index(p, obj);

	if (unlikely(i < 0))
		np_die(p, "free of a pointer that is not one of its objects:", obj);
#ifdef BHLOCK_DEBUG
	if (!__atomic_exchange_n(&p->owned[i], 0, __ATOMIC_RELAXED))
		np_die(p, "double free of object", obj);
#endif
	np_stat_add(p, cpu, frees, 1);
}

/* Global lock held: take the parked list back into free[]. */
static void np_unpark(struct nolock_pool *p, int cpu)
{
	struct np_node *n;
	uint64_t k = 0;

	if (!__atomic_load_n(&p->parked, __ATOMIC_RELAXED))
		return;
	/* Acquire pairs with the release CAS of every push still in the list. */
	n = __atomic_exchange_n(&p->parked, NULL, __ATOMIC_ACQUIRE);
	while (n) {
		struct np_node *next = n->next;

		p->free[p->nr_free++] = n;
		n = next;
		k++;
	}
	np_stat_add(p, cpu, unparked, k);
}

static void np_park(struct nolock_pool *p, int cpu, void *obj)
{
	struct np_node *n = obj;
	struct np_node *head = __atomic_load_n(&p->parked, __ATOMIC_RELAXED);

	/* Counted first, so that nr_parked never goes below the true length. */
	np_stat_add(p, cpu, parked, 1);
	/*
	 * Push only: if the head changed and came back to the same node meanwhile, linking to it
	 * is still right, because we link to whatever list that node heads now.
	 */
	do {
		n->next = head;
	} while (!__atomic_compare_exchange_n(&p->parked, &head, n, true, __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
}

/* Cache and global locks held: move up to batch objects from the global pool to the cache. */
static void __np_refill(struct nolock_pool *p, struct np_cache *c, int cpu)
{
	size_t n;

	np_unpark(p, cpu);
	n = p->nr_free < p->batch ? p->nr_free : p->batch;
	p->nr_free -= n;
	memcpy(&c->objs[c->count], &p->free[p->nr_free], n * sizeof(void *));
	c->count += (unsigned int)n;
}

/* Cache and global locks held: move batch objects from the cache to the global pool. */
static void __np_spill(struct nolock_pool *p, struct np_cache *c, int cpu)
{
	unsigned int n = c->count < p->batch ? c->count : p->batch;

	np_unpark(p, cpu);
	c->count -= n;
	memcpy(&p->free[p->nr_free], &c->objs[c->count], n * sizeof(void *));
	p->nr_free += n;
}

/* Nothing here or in the global pool: take one object from another CPU's cache. */
static void *np_steal(struct nolock_pool *p, int self)
{
	void *obj = NULL;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct np_cache *c;

		if (cpu == self)
			continue;
		c = per_cpu_ptr(p->cache, cpu);
		rt_mutex_lock(&c->lock);
		if (c->count)
			obj = c->objs[--c->count];
		rt_mutex_unlock(&c->lock);
		if (obj)
			break;
	}
	return obj;
}

void *pool_alloc(struct nolock_pool *p)
{
	struct np_cache *c;
	void *obj = NULL;
	int cpu;

	if (unlikely(in_nmi()))
		return pool_alloc_nolock(p);
	/* Any CPU's cache is correct under its lock; this one is only the likely-warm choice. */
	cpu = raw_smp_processor_id();
	c = per_cpu_ptr(p->cache, cpu);
	rt_mutex_lock(&c->lock);
	if (!c->count) {
		rt_mutex_lock(&p->lock);
		__np_refill(p, c, cpu);
		rt_mutex_unlock(&p->lock);
	}
	if (c->count)
		obj = c->objs[--c->count];
	rt_mutex_unlock(&c->lock);
	if (unlikely(!obj))
		obj = np_steal(p, cpu);
	if (unlikely(!obj)) {
		np_stat_add(p, cpu, alloc_empty, 1);
		return NULL;
	}
	np_hand_out(p, cpu, obj);
	return obj;
}

void pool_free(struct nolock_pool *p, void *obj)
{
	struct np_cache *c;
	int cpu;

	if (unlikely(in_nmi())) {
		pool_free_nolock(p, obj);
		return;
	}
	cpu = raw_smp_processor_id();
	np_take_back(p, cpu, obj);
	c = per_cpu_ptr(p->cache, cpu);
	rt_mutex_lock(&c->lock);
	if (c->count == p->cache_size) {
		rt_mutex_lock(&p->lock);
		__np_spill(p, c, cpu);
		rt_mutex_unlock(&p->lock);
	}
	c->objs[c->count++] = obj;
	rt_mutex_unlock(&c->lock);
}

void *pool_alloc_nolock(struct nolock_pool *p)
{
	int cpu = raw_smp_processor_id();
	struct np_cache *c = per_cpu_ptr(p->cache, cpu);
	bool busy = false;
	void *obj = NULL;

	/* Fault injection (fail_alloc.h): fail as an empty pool does, counted the same way. */
	if (p->fail_site >= 0 && unlikely(fail_alloc((enum fail_alloc_site)p->fail_site)))
		goto fail;
	if (rt_mutex_trylock(&c->lock)) {
		if (!c->count) {
			if (rt_mutex_trylock(&p->lock)) {
				__np_refill(p, c, cpu);
				rt_mutex_unlock(&p->lock);
			} else {
				busy = true;
			}
		}
		if (c->count)
			obj = c->objs[--c->count];
		rt_mutex_unlock(&c->lock);
	} else {
		busy = true;
		if (rt_mutex_trylock(&p->lock)) {
			np_unpark(p, cpu);
			if (p->nr_free)
				obj = p->free[--p->nr_free];
			rt_mutex_unlock(&p->lock);
		}
	}
	if (unlikely(!obj)) {
fail:
		np_stat_add(p, cpu, nolock_fail, 1);
		if (busy)
			np_stat_add(p, cpu, nolock_busy, 1);
		else
			np_stat_add(p, cpu, alloc_empty, 1);
		return NULL;
	}
	np_hand_out(p, cpu, obj);
	return obj;
}

void pool_free_nolock(struct nolock_pool *p, void *obj)
{
	int cpu = raw_smp_processor_id();
	struct np_cache *c = per_cpu_ptr(p->cache, cpu);
	bool global_tried = false;

	np_take_back(p, cpu, obj);
	if (rt_mutex_trylock(&c->lock)) {
		bool done = false;

		if (c->count < p->cache_size) {
			c->objs[c->count++] = obj;
			done = true;
		} else if (rt_mutex_trylock(&p->lock)) {
			__np_spill(p, c, cpu);
			rt_mutex_unlock(&p->lock);
			c->objs[c->count++] = obj;
			done = true;
		}
		rt_mutex_unlock(&c->lock);
		if (done)
			return;
		global_tried = true;
	}
	if (!global_tried && rt_mutex_trylock(&p->lock)) {
		np_unpark(p, cpu);
		p->free[p->nr_free++] = obj;
		rt_mutex_unlock(&p->lock);
		return;
	}
	np_park(p, cpu, obj);
}

void nolock_pool__stats(const struct nolock_pool *p, struct nolock_pool_stats *out)
{
	int cpu;

	memset(out, 0, sizeof(*out));
	for_each_possible_cpu(cpu) {
		const struct np_pcpu_stats *s = per_cpu_ptr(p->stats, cpu);

		out->allocs += __atomic_load_n(&s->allocs, __ATOMIC_RELAXED);
		out->frees += __atomic_load_n(&s->frees, __ATOMIC_RELAXED);
		out->alloc_empty += __atomic_load_n(&s->alloc_empty, __ATOMIC_RELAXED);
		out->nolock_fail += __atomic_load_n(&s->nolock_fail, __ATOMIC_RELAXED);
		out->nolock_busy += __atomic_load_n(&s->nolock_busy, __ATOMIC_RELAXED);
		out->parked += __atomic_load_n(&s->parked, __ATOMIC_RELAXED);
		out->unparked += __atomic_load_n(&s->unparked, __ATOMIC_RELAXED);
	}
	out->nr_objs = p->nr_objs;
	out->nr_in_use = out->allocs - out->frees;
	out->nr_free = out->nr_objs - out->nr_in_use;
	out->nr_parked = out->parked - out->unparked;
}

/* Mark one free entry as seen; false if it is not an object or was seen already. */
static bool np_check_one(struct nolock_pool *p, uint8_t *seen, void *obj, const char *where)
{
	long i = nolock_pool__obj_index(p, obj);

	if (i < 0) {
		fprintf(stderr, "nolock_pool '%s': %s holds %p, not one of its objects\n", p->name,
			where, obj);
		return false;
	}
	if (seen[i]) {
		fprintf(stderr, "nolock_pool '%s': object %ld (%p) is free twice (again in %s)\n",
			p->name, i, obj, where);
		return false;
	}
#ifdef BHLOCK_DEBUG
	if (__atomic_load_n(&p->owned[i], __ATOMIC_RELAXED)) {
		fprintf(stderr, "nolock_pool '%s': object %ld (%p) in %s is marked in use\n",
			p->name, i, obj, where);
		return false;
	}
#endif
	seen[i] = 1;
	return true;
}

long nolock_pool__check(struct nolock_pool *p)
{
	uint8_t *seen = calloc(p->nr_objs, 1);
	long found = 0;
	bool ok = true;
	int cpu;

	if (!seen)
		return -ENOMEM;
	rt_mutex_lock(&p->lock);
	np_unpark(p, raw_smp_processor_id());
	for (size_t i = 0; i < p->nr_free && ok; i++)
		ok = np_check_one(p, seen, p->free[i], "the global pool");
	found += (long)p->nr_free;
	rt_mutex_unlock(&p->lock);
	for_each_possible_cpu(cpu) {
		struct np_cache *c = per_cpu_ptr(p->cache, cpu);
		char where[32];

		if (!ok)
			break;
		snprintf(where, sizeof(where), "the cache of CPU %d", cpu);
		rt_mutex_lock(&c->lock);
		for (unsigned int i = 0; i < c->count && ok; i++)
			ok = np_check_one(p, seen, c->objs[i], where);
		found += c->count;
		rt_mutex_unlock(&c->lock);
	}
	free(seen);
	return ok ? found : -EUCLEAN;
}

void nolock_pool__lock_cpu(struct nolock_pool *p, int cpu)
{
	rt_mutex_lock(&per_cpu_ptr(p->cache, cpu)->lock);
}

void nolock_pool__unlock_cpu(struct nolock_pool *p, int cpu)
{
	rt_mutex_unlock(&per_cpu_ptr(p->cache, cpu)->lock);
}

void nolock_pool__lock_global(struct nolock_pool *p)
{
	rt_mutex_lock(&p->lock);
}

void nolock_pool__unlock_global(struct nolock_pool *p)
{
	rt_mutex_unlock(&p->lock);
}

static bool np_opts_valid(const struct nolock_pool_opts *o)
{
	if (!o || o->sz < offsetofend(struct nolock_pool_opts, nr_objs))
		return false;
	/* A newer caller's options we do not know must be zero (libbpf's rule). */
	for (size_t i = sizeof(*o); i < o->sz; i++)
		if (((const char *)o)[i])
			return false;
	return true;
}

struct nolock_pool *nolock_pool__create(const struct nolock_pool_opts *opts)
{
	struct nolock_pool *p;
	size_t align, bytes;
	int cpu;

	if (!np_opts_valid(opts) || !opts->obj_size || !opts->nr_objs)
		goto err_inval;
	p = calloc(1, sizeof(*p));
	if (!p)
		goto err_nomem;
	snprintf(p->name, sizeof(p->name), "%s", NP_OPT(opts, name, "nolock_pool"));
	p->fail_site = fail_alloc_site_of_pool(p->name);
	align = NP_OPT(opts, align, _Alignof(void *));
	if (align & (align - 1))
		goto err_free_pool_inval;
	if (align < _Alignof(void *))
		align = _Alignof(void *);
	p->obj_size = opts->obj_size;
	p->stride = round_up(opts->obj_size < sizeof(void *) ? sizeof(void *) : opts->obj_size,
			     align);
	p->nr_objs = opts->nr_objs;
	p->cache_size = NP_OPT(opts, cache_size, NOLOCK_POOL_CACHE_DEFAULT);
	p->batch = NP_OPT(opts, batch, NOLOCK_POOL_BATCH_DEFAULT);
	if (p->batch > p->cache_size)
		goto err_free_pool_inval;
	if (__builtin_mul_overflow(p->nr_objs, p->stride, &bytes) || p->nr_objs > LONG_MAX)
		goto err_free_pool_inval;

	if (posix_memalign((void **)&p->base, align < SMP_CACHE_BYTES ? SMP_CACHE_BYTES : align,
			   bytes))
		goto err_free_pool;
	p->free = malloc(p->nr_objs * sizeof(void *));
	if (!p->free)
		goto err_free_base;
#ifdef BHLOCK_DEBUG
	p->owned = calloc(p->nr_objs, 1);
	if (!p->owned)
		goto err_free_free;
#endif
	p->cache = __alloc_percpu(sizeof(struct np_cache) + p->cache_size * sizeof(void *),
				  SMP_CACHE_BYTES);
	if (!p->cache)
		goto err_free_owned;
	p->stats = alloc_percpu(struct np_pcpu_stats);
	if (!p->stats)
		goto err_free_cache;

	__rt_mutex_init(&p->lock, "nolock_pool.global", &np_global_key);
	for_each_possible_cpu(cpu)
		__rt_mutex_init(&per_cpu_ptr(p->cache, cpu)->lock, "nolock_pool.cache",
				&np_cache_key);
	/* Everything starts in the global pool, lowest address handed out first. */
	for (size_t i = 0; i < p->nr_objs; i++)
		p->free[i] = p->base + (p->nr_objs - 1 - i) * p->stride;
	p->nr_free = p->nr_objs;
	return p;

err_free_cache:
	free_percpu(p->cache);
err_free_owned:
#ifdef BHLOCK_DEBUG
	free(p->owned);
err_free_free:
#endif
	free(p->free);
err_free_base:
	free(p->base);
err_free_pool:
	free(p);
err_nomem:
	errno = ENOMEM;
	return NULL;
err_free_pool_inval:
	free(p);
err_inval:
	errno = EINVAL;
	return NULL;
}

void nolock_pool__destroy(struct nolock_pool *p)
{
	if (!p)
		return;
	free_percpu(p->stats);
	free_percpu(p->cache);
#ifdef BHLOCK_DEBUG
	free(p->owned);
#endif
	free(p->free);
	free(p->base);
	free(p);
}
