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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_json_clamps_to_max),
		cmocka_unit_test(test_hist_json_ordered_within_range),
		cmocka_unit_test(test_hist_json_empty_keeps_keys_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
