/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpf_interp.h - softnetd's checked BPF interpreter and the helpers programs may call.
 *
 * The interpreter runs the full ISA clang and the kernel accept (ALU/ALU64, JMP/JMP32,
 * LD/LDX/ST/STX of every size, atomics incl. fetch/xchg/cmpxchg, all ld_imm64 forms left by the
 * loader, bpf-to-bpf calls up to SN_BPF_MAX_CALL_DEPTH, tail calls refused at load) with
 * run-time region checks: every memory access must fall inside one region allowed for it —
 * the packet [data_meta, data_end), the visible ctx [0, SN_XDP_CTX_VISIBLE_SIZE) (read-only),
 * the current frame's 512-byte stack (and its callers' frames, which a callee may reach through
 * a pointer argument, as the verifier allows), a map value returned by a lookup (value_size
 * bytes; read-only for BPF_F_RDONLY_PROG maps), or the value of a 1-entry ARRAY map of the
 * program (global data; .rodata read-only) — details in bpf_interp_internal.h. A faulty program (out-of-region access, division by
 * zero is NOT a fault in BPF: it yields 0 / keeps dst as the kernel defines, a jump out of the
 * program, call depth exceeded, instruction budget exceeded) ends as XDP_ABORTED with
 * fault->reason set; it never touches other memory.
 *
 * Helpers are called with (r1..r5) and the run context; pointer arguments are checked against
 * the same regions. The helper table is indexed by the kernel's helper id (enum bpf_func_id).
 *
 * Context: BH context of a task that cannot migrate (per-CPU maps, redirect state).
 */
#ifndef XDP_BPF_INTERP_H
#define XDP_BPF_INTERP_H

#include <stdbool.h>
#include <stdint.h>

#include "xdp/bpf_prog.h"
#include "xdp/xdp_buff.h"

enum sn_bpf_fault_reason {
	SN_BPF_FAULT_NONE = 0,
	SN_BPF_FAULT_MEM,        /* access outside every allowed region */
	SN_BPF_FAULT_CTX,        /* ctx write or bad ctx offset */
	SN_BPF_FAULT_JUMP,       /* jump or fall-through out of the program */
	SN_BPF_FAULT_CALL_DEPTH,
	SN_BPF_FAULT_BUDGET,     /* more than SN_BPF_MAX_INSNS executed */
	SN_BPF_FAULT_HELPER,     /* helper refused its arguments */
	SN_BPF_FAULT_INSN,       /* unknown opcode (the loader should have refused it) */
	SN_BPF_FAULT_NR
};

struct sn_bpf_fault {
	enum sn_bpf_fault_reason reason;
	uint32_t pc;        /* instruction index */
	uint64_t addr;      /* the address that was refused (MEM) */
	uint32_t size;
};

/* Run @prog on @xdp. Return: the XDP action (XDP_ABORTED on a fault, with @fault filled). */
uint32_t sn_bpf_interp_run(const struct sn_bpf_prog *prog, struct sn_xdp_buff *xdp,
			   struct sn_bpf_fault *fault);

/* A map value region granted to the program by a lookup helper during one run. */
struct sn_bpf_region {
	uint64_t lo, hi; /* [lo, hi) */
	bool writable;   /* false for maps with BPF_F_RDONLY_PROG (.rodata, devmap, cpumap) */
};
#define SN_BPF_MAX_GRANTS 32

/*
 * The run context helpers see (owned by the interpreter or the JIT glue). Whoever runs a program
 * sets the first four fields and zeroes nr_grants before each run; lookup helpers then append the
 * value regions they hand out (deduplicated; when the table is full the oldest grant is reused,
 * so a program holding more than SN_BPF_MAX_GRANTS distinct value pointers at once may fault).
 */
struct sn_bpf_run_ctx {
	const struct sn_bpf_prog *prog;
	struct sn_xdp_buff *xdp;
	uint8_t *stack_lo, *stack_hi; /* stack the program may use: the current frame and its callers' */
	struct sn_bpf_fault *fault;
	uint32_t nr_grants, next_grant;
	struct sn_bpf_region grants[SN_BPF_MAX_GRANTS];
};

/* Does [p, p+size) lie inside a region a helper may read (write=false) or write? */
bool sn_bpf_mem_ok(const struct sn_bpf_run_ctx *rc, uint64_t p, uint32_t size, bool write);

typedef uint64_t (*sn_bpf_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				     uint64_t r5, struct sn_bpf_run_ctx *rc);
struct sn_bpf_helper {
	const char *name;        /* "bpf_map_lookup_elem" */
	sn_bpf_helper_fn fn;
	bool returns_map_value;  /* the result (if not NULL) is a value of the map in r1 */
};
/* The helper with kernel id @id, or NULL if softnetd does not provide it. */
const struct sn_bpf_helper *sn_bpf_helper_get(int32_t id);
/* The kernel's name for helper id @id (also for ones softnetd lacks), for messages. */
const char *sn_bpf_helper_name(int32_t id);

/* The JIT glue's run context for the current CPU's run (helpers called from JIT code). */
struct sn_bpf_run_ctx *sn_bpf_jit_run_ctx(void);

#endif /* XDP_BPF_INTERP_H */
