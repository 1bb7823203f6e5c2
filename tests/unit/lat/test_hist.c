// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_hist.c - the log-linear histogram against exact percentiles computed by sorting:
 * uniform, exponential, constant and bimodal samples; every reported percentile is within the
 * stated precision (half a bucket, 1/2048 of the value, plus one ns of rounding) of the
 * nearest-rank value; min/max/mean exact; merge equals recording everything in one; overflow.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/test_util.h"
#include "hist.h"

#define N 200000
static const double pcts[] = { 1, 10, 50, 90, 99, 99.9, 99.99 };

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}
static double rng_unit(void)
{
	return (double)(rng() >> 11) / (double)(1ULL << 53);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t exact_pct(const uint64_t *sorted, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);

	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

static void check_against_sorted(uint64_t *v, size_t n, const char *what)
{
	struct lat_hist *h = lat_hist__new(60ULL * 1000000000ULL);
	long double sum = 0;

	assert_non_null(h);
	for (size_t i = 0; i < n; i++) {
		lat_hist__record(h, v[i]);
		sum += v[i];
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	assert_int_equal(h->count, n);
	assert_int_equal(h->min, v[0]);
	assert_int_equal(h->max, v[n - 1]);
	assert_true(fabs(lat_hist__mean(h) - (double)(sum / n)) < 1.0);
	for (size_t i = 0; i < ARRAY_SIZE(pcts); i++) {
		uint64_t want = exact_pct(v, n, pcts[i]);
		uint64_t got = lat_hist__percentile(h, pcts[i]);
		double tol = (double)want / 2048.0 + 1.0;

		if (fabs((double)got - (double)want) > tol)
			fail_msg("%s p%g: got %llu, exact %llu (tolerance %.1f)", what, pcts[i],
				 (unsigned long long)got, (unsigned long long)want, tol);
	}
	assert_int_equal(lat_hist__percentile(h, 100), v[n - 1]);
	assert_int_equal(h->overflow, 0);
	lat_hist__free(h);
}

static void test_bucket_layout(void **state)
{
	(void)state;
	uint32_t prev = 0;

	/* Indices are monotonic, contiguous, and every bucket contains its values. */
	for (uint64_t v = 0; v < (1ULL << 24); v += 1 + v / 4096) {
		uint32_t i = lat_hist__index(v);

		assert_true(i >= prev && i <= prev + 1 + v / 4096);
		assert_true(lat_hist__bucket_low(i) <= v);
		assert_true(v < lat_hist__bucket_low(i) + lat_hist__bucket_width(i));
		assert_true(lat_hist__bucket_width(i) * 1024 <= (lat_hist__bucket_low(i) | 1024));
		prev = i;
	}
	for (uint32_t i = 0; i < 40000; i++)
		assert_int_equal(lat_hist__index(lat_hist__bucket_low(i)), i);
}

static void test_uniform(void **state)
{
	(void)state;
	uint64_t *v = malloc(N * sizeof(*v));

	for (size_t i = 0; i < N; i++)
		v[i] = 1000 + rng() % 10000000; /* 1 µs .. 10 ms */
	check_against_sorted(v, N, "uniform");
	free(v);
}

static void test_exponential(void **state)
{
	(void)state;
	uint64_t *v = malloc(N * sizeof(*v));

	for (size_t i = 0; i < N; i++)
		v[i] = (uint64_t)(-log(1.0 - rng_unit()) * 50000.0); /* mean 50 µs */
	check_against_sorted(v, N, "exponential");
	free(v);
}

static void test_constant(void **state)
{
	(void)state;
	uint64_t *v = malloc(N * sizeof(*v));

	for (size_t i = 0; i < N; i++)
		v[i] = 123457;
	check_against_sorted(v, N, "constant");
	free(v);
}

static void test_bimodal(void **state)
{
	(void)state;
	uint64_t *v = malloc(N * sizeof(*v));

	/* 99.5% near 60 µs, 0.5% near 6 ms: the BH-lock shape. */
	for (size_t i = 0; i < N; i++)
		v[i] = (rng() % 1000 < 995) ? 50000 + rng() % 20000 : 5000000 + rng() % 2000000;
	check_against_sorted(v, N, "bimodal");
	free(v);
}

static void test_merge_and_overflow(void **state)
{
	(void)state;
	struct lat_hist *a = lat_hist__new(1000000), *b = lat_hist__new(1000000);
	struct lat_hist *all = lat_hist__new(1000000), *other = lat_hist__new(2000000);

	for (uint64_t i = 0; i < 10000; i++) {
		uint64_t x = rng() % 1200000;

		lat_hist__record(i & 1 ? a : b, x);
		lat_hist__record(all, x);
	}
	assert_int_equal(lat_hist__merge(a, b), 0);
	assert_int_equal(a->count, all->count);
	assert_int_equal(a->overflow, all->overflow);
	assert_true(a->overflow > 0);
	assert_int_equal(a->min, all->min);
	assert_int_equal(a->max, all->max);
	assert_memory_equal(a->buckets, all->buckets, a->nbuckets * sizeof(uint64_t));
	assert_int_equal(lat_hist__merge(a, other), -EINVAL);
	/* A rank among the overflows reports the exact max. */
	assert_int_equal(lat_hist__percentile(a, 99.99), a->max);

	struct lat_hist *e = lat_hist__new(1000000);

	assert_int_equal(lat_hist__percentile(e, 50), 0);
	assert_null(lat_hist__new(10));
	lat_hist__free(a), lat_hist__free(b), lat_hist__free(all), lat_hist__free(other);
	lat_hist__free(e);
}

static void test_json_and_bins(void **state)
{
	(void)state;
	struct lat_hist *h = lat_hist__new(1000000000);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	uint64_t bins[10];

	for (int i = 1; i <= 100; i++)
		lat_hist__record(h, (uint64_t)i * 1000);
	lat_hist__json(h, f, 2);
	fclose(f);
	assert_non_null(strstr(buf, "\"count\": 100,"));
	assert_non_null(strstr(buf, "\"min_ns\": 1000,"));
	assert_non_null(strstr(buf, "\"max_ns\": 100000,"));
	assert_non_null(strstr(buf, "\"p50_ns\": 50"));
	assert_non_null(strstr(buf, "\"overflow\": 0"));
	free(buf);
	lat_hist__linear_bins(h, 10000, bins, 10);
	uint64_t total = 0;

	for (int i = 0; i < 10; i++)
		total += bins[i];
	assert_int_equal(total, 100);
	assert_int_equal(bins[0], 9); /* 1..9 µs */
	lat_hist__free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_layout), cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_exponential),   cmocka_unit_test(test_constant),
		cmocka_unit_test(test_bimodal),       cmocka_unit_test(test_merge_and_overflow),
		cmocka_unit_test(test_json_and_bins),
	};

	return cmocka_run_group_tests_name("lat_hist", tests, NULL, NULL);
}
