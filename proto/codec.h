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
	unsigned	hint;		/* CODEC_HINT_*: what the caller knows
					   about the frame at the start of the
					   pending bytes; set before a decode
					   call, cleared by the decoder when it
					   returns that frame */
};

/* The frame at the start of the pending bytes answers a HEAD request, so
 * an http response there has no body whatever its head says (RFC 9110,
 * 9.3.2). Set with codec_cursor_hint. */
#define CODEC_HINT_HEAD	0x01

#define CODEC_CURSOR_MAX	512	/* largest cursor_size of any codec */

/* Capabilities in struct codec's caps. */
#define CODEC_HAS_HEAD	0x01	/* decoded messages carry a header whose
				   fields can be expected (jsonhdr, http) */
#define CODEC_SENDS_HEAD 0x02	/* encode takes header fields (jsonhdr) */
#define CODEC_HEAD_NOCASE 0x04	/* header:NAME ignores the case of NAME */

/* The message model every codec shares: a decoded frame is a list of named
 * fields, in wire order. Every codec's first field is "kind" (what sort of
 * message: "request", "response", "line", "reply", "frame", a RESP type...).
 * Fields of a group (a header, a trailer) are named GROUP:NAME and may
 * repeat; codec_field finds them by name and occurrence. */
enum codec_vtype {
	CODEC_V_TEXT = 0,	/* bytes s[0..len), not NUL-terminated */
	CODEC_V_INT,		/* num, with its decimal text in s[0..len) */
	CODEC_V_NULL,		/* no value (a RESP nil); len 0 */
	CODEC_V_JSON		/* s[0..len) is one JSON value */
};

/* One field's value. s points into the frame or into the scratch buffer
 * the caller passed, and stays valid until either changes. */
struct codec_value {
	enum codec_vtype	 type;
	long long		 num;
	const unsigned char	*s;
	size_t			 len;
};

/* One field as a codec's fields function reports it. */
struct codec_field {
	const char		*group;	/* "header", "trailer" or NULL */
	const char		*name;	/* field name; for a group member the
					   member's name, e.g. "Content-Type" */
	size_t			 name_len;
	struct codec_value	 v;
};

/* A fields visitor: return 0 to go on, nonzero to stop the walk. */
typedef int (*codec_field_cb)(void *arg, const struct codec_field *fld);

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
	/* Walk the fields of a frame this codec decoded, in wire order,
	 * calling cb for each; scratch (the caller's, reused) holds values
	 * that are not bytes of the frame (a de-chunked body, JSON text).
	 * Cost and memory are bounded by frame_len; returns 0, or -1 if f is
	 * not a frame this codec decoded. */
	int	(*fields)(const struct codec_frame *f, struct buf *scratch,
		    codec_field_cb cb, void *arg);
	/* The names fields can report, NULL-terminated; "header:*" stands
	 * for a group. For checking a scenario before it runs. */
	const char *const *field_names;
	/* Optional: the peer closed its side and p[0..n) is all it sent.
	 * Return the length of a final frame that only the close delimits
	 * (an HTTP response without a length), or CODEC_NEED_MORE if no
	 * frame ends at the close. Used through codec_decode_eof. */
	ssize_t	(*decode_eof)(const unsigned char *p, size_t n, size_t max_frame,
		    struct codec_frame *out, char *err, size_t errlen);
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
/* Tell the decoder what the caller knows about the next frame in *cur
 * (CODEC_HINT_HEAD), allocating the cursor if needed; a codec without a
 * cursor ignores hints. */
void codec_cursor_hint(const struct codec *c, struct codec_cursor **cur,
    unsigned hint);
/* The peer closed: decode what is pending one last time. Returns a frame's
 * length (> 0), 0 when nothing is pending, or CODEC_ERROR with a reason
 * (the close cut a frame short). Resets *cur's frame state. */
ssize_t codec_decode_eof(const struct codec *c, struct codec_cursor **cur,
    const unsigned char *p, size_t n, size_t max_frame,
    struct codec_frame *out, char *err, size_t errlen);
/* Free *cur (NULL is fine) and set it to NULL. */
void codec_cursor_free(struct codec_cursor **cur);

/* Return 1 if codec c has every capability bit in cap, else 0. */
int codec_has(const struct codec *c, unsigned cap);
/* Find the index-th field (0 first) called name in frame f that codec c
 * decoded; "header:NAME" addresses a group member (case-insensitive for a
 * CODEC_HEAD_NOCASE codec). Returns 1 and fills *out, 0 if there is no
 * such field, -1 if c has no fields function or f does not parse. */
int codec_field(const struct codec *c, const struct codec_frame *f,
    const char *name, size_t index, struct buf *scratch,
    struct codec_value *out);
/* Return 1 if messages of codec c can have a field called name (a group
 * member for any "GROUP:NAME"), else 0: for checking scenarios. */
int codec_knows_field(const struct codec *c, const char *name);
/* Append the JSON view of frame f to out: an object with each field in
 * order, group members as "GROUPs": [[name, value], ...], text as a JSON
 * string (bytes that are not UTF-8 as "NAME_hex"). Returns 0 or -1 as
 * codec_field. */
int codec_json(const struct codec *c, const struct codec_frame *f,
    struct buf *out);
/* Append v as JSON to out (text as a string, \u escapes for controls). */
void codec_value_json(const struct codec_value *v, struct buf *out);
/* Find a codec by name; NULL if unknown. A name with options ("line crlf",
 * "lenfield size=2 order=le") is opened as codec_open does. */
const struct codec *codec_find(const char *name);
/* Open a codec from a spec "NAME [OPTIONS]": "line crlf|lf|any", "lenfield
 * offset=N size=1|2|3|4|8|varint order=be|le adjust=N strip=N" (Netty's
 * LengthFieldBasedFrameDecoder terms; unset strip means offset + size).
 * The codec lives as long as the process; equal specs give the same
 * codec; its name is the canonical spec. NULL with a reason in err if the
 * name or an option is unknown. Not thread-safe: open codecs while
 * parsing, before workers start. */
const struct codec *codec_open(const char *spec, char *err, size_t errlen);
/* All codecs, NULL-terminated, in the order --help lists them. */
extern const struct codec *const codec_all[];

/* Message builders for the scenario's `send`. */
/* Append a RESP command, an array of argc bulk strings (argv[i] of lens[i]
 * bytes, or strlen when lens is NULL), to out; -1 if argc is 0. */
int resp_build_command(const char *const *argv, const size_t *lens,
    size_t argc, struct buf *out);
/* Append an HTTP/1.1 request (RFC 9112) to out: "METHOD PATH HTTP/1.1",
 * the nhdr "Name: value" strings of hdrs, a Content-Length of body_len
 * unless hdrs has one or a Transfer-Encoding (or the method is GET, HEAD
 * without a body), then the body. -1 with a reason in err for a method or
 * path that is not a token or contains spaces or CR/LF, or a header
 * without a colon or with CR/LF. */
int http_build_request(const char *method, const char *path,
    const char *const *hdrs, size_t nhdr, const unsigned char *body,
    size_t body_len, struct buf *out, char *err, size_t errlen);

/* The codecs, one per file in proto/ (see docs/protocols.md). */
extern const struct codec codec_raw;
extern const struct codec codec_line;
extern const struct codec codec_line_crlf;
extern const struct codec codec_line_lf;
extern const struct codec codec_reply;
extern const struct codec codec_lenfield;
extern const struct codec codec_varint;
extern const struct codec codec_len16;
extern const struct codec codec_len32;
extern const struct codec codec_jsonhdr;
extern const struct codec codec_http;
extern const struct codec codec_resp;

#endif
