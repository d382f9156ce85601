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
	};

	return cmocka_run_group_tests_name("codec_http", tests, NULL, NULL);
}
