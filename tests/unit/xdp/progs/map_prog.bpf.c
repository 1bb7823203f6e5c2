// SPDX-License-Identifier: GPL-2.0-only
/*
 * map_prog.bpf.c - programs held by devmap and cpumap entries: two XDP programs redirect into
 * an 8-byte-value devmap (key cfg.key) or cpumap (key cfg.cpu); the devmap entry's egress
 * program (SEC("xdp/devmap")) writes egress_ifindex into source MAC bytes 6..9 and the low 16
 * bits of ingress_ifindex into bytes 10..11, or by the frame's source byte (offset 20) drops
 * (1), returns XDP_REDIRECT (2) or XDP_TX (3), which a devmap program may not; the cpumap entry's
 * program (SEC("xdp/cpumap")) drops source 1, returns XDP_TX for source 3 and otherwise tags
 * byte 21 with 0xc0 | ingress_ifindex's low 4 bits and passes the frame to the stack.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct cfg {
	__u32 key;
	__u32 cpu;
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
} tx_port SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
	__uint(max_entries, 8);
} cpu_map SEC(".maps");

#define SRC_OFF 20
#define TAG_OFF 21

SEC("xdp")
int xdp_to_devmap(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct cfg *c = bpf_map_lookup_elem(&cfg, &zero);

	(void)ctx;
	if (!c)
		return XDP_ABORTED;
	return bpf_redirect_map(&tx_port, c->key, 0);
}

SEC("xdp")
int xdp_to_cpumap(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct cfg *c = bpf_map_lookup_elem(&cfg, &zero);

	(void)ctx;
	if (!c)
		return XDP_ABORTED;
	return bpf_redirect_map(&cpu_map, c->cpu, 0);
}

SEC("xdp/devmap")
int xdp_egress(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;
	__u32 out = ctx->egress_ifindex, in = ctx->ingress_ifindex;

	if (data + TAG_OFF + 1 > end)
		return XDP_ABORTED;
	if (data[SRC_OFF] == 1)
		return XDP_DROP;
	if (data[SRC_OFF] == 2)
		return XDP_REDIRECT;
	if (data[SRC_OFF] == 3)
		return XDP_TX;
	__builtin_memcpy(data + 6, &out, 4);
	data[10] = (__u8)in;
	data[11] = (__u8)(in >> 8);
	return XDP_PASS;
}

SEC("xdp/cpumap")
int xdp_cpu(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;

	if (data + TAG_OFF + 1 > end)
		return XDP_ABORTED;
	if (data[SRC_OFF] == 1)
		return XDP_DROP;
	if (data[SRC_OFF] == 3)
		return XDP_TX;
	data[TAG_OFF] = (__u8)(0xc0 | (ctx->ingress_ifindex & 0xf));
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
