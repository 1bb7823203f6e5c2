// SPDX-License-Identifier: GPL-2.0-only
/*
 * csum.c - Internet checksum: full sums (RFC 1071) and incremental updates (RFC 1624).
 *
 * Plain byte-wise big-endian arithmetic: frames are short and the hot path (TTL decrement) uses
 * the incremental form, which touches one word.
 */
#include "stack/csum.h"

uint64_t sn_csum_partial(const void *data, size_t len, uint64_t sum)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	return sum;
}

uint16_t sn_csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint16_t sn_csum(const void *data, size_t len)
{
	return (uint16_t)~sn_csum_fold(sn_csum_partial(data, len, 0));
}

uint16_t sn_csum_replace16(uint16_t check, uint16_t old, uint16_t new_)
{
	uint64_t sum = (uint16_t)~check;

	sum += (uint16_t)~old;
	sum += new_;
	return (uint16_t)~sn_csum_fold(sum);
}

uint16_t sn_csum_replace32(uint16_t check, uint32_t old, uint32_t new_)
{
	check = sn_csum_replace16(check, (uint16_t)(old >> 16), (uint16_t)(new_ >> 16));
	return sn_csum_replace16(check, (uint16_t)old, (uint16_t)new_);
}

uint16_t sn_ip4_hdr_csum(const uint8_t *iph, size_t hlen)
{
	uint64_t sum = sn_csum_partial(iph, 10, 0);

	if (hlen > 12)
		sum = sn_csum_partial(iph + 12, hlen - 12, sum);
	return (uint16_t)~sn_csum_fold(sum);
}

int sn_ip4_hdr_csum_ok(const uint8_t *iph, size_t hlen)
{
	return sn_csum_fold(sn_csum_partial(iph, hlen, 0)) == 0xffff;
}

uint64_t sn_ip6_pseudo_sum(const uint8_t *src, const uint8_t *dst, uint32_t len, uint8_t proto)
{
	uint64_t sum = sn_csum_partial(src, 16, 0);

	sum = sn_csum_partial(dst, 16, sum);
	sum += len >> 16;
	sum += len & 0xffff;
	sum += proto;
	return sum;
}

uint16_t sn_ip6_l4_csum(const uint8_t *src, const uint8_t *dst, const uint8_t *l4, uint32_t len,
			uint8_t proto, size_t csum_off)
{
	uint64_t sum = sn_ip6_pseudo_sum(src, dst, len, proto);

	/* csum_off is even, so the pieces before and after the field chain correctly. */
	sum = sn_csum_partial(l4, csum_off, sum);
	if (len > csum_off + 2)
		sum = sn_csum_partial(l4 + csum_off + 2, len - csum_off - 2, sum);
	return (uint16_t)~sn_csum_fold(sum);
}

int sn_ip6_l4_csum_ok(const uint8_t *src, const uint8_t *dst, const uint8_t *l4, uint32_t len,
		      uint8_t proto)
{
	return sn_csum_fold(sn_csum_partial(l4, len, sn_ip6_pseudo_sum(src, dst, len, proto))) ==
	       0xffff;
}
