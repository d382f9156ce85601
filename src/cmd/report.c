/* Reports of a headless run in text, TAP, JUnit XML and JSON. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cjson/cJSON.h>
#include "report.h"
#include "util.h"

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

void
report_add(struct report *rep, const struct scenario *sc, const char *target,
    const struct run_result *res)
{
	struct report_item *it;

	rep->items = xrealloc(rep->items, (rep->n + 1) * sizeof(*rep->items));
	it = &rep->items[rep->n++];
	memset(it, 0, sizeof(*it));
	it->path = xstrdup(sc->path);
	it->name = xstrdup(sc->name);
	it->target = xstrdup(target);
	it->conns = res->conns;
	it->conns_passed = res->passed;
	it->conns_failed = res->failed;
	it->sends = res->sends;
	it->expects = res->expects;
	it->seconds = res->t_end > res->t_start ? res->t_end - res->t_start : 0;
	it->latency = res->latency;
	it->passed = res->failed == 0 && res->failure == NULL &&
	    res->passed == res->conns;
	/* A failure may quote a peer's bytes (a codec's error): keep every
	 * format valid UTF-8 without control characters. */
	if (!it->passed)
		it->failure = text_sanitize(res->failure != NULL ?
		    res->failure : "not every connection finished its script");
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

void
report_line(FILE *f, const struct report_item *it)
{
	char p50[32] = "-", p99[32] = "-";

	if (hist_count(&it->latency) > 0) {
		report_usec(p50, sizeof(p50), hist_percentile(&it->latency, 50));
		report_usec(p99, sizeof(p99), hist_percentile(&it->latency, 99));
	}
	fprintf(f, "%s %s  %llu/%llu connections  %.2fs  latency p50 %s p99 %s\n",
	    it->passed ? "PASS" : "FAIL", it->path,
	    (unsigned long long)it->conns_passed,
	    (unsigned long long)it->conns, it->seconds, p50, p99);
}

/* Print text with every line indented. */
static void
report_indent(FILE *f, const char *text, const char *indent)
{
	const char *p = text, *nl;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		fprintf(f, "%s%.*s\n", indent, (int)(nl ? nl - p : (long)strlen(p)),
		    p);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
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
		fprintf(f, "    %llu of %llu connections failed; first failure:\n",
		    (unsigned long long)it->conns_failed,
		    (unsigned long long)it->conns);
		report_indent(f, it->failure, "    ");
	}
	if (passed < rep->n)
		fprintf(f, "\n");
	fprintf(f, "%zu passed, %zu failed", passed, rep->n - passed - errors -
	    skipped);
	if (errors > 0)
		fprintf(f, ", %zu errors (not run), %zu skipped",
		    errors, skipped);
	fprintf(f, "\n");
}

/* TAP version 13 with a YAML block for each failure. */
static void
report_tap(FILE *f, const struct report *rep)
{
	size_t i;

	fprintf(f, "TAP version 13\n1..%zu\n", rep->n);
	for (i = 0; i < rep->n; i++) {
		const struct report_item *it = &rep->items[i];

		if (it->skipped) {
			fprintf(f, "ok %zu - %s # SKIP %s\n", i + 1, it->path,
			    it->failure);
			continue;
		}
		fprintf(f, "%sok %zu - %s%s\n", it->passed ? "" : "not ", i + 1,
		    it->path, it->error ? " # error: not run" : "");
		if (!it->passed) {
			fprintf(f, "  ---\n  message: |\n");
			report_indent(f, it->failure, "    ");
			fprintf(f, "  ...\n");
		}
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

/* JUnit XML as CI systems read it. */
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
	for (i = 0; i < rep->n; i++) {
		const struct report_item *it = &rep->items[i];

		fprintf(f, "    <testcase classname=\"sockbench.scenario\" "
		    "name=\"");
		report_xml(f, it->path);
		fprintf(f, "\" time=\"%.3f\"", it->seconds);
		if (it->passed) {
			fprintf(f, "/>\n");
			continue;
		}
		const char *tag = it->error ? "error" : it->skipped ?
		    "skipped" : "failure";
		const char *nl = strchr(it->failure, '\n');
		char *first = xstrndup(it->failure, nl ? (size_t)(nl -
		    it->failure) : strlen(it->failure));

		fprintf(f, ">\n      <%s message=\"", tag);
		report_xml(f, first);
		free(first);
		fprintf(f, "\">");
		report_xml(f, it->failure);
		fprintf(f, "</%s>\n    </testcase>\n", tag);
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
}

/* Add latency percentiles in microseconds to a JSON object. */
static void
report_json_latency(cJSON *o, const struct hist *h)
{
	cJSON *l = cJSON_AddObjectToObject(o, "latency_us");

	cJSON_AddNumberToObject(l, "count", (double)hist_count(h));
	if (hist_count(h) == 0)
		return;
	cJSON_AddNumberToObject(l, "min", (double)hist_min(h));
	cJSON_AddNumberToObject(l, "p50", (double)hist_percentile(h, 50));
	cJSON_AddNumberToObject(l, "p90", (double)hist_percentile(h, 90));
	cJSON_AddNumberToObject(l, "p99", (double)hist_percentile(h, 99));
	cJSON_AddNumberToObject(l, "p999", (double)hist_percentile(h, 99.9));
	cJSON_AddNumberToObject(l, "max", (double)hist_max(h));
	cJSON_AddNumberToObject(l, "mean", hist_mean(h));
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
	cJSON_AddNumberToObject(root, "seconds", rep->seconds);
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
		report_json_latency(o, &it->latency);
		if (it->failure != NULL)
			cJSON_AddStringToObject(o, "failure", it->failure);
		else
			cJSON_AddNullToObject(o, "failure");
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

void
report_free(struct report *rep)
{
	size_t i;

	for (i = 0; i < rep->n; i++) {
		free(rep->items[i].path);
		free(rep->items[i].name);
		free(rep->items[i].target);
		free(rep->items[i].failure);
	}
	free(rep->items);
	memset(rep, 0, sizeof(*rep));
}
