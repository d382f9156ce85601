/* Unit tests for the len32 codec (proto/len32.c). */
#include "codec_harness.h"

#define S(x)	(const unsigned char *)(x), sizeof(x) - 1

/* Several frames, empty ones and binary ones included, decode the same
 * however the stream is split. */
static void
test_len32_stream_split_anywhere_gives_same_frames(void **state)
{
	static const char stream[] = "\x00\x00\x00\x05hello" "\x00\x00\x00\x00" "\x00\x00\x00\x05" "a\x00\xff\r\n";
	static const char *const bodies[] = { "hello", "", "a\x00\xff\r\n" };
	static const size_t lens[] = { 5, 0, 5 };

	(void)state;
	harness_check_stream(&codec_len32, S(stream), 64, bodies, lens, 3);
}

/* Every prefix of a frame, prefix bytes included, is incomplete. */
static void
test_len32_truncated_prefixes_need_more(void **state)
{
	(void)state;
	harness_check_prefixes(&codec_len32, S("\x00\x00\x00\x05hello"), 64);
	harness_check_prefixes(&codec_len32, S("\x00\x00\x00\x05hello"), 5);
	harness_check_prefixes(&codec_len32, S("\x00\x00\x00\x00"), 64);
}

/* A length over max_frame fails from the prefix alone. */
static void
test_len32_length_over_max_frame_is_immediate_error(void **state)
{
	(void)state;
	harness_expect_error(&codec_len32, S("\x00\x00\x00\x05hello"), 4,
	    "length prefix 5 exceeds the limit of 4 bytes");
	/* Only the prefix: the error must not wait for the payload. */
	harness_expect_error(&codec_len32, "\x00\x00\x00\x05", 4, 4,
	    "length prefix 5 exceeds the limit of 4 bytes");
	harness_expect_error(&codec_len32, S("\xff\xff\xff\xff"), 1024,
	    "exceeds the limit of 1024 bytes");
}

/* Encode writes the big-endian prefix then the payload. */
static void
test_len32_encode_writes_big_endian_prefix(void **state)
{
	unsigned char *big;
	struct buf out;

	(void)state;
	harness_expect_encode(&codec_len32, "hello", 5, NULL, S("\x00\x00\x00\x05hello"));
	harness_expect_encode(&codec_len32, "", 0, NULL, S("\x00\x00\x00\x00"));
	big = xcalloc(1, 300);
	buf_init(&out);
	assert_int_equal(codec_len32.encode(big, 300, NULL, &out, NULL, 0), 0);
	assert_int_equal(buf_len(&out), 300 + 4);
	assert_int_equal(buf_data(&out)[4 - 2], 0x01);
	assert_int_equal(buf_data(&out)[4 - 1], 0x2c);
	buf_free(&out);
	free(big);
}

/* Describe renders the payload only. */
static void
test_len32_describe_shows_payload(void **state)
{
	char out[64];

	(void)state;
	harness_describe(&codec_len32, S("\x00\x00\x00\x05hello"), out, sizeof(out));
	assert_string_equal(out, "hello");
}

/* A 4 GiB - 1 length is rejected at once, without waiting or allocating. */
static void
test_len32_4gib_length_is_immediate_error(void **state)
{
	(void)state;
	harness_expect_error(&codec_len32, S("\xff\xff\xff\xff"),
	    CODEC_MAX_FRAME_DEFAULT,
	    "length prefix 4294967295 exceeds the limit of 1048576 bytes");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_len32_stream_split_anywhere_gives_same_frames),
		cmocka_unit_test(test_len32_truncated_prefixes_need_more),
		cmocka_unit_test(test_len32_length_over_max_frame_is_immediate_error),
		cmocka_unit_test(test_len32_4gib_length_is_immediate_error),
		cmocka_unit_test(test_len32_encode_writes_big_endian_prefix),
		cmocka_unit_test(test_len32_describe_shows_payload),
	};

	return cmocka_run_group_tests_name("codec_len32", tests, NULL, NULL);
}
