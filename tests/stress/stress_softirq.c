// SPDX-License-Identifier: GPL-2.0-only
/*
 * stress_softirq.c - the concurrency the profiles exist for, under ThreadSanitizer.
 *
 * Per CPU: two IRQ sources (eventfds) with handlers at different SCHED_FIFO priorities (RT) or on
 * cpu/N (vanilla). Each handler reads its eventfd count, adds it to this CPU's backlog under
 * local_lock_nested_bh() and raises NET_RX; NET_RX moves the backlog to "processed" under the
 * same lock. In rt-nested the two handlers of a CPU preempt each other inside BH and only the
 * nested lock keeps the backlog consistent; in rt-bhlock the BH lock does; in vanilla one thread
 * does all. At the end every kick must be processed exactly once, and the per-CPU counters must
 * add up. Runs each profile in a child process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/wait.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"

#define KICKS_PER_SOURCE 20000
#define SOURCES_PER_CPU 2

struct backlog {
	local_lock_t bh_lock; /* protects queued and processed */
	unsigned long queued;
	unsigned long processed;
};
DEFINE_PER_CPU(struct backlog, backlog) = { .bh_lock = INIT_LOCAL_LOCK(backlog.bh_lock) };

struct source {
	int fd, irq;
	unsigned long received;
};

static irqreturn_t handler(int irq, void *dev)
{
	struct source *s = dev;
	uint64_t v;

	(void)irq;
	if (read(s->fd, &v, sizeof(v)) != sizeof(v))
		return IRQ_NONE;
	/* Written by this source's handler only; atomic because main polls it. */
	__atomic_add_fetch(&s->received, v, __ATOMIC_RELAXED);
	if (in_hardirq()) {
		/* vanilla: hardirq on cpu/N, the only task of this CPU; no BH lock may be taken */
		this_cpu_ptr(&backlog)->queued += v;
	} else {
		/* RT: a threaded handler inside local_bh_disable() */
		scoped_guard(local_lock_nested_bh, &backlog.bh_lock)
			this_cpu_ptr(&backlog)->queued += v;
	}
	raise_softirq(NET_RX_SOFTIRQ);
	return IRQ_HANDLED;
}

static void net_rx(void)
{
	guard(local_lock_nested_bh)(&backlog.bh_lock);
	struct backlog *b = this_cpu_ptr(&backlog);

	__atomic_store_n(&b->processed, b->processed + b->queued, __ATOMIC_RELAXED);
	b->queued = 0;
}

static int run_profile(enum bh_profile p)
{
	struct source src[BH_NR_CPUS_MAX * SOURCES_PER_CPU];
	int nsrc = nr_cpu_ids * SOURCES_PER_CPU;
	unsigned long total = 0;
	int cpu;

	if (bh_profile_set(p))
		return 1;
	open_softirq(NET_RX_SOFTIRQ, net_rx);
	if (bhlock_start())
		return 1;
	for (int i = 0; i < nsrc; i++) {
		struct bh_irq_opts o = { .sz = sizeof(o), .cpu = i % nr_cpu_ids,
					 .prio = 20 + 30 * (i / nr_cpu_ids), .name = "stress",
					 .handler = handler, .dev = &src[i] };

		src[i].fd = eventfd(0, EFD_NONBLOCK);
		src[i].received = 0;
		o.fd = src[i].fd;
		src[i].irq = bh_request_irq(&o);
		if (src[i].irq < 0) {
			fprintf(stderr, "request_irq: %d\n", src[i].irq);
			return 1;
		}
	}
	for (int k = 0; k < KICKS_PER_SOURCE; k++) {
		for (int i = 0; i < nsrc; i++) {
			uint64_t one = 1;

			if (write(src[i].fd, &one, sizeof(one)) != sizeof(one))
				return 1;
		}
		if (k % 512 == 0)
			usleep(100);
	}
	/* Wait until every kick was received and processed. */
	for (int waited = 0; waited < 20000; waited++) {
		unsigned long rec = 0, proc = 0;

		for (int i = 0; i < nsrc; i++)
			rec += __atomic_load_n(&src[i].received, __ATOMIC_RELAXED);
		for_each_possible_cpu(cpu)
			proc += __atomic_load_n(&per_cpu_ptr(&backlog, cpu)->processed,
						__ATOMIC_RELAXED);
		if (rec == (unsigned long)nsrc * KICKS_PER_SOURCE && proc == rec)
			break;
		usleep(1000);
	}
	for (int i = 0; i < nsrc; i++)
		free_irq(src[i].irq);
	bhlock_stop();
	for (int i = 0; i < nsrc; i++) {
		close(src[i].fd);
		if (src[i].received != KICKS_PER_SOURCE) {
			fprintf(stderr, "[%s] source %d received %lu of %d\n", bh_profile_name(p), i,
				src[i].received, KICKS_PER_SOURCE);
			return 1;
		}
	}
	for_each_possible_cpu(cpu) {
		struct backlog *b = per_cpu_ptr(&backlog, cpu);

		if (b->queued) {
			fprintf(stderr, "[%s] cpu %d: %lu left queued\n", bh_profile_name(p), cpu,
				b->queued);
			return 1;
		}
		total += b->processed;
	}
	if (total != (unsigned long)nsrc * KICKS_PER_SOURCE) {
		fprintf(stderr, "[%s] processed %lu, expected %lu\n", bh_profile_name(p), total,
			(unsigned long)nsrc * KICKS_PER_SOURCE);
		return 1;
	}
	struct softirq_stats st;

	softirq_stats_read(-1, &st);
	printf("[%s] %lu kicks processed exactly once; NET_RX ran %lu times, %lu by ksoftirqd\n",
	       bh_profile_name(p), total, st.runs[NET_RX_SOFTIRQ], st.ksoftirqd_runs);
	return 0;
}

int main(void)
{
	static const enum bh_profile profiles[] = { BH_PROFILE_VANILLA, BH_PROFILE_RT_BHLOCK,
						    BH_PROFILE_RT_NESTED };
	int failed = 0;

	if (!tu_have_rt()) {
		printf("skipped: SCHED_FIFO not permitted\n");
		return 77;
	}
	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++) {
		int status;

		fflush(NULL);
		pid_t pid = fork();

		if (pid == 0) {
			int rc = run_profile(profiles[i]);

			fflush(NULL);
			_exit(rc);
		}
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "[%s] FAILED (status %#x)\n", bh_profile_name(profiles[i]),
				status);
			failed++;
		}
	}
	printf("stress_softirq: %d of 3 profiles correct\n", 3 - failed);
	return failed ? 1 : 0;
}
