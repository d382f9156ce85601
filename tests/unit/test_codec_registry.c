/* Unit tests for the codec registry (proto/registry.c) and for properties
 * every codec shares. */
#include "codec_harness.h"

/* Every listed codec is complete and found by its own name. */
static void
test_registry_lists_complete_codecs_found_by_name(void **state)
{
	static const char *const names[] = { "raw", "line", "reply", "len16",
	    "len32", "varint", "lenfield",
	    "jsonhdr", "http", "resp" };
	size_t i;

	(void)state;
	for (i = 0; codec_all[i] != NULL; i++) {
		assert_true(i < sizeof(names) / sizeof(names[0]));
		assert_string_equal(codec_all[i]->name, names[i]);
		assert_non_null(codec_all[i]->summary);
		assert_non_null(codec_all[i]->decode);
		assert_non_null(codec_all[i]->encode);
		assert_non_null(codec_all[i]->describe);
		assert_ptr_equal(codec_find(names[i]), codec_all[i]);
	}
	assert_int_equal(i, sizeof(names) / sizeof(names[0]));
}

/* Header capabilities are flags in the codec table, not known by name:
 * jsonhdr sends and reads a header, http reads one, the rest have none. */
static void
test_registry_header_caps_are_flags(void **state)
{
	size_t i;

	(void)state;
	assert_true(codec_has(&codec_jsonhdr, CODEC_HAS_HEAD | CODEC_SENDS_HEAD));
	assert_true(codec_has(&codec_http, CODEC_HAS_HEAD));
	assert_false(codec_has(&codec_http, CODEC_SENDS_HEAD));
	for (i = 0; codec_all[i] != NULL; i++)
		if (codec_all[i] != &codec_jsonhdr && codec_all[i] != &codec_http)
			assert_false(codec_has(codec_all[i], CODEC_HAS_HEAD));
	assert_false(codec_has(NULL, CODEC_HAS_HEAD));
}

/* Unknown or missing names find nothing. */
static void
test_registry_unknown_name_finds_nothing(void **state)
{
	(void)state;
	assert_null(codec_find("nope"));
	assert_null(codec_find(""));
	assert_null(codec_find("LINE"));
	assert_null(codec_find(NULL));
}

/* For codecs whose body is the payload, encoding messages and decoding the
 * stream, split anywhere, gives the payloads back. */
static void
test_registry_encode_then_decode_round_trips(void **state)
{
	static const char *const names[] = { "line", "len16", "len32",
	    "jsonhdr" };
	static const char *const bodies[] = { "Message 1 from client.",
	    "{\"action\": \"search\", \"value\": \"🐶\"}", "", "x" };
	size_t lens[4], i, j;
	const struct codec *c;
	struct buf s;

	(void)state;
	for (j = 0; j < 4; j++)
		lens[j] = strlen(bodies[j]);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		c = codec_find(names[i]);
		buf_init(&s);
		for (j = 0; j < 4; j++)
			assert_int_equal(c->encode((const unsigned char *)
			    bodies[j], lens[j], NULL, &s, NULL, 0), 0);
		harness_check_stream(c, buf_data(&s), buf_len(&s), 4096,
		    bodies, lens, 4);
		buf_free(&s);
	}
}

/* Empty input is incomplete for every codec, never an error. */
static void
test_registry_empty_input_needs_more_for_every_codec(void **state)
{
	struct codec_frame f;
	char err[64];
	size_t i;

	(void)state;
	for (i = 0; codec_all[i] != NULL; i++)
		assert_int_equal(codec_all[i]->decode((const unsigned char *)"",
		    0, 4096, &f, err, sizeof(err)), CODEC_NEED_MORE);
}

/* Every codec has the message model: a fields function whose names start
 * with kind; codec_knows_field answers per codec (for scenario checks). */
static void
test_registry_every_codec_has_fields(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; codec_all[i] != NULL; i++) {
		assert_non_null(codec_all[i]->fields);
		assert_non_null(codec_all[i]->field_names);
		assert_string_equal(codec_all[i]->field_names[0], "kind");
		assert_true(codec_knows_field(codec_all[i], "kind"));
	}
	assert_true(codec_knows_field(&codec_http, "status"));
	assert_true(codec_knows_field(&codec_http, "header:Location"));
	assert_false(codec_knows_field(&codec_http, "header:"));
	assert_true(codec_knows_field(&codec_resp, "int"));
	assert_true(codec_knows_field(&codec_reply, "code"));
	assert_true(codec_knows_field(&codec_len16, "length"));
	assert_false(codec_knows_field(&codec_raw, "status"));
	assert_false(codec_knows_field(&codec_line, "header:X"));
	assert_false(codec_knows_field(&codec_resp, "status"));
	assert_false(codec_knows_field(NULL, "kind"));
	/* codec_field without a fields function or a name is -1. */
	assert_int_equal(codec_field(NULL, NULL, "kind", 0, NULL, NULL), -1);
}

/* A hint is about one frame: whatever the codec, it is cleared once a
 * frame (or an error) is returned (jsonhdr kept it; found by fuzzing). */
static void
test_registry_hint_cleared_after_its_frame(void **state)
{
	static const struct { const char *codec; const char *frame; size_t n; }
	    cases[] = {
		{ "http", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n", 38 },
		{ "jsonhdr", "\x00\x66{\"byteorder\": \"little\", "
		    "\"content-type\": \"text/json\", \"content-encoding\": "
		    "\"utf-8\", \"content-length\": 0}", 104 },
		{ "resp", ":1\r\n", 4 },
		{ "line", "a\n", 2 },
		{ "reply", "250 ok\r\n", 8 },
		{ "jsonhdr", "\x00\x01x", 3 },	/* an error */
	};
	struct codec_cursor *cur = NULL;
	struct codec_frame f;
	char err[128];
	size_t i;
	ssize_t r;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct codec *c = codec_find(cases[i].codec);

		codec_cursor_hint(c, &cur, CODEC_HINT_HEAD);
		assert_non_null(cur);
		r = codec_decode(c, &cur, (const unsigned char *)cases[i].frame,
		    cases[i].n, 1024, &f, err, sizeof(err));
		if (i + 1 < sizeof(cases) / sizeof(cases[0]))
			assert_int_equal(r, (ssize_t)cases[i].n);
		else
			assert_int_equal(r, CODEC_ERROR);
		assert_int_equal(cur->hint, 0);
		codec_cursor_free(&cur);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_lists_complete_codecs_found_by_name),
		cmocka_unit_test(test_registry_unknown_name_finds_nothing),
		cmocka_unit_test(test_registry_header_caps_are_flags),
		cmocka_unit_test(test_registry_encode_then_decode_round_trips),
		cmocka_unit_test(test_registry_empty_input_needs_more_for_every_codec),
		cmocka_unit_test(test_registry_every_codec_has_fields),
		cmocka_unit_test(test_registry_hint_cleared_after_its_frame),
	};

	return cmocka_run_group_tests_name("codec_registry", tests, NULL, NULL);
}
