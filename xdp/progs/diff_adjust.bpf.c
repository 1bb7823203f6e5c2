// SPDX-License-Identifier: GPL-2.0-only
/*
 * diff_adjust.bpf.c - bpf_xdp_adjust_head/_tail/_meta for the differential suite. The delta
 * comes from the frame (its byte 14, or 0 for a shorter frame: a runt asks for no change), so the
 * corpus sweeps growth and shrinking, refusals included (-EINVAL below 14 bytes, -EACCES for a
 * misaligned or oversized metadata area). The helper's return value is written into the frame
 * (first byte), then the frame goes back out (XDP_TX) so that its bytes are seen at the port; a
 * frame too short to carry the result is dropped.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __always_inline int delta_byte(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;

	if (data + 15 > end)
		return 0;
	return data[14];
}

static __always_inline int report(struct xdp_md *ctx, long rc)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;

	if (data + 1 > end)
		return XDP_DROP;
	data[0] = (__u8)rc;
	return XDP_TX;
}

/*
 * Head: -64..+63 (negative grows the frame into the headroom). The bytes a growth exposes hold
 * whatever the buffer held before (stale frames in the kernel's page pool): the program writes
 * them, as any program that grows a frame must.
 */
SEC("xdp")
int xdp_adjust_head(struct xdp_md *ctx)
{
	int delta = (delta_byte(ctx) & 127) - 64;
	long rc = bpf_xdp_adjust_head(ctx, delta);
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;

	if (!rc && delta < 0) {
		for (int i = 0; i < 64; i++) {
			if (i >= -delta || data + i + 1 > end)
				break;
			data[i] = (__u8)(0xa0 + i);
		}
	}
	return report(ctx, rc);
}

/* Tail: -64..+63 (positive grows the frame, zero-filled). */
SEC("xdp")
int xdp_adjust_tail(struct xdp_md *ctx)
{
	int delta = (delta_byte(ctx) & 127) - 64;

	return report(ctx, bpf_xdp_adjust_tail(ctx, delta));
}

/*
 * Meta: grow the metadata area by 0..63 bytes (sizes that are no multiple of 4 refused),
 * write a marker into it, copy its first 4 bytes (or the helper's error) into the frame.
 */
SEC("xdp")
int xdp_adjust_meta(struct xdp_md *ctx)
{
	int grow = delta_byte(ctx) & 63;
	long rc = bpf_xdp_adjust_meta(ctx, -grow);
	__u8 *data = (void *)(long)ctx->data;
	__u8 *meta = (void *)(long)ctx->data_meta;
	__u8 *end = (void *)(long)ctx->data_end;

	if (rc)
		return report(ctx, rc);
	if (meta + 4 <= data) {
		__u32 mark = 0x5eed0000u | (__u32)grow;

		__builtin_memcpy(meta, &mark, 4);
	}
	meta = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + 5 > end)
		return XDP_DROP;
	if (meta + 4 <= data)
		__builtin_memcpy(data + 1, meta, 4);
	data[0] = (__u8)grow;
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
