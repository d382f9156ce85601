/* Unit tests for the dashboard's view model: bounded message rings, sort
 * order, filter, expiry of closed rows, and rates. No terminal needed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ui_model.h"

#define NCONN	6

static struct ui_model m;
static struct conn_info ci[NCONN];

/* Make NCONN open line-codec connections and tell the model. */
static int
setup(void **state)
{
	struct obs_event ev = { .kind = OBS_OPENED };
	int i;

	(void)state;
	ui_model_init(&m);
	memset(ci, 0, sizeof(ci));
	for (i = 0; i < NCONN; i++) {
		ci[i].id = (uint64_t)i + 1;
		ci[i].side = i % 2 ? SIDE_SERVER : SIDE_CLIENT;
		ci[i].state = CS_OPEN;
		ci[i].codec = &codec_line;
		ci[i].rtt_last = -1;
		snprintf(ci[i].local, sizeof(ci[i].local), "127.0.0.1:%d",
		    40000 + i);
		snprintf(ci[i].peer, sizeof(ci[i].peer), "10.0.0.%d:7000", i);
		ui_model_event(&m, &ci[i], &ev, 100.0);
	}
	ui_model_refresh(&m, 100.0);
	return 0;
}

/* Free the model. */
static int
teardown(void **state)
{
	(void)state;
	ui_model_free(&m);
	return 0;
}

/* Send one decoded line message event for connection i. */
static void
msg(int i, int out, const char *text, double t)
{
	struct codec_frame f;
	struct obs_event ev = { .kind = OBS_MSG, .out = out, .frame = &f };

	memset(&f, 0, sizeof(f));
	f.frame = (const unsigned char *)text;
	f.frame_len = strlen(text);
	f.body = f.frame;
	f.body_len = f.frame_len > 0 ? f.frame_len - 1 : 0;
	ui_model_event(&m, &ci[i], &ev, t);
}

/* Close connection i with a reason at time t. */
static void
close_conn(int i, const char *reason, double t)
{
	struct obs_event ev = { .kind = OBS_CLOSED };

	ci[i].state = CS_CLOSED;
	snprintf(ci[i].reason, sizeof(ci[i].reason), "%s", reason);
	ui_model_event(&m, &ci[i], &ev, t);
}

/* Ids of the view in order, as "1,2,3". */
static const char *
view_ids(void)
{
	static char out[256];
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < m.nview; i++)
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%llu",
		    i > 0 ? "," : "", (unsigned long long)m.view[i]->info.id);
	return out;
}

/* Every event reaches its row; the newest message is described. */
static void
test_rows_and_last_message(void **state)
{
	struct ui_conn *c;

	(void)state;
	assert_int_equal(m.nconns, NCONN);
	assert_int_equal(m.nview, NCONN);
	msg(2, 1, "hello \xe4\xbd\xa0\xe5\xa5\xbd\n", 101);
	msg(2, 0, "Follow the white rabbit. \xf0\x9f\x90\xb0\n", 101.1);
	c = ui_model_find(&m, 3);
	assert_non_null(c);
	assert_int_equal(c->nmsgs, 2);
	assert_non_null(strstr(ui_model_last(c), "white rabbit"));
	assert_null(ui_model_find(&m, 99));
	assert_ptr_equal(ui_model_conn_info(c), &ci[2]);
}

/* A connection keeps at most UI_MSG_MAX messages and counts the rest. */
static void
test_ring_is_bounded(void **state)
{
	struct ui_conn *c;
	char text[32];
	int i;

	(void)state;
	for (i = 0; i < UI_MSG_MAX + 10; i++) {
		snprintf(text, sizeof(text), "m%d\n", i);
		msg(0, i % 2, text, 101 + i);
	}
	c = ui_model_find(&m, 1);
	assert_int_equal(c->nmsgs, UI_MSG_MAX);
	assert_int_equal(c->lost, 10);
	assert_memory_equal(c->mfirst->data, "m10\n", 4);
	assert_string_equal(ui_model_last(c), "m73");
}

/* A huge message keeps UI_MSG_BYTES, and the global budget holds. */
static void
test_bytes_are_bounded(void **state)
{
	char *big = malloc(3 * UI_MSG_BYTES);
	struct ui_conn *c;
	int i;

	(void)state;
	memset(big, 'x', 3 * UI_MSG_BYTES - 2);
	big[3 * UI_MSG_BYTES - 2] = '\n';
	big[3 * UI_MSG_BYTES - 1] = '\0';
	m.msg_total = 8 * (UI_MSG_BYTES + 256);
	for (i = 0; i < 40; i++)
		msg(i % NCONN, 0, big, 101 + i);
	c = ui_model_find(&m, 1);
	assert_int_equal(c->mlast->kept, UI_MSG_BYTES);
	assert_int_equal(c->mlast->len, 3 * UI_MSG_BYTES - 1);
	assert_true(m.msg_bytes <= m.msg_total);
	assert_non_null(strstr(ui_model_last(c), "bytes)"));
	free(big);
}

/* Sorting by a column orders rows, ties by id, and S reverses. */
static void
test_sort_order(void **state)
{
	(void)state;
	ci[0].bytes_in = 50;
	ci[1].bytes_in = 10;
	ci[2].bytes_in = 50;
	ci[3].bytes_in = 70;
	ci[4].bytes_in = 0;
	ci[5].bytes_in = 10;
	ui_model_set_sort(&m, UI_COL_BIN, 0);
	ui_model_refresh(&m, 101);
	assert_string_equal(view_ids(), "5,2,6,1,3,4");
	ui_model_set_sort(&m, UI_COL_BIN, 1);
	ui_model_refresh(&m, 102);
	assert_string_equal(view_ids(), "4,3,1,6,2,5");
	ui_model_set_sort(&m, UI_COL_SIDE, 0);
	ui_model_refresh(&m, 103);
	assert_string_equal(view_ids(), "1,3,5,2,4,6");
	ui_model_set_sort(&m, UI_COL_ID, 0);
	ui_model_refresh(&m, 104);
	assert_string_equal(view_ids(), "1,2,3,4,5,6");
	assert_int_equal(ui_model_index(&m, 4), 3);
	assert_int_equal(ui_model_index(&m, 44), -1);
	assert_string_equal(ui_model_col_name(UI_COL_LAST), "LAST MESSAGE");
}

/* The filter is a case-insensitive substring of state, peer or the last
 * message. */
static void
test_filter(void **state)
{
	(void)state;
	msg(4, 0, "Follow the white rabbit\n", 101);
	ui_model_set_filter(&m, "RABBIT");
	ui_model_refresh(&m, 101);
	assert_string_equal(view_ids(), "5");
	ui_model_set_filter(&m, "10.0.0.3");
	ui_model_refresh(&m, 101);
	assert_string_equal(view_ids(), "4");
	close_conn(1, "EOF (peer closed)", 101);
	ui_model_set_filter(&m, "closed");
	ui_model_refresh(&m, 101);
	assert_string_equal(view_ids(), "2");
	ui_model_set_filter(&m, "");
	ui_model_refresh(&m, 101);
	assert_int_equal(m.nview, NCONN);
}

/* Closed rows stay for UI_LINGER seconds with their reason, then go;
 * a pinned (focused) row stays. New rows append in id order. */
static void
test_expire_closed(void **state)
{
	struct obs_event ev = { .kind = OBS_OPENED };
	struct conn_info extra;
	struct ui_conn *c;

	(void)state;
	ui_model_set_sort(&m, UI_COL_ID, 0);
	ui_model_refresh(&m, 100);
	close_conn(0, "EOF (peer closed)", 200);
	close_conn(3, "connection reset by peer", 200);
	c = ui_model_find(&m, 4);
	c->pinned = 1;
	assert_int_equal(ui_model_expire(&m, 203), 0);
	c = ui_model_find(&m, 1);
	assert_null(c->live);
	assert_string_equal(c->info.reason, "EOF (peer closed)");
	assert_int_equal(c->mlast->kind, UI_MSG_EVENT);
	assert_memory_equal(c->mlast->data, "closed: EOF", 11);
	assert_int_equal(ui_model_expire(&m, 205.5), 1);
	assert_null(ui_model_find(&m, 1));
	assert_string_equal(view_ids(), "2,3,4,5,6");
	memset(&extra, 0, sizeof(extra));
	extra.id = 7;
	extra.state = CS_CONNECTING;
	ui_model_event(&m, &extra, &ev, 206);
	assert_string_equal(view_ids(), "2,3,4,5,6,7");
	ui_model_find(&m, 4)->pinned = 0;
	assert_int_equal(ui_model_expire(&m, 206), 1);
	assert_string_equal(view_ids(), "2,3,5,6,7");
	ev.kind = OBS_CLOSED;
	ui_model_event(&m, &extra, &ev, 207);
}

/* With keep_closed a closed row outlives UI_LINGER (only the cap drops
 * it); the failed-only view lists failed rows alone, and a runner's
 * reason is shortened to file:line, step and why. */
static void
test_keep_closed_and_failed_only(void **state)
{
	char why[128];
	struct ui_conn *c;

	(void)state;
	ui_model_set_sort(&m, UI_COL_ID, 0);
	m.keep_closed = true;
	close_conn(0, "EOF (peer closed)", 200);
	ci[2].state = CS_FAILED;
	snprintf(ci[2].reason, sizeof(ci[2].reason), "scenario failed at "
	    "/tmp/d.x/fail:1.txt:8: expect mismatch");
	{
		struct obs_event ev = { .kind = OBS_CLOSED };

		ui_model_event(&m, &ci[2], &ev, 200);
	}
	assert_int_equal(ui_model_expire(&m, 200 + UI_LINGER * 10), 0);
	ui_model_refresh(&m, 300);
	assert_string_equal(view_ids(), "1,2,3,4,5,6");
	ui_model_set_failed_only(&m, true);
	ui_model_refresh(&m, 300);
	assert_string_equal(view_ids(), "3");
	ui_model_set_filter(&m, "open");
	ui_model_refresh(&m, 300);
	assert_string_equal(view_ids(), "");
	ui_model_set_filter(&m, "");
	ui_model_set_failed_only(&m, false);
	ui_model_refresh(&m, 300);
	assert_int_equal(m.nview, NCONN);
	c = ui_model_find(&m, 3);
	ui_model_reason(c, why, sizeof(why));
	assert_string_equal(why, "fail:1.txt:8: expect mismatch");
	ui_model_reason(ui_model_find(&m, 1), why, sizeof(why));
	assert_string_equal(why, "EOF (peer closed)");
	ui_model_reason(ui_model_find(&m, 2), why, sizeof(why));
	assert_string_equal(why, "");
	m.keep_closed = false;
	assert_int_equal(ui_model_expire(&m, 300), 2);
	assert_string_equal(view_ids(), "2,4,5,6");
}

/* The role of a test connection: "pub" for odd ids, none for even. */
static const char *
role_of(void *ctx, const struct conn_info *c)
{
	(void)ctx;
	return c->id % 2 ? "pub" : NULL;
}

/* Filter terms: fields, regexes, substrings, negation, all of them must
 * match, and a term that does not parse matches nothing with a reason. */
static void
test_filter_terms(void **state)
{
	(void)state;
	ui_model_set_sort(&m, UI_COL_ID, 0);
	m.role_of = role_of;
	msg(4, 0, "Follow the white rabbit\n", 101);
	close_conn(1, "EOF (peer closed)", 101);
	{
		struct obs_event ev = { .kind = OBS_CLOSED };

		ci[2].state = CS_FAILED;
		snprintf(ci[2].reason, sizeof(ci[2].reason), "scenario failed "
		    "at f.txt:3: expect timeout");
		ui_model_event(&m, &ci[2], &ev, 101);
	}
	{
		static const struct {
			const char *filter, *ids;
		} cases[] = {
			{ "state:fail", "3" },
			{ "state:closed", "2" },
			{ "state:open side:cli", "1,5" },
			{ "side:srv", "2,4,6" },
			{ "role:pub", "1,3,5" },
			{ "port:40003", "4" },
			{ "port:7000", "1,2,3,4,5,6" },
			{ "wh.te rab+it$", "5" },
			{ "^(closed|failed)$", "2,3" },
			{ "10.0.0.[12]", "2,3" },
			{ "!state:open", "2,3" },
			{ "expect timeout", "3" },
			{ "RABBIT", "5" },
			{ "", "1,2,3,4,5,6" },
		};
		size_t i;

		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			ui_model_set_filter(&m, cases[i].filter);
			ui_model_refresh(&m, 102);
			assert_string_equal(m.filter_err, "");
			if (strcmp(view_ids(), cases[i].ids) != 0)
				fail_msg("filter '%s': got %s, want %s",
				    cases[i].filter, view_ids(), cases[i].ids);
		}
	}
	ui_model_set_filter(&m, "rab(bit");
	ui_model_refresh(&m, 102);
	assert_string_equal(view_ids(), "");
	assert_non_null(strstr(m.filter_err, "'rab(bit' is not a regular "
	    "expression"));
	ui_model_set_filter(&m, "port:http");
	assert_string_equal(m.filter_err, "port:http is not a port number");
	ui_model_set_filter(&m, "side:x");
	assert_non_null(strstr(m.filter_err, "side:cli or side:srv"));
	ui_model_set_filter(&m, "a b c d e f g h i");
	assert_string_equal(m.filter_err, "more than 8 terms");
	ui_model_set_filter(&m, "a.b");	/* freed by teardown */
}

/* Rates come from the engine's totals, per completed second. */
static void
test_rates_from_totals(void **state)
{
	struct engine_totals t;

	(void)state;
	memset(&t, 0, sizeof(t));
	ui_model_sample(&m, &t, 1000.2);
	t.bytes_in = 1000;
	t.msgs_in = 10;
	ui_model_sample(&m, &t, 1000.7);
	t.bytes_in = 3000;
	t.bytes_out = 500;
	t.msgs_in = 30;
	ui_model_sample(&m, &t, 1001.5);
	assert_true(rate_per_sec(&m.r_bin, 1001.6) == 1000.0);
	assert_true(rate_per_sec(&m.r_min, 1001.6) == 10.0);
	assert_true(rate_per_sec(&m.r_bytes, 1002.1) == 2500.0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rows_and_last_message,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_is_bounded, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bytes_are_bounded, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sort_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expire_closed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_keep_closed_and_failed_only,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_terms, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rates_from_totals, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
