// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_frame.c - raw bytes as a received frame: the rx path of the datapath core (VLAN untagging
 * in sn_netif_receive_frame()), the frame parser (stack/parse.c) and the whole stack behind it
 * (sn_stack_rx(): bridge, router, ARP, ND, ICMP), on in-process test ports (ports/port_test.c).
 *
 * Input: byte 0 chooses the ingress port (bits 0-1: p0..p3) and the configuration (bits 2-3);
 * the rest is the frame from its Ethernet header on (at most TP_MAX_FRAME bytes are used).
 *
 * Fixture, made once: ports p0..p3 (test ports, one queue each, CPU 0), vlan devices p0.10 (VID
 * 10 on p0) and p3.20 (VID 20 on p3); the fuzzing thread is pinned to CPU 0 and is the one task
 * doing BH work there (no bhlock threads are started, no IRQ is attached: frames are handed to
 * sn_netif_receive_frame() inside local_bh_disable(), as the test port's NAPI poll does, and the
 * tx flush list is flushed at the end as after a poll).
 *
 * Every input starts from the same tables. The stack is brought up once (sn_stack_init() costs
 * ~15 ms under ASan: too slow per input); per input every FDB and neighbour entry is deleted
 * (learnt ones too: the bridge learns and ARP/ND learn from every frame), sn_stack_reload()
 * installs the chosen configuration (roles, addresses, routes, static entries) and the ICMP rate
 * limiter is reset. The bridge (p2, p3, p3.20, fixed at init) is the same in all of them:
 *   0, 1  mixed: router addresses on p1 (v4+v6), p2 (v4+v6, also a bridge port) and p0.10;
 *         routes via gateways on p2, a default route, a connected route on p0 without
 *         neighbours; static neighbours and FDB entries. So p1 and p0.10 are L3 ports, p2
 *         bridges and routes (router_peek), p3 and p3.20 only bridge, p0 is L3 without an
 *         address.
 *   2     no router: p0, p1 and p0.10 have no role, p2 and p3 only bridge.
 *   3     the router without static neighbours: resolution misses, ARP requests and NS.
 *
 * Checked per input (beyond ASan/UBSan and the lock validator):
 *   - the received frame sits in a buffer of its exact size (see fuzz_buf_ops): ASan reports
 *     any access past its end;
 *   - every frame head taken from the skb cache came back, the received buffer was released
 *     exactly once (no frame leaked or freed twice);
 *   - the frame ended exactly once: dropped under a reason on some device, or routed, delivered
 *     locally, bridged or flooded (the accounting of tests/unit/stack/test_malformed.c, with
 *     the bridge's counters added).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "bhlock/bhlock.h"
#include "config/config_types.h"
#include "net/drop_reason.h"
#include "net/frame.h"
#include "net/net_core.h"
#include "net/netdev.h"
#include "net/skb_cache.h"
#include "net/xmit.h"
#include "ports/ports.h"
#include "stack/stack.h"
#include "stack/stack_internal.h" /* the learnt tables, reset between inputs */

#define MAX_FRAME (2048u - SN_FRAME_HEADROOM) /* the test port's TP_MAX_FRAME */

#define FUZZ_TARGET "fuzz_frame"
#include "fuzz_check.h"

#define NPORTS 4
static struct sn_netdev *P[NPORTS], *V10, *V20;
/* FUZZ_FRAME_VERBOSE: print what each input did (for checking the seed corpus by eye). */
static bool verbose;

/* ---- configurations ----------------------------------------------------------------------- */

/* Config port indices: 0..3 = p0..p3, 4 = p0.10, 5 = p3.20. */
#define NCFGPORTS 6

struct fcfg {
	struct softnetd_config c;
	struct cfg_port ports[NCFGPORTS];
	struct cfg_route routes[8];
	struct cfg_neighbour neigh[8];
	struct cfg_fdb fdb[4];
	struct cfg_router_addr addrs[8];
	int bports[8];
};

static struct fcfg cfgs[4];

static void addr_parse(struct cfg_addr *a, const char *s)
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
		CHECK(inet_pton(AF_INET6, buf, &a->v6) == 1, "bad address %s", s);
		a->family = AF_INET6;
		a->plen = 128;
	}
	if (slash)
		a->plen = (uint8_t)atoi(slash + 1);
}

static void fc_init(struct fcfg *t)
{
	static const char *names[NCFGPORTS] = { "p0", "p1", "p2", "p3", "p0.10", "p3.20" };

	memset(t, 0, sizeof(*t));
	for (int i = 0; i < NCFGPORTS; i++) {
		snprintf(t->ports[i].name, sizeof(t->ports[i].name), "%s", names[i]);
		t->ports[i].type = i >= 4 ? CFG_PORT_VLAN : CFG_PORT_AFXDP;
		t->ports[i].parent = i == 4 ? 0 : i == 5 ? 3 : -1;
		t->ports[i].vlan_id = i == 4 ? 10 : i == 5 ? 20 : 0;
	}
	t->c.ports = t->ports;
	t->c.nr_ports = NCFGPORTS;
	t->c.routes = t->routes;
	t->c.neighbours = t->neigh;
	t->c.fdb = t->fdb;
	t->c.router.addresses = t->addrs;
	t->c.router.icmp_ratelimit_ms = 0;
	t->c.bridge.ports = t->bports;
	t->c.bridge.ageing_time_s = 300;
	t->c.bridge.fdb_max = 64;
}

static void fc_addr(struct fcfg *t, const char *a, int dev)
{
	struct cfg_router_addr *r = &t->addrs[t->c.router.nr_addresses++];

	addr_parse(&r->addr, a);
	r->dev = dev;
	t->c.router.enabled = true;
}

static void fc_route(struct fcfg *t, const char *prefix, const char *via, int dev)
{
	struct cfg_route *r = &t->routes[t->c.nr_routes++];

	addr_parse(&r->prefix, prefix);
	if (via) {
		r->has_via = true;
		addr_parse(&r->via, via);
	}
	r->dev = dev;
	t->c.router.enabled = true;
}

static void fc_neigh(struct fcfg *t, const char *a, const uint8_t *mac, int dev)
{
	struct cfg_neighbour *n = &t->neigh[t->c.nr_neighbours++];

	addr_parse(&n->addr, a);
	memcpy(n->mac, mac, 6);
	n->dev = dev;
}

static void fc_fdb(struct fcfg *t, const uint8_t *mac, uint16_t vlan, int dev)
{
	struct cfg_fdb *e = &t->fdb[t->c.nr_fdb++];

	memcpy(e->mac, mac, 6);
	e->vlan = vlan;
	e->dev = dev;
}

/* The hosts the seed corpus talks to (tests/fuzz/gen_corpus.py uses the same). */
static const uint8_t H1[6] = { 0x02, 0x11, 0, 0, 0, 0x02 }; /* 10.0.1.2, fd00:1::2 on p1 */
static const uint8_t NH[6] = { 0x02, 0x22, 0, 0, 0, 0xfe }; /* 10.0.2.254, fd00:2::fe on p2 */
static const uint8_t H3[6] = { 0x02, 0x33, 0, 0, 0, 0x05 }; /* 10.0.10.5 on p0.10 */
static const uint8_t B3[6] = { 0x02, 0x44, 0, 0, 0, 0x03 }; /* a host behind p3 (FDB) */

/* The bridge every configuration has (bridge ports are fixed at init; reload keeps them). */
static void fc_bridge(struct fcfg *t)
{
	t->c.bridge.enabled = true;
	t->bports[0] = 2;
	t->bports[1] = 3;
	t->bports[2] = 5;
	t->c.bridge.nr_ports = 3;
	fc_fdb(t, B3, 0, 3);
	fc_fdb(t, H1, 20, 5);
}

static void fc_router(struct fcfg *t)
{
	fc_addr(t, "10.0.1.1/24", 1);
	fc_addr(t, "fd00:1::1/64", 1);
	fc_addr(t, "10.0.2.1/24", 2);
	fc_addr(t, "fd00:2::1/64", 2);
	fc_addr(t, "10.0.10.1/24", 4);
	fc_route(t, "10.0.3.0/24", "10.0.2.254", 2);
	fc_route(t, "fd00:3::/64", "fd00:2::fe", 2);
	fc_route(t, "10.0.4.0/24", NULL, 0); /* connected on p0, no neighbour: solicits */
}

static void build_cfgs(void)
{
	struct fcfg *t;

	/* 0 and 1: mixed. */
	for (int i = 0; i < 2; i++) {
		t = &cfgs[i];
		fc_init(t);
		fc_router(t);
		fc_route(t, "0.0.0.0/0", "10.0.2.254", 2);
		fc_neigh(t, "10.0.2.254", NH, 2);
		fc_neigh(t, "fd00:2::fe", NH, 2);
		fc_neigh(t, "10.0.1.2", H1, 1);
		fc_neigh(t, "fd00:1::2", H1, 1);
		fc_neigh(t, "10.0.10.5", H3, 4);
		fc_bridge(t);
	}
	/* 2: no router: p0, p1, p0.10 have no role (LOCAL_UNHANDLED), p2/p3 only bridge. */
	t = &cfgs[2];
	fc_init(t);
	fc_bridge(t);
	/* 3: router without neighbours: every next hop misses (ARP requests, NS). */
	t = &cfgs[3];
	fc_init(t);
	fc_router(t);
	fc_route(t, "::/0", "fd00:2::fe", 2);
	fc_bridge(t);
}

/* ---- fixture ------------------------------------------------------------------------------ */

static void drain_tx(void)
{
	static uint8_t sink[4096];

	for (int i = 0; i < NPORTS; i++)
		while (sn_port_test_take_tx(P[i], sink, sizeof(sink)) >= 0)
			;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char name[8];

	(void)argc;
	(void)argv;
	CHECK(bh_task_pin(0) == 0, "cannot pin to CPU 0");
	CHECK(sn_net_init(NULL) == 0, "sn_net_init");
	for (int i = 0; i < NPORTS; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		P[i] = sn_port_test_create(name, 1, 0);
		CHECK(P[i], "test port %s: %s", name, strerror(errno));
	}
	V10 = sn_port_vlan_create("p0.10", P[0], 10);
	V20 = sn_port_vlan_create("p3.20", P[3], 20);
	CHECK(V10 && V20, "vlan devices: %s", strerror(errno));
	/*
	 * Up for transmit without an IRQ line: no bhlock thread runs, the harness calls the rx
	 * path itself (see above). The vlan devices open normally.
	 */
	for (int i = 0; i < NPORTS; i++)
		__atomic_store_n(&P[i]->admin_up, true, __ATOMIC_RELEASE);
	CHECK(sn_netdev_open(V10) == 0 && sn_netdev_open(V20) == 0, "vlan open");
	sn_netdev_set_rx_handler(sn_stack_rx);
	build_cfgs();
	{
		char err[256] = "";

		CHECK(sn_stack_init(&cfgs[0].c, err, sizeof(err)) == 0, "sn_stack_init: %s", err);
	}
	verbose = getenv("FUZZ_FRAME_VERBOSE") != NULL;
	if (verbose)
		for (int i = 0; i < NPORTS; i++)
			fprintf(stderr, "fuzz_frame: %s index %d mac %02x:%02x:%02x:%02x:%02x:%02x\n",
				P[i]->name, P[i]->index, P[i]->mac[0], P[i]->mac[1], P[i]->mac[2],
				P[i]->mac[3], P[i]->mac[4], P[i]->mac[5]);
	return 0;
}

/* Reasons counted on a device without a frame ending there (test_malformed.c's list). */
static bool not_a_frame_drop(int r)
{
	return r == SN_DROP_ICMP_RATELIMIT || r == SN_DROP_NOMEM_BUF || r == SN_DROP_BRIDGE_FDB_FULL ||
	       r == SN_DROP_TX_RING_FULL || r == SN_DROP_TX_ERROR || r == SN_DROP_TOO_BIG ||
	       r == SN_DROP_PORT_DOWN || r == SN_DROP_DEAD_LOOP;
}

/* Frames ended so far: dropped under a frame reason anywhere, or handled by the stack. */
static uint64_t frames_ended(void)
{
	struct sn_netdev *devs[] = { P[0], P[1], P[2], P[3], V10, V20 };
	struct sn_stack_stats s;
	uint64_t n = 0;

	for (size_t d = 0; d < sizeof(devs) / sizeof(devs[0]); d++) {
		struct sn_dev_stats ds;

		sn_dev_stats_read(devs[d], -1, &ds);
		for (int r = 0; r < SN_DROP_MAX; r++)
			if (!not_a_frame_drop(r))
				n += ds.drops[r];
	}
	sn_stack_stats_read(&s);
	return n + s.routed4 + s.routed6 + s.local_delivered + s.bridged + s.flooded;
}


struct snap {
	struct sn_dev_stats d[6];
	struct sn_stack_stats s;
};

static void snap_take(struct snap *sn)
{
	struct sn_netdev *devs[] = { P[0], P[1], P[2], P[3], V10, V20 };

	for (int d = 0; d < 6; d++)
		sn_dev_stats_read(devs[d], -1, &sn->d[d]);
	sn_stack_stats_read(&sn->s);
}

static void snap_print(const struct snap *a, const struct snap *b)
{
	struct sn_netdev *devs[] = { P[0], P[1], P[2], P[3], V10, V20 };

	for (int d = 0; d < 6; d++) {
		for (int r = 0; r < SN_DROP_MAX; r++)
			if (b->d[d].drops[r] != a->d[d].drops[r])
				fprintf(stderr, " drop:%s:%s", devs[d]->name,
					sn_drop_reason_name((enum sn_drop_reason)r));
		if (b->d[d].tx_packets != a->d[d].tx_packets)
			fprintf(stderr, " tx:%s:%llu", devs[d]->name,
				(unsigned long long)(b->d[d].tx_packets - a->d[d].tx_packets));
	}
#define D(x)                                                                                       \
	if (b->s.x != a->s.x)                                                                      \
		fprintf(stderr, " " #x);
	D(bridged) D(flooded) D(learned) D(routed4) D(routed6) D(local_delivered) D(arp_replies)
	D(arp_requests) D(nd_adverts) D(nd_solicits) D(icmp_time_exceeded) D(icmp_echo_replies)
#undef D
	fputc('\n', stderr);
}

/*
 * The received frame's buffer: its own malloc() of exactly headroom + length, not a piece of a
 * 32 KiB frag-cache chunk, so that ASan's redzone sits right after the frame's last byte and a
 * read or write past it anywhere in the stack is reported (in a chunk it would land in the
 * neighbouring fragment unseen). Released through the frame ops like any buffer.
 */
static uint64_t bufs_released;

static void fuzz_buf_release(struct sn_frame *f, bool napi_direct)
{
	(void)napi_direct;
	free(f->buf);
	bufs_released++;
}

static const struct sn_frame_ops fuzz_buf_ops = {
	.name = "fuzz",
	.release = fuzz_buf_release,
};

static uint64_t heads_out(void)
{
	struct sn_skb_cache_stats s;

	sn_skb_cache_stats(-1, &s);
	return s.get - s.put;
}

/* Delete every element of @map (thread context; the maps' own API). */
static void map_clear(struct sn_map *map)
{
	uint8_t key[64];

	CHECK(sn_map__key_size(map) <= sizeof(key), "key size %u", sn_map__key_size(map));
	while (sn_map__get_next_key(map, NULL, key) == 0)
		CHECK(sn_map__delete_elem(map, key) == 0, "cannot delete from %s", sn_map__name(map));
}

/* The stack with configuration @k and nothing learnt. */
static void stack_reset(int k)
{
	char err[256] = "";
	int rc;

	map_clear(stack.fdb);
	map_clear(stack.neigh);
	rc = sn_stack_reload(&cfgs[k].c, err, sizeof(err));
	CHECK(rc == 0, "sn_stack_reload: %s", err);
	icmp_ratelimit_reset();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sn_netdev *in;
	struct sn_frame *f;
	struct snap s0, s1;
	uint64_t released0;
	uint8_t *buf;
	uint64_t ended0, ended1, heads0;
	uint32_t len;

	if (size < 1)
		return 0;
	in = P[data[0] & 3];
	len = size - 1 > MAX_FRAME ? MAX_FRAME : (uint32_t)(size - 1);
	if (!len)
		return 0; /* the test port refuses empty frames */

	stack_reset((data[0] >> 2) & 3);
	heads0 = heads_out();
	ended0 = frames_ended();
	if (verbose)
		snap_take(&s0);

	buf = malloc(SN_FRAME_HEADROOM + len);
	CHECK(buf, "no memory");
	memcpy(buf + SN_FRAME_HEADROOM, data + 1, len);
	released0 = bufs_released;
	local_bh_disable();
	f = sn_frame_alloc_head();
	CHECK(f, "no frame head");
	f->buf = buf;
	f->buf_len = SN_FRAME_HEADROOM + len;
	f->data = buf + SN_FRAME_HEADROOM;
	f->len = len;
	f->ops = &fuzz_buf_ops;
	f->dev = in;
	f->rxq = 0;
	sn_netif_receive_frame(f);
	sn_xmit_flush_pending();
	local_bh_enable();

	ended1 = frames_ended();
	if (verbose) {
		snap_take(&s1);
		fprintf(stderr, "fuzz_frame: in %s cfg %d:", in->name, (data[0] >> 2) & 3);
		snap_print(&s0, &s1);
	}
	CHECK(heads_out() == heads0, "%llu frame heads not returned",
	      (unsigned long long)(heads_out() - heads0));
	CHECK(bufs_released == released0 + 1, "the received buffer was released %llu times",
	      (unsigned long long)(bufs_released - released0));
	CHECK(ended1 - ended0 == 1, "the frame ended %llu times (dropped + routed + delivered + "
	      "bridged + flooded)", (unsigned long long)(ended1 - ended0));
	drain_tx();
	return 0;
}
