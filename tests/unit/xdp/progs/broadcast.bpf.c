// SPDX-License-Identifier: GPL-2.0-only
/*
 * broadcast.bpf.c - XDP_REDIRECT to every port of the devmap "ports" (BPF_F_BROADCAST), with
 * BPF_F_EXCLUDE_INGRESS when the one-entry array "cfg" says so.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
} cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 8);
} ports SEC(".maps");

SEC("xdp")
int xdp_broadcast(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u32 *exclude = bpf_map_lookup_elem(&cfg, &zero);
	__u64 flags = BPF_F_BROADCAST;

	(void)ctx;
	if (exclude && *exclude)
		flags |= BPF_F_EXCLUDE_INGRESS;
	return bpf_redirect_map(&ports, 0, flags);
}

char _license[] SEC("license") = "GPL";
