// SPDX-License-Identifier: GPL-2.0-only
/*
 * hist.c - log-linear histogram. Index layout (SUB = 1 << LAT_HIST_SUB_BITS):
 *   v < 2*SUB            index v (exact)
 *   v >= 2*SUB           shift = msb(v) - SUB_BITS (>= 1), top = v >> shift in [SUB, 2*SUB),
 *                        index 2*SUB + (shift - 1) * SUB + (top - SUB)
 * so bucket i covers [top << shift, (top + 1) << shift), 1/top <= 1/SUB of its values.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

#define SUB (1U << LAT_HIST_SUB_BITS)

uint32_t lat_hist__index(uint64_t v)
{
	if (v < 2 * SUB)
		return (uint32_t)v;
	unsigned int shift = 63 - (unsigned int)__builtin_clzll(v) - LAT_HIST_SUB_BITS;
	uint64_t top = v >> shift;

	return 2 * SUB + (shift - 1) * SUB + (uint32_t)(top - SUB);
}

uint64_t lat_hist__bucket_low(uint32_t idx)
{
	if (idx < 2 * SUB)
		return idx;
	uint32_t k = idx - 2 * SUB;
	unsigned int shift = k / SUB + 1;

	return (uint64_t)(SUB + k % SUB) << shift;
}

uint64_t lat_hist__bucket_width(uint32_t idx)
{
	if (idx < 2 * SUB)
		return 1;
	return 1ULL << ((idx - 2 * SUB) / SUB + 1);
}

struct lat_hist *lat_hist__new(uint64_t highest_ns)
{
	struct lat_hist *h;

	if (highest_ns < 2 * SUB || highest_ns > (1ULL << 50)) {
		errno = EINVAL;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->highest = highest_ns;
	h->nbuckets = lat_hist__index(highest_ns) + 1;
	h->buckets = calloc(h->nbuckets, sizeof(*h->buckets));
	if (!h->buckets) {
		free(h);
		return NULL;
	}
	lat_hist__reset(h);
	return h;
}

void lat_hist__free(struct lat_hist *h)
{
	if (!h)
		return;
	free(h->buckets);
	free(h);
}

void lat_hist__reset(struct lat_hist *h)
{
	memset(h->buckets, 0, h->nbuckets * sizeof(*h->buckets));
	h->count = h->overflow = 0;
	h->min = UINT64_MAX;
	h->max = 0;
	h->sum = 0;
}

void lat_hist__record(struct lat_hist *h, uint64_t ns)
{
	h->count++;
	h->sum += ns;
	if (ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
	if (ns > h->highest) {
		h->overflow++;
		return;
	}
	h->buckets[lat_hist__index(ns)]++;
}

int lat_hist__merge(struct lat_hist *dst, const struct lat_hist *src)
{
	if (dst->nbuckets != src->nbuckets || dst->highest != src->highest)
		return -EINVAL;
	for (uint32_t i = 0; i < src->nbuckets; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	dst->overflow += src->overflow;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	return 0;
}

double lat_hist__mean(const struct lat_hist *h)
{
	return h->count ? (double)(h->sum / h->count) : 0.0;
}

uint64_t lat_hist__percentile(const struct lat_hist *h, double p)
{
	uint64_t rank, seen = 0;

	if (!h->count)
		return 0;
	if (p <= 0)
		return h->min;
	if (p >= 100)
		return h->max;
	rank = (uint64_t)ceill((long double)p / 100.0L * h->count);
	if (rank < 1)
		rank = 1;
	for (uint32_t i = 0; i < h->nbuckets; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t mid = lat_hist__bucket_low(i) + lat_hist__bucket_width(i) / 2;

			if (lat_hist__bucket_width(i) == 1)
				mid = lat_hist__bucket_low(i);
			if (mid < h->min)
				mid = h->min;
			if (mid > h->max)
				mid = h->max;
			return mid;
		}
	}
	return h->max; /* the rank lies among the overflows */
}

void lat_hist__linear_bins(const struct lat_hist *h, uint64_t bin_ns, uint64_t *out, size_t nbins)
{
	memset(out, 0, nbins * sizeof(*out));
	if (!nbins || !bin_ns)
		return;
	for (uint32_t i = 0; i < h->nbuckets; i++) {
		if (!h->buckets[i])
			continue;
		uint64_t mid = lat_hist__bucket_low(i) + lat_hist__bucket_width(i) / 2;
		uint64_t b = mid / bin_ns;

		out[b < nbins ? b : nbins - 1] += h->buckets[i];
	}
	out[nbins - 1] += h->overflow;
}

void lat_hist__json(const struct lat_hist *h, FILE *f, int indent)
{
	static const struct { const char *name; double p; } pct[] = {
		{ "p50", 50 }, { "p90", 90 }, { "p99", 99 }, { "p99_9", 99.9 }, { "p99_99", 99.99 },
	};

	fprintf(f, "{\n%*s\"count\": %llu,\n", indent, "", (unsigned long long)h->count);
	fprintf(f, "%*s\"min_ns\": %llu,\n", indent, "",
		(unsigned long long)(h->count ? h->min : 0));
	fprintf(f, "%*s\"avg_ns\": %.0f,\n", indent, "", lat_hist__mean(h));
	fprintf(f, "%*s\"max_ns\": %llu,\n", indent, "", (unsigned long long)h->max);
	for (size_t i = 0; i < sizeof(pct) / sizeof(pct[0]); i++)
		fprintf(f, "%*s\"%s_ns\": %llu,\n", indent, "", pct[i].name,
			(unsigned long long)lat_hist__percentile(h, pct[i].p));
	fprintf(f, "%*s\"overflow\": %llu\n%*s}", indent, "", (unsigned long long)h->overflow,
		indent > 2 ? indent - 2 : 0, "");
}
