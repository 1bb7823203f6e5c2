// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_attach.c - XDP on a device: engine choice, attach/replace/detach, the receive hook that
 * runs the program and acts on its verdict, and the per-device per-CPU counters.
 *
 * Attach publishes a new struct sn_xdp_attachment in dev->xdp_prog with one release store
 * (exchange); the hook loads it once per frame, so a frame is run by exactly one program. The old
 * attachment is freed after sn_xdp_synchronize(): every poll that may still hold it has left its
 * read-side section (xdp_internal.h) — the kernel gets the same from RCU (dev_xdp_install() then
 * bpf_prog_put() after a grace period, net/core/dev.c).
 *
 * Verdicts (the driver's part of the kernel's XDP, e.g. drivers/net/veth.c veth_xdp_rcv_one()):
 * PASS goes on to the stack; DROP and ABORTED free the frame; TX transmits it on the rx device;
 * REDIRECT calls sn_xdp_do_redirect() and drops on error. Consumed frames are counted received
 * here (the stack would count a PASS frame), then forwarded or dropped, so the device accounting
 * of net/netdev.h still adds up.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bhlock/percpu.h"
#include "bhlock/task.h"
#include "bhlock/trace.h"
#include "maps/map.h"
#include "net/napi.h"
#include "net/netdev.h"
#include "net/xmit.h"
#include "xdp/bpf_interp.h"
#include "xdp/xdp.h"
#include "xdp/xdp_internal.h"
#include "xdp/xdp_map_prog.h"

/*
 * The JIT glue (bpf_jit.c, librte_bpf) is optional: when linked in, it provides these (see
 * bpf_jit.h); prepare fills prog->jit/jit_fn and returns 0, or -errno with the reason in @err.
 * Weak references do not pull an object out of a static archive: xdp/meson.build asks the
 * linker for sn_bpf_jit_prepare (-u) so that the glue is linked whenever it was built.
 */
int sn_bpf_jit_prepare(struct sn_bpf_prog *prog, char *err, size_t errlen) __attribute__((weak));
uint32_t sn_bpf_jit_run(const struct sn_bpf_prog *prog, struct sn_xdp_buff *xdp)
	__attribute__((weak));
void sn_bpf_jit_free(struct sn_bpf_prog *prog) __attribute__((weak));
int sn_bpf_jit_kernel_verify(const struct sn_bpf_prog *prog, char *err, size_t errlen)
	__attribute__((weak));

/* ---- per-device counters ---- */

/* Counters of each device index; allocated at the first attach, kept until sn_xdp_fini(). */
static struct sn_xdp_pcpu_stats *xdp_dev_stats[SN_MAX_DEVS];
/* Serialises attach/detach/init/fini (thread context). */
static pthread_mutex_t xdp_attach_lock = PTHREAD_MUTEX_INITIALIZER;

struct sn_xdp_pcpu_stats *__sn_xdp_stats(int ifindex)
{
	struct sn_xdp_pcpu_stats *st;

	if (unlikely(ifindex <= 0 || ifindex >= SN_MAX_DEVS))
		return NULL;
	st = __atomic_load_n(&xdp_dev_stats[ifindex], __ATOMIC_ACQUIRE);
	return st ? this_cpu_ptr(st) : NULL;
}

static int xdp_stats_alloc(int ifindex)
{
	struct sn_xdp_pcpu_stats *st;

	if (xdp_dev_stats[ifindex])
		return 0;
	st = alloc_percpu(struct sn_xdp_pcpu_stats);
	if (!st)
		return -ENOMEM;
	__atomic_store_n(&xdp_dev_stats[ifindex], st, __ATOMIC_RELEASE);
	return 0;
}

void sn_xdp_stats_read(struct sn_netdev *dev, struct sn_xdp_stats *out)
{
	struct sn_xdp_pcpu_stats *st;
	int cpu;

	memset(out, 0, sizeof(*out));
	if (!dev || dev->index <= 0 || dev->index >= SN_MAX_DEVS)
		return;
	st = __atomic_load_n(&xdp_dev_stats[dev->index], __ATOMIC_ACQUIRE);
	if (!st)
		return;
	for_each_possible_cpu(cpu) {
		const uint64_t *src = (const uint64_t *)&per_cpu_ptr(st, cpu)->s;
		uint64_t *dst = (uint64_t *)out;

		for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
			dst[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	}
}

/* xdp-bench -e's redirect error columns, then what softnetd adds. */
static const struct {
	int err;
	const char *name;
} xdp_redirect_errs[8] = {
	{ 0, "Unknown" },          { ENOENT, "ENOENT" },   { EINVAL, "EINVAL" },
	{ ENETDOWN, "ENETDOWN" },  { EMSGSIZE, "EMSGSIZE" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	{ ENOSPC, "ENOSPC" },      { ENOBUFS, "ENOBUFS" },
};

const char *sn_xdp_redirect_err_name(int idx)
{
	if (idx < 0 || idx >= (int)ARRAY_SIZE(xdp_redirect_errs))
		return NULL;
	return xdp_redirect_errs[idx].name;
}

int __sn_xdp_redirect_err_idx(int err)
{
	if (err < 0)
		err = -err;
	for (int i = 1; i < (int)ARRAY_SIZE(xdp_redirect_errs); i++)
		if (xdp_redirect_errs[i].err == err)
			return i;
	return 0;
}

/* ---- read side: per-CPU counts of sections under two indexes (SRCU-like) ---- */

struct xdp_read_pcpu {
	long cnt[2]; /* sections begun under each index on this CPU minus those ended here */
} ____cacheline_aligned;

static DEFINE_PER_CPU(struct xdp_read_pcpu, xdp_read_pcpu);
static int xdp_read_idx;
static pthread_mutex_t xdp_sync_lock = PTHREAD_MUTEX_INITIALIZER;

int sn_xdp_read_lock(void)
{
	int idx = __atomic_load_n(&xdp_read_idx, __ATOMIC_SEQ_CST) & 1;

	/* The count is raised before the protected pointer is loaded (seq_cst both). */
	__atomic_fetch_add(&this_cpu_ptr(&xdp_read_pcpu)->cnt[idx], 1, __ATOMIC_SEQ_CST);
	return idx;
}

void sn_xdp_read_unlock(int idx)
{
	__atomic_fetch_sub(&this_cpu_ptr(&xdp_read_pcpu)->cnt[idx & 1], 1, __ATOMIC_RELEASE);
}

static long xdp_read_count(int idx)
{
	long sum = 0;
	int cpu;

	/* A section may end on another CPU than it began only if its task migrated: sum all. */
	for_each_possible_cpu(cpu)
		sum += __atomic_load_n(&per_cpu_ptr(&xdp_read_pcpu, cpu)->cnt[idx], __ATOMIC_SEQ_CST);
	return sum;
}

void sn_xdp_synchronize(void)
{
	pthread_mutex_lock(&xdp_sync_lock);
	/* Twice, as SRCU: a reader that read the old index late is caught by the second wait. */
	for (int pass = 0; pass < 2; pass++) {
		int old = __atomic_load_n(&xdp_read_idx, __ATOMIC_SEQ_CST) & 1;

		__atomic_store_n(&xdp_read_idx, old ^ 1, __ATOMIC_SEQ_CST);
		while (xdp_read_count(old) != 0)
			usleep(50);
	}
	pthread_mutex_unlock(&xdp_sync_lock);
}

/* ---- program ids (devmap egress and cpumap programs are named by id in map values) ---- */

#define XDP_MAX_PROG_IDS SN_XDP_MAX_PROG_IDS /* xdp_map_prog.h counts references per id */
static struct sn_bpf_prog *xdp_prog_ids[XDP_MAX_PROG_IDS]; /* id = index + 1 */

uint32_t sn_xdp_prog_id(struct sn_bpf_prog *prog)
{
	uint32_t id = 0;

	pthread_mutex_lock(&xdp_attach_lock);
	for (uint32_t i = 0; i < XDP_MAX_PROG_IDS; i++) {
		if (xdp_prog_ids[i] == prog) {
			id = i + 1;
			break;
		}
	}
	for (uint32_t i = 0; !id && i < XDP_MAX_PROG_IDS; i++) {
		if (!xdp_prog_ids[i]) {
			__atomic_store_n(&xdp_prog_ids[i], prog, __ATOMIC_RELEASE);
			id = i + 1;
		}
	}
	pthread_mutex_unlock(&xdp_attach_lock);
	return id;
}

struct sn_bpf_prog *sn_xdp_prog_by_id(uint32_t id)
{
	if (id == 0 || id > XDP_MAX_PROG_IDS)
		return NULL;
	return __atomic_load_n(&xdp_prog_ids[id - 1], __ATOMIC_ACQUIRE);
}

static void xdp_prog_id_forget(struct sn_bpf_prog *prog)
{
	for (uint32_t i = 0; i < XDP_MAX_PROG_IDS; i++)
		if (xdp_prog_ids[i] == prog)
			__atomic_store_n(&xdp_prog_ids[i], NULL, __ATOMIC_RELEASE);
}

/* ---- engines ---- */

int sn_bpf_prog_prepare(struct sn_bpf_prog *prog, enum sn_xdp_engine engine, char *err,
			size_t errlen)
{
	char why[160] = "";
	int rc;

	if (!prog || (!prog->insns && !prog->jit_fn)) {
		snprintf(err, errlen, "no program");
		return -EINVAL;
	}
	if (engine != SN_XDP_ENGINE_INTERP) {
		if (sn_bpf_jit_prepare) {
			rc = sn_bpf_jit_prepare(prog, why, sizeof(why));
			if (rc == 0 && !prog->jit_fn) {
				rc = -EOPNOTSUPP;
				snprintf(why, sizeof(why), "JIT produced no code");
			}
			/*
			 * AUTO trusts librte_bpf's proof only with the kernel verifier's (bpf_jit.h:
			 * the former does not cover data_end or NULL); JIT forced skips it.
			 */
			if (rc == 0 && engine == SN_XDP_ENGINE_AUTO) {
				char kerr[128] = "";

				rc = sn_bpf_jit_kernel_verify
					     ? sn_bpf_jit_kernel_verify(prog, kerr, sizeof(kerr))
					     : -EOPNOTSUPP;
				if (rc) {
					snprintf(why, sizeof(why), "no kernel verifier proof: %s",
						 kerr[0] ? kerr : strerror(-rc));
					if (sn_bpf_jit_free)
						sn_bpf_jit_free(prog);
				}
			}
			if (rc == 0) {
				prog->engine = SN_XDP_ENGINE_JIT;
				prog->engine_note[0] = '\0';
				fprintf(stderr, "xdp: program '%s': JIT (librte_bpf)\n", prog->name);
				return 0;
			}
		} else {
			snprintf(why, sizeof(why), "JIT not built in");
		}
		if (engine == SN_XDP_ENGINE_JIT) {
			snprintf(err, errlen, "program '%s': %s", prog->name, why);
			return -EOPNOTSUPP;
		}
	} else {
		snprintf(why, sizeof(why), "interpreter forced");
	}
	prog->engine = SN_XDP_ENGINE_INTERP;
	snprintf(prog->engine_note, sizeof(prog->engine_note), "%s", why);
	fprintf(stderr, "xdp: program '%s': interpreter (%s)\n", prog->name, why);
	return 0;
}

void sn_bpf_prog_unprepare(struct sn_bpf_prog *prog)
{
	if (!prog)
		return;
	pthread_mutex_lock(&xdp_attach_lock);
	/* A map entry holds it (xdp_map_prog.h): it stays, as the kernel's reference keeps it. */
	if (__sn_xdp_map_prog_held(prog)) {
		pthread_mutex_unlock(&xdp_attach_lock);
		return;
	}
	xdp_prog_id_forget(prog);
	pthread_mutex_unlock(&xdp_attach_lock);
	/* Only native code the glue made (prog->jit set); a test's C function stays. */
	if (prog->jit && sn_bpf_jit_free)
		sn_bpf_jit_free(prog);
	prog->engine = SN_XDP_ENGINE_AUTO;
}

static __always_inline uint32_t xdp_run(const struct sn_bpf_prog *prog, struct sn_xdp_buff *xdp,
					struct sn_bpf_fault *fault)
{
	fault->reason = SN_BPF_FAULT_NONE;
	if (prog->engine == SN_XDP_ENGINE_JIT && prog->jit_fn) {
		/* The glue checks the frame's tailroom and sets the helpers' run context. */
		if (sn_bpf_jit_run)
			return sn_bpf_jit_run(prog, xdp);
		return (uint32_t)prog->jit_fn(xdp);
	}
	return sn_bpf_interp_run(prog, xdp, fault);
}

uint32_t sn_bpf_prog_run_xdp(const struct sn_bpf_prog *prog, struct sn_xdp_buff *xdp)
{
	struct sn_bpf_fault fault;

	return xdp_run(prog, xdp, &fault);
}

static __always_inline void xdp_buff_from_frame(struct sn_xdp_buff *xdp, struct sn_frame *f,
						struct sn_netdev *rxdev, uint32_t egress_ifindex)
{
	xdp->data_hard_start = f->buf;
	xdp->data = f->data;
	xdp->data_meta = f->data;
	xdp->data_end = f->data + f->len;
	xdp->frame_sz = f->buf_len;
	xdp->ingress_ifindex = rxdev ? sn_dev_xdp_ifindex(rxdev) : 0; /* netdev.h: the XDP ifindex */
	xdp->rx_queue_index = f->rxq;
	xdp->egress_ifindex = egress_ifindex;
	xdp->rxdev = rxdev;
	xdp->frame = f;
}

/* The program may have moved data and data_end (adjust_head/tail): the frame follows. */
static __always_inline void xdp_buff_to_frame(const struct sn_xdp_buff *xdp, struct sn_frame *f)
{
	f->data = xdp->data;
	f->len = (uint32_t)(xdp->data_end - xdp->data);
}

static void xdp_count_run(int ifindex, uint32_t act, const struct sn_bpf_fault *fault)
{
	struct sn_xdp_pcpu_stats *st = __sn_xdp_stats(ifindex);

	if (!st)
		return;
	xdp_pcpu_add(&st->s.runs, 1);
	xdp_pcpu_add(&st->s.action[act <= XDP_REDIRECT ? act : XDP_ABORTED], 1);
	if (fault->reason != SN_BPF_FAULT_NONE && (unsigned int)fault->reason < 16)
		xdp_pcpu_add(&st->s.faults[fault->reason], 1);
}

uint32_t __sn_xdp_run_on_frame(const struct sn_bpf_prog *prog, struct sn_frame *f,
			       struct sn_netdev *rxdev, uint32_t egress_ifindex)
{
	struct sn_bpf_fault fault;
	struct sn_xdp_buff xdp;
	uint32_t act;

	xdp_buff_from_frame(&xdp, f, rxdev, egress_ifindex);
	act = xdp_run(prog, &xdp, &fault);
	xdp_buff_to_frame(&xdp, f);
	if (rxdev)
		xdp_count_run(rxdev->index, act, &fault);
	return act;
}

/* ---- the receive hook ---- */

static bool xdp_rx_hook(struct sn_frame *f)
{
	struct sn_netdev *dev = f->dev;
	struct sn_xdp_attachment *att;
	struct sn_bpf_fault fault;
	struct sn_xdp_buff xdp;
	uint32_t act;
	int err;

	/* A frame a cpumap thread hands to the stack has had its XDP run already. */
	if (unlikely(f->flags & SN_FRAME_F_XDP_DONE)) {
		f->flags &= ~SN_FRAME_F_XDP_DONE;
		return false;
	}
	/* The poll's bpf_net_context and read-side section, before the program is loaded. */
	__sn_xdp_poll_ctx_enter();
	att = __atomic_load_n(&dev->xdp_prog, __ATOMIC_ACQUIRE);
	if (unlikely(!att))
		return false;

	xdp_buff_from_frame(&xdp, f, dev, 0);
	act = xdp_run(att->prog, &xdp, &fault);
	xdp_buff_to_frame(&xdp, f);
	xdp_count_run(dev->index, act, &fault);

	switch (act) {
	case XDP_PASS:
		return false;
	case XDP_DROP:
		sn_dev_count_rx(dev, f->len);
		sn_dev_drop_frame(dev, f, SN_DROP_XDP_DROP);
		return true;
	case XDP_TX:
		sn_dev_count_rx(dev, f->len);
		sn_dev_count_forwarded(dev);
		f->flags |= SN_FRAME_F_XDP_XMIT; /* XDP's size bound, not the stack's (frame.h) */
		sn_dev_queue_xmit(f, dev); /* consumes; a failure is counted on the device */
		return true;
	case XDP_REDIRECT:
		err = sn_xdp_do_redirect(dev, &xdp, att->prog);
		if (likely(!err)) {
			xdp_stat_inc(dev->index, redirect_ok);
			return true;
		}
		{
			struct sn_xdp_pcpu_stats *st = __sn_xdp_stats(dev->index);

			if (st)
				xdp_pcpu_add(&st->s.redirect_err[__sn_xdp_redirect_err_idx(err)], 1);
		}
		sn_dev_count_rx(dev, f->len);
		sn_dev_drop_frame(dev, f, SN_DROP_XDP_REDIRECT_ERR);
		return true;
	default: /* XDP_ABORTED and unknown actions (bpf_warn_invalid_xdp_action) */
		sn_dev_count_rx(dev, f->len);
		sn_dev_drop_frame(dev, f, SN_DROP_XDP_ABORTED);
		return true;
	}
}

/* ---- attach / detach ---- */

static bool xdp_inited;

int sn_xdp_attach(struct sn_netdev *dev, struct sn_bpf_prog *prog)
{
	struct sn_xdp_attachment *att, *old;
	int rc;

	if (!dev || !prog)
		return -EINVAL;
	if (prog->engine != SN_XDP_ENGINE_JIT && prog->engine != SN_XDP_ENGINE_INTERP)
		return -EINVAL; /* not prepared */
	/* dev_xdp_attach(): devmap/cpumap entry programs cannot be attached to a device. */
	if (prog->expected_attach_type == BPF_XDP_DEVMAP ||
	    prog->expected_attach_type == BPF_XDP_CPUMAP)
		return -EINVAL;
	att = calloc(1, sizeof(*att));
	if (!att)
		return -ENOMEM;
	att->prog = prog;
	att->dev = dev;
	pthread_mutex_lock(&xdp_attach_lock);
	if (!xdp_inited) {
		pthread_mutex_unlock(&xdp_attach_lock);
		free(att);
		return -EAGAIN;
	}
	rc = xdp_stats_alloc(dev->index);
	pthread_mutex_unlock(&xdp_attach_lock);
	if (rc) {
		free(att);
		return rc;
	}
	/* Start the threads of the cpumaps the program may redirect to. */
	for (uint32_t i = 0; i < prog->nr_maps; i++)
		if (prog->maps[i] && sn_map__type(prog->maps[i]) == BPF_MAP_TYPE_CPUMAP)
			sn_xdp_cpumap_sync(prog->maps[i]);

	old = __atomic_exchange_n((struct sn_xdp_attachment **)&dev->xdp_prog, att,
				  __ATOMIC_ACQ_REL);
	if (old) {
		sn_xdp_synchronize();
		free(old);
	}
	return 0;
}

int sn_xdp_detach(struct sn_netdev *dev)
{
	struct sn_xdp_attachment *old;

	if (!dev)
		return -EINVAL;
	old = __atomic_exchange_n((struct sn_xdp_attachment **)&dev->xdp_prog, NULL,
				  __ATOMIC_ACQ_REL);
	if (!old)
		return -ENOENT;
	sn_xdp_synchronize();
	free(old);
	return 0;
}

struct sn_bpf_prog *sn_xdp_attached(struct sn_netdev *dev)
{
	struct sn_xdp_attachment *att;

	if (!dev)
		return NULL;
	att = __atomic_load_n((struct sn_xdp_attachment **)&dev->xdp_prog, __ATOMIC_ACQUIRE);
	return att ? att->prog : NULL;
}

/* ---- init / fini ---- */

static void (*xdp_prev_post_poll)(struct sn_napi *n);

static void xdp_post_poll(struct sn_napi *n)
{
	void (*prev)(struct sn_napi *) = __atomic_load_n(&xdp_prev_post_poll, __ATOMIC_ACQUIRE);

	if (prev)
		prev(n);
	__sn_xdp_poll_ctx_exit();
}

int sn_xdp_init(void)
{
	int rc;

	pthread_mutex_lock(&xdp_attach_lock);
	if (xdp_inited) {
		pthread_mutex_unlock(&xdp_attach_lock);
		return 0;
	}
	rc = __sn_xdp_redirect_init();
	if (rc) {
		pthread_mutex_unlock(&xdp_attach_lock);
		return rc;
	}
	if (__atomic_load_n(&sn_napi_post_poll_hook, __ATOMIC_ACQUIRE) != xdp_post_poll) {
		__atomic_store_n(&xdp_prev_post_poll,
				 __atomic_load_n(&sn_napi_post_poll_hook, __ATOMIC_ACQUIRE),
				 __ATOMIC_RELEASE);
		__atomic_store_n(&sn_napi_post_poll_hook, xdp_post_poll, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&sn_xdp_rx_hook, xdp_rx_hook, __ATOMIC_RELEASE);
	xdp_inited = true;
	pthread_mutex_unlock(&xdp_attach_lock);
	return 0;
}

void sn_xdp_fini(void)
{
	struct sn_netdev *dev;
	int i;

	pthread_mutex_lock(&xdp_attach_lock);
	if (!xdp_inited) {
		pthread_mutex_unlock(&xdp_attach_lock);
		return;
	}
	xdp_inited = false;
	pthread_mutex_unlock(&xdp_attach_lock);

	sn_for_each_netdev(dev, i)
		sn_xdp_detach(dev);
	__sn_xdp_cpumap_fini();
	__atomic_store_n(&sn_xdp_rx_hook, NULL, __ATOMIC_RELEASE);
	if (__atomic_load_n(&sn_napi_post_poll_hook, __ATOMIC_ACQUIRE) == xdp_post_poll)
		__atomic_store_n(&sn_napi_post_poll_hook,
				 __atomic_load_n(&xdp_prev_post_poll, __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
	__atomic_store_n(&xdp_prev_post_poll, NULL, __ATOMIC_RELEASE);
	sn_xdp_synchronize();
	__sn_xdp_redirect_fini();
	sn_xdp_map_prog_reap();

	pthread_mutex_lock(&xdp_attach_lock);
	for (i = 0; i < SN_MAX_DEVS; i++) {
		free_percpu(xdp_dev_stats[i]);
		xdp_dev_stats[i] = NULL;
	}
	memset(xdp_prog_ids, 0, sizeof(xdp_prog_ids));
	pthread_mutex_unlock(&xdp_attach_lock);
}
