/* A growable byte buffer with a read offset. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "util.h"

void
buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

unsigned char *
buf_reserve(struct buf *b, size_t n)
{
	if (b->len == 0)
		b->off = 0;
	if (b->cap - b->off - b->len >= n)
		return b->data + b->off + b->len;
	/* Slide unread bytes to the front before growing. */
	if (b->off > 0) {
		memmove(b->data, b->data + b->off, b->len);
		b->off = 0;
		if (b->cap - b->len >= n)
			return b->data + b->len;
	}
	size_t ncap = b->cap ? b->cap : 256;
	while (ncap - b->len < n) {
		if (ncap > (size_t)-1 / 2) {
			ncap = b->len + n;
			break;
		}
		ncap *= 2;
	}
	b->data = xrealloc(b->data, ncap);
	b->cap = ncap;
	return b->data + b->len;
}

void
buf_commit(struct buf *b, size_t n)
{
	/* More than buf_reserve made room for is a caller's bug. */
	assert(b->off + b->len + n <= b->cap);
	b->len += n;
}

void
buf_append(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	memcpy(buf_reserve(b, n), p, n);
	b->len += n;
}

void
buf_append_str(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	unsigned char *dst = buf_reserve(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf((char *)dst, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->off = 0;
		b->len = 0;
		return;
	}
	b->off += n;
	b->len -= n;
}

void
buf_reset(struct buf *b)
{
	b->off = 0;
	b->len = 0;
}

void
buf_shrink(struct buf *b, size_t keep)
{
	if (b->cap <= keep || b->len > keep / 2)
		return;
	if (b->len == 0) {
		free(b->data);
		b->data = NULL;
		b->cap = 0;
		b->off = 0;
		return;
	}
	memmove(b->data, b->data + b->off, b->len);
	b->off = 0;
	b->data = xrealloc(b->data, keep);
	b->cap = keep;
}
