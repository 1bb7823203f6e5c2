/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * preempt.h - context counts of the current task, laid out like the kernel's preempt_count.
 *
 * bits  8..15  softirq: SOFTIRQ_OFFSET while serving softirqs, SOFTIRQ_DISABLE_OFFSET per
 *              local_bh_disable() level (per task, as on PREEMPT_RT)
 * bits 16..19  hardirq: set while a vanilla IRQ handler runs (the CPU thread's handler context)
 * bits 20..23  NMI: set inside a signal handler run through bh_nmi_*() (the NMI/kprobe context)
 *
 * Context: any; each task reads only its own counts.
 */
#ifndef BHLOCK_PREEMPT_H
#define BHLOCK_PREEMPT_H

#include "task.h"

#define SOFTIRQ_SHIFT 8
#define HARDIRQ_SHIFT 16
#define NMI_SHIFT 20
#define SOFTIRQ_OFFSET (1U << SOFTIRQ_SHIFT)
#define SOFTIRQ_DISABLE_OFFSET (2U * SOFTIRQ_OFFSET)
#define HARDIRQ_OFFSET (1U << HARDIRQ_SHIFT)
#define NMI_OFFSET (1U << NMI_SHIFT)
#define SOFTIRQ_MASK (0xffU << SOFTIRQ_SHIFT)
#define HARDIRQ_MASK (0xfU << HARDIRQ_SHIFT)
#define NMI_MASK (0xfU << NMI_SHIFT)

static __always_inline unsigned int preempt_count(void)
{
	return READ_ONCE(current->preempt_count);
}

#define softirq_count() (preempt_count() & SOFTIRQ_MASK)
#define hardirq_count() (preempt_count() & HARDIRQ_MASK)
#define in_softirq() (softirq_count() != 0)
#define in_serving_softirq() ((softirq_count() & SOFTIRQ_OFFSET) != 0)
#define in_hardirq() (hardirq_count() != 0)
#define in_nmi() ((preempt_count() & NMI_MASK) != 0)
#define in_interrupt() ((preempt_count() & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_MASK)) != 0)
#define in_task() (!(preempt_count() & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET)))

#endif /* BHLOCK_PREEMPT_H */
