/* Payload templates: literal bytes with ${conn}, ${seq}, ${rand:N} and
 * ${NAME} placeholders, rendered per connection into a buffer. */
#ifndef SB_TEMPLATE_H
#define SB_TEMPLATE_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "buf.h"
#include "codec.h"

#define TMPL_MAX_VARS	64		/* captured variables per connection */
#define TMPL_MAX_NAME	32		/* bytes in a variable name */
#define TMPL_MAX_VALUE	(64 * 1024)	/* bytes in a captured value */
#define TMPL_MAX_RAND	4096		/* N in ${rand:N} */

struct step;

enum tmpl_part_kind {
	TP_LIT,		/* lit[0..len) as is */
	TP_CONN,	/* ${conn}: connection number, decimal */
	TP_SEQ,		/* ${seq}: send sequence number, decimal */
	TP_RAND,	/* ${rand:N}: N random lowercase hex digits */
	TP_VAR		/* ${NAME}: a captured variable's bytes */
};

/* One piece of a template; owned by its struct tmpl. */
struct tmpl_part {
	enum tmpl_part_kind kind;
	unsigned char	*lit;		/* TP_LIT */
	size_t		 len;		/* TP_LIT */
	char		*name;		/* TP_VAR */
	size_t		 n;		/* TP_RAND */
	int		 json_str;	/* inside a JSON string: escape value */
};

/* A parsed payload. Built by the scenario parser, freed with tmpl_free. */
struct tmpl {
	struct tmpl_part *parts;
	size_t		 nparts;
	int		 dynamic;	/* 1 if any placeholder */
};

/* A variable set by `capture`; owned by its struct tmpl_vars. */
struct tmpl_var {
	char		 name[TMPL_MAX_NAME + 1];
	unsigned char	*val;
	size_t		 len;
};

/* Per-connection state for templates and captures. The runner embeds one
 * per connection: vars_init when the connection starts, vars_free after. */
struct tmpl_vars {
	uint64_t	 conn;		/* 1, 2, ... */
	uint64_t	 seq;		/* sends so far; tmpl_send adds 1 first */
	uint64_t	 rng;		/* PRNG state for ${rand:N} */
	struct tmpl_var	 vars[TMPL_MAX_VARS];
	size_t		 nvars;
	struct buf	 last_body;	/* copy of the last received message */
	struct buf	 last_head;
	int		 has_last;	/* 1 once a message was received */
	int		 last_has_head;
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
int tmpl_render(const struct tmpl *t, struct tmpl_vars *vars, struct buf *out,
    char *err, size_t errlen);
/* The bytes of a template without placeholders; NULL if it has any. */
const unsigned char *tmpl_literal(const struct tmpl *t, struct buf *tmp,
    size_t *len);

/* Start per-connection state for connection number conn; seed feeds
 * ${rand:N} (any value; the same seed gives the same bytes). */
void vars_init(struct tmpl_vars *v, uint64_t conn, uint64_t seed);
void vars_free(struct tmpl_vars *v);
/* Set NAME to n bytes; 0, or -1 when the table or the value is too big. */
int vars_set(struct tmpl_vars *v, const char *name, const void *p, size_t n);
/* The value of NAME, or NULL if it was never set. */
const unsigned char *vars_get(const struct tmpl_vars *v, const char *name,
    size_t *len);
/* Remember a received message (body and head) for later captures. */
void vars_set_last(struct tmpl_vars *v, const unsigned char *body,
    size_t body_len, const unsigned char *head, size_t head_len);

/* Do a STEP_SEND: add 1 to vars->seq, render body and head, then append to
 * out the codec's encoding (or the body itself if the step is raw or codec
 * is NULL). Chunking and merging are the runner's: it writes out's bytes in
 * step->u.send.chunk pieces, and for a MERGE block calls this for every send
 * inside into one buffer and writes it once. 0, or -1 with err. */
int tmpl_send(const struct step *st, const struct codec *codec,
    struct tmpl_vars *vars, struct buf *out, char *err, size_t errlen);

#endif
