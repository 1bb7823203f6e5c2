// SPDX-License-Identifier: GPL-2.0-only
/*
 * bottom_half.c - BH sections per profile (KERNEL.md §2: __local_bh_disable_ip() and
 * __local_bh_enable_ip() of kernel/softirq.c, the RT and the !RT forms).
 */
#include "softirq_internal.h"
#include "profile.h"
#include "lockdep.h"
#include "trace.h" /* latency lab (issue 6): trace hooks, marked "trace:" */

#ifdef BHLOCK_DEBUG
static struct lock_class_key bh_lock_key;
#endif

/* Every CPU's copy starts from this template, so every BH lock has one class from the start. */
DEFINE_PER_CPU(struct softirq_ctrl, softirq_ctrl) = {
#ifdef BHLOCK_DEBUG
	.lock = { .dep_map = { .name = "softirq_ctrl.lock", .key = &bh_lock_key } },
#endif
};

static struct softirq_ctrl *bh_ctrl(int cpu)
{
	return per_cpu_ptr(&softirq_ctrl, cpu);
}

/* A task's first BH level: bind to the CPU, count, and in rt-bhlock take the BH lock. */
static void bh_enter_outermost(struct task_struct *t, const char *site)
{
	struct softirq_ctrl *ctrl;

	__bh_profile_freeze();
	migrate_disable();
	ctrl = bh_ctrl(t->cpu);
	if (bh_profile() == BH_PROFILE_RT_BHLOCK) {
		/* trace: lock_block + PI boost when another task holds it; lock_unblock after. */
		uint64_t t0 = bh_trace_lock_contended(&ctrl->lock.futex, "softirq_ctrl.lock");

		__rt_mutex_lock(&ctrl->lock, site);
		bh_trace_lock_acquired(t0, "softirq_ctrl.lock"); /* trace: */
	}
#ifdef BHLOCK_DEBUG
	if (bh_profile() == BH_PROFILE_VANILLA && !(t->preempt_count & (HARDIRQ_MASK | NMI_MASK))) {
		int other = __atomic_exchange_n(&ctrl->vanilla_owner, t->tid, __ATOMIC_RELAXED);

		if (other && other != t->tid)
			lockdep_report(LOCKDEP_VANILLA_BH,
				       "vanilla profile: task %s/%d enters BH at %s on CPU %d while task "
				       "%d is inside a BH section there (one thread per CPU does BH "
				       "work in vanilla)\n",
				       t->comm, t->tid, site, t->cpu, other);
	}
#endif
	__atomic_add_fetch(&ctrl->cnt, 1, __ATOMIC_RELAXED);
}

static void bh_exit_outermost(struct task_struct *t, const char *site)
{
	int cpu = t->cpu;
	struct softirq_ctrl *ctrl = bh_ctrl(cpu);
	int left = __atomic_sub_fetch(&ctrl->cnt, 1, __ATOMIC_RELEASE);

#ifdef BHLOCK_DEBUG
	if (bh_profile() == BH_PROFILE_VANILLA && !(t->preempt_count & (HARDIRQ_MASK | NMI_MASK))) {
		int me = t->tid;

		__atomic_compare_exchange_n(&ctrl->vanilla_owner, &me, 0, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
	}
#endif
	if (bh_profile() == BH_PROFILE_RT_BHLOCK) {
		bh_trace_lock_release(&ctrl->lock.futex, "softirq_ctrl.lock"); /* trace: PI restore */
		__rt_mutex_unlock(&ctrl->lock, site);
	}
	/*
	 * Work raised by another task while we were inside (it saw cnt != 0 and did not wake
	 * ksoftirqd) after our last look at the mask must not be stranded.
	 */
	if (!left && __atomic_load_n(&ctrl->pending, __ATOMIC_ACQUIRE) && bh_profile_is_rt())
		wakeup_softirqd(cpu);
	migrate_enable();
}

void __local_bh_disable_ip(unsigned int cnt, const char *site)
{
	struct task_struct *t = current;

	if (!(t->preempt_count & SOFTIRQ_MASK))
		bh_enter_outermost(t, site);
	t->preempt_count += cnt;
}

void __local_bh_enable_ip(unsigned int cnt, const char *site)
{
	struct task_struct *t = current;
	unsigned int sc = t->preempt_count & SOFTIRQ_MASK;

	if (unlikely(sc < cnt)) {
#ifdef BHLOCK_DEBUG
		lockdep_report(LOCKDEP_BAD_UNLOCK,
			       "local_bh_enable() at %s without a matching local_bh_disable() "
			       "(task %s/%d)\n",
			       site, t->comm, t->tid);
#endif
		return;
	}
	/* Outermost level of this task with work pending: run it here, in this task. */
	if (sc == cnt && !(t->preempt_count & (HARDIRQ_MASK | NMI_MASK)) &&
	    __atomic_load_n(&bh_ctrl(t->cpu)->pending, __ATOMIC_ACQUIRE)) {
		t->preempt_count -= cnt - SOFTIRQ_OFFSET;
		handle_softirqs(false);
		t->preempt_count -= SOFTIRQ_OFFSET;
	} else {
		t->preempt_count -= cnt;
	}
	if (!(t->preempt_count & SOFTIRQ_MASK))
		bh_exit_outermost(t, site);
}

void __local_bh_enable_noinvoke(unsigned int cnt, const char *site)
{
	struct task_struct *t = current;

	t->preempt_count -= cnt;
	if (!(t->preempt_count & SOFTIRQ_MASK))
		bh_exit_outermost(t, site);
}

bool local_bh_blocked(void)
{
	return __atomic_load_n(&bh_ctrl(raw_smp_processor_id())->cnt, __ATOMIC_RELAXED) != 0;
}

bool should_wake_ksoftirqd(int cpu)
{
	if (!bh_profile_is_rt())
		return true;
	return __atomic_load_n(&per_cpu_ptr(&softirq_ctrl, cpu)->cnt, __ATOMIC_ACQUIRE) == 0;
}
