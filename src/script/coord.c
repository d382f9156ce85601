/* The coordinator: roles, `after` order, barriers and signals of one run
 * (see coord.h). Waiters are found by scanning the connections of the
 * roles concerned, once per release: a release is rare next to steps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "coord.h"
#include "util.h"

#define COORD_LIST_MAX	8	/* connections named in a timeout report */

enum coord_wait { CW_NONE, CW_HOLD, CW_BARRIER, CW_SIGNAL };

/* One client connection's place in the coordination. */
struct coord_conn {
	struct conn	*c;		/* while it waits, else NULL */
	unsigned char	 wait;		/* enum coord_wait */
	unsigned char	 opened;	/* it connected at least once */
	unsigned char	 settled;	/* opened or ended: counted once */
	unsigned char	 gone;		/* ended and not reopened */
	size_t		 idx;		/* the barrier or signal waited for */
};

struct coord_role {
	const char	*name;		/* NULL: the implicit role */
	const struct scenario_role *prog;	/* NULL: the implicit role */
	uint64_t	 first, conns;	/* its connections: first..+conns */
	size_t		 after;		/* index, or SIZE_MAX */
	uint64_t	 settled;	/* connections opened or ended */
	uint64_t	 ngone;		/* connections ended, not reopened */
	uint64_t	 last_gone;	/* the latest of them */
	char		 last_why[160];	/* and its reason */
};

struct coord_barrier {
	const char	*name;
	uint64_t	 mask;		/* bit i: role i meets here */
	uint64_t	 expected;	/* connections of those roles */
	uint64_t	 waiting;	/* arrived this round */
};

struct coord_signal {
	const char	*name;
	uint64_t	 senders;	/* bit i: role i has `signal NAME` */
	int		 has;		/* a value was sent */
	uint64_t	 gen;		/* times it was sent */
	unsigned char	*value;
	size_t		 len;
	uint64_t	 waiting;
};

/* Owned by the runner: coord_new allocates, coord_free frees. */
struct coord {
	struct coord_role *roles;
	size_t		 nroles;
	struct coord_conn *conns;
	uint64_t	 total;
	struct coord_barrier *barriers;
	size_t		 nbarriers;
	struct coord_signal *signals;
	size_t		 nsignals;
	uint64_t	*seen;		/* [n * nsignals + i]: the generation
					   of signal i connection n's latest
					   `wait for` consumed */
	coord_wake_fn	 wake;
	void		*arg;
};

static size_t
coord_find_barrier(const struct coord *co, const char *name)
{
	size_t i;

	for (i = 0; i < co->nbarriers; i++)
		if (strcmp(co->barriers[i].name, name) == 0)
			return i;
	return SIZE_MAX;
}

static size_t
coord_find_signal(const struct coord *co, const char *name)
{
	size_t i;

	for (i = 0; i < co->nsignals; i++)
		if (strcmp(co->signals[i].name, name) == 0)
			return i;
	return SIZE_MAX;
}

/* Note the barriers and signals of role ri's steps. A barrier without
 * a role list meets every role that has a `barrier NAME` step (so a role
 * that never reaches it is not waited for); with a list, those roles. */
static void
coord_scan(struct coord *co, size_t ri, const struct step *steps, size_t n)
{
	size_t i, j, k;

	for (i = 0; i < n; i++) {
		const struct step *st = &steps[i];

		if (st->kind == STEP_BARRIER) {
			struct coord_barrier *b;

			k = coord_find_barrier(co, st->u.sync.name);
			if (k == SIZE_MAX) {
				co->barriers = xrealloc(co->barriers,
				    (co->nbarriers + 1) * sizeof(*b));
				k = co->nbarriers++;
				memset(&co->barriers[k], 0, sizeof(*b));
				co->barriers[k].name = st->u.sync.name;
			}
			b = &co->barriers[k];
			if (st->u.sync.nroles == 0)
				b->mask |= 1ULL << ri;
			for (j = 0; j < st->u.sync.nroles; j++)
				b->mask |= 1ULL << st->u.sync.role_idx[j];
		}
		if (st->kind == STEP_SIGNAL || st->kind == STEP_WAIT_FOR) {
			k = coord_find_signal(co, st->u.sync.name);
			if (k == SIZE_MAX) {
				co->signals = xrealloc(co->signals,
				    (co->nsignals + 1) * sizeof(*co->signals));
				k = co->nsignals++;
				memset(&co->signals[k], 0,
				    sizeof(co->signals[k]));
				co->signals[k].name = st->u.sync.name;
			}
			if (st->kind == STEP_SIGNAL)
				co->signals[k].senders |= 1ULL << ri;
		}
	}
}

struct coord *
coord_new(const struct scenario *sc, uint64_t implicit_conns,
    coord_wake_fn wake, void *arg)
{
	struct coord *co = xcalloc(1, sizeof(*co));
	size_t i, k;

	co->wake = wake;
	co->arg = arg;
	co->nroles = sc->nroles > 0 ? sc->nroles : 1;
	co->roles = xcalloc(co->nroles, sizeof(*co->roles));
	for (i = 0; i < co->nroles; i++) {
		struct coord_role *ro = &co->roles[i];

		ro->first = co->total;
		ro->after = SIZE_MAX;
		if (sc->nroles > 0) {
			ro->prog = &sc->roles[i];
			ro->name = sc->roles[i].name;
			ro->conns = sc->roles[i].conns;
			ro->after = sc->roles[i].after;
		} else
			ro->conns = implicit_conns;
		co->total += ro->conns;
	}
	co->conns = xcalloc(co->total > 0 ? co->total : 1, sizeof(*co->conns));
	if (sc->nroles == 0)
		coord_scan(co, 0, sc->steps, sc->nsteps);
	for (i = 0; i < sc->nroles; i++)
		coord_scan(co, i, sc->roles[i].steps, sc->roles[i].nsteps);
	for (k = 0; k < co->nbarriers; k++)
		for (i = 0; i < co->nroles; i++)
			if (co->barriers[k].mask & (1ULL << i))
				co->barriers[k].expected += co->roles[i].conns;
	co->seen = xcalloc((co->total > 0 ? co->total : 1) *
	    (co->nsignals > 0 ? co->nsignals : 1), sizeof(*co->seen));
	return co;
}

void
coord_free(struct coord *co)
{
	size_t i;

	if (co == NULL)
		return;
	for (i = 0; i < co->nsignals; i++)
		free(co->signals[i].value);
	free(co->signals);
	free(co->seen);
	free(co->barriers);
	free(co->conns);
	free(co->roles);
	free(co);
}

void
coord_reset(struct coord *co)
{
	size_t i;

	memset(co->conns, 0, (co->total > 0 ? co->total : 1) *
	    sizeof(*co->conns));
	for (i = 0; i < co->nroles; i++) {
		co->roles[i].settled = co->roles[i].ngone = 0;
		co->roles[i].last_why[0] = '\0';
	}
	for (i = 0; i < co->nbarriers; i++)
		co->barriers[i].waiting = 0;
	for (i = 0; i < co->nsignals; i++) {
		free(co->signals[i].value);
		co->signals[i].value = NULL;
		co->signals[i].len = 0;
		co->signals[i].has = 0;
		co->signals[i].gen = 0;
		co->signals[i].waiting = 0;
	}
	memset(co->seen, 0, (co->total > 0 ? co->total : 1) *
	    (co->nsignals > 0 ? co->nsignals : 1) * sizeof(*co->seen));
}

uint64_t
coord_total(const struct coord *co)
{
	return co->total;
}

size_t
coord_nroles(const struct coord *co)
{
	return co->nroles;
}

size_t
coord_role_of(const struct coord *co, uint64_t n, uint64_t *local)
{
	size_t i;

	for (i = 0; i + 1 < co->nroles; i++)
		if (n < co->roles[i].first + co->roles[i].conns)
			break;
	if (local != NULL)
		*local = n - co->roles[i].first;
	return i;
}

const char *
coord_role_name(const struct coord *co, size_t i)
{
	return i < co->nroles ? co->roles[i].name : NULL;
}

uint64_t
coord_role_conns(const struct coord *co, size_t i)
{
	return i < co->nroles ? co->roles[i].conns : 0;
}

const struct scenario_role *
coord_role(const struct coord *co, size_t i)
{
	return i < co->nroles ? co->roles[i].prog : NULL;
}

/* "subscriber #2 (connection 3)", or "connection 3" without roles. */
static const char *
coord_label(const struct coord *co, uint64_t n, char *out, size_t outlen)
{
	uint64_t local;
	size_t ri = coord_role_of(co, n, &local);

	if (co->roles[ri].name != NULL)
		snprintf(out, outlen, "%s #%llu (connection %llu)",
		    co->roles[ri].name, (unsigned long long)local + 1,
		    (unsigned long long)n + 1);
	else
		snprintf(out, outlen, "connection %llu",
		    (unsigned long long)n + 1);
	return out;
}

/* Wake connection n: it goes on (ok) or fails with why. */
static void
coord_release(struct coord *co, uint64_t n, int ok, const char *why)
{
	struct coord_conn *cc = &co->conns[n];
	struct conn *c = cc->c;

	if (cc->wait == CW_BARRIER && co->barriers[cc->idx].waiting > 0)
		co->barriers[cc->idx].waiting--;
	if (cc->wait == CW_SIGNAL && co->signals[cc->idx].waiting > 0)
		co->signals[cc->idx].waiting--;
	if (cc->wait == CW_SIGNAL && ok)	/* it consumes this sending */
		co->seen[n * co->nsignals + cc->idx] =
		    co->signals[cc->idx].gen;
	cc->wait = CW_NONE;
	cc->c = NULL;
	if (c != NULL)
		co->wake(co->arg, c, n, ok, why);
}

/* Wake every connection of the roles in mask that waits as (kind, idx). */
static void
coord_release_all(struct coord *co, uint64_t mask, int kind, size_t idx,
    int ok, const char *why)
{
	size_t i;
	uint64_t n;

	for (i = 0; i < co->nroles; i++) {
		const struct coord_role *ro = &co->roles[i];

		if (!(mask & (1ULL << i)))
			continue;
		for (n = ro->first; n < ro->first + ro->conns; n++)
			if (co->conns[n].wait == kind && (kind == CW_HOLD ||
			    co->conns[n].idx == idx))
				coord_release(co, n, ok, why);
	}
}

/* Connection n opened or ended for the first time: once every connection
 * of its role has, the roles started `after` it go. */
static void
coord_settle(struct coord *co, uint64_t n)
{
	struct coord_role *ro;
	size_t ri = coord_role_of(co, n, NULL), j;

	if (co->conns[n].settled)
		return;
	co->conns[n].settled = 1;
	ro = &co->roles[ri];
	if (++ro->settled < ro->conns)
		return;
	for (j = 0; j < co->nroles; j++)
		if (co->roles[j].after == ri)
			coord_release_all(co, 1ULL << j, CW_HOLD, 0, 1, NULL);
}

enum coord_verdict
coord_open(struct coord *co, uint64_t n, struct conn *c)
{
	struct coord_conn *cc;
	size_t ri;
	const struct coord_role *ro;

	if (n >= co->total)
		return COORD_GO;	/* added after the start (runner_add) */
	cc = &co->conns[n];
	ri = coord_role_of(co, n, NULL);
	ro = &co->roles[ri];
	if (cc->gone) {
		/* Reopened (--loop): it can arrive again. */
		cc->gone = 0;
		co->roles[ri].ngone--;
	}
	cc->opened = 1;
	coord_settle(co, n);
	if (ro->after != SIZE_MAX && co->roles[ro->after].settled <
	    co->roles[ro->after].conns) {
		cc->wait = CW_HOLD;
		cc->c = c;
		return COORD_WAIT;
	}
	return COORD_GO;
}

/* Why barrier b can never complete (a connection of its roles ended),
 * into why; 0 when it still can. */
static int
coord_broken(const struct coord *co, const struct coord_barrier *b,
    char *why, size_t whylen)
{
	char label[96];
	size_t i;

	for (i = 0; i < co->nroles; i++) {
		const struct coord_role *ro = &co->roles[i];

		if (!(b->mask & (1ULL << i)) || ro->ngone == 0)
			continue;
		snprintf(why, whylen, "barrier '%s': %s ended before the barrier "
		    "was complete (%s), so it never can be", b->name,
		    coord_label(co, ro->last_gone, label, sizeof(label)),
		    ro->last_why[0] != '\0' ? ro->last_why : "closed");
		return 1;
	}
	return 0;
}

/* Why nobody can send signal s any more to a waiter that has consumed
 * its sendings up to generation seen, into why; 0 when someone can. */
static int
coord_orphan(const struct coord *co, const struct coord_signal *s,
    uint64_t seen, char *why, size_t whylen)
{
	char label[96];
	size_t i, last = SIZE_MAX;

	if (s->gen > seen)
		return 0;
	for (i = 0; i < co->nroles; i++) {
		const struct coord_role *ro = &co->roles[i];

		if (!(s->senders & (1ULL << i)))
			continue;
		if (ro->ngone < ro->conns)
			return 0;
		last = i;
	}
	if (last == SIZE_MAX)
		snprintf(why, whylen, "signal '%s': no role sends it",
		    s->name);
	else
		snprintf(why, whylen, "signal '%s' was %s, and every "
		    "connection that could send it has ended (the last: %s: "
		    "%s)", s->name, s->gen > 0 ? "not sent again since this "
		    "connection's last wait for it" : "never sent",
		    coord_label(co, co->roles[last].last_gone,
		    label, sizeof(label)), co->roles[last].last_why);
	return 1;
}

void
coord_gone(struct coord *co, uint64_t n, const char *why)
{
	struct coord_conn *cc;
	struct coord_role *ro;
	size_t ri, i;
	char text[400];

	if (n >= co->total)
		return;
	cc = &co->conns[n];
	ri = coord_role_of(co, n, NULL);
	ro = &co->roles[ri];
	if (cc->wait == CW_BARRIER && co->barriers[cc->idx].waiting > 0)
		co->barriers[cc->idx].waiting--;
	if (cc->wait == CW_SIGNAL && co->signals[cc->idx].waiting > 0)
		co->signals[cc->idx].waiting--;
	cc->wait = CW_NONE;
	cc->c = NULL;
	if (!cc->gone) {
		cc->gone = 1;
		ro->ngone++;
		ro->last_gone = n;
		snprintf(ro->last_why, sizeof(ro->last_why), "%s",
		    why != NULL ? why : "closed");
	}
	coord_settle(co, n);
	/* Nobody may wait for what can no longer happen. */
	for (i = 0; i < co->nbarriers; i++) {
		struct coord_barrier *b = &co->barriers[i];

		if (b->waiting > 0 && (b->mask & (1ULL << ri)) &&
		    coord_broken(co, b, text, sizeof(text)))
			coord_release_all(co, b->mask, CW_BARRIER, i, 0, text);
	}
	for (i = 0; i < co->nsignals; i++) {
		struct coord_signal *s = &co->signals[i];

		if (s->waiting > 0 && (s->senders & (1ULL << ri)) &&
		    coord_orphan(co, s, s->gen, text, sizeof(text)))
			coord_release_all(co, ~0ULL, CW_SIGNAL, i, 0, text);
	}
}

void
coord_leave(struct coord *co, uint64_t n)
{
	if (n >= co->total || co->conns[n].wait == CW_NONE)
		return;
	co->conns[n].c = NULL;		/* no wake: it fails on its own */
	coord_release(co, n, 0, NULL);
}

enum coord_verdict
coord_barrier(struct coord *co, uint64_t n, struct conn *c,
    const struct step *st, char *why, size_t whylen)
{
	size_t bi = coord_find_barrier(co, st->u.sync.name);
	struct coord_barrier *b;
	struct coord_conn *cc;

	if (n >= co->total) {
		snprintf(why, whylen, "barrier '%s': connection %llu was added "
		    "after the run started, and a barrier counts the %llu it "
		    "started with", st->u.sync.name, (unsigned long long)n + 1,
		    (unsigned long long)co->total);
		return COORD_FAIL;
	}
	cc = &co->conns[n];
	if (bi == SIZE_MAX) {
		snprintf(why, whylen, "barrier '%s' is unknown",
		    st->u.sync.name);
		return COORD_FAIL;
	}
	b = &co->barriers[bi];
	if (coord_broken(co, b, why, whylen))
		return COORD_FAIL;
	if (b->waiting + 1 >= b->expected) {
		/* The last to arrive: everyone goes. */
		coord_release_all(co, b->mask, CW_BARRIER, bi, 1, NULL);
		b->waiting = 0;
		return COORD_GO;
	}
	b->waiting++;
	cc->wait = CW_BARRIER;
	cc->idx = bi;
	cc->c = c;
	return COORD_WAIT;
}

void
coord_signal(struct coord *co, const char *name, const void *value,
    size_t len)
{
	size_t si = coord_find_signal(co, name);
	struct coord_signal *s;

	if (si == SIZE_MAX)
		return;
	s = &co->signals[si];
	free(s->value);
	s->value = xmalloc(len + 1);
	memcpy(s->value, value, len);
	s->value[len] = '\0';
	s->len = len;
	s->has = 1;
	s->gen++;
	if (s->waiting > 0)
		coord_release_all(co, ~0ULL, CW_SIGNAL, si, 1, NULL);
}

enum coord_verdict
coord_wait_for(struct coord *co, uint64_t n, struct conn *c,
    const struct step *st, char *why, size_t whylen)
{
	size_t si = coord_find_signal(co, st->u.sync.name);
	struct coord_signal *s;
	struct coord_conn *cc;

	if (n >= co->total) {
		snprintf(why, whylen, "signal '%s': connection %llu was added "
		    "after the run started (waits count the %llu it started "
		    "with)", st->u.sync.name, (unsigned long long)n + 1,
		    (unsigned long long)co->total);
		return COORD_FAIL;
	}
	cc = &co->conns[n];
	if (si == SIZE_MAX) {
		snprintf(why, whylen, "signal '%s' is unknown",
		    st->u.sync.name);
		return COORD_FAIL;
	}
	s = &co->signals[si];
	if (s->gen > co->seen[n * co->nsignals + si]) {
		/* Sent since this connection's last wait: consume it. */
		co->seen[n * co->nsignals + si] = s->gen;
		return COORD_GO;
	}
	if (coord_orphan(co, s, s->gen, why, whylen))
		return COORD_FAIL;
	s->waiting++;
	cc->wait = CW_SIGNAL;
	cc->idx = si;
	cc->c = c;
	return COORD_WAIT;
}

const unsigned char *
coord_value(const struct coord *co, const char *name, size_t *len)
{
	size_t si = coord_find_signal(co, name);

	if (si == SIZE_MAX || !co->signals[si].has)
		return NULL;
	*len = co->signals[si].len;
	return co->signals[si].value;
}

void
coord_timeout(struct coord *co, uint64_t n, double secs, char *why,
    size_t whylen)
{
	struct coord_conn *cc;
	char label[96];
	size_t i, off, listed = 0;
	uint64_t m, missing = 0;

	if (n >= co->total) {
		snprintf(why, whylen, "timed out after %gs", secs);
		return;
	}
	cc = &co->conns[n];
	if (cc->wait == CW_BARRIER) {
		const struct coord_barrier *b = &co->barriers[cc->idx];

		off = (size_t)snprintf(why, whylen, "barrier '%s': %llu of %llu "
		    "connections arrived within %gs; not arrived:", b->name,
		    (unsigned long long)b->waiting,
		    (unsigned long long)b->expected, secs);
		for (i = 0; i < co->nroles; i++) {
			const struct coord_role *ro = &co->roles[i];

			if (!(b->mask & (1ULL << i)))
				continue;
			for (m = ro->first; m < ro->first + ro->conns; m++) {
				if (co->conns[m].wait == CW_BARRIER &&
				    co->conns[m].idx == cc->idx)
					continue;
				missing++;
				if (listed++ >= COORD_LIST_MAX || off >= whylen)
					continue;
				off += (size_t)snprintf(why + off, whylen - off,
				    "%s %s", listed > 1 ? "," : "",
				    coord_label(co, m, label, sizeof(label)));
			}
		}
		if (missing > COORD_LIST_MAX && off < whylen)
			snprintf(why + off, whylen - off, " and %llu more",
			    (unsigned long long)(missing - COORD_LIST_MAX));
	} else if (cc->wait == CW_SIGNAL) {
		const struct coord_signal *s = &co->signals[cc->idx];
		uint64_t live = 0;

		for (i = 0; i < co->nroles; i++)
			if (s->senders & (1ULL << i))
				live += co->roles[i].conns - co->roles[i].ngone;
		snprintf(why, whylen, "signal '%s' was not sent within %gs (%llu "
		    "connection%s that can send it still open)", s->name, secs,
		    (unsigned long long)live, live == 1 ? "" : "s");
	} else
		snprintf(why, whylen, "timed out after %gs", secs);
	cc->c = NULL;		/* it fails on its own: no wake */
	coord_release(co, n, 0, NULL);
}
