/* The parser's state, shared by parse.c (directives to steps) and check.c
 * (names and codec fields). Internal to src/script/. */
#ifndef SB_PARSE_H
#define SB_PARSE_H
#include "lex.h"
#include "scenario.h"

#define PARSER_MAX_CAPTURES	256

/* Parser state for one file; lives on scenario_parse's stack. */
struct parser {
	struct lexer	 lx;
	struct scenario	*sc;
	size_t		 stack[SCENARIO_MAX_DEPTH];	/* open block steps */
	unsigned	 depth;
	int		 in_merge;
	unsigned	 closed_at;	/* line of a top-level close, or 0 */
	char		*captures[PARSER_MAX_CAPTURES];	/* names so far */
	size_t		 ncaptures;
	unsigned	 seen[8];	/* line of each setting, 0 if unset */
};

/* The lexer's check_name hook: a ${NAME} placeholder must name a variable
 * captured on an earlier line (arg is the struct parser). */
int check_var(void *arg, struct lexer *lx, const struct tmpl *t, size_t off);
/* After the whole file: steps that need a codec header have one. */
int check_headers(struct parser *p);

#endif
