// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_interp.c - softnetd's checked eBPF interpreter (bpf_interp.h).
 *
 * One function, sn_bpf_interp_run(), dispatches on the 8-bit opcode through a table of label
 * addresses (GCC "labels as values"), like the kernel's ___bpf_prog_run() in kernel/bpf/core.c,
 * but with the checks the kernel leaves to its verifier done at run time instead:
 *   - every load, store and atomic goes through sn_bpf_region_check() (bpf_interp_internal.h);
 *   - every jump target and every fall-through is checked against the program length;
 *   - every executed instruction counts against SN_BPF_MAX_INSNS;
 *   - bpf-to-bpf calls get a fresh 512-byte frame, save r6-r9 and r10, and may nest up to
 *     SN_BPF_MAX_CALL_DEPTH frames in all (the kernel's MAX_CALL_FRAMES, main program included);
 *   - opcodes the ISA does not define, and kfunc calls, are SN_BPF_FAULT_INSN.
 * Arithmetic follows the ISA document (Documentation/bpf/standardization/instruction-set.rst):
 * ALU32 results are zero-extended; shift counts are masked (& 63 / & 31); division by zero gives
 * 0 and modulo by zero leaves dst unchanged (truncated to 32 bits for ALU32); signed division of
 * the minimum value by -1 gives the minimum value (negation wraps) and signed modulo by -1 gives 0.
 * The v4 additions are implemented although clang 14 does not emit them: sign-extending moves
 * (MOVSX, off = 8/16/32) and loads (MEMSX), signed div/mod (off = 1), unconditional byte swap
 * (ALU64 | END), the 32-bit-offset jump (JMP32 | JA, offset in imm), and load-acquire /
 * store-release atomics.
 *
 * The stack is on the C stack of the run and is not cleared between runs: a program the kernel
 * verifier accepts never reads stack it has not written.
 *
 * Context: see bpf_interp.h (BH, the task cannot migrate).
 */
#include <string.h>

#include "bhlock/compiler.h"
#include "maps/map.h"
#include "xdp/bpf_interp.h"
#include "xdp/bpf_interp_internal.h"

/* v4 ISA and later encodings that this system's <linux/bpf.h> may predate. */
#ifndef BPF_MEMSX
#define BPF_MEMSX 0x80
#endif
#ifndef BPF_LOAD_ACQ
#define BPF_LOAD_ACQ 0x100
#endif
#ifndef BPF_STORE_REL
#define BPF_STORE_REL 0x110
#endif

#define FRAMES SN_BPF_MAX_CALL_DEPTH

struct interp_frame {
	uint32_t ret_pc;
	uint64_t callee_saved[4]; /* r6..r9 */
	uint64_t r10;
};

bool sn_bpf_map_prog_writable(const struct sn_bpf_prog *prog, const struct sn_map *map)
{
	if (sn_map__map_flags(map) & BPF_F_RDONLY_PROG)
		return false;
	/* .rodata of an object whose loader did not carry libbpf's RDONLY_PROG flag over. */
	if (prog->obj) {
		for (size_t i = 0; i < prog->obj->nr_maps; i++) {
			const struct sn_bpf_obj_map *om = &prog->obj->maps[i];

			if (om->map == map && om->global_data && strstr(om->name, "rodata"))
				return false;
		}
	}
	return true;
}

void sn_bpf_grant(struct sn_bpf_run_ctx *rc, const void *p, uint32_t size, bool writable)
{
	uint64_t lo = (uint64_t)(uintptr_t)p, hi = lo + size;
	uint32_t i;

	for (i = 0; i < rc->nr_grants; i++) {
		if (rc->grants[i].lo == lo && rc->grants[i].hi == hi) {
			rc->grants[i].writable = writable;
			return;
		}
	}
	if (rc->nr_grants < SN_BPF_MAX_GRANTS) {
		i = rc->nr_grants++;
	} else {
		i = rc->next_grant;
		rc->next_grant = (rc->next_grant + 1) % SN_BPF_MAX_GRANTS;
	}
	rc->grants[i] = (struct sn_bpf_region){ .lo = lo, .hi = hi, .writable = writable };
}

/* Step 5 of the region order: the value of each 1-entry ARRAY map the program references. */
static enum sn_bpf_fault_reason prog_arrays_check(struct sn_bpf_run_ctx *rc, uint64_t a,
						  uint32_t size, bool write)
{
	const struct sn_bpf_prog *prog = rc->prog;

	if (!prog)
		return SN_BPF_FAULT_MEM;
	for (uint32_t i = 0; i < prog->nr_maps; i++) {
		struct sn_map *m = prog->maps[i];
		uint32_t zero = 0, vs;
		uint64_t lo, span;
		void *v;

		/* Direct value access exists for 1-entry arrays only (array_map_direct_value_addr). */
		if (!m || sn_map__type(m) != BPF_MAP_TYPE_ARRAY || sn_map__max_entries(m) != 1)
			continue;
		v = sn_map_lookup_elem(m, &zero);
		if (!v)
			continue;
		vs = sn_map__value_size(m);
		lo = (uint64_t)(uintptr_t)v;
		span = vs;
		if (!__sn_bpf_in(a, size, lo, lo + span))
			continue;
		bool writable = sn_bpf_map_prog_writable(prog, m);

		if (span <= UINT32_MAX)
			sn_bpf_grant(rc, v, (uint32_t)span, writable);
		return write && !writable ? SN_BPF_FAULT_MEM : SN_BPF_FAULT_NONE;
	}
	return SN_BPF_FAULT_MEM;
}

enum sn_bpf_fault_reason sn_bpf_region_check_slow(struct sn_bpf_run_ctx *rc, uint64_t a,
						  uint32_t size, bool write)
{
	uint64_t ctx = (uint64_t)(uintptr_t)rc->xdp;

	/* Anything touching struct sn_xdp_buff is a ctx access. */
	if (a < ctx + sizeof(struct sn_xdp_buff) && a + size > ctx) {
		if (write || !__sn_bpf_in(a, size, ctx, ctx + SN_XDP_CTX_VISIBLE_SIZE))
			return SN_BPF_FAULT_CTX;
		return SN_BPF_FAULT_NONE;
	}
	for (uint32_t i = 0; i < rc->nr_grants; i++) {
		const struct sn_bpf_region *g = &rc->grants[i];

		if (__sn_bpf_in(a, size, g->lo, g->hi))
			return write && !g->writable ? SN_BPF_FAULT_MEM : SN_BPF_FAULT_NONE;
	}
	return prog_arrays_check(rc, a, size, write);
}

bool sn_bpf_mem_ok(const struct sn_bpf_run_ctx *rc, uint64_t p, uint32_t size, bool write)
{
	if (size == 0)
		return true;
	/* The check may add a grant (cache), which does not change what is allowed. */
	return sn_bpf_region_check((struct sn_bpf_run_ctx *)rc, p, size, write) ==
	       SN_BPF_FAULT_NONE;
}

/*
 * One BPF_ATOMIC read-modify-write on a 4- or 8-byte word at @p (checked by the caller), with
 * the source register in *@src and r0 in *@r0: a BPF_FETCH form hands the old value back in
 * *@src, CMPXCHG compares with r0 and leaves the old value there (zero-extended, as the ALU32
 * results are). Sequentially consistent, as the kernel's JITs emit them (lock-prefixed).
 * Return: false for an encoding the ISA does not define (the caller faults).
 */
#define DEFINE_ATOMIC_RMW(name, T)                                                                 \
	static __always_inline bool name(T *p, unsigned int op, uint64_t *src, uint64_t *r0)     \
	{                                                                                          \
		T v = (T)*src, old;                                                                \
                                                                                                   \
		switch (op & ~BPF_FETCH) {                                                         \
		case BPF_ADD:                                                                      \
			old = __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);                          \
			break;                                                                     \
		case BPF_AND:                                                                      \
			old = __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST);                          \
			break;                                                                     \
		case BPF_OR:                                                                       \
			old = __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST);                           \
			break;                                                                     \
		case BPF_XOR:                                                                      \
			old = __atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST);                          \
			break;                                                                     \
		case BPF_XCHG & ~BPF_FETCH:                                                        \
			if (op != BPF_XCHG)                                                        \
				return false;                                                      \
			old = __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);                         \
			break;                                                                     \
		case BPF_CMPXCHG & ~BPF_FETCH:                                                     \
			if (op != BPF_CMPXCHG)                                                     \
				return false;                                                      \
			old = (T)*r0;                                                              \
			__atomic_compare_exchange_n(p, &old, v, false, __ATOMIC_SEQ_CST,           \
						    __ATOMIC_SEQ_CST);                             \
			*r0 = old;                                                                 \
			return true;                                                               \
		default:                                                                           \
			return false;                                                              \
		}                                                                                  \
		if (op & BPF_FETCH)                                                                \
			*src = old;                                                                \
		return true;                                                                       \
	}

DEFINE_ATOMIC_RMW(atomic_rmw32, uint32_t)
DEFINE_ATOMIC_RMW(atomic_rmw64, uint64_t)
#undef DEFINE_ATOMIC_RMW

#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Winitializer-overrides"
#else
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
#endif

uint32_t sn_bpf_interp_run(const struct sn_bpf_prog *prog, struct sn_xdp_buff *xdp,
			   struct sn_bpf_fault *fault)
{
	/* Labels per opcode; anything not listed is not an instruction. */
	static const void *const tbl[256] = {
		[0 ... 255] = &&L_BAD,
#define ALU_ENTRIES(OP, NAME)                                                                      \
	[BPF_ALU64 | OP | BPF_X] = &&L_ALU64_##NAME##_X,                                          \
	[BPF_ALU64 | OP | BPF_K] = &&L_ALU64_##NAME##_K,                                          \
	[BPF_ALU | OP | BPF_X] = &&L_ALU32_##NAME##_X, [BPF_ALU | OP | BPF_K] = &&L_ALU32_##NAME##_K
		ALU_ENTRIES(BPF_ADD, ADD), ALU_ENTRIES(BPF_SUB, SUB), ALU_ENTRIES(BPF_MUL, MUL),
		ALU_ENTRIES(BPF_OR, OR), ALU_ENTRIES(BPF_AND, AND), ALU_ENTRIES(BPF_XOR, XOR),
		ALU_ENTRIES(BPF_LSH, LSH), ALU_ENTRIES(BPF_RSH, RSH), ALU_ENTRIES(BPF_ARSH, ARSH),
		ALU_ENTRIES(BPF_DIV, DIV), ALU_ENTRIES(BPF_MOD, MOD), ALU_ENTRIES(BPF_MOV, MOV),
		[BPF_ALU64 | BPF_NEG] = &&L_ALU64_NEG, [BPF_ALU | BPF_NEG] = &&L_ALU32_NEG,
		[BPF_ALU | BPF_END | BPF_TO_LE] = &&L_END_LE,
		[BPF_ALU | BPF_END | BPF_TO_BE] = &&L_END_BE,
		[BPF_ALU64 | BPF_END | BPF_TO_LE] = &&L_END_BE, /* bswap: unconditional */
#define JMP_ENTRIES(OP, NAME)                                                                      \
	[BPF_JMP | OP | BPF_X] = &&L_JMP_##NAME##_X, [BPF_JMP | OP | BPF_K] = &&L_JMP_##NAME##_K, \
	[BPF_JMP32 | OP | BPF_X] = &&L_JMP32_##NAME##_X,                                          \
	[BPF_JMP32 | OP | BPF_K] = &&L_JMP32_##NAME##_K
		JMP_ENTRIES(BPF_JEQ, JEQ), JMP_ENTRIES(BPF_JNE, JNE), JMP_ENTRIES(BPF_JGT, JGT),
		JMP_ENTRIES(BPF_JGE, JGE), JMP_ENTRIES(BPF_JLT, JLT), JMP_ENTRIES(BPF_JLE, JLE),
		JMP_ENTRIES(BPF_JSGT, JSGT), JMP_ENTRIES(BPF_JSGE, JSGE),
		JMP_ENTRIES(BPF_JSLT, JSLT), JMP_ENTRIES(BPF_JSLE, JSLE),
		JMP_ENTRIES(BPF_JSET, JSET),
		[BPF_JMP | BPF_JA] = &&L_JA, [BPF_JMP32 | BPF_JA] = &&L_JA32,
		[BPF_JMP | BPF_CALL] = &&L_CALL, [BPF_JMP | BPF_EXIT] = &&L_EXIT,
		[BPF_LD | BPF_IMM | BPF_DW] = &&L_LD_IMM64,
		[BPF_LDX | BPF_MEM | BPF_B] = &&L_LDX_B, [BPF_LDX | BPF_MEM | BPF_H] = &&L_LDX_H,
		[BPF_LDX | BPF_MEM | BPF_W] = &&L_LDX_W, [BPF_LDX | BPF_MEM | BPF_DW] = &&L_LDX_DW,
		[BPF_LDX | BPF_MEMSX | BPF_B] = &&L_LDXSX_B,
		[BPF_LDX | BPF_MEMSX | BPF_H] = &&L_LDXSX_H,
		[BPF_LDX | BPF_MEMSX | BPF_W] = &&L_LDXSX_W,
		[BPF_ST | BPF_MEM | BPF_B] = &&L_ST_B, [BPF_ST | BPF_MEM | BPF_H] = &&L_ST_H,
		[BPF_ST | BPF_MEM | BPF_W] = &&L_ST_W, [BPF_ST | BPF_MEM | BPF_DW] = &&L_ST_DW,
		[BPF_STX | BPF_MEM | BPF_B] = &&L_STX_B, [BPF_STX | BPF_MEM | BPF_H] = &&L_STX_H,
		[BPF_STX | BPF_MEM | BPF_W] = &&L_STX_W, [BPF_STX | BPF_MEM | BPF_DW] = &&L_STX_DW,
		[BPF_STX | BPF_ATOMIC | BPF_B] = &&L_ATOMIC, [BPF_STX | BPF_ATOMIC | BPF_H] = &&L_ATOMIC,
		[BPF_STX | BPF_ATOMIC | BPF_W] = &&L_ATOMIC,
		[BPF_STX | BPF_ATOMIC | BPF_DW] = &&L_ATOMIC,
#undef ALU_ENTRIES
#undef JMP_ENTRIES
	};
	uint8_t stack[FRAMES * SN_BPF_STACK_SIZE] __attribute__((aligned(16)));
	uint8_t *const stack_top = stack + sizeof(stack);
	struct interp_frame frames[FRAMES];
	struct sn_bpf_fault local_fault;
	struct sn_bpf_run_ctx rc;
	const struct bpf_insn *const insns = prog->insns, *insn;
	const uint32_t len = prog->len;
	uint32_t pc = 0, depth = 0, budget = SN_BPF_MAX_INSNS + 1U;
	enum sn_bpf_fault_reason reason = SN_BPF_FAULT_NONE;
	uint64_t fault_addr = 0, r[16];
	uint32_t fault_size = 0;

	if (!fault)
		fault = &local_fault;
	fault->reason = SN_BPF_FAULT_NONE;
	fault->pc = 0;
	fault->addr = 0;
	fault->size = 0;
	rc.prog = prog;
	rc.xdp = xdp;
	rc.stack_lo = stack_top - SN_BPF_STACK_SIZE;
	rc.stack_hi = stack_top;
	rc.fault = fault;
	rc.nr_grants = 0;
	rc.next_grant = 0;

	if (unlikely(len == 0 || !insns)) {
		reason = SN_BPF_FAULT_JUMP;
		goto fault;
	}
	memset(r, 0, sizeof(r));
	r[1] = (uint64_t)(uintptr_t)xdp;
	r[10] = (uint64_t)(uintptr_t)stack_top;

#define DST r[insn->dst_reg]
#define SRC r[insn->src_reg]
#define IMM64 ((uint64_t)(int64_t)insn->imm) /* imm sign-extended, as ALU64/JMP use it */
#define IMM32 ((uint32_t)insn->imm)
#define FAULT(why)                                                                                 \
	do {                                                                                       \
		reason = (why);                                                                    \
		goto fault;                                                                        \
	} while (0)
/* Every change of pc is checked where it happens, so a fault names the instruction at fault. */
#define DISPATCH()                                                                                 \
	do {                                                                                       \
		if (unlikely(--budget == 0))                                                       \
			FAULT(SN_BPF_FAULT_BUDGET);                                                \
		insn = &insns[pc];                                                                 \
		goto *tbl[insn->code];                                                             \
	} while (0)
#define NEXT                                                                                       \
	do {                                                                                       \
		if (unlikely(pc + 1 >= len)) /* falls off the end */                               \
			FAULT(SN_BPF_FAULT_JUMP);                                                  \
		pc++;                                                                              \
		DISPATCH();                                                                        \
	} while (0)
#define JUMP(delta)                                                                                \
	do {                                                                                       \
		uint32_t __t = pc + (uint32_t)(int32_t)(delta) + 1;                                \
		if (unlikely(__t >= len))                                                          \
			FAULT(SN_BPF_FAULT_JUMP);                                                  \
		pc = __t;                                                                          \
		DISPATCH();                                                                        \
	} while (0)
#define MEMCHK(addr, sz, wr)                                                                       \
	do {                                                                                       \
		enum sn_bpf_fault_reason __r = sn_bpf_region_check(&rc, (addr), (sz), (wr));      \
		if (unlikely(__r != SN_BPF_FAULT_NONE)) {                                          \
			fault_addr = (addr);                                                       \
			fault_size = (sz);                                                         \
			FAULT(__r);                                                                \
		}                                                                                  \
	} while (0)

	DISPATCH();

	/* ---- ALU ---- */
#define ALU_BIN(NAME, OP)                                                                          \
	L_ALU64_##NAME##_X : DST = DST OP SRC;                                                    \
	NEXT;                                                                                      \
	L_ALU64_##NAME##_K : DST = DST OP IMM64;                                                  \
	NEXT;                                                                                      \
	L_ALU32_##NAME##_X : DST = (uint32_t)((uint32_t)DST OP(uint32_t) SRC);                    \
	NEXT;                                                                                      \
	L_ALU32_##NAME##_K : DST = (uint32_t)((uint32_t)DST OP IMM32);                            \
	NEXT;
	ALU_BIN(ADD, +)
	ALU_BIN(SUB, -)
	ALU_BIN(MUL, *)
	ALU_BIN(OR, |)
	ALU_BIN(AND, &)
	ALU_BIN(XOR, ^)
#undef ALU_BIN

#define ALU_SHIFT(NAME, E64, E32)                                                                  \
	L_ALU64_##NAME##_X : {                                                                     \
		unsigned s = SRC & 63;                                                             \
		DST = (E64);                                                                       \
		NEXT;                                                                              \
	}                                                                                          \
	L_ALU64_##NAME##_K : {                                                                     \
		unsigned s = IMM32 & 63;                                                           \
		DST = (E64);                                                                       \
		NEXT;                                                                              \
	}                                                                                          \
	L_ALU32_##NAME##_X : {                                                                     \
		unsigned s = SRC & 31;                                                             \
		DST = (uint32_t)(E32);                                                             \
		NEXT;                                                                              \
	}                                                                                          \
	L_ALU32_##NAME##_K : {                                                                     \
		unsigned s = IMM32 & 31;                                                           \
		DST = (uint32_t)(E32);                                                             \
		NEXT;                                                                              \
	}
	ALU_SHIFT(LSH, DST << s, (uint32_t)DST << s)
	ALU_SHIFT(RSH, DST >> s, (uint32_t)DST >> s)
	ALU_SHIFT(ARSH, (uint64_t)((int64_t)DST >> s), (uint32_t)((int32_t)(uint32_t)DST >> s))
#undef ALU_SHIFT

	{
		uint64_t d64, s64;
		uint32_t d32, s32;

	L_ALU64_DIV_X:
		s64 = SRC;
		goto div64;
	L_ALU64_DIV_K:
		s64 = IMM64;
	div64:
		d64 = DST;
		if (insn->off == 0) {
			DST = s64 ? d64 / s64 : 0;
		} else if (insn->off == 1) {
			if (s64 == 0)
				DST = 0;
			else if ((int64_t)s64 == -1)
				DST = 0 - d64;
			else
				DST = (uint64_t)((int64_t)d64 / (int64_t)s64);
		} else {
			FAULT(SN_BPF_FAULT_INSN);
		}
		NEXT;
	L_ALU64_MOD_X:
		s64 = SRC;
		goto mod64;
	L_ALU64_MOD_K:
		s64 = IMM64;
	mod64:
		d64 = DST;
		if (insn->off == 0) {
			DST = s64 ? d64 % s64 : d64;
		} else if (insn->off == 1) {
			if (s64 == 0)
				DST = d64;
			else if ((int64_t)s64 == -1)
				DST = 0;
			else
				DST = (uint64_t)((int64_t)d64 % (int64_t)s64);
		} else {
			FAULT(SN_BPF_FAULT_INSN);
		}
		NEXT;
	L_ALU32_DIV_X:
		s32 = (uint32_t)SRC;
		goto div32;
	L_ALU32_DIV_K:
		s32 = IMM32;
	div32:
		d32 = (uint32_t)DST;
		if (insn->off == 0) {
			DST = s32 ? d32 / s32 : 0;
		} else if (insn->off == 1) {
			if (s32 == 0)
				DST = 0;
			else if ((int32_t)s32 == -1)
				DST = (uint32_t)(0U - d32);
			else
				DST = (uint32_t)((int32_t)d32 / (int32_t)s32);
		} else {
			FAULT(SN_BPF_FAULT_INSN);
		}
		NEXT;
	L_ALU32_MOD_X:
		s32 = (uint32_t)SRC;
		goto mod32;
	L_ALU32_MOD_K:
		s32 = IMM32;
	mod32:
		d32 = (uint32_t)DST;
		if (insn->off == 0) {
			DST = s32 ? d32 % s32 : d32;
		} else if (insn->off == 1) {
			if (s32 == 0)
				DST = d32;
			else if ((int32_t)s32 == -1)
				DST = 0;
			else
				DST = (uint32_t)((int32_t)d32 % (int32_t)s32);
		} else {
			FAULT(SN_BPF_FAULT_INSN);
		}
		NEXT;
	}

L_ALU64_MOV_X:
	switch (insn->off) {
	case 0:
		DST = SRC;
		break;
	case 8:
		DST = (uint64_t)(int64_t)(int8_t)SRC;
		break;
	case 16:
		DST = (uint64_t)(int64_t)(int16_t)SRC;
		break;
	case 32:
		DST = (uint64_t)(int64_t)(int32_t)SRC;
		break;
	default: /* off 1 is the arena address-space cast: not supported */
		FAULT(SN_BPF_FAULT_INSN);
	}
	NEXT;
L_ALU64_MOV_K:
	DST = IMM64;
	NEXT;
L_ALU32_MOV_X:
	switch (insn->off) {
	case 0:
		DST = (uint32_t)SRC;
		break;
	case 8:
		DST = (uint32_t)(int32_t)(int8_t)SRC;
		break;
	case 16:
		DST = (uint32_t)(int32_t)(int16_t)SRC;
		break;
	default:
		FAULT(SN_BPF_FAULT_INSN);
	}
	NEXT;
L_ALU32_MOV_K:
	DST = IMM32;
	NEXT;
L_ALU64_NEG:
	DST = 0 - DST;
	NEXT;
L_ALU32_NEG:
	DST = (uint32_t)(0U - (uint32_t)DST);
	NEXT;
L_END_LE: /* little-endian host: truncation only */
	switch (insn->imm) {
	case 16:
		DST = (uint16_t)DST;
		break;
	case 32:
		DST = (uint32_t)DST;
		break;
	case 64:
		break;
	default:
		FAULT(SN_BPF_FAULT_INSN);
	}
	NEXT;
L_END_BE:
	switch (insn->imm) {
	case 16:
		DST = __builtin_bswap16((uint16_t)DST);
		break;
	case 32:
		DST = __builtin_bswap32((uint32_t)DST);
		break;
	case 64:
		DST = __builtin_bswap64(DST);
		break;
	default:
		FAULT(SN_BPF_FAULT_INSN);
	}
	NEXT;

	/* ---- JMP / JMP32 ---- */
#define JCOND(NAME, T64, T32, CMP)                                                                 \
	L_JMP_##NAME##_X : if ((T64)DST CMP(T64) SRC) JUMP(insn->off);                            \
	NEXT;                                                                                      \
	L_JMP_##NAME##_K : if ((T64)DST CMP(T64) IMM64) JUMP(insn->off);                          \
	NEXT;                                                                                      \
	L_JMP32_##NAME##_X : if ((T32)(uint32_t)DST CMP(T32)(uint32_t) SRC) JUMP(insn->off);      \
	NEXT;                                                                                      \
	L_JMP32_##NAME##_K : if ((T32)(uint32_t)DST CMP(T32) IMM32) JUMP(insn->off);              \
	NEXT;
	JCOND(JEQ, uint64_t, uint32_t, ==)
	JCOND(JNE, uint64_t, uint32_t, !=)
	JCOND(JGT, uint64_t, uint32_t, >)
	JCOND(JGE, uint64_t, uint32_t, >=)
	JCOND(JLT, uint64_t, uint32_t, <)
	JCOND(JLE, uint64_t, uint32_t, <=)
	JCOND(JSGT, int64_t, int32_t, >)
	JCOND(JSGE, int64_t, int32_t, >=)
	JCOND(JSLT, int64_t, int32_t, <)
	JCOND(JSLE, int64_t, int32_t, <=)
#undef JCOND
L_JMP_JSET_X:
	if (DST & SRC)
		JUMP(insn->off);
	NEXT;
L_JMP_JSET_K:
	if (DST & IMM64)
		JUMP(insn->off);
	NEXT;
L_JMP32_JSET_X:
	if ((uint32_t)DST & (uint32_t)SRC)
		JUMP(insn->off);
	NEXT;
L_JMP32_JSET_K:
	if ((uint32_t)DST & IMM32)
		JUMP(insn->off);
	NEXT;
L_JA:
	JUMP(insn->off);
L_JA32:
	JUMP(insn->imm);

L_CALL:
	if (insn->src_reg == 0) {
		const struct sn_bpf_helper *h = sn_bpf_helper_get(insn->imm);

		if (unlikely(!h))
			FAULT(SN_BPF_FAULT_HELPER);
		r[0] = h->fn(r[1], r[2], r[3], r[4], r[5], &rc);
		if (unlikely(fault->reason != SN_BPF_FAULT_NONE)) {
			reason = fault->reason;
			goto fault;
		}
		NEXT;
	}
	if (insn->src_reg == BPF_PSEUDO_CALL) {
		uint32_t target = pc + (uint32_t)insn->imm + 1;
		struct interp_frame *f;

		if (unlikely(target >= len))
			FAULT(SN_BPF_FAULT_JUMP);
		if (unlikely(depth + 1 >= FRAMES))
			FAULT(SN_BPF_FAULT_CALL_DEPTH);
		f = &frames[depth++];
		f->ret_pc = pc + 1;
		memcpy(f->callee_saved, &r[6], sizeof(f->callee_saved));
		f->r10 = r[10];
		r[10] = (uint64_t)(uintptr_t)(stack_top - depth * SN_BPF_STACK_SIZE);
		rc.stack_lo = stack_top - (depth + 1) * SN_BPF_STACK_SIZE;
		pc = target;
		DISPATCH();
	}
	FAULT(SN_BPF_FAULT_INSN); /* kfunc calls */
L_EXIT:
	if (depth == 0)
		return (uint32_t)r[0];
	{
		struct interp_frame *f = &frames[--depth];

		memcpy(&r[6], f->callee_saved, sizeof(f->callee_saved));
		r[10] = f->r10;
		rc.stack_lo = stack_top - (depth + 1) * SN_BPF_STACK_SIZE;
		if (unlikely(f->ret_pc >= len)) /* the call was the last instruction */
			FAULT(SN_BPF_FAULT_JUMP);
		pc = f->ret_pc;
		DISPATCH();
	}

L_LD_IMM64:
	if (unlikely(pc + 1 >= len))
		FAULT(SN_BPF_FAULT_JUMP);
	if (unlikely(insn->src_reg != 0)) /* the loader resolves every pseudo form */
		FAULT(SN_BPF_FAULT_INSN);
	DST = (uint64_t)(uint32_t)insn->imm | ((uint64_t)(uint32_t)insn[1].imm << 32);
	if (unlikely(pc + 2 >= len))
		FAULT(SN_BPF_FAULT_JUMP);
	pc += 2;
	DISPATCH();

	/* ---- loads and stores ---- */
#define LDX(NAME, T, EXT)                                                                          \
	L_##NAME : {                                                                               \
		uint64_t a = SRC + (uint64_t)(int64_t)insn->off;                                   \
		T v;                                                                               \
		MEMCHK(a, sizeof(T), false);                                                       \
		memcpy(&v, (const void *)(uintptr_t)a, sizeof(T));                                 \
		DST = (uint64_t)(EXT)v;                                                            \
		NEXT;                                                                              \
	}
	LDX(LDX_B, uint8_t, uint64_t)
	LDX(LDX_H, uint16_t, uint64_t)
	LDX(LDX_W, uint32_t, uint64_t)
	LDX(LDX_DW, uint64_t, uint64_t)
	LDX(LDXSX_B, int8_t, int64_t)
	LDX(LDXSX_H, int16_t, int64_t)
	LDX(LDXSX_W, int32_t, int64_t)
#undef LDX
#define STORE(NAME, T, VAL)                                                                        \
	L_##NAME : {                                                                               \
		uint64_t a = DST + (uint64_t)(int64_t)insn->off;                                   \
		T v = (T)(VAL);                                                                    \
		MEMCHK(a, sizeof(T), true);                                                        \
		memcpy((void *)(uintptr_t)a, &v, sizeof(T));                                       \
		NEXT;                                                                              \
	}
	STORE(ST_B, uint8_t, IMM64)
	STORE(ST_H, uint16_t, IMM64)
	STORE(ST_W, uint32_t, IMM64)
	STORE(ST_DW, uint64_t, IMM64)
	STORE(STX_B, uint8_t, SRC)
	STORE(STX_H, uint16_t, SRC)
	STORE(STX_W, uint32_t, SRC)
	STORE(STX_DW, uint64_t, SRC)
#undef STORE

L_ATOMIC: {
	static const uint8_t sizes[4] = { 4, 2, 1, 8 }; /* BPF_W, _H, _B, _DW */
	uint32_t size = sizes[BPF_SIZE(insn->code) >> 3];
	int32_t op = insn->imm;
	/* load-acquire reads src + off into dst (like LDX); every other atomic is on dst + off */
	uint64_t a = (op == BPF_LOAD_ACQ ? SRC : DST) + (uint64_t)(int64_t)insn->off;
	void *p = (void *)(uintptr_t)a;

	if (unlikely(a & (size - 1))) { /* the verifier refuses misaligned atomics */
		fault_addr = a;
		fault_size = size;
		FAULT(SN_BPF_FAULT_MEM);
	}
	if (op == BPF_LOAD_ACQ) {
		MEMCHK(a, size, false);
		switch (size) {
		case 1:
			DST = __atomic_load_n((uint8_t *)p, __ATOMIC_ACQUIRE);
			break;
		case 2:
			DST = __atomic_load_n((uint16_t *)p, __ATOMIC_ACQUIRE);
			break;
		case 4:
			DST = __atomic_load_n((uint32_t *)p, __ATOMIC_ACQUIRE);
			break;
		default:
			DST = __atomic_load_n((uint64_t *)p, __ATOMIC_ACQUIRE);
		}
		NEXT;
	}
	if (op == BPF_STORE_REL) {
		MEMCHK(a, size, true);
		switch (size) {
		case 1:
			__atomic_store_n((uint8_t *)p, (uint8_t)SRC, __ATOMIC_RELEASE);
			break;
		case 2:
			__atomic_store_n((uint16_t *)p, (uint16_t)SRC, __ATOMIC_RELEASE);
			break;
		case 4:
			__atomic_store_n((uint32_t *)p, (uint32_t)SRC, __ATOMIC_RELEASE);
			break;
		default:
			__atomic_store_n((uint64_t *)p, SRC, __ATOMIC_RELEASE);
		}
		NEXT;
	}
	if (unlikely(size < 4))
		FAULT(SN_BPF_FAULT_INSN);
	MEMCHK(a, size, true);
	if (!(size == 4 ? atomic_rmw32(p, op, &SRC, &r[0]) : atomic_rmw64(p, op, &SRC, &r[0])))
		FAULT(SN_BPF_FAULT_INSN);
	NEXT;
}

L_BAD:
	FAULT(SN_BPF_FAULT_INSN);

fault:
	fault->reason = reason;
	fault->pc = pc;
	fault->addr = fault_addr;
	fault->size = fault_size;
	return XDP_ABORTED;

#undef DST
#undef SRC
#undef IMM64
#undef IMM32
#undef FAULT
#undef DISPATCH
#undef NEXT
#undef JUMP
#undef MEMCHK
}

#if defined(__clang__)
#pragma clang diagnostic pop
#else
#pragma GCC diagnostic pop
#endif
