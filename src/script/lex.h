/* The token layer of the scenario language: a cursor over one line that
 * hands the parser tokens (bare words, "strings" with escapes and ${...}
 * placeholders, hex strings, one-line JSON, numbers, durations, paths,
 * regexes) and formats every error as "file:line:col: expected X, got Y"
 * with a hint. The parser never looks at characters itself. */
#ifndef SB_LEX_H
#define SB_LEX_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <regex.h>
#include "buf.h"
#include "template.h"

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

/* What the next token on the line is, without reading it. */
enum lex_token {
	LEX_EOL,	/* nothing but blanks or a comment is left */
	LEX_WORD,	/* a bare word: a run of non-blank characters */
	LEX_STRING,	/* a "quoted string" */
	LEX_JSON	/* a JSON object or array: { or [ */
};

/* A cursor over the current line of one file. The parser owns it and sets
 * name, err/errlen and check_name once, then line/linelen/lineno/pos for
 * each line. */
struct lexer {
	const char	*name;		/* file name for messages */
	const char	*line;		/* current line, without its EOL */
	size_t		 linelen;
	unsigned	 lineno;
	size_t		 pos;		/* offset into line */
	char		*err;		/* where errors are written */
	size_t		 errlen;
	/* Called for each ${NAME} placeholder read into a template (the
	 * last part of t), at line offset off: 0, or -1 with an error
	 * written by lex_error (the checker proves NAME is set). */
	int		(*check_name)(void *arg, struct lexer *lx,
			    const struct tmpl *t, size_t off);
	void		*check_arg;
	int		 regex_raw;	/* lex_regex_tmpl: the pattern is
					   `regex raw` (values are pattern
					   text: not checked until run) */
};

/* Write "name:line:col: message" and an optional "hint: ..." line into
 * lx->err for the fault at line offset off; returns -1. */
int lex_error(struct lexer *lx, size_t off, const char *hint,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* As lex_error, for a fault on an earlier line at a known column. */
int lex_error_at(struct lexer *lx, unsigned lineno, unsigned col,
    const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Column (1-based, in UTF-8 characters) of line offset off. */
unsigned lex_col(const struct lexer *lx, size_t off);
/* Describe what stands at off for a "got ..." message ('word', end of
 * line) into out. */
const char *lex_got(const struct lexer *lx, size_t off, char *out,
    size_t outlen);
/* A hint naming the word of list nearest to w[0..wl) ("did you mean
 * 'send'?"), or listing them all, into out. */
const char *lex_nearest_hint(const char *w, size_t wl,
    const char *const *list, char *out, size_t outlen);
/* Check the whole line for NUL, control bytes and invalid UTF-8. */
int lex_check_text(struct lexer *lx);

/* The kind of the next token (blanks skipped). */
enum lex_token lex_peek(struct lexer *lx);
void lex_skip_ws(struct lexer *lx);
/* True when only blanks or a comment are left. */
int lex_at_eol(struct lexer *lx);
/* Read a bare word into w/wl: 1, or 0 (nothing read) if the next token is
 * not a word. */
int lex_word(struct lexer *lx, const char **w, size_t *wl);
/* Read a bare word or fail with "expected what, got ...". */
int lex_need_word(struct lexer *lx, const char *what, const char **w,
    size_t *wl);
/* Say whether word w[0..wl) equals s. */
int lex_word_is(const char *w, size_t wl, const char *s);
/* Fail unless the rest of the line is blank or a comment. */
int lex_need_eol(struct lexer *lx, const char *what);
/* Read a quoted string with escapes into t (placeholders allowed, each
 * passed to check_name) or, if t is NULL, into b (no placeholders). */
int lex_string(struct lexer *lx, struct tmpl *t, struct buf *b);
/* Read a bare word (up to a blank) into t: `${...}` placeholders (each
 * passed to check_name, blanks allowed inside), `$${` a literal `${`. */
int lex_word_tmpl(struct lexer *lx, struct tmpl *t);
/* Read a quoted string without placeholders into a new NUL-terminated
 * string; *len gets its length (it may hold NUL bytes). */
int lex_plain(struct lexer *lx, char **out, size_t *len);
/* Read a quoted string of hex byte pairs (blanks between bytes). */
int lex_hex(struct lexer *lx, struct buf *b);
/* Read a one-line JSON object (want_object 1), object or array (0), or
 * any JSON value (2: also a scalar null, true, 5, "x", ${n}, which ends
 * at a blank or its closing quote) into t, validated as strict JSON (RFC
 * 8259) with placeholders rendered. */
int lex_json(struct lexer *lx, struct tmpl *t, int want_object);
/* Read an unsigned decimal number of at most max. */
int lex_uint(struct lexer *lx, const char *what, uint64_t max, uint64_t *out);
/* Seconds in word w ("500ms", "2s", "1.5", "1m"), or -1 if it is not a
 * duration of at most SCENARIO_MAX_SECONDS. */
double lex_word_duration(const char *w, size_t wl);
/* Read a duration into seconds. */
int lex_duration(struct lexer *lx, const char *what, double *out);
/* Read a path, quoted or bare, into a new string. */
int lex_path(struct lexer *lx, const char *what, char **out);
/* Read a quoted POSIX extended regex that may hold ${...} placeholders
 * (each passed to check_name): without any it is checked (backreferences
 * and stacked or huge repetitions refused: they make glibc's matcher
 * super-linear) and compiled into re now, *pattern its text, *t NULL;
 * with some *t gets the new template (compiled when its step runs, see
 * match.c) and *pattern the text as written between the quotes. */
int lex_regex_tmpl(struct lexer *lx, regex_t *re, char **pattern,
    struct tmpl **t, const char *nul_hint, const char *hint);
/* Refuse what makes glibc's regcomp or regexec blow up in time or memory:
 * stacked repetitions and {n,m} counts multiplying past 10000 (-1), and
 * backreferences \1-\9 (-2); 0 when pat is bounded, else the reason in
 * why. */
int lex_regex_bounded(const char *pat, char *why, size_t whylen);

#endif
