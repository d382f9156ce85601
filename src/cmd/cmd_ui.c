/* sockbench ui: the live dashboard over a scenario run. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "probe.h"
#include "runner.h"
#include "scenario.h"
#include "tls_cli.h"
#include "ui.h"
#include "util.h"

static const char ui_help_head[] =
"Usage: sockbench ui [options] [SCENARIO]\n"
"\n"
"Run a scenario under the live dashboard: a header with totals, rates,\n"
"latency and a throughput sparkline, a table of every connection (client\n"
"and server side), and the decoded conversation of the one you focus.\n"
"With no SCENARIO it runs the bundled demo (scenarios/demo.txt): the app\n"
"service with 8 connections searching the seed table, in a loop.\n"
"Press ? inside for the keys; q quits. While the dashboard owns the\n"
"terminal, diagnostics go to $XDG_STATE_HOME/sockbench/ui.log (default\n"
"~/.local/state/sockbench/ui.log; a private directory, mode 0700, the log\n"
"0600); when it cannot be opened the status line says why. w and W write\n"
"recordings to the current directory under new names\n"
"(sockbench-recording-YYYYMMDD-HHMMSS-N), never over a file; T writes\n"
"the selected conversation there as a text transcript\n"
"(sockbench-transcript-YYYYMMDD-HHMMSS-N.txt). On the selected connection:\n"
"c closes it with a FIN, R resets it (RST), P pauses its reading, i opens a\n"
"send line (text, or x 48 65 for bytes; framed by its codec), d shows its\n"
"TCP_INFO, queues and TLS details. A scenario saying `tls` speaks TLS.\n"
"--connect and --listen take HOST:PORT, [IPv6]:PORT, unix:/PATH or\n"
"unix:@NAME; a Unix socket connection's peer process (pid, uid, gid, from\n"
"SO_PEERCRED) is shown in the message pane's header.\n"
"\n";

static const char ui_help_tail[] =
"\n"
"It needs a terminal; for scripts and CI use 'sockbench run'.\n"
"Exit status: 0 after q or a signal when no run failed, 1 when any\n"
"client connection's run failed (the first failure is printed once the\n"
"terminal is back; a connection removed with - is not a failure), 2 on\n"
"bad flags, a scenario parse error or no terminal, 3 if it cannot listen\n"
"or set up the terminal.\n"
"\n"
"Examples:\n"
"  sockbench ui                                  the demo\n"
"  sockbench ui -c 100 --loop scenarios/seed/s1-multiconn-echo.txt\n"
"  sockbench ui --connect 127.0.0.1:7000 --loop \\\n"
"      scenarios/seed/s3-app-morpheus.txt   (after: sockbench serve -s app)\n";

const char ui_demo_scenario[] =
"# The dashboard's demo, run by `sockbench ui` with no scenario: the embedded\n"
"# app service and 8 connections searching its seed table. The dashboard\n"
"# replays every connection in a loop (the app answers one request per\n"
"# connection, then closes). Headless, once: sockbench run scenarios/demo.txt\n"
"name \"demo: search the seed table\"\n"
"service app\n"
"codec jsonhdr\n"
"connections 8\n"
"rate 8\n"
"timeout 5s\n"
"wait 1s\n"
"send json {\"action\": \"search\", \"value\": \"morpheus\"}\n"
"expect json {\"result\": \"Follow the white rabbit. \xf0\x9f\x90\xb0\"}\n"
"expect close\n";

/* What the deferred start needs, and what went wrong. */
struct ui_start {
	struct runner	*r;
	char		 err[512];
	bool		 failed;
};

/* Start the runner from inside the loop, once the dashboard watches, so
 * the table sees every connection from its first event. */
static void
ui_start_cb(struct engine *e, void *arg)
{
	struct ui_start *st = arg;

	if (runner_start(st->r, st->err, sizeof(st->err)) < 0) {
		st->failed = true;
		engine_stop(e);
	}
}

/* Probe target and parse the starter scenario written for its verdict;
 * NULL with err filled when it cannot be identified. */
static struct scenario *
ui_probe_scenario(const char *target, bool *unreachable, char *err,
    size_t errlen)
{
	struct probe_result *pr = xcalloc(1, sizeof(*pr));
	struct scenario *sc = NULL;
	char *text = NULL, name[300], why[256];
	size_t len = 0;
	FILE *f;

	fprintf(stderr, "sockbench ui: probing %s ...\n", target);
	probe_detect(target, NULL, pr);
	*unreachable = pr->status == PROBE_REFUSED ||
	    pr->status == PROBE_UNREACHABLE;
	if (*unreachable) {
		snprintf(err, errlen, "%s: %s", target, pr->summary);
		free(pr);
		return NULL;
	}
	if (pr->status != PROBE_IDENTIFIED) {
		snprintf(err, errlen, "%s: %s; give a SCENARIO to run against "
		    "it (see 'sockbench probe %s')", target, pr->summary, target);
		free(pr);
		return NULL;
	}
	fprintf(stderr, "sockbench ui: %s speaks %s%s%s (%s), decoding with "
	    "%s\n", target, pr->verdict.protocol, pr->verdict.product[0] ?
	    ", " : "", pr->verdict.product, probe_conf_name(pr->verdict.conf),
	    pr->verdict.codec);
	f = open_memstream(&text, &len);
	if (f == NULL || probe_write_scenario(f, pr, why, sizeof(why)) < 0) {
		if (f != NULL)
			fclose(f);
		snprintf(err, errlen, "%s: %s, but %s; give a SCENARIO to run "
		    "against it", target, pr->summary, why);
		free(text);
		free(pr);
		return NULL;
	}
	fclose(f);
	snprintf(name, sizeof(name), "probe of %s (%s)", target,
	    pr->verdict.protocol);
	sc = scenario_parse(name, text, len, err, errlen);
	free(text);
	free(pr);
	return sc;
}

/* What the command line asked for. */
struct ui_args {
	struct run_opts		 o;
	struct engine_limits	 lim;
	int			 loop;		/* -1: the default for the input */
	unsigned long		 bench;		/* --bench-frame N, or 0 */
	struct tls_ctx		*tls_cli, *tls_srv;	/* a `tls` scenario */
};

/* ui's own options; the scenario and limit options are shared (cli.h). */
enum ui_opt_id { UI_O_LOOP = 1, UI_O_ONCE, UI_O_BENCH_FRAME, UI_O_NO_MOUSE };

static const struct cli_opt ui_opt_table[] = {
	CLI_USE_HELP(CLI_O_CONNECT, "run against this server, not the "
	    "embedded one"),
	CLI_USE(CLI_O_LISTEN), CLI_USE(CLI_O_CONNS), CLI_USE(CLI_O_RATE),
	CLI_USE(CLI_O_SOURCE), CLI_USE(CLI_O_TIMEOUT),
	{ UI_O_LOOP, 0, "loop", no_argument, NULL,
	    "replay every connection forever (the default\n"
	    "for the demo)", NULL },
	{ UI_O_ONCE, 0, "once", no_argument, NULL,
	    "play the scenario once (the default for a\n"
	    "SCENARIO file)", NULL },
	{ UI_O_NO_MOUSE, 0, "no-mouse", no_argument, NULL,
	    "leave the mouse to the terminal (no clicks or\n"
	    "wheel in the dashboard: select text as usual)", NULL },
	{ UI_O_BENCH_FRAME, 0, "bench-frame", required_argument, "N",
	    "time drawing a frame of N fake connections\n"
	    "(no terminal needed; used by make bench)", NULL },
	CLI_USE(CLI_O_HELP),
	CLI_LIMITS,
	CLI_END
};

/* Take one of ui's own options (the struct cli_spec set function). */
static int
ui_set(void *ctx, const struct cli_opt *o, const char *arg)
{
	struct ui_args *a = ctx;
	char *end;

	switch (o->id) {
	case UI_O_LOOP: a->loop = 1; return 1;
	case UI_O_ONCE: a->loop = 0; return 1;
	case UI_O_NO_MOUSE: ui_mouse_set(false); return 1;
	case UI_O_BENCH_FRAME:
		a->bench = strtoul(arg, &end, 10);
		if (*arg == '\0' || *end != '\0' || a->bench == 0 ||
		    a->bench > 10000000) {
			cli_usage_error("ui", "--bench-frame '%s': expected a "
			    "number of connections", arg);
			return -1;
		}
		return 1;
	}
	return 0;
}

const struct cli_spec ui_spec = {
	"ui", ui_opt_table, 27, ui_help_head, ui_help_tail, ui_set
};

/* Parse the options into a; 0 to go on (optind is the first operand), or
 * -1 to stop with the exit status in *rc (EXIT_OK after --help, EXIT_USAGE
 * with the reason printed). */
static int
ui_parse_args(int argc, char **argv, struct ui_args *a, int *rc)
{
	struct cli_common common;
	int first;

	memset(a, 0, sizeof(*a));
	engine_limits_default(&a->lim);
	a->loop = -1;
	common.lim = &a->lim;
	common.run = &a->o;
	if ((*rc = cli_parse(&ui_spec, argc, argv, a, &common, &first)) >= 0)
		return -1;
	optind = first;
	return 0;
}

/* The scenario to show: the file given, else the probe's starter for
 * --connect, else the bundled demo; sets a->loop's default for it. NULL
 * with the reason printed and the exit status in *rc. */
static struct scenario *
ui_pick_scenario(const char *file, struct ui_args *a, int *rc)
{
	struct scenario *sc;
	char err[1024];
	bool unreachable = false;

	if (file != NULL) {
		sc = scenario_load(file, err, sizeof(err));
		if (a->loop < 0)
			a->loop = 0;
	} else if (a->o.connect != NULL) {
		/* An external server and no scenario: probe it first, then
		 * replay the starter scenario the probe writes, decoded with
		 * the codec it detected. */
		if ((sc = ui_probe_scenario(a->o.connect, &unreachable, err,
		    sizeof(err))) == NULL) {
			fprintf(stderr, "sockbench ui: %s\n", err);
			*rc = unreachable ? EXIT_RUNTIME : EXIT_FAILED;
			return NULL;
		}
		if (a->loop < 0)
			a->loop = 1;
	} else {
		sc = scenario_parse("scenarios/demo.txt", ui_demo_scenario,
		    strlen(ui_demo_scenario), err, sizeof(err));
		if (a->loop < 0)
			a->loop = 1;
	}
	if (sc == NULL) {
		fprintf(stderr, "%s\n", err);
		*rc = EXIT_USAGE;
	}
	return sc;
}

/* After the dashboard: say how the runs went and return EXIT_FAILED when
 * any failed (as `sockbench run` does), else EXIT_OK. */
static int
ui_verdict(const struct scenario *sc, const struct run_result *res)
{
	if (res->failed == 0)
		return EXIT_OK;
	fprintf(stderr, "sockbench ui: %s: %llu passed, %llu failed runs\n",
	    sc->path, (unsigned long long)res->passed,
	    (unsigned long long)res->failed);
	if (res->failure != NULL)
		fprintf(stderr, "    first failure: %s\n", res->failure);
	return EXIT_FAILED;
}

/* A scenario saying `tls` (or with a starttls step) speaks TLS under the
 * dashboard as under `sockbench run`: the embedded server with a
 * self-signed certificate its clients trust, --connect's server verified
 * against the system store. 0, or -1 with the reason printed. */
static int
ui_tls(const struct scenario *sc, struct ui_args *a, struct engine *e)
{
	struct cli_tls srv = { .on = 1 }, cli = { .on = 1 };
	char err[300];

	if (!sc->tls && !sc->starttls)
		return 0;
	if ((a->o.connect == NULL && cli_tls_server(&srv, &a->tls_srv, err,
	    sizeof(err)) < 0) || cli_tls_client(&cli, a->o.connect,
	    a->tls_srv, &a->tls_cli, err, sizeof(err)) < 0) {
		fprintf(stderr, "sockbench ui: %s\n", err);
		return -1;
	}
	if (sc->tls) {
		e->tls_client = a->tls_cli;
		e->tls_server = a->tls_srv;
	}
	e->tls_starttls = a->tls_cli;
	return 0;
}

/* Run sc under the dashboard on a new engine; returns the exit status. */
static int
ui_show(struct scenario *sc, struct ui_args *a)
{
	struct engine *e;
	struct ui_start st;
	char err[1024], title[256];
	int rc;

	a->o.loop = a->loop;
	/* Watching, not loading: a looping connection starts again after a
	 * pause (sockbench bench is the tool for load). */
	a->o.loop_delay = 0.5;
	if (sc->max_frame > 0 && a->lim.max_frame == CODEC_MAX_FRAME_DEFAULT)
		a->lim.max_frame = sc->max_frame;
	engine_raise_nofile();
	e = engine_new(&a->lim);
	if (ui_tls(sc, a, e) < 0) {
		engine_free(e);
		return EXIT_USAGE;
	}
	memset(&st, 0, sizeof(st));
	if ((st.r = runner_new(e, sc, &a->o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sockbench ui: %s: %s\n", sc->path, err);
		engine_free(e);
		return EXIT_RUNTIME;
	}
	snprintf(title, sizeof(title), "%s%s", sc->path,
	    a->loop ? " (looping)" : "");
	engine_after(e, 0, ui_start_cb, &st);
	rc = ui_run(e, st.r, title);
	if (st.failed) {
		fprintf(stderr, "sockbench ui: %s: %s\n", sc->path, st.err);
		rc = EXIT_RUNTIME;
	} else if (rc == EXIT_OK)
		rc = ui_verdict(sc, runner_result(st.r));
	runner_free(st.r);
	engine_free(e);
	tls_ctx_free(a->tls_cli);
	tls_ctx_free(a->tls_srv);
	return rc;
}

int
ui_main(int argc, char **argv)
{
	struct ui_args a;
	struct scenario *sc;
	int rc;

	if (ui_parse_args(argc, argv, &a, &rc) < 0)
		return rc;
	if (a.bench > 0)
		return ui_bench_frame(a.bench, 200);
	if (argc - optind > 1)
		return cli_usage_error("ui", "expected one SCENARIO, got %d "
		    "arguments", argc - optind);
	if (!isatty(0) || !isatty(1)) {
		fprintf(stderr, "sockbench ui: the dashboard needs a terminal "
		    "(stdin and stdout are not both one); to run scenarios "
		    "without one use 'sockbench run SCENARIO'\n");
		return EXIT_USAGE;
	}
	if ((sc = ui_pick_scenario(optind < argc ? argv[optind] : NULL, &a,
	    &rc)) == NULL)
		return rc;
	rc = ui_show(sc, &a);
	scenario_free(sc);
	return rc;
}
