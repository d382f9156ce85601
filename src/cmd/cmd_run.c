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

static const char run_help[] =
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
"\n"
"  -C, --connect HOST:PORT  run against this server instead\n"
"  -l, --listen HOST:PORT   address of the embedded server (default\n"
"                           127.0.0.1:0, a free port)\n"
"  -c, --conns N            override the scenario's `connections`\n"
"  -r, --rate N             override the scenario's `rate` (per second)\n"
"      --source LIST        local source addresses, comma-separated\n"
"  -t, --timeout DUR        wait DUR at every expect, whatever the scenario\n"
"                           says (not the quiet period of expect nothing)\n"
"      --max-time DUR       fail a scenario still running after DUR\n"
"  -f, --format FMT         text (default), tap, junit or json\n"
"  -o, --output FILE        write the report there (the text summary still\n"
"                           goes to stdout); always written, atomically,\n"
"                           also when a scenario does not parse\n"
"  -q, --quiet              no per-scenario lines, only the report\n"
"  -h, --help               this text\n"
"\n"
"%s"
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

int
run_main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_RUN_LONGOPTS,
		{ "max-time", required_argument, NULL, 1002 },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		CLI_LIMIT_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct run_opts o;
	struct engine_limits lim;
	struct report rep;
	struct report_out ro;
	struct scenario **scs;
	const char *output = NULL;
	int ch, idx, fmt = REPORT_TEXT, quiet = 0, parse_errors = 0, rc;
	double max_time = 0, t0 = now_mono();
	size_t i, n;
	FILE *out = NULL;

	memset(&o, 0, sizeof(o));
	memset(&rep, 0, sizeof(rep));
	engine_limits_default(&lim);
	optind = 1;
	while ((ch = getopt_long(argc, argv, CLI_RUN_SHORTOPTS "f:o:qh", opts,
	    &idx)) != -1) {
		switch (cli_run_opt("run", &o, ch, optarg)) {
		case 1:
			continue;
		case -1:
			return EXIT_USAGE;
		}
		switch (ch) {
		case 1002:
			if ((max_time = parse_duration(optarg)) <= 0)
				return cli_usage_error("run", "--max-time '%s': "
				    "expected a duration such as 1m", optarg);
			break;
		case 'f':
			if ((fmt = report_format_parse(optarg)) < 0)
				return cli_usage_error("run", "--format '%s': "
				    "expected text, tap, junit or json", optarg);
			break;
		case 'o': output = optarg; break;
		case 'q': quiet = 1; break;
		case 'h':
			printf(run_help, cli_limit_help);
			return EXIT_OK;
		case CLI_LIMIT_OPT:
			if (cli_limit_opt(&lim, opts[idx].name, optarg) < 0)
				return EXIT_USAGE;
			break;
		default:
			return cli_bad_option("run");
		}
	}
	n = (size_t)(argc - optind);
	if (n == 0)
		return cli_usage_error("run", "no scenario files given");
	/* Start the report file first: a typo in its path should not cost a
	 * whole run. From here on a report is always written. */
	out = stdout;
	if (output != NULL) {
		char err[600];

		if (report_out_open(&ro, output, err, sizeof(err)) < 0) {
			fprintf(stderr, "sockbench run: --output %s\n", err);
			return EXIT_USAGE;
		}
		out = ro.f;
	}
	/* Parse everything first: a typo should not cost a long run. */
	scs = xcalloc(n, sizeof(*scs));
	for (i = 0; i < n; i++) {
		char err[1024];

		scs[i] = scenario_load(argv[optind + i], err, sizeof(err));
		if (scs[i] == NULL) {
			fprintf(stderr, "%s\n", err);
			parse_errors++;
			report_add_error(&rep, argv[optind + i], err);
		} else
			report_add_skipped(&rep, argv[optind + i],
			    "not run: another scenario file did not parse");
	}
	rc = EXIT_OK;
	if (parse_errors > 0) {
		fprintf(stderr, "sockbench run: %d of %zu scenario files did not "
		    "parse; nothing was run\n", parse_errors, n);
		rc = EXIT_USAGE;
		goto report;
	}
	report_free(&rep);
	engine_raise_nofile();
	t0 = now_mono();
	for (i = 0; i < n; i++) {
		uint64_t c = o.conns ? o.conns : scs[i]->connections;
		int r;

		if (cli_check_nofile("run", c, o.connect ? 1 : 2) < 0) {
			report_add_error(&rep, scs[i]->path, "not run: more "
			    "connections than the open-file limit allows");
			rc = EXIT_USAGE;
			i++;
			break;
		}
		r = run_one(scs[i], &o, &lim, max_time, &rep, i, n);
		if (r == EXIT_RUNTIME) {
			rc = EXIT_RUNTIME;	/* its error is in the report */
			i++;
			break;
		}
		if (!quiet && rep.n > 0 && fmt == REPORT_TEXT)
			report_line(stdout, &rep.items[rep.n - 1]);
		else if (!quiet && rep.n > 0 && output != NULL)
			report_line(stdout, &rep.items[rep.n - 1]);
		fflush(stdout);
		if (r < 0) {
			i++;
			break;		/* interrupted */
		}
	}
	/* Every file named gets its line: those after an error or a signal
	 * were not run. */
	for (; i < n; i++)
		report_add_skipped(&rep, scs[i]->path, rc != EXIT_OK ?
		    "not run: an earlier scenario could not start" :
		    "not run: interrupted by a signal");
	rep.seconds = now_mono() - t0;
	if (rc == EXIT_OK && report_passed(&rep) < n)
		rc = EXIT_FAILED;
report:
	report_write(out, &rep, fmt);
	if (output != NULL) {
		char err[600];

		out = NULL;
		if (report_out_commit(&ro, err, sizeof(err)) < 0) {
			fprintf(stderr, "sockbench run: --output %s\n", err);
			if (rc == EXIT_OK || rc == EXIT_FAILED)
				rc = EXIT_RUNTIME;
		}
		if (fmt != REPORT_TEXT)
			report_write(stdout, &rep, REPORT_TEXT);
	}
	for (i = 0; i < n; i++)
		if (scs[i] != NULL)
			scenario_free(scs[i]);
	free(scs);
	report_free(&rep);
	return rc;
}
