// SPDX-License-Identifier: GPL-2.0-only
/*
 * diff_fwd.bpf.c - map-driven forwarding for the differential suite: parse Ethernet, up to two
 * VLAN tags, IPv4 (header length and total length checked) or IPv6 (hop-by-hop, routing,
 * destination-options and fragment extension headers walked, at most 4), take the L4 destination
 * port when there is one; then look the IPv4 destination up in an LPM trie or the IPv6 flow label
 * bucket in a hash, and forward through a devmap_hash (XDP_PASS on a miss: the fallback action).
 * Malformed frames are dropped (truncated headers, bad lengths), ARP passes.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct lpm_v4 {
	__u32 prefixlen;
	__u32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct lpm_v4);
	__type(value, __u32); /* key of fwd_ports */
	__uint(max_entries, 16);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} routes_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);   /* last byte of the IPv6 destination */
	__type(value, __u32); /* key of fwd_ports */
	__uint(max_entries, 16);
} routes_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 8);
} fwd_ports SEC(".maps");

/* Per-verdict reason counters would differ in no way between the two sides: none kept. */

#define VLAN_HLEN 4
#define IPV6_EXT_MAX 4

static __always_inline int fwd_to(__u32 *port)
{
	if (!port)
		return XDP_PASS;
	return bpf_redirect_map(&fwd_ports, *port, XDP_PASS);
}

static __always_inline int fwd_v4(__u8 *p, __u8 *end)
{
	struct iphdr *ip = (void *)p;
	struct lpm_v4 key;
	__u32 ihl;

	if ((void *)(ip + 1) > (void *)end)
		return XDP_DROP;
	ihl = ip->ihl * 4u;
	if (ip->version != 4 || ihl < sizeof(*ip) || p + ihl > end)
		return XDP_DROP;
	if (bpf_ntohs(ip->tot_len) < ihl || p + bpf_ntohs(ip->tot_len) > end)
		return XDP_DROP;
	if (ip->ttl <= 1)
		return XDP_PASS;
	key.prefixlen = 32;
	key.addr = ip->daddr;
	return fwd_to(bpf_map_lookup_elem(&routes_v4, &key));
}

static __always_inline int fwd_v6(__u8 *p, __u8 *end)
{
	struct ipv6hdr *ip6 = (void *)p;
	__u8 nexthdr;
	__u32 key;

	if ((void *)(ip6 + 1) > (void *)end)
		return XDP_DROP;
	if (ip6->version != 6 || p + sizeof(*ip6) + bpf_ntohs(ip6->payload_len) > end)
		return XDP_DROP;
	nexthdr = ip6->nexthdr;
	p += sizeof(*ip6);
#pragma unroll
	for (int i = 0; i < IPV6_EXT_MAX; i++) {
		if (nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
		    nexthdr == IPPROTO_DSTOPTS) {
			if (p + 8 > end)
				return XDP_DROP;
			nexthdr = p[0];
			p += (p[1] + 1) * 8;
		} else if (nexthdr == IPPROTO_FRAGMENT) {
			if (p + 8 > end)
				return XDP_DROP;
			nexthdr = p[0];
			p += 8;
		} else {
			break;
		}
	}
	if (p > end)
		return XDP_DROP;
	if (nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	    nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_FRAGMENT)
		return XDP_ABORTED; /* too many extension headers: refuse loudly */
	if (ip6->hop_limit <= 1)
		return XDP_PASS;
	key = ip6->daddr.in6_u.u6_addr8[15];
	return fwd_to(bpf_map_lookup_elem(&routes_v6, &key));
}

SEC("xdp")
int xdp_fwd(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *end = (void *)(long)ctx->data_end;
	__u8 *p = data + ETH_HLEN;
	__u16 proto;

	if (p > end)
		return XDP_DROP;
	proto = ((struct ethhdr *)data)->h_proto;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if (p + VLAN_HLEN > end)
			return XDP_DROP;
		proto = *(__u16 *)(p + 2);
		p += VLAN_HLEN;
	}
	if (proto == bpf_htons(ETH_P_IP))
		return fwd_v4(p, end);
	if (proto == bpf_htons(ETH_P_IPV6))
		return fwd_v6(p, end);
	if (proto == bpf_htons(ETH_P_ARP))
		return XDP_PASS;
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
