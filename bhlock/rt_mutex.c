// SPDX-License-Identifier: GPL-2.0-only
/*
 * rt_mutex.c - PI futex lock. The protocol is the kernel's (Documentation/locking/pi-futex.rst):
 * 0 -> tid by CAS to lock, tid -> 0 by CAS to unlock; if the CAS fails, the kernel owns the rest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/syscall.h>

#include "rt_mutex.h"
#include "task.h"

static long sys_futex(uint32_t *uaddr, int op)
{
	return syscall(SYS_futex, uaddr, op | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0);
}

void __rt_mutex_init(struct rt_mutex *m, const char *name, struct lock_class_key *key)
{
	m->futex = 0;
	lockdep_init_map(&m->dep_map, name, key);
	(void)name, (void)key;
}

bool __rt_mutex_trylock_raw(struct rt_mutex *m)
{
	uint32_t expected = 0;

	return __atomic_compare_exchange_n(&m->futex, &expected, (uint32_t)current->tid, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void __rt_mutex_lock_raw(struct rt_mutex *m)
{
	if (likely(__rt_mutex_trylock_raw(m)))
		return;
	for (;;) {
		if (sys_futex(&m->futex, FUTEX_LOCK_PI) == 0) {
			bh_tsan_acquire(m);
			return;
		}
		if (errno == EINTR || errno == EAGAIN)
			continue;
		/* EDEADLK: we own it already. The validator reports this before we get here. */
		fprintf(stderr, "bhlock: rt_mutex %p: FUTEX_LOCK_PI failed: %s\n", (void *)m,
			strerror(errno));
		abort();
	}
}

void __rt_mutex_unlock_raw(struct rt_mutex *m)
{
	uint32_t expected = (uint32_t)current->tid;

	bh_tsan_release(m);
	if (likely(__atomic_compare_exchange_n(&m->futex, &expected, 0, false, __ATOMIC_RELEASE,
					       __ATOMIC_RELAXED)))
		return;
	/* Waiters are queued: the kernel hands the lock to the highest-priority one. */
	if (sys_futex(&m->futex, FUTEX_UNLOCK_PI)) {
		fprintf(stderr, "bhlock: rt_mutex %p: FUTEX_UNLOCK_PI failed: %s\n", (void *)m,
			strerror(errno));
		abort();
	}
}

void __rt_mutex_lock(struct rt_mutex *m, const char *site)
{
	lock_acquire(&m->dep_map, false, site);
	__rt_mutex_lock_raw(m);
}

bool __rt_mutex_trylock(struct rt_mutex *m, const char *site)
{
	lock_acquire(&m->dep_map, true, site);
	if (__rt_mutex_trylock_raw(m))
		return true;
	lock_acquire_failed(&m->dep_map);
	return false;
}

void __rt_mutex_unlock(struct rt_mutex *m, const char *site)
{
	lock_release(&m->dep_map, site);
	__rt_mutex_unlock_raw(m);
}
