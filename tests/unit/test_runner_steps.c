/* Unit tests for the runner's per-step counters (struct run_step, the
 * dashboard's step screen) on a real loop against the embedded echo: where
 * connections wait now, how many went past each step, where they failed
 * and how, the latency of each expect, and per role. */
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

/* Stop the loop: a run that must be looked at while it runs, or one that
 * is not over after 10 s (which then fails its test rather than hang). */
static void
stop_cb(struct engine *e, void *arg)
{
	(void)arg;
	engine_stop(e);
}

/* Run scenario text until it is over or for secs seconds. */
static struct runner *
run_text(const char *text, double secs, struct engine **e,
    struct scenario **sc)
{
	struct engine_limits lim;
	struct runner *r;
	char err[1024];

	*sc = scenario_parse("t.txt", text, strlen(text), err, sizeof(err));
	if (*sc == NULL)
		fail_msg("parse: %s", err);
	engine_limits_default(&lim);
	*e = engine_new(&lim);
	r = runner_new(*e, *sc, NULL, err, sizeof(err));
	assert_non_null(r);
	if (runner_start(r, err, sizeof(err)) != 0)
		fail_msg("start: %s", err);
	runner_on_done(r, done_cb, *e);
	engine_after(*e, secs, stop_cb, NULL);
	engine_run(*e);
	return r;
}

/* The counters of program p's step at line (the first step there). */
static const struct run_step *
step_at(const struct run_program *p, unsigned line)
{
	size_t i;

	for (i = 0; i < p->nsteps; i++)
		if (p->steps[i].line == line)
			return &p->stats[i];
	fail_msg("no step at line %u", line);
	return NULL;
}

static void
finish(struct engine *e, struct runner *r, struct scenario *sc)
{
	runner_free(r);
	engine_free(e);
	scenario_free(sc);
}

static void
test_steps_count_passes_and_failures_by_kind(void **state)
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
	const struct run_program *p;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;
	size_t i;

	(void)state;
	r = run_text(text, 10, &e, &sc);
	assert_int_equal(runner_nprograms(r), 1);
	p = runner_program(r, 0);
	assert_null(p->name);
	assert_int_equal(p->connect.passed, 6);
	assert_int_equal(p->connect.at, 0);
	assert_int_equal(step_at(p, 5)->passed, 6);
	assert_int_equal(step_at(p, 6)->passed, 3);
	/* The echo answers "x2", "x4", "x6": three mismatches, unexpected. */
	assert_int_equal(step_at(p, 7)->passed, 0);
	assert_int_equal(step_at(p, 7)->unexpected, 3);
	assert_int_equal(step_at(p, 7)->timeouts, 0);
	assert_int_equal(step_at(p, 9)->passed, 3);
	assert_int_equal(step_at(p, 10)->timeouts, 1);
	assert_int_equal(step_at(p, 10)->unexpected, 0);
	assert_int_equal(step_at(p, 10)->passed, 0);
	for (i = 0; i < p->nsteps; i++) {
		assert_int_equal(p->stats[i].at, 0);
		assert_int_equal(p->stats[i].errors, 0);
	}
	finish(e, r, sc);
}

static void
test_expects_carry_their_latency_and_close_is_passed(void **state)
{
	static const char text[] =
	    "codec line\n"				/* 1 */
	    "service echo\n"				/* 2 */
	    "connections 3\n"				/* 3 */
	    "send \"a\"\n"				/* 4 */
	    "expect \"a\"\n"				/* 5 */
	    "send \"b\"\n"				/* 6 */
	    "expect \"b\"\n"				/* 7 */
	    "close\n";					/* 8 */
	const struct run_program *p;
	const struct run_step *s;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	r = run_text(text, 10, &e, &sc);
	assert_int_equal(runner_result(r)->passed, 3);
	p = runner_program(r, 0);
	assert_int_equal(step_at(p, 4)->passed, 3);
	assert_int_equal(step_at(p, 4)->lat_n, 0);
	s = step_at(p, 5);
	assert_int_equal(s->passed, 3);
	assert_int_equal(s->lat_n, 3);
	assert_true(s->lat_max > 0 && s->lat_sum >= s->lat_max);
	assert_int_equal(step_at(p, 7)->lat_n, 3);
	assert_int_equal(step_at(p, 8)->passed, 3);
	/* Every sample of the run's histogram is some step's. */
	assert_int_equal(step_at(p, 5)->lat_n + step_at(p, 7)->lat_n,
	    hist_count(&runner_result(r)->latency));
	finish(e, r, sc);
}

static void
test_waiting_connections_are_counted_at_their_step_until_restart(void **state)
{
	static const char text[] =
	    "codec line\n"				/* 1 */
	    "service echo\n"				/* 2 */
	    "connections 4\n"				/* 3 */
	    "send \"a\"\n"				/* 4 */
	    "expect \"a\"\n"				/* 5 */
	    "expect \"never\" timeout 30s\n";		/* 6 */
	const struct run_program *p;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	r = run_text(text, 0.5, &e, &sc);
	p = runner_program(r, 0);
	assert_int_equal(step_at(p, 6)->at, 4);
	assert_int_equal(step_at(p, 5)->at, 0);
	assert_int_equal(step_at(p, 5)->passed, 4);
	assert_int_equal(p->connect.at, 0);
	runner_restart(r);
	assert_int_equal(step_at(p, 6)->at, 0);
	assert_int_equal(step_at(p, 5)->passed, 0);
	/* The old connections close after the restart: they do not count. */
	engine_after(e, 0.5, stop_cb, NULL);
	engine_run(e);
	assert_int_equal(step_at(p, 6)->at, 4);
	assert_int_equal(step_at(p, 5)->passed, 4);
	assert_int_equal(step_at(p, 6)->timeouts, 0);
	finish(e, r, sc);
}

static void
test_roles_have_a_program_each(void **state)
{
	static const char text[] =
	    "codec line\n"				/* 1 */
	    "service echo\n"				/* 2 */
	    "role pub 1\n"				/* 3 */
	    "  send \"p\"\n"				/* 4 */
	    "  expect \"p\"\n"				/* 5 */
	    "end\n"					/* 6 */
	    "role sub 2\n"				/* 7 */
	    "  send \"s\"\n"				/* 8 */
	    "  expect \"q\"\n"				/* 9 */
	    "end\n";					/* 10 */
	const struct run_program *p;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	r = run_text(text, 10, &e, &sc);
	assert_int_equal(runner_nprograms(r), 2);
	p = runner_program(r, 0);
	assert_string_equal(p->name, "pub");
	assert_int_equal(step_at(p, 5)->passed, 1);
	assert_int_equal(p->connect.passed, 1);
	p = runner_program(r, 1);
	assert_string_equal(p->name, "sub");
	assert_int_equal(step_at(p, 8)->passed, 2);
	assert_int_equal(step_at(p, 9)->unexpected, 2);
	assert_int_equal(p->connect.passed, 2);
	finish(e, r, sc);
}

static void
test_a_barrier_carries_the_time_connections_waited_there(void **state)
{
	static const char text[] =
	    "codec line\n"				/* 1 */
	    "service echo\n"				/* 2 */
	    "role early 2\n"				/* 3 */
	    "  barrier go\n"				/* 4 */
	    "end\n"					/* 5 */
	    "role late 1\n"				/* 6 */
	    "  wait 300ms\n"				/* 7 */
	    "  barrier go\n"				/* 8 */
	    "end\n";					/* 9 */
	const struct run_step *s;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	r = run_text(text, 10, &e, &sc);
	assert_int_equal(runner_result(r)->passed, 3);
	s = step_at(runner_program(r, 0), 4);
	assert_int_equal(s->passed, 2);
	/* Both early ones waited for the late one's 300 ms (a loaded
	 * machine makes it longer, never shorter). */
	assert_int_equal(s->lat_n, 2);
	assert_true(s->lat_sum / 2 >= 250000 && s->lat_max < 5000000);
	/* The late one came last: it did not wait there. */
	s = step_at(runner_program(r, 1), 8);
	assert_int_equal(s->passed, 1);
	assert_int_equal(s->lat_n, 0);
	finish(e, r, sc);
}

static void
test_a_refused_connect_counts_at_the_connect(void **state)
{
	static const char text[] =
	    "codec line\n"
	    "connections 2\n"
	    "send \"a\"\n";
	struct engine_limits lim;
	struct run_opts o;
	const struct run_program *p;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;
	char err[256];

	(void)state;
	sc = scenario_parse("t.txt", text, strlen(text), err, sizeof(err));
	assert_non_null(sc);
	engine_limits_default(&lim);
	e = engine_new(&lim);
	memset(&o, 0, sizeof(o));
	o.connect = "127.0.0.1:1";	/* nothing listens on port 1 */
	r = runner_new(e, sc, &o, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(runner_start(r, err, sizeof(err)), 0);
	runner_on_done(r, done_cb, e);
	engine_after(e, 10, stop_cb, NULL);
	engine_run(e);
	p = runner_program(r, 0);
	assert_int_equal(runner_result(r)->failed, 2);
	assert_int_equal(p->connect.unexpected, 2);
	assert_int_equal(p->connect.passed, 0);
	assert_int_equal(p->connect.at, 0);
	assert_int_equal(p->stats[0].passed, 0);
	finish(e, r, sc);
}

static void
test_load_says_target_open_pending_and_takes_a_new_rate(void **state)
{
	static const char text[] =
	    "codec line\n"
	    "service echo\n"
	    "connections 10\n"
	    "rate 4\n"
	    "send \"a\"\n"
	    "expect \"a\"\n"
	    "expect \"hold\" timeout 30s\n";
	struct run_load l;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	r = run_text(text, 0.6, &e, &sc);
	runner_load(r, &l);
	assert_int_equal(l.target, 10);
	assert_true(l.rate == 4);
	/* The first at once, then 4 a second: 2 to 4 in 0.6 s (a loaded
	 * machine may be late, never early). */
	assert_true(l.open >= 1 && l.open <= 4);
	assert_int_equal(l.open + l.connecting + l.pending, 10);
	runner_set_rate(r, 0);
	engine_after(e, 0.5, stop_cb, NULL);
	engine_run(e);
	runner_load(r, &l);
	assert_true(l.rate == 0);
	assert_int_equal(l.pending, 0);
	assert_int_equal(l.open, 10);
	assert_int_equal(step_at(runner_program(r, 0), 7)->at, 10);
	runner_restart(r);
	runner_load(r, &l);
	assert_true(l.rate == 4);	/* the scenario's again */
	assert_true(l.open <= 1);
	finish(e, r, sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steps_count_passes_and_failures_by_kind),
		cmocka_unit_test(test_expects_carry_their_latency_and_close_is_passed),
		cmocka_unit_test(test_waiting_connections_are_counted_at_their_step_until_restart),
		cmocka_unit_test(test_roles_have_a_program_each),
		cmocka_unit_test(test_a_barrier_carries_the_time_connections_waited_there),
		cmocka_unit_test(test_a_refused_connect_counts_at_the_connect),
		cmocka_unit_test(test_load_says_target_open_pending_and_takes_a_new_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
