// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_cleanup.c - guards release on every way out of a scope: fall-through, return, break,
 * continue, goto out of the scope; destructors run in reverse order; conditional guards skip the
 * body when the lock is not taken.
 */
#include <string.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"

struct tlock {
	int held;
	int depth;
	char log[64];
	bool busy; /* makes the trylock fail */
};

static void tl_lock(struct tlock *l, char id)
{
	l->held++;
	l->depth++;
	strncat(l->log, (char[]){ '+', id, 0 }, sizeof(l->log) - strlen(l->log) - 1);
}

static void tl_unlock(struct tlock *l, char id)
{
	l->held--;
	strncat(l->log, (char[]){ '-', id, 0 }, sizeof(l->log) - strlen(l->log) - 1);
}

static bool tl_trylock(struct tlock *l, char id)
{
	if (l->busy)
		return false;
	tl_lock(l, id);
	return true;
}

static struct tlock L;
static struct tlock *const A = &L;

DEFINE_GUARD(tla, struct tlock *, tl_lock(_T, 'a'), tl_unlock(_T, 'a'));
DEFINE_GUARD(tlb, struct tlock *, tl_lock(_T, 'b'), tl_unlock(_T, 'b'));
DEFINE_GUARD_COND(tla, _try, tl_trylock(_T, 'a'));

static int setup(void **state)
{
	(void)state;
	memset(&L, 0, sizeof(L));
	return 0;
}

static int early_return(int x)
{
	guard(tla)(A);
	if (x)
		return 1;
	guard(tlb)(A);
	return 2;
}

static void test_return_paths(void **state)
{
	(void)state;
	assert_int_equal(early_return(1), 1);
	assert_int_equal(L.held, 0);
	assert_int_equal(early_return(0), 2);
	assert_int_equal(L.held, 0);
	/* Reverse order of declaration. */
	assert_string_equal(L.log, "+a-a+a+b-b-a");
}

static void test_break_continue_goto(void **state)
{
	(void)state;
	for (int i = 0; i < 4; i++) {
		guard(tla)(A);
		if (i == 1)
			continue;
		if (i == 2)
			break;
	}
	assert_int_equal(L.held, 0);
	assert_int_equal(L.depth, 3);

	for (int i = 0; i < 3; i++) {
		scoped_guard(tlb, A) {
			if (i == 1)
				goto out;
		}
	}
out:
	assert_int_equal(L.held, 0);

	int n = 0;

	scoped_guard(tla, A) {
		n++;
		assert_int_equal(L.held, 1);
	}
	assert_int_equal(n, 1);
	assert_int_equal(L.held, 0);
}

static void test_conditional_guards(void **state)
{
	(void)state;
	int ran = 0, failed = 0;

	L.busy = true;
	scoped_guard(tla_try, A)
		ran++;
	assert_int_equal(ran, 0);
	scoped_cond_guard(tla_try, failed++, A)
		ran++;
	assert_int_equal(failed, 1);
	assert_int_equal(L.held, 0);
	L.busy = false;
	scoped_guard(tla_try, A) {
		ran++;
		assert_int_equal(L.held, 1);
	}
	assert_int_equal(ran, 1);
	assert_int_equal(L.held, 0);
	assert_string_equal(L.log, "+a-a"); /* failed attempts neither lock nor unlock */
}

static int rt_guarded(struct rt_mutex *m, int x)
{
	guard(rt_mutex)(m);
	if (x < 0)
		return -1;
	return rt_mutex_owner(m) == current->tid;
}

static void test_rt_mutex_guard(void **state)
{
	(void)state;
	struct rt_mutex m = RT_MUTEX_INITIALIZER;

	assert_int_equal(rt_guarded(&m, 1), 1);
	assert_false(rt_mutex_is_locked(&m));
	assert_int_equal(rt_guarded(&m, -1), -1);
	assert_false(rt_mutex_is_locked(&m));
	assert_true(rt_mutex_trylock(&m));
	scoped_guard(rt_mutex_try, &m)
		fail(); /* held: the body must not run */
	rt_mutex_unlock(&m);
	scoped_guard(rt_mutex_try, &m)
		assert_int_equal(rt_mutex_owner(&m), current->tid);
	assert_false(rt_mutex_is_locked(&m));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_return_paths, setup),
		cmocka_unit_test_setup(test_break_continue_goto, setup),
		cmocka_unit_test_setup(test_conditional_guards, setup),
		cmocka_unit_test_setup(test_rt_mutex_guard, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
