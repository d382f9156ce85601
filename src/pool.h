/* The client pool: N connections to a target, opened at a rate, from a
 * list of local source addresses, each driven by a handler. */
#ifndef SB_POOL_H
#define SB_POOL_H
#include <stddef.h>
#include <stdint.h>
#include "engine.h"

struct conn;
struct conn_handler;
struct codec;

/* How a pool connects. Strings are copied by pool_new. */
struct pool_cfg {
	const char		*target;	/* "HOST:PORT"; a name may give
						 * several addresses */
	uint64_t		 count;		/* connections to open */
	double			 rate;		/* per second; 0 = all at once */
	const char		*sources;	/* "127.0.0.1,127.0.0.2" or NULL */
	const struct codec	*codec;
	const struct conn_handler *handler;
	/* Make the handler's per-connection state for connection number n
	 * (0-based); the handler's on_close frees it. */
	void			*(*make_udata)(void *arg, uint64_t n);
	void			*arg;
	/* Called when a connection cannot even start (no socket, no source
	 * address): the pool then counts it as started and moves on. NULL:
	 * the pool tries that connection again on its next step. */
	void			(*start_failed)(void *arg, uint64_t n,
				    const char *why);
	int			 reconnect;	/* reopen when one closes */
	double			 reconnect_delay;/* seconds before reopening */
};

struct pool;

/* Resolve the target and sources, once (getaddrinfo blocks; the loop is
 * not running yet); NULL with err filled on failure. Each connection tries
 * the target's addresses in order (from the one that last connected) with
 * non-blocking connects, --connect-timeout for each, and fails only when
 * all did, its reason "HOST:PORT: [::1]:7001 refused; 127.0.0.1:7001
 * refused" naming each (a numeric target keeps "connect: REASON"). */
struct pool *pool_new(struct engine *e, const struct pool_cfg *cfg,
    char *err, size_t errlen);
/* Start opening connections (at the configured rate). */
void pool_start(struct pool *p);
/* Open n more connections (the dashboard's '+'). */
void pool_add(struct pool *p, uint64_t n);
/* Close the newest n open client connections (the dashboard's '-'). */
void pool_remove(struct pool *p, uint64_t n);
/* Connections the pool has started, and still has to start. */
uint64_t pool_started(const struct pool *p);
uint64_t pool_pending(const struct pool *p);
/* Failures to even create a socket (EMFILE, EADDRNOTAVAIL, ...). */
uint64_t pool_errors(const struct pool *p);
/* The last error that stopped a connection from starting, or "". */
const char *pool_last_error(const struct pool *p);
/* Open connections at rate per second from the next step on (0: all at
 * once); the dashboard's * and /. pool_rate says the rate now. */
void pool_set_rate(struct pool *p, double rate);
double pool_rate(const struct pool *p);
/* Stop opening new connections. */
void pool_stop(struct pool *p);
/* pool_stop, then free p (NULL: nothing); its open connections stay. */
void pool_free(struct pool *p);
/* Tell the pool one of its connections closed (for reconnect). */
void pool_conn_closed(struct pool *p, struct conn *c);

#endif
