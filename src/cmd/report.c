/* Reports of a headless run in text, TAP, JUnit XML and JSON. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "tls_cli.h"
#include <cjson/cJSON.h>
#include "buf.h"
#include "report.h"
#include "threshold.h"
#include "util.h"

/* The test's name for TAP and JUnit: the `name` directive when the file
 * has one (the parser's default is the file's base name), else the path,
 * which tells two files of the same name apart. */
static const char *
report_title(const struct scenario *sc)
{
	const char *slash = strrchr(sc->path, '/');
	const char *base = slash != NULL ? slash + 1 : sc->path;

	if (sc->name != NULL && sc->name[0] != '\0' &&
	    strcmp(sc->name, base) != 0)
		return sc->name;
	return sc->path;
}

int
report_format_parse(const char *s)
{
	if (strcmp(s, "text") == 0)
		return REPORT_TEXT;
	if (strcmp(s, "tap") == 0)
		return REPORT_TAP;
	if (strcmp(s, "junit") == 0)
		return REPORT_JUNIT;
	if (strcmp(s, "json") == 0)
		return REPORT_JSON;
	return -1;
}

/* A copy of n bytes, NULL for none. */
static unsigned char *
report_bytes(const unsigned char *p, size_t n)
{
	unsigned char *q;

	if (p == NULL)
		return NULL;
	q = xmalloc(n + 1);
	memcpy(q, p, n);
	q[n] = '\0';
	return q;
}

/* Make room for one more group in it. */
static struct report_group *
report_group_new(struct report_item *it)
{
	struct report_group *g;

	it->groups = xrealloc(it->groups, (it->ngroups + 1) *
	    sizeof(*it->groups));
	g = &it->groups[it->ngroups++];
	memset(g, 0, sizeof(*g));
	g->diff_offset = SIZE_MAX;
	g->measured = -1;
	return g;
}

/* The reason a failure report's words give, for a runner that filled no
 * groups: the runner's own texts say "timed out", "first difference",
 * "could not open", "closed" or "reset". */
static const char *
report_guess_reason(const char *text)
{
	if (strstr(text, "timed out") != NULL || strstr(text, "timeout") != NULL)
		return "timeout";
	if (strstr(text, "first difference") != NULL ||
	    strstr(text, "did not match") != NULL ||
	    strstr(text, "mismatch") != NULL)
		return "mismatch";
	if (strstr(text, "reset") != NULL)
		return "reset";
	if (strstr(text, "closed") != NULL)
		return "closed";
	return "error";
}

/* One group from res->failure, the only failure an older runner keeps. */
static void
report_group_fallback(struct report_item *it, const struct scenario *sc,
    const struct run_result *res)
{
	struct report_group *g = report_group_new(it);
	const char *step = "connect", *p;
	size_t i;

	for (i = 0; i < sc->nsteps && res->fail_line > 0; i++)
		if (sc->steps[i].line == res->fail_line) {
			step = step_kind_name(sc->steps[i].kind);
			break;
		}
	g->file = xstrdup(sc->path);
	g->line = res->fail_line;
	g->step = xstrdup(step);
	g->reason = xstrdup(strstr(res->failure, "could not open") != NULL ?
	    "error" : report_guess_reason(res->failure));
	g->count = 1;
	g->conn = res->fail_conn;
	g->text = text_sanitize(res->failure);
	if ((p = strstr(res->failure, "first difference at byte ")) != NULL)
		g->diff_offset = (size_t)strtoull(p + 25, NULL, 10);
	it->other = res->failed > 1 ? res->failed - 1 : 0;
}

static void report_role_lines(FILE *f, const struct report_item *it,
    const char *indent);

/* "file:line" of a group, or "file" for line 0 (before any step). */
static void
report_at(char *out, size_t outlen, const struct report_group *g)
{
	if (g->line > 0)
		snprintf(out, outlen, "%s:%u", g->file, g->line);
	else
		snprintf(out, outlen, "%s", g->file);
}

/* The location an example's first line starts with, as compilers write
 * it ("f.txt:12: connection 4: "), or "" for a group with none. */
static void
report_example_at(char *out, size_t outlen, const struct report_group *g)
{
	if (g->conn > 0 && g->line > 0 && g->role != NULL)
		snprintf(out, outlen, "%s:%u: connection %llu (%s #%llu): ",
		    g->file, g->line, (unsigned long long)g->conn, g->role,
		    (unsigned long long)g->role_conn);
	else if (g->conn > 0 && g->line > 0)
		snprintf(out, outlen, "%s:%u: connection %llu: ", g->file,
		    g->line, (unsigned long long)g->conn);
	else
		out[0] = '\0';
}

/* Add "N connections failed at f:L (reason), N at ..." to b. */
static void
report_summary_groups(struct buf *b, const struct report_item *it)
{
	char line[512];
	size_t i;

	for (i = 0; i < it->ngroups; i++) {
		const struct report_group *g = &it->groups[i];

		char at[300];

		report_at(at, sizeof(at), g);
		if (g->line == 0 && strcmp(g->step, "connect") == 0)
			/* No step ran: the connect itself failed. */
			snprintf(line, sizeof(line), "%s%llu%s to connect (%s)",
			    i > 0 ? ", " : "", (unsigned long long)g->count,
			    i > 0 ? " failed" : g->count == 1 ?
			    " connection failed" : " connections failed",
			    g->reason);
		else
			snprintf(line, sizeof(line), "%s%llu%s at %s (%s)",
			    i > 0 ? ", " : "", (unsigned long long)g->count,
			    i > 0 ? "" : g->count == 1 ? " connection failed" :
			    " connections failed", at, g->reason);
		buf_append(b, line, strlen(line));
	}
	if (it->other > 0) {
		snprintf(line, sizeof(line), "%s%llu %s", it->ngroups > 0 ?
		    ", " : "", (unsigned long long)it->other, it->ngroups > 0 ?
		    "more at steps not grouped" :
		    "connections failed at steps not grouped");
		buf_append(b, line, strlen(line));
	}
}

/* The one-line summary of a failed item. */
static char *
report_summary(const struct report_item *it)
{
	struct buf b;
	char line[512];
	size_t i;
	char *s;

	buf_init(&b);
	report_summary_groups(&b, it);
	for (i = 0; i < it->nroles; i++) {
		snprintf(line, sizeof(line), "%s%s %llu/%llu passed", i == 0 ?
		    "; roles: " : ", ", it->roles[i].name,
		    (unsigned long long)it->roles[i].passed,
		    (unsigned long long)it->roles[i].conns);
		buf_append(&b, line, strlen(line));
	}
	for (i = 0; i < it->nthresholds; i++) {
		const struct report_threshold *t = &it->thresholds[i];

		if (t->passed)
			continue;
		snprintf(line, sizeof(line), "%s%s:%u: threshold %s failed: "
		    "measured %s", buf_len(&b) > 0 ? "; " : "", it->path,
		    t->line, t->text, t->shown);
		buf_append(&b, line, strlen(line));
	}
	if (buf_len(&b) == 0 && it->failure != NULL) {
		const char *nl = strchr(it->failure, '\n');

		buf_append(&b, it->failure, nl != NULL ? (size_t)(nl -
		    it->failure) : strlen(it->failure));
	}
	buf_append(&b, "", 1);
	s = text_sanitize((const char *)buf_data(&b));
	buf_free(&b);
	return s;
}

/* Check every threshold of sc against res into it. */
static void
report_thresholds(struct report_item *it, const struct scenario *sc,
    const struct run_result *res)
{
	size_t i;

	if (sc->nasserts == 0)
		return;
	it->thresholds = xcalloc(sc->nasserts, sizeof(*it->thresholds));
	it->nthresholds = sc->nasserts;
	for (i = 0; i < sc->nasserts; i++) {
		const struct scenario_assert *a = &sc->asserts[i];
		struct report_threshold *t = &it->thresholds[i];

		t->line = a->line;
		t->text = text_sanitize(a->text != NULL ? a->text : "");
		t->metric = (int)a->metric;
		t->passed = threshold_check(a, res, &t->measured);
		threshold_format(a, t->measured, t->shown, sizeof(t->shown));
		if (!t->passed)
			it->thresholds_failed++;
	}
}

void
report_add(struct report *rep, const struct scenario *sc, const char *target,
    const struct run_result *res, const char *stopped)
{
	struct report_item *it;
	uint64_t failed = res->failed, unfinished = 0;
	size_t i;

	rep->items = xrealloc(rep->items, (rep->n + 1) * sizeof(*rep->items));
	it = &rep->items[rep->n++];
	memset(it, 0, sizeof(*it));
	it->path = xstrdup(sc->path);
	it->name = xstrdup(sc->name);
	it->title = xstrdup(report_title(sc));
	it->target = xstrdup(target);
	if (stopped != NULL && !res->done && res->conns > res->passed +
	    res->failed)
		unfinished = res->conns - res->passed - res->failed;
	failed += unfinished;	/* unfinished is not passed */
	it->conns = res->conns;
	it->conns_passed = res->passed;
	it->conns_failed = failed;
	it->sends = res->sends;
	it->expects = res->expects;
	it->seconds = res->t_end > res->t_start ? res->t_end - res->t_start : 0;
	it->latency = res->latency;
	for (i = 0; i < res->ngroups && i < RUN_MAX_GROUPS; i++) {
		const struct run_failure *f = &res->groups[i];
		struct report_group *g = report_group_new(it);

		g->file = xstrdup(f->file != NULL ? f->file : sc->path);
		g->line = f->line;
		g->step = xstrdup(f->step != NULL ? f->step : "");
		g->reason = xstrdup(f->reason != NULL ? f->reason : "error");
		g->count = f->count;
		g->conn = f->conn;
		g->text = text_sanitize(f->text != NULL ? f->text : "");
		g->expected = report_bytes(f->expected, f->expected_len);
		g->expected_len = f->expected != NULL ? f->expected_len : 0;
		g->received = report_bytes(f->received, f->received_len);
		g->received_len = f->received != NULL ? f->received_len : 0;
		g->diff_offset = f->diff_offset;
		g->measured = f->measured;
		g->field = f->field != NULL ? xstrdup(f->field) : NULL;
		g->hex = f->hex;
		g->role = f->role != NULL ? xstrdup(f->role) : NULL;
		g->role_conn = f->role_conn;
		g->has_tls = f->has_tls;
		g->tls = f->tls;
	}
	if (res->nroles > 0) {
		it->roles = xcalloc(res->nroles, sizeof(*it->roles));
		it->nroles = res->nroles;
		for (i = 0; i < res->nroles; i++) {
			it->roles[i].name = xstrdup(res->roles[i].name != NULL ?
			    res->roles[i].name : "");
			it->roles[i].conns = res->roles[i].conns;
			it->roles[i].passed = res->roles[i].passed;
			it->roles[i].failed = res->roles[i].failed;
		}
	}
	it->other = res->other;
	if (res->ngroups == 0 && res->failure != NULL)
		report_group_fallback(it, sc, res);
	else {
		/* Every failed connection is counted once: what the groups
		 * miss is "not grouped", never dropped. */
		uint64_t grouped = it->other;

		for (i = 0; i < it->ngroups; i++)
			grouped += it->groups[i].count;
		if (grouped < res->failed)
			it->other += res->failed - grouped;
	}
	if (unfinished > 0) {
		struct report_group *g = report_group_new(it);
		char text[300];

		snprintf(text, sizeof(text), "%s: stopped after %s with %llu of "
		    "%llu connections unfinished", sc->path, stopped,
		    (unsigned long long)unfinished,
		    (unsigned long long)res->conns);
		g->file = xstrdup(sc->path);
		g->step = xstrdup("run");
		g->reason = xstrdup("stopped");
		g->count = unfinished;
		g->text = xstrdup(text);
	}
	if (res->nwarnings > 0) {
		it->warnings = xcalloc(res->nwarnings, sizeof(*it->warnings));
		for (i = 0; i < res->nwarnings && i < RUN_MAX_WARNINGS; i++) {
			it->warnings[i].text = text_sanitize(
			    res->warnings[i].text);
			it->warnings[i].count = res->warnings[i].count;
			it->warnings[i].conn = res->warnings[i].conn;
		}
		it->nwarnings = i;
	}
	it->warnings_other = res->warnings_other;
	report_thresholds(it, sc, res);
	it->passed = failed == 0 && res->failure == NULL &&
	    res->passed == res->conns && it->thresholds_failed == 0;
	/* A failure may quote a peer's bytes (a codec's error): keep every
	 * format valid UTF-8 without control characters. */
	if (!it->passed) {
		if (res->failure != NULL)
			it->failure = text_sanitize(res->failure);
		else if (it->ngroups > 0)
			it->failure = xstrdup(it->groups[0].text);
		else if (failed > 0 || res->passed != res->conns)
			it->failure = xstrdup("not every connection finished "
			    "its script");
		it->summary = report_summary(it);
		if (it->failure == NULL)
			it->failure = xstrdup(it->summary);
	}
}

void
report_move(struct report *dst, struct report *src)
{
	if (src->n == 0)
		return;
	dst->items = xrealloc(dst->items, (dst->n + src->n) *
	    sizeof(*dst->items));
	memcpy(dst->items + dst->n, src->items, src->n * sizeof(*src->items));
	dst->n += src->n;
	free(src->items);
	src->items = NULL;
	src->n = 0;
}

void
report_add_error(struct report *rep, const char *path, const char *text)
{
	struct report_item *it;
	size_t pl = strlen(path);
	const char *q;
	char *end;

	rep->items = xrealloc(rep->items, (rep->n + 1) * sizeof(*rep->items));
	it = &rep->items[rep->n++];
	memset(it, 0, sizeof(*it));
	it->path = xstrdup(path);
	it->name = xstrdup("");
	it->title = xstrdup(path);
	it->target = xstrdup("");
	it->error = 1;
	it->failure = text_sanitize(text);
	/* "path:line:col: message": keep line and column for the machines. */
	if (strncmp(text, path, pl) == 0 && text[pl] == ':' &&
	    text[pl + 1] >= '0' && text[pl + 1] <= '9') {
		q = text + pl + 1;
		it->line = (unsigned)strtoul(q, &end, 10);
		if (*end == ':' && end[1] >= '0' && end[1] <= '9')
			it->col = (unsigned)strtoul(end + 1, &end, 10);
	}
}

void
report_add_skipped(struct report *rep, const char *path, const char *why)
{
	struct report_item *it;

	rep->items = xrealloc(rep->items, (rep->n + 1) * sizeof(*rep->items));
	it = &rep->items[rep->n++];
	memset(it, 0, sizeof(*it));
	it->path = xstrdup(path);
	it->name = xstrdup("");
	it->title = xstrdup(path);
	it->target = xstrdup("");
	it->skipped = 1;
	it->failure = text_sanitize(why);
}

size_t
report_errors(const struct report *rep)
{
	size_t i, n = 0;

	for (i = 0; i < rep->n; i++)
		n += rep->items[i].error;
	return n;
}

/* Scenarios not run because of another's error. */
static size_t
report_skipped(const struct report *rep)
{
	size_t i, n = 0;

	for (i = 0; i < rep->n; i++)
		n += rep->items[i].skipped;
	return n;
}

size_t
report_passed(const struct report *rep)
{
	size_t i, n = 0;

	for (i = 0; i < rep->n; i++)
		n += rep->items[i].passed;
	return n;
}

/* Format microseconds for people: 850us, 1.25ms, 2.0s. */
static void
report_usec(char *out, size_t outlen, uint64_t us)
{
	if (us < 1000)
		snprintf(out, outlen, "%lluus", (unsigned long long)us);
	else if (us < 1000000)
		snprintf(out, outlen, "%.2fms", (double)us / 1e3);
	else
		snprintf(out, outlen, "%.2fs", (double)us / 1e6);
}

/* Print one line per threshold of it. */
static void
report_threshold_lines(FILE *f, const struct report_item *it,
    const char *indent)
{
	size_t i;

	for (i = 0; i < it->nthresholds; i++) {
		const struct report_threshold *t = &it->thresholds[i];

		fprintf(f, "%s%s:%u: threshold %s %s: measured %s\n", indent,
		    it->path, t->line, t->text, t->passed ? "passed" : "failed",
		    t->shown);
	}
}

/* One line per connection warning of it: "warning: connection N: text
 * (K times)", after prefix and indent. */
static void
report_warning_lines(FILE *f, const struct report_item *it,
    const char *indent, const char *prefix)
{
	size_t i;

	for (i = 0; i < it->nwarnings; i++) {
		const struct report_warning *w = &it->warnings[i];

		fprintf(f, "%s%swarning: connection %llu: %s", prefix, indent,
		    (unsigned long long)w->conn, w->text);
		if (w->count > 1)
			fprintf(f, " (%llu times)", (unsigned long long)w->count);
		fprintf(f, "\n");
	}
	if (it->warnings_other > 0)
		fprintf(f, "%s%swarning: %llu more warnings not kept\n", prefix,
		    indent, (unsigned long long)it->warnings_other);
}

void
report_line(FILE *f, const struct report_item *it)
{
	char p50[32] = "-", p99[32] = "-";

	if (it->error || it->skipped) {
		fprintf(f, "%s %s  %s\n", it->error ? "ERROR" : "SKIP",
		    it->path, it->failure);
		return;
	}
	if (hist_count(&it->latency) > 0) {
		report_usec(p50, sizeof(p50), hist_value_at(&it->latency, 50));
		report_usec(p99, sizeof(p99), hist_value_at(&it->latency, 99));
	}
	fprintf(f, "%s %s  %llu/%llu connections  %.2fs  latency p50 %s p99 %s\n",
	    it->passed ? "PASS" : "FAIL", it->path,
	    (unsigned long long)it->conns_passed,
	    (unsigned long long)it->conns, it->seconds, p50, p99);
	report_role_lines(f, it, "    ");
	report_threshold_lines(f, it, "    ");
	report_warning_lines(f, it, "    ", "");
}

static void report_indent_from(FILE *f, const char *text, const char *first,
    const char *indent);

/* One line per role: "role subscriber: 3/3 connections passed". */
static void
report_role_lines(FILE *f, const struct report_item *it, const char *indent)
{
	size_t i;

	for (i = 0; i < it->nroles; i++)
		fprintf(f, "%srole %s: %llu/%llu connections passed\n", indent,
		    it->roles[i].name, (unsigned long long)it->roles[i].passed,
		    (unsigned long long)it->roles[i].conns);
}

/* " (subscriber #2)" after a connection number, or "". */
static const char *
report_role_of(const struct report_group *g, char *out, size_t outlen)
{
	if (g->role == NULL)
		return "";
	snprintf(out, outlen, " (%s #%llu)", g->role,
	    (unsigned long long)g->role_conn);
	return out;
}

/* Print text with every line indented. */
static void
report_indent(FILE *f, const char *text, const char *indent)
{
	report_indent_from(f, text, indent, indent);
}

/* As report_indent, with the first line after first instead of indent. */
static void
report_indent_from(FILE *f, const char *text, const char *first,
    const char *indent)
{
	const char *p = text, *nl;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		fprintf(f, "%s%.*s\n", p == text ? first : indent,
		    (int)(nl ? nl - p : (long)strlen(p)), p);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

/* Every failure group of it, each with its first example in full, then
 * the thresholds. */
static void
report_failure_detail(FILE *f, const struct report_item *it,
    const char *indent)
{
	char in2[32], ex[400];
	size_t i;

	snprintf(in2, sizeof(in2), "%s    ", indent);
	for (i = 0; i < it->ngroups; i++) {
		const struct report_group *g = &it->groups[i];

		char at[300];

		report_at(at, sizeof(at), g);
		if (g->line == 0 && strcmp(g->step, "connect") == 0)
			fprintf(f, "%s%llu failed to connect to %s (%s)", indent,
			    (unsigned long long)g->count, it->target, g->reason);
		else
			fprintf(f, "%s%llu at %s (%s %s)", indent,
			    (unsigned long long)g->count, at, g->step,
			    g->reason);
		if (g->conn > 0) {
			char who[96];

			fprintf(f, ", first: connection %llu%s",
			    (unsigned long long)g->conn, report_role_of(g, who,
			    sizeof(who)));
		}
		fprintf(f, "\n");
		/* The example's first line, located as a compiler message
		 * is (editors jump to it). */
		report_example_at(ex, sizeof(ex), g);
		fprintf(f, "%s%s", in2, ex);
		report_indent_from(f, g->text, "", in2);
		if (g->has_tls) {
			char tl[800];

			tls_info_text(&g->tls, tl, sizeof(tl));
			fprintf(f, "%stls: connection %llu: %s\n", in2,
			    (unsigned long long)g->conn, tl);
		}
	}
	if (it->other > 0)
		fprintf(f, "%s%llu at steps not grouped (no example kept)\n",
		    indent, (unsigned long long)it->other);
	report_threshold_lines(f, it, indent);
}

/* The text report: failures in full, then the summary line. */
static void
report_text(FILE *f, const struct report *rep)
{
	size_t i, passed = report_passed(rep);

	size_t errors = report_errors(rep), skipped = report_skipped(rep);

	for (i = 0; i < rep->n; i++) {
		const struct report_item *it = &rep->items[i];

		if (it->passed || it->skipped)
			continue;
		if (it->error) {
			fprintf(f, "\n--- %s: not run\n", it->path);
			report_indent(f, it->failure, "    ");
			continue;
		}
		fprintf(f, "\n--- %s (%s) against %s\n", it->path, it->name,
		    it->target);
		fprintf(f, "    %llu of %llu connections failed",
		    (unsigned long long)it->conns_failed,
		    (unsigned long long)it->conns);
		if (it->thresholds_failed > 0)
			fprintf(f, ", %zu of %zu thresholds failed",
			    it->thresholds_failed, it->nthresholds);
		fprintf(f, ": %s\n", it->summary);
		report_failure_detail(f, it, "    ");
	}
	if (passed < rep->n)
		fprintf(f, "\n");
	if (rep->tls != NULL)
		tls_summary_text(f, rep->tls);
	fprintf(f, "%zu passed, %zu failed", passed, rep->n - passed - errors -
	    skipped);
	if (errors > 0)
		fprintf(f, ", %zu errors (not run), %zu skipped",
		    errors, skipped);
	fprintf(f, "\n");
}

/* A string as a YAML double-quoted scalar (JSON's escapes are YAML's). */
static void
report_yaml_str(FILE *f, const char *s)
{
	cJSON *tmp = cJSON_CreateString(s);
	char *q = cJSON_PrintUnformatted(tmp);

	fputs(q, f);
	free(q);
	cJSON_Delete(tmp);
}

/* A test point's description: '#' would start a directive (a name "a #
 * SKIP b" would skip), so it and a backslash are escaped as TAP 13 says; a
 * control character becomes a space (a newline would end the line). */
static void
report_tap_desc(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '#' || *s == '\\')
			fputc('\\', f);
		fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
	}
}

/* TAP version 13 with a YAML block for each failure, and the thresholds. */
static void
report_tap(FILE *f, const struct report *rep)
{
	size_t i, j;

	fprintf(f, "TAP version 13\n1..%zu\n", rep->n);
	for (i = 0; i < rep->n; i++) {
		const struct report_item *it = &rep->items[i];

		if (it->skipped) {
			fprintf(f, "ok %zu - ", i + 1);
			report_tap_desc(f, it->title);
			fprintf(f, " # SKIP %s\n", it->failure);
			continue;
		}
		/* TAP has no file field: a named test says its file after. */
		fprintf(f, "%sok %zu - ", it->passed ? "" : "not ", i + 1);
		report_tap_desc(f, it->title);
		if (strcmp(it->title, it->path) != 0) {
			fprintf(f, " (");
			report_tap_desc(f, it->path);
			fprintf(f, ")");
		}
		fprintf(f, "%s\n", it->error ? " # error: not run" : "");
		report_warning_lines(f, it, "", "# ");
		if (it->passed && it->nthresholds == 0 && it->nroles == 0)
			continue;
		fprintf(f, "  ---\n");
		if (!it->passed) {
			fprintf(f, "  message: ");
			report_yaml_str(f, it->summary != NULL ? it->summary :
			    it->failure);
			fprintf(f, "\n");
		}
		if (it->ngroups > 0)
			fprintf(f, "  failures:\n");
		for (j = 0; j < it->ngroups; j++) {
			const struct report_group *g = &it->groups[j];
			char ex[400];

			fprintf(f, "    - file: ");
			report_yaml_str(f, g->file);
			fprintf(f, "\n      line: %u\n      step: %s\n"
			    "      reason: %s\n      count: %llu\n",
			    g->line, g->step, g->reason,
			    (unsigned long long)g->count);
			if (g->role != NULL) {
				fprintf(f, "      role: ");
				report_yaml_str(f, g->role);
				fprintf(f, "\n      role_connection: %llu\n",
				    (unsigned long long)g->role_conn);
			}
			fprintf(f, "      example: |\n");
			report_example_at(ex, sizeof(ex), g);
			fprintf(f, "        %s", ex);
			report_indent_from(f, g->text, "", "        ");
		}
		if (it->other > 0)
			fprintf(f, "  not_grouped: %llu\n",
			    (unsigned long long)it->other);
		if (it->nroles > 0)
			fprintf(f, "  roles:\n");
		for (j = 0; j < it->nroles; j++) {
			fprintf(f, "    - role: ");
			report_yaml_str(f, it->roles[j].name);
			fprintf(f, "\n      connections: %llu\n      passed: "
			    "%llu\n      failed: %llu\n",
			    (unsigned long long)it->roles[j].conns,
			    (unsigned long long)it->roles[j].passed,
			    (unsigned long long)it->roles[j].failed);
		}
		if (it->nthresholds > 0)
			fprintf(f, "  thresholds:\n");
		for (j = 0; j < it->nthresholds; j++) {
			const struct report_threshold *t = &it->thresholds[j];

			fprintf(f, "    - threshold: ");
			report_yaml_str(f, t->text);
			fprintf(f, "\n      line: %u\n      passed: %s\n"
			    "      measured: \"%s\"\n", t->line, t->passed ?
			    "true" : "false", t->shown);
		}
		if (it->error && it->ngroups == 0) {
			fprintf(f, "  detail: |\n");
			report_indent(f, it->failure, "    ");
		}
		fprintf(f, "  ...\n");
	}
	fprintf(f, "# %zu passed, %zu failed, %zu errors, %zu skipped\n",
	    report_passed(rep), rep->n - report_passed(rep) -
	    report_errors(rep) - report_skipped(rep), report_errors(rep),
	    report_skipped(rep));
}

/* Write s with XML's special characters escaped, dropping bytes XML 1.0
 * cannot carry. */
static void
report_xml(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if (c >= 0x20 || c == '\n' || c == '\t')
				fputc(c, f);
		}
	}
}

/* A testcase's connection warnings, as its <system-err>. */
static void
report_junit_warnings(FILE *f, const struct report_item *it)
{
	char *body = NULL;
	size_t blen = 0;
	FILE *m;

	if (it->nwarnings == 0 && it->warnings_other == 0)
		return;
	m = open_memstream(&body, &blen);
	report_warning_lines(m, it, "", "");
	fclose(m);
	fprintf(f, "      <system-err>");
	report_xml(f, body);
	fprintf(f, "</system-err>\n");
	free(body);
}

/* One JUnit <property>, its value escaped. */
static void
report_junit_prop(FILE *f, const char *indent, const char *name,
    const char *value)
{
	fprintf(f, "%s<property name=\"", indent);
	report_xml(f, name);
	fprintf(f, "\" value=\"");
	report_xml(f, value);
	fprintf(f, "\"/>\n");
}

/* The run's TLS summary as the testsuite's properties: tls.version ...,
 * and tls.connection.ID for each connection kept (docs/tls.md). */
static void
report_junit_tls(FILE *f, const struct tls_summary *s)
{
	char v[800], name[64];
	size_t i;

	if (s == NULL || !s->on)
		return;
	fprintf(f, "    <properties>\n");
	report_junit_prop(f, "      ", "tls.insecure", s->insecure ? "true" :
	    "false");
	snprintf(v, sizeof(v), "%llu", (unsigned long long)s->handshakes);
	report_junit_prop(f, "      ", "tls.handshakes", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)s->resumed);
	report_junit_prop(f, "      ", "tls.resumed", v);
	if (s->handshakes > 0) {
		report_junit_prop(f, "      ", "tls.version", s->first.version);
		report_junit_prop(f, "      ", "tls.cipher", s->first.cipher);
		report_junit_prop(f, "      ", "tls.alpn", s->first.alpn);
		report_junit_prop(f, "      ", "tls.peer_subject",
		    s->first.subject);
		report_junit_prop(f, "      ", "tls.peer_issuer",
		    s->first.issuer);
		report_junit_prop(f, "      ", "tls.peer_not_after",
		    s->first.not_after);
	}
	for (i = 0; i < s->nconns; i++) {
		snprintf(name, sizeof(name), "tls.connection.%llu",
		    (unsigned long long)s->conns[i].id);
		tls_info_text(&s->conns[i].tls, v, sizeof(v));
		report_junit_prop(f, "      ", name, v);
	}
	fprintf(f, "    </properties>\n");
}

/* A failed testcase's properties: each failure example's TLS details,
 * tls.connection.N (N the scenario's connection number). */
static void
report_junit_group_tls(FILE *f, const struct report_item *it)
{
	char v[800], name[64];
	size_t i;
	int any = 0;

	for (i = 0; i < it->ngroups; i++) {
		const struct report_group *g = &it->groups[i];

		if (!g->has_tls)
			continue;
		if (!any++)
			fprintf(f, "      <properties>\n");
		snprintf(name, sizeof(name), "tls.connection.%llu",
		    (unsigned long long)g->conn);
		tls_info_text(&g->tls, v, sizeof(v));
		report_junit_prop(f, "        ", name, v);
	}
	if (any)
		fprintf(f, "      </properties>\n");
}

/*
 * JUnit XML as CI systems read it: one testcase per scenario, named by its
 * `name` directive (else its path), with file= for GitLab. A failed
 * scenario carries ONE <failure> whose message is the one-line summary
 * (every group and failed threshold) and whose body has every group's
 * example in full and every threshold's result: the JUnit schema Jenkins
 * and GitLab follow allows one failure per testcase, and both show only
 * one. Thresholds are not testcases of their own, so the test count is the
 * count of scenarios and a scenario with a failed threshold is one failed
 * test, not "1 of 4". Thresholds of a passing scenario go to system-out.
 */
static void
report_junit(FILE *f, const struct report *rep)
{
	size_t i, errors = report_errors(rep), skipped = report_skipped(rep);
	size_t failures = rep->n - report_passed(rep) - errors - skipped;

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
	    "skipped=\"%zu\" time=\"%.3f\">\n", rep->n, failures, errors,
	    skipped, rep->seconds);
	fprintf(f, "  <testsuite name=\"sockbench\" tests=\"%zu\" "
	    "failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
	    "time=\"%.3f\">\n", rep->n, failures, errors, skipped,
	    rep->seconds);
	report_junit_tls(f, rep->tls);
	for (i = 0; i < rep->n; i++) {
		const struct report_item *it = &rep->items[i];

		fprintf(f, "    <testcase classname=\"sockbench.scenario\" "
		    "name=\"");
		report_xml(f, it->title);
		fprintf(f, "\" file=\"");
		report_xml(f, it->path);
		fprintf(f, "\" time=\"%.3f\"", it->seconds);
		if (it->passed && it->nthresholds == 0 && it->nwarnings == 0 &&
		    it->warnings_other == 0) {
			fprintf(f, "/>\n");
			continue;
		}
		fprintf(f, ">\n");
		if (it->passed && it->nthresholds == 0) {
			report_junit_warnings(f, it);
			fprintf(f, "    </testcase>\n");
			continue;
		}
		if (it->passed) {
			fprintf(f, "      <system-out>");
			for (size_t j = 0; j < it->nthresholds; j++) {
				const struct report_threshold *t =
				    &it->thresholds[j];
				char line[512];

				snprintf(line, sizeof(line), "%s:%u: threshold "
				    "%s passed: measured %s\n", it->path,
				    t->line, t->text, t->shown);
				report_xml(f, line);
			}
			fprintf(f, "</system-out>\n");
			report_junit_warnings(f, it);
			fprintf(f, "    </testcase>\n");
			continue;
		}
		const char *tag = it->error ? "error" : it->skipped ?
		    "skipped" : "failure";
		const char *msg = it->summary != NULL ? it->summary :
		    it->failure;
		const char *nl = strchr(msg, '\n');
		char *first = xstrndup(msg, nl ? (size_t)(nl - msg) :
		    strlen(msg));

		report_junit_group_tls(f, it);
		fprintf(f, "      <%s message=\"", tag);
		report_xml(f, first);
		free(first);
		/* The first example's first line too: the message is what
		 * Jenkins and GitLab show without a click. */
		if (it->summary != NULL && it->ngroups > 0) {
			char ex[400];

			msg = it->groups[0].text;
			nl = strchr(msg, '\n');
			first = xstrndup(msg, nl ? (size_t)(nl - msg) :
			    strlen(msg));
			report_example_at(ex, sizeof(ex), &it->groups[0]);
			fprintf(f, "; first: ");
			report_xml(f, ex);
			report_xml(f, first);
			free(first);
		}
		fprintf(f, "\"%s>", it->error ? " type=\"error\"" : "");
		if (it->ngroups > 0 || it->nthresholds > 0) {
			char *body = NULL;
			size_t blen = 0;
			FILE *m = open_memstream(&body, &blen);

			report_failure_detail(m, it, "");
			fclose(m);
			report_xml(f, body);
			free(body);
		} else
			report_xml(f, it->failure);
		fprintf(f, "</%s>\n", tag);
		report_junit_warnings(f, it);
		fprintf(f, "    </testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
}

/* Standard base64 (RFC 4648, section 4) of n bytes; a new string. */
static char *
report_base64(const unsigned char *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		*o++ = tab[p[i] >> 2];
		*o++ = tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = tab[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*o++ = tab[p[i + 2] & 63];
	}
	if (i < n) {
		*o++ = tab[p[i] >> 2];
		if (i + 1 < n) {
			*o++ = tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
			*o++ = tab[(p[i + 1] & 15) << 2];
		} else {
			*o++ = tab[(p[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

/* Bytes as text: valid UTF-8, newline, CR and tab kept, any other byte
 * (NUL, controls, invalid UTF-8) written \xNN; every byte over 0x7f too
 * when hex (an `expect hex`) or the bytes look binary (bytes_look_binary);
 * a new string. */
static char *
report_bytes_text(const unsigned char *p, size_t n, int hex)
{
	struct buf b;
	char esc[8], *s;
	size_t i, k;
	int text = !hex && !bytes_look_binary(p, n);

	buf_init(&b);
	for (i = 0; i < n; i += k) {
		k = 1;
		if (text && p[i] >= 0x80 &&
		    (k = utf8_seq_len(p + i, n - i)) > 0)
			buf_append(&b, p + i, k);
		else if ((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\n' ||
		    p[i] == '\r' || p[i] == '\t') {
			k = 1;
			buf_append(&b, p + i, 1);
		} else {
			k = 1;
			snprintf(esc, sizeof(esc), "\\x%02x", p[i]);
			buf_append(&b, esc, 4);
		}
	}
	buf_append(&b, "", 1);
	s = xstrdup((const char *)buf_data(&b));
	buf_free(&b);
	return s;
}

/* {"text": ..., "base64": ..., "length": N}, or null for no bytes. */
static void
report_json_bytes(cJSON *o, const char *key, const unsigned char *p, size_t n,
    int hex)
{
	cJSON *b;
	char *s;

	if (p == NULL) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	b = cJSON_AddObjectToObject(o, key);
	s = report_bytes_text(p, n, hex);
	cJSON_AddStringToObject(b, "text", s);
	free(s);
	s = report_base64(p, n);
	cJSON_AddStringToObject(b, "base64", s);
	free(s);
	cJSON_AddNumberToObject(b, "length", (double)n);
}

/* The failure groups and thresholds of it. */
static void
report_json_detail(cJSON *o, const struct report_item *it)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "failures");
	size_t i;

	for (i = 0; i < it->ngroups; i++) {
		const struct report_group *g = &it->groups[i];
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "file", g->file);
		cJSON_AddNumberToObject(j, "line", g->line);
		cJSON_AddStringToObject(j, "step", g->step);
		cJSON_AddStringToObject(j, "reason", g->reason);
		cJSON_AddNumberToObject(j, "count", (double)g->count);
		if (g->conn > 0)
			cJSON_AddNumberToObject(j, "connection", (double)g->conn);
		else
			cJSON_AddNullToObject(j, "connection");
		cJSON_AddStringToObject(j, "message", g->text);
		if (g->field != NULL)
			cJSON_AddStringToObject(j, "field", g->field);
		else
			cJSON_AddNullToObject(j, "field");
		if (g->role != NULL) {
			cJSON_AddStringToObject(j, "role", g->role);
			cJSON_AddNumberToObject(j, "role_connection",
			    (double)g->role_conn);
		} else {
			cJSON_AddNullToObject(j, "role");
			cJSON_AddNullToObject(j, "role_connection");
		}
		report_json_bytes(j, "expected", g->expected, g->expected_len,
		    g->hex);
		report_json_bytes(j, "received", g->received, g->received_len,
		    g->hex);
		if (g->diff_offset != SIZE_MAX)
			cJSON_AddNumberToObject(j, "first_difference",
			    (double)g->diff_offset);
		else
			cJSON_AddNullToObject(j, "first_difference");
		if (g->measured >= 0)
			cJSON_AddNumberToObject(j, "measured_seconds",
			    g->measured);
		else
			cJSON_AddNullToObject(j, "measured_seconds");
		if (g->has_tls)
			tls_info_json(cJSON_AddObjectToObject(j, "tls"),
			    &g->tls);
		else
			cJSON_AddNullToObject(j, "tls");
		cJSON_AddItemToArray(arr, j);
	}
	cJSON_AddNumberToObject(o, "failures_not_grouped", (double)it->other);
	arr = cJSON_AddArrayToObject(o, "warnings");
	for (i = 0; i < it->nwarnings; i++) {
		const struct report_warning *w = &it->warnings[i];
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "message", w->text);
		cJSON_AddNumberToObject(j, "count", (double)w->count);
		cJSON_AddNumberToObject(j, "connection", (double)w->conn);
		cJSON_AddItemToArray(arr, j);
	}
	cJSON_AddNumberToObject(o, "warnings_not_kept",
	    (double)it->warnings_other);
	arr = cJSON_AddArrayToObject(o, "thresholds");
	for (i = 0; i < it->nthresholds; i++) {
		const struct report_threshold *t = &it->thresholds[i];
		cJSON *j = cJSON_CreateObject();
		static const char *const units[] = { "us", "count", "percent",
		    "percent" };

		cJSON_AddStringToObject(j, "threshold", t->text);
		cJSON_AddNumberToObject(j, "line", t->line);
		cJSON_AddBoolToObject(j, "passed", t->passed);
		if (t->measured >= 0)
			cJSON_AddNumberToObject(j, "measured", t->measured);
		else
			cJSON_AddNullToObject(j, "measured");
		cJSON_AddStringToObject(j, "unit", t->metric >= 0 &&
		    t->metric < 4 ? units[t->metric] : "");
		cJSON_AddStringToObject(j, "measured_text", t->shown);
		cJSON_AddItemToArray(arr, j);
	}
}

/* "roles": per role counts, or null for a scenario without roles. */
static void
report_json_roles(cJSON *o, const struct report_item *it)
{
	cJSON *arr;
	size_t i;

	if (it->nroles == 0) {
		cJSON_AddNullToObject(o, "roles");
		return;
	}
	arr = cJSON_AddArrayToObject(o, "roles");
	for (i = 0; i < it->nroles; i++) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "name", it->roles[i].name);
		cJSON_AddNumberToObject(j, "connections",
		    (double)it->roles[i].conns);
		cJSON_AddNumberToObject(j, "passed",
		    (double)it->roles[i].passed);
		cJSON_AddNumberToObject(j, "failed",
		    (double)it->roles[i].failed);
		cJSON_AddItemToArray(arr, j);
	}
}

/* JSON with per-scenario timings and latency percentiles. */
static void
report_json(FILE *f, const struct report *rep)
{
	cJSON *root = cJSON_CreateObject(), *arr, *errs;
	char *text;
	size_t i, errors = report_errors(rep), skipped = report_skipped(rep);

	cJSON_AddNumberToObject(root, "passed", (double)report_passed(rep));
	cJSON_AddNumberToObject(root, "failed",
	    (double)(rep->n - report_passed(rep) - errors - skipped));
	cJSON_AddNumberToObject(root, "skipped", (double)skipped);
	cJSON_AddNumberToObject(root, "error_count", (double)errors);
	cJSON_AddNumberToObject(root, "seconds", rep->seconds);
	if (rep->shard_total > 0) {
		cJSON *sh = cJSON_AddObjectToObject(root, "shard");

		cJSON_AddNumberToObject(sh, "index", rep->shard_index);
		cJSON_AddNumberToObject(sh, "total", rep->shard_total);
	} else
		cJSON_AddNullToObject(root, "shard");
	if (rep->tls != NULL)
		tls_summary_json(root, rep->tls);
	errs = cJSON_AddArrayToObject(root, "errors");
	arr = cJSON_AddArrayToObject(root, "scenarios");
	for (i = 0; i < rep->n; i++) {
		const struct report_item *it = &rep->items[i];
		cJSON *o = cJSON_CreateObject();

		if (it->error) {
			cJSON_AddStringToObject(o, "file", it->path);
			if (it->line > 0) {
				cJSON_AddNumberToObject(o, "line", it->line);
				cJSON_AddNumberToObject(o, "column", it->col);
			} else {
				cJSON_AddNullToObject(o, "line");
				cJSON_AddNullToObject(o, "column");
			}
			cJSON_AddStringToObject(o, "message", it->failure);
			cJSON_AddItemToArray(errs, o);
			continue;
		}
		if (it->skipped) {
			cJSON_AddStringToObject(o, "file", it->path);
			cJSON_AddBoolToObject(o, "passed", 0);
			cJSON_AddStringToObject(o, "skipped", it->failure);
			cJSON_AddItemToArray(arr, o);
			continue;
		}

		cJSON_AddStringToObject(o, "file", it->path);
		cJSON_AddStringToObject(o, "name", it->name);
		cJSON_AddStringToObject(o, "test", it->title);
		cJSON_AddStringToObject(o, "target", it->target);
		cJSON_AddBoolToObject(o, "passed", it->passed);
		cJSON_AddNumberToObject(o, "seconds", it->seconds);
		cJSON_AddNumberToObject(o, "connections", (double)it->conns);
		cJSON_AddNumberToObject(o, "connections_passed",
		    (double)it->conns_passed);
		cJSON_AddNumberToObject(o, "connections_failed",
		    (double)it->conns_failed);
		cJSON_AddNumberToObject(o, "sends", (double)it->sends);
		cJSON_AddNumberToObject(o, "expects", (double)it->expects);
		hist_json(&it->latency, o, "latency_us");
		hist_json_encoded(&it->latency, o, "latency_histogram");
		if (it->failure != NULL)
			cJSON_AddStringToObject(o, "failure", it->failure);
		else
			cJSON_AddNullToObject(o, "failure");
		if (it->summary != NULL)
			cJSON_AddStringToObject(o, "summary", it->summary);
		else
			cJSON_AddNullToObject(o, "summary");
		report_json_detail(o, it);
		report_json_roles(o, it);
		cJSON_AddItemToArray(arr, o);
	}
	text = cJSON_Print(root);
	fprintf(f, "%s\n", text);
	free(text);
	cJSON_Delete(root);
}

void
report_write(FILE *f, const struct report *rep, enum report_format fmt)
{
	switch (fmt) {
	case REPORT_TEXT: report_text(f, rep); break;
	case REPORT_TAP: report_tap(f, rep); break;
	case REPORT_JUNIT: report_junit(f, rep); break;
	case REPORT_JSON: report_json(f, rep); break;
	}
	fflush(f);
}

int
report_out_open(struct report_out *o, const char *path, char *err,
    size_t errlen)
{
	struct stat st;
	char *slash, *dir, *base;
	mode_t mask;
	size_t n;
	int fd;

	memset(o, 0, sizeof(*o));
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: is a directory", path);
			return -1;
		}
		/* /dev/stdout, /dev/null, a FIFO with a reader: in place,
		 * and never block on a FIFO without one. */
		fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (fd == -1) {
			snprintf(err, errlen, "%s: %s", path, errno == ENXIO ?
			    "a FIFO without a reader" : strerror(errno));
			return -1;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		o->f = fdopen(fd, "w");
		o->path = xstrdup(path);
		return 0;
	}
	/* A symlink is followed: the file it names gets the report. */
	o->path = realpath(path, NULL);
	if (o->path == NULL)
		o->path = xstrdup(path);
	slash = strrchr(o->path, '/');
	dir = slash != NULL ? xstrndup(o->path, (size_t)(slash - o->path) +
	    (slash == o->path)) : xstrdup(".");
	base = slash != NULL ? slash + 1 : o->path;
	n = strlen(dir) + strlen(base) + 16;
	o->tmp = xmalloc(n);
	/* mkstemp(3)'s template: it replaces the six X with a unique name. */
	snprintf(o->tmp, n, "%s/.%s.XXXXXX", dir, base);
	free(dir);
	if ((fd = mkstemp(o->tmp)) == -1) {
		snprintf(err, errlen, "%s: cannot create a file next to it: %s",
		    path, strerror(errno));
		free(o->tmp);
		free(o->path);
		memset(o, 0, sizeof(*o));
		return -1;
	}
	mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	o->f = fdopen(fd, "w");
	/* No stale report survives this run, whatever becomes of it. */
	if (unlink(o->path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "%s: cannot replace it: %s", path,
		    strerror(errno));
		report_out_abort(o);
		return -1;
	}
	return 0;
}

int
report_out_commit(struct report_out *o, char *err, size_t errlen)
{
	int rc = 0;

	if (o->f == NULL)
		return 0;
	if (fflush(o->f) != 0 || (o->tmp != NULL && fsync(fileno(o->f)) != 0)) {
		snprintf(err, errlen, "%s: write: %s", o->path, strerror(errno));
		rc = -1;
	}
	if (fclose(o->f) != 0 && rc == 0) {
		snprintf(err, errlen, "%s: write: %s", o->path, strerror(errno));
		rc = -1;
	}
	o->f = NULL;
	if (o->tmp != NULL && rc == 0 && rename(o->tmp, o->path) == -1) {
		snprintf(err, errlen, "%s: rename: %s", o->path,
		    strerror(errno));
		rc = -1;
	}
	if (rc == -1 && o->tmp != NULL)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof(*o));
	return rc;
}

void
report_out_abort(struct report_out *o)
{
	if (o->f != NULL)
		fclose(o->f);
	if (o->tmp != NULL)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof(*o));
}

/* Free what report_add added beyond the basic fields. */
static void
report_item_free_detail(struct report_item *it)
{
	size_t i;

	for (i = 0; i < it->ngroups; i++) {
		struct report_group *g = &it->groups[i];

		free(g->file);
		free(g->step);
		free(g->reason);
		free(g->text);
		free(g->expected);
		free(g->received);
		free(g->field);
		free(g->role);
	}
	free(it->groups);
	for (i = 0; i < it->nroles; i++)
		free(it->roles[i].name);
	free(it->roles);
	for (i = 0; i < it->nthresholds; i++)
		free(it->thresholds[i].text);
	free(it->thresholds);
	for (i = 0; i < it->nwarnings; i++)
		free(it->warnings[i].text);
	free(it->warnings);
	free(it->title);
	free(it->summary);
}

void
report_free(struct report *rep)
{
	size_t i;

	for (i = 0; i < rep->n; i++) {
		free(rep->items[i].path);
		free(rep->items[i].name);
		free(rep->items[i].target);
		free(rep->items[i].failure);
		report_item_free_detail(&rep->items[i]);
	}
	free(rep->items);
	memset(rep, 0, sizeof(*rep));
}
