// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_redirect.c - XDP_REDIRECT: the per-task bpf_net_context, the redirect helpers,
 * xdp_do_redirect() into the devmap bulk queues (and the cpumap ones, xdp_cpumap.c), and
 * xdp_do_flush() at the end of the poll (KERNEL.md §6; net/core/filter.c, kernel/bpf/devmap.c).
 *
 * bpf_net_context: the kernel keeps it on the stack of the entry point (net_rx_action, the NAPI
 * thread, the cpumap thread) and stores a pointer in current->bpf_net_context. softnetd's hook
 * runs per frame, so the poll's context lives in the task (thread-local): the first XDP run of a
 * poll sets it (if the task has none: outermost-setter rule), the post-poll hook flushes and
 * clears it. The redirect info and both flush lists are per task, as upstream since v6.11
 * (401cb7dae813, 3f9fe37d9e16): a task preempted between its redirect and its flush keeps its
 * own target and list.
 *
 * Bulk queues are per CPU (per device for devmap, per entry for cpumap). With BH sections that
 * preempt each other on one CPU (rt-nested) two tasks can reach the same queue, so each queue
 * has its own local_lock_nested_bh, taken around every enqueue and around each queue's flush:
 * the 2026 RT fixes 1872e75375c4 (devmap) and 869c63d5975d (cpumap). A queue is linked on the
 * flush list of the task that made it non-empty (bq->linked, under the queue's lock); another
 * task that appends to it relies on that task's flush, or flushes a full queue itself.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bhlock/local_lock.h"
#include "bhlock/percpu.h"
#include "bhlock/task.h"
#include "bhlock/trace.h"
#include "maps/map.h"
#include "maps/map_hash.h" /* sn_map__lookup_fn() */
#include "net/netdev.h"
#include "net/xmit.h"
#include "xdp/xdp.h"
#include "xdp/xdp_bq_guard.h"
#include "xdp/xdp_internal.h"

#define ETH_HLEN 14
#define VLAN_HLEN 4

/* Per CPU, per device: the devmap bulk queue (struct xdp_dev_bulk_queue). */
struct xdp_dev_bulkq {
	local_lock_t bq_lock; /* protects everything below */
	struct sn_frame *q[DEV_MAP_BULK_SIZE];
	unsigned int count;
	bool linked;                      /* on some task's dev_map_flush_list */
	struct list_head flush_node;
	struct sn_netdev *dev_rx;         /* ingress device of the queued frames (counters) */
	const struct sn_bpf_prog *xdp_prog; /* the devmap entry's egress program, or NULL */
};

struct xdp_dev_bulkq_set {
	struct xdp_dev_bulkq bq[SN_MAX_DEVS]; /* by device index */
};

static struct xdp_dev_bulkq_set *xdp_dev_bulkq; /* alloc_percpu */

/* The poll's context when the hook set it (one per task). */
static __thread struct sn_bpf_net_context xdp_poll_ctx;
/* Redirect info of helper calls made outside any context (a program run directly). */
static __thread struct sn_bpf_net_context xdp_orphan_ctx;

#ifdef XDP_BQ_PREEMPT_POINTS
void (*sn_xdp_bq_preempt_hook)(void); /* xdp_bq_guard.h: the race test's preemption point */
#endif

/* ---- bpf_net_context ---- */

struct sn_bpf_net_context *sn_bpf_net_ctx_set(struct sn_bpf_net_context *ctx)
{
	struct task_struct *tsk = current;

	if (tsk->bpf_net_context)
		return NULL;
	memset(&ctx->ri, 0, sizeof(ctx->ri));
	INIT_LIST_HEAD(&ctx->dev_map_flush_list);
	INIT_LIST_HEAD(&ctx->cpu_map_flush_list);
	ctx->set_by_poll = false;
	tsk->bpf_net_context = ctx;
	return ctx;
}

void sn_bpf_net_ctx_clear(struct sn_bpf_net_context *ctx)
{
	if (ctx)
		current->bpf_net_context = NULL;
}

void __sn_xdp_poll_ctx_enter(void)
{
	struct sn_bpf_net_context *ctx;

	if (likely(current->bpf_net_context))
		return;
	ctx = sn_bpf_net_ctx_set(&xdp_poll_ctx);
	ctx->set_by_poll = true;
	ctx->read_idx = sn_xdp_read_lock();
}

static void xdp_check_flushed(struct sn_bpf_net_context *ctx)
{
#ifdef BHLOCK_DEBUG
	static int warned;

	if (unlikely(!list_empty(&ctx->dev_map_flush_list) ||
		     !list_empty(&ctx->cpu_map_flush_list)) &&
	    !__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		fprintf(stderr, "Missing xdp_do_flush() invocation after NAPI by %s\n",
			current->comm);
#else
	(void)ctx;
#endif
}

void __sn_xdp_poll_ctx_exit(void)
{
	struct sn_bpf_net_context *ctx = current->bpf_net_context;

	if (!ctx)
		return;
	sn_xdp_do_flush();
	/* The devmap flush queued frames on tx queues after the core's own tx flush: push them. */
	sn_xmit_flush_pending();
	if (ctx == &xdp_poll_ctx && ctx->set_by_poll) {
		xdp_check_flushed(ctx);
		ctx->set_by_poll = false;
		sn_bpf_net_ctx_clear(ctx);
		sn_xdp_read_unlock(ctx->read_idx);
	}
}

static __always_inline struct sn_bpf_redirect_info *xdp_ri(void)
{
	struct sn_bpf_net_context *ctx = current->bpf_net_context;

	return ctx ? &ctx->ri : &xdp_orphan_ctx.ri;
}

/* ---- the helpers ---- */

#define XDP_ACTION_MASK ((uint64_t)(XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX))

long sn_bpf_redirect(uint32_t ifindex, uint64_t flags)
{
	struct sn_bpf_redirect_info *ri = xdp_ri();

	if (unlikely(flags))
		return XDP_ABORTED;
	ri->tgt_index = ifindex;
	ri->tgt_value = NULL;
	ri->tgt_map = NULL;
	ri->map = NULL;
	ri->flags = 0;
	ri->map_id = INT_MAX;
	ri->map_type = BPF_MAP_TYPE_UNSPEC;
	return XDP_REDIRECT;
}

long sn_bpf_redirect_map(struct sn_map *map, uint64_t key, uint64_t flags)
{
	return __sn_bpf_redirect_map(map, sn_map__type(map), sn_map__lookup_fn(map), key, flags);
}

long __sn_bpf_redirect_map(struct sn_map *map, enum bpf_map_type type,
			   void *(*lookup)(struct sn_map *map, const void *key), uint64_t key,
			   uint64_t flags)
{
	struct sn_bpf_redirect_info *ri = xdp_ri();
	uint64_t allowed;
	uint32_t k = (uint32_t)key;

	switch (type) {
	case BPF_MAP_TYPE_DEVMAP:
	case BPF_MAP_TYPE_DEVMAP_HASH:
		allowed = BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS;
		break;
	case BPF_MAP_TYPE_CPUMAP:
		allowed = 0;
		break;
	default:
		return XDP_ABORTED; /* no map_redirect op (xskmap: not in softnetd) */
	}
	if (unlikely(flags & ~(XDP_ACTION_MASK | allowed)))
		return XDP_ABORTED;
	/* The keys are 32-bit; a wider key names no entry. */
	ri->tgt_value = key > UINT32_MAX ? NULL : lookup(map, &k);
	if (unlikely(!ri->tgt_value) && !(flags & BPF_F_BROADCAST)) {
		ri->map_id = INT_MAX;
		ri->map_type = BPF_MAP_TYPE_UNSPEC;
		return (long)(flags & XDP_ACTION_MASK); /* the program's fallback action */
	}
	ri->tgt_index = key;
	ri->tgt_map = map;
	ri->map_id = 1; /* softnetd maps have no ids; any value but the INT_MAX sentinel */
	ri->map_type = type;
	if (flags & BPF_F_BROADCAST) {
		__atomic_store_n(&ri->map, map, __ATOMIC_RELAXED);
		ri->flags = (uint32_t)flags;
	} else {
		ri->map = NULL;
		ri->flags = 0;
	}
	return XDP_REDIRECT;
}

/* ---- devmap bulk queues ---- */

/* xdp_ok_fwd_dev(): the target is up and the frame fits: MTU + hard_header_len + VLAN_HLEN. */
static __always_inline int xdp_ok_fwd_dev(struct sn_netdev *dev, uint32_t len)
{
	if (unlikely(!sn_netif_carrier_ok(dev)))
		return -ENETDOWN;
	if (unlikely(len > dev->mtu + ETH_HLEN + VLAN_HLEN))
		return -EMSGSIZE;
	return 0;
}

/*
 * bq_xmit_all(): run the egress program on each frame, then hand the survivors to the device.
 * Context: BH, bq_lock held.
 */
static void bq_xmit_all(struct xdp_dev_bulkq *bq, struct sn_netdev *dev)
{
	unsigned int n = bq->count;

	if (!n)
		return;
	bq->count = 0;
	xdp_stat_inc(bq->dev_rx ? bq->dev_rx->index : 0, devmap_bulks);
	for (unsigned int i = 0; i < n; i++) {
		struct sn_frame *f = bq->q[i];
		/* Counted on each frame's own ingress device: another task may have queued it. */
		struct sn_netdev *dev_rx = f->dev;
		int rx_index = dev_rx ? dev_rx->index : 0;

		bq->q[i] = NULL;
		if (bq->xdp_prog) {
			uint32_t act = __sn_xdp_run_on_frame(bq->xdp_prog, f, dev_rx,
							     sn_dev_xdp_ifindex(dev));

			if (act != XDP_PASS) {
				/* DROP, ABORTED and anything else (a devmap program cannot redirect) */
				xdp_stat_inc(rx_index, devmap_drops);
				sn_dev_drop_tx_frame(dev, f, act == XDP_DROP ? SN_DROP_XDP_DROP
									   : SN_DROP_XDP_ABORTED);
				continue;
			}
		}
		f->flags |= SN_FRAME_F_XDP_XMIT; /* checked by xdp_ok_fwd_dev() at enqueue */
		if (sn_dev_queue_xmit(f, dev) == 0)
			xdp_stat_inc(rx_index, devmap_xmit);
		else
			xdp_stat_inc(rx_index, devmap_drops); /* counted on @dev by the transmit */
	}
}

/* bq_enqueue(): append @f to this CPU's queue for @dev, flushing a full one first. */
static void bq_enqueue(struct sn_bpf_net_context *ctx, struct sn_netdev *dev, struct sn_frame *f,
		       struct sn_netdev *dev_rx, const struct sn_bpf_prog *egress)
{
	struct xdp_dev_bulkq *bq = &this_cpu_ptr(xdp_dev_bulkq)->bq[dev->index];

	guard(xdp_bq_lock)(&xdp_dev_bulkq->bq[dev->index].bq_lock);
	if (unlikely(bq->count == DEV_MAP_BULK_SIZE))
		bq_xmit_all(bq, dev);
	if (!bq->linked) {
		bq->dev_rx = dev_rx;
		bq->xdp_prog = egress;
		list_add_tail(&bq->flush_node, &ctx->dev_map_flush_list);
		bq->linked = true;
	}
	unsigned int slot = bq->count;

	xdp_bq_preempt_point(); /* debug/test builds: a test may preempt us here */
	bq->q[slot] = f;
	bq->count = slot + 1;
}

/* __dev_flush(): each queue this task linked, under its lock. */
static void xdp_dev_flush(struct sn_bpf_net_context *ctx)
{
	struct list_head *head = &ctx->dev_map_flush_list;

	while (!list_empty(head)) {
		struct xdp_dev_bulkq *bq = list_first_entry(head, struct xdp_dev_bulkq, flush_node);
		/* The queue's index in this CPU's set is the device index. */
		int index = (int)(bq - this_cpu_ptr(xdp_dev_bulkq)->bq);
		struct sn_netdev *dev = sn_dev_get_by_index(index);

		scoped_guard(xdp_bq_lock, &xdp_dev_bulkq->bq[index].bq_lock) {
			if (likely(dev)) {
				bq_xmit_all(bq, dev);
			} else {
				/* Unregistered under traffic: the frames have nowhere to go. */
				for (unsigned int i = 0; i < bq->count; i++)
					sn_frame_free(bq->q[i], false);
				bq->count = 0;
			}
			bq->dev_rx = NULL;
			bq->xdp_prog = NULL;
			bq->linked = false;
			list_del_init(&bq->flush_node);
		}
	}
}

/* The devmap entry's egress program, if its value carries one. */
static __always_inline const struct sn_bpf_prog *devmap_egress_prog(const struct sn_map *map,
								      const struct bpf_devmap_val *v)
{
	if (sn_map__value_size(map) < sizeof(struct bpf_devmap_val))
		return NULL;
	uint32_t id = __atomic_load_n(&v->bpf_prog.id, __ATOMIC_RELAXED);

	return id ? sn_xdp_prog_by_id(id) : NULL;
}

/*
 * The device a devmap value names by its XDP ifindex (netdev.h: the kernel ifindex of the
 * interface under the port, else 0x10000 + the softnetd index), or NULL: the map accepted a
 * kernel interface that is no softnetd port, or the port is gone.
 */
static __always_inline struct sn_netdev *devmap_dev(const struct bpf_devmap_val *v)
{
	return sn_dev_get_by_ifindex(__atomic_load_n(&v->ifindex, __ATOMIC_RELAXED));
}

/* dev_map_enqueue(). Return: 0 or -errno (the caller drops). */
static int dev_map_enqueue(struct sn_bpf_net_context *ctx, struct sn_netdev *dev,
			   const struct sn_bpf_prog *egress, struct sn_frame *f,
			   struct sn_netdev *dev_rx)
{
	int err;

	if (unlikely(!dev))
		return -ENOENT; /* the entry names no softnetd device (any more) */
	err = xdp_ok_fwd_dev(dev, f->len);
	if (unlikely(err))
		return err;
	sn_dev_count_rx(dev_rx, f->len);
	sn_dev_count_forwarded(dev_rx);
	bq_enqueue(ctx, dev, f, dev_rx, egress);
	return 0;
}

/* Is @dev excluded from a broadcast that came in on @rx (the ingress device or one above it)? */
static __always_inline bool devmap_excluded(const struct sn_netdev *dev,
					    const struct sn_netdev *rx)
{
	return dev == rx || dev->lower == rx;
}

/*
 * dev_map_enqueue_multi(): a clone to every valid entry but the last, which gets the frame.
 * No destination: the frame is freed and that is not an error.
 */
static int dev_map_enqueue_multi(struct sn_bpf_net_context *ctx, struct sn_frame *f,
				 struct sn_netdev *dev_rx, struct sn_map *map, bool exclude_ingress)
{
	struct sn_netdev *last_dst = NULL;
	const struct sn_bpf_prog *last_prog = NULL;
	uint32_t key, next;
	bool first = true;

	while (sn_map__get_next_key(map, first ? NULL : &key, &next) == 0) {
		const struct bpf_devmap_val *v;
		struct sn_netdev *dst;

		if (!first && next <= key && sn_map__type(map) == BPF_MAP_TYPE_DEVMAP)
			break;
		first = false;
		key = next;
		v = sn_map_lookup_elem(map, &key);
		if (!v)
			continue;
		dst = devmap_dev(v);
		if (!dst || (exclude_ingress && devmap_excluded(dst, dev_rx)) ||
		    xdp_ok_fwd_dev(dst, f->len))
			continue;
		if (last_dst) {
			struct sn_frame *c = sn_frame_copy(f);

			if (unlikely(!c)) {
				sn_dev_count_tx_drop(last_dst, SN_DROP_NOMEM_BUF);
			} else {
				sn_dev_count_fwd_clone(dev_rx);
				bq_enqueue(ctx, last_dst, c, dev_rx, last_prog);
			}
		}
		last_dst = dst;
		last_prog = devmap_egress_prog(map, v);
	}
	sn_dev_count_rx(dev_rx, f->len);
	if (!last_dst) {
		sn_dev_drop_frame(dev_rx, f, SN_DROP_XDP_REDIRECT_ERR);
		return 0;
	}
	sn_dev_count_forwarded(dev_rx);
	bq_enqueue(ctx, last_dst, f, dev_rx, last_prog);
	return 0;
}

int sn_xdp_do_redirect(struct sn_netdev *dev, struct sn_xdp_buff *xdp,
		       const struct sn_bpf_prog *prog)
{
	struct sn_bpf_net_context *ctx = current->bpf_net_context;
	struct sn_bpf_redirect_info *ri;
	struct sn_frame *f = xdp->frame;
	enum bpf_map_type type;
	struct sn_map *map, *tgt_map;
	uint32_t map_id;
	int err, to = 0;

	(void)prog;
	if (unlikely(!ctx))
		return -EINVAL; /* no poll context: nobody would flush */
	ri = &ctx->ri;
	/* __xdp_do_redirect_frame(): take the target and reset for the next program run. */
	type = ri->map_type;
	map_id = ri->map_id;
	map = __atomic_load_n(&ri->map, __ATOMIC_RELAXED);
	tgt_map = ri->tgt_map;
	ri->tgt_map = NULL;
	ri->map_type = BPF_MAP_TYPE_UNSPEC;
	ri->map_id = 0;
	ri->map = NULL;

	switch (type) {
	case BPF_MAP_TYPE_DEVMAP:
	case BPF_MAP_TYPE_DEVMAP_HASH:
		if (map) {
			bool excl = ri->flags & BPF_F_EXCLUDE_INGRESS;

			ri->flags = 0;
			err = dev_map_enqueue_multi(ctx, f, dev, map, excl);
		} else {
			const struct bpf_devmap_val *v = ri->tgt_value;
			struct sn_netdev *dst = devmap_dev(v);

			to = dst ? (int)sn_dev_xdp_ifindex(dst) : 0;
			err = dev_map_enqueue(ctx, dst, devmap_egress_prog(tgt_map, v), f, dev);
		}
		break;
	case BPF_MAP_TYPE_CPUMAP: {
		struct sn_xdp_cpumap_entry *e = __sn_cpu_map_entry(tgt_map, (uint32_t)ri->tgt_index);

		to = (int)ri->tgt_index;
		err = e ? __sn_cpu_map_enqueue(ctx, e, f, dev) : -ENOENT;
		break;
	}
	case BPF_MAP_TYPE_UNSPEC:
		if (map_id == INT_MAX) {
			/* bpf_redirect(): an XDP ifindex, as dev_get_by_index_rcu() (-EINVAL). */
			struct sn_netdev *dst = ri->tgt_index <= UINT32_MAX
							? sn_dev_get_by_ifindex((uint32_t)ri->tgt_index)
							: NULL;

			to = (int)ri->tgt_index;
			err = dst ? dev_map_enqueue(ctx, dst, NULL, f, dev) : -EINVAL;
			break;
		}
		/* fallthrough */
	default:
		err = -EBADRQC;
		break;
	}
	bh_trace_xdp_redirect(dev->index, to, err);
	return err;
}

void sn_xdp_do_flush(void)
{
	struct sn_bpf_net_context *ctx = current->bpf_net_context;

	if (!ctx)
		return;
	if (!list_empty(&ctx->dev_map_flush_list))
		xdp_dev_flush(ctx);
	if (!list_empty(&ctx->cpu_map_flush_list))
		__sn_cpu_map_flush(ctx);
}

int __sn_xdp_redirect_init(void)
{
	static struct lock_class_key bq_key;
	int cpu;

	if (xdp_dev_bulkq)
		return 0;
	xdp_dev_bulkq = alloc_percpu(struct xdp_dev_bulkq_set);
	if (!xdp_dev_bulkq)
		return -ENOMEM;
	/* One class for every devmap bulk queue lock, as the kernel's bq_lock. */
	for_each_possible_cpu(cpu) {
		struct xdp_dev_bulkq_set *set = per_cpu_ptr(xdp_dev_bulkq, cpu);

		for (int i = 0; i < SN_MAX_DEVS; i++) {
			__local_lock_init(&set->bq[i].bq_lock, "xdp_dev_bulk_queue.bq_lock", &bq_key);
			INIT_LIST_HEAD(&set->bq[i].flush_node);
		}
	}
	return 0;
}

void __sn_xdp_redirect_fini(void)
{
	free_percpu(xdp_dev_bulkq);
	xdp_dev_bulkq = NULL;
}
