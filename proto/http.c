/* The http codec: HTTP/1.x requests and responses, framed by their head and
 * a Content-Length or chunked body. Stateless: each call parses again from
 * the start of the message, like picohttpparser. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "codec.h"
#include "codec_util.h"
#include "util.h"

#define HTTP_MAX_CHUNK_LINE	1024	/* chunk size plus extensions */
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

/* Parse the head at p: return its end offset, NEED_MORE or ERROR. */
static ssize_t
http_parse_head(const unsigned char *p, size_t n, size_t max_frame,
    struct http_head *h, char *err, size_t errlen)
{
	const unsigned char *nl;
	size_t pos = 0, ls, lim, ll;

	memset(h, 0, sizeof(*h));
	/* Tolerate empty lines before the start line (RFC 9112, 2.2). */
	while (pos < n && (p[pos] == '\r' || p[pos] == '\n')) {
		if (p[pos] == '\r' && pos + 1 < n && p[pos + 1] != '\n')
			return codec_err(err, errlen,
			    "bare CR before the start line");
		if (p[pos] == '\r' && pos + 1 >= n)
			break;
		pos += p[pos] == '\r' ? 2 : 1;
		if (pos > max_frame)
			return codec_err(err, errlen,
			    "more than %zu bytes of empty lines", max_frame);
	}
	h->skip = pos;
	lim = n - pos > max_frame ? pos + max_frame : n;
	for (ls = pos;; ls = (size_t)(nl - p) + 1) {
		nl = ls < lim ? memchr(p + ls, '\n', lim - ls) : NULL;
		if (nl == NULL) {
			if (n - pos >= max_frame)
				return codec_err(err, errlen,
				    "HTTP head longer than %zu bytes",
				    max_frame);
			return CODEC_NEED_MORE;
		}
		ll = (size_t)(nl - p) - ls;
		if (ll > 0 && p[ls + ll - 1] == '\r')
			ll--;
		if (ls == pos) {
			if (http_start_line(p + ls, ll, h) == -1)
				return codec_err(err, errlen,
				    "malformed HTTP start line \"%.*s\"",
				    (int)(ll > 60 ? 60 : ll),
				    (const char *)p + ls);
			h->start_len = ll;
			continue;
		}
		if (ll == 0)
			break;
		if (http_header(p + ls, ll, max_frame, h, err, errlen) ==
		    CODEC_ERROR)
			return CODEC_ERROR;
	}
	h->end = (size_t)(nl - p) + 1;
	return (ssize_t)h->end;
}

/* Walk a chunked body at p: return its wire length, NEED_MORE or ERROR;
 * the decoded size and chunk count go to *data and *chunks. */
static ssize_t
http_chunked(const unsigned char *p, size_t n, size_t max_frame,
    size_t *data, size_t *chunks, char *err, size_t errlen)
{
	const unsigned char *nl;
	size_t pos = 0, i, ll, size, lim;

	*data = *chunks = 0;
	for (;;) {
		lim = n - pos > HTTP_MAX_CHUNK_LINE ?
		    pos + HTTP_MAX_CHUNK_LINE : n;
		if ((nl = memchr(p + pos, '\n', lim - pos)) == NULL) {
			if (n - pos >= HTTP_MAX_CHUNK_LINE)
				return codec_err(err, errlen,
				    "chunk size line longer than %d bytes",
				    HTTP_MAX_CHUNK_LINE);
			break;
		}
		ll = (size_t)(nl - p) - pos;
		if (ll > 0 && p[pos + ll - 1] == '\r')
			ll--;
		size = 0;
		for (i = 0; i < ll; i++) {
			unsigned char c = p[pos + i];
			unsigned int d;

			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (c >= 'a' && c <= 'f')
				d = c - 'a' + 10;
			else if (c >= 'A' && c <= 'F')
				d = c - 'A' + 10;
			else
				break;
			if (size <= max_frame)
				size = size * 16 + d;
		}
		if (i == 0 || (i < ll && p[pos + i] != ';' &&
		    p[pos + i] != ' ' && p[pos + i] != '\t'))
			return codec_err(err, errlen,
			    "invalid chunk size line \"%.*s\"",
			    (int)(ll > 40 ? 40 : ll), (const char *)p + pos);
		pos = (size_t)(nl - p) + 1;
		if (pos > max_frame || size > max_frame ||
		    size + 2 > max_frame - pos)
			return codec_err(err, errlen,
			    "chunked body exceeds the limit of %zu bytes",
			    max_frame);
		if (size == 0)
			goto trailers;
		if (n - pos < size + 1)
			break;
		if (p[pos + size] == '\r') {
			if (n - pos < size + 2)
				break;
			if (p[pos + size + 1] != '\n')
				return codec_err(err, errlen,
				    "chunk data not followed by CRLF");
			pos += size + 2;
		} else if (p[pos + size] == '\n')
			pos += size + 1;
		else
			return codec_err(err, errlen,
			    "chunk data not followed by CRLF");
		*data += size;
		(*chunks)++;
	}
	goto more;
trailers:
	/* Trailer fields, if any, end with an empty line. */
	while ((nl = memchr(p + pos, '\n', n - pos)) != NULL) {
		ll = (size_t)(nl - p) - pos;
		if (ll > 0 && p[pos + ll - 1] == '\r')
			ll--;
		pos = (size_t)(nl - p) + 1;
		if (pos > max_frame)
			return codec_err(err, errlen,
			    "chunked body exceeds the limit of %zu bytes",
			    max_frame);
		if (ll == 0)
			return (ssize_t)pos;
	}
more:
	if (n > max_frame)
		return codec_err(err, errlen,
		    "chunked body exceeds the limit of %zu bytes", max_frame);
	return CODEC_NEED_MORE;
}

/* Decide how long the body after head h is, given avail bytes of it: return
 * its wire length, NEED_MORE or ERROR. */
static ssize_t
http_body(const struct http_head *h, const unsigned char *b, size_t avail,
    size_t max_frame, char *err, size_t errlen)
{
	size_t data, chunks;

	if (h->response && (h->status / 100 == 1 || h->status == 204 ||
	    h->status == 304))
		return 0;
	if (h->te && h->has_length)
		return codec_err(err, errlen,
		    "both Transfer-Encoding and Content-Length");
	if (h->te && h->chunked)
		return http_chunked(b, avail, max_frame, &data, &chunks, err,
		    errlen);
	if (h->te && !h->response)
		return codec_err(err, errlen,
		    "request Transfer-Encoding does not end in chunked");
	if (h->has_length)
		return avail < h->length ? CODEC_NEED_MORE :
		    (ssize_t)h->length;
	if (!h->response)
		return 0;
	/* A response delimited by the close of the connection. */
	if (avail > max_frame)
		return codec_err(err, errlen,
		    "response without Content-Length longer than %zu bytes"
		    " (read-until-close cannot be framed)", max_frame);
	return CODEC_NEED_MORE;
}

/* Decode one request or response: head, then its body. */
static ssize_t
http_decode(const unsigned char *p, size_t n, size_t max_frame,
    struct codec_frame *out, char *err, size_t errlen)
{
	struct http_head h;
	ssize_t r, b;

	if (n == 0)
		return CODEC_NEED_MORE;
	/* Keep length arithmetic far from overflow whatever the caller asks. */
	if (max_frame > HTTP_MAX_LIMIT)
		max_frame = HTTP_MAX_LIMIT;
	if ((r = http_parse_head(p, n, max_frame, &h, err, errlen)) < 0)
		return r;
	b = http_body(&h, p + h.end, n - h.end, max_frame, err, errlen);
	if (b < 0)
		return b;
	memset(out, 0, sizeof(*out));
	out->frame = p;
	out->frame_len = h.end + (size_t)b;
	out->head = p + h.skip;
	out->head_len = h.end - h.skip;
	out->body = p + h.end;
	out->body_len = (size_t)b;
	return (ssize_t)out->frame_len;
}

/* Render the start line and the body size (decoded size if chunked). */
static void
http_describe(const struct codec_frame *f, char *out, size_t outlen)
{
	struct http_head h;
	size_t o, data, chunks;
	char tail[96];

	if (outlen == 0)
		return;
	out[0] = '\0';
	if (f->head == NULL || http_parse_head(f->head, f->head_len,
	    HTTP_MAX_LIMIT, &h, NULL, 0) < 0) {
		codec_describe_bytes(f->frame, f->frame_len, out, outlen);
		return;
	}
	if (h.chunked && f->body_len > 0 && http_chunked(f->body, f->body_len,
	    HTTP_MAX_LIMIT, &data, &chunks, NULL, 0) >= 0)
		snprintf(tail, sizeof(tail), " (%zu body bytes in %zu chunks)",
		    data, chunks);
	else
		snprintf(tail, sizeof(tail), " (%zu body bytes)", f->body_len);
	o = escape_bytes(f->head + h.skip, h.start_len, out,
	    outlen > strlen(tail) ? outlen - strlen(tail) : 1, 1);
	if (o + strlen(tail) < outlen)
		memcpy(out + o, tail, strlen(tail) + 1);
}

const struct codec codec_http = {
	.name = "http",
	.summary = "HTTP/1.x messages: head, then Content-Length or chunked body",
	.decode = http_decode,
	.encode = codec_encode_verbatim,
	.describe = http_describe,
};
