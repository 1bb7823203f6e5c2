/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpf_asm.h - a tiny assembler for hand-written test programs (struct bpf_insn initialisers)
 * and a packet buffer with canaries, shared by test_interp.c and test_helpers.c.
 */
#ifndef TESTS_UNIT_XDP_BPF_ASM_H
#define TESTS_UNIT_XDP_BPF_ASM_H

#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>

#include "xdp/bpf_prog.h"
#include "xdp/xdp_buff.h"

#define I(c, d, s, o, i)                                                                           \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define ALU64_X(op, d, s) I(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define ALU64_K(op, d, k) I(BPF_ALU64 | (op) | BPF_K, d, 0, 0, k)
#define ALU32_X(op, d, s) I(BPF_ALU | (op) | BPF_X, d, s, 0, 0)
#define ALU32_K(op, d, k) I(BPF_ALU | (op) | BPF_K, d, 0, 0, k)
#define MOV64_K(d, k) ALU64_K(BPF_MOV, d, k)
#define MOV64_X(d, s) ALU64_X(BPF_MOV, d, s)
#define LD64(d, v)                                                                                 \
	I(BPF_LD | BPF_DW | BPF_IMM, d, 0, 0, (int32_t)(uint32_t)(uint64_t)(v)),                   \
		I(0, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)(v) >> 32))
#define JMP_X(op, d, s, o) I(BPF_JMP | (op) | BPF_X, d, s, o, 0)
#define JMP_K(op, d, k, o) I(BPF_JMP | (op) | BPF_K, d, 0, o, k)
#define JMP32_X(op, d, s, o) I(BPF_JMP32 | (op) | BPF_X, d, s, o, 0)
#define JMP32_K(op, d, k, o) I(BPF_JMP32 | (op) | BPF_K, d, 0, o, k)
#define JA(o) I(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define EXIT() I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define CALL_SUB(rel) I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, rel)
#define LDX(sz, d, s, o) I(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define LDXSX(sz, d, s, o) I(BPF_LDX | 0x80 | (sz), d, s, o, 0)
#define STX(sz, d, s, o) I(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define ST(sz, d, o, k) I(BPF_ST | BPF_MEM | (sz), d, 0, o, k)
#define ATOMIC(sz, d, s, o, op) I(BPF_STX | BPF_ATOMIC | (sz), d, s, o, op)

/* A frame buffer: canary | headroom 256 | packet | tailroom | canary. */
#define TB_CANARY 64
#define TB_FRAME 2048
#define TB_BYTE 0xa5
struct test_buf {
	uint8_t mem[TB_CANARY + TB_FRAME + TB_CANARY];
	struct sn_xdp_buff xdp;
	uint8_t snapshot[TB_CANARY + TB_FRAME + TB_CANARY];
};

static inline void tb_init(struct test_buf *b, uint32_t len)
{
	memset(b->mem, TB_BYTE, sizeof(b->mem));
	memset(&b->xdp, 0, sizeof(b->xdp));
	b->xdp.data_hard_start = b->mem + TB_CANARY;
	b->xdp.frame_sz = TB_FRAME;
	b->xdp.data = b->xdp.data_hard_start + SN_XDP_HEADROOM;
	b->xdp.data_meta = b->xdp.data;
	b->xdp.data_end = b->xdp.data + len;
	for (uint32_t i = 0; i < len; i++)
		b->xdp.data[i] = (uint8_t)i;
	b->xdp.ingress_ifindex = 3;
	b->xdp.rx_queue_index = 1;
	memcpy(b->snapshot, b->mem, sizeof(b->mem));
}

/* Nothing in the whole buffer changed since tb_init() (or the last tb_snap()). */
static inline int tb_unchanged(const struct test_buf *b)
{
	return memcmp(b->snapshot, b->mem, sizeof(b->mem)) == 0;
}

static inline void tb_snap(struct test_buf *b)
{
	memcpy(b->snapshot, b->mem, sizeof(b->mem));
}

static inline struct sn_bpf_prog tb_prog(struct bpf_insn *insns, uint32_t len,
					 struct sn_map **maps, uint32_t nr_maps)
{
	struct sn_bpf_prog p;

	memset(&p, 0, sizeof(p));
	strcpy(p.name, "test");
	strcpy(p.sec, "xdp");
	p.insns = insns;
	p.len = len;
	p.maps = maps;
	p.nr_maps = nr_maps;
	p.engine = SN_XDP_ENGINE_INTERP;
	return p;
}

#endif
