/* Expressions: a scanner and a precedence-climbing compiler that emit a
 * flat op array (clox's compiler.c), and a stack machine that runs it
 * (clox's vm.c). Integers are int64 with checked arithmetic; strings are
 * bytes; `..` concatenates; arithmetic converts decimal strings. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "expr.h"
#include "lex.h"
#include "rand.h"
#include "util.h"

enum op {
	OP_CONST,	/* push consts[a] */
	OP_VAR,		/* push the variable names[a] */
	OP_NEG, OP_NOT,
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_CAT,
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_JFALSE,	/* top falsy: jump to a, keeping it; else pop it */
	OP_JTRUE,	/* top truthy: jump to a, keeping it; else pop it */
	OP_BOOL,	/* replace top by 0 or 1 */
	OP_CALL		/* call functions[a] with b arguments */
};

struct ins {
	enum op		 op;
	unsigned	 a, b;
	size_t		 off;		/* source offset, for names */
};

struct expr {
	struct ins	*code;
	size_t		 ncode, capcode;
	struct value	*consts;
	size_t		 nconsts;
	char		**names;
	size_t		 nnames;
};

enum tok {
	T_END, T_INT, T_STR, T_NAME, T_LP, T_RP, T_COMMA,
	T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PCT, T_CAT,
	T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_NOT, T_AND, T_OR, T_BAD
};

/* Compiler state for one expression. */
struct comp {
	const char	*src;
	size_t		 n, pos;
	enum tok	 tok;		/* the current token */
	size_t		 toff, tlen;	/* its source span */
	int64_t		 ival;		/* T_INT */
	struct buf	 sval;		/* T_STR, decoded */
	struct expr	*e;
	unsigned	 depth;
	size_t		 sp, maxsp;	/* values on the stack when run */
	char		*err;
	size_t		 errlen;
	size_t		*erroff;
	int		 failed;
};

typedef int (*fn_impl)(struct value *args, unsigned argc,
    const struct expr_env *env, struct value *out, char *err, size_t errlen);

struct function {
	const char	*name;
	unsigned	 min, max;
	fn_impl		 impl;
};

static const struct function *fn_find(const char *name, size_t n);

/* Record the first compile error at offset off. */
static int __attribute__((format(printf, 3, 4)))
cerr(struct comp *c, size_t off, const char *fmt, ...)
{
	va_list ap;

	if (c->failed)
		return -1;
	c->failed = 1;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	*c->erroff = off;
	return -1;
}

/* Describe the current token for "got ..." in messages. */
static const char *
tok_desc(struct comp *c, char *out, size_t outlen)
{
	size_t n = c->tlen > 24 ? 24 : c->tlen;

	if (c->tok == T_END)
		return "end of expression";
	snprintf(out, outlen, "'%.*s%s'", (int)n, c->src + c->toff,
	    c->tlen > n ? "..." : "");
	return out;
}

/* Scan a quoted string at pos into c->sval. */
static int
scan_string(struct comp *c)
{
	const char *expected, *hint;
	size_t i = c->pos + 1, run;
	ssize_t used;

	buf_reset(&c->sval);
	for (;;) {
		if (i >= c->n)
			return cerr(c, c->pos, "expected '\"' to end the string, "
			    "got end of expression");
		if (c->src[i] == '"')
			break;
		if (c->src[i] == '\\') {
			used = lex_escape(c->src + i, c->n - i, &c->sval,
			    &expected, &hint);
			if (used < 0)
				return cerr(c, i, "expected %s (%s)", expected,
				    hint);
			i += (size_t)used;
			continue;
		}
		run = i;
		while (i < c->n && c->src[i] != '"' && c->src[i] != '\\')
			i++;
		buf_append(&c->sval, c->src + run, i - run);
	}
	if (buf_len(&c->sval) > EXPR_MAX_STR)
		return cerr(c, c->pos, "expected a string of at most %d bytes",
		    EXPR_MAX_STR);
	c->pos = i + 1;
	c->tok = T_STR;
	return 0;
}

/* Scan a decimal integer at pos. */
static int
scan_int(struct comp *c)
{
	uint64_t v = 0;
	size_t i = c->pos;

	while (i < c->n && c->src[i] >= '0' && c->src[i] <= '9') {
		if (v > ((uint64_t)INT64_MAX - (uint64_t)(c->src[i] - '0')) / 10)
			return cerr(c, c->pos, "expected an integer of at most "
			    "%lld, got a larger one", (long long)INT64_MAX);
		v = v * 10 + (uint64_t)(c->src[i] - '0');
		i++;
	}
	if (i < c->n && lex_ident_char((unsigned char)c->src[i]))
		return cerr(c, c->pos, "expected an integer, got '%.*s'",
		    (int)(i + 1 - c->pos), c->src + c->pos);
	c->ival = (int64_t)v;
	c->pos = i;
	c->tok = T_INT;
	return 0;
}

/* Two-character operators, then one-character ones. */
static const struct {
	const char	*s;
	enum tok	 t;
} ops[] = {
	{ "..", T_CAT }, { "==", T_EQ }, { "!=", T_NE }, { "<=", T_LE },
	{ ">=", T_GE }, { "&&", T_AND }, { "||", T_OR },
	{ "(", T_LP }, { ")", T_RP }, { ",", T_COMMA }, { "+", T_PLUS },
	{ "-", T_MINUS }, { "*", T_STAR }, { "/", T_SLASH }, { "%", T_PCT },
	{ "<", T_LT }, { ">", T_GT }, { "!", T_NOT },
};

/* Move to the next token. */
static int
next(struct comp *c)
{
	size_t i, k, l;

	while (c->pos < c->n && (c->src[c->pos] == ' ' ||
	    c->src[c->pos] == '\t'))
		c->pos++;
	c->toff = c->pos;
	if (c->pos >= c->n) {
		c->tok = T_END;
		c->tlen = 0;
		return 0;
	}
	if (c->src[c->pos] == '"') {
		if (scan_string(c) == -1)
			return -1;
	} else if (c->src[c->pos] >= '0' && c->src[c->pos] <= '9') {
		if (scan_int(c) == -1)
			return -1;
	} else if (lex_ident_start((unsigned char)c->src[c->pos])) {
		i = c->pos;
		while (i < c->n && (lex_ident_char((unsigned char)c->src[i]) ||
		    (c->src[i] == '.' && i + 1 < c->n &&
		    lex_ident_char((unsigned char)c->src[i + 1]))))
			i++;
		c->pos = i;
		c->tok = T_NAME;
	} else {
		c->tok = T_BAD;
		for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
			l = strlen(ops[k].s);
			if (c->n - c->pos >= l &&
			    memcmp(c->src + c->pos, ops[k].s, l) == 0) {
				c->tok = ops[k].t;
				c->pos += l;
				break;
			}
		}
		if (c->tok == T_BAD) {
			c->tlen = 1;
			return cerr(c, c->toff, "expected an operator, a value "
			    "or a name, got '%c'", c->src[c->toff]);
		}
	}
	c->tlen = c->pos - c->toff;
	return 0;
}

/* Append one instruction. */
static size_t
emit(struct comp *c, enum op op, unsigned a, unsigned b, size_t off)
{
	struct expr *e = c->e;

	if (e->ncode >= EXPR_MAX_OPS) {
		cerr(c, off, "expected a shorter expression (at most %d "
		    "operations)", EXPR_MAX_OPS);
		return 0;
	}
	if (e->ncode == e->capcode) {
		e->capcode = e->capcode ? e->capcode * 2 : 16;
		e->code = xrealloc(e->code, e->capcode * sizeof(*e->code));
	}
	e->code[e->ncode] = (struct ins){ op, a, b, off };
	/* Track what the stack will hold at this point when it runs. */
	if (op == OP_CONST || op == OP_VAR)
		c->sp++;
	else if (op == OP_CALL)
		c->sp = c->sp - b + 1;
	else if (op != OP_NEG && op != OP_NOT && op != OP_BOOL)
		c->sp--;
	if (op == OP_BOOL)
		c->sp++;	/* undo the jump's pop: one value either way */
	if (c->sp > c->maxsp)
		c->maxsp = c->sp;
	return e->ncode++;
}

/* Add a constant and emit its push. */
static void
emit_const(struct comp *c, struct value v, size_t off)
{
	struct expr *e = c->e;

	e->consts = xrealloc(e->consts, (e->nconsts + 1) * sizeof(*e->consts));
	e->consts[e->nconsts] = v;
	emit(c, OP_CONST, (unsigned)e->nconsts++, 0, off);
}

static int parse_or(struct comp *c);

/* Compile a call's arguments; the current token is '('. */
static int
parse_call(struct comp *c, const struct function *f, size_t off)
{
	unsigned argc = 0;
	char got[48];

	if (next(c) == -1)
		return -1;
	if (c->tok != T_RP) {
		for (;;) {
			if (parse_or(c) == -1)
				return -1;
			argc++;
			if (c->tok == T_RP)
				break;
			if (c->tok != T_COMMA)
				return cerr(c, c->toff, "expected ',' or ')' in "
				    "the call of %s, got %s", f->name,
				    tok_desc(c, got, sizeof(got)));
			if (next(c) == -1)
				return -1;
		}
	}
	if (argc < f->min || argc > f->max) {
		if (f->min == f->max)
			return cerr(c, off, "expected %u argument%s to %s, got "
			    "%u", f->min, f->min == 1 ? "" : "s", f->name,
			    argc);
		return cerr(c, off, "expected %u to %u arguments to %s, got %u",
		    f->min, f->max, f->name, argc);
	}
	emit(c, OP_CALL, (unsigned)(f - fn_find(NULL, 0)), argc, off);
	return next(c);
}

/* A name: a variable, or a function call when '(' follows. */
static int
parse_name(struct comp *c)
{
	size_t off = c->toff, len = c->tlen;
	const struct function *f;
	struct expr *e = c->e;

	if (len > EXPR_MAX_NAME)
		return cerr(c, off, "expected a name of at most %d bytes",
		    EXPR_MAX_NAME);
	if (next(c) == -1)
		return -1;
	if (c->tok == T_LP) {
		if ((f = fn_find(c->src + off, len)) == NULL)
			return cerr(c, off, "expected a function (len, int, "
			    "str, hex, upper, lower, substr, now_ms, randint, "
			    "choice, randstr), got '%.*s'", (int)len,
			    c->src + off);
		if (++c->depth > EXPR_MAX_DEPTH)
			return cerr(c, off, "expected at most %d nested calls",
			    EXPR_MAX_DEPTH);
		if (parse_call(c, f, off) == -1)
			return -1;
		c->depth--;
		return 0;
	}
	e->names = xrealloc(e->names, (e->nnames + 1) * sizeof(*e->names));
	e->names[e->nnames] = xstrndup(c->src + off, len);
	emit(c, OP_VAR, (unsigned)e->nnames++, 0, off);
	return 0;
}

/* primary: INT | STRING | NAME | NAME '(' args ')' | '(' expr ')' */
static int
parse_primary(struct comp *c)
{
	struct value v;
	char got[48];
	size_t off = c->toff;

	switch (c->tok) {
	case T_INT:
		v = (struct value){ .type = VAL_INT, .i = c->ival };
		emit_const(c, v, off);
		return next(c);
	case T_STR:
		v = (struct value){ .type = VAL_STR, .len = buf_len(&c->sval) };
		v.s = xmalloc(v.len + 1);
		memcpy(v.s, buf_data(&c->sval), v.len);
		v.s[v.len] = '\0';
		emit_const(c, v, off);
		return next(c);
	case T_NAME:
		return parse_name(c);
	case T_LP:
		if (++c->depth > EXPR_MAX_DEPTH)
			return cerr(c, off, "expected at most %d nested "
			    "parentheses", EXPR_MAX_DEPTH);
		if (next(c) == -1 || parse_or(c) == -1)
			return -1;
		if (c->tok != T_RP)
			return cerr(c, c->toff, "expected ')' to close the '(' "
			    "at offset %zu, got %s", off,
			    tok_desc(c, got, sizeof(got)));
		c->depth--;
		return next(c);
	default:
		return cerr(c, off, "expected a value (a number, a \"string\", "
		    "a name or a call), got %s", tok_desc(c, got, sizeof(got)));
	}
}

/* unary: ('-' | '!') unary | primary */
static int
parse_unary(struct comp *c)
{
	enum tok t = c->tok;
	size_t off = c->toff;

	if (t != T_MINUS && t != T_NOT)
		return parse_primary(c);
	if (++c->depth > EXPR_MAX_DEPTH)
		return cerr(c, off, "expected at most %d nested operators",
		    EXPR_MAX_DEPTH);
	if (next(c) == -1 || parse_unary(c) == -1)
		return -1;
	c->depth--;
	emit(c, t == T_MINUS ? OP_NEG : OP_NOT, 0, 0, off);
	return 0;
}

/* One level of left-associative binary operators. */
static int
parse_binary(struct comp *c, int (*operand)(struct comp *),
    const enum tok *toks, const enum op *opsfor, size_t nt)
{
	size_t k, off;

	if (operand(c) == -1)
		return -1;
	for (;;) {
		for (k = 0; k < nt && toks[k] != c->tok; k++)
			;
		if (k == nt)
			return 0;
		off = c->toff;
		if (next(c) == -1 || operand(c) == -1)
			return -1;
		emit(c, opsfor[k], 0, 0, off);
	}
}

static int
parse_mul(struct comp *c)
{
	static const enum tok t[] = { T_STAR, T_SLASH, T_PCT };
	static const enum op o[] = { OP_MUL, OP_DIV, OP_MOD };

	return parse_binary(c, parse_unary, t, o, 3);
}

static int
parse_add(struct comp *c)
{
	static const enum tok t[] = { T_PLUS, T_MINUS, T_CAT };
	static const enum op o[] = { OP_ADD, OP_SUB, OP_CAT };

	return parse_binary(c, parse_mul, t, o, 3);
}

/* cmp: add (cmpop add)? -- comparisons do not chain. */
static int
parse_cmp(struct comp *c)
{
	static const enum tok t[] = { T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE };
	static const enum op o[] = { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };
	size_t k, off;

	if (parse_add(c) == -1)
		return -1;
	for (k = 0; k < 6 && t[k] != c->tok; k++)
		;
	if (k == 6)
		return 0;
	off = c->toff;
	if (next(c) == -1 || parse_add(c) == -1)
		return -1;
	emit(c, o[k], 0, 0, off);
	for (k = 0; k < 6; k++)
		if (t[k] == c->tok)
			return cerr(c, c->toff, "expected && or || between two "
			    "comparisons, got another comparison");
	return 0;
}

/* and/or: short-circuit with a forward jump patched after the right side,
 * as clox's and_/or_. */
static int
parse_logic(struct comp *c, int (*operand)(struct comp *), enum tok t,
    enum op jump)
{
	size_t j, off;

	if (operand(c) == -1)
		return -1;
	while (c->tok == t) {
		off = c->toff;
		j = emit(c, jump, 0, 0, off);
		if (next(c) == -1 || operand(c) == -1)
			return -1;
		/* Both paths meet at the OP_BOOL: a jump keeps the left value
		 * there, the fall-through brings the right one. */
		if (!c->failed)
			c->e->code[j].a = (unsigned)emit(c, OP_BOOL, 0, 0, off);
	}
	return 0;
}

static int
parse_and(struct comp *c)
{
	return parse_logic(c, parse_cmp, T_AND, OP_JFALSE);
}

static int
parse_or(struct comp *c)
{
	return parse_logic(c, parse_and, T_OR, OP_JTRUE);
}

int
expr_compile(const char *src, size_t n, struct expr **out, char *err,
    size_t errlen, size_t *erroff)
{
	struct comp c;
	char got[48];

	memset(&c, 0, sizeof(c));
	c.src = src;
	c.n = n;
	c.err = err;
	c.errlen = errlen;
	c.erroff = erroff;
	c.e = xcalloc(1, sizeof(*c.e));
	buf_init(&c.sval);
	*out = NULL;
	if (n > EXPR_MAX_LEN)
		cerr(&c, 0, "expected an expression of at most %d bytes",
		    EXPR_MAX_LEN);
	else if (next(&c) == 0 && c.tok == T_END)
		cerr(&c, 0, "expected an expression, got nothing");
	else if (!c.failed && parse_or(&c) == 0 && c.tok != T_END)
		cerr(&c, c.toff, "expected an operator or the end of the "
		    "expression, got %s", tok_desc(&c, got, sizeof(got)));
	buf_free(&c.sval);
	if (!c.failed && c.maxsp > EXPR_MAX_STACK)
		cerr(&c, 0, "expected a simpler expression (it needs %zu values "
		    "at once, at most %d)", c.maxsp, EXPR_MAX_STACK);
	if (c.failed || c.e->ncode == 0) {
		if (!c.failed)
			cerr(&c, 0, "expected an expression, got nothing");
		expr_free(c.e);
		return -1;
	}
	*out = c.e;
	return 0;
}

void
expr_free(struct expr *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nconsts; i++)
		value_free(&e->consts[i]);
	for (i = 0; i < e->nnames; i++)
		free(e->names[i]);
	free(e->consts);
	free(e->names);
	free(e->code);
	free(e);
}

void
expr_names(const struct expr *e, void (*fn)(void *arg, const char *name,
    size_t off), void *arg)
{
	size_t i;

	for (i = 0; i < e->ncode; i++)
		if (e->code[i].op == OP_VAR)
			fn(arg, e->names[e->code[i].a], e->code[i].off);
}

const char *
expr_single_name(const struct expr *e)
{
	if (e->ncode == 1 && e->code[0].op == OP_VAR)
		return e->names[e->code[0].a];
	return NULL;
}

/* Values. */

static int str_to_int(const unsigned char *s, size_t n, int64_t *out);

void
value_free(struct value *v)
{
	if (v->type == VAL_STR)
		free(v->s);
	v->s = NULL;
	v->len = 0;
	v->type = VAL_INT;
	v->i = 0;
}

/* A new string value holding p[0..n). */
static struct value
value_str(const void *p, size_t n)
{
	struct value v = { .type = VAL_STR, .len = n };

	v.s = xmalloc(n + 1);
	if (n > 0)
		memcpy(v.s, p, n);
	v.s[n] = '\0';
	return v;
}

static struct value
value_int(int64_t i)
{
	return (struct value){ .type = VAL_INT, .i = i };
}

char *
value_int_text(int64_t i, char out[24], size_t *len)
{
	char *p = out + 24;
	uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;

	/* By hand: this runs for every integer a send, a set or a loop
	 * index renders, and snprintf costs ten times as much. */
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (i < 0)
		*--p = '-';
	*len = (size_t)(out + 24 - p);
	return p;
}

void
value_render(const struct value *v, struct buf *out)
{
	char num[24], *p;
	size_t n;

	if (v->type == VAL_STR) {
		buf_append(out, v->s, v->len);
		return;
	}
	p = value_int_text(v->i, num, &n);
	buf_append(out, p, n);
}

int
value_truthy(const struct value *v)
{
	int64_t i;

	/* Variables hold text: "0" is as false as 0. */
	if (v->type == VAL_STR && str_to_int(v->s, v->len, &i) == 0)
		return i != 0;
	return v->type == VAL_INT ? v->i != 0 : v->len > 0;
}

/* Read a string as a decimal integer (optional sign, no blanks); 0, or -1
 * if it is not one or does not fit in 64 bits. */
static int
str_to_int(const unsigned char *s, size_t n, int64_t *out)
{
	uint64_t u = 0, lim;
	size_t i = 0;
	int neg = 0;

	/* What strtoll takes in base 10 without blanks, by hand: it runs
	 * for every variable an arithmetic operator or comparison reads. */
	if (n > 0 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == n || n >= 32)
		return -1;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || u > (lim - (s[i] - '0')) / 10)
			return -1;
		u = u * 10 + (uint64_t)(s[i] - '0');
	}
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

int
expr_text_int(const unsigned char *s, size_t n, int64_t *out)
{
	return str_to_int(s, n, out);
}

int
expr_text_u64(const unsigned char *s, size_t n, uint64_t *out)
{
	uint64_t u = 0;
	size_t i = n > 0 && s[0] == '+';

	if (i == n || n >= 32)
		return -1;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' ||
		    u > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		u = u * 10 + (uint64_t)(s[i] - '0');
	}
	*out = u;
	return 0;
}

/* The integer a value stands for, or -1 with an error naming what. */
static int
to_int(const struct value *v, const char *what, int64_t *out, char *err,
    size_t errlen)
{
	char shown[64];

	if (v->type == VAL_INT) {
		*out = v->i;
		return 0;
	}
	if (str_to_int(v->s, v->len, out) == 0)
		return 0;
	escape_bytes(v->s, v->len, shown, sizeof(shown), 1);
	snprintf(err, errlen, "%s needs an integer, got the string \"%s\"",
	    what, shown);
	return -1;
}

/* Built-in functions. */

static int
fn_len(struct value *a, unsigned n, const struct expr_env *env,
    struct value *out, char *err, size_t errlen)
{
	struct buf b;

	(void)n, (void)env, (void)err, (void)errlen;
	if (a[0].type == VAL_STR) {
		*out = value_int((int64_t)a[0].len);
		return 0;
	}
	buf_init(&b);
	value_render(&a[0], &b);
	*out = value_int((int64_t)buf_len(&b));
	buf_free(&b);
	return 0;
}

static int
fn_int(struct value *a, unsigned n, const struct expr_env *env,
    struct value *out, char *err, size_t errlen)
{
	int64_t i;

	(void)n, (void)env;
	if (to_int(&a[0], "int()", &i, err, errlen) == -1)
		return -1;
	*out = value_int(i);
	return 0;
}

static int
fn_str(struct value *a, unsigned n, const struct expr_env *env,
    struct value *out, char *err, size_t errlen)
{
	struct buf b;

	(void)n, (void)env, (void)err, (void)errlen;
	buf_init(&b);
	value_render(&a[0], &b);
	*out = value_str(buf_data(&b), buf_len(&b));
	buf_free(&b);
	return 0;
}

static int
fn_hex(struct value *a, unsigned n, const struct expr_env *env,
    struct value *out, char *err, size_t errlen)
{
	static const char hx[] = "0123456789abcdef";
	char tmp[24];
	int64_t i;
	size_t k;

	(void)n, (void)env;
	if (a[0].type == VAL_STR && str_to_int(a[0].s, a[0].len, &i) == 0) {
		/* A variable holding a number is that number. */
		value_free(&a[0]);
		a[0] = value_int(i);
	}
	if (a[0].type == VAL_INT) {
		if (a[0].i < 0) {
			snprintf(err, errlen, "hex() of a negative integer "
			    "(%lld)", (long long)a[0].i);
			return -1;
		}
		snprintf(tmp, sizeof(tmp), "%llx", (unsigned long long)a[0].i);
		*out = value_str(tmp, strlen(tmp));
		return 0;
	}
	if (a[0].len > EXPR_MAX_STR / 2) {
		snprintf(err, errlen, "hex() of %zu bytes is longer than %d",
		    a[0].len, EXPR_MAX_STR);
		return -1;
	}
	*out = value_str("", 0);
	out->s = xrealloc(out->s, a[0].len * 2 + 1);
	for (k = 0; k < a[0].len; k++) {
		out->s[2 * k] = (unsigned char)hx[a[0].s[k] >> 4];
		out->s[2 * k + 1] = (unsigned char)hx[a[0].s[k] & 15];
	}
	out->len = a[0].len * 2;
	out->s[out->len] = '\0';
	return 0;
}

/* upper() and lower(): ASCII letters only, other bytes kept. */
static int
fn_case(struct value *a, int up, struct value *out)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	value_render(&a[0], &b);
	*out = value_str(buf_data(&b), buf_len(&b));
	buf_free(&b);
	for (i = 0; i < out->len; i++) {
		if (up && out->s[i] >= 'a' && out->s[i] <= 'z')
			out->s[i] = (unsigned char)(out->s[i] - 32);
		else if (!up && out->s[i] >= 'A' && out->s[i] <= 'Z')
			out->s[i] = (unsigned char)(out->s[i] + 32);
	}
	return 0;
}

static int
fn_upper(struct value *a, unsigned n, const struct expr_env *env,
    struct value *out, char *err, size_t errlen)
{
	(void)n, (void)env, (void)err, (void)errlen;
	return fn_case(a, 1, out);
}

static int
fn_lower(struct value *a, unsigned n, const struct expr_env *env,
    struct value *out, char *err, size_t errlen)
{
	(void)n, (void)env, (void)err, (void)errlen;
	return fn_case(a, 0, out);
}

/* substr(s, start[, count]): bytes from start (0-based; negative counts
 * from the end, as Python's slices), at most count of them. */
static int
fn_substr(struct value *a, unsigned n, const struct expr_env *env,
    struct value *out, char *err, size_t errlen)
{
	int64_t start, count;
	struct buf b;
	size_t len;

	(void)env;
	if (to_int(&a[1], "substr() start", &start, err, errlen) == -1)
		return -1;
	count = INT64_MAX;
	if (n == 3 && to_int(&a[2], "substr() count", &count, err,
	    errlen) == -1)
		return -1;
	if (count < 0) {
		snprintf(err, errlen, "substr() count is negative (%lld)",
		    (long long)count);
		return -1;
	}
	buf_init(&b);
	value_render(&a[0], &b);
	len = buf_len(&b);
	if (start < 0)
		start = -start > (int64_t)len ? 0 : (int64_t)len + start;
	if ((uint64_t)start > len)
		start = (int64_t)len;
	if ((uint64_t)count > len - (size_t)start)
		count = (int64_t)(len - (size_t)start);
	*out = value_str(buf_data(&b) + start, (size_t)count);
	buf_free(&b);
	return 0;
}

/* now_ms(): wall-clock milliseconds since the Unix epoch. */
static int
fn_now_ms(struct value *a, unsigned n, const struct expr_env *env,
    struct value *out, char *err, size_t errlen)
{
	struct timespec ts;

	(void)a, (void)n, (void)env, (void)err, (void)errlen;
	clock_gettime(CLOCK_REALTIME, &ts);
	*out = value_int((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	return 0;
}

/* randint(a, b): a uniform integer in [a, b]. */
static int
fn_randint(struct value *a, unsigned n, const struct expr_env *env,
    struct value *out, char *err, size_t errlen)
{
	int64_t lo, hi;
	uint64_t span;

	(void)n;
	if (to_int(&a[0], "randint()", &lo, err, errlen) == -1 ||
	    to_int(&a[1], "randint()", &hi, err, errlen) == -1)
		return -1;
	if (lo > hi) {
		snprintf(err, errlen, "randint(%lld, %lld): the low bound is "
		    "above the high one", (long long)lo, (long long)hi);
		return -1;
	}
	span = (uint64_t)hi - (uint64_t)lo;
	if (span == UINT64_MAX)
		*out = value_int((int64_t)rand_next(env->rng));
	else
		*out = value_int((int64_t)((uint64_t)lo +
		    rand_below(env->rng, span + 1)));
	return 0;
}

/* choice(a, b, ...): one of its arguments, each as likely. */
static int
fn_choice(struct value *a, unsigned n, const struct expr_env *env,
    struct value *out, char *err, size_t errlen)
{
	uint64_t k = rand_below(env->rng, n);

	(void)err, (void)errlen;
	*out = a[k];
	a[k] = value_int(0);
	return 0;
}

/* randstr(n): n random characters from [a-z0-9]. */
static int
fn_randstr(struct value *a, unsigned n, const struct expr_env *env,
    struct value *out, char *err, size_t errlen)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	int64_t len;
	size_t i;

	(void)n;
	if (to_int(&a[0], "randstr()", &len, err, errlen) == -1)
		return -1;
	if (len < 0 || len > EXPR_MAX_STR) {
		snprintf(err, errlen, "randstr(%lld): the length must be 0 to "
		    "%d", (long long)len, EXPR_MAX_STR);
		return -1;
	}
	*out = value_str("", 0);
	out->s = xrealloc(out->s, (size_t)len + 1);
	for (i = 0; i < (size_t)len; i++)
		out->s[i] = (unsigned char)alpha[rand_below(env->rng, 36)];
	out->len = (size_t)len;
	out->s[len] = '\0';
	return 0;
}

static const struct function functions[] = {
	{ "len", 1, 1, fn_len },
	{ "int", 1, 1, fn_int },
	{ "str", 1, 1, fn_str },
	{ "hex", 1, 1, fn_hex },
	{ "upper", 1, 1, fn_upper },
	{ "lower", 1, 1, fn_lower },
	{ "substr", 2, 3, fn_substr },
	{ "now_ms", 0, 0, fn_now_ms },
	{ "randint", 2, 2, fn_randint },
	{ "choice", 1, 16, fn_choice },
	{ "randstr", 1, 1, fn_randstr },
};

const char *const expr_functions[] = {
	"len", "int", "str", "hex", "upper", "lower", "substr", "now_ms",
	"randint", "choice", "randstr", NULL
};

/* The function called name[0..n), or NULL; fn_find(NULL, 0) is the table. */
static const struct function *
fn_find(const char *name, size_t n)
{
	size_t k;

	if (name == NULL)
		return functions;
	for (k = 0; k < sizeof(functions) / sizeof(functions[0]); k++)
		if (strlen(functions[k].name) == n &&
		    memcmp(functions[k].name, name, n) == 0)
			return &functions[k];
	return NULL;
}

/* Evaluation. */

/* The stack of one evaluation. */
struct vm {
	struct value	 st[EXPR_MAX_STACK];
	size_t		 n;
};

/* Compare two values: both strings bytewise, else as integers. Sets *cmp
 * to <0, 0, >0. */
static int
compare(const struct value *a, const struct value *b, int *cmp, char *err,
    size_t errlen)
{
	int64_t x, y;
	size_t m;

	if (a->type == VAL_STR && b->type == VAL_STR &&
	    !(str_to_int(a->s, a->len, &x) == 0 &&
	    str_to_int(b->s, b->len, &y) == 0)) {
		m = a->len < b->len ? a->len : b->len;
		*cmp = m > 0 ? memcmp(a->s, b->s, m) : 0;
		if (*cmp == 0)
			*cmp = (a->len > b->len) - (a->len < b->len);
		return 0;
	}
	if (to_int(a, "a comparison with an integer", &x, err, errlen) == -1 ||
	    to_int(b, "a comparison with an integer", &y, err, errlen) == -1)
		return -1;
	*cmp = (x > y) - (x < y);
	return 0;
}

/* Checked integer arithmetic. */
static int
arith(enum op op, const struct value *a, const struct value *b,
    struct value *out, char *err, size_t errlen)
{
	static const char *const sym[] = {
		[OP_ADD] = "+", [OP_SUB] = "-", [OP_MUL] = "*", [OP_DIV] = "/",
		[OP_MOD] = "%"
	};
	static const char *const what[] = {
		[OP_ADD] = "'+'", [OP_SUB] = "'-'", [OP_MUL] = "'*'",
		[OP_DIV] = "'/'", [OP_MOD] = "'%'"
	};
	int64_t x, y, r = 0;
	int over = 0;

	if (to_int(a, what[op], &x, err, errlen) == -1 ||
	    to_int(b, what[op], &y, err, errlen) == -1)
		return -1;
	switch (op) {
	case OP_ADD: over = __builtin_add_overflow(x, y, &r); break;
	case OP_SUB: over = __builtin_sub_overflow(x, y, &r); break;
	case OP_MUL: over = __builtin_mul_overflow(x, y, &r); break;
	case OP_DIV:
	case OP_MOD:
		if (y == 0) {
			snprintf(err, errlen, "division by zero (%lld %s 0)",
			    (long long)x, sym[op]);
			return -1;
		}
		if (x == INT64_MIN && y == -1)
			over = 1;
		else
			r = op == OP_DIV ? x / y : x % y;
		break;
	default:
		break;
	}
	if (over) {
		snprintf(err, errlen, "integer overflow in %lld %s %lld",
		    (long long)x, sym[op], (long long)y);
		return -1;
	}
	*out = value_int(r);
	return 0;
}

/* Concatenate a and b into a string. */
static int
concat(const struct value *a, const struct value *b, struct value *out,
    char *err, size_t errlen)
{
	struct buf t;

	buf_init(&t);
	value_render(a, &t);
	value_render(b, &t);
	if (buf_len(&t) > EXPR_MAX_STR) {
		snprintf(err, errlen, "'..' makes a string of %zu bytes, more "
		    "than %d", buf_len(&t), EXPR_MAX_STR);
		buf_free(&t);
		return -1;
	}
	*out = value_str(buf_data(&t), buf_len(&t));
	buf_free(&t);
	return 0;
}

/* Apply a binary operator to the two top values. */
static int
binary(struct vm *vm, enum op op, char *err, size_t errlen)
{
	struct value *a = &vm->st[vm->n - 2], *b = &vm->st[vm->n - 1], r;
	int cmp = 0, rc;

	if (op == OP_CAT)
		rc = concat(a, b, &r, err, errlen);
	else if (op >= OP_ADD && op <= OP_MOD)
		rc = arith(op, a, b, &r, err, errlen);
	else {
		rc = compare(a, b, &cmp, err, errlen);
		r = value_int(op == OP_EQ ? cmp == 0 : op == OP_NE ? cmp != 0 :
		    op == OP_LT ? cmp < 0 : op == OP_LE ? cmp <= 0 :
		    op == OP_GT ? cmp > 0 : cmp >= 0);
	}
	if (rc == -1)
		return -1;
	value_free(a);
	value_free(b);
	vm->n--;
	*a = r;
	return 0;
}

/* Push a variable's value. */
static int
push_var(struct vm *vm, const char *name, const struct expr_env *env,
    char *err, size_t errlen)
{
	const unsigned char *p;
	size_t n;

	if (env->lookup == NULL || env->lookup(env->arg, name, &p, &n) == -1) {
		snprintf(err, errlen, "variable '%s' is not set", name);
		return -1;
	}
	vm->st[vm->n++] = value_str(p, n);
	return 0;
}

/* Run one instruction at *pc; 0, or -1 with err. */
static int
step(const struct expr *e, size_t *pc, struct vm *vm,
    const struct expr_env *env, char *err, size_t errlen)
{
	const struct ins *in = &e->code[*pc];
	struct value *top = vm->n > 0 ? &vm->st[vm->n - 1] : NULL, r;
	const struct function *f;
	int64_t x;
	unsigned k;

	(*pc)++;
	switch (in->op) {
	case OP_CONST: {
		const struct value *c = &e->consts[in->a];

		vm->st[vm->n++] = c->type == VAL_INT ? *c :
		    value_str(c->s, c->len);
		return 0;
	}
	case OP_VAR:
		return push_var(vm, e->names[in->a], env, err, errlen);
	case OP_NEG:
		if (to_int(top, "'-'", &x, err, errlen) == -1)
			return -1;
		if (x == INT64_MIN) {
			snprintf(err, errlen, "integer overflow in -(%lld)",
			    (long long)x);
			return -1;
		}
		value_free(top);
		*top = value_int(-x);
		return 0;
	case OP_NOT:
	case OP_BOOL:
		x = value_truthy(top);
		value_free(top);
		*top = value_int(in->op == OP_NOT ? !x : x);
		return 0;
	case OP_JFALSE:
	case OP_JTRUE:
		if (value_truthy(top) == (in->op == OP_JTRUE)) {
			*pc = in->a;
		} else {
			value_free(top);
			vm->n--;
		}
		return 0;
	case OP_CALL:
		f = &functions[in->a];
		if (f->impl(&vm->st[vm->n - in->b], in->b, env, &r, err,
		    errlen) == -1)
			return -1;
		for (k = 0; k < in->b; k++)
			value_free(&vm->st[--vm->n]);
		vm->st[vm->n++] = r;
		return 0;
	default:
		return binary(vm, in->op, err, errlen);
	}
}

int
expr_eval(const struct expr *e, const struct expr_env *env,
    struct value *out, char *err, size_t errlen)
{
	struct vm vm;
	size_t pc = 0;
	int rc = 0;

	vm.n = 0;
	while (pc < e->ncode) {
		if (vm.n >= EXPR_MAX_STACK) {
			snprintf(err, errlen, "the expression needs more than "
			    "%d values at once", EXPR_MAX_STACK);
			rc = -1;
			break;
		}
		if ((rc = step(e, &pc, &vm, env, err, errlen)) == -1)
			break;
	}
	if (rc == 0 && vm.n == 1) {
		*out = vm.st[0];
		return 0;
	}
	while (vm.n > 0)
		value_free(&vm.st[--vm.n]);
	if (rc == 0) {
		snprintf(err, errlen, "internal error: the expression left "
		    "no single value");
		return -1;
	}
	return -1;
}
