/* The codec interface: turns a byte stream into messages and back. A codec
 * knows bytes only, never sockets, so it is tested with byte arrays. */
#ifndef SB_CODEC_H
#define SB_CODEC_H
#include <stddef.h>
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

struct codec {
	const char	*name;
	const char	*summary;	/* one line for --help and docs */
	/* Decode the first frame in p[0..n): return bytes consumed (> 0),
	 * CODEC_NEED_MORE, or CODEC_ERROR with a reason written into err.
	 * Never allocates in proportion to a length read from the input;
	 * anything over max_frame bytes is an error. The raw codec returns
	 * everything available as one frame. */
	ssize_t	(*decode)(const unsigned char *p, size_t n, size_t max_frame,
		    struct codec_frame *out, char *err, size_t errlen);
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
