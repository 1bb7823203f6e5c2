// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_icmp.c - ICMP time exceeded through real test ports: TTL 1 and TTL 0 (IPv4) and hop
 * limit 1 and 0 (IPv6) each answered with a time-exceeded whose every byte is checked (L2
 * back to the sender, source = our address on the ingress port, quoted packet as received,
 * both checksums against a reference), quotes cut at 576 / 1280 bytes, no error about an ICMP
 * error or a later fragment, the packet counted IP_TTL; the rate limit (burst of 6 per
 * destination at icmp_ratelimit_ms = 1000, suppressed ones counted ICMP_RATELIMIT, credit
 * back after the interval, no limit at 0). Runs in each locking profile.
 */
#include "stack_test.h"

/* Check @got as the IPv4 time exceeded answering @in (an Ethernet frame on p1 from H1). */
static void check_te4(const uint8_t *got, int n, const uint8_t *in, size_t quote)
{
	const uint8_t *ip = got + 14, *ic = ip + 20;

	assert_int_equal(n, (int)(14 + 20 + 8 + quote));
	assert_memory_equal(got, H1, 6);
	assert_memory_equal(got + 6, P[1]->mac, 6);
	assert_int_equal(get16(got + 12), 0x0800);
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(ip[1], 0xc0);
	assert_int_equal(get16(ip + 2), 20 + 8 + quote);
	assert_int_equal(get16(ip + 6) & 0x1fff, 0);
	assert_int_equal(ip[8], 64);
	assert_int_equal(ip[9], 1);
	assert_int_equal(ref_sum(ip, 20, 0), 0xffff);
	{
		uint8_t a[4];

		ip4(a, "10.0.1.1");
		assert_memory_equal(ip + 12, a, 4);
	}
	assert_memory_equal(ip + 16, in + 14 + 12, 4);
	assert_int_equal(ic[0], 11);
	assert_int_equal(ic[1], 0);
	assert_int_equal(ref_sum(ic, 8 + quote, 0), 0xffff);
	assert_int_equal(get16(ic + 4), 0);
	assert_int_equal(get16(ic + 6), 0);
	assert_memory_equal(ic + 8, in + 14, quote); /* as received: TTL not decremented */
}

static void test_time_exceeded4(void **state)
{
	struct tcfg t;
	uint8_t f[1100], got[1100];
	struct sn_stack_stats s;
	size_t len;
	int n;

	(void)state;
	router_cfg(&t);
	stack_up(&t);
	for (int ttl = 1; ttl >= 0; ttl--) {
		len = udp4(f, P[1]->mac, H1, "10.0.1.2", "10.0.3.9", (uint8_t)ttl, 30);
		inject_expect_drop(P[1], f, len, SN_DROP_IP_TTL);
		n = take(P[1], got, sizeof(got));
		check_te4(got, n, f, len - 14);
		assert_true(quiet(P[2], 20));
	}
	/* A 1000-byte packet: the quote stops at 576 - 28 bytes. */
	len = udp4(f, P[1]->mac, H1, "10.0.1.2", "10.0.3.9", 1, 1000 - 20);
	inject_expect_drop(P[1], f, len, SN_DROP_IP_TTL);
	n = take(P[1], got, sizeof(got));
	check_te4(got, n, f, 576 - 28);
	assert_int_equal(n, 14 + 576);

	/* No error about an error: TTL 1 carrying an ICMP time exceeded. */
	pk_eth(f, P[1]->mac, H1, 0x0800);
	len = 14 + pk_ip4(f + 14, "10.0.1.2", "10.0.3.9", 1, 1, NULL, 0, 36);
	f[34] = 11;
	f[35] = 0;
	inject_expect_drop(P[1], f, len, SN_DROP_IP_TTL);
	/* Nor about a later fragment (offset 8). */
	len = udp4(f, P[1]->mac, H1, "10.0.1.2", "10.0.3.9", 1, 16);
	put16(f + 14 + 6, 1);
	put16(f + 14 + 10, 0);
	put16(f + 14 + 10, ref_csum(f + 14, 20));
	inject_expect_drop(P[1], f, len, SN_DROP_IP_TTL);
	/* An echo request with TTL 1 does get one (only errors are exempt). */
	pk_eth(f, P[1]->mac, H1, 0x0800);
	len = 14 + pk_ip4(f + 14, "10.0.1.2", "10.0.3.9", 1, 1, NULL, 0, 16);
	f[34] = 8;
	inject_expect_drop(P[1], f, len, SN_DROP_IP_TTL);
	n = take(P[1], got, sizeof(got));
	check_te4(got, n, f, len - 14);
	assert_true(quiet(P[1], 50));
	sn_stack_stats_read(&s);
	assert_int_equal(s.icmp_time_exceeded, 4);
	stack_down();
}

static void check_te6(const uint8_t *got, int n, const uint8_t *in, size_t quote)
{
	const uint8_t *ip = got + 14, *ic = ip + 40;
	uint8_t a[16];

	assert_int_equal(n, (int)(14 + 40 + 8 + quote));
	assert_memory_equal(got, H1, 6);
	assert_memory_equal(got + 6, P[1]->mac, 6);
	assert_int_equal(get16(got + 12), 0x86dd);
	assert_int_equal(ip[0], 0x60);
	assert_int_equal(get16(ip + 4), 8 + quote);
	assert_int_equal(ip[6], 58);
	assert_int_equal(ip[7], 64);
	ip6(a, "fd00:1::1");
	assert_memory_equal(ip + 8, a, 16);
	assert_memory_equal(ip + 24, in + 14 + 8, 16);
	assert_int_equal(ic[0], 3);
	assert_int_equal(ic[1], 0);
	assert_int_equal(ref_csum6(ip + 8, ip + 24, ic, (uint32_t)(8 + quote), 58), 0);
	assert_int_equal(get16(ic + 4) | get16(ic + 6), 0);
	assert_memory_equal(ic + 8, in + 14, quote);
}

static void test_time_exceeded6(void **state)
{
	struct tcfg t;
	uint8_t f[1500], got[1500];
	size_t len;
	int n;

	(void)state;
	router_cfg(&t);
	stack_up(&t);
	for (int hop = 1; hop >= 0; hop--) {
		len = udp6(f, P[1]->mac, H1, "fd00:1::2", "fd00:3::9", (uint8_t)hop, 24);
		inject_expect_drop(P[1], f, len, SN_DROP_IP_TTL);
		n = take(P[1], got, sizeof(got));
		check_te6(got, n, f, len - 14);
	}
	/* 1400 bytes: the quote stops at 1280 - 48. */
	len = udp6(f, P[1]->mac, H1, "fd00:1::2", "fd00:3::9", 1, 1400 - 40);
	inject_expect_drop(P[1], f, len, SN_DROP_IP_TTL);
	n = take(P[1], got, sizeof(got));
	check_te6(got, n, f, 1280 - 48);
	/* No error about an ICMPv6 error (destination unreachable). */
	pk_eth(f, P[1]->mac, H1, 0x86dd);
	pk_ip6(f + 14, "fd00:1::2", "fd00:3::9", 58, 1, 8);
	memset(f + 54, 0, 8);
	f[54] = 1;
	inject_expect_drop(P[1], f, 62, SN_DROP_IP_TTL);
	assert_true(quiet(P[1], 50));
	stack_down();
}

static void test_ratelimit(void **state)
{
	struct tcfg t;
	uint8_t f[256], got[256];
	struct sn_stack_stats s;
	uint64_t rl, ttl;
	size_t len;

	(void)state;
	router_cfg(&t);
	t.c.router.icmp_ratelimit_ms = 1000;
	stack_up(&t);
	rl = drops(P[1], SN_DROP_ICMP_RATELIMIT);
	ttl = drops(P[1], SN_DROP_IP_TTL);
	len = udp4(f, P[1]->mac, H1, "10.0.1.2", "10.0.3.9", 1, 8);
	for (int i = 0; i < 10; i++)
		inject(P[1], f, len);
	assert_true(wait_drops(P[1], SN_DROP_IP_TTL, ttl + 10));
	/* A burst of 6 per destination, then one per second. */
	for (int i = 0; i < 6; i++)
		assert_int_equal(take(P[1], got, sizeof(got)), 14 + 28 + (int)len - 14);
	assert_true(quiet(P[1], 100));
	assert_int_equal(drops(P[1], SN_DROP_ICMP_RATELIMIT), rl + 4);
	assert_int_equal(drops(P[1], SN_DROP_IP_TTL), ttl + 10);
	/* Another destination has its own bucket (IPv6 here). */
	len = udp6(f, P[1]->mac, H1, "fd00:1::2", "fd00:3::9", 1, 8);
	inject_expect_drop(P[1], f, len, SN_DROP_IP_TTL);
	assert_true(take(P[1], got, sizeof(got)) > 0);
	/* A second later there is credit for one more. */
	usleep(1050 * 1000);
	len = udp4(f, P[1]->mac, H1, "10.0.1.2", "10.0.3.9", 1, 8);
	inject_expect_drop(P[1], f, len, SN_DROP_IP_TTL);
	assert_true(take(P[1], got, sizeof(got)) > 0);
	inject_expect_drop(P[1], f, len, SN_DROP_IP_TTL);
	assert_true(quiet(P[1], 100));
	assert_int_equal(drops(P[1], SN_DROP_ICMP_RATELIMIT), rl + 5);
	sn_stack_stats_read(&s);
	assert_int_equal(s.icmp_time_exceeded, 8);
	stack_down();

	/* icmp_ratelimit_ms 0: no limit. */
	router_cfg(&t);
	t.c.router.icmp_ratelimit_ms = 0;
	stack_up(&t);
	rl = drops(P[1], SN_DROP_ICMP_RATELIMIT);
	ttl = drops(P[1], SN_DROP_IP_TTL);
	for (int i = 0; i < 20; i++)
		inject(P[1], f, len);
	assert_true(wait_drops(P[1], SN_DROP_IP_TTL, ttl + 20));
	for (int i = 0; i < 20; i++)
		assert_true(take(P[1], got, sizeof(got)) > 0);
	assert_int_equal(drops(P[1], SN_DROP_ICMP_RATELIMIT), rl);
	stack_down();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_exceeded4),
		cmocka_unit_test(test_time_exceeded6),
		cmocka_unit_test(test_ratelimit),
	};

	return tu_run_per_profile("stack_icmp", tests);
}
