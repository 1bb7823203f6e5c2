// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_jit.c - the JIT engine: a loaded program handed to DPDK librte_bpf (validator + x86-64
 * JIT), helper calls pointed at the entries of bpf_jit_calls.c. What the native code is proven
 * to do, and what not, is in bpf_jit.h.
 *
 * Facts proven here once, at prepare time, so that the entries need not check them per call
 * (the kernel's verifier proves the same of its programs and then calls the map's own lookup):
 *   - which map a bpf_map_lookup_elem / bpf_redirect_map call passes: an ld_imm64 of one of the
 *     program's maps into r1 on the straight line before the call (call_map_slot());
 *   - which pointer arguments are stack addresses: r10 plus a constant on that straight line
 *     (reg_is_stack_ptr()). When every memory argument of every call is one, no helper can be
 *     given a map value, and lookups need not record the values they return (st->grants).
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
#include "xdp/bpf_jit_internal.h"

_Static_assert(sizeof(struct ebpf_insn) == sizeof(struct bpf_insn), "insn layout");
_Static_assert(SN_BPF_JIT_PKT_WINDOW <= SN_XDP_TAILROOM_RESERVE, "window inside the tailroom");
_Static_assert(SN_XDP_CTX_OFF_DATA == 0, "data where rte_mbuf has buf_addr");

static uint64_t sn_jit_fallbacks, sn_jit_refused;

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

/*
 * A helper entry @fn: RAW arguments; for a helper that returns a map value (@mapval) a pointer
 * of @value_size bytes (RAW when the program has no map), else RAW.
 */
static int xsym_add_func(struct sn_jit_build *b, sn_jit_wrapper_fn fn, const char *name,
			 uint32_t nb_args, bool mapval, uint32_t value_size)
{
	enum rte_bpf_arg_type rt = mapval && value_size ? RTE_BPF_ARG_PTR : RTE_BPF_ARG_RAW;
	size_t rsz = rt == RTE_BPF_ARG_PTR ? value_size : sizeof(uint64_t);
	struct rte_bpf_xsym *x;

	/* One entry per function and result (the map-value ones: per value size). */
	for (uint32_t i = 0; i < b->nr_xsym; i++) {
		x = &b->xsym[i];
		if (x->type == RTE_BPF_XTYPE_FUNC && x->func.val == (void *)fn &&
		    x->func.ret.type == rt && x->func.ret.size == rsz)
			return (int)i;
	}
	x = xsym_add(b);
	if (!x)
		return -ENOMEM;
	x->name = name;
	x->type = RTE_BPF_XTYPE_FUNC;
	x->func.val = (void *)fn;
	x->func.nb_args = nb_args;
	for (uint32_t i = 0; i < x->func.nb_args; i++) {
		x->func.args[i].type = RTE_BPF_ARG_RAW;
		x->func.args[i].size = sizeof(uint64_t);
	}
	x->func.ret.type = rt;
	x->func.ret.size = rsz;
	return (int)(b->nr_xsym - 1);
}

/*
 * The last instruction before the call at @pc that writes @reg, on the straight line before
 * it (no jump landing in between, no other call): its index, or -1 when there is none.
 * r1..r5 are clobbered by every call, so no earlier definition can reach the call.
 */
static int64_t reg_def(const struct sn_bpf_prog *prog, const struct sn_jit_build *b, int64_t pc,
		       uint8_t reg)
{
	for (int64_t j = pc - 1; j >= 0; j--) {
		const struct bpf_insn *in = &prog->insns[j];
		uint8_t cls = BPF_CLASS(in->code);

		if (b->jt[j + 1])
			return -1;
		if (j >= 1 && insn_is_ld_imm64(&prog->insns[j - 1])) {
			if (prog->insns[j - 1].dst_reg == reg)
				return j - 1;
			j--;
			continue;
		}
		if (cls == BPF_JMP || cls == BPF_JMP32)
			return -1; /* branch, call (clobbers r1-r5) or exit */
		if (cls == BPF_LD && BPF_MODE(in->code) != BPF_IMM)
			return -1; /* LD_ABS/LD_IND clobber r1-r5 too */
		if ((cls == BPF_ALU || cls == BPF_ALU64 || cls == BPF_LDX || cls == BPF_LD) &&
		    in->dst_reg == reg)
			return j;
		/* An atomic with BPF_FETCH writes its src_reg (cmpxchg r0): no proof then. */
		if (cls == BPF_STX && BPF_MODE(in->code) == BPF_ATOMIC &&
		    (in->src_reg == reg || reg == BPF_REG_0))
			return -1;
	}
	return -1;
}

/*
 * The slot (index in prog->maps) of the map the call at @pc passes in r1, when the straight
 * line before it loads r1 with an ld_imm64 of that map; else -1.
 */
static int call_map_slot(const struct sn_bpf_prog *prog, const struct sn_jit_build *b, uint32_t pc)
{
	int64_t d = reg_def(prog, b, pc, BPF_REG_1);
	const struct bpf_insn *ld;
	uint64_t v;

	if (d < 0 || !insn_is_ld_imm64(&prog->insns[d]))
		return -1;
	ld = &prog->insns[d];
	v = (uint64_t)(uint32_t)ld[0].imm | (uint64_t)(uint32_t)ld[1].imm << 32;
	for (uint32_t m = 0; m < prog->nr_maps; m++)
		if ((uint64_t)(uintptr_t)prog->maps[m] == v)
			return (int)m;
	return -1;
}

/*
 * Is @reg, at the call at @pc, r10 plus a constant in [-SN_BPF_STACK_SIZE, 0) (a mov from r10
 * then adds and subtracts of constants, on the straight line)? librte_bpf's validator refuses
 * r10 as a destination (WRT_REGS), so such an argument is an address in the running
 * program's stack frame or just below it on this thread's stack: never in a map value.
 */
static bool reg_is_stack_ptr(const struct sn_bpf_prog *prog, const struct sn_jit_build *b,
			     uint32_t pc, uint8_t reg)
{
	int64_t off = 0, at = pc;

	for (;;) {
		int64_t d = reg_def(prog, b, at, reg);
		const struct bpf_insn *in;

		if (d < 0)
			return false;
		in = &prog->insns[d];
		if (in->code == (BPF_ALU64 | BPF_MOV | BPF_X) && in->src_reg == BPF_REG_10 &&
		    in->off == 0)
			return off >= -SN_BPF_STACK_SIZE && off < 0;
		if (in->code == (BPF_ALU64 | BPF_ADD | BPF_K))
			off += in->imm;
		else if (in->code == (BPF_ALU64 | BPF_SUB | BPF_K))
			off -= in->imm;
		else
			return false;
		if (off < -SN_BPF_STACK_SIZE || off > SN_BPF_STACK_SIZE)
			return false;
		at = d;
	}
}

/*
 * Which of r1..r5 (bit n for rn) helper @id checks as memory with sn_bpf_mem_ok()
 * (bpf_helpers.c); a helper not listed here counts as checking all five.
 */
static uint32_t helper_mem_args(int32_t id)
{
	switch (id) {
	case BPF_FUNC_map_lookup_elem:
	case BPF_FUNC_map_delete_elem:
	case BPF_FUNC_fib_lookup:
		return 1u << 2;
	case BPF_FUNC_map_update_elem:
		return 1u << 2 | 1u << 3;
	case BPF_FUNC_xdp_load_bytes:
	case BPF_FUNC_xdp_store_bytes:
		return 1u << 3;
	case BPF_FUNC_csum_diff:
		return 1u << 1 | 1u << 3;
	case BPF_FUNC_ktime_get_ns:
	case BPF_FUNC_ktime_get_boot_ns:
	case BPF_FUNC_get_prandom_u32:
	case BPF_FUNC_get_smp_processor_id:
	case BPF_FUNC_redirect:
	case BPF_FUNC_redirect_map:
	case BPF_FUNC_xdp_adjust_head:
	case BPF_FUNC_xdp_adjust_meta:
	case BPF_FUNC_xdp_adjust_tail:
	case BPF_FUNC_xdp_get_buff_len:
		return 0;
	default: /* trace_printk (its %s arguments) and any helper added later */
		return 0x3e;
	}
}

/*
 * The entry a call to helper @id at @pc goes to: a map slot's own entry when call_map_slot()
 * proves the map, else the helper's. Also notes in @st whether grants are needed.
 * Return: the xsym index, or -ENOMEM.
 */
static int call_entry(const struct sn_bpf_prog *prog, struct sn_jit_build *b,
		      struct sn_jit_state *st, uint32_t pc, int32_t id,
		      const struct sn_bpf_helper *h)
{
	sn_jit_wrapper_fn fn = sn_jit_helper_entry(id, h);
	uint32_t vs = 0, mem = helper_mem_args(id);
	int slot = -1;

	if (id == BPF_FUNC_map_lookup_elem || id == BPF_FUNC_redirect_map || h->returns_map_value)
		slot = call_map_slot(prog, b, pc);
	if (slot >= 0 && prog->nr_maps <= SN_JIT_FAST_MAPS) {
		if (id == BPF_FUNC_map_lookup_elem)
			fn = sn_jit_lookup_entry((uint32_t)slot);
		else if (id == BPF_FUNC_redirect_map)
			fn = sn_jit_redirect_entry((uint32_t)slot);
	}
	/* The validator bounds the result by the map's value size, or every map's smallest. */
	if (h->returns_map_value)
		vs = slot >= 0 ? sn_map__value_size(prog->maps[slot]) : min_value_size(prog);
	for (uint8_t r = BPF_REG_1; r <= BPF_REG_5; r++)
		if ((mem & 1u << r) && !reg_is_stack_ptr(prog, b, pc, r))
			st->grants = true;
	return xsym_add_func(b, fn, h->name, helper_nb_args(id), h->returns_map_value, vs);
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
static int jit_scan(const struct sn_bpf_prog *prog, struct sn_jit_build *b,
		    struct sn_jit_state *st, char *err, size_t errlen)
{
	st->uses_r10 = st->grants = false;
	mark_jump_targets(prog, b->jt);
	for (uint32_t i = 0; i < prog->len; i++) {
		const struct bpf_insn *in = &prog->insns[i];
		uint8_t cls = BPF_CLASS(in->code);

		if (in->dst_reg == BPF_REG_10 || in->src_reg == BPF_REG_10)
			st->uses_r10 = true;
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
			r = call_entry(prog, b, st, i, id, h);
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
	sn_jit_map_facts_fill(st, prog);
	ret = jit_scan(prog, &b, st, err, errlen);
	if (ret)
		goto free_buf;
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
	struct sn_jit_run run; /* not zeroed as a whole: grants[] is only read below nr_grants */
	struct sn_jit_run *prev;
	uint8_t *buf_end = xdp->data_hard_start + xdp->frame_sz;
	uint32_t act;

	if (__builtin_expect(!st, 0)) {
		/* Native code not made by sn_bpf_jit_prepare() (a test's C function): just run. */
		if (!prog->jit_fn)
			return sn_bpf_interp_run(prog, xdp, &fault);
		run.rc.stack_lo = run.rc.stack_hi = NULL;
		goto run;
	}
	/* The native code may touch [data, data + window): it must stay in this buffer. */
	if (__builtin_expect(!xdp->data_hard_start || xdp->data_end > buf_end ||
		     (size_t)(buf_end - xdp->data_end) < SN_XDP_TAILROOM_RESERVE, 0)) {
		__atomic_fetch_add(&sn_jit_fallbacks, 1, __ATOMIC_RELAXED);
		return sn_bpf_interp_run(prog, xdp, &fault);
	}
	/* Non-NULL stack_hi tells the entries the program has a BPF stack (r10). */
	run.rc.stack_lo = run.rc.stack_hi = st->uses_r10 ? (uint8_t *)1 : NULL;
run:
	run.st = st;
	run.rc.prog = prog;
	run.rc.xdp = xdp;
	run.rc.fault = &fault;
	run.rc.nr_grants = run.rc.next_grant = 0;
	prev = sn_jit_cur;
	sn_jit_cur = &run;
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
