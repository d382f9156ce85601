/* Acting on a live connection from a front end (conn_act.h): a FIN the
 * peer reads as EOF, an RST it reads as ECONNRESET, reading paused with
 * the bytes left in the kernel's queue, a user's send that releases a
 * runner's hold, and TCP_INFO of a loopback TCP connection. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include "conn.h"
#include "conn_act.h"
#include "loop_harness.h"

static const struct conn_handler plain = { 0 };

/* A connected loopback TCP pair: *ours non-blocking (for a conn), *theirs
 * blocking with a 2 s receive timeout (the test's peer). */
static void
tcp_pair(int *ours, int *theirs)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct timeval tv = { 2, 0 };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &len), 0);
	*ours = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(*ours, (struct sockaddr *)&a, sizeof(a)), 0);
	*theirs = accept(l, NULL, NULL);
	assert_true(*theirs >= 0);
	close(l);
	fcntl(*ours, F_SETFL, O_NONBLOCK);
	setsockopt(*theirs, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* Run the loop a few turns without waiting. */
static void
spin(struct engine *e)
{
	int i;

	for (i = 0; i < 20; i++)
		ev_run(e->loop, EVRUN_NOWAIT);
}

/* Run the loop until cond() holds or the watchdog fires. */
#define RUN_UNTIL(e, h, cond) \
	while (!(cond) && !(h)->timed_out) \
		ev_run((e)->loop, EVRUN_ONCE)

static void
fin_reaches_the_peer_as_eof_and_the_conn_stays_readable(void **state)
{
	struct engine *e = engine_new(NULL);
	struct harness h;
	char buf[32], why[160];
	int ours, theirs;
	struct conn *c;

	(void)state;
	harness_attach(&h, e, 5);
	tcp_pair(&ours, &theirs);
	c = conn_new(e, ours, SIDE_CLIENT, CS_OPEN, codec_find("line"),
	    &plain, NULL);
	assert_int_equal(conn_act_fin(&c->info, why, sizeof(why)), 0);
	assert_int_equal(c->info.state, CS_CLOSING);
	assert_int_equal(read(theirs, buf, sizeof(buf)), 0);	/* FIN */
	/* A second FIN is refused with the reason. */
	assert_int_equal(conn_act_fin(&c->info, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "already sent its FIN"));
	/* Sending after the FIN is refused too. */
	assert_int_equal(conn_act_send(&c->info, "x\n", 2, why, sizeof(why)),
	    -1);
	assert_int_equal(write(theirs, "late\n", 5), 5);
	close(theirs);
	RUN_UNTIL(e, &h, h.nends == 1);
	assert_int_equal(h.ends[0].msgs_in, 1);
	assert_string_equal(h.ends[0].reason, "closed (both sides shut down)");
	engine_free(e);
}

static void
fin_on_a_held_conn_shows_the_peers_close_when_it_comes(void **state)
{
	struct engine *e = engine_new(NULL);
	struct harness h;
	char buf[32], why[160];
	int ours, theirs;
	struct conn *c;

	(void)state;
	harness_attach(&h, e, 5);
	tcp_pair(&ours, &theirs);
	c = conn_new(e, ours, SIDE_CLIENT, CS_OPEN, codec_find("line"),
	    &plain, NULL);
	conn_hold(c, 1);	/* a runner in a wait step */
	assert_int_equal(conn_act_fin(&c->info, why, sizeof(why)), 0);
	assert_int_equal(read(theirs, buf, sizeof(buf)), 0);
	close(theirs);		/* the peer closes in turn */
	RUN_UNTIL(e, &h, h.nends == 1);
	assert_int_equal(h.nends, 1);
	assert_string_equal(h.ends[0].reason, "closed (both sides shut down)");
	engine_free(e);
}

static void
reset_reaches_the_peer_as_econnreset(void **state)
{
	struct engine *e = engine_new(NULL);
	struct harness h;
	char buf[32], why[160];
	int ours, theirs;
	struct conn *c;

	(void)state;
	harness_attach(&h, e, 5);
	tcp_pair(&ours, &theirs);
	c = conn_new(e, ours, SIDE_CLIENT, CS_OPEN, codec_find("line"),
	    &plain, NULL);
	assert_int_equal(conn_act_reset(&c->info, why, sizeof(why)), 0);
	assert_string_equal(why, "");
	errno = 0;
	assert_int_equal(read(theirs, buf, sizeof(buf)), -1);
	assert_int_equal(errno, ECONNRESET);
	engine_reap(e);
	assert_int_equal(h.nends, 1);
	assert_int_equal(h.ends[0].state, CS_CLOSED);
	assert_string_equal(h.ends[0].reason, "reset by us (dashboard)");
	assert_int_equal(e->tot.failed, 0);	/* a user's act, not a fault */
	close(theirs);
	engine_free(e);
}

static void
paused_reading_leaves_the_bytes_in_the_kernel(void **state)
{
	struct engine *e = engine_new(NULL);
	struct conn_act_tcp t;
	struct harness h;
	char why[160];
	int ours, theirs;
	struct conn *c;

	(void)state;
	harness_attach(&h, e, 5);
	tcp_pair(&ours, &theirs);
	c = conn_new(e, ours, SIDE_CLIENT, CS_OPEN, codec_find("line"),
	    &plain, NULL);
	assert_int_equal(conn_act_pause(&c->info, 1, why, sizeof(why)), 0);
	assert_int_equal(c->info.read_paused, 1);
	assert_int_equal(write(theirs, "one\ntwo\n", 8), 8);
	usleep(20000);
	spin(e);
	assert_int_equal(c->info.msgs_in, 0);
	assert_int_equal(conn_act_tcp(&c->info, &t), 0);
	assert_int_equal(t.has_info, 1);
	assert_int_equal(t.is_unix, 0);
	assert_string_equal(t.state, "ESTABLISHED");
	assert_int_equal(t.has_queues, 1);
	assert_int_equal(t.recvq, 8);
	assert_true(t.mss > 0 && t.cwnd > 0);
	/* The handler's own pause does not resume a user's. */
	conn_pause(c, 0);
	spin(e);
	assert_int_equal(c->info.msgs_in, 0);
	assert_int_equal(conn_act_pause(&c->info, 0, why, sizeof(why)), 0);
	assert_int_equal(c->info.read_paused, 0);
	RUN_UNTIL(e, &h, c->info.msgs_in == 2);
	assert_int_equal(c->info.msgs_in, 2);
	assert_int_equal(conn_act_tcp(&c->info, &t), 0);
	assert_int_equal(t.recvq, 0);
	close(theirs);
	engine_free(e);
}

static void
a_users_send_releases_the_hold_so_replies_show(void **state)
{
	struct engine *e = engine_new(NULL);
	struct harness h;
	char buf[32], why[160];
	int ours, theirs;
	struct conn *c;

	(void)state;
	harness_attach(&h, e, 5);
	tcp_pair(&ours, &theirs);
	c = conn_new(e, ours, SIDE_CLIENT, CS_OPEN, codec_find("line"),
	    &plain, NULL);
	conn_hold(c, 1);	/* as a runner between its expects */
	assert_int_equal(write(theirs, "early\n", 6), 6);
	usleep(20000);
	spin(e);
	assert_int_equal(c->info.msgs_in, 0);	/* held */
	assert_int_equal(conn_act_send(&c->info, "ping\n", 5, why,
	    sizeof(why)), 0);
	assert_int_equal(c->info.msgs_out, 1);
	assert_int_equal(read(theirs, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "ping\n", 5);
	assert_int_equal(c->info.msgs_in, 1);	/* released: delivered */
	/* A runner holding again does not hold a connection a user talks
	 * on: the reply shows at once. */
	conn_hold(c, 1);
	assert_int_equal(write(theirs, "pong\n", 5), 5);
	RUN_UNTIL(e, &h, c->info.msgs_in == 2);
	assert_int_equal(c->info.msgs_in, 2);
	close(theirs);
	engine_free(e);
}

static void
a_unix_socket_has_queues_but_no_tcp_info(void **state)
{
	struct engine *e = engine_new(NULL);
	struct conn_act_tcp t;
	int fds[2];
	struct conn *c;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	c = conn_new(e, fds[0], SIDE_SERVER, CS_OPEN, NULL, &plain, NULL);
	conn_pause_read(c);
	assert_int_equal(write(fds[1], "abc", 3), 3);
	assert_int_equal(conn_act_tcp(&c->info, &t), 0);
	assert_int_equal(t.is_unix, 1);
	assert_int_equal(t.has_info, 0);
	assert_int_equal(t.has_queues, 1);
	assert_int_equal(t.recvq, 3);
	close(fds[1]);
	engine_free(e);
}

static void
acting_on_a_closed_connection_says_so(void **state)
{
	struct engine *e = engine_new(NULL);
	char why[160];
	int ours, theirs;
	struct conn *c;

	(void)state;
	tcp_pair(&ours, &theirs);
	c = conn_new(e, ours, SIDE_CLIENT, CS_OPEN, NULL, &plain, NULL);
	conn_close(c, "done");
	assert_int_equal(conn_act_fin(&c->info, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "is closed"));
	assert_int_equal(conn_act_reset(&c->info, why, sizeof(why)), -1);
	assert_int_equal(conn_act_pause(&c->info, 1, why, sizeof(why)), -1);
	assert_int_equal(conn_act_send(&c->info, "x", 1, why, sizeof(why)),
	    -1);
	assert_int_equal(conn_act_fin(NULL, why, sizeof(why)), -1);
	close(theirs);
	engine_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fin_reaches_the_peer_as_eof_and_the_conn_stays_readable),
		cmocka_unit_test(fin_on_a_held_conn_shows_the_peers_close_when_it_comes),
		cmocka_unit_test(reset_reaches_the_peer_as_econnreset),
		cmocka_unit_test(paused_reading_leaves_the_bytes_in_the_kernel),
		cmocka_unit_test(a_users_send_releases_the_hold_so_replies_show),
		cmocka_unit_test(a_unix_socket_has_queues_but_no_tcp_info),
		cmocka_unit_test(acting_on_a_closed_connection_says_so),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
