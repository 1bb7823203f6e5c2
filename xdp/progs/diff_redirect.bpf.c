// SPDX-License-Identifier: GPL-2.0-only
/*
 * diff_redirect.bpf.c - XDP_REDIRECT in every form for the differential suite: bpf_redirect() to
 * an ifindex, bpf_redirect_map() into a devmap, a devmap_hash and a cpumap, and broadcast with and
 * without BPF_F_EXCLUDE_INGRESS. The key comes from the frame (its last byte, so that malformed
 * and short frames pick keys too, misses included); the fallback action of a miss and the target
 * of bpf_redirect() come from the one-entry array "cfg". Map contents are the suite's: kernel
 * ifindexes of its veths, the same numbers in the kernel and in softnetd.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct cfg {
	__u32 ifindex;  /* bpf_redirect() target */
	__u32 fallback; /* low bits of bpf_redirect_map()'s flags: the action of a miss */
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
} dev_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 8);
} hash_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
	__uint(max_entries, 4);
} cpus SEC(".maps");

static __always_inline struct cfg *get_cfg(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cfg, &zero);
}

/* The frame's last byte (0 for an empty frame). */
static __always_inline __u32 last_byte(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;

	__u32 off = (__u32)bpf_xdp_get_buff_len(ctx) - 1;

	if (off > 0x3fff)
		return 0; /* empty frame (and a bound the verifier can use) */
	data += off;
	if (data + 1 > end)
		return 0;
	return *data;
}

SEC("xdp")
int xdp_redirect_ifindex(struct xdp_md *ctx)
{
	struct cfg *c = get_cfg();

	(void)ctx;
	if (!c)
		return XDP_ABORTED;
	return bpf_redirect(c->ifindex, 0);
}

/* Keys 0..15 over an 8-slot devmap: slots past the map and empty slots miss. */
SEC("xdp")
int xdp_redirect_devmap(struct xdp_md *ctx)
{
	struct cfg *c = get_cfg();

	if (!c)
		return XDP_ABORTED;
	return bpf_redirect_map(&dev_ports, last_byte(ctx) & 15, c->fallback);
}

/* Keys are the byte itself: the suite fills a few scattered keys. */
SEC("xdp")
int xdp_redirect_devmap_hash(struct xdp_md *ctx)
{
	struct cfg *c = get_cfg();

	if (!c)
		return XDP_ABORTED;
	return bpf_redirect_map(&hash_ports, last_byte(ctx), c->fallback);
}

SEC("xdp")
int xdp_redirect_cpumap(struct xdp_md *ctx)
{
	struct cfg *c = get_cfg();

	if (!c)
		return XDP_ABORTED;
	return bpf_redirect_map(&cpus, last_byte(ctx) & 3, c->fallback);
}

SEC("xdp")
int xdp_broadcast(struct xdp_md *ctx)
{
	(void)ctx;
	return bpf_redirect_map(&dev_ports, 0, BPF_F_BROADCAST);
}

SEC("xdp")
int xdp_broadcast_excl(struct xdp_md *ctx)
{
	(void)ctx;
	return bpf_redirect_map(&dev_ports, 0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
}

char _license[] SEC("license") = "GPL";
