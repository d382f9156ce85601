/* Unit tests for the len16 codec (proto/len16.c). */
#include "codec_harness.h"

#define S(x)	(const unsigned char *)(x), sizeof(x) - 1

/* Several frames, empty ones and binary ones included, decode the same
 * however the stream is split. */
static void
test_len16_stream_split_anywhere_gives_same_frames(void **state)
{
	static const char stream[] = "\x00\x05hello" "\x00\x00" "\x00\x05" "a\x00\xff\r\n";
	static const char *const bodies[] = { "hello", "", "a\x00\xff\r\n" };
	static const size_t lens[] = { 5, 0, 5 };

	(void)state;
	harness_check_stream(&codec_len16, S(stream), 64, bodies, lens, 3);
}

/* Every prefix of a frame, prefix bytes included, is incomplete. */
static void
test_len16_truncated_prefixes_need_more(void **state)
{
	(void)state;
	harness_check_prefixes(&codec_len16, S("\x00\x05hello"), 64);
	harness_check_prefixes(&codec_len16, S("\x00\x05hello"), 5);
	harness_check_prefixes(&codec_len16, S("\x00\x00"), 64);
}

/* A length over max_frame fails from the prefix alone. */
static void
test_len16_length_over_max_frame_is_immediate_error(void **state)
{
	(void)state;
	harness_expect_error(&codec_len16, S("\x00\x05hello"), 4,
	    "length prefix 5 exceeds the limit of 4 bytes");
	/* Only the prefix: the error must not wait for the payload. */
	harness_expect_error(&codec_len16, "\x00\x05", 2, 4,
	    "length prefix 5 exceeds the limit of 4 bytes");
	harness_expect_error(&codec_len16, S("\xff\xff\xff\xff"), 1024,
	    "exceeds the limit of 1024 bytes");
}

/* Encode writes the big-endian prefix then the payload. */
static void
test_len16_encode_writes_big_endian_prefix(void **state)
{
	unsigned char *big;
	struct buf out;

	(void)state;
	harness_expect_encode(&codec_len16, "hello", 5, NULL, S("\x00\x05hello"));
	harness_expect_encode(&codec_len16, "", 0, NULL, S("\x00\x00"));
	big = xcalloc(1, 300);
	buf_init(&out);
	assert_int_equal(codec_len16.encode(big, 300, NULL, &out, NULL, 0), 0);
	assert_int_equal(buf_len(&out), 300 + 2);
	assert_int_equal(buf_data(&out)[2 - 2], 0x01);
	assert_int_equal(buf_data(&out)[2 - 1], 0x2c);
	buf_free(&out);
	free(big);
}

/* Describe renders the payload only. */
static void
test_len16_describe_shows_payload(void **state)
{
	char out[64];

	(void)state;
	harness_describe(&codec_len16, S("\x00\x05hello"), out, sizeof(out));
	assert_string_equal(out, "hello");
}

/* A payload over 65535 bytes cannot be encoded. */
static void
test_len16_encode_over_65535_bytes_is_error(void **state)
{
	unsigned char *big = xcalloc(1, 65536);

	(void)state;
	harness_expect_encode_error(&codec_len16, big, 65536, NULL,
	    "does not fit a 16-bit length");
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_len16_stream_split_anywhere_gives_same_frames),
		cmocka_unit_test(test_len16_truncated_prefixes_need_more),
		cmocka_unit_test(test_len16_length_over_max_frame_is_immediate_error),
		cmocka_unit_test(test_len16_encode_writes_big_endian_prefix),
		cmocka_unit_test(test_len16_encode_over_65535_bytes_is_error),
		cmocka_unit_test(test_len16_describe_shows_payload),
	};

	return cmocka_run_group_tests_name("codec_len16", tests, NULL, NULL);
}
