/* The load generator behind `sockbench bench`: N client connections on one
 * loop sending one request message in a closed loop (depth in flight) or an
 * open loop (a rate, or flood), timing every reply into one histogram per
 * loop, and counting errors by cause. Results merge across processes. */
#ifndef SB_LOADGEN_H
#define SB_LOADGEN_H
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "codec.h"
#include "engine.h"
#include "hist.h"

enum loadgen_mode {
	LG_CLOSED,	/* send, wait for the reply, repeat; depth in flight */
	LG_RATE,	/* rate requests per second per connection */
	LG_FLOOD	/* as fast as the socket takes them */
};

/* Why a connection ended badly, or failed to start. */
enum loadgen_cause {
	LG_ERR_REFUSED,		/* connection refused */
	LG_ERR_RESET,		/* reset by peer, broken pipe */
	LG_ERR_TIMEOUT,		/* a request unanswered for --request-timeout */
	LG_ERR_CONNECT_TIMEOUT,	/* a connect that did not complete in time */
	LG_ERR_EOF,		/* the server closed the connection */
	LG_ERR_PROTOCOL,	/* the codec rejected a reply */
	LG_ERR_ADDR,		/* no local address or port left */
	LG_ERR_SOCKET,		/* socket() or bind() failed (EMFILE, ...) */
	LG_ERR_TLS,		/* a TLS handshake or record failed */
	LG_ERR_OTHER,
	LG_ERR_N
};

struct loadgen_progress;
struct service_cfg;
struct tls_ctx;

/* What to run. Pointers are borrowed and must outlive the loadgen. */
struct loadgen_cfg {
	const char		*target;	/* HOST:PORT; NULL: embedded */
	const char		*service;	/* embedded server spec ("echo") */
	const struct service_cfg *svc;		/* or this, when not NULL */
	uint64_t		 conns;
	double			 duration;	/* measured seconds; 0: no limit */
	uint64_t		 requests;	/* stop after this many; 0: none */
	enum loadgen_mode	 mode;
	unsigned		 depth;		/* in flight per connection */
	double			 rate;		/* LG_RATE: per connection per s */
	double			 connect_rate;	/* connects per second; 0: all */
	const char		*sources;	/* "127.0.0.1,127.0.0.2" or NULL */
	const struct codec	*codec;		/* NULL or raw: count echo bytes */
	const unsigned char	*msg;		/* wire bytes of one request */
	size_t			 msg_len;
	size_t			 reply_len;	/* bytes per reply; 0: msg_len */
	int			 reconnect;	/* reopen dropped connections */
	uint64_t		 conn_requests;	/* churn: close a connection
						 * after this many answers
						 * and open a new one; 0:
						 * keep it */
	double			 request_timeout;/* seconds a request may be in
						 * flight; 0: none */
	int			 reset_at_end;	/* RST teardown, no half-close */
	double			 start_at;	/* wall clock (unix seconds) to
						 * start connecting at, waited
						 * for on the loop; 0: at once */
	struct engine_limits	 lim;
	/* TLS (transport.h): the client connections' context and the
	 * embedded server's; NULL: plain TCP. Owned by the caller. */
	struct tls_ctx		*tls_client, *tls_server;
	/* Called once a second from the loop when set. */
	void			(*progress)(const struct loadgen_progress *,
				    void *);
	void			*arg;
};

/* One second of a run, for the live progress line. */
struct loadgen_progress {
	double			 elapsed;	/* since the run started */
	uint64_t		 open;		/* connections open now */
	uint64_t		 requests;	/* completed in this interval */
	uint64_t		 errors;	/* in total so far */
	double			 interval;	/* seconds the interval covers */
	const struct hist	*lat;		/* this interval's latencies */
};

/* Why a run ended: bits of loadgen_counts.ended (ORed across workers). */
#define LG_END_DURATION	0x1	/* the measured window (-d) passed */
#define LG_END_COUNT	0x2	/* -n answers were in */
#define LG_END_NO_CONNS	0x4	/* early: no connection left, none coming */
#define LG_END_SIGNAL	0x8	/* early: SIGINT, SIGTERM or the dashboard */

/* Plain counters: merged by adding, sent raw between worker processes.
 * Every request sent ends as exactly one of answered, timeout (in
 * errors[LG_ERR_TIMEOUT]), lost or unanswered. */
struct loadgen_counts {
	uint64_t	 workers;	/* processes merged into this */
	uint64_t	 conns;		/* connections asked for */
	uint64_t	 connected;	/* first connects that were established */
	uint64_t	 reopened;	/* reconnects that were established */
	uint64_t	 reopen_failed;	/* reconnects that failed */
	uint64_t	 stalled;	/* closed: a request passed its timeout */
	uint64_t	 open_end;	/* still open when the run ended */
	uint64_t	 target;	/* -n asked for; 0: none */
	uint64_t	 issued;	/* requests sent */
	uint64_t	 answered;	/* replies matched, the drain included */
	uint64_t	 requests;	/* of those, answered in the window */
	uint64_t	 lost;		/* in flight on a connection that dropped */
	uint64_t	 unanswered;	/* in flight when the drain ended */
	uint64_t	 bytes_out;	/* written to the sockets (not queued) */
	uint64_t	 bytes_in;
	uint64_t	 skipped;	/* LG_RATE: due while depth was full */
	uint64_t	 churn_wait;	/* LG_RATE: due while the connection
					 * had sent its --conn-requests and
					 * waited for replies (not sent) */
	uint64_t	 saturated;	/* sums of a merge (workers, shards)
					 * that reached 2^64 - 1 instead of
					 * wrapping: the figures are not exact */
	uint64_t	 behind;	/* LG_RATE: due more than 1000 at once
					 * on one connection: the loop fell
					 * behind the schedule (not sent) */
	uint64_t	 unexpected;	/* bytes that arrived with nothing in
					 * flight to answer */
	uint64_t	 errors[LG_ERR_N];
	uint64_t	 churned;	/* closed after --conn-requests */
	uint64_t	 tls_full;	/* TLS handshakes: full ones */
	uint64_t	 tls_resumed;	/* sessions resumed (--tls-resume) */
	uint64_t	 tls_window;	/* handshakes done in the window */
	uint64_t	 ended;		/* LG_END_* bits */
	uint64_t	 rss_before;	/* KiB, before connecting */
	uint64_t	 rss_after;	/* KiB, at the end, still connected */
	double		 seconds;	/* length of the measured window */
	double		 establish;	/* seconds to open every connection */
	double		 elapsed;	/* start to end, drain included */
	double		 started;	/* wall clock (unix seconds) when
					 * connecting began: the latest of
					 * the processes merged; 0: never */
};

/* A run's outcome: counters and three histograms (microseconds). */
struct loadgen_result {
	struct loadgen_counts	 n;
	struct hist		 lat;		/* request to complete reply */
	struct hist		 connect;	/* connect() to established */
	struct hist		 ttfb;		/* first request to first byte */
	struct hist		 handshake;	/* TLS: TCP up to handshake
						   done, microseconds */
};

struct loadgen;

/* Check cfg, start the embedded server if there is no target, and make
 * the pool; NULL with err filled on failure. */
struct loadgen *loadgen_new(const struct loadgen_cfg *cfg, char *err,
    size_t errlen);
/* Connect, run until the duration (then drain up to the request timeout)
 * or request count is reached, no connection is left, or a signal
 * arrives; fill the result; then close gracefully (FIN after the queued
 * bytes, replies drained for up to a second) unless reset_at_end. */
void loadgen_run(struct loadgen *lg);
/* loadgen_run in two halves, for a front end that runs the loop itself
 * (the dashboard): start connecting, and freeze the figures and tear the
 * connections down after. */
void loadgen_start(struct loadgen *lg);
void loadgen_end(struct loadgen *lg);
/* The report's counters as they stand now, for a live view (bench --ui):
 * requests answered in the window so far and its seconds, bytes written
 * and read by the client connections, open_end the connections open now;
 * once the run ended, the report's own. */
void loadgen_live(const struct loadgen *lg, struct loadgen_counts *n);
/* The latency histogram of the measured window, live while it runs. */
const struct hist *loadgen_latency(const struct loadgen *lg);
/* The result of the last loadgen_run. */
const struct loadgen_result *loadgen_result(const struct loadgen *lg);
/* The engine the run uses (for tests). */
struct engine *loadgen_engine(struct loadgen *lg);
/* "HOST:PORT" the connections go to. */
const char *loadgen_target(const struct loadgen *lg);
/* The last socket or bind error the pool hit, else the first TLS failure
 * ("tls: certificate verify failed: ..."), or "". */
const char *loadgen_last_error(const struct loadgen *lg);
void loadgen_free(struct loadgen *lg);

/* Make r empty. */
void loadgen_result_init(struct loadgen_result *r);
/* Add src into dst (counters summed, histograms merged), every sum
 * saturating at 2^64 - 1 rather than wrapping; each one that saturated
 * is counted in dst->n.saturated. */
void loadgen_result_merge(struct loadgen_result *dst,
    const struct loadgen_result *src);
/* Append r to b in a form loadgen_result_decode reads back. */
void loadgen_result_encode(const struct loadgen_result *r, struct buf *b);
/* Read a result encoded by loadgen_result_encode; 0, or -1 if malformed. */
int loadgen_result_decode(struct loadgen_result *r, const unsigned char *p,
    size_t n);
/* Short name of a cause ("refused", "reset", ...). */
const char *loadgen_cause_name(enum loadgen_cause c);
/* Map a connection's close reason to a cause. */
enum loadgen_cause loadgen_cause_of(const char *reason);
/* This process's resident set size in KiB from /proc/self/status, or 0. */
uint64_t loadgen_rss_kib(void);

#endif
