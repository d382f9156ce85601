/* The checker: names used before they are set, and fields a codec does
 * not have, reported at file:line:col like any parse error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parse.h"
#include "util.h"

/* The hint for a name that is not set on every path. */
static void
check_hint(const struct parser *p, const char *name, char *hint,
    size_t hintlen)
{
	const struct data_table *t = p->sc->data;
	size_t i, o;

	if (strncmp(name, "row.", 4) == 0 && t != NULL) {
		o = (size_t)snprintf(hint, hintlen, "%s has no column '%s'; its "
		    "columns:", t->path, name + 4);
		for (i = 0; i < t->ncols && o < hintlen; i++)
			o += (size_t)snprintf(hint + o, hintlen - o, "%s %s",
			    i > 0 ? "," : "", t->cols[i]);
		return;
	}
	if (strncmp(name, "row.", 4) == 0)
		snprintf(hint, hintlen, "row.COLUMN reads the data file: add "
		    "'data FILE.csv' above, whose header row names '%s'",
		    name + 4);
	else
		snprintf(hint, hintlen, "built-ins are conn, seq and rand:N; "
		    "set '%s' with 'set %s ...' or 'capture %s ...' before "
		    "this line (in both branches of an if)", name, name, name);
}

int
check_is_set(const struct parser *p, const char *name)
{
	size_t i;

	if (strcmp(name, "conn") == 0 || strcmp(name, "seq") == 0)
		return 1;
	if (strncmp(name, "row.", 4) == 0)
		return p->sc->data != NULL &&
		    data_column(p->sc->data, name + 4) >= 0;
	for (i = 0; i < p->ndefs; i++)
		if (strcmp(p->defs[i], name) == 0)
			return 1;
	return 0;
}

void
check_define(struct parser *p, const char *name)
{
	if (check_is_set(p, name))
		return;
	if (p->ndefs == p->capdefs) {
		p->capdefs = p->capdefs ? p->capdefs * 2 : 16;
		p->defs = xrealloc(p->defs, p->capdefs * sizeof(*p->defs));
	}
	p->defs[p->ndefs++] = xstrdup(name);
}

/* The first name e reads that is not set, with its offset. */
struct check_unset {
	const struct parser *p;
	const char	*name;
	size_t		 off;
};

static void
check_unset_cb(void *arg, const char *name, size_t off)
{
	struct check_unset *u = arg;

	if (u->name == NULL && !check_is_set(u->p, name)) {
		u->name = name;
		u->off = off;
	}
}

int
check_expr(struct parser *p, const struct expr *e, size_t off)
{
	struct check_unset u = { p, NULL, 0 };
	char hint[256];

	expr_names(e, check_unset_cb, &u);
	if (u.name == NULL)
		return 0;
	check_hint(p, u.name, hint, sizeof(hint));
	if (strncmp(u.name, "row.", 4) == 0)
		return lex_error(&p->lx, off + u.off, hint, "expected a column "
		    "of the data file, got '%s'", u.name);
	return lex_error(&p->lx, off + u.off, hint, "expected a variable set "
	    "on every path before this line, got '%s'", u.name);
}

int
check_expr_at(struct parser *p, const struct expr *e, unsigned lineno,
    unsigned col)
{
	struct check_unset u = { p, NULL, 0 };
	char hint[256];

	expr_names(e, check_unset_cb, &u);
	if (u.name == NULL)
		return 0;
	check_hint(p, u.name, hint, sizeof(hint));
	return lex_error_at(&p->lx, lineno, col + (unsigned)u.off, hint,
	    "expected a variable set on every path before this line, got "
	    "'%s'", u.name);
}

int
check_var(void *arg, struct lexer *lx, const struct tmpl *t, size_t off)
{
	struct parser *p = arg;
	const struct tmpl_part *tp = &t->parts[t->nparts - 1];
	char hint[256];

	if (tp->kind == TP_EXPR)
		return check_expr(p, tp->expr, off + 2);
	if (tp->kind != TP_VAR || check_is_set(p, tp->name))
		return 0;
	check_hint(p, tp->name, hint, sizeof(hint));
	if (strncmp(tp->name, "row.", 4) == 0)
		return lex_error(lx, off, hint, "expected a column of the data "
		    "file, got '${%s}'", tp->name);
	return lex_error(lx, off, hint, "expected a variable set on every "
	    "path before this line, got '${%s}'", tp->name);
}

void
check_block_open(struct parser *p, unsigned d)
{
	p->defs_at[d] = p->ndefs;
	p->then_defs[d] = NULL;
	p->nthen[d] = 0;
}

/* Drop the names set since the block at depth d opened; keep them in
 * *saved (if saved is not NULL) for the caller. */
static void
check_pop(struct parser *p, unsigned d, char ***saved, size_t *nsaved)
{
	size_t i;

	if (saved != NULL) {
		*nsaved = p->ndefs - p->defs_at[d];
		*saved = xcalloc(*nsaved + 1, sizeof(**saved));
		for (i = 0; i < *nsaved; i++)
			(*saved)[i] = p->defs[p->defs_at[d] + i];
	} else
		for (i = p->defs_at[d]; i < p->ndefs; i++)
			free(p->defs[i]);
	p->ndefs = p->defs_at[d];
}

void
check_block_else(struct parser *p, unsigned d)
{
	check_pop(p, d, &p->then_defs[d], &p->nthen[d]);
}

void
check_block_end(struct parser *p, unsigned d, int is_if, int body_ran)
{
	char **then = p->then_defs[d], **elsed;
	size_t nthen = p->nthen[d], nelse, i, j;

	if (!is_if) {
		if (!body_ran)
			check_pop(p, d, NULL, NULL);
		return;
	}
	if (then == NULL) {
		/* An if without else may skip its body. */
		check_pop(p, d, NULL, NULL);
		return;
	}
	/* After an if/else: what both branches set. */
	check_pop(p, d, &elsed, &nelse);
	for (i = 0; i < nthen; i++) {
		for (j = 0; j < nelse; j++)
			if (strcmp(then[i], elsed[j]) == 0)
				break;
		if (j < nelse)
			check_define(p, then[i]);
		free(then[i]);
	}
	for (j = 0; j < nelse; j++)
		free(elsed[j]);
	free(then);
	free(elsed);
	p->then_defs[d] = NULL;
}

void
check_free(struct parser *p)
{
	size_t i;
	unsigned d;

	for (i = 0; i < p->ndefs; i++)
		free(p->defs[i]);
	free(p->defs);
	for (d = 0; d < SCENARIO_MAX_DEPTH; d++) {
		for (i = 0; p->then_defs[d] != NULL && i < p->nthen[d]; i++)
			free(p->then_defs[d][i]);
		free(p->then_defs[d]);
		p->then_defs[d] = NULL;
	}
}

/* A `header` on a send, an expect or a capture needs a codec whose
 * messages have one (jsonhdr, http); the codec may be set on any line, so
 * this is checked once the whole file is read. */
int
check_headers(struct parser *p)
{
	const struct codec *cd = p->sc->codec;
	int sends = cd != NULL && codec_has(cd, CODEC_SENDS_HEAD);
	int reads = cd != NULL && codec_has(cd, CODEC_HAS_HEAD);
	size_t i;

	for (i = 0; i < p->sc->nsteps; i++) {
		const struct step *st = &p->sc->steps[i];
		const char *what = NULL;

		if (st->kind == STEP_SEND && st->u.send.head != NULL && !sends)
			what = "send ... header";
		else if (st->kind == STEP_EXPECT && !reads &&
		    (st->u.expect.head != NULL ||
		    st->u.expect.kind == EXPECT_HEADER))
			what = "expect ... header";
		else if (st->kind == STEP_CAPTURE && !reads &&
		    st->u.capture.kind == CAPTURE_HEADER)
			what = "capture ... header";
		if (what == NULL)
			continue;
		p->lx.lineno = st->line;
		p->lx.line = NULL;
		p->lx.linelen = 0;
		return lex_error(&p->lx, 0, sends || !reads ?
		    "only codec jsonhdr sends a "
		    "header; jsonhdr and http messages have one to expect" :
		    "only codec jsonhdr sends a header", "expected a codec "
		    "with headers for '%s', got codec %s", what,
		    cd != NULL ? cd->name : "raw");
	}
	return 0;
}

int
check_sets(struct parser *p)
{
	size_t i;

	if (!p->sc->stream)
		return 0;
	for (i = 0; i < p->sc->nsteps; i++)
		if (p->sc->steps[i].kind == STEP_EXPECT_SET) {
			p->lx.name = p->sc->files[p->sc->steps[i].file];
			return lex_error_at(&p->lx, p->sc->steps[i].line, 1,
			    "use a codec with messages: line, resp, http, "
			    "len16, ...", "expected a codec with message "
			    "boundaries for an expect set, got codec raw");
		}
	return 0;
}
