/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hist.h - log-linear latency histogram (the HdrHistogram idea, written here from scratch).
 *
 * Values are nanoseconds. Below 2048 every value has its own bucket; above, each power of two is
 * cut into 1024 equal buckets, so a bucket is at most 1/1024 of its values wide: about three
 * significant digits everywhere. Values above the highest trackable value are counted as
 * overflows (and still move max and the mean). min, max and the mean are exact.
 *
 * Percentiles follow the nearest-rank definition (the value of rank ceil(p/100 * n) in sorted
 * order) and are reported as the middle of that value's bucket, clamped to [min, max]: the
 * error is at most half a bucket, 1/2048 of the value.
 *
 * Context: one writer per histogram, no locking; merge into a private histogram to combine.
 */
#ifndef TOOLS_LAT_HIST_H
#define TOOLS_LAT_HIST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define LAT_HIST_SUB_BITS 10 /* 1024 buckets per power of two above the linear part */

struct lat_hist {
	uint64_t highest;  /* largest trackable value */
	uint32_t nbuckets;
	uint64_t count;    /* recorded values, overflows included */
	uint64_t overflow; /* values above highest */
	uint64_t min, max;
	long double sum;
	uint64_t *buckets;
};

/* Return: a histogram tracking 0..highest_ns, or NULL with errno (ENOMEM, EINVAL). */
struct lat_hist *lat_hist__new(uint64_t highest_ns);
void lat_hist__free(struct lat_hist *h);
void lat_hist__reset(struct lat_hist *h);

void lat_hist__record(struct lat_hist *h, uint64_t ns);
/* Add src into dst. Return: 0, or -EINVAL if their ranges differ. */
int lat_hist__merge(struct lat_hist *dst, const struct lat_hist *src);

double lat_hist__mean(const struct lat_hist *h);
/* p in [0, 100]. Return: the p-th percentile in ns, 0 for an empty histogram. */
uint64_t lat_hist__percentile(const struct lat_hist *h, double p);

/* Bucket arithmetic, exposed for tests and for plotting. */
uint32_t lat_hist__index(uint64_t ns);
uint64_t lat_hist__bucket_low(uint32_t idx);
uint64_t lat_hist__bucket_width(uint32_t idx);

/*
 * Re-bin into nbins linear bins of bin_ns each (by bucket middle); values past the last bin
 * land in it. For plots like OSADL's (count per µs on a log axis).
 */
void lat_hist__linear_bins(const struct lat_hist *h, uint64_t bin_ns, uint64_t *out, size_t nbins);

/*
 * Write {"count":..,"min_ns":..,"avg_ns":..,"max_ns":..,"p50_ns":..,..,"overflow":..} to f,
 * indented by indent spaces for its inner lines.
 */
void lat_hist__json(const struct lat_hist *h, FILE *f, int indent);

#endif
