/* The resp codec: the Redis serialization protocol, RESP2 (simple strings,
 * errors, integers, bulk strings, arrays) and RESP3 (null, double,
 * boolean, blob error, verbatim string, big number, map, set, push,
 * attribute), nested to a bounded depth. Streamed RESP3 aggregates ("$?")
 * are refused. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"
#include "hex.h"
#include "codec_util.h"
#include "util.h"

#define RESP_MAX_DEPTH	32	/* arrays inside arrays */
#define RESP_MAX_NUM	21	/* a signed 64-bit number in decimal */
#define RESP_MAX_LIMIT	((size_t)SSIZE_MAX / 4)

/* Find the CRLF ending the line that starts at start (at most maxline
 * bytes), searching from from (bytes before it hold no CR or LF): return
 * the offset of its CR, NEED_MORE or ERROR; *scanned gets how far the
 * search got. */
static ssize_t
resp_line(const unsigned char *p, size_t n, size_t start, size_t from,
    size_t maxline, size_t *scanned, uint64_t *examined, char *err,
    size_t errlen)
{
	const unsigned char *cr, *lf;
	size_t lim;

	lim = n - start > maxline + 1 ? start + maxline + 1 : n;
	if (from < start)
		from = start;
	if (from > lim)
		from = lim;
	cr = memchr(p + from, '\r', lim - from);
	lf = memchr(p + from, '\n', (cr != NULL ? (size_t)(cr - p) : lim) -
	    from);
	*examined += (cr != NULL ? (size_t)(cr - p) + 1 : lim) - from;
	if (lf != NULL)
		return codec_err(err, errlen, "bare LF in a RESP line");
	if (cr == NULL) {
		*scanned = lim;
		if (n - start > maxline)
			return codec_err(err, errlen,
			    "RESP line longer than %zu bytes", maxline);
		return CODEC_NEED_MORE;
	}
	*scanned = (size_t)(cr - p);
	if ((size_t)(cr - p) + 1 >= n)
		return CODEC_NEED_MORE;
	if (cr[1] != '\n')
		return codec_err(err, errlen, "bare CR in a RESP line");
	return cr - p;
}

/* Parse a decimal integer of n bytes with optional sign; -1 if invalid. */
static int
resp_int(const unsigned char *p, size_t n, long long *v)
{
	unsigned long long u = 0, lim = LLONG_MAX;
	size_t i = 0;
	int neg = 0;

	if (n > 0 && (p[0] == '-' || p[0] == '+')) {
		neg = p[0] == '-';
		i++;
	}
	if (i == n)
		return -1;
	if (neg)
		lim++;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		if (u > (lim - (p[i] - '0')) / 10)
			return -1;
		u = u * 10 + (p[i] - '0');
	}
	*v = neg ? (u == lim ? LLONG_MIN : -(long long)u) : (long long)u;
	return 0;
}

/* Check the line of a one-line type: an integer, the empty null, t or f, a
 * double (RESP3: decimal, exponent, inf, -inf, nan) or a big number. */
static int
resp_scalar_ok(unsigned char type, const unsigned char *p, size_t n,
    char *err, size_t errlen)
{
	long long v;
	size_t i;

	switch (type) {
	case ':':
		if (resp_int(p, n, &v) == -1)
			return (int)codec_err(err, errlen,
			    "invalid RESP integer");
		break;
	case '_':
		if (n != 0)
			return (int)codec_err(err, errlen,
			    "RESP null with a value");
		break;
	case '#':
		if (n != 1 || (p[0] != 't' && p[0] != 'f'))
			return (int)codec_err(err, errlen,
			    "RESP boolean is not t or f");
		break;
	case ',':
		if ((n == 3 && (memcmp(p, "inf", 3) == 0 ||
		    memcmp(p, "nan", 3) == 0)) || (n == 4 &&
		    memcmp(p, "-inf", 4) == 0))
			break;
		for (i = 0; i < n; i++)
			if (strchr("0123456789+-.eE", p[i]) == NULL ||
			    p[i] == '\0')
				break;
		if (n == 0 || i < n || n > 64)
			return (int)codec_err(err, errlen,
			    "invalid RESP double");
		break;
	case '(':
		i = n > 0 && (p[0] == '-' || p[0] == '+');
		if (i == n || n > 4096)
			return (int)codec_err(err, errlen,
			    "invalid RESP big number");
		for (; i < n; i++)
			if (p[i] < '0' || p[i] > '9')
				return (int)codec_err(err, errlen,
				    "invalid RESP big number");
		break;
	}
	return 0;
}

/* The resp decoder's memory: every value before pos is complete, left[]
 * counts the elements still to come in each open array, and a bulk
 * string whose length line is parsed waits for its bytes without parsing
 * that line again. Offsets are from the start of the pending bytes. */
struct resp_cursor {
	struct codec_cursor	base;
	size_t			pos;		/* start of the value in hand */
	size_t			scanned;	/* its line holds no CR before */
	int			depth;		/* arrays open */
	int			bulk;		/* waiting for a bulk payload */
	int			bulk_type;	/* '$', '!' or '=' */
	size_t			bulk_at;	/* where that payload starts */
	size_t			bulk_len;
	size_t			pl, pln;	/* payload of a top-level value */
	size_t			left[RESP_MAX_DEPTH];
};
_Static_assert(sizeof(struct resp_cursor) <= CODEC_CURSOR_MAX,
    "the resp cursor must fit CODEC_CURSOR_MAX");

/* One value at c->pos is complete and ends at end: close every array it
 * completes; return 1 when the top-level value is done. */
static int
resp_done(struct resp_cursor *c, size_t end)
{
	c->pos = c->scanned = end;
	while (c->depth > 0) {
		if (--c->left[c->depth - 1] > 0)
			return 0;
		c->depth--;
	}
	return 1;
}

#define RESP_AGAIN	(-3)	/* a value or header is done: go on */

/* The bulk string announced earlier is whole: check its CRLF. */
static ssize_t
resp_scan_bulk(struct resp_cursor *c, const unsigned char *p, size_t n,
    char *err, size_t errlen)
{
	size_t pos;

	if (n - c->bulk_at < c->bulk_len + 2)
		return CODEC_NEED_MORE;
	pos = c->bulk_at + c->bulk_len;
	c->base.examined += 2;
	if (p[pos] != '\r' || p[pos + 1] != '\n')
		return codec_err(err, errlen,
		    "RESP bulk string not followed by CRLF");
	c->bulk = 0;
	if (c->bulk_type == '=' && p[c->bulk_at + 3] != ':')
		return codec_err(err, errlen, "RESP verbatim string without a "
		    "\"fmt:\" prefix");
	if (c->depth == 0) {
		c->pl = c->bulk_at;
		c->pln = c->bulk_len;
	}
	return resp_done(c, pos + 2) ? (ssize_t)c->pos : RESP_AGAIN;
}

/* A one-line value (+ - : _ , # ( ) starting at start. */
static ssize_t
resp_scan_scalar(struct resp_cursor *c, unsigned char type,
    const unsigned char *p, size_t n, size_t start, size_t max_frame,
    char *err, size_t errlen)
{
	ssize_t cr;

	cr = resp_line(p, n, start, c->scanned, type == ':' ? RESP_MAX_NUM :
	    max_frame, &c->scanned, &c->base.examined, err, errlen);
	if (cr < 0)
		return cr;
	if (resp_scalar_ok(type, p + start, (size_t)cr - start, err,
	    errlen) == -1)
		return CODEC_ERROR;
	if (c->depth == 0) {
		c->pl = start;
		c->pln = (size_t)cr - start;
	}
	return resp_done(c, (size_t)cr + 2) ? (ssize_t)c->pos : RESP_AGAIN;
}

/* After a length header of v: a bulk string to wait for, or an aggregate
 * of v elements to open. */
static ssize_t
resp_scan_open(struct resp_cursor *c, unsigned char type, long long v,
    size_t pos, size_t max_frame, char *err, size_t errlen)
{
	if (type == '$' || type == '!' || type == '=') {
		if ((unsigned long long)v > max_frame ||
		    (size_t)v + 2 > max_frame - pos)
			return codec_err(err, errlen, "RESP bulk string of %lld "
			    "bytes exceeds the limit of %zu bytes", v,
			    max_frame);
		c->bulk = 1;
		c->bulk_at = pos;
		c->bulk_len = (size_t)v;
		c->bulk_type = type;
		return RESP_AGAIN;
	}
	if (c->depth >= RESP_MAX_DEPTH)
		return codec_err(err, errlen, "RESP arrays nested deeper than "
		    "%d", RESP_MAX_DEPTH);
	/* Each element takes at least three bytes. */
	if ((unsigned long long)v > max_frame / 3)
		return codec_err(err, errlen, "RESP array of %lld elements "
		    "exceeds the limit of %zu bytes", v, max_frame);
	c->left[c->depth++] = (size_t)v;
	c->pos = c->scanned = pos;
	return RESP_AGAIN;
}

/* A length header ($ ! = * ~ > % |) starting at start. */
static ssize_t
resp_scan_length(struct resp_cursor *c, unsigned char type,
    const unsigned char *p, size_t n, size_t start, size_t max_frame,
    char *err, size_t errlen)
{
	ssize_t cr;
	long long v;
	size_t pos;
	int bulk = type == '$' || type == '!' || type == '=';

	if ((cr = resp_line(p, n, start, c->scanned, RESP_MAX_NUM, &c->scanned,
	    &c->base.examined, err, errlen)) < 0)
		return cr;
	if (cr - (ssize_t)start == 1 && p[start] == '?')
		return codec_err(err, errlen, "streamed RESP3 aggregates are not "
		    "supported");
	if (resp_int(p + start, (size_t)cr - start, &v) == -1 || v < -1 ||
	    (v == -1 && type != '$' && type != '*'))
		return codec_err(err, errlen, "invalid RESP %s length",
		    bulk ? "bulk" : "aggregate");
	pos = (size_t)cr + 2;
	if (c->depth == 0) {
		c->pl = pos;
		c->pln = 0;
	}
	if (type == '=' && v < 4)
		return codec_err(err, errlen, "RESP verbatim string shorter than "
		    "its format prefix");
	if (type == '%' || type == '|') {
		if (v > LLONG_MAX / 2 - 1)
			return codec_err(err, errlen, "invalid RESP aggregate "
			    "length");
		/* Pairs; an attribute also holds the value it annotates. */
		v = v * 2 + (type == '|');
	}
	if (v == -1 || (!bulk && v == 0))
		return resp_done(c, pos) ? (ssize_t)c->pos : RESP_AGAIN;
	return resp_scan_open(c, type, v, pos, max_frame, err, errlen);
}

/* Advance the cursor through p[0..n) as far as the bytes allow: return the
 * offset just past the top-level value, NEED_MORE or ERROR. Each byte is
 * examined once. */
static ssize_t
resp_scan(struct resp_cursor *c, const unsigned char *p, size_t n,
    size_t max_frame, char *err, size_t errlen)
{
	unsigned char type;
	ssize_t r;

	for (;;) {
		if (c->bulk)
			r = resp_scan_bulk(c, p, n, err, errlen);
		else if (c->pos >= n)
			return CODEC_NEED_MORE;
		else if (strchr("+-:_,#(", (type = p[c->pos])) != NULL &&
		    type != '\0')
			r = resp_scan_scalar(c, type, p, n, c->pos + 1, max_frame,
			    err, errlen);
		else if (strchr("$!=*~>%|", type) != NULL && type != '\0')
			r = resp_scan_length(c, type, p, n, c->pos + 1, max_frame,
			    err, errlen);
		else
			return codec_err(err, errlen,
			    "unknown RESP type byte 0x%02x", type);
		if (r != RESP_AGAIN)
			return r;
	}
}

/* Decode one RESP value, resuming where the last call stopped; arrays keep
 * the whole frame as body. */
static ssize_t
resp_resume(struct codec_cursor *cur, const unsigned char *p, size_t n,
    size_t max_frame, struct codec_frame *out, char *err, size_t errlen)
{
	struct resp_cursor *c = (struct resp_cursor *)cur;
	size_t pl, pln;
	uint64_t examined;
	ssize_t r;

	if (n == 0)
		return CODEC_NEED_MORE;
	if (max_frame > RESP_MAX_LIMIT)
		max_frame = RESP_MAX_LIMIT;
	r = resp_scan(c, p, n, max_frame, err, errlen);
	if (r == CODEC_NEED_MORE && n <= max_frame)
		return r;
	pl = c->pl;
	pln = c->pln;
	examined = cur->examined;
	memset(c, 0, sizeof(*c));
	cur->examined = examined;
	if (r == CODEC_NEED_MORE)
		return codec_err(err, errlen,
		    "RESP value larger than %zu bytes", max_frame);
	if (r < 0)
		return r;
	if ((size_t)r > max_frame)
		return codec_err(err, errlen,
		    "RESP value of %zd bytes exceeds the limit of %zu bytes",
		    r, max_frame);
	memset(out, 0, sizeof(*out));
	out->frame = p;
	out->frame_len = (size_t)r;
	if (strchr("*~>%|", p[0]) != NULL) {
		out->body = p;
		out->body_len = (size_t)r;
	} else {
		out->body = p + pl;
		out->body_len = pln;
	}
	return r;
}

/* Decode one RESP value from scratch. */
static ssize_t
resp_decode(const unsigned char *p, size_t n, size_t max_frame,
    struct codec_frame *out, char *err, size_t errlen)
{
	struct resp_cursor c;

	memset(&c, 0, sizeof(c));
	return resp_resume(&c.base, p, n, max_frame, out, err, errlen);
}

/* Return the offset just past the valid value at pos. */
static size_t
resp_skip(const unsigned char *p, size_t n, size_t pos)
{
	const unsigned char *cr = memchr(p + pos, '\r', n - pos);
	size_t start = pos + 1, next = (size_t)(cr - p) + 2;
	long long v, i;

	if (strchr("$!=*~>%|", p[pos]) == NULL)
		return next;
	resp_int(p + start, (size_t)(cr - p) - start, &v);
	if (v <= 0 && p[pos] != '|')
		return next;
	if (p[pos] == '$' || p[pos] == '!' || p[pos] == '=')
		return next + (size_t)v + 2;
	if (p[pos] == '%' || p[pos] == '|')
		v = v * 2 + (p[pos] == '|');
	for (i = 0; i < v; i++)
		next = resp_skip(p, n, next);
	return next;
}

/* Bounded output for describe: stops with "..." once full. */
struct resp_out {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 full;
};

/* Append n bytes of text to o, or mark it full and end it in "...". */
static void
resp_put(struct resp_out *o, const char *s, size_t n)
{
	if (o->full)
		return;
	if (o->len + n + 1 > o->cap) {
		o->full = 1;
		o->len = o->cap > 4 ? o->cap - 4 : 0;
		while (o->len > 0 &&
		    ((unsigned char)o->p[o->len] & 0xc0) == 0x80)
			o->len--;
		if (o->len + 4 <= o->cap) {
			memcpy(o->p + o->len, "...", 3);
			o->len += 3;
		}
		o->p[o->len] = '\0';
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

/* Append escaped text (UTF-8 kept) to o. */
static void
resp_put_escaped(struct resp_out *o, const unsigned char *s, size_t n)
{
	char *tmp = xmalloc(o->cap + 8);
	size_t l;

	l = escape_bytes(s, n, tmp, o->cap + 8, 1);
	resp_put(o, tmp, l);
	free(tmp);
}

/* Render the valid value at pos the way redis-cli prints it; return the
 * offset just past it. */
static size_t
resp_render(const unsigned char *p, size_t n, size_t pos,
    struct resp_out *o)
{
	const unsigned char *cr = memchr(p + pos, '\r', n - pos);
	size_t start = pos + 1, ln = (size_t)(cr - p) - start, next;
	long long v, i;
	unsigned char t = p[pos];

	next = (size_t)(cr - p) + 2;
	switch (t) {
	case '+':
		resp_put_escaped(o, p + start, ln);
		return next;
	case '-':
		resp_put(o, "(error) ", 8);
		resp_put_escaped(o, p + start, ln);
		return next;
	case ':':
		resp_put(o, "(integer) ", 10);
		resp_put(o, (const char *)p + start, ln);
		return next;
	case '_':
		resp_put(o, "(nil)", 5);
		return next;
	case ',':
		resp_put(o, "(double) ", 9);
		resp_put(o, (const char *)p + start, ln);
		return next;
	case '#':
		resp_put(o, p[start] == 't' ? "(true)" : "(false)",
		    p[start] == 't' ? 6 : 7);
		return next;
	case '(':
		resp_put(o, "(big number) ", 13);
		resp_put(o, (const char *)p + start, ln);
		return next;
	}
	resp_int(p + start, ln, &v);
	if (v == -1) {
		resp_put(o, "(nil)", 5);
		return next;
	}
	if (t == '$' || t == '!' || t == '=') {
		if (t == '!')
			resp_put(o, "(error) ", 8);
		else
			resp_put(o, "\"", 1);
		resp_put_escaped(o, p + next + (t == '=' ? 4 : 0),
		    (size_t)v - (t == '=' ? 4 : 0));
		if (t != '!')
			resp_put(o, "\"", 1);
		return next + (size_t)v + 2;
	}
	if (t == '|') {
		/* Skip the attribute, show the value it annotates. */
		for (i = 0; i < 2 * v; i++)
			next = resp_skip(p, n, next);
		return resp_render(p, n, next, o);
	}
	if (v == 0) {
		resp_put(o, t == '%' ? "(empty map)" : t == '~' ? "(empty set)"
		    : "(empty array)", t == '*' || t == '>' ? 13 : 11);
		return next;
	}
	if (t == '>')
		resp_put(o, "(push) ", 7);
	resp_put(o, t == '%' ? "{" : "[", 1);
	for (i = 0; i < (t == '%' ? 2 * v : v); i++) {
		if (i > 0)
			resp_put(o, t == '%' && (i & 1) ? ": " : ", ", 2);
		next = resp_render(p, n, next, o);
	}
	resp_put(o, t == '%' ? "}" : "]", 1);
	return next;
}

/* Render a decoded frame like redis-cli: "bulk", simple, (integer) 1,
 * (error) ERR ..., (nil), [a, b]. */
static void
resp_describe(const struct codec_frame *f, char *out, size_t outlen)
{
	struct resp_out o;
	struct resp_cursor c;

	if (outlen == 0)
		return;
	out[0] = '\0';
	memset(&c, 0, sizeof(c));
	if (f->frame_len == 0 || resp_scan(&c, f->frame, f->frame_len,
	    RESP_MAX_LIMIT, NULL, 0) != (ssize_t)f->frame_len) {
		codec_describe_bytes(f->frame, f->frame_len, out, outlen);
		return;
	}
	o.p = out;
	o.len = 0;
	o.cap = outlen;
	o.full = 0;
	resp_render(f->frame, f->frame_len, 0, &o);
}

/* Split a command line into arguments, redis-cli style, each appended to
 * args as a bulk string; return the count or -1 with a reason in err. */
static long
resp_split(const unsigned char *s, size_t n, struct buf *args, char *err,
    size_t errlen)
{
	struct buf tok;
	size_t i = 0;
	long count = 0;
	unsigned char q, c;

	buf_init(&tok);
	for (;;) {
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
		    s[i] == '\n'))
			i++;
		if (i == n)
			break;
		buf_reset(&tok);
		q = 0;
		while (i < n) {
			c = s[i];
			if (q == 0 && (c == ' ' || c == '\t' || c == '\r' ||
			    c == '\n'))
				break;
			i++;
			if (q == 0 && (c == '"' || c == '\'')) {
				q = c;
				continue;
			}
			if (q != 0 && c == q) {
				/* A closing quote must end the argument. */
				if (i < n && s[i] != ' ' && s[i] != '\t' &&
				    s[i] != '\r' && s[i] != '\n')
					goto badquote;
				q = 0;
				break;
			}
			if (q == '"' && c == '\\' && i < n) {
				c = s[i++];
				switch (c) {
				case 'n': c = '\n'; break;
				case 'r': c = '\r'; break;
				case 't': c = '\t'; break;
				case 'b': c = '\b'; break;
				case 'a': c = '\a'; break;
				case 'x':
					if (i + 2 <= n && hex_digit(s[i]) >= 0 &&
					    hex_digit(s[i + 1]) >= 0) {
						c = (unsigned char)(hex_digit(s[i]) *
						    16 + hex_digit(s[i + 1]));
						i += 2;
					}
					break;
				}
			} else if (q == '\'' && c == '\\' && i < n &&
			    s[i] == '\'')
				c = s[i++];
			buf_append(&tok, &c, 1);
		}
		if (q != 0) {
			buf_free(&tok);
			codec_err(err, errlen, "unbalanced quotes in command");
			return -1;
		}
		buf_printf(args, "$%zu\r\n", buf_len(&tok));
		if (buf_len(&tok) > 0)
			buf_append(args, buf_data(&tok), buf_len(&tok));
		buf_append(args, "\r\n", 2);
		count++;
	}
	buf_free(&tok);
	return count;
badquote:
	buf_free(&tok);
	codec_err(err, errlen, "closing quote must be followed by a space");
	return -1;
}

/* Encode a command line as an array of bulk strings; a body that is
 * already RESP (starts with '*', or is one complete value) goes as is. */
static int
resp_encode(const unsigned char *body, size_t body_len, const char *head,
    struct buf *out, char *err, size_t errlen)
{
	struct codec_frame f;
	struct buf args;
	long count;

	(void)head;
	if (body_len > 0 && (body[0] == '*' || (strchr("+-:$", body[0]) !=
	    NULL && body[0] != '\0' && resp_decode(body, body_len,
	    RESP_MAX_LIMIT, &f, NULL, 0) == (ssize_t)body_len))) {
		buf_append(out, body, body_len);
		return 0;
	}
	buf_init(&args);
	if ((count = resp_split(body, body_len, &args, err, errlen)) <= 0) {
		if (count == 0)
			codec_err(err, errlen, "empty command");
		buf_free(&args);
		return -1;
	}
	buf_printf(out, "*%ld\r\n", count);
	buf_append(out, buf_data(&args), buf_len(&args));
	buf_free(&args);
	return 0;
}

/* Return 1 if p[0..n) is a JSON number (RFC 8259, 6). */
static int
resp_json_number(const unsigned char *p, size_t n)
{
	size_t i = 0, d;

	if (i < n && p[i] == '-')
		i++;
	for (d = i; i < n && p[i] >= '0' && p[i] <= '9'; i++)
		;
	if (i == d || (p[d] == '0' && i - d > 1))
		return 0;
	if (i < n && p[i] == '.') {
		for (d = ++i; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		for (d = i; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	return i == n;
}

/* Append the JSON of the valid value at pos to b; return the offset just
 * past it. Strings are JSON strings, errors {"error": text}, nil null,
 * maps objects (a key that is not a string by its JSON text), attributes
 * skipped for the value they annotate. */
static size_t
resp_json(const unsigned char *p, size_t n, size_t pos, struct buf *b)
{
	const unsigned char *cr = memchr(p + pos, '\r', n - pos);
	size_t start = pos + 1, ln = (size_t)(cr - p) - start, next, mark;
	struct codec_value tv = { CODEC_V_TEXT, 0, p + start, ln };
	long long v, i;
	unsigned char t = p[pos];

	next = (size_t)(cr - p) + 2;
	switch (t) {
	case '+':
		codec_value_json(&tv, b);
		return next;
	case '-':
		buf_append_str(b, "{\"error\":");
		codec_value_json(&tv, b);
		buf_append(b, "}", 1);
		return next;
	case ':':
		/* As a number: "+5" and "007" are RESP but not JSON. */
		resp_int(p + start, ln, &v);
		buf_printf(b, "%lld", v);
		return next;
	case '(':
		/* A big number is a JSON number unless it has a '+'. */
		if (resp_json_number(p + start, ln))
			buf_append(b, p + start, ln);
		else
			codec_value_json(&tv, b);
		return next;
	case '_':
		buf_append(b, "null", 4);
		return next;
	case '#':
		buf_append_str(b, p[start] == 't' ? "true" : "false");
		return next;
	case ',':
		/* JSON has no inf or nan: those stay strings. */
		if (resp_json_number(p + start, ln))
			buf_append(b, p + start, ln);
		else
			codec_value_json(&tv, b);
		return next;
	}
	resp_int(p + start, ln, &v);
	if (v == -1) {
		buf_append(b, "null", 4);
		return next;
	}
	if (t == '$' || t == '!' || t == '=') {
		tv.s = p + next + (t == '=' ? 4 : 0);
		tv.len = (size_t)v - (t == '=' ? 4 : 0);
		if (t == '!')
			buf_append_str(b, "{\"error\":");
		codec_value_json(&tv, b);
		if (t == '!')
			buf_append(b, "}", 1);
		return next + (size_t)v + 2;
	}
	if (t == '|') {
		for (i = 0; i < 2 * v; i++)
			next = resp_skip(p, n, next);
		return resp_json(p, n, next, b);
	}
	buf_append(b, t == '%' ? "{" : "[", 1);
	for (i = 0; i < (t == '%' ? 2 * v : v); i++) {
		if (i > 0)
			buf_append(b, t == '%' && (i & 1) ? ":" : ",", 1);
		if (t == '%' && !(i & 1) && p[next] != '+' && p[next] != '$') {
			/* A key that is not a string: its JSON as a string. */
			struct buf key;
			struct codec_value kv;

			buf_init(&key);
			next = resp_json(p, n, next, &key);
			kv.type = CODEC_V_TEXT;
			kv.s = buf_data(&key);
			kv.len = buf_len(&key);
			codec_value_json(&kv, b);
			buf_free(&key);
			continue;
		}
		mark = next;
		next = resp_json(p, n, mark, b);
	}
	buf_append(b, t == '%' ? "}" : "]", 1);
	return next;
}

/* The type names fields report, by type byte. */
static const char *
resp_type_name(const unsigned char *p, size_t n)
{
	long long v = 0;
	const unsigned char *cr = memchr(p, '\r', n);

	switch (p[0]) {
	case '+': return "status";
	case '-': case '!': return "error";
	case ':': return "int";
	case '_': return "nil";
	case ',': return "double";
	case '#': return "bool";
	case '(': return "bignum";
	case '=': return "verbatim";
	case '~': return "set";
	case '%': return "map";
	case '>': return "push";
	case '|': return "attribute";
	}
	resp_int(p + 1, (size_t)(cr - p) - 1, &v);
	if (v == -1)
		return "nil";
	return p[0] == '$' ? "string" : "array";
}

static const char *const resp_field_names[] = { "kind", "type", "value",
    "text", "int", "push", "body", NULL };

/* Report kind and type (the same RESP type name), value (JSON), text (a
 * scalar's text: status, error, string, verbatim content, double, big
 * number), int (an integer's value), push (1 for a RESP3 push). */
static int
resp_fields(const struct codec_frame *f, struct buf *scratch,
    codec_field_cb cb, void *arg)
{
	struct resp_cursor c;
	struct codec_field fld;
	const unsigned char *p = f->frame;
	const char *type;
	size_t at = 0;
	long long v;

	memset(&c, 0, sizeof(c));
	if (f->frame_len == 0 || resp_scan(&c, p, f->frame_len, RESP_MAX_LIMIT,
	    NULL, 0) != (ssize_t)f->frame_len)
		return -1;
	/* An attribute annotates the value after it: report that value. */
	if (p[0] == '|') {
		const unsigned char *cr = memchr(p, '\r', f->frame_len);
		long long i;

		resp_int(p + 1, (size_t)(cr - p) - 1, &v);
		at = (size_t)(cr - p) + 2;
		for (i = 0; i < 2 * v; i++)
			at = resp_skip(p, f->frame_len, at);
	}
	type = resp_type_name(p + at, f->frame_len - at);
	memset(&fld, 0, sizeof(fld));
	fld.name = "kind";
	fld.name_len = 4;
	fld.v.s = (const unsigned char *)type;
	fld.v.len = strlen(type);
	if (cb(arg, &fld))
		return 0;
	fld.name = "type";
	if (cb(arg, &fld))
		return 0;
	buf_reset(scratch);
	resp_json(p, f->frame_len, at, scratch);
	fld.name = "value";
	fld.name_len = 5;
	fld.v.type = CODEC_V_JSON;
	fld.v.s = buf_data(scratch);
	fld.v.len = buf_len(scratch);
	if (cb(arg, &fld))
		return 0;
	if (strchr("+-:,(!=$", p[at]) != NULL && strcmp(type, "nil") != 0) {
		const unsigned char *cr = memchr(p + at, '\r',
		    f->frame_len - at);
		size_t ln = (size_t)(cr - p) - at - 1;

		fld.v.type = CODEC_V_TEXT;
		fld.v.s = p + at + 1;
		fld.v.len = ln;
		if (strchr("!=$", p[at]) != NULL) {
			resp_int(p + at + 1, ln, &v);
			fld.v.s = cr + 2 + (p[at] == '=' ? 4 : 0);
			fld.v.len = (size_t)v - (p[at] == '=' ? 4 : 0);
		}
		fld.name = "text";
		fld.name_len = 4;
		if (cb(arg, &fld))
			return 0;
		if (p[at] == ':') {
			resp_int(p + at + 1, ln, &v);
			fld.name = "int";
			fld.name_len = 3;
			fld.v.type = CODEC_V_INT;
			fld.v.num = v;
			if (cb(arg, &fld))
				return 0;
		}
	}
	fld.name = "push";
	fld.name_len = 4;
	fld.v.type = CODEC_V_INT;
	fld.v.num = p[at] == '>';
	fld.v.s = (const unsigned char *)(p[at] == '>' ? "1" : "0");
	fld.v.len = 1;
	if (cb(arg, &fld))
		return 0;
	fld.name = "body";
	fld.v.type = CODEC_V_TEXT;
	fld.v.num = 0;
	fld.v.s = f->body;
	fld.v.len = f->body_len;
	cb(arg, &fld);
	return 0;
}

int
resp_build_command(const char *const *argv, const size_t *lens, size_t argc,
    struct buf *out)
{
	size_t i;

	if (argc == 0)
		return -1;
	buf_printf(out, "*%zu\r\n", argc);
	for (i = 0; i < argc; i++) {
		size_t l = lens != NULL ? lens[i] : strlen(argv[i]);

		buf_printf(out, "$%zu\r\n", l);
		buf_append(out, argv[i], l);
		buf_append(out, "\r\n", 2);
	}
	return 0;
}

const struct codec codec_resp = {
	.name = "resp",
	.summary = "Redis protocol (RESP2 and RESP3); encodes command lines as "
	    "arrays",
	.decode = resp_decode,
	.resume = resp_resume,
	.cursor_size = sizeof(struct resp_cursor),
	.encode = resp_encode,
	.describe = resp_describe,
	.fields = resp_fields,
	.field_names = resp_field_names,
};
