/* Probing an unknown TCP server: a table of probes (each one connection
 * with one payload), a table of matchers that name a protocol from the
 * bytes a probe got back, and a verdict with its confidence and evidence.
 * See docs/probe.md. */
#ifndef SB_PROBE_H
#define SB_PROBE_H
#include <stddef.h>
#include <stdio.h>

#define PROBE_MAX		44	/* probes in the table, the
					   late-banner watch and the probes
					   run inside TLS */
#define PROBE_MAX_SENT		1024	/* payload bytes kept per probe */
#define PROBE_MAX_RECV		8192	/* reply bytes kept per probe */
#define PROBE_TIMEOUT_DEFAULT	1.5	/* seconds to wait for a reply */
#define PROBE_BANNER_WAIT	0.5	/* s the banner probe waits alone
					   before the others start (never
					   more than --timeout); a later
					   banner is the late-banner watch's */
#define PROBE_QUIET		0.25	/* silence that ends a reply whose last
					   byte is a line end, s; a reply
					   without one needs --timeout */
#define PROBE_READ_MAX		10.0	/* s a reply may keep arriving (or
					   2 x --timeout if longer) */
#define PROBE_PARALLEL		8	/* probes started per 25 ms wave: a
					   bigger burst overflows small listen
					   backlogs (git daemon), and a SYN
					   retransmit costs 1 s */
#define PROBE_ECHO_DECOR	64	/* bytes an echo may add on each side */
#define PROBE_FIXED_MIN		4	/* shortest constant reply for "fixed" */

/* How certain a match is; the verdict takes the highest. */
enum probe_conf {
	PROBE_NONE,
	PROBE_POSSIBLE,	/* the reply fits, but so would others */
	PROBE_LIKELY,	/* a typical reply, not a unique one */
	PROBE_CERTAIN	/* only this protocol answers this way */
};

/* What the probe run found out about the target as a whole. */
enum probe_status {
	PROBE_IDENTIFIED,	/* a likely or certain verdict (exit 0) */
	PROBE_UNIDENTIFIED,	/* replies, but nothing likely (exit 1) */
	PROBE_SILENT,		/* accepted, never said a byte (exit 1) */
	PROBE_CLOSED,		/* accepted, closed without a byte (exit 1) */
	PROBE_RESET,		/* accepted, then reset (exit 1) */
	PROBE_LATE,		/* a banner only after --timeout (exit 1) */
	PROBE_REFUSED,		/* connection refused (exit 3) */
	PROBE_UNREACHABLE	/* no route, connect timeout, bad name (exit 3) */
};

/* How to probe. Zero values mean the defaults. */
struct probe_opts {
	double	 timeout;	/* reply wait per probe, s; default 1.5 */
	double	 connect_timeout;/* s; default 3 */
	double	 banner_wait;	/* s the banner probe waits alone;
				   default PROBE_BANNER_WAIT */
	int	 serial;	/* one probe at a time instead of in parallel */
	int	 all;		/* run every probe even after a certain match */
	const char *only;	/* comma-separated probe names, or NULL */
	int	 no_tls_inside;	/* do not handshake and probe inside a
				   TLS server */
};

/* What a TLS handshake with the server showed (the probe does not verify
 * the chain: it reports what the server presents). */
struct probe_tls {
	int	 tried;		/* a handshake was attempted */
	int	 done;		/* and finished */
	char	 version[16];	/* "TLSv1.3" */
	char	 cipher[64];
	char	 alpn[32];	/* chosen when offered "h2,http/1.1"; "" */
	char	 subject[160];	/* the server certificate's */
	char	 issuer[160];
	char	 not_after[32];	/* "2027-11-30 06:00:00 UTC" */
	char	 error[160];	/* why the handshake failed, or "" */
	int	 inside;	/* the verdict is of what runs inside TLS */
	char	 inside_summary[200];	/* the inner probes' status line */
};

/* A matcher's answer: the protocol and what else the reply showed. */
struct probe_match {
	enum probe_conf	 conf;
	char		 protocol[24];	/* "redis", "http", "echo", ... */
	char		 product[64];	/* "OpenSSH", "nginx", ... or "" */
	char		 version[48];	/* "9.2p1", ... or "" */
	char		 detail[200];	/* one line: why, or what was seen */
	const char	*codec;		/* codec to decode its traffic with */
	const char	*matcher;	/* name of the matcher that said so */
};

/* One probe's evidence: what went out, what came back, how it ended. */
struct probe_evidence {
	const char	*probe;		/* probe name */
	int		 ran;		/* started (else skipped) */
	int		 connected;
	int		 peer_closed;	/* the server sent FIN */
	int		 reset;		/* the server reset the connection */
	int		 cancelled;	/* stopped early: verdict certain */
	int		 arriving;	/* bytes still came when reading had
					   to stop: the reply is not whole */
	int		 no_line_end;	/* ended by quiet, last byte not \n */
	int		 truncated;	/* PROBE_MAX_RECV kept, rest unread */
	int		 inside_tls;	/* ran inside a TLS handshake */
	int		 retried;	/* run again after a parallel refusal,
					   reset, close or "too many
					   connections": first_outcome is
					   the first try's */
	char		 first_outcome[160];
	int		 late;		/* the late-banner watch: recv came
					   after --timeout */
	double		 late_after;	/* s from connect to the late bytes */
	unsigned char	 sent[PROBE_MAX_SENT];
	size_t		 sent_len;
	unsigned char	 recv[PROBE_MAX_RECV];
	size_t		 recv_len;	/* kept */
	size_t		 recv_total;	/* received */
	double		 seconds;	/* from connect to the end */
	char		 outcome[160];	/* "no reply in 1.5s", ... */
	struct probe_match match;	/* best match on this reply */
};

/* The whole run. About 420 KiB: allocate it rather than put it on a
 * stack. Filled by probe_detect; nothing in it needs freeing. */
struct probe_result {
	char			 target[256];
	enum probe_status	 status;
	char			 summary[320];	/* one line for the status */
	struct probe_match	 verdict;	/* conf PROBE_NONE if none */
	int			 verdict_probe;	/* index into ev, or -1 */
	struct probe_evidence	 ev[PROBE_MAX];
	size_t			 nev;
	double			 seconds;
	double			 timeout;	/* --timeout used, s */
	struct probe_tls	 tls;		/* when the server spoke TLS */
	char			 starttls[160];	/* "offered: ...", "not
						   offered: ...", or "" when
						   not asked (SMTP, IMAP,
						   POP3, FTP only) */
	int			 starttls_offered;
};

/* Probe target ("HOST:PORT") with its own engine, run to completion, and
 * fill out; returns the exit status probe_exit_status gives. A TLS server
 * is handshaken with and probed inside (unless o->no_tls_inside); a
 * certain SMTP, IMAP, POP3 or FTP verdict asks whether STARTTLS is
 * offered. Ignores SIGPIPE. Usable before a front end starts its own
 * loop. */
int probe_detect(const char *target, const struct probe_opts *o,
    struct probe_result *out);
/* Run every matcher on one reply and keep the best in m; returns m->conf. */
enum probe_conf probe_match_reply(const char *probe, const unsigned char *sent,
    size_t sent_len, const unsigned char *recv, size_t recv_len,
    int peer_closed, struct probe_match *m);
/* Build a probe's payload into out (at most outlen bytes) for host; returns
 * its length, or -1 if no probe has that name. */
int probe_payload(const char *probe, const char *host, unsigned char *out,
    size_t outlen);
/* Decide status, verdict and summary from the evidence in r: a reply
 * still arriving never identifies; echo needs two probes, one of several
 * lines, that came back whole with the same decoration and no other reply;
 * fixed needs one reply of PROBE_FIXED_MIN+ bytes to probes of different
 * line counts, no banner, no close and no error form (error, unknown,
 * a 4xx/5xx status...). */
void probe_verdict(struct probe_result *r);
/* 0 identified, 1 connected but not identified, 3 refused or unreachable. */
int probe_exit_status(const struct probe_result *r);
const char *probe_status_name(enum probe_status s);
const char *probe_conf_name(enum probe_conf c);
/* The name of the i-th probe in the order they run (from the probe
 * table), or NULL past the last. */
const char *probe_name(size_t i);
/* Print the verdict and each probe's evidence as text. */
void probe_print(FILE *f, const struct probe_result *r, int verbose);
/* Render the result as JSON text; the caller frees it. */
char *probe_json(const struct probe_result *r);
/* Write a starter scenario for the verdict (src/probe_scenario.c); 0, or
 * -1 with err filled when the protocol has no scenario to offer. */
int probe_write_scenario(FILE *f, const struct probe_result *r, char *err,
    size_t errlen);
/* Escape bytes as util's escape_bytes does (quotes escaped) into a fresh
 * string: all of them when max is 0, else at most max output bytes with a
 * NUL; the caller frees it. */
char *probe_escape(const unsigned char *p, size_t n, size_t max);
/* The `sockbench probe HOST:PORT` subcommand; returns the exit status. */
int probe_main(int argc, char **argv);

#endif
