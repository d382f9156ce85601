/* The scenario parser: one directive per line, `#` comments, errors as
 * "file:line:col: expected X, got Y" plus a hint. */
#include <sys/stat.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cJSON.h>
#include "pyjson.h"
#include "scenario.h"
#include "util.h"

#define SCENARIO_DEFAULT_TIMEOUT	5.0
#define PARSER_MAX_CAPTURES		256

/* The readable bytes of b, never a null pointer (buf_data is NULL + 0 on
 * a buffer that never held data, which sanitizers reject). */
static const unsigned char *
bytes_of(const struct buf *b)
{
	return b->data != NULL ? b->data + b->off : (const unsigned char *)"";
}

/* Parser state for one file; lives on scenario_parse's stack. */
struct parser {
	const char	*name;		/* file name for messages */
	const char	*line;		/* current line, without its EOL */
	size_t		 linelen;
	unsigned	 lineno;
	size_t		 pos;		/* offset into line */
	char		*err;
	size_t		 errlen;
	struct scenario	*sc;
	size_t		 stack[SCENARIO_MAX_DEPTH];	/* open block steps */
	unsigned	 depth;
	int		 in_merge;
	unsigned	 closed_at;	/* line of a top-level close, or 0 */
	char		*captures[PARSER_MAX_CAPTURES];	/* names so far */
	size_t		 ncaptures;
	unsigned	 seen[8];	/* line of each setting, 0 if unset */
};

enum { SEEN_NAME, SEEN_CODEC, SEEN_SERVICE, SEEN_CONNS, SEEN_RATE,
    SEEN_TIMEOUT, SEEN_MAXFRAME };

static const char *const directives[] = {
	"name", "codec", "service", "connections", "rate", "timeout",
	"max-frame", "send", "expect", "capture", "wait", "repeat", "merge",
	"end", "close", "shutdown", NULL
};
static const char *const send_kinds[] = {
	"text", "hex", "json", "file", "raw", NULL
};
static const char *const expect_kinds[] = {
	"text", "hex", "regex", "json", "header", "length", "close",
	"nothing", NULL
};
static const char *const services[] = { "echo", "app", "file", NULL };

/* Column (1-based, counting UTF-8 characters) of byte offset off. */
static unsigned
parser_col(const struct parser *p, size_t off)
{
	unsigned col = 1;
	size_t i;

	for (i = 0; i < off && i < p->linelen; i++)
		if (((unsigned char)p->line[i] & 0xc0) != 0x80)
			col++;
	if (off > p->linelen)
		col += (unsigned)(off - p->linelen);
	return col;
}

/* Write "name:line:col: message" and an optional hint line; returns -1. */
static int __attribute__((format(printf, 4, 5)))
perr(struct parser *p, size_t off, const char *hint, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (hint != NULL)
		snprintf(p->err, p->errlen, "%s:%u:%u: %s\nhint: %s", p->name,
		    p->lineno, parser_col(p, off), msg, hint);
	else
		snprintf(p->err, p->errlen, "%s:%u:%u: %s", p->name,
		    p->lineno, parser_col(p, off), msg);
	return -1;
}

/* Describe what stands at offset off for a "got ..." message. */
static const char *
parser_got(const struct parser *p, size_t off, char *out, size_t outlen)
{
	size_t n = 0;

	if (off >= p->linelen || p->line[off] == '#') {
		snprintf(out, outlen, "end of line");
		return out;
	}
	/* Lines passed check_text: printable UTF-8, shown as written. */
	while (off + n < p->linelen && n < 24 &&
	    !isspace((unsigned char)p->line[off + n]))
		n++;
	while (n > 0 && off + n < p->linelen &&
	    ((unsigned char)p->line[off + n] & 0xc0) == 0x80)
		n--;
	snprintf(out, outlen, "'%.*s%s'", (int)n, p->line + off,
	    off + n < p->linelen && n == 24 &&
	    !isspace((unsigned char)p->line[off + n]) ? "..." : "");
	return out;
}

/* Edit distance between a and b, capped for long words. */
static size_t
edit_distance(const char *a, size_t al, const char *b)
{
	size_t bl = strlen(b), i, j, prev[33], cur[33];

	if (al > 32 || bl > 32)
		return 99;
	for (j = 0; j <= bl; j++)
		prev[j] = j;
	for (i = 1; i <= al; i++) {
		cur[0] = i;
		for (j = 1; j <= bl; j++) {
			size_t sub = prev[j - 1] +
			    (tolower((unsigned char)a[i - 1]) != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? sub : del;
			if (ins < cur[j])
				cur[j] = ins;
		}
		memcpy(prev, cur, sizeof(prev));
	}
	return prev[bl];
}

/* Write a hint naming the word in list nearest to w, or listing them all. */
static const char *
nearest_hint(const char *w, size_t wl, const char *const *list, char *out,
    size_t outlen)
{
	size_t best = 99, d, i, o;
	const char *bw = NULL;

	for (i = 0; list[i] != NULL; i++) {
		d = edit_distance(w, wl, list[i]);
		if (d < best) {
			best = d;
			bw = list[i];
		}
	}
	if (bw != NULL && best <= 2 && best < wl) {
		snprintf(out, outlen, "did you mean '%s'?", bw);
		return out;
	}
	o = (size_t)snprintf(out, outlen, "known:");
	for (i = 0; list[i] != NULL && o < outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, "%s %s",
		    i > 0 ? "," : "", list[i]);
	return out;
}

/* Skip spaces and tabs. */
static void
skip_ws(struct parser *p)
{
	while (p->pos < p->linelen &&
	    (p->line[p->pos] == ' ' || p->line[p->pos] == '\t'))
		p->pos++;
}

/* Say whether only blanks or a comment remain on the line. */
static int
at_eol(struct parser *p)
{
	skip_ws(p);
	return p->pos >= p->linelen || p->line[p->pos] == '#';
}

/* Read a bare word (a run of non-blank characters) at pos; 0 if none. */
static int
lex_word(struct parser *p, const char **w, size_t *wl)
{
	size_t s;

	if (at_eol(p) || p->line[p->pos] == '"' || p->line[p->pos] == '{' ||
	    p->line[p->pos] == '[')
		return 0;
	s = p->pos;
	while (p->pos < p->linelen && p->line[p->pos] != ' ' &&
	    p->line[p->pos] != '\t')
		p->pos++;
	*w = p->line + s;
	*wl = p->pos - s;
	return 1;
}

/* Read a bare word or fail with "expected what, got ...". */
static int
need_word(struct parser *p, const char *what, const char **w, size_t *wl)
{
	char got[96];

	if (lex_word(p, w, wl))
		return 0;
	return perr(p, p->pos, NULL, "expected %s, got %s", what,
	    parser_got(p, p->pos, got, sizeof(got)));
}

/* Say whether word w of length wl equals s. */
static int
word_is(const char *w, size_t wl, const char *s)
{
	return strlen(s) == wl && memcmp(w, s, wl) == 0;
}

/* Fail unless the rest of the line is blank or a comment. */
static int
need_eol(struct parser *p, const char *what)
{
	char got[96];

	if (at_eol(p))
		return 0;
	return perr(p, p->pos, NULL, "expected %s, got %s", what,
	    parser_got(p, p->pos, got, sizeof(got)));
}

/* Append code point cp as UTF-8. */
static void
put_utf8(struct buf *b, unsigned long cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | (cp >> 6));
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | (cp >> 12));
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | (cp >> 18));
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_append(b, u, n);
}

/* Value of hex digit c, or -1. */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Check that a ${NAME} placeholder names a variable captured earlier. */
static int
check_var(struct parser *p, const struct tmpl *t, size_t off)
{
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
	return perr(p, off, hint, "expected a variable set by an earlier "
	    "capture, got '${%s}'", tp->name);
}

/* Add the placeholder at offset off to t, reporting errors in place. */
static int
lex_placeholder(struct parser *p, struct tmpl *t, size_t off, int json_str,
    size_t *used)
{
	char msg[256];
	ssize_t n;

	n = tmpl_add_placeholder(t, p->line + off, p->linelen - off, json_str,
	    msg, sizeof(msg));
	if (n == -1)
		return perr(p, off, "write '$${' for a literal '${'", "%s", msg);
	if (check_var(p, t, off) == -1)
		return -1;
	*used = (size_t)n;
	return 0;
}

/* Read a quoted string with escapes at pos into t (with placeholders) or,
 * if t is NULL, into b (no placeholders). */
static int
lex_string(struct parser *p, struct tmpl *t, struct buf *b)
{
	const char *l = p->line;
	size_t start, i, run, used;
	struct buf lit;
	char got[96];
	int c, d;

	skip_ws(p);
	if (p->pos >= p->linelen || l[p->pos] != '"')
		return perr(p, p->pos, NULL, "expected a quoted string, got %s",
		    parser_got(p, p->pos, got, sizeof(got)));
	start = p->pos;
	buf_init(&lit);
	for (i = start + 1; ; ) {
		if (i >= p->linelen) {
			buf_free(&lit);
			snprintf(got, sizeof(got), "the string opened at column "
			    "%u must end on the same line", parser_col(p, start));
			return perr(p, i, got, "expected '\"' to end the string, "
			    "got end of line");
		}
		c = (unsigned char)l[i];
		if (c == '"')
			break;
		if (t != NULL && c == '$' && i + 2 < p->linelen &&
		    l[i + 1] == '$' && l[i + 2] == '{') {
			buf_append(&lit, "${", 2);
			i += 3;
			continue;
		}
		if (t != NULL && c == '$' && i + 1 < p->linelen &&
		    l[i + 1] == '{') {
			tmpl_add_lit(t, bytes_of(&lit), buf_len(&lit));
			buf_reset(&lit);
			if (lex_placeholder(p, t, i, 0, &used) == -1) {
				buf_free(&lit);
				return -1;
			}
			i += used;
			continue;
		}
		if (c != '\\') {
			run = i;
			while (i < p->linelen && l[i] != '"' && l[i] != '\\' &&
			    (t == NULL || l[i] != '$'))
				i++;
			if (i == run)
				i++;
			buf_append(&lit, l + run, i - run);
			continue;
		}
		if (i + 1 >= p->linelen)
			c = -1;
		else
			c = (unsigned char)l[i + 1];
		switch (c) {
		case 'n': buf_append(&lit, "\n", 1); i += 2; continue;
		case 'r': buf_append(&lit, "\r", 1); i += 2; continue;
		case 't': buf_append(&lit, "\t", 1); i += 2; continue;
		case '0': buf_append(&lit, "", 1); i += 2; continue;
		case '\\': buf_append(&lit, "\\", 1); i += 2; continue;
		case '"': buf_append(&lit, "\"", 1); i += 2; continue;
		case '$': buf_append(&lit, "$", 1); i += 2; continue;
		case 'x':
			if (i + 3 < p->linelen && (d = hexval(l[i + 2])) >= 0 &&
			    hexval(l[i + 3]) >= 0) {
				unsigned char byte = (unsigned char)(d * 16 +
				    hexval(l[i + 3]));

				buf_append(&lit, &byte, 1);
				i += 4;
				continue;
			}
			buf_free(&lit);
			return perr(p, i, "\\x takes exactly two hex digits, "
			    "as in \\x0a", "expected \\xNN with two hex digits, "
			    "got %s", parser_got(p, i, got, sizeof(got)));
		case 'u': {
			unsigned long cp = 0;
			size_t j = i + 3, nd = 0;

			if (i + 2 < p->linelen && l[i + 2] == '{') {
				while (j < p->linelen && hexval(l[j]) >= 0 &&
				    nd < 7) {
					cp = cp * 16 + (unsigned long)hexval(l[j]);
					j++;
					nd++;
				}
				if (nd >= 1 && nd <= 6 && j < p->linelen &&
				    l[j] == '}' && cp <= 0x10ffff &&
				    (cp < 0xd800 || cp > 0xdfff)) {
					put_utf8(&lit, cp);
					i = j + 1;
					continue;
				}
			}
			buf_free(&lit);
			return perr(p, i, "write a Unicode scalar value as "
			    "\\u{1F430} (1-6 hex digits, not a surrogate)",
			    "expected \\u{HEX} with a valid code point, got %s",
			    parser_got(p, i, got, sizeof(got)));
		}
		default:
			buf_free(&lit);
			return perr(p, i, "escapes are \\n \\r \\t \\0 \\\\ \\\" "
			    "\\$ \\xNN \\u{HEX}", "expected an escape sequence, "
			    "got %s", parser_got(p, i, got, sizeof(got)));
		}
	}
	if (t != NULL)
		tmpl_add_lit(t, bytes_of(&lit), buf_len(&lit));
	else
		buf_append(b, bytes_of(&lit), buf_len(&lit));
	buf_free(&lit);
	p->pos = i + 1;
	return 0;
}

/* Read a quoted string without placeholders into a new NUL-terminated
 * string; *len gets its length (it may hold NUL bytes). */
static int
lex_plain(struct parser *p, char **out, size_t *len)
{
	struct buf b;

	buf_init(&b);
	if (lex_string(p, NULL, &b) == -1) {
		buf_free(&b);
		return -1;
	}
	*len = buf_len(&b);
	*out = xmalloc(*len + 1);
	if (*len > 0)
		memcpy(*out, bytes_of(&b), *len);
	(*out)[*len] = '\0';
	buf_free(&b);
	return 0;
}

/* Read a quoted string of hex byte pairs (blanks allowed between bytes). */
static int
lex_hex(struct parser *p, struct buf *b)
{
	const char *l = p->line;
	size_t i;
	char got[96];
	int hi;

	skip_ws(p);
	if (p->pos >= p->linelen || l[p->pos] != '"')
		return perr(p, p->pos, NULL, "expected a quoted hex string, "
		    "got %s", parser_got(p, p->pos, got, sizeof(got)));
	for (i = p->pos + 1; i < p->linelen && l[i] != '"'; ) {
		if (l[i] == ' ' || l[i] == '\t') {
			i++;
			continue;
		}
		if ((hi = hexval(l[i])) < 0)
			return perr(p, i, "hex strings hold pairs of 0-9a-f, "
			    "blanks allowed between bytes", "expected a hex "
			    "digit, got %s", parser_got(p, i, got,
			    sizeof(got)));
		if (i + 1 >= p->linelen || hexval(l[i + 1]) < 0)
			return perr(p, i + 1, "each byte is two hex digits; "
			    "the last pair is incomplete or broken",
			    "expected a second hex digit, got %s",
			    parser_got(p, i + 1, got, sizeof(got)));
		{
			unsigned char byte = (unsigned char)(hi * 16 +
			    hexval(l[i + 1]));

			buf_append(b, &byte, 1);
		}
		i += 2;
	}
	if (i >= p->linelen)
		return perr(p, i, "strings end on the same line",
		    "expected '\"' to end the hex string, got end of line");
	p->pos = i + 1;
	return 0;
}

/* Read a one-line JSON value at pos into a template; placeholders inside
 * strings are JSON-escaped when rendered. Validates with cJSON. */
static int
lex_json(struct parser *p, struct tmpl *t, int want_object)
{
	const char *l = p->line, *end = NULL;
	size_t start, i, run, used, soff = 0;
	int depth = 0, in_str = 0;
	struct buf dummy;
	cJSON *j;
	char got[96];

	skip_ws(p);
	if (p->pos >= p->linelen || (l[p->pos] != '{' &&
	    (want_object || l[p->pos] != '[')))
		return perr(p, p->pos, "JSON goes on the same line, as in "
		    "{\"key\": \"value\"}", "expected a JSON %s, got %s",
		    want_object ? "object" : "object or array",
		    parser_got(p, p->pos, got, sizeof(got)));
	start = p->pos;
	for (i = start, run = start; i < p->linelen; ) {
		char c = l[i];

		if (c == '$' && i + 2 < p->linelen && l[i + 1] == '$' &&
		    l[i + 2] == '{') {
			tmpl_add_lit(t, l + run, i - run);
			tmpl_add_lit(t, "${", 2);
			i += 3;
			run = i;
			continue;
		}
		if (c == '$' && i + 1 < p->linelen && l[i + 1] == '{') {
			tmpl_add_lit(t, l + run, i - run);
			if (lex_placeholder(p, t, i, in_str, &used) == -1)
				return -1;
			i += used;
			run = i;
			continue;
		}
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"')
			in_str = 1;
		else if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']') {
			if (--depth == 0) {
				i++;
				break;
			}
		}
		i++;
	}
	if (depth != 0 || i > p->linelen) {
		snprintf(got, sizeof(got), "the JSON value opened at column %u "
		    "must end on the same line", parser_col(p, start));
		return perr(p, p->linelen, got, "expected '%c' to close the "
		    "JSON %s, got end of line", in_str ? '"' :
		    l[start] == '{' ? '}' : ']', in_str ? "string" : "value");
	}
	tmpl_add_lit(t, l + run, i - run);
	buf_init(&dummy);
	tmpl_render_dummy(t, &dummy);
	j = cJSON_ParseWithLengthOpts((const char *)bytes_of(&dummy),
	    buf_len(&dummy), &end, 0);
	if (j == NULL || !pyjson_strict((const char *)bytes_of(&dummy),
	    buf_len(&dummy), &soff)) {
		size_t eo = j == NULL ? (end != NULL ?
		    (size_t)(end - (const char *)bytes_of(&dummy)) : 0) : soff;
		int esc = eo < buf_len(&dummy) && bytes_of(&dummy)[eo] == '\\';

		/* cJSON takes "\u{1F436}" and leading zeros; JSON does not,
		 * and neither does a Python peer. */
		cJSON_Delete(j);
		buf_free(&dummy);
		if (eo > i - start)
			eo = i - start;
		return perr(p, start + eo, esc ? "JSON escapes are \\\" \\\\ \\/ "
		    "\\b \\f \\n \\r \\t and \\uHHHH (\\ud83d\\udc36 for U+1F436), "
		    "or write the character itself" : "JSON strings need double "
		    "quotes; placeholders outside strings must render as numbers",
		    "expected valid JSON, got %s at offset %zu of the value",
		    parser_got(p, start + eo, got, sizeof(got)), eo);
	}
	cJSON_Delete(j);
	buf_free(&dummy);
	p->pos = i;
	return 0;
}

/* Read an unsigned decimal number no larger than max. */
static int
lex_uint(struct parser *p, const char *what, uint64_t max, uint64_t *out)
{
	const char *w;
	size_t wl, i;
	uint64_t v = 0;
	char got[96];

	if (need_word(p, what, &w, &wl) == -1)
		return -1;
	for (i = 0; i < wl; i++) {
		if (!isdigit((unsigned char)w[i]))
			return perr(p, p->pos - wl, NULL, "expected %s, got %s",
			    what, parser_got(p, p->pos - wl, got, sizeof(got)));
		if (v > (max - (uint64_t)(w[i] - '0')) / 10)
			return perr(p, p->pos - wl, "the number is too large",
			    "expected %s of at most %llu, got %s", what,
			    (unsigned long long)max,
			    parser_got(p, p->pos - wl, got, sizeof(got)));
		v = v * 10 + (uint64_t)(w[i] - '0');
	}
	*out = v;
	return 0;
}

/* Convert word w to seconds; -1 if it is not a bounded duration. */
static double
word_duration(const char *w, size_t wl)
{
	char tmp[64];
	double d;

	if (wl == 0 || wl >= sizeof(tmp) || !isdigit((unsigned char)w[0]))
		return -1;
	memcpy(tmp, w, wl);
	tmp[wl] = '\0';
	if (strpbrk(tmp, "xXeEpP") != NULL)
		return -1;
	d = parse_duration(tmp);
	if (d < 0 || !isfinite(d) || d > SCENARIO_MAX_SECONDS)
		return -1;
	return d;
}

/* Read a duration such as 500ms, 2s, 1.5, 1m. */
static int
lex_duration(struct parser *p, const char *what, double *out)
{
	const char *w;
	size_t wl;
	char got[96];

	if (need_word(p, what, &w, &wl) == -1)
		return -1;
	if ((*out = word_duration(w, wl)) < 0)
		return perr(p, p->pos - wl, "durations look like 500ms, 2s, "
		    "1.5 (seconds) or 1m, at most one week",
		    "expected %s, got %s", what,
		    parser_got(p, p->pos - wl, got, sizeof(got)));
	return 0;
}

/* Read a path: a quoted string or a bare word; new string in *out. */
static int
lex_path(struct parser *p, const char *what, char **out)
{
	const char *w;
	size_t wl;
	char got[96];

	skip_ws(p);
	if (p->pos < p->linelen && p->line[p->pos] == '"') {
		size_t start = p->pos;

		if (lex_plain(p, out, &wl) == -1)
			return -1;
		if (wl == 0 || strlen(*out) != wl) {
			free(*out);
			*out = NULL;
			return perr(p, start, NULL, "expected %s, got an empty "
			    "path or one with a NUL byte", what);
		}
		return 0;
	}
	if (!lex_word(p, &w, &wl))
		return perr(p, p->pos, NULL, "expected %s, got %s", what,
		    parser_got(p, p->pos, got, sizeof(got)));
	*out = xstrndup(w, wl);
	return 0;
}

/* Resolve path against the scenario's directory unless it is absolute. */
static char *
resolve_path(const struct scenario *sc, const char *path)
{
	size_t n;
	char *r;

	if (path[0] == '/' || strcmp(sc->dir, ".") == 0)
		return xstrdup(path);
	n = strlen(sc->dir) + strlen(path) + 2;
	r = xmalloc(n);
	snprintf(r, n, "%s/%s", sc->dir, path);
	return r;
}

/* Name the kind of a file that is not a regular one, for an error. */
static const char *
file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO (pipe)";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

/* Read a whole regular file of at most max bytes into b; -1 with a reason
 * in why. The open never blocks (O_NONBLOCK: a FIFO without a writer would
 * wait forever) and anything but a regular file is refused from fstat
 * before the first read (a FIFO, a device, a directory, /dev/stdin from a
 * pipe or a terminal). */
static int
read_file(const char *path, size_t max, struct buf *b, int *too_big,
    char *why, size_t whylen)
{
	struct stat st;
	ssize_t n;
	int fd;

	*too_big = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) ==
	    -1) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(why, whylen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		const char *k = file_kind(st.st_mode);

		snprintf(why, whylen, "not a regular file: %s%s", k,
		    S_ISDIR(st.st_mode) ? "" : ", which could block the "
		    "read forever");
		close(fd);
		return -1;
	}
	if ((uint64_t)st.st_size > max) {
		*too_big = 1;
		snprintf(why, whylen, "larger than %zu bytes", max);
		close(fd);
		return -1;
	}
	for (;;) {
		unsigned char *dst = buf_reserve(b, 65536);

		n = read(fd, dst, 65536);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf_commit(b, (size_t)n);
		if (buf_len(b) > max) {
			*too_big = 1;
			snprintf(why, whylen, "larger than %zu bytes", max);
			close(fd);
			return -1;
		}
	}
	if (n == -1)
		snprintf(why, whylen, "%s", strerror(errno));
	close(fd);
	return n == -1 ? -1 : 0;
}

/* Append a zeroed step of kind k at the current line. */
static struct step *
new_step(struct parser *p, enum step_kind k)
{
	struct scenario *sc = p->sc;
	struct step *st;

	if (sc->nsteps >= SCENARIO_MAX_STEPS) {
		perr(p, 0, NULL, "expected at most %d steps, got more",
		    SCENARIO_MAX_STEPS);
		return NULL;
	}
	if (p->closed_at != 0) {
		char hint[96];

		snprintf(hint, sizeof(hint), "the 'close' at line %u ends the "
		    "script; remove it or the lines after it", p->closed_at);
		perr(p, 0, hint, "expected no step after 'close', got '%s'",
		    step_kind_name(k));
		return NULL;
	}
	sc->steps = xrealloc(sc->steps, (sc->nsteps + 1) * sizeof(*st));
	st = &sc->steps[sc->nsteps++];
	memset(st, 0, sizeof(*st));
	st->kind = k;
	st->line = p->lineno;
	return st;
}

/* Record a setting's line, failing if it was already set. */
static int
setting_once(struct parser *p, int which, const char *name)
{
	char hint[96];

	if (p->seen[which] != 0) {
		snprintf(hint, sizeof(hint), "the first '%s' is at line %u",
		    name, p->seen[which]);
		return perr(p, 0, hint, "expected one '%s' line, got a second",
		    name);
	}
	p->seen[which] = p->lineno;
	return 0;
}

/* `name "..."`. */
static int
parse_name(struct parser *p)
{
	size_t len;
	char *s;

	if (setting_once(p, SEEN_NAME, "name") == -1 ||
	    lex_plain(p, &s, &len) == -1)
		return -1;
	free(p->sc->name);
	p->sc->name = s;
	return need_eol(p, "end of line after the name");
}

/* `codec NAME`. */
static int
parse_codec(struct parser *p)
{
	const char *names[32], *w;
	char hint[256], got[96];
	size_t wl, i;

	if (setting_once(p, SEEN_CODEC, "codec") == -1 ||
	    need_word(p, "a codec name", &w, &wl) == -1)
		return -1;
	for (i = 0; codec_all[i] != NULL && i < 31; i++)
		names[i] = codec_all[i]->name;
	names[i] = NULL;
	for (i = 0; names[i] != NULL; i++) {
		if (word_is(w, wl, names[i])) {
			p->sc->codec = codec_all[i];
			free(p->sc->codec_name);
			p->sc->codec_name = xstrdup(names[i]);
			p->sc->stream = strcmp(names[i], "raw") == 0;
			return need_eol(p, "end of line after the codec");
		}
	}
	return perr(p, p->pos - wl, nearest_hint(w, wl, names, hint,
	    sizeof(hint)), "expected a codec name, got %s",
	    parser_got(p, p->pos - wl, got, sizeof(got)));
}

/* `service NAME [prefix S] [suffix S] [fixed S] [root DIR]`. */
static int
parse_service(struct parser *p)
{
	static const char *const echo_opts[] = { "prefix", "suffix", "fixed",
	    NULL };
	static const char *const file_opts[] = { "root", NULL };
	static const char *const no_opts[] = { NULL };
	struct scenario_service *sv = &p->sc->service;
	const char *const *opts;
	const char *w;
	char hint[256], got[96], *s;
	size_t wl, len, i;

	if (setting_once(p, SEEN_SERVICE, "service") == -1 ||
	    need_word(p, "a service name", &w, &wl) == -1)
		return -1;
	for (i = 0; services[i] != NULL; i++)
		if (word_is(w, wl, services[i]))
			break;
	if (services[i] == NULL)
		return perr(p, p->pos - wl, nearest_hint(w, wl, services, hint,
		    sizeof(hint)), "expected a service name, got %s",
		    parser_got(p, p->pos - wl, got, sizeof(got)));
	sv->name = xstrdup(services[i]);
	opts = strcmp(sv->name, "echo") == 0 ? echo_opts :
	    strcmp(sv->name, "file") == 0 ? file_opts : no_opts;
	while (!at_eol(p)) {
		size_t at = p->pos;

		if (!lex_word(p, &w, &wl) || (!word_is(w, wl, "prefix") &&
		    !word_is(w, wl, "suffix") && !word_is(w, wl, "fixed") &&
		    !word_is(w, wl, "root"))) {
			snprintf(hint, sizeof(hint), "service %s takes %s",
			    sv->name, opts == echo_opts ? "prefix, suffix, "
			    "fixed \"...\"" : opts == file_opts ? "root DIR" :
			    "no options");
			return perr(p, at, hint, "expected a service option, "
			    "got %s", parser_got(p, at, got, sizeof(got)));
		}
		for (i = 0; opts[i] != NULL; i++)
			if (word_is(w, wl, opts[i]))
				break;
		if (opts[i] == NULL)
			return perr(p, at, NULL, "expected an option of service "
			    "%s, got %s", sv->name, parser_got(p, at, got,
			    sizeof(got)));
		if (word_is(w, wl, "root")) {
			if (sv->root != NULL)
				return perr(p, at, NULL, "expected one 'root', "
				    "got a second");
			if (lex_path(p, "a directory", &s) == -1)
				return -1;
			sv->root = resolve_path(p->sc, s);
			free(s);
			continue;
		}
		if (lex_plain(p, &s, &len) == -1)
			return -1;
		if (word_is(w, wl, "prefix") && sv->prefix == NULL) {
			sv->prefix = (unsigned char *)s;
			sv->prefix_len = len;
		} else if (word_is(w, wl, "suffix") && sv->suffix == NULL) {
			sv->suffix = (unsigned char *)s;
			sv->suffix_len = len;
		} else if (word_is(w, wl, "fixed") && !sv->has_fixed) {
			sv->fixed = (unsigned char *)s;
			sv->fixed_len = len;
			sv->has_fixed = 1;
		} else {
			free(s);
			return perr(p, at, NULL, "expected each option once, "
			    "got a second '%.*s'", (int)wl, w);
		}
	}
	if (opts == file_opts && sv->root == NULL)
		return perr(p, p->pos, "as in: service file root files/",
		    "expected 'root DIR' for service file, got end of line");
	return 0;
}

/* `connections N`. */
static int
parse_connections(struct parser *p)
{
	uint64_t v;

	if (setting_once(p, SEEN_CONNS, "connections") == -1 ||
	    lex_uint(p, "a connection count", SCENARIO_MAX_CONNS, &v) == -1)
		return -1;
	if (v == 0)
		return perr(p, p->pos - 1, NULL, "expected a connection count "
		    "of at least 1, got 0");
	p->sc->connections = (unsigned)v;
	return need_eol(p, "end of line after the count");
}

/* `rate N`: connections opened per second, 0 for all at once. */
static int
parse_rate(struct parser *p)
{
	const char *w;
	char tmp[64], *end, got[96];
	size_t wl;
	double v;

	if (setting_once(p, SEEN_RATE, "rate") == -1 ||
	    need_word(p, "a rate (connections per second)", &w, &wl) == -1)
		return -1;
	v = -1;
	if (wl < sizeof(tmp) && isdigit((unsigned char)w[0]) &&
	    memchr(w, 'x', wl) == NULL && memchr(w, 'e', wl) == NULL &&
	    memchr(w, 'E', wl) == NULL && memchr(w, 'X', wl) == NULL) {
		memcpy(tmp, w, wl);
		tmp[wl] = '\0';
		errno = 0;
		v = strtod(tmp, &end);
		if (*end != '\0' || errno != 0 || !isfinite(v) || v > 1e6)
			v = -1;
	}
	if (v < 0)
		return perr(p, p->pos - wl, "a number such as 100 or 0.5, at "
		    "most 1000000; 0 opens all at once", "expected a rate "
		    "(connections per second), got %s",
		    parser_got(p, p->pos - wl, got, sizeof(got)));
	p->sc->rate = v;
	return need_eol(p, "end of line after the rate");
}

/* `timeout D`: the default expect timeout. */
static int
parse_timeout(struct parser *p)
{
	if (setting_once(p, SEEN_TIMEOUT, "timeout") == -1 ||
	    lex_duration(p, "a duration", &p->sc->timeout) == -1)
		return -1;
	return need_eol(p, "end of line after the timeout");
}

/* `max-frame SIZE`. */
static int
parse_max_frame(struct parser *p)
{
	const char *w;
	char tmp[32], got[96];
	size_t wl;
	uint64_t v;

	if (setting_once(p, SEEN_MAXFRAME, "max-frame") == -1 ||
	    need_word(p, "a size", &w, &wl) == -1)
		return -1;
	if (wl >= sizeof(tmp))
		v = 0;
	else {
		memcpy(tmp, w, wl);
		tmp[wl] = '\0';
		if (parse_size(tmp, &v) == -1)
			v = 0;
	}
	if (v < 16 || v > 1024ULL * 1024 * 1024)
		return perr(p, p->pos - wl, "sizes look like 65536, 64k, 1M; "
		    "between 16 bytes and 1G", "expected a frame size, got %s",
		    parser_got(p, p->pos - wl, got, sizeof(got)));
	p->sc->max_frame = (size_t)v;
	return need_eol(p, "end of line after the size");
}

/* `send [raw] [text|hex|json|file] PAYLOAD [header {...}] [chunk K]
 * [delay D]`. */
static int
parse_send(struct parser *p)
{
	struct step_send *s;
	struct step *st;
	const char *w;
	char hint[256], got[96], *path, *full, why[160];
	size_t wl, at;
	struct buf b;
	int too_big, kind = 0, have_delay = 0;

	if ((st = new_step(p, STEP_SEND)) == NULL)
		return -1;
	s = &st->u.send;
	s->body = tmpl_new();
	skip_ws(p);
	at = p->pos;
	if (lex_word(p, &w, &wl) && word_is(w, wl, "raw")) {
		s->raw = 1;
		skip_ws(p);
		at = p->pos;
	} else
		p->pos = at;
	if (lex_word(p, &w, &wl)) {
		for (kind = 0; send_kinds[kind] != NULL; kind++)
			if (word_is(w, wl, send_kinds[kind]))
				break;
		if (send_kinds[kind] == NULL || kind == 4)
			return perr(p, at, nearest_hint(w, wl, send_kinds, hint,
			    sizeof(hint)), "expected a payload (\"text\", hex, "
			    "json, file), got %s", parser_got(p, at, got,
			    sizeof(got)));
	} else if (p->pos < p->linelen && p->line[p->pos] == '{')
		return perr(p, p->pos, "write: send json {...}", "expected a "
		    "payload kind before JSON, got %s",
		    parser_got(p, p->pos, got, sizeof(got)));
	switch (kind) {
	case 0:
		if (lex_string(p, s->body, NULL) == -1)
			return -1;
		break;
	case 1:
		buf_init(&b);
		if (lex_hex(p, &b) == -1) {
			buf_free(&b);
			return -1;
		}
		tmpl_add_lit(s->body, bytes_of(&b), buf_len(&b));
		buf_free(&b);
		break;
	case 2:
		s->json = 1;
		if (lex_json(p, s->body, 0) == -1)
			return -1;
		break;
	case 3:
		skip_ws(p);
		at = p->pos;
		if (lex_path(p, "a file path", &path) == -1)
			return -1;
		full = resolve_path(p->sc, path);
		free(path);
		buf_init(&b);
		if (read_file(full, SCENARIO_MAX_SENDFILE, &b, &too_big, why,
		    sizeof(why)) == -1) {
			buf_free(&b);
			perr(p, at, "paths are relative to the scenario file's "
			    "directory", "expected a readable file, got "
			    "'%s' (%s)", full, too_big ? "larger than 16M" :
			    why);
			free(full);
			return -1;
		}
		free(full);
		tmpl_add_lit(s->body, bytes_of(&b), buf_len(&b));
		buf_free(&b);
		break;
	}
	while (!at_eol(p)) {
		at = p->pos;
		if (!lex_word(p, &w, &wl) || (!word_is(w, wl, "header") &&
		    !word_is(w, wl, "chunk") && !word_is(w, wl, "delay")))
			return perr(p, at, "send options are header {...}, "
			    "chunk K, delay D", "expected a send option or end "
			    "of line, got %s", parser_got(p, at, got,
			    sizeof(got)));
		if (word_is(w, wl, "header")) {
			if (s->raw)
				return perr(p, at, "raw sends bypass the codec "
				    "and its header", "expected no header on "
				    "send raw, got 'header'");
			if (s->head != NULL)
				return perr(p, at, NULL, "expected one header, "
				    "got a second");
			s->head = tmpl_new();
			if (lex_json(p, s->head, 1) == -1)
				return -1;
		} else if (word_is(w, wl, "chunk")) {
			uint64_t v;

			if (s->chunk != 0)
				return perr(p, at, NULL, "expected one chunk, "
				    "got a second");
			if (lex_uint(p, "a chunk size in bytes",
			    SCENARIO_MAX_COUNT, &v) == -1)
				return -1;
			if (v == 0)
				return perr(p, p->pos - 1, NULL, "expected a "
				    "chunk size of at least 1, got 0");
			s->chunk = (size_t)v;
		} else {
			if (have_delay)
				return perr(p, at, NULL, "expected one delay, "
				    "got a second");
			if (lex_duration(p, "a delay", &s->chunk_delay) == -1)
				return -1;
			have_delay = 1;
		}
	}
	if (have_delay && s->chunk == 0)
		return perr(p, p->pos, "as in: send \"...\" chunk 4 delay 10ms",
		    "expected 'chunk K' with 'delay', got end of line");
	if (p->in_merge && s->chunk != 0)
		return perr(p, p->pos, "a merge block goes out in one write",
		    "expected no chunk inside merge, got 'chunk'");
	return 0;
}

/* Refuse what makes glibc's regcomp or regexec blow up in time or memory:
 * repetition operators stacked on one atom ("a+++", "a{9}{9}") and {n,m}
 * counts whose product passes 10000 (-1), and backreferences \1-\9 (-2):
 * POSIX ERE as glibc's regcomp reads it accepts them, but matching them
 * backtracks, exponential in the input length, inside one regexec call
 * that nothing can interrupt. Without them glibc matches in time linear
 * in the input (bounded by --max-frame). 0, or -1/-2 with a reason in why. */
static int
regex_bounded(const char *pat, char *why, size_t whylen)
{
	const char *q = pat;
	double product = 1;
	int after_rep = 0;

	while (*q != '\0') {
		if (*q == '\\' && q[1] >= '1' && q[1] <= '9') {
			snprintf(why, whylen, "a backreference '\\%c' at "
			    "offset %zu of the pattern", q[1],
			    (size_t)(q - pat));
			return -2;
		}
		if (*q == '\\' && q[1] != '\0') {
			q += 2;
			after_rep = 0;
			continue;
		}
		if (*q == '[') {
			/* A bracket expression: ']' first is literal, and
			 * [:class:] may hold a ']'. */
			q++;
			if (*q == '^')
				q++;
			if (*q == ']')
				q++;
			while (*q != '\0' && *q != ']') {
				if (*q == '[' && (q[1] == ':' || q[1] == '.' ||
				    q[1] == '=')) {
					const char *e = strstr(q + 2, ":]");

					q = e != NULL ? e + 2 : q + 1;
				} else
					q++;
			}
			if (*q == ']')
				q++;
			after_rep = 0;
			continue;
		}
		if (*q == '*' || *q == '+' || *q == '?' || *q == '{') {
			if (after_rep) {
				snprintf(why, whylen, "repetition operators "
				    "stacked at '%.8s'", q);
				return -1;
			}
			after_rep = 1;
			if (*q == '{') {
				unsigned long lo = 0, hi;
				char *end;

				lo = strtoul(q + 1, &end, 10);
				hi = lo;
				if (*end == ',' && isdigit((unsigned char)end[1]))
					hi = strtoul(end + 1, &end, 10);
				product *= (double)(hi > 1 ? hi : 1);
				if (product > 10000) {
					snprintf(why, whylen, "{n,m} counts that "
					    "multiply to more than 10000");
					return -1;
				}
				while (*q != '\0' && *q != '}')
					q++;
				if (*q == '}')
					q++;
				continue;
			}
			q++;
			continue;
		}
		after_rep = 0;
		q++;
	}
	return 0;
}

/* Lex a quoted pattern at the parser's position, check it is bounded and
 * compile it into re (POSIX ERE); pattern gets its text. nul_hint and
 * hint are the hints for a NUL byte and for a pattern regcomp refuses. */
static int
lex_regex(struct parser *p, regex_t *re, char **pattern, const char *nul_hint,
    const char *hint)
{
	char *pat, msg[160], h[160];
	size_t len, at;
	int rc;

	skip_ws(p);
	at = p->pos;
	if (lex_plain(p, &pat, &len) == -1)
		return -1;
	if (strlen(pat) != len) {
		free(pat);
		return perr(p, at, nul_hint, "expected a pattern without NUL "
		    "bytes, got one");
	}
	if ((rc = regex_bounded(pat, msg, sizeof(msg))) == -2) {
		free(pat);
		return perr(p, at, "backreferences make matching take time "
		    "exponential in the reply's length, which would hold the "
		    "event loop and every timeout; capture the part with "
		    "`capture` and compare it in a later expect",
		    "expected a regex without backreferences, got %s", msg);
	}
	if (rc == -1) {
		free(pat);
		return perr(p, at, "one of * + ? {n,m} per atom; group with ( ) "
		    "to repeat a repetition", "expected a bounded regex, got %s",
		    msg);
	}
	if ((rc = regcomp(re, pat, REG_EXTENDED)) != 0) {
		regerror(rc, re, msg, sizeof(msg));
		free(pat);
		snprintf(h, sizeof(h), "patterns are POSIX extended regular "
		    "expressions; %s", hint);
		return perr(p, at, h, "expected a valid regex, got one that "
		    "fails: %s", msg);
	}
	*pattern = pat;
	return 0;
}

/* `expect ...`. */
static int
parse_expect(struct parser *p)
{
	struct step_expect *e;
	struct step *st;
	const char *w;
	char hint[256], got[96];
	size_t wl, at;
	struct buf b;
	int kind;

	if ((st = new_step(p, STEP_EXPECT)) == NULL)
		return -1;
	e = &st->u.expect;
	e->timeout = -1;
	skip_ws(p);
	at = p->pos;
	if (p->pos < p->linelen && p->line[p->pos] == '"')
		kind = 0;
	else if (lex_word(p, &w, &wl)) {
		for (kind = 0; expect_kinds[kind] != NULL; kind++)
			if (word_is(w, wl, expect_kinds[kind]))
				break;
		if (expect_kinds[kind] == NULL)
			return perr(p, at, nearest_hint(w, wl, expect_kinds,
			    hint, sizeof(hint)), "expected \"text\" or an expect "
			    "kind, got %s", parser_got(p, at, got, sizeof(got)));
	} else
		return perr(p, at, "as in: expect \"pong\", expect json {...}",
		    "expected \"text\" or an expect kind, got %s",
		    parser_got(p, at, got, sizeof(got)));
	switch (kind) {
	case 0:
		e->kind = EXPECT_BYTES;
		e->bytes = tmpl_new();
		if (lex_string(p, e->bytes, NULL) == -1)
			return -1;
		break;
	case 1:
		e->kind = EXPECT_BYTES;
		e->bytes = tmpl_new();
		buf_init(&b);
		if (lex_hex(p, &b) == -1) {
			buf_free(&b);
			return -1;
		}
		tmpl_add_lit(e->bytes, bytes_of(&b), buf_len(&b));
		buf_free(&b);
		break;
	case 2:
		e->kind = EXPECT_REGEX;
		if (lex_regex(p, &e->re, &e->pattern, "write \\x00 only in "
		    "exact expects", "escape a backslash as \\\\") == -1)
			return -1;
		break;
	case 3:
	case 4:
		e->kind = kind == 3 ? EXPECT_JSON : EXPECT_HEADER;
		e->bytes = tmpl_new();
		if (lex_json(p, e->bytes, kind == 4) == -1)
			return -1;
		break;
	case 5:
		e->kind = EXPECT_LENGTH;
		if (lex_uint(p, "a length in bytes", SCENARIO_MAX_COUNT,
		    &e->length) == -1)
			return -1;
		break;
	case 6:
		e->kind = EXPECT_CLOSE;
		break;
	case 7:
		e->kind = EXPECT_NOTHING;
		if (lex_duration(p, "a quiet period", &e->timeout) == -1)
			return -1;
		return need_eol(p, "end of line after the quiet period");
	}
	while (!at_eol(p)) {
		at = p->pos;
		if (lex_word(p, &w, &wl) && word_is(w, wl, "header") &&
		    e->kind != EXPECT_HEADER && e->kind != EXPECT_CLOSE) {
			if (e->head != NULL)
				return perr(p, at, NULL, "expected one header, "
				    "got a second");
			e->head = tmpl_new();
			if (lex_json(p, e->head, 1) == -1)
				return -1;
			continue;
		}
		p->pos = at;
		if (!lex_word(p, &w, &wl) || !word_is(w, wl, "timeout"))
			return perr(p, at, "expect options are timeout D and "
			    "header {...}", "expected 'timeout' or end of line, "
			    "got %s", parser_got(p, at, got, sizeof(got)));
		if (e->timeout >= 0)
			return perr(p, at, NULL, "expected one timeout, got a "
			    "second");
		if (lex_duration(p, "a timeout", &e->timeout) == -1)
			return -1;
	}
	return 0;
}

/* Say whether a dotted path "a.b.0" is well formed. */
static int
path_ok(const char *s)
{
	const char *q;

	if (*s == '\0')
		return 0;
	for (q = s; *q != '\0'; q++)
		if (*q == '.' && (q == s || q[1] == '.' || q[1] == '\0'))
			return 0;
	return 1;
}

/* `capture NAME regex "..."`, `capture NAME json PATH`, `... header PATH`. */
static int
parse_capture(struct parser *p)
{
	static const char *const kinds[] = { "regex", "json", "header", NULL };
	struct step_capture *c;
	struct step *st;
	const char *w;
	char hint[256], got[96];
	size_t wl, at, i;

	if ((st = new_step(p, STEP_CAPTURE)) == NULL)
		return -1;
	c = &st->u.capture;
	skip_ws(p);
	at = p->pos;
	if (need_word(p, "a variable name", &w, &wl) == -1)
		return -1;
	for (i = 0; i < wl; i++)
		if (!(isalpha((unsigned char)w[i]) || w[i] == '_' ||
		    (i > 0 && isdigit((unsigned char)w[i]))))
			break;
	if (i < wl || wl > TMPL_MAX_NAME || word_is(w, wl, "conn") ||
	    word_is(w, wl, "seq") || word_is(w, wl, "rand"))
		return perr(p, at, "names are letters, digits and _, at most 32, "
		    "not conn, seq or rand", "expected a variable name, got %s",
		    parser_got(p, at, got, sizeof(got)));
	c->name = xstrndup(w, wl);
	skip_ws(p);
	at = p->pos;
	if (need_word(p, "regex, json or header", &w, &wl) == -1)
		return -1;
	for (i = 0; kinds[i] != NULL; i++)
		if (word_is(w, wl, kinds[i]))
			break;
	if (kinds[i] == NULL)
		return perr(p, at, nearest_hint(w, wl, kinds, hint,
		    sizeof(hint)), "expected regex, json or header, got %s",
		    parser_got(p, at, got, sizeof(got)));
	if (i == 0) {
		c->kind = CAPTURE_REGEX;
		if (lex_regex(p, &c->re, &c->pattern, NULL,
		    "group 1 is captured") == -1)
			return -1;
	} else {
		c->kind = i == 1 ? CAPTURE_JSON : CAPTURE_HEADER;
		skip_ws(p);
		at = p->pos;
		if (need_word(p, "a dotted path such as result.id", &w,
		    &wl) == -1)
			return -1;
		c->path = xstrndup(w, wl);
		if (!path_ok(c->path))
			return perr(p, at, "as in: result.id or items.0.name",
			    "expected a dotted path, got %s",
			    parser_got(p, at, got, sizeof(got)));
	}
	if (need_eol(p, "end of line after the capture") == -1)
		return -1;
	for (i = 0; i < p->ncaptures; i++)
		if (strcmp(p->captures[i], c->name) == 0)
			return 0;
	if (p->ncaptures == PARSER_MAX_CAPTURES)
		return perr(p, 0, NULL, "expected at most %d capture names, got "
		    "more", PARSER_MAX_CAPTURES);
	p->captures[p->ncaptures++] = xstrdup(c->name);
	return 0;
}

/* `wait D`. */
static int
parse_wait(struct parser *p)
{
	struct step *st;

	if ((st = new_step(p, STEP_WAIT)) == NULL ||
	    lex_duration(p, "a duration", &st->u.wait.seconds) == -1)
		return -1;
	return need_eol(p, "end of line after the duration");
}

/* Open a block step (repeat or merge). */
static struct step *
open_block(struct parser *p, enum step_kind k)
{
	struct step *st;
	char hint[96];

	if (p->depth == SCENARIO_MAX_DEPTH) {
		snprintf(hint, sizeof(hint), "blocks nest at most %d deep",
		    SCENARIO_MAX_DEPTH);
		perr(p, 0, hint, "expected 'end', got another '%s'",
		    step_kind_name(k));
		return NULL;
	}
	if ((st = new_step(p, k)) == NULL)
		return NULL;
	st->depth = p->depth;
	p->stack[p->depth++] = p->sc->nsteps - 1;
	return st;
}

/* `repeat N` or `repeat D` ... `end`. */
static int
parse_repeat(struct parser *p)
{
	struct step *st;
	const char *w;
	size_t wl, save, i;
	char got[96];

	if ((st = open_block(p, STEP_REPEAT)) == NULL)
		return -1;
	skip_ws(p);
	save = p->pos;
	if (need_word(p, "a count or a duration", &w, &wl) == -1)
		return -1;
	/* The word is not NUL-terminated: the last line of a file without
	 * a final newline ends where the input ends. */
	for (i = 0; i < wl && isdigit((unsigned char)w[i]); i++)
		;
	if (wl > 0 && i == wl) {
		p->pos = save;
		if (lex_uint(p, "a repeat count", SCENARIO_MAX_COUNT,
		    &st->u.repeat.count) == -1)
			return -1;
	} else if ((st->u.repeat.seconds = word_duration(w, wl)) <= 0)
		return perr(p, save, "as in: repeat 3, or repeat 5s (a positive "
		    "duration)", "expected a count or a duration, got %s",
		    parser_got(p, save, got, sizeof(got)));
	return need_eol(p, "end of line after repeat");
}

/* `merge` ... `end`: the sends inside go out in one write. */
static int
parse_merge(struct parser *p)
{
	if (open_block(p, STEP_MERGE) == NULL)
		return -1;
	p->in_merge = 1;
	return need_eol(p, "end of line after merge");
}

/* `end`: close the innermost block. */
static int
parse_end(struct parser *p)
{
	struct step *st, *open;
	size_t oi;

	if (p->depth == 0)
		return perr(p, 0, "open a block with 'repeat N' or 'merge', or "
		    "remove this line", "expected a directive, got 'end' "
		    "without an open block");
	oi = p->stack[p->depth - 1];
	if (p->sc->steps[oi].kind == STEP_MERGE &&
	    oi + 1 == p->sc->nsteps)
		return perr(p, 0, "put one or more sends between merge and end",
		    "expected a send inside merge, got 'end'");
	if ((st = new_step(p, STEP_END)) == NULL)
		return -1;
	p->depth--;
	open = &p->sc->steps[oi];
	open->jump = p->sc->nsteps - 1;
	st->jump = oi;
	st->depth = p->depth;
	if (open->kind == STEP_MERGE)
		p->in_merge = 0;
	return need_eol(p, "end of line after end");
}

/* `close` or `shutdown`. */
static int
parse_close(struct parser *p, enum step_kind k)
{
	if (new_step(p, k) == NULL)
		return -1;
	if (k == STEP_CLOSE && p->depth == 0)
		p->closed_at = p->lineno;
	return need_eol(p, k == STEP_CLOSE ? "end of line after close" :
	    "end of line after shutdown");
}

/* Check one line for NUL, control characters and invalid UTF-8. */
static int
check_text(struct parser *p)
{
	const unsigned char *l = (const unsigned char *)p->line;
	size_t i = 0, n, k;

	while (i < p->linelen) {
		if (l[i] == 0)
			return perr(p, i, "scenario files are UTF-8 text; write "
			    "bytes as \\xNN or hex \"...\"", "expected text, "
			    "got a NUL byte");
		if ((l[i] < 0x20 && l[i] != '\t') || l[i] == 0x7f)
			return perr(p, i, "scenario files are UTF-8 text; write "
			    "bytes as \\xNN or hex \"...\"", "expected text, "
			    "got control byte 0x%02x", l[i]);
		if (l[i] < 0x80) {
			i++;
			continue;
		}
		n = l[i] >= 0xc2 && l[i] <= 0xdf ? 2 : l[i] >= 0xe0 &&
		    l[i] <= 0xef ? 3 : l[i] >= 0xf0 && l[i] <= 0xf4 ? 4 : 0;
		for (k = 1; n > 0 && k < n; k++)
			if (i + k >= p->linelen || (l[i + k] & 0xc0) != 0x80)
				n = 0;
		if (n == 3 && ((l[i] == 0xe0 && l[i + 1] < 0xa0) ||
		    (l[i] == 0xed && l[i + 1] >= 0xa0)))
			n = 0;
		if (n == 4 && ((l[i] == 0xf0 && l[i + 1] < 0x90) ||
		    (l[i] == 0xf4 && l[i + 1] >= 0x90)))
			n = 0;
		if (n == 0)
			return perr(p, i, "scenario files are UTF-8 text; write "
			    "bytes as \\xNN or hex \"...\"", "expected UTF-8 "
			    "text, got byte 0x%02x", l[i]);
		i += n;
	}
	return 0;
}

/* Parse the current line. */
static int
parse_line(struct parser *p)
{
	const char *w;
	char hint[256], got[96];
	size_t wl;

	p->pos = 0;
	if (check_text(p) == -1)
		return -1;
	if (at_eol(p))
		return 0;
	if (!lex_word(p, &w, &wl))
		return perr(p, p->pos, "lines start with a directive such as "
		    "send or expect", "expected a directive, got %s",
		    parser_got(p, p->pos, got, sizeof(got)));
	if (p->in_merge && !word_is(w, wl, "send") && !word_is(w, wl, "end")) {
		snprintf(hint, sizeof(hint), "the merge block opened at line "
		    "%u holds only sends", p->sc->steps[p->stack[p->depth -
		    1]].line);
		return perr(p, p->pos - wl, hint, "expected 'send' or 'end' "
		    "inside merge, got %s", parser_got(p, p->pos - wl, got,
		    sizeof(got)));
	}
	if (word_is(w, wl, "name"))
		return parse_name(p);
	if (word_is(w, wl, "codec"))
		return parse_codec(p);
	if (word_is(w, wl, "service"))
		return parse_service(p);
	if (word_is(w, wl, "connections"))
		return parse_connections(p);
	if (word_is(w, wl, "rate"))
		return parse_rate(p);
	if (word_is(w, wl, "timeout"))
		return parse_timeout(p);
	if (word_is(w, wl, "max-frame"))
		return parse_max_frame(p);
	if (word_is(w, wl, "send"))
		return parse_send(p);
	if (word_is(w, wl, "expect"))
		return parse_expect(p);
	if (word_is(w, wl, "capture"))
		return parse_capture(p);
	if (word_is(w, wl, "wait"))
		return parse_wait(p);
	if (word_is(w, wl, "repeat"))
		return parse_repeat(p);
	if (word_is(w, wl, "merge"))
		return parse_merge(p);
	if (word_is(w, wl, "end"))
		return parse_end(p);
	if (word_is(w, wl, "close"))
		return parse_close(p, STEP_CLOSE);
	if (word_is(w, wl, "shutdown"))
		return parse_close(p, STEP_SHUTDOWN);
	return perr(p, p->pos - wl, nearest_hint(w, wl, directives, hint,
	    sizeof(hint)), "expected a directive, got %s",
	    parser_got(p, p->pos - wl, got, sizeof(got)));
}

/* Give the scenario its defaults and its name and directory from name. */
static struct scenario *
scenario_new(const char *name)
{
	struct scenario *sc = xcalloc(1, sizeof(*sc));
	const char *slash = strrchr(name, '/');

	sc->path = xstrdup(name);
	sc->dir = slash == NULL ? xstrdup(".") : slash == name ? xstrdup("/") :
	    xstrndup(name, (size_t)(slash - name));
	sc->name = xstrdup(slash == NULL ? name : slash + 1);
	sc->codec = codec_find("raw");
	sc->codec_name = xstrdup("raw");
	sc->stream = 1;
	sc->connections = 1;
	sc->timeout = SCENARIO_DEFAULT_TIMEOUT;
	sc->max_frame = CODEC_MAX_FRAME_DEFAULT;
	return sc;
}

/* A `header` on a send, an expect or a capture needs a codec whose
 * messages have one (jsonhdr, http); the codec may be set on any line, so
 * this is checked once the whole file is read. */
static int
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
		p->lineno = st->line;
		p->line = NULL;
		p->linelen = 0;
		return perr(p, 0, sends || !reads ? "only codec jsonhdr sends a "
		    "header; jsonhdr and http messages have one to expect" :
		    "only codec jsonhdr sends a header", "expected a codec "
		    "with headers for '%s', got codec %s", what, cn);
	}
	return 0;
}

struct scenario *
scenario_parse(const char *name, const char *text, size_t len, char *err,
    size_t errlen)
{
	struct parser p;
	size_t off = 0, eol, i;
	int rc = 0;

	memset(&p, 0, sizeof(p));
	p.name = name;
	p.err = err;
	p.errlen = errlen;
	p.sc = scenario_new(name);
	if (len > SCENARIO_MAX_FILE) {
		p.lineno = 1;
		perr(&p, 0, "split the scenario into smaller files",
		    "expected at most %d bytes, got %zu", SCENARIO_MAX_FILE,
		    len);
		rc = -1;
	}
	if (rc == 0 && len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	while (rc == 0 && off < len) {
		const char *nl = memchr(text + off, '\n', len - off);

		eol = nl != NULL ? (size_t)(nl - text) : len;
		p.lineno++;
		p.line = text + off;
		p.linelen = eol - off;
		if (p.linelen > 0 && p.line[p.linelen - 1] == '\r')
			p.linelen--;
		if (p.linelen > SCENARIO_MAX_LINE) {
			p.linelen = 0;
			perr(&p, 0, "split long payloads, or use send file",
			    "expected a line of at most %d bytes, got %zu",
			    SCENARIO_MAX_LINE, eol - off);
			rc = -1;
			break;
		}
		rc = parse_line(&p);
		off = eol + 1;
	}
	if (rc == 0 && p.depth > 0) {
		const struct step *open = &p.sc->steps[p.stack[p.depth - 1]];
		char hint[96];

		p.lineno = open->line;
		p.line = NULL;
		p.linelen = 0;
		snprintf(hint, sizeof(hint), "add 'end' after the last line of "
		    "the %s block", step_kind_name(open->kind));
		rc = perr(&p, 0, hint, "expected 'end' for the '%s' opened "
		    "here, got end of file", step_kind_name(open->kind));
	}
	if (rc == 0)
		rc = check_headers(&p);
	for (i = 0; i < p.ncaptures; i++)
		free(p.captures[i]);
	if (rc == -1) {
		scenario_free(p.sc);
		return NULL;
	}
	for (i = 0; i < p.sc->nsteps; i++) {
		struct step *st = &p.sc->steps[i];

		if (st->kind == STEP_EXPECT && st->u.expect.timeout < 0)
			st->u.expect.timeout = p.sc->timeout;
	}
	return p.sc;
}

struct scenario *
scenario_load(const char *path, char *err, size_t errlen)
{
	struct scenario *sc;
	struct buf b;
	char why[160];
	int too_big;

	buf_init(&b);
	if (read_file(path, SCENARIO_MAX_FILE, &b, &too_big, why,
	    sizeof(why)) == -1) {
		if (too_big)
			snprintf(err, errlen, "%s:1:1: expected at most %d bytes, "
			    "got more\nhint: split the scenario into smaller "
			    "files", path, SCENARIO_MAX_FILE);
		else
			snprintf(err, errlen, "%s: cannot read: %s", path, why);
		buf_free(&b);
		return NULL;
	}
	sc = scenario_parse(path, (const char *)bytes_of(&b), buf_len(&b), err,
	    errlen);
	buf_free(&b);
	return sc;
}

void
scenario_free(struct scenario *sc)
{
	size_t i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->nsteps; i++) {
		struct step *st = &sc->steps[i];

		switch (st->kind) {
		case STEP_SEND:
			tmpl_free(st->u.send.body);
			tmpl_free(st->u.send.head);
			break;
		case STEP_EXPECT:
			tmpl_free(st->u.expect.bytes);
			tmpl_free(st->u.expect.head);
			if (st->u.expect.pattern != NULL) {
				regfree(&st->u.expect.re);
				free(st->u.expect.pattern);
			}
			break;
		case STEP_CAPTURE:
			free(st->u.capture.name);
			free(st->u.capture.path);
			if (st->u.capture.pattern != NULL) {
				regfree(&st->u.capture.re);
				free(st->u.capture.pattern);
			}
			break;
		default:
			break;
		}
	}
	free(sc->steps);
	free(sc->path);
	free(sc->dir);
	free(sc->name);
	free(sc->codec_name);
	free(sc->service.name);
	free(sc->service.prefix);
	free(sc->service.suffix);
	free(sc->service.fixed);
	free(sc->service.root);
	free(sc);
}

const char *
step_kind_name(enum step_kind k)
{
	switch (k) {
	case STEP_SEND: return "send";
	case STEP_EXPECT: return "expect";
	case STEP_CAPTURE: return "capture";
	case STEP_WAIT: return "wait";
	case STEP_REPEAT: return "repeat";
	case STEP_MERGE: return "merge";
	case STEP_END: return "end";
	case STEP_CLOSE: return "close";
	case STEP_SHUTDOWN: return "shutdown";
	}
	return "?";
}

const char *
expect_kind_name(enum expect_kind k)
{
	switch (k) {
	case EXPECT_BYTES: return "bytes";
	case EXPECT_REGEX: return "regex";
	case EXPECT_JSON: return "json";
	case EXPECT_HEADER: return "header";
	case EXPECT_LENGTH: return "length";
	case EXPECT_CLOSE: return "close";
	case EXPECT_NOTHING: return "nothing";
	}
	return "?";
}
