// SPDX-License-Identifier: GPL-2.0-only
/*
 * corpus.c - the differential suite's frames, generated from a fixed seed (the same bytes on
 * every run and machine): well-formed IPv4/IPv6/ARP frames to routed and unrouted destinations,
 * single and double VLAN tags, IPv6 extension header chains (up to 5 headers: one more than the
 * forwarding program walks), and malformed ones: runts (1..59 bytes, those under 14 refused by
 * the kernel's test run), headers cut short, IPv4 header/total lengths that lie, IPv6 payload
 * lengths past the frame, random bytes; sizes up to DIFF_MAX_FRAME (far past the veths' MTU + 18:
 * the test run compares them, both sides refuse to send them).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"

#define CORPUS_SEED 0x5eedf00dcafe1234ull
#define CORPUS_N 1200

static uint64_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift64*: enough for reproducible variety */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static uint32_t rnd_range(uint32_t lo, uint32_t hi)
{
	return lo + rnd() % (hi - lo + 1);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* Ethernet header (+ VLAN tags) with @proto; return the header length. */
static uint32_t eth(uint8_t *p, int tags, uint16_t proto)
{
	static const uint8_t dst[6] = { 0x02, 0xd1, 0xff, 0x00, 0x00, 0x01 };
	uint32_t off = 12;

	memcpy(p, dst, 6);
	p[6] = 0x02;
	fill_random(p + 7, 5);
	for (int i = 0; i < tags; i++) {
		put16(p + off, i == 0 && tags == 2 ? 0x88a8 : 0x8100);
		put16(p + off + 2, (uint16_t)rnd_range(1, 4094));
		off += 4;
	}
	put16(p + off, proto);
	return off + 2;
}

/* Destinations: the suite routes 10.0.0.1-3 and IPv6 ...::1-3; the rest miss. */
static uint32_t v4_dst(void)
{
	return htonl(0x0a000000u | rnd_range(0, 5));
}

static uint32_t ipv4(uint8_t *p, uint32_t room, uint32_t payload)
{
	uint32_t tot = 20 + payload;

	if (tot > room)
		tot = room;
	p[0] = 0x45;
	p[1] = 0;
	put16(p + 2, (uint16_t)tot);
	fill_random(p + 4, 4);
	p[8] = (uint8_t)rnd_range(0, 3) == 0 ? 1 : 64; /* TTL 1 now and then */
	p[9] = rnd() & 1 ? 17 : 6;
	p[10] = p[11] = 0;
	put16(p + 12, 0x0a01);
	put16(p + 14, (uint16_t)rnd());
	uint32_t d = v4_dst();

	memcpy(p + 16, &d, 4);
	fill_random(p + 20, room > 20 ? room - 20 : 0);
	return tot;
}

/* IPv6 header with @next and @nexts extension headers (each 8 bytes); return bytes written. */
static uint32_t ipv6(uint8_t *p, uint32_t room, int nexts)
{
	static const uint8_t ext_types[] = { 0, 43, 60, 44 };
	uint8_t next = nexts ? ext_types[rnd() % 4] : (uint8_t)(rnd() & 1 ? 17 : 58);
	uint32_t off = 40;

	if (room < 40)
		return 0;
	p[0] = 0x60;
	fill_random(p + 1, 3);
	put16(p + 4, (uint16_t)(room - 40));
	p[6] = next;
	p[7] = (uint8_t)(rnd_range(0, 3) == 0 ? 1 : 64);
	fill_random(p + 8, 16);
	fill_random(p + 24, 15);
	p[39] = (uint8_t)rnd_range(0, 5);
	for (int i = 0; i < nexts && off + 8 <= room; i++) {
		uint8_t nn = i + 1 < nexts ? ext_types[rnd() % 4] : 17;

		p[off] = nn;
		p[off + 1] = 0; /* 8 bytes */
		fill_random(p + off + 2, 6);
		off += 8;
	}
	fill_random(p + off, room > off ? room - off : 0);
	return room;
}

static void gen_one(struct diff_pkt *pk, int i)
{
	uint8_t *p = pk->data;
	uint32_t len, h;
	int kind = i < 60 ? 0 : (int)(rnd() % 12);

	memset(p, 0, sizeof(pk->data));
	switch (kind) {
	case 0: /* runts, 1..59 bytes, first 60 frames: every length once */
		len = (uint32_t)(i % 59) + 1;
		h = eth(p, 0, 0x0800);
		fill_random(p + h, sizeof(pk->data) - h);
		pk->kind = "runt";
		break;
	case 1: case 2: /* IPv4, any size */
		len = rnd_range(34, rnd() % 8 ? 600 : DIFF_MAX_FRAME);
		h = eth(p, 0, 0x0800);
		ipv4(p + h, len - h, len - h - 20);
		pk->kind = "ipv4";
		break;
	case 3: /* IPv4 under one or two VLAN tags */
		len = rnd_range(60, 1522);
		h = eth(p, (int)rnd_range(1, 2), 0x0800);
		ipv4(p + h, len - h, len - h - 20);
		pk->kind = "vlan-ipv4";
		break;
	case 4: /* IPv4 with a lying header or total length */
		len = rnd_range(34, 300);
		h = eth(p, 0, 0x0800);
		ipv4(p + h, len - h, len - h - 20);
		if (rnd() & 1)
			p[h] = (uint8_t)(0x40 | rnd_range(0, 15)); /* ihl 0..15 */
		else
			put16(p + h + 2, (uint16_t)rnd_range(0, 2000));
		pk->kind = "ipv4-badlen";
		break;
	case 5: /* headers cut short: IPv4 or IPv6 or VLAN */
		h = eth(p, (int)(rnd() % 2), rnd() & 1 ? 0x0800 : 0x86dd);
		len = h + rnd_range(0, 39);
		fill_random(p + h, len - h);
		if (len > h)
			p[h] = p[h - 1] == 0x00 ? 0x45 : 0x60;
		pk->kind = "truncated";
		break;
	case 6: case 7: /* IPv6 with 0..5 extension headers */
		len = rnd_range(54 + 48, rnd() % 8 ? 700 : DIFF_MAX_FRAME);
		h = eth(p, rnd() % 4 == 0, 0x86dd);
		ipv6(p + h, len - h, (int)rnd_range(0, 5));
		pk->kind = "ipv6-ext";
		break;
	case 8: /* IPv6 payload length past the frame, or a bad version */
		len = rnd_range(54, 400);
		h = eth(p, 0, 0x86dd);
		ipv6(p + h, len - h, (int)rnd_range(0, 2));
		if (rnd() & 1)
			put16(p + h + 4, (uint16_t)rnd_range((uint16_t)(len - h - 39), 65535));
		else
			p[h] = (uint8_t)(rnd() & 0xf0);
		pk->kind = "ipv6-badlen";
		break;
	case 9: /* ARP */
		len = rnd_range(42, 64);
		h = eth(p, 0, 0x0806);
		fill_random(p + h, len - h);
		pk->kind = "arp";
		break;
	case 10: /* random bytes, random length */
		len = rnd_range(14, DIFF_MAX_FRAME);
		fill_random(p, len);
		pk->kind = "random";
		break;
	default: /* sizes around the veths' limit: 1500 + 14 (+ 4) */
		len = rnd_range(1510, 1530);
		h = eth(p, rnd() % 3 == 0, 0x0800);
		ipv4(p + h, len - h, len - h - 20);
		pk->kind = "mtu-edge";
		break;
	}
	pk->len = len;
}

size_t diff_corpus_build(struct diff_pkt **out)
{
	struct diff_pkt *c = calloc(CORPUS_N, sizeof(*c));

	if (!c)
		return 0;
	rng_state = CORPUS_SEED;
	for (int i = 0; i < CORPUS_N; i++)
		gen_one(&c[i], i);
	*out = c;
	return CORPUS_N;
}
