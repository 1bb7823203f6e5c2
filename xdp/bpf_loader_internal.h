/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpf_loader_internal.h - state shared by the loader's three passes while one object is opened:
 *   bpf_loader.c   libbpf open, map creation/binding, program list, public API;
 *   bpf_reloc.c    libelf view of the object, linking of bpf-to-bpf callees into each program's
 *                  image and application of the .rel<sec> relocations (maps, global data, calls);
 *   bpf_rewrite.c  helper checks, ctx tracking over the CFG and the xdp_md load rewrite.
 * Everything here lives only for the duration of sn_bpf_object_open() (thread context).
 */
#ifndef XDP_BPF_LOADER_INTERNAL_H
#define XDP_BPF_LOADER_INTERNAL_H

#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>

#include "xdp/bpf_prog.h"

struct bpf_object;

/* One ELF section as the relocation pass needs it. */
struct sn_bpf_elf_sec {
	const char *name;
	GElf_Shdr shdr;
	Elf_Data *data; /* contents (NULL for NOBITS) */
	Elf_Data *rel; /* the SHT_REL section applying to this one, or NULL */
	size_t nr_rel;
	int global_map; /* index in obj->maps of the global data map made from it, or -1 */
};

/* One function linked into the image of the program being prepared. */
struct sn_bpf_func {
	size_t shndx; /* section */
	uint32_t start; /* first instruction, in the section */
	uint32_t len; /* instructions */
	uint32_t base; /* first instruction, in the program image */
	const char *name; /* symbol name */
};

/* Per libbpf map definition: what became of it. */
struct sn_bpf_ld_map {
	const char *name; /* libbpf's name (owned by libbpf) */
	int obj_map; /* index in obj->maps, or -1 when the type is not supported */
	enum bpf_map_type type;
	bool referenced;
};

struct sn_bpf_ld {
	const char *path; /* or, for sn_bpf_object_open_mem(), the object's name */
	void *mem; /* sn_bpf_object_open_mem(): a private copy of the object (libelf may convert
		    * a foreign-endian image in place), read by libbpf and libelf, else NULL */
	size_t mem_len;
	const char *file; /* basename of path, the first word of every message */
	const struct sn_bpf_open_opts *opts;
	struct sn_bpf_object *obj;
	struct bpf_object *bobj;
	char *err;
	size_t errlen;

	/* libelf view (bpf_reloc.c) */
	int fd;
	Elf *elf;
	struct sn_bpf_elf_sec *secs;
	size_t nr_secs;
	Elf_Data *symtab;
	size_t nr_syms;
	size_t strtab_idx;
	size_t maps_shndx; /* ".maps", or 0 */

	struct sn_bpf_ld_map *lmaps;
	size_t nr_lmaps;

	/* the program being prepared */
	struct sn_bpf_prog *prog;
	struct sn_bpf_func *funcs; /* funcs[0] is the program itself */
	size_t nr_funcs, cap_funcs;
	uint32_t cap_insns;
	/*
	 * A reference to a map of an unsupported type is refused only after the helper checks,
	 * so that e.g. a tail call is reported as such rather than as its PROG_ARRAY.
	 */
	bool deferred;
	uint32_t deferred_pc;
	char deferred_msg[200];
};

/* "<file>: <sec>/<prog> insn <n>: <fmt>" into ld->err; returns @err. */
int sn_bpf_ld_refuse(struct sn_bpf_ld *ld, int err, uint32_t insn, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* "<file>: <fmt>" into ld->err; returns @err. */
int sn_bpf_ld_fail(struct sn_bpf_ld *ld, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *sn_bpf_map_type_name(enum bpf_map_type type);

/* bpf_reloc.c */
int sn_bpf_elf_open(struct sn_bpf_ld *ld);
void sn_bpf_elf_close(struct sn_bpf_ld *ld);
/* The data section called @name (exact) or -1. */
int sn_bpf_elf_find_sec(const struct sn_bpf_ld *ld, const char *name);
/* Link ld->prog (@insns/@cnt from libbpf) and its callees, then apply relocations. */
int sn_bpf_prog_link(struct sn_bpf_ld *ld, const struct bpf_insn *insns, size_t cnt);

/* bpf_rewrite.c */
int sn_bpf_prog_rewrite(struct sn_bpf_ld *ld);

#endif /* XDP_BPF_LOADER_INTERNAL_H */
