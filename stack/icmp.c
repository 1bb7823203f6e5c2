// SPDX-License-Identifier: GPL-2.0-only
/*
 * icmp.c - ICMP errors the router sends (time exceeded, RFC 792 / RFC 4443 §3.3) and echo
 * replies for its own addresses (RFC 792 / RFC 4443 §4.2).
 *
 * Errors are not sent about ICMP errors, non-first IPv4 fragments, or packets whose source
 * could not take one (RFC 1812 §4.3.2.7, RFC 4443 §2.4); martian and multicast cases never reach
 * here (router.c drops them first). The error quotes as much of the offending packet as fits in
 * 576 bytes (IPv4, RFC 1812 §4.3.2.3) or 1280 bytes (IPv6, RFC 4443 §2.4(c)), as received (TTL
 * 1 or 0). It goes back out of the ingress port to the frame's source MAC: the packet's
 * previous hop, on the link it came from.
 *
 * Rate limit: a token bucket per destination, hashed into ICMP_RL_BUCKETS buckets, the model
 * of Linux's inet_peer_xrlim_allow(): one message costs icmp_ratelimit_ms of credit, credit
 * grows with time and is capped at ICMP_RL_BURST messages, a new destination starts with a full
 * bucket. Each bucket is one 64-bit word updated with compare-and-swap, so any CPU and any BH
 * task may use it without a lock. A suppressed message counts ICMP_RATELIMIT on the ingress
 * device; the packet itself is still dropped as IP_TTL.
 */
#include <arpa/inet.h>
#include <string.h>

#include "stack/csum.h"
#include "stack/stack_internal.h"

#define ICMP_RL_BUCKETS 256
#define ICMP_RL_BURST 6 /* Linux's XRLIM_BURST_FACTOR */
#define ICMP_RL_TS_BITS 40
#define ICMP_RL_TS_MASK ((1ull << ICMP_RL_TS_BITS) - 1)
#define ICMP_RL_TOK_MAX ((1ull << (64 - ICMP_RL_TS_BITS)) - 1)

#define ICMP_TIME_EXCEEDED 11
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO 8
#define ICMPV6_TIME_EXCEEDED 3
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129

#define ICMP4_QUOTE_MAX (576 - 20 - 8)
#define ICMP6_QUOTE_MAX (1280 - 40 - 8)

/* Per bucket: tokens (ms of credit) << 40 | last refill (ms since rl_base); 0 = never used. */
static uint64_t rl_bucket[ICMP_RL_BUCKETS];
static uint64_t rl_base_ns;

void icmp_ratelimit_reset(void)
{
	for (int i = 0; i < ICMP_RL_BUCKETS; i++)
		__atomic_store_n(&rl_bucket[i], 0, __ATOMIC_RELAXED);
	rl_base_ns = stack_now_ns();
}

static unsigned int rl_hash(const uint8_t *addr, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ addr[i]) * 16777619u;
	return h % ICMP_RL_BUCKETS;
}

static bool icmp_ratelimit_allow(const uint8_t *dst, size_t n)
{
	uint64_t limit = (uint64_t)__atomic_load_n(&stack.icmp_ratelimit_ms, __ATOMIC_RELAXED);
	uint64_t *b, old, now, burst;

	if (limit == 0)
		return true;
	burst = limit * ICMP_RL_BURST;
	if (burst > ICMP_RL_TOK_MAX)
		burst = ICMP_RL_TOK_MAX;
	now = ((stack_now_ns() - rl_base_ns) / 1000000ull + 1) & ICMP_RL_TS_MASK;
	b = &rl_bucket[rl_hash(dst, n)];
	old = __atomic_load_n(b, __ATOMIC_RELAXED);
	for (;;) {
		uint64_t tok, last, nw;
		bool ok;

		if (old == 0) {
			tok = burst;
		} else {
			last = old & ICMP_RL_TS_MASK;
			tok = old >> ICMP_RL_TS_BITS;
			tok += (now - last) & ICMP_RL_TS_MASK;
			if (tok > burst)
				tok = burst;
		}
		ok = tok >= limit;
		if (ok)
			tok -= limit;
		nw = tok << ICMP_RL_TS_BITS | now;
		if (__atomic_compare_exchange_n(b, &old, nw, false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return ok;
	}
}

/* ICMP types that are errors (no error is sent about an error; RFC 1122 §3.2.2). */
static bool icmp4_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static void icmp4_time_exceeded(struct sn_frame *f, struct sn_pkt *pkt)
{
	struct sn_netdev *dev = f->dev;
	const uint8_t *ip = f->data + pkt->l3off;
	uint32_t quote = pkt->ip_len < ICMP4_QUOTE_MAX ? pkt->ip_len : ICMP4_QUOTE_MAX;
	uint8_t src[4];
	struct sn_frame *r;
	uint8_t *d, *rip, *ic;

	if (!pkt->first_frag)
		return;
	if (pkt->l4proto == SN_IPPROTO_ICMP &&
	    (pkt->ip_len <= pkt->l3hlen || icmp4_is_error(ip[pkt->l3hlen])))
		return;
	if (!stack_addr_pick(AF_INET, dev->index, ip + 12, true, src))
		return;
	if (!icmp_ratelimit_allow(ip + 12, 4)) {
		sn_dev_count_drop(dev, SN_DROP_ICMP_RATELIMIT);
		return;
	}
	r = stack_alloc_frame(dev, SN_ETH_HLEN + 20 + 8 + quote);
	if (!r)
		return;
	d = r->data;
	rip = d + SN_ETH_HLEN;
	ic = rip + 20;
	memcpy(d, f->data + 6, 6);
	memcpy(d + 6, stack_dev_mac(dev), 6);
	sn_put_be16(d + 12, SN_ETH_P_IP);
	rip[0] = 0x45;
	rip[1] = 0xc0; /* precedence "internetwork control", as Linux marks ICMP errors */
	sn_put_be16(rip + 2, (uint16_t)(20 + 8 + quote));
	rip[8] = 64;
	rip[9] = SN_IPPROTO_ICMP;
	memcpy(rip + 12, src, 4);
	memcpy(rip + 16, ip + 12, 4);
	sn_put_be16(rip + 10, sn_ip4_hdr_csum(rip, 20));
	ic[0] = ICMP_TIME_EXCEEDED;
	ic[1] = 0; /* time to live exceeded in transit */
	memcpy(ic + 8, ip, quote);
	sn_put_be16(ic + 2, sn_csum(ic, 8 + quote));
	STACK_INC(icmp_time_exceeded);
	stack_xmit(r, dev);
}

static void icmp6_time_exceeded(struct sn_frame *f, struct sn_pkt *pkt)
{
	struct sn_netdev *dev = f->dev;
	const uint8_t *ip = f->data + pkt->l3off;
	uint32_t quote = pkt->ip_len < ICMP6_QUOTE_MAX ? pkt->ip_len : ICMP6_QUOTE_MAX;
	uint8_t src[16];
	struct sn_frame *r;
	uint8_t *d, *rip, *ic;

	if (pkt->l4proto == SN_IPPROTO_ICMPV6 &&
	    (pkt->ip_len <= pkt->l3hlen || ip[pkt->l3hlen] < 128))
		return;
	if (!stack_addr_pick(AF_INET6, dev->index, ip + 8, true, src))
		return;
	if (!icmp_ratelimit_allow(ip + 8, 16)) {
		sn_dev_count_drop(dev, SN_DROP_ICMP_RATELIMIT);
		return;
	}
	r = stack_alloc_frame(dev, SN_ETH_HLEN + 40 + 8 + quote);
	if (!r)
		return;
	d = r->data;
	rip = d + SN_ETH_HLEN;
	ic = rip + 40;
	memcpy(d, f->data + 6, 6);
	memcpy(d + 6, stack_dev_mac(dev), 6);
	sn_put_be16(d + 12, SN_ETH_P_IPV6);
	rip[0] = 0x60;
	sn_put_be16(rip + 4, (uint16_t)(8 + quote));
	rip[6] = SN_IPPROTO_ICMPV6;
	rip[7] = 64;
	memcpy(rip + 8, src, 16);
	memcpy(rip + 24, ip + 8, 16);
	ic[0] = ICMPV6_TIME_EXCEEDED;
	ic[1] = 0; /* hop limit exceeded in transit */
	memcpy(ic + 8, ip, quote);
	sn_put_be16(ic + 2, sn_ip6_l4_csum(rip + 8, rip + 24, ic, 8 + quote, SN_IPPROTO_ICMPV6, 2));
	STACK_INC(icmp_time_exceeded);
	stack_xmit(r, dev);
}

void icmp_time_exceeded(struct sn_frame *f, struct sn_pkt *pkt)
{
	if (pkt->ethertype == SN_ETH_P_IP)
		icmp4_time_exceeded(f, pkt);
	else
		icmp6_time_exceeded(f, pkt);
	sn_dev_drop_frame(f->dev, f, SN_DROP_IP_TTL);
}

/* Turn @f around at L2: back to its sender from our MAC, trimmed to the IP packet. */
static void reflect_l2(struct sn_frame *f, struct sn_pkt *pkt, uint16_t type)
{
	uint32_t tag = pkt->l3off - SN_ETH_HLEN;
	uint8_t src[6];

	memcpy(src, f->data + 6, 6);
	f->data += tag; /* drop an in-data tag: the egress device adds its own */
	f->len = pkt->ip_len + SN_ETH_HLEN;
	pkt->l3off = SN_ETH_HLEN;
	memcpy(f->data, src, 6);
	memcpy(f->data + 6, stack_dev_mac(f->dev), 6);
	sn_put_be16(f->data + 12, type);
}

void icmp_local4(struct sn_frame *f, struct sn_pkt *pkt)
{
	uint8_t *ip = f->data + pkt->l3off, *ic, tmp[4];
	uint32_t ilen = pkt->ip_len - pkt->l3hlen;

	if (pkt->l4proto != SN_IPPROTO_ICMP || pkt->frag || ilen < 8 ||
	    ip[pkt->l3hlen] != ICMP_ECHO) {
		sn_dev_drop_frame(f->dev, f, SN_DROP_LOCAL_UNHANDLED);
		return;
	}
	ic = ip + pkt->l3hlen;
	if (sn_csum_fold(sn_csum_partial(ic, ilen, 0)) != 0xffff) {
		sn_dev_drop_frame(f->dev, f, SN_DROP_MALFORMED);
		return;
	}
	/* Echo reply in place: swap addresses, new TTL, type 0 (RFC 1624 update of the sum). */
	memcpy(tmp, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, tmp, 4);
	ip[8] = 64;
	sn_put_be16(ip + 10, sn_ip4_hdr_csum(ip, pkt->l3hlen));
	sn_put_be16(ic + 2, sn_csum_replace16(sn_get_be16(ic + 2), (uint16_t)(ICMP_ECHO << 8 | ic[1]),
					      (uint16_t)(ICMP_ECHO_REPLY << 8 | ic[1])));
	ic[0] = ICMP_ECHO_REPLY;
	reflect_l2(f, pkt, SN_ETH_P_IP);
	STACK_INC(icmp_echo_replies);
	STACK_INC(local_delivered);
	stack_xmit(f, f->dev);
}

void icmp_local6(struct sn_frame *f, struct sn_pkt *pkt)
{
	uint8_t *ip = f->data + pkt->l3off, *ic, tmp[16];
	uint32_t ilen = pkt->ip_len - pkt->l3hlen;

	/* Echo requests without extension headers only (the reply carries none). */
	if (pkt->l4proto != SN_IPPROTO_ICMPV6 || pkt->l3hlen != 40 || ilen < 8 ||
	    ip[40] != ICMPV6_ECHO_REQUEST) {
		sn_dev_drop_frame(f->dev, f, SN_DROP_LOCAL_UNHANDLED);
		return;
	}
	ic = ip + 40;
	if (!sn_ip6_l4_csum_ok(ip + 8, ip + 24, ic, ilen, SN_IPPROTO_ICMPV6)) {
		sn_dev_drop_frame(f->dev, f, SN_DROP_MALFORMED);
		return;
	}
	memcpy(tmp, ip + 8, 16);
	memcpy(ip + 8, ip + 24, 16);
	memcpy(ip + 24, tmp, 16);
	ip[7] = 64;
	ic[0] = ICMPV6_ECHO_REPLY;
	sn_put_be16(ic + 2, sn_ip6_l4_csum(ip + 8, ip + 24, ic, ilen, SN_IPPROTO_ICMPV6, 2));
	reflect_l2(f, pkt, SN_ETH_P_IPV6);
	STACK_INC(icmp_echo_replies);
	STACK_INC(local_delivered);
	stack_xmit(f, f->dev);
}
