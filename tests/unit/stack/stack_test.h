/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stack_test.h - shared by the stack's unit tests: packet builders with an independent
 * checksum reference, and a fixture of in-process test ports (ports/port_test.c) that carry
 * frames through a real NAPI poll into sn_stack_rx().
 *
 * The fixture is made once per process (the test runner forks one per profile): ports p0..p3
 * on CPU 0 and a vlan device p0.10 (VID 10 on p0); each test builds a configuration, brings
 * the stack up, injects, reads what the ports transmitted and the drop counters, and brings the
 * stack down. Counters accumulate over a process, so tests compare against a snapshot.
 */
#ifndef TESTS_UNIT_STACK_STACK_TEST_H
#define TESTS_UNIT_STACK_STACK_TEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/test_util.h"

#include "bhlock/bhlock.h"
#include "config/config_types.h"
#include "net/drop_reason.h"
#include "net/net_core.h"
#include "net/netdev.h"
#include "ports/ports.h"
#include "stack/stack.h"

/* ---- bytes ---------------------------------------------------------------------------- */

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Reference one's-complement sum, written independently of stack/csum.c: 32-bit words of
 * byte pairs folded at the end. */
static inline uint16_t ref_sum(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i < n; i++)
		acc += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static inline uint16_t ref_csum(const uint8_t *p, size_t n)
{
	return (uint16_t)~ref_sum(p, n, 0);
}

/* ICMPv6/UDP checksum under the IPv6 pseudo-header, reference version. */
static inline uint16_t ref_csum6(const uint8_t *src, const uint8_t *dst, const uint8_t *l4,
				 uint32_t len, uint8_t proto)
{
	uint8_t ph[40];

	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	ph[32] = (uint8_t)(len >> 24);
	ph[33] = (uint8_t)(len >> 16);
	ph[34] = (uint8_t)(len >> 8);
	ph[35] = (uint8_t)len;
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = proto;
	return (uint16_t)~ref_sum(l4, len, ref_sum(ph, 40, 0));
}

static inline void ip4(uint8_t *a, const char *s)
{
	assert_int_equal(inet_pton(AF_INET, s, a), 1);
}

static inline void ip6(uint8_t *a, const char *s)
{
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
}

/* Ethernet header; returns the L3 offset (14). */
static inline size_t pk_eth(uint8_t *b, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	put16(b + 12, type);
	return 14;
}

/*
 * IPv4 header at @ip (20 bytes + @optlen of @opts) + @paylen bytes of payload pattern,
 * valid checksum. Returns the total length.
 */
static inline size_t pk_ip4(uint8_t *ip, const char *src, const char *dst, uint8_t proto,
			    uint8_t ttl, const uint8_t *opts, size_t optlen, size_t paylen)
{
	size_t hl = 20 + optlen, tot = hl + paylen;

	memset(ip, 0, hl);
	ip[0] = (uint8_t)(0x40 | (hl / 4));
	put16(ip + 2, (uint16_t)tot);
	put16(ip + 4, 0x1234);
	ip[8] = ttl;
	ip[9] = proto;
	ip4(ip + 12, src);
	ip4(ip + 16, dst);
	if (optlen)
		memcpy(ip + 20, opts, optlen);
	put16(ip + 10, ref_csum(ip, hl));
	for (size_t i = 0; i < paylen; i++)
		ip[hl + i] = (uint8_t)(0xa0 + i);
	return tot;
}

/* IPv6 header with next header @nh and payload length @plen (payload not written). */
static inline void pk_ip6(uint8_t *ip, const char *src, const char *dst, uint8_t nh,
			  uint8_t hop, uint16_t plen)
{
	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, plen);
	ip[6] = nh;
	ip[7] = hop;
	ip6(ip + 8, src);
	ip6(ip + 24, dst);
}

/* ---- fixture -------------------------------------------------------------------------- */
#ifndef STACK_TEST_NO_FIXTURE

#define NPORTS 4
static struct sn_netdev *P[NPORTS]; /* p0..p3 */
static struct sn_netdev *V10;       /* p0.10 */
static uint64_t tx_taken[SN_MAX_DEVS];

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static inline void env_start(void)
{
	static bool started;
	char name[8];

	if (started)
		return;
	assert_int_equal(sn_net_init(NULL), 0);
	for (int i = 0; i < NPORTS; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		P[i] = sn_port_test_create(name, 1, 0);
		assert_non_null(P[i]);
	}
	V10 = sn_port_vlan_create("p0.10", P[0], 10);
	assert_non_null(V10);
	assert_int_equal(bhlock_start(), 0);
	for (int i = 0; i < NPORTS; i++)
		assert_int_equal(sn_netdev_open(P[i]), 0);
	assert_int_equal(sn_netdev_open(V10), 0);
	sn_netdev_set_rx_handler(sn_stack_rx);
	started = true;
}

/* A configuration over the fixture's ports: index 0..3 = p0..p3, 4 = p0.10. */
struct tcfg {
	struct softnetd_config c;
	struct cfg_port ports[5];
	struct cfg_route routes[16];
	struct cfg_neighbour neigh[16];
	struct cfg_fdb fdb[16];
	struct cfg_router_addr addrs[16];
	int bports[8];
};

static inline void tc_init(struct tcfg *t)
{
	static const char *names[] = { "p0", "p1", "p2", "p3", "p0.10" };

	memset(t, 0, sizeof(*t));
	for (int i = 0; i < 5; i++) {
		snprintf(t->ports[i].name, sizeof(t->ports[i].name), "%s", names[i]);
		t->ports[i].type = i == 4 ? CFG_PORT_VLAN : CFG_PORT_AFXDP;
		t->ports[i].parent = i == 4 ? 0 : -1;
		t->ports[i].vlan_id = i == 4 ? 10 : 0;
	}
	t->c.ports = t->ports;
	t->c.nr_ports = 5;
	t->c.routes = t->routes;
	t->c.neighbours = t->neigh;
	t->c.fdb = t->fdb;
	t->c.router.addresses = t->addrs;
	t->c.router.icmp_ratelimit_ms = 0;
	t->c.bridge.ports = t->bports;
	t->c.bridge.ageing_time_s = 300;
	t->c.bridge.fdb_max = 1024;
}

static inline void tc_parse(struct cfg_addr *a, const char *s)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, &a->v4) == 1) {
		a->family = AF_INET;
		a->plen = 32;
	} else {
		assert_int_equal(inet_pton(AF_INET6, buf, &a->v6), 1);
		a->family = AF_INET6;
		a->plen = 128;
	}
	if (slash)
		a->plen = (uint8_t)atoi(slash + 1);
}

static inline void tc_router(struct tcfg *t)
{
	t->c.router.enabled = true;
}

static inline void tc_addr(struct tcfg *t, const char *a, int dev)
{
	struct cfg_router_addr *r = &t->addrs[t->c.router.nr_addresses++];

	tc_parse(&r->addr, a);
	r->dev = dev;
	t->c.router.enabled = true;
}

static inline void tc_route(struct tcfg *t, const char *prefix, const char *via, int dev)
{
	struct cfg_route *r = &t->routes[t->c.nr_routes++];

	tc_parse(&r->prefix, prefix);
	if (via) {
		r->has_via = true;
		tc_parse(&r->via, via);
	}
	r->dev = dev;
	t->c.router.enabled = true;
}

static inline void tc_neigh(struct tcfg *t, const char *a, const uint8_t *mac, int dev)
{
	struct cfg_neighbour *n = &t->neigh[t->c.nr_neighbours++];

	tc_parse(&n->addr, a);
	memcpy(n->mac, mac, 6);
	n->dev = dev;
}

static inline void tc_bridge(struct tcfg *t, int n, const int *ports)
{
	t->c.bridge.enabled = true;
	for (int i = 0; i < n; i++)
		t->bports[i] = ports[i];
	t->c.bridge.nr_ports = (size_t)n;
}

static inline void tc_fdb(struct tcfg *t, const uint8_t *mac, uint16_t vlan, int dev)
{
	struct cfg_fdb *e = &t->fdb[t->c.nr_fdb++];

	memcpy(e->mac, mac, 6);
	e->vlan = vlan;
	e->dev = dev;
}

/* Take everything the ports transmitted so far. */
static inline void drain_tx(void)
{
	uint8_t buf[2048];
	struct sn_netdev *devs[] = { P[0], P[1], P[2], P[3] };

	usleep(2000);
	for (int i = 0; i < NPORTS; i++)
		while (sn_port_test_take_tx(devs[i], buf, sizeof(buf)) >= 0)
			tx_taken[devs[i]->index]++;
}

static inline void stack_up(struct tcfg *t)
{
	char err[256] = "";
	int ret;

	env_start();
	sn_stack_fini(); /* a failed test may have left it up */
	ret = sn_stack_init(&t->c, err, sizeof(err));
	if (ret)
		print_error("sn_stack_init: %s\n", err);
	assert_int_equal(ret, 0);
	drain_tx();
}

static inline void stack_down(void)
{
	drain_tx();
	sn_stack_fini();
}

static inline void inject(struct sn_netdev *d, const void *b, size_t len)
{
	assert_int_equal(sn_port_test_inject(d, 0, b, (uint32_t)len), 0);
}

/* The next frame @d transmitted (waits up to 2 s); its length, or -1. */
static inline int take(struct sn_netdev *d, uint8_t *buf, size_t cap)
{
	int n;

	if (sn_port_test_wait_tx(d, tx_taken[d->index] + 1, 2000))
		return -1;
	n = sn_port_test_take_tx(d, buf, (uint32_t)cap);
	if (n >= 0)
		tx_taken[d->index]++;
	return n;
}

/* Nothing more transmitted on @d within @ms. */
static inline bool quiet(struct sn_netdev *d, int ms)
{
	return sn_port_test_wait_tx(d, tx_taken[d->index] + 1, ms) == -ETIMEDOUT;
}

static inline uint64_t drops(struct sn_netdev *d, enum sn_drop_reason r)
{
	struct sn_dev_stats s;

	sn_dev_stats_read(d, -1, &s);
	return s.drops[r];
}

static inline uint64_t drops_total(struct sn_netdev *d)
{
	struct sn_dev_stats s;

	sn_dev_stats_read(d, -1, &s);
	return s.drops_total;
}

/* Wait until @d counted @target drops of @r (2 s); true on success. */
static inline bool wait_drops(struct sn_netdev *d, enum sn_drop_reason r, uint64_t target)
{
	for (int i = 0; i < 2000; i++) {
		if (drops(d, r) >= target)
			return true;
		usleep(1000);
	}
	return false;
}

static inline uint64_t rx_packets(struct sn_netdev *d)
{
	struct sn_dev_stats s;

	sn_dev_stats_read(d, -1, &s);
	return s.rx_packets;
}

/* Inject @b on @d and wait until it has been counted as a drop of @r on @d (exactly one more). */
static inline void inject_expect_drop(struct sn_netdev *d, const void *b, size_t len,
				      enum sn_drop_reason r)
{
	struct sn_dev_stats s0, s1;
	uint64_t before = drops(d, r);

	sn_dev_stats_read(d, -1, &s0);
	inject(d, b, len);
	if (!wait_drops(d, r, before + 1)) {
		sn_dev_stats_read(d, -1, &s1);
		for (int i = 0; i < SN_DROP_MAX; i++)
			if (s1.drops[i] != s0.drops[i])
				print_error("  %s: +%llu\n", sn_drop_reason_name((enum sn_drop_reason)i),
					    (unsigned long long)(s1.drops[i] - s0.drops[i]));
		fail_msg("expected a '%s' drop on %s", sn_drop_reason_name(r), d->name);
	}
	assert_int_equal(drops(d, r), before + 1);
}

/* ---- the router configuration most tests use ---------------------------------------------- */

static const uint8_t H1[6] = { 0x02, 0x11, 0, 0, 0, 0x02 }; /* host 10.0.1.2 / fd00:1::2 on p1 */
static const uint8_t NH[6] = { 0x02, 0x22, 0, 0, 0, 0xfe }; /* gateway 10.0.2.254 / fd00:2::fe on p2 */
static const uint8_t H3[6] = { 0x02, 0x33, 0, 0, 0, 0x05 }; /* host 10.0.10.5 on p0.10 */

static inline void router_cfg(struct tcfg *t)
{
	tc_init(t);
	tc_addr(t, "10.0.1.1/24", 1);
	tc_addr(t, "10.0.2.1/24", 2);
	tc_addr(t, "fd00:1::1/64", 1);
	tc_addr(t, "fd00:2::1/64", 2);
	tc_addr(t, "10.0.10.1/24", 4);
	tc_route(t, "10.0.3.0/24", "10.0.2.254", 2);
	tc_route(t, "fd00:3::/64", "fd00:2::fe", 2);
	tc_neigh(t, "10.0.2.254", NH, 2);
	tc_neigh(t, "fd00:2::fe", NH, 2);
	tc_neigh(t, "10.0.1.2", H1, 1);
	tc_neigh(t, "fd00:1::2", H1, 1);
	tc_neigh(t, "10.0.10.5", H3, 4);
}

/* Ethernet + IPv4 + @paylen bytes of UDP-ish payload; returns the frame length. */
static inline size_t udp4(uint8_t *b, const uint8_t *dmac, const uint8_t *smac, const char *src,
			  const char *dst, uint8_t ttl, size_t paylen)
{
	pk_eth(b, dmac, smac, 0x0800);
	return 14 + pk_ip4(b + 14, src, dst, 17, ttl, NULL, 0, paylen);
}

/* Ethernet + IPv6 (no extension headers) + @paylen bytes of UDP-ish payload. */
static inline size_t udp6(uint8_t *b, const uint8_t *dmac, const uint8_t *smac, const char *src,
			  const char *dst, uint8_t hop, size_t paylen)
{
	pk_eth(b, dmac, smac, 0x86dd);
	pk_ip6(b + 14, src, dst, 17, hop, (uint16_t)paylen);
	for (size_t i = 0; i < paylen; i++)
		b[54 + i] = (uint8_t)(0x30 + i);
	return 54 + paylen;
}

/* Expect exactly @want as the next frame on @d. */
static inline void expect_frame(struct sn_netdev *d, const uint8_t *want, size_t len)
{
	uint8_t got[2048];
	int n = take(d, got, sizeof(got));

	if (n < 0)
		fail_msg("nothing transmitted on %s", d->name);
	assert_int_equal(n, (int)len);
	assert_memory_equal(got, want, len);
}

#endif /* STACK_TEST_NO_FIXTURE */
#endif /* TESTS_UNIT_STACK_STACK_TEST_H */
