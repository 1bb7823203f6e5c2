// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_helpers.c - the BPF helpers against the kernel's definitions: csum_diff vectors (the
 * kernel selftest's expected values), adjust_head/meta/tail limits, load/store bytes, map
 * helpers' return codes and argument refusals, redirect, trace_printk formats, fib_lookup
 * without and with a hook; then the real objects from progs/ (tx_swap, adjust, helpers,
 * faulty) through the loader and the interpreter.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"
#include "maps/map.h"
#include "xdp/bpf_interp.h"
#include "xdp/bpf_interp_internal.h"
#include "xdp/bpf_prog.h"

#include "bpf_asm.h"

#define OBJ(name) XDP_PROGS_DIR "/" name ".bpf.o"
#define P(x) ((uint64_t)(uintptr_t)(x))

static struct test_buf tb;
static struct sn_bpf_run_ctx rc;
static struct sn_bpf_fault fault;
static struct sn_bpf_prog prog;
static uint8_t stk[512] __attribute__((aligned(8)));

static void rc_init(struct sn_map **maps, uint32_t n, uint32_t len)
{
	tb_init(&tb, len);
	prog = tb_prog(NULL, 0, maps, n);
	memset(&rc, 0, sizeof(rc));
	memset(&fault, 0, sizeof(fault));
	memset(stk, 0, sizeof(stk));
	rc.prog = &prog;
	rc.xdp = &tb.xdp;
	rc.stack_lo = stk;
	rc.stack_hi = stk + sizeof(stk);
	rc.fault = &fault;
}

static int64_t call(int id, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5)
{
	const struct sn_bpf_helper *h = sn_bpf_helper_get(id);

	assert_non_null(h);
	fault.reason = SN_BPF_FAULT_NONE;
	return (int64_t)h->fn(r1, r2, r3, r4, r5, &rc);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(sn_bpf_helper_name(BPF_FUNC_map_lookup_elem), "bpf_map_lookup_elem");
	assert_string_equal(sn_bpf_helper_name(BPF_FUNC_xdp_store_bytes), "bpf_xdp_store_bytes");
	assert_string_equal(sn_bpf_helper_name(BPF_FUNC_tail_call), "bpf_tail_call");
	assert_string_equal(sn_bpf_helper_name(-1), "unknown");
	assert_string_equal(sn_bpf_helper_name(__BPF_FUNC_MAX_ID), "unknown");
	for (int i = 0; i < __BPF_FUNC_MAX_ID; i++)
		assert_memory_equal(sn_bpf_helper_name(i), "bpf_", 4);
	assert_null(sn_bpf_helper_get(BPF_FUNC_tail_call));
	assert_null(sn_bpf_helper_get(-3));
	assert_true(sn_bpf_helper_get(BPF_FUNC_map_lookup_elem)->returns_map_value);
	assert_false(sn_bpf_helper_get(BPF_FUNC_map_update_elem)->returns_map_value);
	assert_string_equal(sn_bpf_helper_get(BPF_FUNC_redirect_map)->name, "bpf_redirect_map");
}

/* Vectors and expected results of the kernel's selftest test_csum_diff (6.13+ semantics). */
static uint16_t csum(const uint64_t *from, uint32_t from_len, const uint64_t *to,
		     uint32_t to_len, uint16_t seed)
{
	uint8_t *f = stk, *t = stk + 256;

	memset(stk, 0, sizeof(stk));
	if (from_len)
		memcpy(f, from, (from_len + 7) / 8 * 8);
	if (to_len)
		memcpy(t, to, (to_len + 7) / 8 * 8);
	return (uint16_t)call(BPF_FUNC_csum_diff, P(f), from_len, P(t), to_len, seed);
}

static void test_csum_diff(void **state)
{
	const uint64_t dead[2] = { 0xdeadbeefdeadbeefULL, 0xbeefdeadbeefdeadULL };
	const uint64_t ab[1] = { 0xababababababababULL }, zero[1] = { 0 };
	(void)state;
	rc_init(NULL, 0, 64);
	/* push */
	assert_int_equal(csum(NULL, 0, dead, 8, 0), 0x3b3b);
	assert_int_equal(csum(NULL, 0, dead, 16, 0x1234), 0x88aa);
	assert_int_equal(csum(NULL, 0, dead, 15, 0x1234), 0xcaa9);
	/* pull */
	assert_int_equal(csum(dead, 8, NULL, 0, 0), 0xc4c4);
	assert_int_equal(csum(dead, 16, NULL, 0, 0x1234), 0x9bbd);
	assert_int_equal(csum(dead, 15, NULL, 0, 0x1234), 0x59be);
	/* diff */
	assert_int_equal(csum(dead, 8, ab, 8, 0), 0x7373);
	assert_int_equal(csum(dead, 7, ab, 7, 0), 0xa673);
	assert_int_equal(csum(zero, 8, ab, 8, 0), 0xaeae);
	assert_int_equal(csum(dead, 8, zero, 8, 0xffff), 0xc4c4);
	/* edges */
	assert_int_equal(csum(NULL, 0, NULL, 0, 0), 0);
	assert_int_equal(csum(NULL, 0, NULL, 0, 0x1234), 0x1234);
	memset(stk, 0, sizeof(stk));
	assert_int_equal((uint16_t)call(BPF_FUNC_csum_diff, P(stk), 512, 0, 0, 0xffff), 0xffff);
	/* Splitting a push in two with the first result as seed gives the same sum. */
	uint16_t whole = csum(NULL, 0, dead, 16, 0x1234);

	uint16_t half = (uint16_t)call(BPF_FUNC_csum_diff, 0, 0, P(stk + 256), 8, 0x1234);
	assert_int_equal((uint16_t)call(BPF_FUNC_csum_diff, 0, 0, P(stk + 264), 8, half), whole);
	/* A pointer outside every region is refused; NULL with size 0 is fine. */
	call(BPF_FUNC_csum_diff, P(&tb.mem[0]), 4, 0, 0, 0);
	assert_int_equal(fault.reason, SN_BPF_FAULT_HELPER);
	call(BPF_FUNC_csum_diff, P(stk), 4, P(tb.xdp.data_end - 3), 4, 0);
	assert_int_equal(fault.reason, SN_BPF_FAULT_HELPER);
	call(BPF_FUNC_csum_diff, P(stk), 4, P(tb.xdp.data), 64, 0);
	assert_int_equal(fault.reason, SN_BPF_FAULT_NONE);
}

static void test_adjust_head_meta(void **state)
{
	struct sn_xdp_buff *x = &tb.xdp;
	int room = SN_XDP_HEADROOM - SN_XDP_FRAME_RESERVE; /* 216 */
	(void)state;
	rc_init(NULL, 0, 100);
	assert_int_equal(call(BPF_FUNC_xdp_adjust_head, P(x), -(room + 1), 0, 0, 0), -EINVAL);
	assert_true(tb_unchanged(&tb));
	assert_int_equal(call(BPF_FUNC_xdp_adjust_head, P(x), -room, 0, 0, 0), 0);
	assert_ptr_equal(x->data, x->data_hard_start + SN_XDP_FRAME_RESERVE);
	assert_ptr_equal(x->data_meta, x->data);
	assert_int_equal(x->data_end - x->data, 100 + room);
	/* Shrink to exactly ETH_HLEN, not one byte less. */
	rc_init(NULL, 0, 100);
	assert_int_equal(call(BPF_FUNC_xdp_adjust_head, P(x), 87, 0, 0, 0), -EINVAL);
	assert_int_equal(call(BPF_FUNC_xdp_adjust_head, P(x), 86, 0, 0, 0), 0);
	assert_int_equal(x->data_end - x->data, 14);
	/*
	 * Metadata: multiple of 4, at most 255 since 6.6 (32 before; tests/differential found
	 * it), not below the reserve, not past data.
	 */
	rc_init(NULL, 0, 100);
	assert_int_equal(call(BPF_FUNC_xdp_adjust_meta, P(x), 4, 0, 0, 0), -EINVAL);
	assert_int_equal(call(BPF_FUNC_xdp_adjust_meta, P(x), -3, 0, 0, 0), -EACCES);
	assert_int_equal(call(BPF_FUNC_xdp_adjust_meta, P(x), -36, 0, 0, 0), 0);
	assert_int_equal(call(BPF_FUNC_xdp_adjust_meta, P(x), 36, 0, 0, 0), 0);
	assert_int_equal(call(BPF_FUNC_xdp_adjust_meta, P(x), -32, 0, 0, 0), 0);
	assert_int_equal(x->data - x->data_meta, 32);
	assert_int_equal(call(BPF_FUNC_xdp_adjust_meta, P(x), 24, 0, 0, 0), 0);
	assert_int_equal(x->data - x->data_meta, 8);
	memset(x->data_meta, 0x5a, 8);
	/* adjust_head moves the metadata along; the limit counts it. */
	assert_int_equal(call(BPF_FUNC_xdp_adjust_head, P(x), -(room - 8 + 1), 0, 0, 0), -EINVAL);
	assert_int_equal(call(BPF_FUNC_xdp_adjust_head, P(x), -(room - 8), 0, 0, 0), 0);
	assert_ptr_equal(x->data_meta, x->data_hard_start + SN_XDP_FRAME_RESERVE);
	for (int i = 0; i < 8; i++)
		assert_int_equal(x->data_meta[i], 0x5a);
	/* meta below the reserve */
	assert_int_equal(call(BPF_FUNC_xdp_adjust_meta, P(x), -4, 0, 0, 0), -EINVAL);
	/* Not the ctx: refused as the verifier would. */
	call(BPF_FUNC_xdp_adjust_head, P(stk), 0, 0, 0, 0);
	assert_int_equal(fault.reason, SN_BPF_FAULT_HELPER);
	call(BPF_FUNC_xdp_adjust_meta, 0, 0, 0, 0, 0);
	assert_int_equal(fault.reason, SN_BPF_FAULT_HELPER);
}

static void test_adjust_tail(void **state)
{
	struct sn_xdp_buff *x = &tb.xdp;
	/* data_end may reach data_hard_start + frame_sz - 320. */
	int grow = TB_FRAME - SN_XDP_TAILROOM_RESERVE - SN_XDP_HEADROOM - 100;
	(void)state;
	rc_init(NULL, 0, 100);
	assert_int_equal(call(BPF_FUNC_xdp_adjust_tail, P(x), grow + 1, 0, 0, 0), -EINVAL);
	assert_true(tb_unchanged(&tb));
	assert_int_equal(call(BPF_FUNC_xdp_adjust_tail, P(x), grow, 0, 0, 0), 0);
	assert_int_equal(x->data_end - x->data, 100 + grow);
	for (int i = 100; i < 100 + grow; i++)
		assert_int_equal(x->data[i], 0); /* grown bytes are cleared */
	assert_int_equal(x->data_end[0], TB_BYTE);
	rc_init(NULL, 0, 100);
	assert_int_equal(call(BPF_FUNC_xdp_adjust_tail, P(x), -87, 0, 0, 0), -EINVAL);
	assert_int_equal(call(BPF_FUNC_xdp_adjust_tail, P(x), -86, 0, 0, 0), 0);
	assert_int_equal(x->data_end - x->data, 14);
	assert_int_equal(call(BPF_FUNC_xdp_get_buff_len, P(x), 0, 0, 0, 0), 14);
}

static void test_load_store_bytes(void **state)
{
	struct sn_xdp_buff *x = &tb.xdp;
	(void)state;
	rc_init(NULL, 0, 100);
	assert_int_equal(call(BPF_FUNC_xdp_load_bytes, P(x), 10, P(stk), 8, 0), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(stk[i], 10 + i);
	assert_int_equal(call(BPF_FUNC_xdp_load_bytes, P(x), 92, P(stk), 8, 0), 0);
	assert_int_equal(call(BPF_FUNC_xdp_load_bytes, P(x), 93, P(stk), 8, 0), -EINVAL);
	assert_int_equal(call(BPF_FUNC_xdp_load_bytes, P(x), 0x10000, P(stk), 8, 0), -EFAULT);
	memset(stk, 0xcc, 4);
	assert_int_equal(call(BPF_FUNC_xdp_store_bytes, P(x), 96, P(stk), 4, 0), 0);
	assert_int_equal(x->data[99], 0xcc);
	assert_int_equal(x->data_end[0], TB_BYTE);
	assert_int_equal(call(BPF_FUNC_xdp_store_bytes, P(x), 97, P(stk), 4, 0), -EINVAL);
	/* zero length, a buffer outside the regions, a buffer too short: refused */
	call(BPF_FUNC_xdp_load_bytes, P(x), 0, P(stk), 0, 0);
	assert_int_equal(fault.reason, SN_BPF_FAULT_HELPER);
	call(BPF_FUNC_xdp_load_bytes, P(x), 0, P(&tb.mem[0]), 4, 0);
	assert_int_equal(fault.reason, SN_BPF_FAULT_HELPER);
	call(BPF_FUNC_xdp_store_bytes, P(x), 0, P(stk + 510), 4, 0);
	assert_int_equal(fault.reason, SN_BPF_FAULT_HELPER);
	call(BPF_FUNC_xdp_load_bytes, P(x), 0, P(x), 4, 0); /* into the ctx */
	assert_int_equal(fault.reason, SN_BPF_FAULT_HELPER);
}

static void test_map_helpers(void **state)
{
	struct sn_map_create_opts ro = { .sz = sizeof(ro), .map_flags = BPF_F_RDONLY_PROG };
	struct sn_map *arr = sn_map__create(BPF_MAP_TYPE_ARRAY, "arr", 4, 8, 4, NULL);
	struct sn_map *rom = sn_map__create(BPF_MAP_TYPE_ARRAY, "rom", 4, 8, 4, &ro);
	struct sn_map *hash = sn_map__create(BPF_MAP_TYPE_HASH, "h", 4, 4, 8, NULL);
	struct sn_map *other = sn_map__create(BPF_MAP_TYPE_ARRAY, "o", 4, 8, 4, NULL);
	struct sn_map *maps[] = { arr, rom, hash };
	uint32_t *key = (uint32_t *)stk, *val = (uint32_t *)(stk + 8);
	int64_t v;
	(void)state;
	assert_non_null(arr);
	assert_non_null(rom);
	assert_non_null(hash);
	assert_non_null(other);
	rc_init(maps, 3, 64);
	*key = 2;
	v = call(BPF_FUNC_map_lookup_elem, P(arr), P(key), 0, 0, 0);
	assert_int_equal(fault.reason, SN_BPF_FAULT_NONE);
	assert_ptr_equal((void *)(uintptr_t)v, sn_map_lookup_elem(arr, key));
	assert_int_equal(rc.nr_grants, 1);
	assert_true(sn_bpf_mem_ok(&rc, (uint64_t)v, 8, true));
	assert_false(sn_bpf_mem_ok(&rc, (uint64_t)v, 9, false));
	call(BPF_FUNC_map_lookup_elem, P(arr), P(key), 0, 0, 0); /* same value: no new grant */
	assert_int_equal(rc.nr_grants, 1);
	*key = 4;
	assert_int_equal(call(BPF_FUNC_map_lookup_elem, P(arr), P(key), 0, 0, 0), 0);
	*key = 1;
	*val = 5;
	assert_int_equal(call(BPF_FUNC_map_update_elem, P(arr), P(key), P(val), BPF_NOEXIST, 0),
			 -EEXIST);
	assert_int_equal(call(BPF_FUNC_map_update_elem, P(arr), P(key), P(val), BPF_ANY, 0), 0);
	assert_int_equal(call(BPF_FUNC_map_delete_elem, P(arr), P(key), 0, 0, 0), -EINVAL);
	*key = 4;
	assert_int_equal(call(BPF_FUNC_map_update_elem, P(arr), P(key), P(val), BPF_ANY, 0), -E2BIG);
	/* hash: insert, NOEXIST again, delete twice */
	*key = 7;
	assert_int_equal(call(BPF_FUNC_map_update_elem, P(hash), P(key), P(val), BPF_NOEXIST, 0), 0);
	assert_int_equal(call(BPF_FUNC_map_update_elem, P(hash), P(key), P(val), BPF_NOEXIST, 0),
			 -EEXIST);
	v = call(BPF_FUNC_map_lookup_elem, P(hash), P(key), 0, 0, 0);
	assert_int_not_equal(v, 0);
	assert_int_equal(*(uint32_t *)(uintptr_t)v, 5);
	assert_int_equal(call(BPF_FUNC_map_delete_elem, P(hash), P(key), 0, 0, 0), 0);
	assert_int_equal(call(BPF_FUNC_map_delete_elem, P(hash), P(key), 0, 0, 0), -ENOENT);
	/* read-only map: lookup gives a read-only value; update refused */
	*key = 0;
	v = call(BPF_FUNC_map_lookup_elem, P(rom), P(key), 0, 0, 0);
	assert_true(sn_bpf_mem_ok(&rc, (uint64_t)v, 8, false));
	assert_false(sn_bpf_mem_ok(&rc, (uint64_t)v, 8, true));
	call(BPF_FUNC_map_update_elem, P(rom), P(key), P(val), BPF_ANY, 0);
	assert_int_equal(fault.reason, SN_BPF_FAULT_HELPER);
	/* refusals: a map that is not the program's, a key outside, a value too short */
	call(BPF_FUNC_map_lookup_elem, P(other), P(key), 0, 0, 0);
	assert_int_equal(fault.reason, SN_BPF_FAULT_HELPER);
	call(BPF_FUNC_map_lookup_elem, P(arr), P(&tb.mem[0]), 0, 0, 0);
	assert_int_equal(fault.reason, SN_BPF_FAULT_HELPER);
	call(BPF_FUNC_map_update_elem, P(arr), P(key), P(stk + 508), 0, 0);
	assert_int_equal(fault.reason, SN_BPF_FAULT_HELPER);
	call(BPF_FUNC_map_delete_elem, 0, P(key), 0, 0, 0);
	assert_int_equal(fault.reason, SN_BPF_FAULT_HELPER);
	sn_map__free(arr);
	sn_map__free(rom);
	sn_map__free(hash);
	sn_map__free(other);
}

static void test_redirect(void **state)
{
	struct sn_map *dm = sn_map__create(BPF_MAP_TYPE_DEVMAP, "dm", 4, 4, 4, NULL);
	struct sn_map *arr = sn_map__create(BPF_MAP_TYPE_ARRAY, "arr", 4, 8, 4, NULL);
	struct sn_map *maps[] = { dm, arr };
	(void)state;
	assert_non_null(dm);
	assert_non_null(arr);
	rc_init(maps, 2, 64);
	local_bh_disable();
	assert_int_equal(call(BPF_FUNC_redirect, 5, 0, 0, 0, 0), XDP_REDIRECT);
	assert_int_equal(call(BPF_FUNC_redirect, 5, BPF_F_INGRESS, 0, 0, 0), XDP_ABORTED);
	/* An empty devmap slot: the fallback action in the low bits of flags. */
	assert_int_equal(call(BPF_FUNC_redirect_map, P(dm), 1, XDP_PASS, 0, 0), XDP_PASS);
	assert_int_equal(call(BPF_FUNC_redirect_map, P(dm), 1, 0, 0, 0), XDP_ABORTED);
	assert_int_equal(fault.reason, SN_BPF_FAULT_NONE);
	call(BPF_FUNC_redirect_map, P(arr), 1, 0, 0, 0);
	assert_int_equal(fault.reason, SN_BPF_FAULT_HELPER);
	call(BPF_FUNC_redirect_map, P(stk), 1, 0, 0, 0);
	assert_int_equal(fault.reason, SN_BPF_FAULT_HELPER);
	local_bh_enable();
	sn_map__free(dm);
	sn_map__free(arr);
}

static void test_time_cpu_random(void **state)
{
	(void)state;
	rc_init(NULL, 0, 64);
	uint64_t t1 = (uint64_t)call(BPF_FUNC_ktime_get_ns, 0, 0, 0, 0, 0);
	uint64_t t2 = (uint64_t)call(BPF_FUNC_ktime_get_ns, 0, 0, 0, 0, 0);

	assert_true(t1 > 0 && t2 >= t1);
	assert_int_equal(call(BPF_FUNC_get_smp_processor_id, 0, 0, 0, 0, 0), 0);
	int same = 0;
	uint64_t prev = (uint64_t)call(BPF_FUNC_get_prandom_u32, 0, 0, 0, 0, 0), ones = 0;

	for (int i = 0; i < 1000; i++) {
		uint64_t r = (uint64_t)call(BPF_FUNC_get_prandom_u32, 0, 0, 0, 0, 0);

		assert_true(r <= UINT32_MAX);
		same += r == prev;
		ones += (uint64_t)__builtin_popcount((uint32_t)r);
		prev = r;
	}
	assert_true(same < 2);
	assert_true(ones > 15000 && ones < 17000); /* about 16 bits set per value */
}

static int64_t printk(const char *fmt, uint64_t a, uint64_t b, uint64_t c)
{
	size_t n = strlen(fmt) + 1;

	memcpy(stk, fmt, n);
	return call(BPF_FUNC_trace_printk, P(stk), n, a, b, c);
}

static void test_trace_printk(void **state)
{
	(void)state;
	rc_init(NULL, 0, 64);
	assert_int_equal(printk("x=%d y=%u z=%llx\n", (uint64_t)-5, 7, 0xabc),
			 (int64_t)strlen("x=-5 y=7 z=abc\n"));
	assert_int_equal(printk("%lld %i %05x %%", (uint64_t)-1, 0x100000003ULL, 0x2a),
			 (int64_t)strlen("-1 3 0002a %"));
	memcpy(stk + 256, "str", 4);
	memcpy(stk, "%s", 3);
	assert_int_equal(call(BPF_FUNC_trace_printk, P(stk), 3, P(stk + 256), 0, 0), 3);
	memcpy(stk, "[%s]", 5);
	assert_int_equal(call(BPF_FUNC_trace_printk, P(stk), 5, P(&tb.mem[0]), 0, 0), 2);
	memcpy(stk + 256, "\x0a\x00\x00\x01", 4);
	memcpy(stk, "%pI4", 5);
	assert_int_equal(call(BPF_FUNC_trace_printk, P(stk), 5, P(stk + 256), 0, 0),
			 (int64_t)strlen("10.0.0.1"));
	assert_int_equal(printk("%q", 0, 0, 0), -EINVAL);
	assert_int_equal(printk("%d %d %d %d", 1, 2, 3), -EINVAL);
	assert_int_equal(printk("%pZ", 0, 0, 0), -EINVAL);
	memcpy(stk, "abc", 3); /* no NUL inside fmt_size */
	assert_int_equal(call(BPF_FUNC_trace_printk, P(stk), 3, 0, 0, 0), -EINVAL);
	assert_int_equal(fault.reason, SN_BPF_FAULT_NONE);
	call(BPF_FUNC_trace_printk, P(&tb.mem[0]), 4, 0, 0, 0);
	assert_int_equal(fault.reason, SN_BPF_FAULT_HELPER);
	/* Rate limit: the return value does not depend on what was printed. */
	for (int i = 0; i < 50; i++)
		assert_int_equal(printk("burst %d\n", (uint64_t)i, 0, 0), i < 10 ? 8 : 9);
}

static struct bpf_fib_lookup *hook_seen;
static int fib_hook(void *params, int plen, uint32_t flags)
{
	hook_seen = params;
	return plen == sizeof(struct bpf_fib_lookup) && flags == BPF_FIB_LOOKUP_DIRECT
		       ? BPF_FIB_LKUP_RET_SUCCESS
		       : -EINVAL;
}

static void test_fib_lookup(void **state)
{
	struct bpf_fib_lookup *p = (void *)stk;
	uint64_t x = P(&tb.xdp);
	(void)state;
	rc_init(NULL, 0, 64);
	p->family = AF_INET;
	assert_int_equal(call(BPF_FUNC_fib_lookup, x, P(p), sizeof(*p), 0, 0),
			 BPF_FIB_LKUP_RET_NOT_FWDED);
	assert_int_equal(call(BPF_FUNC_fib_lookup, x, P(p), 16, 0, 0), -EINVAL);
	assert_int_equal(call(BPF_FUNC_fib_lookup, x, P(p), sizeof(*p), 1U << 10, 0), -EINVAL);
	p->family = 99;
	assert_int_equal(call(BPF_FUNC_fib_lookup, x, P(p), sizeof(*p), 0, 0), -EAFNOSUPPORT);
	p->family = AF_INET6;
	sn_bpf_fib_lookup_hook = fib_hook;
	assert_int_equal(call(BPF_FUNC_fib_lookup, x, P(p), sizeof(*p), BPF_FIB_LOOKUP_DIRECT, 0),
			 BPF_FIB_LKUP_RET_SUCCESS);
	assert_ptr_equal(hook_seen, p);
	sn_bpf_fib_lookup_hook = NULL;
	call(BPF_FUNC_fib_lookup, x, P(stk + 500), sizeof(*p), 0, 0);
	assert_int_equal(fault.reason, SN_BPF_FAULT_HELPER);
	call(BPF_FUNC_fib_lookup, P(stk), P(p), sizeof(*p), 0, 0);
	assert_int_equal(fault.reason, SN_BPF_FAULT_HELPER);
}

/* ---- real objects ---- */

static char err[512];

static struct sn_bpf_object *open_obj(const char *path)
{
	struct sn_bpf_object *obj = NULL;
	int ret = sn_bpf_object_open(path, NULL, &obj, err, sizeof(err));

	if (ret)
		fail_msg("open %s: %d: %s", path, ret, err);
	return obj;
}

static uint32_t run_obj(struct sn_bpf_object *obj, const char *name, struct sn_bpf_fault *f)
{
	struct sn_bpf_prog *p = sn_bpf_object_find_prog(obj, name);

	if (!p)
		fail_msg("no program %s", name);
	return sn_bpf_interp_run(p, &tb.xdp, f);
}

static void test_obj_tx_swap(void **state)
{
	struct sn_bpf_object *obj = open_obj(OBJ("tx_swap"));
	struct sn_bpf_fault f;
	(void)state;
	tb_init(&tb, 60);
	assert_int_equal(run_obj(obj, "xdp_tx_swap", &f), XDP_TX);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(tb.xdp.data[i], 6 + i);
		assert_int_equal(tb.xdp.data[6 + i], i);
	}
	tb_init(&tb, 13);
	assert_int_equal(run_obj(obj, "xdp_tx_swap", &f), XDP_DROP);
	assert_true(tb_unchanged(&tb));
	sn_bpf_object_close(obj);
}

static uint32_t run_adjust(struct sn_bpf_object *obj, uint8_t op)
{
	struct sn_bpf_fault f;

	tb_init(&tb, 100);
	tb.xdp.data[14] = op;
	tb_snap(&tb);
	uint32_t act = run_obj(obj, "xdp_adjust", &f);

	assert_int_equal(f.reason, SN_BPF_FAULT_NONE);
	return act;
}

static void test_obj_adjust(void **state)
{
	struct sn_bpf_object *obj = open_obj(OBJ("adjust"));
	uint8_t *start;
	(void)state;
	assert_int_equal(run_adjust(obj, 1), XDP_PASS);
	start = tb.xdp.data_hard_start + SN_XDP_HEADROOM;
	assert_ptr_equal(tb.xdp.data, start - 4);
	assert_int_equal(tb.xdp.data[0], 0xdd);
	assert_int_equal(tb.xdp.data[3], 0xaa);
	assert_int_equal(run_adjust(obj, 2), XDP_PASS);
	assert_ptr_equal(tb.xdp.data, start + 4);
	assert_int_equal(run_adjust(obj, 3), XDP_PASS);
	assert_int_equal(tb.xdp.data - tb.xdp.data_meta, 8);
	assert_int_equal(tb.xdp.data_meta[0], 0x11);
	assert_int_equal(tb.xdp.data_meta[7], 0x22);
	assert_int_equal(run_adjust(obj, 4), XDP_PASS);
	assert_int_equal(tb.xdp.data_end - tb.xdp.data, 116);
	assert_int_equal(tb.xdp.data[100], 0);
	assert_int_equal(tb.xdp.data[115], 0xee);
	assert_int_equal(run_adjust(obj, 5), XDP_PASS);
	assert_int_equal(tb.xdp.data_end - tb.xdp.data, 84);
	assert_int_equal(run_adjust(obj, 6), XDP_DROP);
	assert_true(tb_unchanged(&tb));
	sn_bpf_object_close(obj);
}

struct results { /* helpers.bpf.c's .bss */
	uint64_t lookup, update, del, csum, time, cpu, rand1, rand2, printk;
	int64_t fib, load, store;
	unsigned char bytes[8];
};

static void test_obj_helpers(void **state)
{
	struct sn_bpf_object *obj = open_obj(OBJ("helpers"));
	struct sn_map *bss = sn_bpf_object_find_map(obj, ".bss");
	struct sn_bpf_fault f;
	uint32_t zero = 0;
	struct results *res;
	(void)state;
	assert_non_null(bss);
	res = sn_map_lookup_elem(bss, &zero);
	assert_non_null(res);
	local_bh_disable();
	tb_init(&tb, 64);
	assert_int_equal(run_obj(obj, "xdp_maps", &f), XDP_PASS);
	assert_int_equal(f.reason, SN_BPF_FAULT_NONE);
	assert_int_equal(res->lookup, 1);
	assert_int_equal(res->update, 0);
	assert_int_equal((int64_t)res->del, -ENOENT);
	assert_int_equal(run_obj(obj, "xdp_maps", &f), XDP_PASS);
	assert_int_equal(res->lookup, 2);
	assert_int_equal((int64_t)res->update, -EEXIST);
	uint32_t k = 3, v;

	assert_int_equal(sn_map__lookup_elem(sn_bpf_object_find_map(obj, "flows"), &k, &v), 0);
	assert_int_equal(v, 79); /* 77, +1 per run */

	tb_init(&tb, 64);
	assert_int_equal(run_obj(obj, "xdp_csum", &f), XDP_PASS);
	uint64_t sum = 0;

	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)tb.xdp.data[i] | (uint32_t)tb.xdp.data[i + 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(res->csum, sum);

	tb_init(&tb, 64);
	assert_int_equal(run_obj(obj, "xdp_bytes", &f), XDP_PASS);
	assert_int_equal(f.reason, SN_BPF_FAULT_NONE);
	assert_int_equal(res->load, 0);
	assert_int_equal(res->store, 0);
	assert_int_equal(res->bytes[0], 2);
	assert_int_equal(res->bytes[7], 9);
	assert_int_equal(tb.xdp.data[0], 0xab);

	tb_init(&tb, 64);
	assert_int_equal(run_obj(obj, "xdp_misc", &f), XDP_PASS);
	assert_int_equal(f.reason, SN_BPF_FAULT_NONE);
	assert_true(res->time > 0);
	assert_int_equal(res->cpu, 0);
	assert_int_equal(res->printk, strlen("helpers 42 ok"));
	assert_int_equal(res->fib, BPF_FIB_LKUP_RET_NOT_FWDED);

	assert_int_equal(run_obj(obj, "xdp_redir", &f), XDP_REDIRECT);
	local_bh_enable();
	sn_bpf_object_close(obj);
}

static void test_obj_faulty(void **state)
{
	static const struct {
		const char *name;
		enum sn_bpf_fault_reason why;
	} cases[] = {
		{ "oob_read", SN_BPF_FAULT_MEM },   { "oob_write", SN_BPF_FAULT_MEM },
		{ "map_oob", SN_BPF_FAULT_MEM },    { "endless", SN_BPF_FAULT_BUDGET },
		{ "deep", SN_BPF_FAULT_CALL_DEPTH },
	};
	struct sn_bpf_object *obj = open_obj(OBJ("faulty"));
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sn_bpf_fault f;

		tb_init(&tb, 64);
		assert_int_equal(run_obj(obj, cases[i].name, &f), XDP_ABORTED);
		if (f.reason != cases[i].why)
			fail_msg("%s: reason %d, want %d", cases[i].name, f.reason, cases[i].why);
		assert_true(tb_unchanged(&tb));
	}
	sn_bpf_object_close(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_csum_diff),
		cmocka_unit_test(test_adjust_head_meta),
		cmocka_unit_test(test_adjust_tail),
		cmocka_unit_test(test_load_store_bytes),
		cmocka_unit_test(test_map_helpers),
		cmocka_unit_test(test_redirect),
		cmocka_unit_test(test_time_cpu_random),
		cmocka_unit_test(test_trace_printk),
		cmocka_unit_test(test_fib_lookup),
		cmocka_unit_test(test_obj_tx_swap),
		cmocka_unit_test(test_obj_adjust),
		cmocka_unit_test(test_obj_helpers),
		cmocka_unit_test(test_obj_faulty),
	};

	/* Per-CPU maps, get_smp_processor_id and the per-CPU generator need a pinned task. */
	if (bh_task_pin(0))
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
