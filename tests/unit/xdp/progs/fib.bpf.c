// SPDX-License-Identifier: GPL-2.0-only
/*
 * fib.bpf.c - bpf_fib_lookup() on each IPv4/IPv6 frame, with the ingress ifindex, flags and
 * tot_len taken from the one-entry array "req" (0 tot_len: the frame's own), and the helper's
 * return value and its whole struct bpf_fib_lookup stored in "res" for the test to read.
 * The frame is dropped.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define AF_INET 2
#define AF_INET6 10

struct req {
	__u32 ifindex;
	__u32 flags;
	__u32 tot_len;
	__u32 pad;
};

struct res {
	__s64 rc;
	struct bpf_fib_lookup p;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct req);
	__uint(max_entries, 1);
} req SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct res);
	__uint(max_entries, 1);
} res SEC(".maps");

SEC("xdp")
int xdp_fib(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 zero = 0;
	struct req *q = bpf_map_lookup_elem(&req, &zero);
	struct res *r = bpf_map_lookup_elem(&res, &zero);

	if (!q || !r || (void *)(eth + 1) > end)
		return XDP_ABORTED;
	__builtin_memset(&r->p, 0, sizeof(r->p));
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end)
			return XDP_ABORTED;
		r->p.family = AF_INET;
		r->p.ipv4_src = ip->saddr;
		r->p.ipv4_dst = ip->daddr;
		r->p.tot_len = bpf_ntohs(ip->tot_len);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end)
			return XDP_ABORTED;
		r->p.family = AF_INET6;
		__builtin_memcpy(r->p.ipv6_src, &ip6->saddr, 16);
		__builtin_memcpy(r->p.ipv6_dst, &ip6->daddr, 16);
		r->p.tot_len = bpf_ntohs(ip6->payload_len) + 40;
	} else {
		return XDP_PASS;
	}
	if (q->tot_len)
		r->p.tot_len = (__u16)q->tot_len;
	r->p.ifindex = q->ifindex;
	r->rc = bpf_fib_lookup(ctx, &r->p, sizeof(r->p), q->flags);
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
