/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xdp_test_race.h - two tasks of one CPU redirecting into one target at once, the race that
 * test_redirect.c (devmap) and test_cpumap.c (devmap and cpumap) run: an injector thread per
 * source port sends n numbered frames (xt_frame(), the source's number at XT_SRC_OFF); the
 * caller's task takes what the target port transmits and checks each frame: the right length,
 * a known source and sequence number, the parity the program sends there, never twice.
 *
 * Sources: src[0] polls in its IRQ thread (softirq) and src[1] in its own NAPI thread, both on
 * the CPU of their queue: two BH tasks of one CPU, which only the RT profiles have.
 */
#ifndef TESTS_UNIT_XDP_XDP_TEST_RACE_H
#define TESTS_UNIT_XDP_XDP_TEST_RACE_H

#include "xdp_test.h"

struct xt_race {
	/* set by the caller */
	struct sn_netdev *src[2];
	struct sn_netdev *target;
	int n;		 /* frames each injector sends */
	bool even_only;	 /* the program sends only the even sequence numbers to the target */
	int window;	 /* frames the target may owe (sent for it, not taken yet) before the
			  * injectors wait: the target's capture ring must not fill */
	const int *done; /* frames finished elsewhere (e.g. a cpumap's stack), or NULL */
	/* results */
	int got, dup, bad; /* taken off the target: good ones, seen twice, malformed */
	uint64_t nomem;	   /* never a frame: no head at a source port (counted NOMEM_HEAD there) */
	/* private */
	uint8_t *seen;	   /* [2][n] */
	int taken;	   /* frames taken off the target so far */
};

struct xt_race_injector {
	struct xt_race *race;
	struct sn_netdev *dev;
	uint8_t src;
};

/* The race needs two BH tasks on one CPU: skip the test in vanilla (one BH thread per CPU). */
static inline void xt_race_skip_vanilla(void)
{
	if (tu_profile == BH_PROFILE_VANILLA) {
		print_message("vanilla: no second BH task on a CPU; skipped\n");
		skip();
	}
}

static inline void *xt_race_inject(void *arg)
{
	struct xt_race_injector *in = arg;
	struct xt_race *r = in->race;
	int per_frame = r->even_only ? 1 : 2; /* frames the target owes per frame of each source */
	uint8_t p[XT_LEN];

	for (int i = 0; i < r->n; i++) {
		while (per_frame * i - __atomic_load_n(&r->taken, __ATOMIC_ACQUIRE) > r->window)
			usleep(50);
		xt_frame(p, (uint32_t)i, in->src);
		xt_inject(in->dev, p, XT_LEN);
	}
	return NULL;
}

/*
 * Attach @prog to both sources (src[1] made threaded first), run the injectors and take the
 * target's frames until every frame is accounted for (taken, done elsewhere or never a frame) or
 * 60 s passed. The caller checks the results and detaches.
 */
static inline void xt_race_run(struct xt_race *r, struct sn_bpf_prog *prog)
{
	struct xt_race_injector in[2] = { { r, r->src[0], 0 }, { r, r->src[1], 1 } };
	uint64_t deadline = tu_now_ns() + 60ull * 1000000000ull, want = 2ull * (uint64_t)r->n;
	uint8_t out[XT_LEN + 16];
	pthread_t t[2];

	r->got = r->dup = r->bad = 0;
	r->taken = 0;
	r->seen = calloc(2, (size_t)r->n);
	assert_non_null(r->seen);
	assert_int_equal(sn_napi_set_threaded(&r->src[1]->napi[0], true, SCHED_OTHER, 0), 0);
	assert_int_equal(sn_xdp_attach(r->src[0], prog), 0);
	assert_int_equal(sn_xdp_attach(r->src[1], prog), 0);
	for (int k = 0; k < 2; k++)
		assert_int_equal(pthread_create(&t[k], NULL, xt_race_inject, &in[k]), 0);

	while ((uint64_t)r->got + (r->done ? (uint64_t)__atomic_load_n(r->done, __ATOMIC_ACQUIRE) : 0) +
		       xt_nomem(r->src[0], r->src[1]) < want &&
	       tu_now_ns() < deadline) {
		int len = sn_port_test_take_tx(r->target, out, sizeof(out));

		if (len < 0) {
			usleep(100);
			continue;
		}
		uint32_t s = xt_seq(out);
		uint8_t src = out[XT_SRC_OFF];

		if (len != XT_LEN || src > 1 || s >= (uint32_t)r->n || (r->even_only && (s & 1))) {
			r->bad++;
			continue;
		}
		if (r->seen[(size_t)src * (size_t)r->n + s]++)
			r->dup++;
		r->got++;
		__atomic_store_n(&r->taken, r->got, __ATOMIC_RELEASE);
	}
	/* After the deadline the injectors may be waiting for frames that never come: release them. */
	__atomic_store_n(&r->taken, 2 * r->n, __ATOMIC_RELEASE);
	for (int k = 0; k < 2; k++)
		pthread_join(t[k], NULL);
	usleep(20000); /* what the other path (r->done) still had in hand */
	r->nomem = xt_nomem(r->src[0], r->src[1]);
	free(r->seen);
	r->seen = NULL;
}

#endif /* TESTS_UNIT_XDP_XDP_TEST_RACE_H */
