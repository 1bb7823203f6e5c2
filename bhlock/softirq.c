// SPDX-License-Identifier: GPL-2.0-only
/*
 * softirq.c - vectors, raise and the softirq loop (KERNEL.md §2, handle_softirqs() of
 * kernel/softirq.c): take the pending mask, run the vectors in bit order, restart while more work
 * arrives within the time and restart limits, otherwise hand over to ksoftirqd.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "softirq_internal.h"
#include "profile.h"
#include "trace.h" /* latency lab (issue 6): trace hooks, marked "trace:" */

const char *const softirq_to_name[NR_SOFTIRQS] = {
	"HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU",
};

uint64_t softirq_max_time_ns = 2000000;
int softirq_max_restart = 10;

static softirq_action_fn softirq_vec[NR_SOFTIRQS];

DEFINE_PER_CPU(struct softirq_stats, softirq_stats);

static uint64_t softirq_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void open_softirq(int nr, softirq_action_fn action)
{
	if (nr >= 0 && nr < NR_SOFTIRQS)
		__atomic_store_n(&softirq_vec[nr], action, __ATOMIC_RELEASE);
}

/* Stats are per CPU and may be bumped by several tasks of one CPU on RT: relaxed atomics. */
#define softirq_stat_inc(cpu, field)                                                               \
	__atomic_add_fetch(&per_cpu_ptr(&softirq_stats, (cpu))->field, 1, __ATOMIC_RELAXED)

void __raise_softirq_irqoff(unsigned int nr)
{
	int cpu = raw_smp_processor_id();

	__atomic_or_fetch(&per_cpu_ptr(&softirq_ctrl, cpu)->pending, 1UL << nr, __ATOMIC_RELEASE);
	softirq_stat_inc(cpu, raised[nr]);
	bh_trace_softirq_raise(nr); /* trace: */
}

void raise_softirq_irqoff(unsigned int nr)
{
	int cpu;

	if (nr >= NR_SOFTIRQS)
		return;
	/* The raiser must not migrate between setting the bit and deciding who runs it. */
	migrate_disable();
	cpu = current->cpu;
	__raise_softirq_irqoff(nr);
	if (!in_interrupt() && should_wake_ksoftirqd(cpu))
		wakeup_softirqd(cpu);
	migrate_enable();
}

void raise_softirq(unsigned int nr)
{
	raise_softirq_irqoff(nr);
}

unsigned long softirq_pending_on(int cpu)
{
	return __atomic_load_n(&per_cpu_ptr(&softirq_ctrl, cpu)->pending, __ATOMIC_ACQUIRE);
}

unsigned long local_softirq_pending(void)
{
	return softirq_pending_on(raw_smp_processor_id());
}

void handle_softirqs(bool ksirqd)
{
	struct task_struct *t = current;
	int cpu = t->cpu;
	unsigned long *pendp = &per_cpu_ptr(&softirq_ctrl, cpu)->pending;
	uint64_t end = softirq_now_ns() + softirq_max_time_ns;
	int restart = softirq_max_restart;
	unsigned long pending;

	softirq_stat_inc(cpu, invocations);
	if (ksirqd)
		softirq_stat_inc(cpu, ksoftirqd_runs);
again:
	pending = __atomic_exchange_n(pendp, 0, __ATOMIC_ACQ_REL);
	while (pending) {
		int nr = __builtin_ctzl(pending);
		softirq_action_fn fn = __atomic_load_n(&softirq_vec[nr], __ATOMIC_ACQUIRE);
		unsigned int before = t->preempt_count;

		pending &= pending - 1;
		bh_trace_softirq_entry(nr); /* trace: */
		if (fn)
			fn();
		bh_trace_softirq_exit(nr); /* trace: */
		softirq_stat_inc(cpu, runs[nr]);
		if (unlikely(t->preempt_count != before)) {
			/* A vector that leaks a BH level or context count: warn and repair. */
			fprintf(stderr,
				"bhlock: softirq %s changed the context count %#x -> %#x; repaired\n",
				softirq_to_name[nr], before, t->preempt_count);
			t->preempt_count = before;
		}
	}
	if (__atomic_load_n(pendp, __ATOMIC_ACQUIRE)) {
		if (softirq_now_ns() < end && --restart) {
			softirq_stat_inc(cpu, restarts);
			goto again;
		}
		if (restart)
			softirq_stat_inc(cpu, deferred_time);
		else
			softirq_stat_inc(cpu, deferred_restarts);
		wakeup_softirqd(cpu);
	}
}

void do_softirq(void)
{
	if (in_interrupt() || !local_softirq_pending())
		return;
	/* The outermost enable runs what is pending, in this task. */
	local_bh_disable();
	local_bh_enable();
}

void softirq_stats_read(int cpu, struct softirq_stats *out)
{
	int c;

	memset(out, 0, sizeof(*out));
	for_each_possible_cpu(c) {
		if (cpu >= 0 && c != cpu)
			continue;
		const unsigned long *src = (const unsigned long *)per_cpu_ptr(&softirq_stats, c);
		unsigned long *dst = (unsigned long *)out;

		for (size_t i = 0; i < sizeof(*out) / sizeof(unsigned long); i++)
			dst[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	}
}
