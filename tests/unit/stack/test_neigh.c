// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_neigh.c - ARP and ND through real test ports: ARP replies for our addresses (exact
 * fields, only on the port that has the address), ARP requests for unresolved next hops
 * (exact fields, NEIGH_MISS, at most one per second), learning from replies and requests,
 * static entries not overridden; ND: NA for an NS of ours (exact fields, ICMPv6 checksum),
 * DAD answered to all-nodes, NS for unresolved next hops (solicited-node address), learning
 * from NS and NA, malformed ND dropped. Runs in each locking profile.
 */
#include "stack_test.h"

static const uint8_t HX[6] = { 0x02, 0x77, 0, 0, 0, 0x07 };
static const uint8_t HY[6] = { 0x02, 0x99, 0, 0, 0, 0x09 };

static size_t arp(uint8_t *b, const uint8_t *edst, const uint8_t *esrc, uint16_t op,
		  const uint8_t *sha, const char *spa, const uint8_t *tha, const char *tpa)
{
	uint8_t *a = b + 14;

	pk_eth(b, edst, esrc, 0x0806);
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, sha, 6);
	ip4(a + 14, spa);
	memcpy(a + 18, tha, 6);
	ip4(a + 24, tpa);
	return 42;
}

static const uint8_t Z6[6];

static void test_arp_reply(void **state)
{
	struct tcfg t;
	uint8_t f[64], exp[64];
	struct sn_stack_stats s;

	(void)state;
	router_cfg(&t);
	stack_up(&t);
	arp(f, BCAST, HY, 1, HY, "10.0.1.9", Z6, "10.0.1.1");
	memset(f + 42, 0, 18); /* padded to 60 bytes as on the wire */
	inject(P[1], f, 60);
	arp(exp, HY, P[1]->mac, 2, P[1]->mac, "10.0.1.1", HY, "10.0.1.9");
	expect_frame(P[1], exp, 42);
	/* Our address, but on p2: not answered on p1. Not ours at all: not answered. */
	arp(f, BCAST, HY, 1, HY, "10.0.1.9", Z6, "10.0.2.1");
	inject(P[1], f, 42);
	arp(f, BCAST, HY, 1, HY, "10.0.1.9", Z6, "10.0.1.77");
	inject(P[1], f, 42);
	assert_true(quiet(P[1], 100));
	/* Malformed: protocol address length 16. */
	arp(f, BCAST, HY, 1, HY, "10.0.1.9", Z6, "10.0.1.1");
	f[14 + 5] = 16;
	inject_expect_drop(P[1], f, 42, SN_DROP_ARP_MALFORMED);
	assert_true(quiet(P[1], 50));
	sn_stack_stats_read(&s);
	assert_int_equal(s.arp_replies, 1);
	stack_down();
}

struct nwalk {
	const char *want;
	bool found;
};

static void nwalk_fn(const struct sn_stack_entry *e, void *arg)
{
	struct nwalk *w = arg;

	if (strstr(e->text, w->want))
		w->found = true;
}

static void test_arp_resolve(void **state)
{
	struct tcfg t;
	uint8_t f[128], exp[128], got[128];
	struct nwalk w = { .want = "10.0.2.7 dev p2 lladdr 02:77:00:00:00:07 reachable" };
	size_t len;
	uint64_t miss;

	(void)state;
	router_cfg(&t);
	stack_up(&t);
	/* 10.0.2.7 is on p2's subnet and unknown: a request goes out, the packet is dropped. */
	len = udp4(f, P[1]->mac, H1, "10.0.1.2", "10.0.2.7", 64, 8);
	miss = drops(P[1], SN_DROP_NEIGH_MISS);
	inject_expect_drop(P[1], f, len, SN_DROP_NEIGH_MISS);
	arp(exp, BCAST, P[2]->mac, 1, P[2]->mac, "10.0.2.1", Z6, "10.0.2.7");
	expect_frame(P[2], exp, 42);
	/* Again at once: dropped again, no second request within the second. */
	inject_expect_drop(P[1], f, len, SN_DROP_NEIGH_MISS);
	assert_true(quiet(P[2], 100));
	assert_int_equal(drops(P[1], SN_DROP_NEIGH_MISS), miss + 2);
	/* The reply teaches 10.0.2.7 -> HX; the next packet goes there. */
	arp(f, P[2]->mac, HX, 2, HX, "10.0.2.7", P[2]->mac, "10.0.2.1");
	inject(P[2], f, 42);
	sn_stack_walk("neigh", nwalk_fn, &w);
	for (int i = 0; i < 100 && !w.found; i++) {
		usleep(10000);
		sn_stack_walk("neigh", nwalk_fn, &w);
	}
	assert_true(w.found);
	len = udp4(f, P[1]->mac, H1, "10.0.1.2", "10.0.2.7", 64, 8);
	inject(P[1], f, len);
	assert_int_equal(take(P[2], got, sizeof(got)), (int)len);
	assert_memory_equal(got, HX, 6);
	/* After the retransmit interval a new miss solicits again. */
	len = udp4(f, P[1]->mac, H1, "10.0.1.2", "10.0.2.8", 64, 8);
	inject_expect_drop(P[1], f, len, SN_DROP_NEIGH_MISS);
	arp(exp, BCAST, P[2]->mac, 1, P[2]->mac, "10.0.2.1", Z6, "10.0.2.8");
	expect_frame(P[2], exp, 42);
	usleep(1100 * 1000);
	inject_expect_drop(P[1], f, len, SN_DROP_NEIGH_MISS);
	expect_frame(P[2], exp, 42);
	stack_down();
}

static void test_arp_learn_request_static(void **state)
{
	struct tcfg t;
	uint8_t f[128], got[128];
	size_t len;

	(void)state;
	router_cfg(&t);
	stack_up(&t);
	/* A request for our address teaches us the asker. */
	arp(f, BCAST, HY, 1, HY, "10.0.1.9", Z6, "10.0.1.1");
	inject(P[1], f, 42);
	assert_int_equal(take(P[1], got, sizeof(got)), 42);
	len = udp4(f, P[2]->mac, NH, "10.0.3.1", "10.0.1.9", 64, 8);
	inject(P[2], f, len);
	assert_int_equal(take(P[1], got, sizeof(got)), (int)len);
	assert_memory_equal(got, HY, 6);
	/* A reply claiming the static gateway's address does not move it. */
	arp(f, P[2]->mac, HX, 2, HX, "10.0.2.254", P[2]->mac, "10.0.2.1");
	inject(P[2], f, 42);
	usleep(20000);
	len = udp4(f, P[1]->mac, H1, "10.0.1.2", "10.0.3.9", 64, 8);
	inject(P[1], f, len);
	assert_int_equal(take(P[2], got, sizeof(got)), (int)len);
	assert_memory_equal(got, NH, 6);
	stack_down();
}

/* NS or NA with one link-layer option (or none when @lla is NULL). */
static size_t nd(uint8_t *b, const uint8_t *edst, const uint8_t *esrc, const char *src,
		 const char *dst, uint8_t type, uint8_t flags, const char *target,
		 const uint8_t *lla, uint8_t hop)
{
	uint16_t plen = (uint16_t)(24 + (lla ? 8 : 0));
	uint8_t *m = b + 54;

	pk_eth(b, edst, esrc, 0x86dd);
	pk_ip6(b + 14, src, dst, 58, hop, plen);
	memset(m, 0, plen);
	m[0] = type;
	m[4] = flags;
	ip6(m + 8, target);
	if (lla) {
		m[24] = type == 135 ? 1 : 2;
		m[25] = 1;
		memcpy(m + 26, lla, 6);
	}
	put16(m + 2, ref_csum6(b + 22, b + 38, m, plen, 58));
	return 54 + plen;
}

static void test_ns_na(void **state)
{
	struct tcfg t;
	uint8_t f[128], exp[128], got[128];
	const uint8_t SNMAC[6] = { 0x33, 0x33, 0xff, 0, 0, 1 };
	struct sn_stack_stats s;
	size_t len;

	(void)state;
	router_cfg(&t);
	stack_up(&t);
	/* NS from fd00:1::9 (HY) for fd00:1::1, to its solicited-node address. */
	len = nd(f, SNMAC, HY, "fd00:1::9", "ff02::1:ff00:1", 135, 0, "fd00:1::1", HY, 255);
	inject(P[1], f, len);
	/* NA: solicited, router, override; from the target to the solicitor; TLLA = our MAC. */
	len = nd(exp, HY, P[1]->mac, "fd00:1::1", "fd00:1::9", 136, 0xe0, "fd00:1::1", P[1]->mac,
		 255);
	assert_int_equal(len, 86);
	expect_frame(P[1], exp, len);
	/* ... and we learnt HY from the SLLA: a packet to fd00:1::9 goes there without an NS. */
	len = udp6(f, P[2]->mac, NH, "fd00:3::1", "fd00:1::9", 64, 8);
	inject(P[2], f, len);
	assert_int_equal(take(P[1], got, sizeof(got)), (int)len);
	assert_memory_equal(got, HY, 6);
	assert_int_equal(got[21], 63);

	/* DAD probe (source ::, no SLLA) for our address: NA to all-nodes, not solicited. */
	len = nd(f, SNMAC, HY, "::", "ff02::1:ff00:1", 135, 0, "fd00:1::1", NULL, 255);
	inject(P[1], f, len);
	len = nd(exp, (const uint8_t[]){ 0x33, 0x33, 0, 0, 0, 1 }, P[1]->mac, "fd00:1::1", "ff02::1",
		 136, 0xa0, "fd00:1::1", P[1]->mac, 255);
	expect_frame(P[1], exp, len);

	/* NS for an address that is not ours, to its solicited-node group (not one we listen
	 * to): no answer, counted LOCAL_UNHANDLED. */
	uint64_t total = drops_total(P[1]);

	len = nd(f, (const uint8_t[]){ 0x33, 0x33, 0xff, 0, 0, 0x55 }, HY, "fd00:1::9",
		 "ff02::1:ff00:55", 135, 0, "fd00:1::55", HY, 255);
	inject_expect_drop(P[1], f, len, SN_DROP_LOCAL_UNHANDLED);
	/* The same NS sent to all-nodes reaches ND: learnt from, not answered, not a drop. */
	len = nd(f, (const uint8_t[]){ 0x33, 0x33, 0, 0, 0, 1 }, HY, "fd00:1::9", "ff02::1", 135, 0,
		 "fd00:1::55", HY, 255);
	inject(P[1], f, len);
	assert_true(quiet(P[1], 100));
	/* Malformed: hop limit 64 (off-link), and a bad checksum. */
	len = nd(f, SNMAC, HY, "fd00:1::9", "ff02::1:ff00:1", 135, 0, "fd00:1::1", HY, 64);
	inject_expect_drop(P[1], f, len, SN_DROP_MALFORMED);
	len = nd(f, SNMAC, HY, "fd00:1::9", "ff02::1:ff00:1", 135, 0, "fd00:1::1", HY, 255);
	f[60] ^= 1;
	inject_expect_drop(P[1], f, len, SN_DROP_MALFORMED);
	assert_int_equal(drops_total(P[1]), total + 3);
	assert_true(quiet(P[1], 50));
	sn_stack_stats_read(&s);
	assert_int_equal(s.nd_adverts, 2);
	stack_down();
}

static void test_ns_resolve(void **state)
{
	struct tcfg t;
	uint8_t f[128], exp[128], got[128];
	size_t len;

	(void)state;
	router_cfg(&t);
	stack_up(&t);
	len = udp6(f, P[1]->mac, H1, "fd00:1::2", "fd00:2::7", 64, 8);
	inject_expect_drop(P[1], f, len, SN_DROP_NEIGH_MISS);
	/* NS from our p2 address to the solicited-node address of fd00:2::7, with SLLA. */
	len = nd(exp, (const uint8_t[]){ 0x33, 0x33, 0xff, 0, 0, 7 }, P[2]->mac, "fd00:2::1",
		 "ff02::1:ff00:7", 135, 0, "fd00:2::7", P[2]->mac, 255);
	expect_frame(P[2], exp, len);
	len = udp6(f, P[1]->mac, H1, "fd00:1::2", "fd00:2::7", 64, 8);
	inject_expect_drop(P[1], f, len, SN_DROP_NEIGH_MISS);
	assert_true(quiet(P[2], 100));
	/* The solicited NA teaches fd00:2::7 -> HX. */
	len = nd(f, P[2]->mac, HX, "fd00:2::7", "fd00:2::1", 136, 0x60, "fd00:2::7", HX, 255);
	inject(P[2], f, len);
	usleep(20000);
	len = udp6(f, P[1]->mac, H1, "fd00:1::2", "fd00:2::7", 64, 8);
	inject(P[1], f, len);
	assert_int_equal(take(P[2], got, sizeof(got)), (int)len);
	assert_memory_equal(got, HX, 6);
	assert_memory_equal(got + 6, P[2]->mac, 6);
	stack_down();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_reply),
		cmocka_unit_test(test_arp_resolve),
		cmocka_unit_test(test_arp_learn_request_static),
		cmocka_unit_test(test_ns_na),
		cmocka_unit_test(test_ns_resolve),
	};

	return tu_run_per_profile("stack_neigh", tests);
}
