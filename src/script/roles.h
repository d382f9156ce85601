/* Roles, barriers and signals in the scenario language: the parser's and
 * checker's side (roles.c). The run-time side is coord.h. Internal to
 * src/script/. */
#ifndef SB_ROLES_H
#define SB_ROLES_H
#include "parse.h"

#define ROLES_MAX		64	/* roles in one scenario */
#define ROLES_MAX_NAME		32	/* bytes in a role, barrier or signal
					   name */

/* `role NAME N [after ROLE | together]`: open a role; the steps up to its
 * `end` go into the role's own program. 0, or -1 with the error in p->lx. */
int roles_parse_role(struct parser *p);
/* `end` at the top level of an open role: close it. */
int roles_parse_end(struct parser *p);
/* Store the open role's program and bring the top level back (also after
 * an error, so scenario_free finds every step); no-op without one. */
void roles_close(struct parser *p);
/* `barrier NAME [ROLE,ROLE] [timeout D]`. */
int roles_parse_barrier(struct parser *p);
/* `signal NAME [EXPR]`. */
int roles_parse_signal(struct parser *p);
/* `wait for NAME [as VAR] [timeout D]` (the lexer stands after `wait`). */
int roles_parse_wait_for(struct parser *p);
/* After the whole file: a role left open, steps outside roles in a file
 * with roles, `connections` beside roles (conns_line: its line or 0),
 * barrier role names, `wait for` names without a `signal`, and the usual
 * per-program checks (headers, sets, fields) on every role's steps.
 * 0, or -1 with "file:line:col: ..." in p->lx. */
int roles_finish(struct parser *p, unsigned conns_line);
/* Free a barrier, signal or wait-for step's contents. */
void roles_step_free(struct step *st);
/* Free sc's roles and their steps (scenario_free calls it). */
void roles_free(struct scenario *sc);
/* Say whether name is a role, barrier or signal name: a letter or `_`,
 * then letters, digits, `_` or `-`, at most ROLES_MAX_NAME bytes. */
int roles_name_ok(const char *w, size_t wl);

#endif
