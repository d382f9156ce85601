/* Unit tests for the reply codec (proto/line.c): SMTP and FTP replies,
 * multi-line ones as one message (RFC 5321 4.2, RFC 959 4.2). */
#include "codec_harness.h"

#define S(x)	(const unsigned char *)(x), sizeof(x) - 1

/* An EHLO reply of four lines, a one-line reply and a bare code decode as
 * three messages however the stream is split. */
static void
test_reply_multiline_is_one_message_split_anywhere(void **state)
{
	static const char ehlo[] = "250-mail.example\r\n250-SIZE 1000\r\n"
	    "250-8BITMIME\r\n250 HELP\r\n";
	static const char stream[] = "250-mail.example\r\n250-SIZE 1000\r\n"
	    "250-8BITMIME\r\n250 HELP\r\n" "220 ready\n" "354\r\n";
	static const char *const bodies[] = { ehlo, "220 ready\n", "354\r\n" };
	static const size_t lens[] = { sizeof(ehlo) - 1, 10, 5 };

	(void)state;
	harness_check_stream(&codec_reply, S(stream), 1024, bodies, lens, 3);
	harness_check_prefixes(&codec_reply, S(ehlo), 1024);
	harness_expect_field(&codec_reply, S(ehlo), "code", 0, CODEC_V_INT,
	    "250");
	harness_expect_field(&codec_reply, S(ehlo), "lines", 0, CODEC_V_JSON,
	    "[\"mail.example\",\"SIZE 1000\",\"8BITMIME\",\"HELP\"]");
	harness_expect_field(&codec_reply, S(ehlo), "text", 0, CODEC_V_TEXT,
	    "mail.example\nSIZE 1000\n8BITMIME\nHELP");
	harness_expect_json(&codec_reply, S("354\r\n"), "{\"kind\":\"reply\","
	    "\"code\":354,\"lines\":[\"\"],\"text\":\"\"}");
}

/* FTP: continuation lines need not carry the code, and a line with
 * another code or "CODE-" does not end the reply (RFC 959, 4.2). */
static void
test_reply_ftp_continuation_lines(void **state)
{
	static const char r[] = "211-Features:\r\n MDTM\r\n"
	    "212 not the end\r\n211-still\r\n211 End\r\n";

	(void)state;
	harness_check_prefixes(&codec_reply, S(r), 1024);
	harness_expect_field(&codec_reply, S(r), "lines", 0, CODEC_V_JSON,
	    "[\"Features:\",\" MDTM\",\"212 not the end\",\"still\",\"End\"]");
}

/* Malformed and oversized replies fail with a reason. */
static void
test_reply_limits_and_malformed(void **state)
{
	struct buf big;
	int i;

	(void)state;
	harness_expect_error(&codec_reply, S("hello\r\n"), 1024,
	    "reply line does not start with a 3-digit code");
	harness_expect_error(&codec_reply, S("25 x\r\n"), 1024,
	    "3-digit code");
	harness_expect_error(&codec_reply, S("250x\r\n"), 1024,
	    "3-digit code");
	harness_expect_error(&codec_reply, S("250-aaaa\r\n250-bbbb\r\n"), 12,
	    "reply longer than 12 bytes");
	harness_expect_error(&codec_reply, S("250 aaaaaaaaaaaaaaaa"), 12,
	    "reply longer than 12 bytes");
	buf_init(&big);
	for (i = 0; i < 1100; i++)
		buf_append(&big, "250-x\r\n", 7);
	harness_expect_error(&codec_reply, buf_data(&big), buf_len(&big),
	    1 << 20, "reply of more than 1024 lines");
	buf_free(&big);
}

/* Commands are sent with CRLF once. */
static void
test_reply_encode_sends_crlf(void **state)
{
	(void)state;
	harness_expect_encode(&codec_reply, "MAIL FROM:<a@b>", 15, NULL,
	    S("MAIL FROM:<a@b>\r\n"));
	harness_expect_encode(&codec_reply, "QUIT\r\n", 6, NULL, S("QUIT\r\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_multiline_is_one_message_split_anywhere),
		cmocka_unit_test(test_reply_ftp_continuation_lines),
		cmocka_unit_test(test_reply_limits_and_malformed),
		cmocka_unit_test(test_reply_encode_sends_crlf),
	};

	return cmocka_run_group_tests_name("codec_reply", tests, NULL, NULL);
}
