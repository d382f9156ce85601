/* The proxy's faults: small composable stages, one pipeline per direction
 * of a proxied pair, after toxiproxy's toxics (toxics/ in Go: a name, a
 * direction, a toxicity, a stage in a chain). A pipeline knows bytes and
 * a clock the caller passes in (seconds), never sockets or timers: the
 * relay (proxy.c) pushes what one side sent, polls at the deadline the
 * pipeline names, and writes what comes out to the other side. */
#ifndef SB_PROXY_FAULT_H
#define SB_PROXY_FAULT_H
#include <stddef.h>
#include <stdint.h>

/* The largest conn=ID a spec takes: 2^53, the largest integer every JSON
 * reader keeps exact (RFC 8259 section 6). */
#define FAULT_CONN_MAX	(1ULL << 53)

/* Which way bytes flow, in toxiproxy's terms. */
enum fault_dir {
	FAULT_UPSTREAM,		/* client -> server */
	FAULT_DOWNSTREAM	/* server -> client */
};

enum fault_kind {
	FAULT_LATENCY,		/* latency=DUR[,jitter=DUR]: each chunk later */
	FAULT_BANDWIDTH,	/* bandwidth=SIZE: bytes per second */
	FAULT_SLICER,		/* slicer=SIZE[,variation=SIZE][,delay=DUR] */
	FAULT_MERGER,		/* merger[=SIZE][,wait=DUR]: coalesce */
	FAULT_LIMIT_DATA,	/* limit_data=SIZE: close after N bytes */
	FAULT_TIMEOUT,		/* timeout=DUR: stop data, close after DUR
				   (0: never close) */
	FAULT_RESET_PEER,	/* reset_peer[=DUR][,bytes=SIZE]: RST */
	FAULT_BLACKHOLE,	/* blackhole: drop data, keep the connection */
	FAULT_HALF_CLOSE,	/* half_close[=SIZE]: FIN after N bytes */
	FAULT_CORRUPT,		/* corrupt=OFFSET[,xor=BYTE]: flip a byte */
	FAULT_KIND_COUNT
};

/* One fault as the user wrote it ("downstream:latency=50ms,jitter=10ms"),
 * parsed. Plain data: copied into every pipeline that uses it. */
struct fault_spec {
	uint32_t	 id;		/* 1, 2, ... given by the owner */
	enum fault_dir	 dir;
	enum fault_kind	 kind;
	double		 dur;		/* latency, delay (slicer), wait
					   (merger), timeout, reset_peer: s */
	double		 jitter;	/* latency: +- s, uniform */
	uint64_t	 size;		/* bandwidth bytes/s, slicer piece,
					   merger bytes, limit_data, half_close
					   and reset_peer bytes, corrupt
					   offset */
	uint64_t	 variation;	/* slicer: +- bytes per piece */
	unsigned	 has_size:1;	/* reset_peer: bytes= was given */
	unsigned	 has_dur:1;	/* reset_peer: a duration was given */
	uint8_t		 xor;		/* corrupt: the byte xor'ed in (0xff) */
	double		 toxicity;	/* probability per connection, 0..1 */
	uint64_t	 conn;		/* conn=ID: only that proxied
					   connection; 0 every one;
					   at most FAULT_CONN_MAX */
};

/* What a pipeline asks of the relay besides bytes. */
enum fault_act {
	FAULT_ACT_EOF,		/* the source's FIN, after every byte before
				   it: shut the destination's write side */
	FAULT_ACT_SHUTDOWN,	/* half_close: FIN to the destination now;
				   later bytes of this direction are dropped */
	FAULT_ACT_CLOSE,	/* limit_data, timeout: close both sides once
				   what was written is flushed */
	FAULT_ACT_RESET		/* reset_peer: RST to the destination, close
				   the source */
};

/* Where a pipeline's output goes (the relay's two callbacks). */
struct fault_sink {
	void	(*data)(void *arg, const unsigned char *p, size_t n);
	void	(*act)(void *arg, enum fault_act a, const struct fault_spec *s);
	void	 *arg;
};

struct fault_pipe;

/* Parse one fault "DIR:NAME[=VALUE][,KEY=VALUE]..." (DIR upstream or
 * downstream; keys: jitter, variation, delay, wait, bytes, xor, and on
 * every fault toxicity and conn) into out (id 0): 0, or -1 with err naming what is wrong
 * where. Durations and sizes as util.c's parse_duration/parse_size. */
int fault_parse(const char *text, struct fault_spec *out, char *err,
    size_t errlen);
/* Write s back as text fault_parse reads ("downstream:latency=50ms,
 * jitter=10ms"), NUL-terminated; returns the length written. */
size_t fault_format(const struct fault_spec *s, char *out, size_t outlen);
/* The name of a kind ("latency"), toxiproxy's where it has one. */
const char *fault_kind_name(enum fault_kind k);
/* "upstream" or "downstream". */
const char *fault_dir_name(enum fault_dir d);

/* A new pipeline of the n specs (copied, in order) at time now (s): each
 * stage is active with its toxicity's probability, drawn from *rng (the
 * caller's; kept). Output goes to sink. Free with fault_pipe_free. */
struct fault_pipe *fault_pipe_new(const struct fault_spec *specs, size_t n,
    double now, uint64_t *rng, const struct fault_sink *sink);
/* Free p and every byte it holds. */
void fault_pipe_free(struct fault_pipe *p);
/* Add spec s at the end of p (a fault added live), active by its toxicity
 * from now on. */
void fault_pipe_add(struct fault_pipe *p, const struct fault_spec *s,
    double now);
/* Remove the stage of fault id: what it held moves on to the next stage
 * at once. Returns 1 if p had it, else 0. */
int fault_pipe_remove(struct fault_pipe *p, uint32_t id, double now);
/* Push n bytes the source sent at time now; what passes at once reaches
 * the sink before this returns. */
void fault_pipe_push(struct fault_pipe *p, double now, const unsigned char *d,
    size_t n);
/* The source sent FIN at time now: FAULT_ACT_EOF follows the last byte. */
void fault_pipe_eof(struct fault_pipe *p, double now);
/* Release everything due at time now. Returns the next time something is
 * due (s, > now), or -1 when nothing waits for a time. */
double fault_pipe_poll(struct fault_pipe *p, double now);
/* Whether p has no stage and nothing that ended or ends it: what is
 * pushed would reach the sink at once, unchanged (the relay's fast path
 * calls the sink itself then). */
int fault_pipe_passthrough(const struct fault_pipe *p);
/* Bytes held inside the stages (payload only). */
size_t fault_pipe_queued(const struct fault_pipe *p);
/* Memory the held bytes cost: the bytes plus a piece header and malloc's
 * rounding per held piece (the relay bounds it with --max-buffer). */
size_t fault_pipe_held(const struct fault_pipe *p);
/* Whether a close, a reset or a half-close ended this direction: its
 * later bytes are dropped. */
int fault_pipe_ended(const struct fault_pipe *p);
/* Walk p's stages: for each, its spec, whether it is active on this
 * connection, and how often it acted (chunks delayed or sliced, bytes
 * dropped, closes, resets). */
void fault_pipe_stats(const struct fault_pipe *p,
    void (*fn)(void *arg, const struct fault_spec *s, int active,
    uint64_t fired), void *arg);

#endif
