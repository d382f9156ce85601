/* The decoded pane's rendering model (ui_msgview.c): HTTP start line,
 * headers and body; RESP values as redis-cli prints them; a reply's code
 * and lines; the frames of a merged write one per line; the answer to a
 * HEAD and a response ended by the close still decode; codecs without a
 * structure fall back to describe (0 lines). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "codec.h"
#include "ui_msgview.h"

/* Render s with codec name; check the text and the line count. */
static void
want(const char *codec, const char *s, const char *text, size_t lines)
{
	struct buf out;
	size_t n;

	buf_init(&out);
	n = ui_msgview_render(codec_find(codec), (const unsigned char *)s,
	    strlen(s), &out);
	buf_append(&out, "", 1);
	assert_string_equal((const char *)buf_data(&out), text);
	assert_int_equal(n, lines);
	buf_free(&out);
}

static void
http_response_shows_status_line_headers_and_body(void **state)
{
	(void)state;
	want("http", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 12\r\n\r\nhello\nworld\n",
	    "HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 12\n"
	    "\nhello\\n\nworld\\n", 6);
}

static void
http_chunked_body_is_shown_dechunked_with_its_trailer(void **state)
{
	(void)state;
	want("http", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3\r\nabc\r\n2\r\nde\r\n0\r\nX-Sum: 5\r\n\r\n",
	    "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\nabcde\n"
	    "X-Sum: 5", 5);
}

static void
http_request_shows_method_path_version(void **state)
{
	(void)state;
	want("http", "GET /a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n",
	    "GET /a?b=1 HTTP/1.1\nHost: x", 2);
}

static void
http_head_answer_and_read_until_close_decode(void **state)
{
	(void)state;
	/* Content-Length 6 but no body: it answered a HEAD. */
	want("http", "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n",
	    "HTTP/1.1 200 OK\nContent-Length: 6", 2);
	/* No length: the close ended it. */
	want("http", "HTTP/1.0 200 OK\r\nServer: t\r\n\r\nuntil the close",
	    "HTTP/1.0 200 OK\nServer: t\n\nuntil the close", 4);
}

static void
resp_scalars_are_typed_like_redis_cli(void **state)
{
	(void)state;
	want("resp", ":5\r\n", "(integer) 5", 1);
	want("resp", "$-1\r\n", "(nil)", 1);
	want("resp", "_\r\n", "(nil)", 1);
	want("resp", "-ERR unknown command 'FOO'\r\n",
	    "(error) ERR unknown command 'FOO'", 1);
	want("resp", "+OK\r\n", "OK", 1);
	want("resp", "$5\r\nhello\r\n", "\"hello\"", 1);
	want("resp", ",1.5\r\n", "(double) 1.5", 1);
	want("resp", "#t\r\n", "(true)", 1);
	/* Big integers keep every digit; a RESP3 big number says so
	 * (was "(double) 1.2345678901234568e+22",
	 * and a cast of that double to long long was undefined). */
	want("resp", "(12345678901234567890123\r\n",
	    "(big number) 12345678901234567890123", 1);
	want("resp", "(5\r\n", "(big number) 5", 1);
	want("resp", ":9007199254740993\r\n", "(integer) 9007199254740993", 1);
	want("resp", "*1\r\n:-9223372036854775808\r\n",
	    "1) (integer) -9223372036854775808", 1);
}

static void
resp_arrays_and_maps_are_indented_like_redis_cli(void **state)
{
	(void)state;
	want("resp", "*3\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n-ERR x\r\n",
	    "1) \"a\"\n2) 1) (integer) 1\n   2) (nil)\n3) (error) ERR x", 4);
	want("resp", "*0\r\n", "(empty array)", 1);
	want("resp", "%2\r\n+k1\r\n:1\r\n+k2\r\n*2\r\n:2\r\n:3\r\n",
	    "1# \"k1\" => (integer) 1\n2# \"k2\" => 1) (integer) 2\n"
	    "           2) (integer) 3", 3);
	want("resp", "~2\r\n+a\r\n+b\r\n", "1~ \"a\"\n2~ \"b\"", 2);
}

static void
reply_shows_code_and_lines(void **state)
{
	(void)state;
	want("reply", "250-mail.test\r\n250-SIZE 1000\r\n250 HELP\r\n",
	    "250 mail.test\n    SIZE 1000\n    HELP", 3);
}

static void
merged_write_shows_each_frame_on_its_own_line(void **state)
{
	(void)state;
	want("resp", "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
	    "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n",
	    "3 frames in one write:\n  [\"PING\"]\n  [\"GET\", \"k\"]\n"
	    "  [\"SET\", \"k\", \"v\"]", 4);
	want("line", "one\ntwo\n", "2 frames in one write:\n  one\n  two", 3);
}

static void
many_lines_are_cut_with_a_count(void **state)
{
	char big[1024];
	struct buf out;
	size_t n, i, o;

	(void)state;
	o = (size_t)snprintf(big, sizeof(big), "*30\r\n");
	for (i = 0; i < 30; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, ":%zu\r\n", i);
	buf_init(&out);
	n = ui_msgview_render(&codec_resp, (const unsigned char *)big, o,
	    &out);
	buf_append(&out, "", 1);
	assert_int_equal(n, UI_MSGVIEW_LINES);
	assert_non_null(strstr((const char *)buf_data(&out),
	    "15) (integer) 14\n... 15 more lines"));
	buf_free(&out);
}

static void
deep_nesting_stops_at_eight_levels(void **state)
{
	char deep[256] = "";
	size_t i;

	(void)state;
	for (i = 0; i < 12; i++)
		strcat(deep, "*1\r\n");
	strcat(deep, ":7\r\n");
	want("resp", deep, "1) 1) 1) 1) 1) 1) 1) 1) [...]", 1);
}

static void
a_write_with_a_frame_and_a_piece_says_so(void **state)
{
	(void)state;
	want("line", "one\ntw", "1 frame in one write:\n  one\n"
	    "  + 2 bytes that are no whole frame", 3);
}

static void
codecs_without_structure_fall_back_to_describe(void **state)
{
	(void)state;
	want("line", "hello\n", "", 0);
	want("raw", "anything", "", 0);
	want("http", "not http at all\r\n\r\n", "", 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(http_response_shows_status_line_headers_and_body),
		cmocka_unit_test(http_chunked_body_is_shown_dechunked_with_its_trailer),
		cmocka_unit_test(http_request_shows_method_path_version),
		cmocka_unit_test(http_head_answer_and_read_until_close_decode),
		cmocka_unit_test(resp_scalars_are_typed_like_redis_cli),
		cmocka_unit_test(resp_arrays_and_maps_are_indented_like_redis_cli),
		cmocka_unit_test(reply_shows_code_and_lines),
		cmocka_unit_test(merged_write_shows_each_frame_on_its_own_line),
		cmocka_unit_test(many_lines_are_cut_with_a_count),
		cmocka_unit_test(deep_nesting_stops_at_eight_levels),
		cmocka_unit_test(a_write_with_a_frame_and_a_piece_says_so),
		cmocka_unit_test(codecs_without_structure_fall_back_to_describe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
