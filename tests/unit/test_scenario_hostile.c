/* Hostile scenario files, beyond the table in test_scenario_errors.c: JSON
 * only cJSON's leniency would take, valid files with CRLF endings or no
 * final newline, a byte-order mark, and every truncated prefix parsed from
 * an exact-size buffer (no NUL after it), which is how the fuzzer found a
 * read past the end of `repeat 333...` on a last line without newline,
 * and regexes that make glibc's regcomp exhaust memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "scenario.h"

/* Parse len bytes of text from an allocation of exactly that size. */
static struct scenario *
parse_exact(const char *text, size_t len, char *err, size_t errlen)
{
	struct scenario *sc;
	char *copy = malloc(len > 0 ? len : 1);

	assert_non_null(copy);
	memcpy(copy, text, len);
	err[0] = '\0';
	sc = scenario_parse("t.txt", copy, len, err, errlen);
	free(copy);
	return sc;
}

/* A rejected input: its message, line, column and hint. */
struct hostile_case {
	const char	*what;
	const char	*text;
	const char	*msg;
	unsigned	 line, col;
	const char	*hint;
};

static const struct hostile_case hostile_cases[] = {
	{ "\\u{...} is not a JSON escape (cJSON alone takes it)",
	    "send json {\"a\": \"\\u{1F436}\"}\n",
	    "expected valid JSON, got '\\u{1F436}\"}' at offset 7", 1, 18,
	    "\\ud83d\\udc36 for U+1F436" },
	{ "\\u{...} in expect json too", "expect json {\"v\": \"\\u{1F430}\"}\n",
	    "expected valid JSON", 1, 20, "\\uHHHH" },
	{ "\\u{...} in a jsonhdr header", "send \"a\" header "
	    "{\"x\": \"\\u{41}\"}\n", "expected valid JSON", 1, 24, NULL },
	{ "leading zero", "expect json {\"a\": 01}\n", "expected valid JSON",
	    1, 20, NULL },
	{ "raw tab inside a JSON string", "send json {\"a\": \"x\ty\"}\n",
	    "expected valid JSON", 1, 19, NULL },
	{ "unknown JSON escape", "send json {\"a\": \"\\q\"}\n",
	    "expected valid JSON", 1, 18, "\\uHHHH" },
	{ "repeat count at the very end, no newline",
	    "repeat 1\nsend \"c\"\nrepeat 33333333333333333333",
	    "expected a repeat count of at most 1000000000", 3, 8, NULL },
	{ "repeat at the very end, no newline, no end",
	    "send \"a\"\nrepeat 3", "expected 'end' for the 'repeat'", 2, 1,
	    NULL },
	{ "lone CR line endings", "send \"a\"\rsend \"b\"\r",
	    "expected text, got control byte 0x0d", 1, 9, NULL },
	{ "binary garbage from the first byte", "\x7f" "ELF\x02\x01\x01",
	    "expected text, got control byte 0x7f", 1, 1, NULL },
	{ "deep JSON nesting", "send json [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
	    "expected ']' to close the JSON value", 1, 0, NULL },
	{ "stacked repetition makes regcomp exhaust memory",
	    "expect regex \"^to+++++++++++++++++++++++++++++++k\"\n",
	    "expected a bounded regex, got repetition operators stacked at "
	    "'++", 1, 14, "one of * + ? {n,m} per atom" },
	{ "stacked intervals in a capture", "capture v regex \"a{9}{9}\"\n",
	    "expected a bounded regex", 1, 17, NULL },
	{ "nested intervals multiplying past 10000",
	    "expect regex \"((a{50}){50}){50}\"\n",
	    "{n,m} counts that multiply to more than 10000", 1, 14, NULL },
	{ "huge wait in a CRLF file", "send \"a\"\r\nwait 1e99999s\r\n",
	    "expected a duration", 2, 6, "one week" },
};

static void
hostile_inputs_fail_with_message_line_and_hint(void **state)
{
	struct scenario *sc;
	char err[1024];
	unsigned line, col;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(hostile_cases) / sizeof(hostile_cases[0]);
	    i++) {
		const struct hostile_case *c = &hostile_cases[i];

		sc = parse_exact(c->text, strlen(c->text), err, sizeof(err));
		if (sc != NULL) {
			scenario_free(sc);
			fail_msg("%s: parsed but should fail", c->what);
		}
		if (strstr(err, c->msg) == NULL)
			fail_msg("%s: '%s' lacks '%s'", c->what, err, c->msg);
		if (sscanf(err, "t.txt:%u:%u:", &line, &col) != 2)
			fail_msg("%s: no location in '%s'", c->what, err);
		if (line != c->line || (c->col != 0 && col != c->col))
			fail_msg("%s: at %u:%u, want %u:%u", c->what, line, col,
			    c->line, c->col);
		if (c->hint != NULL && (strstr(err, "\nhint: ") == NULL ||
		    strstr(strstr(err, "\nhint: "), c->hint) == NULL))
			fail_msg("%s: hint in '%s' lacks '%s'", c->what, err,
			    c->hint);
	}
}

static void
valid_json_escapes_and_characters_are_accepted(void **state)
{
	static const char text[] = "send json {\"a\": \"\\ud83d\\udc36\", "
	    "\"b\": \"\xf0\x9f\x90\xb6\", \"c\": \"\\n\\t\\\"\\/\", \"d\": -1.5e3}\n";
	struct scenario *sc;
	char err[1024];

	(void)state;
	sc = parse_exact(text, sizeof(text) - 1, err, sizeof(err));
	if (sc == NULL)
		fail_msg("%s", err);
	assert_int_equal(sc->nsteps, 1);
	scenario_free(sc);
}

static void
crlf_endings_and_a_missing_final_newline_parse_with_right_lines(void **state)
{
	static const char crlf[] = "codec line\r\n\r\n# comment\r\n"
	    "send \"a\"\r\nexpect \"a\"\r\nclose\r\n";
	static const char nonl[] = "codec line\nsend \"a\"\nexpect \"a\"";
	static const char bom[] = "\xef\xbb\xbf" "send \"a\"\n";
	struct scenario *sc;
	char err[1024];

	(void)state;
	sc = parse_exact(crlf, sizeof(crlf) - 1, err, sizeof(err));
	if (sc == NULL)
		fail_msg("%s", err);
	assert_int_equal(sc->nsteps, 3);
	assert_int_equal(sc->steps[0].line, 4);
	assert_int_equal(sc->steps[1].line, 5);
	assert_int_equal(sc->steps[2].kind, STEP_CLOSE);
	assert_int_equal(sc->steps[2].line, 6);
	scenario_free(sc);
	sc = parse_exact(nonl, sizeof(nonl) - 1, err, sizeof(err));
	if (sc == NULL)
		fail_msg("%s", err);
	assert_int_equal(sc->nsteps, 2);
	assert_int_equal(sc->steps[1].kind, STEP_EXPECT);
	assert_int_equal(sc->steps[1].line, 3);
	scenario_free(sc);
	/* A UTF-8 byte-order mark, as some editors write, is skipped. */
	sc = parse_exact(bom, sizeof(bom) - 1, err, sizeof(err));
	if (sc == NULL)
		fail_msg("%s", err);
	assert_int_equal(sc->nsteps, 1);
	scenario_free(sc);
}

static void
every_prefix_parses_from_an_exact_buffer_or_fails_located(void **state)
{
	static const char text[] = "name \"hostile\"\ncodec jsonhdr\n"
	    "connections 3\nrate 10\ntimeout 2s\nmax-frame 64k\n"
	    "repeat 12\n merge\n  send json {\"a\": 1} header {\"x\": \"y\"}\n"
	    "  send hex \"00 ff\"\n end\n send \"q\" chunk 1 delay 1ms\nend\n"
	    "repeat 2s\n send \"z\"\nend\nexpect length 12345\n"
	    "expect json {\"a\": [1, {\"b\": null}]}\ncapture v regex \"(a+)\"\n"
	    "send \"${v}\"\nexpect regex \"^a+\" timeout 100ms\nwait 10ms\n"
	    "expect nothing 5ms\nshutdown\nexpect close\n";
	struct scenario *sc;
	char err[1024];
	unsigned line, col;
	size_t n;

	(void)state;
	for (n = 0; n <= sizeof(text) - 1; n++) {
		sc = parse_exact(text, n, err, sizeof(err));
		if (sc != NULL) {
			scenario_free(sc);
			continue;
		}
		if (sscanf(err, "t.txt:%u:%u:", &line, &col) != 2)
			fail_msg("prefix %zu: no location in '%s'", n, err);
	}
	sc = parse_exact(text, sizeof(text) - 1, err, sizeof(err));
	if (sc == NULL)
		fail_msg("%s", err);
	scenario_free(sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hostile_inputs_fail_with_message_line_and_hint),
		cmocka_unit_test(valid_json_escapes_and_characters_are_accepted),
		cmocka_unit_test(crlf_endings_and_a_missing_final_newline_parse_with_right_lines),
		cmocka_unit_test(every_prefix_parses_from_an_exact_buffer_or_fails_located),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
