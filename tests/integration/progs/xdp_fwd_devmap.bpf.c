// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_fwd_devmap.bpf.c - forward every frame through the devmap "tx_port" (key 0), whose value
 * is the ifindex of the egress interface (softnetd: the kernel ifindex of the port's veth);
 * XDP_DROP when the entry is empty. The same object runs in softnetd and in the kernel.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 8);
} tx_port SEC(".maps");

SEC("xdp")
int xdp_fwd_devmap(struct xdp_md *ctx)
{
	(void)ctx;
	return bpf_redirect_map(&tx_port, 0, XDP_DROP);
}

char _license[] SEC("license") = "GPL";
