// SPDX-License-Identifier: GPL-2.0-only
/*
 * ksoftirqd.c - the per-CPU softirq thread, and in vanilla the CPU's one thread.
 *
 * RT profiles: ksoftirqd/N (SCHED_OTHER, pinned) runs softirqs that nobody else will run soon:
 * raised outside any BH section, or left over when an invocation hit its 2 ms / 10-pass limit.
 * It enters BH with SOFTIRQ_OFFSET like the kernel's ksoftirqd_run_begin(), so in rt-bhlock it
 * takes the BH lock and a task that needs the lock waits for its whole pass.
 *
 * Vanilla: cpu/N is the CPU. It waits on one epoll set for its IRQ sources and for ksoftirqd
 * wake-ups, runs IRQ handlers in hardirq context with softirqs at irq_exit(), and runs the
 * ksoftirqd pass itself when nothing else is ready — run to completion, one thread per CPU.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "softirq_internal.h"
#include "profile.h"

struct ksoftirqd_cpu {
	pthread_t thread;
	int tid;
	int epfd, wakefd;
	int woken;   /* a wake-up is in flight: saves a syscall per raise */
	int running; /* ksoftirqd has taken over this CPU's softirqs */
	bool started;
};

static struct ksoftirqd_cpu ksoftirqd[BH_NR_CPUS_MAX];
static int ksoftirqd_stop;
/*
 * The CPU whose softirqs the calling thread runs as ksoftirqd right now, or -1: set only around
 * run_ksoftirqd(), after which the loop looks at the mask again. Outside it (about to sleep in
 * epoll_wait, or in a signal handler that interrupted that) a raise must write the eventfd.
 * A plain TLS int: signal-safe to read.
 */
static __thread int ksoftirqd_self = -1;
static bool bhlock_is_started;

void wakeup_softirqd(int cpu)
{
	struct ksoftirqd_cpu *k = &ksoftirqd[cpu];

	if (!__atomic_load_n(&k->started, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&k->running, 1, __ATOMIC_RELAXED);
	/*
	 * Raised by ksoftirqd itself while it runs softirqs (they ran out of budget): it looks at
	 * the mask again before it sleeps, as wake_up_process() on the running task is a no-op.
	 * No syscall, and no in-flight mark that its loop would never clear.
	 */
	if (ksoftirqd_self == cpu)
		return;
	if (__atomic_exchange_n(&k->woken, 1, __ATOMIC_ACQ_REL))
		return;
	__atomic_add_fetch(&per_cpu_ptr(&softirq_stats, cpu)->ksoftirqd_wakeups, 1,
			   __ATOMIC_RELAXED);
	uint64_t one = 1;

	/* write(2) is async-signal-safe: raising from the NMI-like context is fine. */
	if (write(k->wakefd, &one, sizeof(one)) < 0)
		__atomic_store_n(&k->woken, 0, __ATOMIC_RELAXED);
}

bool ksoftirqd_running(int cpu)
{
	return __atomic_load_n(&ksoftirqd[cpu].running, __ATOMIC_RELAXED);
}

int ksoftirqd_epoll_fd(int cpu)
{
	if (cpu < 0 || cpu >= nr_cpu_ids || !ksoftirqd[cpu].started)
		return -1;
	return ksoftirqd[cpu].epfd;
}

int ksoftirqd_tid(int cpu)
{
	if (cpu < 0 || cpu >= nr_cpu_ids)
		return 0;
	return __atomic_load_n(&ksoftirqd[cpu].tid, __ATOMIC_ACQUIRE);
}

static void run_ksoftirqd(void)
{
	__local_bh_disable_ip(SOFTIRQ_OFFSET, BH_THIS_SITE);
	handle_softirqs(true);
	__local_bh_enable_noinvoke(SOFTIRQ_OFFSET, BH_THIS_SITE);
}

static void *ksoftirqd_fn(void *arg)
{
	struct ksoftirqd_cpu *k = arg;
	int cpu = current->cpu;
	struct epoll_event ev[16];

	__atomic_store_n(&k->tid, current->tid, __ATOMIC_RELEASE);
	for (;;) {
		bool busy = softirq_pending_on(cpu) && __atomic_load_n(&k->running, __ATOMIC_RELAXED);
		int n = epoll_wait(k->epfd, ev, ARRAY_SIZE(ev), busy ? 0 : -1);

		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr) {
				irq_vanilla_dispatch(ev[i].data.ptr);
				continue;
			}
			uint64_t v;

			if (read(k->wakefd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				perror("ksoftirqd: eventfd");
			/* Re-arm before looking at the mask, so a later raise wakes us again. */
			__atomic_store_n(&k->woken, 0, __ATOMIC_RELEASE);
		}
		if (__atomic_load_n(&ksoftirqd_stop, __ATOMIC_ACQUIRE))
			break;
		if (softirq_pending_on(cpu)) {
			ksoftirqd_self = cpu;
			run_ksoftirqd();
			ksoftirqd_self = -1;
		} else {
			__atomic_store_n(&k->running, 0, __ATOMIC_RELAXED);
		}
	}
	__atomic_store_n(&k->tid, 0, __ATOMIC_RELEASE);
	return NULL;
}

int bhlock_start(void)
{
	int cpu, err = 0;

	if (bhlock_is_started)
		return -EALREADY;
	__bh_profile_freeze();
	__atomic_store_n(&ksoftirqd_stop, 0, __ATOMIC_RELEASE);
	for_each_possible_cpu(cpu) {
		struct ksoftirqd_cpu *k = &ksoftirqd[cpu];
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
		char name[32];

		k->epfd = epoll_create1(EPOLL_CLOEXEC);
		k->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (k->epfd < 0 || k->wakefd < 0 ||
		    epoll_ctl(k->epfd, EPOLL_CTL_ADD, k->wakefd, &ev)) {
			err = -errno;
			break;
		}
		snprintf(name, sizeof(name), "%s/%d",
			 bh_profile_is_rt() ? "ksoftirqd" : "cpu", cpu);
		struct bh_kthread_opts o = {
			.sz = sizeof(o), .name = name, .cpu = cpu, .policy = SCHED_OTHER,
			.fn = ksoftirqd_fn, .arg = k, .tid_out = &k->tid,
		};

		__atomic_store_n(&k->started, true, __ATOMIC_RELEASE);
		err = bh_kthread_run(&k->thread, &o);
		if (err) {
			__atomic_store_n(&k->started, false, __ATOMIC_RELEASE);
			break;
		}
	}
	bhlock_is_started = true;
	if (err) {
		fprintf(stderr, "bhlock: starting the per-CPU softirq threads failed: %s\n",
			strerror(-err));
		bhlock_stop();
	}
	return err;
}

void bhlock_stop(void)
{
	int cpu;

	if (!bhlock_is_started)
		return;
	__atomic_store_n(&ksoftirqd_stop, 1, __ATOMIC_RELEASE);
	for_each_possible_cpu(cpu) {
		struct ksoftirqd_cpu *k = &ksoftirqd[cpu];
		uint64_t one = 1;

		if (__atomic_load_n(&k->started, __ATOMIC_ACQUIRE)) {
			if (write(k->wakefd, &one, sizeof(one)) < 0)
				perror("bhlock_stop: eventfd");
			pthread_join(k->thread, NULL);
		}
		__atomic_store_n(&k->started, false, __ATOMIC_RELEASE);
		if (k->epfd > 0)
			close(k->epfd);
		if (k->wakefd > 0)
			close(k->wakefd);
		k->epfd = k->wakefd = -1;
		__atomic_store_n(&k->woken, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&k->running, 0, __ATOMIC_RELAXED);
	}
	irq_graveyard_free();
	bhlock_is_started = false;
}

bool bhlock_started(void)
{
	return bhlock_is_started;
}
