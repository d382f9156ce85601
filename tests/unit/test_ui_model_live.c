/* Unit tests for the dashboard's filtered view following state changes at
 * once (issue 15): a row that comes to match the filter (or the failed-only
 * view) joins the view where the order puts it, and one that no longer
 * matches leaves it, without waiting for the next re-sort. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "ui_model.h"

#define NCONN	6

static struct ui_model m;
static struct conn_info ci[NCONN];

/* NCONN open client connections, the view refreshed (newest first). */
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
		ci[i].side = SIDE_CLIENT;
		ci[i].state = CS_OPEN;
		ci[i].codec = &codec_line;
		ci[i].rtt_last = -1;
		snprintf(ci[i].local, sizeof(ci[i].local), "127.0.0.1:%d",
		    40000 + i);
		snprintf(ci[i].peer, sizeof(ci[i].peer), "127.0.0.1:7000");
		ui_model_event(&m, &ci[i], &ev, 100.0);
	}
	ui_model_refresh(&m, 100.0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	ui_model_free(&m);
	return 0;
}

/* Connection i ends in state st at time t (a state event, then the
 * close, as the engine tells them). */
static void
end_conn(int i, enum conn_state st, double t)
{
	struct obs_event ev = { .kind = OBS_STATE };

	ci[i].state = st;
	snprintf(ci[i].reason, sizeof(ci[i].reason), "%s", st == CS_FAILED ?
	    "scenario failed at t.txt:3: expect timeout" : "scenario done");
	ui_model_event(&m, &ci[i], &ev, t);
	ev.kind = OBS_CLOSED;
	ui_model_event(&m, &ci[i], &ev, t);
}

/* Ids of the view in order, as "1,2,3". */
static const char *
view_ids(void)
{
	static char out[128];
	size_t i, off = 0;

	out[0] = '\0';
	for (i = 0; i < m.nview && off < sizeof(out); i++)
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%llu",
		    i > 0 ? "," : "", (unsigned long long)m.view[i]->info.id);
	return out;
}

static void
test_rows_leave_a_state_filter_as_they_close(void **state)
{
	(void)state;
	ui_model_set_filter(&m, "state:open");
	ui_model_refresh(&m, 101.0);
	assert_string_equal(view_ids(), "6,5,4,3,2,1");	/* newest first */
	end_conn(2, CS_CLOSED, 101.2);		/* id 3 */
	assert_string_equal(view_ids(), "6,5,4,2,1");
	end_conn(5, CS_FAILED, 101.3);		/* id 6 */
	assert_string_equal(view_ids(), "5,4,2,1");
	assert_int_equal(m.view_dirty, 0);	/* no re-sort was needed */
}

static void
test_rows_join_the_failed_view_where_the_order_puts_them(void **state)
{
	(void)state;
	ui_model_set_sort(&m, UI_COL_ID, 1);	/* newest first */
	ui_model_set_failed_only(&m, true);
	ui_model_refresh(&m, 101.0);
	assert_string_equal(view_ids(), "");
	end_conn(1, CS_FAILED, 101.1);		/* id 2 */
	assert_string_equal(view_ids(), "2");
	end_conn(4, CS_FAILED, 101.2);		/* id 5 */
	end_conn(3, CS_CLOSED, 101.3);		/* id 4: not failed */
	end_conn(2, CS_FAILED, 101.4);		/* id 3 */
	assert_string_equal(view_ids(), "5,3,2");
	assert_true(m.view[0]->in_view && !ui_model_find(&m, 4)->in_view);
}

static void
test_a_text_filter_follows_the_close_reason(void **state)
{
	(void)state;
	ui_model_set_filter(&m, "t.txt:3");
	ui_model_refresh(&m, 101.0);
	assert_string_equal(view_ids(), "");
	end_conn(0, CS_FAILED, 101.1);
	assert_string_equal(view_ids(), "1");
	end_conn(1, CS_CLOSED, 101.2);
	assert_string_equal(view_ids(), "1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_rows_leave_a_state_filter_as_they_close, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_rows_join_the_failed_view_where_the_order_puts_them,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_text_filter_follows_the_close_reason, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
