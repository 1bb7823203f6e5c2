// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf_loader.c - sn_bpf_object_open(): libbpf opens (never loads), softnetd runs.
 *
 * Order of work, each step able to refuse with "<file>: <what>: <why>":
 *   1. bpf_object__open_file() (__open_mem() for sn_bpf_object_open_mem()) - programs and BTF
 *      map definitions (libbpf's messages during the open are captured, so a refusal can quote
 *      libbpf's reason);
 *   2. libelf view of the same file (bpf_reloc.c) - symbols, sections, .rel<sec>;
 *   3. maps: each definition bound through opts->bind_map (strict match) or created with
 *      sn_map__create(); global data sections (.data, .rodata, .bss, .rodata.str1.1 ...)
 *      become 1-entry ARRAY maps holding the section's initial contents; a definition of a
 *      type softnetd lacks is remembered and refused where a program references it;
 *   4. programs of SEC("xdp") / SEC("xdp.frags"): link + relocate (bpf_reloc.c), check helpers
 *      and rewrite ctx loads (bpf_rewrite.c). Programs of other types are skipped; their list
 *      is left in @err as a note when the open succeeds.
 * The libbpf object and the ELF handle are closed before returning: the softnetd object owns
 * only its maps and the rewritten instructions.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "maps/map.h"
#include "xdp/bpf_loader_internal.h"
#include "xdp/xdp.h"
#include "xdp/xdp_map_prog.h"

static struct sn_bpf_ld *cur_ld; /* the open in progress, for the libbpf print hook */
static char libbpf_msg[256];

/*
 * Messages quote names taken from the object (sections, programs, maps, libbpf's own text
 * about them), which may hold any byte: control characters become '?' so that a message stays
 * one line (fuzz_xdp_loader, regress/fuzz_xdp_loader/newline-in-libbpf-message).
 */
static void one_line(char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

int sn_bpf_ld_refuse(struct sn_bpf_ld *ld, int err, uint32_t insn, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ld->err || !ld->errlen)
		return err;
	n = snprintf(ld->err, ld->errlen, "%s: %s/%s insn %u: ", ld->file, ld->prog->sec,
		     ld->prog->name, insn);
	if (n >= 0 && (size_t)n < ld->errlen) {
		va_start(ap, fmt);
		vsnprintf(ld->err + n, ld->errlen - n, fmt, ap);
		va_end(ap);
	}
	one_line(ld->err);
	return err;
}

int sn_bpf_ld_fail(struct sn_bpf_ld *ld, int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ld->err || !ld->errlen)
		return err;
	n = snprintf(ld->err, ld->errlen, "%s: ", ld->file);
	if (n >= 0 && (size_t)n < ld->errlen) {
		va_start(ap, fmt);
		vsnprintf(ld->err + n, ld->errlen - n, fmt, ap);
		va_end(ap);
	}
	one_line(ld->err);
	return err;
}

const char *sn_bpf_map_type_name(enum bpf_map_type type)
{
	const char *s = libbpf_bpf_map_type_str(type);

	return s ? s : "unknown";
}

static bool map_type_supported(enum bpf_map_type t)
{
	switch (t) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_LPM_TRIE:
	case BPF_MAP_TYPE_DEVMAP:
	case BPF_MAP_TYPE_DEVMAP_HASH:
	case BPF_MAP_TYPE_CPUMAP:
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		return true;
	default:
		return false;
	}
}

/* libbpf's warnings during our open: keep the last one (without its newline). */
static int capture_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t n;

	if (level != LIBBPF_WARN || !cur_ld)
		return 0;
	vsnprintf(libbpf_msg, sizeof(libbpf_msg), fmt, ap);
	/* libbpf starts its lines with "libbpf: ", which the refusal already says */
	if (!strncmp(libbpf_msg, "libbpf: ", 8))
		memmove(libbpf_msg, libbpf_msg + 8, strlen(libbpf_msg + 8) + 1);
	n = strlen(libbpf_msg);
	while (n && libbpf_msg[n - 1] == '\n')
		libbpf_msg[--n] = '\0';
	return 0;
}

/* The ELF section a libbpf internal (global data) map was made from: its name ends the map's. */
static int global_sec_of(struct sn_bpf_ld *ld, const struct bpf_map *bm)
{
	const char *mn = bpf_map__name(bm);
	size_t ml = strlen(mn), best_len = 0;
	int best = -1;

	for (size_t i = 1; i < ld->nr_secs; i++) {
		const struct sn_bpf_elf_sec *s = &ld->secs[i];
		size_t sl;

		if (!s->name || !(s->shdr.sh_flags & SHF_ALLOC) ||
		    (s->shdr.sh_flags & SHF_EXECINSTR) ||
		    (s->shdr.sh_type != SHT_PROGBITS && s->shdr.sh_type != SHT_NOBITS))
			continue;
		sl = strlen(s->name);
		if (sl <= ml && !strcmp(mn + ml - sl, s->name) && sl > best_len &&
		    s->shdr.sh_size == bpf_map__value_size(bm)) {
			best = (int)i;
			best_len = sl;
		}
	}
	return best;
}

static int check_bound(struct sn_bpf_ld *ld, const char *name, const struct sn_map *m,
		       enum bpf_map_type type, __u32 ks, __u32 vs, __u32 max)
{
	if (sn_map__type(m) != type)
		return sn_bpf_ld_fail(ld, -EINVAL,
				      "map '%s': bound map does not match the definition: type %s, "
				      "object wants %s",
				      name, sn_bpf_map_type_name(sn_map__type(m)),
				      sn_bpf_map_type_name(type));
	if (sn_map__key_size(m) != ks)
		return sn_bpf_ld_fail(ld, -EINVAL,
				      "map '%s': bound map does not match the definition: key_size "
				      "%u, object wants %u",
				      name, sn_map__key_size(m), ks);
	if (sn_map__value_size(m) != vs)
		return sn_bpf_ld_fail(
			ld, -EINVAL,
			"map '%s': bound map does not match the definition: value_size "
			"%u, object wants %u",
			name, sn_map__value_size(m), vs);
	if (sn_map__max_entries(m) != max)
		return sn_bpf_ld_fail(ld, -EINVAL,
				      "map '%s': bound map does not match the definition: "
				      "max_entries %u, object wants %u",
				      name, sn_map__max_entries(m), max);
	return 0;
}

static int setup_maps(struct sn_bpf_ld *ld)
{
	struct sn_bpf_object *obj = ld->obj;
	struct bpf_map *bm;
	size_t n = 0;
	int err;

	bpf_object__for_each_map(bm, ld->bobj) n++;
	ld->lmaps = calloc(n ? n : 1, sizeof(*ld->lmaps));
	obj->maps = calloc(n ? n : 1, sizeof(*obj->maps));
	if (!ld->lmaps || !obj->maps)
		return sn_bpf_ld_fail(ld, -ENOMEM, "out of memory");
	bpf_object__for_each_map(bm, ld->bobj)
	{
		struct sn_bpf_ld_map *lm = &ld->lmaps[ld->nr_lmaps++];
		enum bpf_map_type type = bpf_map__type(bm);
		__u32 ks = bpf_map__key_size(bm), vs = bpf_map__value_size(bm);
		__u32 max = bpf_map__max_entries(bm);
		struct sn_map_create_opts co = {.sz = sizeof(co),
						.map_flags = bpf_map__map_flags(bm),
						.numa_node = bpf_map__numa_node(bm)};
		struct sn_bpf_obj_map *om;
		bool global = bpf_map__is_internal(bm);
		struct sn_map *bound = NULL;
		int sec = -1;

		lm->name = bpf_map__name(bm);
		lm->type = type;
		lm->obj_map = -1;
		if (global) {
			sec = global_sec_of(ld, bm);
			if (sec < 0)
				return sn_bpf_ld_fail(
					ld, -EINVAL,
					"global data map '%s': no matching ELF section", lm->name);
		} else if (!map_type_supported(type)) {
			continue; /* refused where referenced */
		}
		if (ld->opts && ld->opts->bind_map)
			bound = ld->opts->bind_map(lm->name, ld->opts->bind_arg);
		om = &obj->maps[obj->nr_maps];
		snprintf(om->name, sizeof(om->name), "%s", lm->name);
		om->global_data = global;
		if (bound) {
			err = check_bound(ld, lm->name, bound, type, ks, vs, max);
			if (err)
				return err;
			om->map = bound;
			om->owned = false;
		} else {
			om->map = sn_map__create(type, lm->name, ks, vs, max, &co);
			if (!om->map)
				return sn_bpf_ld_fail(
					ld, errno == ENOMEM ? -ENOMEM : -EINVAL,
					"map '%s': cannot create %s (key %u, value %u, "
					"max_entries %u, flags %#x): %s",
					lm->name, sn_bpf_map_type_name(type), ks, vs, max,
					co.map_flags, strerror(errno));
			om->owned = true;
		}
		lm->obj_map = (int)obj->nr_maps++;
		if (global) {
			size_t sz = 0;
			const void *init = bpf_map__initial_value(bm, &sz);
			__u32 zero = 0;

			ld->secs[sec].global_map = lm->obj_map;
			if (om->owned && init && sz == vs) {
				err = sn_map__update_elem(om->map, &zero, init, BPF_ANY);
				if (err)
					return sn_bpf_ld_fail(
						ld, err,
						"global data map '%s': cannot set its "
						"initial value: %s",
						lm->name, strerror(-err));
			}
		}
	}
	return 0;
}

/*
 * libbpf's XDP section names: "xdp", "xdp.frags", and the map-entry programs "xdp/devmap",
 * "xdp.frags/devmap", "xdp/cpumap", "xdp.frags/cpumap" with their expected attach type.
 */
static bool sec_is_xdp(const char *sec, bool *frags, enum bpf_attach_type *type)
{
	const char *rest;

	*frags = !strncmp(sec, "xdp.frags", 9);
	rest = sec + (*frags ? 9 : 3);
	if (!*frags && strncmp(sec, "xdp", 3))
		return false;
	*type = !strcmp(rest, "/devmap")   ? BPF_XDP_DEVMAP
		: !strcmp(rest, "/cpumap") ? BPF_XDP_CPUMAP
					   : BPF_XDP;
	return !*rest || *type != BPF_XDP;
}

static void note_skipped(char *note, size_t len, const char *sec, const char *name)
{
	size_t n = strlen(note);

	if (n + 1 < len)
		snprintf(note + n, len - n, "%s%s/%s", n ? ", " : "", sec, name);
}

static int setup_progs(struct sn_bpf_ld *ld, char *skipped, size_t skipped_len)
{
	struct sn_bpf_object *obj = ld->obj;
	struct bpf_program *bp;
	size_t n = 0;
	int err;

	bpf_object__for_each_program(bp, ld->bobj) n++;
	obj->progs = calloc(n ? n : 1, sizeof(*obj->progs));
	if (!obj->progs)
		return sn_bpf_ld_fail(ld, -ENOMEM, "out of memory");
	bpf_object__for_each_program(bp, ld->bobj)
	{
		const char *sec = bpf_program__section_name(bp);
		enum bpf_attach_type type;
		struct sn_bpf_prog *prog;
		bool frags;

		if (!sec_is_xdp(sec, &frags, &type)) {
			note_skipped(skipped, skipped_len, sec, bpf_program__name(bp));
			continue;
		}
		prog = &obj->progs[obj->nr_progs++];
		snprintf(prog->name, sizeof(prog->name), "%s", bpf_program__name(bp));
		snprintf(prog->sec, sizeof(prog->sec), "%s", sec);
		prog->frags = frags;
		prog->expected_attach_type = type;
		prog->obj = obj;
		prog->engine = SN_XDP_ENGINE_INTERP;
		ld->prog = prog;
		err = sn_bpf_prog_link(ld, bpf_program__insns(bp), bpf_program__insn_cnt(bp));
		if (err)
			return err;
		err = sn_bpf_prog_rewrite(ld);
		if (err)
			return err;
	}
	return 0;
}

/*
 * libbpf 1.1 (Debian 12) parses .BTF without checking that the types a type refers to exist
 * (btf_validate_type() came with libbpf 1.3) and then follows such a reference to NULL during
 * bpf_object__open(): a corrupted object crashed the daemon (fuzz_xdp_loader,
 * tests/fuzz/regress/fuzz_xdp_loader/btf-dangling-type-id). So the references and names are
 * checked here first, with libbpf's own BTF parser. Anything this pass cannot read is left to
 * libbpf, which refuses it with its own message.
 */
static int btf_check_refs(struct sn_bpf_ld *ld, const void *data, size_t size)
{
	struct btf *btf = btf__new(data, (__u32)size);
	__u32 n, id, ref = 0;
	int ret = 0;

	if (!btf)
		return 0;
	n = btf__type_cnt(btf);
	for (id = 1; id < n && !ret; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		__u16 vlen = btf_vlen(t), i;
		bool bad = false;

		if (!btf__name_by_offset(btf, t->name_off)) {
			ret = sn_bpf_ld_fail(ld, -EINVAL, "BTF type %u: bad name offset %u", id,
					     t->name_off);
			break;
		}
#define REF(x) (!bad && (x) >= n && (bad = true, ref = (x), true))
		switch (btf_kind(t)) {
		case BTF_KIND_PTR:
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_FUNC:
		case BTF_KIND_VAR:
		case BTF_KIND_DECL_TAG:
		case BTF_KIND_TYPE_TAG:
			REF(t->type);
			break;
		case BTF_KIND_FUNC_PROTO:
			REF(t->type);
			for (i = 0; i < vlen; i++)
				REF(btf_params(t)[i].type);
			break;
		case BTF_KIND_ARRAY:
			REF(btf_array(t)->type);
			REF(btf_array(t)->index_type);
			break;
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			for (i = 0; i < vlen; i++) {
				REF(btf_members(t)[i].type);
				if (!bad && !btf__name_by_offset(btf, btf_members(t)[i].name_off))
					bad = true, ref = UINT32_MAX;
			}
			break;
		case BTF_KIND_DATASEC:
			for (i = 0; i < vlen; i++)
				REF(btf_var_secinfos(t)[i].type);
			break;
		default:
			break;
		}
#undef REF
		if (bad)
			ret = ref == UINT32_MAX
				      ? sn_bpf_ld_fail(ld, -EINVAL, "BTF type %u: bad member name", id)
				      : sn_bpf_ld_fail(ld, -EINVAL,
						       "BTF type %u: refers to type %u, which does "
						       "not exist (%u types)",
						       id, ref, n - 1);
	}
	btf__free(btf);
	return ret;
}

/* Find .BTF in the object (file or memory) and check it; 0 when absent or unreadable. */
static int btf_precheck(struct sn_bpf_ld *ld)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *elf = NULL;
	int fd = -1, ret = 0;
	char *ident;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return 0;
	if (ld->mem) {
		elf = elf_memory(ld->mem, ld->mem_len);
	} else {
		fd = open(ld->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return 0;
		elf = elf_begin(fd, ELF_C_READ, NULL);
	}
	/* Native byte order only: libelf would convert a foreign image in place (and libbpf
	 * refuses it anyway). */
	if (!elf || elf_kind(elf) != ELF_K_ELF || !(ident = elf_getident(elf, NULL)) ||
	    ident[EI_DATA] != ELFDATA2LSB || elf_getshdrstrndx(elf, &shstrndx))
		goto out;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh))
			break;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".BTF") || sh.sh_type != SHT_PROGBITS)
			continue;
		d = elf_getdata(scn, NULL);
		if (d && d->d_buf && d->d_size)
			ret = btf_check_refs(ld, d->d_buf, d->d_size);
		break;
	}
out:
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* @buf/@len: sn_bpf_object_open_mem() (then @path is the object's name), else NULL. */
static int object_open(const char *path, const void *buf, size_t len,
		       const struct sn_bpf_open_opts *opts, struct sn_bpf_object **out, char *err,
		       size_t errlen)
{
	struct sn_bpf_ld ld = {.path = path, .opts = opts, .err = err, .errlen = errlen, .fd = -1};
	const char *slash = path ? strrchr(path, '/') : NULL;
	libbpf_print_fn_t old_print;
	char skipped[512] = "";
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!path || !out) {
		if (err && errlen)
			snprintf(err, errlen, "bpf object: no path");
		return -EINVAL;
	}
	*out = NULL;
	ld.file = slash ? slash + 1 : path;
	if (opts && opts->sz < offsetof(struct sn_bpf_open_opts, bind_arg) + sizeof(void *))
		return sn_bpf_ld_fail(&ld, -EINVAL, "open options: unknown size %zu", opts->sz);
	if (buf) {
		if (!len)
			return sn_bpf_ld_fail(&ld, -EINVAL, "not an ELF object (empty)");
		ld.mem = malloc(len);
		if (!ld.mem)
			return sn_bpf_ld_fail(&ld, -ENOMEM, "out of memory");
		memcpy(ld.mem, buf, len);
		ld.mem_len = len;
	}
	ld.obj = calloc(1, sizeof(*ld.obj));
	if (!ld.obj) {
		free(ld.mem);
		return sn_bpf_ld_fail(&ld, -ENOMEM, "out of memory");
	}
	snprintf(ld.obj->path, sizeof(ld.obj->path), "%s", path);

	/* 0. what libbpf 1.1 does not check before it relies on it. */
	ret = btf_precheck(&ld);
	if (ret)
		goto fail;
	/* 1. libbpf, its messages captured (open is thread context, one at a time). */
	libbpf_msg[0] = '\0';
	cur_ld = &ld;
	old_print = libbpf_set_print(capture_print);
	if (ld.mem) {
		LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = ld.file);

		ld.bobj = bpf_object__open_mem(ld.mem, ld.mem_len, &oo);
	} else {
		ld.bobj = bpf_object__open_file(path, NULL);
	}
	ret = ld.bobj ? 0 : -errno;
	libbpf_set_print(old_print);
	cur_ld = NULL;
	if (!ld.bobj) {
		if (ret == -ENOENT || ret == -EACCES || ret == -ENOMEM)
			sn_bpf_ld_fail(&ld, ret, "cannot open: %s", strerror(-ret));
		else
			sn_bpf_ld_fail(&ld, ret, "not a BPF object libbpf can open%s%s",
				       libbpf_msg[0] ? ": libbpf: " : "", libbpf_msg);
		ret = ret == -ENOENT || ret == -EACCES || ret == -ENOMEM ? ret : -EINVAL;
		goto fail;
	}
	/* 2. libelf. */
	ret = sn_bpf_elf_open(&ld);
	if (ret)
		goto fail;
	/* 3. maps, 4. programs. */
	ret = setup_maps(&ld);
	if (ret)
		goto fail;
	ret = setup_progs(&ld, skipped, sizeof(skipped));
	if (ret)
		goto fail;
	if (!ld.obj->nr_progs) {
		ret = sn_bpf_ld_fail(&ld, -EINVAL,
				     "no XDP program (SEC(\"xdp\") or "
				     "SEC(\"xdp.frags\"))%s%s",
				     skipped[0] ? "; skipped: " : "", skipped);
		goto fail;
	}
	/* Success: leave the skipped programs and maps as a note. */
	for (size_t i = 0; i < ld.nr_lmaps; i++)
		if (ld.lmaps[i].obj_map < 0) {
			size_t n = strlen(skipped);

			snprintf(skipped + n, sizeof(skipped) - n, "%smap %s (%s, unused)",
				 n ? ", " : "", ld.lmaps[i].name,
				 sn_bpf_map_type_name(ld.lmaps[i].type));
		}
	if (err && errlen) {
		snprintf(err, errlen, "%s%s%s", skipped[0] ? ld.file : "",
			 skipped[0] ? ": skipped " : "", skipped);
		one_line(err);
	}
	sn_bpf_elf_close(&ld);
	bpf_object__close(ld.bobj);
	free(ld.lmaps);
	free(ld.funcs);
	free(ld.mem);
	*out = ld.obj;
	return 0;
fail:
	sn_bpf_elf_close(&ld);
	bpf_object__close(ld.bobj);
	free(ld.lmaps);
	free(ld.funcs);
	free(ld.mem);
	sn_bpf_object_close(ld.obj);
	return ret;
}

int sn_bpf_object_open(const char *path, const struct sn_bpf_open_opts *opts,
		       struct sn_bpf_object **out, char *err, size_t errlen)
{
	return object_open(path, NULL, 0, opts, out, err, errlen);
}

int sn_bpf_object_open_mem(const void *buf, size_t len, const char *name,
			   const struct sn_bpf_open_opts *opts, struct sn_bpf_object **out,
			   char *err, size_t errlen)
{
	if (!buf) {
		if (err && errlen)
			snprintf(err, errlen, "bpf object: no buffer");
		return -EINVAL;
	}
	return object_open(name ? name : "memory", buf, len, opts, out, err, errlen);
}

void __sn_bpf_object_free(struct sn_bpf_object *obj)
{
	/* Maps first: their devmap/cpumap entries drop the references on our programs. */
	for (size_t i = 0; i < obj->nr_maps; i++)
		if (obj->maps[i].owned)
			sn_map__free(obj->maps[i].map);
	free(obj->maps);
	for (size_t i = 0; i < obj->nr_progs; i++) {
		/* Still under its id (unprepare left it while its own map held it): forget it. */
		if (__sn_xdp_map_prog_registered(&obj->progs[i]))
			sn_bpf_prog_unprepare(&obj->progs[i]);
		free(obj->progs[i].insns);
		free(obj->progs[i].maps);
	}
	free(obj->progs);
	free(obj);
}

/* A program a map outside the object still holds keeps the object (xdp_map_prog.h). */
void sn_bpf_object_close(struct sn_bpf_object *obj)
{
	if (!obj)
		return;
	if (!__sn_xdp_map_prog_park(obj))
		__sn_bpf_object_free(obj);
	sn_xdp_map_prog_reap();
}

struct sn_bpf_prog *sn_bpf_object_find_prog(struct sn_bpf_object *obj, const char *name)
{
	if (!obj)
		return NULL;
	/* No name: the first program a device can run (not a devmap/cpumap entry's). */
	for (size_t i = 0; i < obj->nr_progs; i++)
		if (name ? !strcmp(obj->progs[i].name, name)
			 : obj->progs[i].expected_attach_type == BPF_XDP)
			return &obj->progs[i];
	return NULL;
}

struct sn_map *sn_bpf_object_find_map(struct sn_bpf_object *obj, const char *name)
{
	if (!obj || !name)
		return NULL;
	for (size_t i = 0; i < obj->nr_maps; i++)
		if (!strcmp(obj->maps[i].name, name))
			return obj->maps[i].map;
	/* A global data map also answers to its section name (".rodata" for "prog.rodata"). */
	for (size_t i = 0; i < obj->nr_maps; i++) {
		size_t ml = strlen(obj->maps[i].name), nl = strlen(name);

		if (obj->maps[i].global_data && name[0] == '.' && nl <= ml &&
		    !strcmp(obj->maps[i].name + ml - nl, name))
			return obj->maps[i].map;
	}
	return NULL;
}

bool sn_bpf_prog_has_map(const struct sn_bpf_prog *prog, const void *p)
{
	if (!prog || !p)
		return false;
	for (uint32_t i = 0; i < prog->nr_maps; i++)
		if ((const void *)prog->maps[i] == p)
			return true;
	return false;
}
