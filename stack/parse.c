// SPDX-License-Identifier: GPL-2.0-only
/*
 * parse.c - Ethernet, VLAN, ARP, IPv4 and IPv6 header checks (see parse.h).
 *
 * What is checked follows the receive paths of Linux (ip_rcv_core(), ipv6_rcv(), arp_rcv()) and
 * the RFCs they implement (RFC 791/1122/1812 for IPv4, RFC 8200 for IPv6, RFC 826 for ARP): a
 * router that forwards a header has to be able to read all of it. Nothing here writes the frame.
 */
#include <string.h>

#include "stack/csum.h"
#include "stack/parse.h"

static bool parse_fail(struct sn_pkt *pkt, enum sn_drop_reason r)
{
	pkt->drop = r;
	return false;
}

bool sn_parse_eth(const uint8_t *data, uint32_t len, struct sn_pkt *pkt)
{
	uint32_t off = SN_ETH_HLEN;
	uint16_t type;

	memset(pkt, 0, sizeof(*pkt));
	if (len < SN_ETH_HLEN)
		return parse_fail(pkt, SN_DROP_RUNT);
	type = sn_get_be16(data + 12);
	while (type == SN_ETH_P_8021Q || type == SN_ETH_P_8021AD) {
		/* A tag is 2 bytes of TCI plus the next type: both must be there. */
		if (pkt->nr_tags >= SN_VLAN_MAX_DEPTH || len < off + SN_VLAN_HLEN)
			return parse_fail(pkt, SN_DROP_VLAN_TRUNC);
		pkt->vid = sn_get_be16(data + off) & 0x0fff;
		type = sn_get_be16(data + off + 2);
		off += SN_VLAN_HLEN;
		pkt->nr_tags++;
	}
	pkt->ethertype = type;
	pkt->l3off = (uint16_t)off;
	pkt->l3len = len - off;
	return true;
}

bool sn_parse_arp(const uint8_t *data, uint32_t len, struct sn_pkt *pkt)
{
	const uint8_t *a = data + pkt->l3off;
	uint16_t op;

	(void)len;
	/* Ethernet/IPv4 ARP only: hardware 1, protocol 0x0800, lengths 6 and 4 (28 bytes). */
	if (pkt->l3len < 28 || sn_get_be16(a) != 1 || sn_get_be16(a + 2) != SN_ETH_P_IP ||
	    a[4] != SN_ETH_ALEN || a[5] != 4)
		return parse_fail(pkt, SN_DROP_ARP_MALFORMED);
	op = sn_get_be16(a + 6);
	if (op != 1 && op != 2)
		return parse_fail(pkt, SN_DROP_ARP_MALFORMED);
	return true;
}

/* The option list of an IPv4 header must be well formed (RFC 791 §3.1): EOL, NOP, or TLVs. */
static bool ipv4_options_ok(const uint8_t *opt, uint32_t n)
{
	uint32_t i = 0;

	while (i < n) {
		uint8_t type = opt[i];

		if (type == 0) /* end of option list */
			break;
		if (type == 1) { /* no operation */
			i++;
			continue;
		}
		if (i + 1 >= n || opt[i + 1] < 2 || i + opt[i + 1] > n)
			return false;
		i += opt[i + 1];
	}
	return true;
}

bool sn_parse_ipv4(const uint8_t *data, uint32_t len, struct sn_pkt *pkt)
{
	const uint8_t *ip = data + pkt->l3off;
	uint32_t hlen, tot;
	uint16_t frag;

	(void)len;
	if (pkt->l3len < 20 || (ip[0] >> 4) != 4)
		return parse_fail(pkt, SN_DROP_IP_HDR);
	hlen = (uint32_t)(ip[0] & 0x0f) * 4;
	if (hlen < 20 || hlen > pkt->l3len)
		return parse_fail(pkt, SN_DROP_IP_HDR);
	if (!sn_ip4_hdr_csum_ok(ip, hlen))
		return parse_fail(pkt, SN_DROP_IP_CSUM);
	tot = sn_get_be16(ip + 2);
	/* Shorter than its header, or longer than what arrived: Ethernet padding may follow. */
	if (tot < hlen || tot > pkt->l3len)
		return parse_fail(pkt, SN_DROP_IP_LEN);
	if (hlen > 20 && !ipv4_options_ok(ip + 20, hlen - 20))
		return parse_fail(pkt, SN_DROP_IP_HDR);
	frag = sn_get_be16(ip + 6);
	pkt->l3hlen = (uint16_t)hlen;
	pkt->ip_len = tot;
	pkt->l4proto = ip[9];
	pkt->frag = (frag & 0x3fff) != 0; /* MF or a nonzero offset */
	pkt->first_frag = (frag & 0x1fff) == 0;
	return true;
}

/* Options of a hop-by-hop or destination options header (RFC 8200 §4.2): Pad1 or TLVs. */
static bool ipv6_tlvs_ok(const uint8_t *opt, uint32_t n)
{
	uint32_t i = 0;

	while (i < n) {
		if (opt[i] == 0) { /* Pad1 */
			i++;
			continue;
		}
		if (i + 1 >= n || i + 2 + (uint32_t)opt[i + 1] > n)
			return false;
		i += 2 + (uint32_t)opt[i + 1];
	}
	return true;
}

/* How often each type may appear in one chain (RFC 8200 §4.1: once, destination options twice). */
static unsigned int exthdr_max_count(uint8_t nh)
{
	return nh == SN_IPPROTO_DSTOPTS ? 2 : 1;
}

/* A slot per extension-header type (for the repetition count), -1 for anything else. */
static int exthdr_index(uint8_t nh)
{
	switch (nh) {
	case SN_IPPROTO_HOPOPTS: return 0;
	case SN_IPPROTO_ROUTING: return 1;
	case SN_IPPROTO_FRAGMENT: return 2;
	case SN_IPPROTO_DSTOPTS: return 3;
	case SN_IPPROTO_AH: return 4;
	case SN_IPPROTO_MH: return 5;
	case SN_IPPROTO_HIP: return 6;
	case SN_IPPROTO_SHIM6: return 7;
	default: return -1;
	}
}

static bool is_exthdr(uint8_t nh)
{
	return exthdr_index(nh) >= 0;
}

bool sn_parse_ipv6(const uint8_t *data, uint32_t len, struct sn_pkt *pkt)
{
	const uint8_t *ip = data + pkt->l3off;
	unsigned int seen[8] = { 0 };
	uint32_t plen, end, off = 40;
	uint8_t nh;

	(void)len;
	if (pkt->l3len < 40 || (ip[0] >> 4) != 6)
		return parse_fail(pkt, SN_DROP_IP_HDR);
	plen = sn_get_be16(ip + 4);
	nh = ip[6];
	/* Jumbograms (payload length 0 with a Jumbo option) are not supported. */
	if ((plen == 0 && nh != SN_IPPROTO_NONE) || 40 + plen > pkt->l3len)
		return parse_fail(pkt, SN_DROP_IP_LEN);
	end = 40 + plen;
	pkt->ip_len = end;
	pkt->first_frag = true;

	while (is_exthdr(nh)) {
		const uint8_t *h = ip + off;
		uint32_t hl;

		if (pkt->nr_exthdrs >= SN_IP6_MAX_EXTHDRS)
			return parse_fail(pkt, SN_DROP_IP6_EXTHDR);
		/* Hop-by-hop options only right after the fixed header (RFC 8200 §4.3). */
		if (nh == SN_IPPROTO_HOPOPTS && off != 40)
			return parse_fail(pkt, SN_DROP_IP6_EXTHDR);
		if (off + 8 > end)
			return parse_fail(pkt, SN_DROP_IP6_EXTHDR);
		if (++seen[exthdr_index(nh)] > exthdr_max_count(nh))
			return parse_fail(pkt, SN_DROP_IP6_EXTHDR);
		if (nh == SN_IPPROTO_FRAGMENT)
			hl = 8;
		else if (nh == SN_IPPROTO_AH)
			hl = ((uint32_t)h[1] + 2) * 4; /* RFC 4302: in 4-octet units, minus 2 */
		else
			hl = ((uint32_t)h[1] + 1) * 8;
		if (off + hl > end)
			return parse_fail(pkt, SN_DROP_IP6_EXTHDR);
		if ((nh == SN_IPPROTO_HOPOPTS || nh == SN_IPPROTO_DSTOPTS) &&
		    !ipv6_tlvs_ok(h + 2, hl - 2))
			return parse_fail(pkt, SN_DROP_IP6_EXTHDR);
		pkt->nr_exthdrs++;
		if (nh == SN_IPPROTO_ROUTING)
			pkt->rh_segleft = h[3];
		if (nh == SN_IPPROTO_FRAGMENT) {
			uint16_t fo = sn_get_be16(h + 2);

			pkt->frag = true;
			if (fo & 0xfff8) {
				/* Later fragments carry no upper-layer header: stop here. */
				pkt->first_frag = false;
				pkt->l3hlen = (uint16_t)(off + hl);
				pkt->l4proto = SN_IPPROTO_FRAGMENT;
				return true;
			}
		}
		nh = h[0];
		off += hl;
	}
	pkt->l3hlen = (uint16_t)off;
	pkt->l4proto = nh;
	return true;
}
