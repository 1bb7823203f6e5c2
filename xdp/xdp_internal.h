/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xdp_internal.h - what xdp_attach.c, xdp_redirect.c and xdp_cpumap.c share: the attachment,
 * the per-device per-CPU counters, the read side that makes program replacement safe, the
 * per-task bpf_net_context and the cpumap entry runtime.
 *
 * Read side (xdp_read_lock/unlock): a two-counter scheme per CPU, as SRCU. A NAPI poll enters it
 * at its first XDP run (with the bpf_net_context) and leaves it in the post-poll hook; a cpumap
 * thread around each batch. A writer (attach/detach/cpumap teardown) publishes the new pointer,
 * then sn_xdp_synchronize() flips the index and waits until every CPU's count of the old index is
 * zero. Per task, not per CPU, on purpose: in rt-nested two tasks of one CPU can both be inside a
 * poll, so "this CPU finished a poll" does not mean "no task of this CPU still holds the old
 * program".
 */
#ifndef XDP_XDP_INTERNAL_H
#define XDP_XDP_INTERNAL_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>

#include "bhlock/compiler.h"
#include "bhlock/local_lock.h"
#include "bhlock/percpu.h"
#include "net/frame.h"
#include "net/list.h"
#include "net/netdev.h"
#include "xdp/xdp.h"

struct sn_map;

/* A frame a cpumap thread hands to the stack: the XDP hook lets it through once (and clears it). */
#define SN_FRAME_F_XDP_DONE 0x80000000u

/* What dev->xdp_prog points at. Immutable once published; replaced as a whole. */
struct sn_xdp_attachment {
	struct sn_bpf_prog *prog;
	struct sn_netdev *dev;
};

struct sn_xdp_pcpu_stats {
	struct sn_xdp_stats s;
} ____cacheline_aligned;

/* This CPU's counters of device index @ifindex, or NULL when none are allocated. */
struct sn_xdp_pcpu_stats *__sn_xdp_stats(int ifindex);

/*
 * One-instruction per-CPU add: tasks of one CPU may preempt each other (RT profiles), so a
 * counter update must not be split (net/netdev.c does the same).
 */
static __always_inline void xdp_pcpu_add(uint64_t *p, uint64_t v)
{
#if defined(BH_TSAN) || !defined(__x86_64__)
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
#else
	__asm__ volatile("addq %1, %0" : "+m"(*p) : "er"(v));
#endif
}

#define xdp_stat_inc(ifindex, field)                                                               \
	do {                                                                                       \
		struct sn_xdp_pcpu_stats *__st = __sn_xdp_stats(ifindex);                          \
		if (__st)                                                                          \
			xdp_pcpu_add(&__st->s.field, 1);                                           \
	} while (0)

/* Index in sn_xdp_stats.redirect_err[] for -errno @err. */
int __sn_xdp_redirect_err_idx(int err);

/* ---- read side (xdp_attach.c) ---- */
int sn_xdp_read_lock(void);
void sn_xdp_read_unlock(int idx);
/* Wait until every read-side section that began before the call has ended. Context: thread. */
void sn_xdp_synchronize(void);

/* ---- bpf_net_context (xdp_redirect.c) ---- */
struct sn_bpf_redirect_info {
	uint64_t tgt_index;
	void *tgt_value;     /* the looked-up map value (devmap/cpumap entry) */
	struct sn_map *tgt_map; /* softnetd: the map of tgt_value (value size, cpumap entries) */
	struct sn_map *map;  /* broadcast only */
	uint32_t flags;      /* broadcast only: BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS */
	uint32_t map_id;     /* INT_MAX: bpf_redirect() by index */
	enum bpf_map_type map_type;
};

struct sn_bpf_net_context {
	struct sn_bpf_redirect_info ri;
	struct list_head dev_map_flush_list; /* devmap bulk queues this task filled */
	struct list_head cpu_map_flush_list; /* cpumap bulk queues this task filled */
	int read_idx;        /* the read-side section the setter holds */
	bool set_by_poll;    /* set by the XDP hook: the post-poll hook clears it */
};

/* bpf_net_ctx_set(): install @ctx unless the task has one. Return: @ctx, or NULL when nested. */
struct sn_bpf_net_context *sn_bpf_net_ctx_set(struct sn_bpf_net_context *ctx);
/* bpf_net_ctx_clear(): only the outermost setter (non-NULL) clears. */
void sn_bpf_net_ctx_clear(struct sn_bpf_net_context *ctx);
static __always_inline struct sn_bpf_net_context *sn_bpf_net_ctx_get(void)
{
	return current->bpf_net_context;
}
/* The hook's poll context: set (with a read-side section) at the first run of a poll. */
void __sn_xdp_poll_ctx_enter(void);
/* The post-poll hook's work: flush and, if the poll set it, clear. Chained by xdp_attach.c. */
void __sn_xdp_poll_ctx_exit(void);
int __sn_xdp_redirect_init(void);
void __sn_xdp_redirect_fini(void);

/* Devmap flush with its egress program: run @prog on @f with egress_ifindex. Return: action. */
uint32_t __sn_xdp_run_on_frame(const struct sn_bpf_prog *prog, struct sn_frame *f,
			       struct sn_netdev *rxdev, uint32_t egress_ifindex);

/* ---- program ids (xdp_attach.c): devmap/cpumap values name programs by id ---- */
/* Return: the id (> 0) of @prog, registering it on first use; 0 on failure. Context: thread. */
uint32_t sn_xdp_prog_id(struct sn_bpf_prog *prog);
/* The program registered under @id, or NULL. Context: any. */
struct sn_bpf_prog *sn_xdp_prog_by_id(uint32_t id);

/* ---- cpumap (xdp_cpumap.c) ---- */
struct sn_xdp_cpumap_entry;
/* The running entry behind key @cpu of cpumap @map, or NULL. Context: BH (read side held). */
struct sn_xdp_cpumap_entry *__sn_cpu_map_entry(struct sn_map *map, uint32_t cpu);
/* bq_enqueue into this CPU's bulk queue of @e (links it on @ctx's list). Return: 0/-errno. */
int __sn_cpu_map_enqueue(struct sn_bpf_net_context *ctx, struct sn_xdp_cpumap_entry *e,
			 struct sn_frame *f, struct sn_netdev *dev_rx);
/* __cpu_map_flush(): flush every queue on @ctx's cpumap list into its ring and wake the thread. */
void __sn_cpu_map_flush(struct sn_bpf_net_context *ctx);
void __sn_xdp_cpumap_fini(void);

#endif /* XDP_XDP_INTERNAL_H */
