/* SPDX-License-Identifier: GPL-2.0-only */
/* softirq_internal.h - what bottom_half.c, softirq.c, ksoftirqd.c and irq.c share. */
#ifndef BHLOCK_SOFTIRQ_INTERNAL_H
#define BHLOCK_SOFTIRQ_INTERNAL_H

#include "bottom_half.h"
#include "softirq.h"

DECLARE_PER_CPU(struct softirq_stats, softirq_stats);

/* Leave a BH level without running pending softirqs (softirq loop, ksoftirqd). */
void __local_bh_enable_noinvoke(unsigned int cnt, const char *site);
/* Run the pending vectors; the caller is in serving-softirq context on its CPU. */
void handle_softirqs(bool ksirqd);
/* Wake this CPU's ksoftirqd (or the vanilla cpu/N thread's ksoftirqd step). */
void wakeup_softirqd(int cpu);
/* Vanilla: true while ksoftirqd has taken over on this CPU (irq_exit then defers to it). */
bool ksoftirqd_running(int cpu);
/* On RT a raiser wakes ksoftirqd only if no task of this CPU is in a BH section. */
bool should_wake_ksoftirqd(int cpu);

/* irq.c: vanilla IRQ sources live in the cpu/N thread's epoll set. */
int ksoftirqd_epoll_fd(int cpu);
void irq_vanilla_dispatch(void *data);
void irq_graveyard_free(void);

#endif
