// SPDX-License-Identifier: GPL-2.0-only
/*
 * pcpu_freelist.c - per-CPU freelist with rqspinlock heads (kernel/bpf/percpu_freelist.c, v6.15
 * form; see pcpu_freelist.h for the behaviour and where we differ).
 *
 * Ownership: an element on the freelist is on exactly one head's list or on the parked list. A
 * head's list changes only under that head's lock; first is also stored atomically so that pop may
 * peek at it without the lock. The parked list is pushed with a release CAS and emptied with an
 * acquiring exchange by a head-lock holder, who splices it into its head.
 */
#include <errno.h>

#include "pcpu_freelist.h"
#include "percpu.h"

static struct lock_class_key pcpu_freelist_key;

int pcpu_freelist_init(struct pcpu_freelist *s)
{
	int cpu;

	s->freelist = alloc_percpu(struct pcpu_freelist_head);
	if (!s->freelist)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct pcpu_freelist_head *head = per_cpu_ptr(s->freelist, cpu);

		__raw_res_spin_lock_init(&head->lock, "pcpu_freelist_head.lock",
					 &pcpu_freelist_key);
		__atomic_store_n(&head->first, NULL, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&s->parked, NULL, __ATOMIC_RELAXED);
	s->nr_parked = 0;
	return 0;
}

void pcpu_freelist_destroy(struct pcpu_freelist *s)
{
	free_percpu(s->freelist);
	s->freelist = NULL;
}

/* Head lock held (or freelist not yet shared). */
static __always_inline void __pcpu_freelist_link(struct pcpu_freelist_head *head,
						 struct pcpu_freelist_node *node)
{
	node->next = __atomic_load_n(&head->first, __ATOMIC_RELAXED);
	__atomic_store_n(&head->first, node, __ATOMIC_RELAXED);
}

/* Head lock held: move the parked elements, if any, onto this head. */
static void __pcpu_freelist_unpark(struct pcpu_freelist *s, struct pcpu_freelist_head *head)
{
	struct pcpu_freelist_node *list, *tail;

	if (likely(!__atomic_load_n(&s->parked, __ATOMIC_RELAXED)))
		return;
	/* Acquire pairs with the release CAS of every park still on the list. */
	list = __atomic_exchange_n(&s->parked, NULL, __ATOMIC_ACQUIRE);
	if (!list)
		return;
	for (tail = list; tail->next; tail = tail->next)
		;
	tail->next = __atomic_load_n(&head->first, __ATOMIC_RELAXED);
	__atomic_store_n(&head->first, list, __ATOMIC_RELAXED);
}

void pcpu_freelist_populate(struct pcpu_freelist *s, void *buf, uint32_t elem_size,
			    uint32_t nr_elems)
{
	uint32_t per_cpu = nr_elems / (uint32_t)nr_cpu_ids;
	uint32_t extra = nr_elems % (uint32_t)nr_cpu_ids;
	char *elem = buf;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct pcpu_freelist_head *head = per_cpu_ptr(s->freelist, cpu);
		uint32_t n = per_cpu + ((uint32_t)cpu < extra ? 1 : 0);

		for (uint32_t i = 0; i < n; i++, elem += elem_size)
			__pcpu_freelist_link(head, (struct pcpu_freelist_node *)elem);
	}
}

/* Return: 0 with @node on @head, or the rqspinlock error (nothing done). */
static int pcpu_freelist_push_head(struct pcpu_freelist *s, struct pcpu_freelist_head *head,
				   struct pcpu_freelist_node *node)
{
	int err = res_spin_lock(&head->lock);

	if (unlikely(err))
		return err;
	__pcpu_freelist_unpark(s, head);
	__pcpu_freelist_link(head, node);
	res_spin_unlock(&head->lock);
	return 0;
}

static void pcpu_freelist_park(struct pcpu_freelist *s, struct pcpu_freelist_node *node)
{
	struct pcpu_freelist_node *first = __atomic_load_n(&s->parked, __ATOMIC_RELAXED);

	__atomic_fetch_add(&s->nr_parked, 1, __ATOMIC_RELAXED);
	/* Push only: linking to a head that left and came back is still linking to the list. */
	do {
		node->next = first;
	} while (!__atomic_compare_exchange_n(&s->parked, &first, node, true, __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
}

void pcpu_freelist_push(struct pcpu_freelist *s, struct pcpu_freelist_node *node)
{
	int self = raw_smp_processor_id();

	if (likely(!pcpu_freelist_push_head(s, per_cpu_ptr(s->freelist, self), node)))
		return;
	/*
	 * This CPU's head failed: most likely we interrupted its holder (AA). Try the others once,
	 * from the next CPU on; if every lock fails, park rather than spin (pcpu_freelist.h).
	 */
	for (int i = 1; i < nr_cpu_ids; i++) {
		int cpu = (self + i) % nr_cpu_ids;

		if (!pcpu_freelist_push_head(s, per_cpu_ptr(s->freelist, cpu), node))
			return;
	}
	pcpu_freelist_park(s, node);
}

/* Head lock held. */
static __always_inline struct pcpu_freelist_node *__pcpu_freelist_take(struct pcpu_freelist_head *head)
{
	struct pcpu_freelist_node *node = __atomic_load_n(&head->first, __ATOMIC_RELAXED);

	if (node)
		__atomic_store_n(&head->first, node->next, __ATOMIC_RELAXED);
	return node;
}

/* Every head looked empty or was locked: take the parked elements back through a head. */
static struct pcpu_freelist_node *pcpu_freelist_pop_parked(struct pcpu_freelist *s, int self)
{
	if (likely(!__atomic_load_n(&s->parked, __ATOMIC_RELAXED)))
		return NULL;
	for (int i = 0; i < nr_cpu_ids; i++) {
		struct pcpu_freelist_head *head =
			per_cpu_ptr(s->freelist, (self + i) % nr_cpu_ids);
		struct pcpu_freelist_node *node;

		if (res_spin_lock(&head->lock))
			continue;
		__pcpu_freelist_unpark(s, head);
		node = __pcpu_freelist_take(head);
		res_spin_unlock(&head->lock);
		return node;
	}
	return NULL;
}

struct pcpu_freelist_node *pcpu_freelist_pop(struct pcpu_freelist *s)
{
	int self = raw_smp_processor_id();

	for (int i = 0; i < nr_cpu_ids; i++) {
		struct pcpu_freelist_head *head =
			per_cpu_ptr(s->freelist, (self + i) % nr_cpu_ids);
		struct pcpu_freelist_node *node;

		/*
		 * Peek without the lock: an empty head is skipped without touching its lock, so
		 * popping from a full map costs nr_cpu_ids loads, not nr_cpu_ids lock round trips
		 * (the fix behind the kernel's 16k -> 550k updates/s on a full map). A head that
		 * fills up right after the peek is missed; that is the accepted race.
		 */
		if (!__atomic_load_n(&head->first, __ATOMIC_RELAXED))
			continue;
		if (res_spin_lock(&head->lock))
			continue;
		node = __pcpu_freelist_take(head);
		res_spin_unlock(&head->lock);
		if (node)
			return node;
	}
	return pcpu_freelist_pop_parked(s, self);
}
