// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_bench.bpf.c - the programs of the XDP benchmarks (bench/xdp/), run unchanged by softnetd
 * (JIT and interpreter) and by the kernel (BPF_PROG_TEST_RUN, native XDP on veth).
 *
 * Built with clang -mcpu=v2: librte_bpf 22.11 refuses JMP32 (v3), and a program the JIT refuses
 * would measure the interpreter twice.
 *
 *   xdp_pass, xdp_drop      the verdict alone
 *   xdp_tx_swap             swap the Ethernet addresses, XDP_TX
 *   xdp_redirect_devmap     bpf_redirect_map(&tx_port, 0, 0) (key 0 set by the harness)
 *   xdp_lookup_heavy        8 hash lookups keyed by the IPv4 source plus i, a per-CPU counter
 *                           updated with the sum; XDP_DROP (the harness fills "table")
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 4);
} tx_port SEC(".maps");

#define TABLE_SIZE 1024

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, TABLE_SIZE);
} table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} hits SEC(".maps");

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}

SEC("xdp")
int xdp_tx_swap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	unsigned char tmp[ETH_ALEN];

	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	__builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
	return XDP_TX;
}

SEC("xdp")
int xdp_redirect_devmap(struct xdp_md *ctx)
{
	(void)ctx;
	return bpf_redirect_map(&tx_port, 0, 0);
}

SEC("xdp")
int xdp_lookup_heavy(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	unsigned char *end = (void *)(long)ctx->data_end;
	__u32 zero = 0, base;
	__u64 sum = 0, *c;

	if (data + ETH_HLEN + 20 > end)
		return XDP_DROP;
	/* The IPv4 source address (byte order does not matter: it only spreads the keys). */
	base = data[26] | data[27] << 8 | data[28] << 16 | (__u32)data[29] << 24;
#pragma unroll
	for (int i = 0; i < 8; i++) {
		__u32 k = (base + (__u32)i * 97) & (TABLE_SIZE - 1);
		__u64 *v = bpf_map_lookup_elem(&table, &k);

		if (v)
			sum += *v;
	}
	c = bpf_map_lookup_elem(&hits, &zero);
	if (c)
		*c += sum;
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
