/* `sockbench proxy`: a relay between a real client and a real server on
 * the engine's one loop. Each accepted client gets its own upstream
 * connection; bytes pass unchanged through each direction's fault
 * pipeline (fault.h); FIN and RST are passed on; a decode tap per
 * direction logs messages and feeds the recorder (record.h). See
 * docs/proxy.md. */
#ifndef SB_PROXY_H
#define SB_PROXY_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "fault.h"

struct buf;
struct engine;
struct engine_limits;
struct codec;
struct proxy;
struct record_rules;
struct tls_ctx;

/* What the command line asked for. Strings are borrowed. */
struct proxy_opts {
	const char		*listen;	/* HOST:PORT or unix:PATH */
	const char		*connect;	/* the real server */
	const struct codec	*codec;		/* NULL: detect (probe.c) */
	const char		*log_path;	/* --log FILE, "-" stdout */
	int			 log_json;	/* --log-format json */
	const char		*record_dir;	/* --record DIR, or NULL */
	const struct record_rules *rules;	/* --record-rules, or NULL */
	const char		*control;	/* --control unix:/PATH */
	const struct fault_spec	*faults;	/* --fault, in order */
	size_t			 nfaults;
	int			 quiet;		/* no connection lines */
	uint64_t		 seed;		/* toxicity and jitter draws */
	struct tls_ctx		*tls_listen;	/* TLS from the clients, or
						   NULL; the caller's */
	struct tls_ctx		*tls_connect;	/* TLS to the server, or NULL */
	int			 ui;		/* a view (proxy_set_view) will
						   want decoded messages */
};

/* What a front end (the dashboard) learns about pairs: ids are the
 * engine's connection ids (conn_info.id), pair the proxy's #N. */
struct codec_frame;
struct proxy_view {
	/* The accepted client cli_id and its upstream up_id are pair N. */
	void	(*pair)(void *ctx, uint64_t pair, uint64_t cli_id,
		    uint64_t up_id);
	/* One decoded message: c2s 1 client to server, 0 server to
	 * client; cd the codec that decoded it (detected or given). */
	void	(*msg)(void *ctx, uint64_t cli_id, uint64_t up_id, int c2s,
		    const struct codec *cd, const struct codec_frame *f);
	void	 *ctx;
};

/* The totals the summary prints. */
struct proxy_totals {
	uint64_t	 conns;		/* clients accepted */
	uint64_t	 upstream_failed;/* upstream connects that failed */
	uint64_t	 bytes_up;	/* client -> server, as forwarded */
	uint64_t	 bytes_down;	/* server -> client, as forwarded */
	uint64_t	 resets;	/* RSTs passed on or made by a fault */
	uint64_t	 msgs_up, msgs_down;	/* decoded (with a tap) */
	uint64_t	 rec_written;	/* recordings written whole */
	uint64_t	 rec_cut;	/* cut short at exit (proxy_finish) */
	uint64_t	 rec_failed;	/* could not be written */
};

/* Start a proxy on engine e: resolve and listen (blocking getaddrinfo,
 * before the loop runs), open the log and the control socket. NULL with
 * err saying what failed; o and the faults are copied. */
struct proxy *proxy_new(struct engine *e, const struct proxy_opts *o,
    char *err, size_t errlen);
/* Tell v (copied; NULL: nobody) about every new pair and decoded
 * message from now on; p must have been made with o->ui set so that it
 * decodes. */
void proxy_set_view(struct proxy *p, const struct proxy_view *v);
/* The first address the proxy listens on ("127.0.0.1:7001"). */
const char *proxy_listen_addr(const struct proxy *p);
/* Stop accepting and close every pair (their recordings are written);
 * the loop then has nothing left to run. */
void proxy_stop(struct proxy *p);
/* Print the summary: connections, bytes each way, resets, and for each
 * fault how many connections it applied to and how often it acted. */
void proxy_summary(struct proxy *p, FILE *f);
/* The totals so far. */
const struct proxy_totals *proxy_totals(const struct proxy *p);
#define PROXY_FINISH_SECONDS	0.5	/* s for recordings at exit: half of
					   the 1 s signal grace (engine.c) */

/* Write the recordings still queued (after proxy_stop and engine_reap)
 * for at most seconds (wall clock), then end each one left with a line
 * saying it was cut at exit: none is lost, the exit stays prompt. */
void proxy_finish(struct proxy *p, double seconds);
/* Free p (after proxy_stop and engine_reap; proxy_finish(p, 0) first). */
void proxy_free(struct proxy *p);

/* ---- faults live (the control socket's commands, control.c) ---- */

#define PROXY_FAULTS_LIVE_MAX	64	/* faults in effect at once */
#define PROXY_FAULTS_KEPT	64	/* removed faults listed one by one
					   in the summary; older ones are
					   counted together and freed */

/* Add fault s (its id is set here) to new pairs and to every open one;
 * returns the id, or 0 with err when PROXY_FAULTS_LIVE_MAX faults are in
 * effect already. */
uint32_t proxy_fault_add(struct proxy *p, const struct fault_spec *s,
    char *err, size_t errlen);
/* Remove fault id from new and open pairs (what it held goes on at
 * once): 0, or -1 when no fault has that id. */
int proxy_fault_remove(struct proxy *p, uint32_t id);
/* Append one line per fault in effect ("3 downstream:latency=50ms") to b. */
void proxy_fault_list(const struct proxy *p, struct buf *b);

#endif
