// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_xmit.c - sn_dev_queue_xmit() in every locking profile: the recursion limit (a device that
 * transmits into itself is caught at depth 9 with "Dead loop on virtual device", rate-limited,
 * counted once per frame, the depth back to 0 after), the tx-lock owner rule (vanilla: owner CPU,
 * so a second task of the CPU is a false dead loop; RT: owner task, so it simply waits), carrier,
 * MTU, a busy ring, and the tx bulk flush: once per poll per touched queue, before the post-poll
 * hook.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"
#include "net/napi.h"
#include "net/net_core.h"
#include "net/netdev.h"
#include "net/xmit.h"
#include "ports/ports.h"

/* ---- a sink device with a tx lock, and a recursive LLTX device ---- */

struct sink {
	int xmits, flushes, busy_mode;
	bool block_first; /* the first transmit waits inside start_xmit (tx lock held) */
	int blocked_once;
	int xmit_tid[8];
	int flush_seen_in_poll;
};

static int phase;   /* owner test: 1 = A holds the lock, 2 = B is about to transmit */
static bool in_poll; /* set by the fake poll while it runs */

static enum sn_netdev_tx sink_start_xmit(struct sn_frame *f, struct sn_netdev *dev,
					 struct sn_txq *txq)
{
	struct sink *s = dev->priv;

	(void)txq;
	if (s->busy_mode)
		return NETDEV_TX_BUSY;
	if (s->block_first && !__atomic_exchange_n(&s->blocked_once, 1, __ATOMIC_ACQ_REL)) {
		__atomic_store_n(&phase, 1, __ATOMIC_RELEASE);
		for (int i = 0; i < 2000 && __atomic_load_n(&phase, __ATOMIC_ACQUIRE) < 2; i++)
			usleep(100);
		usleep(30000); /* let B run into sn_dev_queue_xmit() meanwhile */
	}
	int i = __atomic_fetch_add(&s->xmits, 1, __ATOMIC_ACQ_REL);

	if (i < 8)
		s->xmit_tid[i] = current->tid;
	sn_frame_free(f, false);
	return NETDEV_TX_OK;
}

static void sink_tx_flush(struct sn_netdev *dev, struct sn_txq *txq)
{
	struct sink *s = dev->priv;

	(void)txq;
	s->flushes++;
	if (in_poll)
		s->flush_seen_in_poll++;
}

static const struct sn_netdev_ops sink_ops = {
	.kind = "sink",
	.start_xmit = sink_start_xmit,
	.tx_flush = sink_tx_flush,
};

#define MAX_LEVELS 32
static int rec_levels[MAX_LEVELS], nrec;

static enum sn_netdev_tx rec_start_xmit(struct sn_frame *f, struct sn_netdev *dev,
					struct sn_txq *txq)
{
	(void)txq;
	if (nrec < MAX_LEVELS)
		rec_levels[nrec++] = sn_dev_recursion_level();
	sn_dev_queue_xmit(f, dev); /* into itself */
	return NETDEV_TX_OK;
}

static const struct sn_netdev_ops rec_ops = { .kind = "rec", .start_xmit = rec_start_xmit };

static struct sn_netdev *sink, *sink2;

static struct sn_netdev *new_dev(const char *name, const struct sn_netdev_ops *ops, size_t priv,
				 unsigned int flags)
{
	struct sn_netdev *d = sn_netdev_alloc(name, ops, priv, 0, 1);

	assert_non_null(d);
	d->flags = flags;
	assert_int_equal(sn_netdev_register(d), 0);
	assert_int_equal(sn_netdev_open(d), 0);
	return d;
}

static int setup(void **state)
{
	(void)state;
	phase = 0;
	nrec = 0;
	in_poll = false;
	assert_int_equal(sn_net_init(NULL), 0);
	sink = new_dev("sink0", &sink_ops, sizeof(struct sink), 0);
	sink2 = new_dev("sink1", &sink_ops, sizeof(struct sink), 0);
	return 0;
}

static int teardown(void **state)
{
	struct sn_netdev *d;
	int i;

	(void)state;
	sn_napi_post_poll_hook = NULL;
	sn_for_each_netdev(d, i)
		sn_netdev_unregister(d);
	sn_net_fini();
	return 0;
}

static struct sn_frame *frame(uint32_t len)
{
	struct sn_frame *f = sn_frame_alloc(len);

	assert_non_null(f);
	memset(f->data, 0xab, len);
	f->data[12] = 0x08; /* IPv4 */
	f->data[13] = 0x00;
	f->len = len;
	return f;
}

static uint64_t drops(struct sn_netdev *d, enum sn_drop_reason r)
{
	struct sn_dev_stats s;

	sn_dev_stats_read(d, -1, &s);
	return s.drops[r];
}

/* Run fn with stderr going to a memory file; return what it wrote. */
static void capture_stderr(void (*fn)(void *), void *arg, char *out, size_t len)
{
	int mfd = memfd_create("stderr", 0), saved = dup(2);
	ssize_t n;

	assert_true(mfd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(mfd, 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(mfd, out, len - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(mfd);
}

static int count_str(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* ---- recursion ---- */

static void send_into_itself(void *arg)
{
	struct sn_netdev *d = arg;

	local_bh_disable();
	for (int i = 0; i < 20; i++) {
		nrec = 0;
		assert_int_equal(sn_dev_queue_xmit(frame(64), d), 0);
		assert_int_equal(sn_dev_recursion_level(), 0);
	}
	local_bh_enable();
}

/*
 * A device that transmits into itself: start_xmit runs at depths 1..9, the call at depth 9 is
 * dropped (counter > XMIT_RECURSION_LIMIT), once per frame; the log is rate-limited.
 */
static void test_recursion_limit_dead_loop(void **state)
{
	static char out[8192];
	struct sn_netdev *rec;

	(void)state;
	assert_int_equal(bh_task_pin(0), 0);
	rec = new_dev("rec0", &rec_ops, 0, SN_DEV_F_LLTX);
	capture_stderr(send_into_itself, rec, out, sizeof(out));
	assert_int_equal(nrec, 9);
	for (int i = 0; i < 9; i++)
		assert_int_equal(rec_levels[i], i + 1);
	assert_int_equal(drops(rec, SN_DROP_DEAD_LOOP), 20);
	assert_int_equal(rec->txq[0].stats.dead_loop, 20);
	/* Rate-limited: 10 of the 20 messages. */
	assert_int_equal(count_str(out, "Dead loop on virtual device rec0, fix it urgently!\n"),
			 10);
	local_bh_disable();
	assert_int_equal(sn_dev_recursion_level(), 0);
	local_bh_enable();
}

/*
 * The same through the loop port: one DEAD_LOOP per frame. As with a kernel tunnel, each level
 * whose transmit was taken by the next counts tx: 8 per frame, the 9th level's was dropped.
 */
static void test_loop_port_to_itself(void **state)
{
	struct sn_netdev *lo = sn_port_loop_create("lo9");
	struct sn_dev_stats s;

	(void)state;
	assert_int_equal(bh_task_pin(0), 0);
	assert_non_null(lo);
	assert_true(lo->flags & SN_DEV_F_LLTX);
	assert_int_equal(lo->nr_rxq, 0);
	sn_port_loop_set_peer(lo, lo);
	assert_int_equal(sn_netdev_open(lo), 0);
	local_bh_disable();
	for (int i = 0; i < 3; i++)
		sn_dev_queue_xmit(frame(100), lo);
	assert_int_equal(sn_dev_recursion_level(), 0);
	local_bh_enable();
	sn_dev_stats_read(lo, -1, &s);
	assert_int_equal(s.drops[SN_DROP_DEAD_LOOP], 3);
	assert_int_equal(s.drops_total, 3);
	assert_int_equal(s.tx_packets, 3 * XMIT_RECURSION_LIMIT);
}

/* ---- the tx lock owner: CPU in vanilla, task on RT ---- */

struct owner_arg {
	int rc, level, tid;
};

static void *owner_a(void *p)
{
	struct owner_arg *a = p;

	assert_int_equal(bh_task_pin(0), 0);
	a->tid = current->tid;
	local_bh_disable();
	a->rc = sn_dev_queue_xmit(frame(60), sink);
	local_bh_enable();
	return NULL;
}

static void *owner_b(void *p)
{
	struct owner_arg *b = p;

	assert_int_equal(bh_task_pin(0), 0);
	b->tid = current->tid;
	while (__atomic_load_n(&phase, __ATOMIC_ACQUIRE) < 1)
		usleep(100);
	__atomic_store_n(&phase, 2, __ATOMIC_RELEASE);
	local_bh_disable(); /* rt-bhlock: waits here for A's whole BH section */
	b->level = sn_dev_recursion_level();
	b->rc = sn_dev_queue_xmit(frame(60), sink);
	local_bh_enable();
	return NULL;
}

/*
 * Task A holds the sink's tx lock inside start_xmit; task B of the same CPU transmits on the same
 * queue. RT (owner = task): B is not the owner, so it waits for the lock and both frames go out.
 * Vanilla (owner = CPU): B is on the owner CPU and is dropped as a dead loop — the kernel's !RT
 * rule, which is only sound while nothing preempts a BH section.
 */
static void test_owner_is_task_on_rt_cpu_on_vanilla(void **state)
{
	struct sink *s = sink->priv;
	struct owner_arg a = { 0 }, b = { 0 };
	pthread_t ta, tb;

	(void)state;
	s->block_first = true;
	assert_int_equal(pthread_create(&ta, NULL, owner_a, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, owner_b, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_int_equal(a.rc, 0);
	if (tu_profile == BH_PROFILE_VANILLA) {
		assert_int_equal(b.level, 1); /* A's depth, on the CPU's counter */
		assert_int_equal(b.rc, -ENETDOWN);
		assert_int_equal(drops(sink, SN_DROP_DEAD_LOOP), 1);
		assert_int_equal(s->xmits, 1);
	} else {
		assert_int_equal(b.level, 0); /* per task */
		assert_int_equal(b.rc, 0);
		assert_int_equal(drops(sink, SN_DROP_DEAD_LOOP), 0);
		assert_int_equal(s->xmits, 2);
		assert_int_equal(s->xmit_tid[0], a.tid);
		assert_int_equal(s->xmit_tid[1], b.tid);
		if (tu_profile == BH_PROFILE_RT_NESTED)
			assert_int_equal(sink->txq[0].stats.lock_contended, 1); /* B waited */
	}
}

/* The owner test itself: inside the lock this task (RT) / this CPU (vanilla) owns the queue. */
static void test_netif_tx_owned(void **state)
{
	struct sn_txq *txq = &sink->txq[0];

	(void)state;
	assert_int_equal(bh_task_pin(0), 0);
	local_bh_disable();
	assert_false(sn_netif_tx_owned(txq));
	sn_tx_lock(txq);
	assert_true(sn_netif_tx_owned(txq));
	assert_false(sn_tx_trylock(txq));
	/* Transmitting on a queue we hold is the other way to a dead loop. */
	assert_int_equal(sn_dev_queue_xmit(frame(60), sink), -ENETDOWN);
	sn_tx_unlock(txq);
	assert_false(sn_netif_tx_owned(txq));
	assert_int_equal(txq->xmit_lock_owner, -1);
	local_bh_enable();
	assert_int_equal(drops(sink, SN_DROP_DEAD_LOOP), 1);
}

/* ---- carrier, MTU, busy ---- */

static void test_carrier_mtu_busy(void **state)
{
	struct sink *s = sink->priv;
	struct sn_frame *f;
	struct sn_dev_stats st;

	(void)state;
	assert_int_equal(bh_task_pin(0), 0);
	local_bh_disable();
	assert_int_equal(sn_dev_queue_xmit(frame(1514), sink), 0);
	assert_int_equal(sn_dev_queue_xmit(frame(1515), sink), -EMSGSIZE);
	f = frame(1518); /* tagged: 4 more bytes allowed */
	f->data[12] = 0x81;
	f->data[13] = 0x00;
	assert_int_equal(sn_dev_queue_xmit(f, sink), 0);
	WRITE_ONCE(sink->admin_up, false);
	assert_int_equal(sn_dev_queue_xmit(frame(60), sink), -ENETDOWN);
	WRITE_ONCE(sink->admin_up, true);
	s->busy_mode = 1;
	assert_int_equal(sn_dev_queue_xmit(frame(60), sink), -ENOBUFS);
	s->busy_mode = 0;
	assert_true(sink->txq[0].on_flush_list); /* sent outside a poll: waits for a flush */
	sn_xmit_flush_pending();
	assert_false(sink->txq[0].on_flush_list);
	local_bh_enable();
	assert_int_equal(s->flushes, 1);
	sn_dev_stats_read(sink, -1, &st);
	assert_int_equal(st.drops[SN_DROP_TOO_BIG], 1);
	assert_int_equal(st.drops[SN_DROP_PORT_DOWN], 1);
	assert_int_equal(st.drops[SN_DROP_TX_RING_FULL], 1);
	assert_int_equal(st.drops_total, 3);
	assert_int_equal(st.tx_packets, 2);
	assert_int_equal(st.tx_bytes, 1514 + 1518);
	assert_int_equal(sink->txq[0].stats.busy, 1);
	assert_int_equal(s->xmits, 2);
}

/* ---- tx bulk flush ---- */

static const struct sn_netdev_ops rxdev_ops = { .kind = "fake" };
static int polls, hook_calls, hook_saw_flushes[8];

static int fwd_poll(struct sn_napi *n, int budget)
{
	int p = ++polls;

	in_poll = true;
	for (int i = 0; i < 5; i++)
		assert_int_equal(sn_dev_queue_xmit(frame(60), sink), 0);
	if (p == 2)
		assert_int_equal(sn_dev_queue_xmit(frame(60), sink2), 0);
	in_poll = false;
	if (p < 3)
		return budget;
	napi_complete_done(n, 1);
	return 1;
}

static void post_poll(struct sn_napi *n)
{
	(void)n;
	if (hook_calls < 8)
		hook_saw_flushes[hook_calls] = ((struct sink *)sink->priv)->flushes;
	hook_calls++;
}

/* tx_flush runs once per poll for each queue that got frames, after the poll, before the hook. */
static void test_flush_once_per_poll_per_queue(void **state)
{
	struct sn_netdev *rx = sn_netdev_alloc("rxf", &rxdev_ops, 0, 1, 0);
	struct sink *s = sink->priv, *s2 = sink2->priv;

	(void)state;
	assert_int_equal(bh_task_pin(0), 0);
	assert_non_null(rx);
	assert_int_equal(sn_netdev_register(rx), 0);
	polls = hook_calls = 0;
	sn_napi_post_poll_hook = post_poll;
	sn_netif_napi_add(rx, &rx->napi[0], 0, fwd_poll, 64, 0);
	napi_enable(&rx->napi[0]);
	local_bh_disable();
	napi_schedule(&rx->napi[0]);
	local_bh_enable();
	assert_int_equal(polls, 3);
	assert_int_equal(s->xmits, 15);
	assert_int_equal(s->flushes, 3);
	assert_int_equal(sink->txq[0].stats.flushes, 3);
	assert_int_equal(s2->flushes, 1);
	assert_int_equal(s->flush_seen_in_poll, 0);
	assert_int_equal(hook_calls, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(hook_saw_flushes[i], i + 1);
	assert_false(sink->txq[0].on_flush_list);
	/* Nothing queued: flushing again calls nobody. */
	local_bh_disable();
	sn_xmit_flush_pending();
	local_bh_enable();
	assert_int_equal(s->flushes, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_recursion_limit_dead_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_port_to_itself, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_is_task_on_rt_cpu_on_vanilla, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_netif_tx_owned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_carrier_mtu_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_once_per_poll_per_queue, setup,
						teardown),
	};

	return tu_run_per_profile("xmit", tests);
}
