/* The TLS transport: OpenSSL 3 over a non-blocking socket, driven by the
 * connection's libev watchers. No thread and no loop of its own: every
 * SSL_read, SSL_write and SSL_do_handshake that cannot go on returns
 * EAGAIN with want set from SSL_ERROR_WANT_READ / SSL_ERROR_WANT_WRITE,
 * and conn.c arms the watcher that names. Failures are EPROTO with err
 * holding OpenSSL's reason ("certificate verify failed: hostname
 * mismatch"). Memory per connection stays bounded: OpenSSL's record
 * buffers (16 KiB each way, released when idle), a peer certificate list
 * of at most TLS_MAX_CERT_LIST bytes, no renegotiation. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "clock.h"
#include "sock.h"
#include "transport.h"
#include "util.h"

/* The most bytes of certificates a peer may send (a chain of 100
 * certificates is refused rather than buffered). */
#define TLS_MAX_CERT_LIST	(64 * 1024)
/* The most unused tickets a resuming client keeps (the oldest go). */
#define TLS_MAX_SESSIONS	64

struct tls_ctx {
	SSL_CTX		*ssl;
	int		 server;
	int		 insecure;
	char		*sni;
	char		 fpr[96 + 4];	/* SHA-256 as AB:CD:..., or "" */
	unsigned char	 alpn[256];	/* server: length, then wire form */
	int		 resume;	/* client: offer sessions */
	int		 client_verify;	/* server: client certificates */
	/* Resumable sessions the server gave (tickets), newest last, each
	 * offered once (RFC 8446 C.4: no ticket reuse); ours. */
	SSL_SESSION	*sess[TLS_MAX_SESSIONS];
	size_t		 nsess;
};

/* One connection's TLS state (the transport's priv). */
struct tls_conn {
	SSL		*ssl;
	struct tls_ctx	*ctx;
	struct tls_info	*info;
	int		 tcp_done;	/* the TCP connect finished */
	int		 hs_done;	/* the handshake finished */
	int		 fatal;		/* a fatal error: no close_notify */
	int		 shut;		/* close_notify sent */
	int		 reneg;		/* the peer tried to renegotiate */
	double		 t0;		/* TCP up */
	char		 err[160];
};

/* OpenSSL's reason for the last failure, into buf: the verify result when
 * that is what failed, else the first queued error's reason. */
static void
tls_reason(SSL *ssl, char *buf, size_t len)
{
	unsigned long e = ERR_peek_error();
	long v = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
	const char *r;

	if (e != 0 && ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED &&
	    v != X509_V_OK) {
		snprintf(buf, len, "certificate verify failed: %s",
		    X509_verify_cert_error_string(v));
	} else if (e != 0 && (r = ERR_reason_error_string(e)) != NULL)
		snprintf(buf, len, "%s", r);
	else if (e != 0)
		snprintf(buf, len, "OpenSSL error %lx", e);
	else
		snprintf(buf, len, "%s", "unexpected end of the TLS stream");
	ERR_clear_error();
}

/* Parse "1.2" / "1.3" (or "TLSv1.2") into a version, 0 if unknown. */
static int
tls_version(const char *s)
{
	if (strncmp(s, "TLSv", 4) == 0)
		s += 4;
	if (strcmp(s, "1") == 0 || strcmp(s, "1.0") == 0)
		return TLS1_VERSION;
	if (strcmp(s, "1.1") == 0)
		return TLS1_1_VERSION;
	if (strcmp(s, "1.2") == 0)
		return TLS1_2_VERSION;
	if (strcmp(s, "1.3") == 0)
		return TLS1_3_VERSION;
	return 0;
}

/* "h2,http/1.1" into ALPN's wire form (RFC 7301): -1 if a name is empty or
 * longer than 255 bytes or the whole does not fit. */
static int
tls_alpn_wire(const char *list, unsigned char *out, size_t cap, size_t *len)
{
	size_t n = 0;

	while (*list != '\0') {
		const char *comma = strchr(list, ',');
		size_t l = comma != NULL ? (size_t)(comma - list) : strlen(list);

		if (l == 0 || l > 255 || n + 1 + l > cap)
			return -1;
		out[n++] = (unsigned char)l;
		memcpy(out + n, list, l);
		n += l;
		list += l + (comma != NULL);
	}
	*len = n;
	return n > 0 ? 0 : -1;
}

/* Server: pick the first of our ALPN names the client offers. */
static int
tls_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	const unsigned char *ours = arg;

	(void)ssl;
	if (SSL_select_next_proto((unsigned char **)out, outlen, ours + 1,
	    ours[0], in, inlen) == OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_OK;
	return SSL_TLSEXT_ERR_NOACK;
}

/* A fresh self-signed P-256 certificate for localhost / 127.0.0.1. */
static int
tls_self_signed(SSL_CTX *ssl, char *err, size_t errlen)
{
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *nm;
	X509_EXTENSION *ext;
	X509V3_CTX v3;
	unsigned char serial[8];
	int ok = 0;

	if (pk == NULL || x == NULL)
		goto out;
	if (RAND_bytes_ex(NULL, serial, sizeof(serial), 0) != 1)
		goto out;
	serial[0] &= 0x7f;
	{
		BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);

		if (bn == NULL || BN_to_ASN1_INTEGER(bn,
		    X509_get_serialNumber(x)) == NULL) {
			BN_free(bn);
			goto out;
		}
		BN_free(bn);
	}
	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400);
	X509_set_pubkey(x, pk);
	nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_ASC,
	    (const unsigned char *)"sockbench self-signed", -1, -1, 0);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, nm);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
	    "DNS:localhost,IP:127.0.0.1,IP:::1");
	if (ext == NULL)
		goto out;
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (X509_sign(x, pk, EVP_sha256()) == 0)
		goto out;
	if (SSL_CTX_use_certificate(ssl, x) != 1 ||
	    SSL_CTX_use_PrivateKey(ssl, pk) != 1)
		goto out;
	ok = 1;
out:
	if (!ok) {
		char r[160];

		tls_reason(NULL, r, sizeof(r));
		snprintf(err, errlen, "self-signed certificate: %s", r);
	}
	X509_free(x);
	EVP_PKEY_free(pk);
	return ok ? 0 : -1;
}

/* Client with resume: keep each resumable session the server gives (TLS
 * 1.3 sends its tickets after the handshake), up to TLS_MAX_SESSIONS. */
static int
tls_new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
	struct tls_ctx *c = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));

	if (c == NULL || !c->resume || !SSL_SESSION_is_resumable(sess))
		return 0;
	if (c->nsess == TLS_MAX_SESSIONS) {
		SSL_SESSION_free(c->sess[0]);
		memmove(c->sess, c->sess + 1, (TLS_MAX_SESSIONS - 1) *
		    sizeof(c->sess[0]));
		c->nsess--;
	}
	c->sess[c->nsess++] = sess;
	return 1;		/* the reference is ours */
}

/* Server: ask for a client certificate naming the CAs of o->client_ca,
 * and verify what comes against them (RFC 8446 4.3.2, 4.4.2); 0, or -1
 * with OpenSSL's reason in err. */
static int
tls_ctx_client_ca(struct tls_ctx *c, const struct tls_opts *o, char *err,
    size_t errlen)
{
	STACK_OF(X509_NAME) *names;
	char r[160];

	if (SSL_CTX_load_verify_locations(c->ssl, o->client_ca, NULL) != 1 ||
	    (names = SSL_load_client_CA_file(o->client_ca)) == NULL) {
		tls_reason(NULL, r, sizeof(r));
		snprintf(err, errlen, "--client-ca %s: %s", o->client_ca, r);
		return -1;
	}
	SSL_CTX_set_client_CA_list(c->ssl, names);
	SSL_CTX_set_verify(c->ssl, SSL_VERIFY_PEER | (o->client_cert == 1 ?
	    0 : SSL_VERIFY_FAIL_IF_NO_PEER_CERT), NULL);
	c->client_verify = 1;
	return 0;
}

/* The SHA-256 fingerprint of c's own certificate into c->fpr, if any. */
static void
tls_ctx_set_fingerprint(struct tls_ctx *c)
{
	X509 *own = SSL_CTX_get0_certificate(c->ssl);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	size_t at = 0;

	if (own != NULL && X509_digest(own, EVP_sha256(), md, &n) == 1)
		for (i = 0; i < n && at + 3 < sizeof(c->fpr); i++)
			at += (size_t)snprintf(c->fpr + at, sizeof(c->fpr) -
			    at, "%s%02X", i ? ":" : "", md[i]);
}

int
tls_ctx_new(const struct tls_opts *o, struct tls_ctx **out, char *err,
    size_t errlen)
{
	struct tls_ctx *c = xcalloc(1, sizeof(*c));
	char r[160];

	c->server = o->server;
	c->insecure = !o->server && o->insecure;
	c->sni = o->sni != NULL && o->sni[0] != '\0' ? xstrdup(o->sni) : NULL;
	c->ssl = SSL_CTX_new(o->server ? TLS_server_method() :
	    TLS_client_method());
	if (c->ssl == NULL) {
		tls_reason(NULL, r, sizeof(r));
		snprintf(err, errlen, "TLS: %s", r);
		goto fail;
	}
	SSL_CTX_set_mode(c->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_options(c->ssl, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_max_cert_list(c->ssl, TLS_MAX_CERT_LIST);
	SSL_CTX_set_app_data(c->ssl, c);
	if (o->server) {
		/* Sessions resume (tickets, and TLS 1.2 session ids in a
		 * cache of bounded size), also when client certificates are
		 * verified (which needs a session id context). */
		SSL_CTX_set_session_id_context(c->ssl,
		    (const unsigned char *)"sockbench", 9);
		SSL_CTX_sess_set_cache_size(c->ssl, 1024);
	} else if (o->resume) {
		c->resume = 1;
		SSL_CTX_set_session_cache_mode(c->ssl, SSL_SESS_CACHE_CLIENT |
		    SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(c->ssl, tls_new_session_cb);
	}
	if (o->min != NULL && (tls_version(o->min) == 0 ||
	    SSL_CTX_set_min_proto_version(c->ssl, tls_version(o->min)) != 1)) {
		snprintf(err, errlen, "--tls-min %s: not a TLS version (1.2, "
		    "1.3)", o->min);
		goto fail;
	}
	if (o->max != NULL && (tls_version(o->max) == 0 ||
	    SSL_CTX_set_max_proto_version(c->ssl, tls_version(o->max)) != 1)) {
		snprintf(err, errlen, "--tls-max %s: not a TLS version (1.2, "
		    "1.3)", o->max);
		goto fail;
	}
	if (o->alpn != NULL) {
		unsigned char *w = c->alpn;
		size_t wl;

		if (tls_alpn_wire(o->alpn, w + 1, 255, &wl) < 0) {
			snprintf(err, errlen, "--alpn %s: a comma-separated "
			    "list of names of 1-255 bytes", o->alpn);
			goto fail;
		}
		if (o->server) {
			w[0] = (unsigned char)wl;
			SSL_CTX_set_alpn_select_cb(c->ssl, tls_alpn_select, w);
		} else
			SSL_CTX_set_alpn_protos(c->ssl, w + 1, (unsigned)wl);
	}
	if ((o->cert != NULL) != (o->key != NULL)) {
		snprintf(err, errlen, "--cert and --key go together");
		goto fail;
	}
	if (o->cert != NULL) {
		if (SSL_CTX_use_certificate_chain_file(c->ssl, o->cert) != 1) {
			tls_reason(NULL, r, sizeof(r));
			snprintf(err, errlen, "--cert %s: %s", o->cert, r);
			goto fail;
		}
		if (SSL_CTX_use_PrivateKey_file(c->ssl, o->key,
		    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(c->ssl)
		    != 1) {
			/* The key's bytes never reach a message or a log. */
			tls_reason(NULL, r, sizeof(r));
			snprintf(err, errlen, "--key %s: %s", o->key, r);
			goto fail;
		}
	} else if (o->server && tls_self_signed(c->ssl, err, errlen) < 0)
		goto fail;
	if (o->server && o->client_ca != NULL &&
	    tls_ctx_client_ca(c, o, err, errlen) < 0)
		goto fail;
	if (!o->server) {
		if (c->insecure)
			SSL_CTX_set_verify(c->ssl, SSL_VERIFY_NONE, NULL);
		else {
			SSL_CTX_set_verify(c->ssl, SSL_VERIFY_PEER, NULL);
			if ((o->ca_file != NULL ? SSL_CTX_load_verify_locations(
			    c->ssl, o->ca_file, NULL) :
			    SSL_CTX_set_default_verify_paths(c->ssl)) != 1) {
				tls_reason(NULL, r, sizeof(r));
				snprintf(err, errlen, "--ca-file %s: %s",
				    o->ca_file != NULL ? o->ca_file :
				    "(system store)", r);
				goto fail;
			}
		}
	}
	tls_ctx_set_fingerprint(c);
	ERR_clear_error();
	*out = c;
	return 0;
fail:
	ERR_clear_error();
	tls_ctx_free(c);
	return -1;
}

void
tls_ctx_free(struct tls_ctx *c)
{
	if (c == NULL)
		return;
	if (c->ssl != NULL)
		SSL_CTX_set_app_data(c->ssl, NULL);	/* outliving SSLs */
	SSL_CTX_free(c->ssl);
	while (c->nsess > 0)
		SSL_SESSION_free(c->sess[--c->nsess]);
	free(c->sni);
	free(c);
}

const char *
tls_ctx_fingerprint(const struct tls_ctx *c)
{
	return c->fpr;
}

int
tls_ctx_write_cert(const struct tls_ctx *c, const char *path)
{
	X509 *own = SSL_CTX_get0_certificate(c->ssl);
	FILE *f;
	int ok;

	if (own == NULL) {
		errno = ENOENT;
		return -1;
	}
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	ok = PEM_write_X509(f, own) == 1;
	if (fclose(f) != 0 || !ok) {
		if (ok || errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

int
tls_ctx_trust(struct tls_ctx *client, const struct tls_ctx *server)
{
	X509 *own = SSL_CTX_get0_certificate(server->ssl);

	if (own == NULL || X509_STORE_add_cert(SSL_CTX_get_cert_store(
	    client->ssl), own) != 1) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

int
tls_ctx_insecure(const struct tls_ctx *c)
{
	return c->insecure;
}

int
tls_ctx_resume(const struct tls_ctx *c)
{
	return c->resume;
}

/* Map an SSL call's failure r onto read(2)'s contract. */
static ssize_t
tls_fail(struct transport *t, struct tls_conn *tc, int r)
{
	int e = SSL_get_error(tc->ssl, r);

	switch (e) {
	case SSL_ERROR_WANT_READ:
		t->want = TRANSPORT_WANT_READ;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_WANT_WRITE:
		t->want = TRANSPORT_WANT_WRITE;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:	/* close_notify: a clean EOF */
		return 0;
	case SSL_ERROR_SYSCALL:
		tc->fatal = 1;
		if (ERR_peek_error() == 0 && errno != 0) {
			ERR_clear_error();
			return -1;	/* errno says it: ECONNRESET... */
		}
		break;
	default:
		tc->fatal = 1;
		break;
	}
	tls_reason(tc->ssl, tc->err, sizeof(tc->err));
	t->err = tc->err;
	errno = EPROTO;
	return -1;
}

static void tls_note(struct tls_conn *tc);

/* A handshake SSL_read or SSL_write finished implicitly (after a
 * starttls step): record it once. */
static void
tls_check_done(struct tls_conn *tc)
{
	if (!tc->hs_done && SSL_is_init_finished(tc->ssl)) {
		tc->hs_done = 1;
		tls_note(tc);
	}
}

/* A handshake starting on a connection whose handshake is done is a
 * renegotiation (TLS 1.2 and older; in TLS 1.3 the same callback announces
 * tickets and key updates, which are no handshake). */
static void
tls_info_cb(const SSL *ssl, int where, int ret)
{
	struct tls_conn *tc = SSL_get_app_data(ssl);

	(void)ret;
	if ((where & SSL_CB_HANDSHAKE_START) && tc != NULL && tc->hs_done &&
	    SSL_version(ssl) < TLS1_3_VERSION)
		tc->reneg = 1;
}

/* The peer asked to renegotiate: OpenSSL refused it (no_renegotiation,
 * SSL_OP_NO_RENEGOTIATION), and the connection ends here with the reason
 * rather than going on beside a peer that wanted another handshake. */
static ssize_t
tls_reneg_fail(struct transport *t, struct tls_conn *tc)
{
	tc->fatal = 1;
	snprintf(tc->err, sizeof(tc->err), "%s", "renegotiation attempted by "
	    "the peer: refused");
	t->err = tc->err;
	errno = EPROTO;
	return -1;
}

static ssize_t
transport_tls_read(struct transport *t, void *p, size_t n)
{
	struct tls_conn *tc = t->priv;
	int r;

	if (n > INT32_MAX)
		n = INT32_MAX;
	ERR_clear_error();
	errno = 0;		/* SSL_ERROR_SYSCALL reads it */
	r = SSL_read(tc->ssl, p, (int)n);
	tls_check_done(tc);
	if (tc->reneg)
		return tls_reneg_fail(t, tc);
	if (r > 0)
		return r;
	return tls_fail(t, tc, r);
}

/* A write found the connection reset: the peer may have said why first
 * (a TLS 1.3 server refusing our certificate sends its alert after our
 * handshake ended). Read what is left: 0 with EPROTO and the alert as the
 * reason, or -1 when there was none. */
static int
tls_alert_pending(struct transport *t, struct tls_conn *tc)
{
	unsigned char tmp[256];
	int r, e;

	ERR_clear_error();
	errno = 0;
	r = SSL_read(tc->ssl, tmp, sizeof(tmp));
	e = r <= 0 ? SSL_get_error(tc->ssl, r) : SSL_ERROR_NONE;
	if (e != SSL_ERROR_SSL) {
		ERR_clear_error();
		errno = ECONNRESET;
		return -1;
	}
	tc->fatal = 1;
	tls_reason(tc->ssl, tc->err, sizeof(tc->err));
	t->err = tc->err;
	errno = EPROTO;
	return 0;
}

static ssize_t
transport_tls_write(struct transport *t, const void *p, size_t n)
{
	struct tls_conn *tc = t->priv;
	int r;

	if (n == 0)
		return 0;
	if (n > INT32_MAX)
		n = INT32_MAX;
	ERR_clear_error();
	errno = 0;		/* SSL_ERROR_SYSCALL reads it */
	r = SSL_write(tc->ssl, p, (int)n);
	tls_check_done(tc);
	if (r > 0)
		return r;
	if (SSL_get_error(tc->ssl, r) == SSL_ERROR_SYSCALL &&
	    (errno == ECONNRESET || errno == EPIPE) &&
	    tls_alert_pending(t, tc) == 0)
		return -1;	/* the peer's alert says why it left */
	r = (int)tls_fail(t, tc, r);
	if (r == 0) {		/* the peer closed: writing is an error */
		errno = EPIPE;
		return -1;
	}
	return r;
}

/* SSL has no writev: write the pieces in turn, stopping at the first
 * short write (the caller queues the rest). */
static ssize_t
transport_tls_writev(struct transport *t, const struct iovec *iov,
    int iovcnt)
{
	ssize_t total = 0;
	int i;

	for (i = 0; i < iovcnt; i++) {
		ssize_t w;

		if (iov[i].iov_len == 0)
			continue;
		w = transport_tls_write(t, iov[i].iov_base, iov[i].iov_len);
		if (w < 0)
			return total > 0 ? total : -1;
		total += w;
		if ((size_t)w < iov[i].iov_len)
			break;
	}
	return total;
}

/* One line of a certificate name, RFC 2253 order. */
static void
tls_name(X509_NAME *nm, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	buf[0] = '\0';
	if (b == NULL)
		return;
	X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	n = BIO_get_mem_data(b, &p);
	if (n > 0) {
		size_t end;

		snprintf(buf, len, "%.*s", (int)n, p);
		/* Cut at a whole UTF-8 character when it did not fit. */
		end = strlen(buf);
		if ((size_t)n > end) {
			size_t k = end;

			while (k > 0 && ((unsigned char)buf[k - 1] & 0xc0) ==
			    0x80)
				k--;
			if (k > 0 && (unsigned char)buf[k - 1] >= 0xc0)
				buf[k - 1] = '\0';
		}
	}
	BIO_free(b);
}

/* The handshake finished: record what was negotiated. */
static void
tls_note(struct tls_conn *tc)
{
	struct tls_info *in = tc->info;
	const unsigned char *alpn = NULL;
	unsigned alen = 0;
	X509 *peer;

	if (in == NULL)
		return;
	in->done = 1;
	in->insecure = tc->ctx->insecure;
	in->handshake_s = clock_now_mono() - tc->t0;
	in->handshake_us = in->handshake_s > 0 ?
	    (uint64_t)(in->handshake_s * 1e6 + 0.5) : 0;
	in->resumed = SSL_session_reused(tc->ssl) == 1;
	snprintf(in->version, sizeof(in->version), "%s",
	    SSL_get_version(tc->ssl));
	snprintf(in->cipher, sizeof(in->cipher), "%s",
	    SSL_get_cipher_name(tc->ssl));
	SSL_get0_alpn_selected(tc->ssl, &alpn, &alen);
	snprintf(in->alpn, sizeof(in->alpn), "%.*s", (int)alen,
	    alpn != NULL ? (const char *)alpn : "");
	in->verified = !tc->ctx->server ? !tc->ctx->insecure &&
	    SSL_get_verify_result(tc->ssl) == X509_V_OK :
	    tc->ctx->client_verify && SSL_get0_peer_certificate(tc->ssl) !=
	    NULL && SSL_get_verify_result(tc->ssl) == X509_V_OK;
	if ((peer = SSL_get1_peer_certificate(tc->ssl)) != NULL) {
		const ASN1_TIME *na = X509_get0_notAfter(peer);
		struct tm tm;

		tls_name(X509_get_subject_name(peer), in->subject,
		    sizeof(in->subject));
		tls_name(X509_get_issuer_name(peer), in->issuer,
		    sizeof(in->issuer));
		if (ASN1_TIME_to_tm(na, &tm) == 1)
			strftime(in->not_after, sizeof(in->not_after),
			    "%Y-%m-%d %H:%M:%S UTC", &tm);
		X509_free(peer);
	}
}

/* Client: finish the TCP connect, then the handshake. Server: the accept
 * handshake. */
static int
transport_tls_connect_done(struct transport *t)
{
	struct tls_conn *tc = t->priv;
	int r;

	if (!tc->tcp_done) {
		if (sock_connect_result(t->fd) < 0)
			return -1;
		tc->tcp_done = 1;
		tc->t0 = clock_now_mono();
	}
	if (tc->hs_done)
		return 0;
	ERR_clear_error();
	errno = 0;		/* SSL_ERROR_SYSCALL reads it */
	r = SSL_do_handshake(tc->ssl);
	if (r == 1) {
		tc->hs_done = 1;
		t->want = TRANSPORT_WANT_NONE;
		tls_note(tc);
		return 0;
	}
	if (tls_fail(t, tc, r) == 0) {
		/* close_notify or EOF in the middle of a handshake */
		tc->fatal = 1;
		snprintf(tc->err, sizeof(tc->err), "%s",
		    "the peer closed during the TLS handshake");
		t->err = tc->err;
		errno = EPROTO;
	} else if (errno != EAGAIN && errno != EPROTO) {
		/* A socket error: keep errno, but name the stage. */
		int e = errno;

		snprintf(tc->err, sizeof(tc->err), "TLS handshake: %s",
		    e == ECONNRESET ? "connection reset by peer" :
		    e == 0 ? "the peer closed" : strerror(e));
		t->err = tc->err;
		errno = EPROTO;
	}
	return -1;
}

/* close_notify (RFC 8446, 6.1), then FIN. */
static int
transport_tls_shutdown(struct transport *t)
{
	struct tls_conn *tc = t->priv;

	if (tc->hs_done && !tc->fatal && !tc->shut) {
		ERR_clear_error();
		(void)SSL_shutdown(tc->ssl);
		ERR_clear_error();
		tc->shut = 1;
	}
	return shutdown(t->fd, SHUT_WR);
}

static void
transport_tls_close(struct transport *t)
{
	struct tls_conn *tc = t->priv;

	if (tc != NULL) {
		if (tc->hs_done && !tc->fatal && !tc->shut && t->fd >= 0) {
			/* One best-effort close_notify; never waits. */
			ERR_clear_error();
			(void)SSL_shutdown(tc->ssl);
		}
		ERR_clear_error();
		SSL_free(tc->ssl);
		free(tc);
		t->priv = NULL;
		t->err = NULL;
	}
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

static void
transport_tls_describe(struct transport *t, char *local, size_t locallen,
    char *peer, size_t peerlen)
{
	transport_tcp_ops.describe(t, local, locallen, peer, peerlen);
}

const struct transport_ops transport_tls_ops = {
	.name = "tls",
	.read = transport_tls_read,
	.write = transport_tls_write,
	.writev = transport_tls_writev,
	.connect_done = transport_tls_connect_done,
	.shutdown = transport_tls_shutdown,
	.close = transport_tls_close,
	.describe = transport_tls_describe,
};

/* Whether s is an IPv4 or IPv6 literal (no SNI for those, RFC 6066). */
static int
tls_is_ip(const char *s, unsigned char *bin)
{
	return inet_pton(AF_INET, s, bin) == 1 ||
	    inet_pton(AF_INET6, s, bin) == 1;
}

void
transport_tls_init(struct transport *t, int fd, struct tls_ctx *ctx,
    struct tls_info *info)
{
	struct tls_conn *tc = xcalloc(1, sizeof(*tc));
	unsigned char bin[16];

	assert(ctx != NULL);
	tc->ctx = ctx;
	tc->info = info;
	tc->ssl = SSL_new(ctx->ssl);
	if (tc->ssl == NULL)
		abort();	/* allocation failure, as xcalloc */
	SSL_set_fd(tc->ssl, fd);
	SSL_set_app_data(tc->ssl, tc);
	SSL_set_info_callback(tc->ssl, tls_info_cb);
	if (ctx->server) {
		SSL_set_accept_state(tc->ssl);
		tc->tcp_done = 1;
		tc->t0 = clock_now_mono();
	} else {
		SSL_set_connect_state(tc->ssl);
		if (ctx->sni != NULL) {
			if (!tls_is_ip(ctx->sni, bin))
				SSL_set_tlsext_host_name(tc->ssl, ctx->sni);
			if (!ctx->insecure)
				SSL_set1_host(tc->ssl, ctx->sni);
		}
		if (ctx->resume && ctx->nsess > 0) {
			/* The newest ticket: a TLS 1.3 one is used once (RFC
			 * 8446 C.4); a TLS 1.2 session is offered again. */
			SSL_SESSION *s = ctx->sess[ctx->nsess - 1];

			SSL_set_session(tc->ssl, s);	/* its own ref */
			if (SSL_SESSION_get_protocol_version(s) >=
			    TLS1_3_VERSION) {
				ctx->nsess--;
				SSL_SESSION_free(s);
			}
		}
	}
	t->ops = &transport_tls_ops;
	t->fd = fd;
	t->want = TRANSPORT_WANT_NONE;
	t->priv = tc;
	t->err = NULL;
}

int
transport_tls_handshaking(const struct transport *t)
{
	const struct tls_conn *tc = t->priv;

	return t->ops == &transport_tls_ops && tc != NULL && tc->tcp_done &&
	    !tc->hs_done;
}

size_t
transport_tls_pending(const struct transport *t)
{
	const struct tls_conn *tc = t->priv;
	int n;

	if (t->ops != &transport_tls_ops || tc == NULL)
		return 0;
	n = SSL_pending(tc->ssl);
	return n > 0 ? (size_t)n : 0;
}

int
transport_tls_info(const struct transport *t, struct tls_info *out)
{
	const struct tls_conn *tc = t->priv;

	if (t->ops != &transport_tls_ops || tc == NULL || !tc->hs_done ||
	    tc->info == NULL || !tc->info->done)
		return -1;
	*out = *tc->info;
	return 0;
}

void
tls_info_text(const struct tls_info *ti, char *buf, size_t len)
{
	if (!ti->done) {
		snprintf(buf, len, "handshake not completed");
		return;
	}
	snprintf(buf, len, "%s %s%s%s, %s handshake %llu us, peer %s, issuer "
	    "%s, expires %s%s", ti->version, ti->cipher,
	    ti->alpn[0] ? ", alpn " : "", ti->alpn,
	    ti->resumed ? "resumed" : "full",
	    (unsigned long long)ti->handshake_us,
	    ti->subject[0] ? ti->subject : "(no certificate)",
	    ti->issuer[0] ? ti->issuer : "-",
	    ti->not_after[0] ? ti->not_after : "-",
	    ti->insecure ? ", INSECURE (not verified)" :
	    ti->verified ? ", verified" : "");
}
