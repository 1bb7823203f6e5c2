// SPDX-License-Identifier: GPL-2.0-only
/*
 * router.c - the L3 forwarding path for IPv4 and IPv6 (RFC 1812 §5.2, RFC 8200), after the
 * bridge/port decision in stack.c: validate, deliver what is ours (ARP, ND, echo), refuse
 * martians, decrement TTL / hop limit (with an RFC 1624 checksum update for IPv4), look up the
 * route, resolve the next hop, rewrite the Ethernet header and hand the frame to the egress
 * device (a vlan device tags it).
 *
 * Fragments are forwarded unchanged (no reassembly). No fragmentation either: a packet larger
 * than the egress MTU is dropped by the transmit path (TOO_BIG). Frames that reach here with an
 * L2 broadcast or multicast destination are never forwarded (Linux's PACKET_HOST rule).
 *
 * Context: BH (sn_stack_rx()).
 */
#include <arpa/inet.h>
#include <string.h>

#include "stack/csum.h"
#include "stack/stack_internal.h"

/* Source addresses a router never forwards from (RFC 1812 §5.3.7): this network (0/8),
 * loopback (127/8), multicast (224/4), limited broadcast. */
static bool ip4_src_martian(const uint8_t *a)
{
	return a[0] == 0 || a[0] == 127 || (a[0] & 0xf0) == 0xe0 ||
	       (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
}

/* Destinations a router never forwards to: 0/8, loopback. */
static bool ip4_dst_martian(const uint8_t *a)
{
	return a[0] == 0 || a[0] == 127;
}

/* Multicast or limited broadcast: not forwarded (no multicast routing). */
static bool ip4_dst_multi(const uint8_t *a)
{
	return (a[0] & 0xf0) == 0xe0 || (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
}

static bool in6_is_zero(const uint8_t *a)
{
	static const uint8_t z[16];

	return !memcmp(a, z, 16);
}

static bool in6_is_loopback(const uint8_t *a)
{
	static const uint8_t lo[16] = { [15] = 1 };

	return !memcmp(a, lo, 16);
}

static bool in6_is_linklocal(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/*
 * Rewrite the L2 header for the next hop: drop an in-data tag, set destination, source and
 * type, trim Ethernet padding (the IP length says where the packet ends).
 */
static void l2_rewrite(struct sn_frame *f, struct sn_pkt *pkt, const uint8_t *dmac,
		       struct sn_netdev *out, uint16_t type)
{
	uint32_t tag = pkt->l3off - SN_ETH_HLEN;

	f->data += tag;
	f->len = SN_ETH_HLEN + pkt->ip_len;
	pkt->l3off = SN_ETH_HLEN;
	memcpy(f->data, dmac, 6);
	memcpy(f->data + 6, stack_dev_mac(out), 6);
	sn_put_be16(f->data + 12, type);
}

/* Egress device and next hop for @dst, or a drop reason. */
static bool route_out(int family, const uint8_t *dst, struct sn_netdev **out, uint8_t *nh,
		      enum sn_drop_reason *why)
{
	struct rt_val rt;

	if (!rt_lookup(family, dst, &rt) || !(*out = sn_dev_get_by_index((int)rt.dev))) {
		*why = SN_DROP_NO_ROUTE;
		return false;
	}
	memcpy(nh, rt.has_via ? rt.via : dst, family == AF_INET ? 4 : 16);
	return true;
}

static void router4(struct sn_frame *f, struct sn_pkt *pkt)
{
	struct sn_netdev *in = f->dev, *out;
	enum sn_drop_reason why;
	uint8_t *ip, nh[16], mac[6];
	uint16_t old, nw;

	if (!sn_parse_ipv4(f->data, f->len, pkt)) {
		sn_dev_drop_frame(in, f, pkt->drop);
		return;
	}
	ip = f->data + pkt->l3off;
	if (ip4_src_martian(ip + 12)) {
		sn_dev_drop_frame(in, f, SN_DROP_IP_MARTIAN);
		return;
	}
	if (stack_addr_is_local(AF_INET, ip + 16, NULL)) {
		icmp_local4(f, pkt);
		return;
	}
	if (ip4_dst_multi(ip + 16)) {
		sn_dev_drop_frame(in, f, SN_DROP_LOCAL_UNHANDLED);
		return;
	}
	if (ip4_dst_martian(ip + 16) || stack_addr_is_local(AF_INET, ip + 12, NULL)) {
		sn_dev_drop_frame(in, f, SN_DROP_IP_MARTIAN);
		return;
	}
	if (f->data[0] & 1) {
		sn_dev_drop_frame(in, f, SN_DROP_NOT_FOR_US);
		return;
	}
	if (ip[8] <= 1) {
		icmp_time_exceeded(f, pkt);
		return;
	}
	if (!route_out(AF_INET, ip + 16, &out, nh, &why)) {
		sn_dev_drop_frame(in, f, why);
		return;
	}
	if (!neigh_resolve(AF_INET, nh, out, mac)) {
		sn_dev_drop_frame(in, f, SN_DROP_NEIGH_MISS);
		return;
	}
	/* TTL and protocol share one 16-bit word of the header checksum. */
	old = sn_get_be16(ip + 8);
	ip[8]--;
	nw = sn_get_be16(ip + 8);
	sn_put_be16(ip + 10, sn_csum_replace16(sn_get_be16(ip + 10), old, nw));
	l2_rewrite(f, pkt, mac, out, SN_ETH_P_IP);
	STACK_INC(routed4);
	sn_dev_count_forwarded(in);
	stack_xmit(f, out);
}

/* Multicast destinations the router listens to on @dev: all-nodes, all-routers, and the
 * solicited-node addresses of its own. */
static bool ip6_mcast_for_us(const uint8_t *dst, int dev)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	static const uint8_t all_routers[16] = { 0xff, 0x02, [15] = 2 };

	return !memcmp(dst, all_nodes, 16) || !memcmp(dst, all_routers, 16) ||
	       stack_addr_solicited(dst, dev);
}

static void router6(struct sn_frame *f, struct sn_pkt *pkt)
{
	struct sn_netdev *in = f->dev, *out;
	enum sn_drop_reason why;
	uint8_t *ip, nh[16], mac[6];

	if (!sn_parse_ipv6(f->data, f->len, pkt)) {
		sn_dev_drop_frame(in, f, pkt->drop);
		return;
	}
	ip = f->data + pkt->l3off;
	if (ip[8] == 0xff || in6_is_loopback(ip + 8)) {
		sn_dev_drop_frame(in, f, SN_DROP_IP_MARTIAN);
		return;
	}
	if (ip[24] == 0xff) {
		/* Multicast: ND to us is handled, nothing is forwarded. */
		if (ip6_mcast_for_us(ip + 24, in->index) && ndisc_rx(f, pkt, true))
			return;
		sn_dev_drop_frame(in, f, SN_DROP_LOCAL_UNHANDLED);
		return;
	}
	if (stack_addr_is_local(AF_INET6, ip + 24, NULL)) {
		if (!ndisc_rx(f, pkt, true))
			icmp_local6(f, pkt);
		return;
	}
	/* Unspecified, loopback or link-local ends, or our own source: never forwarded. */
	if (in6_is_zero(ip + 8) || in6_is_zero(ip + 24) || in6_is_loopback(ip + 24) ||
	    in6_is_linklocal(ip + 8) || in6_is_linklocal(ip + 24) ||
	    stack_addr_is_local(AF_INET6, ip + 8, NULL)) {
		sn_dev_drop_frame(in, f, SN_DROP_IP_MARTIAN);
		return;
	}
	if (f->data[0] & 1) {
		sn_dev_drop_frame(in, f, SN_DROP_NOT_FOR_US);
		return;
	}
	if (ip[7] <= 1) {
		icmp_time_exceeded(f, pkt);
		return;
	}
	if (!route_out(AF_INET6, ip + 24, &out, nh, &why)) {
		sn_dev_drop_frame(in, f, why);
		return;
	}
	if (!neigh_resolve(AF_INET6, nh, out, mac)) {
		sn_dev_drop_frame(in, f, SN_DROP_NEIGH_MISS);
		return;
	}
	ip[7]--; /* no header checksum in IPv6 */
	l2_rewrite(f, pkt, mac, out, SN_ETH_P_IPV6);
	STACK_INC(routed6);
	sn_dev_count_forwarded(in);
	stack_xmit(f, out);
}

void router_rx(struct sn_frame *f, struct sn_pkt *pkt)
{
	switch (pkt->ethertype) {
	case SN_ETH_P_ARP:
		arp_rx(f, pkt, true);
		break;
	case SN_ETH_P_IP:
		router4(f, pkt);
		break;
	case SN_ETH_P_IPV6:
		router6(f, pkt);
		break;
	default:
		sn_dev_drop_frame(f->dev, f, SN_DROP_ETHERTYPE);
		break;
	}
}

void router_peek(struct sn_frame *f, struct sn_pkt *pkt)
{
	struct sn_pkt p = *pkt;

	if (pkt->ethertype == SN_ETH_P_ARP) {
		arp_rx(f, &p, false);
	} else if (pkt->ethertype == SN_ETH_P_IPV6 && sn_parse_ipv6(f->data, f->len, &p)) {
		const uint8_t *ip = f->data + p.l3off;

		if (ip[24] == 0xff && ip6_mcast_for_us(ip + 24, f->dev->index))
			ndisc_rx(f, &p, false);
	}
}
