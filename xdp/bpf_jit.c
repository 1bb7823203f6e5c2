// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_jit.c - the JIT engine: a loaded program handed to DPDK librte_bpf (validator + x86-64
 * JIT), helpers reached through per-id wrappers. What the native code is proven to do, and what
 * not, is in bpf_jit.h.
 *
 * Helpers called from native code get (r1..r5) only: the run context travels in a per-task
 * pointer (sn_jit_cur) that sn_bpf_jit_run() sets around the call, and each wrapper fills in the
 * stack region of the running program before calling the helper, so the helpers' region checks
 * (sn_bpf_mem_ok) see exactly the native BPF frame.
 *
 * librte_bpf's JIT (lib/bpf/bpf_jit_x86.c) maps BPF r10 to %rbp, lays the BPF stack at
 * [%rbp - stack_sz, %rbp) and calls helpers with %rsp = %rbp - stack_sz, a size the validator
 * does not round to 16: the wrappers therefore realign the stack (force_align_arg_pointer).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <rte_bpf.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "maps/map.h"
#include "xdp/bpf_interp_internal.h"
#include "xdp/bpf_jit.h"
#include "xdp/xdp.h" /* sn_bpf_redirect_map() */

_Static_assert(sizeof(struct ebpf_insn) == sizeof(struct bpf_insn), "insn layout");
_Static_assert(SN_BPF_JIT_PKT_WINDOW <= SN_XDP_TAILROOM_RESERVE, "window inside the tailroom");
_Static_assert(SN_XDP_CTX_OFF_DATA == 0, "data where rte_mbuf has buf_addr");

#define SN_JIT_NR_WRAPPERS 256 /* helper ids 0..255 (the kernel has ~212) */

/* The run of this task; NULL outside sn_bpf_jit_run(). Nested runs save and restore it. */
static __thread struct sn_bpf_run_ctx *sn_jit_cur;

static uint64_t sn_jit_fallbacks, sn_jit_refused;

struct sn_bpf_run_ctx *sn_bpf_jit_run_ctx(void)
{
	return sn_jit_cur;
}

/*
 * What a wrapper does. @cfa is %rsp of the native code at the call (the bottom of the BPF
 * frame); @bpf_fp its %rbp (BPF r10, the top) — meaningful only when the program uses r10,
 * else the region stays empty.
 */
/*
 * The helpers' functions by id, filled by sn_bpf_jit_prepare() for each helper a program calls
 * (always the same value for an id: racing prepares store the same pointer). A wrapper calls
 * through it directly instead of looking the helper up on every call.
 */
static sn_bpf_helper_fn sn_jit_helper_fns[SN_JIT_NR_WRAPPERS];

/* The program uses r10: refresh the frame bounds the helpers check stack arguments against. */
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
	struct sn_bpf_run_ctx *rc = sn_jit_cur;
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

#define SN_JIT_WRAPPER(t, id)                                                                      \
	__attribute__((noinline, force_align_arg_pointer)) static uint64_t sn_jit_w##t(            \
		uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5)                   \
	{                                                                                          \
		return sn_jit_call(id, r1, r2, r3, r4, r5, __builtin_dwarf_cfa(),                  \
				   sn_jit_saved_fp(__builtin_frame_address(0)));                   \
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
typedef uint64_t (*sn_jit_wrapper_fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
static const sn_jit_wrapper_fn sn_jit_wrappers[SN_JIT_NR_WRAPPERS] = { SN_JIT_W256(_) };
#undef SN_JIT_WRAPPER

/*
 * What bpf_map_lookup_elem() needs to know of each map of the program, computed once at prepare
 * (the generic helper asks the map and scans the object for .rodata on every call).
 */
#define SN_JIT_FAST_MAPS 16
struct sn_jit_map_facts {
	struct sn_map *map;
	uint32_t key_size, value_size;
	bool writable;    /* sn_bpf_map_prog_writable() */
	bool lookup_ok;   /* not a cpumap */
	bool redirect_ok; /* a devmap, devmap_hash, cpumap or xskmap */
};

/* What sn_bpf_jit_prepare() keeps besides the struct rte_bpf. */
struct sn_jit_state {
	struct rte_bpf *bpf;
	bool uses_r10;
	uint32_t nr_maps; /* 0 when the program has more maps than fit: generic helper */
	struct sn_jit_map_facts maps[SN_JIT_FAST_MAPS];
};

/*
 * bpf_map_lookup_elem() from native code: the same checks and effects as the generic helper
 * (h_map_lookup_elem: one of the program's maps, not a cpumap, the key readable, the value granted
 * to the run), with the map's facts taken from the prepare-time table.
 */
__attribute__((noinline, force_align_arg_pointer)) static uint64_t
sn_jit_w_lookup(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5)
{
	void *cfa = __builtin_dwarf_cfa(), *bpf_fp = sn_jit_saved_fp(__builtin_frame_address(0));
	struct sn_bpf_run_ctx *rc = sn_jit_cur;
	const struct sn_jit_state *st = rc->prog->jit;
	const struct sn_jit_map_facts *m = NULL;
	void *v;

	if (__builtin_expect(!st || !st->nr_maps, 0))
		return sn_jit_call(BPF_FUNC_map_lookup_elem, r1, r2, r3, r4, r5, cfa, bpf_fp);
	sn_jit_frame(rc, cfa, bpf_fp);
	for (uint32_t i = 0; i < st->nr_maps; i++) {
		if ((uint64_t)(uintptr_t)st->maps[i].map == r1) {
			m = &st->maps[i];
			break;
		}
	}
	/* Keys are never 0 bytes long: the region check inline, as sn_bpf_mem_ok() does it. */
	if (!m || !m->lookup_ok || sn_bpf_region_check(rc, r2, m->key_size, false) != SN_BPF_FAULT_NONE)
		return sn_bpf_helper_refuse(rc);
	v = sn_map_lookup_elem(m->map, (const void *)(uintptr_t)r2);
	if (v)
		sn_bpf_grant(rc, v, m->value_size, m->writable);
	return (uint64_t)(uintptr_t)v;
}

/* bpf_redirect_map() from native code: h_redirect_map's checks, the map found in the table. */
__attribute__((noinline, force_align_arg_pointer)) static uint64_t
sn_jit_w_redirect_map(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5)
{
	struct sn_bpf_run_ctx *rc = sn_jit_cur;
	const struct sn_jit_state *st = rc->prog->jit;

	if (__builtin_expect(!st || !st->nr_maps, 0))
		return sn_jit_call(BPF_FUNC_redirect_map, r1, r2, r3, r4, r5, __builtin_dwarf_cfa(),
				   sn_jit_saved_fp(__builtin_frame_address(0)));
	/* No pointer argument: the frame bounds need no refresh. */
	for (uint32_t i = 0; i < st->nr_maps; i++)
		if ((uint64_t)(uintptr_t)st->maps[i].map == r1 && st->maps[i].redirect_ok)
			return (uint64_t)(int64_t)sn_bpf_redirect_map(st->maps[i].map, r2, r3);
	return sn_bpf_helper_refuse(rc);
}

/* The entry native code calls for helper @id. */
static sn_jit_wrapper_fn sn_jit_wrapper(int32_t id)
{
	switch (id) {
	case BPF_FUNC_map_lookup_elem:
		return sn_jit_w_lookup;
	case BPF_FUNC_redirect_map:
		return sn_jit_w_redirect_map;
	default:
		return sn_jit_wrappers[id];
	}
}

/* Fill @st's map table from @prog's maps (none if they do not all fit). */
static void sn_jit_map_facts(struct sn_jit_state *st, const struct sn_bpf_prog *prog)
{
	st->nr_maps = 0;
	if (prog->nr_maps > SN_JIT_FAST_MAPS)
		return;
	for (uint32_t i = 0; i < prog->nr_maps; i++) {
		struct sn_jit_map_facts *m = &st->maps[i];

		m->map = prog->maps[i];
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

static bool insn_is_ld_imm64(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_IMM | BPF_DW);
}

/* Smallest value_size among the maps @prog references (the pointer a lookup returns). */
static uint32_t min_value_size(const struct sn_bpf_prog *prog)
{
	uint32_t m = UINT32_MAX;

	for (uint32_t i = 0; i < prog->nr_maps; i++) {
		uint32_t vs = sn_map__value_size(prog->maps[i]);

		if (vs < m)
			m = vs;
	}
	return m == UINT32_MAX ? 0 : m;
}

/* Bytes of @map's values that a MAP_VALUE ld_imm64 may point into: [*base, *base + return). */
static uint64_t array_region(struct sn_map *map, uint8_t **base)
{
	uint32_t zero = 0, vs, n;

	if (sn_map__type(map) != BPF_MAP_TYPE_ARRAY)
		return 0;
	*base = sn_map_lookup_elem(map, &zero);
	if (!*base)
		return 0;
	vs = sn_map__value_size(map);
	n = sn_map__max_entries(map);
	return (uint64_t)(n - 1) * ((vs + 7) & ~7u) + vs;
}

struct sn_jit_build {
	struct rte_bpf_xsym *xsym;
	uint32_t nr_xsym, cap;
	int32_t *call_idx; /* per instruction: the xsym index its call uses */
	uint8_t *jt;       /* per instruction: some jump lands here */
};

static struct rte_bpf_xsym *xsym_add(struct sn_jit_build *b)
{
	if (b->nr_xsym == b->cap) {
		uint32_t cap = b->cap ? 2 * b->cap : 16;
		struct rte_bpf_xsym *x = realloc(b->xsym, cap * sizeof(*x));

		if (!x)
			return NULL;
		b->xsym = x;
		b->cap = cap;
	}
	memset(&b->xsym[b->nr_xsym], 0, sizeof(b->xsym[0]));
	return &b->xsym[b->nr_xsym++];
}

/*
 * How many of r1..r5 each helper reads (the kernel's bpf_func_proto arg types): the validator
 * refuses an undefined register passed as an argument, so only these are declared. A helper
 * not listed is declared with 5 (a program that leaves r3..r5 unset is then refused: safe).
 */
static uint32_t helper_nb_args(int32_t id)
{
	switch (id) {
	case BPF_FUNC_ktime_get_ns:
	case BPF_FUNC_ktime_get_boot_ns:
	case BPF_FUNC_get_prandom_u32:
	case BPF_FUNC_get_smp_processor_id:
		return 0;
	case BPF_FUNC_xdp_get_buff_len:
		return 1;
	case BPF_FUNC_map_lookup_elem:
	case BPF_FUNC_map_delete_elem:
	case BPF_FUNC_redirect:
	case BPF_FUNC_xdp_adjust_head:
	case BPF_FUNC_xdp_adjust_meta:
	case BPF_FUNC_xdp_adjust_tail:
	case BPF_FUNC_trace_printk: /* fmt, fmt_size, then up to 3 optional */
		return 2;
	case BPF_FUNC_redirect_map:
		return 3;
	case BPF_FUNC_map_update_elem:
	case BPF_FUNC_fib_lookup:
	case BPF_FUNC_xdp_load_bytes:
	case BPF_FUNC_xdp_store_bytes:
		return 4;
	default:
		return 5;
	}
}

/* A helper's entry: RAW arguments; a map value pointer or a RAW result. */
static int xsym_add_helper(struct sn_jit_build *b, int32_t id, const struct sn_bpf_helper *h,
			   uint32_t value_size)
{
	struct rte_bpf_xsym *x;

	/* One entry per helper, and per value size for the map-value ones. */
	for (uint32_t i = 0; i < b->nr_xsym; i++) {
		x = &b->xsym[i];
		if (x->type == RTE_BPF_XTYPE_FUNC && x->func.val == sn_jit_wrapper(id) &&
		    (!h->returns_map_value || !value_size || x->func.ret.size == value_size))
			return (int)i;
	}
	x = xsym_add(b);

	if (!x)
		return -ENOMEM;
	x->name = h->name;
	x->type = RTE_BPF_XTYPE_FUNC;
	x->func.val = sn_jit_wrapper(id);
	__atomic_store_n(&sn_jit_helper_fns[id], h->fn, __ATOMIC_RELAXED);
	x->func.nb_args = helper_nb_args(id);
	for (uint32_t i = 0; i < x->func.nb_args; i++) {
		x->func.args[i].type = RTE_BPF_ARG_RAW;
		x->func.args[i].size = sizeof(uint64_t);
	}
	if (h->returns_map_value && value_size) {
		x->func.ret.type = RTE_BPF_ARG_PTR;
		x->func.ret.size = value_size;
	} else {
		x->func.ret.type = RTE_BPF_ARG_RAW;
		x->func.ret.size = sizeof(uint64_t);
	}
	return (int)(b->nr_xsym - 1);
}

/*
 * The map a call at @pc passes in r1, when a straight line before it (no jump landing in
 * between) loads it with ld_imm64: its value_size. Else the smallest among the program's maps
 * (the validator then bounds accesses to what every map allows).
 */
static uint32_t call_value_size(const struct sn_bpf_prog *prog, const struct sn_jit_build *b,
				uint32_t pc)
{
	for (int64_t j = (int64_t)pc - 1; j >= 0; j--) {
		const struct bpf_insn *in = &prog->insns[j];
		uint8_t cls = BPF_CLASS(in->code);

		if (b->jt[j + 1])
			break;
		if (j >= 1 && insn_is_ld_imm64(&prog->insns[j - 1])) {
			const struct bpf_insn *ld = &prog->insns[j - 1];
			uint64_t v = (uint64_t)(uint32_t)ld[0].imm |
				     (uint64_t)(uint32_t)ld[1].imm << 32;

			if (ld->dst_reg == BPF_REG_1) {
				for (uint32_t m = 0; m < prog->nr_maps; m++)
					if ((uint64_t)(uintptr_t)prog->maps[m] == v)
						return sn_map__value_size(prog->maps[m]);
				break;
			}
			j--;
			continue;
		}
		if (cls == BPF_JMP || cls == BPF_JMP32)
			break; /* branch, call (clobbers r1) or exit */
		if ((cls == BPF_ALU || cls == BPF_ALU64 || cls == BPF_LDX || cls == BPF_LD) &&
		    in->dst_reg == BPF_REG_1)
			break;
		if (cls == BPF_STX && BPF_MODE(in->code) == BPF_ATOMIC && in->src_reg == BPF_REG_1)
			break;
	}
	return min_value_size(prog);
}

/* Mark every instruction a jump lands on. */
static void mark_jump_targets(const struct sn_bpf_prog *prog, uint8_t *jt)
{
	for (uint32_t i = 0; i < prog->len; i++) {
		const struct bpf_insn *in = &prog->insns[i];
		uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
		int64_t t;

		if (insn_is_ld_imm64(in)) {
			i++;
			continue;
		}
		if ((cls != BPF_JMP && cls != BPF_JMP32) || op == BPF_CALL || op == BPF_EXIT)
			continue;
		t = (int64_t)i + 1 + in->off;
		if (t >= 0 && t <= (int64_t)prog->len)
			jt[t] = 1;
	}
}

/* ld_imm64 of an address inside an ARRAY map's values: an external variable of the rest. */
static int xsym_add_var(struct sn_jit_build *b, const struct sn_bpf_prog *prog, uint64_t addr)
{
	for (uint32_t i = 0; i < b->nr_xsym; i++)
		if (b->xsym[i].type == RTE_BPF_XTYPE_VAR &&
		    (uint64_t)(uintptr_t)b->xsym[i].var.val == addr)
			return 0;
	for (uint32_t i = 0; i < prog->nr_maps; i++) {
		uint8_t *base = NULL;
		uint64_t sz = array_region(prog->maps[i], &base);
		struct rte_bpf_xsym *x;

		if (!sz || addr < (uint64_t)(uintptr_t)base ||
		    addr >= (uint64_t)(uintptr_t)base + sz)
			continue;
		x = xsym_add(b);
		if (!x)
			return -ENOMEM;
		x->name = sn_map__name(prog->maps[i]);
		x->type = RTE_BPF_XTYPE_VAR;
		x->var.val = (void *)(uintptr_t)addr;
		x->var.desc.type = RTE_BPF_ARG_PTR;
		x->var.desc.size = (uint64_t)(uintptr_t)base + sz - addr;
		return 0;
	}
	return 0; /* a struct sn_map pointer or a constant: RAW for the validator */
}

/*
 * Pass 1: refuse what librte_bpf 22.11 cannot take, with the instruction, and build xsym[].
 * Return: 0, -EOPNOTSUPP or -EINVAL (with @err), -ENOMEM.
 */
static int jit_scan(const struct sn_bpf_prog *prog, struct sn_jit_build *b, bool *uses_r10,
		    char *err, size_t errlen)
{
	*uses_r10 = false;
	mark_jump_targets(prog, b->jt);
	for (uint32_t i = 0; i < prog->len; i++) {
		const struct bpf_insn *in = &prog->insns[i];
		uint8_t cls = BPF_CLASS(in->code);

		if (in->dst_reg == BPF_REG_10 || in->src_reg == BPF_REG_10)
			*uses_r10 = true;
		if (cls == BPF_JMP32) {
			snprintf(err, errlen,
				 "JIT refused: JMP32 at insn %u (librte_bpf 22.11 rejects it); "
				 "running in the interpreter", i);
			return -EOPNOTSUPP;
		}
		if (cls == BPF_JMP && BPF_OP(in->code) == BPF_CALL) {
			const struct sn_bpf_helper *h;
			int32_t id = in->imm;
			int r;

			if (in->src_reg == BPF_PSEUDO_CALL) {
				snprintf(err, errlen,
					 "JIT refused: bpf-to-bpf call at insn %u (librte_bpf 22.11 "
					 "rejects it); running in the interpreter", i);
				return -EOPNOTSUPP;
			}
			if (in->src_reg != 0) {
				snprintf(err, errlen, "JIT refused: call with src_reg %u at insn %u",
					 in->src_reg, i);
				return -EOPNOTSUPP;
			}
			h = sn_bpf_helper_get(id);
			if (id < 0 || id >= SN_JIT_NR_WRAPPERS || !h || !h->fn) {
				snprintf(err, errlen, "JIT refused: helper %d (%s) at insn %u is not "
					 "provided", id, sn_bpf_helper_name(id), i);
				return -EINVAL;
			}
			r = xsym_add_helper(b, id, h,
					    h->returns_map_value ? call_value_size(prog, b, i) : 0);
			if (r < 0)
				return r;
			b->call_idx[i] = r;
			continue;
		}
		if (insn_is_ld_imm64(in)) {
			uint64_t v;
			int r;

			if (i + 1 >= prog->len) {
				snprintf(err, errlen, "JIT refused: truncated ld_imm64 at insn %u", i);
				return -EINVAL;
			}
			if (in->src_reg != 0) {
				snprintf(err, errlen, "JIT refused: ld_imm64 with src_reg %u at insn "
					 "%u (librte_bpf takes plain 64-bit constants only)",
					 in->src_reg, i);
				return -EOPNOTSUPP;
			}
			v = (uint64_t)(uint32_t)in[0].imm | (uint64_t)(uint32_t)in[1].imm << 32;
			if ((r = xsym_add_var(b, prog, v)))
				return r;
			i++;
		}
	}
	return 0;
}

/* librte_bpf logs the validator's reason through rte_log: catch it around rte_bpf_load(). */
static pthread_mutex_t sn_jit_log_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The last non-empty line of @buf, without its newline and trailing ';', skipping the kernel
 * verifier's statistics lines ("processed N insns ...", "verification time ...").
 */
static void last_line(const char *buf, char *out, size_t outlen)
{
	const char *end = buf + strlen(buf), *start;

	for (;;) {
		while (end > buf && (end[-1] == '\n' || end[-1] == ';' || end[-1] == ' '))
			end--;
		start = end;
		while (start > buf && start[-1] != '\n')
			start--;
		if (start == buf || (strncmp(start, "processed ", 10) &&
				     strncmp(start, "verification time", 17)))
			break;
		end = start;
	}
	snprintf(out, outlen, "%.*s", (int)(end - start), start);
}

static struct rte_bpf *jit_load(const struct rte_bpf_prm *prm, int *errnum, char *msg,
				size_t msglen)
{
	struct rte_bpf *bpf;
	char *logbuf = NULL;
	size_t logsz = 0;
	FILE *log;

	msg[0] = '\0';
	pthread_mutex_lock(&sn_jit_log_lock);
	log = open_memstream(&logbuf, &logsz);
	if (log)
		rte_openlog_stream(log);
	rte_errno = 0;
	bpf = rte_bpf_load(prm);
	*errnum = rte_errno;
	if (log) {
		rte_openlog_stream(NULL);
		fclose(log);
	}
	pthread_mutex_unlock(&sn_jit_log_lock);
	if (logbuf) {
		if (!bpf)
			last_line(logbuf, msg, msglen);
		free(logbuf);
	}
	return bpf;
}

int sn_bpf_jit_prepare(struct sn_bpf_prog *prog, char *err, size_t errlen)
{
	struct sn_jit_build b = { 0 };
	struct rte_bpf_prm prm = { 0 };
	struct rte_bpf_jit jit = { 0 };
	struct sn_jit_state *st;
	struct ebpf_insn *ins;
	char msg[128];
	int ret, errnum;

	if (prog->jit) /* prepared again: the earlier code goes */
		sn_bpf_jit_free(prog);
	prog->jit = NULL;
	prog->jit_fn = NULL;
	if (!prog->insns || !prog->len) {
		snprintf(err, errlen, "JIT refused: empty program");
		ret = -EINVAL;
		goto note;
	}
	st = calloc(1, sizeof(*st));
	ins = malloc(prog->len * sizeof(*ins));
	b.call_idx = calloc(prog->len, sizeof(*b.call_idx));
	b.jt = calloc(prog->len + 1, 1);
	if (!st || !ins || !b.call_idx || !b.jt) {
		snprintf(err, errlen, "JIT refused: out of memory");
		ret = -ENOMEM;
		goto free_buf;
	}
	ret = jit_scan(prog, &b, &st->uses_r10, err, errlen);
	if (ret)
		goto free_buf;
	sn_jit_map_facts(st, prog);
	memcpy(ins, prog->insns, prog->len * sizeof(*ins));
	for (uint32_t i = 0; i < prog->len; i++)
		if (ins[i].code == (BPF_JMP | BPF_CALL))
			ins[i].imm = b.call_idx[i];

	prm.ins = ins;
	prm.nb_ins = prog->len;
	prm.xsym = b.xsym;
	prm.nb_xsym = b.nr_xsym;
	prm.prog_arg.type = RTE_BPF_ARG_PTR_MBUF;
	prm.prog_arg.size = SN_XDP_CTX_VISIBLE_SIZE;
	prm.prog_arg.buf_size = SN_BPF_JIT_PKT_WINDOW;
	st->bpf = jit_load(&prm, &errnum, msg, sizeof(msg));
	if (!st->bpf) {
		snprintf(err, errlen, "JIT refused: librte_bpf: %s (%s); running in the interpreter",
			 msg[0] ? msg : "validation failed", strerror(errnum ? errnum : EINVAL));
		ret = errnum == ENOMEM ? -ENOMEM : -EOPNOTSUPP;
		goto free_buf;
	}
	if (rte_bpf_get_jit(st->bpf, &jit) || !jit.func) {
		snprintf(err, errlen, "JIT refused: librte_bpf produced no native code; running in "
			 "the interpreter");
		ret = -EOPNOTSUPP;
		rte_bpf_destroy(st->bpf);
		goto free_buf;
	}
	/* librte_bpf copied the instructions and the xsym table: ours can go. */
	free(ins);
	free(b.xsym);
	free(b.call_idx);
	free(b.jt);
	prog->jit = st;
	prog->jit_fn = jit.func;
	prog->engine_note[0] = '\0';
	return 0;

free_buf:
	free(ins);
	free(st);
	free(b.xsym);
	free(b.call_idx);
	free(b.jt);
note:
	snprintf(prog->engine_note, sizeof(prog->engine_note), "%s", err);
	return ret;
}

void sn_bpf_jit_free(struct sn_bpf_prog *prog)
{
	struct sn_jit_state *st = prog->jit;

	if (!st)
		return;
	rte_bpf_destroy(st->bpf);
	free(st);
	prog->jit = NULL;
	prog->jit_fn = NULL;
}

uint32_t sn_bpf_jit_run(const struct sn_bpf_prog *prog, struct sn_xdp_buff *xdp)
{
	const struct sn_jit_state *st = prog->jit;
	struct sn_bpf_fault fault = { .reason = SN_BPF_FAULT_NONE };
	struct sn_bpf_run_ctx rc; /* not zeroed as a whole: grants[] is only read below nr_grants */
	struct sn_bpf_run_ctx *prev;
	uint8_t *buf_end = xdp->data_hard_start + xdp->frame_sz;
	uint32_t act;

	if (__builtin_expect(!st, 0)) {
		/* Native code not made by sn_bpf_jit_prepare() (a test's C function): just run. */
		if (!prog->jit_fn)
			return sn_bpf_interp_run(prog, xdp, &fault);
		goto run;
	}
	/* The native code may touch [data, data + window): it must stay in this buffer. */
	if (__builtin_expect(!xdp->data_hard_start || xdp->data_end > buf_end ||
		     (size_t)(buf_end - xdp->data_end) < SN_XDP_TAILROOM_RESERVE, 0)) {
		__atomic_fetch_add(&sn_jit_fallbacks, 1, __ATOMIC_RELAXED);
		return sn_bpf_interp_run(prog, xdp, &fault);
	}
	/* Non-NULL stack_hi tells the wrappers the program has a BPF stack (r10). */
	rc.stack_lo = rc.stack_hi = st->uses_r10 ? (uint8_t *)1 : NULL;
run:
	rc.prog = prog;
	rc.xdp = xdp;
	rc.fault = &fault;
	rc.nr_grants = rc.next_grant = 0;
	if (!st)
		rc.stack_lo = rc.stack_hi = NULL;
	prev = sn_jit_cur;
	sn_jit_cur = &rc;
	act = (uint32_t)prog->jit_fn(xdp);
	sn_jit_cur = prev;
	if (__builtin_expect(fault.reason != SN_BPF_FAULT_NONE, 0)) {
		__atomic_fetch_add(&sn_jit_refused, 1, __ATOMIC_RELAXED);
		return XDP_ABORTED;
	}
	return act;
}

void sn_bpf_jit_stats_read(struct sn_bpf_jit_stats *out)
{
	out->interp_fallback = __atomic_load_n(&sn_jit_fallbacks, __ATOMIC_RELAXED);
	out->helper_refused = __atomic_load_n(&sn_jit_refused, __ATOMIC_RELAXED);
}

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

int sn_bpf_jit_kernel_verify(const struct sn_bpf_prog *prog, char *err, size_t errlen)
{
	struct bpf_object *obj;
	struct bpf_program *p, *want = NULL;
	libbpf_print_fn_t old;
	char *log = NULL, last[160] = "";
	int ret;

	if (!prog->obj) {
		snprintf(err, errlen, "kernel verify: program has no object");
		return -ENOENT;
	}
	old = libbpf_set_print(silent_print);
	obj = bpf_object__open_file(prog->obj->path, NULL);
	ret = libbpf_get_error(obj);
	if (ret) {
		obj = NULL;
		snprintf(err, errlen, "kernel verify: %s: open failed: %s", prog->obj->path,
			 strerror(-ret));
		goto out;
	}
	bpf_object__for_each_program(p, obj) {
		bool me = !strcmp(bpf_program__name(p), prog->name);

		bpf_program__set_autoload(p, me);
		if (me)
			want = p;
	}
	if (!want) {
		snprintf(err, errlen, "kernel verify: %s: no program '%s'", prog->obj->path,
			 prog->name);
		ret = -ENOENT;
		goto out;
	}
	log = calloc(1, 1 << 16);
	if (log)
		bpf_program__set_log_buf(want, log, 1 << 16);
	ret = bpf_object__load(obj);
	if (ret) {
		if (log)
			last_line(log, last, sizeof(last));
		snprintf(err, errlen, "kernel verify: %s/%s refused by the kernel: %s%s%s",
			 prog->obj->path, prog->name, strerror(-ret), last[0] ? ": " : "", last);
	}
out:
	bpf_object__close(obj);
	free(log);
	libbpf_set_print(old);
	return ret;
}
