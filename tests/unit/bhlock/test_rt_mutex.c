// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_rt_mutex.c - the PI futex lock: exclusion, trylock from a signal handler, hand-over to
 * the highest-priority waiter, and the owner's boost seen in /proc.
 */
#include <signal.h>
#include <unistd.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"

static struct rt_mutex m = RT_MUTEX_INITIALIZER;
static long shared_counter;
static int inside;

static void *hammer(void *arg)
{
	long n = (long)arg;

	for (long i = 0; i < n; i++) {
		rt_mutex_lock(&m);
		assert_int_equal(__atomic_add_fetch(&inside, 1, __ATOMIC_RELAXED), 1);
		shared_counter++;
		__atomic_sub_fetch(&inside, 1, __ATOMIC_RELAXED);
		rt_mutex_unlock(&m);
	}
	return NULL;
}

static void test_mutual_exclusion(void **state)
{
	(void)state;
	pthread_t th[4];
	const long n = 200000;

	shared_counter = 0;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hammer, (void *)n), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(shared_counter, 4 * n);
	assert_false(rt_mutex_is_locked(&m));
}

static int handler_got;
static void try_in_handler(int sig, void *arg)
{
	(void)sig, (void)arg;
	handler_got = rt_mutex_trylock(&m);
	if (handler_got)
		rt_mutex_unlock(&m);
}

static void test_trylock_in_signal_handler(void **state)
{
	(void)state;
	assert_int_equal(bh_nmi_register(SIGUSR1, try_in_handler, NULL), 0);
	rt_mutex_lock(&m);
	raise(SIGUSR1);
	assert_int_equal(handler_got, 0); /* held by the interrupted task: fails, no deadlock */
	rt_mutex_unlock(&m);
	raise(SIGUSR1);
	assert_int_equal(handler_got, 1);
	bh_nmi_unregister(SIGUSR1);
}

struct waiter {
	int prio;
	int order;
};
static int next_order;

static void *wait_fn(void *arg)
{
	struct waiter *w = arg;

	rt_mutex_lock(&m);
	w->order = __atomic_add_fetch(&next_order, 1, __ATOMIC_RELAXED);
	rt_mutex_unlock(&m);
	return NULL;
}

static void test_highest_priority_waiter_first_and_boost(void **state)
{
	(void)state;
	TU_SKIP_UNLESS_RT();
	struct waiter w[3] = { { .prio = 20 }, { .prio = 70 }, { .prio = 40 } };
	pthread_t th[3];

	/* The owner runs on CPU 0 at FIFO 10; waiters queue up behind it on CPU 1. */
	assert_int_equal(bh_task_setsched(SCHED_FIFO, 10), 0);
	next_order = 0;
	rt_mutex_lock(&m);
	for (int i = 0; i < 3; i++) {
		struct bh_kthread_opts o = { .sz = sizeof(o), .name = "waiter",
					     .cpu = nr_cpu_ids - 1, .policy = SCHED_FIFO,
					     .prio = w[i].prio, .fn = wait_fn, .arg = &w[i] };

		assert_int_equal(bh_kthread_run(&th[i], &o), 0);
		usleep(20000);
	}
	assert_int_equal(tu_proc_prio(current->tid), -1 - 70); /* boosted to the top waiter */
	rt_mutex_unlock(&m);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(tu_proc_prio(current->tid), -1 - 10);
	assert_int_equal(w[1].order, 1); /* prio 70 */
	assert_int_equal(w[2].order, 2); /* prio 40 */
	assert_int_equal(w[0].order, 3); /* prio 20 */
	bh_task_setsched(SCHED_OTHER, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mutual_exclusion),
		cmocka_unit_test(test_trylock_in_signal_handler),
		cmocka_unit_test(test_highest_priority_waiter_first_and_boost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
