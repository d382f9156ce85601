/* Drawing the dashboard: header, connection table, message pane, status
 * line and help overlay. Only visible rows are formatted. */
#define NCURSES_WIDECHAR 1
#include <assert.h>
#include <curses.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "ui_actions.h"
#include "ui_details.h"
#include "ui_draw.h"
#include "ui_proxy.h"
#include "ui_fmt.h"
#include "ui_keys.h"
#include "ui_load.h"
#include "ui_msgview.h"
#include "ui_steps.h"
#include "util.h"

#define UI_TEXT_MAX	512	/* wide characters drawn per call */
#define UI_WRAP_LINES	6	/* lines of one message in text view */
#define UI_HEX_LINES	16	/* lines of one message in hex view */
#define UI_VIEW_LINES	UI_MSGVIEW_LINES /* in the structured view */
_Static_assert(UI_VIEW_LINES <= UI_HEX_LINES, "the pane's line buffer");
#define UI_MIN_COLS	40
#define UI_MIN_ROWS	12

/* One table column: which, how wide, aligned right or not. */
struct ui_coldef {
	enum ui_col	 col;
	int		 width;
	bool		 right;
};

/* Columns in the order they are dropped last to first on narrow screens,
 * each wide enough for its heading and the sort mark; the last-message
 * column takes what is left. */
static const struct ui_coldef ui_cols[] = {
	{ UI_COL_ID, 6, 1 },
	{ UI_COL_SIDE, 5, 0 },
	{ UI_COL_STATE, 10, 0 },
	{ UI_COL_PEER, 21, 0 },
	{ UI_COL_BIN, 9, 1 },
	{ UI_COL_BOUT, 10, 1 },
	{ UI_COL_RTT, 7, 1 },
	{ UI_COL_MIN, 7, 1 },
	{ UI_COL_MOUT, 8, 1 },
	{ UI_COL_CODEC, 7, 0 },
	{ UI_COL_LOCAL, 21, 0 },
};
#define UI_NCOLS	(sizeof(ui_cols) / sizeof(ui_cols[0]))
#define UI_LAST_MIN	16
#define UI_ROLE_WIDTH	12	/* the side column when it shows roles */

/* The display order of columns (left to right). */
static const enum ui_col ui_col_order[] = {
	UI_COL_ID, UI_COL_SIDE, UI_COL_STATE, UI_COL_CODEC, UI_COL_LOCAL,
	UI_COL_PEER, UI_COL_BIN, UI_COL_BOUT, UI_COL_MIN, UI_COL_MOUT,
	UI_COL_RTT, UI_COL_LAST
};

static attr_t ui_attrs[UA_COUNT];

void
ui_draw_colors(struct ui *u)
{
	const char *nc = getenv("NO_COLOR");

	ui_attrs[UA_BAR] = A_REVERSE | A_BOLD;
	ui_attrs[UA_HEAD] = A_BOLD | A_UNDERLINE;
	ui_attrs[UA_SEL] = A_REVERSE;
	ui_attrs[UA_OPEN] = A_NORMAL;
	ui_attrs[UA_CONNECTING] = A_NORMAL;
	ui_attrs[UA_CLOSING] = A_NORMAL;
	ui_attrs[UA_CLOSED] = A_DIM;
	ui_attrs[UA_FAILED] = A_BOLD;
	ui_attrs[UA_IN] = A_NORMAL;
	ui_attrs[UA_OUT] = A_NORMAL;
	ui_attrs[UA_EVENT] = A_DIM;
	if ((termattrs() & A_DIM) == 0) {
		/* No dim (vt100): closed rows are underlined instead, or
		 * shown in reverse where there is no underline either. */
		ui_attrs[UA_CLOSED] = (termattrs() & A_UNDERLINE) != 0 ?
		    A_UNDERLINE : A_REVERSE;
	}
	u->color = false;
	if ((nc != NULL && nc[0] != '\0') || !has_colors() ||
	    start_color() == ERR)
		return;
	use_default_colors();
	init_pair(1, COLOR_WHITE, COLOR_BLUE);
	init_pair(2, COLOR_BLACK, COLOR_GREEN);
	init_pair(3, COLOR_BLACK, COLOR_CYAN);
	init_pair(4, COLOR_GREEN, -1);
	init_pair(5, COLOR_YELLOW, -1);
	init_pair(6, COLOR_CYAN, -1);
	init_pair(7, COLOR_RED, -1);
	ui_attrs[UA_BAR] = COLOR_PAIR(1) | A_BOLD;
	ui_attrs[UA_HEAD] = COLOR_PAIR(2);
	ui_attrs[UA_SEL] = COLOR_PAIR(3);
	ui_attrs[UA_OPEN] = COLOR_PAIR(4);
	ui_attrs[UA_CONNECTING] = COLOR_PAIR(5);
	ui_attrs[UA_CLOSING] = COLOR_PAIR(6);
	ui_attrs[UA_FAILED] = COLOR_PAIR(7) | A_BOLD;
	ui_attrs[UA_IN] = COLOR_PAIR(4);
	ui_attrs[UA_OUT] = COLOR_PAIR(6);
	ui_attrs[UA_EVENT] = COLOR_PAIR(5) | A_DIM;
	u->color = true;
}

unsigned long
ui_draw_attr(enum ui_attr which)
{
	assert(which < UA_COUNT);
	return ui_attrs[which];
}

int
ui_draw_text(struct ui *u, int y, int x, int cols, const char *s,
    unsigned long a)
{
	wchar_t w[UI_TEXT_MAX];
	size_t nw;
	int used;

	if (cols <= 0)
		return 0;
	if (cols > UI_TEXT_MAX - 2)
		cols = UI_TEXT_MAX - 2;
	used = ui_fmt_fit(s, strlen(s), cols, u->utf8, w, UI_TEXT_MAX, &nw);
	attrset((attr_t)a);
	mvaddnwstr(y, x, w, (int)nw);
	attrset(A_NORMAL);
	return used;
}

void
ui_draw_cell(struct ui *u, int y, int x, int cols, const char *s, int right,
    unsigned long a)
{
	int w = ui_fmt_width(s, strlen(s), u->utf8);

	if (cols <= 0)
		return;
	attrset((attr_t)a);
	mvhline(y, x, ' ', cols);
	if (right && w < cols)
		x += cols - w;
	ui_draw_text(u, y, x, cols, s, a);
}

void
ui_draw_blank(int y, unsigned long a)
{
	attrset((attr_t)a);
	mvhline(y, 0, ' ', COLS);
	attrset(A_NORMAL);
}

/* Lines the header takes at the current width. */
static int
ui_draw_header_rows(void)
{
	return COLS >= 110 ? 3 : 4;
}

/* The throughput sparkline at (sy, x) to the line's end, with the last
 * second's figure (in MB/s under bench --ui, as its report writes). */
static void
ui_draw_spark(struct ui *u, int sy, int x, double now)
{
	double series[RATE_WINDOW];
	wchar_t spark[RATE_WINDOW + 1];
	char a[32];
	size_t n, room;

	if (COLS - x <= 14)
		return;
	room = (size_t)(COLS - x - 13);
	n = rate_series(&u->m.r_bytes, now, series, RATE_WINDOW);
	if (n > room) {
		memmove(series, series + n - room, room * sizeof(series[0]));
		n = room;
	}
	if (n == 0)
		return;
	ui_fmt_spark(series, n, u->utf8, spark);
	attrset(ui_attrs[UA_OPEN]);
	mvaddnwstr(sy, x, spark, (int)n);
	attrset(A_NORMAL);
	if (u->lg != NULL)
		snprintf(a, sizeof(a), "%.2f MB/s", series[n - 1] / 1e6);
	else
		ui_fmt_bps(series[n - 1], a, sizeof(a));
	ui_draw_text(u, sy, x + (int)n + 1, COLS - x - (int)n - 1, a,
	    A_NORMAL);
}

/* Write " p50 0.060 ms" style percentiles of h into out, as the bench
 * report does (milliseconds, three decimals). */
static void
ui_draw_ms(const struct hist *h, char *out, size_t outlen)
{
	if (h == NULL || hist_count(h) == 0) {
		snprintf(out, outlen, "latency none");
		return;
	}
	snprintf(out, outlen, "latency p50 %.3f ms  p99 %.3f ms  max %.3f ms",
	    (double)hist_value_at(h, 50) / 1000.0,
	    (double)hist_value_at(h, 99) / 1000.0,
	    (double)hist_max(h) / 1000.0);
}

/* bench --ui's header lines under the title: the figures of the final
 * report as they stand (loadgen_live), in its units, of the client side:
 * connections, requests and their rate over the window so far, bytes in
 * MB/s, latency in ms, errors; then the sparkline. */
static void
ui_draw_header_bench(struct ui *u, double now)
{
	const struct loadgen_counts *n = &u->lg_now;
	double secs = n->seconds > 0 ? n->seconds : 1e-9;
	char line[512], conns[160], reqs[128], bytes[128], lat[128];
	uint64_t errors = 0;
	int i, x, sy, wide = ui_draw_header_rows() == 3;

	for (i = 0; i < LG_ERR_N; i++)
		errors += n->errors[i];
	snprintf(conns, sizeof(conns), "client side: %llu open of %llu",
	    (unsigned long long)n->open_end, (unsigned long long)n->conns);
	snprintf(reqs, sizeof(reqs), "requests %llu in %.2f s = %.1f/s",
	    (unsigned long long)n->requests, n->seconds,
	    (double)n->requests / secs);
	snprintf(bytes, sizeof(bytes), "bytes out %.2f MB/s, in %.2f MB/s",
	    (double)n->bytes_out / secs / 1e6,
	    (double)n->bytes_in / secs / 1e6);
	ui_draw_ms(u->lat, lat, sizeof(lat));
	ui_draw_blank(1, A_NORMAL);
	ui_draw_blank(2, A_NORMAL);
	if (wide) {
		snprintf(line, sizeof(line), " %s   %s   %s", conns, reqs,
		    bytes);
		ui_draw_text(u, 1, 0, COLS, line, A_BOLD);
		snprintf(line, sizeof(line), " %s   errors %llu   "
		    "throughput ", lat, (unsigned long long)errors);
		sy = 2;
	} else {
		ui_draw_blank(3, A_NORMAL);
		snprintf(line, sizeof(line), " %s   %s", conns, reqs);
		ui_draw_text(u, 1, 0, COLS, line, A_BOLD);
		snprintf(line, sizeof(line), " %s   %s", bytes, lat);
		ui_draw_text(u, 2, 0, COLS, line, A_BOLD);
		snprintf(line, sizeof(line), " errors %llu   throughput ",
		    (unsigned long long)errors);
		sy = 3;
	}
	x = ui_draw_text(u, sy, 0, COLS, line, A_BOLD);
	ui_draw_spark(u, sy, x, now);
}

/* The header: title bar, totals, rates, latency, runs and the sparkline
 * (three lines on wide screens, four on narrow ones). */
static void
ui_draw_header(struct ui *u, double now)
{
	const struct engine_totals *t = &u->e->tot;
	const struct run_result *res = u->r != NULL ? runner_result(u->r) :
	    NULL;
	const struct scenario *sc = u->r != NULL ? runner_scenario(u->r) :
	    NULL;
	char line[512], el[32], a[32], b[32], c[32], d[32];
	char conns[160], msgs[96], bytes[96], lat[96], runs[256];
	int x, w, wide = ui_draw_header_rows() == 3, sy;

	ui_fmt_elapsed(now - u->t_start, el, sizeof(el));
	ui_draw_blank(0, ui_attrs[UA_BAR]);
	/* The elapsed time (and PAUSED) keep the right end; the title,
	 * target and scenario name are cut before them. */
	if (u->r != NULL)
		snprintf(line, sizeof(line), " sockbench %s %s  target %s  "
		    "scenario %s", u->utf8 ? "\xe2\x94\x82" : "|", u->title,
		    runner_target(u->r), sc != NULL && sc->name != NULL ?
		    sc->name : "-");
	else	/* serve --ui, bench --ui: their titles name the target */
		snprintf(line, sizeof(line), " sockbench %s %s  mode %s",
		    u->utf8 ? "\xe2\x94\x82" : "|", u->title, u->lat != NULL ?
		    "load test (client connections)" :
		    "server (accepted connections)");
	snprintf(runs, sizeof(runs), " elapsed %s ", el);
	w = COLS - (int)strlen(runs) - (u->paused ? 9 : 0);
	ui_draw_text(u, 0, 0, w - 1, line, ui_attrs[UA_BAR]);
	ui_draw_text(u, 0, w, (int)strlen(runs), runs, ui_attrs[UA_BAR]);
	if (u->paused)
		ui_draw_text(u, 0, COLS - 9, 9, " PAUSED ",
		    ui_attrs[UA_BAR] | A_BLINK);
	if (u->lg != NULL) {
		ui_draw_header_bench(u, now);
		return;
	}

	snprintf(conns, sizeof(conns), "conns %llu open / %llu total / %llu "
	    "failed", (unsigned long long)t->open,
	    (unsigned long long)t->opened, (unsigned long long)t->failed);
	ui_fmt_rate(rate_per_sec(&u->m.r_min, now), a, sizeof(a));
	ui_fmt_rate(rate_per_sec(&u->m.r_mout, now), b, sizeof(b));
	snprintf(msgs, sizeof(msgs), "msgs in %s out %s", a, b);
	ui_fmt_bps(rate_per_sec(&u->m.r_bin, now), c, sizeof(c));
	ui_fmt_bps(rate_per_sec(&u->m.r_bout, now), d, sizeof(d));
	snprintf(bytes, sizeof(bytes), "bytes in %s out %s", c, d);
	const struct hist *lh = res != NULL ? &res->latency : u->lat;

	if (lh != NULL && hist_count(lh) > 0) {
		ui_fmt_usec(hist_value_at(lh, 50), a, sizeof(a));
		ui_fmt_usec(hist_value_at(lh, 99), b, sizeof(b));
		snprintf(lat, sizeof(lat), "latency p50 %s p99 %s", a, b);
	} else
		snprintf(lat, sizeof(lat), "latency -");
	if (res != NULL) {
		size_t ri, off;

		off = (size_t)snprintf(runs, sizeof(runs), "runs %llu passed "
		    "%llu failed", (unsigned long long)res->passed,
		    (unsigned long long)res->failed);
		/* Per role: "sub 3/3 pub 0/1" (passed of its connections). */
		for (ri = 0; ri < res->nroles && off < sizeof(runs); ri++)
			off += (size_t)snprintf(runs + off, sizeof(runs) - off,
			    "%s%s %llu/%llu", ri == 0 ? " (" : " ",
			    res->roles[ri].name,
			    (unsigned long long)res->roles[ri].passed,
			    (unsigned long long)res->roles[ri].conns);
		if (res->nroles > 0 && off < sizeof(runs))
			snprintf(runs + off, sizeof(runs) - off, ")");
		/* The load: target, open, ramp progress (ui_load.c). */
		off = strlen(runs);
		if (off + 3 < sizeof(runs)) {
			snprintf(runs + off, sizeof(runs) - off, "   ");
			ui_load_describe(u, runs + off + 3, sizeof(runs) - off -
			    3);
		}
	}
	else
		snprintf(runs, sizeof(runs), "runs -");
	ui_draw_blank(1, A_NORMAL);
	ui_draw_blank(2, A_NORMAL);
	if (wide) {
		snprintf(line, sizeof(line), " %s   %s   %s", conns, msgs,
		    bytes);
		ui_draw_text(u, 1, 0, COLS, line, A_BOLD);
		snprintf(line, sizeof(line), " %s   %s   throughput ", lat,
		    runs);
		sy = 2;
	} else {
		ui_draw_blank(3, A_NORMAL);
		snprintf(line, sizeof(line), " %s   %s", conns, lat);
		ui_draw_text(u, 1, 0, COLS, line, A_BOLD);
		snprintf(line, sizeof(line), " %s   %s", msgs, bytes);
		ui_draw_text(u, 2, 0, COLS, line, A_BOLD);
		snprintf(line, sizeof(line), " %s   ", runs);
		sy = 3;
	}
	x = ui_draw_text(u, sy, 0, COLS, line, A_BOLD);
	ui_draw_spark(u, sy, x, now);
}

/* Which columns fit in width cols; returns how many, widths in out. */
static size_t
ui_draw_layout(int cols, int *width, int *lastw)
{
	size_t i, n = 0;
	int used = 0;

	for (i = 0; i < UI_COL_COUNT; i++)
		width[i] = 0;
	for (i = 0; i < UI_NCOLS; i++) {
		if (used + ui_cols[i].width + 1 + UI_LAST_MIN > cols)
			break;
		width[ui_cols[i].col] = ui_cols[i].width;
		used += ui_cols[i].width + 1;
		n++;
	}
	*lastw = cols - used;
	width[UI_COL_LAST] = *lastw;
	return n;
}

/* Whether column col is right-aligned. */
static bool
ui_draw_is_right(enum ui_col col)
{
	size_t i;

	for (i = 0; i < UI_NCOLS; i++)
		if (ui_cols[i].col == col)
			return ui_cols[i].right;
	return false;
}

/* The attribute of a state name. */
static attr_t
ui_draw_state_attr(enum conn_state s)
{
	switch (s) {
	case CS_CONNECTING: return ui_attrs[UA_CONNECTING];
	case CS_OPEN: return ui_attrs[UA_OPEN];
	case CS_CLOSING: return ui_attrs[UA_CLOSING];
	case CS_CLOSED: return ui_attrs[UA_CLOSED];
	case CS_FAILED: return ui_attrs[UA_FAILED];
	}
	return A_NORMAL;
}

/* Format one cell of a row into out. */
static void
ui_draw_value(struct ui *u, struct ui_conn *c, enum ui_col col, char *out,
    size_t outlen)
{
	const struct conn_info *ci = ui_model_conn_info(c);

	switch (col) {
	case UI_COL_ID:
		snprintf(out, outlen, "%s%llu", c->info.id == u->focus_id ?
		    "*" : "", (unsigned long long)ci->id);
		break;
	case UI_COL_SIDE: {
		const char *role = runner_info_role(u->r, ci);

		/* A scenario with roles shows each connection's role; a
		 * proxy pair #N its client side c#N and server side s#N. */
		if (c->pair_id != 0)
			snprintf(out, outlen, "%c#%llu", ci->side ==
			    SIDE_SERVER ? 'c' : 's',
			    (unsigned long long)c->pair_no);
		else
			snprintf(out, outlen, "%s", role != NULL ? role :
			    ci->side == SIDE_CLIENT ? "cli" : "srv");
		break;
	}
	case UI_COL_STATE:
		snprintf(out, outlen, "%s", ci->read_paused && c->live != NULL ?
		    "paused" : conn_state_name(ci->state));
		break;
	case UI_COL_CODEC:
		snprintf(out, outlen, "%s", ui_model_codec(c) != NULL ?
		    ui_model_codec(c)->name : "-");
		break;
	case UI_COL_LOCAL:
		snprintf(out, outlen, "%s", ci->local);
		break;
	case UI_COL_PEER:
		snprintf(out, outlen, "%s", ci->peer);
		break;
	case UI_COL_BIN:
		ui_fmt_size(ci->bytes_in, out, outlen);
		break;
	case UI_COL_BOUT:
		ui_fmt_size(ci->bytes_out, out, outlen);
		break;
	case UI_COL_MIN:
		ui_fmt_count(ci->msgs_in, out, outlen);
		break;
	case UI_COL_MOUT:
		ui_fmt_count(ci->msgs_out, out, outlen);
		break;
	case UI_COL_RTT:
		ui_fmt_rtt(ci->rtt_last, out, outlen);
		break;
	case UI_COL_LAST:
		if (c->live == NULL) {
			char why[sizeof(ci->reason)];

			ui_model_reason(c, why, sizeof(why));
			snprintf(out, outlen, "[%s] %s", why, ui_model_last(c));
		}
		else
			snprintf(out, outlen, "%s", ui_model_last(c));
		break;
	case UI_COL_COUNT:
		assert(!"UI_COL_COUNT is not a column");
		out[0] = '\0';
		break;
	}
}

/* The width of every column at the terminal's width (0: not shown), the
 * side column widened for role names when the scenario has roles. */
static void
ui_draw_widths(const struct ui *u, int *width)
{
	int roles = u->r != NULL && runner_scenario(u->r)->nroles > 0;
	int lastw;

	ui_draw_layout(COLS, width, &lastw);
	if (roles && width[UI_COL_SIDE] > 0) {
		/* Room for role names in the side column: from the last
		 * message's, else the local address's (a role says more). */
		int more = UI_ROLE_WIDTH - width[UI_COL_SIDE];

		if (width[UI_COL_LAST] < UI_LAST_MIN + more &&
		    width[UI_COL_LOCAL] > 0) {
			width[UI_COL_LAST] += width[UI_COL_LOCAL] + 1;
			width[UI_COL_LOCAL] = 0;
		}
		if (width[UI_COL_LAST] >= UI_LAST_MIN + more) {
			width[UI_COL_LAST] -= more;
			width[UI_COL_SIDE] = UI_ROLE_WIDTH;
		}
	}
}

enum ui_col
ui_draw_sort_step(const struct ui *u, enum ui_col from, int step)
{
	int width[UI_COL_COUNT];
	size_t i, at = 0, k;

	ui_draw_widths(u, width);
	for (i = 0; i < UI_COL_COUNT; i++)
		if (ui_col_order[i] == from)
			at = i;
	for (k = 1; k <= UI_COL_COUNT; k++) {
		size_t j = (at + UI_COL_COUNT + (step < 0 ? -k : k)) %
		    UI_COL_COUNT;

		if (width[ui_col_order[j]] > 0)
			return ui_col_order[j];
	}
	return from;
}

enum ui_col
ui_draw_col_at(const struct ui *u, int x)
{
	int width[UI_COL_COUNT], at = 0;
	size_t i;

	ui_draw_widths(u, width);
	for (i = 0; i < UI_COL_COUNT; i++) {
		enum ui_col col = ui_col_order[i];

		if (width[col] == 0)
			continue;
		if (x >= at && x < at + width[col])
			return col;
		at += width[col] + 1;
	}
	return UI_COL_COUNT;
}

/* The table: a heading and the visible rows around the cursor. */
static void
ui_draw_table(struct ui *u, int y0, int rows)
{
	struct ui_model *m = &u->m;
	int width[UI_COL_COUNT], x, k, sel;
	int roles = u->r != NULL && runner_scenario(u->r)->nroles > 0;
	char cell[UI_LAST_MAX + 160], head[64];
	attr_t base, a;
	size_t i;
	long idx;

	ui_draw_widths(u, width);
	u->table_y = y0;
	ui_draw_blank(y0, ui_attrs[UA_HEAD]);
	for (x = 0, i = 0; i < UI_COL_COUNT; i++) {
		enum ui_col col = ui_col_order[i];

		if (width[col] == 0)
			continue;
		snprintf(head, sizeof(head), "%s%s", roles && col ==
		    UI_COL_SIDE ? "ROLE" : ui_model_col_name(col),
		    col != m->sort ? "" : m->reverse ?
		    (u->utf8 ? "\xe2\x96\xbc" : "v") :
		    (u->utf8 ? "\xe2\x96\xb2" : "^"));
		ui_draw_cell(u, y0, x, width[col], head, ui_draw_is_right(col),
		    ui_attrs[UA_HEAD] | (col == m->sort ? A_BOLD : 0));
		x += width[col] + 1;
	}
	u->table_rows = rows;
	if (u->cur >= (long)m->nview)
		u->cur = (long)m->nview - 1;
	if (u->cur < 0)
		u->cur = 0;
	if (u->top > u->cur)
		u->top = u->cur;
	if (u->cur >= u->top + rows)
		u->top = u->cur - rows + 1;
	if (u->top > (long)m->nview - rows)
		u->top = (long)m->nview - rows;
	if (u->top < 0)
		u->top = 0;
	for (k = 0; k < rows; k++) {
		struct ui_conn *c;

		idx = u->top + k;
		ui_draw_blank(y0 + 1 + k, A_NORMAL);
		if (idx >= (long)m->nview)
			continue;
		c = m->view[idx];
		sel = idx == u->cur;
		base = c->live == NULL ? ui_attrs[UA_CLOSED] : A_NORMAL;
		if (sel)
			base = ui_attrs[UA_SEL] | (u->pane == UI_PANE_TABLE ?
			    A_BOLD : 0);
		if (sel)
			ui_draw_blank(y0 + 1 + k, base);
		for (x = 0, i = 0; i < UI_COL_COUNT; i++) {
			enum ui_col col = ui_col_order[i];

			if (width[col] == 0)
				continue;
			ui_draw_value(u, c, col, cell, sizeof(cell));
			a = base;
			if (col == UI_COL_STATE && !sel)
				a = ui_draw_state_attr(ui_model_conn_info(c)->state);
			ui_draw_cell(u, y0 + 1 + k, x, width[col], cell,
			    ui_draw_is_right(col), a);
			x += width[col] + 1;
		}
	}
}

/* Draw one message line: time, direction, and a piece of text. */
static void
ui_draw_msg_line(struct ui *u, int y, const struct ui_msg *msg, int first,
    const wchar_t *w, size_t nw)
{
	char ts[32];
	const char *dir;
	attr_t a;

	ui_draw_blank(y, A_NORMAL);
	if (first) {
		ui_msgview_stamp(u->tsmode, msg->t,
		    ui_model_conn_info(msg->conn)->t_start, msg->cprev != NULL ?
		    msg->cprev->t : ui_model_conn_info(msg->conn)->t_start,
		    u->m.wall_off, ts, sizeof(ts));
		ui_draw_text(u, y, 0, 12, ts, A_DIM);
	}
	switch (msg->kind) {
	case UI_MSG_OUT:
		dir = u->utf8 ? "\xe2\x86\x92" : "->";
		a = ui_attrs[UA_OUT];
		break;
	case UI_MSG_IN:
		dir = u->utf8 ? "\xe2\x86\x90" : "<-";
		a = ui_attrs[UA_IN];
		break;
	default:
		dir = u->utf8 ? "\xc2\xb7" : "--";
		a = ui_attrs[UA_EVENT];
		break;
	}
	if (first && msg->kind != UI_MSG_EVENT && msg->conn->pair_id != 0)
		/* A proxy pair: which way, not which row. */
		ui_draw_text(u, y, 13, 3, ui_model_msg_c2s(msg->conn, msg) ?
		    "c>s" : "s>c", a | A_BOLD);
	else if (first)
		ui_draw_text(u, y, 13, 2, dir, a | A_BOLD);
	attrset(msg->kind == UI_MSG_EVENT ? a : A_NORMAL);
	mvaddnwstr(y, msg->conn->pair_id != 0 ? 17 : 16, w, (int)nw);
	attrset(A_NORMAL);
}

/* The structured view of one message (ui_msgview.c), each of its lines
 * fitted to cols columns: how many lines, 0 if it has none. */
static int
ui_draw_msg_view(struct ui *u, const struct ui_conn *c,
    const struct ui_msg *msg, int cols, wchar_t lines[][UI_TEXT_MAX],
    size_t *lens, int max)
{
	struct buf view;
	const char *s, *nl;
	size_t left;
	int k = 0;

	buf_init(&view);
	if (ui_msgview_render(ui_model_codec(c), msg->data,
	    msg->kept, &view) > 0) {
		s = (const char *)buf_data(&view);
		left = buf_len(&view);
		while (k < max) {
			nl = memchr(s, '\n', left);
			ui_fmt_fit(s, nl != NULL ? (size_t)(nl - s) : left,
			    cols, u->utf8, lines[k], UI_TEXT_MAX, &lens[k]);
			k++;
			if (nl == NULL)
				break;
			left -= (size_t)(nl - s) + 1;
			s = nl + 1;
		}
	}
	buf_free(&view);
	return k;
}

/* Split one message into at most max display lines of cols columns. */
static int
ui_draw_msg_split(struct ui *u, const struct ui_conn *c,
    const struct ui_msg *msg, int cols, wchar_t lines[][UI_TEXT_MAX],
    size_t *lens, int max)
{
	char text[UI_MSG_BYTES * 3 + 64];
	size_t off = 0, len, used = 1, i, n;
	int k = 0;

	if (u->hex && msg->kind != UI_MSG_EVENT) {
		for (i = 0; i < msg->kept && k < max; i += 16, k++) {
			char hx[64], asc[20];
			size_t j;

			n = msg->kept - i < 16 ? msg->kept - i : 16;
			hex_bytes(msg->data + i, n, hx, sizeof(hx));
			for (j = 0; j < n; j++)
				asc[j] = msg->data[i + j] >= 0x20 &&
				    msg->data[i + j] < 0x7f ?
				    (char)msg->data[i + j] : '.';
			asc[n] = '\0';
			if (k == max - 1 && i + 16 < msg->len)
				snprintf(text, sizeof(text), "%04zx  ... %zu more "
				    "bytes", i, msg->len - i);
			else
				snprintf(text, sizeof(text), "%04zx  %-47s  %s",
				    i, hx, asc);
			ui_fmt_fit(text, strlen(text), cols, u->utf8, lines[k],
			    UI_TEXT_MAX, &lens[k]);
		}
		if (k == 0)
			ui_fmt_fit("(empty)", 7, cols, u->utf8, lines[k++],
			    UI_TEXT_MAX, &lens[0]);
		return k;
	}
	if (msg->kind != UI_MSG_EVENT && msg->kept == msg->len &&
	    (k = ui_draw_msg_view(u, c, msg, cols, lines, lens, max)) > 0)
		return k;
	if (max > UI_WRAP_LINES)
		max = UI_WRAP_LINES;
	ui_model_describe(c, msg, text, sizeof(text));
	len = strlen(text);
	do {
		if (k == max - 1) {
			ui_fmt_fit(text + off, len - off, cols, u->utf8,
			    lines[k], UI_TEXT_MAX, &lens[k]);
			k++;
			break;
		}
		used = ui_fmt_wrap(text + off, len - off, cols, u->utf8,
		    lines[k], UI_TEXT_MAX, &lens[k]);
		off += used;
		k++;
	} while (off < len && used > 0);
	return k;
}

/* The details section (ui_details.c) of c from line y, at most max
 * lines, in bold; returns the lines drawn. */
static int
ui_draw_details(struct ui *u, const struct ui_conn *c, int y, int max)
{
	struct conn_info ci = *ui_model_conn_info(c);
	struct conn_act_tcp tcp;
	struct buf text;
	const char *s, *nl;
	size_t left;
	int k = 0;

	if (c->live == NULL)
		ci.tls = NULL;	/* freed with the connection */
	buf_init(&text);
	ui_details_render(&ci, c->live != NULL && conn_act_tcp(c->live,
	    &tcp) == 0 ? &tcp : NULL, clock_now_mono(), &text);
	s = (const char *)buf_data(&text);
	left = buf_len(&text);
	while (k < max && left > 0) {
		char line[600];

		nl = memchr(s, '\n', left);
		snprintf(line, sizeof(line), " %.*s", (int)(nl != NULL ?
		    (size_t)(nl - s) : left), s);
		ui_draw_text(u, y + k++, 0, COLS, line, A_BOLD);
		if (nl == NULL)
			break;
		left -= (size_t)(nl - s) + 1;
		s = nl + 1;
	}
	buf_free(&text);
	return k;
}

/* The message pane: the shown connection's messages, newest at the bottom,
 * scrolled back msg_back lines. */
static void
ui_draw_msgs(struct ui *u, int y0, int rows)
{
	static wchar_t lines[UI_HEX_LINES][UI_TEXT_MAX];
	size_t lens[UI_HEX_LINES];
	struct ui_conn *c;
	const struct ui_msg *msg;
	const struct conn_info *ci;
	char title[512], cred[80] = "", pairtxt[80] = "";
	int cols = COLS - 16, n, k, total = 0, idx, y;

	if (cols > UI_TEXT_MAX - 2)
		cols = UI_TEXT_MAX - 2;
	c = ui_model_find(&u->m, u->focus_id != 0 ? u->focus_id : u->sel_id);
	ui_draw_blank(y0, u->pane == UI_PANE_MSGS ? ui_attrs[UA_BAR] :
	    ui_attrs[UA_HEAD]);
	for (k = 1; k <= rows; k++)
		ui_draw_blank(y0 + k, A_NORMAL);
	u->msg_rows = rows;
	if (c == NULL) {
		ui_draw_text(u, y0, 0, COLS, " messages: no connection "
		    "selected", u->pane == UI_PANE_MSGS ? ui_attrs[UA_BAR] :
		    ui_attrs[UA_HEAD]);
		u->msg_lines = 0;
		return;
	}
	ci = ui_model_conn_info(c);
	/* A Unix socket's peer process (SO_PEERCRED), after its address. */
	if (ci->cred_pid > 0)
		snprintf(cred, sizeof(cred), " (pid %ld uid %ld gid %ld)",
		    ci->cred_pid, ci->cred_uid, ci->cred_gid);
	if (c->pair_id != 0)	/* a proxy pair: both rows, both ways */
		snprintf(pairtxt, sizeof(pairtxt), "  pair #%llu with #%llu, "
		    "both directions", (unsigned long long)c->pair_no,
		    (unsigned long long)c->pair_id);
	snprintf(title, sizeof(title), " messages of #%llu %s %s %s %s%s%s  %s"
	    "%s%s%s%s", (unsigned long long)ci->id, ci->side == SIDE_CLIENT ?
	    "client" : "server", ci->local, u->utf8 ? "\xe2\x86\x94" : "<->",
	    ci->peer, cred, pairtxt, ui_model_codec(c) != NULL ?
	    ui_model_codec(c)->name : "",
	    c->t_gone == 0 ? "" : ci->state == CS_FAILED ? "  FAILED: " :
	    "  closed: ", c->t_gone == 0 ? "" : ci->reason,
	    u->hex ? "  [hex]" : u->tsmode == UI_TS_RELATIVE ?
	    "  [time relative]" : u->tsmode == UI_TS_DELTA ? "  [time delta]" :
	    "", u->focus_id == 0 ? "  (Enter to focus)" : "");
	ui_draw_text(u, y0, 0, COLS, title, u->pane == UI_PANE_MSGS ?
	    ui_attrs[UA_BAR] : ui_attrs[UA_HEAD]);
	if (u->details) {	/* the d key: above the messages */
		k = ui_draw_details(u, c, y0 + 1, rows - 1);
		y0 += k;
		rows -= k;
	}
	if (c->pair_id != 0)
		cols = COLS - 17;	/* room for c>s and s>c */
	if (c->mlast == NULL)
		ui_draw_text(u, y0 + 1, 0, COLS, " (no messages yet)", A_DIM);
	if (u->msg_back > 0 && u->msg_back > u->msg_lines - rows)
		u->msg_back = u->msg_lines - rows > 0 ? u->msg_lines - rows : 0;
	for (msg = c->mlast; msg != NULL; msg = msg->cprev) {
		n = ui_draw_msg_split(u, c, msg, cols, lines, lens,
		    u->hex ? UI_HEX_LINES : UI_VIEW_LINES);
		for (k = n - 1; k >= 0; k--, total++) {
			idx = total - u->msg_back;
			if (idx < 0 || idx >= rows)
				continue;
			y = y0 + rows - idx;
			ui_draw_msg_line(u, y, msg, k == 0, lines[k], lens[k]);
		}
	}
	if (c->lost > 0 && total - u->msg_back < rows) {
		snprintf(title, sizeof(title), "(%llu earlier messages no longer "
		    "kept)", (unsigned long long)c->lost);
		ui_draw_text(u, y0 + rows - (total - u->msg_back), 16,
		    COLS - 16, title, A_DIM);
	}
	u->msg_lines = total;
}

/* The bottom line: the filter prompt, a recent message, or key hints (the
 * key table's, see ui_keys.c; the table is const, so they are made once). */
static void
ui_draw_status(struct ui *u, double now)
{
	/* The key table is const: the hints are made once per kind of
	 * dashboard (with a scenario runner or without). */
	static char views[2][256], hints_short[64], hints_filter[64];
	static char hints_steps[256];
	char *hints_view = views[u->r != NULL];
	char right[160], left[640];
	int rw;

	if (hints_view[0] == '\0')
		ui_keys_hints_for(u, UI_KEYS_VIEW, INT_MAX, "  ", hints_view,
		    sizeof(views[0]));
	if (u->screen == UI_SCREEN_STEPS) {
		/* The step screen shows only with a runner: one kind. */
		if (hints_steps[0] == '\0')
			ui_keys_hints_for(u, UI_KEYS_STEPS, INT_MAX, "  ",
			    hints_steps, sizeof(hints_steps));
		hints_view = hints_steps;
	}
	if (hints_short[0] == '\0') {
		ui_keys_hints(UI_KEYS_VIEW, 2, "  ", hints_short,
		    sizeof(hints_short));
		ui_keys_hints(UI_KEYS_FILTER, INT_MAX, ", ", hints_filter,
		    sizeof(hints_filter));
	}
	ui_draw_blank(LINES - 1, ui_attrs[UA_BAR]);
	snprintf(right, sizeof(right), "%s%s%s%s%s%s  %zu/%zu rows ",
	    u->paused ? "PAUSED  " : "", u->m.keep_closed ? "KEEP CLOSED  " :
	    "", u->m.failed_only ? "FAILED ONLY  " : "",
	    u->m.filter[0] != '\0' && !u->filtering ? "filter '" : "",
	    u->filtering ? "" : u->m.filter,
	    u->m.filter[0] != '\0' && !u->filtering ? "'" : "",
	    u->m.nview, u->m.nconns);
	if (u->screen == UI_SCREEN_STEPS)
		snprintf(right, sizeof(right), "%sstep screen ", u->paused ?
		    "PAUSED  " : "");
	rw = ui_fmt_width(right, strlen(right), u->utf8);
	if (u->filtering && u->m.filter_err[0] != '\0')
		snprintf(left, sizeof(left), " filter: %s_   %s", u->fbuf,
		    u->m.filter_err);
	else if (u->filtering)
		snprintf(left, sizeof(left), " filter: %s_   (%s)", u->fbuf,
		    hints_filter);
	else if (u->sending)
		ui_actions_prompt(u, left, sizeof(left));
	else if (u->faulting)
		ui_proxy_prompt(u, left, sizeof(left));
	else if (u->searching)
		snprintf(left, sizeof(left), " search: %s_   (Enter stay, Esc "
		    "close; then n/N next/previous)", u->sbuf);
	else if (u->status[0] != '\0' && now - u->t_status < 8)
		snprintf(left, sizeof(left), " %s", u->status);
	else if (u->log == NULL && u->log_err[0] != '\0')
		snprintf(left, sizeof(left), " %s  (%s)", u->log_err,
		    hints_short);
	else
		snprintf(left, sizeof(left), " %s", hints_view);
	ui_draw_text(u, LINES - 1, 0, COLS - rw - 1, left, ui_attrs[UA_BAR]);
	if (COLS - rw > 20)
		ui_draw_text(u, LINES - 1, COLS - rw, rw, right,
		    ui_attrs[UA_BAR]);
}

#define UI_HELP_LINES	256	/* wrapped lines of the help overlay */

/* Wrap help line `line` into lines of at most cols bytes (the help text is
 * ASCII), continuations indented under the text after the label of ind
 * columns; adds them to out[*n...]. */
static void
ui_draw_help_wrap(const char *line, int cols, int ind,
    char out[][UI_TEXT_MAX], int *n)
{
	const char *p = line;
	int first = 1;

	while (*n < UI_HELP_LINES) {
		int room = first ? cols : cols - ind, len = (int)strlen(p), cut;

		if (room < 8)
			room = cols;	/* too narrow to indent */
		if (len <= room) {
			snprintf(out[(*n)++], UI_TEXT_MAX, "%*s%s", first ? 0 :
			    cols - room, "", p);
			return;
		}
		for (cut = room; cut > 0 && p[cut] != ' '; cut--)
			;
		if (cut <= (first ? ind : 0))
			cut = room;
		snprintf(out[(*n)++], UI_TEXT_MAX, "%*s%.*s", first ? 0 :
		    cols - room, "", cut, p);
		p += cut;
		while (*p == ' ')
			p++;
		first = 0;
	}
}

/* The help overlay: every key of the key table, in a box over the middle
 * of the screen; lines too long for the box wrap, and when they do not all
 * fit it scrolls (help_top) with a mark in its bottom border. */
static void
ui_draw_help(struct ui *u)
{
	static char lines[UI_HELP_LINES][UI_TEXT_MAX];
	char line[UI_TEXT_MAX], more[96];
	int n = (int)ui_keys_help_count(), w = 0, h, nl = 0;
	int ind = ui_keys_help_indent();
	int y0, x0, k, rows;

	for (k = 0; k < n; k++) {
		ui_keys_help_line((size_t)k, line, sizeof(line));
		if ((int)strlen(line) > w)
			w = (int)strlen(line);
	}
	w += 5;
	if (w > COLS - 2)
		w = COLS - 2;
	for (k = 0; k < n; k++) {
		ui_keys_help_line((size_t)k, line, sizeof(line));
		ui_draw_help_wrap(line, w - 4, ind, lines, &nl);
	}
	h = nl + 2;
	if (h > LINES - 2)
		h = LINES - 2;
	rows = h - 2;
	if (u->help_top > nl - rows)
		u->help_top = nl - rows;
	if (u->help_top < 0)
		u->help_top = 0;
	y0 = (LINES - h) / 2;
	x0 = (COLS - w) / 2;
	for (k = 0; k < h; k++) {
		attrset(A_NORMAL);
		mvhline(y0 + k, x0, ' ', w);
	}
	attrset(A_BOLD);
	mvhline(y0, x0, ACS_HLINE, w);
	mvhline(y0 + h - 1, x0, ACS_HLINE, w);
	mvvline(y0, x0, ACS_VLINE, h);
	mvvline(y0, x0 + w - 1, ACS_VLINE, h);
	mvaddch(y0, x0, ACS_ULCORNER);
	mvaddch(y0, x0 + w - 1, ACS_URCORNER);
	mvaddch(y0 + h - 1, x0, ACS_LLCORNER);
	mvaddch(y0 + h - 1, x0 + w - 1, ACS_LRCORNER);
	attrset(A_NORMAL);
	for (k = 0; k < rows; k++)
		ui_draw_text(u, y0 + 1 + k, x0 + 2, w - 4,
		    lines[u->help_top + k], u->help_top + k == 0 ? A_BOLD :
		    A_NORMAL);
	if (rows < nl) {
		snprintf(more, sizeof(more), " %d-%d of %d, Up/Down scroll ",
		    u->help_top + 1, u->help_top + rows, nl);
		ui_draw_text(u, y0 + h - 1, x0 + 2, w - 4, more, A_BOLD);
	}
}

void
ui_draw_follow(struct ui *u)
{
	long idx = u->sel_id != 0 ? ui_model_index(&u->m, u->sel_id) : -1;

	if (u->t_nav == 0)
		idx = 0;	/* until the user moves, stay on the first row */
	if (idx >= 0)
		u->cur = idx;
	if (u->cur >= (long)u->m.nview)
		u->cur = (long)u->m.nview - 1;
	if (u->cur < 0)
		u->cur = 0;
	u->sel_id = u->m.nview > 0 ? u->m.view[u->cur]->info.id : 0;
}

void
ui_draw(struct ui *u)
{
	double now = clock_now_mono();
	int avail, trows, hh;

	erase();
	if (LINES < UI_MIN_ROWS || COLS < UI_MIN_COLS) {
		char msg[64];

		/* Short lines, so that all of it shows on any size. */
		snprintf(msg, sizeof(msg), "terminal too small: %dx%d", COLS,
		    LINES);
		ui_draw_text(u, 0, 0, COLS, msg, A_BOLD);
		snprintf(msg, sizeof(msg), "need %dx%d; q quits", UI_MIN_COLS,
		    UI_MIN_ROWS);
		if (LINES > 1)
			ui_draw_text(u, 1, 0, COLS, msg, A_NORMAL);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	ui_draw_follow(u);
	ui_draw_header(u, now);
	hh = ui_draw_header_rows();
	avail = LINES - hh - 1;
	trows = avail * 55 / 100;
	if (u->screen == UI_SCREEN_STEPS)
		ui_steps_draw(u, hh, avail);
	else {
		ui_draw_table(u, hh, trows - 1);
		if (u->m.nview > 0)
			u->sel_id = u->m.view[u->cur]->info.id;
		ui_draw_msgs(u, hh + trows, avail - trows - 1);
	}
	ui_draw_status(u, now);
	if (u->help)
		ui_draw_help(u);
	wnoutrefresh(stdscr);
	doupdate();
}
