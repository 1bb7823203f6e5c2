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
