// SPDX-License-Identifier: GPL-2.0-only
/* local_lock.c - local_lock_t per profile (see local_lock.h for the table). */
#include "local_lock.h"
#include "lockdep.h"
#include "trace.h" /* latency lab (issue 6): trace hooks, marked "trace:" */

void __local_lock_init(local_lock_t *l, const char *name, struct lock_class_key *key)
{
	__rt_mutex_init(&l->lock, name, key);
	l->acquired = 0;
}

void __local_lock(local_lock_t *pl, const char *site)
{
	local_lock_t *l;

	migrate_disable();
	l = this_cpu_ptr(pl);
	if (bh_profile_is_rt())
		__rt_mutex_lock(&l->lock, site);
	else
		lock_acquire(&l->lock.dep_map, false, site);
	WRITE_ONCE(l->acquired, 1);
}

bool __local_trylock(local_lock_t *pl, const char *site)
{
	local_lock_t *l;

	migrate_disable();
	l = this_cpu_ptr(pl);
	if (bh_profile_is_rt()) {
		if (!__rt_mutex_trylock(&l->lock, site))
			goto fail;
	} else {
		/* !RT: only re-entry (a handler interrupting the holder) can find it taken. */
		if (READ_ONCE(l->acquired))
			goto fail;
		lock_acquire(&l->lock.dep_map, true, site);
	}
	WRITE_ONCE(l->acquired, 1);
	return true;
fail:
	migrate_enable();
	return false;
}

void __local_unlock(local_lock_t *pl, const char *site)
{
	local_lock_t *l = this_cpu_ptr(pl);

	WRITE_ONCE(l->acquired, 0);
	if (bh_profile_is_rt())
		__rt_mutex_unlock(&l->lock, site);
	else
		lock_release(&l->lock.dep_map, site);
	migrate_enable();
}

void __local_lock_nested_bh_slow(local_lock_t *pl, const char *site)
{
	local_lock_t *l;

	lockdep_assert_in_softirq(site);
	l = this_cpu_ptr(pl);
	if (bh_profile() == BH_PROFILE_RT_NESTED) {
		/* trace: named by its class (debug) or its acquisition site (file:line) */
		uint64_t t0 = bh_trace_lock_contended(&l->lock.futex,
						      bh_trace_lock_name(&l->lock, site));

		__rt_mutex_lock(&l->lock, site);
		bh_trace_lock_acquired(t0, bh_trace_lock_name(&l->lock, site)); /* trace: */
	} else {
		lock_acquire(&l->lock.dep_map, false, site);
	}
}

void __local_unlock_nested_bh_slow(local_lock_t *pl, const char *site)
{
	local_lock_t *l = this_cpu_ptr(pl);

	if (bh_profile() == BH_PROFILE_RT_NESTED) {
		/* trace: PI restore */
		bh_trace_lock_release(&l->lock.futex, bh_trace_lock_name(&l->lock, site));
		__rt_mutex_unlock(&l->lock, site);
	} else {
		lock_release(&l->lock.dep_map, site);
	}
}
