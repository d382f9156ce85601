/* Work per received byte stays constant for every framed codec: a frame
 * fed one byte per call through codec_decode, resuming from the
 * connection's cursor, has each byte examined a bounded number of times
 * (the cursor's examined counter), however large its header. */
#include "codec_harness.h"

/* Feed frame[0..n) one byte per call through codec_decode, as a server
 * reading 1 byte per read does; the frame must come out whole at the
 * last byte. Return the bytes the decoder examined. */
static uint64_t
work_trickle(const struct codec *c, const unsigned char *frame, size_t n,
    size_t max_frame)
{
	struct codec_cursor *cur = codec_cursor_new(c);
	struct codec_frame f;
	char err[256];
	uint64_t examined;
	ssize_t r;
	size_t k;

	assert_non_null(cur);
	for (k = 1; k <= n; k++) {
		err[0] = '\0';
		r = codec_decode(c, &cur, frame, k, max_frame, &f, err,
		    sizeof(err));
		if (k < n && r != CODEC_NEED_MORE)
			fail_msg("%s: prefix %zu/%zu gave %zd (%s)", c->name, k,
			    n, r, err);
		if (k == n && r != (ssize_t)n)
			fail_msg("%s: whole frame gave %zd (%s)", c->name, r,
			    err);
	}
	examined = cur->examined;
	codec_cursor_free(&cur);
	return examined;
}

/* The same trickle with a new cursor on every call (what a decoder that
 * keeps no memory does): proves the counter sees re-parsing. */
static uint64_t
work_trickle_forgetful(const struct codec *c, const unsigned char *frame,
    size_t n, size_t max_frame)
{
	struct codec_frame f;
	char err[256];
	uint64_t total = 0;
	size_t k;

	for (k = 1; k <= n; k++) {
		struct codec_cursor *cur = codec_cursor_new(c);

		codec_decode(c, &cur, frame, k, max_frame, &f, err,
		    sizeof(err));
		total += cur->examined;
		codec_cursor_free(&cur);
	}
	return total;
}

/* Assert linear work for the trickle, and quadratic without the cursor. */
static void
work_check(const struct codec *c, struct buf *b)
{
	size_t n = buf_len(b);
	uint64_t lin, quad;

	lin = work_trickle(c, buf_data(b), n, CODEC_MAX_FRAME_DEFAULT);
	print_message("%s: %zu bytes 1 per call: %llu bytes examined\n",
	    c->name, n, (unsigned long long)lin);
	if (lin > 3 * (uint64_t)n + 64)
		fail_msg("%s: %llu bytes examined for a %zu-byte frame fed 1 "
		    "byte per call (more than 3 per byte)", c->name,
		    (unsigned long long)lin, n);
	quad = work_trickle_forgetful(c, buf_data(b), n,
	    CODEC_MAX_FRAME_DEFAULT);
	assert_true(quad > (uint64_t)n * 50);
}

/* jsonhdr: a 60 KiB header is parsed once, then 1000 bytes of content
 * trickles in without parsing it again. */
static void
test_jsonhdr_big_header_parsed_once_while_content_trickles(void **state)
{
	struct buf hdr, b;
	size_t i;

	(void)state;
	buf_init(&hdr);
	buf_init(&b);
	buf_append_str(&hdr, "{\"byteorder\": \"little\", \"content-type\": "
	    "\"binary/x\", \"content-encoding\": \"binary\", "
	    "\"content-length\": 1000, \"pad\": \"");
	for (i = 0; i < 60000; i++)
		buf_append(&hdr, "x", 1);
	buf_append_str(&hdr, "\"}");
	buf_append(&b, (unsigned char[]){ (unsigned char)(buf_len(&hdr) >> 8),
	    (unsigned char)(buf_len(&hdr) & 0xff) }, 2);
	buf_append(&b, buf_data(&hdr), buf_len(&hdr));
	for (i = 0; i < 1000; i++)
		buf_append(&b, "c", 1);
	work_check(&codec_jsonhdr, &b);
	buf_free(&hdr);
	buf_free(&b);
}

/* line: the search for LF goes on from where it stopped. */
static void
test_line_long_line_searched_once(void **state)
{
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b);
	for (i = 0; i < 20000; i++)
		buf_append(&b, "y", 1);
	buf_append(&b, "\r\n", 2);
	work_check(&codec_line, &b);
	buf_free(&b);
}

/* http: a big head (many fields, one long field) and a chunked body. */
static void
test_http_big_head_and_chunks_parsed_once(void **state)
{
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b);
	buf_append_str(&b, "\r\nPOST /upload HTTP/1.1\r\nHost: x\r\n");
	for (i = 0; i < 500; i++)
		buf_printf(&b, "X-Field-%zu: value %zu\r\n", i, i);
	buf_append_str(&b, "X-Long: ");
	for (i = 0; i < 8000; i++)
		buf_append(&b, "z", 1);
	buf_append_str(&b, "\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (i = 0; i < 100; i++) {
		buf_append_str(&b, "40;ext=1\r\n");
		buf_append_str(&b, "0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdef\r\n");
	}
	buf_append_str(&b, "0\r\nTrailer: t\r\n\r\n");
	work_check(&codec_http, &b);
	buf_free(&b);
	/* And a Content-Length body after a big head. */
	buf_init(&b);
	buf_append_str(&b, "HTTP/1.1 200 OK\r\n");
	for (i = 0; i < 500; i++)
		buf_printf(&b, "X-Field-%zu: value %zu\r\n", i, i);
	buf_append_str(&b, "Content-Length: 3000\r\n\r\n");
	for (i = 0; i < 3000; i++)
		buf_append(&b, "b", 1);
	work_check(&codec_http, &b);
	buf_free(&b);
}

/* resp: nested arrays are not re-parsed from their start; a bulk string's
 * length line is parsed once; a long simple string is searched once. */
static void
test_resp_nested_arrays_parsed_once(void **state)
{
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b);
	buf_append_str(&b, "*3\r\n*1000\r\n");
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "*2\r\n$3\r\nk%02zu\r\n:%zu\r\n", i % 100, i);
	buf_append_str(&b, "$4000\r\n");
	for (i = 0; i < 4000; i++)
		buf_append(&b, "v", 1);
	buf_append_str(&b, "\r\n+");
	for (i = 0; i < 4000; i++)
		buf_append(&b, "s", 1);
	buf_append_str(&b, "\r\n");
	work_check(&codec_resp, &b);
	buf_free(&b);
}

/* Codecs whose decode is O(1) per call need no cursor at all. */
static void
test_length_prefix_codecs_need_no_cursor(void **state)
{
	(void)state;
	assert_null(codec_cursor_new(&codec_len16));
	assert_null(codec_cursor_new(&codec_len32));
	assert_null(codec_cursor_new(&codec_raw));
	assert_null(codec_cursor_new(&codec_varint));
	assert_null(codec_cursor_new(&codec_lenfield));
}

/* reply: a 1000-line EHLO-style reply and a long "line crlf" line with
 * bare LFs in it are each searched once while they trickle in. */
static void
test_reply_and_line_crlf_searched_once(void **state)
{
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b);
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "250-extension number %zu\r\n", i);
	buf_append_str(&b, "250 HELP\r\n");
	work_check(&codec_reply, &b);
	buf_reset(&b);
	for (i = 0; i < 5000; i++)
		buf_append_str(&b, "abc\n");
	buf_append_str(&b, "\r\n");
	work_check(&codec_line_crlf, &b);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_jsonhdr_big_header_parsed_once_while_content_trickles),
		cmocka_unit_test(test_line_long_line_searched_once),
		cmocka_unit_test(test_http_big_head_and_chunks_parsed_once),
		cmocka_unit_test(test_resp_nested_arrays_parsed_once),
		cmocka_unit_test(test_length_prefix_codecs_need_no_cursor),
		cmocka_unit_test(test_reply_and_line_crlf_searched_once),
	};

	return cmocka_run_group_tests_name("codec_work", tests, NULL, NULL);
}
