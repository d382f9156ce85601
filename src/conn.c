/* A connection: non-blocking I/O, buffers, states with reasons, counters. */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "conn.h"
#include "util.h"

#define CONN_READ_CHUNK	65536	/* bytes asked of one read() */
#define CONN_READ_BUDGET 8	/* reads per wakeup before yielding */

static void conn_read_cb(struct ev_loop *, ev_io *, int);
static void conn_write_cb(struct ev_loop *, ev_io *, int);
static void conn_timer_cb(struct ev_loop *, ev_timer *, int);
static void conn_finish(struct conn *c, enum conn_state st, const char *reason);
static void conn_connect_step(struct conn *c);

/* Name a socket errno the way a user reads it. */
static const char *
conn_errno_reason(int err)
{
	switch (err) {
	case ECONNREFUSED:	return "connection refused";
	case ECONNRESET:	return "connection reset by peer";
	case ETIMEDOUT:		return "connection timed out";
	case EPIPE:		return "broken pipe (peer closed)";
	case EHOSTUNREACH:	return "host unreachable";
	case ENETUNREACH:	return "network unreachable";
	case EADDRNOTAVAIL:	return "no local address/port available";
	default:		return strerror(err);
	}
}

/* Tell observers the state changed. */
static void
conn_emit_state(struct conn *c)
{
	struct obs_event ev = { .kind = OBS_STATE };

	engine_emit(c->eng, &c->info, &ev);
}

/* Start or stop the read watcher as flow control and state allow. */
static void
conn_update_read(struct conn *c)
{
	int want = !c->dead && !c->rd_eof && !c->paused && !c->backpressure &&
	    !c->user_paused &&
	    !(c->held && buf_len(&c->rx) >= c->eng->lim.max_buffer);

	/* Connecting (or in a TLS handshake, which drives the read watcher
	 * itself): nothing to read yet. */
	if (c->info.state == CS_CONNECTING)
		return;
	if (want && !c->reading) {
		ev_io_start(c->eng->loop, &c->rio);
		c->reading = 1;
		/* Decrypted bytes already inside OpenSSL: no readiness will
		 * announce them. */
		if (transport_tls_pending(&c->tr) > 0)
			ev_feed_event(c->eng->loop, &c->rio, EV_READ);
	} else if (!want && c->reading) {
		ev_io_stop(c->eng->loop, &c->rio);
		c->reading = 0;
	}
}

/* The reason of a failed read or write: the transport's own (TLS:
 * OpenSSL's) when it has one, else errno's. */
static const char *
conn_io_reason(struct conn *c, int err, char *buf, size_t len)
{
	if (err == EPROTO && c->tr.err != NULL) {
		snprintf(buf, len, "tls: %s", c->tr.err);
		return buf;
	}
	return conn_errno_reason(err);
}

/* Give c a TLS transport over fd with the engine's context for its side,
 * keeping what the handshake negotiates in c->info.tls. */
static void
conn_tls_attach(struct conn *c, int fd, struct tls_ctx *ctx)
{
	struct tls_info *ti = (struct tls_info *)c->info.tls;

	if (ti == NULL)
		ti = xcalloc(1, sizeof(*ti));
	else
		memset(ti, 0, sizeof(*ti));
	c->info.tls = ti;
	transport_tls_init(&c->tr, fd, ctx, ti);
	if (c->info.side == SIDE_SERVER)	/* named in a failed handshake */
		transport_describe(&c->tr, c->info.local,
		    sizeof(c->info.local), c->info.peer, sizeof(c->info.peer));
}

/* Mark the connection established and tell its handler. */
static void
conn_opened(struct conn *c)
{
	c->info.state = CS_OPEN;
	c->info.t_open = clock_now_mono();
	c->eng->tot.open++;
	if (c->info.side == SIDE_SERVER)
		c->eng->tot.server_open++;
	transport_describe(&c->tr, c->info.local, sizeof(c->info.local),
	    c->info.peer, sizeof(c->info.peer));
	conn_emit_state(c);
	conn_update_read(c);
	if (c->info.side == SIDE_SERVER && c->eng->lim.idle_timeout > 0)
		conn_timer(c, c->eng->lim.idle_timeout);
	if (c->h->on_open != NULL)
		c->h->on_open(c);
}

struct conn *
conn_new(struct engine *e, int fd, enum conn_side side, enum conn_state st,
    const struct codec *codec, const struct conn_handler *h, void *udata)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	struct obs_event ev = { .kind = OBS_OPENED };
	struct tls_ctx *tls = side == SIDE_SERVER ? e->tls_server :
	    e->tls_client;

	assert(fd >= 0 && h != NULL);
	c->eng = e;
	c->fd = fd;
	transport_tcp_init(&c->tr, fd);
	c->info.side = side;
	if (tls != NULL) {
		/* Open only once the handshake is done (connect_done). */
		conn_tls_attach(c, fd, tls);
		st = CS_CONNECTING;
	}
	c->h = h;
	c->udata = udata;
	c->max_frame = e->lim.max_frame;
	c->info.id = ++e->next_id;
	c->info.side = side;
	c->info.state = CS_CONNECTING;
	c->info.codec = codec != NULL ? codec : codec_find("raw");
	c->info.t_start = clock_now_mono();
	c->info.rtt_last = -1;
	buf_init(&c->rx);
	buf_init(&c->tx);
	buf_init(&c->txreq);
	c->req_track = side == SIDE_CLIENT && c->info.codec == &codec_http;
	ev_io_init(&c->rio, conn_read_cb, fd, EV_READ);
	ev_io_init(&c->wio, conn_write_cb, fd, EV_WRITE);
	ev_init(&c->timer, conn_timer_cb);
	c->rio.data = c->wio.data = c->timer.data = c;
	c->next = e->conns;
	if (e->conns != NULL)
		e->conns->prev = c;
	e->conns = c;
	e->tot.opened++;
	if (st == CS_OPEN)
		c->info.state = CS_OPEN;	/* accepted: open from the start */
	engine_emit(e, &c->info, &ev);
	if (st == CS_OPEN)
		conn_opened(c);
	else
		ev_io_start(e->loop, &c->wio);	/* connect completes on write */
	if (tls != NULL && e->lim.connect_timeout > 0)
		conn_timer(c, e->lim.connect_timeout);	/* handshake bound,
							   also when the TCP
							   connect was done
							   at once */
	return c;
}

/* Write queued bytes until the socket would block; 0 ok, -1 failed. */
static int
conn_flush(struct conn *c)
{
	char why[200];

	while (buf_len(&c->tx) > 0) {
		ssize_t n = transport_write(&c->tr, buf_data(&c->tx),
		    buf_len(&c->tx));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			conn_fail(c, "write: %s", conn_io_reason(c, errno,
			    why, sizeof(why)));
			return -1;
		}
		buf_consume(&c->tx, (size_t)n);
		c->info.bytes_out += (uint64_t)n;
		c->eng->tot.bytes_out += (uint64_t)n;
		c->info.t_last = clock_now_mono();
	}
	if (buf_len(&c->tx) > 0) {
		if (c->tr.want == TRANSPORT_WANT_READ) {
			/* TLS: the write waits for a record from the peer;
			 * the read watcher flushes again after reading. */
			ev_io_stop(c->eng->loop, &c->wio);
			if (!c->reading) {
				ev_io_start(c->eng->loop, &c->rio);
				c->reading = 1;
			}
		} else
			ev_io_start(c->eng->loop, &c->wio);
		return 0;
	}
	ev_io_stop(c->eng->loop, &c->wio);
	buf_shrink(&c->tx, 4096);
	if (c->backpressure) {
		c->backpressure = 0;
		conn_update_read(c);
	}
	if (c->close_after_flush) {
		conn_close(c, c->info.reason[0] ? c->info.reason : "closed by us");
		return -1;
	}
	if (c->shut_after_flush && !c->wr_shut) {
		(void)transport_shutdown(&c->tr);
		c->wr_shut = 1;
		if (c->rd_eof) {
			conn_close(c, "closed (both sides shut down)");
			return -1;
		}
	}
	return 0;
}

/* Stop framing our requests (the responses still decode, without knowing
 * which answer a HEAD), and say why once. */
static void
conn_req_untrack(struct conn *c, const char *why)
{
	c->req_track = 0;
	buf_free(&c->txreq);
	codec_cursor_free(&c->txcur);
	conn_warn(c, "%s: the responses that follow are framed without "
	    "knowing which answer a HEAD request", why);
}

/* Remember one request sent, at the tail of the FIFO, doubling the ring
 * when it is full; -1 when req_max runs are already waiting. */
static int
conn_req_push(struct conn *c, int head)
{
	struct conn_reqrun *last;

	if (c->req_runs > 0) {
		last = &c->reqs[(c->req_first + c->req_runs - 1) % c->req_cap];
		if (last->head == head && last->count < UINT32_MAX) {
			last->count++;
			return 0;
		}
	}
	if (c->req_max == 0)
		c->req_max = CONN_REQ_RUNS_MAX;
	if (c->req_runs >= c->req_max)
		return -1;
	if (c->reqs == NULL) {
		c->req_cap = CONN_REQ_RUNS < c->req_max ? CONN_REQ_RUNS :
		    c->req_max;
		c->reqs = xcalloc(c->req_cap, sizeof(*c->reqs));
		c->req_first = 0;
	} else if (c->req_runs == c->req_cap) {
		/* Grow, moving the runs to the front in FIFO order. */
		uint32_t cap = c->req_cap * 2 < c->req_max ? c->req_cap * 2 :
		    c->req_max, i;
		struct conn_reqrun *n = xcalloc(cap, sizeof(*n));

		for (i = 0; i < c->req_runs; i++)
			n[i] = c->reqs[(c->req_first + i) % c->req_cap];
		free(c->reqs);
		c->reqs = n;
		c->req_cap = cap;
		c->req_first = 0;
	}
	last = &c->reqs[(c->req_first + c->req_runs) % c->req_cap];
	last->count = 1;
	last->head = (uint8_t)(head != 0);
	c->req_runs++;
	return 0;
}

/* Whether the oldest request not answered yet was a HEAD. */
static int
conn_req_head(const struct conn *c)
{
	return c->req_runs > 0 && c->reqs[c->req_first].head;
}

/* A response arrived: it answered the oldest request, unless it is an
 * interim 1xx response (RFC 9110, 15.2), after which the final one comes. */
static void
conn_req_answered(struct conn *c, const struct codec_frame *f)
{
	struct codec_value v;
	struct buf scratch;
	int r;

	if (c->req_runs == 0)
		return;
	buf_init(&scratch);
	r = codec_field(c->info.codec, f, "status", 0, &scratch, &v);
	buf_free(&scratch);
	if (r == 1 && v.type == CODEC_V_INT && v.num >= 100 && v.num < 200 &&
	    v.num != 101)
		return;
	if (--c->reqs[c->req_first].count == 0) {
		c->req_first = (c->req_first + 1) % c->req_cap;
		c->req_runs--;
	}
}

/* Read the bytes we send as HTTP requests, request by request, noting for
 * each whether its method is HEAD. Memory: the bytes of one unfinished
 * request, at most max_frame; CPU: the codec's cursor resumes, so each
 * byte is examined once. */
static void
conn_req_sent(struct conn *c, const unsigned char *p, size_t n)
{
	const struct codec *cd = c->info.codec;

	buf_append(&c->txreq, p, n);
	while (buf_len(&c->txreq) > 0) {
		struct codec_frame f;
		struct codec_value v;
		struct buf scratch;
		char err[160] = "";
		ssize_t used;
		int head;

		memset(&f, 0, sizeof(f));
		used = codec_decode(cd, &c->txcur, buf_data(&c->txreq),
		    buf_len(&c->txreq), c->max_frame, &f, err, sizeof(err));
		if (used == CODEC_NEED_MORE) {
			if (buf_len(&c->txreq) > c->max_frame + 65536)
				conn_req_untrack(c, "a request we sent exceeds "
				    "--max-frame");
			return;
		}
		if (used <= 0) {
			char safe[sizeof(err) * 4], why[sizeof(safe) + 64];

			line_sanitize(err, safe, sizeof(safe));
			snprintf(why, sizeof(why), "the bytes sent are not an "
			    "HTTP request (%s)", safe);
			conn_req_untrack(c, why);
			return;
		}
		buf_init(&scratch);
		head = codec_field(cd, &f, "method", 0, &scratch, &v) == 1 &&
		    v.len == 4 && memcmp(v.s, "HEAD", 4) == 0;
		buf_free(&scratch);
		if (conn_req_push(c, head) < 0) {
			/* Framing on without knowing which response answers
			 * a HEAD would misread the stream: fail instead. */
			conn_fail(c, "protocol error: more than %u runs of "
			    "HEAD and other requests are waiting for their "
			    "responses (the most tracked, CONN_REQ_RUNS_MAX): "
			    "put an expect between them", c->req_max);
			return;
		}
		buf_consume(&c->txreq, (size_t)used);
	}
	buf_shrink(&c->txreq, 4096);
}

void
conn_send(struct conn *c, const void *p, size_t n)
{
	assert(p != NULL || n == 0);
	if (c->dead || n == 0)
		return;
	if (c->wr_shut || c->shut_after_flush || c->close_after_flush) {
		conn_warn(c, "send after close or shutdown: %zu bytes dropped", n);
		return;
	}
	if (c->req_track) {
		conn_req_sent(c, p, n);
		if (c->dead)
			return;
	}
	if (buf_len(&c->tx) == 0 && c->info.state != CS_CONNECTING) {
		/* Fast path: write directly, queue only what does not fit. */
		ssize_t w = transport_write(&c->tr, p, n);

		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR) {
			char why[200];

			conn_fail(c, "write: %s", conn_io_reason(c, errno,
			    why, sizeof(why)));
			return;
		}
		if (w > 0) {
			c->info.bytes_out += (uint64_t)w;
			c->eng->tot.bytes_out += (uint64_t)w;
			c->info.t_last = clock_now_mono();
			p = (const unsigned char *)p + w;
			n -= (size_t)w;
		}
		if (n == 0)
			return;
		buf_append(&c->tx, p, n);
		ev_io_start(c->eng->loop, &c->wio);
	} else {
		buf_append(&c->tx, p, n);
		if (c->info.state == CS_CONNECTING)
			return;
		if (conn_flush(c) < 0)
			return;
	}
	if (buf_len(&c->tx) > c->eng->lim.max_buffer && !c->backpressure &&
	    !c->no_backpressure) {
		/* The peer is not reading our replies: stop reading its input
		 * until it does, so memory stays bounded. */
		c->backpressure = 1;
		conn_update_read(c);
	}
}

void
conn_note_msg_out(struct conn *c, const unsigned char *p, size_t n)
{
	struct codec_frame f = { .frame = p, .frame_len = n, .body = p,
	    .body_len = n };
	struct obs_event ev = { .kind = OBS_MSG, .out = 1, .frame = &f };

	c->info.msgs_out++;
	c->eng->tot.msgs_out++;
	if (c->eng->observers != NULL)
		engine_emit(c->eng, &c->info, &ev);
}

void
conn_send_msg(struct conn *c, const void *p, size_t n)
{
	if (c->dead)
		return;
	conn_note_msg_out(c, p, n);
	conn_send(c, p, n);
}

void
conn_shutdown(struct conn *c)
{
	if (c->dead || c->wr_shut)
		return;
	c->shut_after_flush = 1;
	if (c->info.state == CS_OPEN) {
		c->info.state = CS_CLOSING;
		conn_emit_state(c);
	}
	if (buf_len(&c->tx) == 0 && c->info.state != CS_CONNECTING)
		conn_flush(c);
}

void
conn_close_after_flush(struct conn *c, const char *reason)
{
	if (c->dead)
		return;
	snprintf(c->info.reason, sizeof(c->info.reason), "%s", reason);
	c->close_after_flush = 1;
	if (c->info.state == CS_OPEN) {
		c->info.state = CS_CLOSING;
		conn_emit_state(c);
	}
	if (buf_len(&c->tx) == 0)
		conn_close(c, reason);
	else
		conn_update_read(c);
}

void
conn_close(struct conn *c, const char *reason)
{
	conn_finish(c, CS_CLOSED, reason);
}

void
conn_fail(struct conn *c, const char *fmt, ...)
{
	char reason[sizeof(c->info.reason)];
	struct obs_event ev = { .kind = OBS_ERROR, .text = reason };
	va_list ap;

	if (c->dead)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	engine_emit(c->eng, &c->info, &ev);
	conn_finish(c, CS_FAILED, reason);
}

void
conn_warn(struct conn *c, const char *fmt, ...)
{
	char text[256];
	struct obs_event ev = { .kind = OBS_ERROR, .text = text };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	engine_emit(c->eng, &c->info, &ev);
	if (c->h != NULL && c->h->on_warn != NULL)
		c->h->on_warn(c, text);
}

/* Stop everything, close the fd, record the end, and queue the free. */
static void
conn_finish(struct conn *c, enum conn_state st, const char *reason)
{
	struct engine *e = c->eng;
	struct obs_event ev = { .kind = OBS_CLOSED };
	int was_open = c->info.state == CS_OPEN || c->info.state == CS_CLOSING;

	if (c->dead)
		return;
	c->dead = 1;
	codec_cursor_free(&c->cursor);
	codec_cursor_free(&c->txcur);
	buf_free(&c->txreq);
	ev_io_stop(e->loop, &c->rio);
	ev_io_stop(e->loop, &c->wio);
	ev_timer_stop(e->loop, &c->timer);
	c->reading = 0;
	transport_close(&c->tr);
	c->fd = -1;
	if (reason != c->info.reason)
		snprintf(c->info.reason, sizeof(c->info.reason), "%s", reason);
	c->info.state = st;
	c->info.t_closed = clock_now_mono();
	if (was_open) {
		e->tot.open--;
		if (c->info.side == SIDE_SERVER)
			e->tot.server_open--;
	}
	if (st == CS_FAILED)
		e->tot.failed++;
	else
		e->tot.closed++;
	engine_emit(e, &c->info, &ev);
	/* Unlink; the engine calls on_close and frees it from the loop, never
	 * under a callback that may still use the handler's state. */
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		e->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = NULL;
	c->next = e->dead;
	e->dead = c;
	if (!e->dead_held) {
		/* Keep the loop going one more turn so the reaper runs. */
		ev_ref(e->loop);
		e->dead_held = 1;
	}
}

void
conn_connect_swap(struct conn *c, int fd)
{
	ev_io_stop(c->eng->loop, &c->wio);
	ev_timer_stop(c->eng->loop, &c->timer);
	transport_close(&c->tr);
	transport_tcp_init(&c->tr, fd);
	if (c->eng->tls_client != NULL && c->info.side == SIDE_CLIENT)
		conn_tls_attach(c, fd, c->eng->tls_client);
	c->fd = fd;
	ev_io_set(&c->rio, fd, EV_READ);
	ev_io_set(&c->wio, fd, EV_WRITE);
	ev_io_start(c->eng->loop, &c->wio);	/* connect completes on write */
}

int
conn_starttls(struct conn *c, char *why, size_t whylen)
{
	struct tls_ctx *ctx = c->info.side == SIDE_CLIENT ?
	    c->eng->tls_starttls : c->eng->tls_starttls_server;

	if (ctx == NULL) {
		snprintf(why, whylen, "starttls: no TLS context (run makes "
		    "one for scenarios with a starttls step)");
		return -1;
	}
	if (c->dead || c->info.state != CS_OPEN ||
	    c->tr.ops == &transport_tls_ops) {
		snprintf(why, whylen, "starttls: the connection is not an "
		    "open plain connection");
		return -1;
	}
	if (buf_len(&c->rx) > 0 || buf_len(&c->tx) > 0) {
		snprintf(why, whylen, "starttls: %zu plaintext bytes %s after "
		    "the go-ahead: refused (they would pass as protected)",
		    buf_len(&c->rx) > 0 ? buf_len(&c->rx) : buf_len(&c->tx),
		    buf_len(&c->rx) > 0 ? "received" : "still to send");
		return -1;
	}
	conn_tls_attach(c, c->fd, ctx);
	/* Send the client hello now: the next step may be an expect. */
	if (transport_connect_done(&c->tr) < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			conn_fail(c, "tls: %s", c->tr.err != NULL ? c->tr.err :
			    conn_errno_reason(errno));
			return 0;	/* failed with the reason */
		}
		if (c->tr.want == TRANSPORT_WANT_WRITE)
			ev_io_start(c->eng->loop, &c->wio);
		else if (!c->reading) {
			ev_io_start(c->eng->loop, &c->rio);
			c->reading = 1;
		}
	}
	return 0;
}

void
conn_timer(struct conn *c, double seconds)
{
	if (c->dead)
		return;
	ev_timer_stop(c->eng->loop, &c->timer);
	if (seconds > 0) {
		ev_timer_set(&c->timer, seconds, 0.);
		ev_timer_start(c->eng->loop, &c->timer);
	}
}

void
conn_pause(struct conn *c, int paused)
{
	c->paused = paused != 0;
	conn_update_read(c);
	if (!paused && !c->dead && buf_len(&c->rx) > 0)
		conn_process(c);
}

void
conn_pause_read(struct conn *c)
{
	if (c->dead)
		return;
	c->user_paused = 1;
	c->info.read_paused = 1;
	conn_update_read(c);
}

void
conn_resume_read(struct conn *c)
{
	if (c->dead)
		return;
	c->user_paused = 0;
	c->info.read_paused = 0;
	conn_update_read(c);
	if (buf_len(&c->rx) > 0 || c->rd_eof)
		conn_process(c);
}

int
conn_reset(struct conn *c, const char *reason)
{
	struct linger lg = { 1, 0 };
	int r = 0;

	if (c->dead)
		return 0;
	if (c->fd >= 0 && setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg,
	    sizeof(lg)) < 0)
		r = -1;
	/* The queued bytes and a TLS close_notify go nowhere: an abort. */
	buf_reset(&c->tx);
	conn_close(c, reason);
	return r;
}

void
conn_user_take(struct conn *c)
{
	if (c->dead)
		return;
	c->user_io = 1;
	if (c->held)
		conn_hold(c, 0);
}

void
conn_send_user(struct conn *c, const void *p, size_t n)
{
	if (c->dead)
		return;
	conn_send_msg(c, p, n);
	conn_user_take(c);
}

struct conn *
conn_of_info(const struct conn_info *ci)
{
	/* info is struct conn's first member. */
	return (struct conn *)(void *)((char *)(uintptr_t)ci -
	    offsetof(struct conn, info));
}

void
conn_hold(struct conn *c, int held)
{
	c->held = held != 0 && !c->user_io;
	conn_update_read(c);
	if (!held && !c->dead)
		conn_process(c);
}

void
conn_rtt(struct conn *c, double seconds)
{
	c->info.rtt_last = seconds;
}

/* Count one decoded frame, tell the observers and the handler; head says
 * it was framed as the answer to a HEAD request. */
static void
conn_deliver(struct conn *c, const struct codec_frame *f, int head)
{
	c->info.msgs_in++;
	c->eng->tot.msgs_in++;
	if (c->req_runs > 0)
		conn_req_answered(c, f);
	if (c->eng->observers != NULL) {
		struct obs_event ev = { .kind = OBS_MSG, .frame = f };

		engine_emit(c->eng, &c->info, &ev);
	}
	c->rx_head = head != 0;
	if (c->h->on_msg != NULL)
		c->h->on_msg(c, f);
}

/* Decode and deliver whole frames from p[0..n); returns bytes consumed.
 * Before each frame, the cursor learns whether it answers a HEAD. */
static size_t
conn_decode(struct conn *c, const unsigned char *p, size_t n)
{
	const struct codec *cd = c->info.codec;
	size_t done = 0;

	while (!c->dead && !c->paused && !c->held && done < n) {
		struct codec_frame f;
		char err[160] = "";
		ssize_t used;
		int head = conn_req_head(c);

		memset(&f, 0, sizeof(f));
		if (head)
			codec_cursor_hint(cd, &c->cursor, CODEC_HINT_HEAD);
		used = codec_decode(cd, &c->cursor, p + done, n - done,
		    c->max_frame, &f, err, sizeof(err));
		if (used == CODEC_NEED_MORE) {
			if (n - done > c->max_frame + 65536)
				conn_fail(c, "protocol error: %s frame exceeds "
				    "%zu bytes", cd->name, c->max_frame);
			break;
		}
		if (used <= 0) {
			/* The reason may quote the peer's bytes: escape
			 * them before they reach a log, a terminal or a
			 * report. */
			char safe[sizeof(err) * 4];

			line_sanitize(err, safe, sizeof(safe));
			conn_fail(c, "protocol error: %s: %s", cd->name,
			    err[0] ? safe : "malformed frame");
			break;
		}
		conn_deliver(c, &f, head);
		done += (size_t)used;
	}
	return done;
}

/* The close cut the pending frame short: fail, saying what was cut (for
 * a response whose head is whole, its start line, the body bytes that
 * came and the Content-Length it announced). */
static void
conn_eof_cut(struct conn *c)
{
	const struct codec *cd = c->info.codec;
	struct codec_frame f = { .frame = buf_data(&c->rx),
	    .frame_len = buf_len(&c->rx) };
	struct codec_value v;
	struct buf scratch;
	char what[200] = "", len[48] = "";

	buf_init(&scratch);
	if (codec_field(cd, &f, "status", 0, &scratch, &v) == 1 &&
	    cd->describe != NULL) {
		cd->describe(&f, what, sizeof(what));
		if (codec_field(cd, &f, "header:Content-Length", 0, &scratch,
		    &v) == 1 && v.len < 24)
			snprintf(len, sizeof(len), " of Content-Length %.*s",
			    (int)v.len, v.s);
	}
	buf_free(&scratch);
	if (what[0] != '\0')
		conn_fail(c, "protocol error: EOF inside a %s frame (%zu bytes "
		    "pending: %s%s)", cd->name, buf_len(&c->rx), what, len);
	else
		conn_fail(c, "protocol error: EOF inside a %s frame (%zu bytes "
		    "pending)", cd->name, buf_len(&c->rx));
}

/* The peer closed with bytes pending that no frame took: the codec decodes
 * them one last time (an HTTP response without a length ends at the close,
 * RFC 9112 6.3), and each frame that gives goes to the handler. 0 when
 * nothing is pending any more, 1 when the handler held or paused the
 * connection meanwhile (a release comes back here), -1 when it failed:
 * the close cut a frame short (rx keeps its bytes for the report). */
static int
conn_decode_eof(struct conn *c)
{
	const struct codec *cd = c->info.codec;

	while (buf_len(&c->rx) > 0) {
		struct codec_frame f;
		char err[160] = "";
		ssize_t used;
		int head = conn_req_head(c);

		memset(&f, 0, sizeof(f));
		if (head)
			codec_cursor_hint(cd, &c->cursor, CODEC_HINT_HEAD);
		used = codec_decode_eof(cd, &c->cursor, buf_data(&c->rx),
		    buf_len(&c->rx), c->max_frame, &f, err, sizeof(err));
		if (used == 0)
			break;
		if (used < 0) {
			char safe[sizeof(err) * 4];

			/* codec_decode_eof says "connection closed in the
			 * middle of a ... frame" when only the close is
			 * wrong; any other reason is the frame's own. */
			if (strncmp(err, "connection closed in the middle",
			    31) == 0) {
				conn_eof_cut(c);
				return -1;
			}
			line_sanitize(err, safe, sizeof(safe));
			conn_fail(c, "protocol error: %s: %s", cd->name,
			    err[0] ? safe : "malformed frame");
			return -1;
		}
		c->in_decode = 1;
		conn_deliver(c, &f, head);
		c->in_decode = 0;
		if (c->dead)
			return -1;
		buf_consume(&c->rx, (size_t)used);
		if (c->paused || c->held)
			return 1;
	}
	return 0;
}

/* Tell the handler about the peer's EOF once every frame is delivered. */
static void
conn_check_eof(struct conn *c)
{
	if (c->dead || !c->rd_eof || c->paused || c->held || c->eof_told)
		return;
	if (buf_len(&c->rx) > 0 && conn_decode_eof(c) != 0)
		return;
	c->eof_told = 1;
	if (c->h->on_eof != NULL)
		c->h->on_eof(c);
	else if (c->wr_shut)
		conn_close(c, "closed (both sides shut down)");
	else if (buf_len(&c->tx) > 0)
		conn_close_after_flush(c, "EOF (peer closed)");
	else
		conn_close(c, "EOF (peer closed)");
}

void
conn_process(struct conn *c)
{
	size_t used;

	if (c->in_decode || c->dead)
		return;
	c->in_decode = 1;
	used = conn_decode(c, buf_data(&c->rx), buf_len(&c->rx));
	c->in_decode = 0;
	if (c->dead)
		return;
	buf_consume(&c->rx, used);
	if (buf_len(&c->rx) == 0)
		buf_shrink(&c->rx, 4096);
	conn_update_read(c);	/* a held rx may have room again */
	conn_check_eof(c);
}

/* New bytes arrived: decode straight from the read buffer when nothing is
 * pending, and keep only an incomplete tail in the connection's rx. */
static void
conn_input(struct conn *c, const unsigned char *p, size_t n)
{
	size_t used;

	if (buf_len(&c->rx) > 0 || c->in_decode) {
		buf_append(&c->rx, p, n);
		conn_process(c);
		return;
	}
	c->in_decode = 1;
	used = conn_decode(c, p, n);
	c->in_decode = 0;
	if (!c->dead && used < n)
		buf_append(&c->rx, p + used, n - used);
}

/* The peer sent FIN: deliver what is buffered, then tell the handler. */
static void
conn_got_eof(struct conn *c)
{
	c->rd_eof = 1;
	conn_update_read(c);
	conn_process(c);
}

/* Readable: read until EAGAIN or the budget is spent, then decode. */
static void
conn_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	static unsigned char scratch[CONN_READ_CHUNK];
	struct conn *c = w->data;
	uint64_t msgs;
	int i;

	(void)loop;
	(void)revents;
	if (c->info.state == CS_CONNECTING) {
		conn_connect_step(c);	/* a TLS handshake wants to read */
		return;
	}
	for (i = 0; i < CONN_READ_BUDGET && !c->dead; i++) {
		ssize_t n = transport_read(&c->tr, scratch, sizeof(scratch));

		if (n < 0) {
			char why[200];

			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (c->tr.want == TRANSPORT_WANT_WRITE)
					ev_io_start(c->eng->loop, &c->wio);
				break;
			}
			conn_fail(c, "%s", conn_io_reason(c, errno, why,
			    sizeof(why)));
			return;
		}
		if (n == 0) {
			conn_got_eof(c);
			return;
		}
		c->info.bytes_in += (uint64_t)n;
		c->eng->tot.bytes_in += (uint64_t)n;
		c->info.t_last = c->info.t_read = clock_now_mono();
		msgs = c->info.msgs_in;
		conn_input(c, scratch, (size_t)n);
		/* Bytes trickling into a frame that never completes (slowloris)
		 * are not traffic: only a whole message or an empty rx buffer
		 * restarts the idle timer. */
		if (c->info.side == SIDE_SERVER && c->eng->lim.idle_timeout > 0 &&
		    (c->info.msgs_in != msgs || buf_len(&c->rx) == 0))
			conn_timer(c, c->eng->lim.idle_timeout);
		if (c->held)
			conn_update_read(c);	/* stop at max_buffer */
		/* A TLS read returns one record (16 KiB at most): go on
		 * until EAGAIN or the budget. */
		if (c->paused || c->user_paused || c->backpressure ||
		    !c->reading ||
		    ((size_t)n < sizeof(scratch) &&
		    c->tr.ops != &transport_tls_ops))
			break;
	}
	/* TLS: a write that waited for the peer's record may go on now. */
	if (!c->dead && c->tr.ops == &transport_tls_ops &&
	    buf_len(&c->tx) > 0 && c->info.state != CS_CONNECTING)
		(void)conn_flush(c);
}

/* Finish a connect (and a TLS handshake): open the connection, wait for
 * the readiness the transport names, or fail with its reason. */
static void
conn_connect_step(struct conn *c)
{
	struct ev_loop *loop = c->eng->loop;

	if (transport_connect_done(&c->tr) < 0) {
		int err = errno;

		if (err == EAGAIN || err == EWOULDBLOCK) {
			/* The handshake waits: arm only the watcher it names
			 * (the read watcher is not flow control yet). */
			if (c->tr.want == TRANSPORT_WANT_READ) {
				ev_io_stop(loop, &c->wio);
				ev_io_start(loop, &c->rio);
				c->reading = 1;
			} else {
				ev_io_stop(loop, &c->rio);
				c->reading = 0;
				ev_io_start(loop, &c->wio);
			}
			return;
		}
		if (err == EPROTO && c->tr.err != NULL)
			conn_fail(c, "tls: %s", c->tr.err);
		else if (c->connect_failed != NULL)
			c->connect_failed(c, err);
		else
			conn_fail(c, "connect: %s", conn_errno_reason(err));
		return;
	}
	ev_io_stop(loop, &c->rio);
	c->reading = 0;
	conn_timer(c, 0);
	conn_opened(c);
}

/* Writable: finish a connect, or flush queued bytes. */
static void
conn_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = w->data;

	(void)loop;
	(void)revents;
	if (c->info.state == CS_CONNECTING) {
		conn_connect_step(c);
		if (c->dead || c->info.state == CS_CONNECTING)
			return;
	}
	if (conn_flush(c) < 0 || c->dead)
		return;
	if (c->tr.ops == &transport_tls_ops && buf_len(&c->tx) == 0 &&
	    c->tr.want == TRANSPORT_WANT_WRITE && c->reading) {
		/* A TLS read waited for the socket to take a record. */
		c->tr.want = TRANSPORT_WANT_NONE;
		ev_io_stop(c->eng->loop, &c->wio);
		conn_read_cb(c->eng->loop, &c->rio, EV_READ);
		if (c->dead)
			return;
	}
	if (buf_len(&c->tx) == 0 && c->h->on_drain != NULL)
		c->h->on_drain(c);
}

/* The connection's timer fired: a connect, idle or handler timeout. */
static void
conn_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct conn *c = w->data;

	(void)loop;
	(void)revents;
	if (c->info.state == CS_CONNECTING) {
		if (transport_tls_handshaking(&c->tr)) {
			conn_fail(c, "tls: handshake timeout after %.1fs",
			    c->eng->lim.connect_timeout);
			return;
		}
		if (c->connect_failed != NULL) {
			c->connect_failed(c, ETIMEDOUT);
			return;
		}
		conn_fail(c, "connect timeout after %.1fs",
		    c->eng->lim.connect_timeout);
		return;
	}
	if (c->h->on_timer != NULL) {
		c->h->on_timer(c);
		return;
	}
	if (c->info.side == SIDE_SERVER && c->eng->lim.idle_timeout > 0) {
		double quiet = clock_now_mono() - c->info.t_last;

		/* Output still being written (a long download) is traffic;
		 * an unfinished input frame is not. */
		if (buf_len(&c->rx) == 0 && quiet >= 0 &&
		    quiet < c->eng->lim.idle_timeout) {
			conn_timer(c, c->eng->lim.idle_timeout - quiet);
			return;
		}
		conn_fail(c, "idle timeout (%.1fs without traffic)",
		    c->eng->lim.idle_timeout);
	} else
		conn_fail(c, "timeout");
}

void
conn_destroy(struct conn *c)
{
	assert(c->dead);
	transport_close(&c->tr);
	buf_free(&c->rx);
	buf_free(&c->tx);
	buf_free(&c->txreq);
	codec_cursor_free(&c->txcur);
	free(c->reqs);
	free((void *)c->info.tls);
	free(c);
}

const char *
conn_state_name(enum conn_state s)
{
	switch (s) {
	case CS_CONNECTING:	return "connecting";
	case CS_OPEN:		return "open";
	case CS_CLOSING:	return "closing";
	case CS_CLOSED:		return "closed";
	case CS_FAILED:		return "failed";
	}
	return "?";
}
