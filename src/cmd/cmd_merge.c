/* sockbench merge REPORT...: add up the JSON reports of bench shards (or
 * of run shards) into the report one run over all of them would have
 * printed, and flag every shard that failed, started late or is missing. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench_report.h"
#include "cli.h"
#include "file.h"
#include "merge.h"
#include "report.h"
#include "shard.h"
#include "util.h"

#define MERGE_MAX_FILE	(64u * 1024 * 1024)	/* bytes of one report */

enum merge_opt_id {
	MERGE_O_FORMAT = 1, MERGE_O_LATE_AFTER, MERGE_O_ALLOW_LOSS, MERGE_O_SHARDS
};

static const struct cli_opt merge_opts[] = {
	{ MERGE_O_FORMAT, 'f', "format", required_argument, "FMT",
	    "text (default) or json; for run reports also\n"
	    "tap or junit", NULL },
	{ MERGE_O_LATE_AFTER, 0, "late-after", required_argument, "DUR",
	    "a shard that started later than --start-at (or\n"
	    "than the first shard) by more is late (default:\n"
	    "each report's own --late-after, 1s)", NULL },
	{ MERGE_O_ALLOW_LOSS, 0, "allow-loss", no_argument, NULL,
	    "as bench --allow-loss, for the merged verdict", NULL },
	{ MERGE_O_SHARDS, 0, "shards", required_argument, "N",
	    "expect N shards: for run reports, N files; a\n"
	    "bench report carries its N itself", NULL },
	CLI_USE(CLI_O_HELP),
	CLI_END
};

/* What the command line asked for. */
struct merge_args {
	const char	*format;
	double		 late_after;
	int		 allow_loss;
	int		 shards;	/* --shards N; 0: not given */
};

/* Take one option of merge. */
static int
merge_set(void *ctx, const struct cli_opt *o, const char *arg)
{
	struct merge_args *a = ctx;

	switch (o->id) {
	case MERGE_O_FORMAT:
		if (strcmp(arg, "text") != 0 && strcmp(arg, "json") != 0 &&
		    strcmp(arg, "tap") != 0 && strcmp(arg, "junit") != 0) {
			cli_usage_error("merge", "--format '%s': expected text, "
			    "json, tap or junit", arg);
			return -1;
		}
		a->format = arg;
		return 1;
	case MERGE_O_LATE_AFTER:
		if ((a->late_after = parse_duration(arg)) <= 0) {
			cli_usage_error("merge", "--late-after '%s': expected a "
			    "duration such as 1s", arg);
			return -1;
		}
		return 1;
	case MERGE_O_ALLOW_LOSS:
		a->allow_loss = 1;
		return 1;
	case MERGE_O_SHARDS: {
		char *end;
		long v = strtol(arg, &end, 10);

		if (*end != '\0' || end == arg || v < 1 || v > SHARD_MAX) {
			cli_usage_error("merge", "--shards '%s': expected 1 to "
			    "%d", arg, SHARD_MAX);
			return -1;
		}
		a->shards = (int)v;
		return 1;
	}
	}
	return 0;
}

const struct cli_spec merge_spec = {
	"merge", merge_opts, 27,
	"Usage: sockbench merge [--format FMT] REPORT.json...\n"
	"\n"
	"Add up the JSON reports of a load split into shards (bench --shard\n"
	"I/N --format json, one per machine or pod) into the report of one\n"
	"run over all of them: counters summed, latency, connect and first\n"
	"byte histograms merged bucket by bucket from the lossless form each\n"
	"report carries, so the merged percentiles are those of all the\n"
	"samples. Printed as bench prints it, in text or JSON, with a line\n"
	"for every shard that failed, started late, is missing from 0..N-1,\n"
	"came twice, ran another load or could not be read.\n"
	"Reports of `run --format json` (a scenario set sharded with run\n"
	"--shard) merge into one run report: text, json, tap or junit.\n"
	"\n",
	"\n"
	"Exit status: 0 when every shard is there, ok and on time and the\n"
	"merged verdict is ok; 1 otherwise (the report says why); 2 on bad\n"
	"flags; 3 when no report could be read.\n"
	"\n"
	"Examples:\n"
	"  sockbench merge shard-*.json\n"
	"  sockbench merge --format json -- reports/*.json > merged.json\n",
	merge_set
};

struct merge_bench *
merge_bench_new(double late_after, int allow_loss)
{
	struct merge_bench *m = xcalloc(1, sizeof(*m));

	loadgen_result_init(&m->res);
	m->late_after = late_after;
	m->allow_loss = allow_loss;
	return m;
}

/* A new shard entry at the end of m->shards. */
static struct bench_shard *
merge_shard_new(struct merge_bench *m, const char *file)
{
	struct bench_shard *sh;

	m->shards = xrealloc(m->shards, (m->nshards + 1) * sizeof(*sh));
	sh = &m->shards[m->nshards++];
	memset(sh, 0, sizeof(*sh));
	sh->file = file != NULL ? xstrdup(file) : NULL;
	return sh;
}

/* How a report's load differs from the first one merged, or NULL. */
static const char *
merge_load_differs(const struct bench_desc *a, const struct bench_desc *b)
{
	if (a->mode != b->mode || a->depth != b->depth ||
	    (a->mode == LG_RATE && a->rate != b->rate))
		return "another mode, depth or rate than the first report";
	if (a->msg_bytes != b->msg_bytes)
		return "another request size than the first report";
	if (a->embedded != b->embedded || a->tls != b->tls)
		return "another target kind (embedded, TLS) than the first "
		    "report";
	if (a->shard_total != b->shard_total)
		return "another shard count N than the first report";
	return NULL;
}

void
merge_bench_add(struct merge_bench *m, const char *file, const char *text,
    size_t len, const char *why)
{
	struct bench_shard *sh = merge_shard_new(m, file);
	struct bench_read *r;
	struct bench_desc nolate;
	const char *diff;
	char err[200];
	size_t i;

	if (text == NULL) {
		sh->status = BENCH_SHARD_UNREADABLE;
		snprintf(sh->why, sizeof(sh->why), "%s", why);
		return;
	}
	r = xmalloc(sizeof(*r));
	if (bench_read_json(r, text, len, err, sizeof(err)) < 0) {
		sh->status = BENCH_SHARD_UNREADABLE;
		snprintf(sh->why, sizeof(sh->why), "%s", err);
		free(r);
		return;
	}
	sh->index = r->desc.shard_index;
	sh->total = r->desc.shard_total;
	sh->start_at = r->desc.start_at;
	sh->started = r->res.n.started;
	if (m->late_after < 0)
		sh->late_after = r->desc.late_after > 0 ? r->desc.late_after : 1;
	else
		sh->late_after = m->late_after;
	for (i = 0; i + 1 < m->nshards && sh->total > 0; i++)
		if (m->shards[i].merged && m->shards[i].total == sh->total &&
		    m->shards[i].index == sh->index) {
			sh->status = BENCH_SHARD_DUPLICATE;
			snprintf(sh->why, sizeof(sh->why), "a second report for "
			    "shard %d/%d (the first: %s); not added twice",
			    sh->index, sh->total, m->shards[i].file);
			goto out;
		}
	if (r->merged_of > 0) {
		/* Its shards' identities are gone: a second merge could not
		 * find a duplicate or a missing shard among them. */
		sh->status = BENCH_SHARD_FAILED;
		snprintf(sh->why, sizeof(sh->why), "already a merge (its "
		    "shards array has %zu entries): merge the shards' own "
		    "reports; not added", r->merged_of);
		goto out;
	}
	if (m->nmerged > 0 && (diff = merge_load_differs(&m->desc,
	    &r->desc)) != NULL) {
		sh->status = BENCH_SHARD_FAILED;
		snprintf(sh->why, sizeof(sh->why), "ran %s", diff);
		goto out;
	}
	/* Its verdict on its figures alone; a late start is judged in
	 * merge_bench_finish, against one tolerance for every shard. */
	nolate = r->desc;
	nolate.start_at = 0;
	if (!bench_report_ok(&nolate, &r->res.n, err, sizeof(err))) {
		sh->status = BENCH_SHARD_FAILED;
		snprintf(sh->why, sizeof(sh->why), "its verdict: %s", err);
	} else if (!r->ok && bench_report_ok(&r->desc, &r->res.n, err,
	    sizeof(err))) {
		/* Its own verdict knew something its counters do not carry
		 * (a lost worker, a newer check): it stands. A failure these
		 * counters explain only by its late start is left to
		 * merge_bench_finish's one tolerance. */
		sh->status = BENCH_SHARD_FAILED;
		snprintf(sh->why, sizeof(sh->why), "its verdict: %s",
		    r->verdict != NULL && r->verdict[0] != '\0' ? r->verdict :
		    "failed (no reason given)");
	}
	if (m->nmerged == 0) {
		m->desc = r->desc;
		m->target = xstrdup(r->target);
		m->msg_desc = xstrdup(r->msg_desc);
		m->desc.target = m->target;
		m->desc.msg_desc = m->msg_desc;
		m->desc.allow_loss = r->desc.allow_loss || m->allow_loss;
		m->ntargets = 1;
	} else {
		if (strcmp(r->target, m->target) != 0)
			m->ntargets++;
		if (!r->desc.allow_loss && !m->allow_loss)
			m->desc.allow_loss = 0;
	}
	loadgen_result_merge(&m->res, &r->res);
	m->per = xrealloc(m->per, (m->nper + r->nper) * sizeof(*m->per));
	memcpy(m->per + m->nper, r->per, r->nper * sizeof(*m->per));
	m->nper += r->nper;
	m->nmerged++;
	sh->merged = 1;
out:
	bench_read_free(r);
	free(r);
}

/* Order shards by index (reports without one last), then input order. */
static int
merge_shard_cmp(const void *pa, const void *pb)
{
	const struct bench_shard *a = pa, *b = pb;
	long ka = a->total > 0 ? a->index : 1L << 30;
	long kb = b->total > 0 ? b->index : 1L << 30;

	if (ka != kb)
		return ka < kb ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

void
merge_bench_finish(struct merge_bench *m)
{
	double first = 0;
	size_t i, n = m->nshards;
	int total = 0, k;
	unsigned char *seen;

	for (i = 0; i < n; i++) {
		m->shards[i].order = i;
		if (m->shards[i].merged && m->shards[i].started > 0 &&
		    (first == 0 || m->shards[i].started < first))
			first = m->shards[i].started;
		if (m->shards[i].merged && m->shards[i].total > 0)
			total = m->shards[i].total;
	}
	if (m->shards_expected > 0 && total != m->shards_expected) {
		if (total > 0) {
			/* Every report is of another split than asked for. */
			struct bench_shard *sh = merge_shard_new(m, NULL);

			sh->order = m->nshards;
			sh->status = BENCH_SHARD_MISSING;
			snprintf(sh->why, sizeof(sh->why), "--shards %d "
			    "expected, the reports are of %d shards",
			    m->shards_expected, total);
		} else if (m->nmerged < (size_t)m->shards_expected) {
			struct bench_shard *sh = merge_shard_new(m, NULL);

			sh->order = m->nshards;
			sh->status = BENCH_SHARD_MISSING;
			snprintf(sh->why, sizeof(sh->why), "%zu of --shards "
			    "%d reports merged", m->nmerged,
			    m->shards_expected);
		}
	}
	for (i = 0; i < n; i++) {
		struct bench_shard *sh = &m->shards[i];
		double ref = sh->start_at > 0 ? sh->start_at : first;

		if (!sh->merged || sh->status != BENCH_SHARD_OK)
			continue;
		if (sh->start_at > 0 && m->desc.start_at > 0 &&
		    sh->start_at != m->desc.start_at) {
			/* Not one common start: the loads did not overlap. */
			sh->status = BENCH_SHARD_LATE;
			snprintf(sh->why, sizeof(sh->why), "its --start-at is "
			    "%+.3f s from the first report's", sh->start_at -
			    m->desc.start_at);
			continue;
		}
		if (sh->start_at == 0 && m->desc.start_at > 0) {
			sh->status = BENCH_SHARD_LATE;
			snprintf(sh->why, sizeof(sh->why), "no --start-at, "
			    "where the first report had one");
			continue;
		}
		if (sh->started == 0 || sh->started - ref <= sh->late_after)
			continue;
		sh->status = BENCH_SHARD_LATE;
		snprintf(sh->why, sizeof(sh->why), "started %.3f s after %s "
		    "(more than %g s)", sh->started - ref, sh->start_at > 0 ?
		    "--start-at" : "the first shard", sh->late_after);
	}
	if (total > 0) {
		seen = xcalloc((size_t)total, 1);
		for (i = 0; i < n; i++)
			if (m->shards[i].merged && m->shards[i].total == total)
				seen[m->shards[i].index] = 1;
		for (k = 0; k < total; k++)
			if (!seen[k]) {
				struct bench_shard *sh = merge_shard_new(m, NULL);

				sh->index = k;
				sh->total = total;
				sh->order = m->nshards;
				sh->status = BENCH_SHARD_MISSING;
				snprintf(sh->why, sizeof(sh->why), "no report "
				    "of shard %d/%d was merged", k, total);
			}
		free(seen);
	}
	qsort(m->shards, m->nshards, sizeof(*m->shards), merge_shard_cmp);
	if (m->ntargets > 1) {
		char *t = xmalloc(strlen(m->target) + 64);

		sprintf(t, "%s and %zu other target%s", m->target,
		    m->ntargets - 1, m->ntargets == 2 ? "" : "s");
		free(m->target);
		m->target = t;
		m->desc.target = t;
	}
	m->desc.shard_index = m->desc.shard_total = 0;
	m->desc.shards = m->shards;
	m->desc.nshards = m->nshards;
}

void
merge_bench_free(struct merge_bench *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nshards; i++)
		free(m->shards[i].file);
	free(m->shards);
	free(m->per);
	free(m->target);
	free(m->msg_desc);
	free(m);
}

/* Whether a report's text is a run report (it has "scenarios"). */
static int
merge_is_run(const char *text, size_t len)
{
	(void)len;
	return strstr(text, "\"scenarios\"") != NULL &&
	    strstr(text, "\"histograms\"") == NULL;
}

/* Order report items by path, keeping the order of equal ones. */
static int
merge_item_cmp(const void *pa, const void *pb)
{
	const struct report_item *const *a = pa, *const *b = pb;
	int c = strcmp((*a)->path, (*b)->path);

	return c != 0 ? c : *a < *b ? -1 : *a > *b;
}

/* Record that rep's items from *nfrom up to n came from report origin
 * (an index into the files; -1 for merge's own error items). */
static void
merge_run_origin(int **from, size_t *nfrom, size_t n, int origin)
{
	*from = xrealloc(*from, (n + 1) * sizeof(**from));
	while (*nfrom < n)
		(*from)[(*nfrom)++] = origin;
}

/* Add an error item for every scenario file two reports both ran (each
 * file runs in one shard only: two shards of different splits, or one
 * report given twice under another name); how many were added. */
static int
merge_run_same_path(struct report *rep, const int *from, char **files)
{
	struct report_item **ord = xcalloc(rep->n + 1, sizeof(*ord));
	char **msgs = xcalloc(rep->n + 1, sizeof(*msgs));
	size_t k, nm = 0;

	for (k = 0; k < rep->n; k++)
		ord[k] = &rep->items[k];
	qsort(ord, rep->n, sizeof(*ord), merge_item_cmp);
	for (k = 1; k < rep->n; k++) {
		const struct report_item *a = ord[k - 1], *b = ord[k];
		int fa = from[a - rep->items], fb = from[b - rep->items];
		char msg[900];

		if (a->error || b->error || fa < 0 || fb < 0 || fa == fb ||
		    strcmp(a->path, b->path) != 0)
			continue;
		snprintf(msg, sizeof(msg), "merge: %s ran in two reports (%s "
		    "and %s): a scenario file runs in one shard only",
		    a->path, files[fa], files[fb]);
		msgs[nm++] = xstrdup(msg);
	}
	free(ord);
	for (k = 0; k < nm; k++) {
		report_add_error(rep, "merge", msgs[k]);
		free(msgs[k]);
	}
	free(msgs);
	return (int)nm;
}

/* Merge run reports into one run report in any of run's formats; the
 * exit status. Every scenario file ran in exactly one shard, so items
 * are gathered, not added. A file that could not be read, a report of a
 * shard index already merged (not merged again), of another shard count
 * or without a shard among sharded ones, every index of 0..N-1 no report
 * carried, and fewer files than --shards are error items of the merged
 * report. */
static int
merge_run_files(const struct merge_args *a, char **files, int n,
    struct buf *texts, char **whys)
{
	struct report rep, *tmps;
	struct report_item **ord, *items;
	char err[300], msg[900];
	int i, bad = 0, total = a->shards > 0 ? a->shards : 0, *owner = NULL;
	int *from = NULL;
	unsigned char *ok;
	size_t k, nfrom = 0;

	memset(&rep, 0, sizeof(rep));
	tmps = xcalloc((size_t)n, sizeof(*tmps));
	ok = xcalloc((size_t)n, 1);
	for (i = 0; i < n; i++) {
		if (whys[i] == NULL && run_read_json(&tmps[i], (const char *)
		    buf_data(&texts[i]), buf_len(&texts[i]) - 1, err,
		    sizeof(err)) == 0) {
			ok[i] = 1;
			if (total == 0)
				total = tmps[i].shard_total;
			continue;
		}
		snprintf(msg, sizeof(msg), "%s: merge: %s", files[i],
		    whys[i] != NULL ? whys[i] : err);
		report_add_error(&rep, files[i], msg);
		bad++;
	}
	if (total > 0) {
		owner = xmalloc((size_t)total * sizeof(*owner));
		for (i = 0; i < total; i++)
			owner[i] = -1;
	}
	for (i = 0; i < n; i++) {
		struct report *t = &tmps[i];

		if (!ok[i])
			continue;
		msg[0] = '\0';
		if (total > 0 && t->shard_total == 0)
			snprintf(msg, sizeof(msg), "%s: merge: no shard in this "
			    "report (a run without --shard), where shards of %d "
			    "are merged: not merged", files[i], total);
		else if (total > 0 && t->shard_total != total)
			snprintf(msg, sizeof(msg), "%s: merge: shard %d/%d, "
			    "where shards of %d are merged: not merged",
			    files[i], t->shard_index, t->shard_total, total);
		else if (total > 0 && owner[t->shard_index] >= 0)
			snprintf(msg, sizeof(msg), "%s: merge: shard %d/%d "
			    "again (already in %s): duplicate, not merged",
			    files[i], t->shard_index, total,
			    files[owner[t->shard_index]]);
		if (msg[0] != '\0') {
			report_add_error(&rep, files[i], msg);
			bad++;
			continue;
		}
		if (total > 0)
			owner[t->shard_index] = i;
		if (t->seconds > rep.seconds)
			rep.seconds = t->seconds;
		merge_run_origin(&from, &nfrom, rep.n, -1);
		report_move(&rep, t);
		merge_run_origin(&from, &nfrom, rep.n, i);
	}
	merge_run_origin(&from, &nfrom, rep.n, -1);
	bad += merge_run_same_path(&rep, from, files);
	free(from);
	for (i = 0; i < total; i++)
		if (owner[i] < 0) {
			snprintf(msg, sizeof(msg), "merge: no report of shard "
			    "%d/%d was merged: missing", i, total);
			report_add_error(&rep, "merge", msg);
			bad++;
		}
	if (a->shards > 0 && n != a->shards) {
		snprintf(msg, sizeof(msg), "merge: %d report%s given, --shards "
		    "%d expected", n, n == 1 ? "" : "s", a->shards);
		report_add_error(&rep, "merge", msg);
		bad++;
	}
	for (i = 0; i < n; i++)
		report_free(&tmps[i]);
	free(tmps);
	free(ok);
	free(owner);
	ord = xcalloc(rep.n + 1, sizeof(*ord));
	for (k = 0; k < rep.n; k++)
		ord[k] = &rep.items[k];
	qsort(ord, rep.n, sizeof(*ord), merge_item_cmp);
	items = xcalloc(rep.n + 1, sizeof(*items));
	for (k = 0; k < rep.n; k++)
		items[k] = *ord[k];
	free(rep.items);
	rep.items = items;
	free(ord);
	report_write(stdout, &rep, report_format_parse(a->format));
	i = bad == 0 && report_errors(&rep) == 0 &&
	    report_passed(&rep) == rep.n ? EXIT_OK : EXIT_FAILED;
	report_free(&rep);
	return i;
}

/* Merge bench reports; the exit status. */
static int
merge_bench_files(const struct merge_args *a, char **files, int n,
    struct buf *texts, char **whys)
{
	struct merge_bench *m = merge_bench_new(a->late_after, a->allow_loss);

	m->shards_expected = a->shards;
	char why[256];
	int i, rc;

	for (i = 0; i < n; i++)
		merge_bench_add(m, files[i], whys[i] == NULL ?
		    (const char *)buf_data(&texts[i]) : NULL,
		    whys[i] == NULL ? buf_len(&texts[i]) - 1 : 0, whys[i]);
	merge_bench_finish(m);
	if (m->nmerged == 0) {
		for (i = 0; i < (int)m->nshards; i++)
			if (m->shards[i].file != NULL)
				fprintf(stderr, "sockbench merge: %s: %s\n",
				    m->shards[i].file, m->shards[i].why);
		fprintf(stderr, "sockbench merge: no report could be merged\n");
		merge_bench_free(m);
		return EXIT_RUNTIME;
	}
	if (strcmp(a->format, "json") == 0)
		bench_report_json(stdout, &m->desc, &m->res, m->per,
		    (int)m->nper);
	else
		bench_report_text(stdout, &m->desc, &m->res);
	rc = bench_report_ok(&m->desc, &m->res.n, why, sizeof(why)) ?
	    EXIT_OK : EXIT_FAILED;
	merge_bench_free(m);
	return rc;
}

int
merge_main(int argc, char **argv)
{
	struct merge_args a = { "text", -1, 0, 0 };
	struct buf *texts;
	char **whys, why[300];
	int first, rc, i, n, nrun = 0;

	if ((rc = cli_parse(&merge_spec, argc, argv, &a, NULL, &first)) >= 0)
		return rc;
	if (first >= argc)
		return cli_usage_error("merge", "no reports given");
	n = argc - first;
	texts = xcalloc((size_t)n, sizeof(*texts));
	whys = xcalloc((size_t)n, sizeof(*whys));
	for (i = 0; i < n; i++) {
		int big = 0;

		buf_init(&texts[i]);
		if (file_read_regular(argv[first + i], MERGE_MAX_FILE,
		    &texts[i], &big, why, sizeof(why)) < 0) {
			whys[i] = xstrdup(why);
			continue;
		}
		buf_append(&texts[i], "", 1);
		if (merge_is_run((const char *)buf_data(&texts[i]),
		    buf_len(&texts[i]) - 1))
			nrun++;
	}
	if (nrun > 0)
		rc = merge_run_files(&a, argv + first, n, texts, whys);
	else if (strcmp(a.format, "text") != 0 &&
	    strcmp(a.format, "json") != 0)
		rc = cli_usage_error("merge", "--format %s: bench reports merge "
		    "to text or json", a.format);
	else
		rc = merge_bench_files(&a, argv + first, n, texts, whys);
	for (i = 0; i < n; i++) {
		buf_free(&texts[i]);
		free(whys[i]);
	}
	free(texts);
	free(whys);
	return rc;
}
