// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "test_util.h"
#include "bhlock/profile.h"

uint64_t tu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void tu_busy_ns(uint64_t ns)
{
	uint64_t end = tu_now_ns() + ns;

	while (tu_now_ns() < end)
		;
}

bool tu_have_rt(void)
{
	struct sched_param sp = { .sched_priority = 1 }, old;
	int pol = sched_getscheduler(0);

	if (sched_getparam(0, &old))
		return false;
	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		return false;
	sched_setscheduler(0, pol, &old);
	return true;
}

int tu_proc_prio(int tid)
{
	char path[64], buf[1024];
	int fd, n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1000;
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1000;
	buf[n] = '\0';
	/* The name (field 2) may contain spaces: count fields after the last ')'. */
	char *p = strrchr(buf, ')');

	if (!p)
		return -1000;
	p += 2; /* field 3 */
	for (int field = 3; field < 18; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -1000;
		p++;
	}
	return atoi(p);
}

int tu_run_in_child(void (*fn)(void *), void *arg, char *out, size_t outsz)
{
	int pipefd[2], status = 0;
	size_t len = 0;

	if (pipe(pipefd))
		return -1;
	fflush(NULL);
	pid_t pid = fork();

	if (pid == 0) {
		close(pipefd[0]);
		dup2(pipefd[1], STDERR_FILENO);
		fn(arg);
		fflush(NULL);
		_exit(0);
	}
	close(pipefd[1]);
	for (;;) {
		ssize_t n = read(pipefd[0], out + len, outsz - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == outsz - 1)
			break;
	}
	out[len] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return status;
}

int tu_profile = -1;

int tu_run_group_per_profile(const char *name, const struct CMUnitTest *tests, size_t n)
{
	static const enum bh_profile profiles[] = {
		BH_PROFILE_VANILLA, BH_PROFILE_RT_BHLOCK, BH_PROFILE_RT_NESTED,
	};
	int failed = 0;

	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		char group[128];
		int status;

		snprintf(group, sizeof(group), "%s [%s]", name, bh_profile_name(profiles[i]));
		fflush(NULL);
		pid_t pid = fork();

		if (pid == 0) {
			tu_profile = (int)profiles[i];
			if (bh_profile_set(profiles[i]))
				_exit(99);
			_exit(_cmocka_run_group_tests(group, tests, n, NULL, NULL) ? 1 : 0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			fprintf(stderr, "%s: child failed (status %#x)\n", group, status);
			failed++;
		}
	}
	return failed;
}
