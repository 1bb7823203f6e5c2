// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_poll_batch.c - the per-poll batching of the NAPI core, in every locking profile:
 *   - the frame head stash (frame.h): inside a poll, heads freed are reused by the next
 *     allocations and the per-CPU napi_alloc_cache is met only in bulk; nothing stays in the
 *     stash after the poll; fault injection still fails single allocations;
 *   - the tx bulk (xmit.h): inside a poll, sn_dev_queue_xmit() checks and counts at once but
 *     hands frames to start_xmit() per queue at the end (lock held, depth 1, in order, grouped
 *     by queue), when the bulk is full, or before a direct transmit by the same task.
 */
#include <errno.h>
#include <string.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"
#include "bhlock/fail_alloc.h"
#include "net/frame.h"
#include "net/napi.h"
#include "net/net_core.h"
#include "net/netdev.h"
#include "net/skb_cache.h"
#include "net/xmit.h"
#include "ports/ports.h"

/* ---- a sink with a tx lock and a flush, a forwarding LLTX device ---- */

#define LOG_MAX 256
struct sink {
	int busy_mode;
	int xmits, flushes;
	int bad_lock, bad_depth;
};

/* Every start_xmit() of any sink, in call order: (device index << 16) | sequence number. */
static int xlog[LOG_MAX], nxlog;

static enum sn_netdev_tx sink_start_xmit(struct sn_frame *f, struct sn_netdev *dev,
					 struct sn_txq *txq)
{
	struct sink *s = dev->priv;

	if (!sn_netif_tx_owned(txq))
		s->bad_lock++;
	if (sn_dev_recursion_level() != 1 + (f->data[20] /* hops through fwd0 */))
		s->bad_depth++;
	if (s->busy_mode)
		return NETDEV_TX_BUSY;
	if (nxlog < LOG_MAX)
		xlog[nxlog++] = (dev->index << 16) | f->data[21];
	s->xmits++;
	sn_frame_free(f, false);
	return NETDEV_TX_OK;
}

static void sink_tx_flush(struct sn_netdev *dev, struct sn_txq *txq)
{
	(void)txq;
	((struct sink *)dev->priv)->flushes++;
}

static const struct sn_netdev_ops sink_ops = {
	.kind = "sink",
	.start_xmit = sink_start_xmit,
	.tx_flush = sink_tx_flush,
};

static struct sn_netdev *sink, *sink2, *fwd;

/*
 * What a poll sees is recorded and asserted after it: a failed assertion must not jump out of
 * a softirq with its locks held.
 */
#define SEEN_MAX 32
static long seen[SEEN_MAX];
static int nseen;
#define SEE(v) (nseen < SEEN_MAX ? (void)(seen[nseen++] = (long)(v)) : (void)0)

static void expect_seen(const long *want, int n)
{
	assert_int_equal(nseen, n);
	for (int i = 0; i < n; i++)
		assert_int_equal(seen[i], want[i]);
}

/* An LLTX device that hands every frame to sink (like a vlan on it): a direct transmit. */
static enum sn_netdev_tx fwd_start_xmit(struct sn_frame *f, struct sn_netdev *dev,
					struct sn_txq *txq)
{
	(void)dev, (void)txq;
	f->data[20] = 1;
	sn_dev_queue_xmit(f, sink);
	return NETDEV_TX_OK;
}

static const struct sn_netdev_ops fwd_ops = { .kind = "fwd", .start_xmit = fwd_start_xmit };
static const struct sn_netdev_ops rxdev_ops = { .kind = "fake" };

static struct sn_netdev *new_dev(const char *name, const struct sn_netdev_ops *ops, size_t priv,
				 unsigned int flags, int nr_txq)
{
	struct sn_netdev *d = sn_netdev_alloc(name, ops, priv, 0, nr_txq);

	assert_non_null(d);
	d->flags = flags;
	assert_int_equal(sn_netdev_register(d), 0);
	assert_int_equal(sn_netdev_open(d), 0);
	return d;
}

static int setup(void **state)
{
	(void)state;
	nxlog = nseen = 0;
	assert_int_equal(sn_net_init(NULL), 0);
	sink = new_dev("sink0", &sink_ops, sizeof(struct sink), 0, 1);
	sink2 = new_dev("sink1", &sink_ops, sizeof(struct sink), 0, 1);
	fwd = new_dev("fwd0", &fwd_ops, 0, SN_DEV_F_LLTX, 1);
	assert_int_equal(bh_task_pin(0), 0);
	return 0;
}

static int teardown(void **state)
{
	struct sn_netdev *d;
	int i;

	(void)state;
	fail_alloc_set("all", 0);
	sn_for_each_netdev(d, i)
		sn_netdev_unregister(d);
	assert_int_equal(sn_skb_cache_check(), 0);
	sn_net_fini();
	return 0;
}

static struct sn_frame *frame(int seq)
{
	struct sn_frame *f = sn_frame_alloc(60);

	assert_non_null(f);
	memset(f->data, 0, 60);
	f->data[12] = 0x08; /* IPv4 */
	f->data[20] = 0;    /* hops through fwd0 */
	f->data[21] = (uint8_t)seq;
	f->len = 60;
	return f;
}

/* Run @poll once as a NAPI poll of a fresh rx device (net_rx_action in this task). */
static void run_poll(const char *name, sn_napi_poll_fn poll)
{
	struct sn_netdev *rx = sn_netdev_alloc(name, &rxdev_ops, 0, 1, 0);

	assert_non_null(rx);
	assert_int_equal(sn_netdev_register(rx), 0);
	sn_netif_napi_add(rx, &rx->napi[0], 0, poll, 64, 0);
	napi_enable(&rx->napi[0]);
	local_bh_disable();
	napi_schedule(&rx->napi[0]);
	local_bh_enable();
}

static struct sink *S(struct sn_netdev *d)
{
	return d->priv;
}

/* ---- tx bulk ---- */

/* 8 frames to sink and 3 to sink2, interleaved: nothing reaches a driver during the poll. */
static int poll_interleaved(struct sn_napi *n, int budget)
{
	(void)budget;
	for (int i = 0; i < 8; i++) {
		SEE(sn_dev_queue_xmit(frame(i), sink));
		if (i % 3 == 0)
			SEE(sn_dev_queue_xmit(frame(100 + i), sink2));
	}
	SEE(S(sink)->xmits + S(sink2)->xmits);
	napi_complete_done(n, 1);
	return 1;
}

static void test_bulk_per_queue_in_order(void **state)
{
	struct sn_dev_stats st;

	(void)state;
	run_poll("rx0", poll_interleaved);
	expect_seen((const long[12]){ 0 }, 12);
	assert_int_equal(S(sink)->xmits, 8);
	assert_int_equal(S(sink2)->xmits, 3);
	/* Grouped by queue (sink's first: its frame came first), each in its own order. */
	assert_int_equal(nxlog, 11);
	for (int i = 0; i < 8; i++)
		assert_int_equal(xlog[i], (sink->index << 16) | i);
	for (int i = 0; i < 3; i++)
		assert_int_equal(xlog[8 + i], (sink2->index << 16) | (100 + 3 * i));
	assert_int_equal(S(sink)->bad_lock + S(sink2)->bad_lock, 0);
	assert_int_equal(S(sink)->bad_depth + S(sink2)->bad_depth, 0);
	assert_int_equal(S(sink)->flushes, 1);
	assert_int_equal(S(sink2)->flushes, 1);
	sn_dev_stats_read(sink, -1, &st);
	assert_int_equal(st.tx_packets, 8);
	assert_int_equal(st.tx_bytes, 8 * 60);
	assert_int_equal(sink->txq[0].stats.packets, 8);
	assert_int_equal(sn_dev_recursion_level(), 0);
}

/* More frames than a bulk holds: the full bulk is handed over when the next one comes. */
static int poll_overflow(struct sn_napi *n, int budget)
{
	(void)budget;
	int failed = 0;

	for (int i = 0; i < SN_XMIT_BULK_MAX; i++)
		failed += sn_dev_queue_xmit(frame(i), sink) != 0;
	SEE(failed);
	SEE(S(sink)->xmits);
	SEE(sn_dev_queue_xmit(frame(SN_XMIT_BULK_MAX), sink));
	SEE(S(sink)->xmits);
	napi_complete_done(n, 1);
	return 1;
}

static void test_bulk_full_hands_over(void **state)
{
	(void)state;
	run_poll("rx1", poll_overflow);
	expect_seen((const long[]){ 0, 0, 0, SN_XMIT_BULK_MAX }, 4);
	assert_int_equal(S(sink)->xmits, SN_XMIT_BULK_MAX + 1);
	for (int i = 0; i <= SN_XMIT_BULK_MAX; i++)
		assert_int_equal(xlog[i] & 0xff, i & 0xff);
}

/* A direct transmit (through the LLTX fwd0, depth 1 on sink) comes after what was queued. */
static int poll_direct(struct sn_napi *n, int budget)
{
	(void)budget;
	for (int i = 0; i < 3; i++)
		SEE(sn_dev_queue_xmit(frame(i), sink));
	SEE(sn_dev_queue_xmit(frame(3), fwd));
	SEE(S(sink)->xmits); /* 0..2 handed over first, then 3 directly */
	SEE(sn_dev_queue_xmit(frame(4), sink));
	SEE(S(sink)->xmits);
	napi_complete_done(n, 1);
	return 1;
}

static void test_direct_transmit_keeps_order(void **state)
{
	(void)state;
	run_poll("rx2", poll_direct);
	expect_seen((const long[]){ 0, 0, 0, 0, 4, 0, 4 }, 7);
	assert_int_equal(nxlog, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(xlog[i], (sink->index << 16) | i);
	assert_int_equal(S(sink)->bad_lock, 0);
	assert_int_equal(S(sink)->bad_depth, 0);
}

/* The checks answer at once; a busy driver at hand-over is a counted TX_RING_FULL drop. */
static int poll_checks(struct sn_napi *n, int budget)
{
	struct sn_frame *big = frame(0);

	(void)budget;
	big->len = sink->mtu + 15;
	SEE(sn_dev_queue_xmit(big, sink));
	WRITE_ONCE(sink->admin_up, false);
	SEE(sn_dev_queue_xmit(frame(1), sink));
	WRITE_ONCE(sink->admin_up, true);
	S(sink2)->busy_mode = 1;
	SEE(sn_dev_queue_xmit(frame(2), sink2)); /* queued: ring full later */
	SEE(sn_dev_queue_xmit(frame(3), sink));
	napi_complete_done(n, 1);
	return 1;
}

static void test_checks_at_enqueue_drops_at_handover(void **state)
{
	struct sn_dev_stats st, st2;

	(void)state;
	run_poll("rx3", poll_checks);
	expect_seen((const long[]){ -EMSGSIZE, -ENETDOWN, 0, 0 }, 4);
	sn_dev_stats_read(sink, -1, &st);
	sn_dev_stats_read(sink2, -1, &st2);
	assert_int_equal(st.drops[SN_DROP_TOO_BIG], 1);
	assert_int_equal(st.drops[SN_DROP_PORT_DOWN], 1);
	assert_int_equal(st.tx_packets, 1);
	assert_int_equal(st2.drops[SN_DROP_TX_RING_FULL], 1);
	assert_int_equal(st2.tx_packets, 0);
	assert_int_equal(sink2->txq[0].stats.busy, 1);
	assert_int_equal(S(sink2)->flushes, 0); /* nothing was queued on it */
}

/* ---- head stash ---- */

static struct sn_skb_cache_stats cs(void)
{
	struct sn_skb_cache_stats s;

	sn_skb_cache_stats(-1, &s);
	return s;
}

static struct sn_skb_cache_stats cs0;

/* 40 heads out, all back, 40 out again: the cache is met in bulk, not 80 + 40 times. */
static int poll_stash(struct sn_napi *n, int budget)
{
	struct sn_frame *f[40];
	struct sn_skb_cache_stats s;
	int failed = 0;

	(void)budget;
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 40; i++) {
			f[i] = sn_frame_alloc_head();
			if (!f[i]) /* cannot happen unless broken; keep the heads balanced */
				f[i] = sn_skb_cache_get(), failed++;
		}
		for (int i = 0; i < 40; i++)
			sn_frame_free_head(f[i]);
	}
	SEE(failed);
	s = cs();
	/* Two bulks of SN_FRAME_STASH_BULK cover the first 40; the rest were reused. */
	SEE(s.get - cs0.get);
	SEE(s.put - cs0.put);
	/* Fault injection still fails single allocations. */
	SEE(fail_alloc_set("skb_heads", 100));
	SEE(sn_frame_alloc_head() == NULL);
	SEE(fail_alloc_set("skb_heads", 0));
	napi_complete_done(n, 1);
	return 1;
}

static void test_head_stash(void **state)
{
	struct sn_skb_cache_stats s;

	(void)state;
	cs0 = cs();
	run_poll("rx4", poll_stash);
	expect_seen((const long[]){ 0, 2 * SN_FRAME_STASH_BULK, 0, 0, 1, 0 }, 6);
	s = cs();
	/* Everything came back to the per-CPU cache at the end of the poll. */
	assert_int_equal(s.get - cs0.get, s.put - cs0.put);
	assert_int_equal(sn_skb_cache_check(), 0);
	/* Outside a poll: one get and one put per head, as before. */
	local_bh_disable();
	sn_frame_free_head(sn_frame_alloc_head());
	local_bh_enable();
	assert_int_equal(cs().get - s.get, 1);
	assert_int_equal(cs().put - s.put, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bulk_per_queue_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_full_hands_over, setup, teardown),
		cmocka_unit_test_setup_teardown(test_direct_transmit_keeps_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checks_at_enqueue_drops_at_handover, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_head_stash, setup, teardown),
	};

	return tu_run_per_profile("poll_batch", tests);
}
