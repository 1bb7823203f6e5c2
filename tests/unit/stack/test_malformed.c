// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_malformed.c - broken frames through real test ports: runts, truncated VLAN tags, bad
 * IHL, bad version, bad checksum, bad total length, truncated IPv4/IPv6 headers, TTL 0 and 1,
 * IPv6 extension-header chains (a long valid one forwarded intact, truncated, looping, too long
 * and misplaced ones dropped), truncated ARP: each dropped and counted under its reason, on
 * router and bridge ports. Then a seeded fuzz of mutated frames that must all be accounted for
 * (dropped under some reason, routed or delivered locally: no silent drop) without a crash
 * (the suite also runs under ASan/UBSan). Runs in each locking profile.
 */
#include "stack_test.h"

static void test_l2(void **state)
{
	struct tcfg t;
	uint8_t f[64] = { 0 };
	int bports[2] = { 2, 3 };

	(void)state;
	router_cfg(&t);
	tc_bridge(&t, 2, bports);
	stack_up(&t);
	memcpy(f, P[1]->mac, 6);
	memcpy(f + 6, H1, 6);
	for (size_t n = 1; n < 14; n++) {
		inject_expect_drop(P[1], f, n, SN_DROP_RUNT); /* router port */
		inject_expect_drop(P[2], f, n, SN_DROP_RUNT); /* bridge port */
	}
	/* 802.1Q type with the tag cut short. */
	put16(f + 12, 0x8100);
	for (size_t n = 14; n < 18; n++) {
		inject_expect_drop(P[1], f, n, SN_DROP_VLAN_TRUNC);
		inject_expect_drop(P[2], f, n, SN_DROP_VLAN_TRUNC);
	}
	assert_true(quiet(P[3], 50));
	stack_down();
}

static void test_ipv4(void **state)
{
	struct tcfg t;
	uint8_t f[128], g[128], got[128];
	size_t len;

	(void)state;
	router_cfg(&t);
	stack_up(&t);
	len = udp4(f, P[1]->mac, H1, "10.0.1.2", "10.0.3.9", 64, 26);
	/* Header cut short (10 of 20 bytes). */
	inject_expect_drop(P[1], f, 24, SN_DROP_IP_HDR);
	/* Bad version, IHL 4 (checksums fixed so that only the field is wrong). */
	memcpy(g, f, len);
	g[14] = 0x55;
	put16(g + 24, 0);
	put16(g + 24, ref_csum(g + 14, 20));
	inject_expect_drop(P[1], g, len, SN_DROP_IP_HDR);
	memcpy(g, f, len);
	g[14] = 0x44;
	inject_expect_drop(P[1], g, len, SN_DROP_IP_HDR);
	/* IHL 15 (60 bytes) in a frame with 20 + 26 bytes of IP. */
	memcpy(g, f, len);
	g[14] = 0x4f;
	inject_expect_drop(P[1], g, len, SN_DROP_IP_HDR);
	/* Checksum. */
	memcpy(g, f, len);
	g[24] ^= 0x80;
	inject_expect_drop(P[1], g, len, SN_DROP_IP_CSUM);
	/* Total length beyond the frame; below the header length. */
	memcpy(g, f, len);
	put16(g + 16, (uint16_t)(len - 14 + 1));
	put16(g + 24, 0);
	put16(g + 24, ref_csum(g + 14, 20));
	inject_expect_drop(P[1], g, len, SN_DROP_IP_LEN);
	put16(g + 16, 19);
	put16(g + 24, 0);
	put16(g + 24, ref_csum(g + 14, 20));
	inject_expect_drop(P[1], g, len, SN_DROP_IP_LEN);
	/* The frame cut inside the payload (total length says more). */
	inject_expect_drop(P[1], f, len - 1, SN_DROP_IP_LEN);
	/* TTL 0 and 1. */
	len = udp4(f, P[1]->mac, H1, "10.0.1.2", "10.0.3.9", 0, 26);
	inject_expect_drop(P[1], f, len, SN_DROP_IP_TTL);
	assert_true(take(P[1], got, sizeof(got)) > 0); /* the time exceeded */
	len = udp4(f, P[1]->mac, H1, "10.0.1.2", "10.0.3.9", 1, 26);
	inject_expect_drop(P[1], f, len, SN_DROP_IP_TTL);
	assert_true(take(P[1], got, sizeof(got)) > 0);
	/* ARP cut at 27 bytes. */
	pk_eth(g, BCAST, H1, 0x0806);
	memset(g + 14, 0, 27);
	put16(g + 14, 1);
	put16(g + 16, 0x0800);
	g[18] = 6, g[19] = 4;
	put16(g + 20, 1);
	inject_expect_drop(P[1], g, 14 + 27, SN_DROP_ARP_MALFORMED);
	assert_true(quiet(P[2], 50));
	stack_down();
}

/* IPv6 to fd00:3::9 with the extension headers @types (8 bytes each), then 8 bytes of UDP. */
static size_t chain6(uint8_t *b, const uint8_t *types, int n, uint8_t hop)
{
	uint8_t *h = b + 54;

	pk_eth(b, P[1]->mac, H1, 0x86dd);
	for (int i = 0; i < n; i++) {
		memset(h + 8 * i, 0, 8);
		h[8 * i] = i + 1 < n ? types[i + 1] : 17;
		if (types[i] == 0 || types[i] == 60) {
			h[8 * i + 2] = 1; /* PadN */
			h[8 * i + 3] = 4;
		}
	}
	memset(h + 8 * n, 0x77, 8);
	pk_ip6(b + 14, "fd00:1::2", "fd00:3::9", n ? types[0] : 17, hop, (uint16_t)(8 * n + 8));
	return 54 + 8 * (size_t)n + 8;
}

static void test_ipv6(void **state)
{
	static const uint8_t lng[] = { 0, 60, 43, 44, 135, 60 };
	static const uint8_t nine[] = { 0, 60, 43, 44, 51, 135, 139, 140, 60 }; /* no repeats */
	static const uint8_t loop[] = { 43, 43, 43, 43, 43 };
	static const uint8_t hbh[] = { 60, 0 };
	struct tcfg t;
	uint8_t f[256], got[256];
	size_t len;
	int n;

	(void)state;
	router_cfg(&t);
	stack_up(&t);
	/* A long valid chain is forwarded, every byte but the hop limit and MACs intact. */
	len = chain6(f, lng, 6, 64);
	inject(P[1], f, len);
	n = take(P[2], got, sizeof(got));
	assert_int_equal(n, (int)len);
	assert_memory_equal(got, NH, 6);
	assert_int_equal(got[21], 63);
	got[21] = 64;
	assert_memory_equal(got + 12, f + 12, len - 12);
	/* Too long, looping, misplaced hop-by-hop. */
	len = chain6(f, nine, 9, 64);
	inject_expect_drop(P[1], f, len, SN_DROP_IP6_EXTHDR);
	len = chain6(f, loop, 5, 64);
	inject_expect_drop(P[1], f, len, SN_DROP_IP6_EXTHDR);
	len = chain6(f, hbh, 2, 64);
	inject_expect_drop(P[1], f, len, SN_DROP_IP6_EXTHDR);
	/* Truncated: the last header claims 16 bytes more than there are. */
	len = chain6(f, lng, 6, 64);
	f[54 + 5 * 8 + 1] = 2;
	inject_expect_drop(P[1], f, len, SN_DROP_IP6_EXTHDR);
	/* Truncated: the last header, a routing header, claims 16 bytes more than there are. */
	static const uint8_t rh[] = { 0, 60, 43 };
	len = chain6(f, rh, 3, 64);
	f[54 + 2 * 8 + 1] = 2;
	inject_expect_drop(P[1], f, len, SN_DROP_IP6_EXTHDR);
	/* Truncated: payload length ends in the middle of the chain. */
	len = chain6(f, lng, 6, 64);
	put16(f + 18, 20);
	inject_expect_drop(P[1], f, len, SN_DROP_IP6_EXTHDR);
	/* Payload length beyond the frame; header cut short; hop limit 0 and 1. */
	len = chain6(f, lng, 6, 64);
	inject_expect_drop(P[1], f, len - 1, SN_DROP_IP_LEN);
	inject_expect_drop(P[1], f, 14 + 39, SN_DROP_IP_HDR);
	for (int hop = 0; hop < 2; hop++) {
		len = chain6(f, lng, 6, (uint8_t)hop);
		inject_expect_drop(P[1], f, len, SN_DROP_IP_TTL);
		assert_true(take(P[1], got, sizeof(got)) > 0);
	}
	assert_true(quiet(P[2], 50));
	stack_down();
}

/* Reasons counted on a device without a frame being dropped there. */
static bool not_a_frame_drop(int r)
{
	return r == SN_DROP_ICMP_RATELIMIT || r == SN_DROP_NOMEM_BUF || r == SN_DROP_BRIDGE_FDB_FULL ||
	       r == SN_DROP_TX_RING_FULL || r == SN_DROP_TX_ERROR || r == SN_DROP_TOO_BIG ||
	       r == SN_DROP_PORT_DOWN || r == SN_DROP_DEAD_LOOP;
}

static uint64_t rx_drops(struct sn_netdev *d)
{
	struct sn_dev_stats s;
	uint64_t n = 0;

	sn_dev_stats_read(d, -1, &s);
	for (int r = 0; r < SN_DROP_MAX; r++)
		if (!not_a_frame_drop(r))
			n += s.drops[r];
	return n;
}

static uint64_t handled(void)
{
	struct sn_stack_stats s;

	sn_stack_stats_read(&s);
	return s.routed4 + s.routed6 + s.local_delivered;
}

static void test_fuzz_accounted(void **state)
{
	static const uint8_t lng[] = { 0, 60, 43, 44, 51, 60 };
	struct tcfg t;
	uint8_t tmpl[6][160], f[160], sink[2048];
	size_t tlen[6];
	uint64_t d0, h0, injected = 0;
	unsigned int seed = 1234;

	(void)state;
	router_cfg(&t);
	stack_up(&t);
	/* Templates: UDP v4, v4 with options, v6 chain, ARP request, NS, echo request. */
	static const uint8_t opts[8] = { 1, 0x94, 4, 0, 0, 7, 3, 0 };
	tlen[0] = udp4(tmpl[0], P[1]->mac, H1, "10.0.1.2", "10.0.3.9", 64, 40);
	pk_eth(tmpl[1], P[1]->mac, H1, 0x0800);
	tlen[1] = 14 + pk_ip4(tmpl[1] + 14, "10.0.1.2", "10.0.1.1", 1, 3, opts, 8, 40);
	tlen[2] = chain6(tmpl[2], lng, 6, 64);
	tmpl[2][54 + 4 * 8 + 1] = 0; /* AH length (0 + 2) * 4 = 8 */
	pk_eth(tmpl[3], BCAST, H1, 0x0806);
	memcpy(tmpl[3] + 14, (const uint8_t[]){ 0, 1, 8, 0, 6, 4, 0, 1 }, 8);
	memcpy(tmpl[3] + 22, H1, 6);
	ip4(tmpl[3] + 28, "10.0.1.2");
	memset(tmpl[3] + 32, 0, 6);
	ip4(tmpl[3] + 38, "10.0.1.1");
	tlen[3] = 42;
	pk_eth(tmpl[4], (const uint8_t[]){ 0x33, 0x33, 0xff, 0, 0, 1 }, H1, 0x86dd);
	pk_ip6(tmpl[4] + 14, "fd00:1::2", "ff02::1:ff00:1", 58, 255, 32);
	memset(tmpl[4] + 54, 0, 32);
	tmpl[4][54] = 135;
	ip6(tmpl[4] + 62, "fd00:1::1");
	tmpl[4][78] = 1, tmpl[4][79] = 1;
	memcpy(tmpl[4] + 80, H1, 6);
	put16(tmpl[4] + 56, ref_csum6(tmpl[4] + 22, tmpl[4] + 38, tmpl[4] + 54, 32, 58));
	tlen[4] = 86;
	pk_eth(tmpl[5], P[1]->mac, H1, 0x0800);
	tlen[5] = 14 + pk_ip4(tmpl[5] + 14, "10.0.1.2", "10.0.1.1", 1, 64, NULL, 0, 16);
	tmpl[5][34] = 8;
	put16(tmpl[5] + 36, 0);
	put16(tmpl[5] + 36, ref_csum(tmpl[5] + 34, 16));

	d0 = rx_drops(P[1]);
	h0 = handled();
	for (int i = 0; i < 3000; i++) {
		int k = rand_r(&seed) % 6, flips = rand_r(&seed) % 4;
		size_t len = tlen[k];

		memcpy(f, tmpl[k], len);
		for (int j = 0; j < flips; j++)
			f[12 + rand_r(&seed) % (len - 12)] ^= (uint8_t)(1 + rand_r(&seed) % 255);
		/* Half the time repair the IPv4 header checksum, to get past it to deeper checks. */
		if (get16(f + 12) == 0x0800 && (f[14] & 0x0f) >= 5 &&
		    14 + (size_t)(f[14] & 0x0f) * 4 <= len && rand_r(&seed) % 2) {
			put16(f + 24, 0);
			put16(f + 24, ref_csum(f + 14, (size_t)(f[14] & 0x0f) * 4));
		}
		if (rand_r(&seed) % 4 == 0)
			len = (size_t)(rand_r(&seed) % (int)len) + 1;
		while (sn_port_test_inject(P[1], 0, f, (uint32_t)len) == -ENOBUFS)
			usleep(1000);
		injected++;
		if (i % 500 == 499) /* keep the capture rings from filling */
			for (int p = 0; p < NPORTS; p++)
				while (sn_port_test_take_tx(P[p], sink, sizeof(sink)) >= 0)
					tx_taken[P[p]->index]++;
	}
	for (int i = 0; i < 5000; i++) {
		if (rx_drops(P[1]) - d0 + handled() - h0 >= injected)
			break;
		usleep(1000);
	}
	/* Every frame ends once: dropped with a reason, routed, or consumed locally. */
	assert_int_equal(rx_drops(P[1]) - d0 + handled() - h0, injected);
	stack_down();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_l2),
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_fuzz_accounted),
	};

	return tu_run_per_profile("stack_malformed", tests);
}
