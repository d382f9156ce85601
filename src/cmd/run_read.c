/* Reading a `run --format json` report back (report.c's JSON) into report
 * items, so that merge can print the reports of run shards as one run's
 * report in any format: text, TAP, JUnit or JSON. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "merge.h"
#include "report.h"
#include "shard.h"
#include "util.h"

#define RR_MAX_ITEMS	1000000

/* A copy of o[key] as one line, every control character and invalid
 * UTF-8 byte escaped as \xNN (line_sanitize: a report from another
 * machine must not reach the reader's terminal as escapes); NULL when
 * missing or null. */
static char *
rr_str(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(o, key));
	size_t n;
	char *out;

	if (s == NULL)
		return NULL;
	n = strlen(s) * 4 + 1;
	out = xmalloc(n);
	line_sanitize(s, out, n);
	return out;
}

/* A copy of o[key] as text of several lines, escaped as report.c escapes
 * failure texts (text_sanitize: newlines and tabs kept); NULL when
 * missing or null. */
static char *
rr_text(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(o, key));

	return s != NULL ? text_sanitize(s) : NULL;
}

/* A copy of o[key], or "" when missing. */
static char *
rr_str0(const cJSON *o, const char *key)
{
	char *s = rr_str(o, key);

	return s != NULL ? s : xstrdup("");
}

/* rr_text, or "" when missing. */
static char *
rr_text0(const cJSON *o, const char *key)
{
	char *s = rr_text(o, key);

	return s != NULL ? s : xstrdup("");
}

/* o[key] as a whole number from 0 to 2^53, else def. */
static uint64_t
rr_uint(const cJSON *o, const char *key, uint64_t def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) ||
	    v->valuedouble > 9007199254740992.0 ||
	    v->valuedouble != floor(v->valuedouble))
		return def;
	return (uint64_t)v->valuedouble;
}

/* o[key] as a finite number, else def. */
static double
rr_num(const cJSON *o, const char *key, double def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return def;
	return v->valuedouble;
}

/* Decode standard base64; a new buffer and its length, or NULL. */
static unsigned char *
rr_base64(const char *s, size_t *outlen)
{
	static const char dig[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s), i, o = 0;
	unsigned char *out;
	uint32_t acc = 0;
	int bits = 0;

	if (n % 4 != 0)
		return NULL;
	out = xmalloc(n / 4 * 3 + 1);
	for (i = 0; i < n; i++) {
		const char *p;

		if (s[i] == '=') {
			if (i + 2 < n || (i + 1 < n && s[i + 1] != '='))
				goto bad;
			break;
		}
		if ((p = strchr(dig, s[i])) == NULL || s[i] == '\0')
			goto bad;
		acc = acc << 6 | (uint32_t)(p - dig);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	*outlen = o;
	return out;
bad:
	free(out);
	return NULL;
}

/* expected or received: {"base64": ...} or null; 0, or -1 if malformed. */
static int
rr_bytes(const cJSON *o, const char *key, unsigned char **p, size_t *n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	const char *s;

	*p = NULL;
	*n = 0;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v,
	    "base64"));
	if (s == NULL || (*p = rr_base64(s, n)) == NULL)
		return -1;
	return 0;
}

/* The failure groups of a scenario. */
static int
rr_groups(struct report_item *it, const cJSON *arr)
{
	const cJSON *j;
	int n = cJSON_GetArraySize(arr), i = 0;

	if (n <= 0)
		return 0;
	it->groups = xcalloc((size_t)n, sizeof(*it->groups));
	cJSON_ArrayForEach(j, arr) {
		struct report_group *g = &it->groups[i++];

		it->ngroups++;
		g->file = rr_str0(j, "file");
		g->line = (unsigned)rr_uint(j, "line", 0);
		g->step = rr_str0(j, "step");
		g->reason = rr_str0(j, "reason");
		g->count = rr_uint(j, "count", 0);
		g->conn = rr_uint(j, "connection", 0);
		g->text = rr_text0(j, "message");
		g->field = rr_str(j, "field");
		g->role = rr_str(j, "role");
		g->role_conn = rr_uint(j, "role_connection", 0);
		g->diff_offset = (size_t)rr_uint(j, "first_difference",
		    SIZE_MAX);
		g->measured = rr_num(j, "measured_seconds", -1);
		if (rr_bytes(j, "expected", &g->expected, &g->expected_len) < 0 ||
		    rr_bytes(j, "received", &g->received, &g->received_len) < 0)
			return -1;
	}
	return 0;
}

/* Warnings, thresholds and roles of a scenario. */
static void
rr_more(struct report_item *it, const cJSON *o)
{
	static const char *const units[] = { "us", "count", "percent" };
	const cJSON *arr, *j;
	int n, i, k;

	arr = cJSON_GetObjectItemCaseSensitive(o, "warnings");
	if ((n = cJSON_GetArraySize(arr)) > 0) {
		it->warnings = xcalloc((size_t)n, sizeof(*it->warnings));
		i = 0;
		cJSON_ArrayForEach(j, arr) {
			struct report_warning *w = &it->warnings[i++];

			w->text = rr_text0(j, "message");
			w->count = rr_uint(j, "count", 0);
			w->conn = rr_uint(j, "connection", 0);
		}
		it->nwarnings = (size_t)n;
	}
	it->warnings_other = rr_uint(o, "warnings_not_kept", 0);
	arr = cJSON_GetObjectItemCaseSensitive(o, "thresholds");
	if ((n = cJSON_GetArraySize(arr)) > 0) {
		it->thresholds = xcalloc((size_t)n, sizeof(*it->thresholds));
		i = 0;
		cJSON_ArrayForEach(j, arr) {
			struct report_threshold *t = &it->thresholds[i++];
			const char *u = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(j, "unit"));
			const char *m = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(j,
			    "measured_text"));

			t->text = rr_str0(j, "threshold");
			t->line = (unsigned)rr_uint(j, "line", 0);
			t->passed = cJSON_IsTrue(
			    cJSON_GetObjectItemCaseSensitive(j, "passed"));
			t->measured = rr_num(j, "measured", -1);
			t->metric = -1;
			for (k = 0; u != NULL && k < 3; k++)
				if (strcmp(u, units[k]) == 0)
					t->metric = k;
			line_sanitize(m != NULL ? m : "", t->shown,
			    sizeof(t->shown));
			if (!t->passed)
				it->thresholds_failed++;
		}
		it->nthresholds = (size_t)n;
	}
	arr = cJSON_GetObjectItemCaseSensitive(o, "roles");
	if ((n = cJSON_GetArraySize(arr)) > 0) {
		it->roles = xcalloc((size_t)n, sizeof(*it->roles));
		i = 0;
		cJSON_ArrayForEach(j, arr) {
			struct report_role *r = &it->roles[i++];

			r->name = rr_str0(j, "name");
			r->conns = rr_uint(j, "connections", 0);
			r->passed = rr_uint(j, "passed", 0);
			r->failed = rr_uint(j, "failed", 0);
		}
		it->nroles = (size_t)n;
	}
}

/* A new item at the end of rep, empty. */
static struct report_item *
rr_item(struct report *rep)
{
	struct report_item *it;

	rep->items = xrealloc(rep->items, (rep->n + 1) * sizeof(*rep->items));
	it = &rep->items[rep->n++];
	memset(it, 0, sizeof(*it));
	hist_init(&it->latency);
	return it;
}

/* One scenario that ran (or was skipped); 0, or -1 with err. */
static int
rr_scenario(struct report *rep, const cJSON *o, char *err, size_t errlen)
{
	struct report_item *it = rr_item(rep);
	const cJSON *sk = cJSON_GetObjectItemCaseSensitive(o, "skipped");

	it->path = rr_str0(o, "file");
	if (cJSON_IsString(sk)) {
		it->name = xstrdup("");
		it->title = xstrdup(it->path);
		it->target = xstrdup("");
		it->skipped = 1;
		it->failure = text_sanitize(sk->valuestring);
		return 0;
	}
	it->name = rr_str0(o, "name");
	it->title = rr_str(o, "test");
	if (it->title == NULL)
		it->title = xstrdup(it->path);
	it->target = rr_str0(o, "target");
	it->passed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "passed"));
	it->seconds = rr_num(o, "seconds", 0);
	it->conns = rr_uint(o, "connections", 0);
	it->conns_passed = rr_uint(o, "connections_passed", 0);
	it->conns_failed = rr_uint(o, "connections_failed", 0);
	it->sends = rr_uint(o, "sends", 0);
	it->expects = rr_uint(o, "expects", 0);
	it->failure = rr_text(o, "failure");
	it->summary = rr_text(o, "summary");
	it->other = rr_uint(o, "failures_not_grouped", 0);
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "file")) ||
	    !cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(o, "passed"))) {
		snprintf(err, errlen, "a scenario without file or passed");
		return -1;
	}
	if (hist_json_decode(&it->latency, cJSON_GetObjectItemCaseSensitive(o,
	    "latency_histogram")) < 0) {
		snprintf(err, errlen, "%s: no latency_histogram (a report of a "
		    "sockbench before merge existed?)", it->path);
		return -1;
	}
	if (rr_groups(it, cJSON_GetObjectItemCaseSensitive(o, "failures")) < 0) {
		snprintf(err, errlen, "%s: failures: bytes not in base64",
		    it->path);
		return -1;
	}
	rr_more(it, o);
	return 0;
}

/* One file that did not parse: {"file", "line", "column", "message"}. */
static void
rr_error(struct report *rep, const cJSON *o)
{
	struct report_item *it = rr_item(rep);

	it->path = rr_str0(o, "file");
	it->name = xstrdup("");
	it->title = xstrdup(it->path);
	it->target = xstrdup("");
	it->error = 1;
	it->failure = rr_text0(o, "message");
	it->line = (unsigned)rr_uint(o, "line", 0);
	it->col = (unsigned)rr_uint(o, "column", 0);
}

/* The report's "shard": {"index", "total"} (run --shard) into rep, or
 * total 0 when null or absent; -1 with err when it is malformed. */
static int
rr_shard(const cJSON *root, struct report *rep, char *err, size_t errlen)
{
	const cJSON *sh = cJSON_GetObjectItemCaseSensitive(root, "shard");
	uint64_t i, n;

	rep->shard_index = rep->shard_total = 0;
	if (sh == NULL || cJSON_IsNull(sh))
		return 0;
	i = rr_uint(sh, "index", UINT64_MAX);
	n = rr_uint(sh, "total", UINT64_MAX);
	if (!cJSON_IsObject(sh) || n == 0 || n > SHARD_MAX || i >= n) {
		snprintf(err, errlen, "shard: not {\"index\": I, \"total\": "
		    "N} with 0 <= I < N <= %d", SHARD_MAX);
		return -1;
	}
	rep->shard_index = (int)i;
	rep->shard_total = (int)n;
	return 0;
}

/* Add the scenarios of a run JSON report to rep. */
int
run_read_json(struct report *rep, const char *text, size_t len, char *err,
    size_t errlen)
{
	struct report tmp;
	cJSON *root = cJSON_ParseWithLength(text, len);
	const cJSON *arr, *errs, *o;
	int rc = 0;

	memset(&tmp, 0, sizeof(tmp));
	arr = cJSON_GetObjectItemCaseSensitive(root, "scenarios");
	errs = cJSON_GetObjectItemCaseSensitive(root, "errors");
	if (!cJSON_IsObject(root) || !cJSON_IsArray(arr) ||
	    !cJSON_IsArray(errs) || cJSON_GetArraySize(arr) +
	    cJSON_GetArraySize(errs) > RR_MAX_ITEMS) {
		snprintf(err, errlen, "not a run JSON report (no scenarios "
		    "and errors arrays)");
		cJSON_Delete(root);
		return -1;
	}
	cJSON_ArrayForEach(o, errs)
		if (cJSON_IsObject(o))
			rr_error(&tmp, o);
	cJSON_ArrayForEach(o, arr)
		if (rc == 0 && (!cJSON_IsObject(o) ||
		    rr_scenario(&tmp, o, err, errlen) < 0)) {
			if (!cJSON_IsObject(o))
				snprintf(err, errlen, "a scenario is not an "
				    "object");
			rc = -1;
		}
	tmp.seconds = rr_num(root, "seconds", 0);
	if (rc == 0 && rr_shard(root, &tmp, err, errlen) < 0)
		rc = -1;
	if (rc == 0) {
		rep->shard_index = tmp.shard_index;
		rep->shard_total = tmp.shard_total;
		if (tmp.seconds > rep->seconds)
			rep->seconds = tmp.seconds;
		report_move(rep, &tmp);
	}
	report_free(&tmp);
	cJSON_Delete(root);
	return rc;
}
