/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bottom_half.h - local_bh_disable() / local_bh_enable() in the three profiles (profile.h).
 *
 * A task's outermost local_bh_disable() binds it to its CPU (migrate_disable()) and counts it in
 * the CPU's softirq_ctrl; in rt-bhlock it also takes that CPU's BH lock, a PI rt_mutex, so all BH
 * sections and softirq processing of a CPU exclude each other and a blocked higher-priority task
 * boosts the holder. Nesting only counts (per task). The outermost local_bh_enable() runs the
 * softirqs pending on this CPU in the calling task, then drops the lock and the binding.
 *
 * In vanilla, BH sections are meant for the one thread per CPU that does BH work (the cpu/N
 * thread or the caller's own pinned thread); debug builds report two tasks in BH on one CPU.
 *
 * Context: task context or a vanilla hardirq handler; never NMI. Must be balanced in one task.
 */
#ifndef BHLOCK_BOTTOM_HALF_H
#define BHLOCK_BOTTOM_HALF_H

#include "compiler.h"
#include "cleanup.h"
#include "percpu.h"
#include "preempt.h"
#include "rt_mutex.h"

/* Per-CPU BH state (kernel: softirq_ctrl + irq_stat). */
struct softirq_ctrl {
	struct rt_mutex lock;   /* rt-bhlock: the per-CPU BH lock ("BKL") */
	int cnt;                /* tasks of this CPU inside a BH section (atomic) */
	int vanilla_owner;      /* debug, vanilla: tid of the task in BH on this CPU */
	unsigned long pending;  /* softirq pending mask (atomic) */
} ____cacheline_aligned;

DECLARE_PER_CPU(struct softirq_ctrl, softirq_ctrl);

void __local_bh_disable_ip(unsigned int cnt, const char *site);
void __local_bh_enable_ip(unsigned int cnt, const char *site);

#define local_bh_disable() __local_bh_disable_ip(SOFTIRQ_DISABLE_OFFSET, BH_THIS_SITE)
#define local_bh_enable() __local_bh_enable_ip(SOFTIRQ_DISABLE_OFFSET, BH_THIS_SITE)

/* True while some task of this CPU is in a BH section (kernel: local_bh_blocked()). */
bool local_bh_blocked(void);

DEFINE_LOCK_GUARD_0(bh, __local_bh_disable_ip(SOFTIRQ_DISABLE_OFFSET, __guard_site()),
		    __local_bh_enable_ip(SOFTIRQ_DISABLE_OFFSET, __guard_site()));

/* Internal: the softirq core's view. */
void irq_enter(void);
void irq_exit(void);

#endif /* BHLOCK_BOTTOM_HALF_H */
