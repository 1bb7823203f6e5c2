// SPDX-License-Identifier: GPL-2.0-only
/*
 * adjust.bpf.c - xdp_adjust_head/meta/tail, steered by the first payload byte after the
 * Ethernet header (byte 14): 1 push a 4-byte tag in front, 2 pull 4 bytes, 3 put 8 bytes of
 * metadata, 4 grow the tail by 16, 5 cut the tail by 16, 6 try to push past the headroom
 * (must fail). Each case writes a marker into the new bytes and returns PASS, or DROP when the
 * helper refused.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_adjust(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	unsigned char op;

	if (data + 15 > end)
		return XDP_ABORTED;
	op = *(unsigned char *)(data + 14);
	switch (op) {
	case 1:
		if (bpf_xdp_adjust_head(ctx, -4))
			return XDP_DROP;
		data = (void *)(long)ctx->data;
		end = (void *)(long)ctx->data_end;
		if (data + 4 > end)
			return XDP_ABORTED;
		*(__u32 *)data = 0xaabbccdd;
		return XDP_PASS;
	case 2:
		return bpf_xdp_adjust_head(ctx, 4) ? XDP_DROP : XDP_PASS;
	case 3: {
		__u32 *meta;

		if (bpf_xdp_adjust_meta(ctx, -8))
			return XDP_DROP;
		meta = (void *)(long)ctx->data_meta;
		data = (void *)(long)ctx->data;
		if ((void *)(meta + 2) > data)
			return XDP_ABORTED;
		meta[0] = 0x11111111;
		meta[1] = 0x22222222;
		return XDP_PASS;
	}
	case 4:
		if (bpf_xdp_adjust_tail(ctx, 16))
			return XDP_DROP;
		end = (void *)(long)ctx->data_end;
		data = (void *)(long)ctx->data;
		if (data + 16 > end)
			return XDP_ABORTED;
		*(unsigned char *)(end - 1) = 0xee;
		return XDP_PASS;
	case 5:
		return bpf_xdp_adjust_tail(ctx, -16) ? XDP_DROP : XDP_PASS;
	case 6:
		return bpf_xdp_adjust_head(ctx, -4096) ? XDP_DROP : XDP_PASS;
	}
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
