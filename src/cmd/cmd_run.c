/* sockbench run: replay scenarios headless, for CI. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "report.h"
#include "runner.h"
#include "util.h"

static const char run_help_head[] =
"Usage: sockbench run [options] FILES...\n"
"\n"
"Replay each scenario file headless, against the embedded server the\n"
"scenario names (its `service` line) or an external server (--connect).\n"
"Prints one line per scenario, a report for each failure (file:line of the\n"
"step, expected vs received as escaped text and hex, the offset of the\n"
"first difference; a timeout shows any partial frame and what it lacks),\n"
"and ends with 'N passed, N failed'. What the peer sends while a script\n"
"sends waits for the next expect, up to --max-buffer; a send the peer takes\n"
"nothing of for the scenario's timeout fails with 'sending stalled'.\n"
"\n";

static const char run_help_tail[] =
"\n"
"Exit status: 0 all passed, 1 any failed, 2 usage or parse error,\n"
"3 runtime error (cannot listen).\n"
"\n"
"Examples:\n"
"  sockbench run scenarios/seed/*.txt\n"
"  sockbench run --format junit --output report.xml scenarios/*/*.txt\n"
"  sockbench probe -e redis.txt 127.0.0.1:6379 &&\n"
"    sockbench run --connect 127.0.0.1:6379 redis.txt\n";

/* What the run needs beyond the scenarios. */
struct run_ctx {
	struct engine		*eng;
	struct runner		*runner;
	const char		*path;
	size_t			 index, total;
	int			 progress;
	int			 timed_out;
	double			 t0;
};

static int run_interrupted;

/* SIGINT or SIGTERM: report what ran so far, then stop. */
static void
run_signal_cb(struct engine *e, int sig)
{
	(void)e;
	(void)sig;
	run_interrupted = 1;
}

/* The runner finished every connection: leave the loop. */
static void
run_done_cb(struct runner *r, void *arg)
{
	struct run_ctx *ctx = arg;

	(void)r;
	engine_stop(ctx->eng);
}

/* --max-time expired. */
static void
run_max_time_cb(struct engine *e, void *arg)
{
	struct run_ctx *ctx = arg;

	ctx->timed_out = 1;
	engine_stop(e);
}

/* Redraw the progress line on stderr once the run takes over a second. */
static void
run_progress_cb(struct engine *e, void *arg)
{
	struct run_ctx *ctx = arg;
	const struct run_result *res = runner_result(ctx->runner);

	if (now_mono() - ctx->t0 < 1.0)
		return;
	(void)e;
	fprintf(stderr, "\r\033[K[%zu/%zu] %s: %.1fs, %llu/%llu connections "
	    "done, %llu failed, %llu replies matched", ctx->index + 1,
	    ctx->total, ctx->path, now_mono() - ctx->t0,
	    (unsigned long long)(res->passed + res->failed),
	    (unsigned long long)res->conns, (unsigned long long)res->failed,
	    (unsigned long long)res->expects);
	ctx->progress = 1;
}

/* Run one parsed scenario and add its outcome to the report. */
static int
run_one(struct scenario *sc, const struct run_opts *o,
    const struct engine_limits *lim, double max_time, struct report *rep,
    size_t index, size_t total)
{
	struct run_ctx ctx;
	struct engine_limits l = *lim;
	char err[512];
	struct run_result res;

	memset(&ctx, 0, sizeof(ctx));
	if (sc->max_frame > 0 && l.max_frame == CODEC_MAX_FRAME_DEFAULT)
		l.max_frame = sc->max_frame;
	ctx.eng = engine_new(&l);
	ctx.path = sc->path;
	ctx.index = index;
	ctx.total = total;
	ctx.t0 = now_mono();
	engine_handle_signals(ctx.eng, run_signal_cb);
	ctx.runner = runner_new(ctx.eng, sc, o, err, sizeof(err));
	if (ctx.runner == NULL || runner_start(ctx.runner, err,
	    sizeof(err)) < 0) {
		char text[600];

		fprintf(stderr, "sockbench run: %s: %s\n", sc->path, err);
		snprintf(text, sizeof(text), "%s: could not start: %s",
		    sc->path, err);
		report_add_error(rep, sc->path, text);
		runner_free(ctx.runner);
		engine_free(ctx.eng);
		return EXIT_RUNTIME;
	}
	runner_on_done(ctx.runner, run_done_cb, &ctx);
	if (max_time > 0)
		engine_after(ctx.eng, max_time, run_max_time_cb, &ctx);
	if (isatty(2))
		engine_every(ctx.eng, 0.25, run_progress_cb, &ctx);
	engine_run(ctx.eng);
	if (ctx.progress)
		fprintf(stderr, "\r\033[K");
	res = *runner_result(ctx.runner);
	if (res.t_end == 0)
		res.t_end = now_mono();
	if (!res.done) {
		uint64_t unfinished = res.conns - res.passed - res.failed;

		if (res.failure == NULL) {
			snprintf(err, sizeof(err), "%s: stopped after %s with "
			    "%llu of %llu connections unfinished", sc->path,
			    ctx.timed_out ? "--max-time" : "a signal",
			    (unsigned long long)unfinished,
			    (unsigned long long)res.conns);
			res.failure = err;
		}
		res.failed += unfinished;	/* unfinished is not passed */
	}
	report_add(rep, sc, runner_target(ctx.runner), &res);
	runner_free(ctx.runner);
	engine_free(ctx.eng);
	return run_interrupted ? -1 : 0;
}

/* run's own options; the scenario and limit options are shared (cli.h). */
enum run_opt_id {
	RUN_O_MAX_TIME = 1, RUN_O_FORMAT, RUN_O_OUTPUT, RUN_O_QUIET
};

static const struct cli_opt run_opt_table[] = {
	CLI_USE(CLI_O_CONNECT), CLI_USE(CLI_O_LISTEN), CLI_USE(CLI_O_CONNS),
	CLI_USE(CLI_O_RATE), CLI_USE(CLI_O_SOURCE),
	CLI_USE_HELP(CLI_O_TIMEOUT, "wait DUR at every expect, whatever the "
	    "scenario\nsays (not the quiet period of expect nothing)"),
	{ RUN_O_MAX_TIME, 0, "max-time", required_argument, "DUR",
	    "fail a scenario still running after DUR", NULL },
	{ RUN_O_FORMAT, 'f', "format", required_argument, "FMT",
	    "text (default), tap, junit or json", NULL },
	{ RUN_O_OUTPUT, 'o', "output", required_argument, "FILE",
	    "write the report there (the text summary still\n"
	    "goes to stdout); always written, atomically,\n"
	    "also when a scenario does not parse", NULL },
	{ RUN_O_QUIET, 'q', "quiet", no_argument, NULL,
	    "no per-scenario lines, only the report", NULL },
	CLI_USE(CLI_O_HELP),
	CLI_LIMITS,
	CLI_END
};

/* What one `sockbench run` command line asks for, and its scenarios. */
struct run_cmd {
	struct run_opts		 o;
	struct engine_limits	 lim;
	struct report		 rep;
	struct report_out	 ro;
	const char		*output;	/* --output FILE, or NULL */
	int			 fmt;		/* REPORT_TEXT, ... */
	int			 quiet;
	double			 max_time;	/* seconds, 0: none */
	struct scenario		**scs;		/* n of them, NULL if bad */
	size_t			 n;
};

/* Take one of run's own options (the struct cli_spec set function); the
 * shared ones go to cli.c. ctx is the struct run_cmd. */
static int
run_set(void *ctx, const struct cli_opt *o, const char *arg)
{
	struct run_cmd *rc = ctx;

	switch (o->id) {
	case RUN_O_MAX_TIME:
		if ((rc->max_time = parse_duration(arg)) <= 0) {
			cli_usage_error("run", "--max-time '%s': expected a "
			    "duration such as 1m", arg);
			return -1;
		}
		return 1;
	case RUN_O_FORMAT:
		if ((rc->fmt = report_format_parse(arg)) < 0) {
			cli_usage_error("run", "--format '%s': expected text, "
			    "tap, junit or json", arg);
			return -1;
		}
		return 1;
	case RUN_O_OUTPUT: rc->output = arg; return 1;
	case RUN_O_QUIET: rc->quiet = 1; return 1;
	}
	return 0;
}

const struct cli_spec run_spec = {
	"run", run_opt_table, 27, run_help_head, run_help_tail, run_set
};

/* Read the flags into rc; 0 with *first the first operand, or -1 with
 * *status the exit status (a usage error, or 0 after --help). */
static int
run_parse_args(struct run_cmd *rc, int argc, char **argv, int *status,
    int *first)
{
	struct cli_common common = { &rc->lim, &rc->o };

	if ((*status = cli_parse(&run_spec, argc, argv, rc, &common,
	    first)) >= 0)
		return -1;
	if (*first >= argc) {
		*status = cli_usage_error("run", "no scenario files given");
		return -1;
	}
	return 0;
}

/* Parse every file before running any: a typo should not cost a long
 * run. Returns how many did not parse (each is in the report). */
static int
run_load_all(struct run_cmd *rc, char **paths)
{
	int errors = 0;
	size_t i;

	rc->scs = xcalloc(rc->n, sizeof(*rc->scs));
	for (i = 0; i < rc->n; i++) {
		char err[1024];

		rc->scs[i] = scenario_load(paths[i], err, sizeof(err));
		if (rc->scs[i] == NULL) {
			fprintf(stderr, "%s\n", err);
			errors++;
			report_add_error(&rc->rep, paths[i], err);
		} else
			report_add_skipped(&rc->rep, paths[i],
			    "not run: another scenario file did not parse");
	}
	return errors;
}

/* Run the scenarios one after another into the report; returns the exit
 * status so far. */
static int
run_all(struct run_cmd *rc)
{
	int status = EXIT_OK, r;
	double t0 = now_mono();
	size_t i;

	report_free(&rc->rep);
	engine_raise_nofile();
	for (i = 0; i < rc->n; i++) {
		uint64_t c = rc->o.conns ? rc->o.conns : rc->scs[i]->connections;

		if (cli_check_nofile("run", c, rc->o.connect ? 1 : 2) < 0) {
			report_add_error(&rc->rep, rc->scs[i]->path, "not run: "
			    "more connections than the open-file limit allows");
			status = EXIT_USAGE;
			i++;
			break;
		}
		r = run_one(rc->scs[i], &rc->o, &rc->lim, rc->max_time,
		    &rc->rep, i, rc->n);
		if (r == EXIT_RUNTIME) {
			status = EXIT_RUNTIME;	/* its error is in the report */
			i++;
			break;
		}
		if (!rc->quiet && rc->rep.n > 0 && (rc->fmt == REPORT_TEXT ||
		    rc->output != NULL))
			report_line(stdout, &rc->rep.items[rc->rep.n - 1]);
		fflush(stdout);
		if (r < 0) {
			i++;
			break;		/* interrupted */
		}
	}
	/* Every file named gets its line: those after an error or a signal
	 * were not run. */
	for (; i < rc->n; i++)
		report_add_skipped(&rc->rep, rc->scs[i]->path, status != EXIT_OK ?
		    "not run: an earlier scenario could not start" :
		    "not run: interrupted by a signal");
	rc->rep.seconds = now_mono() - t0;
	if (status == EXIT_OK && report_passed(&rc->rep) < rc->n)
		status = EXIT_FAILED;
	return status;
}

/* Write the report to stdout or commit it to --output; returns status,
 * made EXIT_RUNTIME when the report file could not be written. */
static int
run_write_report(struct run_cmd *rc, FILE *out, int status)
{
	char err[600];

	report_write(out, &rc->rep, rc->fmt);
	if (rc->output == NULL)
		return status;
	if (report_out_commit(&rc->ro, err, sizeof(err)) < 0) {
		fprintf(stderr, "sockbench run: --output %s\n", err);
		if (status == EXIT_OK || status == EXIT_FAILED)
			status = EXIT_RUNTIME;
	}
	if (rc->fmt != REPORT_TEXT)
		report_write(stdout, &rc->rep, REPORT_TEXT);
	return status;
}

int
run_main(int argc, char **argv)
{
	struct run_cmd rc;
	FILE *out = stdout;
	int status, errors, first;
	size_t i;

	memset(&rc, 0, sizeof(rc));
	rc.fmt = REPORT_TEXT;
	engine_limits_default(&rc.lim);
	if (run_parse_args(&rc, argc, argv, &status, &first) < 0)
		return status;
	rc.n = (size_t)(argc - first);
	/* Start the report file first: a typo in its path should not cost a
	 * whole run. From here on a report is always written. */
	if (rc.output != NULL) {
		char err[600];

		if (report_out_open(&rc.ro, rc.output, err, sizeof(err)) < 0) {
			fprintf(stderr, "sockbench run: --output %s\n", err);
			return EXIT_USAGE;
		}
		out = rc.ro.f;
	}
	if ((errors = run_load_all(&rc, argv + first)) > 0) {
		fprintf(stderr, "sockbench run: %d of %zu scenario files did not "
		    "parse; nothing was run\n", errors, rc.n);
		status = EXIT_USAGE;
	} else
		status = run_all(&rc);
	status = run_write_report(&rc, out, status);
	for (i = 0; i < rc.n; i++)
		if (rc.scs[i] != NULL)
			scenario_free(rc.scs[i]);
	free(rc.scs);
	report_free(&rc.rep);
	return status;
}
