/* Roles, barriers and signals: parsing and checking. A role block swaps
 * the scenario's step array for the role's own while its lines are read,
 * so every step directive (and the checker's names) works unchanged inside
 * it; `end` at the role's top level swaps back. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fields.h"
#include "roles.h"
#include "util.h"

int
roles_name_ok(const char *w, size_t wl)
{
	size_t i;

	if (wl == 0 || wl > ROLES_MAX_NAME ||
	    !(isalpha((unsigned char)w[0]) || w[0] == '_'))
		return 0;
	for (i = 1; i < wl; i++)
		if (!(isalnum((unsigned char)w[i]) || w[i] == '_' ||
		    w[i] == '-'))
			return 0;
	return 1;
}

/* Read a name (what says which, for the message) into a new string. */
static int
roles_read_name(struct parser *p, const char *what, char **out,
    unsigned *col)
{
	struct lexer *lx = &p->lx;
	const char *w;
	char got[96];
	size_t wl, at;

	lex_skip_ws(lx);
	at = lx->pos;
	if (col != NULL)
		*col = lex_col(lx, at);
	if (!lex_word(lx, &w, &wl) || !roles_name_ok(w, wl))
		return lex_error(lx, at, "names are a letter or _, then letters, "
		    "digits, _ or -, at most 32", "expected %s, got %s", what,
		    lex_got(lx, at, got, sizeof(got)));
	*out = xstrndup(w, wl);
	return 0;
}

/* The index of role name[0..len), or SIZE_MAX. */
static size_t
roles_find(const struct scenario *sc, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sc->nroles; i++)
		if (strlen(sc->roles[i].name) == len &&
		    memcmp(sc->roles[i].name, name, len) == 0)
			return i;
	return SIZE_MAX;
}

/* "roles: a, b" (the roles declared so far) into out, for hints. */
static const char *
roles_list_hint(const struct scenario *sc, const char *lead, char *out,
    size_t outlen)
{
	size_t i, n;

	n = (size_t)snprintf(out, outlen, "%s", lead);
	for (i = 0; i < sc->nroles && n < outlen; i++)
		n += (size_t)snprintf(out + n, outlen - n, "%s%s", i ? ", " : "",
		    sc->roles[i].name);
	if (sc->nroles == 0 && n < outlen)
		snprintf(out + n, outlen - n, "(none declared above)");
	return out;
}

int
roles_parse_role(struct parser *p)
{
	struct lexer *lx = &p->lx;
	struct scenario *sc = p->sc;
	struct scenario_role *ro;
	const char *w;
	char *name, hint[256], got[96];
	size_t wl, at, after = SIZE_MAX, k;
	uint64_t n;

	if (p->role_open != 0) {
		snprintf(hint, sizeof(hint), "close role '%s' (line %u) with "
		    "'end' first; roles do not nest",
		    sc->roles[p->role_open - 1].name,
		    sc->roles[p->role_open - 1].line);
		return lex_error(lx, 0, hint, "expected 'end', got 'role'");
	}
	if (p->depth > 0)
		return lex_error(lx, 0, "a role goes at the top level of the "
		    "file", "expected 'role' outside every block, got it "
		    "inside one");
	if (sc->nroles == ROLES_MAX)
		return lex_error(lx, 0, NULL, "expected at most %d roles, got "
		    "more", ROLES_MAX);
	lex_skip_ws(lx);
	at = lx->pos;
	if (roles_read_name(p, "a role name", &name, NULL) == -1)
		return -1;
	if ((k = roles_find(sc, name, strlen(name))) != SIZE_MAX) {
		snprintf(hint, sizeof(hint), "the first role '%s' is at line "
		    "%u; role names are unique", name, sc->roles[k].line);
		free(name);
		return lex_error(lx, at, hint, "expected a new role name, got "
		    "'%s' again", sc->roles[k].name);
	}
	if (lex_uint(lx, "a connection count", SCENARIO_MAX_CONNS, &n) == -1) {
		free(name);
		return -1;
	}
	if (n == 0) {
		free(name);
		return lex_error(lx, lx->pos - 1, NULL, "expected a connection "
		    "count of at least 1, got 0");
	}
	lex_skip_ws(lx);
	at = lx->pos;
	if (lex_word(lx, &w, &wl)) {
		if (lex_word_is(w, wl, "after")) {
			lex_skip_ws(lx);
			at = lx->pos;
			if (!lex_word(lx, &w, &wl) ||
			    (after = roles_find(sc, w, wl)) == SIZE_MAX) {
				free(name);
				return lex_error(lx, at, roles_list_hint(sc,
				    "'after' names a role declared above: ",
				    hint, sizeof(hint)), "expected a role name "
				    "after 'after', got %s", lex_got(lx, at,
				    got, sizeof(got)));
			}
		} else if (!lex_word_is(w, wl, "together")) {
			free(name);
			return lex_error(lx, at, "role NAME N [after ROLE | "
			    "together]", "expected 'after', 'together' or end "
			    "of line, got %s", lex_got(lx, at, got,
			    sizeof(got)));
		}
	}
	if (lex_need_eol(lx, "end of line after the role") == -1) {
		free(name);
		return -1;
	}
	sc->roles = xrealloc(sc->roles, (sc->nroles + 1) * sizeof(*sc->roles));
	ro = &sc->roles[sc->nroles++];
	memset(ro, 0, sizeof(*ro));
	ro->name = name;
	ro->line = lx->lineno;
	ro->file = p->file;
	ro->conns = (unsigned)n;
	ro->after = after;
	ro->finally_at = SIZE_MAX;
	/* Put the top level aside: the role's lines fill its own program,
	 * with nothing set yet on its paths. */
	p->role_open = sc->nroles;
	p->top_steps = sc->steps;
	p->top_nsteps = sc->nsteps;
	p->top_finally = sc->finally_at;
	p->top_defs = p->defs;
	p->top_ndefs = p->ndefs;
	p->top_capdefs = p->capdefs;
	p->top_closed_at = p->closed_at;
	p->top_closed_by = p->closed_by;
	sc->steps = NULL;
	sc->nsteps = 0;
	sc->finally_at = SIZE_MAX;
	p->defs = NULL;
	p->ndefs = p->capdefs = 0;
	p->closed_at = 0;
	p->closed_by = NULL;
	return 0;
}

void
roles_close(struct parser *p)
{
	struct scenario *sc = p->sc;
	struct scenario_role *ro;
	size_t i;

	if (p->role_open == 0)
		return;
	ro = &sc->roles[p->role_open - 1];
	ro->steps = sc->steps;
	ro->nsteps = sc->nsteps;
	ro->finally_at = sc->finally_at;
	for (i = 0; i < p->ndefs; i++)
		free(p->defs[i]);
	free(p->defs);
	sc->steps = p->top_steps;
	sc->nsteps = p->top_nsteps;
	sc->finally_at = p->top_finally;
	p->defs = p->top_defs;
	p->ndefs = p->top_ndefs;
	p->capdefs = p->top_capdefs;
	p->closed_at = p->top_closed_at;
	p->closed_by = p->top_closed_by;
	p->role_open = 0;
}

int
roles_parse_end(struct parser *p)
{
	if (lex_need_eol(&p->lx, "end of line after end") == -1)
		return -1;
	roles_close(p);
	return 0;
}

/* The optional `timeout D` at the end of a barrier or wait-for line. */
static int
roles_parse_timeout(struct parser *p, struct step *st, const char *form)
{
	struct lexer *lx = &p->lx;
	const char *w;
	char got[96];
	size_t wl, at;

	st->u.sync.timeout = -1;
	lex_skip_ws(lx);
	at = lx->pos;
	if (lex_at_eol(lx))
		return 0;
	if (!lex_word(lx, &w, &wl) || !lex_word_is(w, wl, "timeout"))
		return lex_error(lx, at, form, "expected 'timeout' or end of "
		    "line, got %s", lex_got(lx, at, got, sizeof(got)));
	if (lex_duration(lx, "a duration", &st->u.sync.timeout) == -1)
		return -1;
	if (st->u.sync.timeout <= 0)
		return lex_error(lx, lx->pos - 1, "as in: timeout 5s", "expected "
		    "a duration above 0, got 0");
	return lex_need_eol(lx, "end of line after the timeout");
}

int
roles_parse_barrier(struct parser *p)
{
	static const char form[] = "barrier NAME, then optionally roles "
	    "and a timeout, as in: barrier go pub,sub timeout 5s";
	struct lexer *lx = &p->lx;
	struct step *st;
	const char *w, *s, *comma;
	char got[96];
	size_t wl, at;

	if ((st = parse_new_step(p, STEP_BARRIER)) == NULL)
		return -1;
	if (roles_read_name(p, "a barrier name", &st->u.sync.name,
	    &st->u.sync.col) == -1)
		return -1;
	lex_skip_ws(lx);
	at = lx->pos;
	if (at < lx->linelen && (lx->line[at] == '[' || lx->line[at] == '(' ||
	    lx->line[at] == '{'))
		/* The docs' [ROLE,ROLE] read as literal brackets. */
		return lex_error(lx, at, "list roles with commas, no brackets "
		    "and no blanks, as in: barrier go pub,sub", "expected a "
		    "role list without brackets, got %s", lex_got(lx, at, got,
		    sizeof(got)));
	if (lex_word(lx, &w, &wl) && !lex_word_is(w, wl, "timeout")) {
		/* ROLE,ROLE: checked once every role is declared. */
		for (s = w; s < w + wl; s = comma + 1) {
			comma = memchr(s, ',', (size_t)(w + wl - s));
			if (comma == NULL)
				comma = w + wl;
			if (!roles_name_ok(s, (size_t)(comma - s)))
				return lex_error(lx, at + (size_t)(s - w),
				    "list roles with commas and no blanks: "
				    "barrier go pub,sub", "expected a role "
				    "name, got %s", lex_got(lx, at + (size_t)
				    (s - w), got, sizeof(got)));
			st->u.sync.roles = xrealloc(st->u.sync.roles,
			    (st->u.sync.nroles + 1) * sizeof(char *));
			st->u.sync.roles[st->u.sync.nroles++] = xstrndup(s,
			    (size_t)(comma - s));
			if (comma == w + wl)
				break;
		}
		st->u.sync.col = lex_col(lx, at);
	} else
		lx->pos = at;
	return roles_parse_timeout(p, st, form);
}

int
roles_parse_signal(struct parser *p)
{
	struct lexer *lx = &p->lx;
	struct step *st;

	if ((st = parse_new_step(p, STEP_SIGNAL)) == NULL)
		return -1;
	if (roles_read_name(p, "a signal name", &st->u.sync.name,
	    &st->u.sync.col) == -1)
		return -1;
	if (lex_at_eol(lx))
		return 0;
	return parse_expr(p, "a value", &st->u.sync.e);
}

int
roles_parse_wait_for(struct parser *p)
{
	static const char form[] = "wait for NAME, then optionally a "
	    "variable and a timeout, as in: wait for token as tok timeout 5s";
	struct lexer *lx = &p->lx;
	struct step *st;
	const char *w;
	size_t wl, at;

	if ((st = parse_new_step(p, STEP_WAIT_FOR)) == NULL)
		return -1;
	if (roles_read_name(p, "a signal name", &st->u.sync.name,
	    &st->u.sync.col) == -1)
		return -1;
	lex_skip_ws(lx);
	at = lx->pos;
	if (lex_word(lx, &w, &wl) && lex_word_is(w, wl, "as")) {
		if (parse_var_name(p, &st->u.sync.as) == -1)
			return -1;
	} else
		lx->pos = at;
	if (roles_parse_timeout(p, st, form) == -1)
		return -1;
	if (st->u.sync.as != NULL)
		check_define(p, st->u.sync.as);
	return 0;
}

/* Point the lexer's messages at file index f (an error after the file was
 * read has no line text: the column is given). */
static void
roles_at_file(struct parser *p, unsigned f)
{
	p->lx.name = p->sc->files[f < p->sc->nfiles ? f : 0];
	p->lx.line = NULL;
	p->lx.linelen = 0;
}

/* Say whether role ro has a `barrier name` step. */
static int
roles_has_barrier(const struct scenario_role *ro, const char *name)
{
	size_t i;

	for (i = 0; i < ro->nsteps; i++)
		if (ro->steps[i].kind == STEP_BARRIER &&
		    strcmp(ro->steps[i].u.sync.name, name) == 0)
			return 1;
	return 0;
}

/* Resolve a barrier's role list and check it against the role it is in
 * (ri, SIZE_MAX for the top level) and the other barriers of that name. */
static int
roles_check_barrier(struct parser *p, struct step *st, size_t ri)
{
	struct scenario *sc = p->sc;
	char hint[256];
	size_t j, k;

	roles_at_file(p, st->file);
	if (st->u.sync.nroles > 0 && sc->nroles == 0)
		return lex_error_at(&p->lx, st->line, st->u.sync.col,
		    "without roles every connection meets at a barrier: "
		    "barrier NAME", "expected no role list in a file without "
		    "roles, got '%s'", st->u.sync.roles[0]);
	st->u.sync.role_idx = xcalloc(st->u.sync.nroles + 1, sizeof(size_t));
	for (j = 0; j < st->u.sync.nroles; j++) {
		const char *n = st->u.sync.roles[j];

		k = roles_find(sc, n, strlen(n));
		if (k == SIZE_MAX)
			return lex_error_at(&p->lx, st->line, st->u.sync.col,
			    roles_list_hint(sc, "the roles are: ", hint,
			    sizeof(hint)), "expected a role name in the "
			    "barrier's list, got '%s'", n);
		st->u.sync.role_idx[j] = k;
		if (!roles_has_barrier(&sc->roles[k], st->u.sync.name)) {
			/* It would wait for connections that never come. */
			snprintf(hint, sizeof(hint), "add 'barrier %s' to role "
			    "%s, or leave %s out of the list", st->u.sync.name,
			    n, n);
			return lex_error_at(&p->lx, st->line, st->u.sync.col,
			    hint, "expected roles that reach barrier '%s' in "
			    "its list, got '%s' that has no such step",
			    st->u.sync.name, n);
		}
	}
	if (st->u.sync.nroles > 0 && ri != SIZE_MAX) {
		for (j = 0; j < st->u.sync.nroles; j++)
			if (st->u.sync.role_idx[j] == ri)
				break;
		if (j == st->u.sync.nroles) {
			snprintf(hint, sizeof(hint), "add %s to the list, or "
			    "leave the list out to wait for every role",
			    sc->roles[ri].name);
			return lex_error_at(&p->lx, st->line, st->u.sync.col,
			    hint, "expected role '%s' among the roles of "
			    "barrier '%s', got a list without it",
			    sc->roles[ri].name, st->u.sync.name);
		}
	}
	return 0;
}

/* Call fn on every step of every program (the top level first). */
static int
roles_each(struct parser *p, int (*fn)(struct parser *, struct step *,
    size_t, void *), void *arg)
{
	struct scenario *sc = p->sc;
	size_t i, r;

	for (i = 0; i < sc->nsteps; i++)
		if (fn(p, &sc->steps[i], SIZE_MAX, arg) == -1)
			return -1;
	for (r = 0; r < sc->nroles; r++)
		for (i = 0; i < sc->roles[r].nsteps; i++)
			if (fn(p, &sc->roles[r].steps[i], r, arg) == -1)
				return -1;
	return 0;
}

/* The roles barrier st meets, as bits (without a list: every role that
 * has a barrier of its name, as coord.c counts them). */
static uint64_t
roles_mask(const struct scenario *sc, const struct step *st)
{
	uint64_t m = 0;
	size_t i;

	if (st->u.sync.nroles == 0) {
		for (i = 0; i < sc->nroles; i++)
			if (roles_has_barrier(&sc->roles[i], st->u.sync.name))
				m |= 1ULL << i;
		return sc->nroles == 0 ? 1 : m;
	}
	for (i = 0; i < st->u.sync.nroles; i++)
		m |= 1ULL << st->u.sync.role_idx[i];
	return m;
}

/* Two barriers of one name meet the same roles. */
static int
roles_same_list(const struct scenario *sc, const struct step *a,
    const struct step *b)
{
	return roles_mask(sc, a) == roles_mask(sc, b);
}

/* State of the name checks over every program. */
struct roles_walk {
	const struct step *first;	/* FIRST_BARRIER: the barrier found */
	const char	*name;
	int		 found;
	const char	*names[64];	/* SIGNAL_NAMES: signals, for hints */
	size_t		 nnames;
};

static int
roles_find_barrier(struct parser *p, struct step *st, size_t ri, void *arg)
{
	struct roles_walk *w = arg;

	(void)p;
	(void)ri;
	if (st->kind == STEP_BARRIER && w->first == NULL &&
	    strcmp(st->u.sync.name, w->name) == 0)
		w->first = st;
	return 0;
}

static int
roles_find_signal(struct parser *p, struct step *st, size_t ri, void *arg)
{
	struct roles_walk *w = arg;

	(void)p;
	(void)ri;
	if (st->kind != STEP_SIGNAL)
		return 0;
	if (strcmp(st->u.sync.name, w->name) == 0)
		w->found = 1;
	if (w->nnames < sizeof(w->names) / sizeof(w->names[0]) - 1)
		w->names[w->nnames++] = st->u.sync.name;
	return 0;
}

/* Walk the other side's programs (other: the accept block for the
 * client roles, the file for the accept block) with fn. */
static void
roles_each_other(struct parser *p, struct scenario *other,
    int (*fn)(struct parser *, struct step *, size_t, void *), void *arg)
{
	struct scenario *sc = p->sc;

	p->sc = other;
	roles_each(p, fn, arg);
	p->sc = sc;
}

/* Who the other side is, in messages. */
static const char *
roles_side(const struct scenario *other)
{
	return other->accept != NULL ? "the client roles" : "the accept block";
}

/* One step's name checks (barrier lists, wait-for names) and the
 * resolution of its default timeout. arg: the other side's scenario
 * (the client side and the accept block have a coordinator each, so a
 * barrier or signal name must not cross between them), or NULL. */
static int
roles_check_step(struct parser *p, struct step *st, size_t ri, void *arg)
{
	struct scenario *other = arg;
	struct roles_walk w;
	char hint[256];

	if (st->kind != STEP_BARRIER && st->kind != STEP_WAIT_FOR)
		return 0;
	if (st->u.sync.timeout < 0)
		st->u.sync.timeout = p->sc->timeout;
	memset(&w, 0, sizeof(w));
	w.name = st->u.sync.name;
	if (st->kind == STEP_BARRIER) {
		if (roles_check_barrier(p, st, ri) == -1)
			return -1;
		roles_each(p, roles_find_barrier, &w);
		if (w.first != st && w.first->u.sync.role_idx != NULL &&
		    !roles_same_list(p->sc, w.first, st)) {
			roles_at_file(p, st->file);
			snprintf(hint, sizeof(hint), "the first barrier '%s' is "
			    "at line %u; give every one of that name the same "
			    "roles, or another name", w.name, w.first->line);
			return lex_error_at(&p->lx, st->line, st->u.sync.col,
			    hint, "expected the roles of the first barrier "
			    "'%s', got others", w.name);
		}
		if (other != NULL) {
			memset(&w, 0, sizeof(w));
			w.name = st->u.sync.name;
			roles_each_other(p, other, roles_find_barrier, &w);
			if (w.first != NULL) {
				roles_at_file(p, st->file);
				return lex_error_at(&p->lx, st->line,
				    st->u.sync.col, "barriers do not cross "
				    "between the accept block and the client "
				    "roles (each side has its own): give each "
				    "side its own name", "expected a barrier "
				    "name of this side's own, got '%s', also a "
				    "barrier of %s (line %u)", w.name,
				    roles_side(other), w.first->line);
			}
		}
		return 0;
	}
	roles_each(p, roles_find_signal, &w);
	if (!w.found && other != NULL) {
		struct roles_walk o;

		memset(&o, 0, sizeof(o));
		o.name = st->u.sync.name;
		roles_each_other(p, other, roles_find_signal, &o);
		if (o.found) {
			roles_at_file(p, st->file);
			return lex_error_at(&p->lx, st->line, st->u.sync.col,
			    "signals do not cross between the accept block "
			    "and the client roles (each side has its own): "
			    "send it on this side, or pass the value in a "
			    "message", "expected a signal that some step on "
			    "this side sends, got '%s' that only a step of %s "
			    "sends",
			    w.name, roles_side(other));
		}
	}
	if (!w.found) {
		roles_at_file(p, st->file);
		w.names[w.nnames] = NULL;
		if (w.nnames > 0)
			lex_nearest_hint(w.name, strlen(w.name), w.names, hint,
			    sizeof(hint));
		else
			snprintf(hint, sizeof(hint), "some role sends it with: "
			    "signal %s [VALUE]", w.name);
		return lex_error_at(&p->lx, st->line, st->u.sync.col, hint,
		    "expected a signal that some step sends, got '%s' that "
		    "none does", w.name);
	}
	return 0;
}

/* Run the whole-file checks of parse.c on role ri's program. */
static int
roles_check_program(struct parser *p, size_t ri)
{
	struct scenario *sc = p->sc;
	struct scenario_role *ro = &sc->roles[ri];
	struct step *steps = sc->steps;
	size_t n = sc->nsteps, fin = sc->finally_at, i;
	int rc;

	sc->steps = ro->steps;
	sc->nsteps = ro->nsteps;
	sc->finally_at = ro->finally_at;
	rc = parse_check_program(p);
	sc->steps = steps;
	sc->nsteps = n;
	sc->finally_at = fin;
	for (i = 0; rc == 0 && i < ro->nsteps; i++) {
		struct step *st = &ro->steps[i];

		if ((st->kind == STEP_EXPECT || st->kind == STEP_EXPECT_SET) &&
		    st->u.expect.timeout < 0)
			st->u.expect.timeout = sc->timeout;
	}
	return rc;
}

int
roles_finish(struct parser *p, unsigned conns_line)
{
	struct scenario *sc = p->sc;
	char hint[160];
	size_t r;

	if (p->role_open != 0) {
		const struct scenario_role *ro = &sc->roles[p->role_open - 1];

		roles_at_file(p, ro->file);
		snprintf(hint, sizeof(hint), "add 'end' after the last line of "
		    "role '%s'", ro->name);
		return lex_error_at(&p->lx, ro->line, 1, hint, "expected 'end' "
		    "for the role opened here, got end of file");
	}
	if (sc->nroles > 0 && sc->nsteps > 0) {
		roles_at_file(p, sc->steps[0].file);
		return lex_error_at(&p->lx, sc->steps[0].line, 1, "move it into "
		    "a role (role NAME N ... end): with roles, every step "
		    "belongs to one", "expected every step inside a role, got "
		    "'%s' at the top level", step_kind_name(sc->steps[0].kind));
	}
	if (sc->nroles > 0 && conns_line != 0) {
		roles_at_file(p, 0);
		return lex_error_at(&p->lx, conns_line, 1, "each role states its "
		    "count: role NAME N", "expected no 'connections' in a file "
		    "with roles, got one");
	}
	if (roles_each(p, roles_check_step, sc->accept) == -1)
		return -1;
	if (sc->accept != NULL) {
		/* The accept block: its own names, its own timeouts. */
		int rc;

		sc->accept->timeout = sc->timeout;
		p->sc = sc->accept;
		rc = roles_each(p, roles_check_step, sc);
		p->sc = sc;
		if (rc == -1)
			return -1;
	}
	for (r = 0; r < sc->nroles; r++)
		if (roles_check_program(p, r) == -1)
			return -1;
	return 0;
}

void
roles_step_free(struct step *st)
{
	size_t i;

	free(st->u.sync.name);
	for (i = 0; i < st->u.sync.nroles; i++)
		free(st->u.sync.roles[i]);
	free(st->u.sync.roles);
	free(st->u.sync.role_idx);
	expr_free(st->u.sync.e);
	free(st->u.sync.as);
}

void
roles_free(struct scenario *sc)
{
	size_t r;

	for (r = 0; r < sc->nroles; r++) {
		/* A scenario holding only the role's steps frees them the
		 * way the top level's are freed. */
		struct scenario *t = xcalloc(1, sizeof(*t));

		t->steps = sc->roles[r].steps;
		t->nsteps = sc->roles[r].nsteps;
		scenario_free(t);
		free(sc->roles[r].name);
	}
	free(sc->roles);
	sc->roles = NULL;
	sc->nroles = 0;
}

uint64_t
scenario_conns(const struct scenario *sc)
{
	uint64_t n = 0;
	size_t r;

	if (sc->nroles == 0)
		return sc->connections;
	for (r = 0; r < sc->nroles; r++)
		n += sc->roles[r].conns;
	return n;
}
