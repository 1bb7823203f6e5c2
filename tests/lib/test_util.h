/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_util.h - helpers shared by the unit and stress tests: time, real-time capability checks,
 * reading a thread's effective priority from /proc, and running a piece of code in a child
 * process to capture what it prints (for reports that end the process).
 */
#ifndef TESTS_TEST_UTIL_H
#define TESTS_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>

uint64_t tu_now_ns(void);
/* Spin (not sleep) for ns nanoseconds of wall time. */
void tu_busy_ns(uint64_t ns);
/* True if this process may use SCHED_FIFO (root or RLIMIT_RTPRIO). */
bool tu_have_rt(void);
/* Field 18 of /proc/self/task/<tid>/stat: -1-rtprio for a real-time thread, 20+nice otherwise. */
int tu_proc_prio(int tid);
/*
 * Run fn(arg) in a forked child with stderr captured into out (NUL-terminated).
 * Return: the child's wait status.
 */
int tu_run_in_child(void (*fn)(void *), void *arg, char *out, size_t outsz);

/*
 * Run a cmocka group once per locking profile, each in a forked child (the profile is chosen
 * once per process). Return: the number of failed children (0 = all passed).
 */
int tu_run_group_per_profile(const char *name, const struct CMUnitTest *tests, size_t n);
#define tu_run_per_profile(name, tests) tu_run_group_per_profile(name, tests, ARRAY_SIZE(tests))
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
/* The profile the current child runs (set by tu_run_group_per_profile). */
extern int tu_profile;

#define TU_SKIP_UNLESS_RT()                                                                        \
	do {                                                                                       \
		if (!tu_have_rt()) {                                                               \
			print_message("skipped: SCHED_FIFO not permitted here\n");                 \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

#endif
