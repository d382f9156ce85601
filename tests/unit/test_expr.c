/* Unit tests for scenario expressions (src/script/expr.c): values,
 * operators, functions, and every compile and runtime error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "expr.h"

/* Variables of the test connection: x=5, s="abc", big=9223372036854775807,
 * word="hello", row.user="alice". */
static int
lookup(void *arg, const char *name, const unsigned char **p, size_t *n)
{
	static const char *const kv[] = {
		"x", "5", "s", "abc", "big", "9223372036854775807",
		"word", "hello", "row.user", "alice", "neg", "-3", NULL
	};
	size_t i;

	(void)arg;
	for (i = 0; kv[i] != NULL; i += 2)
		if (strcmp(kv[i], name) == 0) {
			*p = (const unsigned char *)kv[i + 1];
			*n = strlen(kv[i + 1]);
			return 0;
		}
	return -1;
}

static uint64_t rng_state = 42;
static const struct expr_env env = { lookup, NULL, &rng_state };

/* Evaluate src, which must succeed, and return its rendering. */
static char *
eval_ok(const char *src)
{
	struct expr *e;
	struct value v;
	struct buf b;
	char err[256], *s;
	size_t off;

	if (expr_compile(src, strlen(src), &e, err, sizeof(err), &off) != 0)
		fail_msg("compile '%s': %s at %zu", src, err, off);
	if (expr_eval(e, &env, &v, err, sizeof(err)) != 0)
		fail_msg("eval '%s': %s", src, err);
	buf_init(&b);
	value_render(&v, &b);
	s = strndup((const char *)buf_data(&b), buf_len(&b));
	buf_free(&b);
	value_free(&v);
	expr_free(e);
	return s;
}

static void
assert_eval(const char *src, const char *want)
{
	char *got = eval_ok(src);

	if (strcmp(got, want) != 0)
		fail_msg("'%s' gave '%s', want '%s'", src, got, want);
	free(got);
}

/* src must fail to compile with a message containing want at offset off. */
static void
assert_compile_error(const char *src, const char *want, size_t want_off)
{
	struct expr *e;
	char err[256];
	size_t off = 9999;

	if (expr_compile(src, strlen(src), &e, err, sizeof(err), &off) == 0)
		fail_msg("'%s' compiled", src);
	if (strstr(err, want) == NULL)
		fail_msg("'%s': error '%s' lacks '%s'", src, err, want);
	if (off != want_off)
		fail_msg("'%s': error at %zu, want %zu (%s)", src, off,
		    want_off, err);
}

/* src compiles but its evaluation fails with a message containing want. */
static void
assert_runtime_error(const char *src, const char *want)
{
	struct expr *e;
	struct value v;
	char err[256];
	size_t off;

	if (expr_compile(src, strlen(src), &e, err, sizeof(err), &off) != 0)
		fail_msg("compile '%s': %s", src, err);
	if (expr_eval(e, &env, &v, err, sizeof(err)) == 0)
		fail_msg("'%s' evaluated", src);
	if (strstr(err, want) == NULL)
		fail_msg("'%s': error '%s' lacks '%s'", src, err, want);
	expr_free(e);
}

static void
test_arithmetic_follows_precedence_and_c_division(void **state)
{
	(void)state;
	assert_eval("1 + 2 * 3", "7");
	assert_eval("(1 + 2) * 3", "9");
	assert_eval("10 - 4 - 3", "3");
	assert_eval("7 / 2", "3");
	assert_eval("-7 / 2", "-3");
	assert_eval("-7 % 3", "-1");
	assert_eval("--4", "4");
	assert_eval("x * 2", "10");
	assert_eval("neg + 1", "-2");
}

static void
test_strings_concatenate_and_compare_bytewise(void **state)
{
	(void)state;
	assert_eval("\"a\" .. \"b\" .. 1", "ab1");
	assert_eval("s .. x", "abc5");
	assert_eval("\"tab\\there\\x21\\u{263A}\"", "tab\there!\xe2\x98\xba");
	assert_eval("\"abc\" < \"abd\"", "1");
	/* Two strings that are both integers compare as numbers: variables
	 * hold text. */
	assert_eval("\"10\" > \"9\"", "1");
	assert_eval("\"abc\" < \"abd1\"", "1");
	assert_eval("\"ab\" < \"abc\"", "1");
	assert_eval("s == \"abc\"", "1");
	/* A string and an integer compare as integers: "10" > 9. */
	assert_eval("\"10\" > 9", "1");
	assert_eval("x == 5", "1");
	assert_eval("x != 5", "0");
	assert_eval("row.user", "alice");
}

static void
test_logic_short_circuits_and_yields_zero_or_one(void **state)
{
	(void)state;
	assert_eval("1 && 2", "1");
	assert_eval("0 && 2", "0");
	assert_eval("0 || \"\"", "0");
	assert_eval("0 || \"x\"", "1");
	assert_eval("!0", "1");
	assert_eval("!s", "0");
	/* A variable holding "0" is false, as 0 is. */
	assert_eval("!\"0\"", "1");
	assert_eval("\"0\" || 0", "0");
	assert_eval("x > 1 && x < 10 || 0", "1");
	/* The right side is never run when the left decides. */
	assert_eval("0 && 1 / 0", "0");
	assert_eval("1 || unset_name", "1");
}

static void
test_functions_compute_their_documented_values(void **state)
{
	char *r;
	int i;

	(void)state;
	assert_eval("len(\"hello\")", "5");
	assert_eval("len(12345)", "5");
	assert_eval("int(\"-42\") + 1", "-41");
	assert_eval("str(7) .. str(\"x\")", "7x");
	assert_eval("hex(255)", "ff");
	assert_eval("hex(\"\\x00\\xff\")", "00ff");
	assert_eval("hex(x)", "5");		/* x holds "5" */
	assert_eval("hex(\"42\")", "2a");
	assert_eval("upper(word) .. lower(\"ABC\")", "HELLOabc");
	assert_eval("substr(word, 1, 3)", "ell");
	assert_eval("substr(word, -2)", "lo");
	assert_eval("substr(word, 10)", "");
	assert_eval("now_ms() > 1700000000000", "1");
	for (i = 0; i < 50; i++) {
		r = eval_ok("randint(3, 5)");
		assert_true(strcmp(r, "3") == 0 || strcmp(r, "4") == 0 ||
		    strcmp(r, "5") == 0);
		free(r);
		r = eval_ok("choice(\"a\", \"b\")");
		assert_true(strcmp(r, "a") == 0 || strcmp(r, "b") == 0);
		free(r);
	}
	r = eval_ok("randstr(12)");
	assert_int_equal(strlen(r), 12);
	assert_int_equal(strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789"), 12);
	free(r);
}

static void
test_runtime_errors_name_the_fault(void **state)
{
	(void)state;
	assert_runtime_error("big + 1", "integer overflow in 9223372036854775807 + 1");
	assert_runtime_error("big * 2", "integer overflow");
	assert_runtime_error("-big - 2", "integer overflow");
	assert_runtime_error("x / 0", "division by zero (5 / 0)");
	assert_runtime_error("x % (x - 5)", "division by zero");
	assert_runtime_error("missing + 1", "variable 'missing' is not set");
	assert_runtime_error("s + 1", "'+' needs an integer, got the string \"abc\"");
	assert_runtime_error("int(\"12x\")", "int() needs an integer");
	assert_runtime_error("hex(-1)", "hex() of a negative integer");
	assert_runtime_error("randint(5, 3)", "low bound is above the high one");
	assert_runtime_error("randstr(-1)", "the length must be 0 to");
	assert_runtime_error("substr(s, 0, -1)", "count is negative");
	assert_runtime_error("s < 3", "a comparison with an integer needs an integer");
}

static void
test_compile_errors_say_what_was_expected_and_where(void **state)
{
	char big[EXPR_MAX_LEN + 2];

	(void)state;
	assert_compile_error("", "expected an expression, got nothing", 0);
	assert_compile_error("1 +", "expected a value", 3);
	assert_compile_error("1 2", "expected an operator or the end of the "
	    "expression, got '2'", 2);
	assert_compile_error("(1 + 2", "expected ')' to close the '(' at "
	    "offset 0, got end of expression", 6);
	assert_compile_error("x @ 1", "expected an operator, a value or a "
	    "name, got '@'", 2);
	assert_compile_error("\"abc", "expected '\"' to end the string", 0);
	assert_compile_error("\"a\\qb\"", "expected an escape sequence", 2);
	assert_compile_error("99999999999999999999", "at most "
	    "9223372036854775807", 0);
	assert_compile_error("12ab", "expected an integer, got '12a'", 0);
	assert_compile_error("frob(1)", "expected a function", 0);
	assert_compile_error("len(1, 2)", "expected 1 argument to len, got 2",
	    0);
	assert_compile_error("substr(s)", "expected 2 to 3 arguments to "
	    "substr, got 1", 0);
	assert_compile_error("len(1 2)", "expected ',' or ')'", 6);
	assert_compile_error("1 < 2 < 3", "expected && or || between two "
	    "comparisons", 6);
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_compile_error(big, "at most 4096 bytes", 0);
}

static void
test_nesting_is_bounded_at_compile_time(void **state)
{
	char src[1024];
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < 100; i++)
		src[n++] = '(';
	src[n++] = '1';
	for (i = 0; i < 100; i++)
		src[n++] = ')';
	src[n] = '\0';
	assert_compile_error(src, "nested parentheses", 64);
	n = 0;
	for (i = 0; i < 100; i++)
		n += (size_t)snprintf(src + n, sizeof(src) - n, "len(");
	n += (size_t)snprintf(src + n, sizeof(src) - n, "1");
	for (i = 0; i < 100; i++)
		src[n++] = ')';
	src[n] = '\0';
	assert_compile_error(src, "nested calls", 256);
}

static void
test_names_are_listed_for_the_checker(void **state)
{
	struct expr *e;
	char err[128];
	size_t off;

	(void)state;
	assert_int_equal(expr_compile("row.user .. x", 13, &e, err,
	    sizeof(err), &off), 0);
	assert_null(expr_single_name(e));
	expr_free(e);
	assert_int_equal(expr_compile("token", 5, &e, err, sizeof(err), &off),
	    0);
	assert_string_equal(expr_single_name(e), "token");
	expr_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arithmetic_follows_precedence_and_c_division),
		cmocka_unit_test(test_strings_concatenate_and_compare_bytewise),
		cmocka_unit_test(test_logic_short_circuits_and_yields_zero_or_one),
		cmocka_unit_test(test_functions_compute_their_documented_values),
		cmocka_unit_test(test_runtime_errors_name_the_fault),
		cmocka_unit_test(test_compile_errors_say_what_was_expected_and_where),
		cmocka_unit_test(test_nesting_is_bounded_at_compile_time),
		cmocka_unit_test(test_names_are_listed_for_the_checker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
