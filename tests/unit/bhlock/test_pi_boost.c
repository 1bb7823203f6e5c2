// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_pi_boost.c - real SCHED_FIFO threads on one CPU, as in the talk's traces.
 *
 * A low-priority task (FIFO 10) is inside a BH section on CPU 0 when a high-priority task
 * (FIFO 60) on CPU 0 enters BH. rt-bhlock: the high one blocks on the per-CPU BH lock and boosts
 * the low one to 60 (read from /proc/<tid>/stat field 18: -61) for the rest of the low one's
 * section. rt-nested: no block, no boost — unless both take the same local_lock_nested_bh(), and
 * then only for the low one's nested-lock section. The sampling thread runs on CPU 1.
 */
#include <unistd.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"

#define LOW_PRIO 10
#define HIGH_PRIO 60
#define MS 1000000ULL

DEFINE_PER_CPU(struct { local_lock_t lock; long users; }, shared_res) = {
	.lock = INIT_LOCAL_LOCK(shared_res.lock),
};

struct lab {
	int low_tid;
	int phase;           /* low: 1 in BH (and lock), 2 lock released, 3 BH left */
	bool use_nested;     /* both take shared_res.lock inside BH */
	uint64_t high_start, high_in_bh, high_done;
	uint64_t low_unlock_at, low_exit_at;
	int high_finished;
};

static void *low_fn(void *arg)
{
	struct lab *lab = arg;

	__atomic_store_n(&lab->low_tid, current->tid, __ATOMIC_RELEASE);
	local_bh_disable();
	if (lab->use_nested) {
		local_lock_nested_bh(&shared_res.lock);
		__atomic_store_n(&lab->phase, 1, __ATOMIC_RELEASE);
		tu_busy_ns(250 * MS);
		this_cpu_ptr(&shared_res)->users++;
		lab->low_unlock_at = tu_now_ns();
		local_unlock_nested_bh(&shared_res.lock);
		__atomic_store_n(&lab->phase, 2, __ATOMIC_RELEASE);
		tu_busy_ns(250 * MS);
	} else {
		__atomic_store_n(&lab->phase, 1, __ATOMIC_RELEASE);
		tu_busy_ns(400 * MS);
	}
	lab->low_exit_at = tu_now_ns();
	local_bh_enable();
	__atomic_store_n(&lab->phase, 3, __ATOMIC_RELEASE);
	return NULL;
}

static void *high_fn(void *arg)
{
	struct lab *lab = arg;

	lab->high_start = tu_now_ns();
	local_bh_disable();
	lab->high_in_bh = tu_now_ns();
	if (lab->use_nested) {
		local_lock_nested_bh(&shared_res.lock);
		this_cpu_ptr(&shared_res)->users++;
		local_unlock_nested_bh(&shared_res.lock);
	}
	lab->high_done = tu_now_ns();
	local_bh_enable();
	__atomic_store_n(&lab->high_finished, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Run the scenario; return the highest priority the low task was seen running at. */
static int run_lab(struct lab *lab)
{
	pthread_t low, high;
	struct bh_kthread_opts lo = { .sz = sizeof(lo), .name = "lab-low", .cpu = 0,
				      .policy = SCHED_FIFO, .prio = LOW_PRIO, .fn = low_fn,
				      .arg = lab };
	struct bh_kthread_opts ho = { .sz = sizeof(ho), .name = "lab-high", .cpu = 0,
				      .policy = SCHED_FIFO, .prio = HIGH_PRIO, .fn = high_fn,
				      .arg = lab };
	int best = 0;

	assert_int_equal(bh_task_pin(1), 0);
	assert_int_equal(bh_kthread_run(&low, &lo), 0);
	while (__atomic_load_n(&lab->phase, __ATOMIC_ACQUIRE) < 1)
		usleep(200);
	usleep(20000); /* the low task is 20 ms into its section */
	assert_int_equal(bh_kthread_run(&high, &ho), 0);
	while (!__atomic_load_n(&lab->high_finished, __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&lab->phase, __ATOMIC_ACQUIRE) < 3) {
		int prio = tu_proc_prio(lab->low_tid);

		if (prio > -1000 && -1 - prio > best)
			best = -1 - prio; /* field 18 of a FIFO task is -1 - rtprio */
		usleep(500);
	}
	pthread_join(high, NULL);
	pthread_join(low, NULL);
	return best;
}

static void test_bh_entry_blocks_only_with_bh_lock(void **state)
{
	(void)state;
	TU_SKIP_UNLESS_RT();
	if (tu_profile == BH_PROFILE_VANILLA || nr_cpu_ids < 2)
		skip(); /* vanilla has one BH task per CPU by definition */
	struct lab lab = { 0 };
	int seen = run_lab(&lab);
	uint64_t wait = lab.high_in_bh - lab.high_start;

	print_message("[%s] high task waited %.1f ms to enter BH; low task seen at prio %d\n",
		      bh_profile_name(tu_profile), wait / 1e6, seen);
	if (tu_profile == BH_PROFILE_RT_BHLOCK) {
		assert_true(wait > 200 * MS); /* the rest of the low task's 400 ms section */
		assert_true(lab.high_in_bh >= lab.low_exit_at);
		assert_int_equal(seen, HIGH_PRIO); /* PI boost */
	} else {
		assert_true(wait < 50 * MS); /* scheduling latency only */
		assert_true(lab.high_done < lab.low_exit_at); /* done while low is still in BH */
		assert_int_equal(seen, LOW_PRIO); /* never boosted */
	}
}

static void test_shared_nested_lock_waits_for_its_section_only(void **state)
{
	(void)state;
	TU_SKIP_UNLESS_RT();
	if (tu_profile == BH_PROFILE_VANILLA || nr_cpu_ids < 2)
		skip();
	struct lab lab = { .use_nested = true };
	int seen = run_lab(&lab);
	uint64_t bh_wait = lab.high_in_bh - lab.high_start;
	uint64_t total = lab.high_done - lab.high_start;

	print_message("[%s] both take one nested-BH lock: high task entered BH after %.1f ms, "
		      "had the lock after %.1f ms; low task seen at prio %d\n",
		      bh_profile_name(tu_profile), bh_wait / 1e6, total / 1e6, seen);
	assert_int_equal(seen, HIGH_PRIO); /* boosted in both RT profiles */
	if (tu_profile == BH_PROFILE_RT_BHLOCK) {
		/* Blocked for the low task's whole BH section, lock and all. */
		assert_true(lab.high_in_bh >= lab.low_exit_at);
	} else {
		assert_true(bh_wait < 50 * MS);
		/* Waited for the nested lock only: done after the unlock, before low left BH. */
		assert_true(lab.high_done >= lab.low_unlock_at);
		assert_true(lab.high_done < lab.low_exit_at);
		assert_true(lab.low_exit_at - lab.high_done > 100 * MS);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bh_entry_blocks_only_with_bh_lock),
		cmocka_unit_test(test_shared_nested_lock_waits_for_its_section_only),
	};

	return tu_run_per_profile("pi_boost", tests);
}
