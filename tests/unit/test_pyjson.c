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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pyjson_seed_results_match_python_json_dumps),
		cmocka_unit_test(test_pyjson_containers_and_literals_use_python_separators),
		cmocka_unit_test(test_pyjson_strings_escape_like_python),
		cmocka_unit_test(test_pyjson_numbers_print_like_python_repr),
		cmocka_unit_test(test_pyjson_quote_takes_explicit_length),
	};

	return cmocka_run_group_tests_name("pyjson", tests, NULL, NULL);
}
