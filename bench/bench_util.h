/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench_util.h - timing and JSON results for the lock benchmark. Each part records results with
 * bench_record(); bench_locks.c prints them and the ratios against the peers measured in the
 * same run.
 */
#ifndef BENCH_BENCH_UTIL_H
#define BENCH_BENCH_UTIL_H

#include <stdbool.h>
#include <stdint.h>

extern bool bench_short; /* --short: fewer iterations (the README demo, CI smoke) */

uint64_t bench_now_ns(void);
/* Record one measurement: ns per operation and, for contended runs, total ops per second. */
void bench_record(const char *group, const char *name, int threads, double ns_per_op,
		  double ops_per_sec);
/* Look up a recorded result; NaN if missing. */
double bench_ns(const char *group, const char *name, int threads);
double bench_ops(const char *group, const char *name, int threads);

/* Iteration counts scaled by bench_short. */
uint64_t bench_iters(uint64_t full);

#include <stdio.h>
void bench_print_results_json(FILE *f);

/* The rqspinlock / pthread spin / ck MCS part (bench_spin.c). */
void bench_spinlocks(void);

#endif
