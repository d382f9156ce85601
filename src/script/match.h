/* Matching received messages against `expect` steps, `capture` steps, and
 * the failure reports a user reads when a match fails.
 *
 * How a runner uses it, at a STEP_EXPECT step:
 *  - A framing codec (scenario.stream == 0): decode one frame from the rx
 *    buffer with the codec, call match_expect on it, consume the frame.
 *  - The raw codec (scenario.stream == 1): TCP gives no boundaries, so after
 *    each read call match_stream on everything in the rx buffer. It answers
 *    MATCH_MORE until it can decide. An exact expect of N bytes (text or
 *    hex, N after rendering) and `expect length N` wait for N bytes and then
 *    compare exactly the next N bytes, whatever the read boundaries, and
 *    fail as soon as a byte received so far differs; regex and json expects
 *    decide on everything received so far. On MATCH_OK consume *used bytes.
 *  - The peer closed: match_on_close. The timer fired (step's
 *    u.expect.timeout, started when the step began): match_on_timeout with
 *    any bytes still unmatched; for EXPECT_NOTHING that is the success.
 * On failure `why` holds a multi-line report (no trailing newline): what the
 * step expected and what came, as escaped text and hex, and for bytes the
 * offset of the first difference. Every call remembers the received message
 * in vars (vars_set_last) so a following `capture` sees it. */
#ifndef SB_MATCH_H
#define SB_MATCH_H
#include <stddef.h>
#include "buf.h"
#include "codec.h"
#include "scenario.h"
#include "template.h"

#define MATCH_FAIL	0	/* mismatch: report in why */
#define MATCH_OK	1
#define MATCH_MORE	2	/* match_stream: not decided, read more */

/* Regex matching is bounded in time: up to MATCH_REGEX_INLINE bytes it runs
 * in process (glibc's worst super-linear patterns take well under 0.1 s on
 * that); past it, in a child process killed after MATCH_REGEX_BUDGET_MS
 * milliseconds, and the step fails saying so. Inputs are at most
 * --max-frame bytes. */
#define MATCH_REGEX_INLINE	2048
#define MATCH_REGEX_BUDGET_MS	200
#define MATCH_REGEX_MAX_GROUPS	2	/* regmatch_t slots asked for */

#define MATCH_DETAIL_MAX	(64 * 1024)	/* bytes kept of each side */
#define MATCH_REGEX_MAX_PATTERN	(64 * 1024)	/* bytes of a rendered pattern */

/* The last failure report as data: the expected and the received bytes it
 * showed (NULL when it showed none; at most MATCH_DETAIL_MAX of each) and
 * the first differing byte (SIZE_MAX if none). Valid until the next match
 * call; the loop is single-threaded, so read it right after a MATCH_FAIL.
 * Read once: a second read, or one with no report since, gives nothing
 * (NULLs, SIZE_MAX). */
struct match_detail {
	const unsigned char	*expected;
	size_t			 expected_len;
	const unsigned char	*received;
	size_t			 received_len;
	size_t			 diff_offset;
	const char		*field;		/* the codec field a field
						   expect read, or NULL */
	int			 hex;		/* an `expect hex` failed:
						   show bytes as hex */
};
void match_last_detail(struct match_detail *d);

/* Match one decoded message against an expect step: MATCH_OK or MATCH_FAIL. */
int match_expect(const struct step *st, const struct codec_frame *msg,
    struct vars *vars, struct buf *why);
/* Match the raw byte stream p[0..n) against an expect step; on MATCH_OK
 * *used is the number of bytes the step consumed. */
int match_stream(const struct step *st, const unsigned char *p, size_t n,
    struct vars *vars, size_t *used, struct buf *why);
/* The peer closed while st waited: MATCH_OK for `expect close`, else a
 * MATCH_FAIL report naming what was still expected. */
int match_on_close(const struct step *st, struct vars *vars,
    struct buf *why);
/* st's timeout expired with pending[0..n) unmatched: MATCH_OK for `expect
 * nothing` when n == 0, else a MATCH_FAIL report that shows the bytes as
 * text and hex. framing is the codec whose incomplete frame pending is (the
 * report then says what is missing, e.g. "4 bytes without a line ending"),
 * or NULL for the raw stream's unmatched bytes. */
int match_on_timeout(const struct step *st, const struct codec *framing,
    const unsigned char *pending, size_t n, struct vars *vars,
    struct buf *why);
/* Write a failure report for the expect st that ended (what: "timed out
 * after 2s", "the connection failed: ...") with p[0..n) unmatched: what
 * was expected, and the bytes as text and hex; framing as in
 * match_on_timeout. */
void match_report_partial(const struct step *st, const char *what,
    const struct codec *framing, const unsigned char *p, size_t n,
    struct vars *vars, struct buf *why);
/* Say in out what the partial frame p[0..n) of codec still lacks, in the
 * codec's own terms (line: "N bytes without a line ending"; len16/len32 and
 * jsonhdr: the announced and the received lengths; http: head or body). */
void match_incomplete(const struct codec *codec, const unsigned char *p,
    size_t n, char *out, size_t outlen);
/* Work out what an expect or capture step st computes per connection
 * before it waits: a pattern with ${...} rendered, checked and compiled
 * (escaped values, `raw` ones as regex; refused when unbounded or with
 * backreferences, as at parse time), an `expect length ${N}` evaluated (0
 * to SCENARIO_MAX_COUNT bytes). 0, or -1 with a "line N: ...: runtime
 * error: ..." report in why. Matching renders and evaluates them again
 * from the variables as they are then (the compiled text is cached per
 * step, so an unchanged rendering is not recompiled). */
int match_prepare(const struct step *st, struct vars *vars, struct buf *why);
/* Do a STEP_CAPTURE on the last received message in vars: MATCH_OK with the
 * variable set, or MATCH_FAIL with a report. */
int match_capture(const struct step *st, struct vars *vars,
    struct buf *why);
/* 1 if the JSON value want is a subset of got: objects need every expected
 * key with a matching value, arrays the same length with matching items,
 * scalars equality. On a mismatch path names where (e.g. "result.id"). */
struct cJSON;
/* match_json_subset, and on a mismatch what differs, with JSON types:
 * "expected 1.5 (a number), got \"1.5\" (a string)" in what[whatlen]. */
int match_json_differ(const struct cJSON *want, const struct cJSON *got,
    char *path, size_t pathlen, char *what, size_t whatlen);
int match_json_subset(const struct cJSON *want, const struct cJSON *got,
    char *path, size_t pathlen);

/* For fields.c: start a report's data afresh, naming the field (or NULL)
 * and what was expected and received (either NULL: none shown). */
void match_detail_set(const char *field, const unsigned char *want,
    size_t wn, const unsigned char *got, size_t gn);
/* The compiled pattern of a regex step: lit when rx is NULL (compiled at
 * parse time), else rx's template rendered from vars (values escaped
 * unless rx->raw), checked as at parse time (lex_regex_bounded, at most
 * MATCH_REGEX_MAX_PATTERN bytes) and compiled when it differs from the
 * text rx compiled last (one cached per step). NULL with "runtime error:
 * ..." (NUL-terminated) in err; written is the pattern as written. */
const regex_t *step_regex(struct step_regex *rx, const regex_t *lit,
    const char *written, struct vars *vars, struct buf *err);
/* Run a compiled regex over p[0..n) within the time budget above: 1 match,
 * 0 no match, -1 stopped (super-linear) or not run. */
int match_regex(const regex_t *re, const unsigned char *p, size_t n);
/* Run re over several subjects with ONE time budget for all of them: the
 * subject i is data[off[2i] .. off[2i]+off[2i+1]), NUL-terminated in data
 * (regexec needs it). Up to MATCH_REGEX_INLINE bytes in total inline,
 * else all in one child process killed after MATCH_REGEX_BUDGET_MS. 1
 * with the first matching subject's index in *which, 0 none matches, -1
 * stopped (super-linear) or not run. For repeated fields and reply
 * lines (fields.c). */
int match_regex_set(const regex_t *re, const unsigned char *data,
    const size_t *off, size_t count, size_t *which);
/* Parse p[0..n) as JSON (cJSON_ParseWithLength, RFC 8259), keeping the
 * exact decimal text of every integer literal of 16 digits or more in its
 * node's valuestring (a double holds 2^53 exactly, not 2^53+1: RESP
 * integers and RESP3 big numbers); NULL if not JSON. Free with
 * cJSON_Delete. */
struct cJSON *match_json_parse(const unsigned char *p, size_t n);
/* The exact decimal text of an integral JSON number j (a kept big
 * integer, or one below 2^53 printed into tmp[len]); NULL if j is not an
 * integral number. */
const char *match_json_int_text(const struct cJSON *j, char *tmp,
    size_t len);
/* Follow a dotted path ("a.b.0") into j; NULL with the missing segment in
 * bad when a step is missing. */
const struct cJSON *match_json_path(const struct cJSON *j, const char *path,
    char *bad, size_t badlen);

#endif
