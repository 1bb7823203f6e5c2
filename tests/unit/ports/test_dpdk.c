// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_dpdk.c - the DPDK port backend, forwarding between two ethdevs in every locking profile.
 *
 * net_ring: each port is made with rte_eth_from_rings() over rings the test holds, so that what
 * the test enqueues on a port's rx ring is what the port receives, and what the port transmits
 * lands on a tx ring the test reads. (Two net_ring vdevs made from the command line share one
 * ring per queue for rx and tx — a loopback, not a pair — which is why they are not used.) The rx
 * handler forwards every frame to the other port, some unchanged (zero copy), some through a
 * copy (the copy path of start_xmit), some with 4 bytes pushed or 2 pulled at the front (data_off
 * resynced from the frame); every frame is checked byte for byte at the other end.
 *
 * net_af_xdp: two veth pairs in a private network namespace of the profile's child process; the
 * test injects on one veth with AF_PACKET and captures what came through softnetd on the other.
 * Root only (skipped with a message otherwise).
 *
 * EAL can start once per process: each profile runs in its own child (tu_run_per_profile) and
 * starts EAL there, at the first test that needs it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"
#include "config/config_types.h"
#include "net/frame.h"
#include "net/napi.h"
#include "net/net_core.h"
#include "net/netdev.h"
#include "net/xmit.h"
#include "ports/ports.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#define NFRAMES 256
/*
 * Forwarding checks inject FWD_BATCH frames, then read them: a batch stays below what the
 * capture socket's default receive buffer holds (about 120 small frames).
 */
#define FWD_BATCH 64
#define FWD_ROUNDS 80 /* x FWD_BATCH: more than a port's pool of 4128 mbufs */
#define ETHERTYPE_TEST 0x88b5
#define FRAME_MAX 1600

enum fwd_mode { MODE_ZC, MODE_COPY, MODE_PUSH, MODE_PULL, MODE_MAX };

struct pkt {
	uint32_t len;
	uint8_t data[FRAME_MAX];
};

static struct sn_netdev *port_a, *port_b;
static int fwd_failures; /* the handler could not copy/push (should stay 0) */

/* ---- the forwarding rx handler ------------------------------------------------------------ */

static void fwd_rx(struct sn_frame *f)
{
	struct sn_netdev *in = f->dev, *out = in == port_a ? port_b : port_a;
	uint8_t mode = f->len > 14 ? f->data[14] : MODE_ZC;

	switch (mode) {
	case MODE_COPY: {
		struct sn_frame *c = sn_frame_copy(f);

		sn_frame_free(f, true);
		if (!c) {
			__atomic_add_fetch(&fwd_failures, 1, __ATOMIC_RELAXED);
			return;
		}
		f = c;
		break;
	}
	case MODE_PUSH:
		if (sn_frame_push(f, 4)) {
			__atomic_add_fetch(&fwd_failures, 1, __ATOMIC_RELAXED);
			sn_frame_free(f, true);
			return;
		}
		memcpy(f->data, "PUSH", 4);
		break;
	case MODE_PULL:
		sn_frame_pull(f, 2);
		break;
	default:
		break;
	}
	sn_dev_count_forwarded(in);
	sn_dev_queue_xmit(f, out);
}

/* ---- frames ------------------------------------------------------------------------------- */

/* Frame @i of a run tagged @tag: a test ethertype, its mode at byte 14, then a pattern. */
static void make_frame(struct pkt *p, unsigned int i, uint8_t tag, bool all_modes)
{
	static const uint8_t dst[6] = {0x02, 0, 0, 0, 0, 0x02}, src[6] = {0x02, 0, 0, 0, 0, 0x01};

	p->len = 60 + (i * 37) % 1400; /* + 4 pushed stays within MTU 1500 + 14 */
	memcpy(p->data, dst, 6);
	memcpy(p->data + 6, src, 6);
	p->data[12] = ETHERTYPE_TEST >> 8;
	p->data[13] = ETHERTYPE_TEST & 0xff;
	p->data[14] = all_modes ? (uint8_t)(i % MODE_MAX) : MODE_ZC;
	p->data[15] = tag;
	p->data[16] = (uint8_t)(i >> 8);
	p->data[17] = (uint8_t)i;
	for (uint32_t j = 18; j < p->len; j++)
		p->data[j] = (uint8_t)(i * 7 + j * 13 + tag);
}

/* What the other port must transmit for @in. */
static void expect_frame(const struct pkt *in, struct pkt *out)
{
	switch (in->data[14]) {
	case MODE_PUSH:
		memcpy(out->data, "PUSH", 4);
		memcpy(out->data + 4, in->data, in->len);
		out->len = in->len + 4;
		break;
	case MODE_PULL:
		memcpy(out->data, in->data + 2, in->len - 2);
		out->len = in->len - 2;
		break;
	default:
		*out = *in;
	}
}

/* Match @got against the unmatched expected frames. Return: its index, or -1. */
static int match_frame(const struct pkt *exp, bool *seen, unsigned int n, const uint8_t *got,
		       uint32_t len)
{
	for (unsigned int i = 0; i < n; i++)
		if (!seen[i] && exp[i].len == len && !memcmp(exp[i].data, got, len)) {
			seen[i] = true;
			return (int)i;
		}
	return -1;
}

/* ---- common set-up ------------------------------------------------------------------------ */

static int cpus[2] = {0, 1};

static struct sn_port_env test_env(int slot)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	struct sn_port_env env = {
		.cpus = cpus,
		.nr_cpus = online >= 2 ? 2 : 1,
		.first_cpu_slot = slot,
	};
	return env;
}

/* EAL once per (child) process, with small --no-huge memory. */
static void eal_up(void)
{
	static bool done;
	static char *eal_args[] = {"--no-huge", "-m", "256"};
	struct cfg_port p = {
		.name = "eal",
		.type = CFG_PORT_DPDK,
		.pmd = "net_null0",
		.eal = eal_args,
		.nr_eal = 3,
	};
	struct softnetd_config cfg = {.ports = &p, .nr_ports = 1, .cpus = cpus};
	char err[512] = "";
	int rc;

	if (done)
		return;
	cfg.nr_cpus = test_env(0).nr_cpus;
	rc = sn_dpdk_eal_init(&cfg, err, sizeof(err));
	if (rc)
		fprintf(stderr, "%s\n", err);
	assert_int_equal(rc, 0);
	/* A second call reports the same outcome and does nothing. */
	assert_int_equal(sn_dpdk_eal_init(&cfg, err, sizeof(err)), 0);
	done = true;
}

static void net_up(void)
{
	assert_int_equal(sn_net_init(NULL), 0);
	sn_netdev_set_rx_handler(fwd_rx);
	fwd_failures = 0;
}

static void net_down(void)
{
	sn_netdev_unregister(port_a);
	sn_netdev_unregister(port_b);
	port_a = port_b = NULL;
	bhlock_stop();
	sn_netdev_set_rx_handler(NULL);
	sn_net_fini();
}

static void describe(struct sn_netdev *dev, char *buf, size_t len)
{
	dev->ops->describe(dev, buf, len);
	print_message("%s: %s\n", dev->name, buf);
}

static uint64_t drops(struct sn_netdev *dev, enum sn_drop_reason r)
{
	struct sn_dev_stats st;

	sn_dev_stats_read(dev, -1, &st);
	return st.drops[r];
}

static uint64_t txq_flushes(struct sn_netdev *dev)
{
	uint64_t n = 0;

	for (unsigned int q = 0; q < dev->nr_txq; q++)
		n += __atomic_load_n(&dev->txq[q].stats.flushes, __ATOMIC_RELAXED);
	return n;
}

static bool wait_until(bool (*cond)(void *), void *arg, int timeout_ms)
{
	uint64_t end = tu_now_ns() + (uint64_t)timeout_ms * 1000000u;

	while (!cond(arg)) {
		if (tu_now_ns() > end)
			return false;
		usleep(1000);
	}
	return true;
}

/* ---- net_ring pair -------------------------------------------------------------------------- */

typedef int (*from_rings_fn)(const char *name, struct rte_ring *const rx[], unsigned int nb_rx,
			     struct rte_ring *const tx[], unsigned int nb_tx, unsigned int numa);

struct ring_pair {
	struct rte_ring *a_rx, *a_tx, *b_rx, *b_tx;
	char a_name[48], b_name[48]; /* the vdev names, "net_ring_<name>" */
	struct rte_mempool *inj; /* the test's own mbufs, injected on the rx rings */
};

static from_rings_fn from_rings(void)
{
	/* EAL loaded the PMD as a plugin; the same library, found by its soname. */
	void *h = dlopen("librte_net_ring.so.23", RTLD_NOW | RTLD_NOLOAD);

	if (!h)
		h = dlopen("librte_net_ring.so.23", RTLD_NOW);
	assert_non_null(h);
	return (from_rings_fn)dlsym(h, "rte_eth_from_rings");
}

static struct rte_ring *ring(const char *what, unsigned int run, unsigned int size)
{
	char name[RTE_RING_NAMESIZE];
	struct rte_ring *r;

	snprintf(name, sizeof(name), "t%u%s", run, what);
	r = rte_ring_create(name, size, SOCKET_ID_ANY, 0);
	assert_non_null(r);
	return r;
}

/* Two from_rings ports and the softnetd ports over them; b's tx ring holds @b_tx_size - 1. */
static void ring_pair_up(struct ring_pair *rp, unsigned int b_tx_size)
{
	static unsigned int run;
	from_rings_fn fr = from_rings();
	char err[512] = "", desc[256], n[32];
	int pa, pb;

	assert_non_null(fr);
	run++;
	rp->a_rx = ring("arx", run, 1024);
	rp->a_tx = ring("atx", run, 1024);
	rp->b_rx = ring("brx", run, 1024);
	rp->b_tx = ring("btx", run, b_tx_size);
	snprintf(n, sizeof(n), "t%ua", run);
	pa = fr(n, &rp->a_rx, 1, &rp->a_tx, 1, (unsigned int)SOCKET_ID_ANY);
	snprintf(rp->a_name, sizeof(rp->a_name), "net_ring_%s", n);
	snprintf(n, sizeof(n), "t%ub", run);
	pb = fr(n, &rp->b_rx, 1, &rp->b_tx, 1, (unsigned int)SOCKET_ID_ANY);
	snprintf(rp->b_name, sizeof(rp->b_name), "net_ring_%s", n);
	assert_true(pa >= 0 && pb >= 0);
	snprintf(n, sizeof(n), "tinj%u", run);
	rp->inj = rte_pktmbuf_pool_create(n, 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	assert_non_null(rp->inj);

	net_up();
	struct cfg_port ca = {.name = "dpa", .type = CFG_PORT_DPDK, .queues = 1, .pmd = rp->a_name};
	struct cfg_port cb = {.name = "dpb", .type = CFG_PORT_DPDK, .queues = 1, .pmd = rp->b_name};
	struct sn_port_env ea = test_env(0), eb = test_env(1);

	port_a = sn_port_dpdk_create(&ca, &ea, err, sizeof(err));
	if (!port_a)
		fprintf(stderr, "%s\n", err);
	assert_non_null(port_a);
	port_b = sn_port_dpdk_create(&cb, &eb, err, sizeof(err));
	if (!port_b)
		fprintf(stderr, "%s\n", err);
	assert_non_null(port_b);

	/* A second softnetd port on the same ethdev is refused. */
	struct cfg_port dup = {.name = "dpdup", .type = CFG_PORT_DPDK, .pmd = rp->a_name};

	assert_null(sn_port_dpdk_create(&dup, &ea, err, sizeof(err)));
	assert_non_null(strstr(err, "already used"));

	/* net_ring has no rx interrupt: pure polling, and the port says so. */
	describe(port_a, desc, sizeof(desc));
	assert_non_null(strstr(desc, "pure polling"));
	assert_non_null(strstr(desc, "net_ring"));
	assert_true(port_a->flags & SN_DEV_F_POLL_MODE);
	assert_int_equal(bhlock_start(), 0);
	assert_int_equal(sn_netdev_open(port_a), 0);
	assert_int_equal(sn_netdev_open(port_b), 0);
}

static void remove_ethdev(const char *name)
{
	struct rte_eth_dev_info info;
	uint16_t pid;

	assert_int_equal(rte_eth_dev_get_port_by_name(name, &pid), 0);
	assert_int_equal(rte_eth_dev_info_get(pid, &info), 0);
	assert_int_equal(rte_dev_remove(info.device), 0);
}

static void ring_pair_down(struct ring_pair *rp)
{
	struct rte_mbuf *m;

	net_down();
	/* The ethdevs are the test's (not probed by the port): remove them, then their rings. */
	remove_ethdev(rp->a_name);
	remove_ethdev(rp->b_name);
	struct rte_ring *rings[] = {rp->a_rx, rp->a_tx, rp->b_rx, rp->b_tx};

	for (size_t i = 0; i < ARRAY_SIZE(rings); i++) {
		while (rte_ring_dequeue(rings[i], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(rings[i]);
	}
	/* Every injected mbuf came back (none leaked by the port). */
	assert_int_equal(rte_mempool_avail_count(rp->inj), rp->inj->size);
	rte_mempool_free(rp->inj);
}

static void inject(struct rte_mempool *mp, struct rte_ring *r, const struct pkt *p)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	char *d;

	assert_non_null(m);
	d = rte_pktmbuf_append(m, (uint16_t)p->len);
	assert_non_null(d);
	memcpy(d, p->data, p->len);
	while (rte_ring_enqueue(r, m) != 0)
		usleep(100); /* the port drains it */
}

/* Send @n frames into @rx, expect them (transformed) on @tx, byte for byte. */
static void ring_forward_check(struct ring_pair *rp, struct rte_ring *rx, struct rte_ring *tx,
			       unsigned int n, uint8_t tag)
{
	static struct pkt in, exp[NFRAMES];
	bool seen[NFRAMES] = {false};
	unsigned int got = 0, order_ok = 0;
	uint64_t end;

	assert_true(n <= NFRAMES);
	for (unsigned int i = 0; i < n; i++) {
		make_frame(&in, i, tag, true);
		expect_frame(&in, &exp[i]);
		inject(rp->inj, rx, &in);
	}
	end = tu_now_ns() + 5000000000ull;
	while (got < n && tu_now_ns() < end) {
		struct rte_mbuf *m;

		if (rte_ring_dequeue(tx, (void **)&m)) {
			usleep(200);
			continue;
		}
		assert_int_equal(m->nb_segs, 1);
		assert_int_equal(m->pkt_len, m->data_len);
		int idx = match_frame(exp, seen, n, rte_pktmbuf_mtod(m, uint8_t *), m->data_len);

		if (idx < 0)
			fail_msg("frame %u (len %u) matches no frame sent", got, m->data_len);
		if ((unsigned int)idx == got)
			order_ok++;
		rte_pktmbuf_free(m);
		got++;
	}
	assert_int_equal(got, n);
	/* One rx queue, one tx queue: order is kept. */
	assert_int_equal(order_ok, n);
	assert_int_equal(fwd_failures, 0);
}

static void test_ring_forward(void **state)
{
	struct ring_pair rp;
	struct sn_dev_stats sa, sb;

	(void)state;
	eal_up();
	ring_pair_up(&rp, 1024);
	ring_forward_check(&rp, rp.a_rx, rp.b_tx, NFRAMES, 0xa1);
	ring_forward_check(&rp, rp.b_rx, rp.a_tx, NFRAMES, 0xb2);

	sn_dev_stats_read(port_a, -1, &sa);
	sn_dev_stats_read(port_b, -1, &sb);
	assert_int_equal(sa.rx_packets, NFRAMES);
	assert_int_equal(sb.rx_packets, NFRAMES);
	assert_int_equal(sa.tx_packets, NFRAMES);
	assert_int_equal(sb.tx_packets, NFRAMES);
	assert_int_equal(sa.forwarded, NFRAMES);
	assert_int_equal(sa.drops_total + sb.drops_total, 0);
	/* The frame path queues transmits for the end-of-poll flush (test_ring_io's does not). */
	assert_true(txq_flushes(port_b) > 0);
	/* The rx NAPIs ran in polling mode: they never completed (never re-armed). */
	assert_true(port_a->napi[0].stats.polls > 0);
	assert_int_equal(port_a->napi[0].stats.completes, 0);
	ring_pair_down(&rp);
}

struct full_wait {
	struct ring_pair *rp;
	unsigned int n;
};

static bool all_accounted(void *arg)
{
	struct full_wait *w = arg;

	return rte_ring_count(w->rp->b_tx) + drops(port_b, SN_DROP_TX_RING_FULL) >= w->n;
}

/* B's tx ring holds 63: the rest of a 200-frame burst is counted TX_RING_FULL, none lost. */
static void test_ring_tx_full(void **state)
{
	struct ring_pair rp;
	struct full_wait w = {.rp = &rp, .n = 200};
	static struct pkt in;

	(void)state;
	eal_up();
	ring_pair_up(&rp, 64);
	for (unsigned int i = 0; i < w.n; i++) {
		make_frame(&in, i, 0xc3, false);
		inject(rp.inj, rp.a_rx, &in);
	}
	if (!wait_until(all_accounted, &w, 5000)) {
		struct sn_dev_stats sa, sb;

		sn_dev_stats_read(port_a, -1, &sa);
		sn_dev_stats_read(port_b, -1, &sb);
		print_message("a: rx %lu drops %lu; b: tx %lu drops %lu (full %lu); ring %u; "
			      "a rx ring %u; a napi polls %lu\n",
			      (unsigned long)sa.rx_packets, (unsigned long)sa.drops_total,
			      (unsigned long)sb.tx_packets, (unsigned long)sb.drops_total,
			      (unsigned long)sb.drops[SN_DROP_TX_RING_FULL],
			      rte_ring_count(rp.b_tx), rte_ring_count(rp.a_rx),
			      (unsigned long)port_a->napi[0].stats.polls);
		for (int c = 0; c < 2; c++)
			print_message("  cpu %d: pending %#lx ksoftirqd tid %d\n", c,
				      softirq_pending_on(c), ksoftirqd_tid(c));
		print_message("  napi a: state %#lx owner %d cpu %d; b: state %#lx owner %d\n",
			      port_a->napi[0].state, port_a->napi[0].list_owner,
			      port_a->napi[0].cpu, port_b->napi[0].state,
			      port_b->napi[0].list_owner);
		for (int r = 0; r < SN_DROP_MAX; r++)
			if (sa.drops[r] || sb.drops[r])
				print_message("  %s: a %lu b %lu\n", sn_drop_reason_name(r),
					      (unsigned long)sa.drops[r],
					      (unsigned long)sb.drops[r]);
		fail();
	}
	usleep(20000);
	print_message("tx ring 63: %u sent, %lu tx_ring_full\n", rte_ring_count(rp.b_tx),
		      (unsigned long)drops(port_b, SN_DROP_TX_RING_FULL));
	assert_int_equal(rte_ring_count(rp.b_tx), 63);
	assert_int_equal(drops(port_b, SN_DROP_TX_RING_FULL), w.n - 63);
	ring_pair_down(&rp);
}

static bool port_down_counted(void *arg)
{
	return drops(port_b, SN_DROP_PORT_DOWN) >= *(unsigned int *)arg;
}

/* Link down on the ethdev: the cached carrier follows within its refresh time. */
static void test_ring_carrier(void **state)
{
	struct ring_pair rp;
	static struct pkt in;
	uint16_t pid;
	unsigned int n = 10;

	(void)state;
	eal_up();
	ring_pair_up(&rp, 1024);
	assert_true(sn_netif_carrier_ok(port_b));
	assert_int_equal(rte_eth_dev_get_port_by_name(rp.b_name, &pid), 0);
	assert_int_equal(rte_eth_dev_set_link_down(pid), 0);
	usleep(250000);
	assert_false(sn_netif_carrier_ok(port_b));
	for (unsigned int i = 0; i < n; i++) {
		make_frame(&in, i, 0xd4, false);
		inject(rp.inj, rp.a_rx, &in);
	}
	assert_true(wait_until(port_down_counted, &n, 5000));
	assert_int_equal(rte_ring_count(rp.b_tx), 0);
	assert_int_equal(rte_eth_dev_set_link_up(pid), 0);
	usleep(250000);
	assert_true(sn_netif_carrier_ok(port_b));
	ring_pair_down(&rp);
}

/* ---- io forwarding between two dpdk ports (port_dpdk.c's burst fast path) ---------------- */

struct io_wait {
	uint64_t rx, tx; /* frames a's rx ring takes, frames that reach b's transmit */
};

static bool io_accounted(void *arg)
{
	struct io_wait *w = arg;
	struct sn_dev_stats sa, sb;

	sn_dev_stats_read(port_a, -1, &sa);
	sn_dev_stats_read(port_b, -1, &sb);
	return sa.rx_packets + sa.rx_ring_drops >= w->rx && sb.tx_packets + sb.drops_total >= w->tx;
}

/*
 * Port a cross-connected to port b (config "xconnect"): bursts go from a's rx ring to b's tx
 * ring as they came, runts and oversized frames dropped and counted by reason, order kept, and
 * none of it through the frame path (b's tx queue is never put on a flush list: its tx_flush
 * count stays 0, while test_ring_forward's frame path flushes). Then b's link goes down: the
 * bursts are counted PORT_DOWN on b, and no mbuf leaks (ring_pair_down counts the pool).
 */
static void test_ring_io(void **state)
{
	static struct pkt in, exp[NFRAMES];
	struct ring_pair rp;
	struct sn_dev_stats sa, sb;
	struct io_wait w = {.rx = NFRAMES};
	unsigned int runts = 0, too_big = 0;
	unsigned int good = 0, got = 0;
	uint16_t pid;

	(void)state;
	eal_up();
	ring_pair_up(&rp, 1024);
	__atomic_store_n(&port_a->xconnect, port_b, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < NFRAMES; i++) {
		make_frame(&in, i, 0xe5, false);
		if (i % 50 == 7) {
			in.len = 13; /* runt: dropped at a's ingress */
			runts++;
		} else if (i % 50 == 19) {
			in.len = 1515; /* one byte over MTU 1500 + 14, untagged: TOO_BIG at b */
			too_big++;
		} else if (i % 50 == 31) {
			in.len = 1518; /* the same size with an 802.1Q tag fits */
			in.data[12] = 0x81;
			in.data[13] = 0x00;
			exp[good++] = in;
		} else {
			exp[good++] = in;
		}
		inject(rp.inj, rp.a_rx, &in);
	}
	w.tx = NFRAMES - runts;
	assert_true(wait_until(io_accounted, &w, 5000));
	for (struct rte_mbuf *m; rte_ring_dequeue(rp.b_tx, (void **)&m) == 0; got++) {
		assert_true(got < good);
		assert_int_equal(m->pkt_len, exp[got].len);
		assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), exp[got].data, exp[got].len);
		rte_pktmbuf_free(m);
	}
	assert_int_equal(got, good);
	sn_dev_stats_read(port_a, -1, &sa);
	sn_dev_stats_read(port_b, -1, &sb);
	assert_int_equal(runts, 5);
	assert_int_equal(too_big, 5);
	assert_int_equal(sa.rx_packets, NFRAMES - runts);
	assert_int_equal(sa.rx_drops[SN_DROP_RUNT], runts);
	assert_int_equal(sa.rx_ring_drops, runts);
	assert_int_equal(sa.forwarded, NFRAMES - runts);
	assert_int_equal(sb.tx_packets, good);
	assert_int_equal(sb.tx_drops[SN_DROP_TOO_BIG], too_big);
	assert_int_equal(sb.drops_total, too_big);
	assert_int_equal(txq_flushes(port_b), 0);

	/* b's link down: every frame of the next bursts is dropped PORT_DOWN on b. */
	assert_int_equal(rte_eth_dev_get_port_by_name(rp.b_name, &pid), 0);
	assert_int_equal(rte_eth_dev_set_link_down(pid), 0);
	usleep(250000);
	for (unsigned int i = 0; i < 40; i++) {
		make_frame(&in, i, 0xe6, false);
		inject(rp.inj, rp.a_rx, &in);
	}
	w.rx += 40;
	w.tx += 40;
	assert_true(wait_until(io_accounted, &w, 5000));
	assert_int_equal(drops(port_b, SN_DROP_PORT_DOWN), 40);
	assert_int_equal(rte_ring_count(rp.b_tx), 0);
	assert_int_equal(rte_eth_dev_set_link_up(pid), 0);
	ring_pair_down(&rp);
}

/*
 * A vdev the port probes itself (net_ring with its own rings), two queues: configured, placed on
 * two CPUs, removed with the port; made again, it reuses its mbuf pool.
 */
static void test_probe_remove(void **state)
{
	struct cfg_port c = {.name = "dpq", .type = CFG_PORT_DPDK, .queues = 2, .pmd = "net_ring9"};
	struct sn_port_env env = test_env(0);
	char err[512] = "", desc[256];
	uint16_t pid;

	(void)state;
	eal_up();
	net_up();
	for (int round = 0; round < 2; round++) {
		struct sn_netdev *dev = sn_port_dpdk_create(&c, &env, err, sizeof(err));

		if (!dev)
			fprintf(stderr, "%s\n", err);
		assert_non_null(dev);
		assert_int_equal(dev->nr_rxq, 2);
		assert_int_equal(dev->nr_txq, 2);
		if (env.nr_cpus == 2)
			assert_int_not_equal(dev->napi[0].cpu, dev->napi[1].cpu);
		describe(dev, desc, sizeof(desc));
		assert_non_null(strstr(desc, "2 rxq/2 txq"));
		assert_non_null(strstr(desc, "pool sn_dpq "));
		assert_int_equal(rte_eth_dev_get_port_by_name("net_ring9", &pid), 0);
		sn_netdev_unregister(dev);
		/* We probed it, so it is gone with the port. */
		assert_int_not_equal(rte_eth_dev_get_port_by_name("net_ring9", &pid), 0);
	}
	assert_null(rte_mempool_lookup("sn_dpq.1"));

	/* A PMD string naming nothing is refused with the PMD's message. */
	struct cfg_port bad = {.name = "dpbad", .type = CFG_PORT_DPDK, .pmd = "net_nosuchpmd0"};

	assert_null(sn_port_dpdk_create(&bad, &env, err, sizeof(err)));
	print_message("bad pmd: %s\n", err);
	assert_non_null(strstr(err, "net_nosuchpmd0"));
	sn_netdev_set_rx_handler(NULL);
	sn_net_fini();
}

/* ---- net_af_xdp over veth in a private network namespace -------------------------------- */

static int sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int packet_socket(const char *ifname)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = (int)if_nametoindex(ifname),
	};
	struct timeval tv = {.tv_sec = 0, .tv_usec = 20000};
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));

	assert_true(fd >= 0);
	assert_true(sll.sll_ifindex > 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Inject @n frames on @tx_if (towards one softnetd port); capture them on @rx_if. */
static void afxdp_forward_check(const char *tx_if, const char *rx_if, unsigned int n, uint8_t tag)
{
	static struct pkt in, exp[NFRAMES];
	static uint8_t buf[FRAME_MAX + 64];
	bool seen[NFRAMES] = {false};
	int txfd = packet_socket(tx_if), rxfd = packet_socket(rx_if);
	unsigned int got = 0, noise = 0;
	uint64_t end;

	for (unsigned int i = 0; i < n; i++) {
		make_frame(&in, i, tag, true);
		expect_frame(&in, &exp[i]);
		assert_int_equal(send(txfd, in.data, in.len, 0), (ssize_t)in.len);
		if (i % 16 == 15)
			usleep(1000); /* copy mode: let the fill ring keep up */
	}
	end = tu_now_ns() + 5000000000ull;
	while (got < n && tu_now_ns() < end) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t len = recvfrom(rxfd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

		if (len <= 0 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (match_frame(exp, seen, n, buf, (uint32_t)len) >= 0)
			got++;
		else
			noise++;
	}
	close(txfd);
	close(rxfd);
	if (got != n || tag == 0xf6)
		print_message("%s -> softnetd -> %s (tag %#x): %u/%u frames, byte for byte (%u "
			      "other frames seen)\n", tx_if, rx_if, tag, got, n, noise);
	assert_int_equal(got, n);
	assert_int_equal(fwd_failures, 0);
}

/* This child (one per profile) in its own network namespace; skip without root. */
static void netns_enter(const char *what)
{
	if (geteuid() != 0) {
		print_message("skipped: %s needs root (network namespace, devices)\n", what);
		skip();
	}
	/*
	 * The namespace dies with this process, and every interface in it, whatever happens. The
	 * process is single-threaded here, so every later thread (EAL's, bhlock's) is in it too.
	 */
	if (unshare(CLONE_NEWNET)) {
		print_message("skipped: %s: unshare(CLONE_NEWNET): %s\n", what, strerror(errno));
		skip();
	}
	/* No IPv6 chatter (router solicitations) on the test's interfaces. */
	sh("echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 2>/dev/null; "
	   "echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6 2>/dev/null; ip link set lo up");
}

/* Ports @pmd_a/@pmd_b, forwarding checked from @a_peer to @b_peer and back. */
static void netns_forward(const char *pmd_a, const char *pmd_b, const char *a_peer,
			  const char *b_peer, char *desc, size_t desc_len)
{
	char err[512] = "";

	eal_up();
	net_up();
	struct cfg_port ca = {
		.name = "xa", .type = CFG_PORT_DPDK, .queues = 1, .pmd = (char *)pmd_a};
	struct cfg_port cb = {
		.name = "xb", .type = CFG_PORT_DPDK, .queues = 1, .pmd = (char *)pmd_b};
	struct sn_port_env ea = test_env(0), eb = test_env(1);

	port_a = sn_port_dpdk_create(&ca, &ea, err, sizeof(err));
	if (!port_a)
		fprintf(stderr, "%s\n", err);
	assert_non_null(port_a);
	port_b = sn_port_dpdk_create(&cb, &eb, err, sizeof(err));
	if (!port_b)
		fprintf(stderr, "%s\n", err);
	assert_non_null(port_b);
	describe(port_a, desc, desc_len);
	assert_int_equal(bhlock_start(), 0);
	assert_int_equal(sn_netdev_open(port_a), 0);
	assert_int_equal(sn_netdev_open(port_b), 0);
	usleep(200000); /* carrier settles (and the cache refreshes) */
	assert_true(sn_netif_carrier_ok(port_a));
	assert_true(sn_netif_carrier_ok(port_b));

	/*
	 * More frames than a port's mbuf pool holds (4128): every mbuf serves as an rx buffer of
	 * A and a tx copy of B at least once. net_af_xdp registers a pool as its UMEM, so a pool
	 * whose top lies outside the UMEM loses those buffers as invalid descriptors and stalls.
	 */
	for (unsigned int r = 0; r < FWD_ROUNDS; r++)
		afxdp_forward_check(a_peer, b_peer, FWD_BATCH, (uint8_t)(0x10 + r));
	afxdp_forward_check(b_peer, a_peer, FWD_BATCH, 0xf6);

	struct sn_dev_stats sa;

	sn_dev_stats_read(port_a, -1, &sa);
	print_message("xa: rx %lu tx %lu drops %lu; napi polls %lu completes %lu irqs %lu\n",
		      (unsigned long)sa.rx_packets, (unsigned long)sa.tx_packets,
		      (unsigned long)sa.drops_total, (unsigned long)port_a->napi[0].stats.polls,
		      (unsigned long)port_a->napi[0].stats.completes,
		      (unsigned long)port_a->napi[0].stats.irqs);
	assert_int_equal(sa.rx_packets, FWD_ROUNDS * FWD_BATCH);
	assert_int_equal(sa.tx_packets, FWD_BATCH);
}

/* net_af_xdp on two veth pairs: inject on sa1, softnetd forwards sa0 -> sb0, capture on sb1. */
static void test_afxdp_veth(void **state)
{
	char desc[256];

	(void)state;
	netns_enter("net_af_xdp over veth");
	assert_int_equal(sh("ip link add sa0 type veth peer name sa1 && "
			    "ip link add sb0 type veth peer name sb1 && "
			    "for i in sa0 sa1 sb0 sb1; do ip link set $i up || exit 1; done"),
			 0);
	netns_forward("net_af_xdp0,iface=sa0", "net_af_xdp1,iface=sb0", "sa1", "sb1", desc,
		      sizeof(desc));
	assert_non_null(strstr(desc, "net_af_xdp"));
	net_down();
}

/*
 * net_tap: the PMD makes the kernel tap interfaces itself; what the kernel sends on ta reaches
 * port A, what port B sends arrives on tb. net_tap gives each rx queue an interrupt fd (its
 * queue's tap fd), so this is where interrupt mode is exercised: the NAPI completes and the IRQ
 * fires again.
 */
static void test_tap_intr(void **state)
{
	char desc[256];

	(void)state;
	netns_enter("net_tap");
	netns_forward("net_tap0,iface=ta", "net_tap1,iface=tb", "ta", "tb", desc, sizeof(desc));
	assert_non_null(strstr(desc, "net_tap"));
	if (strstr(desc, "rx interrupts")) {
		assert_false(port_a->flags & SN_DEV_F_POLL_MODE);
		assert_true(port_a->napi[0].stats.irqs > 0);
		assert_true(port_a->napi[0].stats.completes > 0);
	} else {
		print_message("note: net_tap offered no rx interrupt here: polling\n");
	}
	net_down();
}

int main(void)
{
	/*
	 * One group per test, so that each child starts bhlock once: a second bhlock_start() after
	 * bhlock_stop() in one process sometimes never runs the NET_RX softirq raised by the first
	 * napi_schedule() (pending stays set, ksoftirqd is not woken) — seen in vanilla and
	 * rt-bhlock, not in rt-nested; see the report of this test's author.
	 */
	const struct CMUnitTest forward[] = {cmocka_unit_test(test_ring_forward)};
	const struct CMUnitTest tx_full[] = {cmocka_unit_test(test_ring_tx_full)};
	const struct CMUnitTest carrier[] = {cmocka_unit_test(test_ring_carrier)};
	const struct CMUnitTest io[] = {cmocka_unit_test(test_ring_io)};
	const struct CMUnitTest probe[] = {cmocka_unit_test(test_probe_remove)};
	const struct CMUnitTest afxdp[] = {cmocka_unit_test(test_afxdp_veth)};
	const struct CMUnitTest tap[] = {cmocka_unit_test(test_tap_intr)};
	int failed = 0;

	failed += tu_run_per_profile("dpdk net_ring forward", forward);
	failed += tu_run_per_profile("dpdk net_ring tx full", tx_full);
	failed += tu_run_per_profile("dpdk net_ring carrier", carrier);
	failed += tu_run_per_profile("dpdk net_ring io xconnect", io);
	failed += tu_run_per_profile("dpdk probe and remove", probe);
	failed += tu_run_per_profile("dpdk net_af_xdp veth", afxdp);
	failed += tu_run_per_profile("dpdk net_tap interrupts", tap);
	return failed ? 1 : 0;
}
