/* The line codecs. line: messages end in LF or CRLF (sent with LF); its
 * variants "line crlf" (only CRLF ends a line; sent with CRLF) and "line
 * lf" (only LF; a CR before it stays in the body). reply: the multi-line
 * replies of SMTP and FTP (RFC 5321 4.2, RFC 959 4.2): "250-first" lines
 * continued until "250 last", one message with a code and its lines. */
#include <stdio.h>
#include <string.h>
#include "codec.h"
#include "codec_util.h"

#define REPLY_MAX_LINES	1024	/* lines in one multi-line reply */

/* How a line ends. */
enum line_eol {
	LINE_ANY = 0,		/* LF or CRLF; CR stripped */
	LINE_CRLF,		/* CRLF only; a bare LF is data */
	LINE_LF			/* LF only; a CR before it is data */
};

/* The line decoder's memory: how far the search for LF got. */
struct line_cursor {
	struct codec_cursor	base;
	size_t			scanned;	/* bytes known to hold no EOL */
};
_Static_assert(sizeof(struct line_cursor) <= CODEC_CURSOR_MAX,
    "the line cursor must fit CODEC_CURSOR_MAX");

/* Find the end of the line at p[from..scan) for eol: return the offset of
 * its LF, or -1 (with *scanned how far it is known to hold none). */
static ssize_t
line_find(enum line_eol eol, const unsigned char *p, size_t from,
    size_t scan, size_t *scanned)
{
	const unsigned char *nl;

	while (from < scan && (nl = memchr(p + from, '\n', scan - from)) !=
	    NULL) {
		if (eol != LINE_CRLF || (nl > p && nl[-1] == '\r'))
			return nl - p;
		from = (size_t)(nl - p) + 1;
	}
	/* A CR at the end may yet be followed by the LF that ends the line. */
	*scanned = eol == LINE_CRLF && scan > 0 && p[scan - 1] == '\r' ?
	    scan - 1 : scan;
	return -1;
}

/* Decode one line ended as eol says, searching only the bytes that arrived
 * since the last call; the body excludes the EOL. */
static ssize_t
line_resume_eol(enum line_eol eol, struct codec_cursor *cur,
    const unsigned char *p, size_t n, size_t max_frame,
    struct codec_frame *out, char *err, size_t errlen)
{
	struct line_cursor *lc = (struct line_cursor *)cur;
	size_t scan, from, body, scanned = 0;
	ssize_t nl;

	if (n == 0)
		return CODEC_NEED_MORE;
	/* A line of max_frame bytes plus CRLF is the longest allowed. */
	scan = n;
	if (max_frame < (size_t)-3 && scan > max_frame + 2)
		scan = max_frame + 2;
	from = lc->scanned < scan ? lc->scanned : scan;
	nl = line_find(eol, p, from, scan, &scanned);
	cur->examined += (nl >= 0 ? (size_t)nl + 1 : scan) - from;
	if (nl < 0) {
		lc->scanned = scanned;
		body = n;
		if (eol != LINE_LF && p[n - 1] == '\r')
			body--;
		if (body > max_frame) {
			lc->scanned = 0;
			return codec_err(err, errlen,
			    "line longer than %zu bytes", max_frame);
		}
		return CODEC_NEED_MORE;
	}
	lc->scanned = 0;
	cur->hint = 0;
	body = (size_t)nl;
	if (eol != LINE_LF && body > 0 && p[body - 1] == '\r')
		body--;
	if (body > max_frame)
		return codec_err(err, errlen, "line longer than %zu bytes",
		    max_frame);
	memset(out, 0, sizeof(*out));
	out->frame = p;
	out->frame_len = (size_t)nl + 1;
	out->body = p;
	out->body_len = body;
	return (ssize_t)out->frame_len;
}

/* Append the body and the EOL unless it already ends in one. */
static int
line_encode_eol(enum line_eol eol, const unsigned char *body, size_t body_len,
    struct buf *out)
{
	buf_append(out, body, body_len);
	if (eol == LINE_CRLF) {
		if (body_len >= 2 && body[body_len - 2] == '\r' &&
		    body[body_len - 1] == '\n')
			return 0;
		buf_append(out, "\r\n", 2);
		return 0;
	}
	if (body_len == 0 || body[body_len - 1] != '\n')
		buf_append(out, "\n", 1);
	return 0;
}

/* Render the line without its EOL as escaped text. */
static void
line_describe(const struct codec_frame *f, char *out, size_t outlen)
{
	codec_describe_bytes(f->body, f->body_len, out, outlen);
}

static const char *const line_field_names[] = { "kind", "body", NULL };

/* Report kind "line" and the body. */
static int
line_fields(const struct codec_frame *f, struct buf *scratch,
    codec_field_cb cb, void *arg)
{
	(void)scratch;
	return codec_fields_kind_body("line", f, cb, arg);
}

#define LINE_WRAPPERS(tag, eol)						\
static ssize_t								\
tag##_resume(struct codec_cursor *cur, const unsigned char *p, size_t n,\
    size_t max_frame, struct codec_frame *out, char *err, size_t errlen)\
{									\
	return line_resume_eol(eol, cur, p, n, max_frame, out, err,	\
	    errlen);							\
}									\
static ssize_t								\
tag##_decode(const unsigned char *p, size_t n, size_t max_frame,	\
    struct codec_frame *out, char *err, size_t errlen)			\
{									\
	struct line_cursor lc;						\
									\
	memset(&lc, 0, sizeof(lc));					\
	return line_resume_eol(eol, &lc.base, p, n, max_frame, out, err,\
	    errlen);							\
}									\
static int								\
tag##_encode(const unsigned char *body, size_t body_len,		\
    const char *head, struct buf *out, char *err, size_t errlen)	\
{									\
	(void)head;							\
	(void)err;							\
	(void)errlen;							\
	return line_encode_eol(eol, body, body_len, out);		\
}

LINE_WRAPPERS(line_any, LINE_ANY)
LINE_WRAPPERS(line_crlf, LINE_CRLF)
LINE_WRAPPERS(line_lf, LINE_LF)

#define LINE_CODEC(tag, nm, sum) {					\
	.name = nm, .summary = sum, .decode = tag##_decode,		\
	.resume = tag##_resume, .cursor_size = sizeof(struct line_cursor),\
	.encode = tag##_encode, .describe = line_describe,		\
	.fields = line_fields, .field_names = line_field_names }

const struct codec codec_line = LINE_CODEC(line_any, "line",
    "text lines ending in LF or CRLF (sent with LF); options crlf|lf|any");
const struct codec codec_line_crlf = LINE_CODEC(line_crlf, "line crlf",
    "text lines ending in CRLF, sent with CRLF");
const struct codec codec_line_lf = LINE_CODEC(line_lf, "line lf",
    "text lines ending in LF, sent with LF");

const struct codec *
line_open(const char *opts, char *err, size_t errlen)
{
	while (*opts == ' ' || *opts == '\t')
		opts++;
	if (strcmp(opts, "crlf") == 0)
		return &codec_line_crlf;
	if (strcmp(opts, "lf") == 0)
		return &codec_line_lf;
	if (strcmp(opts, "any") == 0 || *opts == '\0')
		return &codec_line;
	codec_err(err, errlen, "expected line option crlf, lf or any, got "
	    "'%.60s'", opts);
	return NULL;
}

/* The reply decoder's memory: where the current line starts, how far the
 * search for its end got, and the reply's code. */
struct reply_cursor {
	struct codec_cursor	base;
	size_t			ls;		/* start of the current line */
	size_t			scanned;	/* [ls, scanned) holds no LF */
	size_t			lines;		/* lines complete so far */
	char			code[3];
};
_Static_assert(sizeof(struct reply_cursor) <= CODEC_CURSOR_MAX,
    "the reply cursor must fit CODEC_CURSOR_MAX");

/* Return 1 if the line p[0..ll) is "DDD", "DDD text" or "DDD-text". */
static int
reply_coded(const unsigned char *p, size_t ll)
{
	return ll >= 3 && p[0] >= '0' && p[0] <= '9' && p[1] >= '0' &&
	    p[1] <= '9' && p[2] >= '0' && p[2] <= '9' &&
	    (ll == 3 || p[3] == ' ' || p[3] == '-');
}

/* Decode one reply: its first line sets the code; a '-' after the code
 * continues it until a line "CODE" or "CODE text". */
static ssize_t
reply_resume(struct codec_cursor *cur, const unsigned char *p, size_t n,
    size_t max_frame, struct codec_frame *out, char *err, size_t errlen)
{
	struct reply_cursor *c = (struct reply_cursor *)cur;
	const unsigned char *nl;
	size_t lim, from, ll, end;
	uint64_t examined;

	if (n == 0)
		return CODEC_NEED_MORE;
	for (;;) {
		lim = n > max_frame + 2 && max_frame < (size_t)-3 ?
		    max_frame + 2 : n;
		from = c->scanned > c->ls ? c->scanned : c->ls;
		nl = from < lim ? memchr(p + from, '\n', lim - from) : NULL;
		cur->examined += (nl != NULL ? (size_t)(nl - p) + 1 :
		    (lim > from ? lim : from)) - from;
		if (nl == NULL) {
			c->scanned = lim > from ? lim : from;
			if (n - (p[n - 1] == '\r') > max_frame)
				goto toolong;
			return CODEC_NEED_MORE;
		}
		end = (size_t)(nl - p) + 1;
		ll = (size_t)(nl - p) - c->ls;
		if (ll > 0 && p[c->ls + ll - 1] == '\r')
			ll--;
		if ((size_t)(nl - p) - (ll < (size_t)(nl - p) - c->ls) >
		    max_frame)
			goto toolong;
		if (c->lines == 0) {
			if (!reply_coded(p, ll)) {
				examined = cur->examined;
				memset(c, 0, sizeof(*c));
				cur->examined = examined;
				return codec_err(err, errlen, "reply line does "
				    "not start with a 3-digit code: \"%.*s\"",
				    (int)(ll > 40 ? 40 : ll), (const char *)p);
			}
			memcpy(c->code, p, 3);
			if (ll > 3 && p[3] == '-')
				goto next;
			break;
		}
		if (ll >= 3 && memcmp(p + c->ls, c->code, 3) == 0 &&
		    (ll == 3 || p[c->ls + 3] == ' '))
			break;
next:
		c->lines++;
		c->ls = c->scanned = end;
		if (c->lines >= REPLY_MAX_LINES) {
			examined = cur->examined;
			memset(c, 0, sizeof(*c));
			cur->examined = examined;
			return codec_err(err, errlen, "reply of more than %d "
			    "lines", REPLY_MAX_LINES);
		}
	}
	examined = cur->examined;
	memset(c, 0, sizeof(*c));
	cur->examined = examined;
	memset(out, 0, sizeof(*out));
	out->frame = p;
	out->frame_len = end;
	out->body = p;
	out->body_len = end;
	return (ssize_t)end;
toolong:
	examined = cur->examined;
	memset(c, 0, sizeof(*c));
	cur->examined = examined;
	return codec_err(err, errlen, "reply longer than %zu bytes",
	    max_frame);
}

/* Decode one reply from scratch. */
static ssize_t
reply_decode(const unsigned char *p, size_t n, size_t max_frame,
    struct codec_frame *out, char *err, size_t errlen)
{
	struct reply_cursor c;

	memset(&c, 0, sizeof(c));
	return reply_resume(&c.base, p, n, max_frame, out, err, errlen);
}

/* Send a command line ended with CRLF (SMTP and FTP commands). */
static int
reply_encode(const unsigned char *body, size_t body_len, const char *head,
    struct buf *out, char *err, size_t errlen)
{
	(void)head;
	(void)err;
	(void)errlen;
	return line_encode_eol(LINE_CRLF, body, body_len, out);
}

/* Call fn for each line of a reply frame: its text after "DDD-" or "DDD ",
 * or the whole line for an FTP continuation line without a code. */
static void
reply_lines(const struct codec_frame *f,
    void (*fn)(void *arg, const unsigned char *s, size_t n), void *arg)
{
	const unsigned char *p = f->frame, *nl;
	size_t at = 0, ll;

	while (at < f->frame_len &&
	    (nl = memchr(p + at, '\n', f->frame_len - at)) != NULL) {
		ll = (size_t)(nl - p) - at;
		if (ll > 0 && p[at + ll - 1] == '\r')
			ll--;
		if (reply_coded(p + at, ll) && memcmp(p + at, p, 3) == 0)
			fn(arg, p + at + (ll > 3 ? 4 : 3), ll > 3 ? ll - 4 : 0);
		else
			fn(arg, p + at, ll);
		at = (size_t)(nl - p) + 1;
	}
}

/* reply_lines helpers: append a line as a JSON array element, or as text. */
static void
reply_json_line(void *arg, const unsigned char *s, size_t n)
{
	struct buf *b = arg;
	struct codec_value v = { CODEC_V_TEXT, 0, s, n };

	if (buf_len(b) > 1)
		buf_append(b, ",", 1);
	codec_value_json(&v, b);
}

static void
reply_text_line(void *arg, const unsigned char *s, size_t n)
{
	struct buf *b = arg;

	if (buf_len(b) > 0)
		buf_append(b, "\n", 1);
	buf_append(b, s, n);
}

static const char *const reply_field_names[] = { "kind", "code", "lines",
    "text", NULL };

/* Report kind "reply", code (int), lines (a JSON array of each line's text)
 * and text (the lines' texts joined by LF). */
static int
reply_fields(const struct codec_frame *f, struct buf *scratch,
    codec_field_cb cb, void *arg)
{
	struct codec_field fld;

	if (f->frame_len < 4 || !reply_coded(f->frame, f->frame_len < 4 ? 3 :
	    (f->frame[3] == '\r' || f->frame[3] == '\n' ? 3 : 4)))
		return -1;
	memset(&fld, 0, sizeof(fld));
	fld.name = "kind";
	fld.name_len = 4;
	fld.v.s = (const unsigned char *)"reply";
	fld.v.len = 5;
	if (cb(arg, &fld))
		return 0;
	fld.name = "code";
	fld.v.type = CODEC_V_INT;
	fld.v.num = (f->frame[0] - '0') * 100 + (f->frame[1] - '0') * 10 +
	    (f->frame[2] - '0');
	fld.v.s = f->frame;
	fld.v.len = 3;
	if (cb(arg, &fld))
		return 0;
	buf_reset(scratch);
	buf_append(scratch, "[", 1);
	reply_lines(f, reply_json_line, scratch);
	buf_append(scratch, "]", 1);
	fld.name = "lines";
	fld.name_len = 5;
	fld.v.type = CODEC_V_JSON;
	fld.v.s = buf_data(scratch);
	fld.v.len = buf_len(scratch);
	if (cb(arg, &fld))
		return 0;
	buf_reset(scratch);
	reply_lines(f, reply_text_line, scratch);
	fld.name = "text";
	fld.name_len = 4;
	fld.v.type = CODEC_V_TEXT;
	fld.v.s = buf_data(scratch);
	fld.v.len = buf_len(scratch);
	cb(arg, &fld);
	return 0;
}

/* Render the reply as escaped text (line breaks as \r\n). */
static void
reply_describe(const struct codec_frame *f, char *out, size_t outlen)
{
	codec_describe_bytes(f->frame, f->frame_len, out, outlen);
}

const struct codec codec_reply = {
	.name = "reply",
	.summary = "SMTP/FTP replies: \"250-...\" lines until \"250 ...\" "
	    "as one message; commands sent with CRLF",
	.decode = reply_decode,
	.resume = reply_resume,
	.cursor_size = sizeof(struct reply_cursor),
	.encode = reply_encode,
	.describe = reply_describe,
	.fields = reply_fields,
	.field_names = reply_field_names,
};
