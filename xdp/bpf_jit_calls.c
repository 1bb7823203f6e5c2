// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_jit_calls.c - the entries native code calls for helpers (see bpf_jit_internal.h for the
 * three kinds), and the prepare-time table of the program's maps they use.
 *
 * Helpers called from native code get (r1..r5) only: the run context travels in a per-task
 * pointer (sn_jit_cur) that sn_bpf_jit_run() sets around the call, and each entry fills in the
 * stack region of the running program before a helper checks a pointer argument, so the
 * helpers' region checks (sn_bpf_mem_ok) see exactly the native BPF frame.
 *
 * librte_bpf's JIT (lib/bpf/bpf_jit_x86.c) maps BPF r10 to %rbp, lays the BPF stack at
 * [%rbp - stack_sz, %rbp) and calls helpers with %rsp = %rbp - stack_sz, a size the validator
 * does not round to 16: the entries therefore realign the stack (force_align_arg_pointer).
 */
#include <string.h>

#include "bhlock/compiler.h"
#include "maps/map.h"
#include "maps/map_hash_fast.h" /* sn_map__lookup_fn(), the inline HASH lookup */
#include "xdp/bpf_interp_internal.h"
#include "xdp/bpf_jit_internal.h"
#include "xdp/xdp.h" /* sn_bpf_redirect_map() */

__thread struct sn_jit_run *sn_jit_cur;

struct sn_bpf_run_ctx *sn_bpf_jit_run_ctx(void)
{
	struct sn_jit_run *run = sn_jit_cur;

	return run ? &run->rc : NULL;
}

/*
 * The helpers' functions by id, filled by sn_jit_helper_entry() for each helper a program calls
 * (always the same value for an id: racing prepares store the same pointer). An entry calls
 * through it directly instead of looking the helper up on every call.
 */
static sn_bpf_helper_fn sn_jit_helper_fns[SN_JIT_NR_WRAPPERS];

/*
 * The program uses r10: refresh the frame bounds the helpers check stack arguments against.
 * @cfa is %rsp of the native code at the call (the bottom of the BPF frame); @bpf_fp its %rbp
 * (BPF r10, the top) — meaningful only when the program uses r10, else the region stays empty.
 */
static __always_inline void sn_jit_frame(struct sn_bpf_run_ctx *rc, void *cfa, void *bpf_fp)
{
	if (rc->stack_hi) {
		uint8_t *lo = cfa, *hi = bpf_fp;

		if (hi >= lo && hi - lo <= SN_BPF_STACK_SIZE) {
			rc->stack_lo = lo;
			rc->stack_hi = hi;
		} else {
			rc->stack_lo = rc->stack_hi = (uint8_t *)1; /* unexpected layout: no stack */
		}
	}
}

static __always_inline uint64_t sn_jit_call(int32_t id, uint64_t r1, uint64_t r2, uint64_t r3,
					    uint64_t r4, uint64_t r5, void *cfa, void *bpf_fp)
{
	struct sn_bpf_run_ctx *rc = &sn_jit_cur->rc;
	sn_bpf_helper_fn fn = __atomic_load_n(&sn_jit_helper_fns[id], __ATOMIC_RELAXED);

	sn_jit_frame(rc, cfa, bpf_fp);
	return fn(r1, r2, r3, r4, r5, rc);
}

/*
 * The caller's frame pointer saved at our frame address. The JIT's code does not keep the stack
 * aligned (hence force_align_arg_pointer), so the slot may be misaligned: read it bytewise.
 */
static __always_inline void *sn_jit_saved_fp(const void *frame)
{
	void *fp;

	memcpy(&fp, frame, sizeof(fp));
	return fp;
}

#define SN_JIT_ENTRY __attribute__((noinline, force_align_arg_pointer)) static uint64_t
#define SN_JIT_CFA __builtin_dwarf_cfa()
#define SN_JIT_FP sn_jit_saved_fp(__builtin_frame_address(0))

/* ---- one entry per helper id ---- */

#define SN_JIT_WRAPPER(t, id)                                                                      \
	SN_JIT_ENTRY sn_jit_w##t(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5)  \
	{                                                                                          \
		return sn_jit_call(id, r1, r2, r3, r4, r5, SN_JIT_CFA, SN_JIT_FP);                 \
	}
/* Base-4 digits in the name: sn_jit_w_0123 serves helper 0*64 + 1*16 + 2*4 + 3 = 27. */
#define SN_JIT_W4(t, v)                                                                            \
	SN_JIT_WRAPPER(t##0, (v)*4 + 0) SN_JIT_WRAPPER(t##1, (v)*4 + 1)                            \
	SN_JIT_WRAPPER(t##2, (v)*4 + 2) SN_JIT_WRAPPER(t##3, (v)*4 + 3)
#define SN_JIT_W16(t, v)                                                                           \
	SN_JIT_W4(t##0, (v)*4 + 0) SN_JIT_W4(t##1, (v)*4 + 1) SN_JIT_W4(t##2, (v)*4 + 2)           \
	SN_JIT_W4(t##3, (v)*4 + 3)
#define SN_JIT_W64(t, v)                                                                           \
	SN_JIT_W16(t##0, (v)*4 + 0) SN_JIT_W16(t##1, (v)*4 + 1) SN_JIT_W16(t##2, (v)*4 + 2)        \
	SN_JIT_W16(t##3, (v)*4 + 3)
#define SN_JIT_W256(t)                                                                             \
	SN_JIT_W64(t##0, 0) SN_JIT_W64(t##1, 1) SN_JIT_W64(t##2, 2) SN_JIT_W64(t##3, 3)
SN_JIT_W256(_)
#undef SN_JIT_WRAPPER
#define SN_JIT_WRAPPER(t, id) [id] = sn_jit_w##t,
static const sn_jit_wrapper_fn sn_jit_wrappers[SN_JIT_NR_WRAPPERS] = { SN_JIT_W256(_) };
#undef SN_JIT_WRAPPER

/* ---- bpf_map_lookup_elem ---- */

/*
 * The lookup of map @m: h_map_lookup_elem's checks and effects (not a cpumap, the key
 * readable, the value granted to the run when grants can matter), with the map's facts from
 * the prepare-time table and its own lookup function called directly.
 */
static __always_inline uint64_t sn_jit_lookup(struct sn_jit_run *run,
					      const struct sn_jit_map_facts *m, uint64_t r2,
					      void *cfa, void *bpf_fp)
{
	struct sn_bpf_run_ctx *rc = &run->rc;
	uint64_t lo = (uint64_t)(uintptr_t)cfa, hi = (uint64_t)(uintptr_t)bpf_fp;
	void *v;

	if (unlikely(!m->lookup_ok))
		return sn_bpf_helper_refuse(rc);
	/*
	 * The key in the native frame (the usual case): what the region check would answer first,
	 * without storing the frame bounds. Else the full check, as sn_bpf_mem_ok() does it (keys
	 * are never 0 bytes long).
	 */
	if (unlikely(!rc->stack_hi || hi < lo || hi - lo > SN_BPF_STACK_SIZE ||
		     !__sn_bpf_in(r2, m->key_size, lo, hi))) {
		sn_jit_frame(rc, cfa, bpf_fp);
		if (sn_bpf_region_check(rc, r2, m->key_size, false) != SN_BPF_FAULT_NONE)
			return sn_bpf_helper_refuse(rc);
	}
	/* The commonest table inline (HASH, 4-byte key), as the kernel inlines its lookups. */
	if (m->lookup == sn_htab_lookup_elem_key4)
		v = __sn_htab_lookup_elem_key4(m->map, (const void *)(uintptr_t)r2);
	else
		v = m->lookup(m->map, (const void *)(uintptr_t)r2);
	if (v && run->st->grants)
		sn_bpf_grant(rc, v, m->value_size, m->writable);
	return (uint64_t)(uintptr_t)v;
}

/* The map in r1 not known at prepare time: find it in the table first. */
static __always_inline uint64_t sn_jit_lookup_any(struct sn_jit_run *run, uint64_t r1,
						  uint64_t r2, uint64_t r3, uint64_t r4,
						  uint64_t r5, void *cfa, void *bpf_fp)
{
	const struct sn_jit_state *st = run->st;

	if (unlikely(!st || !st->nr_maps))
		return sn_jit_call(BPF_FUNC_map_lookup_elem, r1, r2, r3, r4, r5, cfa, bpf_fp);
	for (uint32_t i = 0; i < st->nr_maps; i++)
		if ((uint64_t)(uintptr_t)st->maps[i].map == r1)
			return sn_jit_lookup(run, &st->maps[i], r2, cfa, bpf_fp);
	return sn_bpf_helper_refuse(&run->rc);
}

SN_JIT_ENTRY sn_jit_w_lookup(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5)
{
	return sn_jit_lookup_any(sn_jit_cur, r1, r2, r3, r4, r5, SN_JIT_CFA, SN_JIT_FP);
}

/*
 * The map proven at prepare time: slot @slot of the table. r1 is compared all the same (one
 * compare): should it ever differ, the search above decides, so nothing rests on the proof.
 */
static __always_inline uint64_t sn_jit_lookup_slot(uint32_t slot, uint64_t r1, uint64_t r2,
						   uint64_t r3, uint64_t r4, uint64_t r5,
						   void *cfa, void *bpf_fp)
{
	struct sn_jit_run *run = sn_jit_cur;
	const struct sn_jit_map_facts *m = &run->st->maps[slot];

	if (unlikely((uint64_t)(uintptr_t)m->map != r1))
		return sn_jit_lookup_any(run, r1, r2, r3, r4, r5, cfa, bpf_fp);
	return sn_jit_lookup(run, m, r2, cfa, bpf_fp);
}

/* ---- bpf_redirect_map ---- */

/* h_redirect_map's checks, the map found in the table. No pointer argument: no frame refresh. */
static __always_inline uint64_t sn_jit_redirect_any(struct sn_jit_run *run, uint64_t r1,
						    uint64_t r2, uint64_t r3, uint64_t r4,
						    uint64_t r5, void *cfa, void *bpf_fp)
{
	const struct sn_jit_state *st = run->st;

	if (unlikely(!st || !st->nr_maps))
		return sn_jit_call(BPF_FUNC_redirect_map, r1, r2, r3, r4, r5, cfa, bpf_fp);
	for (uint32_t i = 0; i < st->nr_maps; i++)
		if ((uint64_t)(uintptr_t)st->maps[i].map == r1 && st->maps[i].redirect_ok)
			return (uint64_t)(int64_t)sn_bpf_redirect_map(st->maps[i].map, r2, r3);
	return sn_bpf_helper_refuse(&run->rc);
}

SN_JIT_ENTRY sn_jit_w_redirect_map(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				   uint64_t r5)
{
	return sn_jit_redirect_any(sn_jit_cur, r1, r2, r3, r4, r5, SN_JIT_CFA, SN_JIT_FP);
}

/* The map proven at prepare time (see sn_jit_lookup_slot()). */
static __always_inline uint64_t sn_jit_redirect_slot(uint32_t slot, uint64_t r1, uint64_t r2,
						     uint64_t r3, uint64_t r4, uint64_t r5,
						     void *cfa, void *bpf_fp)
{
	struct sn_jit_run *run = sn_jit_cur;
	const struct sn_jit_map_facts *m = &run->st->maps[slot];

	if (unlikely((uint64_t)(uintptr_t)m->map != r1 || !m->redirect_ok))
		return sn_jit_redirect_any(run, r1, r2, r3, r4, r5, cfa, bpf_fp);
	return (uint64_t)(int64_t)__sn_bpf_redirect_map(m->map, (enum bpf_map_type)m->type, m->lookup,
							 r2, r3);
}

/* One lookup and one redirect entry per table slot. */
#define SN_JIT_SLOT(i)                                                                             \
	SN_JIT_ENTRY sn_jit_lookup_s##i(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,        \
					uint64_t r5)                                               \
	{                                                                                          \
		return sn_jit_lookup_slot(i, r1, r2, r3, r4, r5, SN_JIT_CFA, SN_JIT_FP);           \
	}                                                                                          \
	SN_JIT_ENTRY sn_jit_redirect_s##i(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,      \
					  uint64_t r5)                                             \
	{                                                                                          \
		return sn_jit_redirect_slot(i, r1, r2, r3, r4, r5, SN_JIT_CFA, SN_JIT_FP);         \
	}
#define SN_JIT_SLOTS(X)                                                                            \
	X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
SN_JIT_SLOTS(SN_JIT_SLOT)
#undef SN_JIT_SLOT
#define SN_JIT_SLOT(i) [i] = sn_jit_lookup_s##i,
static const sn_jit_wrapper_fn sn_jit_lookup_slots[SN_JIT_FAST_MAPS] = {
	SN_JIT_SLOTS(SN_JIT_SLOT)
};
#undef SN_JIT_SLOT
#define SN_JIT_SLOT(i) [i] = sn_jit_redirect_s##i,
static const sn_jit_wrapper_fn sn_jit_redirect_slots[SN_JIT_FAST_MAPS] = {
	SN_JIT_SLOTS(SN_JIT_SLOT)
};
#undef SN_JIT_SLOT

/* ---- what bpf_jit.c asks for ---- */

sn_jit_wrapper_fn sn_jit_helper_entry(int32_t id, const struct sn_bpf_helper *h)
{
	if (id < 0 || id >= SN_JIT_NR_WRAPPERS)
		return NULL;
	__atomic_store_n(&sn_jit_helper_fns[id], h->fn, __ATOMIC_RELAXED);
	switch (id) {
	case BPF_FUNC_map_lookup_elem:
		return sn_jit_w_lookup;
	case BPF_FUNC_redirect_map:
		return sn_jit_w_redirect_map;
	default:
		return sn_jit_wrappers[id];
	}
}

sn_jit_wrapper_fn sn_jit_lookup_entry(uint32_t slot)
{
	return slot < SN_JIT_FAST_MAPS ? sn_jit_lookup_slots[slot] : NULL;
}

sn_jit_wrapper_fn sn_jit_redirect_entry(uint32_t slot)
{
	return slot < SN_JIT_FAST_MAPS ? sn_jit_redirect_slots[slot] : NULL;
}

void sn_jit_map_facts_fill(struct sn_jit_state *st, const struct sn_bpf_prog *prog)
{
	st->nr_maps = 0;
	if (prog->nr_maps > SN_JIT_FAST_MAPS)
		return;
	for (uint32_t i = 0; i < prog->nr_maps; i++) {
		struct sn_jit_map_facts *m = &st->maps[i];

		m->map = prog->maps[i];
		m->lookup = sn_map__lookup_fn(m->map);
		m->type = sn_map__type(m->map);
		m->key_size = sn_map__key_size(m->map);
		m->value_size = sn_map__value_size(m->map);
		m->writable = sn_bpf_map_prog_writable(prog, m->map);
		m->lookup_ok = sn_map__type(m->map) != BPF_MAP_TYPE_CPUMAP;
		switch (sn_map__type(m->map)) {
		case BPF_MAP_TYPE_DEVMAP:
		case BPF_MAP_TYPE_DEVMAP_HASH:
		case BPF_MAP_TYPE_CPUMAP:
		case BPF_MAP_TYPE_XSKMAP:
			m->redirect_ok = true;
			break;
		default:
			m->redirect_ok = false;
		}
	}
	st->nr_maps = prog->nr_maps;
}
