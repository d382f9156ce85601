/* Message builders and binary helpers of the scenario language:
 * `send pack` (binary templates of fixed-width integers, bytes and hex),
 * `send hex` with ${...}, `send request` (HTTP/1.1) and `send command`
 * (RESP), `expect hex` patterns with `??` wildcards and `/MM` bit masks,
 * and `capture NAME u16be at N`. See docs/scenarios.md, "Binary messages"
 * and "Requests and commands". */
#ifndef SB_PACK_H
#define SB_PACK_H
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "expr.h"
#include "template.h"
#include "vars.h"

struct parser;
struct step_send;
struct step_expect;
struct step_capture;

/* The field types of `send pack` and `capture ... at`, with their widths
 * in bytes, byte order and signedness. */
enum pack_type {
	PACK_U8, PACK_U16BE, PACK_U16LE, PACK_U24BE, PACK_U32BE, PACK_U32LE,
	PACK_U64BE, PACK_U64LE, PACK_I8, PACK_I16BE, PACK_I16LE, PACK_I32BE,
	PACK_I32LE,
	PACK_BYTES,	/* bytes "..." (placeholders allowed) */
	PACK_HEX	/* hex "..." (placeholders allowed) */
};

/* One field of a `send pack`. Owned by its struct pack_send. */
struct pack_item {
	enum pack_type	 type;
	int64_t		 lit;		/* integer literal (a u64 above
					   INT64_MAX kept as its bit pattern) */
	struct expr	*e;		/* ${...} instead of lit, or NULL */
	struct tmpl	*t;		/* BYTES: the bytes; HEX: the hex text */
	int		 hex_lit;	/* HEX without placeholders: t holds the
					   decoded bytes */
};

enum pack_build {
	PACK_BUILD_PACK,	/* send pack ITEM, ITEM, ... */
	PACK_BUILD_HEX,		/* send hex "01 ${x}": render, then decode */
	PACK_BUILD_REQUEST,	/* send request METHOD "PATH" ... */
	PACK_BUILD_COMMAND	/* send command WORD "arg" ${e} ... */
};

/* What a builder send holds; made by the parser, freed with
 * pack_send_free (scenario_free calls it). */
struct pack_send {
	enum pack_build	 kind;
	unsigned	 col;		/* column of the builder's keyword */
	struct pack_item *items;	/* PACK */
	size_t		 nitems;
	struct tmpl	*hex;		/* HEX: the hex text */
	char		*method;	/* REQUEST */
	struct tmpl	*path;		/* REQUEST: the request target */
	struct tmpl	*headers;	/* REQUEST: JSON object, or NULL */
	struct tmpl	*body;		/* REQUEST: body text or JSON, or NULL */
	int		 body_json;	/* REQUEST: `json {...}` */
	struct tmpl	**args;		/* COMMAND: one template per word */
	size_t		 nargs;
};

#define PACK_MAX_ITEMS	1024	/* fields in one `send pack` */
#define PACK_MAX_ARGS	1024	/* words in one `send command` */
#define PACK_MAX_HEADERS 100	/* headers in one `send request` */

/* Say whether w[0..wl) starts a builder send: pack, request, command. */
int pack_send_word(const char *w, size_t wl);
/* Parse `send pack|request|command ...` (the keyword w at line offset at
 * already read) into s->build; 0, or -1 with "file:line:col: expected
 * ..." in the lexer's err. */
int pack_parse_send(struct parser *p, struct step_send *s, const char *w,
    size_t wl, size_t at);
/* Parse the hex string of `send hex "..."`: literal bytes into s->body,
 * or with ${...} a PACK_BUILD_HEX decoded at send time; 0 or -1. */
int pack_parse_send_hex(struct parser *p, struct step_send *s);
/* After the whole file (the codec may be set on any line): request
 * needs codec http, command codec resp; 0 or -1 at file:line:col. */
int pack_check(struct parser *p);
/* Free a builder and everything it holds (NULL is fine). */
void pack_send_free(struct pack_send *b);

/* Render a builder send into out: for PACK and HEX the body the codec
 * encodes (returns 0); for REQUEST and COMMAND the whole message, which
 * bypasses the codec (returns 1). host is the target "HOST:PORT" for a
 * request's Host header when the headers name none (NULL: a request
 * without one fails). -1 with "runtime error: ..." in err for a value out
 * of its type's range, bad hex after substitution, an unset variable. */
int pack_render(const struct pack_send *b, struct vars *vars,
    const char *host, struct buf *out, char *err, size_t errlen);

/* Encode v as type t (an integer type) onto out, big- or little-endian as
 * the type says; -1 with "expected a value LO..HI for TYPE, got V" in err
 * when v is out of range (u64 takes 0..INT64_MAX here). */
int pack_put(enum pack_type t, int64_t v, struct buf *out, char *err,
    size_t errlen);
/* The type called w[0..wl) (integer types only when ints_only), or -1. */
int pack_type_find(const char *w, size_t wl, int ints_only);
/* The type's name as written ("u16be"). */
const char *pack_type_name(enum pack_type t);
/* Width in bytes of an integer type. */
size_t pack_type_width(enum pack_type t);

/* Decode hex text s[0..n) (pairs of digits, blanks between bytes) onto
 * out; -1 with *bad the offset of the fault and a reason in why. */
int pack_hex_decode(const char *s, size_t n, struct buf *out, size_t *bad,
    char *why, size_t whylen);

/* A compiled `expect hex` pattern: byte i matches g when
 * (g & mask[i]) == (val[i] & mask[i]); `??` has mask 0, `XX` mask 0xff,
 * `XX/MM` mask MM. */
struct pack_pattern {
	struct buf	 val, mask;
};
/* Compile pattern text s[0..n) ("de ad ?? f0/f0"); 0, or -1 with *bad and
 * a reason in why. Free with pack_pattern_free. */
int pack_pattern_compile(const char *s, size_t n, struct pack_pattern *pat,
    size_t *bad, char *why, size_t whylen);
/* Free the pattern's buffers. */
void pack_pattern_free(struct pack_pattern *pat);
/* The pattern's length in bytes (what a message must have). */
size_t pack_pattern_len(const struct pack_pattern *pat);
/* The first byte of p[0..n) that the pattern refuses (up to the shorter
 * length), or that length if none differs. */
size_t pack_pattern_diff(const struct pack_pattern *pat,
    const unsigned char *p, size_t n);
/* Parse `expect hex "..."`: a literal without `??` or masks stays an exact
 * EXPECT_BYTES; else EXPECT_HEX with the pattern text in e->bytes
 * (validated now when it has no placeholders). 0 or -1. */
int pack_parse_expect_hex(struct parser *p, struct step_expect *e);

/* Say whether w[0..wl) is a `capture NAME TYPE at N` type. */
int pack_capture_word(const char *w, size_t wl);
/* Parse the rest of `capture NAME TYPE at N` (the type word w read) and
 * mark NAME set; 0 or -1. */
int pack_parse_capture(struct parser *p, struct step_capture *c,
    const char *w, size_t wl);
/* The byte offset of `capture NAME TYPE at N`: N, or `at ${N}` evaluated
 * on vars (0 to SCENARIO_MAX_COUNT). 0, or -1 with "runtime error: a byte
 * offset of -1 (expected 0 to 1000000000)" in why. */
int pack_capture_offset(const struct step_capture *c, struct vars *vars,
    size_t *at, char *why, size_t whylen);
/* Read c's integer from body p[0..n) at its offset (pack_capture_offset)
 * into decimal text out; -1 with "the message is N bytes, too short for
 * u16be at 4 (needs 6)" in why, -2 with the offset's runtime error. */
int pack_capture(const struct step_capture *c, struct vars *vars,
    const unsigned char *p, size_t n, char *out, size_t outlen, char *why,
    size_t whylen);

#endif
