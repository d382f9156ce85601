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
#include "cli.h"
#include "tls_cli.h"
#include "hex.h"
#include "loadgen.h"
#include "scenario.h"
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
	BENCH_O_UI, BENCH_O_CONN_REQUESTS, BENCH_O_TLS_RESUME
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
	    "requests", NULL },
	{ BENCH_O_RESET_AT_END, 0, "reset-at-end", no_argument, NULL,
	    "end with a reset (RST) instead of the graceful\n"
	    "close (FIN after the last bytes, replies drained\n"
	    "up to 1 s); no TIME_WAIT sockets are left, which\n"
	    "matters at tens of thousands of connections,\n"
	    "but the server sees ECONNRESET", NULL },
	{ BENCH_O_WORKERS, 'w', "workers", required_argument, "N",
	    "N processes, each with its own loop, splitting\n"
	    "connections and source addresses", NULL },
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
"answered (or --allow-loss), every connection was established, no\n"
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

/* Print a microsecond value as milliseconds. */
static void
bench_ms(FILE *f, const char *label, uint64_t us)
{
	fprintf(f, "  %s %.3f ms", label, (double)us / 1000.0);
}

/* Print the three summary lines of a histogram. */
static void
bench_hist_text(FILE *f, const char *what, const struct hist *h, int full)
{
	fprintf(f, "%-11s", what);
	if (hist_count(h) == 0) {
		fprintf(f, "  none\n");
		return;
	}
	bench_ms(f, "p50", hist_value_at(h, 50));
	if (full)
		bench_ms(f, "p90", hist_value_at(h, 90));
	bench_ms(f, "p99", hist_value_at(h, 99));
	if (full)
		bench_ms(f, "p99.9", hist_value_at(h, 99.9));
	bench_ms(f, "max", hist_max(h));
	if (full)
		fprintf(f, "  (mean %.3f ms)", hist_mean(h) / 1000.0);
	fprintf(f, "\n");
}

/* Human-readable mode of the run. */
static void
bench_mode_str(const struct loadgen_cfg *c, char *out, size_t outlen)
{
	if (c->mode == LG_CLOSED)
		snprintf(out, outlen, "closed loop, depth %u", c->depth);
	else if (c->mode == LG_RATE)
		snprintf(out, outlen, "open loop, %g/s per connection, at most "
		    "%u in flight", c->rate, c->depth);
	else
		snprintf(out, outlen, "open loop, flood, at most %u in flight",
		    c->depth);
}

/* Bytes per connection that the resident set grew by, or -1. */
static double
bench_rss_per_conn(const struct loadgen_counts *n)
{
	if (n->open_end == 0 || n->rss_after < n->rss_before)
		return -1;
	return (double)(n->rss_after - n->rss_before) * 1024.0 /
	    (double)n->open_end;
}

/* Whether the run ended before it was asked to. */
static int
bench_early(const struct loadgen_counts *n)
{
	return (n->ended & (LG_END_NO_CONNS | LG_END_SIGNAL)) != 0;
}

/* Why the run ended, in words, for both reports. */
static void
bench_ended(const struct loadgen_counts *n, char *out, size_t outlen)
{
	size_t len = 0;
	int i, k;

	out[0] = '\0';
	if (n->ended & LG_END_NO_CONNS) {
		len += (size_t)snprintf(out + len, outlen - len, "%s",
		    n->connected == 0 ? "no connection could be established" :
		    "the server closed every connection and none could be "
		    "reopened");
		for (i = 0, k = 0; i < LG_ERR_N && len < outlen; i++)
			if (n->errors[i] > 0)
				len += (size_t)snprintf(out + len, outlen - len,
				    "%s%s %llu", k++ == 0 ? " (" : ", ",
				    loadgen_cause_name(i),
				    (unsigned long long)n->errors[i]);
		if (k > 0 && len < outlen)
			len += (size_t)snprintf(out + len, outlen - len, ")");
	}
	if ((n->ended & LG_END_SIGNAL) && len < outlen)
		len += (size_t)snprintf(out + len, outlen - len, "%sinterrupted",
		    len > 0 ? "; " : "");
	if ((n->ended & LG_END_COUNT) && len < outlen)
		len += (size_t)snprintf(out + len, outlen - len, "%s%llu "
		    "requests answered", len > 0 ? "; " : "",
		    (unsigned long long)n->target);
	if ((n->ended & LG_END_DURATION) && len < outlen)
		len += (size_t)snprintf(out + len, outlen - len, "%sthe "
		    "duration passed", len > 0 ? "; " : "");
	if (n->target > 0 && n->answered < n->target && len < outlen)
		snprintf(out + len, outlen - len, "%s-n %llu not reached (%llu "
		    "answered)", len > 0 ? "; " : "",
		    (unsigned long long)n->target,
		    (unsigned long long)n->answered);
}

/* Whether a run did everything it was asked and nothing went missing;
 * why not, in words, when it did not. */
static int
bench_verdict(const struct loadgen_counts *n, int allow_loss, char *out,
    size_t outlen)
{
	uint64_t loss = n->errors[LG_ERR_TIMEOUT] + n->lost + n->unanswered;

	out[0] = '\0';
	if (n->answered == 0)
		snprintf(out, outlen, "no request was answered");
	else if (bench_early(n))
		snprintf(out, outlen, "the run ended early");
	else if (n->target > 0 && n->answered < n->target)
		snprintf(out, outlen, "-n %llu was not reached",
		    (unsigned long long)n->target);
	else if (loss > 0 && !allow_loss)
		snprintf(out, outlen, "%llu of %llu requests sent were not "
		    "answered (timeout, lost, unanswered; --allow-loss accepts "
		    "this)", (unsigned long long)loss,
		    (unsigned long long)n->issued);
	else if (n->unexpected > 0)
		snprintf(out, outlen, "%llu bytes arrived that no request "
		    "asked for", (unsigned long long)n->unexpected);
	else if (n->connected < n->conns)
		snprintf(out, outlen, "%llu of %llu connections were never "
		    "established", (unsigned long long)(n->conns -
		    n->connected), (unsigned long long)n->conns);
	return out[0] == '\0';
}

/* Handshakes in the measured window per second: the rate new TLS
 * connections were set up while requests ran (connection churn). */
static double
bench_hs_rate(const struct loadgen_counts *n)
{
	return n->seconds > 0 ? (double)n->tls_window / n->seconds : 0;
}

/* The text report's `handshakes` line: full vs resumed, and the rate. */
static void
bench_tls_text(FILE *f, const struct bench_opts *o,
    const struct loadgen_counts *n)
{
	uint64_t all = n->tls_full + n->tls_resumed;

	fprintf(f, "handshakes  %llu: full %llu, resumed %llu (%.1f%%%s), "
	    "%llu in the window = %.1f/s%s\n", (unsigned long long)all,
	    (unsigned long long)n->tls_full,
	    (unsigned long long)n->tls_resumed,
	    all > 0 ? 100.0 * (double)n->tls_resumed / (double)all : 0.0,
	    tls_ctx_resume(o->cfg.tls_client) ? "" : ", --tls-resume off",
	    (unsigned long long)n->tls_window, bench_hs_rate(n),
	    o->cfg.conn_requests > 0 ? "" :
	    " (no churn: see --conn-requests)");
	if (o->cfg.conn_requests > 0)
		fprintf(f, "churn       %llu connections closed after %llu "
		    "requests each and reopened\n",
		    (unsigned long long)n->churned,
		    (unsigned long long)o->cfg.conn_requests);
}

/* The text report. */
static void
bench_report_text(FILE *f, const struct bench_opts *o, const char *target,
    const struct loadgen_result *r)
{
	const struct loadgen_counts *n = &r->n;
	double secs = n->seconds > 0 ? n->seconds : 1e-9, per;
	char mode[128], why[256];
	int i, any = 0;

	bench_mode_str(&o->cfg, mode, sizeof(mode));
	fprintf(f, "target      %s%s\n", target, o->cfg.target == NULL &&
	    n->workers == 1 ? " (embedded server, same process)" : "");
	if (o->cfg.tls_client != NULL)
		fprintf(f, "tls         %s\n", tls_ctx_insecure(
		    o->cfg.tls_client) ? "INSECURE: the server's certificate "
		    "was not verified (--insecure)" : "verified: every "
		    "connection counted as connected checked the server's "
		    "certificate and name");
	fprintf(f, "load        %llu connections, %llu worker%s, %s, "
	    "%zu-byte requests (%s)\n", (unsigned long long)n->conns,
	    (unsigned long long)n->workers, n->workers == 1 ? "" : "s", mode,
	    o->cfg.msg_len, o->msg_desc);
	/* Each figure is one counter, as in the JSON report: first connects
	 * established, reconnects established, reconnects that failed. */
	fprintf(f, "connected   %llu of %llu in %.3f s, reopened %llu, "
	    "reopen_failed %llu, stalled %llu, open_at_end %llu\n",
	    (unsigned long long)n->connected, (unsigned long long)n->conns,
	    n->establish, (unsigned long long)n->reopened,
	    (unsigned long long)n->reopen_failed,
	    (unsigned long long)n->stalled, (unsigned long long)n->open_end);
	fprintf(f, "requests    %llu in %.2f s = %.1f/s\n",
	    (unsigned long long)n->requests, n->seconds,
	    (double)n->requests / secs);
	fprintf(f, "answered    %llu of %llu sent (%llu after the window), "
	    "timeout %llu, lost %llu, unanswered %llu\n",
	    (unsigned long long)n->answered, (unsigned long long)n->issued,
	    (unsigned long long)(n->answered - n->requests),
	    (unsigned long long)n->errors[LG_ERR_TIMEOUT],
	    (unsigned long long)n->lost, (unsigned long long)n->unanswered);
	fprintf(f, "bytes       out %llu (%.2f MB/s), in %llu (%.2f MB/s)\n",
	    (unsigned long long)n->bytes_out, (double)n->bytes_out / secs / 1e6,
	    (unsigned long long)n->bytes_in, (double)n->bytes_in / secs / 1e6);
	bench_hist_text(f, "latency", &r->lat, 1);
	bench_hist_text(f, "connect", &r->connect, 0);
	if (o->cfg.tls_client != NULL) {
		bench_hist_text(f, "handshake", &r->handshake, 1);
		bench_tls_text(f, o, n);
	}
	bench_hist_text(f, "first byte", &r->ttfb, 0);
	fprintf(f, "errors     ");
	for (i = 0; i < LG_ERR_N; i++)
		if (n->errors[i] > 0) {
			fprintf(f, " %s %llu", loadgen_cause_name(i),
			    (unsigned long long)n->errors[i]);
			any = 1;
		}
	if (n->skipped > 0) {
		fprintf(f, " skipped %llu (depth full)",
		    (unsigned long long)n->skipped);
		any = 1;
	}
	if (n->unexpected > 0) {
		fprintf(f, " unexpected_bytes %llu",
		    (unsigned long long)n->unexpected);
		any = 1;
	}
	if (n->lost > 0) {
		fprintf(f, " lost %llu", (unsigned long long)n->lost);
		any = 1;
	}
	if (n->unanswered > 0) {
		fprintf(f, " unanswered %llu", (unsigned long long)n->unanswered);
		any = 1;
	}
	if (n->reopen_failed > 0) {
		fprintf(f, " reopen_failed %llu",
		    (unsigned long long)n->reopen_failed);
		any = 1;
	}
	fprintf(f, "%s\n", any ? "" : " none");
	per = bench_rss_per_conn(n);
	fprintf(f, "memory      rss %llu KiB before connecting, %llu KiB at "
	    "the end", (unsigned long long)n->rss_before,
	    (unsigned long long)n->rss_after);
	if (per >= 0)
		fprintf(f, ": %.0f bytes per connection%s", per,
		    o->cfg.target == NULL ? " (client and server ends)" : "");
	fprintf(f, "\n");
	bench_ended(n, why, sizeof(why));
	fprintf(f, "ended       %s after %.2f s: %s\n", bench_early(n) ?
	    "early" : "as planned", n->elapsed, why);
	if (bench_verdict(n, o->allow_loss, why, sizeof(why)))
		fprintf(f, "verdict     ok\n");
	else
		fprintf(f, "verdict     failed: %s\n", why);
}

/* The JSON report, with one entry per worker. */
static void
bench_report_json(FILE *f, const struct bench_opts *o, const char *target,
    const struct loadgen_result *r, const struct loadgen_counts *per,
    int nper)
{
	const struct loadgen_counts *n = &r->n;
	double secs = n->seconds > 0 ? n->seconds : 1e-9, bpc;
	cJSON *root = cJSON_CreateObject(), *x, *arr;
	char *text, why[256];
	int i;

	cJSON_AddStringToObject(root, "target", target);
	cJSON_AddBoolToObject(root, "embedded", o->cfg.target == NULL);
	if (o->cfg.tls_client != NULL) {
		x = cJSON_AddObjectToObject(root, "tls");
		cJSON_AddBoolToObject(x, "insecure",
		    tls_ctx_insecure(o->cfg.tls_client));
		cJSON_AddBoolToObject(x, "resume",
		    tls_ctx_resume(o->cfg.tls_client));
		cJSON_AddNumberToObject(x, "handshakes",
		    (double)(n->tls_full + n->tls_resumed));
		cJSON_AddNumberToObject(x, "full", (double)n->tls_full);
		cJSON_AddNumberToObject(x, "resumed", (double)n->tls_resumed);
		cJSON_AddNumberToObject(x, "in_window", (double)n->tls_window);
		cJSON_AddNumberToObject(x, "handshakes_per_second",
		    round(bench_hs_rate(n) * 10) / 10);
	}
	if (o->cfg.conn_requests > 0) {
		x = cJSON_AddObjectToObject(root, "churn");
		cJSON_AddNumberToObject(x, "conn_requests",
		    (double)o->cfg.conn_requests);
		cJSON_AddNumberToObject(x, "closed", (double)n->churned);
	}
	cJSON_AddStringToObject(root, "mode", o->cfg.mode == LG_CLOSED ?
	    "closed" : o->cfg.mode == LG_RATE ? "rate" : "flood");
	cJSON_AddNumberToObject(root, "depth", o->cfg.depth);
	if (o->cfg.mode == LG_RATE)
		cJSON_AddNumberToObject(root, "rate", o->cfg.rate);
	cJSON_AddNumberToObject(root, "message_bytes", (double)o->cfg.msg_len);
	cJSON_AddNumberToObject(root, "workers", (double)n->workers);
	cJSON_AddNumberToObject(root, "connections", (double)n->conns);
	cJSON_AddNumberToObject(root, "connected", (double)n->connected);
	cJSON_AddNumberToObject(root, "reopened", (double)n->reopened);
	cJSON_AddNumberToObject(root, "reopen_failed",
	    (double)n->reopen_failed);
	cJSON_AddNumberToObject(root, "stalled", (double)n->stalled);
	cJSON_AddNumberToObject(root, "open_at_end", (double)n->open_end);
	cJSON_AddNumberToObject(root, "establish_seconds", n->establish);
	cJSON_AddNumberToObject(root, "seconds", n->seconds);
	cJSON_AddNumberToObject(root, "elapsed_seconds", n->elapsed);
	cJSON_AddNumberToObject(root, "requests", (double)n->requests);
	cJSON_AddNumberToObject(root, "requests_per_second",
	    round((double)n->requests / secs * 10) / 10);
	cJSON_AddNumberToObject(root, "sent", (double)n->issued);
	cJSON_AddNumberToObject(root, "answered", (double)n->answered);
	cJSON_AddNumberToObject(root, "after_window",
	    (double)(n->answered - n->requests));
	cJSON_AddNumberToObject(root, "lost", (double)n->lost);
	cJSON_AddNumberToObject(root, "unanswered", (double)n->unanswered);
	cJSON_AddNumberToObject(root, "bytes_out", (double)n->bytes_out);
	cJSON_AddNumberToObject(root, "bytes_in", (double)n->bytes_in);
	hist_json(&r->lat, root, "latency_us");
	hist_json(&r->connect, root, "connect_us");
	if (o->cfg.tls_client != NULL)
		hist_json(&r->handshake, root, "handshake_us");
	hist_json(&r->ttfb, root, "first_byte_us");
	x = cJSON_AddObjectToObject(root, "errors");
	for (i = 0; i < LG_ERR_N; i++)
		cJSON_AddNumberToObject(x, loadgen_cause_name(i),
		    (double)n->errors[i]);
	cJSON_AddNumberToObject(x, "skipped", (double)n->skipped);
	cJSON_AddNumberToObject(x, "unexpected_bytes", (double)n->unexpected);
	cJSON_AddNumberToObject(x, "lost", (double)n->lost);
	cJSON_AddNumberToObject(x, "unanswered", (double)n->unanswered);
	cJSON_AddNumberToObject(x, "reopen_failed", (double)n->reopen_failed);
	x = cJSON_AddObjectToObject(root, "memory");
	cJSON_AddNumberToObject(x, "rss_before_kib", (double)n->rss_before);
	cJSON_AddNumberToObject(x, "rss_after_kib", (double)n->rss_after);
	bpc = bench_rss_per_conn(n);
	if (bpc >= 0)
		cJSON_AddNumberToObject(x, "bytes_per_connection", round(bpc));
	else
		cJSON_AddNullToObject(x, "bytes_per_connection");
	x = cJSON_AddObjectToObject(root, "ended");
	cJSON_AddBoolToObject(x, "early", bench_early(n));
	bench_ended(n, why, sizeof(why));
	cJSON_AddStringToObject(x, "why", why);
	cJSON_AddNumberToObject(x, "elapsed_seconds", n->elapsed);
	cJSON_AddBoolToObject(x, "ok", bench_verdict(n, o->allow_loss, why,
	    sizeof(why)));
	cJSON_AddStringToObject(x, "verdict", why);
	arr = cJSON_AddArrayToObject(root, "per_worker");
	for (i = 0; i < nper; i++) {
		x = cJSON_CreateObject();
		cJSON_AddNumberToObject(x, "connections", (double)per[i].conns);
		cJSON_AddNumberToObject(x, "open_at_end",
		    (double)per[i].open_end);
		cJSON_AddNumberToObject(x, "requests", (double)per[i].requests);
		cJSON_AddNumberToObject(x, "answered", (double)per[i].answered);
		cJSON_AddNumberToObject(x, "rss_before_kib",
		    (double)per[i].rss_before);
		cJSON_AddNumberToObject(x, "rss_after_kib",
		    (double)per[i].rss_after);
		cJSON_AddItemToArray(arr, x);
	}
	text = cJSON_Print(root);
	fprintf(f, "%s\n", text);
	free(text);
	cJSON_Delete(root);
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
		ui_run_latency(loadgen_engine(lg), NULL, loadgen_latency(lg),
		    title);
		loadgen_end(lg);
	} else
		loadgen_run(lg);
	if (lv != NULL && lv->shown)
		fprintf(stderr, "\r\033[K");
	if (o->json)
		bench_report_json(stdout, o, loadgen_target(lg),
		    loadgen_result(lg), &loadgen_result(lg)->n, 1);
	else
		bench_report_text(stdout, o, loadgen_target(lg),
		    loadgen_result(lg));
	if (loadgen_last_error(lg)[0] != '\0')
		fprintf(stderr, "sockbench bench: %s\n", loadgen_last_error(lg));
	rc = bench_verdict(&loadgen_result(lg)->n, o->allow_loss, err,
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

/* Report the merged figures of n workers; the exit status, starting from
 * rc (a worker without a result is a runtime error). */
static int
bench_workers_report(struct bench_opts *o, struct bench_worker *ws, int n,
    const struct loadgen_result *tot, int rc)
{
	struct loadgen_counts *per = xcalloc((size_t)n + 1, sizeof(*per));
	char target[96], why[256];
	int i;

	for (i = 0; i < n; i++) {
		per[i] = ws[i].n;
		if (ws[i].err[0] != '\0')
			fprintf(stderr, "sockbench bench: worker %d: %s\n", i,
			    ws[i].err);
		if (!ws[i].done && rc == EXIT_OK)
			rc = EXIT_RUNTIME;
	}
	if (o->cfg.target != NULL)
		snprintf(target, sizeof(target), "%s", o->cfg.target);
	else
		snprintf(target, sizeof(target), "127.0.0.1, one embedded "
		    "server per worker");
	if (tot->n.workers > 0) {
		if (o->json)
			bench_report_json(stdout, o, target, tot, per, n);
		else
			bench_report_text(stdout, o, target, tot);
		if (rc == EXIT_OK && !bench_verdict(&tot->n, o->allow_loss,
		    why, sizeof(why)))
			rc = EXIT_FAILED;
	}
	free(per);
	return rc;
}

/* Fork the workers, merge what they send, and report; the exit status. */
static int
bench_workers(struct bench_opts *o)
{
	int n, i, rc = EXIT_OK, status;
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
	while (waitpid(-1, &status, 0) > 0)
		;
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
	case BENCH_O_QUIET: a->o.quiet = 1; return 1;
	case BENCH_O_UI: a->o.ui = 1; return 1;
	case BENCH_O_ALLOW_LOSS: a->o.allow_loss = 1; return 1;
	}
	return 0;
}

const struct cli_spec bench_spec = {
	"bench", bench_opts, 27, bench_help_head, bench_help_tail, bench_set
};

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
	if ((rc = cli_parse(&bench_spec, argc, argv, &a, &common, &first)) >= 0)
		return rc;
	if ((rc = bench_check_args(&a, argc, argv, first)) != 0)
		return rc;
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
	return rc;
}
