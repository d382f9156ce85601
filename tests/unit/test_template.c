/* Unit tests for payload templates, per-connection variables and tmpl_send. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "codec.h"
#include "scenario.h"
#include "template.h"

/* Parse a scenario that must be valid. */
static struct scenario *
parse_ok(const char *text)
{
	struct scenario *sc;
	char err[1024];

	sc = scenario_parse("t.txt", text, strlen(text), err, sizeof(err));
	if (sc == NULL)
		fail_msg("unexpected parse error: %s", err);
	return sc;
}

/* Render step i's send body with vars into a fresh string. */
static char *
render_send(const struct scenario *sc, size_t i, struct vars *v)
{
	struct buf b;
	char err[256], *s;

	buf_init(&b);
	if (tmpl_render(sc->steps[i].u.send.body, v, &b, err, sizeof(err)) != 0)
		fail_msg("render failed: %s", err);
	s = strndup((const char *)buf_data(&b), buf_len(&b));
	buf_free(&b);
	return s;
}

/* ${conn} and ${seq} render as decimal numbers from vars. */
static void
test_conn_and_seq_render_as_decimal(void **state)
{
	struct scenario *sc;
	struct vars v;
	char *s;

	(void)state;
	sc = parse_ok("send \"c=${conn} s=${seq} $5 $${conn} \\${x}\"\n");
	vars_init(&v, 17, 1);
	v.seq = 1234567890123ULL;
	s = render_send(sc, 0, &v);
	assert_string_equal(s, "c=17 s=1234567890123 $5 ${conn} ${x}");
	free(s);
	vars_free(&v);
	scenario_free(sc);
}

/* ${rand:N} gives N hex digits, repeatable per seed, varying per call. */
static void
test_rand_renders_hex_repeatably_per_seed(void **state)
{
	struct scenario *sc;
	struct vars v, w;
	char *a, *b, *c;
	size_t i;

	(void)state;
	sc = parse_ok("send \"${rand:8}|${rand:33}\"\n");
	vars_init(&v, 1, 99);
	vars_init(&w, 1, 99);
	a = render_send(sc, 0, &v);
	b = render_send(sc, 0, &w);
	c = render_send(sc, 0, &v);
	assert_int_equal(strlen(a), 8 + 1 + 33);
	assert_int_equal(a[8], '|');
	for (i = 0; i < strlen(a); i++)
		if (i != 8)
			assert_non_null(strchr("0123456789abcdef", a[i]));
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	free(a);
	free(b);
	free(c);
	vars_free(&v);
	vars_free(&w);
	scenario_free(sc);
}

/* Captured variables render as their bytes, JSON-escaped inside JSON
 * strings, and an unset variable is an error naming it. */
static void
test_variables_render_and_escape_in_json_strings(void **state)
{
	struct scenario *sc;
	struct vars v;
	struct buf b;
	char err[256], *s;

	(void)state;
	sc = parse_ok("capture tok regex \"(.*)\"\n"
	    "capture n regex \"(.*)\"\n"
	    "send \"[${tok}]\"\n"
	    "send json {\"t\": \"${tok}\", \"n\": ${n}}\n");
	vars_init(&v, 1, 1);
	buf_init(&b);
	assert_int_equal(tmpl_render(sc->steps[2].u.send.body, &v, &b, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "variable 'tok' is not set"));
	assert_int_equal(vars_set(&v, "tok", "a\"b\\c\n", 6), 0);
	assert_int_equal(vars_set(&v, "n", "42", 2), 0);
	s = render_send(sc, 2, &v);
	assert_string_equal(s, "[a\"b\\c\n]");
	free(s);
	s = render_send(sc, 3, &v);
	assert_string_equal(s, "{\"t\": \"a\\\"b\\\\c\\u000a\", \"n\": 42}");
	free(s);
	buf_free(&b);
	vars_free(&v);
	scenario_free(sc);
}

/* vars_set replaces values and bounds the table and value sizes. */
static void
test_vars_set_replaces_and_bounds(void **state)
{
	struct vars v;
	const unsigned char *p;
	char name[16];
	size_t n, i;

	(void)state;
	vars_init(&v, 1, 1);
	assert_null(vars_get(&v, "x", &n));
	assert_int_equal(vars_set(&v, "x", "one", 3), 0);
	assert_int_equal(vars_set(&v, "x", "", 0), 0);
	p = vars_get(&v, "x", &n);
	assert_non_null(p);
	assert_int_equal(n, 0);
	for (i = 1; i < VARS_MAX; i++) {
		snprintf(name, sizeof(name), "v%zu", i);
		assert_int_equal(vars_set(&v, name, "1", 1), 0);
	}
	assert_int_equal(vars_set(&v, "overflow", "1", 1), -1);
	assert_int_equal(vars_set(&v, "x", "1", VARS_MAX_VALUE + 1), -1);
	vars_free(&v);
}

/* tmpl_send counts seq, encodes through the codec, and raw bypasses it. */
static void
test_send_counts_seq_and_uses_codec_unless_raw(void **state)
{
	const struct codec *line = codec_find("line");
	struct scenario *sc;
	struct vars v;
	struct buf out;
	char err[256];

	(void)state;
	assert_non_null(line);
	sc = parse_ok("codec line\nsend \"m${seq}\"\nsend raw \"r${seq}\"\n");
	vars_init(&v, 3, 1);
	buf_init(&out);
	assert_int_equal(tmpl_send(&sc->steps[0], sc->codec, &v, &out, err,
	    sizeof(err)), 0);
	assert_int_equal(tmpl_send(&sc->steps[1], sc->codec, &v, &out, err,
	    sizeof(err)), 0);
	assert_int_equal(v.seq, 2);
	assert_true(buf_len(&out) >= 5);
	assert_memory_equal(buf_data(&out), "m1", 2);
	assert_memory_equal(buf_data(&out) + buf_len(&out) - 2, "r2", 2);
	assert_true(buf_data(&out)[2] == '\n' || buf_data(&out)[2] == '\r');
	buf_free(&out);
	vars_free(&v);
	scenario_free(sc);
}

/* A jsonhdr send passes its header fields to the codec. */
static void
test_send_passes_header_to_jsonhdr(void **state)
{
	struct scenario *sc;
	struct vars v;
	struct buf out;
	char err[256];

	(void)state;
	sc = parse_ok("codec jsonhdr\nsend hex \"6d6f\" header "
	    "{\"content-type\": \"binary/custom-client-binary-type\", "
	    "\"content-encoding\": \"binary\"}\n");
	vars_init(&v, 1, 1);
	buf_init(&out);
	if (tmpl_send(&sc->steps[0], sc->codec, &v, &out, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_non_null(memmem(buf_data(&out), buf_len(&out),
	    "binary/custom-client-binary-type", 32));
	assert_memory_equal(buf_data(&out) + buf_len(&out) - 2, "mo", 2);
	buf_free(&out);
	vars_free(&v);
	scenario_free(sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conn_and_seq_render_as_decimal),
		cmocka_unit_test(test_rand_renders_hex_repeatably_per_seed),
		cmocka_unit_test(test_variables_render_and_escape_in_json_strings),
		cmocka_unit_test(test_vars_set_replaces_and_bounds),
		cmocka_unit_test(test_send_counts_seq_and_uses_codec_unless_raw),
		cmocka_unit_test(test_send_passes_header_to_jsonhdr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
