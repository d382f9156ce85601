/* Reports of what the wire did: binary bytes shown as \xNN (even when
 * they happen to be valid UTF-8, like de ad), the compared bytes of a
 * failure read once (nothing compared: null), connection warnings and a
 * failed connect in every format. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "match.h"
#include "report.h"
#include "scenario.h"
#include "template.h"
#include "util.h"

#define B(s)	((const unsigned char *)(s)), (sizeof(s) - 1)

/* Text, in any script, with marks after their letters, is text; bytes
 * with controls, invalid UTF-8, invisible characters or a lone mark are
 * binary. */
static void
binary_looking_bytes_are_told_from_text(void **state)
{
	(void)state;
	assert_int_equal(bytes_look_binary(B("hello\r\n")), 0);
	assert_int_equal(bytes_look_binary(B("hello\x01")), 0);	/* ASCII */
	assert_int_equal(bytes_look_binary(B("caf\xc3\xa9 cr\xc3\xa8me")), 0);
	assert_int_equal(bytes_look_binary(B("\xd0\x9f\xd1\x80\xd0\xb8")), 0);
	assert_int_equal(bytes_look_binary(B("e\xcc\x81t\xc3\xa9")), 0);
	/* Hebrew shin with dagesh and shin dot: marks after a letter. */
	assert_int_equal(bytes_look_binary(B("\xd7\xa9\xd6\xbc\xd7\x81")), 0);
	assert_int_equal(bytes_look_binary(B("\xe2\x82\xac 5")), 0);
	/* de ad is U+07AD, a Thaana mark with no letter before it. */
	assert_int_equal(bytes_look_binary(B("\xde\xad")), 1);
	assert_int_equal(bytes_look_binary(B("\xcc\x81")), 1);
	assert_int_equal(bytes_look_binary(B("caf\xc3\xa9\x00")), 1);
	assert_int_equal(bytes_look_binary(B("\xde\xad\xbe\xef")), 1);
	assert_int_equal(bytes_look_binary(B("a\xe2\x80\x8b")), 1);
	assert_int_equal(bytes_look_binary(B("\xc2\x85x")), 1);
	assert_int_equal(bytes_look_binary(B("\xee\x80\x80")), 1);
	assert_int_equal(bytes_look_binary(B("\xef\xbf\xbe")), 1);
}

/* Fixture for the match reports. */
static struct scenario *msc;
static struct vars mv;
static struct buf why;

static const char *
report_of(size_t step, const char *body, size_t n)
{
	struct codec_frame f;

	memset(&f, 0, sizeof(f));
	f.frame = f.body = (const unsigned char *)body;
	f.frame_len = f.body_len = n;
	buf_reset(&why);
	assert_int_equal(match_expect(&msc->steps[step], &f, &mv, &why),
	    MATCH_FAIL);
	buf_append(&why, "", 1);
	return (const char *)buf_data(&why);
}

/* Before any report, and on a second read, the detail is empty: a
 * failure with nothing compared (refused, protocol error) carries no
 * stale or zero first difference. */
static void
detail_is_read_once_and_empty_without_a_report(void **state)
{
	static const char text[] = "expect \"xy\"\n";
	struct match_detail d;
	char err[256];

	(void)state;
	match_last_detail(&d);
	assert_int_equal(d.diff_offset, SIZE_MAX);
	assert_null(d.expected);
	assert_null(d.received);
	msc = scenario_parse("t.txt", text, strlen(text), err, sizeof(err));
	assert_non_null(msc);
	vars_init(&mv, 1, 7);
	buf_init(&why);
	report_of(0, "xz", 2);
	match_last_detail(&d);
	assert_int_equal(d.diff_offset, 1);
	assert_non_null(d.received);
	match_last_detail(&d);
	assert_int_equal(d.diff_offset, SIZE_MAX);
	assert_null(d.received);
	scenario_free(msc);
	vars_free(&mv);
	buf_free(&why);
}

/* The received line of a failure shows de ad as "\xde\xad", not as the
 * character U+07AD; under `expect hex` every byte is \xNN; text that is
 * text (café) is shown as before. */
static void
binary_received_bytes_show_as_hex_escapes(void **state)
{
	static const char text[] = "expect \"xy\"\nexpect hex \"de ad be ??\"\n"
	    "expect \"cafe\"\n";
	char err[256];
	struct match_detail d;
	const char *r;

	(void)state;
	msc = scenario_parse("t.txt", text, strlen(text), err, sizeof(err));
	assert_non_null(msc);
	vars_init(&mv, 1, 7);
	buf_init(&why);
	r = report_of(0, "\xde\xad", 2);
	assert_non_null(strstr(r, "received 2 bytes: \"\\xde\\xad\""));
	assert_null(strstr(r, "\xde\xad"));
	match_last_detail(&d);
	assert_int_equal(d.hex, 0);
	r = report_of(1, "\xde\xad\xc3\xa9", 4);
	assert_non_null(strstr(r, "received 4 bytes: "
	    "\"\\xde\\xad\\xc3\\xa9\""));
	match_last_detail(&d);
	assert_int_equal(d.hex, 1);
	r = report_of(2, "caf\xc3\xa9", 5);
	assert_non_null(strstr(r, "received 5 bytes: \"caf\xc3\xa9\""));
	scenario_free(msc);
	vars_free(&mv);
	buf_free(&why);
}

/* The report rendered in one format, as a new string. */
static char *
render(const struct report *rep, enum report_format fmt)
{
	char *s = NULL;
	size_t n;
	FILE *f = open_memstream(&s, &n);

	report_write(f, rep, fmt);
	fclose(f);
	return s;
}

static struct scenario rsc;
static struct step rsteps[1];
static struct run_result res;

/* A scenario "s.txt" with one expect at line 5 and a run of conns. */
static void
run_of(uint64_t conns, uint64_t passed)
{
	memset(&rsc, 0, sizeof(rsc));
	memset(rsteps, 0, sizeof(rsteps));
	rsc.path = "s.txt";
	rsc.name = "s";
	rsteps[0].kind = STEP_EXPECT;
	rsteps[0].line = 5;
	rsc.steps = rsteps;
	rsc.nsteps = 1;
	memset(&res, 0, sizeof(res));
	hist_init(&res.latency);
	res.conns = conns;
	res.passed = passed;
	res.failed = conns - passed;
	res.t_start = 1.0;
	res.t_end = 1.5;
	res.done = 1;
}

/* A passing run whose connections warned: every format says so. */
static void
warnings_reach_every_format(void **state)
{
	struct report rep = { 0 };
	char *t, *line = NULL;
	size_t n;
	FILE *f;
	cJSON *root, *w;

	(void)state;
	run_of(3, 3);
	res.nwarnings = 1;
	res.warnings[0].text = "send after close or shutdown: 1 bytes dropped";
	res.warnings[0].count = 3;
	res.warnings[0].conn = 2;
	res.warnings_other = 4;
	report_add(&rep, &rsc, "127.0.0.1:1", &res, NULL);
	assert_true(rep.items[0].passed);
	f = open_memstream(&line, &n);
	report_line(f, &rep.items[0]);
	fclose(f);
	assert_non_null(strstr(line, "\n    warning: connection 2: send after "
	    "close or shutdown: 1 bytes dropped (3 times)\n"));
	assert_non_null(strstr(line, "    warning: 4 more warnings not "
	    "kept\n"));
	free(line);
	t = render(&rep, REPORT_TAP);
	assert_non_null(strstr(t, "ok 1 - s (s.txt)\n# warning: connection 2: "
	    "send after close"));
	free(t);
	t = render(&rep, REPORT_JUNIT);
	assert_non_null(strstr(t, "<system-err>warning: connection 2: send "
	    "after close"));
	free(t);
	t = render(&rep, REPORT_JSON);
	root = cJSON_Parse(t);
	assert_non_null(root);
	w = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(root, "scenarios"), 0), "warnings"), 0);
	assert_non_null(w);
	assert_string_equal(cJSON_GetObjectItem(w, "message")->valuestring,
	    "send after close or shutdown: 1 bytes dropped");
	assert_int_equal(cJSON_GetObjectItem(w, "count")->valueint, 3);
	assert_int_equal(cJSON_GetObjectItem(w, "connection")->valueint, 2);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(root, "scenarios"), 0),
	    "warnings_not_kept")->valueint, 4);
	cJSON_Delete(root);
	free(t);
	report_free(&rep);
}

/* A connect that failed (step "connect", line 0) reads "failed to
 * connect", not "failed at" a step that never ran; a group from an
 * `expect hex` shows its bytes as \xNN in JSON. */
static void
failed_connect_and_hex_groups_render(void **state)
{
	static unsigned char got[] = { 0xde, 0xad };
	struct report rep = { 0 };
	struct run_failure *g;
	char *t;

	(void)state;
	run_of(2, 0);
	res.ngroups = 2;
	g = &res.groups[0];
	g->file = "s.txt";
	g->line = 0;
	g->step = "connect";
	g->reason = "refused";
	g->count = 1;
	g->conn = 1;
	g->text = "connection failed: connect: connection refused";
	g->diff_offset = SIZE_MAX;
	g->measured = -1;
	g = &res.groups[1];
	g->file = "s.txt";
	g->line = 5;
	g->step = "expect";
	g->reason = "mismatch";
	g->count = 1;
	g->conn = 2;
	g->text = "expect hex: first difference at byte 0";
	g->received = got;
	g->received_len = 2;
	g->diff_offset = 0;
	g->measured = -1;
	g->hex = 1;
	res.failure = "s.txt: connection 1: connection failed";
	report_add(&rep, &rsc, "127.0.0.1:9", &res, NULL);
	assert_string_equal(rep.items[0].summary, "1 connection failed to "
	    "connect (refused), 1 at s.txt:5 (mismatch)");
	t = render(&rep, REPORT_TEXT);
	assert_non_null(strstr(t, "    1 failed to connect to 127.0.0.1:9 "
	    "(refused), first: connection 1\n"));
	free(t);
	t = render(&rep, REPORT_JSON);
	assert_non_null(strstr(t, "\"text\":\t\"\\\\xde\\\\xad\""));
	free(t);
	report_free(&rep);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(binary_looking_bytes_are_told_from_text),
		cmocka_unit_test(detail_is_read_once_and_empty_without_a_report),
		cmocka_unit_test(binary_received_bytes_show_as_hex_escapes),
		cmocka_unit_test(warnings_reach_every_format),
		cmocka_unit_test(failed_connect_and_hex_groups_render),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
