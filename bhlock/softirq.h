/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * softirq.h - softirq vectors, raising and invocation (KERNEL.md §2, kernel/softirq.c).
 *
 * Each CPU has a pending mask. raise_softirq() sets a bit on this CPU; the vectors run, in the
 * kernel's bit order, at the raising task's outermost local_bh_enable(), at the end of a threaded
 * IRQ handler (RT; it runs inside local_bh_disable()/enable()), at irq_exit() of a vanilla handler,
 * or in this CPU's ksoftirqd. One invocation restarts while work keeps arriving, for at most
 * softirq_max_time_ns (2 ms) and softirq_max_restart (10) passes; then ksoftirqd takes over.
 *
 * raise_softirq_irqoff() wakes ksoftirqd when the raiser is not in interrupt context and
 * should_wake_ksoftirqd(): always in vanilla; in the RT profiles only when no task on this CPU is
 * inside a BH section (one that is will run the pending work at its local_bh_enable()).
 *
 * Context: open_softirq() before bhlock_start(); raise from task, BH, hardirq or NMI context;
 * actions run in serving-softirq context on the CPU that raised them.
 */
#ifndef BHLOCK_SOFTIRQ_H
#define BHLOCK_SOFTIRQ_H

#include "compiler.h"
#include "percpu.h"

enum {
	HI_SOFTIRQ = 0,
	TIMER_SOFTIRQ,
	NET_TX_SOFTIRQ,
	NET_RX_SOFTIRQ,
	BLOCK_SOFTIRQ,
	IRQ_POLL_SOFTIRQ,
	TASKLET_SOFTIRQ,
	SCHED_SOFTIRQ,
	HRTIMER_SOFTIRQ,
	RCU_SOFTIRQ,
	NR_SOFTIRQS
};

extern const char *const softirq_to_name[NR_SOFTIRQS];

/* Tunables, like the kernel's constants; set before bhlock_start(). */
extern uint64_t softirq_max_time_ns; /* MAX_SOFTIRQ_TIME: 2 ms */
extern int softirq_max_restart;      /* MAX_SOFTIRQ_RESTART: 10 */

typedef void (*softirq_action_fn)(void);
void open_softirq(int nr, softirq_action_fn action);

void __raise_softirq_irqoff(unsigned int nr); /* only sets the bit */
void raise_softirq_irqoff(unsigned int nr);   /* ... and wakes ksoftirqd when due */
void raise_softirq(unsigned int nr);
unsigned long local_softirq_pending(void);
unsigned long softirq_pending_on(int cpu);

/* Run pending softirqs now if not in interrupt context (takes the BH section itself). */
void do_softirq(void);

struct softirq_stats {
	unsigned long raised[NR_SOFTIRQS];
	unsigned long runs[NR_SOFTIRQS];
	unsigned long invocations;       /* handle_softirqs() calls */
	unsigned long restarts;          /* extra passes inside one invocation */
	unsigned long deferred_time;     /* handed to ksoftirqd: 2 ms limit */
	unsigned long deferred_restarts; /* handed to ksoftirqd: restart limit */
	unsigned long ksoftirqd_wakeups;
	unsigned long ksoftirqd_runs; /* invocations made by ksoftirqd */
};
/* Sum of the counters of one CPU (cpu >= 0) or all CPUs (cpu < 0). */
void softirq_stats_read(int cpu, struct softirq_stats *out);

/*
 * Start and stop the per-CPU threads: ksoftirqd/N (SCHED_OTHER) in the RT profiles; in vanilla
 * one cpu/N thread per CPU that runs IRQ handlers, their softirqs and ksoftirqd's work. Freezes
 * the profile. Return: 0 or -errno.
 */
int bhlock_start(void);
void bhlock_stop(void);
bool bhlock_started(void);
/* The tid of ksoftirqd/N (or cpu/N in vanilla), 0 if not running. */
int ksoftirqd_tid(int cpu);

#endif /* BHLOCK_SOFTIRQ_H */
