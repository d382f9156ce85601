/* The report of `sockbench bench` in text and JSON (docs/json.md): one
 * writer for bench's own runs, its --workers and `sockbench merge`, so a
 * merged run prints exactly what one run would. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "bench_report.h"
#include "shard.h"

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
bench_mode_str(const struct bench_desc *c, char *out, size_t outlen)
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
	uint64_t unsent = n->skipped + n->churn_wait + n->behind;

	out[0] = '\0';
	if (n->saturated > 0)
		snprintf(out, outlen, "%llu sums reached 2^64 - 1 while merging "
		    "(saturated, not wrapped): the figures are not exact",
		    (unsigned long long)n->saturated);
	else if (n->answered == 0)
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
	else if (unsent > 0 && !allow_loss)
		snprintf(out, outlen, "%llu of %llu requests due at --rate "
		    "were not sent (skipped %llu, churn_wait %llu, behind %llu; "
		    "--allow-loss accepts this)", (unsigned long long)unsent,
		    (unsigned long long)(n->issued + unsent),
		    (unsigned long long)n->skipped,
		    (unsigned long long)n->churn_wait,
		    (unsigned long long)n->behind);
	else if (n->unexpected > 0)
		snprintf(out, outlen, "%llu bytes arrived that no request "
		    "asked for", (unsigned long long)n->unexpected);
	else if (n->connected < n->conns)
		snprintf(out, outlen, "%llu of %llu connections were never "
		    "established", (unsigned long long)(n->conns -
		    n->connected), (unsigned long long)n->conns);
	return out[0] == '\0';
}

/* Whether the run is ok, all things counted; why not in out. */
int
bench_report_ok(const struct bench_desc *d, const struct loadgen_counts *n,
    char *out, size_t outlen)
{
	size_t i, bad = 0;

	/* A merge with a shard missing or bad: its sums are not the run. */
	for (i = 0; i < d->nshards; i++)
		if (d->shards[i].status != BENCH_SHARD_OK)
			bad++;
	if (bad > 0) {
		snprintf(out, outlen, "%zu of %zu shards flagged (see shards)",
		    bad, d->nshards);
		return 0;
	}
	if (d->workers_lost != NULL) {
		snprintf(out, outlen, "%s", d->workers_lost);
		return 0;
	}
	if (d->nshards == 0 && d->start_at > 0 && n->started > 0 &&
	    n->started - d->start_at > d->late_after) {
		snprintf(out, outlen, "started %.3f s after --start-at (more "
		    "than --late-after %g s)", n->started - d->start_at,
		    d->late_after);
		return 0;
	}
	return bench_verdict(n, d->allow_loss, out, outlen);
}

static const char *const bench_shard_words[] = {
	"ok", "failed", "late", "unreadable", "missing", "duplicate"
};

/* The shard lines of the text report: this run's place (--shard,
 * --start-at), or a merge's shards, one line for each flagged one. */
static void
bench_shard_text(FILE *f, const struct bench_desc *d,
    const struct loadgen_counts *n)
{
	char t[40];
	size_t i, bad = 0, merged;

	if (d->nshards == 0) {
		if (d->shard_total == 0 && d->start_at == 0)
			return;
		fprintf(f, "shard       ");
		if (d->shard_total > 0)
			fprintf(f, "%d/%d%s", d->shard_index, d->shard_total,
			    d->start_at > 0 ? ", " : "");
		if (d->start_at > 0) {
			shard_format_time(d->start_at, t, sizeof(t));
			fprintf(f, "start at %s, ", t);
			if (n->started > 0)
				fprintf(f, "started %+.3f s", n->started -
				    d->start_at);
			else
				fprintf(f, "never started");
		}
		fprintf(f, "\n");
		return;
	}
	for (i = 0, merged = 0; i < d->nshards; i++) {
		if (d->shards[i].status != BENCH_SHARD_OK)
			bad++;
		if (d->shards[i].merged)
			merged++;
	}
	fprintf(f, "shards      %zu report%s merged", merged,
	    merged == 1 ? "" : "s");
	if (n->started > 0) {
		shard_format_time(n->started, t, sizeof(t));
		fprintf(f, ", the last started %s", t);
	}
	fprintf(f, "%s\n", bad == 0 ? ", none flagged" : "");
	for (i = 0; i < d->nshards; i++) {
		const struct bench_shard *sh = &d->shards[i];

		if (sh->status == BENCH_SHARD_OK)
			continue;
		fprintf(f, "  shard ");
		if (sh->total > 0)
			fprintf(f, "%d/%d", sh->index, sh->total);
		else
			fprintf(f, "?");
		fprintf(f, " %s: %s%s: %s\n", sh->file != NULL ? sh->file :
		    "(no report)", bench_shard_words[sh->status],
		    sh->merged ? "" : ", not merged", sh->why);
	}
}

/* ended.causes: the LG_END_* bits in words, for merge to read back. */
static void
bench_ended_causes(cJSON *ended, const struct loadgen_counts *n)
{
	cJSON *arr = cJSON_AddArrayToObject(ended, "causes");

	if (n->ended & LG_END_DURATION)
		cJSON_AddItemToArray(arr, cJSON_CreateString("duration"));
	if (n->ended & LG_END_COUNT)
		cJSON_AddItemToArray(arr, cJSON_CreateString("count"));
	if (n->ended & LG_END_NO_CONNS)
		cJSON_AddItemToArray(arr, cJSON_CreateString("no_connections"));
	if (n->ended & LG_END_SIGNAL)
		cJSON_AddItemToArray(arr, cJSON_CreateString("signal"));
}

/* Add a time in unix seconds, or null for none. */
static void
bench_json_time(cJSON *o, const char *key, double t)
{
	if (t > 0)
		cJSON_AddNumberToObject(o, key, round(t * 1e6) / 1e6);
	else
		cJSON_AddNullToObject(o, key);
}

/* The keys after per_worker: what merge needs to read a report back
 * exactly (docs/json.md, "Shards and merge"). */
static void
bench_json_more(cJSON *root, const struct bench_desc *d,
    const struct loadgen_result *r)
{
	const struct loadgen_counts *n = &r->n;
	cJSON *x, *arr;
	size_t i;

	cJSON_AddStringToObject(root, "message", d->msg_desc);
	cJSON_AddBoolToObject(root, "allow_loss", d->allow_loss);
	if (n->target > 0)
		cJSON_AddNumberToObject(root, "requests_limit",
		    (double)n->target);
	else
		cJSON_AddNullToObject(root, "requests_limit");
	x = cJSON_AddObjectToObject(root, "start");
	bench_json_time(x, "at", d->start_at);
	bench_json_time(x, "started", n->started);
	if (d->start_at > 0 && n->started > 0)
		cJSON_AddNumberToObject(x, "late_seconds",
		    round((n->started - d->start_at) * 1e6) / 1e6);
	else
		cJSON_AddNullToObject(x, "late_seconds");
	cJSON_AddNumberToObject(x, "late_after", d->late_after);
	cJSON_AddBoolToObject(x, "late", d->start_at > 0 && n->started > 0 &&
	    n->started - d->start_at > d->late_after);
	if (d->shard_total > 0) {
		x = cJSON_AddObjectToObject(root, "shard");
		cJSON_AddNumberToObject(x, "index", d->shard_index);
		cJSON_AddNumberToObject(x, "total", d->shard_total);
	} else
		cJSON_AddNullToObject(root, "shard");
	if (d->nshards > 0) {
		arr = cJSON_AddArrayToObject(root, "shards");
		for (i = 0; i < d->nshards; i++) {
			const struct bench_shard *sh = &d->shards[i];

			x = cJSON_CreateObject();
			if (sh->file != NULL)
				cJSON_AddStringToObject(x, "file", sh->file);
			else
				cJSON_AddNullToObject(x, "file");
			if (sh->total > 0) {
				cJSON_AddNumberToObject(x, "index", sh->index);
				cJSON_AddNumberToObject(x, "total", sh->total);
			} else {
				cJSON_AddNullToObject(x, "index");
				cJSON_AddNullToObject(x, "total");
			}
			bench_json_time(x, "start_at", sh->start_at);
			bench_json_time(x, "started", sh->started);
			cJSON_AddStringToObject(x, "status",
			    bench_shard_words[sh->status]);
			cJSON_AddBoolToObject(x, "merged", sh->merged);
			cJSON_AddStringToObject(x, "why", sh->why);
			cJSON_AddItemToArray(arr, x);
		}
	}
	x = cJSON_AddObjectToObject(root, "histograms");
	hist_json_encoded(&r->lat, x, "latency_us");
	hist_json_encoded(&r->connect, x, "connect_us");
	if (d->tls)
		hist_json_encoded(&r->handshake, x, "handshake_us");
	hist_json_encoded(&r->ttfb, x, "first_byte_us");
}

/* Handshakes in the measured window per second: the rate new TLS
 * connections were set up while requests ran (connection churn). */
static double
bench_hs_rate(const struct loadgen_counts *n)
{
	return n->seconds > 0 ? (double)n->tls_window / n->seconds : 0;
}

/* The text report's `handshakes` line: full vs resumed, and the rate;
 * with --conn-requests the `churn` line. */
static void
bench_tls_text(FILE *f, const struct bench_desc *d,
    const struct loadgen_counts *n)
{
	uint64_t all = n->tls_full + n->tls_resumed;

	fprintf(f, "handshakes  %llu: full %llu, resumed %llu (%.1f%%%s), "
	    "%llu in the window = %.1f/s%s\n", (unsigned long long)all,
	    (unsigned long long)n->tls_full,
	    (unsigned long long)n->tls_resumed,
	    all > 0 ? 100.0 * (double)n->tls_resumed / (double)all : 0.0,
	    d->tls_resume ? "" : ", --tls-resume off",
	    (unsigned long long)n->tls_window, bench_hs_rate(n),
	    d->conn_requests > 0 ? "" : " (no churn: see --conn-requests)");
}

/* The text report. */
void
bench_report_text(FILE *f, const struct bench_desc *d,
    const struct loadgen_result *r)
{
	const struct loadgen_counts *n = &r->n;
	double secs = n->seconds > 0 ? n->seconds : 1e-9, per;
	char mode[128], why[256];
	int i, any = 0;

	bench_mode_str(d, mode, sizeof(mode));
	fprintf(f, "target      %s%s\n", d->target, d->embedded &&
	    n->workers == 1 && d->workers_asked <= 1 ? " (embedded server, same process)" : "");
	if (d->tls)
		fprintf(f, "tls         %s\n", d->tls == 2 ?
		    "INSECURE: the server's certificate "
		    "was not verified (--insecure)" : "verified: every "
		    "connection counted as connected checked the server's "
		    "certificate and name");
	fprintf(f, "load        %llu connections, %llu worker%s, %s, "
	    "%zu-byte requests (%s)\n", (unsigned long long)n->conns,
	    (unsigned long long)n->workers, n->workers == 1 ? "" : "s", mode,
	    d->msg_bytes, d->msg_desc);
	if (d->workers_lost != NULL)
		fprintf(f, "lost        %s: these figures are the other "
		    "workers' only\n", d->workers_lost);
	bench_shard_text(f, d, n);
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
	if (d->tls) {
		bench_hist_text(f, "handshake", &r->handshake, 1);
		bench_tls_text(f, d, n);
	}
	if (d->conn_requests > 0)
		fprintf(f, "churn       %llu connections closed after %llu "
		    "requests each and reopened\n",
		    (unsigned long long)n->churned,
		    (unsigned long long)d->conn_requests);
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
	if (n->churn_wait > 0) {
		fprintf(f, " churn_wait %llu (--conn-requests sent, not yet "
		    "reopened)", (unsigned long long)n->churn_wait);
		any = 1;
	}
	if (n->saturated > 0) {
		fprintf(f, " saturated %llu (merged sums at 2^64 - 1)",
		    (unsigned long long)n->saturated);
		any = 1;
	}
	if (n->behind > 0) {
		fprintf(f, " behind %llu (the loop fell behind the schedule)",
		    (unsigned long long)n->behind);
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
		    d->embedded ? " (client and server ends)" : "");
	fprintf(f, "\n");
	bench_ended(n, why, sizeof(why));
	fprintf(f, "ended       %s after %.2f s: %s\n", bench_early(n) ?
	    "early" : "as planned", n->elapsed, why);
	if (bench_report_ok(d, n, why, sizeof(why)))
		fprintf(f, "verdict     ok\n");
	else
		fprintf(f, "verdict     failed: %s\n", why);
}

/* The JSON report, with one entry per worker. */
void
bench_report_json(FILE *f, const struct bench_desc *d,
    const struct loadgen_result *r, const struct loadgen_counts *per,
    int nper)
{
	const struct loadgen_counts *n = &r->n;
	double secs = n->seconds > 0 ? n->seconds : 1e-9, bpc;
	cJSON *root = cJSON_CreateObject(), *x, *arr;
	char *text, why[256];
	int i;

	cJSON_AddStringToObject(root, "target", d->target);
	cJSON_AddBoolToObject(root, "embedded", d->embedded);
	if (d->tls) {
		x = cJSON_AddObjectToObject(root, "tls");
		cJSON_AddBoolToObject(x, "insecure", d->tls == 2);
		cJSON_AddBoolToObject(x, "resume", d->tls_resume);
		cJSON_AddNumberToObject(x, "handshakes",
		    (double)(n->tls_full + n->tls_resumed));
		cJSON_AddNumberToObject(x, "full", (double)n->tls_full);
		cJSON_AddNumberToObject(x, "resumed", (double)n->tls_resumed);
		cJSON_AddNumberToObject(x, "in_window", (double)n->tls_window);
		cJSON_AddNumberToObject(x, "handshakes_per_second",
		    round(bench_hs_rate(n) * 10) / 10);
	}
	if (d->conn_requests > 0) {
		x = cJSON_AddObjectToObject(root, "churn");
		cJSON_AddNumberToObject(x, "conn_requests",
		    (double)d->conn_requests);
		cJSON_AddNumberToObject(x, "closed", (double)n->churned);
	}
	cJSON_AddStringToObject(root, "mode", d->mode == LG_CLOSED ?
	    "closed" : d->mode == LG_RATE ? "rate" : "flood");
	cJSON_AddNumberToObject(root, "depth", d->depth);
	if (d->mode == LG_RATE)
		cJSON_AddNumberToObject(root, "rate", d->rate);
	cJSON_AddNumberToObject(root, "message_bytes", (double)d->msg_bytes);
	cJSON_AddNumberToObject(root, "workers", (double)n->workers);
	if (d->workers_asked > 0)
		cJSON_AddNumberToObject(root, "workers_asked",
		    d->workers_asked);
	else
		cJSON_AddNullToObject(root, "workers_asked");
	if (d->workers_lost != NULL)
		cJSON_AddStringToObject(root, "workers_lost", d->workers_lost);
	else
		cJSON_AddNullToObject(root, "workers_lost");
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
	if (d->tls)
		hist_json(&r->handshake, root, "handshake_us");
	hist_json(&r->ttfb, root, "first_byte_us");
	x = cJSON_AddObjectToObject(root, "errors");
	for (i = 0; i < LG_ERR_N; i++)
		cJSON_AddNumberToObject(x, loadgen_cause_name(i),
		    (double)n->errors[i]);
	cJSON_AddNumberToObject(x, "skipped", (double)n->skipped);
	cJSON_AddNumberToObject(x, "churn_wait", (double)n->churn_wait);
	cJSON_AddNumberToObject(x, "behind", (double)n->behind);
	cJSON_AddNumberToObject(x, "saturated", (double)n->saturated);
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
	cJSON_AddBoolToObject(x, "ok", bench_report_ok(d, n, why,
	    sizeof(why)));
	cJSON_AddStringToObject(x, "verdict", why);
	bench_ended_causes(x, n);
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
	bench_json_more(root, d, r);
	text = cJSON_Print(root);
	fprintf(f, "%s\n", text);
	free(text);
	cJSON_Delete(root);
}
