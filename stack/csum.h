/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * csum.h - the Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * Values are 16-bit words as they read in network order: a checksum field holding the bytes
 * 0x12 0x34 is 0x1234 here; use sn_get_be16()/sn_put_be16() to move them in and out of packets.
 * Partial sums are 64-bit accumulators of big-endian 16-bit words; chain them only over
 * even-length pieces (an odd length pads the last byte as the high half of a word).
 *
 * Context: any (pure functions).
 */
#ifndef STACK_CSUM_H
#define STACK_CSUM_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t sn_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t sn_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void sn_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void sn_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Add @len bytes at @data to the partial sum @sum. */
uint64_t sn_csum_partial(const void *data, size_t len, uint64_t sum);
/* Fold a partial sum to 16 bits (end-around carry), not complemented. */
uint16_t sn_csum_fold(uint64_t sum);
/* The checksum of @len bytes: the complement of their folded sum. */
uint16_t sn_csum(const void *data, size_t len);

/*
 * RFC 1624 eqn. 3: the new checksum when one 16-bit word of the covered data changes from @old
 * to @new: HC' = ~(~HC + ~m + m'). Keeps the result right also around 0x0000/0xffff.
 */
uint16_t sn_csum_replace16(uint16_t check, uint16_t old, uint16_t new_);
/* The same for a 32-bit field (an address), as two 16-bit replacements. */
uint16_t sn_csum_replace32(uint16_t check, uint32_t old, uint32_t new_);

/* IPv4 header checksum of @hlen bytes at @iph, computed as if the checksum field were zero. */
uint16_t sn_ip4_hdr_csum(const uint8_t *iph, size_t hlen);
/* True when the header of @hlen bytes (checksum field included) sums to 0xffff. */
int sn_ip4_hdr_csum_ok(const uint8_t *iph, size_t hlen);

/* Partial sum of the IPv6 pseudo-header (RFC 8200 §8.1) for @len bytes of upper-layer @proto. */
uint64_t sn_ip6_pseudo_sum(const uint8_t *src, const uint8_t *dst, uint32_t len, uint8_t proto);
/*
 * Checksum of an upper-layer message of @len bytes at @l4 under the IPv6 pseudo-header of
 * @src/@dst: computed with the checksum field at @csum_off taken as zero.
 */
uint16_t sn_ip6_l4_csum(const uint8_t *src, const uint8_t *dst, const uint8_t *l4, uint32_t len,
			uint8_t proto, size_t csum_off);
/* True when the message (its checksum field included) verifies. */
int sn_ip6_l4_csum_ok(const uint8_t *src, const uint8_t *dst, const uint8_t *l4, uint32_t len,
		      uint8_t proto);

#endif /* STACK_CSUM_H */
