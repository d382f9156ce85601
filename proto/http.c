/* The http codec: HTTP/1.x requests and responses, framed by their head and
 * a Content-Length or chunked body. Like picohttpparser, decode is given the
 * bytes so far; resume also remembers how far it got, so a message that
 * trickles in is parsed once, not once per read. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "codec.h"
#include "hex.h"
#include "codec_util.h"
#include "util.h"

#define HTTP_MAX_CHUNK_LINE	1024	/* chunk size plus extensions */
#define HTTP_MAX_HEADERS	1024	/* header or trailer fields */
#define HTTP_MAX_LIMIT		((size_t)SSIZE_MAX / 16)

/* What the head says about the message and its body. */
struct http_head {
	size_t	 skip;		/* empty lines before the start line */
	size_t	 end;		/* offset just past the blank line */
	size_t	 start_len;	/* start line length without EOL */
	int	 response;
	int	 status;
	int	 has_length;
	size_t	 length;
	size_t	 fields;	/* header (then trailer) lines so far */
	int	 te;		/* a Transfer-Encoding header was seen */
	int	 chunked;	/* and its last coding is chunked */
};

/* Return 1 if c may appear in an HTTP token (a method or header name). */
static int
http_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Return 1 if p[0..n) is "HTTP/" DIGIT "." DIGIT. */
static int
http_version(const unsigned char *p, size_t n)
{
	return n == 8 && memcmp(p, "HTTP/", 5) == 0 &&
	    p[5] >= '0' && p[5] <= '9' && p[6] == '.' &&
	    p[7] >= '0' && p[7] <= '9';
}

/* Parse a request line or status line of n bytes into h. */
static int
http_start_line(const unsigned char *p, size_t n, struct http_head *h)
{
	size_t i, t;

	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		if (n < 12 || !http_version(p, 8) || p[8] != ' ')
			return -1;
		for (i = 9; i < 12; i++)
			if (p[i] < '0' || p[i] > '9')
				return -1;
		if (n > 12 && p[12] != ' ')
			return -1;
		h->response = 1;
		h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 +
		    (p[11] - '0');
		return 0;
	}
	for (i = 0; i < n && http_tchar(p[i]); i++)
		;
	if (i == 0 || i >= n || p[i] != ' ')
		return -1;
	t = ++i;
	while (i < n && p[i] > ' ' && p[i] != 0x7f)
		i++;
	if (i == t || i >= n || p[i] != ' ')
		return -1;
	i++;
	return http_version(p + i, n - i) ? 0 : -1;
}

/* Return 1 if the n-byte value equals the word w, ignoring case. */
static int
http_is(const unsigned char *v, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp((const char *)v, w, n) == 0;
}

/* Return 1 if the comma-separated list v[0..n) holds the token w, ignoring
 * case (a Connection header's options). */
static int
http_token_in(const unsigned char *v, size_t n, const char *w)
{
	size_t i = 0, s, e;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e > s && http_is(v + s, e - s, w))
			return 1;
	}
	return 0;
}

/* Record what one "name: value" line says about framing in h. */
static ssize_t
http_header(const unsigned char *p, size_t n, size_t max_frame,
    struct http_head *h, char *err, size_t errlen)
{
	const unsigned char *v, *last;
	size_t i, name, vn;
	size_t len = 0;

	if (p[0] == ' ' || p[0] == '\t')
		return codec_err(err, errlen,
		    "obsolete folded header line is not supported");
	for (name = 0; name < n && http_tchar(p[name]); name++)
		;
	if (name == 0 || name >= n || p[name] != ':')
		return codec_err(err, errlen, "malformed header line \"%.*s\"",
		    (int)(n > 40 ? 40 : n), (const char *)p);
	v = p + name + 1;
	vn = n - name - 1;
	while (vn > 0 && (v[0] == ' ' || v[0] == '\t'))
		v++, vn--;
	while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
		vn--;
	for (i = 0; i < vn; i++)
		if ((v[i] < ' ' && v[i] != '\t') || v[i] == 0x7f)
			return codec_err(err, errlen,
			    "control character in header \"%.*s\"",
			    (int)name, (const char *)p);
	if (http_is(p, name, "content-length")) {
		if (vn == 0)
			return codec_err(err, errlen, "empty Content-Length");
		for (i = 0; i < vn; i++) {
			if (v[i] < '0' || v[i] > '9')
				return codec_err(err, errlen,
				    "invalid Content-Length \"%.*s\"",
				    (int)(vn > 30 ? 30 : vn), (const char *)v);
			if (len <= max_frame)
				len = len * 10 + (size_t)(v[i] - '0');
		}
		if (len > max_frame)
			return codec_err(err, errlen,
			    "Content-Length %.*s exceeds the limit of %zu bytes",
			    (int)(vn > 30 ? 30 : vn), (const char *)v,
			    max_frame);
		if (h->has_length && h->length != len)
			return codec_err(err, errlen,
			    "conflicting Content-Length headers");
		h->has_length = 1;
		h->length = len;
	} else if (http_is(p, name, "transfer-encoding")) {
		/* The last coding decides whether the body is chunked. */
		last = v + vn;
		while (last > v && last[-1] != ',')
			last--;
		while (last < v + vn && (*last == ' ' || *last == '\t'))
			last++;
		h->te = 1;
		h->chunked = http_is(last, (size_t)(v + vn - last), "chunked");
	}
	return 0;
}

/* Where the http decoder is in the pending message. */
enum http_stage {
	HTTP_BLANK = 0,		/* skipping empty lines before the start */
	HTTP_START,		/* looking for the end of the start line */
	HTTP_FIELDS,		/* looking for the end of a header line */
	HTTP_BODY,		/* head done: decide how the body is framed */
	HTTP_CHUNK_LINE,	/* looking for the end of a chunk size line */
	HTTP_CHUNK_DATA,	/* waiting for csize bytes of chunk data */
	HTTP_TRAILERS		/* looking for the empty line after them */
};

/* The http decoder's memory: the head fields and chunks already parsed and
 * how far the search for the current line's LF got, all as offsets from
 * the start of the pending bytes. */
struct http_cursor {
	struct codec_cursor	base;
	enum http_stage		stage;
	struct http_head	h;
	size_t			ls;		/* start of the current line */
	size_t			scanned;	/* [ls, scanned) holds no LF */
	size_t			csize;		/* chunk data awaited */
	size_t			data;		/* chunk data seen so far */
	size_t			chunks;
	int			chunked_body;	/* the body was chunked */
};
_Static_assert(sizeof(struct http_cursor) <= CODEC_CURSOR_MAX,
    "the http cursor must fit CODEC_CURSOR_MAX");

/* Find the LF ending the line at c->ls within p[0..lim), searching only
 * bytes not searched before; NULL if it is not there yet. */
static const unsigned char *
http_find_lf(struct http_cursor *c, const unsigned char *p, size_t lim)
{
	const unsigned char *nl;
	size_t from = c->scanned > c->ls ? c->scanned : c->ls;

	if (from >= lim) {
		c->scanned = from;
		return NULL;
	}
	nl = memchr(p + from, '\n', lim - from);
	c->base.examined += (nl != NULL ? (size_t)(nl - p) + 1 : lim) - from;
	c->scanned = nl != NULL ? (size_t)(nl - p) + 1 : lim;
	return nl;
}

/* Length of the line at c->ls that the LF at nl ends, without its CR. */
static size_t
http_line_len(const struct http_cursor *c, const unsigned char *p,
    const unsigned char *nl)
{
	size_t ll = (size_t)(nl - p) - c->ls;

	if (ll > 0 && p[c->ls + ll - 1] == '\r')
		ll--;
	return ll;
}

/* Parse one chunk size line of ll bytes at p into *size; -1 if invalid. */
static int
http_chunk_size(const unsigned char *p, size_t ll, size_t max_frame,
    size_t *size)
{
	size_t i, v = 0;

	for (i = 0; i < ll; i++) {
		int d = hex_digit(p[i]);

		if (d < 0)
			break;
		if (v <= max_frame)
			v = v * 16 + (unsigned)d;
	}
	if (i == 0 || (i < ll && p[i] != ';' && p[i] != ' ' && p[i] != '\t'))
		return -1;
	*size = v;
	return 0;
}

#define HTTP_AGAIN	(-3)	/* a stage is done: run the next one */
#define HTTP_CHUNK_MORE	(-4)	/* need more of a chunked body */

/* Skip empty lines before the start line (RFC 9112, 2.2). */
static ssize_t
http_scan_blank(struct http_cursor *c, const unsigned char *p, size_t n,
    size_t max_frame, char *err, size_t errlen)
{
	struct http_head *h = &c->h;

	/* Tolerate empty lines before the start line (RFC
	 * 9112, 2.2). */
	while (c->ls < n && (p[c->ls] == '\r' ||
	    p[c->ls] == '\n')) {
		if (p[c->ls] == '\r' && c->ls + 1 >= n)
			return CODEC_NEED_MORE;
		if (p[c->ls] == '\r' && p[c->ls + 1] != '\n')
			return codec_err(err, errlen,
			    "bare CR before the start line");
		c->ls += p[c->ls] == '\r' ? 2 : 1;
		c->base.examined += 2;
		if (c->ls > max_frame)
			return codec_err(err, errlen,
			    "more than %zu bytes of empty lines",
			    max_frame);
	}
	if (c->ls >= n)
		return CODEC_NEED_MORE;
	h->skip = c->ls;
	c->scanned = c->ls;
	c->stage = HTTP_START;
	return HTTP_AGAIN;
}

/* Read the start line or one header field line; the empty line ends the
 * head. */
static ssize_t
http_scan_head(struct http_cursor *c, const unsigned char *p, size_t n,
    size_t max_frame, char *err, size_t errlen)
{
	struct http_head *h = &c->h;
	const unsigned char *nl;
	size_t lim, ll;

	lim = n - h->skip > max_frame ? h->skip + max_frame : n;
	if ((nl = http_find_lf(c, p, lim)) == NULL) {
		if (n - h->skip >= max_frame)
			return codec_err(err, errlen,
			    "HTTP head longer than %zu bytes",
			    max_frame);
		return CODEC_NEED_MORE;
	}
	ll = http_line_len(c, p, nl);
	if (c->stage == HTTP_START) {
		if (http_start_line(p + c->ls, ll, h) == -1)
			return codec_err(err, errlen,
			    "malformed HTTP start line \"%.*s\"",
			    (int)(ll > 60 ? 60 : ll),
			    (const char *)p + c->ls);
		h->start_len = ll;
		c->stage = HTTP_FIELDS;
	} else if (ll == 0) {
		h->end = (size_t)(nl - p) + 1;
		c->stage = HTTP_BODY;
	} else if (++h->fields > HTTP_MAX_HEADERS)
		return codec_err(err, errlen,
		    "more than %d header fields",
		    HTTP_MAX_HEADERS);
	else if (http_header(p + c->ls, ll, max_frame, h, err,
	    errlen) == CODEC_ERROR)
		return CODEC_ERROR;
	c->ls = c->scanned = (size_t)(nl - p) + 1;
	return HTTP_AGAIN;
}

/* The head is whole: frame the body by status, method hint, chunked
 * coding, Content-Length or the close. */
static ssize_t
http_scan_body(struct http_cursor *c, const unsigned char *p, size_t n,
    size_t max_frame, char *err, size_t errlen)
{
	struct http_head *h = &c->h;

	(void)p;
	if (h->response && (h->status / 100 == 1 ||
	    h->status == 204 || h->status == 304 ||
	    (c->base.hint & CODEC_HINT_HEAD)))
		return (ssize_t)h->end;
	if (h->te && h->has_length)
		return codec_err(err, errlen,
		    "both Transfer-Encoding and Content-Length");
	if (h->te && h->chunked) {
		c->chunked_body = 1;
		c->ls = c->scanned = h->end;
		c->stage = HTTP_CHUNK_LINE;
		return HTTP_AGAIN;
	}
	if (h->te && !h->response)
		return codec_err(err, errlen, "request "
		    "Transfer-Encoding does not end in chunked");
	if (h->has_length)
		return n - h->end < h->length ?
		    CODEC_NEED_MORE :
		    (ssize_t)(h->end + h->length);
	if (!h->response)
		return (ssize_t)h->end;
	/* A response delimited by the close of the
	 * connection. */
	if (n - h->end > max_frame)
		return codec_err(err, errlen, "response without"
		    " Content-Length longer than %zu bytes"
		    " (read-until-close cannot be framed)",
		    max_frame);
	return CODEC_NEED_MORE;
}

/* Read one chunk-size line of a chunked body (RFC 9112, 7.1). */
static ssize_t
http_scan_chunk_line(struct http_cursor *c, const unsigned char *p, size_t n,
    size_t max_frame, char *err, size_t errlen)
{
	struct http_head *h = &c->h;
	const unsigned char *nl;
	size_t lim, ll, size, rel;

	lim = n - c->ls > HTTP_MAX_CHUNK_LINE ?
	    c->ls + HTTP_MAX_CHUNK_LINE : n;
	if ((nl = http_find_lf(c, p, lim)) == NULL) {
		if (n - c->ls >= HTTP_MAX_CHUNK_LINE)
			return codec_err(err, errlen,
			    "chunk size line longer than %d "
			    "bytes", HTTP_MAX_CHUNK_LINE);
		return HTTP_CHUNK_MORE;
	}
	ll = http_line_len(c, p, nl);
	if (http_chunk_size(p + c->ls, ll, max_frame,
	    &size) == -1)
		return codec_err(err, errlen,
		    "invalid chunk size line \"%.*s\"",
		    (int)(ll > 40 ? 40 : ll),
		    (const char *)p + c->ls);
	c->ls = c->scanned = (size_t)(nl - p) + 1;
	rel = c->ls - h->end;
	if (rel > max_frame || size > max_frame ||
	    size + 2 > max_frame - rel)
		return codec_err(err, errlen,
		    "chunked body exceeds the limit of %zu "
		    "bytes", max_frame);
	c->csize = size;
	c->stage = size == 0 ? HTTP_TRAILERS : HTTP_CHUNK_DATA;
	return HTTP_AGAIN;
}

/* Skip one chunk's data and the CRLF after it. */
static ssize_t
http_scan_chunk_data(struct http_cursor *c, const unsigned char *p, size_t n,
    size_t max_frame, char *err, size_t errlen)
{
	(void)max_frame;
	if (n - c->ls < c->csize + 1)
		return HTTP_CHUNK_MORE;
	c->base.examined += 2;
	if (p[c->ls + c->csize] == '\r') {
		if (n - c->ls < c->csize + 2)
			return HTTP_CHUNK_MORE;
		if (p[c->ls + c->csize + 1] != '\n')
			return codec_err(err, errlen,
			    "chunk data not followed by CRLF");
		c->ls += c->csize + 2;
	} else if (p[c->ls + c->csize] == '\n')
		c->ls += c->csize + 1;
	else
		return codec_err(err, errlen,
		    "chunk data not followed by CRLF");
	c->scanned = c->ls;
	c->data += c->csize;
	c->chunks++;
	c->stage = HTTP_CHUNK_LINE;
	return HTTP_AGAIN;
}

/* Read one trailer field line; the empty line ends the message. */
static ssize_t
http_scan_trailer(struct http_cursor *c, const unsigned char *p, size_t n,
    size_t max_frame, char *err, size_t errlen)
{
	struct http_head *h = &c->h;
	const unsigned char *nl;
	size_t ll;

	/* Trailer fields, if any, end with an empty line. */
	if ((nl = http_find_lf(c, p, n)) == NULL)
		return HTTP_CHUNK_MORE;
	ll = http_line_len(c, p, nl);
	c->ls = c->scanned = (size_t)(nl - p) + 1;
	if (c->ls - h->end > max_frame)
		return codec_err(err, errlen,
		    "chunked body exceeds the limit of %zu "
		    "bytes", max_frame);
	if (ll == 0)
		return (ssize_t)c->ls;
	if (++h->fields > 2 * HTTP_MAX_HEADERS)
		return codec_err(err, errlen,
		    "more than %d trailer fields",
		    HTTP_MAX_HEADERS);
	return HTTP_AGAIN;
}

/* Advance the cursor through p[0..n) as far as the bytes allow: return the
 * whole message's length, NEED_MORE or ERROR. Each byte is examined once
 * (a chunk size line, at most HTTP_MAX_CHUNK_LINE bytes, twice). */
static ssize_t
http_scan(struct http_cursor *c, const unsigned char *p, size_t n,
    size_t max_frame, char *err, size_t errlen)
{
	ssize_t r = HTTP_AGAIN;

	while (r == HTTP_AGAIN) {
		switch (c->stage) {
		case HTTP_BLANK:
			r = http_scan_blank(c, p, n, max_frame, err, errlen);
			break;
		case HTTP_START:
		case HTTP_FIELDS:
			r = http_scan_head(c, p, n, max_frame, err, errlen);
			break;
		case HTTP_BODY:
			r = http_scan_body(c, p, n, max_frame, err, errlen);
			break;
		case HTTP_CHUNK_LINE:
			r = http_scan_chunk_line(c, p, n, max_frame, err, errlen);
			break;
		case HTTP_CHUNK_DATA:
			r = http_scan_chunk_data(c, p, n, max_frame, err, errlen);
			break;
		case HTTP_TRAILERS:
			r = http_scan_trailer(c, p, n, max_frame, err, errlen);
			break;
		}
	}
	if (r != HTTP_CHUNK_MORE)
		return r;
	if (n - c->h.end > max_frame)
		return codec_err(err, errlen,
		    "chunked body exceeds the limit of %zu bytes", max_frame);
	return CODEC_NEED_MORE;
}

/* Decode one request or response, resuming where the last call stopped. */
static ssize_t
http_resume(struct codec_cursor *cur, const unsigned char *p, size_t n,
    size_t max_frame, struct codec_frame *out, char *err, size_t errlen)
{
	struct http_cursor *c = (struct http_cursor *)cur;
	struct http_head h;
	uint64_t examined;
	ssize_t r;

	if (n == 0)
		return CODEC_NEED_MORE;
	/* Keep length arithmetic far from overflow whatever the caller asks. */
	if (max_frame > HTTP_MAX_LIMIT)
		max_frame = HTTP_MAX_LIMIT;
	r = http_scan(c, p, n, max_frame, err, errlen);
	if (r == CODEC_NEED_MORE)
		return r;
	h = c->h;
	examined = cur->examined;
	memset(c, 0, sizeof(*c));
	cur->examined = examined;
	if (r < 0)
		return r;
	memset(out, 0, sizeof(*out));
	out->frame = p;
	out->frame_len = (size_t)r;
	out->head = p + h.skip;
	out->head_len = h.end - h.skip;
	out->body = p + h.end;
	out->body_len = (size_t)r - h.end;
	return r;
}

/* Decode one request or response from scratch. */
static ssize_t
http_decode(const unsigned char *p, size_t n, size_t max_frame,
    struct codec_frame *out, char *err, size_t errlen)
{
	struct http_cursor c;

	memset(&c, 0, sizeof(c));
	return http_resume(&c.base, p, n, max_frame, out, err, errlen);
}

/* Scan the head of a decoded frame f into *c (a response read as if it
 * answered HEAD, so that its head alone is taken): 0, or -1 if f is not a
 * message this codec framed. */
static int
http_frame_head(const struct codec_frame *f, struct http_cursor *c)
{
	ssize_t r;

	memset(c, 0, sizeof(*c));
	c->base.hint = CODEC_HINT_HEAD;
	if (f->frame_len == 0)
		return -1;
	r = http_scan(c, f->frame, f->frame_len, HTTP_MAX_LIMIT, NULL, 0);
	if (r == CODEC_ERROR || (r == CODEC_NEED_MORE && c->stage != HTTP_BODY))
		return -1;
	if (r == CODEC_NEED_MORE) {
		/* A request scanned to its body, not done. */
		return c->h.end <= f->frame_len ? 0 : -1;
	}
	return 0;
}

/* Render the start line and the body size (decoded size if chunked). */
static void
http_describe(const struct codec_frame *f, char *out, size_t outlen)
{
	struct http_cursor c, d;
	size_t o;
	char tail[96];

	if (outlen == 0)
		return;
	out[0] = '\0';
	if (http_frame_head(f, &c) == -1) {
		codec_describe_bytes(f->frame, f->frame_len, out, outlen);
		return;
	}
	memset(&d, 0, sizeof(d));
	if (c.h.chunked && !c.h.has_length && f->frame_len > c.h.end &&
	    http_scan(&d, f->frame, f->frame_len, HTTP_MAX_LIMIT, NULL, 0) ==
	    (ssize_t)f->frame_len && d.chunked_body)
		snprintf(tail, sizeof(tail), " (%zu body bytes in %zu chunks)",
		    d.data, d.chunks);
	else
		snprintf(tail, sizeof(tail), " (%zu body bytes)",
		    f->frame_len - c.h.end);
	o = escape_bytes(f->frame + c.h.skip, c.h.start_len, out,
	    outlen > strlen(tail) ? outlen - strlen(tail) : 1, 1);
	if (o + strlen(tail) < outlen)
		memcpy(out + o, tail, strlen(tail) + 1);
}

/* The peer closed: a response without Content-Length or chunking ends
 * here (RFC 9112, 6.3, rule 8). */
static ssize_t
http_decode_eof(const unsigned char *p, size_t n, size_t max_frame,
    struct codec_frame *out, char *err, size_t errlen)
{
	struct http_cursor c;
	ssize_t r;

	if (max_frame > HTTP_MAX_LIMIT)
		max_frame = HTTP_MAX_LIMIT;
	memset(&c, 0, sizeof(c));
	r = http_scan(&c, p, n, max_frame, err, errlen);
	if (r != CODEC_NEED_MORE)
		return r;
	if (c.stage != HTTP_BODY || !c.h.response || c.h.has_length ||
	    (c.h.te && c.h.chunked))
		return CODEC_NEED_MORE;
	memset(out, 0, sizeof(*out));
	out->frame = p;
	out->frame_len = n;
	out->head = p + c.h.skip;
	out->head_len = c.h.end - c.h.skip;
	out->body = p + c.h.end;
	out->body_len = n - c.h.end;
	return (ssize_t)n;
}

/* Report a field of text p[0..n) named name (in group, or NULL). */
static int
http_emit(codec_field_cb cb, void *arg, const char *group, const char *name,
    size_t name_len, const unsigned char *p, size_t n)
{
	struct codec_field fld;

	memset(&fld, 0, sizeof(fld));
	fld.group = group;
	fld.name = name;
	fld.name_len = name_len;
	fld.v.s = p;
	fld.v.len = n;
	return cb(arg, &fld);
}

/* Report each "name: value" line of p[from..to) as a member of group;
 * *close gets whether a Connection header says close (1) or keep-alive
 * (0). Returns nonzero if cb stopped the walk. */
static int
http_emit_lines(codec_field_cb cb, void *arg, const char *group,
    const unsigned char *p, size_t from, size_t to, int *close)
{
	const unsigned char *nl, *v;
	size_t ll, name, vn;

	while (from < to && (nl = memchr(p + from, '\n', to - from)) != NULL) {
		ll = (size_t)(nl - p) - from;
		if (ll > 0 && p[from + ll - 1] == '\r')
			ll--;
		if (ll == 0)
			break;
		v = memchr(p + from, ':', ll);
		if (v != NULL) {
			name = (size_t)(v - (p + from));
			v++;
			vn = ll - name - 1;
			while (vn > 0 && (v[0] == ' ' || v[0] == '\t'))
				v++, vn--;
			while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
				vn--;
			if (close != NULL && http_is(p + from, name,
			    "connection")) {
				if (http_token_in(v, vn, "close"))
					*close = 1;
				else if (http_token_in(v, vn, "keep-alive"))
					*close = 0;
			}
			if (http_emit(cb, arg, group, (const char *)p + from,
			    name, v, vn))
				return 1;
		}
		from = (size_t)(nl - p) + 1;
	}
	return 0;
}

static const char *const http_field_names[] = { "kind", "version",
    "method", "path", "status", "reason", "header:*", "close", "body",
    "trailer:*", NULL };

/* Report kind ("request" or "response"), version, method and path or
 * status (int) and reason, each header in order, close (1 if the
 * connection ends after this message: "Connection: close", or HTTP/1.0
 * without keep-alive), the body (de-chunked) and each trailer. */
static int
http_fields(const struct codec_frame *f, struct buf *scratch,
    codec_field_cb cb, void *arg)
{
	struct http_cursor c;
	struct codec_field fld;
	const unsigned char *p = f->frame, *sl, *sp1, *sp2, *nl;
	size_t sll, at, ll, size, trail = 0;
	int close;
	char num[8];

	if (http_frame_head(f, &c) == -1)
		return -1;
	sl = p + c.h.skip;
	sll = c.h.start_len;
	sp1 = memchr(sl, ' ', sll);
	sp2 = sp1 != NULL ? memchr(sp1 + 1, ' ', sll - (size_t)(sp1 + 1 - sl))
	    : NULL;
	if (http_emit(cb, arg, NULL, "kind", 4, (const unsigned char *)
	    (c.h.response ? "response" : "request"), c.h.response ? 8 : 7))
		return 0;
	if (c.h.response) {
		if (http_emit(cb, arg, NULL, "version", 7, sl, 8))
			return 0;
		memset(&fld, 0, sizeof(fld));
		fld.name = "status";
		fld.name_len = 6;
		fld.v.type = CODEC_V_INT;
		fld.v.num = c.h.status;
		fld.v.len = (size_t)snprintf(num, sizeof(num), "%d", c.h.status);
		fld.v.s = (const unsigned char *)num;
		if (cb(arg, &fld))
			return 0;
		if (http_emit(cb, arg, NULL, "reason", 6, sl + (sll > 13 ? 13 :
		    sll), sll > 13 ? sll - 13 : 0))
			return 0;
	} else {
		if (http_emit(cb, arg, NULL, "version", 7, sp2 + 1, 8) ||
		    http_emit(cb, arg, NULL, "method", 6, sl,
		    (size_t)(sp1 - sl)) ||
		    http_emit(cb, arg, NULL, "path", 4, sp1 + 1,
		    (size_t)(sp2 - sp1 - 1)))
			return 0;
	}
	/* HTTP/1.1 keeps the connection open unless told; 1.0 closes. */
	close = memcmp(c.h.response ? sl : sp2 + 1, "HTTP/1.0", 8) == 0 ||
	    memcmp(c.h.response ? sl : sp2 + 1, "HTTP/0.", 7) == 0;
	at = c.h.skip + c.h.start_len;
	at = (size_t)((const unsigned char *)memchr(p + at, '\n',
	    c.h.end - at) - p) + 1;
	if (http_emit_lines(cb, arg, "header", p, at, c.h.end, &close))
		return 0;
	memset(&fld, 0, sizeof(fld));
	fld.name = "close";
	fld.name_len = 5;
	fld.v.type = CODEC_V_INT;
	fld.v.num = close;
	fld.v.s = (const unsigned char *)(close ? "1" : "0");
	fld.v.len = 1;
	if (cb(arg, &fld))
		return 0;
	if (!(c.h.te && c.h.chunked) || f->frame_len == c.h.end)
		return http_emit(cb, arg, NULL, "body", 4, p + c.h.end,
		    f->frame_len - c.h.end), 0;
	/* De-chunk: the frame was validated, so every line is whole. */
	buf_reset(scratch);
	at = c.h.end;
	while (at < f->frame_len &&
	    (nl = memchr(p + at, '\n', f->frame_len - at)) != NULL) {
		ll = (size_t)(nl - p) - at;
		if (ll > 0 && p[at + ll - 1] == '\r')
			ll--;
		if (http_chunk_size(p + at, ll, HTTP_MAX_LIMIT, &size) == -1)
			return -1;
		at = (size_t)(nl - p) + 1;
		if (size == 0) {
			trail = at;
			break;
		}
		if (size > f->frame_len - at)
			return -1;
		buf_append(scratch, p + at, size);
		at += size;
		at += at < f->frame_len && p[at] == '\r' ? 2 : 1;
	}
	if (http_emit(cb, arg, NULL, "body", 4, buf_data(scratch),
	    buf_len(scratch)))
		return 0;
	if (trail > 0)
		http_emit_lines(cb, arg, "trailer", p, trail, f->frame_len,
		    NULL);
	return 0;
}

/* Return 1 if s is an HTTP token (RFC 9110, 5.6.2). */
static int
http_token_str(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!http_tchar((unsigned char)*s))
			return 0;
	return 1;
}

int
http_build_request(const char *method, const char *path,
    const char *const *hdrs, size_t nhdr, const unsigned char *body,
    size_t body_len, struct buf *out, char *err, size_t errlen)
{
	const char *colon;
	size_t i, nl;
	int has_len = 0;

	if (method == NULL || !http_token_str(method)) {
		codec_err(err, errlen, "HTTP method must be a token, got "
		    "'%.40s'", method != NULL ? method : "");
		return -1;
	}
	if (path == NULL || *path == '\0' || strpbrk(path, " \t\r\n") != NULL) {
		codec_err(err, errlen, "HTTP request target must be non-empty "
		    "without spaces or line breaks, got '%.60s'",
		    path != NULL ? path : "");
		return -1;
	}
	for (i = 0; i < nhdr; i++) {
		colon = strchr(hdrs[i], ':');
		if (colon == NULL || colon == hdrs[i] ||
		    strpbrk(hdrs[i], "\r\n") != NULL) {
			codec_err(err, errlen, "HTTP header must be "
			    "\"Name: value\" on one line, got '%.60s'", hdrs[i]);
			return -1;
		}
		for (nl = 0; hdrs[i] + nl < colon; nl++)
			if (!http_tchar((unsigned char)hdrs[i][nl])) {
				codec_err(err, errlen, "HTTP header name must "
				    "be a token, got '%.*s'",
				    (int)(colon - hdrs[i] > 40 ? 40 :
				    colon - hdrs[i]), hdrs[i]);
				return -1;
			}
		if (http_is((const unsigned char *)hdrs[i], nl,
		    "content-length") || http_is((const unsigned char *)hdrs[i],
		    nl, "transfer-encoding"))
			has_len = 1;
	}
	buf_printf(out, "%s %s HTTP/1.1\r\n", method, path);
	for (i = 0; i < nhdr; i++)
		buf_printf(out, "%s\r\n", hdrs[i]);
	if (!has_len && (body_len > 0 || (strcmp(method, "GET") != 0 &&
	    strcmp(method, "HEAD") != 0)))
		buf_printf(out, "Content-Length: %zu\r\n", body_len);
	buf_append(out, "\r\n", 2);
	buf_append(out, body, body_len);
	return 0;
}

const struct codec codec_http = {
	.name = "http",
	.summary = "HTTP/1.x messages: head, then Content-Length or chunked body",
	.caps = CODEC_HAS_HEAD | CODEC_HEAD_NOCASE,
	.decode = http_decode,
	.resume = http_resume,
	.cursor_size = sizeof(struct http_cursor),
	.encode = codec_encode_verbatim,
	.describe = http_describe,
	.fields = http_fields,
	.field_names = http_field_names,
	.decode_eof = http_decode_eof,
};
