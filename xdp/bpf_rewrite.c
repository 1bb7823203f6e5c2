// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_rewrite.c - helper checks and the xdp_md -> struct sn_xdp_buff rewrite of one linked
 * program image.
 *
 * Which register holds the ctx pointer is found by a small forward data-flow analysis over the
 * CFG of the whole image (all functions, bpf-to-bpf calls followed), in the spirit of the
 * kernel verifier's register state tracking (kernel/bpf/verifier.c) but with a small lattice
 * per register and per 8-byte stack slot of the current frame:
 *
 *   OTHER  anything that is not the ctx pointer;    CTX    exactly the ctx pointer;
 *   MOD    ctx pointer after arithmetic/truncation; MIXED  ctx on some paths, not on others;
 *   FP     may point into the stack (r10 and what is computed from it);
 *   CLOB   ctx pointer filled from a slot that a write through a stack pointer other than r10
 *          (or a call given a stack pointer) may have overwritten.
 *
 * r1 is CTX at the program's entry; the state flows through register moves, 64-bit spills to
 * and fills from the stack (r10 + aligned offset), calls (r1-r5 into the callee, r0 back from
 * its exits, r1-r5 clobbered). Only a load whose base is CTX on every path is rewritten; any
 * access through MOD or MIXED, and any store or atomic on ctx, is refused - never guessed.
 * Instructions are only changed in place (size and offset of LDX), so jump offsets stay valid.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdp/bpf_interp.h"
#include "xdp/bpf_loader_internal.h"
#include "xdp/xdp_buff.h"

enum { T_NONE = 0, T_OTHER, T_CTX, T_MOD, T_MIXED, T_FP, T_CLOB };

#define NR_SLOTS (SN_BPF_STACK_SIZE / 8)

struct rstate {
	uint8_t reg[MAX_BPF_REG];
	uint8_t stk[NR_SLOTS];
};

struct rw {
	struct sn_bpf_ld *ld;
	const struct bpf_insn *insns;
	uint32_t n;
	struct rstate *st; /* state before each instruction */
	uint8_t *seen; /* st[pc] is valid */
	uint8_t *queued;
	uint8_t *half; /* second slot of an ld_imm64 */
	uint32_t *wl; /* worklist (stack) */
	uint32_t nwl;
	uint8_t *ret; /* per function: join of r0 at its exits */
};

static uint8_t join(uint8_t a, uint8_t b)
{
	if (a == b || b == T_NONE)
		return a;
	if (a == T_NONE)
		return b;
	if ((a == T_FP && b == T_OTHER) || (a == T_OTHER && b == T_FP))
		return T_FP; /* "may point into the stack" is the safe side */
	return T_MIXED;
}

/* Field map (xdp_buff.h): kernel xdp_md offset -> softnetd offset and load size. */
static const struct {
	int16_t off;
	uint8_t size;
} ctx_fields[6] = {
	[0] = {SN_XDP_CTX_OFF_DATA, BPF_DW}, /* data */
	[1] = {SN_XDP_CTX_OFF_DATA_END, BPF_DW}, /* data_end */
	[2] = {SN_XDP_CTX_OFF_DATA_META, BPF_DW}, /* data_meta */
	[3] = {SN_XDP_CTX_OFF_INGRESS_IFINDEX, BPF_W}, /* ingress_ifindex */
	[4] = {SN_XDP_CTX_OFF_RX_QUEUE_INDEX, BPF_W}, /* rx_queue_index */
	[5] = {SN_XDP_CTX_OFF_EGRESS_IFINDEX, BPF_W}, /* egress_ifindex */
};

static bool ctx_field(int16_t off, int16_t *noff, uint8_t *nsize)
{
	if (off < 0 || off % 4 || off / 4 >= (int)(sizeof(ctx_fields) / sizeof(ctx_fields[0])))
		return false;
	*noff = ctx_fields[off / 4].off;
	*nsize = ctx_fields[off / 4].size;
	return true;
}

static unsigned size_bytes(uint8_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B:
		return 1;
	case BPF_H:
		return 2;
	case BPF_W:
		return 4;
	default:
		return 8;
	}
}

static size_t func_of(const struct sn_bpf_ld *ld, uint32_t pc)
{
	for (size_t i = ld->nr_funcs; i-- > 0;)
		if (pc >= ld->funcs[i].base && pc < ld->funcs[i].base + ld->funcs[i].len)
			return i;
	return 0;
}

/* Refusal that names the subprogram when the instruction is not in the program itself. */
static int refuse(struct rw *rw, int err, uint32_t pc, const char *what)
{
	struct sn_bpf_ld *ld = rw->ld;
	size_t fi = func_of(ld, pc);

	if (fi == 0)
		return sn_bpf_ld_refuse(ld, err, pc, "%s", what);
	return sn_bpf_ld_refuse(ld, err, pc, "in subprogram %s (%s insn %u): %s",
				ld->funcs[fi].name, ld->secs[ld->funcs[fi].shndx].name,
				ld->funcs[fi].start + (pc - ld->funcs[fi].base), what);
}

static const char *tname(uint8_t t)
{
	if (t == T_CLOB)
		return "a ctx pointer filled from a stack slot that may have been overwritten";
	return t == T_MOD ? "a modified ctx pointer" : "the ctx pointer on some paths only";
}

/* Helper and call checks, one linear pass (every linked instruction is code). */
static int check_calls(struct rw *rw)
{
	char what[200];

	for (uint32_t pc = 0; pc < rw->n; pc++) {
		const struct bpf_insn *insn = &rw->insns[pc];

		if (insn->code == (BPF_LD | BPF_IMM | BPF_DW)) {
			pc++;
			continue;
		}
		if (insn->code != (BPF_JMP | BPF_CALL) || insn->src_reg == BPF_PSEUDO_CALL)
			continue;
		if (insn->src_reg != 0) {
			snprintf(what, sizeof(what), "call with src_reg %u (kfunc): not supported",
				 insn->src_reg);
			return refuse(rw, -EOPNOTSUPP, pc, what);
		}
		if (insn->imm == BPF_FUNC_tail_call) {
			snprintf(what, sizeof(what),
				 "call to helper %d (bpf_tail_call): tail calls are not supported",
				 insn->imm);
			return refuse(rw, -EOPNOTSUPP, pc, what);
		}
		if (!sn_bpf_helper_get(insn->imm)) {
			const char *name = sn_bpf_helper_name(insn->imm);

			snprintf(what, sizeof(what),
				 "call to helper %d (%s): not provided by softnetd", insn->imm,
				 name ? name : "unknown");
			return refuse(rw, -EOPNOTSUPP, pc, what);
		}
	}
	return 0;
}

static void push(struct rw *rw, uint32_t pc)
{
	if (!rw->queued[pc]) {
		rw->queued[pc] = 1;
		rw->wl[rw->nwl++] = pc;
	}
}

/* Join @s into the state before @pc; queue it if that changed anything. */
static int flow(struct rw *rw, uint32_t from, int64_t pc, const struct rstate *s)
{
	struct rstate *d;
	bool changed = false;

	if (pc < 0 || pc >= rw->n)
		return refuse(rw, -EINVAL, from,
			      "jump or fall-through out of the program: "
			      "not a valid target");
	if (rw->half[pc])
		return refuse(rw, -EINVAL, from,
			      "jump into the middle of an ld_imm64: "
			      "not a valid target");
	d = &rw->st[pc];
	if (!rw->seen[pc]) {
		*d = *s;
		rw->seen[pc] = 1;
		changed = true;
	} else {
		for (int r = 0; r < MAX_BPF_REG; r++) {
			uint8_t j = join(d->reg[r], s->reg[r]);

			changed |= j != d->reg[r];
			d->reg[r] = j;
		}
		for (int i = 0; i < NR_SLOTS; i++) {
			uint8_t j = join(d->stk[i], s->stk[i]);

			changed |= j != d->stk[i];
			d->stk[i] = j;
		}
	}
	if (changed)
		push(rw, (uint32_t)pc);
	return 0;
}

static uint8_t derived(uint8_t t)
{
	if (t == T_CTX || t == T_MOD)
		return T_MOD;
	return t == T_MIXED || t == T_CLOB || t == T_FP ? t : T_OTHER;
}

static bool ctxish(uint8_t t)
{
	return t == T_CTX || t == T_MOD || t == T_MIXED || t == T_CLOB;
}

/* A write through a stack pointer we cannot place: no spilled ctx can be trusted after it. */
static void clobber_ctx_slots(struct rstate *s)
{
	for (int i = 0; i < NR_SLOTS; i++)
		if (ctxish(s->stk[i]))
			s->stk[i] = T_CLOB;
}

/* Stack access [r10 + off, + size): must be inside the frame. */
static int stack_ok(struct rw *rw, uint32_t pc, int16_t off, unsigned size)
{
	char what[120];

	if (off >= -SN_BPF_STACK_SIZE && off + (int)size <= 0)
		return 0;
	snprintf(what, sizeof(what),
		 "stack access of %u bytes at r10%+d: outside the %d-byte stack", size, off,
		 SN_BPF_STACK_SIZE);
	return refuse(rw, -EOPNOTSUPP, pc, what);
}

static void clobber_slots(struct rstate *s, int16_t off, unsigned size)
{
	for (int b = off; b < off + (int)size; b++)
		s->stk[(b + SN_BPF_STACK_SIZE) / 8] = T_OTHER;
}

static int ctx_mem(struct rw *rw, uint32_t pc, const struct bpf_insn *insn, uint8_t base_t,
		   int base_reg, bool store)
{
	char what[200];

	if (base_t == T_CTX && !store) {
		int16_t noff;
		uint8_t nsize;

		if (BPF_MODE(insn->code) == BPF_MEM && BPF_SIZE(insn->code) == BPF_W &&
		    ctx_field(insn->off, &noff, &nsize))
			return 0;
		snprintf(what, sizeof(what),
			 "ctx load of %u bytes at offset %d: not an aligned 4-byte load of an "
			 "xdp_md field",
			 size_bytes(insn->code), insn->off);
		return refuse(rw, -EOPNOTSUPP, pc, what);
	}
	if (base_t == T_CTX) {
		snprintf(what, sizeof(what), "%s to ctx at offset %d: the ctx is read-only",
			 BPF_CLASS(insn->code) == BPF_STX && BPF_MODE(insn->code) == BPF_ATOMIC
				 ? "atomic operation"
				 : "store",
			 insn->off);
		return refuse(rw, -EOPNOTSUPP, pc, what);
	}
	snprintf(what, sizeof(what), "memory access through r%d, which holds %s: not supported",
		 base_reg, tname(base_t));
	return refuse(rw, -EOPNOTSUPP, pc, what);
}

/* Opcodes the ISA defines and softnetd's engines run (cpu v1-v3). */
static int check_opcode(struct rw *rw, uint32_t pc, const struct bpf_insn *insn)
{
	uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code), mode = BPF_MODE(insn->code);
	char what[120];
	const char *bad = NULL;

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		if (op > BPF_END)
			bad = "ALU operation";
		break;
	case BPF_LDX:
	case BPF_ST:
		if (mode != BPF_MEM)
			bad = cls == BPF_LDX ? "LDX mode" : "ST mode";
		break;
	case BPF_STX:
		if (mode == BPF_ATOMIC) {
			int32_t a = insn->imm & ~BPF_FETCH;

			if ((BPF_SIZE(insn->code) != BPF_W && BPF_SIZE(insn->code) != BPF_DW) ||
			    !(a == BPF_ADD || a == BPF_OR || a == BPF_AND || a == BPF_XOR ||
			      insn->imm == BPF_XCHG || insn->imm == BPF_CMPXCHG))
				bad = "atomic operation";
		} else if (mode != BPF_MEM) {
			bad = "STX mode";
		}
		break;
	case BPF_JMP:
	case BPF_JMP32:
		if (op == 0xe0 || op == 0xf0 ||
		    (cls == BPF_JMP32 && (op == BPF_CALL || op == BPF_EXIT)))
			bad = "jump operation";
		else if (op == BPF_CALL && BPF_SRC(insn->code) == BPF_X)
			bad = "indirect call (callx)";
		break;
	default:
		break;
	}
	if (!bad && insn->dst_reg == BPF_REG_10 &&
	    (cls == BPF_ALU || cls == BPF_ALU64 || cls == BPF_LDX || cls == BPF_LD)) {
		snprintf(what, sizeof(what),
			 "opcode 0x%02x writes r10: the frame pointer is "
			 "read-only",
			 insn->code);
		return refuse(rw, -EINVAL, pc, what);
	}
	if (!bad)
		return 0;
	snprintf(what, sizeof(what), "opcode 0x%02x (imm %d): %s not supported by softnetd",
		 insn->code, insn->imm, bad);
	return refuse(rw, -EOPNOTSUPP, pc, what);
}

/*
 * Transfer function of the instruction at @pc. With @check (after the fixpoint, when every
 * state is final) it also refuses what the state of its base registers does not allow; during
 * the iteration it only propagates, so that a refusal describes the final state.
 */
static int step(struct rw *rw, uint32_t pc, bool check)
{
	const struct bpf_insn *insn = &rw->insns[pc];
	struct rstate s = rw->st[pc];
	uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
	unsigned size = size_bytes(insn->code);
	int err;

	if (insn->dst_reg >= MAX_BPF_REG || insn->src_reg >= MAX_BPF_REG)
		return refuse(rw, -EINVAL, pc, "bad register number: invalid instruction");
	if (check) {
		err = check_opcode(rw, pc, insn);
		if (err)
			return err;
	}
	switch (cls) {
	case BPF_ALU64:
	case BPF_ALU:
		if (op == BPF_MOV && BPF_SRC(insn->code) == BPF_X && insn->off == 0)
			s.reg[insn->dst_reg] = cls == BPF_ALU64 ? s.reg[insn->src_reg]
								: derived(s.reg[insn->src_reg]);
		else if (op == BPF_MOV)
			s.reg[insn->dst_reg] = BPF_SRC(insn->code) == BPF_X
						       ? derived(s.reg[insn->src_reg])
						       : T_OTHER;
		else if (BPF_SRC(insn->code) == BPF_X && s.reg[insn->src_reg] == T_FP &&
			 !ctxish(s.reg[insn->dst_reg]))
			s.reg[insn->dst_reg] = T_FP;
		else
			s.reg[insn->dst_reg] = derived(s.reg[insn->dst_reg]);
		return flow(rw, pc, pc + 1, &s);
	case BPF_LDX:
		if (check && ctxish(s.reg[insn->src_reg])) {
			err = ctx_mem(rw, pc, insn, s.reg[insn->src_reg], insn->src_reg, false);
			if (err)
				return err;
		}
		s.reg[insn->dst_reg] = T_OTHER;
		if (insn->src_reg == BPF_REG_10) {
			err = stack_ok(rw, pc, insn->off, size);
			if (err)
				return err;
			if (size == 8 && insn->off % 8 == 0)
				s.reg[insn->dst_reg] = s.stk[(insn->off + SN_BPF_STACK_SIZE) / 8];
		}
		return flow(rw, pc, pc + 1, &s);
	case BPF_ST:
	case BPF_STX:
		if (check && ctxish(s.reg[insn->dst_reg]))
			return ctx_mem(rw, pc, insn, s.reg[insn->dst_reg], insn->dst_reg, true);
		if (check && cls == BPF_STX && BPF_MODE(insn->code) == BPF_MEM &&
		    ctxish(s.reg[insn->src_reg]) &&
		    (insn->dst_reg != BPF_REG_10 || size != 8 || insn->off % 8))
			return refuse(rw, -EOPNOTSUPP, pc,
				      "store of the ctx pointer other than a 64-bit spill to the "
				      "stack: not supported");
		if (insn->dst_reg != BPF_REG_10 && s.reg[insn->dst_reg] == T_FP)
			clobber_ctx_slots(&s);
		if (insn->dst_reg == BPF_REG_10) {
			err = stack_ok(rw, pc, insn->off, size);
			if (err)
				return err;
			clobber_slots(&s, insn->off, size);
			if (cls == BPF_STX && BPF_MODE(insn->code) == BPF_MEM && size == 8)
				s.stk[(insn->off + SN_BPF_STACK_SIZE) / 8] = s.reg[insn->src_reg];
		}
		if (cls == BPF_STX && BPF_MODE(insn->code) == BPF_ATOMIC) {
			if (insn->imm == BPF_CMPXCHG)
				s.reg[BPF_REG_0] = T_OTHER;
			else if (insn->imm & BPF_FETCH)
				s.reg[insn->src_reg] = T_OTHER;
		}
		return flow(rw, pc, pc + 1, &s);
	case BPF_LD:
		if (insn->code != (BPF_LD | BPF_IMM | BPF_DW))
			return refuse(rw, -EOPNOTSUPP, pc,
				      "legacy packet access (BPF_LD ABS/IND): not valid in XDP");
		if (pc + 1 >= rw->n)
			return refuse(rw, -EINVAL, pc, "ld_imm64: truncated");
		s.reg[insn->dst_reg] = T_OTHER;
		return flow(rw, pc, pc + 2, &s);
	case BPF_JMP:
	case BPF_JMP32:
		if (op == BPF_EXIT) {
			size_t fi = func_of(rw->ld, pc);
			uint8_t j = join(rw->ret[fi], s.reg[BPF_REG_0]);

			if (j != rw->ret[fi]) {
				/* New return state: re-run every call to this function. */
				rw->ret[fi] = j;
				for (uint32_t c = 0; c < rw->n; c++)
					if (rw->seen[c] &&
					    rw->insns[c].code == (BPF_JMP | BPF_CALL) &&
					    rw->insns[c].src_reg == BPF_PSEUDO_CALL &&
					    (int64_t)c + rw->insns[c].imm + 1 ==
						    rw->ld->funcs[fi].base)
						push(rw, c);
			}
			return 0;
		}
		if (op == BPF_CALL) {
			struct rstate ret = s;

			for (int r = 1; r <= 5; r++)
				if (s.reg[r] == T_FP)
					clobber_ctx_slots(&ret);

			if (insn->src_reg == BPF_PSEUDO_CALL) {
				struct rstate callee = {0};
				int64_t t = (int64_t)pc + insn->imm + 1;
				size_t fi;

				for (int r = 0; r < MAX_BPF_REG; r++)
					callee.reg[r] = r >= 1 && r <= 5 ? s.reg[r] : T_OTHER;
				callee.reg[BPF_REG_10] = T_FP;
				memset(callee.stk, T_OTHER, sizeof(callee.stk));
				err = flow(rw, pc, t, &callee);
				if (err)
					return err;
				fi = func_of(rw->ld, (uint32_t)t);
				ret.reg[BPF_REG_0] = rw->ret[fi] == T_NONE ? T_OTHER : rw->ret[fi];
				if (rw->ret[fi] == T_NONE)
					return 0; /* comes back once an exit of the callee is seen */
			} else {
				ret.reg[BPF_REG_0] = T_OTHER;
			}
			for (int r = 1; r <= 5; r++)
				ret.reg[r] = T_OTHER;
			return flow(rw, pc, pc + 1, &ret);
		}
		if (op == BPF_JA) {
			int64_t off = cls == BPF_JMP32 ? insn->imm : insn->off;

			return flow(rw, pc, pc + off + 1, &s);
		}
		err = flow(rw, pc, pc + 1, &s);
		if (err)
			return err;
		return flow(rw, pc, pc + insn->off + 1, &s);
	default:
		return refuse(rw, -EINVAL, pc, "unknown instruction class");
	}
}

int sn_bpf_prog_rewrite(struct sn_bpf_ld *ld)
{
	struct sn_bpf_prog *prog = ld->prog;
	struct rw rw = {.ld = ld, .insns = prog->insns, .n = prog->len};
	struct rstate entry;
	int err;

	err = check_calls(&rw);
	if (err)
		return err;
	if (ld->deferred)
		return refuse(&rw, -EOPNOTSUPP, ld->deferred_pc, ld->deferred_msg);
	rw.st = calloc(rw.n, sizeof(*rw.st));
	rw.seen = calloc(rw.n, 1);
	rw.queued = calloc(rw.n, 1);
	rw.wl = calloc(rw.n, sizeof(*rw.wl));
	rw.ret = calloc(ld->nr_funcs, 1);
	rw.half = calloc(rw.n, 1);
	if (!rw.st || !rw.seen || !rw.queued || !rw.wl || !rw.ret || !rw.half) {
		err = sn_bpf_ld_fail(ld, -ENOMEM, "out of memory");
		goto out;
	}
	for (uint32_t pc = 0; pc + 1 < rw.n; pc++)
		if (prog->insns[pc].code == (BPF_LD | BPF_IMM | BPF_DW))
			rw.half[++pc] = 1;
	memset(&entry, T_OTHER, sizeof(entry));
	entry.reg[BPF_REG_1] = T_CTX;
	entry.reg[BPF_REG_10] = T_FP;
	err = flow(&rw, 0, 0, &entry);
	while (!err && rw.nwl) {
		uint32_t pc = rw.wl[--rw.nwl];

		rw.queued[pc] = 0;
		err = step(&rw, pc, false);
	}
	/* Checks in instruction order on the final states (the flows change nothing now). */
	for (uint32_t pc = 0; !err && pc < rw.n; pc++)
		if (rw.seen[pc])
			err = step(&rw, pc, true);
	if (err)
		goto out;
	/* The fixpoint is reached: rewrite the loads whose base is ctx on every path. */
	for (uint32_t pc = 0; pc < rw.n; pc++) {
		struct bpf_insn *insn = &prog->insns[pc];
		int16_t noff;
		uint8_t nsize;

		if (!rw.seen[pc] || BPF_CLASS(insn->code) != BPF_LDX ||
		    rw.st[pc].reg[insn->src_reg] != T_CTX)
			continue;
		if (!ctx_field(insn->off, &noff, &nsize))
			continue; /* refused above */
		insn->code = BPF_LDX | BPF_MEM | nsize;
		insn->off = noff;
	}
out:
	free(rw.st);
	free(rw.seen);
	free(rw.queued);
	free(rw.wl);
	free(rw.ret);
	free(rw.half);
	return err;
}
