// SPDX-License-Identifier: GPL-2.0-only
/*
 * calls_jmp32.bpf.c - bpf-to-bpf calls (a .text subprogram taking ctx, called twice, and one
 * calling another) and JMP32 compares (-mcpu=v3): kept as they are by the loader.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__attribute__((noinline)) int pkt_len(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	return end - data;
}

__attribute__((noinline)) int classify(struct xdp_md *ctx, int bias)
{
	int n = pkt_len(ctx) + bias;

	if ((__u32)n > 1000)
		return XDP_DROP;
	if ((__s32)n < 60)
		return XDP_ABORTED;
	return XDP_PASS;
}

SEC("xdp")
int xdp_calls(struct xdp_md *ctx)
{
	__u32 q = ctx->rx_queue_index;
	int v = classify(ctx, (int)q);

	if (v == XDP_PASS && pkt_len(ctx) == 64)
		return XDP_TX;
	return v;
}

SEC("xdp")
int xdp_calls2(struct xdp_md *ctx)
{
	return classify(ctx, 1);
}

char _license[] SEC("license") = "GPL";
