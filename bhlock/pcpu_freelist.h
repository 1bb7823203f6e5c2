/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pcpu_freelist.h - a per-CPU freelist of preallocated elements, as in the kernel's
 * kernel/bpf/percpu_freelist.c after its rqspinlock conversion (v6.15; KERNEL.md §7). It backs
 * the preallocated BPF-style maps: a map's elements are spread over the CPUs at creation, an
 * update pops one, a delete pushes it back.
 *
 * Each CPU has a head {first, rqspinlock}. The rqspinlock never waits forever: a task (or a
 * signal handler interrupting it) that finds a head's lock held by itself gets -EDEADLK at once,
 * and any other wait ends with -EDEADLK (ABBA) or -ETIMEDOUT. So:
 *   push  tries this CPU's head, then the other CPUs' heads in turn; it never fails. Where the
 *         kernel keeps looping over the CPUs until one lock is taken, we loop once and then park
 *         the element on a lock-free list (see below): here a head's holder can be preempted or
 *         interrupted by a signal handler at any point, and two handlers each interrupting the
 *         holder of the head the other needs would loop forever (the locks they fail on stay held
 *         until they return).
 *   pop   walks the CPUs from this one, skips a head that looks empty WITHOUT taking its lock
 *         (a racy read of first: a full map must answer -E2BIG without touching every CPU's
 *         lock), skips a head whose lock fails, and pops from the first it can lock. Last, it
 *         takes back parked elements. NULL means no element was found where it could look: with
 *         contention that is not proof of emptiness (the kernel's semantics).
 * The parked list is pushed with a CAS and only ever taken whole (atomic exchange) by a holder
 * of a head lock, who splices it into that head: no ABA.
 *
 * An element's node must be at offset 0 of the element (populate() hands out buf + i * size).
 *
 * Context: init/destroy/populate in thread context, before/after the freelist is shared;
 * push/pop any context, including a signal handler run as NMI (nmi.h).
 */
#ifndef BHLOCK_PCPU_FREELIST_H
#define BHLOCK_PCPU_FREELIST_H

#include "compiler.h"
#include "rqspinlock.h"

struct pcpu_freelist_node {
	struct pcpu_freelist_node *next;
};

struct pcpu_freelist_head {
	/* Protected by lock; read without it (relaxed atomic) only to skip an empty head. */
	struct pcpu_freelist_node *first;
	rqspinlock_t lock;
} ____cacheline_aligned;

struct pcpu_freelist {
	struct pcpu_freelist_head *freelist; /* per-CPU (alloc_percpu) */
	/* Lock-free, push only; taken whole by a head-lock holder. */
	struct pcpu_freelist_node *parked ____cacheline_aligned;
	unsigned long nr_parked; /* pushes that had to park, ever (relaxed atomic; tests) */
};

/**
 * pcpu_freelist_init() - allocate and initialise empty per-CPU heads.
 * Context: thread context.
 * Return: 0 or -ENOMEM.
 */
int pcpu_freelist_init(struct pcpu_freelist *s);

/* Free the heads (not the elements, which belong to the caller). Context: thread context. */
void pcpu_freelist_destroy(struct pcpu_freelist *s);

/**
 * pcpu_freelist_populate() - spread @nr_elems elements of @elem_size bytes at @buf over the CPUs.
 *
 * Each CPU gets nr_elems / nr_cpu_ids elements; the first nr_elems % nr_cpu_ids CPUs get one
 * more. CPU 0 gets the first elements of @buf, and so on.
 * Context: thread context, before the freelist is shared (no locking).
 */
void pcpu_freelist_populate(struct pcpu_freelist *s, void *buf, uint32_t elem_size,
			    uint32_t nr_elems);

/**
 * pcpu_freelist_push() - give an element back; never fails, never waits forever.
 * Context: any, including a signal handler interrupting a holder of a head lock.
 */
void pcpu_freelist_push(struct pcpu_freelist *s, struct pcpu_freelist_node *node);

/**
 * pcpu_freelist_pop() - take an element.
 * Context: any, including a signal handler interrupting a holder of a head lock.
 * Return: an element, or NULL if none was found (empty, or the non-empty heads were locked).
 */
struct pcpu_freelist_node *pcpu_freelist_pop(struct pcpu_freelist *s);

/*
 * The kernel's __ forms expect interrupts off. Here there is no interrupt state to save (the
 * rqspinlock handles re-entry by failing), so they are the same functions, kept under the
 * kernel's names for callers such as the hash map that follow hashtab.c.
 */
#define __pcpu_freelist_push(s, node) pcpu_freelist_push((s), (node))
#define __pcpu_freelist_pop(s) pcpu_freelist_pop(s)

#endif /* BHLOCK_PCPU_FREELIST_H */
