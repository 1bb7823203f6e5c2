// SPDX-License-Identifier: GPL-2.0-only
/*
 * task.c - tasks, the task table, pinning and bhlock's named real-time threads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <semaphore.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "task.h"
#include "percpu.h"
#include "preempt.h"

__thread struct task_struct __bh_current_task;

/* Live tasks by slot; slot 0 is never used so that an encoded slot is never 0. */
static struct task_struct *bh_tasks[BH_MAX_TASKS];
static pthread_key_t bh_task_key;
static pthread_once_t bh_task_key_once = PTHREAD_ONCE_INIT;

static void bh_task_exit(void *arg)
{
	struct task_struct *t = arg;

	lockdep_task_exit();
	if (t->slot > 0)
		__atomic_store_n(&bh_tasks[t->slot], NULL, __ATOMIC_RELEASE);
	/* Other tasks may still be reading this task through the table (rqspinlock's ABBA scan). */
	__atomic_store_n(&t->slot, 0, __ATOMIC_RELAXED);
}

/*
 * A forked child is a new process with one thread: the copied task table names threads that do
 * not exist there, and the copied current->tid is the parent's (a PI futex needs the real one).
 */
static void bh_task_atfork_child(void)
{
	struct task_struct *t = &__bh_current_task;

	for (int i = 1; i < BH_MAX_TASKS; i++)
		if (bh_tasks[i] != t)
			bh_tasks[i] = NULL;
	if (t->initialized)
		t->tid = (int)syscall(SYS_gettid);
}

static void bh_task_key_init(void)
{
	pthread_key_create(&bh_task_key, bh_task_exit);
	pthread_atfork(NULL, NULL, bh_task_atfork_child);
}

static int bh_task_slot_alloc(struct task_struct *t)
{
	for (int i = 1; i < BH_MAX_TASKS; i++) {
		struct task_struct *expected = NULL;

		if (__atomic_load_n(&bh_tasks[i], __ATOMIC_RELAXED))
			continue;
		if (__atomic_compare_exchange_n(&bh_tasks[i], &expected, t, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			return i;
	}
	return 0; /* table full: the task works, but rqspinlock cannot queue it (it falls back) */
}

/* Async-signal-safe except for the exit hook, which a thread first seen in a handler may miss. */
void __bh_task_init(struct task_struct *t)
{
	struct sched_param sp;

	t->tid = (int)syscall(SYS_gettid);
	t->cpu = -1;
	t->policy = sched_getscheduler(0);
	t->prio = sched_getparam(0, &sp) == 0 ? sp.sched_priority : 0;
	t->slot = bh_task_slot_alloc(t);
	prctl(PR_GET_NAME, t->comm, 0, 0, 0);
	t->comm[TASK_COMM_LEN - 1] = '\0';
	t->initialized = true;
	if (!(t->preempt_count & NMI_MASK)) {
		pthread_once(&bh_task_key_once, bh_task_key_init);
		pthread_setspecific(bh_task_key, t);
	}
}

struct task_struct *bh_task_by_slot(int slot)
{
	if (slot <= 0 || slot >= BH_MAX_TASKS)
		return NULL;
	return __atomic_load_n(&bh_tasks[slot], __ATOMIC_ACQUIRE);
}

int bh_task_pin(int cpu)
{
	struct task_struct *t = current;
	cpu_set_t set;

	if (cpu < 0 || cpu >= nr_cpu_ids)
		return -EINVAL;
	if (t->migrate_disable)
		return -EBUSY;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -errno;
	t->cpu = cpu;
	t->pinned = true;
	return 0;
}

int bh_task_setsched(int policy, int prio)
{
	struct sched_param sp = { .sched_priority = (policy == SCHED_OTHER) ? 0 : prio };

	if (sched_setscheduler(0, policy, &sp))
		return -errno;
	current->policy = policy;
	WRITE_ONCE(current->prio, sp.sched_priority);
	return 0;
}

void bh_task_set_comm(const char *name)
{
	struct task_struct *t = current;

	snprintf(t->comm, sizeof(t->comm), "%s", name);
	prctl(PR_SET_NAME, t->comm, 0, 0, 0);
}

/*
 * An unpinned task is bound to the CPU it is on at the outermost migrate_disable() and gets its
 * old affinity back at the outermost migrate_enable(). A pinned task only counts.
 */
void migrate_disable(void)
{
	struct task_struct *t = current;

	if (t->migrate_disable++ || t->pinned)
		return;
	cpu_set_t set;
	int cpu = sched_getcpu();

	t->mask_saved = sched_getaffinity(0, sizeof(t->saved_mask), &t->saved_mask) == 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* If binding fails we still run; the debug checks will then see us migrate. */
	if (sched_setaffinity(0, sizeof(set), &set) == 0)
		t->cpu = cpu;
}

void migrate_enable(void)
{
	struct task_struct *t = current;

	if (t->migrate_disable <= 0) {
		t->migrate_disable = 0;
		return;
	}
	if (--t->migrate_disable || t->pinned)
		return;
	if (t->mask_saved)
		sched_setaffinity(0, sizeof(t->saved_mask), &t->saved_mask);
	t->mask_saved = false;
	t->cpu = -1;
}

struct bh_kthread_start {
	struct bh_kthread_opts opts;
	char name[TASK_COMM_LEN];
	int err;
	sem_t done; /* the creator sleeps until the child has set itself up (it may be lower prio) */
};

static void *bh_kthread_trampoline(void *arg)
{
	struct bh_kthread_start *st = arg;
	void *(*fn)(void *) = st->opts.fn;
	void *fn_arg = st->opts.arg;
	int err = 0;

	bh_task_set_comm(st->name);
	/*
	 * Priority before CPU: a thread that moved to a CPU busy with a real-time task while still
	 * SCHED_OTHER would not run again until that task sleeps.
	 */
	if (st->opts.policy != SCHED_OTHER)
		err = bh_task_setsched(st->opts.policy, st->opts.prio);
	if (!err && st->opts.cpu >= 0)
		err = bh_task_pin(st->opts.cpu);
	st->err = err;
	if (st->opts.tid_out)
		__atomic_store_n(st->opts.tid_out, current->tid, __ATOMIC_RELEASE);
	sem_post(&st->done);
	if (err)
		return NULL;
	return fn(fn_arg);
}

int bh_kthread_run(pthread_t *thread, const struct bh_kthread_opts *opts)
{
	struct bh_kthread_start *st;
	int err;

	if (!opts || !opts->name || !opts->fn)
		return -EINVAL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->opts = *opts;
	snprintf(st->name, sizeof(st->name), "%s", opts->name);
	sem_init(&st->done, 0, 0);
	err = pthread_create(thread, NULL, bh_kthread_trampoline, st);
	if (err) {
		sem_destroy(&st->done);
		free(st);
		return -err;
	}
	while (sem_wait(&st->done) && errno == EINTR)
		;
	err = st->err;
	sem_destroy(&st->done);
	free(st);
	if (err)
		pthread_join(*thread, NULL);
	return err;
}
