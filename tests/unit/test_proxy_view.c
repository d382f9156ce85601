/* Unit tests for proxy pairs in the dashboard's model: two raw rows linked
 * as one pair, their raw chunks not kept once linked, the pair's decoded
 * messages kept on both rows in order with the right direction, shown
 * with the pair's codec. No terminal, no sockets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ui_model.h"

static struct ui_model m;
static struct conn_info cli, up;	/* accepted client, its upstream */

/* Two open raw rows, as the proxy's conns tell the model about them. */
static int
setup(void **state)
{
	struct obs_event ev = { .kind = OBS_OPENED };

	(void)state;
	ui_model_init(&m);
	memset(&cli, 0, sizeof(cli));
	memset(&up, 0, sizeof(up));
	cli.id = 7;
	cli.side = SIDE_SERVER;
	up.id = 8;
	up.side = SIDE_CLIENT;
	cli.state = up.state = CS_OPEN;
	cli.codec = up.codec = &codec_raw;
	ui_model_event(&m, &cli, &ev, 1.0);
	ui_model_event(&m, &up, &ev, 1.0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	ui_model_free(&m);
	return 0;
}

/* A raw chunk event as conn.c sends it. */
static void
raw_chunk(const struct conn_info *ci, int out, const char *text)
{
	struct codec_frame f;
	struct obs_event ev = { .kind = OBS_MSG, .out = out, .frame = &f };

	memset(&f, 0, sizeof(f));
	f.frame = (const unsigned char *)text;
	f.frame_len = strlen(text);
	ui_model_event(&m, ci, &ev, 2.0);
}

/* Before linking, a row keeps its raw chunks (the old behaviour). */
static void
test_unpaired_rows_keep_raw_chunks(void **state)
{
	struct ui_conn *c = ui_model_find(&m, 7);

	(void)state;
	raw_chunk(&cli, 0, "PING\r\n");
	assert_int_equal(c->nmsgs, 1);
	assert_int_equal(c->pair_id, 0);
	assert_ptr_equal(ui_model_codec(c), &codec_raw);
}

/* Linked rows name each other and the pair number; raw chunks are
 * dropped; decoded messages land on both rows, in order, each marked
 * with the way it went, and are described with the pair's codec. */
static void
test_pair_shows_both_directions_decoded_on_both_rows(void **state)
{
	struct ui_conn *a, *b;
	const struct ui_msg *x;
	char text[128];

	(void)state;
	ui_model_pair(&m, 3, 7, 8);
	a = ui_model_find(&m, 7);
	b = ui_model_find(&m, 8);
	assert_int_equal(a->pair_id, 8);
	assert_int_equal(b->pair_id, 7);
	assert_int_equal(a->pair_no, 3);
	assert_int_equal(b->pair_no, 3);
	raw_chunk(&cli, 0, "*1\r\n$4\r\nPI");	/* a raw piece: not kept */
	raw_chunk(&up, 1, "*1\r\n$4\r\nPI");
	assert_int_equal(a->nmsgs, 0);
	assert_int_equal(b->nmsgs, 0);
	ui_model_pair_msg(&m, 7, 8, 1, &codec_resp, "*1\r\n$4\r\nPING\r\n", 14,
	    3.0);
	ui_model_pair_msg(&m, 7, 8, 0, &codec_resp, "+PONG\r\n", 7, 3.1);
	assert_int_equal(a->nmsgs, 2);
	assert_int_equal(b->nmsgs, 2);
	/* The accepted side received the request, the upstream sent it. */
	assert_int_equal(a->mfirst->kind, UI_MSG_IN);
	assert_int_equal(b->mfirst->kind, UI_MSG_OUT);
	assert_true(ui_model_msg_c2s(a, a->mfirst));
	assert_true(ui_model_msg_c2s(b, b->mfirst));
	assert_false(ui_model_msg_c2s(a, a->mlast));
	assert_false(ui_model_msg_c2s(b, b->mlast));
	assert_ptr_equal(ui_model_codec(a), &codec_resp);
	assert_ptr_equal(ui_model_codec(b), &codec_resp);
	x = b->mlast;
	ui_model_describe(b, x, text, sizeof(text));
	assert_string_equal(text, "PONG");
	ui_model_describe(a, a->mfirst, text, sizeof(text));
	assert_non_null(strstr(text, "PING"));
}

/* A message for a row already gone (expired) or not paired is dropped
 * without harm; the other row still gets it. */
static void
test_pair_msg_for_a_missing_row(void **state)
{
	struct ui_conn *a;

	(void)state;
	ui_model_pair(&m, 1, 7, 99);	/* 99 never existed */
	ui_model_pair_msg(&m, 7, 99, 1, &codec_line, "hi\n", 3, 3.0);
	a = ui_model_find(&m, 7);
	assert_int_equal(a->nmsgs, 1);
	ui_model_pair_msg(&m, 0, 8, 1, &codec_line, "hi\n", 3, 3.0);
	assert_int_equal(ui_model_find(&m, 8)->nmsgs, 0);	/* unpaired */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_unpaired_rows_keep_raw_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_pair_shows_both_directions_decoded_on_both_rows, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_pair_msg_for_a_missing_row, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
