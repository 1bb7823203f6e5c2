// SPDX-License-Identifier: GPL-2.0-only
/* pass.bpf.c - XDP_PASS; reads every xdp_md field so that the loader's ctx rewrite is seen. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 6);
} pass_fields SEC(".maps");

static __always_inline void put(__u32 k, __u64 v)
{
	__u64 *p = bpf_map_lookup_elem(&pass_fields, &k);

	if (p)
		*p = v;
}

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	put(0, ctx->data_end - ctx->data);
	put(1, ctx->data - ctx->data_meta);
	put(2, ctx->ingress_ifindex);
	put(3, ctx->rx_queue_index);
	put(4, ctx->egress_ifindex);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
