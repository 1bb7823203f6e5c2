// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_alloc_check.c - the allocation checker, once per profile (each in its own child): in the
 * RT profiles malloc/calloc/realloc/free in a BH section, in a softirq action, in hardirq and in
 * the NMI-like signal handler are reported (once per caller); outside BH they are not; in the
 * vanilla profile nothing is reported.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"

#if LOCKDEP_ENABLED

#define MAX_CAUGHT 8

static char caught_text[MAX_CAUGHT][LOCKDEP_REPORT_MAX];
static int nr_caught;

static void catch_report(enum lockdep_report kind, const char *text, void *arg)
{
	int i = __atomic_fetch_add(&nr_caught, 1, __ATOMIC_RELAXED);

	(void)arg;
	if (kind != LOCKDEP_ALLOC_IN_BH) {
		/* Anything else is a bug in this test or in bhlock: keep it for the message. */
		(void)!write(2, text, strlen(text));
	}
	if (i < MAX_CAUGHT)
		snprintf(caught_text[i], sizeof(caught_text[i]), "%s", text);
}

static int setup(void **state)
{
	(void)state;
	lockdep_reset();
	nr_caught = 0;
	memset(caught_text, 0, sizeof(caught_text));
	lockdep_set_report_hook(catch_report, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	lockdep_set_report_hook(NULL, NULL);
	return 0;
}

static bool rt(void)
{
	return tu_profile != BH_PROFILE_VANILLA;
}

/* Keeps the compiler from folding malloc/free pairs away. */
static void *volatile sink;

static void assert_alloc_reports(unsigned long n)
{
	if (lockdep_report_count(LOCKDEP_ALLOC_IN_BH) != n) {
		print_message("expected %lu ALLOC_IN_BH reports, got %lu; first:\n%s\n", n,
			      lockdep_report_count(LOCKDEP_ALLOC_IN_BH), caught_text[0]);
		fail();
	}
	assert_int_equal(lockdep_report_total(), n);
}

static void test_malloc_in_bh(void **state)
{
	(void)state;
	local_bh_disable();
	sink = malloc(48);
	local_bh_enable();
	free(sink);
	if (!rt()) {
		assert_alloc_reports(0);
		return;
	}
	assert_alloc_reports(1);
	assert_non_null(strstr(caught_text[0], "[ALLOC_IN_BH]"));
	assert_non_null(strstr(caught_text[0], "malloc(48)"));
	assert_non_null(strstr(caught_text[0], "BH-disabled context"));
	assert_non_null(strstr(caught_text[0], bh_profile_name((enum bh_profile)tu_profile)));
	/* The caller is resolved to this program (no exported symbol: object + offset). */
	const char *call = strstr(caught_text[0], "call at ");

	assert_non_null(call);
	const char *eol = strchr(call, '\n');
	const char *obj = strstr(call, program_invocation_short_name);

	assert_non_null(obj);
	assert_true(eol && obj < eol);
}

static void test_each_function_in_bh(void **state)
{
	void *p;

	(void)state;
	local_bh_disable();
	p = calloc(4, 8);
	p = realloc(p, 64);
	free(p);
	free(NULL); /* does nothing: fine anywhere */
	local_bh_enable();
	if (!rt()) {
		assert_alloc_reports(0);
		return;
	}
	assert_alloc_reports(3);
	assert_non_null(strstr(caught_text[0], "calloc(4, 8)"));
	assert_non_null(strstr(caught_text[1], "realloc("));
	assert_non_null(strstr(caught_text[2], "free("));
}

static void test_outside_bh_is_quiet(void **state)
{
	(void)state;
	for (int i = 0; i < 100; i++) {
		sink = malloc((size_t)i + 1);
		sink = realloc(sink, 256);
		free(sink);
		sink = calloc(1, 16);
		free(sink);
	}
	migrate_disable(); /* pinned but not in BH: allowed */
	sink = malloc(8);
	free(sink);
	migrate_enable();
	assert_alloc_reports(0);
}

static void test_once_per_caller(void **state)
{
	(void)state;
	local_bh_disable();
	for (int i = 0; i < 50; i++) {
		sink = malloc(16);
		free(sink);
	}
	local_bh_enable();
	/* One report for the malloc call site and one for the free call site. */
	assert_alloc_reports(rt() ? 2 : 0);
}

static void test_in_hardirq(void **state)
{
	(void)state;
	current->preempt_count += HARDIRQ_OFFSET;
	sink = malloc(24);
	current->preempt_count -= HARDIRQ_OFFSET;
	free(sink);
	assert_alloc_reports(rt() ? 1 : 0);
	if (rt())
		assert_non_null(strstr(caught_text[0], "hardirq context"));
}

static void nmi_alloc(int sig, void *arg)
{
	(void)sig, (void)arg;
	sink = malloc(32);
}

static void test_in_nmi(void **state)
{
	(void)state;
	assert_int_equal(bh_nmi_register(SIGUSR1, nmi_alloc, NULL), 0);
	raise(SIGUSR1); /* delivered before raise() returns, outside malloc */
	bh_nmi_unregister(SIGUSR1);
	free(sink);
	assert_alloc_reports(rt() ? 1 : 0);
	if (rt())
		assert_non_null(strstr(caught_text[0], "NMI"));
}

static int action_ran;

static void net_rx_allocates(void)
{
	action_ran++;
	sink = malloc(64);
	free(sink);
}

static void test_in_softirq_action(void **state)
{
	(void)state;
	open_softirq(NET_RX_SOFTIRQ, net_rx_allocates);
	action_ran = 0;
	local_bh_disable();
	raise_softirq(NET_RX_SOFTIRQ);
	local_bh_enable(); /* runs NET_RX here, in this task */
	assert_int_equal(action_ran, 1);
	assert_alloc_reports(rt() ? 2 : 0);
	if (rt())
		assert_non_null(strstr(caught_text[0], "serving-softirq"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_malloc_in_bh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_function_in_bh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outside_bh_is_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_once_per_caller, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_hardirq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_nmi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_softirq_action, setup, teardown),
	};

	return tu_run_per_profile("alloc_check", tests);
}

#else /* !LOCKDEP_ENABLED */
int main(void)
{
	printf("alloc_check: not built (bhlock_debug=false)\n");
	return 77;
}
#endif
