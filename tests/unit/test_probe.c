/* Unit tests for the probe: every matcher on canned replies (and on every
 * truncated prefix of them), the payloads, the verdict from evidence, the
 * starter scenarios, and probe_detect against embedded servers run in a
 * child process. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "codec.h"
#include "conn.h"
#include "engine.h"
#include "probe.h"
#include "scenario.h"
#include "server.h"
#include "service.h"
#include "util.h"

#define S(x)	(const unsigned char *)(x), sizeof(x) - 1

/* Match a reply to probe and check protocol and confidence. */
static struct probe_match
match(const char *probe, const unsigned char *sent, size_t sent_len,
    const unsigned char *recv, size_t recv_len, const char *protocol,
    enum probe_conf conf)
{
	struct probe_match m;
	size_t i;

	/* Every truncated prefix must be safe to look at. */
	for (i = 0; i < recv_len; i++)
		probe_match_reply(probe, sent, sent_len, recv, i, 0, &m);
	probe_match_reply(probe, sent, sent_len, recv, recv_len, 0, &m);
	if (protocol != NULL)
		assert_string_equal(m.protocol, protocol);
	assert_int_equal(m.conf, conf);
	return m;
}

static void
test_ssh_banner_names_openssh_and_version(void **state)
{
	struct probe_match m;

	(void)state;
	m = match("banner", NULL, 0,
	    S("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"), "ssh",
	    PROBE_CERTAIN);
	assert_string_equal(m.product, "OpenSSH");
	assert_string_equal(m.version, "9.2p1");
	assert_string_equal(m.codec, "line");
}

static void
test_220_with_esmtp_is_smtp_else_ftp(void **state)
{
	struct probe_match m;

	(void)state;
	m = match("banner", NULL, 0, S("220 mx.example.test ESMTP Postfix "
	    "(Debian/GNU)\r\n"), "smtp", PROBE_CERTAIN);
	assert_string_equal(m.product, "Postfix");
	m = match("banner", NULL, 0, S("220 (vsFTPd 3.0.3)\r\n"), "ftp",
	    PROBE_CERTAIN);
	assert_string_equal(m.product, "vsFTPd");
	assert_string_equal(m.version, "3.0.3");
	match("banner", NULL, 0, S("220 ProFTPD Server (Debian)\r\n"), "ftp",
	    PROBE_CERTAIN);
	match("banner", NULL, 0, S("220 welcome\r\n"), "ftp", PROBE_LIKELY);
}

static void
test_pop3_and_imap_greetings(void **state)
{
	struct probe_match m;

	(void)state;
	m = match("banner", NULL, 0, S("+OK Dovecot ready.\r\n"), "pop3",
	    PROBE_CERTAIN);
	assert_string_equal(m.product, "Dovecot");
	m = match("banner", NULL, 0, S("* OK [CAPABILITY IMAP4rev1] Dovecot "
	    "(Debian) ready.\r\n"), "imap", PROBE_CERTAIN);
	assert_string_equal(m.product, "Dovecot");
	/* "+OK" to a request is no POP3 greeting (Redis says +OK too). */
	match("redis", S("x"), S("+OK\r\n"), "text", PROBE_POSSIBLE);
}

static void
test_http_server_header_gives_product_and_version(void **state)
{
	struct probe_match m;

	(void)state;
	m = match("http", S("GET / HTTP/1.1\r\n\r\n"), S("HTTP/1.1 200 OK\r\n"
	    "Date: x\r\nServer: nginx/1.22.1\r\nContent-Length: 0\r\n\r\n"),
	    "http", PROBE_CERTAIN);
	assert_string_equal(m.product, "nginx");
	assert_string_equal(m.version, "1.22.1");
	assert_string_equal(m.codec, "http");
	m = match("http", S("GET"), S("HTTP/1.0 404 Not Found\r\nserver: "
	    "SimpleHTTP/0.6 Python/3.11.2\r\n\r\n"), "http", PROBE_CERTAIN);
	assert_string_equal(m.product, "SimpleHTTP");
	assert_string_equal(m.version, "0.6");
	m = match("http", S("GET"), S("HTTP/1.1 400 Bad Request\r\n\r\n"),
	    "http", PROBE_CERTAIN);
	assert_string_equal(m.product, "");
}

static void
test_redis_pong_and_info_version(void **state)
{
	struct probe_match m;

	(void)state;
	m = match("redis", S("PING"), S("+PONG\r\n$40\r\n# Server\r\n"
	    "redis_version:7.0.15\r\nx:y\r\n\r\n"), "redis", PROBE_CERTAIN);
	assert_string_equal(m.product, "Redis");
	assert_string_equal(m.version, "7.0.15");
	assert_string_equal(m.codec, "resp");
	match("redis", S("PING"), S("-NOAUTH Authentication required.\r\n"),
	    "redis", PROBE_CERTAIN);
	/* Redis answers PING: its wording alone is only a guess. */
	match("memcached", S("version\r\n"), S("-ERR unknown command "
	    "'version'\r\n"), "redis", PROBE_POSSIBLE);
}

static void
test_memcached_version(void **state)
{
	struct probe_match m;

	(void)state;
	m = match("memcached", S("version\r\n"), S("VERSION 1.6.18\r\n"),
	    "memcached", PROBE_CERTAIN);
	assert_string_equal(m.version, "1.6.18");
}

static void
test_seed_app_reply_is_app(void **state)
{
	struct buf b;
	char err[160];
	struct probe_match m;
	const char *body = "{\"result\": \"Follow the white rabbit. "
	    "\xf0\x9f\x90\xb0\"}";

	(void)state;
	buf_init(&b);
	assert_int_equal(codec_jsonhdr.encode((const unsigned char *)body,
	    strlen(body), NULL, &b, err, sizeof(err)), 0);
	m = match("app", S("req"), buf_data(&b), buf_len(&b), "app",
	    PROBE_CERTAIN);
	assert_string_equal(m.codec, "jsonhdr");
	assert_string_equal(m.product, "seed 000 app server");
	buf_free(&b);
}

/* A ServerHello that negotiates TLS 1.3 through supported_versions. */
static const unsigned char server_hello[] = {
	0x16, 0x03, 0x03, 0x00, 0x3a,
	0x02, 0x00, 0x00, 0x36, 0x03, 0x03,
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
	0x00,			/* session id */
	0x13, 0x01,		/* TLS_AES_128_GCM_SHA256 */
	0x00,			/* compression */
	0x00, 0x0e,
	0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,
	0x00, 0x33, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x00,
};

static void
test_tls_server_hello_and_alert(void **state)
{
	struct probe_match m;

	(void)state;
	m = match("tls", S("hello"), server_hello, sizeof(server_hello), "tls",
	    PROBE_CERTAIN);
	assert_string_equal(m.version, "1.3");
	assert_non_null(strstr(m.detail, "0x1301"));
	m = match("tls", S("hello"), S("\x15\x03\x03\x00\x02\x02\x28"), "tls",
	    PROBE_CERTAIN);
	assert_non_null(strstr(m.detail, "handshake_failure"));
}

static void
test_echoed_client_hello_is_echo_not_tls(void **state)
{
	unsigned char hello[PROBE_MAX_SENT];
	int n = probe_payload("tls", "127.0.0.1", hello, sizeof(hello));

	(void)state;
	assert_true(n > 0);
	/* One probe alone is only a possible echo; the verdict needs more. */
	match("tls", hello, (size_t)n, hello, (size_t)n, "echo",
	    PROBE_POSSIBLE);
}

static void
test_echo_matcher_names_seed_decorations(void **state)
{
	struct probe_match m;
	const char *tok = "sockbench probe 7d1c\n";
	char prefixed[128];
	unsigned char app[PROBE_MAX_SENT];
	int n = probe_payload("app", "h", app, sizeof(app));

	(void)state;
	m = match("echo", (const unsigned char *)tok, strlen(tok),
	    (const unsigned char *)tok, strlen(tok), "echo", PROBE_POSSIBLE);
	assert_string_equal(m.product, "");
	snprintf(prefixed, sizeof(prefixed), "%s%s", "\xe6\x9c\x8d\xe5\x8a\xa1"
	    "\xe7\xab\xaf\xe6\x94\xb6\xe5\x88\xb0, \xe4\xbd\xa0\xe5\x8f\x91\xe7"
	    "\x9a\x84\xe6\xb6\x88\xe6\x81\xaf\xe6\x98\xaf: ", tok);
	m = match("echo", (const unsigned char *)tok, strlen(tok),
	    (const unsigned char *)prefixed, strlen(prefixed), "echo",
	    PROBE_POSSIBLE);
	assert_non_null(strstr(m.product, "prefix"));
	m = match("echo", S("abc"), S("abc~"), "echo", PROBE_POSSIBLE);
	assert_non_null(strstr(m.product, "~ suffix"));
	/* An echoed app request is our own jsonhdr message, not the server
	 * speaking jsonhdr. */
	match("app", app, (size_t)n, app, (size_t)n, "echo", PROBE_POSSIBLE);
	/* More than PROBE_ECHO_DECOR bytes around the payload: no echo. */
	memset(app, 'x', 70);
	memcpy(app + 70, "abc", 3);
	match("line", S("abc"), app, 73, NULL, PROBE_NONE);
	/* "data from server" alone says nothing: one reply, one probe. */
	match("line", S("HELP\r\n"), S("data from server"), NULL, PROBE_NONE);
}

static void
test_file_server_and_weak_matches(void **state)
{
	(void)state;
	match("line", S("HELP\r\n"), S("0001no such file: 'HELP'"), "file",
	    PROBE_LIKELY);
	match("line", S("HELP\r\n"), S("\x00\x03" "abc"), "len16",
	    PROBE_POSSIBLE);
	match("line", S("HELP\r\n"), S("\x00\x00\x00\x02" "ab"), "len32",
	    PROBE_POSSIBLE);
	match("banner", NULL, 0, S("hello there\r\n"), "text", PROBE_POSSIBLE);
	match("line", S("HELP\r\n"), S("\x01\x02\x03"), NULL, PROBE_NONE);
	match("banner", NULL, 0, S(""), NULL, PROBE_NONE);
}

static void
test_payloads(void **state)
{
	unsigned char p[PROBE_MAX_SENT];
	struct codec_frame f;
	char err[160];
	int n, m;
	const char *name;
	size_t i;

	(void)state;
	for (i = 0; (name = probe_name(i)) != NULL; i++)
		assert_true(probe_payload(name, "localhost", p, sizeof(p)) >= 0);
	assert_int_equal(i, 31);
	assert_int_equal(probe_payload("nosuch", "h", p, sizeof(p)), -1);
	assert_int_equal(probe_payload("banner", "h", p, sizeof(p)), 0);
	/* The ClientHello's three lengths agree with its size. */
	n = probe_payload("tls", "127.0.0.1", p, sizeof(p));
	assert_int_equal(p[0], 0x16);
	assert_int_equal((p[3] << 8 | p[4]), n - 5);
	assert_int_equal((p[6] << 16 | p[7] << 8 | p[8]), n - 9);
	/* A host name adds SNI; an address does not. */
	m = probe_payload("tls", "example.test", p, sizeof(p));
	assert_int_equal(m, n + 4 + 5 + 12);
	assert_non_null(memmem(p, (size_t)m, "example.test", 12));
	/* The app probe is one whole jsonhdr message. */
	n = probe_payload("app", "h", p, sizeof(p));
	assert_int_equal(codec_jsonhdr.decode(p, (size_t)n, 4096, &f, err,
	    sizeof(err)), n);
}

/* Make a result with one evidence entry per call of add. */
static struct probe_evidence *
add(struct probe_result *r, const char *name, int connected)
{
	struct probe_evidence *e = &r->ev[r->nev++];

	e->probe = name;
	e->ran = 1;
	e->connected = connected;
	return e;
}

static void
test_verdict_statuses(void **state)
{
	struct probe_result *r = xcalloc(1, sizeof(*r));
	struct probe_evidence *e;

	(void)state;
	add(r, "banner", 1);
	add(r, "echo", 1)->sent_len = 3;
	probe_verdict(r);
	assert_int_equal(r->status, PROBE_SILENT);
	assert_int_equal(probe_exit_status(r), 1);

	memset(r, 0, sizeof(*r));
	add(r, "banner", 1)->reset = 1;
	add(r, "echo", 1)->reset = 1;
	probe_verdict(r);
	assert_int_equal(r->status, PROBE_RESET);

	memset(r, 0, sizeof(*r));
	add(r, "banner", 1)->peer_closed = 1;
	add(r, "echo", 1)->reset = 1;
	probe_verdict(r);
	assert_int_equal(r->status, PROBE_CLOSED);

	memset(r, 0, sizeof(*r));
	e = add(r, "banner", 0);
	snprintf(e->outcome, sizeof(e->outcome), "connect: connection refused");
	probe_verdict(r);
	assert_int_equal(r->status, PROBE_REFUSED);
	assert_int_equal(probe_exit_status(r), 3);

	memset(r, 0, sizeof(*r));
	e = add(r, "banner", 0);
	snprintf(e->outcome, sizeof(e->outcome), "connect timeout after 3.0s");
	probe_verdict(r);
	assert_int_equal(r->status, PROBE_UNREACHABLE);

	/* The same 2 unknown bytes to two one-line requests: too little to
	 * call a fixed reply (a line protocol's error would do the same). */
	memset(r, 0, sizeof(*r));
	add(r, "banner", 1);
	e = add(r, "echo", 1);
	memcpy(e->sent, "a", 1);
	e->sent_len = 1;
	memcpy(e->recv, "\x01\x02", 2);
	e->recv_len = e->recv_total = 2;
	e = add(r, "line", 1);
	memcpy(e->sent, "b", 1);
	e->sent_len = 1;
	memcpy(e->recv, "\x01\x02", 2);
	e->recv_len = e->recv_total = 2;
	probe_verdict(r);
	assert_int_equal(r->status, PROBE_UNIDENTIFIED);
	assert_int_equal(probe_exit_status(r), 1);
	free(r);
}

/* A simulated server: the reply to one request (or one line of it). */
typedef size_t (*sim_fn)(const unsigned char *in, size_t n,
    unsigned char *out, size_t outlen);

/* Fill r with what every probe would get from a server that sends banner
 * on connect (NULL: none), answers each request with fn (each line, if
 * per_line; the rest of a request without a line end gets nothing), and
 * closes after its reply if closes; then decide the verdict. */
static void
simulate(struct probe_result *r, const char *banner, sim_fn fn, int per_line,
    int closes)
{
	const char *name;
	size_t off, end, i;

	memset(r, 0, sizeof(*r));
	r->timeout = 1.5;
	snprintf(r->target, sizeof(r->target), "127.0.0.1:1");
	for (i = 0; (name = probe_name(i)) != NULL; i++) {
		struct probe_evidence *e = add(r, name, 1);

		e->sent_len = (size_t)probe_payload(name, "127.0.0.1", e->sent,
		    sizeof(e->sent));
		if (banner != NULL) {
			memcpy(e->recv, banner, strlen(banner));
			e->recv_len = strlen(banner);
		}
		for (off = 0; fn != NULL && off < e->sent_len; off = end) {
			end = e->sent_len;
			if (per_line) {
				const unsigned char *nl = memchr(e->sent + off,
				    '\n', e->sent_len - off);

				if (nl == NULL)
					break;
				end = (size_t)(nl - e->sent) + 1;
			}
			e->recv_len += fn(e->sent + off, end - off,
			    e->recv + e->recv_len, sizeof(e->recv) -
			    e->recv_len);
		}
		e->recv_total = e->recv_len;
		e->peer_closed = closes && e->recv_len > 0;
		e->no_line_end = e->recv_len > 0 && !e->peer_closed &&
		    e->recv[e->recv_len - 1] != '\n';
		probe_match_reply(e->probe, e->sent, e->sent_len, e->recv,
		    e->recv_len, e->peer_closed, &e->match);
	}
	probe_verdict(r);
}

/* Append s to out; returns its length. */
static size_t
put(unsigned char *out, size_t outlen, const void *s, size_t n)
{
	assert_true(n <= outlen);
	memcpy(out, s, n);
	return n;
}

static size_t
sim_echo(const unsigned char *in, size_t n, unsigned char *out, size_t outlen)
{
	return put(out, outlen, in, n);
}

static size_t
sim_prefix(const unsigned char *in, size_t n, unsigned char *out,
    size_t outlen)
{
	size_t k = put(out, outlen, "you said: ", 10);

	return k + put(out + k, outlen - k, in, n);
}

/* gearmand's text protocol: the unknown command quoted at the line end. */
static size_t
sim_gearmand(const unsigned char *in, size_t n, unsigned char *out,
    size_t outlen)
{
	static const char err[] = "ERR UNKNOWN_COMMAND Unknown+server+command:";
	size_t k = put(out, outlen, err, sizeof(err) - 1);

	return k + put(out + k, outlen - k, in, n);
}

/* A short quoting error: "? <request>". */
static size_t
sim_what(const unsigned char *in, size_t n, unsigned char *out,
    size_t outlen)
{
	size_t k = put(out, outlen, "? ", 2);

	return k + put(out + k, outlen - k, in, n);
}

/* A quote of the whole request but the last byte: "part of a command". */
static size_t
sim_quote_part(const unsigned char *in, size_t n, unsigned char *out,
    size_t outlen)
{
	size_t k = put(out, outlen, "ERR unknown command '", 21);

	k += put(out + k, outlen - k, in, n - 1);
	return k + put(out + k, outlen - k, "'\r\n", 3);
}

static size_t
sim_beanstalkd(const unsigned char *in, size_t n, unsigned char *out,
    size_t outlen)
{
	(void)in;
	(void)n;
	return put(out, outlen, "UNKNOWN_COMMAND\r\n", 17);
}

static size_t
sim_seed_fixed(const unsigned char *in, size_t n, unsigned char *out,
    size_t outlen)
{
	(void)in;
	(void)n;
	return put(out, outlen, "data from server", 16);
}

static size_t
sim_hello(const unsigned char *in, size_t n, unsigned char *out,
    size_t outlen)
{
	(void)in;
	(void)n;
	return put(out, outlen, "hello there", 11);
}

/* The same error to everything: a protocol refusing the probes. */
static size_t
sim_same_error(const unsigned char *in, size_t n, unsigned char *out,
    size_t outlen)
{
	(void)in;
	(void)n;
	return put(out, outlen, "Error: bad request", 18);
}

static size_t
sim_one_byte(const unsigned char *in, size_t n, unsigned char *out,
    size_t outlen)
{
	(void)in;
	(void)n;
	return put(out, outlen, "x", 1);
}

static void
test_echo_needs_agreeing_probes(void **state)
{
	struct probe_result *r = xcalloc(1, sizeof(*r));

	(void)state;
	simulate(r, NULL, sim_echo, 0, 0);
	assert_int_equal(r->status, PROBE_IDENTIFIED);
	assert_string_equal(r->verdict.protocol, "echo");
	assert_int_equal(r->verdict.conf, PROBE_CERTAIN);
	assert_string_equal(r->ev[r->verdict_probe].probe, "echo");
	simulate(r, NULL, sim_prefix, 0, 0);
	assert_string_equal(r->verdict.protocol, "echo");
	assert_int_equal(r->verdict.conf, PROBE_CERTAIN);
	/* An echo server does not speak first. */
	simulate(r, "hi\r\n", sim_echo, 0, 0);
	assert_int_not_equal(r->status, PROBE_IDENTIFIED);
	free(r);
}

static void
test_quoting_servers_are_not_echo(void **state)
{
	struct probe_result *r = xcalloc(1, sizeof(*r));

	(void)state;
	/* gearmand quotes each line: the one-line probes look echoed, the
	 * two-line echo probe does not come back whole. */
	simulate(r, NULL, sim_gearmand, 1, 0);
	/* Its URL-encoded error names gearmand, never echo (issue #17). */
	assert_string_equal(r->verdict.protocol, "gearman");
	assert_int_equal(r->verdict.conf, PROBE_LIKELY);
	assert_non_null(strstr(r->verdict.detail, "Unknown+server+command"));
	/* A server that quotes each request in a short error, seen only
	 * through one-line probes: still no echo, nothing shows it returns
	 * several lines whole. */
	memset(r, 0, sizeof(*r));
	{
		const char *names[] = { "line", "memcached" };
		size_t i;

		for (i = 0; i < 2; i++) {
			struct probe_evidence *e = add(r, names[i], 1);

			e->sent_len = (size_t)probe_payload(names[i], "h",
			    e->sent, sizeof(e->sent));
			e->recv_len = e->recv_total = sim_what(e->sent,
			    e->sent_len, e->recv, sizeof(e->recv));
			probe_match_reply(e->probe, e->sent, e->sent_len,
			    e->recv, e->recv_len, 0, &e->match);
			assert_string_equal(e->match.protocol, "echo");
		}
		probe_verdict(r);
		assert_int_equal(r->status, PROBE_UNIDENTIFIED);
		assert_non_null(strstr(r->summary, "quotes requests"));
	}
	/* Quoting all of a request but its last byte is no echo either. */
	simulate(r, NULL, sim_quote_part, 0, 0);
	if (r->status != PROBE_UNIDENTIFIED)
		probe_print(stderr, r, 0);
	assert_int_equal(r->status, PROBE_UNIDENTIFIED);
	free(r);
}

static void
test_fixed_needs_a_constant_reply_no_line_protocol_explains(void **state)
{
	struct probe_result *r = xcalloc(1, sizeof(*r));

	(void)state;
	simulate(r, NULL, sim_seed_fixed, 0, 0);
	assert_int_equal(r->status, PROBE_IDENTIFIED);
	assert_string_equal(r->verdict.protocol, "echo");
	assert_non_null(strstr(r->verdict.product, "fixed reply"));
	simulate(r, NULL, sim_hello, 0, 0);
	assert_int_equal(r->status, PROBE_IDENTIFIED);
	assert_string_equal(r->verdict.protocol, "fixed");
	assert_int_equal(r->verdict.conf, PROBE_LIKELY);
	/* A banner explains the same bytes on every connection: an
	 * unknown line protocol with a banner, never "fixed"; rsync and
	 * ngIRCd, once claimed "fixed" (issue #17), are identified. */
	simulate(r, "@XYZZYD: 31.0\n", NULL, 0, 0);
	assert_int_equal(r->status, PROBE_UNIDENTIFIED);
	assert_int_equal(probe_exit_status(r), 1);
	assert_non_null(strstr(r->summary, "banner \"@XYZZYD: 31.0\\n\""));
	simulate(r, "@RSYNCD: 31.0\n", NULL, 0, 0);
	assert_string_equal(r->verdict.protocol, "rsync");
	assert_int_equal(r->verdict.conf, PROBE_CERTAIN);
	simulate(r, ":irc.example NOTICE * :*** Looking up your hostname\r\n",
	    NULL, 0, 0);
	assert_string_equal(r->verdict.protocol, "irc");
	assert_int_equal(r->verdict.conf, PROBE_CERTAIN);
	/* One reply per line (beanstalkd): the line counts differ. */
	simulate(r, NULL, sim_beanstalkd, 1, 0);
	assert_int_equal(r->status, PROBE_UNIDENTIFIED);
	assert_non_null(strstr(r->summary, "answers each line"));
	/* One constant reply, then a close (Prosody's stream error). */
	simulate(r, NULL, sim_hello, 0, 1);
	assert_int_equal(r->status, PROBE_UNIDENTIFIED);
	assert_non_null(strstr(r->summary, "closed after it"));
	/* One constant error form is a protocol refusing every probe. */
	simulate(r, NULL, sim_same_error, 0, 0);
	assert_int_equal(r->status, PROBE_UNIDENTIFIED);
	assert_string_not_equal(r->verdict.protocol, "fixed");
	assert_non_null(strstr(r->summary, "reads as an error reply"));
	/* A 1-byte reply never makes a fixed reply. */
	simulate(r, NULL, sim_one_byte, 0, 0);
	assert_int_equal(r->status, PROBE_UNIDENTIFIED);
	assert_non_null(strstr(r->summary, "too short"));
	free(r);
}

static void
test_reply_still_arriving_never_identifies(void **state)
{
	struct probe_result *r = xcalloc(1, sizeof(*r));
	struct probe_evidence *e;

	(void)state;
	/* An SSH banner cut off while it still trickled in. */
	r->timeout = 1.5;
	e = add(r, "banner", 1);
	memcpy(e->recv, "SSH-2.0-Open", 12);
	e->recv_len = e->recv_total = 12;
	e->arriving = 1;
	e->seconds = 10;
	probe_match_reply(e->probe, e->sent, 0, e->recv, e->recv_len, 0,
	    &e->match);
	assert_int_equal(e->match.conf, PROBE_CERTAIN);
	add(r, "echo", 1)->sent_len = 3;
	probe_verdict(r);
	assert_int_equal(r->status, PROBE_UNIDENTIFIED);
	assert_int_equal(r->verdict.conf, PROBE_POSSIBLE);
	assert_non_null(strstr(r->summary, "still arriving"));
	assert_non_null(strstr(r->summary, "longer --timeout"));

	/* A banner's first byte, then quiet: no line end, no verdict, and
	 * the same byte on every connection is no fixed reply. */
	simulate(r, "+", NULL, 0, 0);
	assert_int_equal(r->status, PROBE_UNIDENTIFIED);
	assert_non_null(strstr(r->summary, "no line end"));
	/* "+OK" without its line end is no POP3 greeting yet. */
	simulate(r, "+OK hi", NULL, 0, 0);
	assert_int_equal(r->status, PROBE_UNIDENTIFIED);
	simulate(r, "+OK hi\r\n", NULL, 0, 0);
	assert_int_equal(r->status, PROBE_IDENTIFIED);
	assert_string_equal(r->verdict.protocol, "pop3");
	free(r);
}

static void
test_silent_closed_reset_and_late_banner(void **state)
{
	struct probe_result *r = xcalloc(1, sizeof(*r));
	struct probe_evidence *e;

	(void)state;
	r->timeout = 1.5;
	e = add(r, "banner", 1);
	memcpy(e->recv, "220 late ESMTP\r\n", 16);
	e->recv_len = e->recv_total = 16;
	e->late = 1;
	e->late_after = 2.0;
	probe_match_reply(e->probe, e->sent, 0, e->recv, e->recv_len, 0,
	    &e->match);
	add(r, "echo", 1)->sent_len = 3;
	probe_verdict(r);
	assert_int_equal(r->status, PROBE_LATE);
	assert_string_equal(probe_status_name(r->status), "late");
	assert_int_equal(probe_exit_status(r), 1);
	assert_int_equal(r->verdict.conf, PROBE_NONE);
	assert_non_null(strstr(r->summary, "after 2.00s"));
	assert_non_null(strstr(r->summary, "--timeout 4s"));
	assert_non_null(strstr(r->summary, "looks like smtp"));

	/* Silent: a late watch that saw nothing stays silent. */
	memset(r, 0, sizeof(*r));
	add(r, "banner", 1);
	add(r, "echo", 1)->sent_len = 3;
	probe_verdict(r);
	assert_int_equal(r->status, PROBE_SILENT);
	free(r);
}

static void
test_starter_scenario_escapes_and_parses(void **state)
{
	struct probe_result *r = xcalloc(1, sizeof(*r));
	struct probe_evidence *e;
	struct scenario *sc;
	char *text = NULL, err[1024];
	size_t len = 0;
	FILE *f;
	static const char reply[] = "costs $5 \"now\" \\ ${x}\n";

	(void)state;
	snprintf(r->target, sizeof(r->target), "127.0.0.1:1");
	add(r, "banner", 1);
	e = add(r, "echo", 1);
	e->sent_len = sizeof(reply) - 1;
	memcpy(e->sent, reply, e->sent_len);
	memcpy(e->recv, reply, e->sent_len);
	e->recv_len = e->recv_total = e->sent_len;
	probe_match_reply("echo", e->sent, e->sent_len, e->recv, e->recv_len,
	    0, &e->match);
	/* An echo verdict needs a second probe of several lines. */
	e = add(r, "line", 1);
	e->sent_len = 6;
	memcpy(e->sent, "a\nb\nc\n", 6);
	memcpy(e->recv, e->sent, 6);
	e->recv_len = e->recv_total = 6;
	probe_match_reply("line", e->sent, e->sent_len, e->recv, e->recv_len,
	    0, &e->match);
	probe_verdict(r);
	assert_string_equal(r->verdict.protocol, "echo");
	assert_string_equal(r->ev[r->verdict_probe].probe, "echo");
	f = open_memstream(&text, &len);
	assert_int_equal(probe_write_scenario(f, r, err, sizeof(err)), 0);
	fclose(f);
	sc = scenario_parse("emitted", text, len, err, sizeof(err));
	if (sc == NULL)
		fail_msg("%s\n%s", err, text);
	assert_int_equal(sc->nsteps, 3);
	assert_int_equal(sc->steps[0].kind, STEP_SEND);
	assert_int_equal(sc->steps[1].kind, STEP_EXPECT);
	scenario_free(sc);
	free(text);

	/* Nothing identified: no scenario. */
	memset(r, 0, sizeof(*r));
	add(r, "banner", 1);
	probe_verdict(r);
	f = open_memstream(&text, &len);
	assert_int_equal(probe_write_scenario(f, r, err, sizeof(err)), -1);
	fclose(f);
	free(text);
	free(r);
}

/* Start an embedded service in a child process; returns its pid. */
static pid_t
serve_child(const char *spec, int *port)
{
	static struct service_cfg cfg;
	struct engine *e;
	struct server *s;
	char err[256];
	pid_t pid;

	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(service_cfg_parse(&cfg, spec, err, sizeof(err)), 0);
	e = engine_new(NULL);
	s = server_start(e, "127.0.0.1:0", &cfg, 0, err, sizeof(err));
	assert_non_null(s);
	*port = server_port(s);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		ev_loop_fork(e->loop);
		alarm(20);
		engine_run(e);
		_exit(0);
	}
	server_free(s);
	engine_free(e);
	service_cfg_free(&cfg);
	return pid;
}

/* Stop a child started by serve_child. */
static void
serve_stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Probe an embedded service in process and check the verdict. */
static void
detect(const char *spec, const char *protocol, const char *codec)
{
	struct probe_result *r = xcalloc(1, sizeof(*r));
	struct probe_opts o = { .timeout = 0.5 };
	char target[64];
	int port, rc;
	pid_t pid = serve_child(spec, &port);

	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	rc = probe_detect(target, &o, r);
	serve_stop(pid);
	if (strcmp(r->verdict.protocol, protocol) != 0)
		probe_print(stderr, r, 0);
	assert_int_equal(rc, 0);
	assert_string_equal(r->verdict.protocol, protocol);
	assert_string_equal(r->verdict.codec, codec);
	free(r);
}

static void
test_detect_embedded_services(void **state)
{
	(void)state;
	detect("echo", "echo", "raw");
	detect("echo:suffix=~", "echo", "raw");
	detect("echo:fixed=data from server", "echo", "raw");
	detect("app", "app", "jsonhdr");
	detect("file:root=.", "file", "raw");
}

static void
test_detect_refused_and_bad_target(void **state)
{
	struct probe_result *r = xcalloc(1, sizeof(*r));
	int port;
	char target[64];
	pid_t pid = serve_child("echo", &port);

	(void)state;
	serve_stop(pid);	/* nothing listens there any more */
	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	assert_int_equal(probe_detect(target, NULL, r), 3);
	assert_int_equal(r->status, PROBE_REFUSED);
	assert_false(r->ev[1].ran);
	assert_int_equal(probe_detect("no-port-here", NULL, r), 3);
	assert_int_equal(r->status, PROBE_UNREACHABLE);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssh_banner_names_openssh_and_version),
		cmocka_unit_test(test_220_with_esmtp_is_smtp_else_ftp),
		cmocka_unit_test(test_pop3_and_imap_greetings),
		cmocka_unit_test(test_http_server_header_gives_product_and_version),
		cmocka_unit_test(test_redis_pong_and_info_version),
		cmocka_unit_test(test_memcached_version),
		cmocka_unit_test(test_seed_app_reply_is_app),
		cmocka_unit_test(test_tls_server_hello_and_alert),
		cmocka_unit_test(test_echoed_client_hello_is_echo_not_tls),
		cmocka_unit_test(test_echo_matcher_names_seed_decorations),
		cmocka_unit_test(test_file_server_and_weak_matches),
		cmocka_unit_test(test_payloads),
		cmocka_unit_test(test_verdict_statuses),
		cmocka_unit_test(test_echo_needs_agreeing_probes),
		cmocka_unit_test(test_quoting_servers_are_not_echo),
		cmocka_unit_test(
		    test_fixed_needs_a_constant_reply_no_line_protocol_explains),
		cmocka_unit_test(test_reply_still_arriving_never_identifies),
		cmocka_unit_test(test_silent_closed_reset_and_late_banner),
		cmocka_unit_test(test_starter_scenario_escapes_and_parses),
		cmocka_unit_test(test_detect_embedded_services),
		cmocka_unit_test(test_detect_refused_and_bad_target),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
