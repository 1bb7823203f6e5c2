// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_soak.bpf.c - the program bench/soak/run.sh attaches to and detaches from softnetd's ingress
 * port every few seconds while traffic flows: it counts frames per class (IPv4, IPv6, other) in
 * a per-CPU array and passes every frame on (XDP_PASS), so forwarding goes on whether it is
 * attached or not, and each attach loads an object with a map of its own.
 *
 * Built by run.sh with clang -target bpf (no vmlinux.h: the few types it needs are below).
 */
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u64 __be64;
typedef __u32 __wsum;
typedef __u16 __sum16;

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

enum { SOAK_MAP_PERCPU_ARRAY = 6 };
enum { SOAK_XDP_PASS = 2 };
enum { SOAK_IPV4, SOAK_IPV6, SOAK_OTHER, SOAK_NR };

struct xdp_md {
	__u32 data;
	__u32 data_end;
	__u32 data_meta;
	__u32 ingress_ifindex;
	__u32 rx_queue_index;
	__u32 egress_ifindex;
};

struct {
	__uint(type, SOAK_MAP_PERCPU_ARRAY);
	__uint(max_entries, SOAK_NR);
	__type(key, __u32);
	__type(value, __u64);
} soak_classes SEC(".maps");

SEC("xdp")
int xdp_soak(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 key = SOAK_OTHER;
	__be16 proto;
	__u64 *n;

	if (data + 14 > end)
		goto count;
	proto = *(__be16 *)(data + 12);
	if (proto == bpf_htons(0x0800))
		key = SOAK_IPV4;
	else if (proto == bpf_htons(0x86dd))
		key = SOAK_IPV6;
count:
	n = bpf_map_lookup_elem(&soak_classes, &key);
	if (n)
		*n += 1;
	return SOAK_XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
