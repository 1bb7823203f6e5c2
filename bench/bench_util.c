// SPDX-License-Identifier: GPL-2.0-only
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

#define BENCH_MAX_RESULTS 128

struct bench_result {
	const char *group, *name;
	int threads;
	double ns_per_op, ops_per_sec;
};

bool bench_short;
static struct bench_result results[BENCH_MAX_RESULTS];
static int nresults;

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t bench_iters(uint64_t full)
{
	return bench_short ? full / 20 : full;
}

void bench_record(const char *group, const char *name, int threads, double ns_per_op,
		  double ops_per_sec)
{
	if (nresults == BENCH_MAX_RESULTS)
		return;
	results[nresults++] = (struct bench_result){ group, name, threads, ns_per_op, ops_per_sec };
	fprintf(stderr, "  %-12s %-28s %d thr  %8.2f ns/op  %10.0f ops/s\n", group, name, threads,
		ns_per_op, ops_per_sec);
}

static const struct bench_result *bench_find(const char *group, const char *name, int threads)
{
	for (int i = 0; i < nresults; i++)
		if (!strcmp(results[i].group, group) && !strcmp(results[i].name, name) &&
		    results[i].threads == threads)
			return &results[i];
	return NULL;
}

double bench_ns(const char *group, const char *name, int threads)
{
	const struct bench_result *r = bench_find(group, name, threads);

	return r ? r->ns_per_op : NAN;
}

double bench_ops(const char *group, const char *name, int threads)
{
	const struct bench_result *r = bench_find(group, name, threads);

	return r ? r->ops_per_sec : NAN;
}

void bench_print_results_json(FILE *f)
{
	fprintf(f, "  \"results\": [\n");
	for (int i = 0; i < nresults; i++)
		fprintf(f,
			"    {\"group\": \"%s\", \"name\": \"%s\", \"threads\": %d, "
			"\"ns_per_op\": %.3f, \"ops_per_sec\": %.0f}%s\n",
			results[i].group, results[i].name, results[i].threads, results[i].ns_per_op,
			results[i].ops_per_sec, i + 1 < nresults ? "," : "");
	fprintf(f, "  ]");
}

/* Replaced by bench_spin.c when it is built in. */
__attribute__((weak)) void bench_spinlocks(void)
{
	fprintf(stderr, "  (spinlock part not built)\n");
}
