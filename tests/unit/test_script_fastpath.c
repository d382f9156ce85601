/* Unit tests for the fast paths of the runner's per-exchange work (what
 * `make bench` section `loop` measures): integers read from and written to
 * text by hand instead of strtoll/printf, a variable set again in place,
 * and regexes run on a stack copy of a short message (expect regex asks
 * glibc for no positions). Each must behave exactly as the general path. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "expr.h"
#include "match.h"
#include "scenario.h"
#include "vars.h"

/* Variables holding integer-looking text at and past the int64 bounds. */
static int
lookup(void *arg, const char *name, const unsigned char **p, size_t *n)
{
	static const char *const kv[] = {
		"max", "9223372036854775807",
		"min", "-9223372036854775808",
		"over", "9223372036854775808",
		"under", "-9223372036854775809",
		"plus", "+7",
		"zeros", "007",
		"negzero", "-0",
		"long31", "0000000000000000000000000000042",
		"long32", "00000000000000000000000000000042",
		"minus", "-",
		"sign", "+",
		"empty", "",
		"blank", "5 ",
		"lead", " 5",
		"hexish", "0x10",
		"ten", "10",
		"nine", "9",
		NULL
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

static uint64_t rng_state = 1;
static const struct expr_env env = { lookup, NULL, &rng_state };

/* Evaluate src: 0 with its rendering in out, or -1 with the error. */
static int
eval(const char *src, char *out, size_t outlen)
{
	struct expr *e;
	struct value v;
	struct buf b;
	size_t off;
	int rc;

	if (expr_compile(src, strlen(src), &e, out, outlen, &off) != 0)
		fail_msg("compile '%s': %s", src, out);
	rc = expr_eval(e, &env, &v, out, outlen);
	if (rc == 0) {
		buf_init(&b);
		value_render(&v, &b);
		snprintf(out, outlen, "%.*s", (int)buf_len(&b),
		    (const char *)buf_data(&b));
		buf_free(&b);
		value_free(&v);
	}
	expr_free(e);
	return rc;
}

static void
assert_eval(const char *src, const char *want)
{
	char got[256];

	if (eval(src, got, sizeof(got)) != 0)
		fail_msg("'%s' failed: %s", src, got);
	if (strcmp(got, want) != 0)
		fail_msg("'%s' gave '%s', want '%s'", src, got, want);
}

static void
assert_error(const char *src, const char *want)
{
	char got[256];

	if (eval(src, got, sizeof(got)) == 0)
		fail_msg("'%s' evaluated to '%s'", src, got);
	if (strstr(got, want) == NULL)
		fail_msg("'%s': error '%s' lacks '%s'", src, got, want);
}

static void
test_integer_text_is_read_like_strtoll_at_the_int64_bounds(void **state)
{
	(void)state;
	assert_eval("max + 0", "9223372036854775807");
	assert_eval("min + 0", "-9223372036854775808");
	assert_eval("min + max", "-1");
	assert_eval("plus * 2", "14");
	assert_eval("zeros + 1", "8");
	assert_eval("negzero + 0", "0");
	assert_eval("long31 + 0", "42");
	assert_eval("ten > nine", "1");	/* numbers, not bytes */
	assert_error("max + 1", "integer overflow in 9223372036854775807 + 1");
	assert_error("min - 1", "integer overflow");
	/* Past the bounds, signs alone, blanks, other bases, 32 characters
	 * or more: not integers, so arithmetic names the string. */
	assert_error("over + 0", "'+' needs an integer, got the string "
	    "\"9223372036854775808\"");
	assert_error("under - 0", "'-' needs an integer, got the string");
	assert_error("minus * 1", "'*' needs an integer, got the string \"-\"");
	assert_error("sign / 1", "'/' needs an integer, got the string \"+\"");
	assert_error("empty % 2", "'%' needs an integer, got the string \"\"");
	assert_error("blank + 0", "needs an integer, got the string \"5 \"");
	assert_error("lead + 0", "needs an integer, got the string \" 5\"");
	assert_error("hexish + 0", "needs an integer, got the string \"0x10\"");
	assert_error("long32 + 0", "needs an integer, got the string");
	assert_error("int(over)", "int() needs an integer");
	/* Strings that are not both integers compare bytewise. */
	assert_eval("over > ten", "1");
	assert_eval("\"b\" > ten", "1");
}

static void
test_integers_render_in_decimal_at_the_int64_bounds(void **state)
{
	(void)state;
	assert_eval("0", "0");
	assert_eval("-1", "-1");
	assert_eval("7 * 3", "21");
	assert_eval("1000000 * 1000000", "1000000000000");
	assert_eval("9223372036854775807", "9223372036854775807");
	assert_eval("-9223372036854775807 - 1", "-9223372036854775808");
	assert_eval("-9223372036854775807 - 1 .. \"\"", "-9223372036854775808");
	assert_eval("len(-9223372036854775807 - 1)", "20");
	assert_eval("10 % 3 - 10", "-9");
}

static void
test_a_variable_set_again_keeps_only_its_new_bytes(void **state)
{
	struct vars v;
	const unsigned char *p;
	char big[1000];
	size_t n;

	(void)state;
	memset(big, 'x', sizeof(big));
	vars_init(&v, 1, 1);
	assert_int_equal(vars_set(&v, "a", "hello", 5), 0);
	assert_int_equal(vars_set(&v, "b", "other", 5), 0);
	assert_int_equal(vars_set(&v, "a", big, sizeof(big)), 0);
	p = vars_get(&v, "a", &n);
	assert_int_equal(n, sizeof(big));
	assert_memory_equal(p, big, sizeof(big));
	assert_int_equal(vars_set(&v, "a", "12", 2), 0);
	p = vars_get(&v, "a", &n);
	assert_int_equal(n, 2);
	assert_memory_equal(p, "12", 2);
	assert_int_equal(vars_set(&v, "a", "", 0), 0);
	p = vars_get(&v, "a", &n);
	assert_non_null(p);	/* set, to nothing: not "unset" */
	assert_int_equal(n, 0);
	p = vars_get(&v, "b", &n);
	assert_int_equal(n, 5);
	assert_memory_equal(p, "other", 5);
	assert_int_equal(v.nvars, 2);
	vars_free(&v);
}

/* Run step i of sc (an expect) on a body; MATCH_OK or MATCH_FAIL. */
static int
expect_on(const struct scenario *sc, size_t i, struct vars *v,
    const unsigned char *body, size_t len)
{
	struct codec_frame f;
	struct buf why;
	int rc;

	memset(&f, 0, sizeof(f));
	f.frame = f.body = body;
	f.frame_len = f.body_len = len;
	buf_init(&why);
	rc = match_expect(&sc->steps[i], &f, v, &why);
	buf_free(&why);
	return rc;
}

static void
test_regexes_judge_every_size_around_the_stack_copy(void **state)
{
	static const char text[] =
	    "codec line\n"
	    "expect regex \"^a+$\"\n"
	    "capture n regex \"^a(a*)b?$\"\n"
	    "expect regex \"a{3}\"\n";
	static const size_t sizes[] = { 0, 1, 2, 3, 510, 511, 512, 513, 2047,
	    2048 };
	unsigned char body[2100];
	struct scenario *sc;
	struct vars v;
	struct buf why;
	const unsigned char *p;
	char err[512];
	size_t i, k, n;

	(void)state;
	sc = scenario_parse("t.txt", text, strlen(text), err, sizeof(err));
	if (sc == NULL)
		fail_msg("parse: %s", err);
	for (k = 0; k < sc->nsteps && sc->steps[k].kind != STEP_EXPECT; k++)
		;
	assert_true(k + 2 < sc->nsteps);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = sizes[i];
		memset(body, 'a', n);
		vars_init(&v, 1, 1);
		assert_int_equal(expect_on(sc, k, &v, body, n),
		    n > 0 ? MATCH_OK : MATCH_FAIL);
		assert_int_equal(expect_on(sc, k + 2, &v, body, n),
		    n >= 3 ? MATCH_OK : MATCH_FAIL);
		if (n > 0) {
			/* The capture reads the last message: group 1 is
			 * every 'a' but the first. */
			assert_int_equal(expect_on(sc, k, &v, body, n),
			    MATCH_OK);
			buf_init(&why);
			assert_int_equal(match_capture(&sc->steps[k + 1], &v,
			    &why), MATCH_OK);
			buf_free(&why);
			p = vars_get(&v, "n", &n);
			assert_non_null(p);
			assert_int_equal(n, sizes[i] - 1);
		}
		/* One byte off at the end: the anchored expect fails. */
		if (sizes[i] > 0) {
			body[sizes[i] - 1] = 'c';
			assert_int_equal(expect_on(sc, k, &v, body, sizes[i]),
			    MATCH_FAIL);
		}
		vars_free(&v);
	}
	scenario_free(sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_integer_text_is_read_like_strtoll_at_the_int64_bounds),
		cmocka_unit_test(
		    test_integers_render_in_decimal_at_the_int64_bounds),
		cmocka_unit_test(test_a_variable_set_again_keeps_only_its_new_bytes),
		cmocka_unit_test(
		    test_regexes_judge_every_size_around_the_stack_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
