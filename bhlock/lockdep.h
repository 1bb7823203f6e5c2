/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lockdep.h - the lock validator (lockdep-lite) and its hooks.
 *
 * With BHLOCK_DEBUG every lock type of bhlock (rt_mutex, local_lock_t, the BH lock, rqspinlock)
 * calls these hooks. The validator keeps a held-lock stack per task, lock classes (one per
 * struct lock_class_key, or one per lock address for a map without a key) and a global class
 * order graph, and reports:
 *   AA           a task acquires a lock instance it already holds (not for trylocks);
 *   ABBA         acquiring B while holding A when the graph already has a path B -> ... -> A,
 *                even if this run did not deadlock;
 *   NESTED_BH    local_lock_nested_bh() outside a BH-disabled section, or in hardirq/NMI;
 *   UNPINNED     this_cpu_ptr()/smp_processor_id() by a task that can migrate;
 *   HELD_AT_EXIT a thread ends while holding a lock;
 *   UNLOCK_ORDER a lock released that is not the most recently acquired one held;
 *   BAD_UNLOCK   a lock released that the task does not hold;
 *   ALLOC_IN_BH  malloc/calloc/realloc/free in BH, hardirq or NMI context under an RT profile;
 *   VANILLA_BH   two tasks in BH sections on one CPU in the vanilla profile.
 * Each report names both sites (file:line) where there are two, the task (comm/tid), its context
 * counts and the locks it holds. Reports go to stderr with one write(2) each, are counted, and
 * are passed to an optional hook (tests use it to catch them). The report path never allocates
 * and works inside a signal handler.
 *
 * Rate: a report that is due to one call site (AA, NESTED_BH, UNPINNED, UNLOCK_ORDER,
 * BAD_UNLOCK, ALLOC_IN_BH) is made once per site until lockdep_reset(); an ABBA is made once per
 * new edge of the order graph. lockdep_report() (external callers) is never rate-limited.
 *
 * Without BHLOCK_DEBUG all hooks are empty inline functions and struct lockdep_map is empty.
 *
 * Context: any, including NMI (signal handlers). In NMI context the order graph is only updated if
 * its lock can be taken without waiting. The hook runs with the validator off for this task, so
 * locks it takes are not checked (it should be short and must not expect to be called again).
 */
#ifndef BHLOCK_LOCKDEP_H
#define BHLOCK_LOCKDEP_H

#include "compiler.h"

enum lockdep_report {
	LOCKDEP_AA,
	LOCKDEP_ABBA,
	LOCKDEP_NESTED_BH,
	LOCKDEP_UNPINNED,
	LOCKDEP_HELD_AT_EXIT,
	LOCKDEP_UNLOCK_ORDER,
	LOCKDEP_BAD_UNLOCK,
	LOCKDEP_ALLOC_IN_BH,
	LOCKDEP_VANILLA_BH,
	LOCKDEP_NR_REPORTS,
};

/* One static key per lock class, usually hidden in an init macro. */
struct lock_class_key {
	int id; /* class id (1..) once registered, 0 before; written by the validator */
};

#define LOCKDEP_MAX_HELD 48
#define LOCKDEP_MAX_CLASSES 512
/* Largest report, in bytes (one write(2), below PIPE_BUF so reports never interleave). */
#define LOCKDEP_REPORT_MAX 4000

#ifdef BHLOCK_DEBUG
struct lockdep_map {
	const char *name;             /* class name on first registration; may be NULL */
	struct lock_class_key *key;   /* NULL: the map's address is its class */
};

struct held_lock {
	struct lockdep_map *map;
	const char *site; /* file:line of the acquisition */
	int class_id;     /* 0 when untracked (class table full, or a map seen in NMI busy) */
	bool trylock;
};

/* Per-task validator state; lives inside struct task_struct. */
struct lockdep_task {
	int depth;
	struct held_lock held[LOCKDEP_MAX_HELD];
	int lost;              /* acquisitions not recorded because the stack was full */
	int off;               /* >0 while the validator itself runs (no recursion) */
	const char *next_site; /* set by guard() just before a class constructor */
};

/* Name and key of a lock; the class is registered at its first acquisition. */
void lockdep_init_map(struct lockdep_map *map, const char *name, struct lock_class_key *key);
/* Before trying to take the lock (checks AA and ABBA, pushes on the held stack). */
void lock_acquire(struct lockdep_map *map, bool trylock, const char *site);
/* Undo lock_acquire() after a failed trylock or an rqspinlock error. */
void lock_acquire_failed(struct lockdep_map *map);
void lock_release(struct lockdep_map *map, const char *site);
/* True if the calling task holds this lock instance. */
bool lockdep_is_held(const struct lockdep_map *map);
/* Report NESTED_BH unless in a BH-disabled section (or serving softirq) and not in hardirq/NMI. */
void lockdep_assert_in_softirq(const char *site);
/* Report UNPINNED if the calling task can migrate. */
void lockdep_assert_pinned(const char *site);
/* Called by bhlock at thread exit: HELD_AT_EXIT for each lock still held, then forget them. */
void lockdep_task_exit(void);

/*
 * The hook gets every report (kind, the full text as written to stderr); it is called from the
 * reporting context, which may be a signal handler.
 */
typedef void (*lockdep_report_fn)(enum lockdep_report kind, const char *text, void *arg);
void lockdep_set_report_hook(lockdep_report_fn fn, void *arg);
unsigned long lockdep_report_count(enum lockdep_report kind);
unsigned long lockdep_report_total(void);
/*
 * Forget all classes, edges, report counts and rate-limit state, and the caller's held stack
 * (tests only; no lock may be held anywhere else).
 */
void lockdep_reset(void);
/* "AA", "ABBA", ... */
const char *lockdep_report_name(enum lockdep_report kind);
/*
 * Make a report of @kind with a caller-written body. The format supports %s %c %d %i %u %x %p
 * with h/l/ll/z modifiers, '-' and '0' flags, a width and a precision (no floating point).
 */
void lockdep_report(enum lockdep_report kind, const char *fmt, ...) __printf(2, 3);
/*
 * Internal, for bhlock's own checkers (alloc_check.c): true the first time @key (a call site or
 * return address) is seen for @kind since lockdep_reset(), so that a report is made once per site.
 */
bool __lockdep_report_once(enum lockdep_report kind, const void *key);

#define LOCKDEP_ENABLED 1
#else /* !BHLOCK_DEBUG */
struct lockdep_map {
};
struct lockdep_task {
};

static inline void lockdep_init_map(struct lockdep_map *map, const char *name,
				    struct lock_class_key *key)
{
	(void)map, (void)name, (void)key;
}
static inline void lock_acquire(struct lockdep_map *map, bool trylock, const char *site)
{
	(void)map, (void)trylock, (void)site;
}
static inline void lock_acquire_failed(struct lockdep_map *map)
{
	(void)map;
}
static inline void lock_release(struct lockdep_map *map, const char *site)
{
	(void)map, (void)site;
}
static inline void lockdep_assert_in_softirq(const char *site)
{
	(void)site;
}
static inline void lockdep_assert_pinned(const char *site)
{
	(void)site;
}
static inline void lockdep_task_exit(void)
{
}
#define LOCKDEP_ENABLED 0
#endif /* BHLOCK_DEBUG */

#endif /* BHLOCK_LOCKDEP_H */
