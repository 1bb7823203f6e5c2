// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_xdp_loader.c - bytes as a BPF ELF object through sn_bpf_object_open_mem() (libbpf open,
 * libelf view, map creation, linking and relocation, helper checks and the ctx rewrite), then
 * every program it loads run once on the checked interpreter.
 *
 * Input, byte 0 is the mode:
 *   even   the rest is the object, as is (whole objects, truncated, corrupted headers...);
 *   odd    structure-aware: bytes 1-2 are a length L (little-endian), the next L bytes the
 *          object, and what follows a list of 10-byte patches (u16 slot, 8-byte instruction),
 *          each put on instruction slot (slot mod N) of the object's executable sections (N
 *          instructions in all) — overwritten (bit 1 of the mode clear) or XORed (set). The
 *          seeds are valid objects, so the ELF around stays valid and the patches reach the
 *          linker, the relocations and the rewriter with instructions the compiler would not
 *          emit (bad registers, ld_imm64 halves, calls out of range, ctx stores...).
 *
 * Contract checked on every input:
 *   - refused: a negative errno (-EINVAL, -EOPNOTSUPP, -ENOMEM, -E2BIG, -ENOENT), no object, and a
 *     message of one line that starts with the object's name ("fuzz.bpf.o: ...");
 *   - loaded: at least one XDP program, each with instructions; every ld_imm64 resolved (src_reg
 *     0, both halves inside the program) and every map pointer it holds one of the program's maps,
 *     each of which is one of the object's; every helper call (src_reg 0) names a helper softnetd
 *     provides; a pseudo call lands inside the program; no call of another kind;
 *   - each loaded program runs on an exactly sized frame buffer (headroom 256, a 64-byte frame,
 *     tailroom 384): the verdict is XDP_ABORTED whenever a fault is reported, and the 40-byte
 *     xdp_frame reserve and the 320-byte skb_shared_info reserve are unchanged;
 *   - ASan/UBSan; LSan at exit (the object closed, libbpf's and libelf's handles released).
 * The maps an object asks for are created for real; a definition needing more than 64 MB is
 * refused here with ENOMEM (sn_map__create() is wrapped, see build.sh) instead of exhausting
 * the fuzzer's memory: the daemon would get the same -ENOMEM from the allocator.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gelf.h>
#include <libelf.h>
#include <linux/bpf.h>

#include "bhlock/bhlock.h"
#include "maps/map.h"
#include "xdp/bpf_interp.h"
#include "xdp/bpf_interp_internal.h"
#include "xdp/bpf_prog.h"

#define FUZZ_TARGET "fuzz_xdp_loader"
#include "fuzz_check.h"

#define OBJ_NAME "fuzz.bpf.o"
#define MAP_MEM_CAP (64u << 20)
#define MAX_OBJ 65536

/* ---- the map memory cap ----------------------------------------------------------------- */

struct sn_map *__real_sn_map__create(enum bpf_map_type type, const char *name, __u32 key_size,
				     __u32 value_size, __u32 max_entries,
				     const struct sn_map_create_opts *opts);
struct sn_map *__wrap_sn_map__create(enum bpf_map_type type, const char *name, __u32 key_size,
				     __u32 value_size, __u32 max_entries,
				     const struct sn_map_create_opts *opts);

struct sn_map *__wrap_sn_map__create(enum bpf_map_type type, const char *name, __u32 key_size,
				     __u32 value_size, __u32 max_entries,
				     const struct sn_map_create_opts *opts)
{
	/* Per element: key and value rounded to 8, ~64 bytes of node; per-CPU values times CPUs. */
	uint64_t per = ((uint64_t)key_size + 7) / 8 * 8 + 64;
	uint64_t val = ((uint64_t)value_size + 7) / 8 * 8;

	if (type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
	    type == BPF_MAP_TYPE_LRU_PERCPU_HASH)
		val *= (uint64_t)nr_cpu_ids;
	if ((per + val) * max_entries > MAP_MEM_CAP) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_sn_map__create(type, name, key_size, value_size, max_entries, opts);
}

/* ---- structure-aware mode: patch instructions of the executable sections --------------- */

struct code_sec {
	uint64_t off, n; /* file offset, instructions */
};

/* The executable sections of a 64-bit little-endian ELF image (what libbpf accepts). */
static size_t find_code(const uint8_t *img, size_t len, struct code_sec *secs, size_t max)
{
	Elf64_Ehdr eh;
	size_t n = 0;

	if (len < sizeof(eh))
		return 0;
	memcpy(&eh, img, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shoff > len ||
	    (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr) > len - eh.e_shoff)
		return 0;
	for (unsigned i = 0; i < eh.e_shnum && n < max; i++) {
		Elf64_Shdr sh;

		memcpy(&sh, img + eh.e_shoff + (size_t)i * sizeof(sh), sizeof(sh));
		if (sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR) ||
		    sh.sh_offset > len || sh.sh_size > len - sh.sh_offset || sh.sh_size < 8)
			continue;
		secs[n++] = (struct code_sec){ .off = sh.sh_offset, .n = sh.sh_size / 8 };
	}
	return n;
}

static size_t build_object(const uint8_t *data, size_t size, uint8_t *img)
{
	uint8_t mode = size ? data[0] : 0;
	struct code_sec secs[32];
	size_t len, nsec, p;
	uint64_t total = 0;

	if (!(mode & 1)) {
		len = size > 1 ? size - 1 : 0;
		if (len > MAX_OBJ)
			len = MAX_OBJ;
		memcpy(img, data + 1, len);
		return len;
	}
	if (size < 3)
		return 0;
	len = data[1] | (size_t)data[2] << 8;
	if (len > size - 3)
		len = size - 3;
	memcpy(img, data + 3, len);
	nsec = find_code(img, len, secs, 32);
	for (size_t i = 0; i < nsec; i++)
		total += secs[i].n;
	if (!total)
		return len;
	for (p = 3 + len; p + 10 <= size; p += 10) {
		uint64_t slot = (data[p] | (uint64_t)data[p + 1] << 8) % total;
		size_t i = 0;
		uint8_t *at;

		while (slot >= secs[i].n)
			slot -= secs[i++].n;
		at = img + secs[i].off + slot * 8;
		for (int k = 0; k < 8; k++)
			at[k] = (mode & 2) ? at[k] ^ data[p + 2 + k] : data[p + 2 + k];
	}
	return len;
}

/* ---- checks on a loaded object ---------------------------------------------------------- */

static bool obj_has_map(const struct sn_bpf_object *obj, const struct sn_map *m)
{
	for (size_t i = 0; i < obj->nr_maps; i++)
		if (obj->maps[i].map == m)
			return true;
	return false;
}

static void check_prog(const struct sn_bpf_object *obj, const struct sn_bpf_prog *prog)
{
	CHECK(prog->insns && prog->len > 0, "%s: no instructions", prog->name);
	CHECK(prog->obj == obj, "%s: prog->obj", prog->name);
	for (uint32_t i = 0; i < prog->nr_maps; i++)
		CHECK(prog->maps[i] && obj_has_map(obj, prog->maps[i]),
		      "%s: map %u is not one of the object's", prog->name, i);
	for (uint32_t pc = 0; pc < prog->len; pc++) {
		const struct bpf_insn *x = &prog->insns[pc];

		if (x->code == (BPF_LD | BPF_IMM | BPF_DW)) {
			CHECK(x->src_reg == 0, "%s insn %u: ld_imm64 with src_reg %u left", prog->name,
			      pc, x->src_reg);
			CHECK(pc + 1 < prog->len, "%s insn %u: ld_imm64 cut by the end", prog->name,
			      pc);
			pc++; /* the second half is data */
			continue;
		}
		if (x->code != (BPF_JMP | BPF_CALL))
			continue;
		if (x->src_reg == 0) {
			CHECK(sn_bpf_helper_get(x->imm), "%s insn %u: call to helper %d kept",
			      prog->name, pc, x->imm);
		} else {
			CHECK(x->src_reg == BPF_PSEUDO_CALL, "%s insn %u: call with src_reg %u kept",
			      prog->name, pc, x->src_reg);
			CHECK((int64_t)pc + x->imm + 1 >= 0 && (int64_t)pc + x->imm + 1 < prog->len,
			      "%s insn %u: bpf-to-bpf call to %lld, outside the program", prog->name,
			      pc, (long long)pc + x->imm + 1);
		}
	}
}

/* Run @prog once on a 64-byte IPv4/UDP frame in an exactly sized buffer. */
static void run_prog(const struct sn_bpf_prog *prog)
{
	enum { HEAD = SN_XDP_HEADROOM, LEN = 64, TAIL = SN_XDP_TAILROOM_RESERVE + 64 };
	static const uint8_t frame[LEN] = {
		0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00,          /* Ethernet */
		0x45, 0, 0, 50, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 1, 1, /* IPv4 */
		0x30, 0x39, 0x00, 0x35, 0, 30, 0, 0,                              /* UDP */
	};
	uint8_t *buf = malloc(HEAD + LEN + TAIL), *before = malloc(HEAD + LEN + TAIL);
	struct sn_xdp_buff *xdp = malloc(sizeof(*xdp));
	struct sn_bpf_fault fault;
	uint32_t verdict;

	CHECK(buf && before && xdp, "out of memory");
	memset(buf, 0x5a, HEAD + LEN + TAIL);
	memcpy(buf + HEAD, frame, LEN);
	memcpy(before, buf, HEAD + LEN + TAIL);
	memset(xdp, 0, sizeof(*xdp));
	xdp->data_hard_start = buf;
	xdp->frame_sz = HEAD + LEN + TAIL;
	xdp->data = xdp->data_meta = buf + HEAD;
	xdp->data_end = buf + HEAD + LEN;
	xdp->ingress_ifindex = 1;

	verdict = sn_bpf_interp_run(prog, xdp, &fault);
	CHECK((unsigned)fault.reason < SN_BPF_FAULT_NR, "fault reason %d", fault.reason);
	if (fault.reason != SN_BPF_FAULT_NONE)
		CHECK(verdict == XDP_ABORTED && fault.pc < prog->len,
		      "%s: fault %d at pc %u, verdict %u", prog->name, fault.reason, fault.pc,
		      verdict);
	for (uint32_t i = 0; i < SN_XDP_FRAME_RESERVE; i++)
		CHECK(buf[i] == before[i], "%s: xdp_frame reserve byte %u written", prog->name, i);
	for (uint32_t i = HEAD + LEN + TAIL - SN_XDP_TAILROOM_RESERVE; i < HEAD + LEN + TAIL; i++)
		CHECK(buf[i] == before[i], "%s: skb_shared_info reserve byte %u written", prog->name,
		      i);
	CHECK(xdp->data_meta >= buf + SN_XDP_FRAME_RESERVE && xdp->data_meta <= xdp->data &&
		      xdp->data <= xdp->data_end &&
		      xdp->data_end <= buf + HEAD + LEN + TAIL - SN_XDP_TAILROOM_RESERVE,
	      "%s: packet pointers out of the buffer", prog->name);
	free(xdp);
	free(before);
	free(buf);
}

/* ---- target ----------------------------------------------------------------------------- */

static uint64_t opened, refused;
static bool verbose; /* FUZZ_XDP_LOADER_VERBOSE=1: print each result */

static void print_stats(void)
{
	fprintf(stderr, "fuzz_xdp_loader: %llu loaded, %llu refused\n",
		(unsigned long long)opened, (unsigned long long)refused);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Per-CPU maps and the helpers need a task that cannot migrate. */
	if (bh_task_pin(0)) {
		fprintf(stderr, "fuzz_xdp_loader: cannot pin to CPU 0\n");
		exit(1);
	}
	verbose = getenv("FUZZ_XDP_LOADER_VERBOSE") != NULL;
	if (verbose)
		atexit(print_stats);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t img[MAX_OBJ];
	struct sn_bpf_object *obj = (struct sn_bpf_object *)1;
	char err[512];
	size_t len = build_object(data, size, img);
	uint8_t *exact;
	int ret;

	/* An exactly sized copy: a read past the object's end is an ASan report. */
	exact = malloc(len ? len : 1);
	CHECK(exact, "out of memory");
	memcpy(exact, img, len);
	memset(err, 'x', sizeof(err));
	ret = sn_bpf_object_open_mem(exact, len, OBJ_NAME, NULL, &obj, err, sizeof(err));
	CHECK(memchr(err, '\0', sizeof(err)), "message not terminated");
	CHECK(!strchr(err, '\n'), "message of more than one line: %s", err);
	if (verbose)
		fprintf(stderr, "%d: %s\n", ret, err);
	if (ret) {
		refused++;
		CHECK(ret == -EINVAL || ret == -EOPNOTSUPP || ret == -ENOMEM || ret == -E2BIG ||
			      ret == -ENOENT,
		      "refused with %d (%s): %s", ret, strerror(-ret), err);
		CHECK(obj == NULL, "refused (%d) but an object returned", ret);
		CHECK(!strncmp(err, OBJ_NAME ": ", strlen(OBJ_NAME) + 2) && err[strlen(OBJ_NAME) + 2],
		      "refusal without a message naming the object: '%s'", err);
	} else {
		opened++;
		CHECK(obj && obj->nr_progs > 0, "loaded without a program");
		for (size_t i = 0; i < obj->nr_progs; i++)
			check_prog(obj, &obj->progs[i]);
		for (size_t i = 0; i < obj->nr_progs; i++)
			run_prog(&obj->progs[i]);
		sn_bpf_object_close(obj);
	}
	free(exact);
	return 0;
}
