/* Unit tests for the length-field codecs (proto/lenfield.c): lenfield
 * layouts opened with options, and the varint preset. */
#include "codec_harness.h"

#define S(x)	(const unsigned char *)(x), sizeof(x) - 1

/* Open a codec spec that must be valid. */
static const struct codec *
open_ok(const char *spec)
{
	char err[256];
	const struct codec *c = codec_open(spec, err, sizeof(err));

	if (c == NULL)
		fail_msg("codec_open(%s): %s", spec, err);
	return c;
}

/* A little-endian 3-byte length after a 2-byte magic, stripped with it:
 * the same frames however the stream is split. */
static void
test_lenfield_le3_after_magic_splits_anywhere(void **state)
{
	const struct codec *c = open_ok("lenfield offset=2 size=3 order=le");
	static const char stream[] = "MG\x03\x00\x00" "abc" "MG\x00\x00\x00"
	    "MG\x01\x00\x00" "\xff";
	static const char *const bodies[] = { "abc", "", "\xff" };
	static const size_t lens[] = { 3, 0, 1 };

	(void)state;
	assert_string_equal(c->name, "lenfield offset=2 size=3 order=le "
	    "adjust=0 strip=5");
	harness_check_stream(c, S(stream), 64, bodies, lens, 3);
	harness_check_prefixes(c, S("MG\x03\x00\x00" "abc"), 64);
}

/* A length that counts the whole frame (adjust=-4, as in Netty's example
 * "length includes the header") with nothing stripped: the body keeps the
 * length field. */
static void
test_lenfield_adjust_and_strip_follow_netty(void **state)
{
	const struct codec *c = open_ok("lenfield size=4 adjust=-4 strip=0");
	static const char *const bodies[] = { "\x00\x00\x00\x06hi" };
	static const size_t lens[] = { 6 };

	(void)state;
	harness_check_stream(c, S("\x00\x00\x00\x06hi"), 64, bodies, lens, 1);
	harness_expect_error(c, S("\x00\x00\x00\x02"), 64,
	    "length 2 with adjustment -4 is negative");
	harness_expect_field(c, S("\x00\x00\x00\x06hi"), "length", 0,
	    CODEC_V_INT, "6");
	/* A frame that keeps its header in the body cannot be encoded. */
	harness_expect_encode_error(c, "x", 1, NULL, "cannot encode");
}

/* An 8-byte length and a 1-byte length, both byte orders, encode and
 * decode back. */
static void
test_lenfield_sizes_round_trip(void **state)
{
	(void)state;
	harness_expect_encode(open_ok("lenfield size=8"), "ab", 2, NULL,
	    S("\x00\x00\x00\x00\x00\x00\x00\x02" "ab"));
	harness_expect_encode(open_ok("lenfield size=8 order=le"), "ab", 2,
	    NULL, S("\x02\x00\x00\x00\x00\x00\x00\x00" "ab"));
	harness_expect_encode(open_ok("lenfield size=1"), "ab", 2, NULL,
	    S("\x02" "ab"));
	harness_expect_encode(open_ok("lenfield size=2 order=le offset=1"),
	    "ab", 2, NULL, S("\x00\x02\x00" "ab"));
	harness_expect_encode(open_ok("lenfield size=1 adjust=1"), "ab", 2,
	    NULL, S("\x01" "ab"));
	harness_expect_encode_error(open_ok("lenfield size=1"),
	    (const char [300]){ 0 }, 300, NULL, "does not fit a 8-bit length");
}

/* Lengths beyond max-frame are refused from the length field alone, even
 * a 64-bit one near its maximum. */
static void
test_lenfield_limits_refuse_from_the_field(void **state)
{
	const struct codec *c = open_ok("lenfield size=8");

	(void)state;
	harness_expect_error(c, S("\xff\xff\xff\xff\xff\xff\xff\xff"), 1024,
	    "exceeds the limit of 1024 bytes");
	harness_expect_error(open_ok("lenfield size=1 adjust=100"),
	    S("\x05"), 64, "with adjustment 100 exceeds the limit of 64");
}

/* Options are checked: unknown names, sizes 5-7, bad orders. */
static void
test_lenfield_bad_options_have_reasons(void **state)
{
	char err[256];

	(void)state;
	assert_null(codec_open("lenfield size=5", err, sizeof(err)));
	assert_non_null(strstr(err, "invalid lenfield option 'size=5'"));
	assert_null(codec_open("lenfield order=middle", err, sizeof(err)));
	assert_null(codec_open("lenfield size", err, sizeof(err)));
	assert_non_null(strstr(err, "NAME=VALUE"));
	assert_null(codec_open("lenfield size=varint strip=1", err,
	    sizeof(err)));
	assert_null(codec_open("len16 size=2", err, sizeof(err)));
	assert_non_null(strstr(err, "takes no options"));
	/* Equal layouts are one codec, found again by their name. */
	assert_ptr_equal(open_ok("lenfield size=2 order=le"),
	    open_ok("lenfield order=le size=2"));
	assert_ptr_equal(codec_find(open_ok("lenfield size=2 order=le")->name),
	    open_ok("lenfield size=2 order=le"));
	assert_ptr_equal(open_ok("lenfield"), &codec_lenfield);
}

/* The lenfield presets keep len16/len32 framing. */
static void
test_lenfield_presets_match_len16_len32(void **state)
{
	static const char *const bodies[] = { "hello", "" };
	static const size_t lens[] = { 5, 0 };

	(void)state;
	harness_check_stream(open_ok("lenfield size=2"),
	    S("\x00\x05hello\x00\x00"), 64, bodies, lens, 2);
	harness_check_stream(&codec_lenfield,
	    S("\x00\x00\x00\x05hello\x00\x00\x00\x00"), 64, bodies, lens, 2);
	harness_expect_json(&codec_len16, S("\x00\x02hi"),
	    "{\"kind\":\"frame\",\"length\":2,\"body\":\"hi\"}");
	harness_expect_json(&codec_len32, S("\x00\x00\x00\x01\xff"),
	    "{\"kind\":\"frame\",\"length\":1,\"body_hex\":\"ff\"}");
}

/* varint: protobuf base-128 lengths of one and two bytes, split anywhere;
 * encode writes the shortest varint. */
static void
test_varint_frames_split_anywhere(void **state)
{
	static unsigned char stream[3 + 2 + 300 + 1];
	static const char *bodies[3];
	static size_t lens[] = { 2, 300, 0 };
	unsigned char body[300];

	(void)state;
	memset(body, 'x', sizeof(body));
	memcpy(stream, "\x02hi", 3);
	memcpy(stream + 3, "\xac\x02", 2);
	memcpy(stream + 5, body, 300);
	stream[305] = 0;
	bodies[0] = "hi";
	bodies[1] = (const char *)body;
	bodies[2] = "";
	harness_check_stream(&codec_varint, stream, 306, 1024, bodies, lens, 3);
	harness_check_prefixes(&codec_varint, stream + 3, 302, 1024);
	harness_expect_encode(&codec_varint, body, 300, NULL, S("\xac\x02"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
	harness_expect_encode(&codec_varint, "", 0, NULL, S("\x00"));
	harness_expect_field(&codec_varint, S("\x02hi"), "length", 0,
	    CODEC_V_INT, "2");
}

/* varint limits: over max-frame, and more than ten bytes of length. */
static void
test_varint_limits(void **state)
{
	(void)state;
	harness_expect_error(&codec_varint, S("\xac\x02"), 100,
	    "length prefix 300 exceeds the limit of 100 bytes");
	harness_expect_error(&codec_varint,
	    S("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f"), 100,
	    "varint length longer than 64 bits");
	harness_expect_error(&codec_varint,
	    S("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"), 100,
	    "exceeds the limit of 100 bytes");
	harness_check_prefixes(&codec_varint, S("\x81\x80\x00z"), 1 << 20);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lenfield_le3_after_magic_splits_anywhere),
		cmocka_unit_test(test_lenfield_adjust_and_strip_follow_netty),
		cmocka_unit_test(test_lenfield_sizes_round_trip),
		cmocka_unit_test(test_lenfield_limits_refuse_from_the_field),
		cmocka_unit_test(test_lenfield_bad_options_have_reasons),
		cmocka_unit_test(test_lenfield_presets_match_len16_len32),
		cmocka_unit_test(test_varint_frames_split_anywhere),
		cmocka_unit_test(test_varint_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
