// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_reloc.c - libelf view of a BPF object, linking and relocation of one program.
 *
 * libbpf (1.1) opens an object without loading it but keeps its relocation records internal,
 * and only appends called subprograms to a program at load time: before load,
 * bpf_program__insns() is the program's own slice of its section, with ld_imm64 map references
 * still 0 and calls still section-relative. So this file reads the symbol table and the
 * .rel<section> records itself and builds the image softnetd runs:
 *
 *   image = the program, then every function it calls (transitively), each once, in the order
 *           first reached; bpf-to-bpf calls are re-aimed pc-relative inside the image;
 *   ld_imm64 against a .maps symbol      -> src_reg 0, imm pair = (struct sn_map *);
 *   ld_imm64 against a global data sec.  -> src_reg 0, imm pair = value address + offset
 *                                           (offset = symbol value + the insn's own imm, as the
 *                                           ELF addend convention of R_BPF_64_64 has it).
 * Relocation types are not trusted: the instruction decides (ld_imm64 or call), the symbol's
 * section decides what it refers to. Anything else is refused with where and why.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "maps/map.h"
#include "xdp/bpf_loader_internal.h"

#define INSN_SZ sizeof(struct bpf_insn)

int sn_bpf_elf_open(struct sn_bpf_ld *ld)
{
	size_t shstrndx, i;
	Elf_Scn *scn = NULL;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return sn_bpf_ld_fail(ld, -EINVAL, "libelf: %s", elf_errmsg(-1));
	if (ld->mem) {
		ld->elf = elf_memory(ld->mem, ld->mem_len);
	} else {
		ld->fd = open(ld->path, O_RDONLY | O_CLOEXEC);
		if (ld->fd < 0)
			return sn_bpf_ld_fail(ld, -errno, "open: %s", strerror(errno));
		ld->elf = elf_begin(ld->fd, ELF_C_READ, NULL);
	}
	if (!ld->elf || elf_kind(ld->elf) != ELF_K_ELF)
		return sn_bpf_ld_fail(ld, -EINVAL, "not an ELF object");
	if (elf_getshdrnum(ld->elf, &ld->nr_secs) || elf_getshdrstrndx(ld->elf, &shstrndx))
		return sn_bpf_ld_fail(ld, -EINVAL, "bad ELF section table: %s", elf_errmsg(-1));
	ld->secs = calloc(ld->nr_secs ? ld->nr_secs : 1, sizeof(*ld->secs));
	if (!ld->secs)
		return sn_bpf_ld_fail(ld, -ENOMEM, "out of memory");
	while ((scn = elf_nextscn(ld->elf, scn))) {
		struct sn_bpf_elf_sec *s;

		i = elf_ndxscn(scn);
		if (i >= ld->nr_secs)
			return sn_bpf_ld_fail(ld, -EINVAL, "bad ELF section index %zu", i);
		s = &ld->secs[i];
		s->global_map = -1;
		if (!gelf_getshdr(scn, &s->shdr))
			return sn_bpf_ld_fail(ld, -EINVAL, "bad ELF section %zu", i);
		s->name = elf_strptr(ld->elf, shstrndx, s->shdr.sh_name);
		if (!s->name)
			return sn_bpf_ld_fail(ld, -EINVAL, "bad ELF section name (section %zu)", i);
		if (s->shdr.sh_type != SHT_NOBITS) {
			s->data = elf_getdata(scn, NULL);
			if (!s->data && s->shdr.sh_size)
				return sn_bpf_ld_fail(ld, -EINVAL, "section %s: truncated",
						      s->name);
		}
		if (s->shdr.sh_type == SHT_SYMTAB) {
			ld->symtab = s->data;
			ld->nr_syms = s->shdr.sh_entsize ? s->shdr.sh_size / s->shdr.sh_entsize : 0;
			ld->strtab_idx = s->shdr.sh_link;
		}
		if (!strcmp(s->name, ".maps"))
			ld->maps_shndx = i;
	}
	for (i = 0; i < ld->nr_secs; i++) {
		struct sn_bpf_elf_sec *s = &ld->secs[i];

		if (s->shdr.sh_type != SHT_REL)
			continue;
		if (s->shdr.sh_info >= ld->nr_secs || !s->data)
			return sn_bpf_ld_fail(ld, -EINVAL, "section %s: bad relocation section",
					      s->name);
		ld->secs[s->shdr.sh_info].rel = s->data;
		ld->secs[s->shdr.sh_info].nr_rel =
			s->shdr.sh_entsize ? s->shdr.sh_size / s->shdr.sh_entsize : 0;
	}
	if (!ld->symtab)
		return sn_bpf_ld_fail(ld, -EINVAL, "no symbol table");
	return 0;
}

void sn_bpf_elf_close(struct sn_bpf_ld *ld)
{
	if (ld->elf)
		elf_end(ld->elf);
	if (ld->fd >= 0)
		close(ld->fd);
	free(ld->secs);
	ld->elf = NULL;
	ld->fd = -1;
	ld->secs = NULL;
}

int sn_bpf_elf_find_sec(const struct sn_bpf_ld *ld, const char *name)
{
	for (size_t i = 1; i < ld->nr_secs; i++)
		if (ld->secs[i].name && !strcmp(ld->secs[i].name, name))
			return (int)i;
	return -1;
}

static bool get_sym(const struct sn_bpf_ld *ld, size_t idx, GElf_Sym *sym, const char **name)
{
	if (idx >= ld->nr_syms || !gelf_getsym(ld->symtab, (int)idx, sym))
		return false;
	*name = elf_strptr(ld->elf, ld->strtab_idx, sym->st_name);
	if (!*name)
		*name = "?";
	return true;
}

static bool sec_is_code(const struct sn_bpf_ld *ld, size_t shndx)
{
	return shndx > 0 && shndx < ld->nr_secs && ld->secs[shndx].shdr.sh_type == SHT_PROGBITS &&
	       (ld->secs[shndx].shdr.sh_flags & SHF_EXECINSTR);
}

/* The function of section @shndx that holds instruction @idx: [*start, *start + *len). */
static const char *find_func(const struct sn_bpf_ld *ld, size_t shndx, uint32_t idx,
			     uint32_t *start, uint32_t *len)
{
	uint32_t sec_len = (uint32_t)(ld->secs[shndx].shdr.sh_size / INSN_SZ);
	uint32_t best = 0, next = sec_len;
	const char *name = NULL;
	GElf_Sym sym;
	const char *n;

	for (size_t i = 1; i < ld->nr_syms; i++) {
		uint32_t s;

		if (!get_sym(ld, i, &sym, &n) || sym.st_shndx != shndx ||
		    GELF_ST_TYPE(sym.st_info) != STT_FUNC)
			continue;
		s = (uint32_t)(sym.st_value / INSN_SZ);
		if (s <= idx && (!name || s >= best)) {
			best = s;
			name = n;
			next = sym.st_size ? s + (uint32_t)(sym.st_size / INSN_SZ) : sec_len;
		}
	}
	if (!name || idx >= next) {
		*start = 0;
		*len = sec_len;
		return ld->secs[shndx].name;
	}
	/* Without a size, the function ends where the next one starts. */
	for (size_t i = 1; i < ld->nr_syms; i++) {
		uint32_t s;

		if (!get_sym(ld, i, &sym, &n) || sym.st_shndx != shndx ||
		    GELF_ST_TYPE(sym.st_info) != STT_FUNC)
			continue;
		s = (uint32_t)(sym.st_value / INSN_SZ);
		if (s > best && s < next)
			next = s;
	}
	*start = best;
	*len = next - best;
	return name;
}

static int grow_insns(struct sn_bpf_ld *ld, uint32_t need)
{
	struct sn_bpf_prog *prog = ld->prog;
	uint32_t cap = ld->cap_insns ? ld->cap_insns : 64;
	struct bpf_insn *n;

	if (need > SN_BPF_MAX_INSNS)
		return sn_bpf_ld_refuse(ld, -EOPNOTSUPP, SN_BPF_MAX_INSNS,
					"program with its subprograms: %u instructions: more than "
					"the limit of %u",
					need, SN_BPF_MAX_INSNS);
	if (need <= ld->cap_insns)
		return 0;
	while (cap < need)
		cap *= 2;
	n = realloc(prog->insns, cap * INSN_SZ);
	if (!n)
		return sn_bpf_ld_fail(ld, -ENOMEM, "out of memory");
	prog->insns = n;
	ld->cap_insns = cap;
	return 0;
}

/* Base in the image of function (shndx, start, len) - appended if not yet there. */
static int image_func(struct sn_bpf_ld *ld, size_t shndx, uint32_t idx, uint32_t *base_of_idx)
{
	struct sn_bpf_prog *prog = ld->prog;
	struct sn_bpf_func *f;
	uint32_t start, len;
	const char *name;
	int err;

	for (size_t i = 0; i < ld->nr_funcs; i++) {
		f = &ld->funcs[i];
		if (f->shndx == shndx && idx >= f->start && idx < f->start + f->len) {
			*base_of_idx = f->base + (idx - f->start);
			return 0;
		}
	}
	name = find_func(ld, shndx, idx, &start, &len);
	if (!ld->secs[shndx].data ||
	    (uint64_t)(start + len) * INSN_SZ > ld->secs[shndx].data->d_size || !len)
		return -EINVAL;
	err = grow_insns(ld, prog->len + len);
	if (err)
		return err;
	if (ld->nr_funcs == ld->cap_funcs) {
		size_t cap = ld->cap_funcs ? 2 * ld->cap_funcs : 8;
		struct sn_bpf_func *n = realloc(ld->funcs, cap * sizeof(*n));

		if (!n)
			return sn_bpf_ld_fail(ld, -ENOMEM, "out of memory");
		ld->funcs = n;
		ld->cap_funcs = cap;
	}
	f = &ld->funcs[ld->nr_funcs++];
	*f = (struct sn_bpf_func){
		.shndx = shndx, .start = start, .len = len, .base = prog->len, .name = name};
	memcpy(prog->insns + prog->len,
	       (const struct bpf_insn *)ld->secs[shndx].data->d_buf + start, len * INSN_SZ);
	prog->len += len;
	*base_of_idx = f->base + (idx - start);
	return 0;
}

static int add_prog_map(struct sn_bpf_ld *ld, struct sn_map *map)
{
	struct sn_bpf_prog *prog = ld->prog;
	struct sn_map **n;

	for (uint32_t i = 0; i < prog->nr_maps; i++)
		if (prog->maps[i] == map)
			return 0;
	n = realloc(prog->maps, (prog->nr_maps + 1) * sizeof(*n));
	if (!n)
		return sn_bpf_ld_fail(ld, -ENOMEM, "out of memory");
	prog->maps = n;
	prog->maps[prog->nr_maps++] = map;
	return 0;
}

static void set_imm64(struct bpf_insn *insn, uint64_t v)
{
	insn[0].src_reg = 0;
	insn[0].imm = (int32_t)(uint32_t)v;
	insn[1].imm = (int32_t)(uint32_t)(v >> 32);
}

static bool is_ld_imm64(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW);
}

static bool is_call(const struct bpf_insn *insn)
{
	return insn->code == (BPF_JMP | BPF_CALL);
}

/* ld_imm64 at image @pc relocated against @sym (section @shndx). */
static int reloc_ld_imm64(struct sn_bpf_ld *ld, uint32_t pc, const GElf_Sym *sym, const char *sname)
{
	struct bpf_insn *insn = &ld->prog->insns[pc];
	size_t shndx = sym->st_shndx;
	struct sn_bpf_obj_map *om;
	uint64_t off;
	uint32_t zero = 0;
	uint8_t *value;

	if (shndx == SHN_UNDEF)
		return sn_bpf_ld_refuse(ld, -EOPNOTSUPP, pc,
					"ld_imm64 of extern '%s': externs (kconfig, ksym) are not "
					"supported",
					sname);
	if (shndx >= ld->nr_secs)
		return sn_bpf_ld_refuse(ld, -EINVAL, pc,
					"ld_imm64 relocated against symbol '%s': bad section %zu",
					sname, shndx);
	if (sec_is_code(ld, shndx))
		return sn_bpf_ld_refuse(ld, -EOPNOTSUPP, pc,
					"ld_imm64 of function address '%s': callbacks are not "
					"supported",
					sname);
	if (shndx == ld->maps_shndx && ld->maps_shndx) {
		struct bpf_map *bm = bpf_object__find_map_by_name(ld->bobj, sname);
		size_t li;

		for (li = 0; bm && li < ld->nr_lmaps; li++)
			if (!strcmp(ld->lmaps[li].name, bpf_map__name(bm)))
				break;
		if (!bm || li == ld->nr_lmaps)
			return sn_bpf_ld_refuse(ld, -EINVAL, pc,
						"reference to map symbol '%s': no such map "
						"definition in .maps",
						sname);
		ld->lmaps[li].referenced = true;
		if (ld->lmaps[li].obj_map < 0) {
			if (!ld->deferred) {
				ld->deferred = true;
				ld->deferred_pc = pc;
				snprintf(ld->deferred_msg, sizeof(ld->deferred_msg),
					 "reference to map '%s': map type %u (%s) is not supported "
					 "by softnetd",
					 sname, ld->lmaps[li].type,
					 sn_bpf_map_type_name(ld->lmaps[li].type));
			}
			return 0;
		}
		if (insn[0].imm || insn[1].imm)
			return sn_bpf_ld_refuse(ld, -EINVAL, pc,
						"reference to map '%s' with offset %d: not a map "
						"pointer",
						sname, insn[0].imm);
		om = &ld->obj->maps[ld->lmaps[li].obj_map];
		set_imm64(insn, (uint64_t)(uintptr_t)om->map);
		return add_prog_map(ld, om->map);
	}
	if (ld->secs[shndx].global_map < 0)
		return sn_bpf_ld_refuse(ld, -EINVAL, pc,
					"ld_imm64 relocated against '%s' in section %s: not a map "
					"or global data section",
					sname, ld->secs[shndx].name);
	om = &ld->obj->maps[ld->secs[shndx].global_map];
	/* The addend is in the instruction (R_BPF_64_64 is REL, not RELA). */
	off = sym->st_value + (uint64_t)(int64_t)insn[0].imm;
	if (off >= sn_map__value_size(om->map))
		return sn_bpf_ld_refuse(ld, -EINVAL, pc,
					"reference to '%s' + %d: offset %llu outside %s (%u bytes)",
					sname, insn[0].imm, (unsigned long long)off,
					ld->secs[shndx].name, sn_map__value_size(om->map));
	value = sn_map_lookup_elem(om->map, &zero);
	if (!value)
		return sn_bpf_ld_refuse(ld, -EINVAL, pc, "global data map %s: no value", om->name);
	set_imm64(insn, (uint64_t)(uintptr_t)(value + off));
	return add_prog_map(ld, om->map);
}

/* Re-aim the call at image @pc to (section @shndx, instruction @target). */
static int link_call(struct sn_bpf_ld *ld, uint32_t pc, size_t shndx, int64_t target,
		     const char *what)
{
	uint32_t base = 0;
	int err;

	if (!sec_is_code(ld, shndx) || target < 0 ||
	    (uint64_t)target >= ld->secs[shndx].shdr.sh_size / INSN_SZ)
		return sn_bpf_ld_refuse(ld, -EINVAL, pc,
					"call to %s: target %lld outside section %s", what,
					(long long)target, ld->secs[shndx].name);
	err = image_func(ld, shndx, (uint32_t)target, &base);
	if (err == -EINVAL)
		return sn_bpf_ld_refuse(ld, -EINVAL, pc, "call to %s: bad function bounds", what);
	if (err)
		return err;
	ld->prog->insns[pc].src_reg = BPF_PSEUDO_CALL;
	ld->prog->insns[pc].imm = (int32_t)((int64_t)base - (int64_t)pc - 1);
	return 0;
}

/* Apply relocations and link calls of function @fi (its code is in the image already). */
static int process_func(struct sn_bpf_ld *ld, size_t fi)
{
	struct sn_bpf_func f = ld->funcs[fi];
	const struct sn_bpf_elf_sec *sec = &ld->secs[f.shndx];
	uint8_t *relocated;
	int err = 0;

	relocated = calloc(f.len ? f.len : 1, 1);
	if (!relocated)
		return sn_bpf_ld_fail(ld, -ENOMEM, "out of memory");
	for (size_t r = 0; r < sec->nr_rel && !err; r++) {
		GElf_Rel rel;
		GElf_Sym sym;
		const char *sname;
		uint64_t idx;
		uint32_t pc;
		struct bpf_insn *insn;

		if (!gelf_getrel(sec->rel, (int)r, &rel)) {
			err = sn_bpf_ld_fail(ld, -EINVAL, "section %s: bad relocation %zu",
					     sec->name, r);
			break;
		}
		if (rel.r_offset % INSN_SZ) {
			err = sn_bpf_ld_fail(ld, -EINVAL,
					     "section %s: misaligned relocation at %llu", sec->name,
					     (unsigned long long)rel.r_offset);
			break;
		}
		idx = rel.r_offset / INSN_SZ;
		if (idx < f.start || idx >= (uint64_t)f.start + f.len)
			continue;
		pc = f.base + (uint32_t)(idx - f.start);
		insn = &ld->prog->insns[pc];
		relocated[idx - f.start] = 1;
		if (!get_sym(ld, GELF_R_SYM(rel.r_info), &sym, &sname)) {
			err = sn_bpf_ld_refuse(ld, -EINVAL, pc, "relocation: bad symbol index %llu",
					       (unsigned long long)GELF_R_SYM(rel.r_info));
			break;
		}
		if (is_ld_imm64(insn)) {
			if (idx + 1 >= (uint64_t)f.start + f.len) {
				err = sn_bpf_ld_refuse(ld, -EINVAL, pc, "ld_imm64: truncated");
				break;
			}
			err = reloc_ld_imm64(ld, pc, &sym, sname);
		} else if (is_call(insn)) {
			if (sym.st_shndx == SHN_UNDEF) {
				err = sn_bpf_ld_refuse(ld, -EOPNOTSUPP, pc,
						       "call to kfunc '%s': kfuncs are not "
						       "supported",
						       sname);
				break;
			}
			/* Target: the symbol's instruction + imm + 1 (imm is -1 for a function
			 * symbol, the offset - 1 for a section symbol). */
			err = link_call(ld, pc, sym.st_shndx,
					(int64_t)(sym.st_value / INSN_SZ) + insn->imm + 1, sname);
		} else {
			err = sn_bpf_ld_refuse(ld, -EINVAL, pc,
					       "relocation against '%s' on opcode 0x%02x: neither "
					       "ld_imm64 nor call",
					       sname, insn->code);
		}
	}
	/* Unrelocated pseudo calls are relative to their own section. */
	for (uint32_t k = 0; k < f.len && !err; k++) {
		uint32_t pc = f.base + k;
		struct bpf_insn *insn = &ld->prog->insns[pc];

		if (relocated[k]) {
			if (is_ld_imm64(insn))
				k++;
			continue;
		}
		if (is_call(insn) && insn->src_reg == BPF_PSEUDO_CALL) {
			err = link_call(ld, pc, f.shndx, (int64_t)f.start + k + insn->imm + 1,
					"subprogram");
		} else if (is_call(insn) && insn->src_reg == BPF_PSEUDO_KFUNC_CALL) {
			err = sn_bpf_ld_refuse(
				ld, -EOPNOTSUPP, pc,
				"call to kfunc (btf id %d): kfuncs are not supported", insn->imm);
		} else if (is_ld_imm64(insn)) {
			if (insn->src_reg)
				err = sn_bpf_ld_refuse(
					ld, -EOPNOTSUPP, pc,
					"ld_imm64 with src_reg %u and no relocation: "
					"not supported",
					insn->src_reg);
			k++;
		}
	}
	free(relocated);
	return err;
}

int sn_bpf_prog_link(struct sn_bpf_ld *ld, const struct bpf_insn *insns, size_t cnt)
{
	struct sn_bpf_prog *prog = ld->prog;
	int shndx = sn_bpf_elf_find_sec(ld, prog->sec);
	GElf_Sym sym;
	const char *n;
	size_t i;
	int err;

	if (shndx < 0)
		return sn_bpf_ld_refuse(ld, -EINVAL, 0, "section not found in the ELF file");
	if (cnt > SN_BPF_MAX_INSNS)
		return sn_bpf_ld_refuse(ld, -EOPNOTSUPP, SN_BPF_MAX_INSNS,
					"program of %zu instructions: more than the limit of %u",
					cnt, SN_BPF_MAX_INSNS);
	for (i = 1; i < ld->nr_syms; i++)
		if (get_sym(ld, i, &sym, &n) && sym.st_shndx == (size_t)shndx &&
		    GELF_ST_TYPE(sym.st_info) == STT_FUNC && !strcmp(n, prog->name))
			break;
	if (i == ld->nr_syms || !ld->secs[shndx].data || sym.st_value % INSN_SZ ||
	    sym.st_value + cnt * INSN_SZ > ld->secs[shndx].data->d_size)
		return sn_bpf_ld_refuse(ld, -EINVAL, 0, "no function symbol for the program");
	ld->nr_funcs = 0;
	ld->cap_insns = 0;
	ld->deferred = false;
	err = grow_insns(ld, (uint32_t)cnt);
	if (err)
		return err;
	memcpy(prog->insns, insns, cnt * INSN_SZ);
	prog->len = (uint32_t)cnt;
	if (ld->cap_funcs == 0) {
		ld->funcs = calloc(8, sizeof(*ld->funcs));
		if (!ld->funcs)
			return sn_bpf_ld_fail(ld, -ENOMEM, "out of memory");
		ld->cap_funcs = 8;
	}
	ld->funcs[0] = (struct sn_bpf_func){.shndx = (size_t)shndx,
					    .start = (uint32_t)(sym.st_value / INSN_SZ),
					    .len = (uint32_t)cnt,
					    .base = 0,
					    .name = prog->name};
	ld->nr_funcs = 1;
	/* process_func() may append functions: the loop bound grows as it goes. */
	for (i = 0; i < ld->nr_funcs; i++) {
		err = process_func(ld, i);
		if (err)
			return err;
	}
	return 0;
}
