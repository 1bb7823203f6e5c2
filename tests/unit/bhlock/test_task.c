// SPDX-License-Identifier: GPL-2.0-only
/* test_task.c - current, the task table, named real-time threads, NMI-like context. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"

static void test_current_identity(void **state)
{
	(void)state;
	char comm[16];

	assert_int_equal(current->tid, (int)syscall(SYS_gettid));
	assert_ptr_equal(bh_task_by_slot(current->slot), current);
	assert_int_equal(current->policy, sched_getscheduler(0));
	bh_task_set_comm("probe-name");
	prctl(PR_GET_NAME, comm, 0, 0, 0);
	assert_string_equal(comm, "probe-name");
	assert_string_equal(current->comm, "probe-name");
}

struct seen {
	int tid, cpu, policy, prio, slot, task_policy, task_prio;
	char comm[16];
};

static void *record(void *arg)
{
	struct seen *s = arg;
	struct sched_param sp;

	s->tid = current->tid;
	s->cpu = sched_getcpu();
	s->policy = sched_getscheduler(0);
	sched_getparam(0, &sp);
	s->prio = sp.sched_priority;
	s->slot = current->slot;
	s->task_policy = current->policy;
	s->task_prio = current->prio;
	prctl(PR_GET_NAME, s->comm, 0, 0, 0);
	return NULL;
}

static void test_kthread_named_pinned_fifo(void **state)
{
	(void)state;
	TU_SKIP_UNLESS_RT();
	struct seen s = { 0 };
	pthread_t th;
	int cpu = nr_cpu_ids - 1;
	struct bh_kthread_opts o = { .sz = sizeof(o), .name = "worker/7", .cpu = cpu,
				     .policy = SCHED_FIFO, .prio = 42, .fn = record, .arg = &s };

	assert_int_equal(bh_kthread_run(&th, &o), 0);
	pthread_join(th, NULL);
	assert_int_equal(s.cpu, cpu);
	assert_int_equal(s.policy, SCHED_FIFO);
	assert_int_equal(s.prio, 42);
	assert_int_equal(s.task_policy, SCHED_FIFO); /* current knows its policy and priority */
	assert_int_equal(s.task_prio, 42);
	assert_string_equal(s.comm, "worker/7");
	assert_true(s.slot > 0);
	/* The thread is gone: its slot is free again. */
	assert_null(bh_task_by_slot(s.slot));
}

static void test_kthread_bad_options(void **state)
{
	(void)state;
	pthread_t th;
	struct seen s;
	struct bh_kthread_opts o = { .sz = sizeof(o), .name = "bad", .cpu = nr_cpu_ids + 5,
				     .policy = SCHED_OTHER, .fn = record, .arg = &s };

	assert_int_equal(bh_kthread_run(&th, &o), -EINVAL);
	o.cpu = 0;
	o.policy = SCHED_FIFO;
	o.prio = 1000;
	assert_int_equal(bh_kthread_run(&th, &o), -EINVAL);
	o.name = NULL;
	assert_int_equal(bh_kthread_run(&th, &o), -EINVAL);
	assert_int_equal(bh_task_pin(-1), -EINVAL);
	migrate_disable();
	assert_int_equal(bh_task_pin(0), -EBUSY);
	migrate_enable();
}

static unsigned int nmi_count_seen;
static bool nmi_flag, hardirq_flag;
static void nmi_probe(int sig, void *arg)
{
	(void)sig, (void)arg;
	nmi_flag = in_nmi();
	hardirq_flag = in_hardirq();
	nmi_count_seen = preempt_count();
}

static void test_nmi_context(void **state)
{
	(void)state;
	assert_int_equal(bh_nmi_register(SIGUSR2, nmi_probe, NULL), 0);
	assert_false(in_nmi());
	local_bh_disable();
	raise(SIGUSR2);
	/* The handler saw NMI on top of the interrupted BH section. */
	assert_true(nmi_flag);
	assert_true(hardirq_flag);
	assert_int_equal(nmi_count_seen & SOFTIRQ_MASK, SOFTIRQ_DISABLE_OFFSET);
	assert_int_equal(preempt_count(), SOFTIRQ_DISABLE_OFFSET); /* restored */
	local_bh_enable();
	assert_false(in_nmi());
	assert_int_equal(preempt_count(), 0);
	assert_int_equal(bh_nmi_register(0, nmi_probe, NULL), -EINVAL);
	bh_nmi_unregister(SIGUSR2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_current_identity),
		cmocka_unit_test(test_kthread_named_pinned_fifo),
		cmocka_unit_test(test_kthread_bad_options),
		cmocka_unit_test(test_nmi_context),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
