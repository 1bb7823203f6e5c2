// SPDX-License-Identifier: GPL-2.0-only
/*
 * port_test.c - the in-process test port: a real NAPI device without hardware.
 *
 * Receive: per rx queue an eventfd is the interrupt line (sn_napi_set_irq(): masked by the
 * handler, re-armed by napi_complete_done()) and a ring of injected frames, copied in by
 * sn_port_test_inject() from any thread. The poll acks the eventfd first (an injection after that
 * makes it readable again, so nothing is lost across completion), then takes up to its budget of
 * frames, each into a buffer of the queue's page_pool and a head from the skb cache, and hands
 * them to sn_netif_receive_frame().
 *
 * Transmit: start_xmit copies the bytes into a capture ring preallocated at creation (no malloc
 * in BH: the allocation checker reports it in the RT profiles) and frees the frame; a full ring
 * returns NETDEV_TX_BUSY, which the core drops as TX_RING_FULL. sn_port_test_take_tx() pops the
 * oldest capture.
 *
 * The inject and capture rings are shared between BH and ordinary threads, so their locks are
 * priority-inheriting pthread mutexes: an IRQ thread waiting for a test thread boosts it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "bhlock/task.h"
#include "net/napi.h"
#include "net/netdev.h"
#include "net/page_pool.h"
#include "net/xmit.h"
#include "ports/ports.h"

#define TP_SLOT 2048u                                /* bytes per ring slot and pool buffer */
#define TP_MAX_FRAME (TP_SLOT - SN_FRAME_HEADROOM)   /* largest frame that can be injected */
#define TP_RXQ_DEPTH 1024u
#define TP_TX_DEPTH 4096u
#define TP_PP_BUFS 1024u

struct tp_rxq {
	int efd;                /* the interrupt line: readable = frames waiting */
	pthread_mutex_t lock;   /* protects head, count and the slots they cover */
	uint32_t head, count;
	uint32_t *lens;
	uint8_t *slots;         /* TP_RXQ_DEPTH * TP_SLOT */
	struct sn_page_pool *pp;
	uint64_t injected, polled, nobuf, inject_full; /* under lock, except nobuf (poll owner) */
};

struct tp_priv {
	unsigned int nr;
	int cpu;
	pthread_mutex_t tx_lock; /* protects tx_head, tx_count and the capture slots */
	uint32_t tx_head, tx_count;
	uint32_t *tx_lens;
	uint8_t *tx_slots;       /* TP_TX_DEPTH * TP_SLOT */
	uint64_t tx_total;       /* frames captured so far (atomic) */
	uint64_t tx_taken, tx_ring_full, tx_flushes;
	struct tp_rxq rxq[];
};

static void tp_mutex_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

static void tp_kick(int efd)
{
	uint64_t one = 1;

	if (write(efd, &one, sizeof(one)) < 0)
		return; /* the counter cannot overflow in practice; nothing else to do */
}

static int tp_poll(struct sn_napi *napi, int budget)
{
	struct sn_netdev *dev = napi->dev;
	struct tp_priv *tp = dev->priv;
	struct tp_rxq *rq = &tp->rxq[napi->qid];
	uint32_t buf_size = sn_page_pool_buf_size(rq->pp);
	int work = 0;
	uint64_t v;

	if (read(rq->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		v = 0; /* nothing to ack */
	while (work < budget) {
		uint8_t *buf;
		uint32_t len;

		pthread_mutex_lock(&rq->lock);
		if (!rq->count) {
			pthread_mutex_unlock(&rq->lock);
			break;
		}
		buf = sn_page_pool_alloc(rq->pp);
		if (!buf) {
			pthread_mutex_unlock(&rq->lock);
			rq->nobuf++;
			tp_kick(rq->efd); /* come back once buffers are returned */
			break;
		}
		len = rq->lens[rq->head];
		memcpy(buf + SN_FRAME_HEADROOM, rq->slots + (size_t)rq->head * TP_SLOT, len);
		rq->head = (rq->head + 1) % TP_RXQ_DEPTH;
		rq->count--;
		rq->polled++;
		pthread_mutex_unlock(&rq->lock);
		work++;

		struct sn_frame *f = sn_frame_alloc_head();

		if (!f) {
			sn_page_pool_put(rq->pp, buf, true);
			sn_dev_count_drop(dev, SN_DROP_NOMEM_HEAD);
			continue;
		}
		f->buf = buf;
		f->buf_len = buf_size;
		f->data = buf + SN_FRAME_HEADROOM;
		f->len = len;
		f->ops = &sn_page_pool_frame_ops;
		f->owner = rq->pp;
		f->dev = dev;
		f->rxq = (uint16_t)napi->qid;
		sn_netif_receive_frame(f);
	}
	if (work < budget)
		napi_complete_done(napi, work);
	return work;
}

static enum sn_netdev_tx tp_start_xmit(struct sn_frame *f, struct sn_netdev *dev,
				       struct sn_txq *txq)
{
	struct tp_priv *tp = dev->priv;
	uint32_t len = f->len < TP_SLOT ? f->len : TP_SLOT;

	pthread_mutex_lock(&tp->tx_lock);
	if (tp->tx_count == TP_TX_DEPTH) {
		tp->tx_ring_full++;
		pthread_mutex_unlock(&tp->tx_lock);
		return NETDEV_TX_BUSY;
	}
	uint32_t i = (tp->tx_head + tp->tx_count) % TP_TX_DEPTH;

	memcpy(tp->tx_slots + (size_t)i * TP_SLOT, f->data, len);
	tp->tx_lens[i] = len;
	tp->tx_count++;
	pthread_mutex_unlock(&tp->tx_lock);
	__atomic_add_fetch(&tp->tx_total, 1, __ATOMIC_RELEASE);
	txq->pending++;
	sn_frame_free(f, false);
	return NETDEV_TX_OK;
}

static void tp_tx_flush(struct sn_netdev *dev, struct sn_txq *txq)
{
	struct tp_priv *tp = dev->priv;

	txq->pending = 0;
	__atomic_add_fetch(&tp->tx_flushes, 1, __ATOMIC_RELAXED);
}

static int tp_open(struct sn_netdev *dev)
{
	struct tp_priv *tp = dev->priv;
	int rc;

	for (unsigned int q = 0; q < tp->nr; q++) {
		if (dev->napi[q].irq < 0) {
			rc = sn_napi_set_irq(&dev->napi[q], tp->rxq[q].efd, 0);
			if (rc)
				goto err;
		}
	}
	for (unsigned int q = 0; q < tp->nr; q++)
		napi_enable(&dev->napi[q]);
	return 0;
err:
	return rc;
}

static void tp_stop(struct sn_netdev *dev)
{
	struct tp_priv *tp = dev->priv;
	uint64_t dropped = 0;

	for (unsigned int q = 0; q < tp->nr; q++) {
		struct tp_rxq *rq = &tp->rxq[q];

		napi_disable(&dev->napi[q]);
		pthread_mutex_lock(&rq->lock);
		dropped += rq->count;
		rq->count = 0;
		pthread_mutex_unlock(&rq->lock);
	}
	/* Injected frames that never reached a poll: counted, as a driver counts its rx ring. */
	migrate_disable();
	while (dropped--)
		sn_dev_count_rx_ring_drop(dev, SN_DROP_SHUTDOWN);
	migrate_enable();
}

static void tp_destroy(struct sn_netdev *dev)
{
	struct tp_priv *tp = dev->priv;

	for (unsigned int q = 0; q < tp->nr; q++) {
		struct tp_rxq *rq = &tp->rxq[q];

		sn_page_pool_destroy(rq->pp);
		if (rq->efd >= 0)
			close(rq->efd);
		free(rq->slots);
		free(rq->lens);
		pthread_mutex_destroy(&rq->lock);
	}
	free(tp->tx_slots);
	free(tp->tx_lens);
	pthread_mutex_destroy(&tp->tx_lock);
}

static const struct sn_netdev_ops test_ops = {
	.kind = "test",
	.open = tp_open,
	.stop = tp_stop,
	.destroy = tp_destroy,
	.start_xmit = tp_start_xmit,
	.tx_flush = tp_tx_flush,
};

static int tp_rxq_init(struct sn_netdev *dev, unsigned int q, int cpu)
{
	struct tp_priv *tp = dev->priv;
	struct tp_rxq *rq = &tp->rxq[q];
	char name[40];

	rq->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	rq->lens = calloc(TP_RXQ_DEPTH, sizeof(*rq->lens));
	rq->slots = malloc((size_t)TP_RXQ_DEPTH * TP_SLOT);
	snprintf(name, sizeof(name), "%s-rx%u", dev->name, q);
	struct sn_page_pool_params pp = {
		.sz = sizeof(pp), .name = name, .buf_size = TP_SLOT, .nr_bufs = TP_PP_BUFS,
		.cpu = -1, .napi = &dev->napi[q],
	};

	rq->pp = sn_page_pool_create(&pp);
	(void)cpu;
	if (rq->efd < 0 || !rq->lens || !rq->slots || !rq->pp)
		return -ENOMEM;
	return 0;
}

struct sn_netdev *sn_port_test_create(const char *name, unsigned int nr_queues, int cpu)
{
	struct sn_netdev *dev;
	struct tp_priv *tp;
	int rc = -ENOMEM;

	if (nr_queues == 0 || nr_queues > SN_MAX_QUEUES || cpu < 0 || cpu >= nr_cpu_ids) {
		errno = EINVAL;
		return NULL;
	}
	dev = sn_netdev_alloc(name, &test_ops,
			      sizeof(*tp) + nr_queues * sizeof(struct tp_rxq), nr_queues,
			      nr_queues);
	if (!dev)
		return NULL;
	tp = dev->priv;
	tp->nr = nr_queues;
	tp->cpu = cpu;
	tp_mutex_init(&tp->tx_lock);
	for (unsigned int q = 0; q < nr_queues; q++) {
		tp->rxq[q].efd = -1;
		tp_mutex_init(&tp->rxq[q].lock);
	}
	tp->tx_lens = calloc(TP_TX_DEPTH, sizeof(*tp->tx_lens));
	tp->tx_slots = malloc((size_t)TP_TX_DEPTH * TP_SLOT);
	if (!tp->tx_lens || !tp->tx_slots)
		goto err;
	for (unsigned int q = 0; q < nr_queues; q++) {
		sn_netif_napi_add(dev, &dev->napi[q], q, tp_poll, 0, cpu);
		rc = tp_rxq_init(dev, q, cpu);
		if (rc)
			goto err;
	}
	rc = sn_netdev_register(dev);
	if (rc)
		goto err;
	const uint8_t mac[6] = { 0x02, 0x74, 0x65, 0x73, 0x74, (uint8_t)dev->index };

	memcpy(dev->mac, mac, sizeof(mac));
	return dev;
err:
	sn_netdev_unregister(dev); /* not registered: destroys and frees */
	errno = -rc;
	return NULL;
}

int sn_port_test_inject(struct sn_netdev *dev, unsigned int q, const void *data, uint32_t len)
{
	struct tp_priv *tp = dev->priv;
	struct tp_rxq *rq;

	if (dev->ops != &test_ops || q >= tp->nr || !len || len > TP_MAX_FRAME)
		return -EINVAL;
	rq = &tp->rxq[q];
	pthread_mutex_lock(&rq->lock);
	if (rq->count == TP_RXQ_DEPTH) {
		rq->inject_full++;
		pthread_mutex_unlock(&rq->lock);
		return -ENOBUFS;
	}
	uint32_t i = (rq->head + rq->count) % TP_RXQ_DEPTH;

	memcpy(rq->slots + (size_t)i * TP_SLOT, data, len);
	rq->lens[i] = len;
	rq->count++;
	rq->injected++;
	pthread_mutex_unlock(&rq->lock);
	tp_kick(rq->efd); /* raise the "interrupt" */
	return 0;
}

int sn_port_test_rx_fd(struct sn_netdev *dev, unsigned int q)
{
	struct tp_priv *tp = dev->priv;

	if (dev->ops != &test_ops || q >= tp->nr)
		return -EINVAL;
	return tp->rxq[q].efd;
}

int sn_port_test_take_tx(struct sn_netdev *dev, void *buf, uint32_t cap)
{
	struct tp_priv *tp = dev->priv;
	uint32_t len;

	if (dev->ops != &test_ops)
		return -EINVAL;
	pthread_mutex_lock(&tp->tx_lock);
	if (!tp->tx_count) {
		pthread_mutex_unlock(&tp->tx_lock);
		return -EAGAIN;
	}
	len = tp->tx_lens[tp->tx_head];
	memcpy(buf, tp->tx_slots + (size_t)tp->tx_head * TP_SLOT, len < cap ? len : cap);
	tp->tx_head = (tp->tx_head + 1) % TP_TX_DEPTH;
	tp->tx_count--;
	tp->tx_taken++;
	pthread_mutex_unlock(&tp->tx_lock);
	return (int)len;
}

int sn_port_test_wait_tx(struct sn_netdev *dev, uint64_t n, int timeout_ms)
{
	struct tp_priv *tp = dev->priv;
	struct timespec ts;
	uint64_t end;

	if (dev->ops != &test_ops)
		return -EINVAL;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + (uint64_t)timeout_ms;
	for (;;) {
		if (__atomic_load_n(&tp->tx_total, __ATOMIC_ACQUIRE) >= n)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 >= end)
			return -ETIMEDOUT;
		usleep(200);
	}
}
