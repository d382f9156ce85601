/* Unit tests for scripted servers (`accept ... end`, issue 14): the parser
 * puts the block in a program of its own, the runner plays it on every
 * accepted connection of the same loop, a server script's failure fails
 * the run at its line, and `reset` really sends an RST. */
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

/* A run not over after 10 s fails the test rather than hang. */
static void
watchdog_cb(struct engine *e, void *arg)
{
	(void)arg;
	engine_stop(e);
}

/* --max-frame for the next run_text (as `run` takes it from the scenario's
 * max-frame); 0: the default. */
static size_t test_max_frame;

/* Run scenario text to its end; the caller frees what it returns. */
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
	if (test_max_frame > 0)
		lim.max_frame = test_max_frame;
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

/* The group whose line is line, or NULL. */
static const struct run_failure *
group_at(const struct run_result *res, unsigned line)
{
	size_t i;

	for (i = 0; i < res->ngroups; i++)
		if (res->groups[i].line == line)
			return &res->groups[i];
	return NULL;
}

static void
test_accept_block_is_its_own_program(void **state)
{
	static const char text[] =
	    "codec line\n"
	    "accept 2\n"
	    "  expect \"a\"\n"
	    "  repeat 2\n"
	    "    send \"b\"\n"
	    "  end\n"
	    "  reset\n"
	    "end\n"
	    "send \"a\"\n"
	    "expect \"b\"\n";
	char err[512];
	struct scenario *sc;

	(void)state;
	sc = scenario_parse("t.txt", text, strlen(text), err, sizeof(err));
	assert_non_null(sc);
	assert_int_equal(sc->nsteps, 2);
	assert_int_equal(sc->steps[0].kind, STEP_SEND);
	assert_non_null(sc->accept);
	assert_int_equal(sc->accept_max, 2);
	assert_int_equal(sc->accept_line, 2);
	assert_int_equal(sc->accept->nsteps, 5);
	/* Jumps are the block's own indices, from 0. */
	assert_int_equal(sc->accept->steps[1].kind, STEP_REPEAT);
	assert_int_equal(sc->accept->steps[1].jump, 3);
	assert_int_equal(sc->accept->steps[3].jump, 1);
	assert_int_equal(sc->accept->steps[4].kind, STEP_RESET);
	assert_int_equal(sc->accept->steps[0].line, 3);
	assert_ptr_equal(sc->accept->codec, sc->codec);
	scenario_free(sc);
}

/* Parse text and expect an error containing want. */
static void
parse_fails(const char *text, const char *want)
{
	char err[512];
	struct scenario *sc;

	sc = scenario_parse("t.txt", text, strlen(text), err, sizeof(err));
	if (sc != NULL) {
		scenario_free(sc);
		fail_msg("parsed, expected: %s", want);
	}
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want);
}

static void
test_accept_errors_are_located(void **state)
{
	(void)state;
	parse_fails("accept\n  send \"x\"\n",
	    "t.txt:1:1: expected 'end' for the accept opened here");
	parse_fails("accept\n  codec line\nend\n",
	    "t.txt:2:3: expected a step inside accept, got the setting "
	    "'codec'");
	parse_fails("accept\n  accept\nend\n",
	    "t.txt:2:1: expected a step inside accept, got another 'accept'");
	parse_fails("accept\nend\naccept\nend\n",
	    "t.txt:3:1: expected one accept block, got a second");
	parse_fails("repeat 2\n  accept\nend\n",
	    "expected 'accept' outside every block");
	parse_fails("accept 0\nend\n", "at least 1, got 0");
	parse_fails("accept\n  close\n  send \"x\"\nend\n",
	    "expected no step after 'close'");
	/* What the server's steps capture is not the clients'. */
	parse_fails("codec line\naccept\n  expect \"a\"\n  capture v regex "
	    "\"(a)\"\nend\nsend \"${v}\"\n", "t.txt:6:");
	/* The whole-program checks run on the accept block and on each role
	 * as on the file's own steps (send builders, fields). */
	parse_fails("codec line\naccept\n  send command SET k v\nend\n",
	    "t.txt:3:8: expected codec resp for 'send command', got codec "
	    "line");
	parse_fails("codec line\nrole a 1\n  send command SET k v\nend\n",
	    "t.txt:3:8: expected codec resp for 'send command', got codec "
	    "line");
	parse_fails("codec line\naccept\n  expect status 200\nend\n",
	    "t.txt:3:");
}

static void
test_server_and_clients_pass_on_one_loop(void **state)
{
	static const char text[] =
	    "codec line\n"
	    "connections 3\n"
	    "timeout 2s\n"
	    "accept\n"
	    "  expect regex \"^hi [0-9]+$\"\n"
	    "  capture n regex \"^hi ([0-9]+)$\"\n"
	    "  send \"hello ${n} from server ${conn}\" chunk 1\n"
	    "  close\n"
	    "end\n"
	    "send \"hi ${conn}\"\n"
	    "expect regex \"^hello ${conn} from server [123]$\"\n"
	    "expect close\n";
	const struct run_result *res;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	res = run_text(text, &e, &r, &sc);
	assert_true(res->done);
	/* 3 clients and the 3 connections the server accepted. */
	assert_int_equal(res->conns, 6);
	assert_int_equal(res->passed, 6);
	assert_int_equal(res->failed, 0);
	assert_null(res->failure);
	finish(e, r, sc);
}

static void
test_server_script_fails_on_an_unexpected_message(void **state)
{
	static const char text[] =
	    "codec line\n"			/* 1 */
	    "timeout 1s\n"			/* 2 */
	    "accept\n"				/* 3 */
	    "  expect \"LOGIN\"\n"		/* 4 */
	    "  send \"OK\"\n"			/* 5 */
	    "end\n"				/* 6 */
	    "send \"LOGOUT\"\n"			/* 7 */
	    "expect close\n";			/* 8 */
	const struct run_result *res;
	const struct run_failure *g;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	res = run_text(text, &e, &r, &sc);
	assert_true(res->done);
	assert_int_equal(res->conns, 2);
	assert_int_equal(res->failed, 1);
	assert_int_equal(res->passed, 1);	/* the client saw the close */
	g = group_at(res, 4);
	assert_non_null(g);
	assert_string_equal(g->reason, "mismatch");
	assert_string_equal(g->step, "expect");
	assert_int_equal(g->expected_len, 5);
	assert_memory_equal(g->expected, "LOGIN", 5);
	assert_int_equal(g->received_len, 6);
	assert_memory_equal(g->received, "LOGOUT", 6);
	assert_non_null(strstr(res->failure, "t.txt:4: connection 1: "));
	finish(e, r, sc);
}

static void
test_server_script_fails_on_a_timeout(void **state)
{
	static const char text[] =
	    "codec line\n"			/* 1 */
	    "accept\n"				/* 2 */
	    "  expect \"x\"\n"			/* 3 */
	    "  expect \"more\" timeout 150ms\n"	/* 4 */
	    "end\n"				/* 5 */
	    "send \"x\"\n"			/* 6 */
	    "expect close timeout 3s\n";	/* 7 */
	const struct run_result *res;
	const struct run_failure *g;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	res = run_text(text, &e, &r, &sc);
	assert_true(res->done);
	assert_int_equal(res->failed, 1);
	g = group_at(res, 4);
	assert_non_null(g);
	assert_string_equal(g->reason, "timeout");
	assert_non_null(strstr(g->text, "0.15"));
	finish(e, r, sc);
}

static void
test_reset_gives_the_peer_econnreset(void **state)
{
	static const char text[] =
	    "codec line\n"			/* 1 */
	    "timeout 2s\n"			/* 2 */
	    "accept\n"				/* 3 */
	    "  expect \"x\"\n"			/* 4 */
	    "  reset\n"				/* 5 */
	    "end\n"				/* 6 */
	    "send \"x\"\n"			/* 7 */
	    "expect \"never\"\n";		/* 8 */
	const struct run_result *res;
	const struct run_failure *g;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	res = run_text(text, &e, &r, &sc);
	assert_true(res->done);
	assert_int_equal(res->passed, 1);	/* the server's reset step */
	assert_int_equal(res->failed, 1);
	g = group_at(res, 8);
	assert_non_null(g);
	/* An RST, not a FIN: the client's read failed with ECONNRESET. */
	assert_string_equal(g->reason, "reset");
	assert_non_null(strstr(g->text, "reset by peer"));
	finish(e, r, sc);
}

static void
test_client_reset_fails_the_server_expecting_close(void **state)
{
	static const char text[] =
	    "codec line\n"			/* 1 */
	    "timeout 2s\n"			/* 2 */
	    "accept\n"				/* 3 */
	    "  expect \"x\"\n"			/* 4 */
	    "  expect close\n"			/* 5 */
	    "end\n"				/* 6 */
	    "send \"x\"\n"			/* 7 */
	    "wait 50ms\n"			/* 8 */
	    "reset\n";				/* 9 */
	const struct run_result *res;
	const struct run_failure *g;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	res = run_text(text, &e, &r, &sc);
	assert_true(res->done);
	assert_int_equal(res->passed, 1);
	assert_int_equal(res->failed, 1);
	g = group_at(res, 5);
	assert_non_null(g);
	assert_string_equal(g->reason, "reset");
	finish(e, r, sc);
}

static void
test_server_connections_pass_signals_to_each_other_for_roles(void **state)
{
	static const char text[] =
	    "codec line\n"
	    "timeout 2s\n"
	    "accept 3\n"
	    "  expect regex \"^(pub .*|sub)$\"\n"
	    "  capture who regex \"^(pub|sub)\"\n"
	    "  if who == \"pub\"\n"
	    "    capture v regex \"^pub (.*)$\"\n"
	    "    signal news v\n"
	    "    send \"ok\"\n"
	    "  else\n"
	    "    wait for news as n\n"
	    "    send \"news ${n}\"\n"
	    "  end\n"
	    "  expect close\n"
	    "end\n"
	    "role publisher 1\n"
	    "  wait 100ms\n"
	    "  send \"pub hello\"\n"
	    "  expect \"ok\"\n"
	    "  close\n"
	    "end\n"
	    "role subscriber 2\n"
	    "  send \"sub\"\n"
	    "  expect \"news hello\"\n"
	    "  close\n"
	    "end\n";
	const struct run_result *res;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	res = run_text(text, &e, &r, &sc);
	assert_true(res->done);
	assert_int_equal(res->conns, 6);
	assert_int_equal(res->passed, 6);
	assert_null(res->failure);
	finish(e, r, sc);
}

static void
test_wait_for_past_accept_n_fails_located(void **state)
{
	static const char text[] =
	    "codec line\n"			/* 1 */
	    "timeout 1s\n"			/* 2 */
	    "connections 2\n"			/* 3 */
	    "accept\n"				/* 4 */
	    "  expect \"x\"\n"		/* 5 */
	    "  signal go 1\n"			/* 6 */
	    "  wait for go as g\n"		/* 7 */
	    "end\n"				/* 8 */
	    "send \"x\"\n"			/* 9 */
	    "expect close\n";			/* 10 */
	const struct run_result *res;
	const struct run_failure *g;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	res = run_text(text, &e, &r, &sc);
	assert_true(res->done);
	g = group_at(res, 7);
	assert_non_null(g);
	/* Connection 2 is past the one an accept without N numbers. */
	assert_non_null(strstr(g->text, "connection 2 is past the 1"));
	finish(e, r, sc);
}

static void
test_close_delivers_what_was_queued_first(void **state)
{
	/* 15 MB: more than the kernel's socket buffers take at once, so
	 * part of it is still queued in the conn when `close` runs. */
	static const char text[] =
	    "codec raw\n"
	    "timeout 5s\n"
	    "max-frame 16M\n"
	    "accept\n"
	    "  expect \"go\"\n"
	    "  repeat 300\n"
	    "    send \"${randstr(50000)}\"\n"
	    "  end\n"
	    "  close\n"
	    "end\n"
	    "send \"go\"\n"
	    "expect length 15000000\n"
	    "expect close\n";
	const struct run_result *res;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	test_max_frame = 16 * 1024 * 1024;
	res = run_text(text, &e, &r, &sc);
	test_max_frame = 0;
	assert_true(res->done);
	if (res->failure != NULL)
		fail_msg("%s", res->failure);
	assert_int_equal(res->passed, 2);
	finish(e, r, sc);
}

static void
test_a_mock_alone_is_not_run(void **state)
{
	static const char text[] = "accept\n  expect \"x\"\nend\n";
	struct engine_limits lim;
	struct scenario *sc;
	struct engine *e;
	struct runner *r;
	char err[512];

	(void)state;
	sc = scenario_parse("m.txt", text, strlen(text), err, sizeof(err));
	assert_non_null(sc);
	engine_limits_default(&lim);
	e = engine_new(&lim);
	r = runner_new(e, sc, NULL, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(runner_start(r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "serve --scenario m.txt"));
	finish(e, r, sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_block_is_its_own_program),
		cmocka_unit_test(test_accept_errors_are_located),
		cmocka_unit_test(test_server_and_clients_pass_on_one_loop),
		cmocka_unit_test(test_server_script_fails_on_an_unexpected_message),
		cmocka_unit_test(test_server_script_fails_on_a_timeout),
		cmocka_unit_test(test_reset_gives_the_peer_econnreset),
		cmocka_unit_test(test_client_reset_fails_the_server_expecting_close),
		cmocka_unit_test(test_server_connections_pass_signals_to_each_other_for_roles),
		cmocka_unit_test(test_wait_for_past_accept_n_fails_located),
		cmocka_unit_test(test_close_delivers_what_was_queued_first),
		cmocka_unit_test(test_a_mock_alone_is_not_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
