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

/* line crlf: only CRLF ends a line, a bare LF is data; sent with CRLF. */
static void
test_line_crlf_ends_only_at_crlf(void **state)
{
	const struct codec *c = codec_find("line crlf");
	static const char *const bodies[] = { "a\nb", "", "c\r" };
	static const size_t lens[] = { 3, 0, 2 };

	(void)state;
	assert_ptr_equal(c, &codec_line_crlf);
	harness_check_stream(c, S("a\nb\r\n\r\nc\r\r\n"), 64, bodies,
	    lens, 3);
	harness_check_prefixes(c, S("abc\r\n"), 64);
	harness_check_prefixes(c, S("a\n\r\n"), 64);
	harness_expect_encode(c, "EHLO x", 6, NULL, S("EHLO x\r\n"));
	harness_expect_encode(c, "QUIT\r\n", 6, NULL, S("QUIT\r\n"));
	harness_expect_encode(c, "A\n", 2, NULL, S("A\n\r\n"));
	harness_expect_error(c, S("abcdef\n"), 4, "line longer than 4 bytes");
}

/* line lf: only LF ends a line and a CR before it stays in the body. */
static void
test_line_lf_keeps_cr_in_body(void **state)
{
	const struct codec *c = codec_find("line lf");
	static const char *const bodies[] = { "a\r", "b" };
	static const size_t lens[] = { 2, 1 };

	(void)state;
	assert_ptr_equal(c, &codec_line_lf);
	harness_check_stream(c, S("a\r\nb\n"), 64, bodies, lens, 2);
	harness_expect_encode(c, "x", 1, NULL, S("x\n"));
}

/* line any is the plain line codec; unknown options are refused. */
static void
test_line_options_any_and_unknown(void **state)
{
	char err[128];

	(void)state;
	assert_ptr_equal(codec_open("line any", err, sizeof(err)), &codec_line);
	assert_ptr_equal(codec_open("line", err, sizeof(err)), &codec_line);
	assert_null(codec_open("line cr", err, sizeof(err)));
	assert_string_equal(err, "expected line option crlf, lf or any, got "
	    "'cr'");
	harness_expect_json(&codec_line, S("hi\r\n"),
	    "{\"kind\":\"line\",\"body\":\"hi\"}");
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
		cmocka_unit_test(test_line_crlf_ends_only_at_crlf),
		cmocka_unit_test(test_line_lf_keeps_cr_in_body),
		cmocka_unit_test(test_line_options_any_and_unknown),
	};

	return cmocka_run_group_tests_name("codec_line", tests, NULL, NULL);
}
