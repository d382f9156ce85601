/* Unit tests for the jsonhdr codec, the seed application protocol
 * (proto/jsonhdr.c, seed-protocols.md S3). */
#include "codec_harness.h"

#define S(x)	(const unsigned char *)(x), sizeof(x) - 1

#define HDR_JSON(n) "{\"byteorder\": \"little\", \"content-type\": " \
	"\"text/json\", \"content-encoding\": \"utf-8\", \"content-length\": " n "}"

/* Append a message: 2-byte length, header text, content. */
static void
msg(struct buf *b, const char *hdr, const char *content, size_t clen)
{
	unsigned char pfx[2];
	size_t hl = strlen(hdr);

	pfx[0] = (unsigned char)(hl >> 8);
	pfx[1] = (unsigned char)(hl & 0xff);
	buf_append(b, pfx, 2);
	buf_append(b, hdr, hl);
	buf_append(b, content, clen);
}

/* Encode content with default header fields and compare with the bytes
 * the seed server sends: prefix, Python-style header, content. */
static void
check_answer(const char *content, const char *hdr)
{
	struct buf want;

	buf_init(&want);
	msg(&want, hdr, content, strlen(content));
	harness_expect_encode(&codec_jsonhdr, content, strlen(content), NULL,
	    buf_data(&want), buf_len(&want));
	buf_free(&want);
}

/* The S3 morpheus answer is byte-exact: 0x00 0x67, header, 43 bytes. */
static void
test_jsonhdr_encode_morpheus_answer_is_byte_exact(void **state)
{
	static const char want[] = "\x00\x67"
	    "{\"byteorder\": \"little\", \"content-type\": \"text/json\", "
	    "\"content-encoding\": \"utf-8\", \"content-length\": 43}"
	    "{\"result\": \"Follow the white rabbit. \xf0\x9f\x90\xb0\"}";
	static const char body[] =
	    "{\"result\": \"Follow the white rabbit. 🐰\"}";

	(void)state;
	assert_int_equal(sizeof(body) - 1, 43);
	harness_expect_encode(&codec_jsonhdr, body, 43, NULL, S(want));
}

/* Every answer of the S3 search table encodes as the seed sends it. */
static void
test_jsonhdr_encode_search_table_answers_are_byte_exact(void **state)
{
	(void)state;
	check_answer("{\"result\": \"In the caves beneath the Misty "
	    "Mountains. \xf0\x9f\x92\x8d\"}", HDR_JSON("60"));
	check_answer("{\"result\": \"\xf0\x9f\x90\xbe Playing ball! "
	    "\xf0\x9f\x8f\x90\"}", HDR_JSON("37"));
	check_answer("{\"result\": \"No match for \\\"xyz\\\".\"}",
	    HDR_JSON("35"));
	check_answer("{\"result\": \"Error: invalid action \\\"find\\\".\"}",
	    HDR_JSON("45"));
	check_answer("{\"action\": \"search\", \"value\": \"\xf0\x9f\x90\xb6\"}",
	    HDR_JSON("37"));
}

/* A body that is not JSON gets the seed client's binary header. */
static void
test_jsonhdr_encode_binary_body_uses_binary_type(void **state)
{
	(void)state;
	check_answer("searchmorpheus", "{\"byteorder\": \"little\", "
	    "\"content-type\": \"binary/custom-client-binary-type\", "
	    "\"content-encoding\": \"binary\", \"content-length\": 14}");
}

/* head overrides fields, extra keys follow in order, content-length is
 * always computed. */
static void
test_jsonhdr_encode_head_overrides_fields_and_appends_extras(void **state)
{
	static const char content[] = "First 10 bytes of request: searchmorp";
	struct buf want;

	(void)state;
	buf_init(&want);
	msg(&want, "{\"byteorder\": \"big\", \"content-type\": "
	    "\"binary/custom-server-binary-type\", \"content-encoding\": "
	    "\"binary\", \"content-length\": 37, \"x-note\": \"caf\xc3\xa9\", "
	    "\"n\": [1, 2]}", content, 37);
	harness_expect_encode(&codec_jsonhdr, content, 37,
	    "{\"x-note\": \"café\", \"content-length\": 5, \"byteorder\": "
	    "\"big\", \"content-type\": \"binary/custom-server-binary-type\","
	    " \"n\": [1,2]}", buf_data(&want), buf_len(&want));
	buf_free(&want);
}

/* head must be a JSON object. */
static void
test_jsonhdr_encode_rejects_non_object_head(void **state)
{
	(void)state;
	harness_expect_encode_error(&codec_jsonhdr, "x", 1, "[1]",
	    "must be a JSON object");
	harness_expect_encode_error(&codec_jsonhdr, "x", 1, "{bad",
	    "must be a JSON object");
}

/* Three messages (JSON, binary, empty content) decode identically however
 * the stream is split, head and body where they belong. */
static void
test_jsonhdr_stream_split_anywhere_gives_same_messages(void **state)
{
	static const char *const bodies[] = {
	    "{\"action\": \"search\", \"value\": \"morpheus\"}",
	    "\x00\x01\x02", "" };
	static const size_t lens[] = { 41, 3, 0 };
	struct buf s;

	(void)state;
	buf_init(&s);
	msg(&s, HDR_JSON("41"), bodies[0], 41);
	msg(&s, "{\"byteorder\":\"big\",\"content-type\":\"b\","
	    "\"content-encoding\":\"binary\",\"content-length\":3}",
	    bodies[1], 3);
	msg(&s, " {\"byteorder\":\"little\",\"content-type\":\"t\","
	    "\"content-encoding\":\"utf-8\",\"content-length\":0}\n", "", 0);
	harness_check_stream(&codec_jsonhdr, buf_data(&s), buf_len(&s), 4096,
	    bodies, lens, 3);
	buf_free(&s);
}

/* The decoded frame's head is the JSON header text, body the content. */
static void
test_jsonhdr_decode_sets_head_and_body(void **state)
{
	struct codec_frame f;
	struct buf s;
	char err[128];

	(void)state;
	buf_init(&s);
	msg(&s, HDR_JSON("2"), "{}", 2);
	assert_int_equal(codec_jsonhdr.decode(buf_data(&s), buf_len(&s), 4096,
	    &f, err, sizeof(err)), (ssize_t)buf_len(&s));
	assert_int_equal(f.head_len, strlen(HDR_JSON("2")));
	assert_memory_equal(f.head, HDR_JSON("2"), f.head_len);
	assert_int_equal(f.body_len, 2);
	assert_memory_equal(f.body, "{}", 2);
	buf_free(&s);
}

/* Every truncated prefix of a message is incomplete, never an error. */
static void
test_jsonhdr_truncated_prefixes_need_more(void **state)
{
	struct buf s;

	(void)state;
	buf_init(&s);
	msg(&s, HDR_JSON("43"), "{\"result\": \"Follow the white rabbit. "
	    "\xf0\x9f\x90\xb0\"}", 43);
	harness_check_prefixes(&codec_jsonhdr, buf_data(&s), buf_len(&s),
	    4096);
	buf_free(&s);
}

/* Header length 0, or over max_frame, fails from the 2-byte prefix. */
static void
test_jsonhdr_bad_header_length_is_immediate_error(void **state)
{
	(void)state;
	harness_expect_error(&codec_jsonhdr, S("\x00\x00"), 4096,
	    "JSON header length is 0");
	harness_expect_error(&codec_jsonhdr, S("\xff\xff"), 1024,
	    "JSON header of 65535 bytes exceeds the limit of 1024 bytes");
}

/* Decode header text hdr with content and expect the error want. */
static void
check_header_error(const char *hdr, size_t max_frame, const char *want)
{
	struct buf s;

	buf_init(&s);
	msg(&s, hdr, "", 0);
	harness_expect_error(&codec_jsonhdr, buf_data(&s), buf_len(&s),
	    max_frame, want);
	buf_free(&s);
}

/* A header that is not valid JSON, or not an object, is an error. */
static void
test_jsonhdr_invalid_json_header_is_error(void **state)
{
	(void)state;
	check_header_error("{\"byteorder\": ", 4096, "not valid JSON");
	check_header_error("{\"a\": 1} trailing", 4096, "not valid JSON");
	check_header_error("{\"a\": \"x\0y\"}", 4096, "not valid JSON");
	check_header_error("[1, 2]", 4096, "JSON header is not an object");
	check_header_error("\"text\"", 4096, "JSON header is not an object");
}

/* Each required key's absence is reported by name. */
static void
test_jsonhdr_missing_required_key_is_error(void **state)
{
	(void)state;
	check_header_error("{\"content-type\": \"t\", \"content-encoding\": "
	    "\"e\", \"content-length\": 0}", 4096,
	    "lacks required key \"byteorder\"");
	check_header_error("{\"byteorder\": \"little\", \"content-encoding\": "
	    "\"e\", \"content-length\": 0}", 4096,
	    "lacks required key \"content-type\"");
	check_header_error("{\"byteorder\": \"little\", \"content-type\": "
	    "\"t\", \"content-length\": 0}", 4096,
	    "lacks required key \"content-encoding\"");
	check_header_error("{\"byteorder\": \"little\", \"content-type\": "
	    "\"t\", \"content-encoding\": \"e\"}", 4096,
	    "lacks required key \"content-length\"");
}

/* content-length must be a non-negative integer within max_frame; 4 GiB
 * fails at once, with only the header received. */
static void
test_jsonhdr_bad_content_length_is_immediate_error(void **state)
{
	(void)state;
	check_header_error(HDR_JSON("-1"), 4096, "content-length -1 is negative");
	check_header_error(HDR_JSON("1.5"), 4096,
	    "content-length 1.5 is not an integer");
	check_header_error(HDR_JSON("\"43\""), 4096,
	    "content-length is not an integer");
	check_header_error(HDR_JSON("4097"), 4096,
	    "content-length 4097 exceeds the limit of 4096 bytes");
	check_header_error(HDR_JSON("4294967296"), CODEC_MAX_FRAME_DEFAULT,
	    "content-length 4294967296 exceeds the limit of 1048576 bytes");
	check_header_error(HDR_JSON("1e300"), CODEC_MAX_FRAME_DEFAULT,
	    "exceeds the limit of 1048576 bytes");
}

/* Describe shows the header and JSON content compactly, binary as hex. */
static void
test_jsonhdr_describe_shows_header_and_content(void **state)
{
	char out[256];
	struct buf s;

	(void)state;
	buf_init(&s);
	msg(&s, HDR_JSON("43"), "{\"result\": \"Follow the white rabbit. "
	    "\xf0\x9f\x90\xb0\"}", 43);
	harness_describe(&codec_jsonhdr, buf_data(&s), buf_len(&s), out,
	    sizeof(out));
	assert_string_equal(out, "{\"byteorder\":\"little\",\"content-type\":"
	    "\"text/json\",\"content-encoding\":\"utf-8\",\"content-length\":43}"
	    " {\"result\":\"Follow the white rabbit. 🐰\"}");
	buf_reset(&s);
	msg(&s, "{\"byteorder\":\"big\",\"content-type\":\"b\","
	    "\"content-encoding\":\"binary\",\"content-length\":3}",
	    "\x00\xff\x10", 3);
	harness_describe(&codec_jsonhdr, buf_data(&s), buf_len(&s), out,
	    sizeof(out));
	assert_non_null(strstr(out, "} 00 ff 10"));
	buf_free(&s);
}

/* Fields: each key of the JSON header in order as header:KEY, numbers as
 * ints, names compared exactly; the content as body. */
static void
test_jsonhdr_fields_are_header_keys(void **state)
{
	static const char m[] = "\x00\x66{\"byteorder\": \"little\", "
	    "\"content-type\": \"text/json\", \"content-encoding\": \"utf-8\", "
	    "\"content-length\": 2}{}";

	(void)state;
	harness_expect_field(&codec_jsonhdr, S(m), "header:content-type", 0,
	    CODEC_V_TEXT, "text/json");
	harness_expect_field(&codec_jsonhdr, S(m), "header:content-length", 0,
	    CODEC_V_INT, "2");
	harness_expect_field(&codec_jsonhdr, S(m), "header:Content-Type", 0,
	    CODEC_V_TEXT, NULL);
	harness_expect_json(&codec_jsonhdr, S(m), "{\"kind\":\"message\","
	    "\"headers\":[[\"byteorder\",\"little\"],[\"content-type\","
	    "\"text/json\"],[\"content-encoding\",\"utf-8\"],"
	    "[\"content-length\",2]],\"body\":\"{}\"}");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonhdr_encode_morpheus_answer_is_byte_exact),
		cmocka_unit_test(test_jsonhdr_encode_search_table_answers_are_byte_exact),
		cmocka_unit_test(test_jsonhdr_encode_binary_body_uses_binary_type),
		cmocka_unit_test(test_jsonhdr_encode_head_overrides_fields_and_appends_extras),
		cmocka_unit_test(test_jsonhdr_encode_rejects_non_object_head),
		cmocka_unit_test(test_jsonhdr_stream_split_anywhere_gives_same_messages),
		cmocka_unit_test(test_jsonhdr_decode_sets_head_and_body),
		cmocka_unit_test(test_jsonhdr_truncated_prefixes_need_more),
		cmocka_unit_test(test_jsonhdr_bad_header_length_is_immediate_error),
		cmocka_unit_test(test_jsonhdr_invalid_json_header_is_error),
		cmocka_unit_test(test_jsonhdr_missing_required_key_is_error),
		cmocka_unit_test(test_jsonhdr_bad_content_length_is_immediate_error),
		cmocka_unit_test(test_jsonhdr_describe_shows_header_and_content),
		cmocka_unit_test(test_jsonhdr_fields_are_header_keys),
	};

	return cmocka_run_group_tests_name("codec_jsonhdr", tests, NULL, NULL);
}
