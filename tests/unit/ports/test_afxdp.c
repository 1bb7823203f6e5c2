// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_afxdp.c - the AF_XDP port on veth pairs, forwarding between two ports, in each profile.
 *
 * Every test runs in the per-profile child (tu_run_per_profile) after unshare(CLONE_NEWNET): the
 * veths it makes live in a namespace of its own and vanish with the process, whatever happens.
 *
 *   xb0 ==veth== xa0 [port p0] --fwd--> [port p1] xa1 ==veth== xb1
 *
 * Frames go into xb0 (and xb1) through AF_PACKET sockets, come out of xb1 (xb0) and are compared
 * byte for byte: interrupt-driven NAPI, threaded NAPI, two queues per port, a carrier change,
 * and an unpaced burst whose every frame is either received or counted as a drop somewhere.
 * Each case also checks what describe says (copy bind, libxdp's real mode), that after stop
 * every rx buffer is in its page_pool or the fill ring, that destroy gets them all back and
 * leaves no XDP program attached, and that no lockdep report was made.
 * Needs root (skipped otherwise). SN_TEST_PROFILE=<profile> runs one profile in-process.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/socket.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "lib/test_util.h"

#include "bhlock/bhlock.h"
#include "config/config_types.h"
#include "net/net_core.h"
#include "net/napi.h"
#include "net/netdev.h"
#include "net/page_pool.h"
#include "net/xmit.h"
#include "ports/ports.h"

#define FRAMES_PER_DIR 5000 /* more than a queue's 4096 rx buffers: the pool must recycle */
#define WINDOW 32

static struct sn_netdev *g_port[2];

static void fwd_rx(struct sn_frame *f)
{
	struct sn_netdev *out = f->dev == g_port[0] ? g_port[1] : g_port[0];

	sn_dev_queue_xmit(f, out);
}

static int sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0)
		print_message("command failed (%d): %s\n", rc, cmd);
	return rc;
}

static void write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(val, f);
		fclose(f);
	}
}

/* A namespace of our own with two veth pairs of @queues queues, all up, no IPv6 chatter. */
static void netns_setup(int queues)
{
	char cmd[160];

	assert_int_equal(unshare(CLONE_NEWNET), 0);
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	assert_int_equal(sh("ip link set lo up"), 0);
	for (int i = 0; i < 2; i++) {
		snprintf(cmd, sizeof(cmd), "ip link add xa%d numtxqueues %d numrxqueues %d type veth "
			 "peer name xb%d numtxqueues %d numrxqueues %d", i, queues, queues, i,
			 queues, queues);
		assert_int_equal(sh(cmd), 0);
	}
	assert_int_equal(sh("ip link set xa0 up && ip link set xb0 up && "
			    "ip link set xa1 up && ip link set xb1 up"), 0);
}

static int pkt_open(const char *ifname)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = (int)if_nametoindex(ifname),
	};
	int one = 1;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	/* What we send on this end is not what we want to read back. */
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	return fd;
}

/*
 * Frame @seq of direction @dir: IPv4/UDP (source port varies, so the sender's tx-queue hash and
 * thus the veth rx queue vary), then a magic, the direction, the sequence number and a pattern;
 * the length varies from 60 to 1514 bytes.
 */
#define MAGIC_OFF 42
static uint32_t make_frame(uint8_t *b, int dir, uint32_t seq)
{
	uint32_t len = 60 + (seq * 37u) % (1514 - 60 + 1);
	uint16_t ip_len = (uint16_t)(len - 14), udp_len = (uint16_t)(len - 34);
	uint16_t sport = (uint16_t)(10000 + seq % 64);
	uint32_t sum = 0;

	memset(b, 0, MAGIC_OFF);
	memcpy(b, "\x02\x00\x00\x00\x00\x0b", 6);
	memcpy(b + 6, "\x02\x00\x00\x00\x00\x0a", 6);
	b[12] = 0x08; /* IPv4 */
	b[14] = 0x45;
	b[16] = (uint8_t)(ip_len >> 8);
	b[17] = (uint8_t)ip_len;
	b[22] = 64;
	b[23] = 17; /* UDP */
	memcpy(b + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	for (int i = 14; i < 34; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	b[24] = (uint8_t)(~sum >> 8);
	b[25] = (uint8_t)~sum;
	b[34] = (uint8_t)(sport >> 8);
	b[35] = (uint8_t)sport;
	b[37] = 9; /* discard */
	b[38] = (uint8_t)(udp_len >> 8);
	b[39] = (uint8_t)udp_len;
	memcpy(b + MAGIC_OFF, "SNXD", 4);
	b[MAGIC_OFF + 4] = (uint8_t)dir;
	memcpy(b + MAGIC_OFF + 5, &seq, 4);
	for (uint32_t i = MAGIC_OFF + 9; i < len; i++)
		b[i] = (uint8_t)(seq * 7 + i * 13 + (uint32_t)dir);
	return len;
}

/* Ours and of direction @dir: then its sequence number. */
static bool frame_is_ours(const uint8_t *b, ssize_t n, int dir, uint32_t *seq)
{
	if (n < MAGIC_OFF + 9 || b[12] != 0x08 || b[13] != 0x00 ||
	    memcmp(b + MAGIC_OFF, "SNXD", 4) || b[MAGIC_OFF + 4] != dir)
		return false;
	memcpy(seq, b + MAGIC_OFF + 5, 4);
	return true;
}

/*
 * Send FRAMES_PER_DIR frames into @in, WINDOW at a time, and read each back from @out: every one
 * exactly once, byte for byte. Return: how many came back intact.
 */
static uint32_t run_direction(int in, int out, int dir)
{
	static uint8_t tx[2048], rx[4096];
	static uint8_t seen[FRAMES_PER_DIR];
	uint32_t ok = 0, bad = 0, dup = 0;

	memset(seen, 0, sizeof(seen));
	for (uint32_t base = 0; base < FRAMES_PER_DIR; base += WINDOW) {
		uint32_t end = base + WINDOW < FRAMES_PER_DIR ? base + WINDOW : FRAMES_PER_DIR;
		uint32_t want = end - base, got = 0;

		for (uint32_t s = base; s < end; s++) {
			uint32_t len = make_frame(tx, dir, s);

			assert_int_equal(send(in, tx, len, 0), (ssize_t)len);
		}
		while (got < want) {
			struct pollfd pfd = { .fd = out, .events = POLLIN };
			uint32_t seq, len;
			ssize_t n;

			if (poll(&pfd, 1, 2000) <= 0) {
				print_message("dir %d: window at %u: %u of %u frames came back\n", dir,
					      base, got, want);
				return ok;
			}
			n = recv(out, rx, sizeof(rx), 0);
			if (!frame_is_ours(rx, n, dir, &seq))
				continue;
			if (seq < base || seq >= end) {
				bad++;
				continue;
			}
			len = make_frame(tx, dir, seq);
			if ((uint32_t)n != len || memcmp(tx, rx, len)) {
				bad++;
				continue;
			}
			if (seen[seq]++) {
				dup++;
				continue;
			}
			got++;
			ok++;
		}
	}
	if (bad || dup)
		print_message("dir %d: %u frames differed, %u duplicated\n", dir, bad, dup);
	return bad || dup ? 0 : ok;
}

static struct sn_netdev *make_port(const char *name, const char *ifname, enum cfg_xsk_mode mode,
				   bool busy_poll, int slot, bool threaded, int queues, char *err,
				   size_t errlen)
{
	static const int cpus[] = { 0, 1 };
	struct cfg_port p = { 0 };
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	struct sn_port_env env = {
		.cpus = cpus,
		.nr_cpus = online >= 2 ? 2 : 1,
		.first_cpu_slot = slot,
		.irq_prio = 0,
		.napi_threaded = threaded,
		.napi_weight = 0,
	};

	snprintf(p.name, sizeof(p.name), "%s", name);
	p.type = CFG_PORT_AFXDP;
	p.queues = queues;
	snprintf(p.ifname, sizeof(p.ifname), "%s", ifname);
	p.mode = mode;
	p.busy_poll = busy_poll;
	return sn_port_afxdp_create(&p, &env, err, errlen);
}

static uint32_t xdp_prog_id(const char *ifname)
{
	__u32 id = 0;

	assert_int_equal(bpf_xdp_query_id((int)if_nametoindex(ifname), 0, &id), 0);
	return id;
}

static bool ip_link_shows_xdp(const char *ifname)
{
	char cmd[128], line[512];
	bool xdp = false;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip -d link show dev %s", ifname);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "xdp") || strstr(line, "prog/"))
			xdp = true;
	pclose(f);
	return xdp;
}

/* "rxbufs=IN_USE/TOTAL(kernel K)" from describe. */
static void describe_bufs(struct sn_netdev *dev, unsigned long long *in_use,
			  unsigned long long *kernel)
{
	char d[512];
	const char *p;
	unsigned long long total;

	dev->ops->describe(dev, d, sizeof(d));
	p = strstr(d, "rxbufs=");
	assert_non_null(p);
	assert_int_equal(sscanf(p, "rxbufs=%llu/%llu(kernel %llu)", in_use, &total, kernel), 3);
}

/*
 * Carrier: with xb1 down, xa1 is not RUNNING and p1 drops what it should send (PORT_DOWN) once
 * its cached flag is refreshed (at most 100 ms old); with xb1 up again, traffic flows again.
 */
static void carrier_follows_peer(int *pb0, int *pb1)
{
	static uint8_t tx[2048];
	struct sn_dev_stats before, after;

	sn_dev_stats_read(g_port[1], -1, &before);
	assert_int_equal(sh("ip link set xb1 down"), 0);
	usleep(250 * 1000);
	for (uint32_t s = 0; s < 10; s++) {
		uint32_t len = make_frame(tx, 0, s);

		assert_int_equal(send(*pb0, tx, len, 0), (ssize_t)len);
	}
	usleep(200 * 1000);
	sn_dev_stats_read(g_port[1], -1, &after);
	print_message("p1 with its peer down: %llu port_down drops\n",
		      (unsigned long long)(after.drops[SN_DROP_PORT_DOWN] -
					   before.drops[SN_DROP_PORT_DOWN]));
	assert_int_equal(after.drops[SN_DROP_PORT_DOWN] - before.drops[SN_DROP_PORT_DOWN], 10);
	assert_false(g_port[1]->ops->carrier(g_port[1]));

	assert_int_equal(sh("ip link set xb1 up"), 0);
	usleep(250 * 1000);
	close(*pb1);
	*pb1 = pkt_open("xb1");
	assert_int_equal(run_direction(*pb0, *pb1, 0), FRAMES_PER_DIR);
	assert_true(g_port[1]->ops->carrier(g_port[1]));
}

static void skip_unless_root(void)
{
	if (geteuid() != 0) {
		print_message("skipped: AF_XDP, veth and network namespaces need root\n");
		skip();
	}
}

/*
 * Stop, unregister and check: after stop every rx buffer is in its pool or lent to the kernel's
 * fill ring; destroy (stderr captured) reports no buffer that never came back and no program
 * left behind; libxdp's program is gone from both interfaces; heads and chunks all back.
 */
static void ports_teardown(void)
{
	unsigned long long in_use, kernel;
	char line[512];
	FILE *errf;
	int saved;

	for (int i = 0; i < 2; i++) {
		g_port[i]->ops->stop(g_port[i]);
		describe_bufs(g_port[i], &in_use, &kernel);
		assert_int_equal(in_use, kernel);
	}

	/* Unregister with stderr captured: destroy says so if a buffer or a program stayed. */
	errf = tmpfile();
	assert_non_null(errf);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(errf), 2);
	sn_netdev_unregister(g_port[0]);
	sn_netdev_unregister(g_port[1]);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(errf);
	while (fgets(line, sizeof(line), errf)) {
		print_message("destroy: %s", line);
		assert_null(strstr(line, "never came back"));
		assert_null(strstr(line, "in use"));
		assert_null(strstr(line, "still on"));
	}
	fclose(errf);
	g_port[0] = g_port[1] = NULL;

	/* Nothing stays attached: libxdp detached its program with the last socket. */
	assert_int_equal(xdp_prog_id("xa0"), 0);
	assert_int_equal(xdp_prog_id("xa1"), 0);
	assert_false(ip_link_shows_xdp("xa0"));
	assert_false(ip_link_shows_xdp("xa1"));

	bhlock_stop();
	assert_int_equal(sn_skb_cache_check(), 0);
	sn_net_fini();
#ifdef BHLOCK_DEBUG
	assert_int_equal(lockdep_report_total(), 0);
#endif
}

static void forward_both_ways(bool threaded, int queues)
{
	char want_q[32];
	struct sn_net_params np = { .sz = sizeof(np) };
	char err[256] = "", d[512];
	struct sn_dev_stats st;
	struct xdp_multiprog *mp;
	bool legacy;
	int pb0, pb1;

	netns_setup(queues);
	snprintf(want_q, sizeof(want_q), "queues=%d ", queues);
	np.skb_cache.gen = SN_SKB_CACHE_6_19;
	assert_int_equal(sn_net_init(&np), 0);
	sn_netdev_set_rx_handler(fwd_rx);

	/* p0: auto (falls back to copy on veth); p1: copy with busy poll. */
	g_port[0] = make_port("p0", "xa0", CFG_XSK_AUTO, false, 0, threaded, queues, err,
			      sizeof(err));
	if (!g_port[0])
		fail_msg("p0: %s", err);
	g_port[1] = make_port("p1", "xa1", CFG_XSK_COPY, true, 1, threaded, queues, err,
			      sizeof(err));
	if (!g_port[1])
		fail_msg("p1: %s", err);
	assert_int_equal(bhlock_start(), 0);
	assert_int_equal(sn_netdev_open(g_port[0]), 0);
	assert_int_equal(sn_netdev_open(g_port[1]), 0);

	/* describe tells the truth: copy mode, and whatever libxdp really attached. */
	mp = xdp_multiprog__get_from_ifindex((int)if_nametoindex("xa0"));
	assert_true(mp && !libxdp_get_error(mp));
	legacy = xdp_multiprog__is_legacy(mp);
	xdp_multiprog__close(mp);
	for (int i = 0; i < 2; i++) {
		g_port[i]->ops->describe(g_port[i], d, sizeof(d));
		print_message("%s: %s\n", g_port[i]->name, d);
		assert_non_null(strstr(d, "bind=copy"));
		assert_non_null(strstr(d, legacy ? "libxdp=single-program" : "libxdp=dispatcher"));
		assert_non_null(strstr(d, "need_wakeup"));
		assert_non_null(strstr(d, want_q));
	}
	g_port[0]->ops->describe(g_port[0], d, sizeof(d));
	assert_non_null(strstr(d, "auto: zero-copy refused"));
	g_port[1]->ops->describe(g_port[1], d, sizeof(d));
	assert_null(strstr(d, "zero-copy refused"));
	assert_non_null(strstr(d, "busy_poll=on"));
	assert_true(xdp_prog_id("xa0") != 0);
	assert_true(xdp_prog_id("xa1") != 0);

	pb0 = pkt_open("xb0");
	pb1 = pkt_open("xb1");
	assert_int_equal(run_direction(pb0, pb1, 0), FRAMES_PER_DIR);
	assert_int_equal(run_direction(pb1, pb0, 1), FRAMES_PER_DIR);

	for (int i = 0; i < 2; i++) {
		sn_dev_stats_read(g_port[i], -1, &st);
		print_message("%s: rx %llu tx %llu drops %llu\n", g_port[i]->name,
			      (unsigned long long)st.rx_packets, (unsigned long long)st.tx_packets,
			      (unsigned long long)st.drops_total);
		assert_true(st.rx_packets >= FRAMES_PER_DIR);
		assert_true(st.tx_packets >= FRAMES_PER_DIR);
		assert_int_equal(st.drops_total, 0);
		for (unsigned int q = 0; q < g_port[i]->nr_rxq; q++) {
			struct sn_napi *n = &g_port[i]->napi[q];

			print_message("%s: rxq %u: %llu packets in %llu polls, %llu irqs%s\n",
				      g_port[i]->name, q, (unsigned long long)n->stats.packets,
				      (unsigned long long)n->stats.polls,
				      (unsigned long long)n->stats.irqs,
				      n->thread_tid ? ", threaded" : "");
			assert_true(!threaded || n->thread_tid != 0);
			/* Several queues: the sender's hash spreads the flows over all of them. */
			assert_true(n->stats.packets > 0);
		}
	}

	if (queues == 1 && !threaded)
		carrier_follows_peer(&pb0, &pb1);
	close(pb0);
	close(pb1);

	ports_teardown();
}

static void test_forward_irq(void **state)
{
	(void)state;
	skip_unless_root();
	forward_both_ways(false, 1);
}

/* Two queues per port: two UMEMs and sockets sharing libxdp's program, detached with the last. */
static void test_forward_two_queues(void **state)
{
	(void)state;
	skip_unless_root();
	forward_both_ways(false, 2);
}

static void test_forward_threaded(void **state)
{
	(void)state;
	skip_unless_root();
	forward_both_ways(true, 1);
}

/* The kernel's tx_dropped of @ifname (veth: its peer's ring was full). */
static uint64_t link_tx_dropped(const char *ifname)
{
	struct ifaddrs *ifa, *i;
	uint64_t v = 0;

	assert_int_equal(getifaddrs(&ifa), 0);
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_PACKET && i->ifa_data &&
		    !strcmp(i->ifa_name, ifname))
			v = ((struct rtnl_link_stats *)i->ifa_data)->tx_dropped;
	freeifaddrs(ifa);
	return v;
}

static unsigned long long describe_xsk_drops(struct sn_netdev *dev)
{
	unsigned long long v = 0;
	char d[512];
	const char *p;

	dev->ops->describe(dev, d, sizeof(d));
	p = strstr(d, "xsk_drops=");
	assert_non_null(p);
	assert_int_equal(sscanf(p, "xsk_drops=%llu", &v), 1);
	return v;
}

/*
 * A burst with no flow control, xb0 -> p0 -> p1 -> xb1: frames may be lost, but every one is
 * either received intact on xb1 or counted somewhere: veth tx_dropped, the xsk socket's kernel
 * counters (describe), softnetd's per-reason drops, or the receiving packet socket.
 */
#define BURST 20000
static void test_burst_accounting(void **state)
{
	struct sn_net_params np = { .sz = sizeof(np) };
	static uint8_t tx[2048], rx[4096], seen[BURST];
	uint64_t sent = 0, got = 0, bad = 0, xb0_drop, xa1_drop;
	unsigned long long xsk0, xsk1;
	struct tpacket_stats ps = { 0 };
	socklen_t pslen = sizeof(ps);
	struct sn_dev_stats st0, st1;
	int big = 64 << 20, pb0, pb1;
	char err[256] = "";

	(void)state;
	skip_unless_root();
	netns_setup(1);
	assert_int_equal(sn_net_init(&np), 0);
	sn_netdev_set_rx_handler(fwd_rx);
	g_port[0] = make_port("p0", "xa0", CFG_XSK_COPY, false, 0, false, 1, err, sizeof(err));
	if (!g_port[0])
		fail_msg("p0: %s", err);
	g_port[1] = make_port("p1", "xa1", CFG_XSK_COPY, false, 1, false, 1, err, sizeof(err));
	if (!g_port[1])
		fail_msg("p1: %s", err);
	assert_int_equal(bhlock_start(), 0);
	assert_int_equal(sn_netdev_open(g_port[0]), 0);
	assert_int_equal(sn_netdev_open(g_port[1]), 0);
	pb0 = pkt_open("xb0");
	pb1 = pkt_open("xb1");
	setsockopt(pb1, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	getsockopt(pb1, SOL_PACKET, PACKET_STATISTICS, &ps, &pslen); /* resets the counters */
	xb0_drop = link_tx_dropped("xb0");
	xa1_drop = link_tx_dropped("xa1");

	memset(seen, 0, sizeof(seen));
	for (uint32_t s = 0; s < BURST; s++) {
		uint32_t len = make_frame(tx, 0, s);

		if (send(pb0, tx, len, MSG_DONTWAIT) == (ssize_t)len)
			sent++;
	}
	for (;;) {
		struct pollfd pfd = { .fd = pb1, .events = POLLIN };
		uint32_t seq, len;
		ssize_t n;

		if (poll(&pfd, 1, 1000) <= 0)
			break;
		n = recv(pb1, rx, sizeof(rx), 0);
		if (!frame_is_ours(rx, n, 0, &seq))
			continue;
		len = make_frame(tx, 0, seq);
		if (seq >= BURST || (uint32_t)n != len || memcmp(tx, rx, len) || seen[seq]++)
			bad++;
		else
			got++;
	}
	pslen = sizeof(ps);
	assert_int_equal(getsockopt(pb1, SOL_PACKET, PACKET_STATISTICS, &ps, &pslen), 0);
	xb0_drop = link_tx_dropped("xb0") - xb0_drop;
	xa1_drop = link_tx_dropped("xa1") - xa1_drop;
	xsk0 = describe_xsk_drops(g_port[0]);
	xsk1 = describe_xsk_drops(g_port[1]);
	for (int i = 0; i < 2; i++) {
		char d[512];

		g_port[i]->ops->describe(g_port[i], d, sizeof(d));
		print_message("%s: %s\n", g_port[i]->name, d);
	}
	sn_dev_stats_read(g_port[0], -1, &st0);
	sn_dev_stats_read(g_port[1], -1, &st1);
	print_message("burst: sent %llu, received %llu intact (%llu bad); lost: veth xb0 %llu, "
		      "xsk p0 %llu, p0 drops %llu, p1 drops %llu (nomem_buf %llu, tx_ring_full %llu), "
		      "xsk p1 %llu, veth xa1 %llu, packet socket %u\n",
		      (unsigned long long)sent, (unsigned long long)got, (unsigned long long)bad,
		      (unsigned long long)xb0_drop, xsk0, (unsigned long long)st0.drops_total,
		      (unsigned long long)st1.drops_total,
		      (unsigned long long)st1.drops[SN_DROP_NOMEM_BUF],
		      (unsigned long long)st1.drops[SN_DROP_TX_RING_FULL], xsk1,
		      (unsigned long long)xa1_drop, ps.tp_drops);
	assert_int_equal(bad, 0);
	assert_int_equal(got + xb0_drop + xsk0 + st0.drops_total + st1.drops_total + xsk1 +
			 xa1_drop + ps.tp_drops, sent);
	close(pb0);
	close(pb1);
	ports_teardown();
}

/* zerocopy on veth is refused at create, with a message, and leaves nothing attached. */
static void test_zerocopy_refused(void **state)
{
	struct sn_net_params np = { .sz = sizeof(np) };
	char err[256] = "";
	struct sn_netdev *dev;

	(void)state;
	skip_unless_root();
	netns_setup(1);
	assert_int_equal(sn_net_init(&np), 0);
	dev = make_port("pz", "xa0", CFG_XSK_ZEROCOPY, false, 0, false, 1, err, sizeof(err));
	print_message("zerocopy: %s\n", err);
	assert_null(dev);
	assert_non_null(strstr(err, "zero-copy"));
	assert_null(sn_dev_get_by_name("pz"));
	assert_int_equal(xdp_prog_id("xa0"), 0);
	/* And a missing interface is reported by name. */
	dev = make_port("pm", "nosuchif0", CFG_XSK_COPY, false, 0, false, 1, err, sizeof(err));
	assert_null(dev);
	assert_non_null(strstr(err, "nosuchif0"));
	sn_net_fini();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forward_irq),
		cmocka_unit_test(test_forward_threaded),
		cmocka_unit_test(test_forward_two_queues),
		cmocka_unit_test(test_burst_accounting),
		cmocka_unit_test(test_zerocopy_refused),
	};

	const char *one = getenv("SN_TEST_PROFILE"); /* debugging: one profile, in this process */
	enum bh_profile prof;

	if (one && !bh_profile_parse(one, &prof)) {
		tu_profile = (int)prof;
		assert_int_equal(bh_profile_set(prof), 0);
		return cmocka_run_group_tests(tests, NULL, NULL);
	}
	return tu_run_per_profile("afxdp", tests);
}
