/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpf_interp_internal.h - what the interpreter (bpf_interp.c) and the helpers (bpf_helpers.c)
 * share: the region check both use, the grant table of map values, the limits of the
 * xdp_adjust_* helpers, and the hook the stack fills for bpf_fib_lookup().
 *
 * Regions a program may touch (bpf_interp.h), checked in this order, cheapest first:
 *   1. the stack: the current frame and its callers' frames (the verifier lets a callee use a
 *      pointer into its caller's stack, so the active frames are one contiguous range);
 *   2. the packet [data_meta, data_end), read/write, re-read at each check because the
 *      adjust helpers move it;
 *   3. the ctx [0, SN_XDP_CTX_VISIBLE_SIZE), read-only; any write, or a read past the visible
 *      fields, is SN_BPF_FAULT_CTX;
 *   4. map values granted by lookups in this run (rc->grants);
 *   5. the value of every 1-entry ARRAY map the program references: global data (.data,
 *      .rodata, .bss, .kconfig) are such maps, and the loader resolves ld_imm64 MAP_VALUE into
 *      direct pointers into them, which the kernel allows for 1-entry arrays only
 *      (array_map_direct_value_addr()). The region is [value(0), value(0) + value_size); the
 *      slot padding up to round_up(value_size, 8) (maps/map_array.c) stays out. Maps with
 *      BPF_F_RDONLY_PROG (libbpf sets it on .rodata and .kconfig) or an object's .rodata map are
 *      read-only. A region found this way is added to the grant table (one scan per run).
 *      Values of other maps are reachable only through the pointer a lookup returned, for
 *      value_size bytes, as the verifier's PTR_TO_MAP_VALUE.
 *
 * Context: the run of one program on one task (BH, no migration).
 */
#ifndef XDP_BPF_INTERP_INTERNAL_H
#define XDP_BPF_INTERP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "xdp/bpf_interp.h"

/*
 * Headroom the kernel keeps for struct xdp_frame at data_hard_start (bpf_xdp_adjust_head/meta
 * refuse to move data or data_meta below data_hard_start + this). 40 bytes on 64-bit from 6.1
 * to 6.18 (the layout changed, the size did not). softnetd stores nothing there, but keeping the
 * same limit gives the same verdicts as the kernel in the differential suite.
 */
#define SN_XDP_FRAME_RESERVE 40
/*
 * Tailroom the kernel keeps for struct skb_shared_info at the end of the frame
 * (xdp_data_hard_end(): frame_sz - SKB_DATA_ALIGN(sizeof(struct skb_shared_info))) = 320 on
 * x86_64; bpf_xdp_adjust_tail() may not grow data_end past it.
 */
#define SN_XDP_TAILROOM_RESERVE 320
#define SN_ETH_HLEN 14
/*
 * xdp_metalen_invalid(): metadata is a multiple of 4 bytes, at most type_max(skb_shared_info's
 * u8 meta_len) = 255 since 6.6 (32 before); found by tests/differential against 6.18.
 */
#define SN_XDP_META_MAX 255

/*
 * bpf_fib_lookup() asks the stack through this hook (set by the stack at start-up; NULL until
 * then, and the helper answers BPF_FIB_LKUP_RET_NOT_FWDED). @params is a struct bpf_fib_lookup
 * the helper has checked to be writable for @plen bytes (params->ifindex is the ingress device).
 * Return: a BPF_FIB_LKUP_RET_* code or -errno, as the kernel helper returns.
 */
extern int (*sn_bpf_fib_lookup_hook)(void *params, int plen, uint32_t flags);

/* Region check for [a, a + size). Return: SN_BPF_FAULT_NONE, _MEM or _CTX. */
enum sn_bpf_fault_reason sn_bpf_region_check_slow(struct sn_bpf_run_ctx *rc, uint64_t a,
						  uint32_t size, bool write);

static inline bool __sn_bpf_in(uint64_t a, uint32_t size, uint64_t lo, uint64_t hi)
{
	return a >= lo && a <= hi && size <= hi - a;
}

static inline enum sn_bpf_fault_reason sn_bpf_region_check(struct sn_bpf_run_ctx *rc, uint64_t a,
							   uint32_t size, bool write)
{
	if (__sn_bpf_in(a, size, (uint64_t)(uintptr_t)rc->stack_lo,
			(uint64_t)(uintptr_t)rc->stack_hi))
		return SN_BPF_FAULT_NONE;
	if (__sn_bpf_in(a, size, (uint64_t)(uintptr_t)rc->xdp->data_meta,
			(uint64_t)(uintptr_t)rc->xdp->data_end))
		return SN_BPF_FAULT_NONE;
	return sn_bpf_region_check_slow(rc, a, size, write);
}

/* Record [p, p + size) as a map value the program may use for the rest of the run. */
void sn_bpf_grant(struct sn_bpf_run_ctx *rc, const void *p, uint32_t size, bool writable);

/* May the program write @map's values (no BPF_F_RDONLY_PROG, not an object's .rodata)? */
bool sn_bpf_map_prog_writable(const struct sn_bpf_prog *prog, const struct sn_map *map);

/* A helper refuses its arguments: the program ends as XDP_ABORTED. Return: 0 (for r0). */
uint64_t sn_bpf_helper_refuse(struct sn_bpf_run_ctx *rc);

#endif /* XDP_BPF_INTERP_INTERNAL_H */
