/* Helpers shared by the codecs in proto/: error text, UTF-8 checks and
 * bounded renderings for describe. Internal to proto/ and its tests. */
#ifndef SB_CODEC_UTIL_H
#define SB_CODEC_UTIL_H
#include <stddef.h>
#include <sys/types.h>

/* Write a printf-formatted reason into err and return CODEC_ERROR. */
ssize_t codec_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Return 1 if p[0..n) is entirely valid UTF-8, else 0. */
int codec_utf8_valid(const unsigned char *p, size_t n);
/* An encode that writes the body as is (raw, and http: the scenario
 * writes the whole message). */
int codec_encode_verbatim(const unsigned char *body, size_t body_len,
    const char *head, struct buf *out, char *err, size_t errlen);
/* Return 1 if p[0..n) looks mostly binary (over a quarter of its bytes are
 * neither printable ASCII, common whitespace nor part of valid UTF-8). */
int codec_mostly_binary(const unsigned char *p, size_t n);
/* Render bytes as hex pairs, ending in "..." when out is too small;
 * returns the length written. */
size_t codec_hex(const unsigned char *p, size_t n, char *out, size_t outlen);
/* Render bytes as escaped text, or as hex when they are mostly binary;
 * returns the length written. */
size_t codec_describe_bytes(const unsigned char *p, size_t n, char *out,
    size_t outlen);
/* Copy already printable text s[0..n) into out, ending in "..." without
 * splitting a UTF-8 sequence when out is too small; returns the length. */
size_t codec_copy_text(const char *s, size_t n, char *out, size_t outlen);

/* codec_open for "line OPTIONS" and "lenfield OPTIONS": opts is what
 * follows the name. NULL with a reason in err. */
const struct codec *line_open(const char *opts, char *err, size_t errlen);
const struct codec *lenfield_open(const char *opts, char *err, size_t errlen);

/* Report a frame as two fields: kind (the given word) and the body; the
 * fields function of codecs whose messages are plain bytes (raw, line). */
int codec_fields_kind_body(const char *kind, const struct codec_frame *f,
    codec_field_cb cb, void *arg);

#endif
