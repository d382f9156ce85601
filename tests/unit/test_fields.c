/* Field expects and captures (issue 13): every parse and check error with
 * its file:line:col, and matching on real byte arrays of each codec
 * (decoded by the codec itself) with the structured failure reports. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "fields.h"
#include "match.h"
#include "scenario.h"

/* One scenario that must be refused, and where. */
struct bad_case {
	const char	*what;
	const char	*text;
	const char	*msg;		/* substring of the error */
	unsigned	 line, col;
	const char	*hint;		/* substring of the hint, or NULL */
};

static const struct bad_case bad_cases[] = {
	{ "raw has no status", "codec raw\nexpect status 200\n",
	    "codec raw has no status; use codec http", 2, 8,
	    "codec raw has the fields: kind, body" },
	{ "the default codec is raw", "send \"x\"\nexpect status 2xx\n",
	    "codec raw has no status; use codec http", 2, 8, NULL },
	{ "codec named after the expect still refuses",
	    "expect code 250\ncodec http\n",
	    "codec http has no code; use codec reply", 1, 8, "status" },
	{ "http has no int", "codec http\nexpect int 5\n",
	    "codec http has no int replies; use codec resp", 2, 8, NULL },
	{ "http has no nil", "codec http\nexpect nil\n",
	    "codec http has no nil replies; use codec resp", 2, 8, NULL },
	{ "line has no error", "codec line\nexpect error \"x\"\n",
	    "codec line has no error replies; use codec resp", 2, 8, NULL },
	{ "status text is resp's", "codec http\nexpect status \"OK\"\n",
	    "codec http has no status replies; use codec resp", 2, 8, NULL },
	{ "resp has no code", "codec resp\nexpect code 250\n",
	    "codec resp has no code; use codec reply", 2, 8, "kind, type" },
	{ "http has no lines", "codec http\nexpect line regex \"x\"\n",
	    "codec http has no lines; use codec reply", 2, 8, NULL },
	{ "resp has no headers", "codec resp\nexpect header X \"a\"\n",
	    "codec resp has no headers; use codec jsonhdr, http", 2, 8,
	    NULL },
	{ "http has no push", "codec http\nexpect push json [1]\n",
	    "codec http has no push messages; use codec resp", 2, 8, NULL },
	{ "unknown field", "codec http\nexpect field bogus \"a\"\n",
	    "codec http has no bogus, and no codec has it", 2, 8, NULL },
	{ "a quoted http status", "codec http\nexpect status \"200\"\n",
	    "expected a status code without quotes, got a quoted string; "
	    "write expect status 200", 2, 8, "codec http's status is a "
	    "number" },
	{ "header: without a name", "codec http\nexpect field header: "
	    "\"x\"\n", "expected a header name after 'header:', got none",
	    2, 8, "expect field header:Location" },
	{ "a field of raw's still needs messages",
	    "codec raw\nexpect field body \"a\"\n",
	    "codec raw has no body; it is a byte stream without messages", 2,
	    8, "use a codec with messages" },
	{ "capture status on line", "codec line\ncapture s status\n",
	    "codec line has no status; use codec http", 2, 11, NULL },
	{ "capture int on http", "codec http\ncapture n int\n",
	    "codec http has no int; use codec resp", 2, 11, NULL },
	{ "capture code on resp", "codec resp\ncapture c code\n",
	    "codec resp has no code; use codec reply", 2, 11, NULL },
	{ "capture field of a group", "codec reply\ncapture c field "
	    "header:X\n", "codec reply has no headers; use codec jsonhdr, "
	    "http", 2, 11, NULL },
	{ "inside an expect set", "codec line\nexpect one of\n  expect "
	    "status 200\nend\n", "codec line has no status", 3, 10, NULL },
	{ "in an included define", "codec resp\ndefine d()\n  expect code "
	    "2xx\nend\ncall d()\n", "codec resp has no code", 3, 10, NULL },
	{ "bad status class", "codec http\nexpect status 2x1\n",
	    "expected a status such as 200, 2xx or 301|302, got '2x1'", 2,
	    15, "joined by |" },
	{ "status list with an empty item", "codec http\nexpect status "
	    "200|\n", "got '200|'", 2, 19, NULL },
	{ "two-digit status", "codec http\nexpect status 99\n",
	    "got '99'", 2, 15, NULL },
	{ "status 0xx", "codec http\nexpect status 0xx\n", "got '0xx'", 2,
	    15, NULL },
	{ "status without a value", "codec http\nexpect status\n",
	    "expected a status such as 200, 2xx or 301|302, got end of line",
	    2, 14, NULL },
	{ "bad reply code", "codec reply\nexpect code 25\n",
	    "expected a reply code such as 250, 2xx or 250|251, got '25'", 2,
	    13, NULL },
	{ "int that is not one", "codec resp\nexpect int 5x\n",
	    "expected an integer, got '5x'", 2, 12, "64-bit" },
	{ "int out of range", "codec resp\nexpect int "
	    "99999999999999999999\n", "expected an integer", 2, 12, NULL },
	{ "int needs a value", "codec resp\nexpect int\n",
	    "expected an integer such as 5 or ${n}, got end of line", 2, 11,
	    NULL },
	{ "push without json", "codec resp\nexpect push [1]\n",
	    "expected 'json' after push, got '[1]'", 2, 13, "expect push "
	    "json" },
	{ "push json needs JSON", "codec resp\nexpect push json \"a\"\n",
	    "expected", 2, 18, NULL },
	{ "header needs a value", "codec http\nexpect header X-A\n",
	    "expected \"text\" or regex \"...\", got end of line", 2, 18,
	    "regex \"pattern\"" },
	{ "header name cannot be quoted", "codec http\nexpect header "
	    "\"X\" \"a\"\n", "expected a header name, got '\"X\"", 2, 15,
	    NULL },
	{ "error regex refuses backreferences", "codec resp\nexpect error "
	    "regex \"(a)\\\\1\"\n", "backreference", 2, 0, NULL },
	{ "status variable must be set", "codec http\nexpect status "
	    "${code}\n", "expected a variable set on every path before this "
	    "line, got '${code}'", 2, 15, NULL },
	{ "status expression checked too", "codec http\nexpect status "
	    "${c + 1}\n", "got 'c'", 2, 17, NULL },
	{ "field needs a name", "codec http\nexpect field\n",
	    "expected a field name such as status or header:Location, got "
	    "end of line", 2, 13, NULL },
	{ "field value needs quotes", "codec http\nexpect field status "
	    "200\n", "expected \"text\" or regex \"...\", got '200'", 2, 21,
	    NULL },
	{ "line needs text", "codec reply\nexpect line SIZE\n",
	    "got 'SIZE'", 2, 13, NULL },
	{ "capture field needs a name", "codec http\ncapture x field\n",
	    "expected a field name", 2, 16, NULL },
	{ "capture status takes nothing more", "codec http\ncapture x "
	    "status 2\n", "expected end of line after the capture", 2, 18,
	    NULL },
	{ "options still checked", "codec http\nexpect status 200 "
	    "bogus\n", "expected 'timeout' or end of line, got 'bogus'", 2,
	    19, NULL },
};

/* Every refused scenario names the place and what to do. */
static void
test_field_errors_report_line_column_and_hint(void **state)
{
	struct scenario *sc;
	char err[1024];
	unsigned line, col;
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];

		err[0] = '\0';
		sc = scenario_parse("t.txt", c->text, strlen(c->text), err,
		    sizeof(err));
		if (sc != NULL) {
			scenario_free(sc);
			print_error("%s: parsed but should fail\n", c->what);
			bad++;
			continue;
		}
		if (strstr(err, c->msg) == NULL) {
			print_error("%s: message\n%s\nlacks '%s'\n", c->what, err,
			    c->msg);
			bad++;
		}
		if (sscanf(err, "t.txt:%u:%u:", &line, &col) != 2) {
			print_error("%s: no file:line:col in '%s'\n", c->what, err);
			bad++;
			continue;
		}
		if (c->line != 0 && line != c->line) {
			print_error("%s: line %u, want %u (%s)\n", c->what, line,
			    c->line, err);
			bad++;
		}
		if (c->col != 0 && col != c->col) {
			print_error("%s: column %u, want %u (%s)\n", c->what, col,
			    c->col, err);
			bad++;
		}
		if (c->hint != NULL && (strstr(err, "\nhint: ") == NULL ||
		    strstr(strstr(err, "\nhint: "), c->hint) == NULL)) {
			print_error("%s: hint in\n%s\nlacks '%s'\n", c->what, err,
			    c->hint);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Scenarios every codec accepts: the field words parse and check. */
static void
test_field_expects_parse_for_their_codecs(void **state)
{
	static const char *const ok[] = {
		"codec http\nexpect status 200\nexpect status 2xx|304 timeout "
		"2s within 1s\nexpect header content-type \"a\" optional\n"
		"expect header X regex \"^a\" header {\"b\": \"c\"}\n"
		"expect header {\"X\": \"1\"}\ncapture s status\ncapture l "
		"header Location\ncapture c field header:Set-Cookie\n"
		"expect status ${s}\nexpect field reason \"OK\"\n",
		"codec resp\nexpect int -5\nexpect int ${1 + 2}\nexpect nil\n"
		"expect error \"ERR x\"\nexpect error regex \"WRONG\"\nexpect "
		"status \"OK\"\nexpect json [\"a\"]\nexpect push json [\"m\"]\n"
		"capture n int\ncapture j json 0\nexpect \"text\"\n",
		"codec reply\nexpect code 250\nexpect code 2xx|354\nexpect line "
		"regex \"SIZE\"\nexpect line \"HELP\"\ncapture c code\n",
		"codec jsonhdr\nexpect header id \"7\"\nexpect header {\"id\": "
		"7}\ncapture i header id\n",
		"codec len16\nexpect field length \"3\"\nexpect field kind "
		"regex \"fr\"\n",
		"codec line\nexpect any order\n  expect field body \"a\"\n  "
		"capture b field body\n  expect field body regex \"b\"\nend\n",
	};
	struct scenario *sc;
	char err[1024];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		sc = scenario_parse("t.txt", ok[i], strlen(ok[i]), err,
		    sizeof(err));
		if (sc == NULL)
			fail_msg("case %zu: %s", i, err);
		scenario_free(sc);
	}
}

/* Fixture: a scenario, one connection's vars, a report. */
static struct {
	struct scenario	*sc;
	struct vars	 v;
	struct buf	 why;
} fx;

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

/* Decode wire (one whole frame) with the scenario's codec and match step
 * i against it. */
static int
fx_match(size_t i, const char *wire, size_t n)
{
	struct codec_frame f;
	char err[256];
	ssize_t r;

	if (n == 0)
		n = strlen(wire);
	r = fx.sc->codec->decode((const unsigned char *)wire, n, 1 << 20, &f,
	    err, sizeof(err));
	if (r != (ssize_t)n)
		fail_msg("%s does not decode as one frame (%zd): %s",
		    fx.sc->codec->name, r, err);
	buf_reset(&fx.why);
	return match_expect(&fx.sc->steps[i], &f, &fx.v, &fx.why);
}

/* Run capture step i; the variable's value must be want. */
static void
fx_capture(size_t i, const char *want)
{
	const unsigned char *val;
	size_t len;

	buf_reset(&fx.why);
	if (match_capture(&fx.sc->steps[i], &fx.v, &fx.why) != MATCH_OK) {
		buf_append(&fx.why, "", 1);
		fail_msg("capture at step %zu failed: %s", i,
		    (const char *)buf_data(&fx.why));
	}
	val = vars_get(&fx.v, fx.sc->steps[i].u.capture.name, &len);
	assert_non_null(val);
	if (len != strlen(want) || memcmp(val, want, len) != 0)
		fail_msg("captured '%.*s', want '%s'", (int)len, val, want);
}

static const char *
fx_why(void)
{
	buf_append(&fx.why, "", 1);
	fx.why.len--;
	return (const char *)buf_data(&fx.why);
}

static void
assert_why(const char *s)
{
	if (strstr(fx_why(), s) == NULL)
		fail_msg("report\n%s\nlacks '%s'", fx_why(), s);
}

/* The last report's data names the field and both values. */
static void
assert_detail(const char *field, const char *want, const char *got)
{
	struct match_detail d;

	match_last_detail(&d);
	if (field == NULL)
		assert_null(d.field);
	else {
		assert_non_null(d.field);
		assert_string_equal(d.field, field);
	}
	if (want != NULL) {
		assert_non_null(d.expected);
		assert_int_equal(d.expected_len, strlen(want));
		assert_memory_equal(d.expected, want, strlen(want));
	}
	if (got != NULL) {
		assert_non_null(d.received);
		assert_int_equal(d.received_len, strlen(got));
		assert_memory_equal(d.received, got, strlen(got));
	}
}

static const char http_404[] = "HTTP/1.1 404 Not Found\r\n"
    "Content-Type: text/html\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1\r\n!\r\n0\r\n"
    "X-Sum: 6\r\n\r\n";

/* http: status codes, classes and lists, a failure showing both. */
static void
test_http_status_codes_classes_and_lists(void **state)
{
	(void)state;
	fx_parse("codec http\nexpect status 404\nexpect status 4xx\n"
	    "expect status 200|301|4xx\nexpect status 200|301\n");
	assert_int_equal(fx_match(0, http_404, 0), MATCH_OK);
	assert_int_equal(fx_match(1, http_404, 0), MATCH_OK);
	assert_int_equal(fx_match(2, http_404, 0), MATCH_OK);
	assert_int_equal(fx_match(3, http_404, 0), MATCH_FAIL);
	assert_why("line 5: expect status: expected status 200|301, got 404");
	assert_why("\n  field: status\n  expected: 200|301\n  received: 404");
	assert_why("message: HTTP/1.1 404 Not Found");
	assert_detail("status", "200|301", "404");
}

/* http: headers by any case, any occurrence of a repeated one, regex,
 * and what a missing or unmatched header reports. */
static void
test_http_headers_case_insensitive_any_occurrence(void **state)
{
	(void)state;
	fx_parse("codec http\nexpect header content-type \"text/html\"\n"
	    "expect header SET-COOKIE \"b=2\"\nexpect header Set-Cookie "
	    "\"c=3\"\nexpect header X-None \"a\"\nexpect header Content-Type "
	    "regex \"html$\"\nexpect header Content-Type \"text/htm\"\n"
	    "expect field trailer:X-Sum \"6\"\n");
	assert_int_equal(fx_match(0, http_404, 0), MATCH_OK);
	assert_int_equal(fx_match(1, http_404, 0), MATCH_OK);
	assert_int_equal(fx_match(2, http_404, 0), MATCH_FAIL);
	assert_why("none of the 2 occurrences of header:Set-Cookie matches");
	assert_why("received: \"a=1\", \"b=2\" (2 occurrences; any one may "
	    "match)");
	assert_detail("header:Set-Cookie", "c=3", "a=1");
	assert_int_equal(fx_match(3, http_404, 0), MATCH_FAIL);
	assert_why("expect header X-None: the message has no header:X-None");
	assert_why("received: nothing (no header:X-None field)");
	assert_int_equal(fx_match(4, http_404, 0), MATCH_OK);
	assert_int_equal(fx_match(5, http_404, 0), MATCH_FAIL);
	assert_why("expected header Content-Type \"text/htm\", got "
	    "\"text/html\"");
	assert_int_equal(fx_match(6, http_404, 0), MATCH_OK);
}

/* http: header {...} as an expect and as an option reads the header
 * fields by any case (it used to fail on every http message), and plain
 * expects see the de-chunked body. */
static void
test_http_header_json_and_dechunked_body(void **state)
{
	(void)state;
	fx_parse("codec http\nexpect header {\"content-type\": \"text/html\", "
	    "\"set-cookie\": \"b=2\"}\nexpect \"hello!\" header {\"SET-COOKIE\":"
	    " \"a=1\"}\nexpect length 6\nexpect regex \"^hello!$\" header "
	    "{\"Content-Type\": \"text/plain\"}\nexpect header {\"X-Missing\": "
	    "\"1\"}\n");
	assert_int_equal(fx_match(0, http_404, 0), MATCH_OK);
	assert_int_equal(fx_match(1, http_404, 0), MATCH_OK);
	assert_int_equal(fx_match(2, http_404, 0), MATCH_OK);
	assert_int_equal(fx_match(3, http_404, 0), MATCH_FAIL);
	assert_why("expected header Content-Type \"text/plain\", got \"text/html\"");
	assert_detail("header:Content-Type", "text/plain", "text/html");
	assert_int_equal(fx_match(4, http_404, 0), MATCH_FAIL);
	assert_why("the message has no header:X-Missing");
	/* A number matches the header's decimal text. */
	scenario_free(fx.sc);
	vars_free(&fx.v);
	buf_free(&fx.why);
	fx_parse("codec http\nexpect \"abc\" header {\"content-length\": 3}\n");
	assert_int_equal(fx_match(0, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
	    "\r\nabc", 0), MATCH_OK);
}

/* http captures: status, a header by any case, any field; then an
 * expect reads a captured code list. */
static void
test_http_captures_and_variable_codes(void **state)
{
	(void)state;
	fx_parse("codec http\nexpect status 404\ncapture s status\ncapture c "
	    "header content-TYPE\ncapture k field header:set-cookie\ncapture "
	    "b field body\nset want \"4xx\"\nexpect status ${want}|200\n"
	    "expect status ${s}\ncapture x header X-None\n");
	assert_int_equal(fx_match(0, http_404, 0), MATCH_OK);
	fx_capture(1, "404");
	fx_capture(2, "text/html");
	fx_capture(3, "a=1");
	fx_capture(4, "hello!");
	vars_set(&fx.v, "want", "4xx", 3);
	assert_int_equal(fx_match(6, http_404, 0), MATCH_OK);
	assert_int_equal(fx_match(7, http_404, 0), MATCH_OK);
	vars_set(&fx.v, "want", "abc", 3);
	assert_int_equal(fx_match(6, http_404, 0), MATCH_FAIL);
	assert_why("the codes became 'abc|200', not a list such as 200, 2xx "
	    "or 301|302");
	buf_reset(&fx.why);
	assert_int_equal(match_capture(&fx.sc->steps[8], &fx.v, &fx.why),
	    MATCH_FAIL);
	assert_why("capture x: the last message has no header:X-None");
}

/* resp: integers, nil, errors, statuses and their type mismatches. */
static void
test_resp_types_int_nil_error_status(void **state)
{
	(void)state;
	fx_parse("codec resp\nexpect int 5\nexpect int -7\nexpect nil\n"
	    "expect error \"ERR wrong\"\nexpect error regex \"^ERR w\"\n"
	    "expect status \"OK\"\nexpect \"\"\nexpect \"abc\"\n"
	    "set n 6\nexpect int ${n - 1}\n");
	assert_int_equal(fx_match(0, ":5\r\n", 0), MATCH_OK);
	assert_int_equal(fx_match(0, ":6\r\n", 0), MATCH_FAIL);
	assert_why("expected int 5, got 6");
	assert_detail("int", "5", "6");
	assert_int_equal(fx_match(0, "$1\r\n5\r\n", 0), MATCH_FAIL);
	assert_why("expected an int reply, got a string");
	assert_detail("type", "int", "string");
	assert_int_equal(fx_match(1, ":-7\r\n", 0), MATCH_OK);
	assert_int_equal(fx_match(2, "$-1\r\n", 0), MATCH_OK);
	assert_int_equal(fx_match(2, "*-1\r\n", 0), MATCH_OK);
	assert_int_equal(fx_match(2, "_\r\n", 0), MATCH_OK);
	assert_int_equal(fx_match(2, "$0\r\n\r\n", 0), MATCH_FAIL);
	assert_why("expected a nil reply, got a string");
	assert_int_equal(fx_match(3, "-ERR wrong\r\n", 0), MATCH_OK);
	assert_int_equal(fx_match(3, "!9\r\nERR wrong\r\n", 0), MATCH_OK);
	assert_int_equal(fx_match(3, "+ERR wrong\r\n", 0), MATCH_FAIL);
	assert_why("expected an error reply, got a status");
	assert_int_equal(fx_match(3, "-ERR right\r\n", 0), MATCH_FAIL);
	assert_why("expected error \"ERR wrong\", got \"ERR right\"");
	assert_int_equal(fx_match(4, "-ERR whatever\r\n", 0), MATCH_OK);
	assert_int_equal(fx_match(4, "-WRONGTYPE x\r\n", 0), MATCH_FAIL);
	assert_why("expected: /^ERR w/");
	assert_int_equal(fx_match(5, "+OK\r\n", 0), MATCH_OK);
	assert_int_equal(fx_match(5, "$2\r\nOK\r\n", 0), MATCH_FAIL);
	assert_why("expected a status reply, got a string");
	/* Plain text: a nil is not the empty string. */
	assert_int_equal(fx_match(6, "$0\r\n\r\n", 0), MATCH_OK);
	assert_int_equal(fx_match(6, "$-1\r\n", 0), MATCH_FAIL);
	assert_why("expect bytes: got nil (expect nil matches it)");
	assert_int_equal(fx_match(7, "$3\r\nabc\r\n", 0), MATCH_OK);
	assert_int_equal(fx_match(7, "+abc\r\n", 0), MATCH_OK);
	vars_set(&fx.v, "n", "6", 1);
	assert_int_equal(fx_match(9, ":5\r\n", 0), MATCH_OK);
}

/* resp: json on the value's JSON view (arrays, maps, sets), push json
 * only on a RESP3 push, captures of int and json paths. */
static void
test_resp_json_view_push_and_captures(void **state)
{
	static const char lrange[] = "*2\r\n$1\r\na\r\n$1\r\nb\r\n";
	static const char push[] = ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n"
	    "$2\r\nhi\r\n";

	(void)state;
	fx_parse("codec resp\nexpect json [\"a\",\"b\"]\nexpect json "
	    "{\"f\": 1}\nexpect push json [\"message\",\"ch\",\"hi\"]\n"
	    "capture first json 0\ncapture n int\ncapture m json f\n"
	    "expect json [\"a\"]\n");
	/* The captures read step 2's message in a run; this test feeds
	 * them steps 0 and 1's, so those keep theirs too. */
	assert_int_equal(fx.sc->steps[2].u.expect.keep_frame, 1);
	fx.sc->steps[0].u.expect.keep_frame = 1;
	fx.sc->steps[1].u.expect.keep_frame = 1;
	assert_int_equal(fx_match(0, lrange, 0), MATCH_OK);
	assert_int_equal(fx_match(0, "~2\r\n$1\r\na\r\n$1\r\nb\r\n", 0),
	    MATCH_OK);
	fx_capture(3, "a");
	assert_int_equal(fx_match(0, "*2\r\n$1\r\na\r\n$1\r\nc\r\n", 0),
	    MATCH_FAIL);
	assert_why("expect json: value differs at 1");
	assert_why("expected: [\"a\",\"b\"]\n  received: [\"a\",\"c\"]");
	assert_detail("value", "[\"a\",\"b\"]", "[\"a\",\"c\"]");
	assert_int_equal(fx_match(1, "%1\r\n$1\r\nf\r\n:1\r\n", 0), MATCH_OK);
	fx_capture(5, "1");
	assert_int_equal(fx_match(2, push, 0), MATCH_OK);
	assert_int_equal(fx_match(2, "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n"
	    "$2\r\nhi\r\n", 0), MATCH_FAIL);
	assert_why("expected a push reply, got an array");
	assert_int_equal(fx_match(6, lrange, 0), MATCH_FAIL);
	assert_int_equal(fx_match(0, ":42\r\n", 0), MATCH_FAIL);
	fx_capture(4, "42");
	buf_reset(&fx.why);
	assert_int_equal(match_capture(&fx.sc->steps[3], &fx.v, &fx.why),
	    MATCH_FAIL);
	assert_why("path 0: no '0' in the received JSON");
}

/* Only an expect whose message a field capture may read keeps a copy
 * of it (every expect used to copy every frame). */
static void
test_only_expects_a_capture_reads_keep_their_frame(void **state)
{
	static const struct {
		const char *text;
		const char *keep;	/* per step: '1' kept, '0' not, '-' */
	} cases[] = {
		{ "codec resp\nexpect json [1]\nexpect int 2\n", "00" },
		{ "codec resp\nexpect json [1]\nexpect int 2\ncapture a int\n"
		  "expect int 3\n", "01-0" },
		{ "codec resp\nexpect json [1]\nexpect int 2 optional\n"
		  "capture a int\n", "11-" },
		{ "codec resp\nexpect int 1\nrepeat 2\ncapture a int\n"
		  "expect int 2\nend\n", "1--1-" },
		{ "codec resp\nexpect int 1\nexpect one of\nexpect int 2\n"
		  "capture a int\nexpect int 3\nend\n", "0-1-0-" },
		{ "codec resp\nexpect int 1\nexpect any order\nexpect int 2\n"
		  "expect int 3\nend\ncapture a int\n", "0-11--" },
		{ "codec resp\nexpect int 1\ncapture a regex \"(.*)\"\n", "0-" },
	};
	char err[512];
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fx.sc = scenario_parse("t.txt", cases[i].text,
		    strlen(cases[i].text), err, sizeof(err));
		if (fx.sc == NULL)
			fail_msg("case %zu: %s", i, err);
		assert_int_equal(fx.sc->nsteps, strlen(cases[i].keep));
		for (k = 0; k < fx.sc->nsteps; k++) {
			if (cases[i].keep[k] == '-')
				continue;
			assert_int_equal(fx.sc->steps[k].kind, STEP_EXPECT);
			if (fx.sc->steps[k].u.expect.keep_frame !=
			    (cases[i].keep[k] == '1'))
				fail_msg("case %zu step %zu: keep_frame %d",
				    i, k, fx.sc->steps[k].u.expect.keep_frame);
		}
		scenario_free(fx.sc);
		fx.sc = NULL;
	}
}

static const char ehlo[] = "250-mail.example\r\n250-SIZE 1000\r\n"
    "250 HELP\r\n";

/* reply: codes, classes, lists; some line by regex or text; capture. */
static void
test_reply_code_and_lines(void **state)
{
	(void)state;
	fx_parse("codec reply\nexpect code 250\nexpect code 2xx\nexpect code "
	    "251|250\nexpect code 3xx|5xx\nexpect line regex \"^SIZE "
	    "[0-9]+$\"\nexpect line \"HELP\"\nexpect line \"NOPE\"\ncapture "
	    "c code\n");
	assert_int_equal(fx_match(0, ehlo, 0), MATCH_OK);
	assert_int_equal(fx_match(1, ehlo, 0), MATCH_OK);
	assert_int_equal(fx_match(2, ehlo, 0), MATCH_OK);
	assert_int_equal(fx_match(3, ehlo, 0), MATCH_FAIL);
	assert_why("expected code 3xx|5xx, got 250");
	assert_detail("code", "3xx|5xx", "250");
	assert_int_equal(fx_match(4, ehlo, 0), MATCH_OK);
	assert_int_equal(fx_match(5, ehlo, 0), MATCH_OK);
	assert_int_equal(fx_match(6, ehlo, 0), MATCH_FAIL);
	assert_why("expected: a line \"NOPE\"");
	assert_why("received: [\"mail.example\",\"SIZE 1000\",\"HELP\"]");
	fx_capture(7, "250");
	assert_int_equal(fx_match(0, "554 no\r\n", 0), MATCH_FAIL);
	assert_why("expected code 250, got 554");
}

/* jsonhdr, len16 and line: header fields and any field by name. */
static void
test_other_codecs_fields_by_name(void **state)
{
	struct buf b;
	char err[128];

	(void)state;
	fx_parse("codec jsonhdr\nexpect header content-type regex \"^binary/\"\n"
	    "expect field header:content-length \"5\"\ncapture t header "
	    "content-type\nexpect field kind \"message\"\n");
	buf_init(&b);
	assert_int_equal(codec_jsonhdr.encode((const unsigned char *)"hello",
	    5, NULL, &b, err, sizeof(err)), 0);
	buf_append(&b, "", 1);
	if (fx_match(0, (const char *)buf_data(&b), buf_len(&b) - 1) !=
	    MATCH_OK)
		fail_msg("%s", fx_why());
	assert_int_equal(fx_match(1, (const char *)buf_data(&b),
	    buf_len(&b) - 1), MATCH_OK);
	fx_capture(2, "binary/custom-client-binary-type");
	assert_int_equal(fx_match(3, (const char *)buf_data(&b),
	    buf_len(&b) - 1), MATCH_OK);
	buf_free(&b);
	fx_teardown(NULL);

	fx_parse("codec len16\nexpect field length \"3\"\nexpect field body "
	    "regex \"^ab\"\ncapture l field length\n");
	assert_int_equal(fx_match(0, "\0\3abc", 5), MATCH_OK);
	assert_int_equal(fx_match(1, "\0\3abc", 5), MATCH_OK);
	fx_capture(2, "3");
	assert_int_equal(fx_match(0, "\0\2ab", 4), MATCH_FAIL);
	assert_why("expected field length \"3\", got 2");
	fx_teardown(NULL);

	fx_parse("codec line\nexpect field body \"hi\"\nexpect field kind "
	    "\"line\"\n");
	assert_int_equal(fx_match(0, "hi\n", 0), MATCH_OK);
	assert_int_equal(fx_match(1, "hi\r\n", 0), MATCH_OK);
	assert_int_equal(fx_match(0, "ho\n", 0), MATCH_FAIL);
	assert_detail("body", "hi", "ho");
}

/* A timeout or close while a field expect waits says what it waited for,
 * and the report's head names the field expect. */
static void
test_timeout_and_close_reports_name_the_field(void **state)
{
	(void)state;
	fx_parse("codec http\nexpect status 2xx timeout 1s\nexpect header X "
	    "regex \"a+\"\n");
	assert_int_equal(match_on_timeout(&fx.sc->steps[0], &codec_http,
	    (const unsigned char *)"HTTP/1.1 2", 10, &fx.v, &fx.why),
	    MATCH_FAIL);
	assert_why("line 2: expect status: timed out after 1s");
	assert_why("expected: status 2xx");
	buf_reset(&fx.why);
	assert_int_equal(match_on_close(&fx.sc->steps[1], &fx.v, &fx.why),
	    MATCH_FAIL);
	assert_why("line 3: expect header X: the peer closed");
	assert_why("expected: header X regex /a+/");
}

/* A field regex with ${...} (header, line, error, field NAME) is
 * rendered when its step runs, each value escaped to match itself unless
 * `regex raw`, through the step's cache; the report shows the rendered
 * pattern and the pattern as written; an unusable rendering is a runtime
 * error from match_prepare. They were compiled at parse time as written,
 * so "${base}" was refused as an invalid regex. */
static void
test_field_regex_takes_values_escaped_or_raw(void **state)
{
	static const char loc[] = "HTTP/1.1 301 Moved\r\nLocation: "
	    "http://a.b/x\r\nContent-Length: 0\r\n\r\n";
	static const char locx[] = "HTTP/1.1 301 Moved\r\nLocation: "
	    "http://axb/x\r\nContent-Length: 0\r\n\r\n";

	(void)state;
	fx_parse("codec http\nset base \"http://a.b\"\nset alt \"x|y\"\n"
	    "expect header Location regex \"^${base}/x$\"\n"
	    "expect field header:location regex raw \"/(${alt})$\"\n"
	    "expect header Location regex \"^${alt}$\" timeout 1s\n");
	vars_set(&fx.v, "base", "http://a.b", 10);
	vars_set(&fx.v, "alt", "x|y", 3);
	assert_int_equal(fx.sc->steps[2].u.expect.kind, EXPECT_FIELD);
	assert_non_null(fx.sc->steps[2].u.expect.field->rx);
	assert_int_equal(match_prepare(&fx.sc->steps[2], &fx.v, &fx.why), 0);
	assert_int_equal(fx_match(2, loc, 0), MATCH_OK);
	/* The '.' of the value is escaped: "axb" does not match. */
	assert_int_equal(fx_match(2, locx, 0), MATCH_FAIL);
	assert_why("line 4: expect header Location: expected header Location "
	    "/^http://a\\\\.b/x$/, got \"http://axb/x\"");
	assert_why("pattern as written: /^${base}/x$/");
	assert_detail("header:Location", "^http://a\\.b/x$", "http://axb/x");
	/* raw: the value is regex. */
	assert_int_equal(fx_match(3, loc, 0), MATCH_OK);
	assert_int_equal(fx_match(3, "HTTP/1.1 301 M\r\nLocation: /z\r\n"
	    "Content-Length: 0\r\n\r\n", 0), MATCH_FAIL);
	assert_why("expected: //(x|y)$/");
	/* A timeout names this connection's rendering. */
	buf_reset(&fx.why);
	assert_int_equal(match_on_timeout(&fx.sc->steps[4], &codec_http,
	    (const unsigned char *)"", 0, &fx.v, &fx.why), MATCH_FAIL);
	assert_why("expected: header Location regex /^x\\\\|y$/");
	assert_why("pattern as written: /^${alt}$/");
	/* A raw value that makes the pattern unbounded: runtime error. */
	vars_set(&fx.v, "alt", "a**", 3);
	buf_reset(&fx.why);
	assert_int_equal(match_prepare(&fx.sc->steps[3], &fx.v, &fx.why), -1);
	assert_why("line 5: expect field header:location: runtime error: the "
	    "pattern //(${alt})$/ rendered to //(a**)$/, which is refused");
	fx_teardown(NULL);

	fx_parse("codec reply\nset w \"SIZE 1.0\"\n"
	    "expect line regex \"^${w}$\"\nexpect field code regex "
	    "\"^${w}\"\n");
	vars_set(&fx.v, "w", "SIZE 1.0", 8);
	assert_int_equal(fx_match(1, "250-a\r\n250 SIZE 1.0\r\n", 0),
	    MATCH_OK);
	assert_int_equal(fx_match(1, "250-a\r\n250 SIZE 1x0\r\n", 0),
	    MATCH_FAIL);
	assert_why("expected a line matching /^SIZE 1\\\\.0$/, got");
	vars_set(&fx.v, "w", "25", 2);
	assert_int_equal(fx_match(2, "250 ok\r\n", 0), MATCH_OK);
	fx_teardown(NULL);

	fx_parse("codec resp\nset k \"key[1]\"\n"
	    "expect error regex \"no ${k}$\"\nexpect error regex raw "
	    "\"^${k}\"\n");
	vars_set(&fx.v, "k", "key[1]", 6);
	assert_int_equal(fx_match(1, "-ERR no key[1]\r\n", 0), MATCH_OK);
	assert_int_equal(fx_match(1, "-ERR no key1\r\n", 0), MATCH_FAIL);
	/* raw: [1] is a bracket expression, "key1" matches it. */
	assert_int_equal(fx_match(2, "-key1\r\n", 0), MATCH_OK);
}

/* Codes and integers from ${...}: reply codes, RESP integers; a value
 * that is no code or integer is a runtime error when the step starts. */
static void
test_field_codes_and_ints_from_expressions(void **state)
{
	(void)state;
	fx_parse("codec reply\nset c 250\nexpect code ${c}\n"
	    "expect code ${c - 50 * 2}|${c}\n");
	vars_set(&fx.v, "c", "250", 3);
	assert_int_equal(fx_match(1, "250 ok\r\n", 0), MATCH_OK);
	assert_int_equal(fx_match(1, "251 ok\r\n", 0), MATCH_FAIL);
	assert_why("expected code 250, got 251");
	assert_int_equal(fx_match(2, "150 go\r\n", 0), MATCH_OK);
	vars_set(&fx.v, "c", "2x5", 3);
	assert_int_equal(match_prepare(&fx.sc->steps[1], &fx.v, &fx.why), -1);
	assert_why("line 3: expect code: the codes became '2x5'");
	fx_teardown(NULL);

	fx_parse("codec resp\nset n 5\nexpect int ${n}\nexpect int "
	    "${n * -2}\n");
	vars_set(&fx.v, "n", "5", 1);
	assert_int_equal(fx_match(1, ":5\r\n", 0), MATCH_OK);
	assert_int_equal(fx_match(2, ":-10\r\n", 0), MATCH_OK);
	assert_int_equal(fx_match(1, ":6\r\n", 0), MATCH_FAIL);
	assert_why("expected int 5, got 6");
	vars_set(&fx.v, "n", "five", 4);
	assert_int_equal(match_prepare(&fx.sc->steps[1], &fx.v, &fx.why), -1);
	assert_why("the integer became 'five'");
}

/* A connection error while an expect set waits is reported without
 * reading the set's (absent) expected bytes; it used to crash. */
static void
test_error_during_an_expect_set_is_reported(void **state)
{
	(void)state;
	fx_parse("codec http\nexpect any order\n  expect status 200\n  "
	    "expect \"x\"\nend\n");
	assert_int_equal(fx.sc->steps[0].kind, STEP_EXPECT_SET);
	match_report_partial(&fx.sc->steps[0], "connection failed",
	    &codec_http, (const unsigned char *)"HTTP/1.1", 8, &fx.v,
	    &fx.why);
	assert_why("connection failed with an incomplete http frame");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_errors_report_line_column_and_hint),
		cmocka_unit_test(test_field_expects_parse_for_their_codecs),
		cmocka_unit_test_teardown(
		    test_http_status_codes_classes_and_lists, fx_teardown),
		cmocka_unit_test_teardown(
		    test_http_headers_case_insensitive_any_occurrence,
		    fx_teardown),
		cmocka_unit_test_teardown(
		    test_http_header_json_and_dechunked_body, fx_teardown),
		cmocka_unit_test_teardown(
		    test_http_captures_and_variable_codes, fx_teardown),
		cmocka_unit_test_teardown(test_resp_types_int_nil_error_status,
		    fx_teardown),
		cmocka_unit_test_teardown(test_resp_json_view_push_and_captures,
		    fx_teardown),
		cmocka_unit_test(
		    test_only_expects_a_capture_reads_keep_their_frame),
		cmocka_unit_test_teardown(test_reply_code_and_lines,
		    fx_teardown),
		cmocka_unit_test_teardown(test_other_codecs_fields_by_name,
		    fx_teardown),
		cmocka_unit_test_teardown(
		    test_timeout_and_close_reports_name_the_field, fx_teardown),
		cmocka_unit_test_teardown(
		    test_error_during_an_expect_set_is_reported, fx_teardown),
		cmocka_unit_test_teardown(
		    test_field_regex_takes_values_escaped_or_raw, fx_teardown),
		cmocka_unit_test_teardown(
		    test_field_codes_and_ints_from_expressions, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
