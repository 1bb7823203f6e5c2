/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpf_prog.h - a BPF object and its programs as softnetd runs them.
 *
 * sn_bpf_object_open() reads a clang-built ELF object with libbpf (bpf_object__open, never
 * loaded into the kernel) and libelf (relocations), and produces programs whose instructions are
 * ready for either engine:
 *   - map references (BPF_PSEUDO_MAP_FD / BPF_PSEUDO_MAP_VALUE ld_imm64, from .maps and from
 *     global data sections .data/.rodata/.bss, which become 1-entry array maps) become plain
 *     ld_imm64 with src_reg 0 and the 64-bit address of the struct sn_map (MAP_FD) or of the
 *     value byte (MAP_VALUE); prog->maps lists every map referenced, so that helpers can tell a
 *     struct sn_map pointer from anything else;
 *   - helper calls keep the kernel's helper id in imm (engines map it to their own tables);
 *     a helper softnetd does not provide is refused at open;
 *   - bpf-to-bpf calls (src_reg BPF_PSEUDO_CALL) are kept, pc-relative, for the interpreter;
 *   - context accesses (xdp_md) are rewritten to struct sn_xdp_buff's layout (xdp_buff.h);
 *     an access that is not an aligned load of a known field, or any store to ctx, is refused.
 * Refusals name what, where and why: "prog.o: xdp/prog_name insn 42: call to helper 51
 * (bpf_redirect_map) with ... : not supported".
 *
 * Maps: for each map definition in the object, opts->bind_map (if given) may return an existing
 * softnetd map of the same name (it must match type, key/value size and max_entries, else the
 * open fails); otherwise the map is created with sn_map__create() from the BTF definition.
 *
 * Context: thread context (allocates).
 */
#ifndef XDP_BPF_PROG_H
#define XDP_BPF_PROG_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sn_map;

#define SN_BPF_STACK_SIZE 512
#define SN_BPF_MAX_INSNS 1000000
#define SN_BPF_MAX_CALL_DEPTH 8

enum sn_xdp_engine {
	SN_XDP_ENGINE_AUTO,   /* JIT when librte_bpf accepts the program, else the interpreter */
	SN_XDP_ENGINE_JIT,
	SN_XDP_ENGINE_INTERP,
};

struct sn_bpf_prog {
	char name[64];          /* function name, e.g. "xdp_fwd" */
	char sec[64];           /* ELF section, "xdp" or "xdp.frags" */
	bool frags;             /* SEC("xdp.frags") */
	/* SEC("xdp/devmap"): BPF_XDP_DEVMAP, SEC("xdp/cpumap"): BPF_XDP_CPUMAP, else BPF_XDP */
	enum bpf_attach_type expected_attach_type;
	struct bpf_insn *insns; /* relocated and rewritten */
	uint32_t len;           /* instructions (an ld_imm64 counts 2) */
	struct sn_map **maps;   /* every map the program references (owned by the object) */
	uint32_t nr_maps;
	struct sn_bpf_object *obj;
	/* Engines: filled by sn_bpf_prog_prepare(). */
	enum sn_xdp_engine engine; /* the one in use: JIT or INTERP */
	void *jit;                 /* struct rte_bpf *, or NULL */
	uint64_t (*jit_fn)(void *ctx);
	char engine_note[160];     /* why the JIT was not used, if it was not */
};

struct sn_bpf_obj_map {
	char name[64];
	struct sn_map *map;
	bool owned; /* created by the open (freed with the object), or bound from outside */
	bool global_data; /* .data/.rodata/.bss */
};

struct sn_bpf_object {
	char path[256];
	struct sn_bpf_prog *progs;
	size_t nr_progs;
	struct sn_bpf_obj_map *maps;
	size_t nr_maps;
};

struct sn_bpf_open_opts {
	size_t sz;
	/* Return an existing map to use for the definition @name, or NULL to create one. */
	struct sn_map *(*bind_map)(const char *name, void *arg);
	void *bind_arg;
};

/**
 * sn_bpf_object_open() - open, check, relocate and rewrite every XDP program of @path.
 * Return: 0 and *out, or -errno with the reason in @err: -ENOENT (file), -EINVAL (not BPF ELF,
 * no XDP program, bad relocation), -EOPNOTSUPP (a construct softnetd cannot run), -ENOMEM.
 */
int sn_bpf_object_open(const char *path, const struct sn_bpf_open_opts *opts,
		       struct sn_bpf_object **out, char *err, size_t errlen);
/* The same for an object in memory (@len bytes at @buf, not kept); @name stands for the file. */
int sn_bpf_object_open_mem(const void *buf, size_t len, const char *name,
			   const struct sn_bpf_open_opts *opts, struct sn_bpf_object **out,
			   char *err, size_t errlen);
void sn_bpf_object_close(struct sn_bpf_object *obj);
/* The program called @name, or the first SEC("xdp"/"xdp.frags") program when @name is NULL. */
struct sn_bpf_prog *sn_bpf_object_find_prog(struct sn_bpf_object *obj, const char *name);
/* The object's map called @name, or NULL. */
struct sn_map *sn_bpf_object_find_map(struct sn_bpf_object *obj, const char *name);

/* Is @p one of the maps @prog references? (Helpers check their map arguments with it.) */
bool sn_bpf_prog_has_map(const struct sn_bpf_prog *prog, const void *p);

#endif /* XDP_BPF_PROG_H */
