// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_parse.c - the stack's header parsers and checksums, on byte arrays (no ports):
 * Ethernet and VLAN tags, ARP, IPv4 with options, checksum and lengths, the IPv6
 * extension-header walk (long valid chains, truncated, misplaced, repeated, too long), the
 * Internet checksum against an independent reference and RFC 1071's worked example, and the
 * RFC 1624 incremental update against full recomputation over many random headers.
 */
#define STACK_TEST_NO_FIXTURE
#include "stack_test.h"

#include "stack/csum.h"
#include "stack/parse.h"

static const uint8_t MA[6] = { 0x02, 0, 0, 0, 0, 0xaa }, MB[6] = { 0x02, 0, 0, 0, 0, 0xbb };

static void test_eth_vlan(void **state)
{
	uint8_t b[64] = { 0 };
	struct sn_pkt p;

	(void)state;
	pk_eth(b, MA, MB, 0x0800);
	assert_false(sn_parse_eth(b, 13, &p));
	assert_int_equal(p.drop, SN_DROP_RUNT);
	assert_true(sn_parse_eth(b, 14, &p));
	assert_int_equal(p.ethertype, 0x0800);
	assert_int_equal(p.l3off, 14);
	assert_int_equal(p.l3len, 0);

	/* One 802.1Q tag, VID 0x123 with PCP bits set. */
	put16(b + 12, 0x8100);
	put16(b + 14, 0xa123);
	put16(b + 16, 0x86dd);
	assert_true(sn_parse_eth(b, 60, &p));
	assert_int_equal(p.vid, 0x123);
	assert_int_equal(p.nr_tags, 1);
	assert_int_equal(p.ethertype, 0x86dd);
	assert_int_equal(p.l3off, 18);
	assert_int_equal(p.l3len, 42);
	/* Tag cut short: 15, 16 and 17 bytes. */
	for (uint32_t n = 15; n < 18; n++) {
		assert_false(sn_parse_eth(b, n, &p));
		assert_int_equal(p.drop, SN_DROP_VLAN_TRUNC);
	}
	/* 802.1ad outer + 802.1Q inner. */
	put16(b + 12, 0x88a8);
	put16(b + 14, 0x0005);
	put16(b + 16, 0x8100);
	put16(b + 18, 0x0007);
	put16(b + 20, 0x0806);
	assert_true(sn_parse_eth(b, 60, &p));
	assert_int_equal(p.nr_tags, 2);
	assert_int_equal(p.vid, 7);
	assert_int_equal(p.ethertype, 0x0806);
	assert_int_equal(p.l3off, 22);
	assert_false(sn_parse_eth(b, 21, &p));
	assert_int_equal(p.drop, SN_DROP_VLAN_TRUNC);
	/* A third tag is deeper than the parser goes. */
	put16(b + 20, 0x8100);
	assert_false(sn_parse_eth(b, 60, &p));
	assert_int_equal(p.drop, SN_DROP_VLAN_TRUNC);
}

static void arp_frame(uint8_t *b)
{
	uint8_t *a = b + 14;

	memset(b, 0, 60);
	pk_eth(b, (const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, MA, 0x0806);
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);
}

static void test_arp(void **state)
{
	uint8_t b[60];
	struct sn_pkt p;

	(void)state;
	arp_frame(b);
	assert_true(sn_parse_eth(b, 42, &p));
	assert_true(sn_parse_arp(b, 42, &p));
	assert_true(sn_parse_eth(b, 41, &p));
	assert_false(sn_parse_arp(b, 41, &p));
	assert_int_equal(p.drop, SN_DROP_ARP_MALFORMED);
	struct { int off; uint8_t v; } bad[] = {
		{ 14 + 1, 6 },  /* hardware type 6 */
		{ 14 + 2, 0x86 }, /* protocol 0x86dd-ish */
		{ 14 + 4, 8 },  /* hlen */
		{ 14 + 5, 16 }, /* plen */
		{ 14 + 7, 3 },  /* op 3 */
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		arp_frame(b);
		b[bad[i].off] = bad[i].v;
		assert_true(sn_parse_eth(b, 60, &p));
		assert_false(sn_parse_arp(b, 60, &p));
		assert_int_equal(p.drop, SN_DROP_ARP_MALFORMED);
	}
}

static bool parse4(uint8_t *b, uint32_t len, struct sn_pkt *p)
{
	assert_true(sn_parse_eth(b, len, p));
	return sn_parse_ipv4(b, len, p);
}

static void test_ipv4(void **state)
{
	static const uint8_t opts[8] = { 1, 1, 0x94, 4, 0, 0, 1, 0 }; /* NOP NOP RA(4) NOP EOL */
	uint8_t b[128];
	struct sn_pkt p;
	size_t tot;

	(void)state;
	pk_eth(b, MA, MB, 0x0800);
	tot = pk_ip4(b + 14, "10.0.0.1", "10.0.1.2", 17, 64, opts, sizeof(opts), 12);
	assert_true(parse4(b, (uint32_t)(14 + tot), &p));
	assert_int_equal(p.l3hlen, 28);
	assert_int_equal(p.ip_len, tot);
	assert_int_equal(p.l4proto, 17);
	assert_false(p.frag);
	assert_true(p.first_frag);
	/* Ethernet padding after the packet is fine. */
	assert_true(parse4(b, (uint32_t)(14 + tot + 6), &p));

	/* Shorter than a header, bad version, IHL 4, IHL beyond the frame. */
	assert_false(parse4(b, 14 + 19, &p));
	assert_int_equal(p.drop, SN_DROP_IP_HDR);
	b[14] = 0x57;
	assert_false(parse4(b, (uint32_t)(14 + tot), &p));
	assert_int_equal(p.drop, SN_DROP_IP_HDR);
	b[14] = 0x44;
	assert_false(parse4(b, (uint32_t)(14 + tot), &p));
	assert_int_equal(p.drop, SN_DROP_IP_HDR);
	b[14] = 0x4f; /* 60 bytes of header in a 40-byte packet */
	assert_false(parse4(b, (uint32_t)(14 + tot), &p));
	assert_int_equal(p.drop, SN_DROP_IP_HDR);

	/* One flipped bit: checksum. */
	tot = pk_ip4(b + 14, "10.0.0.1", "10.0.1.2", 17, 64, opts, sizeof(opts), 12);
	b[14 + 8] ^= 0x01;
	assert_false(parse4(b, (uint32_t)(14 + tot), &p));
	assert_int_equal(p.drop, SN_DROP_IP_CSUM);
	b[14 + 8] ^= 0x01;

	/* Total length beyond the frame, and below the header length (checksums fixed up). */
	put16(b + 14 + 2, (uint16_t)(tot + 1));
	put16(b + 14 + 10, 0);
	put16(b + 14 + 10, ref_csum(b + 14, 28));
	assert_false(parse4(b, (uint32_t)(14 + tot), &p));
	assert_int_equal(p.drop, SN_DROP_IP_LEN);
	put16(b + 14 + 2, 27);
	put16(b + 14 + 10, 0);
	put16(b + 14 + 10, ref_csum(b + 14, 28));
	assert_false(parse4(b, (uint32_t)(14 + tot), &p));
	assert_int_equal(p.drop, SN_DROP_IP_LEN);

	/* An option whose length runs past the header, and one of length 0. */
	static const uint8_t bad1[4] = { 1, 0x94, 8, 0 }, bad2[4] = { 0x94, 0, 0, 0 };
	tot = pk_ip4(b + 14, "10.0.0.1", "10.0.1.2", 17, 64, bad1, 4, 0);
	assert_false(parse4(b, (uint32_t)(14 + tot), &p));
	assert_int_equal(p.drop, SN_DROP_IP_HDR);
	tot = pk_ip4(b + 14, "10.0.0.1", "10.0.1.2", 17, 64, bad2, 4, 0);
	assert_false(parse4(b, (uint32_t)(14 + tot), &p));
	assert_int_equal(p.drop, SN_DROP_IP_HDR);

	/* Fragments: MF set (first), then offset 8 (not first). */
	tot = pk_ip4(b + 14, "10.0.0.1", "10.0.1.2", 17, 64, NULL, 0, 8);
	put16(b + 14 + 6, 0x2000);
	put16(b + 14 + 10, 0);
	put16(b + 14 + 10, ref_csum(b + 14, 20));
	assert_true(parse4(b, (uint32_t)(14 + tot), &p));
	assert_true(p.frag);
	assert_true(p.first_frag);
	put16(b + 14 + 6, 0x0001);
	put16(b + 14 + 10, 0);
	put16(b + 14 + 10, ref_csum(b + 14, 20));
	assert_true(parse4(b, (uint32_t)(14 + tot), &p));
	assert_true(p.frag);
	assert_false(p.first_frag);
}

/*
 * Build an IPv6 packet with the extension headers @types (in order) then UDP (8 bytes):
 * each option header 8 bytes (PadN), fragment 8 bytes (offset 0), AH 12 bytes.
 */
static uint32_t build6(uint8_t *b, const uint8_t *types, int n)
{
	uint8_t *ip = b + 14, *h = ip + 40;
	uint32_t off = 0;

	pk_eth(b, MA, MB, 0x86dd);
	for (int i = 0; i < n; i++) {
		uint8_t next = i + 1 < n ? types[i + 1] : 17;
		uint32_t hl = types[i] == 51 ? 12 : 8;

		memset(h + off, 0, hl);
		h[off] = next;
		if (types[i] == 51)
			h[off + 1] = 1; /* (1 + 2) * 4 = 12 */
		else if (types[i] == 0 || types[i] == 60) {
			h[off + 2] = 1; /* PadN, 4 bytes of padding */
			h[off + 3] = 4;
		} else if (types[i] == 43) {
			h[off + 2] = 0; /* type 0 */
			h[off + 3] = 0; /* segments left */
		}
		off += hl;
	}
	memset(h + off, 0, 8);
	pk_ip6(ip, "fd00:1::2", "fd00:2::2", n ? types[0] : 17, 64, (uint16_t)(off + 8));
	return 14 + 40 + off + 8;
}

static bool parse6(uint8_t *b, uint32_t len, struct sn_pkt *p)
{
	assert_true(sn_parse_eth(b, len, p));
	return sn_parse_ipv6(b, len, p);
}

static void test_ipv6_chain(void **state)
{
	uint8_t b[512];
	struct sn_pkt p;
	uint32_t len;

	(void)state;
	len = build6(b, NULL, 0);
	assert_true(parse6(b, len, &p));
	assert_int_equal(p.l4proto, 17);
	assert_int_equal(p.l3hlen, 40);
	assert_int_equal(p.ip_len, 48);

	/* RFC 8200 §4.1 order, seven headers: HBH DST RH FRAG AH DST, then UDP. */
	static const uint8_t longest[] = { 0, 60, 43, 44, 51, 60 };
	len = build6(b, longest, 6);
	assert_true(parse6(b, len, &p));
	assert_int_equal(p.nr_exthdrs, 6);
	assert_int_equal(p.l4proto, 17);
	assert_int_equal(p.l3hlen, 40 + 8 * 5 + 12);
	assert_true(p.frag);
	assert_true(p.first_frag);
	/* The same with mobility, HIP and shim6 in it: 8 headers, the limit. */
	static const uint8_t eight[] = { 0, 60, 43, 44, 51, 135, 139, 140 };
	len = build6(b, eight, 8);
	assert_true(parse6(b, len, &p));
	assert_int_equal(p.nr_exthdrs, SN_IP6_MAX_EXTHDRS);
	/* Nine: one past the bound. */
	static const uint8_t nine[] = { 0, 60, 43, 44, 51, 135, 139, 140, 60 };
	len = build6(b, nine, 9);
	assert_false(parse6(b, len, &p));
	assert_int_equal(p.drop, SN_DROP_IP6_EXTHDR);

	/* A looping chain: destination options over and over. */
	static const uint8_t loop[] = { 60, 60, 60, 60 };
	len = build6(b, loop, 4);
	assert_false(parse6(b, len, &p));
	assert_int_equal(p.drop, SN_DROP_IP6_EXTHDR);
	static const uint8_t rr[] = { 43, 43 };
	len = build6(b, rr, 2);
	assert_false(parse6(b, len, &p));
	assert_int_equal(p.drop, SN_DROP_IP6_EXTHDR);

	/* Hop-by-hop anywhere but first. */
	static const uint8_t hbh2[] = { 60, 0 };
	len = build6(b, hbh2, 2);
	assert_false(parse6(b, len, &p));
	assert_int_equal(p.drop, SN_DROP_IP6_EXTHDR);

	/* Truncated: the last header claims more than the payload has. */
	static const uint8_t two[] = { 0, 60 };
	len = build6(b, two, 2);
	b[14 + 40 + 8 + 1] = 3; /* DST header length (3 + 1) * 8 = 32 */
	assert_false(parse6(b, len, &p));
	assert_int_equal(p.drop, SN_DROP_IP6_EXTHDR);
	/* Truncated: payload ends inside the chain (payload length shrunk to 12). */
	len = build6(b, two, 2);
	put16(b + 14 + 4, 12);
	assert_false(parse6(b, len, &p));
	assert_int_equal(p.drop, SN_DROP_IP6_EXTHDR);
	/* The last header (routing, 8 bytes) claims 24: it would run past the payload. */
	static const uint8_t hr[] = { 0, 43 };
	len = build6(b, hr, 2);
	b[14 + 40 + 8 + 1] = 2;
	assert_false(parse6(b, len, &p));
	assert_int_equal(p.drop, SN_DROP_IP6_EXTHDR);
	/* An option TLV running past its header. */
	len = build6(b, two, 2);
	b[14 + 40 + 3] = 9;
	assert_false(parse6(b, len, &p));
	assert_int_equal(p.drop, SN_DROP_IP6_EXTHDR);

	/* A later fragment: the walk stops at the fragment header. */
	static const uint8_t fr[] = { 0, 44, 60 };
	len = build6(b, fr, 3);
	put16(b + 14 + 40 + 8 + 2, 0x0100);
	assert_true(parse6(b, len, &p));
	assert_false(p.first_frag);
	assert_int_equal(p.l4proto, SN_IPPROTO_FRAGMENT);
	assert_int_equal(p.l3hlen, 56);

	/* Lengths: payload beyond the frame, version, short header, zero payload length. */
	len = build6(b, NULL, 0);
	assert_false(parse6(b, len - 1, &p));
	assert_int_equal(p.drop, SN_DROP_IP_LEN);
	assert_false(parse6(b, 14 + 39, &p));
	assert_int_equal(p.drop, SN_DROP_IP_HDR);
	b[14] = 0x40;
	assert_false(parse6(b, len, &p));
	assert_int_equal(p.drop, SN_DROP_IP_HDR);
	len = build6(b, NULL, 0);
	put16(b + 14 + 4, 0);
	assert_false(parse6(b, len, &p));
	assert_int_equal(p.drop, SN_DROP_IP_LEN);
}

static void test_csum(void **state)
{
	/* RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (checksum 220d). */
	static const uint8_t v[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint8_t b[64];

	(void)state;
	assert_int_equal(sn_csum_fold(sn_csum_partial(v, 8, 0)), 0xddf2);
	assert_int_equal(sn_csum(v, 8), 0x220d);
	/* Odd length: the last byte is the high half of a word. */
	assert_int_equal(sn_csum(v, 7), ref_csum(v, 7));

	srand(42);
	for (int i = 0; i < 20000; i++) {
		uint16_t old, nw, inc;

		for (int k = 0; k < 20; k++)
			b[k] = (uint8_t)rand();
		b[0] = 0x45;
		if (i % 7 == 0) /* mostly zero headers: sums near the 0x0000 / 0xffff edge */
			memset(b + 12, 0, 8);
		if (b[8] == 0)
			b[8] = 1;
		put16(b + 10, 0);
		put16(b + 10, ref_csum(b, 20));
		assert_int_equal(sn_ip4_hdr_csum(b, 20), get16(b + 10));
		assert_true(sn_ip4_hdr_csum_ok(b, 20));
		/* TTL decrement, RFC 1624 update, compare with recomputation. */
		old = get16(b + 8);
		b[8]--;
		nw = get16(b + 8);
		inc = sn_csum_replace16(get16(b + 10), old, nw);
		put16(b + 10, inc);
		assert_true(sn_ip4_hdr_csum_ok(b, 20));
		put16(b + 10, 0);
		assert_int_equal(inc, ref_csum(b, 20));
	}
	/*
	 * RFC 1624 §3: when the other words sum to 0xffff the checksum is 0x0000, which eqn. 3
	 * gives and the older eqn. 2 does not (it yields 0xffff). TTL 2 -> 1, protocol 0, total
	 * length chosen so that 0x4500 + 0xb9ff + 0x0100 = 0xffff.
	 */
	memset(b, 0, 20);
	b[0] = 0x45;
	put16(b + 2, 0xb9ff);
	b[8] = 2;
	put16(b + 10, ref_csum(b, 20));
	uint16_t c = sn_csum_replace16(get16(b + 10), get16(b + 8), (uint16_t)(get16(b + 8) - 0x100));
	b[8] = 1;
	put16(b + 10, 0);
	assert_int_equal(ref_csum(b, 20), 0x0000);
	assert_int_equal(c, 0x0000);

	/* IPv6 pseudo-header checksum against the reference. */
	uint8_t s[16], d[16], m[40];

	ip6(s, "fd00:1::2");
	ip6(d, "ff02::1:ff00:1");
	for (int k = 0; k < 40; k++)
		m[k] = (uint8_t)(k * 7 + 3);
	put16(m + 2, 0);
	uint16_t c6 = sn_ip6_l4_csum(s, d, m, 37, 58, 2);

	assert_int_equal(c6, ref_csum6(s, d, m, 37, 58));
	put16(m + 2, c6);
	assert_true(sn_ip6_l4_csum_ok(s, d, m, 37, 58));
	m[20] ^= 0x40;
	assert_false(sn_ip6_l4_csum_ok(s, d, m, 37, 58));
	/* A 32-bit replace equals two 16-bit ones and full recomputation. */
	memset(b, 0, 20);
	b[0] = 0x45;
	ip4(b + 12, "192.0.2.1");
	put16(b + 10, ref_csum(b, 20));
	uint16_t c4 = sn_csum_replace32(get16(b + 10), 0xc0000201u, 0xc6336407u);

	ip4(b + 12, "198.51.100.7");
	put16(b + 10, 0);
	assert_int_equal(c4, ref_csum(b, 20));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_vlan),
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6_chain),
		cmocka_unit_test(test_csum),
	};

	return tu_run_per_profile("stack_parse", tests);
}
