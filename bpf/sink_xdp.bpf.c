// SPDX-License-Identifier: GPL-2.0-only
/*
 * sink_xdp.bpf.c - the traffic sink's XDP program (softnet-gen recv).
 *
 * Attached to the receiving interface. A frame whose UDP payload starts with the generator's magic
 * (layout in gen_xdp.bpf.c: magic (8) | seq (__u32) | ts (__u32, low bits of ktime ns), network
 * order) is counted and dropped; every other frame goes on to the stack (XDP_PASS), so ARP and
 * neighbour discovery keep working on the sink's interface.
 *
 * Counters are per CPU (sink_stats, one element): packets, bytes, reordered (seq older than the
 * newest this CPU has seen, serial-number arithmetic so the 32-bit seq may wrap), duplicates (a
 * seq seen again within the last SINK_DUP_WINDOW frames on this CPU), min/max latency and a log2
 * histogram of the latency: bucket b holds deltas in [2^(b-1), 2^b) ns, bucket 0 holds 0.
 * Latency is now - ts on the 32-bit clock, so it is only meaningful below ~4.29 s.
 * Userspace sums the CPUs; min/max/histogram are merged there.
 *
 * Frames are parsed through Ethernet, up to two VLAN tags, IPv4 (any IHL, not fragmented) or IPv6
 * (UDP as the first next header), UDP.
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

enum { SN_BPF_MAP_TYPE_PERCPU_ARRAY = 6 };
enum { SN_XDP_ABORTED = 0, SN_XDP_DROP = 1, SN_XDP_PASS = 2 };

struct xdp_md {
	__u32 data;
	__u32 data_end;
	__u32 data_meta;
	__u32 ingress_ifindex;
	__u32 rx_queue_index;
	__u32 egress_ifindex;
};

#define GEN_MAGIC 0x31305844474e5353ULL /* "SSNGDX01" as stored little-endian */
#define SINK_HIST_BUCKETS 40
#define SINK_DUP_WINDOW 65536 /* power of two */

struct sink_stats {
	__u64 packets;
	__u64 bytes;
	__u64 reordered;
	__u64 duplicates;
	__u64 lat_min; /* ns; 0 with packets == 0 */
	__u64 lat_max;
	__u32 max_seq; /* newest seq seen on this CPU, valid once packets > 0 */
	__u32 pad;
	__u64 hist[SINK_HIST_BUCKETS];
};

struct {
	__uint(type, SN_BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sink_stats);
} sink_stats SEC(".maps");

/* seen[seq % WINDOW] = seq + 1: a frame finding its own seq + 1 there is a duplicate. */
struct {
	__uint(type, SN_BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SINK_DUP_WINDOW);
	__type(key, __u32);
	__type(value, __u32);
} sink_seen SEC(".maps");

struct sn_ethhdr {
	__u8 dst[6], src[6];
	__be16 proto;
} __attribute__((packed));

struct sn_vlanhdr {
	__be16 tci, proto;
} __attribute__((packed));

struct sn_udp_payload {
	__be16 sport, dport, len, check;
	__u64 magic;
	__be32 seq;
	__be32 ts;
} __attribute__((packed));

/* floor(log2(v)) + 1, 0 for 0: the histogram bucket. No loops, no clz in BPF. */
static __always_inline __u32 log2_bucket(__u64 v)
{
	__u32 r = 0;

	if (!v)
		return 0;
	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) { r += 1; }
	r += 1;
	return r < SINK_HIST_BUCKETS ? r : SINK_HIST_BUCKETS - 1;
}

SEC("xdp")
int sink_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct sn_ethhdr *eth = data;
	struct sn_udp_payload *u;
	struct sink_stats *st;
	__u32 key = 0, seq, ts, slot, *seen;
	__u64 lat;
	__u16 proto;
	void *l3;
	int i;

	if ((void *)(eth + 1) > data_end)
		return SN_XDP_PASS;
	proto = eth->proto;
	l3 = eth + 1;
#pragma unroll
	for (i = 0; i < 2; i++) {
		struct sn_vlanhdr *vh = l3;

		if (proto != bpf_htons(0x8100) && proto != bpf_htons(0x88a8))
			break;
		if ((void *)(vh + 1) > data_end)
			return SN_XDP_PASS;
		proto = vh->proto;
		l3 = vh + 1;
	}
	if (proto == bpf_htons(0x0800)) {
		__u8 *ip = l3;
		__u32 ihl;

		if ((void *)(ip + 20) > data_end)
			return SN_XDP_PASS;
		ihl = (ip[0] & 0x0f) * 4;
		/* protocol UDP, not a fragment (MF clear, offset 0) */
		if (ihl < 20 || ip[9] != 17 || (ip[6] & 0x3f) || ip[7])
			return SN_XDP_PASS;
		u = (void *)(ip + ihl);
	} else if (proto == bpf_htons(0x86dd)) {
		__u8 *ip6 = l3;

		if ((void *)(ip6 + 40) > data_end || ip6[6] != 17)
			return SN_XDP_PASS;
		u = (void *)(ip6 + 40);
	} else {
		return SN_XDP_PASS;
	}
	if ((void *)(u + 1) > data_end || u->magic != GEN_MAGIC)
		return SN_XDP_PASS;

	st = bpf_map_lookup_elem(&sink_stats, &key);
	if (!st)
		return SN_XDP_PASS;
	seq = bpf_ntohl(u->seq);
	ts = bpf_ntohl(u->ts);
	lat = (__u32)((__u32)bpf_ktime_get_ns() - ts);

	slot = seq & (SINK_DUP_WINDOW - 1);
	seen = bpf_map_lookup_elem(&sink_seen, &slot);
	if (seen) {
		if (*seen == seq + 1 && st->packets) {
			st->duplicates++;
			return SN_XDP_DROP; /* counted once, as a duplicate */
		}
		*seen = seq + 1;
	}
	if (st->packets && (__s32)(seq - st->max_seq) < 0)
		st->reordered++;
	else
		st->max_seq = seq;
	if (!st->packets || lat < st->lat_min)
		st->lat_min = lat;
	if (lat > st->lat_max)
		st->lat_max = lat;
	st->hist[log2_bucket(lat)]++;
	st->packets++;
	st->bytes += data_end - data;
	return SN_XDP_DROP;
}

char _license[] SEC("license") = "GPL";
