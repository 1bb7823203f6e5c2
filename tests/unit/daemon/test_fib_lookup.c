// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_fib_lookup.c - bpf_fib_lookup() from a real clang-built XDP program (progs fib.bpf.c)
 * answered by softnetd's router (stack/fib_query.c), against what the kernel's helper answers
 * for the same tables: return codes SUCCESS / NO_NEIGH / NOT_FWDED / FRAG_NEEDED /
 * -ENODEV, the output ifindex (the egress device's XDP ifindex), smac/dmac, the gateway
 * written into the destination, mtu_result, SKIP_NEIGH, IPv4 and IPv6, both engines.
 */
#include <linux/bpf.h>

#include "unit/stack/stack_test.h"
#include "stack/fib_query.h"
#include "xdp/bpf_interp_internal.h"
#include "xdp/bpf_prog.h"
#include "xdp/xdp.h"
#include "maps/map.h"

struct req {
	uint32_t ifindex, flags, tot_len, pad;
};

struct res {
	int64_t rc;
	struct bpf_fib_lookup p;
};

static struct sn_bpf_object *obj;
static struct sn_bpf_prog *prog;
static uint32_t fib_ifindex; /* when set, the ingress ifindex the program passes */

/* Run the program on @frame received by @in with @flags / @tot_len; the helper's answer. */
static struct res fib(struct sn_netdev *in, const uint8_t *frame, size_t len, uint32_t flags,
		      uint32_t tot_len)
{
	struct req q = {.ifindex = fib_ifindex ? fib_ifindex : sn_dev_xdp_ifindex(in),
			.flags = flags, .tot_len = tot_len};
	struct sn_map *mq = sn_bpf_object_find_map(obj, "req"), *mr = sn_bpf_object_find_map(obj, "res");
	uint64_t before = drops(in, SN_DROP_XDP_DROP);
	uint32_t zero = 0;
	struct res r;

	memset(&r, 0xee, sizeof(r));
	assert_int_equal(sn_map__update_elem(mr, &zero, &r, BPF_ANY), 0);
	assert_int_equal(sn_map__update_elem(mq, &zero, &q, BPF_ANY), 0);
	inject(in, frame, len);
	assert_true(wait_drops(in, SN_DROP_XDP_DROP, before + 1));
	assert_int_equal(sn_map__lookup_elem(mr, &zero, &r), 0);
	return r;
}

static void run_cases(enum sn_xdp_engine engine)
{
	static const uint8_t ZERO[6];
	uint8_t f[256], a[16];
	struct tcfg t;
	struct res r;
	size_t n;
	char err[256] = "";

	router_cfg(&t);
	stack_up(&t);
	assert_int_equal(sn_xdp_init(), 0);
	sn_bpf_fib_lookup_hook = sn_fib_query_xdp;
	if (sn_bpf_prog_prepare(prog, engine, err, sizeof(err)))
		fail_msg("prepare: %s", err);
	for (int i = 1; i <= 3; i++)
		assert_int_equal(sn_xdp_attach(P[i], prog), 0);

	/* a connected host with a neighbour entry: p2 -> p1 */
	n = udp4(f, P[2]->mac, NH, "10.0.2.9", "10.0.1.2", 64, 20);
	r = fib(P[2], f, n, 0, 0);
	assert_int_equal(r.rc, BPF_FIB_LKUP_RET_SUCCESS);
	assert_int_equal(r.p.ifindex, sn_dev_xdp_ifindex(P[1]));
	assert_memory_equal(r.p.dmac, H1, 6);
	assert_memory_equal(r.p.smac, P[1]->mac, 6);
	ip4(a, "10.0.1.2");
	assert_memory_equal(&r.p.ipv4_dst, a, 4);
	assert_int_equal(r.p.mtu_result, P[1]->mtu);
	assert_int_equal(r.p.h_vlan_proto, 0);
	assert_int_equal(r.p.h_vlan_TCI, 0);

	/* through a gateway: the gateway becomes the destination, its MAC the dmac */
	n = udp4(f, P[1]->mac, H1, "10.0.1.2", "10.0.3.7", 64, 20);
	r = fib(P[1], f, n, 0, 0);
	assert_int_equal(r.rc, BPF_FIB_LKUP_RET_SUCCESS);
	assert_int_equal(r.p.ifindex, sn_dev_xdp_ifindex(P[2]));
	ip4(a, "10.0.2.254");
	assert_memory_equal(&r.p.ipv4_dst, a, 4);
	assert_memory_equal(r.p.dmac, NH, 6);
	assert_memory_equal(r.p.smac, P[2]->mac, 6);

	/* no route */
	n = udp4(f, P[1]->mac, H1, "10.0.1.2", "192.0.2.1", 64, 20);
	r = fib(P[1], f, n, 0, 0);
	assert_int_equal(r.rc, BPF_FIB_LKUP_RET_NOT_FWDED);

	/* a route but no neighbour: NO_NEIGH with the output ifindex filled in; never solicited */
	n = udp4(f, P[2]->mac, NH, "10.0.2.9", "10.0.1.99", 64, 20);
	r = fib(P[2], f, n, 0, 0);
	assert_int_equal(r.rc, BPF_FIB_LKUP_RET_NO_NEIGH);
	assert_int_equal(r.p.ifindex, sn_dev_xdp_ifindex(P[1]));
	assert_true(quiet(P[1], 50)); /* no ARP request went out */
	/* ... and SKIP_NEIGH answers SUCCESS without touching the MACs */
	r = fib(P[2], f, n, BPF_FIB_LOOKUP_SKIP_NEIGH, 0);
	assert_int_equal(r.rc, BPF_FIB_LKUP_RET_SUCCESS);
	assert_memory_equal(r.p.dmac, ZERO, 6);
	assert_memory_equal(r.p.smac, ZERO, 6);

	/* bigger than the egress MTU: FRAG_NEEDED, the MTU in mtu_result (tot_len's bytes) */
	n = udp4(f, P[2]->mac, NH, "10.0.2.9", "10.0.1.2", 64, 20);
	r = fib(P[2], f, n, 0, P[1]->mtu + 1);
	assert_int_equal(r.rc, BPF_FIB_LKUP_RET_FRAG_NEEDED);
	assert_int_equal(r.p.mtu_result, P[1]->mtu);
	r = fib(P[2], f, n, 0, P[1]->mtu);
	assert_int_equal(r.rc, BPF_FIB_LKUP_RET_SUCCESS);

	/* IPv6 through a gateway */
	n = udp6(f, P[1]->mac, H1, "fd00:1::2", "fd00:3::1", 64, 20);
	r = fib(P[1], f, n, 0, 0);
	assert_int_equal(r.rc, BPF_FIB_LKUP_RET_SUCCESS);
	assert_int_equal(r.p.family, AF_INET6);
	ip6(a, "fd00:2::fe");
	assert_memory_equal(r.p.ipv6_dst, a, 16);
	assert_memory_equal(r.p.dmac, NH, 6);
	assert_int_equal(r.p.ifindex, sn_dev_xdp_ifindex(P[2]));

	/* an ifindex no device has: -ENODEV, as dev_get_by_index_rcu() failing in the kernel */
	fib_ifindex = 0x7ffffff0;
	n = udp4(f, P[3]->mac, H1, "10.0.1.2", "10.0.1.2", 64, 20);
	r = fib(P[3], f, n, 0, 0);
	fib_ifindex = 0;
	assert_int_equal(r.rc, -ENODEV);

	for (int i = 1; i <= 3; i++)
		sn_xdp_detach(P[i]);
	sn_bpf_fib_lookup_hook = NULL;
	sn_bpf_prog_unprepare(prog);
	sn_xdp_fini();
	stack_down();
}

static void test_fib_interp(void **state)
{
	(void)state;
	run_cases(SN_XDP_ENGINE_INTERP);
}

static void test_fib_auto(void **state)
{
	(void)state;
	run_cases(SN_XDP_ENGINE_AUTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fib_interp),
		cmocka_unit_test(test_fib_auto),
	};
	char err[512] = "";
	int rc;

	if (sn_bpf_object_open(FIB_OBJ, NULL, &obj, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", FIB_OBJ, err);
		return 1;
	}
	prog = sn_bpf_object_find_prog(obj, "xdp_fib");
	if (!prog)
		return 1;
	rc = tu_run_per_profile("fib_lookup", tests);
	sn_bpf_object_close(obj);
	return rc;
}
