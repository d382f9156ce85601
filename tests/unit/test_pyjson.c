/* Unit tests for the Python-style JSON writer (proto/pyjson.c). */
#include "codec_harness.h"
#include "pyjson.h"

/* Parse text with cJSON, dump it Python style and compare with want. */
static void
check_dump(const char *text, const char *want)
{
	struct buf out;
	cJSON *j;

	j = cJSON_Parse(text);
	assert_non_null(j);
	buf_init(&out);
	pyjson_dump(j, &out);
	buf_append(&out, "", 1);
	assert_string_equal((const char *)buf_data(&out), want);
	buf_free(&out);
	cJSON_Delete(j);
}

/* The seed's response bodies come out byte-exact, emoji as raw UTF-8. */
static void
test_pyjson_seed_results_match_python_json_dumps(void **state)
{
	(void)state;
	check_dump("{\"result\":\"Follow the white rabbit. \\ud83d\\udc30\"}",
	    "{\"result\": \"Follow the white rabbit. 🐰\"}");
	check_dump("{\"result\":\"No match for \\\"xyz\\\".\"}",
	    "{\"result\": \"No match for \\\"xyz\\\".\"}");
	check_dump("{\"action\":\"search\",\"value\":\"🐶\"}",
	    "{\"action\": \"search\", \"value\": \"🐶\"}");
}

/* Separators, nesting, literals and empty containers follow Python. */
static void
test_pyjson_containers_and_literals_use_python_separators(void **state)
{
	(void)state;
	check_dump("{\"a\":[1,2.5,null,true,false,{}],\"b\":[]}",
	    "{\"a\": [1, 2.5, null, true, false, {}], \"b\": []}");
	check_dump("[]", "[]");
	check_dump("{}", "{}");
}

/* Control characters, quotes and backslashes are escaped as Python does;
 * non-ASCII is kept. */
static void
test_pyjson_strings_escape_like_python(void **state)
{
	(void)state;
	check_dump("\"\\u0001\\\"\\\\\\n\\r\\t\\b\\f\\u00e9\\u001f/\"",
	    "\"\\u0001\\\"\\\\\\n\\r\\t\\b\\f\xc3\xa9\\u001f/\"");
}

/* Numbers print as Python's int or repr(float). */
static void
test_pyjson_numbers_print_like_python_repr(void **state)
{
	(void)state;
	check_dump("[43, -3, 0, 1e-7, 1.5e300, 0.1, 123.456, 0.0001, 2.5e-5]",
	    "[43, -3, 0, 1e-07, 1.5e+300, 0.1, 123.456, 0.0001, 2.5e-05]");
	check_dump("[1234567.125, -0.5, 4294967296]",
	    "[1234567.125, -0.5, 4294967296]");
}

/* pyjson_quote handles a length-bounded string. */
static void
test_pyjson_quote_takes_explicit_length(void **state)
{
	struct buf out;

	(void)state;
	buf_init(&out);
	pyjson_quote("ab\"cd", 3, &out);
	assert_int_equal(buf_len(&out), 6);
	assert_memory_equal(buf_data(&out), "\"ab\\\"\"", 6);
	buf_free(&out);
}

/* Parse text with pyjson_parse (Python's json.loads), dump it and compare
 * with want, which is what json.dumps(json.loads(text),
 * ensure_ascii=False) prints in Python 3. */
static void
check_loads(const char *text, const char *want)
{
	struct buf out;
	char err[128] = "";
	cJSON *j;

	j = pyjson_parse(text, strlen(text), err, sizeof(err));
	if (j == NULL)
		fail_msg("'%s' refused: %s", text, err);
	buf_init(&out);
	pyjson_dump(j, &out);
	buf_append(&out, "", 1);
	assert_string_equal((const char *)buf_data(&out), want);
	buf_free(&out);
	cJSON_Delete(j);
}

/* Duplicate keys: the last value wins, at the first key's place, at every
 * depth (cJSON alone would find the first). */
static void
test_pyjson_parse_last_duplicate_key_wins(void **state)
{
	static const char dup[] = "{\"content-length\": 99, "
	    "\"content-length\": 3}";
	cJSON *j;

	(void)state;
	check_loads("{\"a\": 1, \"b\": 2, \"a\": 3}", "{\"a\": 3, \"b\": 2}");
	check_loads("{\"x\": {\"k\": [1, {\"k\": 2, \"k\": 3}], \"k\": "
	    "\"last\"}, \"x\": 0, \"y\": null}", "{\"x\": 0, \"y\": null}");
	check_loads("{\"k\": [{\"k\": 2, \"k\": 3}], \"a\": 1, \"a\": 2, "
	    "\"a\": 4}", "{\"k\": [{\"k\": 3}], \"a\": 4}");
	j = pyjson_parse(dup, sizeof(dup) - 1, NULL, 0);
	assert_non_null(j);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(j,
	    "content-length")->valueint, 3);
	cJSON_Delete(j);
}

/* A \u0000 escape stays inside the string: its length counts the bytes
 * after it, and dumping writes it back as \u0000. */
static void
test_pyjson_parse_keeps_nul_escape_in_string(void **state)
{
	static const char text[] = "{\"v\": \"a\\u0000b\"}";
	cJSON *j;
	const cJSON *v;

	(void)state;
	check_loads(text, "{\"v\": \"a\\u0000b\"}");
	j = pyjson_parse(text, sizeof(text) - 1, NULL, 0);
	v = cJSON_GetObjectItemCaseSensitive(j, "v");
	assert_int_equal(pyjson_strlen(v), 3);
	assert_memory_equal(v->valuestring, "a\0b", 3);
	cJSON_Delete(j);
	/* Escapes and surrogate pairs decode as Python's do. */
	check_loads("[\"\\ud83d\\udc36\", \"x\\/y\\\"\\\\\", \"\\u00e9\\t\"]",
	    "[\"🐶\", \"x/y\\\"\\\\\", \"é\\t\"]");
}

/* Bytes after the JSON value (other than whitespace) are an error, as
 * json.loads says "Extra data". */
static void
test_pyjson_parse_refuses_trailing_bytes(void **state)
{
	char err[128];
	cJSON *j;

	(void)state;
	err[0] = '\0';
	assert_null(pyjson_parse("{\"a\": 1} x", 10, err, sizeof(err)));
	assert_string_equal(err, "invalid JSON at byte 9");
	assert_null(pyjson_parse("{\"a\": 1}{}", 10, err, sizeof(err)));
	assert_string_equal(err, "invalid JSON at byte 8");
	j = pyjson_parse(" {\"a\": 1} \r\n\t", 13, err, sizeof(err));
	assert_non_null(j);
	cJSON_Delete(j);
}

/* Where sockbench is stricter than json.loads (docs/protocols.md): NaN,
 * Infinity and keys holding \u0000. A number past the double range is
 * inf, as in Python (json.dumps writes it back as Infinity). */
static void
test_pyjson_parse_stricter_than_python_where_documented(void **state)
{
	char err[128];

	(void)state;
	assert_null(pyjson_parse("NaN", 3, err, sizeof(err)));
	assert_null(pyjson_parse("[Infinity]", 10, err, sizeof(err)));
	assert_null(pyjson_parse("[-Infinity]", 11, err, sizeof(err)));
	assert_null(pyjson_parse("{\"a\\u0000\": 1}", 14, err, sizeof(err)));
	assert_non_null(strstr(err, "key with \\u0000"));
	check_loads("[1e999, -1e999]", "[Infinity, -Infinity]");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pyjson_seed_results_match_python_json_dumps),
		cmocka_unit_test(test_pyjson_containers_and_literals_use_python_separators),
		cmocka_unit_test(test_pyjson_strings_escape_like_python),
		cmocka_unit_test(test_pyjson_numbers_print_like_python_repr),
		cmocka_unit_test(test_pyjson_quote_takes_explicit_length),
		cmocka_unit_test(test_pyjson_parse_last_duplicate_key_wins),
		cmocka_unit_test(test_pyjson_parse_keeps_nul_escape_in_string),
		cmocka_unit_test(test_pyjson_parse_refuses_trailing_bytes),
		cmocka_unit_test(
		    test_pyjson_parse_stricter_than_python_where_documented),
	};

	return cmocka_run_group_tests_name("pyjson", tests, NULL, NULL);
}
