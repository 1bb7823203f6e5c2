/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nolock_pool.h - a pool of fixed-size preallocated objects with an allocator that may be called
 * from any context, after the kernel's alloc_pages_nolock() (KERNEL.md §10, once __GFP_TRYLOCK).
 *
 * All objects are allocated when the pool is created and stay with it until it is destroyed; the
 * alloc and free paths never call malloc/free and never make a syscall except through a contended
 * PI lock. Free objects live in three places:
 *   - a per-CPU cache (a stack of up to cache_size objects) behind an rt_mutex;
 *   - the global pool behind another rt_mutex; caches refill from it and spill to it `batch`
 *     objects at a time;
 *   - the parked list: objects freed by pool_free_nolock() when it could take neither lock. It is
 *     a lock-free push-only stack, taken whole (one atomic exchange) by whoever next holds the
 *     global lock, so it has no ABA problem.
 * Lock order: a CPU cache lock, then the global lock. Never two cache locks at once.
 *
 * Which call from where:
 *   pool_alloc() / pool_free()                thread, softirq or BH context of a task: they may
 *                                             wait on the PI locks (so not under a raw lock).
 *                                             Called in NMI context they behave as the _nolock
 *                                             forms rather than deadlock.
 *   pool_alloc_nolock() / pool_free_nolock()  any context, including a signal handler run as
 *                                             NMI (nmi.h) that interrupted a holder of the very
 *                                             locks they need: trylocks only, they never wait.
 *   nolock_pool__create() / __destroy() / __check()  thread context, no concurrent user.
 *   nolock_pool__stats() / nolock_pool__obj_index()  any context.
 *
 * pool_alloc_nolock() returning NULL does not mean the pool is empty, only that this CPU's cache
 * and the global pool could not be used without waiting; like alloc_pages_nolock(), retrying in
 * the same context is pointless. The failure is counted (nolock_fail), never logged.
 *
 * A free object's first pointer-sized bytes are used as a link: their content is lost on free.
 * Objects are not zeroed.
 */
#ifndef BHLOCK_NOLOCK_POOL_H
#define BHLOCK_NOLOCK_POOL_H

#include "compiler.h"

#define NOLOCK_POOL_CACHE_DEFAULT 64
#define NOLOCK_POOL_BATCH_DEFAULT 32

struct nolock_pool;

struct nolock_pool_opts {
	size_t sz;              /* sizeof(struct nolock_pool_opts) */
	const char *name;       /* for messages; default "nolock_pool" */
	size_t obj_size;        /* required, > 0 */
	size_t nr_objs;         /* required, > 0 */
	size_t align;           /* power of two; default and minimum: alignof(void *) */
	unsigned int cache_size; /* per-CPU cache capacity; 0: NOLOCK_POOL_CACHE_DEFAULT */
	unsigned int batch;     /* objects moved per refill/spill, <= cache_size; 0: default */
};

/* A snapshot; the counters are exact only while nobody uses the pool. */
struct nolock_pool_stats {
	uint64_t allocs;      /* objects handed out, by any path */
	uint64_t frees;       /* objects given back, by any path (parked ones included) */
	uint64_t alloc_empty; /* NULL returns because no free object was found */
	uint64_t nolock_fail; /* pool_alloc_nolock() NULL returns, whatever the reason */
	uint64_t nolock_busy; /* ... of which a lock it needed was held (not known to be empty) */
	uint64_t parked;      /* objects pool_free_nolock() had to park */
	uint64_t unparked;    /* parked objects taken back into the global pool */
	uint64_t nr_objs;     /* pool size */
	uint64_t nr_in_use;   /* allocs - frees */
	uint64_t nr_free;     /* nr_objs - nr_in_use */
	uint64_t nr_parked;   /* parked - unparked: on the parked list now */
};

/**
 * nolock_pool__create() - allocate a pool and all its objects.
 * @opts: sizes and names; see struct nolock_pool_opts.
 *
 * Context: thread context.
 * Return: the pool, or NULL with errno EINVAL (bad or missing option, unknown non-zero option
 * bytes beyond what this version knows) or ENOMEM.
 */
struct nolock_pool *nolock_pool__create(const struct nolock_pool_opts *opts);

/**
 * nolock_pool__destroy() - free the pool and all its objects, in use or not.
 * Context: thread context; nobody may use the pool or its objects any more. NULL is ignored.
 */
void nolock_pool__destroy(struct nolock_pool *p);

/**
 * pool_alloc() - take an object, waiting for the locks if needed.
 *
 * Tries this CPU's cache, refills it from the global pool (taking the parked objects back on
 * the way), then takes one from another CPU's cache.
 * Context: task/softirq context (may block on PI locks); in NMI context see pool_alloc_nolock().
 * Return: an object, or NULL (counted in alloc_empty) when none was free anywhere it looked.
 */
void *pool_alloc(struct nolock_pool *p);

/**
 * pool_free() - give an object back, waiting for the locks if needed.
 * Context: task/softirq context; in NMI context it behaves as pool_free_nolock().
 * A pointer that is not an object of @p, or (debug builds) an object already free, ends the
 * process with a message.
 */
void pool_free(struct nolock_pool *p, void *obj);

/**
 * pool_alloc_nolock() - take an object without ever waiting.
 *
 * This CPU's cache under a trylock (refilled from the global pool if that trylock also
 * succeeds), else the global pool under a trylock.
 * Context: any, including a signal handler interrupting a holder of the pool's locks.
 * Return: an object, or NULL (counted in nolock_fail, and in nolock_busy or alloc_empty).
 */
void *pool_alloc_nolock(struct nolock_pool *p);

/**
 * pool_free_nolock() - give an object back without ever waiting.
 *
 * This CPU's cache under a trylock, else the global pool under a trylock, else the parked list
 * (lock-free); parked objects return to the global pool the next time its lock is taken.
 * Context: any, including a signal handler interrupting a holder of the pool's locks.
 */
void pool_free_nolock(struct nolock_pool *p, void *obj);

/**
 * nolock_pool__stats() - sum the per-CPU counters.
 * Context: any (relaxed reads; see struct nolock_pool_stats).
 */
void nolock_pool__stats(const struct nolock_pool *p, struct nolock_pool_stats *out);

/**
 * nolock_pool__obj_index() - the index of @obj in the pool, 0..nr_objs-1.
 * Context: any.
 * Return: the index, or -EINVAL if @obj is not the start of one of the pool's objects.
 */
long nolock_pool__obj_index(const struct nolock_pool *p, const void *obj);

/**
 * nolock_pool__check() - account for every free object (leak checks, tests).
 *
 * Takes the parked objects back, then walks the global pool and every CPU cache, checking that
 * each entry is an object of the pool and appears only once (and, in debug builds, is not
 * marked as handed out).
 * Context: thread context, with no concurrent user of the pool. It allocates a bitmap.
 * Return: the number of free objects found (nr_objs when everything came back), -EUCLEAN when an
 * entry is invalid or duplicated (reported on stderr), -ENOMEM.
 */
long nolock_pool__check(struct nolock_pool *p);

#endif /* BHLOCK_NOLOCK_POOL_H */
