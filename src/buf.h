/* A growable byte buffer with a read offset, used for every rx and tx queue.
 * The owner of the struct frees its storage with buf_free. */
#ifndef SB_BUF_H
#define SB_BUF_H
#include <stddef.h>

struct buf {
	unsigned char	*data;	/* storage, cap bytes */
	size_t		 off;	/* first unread byte */
	size_t		 len;	/* bytes readable from off */
	size_t		 cap;
};

/* An empty buffer with no storage. */
void buf_init(struct buf *b);
/* Release the storage; b is empty again and may be reused. */
void buf_free(struct buf *b);
/* Readable bytes start here; valid until the next call that changes b. */
static inline unsigned char *
buf_data(const struct buf *b)
{
	static unsigned char empty[1];

	return b->data != NULL ? b->data + b->off : empty;
}
/* Readable bytes, from buf_data on. */
static inline size_t buf_len(const struct buf *b) { return b->len; }
/* Append n bytes. */
void buf_append(struct buf *b, const void *p, size_t n);
/* Append a NUL-terminated string, without the NUL. */
void buf_append_str(struct buf *b, const char *s);
/* Append printf-formatted text. */
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Make room for at least n more bytes at the end and return where they go. */
unsigned char *buf_reserve(struct buf *b, size_t n);
/* Count n bytes written into the space buf_reserve returned; more than
 * it reserved is a programming error (assert). */
void buf_commit(struct buf *b, size_t n);
/* Drop n bytes from the front (all of them when n >= buf_len). */
void buf_consume(struct buf *b, size_t n);
/* Drop everything, keeping the storage. */
void buf_reset(struct buf *b);
/* Release storage when a mostly-empty buffer holds more than keep bytes. */
void buf_shrink(struct buf *b, size_t keep);

#endif
