/* JSON output in the style of Python's json.dumps(ensure_ascii=False). */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hex.h"
#include "pyjson.h"
#include "util.h"

/* Append a quoted string, escaping as Python json does with ensure_ascii off. */
void
pyjson_quote(const char *s, size_t len, struct buf *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i, run = 0;
	char esc[7];

	buf_append(out, "\"", 1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *e = NULL;

		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		default:
			if (c < 0x20) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hx[c >> 4];
				esc[5] = hx[c & 15];
				esc[6] = '\0';
				e = esc;
			}
		}
		if (e == NULL) {
			run++;
			continue;
		}
		buf_append(out, s + i - run, run);
		run = 0;
		buf_append_str(out, e);
	}
	buf_append(out, s + len - run, run);
	buf_append(out, "\"", 1);
}

/* Append a number as Python prints an int or, if not integral, a float. */
static void
pyjson_number(double v, struct buf *out)
{
	char tmp[64], mant[32];
	char *e;
	int prec, exp, nd, i;

	if (isnan(v)) {
		buf_append_str(out, "NaN");
		return;
	}
	if (isinf(v)) {
		buf_append_str(out, v < 0 ? "-Infinity" : "Infinity");
		return;
	}
	if (v == floor(v) && fabs(v) < 1e18) {
		buf_printf(out, "%.0f", v == 0 ? 0.0 : v);
		return;
	}
	/* Shortest digits that read back as v, as Python's repr does. */
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	e = strchr(tmp, 'e');
	exp = atoi(e + 1);
	*e = '\0';
	/* Collect the significant digits without sign and point. */
	nd = 0;
	for (i = 0; tmp[i] != '\0'; i++)
		if (tmp[i] >= '0' && tmp[i] <= '9')
			mant[nd++] = tmp[i];
	while (nd > 1 && mant[nd - 1] == '0')
		nd--;
	mant[nd] = '\0';
	if (v < 0)
		buf_append(out, "-", 1);
	if (exp < -4 || exp >= 16) {
		buf_append(out, mant, 1);
		if (nd > 1) {
			buf_append(out, ".", 1);
			buf_append(out, mant + 1, (size_t)nd - 1);
		}
		buf_printf(out, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
	} else if (exp < 0) {
		buf_append(out, "0.", 2);
		for (i = -1; i > exp; i--)
			buf_append(out, "0", 1);
		buf_append(out, mant, (size_t)nd);
	} else {
		/* exp + 1 digits before the point, padded with zeros. */
		for (i = 0; i <= exp; i++)
			buf_append(out, i < nd ? &mant[i] : "0", 1);
		buf_append(out, ".", 1);
		if (nd > exp + 1)
			buf_append(out, mant + exp + 1, (size_t)(nd - exp - 1));
		else
			buf_append(out, "0", 1);
	}
}

/* Append any cJSON value, recursively, in Python json.dumps style. */
void
pyjson_dump(const cJSON *item, struct buf *out)
{
	const cJSON *c;

	if (item == NULL) {
		buf_append_str(out, "null");
		return;
	}
	switch (item->type & 0xff) {
	case cJSON_False:
		buf_append_str(out, "false");
		break;
	case cJSON_True:
		buf_append_str(out, "true");
		break;
	case cJSON_NULL:
		buf_append_str(out, "null");
		break;
	case cJSON_Number:
		pyjson_number(item->valuedouble, out);
		break;
	case cJSON_String:
		pyjson_quote(item->valuestring, pyjson_strlen(item), out);
		break;
	case cJSON_Raw:
		buf_append_str(out, item->valuestring);
		break;
	case cJSON_Array:
		buf_append(out, "[", 1);
		for (c = item->child; c != NULL; c = c->next) {
			if (c != item->child)
				buf_append(out, ", ", 2);
			pyjson_dump(c, out);
		}
		buf_append(out, "]", 1);
		break;
	case cJSON_Object:
		buf_append(out, "{", 1);
		for (c = item->child; c != NULL; c = c->next) {
			if (c != item->child)
				buf_append(out, ", ", 2);
			pyjson_quote(c->string, strlen(c->string), out);
			buf_append(out, ": ", 2);
			pyjson_dump(c, out);
		}
		buf_append(out, "}", 1);
		break;
	default:
		buf_append_str(out, "null");
		break;
	}
}

/* Where a strict scan is in its input. */
struct pyjson_scan {
	const unsigned char	*p;
	size_t			 n;
	size_t			 i;
	int			 depth;
};

#define PYJSON_MAX_DEPTH	512

static int pyjson_scan_value(struct pyjson_scan *s);

/* Skip JSON whitespace. */
static void
pyjson_scan_ws(struct pyjson_scan *s)
{
	while (s->i < s->n && (s->p[s->i] == ' ' || s->p[s->i] == '\t' ||
	    s->p[s->i] == '\n' || s->p[s->i] == '\r'))
		s->i++;
}

/* Accept the literal word w at the current position. */
static int
pyjson_scan_word(struct pyjson_scan *s, const char *w)
{
	size_t l = strlen(w);

	if (s->n - s->i < l || memcmp(s->p + s->i, w, l) != 0)
		return 0;
	s->i += l;
	return 1;
}

/* Accept a string: no raw control characters, only JSON's escapes. */
static int
pyjson_scan_string(struct pyjson_scan *s)
{
	size_t k;

	if (s->i >= s->n || s->p[s->i] != '"')
		return 0;
	s->i++;
	while (s->i < s->n) {
		unsigned char c = s->p[s->i];

		if (c == '"') {
			s->i++;
			return 1;
		}
		if (c < 0x20)
			return 0;
		if (c != '\\') {
			s->i++;
			continue;
		}
		if (s->i + 1 >= s->n)
			return 0;
		c = s->p[s->i + 1];
		if (c == 'u') {
			for (k = 2; k < 6; k++)
				if (s->i + k >= s->n ||
				    !isxdigit(s->p[s->i + k]))
					return 0;
			s->i += 6;
		} else if (strchr("\"\\/bfnrt", c) != NULL && c != '\0')
			s->i += 2;
		else
			return 0;
	}
	return 0;
}

/* Accept a number: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?. */
static int
pyjson_scan_number(struct pyjson_scan *s)
{
	const unsigned char *p = s->p;
	size_t i = s->i, d;

	if (i < s->n && p[i] == '-')
		i++;
	if (i < s->n && p[i] == '0')
		i++;
	else if (i < s->n && p[i] >= '1' && p[i] <= '9')
		while (i < s->n && isdigit(p[i]))
			i++;
	else {
		s->i = i;
		return 0;
	}
	if (i < s->n && p[i] == '.') {
		for (d = ++i; i < s->n && isdigit(p[i]); i++)
			;
		if (i == d) {
			s->i = i;
			return 0;
		}
	}
	if (i < s->n && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < s->n && (p[i] == '+' || p[i] == '-'))
			i++;
		for (d = i; i < s->n && isdigit(p[i]); i++)
			;
		if (i == d) {
			s->i = i;
			return 0;
		}
	}
	s->i = i;
	return 1;
}

/* Accept an object or array: open, members separated by commas, close. */
static int
pyjson_scan_container(struct pyjson_scan *s)
{
	int object = s->p[s->i] == '{';
	unsigned char close = object ? '}' : ']';

	if (++s->depth > PYJSON_MAX_DEPTH)
		return 0;
	s->i++;
	pyjson_scan_ws(s);
	if (s->i < s->n && s->p[s->i] == close) {
		s->i++;
		s->depth--;
		return 1;
	}
	for (;;) {
		if (object) {
			if (!pyjson_scan_string(s))
				return 0;
			pyjson_scan_ws(s);
			if (s->i >= s->n || s->p[s->i] != ':')
				return 0;
			s->i++;
			pyjson_scan_ws(s);
		}
		if (!pyjson_scan_value(s))
			return 0;
		pyjson_scan_ws(s);
		if (s->i < s->n && s->p[s->i] == ',') {
			s->i++;
			pyjson_scan_ws(s);
			continue;
		}
		if (s->i < s->n && s->p[s->i] == close) {
			s->i++;
			s->depth--;
			return 1;
		}
		return 0;
	}
}

/* Accept any one JSON value at the current position. */
static int
pyjson_scan_value(struct pyjson_scan *s)
{
	if (s->i >= s->n)
		return 0;
	switch (s->p[s->i]) {
	case '{':
	case '[':
		return pyjson_scan_container(s);
	case '"':
		return pyjson_scan_string(s);
	case 't':
		return pyjson_scan_word(s, "true");
	case 'f':
		return pyjson_scan_word(s, "false");
	case 'n':
		return pyjson_scan_word(s, "null");
	default:
		return pyjson_scan_number(s);
	}
}

int
pyjson_strict(const char *p, size_t n, size_t *erroff)
{
	struct pyjson_scan s = { (const unsigned char *)p, n, 0, 0 };
	int ok;

	pyjson_scan_ws(&s);
	ok = pyjson_scan_value(&s);
	if (ok) {
		pyjson_scan_ws(&s);
		ok = s.i == n;
	}
	if (erroff != NULL)
		*erroff = s.i < n ? s.i : n;
	return ok;
}

/* Where a tree build is in its (already validated) input. */
struct pyjson_build {
	const unsigned char	*p;
	size_t			 i;
	char			*err;
	size_t			 errlen;
};

/* A string value holding NUL bytes keeps its length here (strlen would
 * stop at the first NUL); 0 means "use strlen". */
#define PYJSON_LEN(item)	((item)->valueint)

size_t
pyjson_strlen(const cJSON *s)
{
	if (s == NULL || s->valuestring == NULL)
		return 0;
	if (PYJSON_LEN(s) > 0)
		return (size_t)PYJSON_LEN(s);
	return strlen(s->valuestring);
}

/* Read 4 hex digits at p (already validated). */
static unsigned
pyjson_hex4(const unsigned char *p)
{
	unsigned v = 0;
	int k;

	for (k = 0; k < 4; k++)
		v = v * 16 + (unsigned)hex_digit(p[k]);
	return v;
}

/* Append code point cp as UTF-8 (a lone surrogate as its 3-byte form, as
 * Python's surrogatepass would). */
static void
pyjson_put_utf8(struct buf *b, unsigned cp)
{
	unsigned char u[4];

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		buf_append(b, u, 1);
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | (cp >> 6));
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		buf_append(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | (cp >> 12));
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		buf_append(b, u, 3);
	} else {
		u[0] = (unsigned char)(0xf0 | (cp >> 18));
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		buf_append(b, u, 4);
	}
}

/* Decode the string token at the cursor into out (escapes resolved,
 * surrogate pairs joined, \u0000 kept as a NUL byte). */
static void
pyjson_build_string(struct pyjson_build *b, struct buf *out)
{
	const unsigned char *p = b->p;
	unsigned cp, lo;

	b->i++;
	while (p[b->i] != '"') {
		size_t run = b->i;

		while (p[b->i] != '"' && p[b->i] != '\\')
			b->i++;
		buf_append(out, p + run, b->i - run);
		if (p[b->i] == '"')
			break;
		switch (p[b->i + 1]) {
		case 'b': buf_append(out, "\b", 1); break;
		case 'f': buf_append(out, "\f", 1); break;
		case 'n': buf_append(out, "\n", 1); break;
		case 'r': buf_append(out, "\r", 1); break;
		case 't': buf_append(out, "\t", 1); break;
		case 'u':
			cp = pyjson_hex4(p + b->i + 2);
			if (cp >= 0xd800 && cp < 0xdc00 && p[b->i + 6] == '\\' &&
			    p[b->i + 7] == 'u' &&
			    (lo = pyjson_hex4(p + b->i + 8)) >= 0xdc00 &&
			    lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
				b->i += 6;
			}
			pyjson_put_utf8(out, cp);
			b->i += 4;
			break;
		default:	/* " \ / */
			buf_append(out, p + b->i + 1, 1);
			break;
		}
		b->i += 2;
	}
	b->i++;
}

/* Skip JSON whitespace in a build. */
static void
pyjson_build_ws(struct pyjson_build *b)
{
	while (b->p[b->i] == ' ' || b->p[b->i] == '\t' || b->p[b->i] == '\n' ||
	    b->p[b->i] == '\r')
		b->i++;
}

/* Write a reason for refusing a valid JSON text into the build's err. */
static void
pyjson_build_err(struct pyjson_build *b, const char *why)
{
	if (b->err != NULL && b->errlen > 0)
		snprintf(b->err, b->errlen, "%s at byte %zu", why, b->i);
}

/* One object member and its place, for finding duplicate keys. */
struct pyjson_member {
	cJSON	*node;
	size_t	 pos;
};

/* Order members by key, then by place (qsort helper). */
static int
pyjson_member_cmp(const void *a, const void *b)
{
	const struct pyjson_member *x = a, *y = b;
	int c = strcmp(x->node->string, y->node->string);

	if (c != 0)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Make obj hold each key once as Python's dict would: the value of the
 * last duplicate at the place of the first. O(k log k) for k members. */
static void
pyjson_dedup(cJSON *obj)
{
	struct pyjson_member *m;
	cJSON *c, *last;
	size_t k = 0, i, j, d;

	for (c = obj->child; c != NULL; c = c->next)
		k++;
	if (k < 2)
		return;
	m = xmalloc(k * sizeof(*m));
	for (c = obj->child, i = 0; c != NULL; c = c->next, i++) {
		m[i].node = c;
		m[i].pos = i;
	}
	qsort(m, k, sizeof(*m), pyjson_member_cmp);
	for (i = 0; i < k; i = j) {
		for (j = i + 1; j < k &&
		    strcmp(m[j].node->string, m[i].node->string) == 0; j++)
			;
		if (j - i < 2)
			continue;
		/* m[i] is the first of this key, m[j - 1] the last. */
		for (d = i + 1; d < j - 1; d++)
			cJSON_Delete(cJSON_DetachItemViaPointer(obj, m[d].node));
		last = cJSON_DetachItemViaPointer(obj, m[j - 1].node);
		cJSON_ReplaceItemViaPointer(obj, m[i].node, last);
	}
	free(m);
}

/* Build the validated value at the cursor; NULL with a reason in err if
 * it holds what sockbench refuses (a key with NUL, a non-finite number). */
static cJSON *
pyjson_build_value(struct pyjson_build *b)
{
	const unsigned char *p = b->p;
	cJSON *item, *child;
	struct buf s;
	char *end;
	double v;

	switch (p[b->i]) {
	case '"':
		buf_init(&s);
		pyjson_build_string(b, &s);
		if (buf_len(&s) > INT_MAX) {
			buf_free(&s);
			pyjson_build_err(b, "string longer than 2 GiB");
			return NULL;
		}
		item = cJSON_CreateString("");
		cJSON_free(item->valuestring);
		item->valuestring = cJSON_malloc(buf_len(&s) + 1);
		memcpy(item->valuestring, buf_data(&s), buf_len(&s));
		item->valuestring[buf_len(&s)] = '\0';
		if (memchr(buf_data(&s), '\0', buf_len(&s)) != NULL)
			PYJSON_LEN(item) = (int)buf_len(&s);
		buf_free(&s);
		return item;
	case 't':
		b->i += 4;
		return cJSON_CreateTrue();
	case 'f':
		b->i += 5;
		return cJSON_CreateFalse();
	case 'n':
		b->i += 4;
		return cJSON_CreateNull();
	case '[':
	case '{':
		break;
	default:
		/* A number past the double range reads as +-inf, as in
		 * Python (a limit check then refuses it by name). */
		v = strtod((const char *)p + b->i, &end);
		b->i = (size_t)(end - (const char *)p);
		return cJSON_CreateNumber(v);
	}
	if (p[b->i] == '[') {
		item = cJSON_CreateArray();
		b->i++;
		pyjson_build_ws(b);
		while (p[b->i] != ']') {
			if ((child = pyjson_build_value(b)) == NULL) {
				cJSON_Delete(item);
				return NULL;
			}
			cJSON_AddItemToArray(item, child);
			pyjson_build_ws(b);
			if (p[b->i] == ',') {
				b->i++;
				pyjson_build_ws(b);
			}
		}
		b->i++;
		return item;
	}
	item = cJSON_CreateObject();
	b->i++;
	pyjson_build_ws(b);
	while (p[b->i] != '}') {
		buf_init(&s);
		pyjson_build_string(b, &s);
		buf_append(&s, "", 1);
		if (memchr(buf_data(&s), '\0', buf_len(&s) - 1) != NULL) {
			buf_free(&s);
			cJSON_Delete(item);
			pyjson_build_err(b, "object key with \\u0000 refused");
			return NULL;
		}
		pyjson_build_ws(b);
		b->i++;		/* the colon */
		pyjson_build_ws(b);
		if ((child = pyjson_build_value(b)) == NULL) {
			buf_free(&s);
			cJSON_Delete(item);
			return NULL;
		}
		cJSON_AddItemToObject(item, (const char *)buf_data(&s), child);
		buf_free(&s);
		pyjson_build_ws(b);
		if (p[b->i] == ',') {
			b->i++;
			pyjson_build_ws(b);
		}
	}
	b->i++;
	pyjson_dedup(item);
	return item;
}

cJSON *
pyjson_parse(const char *p, size_t n, char *err, size_t errlen)
{
	struct pyjson_build b;
	struct buf copy;
	size_t off;
	cJSON *j;

	if (!pyjson_strict(p, n, &off)) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "invalid JSON at byte %zu", off);
		return NULL;
	}
	/* The builder reads one byte past a token at most: give it a
	 * NUL-terminated copy so it never needs a bound. */
	buf_init(&copy);
	buf_append(&copy, p, n);
	buf_append(&copy, "", 1);
	b.p = buf_data(&copy);
	b.i = 0;
	b.err = err;
	b.errlen = errlen;
	pyjson_build_ws(&b);
	j = pyjson_build_value(&b);
	buf_free(&copy);
	return j;
}
