// SPDX-License-Identifier: GPL-2.0-only
/*
 * diff_sink.bpf.c - the kernel side's capture for the differential suite (kernel only):
 * xdp_sink, attached natively on the peer of every veth the program under test can send out of,
 * copies each arriving frame (up to SINK_MAX bytes) with the interface it arrived on into the ring
 * buffer "frames" and drops it; xdp_fence, run with BPF_F_TEST_XDP_LIVE_FRAMES, sends a fence
 * frame out of the ifindex written in it, so that the capture of everything sent before it on that
 * veth is known to be complete once the fence itself is captured (one rx queue: FIFO).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define SINK_MAX 2048 /* DIFF_CAPTURE_MAX */

struct sink_rec {
	__u32 ifindex; /* the peer the frame arrived on */
	__u32 len;     /* the frame's full length */
	__u8 data[SINK_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} frames SEC(".maps");

SEC("xdp")
int xdp_sink(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	struct sink_rec *r = bpf_ringbuf_reserve(&frames, sizeof(*r), 0);

	if (!r)
		return XDP_DROP;
	r->ifindex = ctx->ingress_ifindex;
	r->len = len;
	if (len > SINK_MAX)
		len = SINK_MAX;
	if (len < 1 || bpf_xdp_load_bytes(ctx, 0, r->data, len))
		r->len = 0;
	bpf_ringbuf_submit(r, 0);
	return XDP_DROP;
}

/* The fence frame: bytes 16..19 hold the ifindex to send it out of. */
SEC("xdp")
int xdp_fence(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;
	__u32 ifindex;

	if (data + 20 > end)
		return XDP_DROP;
	__builtin_memcpy(&ifindex, data + 16, 4);
	return bpf_redirect(ifindex, 0);
}

char _license[] SEC("license") = "GPL";
