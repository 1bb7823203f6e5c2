// SPDX-License-Identifier: GPL-2.0-only
/*
 * lockdep.c - lockdep-lite: per-task held-lock stacks, lock classes, the class order graph and
 * the reports (see lockdep.h for what is reported and when).
 *
 * The idea is the kernel's (kernel/locking/lockdep.c, Documentation/locking/lockdep-design.rst):
 * validate lock *classes*, not instances, so that one run that happened to take A then B and, at
 * another time, B then A reveals the deadlock that a different interleaving would produce. This
 * is a much smaller design: no IRQ-state tracking, no chains cache, no recursive-read rules.
 *
 * State and who owns it:
 * - current->lockdep: the task's held-lock stack. Only the task itself touches it, and a signal
 *   handler running on that task (NMI-like context) pushes and pops on top of it before it
 *   returns. lockdep.off > 0 while the validator runs on the task: a handler that interrupts the
 *   validator skips all validation (acquire, release and asserts alike, so the stack stays
 *   consistent), which is also the recursion guard for the report hook.
 * - ld_classes[], key->id, ld_addr_map[]: registered lock-free (a class slot is reserved with an
 *   atomic add, filled, then published by a compare-and-swap on the key or hash slot), so that a
 *   handler can register a class too. Never freed, except by lockdep_reset().
 * - ld_edge_of[][] (which edges exist) is read without a lock on every acquisition: an edge, once
 *   published, never changes until lockdep_reset(). Adding an edge, the per-class out-edge lists
 *   and the search for a cycle are done under ld_graph_lock.
 * - ld_graph_lock: a futex mutex. Task context waits for it; NMI context (in_nmi()) only tries
 *   and skips the graph update when it is busy. A handler on a thread that holds it cannot reach
 *   it (that thread has lockdep.off > 0), so it cannot deadlock on its own owner.
 * - counters, the hook and the once-per-site table: atomics.
 *
 * Reports are formatted by our own small formatter into a stack buffer and written with one
 * write(2): no malloc, no stdio, usable in a signal handler.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/syscall.h>

#include "lockdep.h"
#include "sigsafe_fmt.h"
#include "preempt.h"
#include "task.h"

#ifdef BHLOCK_DEBUG

#define LD_MAX_EDGES 4096  /* order-graph edges (uint16_t indices) */
#define LD_ADDR_SLOTS 1024 /* maps without a key: address -> class (open addressing) */
#define LD_ONCE_SLOTS 128  /* per report kind: sites already reported */
#define LD_MAX_CHAIN 12    /* edges of a cycle printed in an ABBA report */

struct ld_class {
	struct lock_class_key *key; /* NULL for a class named by a map address */
	const void *addr;
	const char *name;
	uint16_t first_out; /* first out-edge + 1; under ld_graph_lock */
};

/* from -> to: a task took a lock of class `to` while holding one of class `from`. */
struct ld_edge {
	uint16_t from, to;
	uint16_t next_out; /* next edge + 1 with the same `from` */
	int tid;
	const char *from_site, *to_site;
	const char *from_name, *to_name; /* lock names at the time, for the report */
	char comm[TASK_COMM_LEN];
};

struct ld_addr_slot {
	const void *addr;
	int id;
};

static struct ld_class ld_classes[LOCKDEP_MAX_CLASSES]; /* [0] unused: id 0 = untracked */
static int ld_nr_classes;                               /* slots reserved (may exceed max) */
static struct ld_addr_slot ld_addr_map[LD_ADDR_SLOTS];

/* Edge index + 1, or 0 = no edge. Read lock-free, written under ld_graph_lock. */
static uint16_t ld_edge_of[LOCKDEP_MAX_CLASSES][LOCKDEP_MAX_CLASSES];
static struct ld_edge ld_edges[LD_MAX_EDGES];
static int ld_nr_edges;

/* Breadth-first search scratch; under ld_graph_lock. */
static uint32_t ld_seen[LOCKDEP_MAX_CLASSES];
static uint32_t ld_seen_gen;
static uint16_t ld_parent[LOCKDEP_MAX_CLASSES]; /* edge + 1 that reached the class */
static uint16_t ld_queue[LOCKDEP_MAX_CLASSES];
static uint16_t ld_path[LOCKDEP_MAX_CLASSES];

/* 0 free, 1 held, 2 held and someone may sleep on it. */
static uint32_t ld_graph_word;

static unsigned long ld_counts[LOCKDEP_NR_REPORTS];
static const void *ld_once[LOCKDEP_NR_REPORTS][LD_ONCE_SLOTS];
static lockdep_report_fn ld_hook;
static void *ld_hook_arg;
static int ld_warned_classes, ld_warned_edges, ld_warned_depth;

static const char *const ld_names[LOCKDEP_NR_REPORTS] = {
	[LOCKDEP_AA] = "AA",
	[LOCKDEP_ABBA] = "ABBA",
	[LOCKDEP_NESTED_BH] = "NESTED_BH",
	[LOCKDEP_UNPINNED] = "UNPINNED",
	[LOCKDEP_HELD_AT_EXIT] = "HELD_AT_EXIT",
	[LOCKDEP_UNLOCK_ORDER] = "UNLOCK_ORDER",
	[LOCKDEP_BAD_UNLOCK] = "BAD_UNLOCK",
	[LOCKDEP_ALLOC_IN_BH] = "ALLOC_IN_BH",
	[LOCKDEP_VANILLA_BH] = "VANILLA_BH",
};

static const char *const ld_titles[LOCKDEP_NR_REPORTS] = {
	[LOCKDEP_AA] = "recursive locking: a task takes a lock it already holds (AA deadlock)",
	[LOCKDEP_ABBA] = "possible circular locking dependency detected (ABBA)",
	[LOCKDEP_NESTED_BH] = "nested-BH lock outside a BH-disabled section, or in hardirq/NMI",
	[LOCKDEP_UNPINNED] = "per-CPU data used by a task that can migrate",
	[LOCKDEP_HELD_AT_EXIT] = "task exits while holding locks",
	[LOCKDEP_UNLOCK_ORDER] = "lock released out of order (not the last one taken)",
	[LOCKDEP_BAD_UNLOCK] = "release of a lock the task does not hold",
	[LOCKDEP_ALLOC_IN_BH] = "memory allocator called in BH, hardirq or NMI context (RT profile)",
	[LOCKDEP_VANILLA_BH] = "two tasks in BH sections on one CPU (vanilla profile)",
};

static void ld_warn_once(int *flag, const char *msg)
{
	if (!__atomic_exchange_n(flag, 1, __ATOMIC_RELAXED))
		sigsafe_write_all(msg, strlen(msg));
}

/* ---------------------------------------------------------------------------------------------
 * The graph lock.
 */
static long ld_futex(uint32_t *uaddr, int op, uint32_t val)
{
	return syscall(SYS_futex, uaddr, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

static bool ld_graph_trylock(void)
{
	uint32_t c = 0;

	return __atomic_compare_exchange_n(&ld_graph_word, &c, 1, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

/*
 * Return: false if NMI context found it busy (skip the graph update). Reads the thread's context
 * without creating its task: fork() calls this through ld_atfork_prepare(), and a task created
 * there would hand the parent's tid to the child.
 */
static bool ld_graph_lock(void)
{
	if (likely(ld_graph_trylock()))
		return true;
	if (READ_ONCE(__bh_current_task.preempt_count) & NMI_MASK)
		return false;
	for (int i = 0; i < 64; i++) {
		cpu_relax();
		if (__atomic_load_n(&ld_graph_word, __ATOMIC_RELAXED) == 0 && ld_graph_trylock())
			return true;
	}
	/* Sleep rather than spin: the holder may be a lower-priority task on this CPU. */
	while (__atomic_exchange_n(&ld_graph_word, 2, __ATOMIC_ACQUIRE) != 0)
		ld_futex(&ld_graph_word, FUTEX_WAIT, 2);
	return true;
}

static void ld_graph_unlock(void)
{
	if (__atomic_exchange_n(&ld_graph_word, 0, __ATOMIC_RELEASE) == 2)
		ld_futex(&ld_graph_word, FUTEX_WAKE, 1);
}

/* fork() copies the graph; make sure it is not copied half-updated or locked by a lost thread. */
static void ld_atfork_prepare(void)
{
	ld_graph_lock();
}

static void ld_atfork_parent(void)
{
	ld_graph_unlock();
}

static void ld_atfork_child(void)
{
	__atomic_store_n(&ld_graph_word, 0, __ATOMIC_RELAXED);
}

__attribute__((constructor)) static void ld_init(void)
{
	pthread_atfork(ld_atfork_prepare, ld_atfork_parent, ld_atfork_child);
}

/* ---------------------------------------------------------------------------------------------
 * Classes.
 */
static int ld_class_new(struct lock_class_key *key, const void *addr, const char *name)
{
	int id = __atomic_add_fetch(&ld_nr_classes, 1, __ATOMIC_RELAXED);

	if (id >= LOCKDEP_MAX_CLASSES) {
		ld_warn_once(&ld_warned_classes,
			     "lockdep-lite: class table full; new lock classes are not checked\n");
		return 0;
	}
	ld_classes[id].key = key;
	ld_classes[id].addr = addr;
	ld_classes[id].name = name;
	return id;
}

static __noinline int ld_class_register_key(struct lockdep_map *map)
{
	struct lock_class_key *key = map->key;
	int expected = 0, id = ld_class_new(key, NULL, map->name);

	if (!id)
		return 0;
	if (__atomic_compare_exchange_n(&key->id, &expected, id, false, __ATOMIC_RELEASE,
					__ATOMIC_ACQUIRE))
		return id;
	/* Someone registered the key first: our slot stays unused. */
	ld_classes[id].key = NULL;
	return expected;
}

static unsigned int ld_hash_ptr(const void *p)
{
	uint64_t x = (uintptr_t)p;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 32;
	return (unsigned int)x;
}

/* A map without a key is its own class, found by address. */
static __noinline int ld_class_of_addr(struct lockdep_map *map)
{
	unsigned int h = ld_hash_ptr(map);

	for (unsigned int i = 0; i < LD_ADDR_SLOTS; i++) {
		struct ld_addr_slot *s = &ld_addr_map[(h + i) % LD_ADDR_SLOTS];
		const void *a = __atomic_load_n(&s->addr, __ATOMIC_ACQUIRE);

		if (!a) {
			const void *expected = NULL;

			if (!__atomic_compare_exchange_n(&s->addr, &expected, map, false,
							 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				a = expected;
			} else {
				int id = ld_class_new(NULL, map, map->name);

				__atomic_store_n(&s->id, id, __ATOMIC_RELEASE);
				return id;
			}
		}
		if (a == map)
			return __atomic_load_n(&s->id, __ATOMIC_ACQUIRE); /* 0 while being filled */
	}
	ld_warn_once(&ld_warned_classes,
		     "lockdep-lite: too many locks without a class key; new ones are not checked\n");
	return 0;
}

static __always_inline int ld_class_of(struct lockdep_map *map)
{
	struct lock_class_key *key = map->key;

	if (likely(key)) {
		int id = __atomic_load_n(&key->id, __ATOMIC_ACQUIRE);

		if (likely(id > 0 && id < LOCKDEP_MAX_CLASSES))
			return id;
		return ld_class_register_key(map);
	}
	return ld_class_of_addr(map);
}

static const char *ld_lock_name(const struct lockdep_map *map, int class_id)
{
	if (map && map->name)
		return map->name;
	if (class_id > 0 && class_id < LOCKDEP_MAX_CLASSES && ld_classes[class_id].name)
		return ld_classes[class_id].name;
	return "(unnamed lock)";
}

static const char *ld_site(const char *site)
{
	return site ? site : "(unknown site)";
}

/* ---------------------------------------------------------------------------------------------
 * Reports.
 */
bool __lockdep_report_once(enum lockdep_report kind, const void *key)
{
	if ((unsigned int)kind >= LOCKDEP_NR_REPORTS || !key)
		return true;
	const void **tab = ld_once[kind];
	unsigned int h = ld_hash_ptr(key);

	for (unsigned int i = 0; i < LD_ONCE_SLOTS; i++) {
		const void **slot = &tab[(h + i) % LD_ONCE_SLOTS];
		const void *cur = __atomic_load_n(slot, __ATOMIC_RELAXED);

		if (cur == key)
			return false;
		if (!cur) {
			const void *expected = NULL;

			if (__atomic_compare_exchange_n(slot, &expected, key, false,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
				return true;
			if (expected == key)
				return false;
		}
	}
	return true; /* table full: report rather than stay silent */
}

static const char *ld_context(unsigned int pc)
{
	if (pc & NMI_MASK)
		return "NMI (signal handler)";
	if (pc & HARDIRQ_MASK)
		return "hardirq";
	if (pc & SOFTIRQ_OFFSET)
		return "serving softirq";
	if (pc & SOFTIRQ_MASK)
		return "BH disabled";
	return "task";
}

static void ld_report_begin(struct sigsafe_buf *b, enum lockdep_report kind,
			    const struct task_struct *t)
{
	unsigned int pc = READ_ONCE(t->preempt_count);

	sigsafe_puts(b, "\n=====================================================================\n");
	sigsafe_printf(b, "lockdep-lite [%s] WARNING: %s\n", ld_names[kind], ld_titles[kind]);
	sigsafe_printf(b, "task %s/%d, %s, context %s (preempt_count %#x)\n", t->comm, t->tid,
		  bh_task_cannot_migrate(t) ? "bound to its CPU" : "free to migrate",
		  ld_context(pc), pc);
	if (t->cpu >= 0)
		sigsafe_printf(b, "cpu %d\n", t->cpu);
	sigsafe_puts(b, "---------------------------------------------------------------------\n");
}

static void ld_put_held(struct sigsafe_buf *b, const struct task_struct *t)
{
	const struct lockdep_task *ld = &t->lockdep;

	if (!ld->depth) {
		sigsafe_printf(b, "no locks held by %s/%d\n", t->comm, t->tid);
		return;
	}
	sigsafe_printf(b, "locks held by %s/%d (%d, innermost last):\n", t->comm, t->tid, ld->depth);
	for (int i = 0; i < ld->depth; i++) {
		const struct held_lock *h = &ld->held[i];

		sigsafe_printf(b, "  #%d: '%s' [%p] acquired at %s%s\n", i,
			  ld_lock_name(h->map, h->class_id), (void *)h->map, ld_site(h->site),
			  h->trylock ? " (trylock)" : "");
	}
}

/* Finish the text, write it, count it, hand it to the hook. */
static void ld_report_end(struct sigsafe_buf *b, enum lockdep_report kind,
			  const struct task_struct *t)
{
	lockdep_report_fn fn;

	ld_put_held(b, t);
	sigsafe_puts(b, "=====================================================================\n");
	if (b->truncated) {
		memcpy(b->s + b->len, SIGSAFE_TRUNC_MARK, sizeof(SIGSAFE_TRUNC_MARK) - 1);
		b->len += sizeof(SIGSAFE_TRUNC_MARK) - 1;
	}
	b->s[b->len] = '\0';
	sigsafe_write_all(b->s, b->len);
	__atomic_add_fetch(&ld_counts[kind], 1, __ATOMIC_RELAXED);
	fn = __atomic_load_n(&ld_hook, __ATOMIC_ACQUIRE);
	if (fn)
		fn(kind, b->s, __atomic_load_n(&ld_hook_arg, __ATOMIC_RELAXED));
}

static __cold __noinline void ld_report_aa(const struct task_struct *t,
					   const struct held_lock *first,
					   const struct lockdep_map *map, const char *site)
{
	char text[LOCKDEP_REPORT_MAX];
	struct sigsafe_buf b;

	if (!__lockdep_report_once(LOCKDEP_AA, site))
		return;
	sigsafe_buf_init(&b, text, sizeof(text));
	ld_report_begin(&b, LOCKDEP_AA, t);
	sigsafe_printf(&b, "task %s/%d is trying to take lock '%s' [%p]\n", t->comm, t->tid,
		  ld_lock_name(map, first->class_id), (const void *)map);
	sigsafe_printf(&b, "  second acquisition at %s\n", ld_site(site));
	sigsafe_printf(&b, "  but it already holds it, acquired at %s%s\n", ld_site(first->site),
		  first->trylock ? " (trylock)" : "");
	sigsafe_puts(&b, "a lock that is not recursive never comes free for its own owner: this task "
		    "deadlocks here.\n");
	ld_report_end(&b, LOCKDEP_AA, t);
}

static __cold __noinline void ld_report_abba(const struct task_struct *t,
					     const struct held_lock *held,
					     const struct lockdep_map *map, int cls,
					     const char *site, const uint16_t *chain, int nchain,
					     int chain_len)
{
	char text[LOCKDEP_REPORT_MAX];
	struct sigsafe_buf b;
	const char *a = ld_lock_name(held->map, held->class_id);
	const char *bn = ld_lock_name(map, cls);

	sigsafe_buf_init(&b, text, sizeof(text));
	ld_report_begin(&b, LOCKDEP_ABBA, t);
	sigsafe_printf(&b, "task %s/%d is taking lock '%s' [%p] at %s\n", t->comm, t->tid, bn,
		  (const void *)map, ld_site(site));
	sigsafe_printf(&b, "while holding lock '%s' [%p], acquired at %s\n", a, (void *)held->map,
		  ld_site(held->site));
	sigsafe_printf(&b, "new order:      '%s' (%s) -> '%s' (%s)\n", a, ld_site(held->site), bn,
		  ld_site(site));
	sigsafe_printf(&b, "but the opposite order was seen before (%d step%s):\n", chain_len,
		  chain_len == 1 ? "" : "s");
	for (int i = 0; i < nchain; i++) {
		const struct ld_edge *e = &ld_edges[chain[i]];

		sigsafe_printf(&b, "  '%s' held since %s, then '%s' taken at %s, by task %s/%d\n",
			  e->from_name, ld_site(e->from_site), e->to_name, ld_site(e->to_site),
			  e->comm, e->tid);
	}
	if (nchain < chain_len)
		sigsafe_printf(&b, "  ... %d more step%s\n", chain_len - nchain,
			  chain_len - nchain == 1 ? "" : "s");
	sigsafe_puts(&b, "the two orders form a cycle; if they run at the same time:\n");
	sigsafe_printf(&b, "  task 1: lock '%s'              task 2: lock '%s'\n", a, bn);
	sigsafe_printf(&b, "  task 1: lock '%s' -> waits     task 2: lock '%s' -> waits: deadlock\n",
		  bn, a);
	ld_report_end(&b, LOCKDEP_ABBA, t);
}

static __cold __noinline void ld_report_site(enum lockdep_report kind,
					     const struct task_struct *t, const char *site,
					     const char *what)
{
	char text[LOCKDEP_REPORT_MAX];
	struct sigsafe_buf b;

	if (!__lockdep_report_once(kind, site))
		return;
	sigsafe_buf_init(&b, text, sizeof(text));
	ld_report_begin(&b, kind, t);
	sigsafe_printf(&b, "at %s: %s\n", ld_site(site), what);
	ld_report_end(&b, kind, t);
}

static __cold __noinline void ld_report_unlock_order(const struct task_struct *t, int idx,
						     const char *site)
{
	const struct lockdep_task *ld = &t->lockdep;
	const struct held_lock *h = &ld->held[idx], *top = &ld->held[ld->depth - 1];
	char text[LOCKDEP_REPORT_MAX];
	struct sigsafe_buf b;

	if (!__lockdep_report_once(LOCKDEP_UNLOCK_ORDER, site))
		return;
	sigsafe_buf_init(&b, text, sizeof(text));
	ld_report_begin(&b, LOCKDEP_UNLOCK_ORDER, t);
	sigsafe_printf(&b, "task %s/%d releases lock '%s' [%p] at %s\n", t->comm, t->tid,
		  ld_lock_name(h->map, h->class_id), (void *)h->map, ld_site(site));
	sigsafe_printf(&b, "  that lock was acquired at %s\n", ld_site(h->site));
	sigsafe_printf(&b, "  but the last lock taken is '%s' [%p], acquired at %s\n",
		  ld_lock_name(top->map, top->class_id), (void *)top->map, ld_site(top->site));
	sigsafe_puts(&b, "locks must be released in the reverse order of acquisition (the released one "
		    "is forgotten anyway)\n");
	ld_report_end(&b, LOCKDEP_UNLOCK_ORDER, t);
}

static __cold __noinline void ld_report_bad_unlock(const struct task_struct *t,
						   const struct lockdep_map *map, const char *site)
{
	char text[LOCKDEP_REPORT_MAX];
	struct sigsafe_buf b;

	if (!__lockdep_report_once(LOCKDEP_BAD_UNLOCK, site))
		return;
	sigsafe_buf_init(&b, text, sizeof(text));
	ld_report_begin(&b, LOCKDEP_BAD_UNLOCK, t);
	sigsafe_printf(&b, "task %s/%d releases lock '%s' [%p] at %s\n", t->comm, t->tid,
		  ld_lock_name(map, 0), (const void *)map, ld_site(site));
	sigsafe_puts(&b, "but it does not hold it (never taken, already released, or taken by another "
		    "task)\n");
	ld_report_end(&b, LOCKDEP_BAD_UNLOCK, t);
}

void lockdep_report(enum lockdep_report kind, const char *fmt, ...)
{
	struct task_struct *t = current;
	char text[LOCKDEP_REPORT_MAX];
	struct sigsafe_buf b;
	va_list ap;

	if ((unsigned int)kind >= LOCKDEP_NR_REPORTS || t->lockdep.off)
		return;
	t->lockdep.off++;
	barrier();
	sigsafe_buf_init(&b, text, sizeof(text));
	ld_report_begin(&b, kind, t);
	va_start(ap, fmt);
	sigsafe_vprintf(&b, fmt, ap);
	va_end(ap);
	if (b.len && b.s[b.len - 1] != '\n')
		sigsafe_putc(&b, '\n');
	ld_report_end(&b, kind, t);
	barrier();
	t->lockdep.off--;
}

void lockdep_set_report_hook(lockdep_report_fn fn, void *arg)
{
	__atomic_store_n(&ld_hook, NULL, __ATOMIC_RELEASE);
	__atomic_store_n(&ld_hook_arg, arg, __ATOMIC_RELAXED);
	__atomic_store_n(&ld_hook, fn, __ATOMIC_RELEASE);
}

unsigned long lockdep_report_count(enum lockdep_report kind)
{
	if ((unsigned int)kind >= LOCKDEP_NR_REPORTS)
		return 0;
	return __atomic_load_n(&ld_counts[kind], __ATOMIC_RELAXED);
}

unsigned long lockdep_report_total(void)
{
	unsigned long n = 0;

	for (int k = 0; k < LOCKDEP_NR_REPORTS; k++)
		n += __atomic_load_n(&ld_counts[k], __ATOMIC_RELAXED);
	return n;
}

const char *lockdep_report_name(enum lockdep_report kind)
{
	if ((unsigned int)kind >= LOCKDEP_NR_REPORTS)
		return "?";
	return ld_names[kind];
}

/* ---------------------------------------------------------------------------------------------
 * The order graph.
 */

/* Mark every class reachable from @from; ld_parent[] gives the path back. */
static void ld_bfs(int from)
{
	int head = 0, tail = 0;
	uint32_t gen = ++ld_seen_gen;

	if (!gen) { /* wrapped: old marks could look current */
		memset(ld_seen, 0, sizeof(ld_seen));
		gen = ld_seen_gen = 1;
	}
	ld_seen[from] = gen;
	ld_parent[from] = 0;
	ld_queue[tail++] = (uint16_t)from;
	while (head < tail) {
		int c = ld_queue[head++];

		for (int e = ld_classes[c].first_out; e; e = ld_edges[e - 1].next_out) {
			int to = ld_edges[e - 1].to;

			if (ld_seen[to] == gen)
				continue;
			ld_seen[to] = gen;
			ld_parent[to] = (uint16_t)e;
			ld_queue[tail++] = (uint16_t)to;
		}
	}
}

static bool ld_edge_add(const struct task_struct *t, const struct held_lock *h, int to,
			const struct lockdep_map *map, const char *site)
{
	int from = h->class_id;

	if (ld_nr_edges >= LD_MAX_EDGES) {
		ld_warn_once(&ld_warned_edges,
			     "lockdep-lite: order graph full; new lock orders are not checked\n");
		return false;
	}
	int idx = ld_nr_edges++;
	struct ld_edge *e = &ld_edges[idx];

	e->from = (uint16_t)from;
	e->to = (uint16_t)to;
	e->from_site = h->site;
	e->to_site = site;
	e->from_name = ld_lock_name(h->map, from);
	e->to_name = ld_lock_name(map, to);
	e->tid = t->tid;
	memcpy(e->comm, t->comm, sizeof(e->comm));
	e->next_out = ld_classes[from].first_out;
	ld_classes[from].first_out = (uint16_t)(idx + 1);
	__atomic_store_n(&ld_edge_of[from][to], (uint16_t)(idx + 1), __ATOMIC_RELEASE);
	return true;
}

/*
 * Add the edges held -> cls that are new, and look for a path cls -> ... -> held that closes a
 * cycle. Reports the first cycle found (the next acquisitions in this order find the edge and
 * stay quiet, so each inversion is reported once).
 */
static __noinline void ld_graph_update(struct task_struct *t, int cls,
				       const struct lockdep_map *map, const char *site)
{
	struct lockdep_task *ld = &t->lockdep;
	uint16_t chain[LD_MAX_CHAIN];
	int cycle_at = -1, nchain = 0, chain_len = 0;
	bool searched = false;

	if (!ld_graph_lock())
		return; /* NMI found it busy: check this order another time */
	for (int i = 0; i < ld->depth; i++) {
		const struct held_lock *h = &ld->held[i];
		int from = h->class_id;

		if (!from || from == cls || ld_edge_of[from][cls])
			continue;
		if (!searched) {
			ld_bfs(cls);
			searched = true;
		}
		if (cycle_at < 0 && ld_seen[from] == ld_seen_gen) {
			/* Walk back from `from` to cls, then keep the first steps in order. */
			int n = 0;

			for (int c = from; c != cls; c = ld_edges[ld_parent[c] - 1].from)
				ld_path[n++] = (uint16_t)(ld_parent[c] - 1);
			chain_len = n;
			for (int k = 0; k < n && nchain < LD_MAX_CHAIN; k++)
				chain[nchain++] = ld_path[n - 1 - k];
			cycle_at = i;
		}
		if (!ld_edge_add(t, h, cls, map, site))
			break;
	}
	ld_graph_unlock();
	if (cycle_at >= 0)
		ld_report_abba(t, &ld->held[cycle_at], map, cls, site, chain, nchain, chain_len);
}

/* ---------------------------------------------------------------------------------------------
 * The hooks.
 */
void lockdep_init_map(struct lockdep_map *map, const char *name, struct lock_class_key *key)
{
	map->name = name;
	map->key = key;
}

void lock_acquire(struct lockdep_map *map, bool trylock, const char *site)
{
	struct task_struct *t = current;
	struct lockdep_task *ld = &t->lockdep;
	bool new_order = false;
	int cls, depth;

	if (unlikely(ld->off))
		return;
	ld->off++;
	barrier();
	cls = ld_class_of(map);
	depth = ld->depth;
	for (int i = 0; i < depth; i++) {
		const struct held_lock *h = &ld->held[i];

		if (unlikely(h->map == map) && !trylock)
			ld_report_aa(t, h, map, site);
		/* A trylock cannot wait, so it adds no order as the lock taken. */
		if (!trylock && cls && h->class_id && h->class_id != cls &&
		    !__atomic_load_n(&ld_edge_of[h->class_id][cls], __ATOMIC_ACQUIRE))
			new_order = true;
	}
	if (unlikely(new_order))
		ld_graph_update(t, cls, map, site);
	if (likely(depth < LOCKDEP_MAX_HELD)) {
		struct held_lock *h = &ld->held[depth];

		h->map = map;
		h->site = site;
		h->class_id = cls;
		h->trylock = trylock;
		barrier(); /* a handler sees either the old depth or a complete entry */
		ld->depth = depth + 1;
	} else {
		ld->lost++;
		ld_warn_once(&ld_warned_depth, "lockdep-lite: held-lock stack full; deeper locks are "
					       "not checked\n");
	}
	barrier();
	ld->off--;
}

static void ld_held_remove(struct lockdep_task *ld, int i)
{
	for (int k = i; k < ld->depth - 1; k++)
		ld->held[k] = ld->held[k + 1];
	barrier();
	ld->depth--;
}

void lock_acquire_failed(struct lockdep_map *map)
{
	struct task_struct *t = current;
	struct lockdep_task *ld = &t->lockdep;

	if (unlikely(ld->off))
		return;
	ld->off++;
	barrier();
	for (int i = ld->depth - 1; i >= 0; i--) {
		if (ld->held[i].map == map) {
			ld_held_remove(ld, i);
			goto out;
		}
	}
	if (ld->lost > 0)
		ld->lost--;
out:
	barrier();
	ld->off--;
}

void lock_release(struct lockdep_map *map, const char *site)
{
	struct task_struct *t = current;
	struct lockdep_task *ld = &t->lockdep;
	int i;

	if (unlikely(ld->off))
		return;
	ld->off++;
	barrier();
	for (i = ld->depth - 1; i >= 0; i--)
		if (ld->held[i].map == map)
			break;
	if (likely(i == ld->depth - 1 && i >= 0)) {
		barrier();
		ld->depth--;
	} else if (i >= 0) {
		ld_report_unlock_order(t, i, site);
		ld_held_remove(ld, i);
	} else if (ld->lost > 0) {
		ld->lost--; /* most likely one of the acquisitions we could not record */
	} else {
		ld_report_bad_unlock(t, map, site);
	}
	barrier();
	ld->off--;
}

bool lockdep_is_held(const struct lockdep_map *map)
{
	const struct lockdep_task *ld = &current->lockdep;

	for (int i = ld->depth - 1; i >= 0; i--)
		if (ld->held[i].map == map)
			return true;
	return false;
}

void lockdep_assert_in_softirq(const char *site)
{
	struct task_struct *t = current;
	unsigned int pc = READ_ONCE(t->preempt_count);

	if (likely((pc & SOFTIRQ_MASK) && !(pc & (HARDIRQ_MASK | NMI_MASK))))
		return;
	if (t->lockdep.off)
		return;
	t->lockdep.off++;
	barrier();
	ld_report_site(LOCKDEP_NESTED_BH, t, site,
		       (pc & (HARDIRQ_MASK | NMI_MASK))
			       ? "a nested-BH lock is taken in hardirq/NMI context, where the BH "
				 "section it relies on does not protect anything"
			       : "a nested-BH lock is taken outside local_bh_disable(): the per-CPU "
				 "data it guards is not protected against the CPU's softirqs");
	barrier();
	t->lockdep.off--;
}

void lockdep_assert_pinned(const char *site)
{
	struct task_struct *t = current;

	if (likely(bh_task_cannot_migrate(t)) || t->lockdep.off)
		return;
	t->lockdep.off++;
	barrier();
	ld_report_site(LOCKDEP_UNPINNED, t, site,
		       "this_cpu_ptr()/smp_processor_id() by a task that is neither pinned "
		       "(bh_task_pin) nor inside migrate_disable()/local_bh_disable(): it may be "
		       "on another CPU by the time it uses the data");
	barrier();
	t->lockdep.off--;
}

void lockdep_task_exit(void)
{
	struct task_struct *t = current;
	struct lockdep_task *ld = &t->lockdep;

	if (ld->off)
		return;
	ld->off++;
	barrier();
	if (ld->depth > 0) {
		char text[LOCKDEP_REPORT_MAX];
		struct sigsafe_buf b;

		sigsafe_buf_init(&b, text, sizeof(text));
		ld_report_begin(&b, LOCKDEP_HELD_AT_EXIT, t);
		sigsafe_printf(&b, "thread %s/%d ends with %d lock%s held; each stays locked forever:\n",
			  t->comm, t->tid, ld->depth, ld->depth == 1 ? "" : "s");
		for (int i = 0; i < ld->depth; i++)
			sigsafe_printf(&b, "  '%s' [%p] acquired at %s\n",
				  ld_lock_name(ld->held[i].map, ld->held[i].class_id),
				  (void *)ld->held[i].map, ld_site(ld->held[i].site));
		ld_report_end(&b, LOCKDEP_HELD_AT_EXIT, t);
	}
	ld->depth = 0;
	ld->lost = 0;
	barrier();
	ld->off--;
}

void lockdep_reset(void)
{
	struct task_struct *t = current;
	int n;

	t->lockdep.off++;
	barrier();
	ld_graph_lock();
	n = __atomic_load_n(&ld_nr_classes, __ATOMIC_RELAXED);
	if (n >= LOCKDEP_MAX_CLASSES)
		n = LOCKDEP_MAX_CLASSES - 1;
	for (int id = 1; id <= n; id++) {
		struct lock_class_key *key = ld_classes[id].key;
		int expected = id;

		if (key)
			__atomic_compare_exchange_n(&key->id, &expected, 0, false, __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED);
	}
	for (int e = 0; e < ld_nr_edges; e++)
		__atomic_store_n(&ld_edge_of[ld_edges[e].from][ld_edges[e].to], 0,
				 __ATOMIC_RELAXED);
	memset(ld_edges, 0, sizeof(ld_edges[0]) * (size_t)ld_nr_edges);
	ld_nr_edges = 0;
	memset(ld_classes, 0, sizeof(ld_classes));
	memset(ld_addr_map, 0, sizeof(ld_addr_map));
	__atomic_store_n(&ld_nr_classes, 0, __ATOMIC_RELAXED);
	memset(ld_once, 0, sizeof(ld_once));
	for (int k = 0; k < LOCKDEP_NR_REPORTS; k++)
		__atomic_store_n(&ld_counts[k], 0, __ATOMIC_RELAXED);
	ld_warned_classes = ld_warned_edges = ld_warned_depth = 0;
	t->lockdep.depth = 0;
	t->lockdep.lost = 0;
	ld_graph_unlock();
	barrier();
	t->lockdep.off--;
}

#endif /* BHLOCK_DEBUG */
