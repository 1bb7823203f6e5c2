// SPDX-License-Identifier: GPL-2.0-only
/*
 * netrx.c - the net_rx load: NET_RX from a port at a rate, through softnetd's real datapath.
 *
 * The port is the in-process test port (ports/port_test.c) with one rx queue on the load's
 * thread's CPU. Its interrupt line (an eventfd) is requested here, before the port opens, at the
 * thread's priority, so that in the RT profiles the handler is irq/N-<ifname>-rx0 at FIFO
 * <priority> (cpu/N in vanilla): it masks the line and schedules the NAPI, and its softirq runs
 * net_rx_action() and the test port's poll — page_pool buffers, frame heads from the
 * napi_alloc_cache under local_lock_nested_bh(), sn_netif_receive_frame() — within the budget of
 * 300 frames and 2 ms, repolling and deferring to ksoftirqd as the kernel does.
 *
 * A pacing thread on another CPU injects frames at rate_pps, `burst` frames back to back each
 * time (a NIC's coalesced batch: each burst raises the interrupt once while the NAPI is idle).
 * The rx handler does per_frame_ns of busy work (thread CPU time, like a section) and consumes
 * the frame; anything else it is given is dropped and counted by reason. In rt-bhlock the poll
 * runs inside the CPU's BH lock for its whole duration; in rt-nested only the nested locks are
 * held, each for a few instructions.
 *
 * Accounting at the end: offered = injected + ring_full (pacer), injected = rx_packets +
 * rx_ring_drops, and rx_packets + rx_ring_drops = consumed + rx_drops (by reason).
 *
 * Context: thread context of the run (lat_run_profile); the handler in BH.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lat.h"
#include "bhlock/bhlock.h"
#include "net/napi.h"
#include "net/net_core.h"
#include "net/netdev.h"
#include "net/skb_cache.h"
#include "ports/ports.h"

#define NETRX_ETHERTYPE 0x88b5 /* IEEE local experimental: nothing else sends it */
#define NETRX_MIN_WAKE_NS 50000ULL /* the pacer sleeps at least this long between bursts */
/*
 * The pacer stands for the NIC, which no task delays: FIFO above the ordinary real-time tasks
 * other work may run on its CPU (a FIFO 1 busy loop there would otherwise starve it), below the
 * handlers. It sleeps between bursts: its CPU time is the injections only.
 */
#define NETRX_PACER_PRIO 20

_Static_assert(SN_DROP_MAX <= LAT_NETRX_MAX_REASONS, "lat_netrx_stats.rx_drop_reason too short");

static struct {
	const struct lat_netrx_cfg *cfg;
	struct sn_netdev *dev;
	pthread_t pacer;
	bool pacer_running;
	bool pacer_stop; /* atomic: stop early (the run is being torn down) */
	bool pacer_done; /* atomic: the pacer has returned */
	uint64_t t0, t_end;
	int pacer_cpu;
	uint64_t offered, injected, ring_full; /* the pacer's; read after join */
	uint64_t consumed;                     /* atomic: any task of the CPU serving NET_RX */
	uint8_t frame[1514];
} nr;

static uint64_t nr_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void nr_sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / 1000000000ULL),
			       .tv_nsec = (long)(t % 1000000000ULL) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* The rx handler in place of the stack: the per-frame work, then consume (or drop, counted). */
static void netrx_rx(struct sn_frame *f)
{
	if (f->len < 14 || f->data[12] != (NETRX_ETHERTYPE >> 8) ||
	    f->data[13] != (NETRX_ETHERTYPE & 0xff)) {
		sn_dev_drop_frame(f->dev, f, SN_DROP_ETHERTYPE);
		return;
	}
	lat_busy_cpu_ns(nr.cfg->per_frame_ns);
	__atomic_add_fetch(&nr.consumed, 1, __ATOMIC_RELAXED);
	sn_frame_free(f, true); /* inside the poll that owns the buffer's page_pool */
}

/*
 * The pacer: frames due by time t are rate x (t - t0); it wakes every burst/rate seconds (at
 * least NETRX_MIN_WAKE_NS) and injects what is due. Falling behind (the CPU taken away) injects
 * the backlog at once, as a link would deliver it; a full rx ring counts ring_full.
 */
static void *netrx_pacer(void *arg)
{
	const struct lat_netrx_cfg *c = nr.cfg;
	uint64_t wake_ns = (uint64_t)c->burst * 1000000000ULL / c->rate_pps;
	cpu_set_t set;

	(void)arg;
	CPU_ZERO(&set);
	CPU_SET(nr.pacer_cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (wake_ns < NETRX_MIN_WAKE_NS)
		wake_ns = NETRX_MIN_WAKE_NS;
	for (uint64_t k = 0;; k++) {
		uint64_t t = nr.t0 + k * wake_ns;

		if (t >= nr.t_end || __atomic_load_n(&nr.pacer_stop, __ATOMIC_ACQUIRE))
			break;
		nr_sleep_until(t);
		uint64_t now = nr_mono_ns();

		if (now > nr.t_end)
			now = nr.t_end;
		uint64_t due = (uint64_t)((unsigned __int128)(now - nr.t0) * c->rate_pps /
					  1000000000ULL);

		/* Whole bursts only, except at the end; the first burst goes at t0. */
		if (now < nr.t_end)
			due = (due / c->burst + 1) * c->burst;
		for (; nr.offered < due; nr.offered++) {
			memcpy(nr.frame + 14, &nr.offered, sizeof(nr.offered));
			if (sn_port_test_inject(nr.dev, 0, nr.frame, c->frame_size))
				nr.ring_full++;
			else
				nr.injected++;
		}
		/* Behind by more than a burst period: skip the sleeps already past. */
		uint64_t late = nr_mono_ns();

		if (late > t + wake_ns)
			k = (late - nr.t0) / wake_ns;
	}
	__atomic_store_n(&nr.pacer_done, true, __ATOMIC_RELEASE);
	return NULL;
}

int lat_netrx_init(const struct lat_load *l, int cpu)
{
	struct sn_net_params np = { .sz = sizeof(np) };
	int err;

	memset(&nr, 0, sizeof(nr));
	nr.cfg = &l->rx;
	err = sn_net_init(&np);
	if (err)
		return err;
	sn_netdev_set_rx_handler(netrx_rx);
	nr.dev = sn_port_test_create(l->rx.ifname, 1, cpu);
	if (!nr.dev) {
		err = -errno;
		fprintf(stderr, "softnet-lat: port '%s': %s\n", l->rx.ifname, strerror(errno));
		sn_netdev_set_rx_handler(NULL);
		sn_net_fini();
		return err;
	}
	/* Ethernet header to the port's MAC, then a sequence number, then zeros. */
	memcpy(nr.frame, nr.dev->mac, 6);
	memcpy(nr.frame + 6, (const uint8_t[6]){ 0x02, 0x6c, 0x61, 0x74, 0x00, 0x01 }, 6);
	nr.frame[12] = NETRX_ETHERTYPE >> 8;
	nr.frame[13] = NETRX_ETHERTYPE & 0xff;
	return 0;
}

int lat_netrx_open(int prio)
{
	int err, fd = sn_port_test_rx_fd(nr.dev, 0);

	if (fd < 0)
		return fd;
	/* The port's interrupt at the thread's priority; the port's open then leaves it alone. */
	err = sn_napi_set_irq(&nr.dev->napi[0], fd, prio);
	if (!err)
		err = sn_netdev_open(nr.dev);
	if (err)
		fprintf(stderr, "softnet-lat: port '%s': open: %s\n", nr.dev->name, strerror(-err));
	return err;
}

int lat_netrx_start(uint64_t t0, uint64_t t_end, int net_cpu)
{
	struct sched_param sp = { .sched_priority = NETRX_PACER_PRIO };
	pthread_attr_t a;
	int err;

	nr.t0 = t0;
	nr.t_end = t_end;
	/* Another CPU than the one under test, as a NIC is; the same one only if there is one. */
	nr.pacer_cpu = nr_cpu_ids > 1 ? (net_cpu == 0 ? 1 : 0) : 0;
	pthread_attr_init(&a);
	pthread_attr_setinheritsched(&a, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&a, SCHED_FIFO);
	pthread_attr_setschedparam(&a, &sp);
	err = -pthread_create(&nr.pacer, &a, netrx_pacer, NULL);
	pthread_attr_destroy(&a);
	if (err == -EPERM)
		err = -pthread_create(&nr.pacer, NULL, netrx_pacer, NULL);
	nr.pacer_running = !err;
	return err;
}

void lat_netrx_stop(struct lat_netrx_stats *s)
{
	struct sn_dev_stats ds;
	struct sn_softnet_stats ss;
	struct softirq_stats sq;
	int cpu = nr.dev->napi[0].cpu;

	if (nr.pacer_running) {
		/* It ends by itself at t_end; say so if it cannot get its CPU (then wait for it). */
		uint64_t limit = nr.t_end + 2000000000ULL;

		__atomic_store_n(&nr.pacer_stop, true, __ATOMIC_RELEASE);
		while (!__atomic_load_n(&nr.pacer_done, __ATOMIC_ACQUIRE) && nr_mono_ns() < limit)
			usleep(1000);
		if (!__atomic_load_n(&nr.pacer_done, __ATOMIC_ACQUIRE))
			fprintf(stderr, "softnet-lat: net_rx pacer late by 2 s (its CPU %d is taken "
					"by a real-time task?); waiting for it\n", nr.pacer_cpu);
		pthread_join(nr.pacer, NULL);
	}
	nr.pacer_running = false;
	/* Let the port drain what was injected (up to 1 s); the rest is counted at stop. */
	for (int i = 0; i < 1000; i++) {
		sn_dev_stats_read(nr.dev, -1, &ds);
		if (ds.rx_packets + ds.rx_ring_drops >= nr.injected)
			break;
		usleep(1000);
	}
	nr.dev->ops->stop(nr.dev);
	sn_dev_stats_read(nr.dev, -1, &ds);
	sn_softnet_stats_read(cpu, &ss);
	softirq_stats_read(cpu, &sq);
	memset(s, 0, sizeof(*s));
	s->offered = nr.offered;
	s->injected = nr.injected;
	s->ring_full = nr.ring_full;
	s->rx_packets = ds.rx_packets;
	s->rx_ring_drops = ds.rx_ring_drops;
	s->consumed = __atomic_load_n(&nr.consumed, __ATOMIC_RELAXED);
	s->rx_drops = ds.rx_drops_total;
	for (int r = 0; r < SN_DROP_MAX; r++)
		s->rx_drop_reason[r] = ds.rx_drops[r];
	s->polls = nr.dev->napi[0].stats.polls;
	s->irqs = nr.dev->napi[0].stats.irqs;
	s->repolls = nr.dev->napi[0].stats.repolls;
	s->rx_actions = ss.rx_actions;
	s->time_squeeze = ss.time_squeeze;
	s->deferred = sq.deferred_time + sq.deferred_restarts;
	s->ksoftirqd_runs = sq.ksoftirqd_runs;
	/* Every frame was consumed or dropped inside its poll: every head is back by now. */
	s->heads_check = sn_skb_cache_check();
}

void lat_netrx_fini(void)
{
	if (nr.dev)
		sn_netdev_unregister(nr.dev);
	nr.dev = NULL;
	sn_netdev_set_rx_handler(NULL);
	sn_net_fini();
}
