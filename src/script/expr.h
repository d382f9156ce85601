/* Expressions of the scenario language (`set`, `if`, `repeat until`,
 * `${...}`): compiled once, by a single-pass precedence parser in the
 * manner of clox's compiler.c, to a flat array of stack operations, and
 * evaluated per connection. See docs/scenarios.md, "Expressions". */
#ifndef SB_EXPR_H
#define SB_EXPR_H
#include <stddef.h>
#include <stdint.h>
#include "buf.h"

#define EXPR_MAX_LEN	4096		/* bytes of source in one expression */
#define EXPR_MAX_OPS	1024		/* operations in one compiled program */
#define EXPR_MAX_DEPTH	64		/* nesting of parentheses and calls */
#define EXPR_MAX_STACK	64		/* values on the evaluation stack */
#define EXPR_MAX_STR	(64 * 1024)	/* bytes in any string value */
#define EXPR_MAX_NAME	64		/* bytes in a variable name */

/* A value: a signed 64-bit integer or a byte string (it may hold NULs). */
enum value_type { VAL_INT, VAL_STR };

/* A value on the stack or a result. A VAL_STR owns s (NUL-terminated after
 * len bytes); value_free releases it. */
struct value {
	enum value_type	 type;
	int64_t		 i;
	unsigned char	*s;
	size_t		 len;
};

/* A compiled expression. Made by expr_compile, freed with expr_free. */
struct expr;

/* What an evaluation reads from its connection. lookup returns the bytes of
 * variable name (in *p, *n; valid until the evaluation returns) and 0, or
 * -1 when it is not set. rng is the connection's PRNG state (splitmix64). */
struct expr_env {
	int		(*lookup)(void *arg, const char *name,
			    const unsigned char **p, size_t *n);
	void		*arg;
	uint64_t	*rng;
};

/* Compile src[0..n) into *out; 0, or -1 with "expected X, got Y" in err
 * and the byte offset of the fault in *erroff. Names are letters, digits,
 * `_` and `.` (row.column); calls are to the functions expr_functions lists. */
int expr_compile(const char *src, size_t n, struct expr **out, char *err,
    size_t errlen, size_t *erroff);
void expr_free(struct expr *e);

/* Evaluate e into *out (the caller frees it with value_free); 0, or -1 with
 * a runtime error (overflow, division by zero, unset variable, a string
 * that is not an integer where one is needed) in err. */
int expr_eval(const struct expr *e, const struct expr_env *env,
    struct value *out, char *err, size_t errlen);

/* Call fn(arg, name, offset) for each variable e reads, in source order
 * (the checker uses it to prove each name is set on every path). */
void expr_names(const struct expr *e, void (*fn)(void *arg, const char *name,
    size_t off), void *arg);

/* The expression is one variable name only (e.g. `${token}`); returns that
 * name, or NULL. */
const char *expr_single_name(const struct expr *e);

/* Append v as bytes: a string as is, an integer in decimal. */
void value_render(const struct value *v, struct buf *out);
/* Write i in decimal (as printf's %lld) at the end of out[0..24); returns
 * where the text starts, *len its length. No allocation, no printf. */
char *value_int_text(int64_t i, char out[24], size_t *len);
/* The language's one reading of text as an integer (what arithmetic and
 * comparisons do with a variable): decimal, optional sign, no blanks, no
 * base prefix, fits int64. 0, or -1 if it is not one. */
int expr_text_int(const unsigned char *s, size_t n, int64_t *out);
/* The same for an unsigned 64-bit value (0 to 18446744073709551615,
 * optional '+'): for u64 fields that hold more than INT64_MAX. */
int expr_text_u64(const unsigned char *s, size_t n, uint64_t *out);
/* Truth of a value: a non-zero integer, a non-empty string. */
int value_truthy(const struct value *v);
void value_free(struct value *v);

/* The function names expressions may call, NULL-terminated (for hints). */
extern const char *const expr_functions[];

#endif
