/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpf_jit.h - softnetd's glue to DPDK librte_bpf (22.11): validate and JIT-compile a loaded
 * program, and run the native code on a struct sn_xdp_buff.
 *
 * Contract:
 *   sn_bpf_jit_prepare()  thread context, after sn_bpf_object_open(); fills prog->jit/jit_fn or
 *                         explains in @err (and prog->engine_note) why not;
 *   sn_bpf_jit_run()      BH context of a task that cannot migrate, any number of CPUs at once;
 *   sn_bpf_jit_free()     thread context, once no CPU can still run the program.
 * No DPDK EAL is needed: librte_bpf takes its memory from malloc() and mmap() (the code page is
 * made read+exec after generation), logs through rte_log (which falls back to stderr without
 * rte_eal_init()), and reports errors in the per-thread rte_errno. softnetd never calls
 * rte_eal_init().
 *
 * What is refused before librte_bpf sees the program (the note names the instruction):
 *   JMP32 (class 0x06, clang -mcpu=v3), bpf-to-bpf calls (src_reg BPF_PSEUDO_CALL), ld_imm64
 *   with src_reg != 0, helpers softnetd does not provide. librte_bpf's validator then refuses
 *   loops, unreachable code, atomics other than add, and every access it cannot bound
 *   (see below); its message ends up in the note.
 *
 * How the program is described to librte_bpf:
 *   - prog_arg is RTE_BPF_ARG_PTR_MBUF of SN_XDP_CTX_VISIBLE_SIZE bytes. It is the only
 *     argument type under which the validator hands out a pointer loaded from the context: the
 *     8-byte load at offset 0 (offsetof(rte_mbuf, buf_addr) = 0 = sn_xdp_buff.data) becomes a
 *     pointer to SN_BPF_JIT_PKT_WINDOW bytes (buf_size). Other ctx loads become scalars:
 *     data_end (offset 8 = buf_iova) is an unknown scalar, data_meta (offset 16 = data_off)
 *     a constant, so programs that dereference data_meta are refused by the validator.
 *   - helper calls point at entries of bpf_jit_calls.c (call imm = index in xsym[]): one per
 *     helper id, and for bpf_map_lookup_elem / bpf_redirect_map on a map that prepare proves
 *     (ld_imm64 into r1 on the straight line before the call) one per map of the program,
 *     which calls the map's own lookup directly (bpf_jit_internal.h); arguments are declared
 *     RAW (helpers check their pointer arguments themselves with sn_bpf_mem_ok()); nb_args is
 *     the helper's own count (the validator refuses an undefined register passed as an
 *     argument). Helpers that return a
 *     map value declare a pointer of that map's value_size when r1 is loaded with the map by
 *     an ld_imm64 on a straight line before the call (no jump landing in between), else of the
 *     smallest value_size among the program's maps (one xsym entry per size);
 *   - every ld_imm64 address inside a global-data map value (.data/.rodata/.bss) is declared as
 *     an external variable of the bytes left in that value, so accesses through it are bounded.
 *
 * Protection on the JIT path, against the interpreter's (bpf_interp.h):
 *   proven at load by librte_bpf's validator:
 *     - ctx: reads inside [0, SN_XDP_CTX_VISIBLE_SIZE) at constant offsets (stores to ctx pass
 *       the validator; the loader refuses them before);
 *     - stack: constant offsets inside the 512 bytes, no read of an unwritten slot;
 *     - packet: every access is at a non-negative offset < SN_BPF_JIT_PKT_WINDOW from a data
 *       pointer the program loaded from ctx. It is NOT checked against data_end: the validator
 *       does not relate data_end to data at all;
 *     - map values: offsets below the declared value size; global data: below the value's end;
 *     - no loops, no jump out of the program, helper indexes valid.
 *   NOT proven, and not checked at run time by the native code:
 *     - data_end: a program may read or write up to SN_BPF_JIT_PKT_WINDOW bytes after data even
 *       when the packet is shorter. sn_bpf_jit_run() makes this stay inside the frame's own
 *       buffer: it runs the JIT only when the buffer has at least SN_XDP_TAILROOM_RESERVE (320)
 *       bytes after data_end, and the adjust helpers keep data <= data_end - 14 and
 *       data_end <= buffer end - 320, so [data, data + 320) never leaves the buffer, also for a
 *       data pointer kept across an adjust_head. Frames without that tailroom run in the
 *       interpreter. Bytes past data_end are stale bytes of the same buffer (an earlier packet):
 *       a faulty program reads them where the interpreter would end it as XDP_ABORTED;
 *     - NULL: the validator does not require a NULL test before dereferencing a map lookup's
 *       result; such a program crashes the process on a miss;
 *     - .rodata: writes are not refused (the memory is writable, the interpreter refuses them);
 *     - no instruction budget (none is needed: no loops).
 *   Helper arguments: checked at run time by the helpers, as in the interpreter; the stack
 *   region they see is exactly the native BPF stack frame [rsp, rbp) of the running program.
 *   Lookups record the map values they return for later checks (sn_bpf_grant()) only when some
 *   helper argument may be one: prepare proves the other case (every memory argument of every
 *   call is r10 plus a constant, a stack address) and then skips the recording, which could
 *   change no check's answer.
 *   A helper that refuses its arguments makes the run end as XDP_ABORTED (after the native code
 *   returns).
 *
 * Decision for SN_XDP_ENGINE_AUTO: librte_bpf's proof does not cover data_end or NULL, so the JIT
 * is NOT safe for untrusted programs. AUTO uses the JIT only for a program that, in addition to
 * being accepted by librte_bpf, was accepted by the kernel verifier (which does prove packet
 * bounds against data_end, NULL tests and packet-pointer invalidation after adjust_head):
 * sn_bpf_jit_kernel_verify() loads the original object into the kernel (root/CAP_BPF), and
 * unloads it at once. Without that proof AUTO runs the interpreter, and says why once.
 * `--xdp-engine jit` trusts the operator and skips the kernel proof.
 */
#ifndef XDP_BPF_JIT_H
#define XDP_BPF_JIT_H

#include <stddef.h>
#include <stdint.h>

#include "xdp/bpf_interp.h"
#include "xdp/bpf_prog.h"
#include "xdp/xdp_buff.h"

/* Bytes after a data pointer the validator lets a program touch (== SN_XDP_TAILROOM_RESERVE). */
#define SN_BPF_JIT_PKT_WINDOW 320

/**
 * sn_bpf_jit_prepare() - translate @prog for librte_bpf, validate and JIT-compile it.
 * On success prog->jit is the struct rte_bpf and prog->jit_fn its native code; on refusal
 * both stay NULL and @err (also copied to prog->engine_note) says what, where and why, e.g.
 * "JIT refused: JMP32 at insn 12 (librte_bpf 22.11 rejects it); running in the interpreter".
 * Context: thread (allocates; serialised internally around librte_bpf's log stream).
 * Return: 0, -EOPNOTSUPP (refused: JMP32, pseudo call, validator), -EINVAL (bad program or
 * helper), -ENOMEM.
 */
int sn_bpf_jit_prepare(struct sn_bpf_prog *prog, char *err, size_t errlen);

/**
 * sn_bpf_jit_run() - run the native code of @prog on @xdp.
 * Runs the interpreter instead for a frame without SN_XDP_TAILROOM_RESERVE bytes after data_end
 * (see above), and when @prog has no native code. A prog->jit_fn that sn_bpf_jit_prepare()
 * did not make (tests' C functions standing for native code) is called as is, with the run
 * context set.
 * Context: BH, no migration; sets this task's JIT run context for the helpers.
 * Return: the program's return value (XDP action), XDP_ABORTED when a helper refused.
 */
uint32_t sn_bpf_jit_run(const struct sn_bpf_prog *prog, struct sn_xdp_buff *xdp);

/* Release what sn_bpf_jit_prepare() made (prog->jit, prog->jit_fn). Context: thread. */
void sn_bpf_jit_free(struct sn_bpf_prog *prog);

/**
 * sn_bpf_jit_kernel_verify() - the trust test of the AUTO policy: load @prog's original
 * program (from prog->obj->path) into the kernel with libbpf, maps created for the occasion,
 * then unload everything.
 * Context: thread; needs CAP_BPF (root).
 * Return: 0 when the kernel verifier accepts it; -EPERM (no privilege), -EACCES/-EINVAL (the
 * verifier refuses: its last log line is in @err), -ENOENT.
 */
int sn_bpf_jit_kernel_verify(const struct sn_bpf_prog *prog, char *err, size_t errlen);

/* Process-wide counters of the rare events (relaxed atomics; the hot path counts nothing). */
struct sn_bpf_jit_stats {
	uint64_t interp_fallback; /* frames without the tailroom reserve, run by the interpreter */
	uint64_t helper_refused;  /* runs ended XDP_ABORTED because a helper refused */
};
void sn_bpf_jit_stats_read(struct sn_bpf_jit_stats *out);

#endif /* XDP_BPF_JIT_H */
