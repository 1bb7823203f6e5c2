/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * task.h - the task (a thread) and its CPU binding: current, pinning, migrate_disable().
 *
 * Every thread that uses bhlock has a struct task_struct in thread-local storage, created on first
 * use (also from a signal handler: it needs no allocation). `current` names it. Tasks are also
 * entered in a global table by slot number, so that other tasks can inspect them (rqspinlock's
 * ABBA check, the validator's reports).
 *
 * Pinning: bh_task_pin() binds a thread to one CPU for life (the datapath's threads). For any other
 * thread, migrate_disable() binds it to the CPU it runs on until the matching migrate_enable();
 * on a pinned thread both are only a counter.
 *
 * Context: thread context, except get_current() and the counters, which are async-signal-safe.
 */
#ifndef BHLOCK_TASK_H
#define BHLOCK_TASK_H

#include <pthread.h>
#include <sched.h>
#include "compiler.h"
#include "lockdep.h"
#include "rqspinlock_types.h"

#define TASK_COMM_LEN 16
#define BH_MAX_TASKS 4096

struct task_struct {
	unsigned int preempt_count; /* see preempt.h */
	int cpu;                    /* CPU the task may not leave, or -1 */
	int migrate_disable;        /* nesting of migrate_disable() */
	bool pinned;                /* bound to cpu for life by bh_task_pin() */
	bool initialized;
	bool mask_saved;
	int tid;
	int policy; /* SCHED_OTHER/FIFO/RR, as last set through bhlock or read at creation */
	int prio;   /* real-time priority 1..99, 0 for SCHED_OTHER */
	int slot;   /* index in the task table, 1..BH_MAX_TASKS-1 */
	char comm[TASK_COMM_LEN];
	cpu_set_t saved_mask; /* affinity to restore at the outermost migrate_enable() */

	/* Per-task state the kernel keeps per task on PREEMPT_RT (KERNEL.md §11). */
	int xmit_recursion;
	void *bpf_net_context;

	struct lockdep_task lockdep;
	struct rqspin_task rqspin;
};

extern __thread struct task_struct __bh_current_task;
void __bh_task_init(struct task_struct *t);

static __always_inline struct task_struct *get_current(void)
{
	struct task_struct *t = &__bh_current_task;

	/*
	 * An empty asm: GCC 12 with ASan+UBSan emits the null check of a TLS address as a jump on
	 * flags left by an unrelated instruction, reporting null pointers that are not there.
	 */
	__asm__("" : "+r"(t));
	if (unlikely(!t->initialized))
		__bh_task_init(t);
	return t;
}
#define current get_current()

/* The live task in a slot, or NULL. Racy by nature: for diagnostics and deadlock checks. */
struct task_struct *bh_task_by_slot(int slot);

/**
 * bh_task_pin() - bind the calling thread to @cpu for the rest of its life.
 * Context: thread context, outside migrate_disable().
 * Return: 0, -EINVAL (no such CPU), -EBUSY (inside migrate_disable()) or the sched_setaffinity error.
 */
int bh_task_pin(int cpu);
/* Set the calling thread's policy (SCHED_OTHER/FIFO/RR) and priority. Return: 0 or -errno. */
int bh_task_setsched(int policy, int prio);
/* Set the name shown by ps/top and in reports (15 characters kept). */
void bh_task_set_comm(const char *name);

void migrate_disable(void);
void migrate_enable(void);

static __always_inline bool bh_task_cannot_migrate(const struct task_struct *t)
{
	return t->pinned || t->migrate_disable > 0;
}

/* A thread created with a name, a CPU, a policy and a priority, like kthread_create_on_cpu(). */
struct bh_kthread_opts {
	size_t sz;
	const char *name; /* e.g. "ksoftirqd/0"; required */
	int cpu;          /* -1: not pinned */
	int policy;       /* SCHED_OTHER, SCHED_FIFO or SCHED_RR */
	int prio;         /* 1..99 for FIFO/RR, ignored otherwise */
	void *(*fn)(void *arg);
	void *arg;
	int *tid_out; /* optional: the new thread's tid, set before bh_kthread_run() returns */
};

/**
 * bh_kthread_run() - start a thread that first names, pins and schedules itself, then runs fn.
 * Context: thread context.
 * Return: 0, or -errno (-EPERM when a real-time policy is not allowed); opts->tid_out, if set,
 * holds the new thread's tid when this returns.
 */
int bh_kthread_run(pthread_t *thread, const struct bh_kthread_opts *opts);

#endif /* BHLOCK_TASK_H */
