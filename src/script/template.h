/* Payload templates: literal bytes with ${conn}, ${seq}, ${rand:N} and
 * ${NAME} placeholders, rendered per connection (from its struct vars)
 * into a buffer. */
#ifndef SB_TEMPLATE_H
#define SB_TEMPLATE_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "buf.h"
#include "codec.h"
#include "expr.h"
#include "vars.h"

#define TMPL_MAX_RAND	4096		/* N in ${rand:N} */

struct step;

enum tmpl_part_kind {
	TP_LIT,		/* lit[0..len) as is */
	TP_CONN,	/* ${conn}: connection number, decimal */
	TP_SEQ,		/* ${seq}: send sequence number, decimal */
	TP_RAND,	/* ${rand:N}: N random lowercase hex digits */
	TP_VAR,		/* ${NAME}: a variable's bytes (row.COLUMN: the data
			   file's field) */
	TP_EXPR		/* ${EXPR}: an expression's value (expr.h) */
};

/* One piece of a template; owned by its struct tmpl. */
struct tmpl_part {
	enum tmpl_part_kind kind;
	unsigned char	*lit;		/* TP_LIT */
	size_t		 len;		/* TP_LIT */
	char		*name;		/* TP_VAR */
	size_t		 n;		/* TP_RAND; TP_EXPR: source length */
	struct expr	*expr;		/* TP_EXPR */
	int		 json_str;	/* inside a JSON string: escape value */
};

/* A parsed payload. Built by the scenario parser, freed with tmpl_free. */
struct tmpl {
	struct tmpl_part *parts;
	size_t		 nparts;
	int		 dynamic;	/* 1 if any placeholder */
};


/* Create an empty template. */
struct tmpl *tmpl_new(void);
void tmpl_free(struct tmpl *t);
/* Append literal bytes. */
void tmpl_add_lit(struct tmpl *t, const void *p, size_t n);
/* Parse the placeholder at s (which starts with "${") and append it; returns
 * bytes consumed, or -1 with "expected ..., got ..." in err. */
ssize_t tmpl_add_placeholder(struct tmpl *t, const char *s, size_t n,
    int json_str, char *err, size_t errlen);
/* Render with every placeholder replaced by a same-length run "100..0", so
 * a JSON template can be validated at parse time with exact positions. */
void tmpl_render_dummy(const struct tmpl *t, struct buf *out);
/* Append the rendered bytes to out; 0, or -1 if a variable is unset. */
int tmpl_render(const struct tmpl *t, struct vars *vars, struct buf *out,
    char *err, size_t errlen);
/* Evaluate e on a connection's variables as a whole number (an integer, or
 * a string of decimal digits such as a captured "42") in [min, max], for a
 * value a step needs (what: "a length in bytes", "a timeout in
 * milliseconds"). 0, or -1 with "runtime error: ..." in err. */
int tmpl_eval_int(const struct expr *e, struct vars *vars, const char *what,
    int64_t min, int64_t max, int64_t *out, char *err, size_t errlen);
/* Append t rendered as a POSIX extended regex: literal parts as they are,
 * each placeholder's value with the metacharacters .[]()*+?{}|^$\ escaped
 * by a backslash so it matches itself (as PCRE's \Q..\E or Python's
 * re.escape), or as it is when raw. 0, or -1 with err when a variable is
 * unset, an expression fails, or a value holds a NUL byte. */
int tmpl_render_regex(const struct tmpl *t, struct vars *vars, int raw,
    struct buf *out, char *err, size_t errlen);
/* The bytes of a template without placeholders; NULL if it has any. */
const unsigned char *tmpl_literal(const struct tmpl *t, struct buf *tmp,
    size_t *len);

/* Do a STEP_SEND: add 1 to vars->seq, render body and head, then append to
 * out the codec's encoding (or the body itself if the step is raw or codec
 * is NULL). Chunking and merging are the runner's: it writes out's bytes in
 * step->u.send.chunk pieces, and for a MERGE block calls this for every send
 * inside into one buffer and writes it once. 0, or -1 with err. */
int tmpl_send(const struct step *st, const struct codec *codec,
    struct vars *vars, struct buf *out, char *err, size_t errlen);

#endif
