// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_loader.c - sn_bpf_object_open(): real clang-built objects (progs/, compiled by meson),
 * small objects compiled here at run time for each refusal, and the XDP objects Debian's
 * xdp-tools installs. Checks are on the instructions the loader produces, exactly.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "lib/test_util.h"
#include "maps/map.h"
#include "xdp/bpf_interp.h"
#include "xdp/bpf_prog.h"
#include "xdp/xdp_buff.h"

#define OBJ(name) XDP_PROGS_DIR "/" name ".bpf.o"
#define XDP_TOOLS_DIR "/usr/lib/x86_64-linux-gnu/bpf"

static char err[512];

static struct sn_bpf_object *open_ok(const char *path, const struct sn_bpf_open_opts *opts)
{
	struct sn_bpf_object *obj = NULL;
	int ret = sn_bpf_object_open(path, opts, &obj, err, sizeof(err));

	if (ret)
		print_error("open %s: %d: %s\n", path, ret, err);
	assert_int_equal(ret, 0);
	assert_non_null(obj);
	return obj;
}

/* The program's instructions as libbpf has them before load (no relocation, no subprogs). */
static struct bpf_insn *orig_insns(const char *path, const char *prog, size_t *cnt)
{
	struct bpf_object *o = bpf_object__open_file(path, NULL);
	struct bpf_program *p;
	struct bpf_insn *copy;

	assert_non_null(o);
	p = bpf_object__find_program_by_name(o, prog);
	assert_non_null(p);
	*cnt = bpf_program__insn_cnt(p);
	copy = malloc(*cnt * sizeof(*copy));
	assert_non_null(copy);
	memcpy(copy, bpf_program__insns(p), *cnt * sizeof(*copy));
	bpf_object__close(o);
	return copy;
}

static uint64_t imm64(const struct bpf_insn *insn)
{
	return (uint64_t)(uint32_t)insn[0].imm | (uint64_t)(uint32_t)insn[1].imm << 32;
}

static void assert_ldx(const struct bpf_insn *insn, uint8_t size, uint8_t dst, uint8_t src,
		       int16_t off)
{
	assert_int_equal(insn->code, BPF_LDX | BPF_MEM | size);
	assert_int_equal(insn->dst_reg, dst);
	assert_int_equal(insn->src_reg, src);
	assert_int_equal(insn->off, off);
}

static void test_pass_ctx_rewrite(void **state)
{
	(void)state;
	struct sn_bpf_object *obj = open_ok(OBJ("pass"), NULL);
	struct sn_bpf_prog *prog = sn_bpf_object_find_prog(obj, NULL);
	struct sn_map *fields = sn_bpf_object_find_map(obj, "pass_fields");
	struct bpf_insn *orig;
	size_t cnt;

	assert_non_null(prog);
	assert_string_equal(prog->name, "xdp_pass");
	assert_string_equal(prog->sec, "xdp");
	assert_false(prog->frags);
	assert_ptr_equal(prog->obj, obj);
	assert_string_equal(err, ""); /* nothing skipped */
	assert_ptr_equal(sn_bpf_object_find_prog(obj, "xdp_pass"), prog);
	assert_null(sn_bpf_object_find_prog(obj, "nope"));
	assert_non_null(fields);
	assert_int_equal(prog->nr_maps, 1);
	assert_ptr_equal(prog->maps[0], fields);
	assert_true(sn_bpf_prog_has_map(prog, fields));
	assert_false(sn_bpf_prog_has_map(prog, prog));
	assert_false(sn_bpf_prog_has_map(prog, NULL));

	orig = orig_insns(OBJ("pass"), "xdp_pass", &cnt);
	assert_int_equal(prog->len, cnt);
	/* Every ctx field load, through r6 (a copy of r1 made at insn 0), exactly. */
	assert_ldx(&prog->insns[1], BPF_DW, 8, 6, SN_XDP_CTX_OFF_DATA);
	assert_ldx(&prog->insns[2], BPF_DW, 7, 6, SN_XDP_CTX_OFF_DATA_END);
	assert_ldx(&prog->insns[13], BPF_DW, 8, 6, SN_XDP_CTX_OFF_DATA_META);
	assert_ldx(&prog->insns[14], BPF_DW, 7, 6, SN_XDP_CTX_OFF_DATA);
	assert_ldx(&prog->insns[25], BPF_W, 7, 6, SN_XDP_CTX_OFF_INGRESS_IFINDEX);
	assert_ldx(&prog->insns[35], BPF_W, 7, 6, SN_XDP_CTX_OFF_RX_QUEUE_INDEX);
	assert_ldx(&prog->insns[45], BPF_W, 6, 6, SN_XDP_CTX_OFF_EGRESS_IFINDEX);
	/* Everything else is untouched but the map references (5 ld_imm64 of pass_fields). */
	for (size_t i = 0, nld = 0; i < cnt; i++) {
		if (i == 1 || i == 2 || i == 13 || i == 14 || i == 25 || i == 35 || i == 45)
			continue;
		if (orig[i].code == (BPF_LD | BPF_IMM | BPF_DW)) {
			assert_int_equal(prog->insns[i].src_reg, 0);
			assert_int_equal(imm64(&prog->insns[i]), (uint64_t)(uintptr_t)fields);
			i++;
			if (++nld == 5)
				assert_int_equal(i, 51);
			continue;
		}
		assert_memory_equal(&prog->insns[i], &orig[i], sizeof(orig[i]));
	}
	free(orig);
	sn_bpf_object_close(obj);
}

static void test_frags_and_skipped(void **state)
{
	(void)state;
	struct sn_bpf_object *obj = open_ok(OBJ("drop"), NULL);
	struct sn_bpf_prog *prog = sn_bpf_object_find_prog(obj, NULL);

	assert_int_equal(obj->nr_progs, 1);
	assert_string_equal(prog->name, "xdp_drop");
	assert_string_equal(prog->sec, "xdp.frags");
	assert_true(prog->frags);
	assert_int_equal(prog->len, 2);
	assert_int_equal(prog->nr_maps, 0);
	assert_null(sn_bpf_object_find_prog(obj, "tc_other"));
	assert_string_equal(err, "drop.bpf.o: skipped tc/tc_other");
	sn_bpf_object_close(obj);
}

static const struct bpf_insn *call_target(const struct sn_bpf_prog *prog, uint32_t pc)
{
	assert_int_equal(prog->insns[pc].code, BPF_JMP | BPF_CALL);
	assert_int_equal(prog->insns[pc].src_reg, BPF_PSEUDO_CALL);
	return &prog->insns[pc + prog->insns[pc].imm + 1];
}

static void test_calls_jmp32(void **state)
{
	(void)state;
	struct sn_bpf_object *obj = open_ok(OBJ("calls_jmp32"), NULL);
	struct sn_bpf_prog *p1 = sn_bpf_object_find_prog(obj, "xdp_calls");
	struct sn_bpf_prog *p2 = sn_bpf_object_find_prog(obj, "xdp_calls2");
	size_t cnt1, cnt2;
	struct bpf_insn *o1 = orig_insns(OBJ("calls_jmp32"), "xdp_calls", &cnt1);
	struct bpf_insn *o2 = orig_insns(OBJ("calls_jmp32"), "xdp_calls2", &cnt2);
	uint32_t classify, pkt_len, jmp32 = 0;

	assert_non_null(p1);
	assert_non_null(p2);
	/* libbpf 1.1 before load: the program's own slice only; the loader appends .text. */
	assert_int_equal(cnt1, 12);
	assert_int_equal(cnt2, 3);
	/* xdp_calls: itself, then classify (11 insns, first reached), then pkt_len (4). */
	assert_int_equal(p1->len, 12 + 11 + 4);
	classify = (uint32_t)(call_target(p1, 2) - p1->insns);
	pkt_len = (uint32_t)(call_target(p1, 6) - p1->insns);
	assert_int_equal(classify, 12);
	assert_int_equal(pkt_len, 23);
	assert_int_equal(p1->insns[2].imm, 9);
	assert_int_equal(p1->insns[6].imm, 16);
	/* classify's own call to pkt_len, pc-relative inside the image. */
	assert_ptr_equal(call_target(p1, classify + 1), &p1->insns[pkt_len]);
	/* ctx loads: main through r7 (copy of r1), pkt_len through its argument r1. */
	assert_ldx(&p1->insns[1], BPF_W, 2, 7, SN_XDP_CTX_OFF_RX_QUEUE_INDEX);
	assert_ldx(&p1->insns[pkt_len], BPF_DW, 2, 1, SN_XDP_CTX_OFF_DATA);
	assert_ldx(&p1->insns[pkt_len + 1], BPF_DW, 0, 1, SN_XDP_CTX_OFF_DATA_END);
	/* JMP32 compares kept as they are. */
	for (uint32_t i = 0; i < p1->len; i++)
		if (BPF_CLASS(p1->insns[i].code) == BPF_JMP32)
			jmp32++;
	assert_true(jmp32 >= 2);
	assert_int_equal(p1->insns[classify + 5].code, BPF_JMP32 | BPF_JGT | BPF_K);
	assert_int_equal(p1->insns[classify + 5].imm, 1000);
	for (uint32_t i = 0; i < cnt1; i++)
		if (i != 1 && i != 2 && i != 6)
			assert_memory_equal(&p1->insns[i], &o1[i], sizeof(o1[i]));
	/* xdp_calls2: its own image with the same two functions. */
	assert_int_equal(p2->len, 3 + 11 + 4);
	assert_ptr_equal(call_target(p2, 1), &p2->insns[3]);
	assert_ptr_equal(call_target(p2, 3 + 1), &p2->insns[3 + 11]);
	assert_ldx(&p2->insns[3 + 11], BPF_DW, 2, 1, SN_XDP_CTX_OFF_DATA);
	assert_memory_equal(&p2->insns[3], &p1->insns[classify], 11 * sizeof(struct bpf_insn));
	free(o1);
	free(o2);
	sn_bpf_object_close(obj);
}

static struct sn_bpf_obj_map *obj_map(struct sn_bpf_object *obj, const char *name)
{
	for (size_t i = 0; i < obj->nr_maps; i++)
		if (!strcmp(obj->maps[i].name, name))
			return &obj->maps[i];
	fail_msg("no map %s", name);
	return NULL;
}

static uint8_t *value0(struct sn_map *m)
{
	__u32 zero = 0;
	uint8_t *v = sn_map_lookup_elem(m, &zero);

	assert_non_null(v);
	return v;
}

static void test_globals(void **state)
{
	(void)state;
	struct sn_bpf_object *obj = open_ok(OBJ("globals"), NULL);
	struct sn_bpf_prog *prog = sn_bpf_object_find_prog(obj, "xdp_globals");
	struct sn_bpf_obj_map *data = obj_map(obj, "globals.data");
	struct sn_bpf_obj_map *rodata = obj_map(obj, "globals.rodata");
	struct sn_bpf_obj_map *bss = obj_map(obj, "globals.bss");
	struct sn_bpf_obj_map *str = obj_map(obj, ".rodata.str1.1");
	uint8_t *d, *r, *b, *s;
	uint64_t u64;
	uint32_t u32;

	assert_int_equal(obj->nr_maps, 4);
	for (size_t i = 0; i < obj->nr_maps; i++) {
		assert_true(obj->maps[i].global_data);
		assert_true(obj->maps[i].owned);
		assert_int_equal(sn_map__type(obj->maps[i].map), BPF_MAP_TYPE_ARRAY);
		assert_int_equal(sn_map__key_size(obj->maps[i].map), 4);
		assert_int_equal(sn_map__max_entries(obj->maps[i].map), 1);
	}
	assert_int_equal(sn_map__value_size(data->map), 12);
	assert_int_equal(sn_map__value_size(rodata->map), 22);
	assert_int_equal(sn_map__value_size(bss->map), 8);
	assert_int_equal(sn_map__value_size(str->map), 6);
	/* Read-only data is read-only for the program, as libbpf asks of the kernel. */
	assert_true(sn_map__map_flags(rodata->map) & BPF_F_RDONLY_PROG);
	assert_true(sn_map__map_flags(str->map) & BPF_F_RDONLY_PROG);
	assert_false(sn_map__map_flags(data->map) & BPF_F_RDONLY_PROG);
	/* Section names find them too. */
	assert_ptr_equal(sn_bpf_object_find_map(obj, ".rodata"), rodata->map);
	assert_ptr_equal(sn_bpf_object_find_map(obj, ".bss"), bss->map);
	/* Initial values. */
	d = value0(data->map);
	r = value0(rodata->map);
	b = value0(bss->map);
	s = value0(str->map);
	memcpy(&u64, d, 8);
	assert_int_equal(u64, 0x1122334455667788ULL);
	memcpy(&u32, d + 8, 4);
	assert_int_equal(u32, 7);
	memcpy(&u32, r, 4);
	assert_int_equal(u32, XDP_PASS);
	memcpy(&u32, r + 4, 4);
	assert_int_equal(u32, 1500);
	assert_string_equal((const char *)r + 8, "long frame %d");
	memcpy(&u64, b, 8);
	assert_int_equal(u64, 0);
	assert_string_equal((const char *)s, "runt\n");
	/* Relocations: src_reg 0 and the address of the value byte. */
	struct {
		uint32_t pc;
		uint8_t *addr;
	} want[] = {{2, b}, {7, d}, {12, d + 8}, {17, r + 4}, {21, r + 8}, {27, s}, {31, r}};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		const struct bpf_insn *insn = &prog->insns[want[i].pc];

		assert_int_equal(insn->code, BPF_LD | BPF_IMM | BPF_DW);
		assert_int_equal(insn->src_reg, 0);
		assert_int_equal(imm64(insn), (uint64_t)(uintptr_t)want[i].addr);
	}
	assert_int_equal(prog->nr_maps, 4);
	for (size_t i = 0; i < obj->nr_maps; i++)
		assert_true(sn_bpf_prog_has_map(prog, obj->maps[i].map));
	/* ctx loads with r1 as the base, then r1 reused for data. */
	assert_ldx(&prog->insns[0], BPF_DW, 6, 1, SN_XDP_CTX_OFF_DATA_END);
	assert_ldx(&prog->insns[1], BPF_DW, 1, 1, SN_XDP_CTX_OFF_DATA);
	/* r1 is data now, not ctx: the load from the rodata pointer stays 32-bit. */
	assert_ldx(&prog->insns[33], BPF_W, 0, 1, 0);
	sn_bpf_object_close(obj);
}

static void test_maps_from_btf(void **state)
{
	(void)state;
	struct sn_bpf_object *obj = open_ok(OBJ("maps_ops"), NULL);
	struct sn_bpf_prog *prog = sn_bpf_object_find_prog(obj, NULL);
	struct {
		const char *name;
		enum bpf_map_type type;
		__u32 ks, vs, max, flags;
	} want[] = {
		{"counts", BPF_MAP_TYPE_HASH, 4, 8, 128, 0},
		{"pcpu", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, 0},
		{"routes", BPF_MAP_TYPE_LPM_TRIE, 8, 4, 64, BPF_F_NO_PREALLOC},
		{"ports", BPF_MAP_TYPE_DEVMAP, 4, 4, 8, BPF_F_RDONLY_PROG},
	};

	assert_int_equal(obj->nr_maps, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct sn_bpf_obj_map *om = obj_map(obj, want[i].name);

		assert_false(om->global_data);
		assert_true(om->owned);
		assert_string_equal(sn_map__name(om->map), want[i].name);
		assert_int_equal(sn_map__type(om->map), want[i].type);
		assert_int_equal(sn_map__key_size(om->map), want[i].ks);
		assert_int_equal(sn_map__value_size(om->map), want[i].vs);
		assert_int_equal(sn_map__max_entries(om->map), want[i].max);
		assert_int_equal(sn_map__map_flags(om->map), want[i].flags);
		assert_true(sn_bpf_prog_has_map(prog, om->map));
		assert_ptr_equal(sn_bpf_object_find_map(obj, want[i].name), om->map);
	}
	assert_int_equal(prog->nr_maps, 4);
	assert_null(sn_bpf_object_find_map(obj, "nope"));
	/* Every ld_imm64 became a struct sn_map pointer of one of them. */
	for (uint32_t i = 0; i < prog->len; i++) {
		if (prog->insns[i].code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		assert_int_equal(prog->insns[i].src_reg, 0);
		assert_true(sn_bpf_prog_has_map(prog, (void *)(uintptr_t)imm64(&prog->insns[i])));
		i++;
	}
	sn_bpf_object_close(obj);
}

struct bind_arg {
	struct sn_map *counts;
	int calls;
};

static struct sn_map *bind_counts(const char *name, void *arg)
{
	struct bind_arg *b = arg;

	b->calls++;
	return !strcmp(name, "counts") ? b->counts : NULL;
}

static void test_bind_map(void **state)
{
	(void)state;
	struct bind_arg b = {0};
	struct sn_bpf_open_opts o = {.sz = sizeof(o), .bind_map = bind_counts, .bind_arg = &b};
	struct sn_bpf_object *obj;
	struct sn_bpf_prog *prog;
	__u32 k = 3;
	__u64 v = 42, got = 0;

	b.counts = sn_map__create(BPF_MAP_TYPE_HASH, "counts", 4, 8, 128, NULL);
	assert_non_null(b.counts);
	assert_int_equal(sn_map__update_elem(b.counts, &k, &v, BPF_ANY), 0);
	obj = open_ok(OBJ("maps_ops"), &o);
	assert_int_equal(b.calls, 4);
	prog = sn_bpf_object_find_prog(obj, NULL);
	assert_ptr_equal(sn_bpf_object_find_map(obj, "counts"), b.counts);
	assert_false(obj_map(obj, "counts")->owned);
	assert_true(obj_map(obj, "pcpu")->owned);
	assert_true(sn_bpf_prog_has_map(prog, b.counts));
	sn_bpf_object_close(obj);
	/* Not freed with the object: still holds its element. */
	assert_int_equal(sn_map__lookup_elem(b.counts, &k, &got), 0);
	assert_int_equal(got, 42);
	sn_map__free(b.counts);

	/* A mismatch refuses the open with what differs. */
	b.counts = sn_map__create(BPF_MAP_TYPE_HASH, "counts", 4, 8, 64, NULL);
	obj = NULL;
	assert_int_equal(sn_bpf_object_open(OBJ("maps_ops"), &o, &obj, err, sizeof(err)), -EINVAL);
	assert_null(obj);
	assert_string_equal(err, "maps_ops.bpf.o: map 'counts': bound map does not match the "
				 "definition: max_entries 64, object wants 128");
	sn_map__free(b.counts);
	b.counts = sn_map__create(BPF_MAP_TYPE_LRU_HASH, "counts", 4, 8, 128, NULL);
	assert_int_equal(sn_bpf_object_open(OBJ("maps_ops"), &o, &obj, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "maps_ops.bpf.o: map 'counts': bound map does not match the "
				 "definition: type lru_hash, object wants hash");
	sn_map__free(b.counts);
	b.counts = sn_map__create(BPF_MAP_TYPE_HASH, "counts", 4, 16, 128, NULL);
	assert_int_equal(sn_bpf_object_open(OBJ("maps_ops"), &o, &obj, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "maps_ops.bpf.o: map 'counts': bound map does not match the "
				 "definition: value_size 16, object wants 8");
	sn_map__free(b.counts);
}

/* --- Refusals: small objects compiled here ------------------------------------------ */

static char tmpdir[64];

static bool have_clang(void)
{
	return system("clang --version >/dev/null 2>&1") == 0;
}

/* Compile @src as @name.bpf.o in tmpdir; return its path (static buffer). */
static const char *compile(const char *name, const char *src)
{
	static char obj[256];
	char cpath[256], cmd[1024];
	FILE *f;

	snprintf(cpath, sizeof(cpath), "%s/%s.bpf.c", tmpdir, name);
	snprintf(obj, sizeof(obj), "%s/%s.bpf.o", tmpdir, name);
	f = fopen(cpath, "w");
	assert_non_null(f);
	fputs("#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n", f);
	fputs(src, f);
	fputs("\nchar _license[] SEC(\"license\") = \"GPL\";\n", f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "clang -O2 -g -target bpf -mcpu=v3 -I /usr/include/x86_64-linux-gnu -c %s -o %s",
		 cpath, obj);
	assert_int_equal(system(cmd), 0);
	return obj;
}

/* An XDP program written in BPF assembly, in SEC("xdp"). */
#define ASM_PROG(name, body)                                                          \
	"asm(\".pushsection xdp,\\\"ax\\\",@progbits\\n.globl " name "\\n.type " name \
	",@function\\n" name ":\\n" body "\\n.size " name ", .-" name "\\n.popsection\\n\");\n"

static void expect_refusal(const char *name, const char *src, int ret, const char *msg)
{
	const char *path = compile(name, src);
	struct sn_bpf_object *obj = (void *)1;

	assert_int_equal(sn_bpf_object_open(path, NULL, &obj, err, sizeof(err)), ret);
	assert_null(obj);
	assert_string_equal(err, msg);
}

static void test_refusals(void **state)
{
	(void)state;
	if (!have_clang())
		skip();
	expect_refusal("tail",
		       "struct { __uint(type, BPF_MAP_TYPE_PROG_ARRAY); __uint(max_entries, 2);\n"
		       "  __type(key, __u32); __type(value, __u32); } jt SEC(\".maps\");\n"
		       "SEC(\"xdp\") int xdp_tail(struct xdp_md *ctx)\n"
		       "{ bpf_tail_call(ctx, &jt, 1); return XDP_PASS; }\n",
		       -EOPNOTSUPP,
		       "tail.bpf.o: xdp/xdp_tail insn 3: call to helper 12 (bpf_tail_call): tail "
		       "calls are not supported");
	expect_refusal("helper",
		       "SEC(\"xdp\") int xdp_helper(struct xdp_md *ctx)\n"
		       "{ __u32 mtu = 0; return bpf_check_mtu(ctx, 0, &mtu, 0, 0) ? XDP_DROP :"
		       " XDP_PASS; }\n",
		       -EOPNOTSUPP,
		       "helper.bpf.o: xdp/xdp_helper insn 7: call to helper 163 (bpf_check_mtu): "
		       "not provided by softnetd");
	expect_refusal("ctxstore",
		       "SEC(\"xdp\") int xdp_ctxstore(struct xdp_md *ctx)\n"
		       "{ ctx->rx_queue_index = 1; return XDP_PASS; }\n",
		       -EOPNOTSUPP,
		       "ctxstore.bpf.o: xdp/xdp_ctxstore insn 1: store to ctx at offset 16: the "
		       "ctx is read-only");
	expect_refusal("notxdp",
		       "SEC(\"tc\") int tc_only(struct __sk_buff *skb) { return skb->len; }\n"
		       "SEC(\"socket\") int sock_only(struct __sk_buff *skb) { return 0; }\n",
		       -EINVAL,
		       "notxdp.bpf.o: no XDP program (SEC(\"xdp\") or SEC(\"xdp.frags\")); "
		       "skipped: tc/tc_only, socket/sock_only");
	expect_refusal("kfunc",
		       "extern void bpf_rcu_read_lock(void) __ksym;\n"
		       "SEC(\"xdp\") int xdp_kfunc(struct xdp_md *ctx)\n"
		       "{ (void)ctx; bpf_rcu_read_lock(); return XDP_PASS; }\n",
		       -EOPNOTSUPP,
		       "kfunc.bpf.o: xdp/xdp_kfunc insn 0: call to kfunc 'bpf_rcu_read_lock': "
		       "kfuncs are not supported");
	expect_refusal("narrow", ASM_PROG("xdp_narrow", "r0 = *(u8 *)(r1 + 12)\\n exit"),
		       -EOPNOTSUPP,
		       "narrow.bpf.o: xdp/xdp_narrow insn 0: ctx load of 1 bytes at offset 12: "
		       "not an aligned 4-byte load of an xdp_md field");
	expect_refusal("badoff", ASM_PROG("xdp_badoff", "r0 = *(u32 *)(r1 + 24)\\n exit"),
		       -EOPNOTSUPP,
		       "badoff.bpf.o: xdp/xdp_badoff insn 0: ctx load of 4 bytes at offset 24: "
		       "not an aligned 4-byte load of an xdp_md field");
	expect_refusal("mixed",
		       ASM_PROG("xdp_mixed", "r2 = r1\\n r0 = *(u32 *)(r1 + 16)\\n"
					     " if r0 == 0 goto +1\\n r2 = r10\\n"
					     " r0 = *(u32 *)(r2 - 16)\\n exit"),
		       -EOPNOTSUPP,
		       "mixed.bpf.o: xdp/xdp_mixed insn 4: memory access through r2, which holds "
		       "the ctx pointer on some paths only: not supported");
	expect_refusal("modctx", ASM_PROG("xdp_modctx", "r1 += 4\\n r0 = *(u32 *)(r1 + 0)\\n exit"),
		       -EOPNOTSUPP,
		       "modctx.bpf.o: xdp/xdp_modctx insn 1: memory access through r1, which "
		       "holds a modified ctx pointer: not supported");
	expect_refusal("atomic",
		       ASM_PROG("xdp_atomic", "r2 = 1\\n lock *(u32 *)(r1 + 16) += w2\\n r0 = 2\\n"
					      " exit"),
		       -EOPNOTSUPP,
		       "atomic.bpf.o: xdp/xdp_atomic insn 1: atomic operation to ctx at offset "
		       "16: the ctx is read-only");
	expect_refusal("stack", ASM_PROG("xdp_stack", "r0 = 0\\n *(u64 *)(r10 - 520) = r0\\n exit"),
		       -EOPNOTSUPP,
		       "stack.bpf.o: xdp/xdp_stack insn 1: stack access of 8 bytes at r10-520: "
		       "outside the 512-byte stack");
	expect_refusal("ldabs", ASM_PROG("xdp_ldabs", "r6 = r1\\n r0 = *(u8 *)skb[12]\\n exit"),
		       -EOPNOTSUPP,
		       "ldabs.bpf.o: xdp/xdp_ldabs insn 1: legacy packet access (BPF_LD ABS/IND): "
		       "not valid in XDP");
	expect_refusal("jump", ASM_PROG("xdp_jump", "r0 = 2\\n goto +5\\n exit"), -EINVAL,
		       "jump.bpf.o: xdp/xdp_jump insn 1: jump or fall-through out of the program: "
		       "not a valid target");
	/* A spill slot written through another stack pointer cannot be trusted as ctx. */
	expect_refusal("clob",
		       ASM_PROG("xdp_clob",
				"r2 = r1\\n *(u64 *)(r10 - 8) = r2\\n r3 = r10\\n"
				" r3 += -8\\n r4 = 0\\n *(u64 *)(r3 + 0) = r4\\n"
				" r5 = *(u64 *)(r10 - 8)\\n r0 = *(u32 *)(r5 + 4)\\n exit"),
		       -EOPNOTSUPP,
		       "clob.bpf.o: xdp/xdp_clob insn 7: memory access through r5, which holds a "
		       "ctx pointer filled from a stack slot that may have been overwritten: not "
		       "supported");
	expect_refusal(
		"callx",
		ASM_PROG("xdp_callx", "r2 = 0\\n .byte 0x8d, 0x02, 0, 0, 0, 0, 0, 0\\n exit"),
		-EOPNOTSUPP,
		"callx.bpf.o: xdp/xdp_callx insn 1: opcode 0x8d (imm 0): indirect call "
		"(callx) not supported by softnetd");
	expect_refusal("fp", ASM_PROG("xdp_fp", "r10 = 0\\n r0 = 2\\n exit"), -EINVAL,
		       "fp.bpf.o: xdp/xdp_fp insn 0: opcode 0xb7 writes r10: the frame pointer is "
		       "read-only");
	/* In a subprogram: the image position and where it came from. */
	expect_refusal("subctx",
		       "__attribute__((noinline)) int sub(struct xdp_md *ctx)\n"
		       "{ ctx->rx_queue_index = 1; return 0; }\n"
		       "SEC(\"xdp\") int xdp_subctx(struct xdp_md *ctx)"
		       " { return sub(ctx) + XDP_PASS; }\n",
		       -EOPNOTSUPP,
		       "subctx.bpf.o: xdp/xdp_subctx insn 4: in subprogram sub (.text insn 1): "
		       "store to ctx at offset 16: the ctx is read-only");
}

/* ctx spilled to the stack and filled into another register is still known as ctx. */
static void test_spill_fill(void **state)
{
	(void)state;
	if (!have_clang())
		skip();
	const char *path =
		compile("spill", ASM_PROG("xdp_spill", "r2 = r1\\n *(u64 *)(r10 - 8) = r2\\n"
						       " r1 = 0\\n r5 = *(u64 *)(r10 - 8)\\n"
						       " r0 = *(u32 *)(r5 + 4)\\n"
						       " r0 = *(u32 *)(r10 - 8)\\n exit"));
	struct sn_bpf_object *obj = open_ok(path, NULL);
	struct sn_bpf_prog *prog = sn_bpf_object_find_prog(obj, NULL);

	assert_int_equal(prog->len, 7);
	assert_ldx(&prog->insns[4], BPF_DW, 0, 5, SN_XDP_CTX_OFF_DATA_END);
	assert_ldx(&prog->insns[5], BPF_W, 0, 10, -8); /* a stack load stays */
	sn_bpf_object_close(obj);
	/* Across a helper call that is given no stack pointer, the spilled ctx stays ctx. */
	path = compile("spill2", ASM_PROG("xdp_spill2", "*(u64 *)(r10 - 16) = r1\\n call 5\\n"
							" r5 = *(u64 *)(r10 - 16)\\n"
							" r0 = *(u32 *)(r5 + 12)\\n exit"));
	obj = open_ok(path, NULL);
	prog = sn_bpf_object_find_prog(obj, NULL);
	assert_ldx(&prog->insns[3], BPF_W, 0, 5, SN_XDP_CTX_OFF_INGRESS_IFINDEX);
	sn_bpf_object_close(obj);
}

static void test_bad_files(void **state)
{
	(void)state;
	struct sn_bpf_object *obj = NULL;
	char path[128], cmd[512];

	assert_int_equal(sn_bpf_object_open("/nonexistent/x.bpf.o", NULL, &obj, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "x.bpf.o: cannot open: No such file or directory");
	snprintf(path, sizeof(path), "%s/trunc.bpf.o", tmpdir);
	snprintf(cmd, sizeof(cmd), "head -c 300 %s > %s", OBJ("drop"), path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(sn_bpf_object_open(path, NULL, &obj, err, sizeof(err)), -EINVAL);
	assert_null(obj);
	assert_non_null(strstr(err, "trunc.bpf.o: not a BPF object libbpf can open"));
	snprintf(path, sizeof(path), "%s/text.bpf.o", tmpdir);
	snprintf(cmd, sizeof(cmd), "echo hello > %s", path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(sn_bpf_object_open(path, NULL, &obj, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "text.bpf.o: not a BPF object libbpf can open"));
}

/* --- xdp-tools' objects: each opens or is refused precisely ---------------------------- */

static void test_xdp_tools_objects(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		int ret;
		const char *msg; /* the refusal, or the note for an open that works */
	} want[] = {
		{"xdpfilt_alw_all.o", 0, ""},
		{"xdpfilt_alw_eth.o", 0, ""},
		{"xdpfilt_alw_ip.o", 0, ""},
		{"xdpfilt_alw_tcp.o", 0, ""},
		{"xdpfilt_alw_udp.o", 0, ""},
		{"xdpfilt_dny_all.o", 0, ""},
		{"xdpfilt_dny_eth.o", 0, ""},
		{"xdpfilt_dny_ip.o", 0, ""},
		{"xdpfilt_dny_tcp.o", 0, ""},
		{"xdpfilt_dny_udp.o", 0, ""},
		{"xsk_def_xdp_prog.o", -EOPNOTSUPP,
		 "xsk_def_xdp_prog.o: xdp/xsk_def_prog insn 6: reference to map 'xsks_map': map "
		 "type 17 (xskmap) is not supported by softnetd"},
		{"xsk_def_xdp_prog_5.3.o", -EOPNOTSUPP, NULL},
	};
	char path[256];

	if (access(XDP_TOOLS_DIR "/xdpfilt_alw_all.o", R_OK))
		skip();
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct sn_bpf_object *obj = NULL;
		int ret;

		snprintf(path, sizeof(path), "%s/%s", XDP_TOOLS_DIR, want[i].file);
		ret = sn_bpf_object_open(path, NULL, &obj, err, sizeof(err));
		print_message("%-24s %s%s\n", want[i].file, ret ? "refused: " : "opens",
			      ret ? err : "");
		assert_int_equal(ret, want[i].ret);
		if (want[i].msg)
			assert_string_equal(err, want[i].msg);
		else
			assert_int_equal(strncmp(err, want[i].file, strlen(want[i].file)), 0);
		if (!ret) {
			struct sn_bpf_prog *prog = sn_bpf_object_find_prog(obj, NULL);

			assert_non_null(prog);
			assert_true(prog->len > 0);
			/* No ld_imm64 is left with a pseudo source. */
			for (uint32_t k = 0; k < prog->len; k++)
				if (prog->insns[k].code == (BPF_LD | BPF_IMM | BPF_DW))
					assert_int_equal(prog->insns[k++].src_reg, 0);
		}
		sn_bpf_object_close(obj);
	}
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sn_test_loader.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass_ctx_rewrite), cmocka_unit_test(test_frags_and_skipped),
		cmocka_unit_test(test_calls_jmp32),	 cmocka_unit_test(test_globals),
		cmocka_unit_test(test_maps_from_btf),	 cmocka_unit_test(test_bind_map),
		cmocka_unit_test(test_refusals),	 cmocka_unit_test(test_spill_fill),
		cmocka_unit_test(test_bad_files),	 cmocka_unit_test(test_xdp_tools_objects),
	};

	libbpf_set_print(NULL);
	return cmocka_run_group_tests(tests, setup, teardown);
}
