/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * diff.h - what the differential suite's parts share: the corpus, one side's result for one
 * frame, the four ports and the two sides' entry points.
 *
 * A result is what BPF_PROG_TEST_RUN reports (verdict and output bytes, metadata first, as the
 * kernel returns them) plus the frames delivered per port when the frame is received live:
 * port 0 is the ingress veth (XDP_TX and redirects back out of it), ports 1..3 the others.
 */
#ifndef TESTS_DIFFERENTIAL_DIFF_H
#define TESTS_DIFFERENTIAL_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DIFF_NR_PORTS 4
#define DIFF_MAX_FRAME 3000   /* corpus frames: well past the veths' 1500 + 18, in one page */
#define DIFF_CAPTURE_MAX 2048 /* bytes of a delivered frame compared (the sink's copy) */
#define DIFF_MIN_KERNEL 14    /* BPF_PROG_TEST_RUN refuses XDP input shorter than ETH_HLEN */
#define DIFF_OUT_MAX 4096
#define DIFF_MAX_DELIV 8

struct diff_pkt {
	uint32_t len;
	const char *kind; /* what the generator meant it to be */
	uint8_t data[DIFF_MAX_FRAME];
};

/* corpus.c: the deterministic corpus (fixed seed). Return: the number of frames (>= 1000). */
size_t diff_corpus_build(struct diff_pkt **out);

struct diff_deliv {
	int port;
	uint32_t len;
	uint8_t data[DIFF_CAPTURE_MAX];
};

struct diff_result {
	int verdict;                 /* XDP action, or -errno if the run itself was refused */
	uint32_t out_len;
	uint8_t out[DIFF_OUT_MAX];
	int nr_deliv;                /* -1: not run live */
	struct diff_deliv deliv[DIFF_MAX_DELIV];
	bool deliv_overflow;
};

/* The map contents both sides load (the same numbers: kernel ifindexes of the veths). */
struct diff_maps_plan {
	uint32_t ifindex[DIFF_NR_PORTS];
};

#endif /* TESTS_DIFFERENTIAL_DIFF_H */
