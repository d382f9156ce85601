/* sockbench run: replay scenarios headless, for CI. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "clock.h"
#include "cli.h"
#include "tls_cli.h"
#include "conn.h"
#include "report.h"
#include "shard.h"
#include "runner.h"
#include "util.h"

#define RUN_MAX_JOBS	64	/* -j: scenarios at once on one engine */
#define RUN_MAX_DEPTH	32	/* directories below a DIR argument */

static const char run_help_head[] =
"Usage: sockbench run [options] FILE|DIR...\n"
"\n"
"Replay each scenario file headless, against the embedded server the\n"
"scenario names (its `service` line) or an external server (--connect).\n"
"A DIR stands for every *.txt file below it, sorted by path (names that\n"
"start with a dot, folders named files/ and symlinked folders are left\n"
"out; a symlink to a file is followed). Prints one line per scenario as it\n"
"finishes, then the failures: failed connections counted and grouped by\n"
"step and reason (\"37 connections failed at f.txt:12 (timeout), 3 at\n"
"f.txt:15 (mismatch)\"), the first of each group in full (file:line,\n"
"expected vs received as escaped text and hex, the first difference), each\n"
"`assert` threshold with its measured value, and 'N passed, N failed'. A\n"
"failed threshold fails its scenario. What the peer sends while a script\n"
"sends waits for the next expect, up to --max-buffer; a send the peer takes\n"
"nothing of for the scenario's timeout fails with 'sending stalled'.\n"
"\n";

static const char run_help_tail[] =
"\n"
"Exit status: 0 all passed, 1 any failed (a connection or a threshold),\n"
"2 usage or parse error (or a scenario past the open-file limit), 3 a\n"
"scenario could not start (cannot listen); the others still run.\n"
"\n"
"Examples:\n"
"  sockbench run scenarios/seed/*.txt\n"
"  sockbench run -j 8 --format junit --output report.xml scenarios/\n"
"  sockbench run --format junit --output report.xml scenarios/*/*.txt\n"
"  sockbench probe -e redis.txt 127.0.0.1:6379 &&\n"
"    sockbench run --connect 127.0.0.1:6379 redis.txt\n";

/* run's own options; the scenario and limit options are shared (cli.h). */
enum run_opt_id {
	RUN_O_MAX_TIME = 1, RUN_O_FORMAT, RUN_O_OUTPUT, RUN_O_QUIET, RUN_O_JOBS,
	RUN_O_SHARD
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
	{ RUN_O_JOBS, 'j', "jobs", required_argument, "N",
	    "run N scenarios at once (1-64, default 1) on\n"
	    "one event loop; the report keeps file order,\n"
	    "the per-scenario lines come as each finishes", NULL },
	{ RUN_O_SHARD, 0, "shard", required_argument, "I/N",
	    "run shard I (0 to N-1) of N: every N-th file of\n"
	    "the sorted list from the I-th (env: I from\n"
	    "JOB_COMPLETION_INDEX, N from SOCKBENCH_SHARDS);\n"
	    "sockbench merge adds the reports up", NULL },
	CLI_USE(CLI_O_HELP),
	CLI_TLS_CLIENT,
	CLI_LIMITS,
	CLI_END
};

/* What one `sockbench run` command line asks for, and its scenarios. */
struct run_cmd {
	struct run_opts		 o;
	struct engine_limits	 lim;
	struct cli_tls		 tls;		/* --tls ... */
	struct tls_summary	 tlss;		/* what the handshakes got */
	struct tls_ctx		*tls_cli, *tls_srv;	/* --tls or `tls` */
	struct report		 rep;
	struct report_out	 ro;
	const char		*output;	/* --output FILE, or NULL */
	int			 fmt;		/* REPORT_TEXT, ... */
	int			 quiet;
	double			 max_time;	/* seconds, 0: none */
	size_t			 jobs;		/* -j: scenarios at once */
	int			 shard_index;	/* --shard I/N */
	int			 shard_total;	/* 0: no --shard */
	struct scenario		**scs;		/* n of them, NULL if bad */
	size_t			 n;
};

/* Take one of run's own options (the struct cli_spec set function); the
 * shared ones go to cli.c. ctx is the struct run_cmd. */
static int
run_set(void *ctx, const struct cli_opt *o, const char *arg)
{
	struct run_cmd *rc = ctx;
	unsigned long v;
	char *end;

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
	case RUN_O_SHARD: {
		char err[256];

		if (shard_parse(arg, &rc->shard_index, &rc->shard_total, err,
		    sizeof(err)) < 0) {
			cli_usage_error("run", "%s", err);
			return -1;
		}
		return 1;
	}
	case RUN_O_JOBS:
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno != 0 || end == arg || *end != '\0' || arg[0] == '-' ||
		    v < 1 || v > RUN_MAX_JOBS) {
			cli_usage_error("run", "--jobs '%s': expected a number "
			    "from 1 to %d", arg, RUN_MAX_JOBS);
			return -1;
		}
		rc->jobs = v;
		return 1;
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
	struct cli_common common = { &rc->lim, &rc->o, &rc->tls };

	if ((*status = cli_parse(&run_spec, argc, argv, rc, &common,
	    first)) >= 0)
		return -1;
	*status = EXIT_USAGE;
	if (*first >= argc) {
		*status = cli_usage_error("run", "no scenario files given");
		return -1;
	}
	if (rc->jobs > 1 && rc->o.listen != NULL && rc->o.connect == NULL) {
		*status = cli_usage_error("run", "--listen with --jobs %zu: the "
		    "embedded servers of scenarios running at once cannot share "
		    "one address; leave --listen out (each gets a free port) or "
		    "use -j 1", rc->jobs);
		return -1;
	}
	return 0;
}

/* The list of scenario paths a command line names. Owned by run_main. */
struct run_paths {
	char	**v;
	size_t	 n, cap;
};

static void
run_paths_add(struct run_paths *p, char *path)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n++] = path;
}

static int
run_path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add every *.txt regular file below dir (a symlink to one included),
 * skipping names that start with a dot, directories named "files" (where
 * scenarios keep `send file` payloads, which may be .txt too), and never
 * following a symlink to a directory (no cycles); 0, or -1 with a message
 * printed. */
static int
run_walk(struct run_paths *p, const char *dir, int depth)
{
	DIR *d;
	struct dirent *de;
	struct stat st, lst;
	size_t len;
	char *path;
	int rc = 0;

	if (depth > RUN_MAX_DEPTH) {
		cli_usage_error("run", "%s: more than %d directories deep",
		    dir, RUN_MAX_DEPTH);
		return -1;
	}
	if ((d = opendir(dir)) == NULL) {
		cli_usage_error("run", "%s: cannot read the directory: %s",
		    dir, strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		len = strlen(dir) + strlen(de->d_name) + 2;
		path = xmalloc(len);
		snprintf(path, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ?
		    "" : "/", de->d_name);
		if (lstat(path, &lst) == -1 || stat(path, &st) == -1) {
			free(path);	/* vanished, or a dangling symlink */
			continue;
		}
		if (S_ISDIR(st.st_mode) && !S_ISLNK(lst.st_mode)) {
			if (strcmp(de->d_name, "files") != 0)
				rc = run_walk(p, path, depth + 1);
			free(path);
		} else if (S_ISREG(st.st_mode) && (len = strlen(de->d_name)) > 4 &&
		    strcmp(de->d_name + len - 4, ".txt") == 0)
			run_paths_add(p, path);
		else
			free(path);
	}
	closedir(d);
	return rc;
}

/* Expand the arguments: a directory becomes every *.txt below it, sorted
 * by path; anything else is kept as given (scenario_load says what is
 * wrong with it). 0, or -1 with a message printed. */
static int
run_expand(struct run_paths *p, int argc, char **argv)
{
	struct stat st;
	size_t first;
	int i;

	for (i = 0; i < argc; i++) {
		if (stat(argv[i], &st) == -1 || !S_ISDIR(st.st_mode)) {
			run_paths_add(p, xstrdup(argv[i]));
			continue;
		}
		first = p->n;
		if (run_walk(p, argv[i], 0) < 0)
			return -1;
		if (p->n == first) {
			cli_usage_error("run", "%s: no *.txt scenario files below "
			    "this directory", argv[i]);
			return -1;
		}
		qsort(p->v + first, p->n - first, sizeof(*p->v), run_path_cmp);
	}
	return 0;
}

static int run_interrupted;

/* SIGINT or SIGTERM: the engine stops its loop; every scenario still
 * running is reported as stopped, those not started as skipped. */
static void
run_signal_cb(struct engine *e, int sig)
{
	(void)e;
	(void)sig;
	run_interrupted = 1;
}

enum slot_state { SLOT_WAITING, SLOT_RUNNING, SLOT_DONE };

/* One scenario of the run, from its start to its report item. Owned by
 * the run_sched's array. */
struct run_slot {
	struct run_sched	*s;
	size_t			 index;		/* in file order */
	struct scenario		*sc;
	struct runner		*runner;
	struct engine_timer	*max_timer;	/* --max-time, NULL once fired */
	enum slot_state		 state;
	int			 finished;	/* the runner ended, or timed out */
	const char		*stopped;	/* "--max-time", or NULL */
	uint64_t		 conns;		/* it opens, for the fd budget */
	size_t			 max_frame;	/* its engine limit */
	struct report		 rep;		/* its one item once done */
};

/* The scenarios of one run, up to jobs of them at once as runners on one
 * engine. Lives on run_all's stack. */
struct run_sched {
	struct run_cmd		*rc;
	struct engine		*eng;
	struct run_slot		*slots;
	size_t			 n, next, running, done;
	uint64_t		 open_conns;	/* of the running slots */
	uint64_t		 nofile;	/* the open-file limit */
	struct engine_timer	*reap;		/* pending run_reap_cb */
	int			 status;
	int			 progress;	/* a progress line is shown */
	double			 t0;
};

static void run_fill(struct run_sched *s);

/* Clear the progress line before printing to the terminal. */
static void
run_progress_clear(struct run_sched *s)
{
	if (s->progress) {
		fprintf(stderr, "\r\033[K");
		s->progress = 0;
	}
}

/* Close the connections the embedded server of a finished scenario
 * accepted: their service state points into its runner, which is freed
 * next, while the engine runs on for the others. They are the server-side
 * connections whose local address is that server's ("127.0.0.1:PORT" of
 * the target "127.0.0.1:PORT (embedded echo)"), or every server-side one
 * when no other scenario runs. */
static void
run_close_served(struct run_sched *s, const char *target)
{
	const char *sp = strstr(target, " (embedded ");
	size_t len = sp != NULL ? (size_t)(sp - target) : 0;
	struct conn *c, *next;

	if (sp == NULL)
		return;		/* --connect: no embedded server */
	for (c = s->eng->conns; c != NULL; c = next) {
		next = c->next;
		if (c->dead || c->info.side != SIDE_SERVER)
			continue;
		if (s->running == 1 || (strncmp(c->info.local, target,
		    len) == 0 && c->info.local[len] == '\0'))
			conn_close(c, "scenario finished");
	}
}

/* Copy a finished or stopped slot's outcome into its report, print its
 * line, and free its runner. */
static void
run_finish(struct run_slot *sl, const char *stopped)
{
	struct run_sched *s = sl->s;
	struct run_result res;

	runner_stopped(sl->runner);	/* the server's side counts too */
	res = *runner_result(sl->runner);
	if (res.t_end == 0)
		res.t_end = clock_now_mono();
	if (!res.done && stopped == NULL)
		stopped = sl->stopped != NULL ? sl->stopped : "a signal";
	report_add(&sl->rep, sl->sc, runner_target(sl->runner), &res,
	    res.done ? NULL : stopped);
	if (sl->max_timer != NULL)
		engine_timer_cancel(s->eng, sl->max_timer);
	sl->max_timer = NULL;
	run_close_served(s, runner_target(sl->runner));
	runner_free(sl->runner);
	sl->runner = NULL;
	sl->state = SLOT_DONE;
	s->running--;
	s->done++;
	s->open_conns -= sl->conns;
	if (!s->rc->quiet && (s->rc->fmt == REPORT_TEXT ||
	    s->rc->output != NULL)) {
		run_progress_clear(s);
		report_line(stdout, &sl->rep.items[0]);
		fflush(stdout);
	}
}

/* From the loop, never under a runner's own callback: finish every slot
 * that ended, start the next ones, and stop when all are done. */
static void
run_reap_cb(struct engine *e, void *arg)
{
	struct run_sched *s = arg;
	size_t i;

	s->reap = NULL;
	for (i = 0; i < s->n; i++)
		if (s->slots[i].state == SLOT_RUNNING && s->slots[i].finished)
			run_finish(&s->slots[i], NULL);
	run_fill(s);
	if (s->done == s->n)
		engine_stop(e);
}

/* Ask for run_reap_cb once. */
static void
run_reap_soon(struct run_sched *s)
{
	if (s->reap == NULL)
		s->reap = engine_after(s->eng, 0, run_reap_cb, s);
}

/* The runner finished every connection. */
static void
run_done_cb(struct runner *r, void *arg)
{
	struct run_slot *sl = arg;

	(void)r;
	sl->finished = 1;
	run_reap_soon(sl->s);
}

/* --max-time expired for this scenario. */
static void
run_max_time_cb(struct engine *e, void *arg)
{
	struct run_slot *sl = arg;

	(void)e;
	sl->max_timer = NULL;	/* a fired one-shot timer is freed */
	sl->finished = 1;
	sl->stopped = "--max-time";
	run_reap_soon(sl->s);
}

/* Redraw the progress line on stderr once the run takes over a second. */
static void
run_progress_cb(struct engine *e, void *arg)
{
	struct run_sched *s = arg;
	uint64_t conns = 0, ended = 0, failed = 0, matched = 0;
	const char *path = NULL;
	size_t i;

	(void)e;
	if (clock_now_mono() - s->t0 < 1.0)
		return;
	for (i = 0; i < s->n; i++) {
		const struct run_result *res;

		if (s->slots[i].state != SLOT_RUNNING)
			continue;
		res = runner_result(s->slots[i].runner);
		if (path == NULL)
			path = s->slots[i].sc->path;
		conns += res->conns;
		ended += res->passed + res->failed;
		failed += res->failed;
		matched += res->expects;
	}
	if (path == NULL)
		return;
	fprintf(stderr, "\r\033[K[%zu/%zu done, %zu running] %s%s: %.1fs, "
	    "%llu/%llu connections done, %llu failed, %llu replies matched",
	    s->done, s->n, s->running, path, s->running > 1 ? " ..." : "",
	    clock_now_mono() - s->t0, (unsigned long long)ended,
	    (unsigned long long)conns, (unsigned long long)failed,
	    (unsigned long long)matched);
	s->progress = 1;
}

/* Start slot sl; 0, or -1 when it could not start (its error is in its
 * report and in the run's status; the others go on). */
static int
run_start(struct run_sched *s, struct run_slot *sl)
{
	struct run_cmd *rc = s->rc;
	char err[512], text[600];

	sl->state = SLOT_RUNNING;
	s->running++;
	s->open_conns += sl->conns;
	s->eng->lim.max_frame = sl->max_frame;
	if (rc->tls_cli != NULL) {
		/* --tls: every scenario; else those saying `tls` (never two
		 * kinds at once: run_parse_args refuses that with -j). */
		int on = rc->tls.on || sl->sc->tls;

		s->eng->tls_client = on ? rc->tls_cli : NULL;
		s->eng->tls_server = on ? rc->tls_srv : NULL;
	}
	sl->runner = runner_new(s->eng, sl->sc, &rc->o, err, sizeof(err));
	if (sl->runner == NULL || runner_start(sl->runner, err,
	    sizeof(err)) < 0) {
		run_progress_clear(s);
		fprintf(stderr, "sockbench run: %s: %s\n", sl->sc->path, err);
		snprintf(text, sizeof(text), "%s: could not start: %s",
		    sl->sc->path, err);
		report_add_error(&sl->rep, sl->sc->path, text);
		runner_free(sl->runner);
		sl->runner = NULL;
		sl->state = SLOT_DONE;
		s->running--;
		s->done++;
		s->open_conns -= sl->conns;
		if (s->status == EXIT_OK)
			s->status = EXIT_RUNTIME;
		if (!rc->quiet && (rc->fmt == REPORT_TEXT || rc->output != NULL))
			report_line(stdout, &sl->rep.items[0]);
		return -1;
	}
	runner_on_done(sl->runner, run_done_cb, sl);
	if (rc->max_time > 0)
		sl->max_timer = engine_after(s->eng, rc->max_time,
		    run_max_time_cb, sl);
	return 0;
}

/* Start waiting scenarios in file order while fewer than --jobs run. The
 * next one waits for the running ones to end when its connections would
 * pass the open-file limit together with theirs, or when its frame limit
 * differs from theirs (the limit belongs to the engine and reaches each
 * connection as it opens). */
static void
run_fill(struct run_sched *s)
{
	while (!run_interrupted && s->next < s->n && s->running <
	    s->rc->jobs) {
		struct run_slot *sl = &s->slots[s->next];
		uint64_t need = sl->conns * (s->rc->o.connect ? 1 : 2);

		if (s->running > 0 && (sl->max_frame != s->eng->lim.max_frame ||
		    (s->open_conns + sl->conns) * (s->rc->o.connect ? 1 : 2) +
		    32 > s->nofile))
			return;
		s->next++;
		if (need + 32 > s->nofile) {
			char text[300];

			run_progress_clear(s);
			cli_check_nofile("run", sl->conns, s->rc->o.connect ?
			    1 : 2);
			snprintf(text, sizeof(text), "not run: more connections "
			    "than the open-file limit allows (%llu need about "
			    "%llu file descriptors, the limit is %llu)",
			    (unsigned long long)sl->conns,
			    (unsigned long long)(need + 32),
			    (unsigned long long)s->nofile);
			report_add_error(&sl->rep, sl->sc->path, text);
			sl->state = SLOT_DONE;
			s->done++;
			if (s->status == EXIT_OK)
				s->status = EXIT_USAGE;
			if (!s->rc->quiet && (s->rc->fmt == REPORT_TEXT ||
			    s->rc->output != NULL))
				report_line(stdout, &sl->rep.items[0]);
			continue;
		}
		run_start(s, sl);
	}
}

/* Run the scenarios, up to --jobs at once on one engine, into the report
 * in file order; returns the exit status. */
static int
run_all(struct run_cmd *rc)
{
	struct run_sched s;
	struct engine_timer *prog = NULL;
	size_t i, k;

	report_free(&rc->rep);
	memset(&s, 0, sizeof(s));
	s.rc = rc;
	s.n = rc->n;
	s.t0 = clock_now_mono();
	s.nofile = engine_raise_nofile();
	s.slots = xcalloc(rc->n, sizeof(*s.slots));
	for (i = 0; i < rc->n; i++) {
		struct run_slot *sl = &s.slots[i];

		sl->s = &s;
		sl->index = i;
		sl->sc = rc->scs[i];
		sl->conns = rc->o.conns ? rc->o.conns : scenario_conns(sl->sc);
		sl->max_frame = rc->lim.max_frame;
		if (sl->sc->max_frame > 0 &&
		    rc->lim.max_frame == CODEC_MAX_FRAME_DEFAULT)
			sl->max_frame = sl->sc->max_frame;
	}
	s.eng = engine_new(&rc->lim);
	engine_handle_signals(s.eng, run_signal_cb);
	for (i = 0; i < rc->n && !rc->tls.on; i++)
		if (rc->scs[i]->tls)
			break;
	if (!rc->tls.on && i < rc->n && rc->jobs > 1) {
		for (k = 0; k < rc->n && rc->scs[k]->tls; k++)
			;
		if (k < rc->n) {
			/* One engine, one transport kind at a time. */
			fprintf(stderr, "sockbench run: %s says tls and %s does "
			    "not: with --jobs %zu they would share connections' "
			    "setup; run them with -j 1, separately, or all with "
			    "--tls\n", rc->scs[i]->path, rc->scs[k]->path,
			    rc->jobs);
			engine_free(s.eng);
			free(s.slots);
			return EXIT_USAGE;
		}
	}
	for (k = 0; k < rc->n; k++)
		if (rc->scs[k]->starttls || (rc->scs[k]->accept != NULL &&
		    rc->scs[k]->accept->starttls))
			break;
	if (!rc->tls.on && i == rc->n && k == rc->n &&
	    rc->tls.given != NULL) {
		fprintf(stderr, "sockbench run: %s: nothing in this run speaks "
		    "TLS: add --tls, or a `tls` line or a `starttls` step to "
		    "the scenario\n", rc->tls.given);
		engine_free(s.eng);
		free(s.slots);
		return EXIT_USAGE;
	}
	if (rc->tls.on || i < rc->n || k < rc->n) {
		/* The embedded server (no --connect) gets a self-signed
		 * certificate its clients trust; --cert/--key are the
		 * clients' own. */
		struct cli_tls srv = { .on = 1 }, cli = rc->tls;
		char err[300];

		cli.on = 1;
		srv.o.alpn = rc->tls.o.alpn;
		if ((rc->o.connect == NULL && cli_tls_server(&srv,
		    &rc->tls_srv, err, sizeof(err)) < 0) ||
		    cli_tls_client(&cli, rc->o.connect, rc->tls_srv,
		    &rc->tls_cli, err, sizeof(err)) < 0) {
			fprintf(stderr, "sockbench run: %s\n", err);
			tls_ctx_free(rc->tls_srv);
			engine_free(s.eng);
			free(s.slots);
			return EXIT_USAGE;
		}
		s.eng->tls_starttls = rc->tls_cli;
		s.eng->tls_starttls_server = rc->tls_srv;  /* accept blocks */
		tls_summary_attach(&rc->tlss, s.eng, rc->tls_cli);
		rc->rep.tls = &rc->tlss;
	}
	if (isatty(2))
		prog = engine_every(s.eng, 0.25, run_progress_cb, &s);
	run_fill(&s);
	if (s.done < s.n && !run_interrupted)
		engine_run(s.eng);
	engine_timer_cancel(s.eng, prog);
	run_progress_clear(&s);
	/* A signal, or the loop ran dry: whatever still runs is stopped. */
	for (i = 0; i < s.n; i++)
		if (s.slots[i].state == SLOT_RUNNING)
			run_finish(&s.slots[i], s.slots[i].finished ? NULL :
			    s.slots[i].stopped != NULL ? s.slots[i].stopped :
			    "a signal");
	if (s.reap != NULL)
		engine_timer_cancel(s.eng, s.reap);
	if (rc->tls_cli != NULL)
		engine_unobserve(s.eng, &rc->tlss.obs);
	engine_free(s.eng);
	tls_ctx_free(rc->tls_cli);
	tls_ctx_free(rc->tls_srv);
	rc->tls_cli = rc->tls_srv = NULL;
	for (i = 0; i < s.n; i++) {
		if (s.slots[i].state == SLOT_WAITING)
			report_add_skipped(&s.slots[i].rep, rc->scs[i]->path,
			    "not run: interrupted by a signal");
		report_move(&rc->rep, &s.slots[i].rep);
	}
	free(s.slots);
	rc->rep.seconds = clock_now_mono() - s.t0;
	if (s.status == EXIT_OK && report_passed(&rc->rep) < rc->n)
		s.status = EXIT_FAILED;
	return s.status;
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

/* Write the report to stdout or commit it to --output; returns status,
 * made EXIT_RUNTIME when the report file could not be written. */
static int
run_write_report(struct run_cmd *rc, FILE *out, int status)
{
	char err[600];

	rc->rep.shard_index = rc->shard_index;
	rc->rep.shard_total = rc->shard_total;
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

/* --shard I/N: keep every N-th path of the expanded list from the I-th
 * (a shard may get none when there are fewer files than shards). */
static void
run_take_shard(const struct run_cmd *rc, struct run_paths *p)
{
	size_t i, k = 0;

	for (i = 0; i < p->n; i++) {
		if (shard_owns(i, rc->shard_index, rc->shard_total))
			p->v[k++] = p->v[i];
		else
			free(p->v[i]);
	}
	if (k == 0)
		fprintf(stderr, "sockbench run: --shard %d/%d: none of the %zu "
		    "scenario files is this shard's; an empty report\n",
		    rc->shard_index, rc->shard_total, p->n);
	p->n = k;
}

int
run_main(int argc, char **argv)
{
	struct run_cmd rc;
	FILE *out = stdout;
	struct run_paths paths;
	int status, errors, first;
	size_t i;

	memset(&rc, 0, sizeof(rc));
	memset(&paths, 0, sizeof(paths));
	rc.fmt = REPORT_TEXT;
	rc.jobs = 1;
	engine_limits_default(&rc.lim);
	if (run_parse_args(&rc, argc, argv, &status, &first) < 0)
		return status;
	if (run_expand(&paths, argc - first, argv + first) < 0) {
		for (i = 0; i < paths.n; i++)
			free(paths.v[i]);
		free(paths.v);
		return EXIT_USAGE;
	}
	if (rc.shard_total > 0)
		run_take_shard(&rc, &paths);
	rc.n = paths.n;
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
	if ((errors = run_load_all(&rc, paths.v)) > 0) {
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
	for (i = 0; i < paths.n; i++)
		free(paths.v[i]);
	free(paths.v);
	report_free(&rc.rep);
	return status;
}
