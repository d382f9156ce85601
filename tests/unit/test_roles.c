/* Unit tests for roles, barriers and signals: the parser and checker
 * (src/script/roles.c), the coordinator on its own with connections that
 * open, wait and end (src/script/coord.c), and whole runs on a real loop
 * against the embedded echo (src/script/runner.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "coord.h"
#include "engine.h"
#include "runner.h"
#include "scenario.h"

/* --- parse and check ---------------------------------------------------- */

static struct scenario *
parse(const char *text, char *err, size_t errlen)
{
	return scenario_parse("t.txt", text, strlen(text), err, errlen);
}

/* text must be refused with an error starting with want. */
static void
refused(const char *text, const char *want)
{
	char err[1024];
	struct scenario *sc = parse(text, err, sizeof(err));

	if (sc != NULL) {
		scenario_free(sc);
		fail_msg("accepted: %s", text);
	}
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("got:  %s\nwant: %s", err, want);
}

static void
test_roles_parse_into_their_own_programs(void **state)
{
	static const char text[] =
	    "codec line\n"
	    "role pub 1\n"
	    "  send \"x\"\n"
	    "  signal ready \"v\" .. str(conn)\n"
	    "  barrier go timeout 2s\n"
	    "  finally\n"
	    "    send \"bye\"\n"
	    "  end\n"
	    "end\n"
	    "role sub 3 after pub\n"
	    "  wait for ready as v timeout 1500ms\n"
	    "  send \"${v}\"\n"
	    "  barrier go pub,sub\n"
	    "end\n";
	char err[1024];
	struct scenario *sc;

	(void)state;
	sc = parse(text, err, sizeof(err));
	if (sc == NULL)
		fail_msg("%s", err);
	assert_int_equal(sc->nsteps, 0);
	assert_int_equal(sc->nroles, 2);
	assert_string_equal(sc->roles[0].name, "pub");
	assert_int_equal(sc->roles[0].conns, 1);
	assert_true(sc->roles[0].after == SIZE_MAX);
	assert_int_equal(sc->roles[0].nsteps, 6);
	assert_int_equal(sc->roles[0].finally_at, 3);
	assert_int_equal(sc->roles[0].steps[1].kind, STEP_SIGNAL);
	assert_non_null(sc->roles[0].steps[1].u.sync.e);
	assert_int_equal(sc->roles[0].steps[2].kind, STEP_BARRIER);
	assert_true(sc->roles[0].steps[2].u.sync.timeout == 2.0);
	assert_int_equal(sc->roles[1].after, 0);
	assert_int_equal(sc->roles[1].conns, 3);
	assert_int_equal(sc->roles[1].steps[0].kind, STEP_WAIT_FOR);
	assert_string_equal(sc->roles[1].steps[0].u.sync.as, "v");
	assert_true(sc->roles[1].steps[0].u.sync.timeout == 1.5);
	/* Without a timeout the scenario's (default 5 s) applies. */
	assert_true(sc->roles[1].steps[2].u.sync.timeout == 5.0);
	assert_int_equal(sc->roles[1].steps[2].u.sync.nroles, 2);
	assert_int_equal(sc->roles[1].steps[2].u.sync.role_idx[1], 1);
	assert_int_equal(scenario_conns(sc), 4);
	scenario_free(sc);
}

static void
test_files_without_roles_keep_their_meaning(void **state)
{
	static const char text[] =
	    "connections 3\n"
	    "send \"a\"\n"
	    "wait 10ms\n"
	    "expect \"a\"\n";
	char err[1024];
	struct scenario *sc;

	(void)state;
	sc = parse(text, err, sizeof(err));
	if (sc == NULL)
		fail_msg("%s", err);
	assert_int_equal(sc->nroles, 0);
	assert_null(sc->roles);
	assert_int_equal(sc->nsteps, 3);
	assert_int_equal(sc->steps[1].kind, STEP_WAIT);
	assert_int_equal(scenario_conns(sc), 3);
	scenario_free(sc);
}

static void
test_role_errors_name_file_line_col(void **state)
{
	(void)state;
	refused("role a 1\nend\nrole a 2\nend\n",
	    "t.txt:3:6: expected a new role name, got 'a' again\n"
	    "hint: the first role 'a' is at line 1");
	refused("role a 1 after b\nend\nrole b 1\nend\n",
	    "t.txt:1:16: expected a role name after 'after', got 'b'");
	refused("role a 1 before b\nend\n",
	    "t.txt:1:10: expected 'after', 'together' or end of line, got "
	    "'before'");
	refused("role a 0\nend\n", "t.txt:1:8: expected a connection count "
	    "of at least 1, got 0");
	refused("role a 1\n  role b 1\n  end\nend\n",
	    "t.txt:2:1: expected 'end', got 'role'");
	refused("role a 1\n  send \"x\"\n", "t.txt:1:1: expected 'end' for "
	    "the role opened here, got end of file");
	refused("role a 1\n  repeat 2\n    send \"x\"\n",
	    "t.txt:2:1: expected 'end' for the 'repeat' opened here");
	refused("send \"x\"\nrole a 1\nend\n", "t.txt:1:1: expected every "
	    "step inside a role, got 'send' at the top level");
	refused("connections 2\nrole a 1\nend\n", "t.txt:1:1: expected no "
	    "'connections' in a file with roles, got one");
	refused("role a 1\n  barrier x a,zz\nend\n", "t.txt:2:13: expected a "
	    "role name in the barrier's list, got 'zz'\nhint: the roles "
	    "are: a");
	refused("role a 1\n  barrier x b\nend\nrole b 1\n  barrier x b\nend\n",
	    "t.txt:2:13: expected role 'a' among the roles of barrier 'x'");
	refused("role a 1\n  barrier x a,b\nend\nrole b 1\n  barrier x b\n"
	    "end\nrole c 1\nend\n", "t.txt:5:13: expected the roles of the "
	    "first barrier 'x', got others");
	refused("barrier x a\n", "t.txt:1:11: expected no role list in a "
	    "file without roles, got 'a'");
	refused("role a 1\n  wait for redy\nend\nrole b 1\n  signal ready\n"
	    "end\n", "t.txt:2:12: expected a signal that some step sends, "
	    "got 'redy' that none does\nhint: did you mean 'ready'?");
	refused("role a 1\n  barrier x timeout 0s\nend\n",
	    "t.txt:2:");
	refused("role a 1\n  barrier 9x\nend\n", "t.txt:2:11: expected a "
	    "barrier name, got '9x'");
	refused("role a 1\n  wait for s as\nend\n", "t.txt:2:");
	refused("role a 1\n  wait for s timeout 1s extra\nend\n", "t.txt:2:");
	/* `as VAR` is set after the wait-for, in its own role only. */
	refused("role a 1\n  send \"${v}\"\n  wait for s as v\nend\n"
	    "role b 1\n  signal s 1\nend\n", "t.txt:2:9: expected a "
	    "variable set on every path before this line, got '${v}'");
	refused("role a 1\n  wait for s as v\nend\nrole b 1\n  signal s 1\n"
	    "  send \"${v}\"\nend\n", "t.txt:6:9: expected a variable set "
	    "on every path before this line, got '${v}'");
	refused("role a 1\n  signal s ${x}\nend\n", "t.txt:2:");
	refused("role a 1\n  signal s y + 1\nend\n", "t.txt:2:12: expected a "
	    "variable set on every path before this line");
}

/* The accept block and the client roles have a coordinator each: check
 * refuses a signal or a barrier that would cross between them (both ways)
 * and checks the accept block's own names. */
static void
test_signals_and_barriers_do_not_cross_the_accept_block(void **state)
{
	char err[1024];
	struct scenario *sc;

	(void)state;
	refused("codec line\ntimeout 1s\naccept 1\n  expect \"hi\"\n"
	    "  wait for go as v\n  send \"${v}\"\nend\nrole c 1\n"
	    "  send \"hi\"\n  signal go \"abc\"\n  expect \"abc\"\nend\n",
	    "t.txt:5:12: expected a signal that some step on this side "
	    "sends, got 'go' that only a step of the client roles sends");
	refused("codec line\naccept 1\n  signal go 1\nend\nrole c 1\n"
	    "  wait for go\nend\n", "t.txt:6:12: expected a signal that "
	    "some step on this side sends, got 'go' that only a step of the "
	    "accept block sends");
	refused("codec line\naccept 1\n  barrier b\nend\nrole c 1\n"
	    "  barrier b\nend\n", "t.txt:6:11: expected a barrier name of "
	    "this side's own, got 'b', also a barrier of the accept block "
	    "(line 3)");
	refused("codec line\naccept 1\n  wait for nope\nend\nsend \"x\"\n",
	    "t.txt:3:12: expected a signal that some step sends, got 'nope'");
	sc = parse("codec line\naccept 2\n  barrier b\n  signal go 1\n"
	    "  wait for go\nend\nrole c 1\n  barrier b2\n  signal s 1\n"
	    "  wait for s\nend\n", err, sizeof(err));
	if (sc == NULL)
		fail_msg("%s", err);
	scenario_free(sc);
}

/* --- the coordinator alone ------------------------------------------- */

/* What the wake callback saw. */
struct woke {
	uint64_t	 n[16];
	int		 ok[16];
	char		 why[16][400];
	size_t		 count;
};

static void
wake_cb(void *arg, struct conn *c, uint64_t n, int ok, const char *why)
{
	struct woke *w = arg;

	(void)c;
	assert_true(w->count < 16);
	w->n[w->count] = n;
	w->ok[w->count] = ok;
	snprintf(w->why[w->count], sizeof(w->why[0]), "%s",
	    why != NULL ? why : "");
	w->count++;
}

/* A stand-in connection: the coordinator only hands it back. */
static struct conn *
fake(uint64_t n)
{
	return (struct conn *)(uintptr_t)(0x1000 + n * 16);
}

static struct scenario *
coord_scenario(void)
{
	static const char text[] =
	    "role sub 3\n"
	    "  barrier go timeout 1s\n"
	    "  wait for tok as t timeout 1s\n"
	    "end\n"
	    "role pub 1 after sub\n"
	    "  barrier go\n"
	    "  signal tok \"v\"\n"
	    "end\n";
	char err[1024];
	struct scenario *sc = parse(text, err, sizeof(err));

	if (sc == NULL)
		fail_msg("%s", err);
	return sc;
}

static void
test_barrier_releases_everyone_when_the_last_arrives(void **state)
{
	struct scenario *sc = coord_scenario();
	struct woke w;
	struct coord *co;
	const struct step *b0 = &sc->roles[0].steps[0];
	const struct step *b1 = &sc->roles[1].steps[0];
	char why[400];
	uint64_t local;
	uint64_t n;

	(void)state;
	memset(&w, 0, sizeof(w));
	co = coord_new(sc, 0, wake_cb, &w);
	assert_int_equal(coord_total(co), 4);
	assert_int_equal(coord_role_of(co, 3, &local), 1);
	assert_int_equal(local, 0);
	assert_int_equal(coord_role_of(co, 2, &local), 0);
	assert_int_equal(local, 2);
	/* The publisher starts after every subscriber opened. */
	assert_int_equal(coord_open(co, 3, fake(3)), COORD_WAIT);
	for (n = 0; n < 2; n++)
		assert_int_equal(coord_open(co, n, fake(n)), COORD_GO);
	assert_int_equal(w.count, 0);
	assert_int_equal(coord_open(co, 2, fake(2)), COORD_GO);
	assert_int_equal(w.count, 1);
	assert_int_equal(w.n[0], 3);
	assert_int_equal(w.ok[0], 1);
	/* Three wait at the barrier; the fourth releases them. */
	for (n = 0; n < 3; n++)
		assert_int_equal(coord_barrier(co, n, fake(n), b0, why,
		    sizeof(why)), COORD_WAIT);
	assert_int_equal(w.count, 1);
	assert_int_equal(coord_barrier(co, 3, fake(3), b1, why, sizeof(why)),
	    COORD_GO);
	assert_int_equal(w.count, 4);
	for (n = 1; n < 4; n++)
		assert_int_equal(w.ok[n], 1);
	/* A connection added after the start (the dashboard's +) is not
	 * counted: it starts at once, and fails at a barrier, saying why. */
	assert_int_equal(coord_open(co, 9, fake(9)), COORD_GO);
	assert_int_equal(coord_barrier(co, 9, fake(9), b0, why, sizeof(why)),
	    COORD_FAIL);
	assert_string_equal(why, "barrier 'go': connection 10 was added after "
	    "the run started, and a barrier counts the 4 it started with");
	coord_gone(co, 9, "closed");
	/* The barrier is reusable: a second round waits again. */
	assert_int_equal(coord_barrier(co, 0, fake(0), b0, why, sizeof(why)),
	    COORD_WAIT);
	coord_free(co);
	scenario_free(sc);
}

static void
test_barrier_timeout_names_who_did_not_arrive(void **state)
{
	struct scenario *sc = coord_scenario();
	struct woke w;
	struct coord *co;
	char why[400];
	uint64_t n;

	(void)state;
	memset(&w, 0, sizeof(w));
	co = coord_new(sc, 0, wake_cb, &w);
	for (n = 0; n < 4; n++)
		coord_open(co, n, fake(n));
	w.count = 0;
	coord_barrier(co, 0, fake(0), &sc->roles[0].steps[0], why,
	    sizeof(why));
	coord_barrier(co, 2, fake(2), &sc->roles[0].steps[0], why,
	    sizeof(why));
	coord_timeout(co, 0, 1.0, why, sizeof(why));
	assert_string_equal(why, "barrier 'go': 2 of 4 connections arrived "
	    "within 1s; not arrived: sub #2 (connection 2), pub #1 "
	    "(connection 4)");
	/* The one that timed out is not woken: it fails on its own. */
	assert_int_equal(w.count, 0);
	/* It left the barrier: the others still count one arrival. */
	coord_timeout(co, 2, 1.0, why, sizeof(why));
	assert_string_equal(why, "barrier 'go': 1 of 4 connections arrived "
	    "within 1s; not arrived: sub #1 (connection 1), sub #2 "
	    "(connection 2), pub #1 (connection 4)");
	coord_free(co);
	scenario_free(sc);
}

static void
test_a_connection_that_never_arrives_breaks_the_barrier(void **state)
{
	struct scenario *sc = coord_scenario();
	struct woke w;
	struct coord *co;
	char why[400];

	(void)state;
	memset(&w, 0, sizeof(w));
	co = coord_new(sc, 0, wake_cb, &w);
	coord_open(co, 0, fake(0));
	coord_open(co, 1, fake(1));
	/* Two subscribers wait; the third could not even connect. */
	coord_barrier(co, 0, fake(0), &sc->roles[0].steps[0], why,
	    sizeof(why));
	coord_barrier(co, 1, fake(1), &sc->roles[0].steps[0], why,
	    sizeof(why));
	assert_int_equal(w.count, 0);
	coord_gone(co, 2, "could not open the connection: refused");
	/* Both waiters fail at once with the reason; the publisher, held
	 * by `after sub`, is released since every subscriber settled. */
	assert_int_equal(w.count, 2);
	assert_int_equal(w.ok[0], 0);
	assert_int_equal(w.ok[1], 0);
	assert_string_equal(w.why[0], "barrier 'go': sub #3 (connection 3) "
	    "ended before the barrier was complete (could not open the "
	    "connection: refused), so it never can be");
	/* The publisher arriving later fails at once too. */
	assert_int_equal(coord_open(co, 3, fake(3)), COORD_GO);
	assert_int_equal(coord_barrier(co, 3, fake(3), &sc->roles[1].steps[0],
	    why, sizeof(why)), COORD_FAIL);
	assert_non_null(strstr(why, "sub #3 (connection 3) ended before"));
	coord_free(co);
	scenario_free(sc);
}

static void
test_a_waiter_that_leaves_no_longer_counts_as_arrived(void **state)
{
	struct scenario *sc = coord_scenario();
	struct woke w;
	struct coord *co;
	const struct step *b0 = &sc->roles[0].steps[0];
	char why[400];
	uint64_t n;

	(void)state;
	memset(&w, 0, sizeof(w));
	co = coord_new(sc, 0, wake_cb, &w);
	for (n = 0; n < 4; n++)
		coord_open(co, n, fake(n));
	w.count = 0;
	assert_int_equal(coord_barrier(co, 0, fake(0), b0, why, sizeof(why)),
	    COORD_WAIT);
	assert_int_equal(coord_barrier(co, 1, fake(1), b0, why, sizeof(why)),
	    COORD_WAIT);
	/* Connection 2's peer closed while it waited: it runs its finally,
	 * it has not ended, and it is no longer at the barrier. */
	coord_leave(co, 1);
	assert_int_equal(w.count, 0);
	assert_int_equal(coord_barrier(co, 2, fake(2), b0, why, sizeof(why)),
	    COORD_WAIT);
	assert_int_equal(coord_barrier(co, 3, fake(3),
	    &sc->roles[1].steps[0], why, sizeof(why)), COORD_WAIT);
	assert_int_equal(w.count, 0);
	coord_timeout(co, 0, 1.0, why, sizeof(why));
	assert_string_equal(why, "barrier 'go': 3 of 4 connections arrived "
	    "within 1s; not arrived: sub #2 (connection 2)");
	coord_free(co);
	scenario_free(sc);
}

static void
test_after_releases_when_the_first_role_settles_even_by_failing(void **state)
{
	struct scenario *sc = coord_scenario();
	struct woke w;
	struct coord *co;

	(void)state;
	memset(&w, 0, sizeof(w));
	co = coord_new(sc, 0, wake_cb, &w);
	assert_int_equal(coord_open(co, 3, fake(3)), COORD_WAIT);
	coord_gone(co, 0, "refused");
	coord_gone(co, 1, "refused");
	assert_int_equal(w.count, 0);
	coord_gone(co, 2, "refused");
	assert_int_equal(w.count, 1);
	assert_int_equal(w.n[0], 3);
	assert_int_equal(w.ok[0], 1);
	coord_free(co);
	scenario_free(sc);
}

static void
test_signal_values_reach_waiters_before_and_after(void **state)
{
	struct scenario *sc = coord_scenario();
	struct woke w;
	struct coord *co;
	const struct step *wf = &sc->roles[0].steps[1];
	const unsigned char *v;
	char why[400];
	size_t len = 0;

	(void)state;
	memset(&w, 0, sizeof(w));
	co = coord_new(sc, 0, wake_cb, &w);
	assert_null(coord_value(co, "tok", &len));
	assert_int_equal(coord_wait_for(co, 0, fake(0), wf, why, sizeof(why)),
	    COORD_WAIT);
	coord_signal(co, "tok", "abc", 3);
	assert_int_equal(w.count, 1);
	assert_int_equal(w.ok[0], 1);
	v = coord_value(co, "tok", &len);
	assert_int_equal(len, 3);
	assert_memory_equal(v, "abc", 3);
	/* A later waiter sees the latest value at once. */
	coord_signal(co, "tok", "second", 6);
	assert_int_equal(coord_wait_for(co, 1, fake(1), wf, why, sizeof(why)),
	    COORD_GO);
	v = coord_value(co, "tok", &len);
	assert_int_equal(len, 6);
	assert_memory_equal(v, "second", 6);
	coord_free(co);
	scenario_free(sc);
}

static void
test_a_signal_nobody_can_send_fails_its_waiters(void **state)
{
	struct scenario *sc = coord_scenario();
	struct woke w;
	struct coord *co;
	const struct step *wf = &sc->roles[0].steps[1];
	char why[400];

	(void)state;
	memset(&w, 0, sizeof(w));
	co = coord_new(sc, 0, wake_cb, &w);
	assert_int_equal(coord_wait_for(co, 0, fake(0), wf, why, sizeof(why)),
	    COORD_WAIT);
	coord_gone(co, 3, "scenario failed at t.txt:6");
	assert_int_equal(w.count, 1);
	assert_int_equal(w.ok[0], 0);
	assert_string_equal(w.why[0], "signal 'tok' was never sent, and every "
	    "connection that could send it has ended (the last: pub #1 "
	    "(connection 4): scenario failed at t.txt:6)");
	assert_int_equal(coord_wait_for(co, 1, fake(1), wf, why, sizeof(why)),
	    COORD_FAIL);
	coord_free(co);
	scenario_free(sc);
}

/* A second `wait for` of the same signal waits for a new sending: each
 * wait consumes the sendings its connection has not seen (so a repeat
 * can ping-pong between roles). */
static void
test_each_wait_for_consumes_a_new_sending(void **state)
{
	struct scenario *sc = coord_scenario();
	struct woke w;
	struct coord *co;
	const struct step *wf = &sc->roles[0].steps[1];
	const unsigned char *v;
	char why[400];
	size_t len = 0;

	(void)state;
	memset(&w, 0, sizeof(w));
	co = coord_new(sc, 0, wake_cb, &w);
	coord_signal(co, "tok", "one", 3);
	assert_int_equal(coord_wait_for(co, 0, fake(0), wf, why, sizeof(why)),
	    COORD_GO);
	/* Round 2: the sending of round 1 is consumed. */
	assert_int_equal(coord_wait_for(co, 0, fake(0), wf, why, sizeof(why)),
	    COORD_WAIT);
	assert_int_equal(w.count, 0);
	coord_signal(co, "tok", "two", 3);
	assert_int_equal(w.count, 1);
	assert_int_equal(w.ok[0], 1);
	v = coord_value(co, "tok", &len);
	assert_int_equal(len, 3);
	assert_memory_equal(v, "two", 3);
	/* Round 3: nothing new, and the sender ends: the wait fails. */
	assert_int_equal(coord_wait_for(co, 0, fake(0), wf, why, sizeof(why)),
	    COORD_WAIT);
	coord_gone(co, 3, "closed");
	assert_int_equal(w.count, 2);
	assert_int_equal(w.ok[1], 0);
	assert_non_null(strstr(w.why[1], "signal 'tok' was not sent again "
	    "since this connection's last wait for it"));
	/* Another connection has not seen the latest sending yet. */
	assert_int_equal(coord_wait_for(co, 1, fake(1), wf, why, sizeof(why)),
	    COORD_GO);
	coord_free(co);
	scenario_free(sc);
}

/* A barrier without a role list meets the roles that have a step of its
 * name, not a role that never reaches it; a list may not name such a
 * role (check refuses it). */
static void
test_a_barrier_without_a_list_meets_the_roles_that_reach_it(void **state)
{
	static const char text[] =
	    "role a 2\n"
	    "  barrier g timeout 1s\n"
	    "end\n"
	    "role b 1\n"
	    "  wait 2s\n"
	    "end\n"
	    "role c 1\n"
	    "  wait 1s\n"
	    "  barrier g\n"
	    "end\n";
	char err[1024], why[400];
	struct scenario *sc = parse(text, err, sizeof(err));
	struct woke w;
	struct coord *co;

	(void)state;
	if (sc == NULL)
		fail_msg("%s", err);
	memset(&w, 0, sizeof(w));
	co = coord_new(sc, 0, wake_cb, &w);
	assert_int_equal(coord_barrier(co, 0, fake(0), &sc->roles[0].steps[0],
	    why, sizeof(why)), COORD_WAIT);
	assert_int_equal(coord_barrier(co, 1, fake(1), &sc->roles[0].steps[0],
	    why, sizeof(why)), COORD_WAIT);
	/* Role b (connection 3) is not counted; role c's arrival ends it. */
	assert_int_equal(coord_barrier(co, 3, fake(3), &sc->roles[2].steps[1],
	    why, sizeof(why)), COORD_GO);
	assert_int_equal(w.count, 2);
	assert_int_equal(w.ok[0], 1);
	assert_int_equal(w.ok[1], 1);
	coord_free(co);
	scenario_free(sc);
	/* The docs' optional-part brackets are not syntax: the hint shows
	 * the list as it is written. */
	refused("role a 1\n  barrier b [a,z]\nend\nrole z 1\n  barrier b\n"
	    "end\n", "t.txt:2:13: expected a role list without brackets, got "
	    "'[a,z]'\nhint: list roles with commas, no brackets and no "
	    "blanks, as in: barrier go pub,sub");
	refused("role a 1\n  barrier b a timeot 1s\nend\n", "t.txt:2:15: "
	    "expected 'timeout' or end of line, got 'timeot'\nhint: barrier "
	    "NAME, then optionally roles and a timeout, as in: barrier go "
	    "pub,sub timeout 5s");
	refused("role a 1\n  barrier g a,b\nend\nrole b 1\n  wait 1s\nend\n",
	    "t.txt:2:13: expected roles that reach barrier 'g' in its list, "
	    "got 'b' that has no such step");
}

/* --- whole runs on the embedded echo --------------------------------- */

static void
done_cb(struct runner *r, void *arg)
{
	(void)r;
	engine_stop(arg);
}

static void
watchdog_cb(struct engine *e, void *arg)
{
	(void)arg;
	engine_stop(e);
}

static const struct run_result *
run_text(const char *text, struct engine **e, struct runner **r,
    struct scenario **sc)
{
	struct engine_limits lim;
	char err[1024];

	*sc = parse(text, err, sizeof(err));
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

/* The group of step (a step kind name), or fail. */
static const struct run_failure *
group(const struct run_result *res, const char *step)
{
	size_t i;

	for (i = 0; i < res->ngroups; i++)
		if (strcmp(res->groups[i].step, step) == 0)
			return &res->groups[i];
	fail_msg("no group for %s", step);
	return NULL;
}

static void
test_run_passes_a_captured_value_between_roles(void **state)
{
	static const char text[] =
	    "codec line\n"
	    "service echo\n"
	    "timeout 2s\n"
	    "role maker 1\n"
	    "  send \"id-${conn * 10}\"\n"
	    "  expect regex \"id-[0-9]+\"\n"
	    "  capture id regex \"(id-[0-9]+)\"\n"
	    "  signal made id\n"
	    "end\n"
	    "role user 2 after maker\n"
	    "  wait for made as got timeout 2s\n"
	    "  send \"use ${got}\"\n"
	    "  expect \"use id-10\"\n"
	    "end\n";
	const struct run_result *res;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;
	uint64_t local = 0;

	(void)state;
	res = run_text(text, &e, &r, &sc);
	if (res->failed != 0)
		fail_msg("%s", res->failure);
	assert_int_equal(res->passed, 3);
	assert_int_equal(res->nroles, 2);
	assert_string_equal(res->roles[0].name, "maker");
	assert_int_equal(res->roles[0].passed, 1);
	assert_string_equal(res->roles[1].name, "user");
	assert_int_equal(res->roles[1].passed, 2);
	assert_string_equal(runner_conn_role(r, 3, &local), "user");
	assert_int_equal(local, 2);
	finish(e, r, sc);
}

/* Two roles ping-pong a fresh value three times: each round's `wait for`
 * waits for the other role's new sending. */
static void
test_run_ping_pong_between_roles_in_a_repeat(void **state)
{
	static const char text[] =
	    "codec line\n"
	    "service echo\n"
	    "timeout 2s\n"
	    "role a 1\n"
	    "  repeat 3\n"
	    "    set v \"a\" .. randstr(4)\n"
	    "    signal turn v\n"
	    "    wait for back as w timeout 1s\n"
	    "    send \"${w}\"\n"
	    "    expect \"b${v}\"\n"
	    "  end\n"
	    "end\n"
	    "role b 1\n"
	    "  repeat 3\n"
	    "    wait for turn as t timeout 1s\n"
	    "    send \"b${t}\"\n"
	    "    expect regex \"ba.{4}\"\n"
	    "    signal back \"b\" .. t\n"
	    "  end\n"
	    "end\n";
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

static void
test_run_barrier_timeout_fails_with_who_is_missing(void **state)
{
	static const char text[] =
	    "codec line\n"				/* 1 */
	    "service echo\n"				/* 2 */
	    "role fast 2\n"				/* 3 */
	    "  barrier b timeout 200ms\n"		/* 4 */
	    "end\n"					/* 5 */
	    "role slow 1\n"				/* 6 */
	    "  wait 3s\n"				/* 7 */
	    "  barrier b timeout 5s\n"			/* 8 */
	    "end\n";
	const struct run_result *res;
	const struct run_failure *g;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	res = run_text(text, &e, &r, &sc);
	assert_int_equal(res->failed, 3);
	g = group(res, "barrier");
	assert_int_equal(g->line, 4);
	assert_string_equal(g->reason, "timeout");
	assert_string_equal(g->role, "fast");
	assert_non_null(strstr(g->text, "not arrived: slow #1 (connection "
	    "3)"));
	/* The slow one fails when it gets there: the others are gone. */
	assert_int_equal(res->roles[1].failed, 1);
	assert_true(res->t_end - res->t_start < 4.5);
	finish(e, r, sc);
}

static void
test_run_a_role_failing_early_releases_the_barrier_at_once(void **state)
{
	static const char text[] =
	    "codec line\n"				/* 1 */
	    "service echo\n"				/* 2 */
	    "role waiter 3\n"				/* 3 */
	    "  barrier b timeout 8s\n"			/* 4 */
	    "end\n"					/* 5 */
	    "role broken 1\n"				/* 6 */
	    "  send \"x\"\n"				/* 7 */
	    "  expect \"y\"\n"				/* 8 */
	    "  barrier b\n"				/* 9 */
	    "end\n";
	const struct run_result *res;
	const struct run_failure *g;
	struct engine *e;
	struct runner *r;
	struct scenario *sc;

	(void)state;
	res = run_text(text, &e, &r, &sc);
	assert_int_equal(res->failed, 4);
	g = group(res, "barrier");
	assert_int_equal(g->count, 3);
	assert_string_equal(g->reason, "broken");
	assert_non_null(strstr(g->text, "broken #1 (connection 4) ended "
	    "before the barrier was complete"));
	g = group(res, "expect");
	assert_string_equal(g->role, "broken");
	assert_int_equal(g->role_conn, 1);
	/* Far from the barrier's 8 s. */
	assert_true(res->t_end - res->t_start < 2.0);
	finish(e, r, sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles_parse_into_their_own_programs),
		cmocka_unit_test(test_files_without_roles_keep_their_meaning),
		cmocka_unit_test(test_role_errors_name_file_line_col),
		cmocka_unit_test(test_signals_and_barriers_do_not_cross_the_accept_block),
		cmocka_unit_test(test_barrier_releases_everyone_when_the_last_arrives),
		cmocka_unit_test(test_barrier_timeout_names_who_did_not_arrive),
		cmocka_unit_test(test_a_connection_that_never_arrives_breaks_the_barrier),
		cmocka_unit_test(test_a_waiter_that_leaves_no_longer_counts_as_arrived),
		cmocka_unit_test(test_after_releases_when_the_first_role_settles_even_by_failing),
		cmocka_unit_test(test_signal_values_reach_waiters_before_and_after),
		cmocka_unit_test(test_a_signal_nobody_can_send_fails_its_waiters),
		cmocka_unit_test(test_each_wait_for_consumes_a_new_sending),
		cmocka_unit_test(test_a_barrier_without_a_list_meets_the_roles_that_reach_it),
		cmocka_unit_test(test_run_ping_pong_between_roles_in_a_repeat),
		cmocka_unit_test(test_run_passes_a_captured_value_between_roles),
		cmocka_unit_test(test_run_barrier_timeout_fails_with_who_is_missing),
		cmocka_unit_test(test_run_a_role_failing_early_releases_the_barrier_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
