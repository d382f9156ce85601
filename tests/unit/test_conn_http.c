/* An http client connection frames each response by the request it
 * answers: the response to a HEAD has no body (pipelined, in order, after
 * interim 1xx responses), and at the peer's close the pending bytes are
 * decoded once more: a response without a length ends there, one cut
 * short fails naming what was cut. On socketpairs, under a watchdog. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include "codec.h"
#include "conn.h"
#include "util.h"
#include "loop_harness.h"

/* What the handler saw: each message's body and whether it answered HEAD. */
struct seen {
	char	bodies[8][64];
	int	heads[8];
	int	n, eof;
};

static void
seen_msg(struct conn *c, const struct codec_frame *f)
{
	struct seen *s = c->udata;

	if (s->n < 8) {
		snprintf(s->bodies[s->n], sizeof(s->bodies[0]), "%.*s",
		    (int)f->body_len, (const char *)f->body);
		s->heads[s->n] = c->rx_head;
	}
	s->n++;
}

static void
seen_eof(struct conn *c)
{
	struct seen *s = c->udata;

	s->eof++;
	conn_close(c, "EOF");
}

static const struct conn_handler seen_handler = {
	.on_msg = seen_msg,
	.on_eof = seen_eof,
};

/* A client conn with codec http on fds[0]; the test plays the server on
 * fds[1]. */
static struct conn *
http_client(struct engine *e, int fds[2], struct seen *s)
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	return conn_new(e, fds[0], SIDE_CLIENT, CS_OPEN, codec_find("http"),
	    &seen_handler, s);
}

/* Run the loop until the handler has n messages or the watchdog fires. */
static void
spin(struct engine *e, struct harness *h, struct seen *s, int n)
{
	while (s->n < n && h->nends == 0 && !h->timed_out)
		ev_run(e->loop, EVRUN_ONCE);
}

#define RESP_HEAD "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n"
#define RESP_GET  "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n"

/* HEAD, GET, HEAD, GET sent in pieces that split the requests anywhere;
 * the four responses arrive in one write: HEAD answers are bodiless, the
 * GETs get their bodies, in order. */
static void
pipelined_heads_are_framed_without_a_body_in_order(void **state)
{
	static const char reqs[] = "HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n"
	    "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
	    "HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n"
	    "POST /a HTTP/1.1\r\nContent-Length: 4\r\n\r\nHEAD";
	static const char resps[] = RESP_HEAD RESP_GET RESP_HEAD RESP_GET;
	struct engine *e = engine_new(NULL);
	struct harness h;
	struct seen s = { 0 };
	char sink[512];
	size_t i;
	int fds[2];
	struct conn *c;

	(void)state;
	harness_attach(&h, e, 5);
	c = http_client(e, fds, &s);
	for (i = 0; i < sizeof(reqs) - 1; i += 7)
		conn_send(c, reqs + i, sizeof(reqs) - 1 - i < 7 ?
		    sizeof(reqs) - 1 - i : 7);
	assert_int_equal(read(fds[1], sink, sizeof(sink)),
	    (ssize_t)sizeof(reqs) - 1);
	assert_int_equal(write(fds[1], resps, sizeof(resps) - 1),
	    (ssize_t)sizeof(resps) - 1);
	spin(e, &h, &s, 4);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.bodies[0], "");
	assert_int_equal(s.heads[0], 1);
	assert_string_equal(s.bodies[1], "hello\n");
	assert_int_equal(s.heads[1], 0);
	assert_string_equal(s.bodies[2], "");
	assert_int_equal(s.heads[2], 1);
	/* The POST's body "HEAD" is not a request. */
	assert_string_equal(s.bodies[3], "hello\n");
	assert_int_equal(s.heads[3], 0);
	assert_int_equal(h.nends, 0);
	close(fds[1]);
	engine_free(e);
}

/* An interim 100 Continue answers no request: the HEAD's final response
 * after it is still framed without a body. */
static void
interim_response_keeps_the_head_for_the_final_one(void **state)
{
	static const char resps[] = "HTTP/1.1 100 Continue\r\n\r\n"
	    RESP_HEAD RESP_GET;
	struct engine *e = engine_new(NULL);
	struct harness h;
	struct seen s = { 0 };
	char sink[512];
	int fds[2];
	struct conn *c;

	(void)state;
	harness_attach(&h, e, 5);
	c = http_client(e, fds, &s);
	conn_send(c, "HEAD / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n", 36);
	assert_true(read(fds[1], sink, sizeof(sink)) == 36);
	assert_int_equal(write(fds[1], resps, sizeof(resps) - 1),
	    (ssize_t)sizeof(resps) - 1);
	spin(e, &h, &s, 3);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.heads[1], 1);
	assert_string_equal(s.bodies[1], "");
	assert_string_equal(s.bodies[2], "hello\n");
	close(fds[1]);
	engine_free(e);
}

/* A response without Content-Length ends at the close: one message with
 * the whole body, then the EOF. */
static void
response_without_length_is_a_message_at_the_close(void **state)
{
	static const char resp[] = "HTTP/1.0 200 OK\r\nServer: t\r\n\r\n"
	    "until the close\n";
	struct engine *e = engine_new(NULL);
	struct harness h;
	struct seen s = { 0 };
	char sink[64];
	int fds[2];
	struct conn *c;

	(void)state;
	harness_attach(&h, e, 5);
	c = http_client(e, fds, &s);
	conn_send(c, "GET / HTTP/1.0\r\n\r\n", 18);
	assert_true(read(fds[1], sink, sizeof(sink)) == 18);
	assert_int_equal(write(fds[1], resp, sizeof(resp) - 1),
	    (ssize_t)sizeof(resp) - 1);
	for (int i = 0; i < 20; i++)
		ev_run(e->loop, EVRUN_NOWAIT);
	assert_int_equal(s.n, 0);		/* no length: not yet */
	close(fds[1]);
	while (s.eof == 0 && !h.timed_out)
		ev_run(e->loop, EVRUN_ONCE);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.bodies[0], "until the close\n");
	assert_int_equal(s.eof, 1);
	engine_free(e);
}

/* A response the close cuts short fails the connection, saying what was
 * cut: the start line, the body bytes that came, the length announced. */
static void
response_cut_by_the_close_fails_naming_what_was_cut(void **state)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 100"
	    "\r\n\r\nonly eleven";
	struct engine *e = engine_new(NULL);
	struct harness h;
	struct seen s = { 0 };
	char sink[64];
	int fds[2];
	struct conn *c;

	(void)state;
	harness_attach(&h, e, 5);
	c = http_client(e, fds, &s);
	conn_send(c, "GET / HTTP/1.1\r\n\r\n", 18);
	assert_true(read(fds[1], sink, sizeof(sink)) == 18);
	assert_int_equal(write(fds[1], resp, sizeof(resp) - 1),
	    (ssize_t)sizeof(resp) - 1);
	close(fds[1]);
	while (h.nends == 0 && !h.timed_out)
		ev_run(e->loop, EVRUN_ONCE);
	assert_int_equal(s.n, 0);
	assert_int_equal(h.ends[0].state, CS_FAILED);
	assert_string_equal(h.ends[0].reason, "protocol error: EOF inside a "
	    "http frame (51 bytes pending: HTTP/1.1 200 OK (11 body bytes) of "
	    "Content-Length 100)");
	engine_free(e);
}

/* Bytes that are not requests stop the tracking with one warning; the
 * responses still decode (by their own framing). */
static void
bytes_that_are_not_requests_stop_the_tracking_with_a_warning(void **state)
{
	struct engine *e = engine_new(NULL);
	struct harness h;
	struct seen s = { 0 };
	char sink[64];
	int fds[2];
	struct conn *c;

	(void)state;
	harness_attach(&h, e, 5);
	c = http_client(e, fds, &s);
	conn_send(c, "NOT A REQUEST\r\n\r\n", 17);
	assert_int_equal(h.errors, 1);
	assert_non_null(strstr(h.last_error, "the bytes sent are not an HTTP "
	    "request"));
	assert_int_equal(c->req_track, 0);
	conn_send(c, "HEAD / HTTP/1.1\r\n\r\n", 19);
	assert_int_equal(h.errors, 1);		/* said once */
	assert_true(read(fds[1], sink, sizeof(sink)) == 36);
	assert_int_equal(write(fds[1], RESP_GET, sizeof(RESP_GET) - 1),
	    (ssize_t)sizeof(RESP_GET) - 1);
	spin(e, &h, &s, 1);
	assert_string_equal(s.bodies[0], "hello\n");
	close(fds[1]);
	engine_free(e);
}

/* 40 alternating HEAD/GET pairs in flight (80 runs, more than the 32 the
 * FIFO starts with): it grows, and all 80 responses, arriving in one
 * write, are framed by the request each answers - no warning. */
static void
long_alternating_pipelines_grow_the_fifo_and_frame_every_response(
    void **state)
{
	struct engine *e = engine_new(NULL);
	struct harness h;
	struct seen s = { 0 };
	struct buf resps;
	char sink[4096];
	int fds[2], i, fl;
	size_t off;
	struct conn *c;

	(void)state;
	harness_attach(&h, e, 5);
	c = http_client(e, fds, &s);
	buf_init(&resps);
	for (i = 0; i < 80; i++) {
		conn_send(c, i % 2 ? "GET / HTTP/1.1\r\n\r\n" :
		    "HEAD / HTTP/1.1\r\n\r\n", i % 2 ? 18 : 19);
		if (i % 2)
			buf_append(&resps, RESP_GET, strlen(RESP_GET));
		else
			buf_append(&resps, RESP_HEAD, strlen(RESP_HEAD));
	}
	assert_int_equal(h.errors, 0);
	assert_int_equal(c->req_runs, 80);
	assert_true(c->req_cap >= 80);
	fl = fcntl(fds[1], F_GETFL);
	fcntl(fds[1], F_SETFL, fl | O_NONBLOCK);
	while (read(fds[1], sink, sizeof(sink)) > 0)
		;
	for (off = 0; off < buf_len(&resps); ) {
		ssize_t w = write(fds[1], buf_data(&resps) + off,
		    buf_len(&resps) - off);

		if (w > 0)
			off += (size_t)w;
		else
			ev_run(e->loop, EVRUN_NOWAIT);
	}
	spin(e, &h, &s, 80);
	/* Every GET got its body: a HEAD answer read with a body would eat
	 * the next response and leave fewer than 80 messages. */
	assert_int_equal(s.n, 80);
	assert_string_equal(s.bodies[0], "");
	assert_int_equal(s.heads[0], 1);
	assert_string_equal(s.bodies[1], "hello\n");
	assert_int_equal(s.heads[1], 0);
	assert_int_equal(c->req_runs, 0);
	assert_int_equal(h.errors, 0);
	assert_int_equal(h.nends, 0);
	buf_free(&resps);
	close(fds[1]);
	engine_free(e);
}

/* More runs waiting than the most tracked (lowered to 8 here, from
 * CONN_REQ_RUNS_MAX): the connection fails saying so, instead of framing
 * the responses that follow without knowing which answers a HEAD. */
static void
more_runs_than_the_cap_fail_the_connection(void **state)
{
	struct engine *e = engine_new(NULL);
	struct harness h;
	struct seen s = { 0 };
	int fds[2], i;
	struct conn *c;

	(void)state;
	harness_attach(&h, e, 5);
	c = http_client(e, fds, &s);
	c->req_max = 8;
	for (i = 0; i < 8; i++)
		conn_send(c, i % 2 ? "GET / HTTP/1.1\r\n\r\n" :
		    "HEAD / HTTP/1.1\r\n\r\n", i % 2 ? 18 : 19);
	assert_int_equal(h.errors, 0);
	assert_int_equal(c->req_runs, 8);
	conn_send(c, "HEAD / HTTP/1.1\r\n\r\n", 19);
	assert_int_equal(h.errors, 1);
	assert_non_null(strstr(h.last_error, "protocol error: more than 8 "
	    "runs of HEAD and other requests"));
	assert_int_equal(c->info.state, CS_FAILED);
	close(fds[1]);
	engine_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pipelined_heads_are_framed_without_a_body_in_order),
		cmocka_unit_test(interim_response_keeps_the_head_for_the_final_one),
		cmocka_unit_test(response_without_length_is_a_message_at_the_close),
		cmocka_unit_test(response_cut_by_the_close_fails_naming_what_was_cut),
		cmocka_unit_test(
		    bytes_that_are_not_requests_stop_the_tracking_with_a_warning),
		cmocka_unit_test(
		  long_alternating_pipelines_grow_the_fifo_and_frame_every_response),
		cmocka_unit_test(more_runs_than_the_cap_fail_the_connection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
