// SPDX-License-Identifier: GPL-2.0-only
/*
 * arp.c - ARP (RFC 826) for the router's IPv4 addresses: replies to requests for an address of
 * the receiving port, requests for unresolved next hops (rate-limited by neigh.c), and learning
 * of senders into the neighbour table.
 *
 * Learning follows Linux's arp_process() in spirit: a request for one of our addresses creates
 * (or updates) the sender's entry, a reply creates or updates it, anything else only refreshes
 * an existing entry. Probes (sender address 0.0.0.0) teach nothing.
 */
#include <arpa/inet.h>
#include <string.h>

#include "stack/csum.h"
#include "stack/stack_internal.h"

#define ARP_LEN 28
#define ARP_FRAME_LEN (SN_ETH_HLEN + ARP_LEN)

static void arp_fill(uint8_t *d, const uint8_t *eth_dst, const uint8_t *mac, uint16_t op,
		     const uint8_t *spa, const uint8_t *tha, const uint8_t *tpa)
{
	uint8_t *a = d + SN_ETH_HLEN;

	memcpy(d, eth_dst, 6);
	memcpy(d + 6, mac, 6);
	sn_put_be16(d + 12, SN_ETH_P_ARP);
	sn_put_be16(a, 1);            /* Ethernet */
	sn_put_be16(a + 2, SN_ETH_P_IP);
	a[4] = 6;
	a[5] = 4;
	sn_put_be16(a + 6, op);
	memcpy(a + 8, mac, 6);        /* sender hardware address */
	memcpy(a + 14, spa, 4);       /* sender protocol address */
	memcpy(a + 18, tha, 6);       /* target hardware address */
	memcpy(a + 24, tpa, 4);       /* target protocol address */
}

static void arp_reply(struct sn_frame *req, const uint8_t *a)
{
	struct sn_netdev *dev = req->dev;
	struct sn_frame *r = stack_alloc_frame(dev, ARP_FRAME_LEN);

	if (!r)
		return;
	/* To the asker, from the address it asked for. */
	arp_fill(r->data, a + 8, stack_dev_mac(dev), 2, a + 24, a + 8, a + 14);
	STACK_INC(arp_replies);
	stack_xmit(r, dev);
}

void arp_rx(struct sn_frame *f, struct sn_pkt *pkt, bool consume)
{
	const uint8_t *a;
	uint16_t op;
	bool for_us;
	static const uint8_t zero4[4];

	if (!sn_parse_arp(f->data, f->len, pkt)) {
		if (consume)
			sn_dev_drop_frame(f->dev, f, pkt->drop);
		return;
	}
	a = f->data + pkt->l3off;
	op = sn_get_be16(a + 6);
	for_us = stack_addr_on_dev(AF_INET, a + 24, f->dev->index);
	if (memcmp(a + 14, zero4, 4) && !(a[8] & 1))
		neigh_learn(AF_INET, a + 14, f->dev, a + 8, for_us || op == 2);
	if (op == 1 && for_us)
		arp_reply(f, a);
	if (consume)
		stack_consume(f);
}

void arp_solicit(struct sn_netdev *dev, const uint8_t *tip)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];
	uint8_t spa[4] = { 0 };
	struct sn_frame *r;

	/* From our address in the target's subnet on @dev, else any of @dev's, else 0.0.0.0. */
	stack_addr_pick(AF_INET, dev->index, tip, false, spa);
	r = stack_alloc_frame(dev, ARP_FRAME_LEN);
	if (!r)
		return;
	arp_fill(r->data, bcast, stack_dev_mac(dev), 1, spa, zero, tip);
	STACK_INC(arp_requests);
	stack_xmit(r, dev);
}
