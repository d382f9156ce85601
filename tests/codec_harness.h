/* Shared checks for the codec unit tests: feed a stream of frames merged,
 * one byte at a time and split at every byte boundary, and compare the
 * decoded messages; try every truncated prefix; assert error reasons.
 * Include after <cmocka.h>'s prerequisites; everything here is static. */
#ifndef SB_CODEC_HARNESS_H
#define SB_CODEC_HARNESS_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "buf.h"
#include "codec.h"
#include "util.h"

/* One decoded message, copied out of the rx buffer. */
struct harness_msg {
	unsigned char	*frame, *body, *head;
	size_t		 frame_len, body_len, head_len;
	int		 has_head;
};

/* A growing list of decoded messages; freed with harness_msgs_free. */
struct harness_msgs {
	struct harness_msg	*v;
	size_t			 n, cap;
};

/* Copy n bytes into fresh memory (never NULL). */
static inline unsigned char *
harness_dup(const unsigned char *p, size_t n)
{
	unsigned char *d = xmalloc(n + 1);

	if (n > 0)
		memcpy(d, p, n);
	return d;
}

/* Free every message in m and reset it. */
static inline void
harness_msgs_free(struct harness_msgs *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->v[i].frame);
		free(m->v[i].body);
		free(m->v[i].head);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* Check that frame f points into p[0..r) and append a copy of it to m. */
static inline void
harness_record(struct harness_msgs *m, const unsigned char *p, ssize_t r,
    const struct codec_frame *f)
{
	struct harness_msg *h;

	assert_ptr_equal(f->frame, p);
	assert_int_equal(f->frame_len, (size_t)r);
	if (f->body_len > 0) {
		assert_true(f->body >= p && f->body + f->body_len <= p + r);
	}
	if (f->head != NULL) {
		assert_true(f->head >= p && f->head + f->head_len <= p + r);
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 8;
		m->v = xrealloc(m->v, m->cap * sizeof(*m->v));
	}
	h = &m->v[m->n++];
	h->frame = harness_dup(f->frame, f->frame_len);
	h->frame_len = f->frame_len;
	h->body = harness_dup(f->body, f->body_len);
	h->body_len = f->body_len;
	h->has_head = f->head != NULL;
	h->head = harness_dup(f->head, f->head_len);
	h->head_len = f->head != NULL ? f->head_len : 0;
}

/* Append n bytes to rx, then decode and consume every whole frame in it;
 * with cur non-NULL through codec_decode, resuming from *cur as a
 * connection does, else with the stateless decode. */
static inline void
harness_feed(const struct codec *c, struct codec_cursor **cur,
    struct buf *rx, const unsigned char *p, size_t n, size_t max_frame,
    struct harness_msgs *m)
{
	struct codec_frame f;
	char err[256];
	ssize_t r;

	buf_append(rx, p, n);
	while (buf_len(rx) > 0) {
		err[0] = '\0';
		if (cur != NULL)
			r = codec_decode(c, cur, buf_data(rx), buf_len(rx),
			    max_frame, &f, err, sizeof(err));
		else
			r = c->decode(buf_data(rx), buf_len(rx), max_frame, &f,
			    err, sizeof(err));
		if (r == CODEC_NEED_MORE)
			return;
		if (r == CODEC_ERROR)
			fail_msg("%s: unexpected error: %s", c->name, err);
		assert_true(r > 0 && (size_t)r <= buf_len(rx));
		harness_record(m, buf_data(rx), r, &f);
		buf_consume(rx, (size_t)r);
	}
}

/* Assert that two message lists are identical, frame by frame. */
static inline void
harness_assert_same(const struct harness_msgs *a, const struct harness_msgs *b)
{
	size_t i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		assert_int_equal(a->v[i].frame_len, b->v[i].frame_len);
		assert_memory_equal(a->v[i].frame, b->v[i].frame,
		    a->v[i].frame_len);
		assert_int_equal(a->v[i].body_len, b->v[i].body_len);
		assert_memory_equal(a->v[i].body, b->v[i].body,
		    a->v[i].body_len);
		assert_int_equal(a->v[i].has_head, b->v[i].has_head);
		assert_int_equal(a->v[i].head_len, b->v[i].head_len);
		assert_memory_equal(a->v[i].head, b->v[i].head,
		    a->v[i].head_len);
	}
}

/* Decode stream[0..n) fed as given by the cut points (0 cuts = merged,
 * cut == 1 = one byte at a time, else two pieces split at cut - 1), with
 * the resuming decoder when resume is set, else the stateless one. */
static inline void
harness_decode_cut_mode(const struct codec *c, const unsigned char *stream,
    size_t n, size_t max_frame, size_t cut, int resume,
    struct harness_msgs *m)
{
	struct codec_cursor *cursor = NULL, **cur = resume ? &cursor : NULL;
	struct buf rx;
	size_t i;

	buf_init(&rx);
	if (cut == 0)
		harness_feed(c, cur, &rx, stream, n, max_frame, m);
	else if (cut == 1)
		for (i = 0; i < n; i++)
			harness_feed(c, cur, &rx, stream + i, 1, max_frame, m);
	else {
		harness_feed(c, cur, &rx, stream, cut - 2, max_frame, m);
		harness_feed(c, cur, &rx, stream + cut - 2, n - (cut - 2),
		    max_frame, m);
	}
	/* A stream of whole frames leaves nothing behind. */
	assert_int_equal(buf_len(&rx), 0);
	codec_cursor_free(&cursor);
	buf_free(&rx);
}

/* Decode stream[0..n) cut as above with the stateless decoder. */
static inline void
harness_decode_cut(const struct codec *c, const unsigned char *stream,
    size_t n, size_t max_frame, size_t cut, struct harness_msgs *m)
{
	harness_decode_cut_mode(c, stream, n, max_frame, cut, 0, m);
}

/* Decode a stream of count whole frames merged, byte by byte and split at
 * every boundary; all must give the same messages, whose bodies are the
 * expected ones (bodies[i] of body_lens[i] bytes). */
static inline void
harness_check_stream(const struct codec *c, const unsigned char *stream,
    size_t n, size_t max_frame, const char *const *bodies,
    const size_t *body_lens, size_t count)
{
	struct harness_msgs merged, other;
	size_t i, cut;

	memset(&merged, 0, sizeof(merged));
	harness_decode_cut(c, stream, n, max_frame, 0, &merged);
	assert_int_equal(merged.n, count);
	for (i = 0; i < count; i++) {
		assert_int_equal(merged.v[i].body_len, body_lens[i]);
		assert_memory_equal(merged.v[i].body, bodies[i], body_lens[i]);
	}
	/* The resuming decoder must give the same messages at every split
	 * point as the stateless one. */
	for (cut = 0; cut <= n + 2; cut++) {
		memset(&other, 0, sizeof(other));
		harness_decode_cut(c, stream, n, max_frame, cut, &other);
		harness_assert_same(&merged, &other);
		harness_msgs_free(&other);
		memset(&other, 0, sizeof(other));
		harness_decode_cut_mode(c, stream, n, max_frame, cut, 1,
		    &other);
		harness_assert_same(&merged, &other);
		harness_msgs_free(&other);
	}
	harness_msgs_free(&merged);
}

/* Decode stream[0..n) with a codec that keeps no boundaries (raw), fed in
 * every way harness_check_stream uses: the bodies must concatenate to the
 * stream and no frame may exceed max_frame. */
static inline void
harness_check_concat(const struct codec *c, const unsigned char *stream,
    size_t n, size_t max_frame)
{
	struct harness_msgs m;
	struct buf all;
	size_t i, cut;

	for (cut = 0; cut <= 2 * (n + 2) + 1; cut++) {
		memset(&m, 0, sizeof(m));
		buf_init(&all);
		harness_decode_cut_mode(c, stream, n, max_frame, cut / 2,
		    cut % 2, &m);
		for (i = 0; i < m.n; i++) {
			assert_true(m.v[i].body_len <= max_frame);
			buf_append(&all, m.v[i].body, m.v[i].body_len);
		}
		assert_int_equal(buf_len(&all), n);
		if (n > 0) {
			assert_memory_equal(buf_data(&all), stream, n);
		}
		buf_free(&all);
		harness_msgs_free(&m);
	}
}

/* Every proper prefix of one whole frame must be NEED_MORE, each tried in a
 * buffer of exactly that size so sanitizers catch any read past it; the
 * whole frame must decode to exactly its length. */
static inline void
harness_check_prefixes(const struct codec *c, const unsigned char *frame,
    size_t n, size_t max_frame)
{
	struct codec_cursor *cur = NULL;
	struct codec_frame f;
	unsigned char *copy;
	char err[256];
	ssize_t r, rr;
	size_t k;

	for (k = 0; k <= n; k++) {
		copy = NULL;
		if (k > 0) {
			copy = xmalloc(k);
			memcpy(copy, frame, k);
		}
		err[0] = '\0';
		r = c->decode(k > 0 ? copy : (const unsigned char *)"", k,
		    max_frame, &f, err, sizeof(err));
		if (k < n && r != CODEC_NEED_MORE)
			fail_msg("%s: prefix of %zu/%zu bytes gave %zd (%s)",
			    c->name, k, n, r, err);
		if (k == n && r != (ssize_t)n)
			fail_msg("%s: whole frame of %zu bytes gave %zd (%s)",
			    c->name, n, r, err);
		/* The same growing prefix, each in a new buffer, resumed
		 * from one cursor: it holds offsets, never pointers. */
		rr = codec_decode(c, &cur, k > 0 ? copy :
		    (const unsigned char *)"", k, max_frame, &f, err,
		    sizeof(err));
		if (rr != r)
			fail_msg("%s: resumed prefix of %zu/%zu bytes gave %zd, "
			    "stateless %zd (%s)", c->name, k, n, rr, r, err);
		free(copy);
	}
	codec_cursor_free(&cur);
}

/* Decoding p[0..n) must fail with a reason containing want. */
static inline void
harness_expect_error(const struct codec *c, const void *p, size_t n,
    size_t max_frame, const char *want)
{
	struct codec_frame f;
	char err[256];
	ssize_t r;

	struct codec_cursor *cur = NULL;
	size_t k;

	err[0] = '\0';
	r = c->decode(p, n, max_frame, &f, err, sizeof(err));
	if (r != CODEC_ERROR)
		fail_msg("%s: expected error \"%s\", got %zd", c->name, want,
		    r);
	if (strstr(err, want) == NULL)
		fail_msg("%s: error \"%s\" lacks \"%s\"", c->name, err, want);
	/* Resumed byte by byte, each prefix gives what the stateless
	 * decoder gives for it, and an error by the last byte at most. */
	for (k = 1; k <= n; k++) {
		char err2[256] = "";
		ssize_t r2;

		err[0] = '\0';
		r = codec_decode(c, &cur, p, k, max_frame, &f, err,
		    sizeof(err));
		r2 = c->decode(p, k, max_frame, &f, err2, sizeof(err2));
		if (r != r2 || strcmp(err, err2) != 0)
			fail_msg("%s: prefix %zu/%zu resumed gave %zd (%s), "
			    "stateless %zd (%s)", c->name, k, n, r, err, r2,
			    err2);
		if (r != CODEC_NEED_MORE)
			break;
	}
	codec_cursor_free(&cur);
	if (n > 0 && r != CODEC_ERROR)
		fail_msg("%s: resumed: expected error \"%s\", got %zd",
		    c->name, want, r);
}

/* Encoding body (with optional head) must give exactly want[0..wn). */
static inline void
harness_expect_encode(const struct codec *c, const void *body, size_t blen,
    const char *head, const void *want, size_t wn)
{
	struct buf out;
	char err[256];

	buf_init(&out);
	err[0] = '\0';
	if (c->encode(body, blen, head, &out, err, sizeof(err)) != 0)
		fail_msg("%s: encode failed: %s", c->name, err);
	assert_int_equal(buf_len(&out), wn);
	if (wn > 0) {
		assert_memory_equal(buf_data(&out), want, wn);
	}
	buf_free(&out);
}

/* Encoding must fail with a reason containing want. */
static inline void
harness_expect_encode_error(const struct codec *c, const void *body,
    size_t blen, const char *head, const char *want)
{
	struct buf out;
	char err[256];

	buf_init(&out);
	err[0] = '\0';
	assert_int_equal(c->encode(body, blen, head, &out, err, sizeof(err)),
	    -1);
	if (strstr(err, want) == NULL)
		fail_msg("%s: error \"%s\" lacks \"%s\"", c->name, err, want);
	buf_free(&out);
}

/* Decode one whole frame and render it with describe into out. */
static inline void
harness_describe(const struct codec *c, const void *p, size_t n,
    char *out, size_t outlen)
{
	struct codec_frame f;
	char err[256];
	ssize_t r;

	r = c->decode(p, n, CODEC_MAX_FRAME_DEFAULT, &f, err, sizeof(err));
	if (r != (ssize_t)n)
		fail_msg("%s: decode gave %zd (%s)", c->name, r, err);
	c->describe(&f, out, outlen);
}

/* Decode one whole frame p[0..n) (in an exact-size copy) into *f; the
 * caller frees *copy. */
static inline void
harness_decode_one(const struct codec *c, const void *p, size_t n,
    struct codec_frame *f, unsigned char **copy)
{
	char err[256];
	ssize_t r;

	*copy = harness_dup(p, n);
	r = c->decode(*copy, n, CODEC_MAX_FRAME_DEFAULT, f, err, sizeof(err));
	if (r != (ssize_t)n)
		fail_msg("%s: decode gave %zd of %zu (%s)", c->name, r, n,
		    r == CODEC_ERROR ? err : "");
}

/* The index-th field name of the one frame p[0..n) must have type t and
 * the text want (its decimal text for an int, JSON text for JSON); want
 * NULL means the field must be absent. */
static inline void
harness_expect_field(const struct codec *c, const void *p, size_t n,
    const char *name, size_t index, enum codec_vtype t, const char *want)
{
	struct codec_frame f;
	struct codec_value v;
	struct buf scratch;
	unsigned char *copy;
	int r;

	harness_decode_one(c, p, n, &f, &copy);
	buf_init(&scratch);
	memset(&v, 0, sizeof(v));
	r = codec_field(c, &f, name, index, &scratch, &v);
	if (want == NULL) {
		if (r != 0)
			fail_msg("%s: field %s[%zu]: expected absent, got %d",
			    c->name, name, index, r);
	} else {
		if (r != 1)
			fail_msg("%s: field %s[%zu]: expected \"%s\", got %d",
			    c->name, name, index, want, r);
		if (v.type != t)
			fail_msg("%s: field %s: type %d, expected %d", c->name,
			    name, (int)v.type, (int)t);
		if (v.len != strlen(want) || (v.len > 0 &&
		    memcmp(v.s, want, v.len) != 0))
			fail_msg("%s: field %s: \"%.*s\", expected \"%s\"",
			    c->name, name, (int)v.len, (const char *)v.s, want);
		if (t == CODEC_V_INT && v.num != strtoll(want, NULL, 10))
			fail_msg("%s: field %s: num %lld, expected %s",
			    c->name, name, v.num, want);
	}
	buf_free(&scratch);
	free(copy);
}

/* The JSON view of the one frame p[0..n) must be exactly want. */
static inline void
harness_expect_json(const struct codec *c, const void *p, size_t n,
    const char *want)
{
	struct codec_frame f;
	struct buf out;
	unsigned char *copy;

	harness_decode_one(c, p, n, &f, &copy);
	buf_init(&out);
	assert_int_equal(codec_json(c, &f, &out), 0);
	if (buf_len(&out) != strlen(want) ||
	    memcmp(buf_data(&out), want, buf_len(&out)) != 0)
		fail_msg("%s: json %.*s\n expected %s", c->name,
		    (int)buf_len(&out), (const char *)buf_data(&out), want);
	buf_free(&out);
	free(copy);
}

#endif
