// SPDX-License-Identifier: GPL-2.0-only
/*
 * ndisc.c - IPv6 neighbour discovery (RFC 4861) for the router: Neighbor Advertisements in
 * answer to Neighbor Solicitations for an address of the receiving port, solicitations for
 * unresolved next hops (rate-limited by neigh.c), and learning from NS (source link-layer
 * address) and NA (target link-layer address).
 *
 * Validation is RFC 4861 §7.1.1/§7.1.2: hop limit 255, code 0, ICMPv6 checksum, length, target
 * not multicast, options with a nonzero length inside the message; a DAD solicitation (source
 * ::) carries no source link-layer option and goes to a solicited-node address.
 * An NA creates an entry even unsolicited (a simplification: Linux only updates existing ones).
 */
#include <arpa/inet.h>
#include <string.h>

#include "stack/csum.h"
#include "stack/stack_internal.h"

#define ND_NS 135
#define ND_NA 136
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define ND_MSG_LEN 24 /* type, code, checksum, flags/reserved, target */
#define ND_FRAME_LEN (SN_ETH_HLEN + 40 + ND_MSG_LEN + 8)
#define NA_F_ROUTER 0x80
#define NA_F_SOLICITED 0x40
#define NA_F_OVERRIDE 0x20

static bool in6_is_zero(const uint8_t *a)
{
	static const uint8_t z[16];

	return !memcmp(a, z, 16);
}

/* Find option @type; false when the option list is malformed. *@lla = NULL if absent. */
static bool nd_find_lla(const uint8_t *opt, uint32_t n, uint8_t type, const uint8_t **lla)
{
	*lla = NULL;
	while (n > 0) {
		uint32_t len;

		if (n < 2 || opt[1] == 0)
			return false;
		len = (uint32_t)opt[1] * 8;
		if (len > n)
			return false;
		if (opt[0] == type && len >= 8)
			*lla = opt + 2;
		opt += len;
		n -= len;
	}
	return true;
}

/* Build the IPv6 + ICMPv6 ND message (header, target, one link-layer option). */
static void nd_fill(uint8_t *d, const uint8_t *eth_dst, const uint8_t *mac, const uint8_t *src,
		    const uint8_t *dst, uint8_t type, uint8_t flags, const uint8_t *target,
		    uint8_t opt_type)
{
	uint8_t *ip = d + SN_ETH_HLEN, *m = ip + 40;
	uint16_t plen = ND_MSG_LEN + (opt_type ? 8 : 0);

	memcpy(d, eth_dst, 6);
	memcpy(d + 6, mac, 6);
	sn_put_be16(d + 12, SN_ETH_P_IPV6);
	ip[0] = 0x60;
	sn_put_be16(ip + 4, plen);
	ip[6] = SN_IPPROTO_ICMPV6;
	ip[7] = 255; /* RFC 4861: hop limit 255 proves the sender is on-link */
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	m[0] = type;
	m[1] = 0;
	m[4] = flags;
	memcpy(m + 8, target, 16);
	if (opt_type) {
		m[24] = opt_type;
		m[25] = 1; /* 8 bytes */
		memcpy(m + 26, mac, 6);
	}
	sn_put_be16(m + 2, sn_ip6_l4_csum(src, dst, m, plen, SN_IPPROTO_ICMPV6, 2));
}

static void ndisc_advertise(struct sn_frame *ns, const uint8_t *ip, const uint8_t *target)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
	static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 0x01 };
	struct sn_netdev *dev = ns->dev;
	bool dad = in6_is_zero(ip + 8);
	struct sn_frame *r = stack_alloc_frame(dev, ND_FRAME_LEN);

	if (!r)
		return;
	/* RFC 4861 §7.2.4: to the solicitor, or to all nodes (not solicited) when it was DAD. */
	nd_fill(r->data, dad ? all_nodes_mac : ns->data + 6, stack_dev_mac(dev), target,
		dad ? all_nodes : ip + 8, ND_NA,
		NA_F_ROUTER | NA_F_OVERRIDE | (dad ? 0 : NA_F_SOLICITED), target, ND_OPT_TLLA);
	STACK_INC(nd_adverts);
	stack_xmit(r, dev);
}

bool ndisc_rx(struct sn_frame *f, struct sn_pkt *pkt, bool consume)
{
	const uint8_t *ip = f->data + pkt->l3off, *m, *lla;
	uint32_t mlen;
	uint8_t type;

	if (pkt->l4proto != SN_IPPROTO_ICMPV6 || pkt->frag)
		return false;
	m = ip + pkt->l3hlen;
	mlen = pkt->ip_len - pkt->l3hlen;
	if (mlen < 1)
		return false;
	type = m[0];
	if (type != ND_NS && type != ND_NA)
		return false;
	if (mlen < ND_MSG_LEN || ip[7] != 255 || m[1] != 0 || m[8] == 0xff ||
	    !sn_ip6_l4_csum_ok(ip + 8, ip + 24, m, mlen, SN_IPPROTO_ICMPV6) ||
	    !nd_find_lla(m + ND_MSG_LEN, mlen - ND_MSG_LEN, type == ND_NS ? ND_OPT_SLLA : ND_OPT_TLLA,
			 &lla))
		goto bad;
	if (type == ND_NS) {
		bool dad = in6_is_zero(ip + 8), ours;

		if (dad && (lla || ip[24] != 0xff))
			goto bad;
		ours = stack_addr_on_dev(AF_INET6, m + 8, f->dev->index);
		if (!dad && lla)
			neigh_learn(AF_INET6, ip + 8, f->dev, lla, ours);
		if (ours)
			ndisc_advertise(f, ip, m + 8);
	} else {
		/* A solicited advertisement is never sent to a multicast address. */
		if (ip[24] == 0xff && (m[4] & NA_F_SOLICITED))
			goto bad;
		if (lla)
			neigh_learn(AF_INET6, m + 8, f->dev, lla, true);
	}
	if (consume)
		stack_consume(f);
	return true;
bad:
	if (consume)
		sn_dev_drop_frame(f->dev, f, SN_DROP_MALFORMED);
	return true;
}

void ndisc_solicit(struct sn_netdev *dev, const uint8_t *target)
{
	uint8_t src[16] = { 0 }, dst[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };
	uint8_t eth_dst[6] = { 0x33, 0x33, 0xff };
	struct sn_frame *r;
	bool have_src;

	/* The solicited-node multicast address of the target and its MAC (RFC 4291 / 2464). */
	memcpy(dst + 13, target + 13, 3);
	memcpy(eth_dst + 3, target + 13, 3);
	have_src = stack_addr_pick(AF_INET6, dev->index, target, false, src);
	r = stack_alloc_frame(dev, have_src ? ND_FRAME_LEN : ND_FRAME_LEN - 8);
	if (!r)
		return;
	/* Without an address of ours on @dev the source is :: and carries no SLLA (§7.2.2). */
	nd_fill(r->data, eth_dst, stack_dev_mac(dev), src, dst, ND_NS, 0, target,
		have_src ? ND_OPT_SLLA : 0);
	STACK_INC(nd_solicits);
	stack_xmit(r, dev);
}
