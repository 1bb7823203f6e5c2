// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_lockdep.c - the lock validator: every report kind triggered on purpose and caught through
 * the hook, with the file:line of both acquisitions in the text; and the quiet side: correct
 * nesting, trylocks and per-thread locks produce no report.
 *
 * Sites are this file's __FILE__ ":" __LINE__ (BH_THIS_SITE), so each test notes the line of
 * its acquisition statements and looks for "test_lockdep.c:<line>" (not followed by a digit).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"

#if LOCKDEP_ENABLED

/* ---- Catching reports ------------------------------------------------------------------- */
#define MAX_CAUGHT 16

struct caught {
	enum lockdep_report kind;
	char text[LOCKDEP_REPORT_MAX];
};
static struct caught caught[MAX_CAUGHT];
static int nr_caught; /* slots reserved (atomic): the hook may run on any thread or in a handler */

static void catch_report(enum lockdep_report kind, const char *text, void *arg)
{
	int i = __atomic_fetch_add(&nr_caught, 1, __ATOMIC_RELAXED);

	(void)arg;
	if (i >= MAX_CAUGHT)
		return;
	caught[i].kind = kind;
	snprintf(caught[i].text, sizeof(caught[i].text), "%s", text);
}

static int setup(void **state)
{
	(void)state;
	lockdep_reset();
	memset(caught, 0, sizeof(caught));
	nr_caught = 0;
	lockdep_set_report_hook(catch_report, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	lockdep_set_report_hook(NULL, NULL);
	lockdep_reset();
	return 0;
}

/* The one report caught so far, which must be of @kind. */
static const char *only_report(enum lockdep_report kind)
{
	assert_int_equal(__atomic_load_n(&nr_caught, __ATOMIC_ACQUIRE), 1);
	assert_int_equal(caught[0].kind, kind);
	assert_int_equal(lockdep_report_count(kind), 1);
	assert_int_equal(lockdep_report_total(), 1);
	return caught[0].text;
}

/*
 * True if the body of the report in @text names this file at @line (and not at a longer line
 * number). The list of held locks that ends every report does not count: the body itself must
 * name the sites.
 */
static bool has_site(const char *text, int line)
{
	const char *end = strstr(text, "locks held by");
	char needle[64];
	int n = snprintf(needle, sizeof(needle), "test_lockdep.c:%d", line);

	for (const char *p = strstr(text, needle); p && (!end || p < end); p = strstr(p + 1, needle))
		if (p[n] < '0' || p[n] > '9')
			return true;
	return false;
}

#define assert_site(text, line)                                                                    \
	do {                                                                                       \
		if (!has_site((text), (line))) {                                                   \
			print_message("missing site line %d in:\n%s\n", (line), (text));           \
			fail();                                                                    \
		}                                                                                  \
	} while (0)

static void assert_no_reports(void)
{
	if (lockdep_report_total()) {
		print_message("unexpected report:\n%s\n", caught[0].text);
		fail();
	}
	assert_int_equal(nr_caught, 0);
}

/* ---- Locks used below ------------------------------------------------------------------- */
static struct rt_mutex lock_a, lock_b, lock_c;

static void init_abc(void)
{
	rt_mutex_init(&lock_a);
	rt_mutex_init(&lock_b);
	rt_mutex_init(&lock_c);
}

struct ld_pcpu {
	local_lock_t bh_lock; /* protects count */
	int count;
};
static DEFINE_PER_CPU(struct ld_pcpu, ld_pcpu) = { .bh_lock = INIT_LOCAL_LOCK(bh_lock) };
static DEFINE_PER_CPU(int, ld_counter);

/* ---- AA ------------------------------------------------------------------------------- */

/* In a child: the second FUTEX_LOCK_PI of the owner would fail (EDEADLK) and abort. */
static void aa_exit_hook(enum lockdep_report kind, const char *text, void *arg)
{
	(void)text, (void)arg;
	_exit(kind == LOCKDEP_AA ? 42 : 43);
}

static void aa_child(void *arg)
{
	static struct rt_mutex m;
	int first;

	(void)arg;
	current->tid = (int)syscall(SYS_gettid); /* the child's task is a copy of the parent's */
	alarm(20);
	lockdep_reset();
	lockdep_set_report_hook(aa_exit_hook, NULL);
	rt_mutex_init(&m);
	first = __LINE__; rt_mutex_lock(&m);
	dprintf(STDERR_FILENO, "aa-lines %d %d\n", first, __LINE__ + 1);
	rt_mutex_lock(&m);
	_exit(0); /* not reached: the hook exits with 42 */
}

static void test_aa_rt_mutex(void **state)
{
	static char out[16384];
	int first = 0, second = 0;
	const char *p;

	(void)state;
	int status = tu_run_in_child(aa_child, NULL, out, sizeof(out));

	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 42);
	p = strstr(out, "aa-lines ");
	assert_non_null(p);
	assert_int_equal(sscanf(p, "aa-lines %d %d", &first, &second), 2);
	assert_non_null(strstr(out, "lockdep-lite [AA]"));
	assert_site(out, first);
	assert_site(out, second);
	assert_non_null(strstr(out, "&m"));
}

static void test_aa_map(void **state)
{
	static struct lock_class_key key;
	struct lockdep_map map;
	int l1, l2;

	(void)state;
	lockdep_init_map(&map, "aa_map", &key);
	l1 = __LINE__; lock_acquire(&map, false, BH_THIS_SITE);
	/* A trylock of a held lock is no AA: it just fails. */
	lock_acquire(&map, true, BH_THIS_SITE);
	lock_acquire_failed(&map);
	assert_no_reports();
	l2 = __LINE__; lock_acquire(&map, false, BH_THIS_SITE);
	const char *text = only_report(LOCKDEP_AA);

	assert_site(text, l1);
	assert_site(text, l2);
	assert_non_null(strstr(text, "aa_map"));
	lock_release(&map, BH_THIS_SITE);
	lock_release(&map, BH_THIS_SITE);
	assert_false(lockdep_is_held(&map));
	assert_int_equal(lockdep_report_total(), 1);
}

/* ---- ABBA ----------------------------------------------------------------------------- */
static void test_abba_one_thread(void **state)
{
	int la1, lb1, lb2, la2;

	(void)state;
	init_abc();
	la1 = __LINE__; rt_mutex_lock(&lock_a);
	lb1 = __LINE__; rt_mutex_lock(&lock_b);
	rt_mutex_unlock(&lock_b);
	rt_mutex_unlock(&lock_a);
	assert_no_reports();

	lb2 = __LINE__; rt_mutex_lock(&lock_b);
	la2 = __LINE__; rt_mutex_lock(&lock_a); /* no deadlock: nobody else runs */
	rt_mutex_unlock(&lock_a);
	rt_mutex_unlock(&lock_b);

	const char *text = only_report(LOCKDEP_ABBA);

	assert_non_null(strstr(text, "circular"));
	assert_site(text, la1);
	assert_site(text, lb1);
	assert_site(text, lb2);
	assert_site(text, la2);
	assert_non_null(strstr(text, "lock_a"));
	assert_non_null(strstr(text, "lock_b"));

	/* The same inversion again is not reported twice. */
	rt_mutex_lock(&lock_b);
	rt_mutex_lock(&lock_a);
	rt_mutex_unlock(&lock_a);
	rt_mutex_unlock(&lock_b);
	assert_int_equal(lockdep_report_total(), 1);
}

static int abba_t1_la, abba_t1_lb;

static void *abba_thread1(void *arg)
{
	(void)arg;
	bh_task_set_comm("abba-first");
	abba_t1_la = __LINE__; rt_mutex_lock(&lock_a);
	abba_t1_lb = __LINE__; rt_mutex_lock(&lock_b);
	rt_mutex_unlock(&lock_b);
	rt_mutex_unlock(&lock_a);
	return NULL;
}

static int abba_t2_lb, abba_t2_la;

static void *abba_thread2(void *arg)
{
	(void)arg;
	bh_task_set_comm("abba-second");
	abba_t2_lb = __LINE__; rt_mutex_lock(&lock_b);
	abba_t2_la = __LINE__; rt_mutex_lock(&lock_a);
	rt_mutex_unlock(&lock_a);
	rt_mutex_unlock(&lock_b);
	return NULL;
}

static void test_abba_two_threads(void **state)
{
	pthread_t th;

	(void)state;
	init_abc();
	/* One after the other: the run cannot deadlock, the validator still sees the cycle. */
	assert_int_equal(pthread_create(&th, NULL, abba_thread1, NULL), 0);
	pthread_join(th, NULL);
	assert_no_reports();
	assert_int_equal(pthread_create(&th, NULL, abba_thread2, NULL), 0);
	pthread_join(th, NULL);

	const char *text = only_report(LOCKDEP_ABBA);

	assert_site(text, abba_t1_la);
	assert_site(text, abba_t1_lb);
	assert_site(text, abba_t2_lb);
	assert_site(text, abba_t2_la);
	assert_non_null(strstr(text, "abba-first"));  /* who made the old order */
	assert_non_null(strstr(text, "abba-second")); /* who makes the new one */
}

static void test_abba_through_a_chain(void **state)
{
	int la, lb, lb2, lc, lc2, la2;

	(void)state;
	init_abc();
	la = __LINE__; rt_mutex_lock(&lock_a);
	lb = __LINE__; rt_mutex_lock(&lock_b);
	rt_mutex_unlock(&lock_b);
	rt_mutex_unlock(&lock_a);
	lb2 = __LINE__; rt_mutex_lock(&lock_b);
	lc = __LINE__; rt_mutex_lock(&lock_c);
	rt_mutex_unlock(&lock_c);
	rt_mutex_unlock(&lock_b);
	assert_no_reports();
	/* C -> A closes A -> B -> C. */
	lc2 = __LINE__; rt_mutex_lock(&lock_c);
	la2 = __LINE__; rt_mutex_lock(&lock_a);
	rt_mutex_unlock(&lock_a);
	rt_mutex_unlock(&lock_c);

	const char *text = only_report(LOCKDEP_ABBA);

	assert_non_null(strstr(text, "2 steps"));
	assert_site(text, la);
	assert_site(text, lb);
	assert_site(text, lb2);
	assert_site(text, lc);
	assert_site(text, lc2);
	assert_site(text, la2);
}

/* ---- NESTED_BH ------------------------------------------------------------------------ */
static void test_nested_bh_outside_bh(void **state)
{
	int l;

	(void)state;
	migrate_disable(); /* keep UNPINNED out of this test: it is about BH only */
	l = __LINE__; local_lock_nested_bh(&ld_pcpu.bh_lock);
	this_cpu_ptr(&ld_pcpu)->count++;
	local_unlock_nested_bh(&ld_pcpu.bh_lock);
	migrate_enable();

	const char *text = only_report(LOCKDEP_NESTED_BH);

	assert_site(text, l);
	assert_non_null(strstr(text, "outside local_bh_disable()"));
}

static void test_nested_bh_inside_bh_is_quiet(void **state)
{
	(void)state;
	local_bh_disable();
	local_lock_nested_bh(&ld_pcpu.bh_lock);
	this_cpu_ptr(&ld_pcpu)->count++;
	local_unlock_nested_bh(&ld_pcpu.bh_lock);
	scoped_guard(local_lock_nested_bh, &ld_pcpu.bh_lock)
		this_cpu_ptr(&ld_pcpu)->count++;
	local_bh_enable();
	/* Serving softirq counts as BH too. */
	current->preempt_count += SOFTIRQ_OFFSET;
	lockdep_assert_in_softirq(BH_THIS_SITE);
	current->preempt_count -= SOFTIRQ_OFFSET;
	assert_no_reports();
}

static void test_nested_bh_in_hardirq(void **state)
{
	int l;

	(void)state;
	/* BH disabled, but a hardirq came in on top of it: still wrong. */
	current->preempt_count += SOFTIRQ_DISABLE_OFFSET + HARDIRQ_OFFSET;
	l = __LINE__; lockdep_assert_in_softirq(BH_THIS_SITE);
	current->preempt_count -= SOFTIRQ_DISABLE_OFFSET + HARDIRQ_OFFSET;

	const char *text = only_report(LOCKDEP_NESTED_BH);

	assert_site(text, l);
	assert_non_null(strstr(text, "hardirq"));
}

static int nmi_assert_line;

static void nmi_assert_handler(int sig, void *arg)
{
	(void)sig, (void)arg;
	nmi_assert_line = __LINE__; lockdep_assert_in_softirq(BH_THIS_SITE);
}

static void test_nested_bh_in_nmi(void **state)
{
	(void)state;
	assert_int_equal(bh_nmi_register(SIGUSR2, nmi_assert_handler, NULL), 0);
	local_bh_disable();
	raise(SIGUSR2); /* interrupts the BH section: NMI context is never fine */
	local_bh_enable();
	bh_nmi_unregister(SIGUSR2);

	const char *text = only_report(LOCKDEP_NESTED_BH);

	assert_site(text, nmi_assert_line);
	assert_non_null(strstr(text, "NMI"));
}

/* ---- UNPINNED ------------------------------------------------------------------------- */
static void test_unpinned_this_cpu_ptr(void **state)
{
	int l;

	(void)state;
	assert_false(bh_task_cannot_migrate(current));
	l = __LINE__; (*this_cpu_ptr(&ld_counter))++;

	const char *text = only_report(LOCKDEP_UNPINNED);

	assert_site(text, l);
	assert_non_null(strstr(text, "free to migrate"));
}

static void test_pinned_or_migrate_disabled_is_quiet(void **state)
{
	(void)state;
	migrate_disable();
	(*this_cpu_ptr(&ld_counter))++;
	(void)smp_processor_id();
	migrate_enable();
	local_bh_disable();
	(*this_cpu_ptr(&ld_counter))++;
	local_bh_enable();
	assert_no_reports();
}

static void *pinned_thread(void *arg)
{
	(void)arg;
	if (bh_task_pin(0))
		return (void *)1;
	for (int i = 0; i < 100; i++)
		(*this_cpu_ptr(&ld_counter))++;
	(void)smp_processor_id();
	return NULL;
}

static void test_pinned_thread_is_quiet(void **state)
{
	pthread_t th;
	void *ret;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, pinned_thread, NULL), 0);
	pthread_join(th, &ret);
	assert_null(ret);
	assert_no_reports();
}

/* ---- HELD_AT_EXIT --------------------------------------------------------------------- */
static struct rt_mutex exit_lock;
static int exit_line;

static void *exits_holding(void *arg)
{
	(void)arg;
	bh_task_set_comm("leaker");
	exit_line = __LINE__; rt_mutex_lock(&exit_lock);
	return NULL;
}

static void test_held_at_exit(void **state)
{
	pthread_t th;

	(void)state;
	rt_mutex_init(&exit_lock);
	assert_int_equal(pthread_create(&th, NULL, exits_holding, NULL), 0);
	pthread_join(th, NULL);

	const char *text = only_report(LOCKDEP_HELD_AT_EXIT);

	assert_site(text, exit_line);
	assert_non_null(strstr(text, "leaker"));
	assert_non_null(strstr(text, "exit_lock"));
}

/* ---- UNLOCK_ORDER, BAD_UNLOCK --------------------------------------------------------- */
static void test_unlock_order(void **state)
{
	int la, lb, lu;

	(void)state;
	init_abc();
	la = __LINE__; rt_mutex_lock(&lock_a);
	lb = __LINE__; rt_mutex_lock(&lock_b);
	lu = __LINE__; rt_mutex_unlock(&lock_a);
	assert_false(lockdep_is_held(&lock_a.dep_map));
	assert_true(lockdep_is_held(&lock_b.dep_map));
	rt_mutex_unlock(&lock_b); /* the top now: fine */

	const char *text = only_report(LOCKDEP_UNLOCK_ORDER);

	assert_site(text, la);
	assert_site(text, lb);
	assert_site(text, lu);
	assert_int_equal(current->lockdep.depth, 0);
}

static void test_bad_unlock(void **state)
{
	static struct lock_class_key key;
	struct lockdep_map map;
	int l;

	(void)state;
	lockdep_init_map(&map, "never_taken", &key);
	l = __LINE__; lock_release(&map, BH_THIS_SITE);

	const char *text = only_report(LOCKDEP_BAD_UNLOCK);

	assert_site(text, l);
	assert_non_null(strstr(text, "never_taken"));
}

/* ---- External reports and the formatter ----------------------------------------------- */
static void test_external_report_format(void **state)
{
	(void)state;
	lockdep_report(LOCKDEP_VANILLA_BH, "n=%d u=%u x=%#x w=[%5d] l=[%-4s] s=%.3s z=%zu ll=%lld p=%p",
		       -42, 7u, 255u, 12, "ab", "abcdef", (size_t)99, -5LL, (void *)0x1234);

	const char *text = only_report(LOCKDEP_VANILLA_BH);

	assert_non_null(strstr(text, "n=-42 u=7 x=0xff w=[   12] l=[ab  ] s=abc z=99 ll=-5 "
				     "p=0x1234"));
	assert_non_null(strstr(text, "[VANILLA_BH]"));
	assert_string_equal(lockdep_report_name(LOCKDEP_ABBA), "ABBA");
}

/* ---- The quiet side ------------------------------------------------------------------- */
static void test_correct_nesting_is_quiet(void **state)
{
	(void)state;
	init_abc();
	for (int i = 0; i < 1000; i++) {
		rt_mutex_lock(&lock_a);
		rt_mutex_lock(&lock_b);
		assert_true(lockdep_is_held(&lock_a.dep_map));
		assert_true(lockdep_is_held(&lock_b.dep_map));
		rt_mutex_unlock(&lock_b);
		rt_mutex_unlock(&lock_a);
	}
	scoped_guard(rt_mutex, &lock_a) {
		guard(rt_mutex)(&lock_b);
	}
	assert_no_reports();
	assert_int_equal(current->lockdep.depth, 0);
}

static void test_trylock_adds_no_order(void **state)
{
	(void)state;
	init_abc();
	rt_mutex_lock(&lock_a);
	rt_mutex_lock(&lock_b);
	rt_mutex_unlock(&lock_b);
	rt_mutex_unlock(&lock_a);
	/* B then trylock A: cannot deadlock (a trylock does not wait), so no ABBA. */
	rt_mutex_lock(&lock_b);
	assert_true(rt_mutex_trylock(&lock_a));
	rt_mutex_unlock(&lock_a);
	rt_mutex_unlock(&lock_b);
	/* A failing trylock leaves nothing on the stack. */
	rt_mutex_lock(&lock_c);
	assert_int_equal(current->lockdep.depth, 1);
	scoped_cond_guard(rt_mutex_try, fail(), &lock_a) {
		assert_int_equal(current->lockdep.depth, 2);
	}
	rt_mutex_unlock(&lock_c);
	assert_int_equal(current->lockdep.depth, 0);
	assert_no_reports();
}

struct own_locks {
	struct rt_mutex outer, inner;
};

static void *own_locks_thread(void *arg)
{
	struct own_locks *l = arg;

	for (int i = 0; i < 20000; i++) {
		rt_mutex_lock(&l->outer);
		rt_mutex_lock(&l->inner);
		rt_mutex_unlock(&l->inner);
		rt_mutex_unlock(&l->outer);
	}
	return NULL;
}

static void test_per_thread_locks_are_quiet(void **state)
{
	struct own_locks locks[4];
	pthread_t th[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		rt_mutex_init(&locks[i].outer);
		rt_mutex_init(&locks[i].inner);
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, own_locks_thread, &locks[i]), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	assert_no_reports();
}

/* A handler that takes a lock on top of the interrupted task's stack leaves it as it was. */
static struct rt_mutex nmi_lock;
static int nmi_took;

static void nmi_trylock_handler(int sig, void *arg)
{
	(void)sig, (void)arg;
	if (rt_mutex_trylock(&nmi_lock)) {
		nmi_took++;
		rt_mutex_unlock(&nmi_lock);
	}
}

static void test_nmi_on_top_of_held_locks_is_quiet(void **state)
{
	(void)state;
	init_abc();
	rt_mutex_init(&nmi_lock);
	assert_int_equal(bh_nmi_register(SIGUSR2, nmi_trylock_handler, NULL), 0);
	rt_mutex_lock(&lock_a);
	raise(SIGUSR2);
	rt_mutex_unlock(&lock_a);
	bh_nmi_unregister(SIGUSR2);
	assert_int_equal(nmi_took, 1);
	assert_int_equal(current->lockdep.depth, 0);
	assert_no_reports();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_aa_rt_mutex, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aa_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abba_one_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abba_two_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abba_through_a_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_bh_outside_bh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_bh_inside_bh_is_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_bh_in_hardirq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_bh_in_nmi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpinned_this_cpu_ptr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pinned_or_migrate_disabled_is_quiet, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pinned_thread_is_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_at_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlock_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_unlock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_external_report_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_correct_nesting_is_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trylock_adds_no_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_per_thread_locks_are_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nmi_on_top_of_held_locks_is_quiet, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* !LOCKDEP_ENABLED */
int main(void)
{
	printf("lockdep: validator not built (bhlock_debug=false)\n");
	return 77;
}
#endif
