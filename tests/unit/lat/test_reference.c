// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_reference.c - the short form of the reference experiment (tools/lat/experiments/
 * reference-short.yaml; docs/latency.md), each profile in its own process, with wide margins:
 *
 *   - the low-priority NET_RX section is at least 5 ms (well above this machine's ~1 ms noise);
 *   - rt-nested p99 of the high handler (interrupt -> end of its BLOCK softirq) is at most 1/5
 *     of rt-bhlock's;
 *   - the rt-nested trace holds the talk's second trace: the high handler's BLOCK softirq_entry
 *     and softirq_exit, by the high thread, on the CPU, between NET_RX's softirq_entry and
 *     softirq_exit by the low thread;
 *   - the rt-bhlock trace never does (the BH lock serialises them) and shows the lock_block and
 *     the PI boost of the NET_RX thread instead (the talk's first trace);
 *   - vanilla has the BH-lock shape (both are served by cpu/N).
 *
 * Exit 77 (skip) only if SCHED_FIFO is not permitted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/test_util.h"
#include "lat.h"
#include "bhlock/percpu.h"

static int failures;
#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

int main(int argc, char **argv)
{
	static struct lat_experiment x;
	struct lat_result r[3];
	const enum bh_profile profiles[3] = { BH_PROFILE_VANILLA, BH_PROFILE_RT_BHLOCK,
					      BH_PROFILE_RT_NESTED };
	struct lat_run_opts o = { .trace = true };
	char err[512];
	const struct lat_load *section = NULL;

	if (argc != 2) {
		fprintf(stderr, "usage: %s reference-short.yaml\n", argv[0]);
		return 2;
	}
	if (!tu_have_rt()) {
		printf("skipped: SCHED_FIFO not permitted here\n");
		return 77;
	}
	if (lat_experiment__load(argv[1], &x, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	/* One CPU for both handlers; on a one-CPU machine that is CPU 0. */
	for (int i = 0; i < x.nr_threads; i++)
		if (x.threads[i].cpu >= nr_cpu_ids)
			x.threads[i].cpu = nr_cpu_ids - 1;
	for (int i = 0; i < x.nr_loads; i++)
		if (!x.loads[i].measured)
			section = &x.loads[i];
	CHECK(section && section->length_ns >= 5000000, "the NET_RX section must be >= 5 ms");
	if (!section)
		return 1;

	for (int i = 0; i < 3; i++) {
		int e = lat_run_profile_forked(&x, profiles[i], &o, &r[i]);

		CHECK(!e, "profile %s: %s", bh_profile_name(profiles[i]), strerror(-e));
		if (e)
			return 1;
		CHECK(r[i].samples >= 100, "%s: only %lu samples", bh_profile_name(profiles[i]),
		      r[i].samples);
	}
	lat_report_text(stdout, &x, r, 3, NULL, "");

	uint64_t p99_v = lat_hist__percentile(r[0].hist, 99);
	uint64_t p99_b = lat_hist__percentile(r[1].hist, 99);
	uint64_t p99_n = lat_hist__percentile(r[2].hist, 99);

	printf("p99: vanilla %.1f µs, rt-bhlock %.1f µs, rt-nested %.1f µs (ratio 1/%.1f)\n",
	       p99_v / 1e3, p99_b / 1e3, p99_n / 1e3, p99_n ? (double)p99_b / p99_n : 0.0);
	CHECK(p99_n * 5 <= p99_b, "rt-nested p99 %.1f µs is not <= 1/5 of rt-bhlock's %.1f µs",
	      p99_n / 1e3, p99_b / 1e3);
	/* The BH-lock shape: the tail is the rest of the section (more than half of it). */
	CHECK(p99_b >= section->length_ns / 2, "rt-bhlock p99 %.1f µs", p99_b / 1e3);
	CHECK(p99_v >= section->length_ns / 2, "vanilla p99 %.1f µs", p99_v / 1e3);

	/* The talk's second trace in rt-nested; never in rt-bhlock, which shows its first. */
	printf("\nrt-nested trace: %ld events, %ld BLOCK runs inside NET_RX; first one:\n%s\n",
	       r[2].trace.events, r[2].trace.nested_runs, r[2].trace.excerpt);
	CHECK(r[2].trace.nested_runs >= 1, "no BLOCK softirq inside NET_RX in the rt-nested trace");
	CHECK(r[2].trace.lock_blocks == 0, "rt-nested: %ld lock blocks without a shared lock",
	      r[2].trace.lock_blocks);
	printf("rt-bhlock trace: %ld events, %ld lock blocks, %ld PI boosts; first block:\n%s\n",
	       r[1].trace.events, r[1].trace.lock_blocks, r[1].trace.pi_boosts, r[1].trace.excerpt);
	CHECK(r[1].trace.nested_runs == 0, "rt-bhlock: BLOCK ran inside NET_RX %ld times",
	      r[1].trace.nested_runs);
	CHECK(r[1].trace.lock_blocks >= 1 && r[1].trace.pi_boosts >= 1,
	      "rt-bhlock: no lock_block/PI boost in the trace");
	CHECK(r[0].trace.nested_runs == 0, "vanilla: BLOCK ran inside NET_RX");

	for (int i = 0; i < 3; i++)
		lat_result__fini(&r[i]);
	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
