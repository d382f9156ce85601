/* Unit tests for the http codec (proto/http.c). */
#include "codec_harness.h"

#define S(x)	(const unsigned char *)(x), sizeof(x) - 1

#define GET	"GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n"
#define POST	"POST /submit HTTP/1.1\r\nHost: x\r\ncontent-length: 5\r\n\r\nhello"
#define CHUNK_BODY "4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: 1\r\n\r\n"
#define RESP_CHUNKED "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" \
	CHUNK_BODY
#define RESP_204 "HTTP/1.1 204 No Content\r\n\r\n"
#define RESP_LEN "HTTP/1.0 404 Not Found\r\nContent-Length:  3 \r\n\r\nabc"

/* Pipelined requests and responses decode the same however split; a
 * chunked body is kept raw. */
static void
test_http_stream_split_anywhere_gives_same_messages(void **state)
{
	static const char stream[] = GET POST "\r\n" RESP_CHUNKED RESP_204
	    RESP_LEN;
	static const char *const bodies[] = { "", "hello", CHUNK_BODY, "",
	    "abc" };
	static const size_t lens[] = { 0, 5, sizeof(CHUNK_BODY) - 1, 0, 3 };

	(void)state;
	harness_check_stream(&codec_http, S(stream), 4096, bodies, lens, 5);
}

/* The head is everything from the start line to the blank line. */
static void
test_http_decode_sets_head_and_body(void **state)
{
	struct codec_frame f;
	char err[128];

	(void)state;
	assert_int_equal(codec_http.decode(S(POST), 4096, &f, err,
	    sizeof(err)), sizeof(POST) - 1);
	assert_int_equal(f.head_len, sizeof(POST) - 1 - 5);
	assert_memory_equal(f.head, "POST /submit", 12);
	assert_memory_equal(f.body, "hello", 5);
}

/* No proper prefix of a message is a message or an error. */
static void
test_http_truncated_prefixes_need_more(void **state)
{
	(void)state;
	harness_check_prefixes(&codec_http, S(GET), 4096);
	harness_check_prefixes(&codec_http, S(POST), 4096);
	harness_check_prefixes(&codec_http, S(RESP_CHUNKED), 4096);
	harness_check_prefixes(&codec_http, S(RESP_LEN), 4096);
	/* A head of exactly max_frame bytes is still allowed. */
	harness_check_prefixes(&codec_http, S(GET), sizeof(GET) - 1);
}

/* A response with no length and no chunking cannot be framed: it waits,
 * then fails once it passes max_frame. */
static void
test_http_response_without_length_waits_then_fails(void **state)
{
	static const char r[] = "HTTP/1.0 200 OK\r\nServer: x\r\n\r\n"
	    "0123456789012345678901234567890123456789";
	struct codec_frame f;
	char err[128];

	(void)state;
	assert_int_equal(codec_http.decode(S(r), 4096, &f, err, sizeof(err)),
	    CODEC_NEED_MORE);
	harness_expect_error(&codec_http, S(r), 32,
	    "read-until-close cannot be framed");
}

/* A head longer than max_frame fails before the blank line arrives. */
static void
test_http_head_over_max_frame_is_error(void **state)
{
	(void)state;
	harness_expect_error(&codec_http, S("GET / HTTP/1.1\r\nHost: aaaa"), 16,
	    "HTTP head longer than 16 bytes");
}

/* Oversized lengths fail from the head alone, huge ones included. */
static void
test_http_oversized_lengths_are_immediate_errors(void **state)
{
	(void)state;
	harness_expect_error(&codec_http,
	    S("POST / HTTP/1.1\r\nContent-Length: 4294967296\r\n\r\n"),
	    CODEC_MAX_FRAME_DEFAULT,
	    "Content-Length 4294967296 exceeds the limit of 1048576 bytes");
	harness_expect_error(&codec_http,
	    S("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
	    4096, "exceeds the limit of 4096 bytes");
	harness_expect_error(&codec_http, S("HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n"), 4096,
	    "chunked body exceeds the limit of 4096 bytes");
}

/* Malformed heads and ambiguous framing are errors with a reason. */
static void
test_http_malformed_messages_are_errors(void **state)
{
	(void)state;
	harness_expect_error(&codec_http, S("GET /\r\n\r\n"), 4096,
	    "malformed HTTP start line");
	harness_expect_error(&codec_http, S("HTTP/1.1 2000 OK\r\n\r\n"), 4096,
	    "malformed HTTP start line");
	harness_expect_error(&codec_http, S("GET / HTTP/1.1\r\nNo colon\r\n\r\n"),
	    4096, "malformed header line");
	harness_expect_error(&codec_http, S("GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n"),
	    4096, "obsolete folded header line");
	harness_expect_error(&codec_http, S("POST / HTTP/1.1\r\n"
	    "Content-Length: 1\r\nContent-Length: 2\r\n\r\n"), 4096,
	    "conflicting Content-Length");
	harness_expect_error(&codec_http, S("POST / HTTP/1.1\r\n"
	    "Content-Length: -1\r\n\r\n"), 4096, "invalid Content-Length");
	harness_expect_error(&codec_http, S("POST / HTTP/1.1\r\n"
	    "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"), 4096,
	    "both Transfer-Encoding and Content-Length");
	harness_expect_error(&codec_http, S("POST / HTTP/1.1\r\n"
	    "Transfer-Encoding: gzip\r\n\r\n"), 4096, "does not end in chunked");
	harness_expect_error(&codec_http, S("POST / HTTP/1.1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\nzz\r\n"), 4096,
	    "invalid chunk size line");
	harness_expect_error(&codec_http, S("POST / HTTP/1.1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n2\r\nabc"), 4096,
	    "chunk data not followed by CRLF");
}

/* Encode sends the text as written. */
static void
test_http_encode_is_identity(void **state)
{
	(void)state;
	harness_expect_encode(&codec_http, GET, sizeof(GET) - 1, NULL, S(GET));
}

/* Describe shows the start line and the body size, decoded if chunked. */
static void
test_http_describe_shows_start_line_and_body_size(void **state)
{
	char out[128];

	(void)state;
	harness_describe(&codec_http, S(POST), out, sizeof(out));
	assert_string_equal(out, "POST /submit HTTP/1.1 (5 body bytes)");
	harness_describe(&codec_http, S(RESP_CHUNKED), out, sizeof(out));
	assert_string_equal(out, "HTTP/1.1 200 OK (9 body bytes in 2 chunks)");
}

/* A response's fields: status as an int, reason, version, every header in
 * order and by case-insensitive name (repeats kept), the body. */
static void
test_http_response_fields(void **state)
{
	static const char r[] = "HTTP/1.1 404 Not Found\r\n"
	    "Content-Type: text/plain\r\nSet-Cookie: a=1\r\n"
	    "set-cookie:  b=2 \r\nContent-Length: 2\r\n\r\nno";

	(void)state;
	harness_expect_field(&codec_http, S(r), "kind", 0, CODEC_V_TEXT,
	    "response");
	harness_expect_field(&codec_http, S(r), "status", 0, CODEC_V_INT,
	    "404");
	harness_expect_field(&codec_http, S(r), "reason", 0, CODEC_V_TEXT,
	    "Not Found");
	harness_expect_field(&codec_http, S(r), "version", 0, CODEC_V_TEXT,
	    "HTTP/1.1");
	harness_expect_field(&codec_http, S(r), "header:content-type", 0,
	    CODEC_V_TEXT, "text/plain");
	harness_expect_field(&codec_http, S(r), "header:SET-COOKIE", 1,
	    CODEC_V_TEXT, "b=2");
	harness_expect_field(&codec_http, S(r), "header:Set-Cookie", 2,
	    CODEC_V_TEXT, NULL);
	harness_expect_field(&codec_http, S(r), "method", 0, CODEC_V_TEXT,
	    NULL);
	harness_expect_field(&codec_http, S(r), "close", 0, CODEC_V_INT, "0");
	harness_expect_json(&codec_http, S(r), "{\"kind\":\"response\","
	    "\"version\":\"HTTP/1.1\",\"status\":404,\"reason\":"
	    "\"Not Found\",\"headers\":[[\"Content-Type\",\"text/plain\"],"
	    "[\"Set-Cookie\",\"a=1\"],[\"set-cookie\",\"b=2\"],"
	    "[\"Content-Length\",\"2\"]],\"close\":0,\"body\":\"no\"}");
}

/* A request's fields: method, path, version; HTTP/1.0 closes unless it
 * asks for keep-alive, 1.1 closes when asked. */
static void
test_http_request_fields_and_close(void **state)
{
	(void)state;
	harness_expect_field(&codec_http, S("POST /a?b=1 HTTP/1.0\r\n"
	    "Content-Length: 1\r\n\r\nx"), "path", 0, CODEC_V_TEXT,
	    "/a?b=1");
	harness_expect_field(&codec_http, S("POST /a HTTP/1.0\r\n\r\n"),
	    "method", 0, CODEC_V_TEXT, "POST");
	harness_expect_field(&codec_http, S("GET / HTTP/1.0\r\n\r\n"),
	    "close", 0, CODEC_V_INT, "1");
	harness_expect_field(&codec_http, S("GET / HTTP/1.0\r\n"
	    "Connection: Keep-Alive\r\n\r\n"), "close", 0, CODEC_V_INT, "0");
	harness_expect_field(&codec_http, S("HTTP/1.1 204 No Content\r\n"
	    "Connection: foo, close\r\n\r\n"), "close", 0, CODEC_V_INT, "1");
}

/* A chunked body is de-chunked and its trailers kept as fields. */
static void
test_http_chunked_body_dechunked_with_trailers(void **state)
{
	static const char r[] = "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"
	    "5;ext=1\r\nhello\r\n1\n \n6\r\nworld!\r\n0\r\n"
	    "Digest: abc\r\nX-T: 1\r\n\r\n";

	(void)state;
	harness_check_prefixes(&codec_http, S(r), 1024);
	harness_expect_field(&codec_http, S(r), "body", 0, CODEC_V_TEXT,
	    "hello world!");
	harness_expect_field(&codec_http, S(r), "trailer:digest", 0,
	    CODEC_V_TEXT, "abc");
	harness_expect_field(&codec_http, S(r), "trailer:X-T", 0,
	    CODEC_V_TEXT, "1");
	harness_expect_field(&codec_http, S(r), "header:Digest", 0,
	    CODEC_V_TEXT, NULL);
}

/* With the HEAD hint a response is its head alone, whatever its
 * Content-Length or chunking says; the hint ends with that frame. */
static void
test_http_head_hint_frames_without_body(void **state)
{
	static const char two[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
	    "\r\n" "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
	struct codec_cursor *cur = NULL;
	struct codec_frame f;
	char err[128];
	ssize_t r;

	(void)state;
	codec_cursor_hint(&codec_http, &cur, CODEC_HINT_HEAD);
	/* One byte at a time, the hint kept while the head trickles in. */
	for (r = CODEC_NEED_MORE; r == CODEC_NEED_MORE; ) {
		static size_t k = 1;

		r = codec_decode(&codec_http, &cur, (const unsigned char *)two,
		    k++, 1024, &f, err, sizeof(err));
	}
	assert_int_equal(r, 38);
	assert_int_equal(f.body_len, 0);
	/* The next response is a GET's: its body counts again. */
	r = codec_decode(&codec_http, &cur, (const unsigned char *)two + 38,
	    sizeof(two) - 1 - 38, 1024, &f, err, sizeof(err));
	assert_int_equal(r, 43);
	assert_int_equal(f.body_len, 5);
	codec_cursor_free(&cur);
}

/* A response without a length ends at the close (read-until-close); a
 * close inside a framed message is an error with a reason. */
static void
test_http_eof_frames_read_until_close(void **state)
{
	static const char r[] = "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nall of it";
	struct codec_cursor *cur = NULL;
	struct codec_frame f;
	struct codec_value v;
	struct buf scratch;
	char err[128];
	ssize_t n;

	(void)state;
	n = codec_decode(&codec_http, &cur, (const unsigned char *)r,
	    sizeof(r) - 1, 1024, &f, err, sizeof(err));
	assert_int_equal(n, CODEC_NEED_MORE);
	n = codec_decode_eof(&codec_http, &cur, (const unsigned char *)r,
	    sizeof(r) - 1, 1024, &f, err, sizeof(err));
	assert_int_equal(n, sizeof(r) - 1);
	assert_null(cur);
	buf_init(&scratch);
	assert_int_equal(codec_field(&codec_http, &f, "body", 0, &scratch, &v),
	    1);
	assert_int_equal(v.len, 9);
	assert_memory_equal(v.s, "all of it", 9);
	assert_int_equal(codec_field(&codec_http, &f, "close", 0, &scratch,
	    &v), 1);
	assert_int_equal(v.num, 1);
	buf_free(&scratch);
	n = codec_decode_eof(&codec_http, &cur, (const unsigned char *)
	    "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", 41, 1024, &f,
	    err, sizeof(err));
	assert_int_equal(n, CODEC_ERROR);
	assert_string_equal(err, "connection closed in the middle of a http "
	    "frame (41 bytes pending)");
	assert_int_equal(codec_decode_eof(&codec_http, &cur, NULL, 0, 1024, &f,
	    err, sizeof(err)), 0);
	/* Other codecs: a close mid-frame is an error too. */
	assert_int_equal(codec_decode_eof(&codec_line, &cur,
	    (const unsigned char *)"abc", 3, 1024, &f, err, sizeof(err)),
	    CODEC_ERROR);
}

/* More header fields than the limit fail with a reason. */
static void
test_http_header_count_limit(void **state)
{
	struct buf m;
	int i;

	(void)state;
	buf_init(&m);
	buf_append_str(&m, "GET / HTTP/1.1\r\n");
	for (i = 0; i < 1025; i++)
		buf_append_str(&m, "X: y\r\n");
	buf_append_str(&m, "\r\n");
	harness_expect_error(&codec_http, buf_data(&m), buf_len(&m), 1 << 20,
	    "more than 1024 header fields");
	buf_free(&m);
}

/* http_build_request: request line, headers, Content-Length computed. */
static void
test_http_build_request(void **state)
{
	static const char *const h[] = { "Host: example", "Accept: */*" };
	static const char *const cl[] = { "Content-Length: 0" };
	static const char *const bad[] = { "Bad\r\nX: y" };
	struct buf out;
	char err[128];
	static const char want[] = "POST /x HTTP/1.1\r\nHost: example\r\n"
	    "Accept: */*\r\nContent-Length: 2\r\n\r\nhi";

	(void)state;
	buf_init(&out);
	assert_int_equal(http_build_request("POST", "/x", h, 2,
	    (const unsigned char *)"hi", 2, &out, err, sizeof(err)), 0);
	assert_int_equal(buf_len(&out), sizeof(want) - 1);
	assert_memory_equal(buf_data(&out), want, sizeof(want) - 1);
	harness_expect_field(&codec_http, buf_data(&out), buf_len(&out),
	    "body", 0, CODEC_V_TEXT, "hi");
	buf_reset(&out);
	assert_int_equal(http_build_request("GET", "/", NULL, 0, NULL, 0, &out,
	    err, sizeof(err)), 0);
	assert_int_equal(buf_len(&out), 18);
	buf_reset(&out);
	assert_int_equal(http_build_request("DELETE", "/", cl, 1, NULL, 0,
	    &out, err, sizeof(err)), 0);
	assert_null(memmem(buf_data(&out), buf_len(&out), "Content-Length: 0"
	    "\r\nContent-Length", 32));
	assert_int_equal(http_build_request("GET", "/a b", NULL, 0, NULL, 0,
	    &out, err, sizeof(err)), -1);
	assert_int_equal(http_build_request("G T", "/", NULL, 0, NULL, 0,
	    &out, err, sizeof(err)), -1);
	assert_int_equal(http_build_request("GET", "/", bad, 1, NULL, 0,
	    &out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "on one line"));
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_stream_split_anywhere_gives_same_messages),
		cmocka_unit_test(test_http_decode_sets_head_and_body),
		cmocka_unit_test(test_http_truncated_prefixes_need_more),
		cmocka_unit_test(test_http_response_without_length_waits_then_fails),
		cmocka_unit_test(test_http_head_over_max_frame_is_error),
		cmocka_unit_test(test_http_oversized_lengths_are_immediate_errors),
		cmocka_unit_test(test_http_malformed_messages_are_errors),
		cmocka_unit_test(test_http_encode_is_identity),
		cmocka_unit_test(test_http_describe_shows_start_line_and_body_size),
		cmocka_unit_test(test_http_response_fields),
		cmocka_unit_test(test_http_request_fields_and_close),
		cmocka_unit_test(test_http_chunked_body_dechunked_with_trailers),
		cmocka_unit_test(test_http_head_hint_frames_without_body),
		cmocka_unit_test(test_http_eof_frames_read_until_close),
		cmocka_unit_test(test_http_header_count_limit),
		cmocka_unit_test(test_http_build_request),
	};

	return cmocka_run_group_tests_name("codec_http", tests, NULL, NULL);
}
