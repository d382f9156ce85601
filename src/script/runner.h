/* The scenario runner: plays a scenario's steps on every client connection
 * of a pool, against the embedded server it starts or an external target,
 * and keeps the result a report or the dashboard renders. */
#ifndef SB_RUNNER_H
#define SB_RUNNER_H
#include <stdint.h>
#include "engine.h"
#include "scenario.h"
#include "stats.h"
#include "transport.h"

/* How to run; zero values mean "as the scenario says". */
struct run_opts {
	const char	*connect;	/* external HOST:PORT; NULL: embedded */
	const char	*listen;	/* embedded server; default 127.0.0.1:0 */
	uint64_t	 conns;		/* override `connections` */
	double		 rate;		/* override `rate` when > 0 */
	const char	*sources;	/* --source list */
	int		 loop;		/* replay each connection forever */
	double		 loop_delay;	/* seconds between a loop's rounds */
	const char	*codec;		/* override `codec` */
	double		 timeout;	/* override the default expect timeout */
};

#define RUN_MAX_GROUPS	32	/* failure groups kept per scenario */

/* The connections that failed at one step for one kind of reason, with
 * the first of them as the example. Strings are owned by the result. */
struct run_failure {
	char		*file;		/* the file holding the step (an
					   included file, or the scenario) */
	unsigned	 line;		/* the step's line (the first step's
					   when the connection could not open;
					   0 when there are no steps) */
	const char	*step;		/* "expect", "send", "capture", "set",
					   "connect", ... (static) */
	const char	*reason;	/* "timeout", "mismatch", "closed",
					   "reset", "error", "within" (static) */
	uint64_t	 count;		/* connections that failed here so */
	uint64_t	 conn;		/* the example's connection number */
	char		*text;		/* the example's full report */
	/* The example as data, for JSON reports: what the step expected and
	 * what arrived (NULL when the step has no such bytes), the first
	 * differing byte, and for `within` the measured time. */
	unsigned char	*expected;
	size_t		 expected_len;
	unsigned char	*received;
	size_t		 received_len;
	size_t		 diff_offset;	/* SIZE_MAX: none */
	double		 measured;	/* seconds; < 0: none */
	char		*field;		/* the codec field a field expect
					   read ("status"), or NULL */
	const char	*role;		/* the example's role (owned by the
					   scenario), NULL without roles */
	uint64_t	 role_conn;	/* its 1-based number in that role */
	int		 hex;		/* from an `expect hex`: reports show
					   the bytes as \xNN */
	int		 has_tls;	/* the example spoke TLS: tls holds
					   its handshake (tls.done 0: the
					   handshake did not finish) */
	struct tls_info	 tls;
};

/* One role's share of a run (scenario.h struct scenario_role). */
struct run_role {
	const char	*name;		/* owned by the scenario */
	uint64_t	 conns, passed, failed;
};

#define RUN_MAX_WARNINGS	8	/* warning texts kept per scenario */

/* Connections that warned the same thing (conn_warn: a problem that did
 * not close them but may make what followed wrong, e.g. "send after close
 * or shutdown: 5 bytes dropped"). Text owned by the result. */
struct run_warning {
	char		*text;
	uint64_t	 count;		/* warnings with this text */
	uint64_t	 conn;		/* the first connection, 1-based */
};

/* One scenario's outcome. Owned by the runner. */
struct run_result {
	uint64_t	 conns, passed, failed;	/* client connections */
	uint64_t	 sends, expects;	/* steps done */
	struct hist	 latency;	/* send -> matching reply, microseconds */
	double		 t_start, t_end;	/* monotonic seconds */
	char		*failure;	/* first failure report, NULL if none:
					   "file:line: expect ...\n..." */
	unsigned	 fail_line;
	uint64_t	 fail_conn;
	int		 done;		/* every connection finished */
	/* Every failed connection counted once, in the group of the step
	 * and reason it failed at, in the order groups first appeared;
	 * failures past RUN_MAX_GROUPS groups are counted in other. */
	struct run_failure groups[RUN_MAX_GROUPS];
	size_t		 ngroups;
	uint64_t	 other;
	/* Per role counts, in file order; NULL and 0 without roles. */
	struct run_role	*roles;
	size_t		 nroles;
	/* Every connection warning, by text in order of appearance; those
	 * past RUN_MAX_WARNINGS texts are counted in warnings_other. */
	struct run_warning warnings[RUN_MAX_WARNINGS];
	size_t		 nwarnings;
	uint64_t	 warnings_other;
};

/* What the connections did at one step of a program: the dashboard's step
 * screen (after SIPp's scenario screen). The runner counts as connections
 * move, so reading it costs nothing per connection; runner_restart zeroes
 * it. A failure counts at the step it happened at, in one of three kinds:
 * timeouts ("timeout", "within", "stalled", a connect timeout), unexpected
 * (what the peer did: "mismatch", "closed", "eof", "reset", "refused",
 * "overflow", "protocol", "tls") and errors (anything else: a runtime
 * "error", a "broken" barrier, "stopped"). */
struct run_step {
	uint64_t	 at;		/* connections waiting at it now */
	uint64_t	 passed;	/* times a connection went past it */
	uint64_t	 timeouts, unexpected, errors;
	uint64_t	 lat_n;		/* expects: send -> matching reply */
	uint64_t	 lat_sum, lat_max;	/* microseconds */
};

/* One step program a runner plays (a role, or the file's steps) with a
 * run_step per step, steps[i] counted in stats[i]; connect counts the
 * connections before their first step (at: connecting now, passed:
 * connected, failures: could not connect). Owned by the runner. */
struct run_program {
	const char		*name;	/* the role; NULL without roles */
	const struct step	*steps;
	size_t			 nsteps;
	struct run_step		*stats;
	struct run_step		 connect;
};

struct runner;

/* Prepare a run of sc (which must outlive the runner); NULL with err. */
struct runner *runner_new(struct engine *e, const struct scenario *sc,
    const struct run_opts *o, char *err, size_t errlen);
/* Start the embedded server if needed and open the connections. */
int runner_start(struct runner *r, char *err, size_t errlen);
/* Call cb(r, arg) from the loop when every connection has finished. */
void runner_on_done(struct runner *r, void (*cb)(struct runner *, void *),
    void *arg);
const struct run_result *runner_result(const struct runner *r);
/* Close every client connection and start the scenario again. */
void runner_restart(struct runner *r);
/* Open n more client connections, or close the newest n (no-ops for a
 * scenario with roles: each role states its count). */
void runner_add(struct runner *r, uint64_t n);
void runner_remove(struct runner *r, uint64_t n);
/* "127.0.0.1:PORT (embedded app)" or the --connect target. */
const char *runner_target(const struct runner *r);
const struct scenario *runner_scenario(const struct runner *r);
/* Serve sc's steps as a scripted server: listen on HOST:PORT and play
 * them on every accepted connection (the runner's scenario is the accept
 * program, sc->accept); after max connections (0: no limit) the listener
 * closes. 0, or -1 with err ("listen on ...: Address in use"). The client
 * runner of a file with an accept block does this itself in
 * runner_start. */
int runner_listen(struct runner *r, const char *hostport, uint64_t max,
    char *err, size_t errlen);
/* Call cb(r, n, passed, report, arg) as each accepted connection n (1, 2,
 * ...) ends: passed 1 or 0, report the full failure text ("file:line:
 * connection n: ...") or NULL when it passed. */
void runner_on_conn(struct runner *r, void (*cb)(struct runner *, uint64_t,
    int, const char *, void *), void *arg);
/* Log one line per connection a serving runner accepts and closes to
 * this stdio stream (NULL: stop), as `serve` does (server_set_log). */
void runner_set_log(struct runner *r, void *stdio_file);
/* Every address a serving runner listens on, "127.0.0.1:7000". */
const char *runner_listen_addr(const struct runner *r);
/* A serving runner is shut down (why: "shutdown"): every accepted
 * connection still in its script fails where it stands, reason "stopped",
 * report "stopped at FILE:LINE (STEP) by the shutdown: its script did not
 * finish" (counted, and told to runner_on_conn's callback), and every
 * accepted connection is closed with reason why. No-op for a client
 * runner. */
void runner_stop_served(struct runner *r, const char *why);
/* A client runner was stopped before it was done (a signal,
 * --max-time): its scripted server's connections join the result now, as
 * they do when the run completes (in conns; the unfinished ones neither
 * passed nor failed, as unfinished clients are). Call before
 * runner_result; no-op when the run is done or has no accept block. */
void runner_stopped(struct runner *r);
/* Connections a serving runner has accepted so far. */
uint64_t runner_accepted_count(const struct runner *r);
/* The role name of client connection number n (1-based, as reports and
 * the dashboard number them) and its 1-based number in that role in
 * *local; NULL for a scenario without roles. */
const char *runner_conn_role(const struct runner *r, uint64_t n,
    uint64_t *local);
/* The role name of the client connection ci describes (the runner marks
 * its connections' conn_info.tag once they open), or NULL when ci is not
 * a role connection of r (no roles, a server side, another runner's). */
const char *runner_info_role(const struct runner *r,
    const struct conn_info *ci);
/* The step programs r plays (one per role, else one) and program i's
 * steps with their counters (i < runner_nprograms(r), asserted). */
size_t runner_nprograms(const struct runner *r);
const struct run_program *runner_program(const struct runner *r, size_t i);
/* The client connections a runner wants and has (the dashboard's load
 * control): its target, those connecting and open now (of this run: a
 * restart starts from 0), those of the ramp still to start (the target,
 * raised by runner_add, less every connection started since the start or
 * the restart, a reconnect included), and the rate it opens them at
 * (per second, 0: all at once). */
struct run_load {
	uint64_t	 target, connecting, open, pending;
	double		 rate;
};
void runner_load(const struct runner *r, struct run_load *out);
/* Open client connections at rate per second from now on (0: all at
 * once), until runner_restart brings back the scenario's rate. */
void runner_set_rate(struct runner *r, double rate);
/* The runner of r's scripted server (the file's accept block), or NULL. */
const struct runner *runner_acceptor(const struct runner *r);
/* Stop, close everything the runner opened, and free it. */
void runner_free(struct runner *r);

#endif
