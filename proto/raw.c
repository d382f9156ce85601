/* The raw codec: no framing, every read is one message. */
#include <string.h>
#include "codec.h"
#include "codec_util.h"

/* Return all available bytes, at most max_frame of them, as one frame. */
static ssize_t
raw_decode(const unsigned char *p, size_t n, size_t max_frame,
    struct codec_frame *out, char *err, size_t errlen)
{
	if (max_frame == 0)
		return codec_err(err, errlen, "frame limit is 0 bytes");
	if (n == 0)
		return CODEC_NEED_MORE;
	if (n > max_frame)
		n = max_frame;
	memset(out, 0, sizeof(*out));
	out->frame = out->body = p;
	out->frame_len = out->body_len = n;
	return (ssize_t)n;
}

/* Render the bytes as escaped text, or hex when mostly binary. */
static void
raw_describe(const struct codec_frame *f, char *out, size_t outlen)
{
	codec_describe_bytes(f->body, f->body_len, out, outlen);
}

static const char *const raw_field_names[] = { "kind", "body", NULL };

/* Report kind "data" and the bytes as body. */
static int
raw_fields(const struct codec_frame *f, struct buf *scratch,
    codec_field_cb cb, void *arg)
{
	(void)scratch;
	return codec_fields_kind_body("data", f, cb, arg);
}

const struct codec codec_raw = {
	.name = "raw",
	.summary = "no framing: whatever bytes arrived form one message",
	.decode = raw_decode,
	.encode = codec_encode_verbatim,
	.describe = raw_describe,
	.fields = raw_fields,
	.field_names = raw_field_names,
};
