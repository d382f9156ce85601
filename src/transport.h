/* Transports: how a connection's bytes reach its socket, behind one small
 * table of functions (after redis's connection.h). conn.c does all its I/O
 * through these calls; TCP is the one transport today (transport_tcp.c).
 * Nothing here assumes an IP address: a Unix socket transport (issue #16)
 * is TCP's table on an AF_UNIX descriptor, and TLS is one more table whose
 * priv holds the SSL object.
 *
 * Results follow read(2)/write(2): a count, or -1 with errno. EAGAIN means
 * "not now": the call needs a readiness first, and want says which one.
 * For TCP and Unix sockets that is always the call's own direction (a read
 * waits for readable, a write for writable), which is what conn.c's
 * watchers do. A TLS transport maps OpenSSL's SSL_ERROR_WANT_READ and
 * SSL_ERROR_WANT_WRITE onto want, and conn.c must then arm the watcher
 * want names instead (the one place to change, in conn_read_cb and
 * conn_flush, when TLS lands). */
#ifndef SB_TRANSPORT_H
#define SB_TRANSPORT_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* The readiness an I/O call that failed with EAGAIN waits for. */
enum transport_want {
	TRANSPORT_WANT_NONE,	/* the call made progress, or failed */
	TRANSPORT_WANT_READ,	/* retry once the socket is readable */
	TRANSPORT_WANT_WRITE	/* retry once the socket is writable */
};

struct transport;

/* One kind of transport: a const table, one per kind. Every entry is
 * required. */
struct transport_ops {
	const char	*name;		/* "tcp"; later "unix", "tls" */
	/* Read up to n bytes into p: the count, 0 at the peer's EOF, or -1
	 * with errno (EAGAIN: nothing now; see want). */
	ssize_t		(*read)(struct transport *t, void *p, size_t n);
	/* Write up to n bytes of p: the count written, or -1 with errno
	 * (EAGAIN: the socket is full; EPIPE, ECONNRESET: the peer left). */
	ssize_t		(*write)(struct transport *t, const void *p, size_t n);
	/* Write the iovcnt pieces of iov in order, as write does. */
	ssize_t		(*writev)(struct transport *t, const struct iovec *iov,
			    int iovcnt);
	/* Finish an outgoing connect once the socket is writable: 0 when
	 * established, or -1 with errno the reason (ECONNREFUSED...). A TLS
	 * transport runs its client handshake here and fails with EAGAIN
	 * and want set until it is done; an accept handshake gets its own
	 * entry beside this one when TLS lands. */
	int		(*connect_done)(struct transport *t);
	/* Send our FIN once the last byte is written (shutdown(2) SHUT_WR;
	 * TLS sends close_notify first): 0, or -1 with errno. */
	int		(*shutdown)(struct transport *t);
	/* Close the socket and release the transport's state; fd becomes
	 * -1. Closing a closed transport does nothing. */
	void		(*close)(struct transport *t);
	/* Write the local and peer addresses as text ("127.0.0.1:40000",
	 * "[::1]:7000", a Unix socket's path); a side it cannot learn is
	 * left as it was. */
	void		(*describe)(struct transport *t, char *local,
			    size_t locallen, char *peer, size_t peerlen);
};

/* A connection's transport, embedded in struct conn (no allocation per
 * connection); conn_destroy closes it if it is still open. */
struct transport {
	const struct transport_ops *ops;
	int			 fd;	/* the socket the loop watches */
	enum transport_want	 want;	/* after EAGAIN: what to wait for */
	void			*priv;	/* the kind's own state; NULL for TCP */
	/* Set when a call failed with EPROTO for a reason of the
	 * transport's own (TLS: OpenSSL's, "certificate verify failed:
	 * hostname mismatch"); NULL otherwise. Owned by the transport. */
	const char		*err;
};

/* The TCP transport's table; it works on any connected stream socket. */
extern const struct transport_ops transport_tcp_ops;

/* Make t a TCP transport around the connected or connecting socket fd. */
void transport_tcp_init(struct transport *t, int fd);

/* Call t's read (one indirect call: this is the hot path). */
static inline ssize_t
transport_read(struct transport *t, void *p, size_t n)
{
	return t->ops->read(t, p, n);
}

/* Call t's write (one indirect call: this is the hot path). */
static inline ssize_t
transport_write(struct transport *t, const void *p, size_t n)
{
	return t->ops->write(t, p, n);
}

/* Call t's writev. */
static inline ssize_t
transport_writev(struct transport *t, const struct iovec *iov, int iovcnt)
{
	return t->ops->writev(t, iov, iovcnt);
}

/* Call t's connect_done: 0 established, or -1 with errno. */
static inline int
transport_connect_done(struct transport *t)
{
	return t->ops->connect_done(t);
}

/* Call t's shutdown: 0, or -1 with errno. */
static inline int
transport_shutdown(struct transport *t)
{
	return t->ops->shutdown(t);
}

/* Call t's close, once it has a table (a zeroed transport is skipped). */
static inline void
transport_close(struct transport *t)
{
	if (t->ops != NULL)
		t->ops->close(t);
}

/* Call t's describe. */
static inline void
transport_describe(struct transport *t, char *local, size_t locallen,
    char *peer, size_t peerlen)
{
	t->ops->describe(t, local, locallen, peer, peerlen);
}

/* ---- TLS (transport_tls.c, OpenSSL 3) ----
 * A TLS transport is a table whose priv holds the SSL object. Its
 * connect_done finishes the TCP connect (client) and then drives
 * SSL_do_handshake, failing with EAGAIN and want set (OpenSSL's
 * SSL_ERROR_WANT_READ / WANT_WRITE) until the handshake is done, or with
 * EPROTO and err set to OpenSSL's reason. A server connection runs the
 * same connect_done (accept handshake). */

/* How a side of TLS is set up (the command line's --tls options). */
struct tls_opts {
	int		 server;	/* 1: accept handshakes */
	const char	*sni;		/* client: server name sent and
					 * verified; NULL: none */
	const char	*alpn;		/* "h2,http/1.1", or NULL */
	const char	*ca_file;	/* PEM trust anchors; NULL: the
					 * system store (client) */
	const char	*cert, *key;	/* PEM; server without them: a
					 * self-signed certificate is made */
	const char	*min, *max;	/* "1.2", "1.3" (RFC 8446), NULL */
	int		 insecure;	/* client: no verification at all */
	const char	*client_ca;	/* server: PEM CAs client certificates
					 * are verified against; NULL: none
					 * asked for */
	int		 client_cert;	/* server with client_ca: 1 optional
					 * (asked, verified when sent), 2
					 * required (RFC 8446 4.3.2) */
	int		 resume;	/* client: offer the last session the
					 * server gave (a TLS 1.3 ticket,
					 * RFC 8446 4.6.1; RFC 5077) to each
					 * new connection */
};

/* What a finished handshake negotiated, for reports and the dashboard. */
struct tls_info {
	char		 version[16];	/* "TLSv1.3" */
	char		 cipher[64];	/* "TLS_AES_256_GCM_SHA384" */
	char		 alpn[32];	/* "" when none */
	char		 subject[160];	/* peer certificate, one line */
	char		 issuer[160];
	char		 not_after[32];	/* "2027-11-30 06:00:00 UTC" */
	double		 handshake_s;	/* TCP up to handshake done, s */
	uint64_t	 handshake_us;	/* the same, microseconds */
	int		 done;		/* the handshake finished */
	int		 resumed;	/* an abbreviated handshake: a session
					 * resumed (RFC 8446 2.2, RFC 5077) */
	int		 insecure;	/* verification was off */
	int		 verified;	/* the peer's chain and name passed
					 * (server: its client certificate
					 * against --client-ca) */
};

struct tls_ctx;

/* Make a TLS context from o (copied): 0 and *out, or -1 with a reason in
 * err (OpenSSL's: "no such file", "key values mismatch"). A server
 * without cert/key gets a fresh self-signed P-256 certificate for
 * localhost and 127.0.0.1, valid 30 days. */
int tls_ctx_new(const struct tls_opts *o, struct tls_ctx **out, char *err,
    size_t errlen);
/* Free a context (NULL: nothing); connections still using it keep it
 * alive (OpenSSL's reference count). */
void tls_ctx_free(struct tls_ctx *ctx);
/* The context's own certificate SHA-256 fingerprint as "AB:CD:...", or
 * "" when it has none (a client without --cert). */
const char *tls_ctx_fingerprint(const struct tls_ctx *ctx);
/* Write the context's own certificate (never its key) as PEM to path:
 * 0, or -1 with errno. A self-signed server's clients trust it so. */
int tls_ctx_write_cert(const struct tls_ctx *ctx, const char *path);
/* Make client ctx trust server ctx's own certificate too (an embedded
 * self-signed server): 0, or -1 if server has none. */
int tls_ctx_trust(struct tls_ctx *client, const struct tls_ctx *server);
/* Whether ctx verifies nothing (--insecure). */
int tls_ctx_insecure(const struct tls_ctx *ctx);
/* Whether client ctx offers sessions for resumption (tls_opts.resume). */
int tls_ctx_resume(const struct tls_ctx *ctx);

/* Make t a TLS transport over the connecting (client) or accepted
 * (server, per ctx) socket fd; info, kept by the caller, is filled when
 * the handshake completes. */
void transport_tls_init(struct transport *t, int fd, struct tls_ctx *ctx,
    struct tls_info *info);
/* Whether t is a TLS transport whose TCP connect is done and whose
 * handshake is not: a timeout now is a handshake timeout. */
int transport_tls_handshaking(const struct transport *t);
/* Decrypted bytes OpenSSL holds that a read would return without the
 * socket becoming readable (SSL_pending); 0 for other transports. */
size_t transport_tls_pending(const struct transport *t);
/* Copy what t's finished handshake negotiated (version, cipher, ALPN,
 * peer certificate subject/issuer/notAfter, handshake time in
 * microseconds, resumed) into *out: 0, or -1 when t is not TLS or its
 * handshake has not finished (out untouched). Front ends that only see a
 * struct conn_info read the same structure through conn_info.tls. */
int transport_tls_info(const struct transport *t, struct tls_info *out);
/* One line of ti for reports and the dashboard, into buf (len bytes):
 * "TLSv1.3 TLS_AES_256_GCM_SHA384, alpn h2, full handshake 2345 us, peer
 * CN=x, issuer CN=y, expires 2027-01-01 00:00:00 UTC, verified"; a
 * handshake not finished reads "handshake not completed". */
void tls_info_text(const struct tls_info *ti, char *buf, size_t len);
/* The table of TLS transports. */
extern const struct transport_ops transport_tls_ops;

#endif
