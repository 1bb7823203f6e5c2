/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rqspinlock_types.h - the per-task state of the resilient queued spinlock.
 *
 * The kernel keeps the held-locks table and the MCS nodes per CPU because holders never sleep or
 * get preempted. In userspace a holder can be preempted by another task on its CPU, so the table
 * and nodes are per task; a signal handler (the NMI-like context) interrupting a holder shares the
 * interrupted task's table, which is what AA detection needs.
 *
 * Ownership: only the task itself (and a signal handler running on it) writes its table and its
 * nodes' `count`; other tasks read the table without synchronisation for the ABBA check (relaxed
 * atomic loads, a racy snapshot by design). A queued waiter's `next` is written by its successor
 * and its `locked` by its predecessor, both with release stores.
 */
#ifndef BHLOCK_RQSPINLOCK_TYPES_H
#define BHLOCK_RQSPINLOCK_TYPES_H

#include "compiler.h"

#define RES_NR_HELD 31
/*
 * MCS nodes per task. Only nodes[0] is ever queued: a signal handler interrupting a queued waiter
 * does not queue (rqspinlock.c says why); nodes[0].count still counts the nesting, and the other
 * nodes keep the kernel's layout (task, softirq, hardirq, NMI) for contexts that may queue later.
 */
#define RES_NR_NODES 4

/*
 * Locks this task holds, oldest first; the top entry (locks[cnt - 1]) is the lock the task is
 * trying to get while it waits. Beyond RES_NR_HELD only cnt moves (those locks are not checked).
 */
struct rqspinlock_held {
	int cnt;
	void *locks[RES_NR_HELD];
};

struct rqspin_mcs_node {
	struct rqspin_mcs_node *next; /* successor in the queue, set by the successor */
	int locked;                   /* 0 wait, 1 head of queue, RES_TIMEOUT_VAL/RES_DEADLK_VAL abort */
	int count;                    /* nodes in use by this task; kept on nodes[0] only */
} ____cacheline_aligned;

struct rqspin_task {
	struct rqspinlock_held held;
	struct rqspin_mcs_node nodes[RES_NR_NODES];
};

#endif /* BHLOCK_RQSPINLOCK_TYPES_H */
