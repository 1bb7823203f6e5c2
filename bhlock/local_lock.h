/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * local_lock.h - per-CPU local locks (KERNEL.md §1, include/linux/local_lock.h).
 *
 * A local_lock_t is embedded in the per-CPU structure it protects; callers pass the per-CPU
 * pointer (&pcpu_var.lock) and the lock of this CPU is used.
 *
 *                         vanilla                 rt-bhlock                rt-nested
 *   local_lock()          pin + validator         pin + PI lock            pin + PI lock
 *   local_trylock()       fails if held (re-entry) PI trylock              PI trylock
 *   local_lock_nested_bh  assertion only          assertion only           PI lock of this CPU
 *                         (free in release)       (the BH lock covers it)
 *
 * local_lock_nested_bh() must be called inside local_bh_disable() (or serving softirq), never
 * in hardirq/NMI; the validator reports other callers. It does not pin: the BH section did.
 *
 * Guards: guard(local_lock)(&x.lock); guard(local_lock_nested_bh)(&x.bh_lock);
 * scoped_guard(local_lock_nested_bh, &x.bh_lock) { ... }; scoped_cond_guard(local_lock_try, ...).
 *
 * Context: local_lock(), local_trylock() from task or BH context; _nested_bh from BH context only.
 */
#ifndef BHLOCK_LOCAL_LOCK_H
#define BHLOCK_LOCAL_LOCK_H

#include "compiler.h"
#include "cleanup.h"
#include "percpu.h"
#include "preempt.h"
#include "profile.h"
#include "rt_mutex.h"
#include "static_key.h"

typedef struct {
	struct rt_mutex lock; /* RT profiles: the per-CPU PI lock; its dep_map in all profiles */
	int acquired;         /* held (any profile): vanilla trylock fails on re-entry */
} local_lock_t;

#ifdef BHLOCK_DEBUG
#define __LOCAL_LOCK_DEP(n) , .dep_map = { .name = #n, .key = &(struct lock_class_key){ 0 } }
#else
#define __LOCAL_LOCK_DEP(n)
#endif
/* Static initialiser; every CPU's copy of a per-CPU variable shares the class. */
#define INIT_LOCAL_LOCK(n) { .lock = { .futex = 0 __LOCAL_LOCK_DEP(n) } }

void __local_lock_init(local_lock_t *l, const char *name, struct lock_class_key *key);
/* Initialise every CPU's copy of a dynamically allocated per-CPU lock. */
#define local_lock_init_percpu(pl)                                                                 \
	do {                                                                                       \
		static struct lock_class_key __key;                                                \
		int __cpu;                                                                         \
		for_each_possible_cpu(__cpu)                                                       \
			__local_lock_init(per_cpu_ptr((pl), __cpu), #pl, &__key);                  \
	} while (0)

void __local_lock(local_lock_t *pl, const char *site);
bool __local_trylock(local_lock_t *pl, const char *site);
void __local_unlock(local_lock_t *pl, const char *site);
void __local_lock_nested_bh_slow(local_lock_t *l, const char *site);
void __local_unlock_nested_bh_slow(local_lock_t *l, const char *site);

#define local_lock(pl) __local_lock((pl), BH_THIS_SITE)
#define local_trylock(pl) __local_trylock((pl), BH_THIS_SITE)
#define local_unlock(pl) __local_unlock((pl), BH_THIS_SITE)

/*
 * The nested-BH fast path is inline: in release builds of vanilla and rt-bhlock it is a NOP
 * (static_key.h).
 */
static __always_inline void __local_lock_nested_bh(local_lock_t *pl, const char *site)
{
#ifdef BHLOCK_DEBUG
	__local_lock_nested_bh_slow(pl, site);
#else
	if (bh_rt_nested_branch())
		__local_lock_nested_bh_slow(pl, site);
#endif
}

static __always_inline void __local_unlock_nested_bh(local_lock_t *pl, const char *site)
{
#ifdef BHLOCK_DEBUG
	__local_unlock_nested_bh_slow(pl, site);
#else
	if (bh_rt_nested_branch())
		__local_unlock_nested_bh_slow(pl, site);
#endif
}

#define local_lock_nested_bh(pl) __local_lock_nested_bh((pl), BH_THIS_SITE)
#define local_unlock_nested_bh(pl) __local_unlock_nested_bh((pl), BH_THIS_SITE)

DEFINE_GUARD(local_lock, local_lock_t *, __local_lock(_T, __guard_site()),
	     __local_unlock(_T, __guard_site()));
DEFINE_GUARD_COND(local_lock, _try, __local_trylock(_T, __guard_site()));
/*
 * The nested-BH guard holds NULL when nothing was taken (release builds outside rt-nested), so
 * its destructor tests a register instead of reading the profile again.
 */
static __always_inline local_lock_t *__local_lock_nested_bh_guard(local_lock_t *pl,
								 const char *site)
{
#ifdef BHLOCK_DEBUG
	__local_lock_nested_bh_slow(pl, site);
	return pl;
#else
	if (!bh_rt_nested_branch())
		return NULL;
	__local_lock_nested_bh_slow(pl, site);
	return pl;
#endif
}
DEFINE_CLASS(local_lock_nested_bh, local_lock_t *,
	     if (_T) __local_unlock_nested_bh_slow(_T, __guard_site()),
	     __local_lock_nested_bh_guard(_T, __guard_site()), local_lock_t *_T)
static __always_inline void *class_local_lock_nested_bh_lock_ptr(local_lock_t **p)
{
	return (void *)*p;
}
enum { class_local_lock_nested_bh_is_conditional = 0 };

#endif /* BHLOCK_LOCAL_LOCK_H */
