/* Unit tests for the raw codec (proto/raw.c). */
#include "codec_harness.h"

#define S(x)	(const unsigned char *)(x), sizeof(x) - 1

/* Whatever the split, the bytes come out in order and complete. */
static void
test_raw_stream_split_anywhere_keeps_bytes_in_order(void **state)
{
	(void)state;
	harness_check_concat(&codec_raw,
	    S("Message 1 from client.Message 2 from client."), 64);
	/* A limit smaller than the input cuts frames at max_frame. */
	harness_check_concat(&codec_raw,
	    S("Message 1 from client.Message 2 from client."), 5);
}

/* No bytes is the only incomplete input. */
static void
test_raw_empty_input_needs_more(void **state)
{
	(void)state;
	harness_check_prefixes(&codec_raw, S("x"), 64);
}

/* One decode returns everything available, at most max_frame bytes. */
static void
test_raw_decode_returns_all_available_up_to_max_frame(void **state)
{
	struct codec_frame f;
	char err[64];

	(void)state;
	assert_int_equal(codec_raw.decode(S("abcdef"), 64, &f, err,
	    sizeof(err)), 6);
	assert_int_equal(f.body_len, 6);
	assert_null(f.head);
	assert_int_equal(codec_raw.decode(S("abcdef"), 4, &f, err,
	    sizeof(err)), 4);
	assert_memory_equal(f.body, "abcd", 4);
}

/* Encode passes bytes through untouched, NULs included. */
static void
test_raw_encode_is_identity(void **state)
{
	(void)state;
	harness_expect_encode(&codec_raw, "a\0b\n", 4, NULL, "a\0b\n", 4);
	harness_expect_encode(&codec_raw, "", 0, NULL, "", 0);
}

/* Describe escapes text and switches to hex for binary. */
static void
test_raw_describe_text_escaped_binary_hex(void **state)
{
	char out[64];

	(void)state;
	harness_describe(&codec_raw, S("data from server\n"), out,
	    sizeof(out));
	assert_string_equal(out, "data from server\\n");
	harness_describe(&codec_raw, S("\x00\x01\x02\xff"), out, sizeof(out));
	assert_string_equal(out, "00 01 02 ff");
	harness_describe(&codec_raw, S("服务端收到"), out, sizeof(out));
	assert_string_equal(out, "服务端收到");
}

/* A long binary frame is cut with "..." and stays NUL-terminated. */
static void
test_raw_describe_truncates_long_hex(void **state)
{
	unsigned char bin[100];
	char out[16];

	(void)state;
	memset(bin, 0xfe, sizeof(bin));
	harness_describe(&codec_raw, bin, sizeof(bin), out, sizeof(out));
	assert_string_equal(out, "fe fe fe fe...");
}

/* Fields: kind "data" and the bytes; binary bytes show as hex in JSON. */
static void
test_raw_fields_and_json(void **state)
{
	(void)state;
	harness_expect_field(&codec_raw, S("ab"), "kind", 0, CODEC_V_TEXT,
	    "data");
	harness_expect_field(&codec_raw, S("ab"), "status", 0, CODEC_V_TEXT,
	    NULL);
	harness_expect_json(&codec_raw, S("a\"\n\x01"),
	    "{\"kind\":\"data\",\"body\":\"a\\\"\\n\\u0001\"}");
	harness_expect_json(&codec_raw, S("\xff\x00"),
	    "{\"kind\":\"data\",\"body_hex\":\"ff00\"}");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_stream_split_anywhere_keeps_bytes_in_order),
		cmocka_unit_test(test_raw_empty_input_needs_more),
		cmocka_unit_test(test_raw_decode_returns_all_available_up_to_max_frame),
		cmocka_unit_test(test_raw_encode_is_identity),
		cmocka_unit_test(test_raw_describe_text_escaped_binary_hex),
		cmocka_unit_test(test_raw_describe_truncates_long_hex),
		cmocka_unit_test(test_raw_fields_and_json),
	};

	return cmocka_run_group_tests_name("codec_raw", tests, NULL, NULL);
}
