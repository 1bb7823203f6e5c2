// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ksoftirqd.c - who runs softirqs raised outside a BH section, and the hand-over to
 * ksoftirqd (cpu/N in vanilla) when an invocation reaches its restart limit; per profile.
 */
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"

#define MAX_RUNS 256
static int runs_tid[MAX_RUNS];
static int nruns;
static int left;

static void counting_tasklet(void)
{
	int n = __atomic_fetch_add(&nruns, 1, __ATOMIC_RELAXED);

	if (n < MAX_RUNS)
		runs_tid[n] = current->tid;
	if (__atomic_sub_fetch(&left, 1, __ATOMIC_RELAXED) > 0)
		raise_softirq(TASKLET_SOFTIRQ);
}

static bool wait_until(int *var, int value, int ms)
{
	for (int i = 0; i < ms; i++) {
		if (__atomic_load_n(var, __ATOMIC_ACQUIRE) >= value)
			return true;
		usleep(1000);
	}
	return false;
}

static int setup(void **state)
{
	(void)state;
	nruns = 0;
	memset(runs_tid, 0, sizeof(runs_tid));
	open_softirq(TASKLET_SOFTIRQ, counting_tasklet);
	return bhlock_start();
}

static int teardown(void **state)
{
	(void)state;
	bhlock_stop();
	return 0;
}

static void test_raise_outside_bh_runs_in_ksoftirqd(void **state)
{
	(void)state;
	struct softirq_stats a, b;

	assert_int_equal(bh_task_pin(0), 0);
	softirq_stats_read(0, &a);
	left = 1;
	raise_softirq(TASKLET_SOFTIRQ); /* task context, no BH section: wake ksoftirqd */
	assert_true(wait_until(&nruns, 1, 2000));
	softirq_stats_read(0, &b);
	assert_int_equal(runs_tid[0], ksoftirqd_tid(0));
	assert_int_not_equal(runs_tid[0], current->tid);
	assert_true(b.ksoftirqd_wakeups > a.ksoftirqd_wakeups);
	assert_true(b.ksoftirqd_runs > a.ksoftirqd_runs);
}

static int kick_fd = -1;
static irqreturn_t kick_handler(int irq, void *dev)
{
	uint64_t v;

	(void)irq, (void)dev;
	if (read(kick_fd, &v, sizeof(v)) == sizeof(v))
		raise_softirq(TASKLET_SOFTIRQ);
	return IRQ_HANDLED;
}

/*
 * Vanilla: only cpu/N does BH work, so the work is started by an IRQ on cpu/0: irq_exit() runs
 * 10 passes, then the same thread continues as ksoftirqd.
 */
static void handover_vanilla(void)
{
	const int total = 60;
	struct softirq_stats a, b;
	uint64_t one = 1;

	kick_fd = eventfd(0, EFD_NONBLOCK);
	struct bh_irq_opts o = { .sz = sizeof(o), .fd = kick_fd, .cpu = 0, .name = "kick",
				 .handler = kick_handler };
	int irq = bh_request_irq(&o);

	assert_true(irq >= BH_IRQ_BASE);
	softirq_stats_read(0, &a);
	left = total;
	assert_int_equal(write(kick_fd, &one, sizeof(one)), sizeof(one));
	assert_true(wait_until(&nruns, total, 5000));
	usleep(10000);
	softirq_stats_read(0, &b);
	assert_int_equal(nruns, total);
	for (int i = 0; i < total; i++)
		assert_int_equal(runs_tid[i], ksoftirqd_tid(0)); /* cpu/0 did all of it */
	/*
	 * 60 passes: 10 at irq_exit(), then ksoftirqd invocations of 10 each; every invocation but
	 * the last hands over again.
	 */
	assert_int_equal(b.ksoftirqd_runs - a.ksoftirqd_runs, 5);
	assert_int_equal(b.deferred_restarts - a.deferred_restarts, 5);
	free_irq(irq);
	close(kick_fd);
}

static void test_handover_after_restart_limit(void **state)
{
	(void)state;
	const int total = 60;
	int in_task = 0, in_ksoftirqd = 0;

	if (tu_profile == BH_PROFILE_VANILLA) {
		handover_vanilla();
		return;
	}
	assert_int_equal(bh_task_pin(0), 0);
	left = total;
	local_bh_disable();
	raise_softirq(TASKLET_SOFTIRQ);
	local_bh_enable(); /* 10 passes here, then ksoftirqd takes over */
	assert_true(wait_until(&nruns, total, 5000));
	usleep(10000);
	assert_int_equal(nruns, total);
	for (int i = 0; i < total; i++) {
		if (runs_tid[i] == current->tid)
			in_task++;
		else if (runs_tid[i] == ksoftirqd_tid(0))
			in_ksoftirqd++;
	}
	assert_int_equal(in_task, softirq_max_restart);
	assert_int_equal(in_task + in_ksoftirqd, total);
}

static void *bh_holder(void *arg)
{
	int *phase = arg;

	assert_int_equal(bh_task_pin(0), 0);
	local_bh_disable();
	__atomic_store_n(phase, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(phase, __ATOMIC_ACQUIRE) != 2)
		usleep(100);
	local_bh_enable(); /* RT: runs what the other task raised meanwhile */
	__atomic_store_n(phase, 3, __ATOMIC_RELEASE);
	return (void *)(long)current->tid;
}

/*
 * RT only: a raise outside BH while another task of this CPU is inside a BH section does not wake
 * ksoftirqd; that task runs the work at its local_bh_enable() (should_wake_ksoftirqd()).
 */
static void test_rt_raise_while_other_task_in_bh(void **state)
{
	(void)state;
	pthread_t th;
	int phase = 0;
	void *holder_tid;
	struct softirq_stats a, b;

	if (tu_profile == BH_PROFILE_VANILLA)
		skip(); /* vanilla: one task per CPU in BH; a raise outside BH always wakes */
	assert_int_equal(bh_task_pin(0), 0);
	assert_int_equal(pthread_create(&th, NULL, bh_holder, &phase), 0);
	assert_true(wait_until(&phase, 1, 2000));
	softirq_stats_read(0, &a);
	left = 1;
	raise_softirq(TASKLET_SOFTIRQ);
	usleep(20000);
	assert_int_equal(nruns, 0); /* nobody ran it yet */
	softirq_stats_read(0, &b);
	assert_int_equal(b.ksoftirqd_wakeups, a.ksoftirqd_wakeups);
	__atomic_store_n(&phase, 2, __ATOMIC_RELEASE);
	pthread_join(th, &holder_tid);
	assert_int_equal(nruns, 1);
	assert_int_equal(runs_tid[0], (int)(long)holder_tid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_raise_outside_bh_runs_in_ksoftirqd, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_handover_after_restart_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rt_raise_while_other_task_in_bh, setup,
						teardown),
	};

	return tu_run_per_profile("ksoftirqd", tests);
}
