/* The command line's TLS options (--tls, --sni, --alpn, --ca-file,
 * --insecure, --cert, --key, --tls-min, --tls-max), the contexts made from
 * them, and the TLS summary every report carries (docs/tls.md). */
#ifndef SB_TLS_CLI_H
#define SB_TLS_CLI_H
#include <stdio.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "engine.h"
#include "transport.h"

/* What the TLS options asked for. */
struct cli_tls {
	int		 on;	/* --tls */
	const char	*given;	/* another TLS option given ("--ca-file"),
				 * or NULL */
	struct tls_opts	 o;
};

/* Take one TLS option (id CLI_O_TLS..CLI_O_TLS_MAX; arg NULL for flags):
 * 1 taken. Only --tls sets on; the others set given (bench and serve take
 * them as --tls; run uses them for --tls, `tls` and `starttls`
 * scenarios and refuses them otherwise). Values are checked when the
 * context is made. */
int cli_tls_opt(struct cli_tls *t, int id, const char *arg);
/* When t is on, make a client context into *out: the server name is
 * --sni, else the host of target ("host:port", "[v6]:port"; NULL:
 * "localhost"); trust, when set, is a server context whose certificate
 * the client trusts too (an embedded self-signed server). *out NULL when
 * t is off. 0, or -1 with err (OpenSSL's reason). */
int cli_tls_client(const struct cli_tls *t, const char *target,
    struct tls_ctx *trust, struct tls_ctx **out, char *err, size_t errlen);
/* When t is on, make a server context (--cert/--key, or self-signed). */
int cli_tls_server(const struct cli_tls *t, struct tls_ctx **out, char *err,
    size_t errlen);

/* Client connections whose TLS details a summary keeps one by one. */
#define TLS_SUMMARY_KEEP	32

/* One client connection's TLS details, as a summary keeps them. */
struct tls_summary_conn {
	uint64_t	 id;		/* the engine's connection id */
	char		 peer[64];	/* its peer address */
	int		 failed;	/* it ended failed */
	struct tls_info	 tls;		/* tls.done 0: no handshake */
};

/* What the handshakes of a run negotiated, collected by an observer. */
struct tls_summary {
	struct observer	 obs;
	int		 on;		/* the run's clients speak TLS */
	int		 insecure;	/* --insecure: nothing verified */
	uint64_t	 handshakes;	/* client handshakes completed */
	uint64_t	 resumed;	/* of those, sessions resumed */
	double		 hs_sum, hs_max;	/* their times, seconds */
	struct tls_info	 first;		/* the first one's details */
	/* The first TLS_SUMMARY_KEEP client connections that spoke TLS, in
	 * the order they ended; the others are counted in conns_other. */
	struct tls_summary_conn conns[TLS_SUMMARY_KEEP];
	size_t		 nconns;
	uint64_t	 conns_other;
};

/* Start collecting e's client handshakes into s (a run with client
 * context ctx; NULL: s stays off). s must outlive e's loop. */
void tls_summary_attach(struct tls_summary *s, struct engine *e,
    struct tls_ctx *ctx);
/* Print s as text lines ("tls: TLSv1.3 ..."); nothing when off. */
void tls_summary_text(FILE *f, const struct tls_summary *s);
/* Add ti's fields to the JSON object o (docs/json.md: version, cipher,
 * alpn, peer_subject, peer_issuer, peer_not_after, handshake_us, resumed,
 * verified, insecure; handshake_done false and nothing else when the
 * handshake did not finish). */
void tls_info_json(cJSON *o, const struct tls_info *ti);
/* Add s as the object "tls" of o; nothing when off. */
void tls_summary_json(cJSON *o, const struct tls_summary *s);

#endif
