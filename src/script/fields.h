/* Expects and captures that address the fields of a decoded message
 * (issue 13): an HTTP status or header, a RESP type, integer or error, a
 * reply code or line, any field by name. Parsed here, checked against the
 * scenario's codec (codec_knows_field), matched through codec_field. See
 * docs/scenarios.md, "Fields of a message". */
#ifndef SB_FIELDS_H
#define SB_FIELDS_H
#include <regex.h>
#include "buf.h"
#include "codec.h"
#include "parse.h"
#include "scenario.h"

/* What a field expect or capture does with the field it reads. */
enum field_op {
	FOP_TEXT,	/* the field's text equals want (any occurrence) */
	FOP_REGEX,	/* the field's text matches re (any occurrence) */
	FOP_CODES,	/* the field's int is in want, "200|2xx|301" */
	FOP_INT,	/* the field's int equals want, a decimal integer */
	FOP_TYPE,	/* only the RESP type check (expect nil) */
	FOP_JSON,	/* the field's JSON holds want (JSON) as a subset */
	FOP_HEADERS,	/* want is a JSON object: each key a header (any
			   case), its value equal to one occurrence's */
	FOP_LINE,	/* some item of the field's JSON array of lines
			   equals want (or matches re) */
	FOP_CAPTURE	/* capture: the field's value, or path into it */
};

/* A field expect (step_expect.field, kind EXPECT_FIELD) or capture
 * (step_capture.field, kind CAPTURE_FIELD). Made by the parser or by
 * fields_check, freed with fields_free by scenario_free. */
struct field_spec {
	enum field_op	 op;
	char		*field;		/* codec field: "status",
					   "header:Location", "text", "value",
					   "lines", "int", "code", a NAME */
	char		*label;		/* as written, for reports: "status",
					   "header Location", "error" */
	const char	*type;		/* the RESP type the message must be
					   ("error", "status", "nil"), or NULL */
	int		 push;		/* 1: must be a RESP3 push */
	struct tmpl	*want;		/* TEXT, CODES, INT, JSON, HEADERS, LINE
					   (text); NULL otherwise */
	regex_t		 re;		/* REGEX, LINE with a literal pattern */
	char		*pattern;	/* its source, NULL if none */
	struct step_regex *rx;		/* a pattern with ${...}: rendered and
					   compiled when the step runs (re is
					   unused), as `expect regex`; or NULL */
	char		*path;		/* CAPTURE: dotted path into the JSON
					   value, or NULL for the value */
	const char	*need;		/* the field the codec must know */
	unsigned	 col;		/* 1-based column of the keyword */
};

/* Read the rest of `expect WORD ...` for a field word (status, header
 * NAME, int, nil, error, code, line, field, push) into e. Returns 1 when
 * read (options follow), 0 when w is not a field word (lx->pos is left
 * after w; `header {...}` is the JSON expect), -1 with an error. */
int fields_parse_expect(struct parser *p, struct step_expect *e,
    const char *w, size_t wl, size_t at);
/* The same for `capture NAME WORD ...` (status, int, code, field NAME). */
int fields_parse_capture(struct parser *p, struct step_capture *c,
    const char *w, size_t wl, size_t at);
/* After the whole file: give every expect and capture the scenario's
 * codec, turn json expects and captures on resp into expects of its
 * value and header expects and captures on http into its header fields,
 * and refuse a field the codec lacks at file:line:col ("codec raw has no
 * status; use codec http"). 0, or -1 with the error in p->lx. */
int fields_check(struct parser *p);
/* What an expect st (EXPECT_FIELD) computes when it starts: its value
 * rendered from vars, a code list or an integer parsed, a pattern with
 * ${...} rendered (values escaped unless `regex raw`), checked and
 * compiled through step_regex. 0, or -1 with "line N: expect LABEL:
 * runtime error: ..." (or what the value became) in why. */
int fields_prepare(const struct step *st, struct vars *vars,
    struct buf *why);
/* Append "LABEL VALUE" of a field expect, as a user wrote it ("status
 * 200", "header Location regex /x/"), the value rendered from vars when
 * it can be; for reports that list expects. */
void fields_describe(const struct field_spec *fs, struct vars *vars,
    struct buf *out);
/* Free a spec (NULL is fine). */
void fields_free(struct field_spec *fs);

#define FIELDS_GO_ON	(-1)	/* fields_expect: not settled here */

/* The start of match_expect: remember the wire frame for field captures,
 * match an EXPECT_FIELD step (MATCH_OK or MATCH_FAIL), check a header
 * option on a codec whose headers are fields (MATCH_FAIL on a mismatch),
 * and point *msg at what a plain expect sees (http: the de-chunked
 * body). FIELDS_GO_ON when match_expect should go on with *msg. */
int fields_expect(const struct step *st, const struct codec_frame **msg,
    struct vars *vars, struct buf *why);
/* The EXPECT_FIELD case of match_expect: match st's field on the frame
 * the same call's fields_expect saw; MATCH_OK or MATCH_FAIL. */
int fields_match(const struct step *st, struct vars *vars, struct buf *why);
/* 1 if st's `header {...}` option is matched by fields_expect (the codec
 * has CODEC_HEAD_NOCASE headers), so match_expect must not. */
int fields_own_head(const struct step *st);
/* Append what a field expect waited for, for timeout and close reports. */
void fields_report_wanted(const struct step *st, struct vars *vars,
    struct buf *why);
/* Do a CAPTURE_FIELD step on the last received message: MATCH_OK with
 * the variable set, or MATCH_FAIL with a report. */
int fields_capture(const struct step *st, struct vars *vars,
    struct buf *why);
/* Parse a code list "200", "2xx", "301|302|4xx" (three-digit codes 100
 * to 999 and Nxx classes) into the bitmap set[1000]; 0, or -1 with the
 * offending item's offset in *bad. */
int fields_codes_parse(const char *s, size_t n, unsigned char *set,
    size_t *bad);

#endif
