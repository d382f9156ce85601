/* The checker: names used before they are set, and fields a codec does
 * not have, reported at file:line:col like any parse error. */
#include <stdio.h>
#include <string.h>
#include "parse.h"

/* Check that a ${NAME} placeholder names a variable captured earlier. */
int
check_var(void *arg, struct lexer *lx, const struct tmpl *t, size_t off)
{
	struct parser *p = arg;

	const struct tmpl_part *tp = &t->parts[t->nparts - 1];
	char hint[160];
	size_t i;

	if (tp->kind != TP_VAR)
		return 0;
	for (i = 0; i < p->ncaptures; i++)
		if (strcmp(p->captures[i], tp->name) == 0)
			return 0;
	snprintf(hint, sizeof(hint), "built-ins are conn, seq and rand:N; "
	    "set '%s' with a 'capture %s ...' line before this one",
	    tp->name, tp->name);
	return lex_error(lx, off, hint, "expected a variable set by an earlier "
	    "capture, got '${%s}'", tp->name);
}

/* A `header` on a send, an expect or a capture needs a codec whose
 * messages have one (jsonhdr, http); the codec may be set on any line, so
 * this is checked once the whole file is read. */
int
check_headers(struct parser *p)
{
	const char *cn = p->sc->codec != NULL ? p->sc->codec->name : "raw";
	int sends = strcmp(cn, "jsonhdr") == 0;
	int reads = sends || strcmp(cn, "http") == 0;
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
		    "with headers for '%s', got codec %s", what, cn);
	}
	return 0;
}
