/* The scenario runner: a program counter per client connection that plays
 * the scenario's steps, matching replies and recording the outcome. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "clock.h"
#include "conn.h"
#include "fields.h"
#include "coord.h"
#include "loadgen.h"
#include "match.h"
#include "pool.h"
#include "rand.h"
#include "runner.h"
#include "server.h"
#include "service.h"
#include "util.h"

#define RUNNER_STEP_BUDGET	256	/* steps per wakeup before yielding */
#define RUNNER_YIELD		1e-6	/* seconds: "as soon as possible" */

enum rc_wait {
	RC_RUNNING,	/* executing steps */
	RC_EXPECT,	/* waiting for a message, the close, or quiet */
	RC_WAIT,	/* sleeping in a `wait` */
	RC_CHUNK,	/* between the chunks of a split send */
	RC_DRAIN,	/* output over the high-water mark: wait for it,
			   at most the timeout without progress */
	RC_YIELD,	/* gave the loop a turn */
	RC_CLOSING,	/* the script ended: our queued output drains, then
			   the close (at most the timeout without progress) */
	RC_SYNC,	/* at a barrier, a `wait for`, or held by its role's
			   `after`: the coordinator wakes it (coord.h) */
	RC_DONE		/* the script ended or failed */
};

/* Owned by runner_new's caller; runner_free releases it. */
struct runner {
	struct engine		*eng;
	const struct scenario	*sc;
	struct run_opts		 o;
	const struct codec	*codec;
	double			 timeout;
	struct service_cfg	 svc;
	struct server		*srv;
	struct pool		*pool;
	struct run_result	 res;
	uint64_t		 nconns;	/* connections to run */
	uint64_t		 finished;
	uint64_t		 generation;	/* bumped by runner_restart */
	uint64_t		 seed;
	uint64_t		 data_next;	/* sequential data rows */
	double			 note_measured;	/* a failure's measured time
						   for its group, or -1 */
	char			 target[160];
	void			(*done_cb)(struct runner *, void *);
	void			*done_arg;
	struct engine_timer	*done_timer;
	/* Scripted servers (runner_listen): a runner that serves an accept
	 * program attaches a connection to each accepted socket instead of
	 * opening a pool. acc is the client runner's server runner, parent
	 * the way back; both or neither belong to one run. */
	int			 serving;	/* accepted connections only */
	uint64_t		 accepted;	/* connections handed to us */
	struct runner		*acc;		/* sc->accept's runner, or NULL */
	struct runner		*parent;	/* the client runner, or NULL */
	int			 merged;	/* acc's result is in res */
	void			(*conn_cb)(struct runner *, uint64_t, int,
				    const char *, void *);
	void			*conn_arg;
	struct coord		*co;		/* roles, barriers, signals */
	struct scenario		*views;		/* per role: the scenario with
						   that role's steps */
	struct run_program	*progs;		/* per role: its step counters */
	size_t			 nprogs;
	uint64_t		 open;		/* connections open (this
						   generation's) */
	uint64_t		 ramp_left;	/* of the target, still to start
						   (reconnects count too) */
};

/* Per client connection; made by rc_make, freed by rc_close. */
struct rconn {
	struct runner		*r;
	uint64_t		 n;		/* 0-based connection number */
	uint64_t		 generation;
	size_t			 pc;		/* current step */
	enum rc_wait		 wait;
	int			 merging;
	int			 passed;	/* the script ran to its end */
	int			 in_finally;	/* running the finally block */
	unsigned		 replay_head:1;	/* replay answers a HEAD */
	unsigned		 opened:1;	/* connected: on_open came */
	struct buf		 replay;	/* a frame an optional expect let
						   pass, for the next expect */
	uint32_t		 set_done;	/* expect any order: matched
						   alternatives, bit k for
						   the k-th */
	int			 finally_failed;	/* and a step of it failed */
	int			 failed;
	uint64_t		 rep_left[SCENARIO_MAX_DEPTH];
	double			 rep_until[SCENARIO_MAX_DEPTH];
	uint64_t		 rep_round[SCENARIO_MAX_DEPTH];
	double			 t_sent;	/* last send, for latency */
	struct buf		 pending;	/* raw stream not yet matched */
	struct buf		 out;		/* merge block or chunked send */
	size_t			 chunk_off;
	uint64_t		 drain_mark;	/* bytes out when RC_DRAIN began
						   or last moved */
	double			 x_timeout;	/* the expect at pc: its timeout
						   and within in seconds, from
						   `${MS}` or as written */
	double			 x_within;
	double			 x_alt_within[SCENARIO_MAX_SET];	/* an
						   expect set: each
						   alternative's within */
	size_t			 x_chunk;	/* the send at pc: chunk bytes */
	double			 x_delay;	/* and seconds between chunks */
	char			*verdict;	/* this connection's first failure
						   report, in full, or NULL */
	struct vars	 vars;
	const struct scenario	*sc;		/* its role's view (steps) */
	size_t			 role;		/* index in the coordinator */
	uint64_t		 local;		/* 0-based number in its role */
	int			 sync_ok;	/* RC_SYNC woken: 1 go, -1 fail */
	char			*sync_why;	/* the failure's reason */
	int			 holding;	/* RC_SYNC for its role's after */
	/* The step screen's counts (struct run_step): the step rc is
	 * counted at, the step it executes, and whether it is counted as
	 * connecting; RC_NONE: none. */
	size_t			 at, exec;
	double			 t_at;		/* when it came to wait at a
						   barrier or wait for */
	unsigned		 connecting:1;
	unsigned		 counted_open:1;	/* in runner.open */
	const struct conn_info	*ci;		/* its connection's, while a
						   failure is noted (TLS) */
};

#define RC_NONE	SIZE_MAX

static void rc_advance(struct conn *c);
static void rc_peer_closed(struct conn *c);
static void rc_msg(struct conn *c, const struct codec_frame *f);
static void rc_stalled(struct conn *c, struct rconn *rc);
static void runner_done_cb(struct engine *e, void *arg);
static double runner_stall_timeout(const struct runner *r);
static void runner_roles_reset(struct runner *r);

/* The file of the step connection rc is at (an included file's path for
 * its steps). */
static const char *
runner_step_file(const struct runner *r, const struct rconn *rc)
{
	const struct scenario *sc = rc->sc != NULL ? rc->sc : r->sc;

	if (rc->pc < sc->nsteps && sc->steps[rc->pc].file < sc->nfiles)
		return sc->files[sc->steps[rc->pc].file];
	return sc->path;
}

/* The counters of step i of rc's program; NULL when i is past its steps
 * or rc is left from before a restart. */
static struct run_step *
rc_stat(const struct rconn *rc, size_t i)
{
	const struct runner *r = rc->r;

	if (rc->generation != r->generation || r->progs == NULL ||
	    rc->role >= r->nprogs || i >= r->progs[rc->role].nsteps)
		return NULL;
	return &r->progs[rc->role].stats[i];
}

/* Whether step i of rc's program is a barrier or a wait for: the steps
 * whose latency is the time connections waited there. */
static int
rc_is_sync(const struct rconn *rc, size_t i)
{
	return i < rc->sc->nsteps && (rc->sc->steps[i].kind == STEP_BARRIER ||
	    rc->sc->steps[i].kind == STEP_WAIT_FOR);
}

/* rc stops waiting at the step it is counted at: one fewer there, and
 * for a barrier or a wait for, the time it waited as that step's
 * latency sample. */
static void
rc_leave_step(struct rconn *rc)
{
	struct run_step *s = rc_stat(rc, rc->at);
	uint64_t us;

	if (s == NULL)
		return;
	s->at--;
	if (rc_is_sync(rc, rc->at) && rc->t_at > 0) {
		us = (uint64_t)((clock_now_mono() - rc->t_at) * 1e6 + 0.5);
		s->lat_n++;
		s->lat_sum += us;
		if (us > s->lat_max)
			s->lat_max = us;
	}
}

/* Count rc at the step it waits at now (none once done or closing): each
 * callback of the handler ends here, so only where connections rest is
 * counted, never each step they pass within one wakeup. */
static void
rc_settle(struct conn *c)
{
	struct rconn *rc = c->udata;
	struct run_step *s;
	size_t at;

	if (rc == NULL)
		return;
	at = rc->opened && !c->dead && rc->wait != RC_DONE &&
	    rc->pc < rc->sc->nsteps ? rc->pc : RC_NONE;
	if (at == rc->at)
		return;
	rc_leave_step(rc);
	if ((s = rc_stat(rc, at)) != NULL) {
		s->at++;
		rc->t_at = rc_is_sync(rc, at) ? clock_now_mono() : 0;
	}
	rc->at = at;
}

/* rc leaves the step screen's counts: it closed. */
static void
rc_unsettle(struct rconn *rc)
{
	rc_leave_step(rc);
	rc->at = RC_NONE;
	if (rc->connecting && rc->generation == rc->r->generation)
		rc->r->progs[rc->role].connect.at--;
	rc->connecting = 0;
	if (rc->counted_open && rc->generation == rc->r->generation &&
	    rc->r->open > 0)
		rc->r->open--;
	rc->counted_open = 0;
}

/* Count a failure at the step it happened at (or at the connect) in its
 * kind (struct run_step); the step is then not counted as passed. */
static void
runner_count_failure(struct runner *r, struct rconn *rc, const char *step,
    const char *reason)
{
	static const char *const timeouts[] = { "timeout", "within",
	    "stalled", "connect_timeout", NULL };
	static const char *const unexpected[] = { "mismatch", "closed", "eof",
	    "reset", "refused", "overflow", "protocol", "tls", NULL };
	struct run_step *s;
	size_t i;

	if (r->progs == NULL || rc->role >= r->nprogs)
		return;
	if (strcmp(step, "connect") == 0)
		s = &r->progs[rc->role].connect;
	else
		s = rc_stat(rc, rc->pc);
	rc->exec = RC_NONE;
	if (s == NULL)
		return;
	for (i = 0; timeouts[i] != NULL; i++)
		if (strcmp(reason, timeouts[i]) == 0) {
			s->timeouts++;
			return;
		}
	for (i = 0; unexpected[i] != NULL; i++)
		if (strcmp(reason, unexpected[i]) == 0) {
			s->unexpected++;
			return;
		}
	s->errors++;
}

/* Count a failed connection in the group of (line, step, reason), making
 * the group with this failure as its example if it is the first. */
static void
runner_group_failure(struct runner *r, uint64_t conn, const char *file,
    unsigned line, const char *step, const char *reason, const char *text,
    int compared)
{
	struct run_result *res = &r->res;
	struct run_failure *g;
	size_t i;

	for (i = 0; i < res->ngroups; i++) {
		g = &res->groups[i];
		if (g->line == line && strcmp(g->file, file) == 0 &&
		    strcmp(g->step, step) == 0 &&
		    strcmp(g->reason, reason) == 0) {
			g->count++;
			return;
		}
	}
	if (res->ngroups == RUN_MAX_GROUPS) {
		res->other++;
		return;
	}
	g = &res->groups[res->ngroups++];
	memset(g, 0, sizeof(*g));
	g->file = xstrdup(file);
	g->line = line;
	g->step = step;
	g->reason = reason;
	g->count = 1;
	g->conn = conn;
	g->text = xstrdup(text);
	g->diff_offset = SIZE_MAX;
	g->measured = r->note_measured;
	if (compared && strcmp(reason, "error") != 0 &&
	    strcmp(reason, "until") != 0 &&
	    strcmp(reason, "within") != 0 && strcmp(reason, "stalled") != 0 &&
	    strcmp(step, "connect") != 0 && strcmp(step, "barrier") != 0 &&
	    strcmp(step, "wait for") != 0) {
		/* A matcher's report: keep what it showed as data. */
		struct match_detail d;

		match_last_detail(&d);
		g->diff_offset = d.diff_offset;
		g->field = d.field != NULL ? xstrdup(d.field) : NULL;
		g->hex = d.hex;
		if (d.expected != NULL) {
			g->expected = xmalloc(d.expected_len + 1);
			memcpy(g->expected, d.expected, d.expected_len);
			g->expected_len = d.expected_len;
		}
		if (d.received != NULL) {
			g->received = xmalloc(d.received_len + 1);
			memcpy(g->received, d.received, d.received_len);
			g->received_len = d.received_len;
		}
	}
}

/* Free the strings of a result's failure groups. */
static void
runner_groups_free(struct run_result *res)
{
	size_t i;

	for (i = 0; i < res->ngroups; i++) {
		free(res->groups[i].file);
		free(res->groups[i].text);
		free(res->groups[i].expected);
		free(res->groups[i].received);
		free(res->groups[i].field);
	}
	res->ngroups = 0;
	res->other = 0;
	for (i = 0; i < res->nwarnings; i++)
		free(res->warnings[i].text);
	res->nwarnings = 0;
	res->warnings_other = 0;
}

/* A connection warned (conn_warn): count it under its text for the
 * report, so that nothing that may have made the run wrong goes unsaid. */
static void
rc_warn(struct conn *c, const char *text)
{
	struct rconn *rc = c->udata;
	struct run_result *res;
	size_t i;

	if (rc == NULL || rc->generation != rc->r->generation)
		return;
	res = &rc->r->res;
	for (i = 0; i < res->nwarnings; i++)
		if (strcmp(res->warnings[i].text, text) == 0) {
			res->warnings[i].count++;
			return;
		}
	if (res->nwarnings == RUN_MAX_WARNINGS) {
		res->warnings_other++;
		return;
	}
	res->warnings[res->nwarnings].text = xstrdup(text);
	res->warnings[res->nwarnings].count = 1;
	res->warnings[res->nwarnings].conn = rc->n + 1;
	res->nwarnings++;
}

/* Record a connection's failure at line (its step's kind, or "connect"
 * when line is 0): counted in its group, and kept whole as the run's
 * first failure "file:line: connection N: report". */
static void
runner_note_failure(struct runner *r, struct rconn *rc, unsigned line,
    const char *step, const char *reason, const char *text)
{
	const char *t = text, *file = runner_step_file(r, rc);
	size_t tl;
	int compared = 0;

	/* Reports from match.c start with "line N: "; we name the file.
	 * Only they carry compared bytes (match_last_detail). */
	if (strncmp(t, "line ", 5) == 0 && (t = strstr(t, ": ")) != NULL) {
		t += 2;
		compared = 1;
	} else
		t = text;
	size_t ng = r->res.ngroups;
	const char *role = coord_role_name(r->co, rc->role);
	char who[96];

	runner_count_failure(r, rc, step, reason);
	runner_group_failure(r, rc->n + 1, file, line, step, reason, t,
	    compared);
	if (r->res.ngroups > ng) {
		r->res.groups[ng].role = role;
		r->res.groups[ng].role_conn = rc->local + 1;
		if (rc->ci != NULL && rc->ci->tls != NULL) {
			r->res.groups[ng].has_tls = 1;
			r->res.groups[ng].tls = *rc->ci->tls;
		}
	}
	if (role != NULL)
		snprintf(who, sizeof(who), " (%s #%llu)", role,
		    (unsigned long long)rc->local + 1);
	else
		who[0] = '\0';
	tl = strlen(file) + strlen(t) + strlen(who) + 64;
	if (rc->verdict == NULL && r->conn_cb != NULL) {
		/* serve --scenario prints each connection's own report. */
		rc->verdict = xmalloc(tl);
		snprintf(rc->verdict, tl, "%s:%u: connection %llu%s: %s", file,
		    line, (unsigned long long)rc->n + 1, who, t);
	}
	if (r->res.failure != NULL)
		return;
	r->res.failure = xmalloc(tl);
	if (line > 0)
		snprintf(r->res.failure, tl, "%s:%u: connection %llu%s: %s",
		    file, line, (unsigned long long)rc->n + 1, who, t);
	else
		snprintf(r->res.failure, tl, "%s: connection %llu%s: %s", file,
		    (unsigned long long)rc->n + 1, who, t);
	r->res.fail_line = line;
	r->res.fail_conn = rc->n + 1;
}

/* Fail this connection's script at its current step, for reason (a short
 * static word: "timeout", "mismatch", "closed", "error", ...). */
static void
rc_fail(struct conn *c, const char *reason, const char *text)
{
	struct rconn *rc = c->udata;
	const struct runner *r = rc->r;
	unsigned line = rc->pc < rc->sc->nsteps ? rc->sc->steps[rc->pc].line :
	    0;
	const char *step = rc->pc < rc->sc->nsteps ?
	    step_kind_name(rc->sc->steps[rc->pc].kind) : "end";

	if (rc->passed || (rc->failed && (!rc->in_finally ||
	    rc->finally_failed)))
		return;
	rc->ci = &c->info;
	if (rc->wait == RC_SYNC) {
		/* Failed while held (the peer closed): leave the wait. */
		coord_leave(rc->r->co, rc->n);
		rc->holding = 0;
		rc->sync_ok = 0;
	}
	if (rc->in_finally && rc->failed) {
		/* The cleanup failed too: reported in its own group. */
		rc->finally_failed = 1;
		runner_note_failure(rc->r, rc, line, step, reason, text);
		rc->wait = RC_DONE;
		conn_fail(c, "finally failed at %s:%u: %s %s",
		    runner_step_file(r, rc), line, step, reason);
		return;
	}
	rc->failed = 1;
	runner_note_failure(rc->r, rc, line, step, reason, text);
	if (!rc->in_finally && rc->sc->finally_at != SIZE_MAX && !c->dead &&
	    c->info.state == CS_OPEN) {
		/* Run the cleanup; the connection stays failed. */
		rc->in_finally = 1;
		rc->merging = 0;
		buf_reset(&rc->out);
		rc->pc = rc->sc->finally_at + 1;
		rc->wait = RC_YIELD;
		conn_timer(c, RUNNER_YIELD);
		return;
	}
	rc->wait = RC_DONE;
	conn_fail(c, "scenario failed at %s:%u: %s %s", runner_step_file(r, rc),
	    line, step, reason);
}

/* Make the per-connection state for connection n. */
static void *
rc_make(void *arg, uint64_t n)
{
	struct runner *r = arg;
	struct rconn *rc = xcalloc(1, sizeof(*rc));

	rc->r = r;
	rc->n = r->serving ? n : n % (r->nconns ? r->nconns : 1);
	rc->generation = r->generation;
	rc->role = coord_role_of(r->co, rc->n, &rc->local);
	rc->sc = &r->views[rc->role];
	rc->at = rc->exec = RC_NONE;
	if (r->ramp_left > 0)
		r->ramp_left--;
	if (r->progs != NULL && rc->role < r->nprogs) {
		rc->connecting = 1;
		r->progs[rc->role].connect.at++;
	}
	buf_init(&rc->pending);
	buf_init(&rc->replay);
	buf_init(&rc->out);
	vars_init(&rc->vars, rc->n + 1, r->seed ^ (n * 0x9e3779b97f4a7c15ULL));
	rc->vars.host = r->o.connect != NULL ? r->o.connect :
	    r->srv != NULL ? server_addr(r->srv) : NULL;
	if (r->sc->data != NULL) {
		rc->vars.data = r->sc->data;
		rc->vars.row = data_pick(r->sc->data, rc->n + 1, &r->data_next,
		    &rc->vars.rng);
	}
	return rc;
}

/* The script reached its end: the connection passed, once what it sent
 * has been written (a close must not drop a reply the peer has not taken
 * yet; rc_close passes it when the flush ended in a clean close). */
static void
rc_finish(struct conn *c)
{
	struct rconn *rc = c->udata;

	if (buf_len(&c->tx) > 0 && !c->dead) {
		rc->wait = RC_CLOSING;
		rc->drain_mark = c->info.bytes_out;
		conn_timer(c, runner_stall_timeout(rc->r));
		conn_close_after_flush(c, "scenario done");
		return;
	}
	rc->passed = 1;
	rc->wait = RC_DONE;
	conn_close(c, "scenario done");
}

/* `reset`: abort with an RST instead of a FIN (SO_LINGER with a zero
 * timeout, RFC 793 3.5 "abort"): queued output is dropped and the peer's
 * next read or write fails with ECONNRESET. The script ends here. */
static void
rc_reset(struct conn *c)
{
	struct rconn *rc = c->udata;
	struct linger lin = { 1, 0 };

	if (setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin)) == -1) {
		char text[160];

		snprintf(text, sizeof(text), "reset: setsockopt SO_LINGER: %s",
		    strerror(errno));
		rc_fail(c, "error", text);
		return;
	}
	rc->passed = 1;
	rc->wait = RC_DONE;
	conn_close(c, "scenario reset (RST sent)");
}

/* When the message being matched arrived: the read that brought it (it
 * may have waited, held, for this expect), else now. */
static double
rc_arrival(const struct conn *c)
{
	const struct rconn *rc = c->udata;

	if (c->info.t_read > rc->t_sent)
		return c->info.t_read;
	return clock_now_mono();
}

/* A latency sample: from the last send to the reply that matched. */
static void
rc_sample(struct conn *c, struct rconn *rc)
{
	struct run_step *s;
	uint64_t us;
	double dt;

	if (rc->t_sent <= 0)
		return;
	dt = rc_arrival(c) - rc->t_sent;
	us = (uint64_t)(dt * 1e6 + 0.5);
	hist_record(&rc->r->res.latency, us);
	if ((s = rc_stat(rc, rc->exec)) != NULL) {
		s->lat_n++;
		s->lat_sum += us;
		if (us > s->lat_max)
			s->lat_max = us;
	}
	conn_rtt(c, dt);
	rc->t_sent = 0;
}

/* A message that matched the expect at pc came more than within seconds
 * (> 0) after the last send: fail the connection there with the measured
 * time and say 1; else 0. */
static int
rc_within_failed(struct conn *c, struct rconn *rc, double within)
{
	double dt;
	char text[200];

	if (within <= 0 || rc->t_sent <= 0 ||
	    (dt = rc_arrival(c) - rc->t_sent) <= within)
		return 0;
	snprintf(text, sizeof(text), "expect within: the message came "
	    "%.3fms after the send, not within %.3fms", dt * 1e3,
	    within * 1e3);
	rc->r->note_measured = dt;
	rc_fail(c, "within", text);
	rc->r->note_measured = -1;
	return 1;
}

/* The expect step at pc matched: move on. */
static void
rc_expect_ok(struct conn *c, struct rconn *rc)
{
	const struct step *st = &rc->sc->steps[rc->pc];

	if (st->kind == STEP_EXPECT && rc_within_failed(c, rc, rc->x_within))
		return;
	rc->r->res.expects++;
	rc_sample(c, rc);
	conn_timer(c, 0);
	conn_hold(c, 1);	/* keep reading, decode at the next expect */
	rc->wait = RC_RUNNING;
	rc->pc++;
}

/* Write the next chunk of a split send, and arm the delay timer. */
static void
rc_chunk(struct conn *c, struct rconn *rc)
{
	size_t k = rc->x_chunk, left = buf_len(&rc->out) - rc->chunk_off;

	if (k > left)
		k = left;
	conn_send(c, buf_data(&rc->out) + rc->chunk_off, k);
	rc->chunk_off += k;
	if (rc->chunk_off < buf_len(&rc->out)) {
		rc->wait = RC_CHUNK;
		conn_timer(c, rc->x_delay > 0 ? rc->x_delay : RUNNER_YIELD);
		return;
	}
	buf_reset(&rc->out);
	rc->chunk_off = 0;
	rc->wait = RC_RUNNING;
	rc->pc++;
}

/* Evaluate `${MS}` e (milliseconds, at least lo) into *secs for what the
 * step at pc does; 0, or -1 with the connection failed. */
static int
rc_eval_ms(struct conn *c, struct rconn *rc, const struct expr *e,
    const char *what, int64_t lo, double *secs)
{
	char err[300];
	int64_t ms;

	if (tmpl_eval_int(e, &rc->vars, what, lo,
	    (int64_t)(SCENARIO_MAX_SECONDS * 1000), &ms, err,
	    sizeof(err)) == -1) {
		rc_fail(c, "error", err);
		return -1;
	}
	*secs = (double)ms / 1000.0;
	return 0;
}

/* A send's chunk size and delay, as written or from `${...}` (after the
 * body rendered, so ${seq} is this send's); 0, or -1 with the conn
 * failed. */
static int
rc_send_values(struct conn *c, struct rconn *rc, const struct step *st)
{
	char err[300];
	int64_t n;

	rc->x_chunk = st->u.send.chunk;
	rc->x_delay = st->u.send.chunk_delay;
	if (st->u.send.chunk_e != NULL) {
		if (tmpl_eval_int(st->u.send.chunk_e, &rc->vars,
		    "a chunk size in bytes", 1, (int64_t)SCENARIO_MAX_COUNT,
		    &n, err, sizeof(err)) == -1) {
			rc_fail(c, "error", err);
			return -1;
		}
		rc->x_chunk = (size_t)n;
	}
	if (st->u.send.delay_e != NULL && rc_eval_ms(c, rc,
	    st->u.send.delay_e, "a delay in milliseconds", 0,
	    &rc->x_delay) == -1)
		return -1;
	return 0;
}

/* Do a send step: into the merge buffer, in chunks, or as one message. */
static int
rc_send(struct conn *c, struct rconn *rc, const struct step *st)
{
	struct runner *r = rc->r;
	char err[256];

	if (rc->merging) {
		if (tmpl_send(st, r->codec, &rc->vars, &rc->out, err,
		    sizeof(err)) < 0) {
			rc_fail(c, "error", err);
			return -1;
		}
		rc->pc++;
		return 0;
	}
	buf_reset(&rc->out);
	if (tmpl_send(st, r->codec, &rc->vars, &rc->out, err, sizeof(err)) < 0) {
		rc_fail(c, "error", err);
		return -1;
	}
	if (rc_send_values(c, rc, st) == -1)
		return -1;
	r->res.sends++;
	rc->t_sent = clock_now_mono();
	if (rc->x_chunk > 0 && rc->x_chunk < buf_len(&rc->out)) {
		conn_note_msg_out(c, buf_data(&rc->out), buf_len(&rc->out));
		rc->chunk_off = 0;
		rc_chunk(c, rc);
		return rc->wait == RC_CHUNK ? 1 : 0;
	}
	conn_send_msg(c, buf_data(&rc->out), buf_len(&rc->out));
	buf_reset(&rc->out);
	rc->pc++;
	return 0;
}

/* Evaluate e on this connection into *v; 0, or -1 with the connection
 * failed on a runtime error (overflow, division by zero, unset name). */
static int
rc_eval(struct conn *c, struct rconn *rc, const struct expr *e,
    struct value *v)
{
	struct expr_env env = { vars_lookup, &rc->vars, &rc->vars.rng };
	char err[300], text[360];

	if (expr_eval(e, &env, v, err, sizeof(err)) == 0)
		return 0;
	snprintf(text, sizeof(text), "runtime error: %s", err);
	rc_fail(c, "error", text);
	return -1;
}

/* Evaluate e as an integer; 0, or -1 with the connection failed. */
static int
rc_eval_int(struct conn *c, struct rconn *rc, const struct expr *e,
    const char *what, int64_t *out)
{
	struct value v;
	struct buf b;
	char *end, text[200];
	long long n;

	if (rc_eval(c, rc, e, &v) == -1)
		return -1;
	if (v.type == VAL_INT) {
		*out = v.i;
		return 0;
	}
	buf_init(&b);
	value_render(&v, &b);
	buf_append(&b, "", 1);
	n = strtoll((const char *)buf_data(&b), &end, 10);
	if (*end == '\0' && buf_len(&b) > 1) {
		*out = n;
		buf_free(&b);
		value_free(&v);
		return 0;
	}
	snprintf(text, sizeof(text), "runtime error: %s needs an integer, got "
	    "\"%.60s\"", what, (const char *)buf_data(&b));
	buf_free(&b);
	value_free(&v);
	rc_fail(c, "error", text);
	return -1;
}

/* Set a repeat's `as NAME` index to round. */
static void
rc_set_index(struct rconn *rc, const struct step *open, uint64_t round)
{
	char num[24], *p;
	size_t n;

	if (open->u.repeat.index == NULL)
		return;
	p = value_int_text((int64_t)round, num, &n);
	vars_set(&rc->vars, open->u.repeat.index, p, n);
}

/* Enter a repeat: work out its rounds; 0, or -1 with the conn failed. */
static int
rc_repeat_enter(struct conn *c, struct rconn *rc, const struct step *st)
{
	uint64_t count = st->u.repeat.count;
	int64_t n;
	char text[160];

	if (st->u.repeat.count_e != NULL) {
		if (rc_eval_int(c, rc, st->u.repeat.count_e, "a repeat count",
		    &n) == -1)
			return -1;
		if (n < 0 || (uint64_t)n > SCENARIO_MAX_COUNT) {
			snprintf(text, sizeof(text), "runtime error: a repeat "
			    "count of %lld (expected 0 to %llu)", (long long)n,
			    (unsigned long long)SCENARIO_MAX_COUNT);
			rc_fail(c, "error", text);
			return -1;
		}
		count = (uint64_t)n;
	}
	if (st->u.repeat.until != NULL)
		count = st->u.repeat.max;
	rc->rep_left[st->depth] = count;
	rc->rep_round[st->depth] = 1;
	rc->rep_until[st->depth] = st->u.repeat.seconds > 0 ?
	    clock_now_mono() + st->u.repeat.seconds : 0;
	if (count == 0 && st->u.repeat.seconds <= 0) {
		rc->pc = st->jump + 1;	/* repeat 0: skip */
		return 0;
	}
	rc_set_index(rc, st, 1);
	rc->pc++;
	return 0;
}

/* The END of a repeat: another round, or on past it. */
static int
rc_repeat_end(struct conn *c, struct rconn *rc, const struct step *st,
    const struct step *open)
{
	struct value v;
	char text[200];
	int again, done;

	if (open->u.repeat.until != NULL) {
		if (rc_eval(c, rc, open->u.repeat.until, &v) == -1)
			return -1;
		done = value_truthy(&v);
		value_free(&v);
		if (!done && --rc->rep_left[open->depth] == 0) {
			snprintf(text, sizeof(text), "repeat until: the condition "
			    "is still false after %llu rounds (raise 'max N')",
			    (unsigned long long)open->u.repeat.max);
			rc->pc = st->jump;	/* report the repeat line */
			rc_fail(c, "until", text);
			return -1;
		}
		again = !done;
	} else if (open->u.repeat.seconds > 0)
		again = clock_now_mono() < rc->rep_until[open->depth];
	else
		again = --rc->rep_left[open->depth] > 0;
	if (!again) {
		rc->pc++;
		return 0;
	}
	rc_set_index(rc, open, ++rc->rep_round[open->depth]);
	rc->pc = st->jump + 1;
	return 0;
}

/* Blocks and jumps: repeat, merge, if, else, break, end. 0 to keep
 * going, -1 when the connection failed. */
static int
rc_control(struct conn *c, struct rconn *rc, const struct step *st)
{
	const struct scenario *sc = rc->sc;
	const struct step *open;
	struct value v;
	int truth;

	switch (st->kind) {
	case STEP_REPEAT:
		return rc_repeat_enter(c, rc, st);
	case STEP_MERGE:
		rc->merging = 1;
		buf_reset(&rc->out);
		rc->pc++;
		return 0;
	case STEP_IF:
		if (rc_eval(c, rc, st->u.cond.e, &v) == -1)
			return -1;
		truth = value_truthy(&v);
		value_free(&v);
		rc->pc = truth ? rc->pc + 1 : st->jump + 1;
		return 0;
	case STEP_ELSE:
		rc->pc = st->jump + 1;
		return 0;
	case STEP_BREAK:
		rc->pc = sc->steps[st->jump].jump + 1;
		return 0;
	case STEP_FINALLY:
		rc->in_finally = 1;
		rc->pc++;
		return 0;
	default:
		break;
	}
	/* STEP_END: close its block. */
	open = &sc->steps[st->jump];
	if (open->kind == STEP_MERGE) {
		rc->merging = 0;
		rc->pc++;
		return 0;
	}
	if (open->kind == STEP_IF) {
		rc->pc++;
		return 0;
	}
	if (open->kind == STEP_FINALLY) {
		rc->pc++;
		if (rc->failed) {
			/* The cleanup ran; the connection stays failed. */
			rc->wait = RC_DONE;
			conn_close(c, "scenario failed; finally done");
			return -1;
		}
		rc_finish(c);
		return -1;
	}
	return rc_repeat_end(c, rc, st, open);
}

/* `set NAME EXPR`: store the value's bytes. */
static int
rc_set(struct conn *c, struct rconn *rc, const struct step *st)
{
	struct value v;
	char text[160], num[24], *p;
	size_t n;
	int rc2;

	if (rc_eval(c, rc, st->u.set.e, &v) == -1)
		return -1;
	if (v.type == VAL_INT) {	/* no buffer to allocate */
		p = value_int_text(v.i, num, &n);
		rc2 = vars_set(&rc->vars, st->u.set.name, p, n);
	} else
		rc2 = vars_set(&rc->vars, st->u.set.name, v.s, v.len);
	value_free(&v);
	if (rc2 == -1) {
		snprintf(text, sizeof(text), "set %s: more than %d variables, or "
		    "a value over %d bytes", st->u.set.name, VARS_MAX,
		    VARS_MAX_VALUE);
		rc_fail(c, "error", text);
		return -1;
	}
	rc->pc++;
	return 0;
}

/* How long a `wait` sleeps, in seconds; -1 with the conn failed. */
static double
rc_wait_seconds(struct conn *c, struct rconn *rc, const struct step *st)
{
	uint64_t *g = &rc->vars.rng;
	double secs;

	switch (st->u.wait.dist) {
	case WAIT_UNIFORM:
		return rand_uniform(g, st->u.wait.a, st->u.wait.b,
		    SCENARIO_MAX_SECONDS);
	case WAIT_EXPONENTIAL:
		return rand_exponential(g, st->u.wait.a, SCENARIO_MAX_SECONDS);
	case WAIT_NORMAL:
		return rand_normal(g, st->u.wait.a, st->u.wait.b,
		    SCENARIO_MAX_SECONDS);
	default:
		break;
	}
	if (st->u.wait.e == NULL)
		return st->u.wait.a;
	/* 0 to a week, as every computed duration; a negative wait is a
	 * fault in the script, not a zero. */
	if (rc_eval_ms(c, rc, st->u.wait.e, "a wait in milliseconds", 0,
	    &secs) == -1)
		return -1;
	return secs;
}

/* How long an expect waits: --timeout overrides every expect's wait, but
 * not the quiet period of `expect nothing`. */
static double
rc_expect_timeout(const struct rconn *rc, const struct step *st)
{
	const struct runner *r = rc->r;

	if (r->o.timeout > 0 && st->u.expect.kind != EXPECT_NOTHING)
		return r->o.timeout;
	if (st->u.expect.timeout_e != NULL)
		return rc->x_timeout;
	return st->u.expect.timeout;
}

/* What the expect (or expect set) st computes when it starts: its
 * timeout and within from `${MS}`, and through match_prepare a pattern
 * with ${...} compiled and a `length ${N}`, for st or each expect
 * alternative of the set. 0, or -1 with the connection failed at the step (an
 * alternative's line for its own fault). */
static int
rc_expect_values(struct conn *c, struct rconn *rc, const struct step *st)
{
	const struct scenario *sc = rc->sc;
	size_t j, k = 0, last = rc->pc, at = rc->pc;
	struct buf why;

	rc->x_within = st->kind == STEP_EXPECT ? st->u.expect.within : 0;
	if (st->u.expect.timeout_e != NULL && rc_eval_ms(c, rc,
	    st->u.expect.timeout_e, st->u.expect.kind == EXPECT_NOTHING &&
	    st->kind == STEP_EXPECT ? "a quiet period in milliseconds" :
	    "a timeout in milliseconds", 1, &rc->x_timeout) == -1)
		return -1;
	if (st->kind == STEP_EXPECT && st->u.expect.within_e != NULL &&
	    rc_eval_ms(c, rc, st->u.expect.within_e, "a within bound in "
	    "milliseconds", 1, &rc->x_within) == -1)
		return -1;
	if (st->kind == STEP_EXPECT_SET)
		last = st->jump;
	for (j = rc->pc; j <= last; j++) {
		const struct step *alt = &sc->steps[j];

		/* A set's captures run once their alternative matched: they
		 * may read what it captured, so they are prepared then. */
		if (alt->kind != STEP_EXPECT)
			continue;
		if (st->kind == STEP_EXPECT_SET && k < SCENARIO_MAX_SET) {
			/* Each alternative's own `within`, checked on the
			 * message it takes (rc_set_msg). */
			rc->pc = j;
			rc->x_alt_within[k] = alt->u.expect.within;
			if (alt->u.expect.within_e != NULL && rc_eval_ms(c, rc,
			    alt->u.expect.within_e, "a within bound in "
			    "milliseconds", 1, &rc->x_alt_within[k]) == -1)
				return -1;
			rc->pc = at;
			k++;
		}
		buf_init(&why);
		if (match_prepare(alt, &rc->vars, &why) == -1) {
			buf_append(&why, "", 1);
			rc->pc = j;
			rc_fail(c, "error", (char *)buf_data(&why));
			buf_free(&why);
			return -1;
		}
		buf_free(&why);
	}
	return 0;
}

/* How long a send may make no progress before the script fails: the
 * scenario's timeout (or --timeout), so no wait is without one. */
static double
runner_stall_timeout(const struct runner *r)
{
	return r->timeout > 0 ? r->timeout : 5.0;
}

/* Match the raw stream's pending bytes against the expect st. Matching
 * sees at most max_frame bytes (so a regex costs at most that much), and
 * bytes that reach the limit without settling the step fail it. */
static int
rc_match_pending(struct conn *c, struct rconn *rc, const struct step *st,
    struct buf *why)
{
	size_t used = 0, n = buf_len(&rc->pending);
	int m;

	if (n > c->max_frame)
		n = c->max_frame;
	m = match_stream(st, buf_data(&rc->pending), n, &rc->vars, &used, why);
	if (m == MATCH_OK)
		buf_consume(&rc->pending, used);
	else if (m == MATCH_MORE && buf_len(&rc->pending) >= c->max_frame) {
		buf_printf(why, "line %u: %zu bytes received without matching "
		    "this step (limit %zu, --max-frame)", st->line,
		    buf_len(&rc->pending), c->max_frame);
		m = MATCH_FAIL;
	}
	return m;
}

/* An optional expect did not get its message: go past it. */
static void
rc_skip_optional(struct conn *c, struct rconn *rc)
{
	conn_timer(c, 0);
	conn_hold(c, 1);
	rc->wait = RC_RUNNING;
	rc->pc++;
}

/* Hand the frame an optional expect let pass to the expect now waiting:
 * 1 if there was one (it has been matched or failed), else 0. */
static int
rc_replay(struct conn *c, struct rconn *rc)
{
	const struct codec *cd = c->info.codec;
	struct codec_cursor *cur = NULL;
	struct codec_frame f;
	struct buf held;
	char err[160];
	ssize_t n;

	if (buf_len(&rc->replay) == 0 || cd == NULL)
		return 0;
	held = rc->replay;		/* take it: a new pass may refill */
	buf_init(&rc->replay);
	/* Frame it as it was framed first: as the answer to a HEAD, or
	 * ended by the close (codec_decode_eof takes both). */
	if (rc->replay_head)
		codec_cursor_hint(cd, &cur, CODEC_HINT_HEAD);
	n = codec_decode_eof(cd, &cur, buf_data(&held), buf_len(&held),
	    buf_len(&held) + 1, &f, err, sizeof(err));
	codec_cursor_free(&cur);
	if (n > 0) {
		unsigned was = c->rx_head;

		c->rx_head = rc->replay_head;
		rc_msg(c, &f);
		c->rx_head = was;
	}
	buf_free(&held);
	return n > 0;
}

/* Start waiting at an expect (or an expect set): arm its timeout; bytes
 * already received may settle it at once. 0 when it matched and the
 * script goes on, 1 when it waits (or failed). */
static int
rc_expect_start(struct conn *c, struct rconn *rc, const struct step *st)
{
	const struct scenario *sc = rc->sc;
	struct buf why;
	int m;

	if (rc_expect_values(c, rc, st) == -1)
		return 1;
	rc->wait = RC_EXPECT;
	conn_timer(c, rc_expect_timeout(rc, st));
	if (st->kind == STEP_EXPECT_SET)
		rc->set_done = 0;
	if (!sc->stream && rc_replay(c, rc))
		return 1;	/* rc_msg went on (or failed) */
	if (st->kind == STEP_EXPECT_SET)
		;
	else if (sc->stream && buf_len(&rc->pending) > 0 &&
	    st->u.expect.kind != EXPECT_CLOSE) {
		buf_init(&why);
		m = rc_match_pending(c, rc, st, &why);
		if (m == MATCH_FAIL && st->u.expect.optional) {
			buf_free(&why);
			rc_skip_optional(c, rc);
			return 0;
		}
		if (m == MATCH_FAIL) {
			buf_append(&why, "", 1);
			rc_fail(c, "mismatch", (char *)buf_data(&why));
			buf_free(&why);
			return 1;
		}
		buf_free(&why);
		if (m == MATCH_OK) {
			rc_expect_ok(c, rc);
			return 0;
		}
	}
	if (c->eof_told) {
		/* The peer closed earlier: nothing more comes. */
		rc_peer_closed(c);
		return 1;
	}
	/* Deliver what was read meanwhile, then any EOF. */
	conn_hold(c, 0);
	return 1;
}

/* Go past a `wait for` whose signal has a value: `as VAR` takes it. */
static int
rc_wait_for_done(struct conn *c, struct rconn *rc, const struct step *st)
{
	const unsigned char *v;
	size_t len = 0;
	char text[160];

	v = coord_value(rc->r->co, st->u.sync.name, &len);
	if (st->u.sync.as != NULL && v != NULL &&
	    vars_set(&rc->vars, st->u.sync.as, v, len) == -1) {
		snprintf(text, sizeof(text), "runtime error: signal '%s': its "
		    "value (%zu bytes) does not fit in %s", st->u.sync.name,
		    len, st->u.sync.as);
		rc_fail(c, "error", text);
		return -1;
	}
	rc->pc++;
	return 0;
}

/* A barrier, a signal or a wait-for (coord.h): 0 to go on with the next
 * step, 1 when the connection now waits or failed. */
static int
rc_sync(struct conn *c, struct rconn *rc, const struct step *st)
{
	struct coord *co = rc->r->co;
	enum coord_verdict v = COORD_GO;
	struct value val;
	struct buf b;
	char why[1024];

	switch (st->kind) {
	case STEP_SIGNAL:
		buf_init(&b);
		if (st->u.sync.e != NULL) {
			if (rc_eval(c, rc, st->u.sync.e, &val) == -1) {
				buf_free(&b);
				return 1;
			}
			value_render(&val, &b);
			value_free(&val);
		} else
			buf_append(&b, "1", 1);
		coord_signal(co, st->u.sync.name, buf_data(&b), buf_len(&b));
		buf_free(&b);
		rc->pc++;
		return 0;
	default:
		if (rc->n >= coord_total(co)) {
			/* A scripted server's connection past `accept N`. */
			snprintf(why, sizeof(why), "%s in an accept block: "
			    "connection %llu is past the %llu that 'accept N' "
			    "numbers (write accept N to wait for each other)",
			    step_kind_name(st->kind),
			    (unsigned long long)rc->n + 1,
			    (unsigned long long)coord_total(co));
			rc_fail(c, "error", why);
			return 1;
		}
		if (st->kind == STEP_BARRIER)
			v = coord_barrier(co, rc->n, c, st, why, sizeof(why));
		else
			v = coord_wait_for(co, rc->n, c, st, why,
			    sizeof(why));
		break;
	}
	if (v == COORD_FAIL) {
		rc_fail(c, "broken", why);
		return 1;
	}
	if (v == COORD_WAIT) {
		rc->wait = RC_SYNC;
		rc->sync_ok = 0;
		conn_timer(c, st->u.sync.timeout > 0 ? st->u.sync.timeout :
		    rc->r->timeout);
		return 1;
	}
	if (st->kind == STEP_WAIT_FOR)
		return rc_wait_for_done(c, rc, st) == 0 ? 0 : 1;
	rc->pc++;
	return 0;
}

/* The coordinator's wake (coord.h): note the verdict; the connection's
 * own timer acts on it, outside the caller's stack. */
static void
runner_wake(void *arg, struct conn *c, uint64_t n, int ok, const char *why)
{
	struct rconn *rc = c->udata;

	(void)arg;
	(void)n;
	if (rc == NULL || c->dead || rc->wait != RC_SYNC)
		return;
	rc->sync_ok = ok ? 1 : -1;
	free(rc->sync_why);
	rc->sync_why = why != NULL ? xstrdup(why) : NULL;
	conn_timer(c, RUNNER_YIELD);
}

/* The timer of a connection in RC_SYNC: woken, or its wait timed out. */
static void
rc_sync_timer(struct conn *c, struct rconn *rc)
{
	const struct step *st = rc->pc < rc->sc->nsteps ?
	    &rc->sc->steps[rc->pc] : NULL;
	char why[1024];
	int ok = rc->sync_ok;

	rc->sync_ok = 0;
	rc->wait = RC_RUNNING;
	if (ok == 0) {
		coord_timeout(rc->r->co, rc->n, st != NULL ?
		    st->u.sync.timeout : 0, why, sizeof(why));
		rc_fail(c, "timeout", why);
		return;
	}
	if (ok < 0) {
		rc_fail(c, "broken", rc->sync_why != NULL ? rc->sync_why :
		    "the wait can never end");
		return;
	}
	if (rc->holding)
		rc->holding = 0;
	else if (st != NULL && st->kind == STEP_WAIT_FOR) {
		if (rc_wait_for_done(c, rc, st) == -1)
			return;
	} else
		rc->pc++;
	rc_advance(c);
}

/* The end of a `merge` block: what its sends built goes out as one write. */
static void
rc_merged_send(struct conn *c, struct rconn *rc, const struct step *st)
{
	if (rc->sc->steps[st->jump].kind != STEP_MERGE || buf_len(&rc->out) == 0)
		return;
	rc->r->res.sends++;
	rc->t_sent = clock_now_mono();
	conn_send_msg(c, buf_data(&rc->out), buf_len(&rc->out));
	buf_reset(&rc->out);
}

/* A `capture` step on the last message: 0 and the next step, or -1 with
 * the connection failed (a ${...} pattern that cannot be used: error; no
 * match: mismatch). */
static int
rc_capture(struct conn *c, struct rconn *rc, const struct step *st)
{
	struct buf why;
	const char *cause = NULL;

	buf_init(&why);
	if (match_prepare(st, &rc->vars, &why) == -1)
		cause = "error";
	else if (match_capture(st, &rc->vars, &why) != MATCH_OK)
		cause = "mismatch";
	if (cause != NULL) {
		buf_append(&why, "", 1);
		rc_fail(c, cause, (char *)buf_data(&why));
		buf_free(&why);
		return -1;
	}
	buf_free(&why);
	rc->pc++;
	return 0;
}

/* Run steps until one has to wait, the script ends, or the budget is spent. */
static void
rc_advance(struct conn *c)
{
	struct rconn *rc = c->udata;
	struct runner *r = rc->r;
	const struct scenario *sc = rc->sc;
	int budget = RUNNER_STEP_BUDGET;

	while (!c->dead && rc->wait == RC_RUNNING) {
		if (rc->pc != rc->exec) {
			/* The step it executed is behind it. */
			struct run_step *s = rc_stat(rc, rc->exec);

			if (s != NULL)
				s->passed++;
			rc->exec = rc->pc;
		}
		if (rc->pc >= sc->nsteps) {
			rc_finish(c);
			return;
		}
		if (budget-- == 0 || buf_len(&c->tx) > c->eng->lim.max_buffer) {
			/* Give other connections a turn, or wait for the peer
			 * to take what we queued: memory stays bounded. */
			rc->wait = buf_len(&c->tx) > 0 ? RC_DRAIN : RC_YIELD;
			if (rc->wait == RC_YIELD)
				conn_timer(c, RUNNER_YIELD);
			else {
				rc->drain_mark = c->info.bytes_out;
				conn_timer(c, runner_stall_timeout(r));
			}
			return;
		}
		const struct step *st = &sc->steps[rc->pc];

		switch (st->kind) {
		case STEP_SEND:
			if (rc_send(c, rc, st) != 0)
				return;
			break;
		case STEP_MERGE:
		case STEP_REPEAT:
		case STEP_IF:
		case STEP_ELSE:
		case STEP_BREAK:
		case STEP_FINALLY:
			if (rc_control(c, rc, st) == -1)
				return;
			break;
		case STEP_SET:
			if (rc_set(c, rc, st) == -1)
				return;
			break;
		case STEP_END:
			rc_merged_send(c, rc, st);
			if (rc_control(c, rc, st) == -1)
				return;
			break;
		case STEP_EXPECT_SET:
		case STEP_EXPECT:
			if (rc_expect_start(c, rc, st) == 0)
				break;
			return;
		case STEP_CAPTURE:
			if (rc_capture(c, rc, st) == -1)
				return;
			break;
		case STEP_WAIT: {
			double secs = rc_wait_seconds(c, rc, st);

			if (secs < 0)
				return;
			rc->wait = RC_WAIT;
			conn_timer(c, secs > 0 ? secs : RUNNER_YIELD);
			return;
		}
		case STEP_CLOSE:
			rc_finish(c);
			return;
		case STEP_SHUTDOWN:
			conn_shutdown(c);
			rc->pc++;
			break;
		case STEP_RESET:
			rc_reset(c);
			return;
		case STEP_STARTTLS: {
			char why[160];

			if (conn_starttls(c, why, sizeof(why)) < 0) {
				rc_fail(c, "error", why);
				return;
			}
			rc->pc++;
			break;
		}
		case STEP_BARRIER:
		case STEP_SIGNAL:
		case STEP_WAIT_FOR:
			if (rc_sync(c, rc, st) != 0)
				return;
			break;
		}
	}
}

/* Connected: start the script. Reading stays on throughout, so a peer
 * that answers while we send (an echo) never blocks on us; what it sends
 * is decoded at the next expect, and held unread no further than
 * --max-buffer bytes (conn_hold). Our own output is bounded by the drain
 * wait instead of conn's read backpressure. */
static void
rc_open(struct conn *c)
{
	struct rconn *rc = c->udata;

	c->no_backpressure = 1;
	((struct rconn *)c->udata)->opened = 1;
	if (rc->generation == rc->r->generation && !rc->counted_open) {
		rc->r->open++;
		rc->counted_open = 1;
	}
	if (rc->connecting && rc->generation == rc->r->generation) {
		rc->r->progs[rc->role].connect.at--;
		rc->r->progs[rc->role].connect.passed++;
	}
	rc->connecting = 0;
	conn_hold(c, 1);
	if (rc->r->res.nroles > 0)
		c->info.tag = &rc->r->res.roles[rc->role];	/* dashboard */
	if (rc->n < coord_total(rc->r->co) &&
	    coord_open(rc->r->co, rc->n, c) == COORD_WAIT) {
		/* Its role starts after another: held until woken. */
		rc->wait = RC_SYNC;
		rc->holding = 1;
		return;
	}
	rc_advance(c);
}

/* What an expect set still waits for, as a report: its line, how it
 * ended (what), and each alternative not matched yet. */
static void
rc_set_report(struct rconn *rc, const struct step *set,
    const char *what, struct buf *why)
{
	const struct scenario *sc = rc->sc;
	size_t j, k;

	buf_printf(why, "line %u: expect %s: %s; still awaited:", set->line,
	    set->u.expect.any_order ? "any order" : "one of", what);
	for (j = rc->pc + 1, k = 0; j < set->jump; j++) {
		const struct step *alt = &sc->steps[j];

		if (alt->kind != STEP_EXPECT)
			continue;
		if (!(rc->set_done & (1u << k))) {
			buf_printf(why, "\n  line %u: expect ", alt->line);
			/* A field as written: "expect status 200". */
			if (alt->u.expect.field != NULL)
				fields_describe(alt->u.expect.field, &rc->vars,
				    why);
			else
				buf_printf(why, "%s",
				    expect_kind_name(alt->u.expect.kind));
		}
		k++;
	}
}

/* A message while an expect set waits: the first alternative it matches
 * (not matched yet, for any order) takes it, and its captures run. One of
 * is then done; any order when every alternative has had its message. */
static void
rc_set_msg(struct conn *c, struct rconn *rc, const struct step *set,
    const struct codec_frame *f)
{
	const struct scenario *sc = rc->sc;
	struct buf why, tried;
	size_t j, k, n = 0, cap, set_at = rc->pc, hit_at = 0, hit_k = 0;
	int hit = 0;

	buf_init(&tried);
	for (j = rc->pc + 1, k = 0; j < set->jump && !hit; j++) {
		const struct step *alt = &sc->steps[j];

		if (alt->kind != STEP_EXPECT)
			continue;
		if (rc->set_done & (1u << k)) {
			k++;
			continue;
		}
		buf_init(&why);
		if (match_expect(alt, f, &rc->vars, &why) == MATCH_OK) {
			hit = 1;
			hit_at = j;
			hit_k = k;
			rc->set_done |= 1u << k;
		} else if (n++ == 0)
			/* The first mismatch shows what arrived. */
			buf_append(&tried, buf_data(&why), buf_len(&why));
		buf_free(&why);
		k++;
	}
	if (!hit) {
		buf_init(&why);
		rc_set_report(rc, set, "a message matched none of the "
		    "alternatives", &why);
		buf_printf(&why, "\nthe first alternative's report:\n  ");
		buf_append(&why, buf_data(&tried), buf_len(&tried));
		buf_append(&why, "", 1);
		rc_fail(c, "mismatch", (char *)buf_data(&why));
		buf_free(&why);
		buf_free(&tried);
		return;
	}
	buf_free(&tried);
	/* Its `within`: a failure names the alternative's line. */
	rc->pc = hit_at;
	if (rc_within_failed(c, rc, hit_k < SCENARIO_MAX_SET ?
	    rc->x_alt_within[hit_k] : 0))
		return;
	rc->pc = set_at;
	/* The alternative's own captures follow it. */
	for (cap = j; cap < set->jump && sc->steps[cap].kind == STEP_CAPTURE;
	    cap++) {
		buf_init(&why);
		if (match_prepare(&sc->steps[cap], &rc->vars, &why) == -1) {
			/* A computed pattern or offset that cannot be used. */
			buf_append(&why, "", 1);
			rc->pc = cap;
			rc_fail(c, "error", (char *)buf_data(&why));
			buf_free(&why);
			return;
		}
		if (match_capture(&sc->steps[cap], &rc->vars, &why) !=
		    MATCH_OK) {
			buf_append(&why, "", 1);
			rc->pc = cap;
			rc_fail(c, "mismatch", (char *)buf_data(&why));
			buf_free(&why);
			return;
		}
		buf_free(&why);
	}
	for (j = rc->pc + 1, k = 0; j < set->jump; j++)
		k += sc->steps[j].kind == STEP_EXPECT;
	if (!set->u.expect.any_order ||
	    rc->set_done == (k >= 32 ? UINT32_MAX : (1u << k) - 1)) {
		rc->pc = set->jump;	/* rc_expect_ok moves past the END */
		rc_expect_ok(c, rc);
		rc_advance(c);
		return;
	}
	rc->r->res.expects++;
}

/* A message (or, for the raw codec, a piece of the stream) arrived. */
/* Whether f is an interim HTTP response: 1xx other than 101 Switching
 * Protocols (RFC 9110, 15.2), which the final response follows. */
static int
rc_interim(const struct conn *c, const struct codec_frame *f)
{
	struct codec_value v;
	struct buf scratch;
	int r;

	if (strcmp(c->info.codec->name, "http") != 0)
		return 0;
	buf_init(&scratch);
	r = codec_field(c->info.codec, f, "status", 0, &scratch, &v);
	buf_free(&scratch);
	return r == 1 && v.type == CODEC_V_INT && v.num >= 100 &&
	    v.num < 200 && v.num != 101;
}

/* Whether the expect (or expect set) at st takes the interim response f:
 * only an `expect status` whose codes it is in (`expect status 100`,
 * `1xx`); any other expect skips it, as curl and Hurl do. */
static int
rc_takes_interim(struct rconn *rc, const struct step *st,
    const struct codec_frame *f)
{
	const struct scenario *sc = rc->r->sc;
	size_t j, first = st->kind == STEP_EXPECT_SET ? rc->pc + 1 : rc->pc;
	size_t end = st->kind == STEP_EXPECT_SET ? st->jump : rc->pc + 1;
	int hit = 0;

	for (j = first; j < end && !hit; j++) {
		const struct step *e = &sc->steps[j];
		struct buf why;

		if (e->kind != STEP_EXPECT || e->u.expect.kind != EXPECT_FIELD ||
		    e->u.expect.field == NULL ||
		    strcmp(e->u.expect.field->field, "status") != 0)
			continue;
		buf_init(&why);
		hit = match_expect(e, f, &rc->vars, &why) == MATCH_OK;
		buf_free(&why);
	}
	return hit;
}

static void
rc_msg(struct conn *c, const struct codec_frame *f)
{
	struct rconn *rc = c->udata;
	const struct scenario *sc = rc->sc;
	const struct step *st;
	struct buf why;
	int m;

	if (rc->wait != RC_EXPECT) {
		/* Decoding is held outside expects (conn_hold), so this is a
		 * stream piece that came with the one that matched: keep it
		 * for the next expect, within the frame limit. */
		if (sc->stream && buf_len(&rc->pending) + f->frame_len >
		    c->max_frame) {
			char text[200];

			snprintf(text, sizeof(text), "%zu bytes received "
			    "without matching this step (limit %zu, "
			    "--max-frame)", buf_len(&rc->pending) +
			    f->frame_len, c->max_frame);
			rc_fail(c, "overflow", text);
		} else if (sc->stream)
			buf_append(&rc->pending, f->frame, f->frame_len);
		return;
	}
	st = &sc->steps[rc->pc];
	if (rc_interim(c, f) && !rc_takes_interim(rc, st, f))
		return;		/* a 100 Continue: the final response follows */
	if (st->kind == STEP_EXPECT_SET) {
		rc_set_msg(c, rc, st, f);
		return;
	}
	buf_init(&why);
	if (sc->stream) {
		buf_append(&rc->pending, f->frame, f->frame_len);
		if (st->u.expect.kind == EXPECT_CLOSE ||
		    st->u.expect.kind == EXPECT_NOTHING)
			m = match_expect(st, f, &rc->vars, &why);
		else
			m = rc_match_pending(c, rc, st, &why);
	} else
		m = match_expect(st, f, &rc->vars, &why);
	if (m == MATCH_FAIL && st->u.expect.optional) {
		/* Not this step's message: the next one gets it. */
		if (!sc->stream) {
			buf_reset(&rc->replay);
			buf_append(&rc->replay, f->frame, f->frame_len);
			rc->replay_head = c->rx_head;
		}
		rc_skip_optional(c, rc);
		rc_advance(c);
	} else if (m == MATCH_FAIL) {
		buf_append(&why, "", 1);
		rc_fail(c, "mismatch", (char *)buf_data(&why));
	} else if (m == MATCH_OK) {
		rc_expect_ok(c, rc);
		rc_advance(c);
	}
	buf_free(&why);
}

/* The peer closed its side while an expect waited: `expect close` goes
 * on with the script (which may still wait, send or shut down), anything
 * else fails. */
static void
rc_peer_closed(struct conn *c)
{
	struct rconn *rc = c->udata;
	const struct scenario *sc = rc->sc;
	struct buf why;

	buf_init(&why);
	if (sc->steps[rc->pc].kind == STEP_EXPECT_SET) {
		rc_set_report(rc, &sc->steps[rc->pc], "the peer closed the "
		    "connection", &why);
		buf_append(&why, "", 1);
		rc_fail(c, "closed", (char *)buf_data(&why));
		buf_free(&why);
		return;
	}
	if (sc->steps[rc->pc].kind == STEP_EXPECT &&
	    sc->steps[rc->pc].u.expect.optional) {
		buf_free(&why);
		rc_skip_optional(c, rc);
		rc_advance(c);
		return;
	}
	if (match_on_close(&sc->steps[rc->pc], &rc->vars, &why) == MATCH_OK) {
		rc_expect_ok(c, rc);
		rc_advance(c);
	} else {
		buf_append(&why, "", 1);
		rc_fail(c, "closed", (char *)buf_data(&why));
	}
	buf_free(&why);
}

/* The peer closed its side. */
static void
rc_eof(struct conn *c)
{
	struct rconn *rc = c->udata;

	if (rc->wait == RC_DONE || rc->wait == RC_CLOSING)
		return;
	if (rc->wait != RC_EXPECT) {
		rc_fail(c, "closed", "the peer closed the connection before this step");
		return;
	}
	rc_peer_closed(c);
}

/* The connection's timer: an expect timeout, the end of a wait, the next
 * chunk, or a yield. */
static void
rc_timer(struct conn *c)
{
	struct rconn *rc = c->udata;
	const struct scenario *sc = rc->sc;
	struct step st;
	struct buf why;

	switch (rc->wait) {
	case RC_EXPECT:
		if (sc->steps[rc->pc].kind == STEP_EXPECT_SET) {
			char what[64];

			buf_init(&why);
			snprintf(what, sizeof(what), "timed out after %gs",
			    rc_expect_timeout(rc, &sc->steps[rc->pc]));
			rc_set_report(rc, &sc->steps[rc->pc], what, &why);
			buf_append(&why, "", 1);
			rc_fail(c, "timeout", (char *)buf_data(&why));
			buf_free(&why);
			return;
		}
		if (sc->steps[rc->pc].kind == STEP_EXPECT &&
		    sc->steps[rc->pc].u.expect.optional) {
			rc->t_sent = 0;
			rc_skip_optional(c, rc);
			rc_advance(c);
			return;
		}
		/* Report the wait that was really used. */
		st = sc->steps[rc->pc];
		st.u.expect.timeout = rc_expect_timeout(rc, &st);
		st.u.expect.timeout_e = NULL;	/* report the value used */
		buf_init(&why);
		/* The raw stream's unmatched bytes, or a framed codec's
		 * incomplete frame still in the connection's rx. */
		if ((sc->stream ? match_on_timeout(&st, NULL,
		    buf_data(&rc->pending), buf_len(&rc->pending), &rc->vars,
		    &why) : match_on_timeout(&st, c->info.codec,
		    buf_data(&c->rx), buf_len(&c->rx), &rc->vars, &why)) ==
		    MATCH_OK) {
			rc->t_sent = 0;	/* quiet is not a round trip */
			rc_expect_ok(c, rc);
			rc_advance(c);
		} else {
			buf_append(&why, "", 1);
			rc_fail(c, "timeout", (char *)buf_data(&why));
		}
		buf_free(&why);
		return;
	case RC_CHUNK:
		rc_chunk(c, rc);
		rc_advance(c);
		return;
	case RC_DRAIN:
		rc_stalled(c, rc);
		return;
	case RC_CLOSING:
		if (c->info.bytes_out != rc->drain_mark) {
			rc->drain_mark = c->info.bytes_out;
			conn_timer(c, runner_stall_timeout(rc->r));
		} else {
			char text[200];

			snprintf(text, sizeof(text), "closing: the peer took "
			    "none of the last %zu bytes for %gs, so they were "
			    "never delivered", buf_len(&c->tx),
			    runner_stall_timeout(rc->r));
			rc_fail(c, "stalled", text);
		}
		return;
	case RC_WAIT:
		rc->pc++;
		/* FALLTHROUGH */
	case RC_YIELD:
		rc->wait = RC_RUNNING;
		rc_advance(c);
		return;
	case RC_SYNC:
		rc_sync_timer(c, rc);
		return;
	default:
		return;
	}
}

/* A send waited the timeout for the peer to take our bytes: go on waiting
 * while it makes progress, else fail and say why. */
static void
rc_stalled(struct conn *c, struct rconn *rc)
{
	struct runner *r = rc->r;
	char text[640];

	if (c->info.bytes_out != rc->drain_mark) {
		rc->drain_mark = c->info.bytes_out;
		conn_timer(c, runner_stall_timeout(r));
		return;
	}
	snprintf(text, sizeof(text), "sending stalled: the peer took none of "
	    "the %zu bytes queued for %gs, while %zu bytes it sent wait for "
	    "the next expect (held up to --max-buffer, %zu bytes): the script "
	    "sends more before its next expect than the peer and we can "
	    "buffer; put an expect between the sends or raise --max-buffer",
	    buf_len(&c->tx), runner_stall_timeout(r), buf_len(&c->rx) +
	    buf_len(&rc->pending), c->eng->lim.max_buffer);
	rc_fail(c, "stalled", text);
}

/* Queued output was written: continue a script that waited for it. */
static void
rc_drain(struct conn *c)
{
	struct rconn *rc = c->udata;

	if (rc->wait == RC_DRAIN) {
		conn_timer(c, 0);
		rc->wait = RC_RUNNING;
		rc_advance(c);
	}
}

/* Fold the scripted server's result into the client runner's: its
 * connections are counted, and its failures grouped, with the clients'. */
static void
runner_merge_served(struct runner *r)
{
	const struct run_result *a;
	size_t i;

	if (r->acc == NULL || r->merged)
		return;
	r->merged = 1;
	a = &r->acc->res;
	r->res.conns += r->acc->accepted;
	r->res.passed += a->passed;
	r->res.failed += a->failed;
	r->res.sends += a->sends;
	r->res.expects += a->expects;
	for (i = 0; i < a->ngroups; i++) {
		const struct run_failure *g = &a->groups[i];
		struct run_failure *d;

		if (r->res.ngroups == RUN_MAX_GROUPS) {
			r->res.other += g->count;
			continue;
		}
		d = &r->res.groups[r->res.ngroups++];
		*d = *g;
		d->file = xstrdup(g->file);
		d->text = xstrdup(g->text);
		d->field = g->field != NULL ? xstrdup(g->field) : NULL;
		d->expected = NULL;
		d->received = NULL;
		if (g->expected != NULL) {
			d->expected = xmalloc(g->expected_len + 1);
			memcpy(d->expected, g->expected, g->expected_len);
		}
		if (g->received != NULL) {
			d->received = xmalloc(g->received_len + 1);
			memcpy(d->received, g->received, g->received_len);
		}
	}
	r->res.other += a->other;
	if (r->res.failure == NULL && a->failure != NULL) {
		r->res.failure = xstrdup(a->failure);
		r->res.fail_line = a->fail_line;
		r->res.fail_conn = a->fail_conn;
	}
}

/* The run is over when every client connection finished and so did every
 * connection its scripted server accepted. */
static void
runner_check_done(struct runner *r)
{
	if (r->acc != NULL && r->acc->finished < r->acc->accepted)
		return;
	if (!r->o.loop && r->finished >= r->nconns && !r->res.done) {
		runner_merge_served(r);
		r->res.done = 1;
		r->res.t_end = clock_now_mono();
		if (r->done_timer == NULL)
			r->done_timer = engine_after(r->eng, 0, runner_done_cb,
			    r);
	}
}

/* Count one finished connection; the run is done when all are. */
static void
runner_finished_one(struct runner *r)
{
	r->finished++;
	if (r->serving) {
		if (r->parent != NULL)
			runner_check_done(r->parent);
		return;
	}
	runner_check_done(r);
}

/* The pool could not even start connection n: it failed. */
static void
runner_start_failed(void *arg, uint64_t n, const char *why)
{
	struct runner *r = arg;
	struct rconn tmp = { .r = r, .n = n % (r->nconns ? r->nconns : 1) };
	char text[300];

	tmp.role = coord_role_of(r->co, tmp.n, &tmp.local);
	tmp.sc = &r->views[tmp.role];
	if (r->ramp_left > 0)
		r->ramp_left--;
	snprintf(text, sizeof(text), "could not open the connection: %s", why);
	runner_note_failure(r, &tmp, 0, "connect", "error", text);
	r->res.failed++;
	if (r->res.nroles > 0)
		r->res.roles[tmp.role].failed++;
	coord_gone(r->co, tmp.n, text);
	runner_finished_one(r);
}

/* Tell the front end, from the loop, that the run is over. */
static void
runner_done_cb(struct engine *e, void *arg)
{
	struct runner *r = arg;

	(void)e;
	r->done_timer = NULL;
	if (r->done_cb != NULL)
		r->done_cb(r, r->done_arg);
}

/* The connection ended: count it passed or failed. */
static void
rc_close(struct conn *c)
{
	struct rconn *rc = c->udata;
	struct runner *r = rc->r;

	rc_unsettle(rc);
	rc->ci = &c->info;
	if (rc->generation == r->generation) {
		/* A shutdown after the peer's close ends the connection as the
		 * last step runs: the script still ran to its end. */
		if (!rc->passed && !rc->failed && rc->pc >= rc->sc->nsteps)
			rc->passed = 1;
		/* The script ended and its last bytes were written. */
		if (!rc->passed && !rc->failed && rc->wait == RC_CLOSING &&
		    c->info.state == CS_CLOSED && buf_len(&c->tx) == 0)
			rc->passed = 1;
		/* Removed by runner_remove (pool_remove clears the owner):
		 * the user took it away, so it neither passed nor failed,
		 * and the run no longer waits for it. */
		if (!rc->passed && !rc->failed && c->owner == NULL)
			goto out;
		if (!rc->passed && !rc->failed) {
			unsigned line = rc->pc < rc->sc->nsteps ?
			    rc->sc->steps[rc->pc].line : 0;
			const char *step = rc->pc < rc->sc->nsteps ?
			    step_kind_name(rc->sc->steps[rc->pc].kind) : "end";

			if (!rc->opened) {
				/* It never connected (refused, unreachable,
				 * connect timeout): no step ran, so the
				 * group is the connect's, at line 0. */
				line = 0;
				step = "connect";
			}
			const char *state = conn_state_name(c->info.state);
			const char *cause = loadgen_cause_name(
			    loadgen_cause_of(c->info.reason));
			char text[300];

			snprintf(text, sizeof(text), "connection %s: %s",
			    state, c->info.reason);
			if (rc->wait == RC_EXPECT && rc->pc < rc->sc->nsteps &&
			    (buf_len(&c->rx) > 0 || buf_len(&rc->pending) > 0)) {
				/* Show what had arrived of the message the
				 * step waited for (the rx buffer lives until
				 * the reaper frees the connection). */
				struct buf why;

				buf_init(&why);
				if (rc->sc->stream)
					match_report_partial(&rc->sc->steps[rc->pc],
					    text, NULL, buf_data(&rc->pending),
					    buf_len(&rc->pending), &rc->vars,
					    &why);
				else
					match_report_partial(&rc->sc->steps[rc->pc],
					    text, c->info.codec, buf_data(&c->rx),
					    buf_len(&c->rx), &rc->vars, &why);
				buf_append(&why, "", 1);
				runner_note_failure(r, rc, line, step, cause,
				    (char *)buf_data(&why));
				buf_free(&why);
			} else
				runner_note_failure(r, rc, line, step, cause,
				    text);
			rc->failed = 1;
		}
		if (rc->passed && rc_stat(rc, rc->exec) != NULL)
			rc_stat(rc, rc->exec)->passed++;	/* close, reset */
		if (rc->passed)
			r->res.passed++;
		else
			r->res.failed++;
		if (r->res.nroles > 0) {
			if (rc->passed)
				r->res.roles[rc->role].passed++;
			else
				r->res.roles[rc->role].failed++;
		}
		coord_gone(r->co, rc->n, c->info.reason);
		if (r->conn_cb != NULL)
			r->conn_cb(r, rc->n + 1, rc->passed, rc->verdict,
			    r->conn_arg);
		runner_finished_one(r);
	}
out:
	free(rc->verdict);
	free(rc->sync_why);
	vars_free(&rc->vars);
	buf_free(&rc->pending);
	buf_free(&rc->replay);
	buf_free(&rc->out);
	free(rc);
	c->udata = NULL;
}

/* The handler's callbacks, each ending with rc_settle. */
static void
rc_open_cb(struct conn *c)
{
	rc_open(c);
	rc_settle(c);
}

static void
rc_msg_cb(struct conn *c, const struct codec_frame *f)
{
	rc_msg(c, f);
	rc_settle(c);
}

static void
rc_eof_cb(struct conn *c)
{
	rc_eof(c);
	rc_settle(c);
}

static void
rc_drain_cb(struct conn *c)
{
	rc_drain(c);
	rc_settle(c);
}

static void
rc_timer_cb(struct conn *c)
{
	rc_timer(c);
	rc_settle(c);
}

static const struct conn_handler runner_handler = {
	.on_open = rc_open_cb,
	.on_msg = rc_msg_cb,
	.on_eof = rc_eof_cb,
	.on_drain = rc_drain_cb,
	.on_timer = rc_timer_cb,
	.on_warn = rc_warn,
	.on_close = rc_close,
};

/* The coordinator, one scenario view per role (its steps in place of the
 * top level's), and the per-role counts of the result. */
static void
runner_roles_new(struct runner *r)
{
	const struct scenario *sc = r->sc;
	size_t i, n;

	r->co = coord_new(sc, r->nconns, runner_wake, r);
	n = coord_nroles(r->co);
	r->views = xcalloc(n, sizeof(*r->views));
	for (i = 0; i < n; i++) {
		const struct scenario_role *ro = coord_role(r->co, i);

		r->views[i] = *sc;
		if (ro != NULL) {
			r->views[i].steps = ro->steps;
			r->views[i].nsteps = ro->nsteps;
			r->views[i].finally_at = ro->finally_at;
			r->views[i].connections = ro->conns;
		}
	}
	r->nprogs = n;
	r->progs = xcalloc(n, sizeof(*r->progs));
	for (i = 0; i < n; i++) {
		r->progs[i].name = coord_role_name(r->co, i);
		r->progs[i].steps = r->views[i].steps;
		r->progs[i].nsteps = r->views[i].nsteps;
		r->progs[i].stats = xcalloc(r->views[i].nsteps + 1,
		    sizeof(*r->progs[i].stats));
	}
	if (sc->nroles > 0) {
		r->nconns = coord_total(r->co);
		r->res.nroles = n;
		r->res.roles = xcalloc(n, sizeof(*r->res.roles));
		runner_roles_reset(r);
	}
}

struct runner *
runner_new(struct engine *e, const struct scenario *sc,
    const struct run_opts *o, char *err, size_t errlen)
{
	struct runner *r = xcalloc(1, sizeof(*r));
	const struct service_cfg *ss = &sc->service;

	r->eng = e;
	r->sc = sc;
	if (o != NULL)
		r->o = *o;
	r->codec = sc->codec;
	if (r->o.codec != NULL && (r->codec = codec_find(r->o.codec)) == NULL) {
		snprintf(err, errlen, "unknown codec '%s'", r->o.codec);
		free(r);
		return NULL;
	}
	r->timeout = r->o.timeout > 0 ? r->o.timeout : sc->timeout;
	r->nconns = r->o.conns > 0 ? r->o.conns : sc->connections;
	if (sc->nroles > 0 && (r->o.conns > 0 || r->o.loop)) {
		/* A looping connection would leave and rejoin its role's
		 * barriers on its own: replay the whole run instead. */
		snprintf(err, errlen, "%s: %s has roles, and %s", r->o.conns >
		    0 ? "--conns" : "--loop", sc->path, r->o.conns > 0 ?
		    "each role states its own connection count" : "its "
		    "connections meet at barriers and signals: a connection "
		    "cannot replay alone (restart the run instead)");
		free(r);
		return NULL;
	}
	runner_roles_new(r);
	r->seed = (uint64_t)(clock_now_mono() * 1e9);
	r->note_measured = -1;
	hist_init(&r->res.latency);
	service_cfg_copy(&r->svc, ss);
	if (r->svc.name == NULL)
		r->svc.name = xstrdup("echo");
	if (strcmp(r->svc.name, "file") == 0 && r->svc.root == NULL)
		r->svc.root = xstrdup(sc->dir != NULL ? sc->dir : ".");
	return r;
}

/* Open the pool of client connections against the target. */
static int
runner_open_pool(struct runner *r, char *err, size_t errlen)
{
	const char *t = r->o.connect != NULL ? r->o.connect : r->target;
	char addr[160];
	struct pool_cfg pc;

	if (r->o.connect == NULL)
		snprintf(addr, sizeof(addr), "%s", server_addr(r->srv != NULL ?
		    r->srv : r->acc->srv));
	else
		snprintf(addr, sizeof(addr), "%s", t);
	memset(&pc, 0, sizeof(pc));
	pc.target = addr;
	pc.count = r->nconns;
	pc.rate = r->o.rate > 0 ? r->o.rate : r->sc->rate;
	pc.sources = r->o.sources;
	pc.codec = r->codec;
	pc.handler = &runner_handler;
	pc.make_udata = rc_make;
	pc.arg = r;
	pc.start_failed = runner_start_failed;
	pc.reconnect = r->o.loop;
	pc.reconnect_delay = r->o.loop_delay;
	r->pool = pool_new(r->eng, &pc, err, errlen);
	if (r->pool == NULL)
		return -1;
	pool_start(r->pool);
	return 0;
}

int
runner_start(struct runner *r, char *err, size_t errlen)
{
	r->res.t_start = clock_now_mono();
	r->res.conns = r->nconns;
	r->ramp_left = r->nconns;
	if (r->o.connect == NULL && r->sc->accept != NULL) {
		/* The file's accept block is the server the clients talk to. */
		if ((r->acc = runner_new(r->eng, r->sc->accept, &r->o, err,
		    errlen)) == NULL)
			return -1;
		r->acc->parent = r;
		if (runner_listen(r->acc, r->o.listen != NULL ? r->o.listen :
		    "127.0.0.1:0", r->sc->accept_max, err, errlen) == -1)
			return -1;
		snprintf(r->target, sizeof(r->target), "%s (scripted server, "
		    "line %u)", server_addr(r->acc->srv), r->sc->accept_line);
		if (r->sc->nsteps == 0 && r->sc->nroles == 0) {
			snprintf(err, errlen, "%s has only an accept block (a "
			    "mock server, no client steps): serve it with "
			    "'sockbench serve --scenario %s'", r->sc->path,
			    r->sc->path);
			return -1;
		}
	} else if (r->o.connect == NULL) {
		r->srv = server_start(r->eng, r->o.listen != NULL ? r->o.listen :
		    "127.0.0.1:0", &r->svc, 0, err, errlen);
		if (r->srv == NULL)
			return -1;
		snprintf(r->target, sizeof(r->target), "%s (embedded %s)",
		    server_addr(r->srv), r->svc.name);
	} else
		snprintf(r->target, sizeof(r->target), "%s", r->o.connect);
	return runner_open_pool(r, err, errlen);
}

void
runner_on_done(struct runner *r, void (*cb)(struct runner *, void *),
    void *arg)
{
	r->done_cb = cb;
	r->done_arg = arg;
}

const struct run_result *
runner_result(const struct runner *r)
{
	return &r->res;
}

/* Name and size each role's counts afresh. */
static void
runner_roles_reset(struct runner *r)
{
	size_t i;

	for (i = 0; i < r->res.nroles; i++) {
		r->res.roles[i].name = coord_role_name(r->co, i);
		r->res.roles[i].conns = coord_role_conns(r->co, i);
		r->res.roles[i].passed = r->res.roles[i].failed = 0;
	}
}

const char *
runner_conn_role(const struct runner *r, uint64_t n, uint64_t *local)
{
	uint64_t l = 0;
	size_t ri;

	if (r->sc->nroles == 0 || n == 0)
		return NULL;
	ri = coord_role_of(r->co, (n - 1) % coord_total(r->co), &l);
	if (local != NULL)
		*local = l + 1;
	return coord_role_name(r->co, ri);
}

const char *
runner_info_role(const struct runner *r, const struct conn_info *ci)
{
	const struct run_role *ro = ci->tag;

	if (r == NULL || r->res.nroles == 0 || ro < r->res.roles ||
	    ro >= r->res.roles + r->res.nroles)
		return NULL;
	return ro->name;
}

/* Zero every step counter (a restart). */
static void
runner_progs_reset(struct runner *r)
{
	size_t i;

	for (i = 0; i < r->nprogs; i++) {
		memset(r->progs[i].stats, 0, r->progs[i].nsteps *
		    sizeof(*r->progs[i].stats));
		memset(&r->progs[i].connect, 0, sizeof(r->progs[i].connect));
	}
}

size_t
runner_nprograms(const struct runner *r)
{
	return r->nprogs;
}

const struct run_program *
runner_program(const struct runner *r, size_t i)
{
	assert(i < r->nprogs);
	return &r->progs[i];
}

void
runner_load(const struct runner *r, struct run_load *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->target = r->nconns;
	out->open = r->open;
	for (i = 0; i < r->nprogs; i++)
		out->connecting += r->progs[i].connect.at;
	out->pending = r->ramp_left;
	if (r->pool != NULL)
		out->rate = pool_rate(r->pool);
}

void
runner_set_rate(struct runner *r, double rate)
{
	if (r->pool != NULL)
		pool_set_rate(r->pool, rate);
}

const struct runner *
runner_acceptor(const struct runner *r)
{
	return r->acc;
}

/* Close every connection of the current pool. */
static void
runner_close_pool(struct runner *r)
{
	struct conn *c, *next;

	if (r->pool == NULL)
		return;
	pool_stop(r->pool);
	for (c = r->eng->conns; c != NULL; c = next) {
		next = c->next;
		if (c->owner == r->pool) {
			c->owner = NULL;
			conn_close(c, "scenario restarted");
		}
	}
	pool_free(r->pool);
	r->pool = NULL;
}

/* Close every connection a scripted server accepted: the ones its
 * restart or free leaves behind (they are not counted). */
static void
runner_close_served(struct runner *r)
{
	struct conn *c, *next;

	if (r == NULL || !r->serving || r->srv == NULL)
		return;
	r->generation++;
	for (c = r->eng->conns; c != NULL; c = next) {
		next = c->next;
		if (c->owner == r->srv && !c->dead) {
			c->owner = NULL;
			conn_close(c, "scenario restarted");
		}
	}
	r->accepted = r->finished = r->open = 0;
	runner_progs_reset(r);
	free(r->res.failure);
	runner_groups_free(&r->res);
	memset(&r->res, 0, sizeof(r->res));
	hist_init(&r->res.latency);
}

void
runner_stop_served(struct runner *r, const char *why)
{
	struct conn *c, *next;
	char text[400];

	if (r == NULL || !r->serving || r->srv == NULL)
		return;
	for (c = r->eng->conns; c != NULL; c = next) {
		struct rconn *rc = c->udata;

		next = c->next;
		if (c->owner != r->srv || c->dead || rc == NULL ||
		    rc->generation != r->generation)
			continue;
		if (!rc->passed && !rc->failed && rc->pc < rc->sc->nsteps) {
			/* Cut mid-script: a failure where it stands. */
			const struct step *st = &rc->sc->steps[rc->pc];
			int sync = st->kind == STEP_BARRIER ||
			    st->kind == STEP_SIGNAL ||
			    st->kind == STEP_WAIT_FOR;

			snprintf(text, sizeof(text), "stopped at %s:%u (%s%s%s%s) "
			    "by the %s: its script did not finish",
			    runner_step_file(r, rc), st->line,
			    step_kind_name(st->kind), sync ? " '" : "",
			    sync ? st->u.sync.name : "", sync ? "'" : "", why);
			if (rc->wait == RC_SYNC) {
				coord_leave(r->co, rc->n);
				rc->holding = 0;
				rc->sync_ok = 0;
			}
			rc->failed = 1;
			rc->ci = &c->info;
			runner_note_failure(r, rc, st->line,
			    step_kind_name(st->kind), "stopped", text);
		}
		rc->wait = RC_DONE;
		conn_close(c, why);
	}
	engine_reap(r->eng);
}

void
runner_stopped(struct runner *r)
{
	if (r != NULL && !r->res.done)
		runner_merge_served(r);
}

void
runner_restart(struct runner *r)
{
	char err[256];

	r->generation++;
	runner_close_pool(r);
	runner_close_served(r->acc);
	r->merged = 0;
	free(r->res.failure);
	runner_groups_free(&r->res);
	{
		struct run_role *roles = r->res.roles;
		size_t nroles = r->res.nroles;

		memset(&r->res, 0, sizeof(r->res));
		r->res.roles = roles;
		r->res.nroles = nroles;
	}
	runner_roles_reset(r);
	runner_progs_reset(r);
	r->open = 0;
	coord_reset(r->co);
	hist_init(&r->res.latency);
	r->finished = 0;
	r->res.t_start = clock_now_mono();
	r->res.conns = r->nconns;
	r->ramp_left = r->nconns;
	if (runner_open_pool(r, err, sizeof(err)) < 0)
		r->res.failure = xstrdup(err);
}

void
runner_add(struct runner *r, uint64_t n)
{
	if (r->sc->nroles > 0)
		return;
	r->nconns += n;
	r->res.conns = r->nconns;
	r->ramp_left += n;
	if (r->pool != NULL)
		pool_add(r->pool, n);
}

void
runner_remove(struct runner *r, uint64_t n)
{
	if (r->sc->nroles > 0)
		return;
	if (n > r->nconns)
		n = r->nconns;
	r->nconns -= n;
	r->res.conns = r->nconns;
	r->ramp_left -= r->ramp_left < n ? r->ramp_left : n;
	if (r->pool != NULL)
		pool_remove(r->pool, n);
}

const char *
runner_target(const struct runner *r)
{
	return r->target;
}

const struct scenario *
runner_scenario(const struct runner *r)
{
	return r->sc;
}

void
runner_free(struct runner *r)
{
	if (r == NULL)
		return;
	r->generation++;
	runner_close_pool(r);
	runner_close_served(r);
	engine_reap(r->eng);	/* their on_close still uses r */
	runner_free(r->acc);
	if (r->done_timer != NULL)
		engine_timer_cancel(r->eng, r->done_timer);
	server_free(r->srv);
	service_cfg_free(&r->svc);
	runner_groups_free(&r->res);
	free(r->res.failure);
	free(r->res.roles);
	free(r->views);
	for (size_t i = 0; i < r->nprogs; i++)
		free(r->progs[i].stats);
	free(r->progs);
	coord_free(r->co);
	free(r);
}

/* Hand an accepted socket's connection its state: the server's hook. */
static void *
runner_accepted(void *arg, uint64_t n)
{
	struct runner *r = arg;

	r->accepted++;
	return rc_make(r, n);
}

int
runner_listen(struct runner *r, const char *hostport, uint64_t max,
    char *err, size_t errlen)
{
	r->serving = 1;
	r->nconns = 0;
	/* Barriers and waits among the accepted connections number them:
	 * the first max (or the first one without a limit). */
	coord_free(r->co);
	r->co = coord_new(r->sc, max > 0 ? max : 1, runner_wake, r);
	if (r->res.t_start == 0)
		r->res.t_start = clock_now_mono();
	r->srv = server_start(r->eng, hostport, &r->svc, 0, err, errlen);
	if (r->srv == NULL)
		return -1;
	server_set_handler(r->srv, &runner_handler, r->codec, runner_accepted,
	    r, max);
	snprintf(r->target, sizeof(r->target), "%s (scripted server)",
	    server_addr(r->srv));
	return 0;
}

void
runner_on_conn(struct runner *r, void (*cb)(struct runner *, uint64_t, int,
    const char *, void *), void *arg)
{
	r->conn_cb = cb;
	r->conn_arg = arg;
}

void
runner_set_log(struct runner *r, void *stdio_file)
{
	if (r->srv != NULL)
		server_set_log(r->srv, stdio_file);
}

const char *
runner_listen_addr(const struct runner *r)
{
	return r->srv != NULL ? server_addrs(r->srv) : "";
}

uint64_t
runner_accepted_count(const struct runner *r)
{
	return r->accepted;
}
