// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_cpumap.c - the running side of CPUMAP entries (kernel/bpf/cpumap.c): per entry a thread
 * "cpumap/<cpu>/map:<id>" bound to <cpu>, a ring of qsize frames, and per CPU a bulk queue of
 * CPU_MAP_BULK_SIZE (8) frames filled by XDP_REDIRECT and flushed into the ring at the end of
 * the poll.
 *
 * The map (maps/map_cpumap.c) only stores { qsize, program id }; it does not call out on update,
 * so sn_xdp_cpumap_sync() brings the threads in line with the entries (thread context), as
 * __cpu_map_entry_alloc()/__cpu_map_entry_free() do in the kernel's update path.
 *
 * Locks: each per-CPU bulk queue has its own local_lock_nested_bh (the 2026 RT fix 869c63d5975d;
 * two BH tasks of one CPU may fill it in rt-nested); the ring has one PI mutex for producers and
 * the consumer (the kernel's ptr_ring producer_lock; softnetd has one consumer, the thread, which
 * takes the same lock for brevity). Entries are published with release stores and torn down only
 * after sn_xdp_synchronize(): no poll can still hold them, and every poll flushed its queues
 * before it left its read-side section, so the per-CPU queues of a dead entry are empty.
 *
 * The thread: up to CPUMAP_BATCH (8) frames per round; inside local_bh_disable() it sets its own
 * bpf_net_context (outermost), runs the entry's program if any (PASS continues, REDIRECT is
 * followed and flushed, anything else drops), and hands each remaining frame to the stack with
 * sn_netif_receive_frame() marked SN_FRAME_F_XDP_DONE, so the device's program is not run again.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "bhlock/bottom_half.h"
#include "bhlock/local_lock.h"
#include "bhlock/percpu.h"
#include "bhlock/task.h"
#include "maps/map.h"
#include "net/netdev.h"
#include "net/xmit.h"
#include "xdp/xdp.h"
#include "xdp/xdp_bq_guard.h"
#include "xdp/xdp_internal.h"

#define CPUMAP_BATCH 8
#define XDP_MAX_CPUMAPS 32

struct xdp_cpu_bulkq {
	local_lock_t bq_lock; /* protects everything below */
	struct sn_frame *q[CPU_MAP_BULK_SIZE];
	unsigned int count;
	bool linked; /* on some task's cpu_map_flush_list */
	struct list_head flush_node;
	struct sn_xdp_cpumap_entry *e;
} ____cacheline_aligned;

struct sn_xdp_cpumap_entry {
	struct sn_map *map;
	uint32_t cpu;
	uint32_t qsize;
	uint32_t map_id;
	struct xdp_cpu_bulkq *bulkq; /* alloc_percpu */
	/* ring_lock protects ring, head and count (producers: flushes; consumer: the thread). */
	pthread_mutex_t ring_lock;
	struct sn_frame **ring;
	uint32_t head, count;
	int wake_fd;     /* eventfd the thread sleeps on */
	int sleeping;    /* the thread is about to sleep or sleeps: a producer must wake it */
	bool stop;
	pthread_t thread;
	int tid;
};

struct xdp_cpumap_reg {
	struct sn_map *map;
	uint32_t id;
	uint32_t n;                           /* max_entries */
	struct sn_xdp_cpumap_entry **entries; /* by key (CPU), published with release stores */
};

static struct xdp_cpumap_reg *xdp_cpumaps[XDP_MAX_CPUMAPS];
static uint32_t xdp_cpumap_next_id;
/* Serialises sync/release/fini (thread context). */
static pthread_mutex_t xdp_cpumap_lock = PTHREAD_MUTEX_INITIALIZER;

struct sn_xdp_cpumap_entry *__sn_cpu_map_entry(struct sn_map *map, uint32_t cpu)
{
	if (!map)
		return NULL;
	for (int i = 0; i < XDP_MAX_CPUMAPS; i++) {
		struct xdp_cpumap_reg *reg = __atomic_load_n(&xdp_cpumaps[i], __ATOMIC_ACQUIRE);

		if (reg && reg->map == map)
			return cpu < reg->n ? __atomic_load_n(&reg->entries[cpu], __ATOMIC_ACQUIRE)
					    : NULL;
	}
	return NULL;
}

/* ---- producer side (BH) ---- */

static void cpu_map_wake(struct sn_xdp_cpumap_entry *e)
{
	uint64_t one = 1;

	if (__atomic_exchange_n(&e->sleeping, 0, __ATOMIC_ACQ_REL) &&
	    write(e->wake_fd, &one, sizeof(one)) < 0)
		return; /* an eventfd write cannot fail here in practice */
}

/* bq_flush_to_queue(): move the queue into the ring; frames that do not fit are dropped. */
static void bq_flush_to_queue(struct xdp_cpu_bulkq *bq)
{
	struct sn_xdp_cpumap_entry *e = bq->e;
	unsigned int n = bq->count, i;

	if (!n)
		return;
	bq->count = 0;
	pthread_mutex_lock(&e->ring_lock);
	for (i = 0; i < n && e->count < e->qsize; i++) {
		e->ring[(e->head + e->count) % e->qsize] = bq->q[i];
		/* Atomic: cpu_map_sleep() reads the count without the lock. */
		__atomic_store_n(&e->count, e->count + 1, __ATOMIC_RELEASE);
		xdp_stat_inc(bq->q[i]->dev->index, cpumap_enqueue);
	}
	pthread_mutex_unlock(&e->ring_lock);
	for (; i < n; i++) {
		struct sn_frame *f = bq->q[i];
		struct sn_netdev *dev = f->dev;

		xdp_stat_inc(dev->index, cpumap_drops);
		sn_dev_count_rx(dev, f->len);
		sn_dev_drop_frame(dev, f, SN_DROP_XDP_REDIRECT_ERR);
	}
}

int __sn_cpu_map_enqueue(struct sn_bpf_net_context *ctx, struct sn_xdp_cpumap_entry *e,
			 struct sn_frame *f, struct sn_netdev *dev_rx)
{
	struct xdp_cpu_bulkq *bq = this_cpu_ptr(e->bulkq);

	f->dev = dev_rx;
	guard(xdp_bq_lock)(&e->bulkq->bq_lock);
	if (unlikely(bq->count == CPU_MAP_BULK_SIZE))
		bq_flush_to_queue(bq);
	unsigned int slot = bq->count;

	xdp_bq_preempt_point(); /* debug/test builds: a test may preempt us here */
	bq->q[slot] = f;
	bq->count = slot + 1;
	if (!bq->linked) {
		list_add_tail(&bq->flush_node, &ctx->cpu_map_flush_list);
		bq->linked = true;
	}
	return 0;
}

void __sn_cpu_map_flush(struct sn_bpf_net_context *ctx)
{
	struct list_head *head = &ctx->cpu_map_flush_list;

	while (!list_empty(head)) {
		struct xdp_cpu_bulkq *bq = list_first_entry(head, struct xdp_cpu_bulkq, flush_node);
		struct sn_xdp_cpumap_entry *e = bq->e;

		/* bq is this CPU's copy: its lock is reached through the entry's per-CPU pointer. */
		scoped_guard(xdp_bq_lock, &e->bulkq->bq_lock) {
			bq_flush_to_queue(bq);
			bq->linked = false;
			list_del_init(&bq->flush_node);
		}
		cpu_map_wake(e);
	}
}

/* ---- the thread ---- */

static unsigned int cpu_map_take(struct sn_xdp_cpumap_entry *e, struct sn_frame **frames)
{
	unsigned int n = 0;

	pthread_mutex_lock(&e->ring_lock);
	while (n < CPUMAP_BATCH && e->count) {
		frames[n++] = e->ring[e->head];
		e->head = (e->head + 1) % e->qsize;
		__atomic_store_n(&e->count, e->count - 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&e->ring_lock);
	return n;
}

/* The entry's program, named by id in the map value (8-byte values only). */
static const struct sn_bpf_prog *cpu_map_prog(struct sn_xdp_cpumap_entry *e)
{
	const struct bpf_cpumap_val *v;

	if (sn_map__value_size(e->map) < sizeof(struct bpf_cpumap_val))
		return NULL;
	v = sn_map_lookup_elem(e->map, &e->cpu);
	return v ? sn_xdp_prog_by_id(__atomic_load_n(&v->bpf_prog.id, __ATOMIC_RELAXED)) : NULL;
}

/* cpu_map_bpf_prog_run_xdp(): Return: how many frames go on to the stack (compacted). */
static unsigned int cpu_map_run_prog(const struct sn_bpf_prog *prog, struct sn_frame **frames,
				     unsigned int n)
{
	unsigned int kept = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct sn_frame *f = frames[i];
		struct sn_netdev *dev = f->dev;
		struct sn_xdp_buff xdp = { .frame = f, .rxdev = dev };
		uint32_t act = __sn_xdp_run_on_frame(prog, f, dev, 0);
		int err;

		switch (act) {
		case XDP_PASS:
			frames[kept++] = f;
			break;
		case XDP_REDIRECT:
			err = sn_xdp_do_redirect(dev, &xdp, prog);
			if (!err) {
				xdp_stat_inc(dev->index, redirect_ok);
				break;
			}
			{
				struct sn_xdp_pcpu_stats *st = __sn_xdp_stats(dev->index);

				if (st)
					xdp_pcpu_add(&st->s.redirect_err[__sn_xdp_redirect_err_idx(err)],
						     1);
			}
			sn_dev_count_rx(dev, f->len);
			sn_dev_drop_frame(dev, f, SN_DROP_XDP_REDIRECT_ERR);
			break;
		case XDP_DROP:
			sn_dev_count_rx(dev, f->len);
			sn_dev_drop_frame(dev, f, SN_DROP_XDP_DROP);
			break;
		default: /* ABORTED, and XDP_TX which a cpumap program may not return */
			sn_dev_count_rx(dev, f->len);
			sn_dev_drop_frame(dev, f, SN_DROP_XDP_ABORTED);
			break;
		}
	}
	return kept;
}

static void cpu_map_sleep(struct sn_xdp_cpumap_entry *e)
{
	struct pollfd pfd = { .fd = e->wake_fd, .events = POLLIN };
	uint64_t v;

	__atomic_store_n(&e->sleeping, 1, __ATOMIC_SEQ_CST);
	/* Re-check after announcing the sleep: a producer that missed the flag is seen here. */
	if (__atomic_load_n(&e->count, __ATOMIC_SEQ_CST) ||
	    __atomic_load_n(&e->stop, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&e->sleeping, 0, __ATOMIC_RELAXED);
		return;
	}
	if (poll(&pfd, 1, 100) > 0 && read(e->wake_fd, &v, sizeof(v)) < 0)
		v = 0;
	__atomic_store_n(&e->sleeping, 0, __ATOMIC_RELAXED);
}

static void *cpu_map_kthread_run(void *arg)
{
	struct sn_xdp_cpumap_entry *e = arg;
	struct sn_frame *frames[CPUMAP_BATCH];

	for (;;) {
		struct sn_bpf_net_context ctx, *set;
		const struct sn_bpf_prog *prog;
		unsigned int n = cpu_map_take(e, frames);
		int idx;

		if (!n) {
			if (__atomic_load_n(&e->stop, __ATOMIC_ACQUIRE))
				break;
			cpu_map_sleep(e);
			continue;
		}
		local_bh_disable();
		idx = sn_xdp_read_lock();
		set = sn_bpf_net_ctx_set(&ctx);
		prog = cpu_map_prog(e);
		if (prog)
			n = cpu_map_run_prog(prog, frames, n);
		for (unsigned int i = 0; i < n; i++) {
			struct sn_frame *f = frames[i];

			xdp_stat_inc(f->dev->index, cpumap_kthread_pkts);
			f->flags |= SN_FRAME_F_XDP_DONE;
			sn_netif_receive_frame(f);
		}
		sn_xdp_do_flush();
		sn_bpf_net_ctx_clear(set);
		sn_xmit_flush_pending();
		sn_xdp_read_unlock(idx);
		local_bh_enable();
	}
	return NULL;
}

/* ---- entries: create and tear down (thread context) ---- */

static void cpu_map_entry_free(struct sn_xdp_cpumap_entry *e)
{
	if (e->wake_fd >= 0)
		close(e->wake_fd);
	free_percpu(e->bulkq);
	free(e->ring);
	pthread_mutex_destroy(&e->ring_lock);
	free(e);
}

static struct sn_xdp_cpumap_entry *cpu_map_entry_alloc(struct xdp_cpumap_reg *reg, uint32_t cpu,
						       uint32_t qsize, int *err)
{
	static struct lock_class_key bq_key;
	struct sn_xdp_cpumap_entry *e = calloc(1, sizeof(*e));
	pthread_mutexattr_t ma;
	char name[TASK_COMM_LEN];
	int c;

	*err = -ENOMEM;
	if (!e)
		return NULL;
	e->map = reg->map;
	e->cpu = cpu;
	e->qsize = qsize;
	e->map_id = reg->id;
	e->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setprotocol(&ma, PTHREAD_PRIO_INHERIT);
	pthread_mutex_init(&e->ring_lock, &ma);
	pthread_mutexattr_destroy(&ma);
	e->ring = calloc(qsize, sizeof(*e->ring));
	e->bulkq = alloc_percpu(struct xdp_cpu_bulkq);
	if (e->wake_fd < 0 || !e->ring || !e->bulkq) {
		cpu_map_entry_free(e);
		return NULL;
	}
	for_each_possible_cpu(c) {
		struct xdp_cpu_bulkq *bq = per_cpu_ptr(e->bulkq, c);

		__local_lock_init(&bq->bq_lock, "xdp_bulk_queue.bq_lock", &bq_key);
		INIT_LIST_HEAD(&bq->flush_node);
		bq->e = e;
	}
	snprintf(name, sizeof(name), "cpumap/%u/map:%u", cpu, reg->id);
	struct bh_kthread_opts o = {
		.sz = sizeof(o), .name = name, .cpu = (int)cpu, .policy = SCHED_OTHER,
		.fn = cpu_map_kthread_run, .arg = e, .tid_out = &e->tid,
	};

	*err = bh_kthread_run(&e->thread, &o);
	if (*err) {
		fprintf(stderr, "cpumap map:%u cpu %u: thread: %s\n", reg->id, cpu, strerror(-*err));
		cpu_map_entry_free(e);
		return NULL;
	}
	return e;
}

/* After unpublishing and sn_xdp_synchronize(): stop the thread (it drains the ring) and free. */
static void cpu_map_entry_stop(struct sn_xdp_cpumap_entry *e)
{
	uint64_t one = 1;

	__atomic_store_n(&e->stop, true, __ATOMIC_RELEASE);
	if (write(e->wake_fd, &one, sizeof(one)) < 0)
		one = 0;
	pthread_join(e->thread, NULL);
	cpu_map_entry_free(e);
}

static struct xdp_cpumap_reg *cpu_map_reg_get(struct sn_map *map, bool create)
{
	int free_slot = -1;

	for (int i = 0; i < XDP_MAX_CPUMAPS; i++) {
		if (xdp_cpumaps[i] && xdp_cpumaps[i]->map == map)
			return xdp_cpumaps[i];
		if (!xdp_cpumaps[i] && free_slot < 0)
			free_slot = i;
	}
	if (!create || free_slot < 0)
		return NULL;
	struct xdp_cpumap_reg *reg = calloc(1, sizeof(*reg));

	if (!reg)
		return NULL;
	reg->map = map;
	reg->id = ++xdp_cpumap_next_id;
	reg->n = sn_map__max_entries(map);
	reg->entries = calloc(reg->n, sizeof(*reg->entries));
	if (!reg->entries) {
		free(reg);
		return NULL;
	}
	__atomic_store_n(&xdp_cpumaps[free_slot], reg, __ATOMIC_RELEASE);
	return reg;
}

int sn_xdp_cpumap_sync(struct sn_map *map)
{
	struct sn_xdp_cpumap_entry **old;
	struct xdp_cpumap_reg *reg;
	bool retired = false;
	int rc = 0;

	if (!map || sn_map__type(map) != BPF_MAP_TYPE_CPUMAP)
		return -EINVAL;
	pthread_mutex_lock(&xdp_cpumap_lock);
	reg = cpu_map_reg_get(map, true);
	if (!reg) {
		pthread_mutex_unlock(&xdp_cpumap_lock);
		return -ENOMEM;
	}
	old = calloc(reg->n, sizeof(*old));
	if (!old) {
		pthread_mutex_unlock(&xdp_cpumap_lock);
		return -ENOMEM;
	}
	for (uint32_t k = 0; k < reg->n; k++) {
		struct bpf_cpumap_val v = { 0 };
		struct sn_xdp_cpumap_entry *cur = reg->entries[k], *e = NULL;
		int err;

		/* The syscall side copies value_size bytes: 4 or 8. */
		if (sn_map__lookup_elem(map, &k, &v) != 0)
			v.qsize = 0;
		if (cur && cur->qsize == v.qsize)
			continue;
		if (v.qsize) {
			e = cpu_map_entry_alloc(reg, k, v.qsize, &err);
			if (!e) {
				rc = rc ? rc : err;
				continue;
			}
		}
		__atomic_store_n(&reg->entries[k], e, __ATOMIC_RELEASE);
		old[k] = cur;
		retired |= cur != NULL;
	}
	if (retired) {
		sn_xdp_synchronize();
		for (uint32_t k = 0; k < reg->n; k++)
			if (old[k])
				cpu_map_entry_stop(old[k]);
	}
	free(old);
	pthread_mutex_unlock(&xdp_cpumap_lock);
	return rc;
}

static void cpu_map_reg_release(int slot)
{
	struct xdp_cpumap_reg *reg = xdp_cpumaps[slot];

	__atomic_store_n(&xdp_cpumaps[slot], NULL, __ATOMIC_RELEASE);
	sn_xdp_synchronize();
	for (uint32_t k = 0; k < reg->n; k++)
		if (reg->entries[k])
			cpu_map_entry_stop(reg->entries[k]);
	free(reg->entries);
	free(reg);
}

void sn_xdp_cpumap_release(struct sn_map *map)
{
	pthread_mutex_lock(&xdp_cpumap_lock);
	for (int i = 0; i < XDP_MAX_CPUMAPS; i++)
		if (xdp_cpumaps[i] && xdp_cpumaps[i]->map == map)
			cpu_map_reg_release(i);
	pthread_mutex_unlock(&xdp_cpumap_lock);
}

void __sn_xdp_cpumap_fini(void)
{
	pthread_mutex_lock(&xdp_cpumap_lock);
	for (int i = 0; i < XDP_MAX_CPUMAPS; i++)
		if (xdp_cpumaps[i])
			cpu_map_reg_release(i);
	pthread_mutex_unlock(&xdp_cpumap_lock);
}
