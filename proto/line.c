/* The line codec: messages end in LF or CRLF. */
#include <string.h>
#include "codec.h"
#include "codec_util.h"

/* The line decoder's memory: how far the search for LF got. */
struct line_cursor {
	struct codec_cursor	base;
	size_t			scanned;	/* bytes known to hold no LF */
};
_Static_assert(sizeof(struct line_cursor) <= CODEC_CURSOR_MAX,
    "the line cursor must fit CODEC_CURSOR_MAX");

/* Decode one LF- or CRLF-terminated line, searching for LF only in the
 * bytes that arrived since the last call; the body excludes the EOL. */
static ssize_t
line_resume(struct codec_cursor *cur, const unsigned char *p, size_t n,
    size_t max_frame, struct codec_frame *out, char *err, size_t errlen)
{
	struct line_cursor *lc = (struct line_cursor *)cur;
	const unsigned char *nl;
	size_t scan, from, body;

	if (n == 0)
		return CODEC_NEED_MORE;
	/* A line of max_frame bytes plus CRLF is the longest allowed. */
	scan = n;
	if (max_frame < (size_t)-3 && scan > max_frame + 2)
		scan = max_frame + 2;
	from = lc->scanned < scan ? lc->scanned : scan;
	nl = memchr(p + from, '\n', scan - from);
	cur->examined += (nl != NULL ? (size_t)(nl - p) + 1 : scan) - from;
	if (nl == NULL) {
		lc->scanned = scan;
		body = n;
		if (p[n - 1] == '\r')
			body--;
		if (body > max_frame) {
			lc->scanned = 0;
			return codec_err(err, errlen,
			    "line longer than %zu bytes", max_frame);
		}
		return CODEC_NEED_MORE;
	}
	lc->scanned = 0;
	body = (size_t)(nl - p);
	if (body > 0 && p[body - 1] == '\r')
		body--;
	if (body > max_frame)
		return codec_err(err, errlen, "line longer than %zu bytes",
		    max_frame);
	memset(out, 0, sizeof(*out));
	out->frame = p;
	out->frame_len = (size_t)(nl - p) + 1;
	out->body = p;
	out->body_len = body;
	return (ssize_t)out->frame_len;
}

/* Decode one line from scratch. */
static ssize_t
line_decode(const unsigned char *p, size_t n, size_t max_frame,
    struct codec_frame *out, char *err, size_t errlen)
{
	struct line_cursor lc = { { 0 }, 0 };

	return line_resume(&lc.base, p, n, max_frame, out, err, errlen);
}

/* Append the body and a LF unless it already ends in one. */
static int
line_encode(const unsigned char *body, size_t body_len, const char *head,
    struct buf *out, char *err, size_t errlen)
{
	(void)head;
	(void)err;
	(void)errlen;
	buf_append(out, body, body_len);
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

const struct codec codec_line = {
	.name = "line",
	.summary = "text lines ending in LF or CRLF",
	.decode = line_decode,
	.resume = line_resume,
	.cursor_size = sizeof(struct line_cursor),
	.encode = line_encode,
	.describe = line_describe,
};
