/* Unit tests for the resp codec, the Redis protocol (proto/resp.c). */
#include "codec_harness.h"

#define S(x)	(const unsigned char *)(x), sizeof(x) - 1

#define SET_CMD	"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$3\r\na b\r\n"
#define NESTED	"*3\r\n:1\r\n*2\r\n+a\r\n$-1\r\n*-1\r\n"

/* Every RESP type, nested arrays included, decodes the same however the
 * stream is split. */
static void
test_resp_stream_split_anywhere_gives_same_values(void **state)
{
	static const char stream[] = "+PONG\r\n" "-ERR unknown command\r\n"
	    ":-42\r\n" "$5\r\nhe\r\no\r\n" "$0\r\n\r\n" "$-1\r\n" SET_CMD
	    NESTED "*0\r\n";
	static const char *const bodies[] = { "PONG", "ERR unknown command",
	    "-42", "he\r\no", "", "", SET_CMD, NESTED, "*0\r\n" };
	static const size_t lens[] = { 4, 19, 3, 5, 0, 0,
	    sizeof(SET_CMD) - 1, sizeof(NESTED) - 1, 4 };

	(void)state;
	harness_check_stream(&codec_resp, S(stream), 4096, bodies, lens, 9);
}

/* No proper prefix of a value is a value or an error. */
static void
test_resp_truncated_prefixes_need_more(void **state)
{
	(void)state;
	harness_check_prefixes(&codec_resp, S(SET_CMD), 4096);
	harness_check_prefixes(&codec_resp, S(NESTED), 4096);
	harness_check_prefixes(&codec_resp, S("$5\r\nhello\r\n"), 4096);
	harness_check_prefixes(&codec_resp, S(":9223372036854775807\r\n"), 64);
	/* A value of exactly max_frame bytes is still allowed. */
	harness_check_prefixes(&codec_resp, S(SET_CMD), sizeof(SET_CMD) - 1);
}

/* Sizes over the limit fail from the length line alone. */
static void
test_resp_oversized_lengths_are_immediate_errors(void **state)
{
	(void)state;
	harness_expect_error(&codec_resp, S("$4294967296\r\n"),
	    CODEC_MAX_FRAME_DEFAULT, "RESP bulk string of 4294967296 bytes "
	    "exceeds the limit of 1048576 bytes");
	harness_expect_error(&codec_resp, S("*1000000\r\n"), 4096,
	    "RESP array of 1000000 elements exceeds the limit");
	harness_expect_error(&codec_resp, S("+aaaaaaaaaaaaaaaaaaaa"), 8,
	    "RESP line longer than 8 bytes");
	harness_expect_error(&codec_resp, S(SET_CMD), sizeof(SET_CMD) - 2,
	    "exceeds the limit");
}

/* Arrays nested deeper than the limit are rejected. */
static void
test_resp_nesting_deeper_than_32_is_error(void **state)
{
	struct buf b;
	int i;

	(void)state;
	buf_init(&b);
	for (i = 0; i < 33; i++)
		buf_append_str(&b, "*1\r\n");
	buf_append_str(&b, ":1\r\n");
	harness_expect_error(&codec_resp, buf_data(&b), buf_len(&b), 4096,
	    "RESP arrays nested deeper than 32");
	buf_consume(&b, 4);
	harness_check_prefixes(&codec_resp, buf_data(&b), buf_len(&b), 4096);
	buf_free(&b);
}

/* Malformed values are errors with a reason. */
static void
test_resp_malformed_values_are_errors(void **state)
{
	(void)state;
	harness_expect_error(&codec_resp, S("PING\r\n"), 4096,
	    "unknown RESP type byte 0x50");
	harness_expect_error(&codec_resp, S(":12a\r\n"), 4096,
	    "invalid RESP integer");
	harness_expect_error(&codec_resp, S(":99999999999999999999\r\n"), 4096,
	    "invalid RESP integer");
	harness_expect_error(&codec_resp, S("$-2\r\n"), 4096,
	    "invalid RESP bulk length");
	harness_expect_error(&codec_resp, S("$2\r\nabcd\r\n"), 4096,
	    "not followed by CRLF");
	harness_expect_error(&codec_resp, S("+OK\rx"), 4096, "bare CR");
	harness_expect_error(&codec_resp, S("+OK\n"), 4096, "bare LF");
}

/* A command line becomes an array of bulk strings; quotes group. */
static void
test_resp_encode_command_line_as_bulk_array(void **state)
{
	(void)state;
	harness_expect_encode(&codec_resp, S("SET key \"a b\""), NULL,
	    S(SET_CMD));
	harness_expect_encode(&codec_resp, S("  PING \n"), NULL,
	    S("*1\r\n$4\r\nPING\r\n"));
	harness_expect_encode(&codec_resp, S("SET k \"\\x41\\n\\\"\" 'it\\'s'"),
	    NULL, S("*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nA\n\"\r\n"
	    "$4\r\nit's\r\n"));
	harness_expect_encode(&codec_resp, S("ECHO \"\" ''"), NULL,
	    S("*3\r\n$4\r\nECHO\r\n$0\r\n\r\n$0\r\n\r\n"));
}

/* A body that is already RESP goes out untouched. */
static void
test_resp_encode_passes_resp_through(void **state)
{
	(void)state;
	harness_expect_encode(&codec_resp, S(SET_CMD), NULL, S(SET_CMD));
	harness_expect_encode(&codec_resp, S("+PONG\r\n"), NULL,
	    S("+PONG\r\n"));
	harness_expect_encode(&codec_resp, S(":1\r\n"), NULL, S(":1\r\n"));
}

/* Unbalanced quotes and empty commands cannot be encoded. */
static void
test_resp_encode_rejects_bad_command_lines(void **state)
{
	(void)state;
	harness_expect_encode_error(&codec_resp, S("SET \"a b"), NULL,
	    "unbalanced quotes");
	harness_expect_encode_error(&codec_resp, S("SET \"a\"b"), NULL,
	    "closing quote must be followed by a space");
	harness_expect_encode_error(&codec_resp, S("   "), NULL,
	    "empty command");
}

/* Describe renders values the way redis-cli prints them. */
static void
test_resp_describe_renders_like_redis_cli(void **state)
{
	char out[128];

	(void)state;
	harness_describe(&codec_resp, S("+PONG\r\n"), out, sizeof(out));
	assert_string_equal(out, "PONG");
	harness_describe(&codec_resp, S("$4\r\nPONG\r\n"), out, sizeof(out));
	assert_string_equal(out, "\"PONG\"");
	harness_describe(&codec_resp, S(":1\r\n"), out, sizeof(out));
	assert_string_equal(out, "(integer) 1");
	harness_describe(&codec_resp, S("-ERR unknown\r\n"), out, sizeof(out));
	assert_string_equal(out, "(error) ERR unknown");
	harness_describe(&codec_resp, S("$-1\r\n"), out, sizeof(out));
	assert_string_equal(out, "(nil)");
	harness_describe(&codec_resp, S("*0\r\n"), out, sizeof(out));
	assert_string_equal(out, "(empty array)");
	harness_describe(&codec_resp, S(SET_CMD), out, sizeof(out));
	assert_string_equal(out, "[\"SET\", \"key\", \"a b\"]");
	harness_describe(&codec_resp, S(NESTED), out, sizeof(out));
	assert_string_equal(out, "[(integer) 1, [a, (nil)], (nil)]");
	harness_describe(&codec_resp, S(SET_CMD), out, 12);
	assert_string_equal(out, "[\"SET\", ...");
}

/* Every RESP3 type frames the same however the stream is split, and each
 * whole value's prefixes need more. */
static void
test_resp3_types_split_anywhere(void **state)
{
	static const char stream[] = "_\r\n" ",3.14\r\n" "#t\r\n"
	    "!9\r\nERR nokey\r\n" "=8\r\ntxt:Some\r\n"
	    "(3492890328409238509324850943850943825024385\r\n"
	    "%2\r\n+a\r\n:1\r\n$1\r\nb\r\n~1\r\n#f\r\n"
	    ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
	    "|1\r\n+ttl\r\n:3\r\n:42\r\n";
	static const char *const bodies[] = { "", "3.14", "t", "ERR nokey",
	    "txt:Some", "3492890328409238509324850943850943825024385",
	    "%2\r\n+a\r\n:1\r\n$1\r\nb\r\n~1\r\n#f\r\n",
	    ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
	    "|1\r\n+ttl\r\n:3\r\n:42\r\n" };
	static const size_t lens[] = { 0, 4, 1, 9, 8, 43, 27, 33, 19 };

	(void)state;
	harness_check_stream(&codec_resp, S(stream), 1024, bodies, lens, 9);
	harness_check_prefixes(&codec_resp,
	    S("%2\r\n+a\r\n:1\r\n$1\r\nb\r\n~1\r\n#f\r\n"), 1024);
	harness_check_prefixes(&codec_resp, S("=8\r\ntxt:Some\r\n"), 1024);
}

/* Fields: type names, JSON values, text and int, push messages marked. */
static void
test_resp3_fields_and_json_values(void **state)
{
	(void)state;
	harness_expect_field(&codec_resp, S(":5\r\n"), "type", 0,
	    CODEC_V_TEXT, "int");
	harness_expect_field(&codec_resp, S(":5\r\n"), "int", 0,
	    CODEC_V_INT, "5");
	harness_expect_field(&codec_resp, S("$-1\r\n"), "type", 0,
	    CODEC_V_TEXT, "nil");
	harness_expect_field(&codec_resp, S("$-1\r\n"), "value", 0,
	    CODEC_V_JSON, "null");
	harness_expect_field(&codec_resp, S("$-1\r\n"), "text", 0,
	    CODEC_V_TEXT, NULL);
	harness_expect_field(&codec_resp, S("$0\r\n\r\n"), "text", 0,
	    CODEC_V_TEXT, "");
	harness_expect_field(&codec_resp, S("$0\r\n\r\n"), "type", 0,
	    CODEC_V_TEXT, "string");
	harness_expect_field(&codec_resp, S("+OK\r\n"), "type", 0,
	    CODEC_V_TEXT, "status");
	harness_expect_field(&codec_resp, S("-WRONGTYPE x\r\n"), "text", 0,
	    CODEC_V_TEXT, "WRONGTYPE x");
	harness_expect_field(&codec_resp, S("!3\r\nERR\r\n"), "type", 0,
	    CODEC_V_TEXT, "error");
	harness_expect_field(&codec_resp, S("=8\r\ntxt:Some\r\n"), "text", 0,
	    CODEC_V_TEXT, "Some");
	harness_expect_field(&codec_resp, S("*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
	    "value", 0, CODEC_V_JSON, "[\"a\",\"b\"]");
	harness_expect_field(&codec_resp,
	    S("%2\r\n+a\r\n:1\r\n:2\r\n_\r\n"), "value", 0,
	    CODEC_V_JSON, "{\"a\":1,\"2\":null}");
	harness_expect_field(&codec_resp, S("~2\r\n#t\r\n,-inf\r\n"),
	    "value", 0, CODEC_V_JSON, "[true,\"-inf\"]");
	harness_expect_field(&codec_resp, S(",1.5e3\r\n"), "value", 0,
	    CODEC_V_JSON, "1.5e3");
	/* RESP numbers that are not JSON numbers (found by fuzz_resp). */
	harness_expect_field(&codec_resp, S(":+007\r\n"), "value", 0,
	    CODEC_V_JSON, "7");
	harness_expect_field(&codec_resp, S("(+23\r\n"), "value", 0,
	    CODEC_V_JSON, "\"+23\"");
	harness_expect_field(&codec_resp, S("(-23\r\n"), "value", 0,
	    CODEC_V_JSON, "-23");
	harness_expect_field(&codec_resp, S(",.5\r\n"), "value", 0,
	    CODEC_V_JSON, "\".5\"");
	harness_expect_field(&codec_resp, S(">2\r\n+message\r\n+x\r\n"),
	    "push", 0, CODEC_V_INT, "1");
	harness_expect_field(&codec_resp, S("*2\r\n+message\r\n+x\r\n"),
	    "push", 0, CODEC_V_INT, "0");
	harness_expect_field(&codec_resp, S("|1\r\n+ttl\r\n:3\r\n:42\r\n"),
	    "int", 0, CODEC_V_INT, "42");
	harness_expect_json(&codec_resp, S("-ERR x\r\n"), "{\"kind\":\"error\","
	    "\"type\":\"error\",\"value\":{\"error\":\"ERR x\"},\"text\":"
	    "\"ERR x\",\"push\":0,\"body\":\"ERR x\"}");
}

/* Malformed RESP3 values fail with a reason, and maps count toward the
 * nesting and element limits. */
static void
test_resp3_malformed_and_limits(void **state)
{
	struct buf deep;
	int i;

	(void)state;
	harness_expect_error(&codec_resp, S("_x\r\n"), 64, "RESP null with a "
	    "value");
	harness_expect_error(&codec_resp, S("#x\r\n"), 64, "not t or f");
	harness_expect_error(&codec_resp, S(",1.2.x\r\n"), 64,
	    "invalid RESP double");
	harness_expect_error(&codec_resp, S("(12a\r\n"), 64,
	    "invalid RESP big number");
	harness_expect_error(&codec_resp, S("=3\r\nabc\r\n"), 64,
	    "shorter than its format prefix");
	harness_expect_error(&codec_resp, S("=4\r\nabcd\r\n"), 64,
	    "without a \"fmt:\" prefix");
	harness_expect_error(&codec_resp, S("%-1\r\n"), 64,
	    "invalid RESP aggregate length");
	harness_expect_error(&codec_resp, S("*?\r\n"), 64,
	    "streamed RESP3 aggregates are not supported");
	harness_expect_error(&codec_resp, S("%100\r\n"), 64,
	    "exceeds the limit of 64 bytes");
	buf_init(&deep);
	for (i = 0; i < 40; i++)
		buf_append(&deep, "%1\r\n", 4);
	harness_expect_error(&codec_resp, buf_data(&deep), buf_len(&deep),
	    1 << 20, "nested deeper than 32");
	buf_free(&deep);
}

/* resp_build_command writes an array of bulk strings, binary included. */
static void
test_resp_build_command_from_words(void **state)
{
	static const char *const argv[] = { "SET", "k", "a b\r\n" };
	static const size_t lens[] = { 3, 1, 5 };
	struct buf out;

	(void)state;
	buf_init(&out);
	assert_int_equal(resp_build_command(argv, lens, 3, &out), 0);
	assert_int_equal(buf_len(&out), 31);
	assert_memory_equal(buf_data(&out), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n"
	    "$5\r\na b\r\n\r\n", 31);
	assert_int_equal(resp_build_command(argv, NULL, 0, &out), -1);
	buf_free(&out);
}

/* describe renders RESP3 types the way redis-cli does. */
static void
test_resp3_describe(void **state)
{
	char out[128];

	(void)state;
	harness_describe(&codec_resp, S("%1\r\n+a\r\n#t\r\n"), out,
	    sizeof(out));
	assert_string_equal(out, "{a: (true)}");
	harness_describe(&codec_resp, S(">1\r\n,2.5\r\n"), out, sizeof(out));
	assert_string_equal(out, "(push) [(double) 2.5]");
	harness_describe(&codec_resp, S("_\r\n"), out, sizeof(out));
	assert_string_equal(out, "(nil)");
	harness_describe(&codec_resp, S("|1\r\n+a\r\n+b\r\n=5\r\ntxt:x\r\n"),
	    out, sizeof(out));
	assert_string_equal(out, "\"x\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resp_stream_split_anywhere_gives_same_values),
		cmocka_unit_test(test_resp_truncated_prefixes_need_more),
		cmocka_unit_test(test_resp_oversized_lengths_are_immediate_errors),
		cmocka_unit_test(test_resp_nesting_deeper_than_32_is_error),
		cmocka_unit_test(test_resp_malformed_values_are_errors),
		cmocka_unit_test(test_resp_encode_command_line_as_bulk_array),
		cmocka_unit_test(test_resp_encode_passes_resp_through),
		cmocka_unit_test(test_resp_encode_rejects_bad_command_lines),
		cmocka_unit_test(test_resp_describe_renders_like_redis_cli),
		cmocka_unit_test(test_resp3_types_split_anywhere),
		cmocka_unit_test(test_resp3_fields_and_json_values),
		cmocka_unit_test(test_resp3_malformed_and_limits),
		cmocka_unit_test(test_resp_build_command_from_words),
		cmocka_unit_test(test_resp3_describe),
	};

	return cmocka_run_group_tests_name("codec_resp", tests, NULL, NULL);
}
