/* Unit tests for shards: --shard I/N and env, the shares adding up to the
 * whole, the source list dealt out, and --start-at times. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "shard.h"

/* I/N parses with I from 0; every malformed or out-of-range form is
 * refused with a message. */
static void
test_shard_parse_forms(void **state)
{
	static const char *const bad[] = {
		"", "1", "4/4", "5/4", "-1/4", "1/0", "a/4", "1/4x", "1//4",
		"1/100001", " 1/4", "1/-4",
	};
	char err[256];
	int i, n;
	size_t k;

	(void)state;
	assert_int_equal(shard_parse("0/1", &i, &n, err, sizeof(err)), 0);
	assert_int_equal(i, 0);
	assert_int_equal(n, 1);
	assert_int_equal(shard_parse("3/4", &i, &n, err, sizeof(err)), 0);
	assert_int_equal(i, 3);
	assert_int_equal(n, 4);
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		err[0] = '\0';
		assert_int_equal(shard_parse(bad[k], &i, &n, err, sizeof(err)),
		    -1);
		assert_true(strlen(err) > 10);
	}
}

/* --shard env reads JOB_COMPLETION_INDEX and SOCKBENCH_SHARDS, and says
 * which one is missing or wrong. */
static void
test_shard_parse_env(void **state)
{
	char err[256];
	int i, n;

	(void)state;
	unsetenv(SHARD_ENV_INDEX);
	setenv(SHARD_ENV_TOTAL, "8", 1);
	assert_int_equal(shard_parse("env", &i, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "JOB_COMPLETION_INDEX is not set"));
	setenv(SHARD_ENV_INDEX, "5", 1);
	assert_int_equal(shard_parse("env", &i, &n, err, sizeof(err)), 0);
	assert_int_equal(i, 5);
	assert_int_equal(n, 8);
	unsetenv(SHARD_ENV_TOTAL);
	assert_int_equal(shard_parse("env", &i, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "SOCKBENCH_SHARDS is not set"));
	setenv(SHARD_ENV_TOTAL, "5", 1);
	assert_int_equal(shard_parse("env", &i, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "below 5"));
	unsetenv(SHARD_ENV_INDEX);
	unsetenv(SHARD_ENV_TOTAL);
}

/* The shares of n over N shards add up to n and differ by at most one. */
static void
test_shard_share_adds_up(void **state)
{
	static const uint64_t ns[] = { 1, 7, 100, 100000, 99999, 12345677 };
	static const int totals[] = { 1, 2, 3, 7, 64 };
	size_t a, b;
	int i;

	(void)state;
	for (a = 0; a < sizeof(ns) / sizeof(ns[0]); a++)
		for (b = 0; b < sizeof(totals) / sizeof(totals[0]); b++) {
			uint64_t sum = 0, lo = UINT64_MAX, hi = 0, s;

			for (i = 0; i < totals[b]; i++) {
				s = shard_share(ns[a], i, totals[b]);
				sum += s;
				lo = s < lo ? s : lo;
				hi = s > hi ? s : hi;
			}
			assert_int_equal(sum, ns[a]);
			assert_true(hi - lo <= 1);
		}
}

/* Sources are dealt out in turn; fewer sources than shards: all to each. */
static void
test_shard_list_deals_in_turn(void **state)
{
	char *s;

	(void)state;
	s = shard_list("a,b,c,d,e", 1, 2);
	assert_string_equal(s, "b,d");
	free(s);
	s = shard_list("a,b,c,d,e", 0, 2);
	assert_string_equal(s, "a,c,e");
	free(s);
	s = shard_list("a,b", 2, 3);
	assert_string_equal(s, "a,b");
	free(s);
}

/* --start-at: unix seconds and RFC 3339 with Z, offsets, fractions;
 * impossible dates refused; the formatter gives RFC 3339 back. */
static void
test_shard_time_parse_format(void **state)
{
	static const char *const bad[] = {
		"", "now", "2026-11-30", "2026-11-30T08:00:00",
		"2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
		"2026-11-30T24:00:00Z", "2026-11-30T08:00:00+1:00",
		"2026-11-30T08:00:00.Z", "-5", "1e400", "12x",
		/* At or before 1970 (0 would mean "no --start-at"), or past
		 * 1e11 s, in the RFC 3339 form as in the unix one. */
		"0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z",
		"1969-12-31T23:59:59Z", "1970-01-01T01:00:00+01:00",
		"9999-12-31T23:59:59Z", "0", "100000000001",
	};
	char buf[40];
	double t;
	size_t k;

	(void)state;
	assert_int_equal(shard_parse_time("2026-11-30T08:00:00Z", &t), 0);
	assert_true(t == 1796025600.0);
	assert_int_equal(shard_parse_time("2026-11-30T09:00:00.25+01:00", &t),
	    0);
	assert_true(t == 1796025600.25);
	assert_int_equal(shard_parse_time("2024-02-29 23:59:59-00:30", &t), 0);
	assert_true(t == 1709251199.0 + 1800);
	assert_int_equal(shard_parse_time("1970-01-01T00:00:01Z", &t), 0);
	assert_true(t == 1.0);
	assert_int_equal(shard_parse_time("1796025600.5", &t), 0);
	assert_true(t == 1796025600.5);
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		assert_int_equal(shard_parse_time(bad[k], &t), -1);
	shard_format_time(1796025600.5, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-30T08:00:00.500Z");
	shard_format_time(1796025600.9996, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-30T08:00:01.000Z");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shard_parse_forms),
		cmocka_unit_test(test_shard_parse_env),
		cmocka_unit_test(test_shard_share_adds_up),
		cmocka_unit_test(test_shard_list_deals_in_turn),
		cmocka_unit_test(test_shard_time_parse_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
