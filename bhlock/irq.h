/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * irq.h - interrupts from file descriptors, force-threaded as on PREEMPT_RT.
 *
 * An "interrupt" is a readable fd (eventfd, timerfd, socket, DPDK rx-interrupt fd). The handler
 * must acknowledge it (read the eventfd, drain the socket or disable the IRQ), as a real handler
 * acks its device; a level-triggered source left unacknowledged is an interrupt storm.
 *
 * RT profiles: each source gets a thread irq/N-name, SCHED_FIFO at the given priority (default
 * 50), pinned to its CPU. It runs the handler inside local_bh_disable()/local_bh_enable(), so the
 * softirqs the handler raises run at its end, in its context (irq_forced_thread_fn()).
 * Vanilla: the source joins the epoll set of its CPU's cpu/N thread (bhlock_start() first); the
 * handler runs there in hardirq context and the softirqs at irq_exit().
 *
 * Context: request/free/enable/disable from thread context; disable_irq_nosync() also from the
 * handler itself (NAPI does that).
 */
#ifndef BHLOCK_IRQ_H
#define BHLOCK_IRQ_H

#include "compiler.h"

typedef enum irqreturn {
	IRQ_NONE = 0,
	IRQ_HANDLED = 1,
} irqreturn_t;

typedef irqreturn_t (*irq_handler_t)(int irq, void *dev);

#define BH_IRQ_BASE 32
#define BH_NR_IRQS 256
#define BH_IRQ_DEFAULT_PRIO 50

struct bh_irq_opts {
	size_t sz;
	int fd;
	int cpu;  /* CPU to run on */
	int prio; /* SCHED_FIFO priority of irq/N-name; 0 = BH_IRQ_DEFAULT_PRIO */
	const char *name;
	irq_handler_t handler;
	void *dev;
};

/**
 * bh_request_irq() - attach a handler to an fd.
 * Context: thread context.
 * Return: the IRQ number (>= BH_IRQ_BASE), or -EINVAL (bad options), -ENOSPC (table full),
 * -EAGAIN (vanilla before bhlock_start()), -EPERM (SCHED_FIFO not allowed), other -errno.
 */
int bh_request_irq(const struct bh_irq_opts *opts);

/* The kernel's shape. thread_fn must be NULL: every handler here is force-threaded. */
int request_threaded_irq(int fd, irq_handler_t handler, irq_handler_t thread_fn,
			 unsigned long flags, const char *name, void *dev);

void free_irq(int irq);
void disable_irq_nosync(int irq);
void enable_irq(int irq);
/* tid of irq/N-name (RT) or of cpu/N (vanilla); 0 if none. */
int irq_thread_tid(int irq);
/* Handler invocations so far. */
unsigned long irq_count(int irq);

#endif /* BHLOCK_IRQ_H */
