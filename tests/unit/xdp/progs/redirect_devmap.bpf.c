// SPDX-License-Identifier: GPL-2.0-only
/*
 * redirect_devmap.bpf.c - XDP_REDIRECT through a devmap (bpf_redirect_map) or by device index
 * (bpf_redirect), the key, flags (fallback action in the low bits) and index taken from the
 * one-entry array "cfg"; and two tagging programs used to replace one program by the other under
 * traffic (each adds its id to one byte of the frame and passes it).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct cfg {
	__u32 key;
	__u32 flags;
	__u32 ifindex;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct cfg);
	__uint(max_entries, 1);
} cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 8);
} tx_port SEC(".maps");

#define TAG_OFF 21

SEC("xdp")
int xdp_redirect_devmap(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct cfg *c = bpf_map_lookup_elem(&cfg, &zero);

	(void)ctx;
	if (!c)
		return XDP_ABORTED;
	return bpf_redirect_map(&tx_port, c->key, c->flags);
}

SEC("xdp")
int xdp_redirect_ifindex(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct cfg *c = bpf_map_lookup_elem(&cfg, &zero);

	(void)ctx;
	if (!c)
		return XDP_ABORTED;
	return bpf_redirect(c->ifindex, 0);
}

static __always_inline int tag(struct xdp_md *ctx, __u8 id)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;

	if (data + TAG_OFF + 1 > end)
		return XDP_ABORTED;
	data[TAG_OFF] += id;
	return XDP_PASS;
}

SEC("xdp")
int xdp_tag1(struct xdp_md *ctx)
{
	return tag(ctx, 1);
}

SEC("xdp")
int xdp_tag2(struct xdp_md *ctx)
{
	return tag(ctx, 2);
}

char _license[] SEC("license") = "GPL";
