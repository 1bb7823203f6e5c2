/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rt_mutex.h - a priority-inheriting sleeping lock: the rt_mutex behind PREEMPT_RT's spinlock_t
 * and local_lock_t.
 *
 * Built directly on the kernel's PI futex: the lock word holds the owner's tid; an uncontended
 * lock or unlock is one compare-and-swap, a contended one asks the kernel (FUTEX_LOCK_PI), which
 * queues the waiter by priority and boosts the owner — the boost shows in the owner's
 * /proc/<tid>/stat priority field. rt_mutex_trylock() is a single compare-and-swap and so may be
 * called from a signal handler (the NMI-like context); rt_mutex_lock() may not.
 *
 * Context: rt_mutex_lock() thread context (not NMI); rt_mutex_trylock() and rt_mutex_unlock() any
 * context, by the owner for unlock.
 */
#ifndef BHLOCK_RT_MUTEX_H
#define BHLOCK_RT_MUTEX_H

#include "compiler.h"
#include "cleanup.h"
#include "lockdep.h"

struct rt_mutex {
	uint32_t futex; /* owner tid, | FUTEX_WAITERS when the kernel has queued waiters */
	struct lockdep_map dep_map;
};

#define RT_MUTEX_INITIALIZER { .futex = 0 }

void __rt_mutex_init(struct rt_mutex *m, const char *name, struct lock_class_key *key);
#define rt_mutex_init(m)                                                                           \
	do {                                                                                       \
		static struct lock_class_key __key;                                                \
		__rt_mutex_init((m), #m, &__key);                                                  \
	} while (0)

void __rt_mutex_lock(struct rt_mutex *m, const char *site);
bool __rt_mutex_trylock(struct rt_mutex *m, const char *site);
void __rt_mutex_unlock(struct rt_mutex *m, const char *site);

/* Without the validator: for bhlock's own internals only. */
void __rt_mutex_lock_raw(struct rt_mutex *m);
bool __rt_mutex_trylock_raw(struct rt_mutex *m);
void __rt_mutex_unlock_raw(struct rt_mutex *m);

#define rt_mutex_lock(m) __rt_mutex_lock((m), BH_THIS_SITE)
#define rt_mutex_trylock(m) __rt_mutex_trylock((m), BH_THIS_SITE)
#define rt_mutex_unlock(m) __rt_mutex_unlock((m), BH_THIS_SITE)

/* The owner's tid, or 0 if unlocked. */
static inline int rt_mutex_owner(const struct rt_mutex *m)
{
	return (int)(__atomic_load_n(&m->futex, __ATOMIC_RELAXED) & 0x3fffffffU);
}
static inline bool rt_mutex_is_locked(const struct rt_mutex *m)
{
	return rt_mutex_owner(m) != 0;
}

DEFINE_GUARD(rt_mutex, struct rt_mutex *, __rt_mutex_lock(_T, __guard_site()),
	     __rt_mutex_unlock(_T, __guard_site()));
DEFINE_GUARD_COND(rt_mutex, _try, __rt_mutex_trylock(_T, __guard_site()));

#endif /* BHLOCK_RT_MUTEX_H */
