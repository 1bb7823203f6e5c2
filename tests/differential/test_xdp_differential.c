// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_xdp_differential.c - one XDP object, one set of map contents, the same frames: does
 * softnetd (interpreter, and JIT where librte_bpf accepts the program) do what the kernel does?
 * For each program of xdp/progs/diff_*.bpf.c and each frame of the corpus (corpus.c, fixed
 * seed) it compares the verdict and the output bytes of a test run (BPF_PROG_TEST_RUN in the
 * kernel, the same buffer layout in softnetd) and the frames delivered per port when the frame is
 * received live (veths in a private namespace in the kernel, in-process ports standing for them
 * in softnetd: kern_side.c, sn_side.c). A mismatch prints the program, the engine, the frame's
 * index and kind, and both results.
 *
 * Usage: test_xdp_differential [--only PROG] [--break-verdict] [--verbose]
 *   --break-verdict flips DROP<->PASS in softnetd's test run: the comparison must then report
 *   it; the exit status is inverted (0 only if mismatches were reported and nothing else
 *   failed): the meson test xdp_differential_selfcheck.
 * Exit: 0 all equal, 1 a mismatch or an error, 77 skipped (not root, no veth/XDP support).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diff.h"
#include "kern_side.h"
#include "sn_side.h"

#define MAX_SHOWN 4 /* mismatches printed in full per program and engine */

struct diff_case {
	const char *obj;
	const char *prog;
	int cfg_port;      /* bpf_redirect() target: a port, or -1 (lo), -2 (no such ifindex) */
	uint32_t fallback; /* action of a map miss */
};

static const struct diff_case cases[] = {
	{ "diff_verdicts", "xdp_pass", 0, 0 },
	{ "diff_verdicts", "xdp_drop", 0, 0 },
	{ "diff_verdicts", "xdp_aborted", 0, 0 },
	{ "diff_verdicts", "xdp_tx", 0, 0 },
	{ "diff_redirect", "xdp_redirect_ifindex", 2, 0 },
	{ "diff_redirect", "xdp_redirect_ifindex", -1, 0 },
	{ "diff_redirect", "xdp_redirect_ifindex", -2, 0 },
	{ "diff_redirect", "xdp_redirect_devmap", 0, XDP_PASS },
	{ "diff_redirect", "xdp_redirect_devmap_hash", 0, XDP_DROP },
	{ "diff_redirect", "xdp_redirect_cpumap", 0, XDP_TX },
	{ "diff_redirect", "xdp_broadcast", 0, 0 },
	{ "diff_redirect", "xdp_broadcast_excl", 0, 0 },
	{ "diff_adjust", "xdp_adjust_head", 0, 0 },
	{ "diff_adjust", "xdp_adjust_tail", 0, 0 },
	{ "diff_adjust", "xdp_adjust_meta", 0, 0 },
	{ "diff_fwd", "xdp_fwd", 0, 0 },
	{ "diff_egress", "xdp_redirect_egress", 0, XDP_PASS },
};

static const char *verdict_name(int v)
{
	static const char *const n[] = { "ABORTED", "DROP", "PASS", "TX", "REDIRECT" };
	static char buf[32];

	if (v >= 0 && v <= 4)
		return n[v];
	if (v < 0)
		snprintf(buf, sizeof(buf), "refused(%s)", strerror(-v));
	else
		snprintf(buf, sizeof(buf), "action %d", v);
	return buf;
}

static void hex(const char *what, const uint8_t *p, uint32_t len, uint32_t from)
{
	uint32_t end = from + 48 < len ? from + 48 : len;

	printf("      %s [%u..%u):", what, from, end);
	for (uint32_t i = from; i < end; i++)
		printf(" %02x", p[i]);
	printf("\n");
}

/* Deliveries grouped by port, in arrival order within a port (the only order either keeps). */
static void sort_deliv(struct diff_result *r)
{
	for (int i = 1; i < r->nr_deliv; i++)
		for (int j = i; j > 0 && r->deliv[j - 1].port > r->deliv[j].port; j--) {
			struct diff_deliv t = r->deliv[j];

			r->deliv[j] = r->deliv[j - 1];
			r->deliv[j - 1] = t;
		}
}

static uint32_t first_diff(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	uint32_t i = 0;

	while (i < n && a[i] == b[i])
		i++;
	return i;
}

static uint32_t cap_len(const struct diff_deliv *d)
{
	return d->len < DIFF_CAPTURE_MAX ? d->len : DIFF_CAPTURE_MAX;
}

/* Equal? If not, say why in @why. */
static bool results_equal(struct diff_result *k, struct diff_result *s, char *why, size_t n)
{
	if (k->verdict != s->verdict) {
		snprintf(why, n, "verdict");
		return false;
	}
	if (k->out_len != s->out_len || memcmp(k->out, s->out, k->out_len)) {
		snprintf(why, n, "output bytes");
		return false;
	}
	if (k->nr_deliv < 0)
		return true; /* the kernel would not run it live: nothing more to compare */
	sort_deliv(k);
	sort_deliv(s);
	if (k->deliv_overflow || s->deliv_overflow || k->nr_deliv != s->nr_deliv) {
		snprintf(why, n, "number of delivered frames");
		return false;
	}
	for (int i = 0; i < k->nr_deliv; i++) {
		const struct diff_deliv *a = &k->deliv[i], *b = &s->deliv[i];

		if (a->port != b->port || a->len != b->len ||
		    memcmp(a->data, b->data, cap_len(a))) {
			snprintf(why, n, "delivered frame %d", i);
			return false;
		}
	}
	return true;
}

static void show_result(const char *side, const struct diff_result *r, const struct diff_result *o)
{
	uint32_t d = first_diff(r->out, o->out, r->out_len < o->out_len ? r->out_len : o->out_len);

	printf("    %-9s verdict %s, output %u bytes, delivered %d%s\n", side,
	       verdict_name(r->verdict), r->out_len, r->nr_deliv,
	       r->deliv_overflow ? " (more not kept)" : "");
	if (r->out_len)
		hex("output", r->out, r->out_len, d > 16 ? d - 16 : 0);
	for (int i = 0; i < r->nr_deliv && i < DIFF_MAX_DELIV; i++) {
		const struct diff_deliv *x = &r->deliv[i];
		char what[48];

		snprintf(what, sizeof(what), "port %d: %u bytes", x->port, x->len);
		hex(what, x->data, cap_len(x), 0);
	}
}

struct run_stats {
	unsigned int compared, mismatches, runts;
	unsigned int delivered; /* frames the kernel delivered to a port, compared too */
	unsigned int not_live, not_live_min, not_live_max; /* the kernel refused them live */
};

/* One program under one engine against the kernel's results. Return: 0, 1 mismatch, 2 error. */
static int compare_engine(const struct diff_case *c, const char *obj_path, enum sn_xdp_engine eng,
			  const struct diff_pkt *corpus, size_t n, struct diff_result *kres,
			  const struct diff_maps_plan *plan, uint32_t cfg_ifindex, bool verbose)
{
	const char *ename = eng == SN_XDP_ENGINE_JIT ? "jit" : "interp";
	static struct diff_result sres;
	struct run_stats st = { 0 };
	char err[512] = "";
	struct sside_prog *sp;
	int rc;

	sp = sside_prog_load(obj_path, c->prog, eng, plan, cfg_ifindex, c->fallback, &rc, err,
			     sizeof(err));
	if (!sp) {
		if (eng == SN_XDP_ENGINE_JIT && rc == -EOPNOTSUPP) {
			printf("  %-26s jit     not run: librte_bpf refuses it: %s\n", c->prog, err);
			return 0;
		}
		printf("  %-26s %-7s ERROR: %s\n", c->prog, ename, err);
		return 2;
	}
	for (size_t i = 0; i < n; i++) {
		char why[64];

		sside_run(sp, corpus[i].data, corpus[i].len, &sres);
		if (corpus[i].len < DIFF_MIN_KERNEL) {
			st.runts++;
			continue;
		}
		st.compared++;
		if (kres[i].nr_deliv > 0)
			st.delivered += (unsigned int)kres[i].nr_deliv;
		if (kres[i].nr_deliv < 0) {
			st.not_live++;
			st.not_live_min = st.not_live_min && st.not_live_min < corpus[i].len
						  ? st.not_live_min : corpus[i].len;
			st.not_live_max = st.not_live_max > corpus[i].len ? st.not_live_max
									  : corpus[i].len;
		}
		if (results_equal(&kres[i], &sres, why, sizeof(why)))
			continue;
		if (st.mismatches++ < MAX_SHOWN || verbose) {
			printf("  MISMATCH %s/%s engine %s: frame %zu (%s, %u bytes): %s differs\n",
			       c->obj, c->prog, ename, i, corpus[i].kind, corpus[i].len, why);
			show_result("kernel", &kres[i], &sres);
			show_result("softnetd", &sres, &kres[i]);
		}
	}
	sside_prog_unload(sp);
	printf("  %-26s %-7s %u frames compared (%u deliveries), %u mismatches; %u runts under 14 "
	       "bytes not compared (the kernel refuses them, softnetd ran them)\n",
	       c->prog, ename, st.compared, st.delivered, st.mismatches, st.runts);
	if (st.not_live)
		printf("  %-26s %-7s %u of them refused live by the kernel (%u..%u bytes): test run "
		       "compared, delivery not\n",
		       c->prog, ename, st.not_live, st.not_live_min, st.not_live_max);
	return st.mismatches ? 1 : 0;
}

static uint32_t cfg_target(const struct diff_case *c, const struct diff_maps_plan *plan)
{
	if (c->cfg_port >= 0)
		return plan->ifindex[c->cfg_port];
	return c->cfg_port == -1 ? 1 /* lo */ : 0x7fff0000u;
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	bool verbose = false;
	struct diff_maps_plan plan = { { 0 } };
	struct diff_pkt *corpus = NULL;
	struct diff_result *kres;
	char err[512] = "", path[512];
	int failed = 0, errors = 0, rc;
	size_t n;
	struct timespec t0, t1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--break-verdict"))
			sside_break_verdict = 1;
		else if (!strcmp(argv[i], "--verbose"))
			verbose = true;
		else {
			fprintf(stderr, "usage: %s [--only PROG] [--break-verdict] [--verbose]\n",
				argv[0]);
			return 2;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	n = diff_corpus_build(&corpus);
	kres = calloc(n, sizeof(*kres));
	if (n < 1000 || !kres) {
		fprintf(stderr, "corpus: out of memory\n");
		return 1;
	}
	/* The namespace first: before any thread, so that every thread lives in it. */
	rc = kside_setup(DIFF_SINK_OBJ, &plan, err, sizeof(err));
	if (rc) {
		printf("SKIP: kernel side: %s\n", err);
		return rc == -EPERM || rc == -ENODEV || rc == -EOPNOTSUPP ? 77 : 1;
	}
	rc = sside_setup(&plan, err, sizeof(err));
	if (rc) {
		printf("softnetd side: %s\n", err);
		kside_teardown();
		return 1;
	}
	printf("corpus: %zu frames (seed fixed); ports snxdf0..3 = kernel ifindex %u %u %u %u%s\n", n,
	       plan.ifindex[0], plan.ifindex[1], plan.ifindex[2], plan.ifindex[3],
	       sside_break_verdict ? "; softnetd's DROP/PASS flipped on purpose" : "");
	{
		/* What the corpus holds, by the kind the generator meant. */
		const char *kinds[16] = { 0 };
		unsigned int counts[16] = { 0 }, max_len = 0;

		for (size_t i = 0; i < n; i++) {
			size_t k = 0;

			while (k < 16 && kinds[k] && strcmp(kinds[k], corpus[i].kind))
				k++;
			if (k < 16) {
				kinds[k] = corpus[i].kind;
				counts[k]++;
			}
			max_len = corpus[i].len > max_len ? corpus[i].len : max_len;
		}
		printf("corpus kinds:");
		for (size_t k = 0; k < 16 && kinds[k]; k++)
			printf(" %s %u", kinds[k], counts[k]);
		printf("; longest %u bytes\n", max_len);
	}
	for (size_t ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
		const struct diff_case *c = &cases[ci];
		uint32_t target = cfg_target(c, &plan);
		struct kside_prog *kp;

		if (only && strcmp(only, c->prog))
			continue;
		snprintf(path, sizeof(path), "%s/%s.bpf.o", DIFF_PROGS_DIR, c->obj);
		kp = kside_prog_load(path, c->prog, &plan, target, c->fallback, err, sizeof(err));
		if (!kp) {
			printf("  %-26s kernel  ERROR: %s\n", c->prog, err);
			errors++;
			continue;
		}
		printf("%s/%s (redirect target %u, fallback %s):\n", c->obj, c->prog, target,
		       verdict_name((int)c->fallback));
		for (size_t i = 0; i < n && !rc; i++) {
			rc = kside_run(kp, corpus[i].data, corpus[i].len, &kres[i], err, sizeof(err));
			if (!rc && corpus[i].len < DIFF_MIN_KERNEL && kres[i].verdict >= 0) {
				snprintf(err, sizeof(err), "the kernel ran a %u-byte frame", corpus[i].len);
				rc = -EINVAL;
			}
			if (rc)
				printf("  %-26s kernel  ERROR at frame %zu: %s\n", c->prog, i, err);
		}
		kside_prog_unload(kp);
		if (rc) {
			errors++;
			rc = 0;
			continue;
		}
		for (int e = 0; e < 2; e++) {
			int r = compare_engine(c, path, e ? SN_XDP_ENGINE_JIT : SN_XDP_ENGINE_INTERP,
					       corpus, n, kres, &plan, target, verbose);

			failed += r == 1;
			errors += r == 2;
		}
	}
	sside_teardown();
	kside_teardown();
	free(kres);
	free(corpus);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	if (sside_break_verdict) {
		/* The self-check passes only if the planted difference was reported, and nothing else broke. */
		printf("SELFCHECK %s: %d program/engine pairs reported the flipped verdict, %d errors, "
		       "%.1f s\n", failed && !errors ? "PASS" : "FAIL", failed, errors, secs);
		return failed && !errors ? 0 : 1;
	}
	printf("%s: %d mismatching program/engine pairs, %d errors, %.1f s\n",
	       failed || errors ? "FAIL" : "PASS", failed, errors, secs);
	return failed || errors ? 1 : 0;
}
