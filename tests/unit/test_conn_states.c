/* The connection state machine on socketpairs: state transitions and their
 * events, partial writes, half-close, backpressure, EOF inside a frame. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include "conn.h"
#include "util.h"
#include "loop_harness.h"

/* A non-blocking socketpair: fds[0] for the conn, fds[1] for the test. */
static void
pair(int fds[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
}

/* Record the state sequence one connection goes through. */
struct states {
	struct observer	obs;
	enum conn_state	seq[16];
	int		n;
	int		msgs_in, msgs_out;
};

static void
states_cb(void *ctx, const struct conn_info *ci, const struct obs_event *ev)
{
	struct states *s = ctx;

	if ((ev->kind == OBS_STATE || ev->kind == OBS_CLOSED ||
	    ev->kind == OBS_OPENED) && s->n < 16)
		s->seq[s->n++] = ci->state;
	if (ev->kind == OBS_MSG && ev->out)
		s->msgs_out++;
	else if (ev->kind == OBS_MSG)
		s->msgs_in++;
}

static const struct conn_handler plain = { 0 };

static void
open_shutdown_eof_goes_open_closing_closed(void **state)
{
	struct engine *e = engine_new(NULL);
	struct states st = { .obs = { .on_event = states_cb } };
	struct harness h;
	char buf[64];
	int fds[2];
	struct conn *c;

	(void)state;
	st.obs.ctx = &st;
	engine_observe(e, &st.obs);
	harness_attach(&h, e, 5);
	pair(fds);
	c = conn_new(e, fds[0], SIDE_CLIENT, CS_OPEN, codec_find("line"),
	    &plain, NULL);
	conn_send_msg(c, "bye\n", 4);
	conn_shutdown(c);
	assert_int_equal(c->info.state, CS_CLOSING);
	/* The peer sees the line, then EOF, and can still talk to us. */
	assert_int_equal(read(fds[1], buf, sizeof(buf)), 4);
	assert_int_equal(read(fds[1], buf, sizeof(buf)), 0);
	assert_int_equal(write(fds[1], "late reply\n", 11), 11);
	close(fds[1]);
	while (h.nends == 0 && !h.timed_out)
		ev_run(e->loop, EVRUN_ONCE);
	assert_int_equal(st.n, 4);
	assert_int_equal(st.seq[0], CS_OPEN);		/* OPENED */
	assert_int_equal(st.seq[1], CS_OPEN);		/* STATE: open */
	assert_int_equal(st.seq[2], CS_CLOSING);
	assert_int_equal(st.seq[3], CS_CLOSED);
	assert_int_equal(st.msgs_in, 1);		/* the late reply */
	assert_int_equal(st.msgs_out, 1);
	assert_string_equal(h.ends[0].reason, "closed (both sides shut down)");
	assert_int_equal(h.ends[0].bytes_in, 11);
	engine_free(e);
}

/* Reads slowly on the test side: returns total bytes read. */
static size_t
drain_some(int fd, unsigned char *dst, size_t cap)
{
	ssize_t n = read(fd, dst, cap);

	return n > 0 ? (size_t)n : 0;
}

static void
partial_writes_deliver_every_byte_in_order(void **state)
{
	struct engine *e = engine_new(NULL);
	size_t total = 4 * 1024 * 1024, got = 0, i;
	unsigned char *data = xmalloc(total), *recv = xmalloc(total);
	int fds[2], small = 4096;
	struct conn *c;

	(void)state;
	for (i = 0; i < total; i++)
		data[i] = (unsigned char)(i * 31 + (i >> 11));
	pair(fds);
	setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	c = conn_new(e, fds[0], SIDE_SERVER, CS_OPEN, NULL, &plain, NULL);
	conn_send(c, data, total);
	/* Only part fits in the socket; the rest is queued. */
	assert_true(buf_len(&c->tx) > 0);
	while (got < total) {
		got += drain_some(fds[1], recv + got, total - got);
		ev_run(e->loop, EVRUN_NOWAIT);
	}
	assert_memory_equal(recv, data, total);
	assert_int_equal(buf_len(&c->tx), 0);
	assert_int_equal(c->info.bytes_out, total);
	close(fds[1]);
	free(data);
	free(recv);
	engine_free(e);
}

static void
peer_not_reading_stops_our_reads_at_the_high_water_mark(void **state)
{
	struct engine_limits lim;
	struct engine *e;
	unsigned char chunk[65536];
	int fds[2];
	struct conn *c;
	size_t sent = 0;

	(void)state;
	engine_limits_default(&lim);
	lim.max_buffer = 256 * 1024;
	e = engine_new(&lim);
	memset(chunk, 'x', sizeof(chunk));
	pair(fds);
	c = conn_new(e, fds[0], SIDE_SERVER, CS_OPEN, NULL, &plain, NULL);
	while (sent < 1024 * 1024) {
		conn_send(c, chunk, sizeof(chunk));
		sent += sizeof(chunk);
	}
	assert_true(c->backpressure);
	assert_false(c->reading);
	/* Once the peer reads everything, reading resumes. */
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	while (c->backpressure) {
		while (read(fds[1], chunk, sizeof(chunk)) > 0)
			;
		ev_run(e->loop, EVRUN_NOWAIT);
	}
	assert_true(c->reading);
	close(fds[1]);
	engine_free(e);
}

static void
eof_inside_a_frame_is_a_protocol_error(void **state)
{
	struct engine *e = engine_new(NULL);
	struct harness h;
	int fds[2];

	(void)state;
	harness_attach(&h, e, 5);
	pair(fds);
	conn_new(e, fds[0], SIDE_SERVER, CS_OPEN, codec_find("len16"), &plain,
	    NULL);
	assert_int_equal(write(fds[1], "\x00\x10half", 6), 6);
	close(fds[1]);
	while (h.nends == 0 && !h.timed_out)
		ev_run(e->loop, EVRUN_ONCE);
	assert_int_equal(h.ends[0].state, CS_FAILED);
	assert_non_null(strstr(h.ends[0].reason, "EOF inside a len16 frame"));
	assert_non_null(strstr(h.ends[0].reason, "6 bytes pending"));
	engine_free(e);
}

static void
oversized_frame_fails_before_it_is_buffered(void **state)
{
	struct engine_limits lim;
	struct engine *e;
	struct harness h;
	int fds[2];

	(void)state;
	engine_limits_default(&lim);
	lim.max_frame = 1000;
	e = engine_new(&lim);
	harness_attach(&h, e, 5);
	pair(fds);
	conn_new(e, fds[0], SIDE_SERVER, CS_OPEN, codec_find("len32"), &plain,
	    NULL);
	/* A 4 GiB - 1 length prefix. */
	assert_int_equal(write(fds[1], "\xff\xff\xff\xff", 4), 4);
	while (h.nends == 0 && !h.timed_out)
		ev_run(e->loop, EVRUN_ONCE);
	assert_int_equal(h.ends[0].state, CS_FAILED);
	assert_non_null(strstr(h.ends[0].reason, "protocol error: len32"));
	assert_int_equal(h.errors, 1);
	close(fds[1]);
	engine_free(e);
}

/* What a held connection's handler saw. */
struct heard {
	size_t	msgs, bytes, eof, bad;
	size_t	next;		/* the number the next line must carry */
};

static void
heard_msg(struct conn *c, const struct codec_frame *f)
{
	struct heard *h = c->udata;
	char want[32];

	snprintf(want, sizeof(want), "%zu", h->next++);
	if (f->body_len != strlen(want) || memcmp(f->body, want,
	    f->body_len) != 0)
		h->bad++;
	h->msgs++;
	h->bytes += f->frame_len;
}

static void
heard_eof(struct conn *c)
{
	struct heard *h = c->udata;

	h->eof++;
	conn_close(c, "EOF");
}

static const struct conn_handler heard_handler = {
	.on_msg = heard_msg,
	.on_eof = heard_eof,
};

/* A held connection keeps reading (so a peer writing to us never blocks
 * on us) without decoding, stops at max_buffer bytes, and on release
 * delivers every frame in order, then the EOF. */
static void
held_conn_reads_up_to_max_buffer_and_releases_frames_in_order(void **state)
{
	struct engine_limits lim;
	struct engine *e;
	struct heard h = { 0 };
	char line[32];
	size_t sent = 0, lines = 0, i;
	int fds[2], spins;
	struct conn *c;

	(void)state;
	engine_limits_default(&lim);
	lim.max_buffer = 64 * 1024;
	e = engine_new(&lim);
	pair(fds);
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	c = conn_new(e, fds[0], SIDE_CLIENT, CS_OPEN, codec_find("line"),
	    &heard_handler, &h);
	conn_hold(c, 1);
	/* Write numbered lines until the socket stops taking them, letting
	 * the loop read between writes: well past max_buffer in all. */
	for (spins = 0; spins < 2000 && sent < 4 * lim.max_buffer; spins++) {
		for (;;) {
			int n = snprintf(line, sizeof(line), "%zu\n", lines);

			if (write(fds[1], line, (size_t)n) != n)
				break;
			lines++;
			sent += (size_t)n;
		}
		ev_run(e->loop, EVRUN_NOWAIT);
	}
	assert_true(sent > lim.max_buffer);
	assert_int_equal(h.msgs, 0);		/* nothing decoded */
	assert_true(buf_len(&c->rx) >= lim.max_buffer);
	assert_true(buf_len(&c->rx) <= lim.max_buffer + 8 * 65536);
	assert_false(c->reading);		/* stopped at the limit */
	close(fds[1]);
	for (i = 0; i < 10; i++)
		ev_run(e->loop, EVRUN_NOWAIT);
	assert_int_equal(h.eof, 0);		/* not while held */
	conn_hold(c, 0);
	for (i = 0; i < 10000 && h.eof == 0; i++)
		ev_run(e->loop, EVRUN_NOWAIT);
	assert_int_equal(h.msgs, lines);
	assert_int_equal(h.bytes, sent);
	assert_int_equal(h.bad, 0);
	assert_int_equal(h.eof, 1);
	engine_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_shutdown_eof_goes_open_closing_closed),
		cmocka_unit_test(partial_writes_deliver_every_byte_in_order),
		cmocka_unit_test(peer_not_reading_stops_our_reads_at_the_high_water_mark),
		cmocka_unit_test(eof_inside_a_frame_is_a_protocol_error),
		cmocka_unit_test(oversized_frame_fails_before_it_is_buffered),
		cmocka_unit_test(
		    held_conn_reads_up_to_max_buffer_and_releases_frames_in_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
