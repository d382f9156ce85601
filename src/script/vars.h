/* A connection's variables: what `capture` (and later `set`) stored, its
 * number, its send sequence and its PRNG, and the last message received. */
#ifndef SB_VARS_H
#define SB_VARS_H
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "data.h"

#define VARS_MAX	64		/* variables per connection */
#define VARS_MAX_NAME	32		/* bytes in a variable name */
#define VARS_MAX_VALUE	(64 * 1024)	/* bytes in a value */

/* A variable set by `capture`; owned by its struct vars. */
struct var {
	char		 name[VARS_MAX_NAME + 1];
	unsigned char	*val;
	size_t		 len;
};

/* Per-connection state for templates and captures. The runner embeds one
 * per connection: vars_init when the connection starts, vars_free after. */
struct vars {
	uint64_t	 conn;		/* 1, 2, ... */
	uint64_t	 seq;		/* sends so far; tmpl_send adds 1 first */
	uint64_t	 rng;		/* PRNG state for ${rand:N} */
	struct var	 vars[VARS_MAX];
	size_t		 nvars;
	struct buf	 last_body;	/* copy of the last received message */
	struct buf	 last_head;
	int		 has_last;	/* 1 once a message was received */
	int		 last_has_head;
	struct buf	 last_frame;	/* the last decoded frame as on the
					   wire, for field captures (fields.c) */
	size_t		 last_frame_body[2];	/* its body: offset, length */
	size_t		 last_frame_head[2];	/* its head: offset, length;
					   offset SIZE_MAX: no head */
	const struct data_table *data;	/* `data` file, or NULL */
	size_t		 row;		/* this connection's row of it */
	char		 scratch[24];	/* a built-in rendered for lookup */
	const char	*host;		/* the target "HOST:PORT" for a `send
					   request` Host header, or NULL */
};

/* Start per-connection state for connection number conn; seed feeds
 * ${rand:N} (any value; the same seed gives the same bytes). */
void vars_init(struct vars *v, uint64_t conn, uint64_t seed);
void vars_free(struct vars *v);
/* Set NAME to n bytes; 0, or -1 when the table or the value is too big. */
int vars_set(struct vars *v, const char *name, const void *p, size_t n);
/* The value of NAME, or NULL if it was never set. */
const unsigned char *vars_get(const struct vars *v, const char *name,
    size_t *len);
/* Remember a received message (body and head) for later captures. */
void vars_set_last(struct vars *v, const unsigned char *body,
    size_t body_len, const unsigned char *head, size_t head_len);

/* The expression environment's lookup (expr.h): name is a variable, a
 * built-in (conn, seq) or row.COLUMN of the data file; 0 with its bytes,
 * or -1 when it is not set. arg is the struct vars. */
int vars_lookup(void *arg, const char *name, const unsigned char **p,
    size_t *n);

#endif
