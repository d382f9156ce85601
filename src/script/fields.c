/* Field expects and captures: `expect status 2xx`, `expect header NAME
 * "v"`, `expect int 5`, `expect nil`, `expect error regex "..."`, `expect
 * code 250`, `expect line regex "..."`, `expect field NAME "v"`, `capture
 * NAME status`... Parsed from the line's tokens, checked against the
 * codec's field names, matched on the codec's fields (proto/message.c). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cJSON.h>
#include "fields.h"
#include "match.h"
#include "util.h"

#define FIELDS_SHOW	200	/* characters of a value shown in a report */
#define FIELDS_OCC_SHOW	4	/* occurrences of a field listed */

/* The frame match_expect was called with, kept by fields_expect for the
 * EXPECT_FIELD case of the same call (the loop is single-threaded). */
static struct codec_frame fields_wire;
/* Holds values that are not bytes of the frame (de-chunked body, JSON). */
static struct buf fields_scratch;

/* A new spec for op on field (copied), labelled label. */
static struct field_spec *
spec_new(enum field_op op, const char *field, const char *label,
    const char *need, unsigned col)
{
	struct field_spec *fs = xcalloc(1, sizeof(*fs));

	fs->op = op;
	fs->field = xstrdup(field);
	fs->label = xstrdup(label);
	fs->need = need;
	fs->col = col;
	return fs;
}

void
fields_free(struct field_spec *fs)
{
	if (fs == NULL)
		return;
	free(fs->field);
	free(fs->label);
	tmpl_free(fs->want);
	if (fs->pattern != NULL) {
		if (fs->rx == NULL)
			regfree(&fs->re);
		free(fs->pattern);
	}
	step_regex_free(fs->rx);
	free(fs->path);
	free(fs);
}

int
fields_codes_parse(const char *s, size_t n, unsigned char *set, size_t *bad)
{
	size_t i = 0, j, start;
	unsigned v;

	memset(set, 0, 1000);
	for (;;) {
		start = i;
		while (i < n && s[i] != '|')
			i++;
		*bad = start;
		if (i - start != 3 || s[start] < '1' || s[start] > '9')
			return -1;
		if ((s[start + 1] == 'x' || s[start + 1] == 'X') &&
		    (s[start + 2] == 'x' || s[start + 2] == 'X')) {
			v = (unsigned)(s[start] - '0') * 100;
			for (j = 0; j < 100; j++)
				set[v + j] = 1;
		} else if (isdigit((unsigned char)s[start + 1]) &&
		    isdigit((unsigned char)s[start + 2]))
			set[(s[start] - '0') * 100 + (s[start + 1] - '0') * 10 +
			    (s[start + 2] - '0')] = 1;
		else
			return -1;
		if (i >= n)
			return 0;
		i++;	/* the '|' */
		if (i >= n) {
			*bad = i;
			return -1;
		}
	}
}

/* Parse a decimal signed 64-bit integer s[0..n); 0, or -1. */
static int
fields_int_parse(const char *s, size_t n, long long *out)
{
	char tmp[32], *end;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (!isdigit((unsigned char)tmp[tmp[0] == '-' || tmp[0] == '+']))
		return -1;
	errno = 0;
	*out = strtoll(tmp, &end, 10);
	return *end != '\0' || errno == ERANGE ? -1 : 0;
}

/* Read a value word into t (lex_word_tmpl: `${...}` expressions become
 * placeholders, checked like any other). what names it in errors. */
static int
fields_read_value(struct parser *p, struct tmpl *t, const char *what)
{
	struct lexer *lx = &p->lx;
	char got[96];

	lex_skip_ws(lx);
	if (lex_peek(lx) != LEX_WORD)
		return lex_error(lx, lx->pos, NULL, "expected %s, got %s", what,
		    lex_got(lx, lx->pos, got, sizeof(got)));
	return lex_word_tmpl(lx, t);
}

/* `... CODES`: a code list, validated now when it has no ${...}. */
static int
fields_read_codes(struct parser *p, struct field_spec *fs, const char *what)
{
	struct lexer *lx = &p->lx;
	unsigned char set[1000];
	const unsigned char *lit;
	struct buf tmp;
	size_t at, len, bad;
	int rc = 0;

	lex_skip_ws(lx);
	at = lx->pos;
	fs->want = tmpl_new();
	if (fields_read_value(p, fs->want, what) == -1)
		return -1;
	buf_init(&tmp);
	if ((lit = tmpl_literal(fs->want, &tmp, &len)) != NULL &&
	    fields_codes_parse((const char *)lit, len, set, &bad) == -1)
		rc = lex_error(lx, at + bad, "codes are three digits or a class "
		    "such as 2xx, joined by |: 200, 2xx, 301|302", "expected %s, "
		    "got '%.*s'", what, (int)(lx->pos - at), lx->line + at);
	buf_free(&tmp);
	return rc;
}

/* `"text"` or `regex "pattern"` after a field. */
static int
fields_read_text_or_regex(struct parser *p, struct field_spec *fs,
    int allow_regex)
{
	struct lexer *lx = &p->lx;
	const char *w;
	char got[96];
	size_t wl, at;

	lex_skip_ws(lx);
	at = lx->pos;
	if (allow_regex && lex_word(lx, &w, &wl) && lex_word_is(w, wl,
	    "regex")) {
		if (fs->op == FOP_TEXT)
			fs->op = FOP_REGEX;
		return parse_regex(p, &fs->re, &fs->pattern, &fs->rx, "write "
		    "\\x00 only "
		    "in exact expects", "escape a backslash as \\\\");
	}
	lx->pos = at;
	if (lex_peek(lx) != LEX_STRING)
		return lex_error(lx, at, allow_regex ? "as in: \"text\" or "
		    "regex \"pattern\"" : NULL, "expected \"text\"%s, got %s",
		    allow_regex ? " or regex \"...\"" : "",
		    lex_got(lx, at, got, sizeof(got)));
	fs->want = tmpl_new();
	return lex_string(lx, fs->want, NULL);
}

/* Read a field or header name: a bare word without '{' or quotes. */
static int
fields_read_name(struct parser *p, const char *what, char **out)
{
	struct lexer *lx = &p->lx;
	const char *w;
	char got[96];
	size_t wl, at, i;

	lex_skip_ws(lx);
	at = lx->pos;
	if (lex_peek(lx) != LEX_WORD || !lex_word(lx, &w, &wl))
		return lex_error(lx, at, NULL, "expected %s, got %s", what,
		    lex_got(lx, at, got, sizeof(got)));
	for (i = 0; i < wl; i++)
		if (w[i] == '"' || w[i] == '{' || w[i] == '$' ||
		    (unsigned char)w[i] < 0x21)
			return lex_error(lx, at + i, NULL, "expected %s, got %s",
			    what, lex_got(lx, at, got, sizeof(got)));
	*out = xstrndup(w, wl);
	return 0;
}

int
fields_parse_expect(struct parser *p, struct step_expect *e, const char *w,
    size_t wl, size_t at)
{
	struct lexer *lx = &p->lx;
	unsigned col = lex_col(lx, at);
	struct field_spec *fs = NULL;
	const char *nw;
	char *name, label[160], got[96];
	size_t after = lx->pos, nwl, nat;

	if (lex_word_is(w, wl, "status")) {
		if (lex_peek(lx) == LEX_STRING) {
			fs = spec_new(FOP_TEXT, "text", "status", "type", col);
			fs->type = "status";
			e->field = fs;
			return fields_read_text_or_regex(p, fs, 0) == -1 ? -1 :
			    1;
		}
		fs = e->field = spec_new(FOP_CODES, "status", "status",
		    "status", col);
		return fields_read_codes(p, fs, "a status such as 200, 2xx "
		    "or 301|302") == -1 ? -1 : 1;
	}
	if (lex_word_is(w, wl, "header")) {
		if (lex_peek(lx) == LEX_JSON || lex_peek(lx) == LEX_EOL) {
			lx->pos = after;
			return 0;	/* expect header {...} */
		}
		if (fields_read_name(p, "a header name", &name) == -1)
			return -1;
		snprintf(label, sizeof(label), "header:%s", name);
		fs = e->field = spec_new(FOP_TEXT, label, label, NULL, col);
		snprintf(label, sizeof(label), "header %s", name);
		free(fs->label);
		fs->label = xstrdup(label);
		fs->need = fs->field;
		free(name);
		return fields_read_text_or_regex(p, fs, 1) == -1 ? -1 : 1;
	}
	if (lex_word_is(w, wl, "int")) {
		const unsigned char *lit;
		struct buf tmp;
		long long v;
		size_t len;
		int rc = 1;

		fs = e->field = spec_new(FOP_INT, "int", "int", "int", col);
		fs->type = "int";
		fs->want = tmpl_new();
		lex_skip_ws(lx);
		nat = lx->pos;
		if (fields_read_value(p, fs->want, "an integer such as 5 or "
		    "${n}") == -1)
			return -1;
		buf_init(&tmp);
		if ((lit = tmpl_literal(fs->want, &tmp, &len)) != NULL &&
		    fields_int_parse((const char *)lit, len, &v) == -1)
			rc = lex_error(lx, nat, "a signed 64-bit decimal",
			    "expected an integer, got '%.*s'", (int)len,
			    (const char *)lit);
		buf_free(&tmp);
		return rc;
	}
	if (lex_word_is(w, wl, "nil")) {
		fs = e->field = spec_new(FOP_TYPE, "type", "nil", "type", col);
		fs->type = "nil";
		return 1;
	}
	if (lex_word_is(w, wl, "error")) {
		fs = e->field = spec_new(FOP_TEXT, "text", "error", "type", col);
		fs->type = "error";
		return fields_read_text_or_regex(p, fs, 1) == -1 ? -1 : 1;
	}
	if (lex_word_is(w, wl, "code")) {
		fs = e->field = spec_new(FOP_CODES, "code", "code", "code", col);
		return fields_read_codes(p, fs, "a reply code such as 250, 2xx "
		    "or 250|251") == -1 ? -1 : 1;
	}
	if (lex_word_is(w, wl, "line")) {
		fs = e->field = spec_new(FOP_LINE, "lines", "line", "lines",
		    col);
		return fields_read_text_or_regex(p, fs, 1) == -1 ? -1 : 1;
	}
	if (lex_word_is(w, wl, "field")) {
		if (fields_read_name(p, "a field name such as status or "
		    "header:Location", &name) == -1)
			return -1;
		snprintf(label, sizeof(label), "field %s", name);
		fs = e->field = spec_new(FOP_TEXT, name, label, NULL, col);
		fs->need = fs->field;
		free(name);
		return fields_read_text_or_regex(p, fs, 1) == -1 ? -1 : 1;
	}
	if (lex_word_is(w, wl, "push")) {
		lex_skip_ws(lx);
		nat = lx->pos;
		if (!lex_word(lx, &nw, &nwl) || !lex_word_is(nw, nwl, "json"))
			return lex_error(lx, nat, "as in: expect push json "
			    "[\"message\", \"news\", \"hello\"]", "expected "
			    "'json' after push, got %s", lex_got(lx, nat, got,
			    sizeof(got)));
		fs = e->field = spec_new(FOP_JSON, "value", "push json", "push",
		    col);
		fs->push = 1;
		fs->want = tmpl_new();
		return lex_json(lx, fs->want, 0) == -1 ? -1 : 1;
	}
	lx->pos = after;
	return 0;
}

int
fields_parse_capture(struct parser *p, struct step_capture *c,
    const char *w, size_t wl, size_t at)
{
	unsigned col = lex_col(&p->lx, at);
	char *name, label[160];

	if (lex_word_is(w, wl, "status") || lex_word_is(w, wl, "int") ||
	    lex_word_is(w, wl, "code")) {
		name = xstrndup(w, wl);
		c->field = spec_new(FOP_CAPTURE, name, name, NULL, col);
		c->field->need = c->field->field;
		free(name);
		return 1;
	}
	if (!lex_word_is(w, wl, "field"))
		return 0;
	if (fields_read_name(p, "a field name such as status or "
	    "header:Location", &name) == -1)
		return -1;
	snprintf(label, sizeof(label), "field %s", name);
	c->field = spec_new(FOP_CAPTURE, name, label, NULL, col);
	c->field->need = c->field->field;
	free(name);
	return 1;
}

/* 1 if t is literal text that reads as a code list ("200", "2xx",
 * "301|302"): `expect status "200"` meant the http status. */
static int
fields_code_like(const struct tmpl *t)
{
	const unsigned char *lit;
	struct buf tmp;
	size_t n, i;
	int ok;

	if (t == NULL)
		return 0;
	buf_init(&tmp);
	lit = tmpl_literal(t, &tmp, &n);
	ok = lit != NULL && n > 0;
	for (i = 0; ok && i < n; i++)
		ok = isdigit(lit[i]) || lit[i] == 'x' || lit[i] == 'X' ||
		    lit[i] == '|';
	buf_free(&tmp);
	return ok;
}

/* Write "codec X has no LABEL; use codec A, B" for a field the codec
 * lacks, at the step's keyword. */
static int
fields_refuse(struct parser *p, const struct step *st,
    const struct field_spec *fs)
{
	const struct codec *cd = p->sc->codec;
	char use[200], hint[300], what[160];
	size_t o = 0, i, h;

	use[0] = '\0';
	for (i = 0; codec_all[i] != NULL && o < sizeof(use); i++)
		if (codec_knows_field(codec_all[i], fs->need))
			o += (size_t)snprintf(use + o, sizeof(use) - o, "%s%s",
			    o > 0 ? ", " : "", codec_all[i]->name);
	if (fs->type != NULL)
		snprintf(what, sizeof(what), "%s replies", fs->type);
	else if (strncmp(fs->need, "header:", 7) == 0)
		snprintf(what, sizeof(what), "headers");
	else if (fs->push)
		snprintf(what, sizeof(what), "push messages");
	else
		snprintf(what, sizeof(what), "%s", fs->need);
	h = (size_t)snprintf(hint, sizeof(hint), "codec %s has the fields:",
	    cd != NULL ? cd->name : "raw");
	for (i = 0; cd != NULL && cd->field_names != NULL &&
	    cd->field_names[i] != NULL && h < sizeof(hint); i++)
		h += (size_t)snprintf(hint + h, sizeof(hint) - h, "%s %s",
		    i > 0 ? "," : "", cd->field_names[i]);
	p->lx.name = p->sc->files[st->file];
	if (fs->type != NULL && strcmp(fs->type, "status") == 0 &&
	    codec_knows_field(cd, "status") && fields_code_like(fs->want))
		/* `expect status "200"` under http: the quoted form is a
		 * RESP simple string; http's status is a number. */
	{
		snprintf(hint, sizeof(hint), "codec %s's status is a number: "
		    "expect status 200, 2xx or 301|302 (a quoted status is a "
		    "RESP simple string)", cd->name);
		return lex_error_at(&p->lx, st->line, fs->col, hint, "expected "
		    "a status code without quotes, got a quoted string; write "
		    "expect status 200");
	}
	if (strcmp(fs->need, "header:") == 0)
		return lex_error_at(&p->lx, st->line, fs->col, "as in: expect "
		    "field header:Location \"/x\" (or expect header Location "
		    "\"/x\")", "expected a header name after 'header:', got "
		    "none");
	if (use[0] == '\0')
		return lex_error_at(&p->lx, st->line, fs->col, hint, "codec %s "
		    "has no %s, and no codec has it", cd != NULL ? cd->name :
		    "raw", what);
	return lex_error_at(&p->lx, st->line, fs->col, hint, "codec %s has no "
	    "%s; use codec %s", cd != NULL ? cd->name : "raw", what, use);
}

/* Give the expect at st the codec's view: json on resp reads the value,
 * header {...} on a codec with case-insensitive headers reads them. */
static void
fields_convert_expect(struct scenario *sc, struct step_expect *e)
{
	const struct codec *cd = sc->codec;

	if (cd == NULL || e->field != NULL)
		return;
	if (e->kind == EXPECT_JSON && codec_knows_field(cd, "value") &&
	    codec_knows_field(cd, "type")) {
		e->field = spec_new(FOP_JSON, "value", "json", "value", 1);
		e->field->want = e->bytes;
		e->bytes = NULL;
		e->kind = EXPECT_FIELD;
	} else if (e->kind == EXPECT_HEADER &&
	    codec_has(cd, CODEC_HEAD_NOCASE)) {
		e->field = spec_new(FOP_HEADERS, "header", "header", "header:*",
		    1);
		e->field->want = e->bytes;
		e->bytes = NULL;
		e->kind = EXPECT_FIELD;
	}
}

/* The same for captures: json on resp, header NAME on http. */
static void
fields_convert_capture(struct scenario *sc, struct step_capture *c)
{
	const struct codec *cd = sc->codec;
	char name[300];

	if (cd == NULL || c->field != NULL)
		return;
	if (c->kind == CAPTURE_JSON && codec_knows_field(cd, "value") &&
	    codec_knows_field(cd, "type")) {
		c->field = spec_new(FOP_CAPTURE, "value", "json", "value", 1);
		c->field->path = c->path;
		c->path = NULL;
		c->kind = CAPTURE_FIELD;
	} else if (c->kind == CAPTURE_HEADER &&
	    codec_has(cd, CODEC_HEAD_NOCASE)) {
		snprintf(name, sizeof(name), "header:%s", c->path);
		c->field = spec_new(FOP_CAPTURE, name, name, "header:*", 1);
		c->field->label[6] = ' ';
		free(c->path);
		c->path = NULL;
		c->kind = CAPTURE_FIELD;
	}
}

/* Decide which expects keep a copy of their message (keep_frame) for a
 * field capture: for each CAPTURE_FIELD, walking back in its own block,
 * every expect up to and including the first one that surely ran in the
 * same block (a plain, not optional expect of a message, or an expect
 * set). If the walk reaches the block's start (a capture first in a loop
 * reads the previous round's message) or an else, every expect keeps its
 * message. Without field captures none does: a 900 KB reply is not copied
 * per connection for nothing. */
static void
fields_mark_frames(struct scenario *sc)
{
	size_t i, j, top = SIZE_MAX, *encl, *stack, depth = 0;
	int all = 0;

	if (sc->nsteps == 0)
		return;
	encl = xcalloc(sc->nsteps, sizeof(*encl));
	stack = xcalloc(sc->nsteps + 1, sizeof(*stack));
	for (i = 0; i < sc->nsteps; i++) {
		encl[i] = top;
		switch (sc->steps[i].kind) {
		case STEP_END:
			if (depth > 0)
				depth--;
			top = depth > 0 ? stack[depth - 1] : SIZE_MAX;
			break;
		case STEP_REPEAT:
		case STEP_MERGE:
		case STEP_IF:
		case STEP_FINALLY:
		case STEP_EXPECT_SET:
			stack[depth++] = i;
			top = i;
			break;
		default:
			break;
		}
	}
	for (i = 0; i < sc->nsteps && !all; i++) {
		const struct step *c = &sc->steps[i];

		if (c->kind != STEP_CAPTURE || c->u.capture.kind !=
		    CAPTURE_FIELD)
			continue;
		for (j = i; j-- > 0; ) {
			struct step *e = &sc->steps[j];

			if (j == encl[i] || (e->kind == STEP_ELSE &&
			    encl[j] == encl[i])) {
				all = 1;
				break;
			}
			if (e->kind == STEP_EXPECT)
				e->u.expect.keep_frame = 1;
			if (encl[j] != encl[i])
				continue;
			if (e->kind == STEP_EXPECT_SET || (e->kind ==
			    STEP_EXPECT && !e->u.expect.optional &&
			    e->u.expect.kind != EXPECT_CLOSE &&
			    e->u.expect.kind != EXPECT_NOTHING))
				break;
		}
		if (j == SIZE_MAX)
			all = 1;	/* nothing before it surely ran */
	}
	for (i = 0; all && i < sc->nsteps; i++)
		if (sc->steps[i].kind == STEP_EXPECT)
			sc->steps[i].u.expect.keep_frame = 1;
	free(encl);
	free(stack);
}

int
fields_check(struct parser *p)
{
	struct scenario *sc = p->sc;
	size_t i;

	for (i = 0; i < sc->nsteps; i++) {
		struct step *st = &sc->steps[i];
		const struct field_spec *fs = NULL;

		if (st->kind == STEP_EXPECT) {
			st->u.expect.codec = sc->codec;
			fields_convert_expect(sc, &st->u.expect);
			if (st->u.expect.kind == EXPECT_FIELD)
				fs = st->u.expect.field;
		} else if (st->kind == STEP_CAPTURE) {
			st->u.capture.codec = sc->codec;
			fields_convert_capture(sc, &st->u.capture);
			if (st->u.capture.kind == CAPTURE_FIELD)
				fs = st->u.capture.field;
		}
		if (fs == NULL)
			continue;
		if (!codec_knows_field(sc->codec, fs->need))
			return fields_refuse(p, st, fs);
		if (sc->stream) {
			p->lx.name = sc->files[st->file];
			return lex_error_at(&p->lx, st->line, fs->col, "use a "
			    "codec with messages: http, resp, reply, line, "
			    "jsonhdr, len16, ...", "codec raw has no %s; it is "
			    "a byte stream without messages", fs->need);
		}
	}
	fields_mark_frames(sc);
	return 0;
}

/* The field's value as text: bytes, an int's decimal text, a JSON text,
 * "" for null. */
static void
value_text(const struct codec_value *v, const unsigned char **s, size_t *n)
{
	*s = v->len > 0 ? v->s : (const unsigned char *)"";
	*n = v->len;
}

/* Append a value for a report: text quoted and escaped, an int or JSON as
 * it is, null as nil; at most FIELDS_SHOW characters. */
static void
show_value(struct buf *out, const struct codec_value *v)
{
	char esc[FIELDS_SHOW * 4 + 8];
	const unsigned char *s;
	size_t n;

	value_text(v, &s, &n);
	if (v->type == CODEC_V_NULL) {
		buf_printf(out, "nil");
		return;
	}
	if (v->type != CODEC_V_TEXT) {
		/* Decimal or JSON text: printable as it is. */
		buf_append(out, s, n < FIELDS_SHOW ? n : FIELDS_SHOW);
		buf_printf(out, "%s", n > FIELDS_SHOW ? "..." : "");
		return;
	}
	escape_bytes(s, n < FIELDS_SHOW ? n : FIELDS_SHOW, esc, sizeof(esc),
	    1);
	buf_printf(out, "\"%s\"%s", esc, n > FIELDS_SHOW ? "..." : "");
}

/* Everything a field match needs, and what it saw. */
struct fm {
	const struct codec	*codec;
	const struct codec_frame *f;
	const struct field_spec	*fs;
	const char		*field;		/* the field read */
	const unsigned char	*want;		/* rendered want */
	size_t			 wantlen;
	unsigned char		*codes;		/* CODES: 1000 flags */
	long long		 num;		/* INT */
	cJSON			*jwant;		/* JSON */
	const regex_t		*re;		/* REGEX, LINE: the compiled
						   pattern (step_regex) */
	const char		*group;		/* for GROUP:NAME */
	size_t			 glen;
	const char		*name;
	size_t			 nlen;
	int			 nocase;
	size_t			 seen;		/* occurrences found */
	int			 hit;		/* one matched */
	int			 slow;		/* a regex was stopped */
	struct buf		*subj;		/* REGEX, LINE with re: the
						   subjects, NUL-terminated,
						   matched after the walk with
						   one time budget */
	struct buf		*offs;		/* their (offset, length)s */
	struct buf		 shown;		/* occurrences, for the report */
	struct buf		 first;		/* the first one's bytes */
	int			 first_null;
	char			 path[256];	/* JSON: where it differs */
	char			 jdiff[240];	/* JSON: what differs, typed */
	const struct codec_value *v;		/* the one being tested */
};

/* Keep s[0..n) as a subject for the one bounded regex run after the walk
 * (match_regex_set): a field repeated 50 times or a reply of 500 lines is
 * one time budget, not one per occurrence. */
static void
fm_subject(struct fm *m, const void *s, size_t n)
{
	size_t o[2];

	o[0] = buf_len(m->subj);
	o[1] = n;
	buf_append(m->subj, s, n);
	buf_append(m->subj, "", 1);
	buf_append(m->offs, o, sizeof(o));
}

/* Say whether the JSON array text s[0..n) has a string item that equals
 * want (a pattern: kept as subjects, decided after the walk). */
static int
fm_line(struct fm *m, const unsigned char *s, size_t n)
{
	cJSON *arr = cJSON_ParseWithLength((const char *)s, n), *it;
	int hit = 0;

	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it))
			continue;
		if (m->re != NULL)
			fm_subject(m, it->valuestring, strlen(it->valuestring));
		else
			hit = strlen(it->valuestring) == m->wantlen &&
			    memcmp(it->valuestring, m->want, m->wantlen) == 0;
		if (hit)
			break;
	}
	cJSON_Delete(arr);
	return hit;
}

/* Test one occurrence v of the field against the spec. */
static int
fm_test(struct fm *m, const struct codec_value *v)
{
	const unsigned char *s;
	cJSON *got;
	size_t n;
	int r;

	value_text(v, &s, &n);
	switch (m->fs->op) {
	case FOP_TEXT:
		return n == m->wantlen && memcmp(s, m->want, n) == 0;
	case FOP_REGEX:
		fm_subject(m, s, n);
		return 0;
	case FOP_CODES:
		return v->type == CODEC_V_INT && v->num >= 0 && v->num < 1000 &&
		    m->codes[v->num];
	case FOP_INT:
		return v->type == CODEC_V_INT && v->num == m->num;
	case FOP_JSON:
		if (v->type == CODEC_V_TEXT) {
			/* Text compares as a JSON string. */
			char *t = xstrndup((const char *)s, n);

			got = cJSON_CreateString(t);
			free(t);
		} else
			got = match_json_parse(s, n);
		r = got != NULL && match_json_differ(m->jwant, got, m->path,
		    sizeof(m->path), m->jdiff, sizeof(m->jdiff));
		cJSON_Delete(got);
		return r;
	case FOP_LINE:
		return fm_line(m, s, n);
	case FOP_TYPE:
	case FOP_HEADERS:
	case FOP_CAPTURE:
		return 1;
	}
	return 0;
}

/* Visitor: each occurrence of the wanted field. */
static int
fm_cb(void *arg, const struct codec_field *fld)
{
	struct fm *m = arg;
	const unsigned char *s;
	size_t n;

	if ((m->group == NULL) != (fld->group == NULL))
		return 0;
	if (m->group != NULL && (strlen(fld->group) != m->glen ||
	    memcmp(fld->group, m->group, m->glen) != 0))
		return 0;
	if (fld->name_len != m->nlen || (m->nocase && m->group != NULL ?
	    strncasecmp(fld->name, m->name, m->nlen) :
	    memcmp(fld->name, m->name, m->nlen)) != 0)
		return 0;
	if (m->seen == 0) {
		value_text(&fld->v, &s, &n);
		buf_append(&m->first, s, n);
		m->first_null = fld->v.type == CODEC_V_NULL;
	}
	if (m->seen < FIELDS_OCC_SHOW) {
		if (m->seen > 0)
			buf_append(&m->shown, ", ", 2);
		show_value(&m->shown, &fld->v);
	}
	m->seen++;
	if (!m->hit && fm_test(m, &fld->v))
		m->hit = 1;
	/* Every occurrence is counted for the report; stop once matched
	 * and past what the report lists. */
	return m->hit && m->seen >= FIELDS_OCC_SHOW;
}

/* The walk of a pattern expect: every occurrence (every line) kept, then
 * one match_regex_set over all of them, stopped at the first match or
 * after MATCH_REGEX_BUDGET_MS for the whole step. */
static int
fm_walk_regex(struct fm *m)
{
	struct buf subj, offs;
	size_t which;
	int rc, r;

	buf_init(&subj);
	buf_init(&offs);
	m->subj = &subj;
	m->offs = &offs;
	rc = m->codec->fields(m->f, &fields_scratch, fm_cb, m);
	if (rc != -1 && buf_len(&offs) > 0) {
		r = match_regex_set(m->re, buf_data(&subj),
		    (const size_t *)(const void *)buf_data(&offs),
		    buf_len(&offs) / (2 * sizeof(size_t)), &which);
		if (r < 0)
			m->slow = 1;
		m->hit = r > 0;
	}
	m->subj = NULL;
	m->offs = NULL;
	buf_free(&subj);
	buf_free(&offs);
	return rc;
}

/* Walk the occurrences of field (GROUP:NAME or NAME) in m->f. -1 if the
 * frame does not parse. */
static int
fm_walk(struct fm *m, const char *field)
{
	const char *colon = strchr(field, ':');

	m->field = field;
	m->group = NULL;
	m->glen = 0;
	m->name = field;
	if (colon != NULL) {
		m->group = field;
		m->glen = (size_t)(colon - field);
		m->name = colon + 1;
	}
	m->nlen = strlen(m->name);
	m->nocase = codec_has(m->codec, CODEC_HEAD_NOCASE);
	m->seen = 0;
	m->hit = 0;
	buf_reset(&m->shown);
	buf_reset(&m->first);
	if (m->codec->fields == NULL)
		return -1;
	if (m->re == NULL || (m->fs->op != FOP_REGEX && m->fs->op != FOP_LINE))
		return m->codec->fields(m->f, &fields_scratch, fm_cb, m);
	return fm_walk_regex(m);
}

/* Start a report: "line N: expect LABEL: what". */
static void
fm_head(struct buf *why, const struct step *st, const struct field_spec *fs,
    const char *what)
{
	buf_printf(why, "line %u: %s %s: %s", st->line, st->kind ==
	    STEP_CAPTURE ? "capture" : "expect", st->kind == STEP_CAPTURE ?
	    st->u.capture.name : fs->label, what);
}

/* Append the message as the codec describes it. */
static void
fm_message(struct buf *why, const struct fm *m)
{
	char d[256];

	if (m->codec->describe == NULL)
		return;
	m->codec->describe(m->f, d, sizeof(d));
	buf_printf(why, "\n  message: %s", d);
}

/* The pattern a spec matched with: for one with ${...} the text its
 * step_regex compiled last (this match's), else the pattern. */
static const char *
fm_pattern(const struct field_spec *fs)
{
	return fs->rx != NULL && fs->rx->text != NULL ? fs->rx->text :
	    fs->pattern;
}

/* Append "expected: ..." for the spec (want already rendered in m). */
static void
fm_expected(struct buf *why, const struct fm *m)
{
	char esc[FIELDS_SHOW * 4 + 8];
	const struct field_spec *fs = m->fs;

	buf_printf(why, "\n  expected: ");
	if (fs->pattern != NULL) {
		escape_bytes((const unsigned char *)fm_pattern(fs),
		    strlen(fm_pattern(fs)), esc, sizeof(esc), 1);
		buf_printf(why, "%s/%s/", fs->op == FOP_LINE ? "a line matching "
		    : "", esc);
		return;
	}
	escape_bytes(m->want != NULL ? m->want : (const unsigned char *)"",
	    m->wantlen < FIELDS_SHOW ? m->wantlen : FIELDS_SHOW, esc,
	    sizeof(esc), 1);
	if (fs->op == FOP_TEXT || fs->op == FOP_LINE)
		buf_printf(why, "%s\"%s\"", fs->op == FOP_LINE ? "a line " : "",
		    esc);
	else
		buf_append(why, m->want != NULL ? m->want : (const unsigned
		    char *)"", m->wantlen < FIELDS_SHOW ? m->wantlen :
		    FIELDS_SHOW);
}

/* Fill the report for a field that is missing or did not match. */
static void
fm_report(struct buf *why, const struct step *st, struct fm *m)
{
	const struct field_spec *fs = m->fs;
	char text[400];
	const unsigned char *exp = m->want;
	size_t en = m->wantlen;

	if (fs->pattern != NULL) {
		exp = (const unsigned char *)fm_pattern(fs);
		en = strlen(fm_pattern(fs));
	}
	if (m->slow)
		snprintf(text, sizeof(text), "matching the pattern took over "
		    "%dms and was stopped", MATCH_REGEX_BUDGET_MS);
	else if (m->seen == 0)
		snprintf(text, sizeof(text), "the message has no %s", m->field);
	else if (m->seen > 1)
		snprintf(text, sizeof(text), "none of the %zu occurrences of %s "
		    "matches", m->seen, m->field);
	else if (fs->op == FOP_JSON && m->path[0] != '\0')
		snprintf(text, sizeof(text), "%.60s differs at %.100s: %.200s", m->field,
		    m->path, m->jdiff);
	else if (fs->op == FOP_JSON && m->jdiff[0] != '\0')
		/* Typed: "expected 1.5 (a number), got "1.5" (a string)". */
		snprintf(text, sizeof(text), "%s", m->jdiff);
	else {
		struct buf e;

		buf_init(&e);
		fm_expected(&e, m);	/* "\n  expected: X" */
		/* "expected status 200", "expected a line matching /x/". */
		snprintf(text, sizeof(text), "expected %s%s%.*s, got %.*s",
		    fs->op == FOP_LINE ? "" : fs->label, fs->op == FOP_LINE ?
		    "" : " ", (int)(buf_len(&e) > 13 ? buf_len(&e) - 13 : 0),
		    (const char *)buf_data(&e) + 13, (int)(buf_len(&m->shown) <
		    200 ? buf_len(&m->shown) : 200),
		    (const char *)buf_data(&m->shown));
		buf_free(&e);
	}
	match_detail_set(m->field, exp != NULL ? exp : (const unsigned char *)
	    "", en, m->seen > 0 ? buf_data(&m->first) : NULL,
	    buf_len(&m->first));
	fm_head(why, st, fs, text);
	buf_printf(why, "\n  field: %s", m->field);
	fm_expected(why, m);
	if (fs->rx != NULL) {
		char esc[FIELDS_SHOW * 4 + 8];

		escape_bytes((const unsigned char *)fs->pattern,
		    strlen(fs->pattern), esc, sizeof(esc), 1);
		buf_printf(why, "\n  pattern as written: /%s/", esc);
	}
	if (m->seen == 0)
		buf_printf(why, "\n  received: nothing (no %s field)", m->field);
	else {
		buf_printf(why, "\n  received: ");
		buf_append(why, buf_data(&m->shown), buf_len(&m->shown));
		if (m->seen > FIELDS_OCC_SHOW)
			buf_printf(why, ", ...");
		if (m->seen > 1)
			buf_printf(why, " (%zu occurrences; any one may match)",
			    m->seen);
	}
	fm_message(why, m);
}

/* The RESP type (or push) a spec asks for: 1 if the message has it, else
 * 0 with a report. */
static int
fm_type(struct buf *why, const struct step *st, struct fm *m)
{
	const struct field_spec *fs = m->fs;
	struct codec_value v;
	char text[200], want[64];
	const char *field = fs->type != NULL ? "type" : "push";
	int rc;

	if (fs->type == NULL && !fs->push)
		return 1;
	rc = codec_field(m->codec, m->f, field, 0, &fields_scratch, &v);
	if (rc == 1 && fs->type != NULL && v.len == strlen(fs->type) &&
	    memcmp(v.s, fs->type, v.len) == 0)
		return 1;
	if (rc == 1 && fs->type == NULL && v.num == 1)
		return 1;
	if (rc == 1 && fs->type == NULL)
		rc = codec_field(m->codec, m->f, "type", 0, &fields_scratch, &v);
	snprintf(want, sizeof(want), "%s", fs->type != NULL ? fs->type :
	    "push");
	snprintf(text, sizeof(text), "expected %s %s reply, got %s%.*s",
	    strchr("aeiou", want[0]) != NULL ? "an" : "a", want, rc != 1 ?
	    "a message without a type" : strchr("aeiou", v.s[0]) != NULL ?
	    "an " : "a ",
	    rc == 1 ? (int)v.len : 0, rc == 1 ? (const char *)v.s : "");
	match_detail_set("type", (const unsigned char *)want, strlen(want),
	    rc == 1 ? v.s : NULL, rc == 1 ? v.len : 0);
	fm_head(why, st, fs, text);
	buf_printf(why, "\n  field: type\n  expected: %s\n  received: %.*s",
	    want, rc == 1 ? (int)v.len : 7, rc == 1 ? (const char *)v.s :
	    "nothing");
	fm_message(why, m);
	return 0;
}

/* Render want into b and prepare m for the op; -1 with a report. */
static int
fm_prepare(struct buf *why, const struct step *st, struct fm *m,
    const struct field_spec *fs, struct vars *vars, struct buf *b)
{
	char err[256], text[400];
	struct buf eb;
	size_t bad;

	m->want = NULL;
	m->wantlen = 0;
	m->re = NULL;
	if (fs->pattern != NULL) {
		buf_init(&eb);
		m->re = step_regex(fs->rx, &fs->re, fs->pattern, vars, &eb);
		if (m->re == NULL) {
			match_detail_set(NULL, NULL, 0, NULL, 0);
			fm_head(why, st, fs, (const char *)buf_data(&eb));
		}
		buf_free(&eb);
		if (m->re == NULL)
			return -1;
	}
	if (fs->want == NULL)
		return 0;
	if (tmpl_render(fs->want, vars, b, err, sizeof(err)) == -1) {
		match_detail_set(NULL, NULL, 0, NULL, 0);
		fm_head(why, st, fs, err);
		return -1;
	}
	m->want = buf_data(b);
	m->wantlen = buf_len(b);
	text[0] = '\0';
	if (fs->op == FOP_CODES && fields_codes_parse((const char *)m->want,
	    m->wantlen, m->codes, &bad) == -1)
		snprintf(text, sizeof(text), "the codes became '%.*s', not a "
		    "list such as 200, 2xx or 301|302 (check the variables)",
		    (int)(m->wantlen < 100 ? m->wantlen : 100),
		    (const char *)m->want);
	else if (fs->op == FOP_INT && fields_int_parse((const char *)m->want,
	    m->wantlen, &m->num) == -1)
		snprintf(text, sizeof(text), "the integer became '%.*s', not a "
		    "signed 64-bit decimal (check the variables)",
		    (int)(m->wantlen < 100 ? m->wantlen : 100),
		    (const char *)m->want);
	else if ((fs->op == FOP_JSON || fs->op == FOP_HEADERS) &&
	    (m->jwant = match_json_parse(m->want, m->wantlen)) == NULL)
		snprintf(text, sizeof(text), "expected JSON became invalid "
		    "after substituting variables (check captured values)");
	if (text[0] == '\0')
		return 0;
	match_detail_set(NULL, NULL, 0, NULL, 0);
	fm_head(why, st, fs, text);
	return -1;
}

/* FOP_HEADERS: every key of the wanted object is a header (any case)
 * whose value, one occurrence of it, equals the wanted one (a string
 * exactly, a number numerically, anything else as its JSON text). */
static int
fm_headers(struct buf *why, const struct step *st, struct fm *m)
{
	struct field_spec tmp;
	const cJSON *k;
	char field[300], num[32], label[300];
	const struct field_spec *orig = m->fs;
	struct buf want;
	char *wt;
	int ok = 1;

	if (!cJSON_IsObject(m->jwant)) {
		match_detail_set(NULL, NULL, 0, NULL, 0);
		fm_head(why, st, m->fs, "expected a JSON object of headers");
		return 0;
	}
	buf_init(&want);
	cJSON_ArrayForEach(k, m->jwant) {
		memset(&tmp, 0, sizeof(tmp));
		tmp.op = FOP_TEXT;
		/* The report names the header: "expected header X-A "99"". */
		snprintf(label, sizeof(label), "%s %.200s", orig->label,
		    k->string);
		tmp.label = label;
		buf_reset(&want);
		if (cJSON_IsString(k))
			buf_append(&want, k->valuestring, strlen(k->valuestring));
		else if (match_json_int_text(k, num, sizeof(num)) != NULL)
			/* Range-checked before any conversion: 1e30 is
			 * compared as its digits, never cast. */
			buf_printf(&want, "%s", match_json_int_text(k, num,
			    sizeof(num)));
		else {
			wt = cJSON_PrintUnformatted(k);
			buf_append(&want, wt, strlen(wt));
			cJSON_free(wt);
		}
		m->fs = &tmp;
		m->want = buf_data(&want);
		m->wantlen = buf_len(&want);
		snprintf(field, sizeof(field), "header:%s", k->string);
		if (fm_walk(m, field) == -1 || !m->hit) {
			fm_report(why, st, m);
			ok = 0;
			break;
		}
	}
	m->fs = orig;
	buf_free(&want);
	return ok;
}

/* Match m->fs on m->f: MATCH_OK or MATCH_FAIL with a report. */
static int
fm_run(struct buf *why, const struct step *st, struct fm *m,
    struct vars *vars)
{
	const struct field_spec *fs = m->fs;
	unsigned char codes[1000];
	struct buf b;
	int rc = MATCH_FAIL;

	m->codes = codes;
	m->jwant = NULL;
	m->path[0] = '\0';
	buf_init(&b);
	buf_init(&m->shown);
	buf_init(&m->first);
	if (!fm_type(why, st, m) || fm_prepare(why, st, m, fs, vars, &b) == -1)
		goto done;
	if (fs->op == FOP_TYPE) {
		rc = MATCH_OK;
		goto done;
	}
	if (fs->op == FOP_HEADERS) {
		rc = fm_headers(why, st, m) ? MATCH_OK : MATCH_FAIL;
		goto done;
	}
	if (fm_walk(m, fs->field) == -1) {
		match_detail_set(fs->field, NULL, 0, NULL, 0);
		fm_head(why, st, fs, "the message's fields cannot be read");
		goto done;
	}
	if (m->hit && !m->slow)
		rc = MATCH_OK;
	else
		fm_report(why, st, m);
done:
	cJSON_Delete(m->jwant);
	m->jwant = NULL;
	buf_free(&b);
	buf_free(&m->shown);
	buf_free(&m->first);
	return rc;
}

int
fields_own_head(const struct step *st)
{
	const struct step_expect *e = &st->u.expect;

	return e->head != NULL && e->codec != NULL &&
	    codec_has(e->codec, CODEC_HEAD_NOCASE);
}

/* Keep a copy of the wire frame f in vars for field captures. */
static void
fields_remember(struct vars *vars, const struct codec_frame *f)
{
	const unsigned char *base = f->frame;

	buf_reset(&vars->last_frame);
	buf_append(&vars->last_frame, f->frame, f->frame_len);
	vars->last_frame_body[0] = SIZE_MAX;
	vars->last_frame_body[1] = 0;
	vars->last_frame_head[0] = SIZE_MAX;
	vars->last_frame_head[1] = 0;
	if (f->body != NULL && f->body >= base &&
	    f->body + f->body_len <= base + f->frame_len) {
		vars->last_frame_body[0] = (size_t)(f->body - base);
		vars->last_frame_body[1] = f->body_len;
	}
	if (f->head != NULL && f->head >= base &&
	    f->head + f->head_len <= base + f->frame_len) {
		vars->last_frame_head[0] = (size_t)(f->head - base);
		vars->last_frame_head[1] = f->head_len;
	}
}

/* 1 if e reads a RESP reply's value (plain, hex, regex, length or json
 * expects), which an error or nil reply does not have. */
static int
fields_value_expect(const struct step_expect *e)
{
	switch (e->kind) {
	case EXPECT_BYTES:
	case EXPECT_HEX:
	case EXPECT_REGEX:
	case EXPECT_LENGTH:
	case EXPECT_JSON:
		return 1;
	case EXPECT_FIELD:
		return e->field != NULL && e->field->op == FOP_JSON &&
		    !e->field->push && strcmp(e->field->label, "json") == 0;
	default:
		return 0;
	}
}

int
fields_expect(const struct step *st, const struct codec_frame **msg,
    struct vars *vars, struct buf *why)
{
	const struct step_expect *e = &st->u.expect;
	const struct codec *cd = e->codec;
	static struct codec_frame view;
	struct codec_value v;
	struct field_spec hs;
	struct fm m;

	fields_wire = **msg;
	if (cd == NULL || cd->fields == NULL || cd == &codec_raw)
		return FIELDS_GO_ON;
	if (e->keep_frame)
		fields_remember(vars, *msg);
	memset(&m, 0, sizeof(m));
	m.codec = cd;
	m.f = *msg;
	if (fields_own_head(st)) {
		memset(&hs, 0, sizeof(hs));
		hs.op = FOP_HEADERS;
		hs.label = "header";
		hs.want = e->head;
		m.fs = &hs;
		if (fm_run(why, st, &m, vars) != MATCH_OK)
			return MATCH_FAIL;
	}
	if (cd == &codec_http && e->kind != EXPECT_FIELD &&
	    codec_field(cd, *msg, "body", 0, &fields_scratch, &v) == 1) {
		view = **msg;
		view.body = v.len > 0 ? v.s : (const unsigned char *)"";
		view.body_len = v.len;
		*msg = &view;
	} else if (cd == &codec_resp && fields_value_expect(e) &&
	    codec_field(cd, *msg, "type", 0, &fields_scratch, &v) == 1 &&
	    ((v.len == 3 && memcmp(v.s, "nil", 3) == 0) ||
	    (v.len == 5 && memcmp(v.s, "error", 5) == 0))) {
		/* An error or nil reply is not a value: only expect error,
		 * expect nil and expect field see it. */
		int nil = v.len == 3;
		const char *label = e->kind == EXPECT_FIELD ? e->field->label :
		    expect_kind_name(e->kind);

		vars_set_last(vars, (*msg)->body, (*msg)->body_len, NULL, 0);
		if (nil) {
			match_detail_set("type", NULL, 0, (const unsigned char *)
			    "nil", 3);
			buf_printf(why, "line %u: expect %s: got nil (expect "
			    "nil matches it)", st->line, label);
		} else {
			codec_field(cd, *msg, "text", 0, &fields_scratch, &v);
			match_detail_set("type", NULL, 0, v.s, v.len);
			buf_printf(why, "line %u: expect %s: got an error reply: "
			    "(error) %.*s%s (expect error matches it)", st->line,
			    label, (int)(v.len < 200 ? v.len : 200),
			    (const char *)v.s, v.len > 200 ? "..." : "");
		}
		fm_message(why, &m);
		return MATCH_FAIL;
	}
	return FIELDS_GO_ON;
}

int
fields_match(const struct step *st, struct vars *vars, struct buf *why)
{
	const struct step_expect *e = &st->u.expect;
	struct fm m;

	memset(&m, 0, sizeof(m));
	if (e->codec == NULL || e->field == NULL) {
		match_detail_set(NULL, NULL, 0, NULL, 0);
		buf_printf(why, "line %u: expect field: no codec", st->line);
		return MATCH_FAIL;
	}
	m.codec = e->codec;
	m.f = &fields_wire;
	m.fs = e->field;
	return fm_run(why, st, &m, vars);
}

/* Append the pattern of fs as this connection renders it from vars (as
 * written when it cannot be rendered), escaped for a report. */
static void
fields_show_pattern(const struct field_spec *fs, struct vars *vars,
    struct buf *out)
{
	char err[128], esc[FIELDS_SHOW * 4 + 8];
	struct buf b;

	buf_init(&b);
	if (fs->rx == NULL || tmpl_render_regex(fs->rx->t, vars, fs->rx->raw,
	    &b, err, sizeof(err)) == -1) {
		buf_reset(&b);
		buf_append(&b, fs->pattern, strlen(fs->pattern));
	}
	escape_bytes(buf_data(&b), buf_len(&b) < FIELDS_SHOW ? buf_len(&b) :
	    FIELDS_SHOW, esc, sizeof(esc), 1);
	buf_printf(out, "/%s/", esc);
	buf_free(&b);
}

void
fields_describe(const struct field_spec *fs, struct vars *vars,
    struct buf *out)
{
	char err[128], esc[FIELDS_SHOW * 4 + 8];
	struct buf b;

	buf_printf(out, "%s", fs->label);
	if (fs->pattern != NULL) {
		buf_printf(out, " regex ");
		fields_show_pattern(fs, vars, out);
	} else if (fs->want != NULL) {
		buf_init(&b);
		if (tmpl_render(fs->want, vars, &b, err, sizeof(err)) == 0) {
			escape_bytes(buf_data(&b), buf_len(&b) < FIELDS_SHOW ?
			    buf_len(&b) : FIELDS_SHOW, esc, sizeof(esc), 1);
			buf_printf(out, fs->op == FOP_TEXT || fs->op ==
			    FOP_LINE ? " \"%s\"" : " %s", esc);
		}
		buf_free(&b);
	}
}

void
fields_report_wanted(const struct step *st, struct vars *vars,
    struct buf *why)
{
	const struct field_spec *fs = st->u.expect.field;
	char esc[FIELDS_SHOW * 4 + 8];

	if (fs == NULL)
		return;
	buf_printf(why, "\n  expected: ");
	fields_describe(fs, vars, why);
	if (fs->rx != NULL) {
		escape_bytes((const unsigned char *)fs->pattern,
		    strlen(fs->pattern), esc, sizeof(esc), 1);
		buf_printf(why, "\n  pattern as written: /%s/", esc);
	}
}

int
fields_prepare(const struct step *st, struct vars *vars, struct buf *why)
{
	unsigned char codes[1000];
	struct buf b;
	struct fm m;
	int rc;

	if (st->kind != STEP_EXPECT || st->u.expect.kind != EXPECT_FIELD ||
	    st->u.expect.field == NULL)
		return 0;
	memset(&m, 0, sizeof(m));
	m.codes = codes;
	m.fs = st->u.expect.field;
	buf_init(&b);
	rc = fm_prepare(why, st, &m, m.fs, vars, &b);
	cJSON_Delete(m.jwant);
	buf_free(&b);
	return rc;
}

/* Store the captured bytes; MATCH_OK, or MATCH_FAIL with a report. */
static int
fields_store(const struct step *st, struct vars *vars,
    const unsigned char *p, size_t n, struct buf *why)
{
	if (vars_set(vars, st->u.capture.name, p, n) == 0)
		return MATCH_OK;
	match_detail_set(NULL, NULL, 0, NULL, 0);
	buf_printf(why, "line %u: capture %s: cannot store the value (%zu "
	    "bytes; at most %d variables of %d bytes)", st->line,
	    st->u.capture.name, n, VARS_MAX, VARS_MAX_VALUE);
	return MATCH_FAIL;
}

int
fields_capture(const struct step *st, struct vars *vars, struct buf *why)
{
	const struct step_capture *c = &st->u.capture;
	const struct field_spec *fs = c->field;
	const struct cJSON *at;
	struct codec_frame f;
	struct codec_value v;
	const unsigned char *s;
	char bad[256], text[400], *str;
	struct buf tmp;
	cJSON *j;
	size_t n;
	int rc;

	if (fs == NULL || c->codec == NULL) {
		match_detail_set(NULL, NULL, 0, NULL, 0);
		buf_printf(why, "line %u: capture %s: no codec reports fields",
		    st->line, c->name);
		return MATCH_FAIL;
	}
	if (!vars->has_last || buf_len(&vars->last_frame) == 0) {
		match_detail_set(NULL, NULL, 0, NULL, 0);
		buf_printf(why, "line %u: capture %s: no message was received "
		    "before it", st->line, c->name);
		return MATCH_FAIL;
	}
	memset(&f, 0, sizeof(f));
	f.frame = buf_data(&vars->last_frame);
	f.frame_len = buf_len(&vars->last_frame);
	if (vars->last_frame_body[0] != SIZE_MAX) {
		f.body = f.frame + vars->last_frame_body[0];
		f.body_len = vars->last_frame_body[1];
	}
	if (vars->last_frame_head[0] != SIZE_MAX) {
		f.head = f.frame + vars->last_frame_head[0];
		f.head_len = vars->last_frame_head[1];
	}
	rc = codec_field(c->codec, &f, fs->field, 0, &fields_scratch, &v);
	if (rc != 1) {
		char d[256] = "";

		if (c->codec->describe != NULL)
			c->codec->describe(&f, d, sizeof(d));
		match_detail_set(fs->field, NULL, 0, NULL, 0);
		buf_printf(why, "line %u: capture %s: the last message has no "
		    "%s\n  field: %s\n  received: nothing (no %s field)\n  "
		    "message: %s", st->line, c->name, fs->field, fs->field,
		    fs->field, d);
		return MATCH_FAIL;
	}
	if (v.type == CODEC_V_NULL) {
		match_detail_set(fs->field, NULL, 0, (const unsigned char *)
		    "nil", 3);
		buf_printf(why, "line %u: capture %s: %s is nil (no value to "
		    "capture)\n  field: %s\n  received: nil", st->line, c->name,
		    fs->field, fs->field);
		return MATCH_FAIL;
	}
	value_text(&v, &s, &n);
	if (fs->path == NULL && v.type != CODEC_V_JSON)
		return fields_store(st, vars, s, n, why);
	j = v.type == CODEC_V_JSON ? match_json_parse(s, n) : NULL;
	if (j == NULL) {
		match_detail_set(fs->field, NULL, 0, s, n);
		buf_printf(why, "line %u: capture %s: %s is not JSON\n  field: "
		    "%s", st->line, c->name, fs->field, fs->field);
		return MATCH_FAIL;
	}
	bad[0] = '\0';
	at = fs->path != NULL ? match_json_path(j, fs->path, bad, sizeof(bad)) :
	    j;
	if (at == NULL) {
		snprintf(text, sizeof(text), "path %s: no '%s' in the received "
		    "JSON", fs->path, bad);
		match_detail_set(fs->field, NULL, 0, s, n);
		buf_printf(why, "line %u: capture %s: %s\n  field: %s\n  "
		    "received: %.*s%s", st->line, c->name, text, fs->field,
		    (int)(n < FIELDS_SHOW ? n : FIELDS_SHOW), (const char *)s,
		    n > FIELDS_SHOW ? "..." : "");
		cJSON_Delete(j);
		return MATCH_FAIL;
	}
	buf_init(&tmp);
	if (cJSON_IsString(at) || (cJSON_IsNumber(at) &&
	    at->valuestring != NULL))
		/* A string's text; a big integer's exact digits. */
		buf_append(&tmp, at->valuestring, strlen(at->valuestring));
	else {
		str = cJSON_PrintUnformatted(at);
		buf_append(&tmp, str != NULL ? str : "", str != NULL ?
		    strlen(str) : 0);
		cJSON_free(str);
	}
	cJSON_Delete(j);
	rc = fields_store(st, vars, buf_data(&tmp), buf_len(&tmp), why);
	buf_free(&tmp);
	return rc;
}
