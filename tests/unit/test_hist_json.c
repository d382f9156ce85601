/* Unit tests for the one latency JSON block (hist_json) every report
 * writes, and hist_value_at, the clamped percentile reports print. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "hist.h"

static const char *const block_keys[] = {
	"count", "min", "p50", "p90", "p99", "p99.9", "max", "mean", NULL
};

/* A fresh empty histogram (92 KiB: not on the stack). */
static struct hist *
new_hist(void)
{
	struct hist *h = malloc(sizeof(*h));

	assert_non_null(h);
	hist_init(h);
	return h;
}

/* The block has exactly the documented keys, in order. */
static void
assert_block_keys(const cJSON *o)
{
	const cJSON *it;
	int i = 0;

	cJSON_ArrayForEach(it, o) {
		assert_non_null(block_keys[i]);
		assert_string_equal(it->string, block_keys[i]);
		i++;
	}
	assert_null(block_keys[i]);
}

/* One value of 5000 us sits in the bucket 5000-5003: every percentile is
 * 5000, the largest value measured, never the bucket's top. */
static void
test_hist_json_clamps_to_max(void **state)
{
	struct hist *h = new_hist();
	cJSON *root = cJSON_CreateObject(), *o;
	int i;

	(void)state;
	hist_record(h, 5000);
	assert_int_equal(hist_percentile(h, 99.9), 5003);
	assert_int_equal(hist_value_at(h, 99.9), 5000);
	o = hist_json(h, root, "latency_us");
	assert_ptr_equal(cJSON_GetObjectItem(root, "latency_us"), o);
	assert_block_keys(o);
	assert_int_equal(cJSON_GetObjectItem(o, "count")->valuedouble, 1);
	for (i = 1; block_keys[i] != NULL; i++)
		assert_int_equal(cJSON_GetObjectItem(o,
		    block_keys[i])->valuedouble, 5000);
	assert_null(cJSON_GetObjectItem(o, "p999"));
	cJSON_Delete(root);
	free(h);
}

/* Percentiles are ordered and within [min, max] on a spread of values. */
static void
test_hist_json_ordered_within_range(void **state)
{
	struct hist *h = new_hist();
	cJSON *root = cJSON_CreateObject(), *o;
	double prev = 0, v;
	uint64_t i;
	int k;

	(void)state;
	for (i = 1; i <= 1000; i++)
		hist_record(h, i * 37 + 3);
	o = hist_json(h, root, "x");
	assert_block_keys(o);
	assert_int_equal(cJSON_GetObjectItem(o, "count")->valuedouble, 1000);
	assert_int_equal(cJSON_GetObjectItem(o, "min")->valuedouble, 40);
	assert_int_equal(cJSON_GetObjectItem(o, "max")->valuedouble, 37003);
	for (k = 1; k <= 6; k++) {
		v = cJSON_GetObjectItem(o, block_keys[k])->valuedouble;
		assert_true(v >= prev);
		assert_true(v >= 40 && v <= 37003);
		prev = v;
	}
	/* mean = 37 * 500.5 + 3, rounded to 0.1 us */
	assert_true(cJSON_GetObjectItem(o, "mean")->valuedouble == 18521.5);
	cJSON_Delete(root);
	free(h);
}

/* With no samples the block keeps every key: count 0, the rest null. */
static void
test_hist_json_empty_keeps_keys_null(void **state)
{
	struct hist *h = new_hist();
	cJSON *root = cJSON_CreateObject(), *o;
	int i;

	(void)state;
	o = hist_json(h, root, "connect_us");
	assert_block_keys(o);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(o, "count")));
	assert_int_equal(cJSON_GetObjectItem(o, "count")->valuedouble, 0);
	for (i = 1; block_keys[i] != NULL; i++)
		assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, block_keys[i])));
	assert_int_equal(hist_value_at(h, 50), 0);
	cJSON_Delete(root);
	free(h);
}

/* The lossless form gives back every bucket, count, sum, min, max,
 * overflow of the histogram, through a JSON text and back. */
static void
test_hist_json_encoded_round_trip(void **state)
{
	struct hist *h = new_hist(), *back = new_hist();
	cJSON *root = cJSON_CreateObject(), *parsed;
	char *text;
	uint64_t v;
	int k;

	(void)state;
	for (v = 1, k = 0; k < 5000; k++, v = v * 7 % 100003)
		hist_record(h, v * (uint64_t)(k % 13 + 1) * 31);
	hist_record(h, 0);
	hist_record(h, UINT64_C(1) << 40);	/* clamped, overflow 1 */
	hist_json_encoded(h, root, "latency_us");
	text = cJSON_PrintUnformatted(root);
	parsed = cJSON_Parse(text);
	assert_int_equal(hist_json_decode(back,
	    cJSON_GetObjectItem(parsed, "latency_us")), 0);
	assert_int_equal(back->count, h->count);
	assert_int_equal(back->sum, h->sum);
	assert_int_equal(back->min, h->min);
	assert_int_equal(back->max, h->max);
	assert_int_equal(back->overflow, 1);
	assert_memory_equal(back->counts, h->counts, sizeof(h->counts));
	/* Standard base64 of "SBH1...": it starts "U0JIM". */
	assert_memory_equal(cJSON_GetObjectItem(parsed,
	    "latency_us")->valuestring, "U0JIM", 5);
	free(text);
	cJSON_Delete(parsed);
	cJSON_Delete(root);
	/* Empty: a valid encoding of nothing. */
	hist_init(h);
	root = cJSON_CreateObject();
	hist_json_encoded(h, root, "x");
	assert_int_equal(hist_json_decode(back, cJSON_GetObjectItem(root,
	    "x")), 0);
	assert_int_equal(hist_count(back), 0);
	cJSON_Delete(root);
	free(h);
	free(back);
}

/* Not a string, not base64, padding in the middle, a length not a
 * multiple of 4, a valid base64 of a bad histogram: all refused, the
 * histogram left empty. */
static void
test_hist_json_decode_refuses_malformed(void **state)
{
	static const char *const bad[] = {
		"", "U0JIMQ", "U0JIMQ=A", "U0J=MQAA", "U0JIM*AA", "AAAA",
		"U0JIMQ==", "U0JIMQE=",
	};
	struct hist *h = new_hist();
	cJSON *s;
	size_t i;

	(void)state;
	s = cJSON_CreateNumber(3);
	assert_int_equal(hist_json_decode(h, s), -1);
	cJSON_Delete(s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hist_record(h, 5);
		s = cJSON_CreateString(bad[i]);
		assert_int_equal(hist_json_decode(h, s), -1);
		assert_int_equal(hist_count(h), 0);
		cJSON_Delete(s);
	}
	free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_json_clamps_to_max),
		cmocka_unit_test(test_hist_json_ordered_within_range),
		cmocka_unit_test(test_hist_json_empty_keeps_keys_null),
		cmocka_unit_test(test_hist_json_encoded_round_trip),
		cmocka_unit_test(test_hist_json_decode_refuses_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
