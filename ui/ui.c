/* The dashboard's life cycle: terminal setup and restore, the stdin watcher
 * and redraw timer on the engine's loop (keys go to ui_keys.c), and the frame
 * benchmark. */
#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "cli.h"
#include "ui.h"
#include "ui_draw.h"
#include "ui_files.h"
#include "ui_fmt.h"
#include "ui_keys.h"
#include "ui_mouse.h"
#include "ui_record.h"
#include "loadgen.h"
#include "proxy.h"
#include "scenario.h"
#include "util.h"

#define UI_FPS		10	/* frames a second at most */
#define UI_RESORT	1.0	/* seconds between re-sorts */
#define UI_NAV_HOLD	1.5	/* seconds the order holds after a move */
#define UI_EMPTY_WAKEUPS 64	/* stdin readable without keys: hung up */

static struct ui *ui_active;	/* the running dashboard, for signals */
static int ui_run_with(struct engine *e, struct runner *r,
    const struct hist *lat, const struct loadgen *lg,
    const struct service_cfg *svc, struct proxy *px, const char *title);
static SCREEN *ui_screen;	/* non-NULL while curses owns the terminal */
static int ui_saved_stderr = -1;
static bool ui_atexit_done;

/* Give the terminal back: endwin, and stderr back from the log file. Safe
 * to call more than once and from exit handlers. */
static void
ui_restore(void)
{
	if (ui_screen != NULL && !isendwin())
		endwin();
	if (ui_saved_stderr >= 0) {
		fflush(stderr);
		dup2(ui_saved_stderr, 2);
		close(ui_saved_stderr);
		ui_saved_stderr = -1;
	}
}

/* Append a line to the log file, with the time. */
static void __attribute__((format(printf, 2, 3)))
ui_log(struct ui *u, const char *fmt, ...)
{
	char ts[32];
	va_list ap;

	if (u->log == NULL)
		return;
	ui_fmt_clock(clock_now_mono() + u->m.wall_off, ts, sizeof(ts));
	fprintf(u->log, "%s ", ts);
	va_start(ap, fmt);
	vfprintf(u->log, fmt, ap);
	va_end(ap);
	fputc('\n', u->log);
	fflush(u->log);
}

void
ui_status(struct ui *u, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->status, sizeof(u->status), fmt, ap);
	va_end(ap);
	u->t_status = clock_now_mono();
	ui_log(u, "%s", u->status);
}

/* SIGINT or SIGTERM: restore the terminal before the loop stops. */
static void
ui_signal_cb(struct engine *e, int sig)
{
	(void)e;
	if (ui_active != NULL) {
		ui_active->quit = true;
		ui_log(ui_active, "signal %d: quitting", sig);
	}
	ui_restore();
}

/* Observer that writes connection errors to the log file. */
static void
ui_log_event_cb(void *ctx, const struct conn_info *ci,
    const struct obs_event *ev)
{
	if (ev->kind == OBS_ERROR)
		ui_log(ctx, "conn #%llu %s: %s", (unsigned long long)ci->id,
		    ci->peer, ev->text != NULL ? ev->text : "?");
}

/* Read every key waiting; returns how many there were. */
static int
ui_read_keys(struct ui *u)
{
	int ch, n = 0;

	while (!u->quit && (ch = getch()) != ERR) {
		ui_keys_dispatch(u, ch);
		n++;
	}
	return n;
}

/* Expire closed rows and re-sort when it is time; the order holds still
 * for a moment after the user moved. */
static void
ui_maintain(struct ui *u, double now)
{
	struct ui_model *m = &u->m;

	if (u->paused) {
		(void)ui_model_expire(m, 0);
		return;
	}
	(void)ui_model_expire(m, now);
	if (m->view_dirty || (now - m->t_sorted >= UI_RESORT &&
	    now - u->t_nav >= UI_NAV_HOLD))
		ui_model_refresh(m, now);
}

/* The totals the rates are sampled from: the engine's, or under bench
 * --ui the client side's bytes as the report counts them (the engine's
 * would add an embedded server's), never going back. */
static const struct engine_totals *
ui_sample_totals(struct ui *u, struct engine_totals *t)
{
	*t = u->e->tot;
	if (u->lg == NULL)
		return t;
	loadgen_live(u->lg, &u->lg_now);
	t->bytes_in = u->lg_now.bytes_in > u->m.last_tot.bytes_in ?
	    u->lg_now.bytes_in : u->m.last_tot.bytes_in;
	t->bytes_out = u->lg_now.bytes_out > u->m.last_tot.bytes_out ?
	    u->lg_now.bytes_out : u->m.last_tot.bytes_out;
	return t;
}

/* The redraw timer: sample rates, keep the model tidy, draw a frame. */
static void
ui_tick_cb(struct engine *e, void *arg)
{
	struct ui *u = arg;
	struct engine_totals tot;
	double now = clock_now_mono();

	(void)e;
	ui_model_sample(&u->m, ui_sample_totals(u, &tot), now);
	(void)ui_read_keys(u);
	if (u->quit)
		return;
	ui_keys_record_step(u);
	ui_maintain(u, now);
	if (!u->paused)
		ui_draw(u);
}

/* stdin is readable: handle every key, then redraw at once. */
static void
ui_stdin_cb(struct engine *e, void *arg)
{
	static int empty;
	struct ui *u = arg;

	if (ui_read_keys(u) == 0) {
		if (++empty >= UI_EMPTY_WAKEUPS) {
			ui_log(u, "stdin gives no more keys: quitting");
			u->quit = true;
			engine_stop(e);
		}
		return;
	}
	empty = 0;
	if (u->quit)
		return;
	if (u->m.view_dirty)
		ui_model_refresh(&u->m, clock_now_mono());
	ui_draw(u);
}

/* The role of ci under the runner ctx (the filter's role: field). */
static const char *
ui_role_of(void *ctx, const struct conn_info *ci)
{
	return runner_info_role(ctx, ci);
}

/* Whether the locale's character set is UTF-8. */
static bool
ui_locale_is_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs != NULL && (strcmp(cs, "UTF-8") == 0 ||
	    strcmp(cs, "utf8") == 0);
}

/* Curses owns the terminal from now on: restore it at exit, send stderr
 * to the log (or nowhere when there is none: a stray message must not
 * break the screen), and set the input and drawing modes. */
static void
ui_take_terminal(struct ui *u, SCREEN *scr)
{
	ui_screen = scr;
	ui_active = u;
	if (!ui_atexit_done) {
		atexit(ui_restore);
		ui_atexit_done = true;
	}
	fflush(stderr);
	ui_saved_stderr = dup(2);
	if (u->log != NULL)
		dup2(fileno(u->log), 2);
	else {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, 2);
			close(null);
		}
	}
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	ui_draw_colors(u);
	ui_mouse_start(u);
}

int
ui_run(struct engine *e, struct runner *r, const char *title)
{
	return ui_run_latency(e, r, NULL, title);
}

int
ui_run_latency(struct engine *e, struct runner *r, const struct hist *lat,
    const char *title)
{
	return ui_run_with(e, r, lat, NULL, NULL, NULL, title);
}

int
ui_run_bench(struct engine *e, const struct loadgen *lg, const char *title)
{
	return ui_run_with(e, NULL, loadgen_latency(lg), lg, NULL, NULL, title);
}

int
ui_run_serve(struct engine *e, const struct service_cfg *svc,
    const char *title)
{
	return ui_run_with(e, NULL, NULL, NULL, svc, NULL, title);
}

/* The proxy's view hooks: link a pair's rows, keep its decoded messages. */
static void
ui_proxy_pair_cb(void *ctx, uint64_t pair, uint64_t cli_id, uint64_t up_id)
{
	struct ui *u = ctx;

	ui_model_pair(&u->m, pair, cli_id, up_id);
}

static void
ui_proxy_msg_cb(void *ctx, uint64_t cli_id, uint64_t up_id, int c2s,
    const struct codec *cd, const struct codec_frame *f)
{
	struct ui *u = ctx;

	ui_model_pair_msg(&u->m, cli_id, up_id, c2s, cd, f->frame,
	    f->frame_len, clock_now_mono());
}

int
ui_run_proxy(struct engine *e, struct proxy *px, const char *title)
{
	return ui_run_with(e, NULL, NULL, NULL, NULL, px, title);
}

/* The dashboard's life: set up, run the loop, give the terminal back. */
static int
ui_run_with(struct engine *e, struct runner *r, const struct hist *lat,
    const struct loadgen *lg, const struct service_cfg *svc,
    struct proxy *px, const char *title)
{
	struct observer logobs = { ui_log_event_cb, NULL, NULL };
	char logpath[PATH_MAX];
	struct ui *u;
	SCREEN *scr;

	setlocale(LC_ALL, "");
	u = xcalloc(1, sizeof(*u));
	u->e = e;
	u->r = r;
	u->lat = lat;
	u->lg = lg;
	u->title = title != NULL ? title : "dashboard";
	u->utf8 = ui_locale_is_utf8();
	ui_model_init(&u->m);
	u->t_start = clock_now_mono();
	u->log = ui_files_log_open(logpath, sizeof(logpath), u->log_err,
	    sizeof(u->log_err));
	logobs.ctx = u;
	if ((scr = newterm(NULL, stdout, stdin)) == NULL) {
		const char *term = getenv("TERM");

		fprintf(stderr, "sockbench ui: cannot use the terminal "
		    "(TERM=%s)\n", term != NULL ? term : "unset");
		if (u->log != NULL)
			fclose(u->log);
		ui_model_free(&u->m);
		free(u);
		return EXIT_RUNTIME;
	}
	ui_take_terminal(u, scr);
	ui_log(u, "dashboard started: %s (pid %ld, log %s)", u->title,
	    (long)getpid(), logpath);
	if (u->log == NULL)
		ui_status(u, "%s", u->log_err);
	if (r != NULL)
		u->service = ui_record_service(runner_scenario(r));
	else if (svc != NULL)
		u->service = ui_record_service_cfg(svc);
	if (r != NULL && runner_scenario(r)->nroles > 0) {
		u->m.role_of = ui_role_of;
		u->m.role_ctx = r;
	}
	engine_observe(e, &u->m.obs);
	engine_observe(e, &logobs);
	if (px != NULL) {
		struct proxy_view v = { ui_proxy_pair_cb, ui_proxy_msg_cb, u };

		u->px = px;
		proxy_set_view(px, &v);
	}
	engine_handle_signals(e, ui_signal_cb);
	u->t_draw = engine_every(e, 1.0 / UI_FPS, ui_tick_cb, u);
	u->t_stdin = engine_watch_fd(e, 0, ui_stdin_cb, u);
	ui_model_refresh(&u->m, clock_now_mono());
	ui_draw(u);
	engine_run(e);

	engine_timer_cancel(e, u->t_draw);
	engine_timer_cancel(e, u->t_stdin);
	engine_unobserve(e, &logobs);
	engine_unobserve(e, &u->m.obs);
	if (px != NULL)
		proxy_set_view(px, NULL);
	ui_keys_record_cancel(u);
	ui_restore();
	ui_log(u, "dashboard stopped");
	delscreen(scr);
	ui_screen = NULL;
	ui_active = NULL;
	if (u->log != NULL)
		fclose(u->log);
	free(u->service);
	ui_model_free(&u->m);
	free(u);
	return EXIT_OK;
}

/* Compare two doubles for qsort. */
static int
ui_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Fill fake connection i for the benchmark and tell the model about it. */
static void
ui_bench_conn(struct ui_model *m, struct conn_info *ci, unsigned long i)
{
	static const char *const texts[] = {
		"{\"action\": \"search\", \"value\": \"morpheus\"}\n",
		"{\"result\": \"Follow the white rabbit. \xf0\x9f\x90\xb0\"}\n",
		"\xe6\x9c\x8d\xe5\x8a\xa1\xe7\xab\xaf\xe6\x94\xb6\xe5\x88\xb0, hello\n",
	};
	struct obs_event ev = { .kind = OBS_OPENED };
	struct codec_frame f;
	size_t k;

	memset(ci, 0, sizeof(*ci));
	ci->id = i + 1;
	ci->side = i % 2 ? SIDE_SERVER : SIDE_CLIENT;
	ci->state = CS_OPEN;
	ci->codec = &codec_line;
	snprintf(ci->local, sizeof(ci->local), "127.0.0.1:%lu",
	    20000 + i % 40000);
	snprintf(ci->peer, sizeof(ci->peer), "127.0.0.1:7000");
	ci->rtt_last = (double)(i % 97) / 1e4;
	ui_model_event(m, ci, &ev, clock_now_mono());
	ev.kind = OBS_MSG;
	ev.frame = &f;
	for (k = 0; k < 3; k++) {
		memset(&f, 0, sizeof(f));
		f.frame = (const unsigned char *)texts[k];
		f.frame_len = strlen(texts[k]);
		f.body = f.frame;
		f.body_len = f.frame_len - 1;
		ev.out = k % 2 == 0;
		ui_model_event(m, ci, &ev, clock_now_mono());
	}
}

/* The step screen's part of the frame benchmark: a runner (not started)
 * of a scenario of 20 send/expect pairs in a repeat, drawn frames times;
 * returns the median milliseconds per frame, or -1. */
static double
ui_bench_steps(struct ui *u, unsigned frames, size_t *nsteps)
{
	struct buf text;
	struct scenario *sc;
	double *t, t0, med;
	char err[512], line[128];
	unsigned f, k;

	buf_init(&text);
	buf_append_str(&text, "codec line\nconnections 10000\nrepeat 1000\n");
	for (k = 0; k < 20; k++) {
		snprintf(line, sizeof(line), "  send \"request %u ${conn}\"\n"
		    "  expect regex \"^request %u [0-9]+$\"\n", k, k);
		buf_append_str(&text, line);
	}
	buf_append_str(&text, "end\n");
	sc = scenario_parse("bench.txt", (const char *)buf_data(&text),
	    buf_len(&text), err, sizeof(err));
	buf_free(&text);
	if (sc == NULL || (u->r = runner_new(u->e, sc, NULL, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "sockbench ui: step screen benchmark: %s\n",
		    err);
		scenario_free(sc);
		return -1;
	}
	*nsteps = sc->nsteps;
	u->screen = UI_SCREEN_STEPS;
	t = xcalloc(frames, sizeof(*t));
	for (f = 0; f < frames; f++) {
		u->steps_top = f % 8;
		t0 = clock_now_mono();
		ui_draw(u);
		t[f] = (clock_now_mono() - t0) * 1e3;
	}
	qsort(t, frames, sizeof(*t), ui_cmp_double);
	med = frames > 0 ? t[frames / 2] : 0.0;
	free(t);
	runner_free(u->r);
	u->r = NULL;
	u->screen = UI_SCREEN_CONNS;
	scenario_free(sc);
	return med;
}

int
ui_bench_frame(unsigned long n, unsigned frames)
{
	const char *term = getenv("TERM");
	struct conn_info *infos;
	struct ui *u;
	FILE *out, *in;
	SCREEN *scr;
	double *t, t0, sort_ms, steps_ms;
	size_t nsteps = 0;
	unsigned long i;
	unsigned f;

	setlocale(LC_ALL, "");
	if (!ui_locale_is_utf8())
		setlocale(LC_ALL, "C.UTF-8");
	if (term == NULL || term[0] == '\0' || strcmp(term, "dumb") == 0)
		term = "xterm-256color";
	out = fopen("/dev/null", "w");
	in = fopen("/dev/null", "r");
	if (out == NULL || in == NULL || (scr = newterm(term, out, in)) ==
	    NULL) {
		fprintf(stderr, "sockbench ui: cannot make a curses screen on "
		    "/dev/null (TERM=%s)\n", term);
		return EXIT_RUNTIME;
	}
	resize_term(50, 200);
	u = xcalloc(1, sizeof(*u));
	u->e = engine_new(NULL);
	u->title = "frame benchmark";
	u->utf8 = ui_locale_is_utf8();
	ui_model_init(&u->m);
	u->t_start = clock_now_mono();
	ui_draw_colors(u);
	infos = xcalloc(n, sizeof(*infos));
	for (i = 0; i < n; i++)
		ui_bench_conn(&u->m, &infos[i], i);
	u->e->tot.opened = u->e->tot.open = n;
	ui_model_set_sort(&u->m, UI_COL_BIN, 1);
	t0 = clock_now_mono();
	ui_model_refresh(&u->m, t0);
	sort_ms = (clock_now_mono() - t0) * 1e3;
	t = xcalloc(frames, sizeof(*t));
	for (f = 0; f < frames; f++) {
		for (i = f % 7; i < n; i += 7) {
			infos[i].bytes_in += 64;
			infos[i].msgs_in++;
		}
		u->e->tot.bytes_in += 64 * n / 7;
		ui_model_sample(&u->m, &u->e->tot, clock_now_mono());
		u->cur = (long)(f % 40);
		t0 = clock_now_mono();
		ui_draw(u);
		t[f] = (clock_now_mono() - t0) * 1e3;
	}
	qsort(t, frames, sizeof(*t), ui_cmp_double);
	steps_ms = ui_bench_steps(u, frames, &nsteps);
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
	printf("ui frame: %lu connections, %.2f ms per frame (median of %u), "
	    "%.2f ms per re-sort\n", n, frames > 0 ? t[frames / 2] : 0.0,
	    frames, sort_ms);
	if (steps_ms >= 0)
		printf("ui step screen: %lu connections, %zu steps, %.2f ms per "
		    "frame (median of %u)\n", n, nsteps, steps_ms, frames);
	ui_model_free(&u->m);
	engine_free(u->e);
	free(infos);
	free(t);
	free(u);
	return steps_ms >= 0 ? EXIT_OK : EXIT_RUNTIME;
}
