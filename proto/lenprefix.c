/* The length-prefix codecs len16 and len32: a 2- or 4-byte big-endian
 * length, then that many bytes. One implementation, two widths. */
#include <stdint.h>
#include <string.h>
#include "codec.h"
#include "codec_util.h"

/* Decode one frame with a width-byte prefix, rejecting a length over
 * max_frame as soon as the prefix is in. */
static ssize_t
lenprefix_decode(size_t width, const unsigned char *p, size_t n,
    size_t max_frame, struct codec_frame *out, char *err, size_t errlen)
{
	uint64_t len = 0;
	size_t i;

	if (n < width)
		return CODEC_NEED_MORE;
	for (i = 0; i < width; i++)
		len = (len << 8) | p[i];
	if (len > max_frame)
		return codec_err(err, errlen,
		    "length prefix %llu exceeds the limit of %zu bytes",
		    (unsigned long long)len, max_frame);
	if (n - width < len)
		return CODEC_NEED_MORE;
	memset(out, 0, sizeof(*out));
	out->frame = p;
	out->frame_len = width + (size_t)len;
	out->body = p + width;
	out->body_len = (size_t)len;
	return (ssize_t)out->frame_len;
}

/* Append a width-byte big-endian length prefix and the body. */
static int
lenprefix_encode(size_t width, const unsigned char *body, size_t body_len,
    struct buf *out, char *err, size_t errlen)
{
	unsigned char pfx[4];
	uint64_t len = body_len;
	size_t i;

	if ((uint64_t)body_len >> (8 * width) != 0) {
		codec_err(err, errlen,
		    "message of %zu bytes does not fit a %zu-bit length",
		    body_len, 8 * width);
		return -1;
	}
	for (i = width; i > 0; i--) {
		pfx[i - 1] = (unsigned char)(len & 0xff);
		len >>= 8;
	}
	buf_append(out, pfx, width);
	buf_append(out, body, body_len);
	return 0;
}

/* Render the payload as escaped text, or hex when mostly binary. */
static void
lenprefix_describe(const struct codec_frame *f, char *out, size_t outlen)
{
	codec_describe_bytes(f->body, f->body_len, out, outlen);
}

/* len16: decode with a 2-byte prefix. */
static ssize_t
len16_decode(const unsigned char *p, size_t n, size_t max_frame,
    struct codec_frame *out, char *err, size_t errlen)
{
	return lenprefix_decode(2, p, n, max_frame, out, err, errlen);
}

/* len16: encode with a 2-byte prefix. */
static int
len16_encode(const unsigned char *body, size_t body_len, const char *head,
    struct buf *out, char *err, size_t errlen)
{
	(void)head;
	return lenprefix_encode(2, body, body_len, out, err, errlen);
}

/* len32: decode with a 4-byte prefix. */
static ssize_t
len32_decode(const unsigned char *p, size_t n, size_t max_frame,
    struct codec_frame *out, char *err, size_t errlen)
{
	return lenprefix_decode(4, p, n, max_frame, out, err, errlen);
}

/* len32: encode with a 4-byte prefix. */
static int
len32_encode(const unsigned char *body, size_t body_len, const char *head,
    struct buf *out, char *err, size_t errlen)
{
	(void)head;
	return lenprefix_encode(4, body, body_len, out, err, errlen);
}

const struct codec codec_len16 = {
	.name = "len16",
	.summary = "2-byte big-endian length prefix, then the payload",
	.decode = len16_decode,
	.encode = len16_encode,
	.describe = lenprefix_describe,
};

const struct codec codec_len32 = {
	.name = "len32",
	.summary = "4-byte big-endian length prefix, then the payload",
	.decode = len32_decode,
	.encode = len32_encode,
	.describe = lenprefix_describe,
};
