// SPDX-License-Identifier: GPL-2.0-only
/*
 * diff_egress.bpf.c - a devmap entry's egress program in the differential suite: xdp_redirect_
 * egress redirects into "egress_ports" (key: the frame's last byte & 7; keys 5..7 are empty and
 * take cfg's fallback), whose entries all carry xdp_egress (SEC("xdp/devmap"); each side puts its
 * own reference to it, a kernel fd or a softnetd id: maps_plan.h). xdp_egress writes
 * egress_ifindex into source MAC bytes 6..9 and ingress_ifindex's low 16 bits into 10..11, and by
 * the destination MAC's last byte drops (& 3 == 3) or returns XDP_TX (& 3 == 2), which a devmap
 * program may not (the kernel drops the frame); frames under 14 bytes pass unchanged.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct cfg {
	__u32 ifindex;
	__u32 fallback;
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
	__type(value, struct bpf_devmap_val);
	__uint(max_entries, 8);
} egress_ports SEC(".maps");

/* The frame's last byte (0 for an empty frame). */
static __always_inline __u32 last_byte(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;
	__u32 off = (__u32)bpf_xdp_get_buff_len(ctx) - 1;

	if (off > 0x3fff)
		return 0;
	data += off;
	if (data + 1 > end)
		return 0;
	return *data;
}

SEC("xdp")
int xdp_redirect_egress(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct cfg *c = bpf_map_lookup_elem(&cfg, &zero);

	if (!c)
		return XDP_ABORTED;
	return bpf_redirect_map(&egress_ports, last_byte(ctx) & 7, c->fallback);
}

SEC("xdp/devmap")
int xdp_egress(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;
	__u32 out = ctx->egress_ifindex, in = ctx->ingress_ifindex;

	if (data + 14 > end)
		return XDP_PASS;
	if ((data[5] & 3) == 3)
		return XDP_DROP;
	if ((data[5] & 3) == 2)
		return XDP_TX;
	__builtin_memcpy(data + 6, &out, 4);
	data[10] = (__u8)in;
	data[11] = (__u8)(in >> 8);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
