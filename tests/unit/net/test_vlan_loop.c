// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_vlan_loop.c - the whole receive-to-transmit path on in-process test ports, in every
 * profile: frames injected on one test port arrive through its eventfd interrupt and NAPI poll,
 * a forwarding rx handler sends them out of another port, and they are captured byte for byte;
 * 802.1Q tags are popped on receive and pushed on transmit through a vlan device; loop devices
 * wired to themselves or to each other are stopped by the recursion guard, one DEAD_LOOP per
 * frame, without a hang and with the recursion level back at 0.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"
#include "net/napi.h"
#include "net/net_core.h"
#include "net/netdev.h"
#include "net/xmit.h"
#include "ports/ports.h"

static struct sn_netdev *p0, *p1, *vlan, *loop_a, *loop_b;
/* Where the handler sends what arrives on each device (by index). */
static struct sn_netdev *route[SN_MAX_DEVS];
static int max_level_after, handled;
static uint16_t last_tci;

static void fwd_handler(struct sn_frame *f)
{
	struct sn_netdev *in = f->dev, *out = route[in->index];

	__atomic_add_fetch(&handled, 1, __ATOMIC_RELEASE);
	if (f->flags & SN_FRAME_F_VLAN)
		last_tci = f->vlan_tci;
	if (!out) {
		sn_dev_drop_frame(in, f, SN_DROP_NO_ROUTE);
		return;
	}
	sn_dev_count_forwarded(in);
	sn_dev_queue_xmit(f, out);
	if (sn_dev_recursion_level() > max_level_after)
		max_level_after = sn_dev_recursion_level();
}

static int setup(void **state)
{
	(void)state;
	memset(route, 0, sizeof(route));
	max_level_after = 0;
	handled = 0;
	last_tci = 0;
	assert_int_equal(sn_net_init(NULL), 0);
	assert_int_equal(bhlock_start(), 0);
	p0 = sn_port_test_create("tp0", 2, 0);
	p1 = sn_port_test_create("tp1", 1, 1 % nr_cpu_ids);
	assert_non_null(p0);
	assert_non_null(p1);
	assert_int_equal(sn_netdev_open(p0), 0);
	assert_int_equal(sn_netdev_open(p1), 0);
	sn_netdev_set_rx_handler(fwd_handler);
#ifdef BHLOCK_DEBUG
	lockdep_reset();
#endif
	return 0;
}

static int teardown(void **state)
{
	struct sn_netdev *d;
	int i;

	(void)state;
	/* Upper devices first, then the ports; NAPIs are disabled before bhlock stops. */
	sn_for_each_netdev(d, i)
		if (d->flags & SN_DEV_F_LLTX)
			sn_netdev_unregister(d);
	sn_for_each_netdev(d, i)
		sn_netdev_unregister(d);
	bhlock_stop();
	sn_netdev_set_rx_handler(NULL);
	sn_net_fini();
	return 0;
}

static uint64_t stat_of(struct sn_netdev *d, int what)
{
	struct sn_dev_stats s;

	sn_dev_stats_read(d, -1, &s);
	switch (what) {
	case 0:
		return s.rx_packets;
	case 1:
		return s.tx_packets;
	case 2:
		return s.forwarded;
	default:
		return s.drops[what - 3];
	}
}
#define RX 0
#define TX 1
#define FWD 2
#define DROP(r) (3 + (r))

static bool wait_stat(struct sn_netdev *d, int what, uint64_t n, int ms)
{
	for (int i = 0; i < ms * 5; i++) {
		if (stat_of(d, what) >= n)
			return true;
		usleep(200);
	}
	return false;
}

static void no_bh_allocations(void)
{
#ifdef BHLOCK_DEBUG
	assert_int_equal(lockdep_report_count(LOCKDEP_ALLOC_IN_BH), 0);
#endif
}

static uint32_t make_frame(uint8_t *buf, int seq)
{
	uint32_t len = 60 + (uint32_t)(seq * 37) % 1455; /* 60 .. 1514 */

	memcpy(buf, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	for (uint32_t i = 14; i < len; i++)
		buf[i] = (uint8_t)(seq * 131 + i * 7);
	buf[14] = (uint8_t)seq; /* sequence number, for matching */
	buf[15] = (uint8_t)(seq >> 8);
	return len;
}

/* 300 frames in on tp0 (two queues), out of tp1 unchanged. */
static void test_forward_byte_for_byte(void **state)
{
	static uint8_t in[2048], out[2048];
	const int n = 300;
	bool got[300] = { false };

	(void)state;
	route[p0->index] = p1;
	for (int i = 0; i < n; i++) {
		uint32_t len = make_frame(in, i);

		while (sn_port_test_inject(p0, (unsigned int)i % 2, in, len) == -ENOBUFS)
			usleep(100);
	}
	assert_int_equal(sn_port_test_wait_tx(p1, n, 10000), 0);
	for (int k = 0; k < n; k++) {
		int len = sn_port_test_take_tx(p1, out, sizeof(out));
		int seq = out[14] | out[15] << 8;

		assert_true(len >= 60);
		assert_true(seq >= 0 && seq < n);
		assert_false(got[seq]);
		got[seq] = true;
		assert_int_equal((uint32_t)len, make_frame(in, seq));
		assert_memory_equal(out, in, (size_t)len);
	}
	assert_int_equal(sn_port_test_take_tx(p1, out, sizeof(out)), -EAGAIN);
	assert_int_equal(stat_of(p0, RX), n);
	assert_int_equal(stat_of(p0, FWD), n);
	assert_int_equal(stat_of(p1, TX), n);
	for (int q = 0; q < 2; q++)
		assert_true(p0->napi[q].stats.packets > 0);
	no_bh_allocations();
}

/* Tagged in on tp0 -> untagged on its vlan device -> out of tp1; and back, tagged again. */
static void test_vlan_pop_and_push(void **state)
{
	static uint8_t tagged[128], plain[128], out[2048];
	int len;

	(void)state;
	vlan = sn_port_vlan_create("tp0.100", p0, 100);
	assert_non_null(vlan);
	assert_int_equal(sn_netdev_open(vlan), 0);
	route[vlan->index] = p1;
	route[p1->index] = vlan;
	for (int i = 0; i < 124; i++)
		plain[i] = (uint8_t)(i * 3 + 1);
	plain[12] = 0x08, plain[13] = 0x00;
	memcpy(tagged, plain, 12);
	memcpy(tagged + 12, "\x81\x00\x60\x64", 4); /* PCP 3, VID 100 */
	memcpy(tagged + 16, plain + 12, 112);

	assert_int_equal(sn_port_test_inject(p0, 0, tagged, 128), 0);
	assert_int_equal(sn_port_test_wait_tx(p1, 1, 5000), 0);
	len = sn_port_test_take_tx(p1, out, sizeof(out));
	assert_int_equal(len, 124);
	assert_memory_equal(out, plain, 124);
	assert_int_equal(last_tci, 0x6064);
	assert_int_equal(stat_of(vlan, RX), 1);

	/* Untagged in on tp1 -> the vlan device pushes VID 100 -> out of tp0. */
	assert_int_equal(sn_port_test_inject(p1, 0, plain, 124), 0);
	assert_int_equal(sn_port_test_wait_tx(p0, 1, 5000), 0);
	len = sn_port_test_take_tx(p0, out, sizeof(out));
	assert_int_equal(len, 128);
	assert_memory_equal(out, tagged, 12);
	assert_memory_equal(out + 12, "\x81\x00\x00\x64", 4); /* priority not carried over */
	assert_memory_equal(out + 16, plain + 12, 112);
	assert_int_equal(stat_of(vlan, TX), 1);
	assert_int_equal(stat_of(p0, TX), 1);

	/* An unknown VID is dropped on the port. */
	tagged[15] = 101;
	assert_int_equal(sn_port_test_inject(p0, 1, tagged, 128), 0);
	assert_true(wait_stat(p0, DROP(SN_DROP_VLAN_UNKNOWN), 1, 5000));
	no_bh_allocations();
}

/* Forwarded into a loop device wired to itself: one DEAD_LOOP per frame, no hang, level 0. */
static void test_loop_to_itself(void **state)
{
	static uint8_t in[2048];
	const int n = 50;

	(void)state;
	loop_a = sn_port_loop_create("lo0");
	assert_non_null(loop_a);
	sn_port_loop_set_peer(loop_a, loop_a);
	assert_int_equal(sn_netdev_open(loop_a), 0);
	route[p0->index] = loop_a;
	for (int i = 0; i < n; i++)
		assert_int_equal(sn_port_test_inject(p0, 0, in, make_frame(in, i)), 0);
	assert_true(wait_stat(p0, FWD, n, 5000));
	usleep(5000);
	assert_int_equal(stat_of(loop_a, DROP(SN_DROP_DEAD_LOOP)), n);
	assert_int_equal(max_level_after, 0);
	assert_int_equal(stat_of(p0, RX), n);
	no_bh_allocations();
}

/* Two loops A -> B -> A: the 10th transmit (depth 9) is on B; one drop per frame in all. */
static void test_two_loops(void **state)
{
	static uint8_t in[2048];
	const int n = 20;

	(void)state;
	loop_a = sn_port_loop_create("loA");
	loop_b = sn_port_loop_create("loB");
	sn_port_loop_set_peer(loop_a, loop_b);
	sn_port_loop_set_peer(loop_b, loop_a);
	assert_int_equal(sn_netdev_open(loop_a), 0);
	assert_int_equal(sn_netdev_open(loop_b), 0);
	route[p0->index] = loop_a;
	for (int i = 0; i < n; i++)
		assert_int_equal(sn_port_test_inject(p0, 1, in, make_frame(in, i)), 0);
	assert_true(wait_stat(p0, FWD, n, 5000));
	usleep(5000);
	assert_int_equal(stat_of(loop_b, DROP(SN_DROP_DEAD_LOOP)), n);
	assert_int_equal(stat_of(loop_a, DROP(SN_DROP_DEAD_LOOP)), 0);
	assert_int_equal(max_level_after, 0);
	no_bh_allocations();
}

/*
 * io forwarding (dev->xconnect): every frame goes out of the other port unchanged without
 * reaching the rx handler, whatever its content; a runt is still dropped and counted.
 */
static void test_xconnect_io(void **state)
{
	static uint8_t in[2048], out[2048];
	const int n = 200;
	bool got[200] = { false };

	(void)state;
	__atomic_store_n(&p0->xconnect, p1, __ATOMIC_RELEASE);
	for (int i = 0; i < n; i++) {
		uint32_t len = make_frame(in, i);

		if (i % 3 == 0) { /* not IPv4, not anything: io mode does not look */
			in[12] = 0xff;
			in[13] = 0xff;
		}
		while (sn_port_test_inject(p0, (unsigned int)i % 2, in, len) == -ENOBUFS)
			usleep(100);
	}
	while (sn_port_test_inject(p0, 0, in, 10) == -ENOBUFS)
		usleep(100);
	assert_int_equal(sn_port_test_wait_tx(p1, n, 10000), 0);
	for (int k = 0; k < n; k++) {
		int len = sn_port_test_take_tx(p1, out, sizeof(out));
		int seq = out[14] | out[15] << 8;

		assert_true(seq >= 0 && seq < n);
		assert_false(got[seq]);
		got[seq] = true;
		assert_int_equal((uint32_t)len, make_frame(in, seq));
		if (seq % 3 == 0) {
			in[12] = 0xff;
			in[13] = 0xff;
		}
		assert_memory_equal(out, in, (size_t)len);
	}
	assert_true(wait_stat(p0, DROP(SN_DROP_RUNT), 1, 5000));
	assert_int_equal(sn_port_test_take_tx(p1, out, sizeof(out)), -EAGAIN);
	assert_int_equal(__atomic_load_n(&handled, __ATOMIC_ACQUIRE), 0);
	assert_int_equal(stat_of(p0, FWD), n);
	assert_int_equal(stat_of(p1, TX), n);
	__atomic_store_n(&p0->xconnect, NULL, __ATOMIC_RELEASE);
	no_bh_allocations();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_forward_byte_for_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vlan_pop_and_push, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_to_itself, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_loops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xconnect_io, setup, teardown),
	};

	return tu_run_per_profile("vlan_loop", tests);
}
