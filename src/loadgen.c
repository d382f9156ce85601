/* The load generator: request loops on pool connections, timed into one
 * histogram per loop, with errors counted by cause. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <ev.h>
#include "clock.h"
#include "conn.h"
#include "loadgen.h"
#include "pool.h"
#include "server.h"
#include "service.h"
#include "transport.h"
#include "util.h"

#define LG_BATCH_MAX	(64 * 1024)	/* bytes of requests written at once */
#define LG_MAGIC	"SBLG"
#define LG_TEARDOWN	1.0	/* seconds a graceful close waits for FINs */
#define LG_DRAIN_NO_TIMEOUT 5.0	/* drain without a request timeout */

/* One per client connection: made by the pool through lg_make, freed by
 * lg_on_close. The ring of send times is allocated with it. */
struct lg_conn {
	struct loadgen	*lg;
	ev_timer	 tmo;		/* checks the oldest request in flight */
	uint64_t	 n;		/* 0-based; >= conns for a reopen */
	uint64_t	 rx_part;	/* bytes of the reply still arriving */
	double		 due;		/* LG_RATE: next request is due */
	double		 t_first;	/* first request sent; 0 before */
	uint32_t	 head;		/* oldest request in flight */
	uint32_t	 inflight;
	unsigned	 started:1;	/* requests flowing */
	unsigned	 got_first:1;	/* first reply byte seen */
	unsigned	 stalled:1;	/* closed by us: a request timed out */
	unsigned	 churn:1;	/* closed by us: --conn-requests */
	uint64_t	 issued, answered;	/* requests on this connection */
	uint32_t	 ts[];		/* send times, us since lg->t0 */
};

/* Owned by whoever called loadgen_new; loadgen_free releases it. */
struct loadgen {
	struct loadgen_cfg	 cfg;
	struct engine		*eng;
	struct server		*srv;
	struct service_cfg	 svc;
	int			 has_svc;
	struct pool		*pool;
	char			 target[96];
	unsigned char		*batch;		/* batch_n copies of the msg */
	size_t			 batch_n;
	uint32_t		 mask;		/* ring size - 1 (power of 2) */
	size_t			 reply_len;
	int			 count_bytes;	/* raw codec: replies by size */
	double			 t0, t_run;
	int			 running, stopped, closing;
	int			 draining;	/* window over: no more sends */
	int			 tearing;	/* graceful teardown under way */
	uint32_t		 tmo_us;	/* request timeout; 0: none */
	/* LG_RATE with --conn-requests: the schedules of churned
	 * connections (their next due time), handed in order to the
	 * connections that replace them, so that requests due while one
	 * reconnects are sent late, not forgotten. A ring. */
	double			*carry;
	size_t			 carry_head, carry_n, carry_cap;
	uint64_t		 inflight;	/* over every connection */
	uint64_t		 settled;	/* first connects done or failed */
	uint64_t		 open;
	uint64_t		 ivl_requests;
	double			 t_ivl;
	struct engine_timer	*ramp_timer, *end_timer, *prog_timer;
	struct engine_timer	*drain_timer, *td_timer;
	struct engine_timer	*wait_timer;	/* until cfg.start_at */
	struct hist		 ivl;
	struct loadgen_result	 res;
	char			 tls_err[128];	/* the first TLS failure */
};

static void lg_finish(struct loadgen *lg, uint64_t why);

static const char *const lg_cause_names[LG_ERR_N] = {
	"refused", "reset", "timeout", "connect_timeout", "eof", "protocol",
	"address", "socket", "tls", "other"
};

void
loadgen_live(const struct loadgen *lg, struct loadgen_counts *n)
{
	const struct conn *c;

	*n = lg->res.n;
	if (lg->stopped)
		return;		/* the report's own figures */
	if (!lg->draining) {
		n->seconds = lg->running ? ev_now(lg->eng->loop) - lg->t_run : 0;
		n->requests = lg->res.n.answered;
	}
	n->open_end = lg->open;
	for (c = lg->eng->conns; c != NULL; c = c->next)
		if (c->owner == lg->pool && c->udata != NULL)
			n->bytes_out += c->info.bytes_out;
}

const char *
loadgen_cause_name(enum loadgen_cause c)
{
	return c < LG_ERR_N ? lg_cause_names[c] : "?";
}

enum loadgen_cause
loadgen_cause_of(const char *reason)
{
	if (strncmp(reason, "tls: ", 5) == 0 ||
	    strncmp(reason, "write: tls: ", 12) == 0)
		return LG_ERR_TLS;
	if (strstr(reason, "protocol error") != NULL)
		return LG_ERR_PROTOCOL;
	if (strstr(reason, "refused") != NULL)
		return LG_ERR_REFUSED;
	if (strstr(reason, "reset") != NULL ||
	    strstr(reason, "broken pipe") != NULL)
		return LG_ERR_RESET;
	if (strstr(reason, "connect timeout") != NULL ||
	    strstr(reason, "connect: connection timed out") != NULL)
		return LG_ERR_CONNECT_TIMEOUT;
	if (strstr(reason, "stalled") != NULL)
		return LG_ERR_TIMEOUT;
	if (strstr(reason, "no local address") != NULL ||
	    strstr(reason, "Cannot assign") != NULL)
		return LG_ERR_ADDR;
	if (strstr(reason, "EOF") != NULL)
		return LG_ERR_EOF;
	return LG_ERR_OTHER;
}

uint64_t
loadgen_rss_kib(void)
{
	char line[256];
	unsigned long long kib = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %llu kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* Microseconds since the run started, by the loop's clock. */
static uint32_t
lg_now_us(struct loadgen *lg)
{
	return (uint32_t)((ev_now(lg->eng->loop) - lg->t0) * 1e6);
}

/* Send up to k requests on c, as many as the depth and the request limit
 * allow, in as few writes as the batch buffer permits; returns how many. */
static uint32_t
lg_send(struct conn *c, uint32_t k)
{
	struct lg_conn *lc = c->udata;
	struct loadgen *lg = lc->lg;
	uint32_t room = lg->mask + 1 - lc->inflight, i, now, sent;

	if (k > room)
		k = room;
	/* -n counts answers: never have more out than are still needed,
	 * and send again for requests a dropped connection lost. */
	if (lg->cfg.requests > 0 && lg->res.n.answered + lg->inflight + k >
	    lg->cfg.requests)
		k = lg->res.n.answered + lg->inflight >= lg->cfg.requests ? 0 :
		    (uint32_t)(lg->cfg.requests - lg->res.n.answered -
		    lg->inflight);
	/* Churn: no more on one connection than --conn-requests. */
	if (lg->cfg.conn_requests > 0 && lc->issued + k >
	    lg->cfg.conn_requests)
		k = lc->issued >= lg->cfg.conn_requests ? 0 :
		    (uint32_t)(lg->cfg.conn_requests - lc->issued);
	if (k == 0 || c->dead || lg->draining || lg->stopped)
		return 0;
	lc->issued += k;
	now = lg_now_us(lg);
	for (i = 0; i < k; i++)
		lc->ts[(lc->head + lc->inflight + i) & lg->mask] = now;
	lc->inflight += k;
	lg->inflight += k;
	if (lc->t_first == 0)	/* once per connection: read the clock */
		lc->t_first = clock_now_mono();
	lg->res.n.issued += k;
	/* One timer per connection watches the oldest request; it is only
	 * started here when it is idle, so a busy connection costs nothing. */
	if (lg->tmo_us > 0 && !ev_is_active(&lc->tmo)) {
		ev_timer_set(&lc->tmo, lg->cfg.request_timeout, 0.);
		ev_timer_start(lg->eng->loop, &lc->tmo);
	}
	for (sent = 0; sent < k && !c->dead; ) {
		size_t m = k - sent < lg->batch_n ? k - sent : lg->batch_n, j;

		/* Every request is a message out: counted on its row and in
		 * the totals, and shown to a watching dashboard. */
		if (c->eng->observers != NULL)
			for (j = 0; j < m; j++)
				conn_note_msg_out(c, lg->batch + j *
				    lg->cfg.msg_len, lg->cfg.msg_len);
		else {
			c->info.msgs_out += m;
			c->eng->tot.msgs_out += m;
		}
		conn_send(c, lg->batch, m * lg->cfg.msg_len);
		sent += (uint32_t)m;
	}
	return k;
}

/* Flood: keep sending while the socket takes everything at once. */
static void
lg_flood(struct conn *c)
{
	while (!c->dead && buf_len(&c->tx) == 0 && !c->backpressure)
		if (lg_send(c, (uint32_t)((struct lg_conn *)c->udata)->lg->
		    batch_n) == 0)
			break;
}

/* Keep a churned connection's next due time for its replacement. */
static void
lg_carry_push(struct loadgen *lg, double due)
{
	if (lg->carry_n == lg->carry_cap) {
		size_t cap = lg->carry_cap ? lg->carry_cap * 2 : 16, i;
		double *v = xmalloc(cap * sizeof(*v));

		for (i = 0; i < lg->carry_n; i++)
			v[i] = lg->carry[(lg->carry_head + i) % lg->carry_cap];
		free(lg->carry);
		lg->carry = v;
		lg->carry_cap = cap;
		lg->carry_head = 0;
	}
	lg->carry[(lg->carry_head + lg->carry_n++) % lg->carry_cap] = due;
}

/* The oldest carried due time into *due; 0, or -1 when none is kept. */
static int
lg_carry_pop(struct loadgen *lg, double *due)
{
	if (lg->carry_n == 0)
		return -1;
	*due = lg->carry[lg->carry_head];
	lg->carry_head = (lg->carry_head + 1) % lg->carry_cap;
	lg->carry_n--;
	return 0;
}

/* The window ended with schedules still waiting for a replacement: the
 * requests due on them up to now were not sent (churn_wait). */
static void
lg_carry_count(struct loadgen *lg, double now)
{
	double due, iv = 1.0 / lg->cfg.rate;

	while (lg_carry_pop(lg, &due) == 0)
		if (due <= now)
			lg->res.n.churn_wait += (uint64_t)floor((now - due) /
			    iv) + 1;
}

/* Start the request loop on an open connection. */
static void
lg_start_conn(struct conn *c)
{
	struct lg_conn *lc = c->udata;
	struct loadgen *lg = lc->lg;
	double iv;

	if (lc->started || c->dead)
		return;
	lc->started = 1;
	switch (lg->cfg.mode) {
	case LG_CLOSED:
		lg_send(c, lg->cfg.depth);
		break;
	case LG_FLOOD:
		lg_flood(c);
		break;
	case LG_RATE:
		/* Spread the first requests over one interval so the
		 * connections do not all fire on the same tick. */
		iv = 1.0 / lg->cfg.rate;
		/* A replacement takes over the schedule of the connection
		 * --conn-requests closed: what fell due meanwhile is sent
		 * now (late), or counted by lg_on_timer. */
		if (lc->n < lg->cfg.conns || lg_carry_pop(lg, &lc->due) < 0)
			lc->due = ev_now(lg->eng->loop) + iv *
			    (double)(lc->n % 1000) / 1000.0;
		conn_timer(c, (lc->due > ev_now(lg->eng->loop) ? lc->due -
		    ev_now(lg->eng->loop) : 0) + 1e-6);
		break;
	}
}

/* LG_RATE: send what is due and arm the timer for the next one. Every
 * due request is sent or counted where it stayed: skipped (depth full),
 * churn_wait (this connection sent its --conn-requests) or behind (more
 * than 1000 due at once); none is due past -n. */
static void
lg_on_timer(struct conn *c)
{
	struct lg_conn *lc = c->udata;
	struct loadgen *lg = lc->lg;
	double now = ev_now(lg->eng->loop), iv = 1.0 / lg->cfg.rate;
	uint64_t capleft = UINT64_MAX, need = UINT64_MAX, room, behind;
	uint32_t due = 0, sent;

	if (lg->stopped || lg->draining)
		return;
	while (lc->due <= now && due < 1000) {
		due++;
		lc->due += iv;
	}
	if (lc->due <= now) {
		/* Far behind: do not try to catch up, but count them. */
		behind = (uint64_t)floor((now - lc->due) / iv) + 1;
		lg->res.n.behind += behind;
		lc->due += (double)behind * iv;
		if (lc->due <= now)
			lc->due = now + iv;
	}
	if (due > 0) {
		room = lg->mask + 1 - lc->inflight;
		if (lg->cfg.conn_requests > 0)
			capleft = lc->issued >= lg->cfg.conn_requests ? 0 :
			    lg->cfg.conn_requests - lc->issued;
		if (lg->cfg.requests > 0)
			need = lg->res.n.answered + lg->inflight >=
			    lg->cfg.requests ? 0 : lg->cfg.requests -
			    lg->res.n.answered - lg->inflight;
		sent = lg_send(c, due);
		if (sent < due) {
			if (need < room && need < capleft)
				;	/* -n: no more are due */
			else if (capleft < room)
				lg->res.n.churn_wait += due - sent;
			else
				lg->res.n.skipped += due - sent;
		}
	}
	if (!c->dead)
		conn_timer(c, lc->due - now + 1e-6);
}

/* Count k replies complete on c: time them and keep the loop going. */
static void
lg_complete(struct conn *c, uint64_t k)
{
	struct lg_conn *lc = c->udata;
	struct loadgen *lg = lc->lg;
	uint32_t now = lg_now_us(lg), t;
	uint64_t i;

	/* The callers never pass more than are in flight. */
	for (i = 0; i < k; i++) {
		t = lc->ts[lc->head];
		lc->head = (lc->head + 1) & lg->mask;
		lc->inflight--;
		hist_record(&lg->res.lat, now - t);
		if (lg->cfg.progress != NULL)
			hist_record(&lg->ivl, now - t);
	}
	if (k > 0)
		conn_rtt(c, (double)(now - t) / 1e6);	/* the row's RTT */
	lg->inflight -= k;
	lg->res.n.answered += k;
	lg->ivl_requests += k;
	if (lg->cfg.requests > 0 && lg->res.n.answered >= lg->cfg.requests) {
		lg_finish(lg, LG_END_COUNT);
		return;
	}
	if (lg->draining) {
		if (lg->inflight == 0)
			lg_finish(lg, LG_END_DURATION);
		return;
	}
	lc->answered += k;
	if (lg->cfg.conn_requests > 0 && lc->answered >=
	    lg->cfg.conn_requests && lc->inflight == 0) {
		/* Churn: this one is done; lg_on_close opens the next. */
		lc->churn = 1;
		lg->res.n.churned++;
		conn_close(c, "churn: --conn-requests answered");
		return;
	}
	if (lg->cfg.mode == LG_CLOSED)
		lg_send(c, lg->cfg.depth - lc->inflight);
	else if (lg->cfg.mode == LG_FLOOD)
		lg_flood(c);
}

/* A reply frame (or, counting bytes, a piece of the echo) arrived. */
static void
lg_on_msg(struct conn *c, const struct codec_frame *f)
{
	struct lg_conn *lc = c->udata;
	struct loadgen *lg = lc->lg;
	uint64_t k;

	if (lg->stopped)
		return;
	lg->res.n.bytes_in += f->frame_len;
	if (lg->count_bytes) {
		uint64_t room = (uint64_t)lc->inflight * lg->reply_len -
		    lc->rx_part;

		/* Only bytes that requests in flight can account for are
		 * replies. More than that (a stream, a banner, a reply of
		 * another size) means the byte count no longer says which
		 * request a byte answers: nothing in this read counts, and
		 * the connection is closed as out of step. */
		if (f->frame_len > room) {
			lg->res.n.unexpected += f->frame_len;
			conn_fail(c, "protocol error: out of step: %zu bytes "
			    "arrived, %llu in flight could account for", f->
			    frame_len, (unsigned long long)room);
			return;
		}
		lc->rx_part += f->frame_len;
		k = lc->rx_part / lg->reply_len;
		lc->rx_part %= lg->reply_len;
	} else if (lc->inflight == 0) {
		/* A whole frame nobody asked for: framing keeps the next
		 * reply apart, so it is counted and dropped. */
		lg->res.n.unexpected += f->frame_len;
		return;
	} else
		k = 1;
	if (!lc->got_first && lc->t_first > 0) {
		lc->got_first = 1;
		hist_record(&lg->res.ttfb, (uint64_t)((clock_now_mono() -
		    lc->t_first) * 1e6));
	}
	if (k > 0)
		lg_complete(c, k);
}

/* Everything queued went out: a flood sends more. */
static void
lg_on_drain(struct conn *c)
{
	struct lg_conn *lc = c->udata;

	if (lc->started && !lc->lg->stopped && !lc->lg->draining &&
	    lc->lg->cfg.mode == LG_FLOOD)
		lg_flood(c);
}

/* The drain is over: what is still in flight stays unanswered. */
static void
lg_drain_cb(struct engine *e, void *arg)
{
	struct loadgen *lg = arg;

	(void)e;
	lg->drain_timer = NULL;
	lg_finish(lg, LG_END_DURATION);
}

/* Close the measured window: stop sending, and wait for the replies to
 * the requests in flight for up to the request timeout. */
static void
lg_window_end(struct loadgen *lg)
{
	double now = ev_now(lg->eng->loop);

	if (lg->draining || lg->stopped)
		return;
	lg->draining = 1;
	if (lg->cfg.mode == LG_RATE)
		lg_carry_count(lg, now);
	lg->res.n.seconds = now - lg->t_run;
	lg->res.n.requests = lg->res.n.answered;
	pool_stop(lg->pool);
	if (lg->inflight == 0) {
		lg_finish(lg, LG_END_DURATION);
		return;
	}
	lg->drain_timer = engine_after(lg->eng, lg->cfg.request_timeout > 0 ?
	    lg->cfg.request_timeout : LG_DRAIN_NO_TIMEOUT, lg_drain_cb, lg);
}

/* The measured window is over. */
static void
lg_end_cb(struct engine *e, void *arg)
{
	struct loadgen *lg = arg;

	(void)e;
	lg->end_timer = NULL;
	lg_window_end(lg);
}

/* The oldest request on a connection passed the request timeout: count it
 * as a timeout, time it at its age, and close the connection as stalled
 * (a late reply could no longer be told from the next one's); the others
 * in flight on it are lost. */
static void
lg_stall(struct conn *c, uint32_t age)
{
	struct lg_conn *lc = c->udata;
	struct loadgen *lg = lc->lg;

	lg->res.n.errors[LG_ERR_TIMEOUT]++;
	hist_record(&lg->res.lat, age);
	if (lg->cfg.progress != NULL)
		hist_record(&lg->ivl, age);
	lg->res.n.lost += lc->inflight - 1;
	lg->inflight -= lc->inflight;
	lc->inflight = 0;
	lc->stalled = 1;
	lg->res.n.stalled++;
	conn_fail(c, "stalled: no reply within %gs", lg->cfg.request_timeout);
}

/* A connection's request timer: the oldest request in flight is checked,
 * and the timer set again for when it will be due. */
static void
lg_tmo_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct conn *c = w->data;
	struct lg_conn *lc = c->udata;
	struct loadgen *lg = lc->lg;
	uint32_t age;

	(void)revents;
	if (c->dead || lc->inflight == 0 || lg->stopped || lg->draining)
		return;		/* the drain timer settles the rest */
	age = lg_now_us(lg) - lc->ts[lc->head];
	if (age < lg->tmo_us) {
		ev_timer_set(w, (double)(lg->tmo_us - age) / 1e6 + 1e-6, 0.);
		ev_timer_start(loop, w);
		return;
	}
	lg_stall(c, age);
}

/* Start every open connection: the ramp is over. */
static void
lg_begin(struct loadgen *lg)
{
	struct conn *c, *next;

	if (lg->running || lg->stopped)
		return;
	lg->running = 1;
	lg->t_run = ev_now(lg->eng->loop);
	lg->t_ivl = lg->t_run;
	lg->res.n.establish = lg->t_run - lg->t0;
	engine_timer_cancel(lg->eng, lg->ramp_timer);
	lg->ramp_timer = NULL;
	if (lg->cfg.duration > 0)
		lg->end_timer = engine_after(lg->eng, lg->cfg.duration,
		    lg_end_cb, lg);
	for (c = lg->eng->conns; c != NULL; c = next) {
		next = c->next;
		if (c->owner == lg->pool && c->info.state == CS_OPEN)
			lg_start_conn(c);
	}
	if (lg->open == 0 && pool_pending(lg->pool) == 0)
		lg_finish(lg, LG_END_NO_CONNS);
}

/* The ramp took too long: measure with what is open. */
static void
lg_ramp_cb(struct engine *e, void *arg)
{
	struct loadgen *lg = arg;

	(void)e;
	lg->ramp_timer = NULL;	/* a one-shot timer frees itself */
	lg_begin(lg);
}

/* Begin once every first connect has either completed or failed. */
static void
lg_settle(struct loadgen *lg)
{
	lg->settled++;
	if (lg->settled >= lg->cfg.conns)
		lg_begin(lg);
}

/* Connected: time it, and start requests if the run is on. */
static void
lg_on_open(struct conn *c)
{
	struct lg_conn *lc = c->udata;
	struct loadgen *lg = lc->lg;

	lg->open++;
	lc->tmo.data = c;
	if (lg->stopped)
		return;		/* a connect that completed in the teardown */
	if (lc->n < lg->cfg.conns)
		lg->res.n.connected++;
	else
		lg->res.n.reopened++;
	hist_record(&lg->res.connect, (uint64_t)((c->info.t_open -
	    c->info.t_start) * 1e6));
	if (c->info.tls != NULL && c->info.tls->done) {
		hist_record(&lg->res.handshake, c->info.tls->handshake_us);
		if (c->info.tls->resumed)
			lg->res.n.tls_resumed++;
		else
			lg->res.n.tls_full++;
		if (lg->running && !lg->draining)
			lg->res.n.tls_window++;
	}
	if (lg->running)
		lg_start_conn(c);
	else if (lc->n < lg->cfg.conns)
		lg_settle(lg);
}

/* Count what a closed connection leaves: bytes written, requests lost,
 * the cause of its end, a failed reopen. */
static void
lg_count_close(struct loadgen *lg, struct conn *c, uint32_t inflight,
    int stalled, int first)
{
	lg->res.n.bytes_out += c->info.bytes_out;
	lg->res.n.lost += inflight;
	lg->inflight -= inflight;
	if (stalled)
		;		/* counted as a timeout and stalled */
	else if (c->info.state == CS_FAILED) {
		lg->res.n.errors[loadgen_cause_of(c->info.reason)]++;
		if (lg->tls_err[0] == '\0' &&
		    strncmp(c->info.reason, "tls: ", 5) == 0)
			snprintf(lg->tls_err, sizeof(lg->tls_err), "%s",
			    c->info.reason);
	}
	else if (strncmp(c->info.reason, "EOF", 3) == 0)
		lg->res.n.errors[LG_ERR_EOF]++;
	if (c->info.t_open == 0 && !first)
		lg->res.n.reopen_failed++;
}

/* -n without reconnect: requests lost with a connection are sent again
 * on the connections still open (only after a loss, so off the hot
 * path). */
static void
lg_resend(struct loadgen *lg)
{
	struct conn *c, *next;

	if (lg->cfg.mode == LG_RATE)
		return;		/* the rate timers send them */
	for (c = lg->eng->conns; c != NULL; c = next) {
		struct lg_conn *lc = c->udata;

		next = c->next;
		if (c->owner != lg->pool || c->dead || lc == NULL ||
		    !lc->started)
			continue;
		if (lg->cfg.mode == LG_CLOSED)
			lg_send(c, lg->cfg.depth - lc->inflight);
		else
			lg_flood(c);
	}
}

/* Closed or failed: count the cause, reopen if asked, free the state. */
static void
lg_on_close(struct conn *c)
{
	struct lg_conn *lc = c->udata;
	struct loadgen *lg = lc->lg;
	int was_open = c->info.t_open > 0, first = lc->n < lg->cfg.conns;
	int stalled = lc->stalled, churn = lc->churn;
	uint32_t inflight = lc->inflight;
	double due = lc->due;
	int lc_started = lc->started;

	ev_timer_stop(lg->eng->loop, &lc->tmo);
	free(lc);
	c->udata = NULL;
	if (was_open)
		lg->open--;
	if (lg->closing)
		return;
	if (lg->stopped) {
		/* The figures are frozen; a graceful teardown ends when the
		 * last connection is closed. */
		if (lg->tearing && lg->open == 0)
			engine_stop(lg->eng);
		return;
	}
	lg_count_close(lg, c, inflight, stalled, first);
	if ((inflight > 0 || stalled) && lg->cfg.requests > 0 &&
	    !lg->cfg.reconnect && !lg->draining)
		lg_resend(lg);
	if (lg->draining) {
		if (lg->inflight == 0)
			lg_finish(lg, LG_END_DURATION);
		return;
	}
	if (!was_open && first && !lg->running)
		lg_settle(lg);
	else if (was_open && (lg->cfg.reconnect || churn)) {
		if (churn && lg->cfg.mode == LG_RATE && lc_started)
			lg_carry_push(lg, due);
		pool_add(lg->pool, 1);
	}
	else if (lg->running && lg->open == 0 && pool_pending(lg->pool) == 0)
		lg_finish(lg, LG_END_NO_CONNS);
}

/* Make the state of the pool's connection number n. */
static void *
lg_make(void *arg, uint64_t n)
{
	struct loadgen *lg = arg;
	struct lg_conn *lc = xcalloc(1, sizeof(*lc) +
	    (lg->mask + 1) * sizeof(lc->ts[0]));

	lc->lg = lg;
	lc->n = n;
	ev_init(&lc->tmo, lg_tmo_cb);
	return lc;
}

static const struct conn_handler lg_handler = {
	.on_open = lg_on_open,
	.on_msg = lg_on_msg,
	.on_drain = lg_on_drain,
	.on_timer = lg_on_timer,
	.on_close = lg_on_close,
};

/* Once a second: hand the interval's figures to the progress callback. */
static void
lg_progress_cb(struct engine *e, void *arg)
{
	struct loadgen *lg = arg;
	struct loadgen_progress pr;
	double now = ev_now(e->loop);
	uint64_t errs = 0;
	int i;

	for (i = 0; i < LG_ERR_N; i++)
		errs += lg->res.n.errors[i];
	memset(&pr, 0, sizeof(pr));
	pr.elapsed = now - lg->t0;
	pr.open = lg->open;
	pr.requests = lg->ivl_requests;
	pr.errors = errs;
	pr.interval = now - lg->t_ivl;
	pr.lat = &lg->ivl;
	lg->cfg.progress(&pr, lg->cfg.arg);
	hist_reset(&lg->ivl);
	lg->ivl_requests = 0;
	lg->t_ivl = now;
}

/* The run is over (why: an LG_END_* bit): freeze the figures, count what
 * is still in flight as unanswered, and leave the loop. */
static void
lg_finish(struct loadgen *lg, uint64_t why)
{
	struct conn *c;
	double now;

	if (lg->stopped)
		return;
	ev_now_update(lg->eng->loop);
	now = ev_now(lg->eng->loop);
	lg->stopped = 1;
	lg->res.n.ended |= why;
	if (!lg->running) {
		lg->t_run = now;
		lg->res.n.establish = now - lg->t0;
	}
	if (!lg->draining) {
		lg->res.n.seconds = now - lg->t_run;
		lg->res.n.requests = lg->res.n.answered;
	}
	lg->res.n.elapsed = now - lg->t0;
	lg->res.n.open_end = lg->open;
	for (c = lg->eng->conns; c != NULL; c = c->next)
		if (c->owner == lg->pool && c->udata != NULL) {
			struct lg_conn *lc = c->udata;

			lg->res.n.unanswered += lc->inflight;
			lg->res.n.bytes_out += c->info.bytes_out;
		}
	/* Closed but not yet reaped: on_close will not count them now. */
	for (c = lg->eng->dead; c != NULL; c = c->next)
		if (c->owner == lg->pool && c->udata != NULL) {
			struct lg_conn *lc = c->udata;

			lg_count_close(lg, c, lc->inflight, lc->stalled,
			    lc->n < lg->cfg.conns);
			lc->inflight = 0;
		}
	lg->res.n.rss_after = loadgen_rss_kib();
	engine_timer_cancel(lg->eng, lg->drain_timer);
	lg->drain_timer = NULL;
	engine_timer_cancel(lg->eng, lg->end_timer);
	lg->end_timer = NULL;
	engine_timer_cancel(lg->eng, lg->prog_timer);
	lg->prog_timer = NULL;
	engine_timer_cancel(lg->eng, lg->wait_timer);
	lg->wait_timer = NULL;
	pool_stop(lg->pool);
	engine_stop(lg->eng);
}

/* Graceful teardown: stop sending, half-close every connection once its
 * queued bytes are out, and give the server a moment to close its side,
 * so it sees a FIN and never a reset. */
static void
lg_teardown_cb(struct engine *e, void *arg)
{
	struct loadgen *lg = arg;

	lg->td_timer = NULL;
	engine_stop(e);
}

static void
lg_teardown(struct loadgen *lg)
{
	struct conn *c, *next;

	if (lg->cfg.reset_at_end || lg->tearing)
		return;
	lg->tearing = 1;
	for (c = lg->eng->conns; c != NULL; c = next) {
		next = c->next;
		if (c->owner == lg->pool && !c->dead)
			conn_shutdown(c);
	}
	engine_reap(lg->eng);
	if (lg->open == 0)
		return;
	lg->td_timer = engine_after(lg->eng, LG_TEARDOWN, lg_teardown_cb, lg);
	engine_run(lg->eng);
	engine_timer_cancel(lg->eng, lg->td_timer);
	lg->td_timer = NULL;
}

/* SIGINT or SIGTERM: report what was measured so far. */
static void
lg_signal_cb(struct engine *e, int sig)
{
	(void)e;
	(void)sig;
}

struct loadgen *
loadgen_new(const struct loadgen_cfg *cfg, char *err, size_t errlen)
{
	struct loadgen *lg;
	struct pool_cfg pc;
	uint32_t ring = 1;
	size_t i;

	if (cfg->conns == 0 || cfg->msg_len == 0 || cfg->depth == 0 ||
	    (cfg->mode == LG_RATE && !(cfg->rate > 0))) {
		snprintf(err, errlen, "need connections, a message, a depth "
		    "and, for an open loop, a rate");
		return NULL;
	}
	if (cfg->depth > 65536) {
		snprintf(err, errlen, "depth %u: at most 65536", cfg->depth);
		return NULL;
	}
	lg = xcalloc(1, sizeof(*lg));
	lg->cfg = *cfg;
	if (lg->cfg.duration <= 0 && lg->cfg.requests == 0)
		lg->cfg.duration = 10;
	if (lg->cfg.request_timeout < 0 || lg->cfg.request_timeout > 3600) {
		snprintf(err, errlen, "request timeout %g s: expected 0 to "
		    "3600", lg->cfg.request_timeout);
		free(lg);
		return NULL;
	}
	lg->tmo_us = (uint32_t)(lg->cfg.request_timeout * 1e6);
	while (ring < cfg->depth)
		ring <<= 1;
	lg->mask = ring - 1;
	lg->count_bytes = cfg->codec == NULL ||
	    strcmp(cfg->codec->name, "raw") == 0;
	lg->reply_len = cfg->reply_len > 0 ? cfg->reply_len : cfg->msg_len;
	lg->batch_n = LG_BATCH_MAX / cfg->msg_len;
	if (lg->batch_n > ring)
		lg->batch_n = ring;
	if (lg->batch_n == 0)
		lg->batch_n = 1;
	lg->batch = xmalloc(lg->batch_n * cfg->msg_len);
	for (i = 0; i < lg->batch_n; i++)
		memcpy(lg->batch + i * cfg->msg_len, cfg->msg, cfg->msg_len);
	loadgen_result_init(&lg->res);
	hist_init(&lg->ivl);
	lg->res.n.workers = 1;
	lg->res.n.conns = cfg->conns;
	lg->res.n.target = cfg->requests;
	lg->eng = engine_new(&cfg->lim);
	lg->eng->tls_client = cfg->tls_client;
	lg->eng->tls_server = cfg->tls_server;
	engine_handle_signals(lg->eng, lg_signal_cb);
	if (cfg->target == NULL) {
		const struct service_cfg *sc = cfg->svc;

		if (sc == NULL) {
			if (service_cfg_parse(&lg->svc, cfg->service != NULL ?
			    cfg->service : "echo", err, errlen) < 0)
				goto fail;
			lg->has_svc = 1;
			if (cfg->codec != NULL && lg->svc.codec == NULL)
				lg->svc.codec = cfg->codec->name;
			sc = &lg->svc;
		}
		lg->srv = server_start(lg->eng, "127.0.0.1:0", sc, 0, err,
		    errlen);
		if (lg->srv == NULL)
			goto fail;
		snprintf(lg->target, sizeof(lg->target), "%s",
		    server_addr(lg->srv));
	} else
		snprintf(lg->target, sizeof(lg->target), "%s", cfg->target);
	memset(&pc, 0, sizeof(pc));
	pc.target = lg->target;
	pc.count = cfg->conns;
	pc.rate = cfg->connect_rate;
	pc.sources = cfg->sources;
	pc.codec = cfg->codec;
	pc.handler = &lg_handler;
	pc.make_udata = lg_make;
	pc.arg = lg;
	lg->pool = pool_new(lg->eng, &pc, err, errlen);
	if (lg->pool == NULL)
		goto fail;
	return lg;
fail:
	loadgen_free(lg);
	return NULL;
}

void
loadgen_run(struct loadgen *lg)
{
	loadgen_start(lg);
	engine_run(lg->eng);
	loadgen_end(lg);
}

/* Now on the wall clock, in unix seconds. */
static double
lg_wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Start connecting now: the run's clocks start here. */
static void
lg_go(struct loadgen *lg)
{
	double ramp;

	ev_now_update(lg->eng->loop);
	lg->res.n.started = lg_wall_now();
	lg->t0 = ev_now(lg->eng->loop);
	lg->res.n.rss_before = loadgen_rss_kib();
	/* Give the ramp its connect rate plus the connect timeout. */
	ramp = (lg->cfg.connect_rate > 0 ? (double)lg->cfg.conns /
	    lg->cfg.connect_rate : 0) + (lg->cfg.lim.connect_timeout > 0 ?
	    lg->cfg.lim.connect_timeout : 10) + 1;
	lg->ramp_timer = engine_after(lg->eng, ramp, lg_ramp_cb, lg);
	if (lg->cfg.progress != NULL)
		lg->prog_timer = engine_every(lg->eng, 1.0, lg_progress_cb, lg);
	pool_start(lg->pool);
}


/* a + b, or 2^64 - 1 (counted in *sat) where it would wrap. */
static uint64_t
lg_sat_add(uint64_t a, uint64_t b, uint64_t *sat)
{
	uint64_t r;

	if (__builtin_add_overflow(a, b, &r)) {
		(*sat)++;
		return UINT64_MAX;
	}
	return r;
}

#define LG_SAT(f)	(d->f = lg_sat_add(d->f, s->f, &sat))
/* The wait for --start-at is over (the loop runs it, so a signal ends
 * the wait as it ends a run). */
static void
lg_wait_cb(struct engine *e, void *arg)
{
	struct loadgen *lg = arg;

	(void)e;
	lg->wait_timer = NULL;	/* a one-shot timer frees itself */
	lg_go(lg);
}

void
loadgen_start(struct loadgen *lg)
{
	double wait = lg->cfg.start_at > 0 ? lg->cfg.start_at -
	    lg_wall_now() : 0;

	if (wait > 0) {
		/* Nothing is measured before the start: t0 is set there. */
		ev_now_update(lg->eng->loop);
		lg->t0 = ev_now(lg->eng->loop);
		lg->wait_timer = engine_after(lg->eng, wait, lg_wait_cb, lg);
	} else
		lg_go(lg);
}

void
loadgen_end(struct loadgen *lg)
{
	/* The loop returned before the run was over: a signal, or the
	 * dashboard's quit. */
	lg_finish(lg, LG_END_SIGNAL);
	lg_teardown(lg);
}

const struct hist *
loadgen_latency(const struct loadgen *lg)
{
	return &lg->res.lat;
}

const struct loadgen_result *
loadgen_result(const struct loadgen *lg)
{
	return &lg->res;
}

struct engine *
loadgen_engine(struct loadgen *lg)
{
	return lg->eng;
}

const char *
loadgen_target(const struct loadgen *lg)
{
	return lg->target;
}

const char *
loadgen_last_error(const struct loadgen *lg)
{
	if (lg->pool != NULL && pool_last_error(lg->pool)[0] != '\0')
		return pool_last_error(lg->pool);
	return lg->tls_err;
}

void
loadgen_free(struct loadgen *lg)
{
	if (lg == NULL)
		return;
	lg->closing = 1;
	/* --reset-at-end: reset rather than close, so tens of thousands of
	 * TIME_WAIT sockets do not hold the source ports the next run wants
	 * (the server sees ECONNRESET). */
	if (lg->eng != NULL && lg->cfg.reset_at_end) {
		struct linger lin = { 1, 0 };
		struct conn *c;

		for (c = lg->eng->conns; c != NULL; c = c->next)
			if (c->owner == lg->pool && c->fd >= 0)
				setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lin,
				    sizeof(lin));
	}
	pool_free(lg->pool);
	free(lg->carry);
	server_free(lg->srv);
	if (lg->eng != NULL)
		engine_free(lg->eng);
	if (lg->has_svc) {
		if (lg->cfg.codec != NULL && lg->svc.codec == lg->cfg.codec->name)
			lg->svc.codec = NULL;
		service_cfg_free(&lg->svc);
	}
	free(lg->batch);
	free(lg);
}

void
loadgen_result_init(struct loadgen_result *r)
{
	memset(&r->n, 0, sizeof(r->n));
	hist_init(&r->lat);
	hist_init(&r->connect);
	hist_init(&r->ttfb);
	hist_init(&r->handshake);
}

void
loadgen_result_merge(struct loadgen_result *dst,
    const struct loadgen_result *src)
{
	struct loadgen_counts *d = &dst->n;
	const struct loadgen_counts *s = &src->n;
	uint64_t sat = 0, more = 0;
	int i;

	LG_SAT(workers);
	LG_SAT(conns);
	LG_SAT(connected);
	LG_SAT(reopened);
	LG_SAT(reopen_failed);
	LG_SAT(stalled);
	LG_SAT(open_end);
	LG_SAT(target);
	LG_SAT(issued);
	LG_SAT(answered);
	LG_SAT(requests);
	LG_SAT(lost);
	LG_SAT(unanswered);
	d->ended |= s->ended;
	LG_SAT(bytes_out);
	LG_SAT(bytes_in);
	LG_SAT(skipped);
	LG_SAT(churn_wait);
	LG_SAT(behind);
	LG_SAT(unexpected);
	for (i = 0; i < LG_ERR_N; i++)
		d->errors[i] = lg_sat_add(d->errors[i], s->errors[i], &sat);
	LG_SAT(churned);
	LG_SAT(tls_full);
	LG_SAT(tls_resumed);
	LG_SAT(tls_window);
	LG_SAT(rss_before);
	LG_SAT(rss_after);
	if (s->seconds > d->seconds)
		d->seconds = s->seconds;
	if (s->establish > d->establish)
		d->establish = s->establish;
	if (s->elapsed > d->elapsed)
		d->elapsed = s->elapsed;
	if (s->started > d->started)
		d->started = s->started;
	sat += (uint64_t)hist_merge(&dst->lat, &src->lat);
	sat += (uint64_t)hist_merge(&dst->connect, &src->connect);
	sat += (uint64_t)hist_merge(&dst->ttfb, &src->ttfb);
	sat += (uint64_t)hist_merge(&dst->handshake, &src->handshake);
	d->saturated = lg_sat_add(d->saturated, s->saturated, &more);
	d->saturated = lg_sat_add(d->saturated, sat + more, &more);
}

/* Append a 32-bit length in host order (both ends are the same binary). */
static void
lg_put_len(struct buf *b, size_t n)
{
	uint32_t v = (uint32_t)n;

	buf_append(b, &v, sizeof(v));
}

/* Append one histogram with its length in front. */
static void
lg_put_hist(struct buf *b, const struct hist *h)
{
	struct buf tmp;

	buf_init(&tmp);
	hist_encode(h, &tmp);
	lg_put_len(b, buf_len(&tmp));
	buf_append(b, buf_data(&tmp), buf_len(&tmp));
	buf_free(&tmp);
}

void
loadgen_result_encode(const struct loadgen_result *r, struct buf *b)
{
	buf_append(b, LG_MAGIC, 4);
	lg_put_len(b, sizeof(r->n));
	buf_append(b, &r->n, sizeof(r->n));
	lg_put_hist(b, &r->lat);
	lg_put_hist(b, &r->connect);
	lg_put_hist(b, &r->ttfb);
	lg_put_hist(b, &r->handshake);
}

/* Read a length-prefixed histogram at *p; 0, or -1 if malformed. */
static int
lg_get_hist(struct hist *h, const unsigned char **p, size_t *n)
{
	uint32_t len;

	if (*n < sizeof(len))
		return -1;
	memcpy(&len, *p, sizeof(len));
	*p += sizeof(len);
	*n -= sizeof(len);
	if (len > *n || hist_decode(h, *p, len) < 0)
		return -1;
	*p += len;
	*n -= len;
	return 0;
}

int
loadgen_result_decode(struct loadgen_result *r, const unsigned char *p,
    size_t n)
{
	uint32_t len;

	loadgen_result_init(r);
	if (n < 8 || memcmp(p, LG_MAGIC, 4) != 0)
		return -1;
	memcpy(&len, p + 4, sizeof(len));
	p += 8;
	n -= 8;
	if (len != sizeof(r->n) || n < len)
		return -1;
	memcpy(&r->n, p, len);
	p += len;
	n -= len;
	if (lg_get_hist(&r->lat, &p, &n) < 0 ||
	    lg_get_hist(&r->connect, &p, &n) < 0 ||
	    lg_get_hist(&r->ttfb, &p, &n) < 0 ||
	    lg_get_hist(&r->handshake, &p, &n) < 0 || n != 0) {
		loadgen_result_init(r);
		return -1;
	}
	return 0;
}
