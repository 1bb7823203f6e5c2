// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_napi.c - NAPI on bhlock's softirqs, in every locking profile: the SCHED/MISSED state
 * machine, net_rx_action()'s budget, weight, time limit, time_squeeze and repoll order, the
 * hand-over to ksoftirqd, the interrupt masked while polling and re-armed at completion, threaded
 * NAPI threads, pure polling mode, busy poll and napi_disable().
 *
 * Most cases drive NET_RX by hand from a test thread pinned to CPU 0 before bhlock_start(), so
 * that nothing else serves softirqs there: local_bh_enable() runs exactly the pending work, and
 * with softirq_max_restart = 1 exactly one net_rx_action() per call.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"
#include "net/napi.h"
#include "net/net_core.h"
#include "net/netdev.h"

#define NQ 6
#define MAX_REC 512

static const struct sn_netdev_ops fake_ops = { .kind = "fake" };

struct fake {
	struct sn_netdev *dev;
	int full_polls[NQ];   /* polls left that return the full weight (never complete) */
	int resched_once[NQ]; /* schedule itself again from inside its first poll */
	uint64_t spin_ns;     /* busy time per poll */
	int efd;              /* acked by the poll when >= 0 */
	/* record of polls: queue, budget, tid, cpu, in_softirq, time */
	int nrec;
	int rec_q[MAX_REC], rec_budget[MAX_REC], rec_tid[MAX_REC], rec_cpu[MAX_REC];
	bool rec_bh[MAX_REC];
	uint64_t rec_t_in[MAX_REC], rec_t_out[MAX_REC];
	unsigned long rec_irqs[MAX_REC];
	bool complete_ret[MAX_REC];
	uint64_t sleep_in_first_poll_us;
};
static struct fake fk;

static int fake_poll(struct sn_napi *n, int budget)
{
	int q = (int)n->qid, i = __atomic_fetch_add(&fk.nrec, 1, __ATOMIC_ACQ_REL);
	uint64_t v;

	if (i < MAX_REC) {
		fk.rec_q[i] = q;
		fk.rec_budget[i] = budget;
		fk.rec_tid[i] = current->tid;
		fk.rec_cpu[i] = sched_getcpu();
		fk.rec_bh[i] = in_softirq();
		fk.rec_t_in[i] = tu_now_ns();
		fk.rec_irqs[i] = __atomic_load_n(&n->stats.irqs, __ATOMIC_ACQUIRE);
	}
	if (i == 0 && fk.sleep_in_first_poll_us) {
		/* A new "interrupt" arrives while we poll: the line must stay masked. */
		uint64_t one = 1;

		if (read(fk.efd, &v, sizeof(v)) < 0)
			v = 0;
		assert_int_equal(write(fk.efd, &one, sizeof(one)), sizeof(one));
		usleep((useconds_t)fk.sleep_in_first_poll_us);
		fk.rec_irqs[i] = __atomic_load_n(&n->stats.irqs, __ATOMIC_ACQUIRE);
	}
	if (fk.spin_ns)
		tu_busy_ns(fk.spin_ns);
	if (fk.resched_once[q]) {
		fk.resched_once[q] = 0;
		assert_false(napi_schedule(n)); /* we own it: only MISSED is noted */
	}
	if (i < MAX_REC)
		fk.rec_t_out[i] = tu_now_ns();
	if (fk.full_polls[q] > 0) {
		fk.full_polls[q]--;
		return budget;
	}
	if (fk.efd >= 0 && !fk.sleep_in_first_poll_us && read(fk.efd, &v, sizeof(v)) < 0)
		v = 0;
	/* Poll 2 completes with the event pending (re-armed: it fires); poll 3 acks it. */
	if (fk.sleep_in_first_poll_us && i >= 2 && read(fk.efd, &v, sizeof(v)) < 0)
		v = 0;
	bool r = napi_complete_done(n, 0);

	if (i < MAX_REC)
		fk.complete_ret[i] = r;
	return 0;
}

static int saved_restart;

static int setup(void **state)
{
	(void)state;
	memset(&fk, 0, sizeof(fk));
	fk.efd = -1;
	saved_restart = softirq_max_restart;
	assert_int_equal(sn_net_init(NULL), 0);
	fk.dev = sn_netdev_alloc("fk0", &fake_ops, 0, NQ, 1);
	assert_non_null(fk.dev);
	for (int q = 0; q < NQ; q++)
		sn_netif_napi_add(fk.dev, &fk.dev->napi[q], (unsigned int)q, fake_poll, 64, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	/* NAPIs first: one may be in a poll that ksoftirqd or cpu/N must finish. */
	for (int q = 0; q < NQ; q++)
		sn_netif_napi_del(&fk.dev->napi[q]);
	if (bhlock_started())
		bhlock_stop();
	sn_netdev_unregister(fk.dev);
	if (fk.efd >= 0)
		close(fk.efd);
	sn_net_fini();
	softirq_max_restart = saved_restart;
	netdev_budget = 300;
	netdev_budget_usecs = 2000;
	return 0;
}

static void enable_all(int n)
{
	for (int q = 0; q < n; q++)
		napi_enable(&fk.dev->napi[q]);
}

static bool wait_until(int *var, int value, int ms)
{
	for (int i = 0; i < ms * 10; i++) {
		if (__atomic_load_n(var, __ATOMIC_ACQUIRE) >= value)
			return true;
		usleep(100);
	}
	return false;
}

/* Only the first napi_schedule() queues; later ones only note MISSED. */
static void test_first_schedule_queues(void **state)
{
	struct sn_napi *n;
	struct sn_softnet_stats a, b;

	(void)state;
	assert_int_equal(bh_task_pin(0), 0);
	enable_all(1);
	n = &fk.dev->napi[0];
	sn_softnet_stats_read(0, &a);
	local_bh_disable();
	assert_true(napi_schedule(n));
	assert_int_equal(n->list_owner, 0);
	assert_false(napi_schedule(n));
	assert_false(napi_schedule(n));
	assert_true(n->state & NAPIF(SCHED));
	assert_true(n->state & NAPIF(MISSED));
	local_bh_enable(); /* one net_rx_action */
	sn_softnet_stats_read(0, &b);
	/* One listing + one MISSED reschedule: two polls, not three. */
	assert_int_equal(fk.nrec, 2);
	assert_int_equal(n->stats.polls, 2);
	assert_int_equal(n->stats.missed, 1);
	assert_int_equal(n->stats.completes, 1);
	assert_int_equal(b.rx_actions - a.rx_actions, 1);
	assert_false(n->state & (NAPIF(SCHED) | NAPIF(MISSED)));
	assert_int_equal(n->list_owner, -1);
	assert_true(fk.rec_bh[0]);
	assert_true(fk.complete_ret[1]);
	assert_false(fk.complete_ret[0]); /* MISSED: completion refused, rescheduled */
}

/* A schedule attempt during the poll (MISSED) makes the NAPI poll once more. */
static void test_missed_reschedules(void **state)
{
	struct sn_napi *n;

	(void)state;
	assert_int_equal(bh_task_pin(0), 0);
	enable_all(1);
	n = &fk.dev->napi[0];
	fk.resched_once[0] = 1;
	local_bh_disable();
	assert_true(napi_schedule(n));
	local_bh_enable();
	assert_int_equal(fk.nrec, 2);
	assert_false(fk.complete_ret[0]);
	assert_true(fk.complete_ret[1]);
	assert_int_equal(n->stats.missed, 1);
	assert_false(n->state & NAPIF(SCHED));
	/* Completed for good: a new schedule queues again. */
	local_bh_disable();
	assert_true(napi_schedule(n));
	local_bh_enable();
	assert_int_equal(fk.nrec, 3);
}

static void expect_order(int from, const int *want, int n)
{
	for (int i = 0; i < n; i++) {
		if (fk.rec_q[from + i] != want[i])
			fail_msg("poll %d was queue %d, expected %d", from + i, fk.rec_q[from + i],
				 want[i]);
		assert_int_equal(fk.rec_budget[from + i], 64);
	}
}

/*
 * Budget 300, weight 64, 6 queues that always have work: 5 polls (320) exhaust the budget, the
 * round counts one time_squeeze and 5 repolls; the 6th queue is polled first next round, then
 * the repolled ones in order.
 */
static void test_budget_squeeze_and_repoll(void **state)
{
	struct sn_softnet_stats a, b;

	(void)state;
	assert_int_equal(bh_task_pin(0), 0);
	softirq_max_restart = 1; /* one net_rx_action per local_bh_enable() */
	enable_all(NQ);
	for (int q = 0; q < NQ; q++)
		fk.full_polls[q] = 1000;
	sn_softnet_stats_read(0, &a);
	local_bh_disable();
	for (int q = 0; q < NQ; q++)
		assert_true(napi_schedule(&fk.dev->napi[q]));
	local_bh_enable();
	sn_softnet_stats_read(0, &b);
	assert_int_equal(fk.nrec, 5);
	expect_order(0, (const int[]){ 0, 1, 2, 3, 4 }, 5);
	assert_int_equal(b.time_squeeze - a.time_squeeze, 1);
	assert_int_equal(b.repoll - a.repoll, 5);
	assert_int_equal(b.processed - a.processed, 320);
	assert_int_equal(b.rx_actions - a.rx_actions, 1);
	assert_true(local_softirq_pending() & (1UL << NET_RX_SOFTIRQ)); /* raised again */

	/* Round 2: the leftover first, then the repolled queues. */
	do_softirq();
	sn_softnet_stats_read(0, &b);
	assert_int_equal(fk.nrec, 10);
	expect_order(5, (const int[]){ 5, 0, 1, 2, 3 }, 5);
	assert_int_equal(b.time_squeeze - a.time_squeeze, 2);
	assert_int_equal(b.repoll - a.repoll, 10);

	/* Round 3: 4, 5, 0, 1, 2. */
	do_softirq();
	expect_order(10, (const int[]){ 4, 5, 0, 1, 2 }, 5);
	for (int q = 0; q < NQ; q++)
		napi_disable(&fk.dev->napi[q]); /* they sit on the poll list: taken off it */
	for (int q = 0; q < NQ; q++)
		assert_true(list_empty(&fk.dev->napi[q].poll_list));
	do_softirq();
	assert_int_equal(fk.nrec, 15); /* disabled: not polled again */
}

/* Three full queues use 192 of 300: every queue polled once, repolled, no time_squeeze. */
static void test_full_weight_within_budget_is_no_squeeze(void **state)
{
	struct sn_softnet_stats a, b;

	(void)state;
	assert_int_equal(bh_task_pin(0), 0);
	softirq_max_restart = 1;
	enable_all(3);
	for (int q = 0; q < 3; q++)
		fk.full_polls[q] = 1;
	sn_softnet_stats_read(0, &a);
	local_bh_disable();
	for (int q = 0; q < 3; q++)
		napi_schedule(&fk.dev->napi[q]);
	local_bh_enable();
	sn_softnet_stats_read(0, &b);
	assert_int_equal(fk.nrec, 3);
	assert_int_equal(b.time_squeeze - a.time_squeeze, 0);
	assert_int_equal(b.repoll - a.repoll, 3);
	do_softirq(); /* each completes now */
	assert_int_equal(fk.nrec, 6);
	for (int q = 0; q < 3; q++)
		assert_int_equal(fk.dev->napi[q].stats.completes, 1);
	assert_false(local_softirq_pending() & (1UL << NET_RX_SOFTIRQ));
}

/*
 * The time limit (netdev_budget_usecs, 2000 µs) ends a round at the first poll that finishes past
 * it. One net_rx_action() polls each instance at most once (full-weight ones wait for the next
 * round), so the limit needs several busy instances: 6 polls of 450 µs would take 2.7 ms.
 */
static int run_timed_round(int usecs, uint64_t *elapsed)
{
	int first = fk.nrec, n;
	uint64_t t0;

	netdev_budget = 1000000;
	netdev_budget_usecs = usecs;
	fk.spin_ns = 450000;
	for (int q = 0; q < NQ; q++)
		fk.full_polls[q] = 100000;
	t0 = tu_now_ns();
	local_bh_disable();
	for (int q = 0; q < NQ; q++)
		napi_schedule(&fk.dev->napi[q]);
	local_bh_enable();
	*elapsed = tu_now_ns() - t0;
	n = fk.nrec - first;
	assert_true(n >= 1 && n < NQ);
	/* The one before the last ended inside the limit, measured from the round's first poll. */
	if (n >= 2)
		assert_true(fk.rec_t_out[first + n - 2] - fk.rec_t_in[first] <
			    (uint64_t)usecs * 1000);
	for (int q = 0; q < NQ; q++)
		napi_disable(&fk.dev->napi[q]);
	for (int q = 0; q < NQ; q++)
		napi_enable(&fk.dev->napi[q]);
	return n;
}

static void test_time_limit(void **state)
{
	struct sn_softnet_stats a, b;
	uint64_t elapsed;
	int n;

	(void)state;
	assert_int_equal(bh_task_pin(0), 0);
	softirq_max_restart = 1;
	enable_all(NQ);
	sn_softnet_stats_read(0, &a);
	n = run_timed_round(2000, &elapsed);
	sn_softnet_stats_read(0, &b);
	assert_int_equal(b.time_squeeze - a.time_squeeze, 1);
	assert_true(elapsed >= 2000000);
	assert_true(n <= 5); /* ceil(2000 / 450); fewer if the thread was preempted */
	n = run_timed_round(1000, &elapsed);
	sn_softnet_stats_read(0, &a);
	assert_int_equal(a.time_squeeze - b.time_squeeze, 1);
	assert_true(elapsed >= 1000000);
	assert_true(n <= 3);
}

/*
 * A NAPI that stays busy: the IRQ context (irq thread in RT, cpu/0 at irq_exit() in vanilla)
 * runs 10 NET_RX passes, then ksoftirqd takes over.
 */
static void test_ksoftirqd_handover(void **state)
{
	struct softirq_stats a, b;
	struct sn_napi *n = &fk.dev->napi[0];
	uint64_t one = 1;
	int total = 40, irq_tid, ksd;

	(void)state;
	fk.efd = eventfd(0, EFD_NONBLOCK);
	assert_int_equal(bhlock_start(), 0);
	assert_int_equal(sn_napi_set_irq(n, fk.efd, 0), 0);
	napi_enable(n);
	fk.full_polls[0] = total - 1;
	softirq_stats_read(0, &a);
	assert_int_equal(write(fk.efd, &one, sizeof(one)), sizeof(one));
	assert_true(wait_until(&fk.nrec, total, 5000));
	usleep(10000);
	softirq_stats_read(0, &b);
	assert_int_equal(fk.nrec, total);
	irq_tid = irq_thread_tid(n->irq);
	ksd = ksoftirqd_tid(0);
	assert_true(b.deferred_restarts - a.deferred_restarts >= 1);
	assert_true(b.ksoftirqd_runs - a.ksoftirqd_runs >= 3);
	for (int i = 0; i < total; i++)
		assert_int_equal(fk.rec_cpu[i], 0);
	if (tu_profile == BH_PROFILE_VANILLA) {
		for (int i = 0; i < total; i++)
			assert_int_equal(fk.rec_tid[i], ksd); /* cpu/0 does everything */
		assert_int_equal(irq_tid, ksd);
	} else {
		for (int i = 0; i < softirq_max_restart; i++)
			assert_int_equal(fk.rec_tid[i], irq_tid);
		for (int i = softirq_max_restart; i < total; i++)
			assert_int_equal(fk.rec_tid[i], ksd);
	}
	assert_true(fk.complete_ret[total - 1]);
	assert_int_equal(n->stats.irqs, 1);
}

static void read_comm(int tid, char *buf, size_t len)
{
	char path[64];
	int fd;
	ssize_t r;

	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
	fd = open(path, O_RDONLY);
	r = fd >= 0 ? read(fd, buf, len - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[r > 0 ? r - 1 : 0] = '\0';
}

/* Threaded NAPI: thread napi/<port>-<id> on the NAPI's CPU polls inside a BH section. */
static void test_threaded_thread_name_and_cpu(void **state)
{
	struct sn_napi *n = &fk.dev->napi[0];
	char comm[32], want[32];
	uint64_t one = 1;
	int cpu = 1 % nr_cpu_ids;

	(void)state;
	fk.efd = eventfd(0, EFD_NONBLOCK);
	assert_int_equal(bhlock_start(), 0);
	n->cpu = cpu;
	assert_int_equal(sn_napi_set_irq(n, fk.efd, 0), 0);
	assert_int_equal(sn_napi_set_threaded(n, true, SCHED_OTHER, 0), 0);
	assert_true(n->thread_tid > 0);
	napi_enable(n);
	assert_true(n->state & NAPIF(THREADED));
	assert_int_equal(write(fk.efd, &one, sizeof(one)), sizeof(one));
	assert_true(wait_until(&fk.nrec, 1, 3000));
	for (int i = 0; i < 3000 && !__atomic_load_n(&fk.complete_ret[0], __ATOMIC_ACQUIRE); i++)
		usleep(1000); /* nrec counts the poll's start: wait for its end */
	assert_int_equal(fk.rec_tid[0], n->thread_tid);
	assert_int_equal(fk.rec_cpu[0], cpu);
	assert_true(fk.rec_bh[0]);
	assert_true(fk.complete_ret[0]);
	read_comm(n->thread_tid, comm, sizeof(comm));
	snprintf(want, sizeof(want), "napi/fk0-%u", n->napi_id);
	want[15] = '\0';
	assert_string_equal(comm, want);
	/* Switching off while enabled would orphan the instance. */
	assert_int_equal(sn_napi_set_threaded(n, false, 0, 0), -EBUSY);
	napi_disable(n);
	assert_int_equal(sn_napi_set_threaded(n, false, 0, 0), 0);
	assert_int_equal(n->thread_tid, 0);
}

/*
 * The handler masks the interrupt and the poll owns the queue: a new event during a (threaded,
 * so the IRQ context is free) poll raises no interrupt; completion re-arms it and the pending
 * event is taken at once.
 */
static void test_irq_masked_during_poll_rearmed_at_completion(void **state)
{
	struct sn_napi *n = &fk.dev->napi[0];
	uint64_t one = 1;

	(void)state;
	if (nr_cpu_ids < 2 && tu_profile == BH_PROFILE_RT_BHLOCK)
		skip(); /* the BH lock would hold the IRQ thread back anyway */
	fk.efd = eventfd(0, EFD_NONBLOCK);
	fk.sleep_in_first_poll_us = 30000;
	fk.full_polls[0] = 1; /* first poll: full weight, the NAPI stays ours */
	assert_int_equal(bhlock_start(), 0);
	n->cpu = 1 % nr_cpu_ids; /* the IRQ on CPU 1, ... */
	assert_int_equal(sn_napi_set_irq(n, fk.efd, 0), 0);
	n->cpu = 0; /* ... the NAPI thread on CPU 0 */
	assert_int_equal(sn_napi_set_threaded(n, true, SCHED_OTHER, 0), 0);
	napi_enable(n);
	assert_int_equal(write(fk.efd, &one, sizeof(one)), sizeof(one));
	assert_true(wait_until(&fk.nrec, 3, 3000));
	usleep(20000);
	/* Poll 1 saw one interrupt even after 30 ms with the line readable: masked. */
	assert_int_equal(fk.rec_irqs[0], 1);
	assert_int_equal(fk.rec_irqs[1], 1);
	/* Poll 2 completed, re-armed; the pending event fired at once and was polled (poll 3). */
	assert_true(fk.complete_ret[1]);
	assert_int_equal(fk.rec_irqs[2], 2);
	assert_true(fk.complete_ret[2]);
	assert_int_equal(irq_count(n->irq), 2);
	assert_int_equal(fk.nrec, 3);
	assert_int_equal(n->stats.completes, 2);
	napi_disable(n);
}

/* Pure polling mode: completion keeps the NAPI scheduled, polled round after round. */
static void test_polling_mode_stays_scheduled(void **state)
{
	struct sn_napi *n = &fk.dev->napi[0];

	(void)state;
	fk.dev->flags |= SN_DEV_F_POLL_MODE;
	assert_int_equal(bhlock_start(), 0);
	assert_int_equal(bh_task_pin(0), 0);
	napi_enable(n);
	assert_true(napi_schedule(n)); /* outside BH: ksoftirqd (cpu/0) serves it */
	assert_true(wait_until(&fk.nrec, 100, 3000));
	assert_false(fk.complete_ret[0]);
	assert_false(fk.complete_ret[50]);
	assert_int_equal(n->stats.completes, 0);
	napi_disable(n);
	int after = __atomic_load_n(&fk.nrec, __ATOMIC_ACQUIRE);

	usleep(20000);
	assert_int_equal(__atomic_load_n(&fk.nrec, __ATOMIC_ACQUIRE), after);
	assert_true(n->state & NAPIF(SCHED)); /* owned by the disable */
	fk.dev->flags &= ~SN_DEV_F_POLL_MODE;
}

/* Busy poll: the caller polls with BUSY_POLL_BUDGET; a scheduled NAPI cannot be claimed. */
static void test_busy_poll(void **state)
{
	struct sn_napi *n = &fk.dev->napi[0];
	int r;

	(void)state;
	assert_int_equal(bh_task_pin(0), 0);
	enable_all(1);
	fk.full_polls[0] = 5; /* 5 busy passes with work, then idle */
	r = sn_napi_busy_loop(n, 100000, true);
	assert_int_equal(r, 5 * BUSY_POLL_BUDGET);
	assert_int_equal(fk.nrec, 7); /* 5 full + 1 idle pass + the final full-weight poll */
	for (int i = 0; i < 6; i++)
		assert_int_equal(fk.rec_budget[i], BUSY_POLL_BUDGET);
	assert_int_equal(fk.rec_budget[6], 64);
	assert_false(fk.complete_ret[5]); /* refused while busy polling */
	assert_true(fk.complete_ret[6]);
	assert_int_equal(n->stats.busy_polls, 6);
	assert_false(n->state & (NAPIF(SCHED) | NAPIF(IN_BUSY_POLL)));
	local_bh_disable();
	assert_true(napi_schedule(n));
	assert_int_equal(sn_napi_busy_loop(n, 1000, true), -EBUSY);
	local_bh_enable();
	assert_int_equal(fk.nrec, 8);
}

/* A disabled NAPI cannot be scheduled; enabling makes it schedulable again. */
static void test_disable_blocks_schedule(void **state)
{
	struct sn_napi *n = &fk.dev->napi[0];

	(void)state;
	assert_int_equal(bh_task_pin(0), 0);
	assert_false(napi_schedule(n)); /* never enabled */
	enable_all(1);
	napi_disable(n);
	local_bh_disable();
	assert_false(napi_schedule(n));
	local_bh_enable();
	assert_int_equal(fk.nrec, 0);
	napi_enable(n);
	local_bh_disable();
	assert_true(napi_schedule(n));
	local_bh_enable();
	assert_int_equal(fk.nrec, 1);
	assert_true(n->napi_id > 64);
	assert_int_not_equal(fk.dev->napi[0].napi_id, fk.dev->napi[1].napi_id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_schedule_queues, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missed_reschedules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget_squeeze_and_repoll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_weight_within_budget_is_no_squeeze, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_time_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable_blocks_schedule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_poll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ksoftirqd_handover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threaded_thread_name_and_cpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_masked_during_poll_rearmed_at_completion,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_polling_mode_stays_scheduled, setup, teardown),
	};

	return tu_run_per_profile("napi", tests);
}
