/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rqspinlock_types.h - the per-task state of the resilient queued spinlock.
 *
 * The kernel keeps the held-locks table and the MCS nodes per CPU because holders never sleep or
 * get preempted. In userspace a holder can be preempted by another task on its CPU, so the table
 * and nodes are per task; a signal handler (the NMI-like context) interrupting a holder shares the
 * interrupted task's table, which is what AA detection needs.
 */
#ifndef BHLOCK_RQSPINLOCK_TYPES_H
#define BHLOCK_RQSPINLOCK_TYPES_H

#include "compiler.h"

#define RES_NR_HELD 31
#define RES_NR_NODES 4 /* nesting levels: task, softirq, hardirq, NMI */

struct rqspinlock_held {
	int cnt;
	void *locks[RES_NR_HELD];
};

struct rqspin_mcs_node {
	struct rqspin_mcs_node *next;
	int locked; /* 0 wait, 1 go, RES_TIMEOUT_VAL abort */
	int count;  /* nesting level in use, kept on nodes[0] */
} ____cacheline_aligned;

struct rqspin_task {
	struct rqspinlock_held held;
	struct rqspin_mcs_node nodes[RES_NR_NODES];
};

#endif /* BHLOCK_RQSPINLOCK_TYPES_H */
