// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_router.c - IPv4/IPv6 forwarding through real test ports and NAPI polls: TTL and hop
 * limit decremented, the IPv4 checksum updated (checked against a full recomputation), MACs
 * rewritten from the neighbour table, everything else byte for byte (options, extension
 * headers, payload), Ethernet padding trimmed, egress through a vlan device (tag on the wire),
 * ingress from one; NO_ROUTE, NOT_FOR_US, martians; echo replies for our addresses; route
 * edits through sn_stack_route_add/del and the walk; reload. Runs in each locking profile.
 */
#include "stack_test.h"

/* The forwarded copy of @in (an IPv4 frame): new MACs, TTL - 1, checksum recomputed. */
static void expect_fwd4(uint8_t *exp, const uint8_t *in, size_t len, const uint8_t *dmac,
			const struct sn_netdev *out)
{
	uint8_t *ip = exp + 14;
	size_t hl;

	memcpy(exp, in, len);
	memcpy(exp, dmac, 6);
	memcpy(exp + 6, out->mac, 6);
	hl = (size_t)(ip[0] & 15) * 4;
	ip[8]--;
	put16(ip + 10, 0);
	put16(ip + 10, ref_csum(ip, hl));
}

static void test_forward4(void **state)
{
	static const uint8_t opts[4] = { 0x94, 4, 0, 0 }; /* router alert */
	struct tcfg t;
	uint8_t f[256], exp[256], got[256];
	struct sn_stack_stats s;
	size_t len;
	int n;

	(void)state;
	router_cfg(&t);
	stack_up(&t);
	/* 10.0.1.2 -> 10.0.3.9 via 10.0.2.254 on p2. */
	len = udp4(f, P[1]->mac, H1, "10.0.1.2", "10.0.3.9", 64, 30);
	inject(P[1], f, len);
	n = take(P[2], got, sizeof(got));
	assert_int_equal(n, (int)len);
	expect_fwd4(exp, f, len, NH, P[2]);
	assert_int_equal(got[14 + 8], 63);
	assert_memory_equal(got, exp, len);
	/* The checksum in the frame verifies, and equals a full recomputation. */
	assert_int_equal(ref_sum(got + 14, 20, 0), 0xffff);

	/* With options, TTL 2 (goes out with 1), and 10 bytes of Ethernet padding to trim. */
	pk_eth(f, P[1]->mac, H1, 0x0800);
	len = 14 + pk_ip4(f + 14, "10.0.1.2", "10.0.3.200", 17, 2, opts, 4, 4);
	memset(f + len, 0xee, 10);
	inject(P[1], f, len + 10);
	n = take(P[2], got, sizeof(got));
	assert_int_equal(n, (int)len);
	expect_fwd4(exp, f, len, NH, P[2]);
	assert_int_equal(got[14 + 8], 1);
	assert_memory_equal(got, exp, len);

	/* Directly connected: 10.0.1.2 is a static neighbour on p1 (from p2). */
	len = udp4(f, P[2]->mac, NH, "10.0.3.9", "10.0.1.2", 255, 8);
	inject(P[2], f, len);
	n = take(P[1], got, sizeof(got));
	assert_int_equal(n, (int)len);
	expect_fwd4(exp, f, len, H1, P[1]);
	assert_memory_equal(got, exp, len);
	assert_true(quiet(P[2], 50));

	/* Fragments are forwarded as they are (a middle one: MF and offset 185 * 8). */
	len = udp4(f, P[1]->mac, H1, "10.0.1.2", "10.0.3.9", 64, 24);
	put16(f + 14 + 6, 0x2000 | 185);
	put16(f + 14 + 10, 0);
	put16(f + 14 + 10, ref_csum(f + 14, 20));
	inject(P[1], f, len);
	n = take(P[2], got, sizeof(got));
	assert_int_equal(n, (int)len);
	expect_fwd4(exp, f, len, NH, P[2]);
	assert_memory_equal(got, exp, len);

	sn_stack_stats_read(&s);
	assert_int_equal(s.routed4, 4);
	stack_down();
}

static void test_forward6(void **state)
{
	struct tcfg t;
	uint8_t f[256], exp[256], got[256];
	size_t len;
	int n;

	(void)state;
	router_cfg(&t);
	stack_up(&t);
	len = udp6(f, P[1]->mac, H1, "fd00:1::2", "fd00:3::9", 64, 40);
	inject(P[1], f, len);
	n = take(P[2], got, sizeof(got));
	assert_int_equal(n, (int)len);
	memcpy(exp, f, len);
	memcpy(exp, NH, 6);
	memcpy(exp + 6, P[2]->mac, 6);
	exp[14 + 7] = 63;
	assert_memory_equal(got, exp, len);

	/* With hop-by-hop and destination options before UDP: forwarded unchanged but hop limit. */
	pk_eth(f, P[1]->mac, H1, 0x86dd);
	pk_ip6(f + 14, "fd00:1::2", "fd00:3::10", 0, 2, 8 + 8 + 8);
	uint8_t *h = f + 54;
	memset(h, 0, 24);
	h[0] = 60;              /* HBH -> DST */
	h[2] = 1, h[3] = 4;     /* PadN */
	h[8] = 17;              /* DST -> UDP */
	h[10] = 1, h[11] = 4;
	len = 54 + 24;
	inject(P[1], f, len);
	n = take(P[2], got, sizeof(got));
	assert_int_equal(n, (int)len);
	memcpy(exp, f, len);
	memcpy(exp, NH, 6);
	memcpy(exp + 6, P[2]->mac, 6);
	exp[14 + 7] = 1;
	assert_memory_equal(got, exp, len);
	stack_down();
}

static void test_vlan(void **state)
{
	struct tcfg t;
	uint8_t f[256], exp[256], got[256], tagged[256];
	size_t len;
	int n;

	(void)state;
	router_cfg(&t);
	stack_up(&t);
	/* Out through p0.10: on the wire of p0 with an 802.1Q tag VID 10. */
	len = udp4(f, P[1]->mac, H1, "10.0.1.2", "10.0.10.5", 64, 20);
	inject(P[1], f, len);
	n = take(P[0], got, sizeof(got));
	assert_int_equal(n, (int)len + 4);
	expect_fwd4(exp, f, len, H3, P[0]);
	assert_memory_equal(got, exp, 12);
	assert_int_equal(get16(got + 12), 0x8100);
	assert_int_equal(get16(got + 14) & 0x0fff, 10);
	assert_memory_equal(got + 16, exp + 12, len - 12);

	/* In through p0.10 (tagged on p0), out of p1 untagged. */
	len = udp4(f, P[0]->mac, H3, "10.0.10.5", "10.0.1.2", 64, 20);
	memcpy(tagged, f, 12);
	put16(tagged + 12, 0x8100);
	put16(tagged + 14, 10);
	memcpy(tagged + 16, f + 12, len - 12);
	inject(P[0], tagged, len + 4);
	n = take(P[1], got, sizeof(got));
	assert_int_equal(n, (int)len);
	expect_fwd4(exp, f, len, H1, P[1]);
	assert_memory_equal(got, exp, len);
	stack_down();
}

static void test_no_route_not_for_us_martians(void **state)
{
	static const uint8_t OTHER[6] = { 0x02, 0x99, 0, 0, 0, 1 };
	struct tcfg t;
	uint8_t f[256];
	size_t len;

	(void)state;
	router_cfg(&t);
	stack_up(&t);
	len = udp4(f, P[1]->mac, H1, "10.0.1.2", "192.0.2.1", 64, 8);
	inject_expect_drop(P[1], f, len, SN_DROP_NO_ROUTE);
	len = udp6(f, P[1]->mac, H1, "fd00:1::2", "2001:db8::1", 64, 8);
	inject_expect_drop(P[1], f, len, SN_DROP_NO_ROUTE);
	/* Unicast to another MAC on a router-only port. */
	len = udp4(f, OTHER, H1, "10.0.1.2", "10.0.3.9", 64, 8);
	inject_expect_drop(P[1], f, len, SN_DROP_NOT_FOR_US);
	/* L2 broadcast carrying a unicast IP packet: never routed. */
	len = udp4(f, BCAST, H1, "10.0.1.2", "10.0.3.9", 64, 8);
	inject_expect_drop(P[1], f, len, SN_DROP_NOT_FOR_US);
	/* Martian sources and destinations. */
	const char *m4[][2] = { { "127.0.0.1", "10.0.3.9" }, { "0.0.0.7", "10.0.3.9" },
				{ "224.0.0.9", "10.0.3.9" }, { "10.0.1.2", "127.0.0.2" },
				{ "10.0.1.2", "0.1.2.3" }, { "10.0.2.1", "10.0.3.9" } };
	for (size_t i = 0; i < ARRAY_SIZE(m4); i++) {
		len = udp4(f, P[1]->mac, H1, m4[i][0], m4[i][1], 64, 8);
		inject_expect_drop(P[1], f, len, SN_DROP_IP_MARTIAN);
	}
	const char *m6[][2] = { { "::1", "fd00:3::9" }, { "ff02::1", "fd00:3::9" },
				{ "fd00:1::2", "::1" }, { "fe80::2", "fd00:3::9" },
				{ "fd00:1::2", "fe80::9" }, { "::", "fd00:3::9" } };
	for (size_t i = 0; i < ARRAY_SIZE(m6); i++) {
		len = udp6(f, P[1]->mac, H1, m6[i][0], m6[i][1], 64, 8);
		inject_expect_drop(P[1], f, len, SN_DROP_IP_MARTIAN);
	}
	/* Multicast IPv4 destination: not forwarded, nobody here listens. */
	len = udp4(f, P[1]->mac, H1, "10.0.1.2", "239.1.1.1", 64, 8);
	inject_expect_drop(P[1], f, len, SN_DROP_LOCAL_UNHANDLED);
	/* To one of our addresses but not ICMP echo: no local handler. */
	len = udp4(f, P[1]->mac, H1, "10.0.1.2", "10.0.2.1", 64, 8);
	inject_expect_drop(P[1], f, len, SN_DROP_LOCAL_UNHANDLED);
	/* Neither ARP nor IP on a router-only port. */
	pk_eth(f, P[1]->mac, H1, 0x88b5);
	memset(f + 14, 0, 46);
	inject_expect_drop(P[1], f, 60, SN_DROP_ETHERTYPE);
	assert_true(quiet(P[2], 50));
	stack_down();
}

static void test_echo(void **state)
{
	struct tcfg t;
	uint8_t f[256], got[256];
	struct sn_stack_stats s;
	size_t len;
	int n;

	(void)state;
	router_cfg(&t);
	stack_up(&t);
	/* ICMP echo request to 10.0.1.1 (id 0x4242, seq 7, 16 bytes of data). */
	pk_eth(f, P[1]->mac, H1, 0x0800);
	len = 14 + pk_ip4(f + 14, "10.0.1.2", "10.0.1.1", 1, 64, NULL, 0, 24);
	uint8_t *ic = f + 34;
	ic[0] = 8, ic[1] = 0;
	put16(ic + 2, 0);
	put16(ic + 4, 0x4242);
	put16(ic + 6, 7);
	put16(ic + 2, ref_csum(ic, 24));
	inject(P[1], f, len);
	n = take(P[1], got, sizeof(got));
	assert_int_equal(n, (int)len);
	assert_memory_equal(got, H1, 6);
	assert_memory_equal(got + 6, P[1]->mac, 6);
	assert_memory_equal(got + 14 + 12, f + 14 + 16, 4); /* src = the address pinged */
	assert_memory_equal(got + 14 + 16, f + 14 + 12, 4);
	assert_int_equal(got[14 + 8], 64);
	assert_int_equal(ref_sum(got + 14, 20, 0), 0xffff);
	assert_int_equal(got[34], 0);                       /* echo reply */
	assert_int_equal(ref_sum(got + 34, 24, 0), 0xffff); /* ICMP checksum */
	assert_memory_equal(got + 38, f + 38, 20);          /* id, seq, data */

	/* ICMPv6 echo request to fd00:1::1. */
	pk_eth(f, P[1]->mac, H1, 0x86dd);
	pk_ip6(f + 14, "fd00:1::2", "fd00:1::1", 58, 64, 16);
	ic = f + 54;
	memset(ic, 0x5a, 16);
	ic[0] = 128, ic[1] = 0;
	put16(ic + 2, 0);
	put16(ic + 2, ref_csum6(f + 22, f + 38, ic, 16, 58));
	inject(P[1], f, 70);
	n = take(P[1], got, sizeof(got));
	assert_int_equal(n, 70);
	assert_memory_equal(got, H1, 6);
	assert_memory_equal(got + 22, f + 38, 16);
	assert_memory_equal(got + 38, f + 22, 16);
	assert_int_equal(got[54], 129);
	assert_int_equal(ref_csum6(got + 22, got + 38, got + 54, 16, 58), 0);
	assert_memory_equal(got + 58, f + 58, 12);

	/* A bad ICMP checksum: MALFORMED, no reply. */
	pk_eth(f, P[1]->mac, H1, 0x0800);
	len = 14 + pk_ip4(f + 14, "10.0.1.2", "10.0.1.1", 1, 64, NULL, 0, 24);
	f[34] = 8;
	inject_expect_drop(P[1], f, len, SN_DROP_MALFORMED);
	assert_true(quiet(P[1], 50));
	sn_stack_stats_read(&s);
	assert_int_equal(s.icmp_echo_replies, 2);
	stack_down();
}

struct rwalk {
	int n;
	bool found;
	const char *want;
};

static void rwalk_fn(const struct sn_stack_entry *e, void *arg)
{
	struct rwalk *w = arg;

	w->n++;
	if (!strcmp(e->text, w->want))
		w->found = true;
}

static void test_route_edit_reload(void **state)
{
	struct tcfg t;
	uint8_t f[256], got[256];
	char err[128];
	size_t len;
	struct rwalk w = { 0 };

	(void)state;
	router_cfg(&t);
	stack_up(&t);
	len = udp4(f, P[1]->mac, H1, "10.0.1.2", "10.0.4.4", 64, 8);
	inject_expect_drop(P[1], f, len, SN_DROP_NO_ROUTE);
	assert_int_equal(sn_stack_route_add("10.0.4.0/24", "10.0.2.254", "p2", err, sizeof(err)), 0);
	assert_int_equal(sn_stack_route_add("10.0.4.1/24", NULL, "p2", err, sizeof(err)), -EINVAL);
	assert_int_equal(sn_stack_route_add("10.0.4.0/24", NULL, "nope", err, sizeof(err)), -ENODEV);
	inject(P[1], f, len);
	assert_int_equal(take(P[2], got, sizeof(got)), (int)len);
	assert_memory_equal(got, NH, 6);
	w.want = "10.0.4.0/24 via 10.0.2.254 dev p2";
	sn_stack_walk("route", rwalk_fn, &w);
	assert_true(w.found);
	/* 2 configured + 5 connected + the new one. */
	assert_int_equal(w.n, 8);
	assert_int_equal(sn_stack_route_del("10.0.4.0/24", err, sizeof(err)), 0);
	assert_int_equal(sn_stack_route_del("10.0.4.0/24", err, sizeof(err)), -ENOENT);
	inject_expect_drop(P[1], f, len, SN_DROP_NO_ROUTE);

	/* Reload: 10.0.3.0/24 now goes to p3 via 10.0.5.254 (a new static neighbour). */
	router_cfg(&t);
	t.c.nr_routes = 0;
	tc_addr(&t, "10.0.5.1/24", 3);
	tc_route(&t, "10.0.3.0/24", "10.0.5.254", 3);
	tc_neigh(&t, "10.0.5.254", H3, 3);
	assert_int_equal(sn_stack_reload(&t.c, err, sizeof(err)), 0);
	len = udp4(f, P[1]->mac, H1, "10.0.1.2", "10.0.3.9", 64, 8);
	inject(P[1], f, len);
	assert_int_equal(take(P[3], got, sizeof(got)), (int)len);
	assert_memory_equal(got, H3, 6);
	assert_memory_equal(got + 6, P[3]->mac, 6);
	assert_true(quiet(P[2], 50));
	/* The IPv6 route went away with the old configuration. */
	len = udp6(f, P[1]->mac, H1, "fd00:1::2", "fd00:3::9", 64, 8);
	inject_expect_drop(P[1], f, len, SN_DROP_NO_ROUTE);
	/* A reload naming an unknown port changes nothing. */
	t.c.routes[0].dev = 17;
	assert_true(sn_stack_reload(&t.c, err, sizeof(err)) < 0);
	len = udp4(f, P[1]->mac, H1, "10.0.1.2", "10.0.3.9", 64, 8);
	inject(P[1], f, len);
	assert_int_equal(take(P[3], got, sizeof(got)), (int)len);
	stack_down();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forward4),
		cmocka_unit_test(test_forward6),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_no_route_not_for_us_martians),
		cmocka_unit_test(test_echo),
		cmocka_unit_test(test_route_edit_reload),
	};

	return tu_run_per_profile("stack_router", tests);
}
