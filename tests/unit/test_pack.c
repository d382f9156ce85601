/* Unit tests for the message builders and binary helpers (src/script/
 * pack.c): send pack encodings byte by byte, send hex with ${...},
 * send request and send command wire bytes, expect hex patterns with
 * wildcards and masks on whole messages and split reads, capture NAME
 * TYPE at N, and every error they report. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "match.h"
#include "pack.h"
#include "scenario.h"
#include "template.h"
#include "util.h"

/* One test's scenario, connection variables and output. */
static struct {
	struct scenario	*sc;
	struct vars	 v;
	struct buf	 out, why;
	char		 err[1024];
} fx;

/* Parse text, which must be valid, into the fixture. */
static void
fx_parse(const char *text)
{
	fx.sc = scenario_parse("t.txt", text, strlen(text), fx.err,
	    sizeof(fx.err));
	if (fx.sc == NULL)
		fail_msg("unexpected parse error: %s", fx.err);
	vars_init(&fx.v, 1, 7);
	buf_init(&fx.out);
	buf_init(&fx.why);
}

static int
fx_teardown(void **state)
{
	(void)state;
	scenario_free(fx.sc);
	fx.sc = NULL;
	vars_free(&fx.v);
	buf_free(&fx.out);
	buf_free(&fx.why);
	return 0;
}

/* Run send step i into fx.out (reset first); tmpl_send's result. */
static int
fx_send(size_t i)
{
	buf_reset(&fx.out);
	fx.err[0] = '\0';
	assert_int_equal(fx.sc->steps[i].kind, STEP_SEND);
	return tmpl_send(&fx.sc->steps[i], fx.sc->codec, &fx.v, &fx.out,
	    fx.err, sizeof(fx.err));
}

/* Assert fx.out holds exactly want[0..n). */
static void
assert_out(const void *want, size_t n)
{
	if (buf_len(&fx.out) != n || memcmp(buf_data(&fx.out), want, n) != 0) {
		char got[512];

		hex_bytes(buf_data(&fx.out), buf_len(&fx.out), got, sizeof(got));
		fail_msg("got %zu bytes: %s (wanted %zu)", buf_len(&fx.out), got,
		    n);
	}
}

/* Set variable name to the text val. */
static void
fx_set(const char *name, const char *val)
{
	assert_int_equal(vars_set(&fx.v, name, val, strlen(val)), 0);
}

/* Parse text, which must fail, and assert the error starts with want. */
static void
assert_parse_error(const char *text, const char *want)
{
	struct scenario *sc;
	char err[1024];

	sc = scenario_parse("t.txt", text, strlen(text), err, sizeof(err));
	if (sc != NULL) {
		scenario_free(sc);
		fail_msg("parsed, wanted error: %s\n  text: %s", want, text);
	}
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("error:\n%s\nwanted it to start with:\n%s", err, want);
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
		fail_msg("report lacks \"%s\":\n%s", s, fx_why());
}

/* Every integer type, bytes and hex encode byte-exact, in their byte
 * order, signed types as two's complement. */
static void
test_pack_every_type_byte_exact(void **state)
{
	static const unsigned char want[] = {
		0xff,					/* u8 255 */
		0x12, 0x34,				/* u16be */
		0x34, 0x12,				/* u16le */
		0x12, 0x34, 0x56,			/* u24be */
		0x12, 0x34, 0x56, 0x78,			/* u32be */
		0x78, 0x56, 0x34, 0x12,			/* u32le */
		1, 2, 3, 4, 5, 6, 7, 8,			/* u64be */
		8, 7, 6, 5, 4, 3, 2, 1,			/* u64le */
		0xff,					/* i8 -1 */
		0xff, 0xfe,				/* i16be -2 */
		0xfe, 0xff,				/* i16le -2 */
		0xff, 0xff, 0xff, 0xfe,			/* i32be -2 */
		0xfe, 0xff, 0xff, 0xff,			/* i32le -2 */
		'a', 0, 'b',				/* bytes */
		0x00, 0xff				/* hex */
	};

	(void)state;
	fx_parse("send pack u8 255, u16be 0x1234, u16le 0x1234, u24be "
	    "0x123456, u32be 305419896, u32le 0x12345678, u64be "
	    "0x0102030405060708, u64le 0x0102030405060708, i8 -1, i16be -2, "
	    "i16le -2, i32be -2, i32le -2, bytes \"a\\x00b\", hex \"00 ff\"\n");
	assert_int_equal(fx_send(0), 0);
	assert_out(want, sizeof(want));
}

/* The ends of each range are accepted and encoded. */
static void
test_pack_range_ends(void **state)
{
	static const unsigned char want[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* u64 max */
		0x80, 0x7f,					/* i8 ends */
		0x80, 0x00, 0x00, 0x80,				/* i16 min */
		0x00, 0x00, 0x00, 0x80,				/* i32le min */
		0x7f, 0xff, 0xff, 0xff,				/* i32be max */
		0x00, 0xff, 0xff, 0xff				/* u24 max */
	};

	(void)state;
	fx_parse("send pack u64le 18446744073709551615, i8 -128, i8 127, "
	    "i16be -32768, i16le -32768, i32le -2147483648, i32be 2147483647, "
	    "u8 0, u24be 16777215\n");
	assert_int_equal(fx_send(0), 0);
	assert_out(want, sizeof(want));
}

/* ${...} values are computed per send; bytes and hex take variables; a
 * string holding an integer counts as one. */
static void
test_pack_expressions_and_variables(void **state)
{
	static const unsigned char want[] = {
		0x01, 0x12, 0x34, 0xfe, 0xff, 'i', 'd', '=', '4', '6', '6', '0',
		0xab, 0x12, 0x34, 0x00, 0x2a
	};

	(void)state;
	fx_parse("set n 4660\nset s \"42\"\n"
	    "send pack u8 1, u16be ${n}, i16le ${0 - 2}, bytes \"id=${n}\", "
	    "hex \"ab ${hex(n)}\", u16be ${s}\n");
	fx_set("n", "4660");
	fx_set("s", "42");
	assert_int_equal(fx_send(2), 0);
	assert_out(want, sizeof(want));
}

/* An expression out of its type's range, or not an integer, is a runtime
 * error naming the field, the range and the value. */
static void
test_pack_runtime_range_errors(void **state)
{
	(void)state;
	fx_parse("set n 70000\nsend pack u8 1, u16be ${n}\n"
	    "send pack u8 ${n - 70001}\nsend pack i8 ${n}\n"
	    "send pack u32le ${\"abc\"}\nsend pack u64be ${0 - 1}\n");
	fx_set("n", "70000");
	assert_int_equal(fx_send(1), -1);
	assert_string_equal(fx.err, "runtime error: send pack field 2: "
	    "expected a value 0..65535 for u16be, got 70000");
	assert_int_equal(fx_send(2), -1);
	assert_string_equal(fx.err, "runtime error: send pack field 1: "
	    "expected a value 0..255 for u8, got -1");
	assert_int_equal(fx_send(3), -1);
	assert_string_equal(fx.err, "runtime error: send pack field 1: "
	    "expected a value -128..127 for i8, got 70000");
	assert_int_equal(fx_send(4), -1);
	assert_string_equal(fx.err, "runtime error: send pack field 1: "
	    "expected a decimal integer for u32le, got \"abc\"");
	assert_int_equal(fx_send(5), -1);
	assert_string_equal(fx.err, "runtime error: send pack field 1: "
	    "expected a value 0..18446744073709551615 for u64be, got -1");
}

/* A pack body goes through the codec like any send (len16 frames it), and
 * raw bypasses it. */
static void
test_pack_goes_through_the_codec(void **state)
{
	static const unsigned char framed[] = { 0, 3, 1, 0, 2 };

	(void)state;
	fx_parse("codec len16\nsend pack u8 1, u16be 2\n"
	    "send raw pack u8 1, u16be 2\n");
	assert_int_equal(fx_send(0), 0);
	assert_out(framed, sizeof(framed));
	assert_int_equal(fx_send(1), 0);
	assert_out(framed + 2, 3);
}

/* send hex with ${...} renders then decodes; odd digits and bad
 * characters after substitution are runtime errors with the text. */
static void
test_send_hex_with_variables(void **state)
{
	static const unsigned char want[] = { 0x01, 0x12, 0x34, 0xff };

	(void)state;
	fx_parse("set n 4660\nset s \"\"\nsend hex \"01 ${hex(n)} ff\"\n"
	    "send hex \"01 ${hex(n)}\"\nsend hex \"${s}\"\n");
	fx_set("n", "4660");
	fx_set("s", "zz");
	assert_int_equal(fx_send(2), 0);
	assert_out(want, sizeof(want));
	fx_set("n", "513");
	assert_int_equal(fx_send(3), -1);
	assert_string_equal(fx.err, "runtime error: send hex: \"01 201\" after "
	    "substituting variables: expected a second hex digit, got the end "
	    "(an odd number of digits) at offset 6");
	assert_int_equal(fx_send(4), -1);
	assert_string_equal(fx.err, "runtime error: send hex: \"zz\" after "
	    "substituting variables: expected a hex digit, got 'z' at offset 0");
}

/* send request: method, target, headers in order with Host from the
 * target first, the JSON body with its Content-Type and a computed
 * Content-Length; a GET without a body has no Content-Length. */
static void
test_request_bytes(void **state)
{
	static const char want[] = "POST /items/42 HTTP/1.1\r\n"
	    "Host: 127.0.0.1:8080\r\n"
	    "Accept: */*\r\n"
	    "X-Id: 42\r\n"
	    "X-Two: a\r\n"
	    "X-Two: b\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 26\r\n"
	    "\r\n"
	    "{\"id\": 42, \"name\": \"a\\\"b\"}";
	static const char get[] = "GET /?q=1 HTTP/1.1\r\nhost: example.org\r\n"
	    "\r\n";
	static const char text[] = "PUT / HTTP/1.1\r\nHost: h:1\r\n"
	    "Content-Length: 5\r\n\r\nid=42";

	(void)state;
	fx_parse("codec http\nset id 42\nsend request POST \"/items/${id}\" "
	    "header {\"Accept\": \"*/*\", \"X-Id\": \"${id}\", \"X-Two\": "
	    "[\"a\", \"b\"]} json {\"id\": ${id}, \"name\": \"a\\\"b\"}\n"
	    "send request GET \"/?q=1\" header {\"host\": \"example.org\"}\n"
	    "send request PUT \"/\" body \"id=${id}\"\n");
	fx_set("id", "42");
	fx.v.host = "127.0.0.1:8080";
	assert_int_equal(fx_send(1), 0);
	assert_out(want, sizeof(want) - 1);
	assert_int_equal(fx_send(2), 0);
	assert_out(get, sizeof(get) - 1);
	fx.v.host = "h:1";
	assert_int_equal(fx_send(3), 0);
	assert_out(text, sizeof(text) - 1);
	/* Without a target and without a Host header: a runtime error. */
	fx.v.host = NULL;
	assert_int_equal(fx_send(3), -1);
	assert_string_equal(fx.err, "runtime error: send request: no target to "
	    "name in the Host header; give header {\"Host\": \"...\"}");
}

/* A variable cannot smuggle a line break into a request's head. */
static void
test_request_refuses_crlf_from_variables(void **state)
{
	(void)state;
	fx_parse("codec http\nset p 1\nsend request GET \"/${p}\"\n"
	    "send request GET \"/\" header {\"X\": \"${p}\"}\n");
	fx_set("p", "a\r\nEvil: 1");
	fx.v.host = "h:1";
	assert_int_equal(fx_send(1), -1);
	assert_non_null(strstr(fx.err, "runtime error: send request: HTTP "
	    "request target must be non-empty without spaces or line breaks"));
	assert_int_equal(fx_send(2), -1);
	assert_string_equal(fx.err, "runtime error: send request: expected "
	    "header 'X' on one line, got a CR or LF in its value");
}

/* send command: words, quoted strings with variables, ${...} and words
 * with placeholders become one RESP array of bulk strings; chunk ends the
 * words. */
static void
test_command_bytes(void **state)
{
	static const char want[] = "*5\r\n$3\r\nSET\r\n$5\r\nkey:7\r\n"
	    "$9\r\nvalue 7 \"\r\n$2\r\n42\r\n$0\r\n\r\n";
	static const char quoted[] = "*2\r\n$3\r\nGET\r\n$5\r\ndelay\r\n";

	(void)state;
	fx_parse("codec resp\nset x 7\n"
	    "send command SET key:${x} \"value ${x} \\\"\" ${x * 6} \"\"\n"
	    "send command GET \"delay\" chunk 3\n");
	fx_set("x", "7");
	assert_int_equal(fx_send(1), 0);
	assert_out(want, sizeof(want) - 1);
	assert_int_equal(fx_send(2), 0);
	assert_out(quoted, sizeof(quoted) - 1);
	assert_int_equal(fx.sc->steps[2].u.send.chunk, 3);
}

/* Match step i as a whole message. */
static int
fx_match(size_t i, const void *body, size_t n)
{
	struct codec_frame f;

	memset(&f, 0, sizeof(f));
	f.frame = f.body = body;
	f.frame_len = f.body_len = n;
	buf_reset(&fx.why);
	return match_expect(&fx.sc->steps[i], &f, &fx.v, &fx.why);
}

/* expect hex on a framed codec: ?? takes any byte, XX/MM compares the
 * masked bits only, the length must be the pattern's. */
static void
test_expect_hex_masks_framed(void **state)
{
	static const unsigned char ok1[] = { 0xde, 0xad, 0, 0, 0xbe, 0xef };
	static const unsigned char ok2[] = { 0xde, 0xad, 7, 9, 0xb3, 0xef };
	static const unsigned char bad[] = { 0xde, 0xad, 7, 9, 0xc3, 0xef };
	static const unsigned char lng[] = { 0xde, 0xad, 7, 9, 0xb3, 0xef, 1 };
	struct match_detail d;

	(void)state;
	fx_parse("codec len16\nexpect hex \"de ad ?? ?? b0/f0 ef\"\n");
	assert_int_equal(fx.sc->steps[0].u.expect.kind, EXPECT_HEX);
	assert_int_equal(fx_match(0, ok1, sizeof(ok1)), MATCH_OK);
	assert_int_equal(fx_match(0, ok2, sizeof(ok2)), MATCH_OK);
	assert_int_equal(fx_match(0, bad, sizeof(bad)), MATCH_FAIL);
	assert_why("line 2: expect hex: first difference at byte 4: expected "
	    "0xb0/0xf0, got 0xc3");
	assert_why("pattern: \"de ad ?? ?? b0/f0 ef\" (6 bytes)");
	assert_why("received hex @0: de ad 07 09 c3 ef");
	match_last_detail(&d);
	assert_int_equal(d.diff_offset, 4);
	assert_int_equal(d.expected_len, 20);
	assert_memory_equal(d.expected, "de ad ?? ?? b0/f0 ef", 20);
	assert_int_equal(fx_match(0, lng, sizeof(lng)), MATCH_FAIL);
	assert_why("expected 6 bytes (the pattern's length), got 7: first "
	    "difference at byte 6");
	assert_int_equal(fx_match(0, ok1, 3), MATCH_FAIL);
	assert_why("expected 6 bytes (the pattern's length), got 3");
}

/* On the raw stream the pattern waits for its length whatever the read
 * boundaries, fails at the first refused byte as soon as it arrives, and
 * consumes exactly its length. */
static void
test_expect_hex_masks_split_reads(void **state)
{
	static const unsigned char in[] = { 0xde, 0xad, 0x12, 0x34, 0xb7,
	    0xef, 'n', 'e', 'x', 't' };
	static const unsigned char bad[] = { 0xde, 0xad, 0x12, 0x34, 0x07 };
	size_t n, used;

	(void)state;
	fx_parse("expect hex \"dead ???? b0/f0 ef\"\n");
	for (n = 0; n < 6; n++) {
		buf_reset(&fx.why);
		assert_int_equal(match_stream(&fx.sc->steps[0], in, n, &fx.v,
		    &used, &fx.why), MATCH_MORE);
	}
	for (n = 6; n <= sizeof(in); n++) {
		buf_reset(&fx.why);
		assert_int_equal(match_stream(&fx.sc->steps[0], in, n, &fx.v,
		    &used, &fx.why), MATCH_OK);
		assert_int_equal(used, 6);
	}
	for (n = 1; n <= 4; n++)
		assert_int_equal(match_stream(&fx.sc->steps[0], bad, n, &fx.v,
		    &used, &fx.why), MATCH_MORE);
	buf_reset(&fx.why);
	assert_int_equal(match_stream(&fx.sc->steps[0], bad, 5, &fx.v, &used,
	    &fx.why), MATCH_FAIL);
	assert_why("first difference at byte 4: expected 0xb0/0xf0, got 0x07");
	/* A timeout while waiting names the pattern. */
	buf_reset(&fx.why);
	assert_int_equal(match_on_timeout(&fx.sc->steps[0], NULL, in, 3, &fx.v,
	    &fx.why), MATCH_FAIL);
	assert_why("expected pattern: \"dead ???? b0/f0 ef\"");
}

/* A pattern may hold ${...}: rendered, then compiled; a broken result is
 * a runtime failure; a literal without ?? or masks stays an exact
 * bytes expect. */
static void
test_expect_hex_variables(void **state)
{
	static const unsigned char ok[] = { 0x01, 0x12, 0x34, 0x99 };

	(void)state;
	fx_parse("set n 4660\nexpect hex \"01 ${hex(n)} ??\"\n"
	    "expect hex \"01 02\"\n");
	assert_int_equal(fx.sc->steps[2].u.expect.kind, EXPECT_BYTES);
	fx_set("n", "4660");
	assert_int_equal(fx_match(1, ok, sizeof(ok)), MATCH_OK);
	fx_set("n", "513");
	assert_int_equal(fx_match(1, ok, sizeof(ok)), MATCH_FAIL);
	assert_why("runtime error: the hex pattern \"01 201 ??\" after "
	    "substituting variables: expected a second hex digit, got another "
	    "character at offset 6");
}

/* capture NAME TYPE at N reads the integer at that offset of the last
 * message, in its byte order and sign; a short message fails naming both
 * lengths. */
static void
test_capture_binary(void **state)
{
	static const unsigned char msg[] = { 0xff, 0xfe, 0x01, 0x02, 0x03,
	    0x04, 0x05, 0x06, 0x07, 0x08 };
	static const struct { const char *line, *want; } cases[] = {
		{ "capture v u8 at 0\n", "255" },
		{ "capture v i8 at 0\n", "-1" },
		{ "capture v u16be at 0\n", "65534" },
		{ "capture v i16be at 0\n", "-2" },
		{ "capture v u16le at 0\n", "65279" },
		{ "capture v i16le at 0\n", "-257" },
		{ "capture v u24be at 2\n", "66051" },
		{ "capture v u32be at 2\n", "16909060" },
		{ "capture v u32le at 2\n", "67305985" },
		{ "capture v i32be at 0\n", "-130814" },
		{ "capture v u64be at 2\n", "72623859790382856" },
		{ "capture v u64le at 2\n", "578437695752307201" },
		{ "capture v u64be at 1\n", "18302912572586001927" },
	};
	char text[128];
	const unsigned char *val;
	size_t i, vl;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "codec len16\nexpect length 10\n%s",
		    cases[i].line);
		fx_parse(text);
		assert_int_equal(fx_match(0, msg, sizeof(msg)), MATCH_OK);
		buf_reset(&fx.why);
		assert_int_equal(match_capture(&fx.sc->steps[1], &fx.v, &fx.why),
		    MATCH_OK);
		val = vars_get(&fx.v, "v", &vl);
		assert_non_null(val);
		if (vl != strlen(cases[i].want) || memcmp(val, cases[i].want,
		    vl) != 0)
			fail_msg("%s: got %.*s, want %s", cases[i].line, (int)vl,
			    val, cases[i].want);
		fx_teardown(NULL);
	}
	fx_parse("codec len16\nexpect length 5\ncapture v u16be at 4\n"
	    "capture w u32le at 9\n");
	assert_int_equal(fx_match(0, msg, 5), MATCH_OK);
	assert_int_equal(match_capture(&fx.sc->steps[1], &fx.v, &fx.why),
	    MATCH_FAIL);
	assert_why("line 3: capture v: the message is 5 bytes, too short for "
	    "u16be at 4 (needs 6)");
	buf_reset(&fx.why);
	assert_int_equal(match_capture(&fx.sc->steps[2], &fx.v, &fx.why),
	    MATCH_FAIL);
	assert_why("the message is 5 bytes, too short for u32le at 9 (needs 13)");
}

/* capture NAME TYPE at ${N}: the offset is computed when the capture
 * runs; a negative, huge or non-numeric one is a runtime error from
 * match_prepare (and match_capture), an offset past the message fails
 * naming both lengths. `at ${...}` used to be a parse error. */
static void
test_capture_binary_at_an_expression(void **state)
{
	static const unsigned char msg[] = { 0x01, 0x02, 0x03, 0x04, 0x05 };
	const unsigned char *val;
	size_t vl;

	(void)state;
	fx_parse("codec len16\nexpect length 5\nset n 1\n"
	    "capture v u16be at ${n * 2}\ncapture w u8 at ${n + 4}\n");
	assert_non_null(fx.sc->steps[2].u.capture.at_e);
	assert_int_equal(fx_match(0, msg, sizeof(msg)), MATCH_OK);
	vars_set(&fx.v, "n", "1", 1);
	buf_reset(&fx.why);
	assert_int_equal(match_prepare(&fx.sc->steps[2], &fx.v, &fx.why), 0);
	assert_int_equal(match_capture(&fx.sc->steps[2], &fx.v, &fx.why),
	    MATCH_OK);
	val = vars_get(&fx.v, "v", &vl);
	assert_int_equal(vl, 3);
	assert_memory_equal(val, "772", 3);	/* 0x0304 */
	/* Past the end: the lengths, as with a literal offset. */
	assert_int_equal(match_prepare(&fx.sc->steps[3], &fx.v, &fx.why), 0);
	assert_int_equal(match_capture(&fx.sc->steps[3], &fx.v, &fx.why),
	    MATCH_FAIL);
	assert_why("line 5: capture w: the message is 5 bytes, too short for "
	    "u8 at 5 (needs 6)");
	vars_set(&fx.v, "n", "-1", 2);
	buf_reset(&fx.why);
	assert_int_equal(match_prepare(&fx.sc->steps[2], &fx.v, &fx.why), -1);
	assert_why("line 4: capture v: runtime error: a byte offset of -2 "
	    "(expected 0 to 1000000000)");
	buf_reset(&fx.why);
	assert_int_equal(match_capture(&fx.sc->steps[2], &fx.v, &fx.why),
	    MATCH_FAIL);
	assert_why("runtime error: a byte offset of -2");
	vars_set(&fx.v, "n", "3000000000", 10);
	buf_reset(&fx.why);
	assert_int_equal(match_prepare(&fx.sc->steps[2], &fx.v, &fx.why), -1);
	assert_why("a byte offset of 6000000000 (expected 0 to 1000000000)");
	vars_set(&fx.v, "n", "x", 1);
	buf_reset(&fx.why);
	assert_int_equal(match_prepare(&fx.sc->steps[2], &fx.v, &fx.why), -1);
	assert_why("line 4: capture v: runtime error:");
}

/* Every parse error names file:line:col, what was expected and what came. */
static void
test_parse_errors(void **state)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "send pack u16be 70000\n", "t.txt:1:17: expected a value "
		    "0..65535 for u16be, got 70000\nhint: u16be is 2 bytes; a "
		    "wider type holds more" },
		{ "send pack u8 -1\n", "t.txt:1:14: expected a value 0..255 for "
		    "u8, got -1\nhint: u8 is unsigned; the i types (i8, i16be, "
		    "...) take negative values" },
		{ "send pack i8 128\n", "t.txt:1:14: expected a value -128..127 "
		    "for i8, got 128\nhint: i8 is 1 byte, two's complement; a "
		    "wider type holds more" },
		{ "send pack i16le -32769\n", "t.txt:1:17: expected a value "
		    "-32768..32767 for i16le, got -32769" },
		{ "send pack u64be 18446744073709551616\n", "t.txt:1:17: "
		    "expected a value 0..18446744073709551615 for u64be, got "
		    "18446744073709551616" },
		{ "send pack u24be 0x1000000\n", "t.txt:1:17: expected a value "
		    "0..16777215 for u24be, got 0x1000000" },
		{ "send pack u16 1\n", "t.txt:1:11: expected a pack type, got "
		    "'u16'\nhint: did you mean" },
		{ "send pack u8 1 u8 2\n", "t.txt:1:16: expected ',' between "
		    "pack fields, got 'u8'" },
		{ "send pack u8 x\n", "t.txt:1:14: expected a number for u8, got "
		    "'x'" },
		{ "send pack u8 12ab\n", "t.txt:1:14: expected a number for u8" },
		{ "send pack u8\n", "t.txt:1:13: expected a value for u8, got end "
		    "of line" },
		{ "send pack u8 1,\n", "t.txt:1:16: expected a pack type, got end "
		    "of line" },
		{ "send pack u8 ${nope}\n", "t.txt:1:16: expected a variable set "
		    "on every path" },
		{ "send pack bytes abc\n", "t.txt:1:17: expected a quoted string" },
		{ "send hex \"0g\"\n", "t.txt:1:12: expected a second hex digit, "
		    "got 'g\"'" },
		{ "send hex \"0g ${conn}\"\n", "t.txt:1:12: expected a hex "
		    "digit, got 'g'\nhint: hex strings hold pairs of 0-9a-f "
		    "(blanks allowed) and ${...} for computed hex" },
		{ "expect hex \"?? ${conn} x\"\n", "t.txt:1:24: expected a hex "
		    "digit, '?\?' or a mask, got 'x'" },
		{ "send hex \"01 ${x\"\n", "t.txt:1:18: expected '}' to close "
		    "'${'" },
		{ "send hex \"01 ${nope}\"\n", "t.txt:1:14: expected a variable "
		    "set on every path" },
		{ "send hex \"01 ?? 02\"\n", "t.txt:1:14: expected a hex digit, "
		    "got '?\?'" },
		{ "expect hex \"de ?? a\"\n", "t.txt:1:20: expected a second hex "
		    "digit, got the end (an odd number of digits)" },
		{ "expect hex \"de ?a\"\n", "t.txt:1:16: expected '?\?' for any "
		    "byte, got a single '?'" },
		{ "expect hex \"de/f\"\n", "t.txt:1:16: expected two hex digits "
		    "of a mask after '/'" },
		{ "expect hex \"?\?/f0\"\n", "t.txt:1:15: expected no mask after "
		    "'?\?'" },
		{ "expect hex \"de ?? x\"\n", "t.txt:1:19: expected a hex digit "
		    "or '?\?', got 'x'" },
		{ "codec http\nsend request GET \"/a b\"\n", "t.txt:2:18: "
		    "expected a request target without blanks or line breaks" },
		{ "codec http\nsend request GET \"\"\n", "t.txt:2:18: expected a "
		    "request target without blanks or line breaks, got \"\"" },
		{ "codec http\nsend request G@T \"/\"\n", "t.txt:2:14: expected "
		    "an HTTP method, got 'G@T'" },
		{ "codec http\nsend request GET\n", "t.txt:2:17: expected a "
		    "quoted request target, got end of line" },
		{ "codec http\nsend request GET /x\n", "t.txt:2:18: expected a "
		    "quoted request target, got '/x'\nhint: the target is "
		    "quoted" },
		{ "codec http\nsend request \"GET\" \"/\"\n", "t.txt:2:14: "
		    "expected an HTTP method such as GET, got '\"GET\"'\nhint: "
		    "the method is a bare word" },
		{ "codec resp\nsend command SET k \"a\"b\n", "t.txt:2:23: "
		    "expected a blank after the closing quote, got 'b'" },
		{ "codec http\nsend request GET \"/\" header {\"Bad Name\": "
		    "\"x\"}\n", "t.txt:2:29: expected a header name that is an "
		    "HTTP token, got 'Bad Name'" },
		{ "codec http\nsend request GET \"/\" header {\"X\": {}}\n",
		    "t.txt:2:29: expected header 'X' to be a string, a number or "
		    "an array of them" },
		{ "codec http\nsend request GET \"/\" body \"a\" json {}\n",
		    "t.txt:2:31: expected one body, got a second" },
		{ "codec http\nsend request GET \"/\" header {} header {}\n",
		    "t.txt:2:32: expected one header {...}, got a second" },
		{ "send request GET \"/\"\n", "t.txt:1:6: expected codec http for "
		    "'send request', got codec raw\nhint: add 'codec http'" },
		{ "send command PING\ncodec line\n", "t.txt:1:6: expected codec "
		    "resp for 'send command', got codec line" },
		{ "codec resp\nsend command\n", "t.txt:2:13: expected a command "
		    "word, got end of line" },
		{ "codec resp\nsend command GET ${nope}\n", "t.txt:2:18: expected "
		    "a variable set on every path" },
		{ "send bogus 1\n", "t.txt:1:6: expected a payload (\"text\", hex, "
		    "json, file, pack, request, command), got 'bogus'" },
		{ "expect length 2\ncapture x u16be 4\n", "t.txt:2:17: expected "
		    "'at' and a byte offset after u16be, got '4'\nhint: as in: "
		    "capture x u16be at 4" },
		{ "expect length 2\ncapture x u16be at -1\n", "t.txt:2:20: "
		    "expected a byte offset into the message" },
		{ "expect length 2\ncapture x u16be at 1 more\n", "t.txt:2:22: "
		    "expected end of line after the capture" },
		{ "expect length 2\ncapture x u16be at ${nope}\n", "t.txt:2:22: "
		    "expected a variable set on every path" },
		{ "expect length 2\ncapture x u16be at ${1 +}\n", "t.txt:2:" },
		{ "expect length 2\ncapture x u16be at ${1} 2\n", "t.txt:2:25: "
		    "expected end of line after the capture" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_parse_error(cases[i].text, cases[i].want);
}

/* A capture of a binary integer sets the name for the checker. */
static void
test_capture_binary_defines_name(void **state)
{
	(void)state;
	fx_parse("expect length 2\ncapture n u16be at 0\nsend pack u16le ${n}\n");
	assert_int_equal(fx.sc->steps[1].u.capture.kind, CAPTURE_BINARY);
	assert_int_equal(fx.sc->steps[1].u.capture.at, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_pack_every_type_byte_exact,
		    fx_teardown),
		cmocka_unit_test_teardown(test_pack_range_ends, fx_teardown),
		cmocka_unit_test_teardown(test_pack_expressions_and_variables,
		    fx_teardown),
		cmocka_unit_test_teardown(test_pack_runtime_range_errors,
		    fx_teardown),
		cmocka_unit_test_teardown(test_pack_goes_through_the_codec,
		    fx_teardown),
		cmocka_unit_test_teardown(test_send_hex_with_variables,
		    fx_teardown),
		cmocka_unit_test_teardown(test_request_bytes, fx_teardown),
		cmocka_unit_test_teardown(test_request_refuses_crlf_from_variables,
		    fx_teardown),
		cmocka_unit_test_teardown(test_command_bytes, fx_teardown),
		cmocka_unit_test_teardown(test_expect_hex_masks_framed,
		    fx_teardown),
		cmocka_unit_test_teardown(test_expect_hex_masks_split_reads,
		    fx_teardown),
		cmocka_unit_test_teardown(test_expect_hex_variables, fx_teardown),
		cmocka_unit_test_teardown(test_capture_binary, fx_teardown),
		cmocka_unit_test_teardown(test_capture_binary_at_an_expression,
		    fx_teardown),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test_teardown(test_capture_binary_defines_name,
		    fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
