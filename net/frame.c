// SPDX-License-Identifier: GPL-2.0-only
/*
 * frame.c - frame heads from the napi_alloc_cache, and frames whose buffer is a fragment of the
 * per-CPU frag cache (napi_alloc_skb() in spirit: head and data both from the per-CPU cache).
 */
#include <string.h>

#include "bhlock/compiler.h"
#include "net/frame.h"
#include "net/skb_cache.h"

struct sn_frame *sn_frame_alloc_head(void)
{
	struct sn_frame *f = sn_skb_cache_get();

	if (likely(f))
		memset(f, 0, sizeof(*f));
	return f;
}

void sn_frame_free_head(struct sn_frame *f)
{
	sn_skb_cache_put(f);
}

void sn_frame_free(struct sn_frame *f, bool napi_direct)
{
	if (!f)
		return;
	if (f->ops && f->ops->release)
		f->ops->release(f, napi_direct);
	sn_skb_cache_put(f);
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
		sn_skb_cache_put(f);
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
