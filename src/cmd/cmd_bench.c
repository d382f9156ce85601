/* sockbench bench: load a server with request loops, report throughput,
 * latency percentiles, connect times and errors; --workers N splits the
 * load over N processes and merges their figures. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "bench_report.h"
#include "cli.h"
#include "tls_cli.h"
#include "hex.h"
#include "loadgen.h"
#include "scenario.h"
#include "shard.h"
#include "service.h"
#include "template.h"
#include "util.h"
#include "ui.h"

#define BENCH_MAX_MSG	(16 * 1024 * 1024)
#define BENCH_MAX_WORKERS 64
#define BENCH_REC_PROGRESS 1
#define BENCH_REC_RESULT 2
#define BENCH_REC_ERROR	3

/* bench's own options; the shared ones are used by id (cli.h). */
enum bench_opt_id {
	BENCH_O_DURATION = 1, BENCH_O_REQUESTS, BENCH_O_DEPTH, BENCH_O_FLOOD,
	BENCH_O_CONNECT_RATE, BENCH_O_NO_RECONNECT, BENCH_O_REQUEST_TIMEOUT,
	BENCH_O_ALLOW_LOSS, BENCH_O_RESET_AT_END, BENCH_O_WORKERS,
	BENCH_O_MESSAGE, BENCH_O_HEX, BENCH_O_FILE, BENCH_O_SIZE,
	BENCH_O_SCENARIO, BENCH_O_CODEC, BENCH_O_FORMAT, BENCH_O_QUIET,
	BENCH_O_UI, BENCH_O_NO_MOUSE, BENCH_O_SHARD, BENCH_O_START_AT,
	BENCH_O_LATE_AFTER, BENCH_O_CONN_REQUESTS, BENCH_O_TLS_RESUME
};

static const struct cli_opt bench_opts[] = {
	CLI_SECTION("Target and load:"),
	CLI_USE_HELP(CLI_O_CONNECT, "server to load (default: embedded echo "
	    "server):\nHOST:PORT, [IPv6]:PORT, unix:/PATH or unix:@NAME"),
	CLI_USE_HELP(CLI_O_CONNS, "connections (default 1)"),
	{ BENCH_O_DURATION, 'd', "duration", required_argument, "DUR",
	    "measured time, such as 10s (default 10s)", NULL },
	{ BENCH_O_REQUESTS, 'n', "requests", required_argument, "N",
	    "stop as soon as N requests are answered, in\n"
	    "total over every worker (and no later than -d,\n"
	    "which still defaults to 10s)", NULL },
	{ BENCH_O_DEPTH, 'p', "depth", required_argument, "P",
	    "closed loop: P requests in flight per\n"
	    "connection (default 1); open loop: the most in\n"
	    "flight (default 256)", NULL },
	CLI_USE_AS(CLI_O_RATE, "R", "open loop: R requests per second per "
	    "connection"),
	{ BENCH_O_FLOOD, 0, "flood", no_argument, NULL,
	    "open loop: as fast as the socket takes them", NULL },
	{ BENCH_O_CONNECT_RATE, 0, "connect-rate", required_argument, "R",
	    "open R connections per second (default: all)", NULL },
	CLI_USE_HELP(CLI_O_SOURCE, "local addresses, comma-separated, used in "
	    "turn"),
	{ BENCH_O_NO_RECONNECT, 0, "no-reconnect", no_argument, NULL,
	    "do not reopen connections the server drops", NULL },
	{ BENCH_O_CONN_REQUESTS, 0, "conn-requests", required_argument, "N",
	    "connection churn: close each connection after\n"
	    "N answered requests and open a new one (with\n"
	    "--tls each one handshakes: handshakes/s)", NULL },
	{ BENCH_O_REQUEST_TIMEOUT, 0, "request-timeout", required_argument,
	    "DUR", "a request unanswered this long is a timeout\n"
	    "and its connection is closed as stalled\n"
	    "(default 5s; 0: none, the drain then waits 5s)", NULL },
	{ BENCH_O_ALLOW_LOSS, 0, "allow-loss", no_argument, NULL,
	    "exit 0 even with timed-out, lost or unanswered\n"
	    "requests, or --rate requests due and not sent", NULL },
	{ BENCH_O_RESET_AT_END, 0, "reset-at-end", no_argument, NULL,
	    "end with a reset (RST) instead of the graceful\n"
	    "close (FIN after the last bytes, replies drained\n"
	    "up to 1 s); no TIME_WAIT sockets are left, which\n"
	    "matters at tens of thousands of connections,\n"
	    "but the server sees ECONNRESET", NULL },
	{ BENCH_O_WORKERS, 'w', "workers", required_argument, "N",
	    "N processes, each with its own loop, splitting\n"
	    "connections and source addresses", NULL },
	CLI_SECTION("Shards (load from many machines, docs/scaling.md):"),
	{ BENCH_O_SHARD, 0, "shard", required_argument, "I/N",
	    "run shard I (0 to N-1) of N: its share of -c,\n"
	    "-n, --connect-rate and --source; env: I from\n"
	    "JOB_COMPLETION_INDEX, N from SOCKBENCH_SHARDS", NULL },
	{ BENCH_O_START_AT, 0, "start-at", required_argument, "TIME",
	    "start connecting at this wall-clock time (RFC\n"
	    "3339 or unix seconds), waiting on the loop", NULL },
	{ BENCH_O_LATE_AFTER, 0, "late-after", required_argument, "DUR",
	    "a start later than --start-at by more than DUR\n"
	    "is late and fails the verdict (default 1s)", NULL },
	CLI_SECTION("The message (one of; default 64 random bytes):"),
	{ BENCH_O_MESSAGE, 'm', "message", required_argument, "TEXT",
	    "text with escapes \\n \\r \\t \\0 \\\\ \\xNN", NULL },
	{ BENCH_O_HEX, 0, "hex", required_argument, "HEX",
	    "bytes as hex digits (spaces allowed)", NULL },
	{ BENCH_O_FILE, 0, "file", required_argument, "PATH",
	    "the contents of a file", NULL },
	{ BENCH_O_SIZE, 0, "size", required_argument, "N",
	    "N random bytes", NULL },
	{ BENCH_O_SCENARIO, 0, "scenario", required_argument, "FILE",
	    "the first send of a scenario (its codec, its\n"
	    "service when embedded, its first expect's size)", NULL },
	{ BENCH_O_CODEC, 0, "codec", required_argument, "NAME",
	    "encode the message and count decoded replies", NULL },
	CLI_SECTION("Output:"),
	{ BENCH_O_FORMAT, 'f', "format", required_argument, "FMT",
	    "text (default) or json", NULL },
	{ BENCH_O_QUIET, 'q', "quiet", no_argument, NULL,
	    "no progress line on stderr", NULL },
	{ BENCH_O_UI, 0, "ui", no_argument, NULL,
	    "show the run in the live dashboard (one\n"
	    "worker, a terminal); the report follows", NULL },
	{ BENCH_O_NO_MOUSE, 0, "no-mouse", no_argument, NULL,
	    "with --ui: leave the mouse to the terminal", NULL },
	CLI_USE(CLI_O_HELP),
	CLI_TLS_CLIENT,
	{ BENCH_O_TLS_RESUME, 0, "tls-resume", no_argument, NULL,
	    "resume TLS sessions (tickets) on new\n"
	    "connections: full vs resumed handshakes", NULL },
	CLI_LIMITS,
	CLI_END
};

static const char bench_help_head[] =
"Usage: sockbench bench [--connect HOST:PORT] -c CONNS -d DURATION [options]\n"
"\n"
"Load a server with CONNS connections sending one request message over and\n"
"over, then report requests and bytes per second, latency percentiles (p50,\n"
"p90, p99, p99.9, max), connect time, time to first byte and errors by\n"
"cause. Without --connect the embedded echo server in this process is the\n"
"target. A reply is complete when as many bytes as were sent came back, or\n"
"with --codec when one frame was decoded; only bytes that arrive while a\n"
"request is in flight answer it (others count as unexpected, and a raw\n"
"connection that gets more bytes than it has requests out is closed as out\n"
"of step). Requests start once every connection is up; DURATION is\n"
"measured from then. When it ends, sending stops and the requests in\n"
"flight are drained for up to the request timeout (their replies count,\n"
"outside the rate); the rest are unanswered. Every request sent is\n"
"answered, timed out, lost (its connection dropped) or unanswered.\n"
"\n";

static const char bench_help_tail[] =
"\n"
"Exit status: 0 when requests were answered and every request sent was\n"
"answered and, with --rate, every due request sent (or --allow-loss),\n"
"every connection was established, no\n"
"unexpected bytes came, -n N was reached and the run was not cut short;\n"
"1 otherwise (the report says why); 2 on bad flags or too many\n"
"connections for the open-file limit; 3 on a runtime error.\n"
"\n"
"Examples:\n"
"  sockbench bench -c 100 -d 10s\n"
"  sockbench bench -C 127.0.0.1:7000 -c 1000 -p 16 -d 5s --format json\n"
"  sockbench bench -C 127.0.0.1:7000 -c 60000 -w 4 --connect-rate 20000 \\\n"
"      --source 127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4 -d 5s\n";

/* Everything the command line asked for. */
struct bench_opts {
	struct loadgen_cfg	 cfg;
	int			 workers;
	int			 json;
	int			 quiet;
	int			 progress;
	int			 ui;		/* --ui: the dashboard, live */
	int			 allow_loss;	/* --allow-loss */
	const char		*msg_desc;	/* for the report */
	struct bench_desc	 desc;		/* what the report says of the
						   load (bench_report.h) */
	struct service_cfg	 svc;		/* from --scenario */
	int			 has_svc;
};

/* The merged live figures of all workers for one progress line. */
struct bench_live {
	struct hist		 lat;
	double			 rps, elapsed;
	uint64_t		 open, errors;
	int			 got;
	int			 shown;
	uint64_t		 round;		/* lines drawn so far */
};

/* Decode backslash escapes of a --message; 0, or -1 on a bad escape. */
static int
bench_unescape(const char *s, struct buf *out)
{
	while (*s != '\0') {
		unsigned char ch = (unsigned char)*s++;

		if (ch != '\\') {
			buf_append(out, &ch, 1);
			continue;
		}
		switch (*s++) {
		case 'n': ch = '\n'; break;
		case 'r': ch = '\r'; break;
		case 't': ch = '\t'; break;
		case '0': ch = '\0'; break;
		case '\\': ch = '\\'; break;
		case 'x':
			if (hex_digit(s[0]) < 0 || hex_digit(s[1]) < 0)
				return -1;
			ch = (unsigned char)(hex_digit(s[0]) * 16 +
			    hex_digit(s[1]));
			s += 2;
			break;
		default:
			return -1;
		}
		buf_append(out, &ch, 1);
	}
	return 0;
}

/* Decode --hex digits, ignoring spaces and colons; 0, or -1 if bad. */
static int
bench_unhex(const char *s, struct buf *out)
{
	int hi = -1;

	for (; *s != '\0'; s++) {
		int v;
		unsigned char ch;

		if (*s == ' ' || *s == ':' || *s == '\t')
			continue;
		if ((v = hex_digit(*s)) < 0)
			return -1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		ch = (unsigned char)(hi * 16 + v);
		buf_append(out, &ch, 1);
		hi = -1;
	}
	return hi < 0 ? 0 : -1;
}

/* Read a --file; 0, or -1 with a message printed. */
static int
bench_read_file(const char *path, struct buf *out)
{
	unsigned char tmp[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "sockbench bench: --file %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	while ((n = read(fd, tmp, sizeof(tmp))) > 0) {
		buf_append(out, tmp, (size_t)n);
		if (buf_len(out) > BENCH_MAX_MSG) {
			fprintf(stderr, "sockbench bench: --file %s: larger "
			    "than 16 MiB\n", path);
			close(fd);
			return -1;
		}
	}
	close(fd);
	if (n < 0) {
		fprintf(stderr, "sockbench bench: --file %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Fill out with n pseudo-random bytes (the same bytes every run). */
static void
bench_random(size_t n, struct buf *out)
{
	uint64_t s = 0x9e3779b97f4a7c15ULL;
	unsigned char *p = buf_reserve(out, n);
	size_t i;

	for (i = 0; i < n; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		p[i] = (unsigned char)(s >> 24);
	}
	buf_commit(out, n);
}

/* Take the first send (and the expect after it) of a scenario as the
 * request, and its service for the embedded server; 0 or -1. */
static int
bench_scenario(struct bench_opts *o, const char *path, int codec_given,
    struct buf *msg)
{
	char err[1024];
	struct scenario *sc = scenario_load(path, err, sizeof(err));
	struct vars vars;
	const struct step *send = NULL, *expect = NULL;
	size_t i;
	int rc = -1;

	if (sc == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	for (i = 0; i < sc->nsteps; i++) {
		if (send == NULL && sc->steps[i].kind == STEP_SEND)
			send = &sc->steps[i];
		else if (send != NULL && sc->steps[i].kind == STEP_EXPECT) {
			expect = &sc->steps[i];
			break;
		}
	}
	if (send == NULL) {
		fprintf(stderr, "sockbench bench: %s: no send step%s\n", path,
		    sc->nroles > 0 ? " outside its roles (bench takes one "
		    "request from the top-level steps; run plays roles)" : "");
		goto out;
	}
	if (!codec_given)
		o->cfg.codec = sc->codec;
	vars_init(&vars, 1, 1);
	if (tmpl_send(send, o->cfg.codec, &vars, msg, err, sizeof(err)) < 0) {
		fprintf(stderr, "sockbench bench: %s:%u: %s\n", path,
		    send->line, err);
		vars_free(&vars);
		goto out;
	}
	if (expect != NULL && expect->u.expect.kind == EXPECT_LENGTH &&
	    expect->u.expect.length_e != NULL) {
		int64_t n;	/* `expect length ${N}`, for connection 1 */

		if (tmpl_eval_int(expect->u.expect.length_e, &vars,
		    "a length in bytes", 0, (int64_t)SCENARIO_MAX_COUNT, &n, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "sockbench bench: %s:%u: the reply "
			    "length (bench plays the first send only, without "
			    "its set steps): %s\n", path, expect->line, err);
			vars_free(&vars);
			goto out;
		}
		o->cfg.reply_len = (size_t)n;
	} else if (expect != NULL && expect->u.expect.kind == EXPECT_LENGTH)
		o->cfg.reply_len = (size_t)expect->u.expect.length;
	else if (expect != NULL && expect->u.expect.kind == EXPECT_BYTES) {
		struct buf tmp;
		size_t len;

		buf_init(&tmp);
		if (tmpl_literal(expect->u.expect.bytes, &tmp, &len) != NULL)
			o->cfg.reply_len = len;
		buf_free(&tmp);
	}
	vars_free(&vars);
	if (sc->service.name != NULL) {
		struct service_cfg *s = &o->svc;

		service_cfg_copy(s, &sc->service);
		s->codec = o->cfg.codec != NULL ? o->cfg.codec->name : NULL;
		o->has_svc = 1;
		o->cfg.svc = s;
	}
	rc = 0;
out:
	scenario_free(sc);
	return rc;
}

/* Draw the live progress line from merged figures. */
static void
bench_live_draw(struct bench_live *lv)
{
	fprintf(stderr, "\r\033[K%5.0fs  conns %llu  rps %.0f  p99 %.3f ms%s",
	    lv->elapsed, (unsigned long long)lv->open, lv->rps,
	    (double)hist_value_at(&lv->lat, 99) / 1000.0,
	    lv->errors > 0 ? "  errors" : "");
	if (lv->errors > 0)
		fprintf(stderr, " %llu", (unsigned long long)lv->errors);
	lv->shown = 1;
}

/* Single process: the loop's progress callback draws the line itself. */
static void
bench_progress_local(const struct loadgen_progress *p, void *arg)
{
	struct bench_live *lv = arg;

	lv->elapsed = p->elapsed;
	lv->open = p->open;
	lv->errors = p->errors;
	lv->rps = p->interval > 0 ? (double)p->requests / p->interval : 0;
	hist_reset(&lv->lat);
	hist_merge(&lv->lat, p->lat);
	bench_live_draw(lv);
}

/* Write one record (type, length, payload) to the parent's pipe. */
static void
bench_write_rec(int fd, uint32_t type, const void *p, size_t n)
{
	uint32_t hdr[2] = { type, (uint32_t)n };
	const unsigned char *q;
	size_t left;
	ssize_t w;

	if (write(fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr))
		return;
	for (q = p, left = n; left > 0; q += w, left -= (size_t)w) {
		w = write(fd, q, left);
		if (w < 0) {
			if (errno == EINTR) {
				w = 0;
				continue;
			}
			return;
		}
	}
}

/* The figures a worker sends each second. */
struct bench_prog_rec {
	double		 elapsed, interval;
	uint64_t	 open, requests, errors;
};

/* Worker: send this second's figures to the parent. */
static void
bench_progress_child(const struct loadgen_progress *p, void *arg)
{
	int fd = *(int *)arg;
	struct bench_prog_rec pr;
	struct buf b;

	buf_init(&b);
	pr.elapsed = p->elapsed;
	pr.interval = p->interval;
	pr.open = p->open;
	pr.requests = p->requests;
	pr.errors = p->errors;
	buf_append(&b, &pr, sizeof(pr));
	hist_encode(p->lat, &b);
	bench_write_rec(fd, BENCH_REC_PROGRESS, buf_data(&b), buf_len(&b));
	buf_free(&b);
}

/* Run one loadgen in this process; returns the exit status. */
static int
bench_one(struct bench_opts *o)
{
	struct bench_live *lv = NULL;
	struct loadgen *lg;
	char err[512];
	int rc;

	if (o->progress) {
		lv = xcalloc(1, sizeof(*lv));
		hist_init(&lv->lat);
		o->cfg.progress = bench_progress_local;
		o->cfg.arg = lv;
	}
	lg = loadgen_new(&o->cfg, err, sizeof(err));
	if (lg == NULL) {
		fprintf(stderr, "sockbench bench: %s\n", err);
		free(lv);
		return EXIT_RUNTIME;
	}
	if (o->ui) {
		char title[300];

		/* The dashboard runs the loop; it closes when the measured
		 * window ends (or on q), and the report follows. */
		snprintf(title, sizeof(title), "bench %s, %s", loadgen_target(lg),
		    o->msg_desc);
		loadgen_start(lg);
		ui_run_bench(loadgen_engine(lg), lg, title);
		loadgen_end(lg);
	} else
		loadgen_run(lg);
	if (lv != NULL && lv->shown)
		fprintf(stderr, "\r\033[K");
	o->desc.target = loadgen_target(lg);
	if (o->json)
		bench_report_json(stdout, &o->desc, loadgen_result(lg),
		    &loadgen_result(lg)->n, 1);
	else
		bench_report_text(stdout, &o->desc, loadgen_result(lg));
	if (loadgen_last_error(lg)[0] != '\0')
		fprintf(stderr, "sockbench bench: %s\n", loadgen_last_error(lg));
	rc = bench_report_ok(&o->desc, &loadgen_result(lg)->n, err,
	    sizeof(err)) ? EXIT_OK : EXIT_FAILED;
	loadgen_free(lg);
	free(lv);
	return rc;
}

/* Worker i of n: its share of connections, sources and connect rate. */
static void
bench_share(const struct bench_opts *o, int i, int n, struct loadgen_cfg *c,
    char **sources)
{
	uint64_t base = o->cfg.conns / (uint64_t)n;

	*c = o->cfg;
	c->conns = base + ((uint64_t)i < o->cfg.conns % (uint64_t)n ? 1 : 0);
	/* -n is the total: each worker answers its share of it. */
	if (o->cfg.requests > 0)
		c->requests = o->cfg.requests / (uint64_t)n +
		    ((uint64_t)i < o->cfg.requests % (uint64_t)n ? 1 : 0);
	c->connect_rate = o->cfg.connect_rate / n;
	*sources = NULL;
	if (o->cfg.sources != NULL) {
		char *list = xstrdup(o->cfg.sources), *tok, *save = NULL;
		struct buf b;
		int k = 0, count = 0;

		for (tok = list; *tok != '\0'; tok++)
			if (*tok == ',')
				count++;
		count++;
		buf_init(&b);
		/* With at least as many addresses as workers each worker
		 * takes every n-th; with fewer, all of them. */
		for (tok = strtok_r(list, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save), k++)
			if (count < n || k % n == i) {
				if (buf_len(&b) > 0)
					buf_append(&b, ",", 1);
				buf_append_str(&b, tok);
			}
		buf_append(&b, "", 1);
		*sources = xstrdup((char *)buf_data(&b));
		c->sources = *sources;
		buf_free(&b);
		free(list);
	}
}

/* In a worker process: run the share, send the result, never return. */
static void
bench_child(struct bench_opts *o, int i, int fd)
{
	struct loadgen_cfg c;
	struct loadgen *lg;
	char err[512], *sources;
	struct buf b;
	int wfd = fd;

	bench_share(o, i, o->workers, &c, &sources);
	if (o->progress) {
		c.progress = bench_progress_child;
		c.arg = &wfd;
	}
	lg = loadgen_new(&c, err, sizeof(err));
	if (lg == NULL) {
		bench_write_rec(fd, BENCH_REC_ERROR, err, strlen(err));
		_exit(EXIT_RUNTIME);
	}
	loadgen_run(lg);
	buf_init(&b);
	loadgen_result_encode(loadgen_result(lg), &b);
	bench_write_rec(fd, BENCH_REC_RESULT, buf_data(&b), buf_len(&b));
	if (loadgen_last_error(lg)[0] != '\0')
		bench_write_rec(fd, BENCH_REC_ERROR, loadgen_last_error(lg),
		    strlen(loadgen_last_error(lg)));
	close(fd);
	loadgen_free(lg);
	buf_free(&b);
	free(sources);
	_exit(EXIT_OK);
}

/* A worker's pipe and what came through it so far. */
struct bench_worker {
	pid_t		 pid;
	int		 fd;
	struct buf	 in;
	int		 done;		/* result received */
	int		 status;	/* waitpid's; -1 before it */
	uint64_t	 seen;		/* live round it last reported in, +1 */
	struct loadgen_counts n;
	char		 err[256];
};

/* Draw one progress line from the records of this round, start the next. */
static void
bench_live_flush(struct bench_live *lv)
{
	bench_live_draw(lv);
	hist_reset(&lv->lat);
	lv->open = lv->errors = 0;
	lv->rps = 0;
	lv->got = 0;
	lv->round++;
}

/* Take every whole record out of a worker's input. */
static void
bench_take_recs(struct bench_worker *w, struct loadgen_result *tot,
    struct loadgen_result *tmp, struct bench_live *lv, int nlive)
{
	uint32_t hdr[2];

	while (buf_len(&w->in) >= sizeof(hdr)) {
		const unsigned char *p = buf_data(&w->in);

		memcpy(hdr, p, sizeof(hdr));
		if (buf_len(&w->in) < sizeof(hdr) + hdr[1])
			return;
		p += sizeof(hdr);
		if (hdr[0] == BENCH_REC_RESULT) {
			if (loadgen_result_decode(tmp, p, hdr[1]) == 0) {
				loadgen_result_merge(tot, tmp);
				w->n = tmp->n;
				w->done = 1;
			} else
				snprintf(w->err, sizeof(w->err), "malformed "
				    "result from a worker");
		} else if (hdr[0] == BENCH_REC_ERROR) {
			snprintf(w->err, sizeof(w->err), "%.*s", (int)hdr[1],
			    (const char *)p);
		} else if (hdr[0] == BENCH_REC_PROGRESS && lv != NULL &&
		    hdr[1] >= sizeof(struct bench_prog_rec)) {
			struct bench_prog_rec pr;

			memcpy(&pr, p, sizeof(pr));
			/* A second record from one worker before the others
			 * reported: draw what this round has, start the next,
			 * so no worker counts twice in one line. */
			if (w->seen == lv->round + 1)
				bench_live_flush(lv);
			w->seen = lv->round + 1;
			if (hist_decode(&tmp->lat, p + sizeof(pr),
			    hdr[1] - sizeof(pr)) == 0)
				hist_merge(&lv->lat, &tmp->lat);
			lv->elapsed = pr.elapsed;
			lv->open += pr.open;
			lv->errors += pr.errors;
			lv->rps += pr.interval > 0 ?
			    (double)pr.requests / pr.interval : 0;
			if (++lv->got >= nlive)
				bench_live_flush(lv);
		}
		buf_consume(&w->in, sizeof(hdr) + hdr[1]);
	}
}

/* Fork n workers with a pipe each into ws; returns how many started
 * (fewer than n after a pipe or fork failure, reported). */
static int
bench_spawn(struct bench_opts *o, struct bench_worker *ws, int n)
{
	int i;

	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < n; i++) {
		int p[2];

		if (pipe2(p, O_CLOEXEC) < 0) {
			perror("sockbench bench: pipe");
			return i;
		}
		ws[i].pid = fork();
		if (ws[i].pid == 0) {
			int k;

			close(p[0]);
			for (k = 0; k < i; k++)
				close(ws[k].fd);
			bench_child(o, i, p[1]);
		}
		close(p[1]);
		if (ws[i].pid < 0) {
			perror("sockbench bench: fork");
			close(p[0]);
			return i;
		}
		ws[i].fd = p[0];
		buf_init(&ws[i].in);
	}
	return n;
}

/* Read every worker's records until all pipes close, merging results into
 * tot and progress into lv (when not NULL). */
static void
bench_collect(struct bench_worker *ws, int n, struct loadgen_result *tot,
    struct loadgen_result *tmp, struct bench_live *lv)
{
	struct pollfd *pfd = xcalloc((size_t)n + 1, sizeof(*pfd));
	int i, k, live;

	for (live = n; live > 0; ) {
		for (i = 0, k = 0; i < n; i++)
			if (ws[i].fd >= 0) {
				pfd[k].fd = ws[i].fd;
				pfd[k].events = POLLIN;
				k++;
			}
		if (poll(pfd, (nfds_t)k, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < n; i++) {
			unsigned char tmpb[65536];
			ssize_t r;

			if (ws[i].fd < 0)
				continue;
			for (k = 0; pfd[k].fd != ws[i].fd; k++)
				;
			if ((pfd[k].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
				continue;
			r = read(ws[i].fd, tmpb, sizeof(tmpb));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(ws[i].fd);
				ws[i].fd = -1;
				live--;
				continue;
			}
			buf_append(&ws[i].in, tmpb, (size_t)r);
			bench_take_recs(&ws[i], tot, tmp, lv, live);
		}
	}
	free(pfd);
}

/* Say in lost (NULL when every one of the asked workers reported) which
 * workers sent no result and why; each is also named on stderr. */
static char *
bench_workers_lost(const struct bench_opts *o, const struct bench_worker *ws,
    int n)
{
	struct buf b;
	char why[320];
	int i, st;

	buf_init(&b);
	for (i = 0; i < o->workers; i++) {
		if (i < n && ws[i].done)
			continue;
		st = i < n ? ws[i].status : -1;
		if (i >= n)
			snprintf(why, sizeof(why), "not started");
		else if (ws[i].err[0] != '\0')
			snprintf(why, sizeof(why), "%s", ws[i].err);
		else if (st != -1 && WIFSIGNALED(st))
			snprintf(why, sizeof(why), "killed by signal %d",
			    WTERMSIG(st));
		else if (st != -1 && WIFEXITED(st))
			snprintf(why, sizeof(why), "exited with status %d",
			    WEXITSTATUS(st));
		else
			snprintf(why, sizeof(why), "its pipe closed");
		fprintf(stderr, "sockbench bench: worker %d of %d did not "
		    "report (%s): the report leaves it out and fails\n", i,
		    o->workers, why);
		if (buf_len(&b) < 512) {
			char one[400];

			snprintf(one, sizeof(one), "%sworker %d of %d did not "
			    "report (%s)", buf_len(&b) > 0 ? "; " : "", i,
			    o->workers, why);
			buf_append(&b, one, strlen(one));
		}
	}
	if (buf_len(&b) == 0) {
		buf_free(&b);
		return NULL;
	}
	buf_append(&b, "", 1);
	{
		char *s = xstrdup((const char *)buf_data(&b));

		buf_free(&b);
		return s;
	}
}

/* Report the merged figures of n workers; the exit status, starting from
 * rc (a worker without a result is a runtime error, and the report names
 * it and fails). */
static int
bench_workers_report(struct bench_opts *o, struct bench_worker *ws, int n,
    const struct loadgen_result *tot, int rc)
{
	struct loadgen_counts *per = xcalloc((size_t)n + 1, sizeof(*per));
	char target[96], why[256], *lost;
	int i;

	for (i = 0; i < n; i++) {
		per[i] = ws[i].n;
		if (ws[i].err[0] != '\0' && ws[i].done)
			fprintf(stderr, "sockbench bench: worker %d: %s\n", i,
			    ws[i].err);
	}
	lost = bench_workers_lost(o, ws, n);
	if (lost != NULL && rc == EXIT_OK)
		rc = EXIT_RUNTIME;
	if (o->cfg.target != NULL)
		snprintf(target, sizeof(target), "%s", o->cfg.target);
	else
		snprintf(target, sizeof(target), "127.0.0.1, one embedded "
		    "server per worker");
	o->desc.workers_asked = o->workers;
	o->desc.workers_lost = lost;
	if (tot->n.workers > 0) {
		o->desc.target = target;
		if (o->json)
			bench_report_json(stdout, &o->desc, tot, per, n);
		else
			bench_report_text(stdout, &o->desc, tot);
		if (rc == EXIT_OK && !bench_report_ok(&o->desc, &tot->n,
		    why, sizeof(why)))
			rc = EXIT_FAILED;
	}
	o->desc.workers_lost = NULL;
	free(lost);
	free(per);
	return rc;
}

/* Fork the workers, merge what they send, and report; the exit status. */
static int
bench_workers(struct bench_opts *o)
{
	int n, i, rc = EXIT_OK, status;
	pid_t pid;
	struct bench_worker *ws = xcalloc((size_t)o->workers, sizeof(*ws));
	struct loadgen_result *tot = xmalloc(sizeof(*tot));
	struct loadgen_result *tmp = xmalloc(sizeof(*tmp));
	struct bench_live *lv = NULL;

	loadgen_result_init(tot);
	loadgen_result_init(tmp);
	if (o->progress) {
		lv = xcalloc(1, sizeof(*lv));
		hist_init(&lv->lat);
	}
	if ((n = bench_spawn(o, ws, o->workers)) < o->workers)
		rc = EXIT_RUNTIME;
	/* The workers get a terminal's SIGINT too and report what they
	 * measured; the parent waits for that and merges it. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	bench_collect(ws, n, tot, tmp, lv);
	for (i = 0; i < n; i++)
		ws[i].status = -1;
	while ((pid = waitpid(-1, &status, 0)) > 0)
		for (i = 0; i < n; i++)
			if (ws[i].pid == pid)
				ws[i].status = status;
	if (lv != NULL && lv->shown)
		fprintf(stderr, "\r\033[K");
	rc = bench_workers_report(o, ws, n, tot, rc);
	for (i = 0; i < n; i++)
		buf_free(&ws[i].in);
	free(ws);
	free(tot);
	free(tmp);
	free(lv);
	return rc;
}

/* Print the usage error for a bad value of one of bench's options. */
static void
bench_bad_value(int id, const char *arg)
{
	switch (id) {
	case BENCH_O_DURATION:
		cli_usage_error("bench", "--duration '%s': expected a duration "
		    "such as 10s", arg);
		break;
	case BENCH_O_DEPTH:
		cli_usage_error("bench", "--depth '%s': expected 1-65536", arg);
		break;
	case CLI_O_RATE:
		cli_usage_error("bench", "--rate '%s': expected a positive "
		    "number of requests per second", arg);
		break;
	case BENCH_O_CONNECT_RATE:
		cli_usage_error("bench", "--connect-rate '%s': expected a "
		    "positive number", arg);
		break;
	case BENCH_O_CONN_REQUESTS:
		cli_usage_error("bench", "--conn-requests '%s': expected "
		    "1-1000000000", arg);
		break;
	case BENCH_O_REQUEST_TIMEOUT:
		cli_usage_error("bench", "--request-timeout '%s': expected a "
		    "duration such as 5s (at most 1h), or 0", arg);
		break;
	case BENCH_O_WORKERS:
		cli_usage_error("bench", "--workers '%s': expected 1-%d", arg,
		    BENCH_MAX_WORKERS);
		break;
	case BENCH_O_CODEC:
		cli_usage_error("bench", "--codec '%s': unknown codec", arg);
		break;
	case BENCH_O_FORMAT:
		cli_usage_error("bench", "--format '%s': expected text or json",
		    arg);
		break;
	}
}

/* What the command line gave, before the message is built. */
struct bench_args {
	struct bench_opts	 o;
	const char		*msg_arg;	/* --message, --hex, --file, --size */
	const char		*scenario;	/* --scenario */
	int			 msg_kind;	/* which of them: BENCH_O_* */
	int			 nmsg;		/* how many message options */
	int			 depth_given;
	struct cli_tls		 tls;		/* --tls ... */
	char			*shard_sources;	/* --shard's share of --source */
};

/* Parse a count of -c or -n: 1 to 10000000; 0, or -1 with a message. */
static int
bench_count(int shrt, const char *arg, uint64_t *out)
{
	char *end;
	uint64_t v = strtoull(arg, &end, 10);

	if (*end != '\0' || end == arg || v == 0 || v > 10000000) {
		cli_usage_error("bench", "-%c '%s': expected a number from 1 "
		    "to 10000000", shrt, arg);
		return -1;
	}
	*out = v;
	return 0;
}

/* Take one option of the load: target, counts, rates, timeouts; 1 taken,
 * 0 not one of these, -1 bad value (message printed). */
static int
bench_set_load(struct bench_args *a, int id, const char *arg)
{
	struct loadgen_cfg *c = &a->o.cfg;
	char *end;
	uint64_t v;

	switch (id) {
	case CLI_O_CONNECT:
		if (cli_check_hostport("bench", "--connect", arg) < 0)
			return -1;
		c->target = arg;
		return 1;
	case CLI_O_CONNS:
		return bench_count('c', arg, &c->conns) < 0 ? -1 : 1;
	case BENCH_O_REQUESTS:
		return bench_count('n', arg, &c->requests) < 0 ? -1 : 1;
	case BENCH_O_DURATION:
		if ((c->duration = parse_duration(arg)) <= 0)
			goto bad;
		return 1;
	case BENCH_O_DEPTH:
		v = strtoull(arg, &end, 10);
		if (*end != '\0' || end == arg || v == 0 || v > 65536)
			goto bad;
		c->depth = (unsigned)v;
		a->depth_given = 1;
		return 1;
	case CLI_O_RATE:
		c->rate = strtod(arg, &end);
		if (*end != '\0' || !(c->rate > 0) || c->rate > 1e6)
			goto bad;
		c->mode = LG_RATE;
		return 1;
	case BENCH_O_FLOOD:
		c->mode = LG_FLOOD;
		return 1;
	case BENCH_O_CONNECT_RATE:
		c->connect_rate = strtod(arg, &end);
		if (*end != '\0' || !(c->connect_rate > 0))
			goto bad;
		return 1;
	case CLI_O_SOURCE:
		c->sources = arg;
		return 1;
	case BENCH_O_NO_RECONNECT:
		c->reconnect = 0;
		return 1;
	case BENCH_O_CONN_REQUESTS:
		v = strtoull(arg, &end, 10);
		if (*end != '\0' || end == arg || v == 0 || v > 1000000000)
			goto bad;
		c->conn_requests = v;
		return 1;
	case BENCH_O_TLS_RESUME:
		a->tls.o.resume = 1;
		a->tls.on = 1;		/* implies --tls */
		return 1;
	case BENCH_O_REQUEST_TIMEOUT:
		if (strcmp(arg, "0") == 0)
			c->request_timeout = 0;
		else if ((c->request_timeout = parse_duration(arg)) <= 0 ||
		    c->request_timeout > 3600)
			goto bad;
		return 1;
	case BENCH_O_RESET_AT_END:
		c->reset_at_end = 1;
		return 1;
	}
	return 0;
bad:
	bench_bad_value(id, arg);
	return -1;
}

/* Take one option of bench (the struct cli_spec set function). */
static int
bench_set(void *ctx, const struct cli_opt *opt, const char *arg)
{
	struct bench_args *a = ctx;
	int rc;

	if ((rc = bench_set_load(a, opt->id, arg)) != 0)
		return rc;
	switch (opt->id) {
	case BENCH_O_WORKERS:
		a->o.workers = atoi(arg);
		if (a->o.workers < 1 || a->o.workers > BENCH_MAX_WORKERS) {
			bench_bad_value(opt->id, arg);
			return -1;
		}
		return 1;
	case BENCH_O_MESSAGE:
	case BENCH_O_HEX:
	case BENCH_O_FILE:
	case BENCH_O_SIZE:
		a->msg_kind = opt->id;
		a->msg_arg = arg;
		a->nmsg++;
		return 1;
	case BENCH_O_SCENARIO:
		a->scenario = arg;
		a->nmsg++;
		return 1;
	case BENCH_O_CODEC:
		if ((a->o.cfg.codec = codec_find(arg)) == NULL) {
			bench_bad_value(opt->id, arg);
			return -1;
		}
		return 1;
	case BENCH_O_FORMAT:
		if (strcmp(arg, "json") == 0)
			a->o.json = 1;
		else if (strcmp(arg, "text") != 0) {
			bench_bad_value(opt->id, arg);
			return -1;
		}
		return 1;
	case BENCH_O_SHARD: {
		char err[256];

		if (shard_parse(arg, &a->o.desc.shard_index,
		    &a->o.desc.shard_total, err, sizeof(err)) < 0) {
			cli_usage_error("bench", "%s", err);
			return -1;
		}
		return 1;
	}
	case BENCH_O_START_AT:
		if (shard_parse_time(arg, &a->o.cfg.start_at) < 0) {
			cli_usage_error("bench", "--start-at '%s': expected "
			    "RFC 3339 (2026-11-30T08:00:00Z) or unix seconds, "
			    "after 1970-01-01T00:00:00Z", arg);
			return -1;
		}
		return 1;
	case BENCH_O_LATE_AFTER:
		if ((a->o.desc.late_after = parse_duration(arg)) <= 0) {
			cli_usage_error("bench", "--late-after '%s': expected a "
			    "duration such as 1s", arg);
			return -1;
		}
		return 1;
	case BENCH_O_QUIET: a->o.quiet = 1; return 1;
	case BENCH_O_UI: a->o.ui = 1; return 1;
	case BENCH_O_NO_MOUSE: ui_mouse_set(false); return 1;
	case BENCH_O_ALLOW_LOSS: a->o.allow_loss = 1; return 1;
	}
	return 0;
}

const struct cli_spec bench_spec = {
	"bench", bench_opts, 27, bench_help_head, bench_help_tail, bench_set
};

/* --shard I/N: keep this shard's share of the connections, requests,
 * connect rate and source addresses; 0, or the exit status. */
static int
bench_take_shard(struct bench_args *a)
{
	struct loadgen_cfg *c = &a->o.cfg;
	int i = a->o.desc.shard_index, n = a->o.desc.shard_total;

	if (n == 0)
		return 0;
	if (shard_share(c->conns, i, n) == 0)
		return cli_usage_error("bench", "--shard %d/%d: -c %llu gives "
		    "shard %d no connection (-c is the total over every "
		    "shard)", i, n, (unsigned long long)c->conns, i);
	if (c->requests > 0 && shard_share(c->requests, i, n) == 0)
		return cli_usage_error("bench", "--shard %d/%d: -n %llu gives "
		    "shard %d no request (-n is the total over every shard)",
		    i, n, (unsigned long long)c->requests, i);
	c->conns = shard_share(c->conns, i, n);
	if (c->requests > 0)
		c->requests = shard_share(c->requests, i, n);
	c->connect_rate /= n;
	if (c->sources != NULL)
		c->sources = a->shard_sources = shard_list(c->sources, i, n);
	return 0;
}

/* Check the options against each other and the open-file limit; 0, or
 * the exit status with the message printed. */
static int
bench_check_args(struct bench_args *a, int argc, char **argv, int first)
{
	struct loadgen_cfg *c = &a->o.cfg;
	uint64_t w = (uint64_t)a->o.workers, per_proc;

	if (first < argc)
		return cli_usage_error("bench", "unexpected argument '%s'",
		    argv[first]);
	if (a->nmsg > 1)
		return cli_usage_error("bench", "give one of --message, --hex, "
		    "--file, --size, --scenario");
	if (c->mode != LG_CLOSED && !a->depth_given)
		c->depth = 256;
	if (w > c->conns)
		return cli_usage_error("bench", "--workers %d: more workers "
		    "than connections", a->o.workers);
	if (c->requests > 0 && w > c->requests)
		return cli_usage_error("bench", "--workers %d: more workers "
		    "than -n requests", a->o.workers);
	/* One fd per connection with --connect, two with the embedded
	 * server (its end is in the same process). */
	per_proc = (c->conns + w - 1) / w;
	if (cli_check_nofile("bench", per_proc, c->target ? 1 : 2) < 0)
		return EXIT_USAGE;
	return 0;
}

/* Build the request into msg from the message options, described in
 * desc; 0, or the exit status with the message printed. */
static int
bench_build_msg(struct bench_args *a, struct buf *msg, char *desc,
    size_t desclen)
{
	uint64_t v;
	int rc = 0;

	switch (a->msg_kind) {
	case BENCH_O_MESSAGE:
		rc = bench_unescape(a->msg_arg, msg);
		snprintf(desc, desclen, "--message");
		break;
	case BENCH_O_HEX:
		rc = bench_unhex(a->msg_arg, msg);
		snprintf(desc, desclen, "--hex");
		break;
	case BENCH_O_FILE:
		rc = bench_read_file(a->msg_arg, msg) < 0 ? -2 : 0;
		snprintf(desc, desclen, "--file");
		break;
	case BENCH_O_SIZE:
		if (parse_size(a->msg_arg, &v) < 0 || v == 0 ||
		    v > BENCH_MAX_MSG)
			return cli_usage_error("bench", "--size '%s': expected "
			    "1 to 16M bytes", a->msg_arg);
		bench_random((size_t)v, msg);
		snprintf(desc, desclen, "random bytes");
		break;
	default:
		if (a->scenario != NULL) {
			rc = bench_scenario(&a->o, a->scenario,
			    a->o.cfg.codec != NULL, msg) < 0 ? -2 : 0;
			snprintf(desc, desclen, "--scenario");
		} else {
			bench_random(64, msg);
			snprintf(desc, desclen, "random bytes");
		}
	}
	if (rc == -1)
		return cli_usage_error("bench", "%s '%s': bad escape or hex "
		    "digit", a->msg_kind == BENCH_O_MESSAGE ? "--message" :
		    "--hex", a->msg_arg);
	if (rc == -2)
		return EXIT_USAGE;
	if (buf_len(msg) == 0)
		return cli_usage_error("bench", "the message is empty");
	return 0;
}

/* Encode the message with --codec (not for a scenario's, already
 * encoded); 0, or the exit status with the message printed. */
static int
bench_encode_msg(const struct bench_args *a, struct buf *msg)
{
	const struct codec *cd = a->o.cfg.codec;
	struct buf enc;
	char err[256];

	if (cd == NULL || strcmp(cd->name, "raw") == 0 || a->scenario != NULL)
		return 0;
	buf_init(&enc);
	if (cd->encode(buf_data(msg), buf_len(msg), NULL, &enc, err,
	    sizeof(err)) < 0) {
		buf_free(&enc);
		return cli_usage_error("bench", "--codec %s: %s", cd->name, err);
	}
	buf_free(msg);
	*msg = enc;
	return 0;
}

int
bench_main(int argc, char **argv)
{
	struct bench_args a;
	struct bench_opts *o = &a.o;
	struct cli_common common = { &a.o.cfg.lim, NULL, &a.tls };
	char err[300];
	struct buf msg;
	char desc[64];
	int first, rc;

	memset(&a, 0, sizeof(a));
	engine_limits_default(&o->cfg.lim);
	o->cfg.conns = 1;
	o->cfg.duration = 10;
	o->cfg.depth = 1;
	o->cfg.mode = LG_CLOSED;
	o->cfg.reconnect = 1;
	o->cfg.request_timeout = 5;
	o->workers = 1;
	o->desc.late_after = 1;
	if ((rc = cli_parse(&bench_spec, argc, argv, &a, &common, &first)) >= 0)
		return rc;
	if ((rc = bench_take_shard(&a)) != 0 ||
	    (rc = bench_check_args(&a, argc, argv, first)) != 0) {
		free(a.shard_sources);
		return rc;
	}
	if (a.tls.on || a.tls.given != NULL) {
		/* The embedded server gets a self-signed certificate the
		 * clients trust; made once, before any worker forks. Any
		 * TLS option implies --tls (a forgotten --tls must not send
		 * plain text). */
		struct cli_tls srv = { .on = 1 };

		a.tls.on = 1;
		srv.o.alpn = a.tls.o.alpn;
		if ((o->cfg.target == NULL && cli_tls_server(&srv,
		    &o->cfg.tls_server, err, sizeof(err)) < 0) ||
		    cli_tls_client(&a.tls, o->cfg.target, o->cfg.tls_server,
		    &o->cfg.tls_client, err, sizeof(err)) < 0) {
			fprintf(stderr, "sockbench bench: %s\n", err);
			tls_ctx_free(o->cfg.tls_server);
			return EXIT_USAGE;
		}
	}
	buf_init(&msg);
	if ((rc = bench_build_msg(&a, &msg, desc, sizeof(desc))) != 0 ||
	    (rc = bench_encode_msg(&a, &msg)) != 0)
		goto out;
	o->cfg.msg = buf_data(&msg);
	o->cfg.msg_len = buf_len(&msg);
	o->msg_desc = desc;
	o->desc.embedded = o->cfg.target == NULL;
	o->desc.tls = o->cfg.tls_client == NULL ? 0 :
	    tls_ctx_insecure(o->cfg.tls_client) ? 2 : 1;
	o->desc.tls_resume = o->cfg.tls_client != NULL &&
	    tls_ctx_resume(o->cfg.tls_client);
	o->desc.conn_requests = o->cfg.conn_requests;
	o->desc.mode = o->cfg.mode;
	o->desc.depth = o->cfg.depth;
	o->desc.rate = o->cfg.rate;
	o->desc.msg_bytes = o->cfg.msg_len;
	o->desc.msg_desc = desc;
	o->desc.allow_loss = o->allow_loss;
	o->desc.start_at = o->cfg.start_at;
	o->desc.workers_asked = o->workers;
	o->progress = !o->quiet && !o->ui && isatty(2);
	if (o->ui && (o->workers > 1 || !isatty(0) || !isatty(1))) {
		rc = cli_usage_error("bench", "--ui needs a terminal and one "
		    "worker (the dashboard watches this process's loop)");
		goto out;
	}
	if (o->workers > 1)
		rc = bench_workers(o);
	else
		rc = bench_one(o);
out:
	if (o->has_svc)
		service_cfg_free(&o->svc);
	buf_free(&msg);
	tls_ctx_free(o->cfg.tls_client);
	tls_ctx_free(o->cfg.tls_server);
	free(a.shard_sources);
	return rc;
}
