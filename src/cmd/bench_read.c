/* Reading a bench JSON report back (docs/json.md) for `sockbench merge`:
 * every counter, the load it ran and its histograms, each checked. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "bench_report.h"
#include "util.h"

#define BR_MAX_INT	9007199254740992.0	/* 2^53: exact in a double */
#define BR_MAX_WORKERS	1000000

/* What a read is doing, for the error message. */
struct br_ctx {
	char		*err;
	size_t		 errlen;
	int		 failed;
};

/* Record the first fault. */
static void
br_fail(struct br_ctx *c, const char *what, const char *key)
{
	if (c->failed++)
		return;
	snprintf(c->err, c->errlen, "%s%s%s", key != NULL ? key : "",
	    key != NULL ? ": " : "", what);
}

/* Read o[key] as a whole number from 0 to 2^53; 0 when missing. */
static uint64_t
br_uint(struct br_ctx *c, const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(v)) {
		br_fail(c, "missing, or not a number", key);
		return 0;
	}
	if (!(v->valuedouble >= 0) || v->valuedouble > BR_MAX_INT ||
	    v->valuedouble != floor(v->valuedouble)) {
		br_fail(c, "not a whole number from 0 to 2^53", key);
		return 0;
	}
	return (uint64_t)v->valuedouble;
}

/* Read o[key] as a finite number of seconds, 0 or more. */
static double
br_secs(struct br_ctx *c, const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble < 0 || v->valuedouble > 1e11) {
		br_fail(c, "missing, or not a number of seconds", key);
		return 0;
	}
	return v->valuedouble;
}

/* Read o[key] as unix seconds, or null (0). */
static double
br_time(struct br_ctx *c, const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsNull(v))
		return 0;
	return br_secs(c, o, key);
}

/* Read o[key] as a boolean. */
static int
br_bool(struct br_ctx *c, const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsBool(v)) {
		br_fail(c, "missing, or not true or false", key);
		return 0;
	}
	return cJSON_IsTrue(v);
}

/* Read o[key] as a new string of one line ("" when missing, with the
 * fault kept), every control character and invalid UTF-8 byte escaped
 * as \xNN (line_sanitize): a report from another machine must not reach
 * the reader's terminal as escapes. */
static char *
br_str(struct br_ctx *c, const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	size_t n;
	char *out;

	if (!cJSON_IsString(v) || v->valuestring == NULL) {
		br_fail(c, "missing, or not a string", key);
		return xstrdup("");
	}
	n = strlen(v->valuestring) * 4 + 1;
	out = xmalloc(n);
	line_sanitize(v->valuestring, out, n);
	return out;
}

/* Read o[key] as an object. */
static const cJSON *
br_obj(struct br_ctx *c, const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsObject(v)) {
		br_fail(c, "missing, or not an object", key);
		return NULL;
	}
	return v;
}

/* Read one histogram from histograms[key], checked against the count of
 * the latency block root[key]. */
static void
br_hist(struct br_ctx *c, const cJSON *root, const cJSON *hs,
    const char *key, struct hist *h)
{
	const cJSON *blk = br_obj(c, root, key);

	if (hs == NULL || blk == NULL)
		return;
	if (hist_json_decode(h, cJSON_GetObjectItemCaseSensitive(hs, key)) < 0) {
		br_fail(c, "missing, or not a histogram in base64 (docs/json.md)",
		    key);
		return;
	}
	if (hist_count(h) != br_uint(c, blk, "count"))
		br_fail(c, "its histogram and its count disagree", key);
}

/* The load: target, mode, depth, rate, message, TLS, shard, start. */
static void
br_load(struct br_ctx *c, const cJSON *root, struct bench_read *r)
{
	struct bench_desc *d = &r->desc;
	const cJSON *x;
	char *mode;

	r->target = br_str(c, root, "target");
	d->target = r->target;
	d->embedded = br_bool(c, root, "embedded");
	x = cJSON_GetObjectItemCaseSensitive(root, "tls");
	if (x != NULL) {
		d->tls = cJSON_IsObject(x) && br_bool(c, x, "insecure") ? 2 : 1;
		d->tls_resume = cJSON_IsObject(x) && br_bool(c, x, "resume");
	}
	x = cJSON_GetObjectItemCaseSensitive(root, "churn");
	if (x != NULL)
		d->conn_requests = br_uint(c, x, "conn_requests");
	mode = br_str(c, root, "mode");
	if (strcmp(mode, "closed") == 0)
		d->mode = LG_CLOSED;
	else if (strcmp(mode, "rate") == 0) {
		d->mode = LG_RATE;
		d->rate = br_secs(c, root, "rate");
	} else if (strcmp(mode, "flood") == 0)
		d->mode = LG_FLOOD;
	else
		br_fail(c, "not closed, rate or flood", "mode");
	free(mode);
	d->depth = (unsigned)br_uint(c, root, "depth");
	if (d->depth > 65536)
		br_fail(c, "above 65536", "depth");
	d->msg_bytes = (size_t)br_uint(c, root, "message_bytes");
	r->msg_desc = br_str(c, root, "message");
	d->msg_desc = r->msg_desc;
	d->allow_loss = br_bool(c, root, "allow_loss");
	if ((x = br_obj(c, root, "start")) != NULL) {
		d->start_at = br_time(c, x, "at");
		r->res.n.started = br_time(c, x, "started");
		d->late_after = br_secs(c, x, "late_after");
	}
	x = cJSON_GetObjectItemCaseSensitive(root, "shard");
	if (cJSON_IsObject(x)) {
		uint64_t i = br_uint(c, x, "index"), n = br_uint(c, x, "total");

		if (n < 1 || n > 100000 || i >= n)
			br_fail(c, "index not below total, or total not 1 to "
			    "100000", "shard");
		d->shard_index = (int)i;
		d->shard_total = (int)n;
	} else if (!cJSON_IsNull(x))
		br_fail(c, "missing, or not an object or null", "shard");
}

/* The counters, as bench_report_json wrote them. */
static void
br_counts(struct br_ctx *c, const cJSON *root, struct loadgen_counts *n)
{
	const cJSON *x, *it;
	int i;

	n->workers = br_uint(c, root, "workers");
	n->conns = br_uint(c, root, "connections");
	n->connected = br_uint(c, root, "connected");
	n->reopened = br_uint(c, root, "reopened");
	n->reopen_failed = br_uint(c, root, "reopen_failed");
	n->stalled = br_uint(c, root, "stalled");
	n->open_end = br_uint(c, root, "open_at_end");
	n->establish = br_secs(c, root, "establish_seconds");
	n->seconds = br_secs(c, root, "seconds");
	n->elapsed = br_secs(c, root, "elapsed_seconds");
	n->requests = br_uint(c, root, "requests");
	n->issued = br_uint(c, root, "sent");
	n->answered = br_uint(c, root, "answered");
	n->lost = br_uint(c, root, "lost");
	n->unanswered = br_uint(c, root, "unanswered");
	n->bytes_out = br_uint(c, root, "bytes_out");
	n->bytes_in = br_uint(c, root, "bytes_in");
	x = cJSON_GetObjectItemCaseSensitive(root, "requests_limit");
	if (!cJSON_IsNull(x))
		n->target = br_uint(c, root, "requests_limit");
	if ((x = br_obj(c, root, "errors")) != NULL) {
		for (i = 0; i < LG_ERR_N; i++)
			n->errors[i] = br_uint(c, x, loadgen_cause_name(i));
		n->skipped = br_uint(c, x, "skipped");
		/* Newer than the first reports merge reads: 0 when absent. */
		if (cJSON_GetObjectItemCaseSensitive(x, "churn_wait") != NULL)
			n->churn_wait = br_uint(c, x, "churn_wait");
		if (cJSON_GetObjectItemCaseSensitive(x, "behind") != NULL)
			n->behind = br_uint(c, x, "behind");
		if (cJSON_GetObjectItemCaseSensitive(x, "saturated") != NULL)
			n->saturated = br_uint(c, x, "saturated");
		n->unexpected = br_uint(c, x, "unexpected_bytes");
	}
	x = cJSON_GetObjectItemCaseSensitive(root, "tls");
	if (cJSON_IsObject(x)) {
		n->tls_full = br_uint(c, x, "full");
		n->tls_resumed = br_uint(c, x, "resumed");
		n->tls_window = br_uint(c, x, "in_window");
	}
	x = cJSON_GetObjectItemCaseSensitive(root, "churn");
	if (cJSON_IsObject(x))
		n->churned = br_uint(c, x, "closed");
	if ((x = br_obj(c, root, "memory")) != NULL) {
		n->rss_before = br_uint(c, x, "rss_before_kib");
		n->rss_after = br_uint(c, x, "rss_after_kib");
	}
	if ((x = br_obj(c, root, "ended")) != NULL) {
		x = cJSON_GetObjectItemCaseSensitive(x, "causes");
		if (!cJSON_IsArray(x))
			br_fail(c, "missing, or not an array", "ended.causes");
		cJSON_ArrayForEach(it, x) {
			const char *s = cJSON_GetStringValue(it);

			if (s != NULL && strcmp(s, "duration") == 0)
				n->ended |= LG_END_DURATION;
			else if (s != NULL && strcmp(s, "count") == 0)
				n->ended |= LG_END_COUNT;
			else if (s != NULL && strcmp(s, "no_connections") == 0)
				n->ended |= LG_END_NO_CONNS;
			else if (s != NULL && strcmp(s, "signal") == 0)
				n->ended |= LG_END_SIGNAL;
			else
				br_fail(c, "an unknown cause", "ended.causes");
		}
	}
	/* Every request sent ends as exactly one of these (loadgen.h). */
	if (!c->failed && (n->requests > n->answered || n->answered +
	    n->errors[LG_ERR_TIMEOUT] + n->lost + n->unanswered != n->issued))
		br_fail(c, "requests, answered, timeout, lost and unanswered do "
		    "not add up to sent", "sent");
	if (!c->failed && (n->workers < 1 || n->connected > n->conns))
		br_fail(c, "no worker, or more connected than asked for",
		    "workers");
}

/* per_worker, and the verdict the report gave itself. */
static void
br_workers(struct br_ctx *c, const cJSON *root, struct bench_read *r)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "per_worker");
	const cJSON *x;
	int n, i;

	if (!cJSON_IsArray(arr) || (n = cJSON_GetArraySize(arr)) < 1 ||
	    n > BR_MAX_WORKERS) {
		br_fail(c, "missing, empty or too long", "per_worker");
		return;
	}
	r->per = xcalloc((size_t)n, sizeof(*r->per));
	r->nper = (size_t)n;
	for (i = 0; i < n && !c->failed; i++) {
		x = cJSON_GetArrayItem(arr, i);
		if (!cJSON_IsObject(x)) {
			br_fail(c, "an entry is not an object", "per_worker");
			break;
		}
		r->per[i].workers = 1;
		r->per[i].conns = br_uint(c, x, "connections");
		r->per[i].open_end = br_uint(c, x, "open_at_end");
		r->per[i].requests = br_uint(c, x, "requests");
		r->per[i].answered = br_uint(c, x, "answered");
		r->per[i].rss_before = br_uint(c, x, "rss_before_kib");
		r->per[i].rss_after = br_uint(c, x, "rss_after_kib");
	}
	if ((x = br_obj(c, root, "ended")) != NULL) {
		r->ok = br_bool(c, x, "ok");
		r->verdict = br_str(c, x, "verdict");
	}
}

/* Read a bench JSON report. */
int
bench_read_json(struct bench_read *r, const char *text, size_t len,
    char *err, size_t errlen)
{
	struct br_ctx c = { err, errlen, 0 };
	cJSON *root;
	const cJSON *hs;

	memset(r, 0, sizeof(*r));
	loadgen_result_init(&r->res);
	root = cJSON_ParseWithLength(text, len);
	if (root == NULL || !cJSON_IsObject(root)) {
		snprintf(err, errlen, "not a JSON object%s",
		    root == NULL ? " (does not parse)" : "");
		cJSON_Delete(root);
		return -1;
	}
	if (cJSON_GetObjectItemCaseSensitive(root, "scenarios") != NULL) {
		snprintf(err, errlen, "a run report, not a bench report");
		cJSON_Delete(root);
		return -1;
	}
	if ((hs = cJSON_GetObjectItemCaseSensitive(root, "histograms")) == NULL &&
	    cJSON_GetObjectItemCaseSensitive(root, "latency_us") != NULL) {
		snprintf(err, errlen, "a bench report without its histograms "
		    "(written by a sockbench before merge existed)");
		cJSON_Delete(root);
		return -1;
	}
	br_load(&c, root, r);
	br_counts(&c, root, &r->res.n);
	hs = br_obj(&c, root, "histograms");
	br_hist(&c, root, hs, "latency_us", &r->res.lat);
	br_hist(&c, root, hs, "connect_us", &r->res.connect);
	br_hist(&c, root, hs, "first_byte_us", &r->res.ttfb);
	if (r->desc.tls)
		br_hist(&c, root, hs, "handshake_us", &r->res.handshake);
	br_workers(&c, root, r);
	if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "shards")))
		r->merged_of = (size_t)cJSON_GetArraySize(
		    cJSON_GetObjectItemCaseSensitive(root, "shards"));
	cJSON_Delete(root);
	if (c.failed) {
		bench_read_free(r);
		return -1;
	}
	return 0;
}

/* Release what a read allocated. */
void
bench_read_free(struct bench_read *r)
{
	free(r->per);
	free(r->verdict);
	free(r->target);
	free(r->msg_desc);
	r->per = NULL;
	r->verdict = r->target = r->msg_desc = NULL;
	r->nper = 0;
}
