/* JSON output in the style of Python's json.dumps(ensure_ascii=False). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pyjson.h"

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
		pyjson_quote(item->valuestring, strlen(item->valuestring), out);
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
