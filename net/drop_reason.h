/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * drop_reason.h - why a frame was dropped. Every drop in softnetd is counted under one of these
 * (per CPU and per device, see netdev.h); there is no silent drop. Names are what softnetctl
 * prints and what the JSON carries.
 */
#ifndef NET_DROP_REASON_H
#define NET_DROP_REASON_H

#define SN_DROP_REASONS(X)                                                                         \
	X(NOMEM_HEAD, "nomem_head")           /* no frame head from the skb cache / pool */      \
	X(NOMEM_BUF, "nomem_buf")             /* no buffer to copy into (frag cache, tx pool) */ \
	X(RUNT, "runt")                       /* shorter than an Ethernet header */                \
	X(VLAN_TRUNC, "vlan_trunc")           /* 802.1Q tag cut short */                           \
	X(VLAN_UNKNOWN, "vlan_unknown")       /* tagged with a VLAN no port carries */            \
	X(ETHERTYPE, "unknown_ethertype")     /* neither ARP, IPv4 nor IPv6, and no bridge */     \
	X(ARP_MALFORMED, "arp_malformed")                                                          \
	X(IP_HDR, "ip_hdr")                   /* bad version, IHL or header length */             \
	X(IP_CSUM, "ip_csum")                 /* IPv4 header checksum wrong */                     \
	X(IP_LEN, "ip_len")                   /* total/payload length beyond the frame */          \
	X(IP_FRAG, "ip_frag")                 /* fragments are not forwarded by the fast path */   \
	X(IP6_EXTHDR, "ip6_exthdr")           /* extension-header chain malformed or too long */   \
	X(IP_TTL, "ttl_exceeded")             /* TTL / hop limit reached 0 */                      \
	X(IP_MARTIAN, "martian")              /* bad source or destination address */             \
	X(NO_ROUTE, "no_route")                                                                    \
	X(NEIGH_MISS, "neigh_miss")           /* next hop not resolved yet (a solicit was sent) */ \
	X(NOT_FOR_US, "not_for_us")           /* router: unicast to another MAC, no bridge */     \
	X(LOCAL_UNHANDLED, "local_unhandled") /* addressed to us, no local handler (e.g. TCP) */  \
	X(BRIDGE_SAME_PORT, "bridge_same_port") /* destination learnt on the ingress port */      \
	X(BRIDGE_FDB_FULL, "bridge_fdb_full") /* learning failed: FDB map full */                  \
	X(PORT_DOWN, "port_down")             /* egress port administratively or link down */    \
	X(TX_RING_FULL, "tx_ring_full")       /* egress tx ring had no room */                      \
	X(TX_ERROR, "tx_error")               /* the backend refused the frame */                  \
	X(DEAD_LOOP, "dead_loop")             /* "Dead loop on virtual device": recursion/owner */ \
	X(TOO_BIG, "too_big")                 /* larger than the egress MTU */                      \
	X(XDP_DROP, "xdp_drop")                                                                    \
	X(XDP_ABORTED, "xdp_aborted")                                                              \
	X(XDP_REDIRECT_ERR, "xdp_redirect_err")                                                    \
	X(SHUTDOWN, "shutdown")               /* still queued when the port stopped */             \
	X(ICMP_RATELIMIT, "icmp_ratelimit")   /* an ICMP error we did not send (rate limit) */     \
	X(MALFORMED, "malformed")             /* any other malformed frame */

#define X(e, n) SN_DROP_##e,
enum sn_drop_reason { SN_DROP_REASONS(X) SN_DROP_MAX };
#undef X

/* The name of a reason ("ip_csum"), or "?" when out of range. */
const char *sn_drop_reason_name(enum sn_drop_reason r);

#endif /* NET_DROP_REASON_H */
