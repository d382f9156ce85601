/* Unit tests for the line codec (proto/line.c). */
#include "codec_harness.h"

#define S(x)	(const unsigned char *)(x), sizeof(x) - 1

/* Lines ending in LF and CRLF decode the same bodies however split. */
static void
test_line_stream_split_anywhere_gives_same_lines(void **state)
{
	static const char stream[] = "hello\r\nworld\n\n\r\nüñí 🐰\r\n";
	static const char *const bodies[] = { "hello", "world", "", "",
	    "üñí 🐰" };
	static const size_t lens[] = { 5, 5, 0, 0, sizeof("üñí 🐰") - 1 };

	(void)state;
	harness_check_stream(&codec_line, S(stream), 64, bodies, lens, 5);
}

/* Every prefix of a line without its LF is incomplete, not an error. */
static void
test_line_truncated_prefixes_need_more(void **state)
{
	(void)state;
	harness_check_prefixes(&codec_line, S("Message 1 from client.\r\n"),
	    64);
	/* Exactly max_frame bytes of body plus CRLF is still allowed. */
	harness_check_prefixes(&codec_line, S("abcd\r\n"), 4);
	harness_check_prefixes(&codec_line, S("abcd\n"), 4);
}

/* A line over max_frame fails as soon as that is certain. */
static void
test_line_longer_than_max_frame_is_error(void **state)
{
	(void)state;
	harness_expect_error(&codec_line, "abcde", 5, 4,
	    "line longer than 4 bytes");
	harness_expect_error(&codec_line, "abcde\n", 6, 4,
	    "line longer than 4 bytes");
	harness_expect_error(&codec_line, "abcd\r\r", 6, 4,
	    "line longer than 4 bytes");
}

/* A bare CR is part of the body, not a line end. */
static void
test_line_bare_cr_stays_in_body(void **state)
{
	static const char *const bodies[] = { "a\rb" };
	static const size_t lens[] = { 3 };

	(void)state;
	harness_check_stream(&codec_line, S("a\rb\n"), 64, bodies, lens, 1);
}

/* Encode appends LF only when the body lacks one. */
static void
test_line_encode_appends_lf_once(void **state)
{
	(void)state;
	harness_expect_encode(&codec_line, "hi", 2, NULL, "hi\n", 3);
	harness_expect_encode(&codec_line, "hi\n", 3, NULL, "hi\n", 3);
	harness_expect_encode(&codec_line, "hi\r\n", 4, NULL, "hi\r\n", 4);
	harness_expect_encode(&codec_line, "", 0, NULL, "\n", 1);
}

/* Describe shows the line without EOL, escaped, UTF-8 kept. */
static void
test_line_describe_escapes_text(void **state)
{
	char out[64];

	(void)state;
	harness_describe(&codec_line, S("a\tb 🐰\r\n"), out, sizeof(out));
	assert_string_equal(out, "a\\tb 🐰");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_stream_split_anywhere_gives_same_lines),
		cmocka_unit_test(test_line_truncated_prefixes_need_more),
		cmocka_unit_test(test_line_longer_than_max_frame_is_error),
		cmocka_unit_test(test_line_bare_cr_stays_in_body),
		cmocka_unit_test(test_line_encode_appends_lf_once),
		cmocka_unit_test(test_line_describe_escapes_text),
	};

	return cmocka_run_group_tests_name("codec_line", tests, NULL, NULL);
}
