/* The len16 codec: a 2-byte big-endian length, then that many bytes. */
#include <stdint.h>
#include <string.h>
#include "codec.h"
#include "codec_util.h"

#define LEN16_PREFIX	2

/* Decode one length-prefixed frame, rejecting a length over max_frame at once. */
static ssize_t
len16_decode(const unsigned char *p, size_t n, size_t max_frame,
    struct codec_frame *out, char *err, size_t errlen)
{
	uint64_t len = 0;
	size_t i;

	if (n < LEN16_PREFIX)
		return CODEC_NEED_MORE;
	for (i = 0; i < LEN16_PREFIX; i++)
		len = (len << 8) | p[i];
	if (len > max_frame)
		return codec_err(err, errlen,
		    "length prefix %llu exceeds the limit of %zu bytes",
		    (unsigned long long)len, max_frame);
	if (n - LEN16_PREFIX < len)
		return CODEC_NEED_MORE;
	memset(out, 0, sizeof(*out));
	out->frame = p;
	out->frame_len = LEN16_PREFIX + (size_t)len;
	out->body = p + LEN16_PREFIX;
	out->body_len = (size_t)len;
	return (ssize_t)out->frame_len;
}

/* Append the big-endian length prefix and the body. */
static int
len16_encode(const unsigned char *body, size_t body_len, const char *head,
    struct buf *out, char *err, size_t errlen)
{
	unsigned char pfx[LEN16_PREFIX];
	uint64_t len = body_len;
	size_t i;

	(void)head;
	if ((uint64_t)body_len > UINT16_MAX) {
		codec_err(err, errlen,
		    "message of %zu bytes does not fit a 16-bit length",
		    body_len);
		return -1;
	}
	for (i = LEN16_PREFIX; i > 0; i--) {
		pfx[i - 1] = (unsigned char)(len & 0xff);
		len >>= 8;
	}
	buf_append(out, pfx, sizeof(pfx));
	buf_append(out, body, body_len);
	return 0;
}

/* Render the payload as escaped text, or hex when mostly binary. */
static void
len16_describe(const struct codec_frame *f, char *out, size_t outlen)
{
	codec_describe_bytes(f->body, f->body_len, out, outlen);
}

const struct codec codec_len16 = {
	.name = "len16",
	.summary = "2-byte big-endian length prefix, then the payload",
	.decode = len16_decode,
	.encode = len16_encode,
	.describe = len16_describe,
};
