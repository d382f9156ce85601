/* The step screen (key 2): one line per step of each step program, with
 * how many connections wait at it now, went past it, timed out there, got
 * something unexpected or an error there, and the latency of its expects.
 * The figures are the runner's own counters (struct run_step), so a frame
 * costs the steps shown, never a walk over the connections. */
#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "runner.h"
#include "ui_draw.h"
#include "ui_fmt.h"
#include "ui_steps.h"

#define UI_STEPS_LINE_W	6	/* the LINE column */
#define UI_STEPS_LABEL_MIN 24	/* columns the step's text keeps at least */
#define UI_STEPS_INDENT	8	/* nesting levels indented, at most */

enum ui_steps_col {
	US_AT, US_PASSED, US_TIMEOUT, US_UNEXPECTED, US_ERROR, US_LAT_AVG,
	US_LAT_MAX, US_NCOLS
};

/* A number column: its heading, width, and the order columns are dropped
 * in on narrow terminals (the highest first). */
static const struct {
	const char	*name;
	int		 width;
	int		 drop;
} ui_steps_cols[US_NCOLS] = {
	{ "AT NOW", 8, 0 },
	{ "PASSED", 10, 1 },
	{ "TIMEOUT", 9, 2 },
	{ "UNEXPECTED", 11, 3 },
	{ "ERROR", 7, 5 },
	{ "LAT AVG", 9, 4 },
	{ "LAT MAX", 9, 6 },
};

/* Append n bytes of s to out (at *off, outlen bytes), control bytes
 * escaped as in the scenario language, and quotes and backslashes too
 * inside a quoted string (q); UTF-8 passes. */
static void
ui_steps_put(char *out, size_t outlen, size_t *off, const unsigned char *s,
    size_t n, bool q)
{
	size_t i;
	char esc[8];

	for (i = 0; i < n && *off + 1 < outlen; i++) {
		const char *e = NULL;

		switch (s[i]) {
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		case '"': e = q ? "\\\"" : NULL; break;
		case '\\': e = q ? "\\\\" : NULL; break;
		default:
			if (s[i] < 0x20 || s[i] == 0x7f) {
				snprintf(esc, sizeof(esc), "\\x%02x", s[i]);
				e = esc;
			}
		}
		if (e == NULL) {
			out[(*off)++] = (char)s[i];
			continue;
		}
		if (*off + strlen(e) + 1 > outlen)
			break;
		memcpy(out + *off, e, strlen(e));
		*off += strlen(e);
	}
	out[*off < outlen ? *off : outlen - 1] = '\0';
}

/* Append printf-style text to out at *off. */
static void __attribute__((format(printf, 4, 5)))
ui_steps_add(char *out, size_t outlen, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off + 1 >= outlen)
		return;
	va_start(ap, fmt);
	n = vsnprintf(out + *off, outlen - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off += (size_t)n < outlen - *off ? (size_t)n : outlen - *off -
		    1;
}

/* Append a template as written: literal bytes escaped, placeholders as
 * ${...}; quoted when q is set. */
static void
ui_steps_tmpl(char *out, size_t outlen, size_t *off, const struct tmpl *t,
    bool q)
{
	size_t i;

	if (t == NULL)
		return;
	if (q)
		ui_steps_add(out, outlen, off, "\"");
	for (i = 0; i < t->nparts; i++) {
		const struct tmpl_part *p = &t->parts[i];

		switch (p->kind) {
		case TP_LIT:
			ui_steps_put(out, outlen, off, p->lit, p->len, q);
			break;
		case TP_CONN:
			ui_steps_add(out, outlen, off, "${conn}");
			break;
		case TP_SEQ:
			ui_steps_add(out, outlen, off, "${seq}");
			break;
		case TP_RAND:
			ui_steps_add(out, outlen, off, "${rand:%zu}", p->n);
			break;
		case TP_VAR:
			ui_steps_add(out, outlen, off, "${%s}", p->name);
			break;
		case TP_EXPR:
			ui_steps_add(out, outlen, off, "${...}");
			break;
		}
	}
	if (q)
		ui_steps_add(out, outlen, off, "\"");
}

/* The label of an expect step. */
static void
ui_steps_expect(const struct step *st, char *out, size_t outlen,
    size_t *off)
{
	const struct step_expect *x = &st->u.expect;

	ui_steps_add(out, outlen, off, "expect ");
	switch (x->kind) {
	case EXPECT_BYTES:
		ui_steps_tmpl(out, outlen, off, x->bytes, true);
		break;
	case EXPECT_REGEX:
		ui_steps_add(out, outlen, off, "regex ");
		if (x->pattern != NULL)
			ui_steps_put(out, outlen, off, (const unsigned char *)
			    x->pattern, strlen(x->pattern), false);
		break;
	case EXPECT_LENGTH:
		if (x->length_e != NULL)
			ui_steps_add(out, outlen, off, "length ${...}");
		else
			ui_steps_add(out, outlen, off, "length %llu",
			    (unsigned long long)x->length);
		break;
	case EXPECT_HEX:
	case EXPECT_JSON:
	case EXPECT_HEADER:
		ui_steps_add(out, outlen, off, "%s ",
		    expect_kind_name(x->kind));
		ui_steps_tmpl(out, outlen, off, x->bytes, false);
		break;
	default:
		ui_steps_add(out, outlen, off, "%s",
		    expect_kind_name(x->kind));
		break;
	}
	if (x->optional)
		ui_steps_add(out, outlen, off, " optional");
}

void
ui_steps_label(const struct step *st, char *out, size_t outlen)
{
	size_t off = 0;

	out[0] = '\0';
	switch (st->kind) {
	case STEP_SEND:
		ui_steps_add(out, outlen, &off, "send ");
		if (st->u.send.build != NULL || st->u.send.body == NULL)
			ui_steps_add(out, outlen, &off, "(built per connection)");
		else {
			if (st->u.send.raw)
				ui_steps_add(out, outlen, &off, "raw ");
			if (st->u.send.json)
				ui_steps_add(out, outlen, &off, "json ");
			ui_steps_tmpl(out, outlen, &off, st->u.send.body,
			    !st->u.send.json);
		}
		break;
	case STEP_EXPECT:
		ui_steps_expect(st, out, outlen, &off);
		break;
	case STEP_EXPECT_SET:
		ui_steps_add(out, outlen, &off, "expect %s",
		    st->u.expect.any_order ? "any order" : "one of");
		break;
	case STEP_CAPTURE:
		ui_steps_add(out, outlen, &off, "capture %s",
		    st->u.capture.name);
		break;
	case STEP_WAIT:
		if (st->u.wait.e != NULL)
			ui_steps_add(out, outlen, &off, "wait ${...}");
		else if (st->u.wait.dist == WAIT_UNIFORM)
			ui_steps_add(out, outlen, &off, "wait uniform %gs..%gs",
			    st->u.wait.a, st->u.wait.b);
		else if (st->u.wait.dist == WAIT_EXPONENTIAL)
			ui_steps_add(out, outlen, &off, "wait exponential %gs",
			    st->u.wait.a);
		else if (st->u.wait.dist == WAIT_NORMAL)
			ui_steps_add(out, outlen, &off, "wait normal %gs %gs",
			    st->u.wait.a, st->u.wait.b);
		else
			ui_steps_add(out, outlen, &off, "wait %gs",
			    st->u.wait.a);
		break;
	case STEP_REPEAT:
		if (st->u.repeat.count_e != NULL)
			ui_steps_add(out, outlen, &off, "repeat ${...}");
		else if (st->u.repeat.count > 0)
			ui_steps_add(out, outlen, &off, "repeat %llu",
			    (unsigned long long)st->u.repeat.count);
		else if (st->u.repeat.seconds > 0)
			ui_steps_add(out, outlen, &off, "repeat for %gs",
			    st->u.repeat.seconds);
		else
			ui_steps_add(out, outlen, &off, "repeat%s",
			    st->u.repeat.until != NULL ? " ... until" : "");
		break;
	case STEP_SET:
		ui_steps_add(out, outlen, &off, "set %s", st->u.set.name);
		break;
	case STEP_BARRIER:
	case STEP_SIGNAL:
	case STEP_WAIT_FOR:
		ui_steps_add(out, outlen, &off, "%s %s",
		    step_kind_name(st->kind), st->u.sync.name);
		break;
	default:
		ui_steps_add(out, outlen, &off, "%s", step_kind_name(st->kind));
		break;
	}
}

/* What drawing the screen needs as it goes down its lines. */
struct ui_steps_frame {
	struct ui	*u;
	int		 y0, rows;	/* the lines below the heading */
	long		 line;		/* logical line being drawn */
	int		 width[US_NCOLS];	/* 0: not shown */
	int		 labelw;
};

/* Whether the logical line being drawn is on the screen, and its y. */
static bool
ui_steps_visible(const struct ui_steps_frame *f, int *y)
{
	long k = f->line - f->u->steps_top;

	if (k < 0 || k >= f->rows)
		return false;
	*y = f->y0 + 1 + (int)k;
	return true;
}

/* One line: the LINE column, the label, and the counters of s. */
static void
ui_steps_row(struct ui_steps_frame *f, const char *lineno, const char *label,
    const struct run_step *s)
{
	struct ui *u = f->u;
	uint64_t v[US_NCOLS];
	char cell[32];
	int y, x, c;

	if (!ui_steps_visible(f, &y)) {
		f->line++;
		return;
	}
	f->line++;
	ui_draw_blank(y, A_NORMAL);
	ui_draw_cell(u, y, 0, UI_STEPS_LINE_W, lineno, 1, A_DIM);
	ui_draw_text(u, y, UI_STEPS_LINE_W + 1, f->labelw - 1, label,
	    A_NORMAL);
	v[US_AT] = s->at;
	v[US_PASSED] = s->passed;
	v[US_TIMEOUT] = s->timeouts;
	v[US_UNEXPECTED] = s->unexpected;
	v[US_ERROR] = s->errors;
	v[US_LAT_AVG] = s->lat_n > 0 ? s->lat_sum / s->lat_n : 0;
	v[US_LAT_MAX] = s->lat_max;
	x = UI_STEPS_LINE_W + f->labelw;
	for (c = 0; c < US_NCOLS; c++) {
		unsigned long a = A_NORMAL;

		if (f->width[c] == 0)
			continue;
		if (c >= US_LAT_AVG)
			if (s->lat_n == 0)
				snprintf(cell, sizeof(cell), "-");
			else
				ui_fmt_usec(v[c], cell, sizeof(cell));
		else
			ui_fmt_count(v[c], cell, sizeof(cell));
		if (v[c] > 0 && c >= US_TIMEOUT && c <= US_ERROR)
			a = ui_draw_attr(UA_FAILED);
		else if (v[c] > 0 && c == US_AT)
			a = ui_draw_attr(UA_OPEN) | A_BOLD;
		ui_draw_cell(u, y, x, f->width[c], cell, 1, a);
		x += f->width[c];
	}
}

/* A section's title line (a role, the scripted server). */
static void
ui_steps_title(struct ui_steps_frame *f, const char *text)
{
	int y;

	if (ui_steps_visible(f, &y)) {
		ui_draw_blank(y, A_NORMAL);
		ui_draw_text(f->u, y, 1, COLS - 1, text, A_BOLD);
	}
	f->line++;
}

/* The lines of one step program: its title, the connect, every step but
 * the ends of blocks, indented by nesting as in the file. */
static void
ui_steps_program(struct ui_steps_frame *f, const struct scenario *sc,
    const struct run_program *p, const char *title)
{
	char lineno[64], label[512], text[600];
	const char *file, *slash;
	unsigned depth = 0, d;
	size_t i;

	ui_steps_title(f, title);
	ui_steps_row(f, "", "(connect)", &p->connect);
	for (i = 0; i < p->nsteps; i++) {
		const struct step *st = &p->steps[i];
		int y;

		if (st->kind == STEP_END) {
			if (depth > 0)
				depth--;
			continue;
		}
		d = st->kind == STEP_ELSE && depth > 0 ? depth - 1 : depth;
		if (st->kind == STEP_REPEAT || st->kind == STEP_MERGE ||
		    st->kind == STEP_IF || st->kind == STEP_EXPECT_SET ||
		    st->kind == STEP_FINALLY)
			depth++;
		if (!ui_steps_visible(f, &y)) {
			f->line++;	/* format only the lines shown */
			continue;
		}
		ui_steps_label(st, label, sizeof(label));
		file = st->file > 0 && st->file < sc->nfiles ?
		    sc->files[st->file] : NULL;
		slash = file != NULL ? strrchr(file, '/') : NULL;
		snprintf(lineno, sizeof(lineno), "%u", st->line);
		snprintf(text, sizeof(text), "%*s%s%s%s", 2 * (int)(d <
		    UI_STEPS_INDENT ? d : UI_STEPS_INDENT), "", file != NULL ?
		    (slash != NULL ? slash + 1 : file) : "", file != NULL ?
		    ": " : "", label);
		ui_steps_row(f, lineno, text, &p->stats[i]);
	}
}

/* The lines a runner's programs take. */
static long
ui_steps_count(const struct runner *r)
{
	long n = 0;
	size_t i, k;

	for (i = 0; r != NULL && i < runner_nprograms(r); i++) {
		const struct run_program *p = runner_program(r, i);

		n += 2;
		for (k = 0; k < p->nsteps; k++)
			n += p->steps[k].kind != STEP_END;
	}
	return n;
}

/* Which number columns fit next to a label of at least
 * UI_STEPS_LABEL_MIN columns, and the label's width. */
static void
ui_steps_layout(struct ui_steps_frame *f)
{
	int c, used = UI_STEPS_LINE_W, drop;

	for (c = 0; c < US_NCOLS; c++) {
		f->width[c] = ui_steps_cols[c].width;
		used += f->width[c];
	}
	for (drop = US_NCOLS - 1; drop > 0 && COLS - used < UI_STEPS_LABEL_MIN;
	    drop--)
		for (c = 0; c < US_NCOLS; c++)
			if (ui_steps_cols[c].drop == drop) {
				used -= f->width[c];
				f->width[c] = 0;
			}
	f->labelw = COLS - used > 0 ? COLS - used : 0;
}

/* The heading line. */
static void
ui_steps_heading(struct ui_steps_frame *f)
{
	unsigned long a = ui_draw_attr(UA_HEAD);
	int c, x;

	ui_draw_blank(f->y0, a);
	ui_draw_cell(f->u, f->y0, 0, UI_STEPS_LINE_W, "LINE", 1, a);
	ui_draw_text(f->u, f->y0, UI_STEPS_LINE_W + 1, f->labelw - 1, "STEP",
	    a);
	x = UI_STEPS_LINE_W + f->labelw;
	for (c = 0; c < US_NCOLS; c++) {
		if (f->width[c] == 0)
			continue;
		ui_draw_cell(f->u, f->y0, x, f->width[c], ui_steps_cols[c].name,
		    1, a);
		x += f->width[c];
	}
}

void
ui_steps_draw(struct ui *u, int y0, int rows)
{
	struct ui_steps_frame f = { u, y0, rows - 1, 0, { 0 }, 0 };
	const struct runner *acc;
	const struct run_result *res;
	char title[256];
	size_t i;
	long total;
	int k;

	for (k = 0; k < rows; k++)
		ui_draw_blank(y0 + k, A_NORMAL);
	u->steps_rows = rows - 1;
	if (u->r == NULL) {
		ui_draw_text(u, y0 + 1, 1, COLS - 1, "no scenario runs here: "
		    "no steps to show (1 goes back)", A_DIM);
		return;
	}
	ui_steps_layout(&f);
	ui_steps_heading(&f);
	acc = runner_acceptor(u->r);
	total = ui_steps_count(u->r) + ui_steps_count(acc);
	u->steps_lines = total;
	if (u->steps_top > total - f.rows)
		u->steps_top = total - f.rows;
	if (u->steps_top < 0)
		u->steps_top = 0;
	res = runner_result(u->r);
	for (i = 0; i < runner_nprograms(u->r); i++) {
		const struct run_program *p = runner_program(u->r, i);

		if (p->name != NULL)
			snprintf(title, sizeof(title), "role %s: %llu "
			    "connection%s", p->name, (unsigned long long)
			    (i < res->nroles ? res->roles[i].conns : 0),
			    i < res->nroles && res->roles[i].conns == 1 ? "" :
			    "s");
		else
			snprintf(title, sizeof(title), "the steps of each "
			    "client connection (%llu)",
			    (unsigned long long)res->conns);
		ui_steps_program(&f, runner_scenario(u->r), p, title);
	}
	for (i = 0; acc != NULL && i < runner_nprograms(acc); i++) {
		snprintf(title, sizeof(title), "accept: the scripted server's "
		    "steps (%llu connections accepted)", (unsigned long long)
		    runner_accepted_count(acc));
		ui_steps_program(&f, runner_scenario(acc),
		    runner_program(acc, i), title);
	}
}

void
ui_steps_scroll(struct ui *u, long delta)
{
	long top = u->steps_top + delta;

	if (delta < -(long)(1L << 40) || top < 0)
		top = 0;
	u->steps_top = top;	/* the next frame clamps the bottom */
}

void
ui_steps_screen_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	if (arg == 2 && u->r == NULL) {
		ui_status(u, "no scenario runs here: no steps to show");
		return;
	}
	u->screen = arg == 2 ? UI_SCREEN_STEPS : UI_SCREEN_CONNS;
}
