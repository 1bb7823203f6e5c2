// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_frame.c - frames: zeroed heads from the napi_alloc_cache, frag-cache buffers with
 * SN_FRAME_HEADROOM, push/pull, copies, release through frame ops (exactly once, napi_direct
 * passed on), and NULL instead of a crash when heads or chunks run out, with nothing leaked.
 * Every case runs in each locking profile.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"
#include "net/frame.h"
#include "net/skb_cache.h"

#define CHUNK_OF(p) ((uintptr_t)(p) & ~(uintptr_t)(SN_FRAG_CHUNK_SIZE - 1))

static void init(uint32_t nr_heads, uint32_t nr_chunks)
{
	struct sn_skb_cache_params p = { .gen = SN_SKB_CACHE_6_19, .nr_heads = nr_heads,
					 .nr_chunks = nr_chunks };

	assert_int_equal(bh_task_pin(0), 0);
	assert_int_equal(sn_skb_cache_init(&p), 0);
}

static void fini_checked(void)
{
	assert_int_equal(sn_skb_cache_check(), 0);
	sn_skb_cache_fini();
}

static struct sn_skb_cache_stats st(void)
{
	struct sn_skb_cache_stats s;

	sn_skb_cache_stats(-1, &s);
	return s;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* A recycled head comes back zeroed. */
static void test_head_zeroed(void **state)
{
	(void)state;
	struct sn_frame *f, *g;

	init(256, 2);
	local_bh_disable();
	f = sn_frame_alloc_head();
	assert_non_null(f);
	assert_true(all_zero(f, sizeof(*f)));
	memset(f, 0xa5, sizeof(*f));
	sn_frame_free_head(f);
	g = sn_frame_alloc_head();
	assert_ptr_equal(g, f); /* LIFO */
	assert_true(all_zero(g, sizeof(*g)));
	sn_frame_free(g, false); /* no ops: the head alone */
	sn_frame_free(NULL, true); /* ignored */
	local_bh_enable();
	struct sn_skb_cache_stats s = st();

	assert_int_equal(s.get, 2);
	assert_int_equal(s.put, 2);
	fini_checked();
}

/* sn_frame_alloc(): headroom, size, a fragment of the frag cache, released by sn_frame_free. */
static void test_alloc_layout_push_pull(void **state)
{
	(void)state;
	struct sn_frame *f;

	init(256, 2);
	local_bh_disable();
	f = sn_frame_alloc(1500);
	assert_non_null(f);
	assert_int_equal(sn_frame_headroom(f), SN_FRAME_HEADROOM);
	assert_int_equal(f->len, 0);
	assert_int_equal(sn_frame_tailroom(f), 1500);
	assert_true(f->buf_len >= 1500 + SN_FRAME_HEADROOM);
	assert_int_equal((uintptr_t)f->buf % 64, 0);
	assert_non_null(f->ops);
	assert_string_equal(f->ops->name, "frag");
	assert_ptr_equal(f->owner, (void *)CHUNK_OF(f->buf));
	assert_int_equal(st().chunks_in_use, 1);
	assert_int_equal(st().frag_alloc, 1);
	memset(f->data, 0x11, 1500);
	f->len = 1500;
	assert_int_equal(sn_frame_tailroom(f), 0);

	assert_int_equal(sn_frame_push(f, 4), 0);
	assert_int_equal(f->len, 1504);
	assert_int_equal(sn_frame_headroom(f), SN_FRAME_HEADROOM - 4);
	assert_int_equal(sn_frame_pull(f, 1505), -EINVAL);
	assert_int_equal(sn_frame_pull(f, 4), 0);
	assert_int_equal(sn_frame_push(f, SN_FRAME_HEADROOM + 1), -ENOSPC);
	assert_int_equal(sn_frame_headroom(f), SN_FRAME_HEADROOM);

	sn_frame_free(f, true);
	local_bh_enable();
	/* The chunk stays cached for the next fragment; no fragment is alive. */
	assert_int_equal(st().chunks_in_use, 1);
	fini_checked();
}

static void test_copy(void **state)
{
	(void)state;
	struct sn_frame *f, *c;

	init(256, 2);
	local_bh_disable();
	f = sn_frame_alloc(64);
	assert_non_null(f);
	for (int i = 0; i < 60; i++)
		f->data[i] = (uint8_t)i;
	f->len = 60;
	f->flags = SN_FRAME_F_VLAN;
	f->vlan_tci = 100;
	f->rxq = 3;
	f->dev = (struct sn_netdev *)0x1234;
	f->cb[0] = 99;
	c = sn_frame_copy(f);
	assert_non_null(c);
	assert_true(c->buf != f->buf);
	assert_int_equal(c->len, 60);
	assert_memory_equal(c->data, f->data, 60);
	assert_int_equal(sn_frame_headroom(c), SN_FRAME_HEADROOM);
	assert_int_equal(c->flags, SN_FRAME_F_VLAN);
	assert_int_equal(c->vlan_tci, 100);
	assert_int_equal(c->rxq, 3);
	assert_ptr_equal(c->dev, f->dev);
	assert_int_equal(c->cb[0], 0); /* scratch is not copied */
	f->data[0] = 0xff; /* independent buffers */
	assert_int_equal(c->data[0], 0);
	sn_frame_free(f, false);
	sn_frame_free(c, false);
	local_bh_enable();
	fini_checked();
}

/* A foreign buffer is released exactly once through its ops, with napi_direct passed on. */
static int released;
static bool released_direct;

static void test_release(struct sn_frame *f, bool napi_direct)
{
	assert_int_equal(f->handle, 42);
	released++;
	released_direct = napi_direct;
}

static const struct sn_frame_ops test_ops = { .name = "test", .release = test_release };

static void test_free_calls_release_once(void **state)
{
	(void)state;
	static uint8_t buf[256];

	init(256, 2);
	released = 0;
	for (int direct = 0; direct < 2; direct++) {
		local_bh_disable();
		struct sn_frame *f = sn_frame_alloc_head();

		assert_non_null(f);
		f->buf = buf;
		f->buf_len = sizeof(buf);
		f->data = buf + 64;
		f->ops = &test_ops;
		f->handle = 42;
		sn_frame_free(f, direct);
		local_bh_enable();
		assert_int_equal(released, direct + 1);
		assert_int_equal(released_direct, direct);
	}
	assert_int_equal(st().put, 2);
	fini_checked();
}

/* Out of heads: NULL, counted by the cache, no chunk consumed. */
static void test_no_head_returns_null(void **state)
{
	(void)state;
	struct sn_frame *f[32];

	init(32, 2); /* one bulk of 32 */
	local_bh_disable();
	for (int i = 0; i < 32; i++)
		assert_non_null(f[i] = sn_frame_alloc_head());
	assert_null(sn_frame_alloc_head());
	assert_null(sn_frame_alloc(100));
	assert_int_equal(st().refill_fail, 2);
	assert_int_equal(st().frag_alloc, 0);
	sn_frame_free_head(f[0]);
	struct sn_frame *g = sn_frame_alloc(100); /* works again */

	assert_non_null(g);
	assert_ptr_equal(g, f[0]);
	sn_frame_free(g, false);
	for (int i = 1; i < 32; i++)
		sn_frame_free_head(f[i]);
	local_bh_enable();
	fini_checked();
}

/* Out of chunks: NULL, and the head taken for it goes back (nothing leaked). */
static void test_no_buffer_returns_null_and_head_back(void **state)
{
	(void)state;
	struct sn_frame *big, *f;

	init(256, 1);
	local_bh_disable();
	big = sn_frame_alloc(SN_FRAG_CHUNK_SIZE - 64 - SN_FRAME_HEADROOM); /* the whole chunk */
	assert_non_null(big);
	assert_null(sn_frame_alloc(10));
	assert_null(sn_frame_alloc(SN_FRAG_CHUNK_SIZE)); /* never fits */
	struct sn_skb_cache_stats s = st();

	assert_int_equal(s.frag_fail, 1);
	assert_int_equal(s.get - s.put, 1); /* only big's head is out */
	sn_frame_free(big, false);
	assert_non_null(f = sn_frame_alloc(10));
	sn_frame_free(f, false);
	local_bh_enable();
	fini_checked();
}

/*
 * After a failed assertion cmocka jumps out of the test, perhaps inside local_bh_disable() (in
 * rt-bhlock holding this CPU's BH lock) or with the caches set up: undo that so the next case
 * does not deadlock or fail for the wrong reason.
 */
static int teardown(void **state)
{
	(void)state;
	while (softirq_count())
		local_bh_enable();
	sn_skb_cache_fini();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_head_zeroed, teardown),
		cmocka_unit_test_teardown(test_alloc_layout_push_pull, teardown),
		cmocka_unit_test_teardown(test_copy, teardown),
		cmocka_unit_test_teardown(test_free_calls_release_once, teardown),
		cmocka_unit_test_teardown(test_no_head_returns_null, teardown),
		cmocka_unit_test_teardown(test_no_buffer_returns_null_and_head_back, teardown),
	};

	return tu_run_per_profile("frame", tests);
}
