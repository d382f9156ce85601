/* The codec interface: turns a byte stream into messages and back. A codec
 * knows bytes only, never sockets, so it is tested with byte arrays. */
#ifndef SB_CODEC_H
#define SB_CODEC_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "buf.h"

#define CODEC_NEED_MORE	(-2)	/* not a whole frame yet */
#define CODEC_ERROR	(-1)	/* malformed or oversized; reason in err */
#define CODEC_MAX_FRAME_DEFAULT	(1024 * 1024)

/* One decoded frame. Pointers point into the caller's input buffer and are
 * valid until that buffer changes. */
struct codec_frame {
	const unsigned char	*frame;		/* the whole frame as on the wire */
	size_t			 frame_len;
	const unsigned char	*body;		/* payload (line without EOL, content) */
	size_t			 body_len;
	const unsigned char	*head;		/* header if the codec has one (JSON
						   header, HTTP head), else NULL */
	size_t			 head_len;
};

/* What a decoder remembers between calls about the frame pending at the
 * start of one stream (a header already parsed, how far a search for a
 * line end got), so that no byte is examined again while the frame
 * trickles in: CPU per received byte stays constant however the peer
 * splits its writes. Each codec's own cursor begins with this struct and
 * holds offsets, never pointers, so the pending bytes may move. Allocated
 * by codec_decode, freed with codec_cursor_free by the stream's owner. */
struct codec_cursor {
	uint64_t	examined;	/* bytes the decoder examined since the
					   cursor was made (a test and bench
					   hook; never reset) */
};

#define CODEC_CURSOR_MAX	512	/* largest cursor_size of any codec */

/* Capabilities in struct codec's caps. */
#define CODEC_HAS_HEAD	0x01	/* decoded messages carry a header whose
				   fields can be expected (jsonhdr, http) */
#define CODEC_SENDS_HEAD 0x02	/* encode takes header fields (jsonhdr) */

struct codec {
	const char	*name;
	const char	*summary;	/* one line for --help and docs */
	unsigned	 caps;		/* CODEC_HAS_HEAD, CODEC_SENDS_HEAD... */
	/* Decode the first frame in p[0..n): return bytes consumed (> 0),
	 * CODEC_NEED_MORE, or CODEC_ERROR with a reason written into err.
	 * Never allocates in proportion to a length read from the input;
	 * anything over max_frame bytes is an error. The raw codec returns
	 * everything available as one frame. */
	ssize_t	(*decode)(const unsigned char *p, size_t n, size_t max_frame,
		    struct codec_frame *out, char *err, size_t errlen);
	/* Optional (NULL when decode is already O(1) per call): decode as
	 * above, resuming from cur, which holds what earlier calls found in
	 * the same pending bytes. The decoder resets its part of cur itself
	 * whenever it returns a frame or an error. */
	ssize_t	(*resume)(struct codec_cursor *cur, const unsigned char *p,
		    size_t n, size_t max_frame, struct codec_frame *out,
		    char *err, size_t errlen);
	size_t	cursor_size;	/* bytes of resume's cursor, at most
				   CODEC_CURSOR_MAX */
	/* Append the wire bytes of one message to out. body is the payload a
	 * scenario wrote; head is optional codec-specific header text (for
	 * jsonhdr a JSON object of header fields, NULL for defaults). Returns
	 * 0, or -1 with a reason in err. */
	int	(*encode)(const unsigned char *body, size_t body_len,
		    const char *head, struct buf *out, char *err, size_t errlen);
	/* Write a short human-readable rendering of a decoded frame into out
	 * (escaped text, hex for binary, compact JSON); always NUL-terminated. */
	void	(*describe)(const struct codec_frame *f, char *out, size_t outlen);
};

/* Decode the first frame of a stream's pending bytes p[0..n) like
 * c->decode, resuming from *cur when the codec can: *cur is NULL at first
 * and is allocated (c->cursor_size bytes) the first time a frame stays
 * incomplete; the caller passes the same pending bytes plus any that
 * arrived since on each call, and drops them only as the decoder consumes
 * them. Returns what decode returns. */
ssize_t codec_decode(const struct codec *c, struct codec_cursor **cur,
    const unsigned char *p, size_t n, size_t max_frame,
    struct codec_frame *out, char *err, size_t errlen);
/* A zeroed cursor for c (NULL if c needs none), for callers that want the
 * examined count from the first call; free with codec_cursor_free. */
struct codec_cursor *codec_cursor_new(const struct codec *c);
/* Free *cur (NULL is fine) and set it to NULL. */
void codec_cursor_free(struct codec_cursor **cur);

/* Return 1 if codec c has every capability bit in cap, else 0. */
int codec_has(const struct codec *c, unsigned cap);
/* Find a codec by name; NULL if unknown. */
const struct codec *codec_find(const char *name);
/* All codecs, NULL-terminated, in the order --help lists them. */
extern const struct codec *const codec_all[];

/* The codecs, one per file in proto/ (see docs/protocols.md). */
extern const struct codec codec_raw;
extern const struct codec codec_line;
extern const struct codec codec_len16;
extern const struct codec codec_len32;
extern const struct codec codec_jsonhdr;
extern const struct codec codec_http;
extern const struct codec codec_resp;

#endif
