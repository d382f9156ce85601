/* The token layer of the scenario language: pieces every reader of a
 * scenario's text shares (escapes in strings, identifiers), so a string
 * means the same in a directive and in an expression. */
#ifndef SB_LEX_H
#define SB_LEX_H
#include <stddef.h>
#include <sys/types.h>
#include "buf.h"

/* The escapes a quoted string takes, for hints. */
#define LEX_ESCAPES	"\\n \\r \\t \\0 \\\\ \\\" \\$ \\xNN \\u{HEX}"

/* Decode the escape at s[0..n) (s[0] is a backslash) onto out. Returns the
 * bytes it used, or -1 with *expected ("an escape sequence", ...) and *hint
 * set: the escapes are those of LEX_ESCAPES, \u{...} a Unicode scalar value
 * of 1-6 hex digits. */
ssize_t lex_escape(const char *s, size_t n, struct buf *out,
    const char **expected, const char **hint);

/* Append Unicode code point cp (at most 0x10FFFF) to out as UTF-8. */
void lex_put_utf8(struct buf *out, unsigned long cp);

/* Say whether c may start an identifier (a letter or `_`), or continue one
 * (also a digit). */
int lex_ident_start(int c);
int lex_ident_char(int c);

#endif
