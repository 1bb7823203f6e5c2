// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_map_prog.c - programs in devmap and cpumap entries (xdp/xdp_map_prog.h), end to end:
 * - the loader records SEC("xdp/devmap") / SEC("xdp/cpumap") as BPF_XDP_DEVMAP / BPF_XDP_CPUMAP
 *   and such a program cannot be attached to a device (-EINVAL, as dev_xdp_attach());
 * - a value's bpf_prog.fd carries a softnetd program id: a program of the right type is
 *   accepted and its id read back; a wrong type or an unknown id is refused with the kernel's
 *   code (devmap -EINVAL, cpumap -ENOMEM) and changes nothing; each entry holds one reference,
 *   dropped by replace, delete and map free;
 * - a held program survives unprepare, and its object survives close (parked) while a map of
 *   another object holds it, still running; freed once the entry is gone;
 * - on redirect the devmap egress program runs with egress_ifindex/ingress_ifindex (rewrites the
 *   source MAC), and its DROP / REDIRECT / TX verdicts drop, counted by reason; the cpumap
 *   program runs on the entry's thread before the stack, its DROP and TX counted likewise.
 */
#include "xdp_test.h"
#include "xdp/xdp_internal.h"
#include "xdp/xdp_map_prog.h"

static struct sn_netdev *pa, *pb;
static struct sn_bpf_object *obj;
static uint32_t g_cpu;
static int handled, wrong_thread, bad_tag;
static uint8_t want_tag;

struct cfg {
	uint32_t key, cpu;
};

/* The stack: frames the cpumap thread passed on. */
static void rx_handler(struct sn_frame *f)
{
	char want[TASK_COMM_LEN];

	snprintf(want, sizeof(want), "cpumap/%u/map:", g_cpu);
	if (strncmp(current->comm, want, strlen(want)) != 0)
		__atomic_add_fetch(&wrong_thread, 1, __ATOMIC_RELAXED);
	if (f->len <= XT_TAG_OFF || f->data[XT_TAG_OFF] != want_tag)
		__atomic_add_fetch(&bad_tag, 1, __ATOMIC_RELAXED);
	sn_dev_drop_frame(f->dev, f, SN_DROP_LOCAL_UNHANDLED);
	__atomic_add_fetch(&handled, 1, __ATOMIC_RELEASE);
}

static int setup(void **state)
{
	(void)state;
	handled = wrong_thread = bad_tag = 0;
	xt_setup_core();
	g_cpu = (uint32_t)(nr_cpu_ids - 1);
	pa = xt_port("xa0", 0);
	pb = xt_port("xb0", 0);
	sn_netdev_set_rx_handler(rx_handler);
	obj = xt_open("map_prog.bpf.o");
	struct cfg c = { .key = 0, .cpu = g_cpu };

	xt_cfg(obj, &c);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xt_teardown_core();
	return 0;
}

static uint32_t prog_id(struct sn_bpf_object *o, const char *name)
{
	uint32_t id = sn_xdp_prog_id(xt_prog(o, name, SN_XDP_ENGINE_AUTO));

	assert_true(id > 0);
	return id;
}

static int dev_upd(struct sn_map *m, uint32_t key, uint32_t ifindex, int fd)
{
	struct bpf_devmap_val v = { .ifindex = ifindex };

	v.bpf_prog.fd = fd;
	return sn_map__update_elem(m, &key, &v, BPF_ANY);
}

static int cpu_upd(struct sn_map *m, uint32_t key, uint32_t qsize, int fd)
{
	struct bpf_cpumap_val v = { .qsize = qsize };

	v.bpf_prog.fd = fd;
	return sn_map__update_elem(m, &key, &v, BPF_ANY);
}

static void test_attach_types(void **state)
{
	(void)state;
	assert_int_equal(sn_bpf_object_find_prog(obj, "xdp_to_devmap")->expected_attach_type,
			 BPF_XDP);
	assert_int_equal(sn_bpf_object_find_prog(obj, "xdp_egress")->expected_attach_type,
			 BPF_XDP_DEVMAP);
	assert_int_equal(sn_bpf_object_find_prog(obj, "xdp_cpu")->expected_attach_type,
			 BPF_XDP_CPUMAP);
	assert_string_equal(sn_bpf_object_find_prog(obj, "xdp_egress")->sec, "xdp/devmap");
	assert_int_equal(sn_xdp_attach(pa, xt_prog(obj, "xdp_egress", SN_XDP_ENGINE_AUTO)), -EINVAL);
	assert_int_equal(sn_xdp_attach(pa, xt_prog(obj, "xdp_cpu", SN_XDP_ENGINE_AUTO)), -EINVAL);
	assert_int_equal(sn_xdp_attach(pa, xt_prog(obj, "xdp_to_devmap", SN_XDP_ENGINE_AUTO)), 0);
	assert_int_equal(sn_xdp_detach(pa), 0);
}

/* One devmap flavour: accept, read back, refuse, and the reference count through it all. */
static void devmap_value_checks(struct sn_map *m)
{
	uint32_t eg = prog_id(obj, "xdp_egress"), cpu = prog_id(obj, "xdp_cpu");
	uint32_t plain = prog_id(obj, "xdp_to_devmap"), ib = sn_dev_xdp_ifindex(pb);
	struct bpf_devmap_val out;
	uint32_t k0 = 0, k1 = 1;

	assert_int_equal(sn_xdp_map_prog_refs(eg), 0);
	assert_int_equal(dev_upd(m, 0, ib, (int)eg), 0);
	assert_int_equal(sn_map__lookup_elem(m, &k0, &out), 0);
	assert_int_equal(out.ifindex, ib);
	assert_int_equal(out.bpf_prog.id, eg);
	assert_int_equal(dev_upd(m, 1, ib, (int)eg), 0);
	assert_int_equal(sn_xdp_map_prog_refs(eg), 2);
	/* Wrong type, unknown ids: -EINVAL, the entry unchanged, no reference taken. */
	assert_int_equal(dev_upd(m, 0, ib, (int)plain), -EINVAL);
	assert_int_equal(dev_upd(m, 0, ib, (int)cpu), -EINVAL);
	assert_int_equal(dev_upd(m, 0, ib, 200), -EINVAL);
	assert_int_equal(dev_upd(m, 0, ib, SN_XDP_MAX_PROG_IDS + 1), -EINVAL);
	assert_int_equal(sn_xdp_map_prog_refs(plain), 0);
	assert_int_equal(sn_xdp_map_prog_refs(cpu), 0);
	assert_int_equal(sn_map__lookup_elem(m, &k0, &out), 0);
	assert_int_equal(out.bpf_prog.id, eg);
	assert_int_equal(sn_xdp_map_prog_refs(eg), 2);
	/* Replace without a program, then delete: one reference each. */
	assert_int_equal(dev_upd(m, 1, ib, 0), 0);
	assert_int_equal(sn_map__lookup_elem(m, &k1, &out), 0);
	assert_int_equal(out.bpf_prog.id, 0);
	assert_int_equal(sn_xdp_map_prog_refs(eg), 1);
	/* Held: unprepare leaves it registered and prepared (the map keeps it). */
	sn_bpf_prog_unprepare(sn_bpf_object_find_prog(obj, "xdp_egress"));
	assert_ptr_equal(sn_xdp_prog_by_id(eg), sn_bpf_object_find_prog(obj, "xdp_egress"));
	assert_int_equal(sn_map__delete_elem(m, &k0), 0);
	assert_int_equal(sn_xdp_map_prog_refs(eg), 0);
	sn_bpf_prog_unprepare(sn_bpf_object_find_prog(obj, "xdp_egress"));
	assert_null(sn_xdp_prog_by_id(eg));
	/* Freeing the map drops what its entries hold. */
	eg = prog_id(obj, "xdp_egress");
	assert_int_equal(dev_upd(m, 3, ib, (int)eg), 0);
	assert_int_equal(sn_xdp_map_prog_refs(eg), 1);
	sn_map__free(m);
	assert_int_equal(sn_xdp_map_prog_refs(eg), 0);
}

static void test_devmap_values(void **state)
{
	(void)state;
	devmap_value_checks(sn_map__create(BPF_MAP_TYPE_DEVMAP, "dm", 4, 8, 8, NULL));
	devmap_value_checks(sn_map__create(BPF_MAP_TYPE_DEVMAP_HASH, "dmh", 4, 8, 8, NULL));
}

static void test_cpumap_values(void **state)
{
	struct sn_map *m = sn_map__create(BPF_MAP_TYPE_CPUMAP, "cm", 4, 8, 8, NULL);
	uint32_t cp = prog_id(obj, "xdp_cpu"), eg = prog_id(obj, "xdp_egress");
	uint32_t plain = prog_id(obj, "xdp_to_cpumap"), k0 = 0;
	struct bpf_cpumap_val out;

	(void)state;
	assert_non_null(m);
	assert_int_equal(cpu_upd(m, 0, 64, (int)cp), 0);
	assert_int_equal(sn_map__lookup_elem(m, &k0, &out), 0);
	assert_int_equal(out.qsize, 64);
	assert_int_equal(out.bpf_prog.id, cp);
	assert_int_equal(sn_xdp_map_prog_refs(cp), 1);
	/* cpu_map_update_elem(): any failure to take the program is -ENOMEM. */
	assert_int_equal(cpu_upd(m, 0, 64, (int)eg), -ENOMEM);
	assert_int_equal(cpu_upd(m, 0, 64, (int)plain), -ENOMEM);
	assert_int_equal(cpu_upd(m, 0, 64, 200), -ENOMEM);
	assert_int_equal(sn_map__lookup_elem(m, &k0, &out), 0);
	assert_int_equal(out.bpf_prog.id, cp);
	assert_int_equal(sn_xdp_map_prog_refs(eg), 0);
	assert_int_equal(sn_xdp_map_prog_refs(cp), 1);
	assert_int_equal(cpu_upd(m, 0, 128, (int)cp), 0); /* replace: the old entry's goes */
	assert_int_equal(sn_xdp_map_prog_refs(cp), 1);
	assert_int_equal(cpu_upd(m, 0, 0, (int)cp), 0); /* qsize 0 empties the slot */
	assert_int_equal(sn_xdp_map_prog_refs(cp), 0);
	assert_int_equal(cpu_upd(m, 1, 64, (int)cp), 0);
	assert_int_equal(sn_map__delete_elem(m, &(uint32_t){ 1 }), 0);
	assert_int_equal(sn_xdp_map_prog_refs(cp), 0);
	assert_int_equal(cpu_upd(m, 1, 64, (int)cp), 0);
	sn_map__free(m);
	assert_int_equal(sn_xdp_map_prog_refs(cp), 0);
}

/* Inject @n frames of source @src (sequence from @seq0) into @d. */
static void inject_src(struct sn_netdev *d, int n, uint8_t src, uint32_t seq0)
{
	uint8_t p[XT_LEN];

	for (int i = 0; i < n; i++) {
		xt_frame(p, seq0 + (uint32_t)i, src);
		xt_inject(d, p, XT_LEN);
	}
}

/*
 * B's next @n frames, source MAC as the egress program (or none) left it; @tx_total: what B
 * has transmitted since the test began once they are out (the wait counts from the start).
 */
static void check_b_frames(int n, bool rewritten, uint32_t seq0, uint64_t tx_total)
{
	uint32_t ib = sn_dev_xdp_ifindex(pb), ia = sn_dev_xdp_ifindex(pa);
	uint8_t in[XT_LEN], out[XT_LEN + 16];

	assert_int_equal(sn_port_test_wait_tx(pb, tx_total, 10000), 0);
	for (int i = 0; i < n; i++) {
		xt_frame(in, seq0 + (uint32_t)i, 0);
		if (rewritten) {
			memcpy(in + 6, &ib, 4);
			in[10] = (uint8_t)ia;
			in[11] = (uint8_t)(ia >> 8);
		}
		assert_int_equal(sn_port_test_take_tx(pb, out, sizeof(out)), XT_LEN);
		assert_memory_equal(out, in, XT_LEN);
	}
	assert_int_equal(sn_port_test_take_tx(pb, out, sizeof(out)), -EAGAIN);
}

static void test_devmap_egress_runs(void **state)
{
	struct sn_map *dm = xt_map(obj, "tx_port");
	uint32_t eg = prog_id(obj, "xdp_egress"), ib = sn_dev_xdp_ifindex(pb);
	const int n = 100, nd = 7, nr = 5, nt = 3;

	(void)state;
	assert_int_equal(sn_xdp_attach(pa, xt_prog(obj, "xdp_to_devmap", SN_XDP_ENGINE_AUTO)), 0);
	/* Control: no program in the entry, the frames leave unchanged. */
	assert_int_equal(dev_upd(dm, 0, ib, 0), 0);
	inject_src(pa, n, 0, 0);
	check_b_frames(n, false, 0, n);
	/* With the program: rewritten, and its non-PASS verdicts dropped by reason. */
	assert_int_equal(dev_upd(dm, 0, ib, (int)eg), 0);
	inject_src(pa, nd, 1, 1000);
	inject_src(pa, nr, 2, 2000);
	inject_src(pa, nt, 3, 3000);
	inject_src(pa, n, 0, 5000);
	check_b_frames(n, true, 5000, 2 * n);
	const uint64_t total = 2 * (uint64_t)n + nd + nr + nt;

	for (int i = 0; i < 5000 && XT_STAT(pa, devmap_xmit) + XT_STAT(pa, devmap_drops) < total;
	     i++)
		usleep(1000);
	struct sn_dev_stats b = xt_dev_stats(pb);

	print_message("devmap_xmit %lu devmap_drops %lu drop %lu aborted %lu\n",
		      (unsigned long)XT_STAT(pa, devmap_xmit), (unsigned long)XT_STAT(pa, devmap_drops),
		      (unsigned long)b.drops[SN_DROP_XDP_DROP],
		      (unsigned long)b.drops[SN_DROP_XDP_ABORTED]);
	assert_int_equal(XT_STAT(pa, devmap_xmit), 2 * n);
	assert_int_equal(XT_STAT(pa, devmap_drops), nd + nr + nt);
	assert_int_equal(b.drops[SN_DROP_XDP_DROP], nd);
	assert_int_equal(b.drops[SN_DROP_XDP_ABORTED], nr + nt); /* REDIRECT and TX: invalid here */
	assert_int_equal(b.tx_packets, 2 * n);
	assert_int_equal(XT_STAT(pa, redirect_ok), total);
	assert_int_equal(xt_validator_reports(), 0);
	assert_int_equal(sn_xdp_detach(pa), 0);
}

static void test_cpumap_prog_runs(void **state)
{
	struct sn_map *cm = xt_map(obj, "cpu_map");
	uint32_t cp = prog_id(obj, "xdp_cpu");
	const int n = 200, nd = 11, nt = 4;

	(void)state;
	want_tag = (uint8_t)(0xc0 | (sn_dev_xdp_ifindex(pa) & 0xf));
	assert_int_equal(cpu_upd(cm, g_cpu, 1024, (int)cp), 0);
	assert_int_equal(sn_xdp_cpumap_sync(cm), 0);
	assert_int_equal(sn_xdp_attach(pa, xt_prog(obj, "xdp_to_cpumap", SN_XDP_ENGINE_AUTO)), 0);
	inject_src(pa, nd, 1, 0);
	inject_src(pa, nt, 3, 100);
	inject_src(pa, n, 0, 1000);
	struct sn_dev_stats a;

	for (int ms = 0; ms < 10000; ms++) {
		a = xt_dev_stats(pa);
		if (__atomic_load_n(&handled, __ATOMIC_ACQUIRE) + a.drops[SN_DROP_XDP_DROP] +
			    a.drops[SN_DROP_XDP_ABORTED] + xt_nomem(pa, pb) >=
		    (uint64_t)(n + nd + nt))
			break;
		usleep(1000);
	}
	a = xt_dev_stats(pa);
	uint64_t nomem = xt_nomem(pa, pb);

	print_message("handled %d drop %lu aborted %lu kthread %lu nomem %lu\n", handled,
		      (unsigned long)a.drops[SN_DROP_XDP_DROP],
		      (unsigned long)a.drops[SN_DROP_XDP_ABORTED],
		      (unsigned long)XT_STAT(pa, cpumap_kthread_pkts), (unsigned long)nomem);
	assert_int_equal(nomem, 0); /* a frame lost before XDP would blur the counts below */
	assert_int_equal(handled, n);
	assert_int_equal(bad_tag, 0);
	assert_int_equal(wrong_thread, 0);
	assert_int_equal(a.drops[SN_DROP_XDP_DROP], nd);
	assert_int_equal(a.drops[SN_DROP_XDP_ABORTED], nt);
	assert_int_equal(XT_STAT(pa, cpumap_kthread_pkts), n);
	assert_int_equal(XT_STAT(pa, cpumap_enqueue), n + nd + nt);
	/* Each frame ran twice: the device's program, then the entry's on the thread. */
	assert_int_equal(XT_STAT(pa, runs), 2 * (n + nd + nt));
	assert_int_equal(sn_xdp_detach(pa), 0);
}

/* A program held by another object's devmap outlives its object's close, and keeps running. */
static void test_held_object_parked(void **state)
{
	struct sn_bpf_object *src = NULL, *own = NULL;
	struct sn_map *dm = xt_map(obj, "tx_port");
	uint32_t ib = sn_dev_xdp_ifindex(pb), eg, k0 = 0;
	char path[512], err[256] = "";

	(void)state;
	snprintf(path, sizeof(path), "%s/map_prog.bpf.o", XDP_PROGS_DIR);
	assert_int_equal(sn_bpf_object_open(path, NULL, &src, err, sizeof(err)), 0);
	eg = prog_id(src, "xdp_egress");
	assert_int_equal(dev_upd(dm, 0, ib, (int)eg), 0);
	sn_bpf_prog_unprepare(sn_bpf_object_find_prog(src, "xdp_egress"));
	sn_bpf_object_close(src);
	assert_int_equal(sn_xdp_map_prog_reap(), 1); /* parked, not freed */
	assert_int_equal(sn_xdp_attach(pa, xt_prog(obj, "xdp_to_devmap", SN_XDP_ENGINE_AUTO)), 0);
	inject_src(pa, 20, 0, 0);
	check_b_frames(20, true, 0, 20); /* the closed object's program still runs */
	assert_int_equal(sn_xdp_detach(pa), 0);
	assert_int_equal(sn_map__delete_elem(dm, &k0), 0);
	assert_int_equal(sn_xdp_map_prog_reap(), 0); /* freed (ASan: no use after free above) */
	assert_null(sn_xdp_prog_by_id(eg));

	/* Held only by its own devmap: no cycle, the close frees it at once. */
	assert_int_equal(sn_bpf_object_open(path, NULL, &own, err, sizeof(err)), 0);
	eg = prog_id(own, "xdp_egress");
	assert_int_equal(dev_upd(sn_bpf_object_find_map(own, "tx_port"), 0, ib, (int)eg), 0);
	sn_bpf_object_close(own);
	assert_int_equal(sn_xdp_map_prog_reap(), 0);
	assert_int_equal(sn_xdp_map_prog_refs(eg), 0);
	assert_null(sn_xdp_prog_by_id(eg));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_attach_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devmap_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpumap_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devmap_egress_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpumap_prog_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_object_parked, setup, teardown),
	};

	return tu_run_per_profile("xdp_map_prog", tests);
}
