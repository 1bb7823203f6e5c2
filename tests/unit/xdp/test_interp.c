// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_interp.c - the checked interpreter on hand-assembled programs: every opcode class against
 * C computations (10^5 random ALU and JMP cases, 32- and 64-bit, signed and unsigned), memory of
 * every size, atomics, bpf-to-bpf calls and frames, and each fault kind ending as XDP_ABORTED
 * with its reason and no byte of the buffer touched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"
#include "maps/map.h"
#include "xdp/bpf_interp.h"

#include "bpf_asm.h"

static struct test_buf tb;

static uint32_t run(struct bpf_insn *insns, uint32_t n, struct sn_bpf_fault *f)
{
	struct sn_bpf_prog p = tb_prog(insns, n, NULL, 0);

	return sn_bpf_interp_run(&p, &tb.xdp, f);
}

static uint32_t run_maps(struct bpf_insn *insns, uint32_t n, struct sn_map **maps, uint32_t nm,
			 struct sn_bpf_fault *f)
{
	struct sn_bpf_prog p = tb_prog(insns, n, maps, nm);

	return sn_bpf_interp_run(&p, &tb.xdp, f);
}

static uint64_t rng_state = 0x123456789abcdefULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Operands biased toward the edges: 0, ±1, min/max of 8..64 bits, small shift counts. */
static uint64_t operand(void)
{
	static const uint64_t special[] = {
		0, 1, UINT64_MAX, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
		0x80000000, 0xffffffff, 0x100000000ULL, INT64_MAX, (uint64_t)INT64_MIN,
		0xffffffff80000000ULL, 31, 32, 63, 64,
	};

	switch (rnd() % 4) {
	case 0:
		return special[rnd() % (sizeof(special) / sizeof(special[0]))];
	case 1:
		return rnd() % 70;
	case 2:
		return (uint64_t)(int64_t)(int32_t)rnd();
	default:
		return rnd();
	}
}

/* ---- the reference: the ISA document's semantics written the plain way ---- */

static uint64_t ref_alu(int op, bool is64, uint64_t a, uint64_t b, int16_t off)
{
	if (is64) {
		switch (op) {
		case BPF_ADD: return a + b;
		case BPF_SUB: return a - b;
		case BPF_MUL: return a * b;
		case BPF_OR: return a | b;
		case BPF_AND: return a & b;
		case BPF_XOR: return a ^ b;
		case BPF_LSH: return a << (b % 64);
		case BPF_RSH: return a >> (b % 64);
		case BPF_ARSH: {
			uint64_t s = b % 64, r = a >> s;

			if (s && (a >> 63))
				r |= ~0ULL << (64 - s);
			return r;
		}
		case BPF_NEG: return (uint64_t)(-(__int128)a);
		case BPF_MOV:
			if (off == 8) return (uint64_t)(int64_t)(int8_t)b;
			if (off == 16) return (uint64_t)(int64_t)(int16_t)b;
			if (off == 32) return (uint64_t)(int64_t)(int32_t)b;
			return b;
		case BPF_DIV:
			if (b == 0) return 0;
			if (off == 0) return a / b;
			return (uint64_t)(__int128)((__int128)(int64_t)a / (__int128)(int64_t)b);
		case BPF_MOD:
			if (b == 0) return a;
			if (off == 0) return a % b;
			return (uint64_t)(__int128)((__int128)(int64_t)a % (__int128)(int64_t)b);
		}
	} else {
		uint32_t x = (uint32_t)a, y = (uint32_t)b;

		switch (op) {
		case BPF_ADD: return (uint32_t)(x + y);
		case BPF_SUB: return (uint32_t)(x - y);
		case BPF_MUL: return (uint32_t)(x * y);
		case BPF_OR: return x | y;
		case BPF_AND: return x & y;
		case BPF_XOR: return x ^ y;
		case BPF_LSH: return (uint32_t)(x << (y % 32));
		case BPF_RSH: return x >> (y % 32);
		case BPF_ARSH: {
			uint32_t s = y % 32, r = x >> s;

			if (s && (x >> 31))
				r |= ~0U << (32 - s);
			return r;
		}
		case BPF_NEG: return (uint32_t)(0U - x);
		case BPF_MOV:
			if (off == 8) return (uint32_t)(int32_t)(int8_t)y;
			if (off == 16) return (uint32_t)(int32_t)(int16_t)y;
			return y;
		case BPF_DIV:
			if (y == 0) return 0;
			if (off == 0) return x / y;
			return (uint32_t)(int64_t)((int64_t)(int32_t)x / (int64_t)(int32_t)y);
		case BPF_MOD:
			if (y == 0) return x;
			if (off == 0) return x % y;
			return (uint32_t)(int64_t)((int64_t)(int32_t)x % (int64_t)(int32_t)y);
		}
	}
	fail_msg("op %#x", op);
	return 0;
}

static bool ref_jmp(int op, bool is64, uint64_t a, uint64_t b)
{
	int64_t sa = is64 ? (int64_t)a : (int32_t)a, sb = is64 ? (int64_t)b : (int32_t)b;

	if (!is64) {
		a = (uint32_t)a;
		b = (uint32_t)b;
	}
	switch (op) {
	case BPF_JEQ: return a == b;
	case BPF_JNE: return a != b;
	case BPF_JGT: return a > b;
	case BPF_JGE: return a >= b;
	case BPF_JLT: return a < b;
	case BPF_JLE: return a <= b;
	case BPF_JSGT: return sa > sb;
	case BPF_JSGE: return sa >= sb;
	case BPF_JSLT: return sa < sb;
	case BPF_JSLE: return sa <= sb;
	case BPF_JSET: return (a & b) != 0;
	}
	fail_msg("jmp %#x", op);
	return false;
}

static uint64_t pkt_u64(void)
{
	uint64_t v;

	memcpy(&v, tb.xdp.data, 8);
	return v;
}

/* r4 = data; r2 = a; r3 = b; <op>; *(u64 *)data = r2; return XDP_PASS. */
static void test_alu_random(void **state)
{
	static const int ops[] = { BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR,  BPF_AND, BPF_LSH,
				   BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH };
	(void)state;
	tb_init(&tb, 64);
	for (int n = 0; n < 100000; n++) {
		int op = ops[rnd() % (sizeof(ops) / sizeof(ops[0]))];
		bool is64 = rnd() & 1, k = (rnd() & 1) && op != BPF_NEG;
		uint64_t a = operand(), b = operand();
		int16_t off = 0;
		struct sn_bpf_fault f;

		if (op == BPF_DIV || op == BPF_MOD)
			off = rnd() & 1;
		if (op == BPF_MOV && !k) {
			static const int16_t offs64[] = { 0, 8, 16, 32 }, offs32[] = { 0, 8, 16 };

			off = is64 ? offs64[rnd() % 4] : offs32[rnd() % 3];
		}
		if (k) /* an imm is 32 bits, sign-extended for ALU64 */
			b = (uint64_t)(int64_t)(int32_t)b;
		struct bpf_insn full[] = {
			LDX(BPF_DW, 4, 1, 0), LD64(2, a), LD64(3, b),
			/* NEG has only the K encoding, with imm 0 */
			I((is64 ? BPF_ALU64 : BPF_ALU) | op | (k || op == BPF_NEG ? BPF_K : BPF_X), 2,
			  k || op == BPF_NEG ? 0 : 3, off, k ? (int32_t)b : 0),
			STX(BPF_DW, 4, 2, 0), MOV64_K(0, XDP_PASS), EXIT(),
		};

		if (run(full, sizeof(full) / sizeof(full[0]), &f) != XDP_PASS)
			fail_msg("alu%s op %#x %s off %d: fault %d at %u", is64 ? "64" : "32", op,
				 k ? "K" : "X", off, f.reason, f.pc);
		uint64_t want = ref_alu(op, is64, a, b, off);

		if (pkt_u64() != want)
			fail_msg("alu%s op %#x %s off %d: a %#llx b %#llx got %#llx want %#llx",
				 is64 ? "64" : "32", op, k ? "K" : "X", off, (unsigned long long)a,
				 (unsigned long long)b, (unsigned long long)pkt_u64(),
				 (unsigned long long)want);
	}
}

static void test_jmp_random(void **state)
{
	static const int ops[] = { BPF_JEQ,  BPF_JNE,  BPF_JGT,  BPF_JGE,  BPF_JLT, BPF_JLE,
				   BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE, BPF_JSET };
	(void)state;
	tb_init(&tb, 64);
	for (int n = 0; n < 100000; n++) {
		int op = ops[rnd() % (sizeof(ops) / sizeof(ops[0]))];
		bool is64 = rnd() & 1, k = rnd() & 1;
		uint64_t a = operand(), b = operand();
		struct sn_bpf_fault f;

		if (k)
			b = (uint64_t)(int64_t)(int32_t)b;
		struct bpf_insn prog[] = {
			LD64(2, a), LD64(3, b),
			I((is64 ? BPF_JMP : BPF_JMP32) | op | (k ? BPF_K : BPF_X), 2, k ? 0 : 3, 2,
			  k ? (int32_t)b : 0),
			MOV64_K(0, 1), EXIT(), MOV64_K(0, 2), EXIT(),
		};
		uint32_t got = run(prog, sizeof(prog) / sizeof(prog[0]), &f);

		if (got != (ref_jmp(op, is64, a, b) ? 2U : 1U))
			fail_msg("jmp%s op %#x %s: a %#llx b %#llx got %u", is64 ? "" : "32", op,
				 k ? "K" : "X", (unsigned long long)a, (unsigned long long)b, got);
	}
}

static void test_alu_edges(void **state)
{
	struct sn_bpf_fault f;
	(void)state;
	tb_init(&tb, 64);
	/* Division by zero: 0; modulo by zero: dst unchanged (ALU32: truncated). */
	struct bpf_insn p1[] = { LDX(BPF_DW, 4, 1, 0), LD64(2, 0x1234567890ULL), MOV64_K(3, 0),
				 ALU32_X(BPF_MOD, 2, 3), STX(BPF_DW, 4, 2, 0),
				 LD64(2, 0x1234567890ULL), ALU64_X(BPF_DIV, 2, 3),
				 STX(BPF_DW, 4, 2, 8), MOV64_K(0, 2), EXIT() };
	assert_int_equal(run(p1, sizeof(p1) / sizeof(p1[0]), &f), XDP_PASS);
	assert_int_equal(pkt_u64(), 0x34567890ULL);
	uint64_t v;

	memcpy(&v, tb.xdp.data + 8, 8);
	assert_int_equal(v, 0);
	/* Signed INT64_MIN / -1 = INT64_MIN; % -1 = 0. */
	struct bpf_insn p2[] = { LDX(BPF_DW, 4, 1, 0), LD64(2, (uint64_t)INT64_MIN),
				 I(BPF_ALU64 | BPF_DIV | BPF_K, 2, 0, 1, -1), STX(BPF_DW, 4, 2, 0),
				 LD64(2, (uint64_t)INT64_MIN),
				 I(BPF_ALU64 | BPF_MOD | BPF_K, 2, 0, 1, -1), STX(BPF_DW, 4, 2, 8),
				 MOV64_K(0, 2), EXIT() };
	assert_int_equal(run(p2, sizeof(p2) / sizeof(p2[0]), &f), XDP_PASS);
	assert_int_equal(pkt_u64(), (uint64_t)INT64_MIN);
	memcpy(&v, tb.xdp.data + 8, 8);
	assert_int_equal(v, 0);
	/* Byte swaps: to_be 16/32/64, to_le (truncation), ALU64 bswap. */
	struct bpf_insn p3[] = {
		LDX(BPF_DW, 4, 1, 0),
		LD64(2, 0x0102030405060708ULL), I(BPF_ALU | BPF_END | BPF_TO_BE, 2, 0, 0, 16),
		STX(BPF_DW, 4, 2, 0),
		LD64(2, 0x0102030405060708ULL), I(BPF_ALU | BPF_END | BPF_TO_BE, 2, 0, 0, 32),
		STX(BPF_DW, 4, 2, 8),
		LD64(2, 0x0102030405060708ULL), I(BPF_ALU | BPF_END | BPF_TO_BE, 2, 0, 0, 64),
		STX(BPF_DW, 4, 2, 16),
		LD64(2, 0x0102030405060708ULL), I(BPF_ALU | BPF_END | BPF_TO_LE, 2, 0, 0, 16),
		STX(BPF_DW, 4, 2, 24),
		LD64(2, 0x0102030405060708ULL), I(BPF_ALU64 | BPF_END | BPF_TO_LE, 2, 0, 0, 32),
		STX(BPF_DW, 4, 2, 32),
		MOV64_K(0, 2), EXIT(),
	};
	uint64_t want[] = { 0x0807, 0x08070605, 0x0807060504030201ULL, 0x0708, 0x08070605 };

	assert_int_equal(run(p3, sizeof(p3) / sizeof(p3[0]), &f), XDP_PASS);
	for (int i = 0; i < 5; i++) {
		memcpy(&v, tb.xdp.data + 8 * i, 8);
		assert_int_equal(v, want[i]);
	}
	/* JMP32 JA (gotol, offset in imm) and a backward JA. */
	struct bpf_insn p4[] = { MOV64_K(0, 1), I(BPF_JMP32 | BPF_JA, 0, 0, 0, 2), MOV64_K(0, 7),
				 EXIT(), ALU64_K(BPF_ADD, 0, 1), JA(-3) };
	assert_int_equal(run(p4, 6, &f), 2);
}

static void test_memory(void **state)
{
	struct sn_bpf_fault f;
	(void)state;
	tb_init(&tb, 64);
	/* Loads of each size zero-extend, MEMSX sign-extends; stores truncate; ST stores imm. */
	memset(tb.xdp.data, 0xf0, 16);
	struct bpf_insn p[] = {
		LDX(BPF_DW, 4, 1, 0),
		LDX(BPF_B, 2, 4, 0), STX(BPF_DW, 10, 2, -8),
		LDX(BPF_H, 2, 4, 0), STX(BPF_DW, 10, 2, -16),
		LDX(BPF_W, 2, 4, 0), STX(BPF_DW, 10, 2, -24),
		LDXSX(BPF_B, 2, 4, 0), STX(BPF_DW, 10, 2, -32),
		LDXSX(BPF_H, 2, 4, 0), STX(BPF_DW, 10, 2, -40),
		LDXSX(BPF_W, 2, 4, 0), STX(BPF_DW, 10, 2, -48),
		/* copy the six stack slots to the packet at 16.. */
		LDX(BPF_DW, 2, 10, -8), STX(BPF_DW, 4, 2, 16),
		LDX(BPF_DW, 2, 10, -16), STX(BPF_DW, 4, 2, 24),
		LDX(BPF_DW, 2, 10, -24), STX(BPF_DW, 4, 2, 32),
		LDX(BPF_DW, 2, 10, -32), STX(BPF_DW, 4, 2, 40),
		LDX(BPF_DW, 2, 10, -40), STX(BPF_DW, 4, 2, 48),
		LDX(BPF_DW, 2, 10, -48), STX(BPF_DW, 4, 2, 56),
		ST(BPF_B, 4, 8, 0x1ff), ST(BPF_H, 4, 9, -2), ST(BPF_W, 4, 11, 0x11223344),
		ST(BPF_DW, 4, 0, -1),
		MOV64_K(0, 2), EXIT(),
	};
	uint64_t want[] = { 0xf0, 0xf0f0, 0xf0f0f0f0, (uint64_t)-16, 0xfffffffffffff0f0ULL,
			    0xfffffffff0f0f0f0ULL };

	assert_int_equal(run(p, sizeof(p) / sizeof(p[0]), &f), XDP_PASS);
	for (int i = 0; i < 6; i++) {
		uint64_t v;

		memcpy(&v, tb.xdp.data + 16 + 8 * i, 8);
		assert_int_equal(v, want[i]);
	}
	assert_int_equal(pkt_u64(), UINT64_MAX);
	assert_int_equal(tb.xdp.data[8], 0xff);
	assert_int_equal(tb.xdp.data[9], 0xfe);
	assert_int_equal(tb.xdp.data[10], 0xff);
	assert_int_equal(tb.xdp.data[11], 0x44);
	assert_int_equal(tb.xdp.data[14], 0x11);
	/* ctx reads: ingress_ifindex, rx_queue_index; data_meta == data */
	struct bpf_insn c[] = { LDX(BPF_W, 0, 1, SN_XDP_CTX_OFF_INGRESS_IFINDEX),
				LDX(BPF_W, 2, 1, SN_XDP_CTX_OFF_RX_QUEUE_INDEX),
				ALU64_K(BPF_LSH, 0, 8), ALU64_X(BPF_OR, 0, 2),
				LDX(BPF_W, 2, 1, SN_XDP_CTX_OFF_EGRESS_IFINDEX),
				ALU64_X(BPF_OR, 0, 2), EXIT() };
	assert_int_equal(run(c, 7, &f), (3 << 8) | 1);
}

static void test_atomics(void **state)
{
	struct sn_bpf_fault f;
	(void)state;
	tb_init(&tb, 64);
	/* On the stack: DW slot at -8, W slot at -16. */
	struct bpf_insn p[] = {
		LDX(BPF_DW, 9, 1, 0),
		LD64(2, 0x1000000000ULL), STX(BPF_DW, 10, 2, -8), ST(BPF_W, 10, -16, 100),
		MOV64_K(3, 5), ATOMIC(BPF_DW, 10, 3, -8, BPF_ADD),              /* +5 */
		MOV64_K(3, 7), ATOMIC(BPF_W, 10, 3, -16, BPF_ADD | BPF_FETCH),   /* r3 = 100 */
		STX(BPF_DW, 9, 3, 0),
		MOV64_K(3, 0xff), ATOMIC(BPF_DW, 10, 3, -8, BPF_OR | BPF_FETCH), /* r3 = old */
		STX(BPF_DW, 9, 3, 8),
		MOV64_K(3, 0xf0), ATOMIC(BPF_W, 10, 3, -16, BPF_AND),            /* 107 & 0xf0 */
		MOV64_K(3, 0x0f), ATOMIC(BPF_W, 10, 3, -16, BPF_XOR | BPF_FETCH),
		STX(BPF_DW, 9, 3, 16),                                           /* 0x60 */
		MOV64_K(3, 9), ATOMIC(BPF_DW, 10, 3, -8, BPF_XCHG),
		STX(BPF_DW, 9, 3, 24),                                           /* 0x10000000ff */
		MOV64_K(0, 8), MOV64_K(3, 77), ATOMIC(BPF_DW, 10, 3, -8, BPF_CMPXCHG), /* fails */
		STX(BPF_DW, 9, 0, 32),                                           /* r0 = 9 */
		ATOMIC(BPF_DW, 10, 3, -8, BPF_CMPXCHG),                          /* r0 9: ok */
		LDX(BPF_DW, 2, 10, -8), STX(BPF_DW, 9, 2, 40),                   /* 77 */
		MOV64_K(3, 1), ATOMIC(BPF_DW, 10, 3, -8, BPF_AND | BPF_FETCH),
		MOV64_K(3, 1), ATOMIC(BPF_DW, 10, 3, -8, BPF_XOR),               /* 1 ^ 1 = 0 */
		LDX(BPF_W, 2, 10, -16), STX(BPF_DW, 9, 2, 48),                   /* 0x6f */
		LDX(BPF_DW, 2, 10, -8), STX(BPF_DW, 9, 2, 56),
		MOV64_K(0, 2), EXIT(),
	};
	uint64_t want[] = { 100, 0x1000000005ULL, 0x60, 0x10000000ffULL, 9, 77, 0x6f, 0 };

	assert_int_equal(run(p, sizeof(p) / sizeof(p[0]), &f), XDP_PASS);
	for (int i = 0; i < 8; i++) {
		uint64_t v;

		memcpy(&v, tb.xdp.data + 8 * i, 8);
		if (v != want[i])
			fail_msg("slot %d: %#llx want %#llx", i, (unsigned long long)v,
				 (unsigned long long)want[i]);
	}
	/* W cmpxchg compares the low 32 bits of r0 and zero-extends the old value into r0. */
	struct bpf_insn q[] = { ST(BPF_W, 10, -4, -1), LD64(0, 0x12345678ffffffffULL),
				MOV64_K(3, 1), ATOMIC(BPF_W, 10, 3, -4, BPF_CMPXCHG),
				LDX(BPF_W, 2, 10, -4), ALU64_K(BPF_LSH, 2, 32), ALU64_X(BPF_OR, 0, 2),
				ALU64_K(BPF_RSH, 0, 32), EXIT() };
	assert_int_equal(run(q, sizeof(q) / sizeof(q[0]), &f), 1);
	/* misaligned atomic: refused as memory fault */
	struct bpf_insn m[] = { MOV64_K(3, 1), ATOMIC(BPF_DW, 10, 3, -12, BPF_ADD), MOV64_K(0, 2),
				EXIT() };
	assert_int_equal(run(m, 4, &f), XDP_ABORTED);
	assert_int_equal(f.reason, SN_BPF_FAULT_MEM);
}

/*
 * main: r6 = 11, r7 = 22; fills its stack at -8 with 0x55; calls f(r1 = &stack[-8]) which
 * clobbers r6..r9 and its own stack, writes 0x66 through the pointer into main's frame and
 * returns 40; main returns r0 + r6 + r7 + stack[-8] low byte.
 */
static void test_calls(void **state)
{
	struct sn_bpf_fault f;
	(void)state;
	tb_init(&tb, 64);
	struct bpf_insn p[] = {
		MOV64_K(6, 11), MOV64_K(7, 22), ST(BPF_DW, 10, -8, 0x55),
		MOV64_X(1, 10), ALU64_K(BPF_ADD, 1, -8), CALL_SUB(6),
		ALU64_X(BPF_ADD, 0, 6), ALU64_X(BPF_ADD, 0, 7), LDX(BPF_B, 2, 10, -8),
		ALU64_X(BPF_ADD, 0, 2), EXIT(),
		/* f: */
		MOV64_K(6, 1000), MOV64_K(7, 1000), MOV64_K(8, 1), MOV64_K(9, 1),
		ST(BPF_DW, 10, -8, 0x77), ST(BPF_B, 1, 0, 0x66), LDX(BPF_DW, 0, 10, -8),
		ALU64_K(BPF_SUB, 0, 0x77 - 40), EXIT(),
	};
	assert_int_equal(run(p, sizeof(p) / sizeof(p[0]), &f), 40 + 11 + 22 + 0x66);
	/* Recursion: f calls itself until the depth limit: SN_BPF_MAX_CALL_DEPTH frames in all. */
	struct bpf_insn rec[] = { MOV64_K(1, 0), CALL_SUB(1), EXIT(),
				  /* f(r1): if r1 == limit return r1; return f(r1 + 1) */
				  JMP_K(BPF_JEQ, 1, SN_BPF_MAX_CALL_DEPTH - 2, 2),
				  ALU64_K(BPF_ADD, 1, 1), CALL_SUB(-3), MOV64_X(0, 1), EXIT() };
	assert_int_equal(run(rec, sizeof(rec) / sizeof(rec[0]), &f), SN_BPF_MAX_CALL_DEPTH - 2);
	assert_int_equal(f.reason, SN_BPF_FAULT_NONE);
	rec[3].imm = SN_BPF_MAX_CALL_DEPTH - 1; /* one frame more: refused */
	assert_int_equal(run(rec, sizeof(rec) / sizeof(rec[0]), &f), XDP_ABORTED);
	assert_int_equal(f.reason, SN_BPF_FAULT_CALL_DEPTH);
	/* A callee cannot reach into a returned (dead) frame below it. */
	struct bpf_insn dead[] = { CALL_SUB(3), LDX(BPF_DW, 0, 0, 0), EXIT(), EXIT(),
				   MOV64_X(0, 10), ALU64_K(BPF_ADD, 0, -8), ST(BPF_DW, 0, 0, 1),
				   EXIT() };
	dead[0].imm = 3; /* -> index 4 */
	assert_int_equal(run(dead, sizeof(dead) / sizeof(dead[0]), &f), XDP_ABORTED);
	assert_int_equal(f.reason, SN_BPF_FAULT_MEM);
	assert_int_equal(f.pc, 1);
}

static void expect_fault(struct bpf_insn *p, uint32_t n, enum sn_bpf_fault_reason why,
			 uint32_t pc)
{
	struct sn_bpf_fault f;

	tb_init(&tb, 64);
	assert_int_equal(run(p, n, &f), XDP_ABORTED);
	assert_int_equal(f.reason, why);
	assert_int_equal(f.pc, pc);
	assert_true(tb_unchanged(&tb));
}

#define EXPECT_FAULT(why, pc, ...)                                                                 \
	do {                                                                                       \
		struct bpf_insn __p[] = { __VA_ARGS__ };                                           \
		expect_fault(__p, sizeof(__p) / sizeof(__p[0]), why, pc);                          \
	} while (0)

static void test_faults(void **state)
{
	struct sn_bpf_fault f;
	(void)state;
	/* Packet: one byte past data_end (read, write), one before data_meta. */
	EXPECT_FAULT(SN_BPF_FAULT_MEM, 2, LDX(BPF_DW, 2, 1, 0), LDX(BPF_DW, 3, 1, 8),
		     LDX(BPF_B, 0, 3, 0), EXIT());
	EXPECT_FAULT(SN_BPF_FAULT_MEM, 2, LDX(BPF_DW, 2, 1, 0), LDX(BPF_DW, 3, 1, 8),
		     ST(BPF_W, 3, -3, 0), EXIT());
	EXPECT_FAULT(SN_BPF_FAULT_MEM, 1, LDX(BPF_DW, 2, 1, 0), STX(BPF_B, 2, 2, -1), EXIT());
	EXPECT_FAULT(SN_BPF_FAULT_MEM, 1, LDX(BPF_DW, 2, 1, 0), LDX(BPF_H, 0, 2, 63), EXIT());
	/* The last byte itself is fine. */
	tb_init(&tb, 64);
	struct bpf_insn ok[] = { LDX(BPF_DW, 3, 1, 8), LDX(BPF_B, 0, 3, -1), EXIT() };
	assert_int_equal(run(ok, 3, &f), 63);
	/* ctx: any write; a read past the visible fields. */
	EXPECT_FAULT(SN_BPF_FAULT_CTX, 0, ST(BPF_DW, 1, 0, 0), EXIT());
	EXPECT_FAULT(SN_BPF_FAULT_CTX, 1, MOV64_K(2, 5), STX(BPF_W, 1, 2, 24), EXIT());
	EXPECT_FAULT(SN_BPF_FAULT_CTX, 0, LDX(BPF_W, 0, 1, SN_XDP_CTX_VISIBLE_SIZE), EXIT());
	EXPECT_FAULT(SN_BPF_FAULT_CTX, 0, LDX(BPF_DW, 0, 1, 32), EXIT());
	EXPECT_FAULT(SN_BPF_FAULT_CTX, 1, MOV64_K(3, 1), ATOMIC(BPF_DW, 1, 3, 0, BPF_ADD), EXIT());
	/* Stack: below the 512 bytes, above the top. */
	EXPECT_FAULT(SN_BPF_FAULT_MEM, 0, ST(BPF_DW, 10, -520, 1), EXIT());
	EXPECT_FAULT(SN_BPF_FAULT_MEM, 0, ST(BPF_B, 10, -513, 1), EXIT());
	EXPECT_FAULT(SN_BPF_FAULT_MEM, 0, LDX(BPF_B, 0, 10, 0), EXIT());
	tb_init(&tb, 64);
	struct bpf_insn st[] = { ST(BPF_B, 10, -512, 9), LDX(BPF_B, 0, 10, -512), EXIT() };
	assert_int_equal(run(st, 3, &f), 9);
	/* Wild pointers. */
	EXPECT_FAULT(SN_BPF_FAULT_MEM, 0, LDX(BPF_DW, 0, 0, 0), EXIT());
	EXPECT_FAULT(SN_BPF_FAULT_MEM, 2, LD64(2, (uintptr_t)&tb.mem[0]), LDX(BPF_B, 0, 2, 0),
		     EXIT());
	EXPECT_FAULT(SN_BPF_FAULT_MEM, 2, LD64(2, UINT64_MAX - 2), LDX(BPF_W, 0, 2, 0), EXIT());
	/* Jumps out, fall-through off the end, a call outside, an ld_imm64 cut in half. */
	EXPECT_FAULT(SN_BPF_FAULT_JUMP, 3, JA(2), EXIT(), EXIT(), MOV64_K(0, 1));
	EXPECT_FAULT(SN_BPF_FAULT_JUMP, 1, MOV64_K(0, 1), JA(5), EXIT());
	EXPECT_FAULT(SN_BPF_FAULT_JUMP, 0, JA(-2), EXIT());
	EXPECT_FAULT(SN_BPF_FAULT_JUMP, 1, MOV64_K(0, 1), JMP_K(BPF_JEQ, 0, 1, -3), EXIT());
	EXPECT_FAULT(SN_BPF_FAULT_JUMP, 0, CALL_SUB(10), EXIT());
	EXPECT_FAULT(SN_BPF_FAULT_JUMP, 1, MOV64_K(0, 1), I(BPF_LD | BPF_DW | BPF_IMM, 0, 0, 0, 1));
	/* Budget: an endless loop; exactly SN_BPF_MAX_INSNS is allowed, one more is not. */
	EXPECT_FAULT(SN_BPF_FAULT_BUDGET, 0, JA(-1), EXIT());
	tb_init(&tb, 64);
	struct bpf_insn loop[] = { MOV64_K(0, 0), ALU64_K(BPF_ADD, 0, 1),
				   JMP_K(BPF_JNE, 0, (SN_BPF_MAX_INSNS - 2) / 2, -2), EXIT() };
	assert_int_equal(run(loop, 4, &f), (SN_BPF_MAX_INSNS - 2) / 2);
	loop[2].imm++;
	assert_int_equal(run(loop, 4, &f), XDP_ABORTED);
	assert_int_equal(f.reason, SN_BPF_FAULT_BUDGET);
	/* Instructions: unknown opcode, LD_ABS, kfunc call, bad MOVSX offset, bad END width. */
	EXPECT_FAULT(SN_BPF_FAULT_INSN, 1, MOV64_K(0, 1), I(0xff, 0, 0, 0, 0), EXIT());
	EXPECT_FAULT(SN_BPF_FAULT_INSN, 0, I(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 0), EXIT());
	EXPECT_FAULT(SN_BPF_FAULT_INSN, 0, I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, 1),
		     EXIT());
	EXPECT_FAULT(SN_BPF_FAULT_INSN, 0, I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 1, 1), EXIT());
	EXPECT_FAULT(SN_BPF_FAULT_INSN, 0, I(BPF_ALU | BPF_END | BPF_TO_BE, 0, 0, 0, 8), EXIT());
	EXPECT_FAULT(SN_BPF_FAULT_INSN, 0, I(BPF_ALU64 | BPF_DIV | BPF_X, 0, 1, 2, 0), EXIT());
	/* Helpers: an id softnetd lacks, a map argument that is not one of the program's maps. */
	EXPECT_FAULT(SN_BPF_FAULT_HELPER, 0, CALL(BPF_FUNC_tail_call), EXIT());
	EXPECT_FAULT(SN_BPF_FAULT_HELPER, 3, MOV64_X(2, 10), ALU64_K(BPF_ADD, 2, -8),
		     MOV64_X(1, 10), CALL(BPF_FUNC_map_lookup_elem), EXIT());
	/* A NULL fault pointer is allowed. */
	tb_init(&tb, 64);
	struct bpf_insn bad[] = { I(0xff, 0, 0, 0, 0) };
	assert_int_equal(run(bad, 1, NULL), XDP_ABORTED);
}

/* Map values: lookup grants value_size bytes; global-data arrays; read-only maps. */
static void test_map_values(void **state)
{
	struct sn_bpf_fault f;
	struct sn_map_create_opts ro = { .sz = sizeof(ro), .map_flags = BPF_F_RDONLY_PROG };
	struct sn_map *arr = sn_map__create(BPF_MAP_TYPE_ARRAY, "arr", 4, 12, 4, NULL);
	struct sn_map *rod = sn_map__create(BPF_MAP_TYPE_ARRAY, "x.rodata", 4, 16, 1, &ro);
	struct sn_map *maps[] = { arr, rod };
	uint32_t k = 2, zero = 0;
	uint8_t val[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	(void)state;
	assert_non_null(arr);
	assert_non_null(rod);
	assert_int_equal(sn_map__update_elem(arr, &k, val, BPF_ANY), 0);
	assert_int_equal(sn_map__update_elem(rod, &zero, val, BPF_ANY), 0);
	uint8_t *rodv = sn_map_lookup_elem(rod, &zero);

	/* lookup key 2, r0[11] ok, r0[12] out of the value */
	struct bpf_insn p[] = {
		ST(BPF_W, 10, -4, 2), LD64(1, (uintptr_t)arr), MOV64_X(2, 10),
		ALU64_K(BPF_ADD, 2, -4), CALL(BPF_FUNC_map_lookup_elem),
		JMP_K(BPF_JEQ, 0, 0, 4), LDX(BPF_B, 3, 0, 11), ALU64_K(BPF_ADD, 3, 1),
		STX(BPF_B, 0, 3, 11), LDX(BPF_B, 0, 0, 11), EXIT(),
	};
	tb_init(&tb, 64);
	assert_int_equal(run_maps(p, sizeof(p) / sizeof(p[0]), maps, 2, &f), 13);
	struct bpf_insn p2[12];

	memcpy(p2, p, sizeof(p));
	p2[10] = LDX(BPF_B, 0, 0, 12);
	p2[11] = EXIT();
	assert_int_equal(run_maps(p2, 12, maps, 2, &f), XDP_ABORTED);
	assert_int_equal(f.reason, SN_BPF_FAULT_MEM);
	assert_int_equal(f.pc, 10);
	/* Direct value access (ld_imm64 MAP_VALUE resolved): .rodata readable, not writable. */
	struct bpf_insn g[] = { LD64(2, (uintptr_t)rodv), LDX(BPF_B, 0, 2, 15), EXIT() };
	assert_int_equal(run_maps(g, 4, maps, 2, &f), 16);
	struct bpf_insn gw[] = { LD64(2, (uintptr_t)rodv), ST(BPF_B, 2, 0, 1), EXIT() };
	assert_int_equal(run_maps(gw, 4, maps, 2, &f), XDP_ABORTED);
	assert_int_equal(f.reason, SN_BPF_FAULT_MEM);
	assert_int_equal(rodv[0], 1);
	struct bpf_insn go[] = { LD64(2, (uintptr_t)rodv), LDX(BPF_B, 0, 2, 16), EXIT() };
	assert_int_equal(run_maps(go, 4, maps, 2, &f), XDP_ABORTED);
	/* A multi-entry ARRAY has no direct value access: only what a lookup returned. */
	uint8_t *v0 = sn_map_lookup_elem(arr, &zero);
	struct bpf_insn a3[] = { LD64(2, (uintptr_t)v0), LDX(BPF_B, 0, 2, 0), EXIT() };
	assert_int_equal(run_maps(a3, 4, maps, 2, &f), XDP_ABORTED);
	assert_int_equal(f.reason, SN_BPF_FAULT_MEM);
	/* Not one of the program's maps: no access. */
	assert_int_equal(run_maps(g, 4, maps, 1, &f), XDP_ABORTED);
	assert_int_equal(f.reason, SN_BPF_FAULT_MEM);
	sn_map__free(arr);
	sn_map__free(rod);
}

static void test_mem_ok(void **state)
{
	struct sn_bpf_run_ctx rc;
	struct sn_bpf_fault f = { 0 };
	uint8_t stack[64];
	struct sn_bpf_prog p = tb_prog(NULL, 0, NULL, 0);
	(void)state;
	tb_init(&tb, 64);
	memset(&rc, 0, sizeof(rc));
	rc.prog = &p;
	rc.xdp = &tb.xdp;
	rc.stack_lo = stack;
	rc.stack_hi = stack + sizeof(stack);
	rc.fault = &f;
	uint64_t d = (uintptr_t)tb.xdp.data, c = (uintptr_t)&tb.xdp;

	assert_true(sn_bpf_mem_ok(&rc, d, 64, true));
	assert_false(sn_bpf_mem_ok(&rc, d, 65, false));
	assert_false(sn_bpf_mem_ok(&rc, d - 1, 2, false));
	assert_true(sn_bpf_mem_ok(&rc, (uintptr_t)stack, 64, true));
	assert_false(sn_bpf_mem_ok(&rc, (uintptr_t)stack + 1, 64, true));
	assert_true(sn_bpf_mem_ok(&rc, c, SN_XDP_CTX_VISIBLE_SIZE, false));
	assert_false(sn_bpf_mem_ok(&rc, c, 8, true));
	assert_false(sn_bpf_mem_ok(&rc, UINT64_MAX, 2, false));
	assert_true(sn_bpf_mem_ok(&rc, 0, 0, false));
}

/* Not a benchmark (bench/ has those): prints the order of magnitude, asserts nothing tight. */
static void test_speed(void **state)
{
	struct sn_bpf_fault f;
	struct bpf_insn loop[] = {
		LDX(BPF_DW, 2, 1, 0), MOV64_K(0, 0), MOV64_K(3, 0),
		LDX(BPF_B, 4, 2, 5), ALU64_X(BPF_ADD, 3, 4), ALU64_K(BPF_ADD, 0, 1),
		JMP_K(BPF_JNE, 0, 1000, -4), MOV64_K(0, XDP_PASS), EXIT(),
	};
	(void)state;
	tb_init(&tb, 64);
	uint64_t t0 = tu_now_ns();

	for (int i = 0; i < 1000; i++)
		assert_int_equal(run(loop, sizeof(loop) / sizeof(loop[0]), &f), XDP_PASS);
	uint64_t dt = tu_now_ns() - t0;

	print_message("interpreter: %.2f ns per instruction (%d insns per run)\n",
		      (double)dt / (1000.0 * 4005), 4005);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alu_random), cmocka_unit_test(test_jmp_random),
		cmocka_unit_test(test_alu_edges),  cmocka_unit_test(test_memory),
		cmocka_unit_test(test_atomics),    cmocka_unit_test(test_calls),
		cmocka_unit_test(test_faults),     cmocka_unit_test(test_map_values),
		cmocka_unit_test(test_mem_ok),     cmocka_unit_test(test_speed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
