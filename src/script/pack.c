/* Message builders and binary helpers: `send pack`, `send hex` with
 * ${...}, `send request`, `send command`, `expect hex` patterns with
 * wildcards and masks, and `capture NAME u16be at N`. Parsing goes
 * through the lexer (errors at file:line:col), rendering happens per
 * connection when the step runs. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cJSON.h>
#include "hex.h"
#include "pack.h"
#include "parse.h"
#include "util.h"

/* The types, in enum pack_type order. */
static const struct {
	const char	*name;
	unsigned	 width;		/* bytes; 0 for bytes and hex */
	unsigned	 le;		/* little-endian */
	unsigned	 sgn;		/* two's complement signed */
} pack_types[] = {
	{ "u8", 1, 0, 0 }, { "u16be", 2, 0, 0 }, { "u16le", 2, 1, 0 },
	{ "u24be", 3, 0, 0 }, { "u32be", 4, 0, 0 }, { "u32le", 4, 1, 0 },
	{ "u64be", 8, 0, 0 }, { "u64le", 8, 1, 0 }, { "i8", 1, 0, 1 },
	{ "i16be", 2, 0, 1 }, { "i16le", 2, 1, 1 }, { "i32be", 4, 0, 1 },
	{ "i32le", 4, 1, 1 }, { "bytes", 0, 0, 0 }, { "hex", 0, 0, 0 }
};
#define PACK_NTYPES	(sizeof(pack_types) / sizeof(pack_types[0]))

/* The type names, for hints. */
static const char *const pack_names[] = {
	"u8", "u16be", "u16le", "u24be", "u32be", "u32le", "u64be", "u64le",
	"i8", "i16be", "i16le", "i32be", "i32le", "bytes", "hex", NULL
};

#define PACK_TYPES_HINT	"pack types: u8 u16be u16le u24be u32be u32le u64be " \
	"u64le i8 i16be i16le i32be i32le, bytes \"...\", hex \"...\""

int
pack_type_find(const char *w, size_t wl, int ints_only)
{
	size_t i;

	for (i = 0; i < PACK_NTYPES; i++)
		if (strlen(pack_types[i].name) == wl &&
		    memcmp(pack_types[i].name, w, wl) == 0)
			return ints_only && pack_types[i].width == 0 ? -1 :
			    (int)i;
	return -1;
}

const char *
pack_type_name(enum pack_type t)
{
	return pack_types[t].name;
}

size_t
pack_type_width(enum pack_type t)
{
	return pack_types[t].width;
}

/* The range of integer type t: [*lo, *hi] as signed for signed types, and
 * [0, *uhi] for unsigned ones. */
static void
pack_range(enum pack_type t, int64_t *lo, int64_t *hi, uint64_t *uhi)
{
	unsigned bits = pack_types[t].width * 8;

	if (pack_types[t].sgn) {
		*hi = (int64_t)((UINT64_C(1) << (bits - 1)) - 1);
		*lo = -*hi - 1;
		*uhi = (uint64_t)*hi;
	} else {
		*lo = 0;
		*uhi = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
		*hi = *uhi > INT64_MAX ? INT64_MAX : (int64_t)*uhi;
	}
}

/* Write "expected a value LO..HI for TYPE" into out. */
static void
pack_range_text(enum pack_type t, char *out, size_t outlen)
{
	int64_t lo, hi;
	uint64_t uhi;

	pack_range(t, &lo, &hi, &uhi);
	if (pack_types[t].sgn)
		snprintf(out, outlen, "expected a value %" PRId64 "..%" PRId64
		    " for %s", lo, hi, pack_types[t].name);
	else
		snprintf(out, outlen, "expected a value 0..%" PRIu64 " for %s",
		    uhi, pack_types[t].name);
}

/* Append the low width bytes of bits in t's byte order. */
static void
pack_put_bits(enum pack_type t, uint64_t bits, struct buf *out)
{
	unsigned char b[8];
	size_t w = pack_types[t].width, i;

	for (i = 0; i < w; i++)
		b[pack_types[t].le ? i : w - 1 - i] =
		    (unsigned char)(bits >> (8 * i));
	buf_append(out, b, w);
}

int
pack_put(enum pack_type t, int64_t v, struct buf *out, char *err,
    size_t errlen)
{
	int64_t lo, hi;
	uint64_t uhi;
	char what[96];

	pack_range(t, &lo, &hi, &uhi);
	if (v < lo || v > hi) {
		pack_range_text(t, what, sizeof(what));
		snprintf(err, errlen, "%s, got %" PRId64, what, v);
		return -1;
	}
	pack_put_bits(t, (uint64_t)v, out);
	return 0;
}

int
pack_hex_decode(const char *s, size_t n, struct buf *out, size_t *bad,
    char *why, size_t whylen)
{
	size_t i = 0;
	unsigned char byte;

	while (i < n) {
		if (s[i] == ' ' || s[i] == '\t') {
			i++;
			continue;
		}
		if (hex_digit((unsigned char)s[i]) < 0) {
			*bad = i;
			snprintf(why, whylen, "expected a hex digit, got '%s%c'",
			    isprint((unsigned char)s[i]) ? "" : "\\",
			    isprint((unsigned char)s[i]) ? s[i] : '?');
			return -1;
		}
		if (i + 1 >= n || hex_digit((unsigned char)s[i + 1]) < 0) {
			*bad = i + 1;
			snprintf(why, whylen, "expected a second hex digit, got %s",
			    i + 1 >= n ? "the end (an odd number of digits)" :
			    "another character");
			return -1;
		}
		byte = (unsigned char)(hex_digit((unsigned char)s[i]) * 16 +
		    hex_digit((unsigned char)s[i + 1]));
		buf_append(out, &byte, 1);
		i += 2;
	}
	return 0;
}

int
pack_pattern_compile(const char *s, size_t n, struct pack_pattern *pat,
    size_t *bad, char *why, size_t whylen)
{
	unsigned char v, m;
	size_t i = 0;

	buf_init(&pat->val);
	buf_init(&pat->mask);
	while (i < n) {
		if (s[i] == ' ' || s[i] == '\t') {
			i++;
			continue;
		}
		if (s[i] == '?') {
			if (i + 1 >= n || s[i + 1] != '?') {
				*bad = i;
				snprintf(why, whylen, "expected '?\?' for any "
				    "byte, got a single '?'");
				goto fail;
			}
			v = m = 0;
			i += 2;
		} else {
			if (hex_digit((unsigned char)s[i]) < 0) {
				*bad = i;
				snprintf(why, whylen, "expected a hex digit or "
				    "'?\?', got '%c'", isprint((unsigned char)
				    s[i]) ? s[i] : '?');
				goto fail;
			}
			if (i + 1 >= n || hex_digit((unsigned char)s[i + 1]) < 0) {
				*bad = i + 1;
				snprintf(why, whylen, "expected a second hex "
				    "digit, got %s", i + 1 >= n ? "the end (an "
				    "odd number of digits)" : "another character");
				goto fail;
			}
			v = (unsigned char)(hex_digit((unsigned char)s[i]) * 16 +
			    hex_digit((unsigned char)s[i + 1]));
			m = 0xff;
			i += 2;
		}
		if (i < n && s[i] == '/') {
			if (i + 2 >= n || hex_digit((unsigned char)s[i + 1])
			    < 0 || hex_digit((unsigned char)s[i + 2]) < 0) {
				*bad = i + 1;
				snprintf(why, whylen, "expected two hex digits of "
				    "a mask after '/'");
				goto fail;
			}
			if (m == 0) {
				*bad = i;
				snprintf(why, whylen, "expected no mask after "
				    "'?\?' (it matches any byte already)");
				goto fail;
			}
			m = (unsigned char)(hex_digit((unsigned char)s[i + 1]) *
			    16 + hex_digit((unsigned char)s[i + 2]));
			i += 3;
		}
		buf_append(&pat->val, &v, 1);
		buf_append(&pat->mask, &m, 1);
	}
	return 0;
fail:
	pack_pattern_free(pat);
	return -1;
}

void
pack_pattern_free(struct pack_pattern *pat)
{
	buf_free(&pat->val);
	buf_free(&pat->mask);
}

size_t
pack_pattern_len(const struct pack_pattern *pat)
{
	return buf_len(&pat->val);
}

size_t
pack_pattern_diff(const struct pack_pattern *pat, const unsigned char *p,
    size_t n)
{
	const unsigned char *v = buf_data(&pat->val), *m = buf_data(&pat->mask);
	size_t i, pn = buf_len(&pat->val);

	for (i = 0; i < n && i < pn; i++)
		if ((p[i] & m[i]) != (v[i] & m[i]))
			break;
	return i;
}

/* Parsing. */

/* Scan the quoted hex string at pos without reading it: *dynamic says
 * whether it holds placeholders, and then every character outside ${...}
 * must be a hex digit or a blank (or, for a pattern, '?' and '/'); *end
 * is the offset of its closing quote. */
static int
pack_hex_scan(struct lexer *lx, int pattern, int *dynamic, size_t *end)
{
	const char *l = lx->line;
	char got[96];
	size_t i;

	lex_skip_ws(lx);
	if (lx->pos >= lx->linelen || l[lx->pos] != '"')
		return lex_error(lx, lx->pos, NULL, "expected a quoted hex "
		    "string, got %s", lex_got(lx, lx->pos, got, sizeof(got)));
	*dynamic = 0;
	for (i = lx->pos + 1; i < lx->linelen && l[i] != '"'; i++) {
		if (l[i] == '$' && i + 1 < lx->linelen && l[i + 1] == '{') {
			*dynamic = 1;
			i = parse_brace_end(lx, i);
			if (i >= lx->linelen)
				return lex_error(lx, i, NULL, "expected '}' to "
				    "close '${', got end of line");
		}
	}
	if (i >= lx->linelen)
		return lex_error(lx, i, "strings end on the same line",
		    "expected '\"' to end the hex string, got end of line");
	*end = i;
	/* Without placeholders the literal's own reader reports faults. */
	for (i = lx->pos + 1; *dynamic && i < lx->linelen && l[i] != '"';
	    i++) {
		if (l[i] == '$' && i + 1 < lx->linelen && l[i + 1] == '{') {
			i = parse_brace_end(lx, i);
			continue;
		}
		if (l[i] == ' ' || l[i] == '\t' || hex_digit((unsigned char)
		    l[i]) >= 0 || (pattern && (l[i] == '?' || l[i] == '/')))
			continue;
		if (isprint((unsigned char)l[i]))
			snprintf(got, sizeof(got), "'%c'", l[i]);
		else
			lex_got(lx, i, got, sizeof(got));
		return lex_error(lx, i, pattern ? "hex patterns hold byte pairs "
		    "(blanks allowed), ?? for any byte, XX/MM for a bit mask, "
		    "${...} for computed hex" : "hex strings hold pairs of "
		    "0-9a-f (blanks allowed) and ${...} for computed hex",
		    "expected a hex digit%s, got %s", pattern ? ", '?\?' or a "
		    "mask" : "", got);
	}
	return 0;
}

/* Read a hex string that may hold ${...}: literal bytes into *lit (and
 * *t NULL), or its text into a new template *t. */
static int
pack_hex_tmpl(struct parser *p, struct tmpl **t, struct buf *lit)
{
	struct lexer *lx = &p->lx;
	size_t end, at;
	int dyn;

	*t = NULL;
	if (pack_hex_scan(lx, 0, &dyn, &end) == -1)
		return -1;
	at = lx->pos;
	if (!dyn)
		return lex_hex(lx, lit);
	lx->pos = at;
	*t = tmpl_new();
	return lex_string(lx, *t, NULL);
}

int
pack_parse_send_hex(struct parser *p, struct step_send *s)
{
	struct tmpl *t;
	struct buf b;
	int rc;

	buf_init(&b);
	rc = pack_hex_tmpl(p, &t, &b);
	if (rc == 0 && t == NULL)
		tmpl_add_lit(s->body, buf_data(&b), buf_len(&b));
	else if (rc == 0) {
		s->build = xcalloc(1, sizeof(*s->build));
		s->build->kind = PACK_BUILD_HEX;
		s->build->hex = t;
	} else
		tmpl_free(t);
	buf_free(&b);
	return rc;
}

/* Read an integer literal at pos: [-]DIGITS or 0xHEX, ending at a blank,
 * ',' or the end of the line, into *v (its bit pattern) checked against
 * type t. */
static int
pack_literal(struct lexer *lx, enum pack_type t, int64_t *v)
{
	const char *l = lx->line;
	size_t at = lx->pos, i = at, end;
	uint64_t mag = 0, uhi;
	int64_t lo, hi;
	int neg = 0, base = 10, d, over = 0;
	char got[96], what[96];

	for (end = at; end < lx->linelen && l[end] != ' ' && l[end] != '\t' &&
	    l[end] != ','; end++)
		;
	if (i < end && l[i] == '-') {
		neg = 1;
		i++;
	}
	if (end - i > 2 && l[i] == '0' && (l[i + 1] == 'x' || l[i + 1] == 'X')) {
		base = 16;
		i += 2;
	}
	if (i >= end)
		goto bad;
	for (; i < end; i++) {
		d = base == 16 ? hex_digit((unsigned char)l[i]) :
		    (isdigit((unsigned char)l[i]) ? l[i] - '0' : -1);
		if (d < 0)
			goto bad;
		if (mag > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			over = 1;
		else
			mag = mag * (uint64_t)base + (uint64_t)d;
	}
	pack_range(t, &lo, &hi, &uhi);
	if (over || (neg && (lo == 0 ? mag > 0 : mag > (uint64_t)hi + 1)) ||
	    (!neg && mag > uhi)) {
		pack_range_text(t, what, sizeof(what));
		if (neg && !pack_types[t].sgn)
			snprintf(got, sizeof(got), "%s is unsigned; the i types "
			    "(i8, i16be, ...) take negative values",
			    pack_types[t].name);
		else
			snprintf(got, sizeof(got), "%s is %u byte%s%s; a wider "
			    "type holds more", pack_types[t].name,
			    pack_types[t].width, pack_types[t].width > 1 ? "s" :
			    "", pack_types[t].sgn ? ", two's complement" : "");
		return lex_error(lx, at, got, "%s, got %.*s", what,
		    (int)(end - at), l + at);
	}
	*v = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	lx->pos = end;
	return 0;
bad:
	return lex_error(lx, at, "values are decimal (-2, 300), 0x hex (0xff) "
	    "or ${...}", "expected a number for %s, got %s",
	    pack_types[t].name, lex_got(lx, at, got, sizeof(got)));
}

/* Read a type name (letters and digits) at pos into w/wl; 0 if none. */
static int
pack_ident(struct lexer *lx, const char **w, size_t *wl)
{
	size_t i;

	lex_skip_ws(lx);
	for (i = lx->pos; i < lx->linelen && isalnum((unsigned char)
	    lx->line[i]); i++)
		;
	*w = lx->line + lx->pos;
	*wl = i - lx->pos;
	lx->pos = i;
	return *wl > 0;
}

/* One field of `send pack`: TYPE VALUE, bytes "...", or hex "...". */
static int
pack_parse_item(struct parser *p, struct pack_send *b)
{
	struct lexer *lx = &p->lx;
	struct pack_item *it;
	const char *w;
	char hint[256], got[96];
	size_t wl, at;
	struct buf lit;
	int t;

	lex_skip_ws(lx);
	at = lx->pos;
	if (!pack_ident(lx, &w, &wl) || (t = pack_type_find(w, wl, 0)) < 0) {
		lx->pos = at;
		if (lex_word(lx, &w, &wl))
			lex_nearest_hint(w, wl, pack_names, hint, sizeof(hint));
		else
			snprintf(hint, sizeof(hint), "%s", PACK_TYPES_HINT);
		return lex_error(lx, at, hint, "expected a pack type, got %s",
		    lex_got(lx, at, got, sizeof(got)));
	}
	if (b->nitems >= PACK_MAX_ITEMS)
		return lex_error(lx, at, NULL, "expected at most %d pack fields, "
		    "got more", PACK_MAX_ITEMS);
	b->items = xrealloc(b->items, (b->nitems + 1) * sizeof(*b->items));
	it = &b->items[b->nitems++];
	memset(it, 0, sizeof(*it));
	it->type = (enum pack_type)t;
	if (it->type == PACK_BYTES) {
		it->t = tmpl_new();
		return lex_string(lx, it->t, NULL);
	}
	if (it->type == PACK_HEX) {
		buf_init(&lit);
		if (pack_hex_tmpl(p, &it->t, &lit) == -1) {
			buf_free(&lit);
			return -1;
		}
		if (it->t == NULL) {
			it->t = tmpl_new();
			tmpl_add_lit(it->t, buf_data(&lit), buf_len(&lit));
			it->hex_lit = 1;
		}
		buf_free(&lit);
		return 0;
	}
	lex_skip_ws(lx);
	if (lx->pos + 1 < lx->linelen && lx->line[lx->pos] == '$' &&
	    lx->line[lx->pos + 1] == '{')
		return parse_brace_expr(p, lx->pos, &it->e);
	if (lx->pos >= lx->linelen)
		return lex_error(lx, lx->pos, "as in: send pack u8 1, u16be ${n}",
		    "expected a value for %s, got end of line", pack_types[t].name);
	return pack_literal(lx, it->type, &it->lit);
}

/* `send pack ITEM, ITEM, ...`. */
static int
pack_parse_pack(struct parser *p, struct pack_send *b)
{
	struct lexer *lx = &p->lx;
	const char *w;
	size_t wl, at;

	for (;;) {
		if (pack_parse_item(p, b) == -1)
			return -1;
		lex_skip_ws(lx);
		if (lx->pos < lx->linelen && lx->line[lx->pos] == ',') {
			lx->pos++;
			continue;
		}
		at = lx->pos;
		if (pack_ident(lx, &w, &wl) && pack_type_find(w, wl, 0) >= 0)
			return lex_error(lx, at, "as in: send pack u8 1, u16be 2",
			    "expected ',' between pack fields, got '%.*s'",
			    (int)wl, w);
		lx->pos = at;
		return 0;
	}
}

/* Say whether c may appear in an HTTP token (RFC 9110, 5.6.2). */
static int
pack_tchar(int c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) !=
	    NULL);
}

/* Turn the header object text json[0..len) into "Name: value" lines
 * (strings, numbers and booleans as their text; an array repeats the
 * header), saying whether Host and Content-Type are among them. -1 with
 * a reason in why. */
static int
pack_headers(const char *json, size_t len, char ***lines, size_t *n,
    int *has_host, int *has_ctype, char *why, size_t whylen)
{
	const cJSON *it, *v, *one;
	cJSON *j;
	char *s;
	size_t k;
	int rc = -1;

	*has_host = *has_ctype = 0;
	if ((j = cJSON_ParseWithLength(json, len)) == NULL ||
	    !cJSON_IsObject(j)) {
		snprintf(why, whylen, "the header object is not valid JSON "
		    "after substituting variables");
		goto done;
	}
	cJSON_ArrayForEach(it, j) {
		for (k = 0; it->string[k] != '\0'; k++)
			if (!pack_tchar((unsigned char)it->string[k]))
				break;
		if (k == 0 || it->string[k] != '\0') {
			snprintf(why, whylen, "expected a header name that is an "
			    "HTTP token, got '%.60s'", it->string);
			goto done;
		}
		if (strcasecmp(it->string, "host") == 0)
			*has_host = 1;
		if (strcasecmp(it->string, "content-type") == 0)
			*has_ctype = 1;
		one = cJSON_IsArray(it) ? it->child : it;
		for (v = one; v != NULL; v = cJSON_IsArray(it) ? v->next : NULL) {
			if (*n >= PACK_MAX_HEADERS) {
				snprintf(why, whylen, "expected at most %d "
				    "headers, got more", PACK_MAX_HEADERS);
				goto done;
			}
			if (cJSON_IsString(v))
				s = xstrdup(v->valuestring);
			else if (cJSON_IsNumber(v) || cJSON_IsBool(v)) {
				char *pr = cJSON_PrintUnformatted(v);

				s = xstrdup(pr != NULL ? pr : "");
				cJSON_free(pr);
			} else {
				snprintf(why, whylen, "expected header '%.60s' to be "
				    "a string, a number or an array of them",
				    it->string);
				goto done;
			}
			if (strpbrk(s, "\r\n") != NULL) {
				snprintf(why, whylen, "expected header '%.60s' on "
				    "one line, got a CR or LF in its value",
				    it->string);
				free(s);
				goto done;
			}
			*lines = xrealloc(*lines, (*n + 1) * sizeof(**lines));
			k = strlen(it->string) + strlen(s) + 3;
			(*lines)[*n] = xmalloc(k);
			snprintf((*lines)[(*n)++], k, "%s: %s", it->string, s);
			free(s);
		}
	}
	rc = 0;
done:
	cJSON_Delete(j);
	return rc;
}

/* Free n header lines. */
static void
pack_lines_free(char **lines, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* `send request METHOD "PATH" [header {...}] [body "..." | json {...}]`. */
static int
pack_parse_request(struct parser *p, struct pack_send *b)
{
	struct lexer *lx = &p->lx;
	const char *w, *lit;
	char got[96], why[200], **lines = NULL;
	size_t wl, at, i, n = 0;
	struct buf tmp;
	int hh, hc, bad;

	lex_skip_ws(lx);
	at = lx->pos;
	if (lex_peek(lx) == LEX_STRING)
		return lex_error(lx, at, "the method is a bare word, the target "
		    "quoted: send request GET \"/\"", "expected an HTTP method "
		    "such as GET, got %s", lex_got(lx, at, got, sizeof(got)));
	if (lex_need_word(lx, "an HTTP method such as GET", &w, &wl) == -1)
		return -1;
	for (i = 0; i < wl && pack_tchar((unsigned char)w[i]); i++)
		;
	if (i < wl || wl > 32)
		return lex_error(lx, at, "methods are tokens: GET, POST, PUT, "
		    "DELETE, HEAD, OPTIONS, PATCH...", "expected an HTTP method, "
		    "got %s", lex_got(lx, at, got, sizeof(got)));
	lex_skip_ws(lx);
	if (lex_peek(lx) != LEX_STRING)
		return lex_error(lx, lx->pos, "the target is quoted: send "
		    "request GET \"/path?q=1\"", "expected a quoted request "
		    "target, got %s", lex_got(lx, lx->pos, got, sizeof(got)));
	b->method = xstrndup(w, wl);
	lex_skip_ws(lx);
	at = lx->pos;
	b->path = tmpl_new();
	if (lex_string(lx, b->path, NULL) == -1)
		return -1;
	buf_init(&tmp);
	if ((lit = (const char *)tmpl_literal(b->path, &tmp, &n)) != NULL &&
	    (n == 0 || memchr(lit, ' ', n) != NULL || memchr(lit, '\t', n) !=
	    NULL || memchr(lit, '\r', n) != NULL || memchr(lit, '\n', n) !=
	    NULL)) {
		buf_free(&tmp);
		return lex_error(lx, at, "as in: send request GET "
		    "\"/search?q=a%20b\"", "expected a request target without "
		    "blanks or line breaks, got %s", n == 0 ? "\"\"" :
		    "one with them");
	}
	buf_free(&tmp);
	for (;;) {
		lex_skip_ws(lx);
		at = lx->pos;
		if (!lex_word(lx, &w, &wl)) {
			lx->pos = at;
			return 0;
		}
		if (lex_word_is(w, wl, "header")) {
			if (b->headers != NULL)
				return lex_error(lx, at, NULL, "expected one "
				    "header {...}, got a second");
			b->headers = tmpl_new();
			lex_skip_ws(lx);
			at = lx->pos;
			if (lex_json(lx, b->headers, 1) == -1)
				return -1;
			buf_init(&tmp);
			tmpl_render_dummy(b->headers, &tmp);
			n = 0;
			bad = pack_headers((const char *)buf_data(&tmp),
			    buf_len(&tmp), &lines, &n, &hh, &hc, why,
			    sizeof(why));
			buf_free(&tmp);
			pack_lines_free(lines, n);
			lines = NULL;
			if (bad != 0)
				return lex_error(lx, at, "as in: header "
				    "{\"Accept\": \"*/*\", \"X-Id\": \"${id}\"}",
				    "%s", why);
		} else if (lex_word_is(w, wl, "body") || lex_word_is(w, wl,
		    "json")) {
			if (b->body != NULL)
				return lex_error(lx, at, "a request has one body: "
				    "body \"...\" or json {...}", "expected one "
				    "body, got a second");
			b->body = tmpl_new();
			b->body_json = w[0] == 'j';
			if ((b->body_json ? lex_json(lx, b->body, 0) :
			    lex_string(lx, b->body, NULL)) == -1)
				return -1;
		} else {
			lx->pos = at;
			return 0;
		}
	}
}

/* Read one word of `send command` at pos into a new template: a quoted
 * string, or a bare run of characters whose ${...} are placeholders. */
static int
pack_parse_arg(struct parser *p, struct tmpl **out)
{
	struct lexer *lx = &p->lx;
	size_t at = lx->pos, i;
	char got[96];

	*out = tmpl_new();
	if (lx->line[lx->pos] == '"') {
		if (lex_string(lx, *out, NULL) == -1)
			return -1;
		/* redis-cli refuses "a"b ("Invalid argument(s)"): text glued
		 * to a closing quote is not a second word. */
		if (lx->pos < lx->linelen && lx->line[lx->pos] != ' ' &&
		    lx->line[lx->pos] != '\t')
			return lex_error(lx, lx->pos, "write one word \"ab\" or "
			    "two words \"a\" b, as redis-cli wants",
			    "expected a blank after the closing quote, got %s",
			    lex_got(lx, lx->pos, got, sizeof(got)));
		return 0;
	}
	if (lex_word_tmpl(lx, *out) == -1)
		return -1;
	/* The same for a quote glued after a word: a"b". */
	for (i = at; i < lx->pos; i++)
		if (lx->line[i] == '"' && (i == at || lx->line[i - 1] != '\\'))
			return lex_error(lx, i, "write one word \"ab\" or two "
			    "words a \"b\", as redis-cli wants", "expected a "
			    "blank before the opening quote, got a quote glued "
			    "to a word");
	return 0;
}

/* `send command WORD "quoted" ${expr} ...`: up to the end of the line or
 * a bare chunk, delay or header (the send's options). */
static int
pack_parse_command(struct parser *p, struct pack_send *b)
{
	struct lexer *lx = &p->lx;
	const char *w;
	size_t wl, at;

	for (;;) {
		if (lex_at_eol(lx))
			break;
		lex_skip_ws(lx);
		at = lx->pos;
		if (lex_word(lx, &w, &wl) && (lex_word_is(w, wl, "chunk") ||
		    lex_word_is(w, wl, "delay") || lex_word_is(w, wl, "header"))) {
			lx->pos = at;
			break;
		}
		lx->pos = at;
		if (b->nargs >= PACK_MAX_ARGS)
			return lex_error(lx, at, NULL, "expected at most %d words "
			    "in a command, got more", PACK_MAX_ARGS);
		b->args = xrealloc(b->args, (b->nargs + 1) * sizeof(*b->args));
		if (pack_parse_arg(p, &b->args[b->nargs++]) == -1)
			return -1;
	}
	if (b->nargs == 0)
		return lex_error(lx, lx->pos, "as in: send command SET key "
		    "\"value ${n}\"", "expected a command word, got end of line");
	return 0;
}

int
pack_send_word(const char *w, size_t wl)
{
	return lex_word_is(w, wl, "pack") || lex_word_is(w, wl, "request") ||
	    lex_word_is(w, wl, "command");
}

int
pack_parse_send(struct parser *p, struct step_send *s, const char *w,
    size_t wl, size_t at)
{
	struct pack_send *b;

	b = s->build = xcalloc(1, sizeof(*b));
	b->col = lex_col(&p->lx, at);
	if (lex_word_is(w, wl, "pack")) {
		b->kind = PACK_BUILD_PACK;
		return pack_parse_pack(p, b);
	}
	if (lex_word_is(w, wl, "request")) {
		b->kind = PACK_BUILD_REQUEST;
		return pack_parse_request(p, b);
	}
	b->kind = PACK_BUILD_COMMAND;
	return pack_parse_command(p, b);
}

int
pack_check(struct parser *p)
{
	const struct scenario *sc = p->sc;
	const char *cn = sc->codec != NULL ? sc->codec->name : "raw";
	const struct pack_send *b;
	size_t i;

	for (i = 0; i < sc->nsteps; i++) {
		const struct step *st = &sc->steps[i];
		const char *want;

		if (st->kind != STEP_SEND || (b = st->u.send.build) == NULL ||
		    (b->kind != PACK_BUILD_REQUEST &&
		    b->kind != PACK_BUILD_COMMAND))
			continue;
		want = b->kind == PACK_BUILD_REQUEST ? "http" : "resp";
		p->lx.name = sc->files[st->file];
		p->lx.line = NULL;
		p->lx.linelen = 0;
		if (strcmp(cn, want) != 0)
			return lex_error_at(&p->lx, st->line, b->col, want[0] ==
			    'h' ? "add 'codec http': send request builds an "
			    "HTTP/1.1 request" : "add 'codec resp': send command "
			    "builds a RESP array of bulk strings", "expected "
			    "codec %s for 'send %s', got codec %s", want,
			    want[0] == 'h' ? "request" : "command", cn);
	}
	return 0;
}

void
pack_send_free(struct pack_send *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->nitems; i++) {
		expr_free(b->items[i].e);
		tmpl_free(b->items[i].t);
	}
	free(b->items);
	tmpl_free(b->hex);
	free(b->method);
	tmpl_free(b->path);
	tmpl_free(b->headers);
	tmpl_free(b->body);
	for (i = 0; i < b->nargs; i++)
		tmpl_free(b->args[i]);
	free(b->args);
	free(b);
}

/* Rendering. */

/* Render hex template t and decode it onto out; what names it in errors
 * ("send hex", "pack field 3 (hex)"). */
static int
pack_render_hex(const struct tmpl *t, struct vars *vars, const char *what,
    struct buf *out, char *err, size_t errlen)
{
	char why[160], esc[200];
	struct buf text;
	size_t bad;
	int rc = 0;

	buf_init(&text);
	if (tmpl_render(t, vars, &text, err, errlen) == -1) {
		buf_free(&text);
		return -1;
	}
	if (pack_hex_decode((const char *)buf_data(&text), buf_len(&text), out,
	    &bad, why, sizeof(why)) == -1) {
		escape_bytes(buf_data(&text), buf_len(&text), esc, sizeof(esc),
		    1);
		snprintf(err, errlen, "runtime error: %s: \"%s\" after "
		    "substituting variables: %s at offset %zu", what, esc, why,
		    bad);
		rc = -1;
	}
	buf_free(&text);
	return rc;
}

/* Evaluate a pack field's expression as an integer into *v. */
static int
pack_eval(const struct pack_item *it, size_t k, struct vars *vars,
    int64_t *v, uint64_t *big, int *isbig, char *err, size_t errlen)
{
	struct expr_env env = { vars_lookup, vars, &vars->rng };
	struct value val;
	char msg[256];
	int rc = 0;

	*isbig = 0;

	if (expr_eval(it->e, &env, &val, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "runtime error: send pack field %zu (%s): "
		    "%s", k + 1, pack_types[it->type].name, msg);
		return -1;
	}
	if (val.type == VAL_INT)
		*v = val.i;
	else {
		/* The language's integer reading (decimal, as arithmetic
		 * reads a variable); a u64 field also takes 2^63 to 2^64-1. */
		if (expr_text_int(val.s, val.len, v) == 0)
			;
		else if ((it->type == PACK_U64BE || it->type == PACK_U64LE) &&
		    expr_text_u64(val.s, val.len, big) == 0)
			*isbig = 1;
		else {
			escape_bytes(val.s, val.len, msg, 64, 1);
			snprintf(err, errlen, "runtime error: send pack field %zu: "
			    "expected a decimal integer for %s, got \"%s\"", k + 1,
			    pack_types[it->type].name, msg);
			rc = -1;
		}
	}
	value_free(&val);
	return rc;
}

/* Render the fields of `send pack` onto out. */
static int
pack_render_pack(const struct pack_send *b, struct vars *vars,
    struct buf *out, char *err, size_t errlen)
{
	char msg[200], what[48];
	uint64_t big;
	size_t k;
	int64_t v;
	int isbig;

	for (k = 0; k < b->nitems; k++) {
		const struct pack_item *it = &b->items[k];

		if (it->type == PACK_BYTES || (it->type == PACK_HEX &&
		    it->hex_lit)) {
			if (tmpl_render(it->t, vars, out, err, errlen) == -1)
				return -1;
			continue;
		}
		if (it->type == PACK_HEX) {
			snprintf(what, sizeof(what), "send pack field %zu (hex)",
			    k + 1);
			if (pack_render_hex(it->t, vars, what, out, err,
			    errlen) == -1)
				return -1;
			continue;
		}
		if (it->e == NULL) {
			pack_put_bits(it->type, (uint64_t)it->lit, out);
			continue;
		}
		if (pack_eval(it, k, vars, &v, &big, &isbig, err, errlen) == -1)
			return -1;
		if (isbig) {
			pack_put_bits(it->type, big, out);
			continue;
		}
		if (pack_put(it->type, v, out, msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "runtime error: send pack field %zu: "
			    "%s", k + 1, msg);
			return -1;
		}
	}
	return 0;
}

/* Render `send request` into out. */
static int
pack_render_request(const struct pack_send *b, struct vars *vars,
    const char *host, struct buf *out, char *err, size_t errlen)
{
	struct buf path, hdr, body;
	char **lines = NULL, why[200], *h;
	size_t n = 0, k;
	int hh = 0, hc = 0, rc = -1;

	buf_init(&path);
	buf_init(&hdr);
	buf_init(&body);
	if (tmpl_render(b->path, vars, &path, err, errlen) == -1)
		goto done;
	buf_append(&path, "", 1);
	if (b->headers != NULL) {
		if (tmpl_render(b->headers, vars, &hdr, err, errlen) == -1)
			goto done;
		if (pack_headers((const char *)buf_data(&hdr), buf_len(&hdr),
		    &lines, &n, &hh, &hc, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "runtime error: send request: %s",
			    why);
			goto done;
		}
	}
	if (b->body != NULL && tmpl_render(b->body, vars, &body, err,
	    errlen) == -1)
		goto done;
	if (!hh) {
		if (host == NULL) {
			snprintf(err, errlen, "runtime error: send request: no "
			    "target to name in the Host header; give header "
			    "{\"Host\": \"...\"}");
			goto done;
		}
		k = strlen(host) + 7;
		h = xmalloc(k);
		snprintf(h, k, "Host: %s", host);
		lines = xrealloc(lines, (n + 1) * sizeof(*lines));
		memmove(lines + 1, lines, n * sizeof(*lines));
		lines[0] = h;
		n++;
	}
	if (b->body_json && !hc) {
		lines = xrealloc(lines, (n + 1) * sizeof(*lines));
		lines[n++] = xstrdup("Content-Type: application/json");
	}
	if (http_build_request(b->method, (const char *)buf_data(&path),
	    (const char *const *)lines, n, buf_data(&body), buf_len(&body),
	    out, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "runtime error: send request: %s", why);
		goto done;
	}
	rc = 0;
done:
	pack_lines_free(lines, n);
	buf_free(&path);
	buf_free(&hdr);
	buf_free(&body);
	return rc;
}

/* Render `send command` into out. */
static int
pack_render_command(const struct pack_send *b, struct vars *vars,
    struct buf *out, char *err, size_t errlen)
{
	const char **argv = xcalloc(b->nargs, sizeof(*argv));
	size_t *lens = xcalloc(b->nargs, sizeof(*lens)), *offs, k;
	struct buf all;
	int rc = -1;

	offs = xcalloc(b->nargs, sizeof(*offs));
	buf_init(&all);
	for (k = 0; k < b->nargs; k++) {
		offs[k] = buf_len(&all);
		if (tmpl_render(b->args[k], vars, &all, err, errlen) == -1)
			goto done;
		lens[k] = buf_len(&all) - offs[k];
	}
	for (k = 0; k < b->nargs; k++)
		argv[k] = (const char *)buf_data(&all) + offs[k];
	rc = resp_build_command(argv, lens, b->nargs, out);
	if (rc == -1)
		snprintf(err, errlen, "runtime error: send command: no words");
done:
	buf_free(&all);
	free(argv);
	free(lens);
	free(offs);
	return rc;
}

int
pack_render(const struct pack_send *b, struct vars *vars, const char *host,
    struct buf *out, char *err, size_t errlen)
{
	switch (b->kind) {
	case PACK_BUILD_PACK:
		return pack_render_pack(b, vars, out, err, errlen);
	case PACK_BUILD_HEX:
		return pack_render_hex(b->hex, vars, "send hex", out, err,
		    errlen);
	case PACK_BUILD_REQUEST:
		return pack_render_request(b, vars, host, out, err, errlen) ==
		    -1 ? -1 : 1;
	case PACK_BUILD_COMMAND:
		return pack_render_command(b, vars, out, err, errlen) == -1 ?
		    -1 : 1;
	}
	return -1;
}

/* expect hex. */

int
pack_parse_expect_hex(struct parser *p, struct step_expect *e)
{
	struct lexer *lx = &p->lx;
	struct pack_pattern pat;
	const char *l = lx->line;
	char why[160];
	size_t at, end, bad;
	int dyn;
	struct buf b;

	if (pack_hex_scan(lx, 1, &dyn, &end) == -1)
		return -1;
	at = lx->pos;
	e->bytes = tmpl_new();
	if (dyn) {
		e->kind = EXPECT_HEX;
		return lex_string(lx, e->bytes, NULL);
	}
	if (memchr(l + at, '?', end - at) == NULL && memchr(l + at, '/',
	    end - at) == NULL) {
		/* Plain bytes: an exact expect, as before patterns. */
		e->kind = EXPECT_BYTES;
		buf_init(&b);
		if (lex_hex(lx, &b) == -1) {
			buf_free(&b);
			return -1;
		}
		tmpl_add_lit(e->bytes, buf_data(&b), buf_len(&b));
		buf_free(&b);
		return 0;
	}
	if (pack_pattern_compile(l + at + 1, end - at - 1, &pat, &bad, why,
	    sizeof(why)) == -1)
		return lex_error(lx, at + 1 + bad, "hex patterns hold byte pairs "
		    "(blanks allowed), ?? for any byte, XX/MM for a bit mask",
		    "%s", why);
	pack_pattern_free(&pat);
	e->kind = EXPECT_HEX;
	tmpl_add_lit(e->bytes, l + at + 1, end - at - 1);
	lx->pos = end + 1;
	return 0;
}

/* capture NAME TYPE at N. */

int
pack_capture_word(const char *w, size_t wl)
{
	return pack_type_find(w, wl, 1) >= 0;
}

int
pack_parse_capture(struct parser *p, struct step_capture *c, const char *w,
    size_t wl)
{
	struct lexer *lx = &p->lx;
	const char *a;
	char got[96], hint[96];
	size_t al, at;
	uint64_t off;

	c->kind = CAPTURE_BINARY;
	c->bin_type = pack_type_find(w, wl, 1);
	lex_skip_ws(lx);
	at = lx->pos;
	if (!lex_word(lx, &a, &al) || !lex_word_is(a, al, "at")) {
		snprintf(hint, sizeof(hint), "as in: capture %s %.*s at 4",
		    c->name, (int)wl, w);
		return lex_error(lx, at, hint, "expected 'at' and a byte offset "
		    "after %.*s, got %s", (int)wl, w, lex_got(lx, at, got,
		    sizeof(got)));
	}
	lex_skip_ws(lx);
	if (lx->pos + 1 < lx->linelen && lx->line[lx->pos] == '$' &&
	    lx->line[lx->pos + 1] == '{') {
		/* Computed when the capture runs (pack_capture_offset). */
		if (parse_brace_expr(p, lx->pos, &c->at_e) == -1)
			return -1;
	} else if (lex_uint(lx, "a byte offset into the message such as 4 "
	    "or ${n}", SCENARIO_MAX_COUNT, &off) == -1)
		return -1;
	else
		c->at = (size_t)off;
	if (lex_need_eol(lx, "end of line after the capture") == -1)
		return -1;
	check_define(p, c->name);
	return 0;
}

int
pack_capture_offset(const struct step_capture *c, struct vars *vars,
    size_t *at, char *why, size_t whylen)
{
	int64_t v;

	*at = c->at;
	if (c->at_e == NULL)
		return 0;
	if (tmpl_eval_int(c->at_e, vars, "a byte offset", 0,
	    (int64_t)SCENARIO_MAX_COUNT, &v, why, whylen) == -1)
		return -1;
	*at = (size_t)v;
	return 0;
}

int
pack_capture(const struct step_capture *c, struct vars *vars,
    const unsigned char *p, size_t n, char *out, size_t outlen, char *why,
    size_t whylen)
{
	enum pack_type t = (enum pack_type)c->bin_type;
	size_t w = pack_types[t].width, i, at;
	uint64_t v = 0;

	if (pack_capture_offset(c, vars, &at, why, whylen) == -1)
		return -2;
	if (at > n || n - at < w) {
		snprintf(why, whylen, "the message is %zu bytes, too short for "
		    "%s at %zu (needs %zu)", n, pack_types[t].name, at, at + w);
		return -1;
	}
	for (i = 0; i < w; i++)
		v |= (uint64_t)p[at + (pack_types[t].le ? i : w - 1 - i)] <<
		    (8 * i);
	if (pack_types[t].sgn && w < 8 && (v >> (8 * w - 1)) != 0)
		snprintf(out, outlen, "%" PRId64, (int64_t)v -
		    (int64_t)(UINT64_C(1) << (8 * w)));
	else
		snprintf(out, outlen, "%" PRIu64, v);
	return 0;
}
