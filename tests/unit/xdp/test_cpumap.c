// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_cpumap.c - XDP_REDIRECT into a CPUMAP in every profile: the entry's thread is named
 * "cpumap/<cpu>/map:<id>" and runs on <cpu>, the frames reach the stack there once (counted
 * received once, the device's program not run again); a full ring drops and counts; an entry
 * deleted and synced stops its thread and later redirects fail ENOENT; and two tasks of one CPU
 * (IRQ thread, NAPI thread) redirecting into the same cpumap entry and devmap target at once
 * lose and duplicate nothing, with the validator silent.
 *
 * The entry's CPU is the last one and the ports' queues are on CPU 0: in vanilla one thread per
 * CPU does BH work, so the cpumap thread gets a CPU of its own.
 */
#include "xdp_test.h"
#include "xdp_test_race.h"

static struct sn_netdev *pa, *pb, *pd;
static struct sn_bpf_object *obj;
static struct sn_map *cpumap, *devmap;
static uint32_t g_cpu;
static int handled, wrong_thread, wrong_cpu, block_handler;
static char handler_comm[TASK_COMM_LEN];

static void rx_handler(struct sn_frame *f)
{
	char want[TASK_COMM_LEN];

	snprintf(want, sizeof(want), "cpumap/%u/map:", g_cpu);
	if (strncmp(current->comm, want, strlen(want)) != 0)
		__atomic_add_fetch(&wrong_thread, 1, __ATOMIC_RELAXED);
	else
		memcpy(handler_comm, current->comm, sizeof(handler_comm));
	if (sched_getcpu() != (int)g_cpu)
		__atomic_add_fetch(&wrong_cpu, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&block_handler, __ATOMIC_ACQUIRE))
		usleep(100);
	sn_dev_drop_frame(f->dev, f, SN_DROP_LOCAL_UNHANDLED);
	__atomic_add_fetch(&handled, 1, __ATOMIC_RELEASE);
}

static void cpumap_set(uint32_t cpu, uint32_t qsize)
{
	assert_int_equal(sn_map__update_elem(cpumap, &cpu, &qsize, BPF_ANY), 0);
	assert_int_equal(sn_xdp_cpumap_sync(cpumap), 0);
}

static int setup(void **state)
{
	(void)state;
	handled = wrong_thread = wrong_cpu = block_handler = 0;
	memset(handler_comm, 0, sizeof(handler_comm));
	xt_setup_core();
	g_cpu = (uint32_t)(nr_cpu_ids - 1);
	pa = xt_port("xa0", 0);
	pb = xt_port("xb0", 0);
	pd = xt_port("xd0", 0);
	sn_netdev_set_rx_handler(rx_handler);
	obj = xt_open("redirect_cpumap.bpf.o");
	cpumap = xt_map(obj, "cpu_map");
	devmap = xt_map(obj, "tx_port");
	xt_cfg(obj, &g_cpu);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xt_teardown_core(); /* stops the cpumap threads, closes the object */
	return 0;
}

static void inject_n(struct sn_netdev *d, int n)
{
	uint8_t p[XT_LEN];

	for (int i = 0; i < n; i++) {
		xt_frame(p, (uint32_t)i, 0);
		xt_inject(d, p, XT_LEN);
	}
}

static void test_cpumap_thread(void **state)
{
	struct sn_bpf_prog *p = xt_prog(obj, "xdp_redirect_cpumap", SN_XDP_ENGINE_AUTO);
	char want[TASK_COMM_LEN];
	const int n = 500;

	(void)state;
	cpumap_set(g_cpu, 4096); /* room for every frame: no ring drop here */
	assert_int_equal(sn_xdp_attach(pa, p), 0);
	inject_n(pa, n);
	/*
	 * A frame the port could not give a head to (the per-CPU head cache refills with
	 * pool_alloc_nolock(), which fails rather than waits when another CPU holds the global
	 * pool) never reaches XDP; it is counted NOMEM_HEAD, so every frame is still accounted.
	 */
	for (int ms = 0; ms < 10000 && __atomic_load_n(&handled, __ATOMIC_ACQUIRE) +
						(int)xt_nomem(pa, pb) < n; ms++)
		usleep(1000);
	uint64_t nomem = xt_nomem(pa, pb);

	print_message("handled %d runs %lu enq %lu drops %lu kt %lu nomem_head %lu\n", handled,
		      (unsigned long)XT_STAT(pa, runs), (unsigned long)XT_STAT(pa, cpumap_enqueue),
		      (unsigned long)XT_STAT(pa, cpumap_drops),
		      (unsigned long)XT_STAT(pa, cpumap_kthread_pkts), (unsigned long)nomem);
	assert_true(nomem <= 5); /* contention losses are rare; a broken path loses them all */
	assert_int_equal((uint64_t)handled + nomem, (uint64_t)n);
	assert_int_equal(XT_STAT(pa, runs) + nomem, (uint64_t)n);
	snprintf(want, sizeof(want), "cpumap/%u/map:1", g_cpu);
	print_message("stack ran in %s\n", handler_comm);
	assert_string_equal(handler_comm, want);
	assert_int_equal(wrong_thread, 0);
	assert_int_equal(wrong_cpu, 0);
	const uint64_t got = (uint64_t)n - nomem;

	/* One XDP run per frame (not again when the thread hands it to the stack), counted once. */
	assert_int_equal(XT_STAT(pa, runs), got);
	assert_int_equal(XT_STAT(pa, action[XDP_REDIRECT]), got);
	assert_int_equal(XT_STAT(pa, cpumap_enqueue), got);
	assert_int_equal(XT_STAT(pa, cpumap_kthread_pkts), got);
	assert_int_equal(XT_STAT(pa, cpumap_drops), 0);
	struct sn_dev_stats a = xt_dev_stats(pa);

	assert_int_equal(a.rx_packets, got); /* a NOMEM_HEAD frame is an rx-ring drop */
	assert_int_equal(a.drops[SN_DROP_LOCAL_UNHANDLED], got);
	assert_int_equal(xt_validator_reports(), 0);
	assert_int_equal(sn_xdp_detach(pa), 0);
}

static void test_ring_full_drops(void **state)
{
	struct sn_bpf_prog *p = xt_prog(obj, "xdp_redirect_cpumap", SN_XDP_ENGINE_AUTO);
	const int n = 300;

	(void)state;
	cpumap_set(g_cpu, 8);
	assert_int_equal(sn_xdp_attach(pa, p), 0);
	__atomic_store_n(&block_handler, 1, __ATOMIC_RELEASE);
	inject_n(pa, n);
	for (int i = 0; i < 10000 && XT_STAT(pa, runs) < (uint64_t)n; i++)
		usleep(1000);
	assert_int_equal(XT_STAT(pa, runs), n);
	/* The last frames are enqueued by the flush at the end of the poll, after their run. */
	for (int i = 0; i < 5000 && XT_STAT(pa, cpumap_enqueue) + XT_STAT(pa, cpumap_drops) < (uint64_t)n;
	     i++)
		usleep(1000);
	__atomic_store_n(&block_handler, 0, __ATOMIC_RELEASE);
	uint64_t enq = XT_STAT(pa, cpumap_enqueue), drops = XT_STAT(pa, cpumap_drops);

	print_message("enqueued %lu, dropped on a full ring %lu\n", (unsigned long)enq,
		      (unsigned long)drops);
	assert_int_equal(enq + drops, n);
	assert_true(drops > 0);
	assert_int_equal(xt_wait(&handled, (int)enq, 10000), 0);
	usleep(20000);
	assert_int_equal(handled, (int)enq);
	struct sn_dev_stats a = xt_dev_stats(pa);

	assert_int_equal(a.rx_packets, n);
	assert_int_equal(a.drops[SN_DROP_XDP_REDIRECT_ERR], drops);
	assert_int_equal(sn_xdp_detach(pa), 0);
}

static void test_entry_delete(void **state)
{
	struct sn_bpf_prog *p = xt_prog(obj, "xdp_redirect_cpumap", SN_XDP_ENGINE_AUTO);
	uint32_t k;

	(void)state;
	cpumap_set(g_cpu, 64);
	assert_int_equal(sn_xdp_attach(pa, p), 0);
	inject_n(pa, 50);
	assert_int_equal(xt_wait(&handled, 50, 10000), 0);
	/* Replace (new qsize: a new thread), then delete. */
	cpumap_set(g_cpu, 128);
	inject_n(pa, 50);
	assert_int_equal(xt_wait(&handled, 100, 10000), 0);
	k = g_cpu;
	assert_int_equal(sn_map__delete_elem(cpumap, &k), 0);
	assert_int_equal(sn_xdp_cpumap_sync(cpumap), 0);
	inject_n(pa, 10);
	/* A miss in the map now: the fallback action (0: XDP_ABORTED). */
	for (int i = 0; i < 5000 && XT_STAT(pa, runs) < 110; i++)
		usleep(1000);
	assert_int_equal(XT_STAT(pa, action[XDP_ABORTED]), 10);
	assert_int_equal(handled, 100);
	assert_int_equal(sn_xdp_detach(pa), 0);
}

/* ---- two tasks of one CPU into the same cpumap entry and devmap target ---- */

#define RACE_N 20000

static void test_two_tasks_one_cpu(void **state)
{
	struct sn_bpf_prog *p = xt_prog(obj, "xdp_split", SN_XDP_ENGINE_AUTO);
	/*
	 * xdp_split: the even frames to B through the devmap (at most 1000 owed), the odd ones to
	 * the cpumap entry, whose thread hands them to the stack (handled).
	 */
	struct xt_race race = { .src = { pa, pd }, .target = pb, .n = RACE_N, .even_only = true,
			     .window = 1000, .done = &handled };
	uint32_t k0 = 0, idx;

	(void)state;
	xt_race_skip_vanilla();
	idx = sn_dev_xdp_ifindex(pb);
	assert_int_equal(sn_map__update_elem(devmap, &k0, &idx, BPF_ANY), 0);
	cpumap_set(g_cpu, 4096);
	xt_race_run(&race, p);
	int got = race.got, dup = race.dup, bad = race.bad;
	uint64_t nomem = race.nomem;

	print_message("devmap: %d of %d (dup %d, bad %d); cpumap: %d of %d; no frame head at the "
		      "ports: %lu\n", got, RACE_N, dup, bad, handled, RACE_N, (unsigned long)nomem);
	for (int d = 0; got + handled + (int)nomem != 2 * RACE_N && d < 3; d++) {
		struct sn_netdev *dv = d == 0 ? pa : d == 1 ? pd : pb;
		struct sn_dev_stats ds = xt_dev_stats(dv);
		struct sn_xdp_stats xs;

		sn_xdp_stats_read(dv, &xs);
		print_message("%s: rx %lu tx %lu drops %lu runs %lu redir %lu ok %lu err0 %lu "
			      "dmx %lu dmd %lu cq %lu cd %lu ck %lu\n", dv->name,
			      (unsigned long)ds.rx_packets, (unsigned long)ds.tx_packets,
			      (unsigned long)ds.drops_total, (unsigned long)xs.runs,
			      (unsigned long)xs.action[XDP_REDIRECT], (unsigned long)xs.redirect_ok,
			      (unsigned long)xs.redirect_err[0], (unsigned long)xs.devmap_xmit,
			      (unsigned long)xs.devmap_drops, (unsigned long)xs.cpumap_enqueue,
			      (unsigned long)xs.cpumap_drops, (unsigned long)xs.cpumap_kthread_pkts);
		for (int r = 0; r < SN_DROP_MAX; r++)
			if (ds.drops[r])
				print_message("  drop %s %lu\n", sn_drop_reason_name(r),
					      (unsigned long)ds.drops[r]);
	}
	assert_int_equal(bad, 0);
	assert_int_equal(dup, 0);
	/* Every frame: through the devmap, through the cpumap, or never a frame at the port. */
	assert_int_equal((uint64_t)got + (uint64_t)handled + nomem, 2 * RACE_N);
	assert_int_equal(XT_STAT(pa, runs) + XT_STAT(pd, runs) + nomem, 2 * RACE_N);
	assert_int_equal(XT_STAT(pa, cpumap_drops) + XT_STAT(pd, cpumap_drops), 0);
	assert_int_equal(wrong_cpu, 0);
	assert_int_equal(xt_validator_reports(), 0);
	assert_int_equal(sn_xdp_detach(pa), 0);
	assert_int_equal(sn_xdp_detach(pd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cpumap_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_full_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entry_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_tasks_one_cpu, setup, teardown),
	};

	return tu_run_per_profile("xdp_cpumap", tests);
}
