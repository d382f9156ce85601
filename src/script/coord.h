/* The coordinator of one run's client connections: which role each
 * connection plays, `after` start order, barriers and signals. One per
 * runner, on the runner's loop; it never touches a socket: it keeps
 * counts and, when a waiting connection may go on (or must fail), calls
 * the runner's wake callback, which defers the work to that connection's
 * own timer. A barrier follows Java's CyclicBarrier: every party waits
 * until all have arrived, and a party that can never arrive (its
 * connection ended) breaks the barrier for everyone waiting or to come. */
#ifndef SB_COORD_H
#define SB_COORD_H
#include <stddef.h>
#include <stdint.h>
#include "scenario.h"

struct conn;
struct coord;

enum coord_verdict {
	COORD_GO,	/* go on with the next step now */
	COORD_WAIT,	/* wait: the wake callback will say when */
	COORD_FAIL	/* fail the step; why says why */
};

/* Called when connection c (global number n, 0-based) may go on (ok 1)
 * or must fail its step (ok 0, why says why). Called from inside other
 * coord calls: it must only record and arm c's timer. */
typedef void (*coord_wake_fn)(void *arg, struct conn *c, uint64_t n, int ok,
    const char *why);

/* A coordinator for sc's roles; without roles, one implicit role of
 * implicit_conns connections. Connections are numbered across roles in
 * file order (role 1's first, then role 2's, ...). */
struct coord *coord_new(const struct scenario *sc, uint64_t implicit_conns,
    coord_wake_fn wake, void *arg);
void coord_free(struct coord *co);
/* Forget every connection's state (the run starts again). */
void coord_reset(struct coord *co);
/* All client connections of all roles. */
uint64_t coord_total(const struct coord *co);
/* The number of roles (1 without roles). */
size_t coord_nroles(const struct coord *co);
/* The role connection n (0-based, < coord_total) plays; *local gets its
 * 0-based number within the role. */
size_t coord_role_of(const struct coord *co, uint64_t n, uint64_t *local);
/* Role i's name (NULL for the implicit role) and connection count. */
const char *coord_role_name(const struct coord *co, size_t i);
uint64_t coord_role_conns(const struct coord *co, size_t i);
/* Role i's step program. */
const struct scenario_role *coord_role(const struct coord *co, size_t i);

/* Connection n opened: COORD_GO when it may start its steps, COORD_WAIT
 * when its role starts `after` a role not yet opened (woken later). */
enum coord_verdict coord_open(struct coord *co, uint64_t n, struct conn *c);
/* Connection n ended (closed, failed, or never opened; why: its reason):
 * it leaves any wait, and barriers and signals it can no longer reach
 * fail their waiters. */
void coord_gone(struct coord *co, uint64_t n, const char *why);
/* Connection n stops waiting without ending (its step failed for another
 * reason, e.g. the peer closed, and its finally runs): it no longer
 * counts as arrived. No-op when it does not wait. */
void coord_leave(struct coord *co, uint64_t n);
/* Connection n reached barrier st. why (whylen bytes) gets the reason of
 * a COORD_FAIL. */
enum coord_verdict coord_barrier(struct coord *co, uint64_t n, struct conn *c,
    const struct step *st, char *why, size_t whylen);
/* Publish value[0..len) as signal name; every waiter of it wakes. */
void coord_signal(struct coord *co, const char *name, const void *value,
    size_t len);
/* Connection n waits for signal st->u.sync.name: COORD_GO when the
 * signal was sent since n's previous `wait for` of it (a per-connection
 * generation count: each wait consumes every sending up to now and gets
 * the latest value; sendings are not queued), COORD_WAIT until the next
 * sending, COORD_FAIL when no connection left can send it. */
enum coord_verdict coord_wait_for(struct coord *co, uint64_t n,
    struct conn *c, const struct step *st, char *why, size_t whylen);
/* The latest value of signal name, or NULL when none was sent. */
const unsigned char *coord_value(const struct coord *co, const char *name,
    size_t *len);
/* Connection n's wait timed out after secs seconds: it leaves the wait,
 * and why gets who did not arrive (barrier) or what was not sent. */
void coord_timeout(struct coord *co, uint64_t n, double secs, char *why,
    size_t whylen);

#endif
