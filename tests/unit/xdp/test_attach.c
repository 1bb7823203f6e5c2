// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_attach.c - XDP on a test port in every profile: PASS/DROP/TX/ABORTED each counted per
 * device and acted on (PASS reaches the stack, DROP and ABORTED are drops by reason, TX goes back
 * out of the rx port with the program's changes), the device accounting still adds up; a program
 * replaced under traffic (two programs tagging frames with their id: every frame carries exactly
 * one id, none is lost) and detached under traffic (every frame either dropped by the program or
 * passed after the detach, none lost).
 */
#include "xdp_test.h"
#include "xdp/bpf_interp.h"

static struct sn_netdev *pa;
static int handled, bad_tag, tag_seen[3];

static void rx_handler(struct sn_frame *f)
{
	uint8_t tag = f->data[XT_TAG_OFF];

	if (tag == 1 || tag == 2)
		__atomic_add_fetch(&tag_seen[tag], 1, __ATOMIC_RELAXED);
	else if (tag != 0)
		__atomic_add_fetch(&bad_tag, 1, __ATOMIC_RELAXED);
	sn_dev_drop_frame(f->dev, f, SN_DROP_LOCAL_UNHANDLED);
	__atomic_add_fetch(&handled, 1, __ATOMIC_RELEASE);
}

static int setup(void **state)
{
	(void)state;
	handled = bad_tag = 0;
	memset(tag_seen, 0, sizeof(tag_seen));
	xt_setup_core();
	pa = xt_port("xa0", 0);
	sn_netdev_set_rx_handler(rx_handler);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xt_teardown_core();
	return 0;
}

static void inject_n(struct sn_netdev *d, int n, uint32_t seq0)
{
	uint8_t p[XT_LEN];

	for (int i = 0; i < n; i++) {
		xt_frame(p, seq0 + (uint32_t)i, 0);
		xt_inject(d, p, XT_LEN);
	}
}

static void test_verdicts_counted(void **state)
{
	struct sn_bpf_prog *pass = xt_prog(xt_open("pass.bpf.o"), "xdp_pass", SN_XDP_ENGINE_AUTO);
	struct sn_bpf_prog *drop = xt_prog(xt_open("drop.bpf.o"), "xdp_drop", SN_XDP_ENGINE_AUTO);
	/* Reads the byte at data_end: the interpreter ends it as XDP_ABORTED (fault MEM). */
	struct sn_bpf_prog *abrt = xt_prog(xt_open("faulty.bpf.o"), "oob_read",
					   SN_XDP_ENGINE_INTERP);
	struct sn_bpf_prog *tx = xt_prog(xt_open("tx_swap.bpf.o"), "xdp_tx_swap",
					 SN_XDP_ENGINE_AUTO);
	uint8_t in[XT_LEN], out[XT_LEN + 16];
	struct sn_dev_stats ds;

	(void)state;
	assert_null(sn_xdp_attached(pa));
	assert_int_equal(sn_xdp_detach(pa), -ENOENT);

	assert_int_equal(sn_xdp_attach(pa, pass), 0);
	assert_ptr_equal(sn_xdp_attached(pa), pass);
	inject_n(pa, 10, 0);
	assert_int_equal(xt_wait(&handled, 10, 5000), 0);
	assert_int_equal(XT_STAT(pa, action[XDP_PASS]), 10);

	assert_int_equal(sn_xdp_attach(pa, drop), 0);
	inject_n(pa, 20, 100);
	for (int i = 0; i < 5000 && XT_STAT(pa, action[XDP_DROP]) < 20; i++)
		usleep(1000);
	assert_int_equal(XT_STAT(pa, action[XDP_DROP]), 20);

	assert_int_equal(sn_xdp_attach(pa, abrt), 0);
	inject_n(pa, 5, 200);
	for (int i = 0; i < 5000 && XT_STAT(pa, action[XDP_ABORTED]) < 5; i++)
		usleep(1000);
	assert_int_equal(XT_STAT(pa, action[XDP_ABORTED]), 5);
	assert_int_equal(XT_STAT(pa, faults[SN_BPF_FAULT_MEM]), 5);

	assert_int_equal(sn_xdp_attach(pa, tx), 0);
	xt_frame(in, 777, 0);
	xt_inject(pa, in, XT_LEN);
	assert_int_equal(sn_port_test_wait_tx(pa, 1, 5000), 0);
	assert_int_equal(sn_port_test_take_tx(pa, out, sizeof(out)), XT_LEN);
	assert_memory_equal(out, in + 6, 6);
	assert_memory_equal(out + 6, in, 6);
	assert_memory_equal(out + 12, in + 12, XT_LEN - 12);
	assert_int_equal(XT_STAT(pa, action[XDP_TX]), 1);

	assert_int_equal(XT_STAT(pa, runs), 36);
	assert_int_equal(handled, 10);
	ds = xt_dev_stats(pa);
	assert_int_equal(ds.rx_packets, 36);
	assert_int_equal(ds.drops[SN_DROP_XDP_DROP], 20);
	assert_int_equal(ds.drops[SN_DROP_XDP_ABORTED], 5);
	assert_int_equal(ds.drops[SN_DROP_LOCAL_UNHANDLED], 10);
	assert_int_equal(ds.forwarded, 1);
	assert_int_equal(ds.tx_packets, 1);
	/* rx = forwarded + consumed + rx_drops (consumed: none here) */
	assert_int_equal(ds.rx_packets, ds.forwarded + ds.rx_drops_total);

	assert_int_equal(sn_xdp_detach(pa), 0);
	assert_null(sn_xdp_attached(pa));
	inject_n(pa, 3, 300);
	assert_int_equal(xt_wait(&handled, 13, 5000), 0);
	assert_int_equal(XT_STAT(pa, runs), 36);
	assert_int_equal(xt_validator_reports(), 0);
}

/* ---- replace and detach under traffic ---- */

struct injector {
	struct sn_netdev *dev;
	int n;
	volatile int done;
};

static void *inject_thread(void *arg)
{
	struct injector *in = arg;

	inject_n(in->dev, in->n, 0);
	__atomic_store_n(&in->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_replace_under_traffic(void **state)
{
	struct sn_bpf_object *obj = xt_open("redirect_devmap.bpf.o");
	struct sn_bpf_prog *t1 = xt_prog(obj, "xdp_tag1", SN_XDP_ENGINE_AUTO);
	struct sn_bpf_prog *t2 = xt_prog(obj, "xdp_tag2", SN_XDP_ENGINE_AUTO);
	struct injector in = { .dev = pa, .n = 30000 };
	pthread_t th;
	int swaps = 0;

	(void)state;
	assert_int_equal(sn_xdp_attach(pa, t1), 0);
	assert_int_equal(pthread_create(&th, NULL, inject_thread, &in), 0);
	while (!__atomic_load_n(&in.done, __ATOMIC_ACQUIRE)) {
		assert_int_equal(sn_xdp_attach(pa, (swaps & 1) ? t1 : t2), 0);
		swaps++;
		usleep(200);
	}
	pthread_join(th, NULL);
	assert_int_equal(xt_wait(&handled, in.n, 20000), 0);
	print_message("%d replacements; tag1 %d, tag2 %d\n", swaps, tag_seen[1], tag_seen[2]);
	assert_int_equal(bad_tag, 0);
	assert_int_equal(tag_seen[1] + tag_seen[2], in.n);
	assert_true(swaps > 2);
	assert_int_equal(XT_STAT(pa, runs), in.n);
	assert_int_equal(sn_xdp_detach(pa), 0);
}

static void test_detach_under_traffic(void **state)
{
	struct sn_bpf_prog *drop = xt_prog(xt_open("drop.bpf.o"), "xdp_drop", SN_XDP_ENGINE_AUTO);
	struct injector in = { .dev = pa, .n = 20000 };
	struct sn_dev_stats ds;
	pthread_t th;

	(void)state;
	assert_int_equal(sn_xdp_attach(pa, drop), 0);
	assert_int_equal(pthread_create(&th, NULL, inject_thread, &in), 0);
	usleep(2000);
	assert_int_equal(sn_xdp_detach(pa), 0);
	pthread_join(th, NULL);
	/* The program is gone: everything after reaches the handler. */
	for (int i = 0; i < 20000; i++) {
		ds = xt_dev_stats(pa);
		if (ds.rx_packets >= (uint64_t)in.n && handled + XT_STAT(pa, action[XDP_DROP]) >=
								(uint64_t)in.n)
			break;
		usleep(1000);
	}
	ds = xt_dev_stats(pa);
	print_message("dropped by the program %lu, passed after detach %d\n",
		      (unsigned long)XT_STAT(pa, action[XDP_DROP]), handled);
	assert_int_equal(XT_STAT(pa, action[XDP_DROP]) + (uint64_t)handled, in.n);
	assert_int_equal(ds.rx_packets, in.n);
	assert_int_equal(xt_validator_reports(), 0);
}

static void test_prepare_engine(void **state)
{
	struct sn_bpf_prog p = { .name = "x" };
	struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char err[160];

	(void)state;
	assert_int_equal(sn_bpf_prog_prepare(NULL, SN_XDP_ENGINE_AUTO, err, sizeof(err)), -EINVAL);
	p.insns = insns;
	p.len = 2;
	assert_int_equal(sn_bpf_prog_prepare(&p, SN_XDP_ENGINE_INTERP, err, sizeof(err)), 0);
	assert_int_equal(p.engine, SN_XDP_ENGINE_INTERP);
	/* Not prepared: refused. */
	struct sn_bpf_prog q = { .name = "y" };

	assert_int_equal(sn_xdp_attach(pa, &q), -EINVAL);
	sn_bpf_prog_unprepare(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_verdicts_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_under_traffic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach_under_traffic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_engine, setup, teardown),
	};

	return tu_run_per_profile("xdp_attach", tests);
}
