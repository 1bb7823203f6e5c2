// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_fwd.bpf.c - the kernel XDP peer of bench/fwd/run.sh: an IPv4 router in XDP.
 *
 * Attached (native XDP) to the forwarding namespace's ingress veth. For an IPv4 frame it asks the
 * kernel's FIB and neighbour table (bpf_fib_lookup(), the same routes and permanent neighbours the
 * kernel-forwarding case uses), decrements the TTL with an incremental checksum update, rewrites
 * both MACs and redirects through a DEVMAP_HASH keyed by ifindex (fwd_ports, filled by run.sh with
 * bpftool) - the kernel's devmap redirect, bulked and flushed at the end of the NAPI poll. What the
 * FIB cannot forward (no route, no neighbour, TTL <= 1, not IPv4) goes to the stack (XDP_PASS).
 *
 * The egress veth delivers only because its peer (the sink's veth) has an XDP program of its own.
 * Recycled generator frames: softnet-gen's live frames live in the BPF_PROG_TEST_RUN page pool
 * (batch-size pages per run) and are reused many times within one run; the kernel does not reset
 * their contents. A forwarder that edits the frame in place (this program; the kernel's
 * ip_forward, which decrements the TTL and writes the new MAC header into the same page) hands the
 * generator back an edited frame: after one reuse the destination MAC is b0's (dropped as
 * "otherhost"), after ~63 the TTL has run out. AF_XDP copy mode (softnetd, testpmd) copies the
 * frame and never edits the generator's page. So both kernel peers first restore what a forwarder
 * changes - destination MAC = f0's (GEN_DST_MAC, bench/fwd/lib.sh's MAC_F0) and TTL = 64 with the
 * header checksum recomputed - and count it in the cost they are measured with.
 *
 * Built by run.sh: clang -O2 -g -target bpf -c xdp_fwd.bpf.c.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef AF_INET
#define AF_INET 2
#endif

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} fwd_ports SEC(".maps");

/* ip_decrease_ttl() of include/net/ip.h: the checksum changes by one in the TTL's byte. */
static __always_inline void ttl_dec(struct iphdr *ip)
{
	__u32 check = ip->check;

	check += bpf_htons(0x0100);
	ip->check = (__u16)(check + (check >= 0xFFFF));
	ip->ttl--;
}

#define GEN_TTL 64
static const unsigned char gen_dst_mac[ETH_ALEN] = {0x02, 0xf0, 0x00, 0x00, 0x00, 0x00};

/* Undo what the previous use of this generator page had done to it (see the top comment). */
static __always_inline int restore(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u16 *w = (__u16 *)ip;
	__u32 sum = 0;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5)
		return -1;
	__builtin_memcpy(eth->h_dest, gen_dst_mac, ETH_ALEN);
	ip->ttl = GEN_TTL;
	ip->check = 0;
#pragma unroll
	for (int i = 0; i < 10; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->check = (__u16)~sum;
	return 0;
}

SEC("xdp")
int xdp_fwd(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct bpf_fib_lookup fib = {};
	struct iphdr *ip;
	long rc;

	if (restore(data, data_end))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->ttl <= 1)
		return XDP_PASS;
	fib.family = AF_INET;
	fib.tos = ip->tos;
	fib.l4_protocol = ip->protocol;
	fib.tot_len = bpf_ntohs(ip->tot_len);
	fib.ipv4_src = ip->saddr;
	fib.ipv4_dst = ip->daddr;
	fib.ifindex = ctx->ingress_ifindex;
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return XDP_PASS;
	if (!bpf_map_lookup_elem(&fwd_ports, &fib.ifindex))
		return XDP_PASS;
	ttl_dec(ip);
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	return bpf_redirect_map(&fwd_ports, fib.ifindex, 0);
}

char _license[] SEC("license") = "GPL";

/*
 * For the kernel-forwarding peer: f0 must have an XDP program to take the generator's
 * XDP-redirected frames at all (veth), and GRO instead would merge the UDP flows into super-frames
 * before the kernel forwards them. This one restores the recycled frame and passes it to the stack.
 */
SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	restore((void *)(long)ctx->data, (void *)(long)ctx->data_end);
	return XDP_PASS;
}
