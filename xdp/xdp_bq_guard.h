/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xdp_bq_guard.h - the guard of the devmap and cpumap bulk queues, and the two test-only knobs
 * around it that the race regression (tests/unit/xdp/test_redirect_race.c, issue 5) needs.
 *
 * xdp_bq_lock: the guard class the enqueue and flush sites take, guard(xdp_bq_lock)(&lock) /
 * scoped_guard(xdp_bq_lock, &lock); normally local_lock_nested_bh. Built with the TEST-ONLY meson
 * option -Dxdp_bulkq_unguarded=true it takes nothing, so the regression can show the corruption
 * the locks prevent. Never build a daemon that way.
 *
 * xdp_bq_preempt_point(): called inside each enqueue's critical section, between reading the
 * queue's count and storing the frame there. In debug and unguarded builds it calls
 * sn_xdp_bq_preempt_hook when a test set one (the test wakes a higher-priority task of the same
 * CPU from it, so preemption lands exactly inside the section); in release builds it is empty.
 */
#ifndef XDP_XDP_BQ_GUARD_H
#define XDP_XDP_BQ_GUARD_H

#include "bhlock/compiler.h"
#include "bhlock/local_lock.h"

#ifndef XDP_BQ_UNGUARDED
#define xdp_bq_lock local_lock_nested_bh
#else
DEFINE_CLASS(xdp_bq_lock, local_lock_t *, (void)_T, _T, local_lock_t *_T)
static __always_inline void *class_xdp_bq_lock_lock_ptr(local_lock_t **p)
{
	return (void *)*p;
}
enum { class_xdp_bq_lock_is_conditional = 0 };
#endif

#if defined(BHLOCK_DEBUG) || defined(XDP_BQ_UNGUARDED)
#define XDP_BQ_PREEMPT_POINTS 1
/* Set by a test before traffic, cleared after; NULL: nothing happens. */
extern void (*sn_xdp_bq_preempt_hook)(void);

static __always_inline void xdp_bq_preempt_point(void)
{
	void (*hook)(void) = __atomic_load_n(&sn_xdp_bq_preempt_hook, __ATOMIC_RELAXED);

	if (unlikely(hook))
		hook();
}
#else
static __always_inline void xdp_bq_preempt_point(void)
{
}
#endif

#endif /* XDP_XDP_BQ_GUARD_H */
