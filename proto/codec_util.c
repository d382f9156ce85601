/* Helpers shared by the codecs in proto/. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "codec.h"
#include "codec_util.h"
#include "util.h"

/* Format a reason into err (if any) and return CODEC_ERROR. */
ssize_t
codec_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return CODEC_ERROR;
}

/* Length of the UTF-8 sequence at p (1 for ASCII), or 0 if invalid. */
static size_t
codec_utf8_seq(const unsigned char *p, size_t n)
{
	return p[0] < 0x80 ? 1 : utf8_seq_len(p, n);
}

/* Check that every byte belongs to a valid UTF-8 sequence. */
int
codec_utf8_valid(const unsigned char *p, size_t n)
{
	size_t i = 0, l;

	while (i < n) {
		if ((l = codec_utf8_seq(p + i, n - i)) == 0)
			return 0;
		i += l;
	}
	return 1;
}

/* Count bytes that are not text and call the data binary past a quarter. */
int
codec_mostly_binary(const unsigned char *p, size_t n)
{
	size_t i = 0, l, bad = 0;

	while (i < n) {
		if (p[i] >= 0x80 && (l = codec_utf8_seq(p + i, n - i)) > 0) {
			i += l;
			continue;
		}
		if ((p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' &&
		    p[i] != '\t') || p[i] >= 0x7f)
			bad++;
		i++;
	}
	return bad * 4 > n;
}

/* Render as hex pairs, cut with "..." when they do not fit. */
size_t
codec_hex(const unsigned char *p, size_t n, char *out, size_t outlen)
{
	size_t fit, o;

	if (outlen == 0)
		return 0;
	/* Each byte takes three characters ("xx "), the last two plus NUL. */
	fit = outlen / 3;
	if (n <= fit)
		return hex_bytes(p, n, out, outlen);
	fit = outlen > 7 ? (outlen - 4) / 3 : 0;
	o = hex_bytes(p, fit, out, outlen);
	if (o + 4 <= outlen) {
		memcpy(out + o, "...", 4);
		o += 3;
	}
	return o;
}

/* Render as escaped text, or hex when mostly binary. */
size_t
codec_describe_bytes(const unsigned char *p, size_t n, char *out,
    size_t outlen)
{
	if (codec_mostly_binary(p, n))
		return codec_hex(p, n, out, outlen);
	return escape_bytes(p, n, out, outlen, 1);
}

/* Copy printable text, cut with "..." on a UTF-8 boundary. */
size_t
codec_copy_text(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o;

	if (outlen == 0)
		return 0;
	if (n < outlen) {
		memcpy(out, s, n);
		out[n] = '\0';
		return n;
	}
	o = outlen > 4 ? outlen - 4 : 0;
	while (o > 0 && ((unsigned char)s[o] & 0xc0) == 0x80)
		o--;
	memcpy(out, s, o);
	if (o + 4 <= outlen) {
		memcpy(out + o, "...", 4);
		o += 3;
	} else
		out[o] = '\0';
	return o;
}

int
codec_encode_verbatim(const unsigned char *body, size_t body_len,
    const char *head, struct buf *out, char *err, size_t errlen)
{
	(void)head;
	(void)err;
	(void)errlen;
	buf_append(out, body, body_len);
	return 0;
}

int
codec_fields_kind_body(const char *kind, const struct codec_frame *f,
    codec_field_cb cb, void *arg)
{
	struct codec_field fld;

	memset(&fld, 0, sizeof(fld));
	fld.name = "kind";
	fld.name_len = 4;
	fld.v.s = (const unsigned char *)kind;
	fld.v.len = strlen(kind);
	if (cb(arg, &fld))
		return 0;
	fld.name = "body";
	fld.v.s = f->body;
	fld.v.len = f->body_len;
	cb(arg, &fld);
	return 0;
}
