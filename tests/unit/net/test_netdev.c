// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_netdev.c - ports and their registry, per-CPU counters, carrier, and the receive entry
 * point (runt, no handler, 802.1Q untagging onto lower->vlan_upper[vid]), in every profile.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"
#include "net/napi.h"
#include "net/net_core.h"
#include "net/netdev.h"
#include "net/xmit.h"
#include "ports/ports.h"

static char calls[64];
static int open_rc;
static bool carrier_up = true;

static void call(const char *c)
{
	if (strlen(calls) + 1 < sizeof(calls))
		strcat(calls, c);
}

static int d_open(struct sn_netdev *d)
{
	(void)d;
	call("o");
	return open_rc;
}
static void d_stop(struct sn_netdev *d)
{
	(void)d;
	call("s");
}
static void d_destroy(struct sn_netdev *d)
{
	(void)d;
	call("d");
}
static bool d_carrier(struct sn_netdev *d)
{
	(void)d;
	return carrier_up;
}

static const struct sn_netdev_ops d_ops = {
	.kind = "dummy", .open = d_open, .stop = d_stop, .destroy = d_destroy,
	.carrier = d_carrier,
};

static int seen;

static int setup(void **state)
{
	(void)state;
	seen = 0;
	calls[0] = '\0';
	open_rc = 0;
	carrier_up = true;
	assert_int_equal(sn_net_init(NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	struct sn_netdev *d;
	int i;

	(void)state;
	sn_netdev_set_rx_handler(NULL);
	sn_for_each_netdev(d, i)
		if (d->lower)
			sn_netdev_unregister(d);
	sn_for_each_netdev(d, i)
		sn_netdev_unregister(d);
	sn_net_fini();
	return 0;
}

static void test_alloc_register_lookup(void **state)
{
	struct sn_netdev *a, *b, *c, *d;
	int i, n = 0;

	(void)state;
	errno = 0;
	assert_null(sn_netdev_alloc("", &d_ops, 0, 1, 1));
	assert_int_equal(errno, EINVAL);
	assert_null(sn_netdev_alloc("0123456789abcdef", &d_ops, 0, 1, 1)); /* 16 chars */
	assert_null(sn_netdev_alloc("x", &d_ops, 0, SN_MAX_QUEUES + 1, 1));
	assert_null(sn_netdev_alloc("x", NULL, 0, 1, 1));

	a = sn_netdev_alloc("0123456789abcde", &d_ops, 100, 2, 3);
	assert_non_null(a);
	assert_non_null(a->priv);
	assert_int_equal((uintptr_t)a->priv % SMP_CACHE_BYTES, 0);
	assert_int_equal(a->mtu, 1500);
	assert_int_equal(a->bridge_port, -1);
	assert_false(a->admin_up);
	assert_int_equal(a->nr_rxq, 2);
	assert_int_equal(a->nr_txq, 3);
	for (unsigned int q = 0; q < 3; q++) {
		assert_ptr_equal(a->txq[q].dev, a);
		assert_int_equal(a->txq[q].qid, q);
		assert_int_equal(a->txq[q].xmit_lock_owner, -1);
	}
	assert_int_equal(sn_netdev_register(a), 0);
	assert_int_equal(a->index, 1);
	assert_int_equal(sn_netdev_register(a), -EEXIST);
	b = sn_netdev_alloc("b", &d_ops, 0, 0, 1);
	assert_null(b->priv);
	assert_int_equal(sn_netdev_register(b), 0);
	assert_int_equal(b->index, 2);
	c = sn_netdev_alloc("b", &d_ops, 0, 0, 1);
	assert_int_equal(sn_netdev_register(c), -EEXIST);
	sn_netdev_unregister(c); /* never registered: just freed */
	assert_ptr_equal(sn_dev_get_by_name("0123456789abcde"), a);
	assert_ptr_equal(sn_dev_get_by_name("b"), b);
	assert_null(sn_dev_get_by_name("c"));
	assert_ptr_equal(sn_dev_get_by_index(2), b);
	assert_null(sn_dev_get_by_index(0));
	assert_null(sn_dev_get_by_index(SN_MAX_DEVS));
	sn_for_each_netdev(d, i)
		n++;
	assert_int_equal(n, 2);
	sn_netdev_unregister(a);
	assert_null(sn_dev_get_by_name("0123456789abcde"));
	assert_null(sn_dev_get_by_index(1));
	/* The lowest free index is reused. */
	c = sn_netdev_alloc("c", &d_ops, 0, 0, 1);
	assert_int_equal(sn_netdev_register(c), 0);
	assert_int_equal(c->index, 1);
	/* Full registry. */
	for (i = 3; i < SN_MAX_DEVS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "f%d", i);
		d = sn_netdev_alloc(name, &d_ops, 0, 0, 0);
		assert_int_equal(sn_netdev_register(d), 0);
	}
	d = sn_netdev_alloc("last", &d_ops, 0, 0, 0);
	assert_int_equal(sn_netdev_register(d), -ENOSPC);
	sn_netdev_unregister(d);
}

static void test_open_stop_destroy_order(void **state)
{
	struct sn_netdev *d = sn_netdev_alloc("d0", &d_ops, 0, 0, 1);

	(void)state;
	assert_int_equal(sn_netdev_register(d), 0);
	open_rc = -EIO;
	assert_int_equal(sn_netdev_open(d), -EIO);
	assert_false(d->admin_up);
	open_rc = 0;
	assert_int_equal(sn_netdev_open(d), 0);
	assert_true(d->admin_up);
	assert_int_equal(sn_netdev_open(d), 0); /* already up: no second open */
	sn_netdev_unregister(d);
	assert_string_equal(calls, "oosd");
}

static void test_carrier(void **state)
{
	struct sn_netdev *d = sn_netdev_alloc("d0", &d_ops, 0, 0, 1), *v;

	(void)state;
	assert_int_equal(sn_netdev_register(d), 0);
	v = sn_port_vlan_create("d0.5", d, 5);
	assert_non_null(v);
	assert_int_equal(sn_netdev_open(v), 0);
	assert_false(sn_netif_carrier_ok(d)); /* admin down */
	assert_false(sn_netif_carrier_ok(v)); /* its lower is down */
	assert_int_equal(sn_netdev_open(d), 0);
	assert_true(sn_netif_carrier_ok(d));
	assert_true(sn_netif_carrier_ok(v));
	carrier_up = false;
	assert_false(sn_netif_carrier_ok(d));
	assert_false(sn_netif_carrier_ok(v));
}

/* ---- counters ---- */

struct counter_arg {
	struct sn_netdev *dev;
	int cpu, n;
};

static void *count_thread(void *p)
{
	struct counter_arg *a = p;

	assert_int_equal(bh_task_pin(a->cpu), 0);
	for (int i = 0; i < a->n; i++) {
		sn_dev_count_rx(a->dev, 64);
		sn_dev_count_tx(a->dev, 100);
		if ((i & 1023) == 0)
			sn_dev_count_drop(a->dev, SN_DROP_NO_ROUTE);
	}
	return NULL;
}

/*
 * Each CPU has its own copy; several tasks of one CPU may preempt each other (the RT profiles
 * and a pinned helper thread), and no increment may be lost.
 */
static void test_percpu_counters(void **state)
{
	struct sn_netdev *d = sn_netdev_alloc("d0", &d_ops, 0, 0, 1);
	struct counter_arg args[3];
	struct sn_dev_stats s0, s1, all;
	pthread_t th[3];
	int c1 = 1 % nr_cpu_ids;
	const int n = 2000000;

	(void)state;
	assert_int_equal(sn_netdev_register(d), 0);
	/* Two tasks on CPU 0, one on CPU 1. */
	for (int i = 0; i < 3; i++) {
		args[i] = (struct counter_arg){ .dev = d, .cpu = i < 2 ? 0 : c1, .n = n };
		assert_int_equal(pthread_create(&th[i], NULL, count_thread, &args[i]), 0);
	}
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	sn_dev_stats_read(d, 0, &s0);
	sn_dev_stats_read(d, c1, &s1);
	sn_dev_stats_read(d, -1, &all);
	assert_int_equal(all.rx_packets, 3ULL * n);
	assert_int_equal(all.rx_bytes, 3ULL * n * 64);
	assert_int_equal(all.tx_bytes, 3ULL * n * 100);
	assert_int_equal(all.drops[SN_DROP_NO_ROUTE], 3ULL * ((n + 1023) / 1024));
	assert_int_equal(all.drops_total, all.drops[SN_DROP_NO_ROUTE]);
	if (c1 != 0) {
		assert_int_equal(s0.rx_packets, 2ULL * n);
		assert_int_equal(s1.rx_packets, (uint64_t)n);
	}
}

/* ---- receive ---- */

static struct sn_netdev *seen_dev;
static uint8_t seen_data[64];
static uint32_t seen_len, seen_flags;
static uint16_t seen_tci;

static void handler(struct sn_frame *f)
{
	seen_dev = f->dev;
	seen_len = f->len;
	seen_flags = f->flags;
	seen_tci = f->vlan_tci;
	memcpy(seen_data, f->data, f->len < sizeof(seen_data) ? f->len : sizeof(seen_data));
	seen++;
	sn_frame_free(f, false);
}

static struct sn_frame *mkframe(struct sn_netdev *dev, const uint8_t *bytes, uint32_t len)
{
	struct sn_frame *f = sn_frame_alloc(len);

	assert_non_null(f);
	memcpy(f->data, bytes, len);
	f->len = len;
	f->dev = dev;
	return f;
}

static uint64_t drops(struct sn_netdev *d, enum sn_drop_reason r)
{
	struct sn_dev_stats s;

	sn_dev_stats_read(d, -1, &s);
	return s.drops[r];
}

static void test_receive_runt_and_no_handler(void **state)
{
	struct sn_netdev *d = sn_netdev_alloc("d0", &d_ops, 0, 0, 1);
	uint8_t pkt[60] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x00 };
	struct sn_dev_stats s;

	(void)state;
	assert_int_equal(sn_netdev_register(d), 0);
	assert_int_equal(bh_task_pin(0), 0);
	local_bh_disable();
	sn_netif_receive_frame(mkframe(d, pkt, 13));
	sn_netif_receive_frame(mkframe(d, pkt, 60)); /* no handler yet */
	sn_netdev_set_rx_handler(handler);
	sn_netif_receive_frame(mkframe(d, pkt, 60));
	local_bh_enable();
	assert_int_equal(drops(d, SN_DROP_RUNT), 1);
	assert_int_equal(drops(d, SN_DROP_LOCAL_UNHANDLED), 1);
	assert_int_equal(seen, 1);
	assert_ptr_equal(seen_dev, d);
	assert_int_equal(seen_len, 60);
	assert_memory_equal(seen_data, pkt, 60);
	assert_false(seen_flags & SN_FRAME_F_VLAN);
	sn_dev_stats_read(d, -1, &s);
	assert_int_equal(s.rx_packets, 2); /* the runt is dropped before it is counted */
	assert_int_equal(s.rx_bytes, 120);
}

/* A tagged frame is untagged onto lower->vlan_upper[vid]; unknown or cut tags are dropped. */
static void test_receive_vlan_untag(void **state)
{
	struct sn_netdev *d = sn_netdev_alloc("d0", &d_ops, 0, 0, 1), *v, *v2;
	const uint8_t tagged[64] = {
		0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb,
		0x81, 0x00, 0xa0, 0x07, /* PCP 5, VID 7 */
		0x08, 0x00, 0x45, 0x00, 0xde, 0xad,
	};
	uint8_t untagged[60];
	struct sn_dev_stats sd, sv;

	(void)state;
	memcpy(untagged, tagged, 12);
	memcpy(untagged + 12, tagged + 16, 48);
	assert_int_equal(sn_netdev_register(d), 0);
	v = sn_port_vlan_create("d0.7", d, 7);
	v2 = sn_port_vlan_create("d0.8", d, 8); /* exists but stays down */
	assert_non_null(v);
	assert_non_null(v2);
	assert_null(sn_port_vlan_create("d0.7b", d, 7));
	assert_int_equal(errno, EEXIST);
	assert_null(sn_port_vlan_create("d0.0", d, 0));
	assert_null(sn_port_vlan_create("d0.4095", d, 4095));
	assert_ptr_equal(d->vlan_upper[7], v);
	assert_int_equal(sn_netdev_open(v), 0);
	sn_netdev_set_rx_handler(handler);
	assert_int_equal(bh_task_pin(0), 0);
	local_bh_disable();
	sn_netif_receive_frame(mkframe(d, tagged, 64));
	assert_int_equal(seen, 1);
	assert_ptr_equal(seen_dev, v);
	assert_int_equal(seen_len, 60);
	assert_true(seen_flags & SN_FRAME_F_VLAN);
	assert_int_equal(seen_tci, 0xa007);
	assert_memory_equal(seen_data, untagged, 60);

	uint8_t other[64];

	memcpy(other, tagged, 64);
	other[15] = 9; /* VID 9: nobody */
	sn_netif_receive_frame(mkframe(d, other, 64));
	other[15] = 8; /* VID 8: down */
	sn_netif_receive_frame(mkframe(d, other, 64));
	sn_netif_receive_frame(mkframe(d, tagged, 16)); /* tag cut short */
	local_bh_enable();
	if (seen != 1)
		fail_msg("seen %d dev %s len %u", seen, seen_dev->name, seen_len);
	assert_int_equal(drops(d, SN_DROP_VLAN_UNKNOWN), 2);
	assert_int_equal(drops(d, SN_DROP_VLAN_TRUNC), 1);
	sn_dev_stats_read(d, -1, &sd);
	sn_dev_stats_read(v, -1, &sv);
	assert_int_equal(sd.rx_packets, 4);
	assert_int_equal(sv.rx_packets, 1);
	assert_int_equal(sv.rx_bytes, 60);
	/* Unregistering the vlan device empties its slot. */
	sn_netdev_unregister(v);
	assert_null(d->vlan_upper[7]);
	/* The port going first leaves its vlan device without a lower: it drops, no crash. */
	assert_int_equal(sn_netdev_open(v2), 0);
	sn_netdev_unregister(d);
	assert_null(v2->lower);
	local_bh_disable();
	assert_int_equal(sn_dev_queue_xmit(mkframe(v2, tagged + 4, 60), v2), 0);
	local_bh_enable();
	assert_int_equal(drops(v2, SN_DROP_PORT_DOWN), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_alloc_register_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_stop_destroy_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_carrier, setup, teardown),
		cmocka_unit_test_setup_teardown(test_percpu_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_runt_and_no_handler, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_vlan_untag, setup, teardown),
	};

	return tu_run_per_profile("netdev", tests);
}
