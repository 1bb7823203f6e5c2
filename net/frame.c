// SPDX-License-Identifier: GPL-2.0-only
/*
 * frame.c - frame heads from the napi_alloc_cache, and frames whose buffer is a fragment of the
 * per-CPU frag cache (napi_alloc_skb() in spirit: head and data both from the per-CPU cache).
 */
#include <string.h>

#include "bhlock/compiler.h"
#include "bhlock/fail_alloc.h"
#include "net/frame.h"
#include "net/skb_cache.h"

/* The stash of the poll the calling task runs, or NULL (frame.h). Only its task touches it. */
static __thread struct sn_frame_stash *frame_stash;

bool sn_frame_stash_begin(struct sn_frame_stash *s)
{
	if (frame_stash)
		return false;
	s->n = 0;
	frame_stash = s;
	return true;
}

void sn_frame_stash_end(struct sn_frame_stash *s)
{
	if (s->n)
		sn_skb_cache_put_bulk(s->heads, s->n);
	s->n = 0;
	frame_stash = NULL;
}

static __always_inline void *frame_head_get(void)
{
	struct sn_frame_stash *s = frame_stash;

	if (!s)
		return sn_skb_cache_get();
	/* Fault injection per head, as sn_skb_cache_get() does. */
	if (unlikely(fail_alloc(FAIL_ALLOC_SKB_HEADS)))
		return NULL;
	if (unlikely(!s->n)) {
		s->n = sn_skb_cache_get_bulk(s->heads, SN_FRAME_STASH_BULK);
		if (unlikely(!s->n))
			return NULL;
	}
	return s->heads[--s->n];
}

static __always_inline void frame_head_put(struct sn_frame *f)
{
	struct sn_frame_stash *s = frame_stash;

	if (!s) {
		sn_skb_cache_put(f);
		return;
	}
	if (unlikely(s->n == SN_FRAME_STASH_MAX)) {
		/* Full: the oldest (coldest) half goes back; the newest stay on top. */
		sn_skb_cache_put_bulk(s->heads, SN_FRAME_STASH_BULK);
		memmove(s->heads, s->heads + SN_FRAME_STASH_BULK,
			(SN_FRAME_STASH_MAX - SN_FRAME_STASH_BULK) * sizeof(s->heads[0]));
		s->n -= SN_FRAME_STASH_BULK;
	}
	s->heads[s->n++] = f;
}

struct sn_frame *sn_frame_alloc_head(void)
{
	struct sn_frame *f = frame_head_get();

	if (likely(f))
		memset(f, 0, sizeof(*f));
	return f;
}

void sn_frame_free_head(struct sn_frame *f)
{
	frame_head_put(f);
}

void sn_frame_free(struct sn_frame *f, bool napi_direct)
{
	if (!f)
		return;
	if (f->ops && f->ops->release)
		f->ops->release(f, napi_direct);
	frame_head_put(f);
}

/* A fragment goes back to its chunk: one atomic, from any context. */
static void sn_frag_frame_release(struct sn_frame *f, bool napi_direct)
{
	(void)napi_direct;
	sn_frag_free(f->buf);
}

static const struct sn_frame_ops sn_frag_frame_ops = {
	.name = "frag",
	.release = sn_frag_frame_release,
};

struct sn_frame *sn_frame_alloc(uint32_t size)
{
	struct sn_frame *f;
	uint8_t *buf;

	if (unlikely(size > SN_FRAG_CHUNK_SIZE - SN_FRAME_HEADROOM))
		return NULL;
	f = sn_frame_alloc_head();
	if (unlikely(!f))
		return NULL;
	buf = sn_frag_alloc(size + SN_FRAME_HEADROOM);
	if (unlikely(!buf)) {
		frame_head_put(f);
		return NULL;
	}
	f->buf = buf;
	f->buf_len = size + SN_FRAME_HEADROOM;
	f->data = buf + SN_FRAME_HEADROOM;
	f->len = 0;
	f->ops = &sn_frag_frame_ops;
	/* The chunk the fragment was cut from (chunks are aligned to their size). */
	f->owner = (void *)((uintptr_t)buf & ~(uintptr_t)(SN_FRAG_CHUNK_SIZE - 1));
	return f;
}

struct sn_frame *sn_frame_copy(const struct sn_frame *f)
{
	struct sn_frame *c = sn_frame_alloc(f->len);

	if (unlikely(!c))
		return NULL;
	memcpy(c->data, f->data, f->len);
	c->len = f->len;
	c->flags = f->flags & SN_FRAME_F_VLAN;
	c->vlan_tci = f->vlan_tci;
	c->dev = f->dev;
	c->rxq = f->rxq;
	return c;
}
