// SPDX-License-Identifier: GPL-2.0-only
/*
 * cyclictest.c - the machine's baseline: rt-tests' cyclictest on the measured CPU at the measured
 * priority, run before the experiment, its histogram (-h, 1 µs bins) read into a lat_hist so its
 * percentiles sit beside ours. Overflows (above -h) are entered at cyclictest's reported max.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "lat.h"

int lat_cyclictest_run(int cpu, int prio, uint64_t interval_ns, uint64_t duration_ns,
		       struct lat_hist *h, char *cmdline, size_t cmdlen)
{
	unsigned long long max_us = h->highest / 1000, overflows = 0, max_lat = 0;
	char line[512];
	FILE *f;
	int status;

	if (max_us > 100000)
		max_us = 100000;
	snprintf(cmdline, cmdlen, "cyclictest -m -q -p %d -a %d -i %llu -D %llu -h %llu", prio, cpu,
		 (unsigned long long)(interval_ns / 1000),
		 (unsigned long long)((duration_ns + 999999999ULL) / 1000000000ULL), max_us);
	snprintf(line, sizeof(line), "%s 2>&1", cmdline);
	fflush(NULL);
	f = popen(line, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long us, n;

		if (sscanf(line, "%llu %llu", &us, &n) == 2 && line[0] >= '0' && line[0] <= '9') {
			for (unsigned long long i = 0; i < n; i++)
				lat_hist__record(h, us * 1000);
		} else if (sscanf(line, "# Histogram Overflows: %llu", &overflows) == 1) {
			continue;
		} else if (sscanf(line, "# Max Latencies: %llu", &max_lat) == 1) {
			continue;
		}
	}
	status = pclose(f);
	for (unsigned long long i = 0; i < overflows; i++)
		lat_hist__record(h, max_lat * 1000);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -ECHILD;
	return h->count ? 0 : -ENODATA;
}
