/* Unit tests for run-level thresholds: every metric and operator, runs with
 * nothing measured, and the rounding of the figure a report prints. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "threshold.h"

static struct run_result res;

/* A run of conns connections, passed of them passed, no latency samples. */
static void
run_of(uint64_t conns, uint64_t passed)
{
	memset(&res, 0, sizeof(res));
	hist_init(&res.latency);
	res.conns = conns;
	res.passed = passed;
	res.failed = conns - passed;
}

/* A threshold as the parser would make it. */
static struct scenario_assert
thr(enum assert_metric m, double pct, enum assert_op op, double value)
{
	struct scenario_assert a;

	memset(&a, 0, sizeof(a));
	a.line = 3;
	a.metric = m;
	a.percentile = pct;
	a.op = op;
	a.value = value;
	return a;
}

/* Check a and return the formatted measured figure in out. */
static int
check_fmt(const struct scenario_assert *a, char *out, size_t outlen)
{
	double m;
	int ok = threshold_check(a, &res, &m);

	threshold_format(a, m, out, outlen);
	return ok;
}

static void
test_latency_percentile_against_bound(void **state)
{
	struct scenario_assert a = thr(ASSERT_LATENCY, 99, ASSERT_LT, 5000);
	char out[64];
	double m;
	int i;

	(void)state;
	run_of(100, 100);
	for (i = 0; i < 100; i++)
		hist_record(&res.latency, i < 98 ? 1000 : 7200);
	assert_int_equal(threshold_check(&a, &res, &m), 0);
	assert_true(m == 7200);	/* the bucket's top 7203, kept within max */
	threshold_format(&a, 7200, out, sizeof(out));
	assert_string_equal(out, "7.2ms");
	a.percentile = 50;
	assert_int_equal(check_fmt(&a, out, sizeof(out)), 1);
	assert_string_equal(out, "1.0ms");
	a.op = ASSERT_GE;
	assert_int_equal(threshold_check(&a, &res, &m), 0);
	a.op = ASSERT_GT;
	a.value = 999;
	assert_int_equal(threshold_check(&a, &res, &m), 1);
	a.op = ASSERT_LE;
	a.value = 1000;
	assert_int_equal(threshold_check(&a, &res, &m), 1);
	a.op = ASSERT_EQ;
	assert_int_equal(threshold_check(&a, &res, &m), 1);
	a.op = ASSERT_NE;
	assert_int_equal(threshold_check(&a, &res, &m), 0);
}

static void
test_latency_percentile_kept_within_min_and_max(void **state)
{
	struct scenario_assert a = thr(ASSERT_LATENCY, 99, ASSERT_LE, 5000);
	double m;

	(void)state;
	run_of(1, 1);
	hist_record(&res.latency, 5000);	/* bucket 5000-5003 */
	assert_int_equal(threshold_check(&a, &res, &m), 1);
	assert_true(m == 5000);
	a.percentile = 0;
	assert_int_equal(threshold_check(&a, &res, &m), 1);
	assert_true(m == 5000);
}

static void
test_latency_without_samples_fails_and_says_so(void **state)
{
	struct scenario_assert a = thr(ASSERT_LATENCY, 99, ASSERT_LT, 5000);
	char out[64];
	double m;

	(void)state;
	run_of(3, 0);
	assert_int_equal(threshold_check(&a, &res, &m), 0);
	assert_true(m < 0);
	threshold_format(&a, m, out, sizeof(out));
	assert_string_equal(out, "no samples");
	/* Not even `>` a negative bound holds: nothing was measured. */
	a.op = ASSERT_GT;
	a.value = 0;
	assert_int_equal(threshold_check(&a, &res, &m), 0);
}

static void
test_latency_units_and_rounding_toward_the_outcome(void **state)
{
	struct scenario_assert a = thr(ASSERT_LATENCY, 99, ASSERT_LT, 5000);
	char out[64];

	(void)state;
	threshold_format(&a, 850, out, sizeof(out));
	assert_string_equal(out, "850us");
	threshold_format(&a, 2500000, out, sizeof(out));
	assert_string_equal(out, "2.5s");
	/* 5001 us failed `< 5ms`: "5.0ms" would read as a pass. */
	threshold_format(&a, 5001, out, sizeof(out));
	assert_string_equal(out, "5.001ms");
	/* 4999 us passed `< 5ms`: not "5.0ms" either. */
	threshold_format(&a, 4999, out, sizeof(out));
	assert_string_equal(out, "4.999ms");
	threshold_format(&a, 4900, out, sizeof(out));
	assert_string_equal(out, "4.9ms");
}

static void
test_errors_every_operator(void **state)
{
	struct scenario_assert a = thr(ASSERT_ERRORS, 0, ASSERT_EQ, 0);
	char out[64];

	(void)state;
	run_of(10, 10);
	assert_int_equal(check_fmt(&a, out, sizeof(out)), 1);
	assert_string_equal(out, "0");
	run_of(10, 7);
	assert_int_equal(check_fmt(&a, out, sizeof(out)), 0);
	assert_string_equal(out, "3");
	a.op = ASSERT_NE;
	assert_int_equal(check_fmt(&a, out, sizeof(out)), 1);
	a.op = ASSERT_LT;
	a.value = 3;
	assert_int_equal(check_fmt(&a, out, sizeof(out)), 0);
	a.op = ASSERT_LE;
	assert_int_equal(check_fmt(&a, out, sizeof(out)), 1);
	a.op = ASSERT_GT;
	assert_int_equal(check_fmt(&a, out, sizeof(out)), 0);
	a.op = ASSERT_GE;
	assert_int_equal(check_fmt(&a, out, sizeof(out)), 1);
	/* No connections: zero errors is a count, and it holds. */
	run_of(0, 0);
	a.op = ASSERT_EQ;
	a.value = 0;
	assert_int_equal(check_fmt(&a, out, sizeof(out)), 1);
}

static void
test_passed_percent_exact_at_the_bound(void **state)
{
	struct scenario_assert a = thr(ASSERT_PASSED, 0, ASSERT_GE, 99.9);
	char out[64];

	(void)state;
	run_of(1000, 999);	/* exactly 99.9% */
	assert_int_equal(check_fmt(&a, out, sizeof(out)), 1);
	assert_string_equal(out, "99.9%");
	run_of(1000, 998);
	assert_int_equal(check_fmt(&a, out, sizeof(out)), 0);
	assert_string_equal(out, "99.8%");
	a.value = 99;
	run_of(3, 2);
	assert_int_equal(check_fmt(&a, out, sizeof(out)), 0);
	assert_string_equal(out, "66.7%");
}

static void
test_passed_percent_never_rounds_to_the_bound(void **state)
{
	struct scenario_assert a = thr(ASSERT_PASSED, 0, ASSERT_EQ, 100);
	char out[64];

	(void)state;
	run_of(2000, 1999);	/* 99.95% rounds to 100.0% at one digit */
	assert_int_equal(check_fmt(&a, out, sizeof(out)), 0);
	assert_string_equal(out, "99.95%");
	run_of(100000, 99999);
	assert_int_equal(check_fmt(&a, out, sizeof(out)), 0);
	assert_string_equal(out, "99.999%");
	run_of(2000, 2000);
	assert_int_equal(check_fmt(&a, out, sizeof(out)), 1);
	assert_string_equal(out, "100.0%");
	a.op = ASSERT_GE;
	a.value = 99;
	run_of(20000, 19799);	/* 98.995%: "99.0%" would read as a pass */
	assert_int_equal(check_fmt(&a, out, sizeof(out)), 0);
	assert_string_equal(out, "98.995%");
}

static void
test_percent_of_no_connections_fails(void **state)
{
	struct scenario_assert a = thr(ASSERT_PASSED, 0, ASSERT_GE, 0);
	char out[64];

	(void)state;
	run_of(0, 0);
	assert_int_equal(check_fmt(&a, out, sizeof(out)), 0);
	assert_string_equal(out, "no connections");
	a.metric = ASSERT_FAILED_PCT;
	a.op = ASSERT_LE;
	a.value = 100;
	assert_int_equal(check_fmt(&a, out, sizeof(out)), 0);
	assert_string_equal(out, "no connections");
}

static void
test_failed_percent(void **state)
{
	struct scenario_assert a = thr(ASSERT_FAILED_PCT, 0, ASSERT_LT, 1);
	char out[64];

	(void)state;
	run_of(1000, 995);
	assert_int_equal(check_fmt(&a, out, sizeof(out)), 1);
	assert_string_equal(out, "0.5%");
	run_of(100, 99);	/* exactly 1% is not below 1% */
	assert_int_equal(check_fmt(&a, out, sizeof(out)), 0);
	assert_string_equal(out, "1.0%");
	a.op = ASSERT_LE;
	assert_int_equal(check_fmt(&a, out, sizeof(out)), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latency_percentile_against_bound),
		cmocka_unit_test(test_latency_percentile_kept_within_min_and_max),
		cmocka_unit_test(test_latency_without_samples_fails_and_says_so),
		cmocka_unit_test(test_latency_units_and_rounding_toward_the_outcome),
		cmocka_unit_test(test_errors_every_operator),
		cmocka_unit_test(test_passed_percent_exact_at_the_bound),
		cmocka_unit_test(test_passed_percent_never_rounds_to_the_bound),
		cmocka_unit_test(test_percent_of_no_connections_fails),
		cmocka_unit_test(test_failed_percent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
