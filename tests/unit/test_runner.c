/* Unit tests for the scenario runner (src/script/runner.c) on a real loop
 * against the embedded echo: control flow picks each connection's path,
 * and every failed connection lands in the group of its step and reason. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "engine.h"
#include "runner.h"
#include "scenario.h"

/* Stop the loop when the run is over. */
static void
done_cb(struct runner *r, void *arg)
{
	(void)r;
	engine_stop(arg);
}

/* A run that is not over after 10 s fails the test rather than hang. */
static void
watchdog_cb(struct engine *e, void *arg)
{
	(void)arg;
	engine_stop(e);
}

/* Run scenario text to its end; the caller frees runner, engine, scenario
 * (through the out-parameters). */
static const struct run_result *
run_text(const char *text, struct engine **e, struct runner **r,
    struct scenario **sc)
{
	struct engine_limits lim;
	char err[1024];

	*sc = scenario_parse("t.txt", text, strlen(text), err, sizeof(err));
	if (*sc == NULL)
		fail_msg("parse: %s", err);
	engine_limits_default(&lim);
	*e = engine_new(&lim);
	*r = runner_new(*e, *sc, NULL, err, sizeof(err));
	assert_non_null(*r);
	if (runner_start(*r, err, sizeof(err)) != 0)
		fail_msg("start: %s", err);
	runner_on_done(*r, done_cb, *e);
	engine_after(*e, 10, watchdog_cb, NULL);
	engine_run(*e);
	return runner_result(*r);
}

static void
finish(struct engine *e, struct runner *r, struct scenario *sc)
{
	runner_free(r);
	engine_free(e);
	scenario_free(sc);
}

static void
test_failures_are_grouped_by_step_and_reason(void **state)
{
	static const char text[] =
	    "codec line\n"				/* 1 */
	    "service echo\n"				/* 2 */
	    "connections 6\n"				/* 3 */
	    "timeout 2s\n"				/* 4 */
	    "if conn % 2 == 0\n"			/* 5 */
	    "  send \"x${conn}\"\n"			/* 6 */
	    "  expect \"y\"\n"				/* 7 */
	    "else\n"					/* 8 */
	    "  if conn == 1\n"				/* 9 */
	    "    expect \"z\" timeout 100ms\n"		/* 10 */
	    "  end\n"					/* 11 */
	    "end\n";					/* 12 */
	const struct run_result *res;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	res = run_text(text, &e, &r, &sc);
	assert_int_equal(res->passed, 2);
	assert_int_equal(res->failed, 4);
	assert_int_equal(res->ngroups, 2);
	assert_int_equal(res->other, 0);
	/* Groups come in the order they first appeared: the timeout takes
	 * 100ms, the mismatches come at once. */
	assert_int_equal(res->groups[0].line, 7);
	assert_string_equal(res->groups[0].step, "expect");
	assert_string_equal(res->groups[0].reason, "mismatch");
	assert_int_equal(res->groups[0].count, 3);
	assert_string_equal(res->groups[0].file, "t.txt");
	assert_non_null(strstr(res->groups[0].text, "expect bytes"));
	assert_int_equal(res->groups[1].line, 10);
	assert_string_equal(res->groups[1].reason, "timeout");
	assert_int_equal(res->groups[1].count, 1);
	assert_int_equal(res->groups[1].conn, 1);
	finish(e, r, sc);
}

static void
test_loops_sets_and_until_run_as_written(void **state)
{
	static const char text[] =
	    "codec line\n"
	    "service echo\n"
	    "connections 3\n"
	    "set total 0\n"
	    "repeat ${conn + 1} as i\n"
	    "  set total total + i\n"
	    "end\n"
	    "set k 0\n"
	    "repeat until k == 3 max 5\n"
	    "  set k k + 1\n"
	    "end\n"
	    "send \"${conn}:${total}:${k}\"\n"
	    "expect regex \"^(1:3|2:6|3:10):3$\"\n";
	const struct run_result *res;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	res = run_text(text, &e, &r, &sc);
	if (res->failed != 0)
		fail_msg("%s", res->failure);
	assert_int_equal(res->passed, 3);
	finish(e, r, sc);
}

static void
test_runtime_errors_and_exhausted_until_fail_their_step(void **state)
{
	static const char text[] =
	    "codec line\n"
	    "service echo\n"
	    "connections 2\n"
	    "if conn == 1\n"
	    "  set x 10 / (conn - 1)\n"			/* 5: division */
	    "else\n"
	    "  repeat until 0 max 3\n"			/* 7: exhausted */
	    "  end\n"
	    "end\n";
	const struct run_result *res;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;
	size_t i;
	int div = 0, until = 0;

	(void)state;
	res = run_text(text, &e, &r, &sc);
	assert_int_equal(res->failed, 2);
	for (i = 0; i < res->ngroups; i++) {
		if (res->groups[i].line == 5 &&
		    strcmp(res->groups[i].reason, "error") == 0 &&
		    strstr(res->groups[i].text, "division by zero") != NULL)
			div = 1;
		if (res->groups[i].line == 7 &&
		    strcmp(res->groups[i].reason, "until") == 0 &&
		    strstr(res->groups[i].text, "after 3 rounds") != NULL)
			until = 1;
	}
	assert_true(div && until);
	finish(e, r, sc);
}

static void
test_finally_runs_after_a_failure_and_reports_its_own(void **state)
{
	static const char text[] =
	    "codec line\n"				/* 1 */
	    "service echo\n"				/* 2 */
	    "connections 2\n"				/* 3 */
	    "send \"a\"\n"				/* 4 */
	    "expect \"a\"\n"				/* 5 */
	    "if conn == 2\n"				/* 6 */
	    "  expect \"z\" timeout 50ms\n"		/* 7: fails */
	    "end\n"					/* 8 */
	    "finally\n"				/* 9 */
	    "  send \"cleanup\"\n"			/* 10 */
	    "  expect \"cleanup\"\n"			/* 11 */
	    "  expect \"more\" timeout 50ms\n"		/* 12: fails */
	    "end\n";
	const struct run_result *res;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;
	size_t i;
	int main7 = 0, fin12 = 0;

	(void)state;
	res = run_text(text, &e, &r, &sc);
	/* Connection 1 passes its steps but its finally fails; connection
	 * 2 fails at 7, still runs its finally, which fails at 12. */
	assert_int_equal(res->failed, 2);
	for (i = 0; i < res->ngroups; i++) {
		if (res->groups[i].line == 7)
			main7 += (int)res->groups[i].count;
		if (res->groups[i].line == 12)
			fin12 += (int)res->groups[i].count;
	}
	assert_int_equal(main7, 1);
	assert_int_equal(fin12, 2);
	finish(e, r, sc);
}

static void
test_within_measures_when_the_reply_arrived(void **state)
{
	/* Connection 1: the echo answers at once; the reply waits, held,
	 * for the expect 30ms later and still passes. Connection 2: the send
	 * goes out in 1-byte chunks 30ms apart, so the whole line comes back
	 * at least 60ms after the send started. */
	static const char text[] =
	    "codec line\nservice echo\nconnections 2\n"
	    "if conn == 1\n"
	    "  send \"ab\"\n"
	    "  wait 30ms\n"
	    "  expect \"ab\" within 10ms\n"
	    "else\n"
	    "  send \"ab\" chunk 1 delay 30ms\n"
	    "  expect \"ab\" within 10ms\n"		/* line 10 */
	    "end\n";
	const struct run_result *res;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	res = run_text(text, &e, &r, &sc);
	assert_int_equal(res->passed, 1);
	assert_int_equal(res->failed, 1);
	assert_int_equal(res->ngroups, 1);
	assert_int_equal(res->groups[0].line, 10);
	assert_string_equal(res->groups[0].reason, "within");
	assert_true(res->groups[0].measured >= 0.055);
	assert_non_null(strstr(res->groups[0].text, "not within 10.000ms"));
	finish(e, r, sc);
}

static void
test_expect_sets_take_messages_in_any_order_or_the_first_match(void **state)
{
	static const char text[] =
	    "codec line\nservice echo\nconnections 2\n"
	    "merge\n  send \"b${conn}\"\n  send \"a${conn}\"\nend\n"
	    "expect any order\n"
	    "  expect regex \"^a[0-9]$\"\n"
	    "    capture first regex \"^a([0-9])$\"\n"
	    "  expect regex \"^b[0-9]$\"\n"
	    "end\n"
	    "send \"ERR ${first}\"\n"
	    "expect one of\n"
	    "  expect \"OK\"\n"
	    "    capture code regex \"(OK)\"\n"
	    "  expect regex \"^ERR\"\n"
	    "    capture code regex \"^ERR ([0-9])$\"\n"
	    "end\n"
	    "send \"${code}\"\n"
	    "expect \"${conn}\"\n"
	    "send \"neither\"\n"
	    "expect one of timeout 2s\n"		/* line 23 */
	    "  expect \"x\"\n"
	    "  expect \"y\"\n"
	    "end\n";
	const struct run_result *res;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	res = run_text(text, &e, &r, &sc);
	/* Everything up to line 22 passes on both connections; the last
	 * set matches none. */
	assert_int_equal(res->failed, 2);
	assert_int_equal(res->ngroups, 1);
	assert_int_equal(res->groups[0].line, 23);
	assert_string_equal(res->groups[0].reason, "mismatch");
	assert_non_null(strstr(res->groups[0].text, "matched none of the "
	    "alternatives"));
	assert_non_null(strstr(res->groups[0].text, "\"neither\""));
	finish(e, r, sc);
}

static void
test_optional_expects_pass_their_message_on_or_skip(void **state)
{
	static const char text[] =
	    "codec line\nservice echo\nconnections 2\n"
	    "send \"a${conn}\"\n"
	    "expect \"nope\" optional\n"		/* a1 passes on */
	    "expect \"a${conn}\"\n"
	    "send \"b\"\n"
	    "expect \"b\" optional\n"		/* takes b */
	    "expect \"z\" optional timeout 50ms\n"	/* nothing: skipped */
	    "send \"c\"\n"
	    "expect \"c\"\n";
	const struct run_result *res;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	res = run_text(text, &e, &r, &sc);
	if (res->failed != 0)
		fail_msg("%s", res->failure);
	assert_int_equal(res->passed, 2);
	finish(e, r, sc);
}

/* The group of (line, reason) in res, or NULL. */
static const struct run_failure *
group_at(const struct run_result *res, unsigned line, const char *reason)
{
	size_t i;

	for (i = 0; i < res->ngroups; i++)
		if (res->groups[i].line == line &&
		    strcmp(res->groups[i].reason, reason) == 0)
			return &res->groups[i];
	return NULL;
}

/* Run text: its one connection fails in the group of (line, reason) at a
 * step of kind step, whose example report holds want. */
static void
assert_fails_at(const char *text, unsigned line, const char *reason,
    const char *step, const char *want)
{
	const struct run_failure *g;
	const struct run_result *res;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	res = run_text(text, &e, &r, &sc);
	assert_int_equal(res->failed, 1);
	g = group_at(res, line, reason);
	if (g == NULL)
		fail_msg("no group at line %u (%s): %s", line, reason,
		    res->ngroups > 0 ? res->groups[0].text : "none");
	assert_string_equal(g->step, step);
	if (strstr(g->text, want) == NULL)
		fail_msg("report\n%s\nlacks '%s'", g->text, want);
	finish(e, r, sc);
}

static void
test_within_on_a_set_alternative_is_checked(void **state)
{
	/* The reply comes back 1 byte per 30ms: at least 30ms after the
	 * send. Connection 1: the matching alternative of a one of has
	 * within 10ms (from ${...}); connection 2: the second message of an
	 * any order, literal within 5ms; connection 3: within 5s passes, and
	 * a within on the alternative that does not match is not judged. It
	 * used to be parsed and never checked: every connection passed. */
	static const char text[] =
	    "codec line\nservice echo\nconnections 3\n"	/* 1-3 */
	    "set ms 10\n"					/* 4 */
	    "if conn == 1\n"					/* 5 */
	    "  send \"ab\" chunk 1 delay 30ms\n"		/* 6 */
	    "  expect one of\n"					/* 7 */
	    "    expect \"x\"\n"					/* 8 */
	    "    expect \"ab\" within ${ms}\n"			/* 9 */
	    "  end\n"						/* 10 */
	    "else\n"						/* 11 */
	    "  if conn == 2\n"					/* 12 */
	    "    send raw \"a\\nb\\n\" chunk 2 delay 30ms\n"	/* 13 */
	    "    expect any order\n"				/* 14 */
	    "      expect \"b\" within 5ms\n"			/* 15 */
	    "      expect \"a\" within 5s\n"			/* 16 */
	    "    end\n"						/* 17 */
	    "  else\n"						/* 18 */
	    "    send \"ab\" chunk 1 delay 30ms\n"		/* 19 */
	    "    expect one of\n"				/* 20 */
	    "      expect \"ab\" within 5s\n"			/* 21 */
	    "      expect \"x\" within 1ms\n"			/* 22 */
	    "    end\n"						/* 23 */
	    "  end\n"						/* 24 */
	    "end\n";
	const struct run_failure *g;
	const struct run_result *res;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	res = run_text(text, &e, &r, &sc);
	assert_int_equal(res->passed, 1);
	assert_int_equal(res->failed, 2);
	g = group_at(res, 9, "within");
	assert_non_null(g);
	assert_int_equal(g->conn, 1);
	assert_true(g->measured >= 0.025);
	assert_non_null(strstr(g->text, "not within 10.000ms"));
	/* "a" comes at once and takes line 16 (5s: fine); "b" comes 30ms
	 * after the send and fails line 15. */
	g = group_at(res, 15, "within");
	assert_non_null(g);
	assert_int_equal(g->conn, 2);
	assert_true(g->measured >= 0.025);
	assert_non_null(strstr(g->text, "not within 5.000ms"));
	finish(e, r, sc);
}

static void
test_within_of_an_alternative_from_a_bad_value_fails_its_line(void **state)
{
	(void)state;
	assert_fails_at("codec line\nservice echo\nset ms -1\nsend \"ab\"\n"
	    "expect one of\n  expect \"ab\"\n"
	    "  expect \"x\" within ${ms}\n"		/* line 7 */
	    "end\n", 7, "error", "expect", "runtime error: a within bound in "
	    "milliseconds of -1");
}

static void
test_set_report_names_field_alternatives_as_written(void **state)
{
	(void)state;
	assert_fails_at("codec resp\nservice echo\nset n 5\n"
	    "send raw \":4\\r\\n\"\n"
	    "expect one of\n"				/* line 5 */
	    "  expect int ${n}\n"
	    "  expect nil\n"
	    "  expect error regex \"^ERR ${n}\"\n"
	    "  expect \"4x\"\n"
	    "end\n", 5, "mismatch", "expect set", "still awaited:\n  line 6: "
	    "expect int 5\n  line 7: expect nil\n  line 8: expect error "
	    "regex /^ERR 5/\n  line 9: expect bytes");
}

static void
test_wait_from_a_negative_or_huge_value_is_a_runtime_error(void **state)
{
	/* Connection 1 waits ${-5}, 2 waits ${0} (no pause: passes), 3 waits
	 * ${2000000000} (over a week) on line 6. A negative wait used to be
	 * taken as 0 and a huge one cut to a week, unlike every other
	 * duration. */
	static const char text[] =
	    "codec line\nservice echo\nconnections 3\n"
	    "set ms (conn - 2) * 5\n"
	    "if conn == 3\n"
	    "  wait ${ms * 400000000}\n"			/* line 6 */
	    "end\n"
	    "wait ${ms}\n"					/* line 8 */
	    "send \"x\"\nexpect \"x\"\n";
	const struct run_result *res;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;
	int neg = 0, huge = 0;
	size_t i;

	(void)state;
	res = run_text(text, &e, &r, &sc);
	assert_int_equal(res->passed, 1);
	assert_int_equal(res->failed, 2);
	assert_int_equal(res->ngroups, 2);
	for (i = 0; i < res->ngroups; i++) {
		assert_string_equal(res->groups[i].step, "wait");
		assert_string_equal(res->groups[i].reason, "error");
		neg |= res->groups[i].line == 8 && strstr(res->groups[i].text,
		    "runtime error: a wait in milliseconds of -5 (expected 0 "
		    "to 604800000)") != NULL;
		huge |= res->groups[i].line == 6 && strstr(res->groups[i].text,
		    "of 2000000000 (expected 0 to 604800000)") != NULL;
	}
	assert_true(neg && huge);
	finish(e, r, sc);
}

static void
test_capture_in_a_set_with_a_bad_offset_is_a_runtime_error(void **state)
{
	/* A set's captures are prepared when their alternative matched, as
	 * captures outside sets: a negative offset fails with reason error
	 * at the capture's line (it was a mismatch). */
	(void)state;
	assert_fails_at("codec len16\nservice echo\nset n -1\n"
	    "send pack u16be 1\n"
	    "expect one of\n"
	    "  expect length 2\n"
	    "    capture v u16be at ${n}\n"			/* line 7 */
	    "end\n", 7, "error", "capture", "capture v: runtime error: a byte "
	    "offset of -1 (expected 0 to 1000000000)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failures_are_grouped_by_step_and_reason),
		cmocka_unit_test(test_loops_sets_and_until_run_as_written),
		cmocka_unit_test(test_runtime_errors_and_exhausted_until_fail_their_step),
		cmocka_unit_test(test_finally_runs_after_a_failure_and_reports_its_own),
		cmocka_unit_test(test_within_measures_when_the_reply_arrived),
		cmocka_unit_test(test_expect_sets_take_messages_in_any_order_or_the_first_match),
		cmocka_unit_test(test_optional_expects_pass_their_message_on_or_skip),
		cmocka_unit_test(test_within_on_a_set_alternative_is_checked),
		cmocka_unit_test(test_within_of_an_alternative_from_a_bad_value_fails_its_line),
		cmocka_unit_test(test_set_report_names_field_alternatives_as_written),
		cmocka_unit_test(test_wait_from_a_negative_or_huge_value_is_a_runtime_error),
		cmocka_unit_test(test_capture_in_a_set_with_a_bad_offset_is_a_runtime_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
