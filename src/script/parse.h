/* The parser's state, shared by parse.c (directives to steps) and check.c
 * (names set on every path, codec fields). Internal to src/script/. */
#ifndef SB_PARSE_H
#define SB_PARSE_H
#include "expr.h"
#include "lex.h"
#include "scenario.h"

/* A named block (`define NAME(a, b)` ... `end`): its lines, kept as text
 * and parsed where it is called, with its parameters set first. */
struct define {
	char		*name;
	char		**params;
	size_t		 nparams;
	char		*body;		/* the lines between define and end */
	size_t		 bodylen;
	unsigned	 file;		/* where it was written */
	unsigned	 line;		/* the define line */
	int		 active;	/* being expanded (no recursion) */
};

/* Parser state for one file; lives on scenario_parse's stack. */
struct parser {
	struct lexer	 lx;
	struct scenario	*sc;
	size_t		 stack[SCENARIO_MAX_DEPTH];	/* open block steps */
	unsigned	 depth;
	int		 in_merge;
	size_t		 in_set;	/* the open EXPECT_SET step + 1, or 0 */
	size_t		 set_alts;	/* its alternatives so far */
	char		**set_common;	/* one of: names every branch so far
					   set (NULL before the first ends) */
	size_t		 nset_common;
	int		 set_first_done;
	unsigned	 closed_at;	/* line of a top-level close, or 0 */
	const char	*closed_by;	/* "close", "end of finally" */
	unsigned	 seen[10];	/* line of each setting, 0 if unset */
	unsigned	 file;		/* index in sc->files being read */
	unsigned	 chain[SCENARIO_MAX_INCLUDE];	/* includes and calls
							   being read */
	unsigned	 nchain;
	struct define	 defines[SCENARIO_MAX_DEFINES];
	size_t		 ndefines;
	struct define	*capturing;	/* a define whose body is read */
	unsigned	 capture_depth;	/* blocks open inside it */
	struct buf	 capture;	/* its lines so far */
	/* The checker's view: the names set on every path to this line,
	 * and per open block how many were set when it opened and, for an
	 * if with an else, the names its true branch added. */
	char		**defs;
	size_t		 ndefs, capdefs;
	size_t		 defs_at[SCENARIO_MAX_DEPTH];
	char		**then_defs[SCENARIO_MAX_DEPTH];
	size_t		 nthen[SCENARIO_MAX_DEPTH];
	/* Inside `accept ... end`: sc is the accept program's scenario and
	 * outer the file's; what the outer program had is kept here. */
	struct scenario	*outer;
	unsigned	 outer_closed_at;
	const char	*outer_closed_by;
	size_t		 outer_ndefs;
	/* roles.c: the role being read (its index + 1, or 0), and the top
	 * level's program and checked names, put aside while it is read. */
	size_t		 role_open;
	struct step	*top_steps;
	size_t		 top_nsteps, top_finally;
	char		**top_defs;
	size_t		 top_ndefs, top_capdefs;
	unsigned	 top_closed_at;
	const char	*top_closed_by;
};

/* Offset of the '}' closing the `${` at line offset at (the '$'), quoted
 * strings inside skipped, or lx->linelen when the line has none. */
size_t parse_brace_end(const struct lexer *lx, size_t at);
/* Read `${EXPR}` at line offset at (on the '$'): the expression up to
 * parse_brace_end, compiled (expr.h) and its names checked (check_expr);
 * pos moves past the '}'. The one reader of a `${...}` value outside
 * strings. 0, or -1 with file:line:col in the lexer's err. */
int parse_brace_expr(struct parser *p, size_t at, struct expr **out);
/* Read a pattern after `regex`: `[raw] "..."`. Without ${...} it is
 * compiled now into re; with some, *rx gets the template (values escaped
 * to match themselves, or after `raw` inserted as regex) for step_regex
 * (match.h) to compile when the step runs; *pattern is the text as
 * written. nul_hint and hint are the hints for a NUL byte and a pattern
 * regcomp refuses. 0, or -1 with file:line:col in the lexer's err. */
int parse_regex(struct parser *p, regex_t *re, char **pattern,
    struct step_regex **rx, const char *nul_hint, const char *hint);
/* Free what parse_regex made in *rx, and its compiled cache (NULL is
 * fine). */
void step_regex_free(struct step_regex *rx);
/* Append a zeroed step of kind k at the current line (NULL with the error
 * in p->lx past SCENARIO_MAX_STEPS or after a top-level close). */
struct step *parse_new_step(struct parser *p, enum step_kind k);
/* Read the rest of the line as an expression and check its names; what
 * names it in errors. 0, or -1 with the error in p->lx. */
int parse_expr(struct parser *p, const char *what, struct expr **out);
/* Read a variable name a step sets (not a built-in) into a new string. */
int parse_var_name(struct parser *p, char **out);

/* The lexer's check_name hook: a ${...} placeholder (the last part of t)
 * may only read names set on every path to this line (arg: the parser). */
int check_var(void *arg, struct lexer *lx, const struct tmpl *t, size_t off);
/* Every name expression e reads is set on every path here; e's source
 * starts at line offset off (for the error's column). */
int check_expr(struct parser *p, const struct expr *e, size_t off);
/* The same for an expression on an earlier line, starting at column col
 * (a `repeat until` condition, checked at its `end`). */
int check_expr_at(struct parser *p, const struct expr *e, unsigned lineno,
    unsigned col);
/* Say whether name is set on every path here (built-ins and data
 * columns included). */
int check_is_set(const struct parser *p, const char *name);
/* Name is set from here on (capture, set, a loop index). */
void check_define(struct parser *p, const char *name);
/* Block bookkeeping: the block at depth d opened; its if reached its
 * else; it ended, keeping what its body set only when the body surely ran
 * (body_ran: a repeat of a literal count >= 1, or repeat until). */
void check_block_open(struct parser *p, unsigned d);
void check_block_else(struct parser *p, unsigned d);
void check_block_end(struct parser *p, unsigned d, int is_if, int body_ran);
/* Free the checker's lists. */
void check_free(struct parser *p);
/* After the whole file: an expect set needs a codec with message
 * boundaries (not raw). */
int check_sets(struct parser *p);
/* After the whole file: steps that need a codec header have one. */
int check_headers(struct parser *p);

/* The whole-program checks on p->sc's steps, after its last line: header
 * options against the codec, expect sets, fields the codec has (fields.c)
 * and send builders and binary captures (pack.c). Run once per program:
 * the file's, each role's and the accept block's. 0, or -1 with
 * file:line:col in the lexer's err. */
int parse_check_program(struct parser *p);

/* The name of the i-th row of the directive table ("send", "expect"...;
 * a name may come twice), or NULL past the last: for the man page check. */
const char *parse_directive_name(size_t i);

#endif
