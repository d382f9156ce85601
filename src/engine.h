/* The engine: one libev loop that drives servers, client pools, timers and
 * signals, and tells observers what happens on every connection. */
#ifndef SB_ENGINE_H
#define SB_ENGINE_H
#include <stddef.h>
#include <stdint.h>
#include "clock.h"
#include "observer.h"

struct ev_loop;
struct conn;
struct tls_ctx;

/* Limits that bound memory and time per connection, whatever the peer does. */
struct engine_limits {
	size_t	max_frame;	/* largest decoded frame (codec limit) */
	size_t	max_buffer;	/* tx bytes queued before we stop reading */
	double	connect_timeout;/* seconds; 0 = none */
	double	idle_timeout;	/* seconds without traffic; 0 = none */
	uint64_t max_conns;	/* open connections per process; 0 = fd limit */
};

/* Totals kept incrementally over every connection (for headers, reports). */
struct engine_totals {
	uint64_t	opened, open, failed, closed;
	uint64_t	server_open;	/* accepted connections still open */
	uint64_t	bytes_in, bytes_out, msgs_in, msgs_out;
	uint64_t	accept_errors, emfile;
};

/* Owned by its creator; engine_free closes every connection. */
struct engine {
	struct ev_loop		*loop;
	struct engine_limits	 lim;
	struct engine_totals	 tot;
	struct observer		*observers;
	struct conn		*conns;		/* every live connection */
	struct conn		*dead;		/* closed, freed from the loop */
	uint64_t		 next_id;
	int			 stopping;	/* boolean: engine_stop was called */
	int			 dead_held;	/* boolean: loop kept alive to reap */
	void			*priv;		/* loop watchers (engine.c) */
	/* TLS (transport_tls.c): when set, every client (server)
	 * connection made on this engine speaks TLS with this context;
	 * owned by the command that set it. */
	struct tls_ctx		*tls_client, *tls_server;
	/* The client context a `starttls` step upgrades with, and the
	 * server context of a `starttls` step in an accept block. */
	struct tls_ctx		*tls_starttls, *tls_starttls_server;
};

/* Default limits: 1 MiB frames, 4 MiB buffered, 10 s connect, no idle. */
void engine_limits_default(struct engine_limits *lim);
/* A new engine with its own loop (lim NULL: the defaults); exits with
 * status 3 if libev cannot make a loop. */
struct engine *engine_new(const struct engine_limits *lim);
/* Close every connection (their on_close runs), cancel every timer and
 * free the engine. */
void engine_free(struct engine *e);
/* Register an observer; it must outlive the engine or be removed. */
void engine_observe(struct engine *e, struct observer *o);
/* Remove an observer registered with engine_observe (absent: nothing). */
void engine_unobserve(struct engine *e, struct observer *o);
/* Run the loop until engine_stop or until nothing is left to do. */
void engine_run(struct engine *e);
/* Ask the loop to return after this iteration. */
void engine_stop(struct engine *e);
/* Stop on SIGINT/SIGTERM and ignore SIGPIPE; calls cb first if set. A
 * second call only replaces cb. Should the loop not come back within the
 * grace period of the signal (or a second signal come first), the process
 * writes a line to stderr and exits 128+signal: no step can outlast a
 * signal. */
void engine_handle_signals(struct engine *e, void (*cb)(struct engine *, int));
/* The grace period in seconds: SOCKBENCH_SIGNAL_GRACE (1-3600) when set
 * and valid, else 1 (slow runs such as valgrind's need more). */
unsigned engine_signal_grace(void);
/* The loop's cached time in seconds (libev's ev_now, read once per loop
 * iteration): for timers, rates and schedules. Compare it only with other
 * engine_loop_time values; a latency or a duration, and every t_* stamp of
 * struct conn_info, is a fresh clock_now_mono() instead (clock.h says
 * which to use when). */
double engine_loop_time(struct engine *e);
/* Read the clock into the loop time now (ev_now_update): before the loop
 * runs, or after a long stretch of work, so a schedule starts from now. */
void engine_loop_time_update(struct engine *e);
/* Raise RLIMIT_NOFILE to its hard limit; returns the resulting soft limit. */
uint64_t engine_raise_nofile(void);

/* Call fn(arg) every interval seconds from the loop; returns a handle. */
struct engine_timer *engine_every(struct engine *e, double interval,
    void (*fn)(struct engine *, void *), void *arg);
/* Call fn(arg) once after delay seconds. */
struct engine_timer *engine_after(struct engine *e, double delay,
    void (*fn)(struct engine *, void *), void *arg);
/* Stop and free a timer or fd watch (NULL: nothing). A one-shot timer is
 * freed when it fires: cancel it only before. */
void engine_timer_cancel(struct engine *e, struct engine_timer *t);
/* Watch fd for readability and call fn (used by the dashboard's stdin). */
struct engine_timer *engine_watch_fd(struct engine *e, int fd,
    void (*fn)(struct engine *, void *), void *arg);

/* Run the on_close of every connection closed so far and free them; the
 * loop does this before it sleeps, an owner before it frees the state
 * those callbacks use. */
void engine_reap(struct engine *e);
/* Emit an event to every observer (used by conn.c). */
void engine_emit(struct engine *e, const struct conn_info *ci,
    const struct obs_event *ev);

#endif
