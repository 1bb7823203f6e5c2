// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_xdp_interp.c - random but well-formed programs on the checked interpreter (bpf_interp.h).
 *
 * The input decodes (missing bytes read as zero, so every input is a program) into:
 *   - a frame: its length, contents, headroom (0 or 256), metadata (0..32 bytes), tailroom (0 or
 *     room for bpf_xdp_adjust_tail);
 *   - four maps, created per input: a 1-entry ARRAY (direct value access, sometimes
 *     BPF_F_RDONLY_PROG like .rodata), a 4-entry ARRAY, a 4-entry HASH holding keys 0 and 1, a
 *     2-entry PERCPU_ARRAY, value sizes from the input;
 *   - a program of 1..4 functions (main + bpf-to-bpf callees) from a stream of operations: every
 *     instruction has an opcode the ISA defines, registers r0..r10 (r10 never written, r6 keeps the
 *     ctx), jumps that land on an instruction start of their own function, calls that land on a
 *     callee's first instruction, and every function ends in exit. Operations are biased toward
 *     what reaches the allowed regions: ctx field loads, packet pointers with bounds checks,
 *     stack pointers, map lookups and direct map-value addresses, helpers with stack buffers.
 *     Plain jumps go forward; loops are counted (r9 = 1..16 ... r9 -= 1; if r9 s> 0 goto),
 *     nested up to 8 deep, so almost every run ends well inside the 10^6-instruction budget
 *     (a run to the budget costs ~0.1 s here; recursion with loops can still reach it, and
 *     the call depth limit ends recursion).
 *
 * The packet buffer (headroom + packet + tailroom), the ctx (struct sn_xdp_buff) and the program
 * are malloc'ed at exactly their size, so ASan reports any access past them; the map values are
 * the map module's. Checked after every run:
 *   - a fault (fault.reason != NONE) gives XDP_ABORTED, a known reason and a pc inside the
 *     program; when every exit of main returns r0 % 5 the verdict of a run without a fault is an
 *     XDP action (<= XDP_REDIRECT);
 *   - nothing outside the regions changed: the headroom and tailroom are canaries when the program
 *     calls no adjust helper (else the 40-byte xdp_frame reserve and the 320-byte skb_shared_info
 *     reserve, which no helper may move into), the ctx's fields other than data/data_end/
 *     data_meta, the padding of array slots past value_size, and a read-only map's value;
 *   - data_meta <= data <= data_end stay inside the buffer, data - data_meta <= 32.
 * FUZZ_XDP_INTERP_STATS=1 prints the verdicts and faults by reason at exit (to see what the
 * inputs reach); FUZZ_XDP_INTERP_DUMP=1 prints each program and frame layout.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>

#include "bhlock/bhlock.h"
#include "maps/map.h"
#include "xdp/bpf_interp.h"
#include "xdp/bpf_interp_internal.h"

#define FUZZ_TARGET "fuzz_xdp_interp"
#include "fuzz_check.h"

#ifndef BPF_LOAD_ACQ
#define BPF_LOAD_ACQ 0x100
#endif
#ifndef BPF_STORE_REL
#define BPF_STORE_REL 0x110
#endif
#define BPF_MEMSX_MODE 0x80

#define MAX_INSNS 2048
#define MAX_OPS 400
#define MAX_FUNCS 4
#define NR_MAPS 4
#define CANARY 0x5a

/* ---- input ------------------------------------------------------------------------------ */

struct in {
	const uint8_t *p;
	size_t n, off;
};

static uint8_t next(struct in *in)
{
	return in->off < in->n ? in->p[in->off++] : 0;
}

static uint16_t next16(struct in *in)
{
	return (uint16_t)(next(in) | next(in) << 8);
}

static uint32_t next32(struct in *in)
{
	return (uint32_t)next16(in) | (uint32_t)next16(in) << 16;
}

/* Immediates biased toward edges. */
static int32_t imm_of(struct in *in)
{
	static const int32_t special[] = { 0, 1, -1, 2, 4, 8, 14, 16, 31, 32, 63, 64, 0x7f, 0x80,
					   0xff, 0x7fff, 0x8000, 0xffff, INT32_MAX, INT32_MIN };
	uint8_t b = next(in);

	switch (b & 3) {
	case 0:
		return special[(b >> 2) % (sizeof(special) / sizeof(special[0]))];
	case 1:
		return (int32_t)(b >> 2) - 16;
	case 2:
		return (int32_t)next16(in);
	default:
		return (int32_t)next32(in);
	}
}

/* Memory offsets: mostly small, sometimes negative or large. */
static int16_t off_of(struct in *in)
{
	uint8_t b = next(in);

	switch (b & 3) {
	case 0:
		return (int16_t)((b >> 2) - 8);
	case 1:
		return (int16_t)(b >> 2);
	case 2:
		return (int16_t)-(int16_t)(b >> 2) * 8;
	default:
		return (int16_t)next16(in);
	}
}

/* ---- program builder -------------------------------------------------------------------- */

struct fixup {
	uint32_t pc;    /* the jump or call */
	uint8_t sel;    /* target selector */
	int func;       /* for calls: callee; for jumps: own function */
	bool call, ja32;
	uint32_t back;  /* a loop's back-edge: its target (else 0: forward jumps only) */
};

struct builder {
	struct bpf_insn insns[MAX_INSNS + 8];
	uint32_t len;
	bool is_start[MAX_INSNS + 8];
	uint32_t func_start[MAX_FUNCS], func_end[MAX_FUNCS];
	int nr_funcs, cur;
	uint8_t nr_calls[MAX_FUNCS], back_calls[MAX_FUNCS];
	struct fixup fix[MAX_INSNS];
	uint32_t nr_fix;
	uint32_t loops[8];  /* open loops of the current function: first insn of each body */
	int nr_loops;
	bool mask_verdict;  /* main's exits return r0 % 5 */
	bool adjusts;       /* the program calls an adjust helper (canaries move) */
	struct sn_map *maps[NR_MAPS];
	uint8_t *m0_value;
};

static bool room(const struct builder *b, uint32_t n)
{
	return b->len + n <= MAX_INSNS;
}

static void emit(struct builder *b, uint8_t code, uint8_t dst, uint8_t src, int16_t off,
		 int32_t imm)
{
	b->is_start[b->len] = true;
	b->insns[b->len++] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src,
						 .off = off, .imm = imm };
}

static void emit_ld64(struct builder *b, uint8_t dst, uint64_t v)
{
	emit(b, BPF_LD | BPF_IMM | BPF_DW, dst, 0, 0, (int32_t)(uint32_t)v);
	b->insns[b->len++] = (struct bpf_insn){ .imm = (int32_t)(uint32_t)(v >> 32) };
}

static void emit_fixup(struct builder *b, uint8_t code, uint8_t dst, uint8_t src, int32_t imm,
		       uint8_t sel, bool call, int callee)
{
	struct fixup *f = &b->fix[b->nr_fix++];

	f->pc = b->len;
	f->sel = sel;
	f->call = call;
	f->func = call ? callee : b->cur;
	f->ja32 = code == (BPF_JMP32 | BPF_JA);
	emit(b, code, dst, src, 0, imm);
}

/*
 * Destination registers: r0..r8 except r6 (the ctx, kept for ctx loads and helpers); r9 is the
 * loop counter, written only by the loop operations (and restored by calls, as r6..r9 are).
 */
static uint8_t dst_reg(uint8_t v)
{
	static const uint8_t r[] = { 0, 1, 2, 3, 4, 5, 7, 8 };

	return r[v % sizeof(r)];
}

static uint8_t src_reg(uint8_t v)
{
	return v % 11;
}

static void emit_exit(struct builder *b)
{
	if (b->cur == 0 && b->mask_verdict) {
		emit(b, BPF_ALU64 | BPF_MOD | BPF_K, 0, 0, 0, 5);
		emit(b, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		b->is_start[b->len - 1] = false; /* no jump lands between the two */
		return;
	}
	emit(b, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static void op_alu(struct builder *b, struct in *in)
{
	static const uint8_t ops[] = { BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR,  BPF_AND,
				       BPF_LSH, BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR, BPF_MOV,
				       BPF_ARSH, BPF_END };
	uint8_t s = next(in), regs = next(in);
	uint8_t op = ops[(s >> 2) % sizeof(ops)];
	bool alu64 = s & 1, x = s & 2;
	uint8_t cls = alu64 ? BPF_ALU64 : BPF_ALU;
	uint8_t dst = dst_reg(regs & 15), src = src_reg(regs >> 4);
	int16_t off = 0;
	int32_t imm = 0;

	switch (op) {
	case BPF_NEG:
		emit(b, cls | BPF_NEG, dst, 0, 0, 0);
		return;
	case BPF_END: {
		static const int32_t widths[] = { 16, 32, 64 };

		imm = widths[(regs >> 4) % 3];
		/* ALU64 | END is the unconditional bswap, encoded TO_LE only. */
		emit(b, cls | BPF_END | (alu64 || !x ? BPF_TO_LE : BPF_TO_BE), dst, 0, 0, imm);
		return;
	}
	case BPF_DIV:
	case BPF_MOD:
		off = (s >> 6) & 1; /* signed division (v4) */
		break;
	case BPF_MOV:
		if (x) {
			static const int16_t sx64[] = { 0, 0, 8, 16, 32 }, sx32[] = { 0, 0, 8, 16 };

			off = alu64 ? sx64[(s >> 6) % 5] : sx32[(s >> 6) % 4];
		}
		break;
	}
	if (x)
		emit(b, cls | op | BPF_X, dst, src, off, 0);
	else
		emit(b, cls | op | BPF_K, dst, 0, off, imm_of(in));
}

static void op_ld64(struct builder *b, struct in *in)
{
	uint8_t s = next(in), dst = dst_reg(next(in));

	switch (s & 3) {
	case 0: /* a map, as the loader leaves MAP_FD references */
		emit_ld64(b, dst, (uint64_t)(uintptr_t)b->maps[(s >> 2) % NR_MAPS]);
		break;
	case 1: /* a direct value address of the 1-entry array (global data), offset from input */
		emit_ld64(b, dst, (uint64_t)(uintptr_t)b->m0_value + (uint64_t)(int64_t)(int8_t)next(in));
		break;
	default:
		emit_ld64(b, dst, (uint64_t)next32(in) << 32 | next32(in));
	}
}

/* rX = ctx field: data, data_end, data_meta (u64) or a u32 field; rarely a bad offset. */
static void op_ctx_load(struct builder *b, struct in *in)
{
	uint8_t s = next(in), dst = dst_reg(next(in));

	switch (s % 8) {
	case 0:
	case 1:
	case 2:
		emit(b, BPF_LDX | BPF_MEM | BPF_DW, dst, 6, SN_XDP_CTX_OFF_DATA, 0);
		break;
	case 3:
	case 4:
		emit(b, BPF_LDX | BPF_MEM | BPF_DW, dst, 6, SN_XDP_CTX_OFF_DATA_END, 0);
		break;
	case 5:
		emit(b, BPF_LDX | BPF_MEM | BPF_DW, dst, 6, SN_XDP_CTX_OFF_DATA_META, 0);
		break;
	case 6:
		emit(b, BPF_LDX | BPF_MEM | BPF_W, dst, 6,
		     SN_XDP_CTX_OFF_INGRESS_IFINDEX + 4 * ((s >> 3) % 3), 0);
		break;
	default: /* anywhere in the struct: past the visible 36 bytes is a ctx fault */
		emit(b, BPF_LDX | BPF_MEM | (s & 0x18), dst, 6, (int16_t)((s >> 5) * 8 + 4), 0);
	}
}

static const uint8_t sizes[4] = { BPF_B, BPF_H, BPF_W, BPF_DW };

static void op_load(struct builder *b, struct in *in)
{
	uint8_t s = next(in), regs = next(in);
	uint8_t mode = (s & 4) && sizes[s & 3] != BPF_DW ? BPF_MEMSX_MODE : BPF_MEM;

	emit(b, BPF_LDX | mode | sizes[s & 3], dst_reg(regs & 15), src_reg(regs >> 4), off_of(in),
	     0);
}

static void op_store(struct builder *b, struct in *in)
{
	uint8_t s = next(in), regs = next(in);
	/* The base: any register, r10 (the stack) more often. */
	uint8_t base = (s & 8) ? 10 : src_reg(regs & 15);
	int16_t off = off_of(in);

	if (s & 4)
		emit(b, BPF_ST | BPF_MEM | sizes[s & 3], base, 0, off, imm_of(in));
	else
		emit(b, BPF_STX | BPF_MEM | sizes[s & 3], base, src_reg(regs >> 4), off, 0);
}

static void op_atomic(struct builder *b, struct in *in)
{
	static const int32_t ops[] = { BPF_ADD, BPF_AND, BPF_OR, BPF_XOR,
				       BPF_ADD | BPF_FETCH, BPF_AND | BPF_FETCH,
				       BPF_OR | BPF_FETCH, BPF_XOR | BPF_FETCH,
				       BPF_XCHG, BPF_CMPXCHG, BPF_LOAD_ACQ, BPF_STORE_REL };
	uint8_t s = next(in), regs = next(in);
	int32_t op = ops[(s >> 2) % 12];
	uint8_t size = sizes[s & 3];

	/* B/H exist for load-acquire / store-release only. */
	if ((size == BPF_B || size == BPF_H) && op != BPF_LOAD_ACQ && op != BPF_STORE_REL)
		size = BPF_W;
	if (op == BPF_LOAD_ACQ) /* dst = *(src + off) */
		emit(b, BPF_STX | BPF_ATOMIC | size, dst_reg(regs & 15),
		     (s & 0x80) ? 10 : src_reg(regs >> 4), off_of(in), op);
	else /* *(dst + off) op= src; the fetching forms write src: never r10 */
		emit(b, BPF_STX | BPF_ATOMIC | size, (s & 0x80) ? 10 : src_reg(regs & 15),
		     (op & BPF_FETCH) ? dst_reg(regs >> 4) : src_reg(regs >> 4), off_of(in), op);
}

static void op_jump(struct builder *b, struct in *in)
{
	static const uint8_t ops[] = { BPF_JEQ, BPF_JNE, BPF_JGT,  BPF_JGE,  BPF_JLT, BPF_JLE,
				       BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE, BPF_JSET, BPF_JA };
	uint8_t s = next(in), regs = next(in), sel = next(in);
	uint8_t op = ops[(s >> 2) % sizeof(ops)];
	uint8_t cls = (s & 1) ? BPF_JMP32 : BPF_JMP;

	if (op == BPF_JA) {
		emit_fixup(b, cls | BPF_JA, 0, 0, 0, sel, false, 0);
		return;
	}
	if (s & 2)
		emit_fixup(b, cls | op | BPF_X, src_reg(regs & 15), src_reg(regs >> 4), 0, sel,
			   false, 0);
	else
		emit_fixup(b, cls | op | BPF_K, src_reg(regs & 15), 0, imm_of(in), sel, false, 0);
}

/* A packet pointer checked against data_end, as programs do before they touch the packet. */
static void op_pkt_ptr(struct builder *b, struct in *in)
{
	uint8_t s = next(in), regs = next(in), sel = next(in);
	uint8_t p = dst_reg(regs & 15), e = dst_reg(regs >> 4);
	int32_t k = s & 0x3f;

	if (e == p)
		e = p == 8 ? 7 : 8;
	emit(b, BPF_LDX | BPF_MEM | BPF_DW, p, 6, (s & 0x40) ? SN_XDP_CTX_OFF_DATA_META
							       : SN_XDP_CTX_OFF_DATA, 0);
	emit(b, BPF_LDX | BPF_MEM | BPF_DW, e, 6, SN_XDP_CTX_OFF_DATA_END, 0);
	emit(b, BPF_ALU64 | BPF_MOV | BPF_X, 0, p, 0, 0);
	emit(b, BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, k);
	/* if (p + k > data_end) goto target  (else p..p+k is packet) */
	emit_fixup(b, BPF_JMP | BPF_JGT | BPF_X, 0, e, 0, sel, false, 0);
}

static void op_stack_ptr(struct builder *b, struct in *in)
{
	uint8_t s = next(in), dst = dst_reg(next(in));

	emit(b, BPF_ALU64 | BPF_MOV | BPF_X, dst, 10, 0, 0);
	emit(b, BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, (s & 0x80) ? (int32_t)s - 0x80 : -8 * (s % 66));
}

/* Helper calls with plausible arguments (stack buffers, the ctx, a map). */
static void op_helper(struct builder *b, struct in *in)
{
	uint8_t s = next(in), a = next(in), c = next(in);
	struct sn_map *map = b->maps[a % NR_MAPS];

	switch (s % 16) {
	case 0:
	case 1: /* v = lookup(map, &key); if (!v) goto ... */
		emit(b, BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, (a >> 2) % 5);
		emit_ld64(b, 1, (uint64_t)(uintptr_t)map);
		emit(b, BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
		emit(b, BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4);
		emit(b, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
		emit_fixup(b, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0, c, false, 0);
		if (s & 0x10)
			emit(b, BPF_ALU64 | BPF_MOV | BPF_X, dst_reg(s >> 5), 0, 0, 0);
		return;
	case 2: /* update(map, &key, value on the stack, flags) */
		emit(b, BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, (a >> 2) % 6);
		emit_ld64(b, 1, (uint64_t)(uintptr_t)map);
		emit(b, BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
		emit(b, BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4);
		emit(b, BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0);
		emit(b, BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -8 * (1 + c % 16));
		emit(b, BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, (s >> 4) % 5);
		emit(b, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_update_elem);
		return;
	case 3:
		emit(b, BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, (a >> 2) % 6);
		emit_ld64(b, 1, (uint64_t)(uintptr_t)map);
		emit(b, BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
		emit(b, BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4);
		emit(b, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_delete_elem);
		return;
	case 4: /* adjust_head / meta / tail by a small signed delta */
	case 5:
	case 6: {
		static const int32_t ids[] = { BPF_FUNC_xdp_adjust_head, BPF_FUNC_xdp_adjust_meta,
					       BPF_FUNC_xdp_adjust_tail };

		b->adjusts = true;
		emit(b, BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
		emit(b, BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, (int32_t)(int8_t)a * ((c & 1) ? 4 : 1));
		emit(b, BPF_JMP | BPF_CALL, 0, 0, 0, ids[s % 16 - 4]);
		return;
	}
	case 7: /* load_bytes / store_bytes(ctx, off, stack buf, len) */
	case 8:
		emit(b, BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
		emit(b, BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, (int32_t)(int8_t)a);
		emit(b, BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0);
		emit(b, BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -64 - 8 * (c & 7));
		emit(b, BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, (c >> 3) * 4 + (s >> 4));
		emit(b, BPF_JMP | BPF_CALL, 0, 0, 0,
		     s % 16 == 7 ? BPF_FUNC_xdp_load_bytes : BPF_FUNC_xdp_store_bytes);
		return;
	case 9: /* csum_diff(from, from_size, to, to_size, seed) on the stack or r7/r8 */
		emit(b, BPF_ALU64 | BPF_MOV | BPF_X, 1, (a & 1) ? 7 : 10, 0, 0);
		emit(b, BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, (a & 1) ? 0 : -32);
		emit(b, BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, (a >> 1) % 40);
		emit(b, BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0);
		emit(b, BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -64);
		emit(b, BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, c % 40);
		emit(b, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_csum_diff);
		return;
	case 10: /* helpers without pointer arguments, on the ctx or raw registers */
		emit(b, BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
		emit(b, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_xdp_get_buff_len);
		return;
	case 11: {
		static const int32_t ids[] = { BPF_FUNC_ktime_get_ns, BPF_FUNC_get_smp_processor_id,
					       BPF_FUNC_get_prandom_u32, BPF_FUNC_ktime_get_boot_ns };

		emit(b, BPF_JMP | BPF_CALL, 0, 0, 0, ids[a % 4]);
		return;
	}
	case 12: /* redirect(ifindex, flags) / redirect_map(a non-devmap map) */
		emit(b, BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, a);
		emit(b, BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, (c & 0x80) ? c & 7 : 0);
		emit(b, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_redirect);
		return;
	case 13: /* a map helper with a raw register as map or key: refused, ends ABORTED */
		emit(b, BPF_JMP | BPF_CALL, 0, 0, 0,
		     (a & 1) ? BPF_FUNC_map_lookup_elem : BPF_FUNC_map_update_elem);
		return;
	case 14: /* ctx helpers with a raw r1 */
		emit(b, BPF_JMP | BPF_CALL, 0, 0, 0,
		     (a & 1) ? BPF_FUNC_xdp_get_buff_len : BPF_FUNC_xdp_load_bytes);
		return;
	default: /* a helper id softnetd lacks (e.g. bpf_tail_call): HELPER fault */
		emit(b, BPF_JMP | BPF_CALL, 0, 0, 0, (a & 1) ? BPF_FUNC_tail_call : 500 + a);
		return;
	}
}

/* Resolve jumps (to an instruction start of their function) and calls (to a callee's start). */
static void resolve(struct builder *b)
{
	for (uint32_t i = 0; i < b->nr_fix; i++) {
		struct fixup *f = &b->fix[i];
		struct bpf_insn *insn = &b->insns[f->pc];
		uint32_t target;

		if (f->call) {
			target = b->func_start[f->func];
		} else if (f->back) {
			target = f->back;
		} else {
			/* Forward only (loops are the loop operations'): after the jump, in its
			 * function, which always ends with an exit after it. */
			uint32_t lo = f->pc + 1, hi = b->func_end[f->func], n = 0, k;

			for (uint32_t j = lo; j < hi; j++)
				n += b->is_start[j];
			k = f->sel % n;
			for (target = lo;; target++)
				if (b->is_start[target] && k-- == 0)
					break;
		}
		int32_t rel = (int32_t)target - (int32_t)(f->pc + 1);

		if (f->call || f->ja32)
			insn->imm = rel;
		else
			insn->off = (int16_t)rel;
	}
}

/*
 * r9 -= 1; if r9 s> 0 goto body. Bounded: r9 only ever grows by the loop opening's r9 = 1..16
 * (a callee's changes are undone at its exit), and every back-edge taken decrements it, so an
 * outer loop whose body opened an inner one ends after that pass.
 */
static void close_loop(struct builder *b)
{
	uint32_t body = b->loops[--b->nr_loops];

	emit(b, BPF_ALU64 | BPF_SUB | BPF_K, 9, 0, 0, 1);
	emit_fixup(b, BPF_JMP | BPF_JSGT | BPF_K, 9, 0, 0, 0, false, 0);
	b->fix[b->nr_fix - 1].back = body;
}

static void build(struct builder *b, struct in *in)
{
	uint8_t hdr = next(in);
	int want_funcs = 1 + hdr % MAX_FUNCS, ops = 0;

	b->mask_verdict = !(hdr & 0x80);
	b->nr_funcs = 1;
	b->cur = 0;
	b->func_start[0] = 0;
	emit(b, BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0); /* r6 = ctx */

	while (in->off < in->n && ops++ < MAX_OPS && room(b, 48)) {
		uint8_t op = next(in);

		switch (op % 22) {
		case 0:
		case 1:
		case 2:
		case 3:
			op_alu(b, in);
			break;
		case 4:
			op_ld64(b, in);
			break;
		case 5:
		case 6:
			op_ctx_load(b, in);
			break;
		case 7:
		case 8:
			op_load(b, in);
			break;
		case 9:
		case 10:
			op_store(b, in);
			break;
		case 11:
			op_atomic(b, in);
			break;
		case 12:
		case 13:
			op_jump(b, in);
			break;
		case 14:
			op_pkt_ptr(b, in);
			break;
		case 15:
			op_stack_ptr(b, in);
			break;
		case 16:
			op_helper(b, in);
			break;
		case 17: /* bpf-to-bpf call to a callee (never main): r1 = ctx first, sometimes */
			/*
			 * Not inside a loop, at most 3 call sites per function and one of them
			 * to itself or an earlier callee (recursion, to reach the depth limit):
			 * else the call tree grows as (call sites)^depth and most runs would end
			 * on the budget, ~0.1 s each.
			 */
			if (want_funcs > 1 && !b->nr_loops && b->nr_calls[b->cur] < 3) {
				uint8_t t = next(in);
				int callee = 1 + t % (want_funcs - 1);

				if (callee <= b->cur && b->back_calls[b->cur]++)
					break;
				b->nr_calls[b->cur]++;
				if (t & 0x80)
					emit(b, BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
				emit_fixup(b, BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0, true,
					   callee);
			}
			break;
		case 18:
			if (op & 0x20)
				emit(b, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, next(in) % 6);
			emit_exit(b);
			break;
		case 19: /* open a loop: r9 = 1..16 */
			if (b->nr_loops < 8) {
				emit(b, BPF_ALU64 | BPF_MOV | BPF_K, 9, 0, 0, 1 + next(in) % 16);
				b->loops[b->nr_loops++] = b->len;
			}
			break;
		case 20: /* close the innermost loop */
			if (b->nr_loops)
				close_loop(b);
			break;
		default: /* end this function, start the next */
			if (b->nr_funcs < want_funcs) {
				while (b->nr_loops)
					close_loop(b);
				emit(b, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_PASS);
				emit_exit(b);
				b->func_end[b->cur] = b->len;
				b->cur = b->nr_funcs++;
				b->func_start[b->cur] = b->len;
			}
			break;
		}
	}
	/* Close the open function and any callee not started yet, each ending in exit. */
	for (;;) {
		while (b->nr_loops)
			close_loop(b);
		emit(b, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_PASS);
		emit_exit(b);
		b->func_end[b->cur] = b->len;
		if (b->nr_funcs >= want_funcs)
			break;
		b->cur = b->nr_funcs++;
		b->func_start[b->cur] = b->len;
	}
	resolve(b);
}

/* ---- maps ------------------------------------------------------------------------------- */

struct map_desc {
	enum bpf_map_type type;
	uint32_t max;
	uint32_t key_size;
};
static const struct map_desc map_descs[NR_MAPS] = {
	{ BPF_MAP_TYPE_ARRAY, 1, 4 },
	{ BPF_MAP_TYPE_ARRAY, 4, 4 },
	{ BPF_MAP_TYPE_HASH, 4, 4 },
	{ BPF_MAP_TYPE_PERCPU_ARRAY, 2, 4 },
};

/* The padding of each array slot past value_size is zero and must stay so. */
static void check_array_padding(struct sn_map *m, const char *what)
{
	uint32_t vs = sn_map__value_size(m), pad = ((vs + 7) & ~7U) - vs;

	for (uint32_t k = 0; k < sn_map__max_entries(m); k++) {
		const uint8_t *v = sn_map_lookup_elem(m, &k);

		CHECK(v, "%s: no value at %u", what, k);
		for (uint32_t i = 0; i < pad; i++)
			CHECK(v[vs + i] == 0, "%s[%u]: padding byte %u (past value_size %u) written",
			      what, k, i, vs);
	}
}

/* ---- target ----------------------------------------------------------------------------- */

static uint64_t fault_count[SN_BPF_FAULT_NR], runs, verdicts[6];
static bool dump; /* FUZZ_XDP_INTERP_DUMP=1: print each program (to read a crash input) */

static void print_stats(void)
{
	static const char *const names[SN_BPF_FAULT_NR] = { "none", "mem", "ctx", "jump",
							    "call_depth", "budget", "helper",
							    "insn" };

	fprintf(stderr, "fuzz_xdp_interp: %llu runs; verdicts", (unsigned long long)runs);
	for (int i = 0; i < 6; i++)
		fprintf(stderr, " %llu", (unsigned long long)verdicts[i]);
	fprintf(stderr, " (ABORTED..REDIRECT, other); faults:");
	for (int i = 1; i < SN_BPF_FAULT_NR; i++)
		fprintf(stderr, " %s %llu", names[i], (unsigned long long)fault_count[i]);
	fputc('\n', stderr);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Per-CPU maps and helpers need a task that cannot migrate (map.h, bpf_interp.h). */
	if (bh_task_pin(0)) {
		fprintf(stderr, "fuzz_xdp_interp: cannot pin to CPU 0\n");
		exit(1);
	}
	if (getenv("FUZZ_XDP_INTERP_STATS"))
		atexit(print_stats);
	dump = getenv("FUZZ_XDP_INTERP_DUMP") != NULL;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct builder b; /* large: not on the stack */
	struct in in = { .p = data, .n = size };
	uint8_t fl = next(&in), lb = next(&in), vsb = next(&in), mb = next(&in);
	uint32_t headroom = (fl & 1) ? SN_XDP_HEADROOM : 0;
	uint32_t meta = headroom ? 4 * ((fl >> 1) % 9) : 0; /* 0..32 */
	uint32_t len = (fl & 8) ? 14u * (lb % 110) : lb;    /* up to 1526 */
	uint32_t tailroom = (fl & 0x10) ? SN_XDP_TAILROOM_RESERVE + 64 : 0;
	uint32_t frame_sz = headroom + len + tailroom, vs[NR_MAPS];
	uint8_t *buf, *before, *m0_before;
	struct sn_xdp_buff *xdp, ctx_before;
	struct sn_bpf_prog prog;
	struct sn_bpf_fault fault;
	uint32_t verdict, zero = 0;

	memset(&b, 0, sizeof(b));
	/* Frame: an exactly sized buffer; the packet from the input, the rest canaries. */
	buf = malloc(frame_sz ? frame_sz : 1);
	before = malloc(frame_sz ? frame_sz : 1);
	CHECK(buf && before, "out of memory");
	memset(buf, CANARY, frame_sz);
	for (uint32_t i = 0; i < len; i++)
		buf[headroom + i] = i < 64 ? next(&in) : (uint8_t)(buf[headroom + i % 64] + i);
	memset(buf + headroom - meta, 0, meta);
	xdp = malloc(sizeof(*xdp));
	CHECK(xdp, "out of memory");
	memset(xdp, 0, sizeof(*xdp));
	xdp->data_hard_start = buf;
	xdp->frame_sz = frame_sz;
	xdp->data = buf + headroom;
	xdp->data_meta = xdp->data - meta;
	xdp->data_end = xdp->data + len;
	xdp->ingress_ifindex = 1 + (fl >> 5);
	xdp->rx_queue_index = mb & 3;

	/* Maps: value sizes from the input; m0 read-only like .rodata when asked. */
	for (int i = 0; i < NR_MAPS; i++) {
		struct sn_map_create_opts o = { .sz = sizeof(o) };

		vs[i] = i == 3 ? 8 : 1 + ((vsb >> (2 * i)) & 3) * 13 + (mb >> 4) % 8;
		if (i == 0 && (mb & 4))
			o.map_flags = BPF_F_RDONLY_PROG;
		b.maps[i] = sn_map__create(map_descs[i].type, "fuzz", map_descs[i].key_size, vs[i],
					   map_descs[i].max, &o);
		CHECK(b.maps[i], "map %d: create failed: %s", i, strerror(errno));
	}
	{
		uint8_t v[64];

		memset(v, 0x11, sizeof(v));
		for (uint32_t k = 0; k < 2; k++) {
			v[0] = (uint8_t)k;
			CHECK(sn_map__update_elem(b.maps[2], &k, v, BPF_ANY) == 0, "hash update");
		}
		CHECK(sn_map__update_elem(b.maps[0], &zero, v, BPF_ANY) == 0, "array update");
	}
	b.m0_value = sn_map_lookup_elem(b.maps[0], &zero);
	CHECK(b.m0_value, "no value in the 1-entry array");
	m0_before = malloc(vs[0]);
	CHECK(m0_before, "out of memory");
	memcpy(m0_before, b.m0_value, vs[0]);

	build(&b, &in);

	memset(&prog, 0, sizeof(prog));
	snprintf(prog.name, sizeof(prog.name), "fuzz");
	snprintf(prog.sec, sizeof(prog.sec), "xdp");
	prog.len = b.len;
	prog.insns = malloc(b.len * sizeof(struct bpf_insn)); /* exactly sized */
	CHECK(prog.insns, "out of memory");
	memcpy(prog.insns, b.insns, b.len * sizeof(struct bpf_insn));
	prog.maps = b.maps;
	prog.nr_maps = NR_MAPS;
	prog.engine = SN_XDP_ENGINE_INTERP;

	if (dump) {
		fprintf(stderr, "frame: headroom %u meta %u len %u tailroom %u; %d functions\n",
			headroom, meta, len, tailroom, b.nr_funcs);
		for (uint32_t i = 0; i < b.len; i++) {
			const struct bpf_insn *x = &b.insns[i];

			fprintf(stderr, "%4u: code %#04x dst r%u src r%u off %d imm %d\n", i, x->code,
				x->dst_reg, x->src_reg, x->off, x->imm);
		}
	}
	memcpy(before, buf, frame_sz);
	ctx_before = *xdp;
	verdict = sn_bpf_interp_run(&prog, xdp, &fault);
	runs++;
	verdicts[verdict <= XDP_REDIRECT ? verdict : 5]++;

	/* The verdict and the fault report. */
	CHECK((unsigned)fault.reason < SN_BPF_FAULT_NR, "fault reason %d", fault.reason);
	fault_count[fault.reason]++;
	if (fault.reason != SN_BPF_FAULT_NONE) {
		CHECK(verdict == XDP_ABORTED, "fault %d at pc %u but verdict %u", fault.reason,
		      fault.pc, verdict);
		CHECK(fault.pc < b.len, "fault pc %u outside the program (%u insns)", fault.pc,
		      b.len);
	} else if (b.mask_verdict) {
		CHECK(verdict <= XDP_REDIRECT, "verdict %u is not an XDP action", verdict);
	}

	/* The ctx: only data, data_end, data_meta may move, and only inside the buffer. */
	CHECK(xdp->data_hard_start == ctx_before.data_hard_start &&
		      xdp->frame_sz == ctx_before.frame_sz &&
		      xdp->ingress_ifindex == ctx_before.ingress_ifindex &&
		      xdp->rx_queue_index == ctx_before.rx_queue_index &&
		      xdp->egress_ifindex == ctx_before.egress_ifindex && xdp->rxdev == NULL &&
		      xdp->frame == NULL,
	      "a ctx field other than data/data_end/data_meta changed");
	CHECK(xdp->data_meta >= buf && xdp->data_meta <= xdp->data && xdp->data <= xdp->data_end &&
		      xdp->data_end <= buf + frame_sz && xdp->data - xdp->data_meta <= SN_XDP_META_MAX,
	      "packet pointers out of order or outside the buffer: meta %td data %td end %td "
	      "(frame %u)",
	      xdp->data_meta - buf, xdp->data - buf, xdp->data_end - buf, frame_sz);
	if (!b.adjusts) {
		CHECK(xdp->data == ctx_before.data && xdp->data_end == ctx_before.data_end &&
			      xdp->data_meta == ctx_before.data_meta,
		      "packet pointers moved without an adjust helper");
		for (uint32_t i = 0; i < frame_sz; i++)
			if (buf + i < xdp->data_meta || buf + i >= xdp->data_end)
				CHECK(buf[i] == before[i],
				      "byte %u of the buffer, outside the packet [%td, %td), written",
				      i, xdp->data_meta - buf, xdp->data_end - buf);
	} else {
		/* No helper may move data_meta below hard_start + 40 or data_end past the
		 * skb_shared_info reserve: those bytes are never the program's. */
		uint32_t lo = headroom ? SN_XDP_FRAME_RESERVE : 0;
		uint32_t hi = tailroom ? frame_sz - SN_XDP_TAILROOM_RESERVE : frame_sz;

		if (headroom < lo)
			lo = headroom;
		if (hi < headroom + len)
			hi = headroom + len;
		for (uint32_t i = 0; i < frame_sz; i++)
			if (i < lo || i >= hi)
				CHECK(buf[i] == before[i],
				      "byte %u of the buffer (a reserve the program never owns) "
				      "written",
				      i);
	}
	/* Map values: array slot padding, the read-only map's value. */
	check_array_padding(b.maps[0], "array1");
	check_array_padding(b.maps[1], "array4");
	if (mb & 4)
		CHECK(!memcmp(m0_before, b.m0_value, vs[0]), "the read-only map's value changed");

	for (int i = 0; i < NR_MAPS; i++)
		sn_map__free(b.maps[i]);
	free(prog.insns);
	free(m0_before);
	free(xdp);
	free(before);
	free(buf);
	return 0;
}
