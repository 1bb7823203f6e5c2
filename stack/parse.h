/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * parse.h - header parsing for the stack: Ethernet with up to two 802.1Q/802.1ad tags still in
 * the data, ARP, IPv4 (options walked, header checksum checked) and IPv6 with a bounded walk of
 * its extension-header chain.
 *
 * Each parser reads a frame's bytes, never writes them, and fills struct sn_pkt; on failure it
 * returns false with pkt->drop set to the reason the caller counts (sn_dev_drop_frame()). The
 * parsers read only inside [data, data + len): the malformed-frame tests run them under ASan.
 *
 * Context: any (pure functions over a buffer).
 */
#ifndef STACK_PARSE_H
#define STACK_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "net/drop_reason.h"

#define SN_ETH_HLEN 14
#define SN_ETH_ALEN 6
#define SN_ETH_P_IP 0x0800
#define SN_ETH_P_ARP 0x0806
#define SN_ETH_P_8021Q 0x8100
#define SN_ETH_P_8021AD 0x88a8
#define SN_ETH_P_IPV6 0x86dd
#define SN_VLAN_HLEN 4
#define SN_VLAN_MAX_DEPTH 2

#define SN_IPPROTO_HOPOPTS 0
#define SN_IPPROTO_ICMP 1
#define SN_IPPROTO_TCP 6
#define SN_IPPROTO_UDP 17
#define SN_IPPROTO_ROUTING 43
#define SN_IPPROTO_FRAGMENT 44
#define SN_IPPROTO_ESP 50
#define SN_IPPROTO_AH 51
#define SN_IPPROTO_ICMPV6 58
#define SN_IPPROTO_NONE 59
#define SN_IPPROTO_DSTOPTS 60
#define SN_IPPROTO_MH 135
#define SN_IPPROTO_HIP 139
#define SN_IPPROTO_SHIM6 140

/*
 * Most extension headers the IPv6 walk accepts before the upper-layer header (or the end of
 * what a non-first fragment lets it see). RFC 8200 §4.1's recommended order has at most seven
 * (HBH, DST, RH, FRAG, AH, ESP, DST); Linux bounds the same walk in ipv6_skip_exthdr() by the
 * packet only. Longer chains, or a header type repeated more often than §4.1 allows (a
 * "looping" chain), are dropped as IP6_EXTHDR.
 */
#define SN_IP6_MAX_EXTHDRS 8

struct sn_pkt {
	uint16_t ethertype; /* after any in-data VLAN tags */
	uint16_t vid;       /* VID of the innermost in-data tag, 0 if none */
	uint8_t nr_tags;    /* in-data VLAN tags (the netdev usually removed the outer one) */
	uint16_t l3off;     /* offset of the L3 header from the frame's data */
	uint32_t l3len;     /* bytes from l3off to the end of the frame */

	/* IPv4 / IPv6 (after sn_parse_ipv4/6) */
	uint16_t l3hlen;    /* IPv4: IHL * 4; IPv6: 40 + extension headers */
	uint32_t ip_len;    /* IPv4 total length; IPv6 40 + payload length */
	uint8_t l4proto;    /* upper-layer protocol, or SN_IPPROTO_FRAGMENT for a non-first v6 fragment */
	bool frag;          /* a fragment (IPv4 MF or offset; IPv6 fragment header) */
	bool first_frag;    /* not a fragment, or the fragment at offset 0 */
	uint8_t nr_exthdrs; /* IPv6: extension headers walked */
	uint8_t rh_segleft; /* IPv6: routing header's segments left, 0 without one */

	enum sn_drop_reason drop; /* why a parser returned false */
};

/* Ethernet and in-data VLAN tags. Drops: RUNT, VLAN_TRUNC. */
bool sn_parse_eth(const uint8_t *data, uint32_t len, struct sn_pkt *pkt);
/* ARP for Ethernet/IPv4 (request or reply), after sn_parse_eth. Drops: ARP_MALFORMED. */
bool sn_parse_arp(const uint8_t *data, uint32_t len, struct sn_pkt *pkt);
/* IPv4 header, options and checksum, after sn_parse_eth. Drops: IP_HDR, IP_CSUM, IP_LEN. */
bool sn_parse_ipv4(const uint8_t *data, uint32_t len, struct sn_pkt *pkt);
/* IPv6 header and extension-header chain, after sn_parse_eth. Drops: IP_HDR, IP_LEN, IP6_EXTHDR. */
bool sn_parse_ipv6(const uint8_t *data, uint32_t len, struct sn_pkt *pkt);

#endif /* STACK_PARSE_H */
