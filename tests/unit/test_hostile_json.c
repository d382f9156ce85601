/* Hostile JSON: what cJSON alone would accept but JSON (and the seed's
 * Python json.loads) does not. pyjson_strict pins the grammar, and the
 * jsonhdr codec refuses such a header from a peer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "codec.h"
#include "pyjson.h"

/* One JSON text, whether it is valid, and where a scan must stop. */
struct json_case {
	const char	*text;
	int		 valid;
	size_t		 erroff;	/* for invalid ones */
};

static const struct json_case json_cases[] = {
	{ "{\"a\": \"\\u{1F436}\"}", 0, 7 },
	{ "{\"a\": \"\\ud83d\\udc36\"}", 1, 0 },
	{ "{\"a\": \"\xf0\x9f\x90\xb6\"}", 1, 0 },
	{ "{\"a\": \"\\q\"}", 0, 7 },
	{ "{\"a\": \"\\u12\"}", 0, 7 },
	{ "{\"a\": \"tab\there\"}", 0, 10 },
	{ "{\"a\": \"nul\\u0000ok\"}", 1, 0 },
	{ "{\"a\": 01}", 0, 7 },
	{ "{\"a\": 1.}", 0, 8 },
	{ "{\"a\": .5}", 0, 6 },
	{ "{\"a\": -}", 0, 7 },
	{ "{\"a\": 1.}", 0, 8 },
	{ "{\"a\": -0.5e+10}", 1, 0 },
	{ "{\"a\": 1e999}", 1, 0 },
	{ "{\"a\": NaN}", 0, 6 },
	{ "{\"a\": tru}", 0, 6 },
	{ "{\"a\": 1,}", 0, 8 },
	{ "{'a': 1}", 0, 1 },
	{ "{\"a\" 1}", 0, 5 },
	{ "[1, 2", 0, 5 },
	{ "[1] [2]", 0, 4 },
	{ " \t\r\n{} \n", 1, 0 },
	{ "", 0, 0 },
	{ "\"just a string\"", 1, 0 },
	{ "{\"a\": {\"b\": [true, false, null]}}", 1, 0 },
};

static void
strict_json_follows_the_rfc_not_cjson(void **state)
{
	size_t i, off;

	(void)state;
	for (i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
		const struct json_case *c = &json_cases[i];
		int ok;

		off = 12345;
		ok = pyjson_strict(c->text, strlen(c->text), &off);
		if (ok != c->valid)
			fail_msg("'%s': expected %s", c->text,
			    c->valid ? "valid" : "invalid");
		if (!c->valid && off != c->erroff)
			fail_msg("'%s': stopped at %zu, expected %zu", c->text,
			    off, c->erroff);
	}
}

static void
deep_nesting_is_refused_without_exhausting_the_stack(void **state)
{
	static char deep[200001];
	size_t off;

	(void)state;
	memset(deep, '[', 100000);
	memset(deep + 100000, ']', 100000);
	assert_int_equal(pyjson_strict(deep, 200000, &off), 0);
	assert_int_equal(off, 512);
	assert_int_equal(pyjson_strict(deep + 100000 - 500, 1000, &off), 1);
}

/* Decode one jsonhdr message whose header is hdr and content is empty. */
static ssize_t
decode_header(const char *hdr, char *err, size_t errlen)
{
	unsigned char msg[512];
	struct codec_frame f;
	size_t hl = strlen(hdr);

	msg[0] = (unsigned char)(hl >> 8);
	msg[1] = (unsigned char)(hl & 0xff);
	memcpy(msg + 2, hdr, hl);
	return codec_jsonhdr.decode(msg, 2 + hl, 1024 * 1024, &f, err, errlen);
}

static void
jsonhdr_refuses_headers_only_cjson_would_take(void **state)
{
	static const char good[] = "{\"byteorder\": \"little\", "
	    "\"content-type\": \"text/json\", \"content-encoding\": \"utf-8\", "
	    "\"content-length\": 0}";
	char err[160];

	(void)state;
	assert_int_equal(decode_header(good, err, sizeof(err)),
	    2 + sizeof(good) - 1);
	assert_int_equal(decode_header("{\"byteorder\": \"\\u{1F436}\", "
	    "\"content-type\": \"text/json\", \"content-encoding\": \"utf-8\", "
	    "\"content-length\": 0}", err, sizeof(err)), CODEC_ERROR);
	assert_non_null(strstr(err, "is not valid JSON"));
	assert_int_equal(decode_header("{\"byteorder\": \"little\", "
	    "\"content-type\": \"text/json\", \"content-encoding\": \"utf-8\", "
	    "\"content-length\": 00}", err, sizeof(err)), CODEC_ERROR);
	assert_non_null(strstr(err, "is not valid JSON"));
}

/* A header that names content-length twice frames by the last one, as
 * the seed's json.loads reads it; before, cJSON's first match framed the
 * message 99 bytes long and the next request was swallowed. */
static void
jsonhdr_last_duplicate_content_length_frames_the_message(void **state)
{
	static const char hdr[] = "{\"byteorder\": \"little\", "
	    "\"content-type\": \"binary/x\", \"content-encoding\": \"binary\", "
	    "\"content-length\": 99, \"content-length\": 3}";
	unsigned char msg[512];
	struct codec_frame f;
	char err[160];
	size_t hl = sizeof(hdr) - 1;

	(void)state;
	msg[0] = (unsigned char)(hl >> 8);
	msg[1] = (unsigned char)(hl & 0xff);
	memcpy(msg + 2, hdr, hl);
	memcpy(msg + 2 + hl, "abcNEXT", 7);
	assert_int_equal(codec_jsonhdr.decode(msg, 2 + hl + 7, 4096, &f, err,
	    sizeof(err)), 2 + hl + 3);
	assert_int_equal(f.body_len, 3);
	assert_memory_equal(f.body, "abc", 3);
}

/* Trailing bytes after the JSON header are an error, like json.loads. */
static void
jsonhdr_trailing_bytes_after_header_json_are_an_error(void **state)
{
	char err[160];

	(void)state;
	assert_int_equal(decode_header("{\"byteorder\": \"little\", "
	    "\"content-type\": \"text/json\", \"content-encoding\": \"utf-8\", "
	    "\"content-length\": 0} {}", err, sizeof(err)), CODEC_ERROR);
	assert_non_null(strstr(err, "is not valid JSON"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strict_json_follows_the_rfc_not_cjson),
		cmocka_unit_test(deep_nesting_is_refused_without_exhausting_the_stack),
		cmocka_unit_test(jsonhdr_refuses_headers_only_cjson_would_take),
		cmocka_unit_test(
		    jsonhdr_last_duplicate_content_length_frames_the_message),
		cmocka_unit_test(
		    jsonhdr_trailing_bytes_after_header_json_are_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
