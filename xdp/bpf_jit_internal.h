/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpf_jit_internal.h - what the JIT's preparation (bpf_jit.c) and the entries its native code
 * calls for helpers (bpf_jit_calls.c) share: the per-program state made at prepare time and the
 * run context of the current task.
 *
 * Helper calls from native code reach one of three kinds of entry (xsym[] of librte_bpf):
 *   - per helper id: looks nothing up, calls the helper's function with the run context
 *     (sn_jit_helper_entry());
 *   - bpf_map_lookup_elem / bpf_redirect_map on a map proven at prepare time (an ld_imm64 of
 *     the map into r1 on the straight line before the call): one entry per slot of the
 *     program's map table, which calls that map's own lookup function directly
 *     (sn_jit_lookup_entry(), sn_jit_redirect_entry()), as the kernel's verifier rewrites such
 *     calls into the map type's lookup (do_misc_fixups);
 *   - the same two helpers on a map not known at prepare time: one entry each that finds the
 *     map in the table first.
 * Context: entries run in the BH context of a task that cannot migrate, inside sn_bpf_jit_run().
 */
#ifndef XDP_BPF_JIT_INTERNAL_H
#define XDP_BPF_JIT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "xdp/bpf_interp.h"
#include "xdp/bpf_prog.h"

#define SN_JIT_NR_WRAPPERS 256 /* helper ids 0..255 (the kernel has ~212) */
#define SN_JIT_FAST_MAPS 16     /* map table slots: programs with more maps use the helpers */

struct sn_map;
struct rte_bpf;

typedef void *(*sn_jit_lookup_fn)(struct sn_map *map, const void *key);
typedef uint64_t (*sn_jit_wrapper_fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

/* What the map helpers need to know of each map of the program, computed once at prepare. */
struct sn_jit_map_facts {
	struct sn_map *map;
	sn_jit_lookup_fn lookup; /* the map's own datapath lookup (sn_map__lookup_fn()) */
	uint32_t type;           /* enum bpf_map_type (sn_map__type()) */
	uint32_t key_size, value_size;
	bool writable;    /* sn_bpf_map_prog_writable() */
	bool lookup_ok;   /* not a cpumap */
	bool redirect_ok; /* a devmap, devmap_hash, cpumap or xskmap */
};

/* What sn_bpf_jit_prepare() keeps besides the struct rte_bpf (prog->jit). */
struct sn_jit_state {
	struct rte_bpf *bpf;
	bool uses_r10;
	/*
	 * Some helper argument that the helper checks as memory may point into a map value, so
	 * lookups must record the values they hand out (sn_bpf_grant()). False when prepare proved
	 * every such argument of every call to be r10 plus a constant (bpf_jit.c: jit_scan()):
	 * a stack address is never inside a map value, so the grants could decide nothing.
	 */
	bool grants;
	uint32_t nr_maps; /* 0 when the program has more maps than fit: generic helper */
	struct sn_jit_map_facts maps[SN_JIT_FAST_MAPS];
};

/* The run of one program on this task: what the helpers see, and the program's state. */
struct sn_jit_run {
	struct sn_bpf_run_ctx rc;
	const struct sn_jit_state *st; /* NULL for native code sn_bpf_jit_prepare() did not make */
};

/* The run of this task; NULL outside sn_bpf_jit_run(). Nested runs save and restore it. */
extern __thread struct sn_jit_run *sn_jit_cur;

/* The entry for helper @id (@h its description); registers h->fn for the entry's use. */
sn_jit_wrapper_fn sn_jit_helper_entry(int32_t id, const struct sn_bpf_helper *h);
/* The entry for bpf_map_lookup_elem / bpf_redirect_map on the map of table slot @slot. */
sn_jit_wrapper_fn sn_jit_lookup_entry(uint32_t slot);
sn_jit_wrapper_fn sn_jit_redirect_entry(uint32_t slot);

/* Fill @st's map table from @prog's maps (none if they do not all fit). */
void sn_jit_map_facts_fill(struct sn_jit_state *st, const struct sn_bpf_prog *prog);

#endif /* XDP_BPF_JIT_INTERNAL_H */
