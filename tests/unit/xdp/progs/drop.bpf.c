// SPDX-License-Identifier: GPL-2.0-only
/* drop.bpf.c - XDP_DROP, in SEC("xdp.frags"), next to a non-XDP program the loader skips. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp.frags")
int xdp_drop(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}

SEC("tc")
int tc_other(struct __sk_buff *skb)
{
	(void)skb;
	return 0;
}

char _license[] SEC("license") = "GPL";
