/* Unit tests for sockbench merge: bench reports written by the bench
 * report writer, read back and merged, must give exactly the figures of
 * one run over all the samples; bad shards are flagged, never summed
 * silently. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "bench_report.h"
#include "merge.h"
#include "report.h"
#include "util.h"

#define T0	1796025600.0	/* 2026-11-30T08:00:00Z */

/* A shard's desc: closed loop, depth 1, 64-byte requests. */
static struct bench_desc
shard_desc(int index, int total)
{
	struct bench_desc d;

	memset(&d, 0, sizeof(d));
	d.target = "127.0.0.1:7000";
	d.mode = LG_CLOSED;
	d.depth = 1;
	d.msg_bytes = 64;
	d.msg_desc = "random bytes";
	d.shard_index = index;
	d.shard_total = total;
	d.start_at = T0;
	d.late_after = 1;
	return d;
}

/* A result with nreq answered requests of the given latencies. */
static struct loadgen_result *
shard_result(const uint64_t *lat, size_t nlat, uint64_t conns)
{
	struct loadgen_result *r = malloc(sizeof(*r));
	size_t i;

	assert_non_null(r);
	loadgen_result_init(r);
	r->n.workers = 1;
	r->n.conns = r->n.connected = r->n.open_end = conns;
	r->n.issued = r->n.answered = r->n.requests = nlat;
	r->n.bytes_out = r->n.bytes_in = 64 * nlat;
	r->n.seconds = 1.0 + (double)conns / 10;
	r->n.elapsed = r->n.seconds + 0.01;
	r->n.ended = LG_END_DURATION;
	r->n.started = T0 + 0.002;
	for (i = 0; i < nlat; i++)
		hist_record(&r->lat, lat[i]);
	for (i = 0; i < conns; i++) {
		hist_record(&r->connect, 40 + i);
		hist_record(&r->ttfb, 90 + 3 * i);
	}
	return r;
}

/* The JSON report of r as bench writes it; a new string. */
static char *
shard_json(const struct bench_desc *d, const struct loadgen_result *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	bench_report_json(f, d, r, &r->n, 1);
	fclose(f);
	return text;
}

/* Latencies spread over five decades, from a fixed generator. */
static uint64_t *
samples(size_t n)
{
	uint64_t *v = malloc(n * sizeof(*v)), s = 0x9e3779b97f4a7c15ULL;
	size_t i;

	assert_non_null(v);
	for (i = 0; i < n; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		v[i] = 1 + (s % 1000) * (1 + (s >> 20) % 1000) / (1 + i % 7);
	}
	return v;
}

/* Three shards of 3000 known samples merge to exactly the histogram of
 * one run over all 9000: every bucket, count, sum, min, max, and so every
 * percentile the report prints; counters add up. */
static void
test_merge_percentiles_equal_one_run(void **state)
{
	size_t n = 9000, i, k;
	uint64_t *v = samples(n);
	struct hist *all = malloc(sizeof(*all));
	struct merge_bench *m = merge_bench_new(-1, 0);
	char why[256];
	cJSON *a, *b;
	char *ta, *tb;

	(void)state;
	hist_init(all);
	for (i = 0; i < n; i++)
		hist_record(all, v[i]);
	for (k = 0; k < 3; k++) {
		uint64_t part[3000];
		struct bench_desc d = shard_desc((int)k, 3);
		struct loadgen_result *r;
		char *text, file[32];

		for (i = 0; i < 3000; i++)
			part[i] = v[i * 3 + k];	/* dealt out in turn */
		r = shard_result(part, 3000, 2 + k);
		text = shard_json(&d, r);
		snprintf(file, sizeof(file), "s%zu.json", k);
		merge_bench_add(m, file, text, strlen(text), NULL);
		free(text);
		free(r);
	}
	merge_bench_finish(m);
	assert_int_equal(m->nmerged, 3);
	assert_int_equal(m->nshards, 3);
	for (k = 0; k < 3; k++) {
		assert_int_equal(m->shards[k].status, BENCH_SHARD_OK);
		assert_int_equal(m->shards[k].index, (int)k);
	}
	assert_int_equal(hist_count(&m->res.lat), n);
	assert_int_equal(m->res.lat.sum, all->sum);
	assert_int_equal(hist_min(&m->res.lat), hist_min(all));
	assert_int_equal(hist_max(&m->res.lat), hist_max(all));
	assert_memory_equal(m->res.lat.counts, all->counts, sizeof(all->counts));
	for (i = 0; i < HIST_NPCT; i++)
		assert_int_equal(hist_value_at(&m->res.lat, hist_pcts[i]),
		    hist_value_at(all, hist_pcts[i]));
	/* The merged latency block is byte for byte the one-run block. */
	a = cJSON_CreateObject();
	b = cJSON_CreateObject();
	hist_json(&m->res.lat, a, "latency_us");
	hist_json(all, b, "latency_us");
	ta = cJSON_PrintUnformatted(a);
	tb = cJSON_PrintUnformatted(b);
	assert_string_equal(ta, tb);
	free(ta);
	free(tb);
	cJSON_Delete(a);
	cJSON_Delete(b);
	/* Counters: summed; the window is the longest shard's. */
	assert_int_equal(m->res.n.conns, 2 + 3 + 4);
	assert_int_equal(m->res.n.answered, n);
	assert_int_equal(m->res.n.bytes_in, 64 * n);
	assert_int_equal(m->res.n.workers, 3);
	assert_int_equal(m->nper, 3);
	assert_int_equal(hist_count(&m->res.connect), 9);
	assert_true(m->res.n.seconds > 1.39 && m->res.n.seconds < 1.41);
	assert_true(bench_report_ok(&m->desc, &m->res.n, why, sizeof(why)));
	merge_bench_free(m);
	free(all);
	free(v);
}

/* Each kind of bad shard is flagged with its reason; only reports that
 * ran the same load once are summed, and the merged verdict fails. */
static void
test_merge_flags_bad_shards(void **state)
{
	uint64_t lat[4] = { 100, 200, 300, 400 };
	struct merge_bench *m = merge_bench_new(-1, 0);
	struct loadgen_result *r;
	struct bench_desc d;
	char *text, why[256];
	size_t i;

	(void)state;
	/* Shard 0 of 5: ok, and a second copy of it. */
	d = shard_desc(0, 5);
	r = shard_result(lat, 4, 1);
	text = shard_json(&d, r);
	merge_bench_add(m, "s0.json", text, strlen(text), NULL);
	merge_bench_add(m, "s0-again.json", text, strlen(text), NULL);
	free(text);
	/* Shard 1: its own verdict failed (nothing answered). */
	d = shard_desc(1, 5);
	r->n.answered = r->n.requests = 0;
	r->n.unanswered = 4;
	hist_reset(&r->lat);
	text = shard_json(&d, r);
	merge_bench_add(m, "s1.json", text, strlen(text), NULL);
	free(text);
	free(r);
	/* Shard 2: started 5 s after --start-at. */
	d = shard_desc(2, 5);
	r = shard_result(lat, 4, 1);
	r->n.started = T0 + 5;
	d.late_after = 100;	/* its own tolerance: not late */
	text = shard_json(&d, r);
	merge_bench_add(m, "s2.json", text, strlen(text), NULL);
	free(text);
	/* Shard 3: another depth. */
	d = shard_desc(3, 5);
	d.depth = 8;
	r->n.started = T0;
	text = shard_json(&d, r);
	merge_bench_add(m, "s3.json", text, strlen(text), NULL);
	free(text);
	free(r);
	/* A file that is not a report, and one that could not be read. */
	merge_bench_add(m, "junk.json", "{\"target\": 1}", 13, NULL);
	merge_bench_add(m, "gone.json", NULL, 0, "No such file or directory");
	merge_bench_finish(m);
	/* 7 files, and indices 3 (its report ran another load) and 4. */
	assert_int_equal(m->nshards, 9);
	assert_int_equal(m->nmerged, 3);	/* s0, s1, s2 */
	assert_int_equal(m->res.n.conns, 3);
	assert_int_equal(m->res.n.issued, 12);
	assert_int_equal(m->res.n.answered, 8);
	assert_int_equal(hist_count(&m->res.lat), 8);
	for (i = 0; i < m->nshards; i++) {
		const struct bench_shard *sh = &m->shards[i];
		const char *f = sh->file != NULL ? sh->file : "(none)";

		if (strcmp(f, "s0.json") == 0)
			assert_int_equal(sh->status, BENCH_SHARD_OK);
		else if (strcmp(f, "s0-again.json") == 0)
			assert_int_equal(sh->status, BENCH_SHARD_DUPLICATE);
		else if (strcmp(f, "s1.json") == 0) {
			assert_int_equal(sh->status, BENCH_SHARD_FAILED);
			assert_non_null(strstr(sh->why, "no request was answered"));
			assert_true(sh->merged);
		} else if (strcmp(f, "s2.json") == 0)
			assert_int_equal(sh->status, BENCH_SHARD_OK);
		else if (strcmp(f, "s3.json") == 0) {
			assert_int_equal(sh->status, BENCH_SHARD_FAILED);
			assert_false(sh->merged);
		} else if (strcmp(f, "junk.json") == 0 ||
		    strcmp(f, "gone.json") == 0)
			assert_int_equal(sh->status, BENCH_SHARD_UNREADABLE);
		else {
			assert_int_equal(sh->status, BENCH_SHARD_MISSING);
			assert_true(sh->index == 3 || sh->index == 4);
			assert_false(sh->merged);
		}
	}
	/* Index order: 0, 0, 1, 2, 3, 3, 4, then the unreadable ones. */
	assert_int_equal(m->shards[0].index, 0);
	assert_int_equal(m->shards[6].index, 4);
	assert_null(m->shards[6].file);
	assert_int_equal(m->shards[7].total, 0);
	assert_false(bench_report_ok(&m->desc, &m->res.n, why, sizeof(why)));
	assert_non_null(strstr(why, "shards flagged"));
	merge_bench_free(m);
}

/* A report's own verdict stands when its counters alone pass (a lost
 * worker is in no counter), a failure its late start alone explains is
 * judged by merge's own tolerance, and a merged report is not merged
 * again (its shards' identities are gone). */
static void
test_merge_keeps_each_reports_verdict(void **state)
{
	uint64_t lat[4] = { 100, 200, 300, 400 };
	struct merge_bench *m = merge_bench_new(10, 0), *m1;
	struct loadgen_result *r;
	struct bench_desc d;
	char *text, *merged, why[256];
	size_t i;
	FILE *f;
	size_t len = 0;

	(void)state;
	d = shard_desc(0, 3);
	d.workers_asked = 2;
	d.workers_lost = "worker 1 of 2 did not report (killed by signal 9)";
	r = shard_result(lat, 4, 1);
	text = shard_json(&d, r);
	assert_non_null(strstr(text, "\"ok\":\tfalse"));
	merge_bench_add(m, "lost.json", text, strlen(text), NULL);
	free(text);
	/* Shard 1: 5 s late for its own 1 s, on time for merge's 10 s. */
	d = shard_desc(1, 3);
	r->n.started = T0 + 5;
	text = shard_json(&d, r);
	assert_non_null(strstr(text, "\"ok\":\tfalse"));
	merge_bench_add(m, "late.json", text, strlen(text), NULL);
	free(text);
	/* Shard 2, merged alone: a merge's report, with a shards array. */
	d = shard_desc(2, 3);
	r->n.started = T0;
	text = shard_json(&d, r);
	m1 = merge_bench_new(-1, 0);
	merge_bench_add(m1, "s2.json", text, strlen(text), NULL);
	merge_bench_finish(m1);
	free(text);
	f = open_memstream(&merged, &len);
	assert_non_null(f);
	bench_report_json(f, &m1->desc, &m1->res, m1->per, (int)m1->nper);
	fclose(f);
	merge_bench_free(m1);
	merge_bench_add(m, "merged.json", merged, strlen(merged), NULL);
	free(merged);
	free(r);
	merge_bench_finish(m);
	assert_int_equal(m->nmerged, 2);
	for (i = 0; i < m->nshards; i++) {
		const struct bench_shard *sh = &m->shards[i];
		const char *fn = sh->file != NULL ? sh->file : "(none)";

		if (strcmp(fn, "lost.json") == 0) {
			assert_int_equal(sh->status, BENCH_SHARD_FAILED);
			assert_non_null(strstr(sh->why, "its verdict: worker 1 "
			    "of 2 did not report (killed by signal 9)"));
			assert_true(sh->merged);
		} else if (strcmp(fn, "late.json") == 0) {
			assert_int_equal(sh->status, BENCH_SHARD_OK);
		} else if (strcmp(fn, "merged.json") == 0) {
			assert_int_equal(sh->status, BENCH_SHARD_FAILED);
			assert_non_null(strstr(sh->why, "already a merge (its "
			    "shards array has 3 entries)"));
			assert_false(sh->merged);
		} else
			assert_int_equal(sh->status, BENCH_SHARD_MISSING);
	}
	assert_false(bench_report_ok(&m->desc, &m->res.n, why, sizeof(why)));
	assert_non_null(strstr(why, "3 of 4 shards flagged"));
	merge_bench_free(m);
}

/* With merge's own --late-after, a shard 5 s late is late whatever its
 * report's tolerance was. */
static void
test_merge_late_after_given(void **state)
{
	uint64_t lat[2] = { 100, 200 };
	struct merge_bench *m = merge_bench_new(1.0, 0);
	struct loadgen_result *r = shard_result(lat, 2, 1);
	struct bench_desc d = shard_desc(0, 1);
	char *text;

	(void)state;
	d.late_after = 100;
	r->n.started = T0 + 5;
	text = shard_json(&d, r);
	merge_bench_add(m, "late.json", text, strlen(text), NULL);
	merge_bench_finish(m);
	assert_int_equal(m->shards[0].status, BENCH_SHARD_LATE);
	assert_true(m->shards[0].merged);
	assert_non_null(strstr(m->shards[0].why, "started 5.000 s after "
	    "--start-at"));
	free(text);
	free(r);
	merge_bench_free(m);
}

/* A report read back keeps every counter and histogram it was written
 * with; a histogram that disagrees with its block's count is refused. */
static void
test_bench_read_round_trip_and_tamper(void **state)
{
	uint64_t lat[3] = { 7, 70000, 7000000000ULL };
	struct loadgen_result *r = shard_result(lat, 3, 2);
	struct bench_desc d = shard_desc(1, 2);
	struct bench_read *rd = malloc(sizeof(*rd));
	char *text, err[200], *p;

	(void)state;
	r->n.errors[LG_ERR_RESET] = 3;
	r->n.skipped = 2;
	r->n.target = 3;
	r->n.ended = LG_END_COUNT | LG_END_SIGNAL;
	text = shard_json(&d, r);
	assert_int_equal(bench_read_json(rd, text, strlen(text), err,
	    sizeof(err)), 0);
	assert_int_equal(rd->desc.shard_index, 1);
	assert_int_equal(rd->desc.shard_total, 2);
	assert_int_equal(rd->res.n.errors[LG_ERR_RESET], 3);
	assert_int_equal(rd->res.n.skipped, 2);
	assert_int_equal(rd->res.n.target, 3);
	assert_int_equal(rd->res.n.ended, LG_END_COUNT | LG_END_SIGNAL);
	assert_int_equal(rd->res.lat.overflow, 1);
	assert_memory_equal(rd->res.lat.counts, r->lat.counts,
	    sizeof(r->lat.counts));
	assert_true(rd->res.n.started == r->n.started);
	bench_read_free(rd);
	/* "count": 3 of the latency block becomes 4. */
	p = strstr(text, "\"count\":\t3");
	assert_non_null(p);
	p[9] = '4';
	assert_int_equal(bench_read_json(rd, text, strlen(text), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "latency_us"));
	/* Cut short anywhere: refused, never a crash. */
	p[9] = '3';
	for (size_t n = 0; n < strlen(text); n += 97)
		assert_int_equal(bench_read_json(rd, text, n, err,
		    sizeof(err)), -1);
	free(text);
	free(rd);
	free(r);
}

/* A report as a string in a format. */
static char *
report_string(const struct report *rep, enum report_format fmt)
{
	char *text = NULL, *out;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	report_write(f, rep, fmt);
	fclose(f);
	/* A copy: the memstream's buffer pointer lives in a local. */
	out = xstrdup(text);
	free(text);
	return out;
}

/* A run report with every kind of item: a pass with latencies and a
 * role, a failure with a group (bytes that differ), a warning and a
 * failed threshold, a file that did not parse, a skipped one. */
static void
run_report_sample(struct report *rep)
{
	static const unsigned char exp[] = "goodbye\n", got[] = "hello\x01\n";
	struct report_item *it;
	uint64_t v;

	memset(rep, 0, sizeof(*rep));
	rep->items = xcalloc(4, sizeof(*rep->items));
	rep->n = 2;
	rep->seconds = 1.25;
	it = &rep->items[0];
	it->path = xstrdup("set/a.txt");
	it->name = xstrdup("a");
	it->title = xstrdup("the a test");
	it->target = xstrdup("127.0.0.1:7000");
	it->passed = 1;
	it->conns = it->conns_passed = 3;
	it->sends = 6;
	it->expects = 6;
	it->seconds = 0.5;
	hist_init(&it->latency);
	for (v = 1; v < 5000; v = v * 3 + 1)
		hist_record(&it->latency, v);
	it->roles = xcalloc(1, sizeof(*it->roles));
	it->nroles = 1;
	it->roles[0].name = xstrdup("ping");
	it->roles[0].conns = it->roles[0].passed = 3;
	it = &rep->items[1];
	it->path = xstrdup("set/b.txt");
	it->name = xstrdup("b");
	it->title = xstrdup("set/b.txt");
	it->target = xstrdup("127.0.0.1:7001");
	it->conns = 2;
	it->conns_failed = 2;
	it->seconds = 0.75;
	hist_init(&it->latency);
	hist_record(&it->latency, 1234);
	it->failure = xstrdup("2 connections failed");
	it->summary = xstrdup("2 connections failed at set/b.txt:6 (mismatch)");
	it->groups = xcalloc(1, sizeof(*it->groups));
	it->ngroups = 1;
	it->groups[0].file = xstrdup("set/b.txt");
	it->groups[0].line = 6;
	it->groups[0].step = xstrdup("expect");
	it->groups[0].reason = xstrdup("mismatch");
	it->groups[0].count = 2;
	it->groups[0].conn = 1;
	it->groups[0].text = xstrdup("expected goodbye, got hello");
	it->groups[0].expected = xmalloc(8);
	memcpy(it->groups[0].expected, exp, 8);
	it->groups[0].expected_len = 8;
	it->groups[0].received = xmalloc(7);
	memcpy(it->groups[0].received, got, 7);
	it->groups[0].received_len = 7;
	it->groups[0].diff_offset = 0;
	it->groups[0].measured = -1;
	it->warnings = xcalloc(1, sizeof(*it->warnings));
	it->nwarnings = 1;
	it->warnings[0].text = xstrdup("the server closed first");
	it->warnings[0].count = 1;
	it->warnings[0].conn = 2;
	it->thresholds = xcalloc(1, sizeof(*it->thresholds));
	it->nthresholds = 1;
	it->thresholds_failed = 1;
	it->thresholds[0].line = 3;
	it->thresholds[0].text = xstrdup("latency p99 < 1ms");
	it->thresholds[0].metric = 0;
	it->thresholds[0].measured = 1234;
	snprintf(it->thresholds[0].shown, sizeof(it->thresholds[0].shown),
	    "1.234ms");
	report_add_error(rep, "set/c.txt", "set/c.txt:4:2: expected a "
	    "duration");
	report_add_skipped(rep, "set/d.txt", "not run: another scenario "
	    "file did not parse");
}

/* Order report items by path (as merge does). */
static int
item_path_cmp(const void *pa, const void *pb)
{
	const struct report_item *x = pa, *y = pb;

	return strcmp(x->path, y->path);
}

/* A run report read back from its JSON prints the same report in every
 * format; two shards' reports merge in file order (gathered, not added). */
static void
test_run_read_round_trip(void **state)
{
	static const enum report_format fmts[] = { REPORT_TEXT, REPORT_TAP,
	    REPORT_JUNIT, REPORT_JSON };
	struct report rep, back;
	char *json, err[256], *a, *b, *key;
	size_t i;

	(void)state;
	run_report_sample(&rep);
	json = report_string(&rep, REPORT_JSON);
	memset(&back, 0, sizeof(back));
	assert_int_equal(run_read_json(&back, json, strlen(json), err,
	    sizeof(err)), 0);
	assert_int_equal(back.n, 4);
	assert_true(back.seconds == 1.25);
	/* JSON keeps errors apart; merge orders every item by path. */
	qsort(back.items, back.n, sizeof(*back.items), item_path_cmp);
	assert_memory_equal(back.items[0].latency.counts,
	    rep.items[0].latency.counts, sizeof(rep.items[0].latency.counts));
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		a = report_string(&rep, fmts[i]);
		b = report_string(&back, fmts[i]);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	/* Without its histogram a scenario is refused, and rep unchanged. */
	key = strstr(json, "\"latency_histogram\"");
	assert_non_null(key);
	key[1] = 'X';
	assert_int_equal(run_read_json(&back, json, strlen(json), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "latency_histogram"));
	assert_int_equal(back.n, 4);
	assert_int_equal(run_read_json(&back, "[1]", 3, err, sizeof(err)), -1);
	assert_int_equal(run_read_json(&back, "{\"scenarios\": 3}", 16, err,
	    sizeof(err)), -1);
	assert_int_equal(back.n, 4);
	free(json);
	report_free(&rep);
	report_free(&back);
}

/* No control byte but newline and tab in s. */
static int
no_controls(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
			return 0;
		else if (*s == 0x7f)
			return 0;
	return 1;
}

/* Strings read from reports (other machines' files) are escaped as the
 * reports escape a peer's text: an ESC or BEL in a name, target, message
 * or failure comes out as \x1b / \x07 in every format, never raw. */
static void
test_merge_escapes_report_strings(void **state)
{
	uint64_t lat[2] = { 100, 200 };
	struct loadgen_result *r;
	struct bench_read br;
	struct bench_desc d;
	struct report rep, back;
	cJSON *root, *sc;
	char *json, *text, err[256];
	size_t len = 0, i;
	FILE *f;

	(void)state;
	d = shard_desc(0, 1);
	d.target = "evil\033]0;pwned\007\033[2J";
	d.msg_desc = "m\033[31mred";
	r = shard_result(lat, 2, 1);
	json = shard_json(&d, r);
	free(r);
	assert_int_equal(bench_read_json(&br, json, strlen(json), err,
	    sizeof(err)), 0);
	free(json);
	assert_string_equal(br.target, "evil\\x1b]0;pwned\\x07\\x1b[2J");
	assert_string_equal(br.msg_desc, "m\\x1b[31mred");
	f = open_memstream(&text, &len);
	assert_non_null(f);
	bench_report_text(f, &br.desc, &br.res);
	fclose(f);
	assert_true(no_controls(text));
	free(text);
	bench_read_free(&br);

	run_report_sample(&rep);
	json = report_string(&rep, REPORT_JSON);
	report_free(&rep);
	root = cJSON_Parse(json);
	free(json);
	assert_non_null(root);
	sc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root,
	    "scenarios"), 0);
	assert_non_null(sc);
	cJSON_ReplaceItemInObjectCaseSensitive(sc, "name",
	    cJSON_CreateString("n\033]52;c;cHduZWQ=\007"));
	cJSON_ReplaceItemInObjectCaseSensitive(sc, "target",
	    cJSON_CreateString("t\033[2J"));
	cJSON_ReplaceItemInObjectCaseSensitive(sc, "failure",
	    cJSON_CreateString("f\033[31m\nsecond line"));
	json = cJSON_Print(root);
	cJSON_Delete(root);
	memset(&back, 0, sizeof(back));
	assert_int_equal(run_read_json(&back, json, strlen(json), err,
	    sizeof(err)), 0);
	free(json);
	for (i = 0; i < back.n; i++)
		if (strncmp(back.items[i].name, "n\\x1b]52;c;", 10) == 0)
			break;
	assert_true(i < back.n);
	assert_string_equal(back.items[i].target, "t\\x1b[2J");
	assert_string_equal(back.items[i].failure,
	    "f\\x1b[31m\nsecond line");
	text = report_string(&back, REPORT_TEXT);
	assert_true(no_controls(text));
	free(text);
	text = report_string(&back, REPORT_JUNIT);
	assert_true(no_controls(text));
	free(text);
	report_free(&back);
}

/* Sums that would pass 2^64 - 1 saturate there instead of wrapping,
 * each one is counted, and the verdict of the merged figures fails. */
static void
test_merge_saturates_sums(void **state)
{
	uint64_t lat[2] = { 100, 200 };
	struct loadgen_result *a = shard_result(lat, 2, 1);
	struct loadgen_result *b = shard_result(lat, 2, 1);
	struct bench_desc d = shard_desc(0, 0);
	char why[256], *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	a->lat.sum = UINT64_MAX - 10;
	a->n.bytes_out = UINT64_MAX - 1;
	b->lat.lost = 3;
	a->lat.lost = UINT64_MAX - 1;
	loadgen_result_merge(a, b);
	assert_true(a->lat.sum == UINT64_MAX);
	assert_true(a->n.bytes_out == UINT64_MAX);
	assert_true(a->lat.lost == UINT64_MAX);
	assert_int_equal(a->n.saturated, 3);
	assert_int_equal(a->n.answered, 4);	/* the rest added exactly */
	assert_false(bench_report_ok(&d, &a->n, why, sizeof(why)));
	assert_non_null(strstr(why, "3 sums reached 2^64 - 1 while merging"));
	f = open_memstream(&text, &len);
	assert_non_null(f);
	bench_report_text(f, &d, a);
	fclose(f);
	assert_non_null(strstr(text, " saturated 3 (merged sums at 2^64 - 1)"));
	free(text);
	/* A merge of the merged figures carries the count on. */
	loadgen_result_init(b);
	loadgen_result_merge(b, a);
	assert_true(b->n.saturated >= 3);
	free(a);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_percentiles_equal_one_run),
		cmocka_unit_test(test_merge_flags_bad_shards),
		cmocka_unit_test(test_merge_late_after_given),
		cmocka_unit_test(test_merge_keeps_each_reports_verdict),
		cmocka_unit_test(test_bench_read_round_trip_and_tamper),
		cmocka_unit_test(test_run_read_round_trip),
		cmocka_unit_test(test_merge_escapes_report_strings),
		cmocka_unit_test(test_merge_saturates_sums),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
