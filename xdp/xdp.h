/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xdp.h - XDP on softnetd's ports: attach, run in the receive path, act on the verdict, redirect.
 *
 * sn_xdp_attach() puts a prepared program on a device (all its rx queues); sn_netif_receive_frame()
 * then calls the XDP hook for each frame before the stack (net/netdev.h sn_xdp_rx_hook):
 *   XDP_PASS      the frame (with data/len as the program left them) goes on to the stack;
 *   XDP_DROP      freed with napi_direct, counted SN_DROP_XDP_DROP;
 *   XDP_TX        sent back out of the rx device (sn_dev_queue_xmit);
 *   XDP_REDIRECT  xdp_do_redirect(): the target recorded by bpf_redirect/_map in this task's
 *                 bpf_net_context is resolved and the frame enqueued in a per-CPU bulk queue:
 *                 devmap (16 frames, DEV_MAP_BULK_SIZE) and cpumap (8, CPU_MAP_BULK_SIZE), each
 *                 under its own local_lock_nested_bh (the upstream 2026 RT fix); errors counted by
 *                 errno as xdp-bench -e does;
 *   XDP_ABORTED   counted SN_DROP_XDP_ABORTED (+ the fault reason), freed.
 * Verdicts and errors are counted per CPU per device per program (sn_xdp_stats_read()).
 *
 * ifindex: bpf_redirect(), devmap/devmap_hash values and xdp_md's ingress/egress_ifindex hold a
 * device's XDP ifindex (net/netdev.h sn_dev_xdp_ifindex()): the kernel ifindex of the interface
 * under the port, else 0x10000 + its softnetd index; sn_dev_get_by_ifindex() resolves it
 * (bpf_redirect() to none: -EINVAL; a devmap value naming a kernel interface that is no port:
 * -ENOENT). One object and one set of map contents thus behave alike here and in the kernel.
 *
 * bpf_net_context (KERNEL.md §6): per task (current->bpf_net_context). The first XDP run of a
 * NAPI poll sets it if none is set (outermost-setter rule: an inner set is a no-op and only the
 * setter clears); the post-poll hook (sn_napi_post_poll_hook) runs xdp_do_flush() — flushing the
 * devmap and cpumap bulk queues on this CPU's flush lists — and clears it. Debug builds check that
 * no bulk queue is left unflushed at the end of a poll ("Missing xdp_do_flush()").
 *
 * Replacing or detaching a program while traffic flows is safe: the pointer is swapped
 * atomically and the old program is freed only after every CPU has finished a poll since.
 *
 * Context: attach/detach/init from thread context; the hook and redirect in BH context.
 */
#ifndef XDP_XDP_H
#define XDP_XDP_H

#include <stdbool.h>
#include <stdint.h>

#include "xdp/bpf_prog.h"
#include "xdp/xdp_buff.h"

struct sn_netdev;
struct sn_frame;

#define DEV_MAP_BULK_SIZE 16
#define CPU_MAP_BULK_SIZE 8

/* Install the XDP hook and the post-poll flush. Context: thread, before traffic. */
int sn_xdp_init(void);
void sn_xdp_fini(void);

/*
 * Choose the engine for @prog (opts engine AUTO: JIT if librte_bpf accepts it, else the
 * interpreter; the choice and reason are logged once). Return: 0 or -errno with @err.
 */
int sn_bpf_prog_prepare(struct sn_bpf_prog *prog, enum sn_xdp_engine engine, char *err,
			size_t errlen);
void sn_bpf_prog_unprepare(struct sn_bpf_prog *prog);

/* Run @prog on @xdp with its engine. Return: the action. Context: BH. */
uint32_t sn_bpf_prog_run_xdp(const struct sn_bpf_prog *prog, struct sn_xdp_buff *xdp);

/* Attach (replace) / detach @prog on @dev. Return: 0 or -errno. Context: thread. */
int sn_xdp_attach(struct sn_netdev *dev, struct sn_bpf_prog *prog);
int sn_xdp_detach(struct sn_netdev *dev);
struct sn_bpf_prog *sn_xdp_attached(struct sn_netdev *dev);

/* The per-device, all-CPU counters: verdicts, redirect errors by errno, faults by reason. */
struct sn_xdp_stats {
	uint64_t runs;
	uint64_t action[5];          /* XDP_ABORTED..XDP_REDIRECT */
	uint64_t redirect_ok;
	uint64_t redirect_err[8];    /* by errno class: see sn_xdp_redirect_err_name() */
	uint64_t faults[16];         /* by enum sn_bpf_fault_reason */
	uint64_t devmap_xmit, devmap_drops, cpumap_enqueue, cpumap_drops, cpumap_kthread_pkts;
	uint64_t devmap_bulks;       /* devmap bulk queue transmissions (bq_xmit_all) */
};
void sn_xdp_stats_read(struct sn_netdev *dev, struct sn_xdp_stats *out);
const char *sn_xdp_redirect_err_name(int idx);

/* --- Redirect machinery (xdp_redirect.c) --- */
struct sn_map;
/* The helpers bpf_redirect() and bpf_redirect_map(). Return: XDP_REDIRECT or the fallback. */
long sn_bpf_redirect(uint32_t ifindex, uint64_t flags);
long sn_bpf_redirect_map(struct sn_map *map, uint64_t key, uint64_t flags);
/* The same with the map's type (sn_map__type()) and datapath lookup (sn_map__lookup_fn())
 * resolved by the caller once, as the JIT does at prepare time. */
long __sn_bpf_redirect_map(struct sn_map *map, enum bpf_map_type type,
			   void *(*lookup)(struct sn_map *map, const void *key), uint64_t key,
			   uint64_t flags);
/* After XDP_REDIRECT: enqueue @xdp's frame to the recorded target. Return: 0 or -errno. */
int sn_xdp_do_redirect(struct sn_netdev *dev, struct sn_xdp_buff *xdp,
		       const struct sn_bpf_prog *prog);
/* Flush this CPU's devmap/cpumap bulk queues. Context: BH, end of poll. */
void sn_xdp_do_flush(void);

/*
 * cpumap entries run a thread "cpumap/<cpu>/map:<id>" pinned to <cpu> with a ring of qsize
 * frames. The map module knows nothing of them, so after updating a cpumap from thread context
 * call sn_xdp_cpumap_sync() to start/stop the threads to match its entries (sn_xdp_attach() syncs
 * every cpumap the program references). A redirect to an entry without a thread fails -ENOENT.
 * Return: 0 or -errno (-ENOMEM, a thread creation error). Context: thread.
 */
int sn_xdp_cpumap_sync(struct sn_map *map);
/* Stop every cpumap thread of @map (before sn_map__free()). Context: thread. */
void sn_xdp_cpumap_release(struct sn_map *map);

/* --- Kernel mode (xdp_kernel.c) --- */
enum sn_xdp_kernel_mode { SN_XDP_KERNEL_NATIVE, SN_XDP_KERNEL_SKB };
struct sn_xdp_kernel_attach;
/*
 * Attach the object's program @prog_name to kernel interface @ifname through libxdp, its maps
 * created preallocated by libbpf and pinned under @pin_dir (default /sys/fs/bpf/softnetd/<if>).
 * @describe receives "native, libxdp single-program mode" or similar.
 * Return: the attachment, or NULL with @err.
 */
struct sn_xdp_kernel_attach *sn_xdp_kernel_attach(const char *obj_path, const char *prog_name,
						  const char *ifname, enum sn_xdp_kernel_mode mode,
						  const char *pin_dir, char *describe,
						  size_t describe_len, char *err, size_t errlen);
/* Detach and unpin everything it created. */
void sn_xdp_kernel_detach(struct sn_xdp_kernel_attach *a);

#endif /* XDP_XDP_H */
