/* The shared body of every codec fuzz target: decode a stream frame by
 * frame under a limit the input picks, check each result against the codec
 * contract, describe every frame into a tight buffer, encode its payload
 * and decode that again. A broken contract aborts, which libFuzzer reports
 * as a crash with the input that caused it. */
#ifndef SB_FUZZ_CODEC_H
#define SB_FUZZ_CODEC_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "codec.h"

/* Limits the first input byte picks from: tiny ones reach every "too long"
 * branch, huge ones every overflow guard. */
static const size_t fuzz_limits[] = {
	0, 1, 2, 3, 4, 5, 7, 8, 16, 31, 64, 100, 255, 256, 1024, 65535,
	65536, CODEC_MAX_FRAME_DEFAULT, (size_t)1 << 32, (size_t)-1 / 2,
	(size_t)-1 - 1, (size_t)-1
};

/* Output sizes describe is tried with, each in an exact-size allocation so
 * that a write past its end is caught. */
static const size_t fuzz_outlens[] = { 0, 1, 2, 3, 4, 5, 6, 8, 13, 40, 200 };

/* Abort with a message: a broken invariant is a finding. */
static void
fuzz_fail(const char *codec, const char *what)
{
	fprintf(stderr, "fuzz: %s: %s\n", codec, what);
	abort();
}

/* Describe f into every output size and check the NUL termination. */
static void
fuzz_describe(const struct codec *cd, const struct codec_frame *f)
{
	size_t i;

	for (i = 0; i < sizeof(fuzz_outlens) / sizeof(fuzz_outlens[0]); i++) {
		size_t ol = fuzz_outlens[i];
		char *out = malloc(ol > 0 ? ol : 1);

		if (out == NULL)
			abort();
		cd->describe(f, ol > 0 ? out : NULL, ol);
		if (ol > 0 && memchr(out, '\0', ol) == NULL)
			fuzz_fail(cd->name, "describe left its output "
			    "unterminated");
		free(out);
	}
}

/* Counts the fields a walk reports and checks each value's shape. */
static int
fuzz_field_cb(void *arg, const struct codec_field *fld)
{
	size_t *count = arg;

	if (fld->name == NULL || (fld->v.len > 0 && fld->v.s == NULL))
		fuzz_fail("fields", "a field without a name or bytes");
	if (fld->v.len > 0 && (fld->v.s[0] == 0 || fld->v.s[fld->v.len - 1]
	    == 0xff))
		(*count)++;	/* touch every value's first and last byte */
	(*count)++;
	return 0;
}

/* Return 1 if p[0..n) is one JSON value cJSON accepts. */
static int
fuzz_json_valid(const unsigned char *p, size_t n)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts((const char *)p, n, &end, 0);
	int ok = j != NULL && end == (const char *)p + n;

	cJSON_Delete(j);
	return ok;
}

/* Walk every field of f, look up the first and "kind", and render its
 * JSON view, which must be valid JSON per cJSON (bounded by the frame). */
static void
fuzz_fields(const struct codec *cd, const struct codec_frame *f)
{
	struct codec_value v;
	struct buf scratch, js;
	size_t count = 0;

	if (cd->fields == NULL)
		return;
	buf_init(&scratch);
	buf_init(&js);
	if (cd->fields(f, &scratch, fuzz_field_cb, &count) == -1)
		fuzz_fail(cd->name, "fields refused a frame decode returned");
	if (count == 0 || codec_field(cd, f, "kind", 0, &scratch, &v) != 1)
		fuzz_fail(cd->name, "a frame without a kind field");
	codec_field(cd, f, "header:content-length", 0, &scratch, &v);
	if (codec_json(cd, f, &js) != 0 || buf_len(&js) < 2)
		fuzz_fail(cd->name, "no JSON view of a frame");
	if (!fuzz_json_valid(buf_data(&js), buf_len(&js)))
		fuzz_fail(cd->name, "the JSON view is not valid JSON");
	buf_free(&js);
	buf_free(&scratch);
}

/* Check that a decoded frame lies inside the bytes it was decoded from. */
static void
fuzz_check_frame(const struct codec *cd, const unsigned char *p, size_t n,
    ssize_t r, const struct codec_frame *f)
{
	const unsigned char *end = p + r;

	if ((size_t)r > n)
		fuzz_fail(cd->name, "consumed more bytes than given");
	if (f->frame != p || f->frame_len != (size_t)r)
		fuzz_fail(cd->name, "frame does not match the bytes consumed");
	if (f->body_len > 0 && (f->body < p || f->body > end ||
	    f->body_len > (size_t)(end - f->body)))
		fuzz_fail(cd->name, "body outside the frame");
	if (f->head != NULL && (f->head < p || f->head > end ||
	    f->head_len > (size_t)(end - f->head)))
		fuzz_fail(cd->name, "head outside the frame");
}

/* Encode body (with head for codecs that take one) and, where the codec
 * promises a round trip, decode it back to the same body. */
static void
fuzz_encode(const struct codec *cd, const unsigned char *body, size_t len,
    const char *head)
{
	struct codec_frame f;
	struct buf b;
	char err[160];
	ssize_t r;
	int trip;

	buf_init(&b);
	err[0] = '\0';
	if (cd->encode(body, len, head, &b, err, sizeof(err)) < 0) {
		if (err[0] == '\0')
			fuzz_fail(cd->name, "encode failed without a reason");
		buf_free(&b);
		return;
	}
	trip = strcmp(cd->name, "len16") == 0 ||
	    strcmp(cd->name, "len32") == 0 ||
	    strcmp(cd->name, "varint") == 0 ||
	    (strncmp(cd->name, "lenfield", 8) == 0 && head == NULL) ||
	    (strcmp(cd->name, "line crlf") == 0 &&
	    memchr(body, '\n', len) == NULL && memchr(body, '\r', len) == NULL) ||
	    (strcmp(cd->name, "jsonhdr") == 0 && head == NULL) ||
	    (strcmp(cd->name, "line") == 0 &&
	    memchr(body, '\n', len) == NULL && memchr(body, '\r', len) == NULL);
	if (trip) {
		unsigned char *copy = malloc(buf_len(&b) + 1);

		if (copy == NULL)
			abort();
		memcpy(copy, buf_data(&b), buf_len(&b));
		memset(&f, 0, sizeof(f));
		r = cd->decode(copy, buf_len(&b), (size_t)1 << 32, &f, err,
		    sizeof(err));
		if (r != (ssize_t)buf_len(&b))
			fuzz_fail(cd->name, "encoded message does not decode "
			    "as one whole frame");
		if (f.body_len != len || (len > 0 &&
		    memcmp(f.body, body, len) != 0))
			fuzz_fail(cd->name, "round trip changed the body");
		fuzz_describe(cd, &f);
		free(copy);
	}
	buf_free(&b);
}

/* Feed p[0..n) to the resuming decoder in pieces of 1..8 bytes (sizes from
 * seed), as a connection does; every call must give what the stateless
 * decoder gives for the same bytes. */
static void
fuzz_resume(const struct codec *cd, const unsigned char *p, size_t n,
    size_t max_frame, unsigned seed)
{
	struct codec_cursor *cur = NULL;
	size_t done = 0, k = 0;

	while (done < n) {
		struct codec_frame f, g;
		char err[160], err2[160];
		ssize_t r, r2;

		k += 1 + (seed & 7);
		seed = seed * 1103515245u + 12345u;
		if (k > n - done)
			k = n - done;
		err[0] = err2[0] = '\0';
		r = codec_decode(cd, &cur, p + done, k, max_frame, &f, err,
		    sizeof(err));
		r2 = cd->decode(p + done, k, max_frame, &g, err2, sizeof(err2));
		if (r != r2 || (r == CODEC_ERROR && strcmp(err, err2) != 0) ||
		    (r > 0 && (f.body_len != g.body_len ||
		    f.head_len != g.head_len || f.body != g.body)))
			fuzz_fail(cd->name, "the resumed decoder disagrees "
			    "with the stateless one");
		if (r == CODEC_NEED_MORE) {
			if (k == n - done)
				break;
			continue;
		}
		if (r <= 0)
			break;
		done += (size_t)r;
		k = 0;
	}
	codec_cursor_free(&cur);
}

/* Decode data[2..size) frame by frame under the limit data[0] picks; data[1]
 * picks the describe and encode work done per frame. */
static int
fuzz_codec(const struct codec *cd, const uint8_t *data, size_t size)
{
	const unsigned char *p;
	size_t n, done = 0, max_frame, frames = 0;
	unsigned flags;
	char *head;

	if (size < 2)
		return 0;
	max_frame = fuzz_limits[data[0] % (sizeof(fuzz_limits) /
	    sizeof(fuzz_limits[0]))];
	flags = data[1];
	p = data + 2;
	n = size - 2;
	while (done < n && frames < 4096) {
		struct codec_frame f, g;
		char err[160];
		ssize_t r, r2;

		memset(&f, 0, sizeof(f));
		err[0] = '\0';
		r = cd->decode(p + done, n - done, max_frame, &f, err,
		    sizeof(err));
		if (r == CODEC_NEED_MORE)
			break;
		if (r == CODEC_ERROR) {
			if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) ==
			    NULL)
				fuzz_fail(cd->name, "error without a reason");
			break;
		}
		if (r <= 0)
			fuzz_fail(cd->name, "decode returned an unknown value");
		fuzz_check_frame(cd, p + done, n - done, r, &f);
		/* A frame must not depend on the bytes after it. */
		if (strcmp(cd->name, "raw") != 0) {
			memset(&g, 0, sizeof(g));
			r2 = cd->decode(p + done, (size_t)r, max_frame, &g, err,
			    sizeof(err));
			if (r2 != r || g.body_len != f.body_len ||
			    g.head_len != f.head_len)
				fuzz_fail(cd->name, "a frame decodes differently "
				    "without the bytes that follow it");
		}
		if (flags & 1)
			fuzz_describe(cd, &f);
		if (flags & 8)
			fuzz_fields(cd, &f);
		if ((flags & 2) && f.body_len > 0)
			fuzz_encode(cd, f.body, f.body_len, NULL);
		done += (size_t)r;
		frames++;
	}
	if ((flags & 16) && done < n) {
		/* The peer closes with the rest pending. */
		struct codec_cursor *cur = NULL;
		struct codec_frame f;
		char err[160];
		ssize_t r;

		err[0] = '\0';
		r = codec_decode_eof(cd, &cur, p + done, n - done, max_frame, &f,
		    err, sizeof(err));
		codec_cursor_free(&cur);
		if (r == CODEC_ERROR && err[0] == '\0')
			fuzz_fail(cd->name, "close error without a reason");
		if (r > 0) {
			fuzz_check_frame(cd, p + done, n - done, r, &f);
			fuzz_fields(cd, &f);
			fuzz_describe(cd, &f);
		} else if (r != CODEC_ERROR && r != 0)
			fuzz_fail(cd->name, "decode_eof returned an unknown "
			    "value");
	}
	if (flags & 32) {
		/* The first frame read as the answer to a HEAD request: a
		 * frame no longer than without the hint, in bounds, with
		 * fields; the hint is gone once the frame is returned. */
		struct codec_cursor *cur = NULL;
		struct codec_frame f, g;
		char err[160];
		ssize_t r, r2;

		codec_cursor_hint(cd, &cur, CODEC_HINT_HEAD);
		err[0] = '\0';
		r = codec_decode(cd, &cur, p, n, max_frame, &f, err,
		    sizeof(err));
		r2 = cd->decode(p, n, max_frame, &g, err, sizeof(err));
		if (r > 0) {
			fuzz_check_frame(cd, p, n, r, &f);
			fuzz_fields(cd, &f);
			fuzz_describe(cd, &f);
			if (r2 > 0 && r > r2)
				fuzz_fail(cd->name, "the HEAD hint made a frame "
				    "longer");
			if (cur != NULL && cur->hint != 0)
				fuzz_fail(cd->name, "the hint outlived its frame");
		} else if (r == CODEC_ERROR && err[0] == '\0')
			fuzz_fail(cd->name, "error without a reason");
		codec_cursor_free(&cur);
	}
	fuzz_resume(cd, p, n, max_frame, flags);
	if (flags & 4) {
		/* The whole input as a payload, and as header fields. */
		fuzz_encode(cd, p, n, NULL);
		head = malloc(n + 1);
		if (head == NULL)
			abort();
		memcpy(head, p, n);
		head[n] = '\0';
		fuzz_encode(cd, p, n, head);
		free(head);
	}
	return 0;
}

#endif
