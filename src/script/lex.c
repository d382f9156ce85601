/* The scenario language's token layer: a cursor over one line, the
 * readers of each kind of token, escapes, and located error messages. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "hex.h"
#include "lex.h"
#include "pyjson.h"
#include "scenario.h"
#include "util.h"

void
lex_put_utf8(struct buf *out, unsigned long cp)
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
	buf_append(out, u, n);
}

/* Decode \u{HEX} at s (s[1] == 'u'); bytes used, or -1. */
static ssize_t
lex_escape_unicode(const char *s, size_t n, struct buf *out)
{
	unsigned long cp = 0;
	size_t j = 3, nd = 0;

	if (n < 3 || s[2] != '{')
		return -1;
	while (j < n && hex_digit(s[j]) >= 0 && nd < 7) {
		cp = cp * 16 + (unsigned long)hex_digit(s[j]);
		j++;
		nd++;
	}
	if (nd < 1 || nd > 6 || j >= n || s[j] != '}' || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	lex_put_utf8(out, cp);
	return (ssize_t)(j + 1);
}

ssize_t
lex_escape(const char *s, size_t n, struct buf *out, const char **expected,
    const char **hint)
{
	static const char simple[] = "nrt0\\\"$";
	static const char value[] = "\n\r\t\0\\\"$";
	unsigned char byte;
	ssize_t used;
	size_t k;

	*expected = "an escape sequence";
	*hint = "escapes are " LEX_ESCAPES;
	if (n < 2)
		return -1;
	for (k = 0; simple[k] != '\0'; k++)
		if (s[1] == simple[k]) {
			buf_append(out, &value[k], 1);
			return 2;
		}
	if (s[1] == 'x') {
		if (n >= 4 && hex_digit(s[2]) >= 0 && hex_digit(s[3]) >= 0) {
			byte = (unsigned char)(hex_digit(s[2]) * 16 +
			    hex_digit(s[3]));
			buf_append(out, &byte, 1);
			return 4;
		}
		*expected = "\\xNN with two hex digits";
		*hint = "\\x takes exactly two hex digits, as in \\x0a";
		return -1;
	}
	if (s[1] == 'u') {
		if ((used = lex_escape_unicode(s, n, out)) > 0)
			return used;
		*expected = "\\u{HEX} with a valid code point";
		*hint = "write a Unicode scalar value as \\u{1F430} (1-6 hex "
		    "digits, not a surrogate)";
		return -1;
	}
	return -1;
}

int
lex_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

int
lex_ident_char(int c)
{
	return lex_ident_start(c) || (c >= '0' && c <= '9');
}

/* Column (1-based, counting UTF-8 characters) of byte offset off. */
unsigned
lex_col(const struct lexer *lx, size_t off)
{
	unsigned col = 1;
	size_t i;

	for (i = 0; i < off && i < lx->linelen; i++)
		if (((unsigned char)lx->line[i] & 0xc0) != 0x80)
			col++;
	if (off > lx->linelen)
		col += (unsigned)(off - lx->linelen);
	return col;
}

/* Write "name:line:col: message" and an optional hint line; returns -1. */
int
lex_error(struct lexer *lx, size_t off, const char *hint, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (hint != NULL)
		snprintf(lx->err, lx->errlen, "%s:%u:%u: %s\nhint: %s",
		    lx->name,
		    lx->lineno, lex_col(lx, off), msg, hint);
	else
		snprintf(lx->err, lx->errlen, "%s:%u:%u: %s", lx->name,
		    lx->lineno, lex_col(lx, off), msg);
	return -1;
}

int
lex_error_at(struct lexer *lx, unsigned lineno, unsigned col,
    const char *hint, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(lx->err, lx->errlen, "%s:%u:%u: %s%s%s", lx->name, lineno, col,
	    msg, hint != NULL ? "\nhint: " : "", hint != NULL ? hint : "");
	return -1;
}

/* Describe what stands at offset off for a "got ..." message. */
const char *
lex_got(const struct lexer *lx, size_t off, char *out, size_t outlen)
{
	size_t n = 0;

	if (off >= lx->linelen || lx->line[off] == '#') {
		snprintf(out, outlen, "end of line");
		return out;
	}
	/* Lines passed check_text: printable UTF-8, shown as written. */
	while (off + n < lx->linelen && n < 24 &&
	    !isspace((unsigned char)lx->line[off + n]))
		n++;
	while (n > 0 && off + n < lx->linelen &&
	    ((unsigned char)lx->line[off + n] & 0xc0) == 0x80)
		n--;
	snprintf(out, outlen, "'%.*s%s'", (int)n, lx->line + off,
	    off + n < lx->linelen && n == 24 &&
	    !isspace((unsigned char)lx->line[off + n]) ? "..." : "");
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
const char *
lex_nearest_hint(const char *w, size_t wl, const char *const *list, char *out,
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
void
lex_skip_ws(struct lexer *lx)
{
	while (lx->pos < lx->linelen &&
	    (lx->line[lx->pos] == ' ' || lx->line[lx->pos] == '\t'))
		lx->pos++;
}

/* Say whether only blanks or a comment remain on the line. */
int
lex_at_eol(struct lexer *lx)
{
	lex_skip_ws(lx);
	return lx->pos >= lx->linelen || lx->line[lx->pos] == '#';
}

/* Read a bare word (a run of non-blank characters) at pos; 0 if none. */
int
lex_word(struct lexer *lx, const char **w, size_t *wl)
{
	size_t s;

	if (lex_at_eol(lx) || lx->line[lx->pos] == '"' ||
	    lx->line[lx->pos] == '{' ||
	    lx->line[lx->pos] == '[')
		return 0;
	s = lx->pos;
	while (lx->pos < lx->linelen && lx->line[lx->pos] != ' ' &&
	    lx->line[lx->pos] != '\t')
		lx->pos++;
	*w = lx->line + s;
	*wl = lx->pos - s;
	return 1;
}

/* Read a bare word or fail with "expected what, got ...". */
int
lex_need_word(struct lexer *lx, const char *what, const char **w, size_t *wl)
{
	char got[96];

	if (lex_word(lx, w, wl))
		return 0;
	return lex_error(lx, lx->pos, NULL, "expected %s, got %s", what,
	    lex_got(lx, lx->pos, got, sizeof(got)));
}

/* Say whether word w of length wl equals s. */
int
lex_word_is(const char *w, size_t wl, const char *s)
{
	return strlen(s) == wl && memcmp(w, s, wl) == 0;
}

/* Fail unless the rest of the line is blank or a comment. */
int
lex_need_eol(struct lexer *lx, const char *what)
{
	char got[96];

	if (lex_at_eol(lx))
		return 0;
	return lex_error(lx, lx->pos, NULL, "expected %s, got %s", what,
	    lex_got(lx, lx->pos, got, sizeof(got)));
}

/* Add the placeholder at offset off to t, reporting errors in place. */
static int
lex_placeholder(struct lexer *lx, struct tmpl *t, size_t off, int json_str,
    size_t *used)
{
	char msg[256];
	ssize_t n;

	n = tmpl_add_placeholder(t, lx->line + off, lx->linelen - off, json_str,
	    msg, sizeof(msg));
	if (n == -1)
		return lex_error(lx, off, strncmp(msg, "in '${...}'", 11) == 0 ?
		    "${...} holds an expression: operators + - * / % .. == != "
		    "< <= > >= && || !, functions len int str hex upper lower "
		    "substr now_ms randint choice randstr" :
		    "write '$${' for a literal '${'", "%s", msg);
	if (lx->check_name(lx->check_arg, lx, t, off) == -1)
		return -1;
	*used = (size_t)n;
	return 0;
}

/* Read a quoted string with escapes at pos into t (with placeholders) or,
 * if t is NULL, into b (no placeholders). */
int
lex_string(struct lexer *lx, struct tmpl *t, struct buf *b)
{
	const char *l = lx->line;
	const char *expected, *hint;
	size_t start, i, run, used;
	struct buf lit;
	char got[96];
	int c;

	lex_skip_ws(lx);
	if (lx->pos >= lx->linelen || l[lx->pos] != '"')
		return lex_error(lx, lx->pos, NULL,
		    "expected a quoted string, got %s",
		    lex_got(lx, lx->pos, got, sizeof(got)));
	start = lx->pos;
	buf_init(&lit);
	for (i = start + 1; ; ) {
		if (i >= lx->linelen) {
			buf_free(&lit);
			snprintf(got, sizeof(got),
			    "the string opened at column "
			    "%u must end on the same line", lex_col(lx, start));
			return lex_error(lx, i, got,
			    "expected '\"' to end the string, "
			    "got end of line");
		}
		c = (unsigned char)l[i];
		if (c == '"')
			break;
		if (t != NULL && c == '$' && i + 2 < lx->linelen &&
		    l[i + 1] == '$' && l[i + 2] == '{') {
			buf_append(&lit, "${", 2);
			i += 3;
			continue;
		}
		if (t != NULL && c == '$' && i + 1 < lx->linelen &&
		    l[i + 1] == '{') {
			tmpl_add_lit(t, buf_data(&lit), buf_len(&lit));
			buf_reset(&lit);
			if (lex_placeholder(lx, t, i, 0, &used) == -1) {
				buf_free(&lit);
				return -1;
			}
			i += used;
			continue;
		}
		if (c != '\\') {
			run = i;
			while (i < lx->linelen && l[i] != '"' && l[i] != '\\' &&
			    (t == NULL || l[i] != '$'))
				i++;
			if (i == run)
				i++;
			buf_append(&lit, l + run, i - run);
			continue;
		}
		if ((used = (size_t)lex_escape(l + i, lx->linelen - i, &lit,
		    &expected, &hint)) == (size_t)-1) {
			buf_free(&lit);
			return lex_error(lx, i, hint, "expected %s, got %s",
			    expected, lex_got(lx, i, got, sizeof(got)));
		}
		i += used;
	}
	if (t != NULL)
		tmpl_add_lit(t, buf_data(&lit), buf_len(&lit));
	else
		buf_append(b, buf_data(&lit), buf_len(&lit));
	buf_free(&lit);
	lx->pos = i + 1;
	return 0;
}

/* Read a bare word at pos (a run up to a blank or the end of the line)
 * into t: each `${...}` a placeholder (blanks allowed inside it), `$${` a
 * literal `${`, the rest literal text. */
int
lex_word_tmpl(struct lexer *lx, struct tmpl *t)
{
	const char *l = lx->line;
	size_t i, run, used;

	lex_skip_ws(lx);
	for (i = run = lx->pos; i < lx->linelen && l[i] != ' ' && l[i] != '\t';
	    ) {
		if (l[i] == '$' && i + 2 < lx->linelen && l[i + 1] == '$' &&
		    l[i + 2] == '{') {
			tmpl_add_lit(t, l + run, i - run + 1);
			i += 2;
			run = i;
			continue;
		}
		if (l[i] == '$' && i + 1 < lx->linelen && l[i + 1] == '{') {
			tmpl_add_lit(t, l + run, i - run);
			if (lex_placeholder(lx, t, i, 0, &used) == -1)
				return -1;
			i += used;
			run = i;
			continue;
		}
		i++;
	}
	tmpl_add_lit(t, l + run, i - run);
	lx->pos = i;
	return 0;
}

/* Read a quoted string without placeholders into a new NUL-terminated
 * string; *len gets its length (it may hold NUL bytes). */
int
lex_plain(struct lexer *lx, char **out, size_t *len)
{
	struct buf b;

	buf_init(&b);
	if (lex_string(lx, NULL, &b) == -1) {
		buf_free(&b);
		return -1;
	}
	*len = buf_len(&b);
	*out = xmalloc(*len + 1);
	if (*len > 0)
		memcpy(*out, buf_data(&b), *len);
	(*out)[*len] = '\0';
	buf_free(&b);
	return 0;
}

/* Read a quoted string of hex byte pairs (blanks allowed between bytes). */
int
lex_hex(struct lexer *lx, struct buf *b)
{
	const char *l = lx->line;
	size_t i;
	char got[96];
	int hi;

	lex_skip_ws(lx);
	if (lx->pos >= lx->linelen || l[lx->pos] != '"')
		return lex_error(lx, lx->pos, NULL,
		    "expected a quoted hex string, "
		    "got %s", lex_got(lx, lx->pos, got, sizeof(got)));
	for (i = lx->pos + 1; i < lx->linelen && l[i] != '"'; ) {
		if (l[i] == ' ' || l[i] == '\t') {
			i++;
			continue;
		}
		if ((hi = hex_digit(l[i])) < 0)
			return lex_error(lx, i,
			    "hex strings hold pairs of 0-9a-f, "
			    "blanks allowed between bytes", "expected a hex "
			    "digit, got %s", lex_got(lx, i, got,
			    sizeof(got)));
		if (i + 1 >= lx->linelen || hex_digit(l[i + 1]) < 0)
			return lex_error(lx, i + 1,
			    "each byte is two hex digits; "
			    "the last pair is incomplete or broken",
			    "expected a second hex digit, got %s",
			    lex_got(lx, i + 1, got, sizeof(got)));
		{
			unsigned char byte = (unsigned char)(hi * 16 +
			    hex_digit(l[i + 1]));

			buf_append(b, &byte, 1);
		}
		i += 2;
	}
	if (i >= lx->linelen)
		return lex_error(lx, i, "strings end on the same line",
		    "expected '\"' to end the hex string, got end of line");
	lx->pos = i + 1;
	return 0;
}

/* Read a one-line JSON value at pos into a template; placeholders inside
 * strings are JSON-escaped when rendered. Validates with cJSON. */
int
lex_json(struct lexer *lx, struct tmpl *t, int want_object)
{
	const char *l = lx->line, *end = NULL;
	size_t start, i, run, used, soff = 0;
	int depth = 0, in_str = 0, scalar;
	struct buf dummy;
	cJSON *j;
	char got[96];

	lex_skip_ws(lx);
	/* want_object 2: any JSON value, a scalar (null, 5, "x", ${n})
	 * ending at a blank or at its closing quote. */
	scalar = want_object == 2 && lx->pos < lx->linelen &&
	    l[lx->pos] != '{' && l[lx->pos] != '[';
	if (want_object == 2)
		want_object = 0;
	if (lx->pos >= lx->linelen || (!scalar && l[lx->pos] != '{' &&
	    (want_object || l[lx->pos] != '[')))
		return lex_error(lx, lx->pos,
		    "JSON goes on the same line, as in "
		    "{\"key\": \"value\"}", "expected a JSON %s, got %s",
		    want_object ? "object" : "object or array",
		    lex_got(lx, lx->pos, got, sizeof(got)));
	start = lx->pos;
	for (i = start, run = start; i < lx->linelen; ) {
		char c = l[i];

		if (c == '$' && i + 2 < lx->linelen && l[i + 1] == '$' &&
		    l[i + 2] == '{') {
			tmpl_add_lit(t, l + run, i - run);
			tmpl_add_lit(t, "${", 2);
			i += 3;
			run = i;
			continue;
		}
		if (c == '$' && i + 1 < lx->linelen && l[i + 1] == '{') {
			tmpl_add_lit(t, l + run, i - run);
			if (lex_placeholder(lx, t, i, in_str, &used) == -1)
				return -1;
			i += used;
			run = i;
			continue;
		}
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"') {
				in_str = 0;
				if (scalar) {
					i++;
					break;
				}
			}
		} else if (scalar && (c == ' ' || c == '\t'))
			break;
		else if (c == '"')
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
	if (depth != 0 || in_str || i > lx->linelen) {
		snprintf(got, sizeof(got), "the JSON value opened at column %u "
		    "must end on the same line", lex_col(lx, start));
		return lex_error(lx, lx->linelen, got,
		    "expected '%c' to close the "
		    "JSON %s, got end of line", in_str ? '"' :
		    l[start] == '{' ? '}' : ']', in_str ? "string" : "value");
	}
	tmpl_add_lit(t, l + run, i - run);
	buf_init(&dummy);
	tmpl_render_dummy(t, &dummy);
	j = cJSON_ParseWithLengthOpts((const char *)buf_data(&dummy),
	    buf_len(&dummy), &end, 0);
	if (j == NULL || !pyjson_strict((const char *)buf_data(&dummy),
	    buf_len(&dummy), &soff)) {
		size_t eo = j == NULL ? (end != NULL ?
		    (size_t)(end - (const char *)buf_data(&dummy)) : 0) : soff;
		int esc = eo < buf_len(&dummy) && buf_data(&dummy)[eo] == '\\';

		/* cJSON takes "\u{1F436}" and leading zeros; JSON does not,
		 * and neither does a Python peer. */
		cJSON_Delete(j);
		buf_free(&dummy);
		if (eo > i - start)
			eo = i - start;
		return lex_error(lx, start + eo, esc ?
		    "JSON escapes are \\\" \\\\ \\/ "
		    "\\b \\f \\n \\r \\t and \\uHHHH (\\ud83d\\udc36 for U+1F436), "
		    "or write the character itself" :
		    "JSON strings need double "
		    "quotes; placeholders outside strings must render as numbers",
		    "expected valid JSON, got %s at offset %zu of the value",
		    lex_got(lx, start + eo, got, sizeof(got)), eo);
	}
	cJSON_Delete(j);
	buf_free(&dummy);
	lx->pos = i;
	return 0;
}

/* Read an unsigned decimal number no larger than max. */
int
lex_uint(struct lexer *lx, const char *what, uint64_t max, uint64_t *out)
{
	const char *w;
	size_t wl, i;
	uint64_t v = 0;
	char got[96];

	if (lex_need_word(lx, what, &w, &wl) == -1)
		return -1;
	for (i = 0; i < wl; i++) {
		if (!isdigit((unsigned char)w[i]))
			return lex_error(lx, lx->pos - wl, NULL,
			    "expected %s, got %s",
			    what, lex_got(lx, lx->pos - wl, got, sizeof(got)));
		if (v > (max - (uint64_t)(w[i] - '0')) / 10)
			return lex_error(lx, lx->pos - wl,
			    "the number is too large",
			    "expected %s of at most %llu, got %s", what,
			    (unsigned long long)max,
			    lex_got(lx, lx->pos - wl, got, sizeof(got)));
		v = v * 10 + (uint64_t)(w[i] - '0');
	}
	*out = v;
	return 0;
}

/* Convert word w to seconds; -1 if it is not a bounded duration. */
double
lex_word_duration(const char *w, size_t wl)
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
int
lex_duration(struct lexer *lx, const char *what, double *out)
{
	const char *w;
	size_t wl;
	char got[96];

	if (lex_need_word(lx, what, &w, &wl) == -1)
		return -1;
	if ((*out = lex_word_duration(w, wl)) < 0)
		return lex_error(lx, lx->pos - wl,
		    "durations look like 500ms, 2s, "
		    "1.5 (seconds) or 1m, at most one week",
		    "expected %s, got %s", what,
		    lex_got(lx, lx->pos - wl, got, sizeof(got)));
	return 0;
}

/* Read a path: a quoted string or a bare word; new string in *out. */
int
lex_path(struct lexer *lx, const char *what, char **out)
{
	const char *w;
	size_t wl;
	char got[96];

	lex_skip_ws(lx);
	if (lx->pos < lx->linelen && lx->line[lx->pos] == '"') {
		size_t start = lx->pos;

		if (lex_plain(lx, out, &wl) == -1)
			return -1;
		if (wl == 0 || strlen(*out) != wl) {
			free(*out);
			*out = NULL;
			return lex_error(lx, start, NULL,
			    "expected %s, got an empty "
			    "path or one with a NUL byte", what);
		}
		return 0;
	}
	if (!lex_word(lx, &w, &wl))
		return lex_error(lx, lx->pos, NULL, "expected %s, got %s", what,
		    lex_got(lx, lx->pos, got, sizeof(got)));
	*out = xstrndup(w, wl);
	return 0;
}

/* Refuse what makes glibc's regcomp or regexec blow up in time or memory:
 * repetition operators stacked on one atom ("a+++", "a{9}{9}") and {n,m}
 * counts whose product passes 10000 (-1), and backreferences \1-\9 (-2):
 * POSIX ERE as glibc's regcomp reads it accepts them, but matching them
 * backtracks, exponential in the input length, inside one regexec call
 * that nothing can interrupt. Without them glibc matches in time linear
 * in the input (bounded by --max-frame). 0, or -1/-2 with a reason in why. */
int
lex_regex_bounded(const char *pat, char *why, size_t whylen)
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
				if (*end == ',' &&
				    isdigit((unsigned char)end[1]))
					hi = strtoul(end + 1, &end, 10);
				product *= (double)(hi > 1 ? hi : 1);
				if (product > 10000) {
					snprintf(why, whylen,
					    "{n,m} counts that "
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

/* Check pattern pat[0..len) (lexed at line offset at) is bounded and
 * compile it into re; pat is freed on failure. */
static int
lex_regex_compile(struct lexer *lx, size_t at, char *pat, size_t len,
    regex_t *re, const char *nul_hint, const char *hint)
{
	char msg[160], h[160];
	int rc;

	if (strlen(pat) != len) {
		free(pat);
		return lex_error(lx, at, nul_hint,
		    "expected a pattern without NUL "
		    "bytes, got one");
	}
	if ((rc = lex_regex_bounded(pat, msg, sizeof(msg))) == -2) {
		free(pat);
		return lex_error(lx, at,
		    "backreferences make matching take time "
		    "exponential in the reply's length, which would hold the "
		    "event loop and every timeout; capture the part with "
		    "`capture` and compare it in a later expect",
		    "expected a regex without backreferences, got %s", msg);
	}
	if (rc == -1) {
		free(pat);
		return lex_error(lx, at,
		    "one of * + ? {n,m} per atom; group with ( ) "
		    "to repeat a repetition",
		    "expected a bounded regex, got %s",
		    msg);
	}
	if ((rc = regcomp(re, pat, REG_EXTENDED)) != 0) {
		regerror(rc, re, msg, sizeof(msg));
		free(pat);
		snprintf(h, sizeof(h), "patterns are POSIX extended regular "
		    "expressions; %s", hint);
		return lex_error(lx, at, h,
		    "expected a valid regex, got one that "
		    "fails: %s", msg);
	}
	return 0;
}

/* Lex a quoted pattern that may hold ${...} placeholders: without any it
 * is checked and compiled now; with some, *t gets the template, checked
 * for NUL bytes in its literal parts, and *pattern the text as written. */
int
lex_regex_tmpl(struct lexer *lx, regex_t *re, char **pattern,
    struct tmpl **t, const char *nul_hint, const char *hint)
{
	struct tmpl *tp = tmpl_new();
	struct buf tmp;
	const unsigned char *lit;
	char *pat;
	size_t len, at, end, i;

	*t = NULL;
	lex_skip_ws(lx);
	at = lx->pos;
	if (lex_string(lx, tp, NULL) == -1) {
		tmpl_free(tp);
		return -1;
	}
	end = lx->pos;
	if (!tp->dynamic) {
		buf_init(&tmp);
		lit = tmpl_literal(tp, &tmp, &len);
		pat = xmalloc(len + 1);
		if (len > 0)
			memcpy(pat, lit, len);
		pat[len] = '\0';
		buf_free(&tmp);
		tmpl_free(tp);
		if (lex_regex_compile(lx, at, pat, len, re, nul_hint,
		    hint) == -1)
			return -1;
		*pattern = pat;
		return 0;
	}
	for (i = 0; i < tp->nparts; i++)
		if (tp->parts[i].kind == TP_LIT &&
		    memchr(tp->parts[i].lit, '\0', tp->parts[i].len) != NULL) {
			tmpl_free(tp);
			return lex_error(lx, at, nul_hint, "expected a pattern "
			    "without NUL bytes, got one");
		}
	/* Check the literal parts now, each placeholder as a neutral "x"
	 * (what an escaped value is to the pattern's structure): a
	 * backreference, an unmatched '(' or a** is refused at file:line:col
	 * here, not on every connection at run time. Not for `regex raw`,
	 * whose values are pattern text (checked when the step runs). */
	if (!lx->regex_raw) {
		regex_t chk;

		buf_init(&tmp);
		for (i = 0; i < tp->nparts; i++)
			if (tp->parts[i].kind == TP_LIT)
				buf_append(&tmp, tp->parts[i].lit,
				    tp->parts[i].len);
			else
				buf_append(&tmp, "x", 1);
		len = buf_len(&tmp);
		pat = xmalloc(len + 1);
		if (len > 0)
			memcpy(pat, buf_data(&tmp), len);
		pat[len] = '\0';
		buf_free(&tmp);
		if (lex_regex_compile(lx, at, pat, len, &chk, nul_hint,
		    hint) == -1) {
			tmpl_free(tp);
			return -1;
		}
		regfree(&chk);
		free(pat);
	}
	/* For reports: the text with escapes decoded, as a literal pattern
	 * shows, and each placeholder as written. */
	lx->pos = at;
	if (lex_plain(lx, pattern, &len) == -1) {
		tmpl_free(tp);
		return -1;
	}
	lx->pos = end;
	*t = tp;
	return 0;
}

/* Check one line for NUL, control characters and invalid UTF-8. */
int
lex_check_text(struct lexer *lx)
{
	const unsigned char *l = (const unsigned char *)lx->line;
	size_t i = 0, n, k;

	while (i < lx->linelen) {
		if (l[i] == 0)
			return lex_error(lx, i,
			    "scenario files are UTF-8 text; write "
			    "bytes as \\xNN or hex \"...\"", "expected text, "
			    "got a NUL byte");
		if ((l[i] < 0x20 && l[i] != '\t') || l[i] == 0x7f)
			return lex_error(lx, i,
			    "scenario files are UTF-8 text; write "
			    "bytes as \\xNN or hex \"...\"", "expected text, "
			    "got control byte 0x%02x", l[i]);
		if (l[i] < 0x80) {
			i++;
			continue;
		}
		n = l[i] >= 0xc2 && l[i] <= 0xdf ? 2 : l[i] >= 0xe0 &&
		    l[i] <= 0xef ? 3 : l[i] >= 0xf0 && l[i] <= 0xf4 ? 4 : 0;
		for (k = 1; n > 0 && k < n; k++)
			if (i + k >= lx->linelen || (l[i + k] & 0xc0) != 0x80)
				n = 0;
		if (n == 3 && ((l[i] == 0xe0 && l[i + 1] < 0xa0) ||
		    (l[i] == 0xed && l[i + 1] >= 0xa0)))
			n = 0;
		if (n == 4 && ((l[i] == 0xf0 && l[i + 1] < 0x90) ||
		    (l[i] == 0xf4 && l[i + 1] >= 0x90)))
			n = 0;
		if (n == 0)
			return lex_error(lx, i,
			    "scenario files are UTF-8 text; write "
			    "bytes as \\xNN or hex \"...\"", "expected UTF-8 "
			    "text, got byte 0x%02x", l[i]);
		i += n;
	}
	return 0;
}

enum lex_token
lex_peek(struct lexer *lx)
{
	if (lex_at_eol(lx))
		return LEX_EOL;
	switch (lx->line[lx->pos]) {
	case '"':
		return LEX_STRING;
	case '{':
	case '[':
		return LEX_JSON;
	default:
		return LEX_WORD;
	}
}
