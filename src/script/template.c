/* Payload templates: parsing placeholders and rendering them per
 * connection from its variables (vars.c); tmpl_send encodes a send. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scenario.h"
#include "pack.h"
#include "rand.h"
#include "template.h"
#include "util.h"

struct tmpl *
tmpl_new(void)
{
	return xcalloc(1, sizeof(struct tmpl));
}

void
tmpl_free(struct tmpl *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nparts; i++) {
		free(t->parts[i].lit);
		free(t->parts[i].name);
		expr_free(t->parts[i].expr);
	}
	free(t->parts);
	free(t);
}

/* Append a zeroed part and return it. */
static struct tmpl_part *
tmpl_push(struct tmpl *t, enum tmpl_part_kind kind)
{
	struct tmpl_part *tp;

	t->parts = xrealloc(t->parts, (t->nparts + 1) * sizeof(*t->parts));
	tp = &t->parts[t->nparts++];
	memset(tp, 0, sizeof(*tp));
	tp->kind = kind;
	if (kind != TP_LIT)
		t->dynamic = 1;
	return tp;
}

void
tmpl_add_lit(struct tmpl *t, const void *p, size_t n)
{
	struct tmpl_part *tp;

	if (n == 0)
		return;
	if (t->nparts > 0 && t->parts[t->nparts - 1].kind == TP_LIT) {
		tp = &t->parts[t->nparts - 1];
		tp->lit = xrealloc(tp->lit, tp->len + n);
		memcpy(tp->lit + tp->len, p, n);
		tp->len += n;
		return;
	}
	tp = tmpl_push(t, TP_LIT);
	tp->lit = xmalloc(n);
	memcpy(tp->lit, p, n);
	tp->len = n;
}

/* Say whether c may start a variable name. */
static int
tmpl_name_start(int c)
{
	return isalpha((unsigned char)c) || c == '_';
}

/* Say whether c may continue a variable name. */
static int
tmpl_name_char(int c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Add the placeholder ${EXPR} at s: everything up to the first '}' outside
 * a string is an expression (expr.h). Bytes used, or -1 with err. */
static ssize_t
tmpl_add_expr(struct tmpl *t, const char *s, size_t n, int json_str,
    char *err, size_t errlen)
{
	struct tmpl_part *tp;
	struct expr *e;
	size_t i, off;
	char msg[256];
	int q = 0;

	for (i = 2; i < n && (q || s[i] != '}'); i++) {
		if (q && s[i] == '\\')
			i++;
		else if (s[i] == '"')
			q = !q;
	}
	if (i >= n) {
		snprintf(err, errlen, "expected '}' to close the placeholder, "
		    "got end of text");
		return -1;
	}
	if (expr_compile(s + 2, i - 2, &e, msg, sizeof(msg), &off) == -1) {
		snprintf(err, errlen, "in '${...}' at offset %zu: %s", off, msg);
		return -1;
	}
	tp = tmpl_push(t, TP_EXPR);
	tp->expr = e;
	tp->n = i + 1;
	tp->json_str = json_str;
	return (ssize_t)(i + 1);
}

ssize_t
tmpl_add_placeholder(struct tmpl *t, const char *s, size_t n, int json_str,
    char *err, size_t errlen)
{
	struct tmpl_part *tp;
	size_t i = 2, start, nl;
	uint64_t v = 0;

	if (n < 2 || s[0] != '$' || s[1] != '{') {
		snprintf(err, errlen, "expected '${', got something else");
		return -1;
	}
	start = i;
	if (i < n && tmpl_name_start(s[i])) {
		/* A name, or row.COLUMN. */
		while (i < n && (tmpl_name_char(s[i]) || (s[i] == '.' &&
		    i + 1 < n && tmpl_name_start(s[i + 1]))))
			i++;
	}
	if (i == start || i >= n || (s[i] != '}' && !(i - start == 4 &&
	    memcmp(s + start, "rand", 4) == 0 && s[i] == ':')))
		return tmpl_add_expr(t, s, n, json_str, err, errlen);
	nl = i - start;
	if (nl > VARS_MAX_NAME) {
		snprintf(err, errlen, "expected a name of at most %d characters, "
		    "got %zu", VARS_MAX_NAME, nl);
		return -1;
	}
	if (nl == 4 && memcmp(s + start, "rand", 4) == 0 && i < n &&
	    s[i] == ':') {
		i++;
		if (i >= n || !isdigit((unsigned char)s[i])) {
			snprintf(err, errlen, "expected a count after "
			    "'${rand:', got %s", i >= n ? "end of text" :
			    "a non-digit");
			return -1;
		}
		while (i < n && isdigit((unsigned char)s[i])) {
			v = v * 10 + (uint64_t)(s[i] - '0');
			if (v > TMPL_MAX_RAND) {
				snprintf(err, errlen, "expected a rand count "
				    "of 1-%d, got a larger number",
				    TMPL_MAX_RAND);
				return -1;
			}
			i++;
		}
		if (v == 0) {
			snprintf(err, errlen, "expected a rand count of "
			    "1-%d, got 0", TMPL_MAX_RAND);
			return -1;
		}
	}
	if (i >= n || s[i] != '}') {
		snprintf(err, errlen, "expected '}' to close the placeholder, "
		    "got %s", i >= n ? "end of text" : "another character");
		return -1;
	}
	if (v > 0) {
		tp = tmpl_push(t, TP_RAND);
		tp->n = (size_t)v;
	} else if (nl == 4 && memcmp(s + start, "conn", 4) == 0)
		tp = tmpl_push(t, TP_CONN);
	else if (nl == 3 && memcmp(s + start, "seq", 3) == 0)
		tp = tmpl_push(t, TP_SEQ);
	else if (nl == 4 && memcmp(s + start, "rand", 4) == 0) {
		snprintf(err, errlen, "expected '${rand:N}' with a count, "
		    "got '${rand}'");
		return -1;
	} else {
		tp = tmpl_push(t, TP_VAR);
		tp->name = xstrndup(s + start, nl);
	}
	tp->json_str = json_str;
	return (ssize_t)(i + 1);
}

/* Source length of a placeholder part, as written in the file. */
static size_t
tmpl_part_srclen(const struct tmpl_part *tp)
{
	char num[32];

	switch (tp->kind) {
	case TP_CONN:
		return 7;
	case TP_SEQ:
		return 6;
	case TP_RAND:
		return 8 + (size_t)snprintf(num, sizeof(num), "%zu", tp->n);
	case TP_VAR:
		return 3 + strlen(tp->name);
	case TP_EXPR:
		return tp->n;
	case TP_LIT:
		break;
	}
	return tp->len;
}

void
tmpl_render_dummy(const struct tmpl *t, struct buf *out)
{
	size_t i, n;

	for (i = 0; i < t->nparts; i++) {
		const struct tmpl_part *tp = &t->parts[i];

		if (tp->kind == TP_LIT) {
			buf_append(out, tp->lit, tp->len);
			continue;
		}
		n = tmpl_part_srclen(tp);
		buf_append(out, "1", 1);
		while (--n > 0)
			buf_append(out, "0", 1);
	}
}

/* Append bytes, escaped for the inside of a JSON string if json_str. */
static void
tmpl_put(struct buf *out, const unsigned char *p, size_t n, int json_str)
{
	size_t i, run = 0;
	char esc[8];

	if (!json_str) {
		buf_append(out, p, n);
		return;
	}
	for (i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] != '"' && p[i] != '\\')
			continue;
		buf_append(out, p + run, i - run);
		run = i + 1;
		if (p[i] == '"' || p[i] == '\\')
			snprintf(esc, sizeof(esc), "\\%c", p[i]);
		else
			snprintf(esc, sizeof(esc), "\\u%04x", p[i]);
		buf_append_str(out, esc);
	}
	buf_append(out, p + run, n - run);
}

/* Append the value of a ${EXPR} part. */
static int
tmpl_render_expr(const struct tmpl_part *tp, struct vars *vars,
    struct buf *out, char *err, size_t errlen)
{
	struct expr_env env = { vars_lookup, vars, &vars->rng };
	struct value v;
	struct buf b;

	if (expr_eval(tp->expr, &env, &v, err, errlen) == -1) {
		char msg[256];

		snprintf(msg, sizeof(msg), "%s", err);
		snprintf(err, errlen, "runtime error in '${...}': %s", msg);
		return -1;
	}
	buf_init(&b);
	value_render(&v, &b);
	tmpl_put(out, buf_data(&b), buf_len(&b), tp->json_str);
	buf_free(&b);
	value_free(&v);
	return 0;
}

int
tmpl_render(const struct tmpl *t, struct vars *vars, struct buf *out,
    char *err, size_t errlen)
{
	static const char hx[] = "0123456789abcdef";
	const unsigned char *val;
	unsigned char *dst;
	char num[32];
	size_t i, j, vl;
	uint64_t r = 0;

	for (i = 0; i < t->nparts; i++) {
		const struct tmpl_part *tp = &t->parts[i];

		switch (tp->kind) {
		case TP_LIT:
			buf_append(out, tp->lit, tp->len);
			break;
		case TP_CONN:
		case TP_SEQ:
			snprintf(num, sizeof(num), "%" PRIu64,
			    tp->kind == TP_CONN ? vars->conn : vars->seq);
			buf_append_str(out, num);
			break;
		case TP_RAND:
			dst = buf_reserve(out, tp->n);
			for (j = 0; j < tp->n; j++) {
				if (j % 16 == 0)
					r = rand_next(&vars->rng);
				dst[j] = (unsigned char)hx[r & 15];
				r >>= 4;
			}
			buf_commit(out, tp->n);
			break;
		case TP_VAR:
			if (vars_lookup(vars, tp->name, &val, &vl) == -1) {
				snprintf(err, errlen, "variable '%s' is not set "
				    "(no capture has set it on this connection)",
				    tp->name);
				return -1;
			}
			tmpl_put(out, val, vl, tp->json_str);
			break;
		case TP_EXPR:
			if (tmpl_render_expr(tp, vars, out, err, errlen) == -1)
				return -1;
			break;
		}
	}
	return 0;
}

int
tmpl_eval_int(const struct expr *e, struct vars *vars, const char *what,
    int64_t min, int64_t max, int64_t *out, char *err, size_t errlen)
{
	struct expr_env env = { vars_lookup, vars, &vars->rng };
	struct value v;
	struct buf b;
	char msg[256], *end;
	long long n;
	int ok;

	if (expr_eval(e, &env, &v, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "runtime error: %s", msg);
		return -1;
	}
	if (v.type == VAL_INT) {
		n = v.i;
		ok = 1;
	} else {
		/* A captured "42" is a number too, as in arithmetic. */
		buf_init(&b);
		value_render(&v, &b);
		buf_append(&b, "", 1);
		errno = 0;
		n = strtoll((const char *)buf_data(&b), &end, 10);
		ok = *end == '\0' && buf_len(&b) > 1 && errno == 0 &&
		    strlen((const char *)buf_data(&b)) == buf_len(&b) - 1;
		if (!ok)
			snprintf(err, errlen, "runtime error: %s needs an "
			    "integer, got \"%.60s\"%s", what,
			    (const char *)buf_data(&b), errno == ERANGE ?
			    " (out of range)" : "");
		buf_free(&b);
	}
	value_free(&v);
	if (!ok)
		return -1;
	if (n < min || n > max) {
		snprintf(err, errlen, "runtime error: %s of %lld (expected %lld "
		    "to %lld)", what, n, (long long)min, (long long)max);
		return -1;
	}
	*out = n;
	return 0;
}

int
tmpl_render_regex(const struct tmpl *t, struct vars *vars, int raw,
    struct buf *out, char *err, size_t errlen)
{
	struct tmpl one;
	struct buf v;
	const unsigned char *p;
	size_t i, j, n;

	buf_init(&v);
	for (i = 0; i < t->nparts; i++) {
		const struct tmpl_part *tp = &t->parts[i];

		if (tp->kind == TP_LIT) {
			buf_append(out, tp->lit, tp->len);
			continue;
		}
		/* Render this placeholder alone, then escape its value. */
		one.parts = (struct tmpl_part *)tp;
		one.nparts = 1;
		one.dynamic = 1;
		buf_reset(&v);
		if (tmpl_render(&one, vars, &v, err, errlen) == -1) {
			buf_free(&v);
			return -1;
		}
		p = buf_data(&v);
		n = buf_len(&v);
		if (memchr(p, '\0', n) != NULL) {
			snprintf(err, errlen, "the value of '${%s}' holds a NUL "
			    "byte, which a pattern cannot", tp->kind == TP_VAR ?
			    tp->name : "...");
			buf_free(&v);
			return -1;
		}
		for (j = 0; j < n; j++) {
			if (!raw && strchr(".[]()*+?{}|^$\\", p[j]) != NULL)
				buf_append(out, "\\", 1);
			buf_append(out, p + j, 1);
		}
	}
	buf_free(&v);
	return 0;
}

const unsigned char *
tmpl_literal(const struct tmpl *t, struct buf *tmp, size_t *len)
{
	if (t->dynamic)
		return NULL;
	buf_reset(tmp);
	tmpl_render_dummy(t, tmp);
	*len = buf_len(tmp);
	return buf_data(tmp);
}


int
tmpl_send(const struct step *st, const struct codec *codec,
    struct vars *vars, struct buf *out, char *err, size_t errlen)
{
	const struct step_send *s = &st->u.send;
	struct buf body, head;
	int rc = -1, whole = 0;

	buf_init(&body);
	buf_init(&head);
	vars->seq++;
	/* A builder's request or command is a whole message: no encoding. */
	if (s->build != NULL ? (whole = pack_render(s->build, vars, vars->host,
	    &body, err, errlen)) == -1 : tmpl_render(s->body, vars, &body, err,
	    errlen) == -1)
		goto done;
	if (s->head != NULL) {
		if (tmpl_render(s->head, vars, &head, err, errlen) == -1)
			goto done;
		buf_append(&head, "", 1);
	}
	if (s->raw || codec == NULL || whole)
		buf_append(out, buf_data(&body), buf_len(&body));
	else if (codec->encode(buf_data(&body), buf_len(&body),
	    s->head != NULL ? (const char *)buf_data(&head) : NULL, out, err,
	    errlen) == -1)
		goto done;
	rc = 0;
done:
	buf_free(&body);
	buf_free(&head);
	return rc;
}
