// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_redirect.c - XDP_REDIRECT through devmaps in every profile: port A to port B byte for
 * byte; the devmap bulk queue (one poll of 64 frames is 4 transmissions of 16 and one tx flush
 * on B); broadcast to every port of the map with and without BPF_F_EXCLUDE_INGRESS (clones
 * counted); the fallback action of a lookup miss; redirect errors counted by errno (no such
 * device by ifindex: EINVAL; a devmap entry naming a kernel interface that is no softnetd port:
 * ENOENT; a down target: ENETDOWN); the ifindex rule (net/netdev.h: a test port is known by
 * 0x10000 + its index, a port over a kernel interface by that interface's ifindex only); and two
 * tasks of one CPU (the IRQ thread of one port and the NAPI thread of another) redirecting into
 * the same target at once, with no frame lost or sent twice and the validator silent.
 */
#include <net/if.h>

#include "xdp_test.h"
#include "xdp_test_race.h"

static struct sn_netdev *pa, *pb, *pc, *pd;
static struct sn_map *devmap;
static int handled;

static void rx_handler(struct sn_frame *f)
{
	sn_dev_drop_frame(f->dev, f, SN_DROP_LOCAL_UNHANDLED);
	__atomic_add_fetch(&handled, 1, __ATOMIC_RELEASE);
}

struct cfg {
	uint32_t key, flags, ifindex, pad;
};

static struct sn_bpf_object *obj;

/* The knobs of redirect_devmap.bpf.o. */
static void set_cfg(uint32_t key, uint32_t flags, uint32_t ifindex)
{
	struct cfg c = { .key = key, .flags = flags, .ifindex = ifindex };

	xt_cfg(obj, &c);
}

static void devmap_set(uint32_t key, uint32_t ifindex)
{
	assert_int_equal(sn_map__update_elem(devmap, &key, &ifindex, BPF_ANY), 0);
}

static int setup(void **state)
{
	(void)state;
	handled = 0;
	xt_setup_core();
	pa = xt_port("xa0", 0);
	pb = xt_port("xb0", 0);
	pc = xt_port("xc0", 0);
	pd = xt_port("xd0", 0);
	sn_netdev_set_rx_handler(rx_handler);
	obj = xt_open("redirect_devmap.bpf.o");
	devmap = xt_map(obj, "tx_port");
	set_cfg(0, 0, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xt_teardown_core(); /* closes the objects */
	devmap = NULL;
	return 0;
}

static void test_devmap_a_to_b(void **state)
{
	struct sn_bpf_prog *p = xt_prog(obj, "xdp_redirect_devmap", SN_XDP_ENGINE_AUTO);
	uint8_t in[XT_LEN], out[XT_LEN + 16];
	const int n = 1000;

	(void)state;
	devmap_set(0, sn_dev_xdp_ifindex(pb));
	assert_int_equal(sn_xdp_attach(pa, p), 0);
	for (int i = 0; i < n; i++) {
		xt_frame(in, (uint32_t)i, 0);
		xt_inject(pa, in, XT_LEN);
		if (i % 512 == 511) /* keep B's capture ring from filling */
			while (XT_STAT(pa, devmap_xmit) < (uint64_t)i - 64)
				usleep(100);
	}
	assert_int_equal(sn_port_test_wait_tx(pb, (uint64_t)n, 10000), 0);
	for (int i = 0; i < n; i++) {
		xt_frame(in, (uint32_t)i, 0);
		assert_int_equal(sn_port_test_take_tx(pb, out, sizeof(out)), XT_LEN);
		assert_memory_equal(out, in, XT_LEN);
	}
	assert_int_equal(sn_port_test_take_tx(pa, out, sizeof(out)), -EAGAIN);
	assert_int_equal(XT_STAT(pa, action[XDP_REDIRECT]), n);
	assert_int_equal(XT_STAT(pa, redirect_ok), n);
	assert_int_equal(XT_STAT(pa, devmap_xmit), n);
	assert_true(XT_STAT(pa, devmap_bulks) * DEV_MAP_BULK_SIZE >= (uint64_t)n);
	struct sn_dev_stats a = xt_dev_stats(pa), b = xt_dev_stats(pb);

	assert_int_equal(a.rx_packets, n);
	assert_int_equal(a.forwarded, n);
	assert_int_equal(b.tx_packets, n);
	assert_int_equal(handled, 0);
	assert_int_equal(xt_validator_reports(), 0);
	assert_int_equal(sn_xdp_detach(pa), 0);
}

/* One poll of 64 frames: 4 full bulk queues of 16, one tx flush of B at the end of the poll. */
static void test_devmap_bulk_16(void **state)
{
	struct sn_bpf_prog *p = xt_prog(obj, "xdp_redirect_devmap", SN_XDP_ENGINE_AUTO);
	struct sn_netdev *gen = xt_gen_create("xgen");
	uint8_t in[XT_LEN], out[XT_LEN + 16];
	uint64_t flushes0 = 0, flushes = 0;

	for (unsigned int q = 0; q < pb->nr_txq; q++)
		flushes0 += pb->txq[q].stats.flushes;

	(void)state;
	/*
	 * The poll runs in this task, on a CPU without port queues: in vanilla one thread per CPU
	 * does BH work, and CPU 0's is cpu/0.
	 */
	if (nr_cpu_ids < 2 && tu_profile == BH_PROFILE_VANILLA)
		skip();
	assert_int_equal(bh_task_pin(nr_cpu_ids - 1), 0);
	devmap_set(0, sn_dev_xdp_ifindex(pb));
	assert_int_equal(sn_xdp_attach(gen, p), 0);
	xt_gen_seq = 0;
	xt_gen_run(gen, 64);
	assert_int_equal(XT_STAT(gen, runs), 64);
	assert_int_equal(XT_STAT(gen, devmap_xmit), 64);
	assert_int_equal(XT_STAT(gen, devmap_bulks), 4);
	for (unsigned int q = 0; q < pb->nr_txq; q++)
		flushes += pb->txq[q].stats.flushes;
	/*
	 * B's tx queue is kicked at most twice for the poll: by the core's tx flush after the poll
	 * (the 3 queues sent when they filled) and after the XDP flush (the last one), which the
	 * NAPI core runs after its own tx flush (net/napi.c).
	 */
	assert_true(flushes - flushes0 >= 1 && flushes - flushes0 <= 2);
	for (int i = 0; i < 64; i++) {
		xt_frame(in, (uint32_t)i, 0);
		assert_int_equal(sn_port_test_take_tx(pb, out, sizeof(out)), XT_LEN);
		assert_memory_equal(out, in, XT_LEN);
	}
	/* 20 frames: one full queue flushed on the 17th, the other 4 at the end of the poll. */
	xt_gen_run(gen, 20);
	assert_int_equal(XT_STAT(gen, devmap_bulks), 6);
	assert_int_equal(XT_STAT(gen, devmap_xmit), 84);
	assert_int_equal(xt_validator_reports(), 0);
	assert_int_equal(sn_xdp_detach(gen), 0);
}

static void broadcast(bool exclude)
{
	struct sn_bpf_object *bobj = xt_open("broadcast.bpf.o");
	struct sn_bpf_prog *p = xt_prog(bobj, "xdp_broadcast", SN_XDP_ENGINE_AUTO);
	struct sn_netdev *ports[4] = { pa, pb, pc, pd };
	uint32_t excl = exclude;
	uint8_t in[XT_LEN], out[XT_LEN + 16];
	const int n = 10;

	devmap = xt_map(bobj, "ports");
	for (uint32_t k = 0; k < 4; k++)
		devmap_set(k, sn_dev_xdp_ifindex(ports[k]));
	xt_cfg(bobj, &excl);
	assert_int_equal(sn_xdp_attach(pa, p), 0);
	for (int i = 0; i < n; i++) {
		xt_frame(in, (uint32_t)i, 0);
		xt_inject(pa, in, XT_LEN);
	}
	for (int k = exclude ? 1 : 0; k < 4; k++) {
		assert_int_equal(sn_port_test_wait_tx(ports[k], (uint64_t)n, 5000), 0);
		for (int i = 0; i < n; i++) {
			xt_frame(in, (uint32_t)i, 0);
			assert_int_equal(sn_port_test_take_tx(ports[k], out, sizeof(out)), XT_LEN);
			assert_memory_equal(out, in, XT_LEN);
		}
	}
	usleep(20000);
	for (int k = 0; k < 4; k++)
		assert_int_equal(sn_port_test_take_tx(ports[k], out, sizeof(out)), -EAGAIN);
	struct sn_dev_stats a = xt_dev_stats(pa);

	assert_int_equal(a.rx_packets, n);
	assert_int_equal(a.forwarded, n);
	assert_int_equal(a.fwd_clones, (uint64_t)n * (exclude ? 2 : 3));
	assert_int_equal(XT_STAT(pa, devmap_xmit), (uint64_t)n * (exclude ? 3 : 4));
	assert_int_equal(xt_validator_reports(), 0);
	assert_int_equal(sn_xdp_detach(pa), 0);
}

static void test_broadcast_exclude_ingress(void **state)
{
	(void)state;
	broadcast(true);
}

static void test_broadcast_all(void **state)
{
	(void)state;
	broadcast(false);
}

static void wait_runs(struct sn_netdev *d, uint64_t n)
{
	for (int i = 0; i < 5000 && XT_STAT(d, runs) < n; i++)
		usleep(1000);
	usleep(5000);
	assert_int_equal(XT_STAT(d, runs), n);
}

static void test_errors_and_fallback(void **state)
{
	struct sn_bpf_prog *pm = xt_prog(obj, "xdp_redirect_devmap", SN_XDP_ENGINE_AUTO);
	struct sn_bpf_prog *pi = xt_prog(obj, "xdp_redirect_ifindex", SN_XDP_ENGINE_AUTO);
	uint8_t in[XT_LEN];
	uint64_t runs = 0;
	char name[IF_NAMESIZE];

	(void)state;
	xt_frame(in, 1, 0);
	/* A miss: the fallback action in the low bits of the flags. */
	assert_int_equal(sn_xdp_attach(pa, pm), 0);
	set_cfg(5, XDP_PASS, 0);
	xt_inject(pa, in, XT_LEN);
	assert_int_equal(xt_wait(&handled, 1, 5000), 0);
	wait_runs(pa, runs += 1);
	assert_int_equal(XT_STAT(pa, action[XDP_PASS]), 1);
	set_cfg(5, 0, 0); /* fallback XDP_ABORTED */
	xt_inject(pa, in, XT_LEN);
	wait_runs(pa, runs += 1);
	assert_int_equal(XT_STAT(pa, action[XDP_ABORTED]), 1);
	/* Flags the map type does not allow. */
	set_cfg(5, 1u << 7, 0);
	xt_inject(pa, in, XT_LEN);
	wait_runs(pa, runs += 1);
	assert_int_equal(XT_STAT(pa, action[XDP_ABORTED]), 2);

	/* A down target: ENETDOWN. */
	set_cfg(1, 0, 0);
	devmap_set(1, sn_dev_xdp_ifindex(pb));
	__atomic_store_n(&pb->admin_up, false, __ATOMIC_RELEASE); /* read by the NAPI threads */
	xt_inject(pa, in, XT_LEN);
	wait_runs(pa, runs += 1);
	__atomic_store_n(&pb->admin_up, true, __ATOMIC_RELEASE);
	assert_int_equal(XT_STAT(pa, redirect_err[3]), 1);
	assert_string_equal(sn_xdp_redirect_err_name(3), "ENETDOWN");

	/*
	 * A devmap entry naming a kernel interface that is no softnetd port (the loopback, present
	 * in every namespace): the map takes it, as the kernel's would, and the redirect fails
	 * ENOENT. Then the same ifindex given to port D: now the redirect reaches D, and D's
	 * private ifindex no longer names it.
	 */
	uint32_t lo = if_nametoindex("lo");
	uint32_t d_private = sn_dev_xdp_ifindex(pd);
	uint8_t out[XT_LEN + 16];

	assert_true(lo > 0 && if_indextoname(lo, name));
	assert_null(sn_dev_get_by_ifindex(lo));
	assert_ptr_equal(sn_dev_get_by_ifindex(d_private), pd);
	assert_null(sn_dev_get_by_ifindex((uint32_t)pd->index)); /* the bare index is no ifindex */
	devmap_set(2, lo);
	set_cfg(2, 0, 0);
	xt_inject(pa, in, XT_LEN);
	wait_runs(pa, runs += 1);
	assert_int_equal(XT_STAT(pa, redirect_err[1]), 1);
	assert_string_equal(sn_xdp_redirect_err_name(1), "ENOENT");
	__atomic_store_n(&pd->kernel_ifindex, (int)lo, __ATOMIC_RELAXED); /* read by NAPI threads */
	assert_ptr_equal(sn_dev_get_by_ifindex(lo), pd);
	assert_null(sn_dev_get_by_ifindex(d_private));
	assert_int_equal(sn_dev_xdp_ifindex(pd), lo);
	xt_inject(pa, in, XT_LEN);
	assert_int_equal(sn_port_test_wait_tx(pd, 1, 5000), 0);
	assert_int_equal(sn_port_test_take_tx(pd, out, sizeof(out)), XT_LEN);
	assert_memory_equal(out, in, XT_LEN);
	wait_runs(pa, runs += 1);
	/* A value naming neither a port nor a kernel interface is refused as the kernel does. */
	__atomic_store_n(&pd->kernel_ifindex, 0, __ATOMIC_RELAXED);
	uint32_t k3 = 3, bogus = SN_XDP_IFINDEX_BASE + SN_MAX_DEVS - 1;

	assert_int_equal(sn_map__update_elem(devmap, &k3, &bogus, BPF_ANY), -EINVAL);

	/* bpf_redirect() to an ifindex with no device: EINVAL; a bare softnetd index is none. */
	assert_int_equal(sn_xdp_attach(pa, pi), 0);
	set_cfg(0, 0, (uint32_t)pb->index);
	xt_inject(pa, in, XT_LEN);
	wait_runs(pa, runs += 1);
	assert_int_equal(XT_STAT(pa, redirect_err[2]), 1);
	/* ... and to B: delivered. */
	set_cfg(0, 0, sn_dev_xdp_ifindex(pb));
	xt_inject(pa, in, XT_LEN);
	assert_int_equal(sn_port_test_wait_tx(pb, 1, 5000), 0);

	struct sn_dev_stats a = xt_dev_stats(pa);

	assert_int_equal(a.drops[SN_DROP_XDP_REDIRECT_ERR], 3);
	assert_int_equal(XT_STAT(pa, redirect_ok), 2);
	assert_int_equal(xt_validator_reports(), 0);
	assert_int_equal(sn_xdp_detach(pa), 0);
}

/* ---- two tasks of one CPU: A's IRQ thread and D's NAPI thread, both on CPU 0, into B ---- */

#define RACE_N 20000

static void test_two_tasks_one_cpu(void **state)
{
	struct sn_bpf_prog *p = xt_prog(obj, "xdp_redirect_devmap", SN_XDP_ENGINE_AUTO);
	/* each frame of A and of D is owed to B: at most 1500 in flight */
	struct xt_race r = { .src = { pa, pd }, .target = pb, .n = RACE_N, .window = 1500 };

	(void)state;
	xt_race_skip_vanilla();
	devmap_set(0, sn_dev_xdp_ifindex(pb));
	xt_race_run(&r, p);
	print_message("delivered %d of %d, duplicates %d, bad %d, no frame head at the ports %lu\n",
		      r.got, 2 * RACE_N, r.dup, r.bad, (unsigned long)r.nomem);
	assert_int_equal(r.bad, 0);
	assert_int_equal(r.dup, 0);
	/* Every frame sent once, or never a frame at the port (counted there). */
	assert_int_equal((uint64_t)r.got + r.nomem, 2 * RACE_N);
	assert_int_equal(XT_STAT(pa, devmap_xmit) + XT_STAT(pd, devmap_xmit) + r.nomem, 2 * RACE_N);
	assert_int_equal(xt_validator_reports(), 0);
	assert_int_equal(sn_xdp_detach(pa), 0);
	assert_int_equal(sn_xdp_detach(pd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_devmap_a_to_b, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devmap_bulk_16, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_exclude_ingress, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_and_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_tasks_one_cpu, setup, teardown),
	};

	return tu_run_per_profile("xdp_redirect", tests);
}
