/* The proxy's relay: an accepted client and its upstream connection as one
 * pair, each direction through its fault pipeline, FIN and RST passed on,
 * backpressure across the pair, a decode tap per direction for the log
 * and the recorder. */
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "conn.h"
#include "control.h"
#include "probe.h"
#include "proxy.h"
#include "record.h"
#include "server.h"
#include "service.h"
#include "sock.h"
#include "util.h"

#define PROXY_DETECT_MAX	PROBE_MAX_RECV	/* bytes per direction kept
						   while the codec is
						   detected */
#define PROXY_REFUSE_WAIT	2.0		/* s a refused client has to
						   close after our FIN */
#define PROXY_LINE_MAX		512		/* a message's text in the
						   log */
#define PROXY_LOG_QUEUE_MAX	(1u << 20)	/* bytes of log lines waiting
						   for a slow log reader */
#define PROXY_LOG_EXIT_WAIT	0.2		/* s the log gets at exit */
#define PROXY_REC_STEP_MSGS	512		/* recorded messages written
						   per loop iteration */

enum { DIR_UP = FAULT_UPSTREAM, DIR_DOWN = FAULT_DOWNSTREAM };

struct pair;

/* One direction's decoder for the log and the recorder. */
struct tap {
	struct buf		 pending;	/* bytes not yet a frame */
	struct codec_cursor	*cur;
	int			 off;		/* stopped: undecodable */
};

/* One direction of a pair: where its pipeline's output goes. */
struct way {
	struct pair		*pair;
	int			 dir;		/* DIR_UP or DIR_DOWN */
	struct fault_pipe	*pipe;
	ev_timer		 timer;		/* the pipeline's next deadline */
	int			 paused;	/* we paused the source */
	struct tap		 tap;
};

/* A client and its upstream connection. Made at accept; freed when both
 * connections' on_close have run (the engine's reaper). */
struct pair {
	struct proxy		*px;
	uint64_t		 id;		/* the client's connection id */
	struct conn		*cli, *up;	/* NULL once reaped */
	uint64_t		 cli_id, up_id;	/* their conn_info ids (0:
						   none yet), for the view */
	struct way		 way[2];
	struct recorder		*rec;
	const struct codec	*codec;		/* the taps', once known */
	int			 refs;		/* connections not yet reaped */
	int			 client_closed;	/* who closed first: 1 client,
						   0 server, -1 unknown */
	int			 reset;		/* a reset ended it */
	int			 closing;	/* a fault closed it: input is
						   dropped */
	int			 abandoned;	/* the client went while the
						   upstream connected */
	char			 end[160];	/* the first side's reason */
	struct pair		*next, *prev;	/* the proxy's open pairs */
};

/* One fault in effect and its counters. */
struct proxy_fault {
	struct fault_spec	 spec;
	int			 removed;
	uint64_t		 active, fired;	/* connections; acts */
};

struct proxy {
	struct engine		*eng;
	struct proxy_opts	 o;
	struct server		*srv;
	struct service_cfg	 cfg;
	struct addr_list	 dst;
	char			 connect[256];
	const struct codec	*codec;		/* decoding codec; NULL: not
						   known yet */
	int			 detecting;	/* codec to be detected */
	int			 tapping;	/* log or record on */
	int			 log_fd;	/* -1: no --log; non-blocking */
	int			 log_fl;	/* fd 1's flags to restore
						   (-1: not changed) */
	struct buf		 logq;		/* lines not yet written */
	ev_io			 log_w;		/* writable: write logq */
	uint64_t		 log_dropped;	/* lines: queue full or the
						   log failed */
	int			 log_failed;
	struct proxy_fault	*faults;	/* by increasing id: in effect
						   and the last removed ones */
	size_t			 nfaults, capfaults;
	size_t			 nlive;		/* not removed, at most
						   PROXY_FAULTS_LIVE_MAX */
	uint64_t		 old_removed;	/* removed faults folded out
						   of faults[] */
	uint64_t		 old_active, old_fired;	/* their counters */
	uint32_t		 next_fault;
	uint32_t		 stats_only;	/* pair_fault_stats: only this
						   fault (a removal) */
	struct pair		*pairs;
	struct proxy_totals	 tot;
	uint64_t		 rng;
	struct control		*ctl;
	struct proxy_view	 view;		/* the dashboard's, or zeros */
	struct record_job	**jobs;		/* recordings being written,
						   oldest first */
	size_t			 njobs, capjobs;
	ev_timer		 rec_timer;	/* writes the next step */
};

static void way_schedule(struct way *w);
static void way_pressure(struct way *w);
static void pair_ended(struct pair *pr);
static void proxy_rec_queue(struct proxy *px, struct record_job *j);

/* The connection a direction reads from and the one it writes to. */
static struct conn *
way_src(const struct way *w)
{
	return w->dir == DIR_UP ? w->pair->cli : w->pair->up;
}

static struct conn *
way_dst(const struct way *w)
{
	return w->dir == DIR_UP ? w->pair->up : w->pair->cli;
}

/* A usable connection: made, not closed. */
static int
live(const struct conn *c)
{
	return c != NULL && !c->dead;
}

/* The time now as ISO 8601 UTC with milliseconds. */
static void
proxy_stamp(char *out, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char day[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%s.%03dZ", day, (int)(ts.tv_nsec / 1000000) % 1000);
}

/* Write what the log queue holds, as much as the log takes now. */
static void
proxy_log_flush(struct proxy *px)
{
	while (buf_len(&px->logq) > 0 && !px->log_failed) {
		ssize_t w = write(px->log_fd, buf_data(&px->logq),
		    buf_len(&px->logq));

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w <= 0) {
			/* The log is gone (EPIPE, a full disk): lines from
			 * now on are counted as dropped. */
			fprintf(stderr, "proxy: --log %s: %s: logging "
			    "stopped\n", px->o.log_path, w < 0 ?
			    strerror(errno) : "nothing written");
			px->log_failed = 1;
			buf_reset(&px->logq);
			break;
		}
		buf_consume(&px->logq, (size_t)w);
	}
	buf_shrink(&px->logq, 65536);
	if (buf_len(&px->logq) > 0 && !px->log_failed)
		ev_io_start(px->eng->loop, &px->log_w);
	else
		ev_io_stop(px->eng->loop, &px->log_w);
}

/* The log can take more. */
static void
proxy_log_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	proxy_log_flush(w->data);
}

/* Queue one whole line for the log; dropped (and counted) when the
 * reader is PROXY_LOG_QUEUE_MAX bytes behind or the log failed: the loop
 * never waits for the log (after tmux's and redis's bounded output). */
static void
proxy_log_line(struct proxy *px, const unsigned char *p, size_t n)
{
	if (px->log_failed || buf_len(&px->logq) + n > PROXY_LOG_QUEUE_MAX) {
		px->log_dropped++;
		return;
	}
	buf_append(&px->logq, p, n);
	if (!ev_is_active(&px->log_w))
		ev_io_start(px->eng->loop, &px->log_w);
}

/* Open the log non-blocking: a file appended to, or for "-" standard
 * output: a regular file through a dup (its offset shared with stdout,
 * and a disk does not hold the loop on a reader), anything else through
 * a description of its own (/proc/self/fd/1) so that O_NONBLOCK stays
 * ours; failing that, fd 1 itself (its flags are put back by proxy_free).
 * 0, or -1 with errno. */
static int
proxy_log_open(struct proxy *px, const char *path)
{
	struct stat st;
	int fl;

	px->log_fl = -1;
	if (strcmp(path, "-") != 0) {
		px->log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND |
		    O_NONBLOCK | O_CLOEXEC, 0644);
		return px->log_fd < 0 ? -1 : 0;
	}
	fflush(stdout);
	if (fstat(1, &st) == 0 && S_ISREG(st.st_mode)) {
		px->log_fd = fcntl(1, F_DUPFD_CLOEXEC, 3);
		return px->log_fd < 0 ? -1 : 0;
	}
	px->log_fd = open("/proc/self/fd/1", O_WRONLY | O_APPEND | O_NONBLOCK |
	    O_CLOEXEC | O_NOCTTY);
	if (px->log_fd >= 0)
		return 0;
	if ((px->log_fd = fcntl(1, F_DUPFD_CLOEXEC, 3)) < 0 ||
	    (fl = fcntl(1, F_GETFL)) < 0)
		return -1;
	px->log_fl = fl;
	return fcntl(1, F_SETFL, fl | O_NONBLOCK);
}

/* At exit: give the log up to seconds to take what is queued, then
 * count the rest as dropped. */
static void
proxy_log_drain(struct proxy *px, double seconds)
{
	double until = clock_now_mono() + seconds;

	while (px->log_fd >= 0 && buf_len(&px->logq) > 0 && !px->log_failed) {
		struct pollfd pfd = { px->log_fd, POLLOUT, 0 };
		double left = until - clock_now_mono();

		proxy_log_flush(px);
		if (buf_len(&px->logq) == 0 || left <= 0)
			break;
		(void)poll(&pfd, 1, (int)(left * 1000) + 1);
	}
	if (buf_len(&px->logq) > 0) {
		const unsigned char *p = buf_data(&px->logq);
		size_t i;

		for (i = 0; i < buf_len(&px->logq); i++)
			px->log_dropped += p[i] == '\n';
		buf_reset(&px->logq);
	}
	ev_io_stop(px->eng->loop, &px->log_w);
}

/* Log one line about a pair (text) or one JSON object (json). */
static void
proxy_event(struct proxy *px, const struct pair *pr, const char *event,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
proxy_event(struct proxy *px, const struct pair *pr, const char *event,
    const char *fmt, ...)
{
	char text[512], safe[600], stamp[40];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	line_sanitize(text, safe, sizeof(safe));
	if (!px->o.quiet)
		fprintf(stderr, "proxy: #%llu %s\n", pr != NULL ?
		    (unsigned long long)pr->id : 0ULL, safe);
	if (px->log_fd < 0)
		return;
	proxy_stamp(stamp, sizeof(stamp));
	if (px->o.log_json) {
		struct buf b;

		buf_init(&b);
		buf_printf(&b, "{\"time\":\"%s\",\"conn\":%llu,\"event\":\"%s\","
		    "\"text\":", stamp, pr != NULL ? (unsigned long long)pr->id :
		    0ULL, event);
		{
			struct codec_value v = { CODEC_V_TEXT, 0,
			    (const unsigned char *)text, strlen(text) };

			codec_value_json(&v, &b);
		}
		buf_append_str(&b, "}\n");
		proxy_log_line(px, buf_data(&b), buf_len(&b));
		buf_free(&b);
	} else {
		char line[700];
		int n = snprintf(line, sizeof(line), "%s #%llu %s\n", stamp,
		    pr != NULL ? (unsigned long long)pr->id : 0ULL, safe);

		proxy_log_line(px, (const unsigned char *)line,
		    n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
}

/* Log one decoded message of a direction. */
static void
proxy_log_msg(struct pair *pr, int dir, const struct codec_frame *f)
{
	struct proxy *px = pr->px;
	char text[PROXY_LINE_MAX], stamp[40];

	if (dir == DIR_UP)
		px->tot.msgs_up++;
	else
		px->tot.msgs_down++;
	if (pr->rec != NULL)
		record_msg(pr->rec, dir == DIR_UP, f->frame, f->frame_len,
		    clock_now_mono());
	if (px->view.msg != NULL)
		px->view.msg(px->view.ctx, pr->cli_id, pr->up_id, dir == DIR_UP,
		    pr->codec, f);
	if (px->log_fd < 0)
		return;
	proxy_stamp(stamp, sizeof(stamp));
	if (pr->codec->describe != NULL)
		pr->codec->describe(f, text, sizeof(text));
	else
		escape_bytes(f->frame, f->frame_len, text, sizeof(text), 1);
	if (px->o.log_json) {
		struct buf b;

		buf_init(&b);
		buf_printf(&b, "{\"time\":\"%s\",\"conn\":%llu,\"dir\":\"%s\","
		    "\"codec\":\"%s\",\"bytes\":%zu,\"msg\":", stamp,
		    (unsigned long long)pr->id, fault_dir_name(dir),
		    pr->codec->name, f->frame_len);
		if (codec_json(pr->codec, f, &b) < 0)
			buf_append_str(&b, "null");
		buf_append_str(&b, ",\"text\":");
		{
			struct codec_value v = { CODEC_V_TEXT, 0,
			    (const unsigned char *)text, strlen(text) };

			codec_value_json(&v, &b);
		}
		buf_append_str(&b, "}\n");
		proxy_log_line(px, buf_data(&b), buf_len(&b));
		buf_free(&b);
	} else {
		char line[PROXY_LINE_MAX + 128];
		int n = snprintf(line, sizeof(line), "%s #%llu %s %s %zuB %s\n",
		    stamp, (unsigned long long)pr->id, dir == DIR_UP ?
		    "client>server" : "server>client", pr->codec->name,
		    f->frame_len, text);

		proxy_log_line(px, (const unsigned char *)line,
		    n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
}

/* Decode what a direction's tap holds; at eof, what the close ends too.
 * A decoding error stops the tap (the bytes still flow). */
static void
tap_run(struct pair *pr, int dir, int eof)
{
	struct tap *t = &pr->way[dir].tap;
	size_t max = pr->px->eng->lim.max_frame;

	while (!t->off && buf_len(&t->pending) > 0) {
		struct codec_frame f;
		char err[160] = "";
		ssize_t used;

		memset(&f, 0, sizeof(f));
		used = codec_decode(pr->codec, &t->cur, buf_data(&t->pending),
		    buf_len(&t->pending), max, &f, err, sizeof(err));
		if (used == CODEC_NEED_MORE && eof)
			used = codec_decode_eof(pr->codec, &t->cur,
			    buf_data(&t->pending), buf_len(&t->pending), max,
			    &f, err, sizeof(err));
		if (used == CODEC_NEED_MORE || used == 0) {
			if (buf_len(&t->pending) > max + 65536) {
				t->off = 1;
				proxy_event(pr->px, pr, "undecodable",
				    "undecodable %s: a %s frame over "
				    "--max-frame %zu bytes: not "
				    "decoded any more", fault_dir_name(dir),
				    pr->codec->name, max);
			}
			break;
		}
		if (used < 0) {
			t->off = 1;
			proxy_event(pr->px, pr, "undecodable",
			    "undecodable %s: %s: %s: not decoded any more "
			    "(bytes still pass)",
			    fault_dir_name(dir), pr->codec->name, err[0] ? err :
			    "malformed frame");
			break;
		}
		proxy_log_msg(pr, dir, &f);
		buf_consume(&t->pending, (size_t)used);
	}
	if (t->off)
		buf_free(&t->pending);
	else
		buf_shrink(&t->pending, 4096);
}

/* The codec is known: start decoding both directions of pr. */
static void
pair_codec_known(struct pair *pr)
{
	pr->codec = pr->px->codec;
	tap_run(pr, DIR_UP, 0);
	tap_run(pr, DIR_DOWN, 0);
}

/* The codec a client's first request names when the reply alone does
 * not: a RESP command array (redis-cli, every Redis client) or an HTTP/1
 * request line; NULL otherwise. */
static const struct codec *
proxy_detect_request(const unsigned char *p, size_t n)
{
	static const char *const methods[] = { "GET ", "POST ", "PUT ",
	    "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", NULL };
	const unsigned char *nl;
	size_t i;

	if (n >= 4 && p[0] == '*' && p[1] >= '1' && p[1] <= '9' &&
	    memmem(p, n, "\r\n$", 3) != NULL)
		return &codec_resp;
	nl = memchr(p, '\n', n);
	for (i = 0; methods[i] != NULL && nl != NULL; i++)
		if ((size_t)(nl - p) > strlen(methods[i]) &&
		    memcmp(p, methods[i], strlen(methods[i])) == 0 &&
		    memmem(p, (size_t)(nl - p), " HTTP/1.", 8) != NULL)
			return &codec_http;
	return NULL;
}

/* Name the codec from the first bytes of pr's conversation with the
 * probe's matchers (probe.c) on the reply, else from the request's
 * shape, once for the whole proxy. */
static void
proxy_detect(struct pair *pr)
{
	struct proxy *px = pr->px;
	const struct buf *up = &pr->way[DIR_UP].tap.pending;
	const struct buf *down = &pr->way[DIR_DOWN].tap.pending;
	struct probe_match m = { .conf = PROBE_NONE };
	const struct codec *cd = NULL;
	size_t sent = buf_len(up) < PROBE_MAX_SENT ? buf_len(up) :
	    PROBE_MAX_SENT;

	if (buf_len(down) == 0 && buf_len(up) < PROXY_DETECT_MAX)
		return;
	if (buf_len(down) > 0 && probe_match_reply(sent == 0 ? "banner" :
	    "proxy", buf_data(up), sent, buf_data(down), buf_len(down), 0,
	    &m) >= PROBE_LIKELY && m.codec != NULL)
		cd = codec_find(m.codec);
	if (cd == NULL && buf_len(down) > 0 &&
	    (cd = proxy_detect_request(buf_data(up), buf_len(up))) != NULL)
		snprintf(m.protocol, sizeof(m.protocol), "%s", cd->name);
	if (cd == NULL && buf_len(up) < PROXY_DETECT_MAX &&
	    buf_len(down) < PROXY_DETECT_MAX)
		return;		/* more may tell */
	if (cd == NULL)
		cd = &codec_raw;
	px->codec = cd;
	px->detecting = 0;
	proxy_event(px, pr, "codec", "codec %s (detected%s%s%s)", cd->name,
	    cd == &codec_raw ? ": nothing likely, raw" : " from ",
	    cd == &codec_raw ? "" : m.protocol, cd == &codec_raw ? "" :
	    " traffic");
}

/* Bytes a side sent: into its direction's tap. */
static void
tap_feed(struct pair *pr, int dir, const unsigned char *p, size_t n)
{
	struct tap *t = &pr->way[dir].tap;
	struct pair *q;

	if (t->off)
		return;
	if (pr->codec == NULL) {
		/* Until the codec is known, keep the first bytes. */
		size_t room = PROXY_DETECT_MAX + PROBE_MAX_SENT -
		    buf_len(&t->pending);

		if (n > room) {
			t->off = 1;
			buf_free(&t->pending);
			proxy_event(pr->px, pr, "undecodable",
			    "undecodable %s: more than %d bytes before the "
			    "codec was known: not decoded", fault_dir_name(dir), PROXY_DETECT_MAX);
			return;
		}
		buf_append(&t->pending, p, n);
		if (pr->px->detecting)
			proxy_detect(pr);
		if (pr->px->codec != NULL)
			for (q = pr->px->pairs; q != NULL; q = q->next)
				if (q->codec == NULL)
					pair_codec_known(q);
		return;
	}
	buf_append(&t->pending, p, n);
	tap_run(pr, dir, 0);
}

/* A pipeline's output: write it to the direction's destination. */
static void
way_data_cb(void *arg, const unsigned char *p, size_t n)
{
	struct way *w = arg;
	struct conn *d = way_dst(w);

	if (!live(d))
		return;
	if (w->dir == DIR_UP)
		w->pair->px->tot.bytes_up += n;
	else
		w->pair->px->tot.bytes_down += n;
	if (d->eng->observers != NULL)	/* the dashboard shows it sent */
		conn_note_msg_out(d, p, n);
	conn_send(d, p, n);
}

/* Make the next close of c a reset (RST, not FIN): SO_LINGER with a zero
 * timeout (socket(7)); TCP only, a Unix socket just closes. */
static void
proxy_rst(struct conn *c)
{
	struct linger lg = { 1, 0 };

	if (c->fd >= 0)
		(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

/* End c gracefully: FIN once what is queued is written, then read and
 * drop what it still sends until it closes too (closing with unread
 * input would send a reset, RFC 1122 4.2.2.13), for at most
 * PROXY_REFUSE_WAIT seconds. */
static void
relay_finish(struct conn *c)
{
	if (!live(c))
		return;
	conn_shutdown(c);
	conn_pause(c, 0);
	conn_timer(c, PROXY_REFUSE_WAIT);
}

/* A pipeline's act: FIN, half-close, close or reset. */
static void
way_act_cb(void *arg, enum fault_act a, const struct fault_spec *s)
{
	struct way *w = arg;
	struct pair *pr = w->pair;
	struct conn *d = way_dst(w), *src = way_src(w);
	char what[160];

	if (s != NULL) {
		fault_format(s, what, sizeof(what));
		proxy_event(pr->px, pr, "fault", "fault %u %s: %s", s->id, what,
		    a == FAULT_ACT_SHUTDOWN ? "FIN to the destination" :
		    a == FAULT_ACT_CLOSE ? "closing both sides" :
		    "RST to the destination");
	}
	switch (a) {
	case FAULT_ACT_EOF:
		if (!live(src))
			relay_finish(d);
		else if (live(d))
			conn_shutdown(d);
		return;
	case FAULT_ACT_SHUTDOWN:
		if (live(d))
			conn_shutdown(d);
		return;
	case FAULT_ACT_CLOSE:
		pr->closing = 1;
		relay_finish(d);
		relay_finish(src);
		return;
	case FAULT_ACT_RESET:
		pr->px->tot.resets++;
		pr->reset = 1;
		if (live(d)) {
			proxy_rst(d);
			conn_close(d, "reset by a fault");
		}
		pr->closing = 1;
		relay_finish(src);
		return;
	}
}

/* The pipeline's deadline came. */
static void
way_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct way *w = t->data;

	(void)loop;
	(void)revents;
	way_schedule(w);
}

/* Release what is due and arm the timer for what comes next. */
static void
way_schedule(struct way *w)
{
	struct engine *e = w->pair->px->eng;
	double now = engine_loop_time(e), next;

	if (w->pipe == NULL)
		return;
	next = fault_pipe_poll(w->pipe, now);
	ev_timer_stop(e->loop, &w->timer);
	if (next >= 0) {
		ev_timer_set(&w->timer, next - now > 0 ? next - now : 0, 0.);
		ev_timer_start(e->loop, &w->timer);
	}
	way_pressure(w);
}

/* Backpressure across the pair: stop reading the source while its bytes
 * held in the pipeline and queued for the destination exceed
 * --max-buffer; read again below half of it. */
static void
way_pressure(struct way *w)
{
	struct conn *s = way_src(w), *d = way_dst(w);
	size_t max = w->pair->px->eng->lim.max_buffer, held;

	if (!live(s))
		return;
	held = (w->pipe != NULL ? fault_pipe_held(w->pipe) : 0) +
	    (live(d) ? buf_len(&d->tx) : 0);
	if (!w->paused && held > max) {
		w->paused = 1;
		conn_pause(s, 1);
	} else if (w->paused && held <= max / 2) {
		w->paused = 0;
		conn_pause(s, 0);
	}
}

/* Which direction a connection of pr reads into. */
static struct way *
pair_way_of(struct pair *pr, const struct conn *c)
{
	return &pr->way[c == pr->cli ? DIR_UP : DIR_DOWN];
}

/* Bytes from either side: tap, then the pipeline. */
static void
relay_msg(struct conn *c, const struct codec_frame *f)
{
	struct pair *pr = c->udata;
	struct way *w = pair_way_of(pr, c);

	if (pr->closing)
		return;
	if (pr->px->tapping)
		tap_feed(pr, w->dir, f->frame, f->frame_len);
	if (w->pipe == NULL)
		return;		/* no upstream: relay_finish drains */
	if (fault_pipe_passthrough(w->pipe)) {
		/* No fault on this direction: what fault_pipe_push would do
		 * (straight to the sink), without the pipeline's poll and
		 * timer; the backpressure check stays. */
		if (f->frame_len > 0)
			way_data_cb(w, f->frame, f->frame_len);
		way_pressure(w);
		return;
	}
	fault_pipe_push(w->pipe, engine_loop_time(pr->px->eng), f->frame,
	    f->frame_len);
	way_schedule(w);
}

/* A side sent FIN: it follows the bytes before it through the pipeline. */
static void
relay_eof(struct conn *c)
{
	struct pair *pr = c->udata;
	struct way *w = pair_way_of(pr, c);

	if (pr->client_closed < 0 && pr->end[0] == '\0') {
		pr->client_closed = c == pr->cli;
		snprintf(pr->end, sizeof(pr->end), "%s sent FIN", c == pr->cli ?
		    "client" : "server");
	}
	if (pr->px->tapping && pr->codec != NULL)
		tap_run(pr, w->dir, 1);
	if (w->pipe == NULL || pr->closing) {
		conn_close(c, pr->closing ? "closed by a fault" :
		    "closed (no upstream connection)");
		return;
	}
	fault_pipe_eof(w->pipe, engine_loop_time(pr->px->eng));
	way_schedule(w);
	if (c->wr_shut)
		conn_close(c, "closed (both sides shut down)");
}

/* The destination took everything queued: the source may read again. */
static void
relay_drain(struct conn *c)
{
	struct pair *pr = c->udata;
	struct way *w = &pr->way[c == pr->cli ? DIR_DOWN : DIR_UP];

	way_pressure(w);
}

/* The client cli (NULL: reaped) went before upstream up opened: close
 * up, say so once, and leave the counters of failed connects alone. */
static void
relay_abandon(struct conn *up, const struct conn *cli)
{
	struct pair *pr = up->udata;

	if (pr->abandoned)
		return;
	pr->abandoned = 1;
	if (pr->end[0] == '\0') {
		pr->client_closed = 1;
		if (cli != NULL)
			snprintf(pr->end, sizeof(pr->end), "client %s: %s",
			    conn_state_name(cli->info.state), cli->info.reason);
		else
			snprintf(pr->end, sizeof(pr->end), "client closed");
	}
	proxy_event(pr->px, pr, "close", "the client went before the upstream "
	    "%s opened: closing it", pr->px->connect);
	conn_close(up, "the client went before the upstream opened");
}

/* Make both pipelines once the upstream connection is open. */
static void
relay_up_open(struct conn *c)
{
	struct pair *pr = c->udata;
	struct proxy *px = pr->px;
	double now = engine_loop_time(px->eng);
	struct fault_spec *specs[2];
	size_t n[2] = { 0, 0 }, i;
	int d;

	pr->up = c;	/* conn_new opens a Unix socket before it returns */
	if (!live(pr->cli)) {
		/* The client went (idle timeout, a reset from the dashboard)
		 * while this connect was pending: nothing to relay. */
		relay_abandon(c, pr->cli);
		return;
	}
	specs[0] = xcalloc(px->nfaults + 1, sizeof(*specs[0]));
	specs[1] = xcalloc(px->nfaults + 1, sizeof(*specs[1]));
	for (i = 0; i < px->nfaults; i++) {
		const struct fault_spec *s = &px->faults[i].spec;

		if (!px->faults[i].removed && (s->conn == 0 ||
		    s->conn == pr->id))
			specs[s->dir][n[s->dir]++] = *s;
	}
	for (d = 0; d < 2; d++) {
		struct fault_sink sink = { way_data_cb, way_act_cb,
		    &pr->way[d] };

		pr->way[d].pipe = fault_pipe_new(specs[d], n[d], now, &px->rng,
		    &sink);
		free(specs[d]);
	}
	proxy_event(px, pr, "open", "open %s -> %s (upstream %s)",
	    pr->cli->info.peer, px->connect, c->info.local);
	conn_pause(pr->cli, 0);
	way_schedule(&pr->way[DIR_UP]);
	way_schedule(&pr->way[DIR_DOWN]);
}

/* Whether a connection's end was a reset by its peer. */
static int
relay_was_reset(const struct conn *c)
{
	return c->info.state == CS_FAILED &&
	    strstr(c->info.reason, "reset by peer") != NULL;
}

/* One side is closed (from the reaper): pass a reset on as a reset, any
 * other end as a close once what is queued is written; free the pair
 * after both. */
static void
relay_close(struct conn *c)
{
	struct pair *pr = c->udata;
	struct proxy *px = pr->px;
	/* The accepted side; pr->cli is set only once it is open (after
	 * a TLS handshake). */
	int client = c->info.side == SIDE_SERVER;
	struct conn *other = client ? pr->up : pr->cli;

	if (client && c->info.t_open == 0) {
		/* The client's TLS handshake failed: no upstream yet. */
		snprintf(pr->end, sizeof(pr->end), "client %s: %s",
		    conn_state_name(c->info.state), c->info.reason);
	} else if (!client && c->info.t_open == 0 && pr->abandoned) {
		/* Closed by us: its client went first (logged then). */
	} else if (!client && c->info.t_open == 0) {
		/* The upstream connect failed: say why, close the client. */
		px->tot.upstream_failed++;
		proxy_event(px, pr, "upstream-failed", "upstream %s: %s: "
		    "closing the client", px->connect, c->info.reason);
		snprintf(pr->end, sizeof(pr->end), "upstream: %s",
		    c->info.reason);
		if (live(other))
			relay_finish(other);
	} else if (client && live(other) && other->info.state ==
	    CS_CONNECTING) {
		/* Nothing was relayed yet: the pending connect is dropped,
		 * not left to open for nobody. */
		relay_abandon(other, c);
	} else if (live(other)) {
		if (pr->end[0] == '\0') {
			pr->client_closed = client;
			snprintf(pr->end, sizeof(pr->end), "%s %s: %s", client ?
			    "client" : "server", conn_state_name(c->info.state),
			    c->info.reason);
		}
		if (relay_was_reset(c)) {
			px->tot.resets++;
			pr->reset = 1;
			proxy_event(px, pr, "reset", "reset: the %s reset the "
			    "connection: RST to the %s", client ? "client" : "server",
			    client ? "server" : "client");
			proxy_rst(other);
			conn_fail(other, "reset: the %s reset its side", client ?
			    "client" : "server");
		} else if (!other->dead) {
			struct way *w = &pr->way[client ? DIR_UP : DIR_DOWN];

			/* What the closed side sent still flows to the
			 * other through its pipeline; what the other
			 * sends has nowhere to go. */
			if (w->pipe == NULL || fault_pipe_queued(w->pipe) == 0 ||
			    fault_pipe_ended(w->pipe))
				relay_finish(other);
			else	/* closed after the held bytes (way_act_cb) */
				fault_pipe_eof(w->pipe,
				    engine_loop_time(px->eng));
		}
	}
	if (client)
		pr->cli = NULL;
	else
		pr->up = NULL;
	if (--pr->refs == 0)
		pair_ended(pr);
}

static const struct conn_handler relay_up_handler = {
	.on_open = relay_up_open,
	.on_msg = relay_msg,
	.on_eof = relay_eof,
	.on_drain = relay_drain,
	.on_close = relay_close,
};

/* Connect upstream for a new client (the first address that starts). */
static void
relay_cli_open(struct conn *c)
{
	struct pair *pr = c->udata;
	struct proxy *px = pr->px;
	size_t i;
	int fd = -1, is_open = 0, err = 0;

	pr->cli = c;
	c->no_backpressure = 1;
	conn_pause(c, 1);	/* until the upstream connection is open */
	for (i = 0; i < px->dst.n; i++) {
		const union sb_addr *a = &px->dst.a[i];

		if ((fd = sock_stream(a->sa.sa_family)) < 0) {
			err = errno;
			continue;
		}
		if (sock_opt_tcp(a->sa.sa_family))
			(void)sock_set_nodelay(fd);
		if (sock_connect_start(fd, &a->sa, addr_len(a), &is_open) == 0)
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		px->tot.upstream_failed++;
		proxy_event(px, pr, "upstream-failed", "upstream %s: connect: "
		    "%s: closing the client", px->connect, strerror(err));
		snprintf(pr->end, sizeof(pr->end), "upstream: connect: %s",
		    strerror(err));
		relay_finish(c);
		return;
	}
	pr->refs++;
	pr->up = conn_new(px->eng, fd, SIDE_CLIENT, is_open ? CS_OPEN :
	    CS_CONNECTING, &codec_raw, &relay_up_handler, pr);
	pr->up->no_backpressure = 1;
	pr->cli_id = c->info.id;
	pr->up_id = pr->up->info.id;
	if (px->view.pair != NULL)
		px->view.pair(px->view.ctx, pr->id, pr->cli_id, pr->up_id);
	if (!is_open && px->eng->lim.connect_timeout > 0)
		conn_timer(pr->up, px->eng->lim.connect_timeout);
}

static const struct conn_handler relay_cli_handler = {
	.on_open = relay_cli_open,
	.on_msg = relay_msg,
	.on_eof = relay_eof,
	.on_drain = relay_drain,
	.on_close = relay_close,
};

/* A new pair for the n-th accepted client (the server's make hook). */
static void *
relay_make(void *arg, uint64_t n)
{
	struct proxy *px = arg;
	struct pair *pr = xcalloc(1, sizeof(*pr));
	int d;

	(void)n;
	/* server.c calls this just before conn_new for the accepted
	 * socket (an argument of that call): the accepted client gets the
	 * listening side's TLS, the control socket's make clears it. */
	px->eng->tls_server = px->o.tls_listen;
	pr->px = px;
	pr->id = ++px->tot.conns;
	pr->refs = 1;
	pr->client_closed = -1;
	pr->codec = px->codec;
	for (d = 0; d < 2; d++) {
		pr->way[d].pair = pr;
		pr->way[d].dir = d;
		buf_init(&pr->way[d].tap.pending);
		ev_init(&pr->way[d].timer, way_timer_cb);
		pr->way[d].timer.data = &pr->way[d];
	}
	if (px->o.record_dir != NULL)
		pr->rec = record_new(pr->id, px->connect, px->o.rules);
	pr->next = px->pairs;
	if (px->pairs != NULL)
		px->pairs->prev = pr;
	px->pairs = pr;
	return pr;
}

/* Write the oldest recording's next step; again next iteration while
 * any is left. */
static void
proxy_rec_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct proxy *px = t->data;
	char err[300];
	int rc;

	(void)loop;
	(void)revents;
	if (px->njobs == 0)
		return;
	rc = record_job_step(px->jobs[0], PROXY_REC_STEP_MSGS, err,
	    sizeof(err));
	if (rc != 0) {
		if (rc < 0) {
			px->tot.rec_failed++;
			proxy_event(px, NULL, "record", "record failed: %s",
			    err);
		} else
			px->tot.rec_written++;
		record_job_free(px->jobs[0]);
		memmove(px->jobs, px->jobs + 1, --px->njobs *
		    sizeof(*px->jobs));
	}
	if (px->njobs > 0) {
		ev_timer_set(&px->rec_timer, 0., 0.);
		ev_timer_start(px->eng->loop, &px->rec_timer);
	}
}

/* Queue a recording to be written from the loop. */
static void
proxy_rec_queue(struct proxy *px, struct record_job *j)
{
	if (px->njobs == px->capjobs) {
		px->capjobs = px->capjobs ? px->capjobs * 2 : 8;
		px->jobs = xrealloc(px->jobs, px->capjobs * sizeof(*px->jobs));
	}
	px->jobs[px->njobs++] = j;
	if (!ev_is_active(&px->rec_timer)) {
		ev_timer_set(&px->rec_timer, 0., 0.);
		ev_timer_start(px->eng->loop, &px->rec_timer);
	}
}

void
proxy_finish(struct proxy *p, double seconds)
{
	double until = clock_now_mono() + seconds;
	char err[300];
	size_t i;
	int rc = 0;

	ev_timer_stop(p->eng->loop, &p->rec_timer);
	while (p->njobs > 0 && clock_now_mono() < until) {
		proxy_rec_cb(p->eng->loop, &p->rec_timer, 0);
		ev_timer_stop(p->eng->loop, &p->rec_timer);
	}
	for (i = 0; i < p->njobs; i++) {
		/* Out of time: what is written stays, with a line saying
		 * what is left out. */
		rc = record_job_cut(p->jobs[i], "the proxy exited before it "
		    "was written", err, sizeof(err));
		if (rc < 0) {
			p->tot.rec_failed++;
			fprintf(stderr, "proxy: record failed: %s\n", err);
		} else
			p->tot.rec_cut++;
		record_job_free(p->jobs[i]);
	}
	p->njobs = 0;
	if (seconds > 0)
		proxy_log_drain(p, PROXY_LOG_EXIT_WAIT);
}

/* The fault with this id (in effect or kept after its removal), or NULL:
 * a binary search, ids only grow along faults[]. */
static struct proxy_fault *
proxy_fault_find(struct proxy *px, uint32_t id)
{
	size_t lo = 0, hi = px->nfaults;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (px->faults[mid].spec.id == id)
			return &px->faults[mid];
		if (px->faults[mid].spec.id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Add one pipeline's stage counters to the proxy's faults. */
static void
pair_fault_stats(void *arg, const struct fault_spec *s, int active,
    uint64_t fired)
{
	struct proxy *px = arg;
	struct proxy_fault *f;

	if (px->stats_only != 0 && s->id != px->stats_only)
		return;
	if ((f = proxy_fault_find(px, s->id)) != NULL) {
		f->active += active != 0;
		f->fired += fired;
	}
}

/* Both sides are closed: count, record, free. */
static void
pair_ended(struct pair *pr)
{
	struct proxy *px = pr->px;
	char err[300];
	int d;

	if (px->tapping && pr->codec == NULL) {
		/* It ended before the codec was known: raw for this pair. */
		pr->codec = px->codec != NULL ? px->codec : &codec_raw;
		tap_run(pr, DIR_UP, 0);
		tap_run(pr, DIR_DOWN, 0);
	}
	if (px->tapping && pr->codec != NULL) {
		tap_run(pr, DIR_UP, 1);
		tap_run(pr, DIR_DOWN, 1);
	}
	if (pr->rec != NULL) {
		/* Written in steps from the loop (proxy_rec_cb): a big
		 * recording never holds the other pairs up. */
		struct record_job *j = record_job_new(pr->rec,
		    px->o.record_dir, pr->codec != NULL ? pr->codec :
		    &codec_raw, pr->reset ? -1 : pr->client_closed, pr->end,
		    err, sizeof(err));

		pr->rec = NULL;
		if (j == NULL) {
			px->tot.rec_failed++;
			proxy_event(px, pr, "record", "record failed: %s", err);
		} else
			proxy_rec_queue(px, j);
	}
	proxy_event(px, pr, "close", "closed: %s", pr->end[0] ? pr->end :
	    "both sides");
	for (d = 0; d < 2; d++) {
		struct way *w = &pr->way[d];

		ev_timer_stop(px->eng->loop, &w->timer);
		if (w->pipe != NULL) {
			fault_pipe_stats(w->pipe, pair_fault_stats, px);
			fault_pipe_free(w->pipe);
		}
		codec_cursor_free(&w->tap.cur);
		buf_free(&w->tap.pending);
	}
	if (pr->prev != NULL)
		pr->prev->next = pr->next;
	else
		px->pairs = pr->next;
	if (pr->next != NULL)
		pr->next->prev = pr->prev;
	free(pr);
}

struct proxy *
proxy_new(struct engine *e, const struct proxy_opts *o, char *err,
    size_t errlen)
{
	struct proxy *px = xcalloc(1, sizeof(*px));
	char serr[256];
	size_t i;

	px->eng = e;
	px->o = *o;
	ev_init(&px->rec_timer, proxy_rec_cb);
	px->rec_timer.data = px;
	px->log_fd = -1;
	px->log_fl = -1;
	buf_init(&px->logq);
	e->tls_client = o->tls_connect;	/* only upstream conns are clients */
	px->rng = o->seed != 0 ? o->seed : (uint64_t)time(NULL) ^
	    ((uint64_t)getpid() << 32);
	snprintf(px->connect, sizeof(px->connect), "%s", o->connect);
	px->codec = o->codec;
	px->tapping = o->log_path != NULL || o->record_dir != NULL || o->ui;
	px->detecting = px->tapping && px->codec == NULL;
	if (!px->tapping && px->codec == NULL)
		px->codec = &codec_raw;
	for (i = 0; i < o->nfaults; i++)
		if (proxy_fault_add(px, &o->faults[i], serr, sizeof(serr)) ==
		    0) {
			snprintf(err, errlen, "--fault: %s", serr);
			goto fail;
		}
	px->o.faults = NULL;
	px->o.nfaults = 0;
	if (addr_resolve(o->connect, 0, &px->dst, serr, sizeof(serr)) < 0) {
		snprintf(err, errlen, "--connect: %s", serr);
		goto fail;
	}
	if (o->log_path != NULL && proxy_log_open(px, o->log_path) < 0) {
		snprintf(err, errlen, "--log %s: %s", o->log_path,
		    strerror(errno));
		goto fail;
	}
	if (px->log_fd >= 0) {
		ev_io_init(&px->log_w, proxy_log_cb, px->log_fd, EV_WRITE);
		px->log_w.data = px;
	}
	if (service_cfg_parse(&px->cfg, "echo", serr, sizeof(serr)) < 0) {
		snprintf(err, errlen, "%s", serr);
		goto fail;
	}
	px->srv = server_start(e, o->listen, &px->cfg, 0, serr, sizeof(serr));
	if (px->srv == NULL) {
		snprintf(err, errlen, "--listen: %s", serr);
		goto fail;
	}
	server_set_handler(px->srv, &relay_cli_handler, &codec_raw, relay_make,
	    px, 0);
	if (o->control != NULL &&
	    (px->ctl = control_new(e, px, o->control, serr, sizeof(serr))) ==
	    NULL) {
		snprintf(err, errlen, "--control: %s", serr);
		goto fail;
	}
	return px;
fail:
	proxy_free(px);
	return NULL;
}

void
proxy_set_view(struct proxy *p, const struct proxy_view *v)
{
	if (v != NULL)
		p->view = *v;
	else
		memset(&p->view, 0, sizeof(p->view));
}

const char *
proxy_listen_addr(const struct proxy *p)
{
	return server_addr(p->srv);
}

void
proxy_stop(struct proxy *p)
{
	struct pair *pr;

	if (p->srv != NULL)
		server_stop(p->srv);
	control_free(p->ctl);
	p->ctl = NULL;
	for (pr = p->pairs; pr != NULL; pr = pr->next) {
		if (pr->end[0] == '\0')
			snprintf(pr->end, sizeof(pr->end), "proxy shut down");
		if (live(pr->cli))
			conn_close(pr->cli, "proxy shut down");
		if (live(pr->up))
			conn_close(pr->up, "proxy shut down");
	}
}

const struct proxy_totals *
proxy_totals(const struct proxy *p)
{
	return &p->tot;
}

static void proxy_summary_write(const struct proxy *p, FILE *f);

void
proxy_summary(struct proxy *p, FILE *f)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m;

	if (f != stdout || p->log_fd < 0 || strcmp(p->o.log_path, "-") != 0 ||
	    (m = open_memstream(&text, &len)) == NULL) {
		proxy_summary_write(p, f);
		return;
	}
	/* The log is standard output too: the summary follows the log's
	 * lines through the same queue, so a reader that stopped reading
	 * cannot hold the exit. */
	proxy_summary_write(p, m);
	fclose(m);
	p->log_dropped = 0;
	proxy_log_line(p, (const unsigned char *)text, len);
	proxy_log_drain(p, PROXY_LOG_EXIT_WAIT);
	if (p->log_dropped > 0)
		fprintf(stderr, "proxy: the summary could not be written to "
		    "--log -: its reader does not read\n");
	free(text);
}

/* The summary's lines to f. */
static void
proxy_summary_write(const struct proxy *p, FILE *f)
{
	char what[160];
	size_t i;

	fprintf(f, "proxy: %llu connection%s (%llu upstream connect%s "
	    "failed), %llu bytes client>server, %llu bytes server>client, "
	    "%llu reset%s passed on\n", (unsigned long long)p->tot.conns,
	    p->tot.conns == 1 ? "" : "s",
	    (unsigned long long)p->tot.upstream_failed,
	    p->tot.upstream_failed == 1 ? "" : "s",
	    (unsigned long long)p->tot.bytes_up,
	    (unsigned long long)p->tot.bytes_down,
	    (unsigned long long)p->tot.resets, p->tot.resets == 1 ? "" : "s");
	if (p->tapping)
		fprintf(f, "proxy: %llu message%s client>server, %llu "
		    "server>client decoded as %s\n",
		    (unsigned long long)p->tot.msgs_up,
		    p->tot.msgs_up == 1 ? "" : "s",
		    (unsigned long long)p->tot.msgs_down,
		    p->codec != NULL ? p->codec->name : "(codec not known)");
	if (p->log_dropped > 0)
		fprintf(f, "proxy: log lines dropped %llu (the log's reader "
		    "fell %u bytes behind, or the log failed)\n",
		    (unsigned long long)p->log_dropped, PROXY_LOG_QUEUE_MAX);
	if (p->o.record_dir != NULL)
		fprintf(f, "proxy: %llu recording%s written to %s, %llu cut at "
		    "exit, %llu failed\n", (unsigned long long)p->tot.rec_written,
		    p->tot.rec_written == 1 ? "" : "s", p->o.record_dir,
		    (unsigned long long)p->tot.rec_cut,
		    (unsigned long long)p->tot.rec_failed);
	if (p->old_removed > 0)
		fprintf(f, "proxy: %llu fault%s removed early on (not listed): "
		    "on %llu connection%s, fired %llu time%s\n",
		    (unsigned long long)p->old_removed, p->old_removed == 1 ?
		    "" : "s", (unsigned long long)p->old_active,
		    p->old_active == 1 ? "" : "s",
		    (unsigned long long)p->old_fired, p->old_fired == 1 ? "" :
		    "s");
	for (i = 0; i < p->nfaults; i++) {
		fault_format(&p->faults[i].spec, what, sizeof(what));
		fprintf(f, "proxy: fault %u %s%s: on %llu connection%s, fired "
		    "%llu time%s\n", p->faults[i].spec.id, what,
		    p->faults[i].removed ? " (removed)" : "",
		    (unsigned long long)p->faults[i].active,
		    p->faults[i].active == 1 ? "" : "s",
		    (unsigned long long)p->faults[i].fired,
		    p->faults[i].fired == 1 ? "" : "s");
	}
}

void
proxy_free(struct proxy *p)
{
	if (p == NULL)
		return;
	proxy_finish(p, 0);
	free(p->jobs);
	control_free(p->ctl);
	server_free(p->srv);
	service_cfg_free(&p->cfg);
	addr_list_free(&p->dst);
	proxy_log_drain(p, 0);
	if (p->log_fd >= 0)
		close(p->log_fd);
	if (p->log_fl >= 0)
		(void)fcntl(1, F_SETFL, p->log_fl);
	buf_free(&p->logq);
	free(p->faults);
	free(p);
}

uint32_t
proxy_fault_add(struct proxy *p, const struct fault_spec *s, char *err,
    size_t errlen)
{
	struct proxy_fault *f;
	struct pair *pr;
	double now = engine_loop_time(p->eng);

	if (p->nlive >= PROXY_FAULTS_LIVE_MAX) {
		snprintf(err, errlen, "%d faults in effect already (the most "
		    "the proxy takes): remove one first", PROXY_FAULTS_LIVE_MAX);
		return 0;
	}
	if (p->nfaults == p->capfaults) {
		p->capfaults = p->capfaults ? p->capfaults * 2 : 8;
		p->faults = xrealloc(p->faults, p->capfaults *
		    sizeof(*p->faults));
	}
	f = &p->faults[p->nfaults++];
	memset(f, 0, sizeof(*f));
	f->spec = *s;
	f->spec.id = ++p->next_fault;
	p->nlive++;
	for (pr = p->pairs; pr != NULL; pr = pr->next) {
		struct way *w = &pr->way[s->dir];

		if (w->pipe != NULL && (s->conn == 0 || s->conn == pr->id)) {
			fault_pipe_add(w->pipe, &f->spec, now);
			way_schedule(w);
		}
	}
	return f->spec.id;
}

/* Keep at most PROXY_FAULTS_KEPT removed faults for the summary: fold the
 * oldest beyond it into one count, so that faults[] stays bounded. */
static void
proxy_fault_fold(struct proxy *p)
{
	size_t i, j, removed = p->nfaults - p->nlive;

	for (i = 0, j = 0; i < p->nfaults; i++) {
		struct proxy_fault *f = &p->faults[i];

		if (f->removed && removed > PROXY_FAULTS_KEPT) {
			p->old_removed++;
			p->old_active += f->active;
			p->old_fired += f->fired;
			removed--;
			continue;
		}
		p->faults[j++] = *f;
	}
	p->nfaults = j;
}

int
proxy_fault_remove(struct proxy *p, uint32_t id)
{
	struct pair *pr;
	double now = engine_loop_time(p->eng);
	struct proxy_fault *f = proxy_fault_find(p, id);

	if (f == NULL || f->removed)
		return -1;
	f->removed = 1;
	p->nlive--;
	for (pr = p->pairs; pr != NULL; pr = pr->next) {
		struct way *w = &pr->way[f->spec.dir];

		if (w->pipe == NULL)
			continue;
		/* Its counters so far stay in the summary. */
		p->stats_only = id;
		fault_pipe_stats(w->pipe, pair_fault_stats, p);
		p->stats_only = 0;
		(void)fault_pipe_remove(w->pipe, id, now);
		way_schedule(w);
	}
	proxy_fault_fold(p);
	return 0;
}

void
proxy_fault_list(const struct proxy *p, struct buf *b)
{
	char what[160];
	size_t i;

	for (i = 0; i < p->nfaults; i++) {
		if (p->faults[i].removed)
			continue;
		fault_format(&p->faults[i].spec, what, sizeof(what));
		buf_printf(b, "%u %s\n", p->faults[i].spec.id, what);
	}
}
