// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_trace.c - the per-CPU trace ring: events come back in time order; a full ring keeps the
 * newest events; concurrent writers on both CPUs lose nothing and never tear an event; writers
 * in signal handlers interrupting a writer half-way do not corrupt it; the text layout is
 * ftrace's; the softirq hooks record raise, entry and exit around a real vector.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"
#include "bhlock/trace.h"

#define RING 1024 /* events per CPU; fixed by the first enable of the process */

static long snap(struct bh_trace_event **v)
{
	long n = bh_trace_snapshot(v);

	assert_true(n >= 0);
	return n;
}

static void test_order_and_wrap(void **state)
{
	(void)state;
	struct bh_trace_event *v;
	long n;

	assert_int_equal(bh_task_pin(0), 0);
	bh_trace_reset();
	for (int i = 0; i < 500; i++)
		bh_trace_mark("order", i, 0);
	n = snap(&v);
	assert_int_equal(n, 500);
	for (long i = 0; i < n; i++) {
		assert_int_equal(v[i].a0, i);
		assert_int_equal(v[i].type, BH_TRACE_MARK);
		assert_int_equal(v[i].cpu, 0);
		assert_int_equal(v[i].tid, current->tid);
		if (i)
			assert_true(v[i].ts >= v[i - 1].ts);
	}
	free(v);

	/* Wrap-around: 5000 events into 1024 slots keep the newest 1024, in order. */
	bh_trace_reset();
	for (int i = 0; i < 5000; i++)
		bh_trace_mark("wrap", i, 0);
	n = snap(&v);
	assert_int_equal(n, RING);
	for (long i = 0; i < n; i++)
		assert_int_equal(v[i].a0, 5000 - RING + i);
	free(v);
}

#define WRITERS 4
#define PER_WRITER 200

struct writer {
	pthread_t th;
	int tid;
	int cpu;
};

static void *writer_fn(void *arg)
{
	struct writer *w = arg;

	w->tid = current->tid;
	for (int i = 0; i < PER_WRITER; i++) {
		/* a1 is a checksum of a0 and the tid: a torn event would not match */
		bh_trace_mark("concurrent", i, (int64_t)i * 7919 + w->tid);
		if (i % 16 == 0)
			sched_yield();
	}
	return NULL;
}

static void test_concurrent_writers(void **state)
{
	(void)state;
	struct writer w[WRITERS] = { 0 };
	struct bh_trace_event *v;
	long n;
	int seen[WRITERS] = { 0 }, last[WRITERS];

	bh_trace_reset();
	for (int i = 0; i < WRITERS; i++) {
		struct bh_kthread_opts o = { .sz = sizeof(o), .name = "trace-writer",
					     .cpu = i % nr_cpu_ids, .policy = SCHED_OTHER,
					     .fn = writer_fn, .arg = &w[i] };

		w[i].cpu = i % nr_cpu_ids;
		assert_int_equal(bh_kthread_run(&w[i].th, &o), 0);
	}
	for (int i = 0; i < WRITERS; i++)
		pthread_join(w[i].th, NULL);
	n = snap(&v);
	assert_int_equal(n, WRITERS * PER_WRITER);
	for (int i = 0; i < WRITERS; i++)
		last[i] = -1;
	for (long k = 0; k < n; k++) {
		int i;

		for (i = 0; i < WRITERS && w[i].tid != v[k].tid; i++)
			;
		assert_true(i < WRITERS);
		assert_int_equal(v[k].cpu, w[i].cpu);
		assert_int_equal(v[k].a1, v[k].a0 * 7919 + w[i].tid);
		assert_string_equal(v[k].str, "concurrent");
		assert_string_equal(v[k].comm, "trace-writer");
		/* Each writer's own events stay in its order within the merged trace. */
		assert_true(v[k].a0 > last[i]);
		last[i] = (int)v[k].a0;
		seen[i]++;
		if (k)
			assert_true(v[k].ts >= v[k - 1].ts);
	}
	for (int i = 0; i < WRITERS; i++)
		assert_int_equal(seen[i], PER_WRITER);
	free(v);
}

static volatile sig_atomic_t sig_count;

static void on_alarm(int sig)
{
	(void)sig;
	/* The NMI-like context: in the middle of the main loop's bh_trace_mark(). */
	bh_trace_mark("signal", sig_count, sig_count * 31 + 1);
	sig_count++;
}

static void test_signal_handler_writers(void **state)
{
	(void)state;
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_interval = { 0, 200 }, .it_value = { 0, 200 } };
	struct bh_trace_event *v;
	long n, sigs = 0, mains = 0;
	int i = 0;

	bh_trace_reset();
	sig_count = 0;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	/* Stop before the ring of this CPU (1024) can wrap. */
	while (sig_count < 50 && i < 900) {
		bh_trace_mark("main", i, (int64_t)i * 31 + 2), i++;
		tu_busy_ns(50000);
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	signal(SIGALRM, SIG_DFL);
	n = snap(&v);
	for (long k = 0; k < n; k++) {
		if (!strcmp(v[k].str, "signal")) {
			assert_int_equal(v[k].a1, v[k].a0 * 31 + 1);
			assert_int_equal(v[k].a0, sigs);
			sigs++;
		} else {
			assert_string_equal(v[k].str, "main");
			assert_int_equal(v[k].a1, v[k].a0 * 31 + 2);
			assert_int_equal(v[k].a0, mains);
			mains++;
		}
	}
	assert_int_equal(sigs, sig_count);
	assert_int_equal(mains, i);
	assert_true(sigs >= 10);
	print_message("%ld events from signal handlers among %ld from the interrupted task\n",
		      sigs, mains);
	free(v);
}

static void test_text_layout(void **state)
{
	(void)state;
	struct bh_trace_event e = {
		.seq = 1, .ts = 681123456789ULL, .tid = 2034, .cpu = 0,
		.type = BH_TRACE_SOFTIRQ_ENTRY, .migrate_depth = 2,
		.preempt_count = SOFTIRQ_OFFSET, .comm = "irq/40-eno0", .a0 = NET_RX_SOFTIRQ,
	};
	char line[256];
	struct sigsafe_buf b;

	sigsafe_buf_init(&b, line, sizeof(line));
	bh_trace_format(&e, &b);
	line[b.len] = '\0';
	assert_string_equal(line, "     irq/40-eno0-2034    [000] ..s.2   681.123456: softirq_entry: "
				  "vec=3 [action=NET_RX]\n");

	e.type = BH_TRACE_IRQ_ENTRY, e.a0 = 35, e.preempt_count = HARDIRQ_OFFSET + SOFTIRQ_DISABLE_OFFSET;
	e.migrate_depth = 0;
	strcpy(e.str, "ahci");
	sigsafe_buf_init(&b, line, sizeof(line));
	bh_trace_format(&e, &b);
	line[b.len] = '\0';
	assert_non_null(strstr(line, " [000] D.h1.   681.123456: irq_handler_entry: irq=35 name=ahci\n"));
}

static int vec_runs;
static void net_rx_action(void)
{
	vec_runs++;
}

static void test_softirq_hooks(void **state)
{
	(void)state;
	struct bh_trace_event *v;
	long n;
	int step = 0;

	bh_trace_reset();
	open_softirq(NET_RX_SOFTIRQ, net_rx_action);
	local_bh_disable();
	raise_softirq(NET_RX_SOFTIRQ);
	local_bh_enable(); /* runs NET_RX here */
	assert_int_equal(vec_runs, 1);
	n = snap(&v);
	for (long k = 0; k < n; k++) {
		static const int want[] = { BH_TRACE_SOFTIRQ_RAISE, BH_TRACE_SOFTIRQ_ENTRY,
					    BH_TRACE_SOFTIRQ_EXIT };

		if (v[k].tid != current->tid || step == 3)
			continue;
		assert_int_equal(v[k].type, want[step]);
		assert_int_equal(v[k].a0, NET_RX_SOFTIRQ);
		step++;
	}
	assert_int_equal(step, 3);
	free(v);
	/* Recording off: the hooks leave nothing. */
	bh_trace_disable();
	bh_trace_reset();
	local_bh_disable();
	raise_softirq(NET_RX_SOFTIRQ);
	local_bh_enable();
	assert_int_equal(snap(&v), 0);
	free(v);
	assert_int_equal(bh_trace_enable(0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_wrap),
		cmocka_unit_test(test_concurrent_writers),
		cmocka_unit_test(test_signal_handler_writers),
		cmocka_unit_test(test_text_layout),
		cmocka_unit_test(test_softirq_hooks),
	};

	if (bh_profile_set(BH_PROFILE_RT_NESTED))
		return 1;
	if (bh_trace_enable(RING))
		return 1;
	return cmocka_run_group_tests_name("lat_trace", tests, NULL, NULL);
}
