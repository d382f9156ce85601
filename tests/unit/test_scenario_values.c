/* Variables everywhere a value goes (issue 12): ${...} in regex patterns
 * (escaped, or raw), in expect length, send's chunk and delay, expect's
 * timeout and within and expect nothing. Parse errors name file:line:col
 * with a hint; values are computed when the step runs and a bad one fails
 * that step at its line, with reason "error", never a hang. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "engine.h"
#include "match.h"
#include "runner.h"
#include "scenario.h"
#include "template.h"
#include "vars.h"

static struct scenario *
parse_ok(const char *text)
{
	char err[1024];
	struct scenario *sc;

	sc = scenario_parse("t.txt", text, strlen(text), err, sizeof(err));
	if (sc == NULL)
		fail_msg("parse: %s", err);
	return sc;
}

static void
test_patterns_with_values_compile_when_run_and_literal_ones_now(void **state)
{
	struct scenario *sc = parse_ok(
	    "set id \"a\"\n"
	    "expect regex \"id=${id}\\\\.x\"\n"		/* 2 */
	    "expect regex raw \"^(${id})+$\"\n"		/* 3 */
	    "expect regex \"[$${]x\"\n"		/* 4: $${ is literal */
	    "expect regex raw \"lit\"\n"		/* 5 */
	    "capture c regex \"(${id})\"\n"		/* 6 */
	    "capture d regex raw \"${id}\"\n");		/* 7 */

	(void)state;
	assert_int_equal(sc->nsteps, 7);
	assert_non_null(sc->steps[1].u.expect.rx);
	assert_int_equal(sc->steps[1].u.expect.rx->raw, 0);
	assert_null(sc->steps[1].u.expect.rx->text);	/* not compiled yet */
	/* Reports show the escapes decoded, the placeholder as written. */
	assert_string_equal(sc->steps[1].u.expect.pattern, "id=${id}\\.x");
	assert_int_equal(sc->steps[2].u.expect.rx->raw, 1);
	assert_null(sc->steps[3].u.expect.rx);
	assert_string_equal(sc->steps[3].u.expect.pattern, "[${]x");
	assert_null(sc->steps[4].u.expect.rx);
	assert_non_null(sc->steps[5].u.capture.rx);
	assert_int_equal(sc->steps[5].u.capture.rx->raw, 0);
	assert_int_equal(sc->steps[6].u.capture.rx->raw, 1);
	scenario_free(sc);
}

static void
test_numbers_and_durations_take_expressions(void **state)
{
	struct scenario *sc = parse_ok(
	    "codec line\n"
	    "send \"abcdefgh\" chunk ${conn} delay ${conn * 10}\n"	/* 2 */
	    "expect length ${conn * 2} timeout ${500} within ${conn}\n"	/* 3 */
	    "expect nothing ${conn}\n"				/* 4 */
	    "expect one of timeout ${conn * 100}\n"		/* 5 */
	    "  expect \"a\"\n"
	    "end\n"
	    "send \"x\" chunk 2 delay 5ms\n"			/* 8 */
	    "expect length 3 timeout 1s within 10ms\n");	/* 9 */

	(void)state;
	assert_non_null(sc->steps[0].u.send.chunk_e);
	assert_non_null(sc->steps[0].u.send.delay_e);
	assert_int_equal(sc->steps[0].u.send.chunk, 0);
	assert_non_null(sc->steps[1].u.expect.length_e);
	assert_non_null(sc->steps[1].u.expect.timeout_e);
	assert_non_null(sc->steps[1].u.expect.within_e);
	assert_int_equal(sc->steps[2].u.expect.kind, EXPECT_NOTHING);
	assert_non_null(sc->steps[2].u.expect.timeout_e);
	assert_int_equal(sc->steps[3].kind, STEP_EXPECT_SET);
	assert_non_null(sc->steps[3].u.expect.timeout_e);
	/* Literal values stay literal. */
	assert_null(sc->steps[6].u.send.chunk_e);
	assert_int_equal(sc->steps[6].u.send.chunk, 2);
	assert_true(sc->steps[6].u.send.chunk_delay == 0.005);
	assert_null(sc->steps[7].u.expect.length_e);
	assert_int_equal(sc->steps[7].u.expect.length, 3);
	assert_true(sc->steps[7].u.expect.within == 0.01);
	scenario_free(sc);
}

/* One malformed input and the error it must give. */
struct bad_case {
	const char	*what;
	const char	*text;
	const char	*where;		/* "t.txt:L:C: " */
	const char	*msg;
	const char	*hint;		/* substring of the hint */
};

static const struct bad_case bad_cases[] = {
	{ "an unset name in a pattern", "expect regex \"id=${nope}\"\n",
	    "t.txt:1:18: ", "expected a variable set on every path before this "
	    "line, got '${nope}'", "set 'nope' with" },
	{ "an unset name in a capture's raw pattern", "set a 1\ncapture x "
	    "regex raw \"${a}${b}\"\n", "t.txt:2:26: ", "got '${b}'",
	    "before this line" },
	{ "a name set in one branch only", "if conn == 1\n  set p \"x\"\nend\n"
	    "expect regex \"${p}\"\n", "t.txt:4:15: ", "got '${p}'",
	    "both branches" },
	{ "raw without a pattern", "expect regex raw\n", "t.txt:1:17: ",
	    "expected a quoted pattern, got end of line",
	    "regex raw \"${pattern}\"" },
	{ "a word where a pattern goes", "expect regex fast\n", "t.txt:1:14: ",
	    "expected a quoted pattern or 'raw', got 'fast'",
	    "values match literally" },
	{ "a NUL byte in a templated pattern", "set a 1\nexpect regex "
	    "\"${a}\\x00\"\n", "t.txt:2:14: ", "expected a pattern without NUL "
	    "bytes, got one", "exact expects" },
	{ "an unset name in a length", "expect length ${n + 1}\n",
	    "t.txt:1:17: ", "got 'n'", "set 'n' with" },
	{ "a length that is a word", "expect length five\n", "t.txt:1:15: ",
	    "expected a length in bytes, got 'five'",
	    "expect length ${n} (bytes)" },
	{ "a unit after a length expression", "set n 1\nexpect length ${n}b\n",
	    "t.txt:2:19: ", "expected a blank or end of line after '}', got "
	    "'b'", "an expression gives bytes" },
	{ "a unit after a timeout expression", "set n 1\nexpect \"a\" timeout "
	    "${n}s\n", "t.txt:2:24: ", "got 's'", "${n * 1000} n seconds" },
	{ "an unclosed expression", "expect nothing ${5\n", "t.txt:1:16: ",
	    "expected '}' to close '${', got end of line", "same line" },
	{ "a bad expression", "send \"ab\" chunk ${1 +}\n", "t.txt:1:22: ",
	    "expected", NULL },
	{ "a chunk that is a word", "send \"ab\" chunk big\n", "t.txt:1:17: ",
	    "expected a chunk size in bytes, got 'big'", "chunk ${n} (bytes)" },
	{ "two chunks, one computed", "send \"ab\" chunk ${1} chunk 2\n",
	    "t.txt:1:22: ", "expected one chunk, got a second", NULL },
	{ "a computed chunk inside merge", "merge\n  send \"a\" chunk ${1}\n"
	    "end\n", "t.txt:2:", "expected no chunk inside merge", "one write" },
	{ "a delay without a chunk", "send \"ab\" delay ${5}\n", "t.txt:1:",
	    "expected 'chunk K' with 'delay'", "chunk 4" },
	{ "an unset name in a delay", "send \"ab\" chunk 1 delay ${d}\n",
	    "t.txt:1:27: ", "got 'd'", NULL },
	{ "a delay that is a word", "send \"ab\" chunk 1 delay soon\n",
	    "t.txt:1:25: ", "expected a delay, got 'soon'",
	    "${EXPR} in milliseconds" },
	{ "two withins, one computed", "expect \"a\" within ${5} within 1s\n",
	    "t.txt:1:24: ", "expected one within, got a second", NULL },
	{ "two timeouts, one computed", "expect \"a\" timeout 1s timeout "
	    "${5}\n", "t.txt:1:23: ", "expected one timeout, got a second",
	    NULL },
	{ "an unset name in an expect set's timeout", "expect one of timeout "
	    "${t}\n  expect \"a\"\nend\n", "t.txt:1:25: ", "got 't'", NULL },
	{ "a literal zero timeout waits forever", "expect \"a\" timeout 0\n",
	    "t.txt:1:20: ", "expected a timeout above 0, got 0", "1ms" },
	{ "a literal zero quiet period", "expect nothing 0s\n", "t.txt:1:16: ",
	    "expected a quiet period above 0, got 0", "1ms" },
	{ "a literal zero set timeout", "expect one of timeout 0\n  expect "
	    "\"a\"\nend\n", "t.txt:1:23: ", "expected a timeout above 0, got 0",
	    NULL },
	{ "a literal zero default timeout", "timeout 0ms\n", "t.txt:1:9: ",
	    "expected a timeout above 0, got 0", "1ms" },
};

static void
test_bad_values_are_refused_at_file_line_col(void **state)
{
	char err[1024], want[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct scenario *sc;
		const char *h;

		err[0] = '\0';
		sc = scenario_parse("t.txt", c->text, strlen(c->text), err,
		    sizeof(err));
		if (sc != NULL)
			fail_msg("%s: parsed, expected an error", c->what);
		snprintf(want, sizeof(want), "%s", c->where);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("%s: error at the wrong place: %s", c->what,
			    err);
		if (strstr(err, c->msg) == NULL)
			fail_msg("%s: message lacks '%s': %s", c->what,
			    c->msg, err);
		if (c->hint == NULL)
			continue;
		h = strstr(err, "\nhint: ");
		if (h == NULL || strstr(h, c->hint) == NULL)
			fail_msg("%s: hint lacks '%s': %s", c->what, c->hint,
			    err);
	}
}

static void
test_rendered_values_are_escaped_unless_raw(void **state)
{
	static const char meta[] = ".[]()*+?{}|^$\\";
	struct scenario *sc = parse_ok(
	    "set v \"x\"\n"
	    "expect regex \"<${v}>\"\n"
	    "expect regex raw \"<${v}>\"\n");
	struct vars vars;
	struct buf b;
	char err[256];
	regex_t re;
	size_t i;

	(void)state;
	vars_init(&vars, 1, 1);
	assert_int_equal(vars_set(&vars, "v", meta, strlen(meta)), 0);
	buf_init(&b);
	assert_int_equal(tmpl_render_regex(sc->steps[1].u.expect.rx->t, &vars,
	    0, &b, err, sizeof(err)), 0);
	buf_append(&b, "", 1);
	assert_string_equal((char *)buf_data(&b),
	    "<\\.\\[\\]\\(\\)\\*\\+\\?\\{\\}\\|\\^\\$\\\\>");
	/* The escaped pattern matches exactly the value, and nothing that
	 * differs in one byte. */
	assert_int_equal(regcomp(&re, (char *)buf_data(&b), REG_EXTENDED |
	    REG_NOSUB), 0);
	assert_int_equal(regexec(&re, "<.[]()*+?{}|^$\\>", 0, NULL, 0), 0);
	for (i = 0; i < strlen(meta); i++) {
		char s[32];

		snprintf(s, sizeof(s), "<%s>", meta);
		s[1 + i] = 'a';
		assert_int_not_equal(regexec(&re, s, 0, NULL, 0), 0);
	}
	regfree(&re);
	buf_reset(&b);
	assert_int_equal(tmpl_render_regex(sc->steps[2].u.expect.rx->t, &vars,
	    1, &b, err, sizeof(err)), 0);
	assert_int_equal(buf_len(&b), strlen(meta) + 2);
	assert_memory_equal(buf_data(&b) + 1, meta, strlen(meta));
	/* A value with a NUL byte cannot go into a pattern. */
	assert_int_equal(vars_set(&vars, "v", "a\0b", 3), 0);
	buf_reset(&b);
	assert_int_equal(tmpl_render_regex(sc->steps[1].u.expect.rx->t, &vars,
	    0, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'${v}' holds a NUL byte"));
	buf_free(&b);
	vars_free(&vars);
	scenario_free(sc);
}

/* A message frame with body s. */
static struct codec_frame
frame(const char *s)
{
	struct codec_frame f;

	memset(&f, 0, sizeof(f));
	f.frame = f.body = (const unsigned char *)s;
	f.frame_len = f.body_len = strlen(s);
	return f;
}

static void
test_the_last_rendered_pattern_is_compiled_once_per_step(void **state)
{
	struct scenario *sc = parse_ok(
	    "set id \"1\"\n"
	    "expect regex \"^id=${id}$\"\n");
	const struct step *st = &sc->steps[1];
	struct codec_frame f;
	struct vars vars;
	struct buf why;
	const char *first;

	(void)state;
	vars_init(&vars, 1, 1);
	buf_init(&why);
	vars_set(&vars, "id", "a.b", 3);
	f = frame("id=a.b");
	assert_int_equal(match_expect(st, &f, &vars, &why), MATCH_OK);
	first = st->u.expect.rx->text;
	assert_string_equal(first, "^id=a\\.b$");
	/* The same text again (another round, another connection): the
	 * compiled pattern is reused, not compiled again. */
	f = frame("id=a.b");
	assert_int_equal(match_expect(st, &f, &vars, &why), MATCH_OK);
	assert_ptr_equal(st->u.expect.rx->text, first);
	f = frame("id=axb");
	assert_int_equal(match_expect(st, &f, &vars, &why), MATCH_FAIL);
	buf_append(&why, "", 1);
	assert_non_null(strstr((char *)buf_data(&why),
	    "expected to match: /^id=a\\\\.b$/\n  pattern as written: "
	    "/^id=${id}$/"));
	/* A new value: the one cached text is replaced. */
	buf_reset(&why);
	vars_set(&vars, "id", "7", 1);
	f = frame("id=7");
	assert_int_equal(match_expect(st, &f, &vars, &why), MATCH_OK);
	assert_string_equal(st->u.expect.rx->text, "^id=7$");
	buf_free(&why);
	vars_free(&vars);
	scenario_free(sc);
}

static void
test_match_prepare_refuses_what_a_literal_pattern_could_not_be(void **state)
{
	static const struct {
		const char *value;
		const char *why;
	} cases[] = {
		{ "a**", "which is refused: repetition operators stacked" },
		{ "(a)\\1", "which is refused: a backreference '\\1'" },
		{ "a{100}{100}", "which is refused: repetition operators "
		    "stacked" },
		{ "(a", "which is not a valid POSIX extended regex" },
	};
	struct scenario *sc = parse_ok(
	    "set p \"x\"\n"
	    "expect regex raw \"^${p}$\"\n"
	    "expect regex \"${p}\"\n"
	    "capture c regex raw \"${p}\"\n"
	    "expect length ${int(p)}\n");
	struct vars vars;
	struct buf why;
	size_t i;

	(void)state;
	vars_init(&vars, 1, 1);
	buf_init(&why);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vars_set(&vars, "p", cases[i].value, strlen(cases[i].value));
		buf_reset(&why);
		assert_int_equal(match_prepare(&sc->steps[1], &vars, &why), -1);
		buf_append(&why, "", 1);
		if (strncmp((char *)buf_data(&why), "line 2: expect regex: "
		    "runtime error: the pattern /^${p}$/ rendered to ", 48) != 0 ||
		    strstr((char *)buf_data(&why), cases[i].why) == NULL)
			fail_msg("%s: %s", cases[i].value,
			    (char *)buf_data(&why));
		buf_reset(&why);
		assert_int_equal(match_prepare(&sc->steps[3], &vars, &why), -1);
		buf_append(&why, "", 1);
		assert_non_null(strstr((char *)buf_data(&why), "line 4: "
		    "capture c: runtime error: the pattern /${p}/ rendered"));
	}
	/* Escaped, the same value is fine; a pattern around it that is
	 * at fault is refused at parse time, below. */
	vars_set(&vars, "p", "a**", 3);
	buf_reset(&why);
	assert_int_equal(match_prepare(&sc->steps[2], &vars, &why), 0);
	{
		char err[512];
		struct scenario *bad = scenario_parse("t.txt", "set p \"x\"\n"
		    "expect regex \"(${p}\"\n", 31, err, sizeof(err));

		assert_null(bad);
		assert_non_null(strstr(err, "t.txt:2:14: expected a valid "
		    "regex, got one that fails"));
	}
	/* A length must be a whole number of bytes in range. */
	vars_set(&vars, "p", "12", 2);
	buf_reset(&why);
	assert_int_equal(match_prepare(&sc->steps[4], &vars, &why), 0);
	vars_set(&vars, "p", "-3", 2);
	assert_int_equal(match_prepare(&sc->steps[4], &vars, &why), -1);
	buf_append(&why, "", 1);
	assert_string_equal((char *)buf_data(&why), "line 5: expect length: "
	    "runtime error: a length in bytes of -3 (expected 0 to "
	    "1000000000)");
	buf_free(&why);
	vars_free(&vars);
	scenario_free(sc);
}

static void
test_stream_length_and_pattern_follow_the_values(void **state)
{
	struct scenario *sc = parse_ok(
	    "set n 4\n"
	    "set w \"b+\"\n"
	    "expect length ${n + 1}\n"
	    "expect regex \"a${w}c\"\n");
	struct vars vars;
	struct buf why;
	size_t used = 0;

	(void)state;
	vars_init(&vars, 1, 1);
	buf_init(&why);
	vars_set(&vars, "n", "4", 1);
	vars_set(&vars, "w", "b+", 2);
	assert_int_equal(match_stream(&sc->steps[2],
	    (const unsigned char *)"abcd", 4, &vars, &used, &why), MATCH_MORE);
	assert_int_equal(match_stream(&sc->steps[2],
	    (const unsigned char *)"abcdef", 6, &vars, &used, &why), MATCH_OK);
	assert_int_equal(used, 5);
	/* "b+" matches itself, not "bbb". */
	assert_int_equal(match_stream(&sc->steps[3],
	    (const unsigned char *)"abbbc", 5, &vars, &used, &why), MATCH_MORE);
	assert_int_equal(match_stream(&sc->steps[3],
	    (const unsigned char *)"xab+c", 5, &vars, &used, &why), MATCH_OK);
	buf_free(&why);
	vars_free(&vars);
	scenario_free(sc);
}

/* Stop the loop when the run is over. */
static void
done_cb(struct runner *r, void *arg)
{
	(void)r;
	engine_stop(arg);
}

static void
watchdog_cb(struct engine *e, void *arg)
{
	(void)arg;
	engine_stop(e);
}

/* Run text against the embedded echo; a run over 10 s fails the test. */
static const struct run_result *
run_text(const char *text, struct engine **e, struct runner **r,
    struct scenario **sc)
{
	struct engine_limits lim;
	char err[1024];

	*sc = parse_ok(text);
	engine_limits_default(&lim);
	*e = engine_new(&lim);
	*r = runner_new(*e, *sc, NULL, err, sizeof(err));
	assert_non_null(*r);
	if (runner_start(*r, err, sizeof(err)) != 0)
		fail_msg("start: %s", err);
	runner_on_done(*r, done_cb, *e);
	engine_after(*e, 10, watchdog_cb, NULL);
	engine_run(*e);
	return runner_result(*r);
}

static void
finish(struct engine *e, struct runner *r, struct scenario *sc)
{
	runner_free(r);
	engine_free(e);
	scenario_free(sc);
}

static void
test_each_connection_renders_its_own_values(void **state)
{
	static const char text[] =
	    "codec line\n"
	    "service echo\n"
	    "connections 4\n"
	    "timeout 2s\n"
	    "set id \"u.\" .. conn\n"
	    "send \"u.${conn} u.1\"\n"
	    "expect regex \"^${id} u[.]1$\"\n"	/* conn 1..4 each its own */
	    "capture first regex raw \"^([^ ]+) ${\"u\"}\"\n"
	    "set n 3 + conn\n"
	    "send \"${substr(\"abcdefgh\", 0, n)}\" chunk ${conn} delay ${1}\n"
	    "expect length ${n} within ${1000} timeout ${1500}\n"
	    "send \"${first}\"\n"
	    "expect regex \"^${id}$\"\n"
	    "expect nothing ${20}\n";
	const struct run_result *res;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	res = run_text(text, &e, &r, &sc);
	if (res->failed != 0)
		fail_msg("%s", res->failure);
	assert_int_equal(res->passed, 4);
	assert_int_equal(res->expects, 4 * 4);
	finish(e, r, sc);
}

static void
test_bad_values_fail_their_step_with_reason_error(void **state)
{
	static const char text[] =
	    "codec line\n"				/* 1 */
	    "service echo\n"				/* 2 */
	    "connections 6\n"				/* 3 */
	    "timeout 1s\n"				/* 4 */
	    "set p \"a**\"\n"				/* 5 */
	    "send \"aaa\"\n"				/* 6 */
	    "if conn == 1\n"				/* 7 */
	    "  expect regex raw \"${p}\"\n"		/* 8 */
	    "end\n"					/* 9 */
	    "if conn == 2\n"				/* 10 */
	    "  expect \"aaa\"\n"			/* 11 */
	    "  capture x regex raw \"(${p})\"\n"	/* 12 */
	    "end\n"					/* 13 */
	    "if conn == 3\n"				/* 14 */
	    "  expect one of\n"				/* 15 */
	    "    expect \"zzz\"\n"			/* 16 */
	    "    expect regex raw \"${p}\"\n"		/* 17 */
	    "  end\n"					/* 18 */
	    "end\n"					/* 19 */
	    "if conn == 4\n"				/* 20 */
	    "  expect \"aaa\" within ${0}\n"		/* 21 */
	    "end\n"					/* 22 */
	    "if conn == 5\n"				/* 23 */
	    "  send \"b\" chunk ${-1}\n"		/* 24 */
	    "end\n"					/* 25 */
	    "if conn == 6\n"				/* 26 */
	    "  expect \"aaa\" timeout ${604800001}\n"	/* 27 */
	    "end\n";					/* 28 */
	static const unsigned lines[] = { 8, 12, 17, 21, 24, 27 };
	const struct run_result *res;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;
	size_t i, j;

	(void)state;
	res = run_text(text, &e, &r, &sc);
	assert_int_equal(res->passed, 0);
	assert_int_equal(res->failed, 6);
	assert_int_equal(res->ngroups, 6);
	for (i = 0; i < 6; i++) {
		for (j = 0; j < res->ngroups; j++)
			if (res->groups[j].line == lines[i])
				break;
		if (j == res->ngroups)
			fail_msg("no failure at line %u", lines[i]);
		assert_string_equal(res->groups[j].reason, "error");
		assert_int_equal(res->groups[j].count, 1);
		assert_non_null(strstr(res->groups[j].text, "runtime error"));
	}
	finish(e, r, sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patterns_with_values_compile_when_run_and_literal_ones_now),
		cmocka_unit_test(test_numbers_and_durations_take_expressions),
		cmocka_unit_test(test_bad_values_are_refused_at_file_line_col),
		cmocka_unit_test(test_rendered_values_are_escaped_unless_raw),
		cmocka_unit_test(test_the_last_rendered_pattern_is_compiled_once_per_step),
		cmocka_unit_test(test_match_prepare_refuses_what_a_literal_pattern_could_not_be),
		cmocka_unit_test(test_stream_length_and_pattern_follow_the_values),
		cmocka_unit_test(test_each_connection_renders_its_own_values),
		cmocka_unit_test(test_bad_values_fail_their_step_with_reason_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
