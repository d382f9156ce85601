/* Unit tests for the latency histogram and the per-second rate ring. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "buf.h"
#include "stats.h"

static struct hist ha, hb, hc;

/* Return the next value of a small deterministic generator. */
static uint64_t
lcg_next(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 11;
}

/* Return a value spread over many powers of two, from 1 to about 2^34. */
static uint64_t
spread_value(uint64_t *s)
{
	uint64_t	 r = lcg_next(s);

	return 1 + ((r >> 6) & ((UINT64_C(1) << (r % 35)) - 1));
}

/* Assert that got is the bucket top of want, within 0.1% above it. */
static void
assert_close_above(uint64_t got, uint64_t want)
{
	assert_true(got >= want);
	assert_true((double)(got - want) <= 0.001 * (double)want);
}

/* Assert that two histograms hold exactly the same samples. */
static void
assert_hist_equal(const struct hist *a, const struct hist *b)
{
	assert_int_equal(a->count, b->count);
	assert_int_equal(a->sum, b->sum);
	assert_int_equal(a->min, b->min);
	assert_int_equal(a->max, b->max);
	assert_int_equal(a->overflow, b->overflow);
	assert_int_equal(a->lost, b->lost);
	assert_memory_equal(a->counts, b->counts, sizeof(a->counts));
}

/* Return the sum of all bucket counts of h. */
static uint64_t
bucket_total(const struct hist *h)
{
	uint64_t	 t = 0;
	size_t		 i;

	for (i = 0; i < HIST_NBUCKETS; i++)
		t += h->counts[i];
	return t;
}

/* Decode n bytes placed in an exactly sized heap block, so that reading
 * past them is caught by the address sanitizer. */
static int
decode_exact(struct hist *h, const unsigned char *p, size_t n)
{
	unsigned char	*q = malloc(n ? n : 1);
	int		 rv;

	assert_non_null(q);
	if (n)
		memcpy(q, p, n);
	rv = hist_decode(h, q, n);
	free(q);
	return rv;
}

/* An empty histogram reports zero everywhere. */
static void
test_hist_empty_reports_zero(void **state)
{
	(void)state;
	hist_init(&ha);
	assert_int_equal(hist_count(&ha), 0);
	assert_int_equal(hist_min(&ha), 0);
	assert_int_equal(hist_max(&ha), 0);
	assert_true(hist_mean(&ha) == 0.0);
	assert_int_equal(hist_percentile(&ha, 0), 0);
	assert_int_equal(hist_percentile(&ha, 50), 0);
	assert_int_equal(hist_percentile(&ha, 100), 0);
}

/* One sample is every percentile, reported as its bucket's top. */
static void
test_hist_single_value(void **state)
{
	(void)state;
	hist_init(&ha);
	hist_record(&ha, 5000);
	assert_int_equal(hist_count(&ha), 1);
	assert_int_equal(hist_min(&ha), 5000);
	assert_int_equal(hist_max(&ha), 5000);
	assert_true(hist_mean(&ha) == 5000.0);
	assert_int_equal(hist_percentile(&ha, 0), 5000);
	assert_int_equal(hist_percentile(&ha, 50), 5003);
	assert_int_equal(hist_percentile(&ha, 100), 5003);
	assert_int_equal(hist_highest_equiv(5000), 5003);
	assert_int_equal(hist_lowest_equiv(5003), 5000);
}

/* Many equal samples below 2048 are exact at every percentile. */
static void
test_hist_all_equal(void **state)
{
	int	 i;

	(void)state;
	hist_init(&ha);
	for (i = 0; i < 1000; i++)
		hist_record(&ha, 777);
	assert_int_equal(hist_count(&ha), 1000);
	assert_int_equal(hist_percentile(&ha, 0), 777);
	assert_int_equal(hist_percentile(&ha, 0.1), 777);
	assert_int_equal(hist_percentile(&ha, 50), 777);
	assert_int_equal(hist_percentile(&ha, 99.99), 777);
	assert_int_equal(hist_percentile(&ha, 100), 777);
	assert_true(hist_mean(&ha) == 777.0);
}

/* Percentiles of 1..10000 land on the expected rank within 0.1%. */
static void
test_hist_uniform_percentiles(void **state)
{
	static const double	 pcts[] = { 0.01, 1, 10, 25, 50, 75, 90, 99,
	    99.9, 99.99, 100 };
	uint64_t		 v;
	size_t			 i;

	(void)state;
	hist_init(&ha);
	for (v = 1; v <= 10000; v++)
		hist_record(&ha, v);
	assert_int_equal(hist_count(&ha), 10000);
	assert_int_equal(hist_min(&ha), 1);
	assert_int_equal(hist_max(&ha), 10000);
	assert_true(hist_mean(&ha) == 5000.5);
	for (i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
		assert_close_above(hist_percentile(&ha, pcts[i]),
		    (uint64_t)(pcts[i] * 100 + 0.5));
	assert_int_equal(hist_percentile(&ha, 50), 5003);
	assert_int_equal(hist_percentile(&ha, 1), 100);
	assert_int_equal(hist_percentile(&ha, 0), 1);
	assert_int_equal(hist_percentile(&ha, -5), 1);
	assert_int_equal(hist_percentile(&ha, 250), hist_percentile(&ha, 100));
}

/* Buckets tile 0..HIST_MAX without gaps, each under 0.1% wide. */
static void
test_hist_buckets_tile_range(void **state)
{
	uint64_t	 v = 0, lo, hi, n = 0;

	(void)state;
	for (;;) {
		lo = hist_lowest_equiv(v);
		hi = hist_highest_equiv(v);
		assert_int_equal(lo, v);
		assert_true(hi >= lo);
		assert_int_equal(hist_highest_equiv(hi), hi);
		assert_int_equal(hist_lowest_equiv(hi), lo);
		if (lo > 0)
			assert_true((double)(hi - lo) < 0.001 * (double)lo);
		n++;
		if (hi == HIST_MAX)
			break;
		v = hi + 1;
	}
	assert_int_equal(n, HIST_NBUCKETS);
}

/* Any value from 1 us to past one hour reads back within 0.1%. */
static void
test_hist_relative_error_bound(void **state)
{
	double		 x;
	uint64_t	 v, s = 7;

	(void)state;
	for (x = 1; x < 4.0e9; x *= 1.013) {
		v = (uint64_t)x + lcg_next(&s) % ((uint64_t)x / 100 + 1);
		if (v > HIST_MAX)
			break;
		hist_reset(&ha);
		hist_record(&ha, v);
		assert_close_above(hist_percentile(&ha, 100), v);
		assert_close_above(hist_percentile(&ha, 50), v);
		assert_true(hist_percentile(&ha, 0) <= v);
		assert_true((double)(v - hist_percentile(&ha, 0)) <=
		    0.001 * (double)v);
	}
	hist_reset(&ha);
	hist_record(&ha, UINT64_C(3600000000));
	assert_int_equal(ha.overflow, 0);
	assert_close_above(hist_percentile(&ha, 99), UINT64_C(3600000000));
}

/* Values past HIST_MAX clamp to the top bucket and count as overflow. */
static void
test_hist_clamps_overflow(void **state)
{
	(void)state;
	hist_init(&ha);
	hist_record(&ha, 10);
	hist_record(&ha, HIST_MAX + 1);
	hist_record(&ha, UINT64_MAX);
	hist_record(&ha, HIST_MAX);
	assert_int_equal(hist_count(&ha), 4);
	assert_int_equal(ha.overflow, 2);
	assert_int_equal(hist_max(&ha), HIST_MAX);
	assert_int_equal(hist_percentile(&ha, 100), HIST_MAX);
	assert_int_equal(hist_percentile(&ha, 25), 10);
	assert_int_equal(ha.counts[HIST_NBUCKETS - 1], 3);
}

/* Merging two halves equals recording everything into one histogram. */
static void
test_hist_merge_equals_single(void **state)
{
	uint64_t	 s = 42, v;
	int		 i;

	(void)state;
	hist_init(&ha);
	hist_init(&hb);
	hist_init(&hc);
	for (i = 0; i < 200000; i++) {
		v = spread_value(&s);
		hist_record(i % 3 ? &ha : &hb, v);
		hist_record(&hc, v);
	}
	hist_merge(&ha, &hb);
	assert_hist_equal(&ha, &hc);
	assert_int_equal(hist_percentile(&ha, 99.9),
	    hist_percentile(&hc, 99.9));
	assert_true(hist_mean(&ha) == hist_mean(&hc));

	/* Merging into or from an empty histogram changes nothing else. */
	hist_init(&hb);
	hist_merge(&hb, &hc);
	assert_hist_equal(&hb, &hc);
	hist_init(&hb);
	hist_merge(&hc, &hb);
	assert_hist_equal(&ha, &hc);
}

/* A full bucket stops at UINT32_MAX and counts the rest as lost. */
static void
test_hist_saturated_bucket(void **state)
{
	(void)state;
	hist_init(&ha);
	ha.counts[5] = UINT32_MAX;
	ha.count = UINT32_MAX;
	ha.sum = 5 * (uint64_t)UINT32_MAX;
	ha.min = ha.max = 5;
	hist_init(&hb);
	hist_record(&hb, 5);
	hist_record(&hb, 9);
	hist_merge(&hb, &ha);
	assert_int_equal(hb.counts[5], UINT32_MAX);
	assert_int_equal(hb.lost, 1);
	assert_int_equal(hist_count(&hb), (uint64_t)UINT32_MAX + 2);
	assert_int_equal(hist_percentile(&hb, 50), 5);
	assert_int_equal(hist_percentile(&hb, 100), 9);
	hist_record(&hb, 5);
	assert_int_equal(hb.lost, 2);
	assert_int_equal(hb.counts[5], UINT32_MAX);
}

/* Encoding then decoding gives back the same histogram, sparsely. */
static void
test_hist_encode_roundtrip(void **state)
{
	struct buf	 b;
	uint64_t	 s = 3;
	size_t		 n;
	int		 i;

	(void)state;
	buf_init(&b);
	hist_init(&ha);
	n = hist_encode(&ha, &b);
	assert_int_equal(n, buf_len(&b));
	assert_true(n < 16);
	hist_record(&hb, 1);
	assert_int_equal(decode_exact(&hb, buf_data(&b), n), 0);
	assert_hist_equal(&ha, &hb);

	buf_reset(&b);
	for (i = 0; i < 1000; i++)
		hist_record(&ha, 100 + i % 7);
	n = hist_encode(&ha, &b);
	assert_true(n < 64);
	assert_int_equal(decode_exact(&hb, buf_data(&b), n), 0);
	assert_hist_equal(&ha, &hb);

	buf_reset(&b);
	for (i = 0; i < 100000; i++)
		hist_record(&ha, spread_value(&s));
	hist_record(&ha, UINT64_MAX);
	hist_record(&ha, 0);
	n = hist_encode(&ha, &b);
	assert_int_equal(decode_exact(&hb, buf_data(&b), n), 0);
	assert_hist_equal(&ha, &hb);
	buf_free(&b);
}

/* Every truncation, trailing garbage and inconsistency is rejected. */
static void
test_hist_decode_rejects_malformed(void **state)
{
	/* count 2, sum 3, min 1, max 2, no overflow or loss, two buckets. */
	static const unsigned char good[] = { 'S', 'B', 'H', '1', 2, 3, 1, 2,
	    0, 0, 2, 1, 1, 0, 1 };
	unsigned char	 bad[sizeof(good) + 16];
	struct buf	 b;
	uint64_t	 s = 11;
	size_t		 n, i;
	int		 k;

	(void)state;
	assert_int_equal(decode_exact(&ha, good, sizeof(good)), 0);
	assert_int_equal(hist_count(&ha), 2);
	assert_int_equal(hist_percentile(&ha, 100), 2);

	/* Every truncated prefix of a real encoding. */
	buf_init(&b);
	hist_init(&hc);
	for (k = 0; k < 500; k++)
		hist_record(&hc, spread_value(&s));
	n = hist_encode(&hc, &b);
	for (i = 0; i < n; i++) {
		hist_record(&ha, 1);
		assert_int_equal(decode_exact(&ha, buf_data(&b), i), -1);
		assert_int_equal(hist_count(&ha), 0);
	}
	/* Trailing garbage. */
	buf_append(&b, "", 1);
	assert_int_equal(decode_exact(&ha, buf_data(&b), n + 1), -1);
	buf_free(&b);

#define BAD(off, val) do {						\
	memcpy(bad, good, sizeof(good));				\
	bad[(off)] = (val);						\
	assert_int_equal(decode_exact(&ha, bad, sizeof(good)), -1);	\
} while (0)
	BAD(0, 'X');		/* magic */
	BAD(3, '2');		/* version */
	BAD(4, 3);		/* count disagrees with buckets */
	BAD(5, 9);		/* mean above max */
	BAD(6, 3);		/* min above max */
	BAD(6, 0);		/* min not in the first bucket */
	BAD(7, 5);		/* max not in the last bucket */
	BAD(8, 3);		/* more overflow than samples */
	BAD(9, 1);		/* lost but buckets hold everything */
	BAD(10, 3);		/* more buckets than present */
	BAD(13, 0x7f);		/* second bucket not the max's */
	BAD(14, 0);		/* a zero-count bucket */
#undef BAD

	/* A gap running past the last bucket. */
	memcpy(bad, good, sizeof(good));
	bad[11] = 0xff;
	bad[12] = 0xff;
	bad[13] = 0x7f;
	bad[14] = 1;
	assert_int_equal(decode_exact(&ha, bad, 15), -1);
	/* An eleven-byte varint, and a ten-byte one overflowing 64 bits. */
	memcpy(bad, good, 4);
	memset(bad + 4, 0x80, 10);
	bad[14] = 0x01;
	assert_int_equal(decode_exact(&ha, bad, 15), -1);
	memset(bad + 4, 0xff, 9);
	bad[13] = 0x02;
	assert_int_equal(decode_exact(&ha, bad, 14), -1);
	/* Empty input, and an empty histogram claiming a sum. */
	assert_int_equal(decode_exact(&ha, good, 0), -1);
	static const unsigned char empty_sum[] = { 'S', 'B', 'H', '1', 0, 1,
	    0, 0, 0, 0, 0 };
	assert_int_equal(decode_exact(&ha, empty_sum, sizeof(empty_sum)), -1);

	/* Random bytes after the magic never crash and rarely pass. */
	for (k = 0; k < 20000; k++) {
		memcpy(bad, good, 4);
		n = 4 + lcg_next(&s) % (sizeof(bad) - 4);
		for (i = 4; i < n; i++)
			bad[i] = (unsigned char)lcg_next(&s);
		if (decode_exact(&ha, bad, n) == 0)
			assert_int_equal(hist_count(&ha),
			    ha.lost + bucket_total(&ha));
		else
			assert_int_equal(hist_count(&ha), 0);
	}
}

/* Counts land in their second and the last completed one is reported. */
static void
test_rate_per_second(void **state)
{
	struct rate	 r;
	double		 out[RATE_WINDOW + 8];
	size_t		 n;

	(void)state;
	rate_init(&r);
	assert_true(rate_per_sec(&r, 10.0) == 0.0);
	assert_int_equal(rate_series(&r, 10.0, out, 8), 0);
	rate_add(&r, 100.2, 5);
	rate_add(&r, 100.7, 3);
	assert_true(rate_per_sec(&r, 100.9) == 0.0);
	rate_add(&r, 101.5, 10);
	assert_true(rate_per_sec(&r, 101.5) == 8.0);
	assert_true(rate_per_sec(&r, 102.0) == 10.0);
	assert_true(rate_per_sec(&r, 104.0) == 0.0);
	n = rate_series(&r, 102.3, out, RATE_WINDOW + 8);
	assert_int_equal(n, 2);
	assert_true(out[0] == 8.0 && out[1] == 10.0);
	n = rate_series(&r, 102.3, out, 1);
	assert_int_equal(n, 1);
	assert_true(out[0] == 10.0);
	assert_int_equal(rate_series(&r, 102.3, out, 0), 0);
}

/* The ring wraps, forgets seconds past the window and skips idle gaps. */
static void
test_rate_ring_wraps(void **state)
{
	struct rate	 r;
	double		 out[RATE_WINDOW + 8];
	size_t		 n, i;
	int		 t;

	(void)state;
	rate_init(&r);
	for (t = 0; t < 200; t++)
		rate_add(&r, t + 0.5, (uint64_t)t);
	assert_true(rate_per_sec(&r, 200.1) == 199.0);
	n = rate_series(&r, 200.1, out, RATE_WINDOW + 8);
	assert_int_equal(n, RATE_WINDOW);
	for (i = 0; i < n; i++)
		assert_true(out[i] == 140.0 + (double)i);

	/* Late events inside the ring still count; older ones are dropped. */
	rate_add(&r, 190.0, 1000);
	rate_add(&r, 100.0, 1000);
	n = rate_series(&r, 200.1, out, RATE_WINDOW + 8);
	assert_true(out[n - 10] == 190.0 + 1000.0);
	assert_true(out[0] == 140.0);

	/* A long idle gap clears the whole ring. */
	rate_add(&r, 300.2, 7);
	n = rate_series(&r, 300.9, out, RATE_WINDOW + 8);
	assert_int_equal(n, RATE_WINDOW);
	for (i = 0; i < n; i++)
		assert_true(out[i] == 0.0);
	assert_true(rate_per_sec(&r, 301.0) == 7.0);
	n = rate_series(&r, 301.0, out, RATE_WINDOW + 8);
	assert_true(out[n - 1] == 7.0);
	/* A gap shorter than the ring clears only the seconds it skips. */
	rate_add(&r, 330.0, 4);
	n = rate_series(&r, 331.0, out, RATE_WINDOW + 8);
	assert_true(out[n - 1] == 4.0);
	assert_true(out[n - 31] == 7.0);
	for (i = n - 30; i < n - 1; i++)
		assert_true(out[i] == 0.0);
}

/* Run every histogram and rate test. */
/* The rank rounds up, as HdrHistogram does: p90 of 1..9 is 9, not 8. */
static void
test_hist_percentile_rank_rounds_up(void **state)
{
	struct hist *h = malloc(sizeof(*h));
	uint64_t v;

	(void)state;
	hist_init(h);
	for (v = 1; v <= 9; v++)
		hist_record(h, v);
	assert_int_equal(hist_percentile(h, 90), 9);
	assert_int_equal(hist_percentile(h, 50), 5);
	assert_int_equal(hist_percentile(h, 100.0 / 9.0), 1);
	assert_int_equal(hist_percentile(h, 12), 2);
	free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_empty_reports_zero),
		cmocka_unit_test(test_hist_percentile_rank_rounds_up),
		cmocka_unit_test(test_hist_single_value),
		cmocka_unit_test(test_hist_all_equal),
		cmocka_unit_test(test_hist_uniform_percentiles),
		cmocka_unit_test(test_hist_buckets_tile_range),
		cmocka_unit_test(test_hist_relative_error_bound),
		cmocka_unit_test(test_hist_clamps_overflow),
		cmocka_unit_test(test_hist_merge_equals_single),
		cmocka_unit_test(test_hist_saturated_bucket),
		cmocka_unit_test(test_hist_encode_roundtrip),
		cmocka_unit_test(test_hist_decode_rejects_malformed),
		cmocka_unit_test(test_rate_per_second),
		cmocka_unit_test(test_rate_ring_wraps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
