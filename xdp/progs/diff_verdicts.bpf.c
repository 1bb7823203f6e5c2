// SPDX-License-Identifier: GPL-2.0-only
/*
 * diff_verdicts.bpf.c - the plain verdicts for the differential suite (tests/differential):
 * pass, drop, aborted, and tx (source and destination MAC swapped, out of the rx interface).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}

/* ABORTED once the frame has been written to: the written byte must not matter to anyone. */
SEC("xdp")
int xdp_aborted(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;

	if (data + 1 <= end)
		data[0] ^= 0xff;
	return XDP_ABORTED;
}

/* XDP_TX with the MACs swapped; a frame without both MACs is dropped. */
SEC("xdp")
int xdp_tx(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;
	__u8 tmp[6];

	if (data + 12 > end)
		return XDP_DROP;
	__builtin_memcpy(tmp, data, 6);
	__builtin_memcpy(data, data + 6, 6);
	__builtin_memcpy(data + 6, tmp, 6);
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
