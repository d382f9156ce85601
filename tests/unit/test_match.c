/* Unit tests for expect matching, stream matching, captures and the
 * mismatch reports. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cJSON.h>
#include "match.h"
#include "scenario.h"
#include "template.h"

/* Fixture for one test: a scenario, one connection's vars, a report. */
struct fx {
	struct scenario	*sc;
	struct vars v;
	struct buf	 why;
};

static struct fx fx;

/* Parse text into the fixture. */
static void
fx_parse(const char *text)
{
	char err[1024];

	fx.sc = scenario_parse("t.txt", text, strlen(text), err, sizeof(err));
	if (fx.sc == NULL)
		fail_msg("unexpected parse error: %s", err);
	vars_init(&fx.v, 1, 7);
	buf_init(&fx.why);
}

/* Free the fixture. */
static int
fx_teardown(void **state)
{
	(void)state;
	scenario_free(fx.sc);
	fx.sc = NULL;
	vars_free(&fx.v);
	buf_free(&fx.why);
	return 0;
}

/* Match step i against a frame with this body and optional head. */
static int
fx_match(size_t i, const char *body, size_t blen, const char *head)
{
	struct codec_frame f;

	memset(&f, 0, sizeof(f));
	f.frame = f.body = (const unsigned char *)body;
	f.frame_len = f.body_len = blen;
	if (head != NULL) {
		f.head = (const unsigned char *)head;
		f.head_len = strlen(head);
	}
	buf_reset(&fx.why);
	return match_expect(&fx.sc->steps[i], &f, &fx.v, &fx.why);
}

/* The report so far, NUL-terminated. */
static const char *
fx_why(void)
{
	buf_append(&fx.why, "", 1);
	fx.why.len--;
	return (const char *)buf_data(&fx.why);
}

/* Assert the report holds s. */
static void
assert_why(const char *s)
{
	if (strstr(fx_why(), s) == NULL)
		fail_msg("report\n%s\nlacks '%s'", fx_why(), s);
}

/* Exact text matches, and a mismatch reports the first differing byte
 * with escaped text and hex from a window around it. */
static void
test_bytes_mismatch_reports_first_differing_offset(void **state)
{
	(void)state;
	fx_parse("expect \"Message 1 from client.\"\n");
	assert_int_equal(fx_match(0, "Message 1 from client.", 22, NULL),
	    MATCH_OK);
	assert_int_equal(fx_match(0, "Message 1 from clienT.", 22, NULL),
	    MATCH_FAIL);
	assert_why("line 1: expect bytes: first difference at byte 20: "
	    "expected 0x74 't', got 0x54 'T'");
	assert_why("expected 22 bytes: ...\"age 1 from client.\"");
	assert_why("received 22 bytes: ...\"age 1 from clienT.\"");
	assert_why("expected hex @4: 61 67");
	assert_why("received hex @4: ");
	assert_why("6e 54 2e");
	assert_int_equal(fx_match(0, "Message 1", 9, NULL), MATCH_FAIL);
	assert_why("first difference at byte 9: expected 0x20 ' ', got end "
	    "of data");
	assert_int_equal(fx_match(0, "Message 1 from client.!", 23, NULL),
	    MATCH_FAIL);
	assert_why("at byte 22: expected end of data, got 0x21 '!'");
}

/* Hex expects compare binary bytes and show non-printables escaped. */
static void
test_hex_mismatch_shows_escaped_and_hex(void **state)
{
	(void)state;
	fx_parse("expect hex \"00 ff 0a\"\n");
	assert_int_equal(fx_match(0, "\0\xff\n", 3, NULL), MATCH_OK);
	assert_int_equal(fx_match(0, "\0\xfe\n", 3, NULL), MATCH_FAIL);
	assert_why("first difference at byte 1: expected 0xff, got 0xfe");
	assert_why("expected 3 bytes: \"\\x00\\xff\\n\"");
	assert_why("received hex @0: 00 fe 0a");
}

/* Templated expects render with the connection's values. */
static void
test_templated_expect_uses_connection_values(void **state)
{
	(void)state;
	fx_parse("expect \"conn ${conn} seq ${seq}\"\n");
	fx.v.conn = 4;
	fx.v.seq = 2;
	assert_int_equal(fx_match(0, "conn 4 seq 2", 12, NULL), MATCH_OK);
	assert_int_equal(fx_match(0, "conn 4 seq 3", 12, NULL), MATCH_FAIL);
	assert_why("byte 11");
}

/* A regex mismatch shows the pattern and what came. */
static void
test_regex_matches_and_reports_pattern(void **state)
{
	(void)state;
	fx_parse("expect regex \"^Follow .* \\\\(?[0-9]+\\\\)?$\"\n");
	assert_int_equal(fx_match(0, "Follow the (42)", 15, NULL), MATCH_OK);
	assert_int_equal(fx_match(0, "Stop the 42", 11, NULL), MATCH_FAIL);
	assert_why("line 1: expect regex: the message does not match");
	assert_why("expected to match: /^Follow .* \\\\(?[0-9]+\\\\)?$/");
	assert_why("received 11 bytes: \"Stop the 42\"");
}

/* JSON subset: extra keys are fine; a differing or missing key is
 * reported by its path with both values. */
static void
test_json_subset_reports_path_of_difference(void **state)
{
	const char *got = "{\"result\": {\"id\": 7, \"name\": \"x\"}, "
	    "\"extra\": [1, 2]}";

	(void)state;
	fx_parse("expect json {\"result\": {\"id\": 7}}\n"
	    "expect json {\"result\": {\"id\": 8}}\n"
	    "expect json {\"result\": {\"missing\": true}}\n"
	    "expect json {\"extra\": [1, 2, 3]}\n"
	    "expect json {\"result\": \"x\"}\n");
	assert_int_equal(fx_match(0, got, strlen(got), NULL), MATCH_OK);
	assert_int_equal(fx_match(1, got, strlen(got), NULL), MATCH_FAIL);
	assert_why("expect json: content: at result.id values differ");
	assert_why("expected value: 8");
	assert_why("received value: 7");
	assert_int_equal(fx_match(2, got, strlen(got), NULL), MATCH_FAIL);
	assert_why("key 'result.missing' missing");
	assert_int_equal(fx_match(3, got, strlen(got), NULL), MATCH_FAIL);
	assert_why("at extra values differ");
	assert_int_equal(fx_match(4, got, strlen(got), NULL), MATCH_FAIL);
	assert_why("at result expected string, got object");
	assert_int_equal(fx_match(0, "{\"result\": ", 11, NULL), MATCH_FAIL);
	assert_why("expected JSON content, got invalid JSON (error at byte");
}

/* expect header matches the codec header and fails without one. */
static void
test_header_expect_checks_head_only(void **state)
{
	(void)state;
	fx_parse("codec jsonhdr\n"
	    "expect header {\"content-type\": \"text/json\"}\n");
	assert_int_equal(fx_match(0, "{}", 2, "{\"byteorder\": \"little\", "
	    "\"content-type\": \"text/json\"}"), MATCH_OK);
	assert_int_equal(fx_match(0, "{}", 2, "{\"content-type\": "
	    "\"binary/x\"}"), MATCH_FAIL);
	assert_why("header: at content-type values differ");
	assert_why("received value: \"binary/x\"");
	assert_int_equal(fx_match(0, "{\"content-type\": \"text/json\"}", 29,
	    NULL), MATCH_FAIL);
	assert_why("got one without");
}

/* A header option checks the same message's header and content. */
static void
test_header_option_checks_same_message(void **state)
{
	size_t used;

	(void)state;
	fx_parse("codec jsonhdr\n"
	    "expect json {\"result\": 1} header {\"k\": \"v\"}\n"
	    "expect \"First\" header {\"k\": \"w\"}\n");
	assert_int_equal(fx_match(0, "{\"result\": 1}", 13, "{\"k\": \"v\"}"),
	    MATCH_OK);
	assert_int_equal(fx_match(0, "{\"result\": 2}", 13, "{\"k\": \"v\"}"),
	    MATCH_FAIL);
	assert_why("content: at result values differ");
	assert_int_equal(fx_match(1, "First", 5, "{\"k\": \"v\"}"), MATCH_FAIL);
	assert_why("header: at k values differ");
	assert_int_equal(match_stream(&fx.sc->steps[1],
	    (const unsigned char *)"First", 5, &fx.v, &used, &fx.why),
	    MATCH_FAIL);
	assert_why("the raw codec has no header");
}

/* match_json_subset compares numbers, booleans, null and arrays. */
static void
test_json_subset_compares_scalars_and_arrays(void **state)
{
	cJSON *w, *g;
	char path[64];

	(void)state;
	w = cJSON_Parse("{\"a\": [1, {\"b\": null}], \"c\": true, \"d\": 1.5}");
	g = cJSON_Parse("{\"d\": 1.5, \"c\": true, \"a\": [1, {\"b\": null, "
	    "\"x\": 0}]}");
	assert_int_equal(match_json_subset(w, g, path, sizeof(path)), 1);
	cJSON_Delete(g);
	g = cJSON_Parse("{\"d\": 1.5, \"c\": true, \"a\": [1, {\"b\": 0}]}");
	assert_int_equal(match_json_subset(w, g, path, sizeof(path)), 0);
	assert_string_equal(path, "a.1.b");
	cJSON_Delete(g);
	g = cJSON_Parse("{\"d\": 1.5, \"c\": false, \"a\": [1, {\"b\": null}]}");
	assert_int_equal(match_json_subset(w, g, path, sizeof(path)), 0);
	assert_string_equal(path, "c");
	cJSON_Delete(g);
	cJSON_Delete(w);
}

/* expect length, close and nothing judge a message as documented. */
static void
test_length_close_nothing_on_messages(void **state)
{
	(void)state;
	fx_parse("expect length 4\nexpect close\nexpect nothing 500ms\n");
	assert_int_equal(fx_match(0, "abcd", 4, NULL), MATCH_OK);
	assert_int_equal(fx_match(0, "abc", 3, NULL), MATCH_FAIL);
	assert_why("expect length: expected 4 bytes, got 3");
	assert_int_equal(fx_match(1, "late", 4, NULL), MATCH_FAIL);
	assert_why("expected the peer to close the connection, got a message");
	assert_int_equal(fx_match(2, "x", 1, NULL), MATCH_FAIL);
	assert_why("expected nothing for 0.5s, got a message");
	buf_reset(&fx.why);
	assert_int_equal(match_on_close(&fx.sc->steps[1], &fx.v, &fx.why),
	    MATCH_OK);
	assert_int_equal(match_on_timeout(&fx.sc->steps[2], NULL, NULL, 0, &fx.v,
	    &fx.why), MATCH_OK);
	assert_int_equal(match_on_close(&fx.sc->steps[0], &fx.v, &fx.why),
	    MATCH_FAIL);
	assert_why("the peer closed the connection before the expected "
	    "message arrived");
	assert_why("expected 4 bytes");
}

/* On the raw stream an exact expect waits for all its bytes whatever the
 * read boundaries, fails at the first wrong byte, and consumes only its
 * own bytes. */
static void
test_stream_exact_match_ignores_read_boundaries(void **state)
{
	const unsigned char *in = (const unsigned char *)
	    "Message 1 from client.Message 2 from client.";
	size_t used, n;

	(void)state;
	fx_parse("expect \"Message 1 from client.\"\n"
	    "expect \"Message 2 from client.\"\n"
	    "expect length 3\nexpect regex \"ok$\"\nexpect json {\"a\": 1}\n");
	for (n = 0; n < 22; n++)
		assert_int_equal(match_stream(&fx.sc->steps[0], in, n, &fx.v,
		    &used, &fx.why), MATCH_MORE);
	assert_int_equal(match_stream(&fx.sc->steps[0], in, 44, &fx.v, &used,
	    &fx.why), MATCH_OK);
	assert_int_equal(used, 22);
	assert_int_equal(match_stream(&fx.sc->steps[1], in + 22, 22, &fx.v,
	    &used, &fx.why), MATCH_OK);
	assert_int_equal(match_stream(&fx.sc->steps[1], in, 9, &fx.v, &used,
	    &fx.why), MATCH_FAIL);
	assert_why("first difference at byte 8: expected 0x32 '2', got 0x31 '1'");
	assert_int_equal(match_stream(&fx.sc->steps[2], in, 2, &fx.v, &used,
	    &fx.why), MATCH_MORE);
	assert_int_equal(match_stream(&fx.sc->steps[2], in, 5, &fx.v, &used,
	    &fx.why), MATCH_OK);
	assert_int_equal(used, 3);
	assert_int_equal(match_stream(&fx.sc->steps[3],
	    (const unsigned char *)"not o", 5, &fx.v, &used, &fx.why),
	    MATCH_MORE);
	assert_int_equal(match_stream(&fx.sc->steps[3],
	    (const unsigned char *)"not ok", 6, &fx.v, &used, &fx.why),
	    MATCH_OK);
	assert_int_equal(used, 6);
	assert_int_equal(match_stream(&fx.sc->steps[4],
	    (const unsigned char *)"{\"a\": ", 6, &fx.v, &used, &fx.why),
	    MATCH_MORE);
	assert_int_equal(match_stream(&fx.sc->steps[4],
	    (const unsigned char *)"{\"a\": 2}", 8, &fx.v, &used, &fx.why),
	    MATCH_FAIL);
	buf_reset(&fx.why);
	assert_int_equal(match_on_timeout(&fx.sc->steps[0], NULL, in, 5, &fx.v,
	    &fx.why), MATCH_FAIL);
	assert_why("line 1: expect bytes: timed out after 5s with an "
	    "incomplete message");
	assert_why("received 5 bytes: \"Messa\"");
}

/* A timeout with an incomplete frame of a framed codec says what the frame
 * lacks in the codec's terms, and shows the bytes as text and hex. */
static void
test_timeout_names_the_incomplete_frame_of_each_codec(void **state)
{
	static const struct {
		const char *codec, *in;
		size_t n;
		const char *want;
	} cases[] = {
		{ "line", "pong", 4, "incomplete line frame: 4 bytes without "
		    "a line ending" },
		{ "len16", "\x00\x0ahello", 7, "incomplete len16 frame: 5 of "
		    "the 10 content bytes its length prefix announces" },
		{ "len32", "\x00\x00", 2, "incomplete len32 frame: 2 of the "
		    "4 bytes of a length prefix" },
		{ "jsonhdr", "\x00\x10{\"a\"", 6, "incomplete jsonhdr frame: 4 "
		    "of the 16 bytes of a JSON header" },
		{ "http", "HTTP/1.1 200 OK\r\n", 17, "incomplete http frame: "
		    "17 bytes of an HTTP head without the blank line" },
		{ "http", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nab",
		    38, "whose body is short of its Content-Length" },
		{ "resp", "$5\r\nab", 6, "incomplete resp frame: 6 bytes of a "
		    "RESP value" },
	};
	size_t i;

	(void)state;
	fx_parse("expect \"pong\"\n");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&fx.why);
		assert_int_equal(match_on_timeout(&fx.sc->steps[0],
		    codec_find(cases[i].codec),
		    (const unsigned char *)cases[i].in, cases[i].n, &fx.v,
		    &fx.why), MATCH_FAIL);
		assert_why(cases[i].want);
		assert_why("received ");
		assert_why("received hex @0: ");
	}
	buf_reset(&fx.why);
	match_on_timeout(&fx.sc->steps[0], codec_find("line"),
	    (const unsigned char *)"pong", 4, &fx.v, &fx.why);
	assert_why("line 1: expect bytes: timed out after 5s with an "
	    "incomplete line frame: 4 bytes without a line ending");
	assert_why("received 4 bytes: \"pong\"");
	assert_why("received hex @0: 70 6f 6e 67");
}

/* Regex matching is bounded in time: a pattern glibc matches in time
 * super-linear in the input is stopped and fails the step with a reason
 * (it used to hold the loop for minutes); an ordinary pattern on the same
 * long input, run the same bounded way, matches, and a capture still gets
 * its group. */
static void
test_regex_on_long_input_is_bounded_in_time(void **state)
{
	size_t n = 200000;
	char *body = malloc(n + 2);
	struct vars *v = &fx.v;
	const unsigned char *val;
	size_t vl;

	(void)state;
	assert_non_null(body);
	memset(body, 'a', n);
	body[n] = 'b';
	body[n + 1] = '\0';
	fx_parse("expect regex \"(.*)(.*)(.*)c\"\nexpect regex \"a+b$\"\n"
	    "capture tail regex \"a(b)$\"\n");
	assert_int_equal(fx_match(0, body, n + 1, NULL), MATCH_FAIL);
	assert_why("line 1: expect regex: matching the pattern against 200001 "
	    "bytes took over 200ms and was stopped");
	buf_reset(&fx.why);
	assert_int_equal(fx_match(1, body, n + 1, NULL), MATCH_OK);
	assert_int_equal(match_capture(&fx.sc->steps[2], v, &fx.why),
	    MATCH_OK);
	val = vars_get(v, "tail", &vl);
	assert_non_null(val);
	assert_int_equal(vl, 1);
	assert_memory_equal(val, "b", 1);
	free(body);
}

/* Captures take regex group 1, a JSON path, or a header path, and fail
 * with a report when nothing fits. */
static void
test_captures_set_variables_from_last_message(void **state)
{
	const char *body = "{\"result\": {\"id\": 42, \"tags\": [\"a\", "
	    "\"b\"]}, \"url\": \"/x?token=ab12&y\"}";
	const unsigned char *p;
	size_t n;

	(void)state;
	fx_parse("codec jsonhdr\n"
	    "capture none regex \"x\"\n"
	    "expect json {}\n"
	    "capture tok regex \"token=([a-z0-9]+)\"\n"
	    "capture id json result.id\n"
	    "capture tag json result.tags.1\n"
	    "capture ct header content-type\n"
	    "capture bad json result.nope\n"
	    "capture miss regex \"zzz\"\n"
	    "expect \"${tok}/${id}/${tag}/${ct}\"\n");
	assert_int_equal(match_capture(&fx.sc->steps[0], &fx.v, &fx.why),
	    MATCH_FAIL);
	assert_why("line 2: capture none: no message was received");
	assert_int_equal(fx_match(1, body, strlen(body),
	    "{\"content-type\": \"text/json\"}"), MATCH_OK);
	assert_int_equal(match_capture(&fx.sc->steps[2], &fx.v, &fx.why),
	    MATCH_OK);
	p = vars_get(&fx.v, "tok", &n);
	assert_non_null(p);
	assert_int_equal(n, 4);
	assert_memory_equal(p, "ab12", 4);
	assert_int_equal(match_capture(&fx.sc->steps[3], &fx.v, &fx.why),
	    MATCH_OK);
	assert_int_equal(match_capture(&fx.sc->steps[4], &fx.v, &fx.why),
	    MATCH_OK);
	assert_int_equal(match_capture(&fx.sc->steps[5], &fx.v, &fx.why),
	    MATCH_OK);
	buf_reset(&fx.why);
	assert_int_equal(match_capture(&fx.sc->steps[6], &fx.v, &fx.why),
	    MATCH_FAIL);
	assert_why("capture bad: path result.nope: no 'nope'");
	buf_reset(&fx.why);
	assert_int_equal(match_capture(&fx.sc->steps[7], &fx.v, &fx.why),
	    MATCH_FAIL);
	assert_why("the last message does not match /zzz/");
	assert_int_equal(fx_match(8, "ab12/42/b/text/json", 19, NULL),
	    MATCH_OK);
}

/* Several subjects, one budget: the first match's index, or none. */
static void
test_regex_set_finds_the_first_matching_subject(void **state)
{
	static const char data[] = "abc\0xyz\0hello\0";
	const size_t off[] = { 0, 3, 4, 3, 8, 5 };
	regex_t re;
	size_t which = 99;
	char *big;
	size_t boff[2 * 40], i;

	(void)state;
	assert_int_equal(regcomp(&re, "^x", REG_EXTENDED), 0);
	assert_int_equal(match_regex_set(&re, (const unsigned char *)data,
	    off, 3, &which), 1);
	assert_int_equal(which, 1);
	regfree(&re);
	assert_int_equal(regcomp(&re, "^q", REG_EXTENDED), 0);
	assert_int_equal(match_regex_set(&re, (const unsigned char *)data,
	    off, 3, &which), 0);
	/* Past 2 KiB in all (40 x 100 bytes): one child runs them all. */
	big = malloc(40 * 101);
	for (i = 0; i < 40; i++) {
		memset(big + i * 101, 'a', 100);
		big[i * 101 + 100] = '\0';
		boff[2 * i] = i * 101;
		boff[2 * i + 1] = 100;
	}
	big[37 * 101 + 99] = 'q';
	assert_int_equal(match_regex_set(&re, (unsigned char *)big, boff, 40,
	    &which), 0);
	regfree(&re);
	assert_int_equal(regcomp(&re, "q$", REG_EXTENDED), 0);
	assert_int_equal(match_regex_set(&re, (unsigned char *)big, boff, 40,
	    &which), 1);
	assert_int_equal(which, 37);
	regfree(&re);
	free(big);
}

/* Integers past 2^53 compare by their digits; types show in reports. */
static void
test_json_exact_integers_and_typed_differences(void **state)
{
	cJSON *a = match_json_parse((const unsigned char *)
	    "[9007199254740993, 5]", 21);
	cJSON *b = match_json_parse((const unsigned char *)
	    "[9007199254740992, 5]", 21);
	cJSON *c = match_json_parse((const unsigned char *)"\"1.5\"", 5);
	cJSON *d = match_json_parse((const unsigned char *)"1.5", 3);
	char path[64], what[200], tmp[32];

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(match_json_subset(a, b, path, sizeof(path)), 0);
	assert_string_equal(path, "0");
	assert_int_equal(match_json_subset(a, a, path, sizeof(path)), 1);
	assert_string_equal(match_json_int_text(a->child, tmp, sizeof(tmp)),
	    "9007199254740993");
	assert_string_equal(match_json_int_text(a->child->next, tmp,
	    sizeof(tmp)), "5");
	assert_int_equal(match_json_differ(d, c, path, sizeof(path), what,
	    sizeof(what)), 0);
	assert_string_equal(what, "expected 1.5 (a number), got \"1.5\" "
	    "(a string)");
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(c);
	cJSON_Delete(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(
		    test_bytes_mismatch_reports_first_differing_offset,
		    fx_teardown),
		cmocka_unit_test_teardown(test_hex_mismatch_shows_escaped_and_hex,
		    fx_teardown),
		cmocka_unit_test_teardown(
		    test_templated_expect_uses_connection_values, fx_teardown),
		cmocka_unit_test_teardown(test_regex_matches_and_reports_pattern,
		    fx_teardown),
		cmocka_unit_test_teardown(
		    test_json_subset_reports_path_of_difference, fx_teardown),
		cmocka_unit_test_teardown(test_header_expect_checks_head_only,
		    fx_teardown),
		cmocka_unit_test_teardown(test_header_option_checks_same_message,
		    fx_teardown),
		cmocka_unit_test(test_json_subset_compares_scalars_and_arrays),
		cmocka_unit_test(test_regex_set_finds_the_first_matching_subject),
		cmocka_unit_test(test_json_exact_integers_and_typed_differences),
		cmocka_unit_test_teardown(test_length_close_nothing_on_messages,
		    fx_teardown),
		cmocka_unit_test_teardown(
		    test_stream_exact_match_ignores_read_boundaries, fx_teardown),
		cmocka_unit_test_teardown(
		    test_timeout_names_the_incomplete_frame_of_each_codec,
		    fx_teardown),
		cmocka_unit_test_teardown(
		    test_regex_on_long_input_is_bounded_in_time, fx_teardown),
		cmocka_unit_test_teardown(
		    test_captures_set_variables_from_last_message, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
