// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_profiles.c - local_bh_disable()/enable(), softirq raise/invoke and local locks in each of
 * the three profiles (each profile runs in its own child process).
 */
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"

/* What each softirq action saw when it ran. */
static int run_order[64];
static int run_len;
static int run_tid[NR_SOFTIRQS];
static bool run_serving[NR_SOFTIRQS];
static int rerais_left;

#define DEFINE_RECORDER(vec)                                                                       \
	static void record_##vec(void)                                                             \
	{                                                                                          \
		if (run_len < 64)                                                                  \
			run_order[run_len++] = vec;                                                \
		run_tid[vec] = current->tid;                                                       \
		run_serving[vec] = in_serving_softirq();                                           \
	}
DEFINE_RECORDER(HI_SOFTIRQ)
DEFINE_RECORDER(TIMER_SOFTIRQ)
DEFINE_RECORDER(NET_RX_SOFTIRQ)
DEFINE_RECORDER(BLOCK_SOFTIRQ)

static void reraise_tasklet(void)
{
	run_order[run_len < 64 ? run_len++ : 63] = TASKLET_SOFTIRQ;
	if (--rerais_left > 0)
		raise_softirq(TASKLET_SOFTIRQ);
}

static int setup(void **state)
{
	(void)state;
	run_len = 0;
	memset(run_tid, 0, sizeof(run_tid));
	memset(run_serving, 0, sizeof(run_serving));
	open_softirq(HI_SOFTIRQ, record_HI_SOFTIRQ);
	open_softirq(TIMER_SOFTIRQ, record_TIMER_SOFTIRQ);
	open_softirq(NET_RX_SOFTIRQ, record_NET_RX_SOFTIRQ);
	open_softirq(BLOCK_SOFTIRQ, record_BLOCK_SOFTIRQ);
	open_softirq(TASKLET_SOFTIRQ, reraise_tasklet);
	return 0;
}

static int affinity_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	return CPU_COUNT(&set);
}

static void test_bh_nesting_counts_and_pins(void **state)
{
	(void)state;
	int before = affinity_cpus();

	assert_false(in_softirq());
	local_bh_disable();
	assert_true(in_softirq());
	assert_false(in_serving_softirq());
	assert_int_equal(softirq_count(), SOFTIRQ_DISABLE_OFFSET);
	assert_int_equal(affinity_cpus(), 1); /* bound to its CPU */
	assert_true(current->cpu >= 0);
	local_bh_disable();
	assert_int_equal(softirq_count(), 2 * SOFTIRQ_DISABLE_OFFSET);
	local_bh_enable();
	assert_int_equal(softirq_count(), SOFTIRQ_DISABLE_OFFSET);
	local_bh_enable();
	assert_false(in_softirq());
	assert_int_equal(current->cpu, -1);
	assert_int_equal(affinity_cpus(), before);
}

static void test_bh_lock_only_in_rt_bhlock(void **state)
{
	(void)state;
	local_bh_disable();
	struct softirq_ctrl *ctrl = this_cpu_ptr(&softirq_ctrl);
	int owner = rt_mutex_owner(&ctrl->lock);

	assert_true(local_bh_blocked());
	local_bh_enable();
	if (tu_profile == BH_PROFILE_RT_BHLOCK)
		assert_int_equal(owner, current->tid);
	else
		assert_int_equal(owner, 0);
}

static void test_softirq_runs_at_outermost_enable_in_order(void **state)
{
	(void)state;
	local_bh_disable();
	local_bh_disable();
	raise_softirq(BLOCK_SOFTIRQ);
	raise_softirq(NET_RX_SOFTIRQ);
	raise_softirq(HI_SOFTIRQ);
	raise_softirq(TIMER_SOFTIRQ);
	assert_int_equal(local_softirq_pending(),
			 (1 << BLOCK_SOFTIRQ) | (1 << NET_RX_SOFTIRQ) | (1 << HI_SOFTIRQ) |
				 (1 << TIMER_SOFTIRQ));
	local_bh_enable(); /* inner: nothing runs */
	assert_int_equal(run_len, 0);
	local_bh_enable(); /* outermost: all run here, in bit order */
	assert_int_equal(run_len, 4);
	assert_int_equal(run_order[0], HI_SOFTIRQ);
	assert_int_equal(run_order[1], TIMER_SOFTIRQ);
	assert_int_equal(run_order[2], NET_RX_SOFTIRQ);
	assert_int_equal(run_order[3], BLOCK_SOFTIRQ);
	assert_int_equal(run_tid[NET_RX_SOFTIRQ], current->tid);
	assert_true(run_serving[NET_RX_SOFTIRQ]);
	assert_int_equal(local_softirq_pending(), 0);
	assert_false(in_softirq());
}

static void test_restart_limit_defers(void **state)
{
	(void)state;
	struct softirq_stats a, b;

	softirq_stats_read(-1, &a);
	rerais_left = 1000; /* far more than one invocation may do */
	local_bh_disable();
	raise_softirq(TASKLET_SOFTIRQ);
	local_bh_enable();
	softirq_stats_read(-1, &b);
	/* One invocation: the first pass plus at most 9 restarts, then hand over. */
	assert_int_equal(run_len, softirq_max_restart);
	assert_int_equal(b.restarts - a.restarts, (unsigned long)softirq_max_restart - 1);
	assert_int_equal(b.deferred_restarts - a.deferred_restarts, 1);
	/* No ksoftirqd in this process: the work stays pending for the next BH exit. */
	migrate_disable();
	assert_true(local_softirq_pending() & (1 << TASKLET_SOFTIRQ));
	migrate_enable();
	rerais_left = 0;
	do_softirq();
	migrate_disable();
	assert_int_equal(local_softirq_pending(), 0);
	migrate_enable();
}

static int slow_left;
static void slow_tasklet(void)
{
	tu_busy_ns(800000); /* 0.8 ms per pass: the 2 ms limit ends the invocation first */
	if (--slow_left > 0)
		raise_softirq(TASKLET_SOFTIRQ);
}

static void test_time_limit_defers(void **state)
{
	(void)state;
	struct softirq_stats a, b;

	open_softirq(TASKLET_SOFTIRQ, slow_tasklet);
	slow_left = 100;
	softirq_stats_read(-1, &a);
	local_bh_disable();
	raise_softirq(TASKLET_SOFTIRQ);
	local_bh_enable();
	softirq_stats_read(-1, &b);
	assert_int_equal(b.deferred_time - a.deferred_time, 1);
	assert_int_equal(b.deferred_restarts - a.deferred_restarts, 0);
	assert_true(100 - slow_left >= 2 && 100 - slow_left <= 5);
	slow_left = 0;
	do_softirq();
}

DEFINE_PER_CPU(struct { local_lock_t bh_lock; int counter; }, test_pcpu) = {
	.bh_lock = INIT_LOCAL_LOCK(test_pcpu.bh_lock),
};

static void test_nested_bh_lock_per_profile(void **state)
{
	(void)state;
	local_bh_disable();
	local_lock_nested_bh(&test_pcpu.bh_lock);
	int owner = rt_mutex_owner(&this_cpu_ptr(&test_pcpu)->bh_lock.lock);

	this_cpu_ptr(&test_pcpu)->counter++;
	local_unlock_nested_bh(&test_pcpu.bh_lock);
	assert_int_equal(rt_mutex_owner(&this_cpu_ptr(&test_pcpu)->bh_lock.lock), 0);
	local_bh_enable();
	if (tu_profile == BH_PROFILE_RT_NESTED)
		assert_int_equal(owner, current->tid);
	else
		assert_int_equal(owner, 0); /* an assertion only: no lock */
}

static int guarded_early_return(void)
{
	guard(bh)();
	guard(local_lock_nested_bh)(&test_pcpu.bh_lock);
	this_cpu_ptr(&test_pcpu)->counter++;
	return softirq_count();
}

static void test_guards_release_bh_and_nested(void **state)
{
	(void)state;
	assert_int_equal(guarded_early_return(), SOFTIRQ_DISABLE_OFFSET);
	assert_false(in_softirq());
	assert_int_equal(current->cpu, -1);
	for (int i = 0; i < 3; i++) {
		scoped_guard(bh) {
			scoped_guard(local_lock_nested_bh, &test_pcpu.bh_lock) {
				if (i == 1)
					break;
				this_cpu_ptr(&test_pcpu)->counter++;
			}
		}
	}
	assert_false(in_softirq());
	for (int cpu = 0; cpu < nr_cpu_ids; cpu++)
		assert_int_equal(rt_mutex_owner(&per_cpu_ptr(&test_pcpu, cpu)->bh_lock.lock), 0);
}

DEFINE_PER_CPU(local_lock_t, test_llock) = INIT_LOCAL_LOCK(test_llock);
static int nmi_trylock_result = -1;

static void nmi_try(int sig, void *arg)
{
	(void)sig, (void)arg;
	assert_true(in_nmi());
	if (local_trylock(&test_llock)) {
		nmi_trylock_result = 1;
		local_unlock(&test_llock);
	} else {
		nmi_trylock_result = 0;
	}
}

static void test_local_lock_and_trylock_reentry(void **state)
{
	(void)state;
	assert_int_equal(bh_nmi_register(SIGUSR1, nmi_try, NULL), 0);
	/* Unlocked: a handler gets it. */
	raise(SIGUSR1);
	assert_int_equal(nmi_trylock_result, 1);
	local_lock(&test_llock);
	assert_int_equal(affinity_cpus(), 1);
	assert_true(this_cpu_ptr(&test_llock)->acquired);
	raise(SIGUSR1); /* the handler interrupts the holder: its trylock must fail */
	assert_int_equal(nmi_trylock_result, 0);
	local_unlock(&test_llock);
	assert_int_equal(current->cpu, -1);
	bh_nmi_unregister(SIGUSR1);
	scoped_cond_guard(local_lock_try, fail(), &test_llock) {
		assert_true(this_cpu_ptr(&test_llock)->acquired);
	}
	for (int cpu = 0; cpu < nr_cpu_ids; cpu++)
		assert_false(per_cpu_ptr(&test_llock, cpu)->acquired);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_bh_nesting_counts_and_pins, setup),
		cmocka_unit_test_setup(test_bh_lock_only_in_rt_bhlock, setup),
		cmocka_unit_test_setup(test_softirq_runs_at_outermost_enable_in_order, setup),
		cmocka_unit_test_setup(test_restart_limit_defers, setup),
		cmocka_unit_test_setup(test_time_limit_defers, setup),
		cmocka_unit_test_setup(test_nested_bh_lock_per_profile, setup),
		cmocka_unit_test_setup(test_guards_release_bh_and_nested, setup),
		cmocka_unit_test_setup(test_local_lock_and_trylock_reentry, setup),
	};

	return tu_run_per_profile("profiles", tests);
}
