// SPDX-License-Identifier: GPL-2.0-only
/*
 * gen_xdp.bpf.c - the traffic generator's XDP program (softnet-gen send).
 *
 * It runs under BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES: the kernel hands it a copy of
 * the frame template for every repetition, and XDP_TX turns into a redirect out of the ingress
 * device (net/bpf/test_run.c: xdp_test_run_batch()), so each repetition becomes one real frame on
 * the wire of that device.
 *
 * Per frame it writes, behind the 8-byte magic at the start of the UDP payload:
 *   magic (8) | seq (__u32, network order) | ts (__u32, low 32 bits of bpf_ktime_get_ns(), n.o.)
 * varies the UDP source port over cfg.flows ports from cfg.sport_base, and keeps the UDP checksum
 * right: IPv4 frames carry checksum 0 (none), IPv6 frames are updated incrementally (RFC 1624)
 * from the template's checksum, which userspace computed with sport = sport_base, seq = ts = 0.
 * The program never reads the fields it writes: in live-frame mode a recycled page keeps what the
 * previous run wrote, so everything is derived from gen_cfg, not from the frame.
 *
 * The sequence counter is one global atomic (seq_map[0]): softnet-gen runs the test run from one
 * thread, but the counter stays exact if it ever runs from several. Its final value is the number
 * of frames the program produced. The layout is shared with sink_xdp.bpf.c and tools/gen/.
 *
 * The file defines the few UAPI types it needs itself: <linux/bpf.h> pulls <asm/types.h>, which
 * clang -target bpf cannot find on Debian (it lives under the multiarch include directory).
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

enum { SN_BPF_MAP_TYPE_ARRAY = 2 };
enum { SN_XDP_ABORTED = 0, SN_XDP_DROP = 1, SN_XDP_PASS = 2, SN_XDP_TX = 3 };

struct xdp_md {
	__u32 data;
	__u32 data_end;
	__u32 data_meta;
	__u32 ingress_ifindex;
	__u32 rx_queue_index;
	__u32 egress_ifindex;
};

#define GEN_MAGIC 0x31305844474e5353ULL /* "SSNGDX01" as stored little-endian */
#define GEN_MAX_L4_OFF 128               /* Ethernet + 2 VLAN tags + IPv6 fits */

/* Written by softnet-gen before the run. */
struct gen_cfg {
	__u32 flows;      /* source ports used: sport_base .. sport_base + flows - 1 (0 = 1) */
	__u16 sport_base; /* host order */
	__u16 l4_off;     /* offset of the UDP header in the frame */
	__u8 ipv6;        /* 1: update the UDP checksum; 0: IPv4, checksum stays 0 */
	__u8 pad;
	__u16 csum_base;  /* the template's UDP checksum (sport_base, seq 0, ts 0), as stored */
};

struct {
	__uint(type, SN_BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gen_cfg);
} gen_cfg SEC(".maps");

struct {
	__uint(type, SN_BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} gen_seq SEC(".maps");

struct gen_udp_payload {
	__u16 sport, dport, len, check; /* the UDP header */
	__u64 magic;
	__u32 seq;
	__u32 ts;
} __attribute__((packed));

static __always_inline __u32 csum_add16(__u32 sum, __u16 old, __u16 new)
{
	/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), accumulated unfolded */
	return sum + (__u16)~old + new;
}

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

SEC("xdp")
int gen_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct gen_udp_payload *u;
	struct gen_cfg *cfg;
	__u32 key = 0, seq, ts, flows, off;
	__u64 *seqp;
	__u16 sport;

	cfg = bpf_map_lookup_elem(&gen_cfg, &key);
	seqp = bpf_map_lookup_elem(&gen_seq, &key);
	if (!cfg || !seqp)
		return SN_XDP_ABORTED;
	off = cfg->l4_off;
	if (off > GEN_MAX_L4_OFF)
		return SN_XDP_ABORTED;
	u = data + off;
	if ((void *)(u + 1) > data_end)
		return SN_XDP_ABORTED;

	seq = (__u32)__sync_fetch_and_add(seqp, 1);
	ts = (__u32)bpf_ktime_get_ns();
	flows = cfg->flows ? cfg->flows : 1;
	sport = cfg->sport_base + (__u16)(seq % flows);

	if (cfg->ipv6) {
		/* the template's fields are sport_base, 0, 0: fold in each change */
		__u32 sum = (__u16)~cfg->csum_base;
		__u16 c;

		sum = csum_add16(sum, bpf_htons(cfg->sport_base), bpf_htons(sport));
		sum = csum_add16(sum, 0, bpf_htons(seq >> 16));
		sum = csum_add16(sum, 0, bpf_htons(seq & 0xffff));
		sum = csum_add16(sum, 0, bpf_htons(ts >> 16));
		sum = csum_add16(sum, 0, bpf_htons(ts & 0xffff));
		c = (__u16)~csum_fold(sum);
		u->check = c ? c : 0xffff; /* 0 means "no checksum" (RFC 768) */
	}
	u->sport = bpf_htons(sport);
	u->seq = bpf_htonl(seq);
	u->ts = bpf_htonl(ts);
	return SN_XDP_TX;
}

char _license[] SEC("license") = "GPL";
