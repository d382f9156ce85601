/* Protocol probing: the probe table (payloads), the matcher table (bytes to
 * protocol, product and version), the verdict, and probe_detect, which
 * plays the probes on their own engine. */
#include <ctype.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "clock.h"
#include "codec.h"
#include "conn.h"
#include "engine.h"
#include "pool.h"
#include "probe.h"
#include "probe/probe_int.h"
#include "util.h"

#define PROBE_CONNECT_TIMEOUT	3.0
#define PROBE_WAVE		0.025	/* s between waves of PROBE_PARALLEL
					   probe starts */
#define PROBE_GRACE		0.05	/* s other replies may still land
					   after a certain verdict */
/* Two lines: a server that answers or quotes each line cannot return the
 * whole token in one piece, as an echo does. */
#define PROBE_ECHO_TOKEN	"sockbench probe 7d1c\nsockbench probe e93b\n"
#define PROBE_SEED_PREFIX \
	"\xe6\x9c\x8d\xe5\x8a\xa1\xe7\xab\xaf\xe6\x94\xb6\xe5\x88\xb0, " \
	"\xe4\xbd\xa0\xe5\x8f\x91\xe7\x9a\x84\xe6\xb6\x88\xe6\x81\xaf\xe6" \
	"\x98\xaf: "
#define PROBE_SEED_FIXED	"data from server"
#define PROBE_APP_REQUEST	"{\"action\": \"search\", \"value\": \"morpheus\"}"
#define PROBE_REDIS_REQUEST \
	"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n"

/* One probe: a name, what it sends, and when its reply is complete. */
struct probe_def {
	const char	*name;
	/* Build the payload for host into out; returns its length. */
	size_t		(*build)(const char *host, unsigned char *out,
			    size_t outlen);
	/* 1 if p[0..n) is a whole reply, so the probe need not wait. */
	int		(*complete)(const unsigned char *p, size_t n);
	/* A follow-up: run only after a certain verdict of this protocol,
	 * its payload sent once the server's greeting is whole. */
	const char	*follow;
};

/* Copy a literal payload. */
static size_t
probe_lit(const char *s, size_t len, unsigned char *out, size_t outlen)
{
	if (len > outlen)
		len = outlen;
	memcpy(out, s, len);
	return len;
}

/* The banner probe sends nothing. */
static size_t
probe_build_banner(const char *host, unsigned char *out, size_t outlen)
{
	(void)host;
	(void)out;
	(void)outlen;
	return 0;
}

/* A token an echo server sends back, decorated or not. */
static size_t
probe_build_echo(const char *host, unsigned char *out, size_t outlen)
{
	(void)host;
	return probe_lit(PROBE_ECHO_TOKEN, sizeof(PROBE_ECHO_TOKEN) - 1, out,
	    outlen);
}

/* A line most text protocols answer with help or an error. */
static size_t
probe_build_line(const char *host, unsigned char *out, size_t outlen)
{
	(void)host;
	return probe_lit("HELP\r\n", 6, out, outlen);
}

/* An HTTP/1.1 GET of the root. */
static size_t
probe_build_http(const char *host, unsigned char *out, size_t outlen)
{
	int n = snprintf((char *)out, outlen, "GET / HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: sockbench-probe\r\nAccept: */*\r\n"
	    "Connection: close\r\n\r\n", host);

	return n < 0 ? 0 : (size_t)n < outlen ? (size_t)n : outlen;
}

/* Redis PING then INFO server, as RESP arrays. */
static size_t
probe_build_redis(const char *host, unsigned char *out, size_t outlen)
{
	(void)host;
	return probe_lit(PROBE_REDIS_REQUEST, sizeof(PROBE_REDIS_REQUEST) - 1,
	    out, outlen);
}

/* The memcached text protocol's version command. */
static size_t
probe_build_memcached(const char *host, unsigned char *out, size_t outlen)
{
	(void)host;
	return probe_lit("version\r\n", 9, out, outlen);
}

/* The seed app's search request, framed by the jsonhdr codec. */
static size_t
probe_build_app(const char *host, unsigned char *out, size_t outlen)
{
	struct buf b;
	char err[160];
	size_t n = 0;

	(void)host;
	buf_init(&b);
	if (codec_jsonhdr.encode((const unsigned char *)PROBE_APP_REQUEST,
	    sizeof(PROBE_APP_REQUEST) - 1, NULL, &b, err, sizeof(err)) == 0)
		n = probe_lit((const char *)buf_data(&b), buf_len(&b), out,
		    outlen);
	buf_free(&b);
	return n;
}

/* Append a 16-bit big-endian number. */
static void
probe_put16(struct buf *b, unsigned v)
{
	unsigned char x[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	buf_append(b, x, 2);
}

/* Write a 16- or 24-bit big-endian length at off. */
static void
probe_setlen(struct buf *b, size_t off, size_t bytes, size_t v)
{
	unsigned char *p = buf_data(b) + off;

	if (bytes == 3)
		*p++ = (unsigned char)(v >> 16);
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* A TLS ClientHello offering TLS 1.2 and 1.3, with SNI for a host name. */
static size_t
probe_build_tls(const char *host, unsigned char *out, size_t outlen)
{
	static const unsigned suites[] = { 0x1301, 0x1302, 0x1303, 0xc02b,
	    0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0x009c, 0x009d, 0x002f,
	    0x0035, 0x00ff };
	static const unsigned char tail[] = {
		0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17,
		0x00, 0x18,				/* supported groups */
		0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,	/* point formats */
		0x00, 0x0d, 0x00, 0x12, 0x00, 0x10, 0x04, 0x03, 0x05, 0x03,
		0x06, 0x03, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x04, 0x01,
		0x05, 0x01,				/* signature algs */
		0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03,
							/* supported versions */
		0x00, 0x33, 0x00, 0x02, 0x00, 0x00,	/* no key shares yet:
							   TLS 1.3 retries */
	};
	struct buf b;
	size_t i, hs, ext, n, hl = strlen(host);
	int is_name = 0;

	for (i = 0; i < hl; i++)
		if (isalpha((unsigned char)host[i]))
			is_name = 1;
	if (strchr(host, ':') != NULL)
		is_name = 0;
	buf_init(&b);
	buf_append(&b, "\x16\x03\x01\x00\x00", 5);
	hs = buf_len(&b);
	buf_append(&b, "\x01\x00\x00\x00\x03\x03", 6);
	for (i = 0; i < 32; i++) {
		unsigned char r = (unsigned char)(i * 37 + 11);

		buf_append(&b, &r, 1);
	}
	buf_append(&b, "\x00", 1);		/* no session id */
	probe_put16(&b, sizeof(suites) / sizeof(suites[0]) * 2);
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		probe_put16(&b, suites[i]);
	buf_append(&b, "\x01\x00", 2);		/* null compression */
	ext = buf_len(&b);
	probe_put16(&b, 0);
	if (is_name && hl < 200) {
		probe_put16(&b, 0x0000);
		probe_put16(&b, hl + 5);
		probe_put16(&b, hl + 3);
		buf_append(&b, "\x00", 1);
		probe_put16(&b, hl);
		buf_append(&b, host, hl);
	}
	buf_append(&b, tail, sizeof(tail));
	probe_setlen(&b, ext, 2, buf_len(&b) - ext - 2);
	probe_setlen(&b, hs + 1, 3, buf_len(&b) - hs - 4);
	probe_setlen(&b, 3, 2, buf_len(&b) - 5);
	n = probe_lit((const char *)buf_data(&b), buf_len(&b), out, outlen);
	buf_free(&b);
	return n;
}

/* A 16-bit length-prefixed frame. */
static size_t
probe_build_len16(const char *host, unsigned char *out, size_t outlen)
{
	(void)host;
	return probe_lit("\x00\x09sockbench", 11, out, outlen);
}

/* A 32-bit length-prefixed frame. */
static size_t
probe_build_len32(const char *host, unsigned char *out, size_t outlen)
{
	(void)host;
	return probe_lit("\x00\x00\x00\x09sockbench", 13, out, outlen);
}

/* A banner is whole once a line ends that does not continue ("220-"). */
int
probe_done_banner(const unsigned char *p, size_t n)
{
	size_t start;

	/* A MySQL greeting: one whole packet, protocol 10, no line end. */
	if (n >= 5 && p[3] == 0 && p[4] == 0x0a &&
	    n >= 4 + (p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16))
		return 1;
	if (n == 0 || p[n - 1] != '\n')
		return 0;
	/* One line of exactly 72 characters may be chargen's first (RFC
	 * 864): wait for the next, or for quiet. */
	if (n == 74 && p[72] == '\r')
		return 0;
	for (start = n - 1; start > 0 && p[start - 1] != '\n'; start--)
		;
	return !(n - start > 4 && isdigit(p[start]) && p[start + 3] == '-');
}

/* A whole frame of codec at the start of p[0..n). */
static int
probe_done_frame(const struct codec *codec, const unsigned char *p, size_t n)
{
	struct codec_frame f;
	char err[160];

	return codec->decode(p, n, PROBE_MAX_RECV, &f, err, sizeof(err)) > 0;
}

/* A whole HTTP response head and body. */
static int
probe_done_http(const unsigned char *p, size_t n)
{
	return probe_done_frame(&codec_http, p, n);
}

/* Two whole RESP values (the PING and the INFO answers). */
static int
probe_done_redis(const unsigned char *p, size_t n)
{
	struct codec_frame f;
	char err[160];
	ssize_t a, b;

	if ((a = codec_resp.decode(p, n, PROBE_MAX_RECV, &f, err,
	    sizeof(err))) <= 0)
		return a == CODEC_ERROR;
	b = codec_resp.decode(p + a, n - (size_t)a, PROBE_MAX_RECV, &f, err,
	    sizeof(err));
	return b != CODEC_NEED_MORE;
}

/* A whole jsonhdr message. */
static int
probe_done_app(const unsigned char *p, size_t n)
{
	return probe_done_frame(&codec_jsonhdr, p, n);
}

/* A whole TLS record. */
static int
probe_done_tls(const unsigned char *p, size_t n)
{
	return n >= 5 && (p[0] == 0x16 || p[0] == 0x15) &&
	    n >= 5 + (((size_t)p[3] << 8) | p[4]);
}

/* A whole len16 frame (an echo of the len16 probe is one). */
static int
probe_done_len16(const unsigned char *p, size_t n)
{
	return probe_done_frame(&codec_len16, p, n);
}

/* A whole len32 frame. */
static int
probe_done_len32(const unsigned char *p, size_t n)
{
	return probe_done_frame(&codec_len32, p, n);
}

/* The probes in the order they run: the banner alone first, then the rest
 * (in parallel unless serial). */
static const struct probe_def probe_table[] = {
	{ "banner", probe_build_banner, probe_done_banner, NULL },
	{ "echo", probe_build_echo, NULL, NULL },
	{ "redis", probe_build_redis, probe_done_redis, NULL },
	{ "http", probe_build_http, probe_done_http, NULL },
	/* HTTP's companions, early: they refine an http verdict. */
	{ "websocket", probe_build_websocket, probe_done_head, NULL },
	{ "http2", probe_build_http2, probe_done_http2, NULL },
	{ "app", probe_build_app, probe_done_app, NULL },
	{ "memcached", probe_build_memcached, probe_done_banner, NULL },
	{ "tls", probe_build_tls, probe_done_tls, NULL },
	{ "line", probe_build_line, NULL, NULL },
	{ "len16", probe_build_len16, probe_done_len16, NULL },
	{ "len32", probe_build_len32, probe_done_len32, NULL },
	{ "postgres", probe_build_postgres, probe_done_postgres, NULL },
	{ "mqtt", probe_build_mqtt, probe_done_mqtt, NULL },
	{ "amqp", probe_build_amqp, probe_done_amqp, NULL },
	{ "ldap", probe_build_ldap, probe_done_ber, NULL },
	{ "dns", probe_build_dns, probe_done_dns, NULL },
	{ "gearman", probe_build_gearman, probe_done_gearman, NULL },
	{ "stats", probe_build_stats, probe_done_stats, NULL },
	{ "xmpp", probe_build_xmpp, NULL, NULL },
	{ "git", probe_build_git, NULL, NULL },
	{ "stomp", probe_build_stomp, probe_done_stomp, NULL },
	{ "zookeeper", probe_build_zookeeper, NULL, NULL },
	{ "mongodb", probe_build_mongodb, probe_done_mongodb, NULL },
	{ "kafka", probe_build_kafka, probe_done_kafka, NULL },
	{ "rdp", probe_build_rdp, probe_done_tpkt, NULL },
	{ "sip", probe_build_sip, probe_done_head, NULL },
	/* Follow-ups: what a mail or file server offers (STARTTLS). */
	{ "smtp-ehlo", probe_build_smtp_ehlo, NULL, "smtp" },
	{ "imap-capa", probe_build_imap_capa, NULL, "imap" },
	{ "pop3-capa", probe_build_pop3_capa, NULL, "pop3" },
	{ "ftp-feat", probe_build_ftp_feat, NULL, "ftp" },
};
#define PROBE_NDEFS	(sizeof(probe_table) / sizeof(probe_table[0]))

const char *
probe_name(size_t i)
{
	return i < PROBE_NDEFS ? probe_table[i].name : NULL;
}

int
probe_payload(const char *probe, const char *host, unsigned char *out,
    size_t outlen)
{
	size_t i;

	for (i = 0; i < PROBE_NDEFS; i++)
		if (strcmp(probe_table[i].name, probe) == 0)
			return (int)probe_table[i].build(host, out, outlen);
	return -1;
}

/* 1 if recv is sent with at most PROBE_ECHO_DECOR bytes before and after
 * it; *pre and *suf get those lengths. */
static int
probe_echo_split(const unsigned char *sent, size_t sent_len,
    const unsigned char *recv, size_t recv_len, size_t *pre, size_t *suf)
{
	const unsigned char *at;

	if (sent_len == 0 || recv_len < sent_len)
		return 0;
	at = memmem(recv, recv_len, sent, sent_len);
	if (at == NULL)
		return 0;
	*pre = (size_t)(at - recv);
	*suf = recv_len - *pre - sent_len;
	return *pre <= PROBE_ECHO_DECOR && *suf <= PROBE_ECHO_DECOR;
}

/* The reply holds the probe's whole payload, maybe decorated: an echo, if
 * other probes agree (probe_verdict decides); possible on its own, since
 * a server that quotes a one-line request does the same. */
static enum probe_conf
probe_m_echo(const struct probe_obs *o, struct probe_match *m)
{
	size_t pre, suf;
	char a[96], b[96];

	if (!probe_echo_split(o->sent, o->sent_len, o->recv, o->recv_len, &pre,
	    &suf))
		return PROBE_NONE;
	if (pre == 0 && suf == 0)
		return probe_set(m, PROBE_POSSIBLE, "echo", "raw",
		    "the %zu bytes sent came back unchanged", o->sent_len);
	escape_bytes(o->recv, pre, a, sizeof(a), 1);
	escape_bytes(o->recv + pre + o->sent_len, suf, b, sizeof(b), 1);
	probe_set(m, PROBE_POSSIBLE, "echo", "raw", "the %zu bytes sent came "
	    "back with prefix \"%s\" and suffix \"%s\"", o->sent_len, a, b);
	if (pre == sizeof(PROBE_SEED_PREFIX) - 1 && memcmp(o->recv,
	    PROBE_SEED_PREFIX, pre) == 0 && suf == 0)
		snprintf(m->product, sizeof(m->product), "seed 004 blocking "
		    "server (prefix)");
	else if (pre == 0 && suf == 1 && o->recv[o->sent_len] == '~')
		snprintf(m->product, sizeof(m->product), "seed 004 asyncio "
		    "server (~ suffix)");
	return m->conf;
}

/* SSH identification string (RFC 4253): SSH-protoversion-software. */
static enum probe_conf
probe_m_ssh(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *p;
	char line[160];

	if (!probe_starts(o->recv, o->recv_len, "SSH-"))
		return PROBE_NONE;
	probe_first_line(o->recv, o->recv_len, line, sizeof(line));
	probe_set(m, PROBE_CERTAIN, "ssh", "line", "%s", line);
	p = memchr(o->recv + 4, '-', o->recv_len - 4);
	if (p != NULL)
		probe_product(m, p + 1, o->recv_len - (size_t)(p + 1 - o->recv),
		    '_');
	return m->conf;
}

/* A "220" greeting: SMTP if it says so, else most likely FTP. */
static enum probe_conf
probe_m_220(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *p, *name;
	char line[160];
	size_t n = o->recv_len;

	if (!probe_starts(o->recv, n, "220 ") && !probe_starts(o->recv, n,
	    "220-"))
		return PROBE_NONE;
	probe_first_line(o->recv, n, line, sizeof(line));
	if ((p = probe_in_line(o->recv, n, "SMTP")) != NULL) {
		probe_set(m, PROBE_CERTAIN, "smtp", "line", "%s", line);
		/* "220 host ESMTP Postfix (Debian)": the word after ESMTP. */
		name = p + 4;
		while (name < o->recv + n && *name == ' ')
			name++;
		if (name < o->recv + n && isalpha(*name))
			probe_product(m, name, (size_t)(o->recv + n - name),
			    '/');
		return m->conf;
	}
	if ((p = probe_in_line(o->recv, n, "FTP")) != NULL) {
		probe_set(m, PROBE_CERTAIN, "ftp", "line", "%s", line);
		while (p > o->recv && p[-1] != ' ' && p[-1] != '(')
			p--;
		probe_product(m, p, (size_t)(o->recv + n - p), ' ');
		if (m->version[0] == '\0' && (name = probe_in_line(p,
		    (size_t)(o->recv + n - p), " ")) != NULL)
			probe_word(name + 1, (size_t)(o->recv + n - name - 1),
			    " )\r\n", m->version, sizeof(m->version));
		return m->conf;
	}
	return probe_set(m, PROBE_LIKELY, "ftp", "line", "a bare \"220\" "
	    "greeting (FTP, or SMTP that does not say so): %s", line);
}

/* POP3 "+OK" and IMAP "* OK" greetings. */
static enum probe_conf
probe_m_mail(const struct probe_obs *o, struct probe_match *m)
{
	char line[160];
	const unsigned char *p;
	int banner = strcmp(o->probe, "banner") == 0;

	probe_first_line(o->recv, o->recv_len, line, sizeof(line));
	if (probe_starts(o->recv, o->recv_len, "* OK")) {
		probe_set(m, banner ? PROBE_CERTAIN : PROBE_LIKELY, "imap",
		    "line", "%s", line);
		p = probe_in_line(o->recv, o->recv_len, "] ");
		if (p != NULL)
			probe_product(m, p + 2, (size_t)(o->recv + o->recv_len -
			    p - 2), '/');
		return m->conf;
	}
	if (probe_starts(o->recv, o->recv_len, "+OK") && banner) {
		probe_set(m, PROBE_CERTAIN, "pop3", "line", "%s", line);
		if (o->recv_len > 4 && isalpha(o->recv[4]))
			probe_product(m, o->recv + 4, o->recv_len - 4, '/');
		return m->conf;
	}
	return PROBE_NONE;
}

/* An HTTP status line; the Server header names the product. */
static enum probe_conf
probe_m_http(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *p = o->recv, *end = o->recv + o->recv_len;
	char line[160];

	if (!probe_starts(p, o->recv_len, "HTTP/1.") &&
	    !probe_starts(p, o->recv_len, "HTTP/2"))
		return PROBE_NONE;
	probe_first_line(p, o->recv_len, line, sizeof(line));
	probe_set(m, PROBE_CERTAIN, "http", "http", "%s", line);
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		p++;
		if (p < end && (*p == '\r' || *p == '\n'))
			break;
		if (end - p > 7 && strncasecmp((const char *)p, "server:",
		    7) == 0) {
			p += 7;
			while (p < end && *p == ' ')
				p++;
			probe_product(m, p, (size_t)(end - p), '/');
			break;
		}
	}
	return m->conf;
}

/* Redis: +PONG, its typical errors, and redis_version from INFO. */
static enum probe_conf
probe_m_redis(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *v;
	char line[160];

	probe_first_line(o->recv, o->recv_len, line, sizeof(line));
	if (probe_starts(o->recv, o->recv_len, "+PONG\r\n"))
		probe_set(m, PROBE_CERTAIN, "redis", "resp", "%s", line);
	else if (probe_starts(o->recv, o->recv_len, "-NOAUTH") ||
	    probe_starts(o->recv, o->recv_len, "-DENIED") ||
	    probe_starts(o->recv, o->recv_len, "-WRONGPASS"))
		probe_set(m, PROBE_CERTAIN, "redis", "resp", "%s", line);
	else if (probe_starts(o->recv, o->recv_len, "-ERR unknown command"))
		/* Redis answers PING with +PONG: a server that calls every
		 * command unknown only uses its wording. */
		probe_set(m, PROBE_POSSIBLE, "redis", "resp", "%s", line);
	else
		return PROBE_NONE;
	snprintf(m->product, sizeof(m->product), "Redis");
	v = memmem(o->recv, o->recv_len, "redis_version:", 14);
	if (v != NULL)
		probe_word(v + 14, (size_t)(o->recv + o->recv_len - v - 14),
		    "\r\n", m->version, sizeof(m->version));
	if (memmem(o->recv, o->recv_len, "valkey_version:", 15) != NULL)
		snprintf(m->product, sizeof(m->product), "Valkey");
	return m->conf;
}

/* memcached's answer to `version`. */
static enum probe_conf
probe_m_memcached(const struct probe_obs *o, struct probe_match *m)
{
	char line[160];

	if (!probe_starts(o->recv, o->recv_len, "VERSION ") ||
	    strcmp(o->probe, "redis") == 0)
		return PROBE_NONE;
	probe_first_line(o->recv, o->recv_len, line, sizeof(line));
	probe_set(m, PROBE_CERTAIN, "memcached", "line", "%s", line);
	snprintf(m->product, sizeof(m->product), "memcached");
	probe_word(o->recv + 8, o->recv_len - 8, " \r\n", m->version,
	    sizeof(m->version));
	return m->conf;
}

/* The seed application protocol: a jsonhdr message, a "result" answer. */
static enum probe_conf
probe_m_app(const struct probe_obs *o, struct probe_match *m)
{
	struct codec_frame f;
	char err[160], text[120];
	cJSON *j;
	const cJSON *res;
	ssize_t n;

	n = codec_jsonhdr.decode(o->recv, o->recv_len, PROBE_MAX_RECV, &f, err,
	    sizeof(err));
	if (n <= 0)
		return PROBE_NONE;
	j = cJSON_ParseWithLength((const char *)f.body, f.body_len);
	res = cJSON_GetObjectItemCaseSensitive(j, "result");
	if (cJSON_IsString(res)) {
		escape_bytes((const unsigned char *)res->valuestring,
		    strlen(res->valuestring), text, sizeof(text), 1);
		probe_set(m, PROBE_CERTAIN, "app", "jsonhdr", "jsonhdr reply "
		    "{\"result\": \"%s\"}", text);
		snprintf(m->product, sizeof(m->product), "seed 000 app server");
		if (strcmp(res->valuestring, "Follow the white rabbit. "
		    "\xf0\x9f\x90\xb0") != 0)
			snprintf(m->product, sizeof(m->product), "jsonhdr "
			    "application server");
	} else
		probe_set(m, PROBE_LIKELY, "jsonhdr", "jsonhdr", "a jsonhdr "
		    "message of %zd bytes", n);
	cJSON_Delete(j);
	return m->conf;
}

/* Name a TLS alert description. */
static const char *
probe_tls_alert(unsigned d)
{
	switch (d) {
	case 0:		return "close_notify";
	case 10:	return "unexpected_message";
	case 40:	return "handshake_failure";
	case 47:	return "illegal_parameter";
	case 50:	return "decode_error";
	case 70:	return "protocol_version";
	case 71:	return "insufficient_security";
	case 80:	return "internal_error";
	case 109:	return "missing_extension";
	case 112:	return "unrecognized_name";
	default:	return "alert";
	}
}

/* Name a TLS protocol version: "1.3", or "SSL 3.0". */
static void
probe_tls_version(unsigned v, char *out, size_t outlen)
{
	if (v == 0x0300)
		snprintf(out, outlen, "SSL 3.0");
	else if (v >= 0x0301 && v <= 0x0304)
		snprintf(out, outlen, "1.%u", v - 0x0301);
	else
		snprintf(out, outlen, "0x%04x", v);
}

/* A ServerHello (version, cipher, supported_versions) or an alert. */
static enum probe_conf
probe_m_tls(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *p = o->recv;
	/* The fixed "random" of a TLS 1.3 HelloRetryRequest (RFC 8446). */
	static const unsigned char probe_hrr[32] = {
		0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d,
		0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16,
		0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8,
		0x33, 0x9c };
	size_t n = o->recv_len, pos, end;
	unsigned ver, cipher, ev;
	char vers[16];

	if (n < 7 || p[1] != 0x03 || p[2] > 0x04)
		return PROBE_NONE;
	if (p[0] == 0x15 && p[3] == 0 && p[4] == 2) {
		probe_set(m, PROBE_CERTAIN, "tls", "raw", "TLS alert: %s "
		    "(level %u, description %u)", probe_tls_alert(p[6]), p[5],
		    p[6]);
		snprintf(m->product, sizeof(m->product), "TLS");
		return m->conf;
	}
	if (p[0] != 0x16 || p[5] != 0x02 || n < 44)
		return PROBE_NONE;
	ver = ((unsigned)p[9] << 8) | p[10];
	pos = 43 + 1 + p[43];
	if (pos + 5 > n) {
		probe_set(m, PROBE_LIKELY, "tls", "raw", "a truncated "
		    "ServerHello");
		return m->conf;
	}
	cipher = ((unsigned)p[pos] << 8) | p[pos + 1];
	pos += 3;
	end = pos + 2 + (((size_t)p[pos] << 8) | p[pos + 1]);
	if (end > n)
		end = n;
	for (pos += 2; pos + 4 <= end; pos += 4 + ev) {
		unsigned type = ((unsigned)p[pos] << 8) | p[pos + 1];

		ev = ((unsigned)p[pos + 2] << 8) | p[pos + 3];
		if (type == 0x002b && ev == 2 && pos + 6 <= end)
			ver = ((unsigned)p[pos + 4] << 8) | p[pos + 5];
	}
	probe_tls_version(ver, vers, sizeof(vers));
	probe_set(m, PROBE_CERTAIN, "tls", "raw", "%s: TLS %s, cipher suite "
	    "0x%04x", memcmp(p + 11, probe_hrr, 32) == 0 ?
	    "HelloRetryRequest" : "ServerHello", vers, cipher);
	snprintf(m->product, sizeof(m->product), "TLS");
	snprintf(m->version, sizeof(m->version), "%s", vers);
	return m->conf;
}

/* The seed file server (S4): "0001" and an error for what is no file. */
static enum probe_conf
probe_m_file(const struct probe_obs *o, struct probe_match *m)
{
	char line[160];
	size_t i;

	if (probe_starts(o->recv, o->recv_len, "0001") && o->sent_len > 0) {
		probe_first_line(o->recv, o->recv_len, line, sizeof(line));
		probe_set(m, PROBE_LIKELY, "file", "raw", "answered a request "
		    "that names no file with %s", line);
		snprintf(m->product, sizeof(m->product), "seed 003 download "
		    "server");
		return m->conf;
	}
	for (i = 0; i < o->recv_len && isdigit(o->recv[i]); i++)
		;
	if (i > 0 && i == o->recv_len && o->sent_len > 0 && !o->peer_closed)
		return probe_set(m, PROBE_POSSIBLE, "file", "raw", "a bare "
		    "decimal number %.*s (a file size?)", (int)(i < 20 ? i : 20),
		    (const char *)o->recv);
	return PROBE_NONE;
}

/* A reply whose length prefix matches its size: len16 or len32 framing. */
static enum probe_conf
probe_m_framed(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *p = o->recv;
	size_t n = o->recv_len;

	if (n >= 4 && (((size_t)p[0] << 24) | ((size_t)p[1] << 16) |
	    ((size_t)p[2] << 8) | p[3]) == n - 4)
		return probe_set(m, PROBE_POSSIBLE, "len32", "len32", "a 32-bit "
		    "length prefix that matches the %zu bytes after it", n - 4);
	if (n >= 2 && (((size_t)p[0] << 8) | p[1]) == n - 2)
		return probe_set(m, PROBE_POSSIBLE, "len16", "len16", "a 16-bit "
		    "length prefix that matches the %zu bytes after it", n - 2);
	return PROBE_NONE;
}

/* Printable text ending in a newline: some line-based protocol. */
static enum probe_conf
probe_m_text(const struct probe_obs *o, struct probe_match *m)
{
	char line[160];
	size_t i;

	if (o->recv_len == 0 || o->recv[o->recv_len - 1] != '\n')
		return PROBE_NONE;
	for (i = 0; i < o->recv_len; i++)
		if (o->recv[i] < 0x20 && o->recv[i] != '\r' &&
		    o->recv[i] != '\n' && o->recv[i] != '\t')
			return PROBE_NONE;
	probe_first_line(o->recv, o->recv_len, line, sizeof(line));
	return probe_set(m, PROBE_POSSIBLE, "text", "line", "text lines: %s",
	    line);
}

/* The matchers, most specific first. */
static const struct {
	const char	*name;
	enum probe_conf	(*fn)(const struct probe_obs *, struct probe_match *);
} probe_matchers[] = {
	{ "echo", probe_m_echo },
	{ "ssh", probe_m_ssh },
	{ "smtp-ftp", probe_m_220 },
	{ "pop3-imap", probe_m_mail },
	{ "websocket", probe_m_websocket },
	{ "http", probe_m_http },
	{ "redis", probe_m_redis },
	{ "memcached", probe_m_memcached },
	{ "app", probe_m_app },
	{ "tls", probe_m_tls },
	{ "mysql", probe_m_mysql },
	{ "postgresql", probe_m_postgres },
	{ "mqtt", probe_m_mqtt },
	{ "amqp", probe_m_amqp },
	{ "ldap", probe_m_ldap },
	{ "dns", probe_m_dns },
	{ "gearman", probe_m_gearman },
	{ "mongodb", probe_m_mongodb },
	{ "kafka", probe_m_kafka },
	{ "rdp", probe_m_rdp },
	{ "http2", probe_m_http2 },
	{ "rsync", probe_m_rsync },
	{ "nats", probe_m_nats },
	{ "irc", probe_m_irc },
	{ "xmpp", probe_m_xmpp },
	{ "beanstalkd", probe_m_beanstalkd },
	{ "gearman-text", probe_m_gearman_text },
	{ "stomp", probe_m_stomp },
	{ "sip", probe_m_sip },
	{ "zookeeper", probe_m_zookeeper },
	{ "vnc", probe_m_vnc },
	{ "chargen", probe_m_chargen },
	{ "daytime", probe_m_daytime },
	{ "git", probe_m_git },
	{ "file", probe_m_file },
	{ "framed", probe_m_framed },
	{ "text", probe_m_text },
};

enum probe_conf
probe_match_reply(const char *probe, const unsigned char *sent,
    size_t sent_len, const unsigned char *recv, size_t recv_len,
    int peer_closed, struct probe_match *m)
{
	struct probe_obs o = { probe, sent, recv, sent_len, recv_len,
	    peer_closed };
	struct probe_match t;
	size_t i;

	memset(m, 0, sizeof(*m));
	if (recv_len == 0)
		return PROBE_NONE;
	for (i = 0; i < sizeof(probe_matchers) / sizeof(probe_matchers[0]);
	    i++) {
		if (probe_matchers[i].fn(&o, &t) > m->conf) {
			*m = t;
			m->matcher = probe_matchers[i].name;
			/* A reply that is mostly our own payload says
			 * nothing about any other protocol; a short request
			 * quoted in a long sentence ("srvr is not executed
			 * because...") may still be the server's own form. */
			if (m->conf == PROBE_CERTAIN ||
			    (probe_matchers[i].fn == probe_m_echo &&
			    sent_len * 2 >= recv_len))
				break;
		}
	}
	return m->conf;
}

const char *
probe_status_name(enum probe_status s)
{
	switch (s) {
	case PROBE_IDENTIFIED:	return "identified";
	case PROBE_UNIDENTIFIED:return "unidentified";
	case PROBE_SILENT:	return "silent";
	case PROBE_CLOSED:	return "closed";
	case PROBE_RESET:	return "reset";
	case PROBE_LATE:	return "late";
	case PROBE_REFUSED:	return "refused";
	case PROBE_UNREACHABLE:	return "unreachable";
	}
	return "?";
}

const char *
probe_conf_name(enum probe_conf c)
{
	switch (c) {
	case PROBE_NONE:	return "none";
	case PROBE_POSSIBLE:	return "possible";
	case PROBE_LIKELY:	return "likely";
	case PROBE_CERTAIN:	return "certain";
	}
	return "?";
}

int
probe_exit_status(const struct probe_result *r)
{
	switch (r->status) {
	case PROBE_IDENTIFIED:
		return 0;
	case PROBE_REFUSED:
	case PROBE_UNREACHABLE:
		return 3;
	default:
		return 1;
	}
}

/* The number of line ends in p[0..n). */
static size_t
probe_count_lines(const unsigned char *p, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += p[i] == '\n';
	return k;
}

/* 1 if the reply is text: printable bytes, tabs and line ends. */
static int
probe_is_text(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < 0x20 && p[i] != '\r' && p[i] != '\n' && p[i] != '\t')
			return 0;
	return n > 0;
}

/* A reply the verdict may use: it came within the timeout, is whole as
 * far as the probe can tell (not cut while still arriving). */
static int
probe_ev_whole(const struct probe_evidence *e)
{
	return e->ran && e->recv_len > 0 && !e->late && !e->arriving;
}

/* How far one probe's match may count: a reply still arriving is only a
 * guess, and so is a line protocol's reply without its line end. */
static enum probe_conf
probe_ev_conf(const struct probe_evidence *e)
{
	enum probe_conf c = e->match.conf;

	if (e->late)
		return PROBE_NONE;
	if (c > PROBE_POSSIBLE && (e->arriving || (e->no_line_end &&
	    e->match.codec != NULL && strcmp(e->match.codec, "line") == 0)))
		c = PROBE_POSSIBLE;
	return c;
}

/* 1 if the reply says the server limits connections per address. */
static int
probe_says_too_many(const struct probe_evidence *e)
{
	return memmem(e->recv, e->recv_len, "too many", 8) != NULL ||
	    memmem(e->recv, e->recv_len, "Too many", 8) != NULL ||
	    memmem(e->recv, e->recv_len, "TOO MANY", 8) != NULL;
}

/* The banner probe's evidence when it got bytes (late ones too), or NULL. */
static const struct probe_evidence *
probe_banner(const struct probe_result *r)
{
	size_t i;

	for (i = 0; i < r->nev; i++)
		if (r->ev[i].ran && r->ev[i].sent_len == 0 &&
		    r->ev[i].recv_total > 0 && !probe_says_too_many(&r->ev[i]))
			return &r->ev[i];
	return NULL;
}

/* An echo server: no banner, every reply is its probe's whole payload
 * with one and the same prefix and suffix, at least two different probes
 * came back, and one of them had several lines (so a server that answers
 * or quotes each line is ruled out). Returns the evidence to cite (the
 * echo probe when it came back), or -1. */
static int
probe_echo_verdict(const struct probe_result *r)
{
	const struct probe_evidence *first = NULL;
	size_t i, n = 0, pre, suf, pre0 = 0, suf0 = 0;
	int multi = 0, cite = -1;

	if (probe_banner(r) != NULL)
		return -1;
	for (i = 0; i < r->nev; i++) {
		const struct probe_evidence *e = &r->ev[i];

		if (!e->ran || e->sent_len == 0 || e->recv_total == 0)
			continue;
		if (e->arriving || e->truncated || !probe_echo_split(e->sent,
		    e->sent_len, e->recv, e->recv_len, &pre, &suf))
			return -1;
		if (first == NULL) {
			first = e;
			pre0 = pre;
			suf0 = suf;
		} else if (pre != pre0 || suf != suf0 || memcmp(e->recv,
		    first->recv, pre) != 0 || memcmp(e->recv + pre +
		    e->sent_len, first->recv + pre0 + first->sent_len,
		    suf) != 0 || (e->sent_len == first->sent_len &&
		    memcmp(e->sent, first->sent, e->sent_len) == 0))
			return -1;
		n++;
		if (probe_count_lines(e->sent, e->sent_len - 1) > 0)
			multi = 1;
		if (cite < 0 || strcmp(e->probe, "echo") == 0)
			cite = (int)i;
	}
	return n >= 2 && multi ? cite : -1;
}

/* 1 if a reply reads as an error form: a word such as error, unknown,
 * invalid or denied, a 4xx/5xx status, or a leading - or ? (RESP, ed):
 * the same error to every probe is a protocol refusing them, no fixed
 * reply. */
static int
probe_error_form(const unsigned char *p, size_t n)
{
	static const char *const words[] = { "error", "err ", "unknown",
	    "invalid", "denied", "not allowed", "unrecognized",
	    "unrecognised", "bad ", "refused", "unsupported", "illegal",
	    "not supported", "failed", "forbidden" };
	char low[256];
	size_t i, l = n < sizeof(low) - 1 ? n : sizeof(low) - 1;

	if (n > 0 && (p[0] == '-' || p[0] == '?'))
		return 1;
	if (n >= 4 && (p[0] == '4' || p[0] == '5') && p[1] >= '0' &&
	    p[1] <= '9' && p[2] >= '0' && p[2] <= '9' && (p[3] == ' ' ||
	    p[3] == '-'))
		return 1;
	for (i = 0; i < l; i++)
		low[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 :
		    p[i] ? p[i] : ' ');
	low[l] = '\0';
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(low, words[i]) != NULL)
			return 1;
	return 0;
}

/* A constant reply (the seed's fixed-reply server): no banner, every probe
 * that got bytes got the same whole reply of PROBE_FIXED_MIN bytes or more
 * and the connection stayed open, and the probes had different numbers of
 * lines (a line protocol would have answered each line). Returns the
 * evidence to cite, or -1. */
static int
probe_fixed_verdict(const struct probe_result *r)
{
	const struct probe_evidence *first = NULL;
	size_t i, n = 0, lines0 = 0;
	int differ = 0, cite = -1;

	if (probe_banner(r) != NULL)
		return -1;
	for (i = 0; i < r->nev; i++) {
		const struct probe_evidence *e = &r->ev[i];

		if (!e->ran || e->sent_len == 0 || e->recv_total == 0)
			continue;
		if (e->arriving || e->truncated || e->peer_closed)
			return -1;
		if (first == NULL) {
			first = e;
			lines0 = probe_count_lines(e->sent, e->sent_len);
			cite = (int)i;
		} else if (e->recv_len != first->recv_len || memcmp(e->recv,
		    first->recv, e->recv_len) != 0)
			return -1;
		else if (probe_count_lines(e->sent, e->sent_len) != lines0)
			differ = 1;
		n++;
	}
	if (first == NULL || n < 2 || !differ ||
	    first->recv_len < PROBE_FIXED_MIN ||
	    probe_error_form(first->recv, first->recv_len))
		return -1;
	return cite;
}

/* 1 if every probe that sent bytes and got a reply got the same one; *first
 * is the first of them and *n their number. */
static int
probe_same_reply(const struct probe_result *r,
    const struct probe_evidence **first, size_t *n)
{
	size_t i;

	*first = NULL;
	*n = 0;
	for (i = 0; i < r->nev; i++) {
		const struct probe_evidence *e = &r->ev[i];

		if (!e->ran || e->sent_len == 0 || e->recv_total == 0)
			continue;
		if (*first != NULL && (e->recv_len != (*first)->recv_len ||
		    memcmp(e->recv, (*first)->recv, e->recv_len) != 0))
			return 0;
		if (*first == NULL)
			*first = e;
		(*n)++;
	}
	return *first != NULL;
}

/* Say why replies that came did not identify the server, into out: the
 * first that applies of a reply still arriving, a banner without a line
 * end, a banner, a line protocol, quoted requests, or a possible guess. */
static void
probe_explain(const struct probe_result *r, const struct probe_match *v,
    size_t spoke, size_t ran, char *out, size_t outlen)
{
	const struct probe_evidence *b = probe_banner(r), *e;
	char text[80], guess[64] = "";
	size_t i, k, pre, suf, echoed = 0, other = 0;

	if (v->conf == PROBE_POSSIBLE)
		snprintf(guess, sizeof(guess), "; best guess %s (possible)",
		    v->protocol);
	for (i = 0; i < r->nev; i++) {
		e = &r->ev[i];
		if (e->ran && e->arriving && !e->late) {
			snprintf(out, outlen, "the %s probe's reply was still "
			    "arriving after %.1fs (%zu bytes); try a longer "
			    "--timeout%s", e->probe, e->seconds, e->recv_total,
			    guess);
			return;
		}
	}
	if (b != NULL && !b->late) {
		escape_bytes(b->recv, b->recv_len, text, sizeof(text), 1);
		if (b->no_line_end)
			snprintf(out, outlen, "the banner \"%s\" (%zu byte%s) has "
			    "no line end after %.1fs of quiet: a slow server? "
			    "try a longer --timeout%s", text, b->recv_total,
			    b->recv_total == 1 ? "" : "s", r->timeout, guess);
		else
			snprintf(out, outlen, "a line protocol with the banner "
			    "\"%s\" that no matcher knows%s", text, guess);
		return;
	}
	for (i = 0; i < r->nev; i++) {
		e = &r->ev[i];
		k = probe_count_lines(e->sent, e->sent_len);
		if (!probe_ev_whole(e) || k < 2 || !probe_is_text(e->recv,
		    e->recv_len) || probe_count_lines(e->recv, e->recv_len) !=
		    k || e->recv[e->recv_len - 1] != '\n')
			continue;
		probe_first_line(e->recv, e->recv_len, text, sizeof(text));
		snprintf(out, outlen, "a line protocol that answers each line: "
		    "the %zu lines of the %s probe got %zu reply lines (\"%s\")"
		    "%s", k, e->probe, k, text, guess);
		return;
	}
	for (i = 0; i < r->nev; i++) {
		e = &r->ev[i];
		if (!e->ran || e->sent_len == 0 || e->recv_total == 0)
			continue;
		if (probe_echo_split(e->sent, e->sent_len, e->recv,
		    e->recv_len, &pre, &suf))
			echoed++;
		else
			other++;
	}
	if (echoed > 0) {
		snprintf(out, outlen, "%zu probes got their bytes back and %zu "
		    "did not, or too few to tell: a server that quotes requests "
		    "is no echo%s", echoed, other, guess);
		return;
	}
	if (probe_same_reply(r, &e, &k) && k >= 2) {
		escape_bytes(e->recv, e->recv_len, text, sizeof(text), 1);
		snprintf(out, outlen, "the same reply \"%s\" to %zu probes, but "
		    "%s: not a fixed-reply server%s", text, k, e->peer_closed ?
		    "the server closed after it (an error reply?)" :
		    probe_error_form(e->recv, e->recv_len) ?
		    "it reads as an error reply" :
		    e->recv_len < PROBE_FIXED_MIN ? "too short to tell" :
		    "the probes had the same line counts", guess);
		return;
	}
	if (guess[0] != '\0')
		snprintf(out, outlen, "%s", guess + 2);
	else
		snprintf(out, outlen, "%zu of %zu probes got replies no matcher "
		    "knows", spoke, ran);
}

/* What the probes that ran add up to, for the status. */
struct probe_tally {
	size_t		 connected, spoke, resets, closes, ran;
	const char	*why;		/* the first connect failure */
};

/* 1 for the matches that name a shape, not a protocol: on a tie a named
 * protocol is the better guess (beanstalkd over text). */
static int
probe_generic(const char *protocol)
{
	return strcmp(protocol, "text") == 0 || strcmp(protocol, "len16") ==
	    0 || strcmp(protocol, "len32") == 0;
}

/* Count the evidence into t and take the most confident single match as
 * the verdict, completed by what other probes of its protocol saw. */
static void
probe_pick_best(struct probe_result *r, struct probe_tally *t)
{
	struct probe_match *v = &r->verdict;
	enum probe_conf c;
	size_t i;

	for (i = 0; i < r->nev; i++) {
		struct probe_evidence *e = &r->ev[i];

		if (!e->ran)
			continue;
		t->ran++;
		t->connected += e->connected;
		t->spoke += e->recv_total > 0 && !e->late;
		t->resets += e->reset;
		t->closes += e->peer_closed && e->recv_total == 0;
		c = probe_ev_conf(e);
		/* On a tie, the probe made for the protocol is the better
		 * evidence (http's GET, not an HTTP error to the echo), and
		 * a named protocol a better guess than a shape. */
		if (c > v->conf || (c == v->conf && c > PROBE_NONE &&
		    strcmp(e->match.protocol, v->protocol) == 0 &&
		    strcmp(e->probe, e->match.protocol) == 0 &&
		    r->verdict_probe >= 0 && strcmp(r->ev[r->verdict_probe].probe,
		    v->protocol) != 0) || (c == v->conf && c > PROBE_NONE &&
		    probe_generic(v->protocol) &&
		    !probe_generic(e->match.protocol))) {
			*v = e->match;
			v->conf = c;
			r->verdict_probe = (int)i;
		}
		if (t->why == NULL && !e->connected)
			t->why = e->outcome;
	}
	/* A TLS handshake answered is what the port speaks: a certain
	 * HTTP reply to plain text there is the TLS server's complaint
	 * ("400 The plain HTTP request was sent to HTTPS port"). */
	for (i = 0; i < r->nev; i++)
		if (probe_ev_conf(&r->ev[i]) == PROBE_CERTAIN &&
		    strcmp(r->ev[i].match.protocol, "tls") == 0 &&
		    strcmp(v->protocol, "http") == 0) {
			*v = r->ev[i].match;
			r->verdict_probe = (int)i;
			break;
		}
	/* An HTTP server that completes our WebSocket handshake (a 426 to
	 * the plain GET, say) is a WebSocket server: the more specific. */
	for (i = 0; i < r->nev && strcmp(v->protocol, "http") == 0; i++)
		if (probe_ev_conf(&r->ev[i]) == PROBE_CERTAIN &&
		    strcmp(r->ev[i].match.protocol, "websocket") == 0) {
			*v = r->ev[i].match;
			r->verdict_probe = (int)i;
			break;
		}
	/* A server that speaks HTTP/1.1 and HTTP/2 is http, with a note. */
	for (i = 0; i < r->nev && strcmp(v->protocol, "http2") == 0; i++)
		if (probe_ev_conf(&r->ev[i]) == PROBE_CERTAIN &&
		    strcmp(r->ev[i].match.protocol, "http") == 0) {
			char d[sizeof(v->detail)];

			*v = r->ev[i].match;
			r->verdict_probe = (int)i;
			snprintf(d, sizeof(d), "%.150s; HTTP/2 too (SETTINGS "
			    "answered the preface)", v->detail);
			memcpy(v->detail, d, sizeof(d));
			break;
		}
	/* Fill in a product or version another probe saw for the same
	 * protocol (Redis: PING answered, INFO named the version). */
	for (i = 0; i < r->nev && v->conf > PROBE_NONE; i++) {
		const struct probe_match *m = &r->ev[i].match;

		if (probe_ev_conf(&r->ev[i]) == PROBE_NONE ||
		    strcmp(m->protocol, v->protocol) != 0)
			continue;
		if (v->product[0] == '\0' && m->product[0] != '\0')
			snprintf(v->product, sizeof(v->product), "%s",
			    m->product);
		if (v->version[0] == '\0' && m->version[0] != '\0')
			snprintf(v->version, sizeof(v->version), "%s",
			    m->version);
	}
}

/* Verdicts only several probes together show: echo, then a fixed reply. */
static void
probe_pattern_verdict(struct probe_result *r)
{
	struct probe_match *v = &r->verdict;
	char text[120];
	size_t i;
	int cite;

	if (v->conf < PROBE_CERTAIN && (cite = probe_echo_verdict(r)) >= 0) {
		const struct probe_evidence *e = &r->ev[cite];
		size_t n = 0;

		for (i = 0; i < r->nev; i++)
			n += r->ev[i].ran && r->ev[i].sent_len > 0 &&
			    r->ev[i].recv_total > 0;
		*v = e->match;
		v->conf = PROBE_CERTAIN;
		snprintf(v->detail, sizeof(v->detail), "%zu different probes "
		    "came back whole, with the same prefix and suffix; %s", n,
		    e->match.detail);
		r->verdict_probe = cite;
	} else if (v->conf < PROBE_LIKELY &&
	    (cite = probe_fixed_verdict(r)) >= 0) {
		const struct probe_evidence *e = &r->ev[cite];

		escape_bytes(e->recv, e->recv_len, text, sizeof(text), 1);
		if (e->recv_len == sizeof(PROBE_SEED_FIXED) - 1 &&
		    memcmp(e->recv, PROBE_SEED_FIXED, e->recv_len) == 0) {
			probe_set(v, PROBE_CERTAIN, "echo", "raw", "fixed reply "
			    "\"%s\" to every read, whatever was sent", text);
			snprintf(v->product, sizeof(v->product), "seed 004 "
			    "non-blocking server (fixed reply)");
		} else
			probe_set(v, PROBE_LIKELY, "fixed", "raw", "the same "
			    "reply \"%s\" to requests of different line counts, "
			    "no banner", text);
		v->matcher = "fixed";
		r->verdict_probe = cite;
	}
}

/* The status and summary of a server nothing identified that said no
 * byte in time: closed, reset or silent. */
static void
probe_status_quiet(struct probe_result *r, const struct probe_tally *t)
{
	size_t len;

	if (t->closes > 0 && t->resets + t->closes >= t->connected) {
		/* Closing with our request unread makes the kernel reset. */
		r->status = PROBE_CLOSED;
		snprintf(r->summary, sizeof(r->summary), "closed: the server "
		    "closed %zu and reset %zu of %zu connections without a "
		    "byte", t->closes, t->resets, t->connected);
		return;
	}
	if (t->resets > 0 && t->resets >= t->connected) {
		r->status = PROBE_RESET;
		snprintf(r->summary, sizeof(r->summary), "reset: the server "
		    "reset all %zu connections without a byte", t->resets);
		return;
	}
	r->status = PROBE_SILENT;
	snprintf(r->summary, sizeof(r->summary), "silent: accepted %zu "
	    "connections and never sent a byte", t->connected);
	len = strlen(r->summary);
	if (r->nev > 0 && strcmp(r->ev[r->nev - 1].probe, "late-banner") == 0 &&
	    r->ev[r->nev - 1].connected)
		snprintf(r->summary + len, sizeof(r->summary) - len, ", not "
		    "even in %.1fs", r->ev[r->nev - 1].seconds);
	len = strlen(r->summary);
	if (t->closes + t->resets > 0)
		snprintf(r->summary + len, sizeof(r->summary) - len, " (%zu "
		    "closed, %zu reset)", t->closes, t->resets);
}

/* Set the status and its one-line summary from the verdict and tally. */
static void
probe_status(struct probe_result *r, const struct probe_tally *t)
{
	struct probe_match *v = &r->verdict;
	const struct probe_evidence *b = probe_banner(r);
	char text[120], note[300], looks[48];

	if (v->conf >= PROBE_LIKELY) {
		r->status = PROBE_IDENTIFIED;
		snprintf(r->summary, sizeof(r->summary), "identified: %s, %s",
		    v->protocol, probe_conf_name(v->conf));
	} else if (t->connected == 0) {
		int refused = t->why != NULL && strstr(t->why, "refused") != NULL;

		r->status = refused ? PROBE_REFUSED : PROBE_UNREACHABLE;
		snprintf(r->summary, sizeof(r->summary), "%s: %s",
		    refused ? "refused" : "unreachable", t->why != NULL ?
		    t->why : "no probe could connect");
	} else if (b != NULL && b->late) {
		double tm = r->timeout > 0 ? r->timeout : PROBE_TIMEOUT_DEFAULT;

		r->status = PROBE_LATE;
		probe_first_line(b->recv, b->recv_len, text, sizeof(text));
		looks[0] = '\0';
		if (b->match.conf >= PROBE_LIKELY)
			snprintf(looks, sizeof(looks), " (looks like %s)",
			    b->match.protocol);
		snprintf(r->summary, sizeof(r->summary), "late: nothing within "
		    "the %.1fs timeout, then a banner after %.2fs: \"%s\"%s; "
		    "try a longer --timeout (e.g. --timeout %ds)", tm,
		    b->late_after, text, looks, (int)(b->late_after * 1.5) + 1);
	} else if (t->spoke > 0) {
		r->status = PROBE_UNIDENTIFIED;
		probe_explain(r, v, t->spoke, t->ran, note, sizeof(note));
		snprintf(r->summary, sizeof(r->summary), "unidentified: %s",
		    note);
	} else
		probe_status_quiet(r, t);
}

/* Say in the summary which probes were retried after a connection
 * limit turned them away, and how many then got an answer. */
static void
probe_note_retries(struct probe_result *r)
{
	size_t i, n = 0, answered = 0, len;

	for (i = 0; i < r->nev; i++) {
		if (!r->ev[i].retried)
			continue;
		n++;
		answered += r->ev[i].connected && !r->ev[i].reset &&
		    !(r->ev[i].peer_closed && r->ev[i].recv_total == 0) &&
		    !probe_says_too_many(&r->ev[i]);
	}
	if (n == 0)
		return;
	len = strlen(r->summary);
	snprintf(r->summary + len, sizeof(r->summary) - len, "; %zu probe%s "
	    "refused, reset or closed while others were served %s retried a "
	    "few at a time, %zu then served%s", n, n == 1 ? "" : "s",
	    n == 1 ? "was" : "were", answered, answered > 0 ?
	    " (a per-address connection limit)" : "");
}

void
probe_verdict(struct probe_result *r)
{
	struct probe_tally t;

	memset(&t, 0, sizeof(t));
	memset(&r->verdict, 0, sizeof(r->verdict));
	r->verdict_probe = -1;
	probe_pick_best(r, &t);
	probe_pattern_verdict(r);
	probe_status(r, &t);
	probe_note_retries(r);
}

/* One probe under way: its connection and where its evidence goes. */
struct probe_run {
	struct probe_ctx	*ctx;
	struct probe_evidence	*ev;
	const struct probe_def	*def;
	struct pool		*pool;
	struct conn		*conn;
	double			 t0;		/* connected, monotonic s */
	double			 t_last;	/* last byte received */
	double			 cap;		/* stop reading a trickle */
	double			 wait;		/* for the first byte, s */
	int			 clipped;	/* the timer armed is the read
						   limit, not a whole quiet */
	int			 done;
	int			 late_watch;	/* the late-banner watch */
	struct pool		*old_pool;	/* the first try's, when retried */
	int			 spoke;		/* a follow-up sent its payload */
	int			 connecting;	/* counted in ctx->connecting */
};

/* The whole detection, on probe_detect's stack. */
struct probe_ctx {
	struct engine		*eng;
	struct probe_result	*res;
	struct probe_opts	 o;
	struct probe_run	 runs[PROBE_MAX];
	size_t			 nruns, next, running;
	size_t			 connecting;	/* runs whose connect is not done */
	size_t			 wave_started;	/* probes started in this wave */
	double			 wave_t0;	/* the wave began, loop time */
	size_t			 ntable;	/* runs from probe_table */
	int			 certain;
	int			 grace;		/* 1 while replies already on
						   their way may still land, 2
						   after: cancel the rest */
	struct engine_timer	*grace_timer;
	int			 late_started;
	int			 retry_checked;
	int			 keep_tls;	/* a certain http verdict: the
						   tls probe still runs */
	int			 keep_http;	/* a certain http2 verdict: the
						   http probe still runs */
	int			 keep_ws;	/* a certain http verdict: the
						   websocket probe still runs */
	/* Inside TLS: the client contexts (ALPN "h2,http/1.1" for the
	 * http2 probe, none for the others), where the handshake's facts
	 * go, and no late-banner watch. */
	struct tls_ctx		*tls_plain, *tls_alpn;
	struct probe_tls	*tls_out;
	int			 no_late;
	size_t			 retry[PROBE_MAX], nretry, retry_next;
	size_t			 retry_limit;	/* probes at a time on retry */
	struct engine_timer	*kick;
	char			 host[256];
};

static void probe_schedule(struct probe_ctx *ctx);

/* The grace after a certain verdict is over: cancel what is still open. */
static void
probe_grace_cb(struct engine *e, void *arg)
{
	struct probe_ctx *ctx = arg;

	(void)e;
	ctx->grace = 2;
	ctx->grace_timer = NULL;
	probe_schedule(ctx);
}

/* From the loop, after a probe ended: schedule the next ones. */
static void
probe_kick_cb(struct engine *e, void *arg)
{
	(void)e;
	probe_schedule(arg);
}

/* Schedule from the loop soon (never under a connection callback). */
static void
probe_kick(struct probe_ctx *ctx)
{
	if (ctx->kick == NULL)
		ctx->kick = engine_after(ctx->eng, 0, probe_kick_cb, ctx);
}

/* How long a reply may keep trickling in, s. */
static double
probe_read_max(const struct probe_ctx *ctx)
{
	return ctx->o.timeout * 2 > PROBE_READ_MAX ? ctx->o.timeout * 2 :
	    PROBE_READ_MAX;
}

/* Connected: send the payload, wait for a reply. */
static void
probe_open(struct conn *c)
{
	struct probe_run *pr = c->udata;

	pr->ev->connected = 1;
	pr->t0 = clock_now_mono();
	if (pr->connecting) {
		pr->connecting = 0;
		pr->ctx->connecting--;
		probe_kick(pr->ctx);
	}
	pr->cap = pr->t0 + probe_read_max(pr->ctx);
	if (pr->ev->sent_len > 0 && pr->def->follow == NULL)
		conn_send_msg(c, pr->ev->sent, pr->ev->sent_len);
	conn_timer(c, pr->wait);
}

/* End the probe now, saying why. */
static void
probe_end(struct conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
probe_end(struct conn *c, const char *fmt, ...)
{
	struct probe_run *pr = c->udata;
	char why[sizeof(pr->ev->outcome)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	memcpy(pr->ev->outcome, why, sizeof(why));
	conn_close(c, pr->ev->outcome);
}

/* The quiet that ends the reply so far: short after a line end or once
 * the whole payload has come back (an echo), else the whole --timeout (a
 * banner at 1 byte/s is not whole after its first byte). */
static double
probe_quiet(const struct probe_run *pr)
{
	const struct probe_evidence *e = pr->ev;
	size_t pre, suf;

	if (e->recv_len > 0 && e->recv[e->recv_len - 1] == '\n')
		return PROBE_QUIET;
	if (probe_echo_split(e->sent, e->sent_len, e->recv, e->recv_len,
	    &pre, &suf))
		return PROBE_QUIET;
	return pr->ctx->o.timeout;
}

/* Bytes arrived: keep them, end the probe when the reply is whole. */
static void
probe_msg(struct conn *c, const struct codec_frame *f)
{
	struct probe_run *pr = c->udata;
	struct probe_evidence *e = pr->ev;
	size_t room = sizeof(e->recv) - e->recv_len;
	size_t n = f->frame_len < room ? f->frame_len : room;
	double now = clock_now_mono(), wait;

	/* Late: the watch's first bytes came after the banner probe gave
	 * up; earlier ones (a "too many connections" notice) are not. */
	if (e->recv_total == 0 && pr->late_watch && now - pr->t0 >=
	    pr->ctx->o.banner_wait) {
		e->late = 1;
		e->late_after = now - pr->t0;
		pr->cap = now + probe_read_max(pr->ctx);
	}
	memcpy(e->recv + e->recv_len, f->frame, n);
	e->recv_len += n;
	e->recv_total += f->frame_len;
	pr->t_last = now;
	/* A follow-up speaks once the greeting is whole (RFC 5321 4.3.1:
	 * the client waits for it). */
	if (pr->def->follow != NULL && !pr->spoke &&
	    probe_done_banner(e->recv, e->recv_len)) {
		pr->spoke = 1;
		conn_send_msg(c, e->sent, e->sent_len);
	}
	if (pr->def->complete != NULL && pr->def->complete(e->recv,
	    e->recv_len)) {
		probe_end(c, "reply complete after %.3fs", now - pr->t0);
		return;
	}
	if (e->recv_len == sizeof(e->recv)) {
		e->truncated = 1;
		probe_end(c, "stopped reading after %zu bytes", e->recv_len);
		return;
	}
	/* Every byte re-arms the timer, so when it fires the reply was
	 * quiet all that time: whole, unless the read limit cut the wait. */
	wait = probe_quiet(pr);
	pr->clipped = now + wait > pr->cap;
	if (pr->clipped)
		wait = pr->cap - now;
	conn_timer(c, wait > 0.001 ? wait : 0.001);
}

/* The peer closed its side. */
static void
probe_eof(struct conn *c)
{
	struct probe_run *pr = c->udata;

	pr->ev->peer_closed = 1;
	probe_end(c, "closed by the server after %.3fs", clock_now_mono() - pr->t0);
}

/* The reply wait, the quiet period or the read limit is over. */
static void
probe_timer(struct conn *c)
{
	struct probe_run *pr = c->udata;
	struct probe_evidence *e = pr->ev;
	double now = clock_now_mono(), quiet = probe_quiet(pr);

	if (e->recv_total == 0) {
		probe_end(c, "no reply in %.1fs", pr->wait);
		return;
	}
	if (pr->clipped) {
		e->arriving = 1;
		probe_end(c, "still arriving after %.1fs (%zu bytes, the last "
		    "%.2fs ago)", now - pr->t0, e->recv_total, now - pr->t_last);
	} else if (e->recv[e->recv_len - 1] != '\n') {
		e->no_line_end = 1;
		probe_end(c, "quiet for %.2fs after %zu byte%s without a line "
		    "end", quiet, e->recv_total, e->recv_total == 1 ? "" : "s");
	} else
		probe_end(c, "quiet for %.2fs after the reply", quiet);
}

/* 1 if another probe may start in this wave; when the wave is full,
 * start a new one PROBE_WAVE after the last began (a timer kicks the
 * schedule then). */
static int
probe_wave_room(struct probe_ctx *ctx)
{
	double now = engine_loop_time(ctx->eng);

	if (ctx->wave_started == 0)
		ctx->wave_t0 = now;
	if (ctx->wave_started < PROBE_PARALLEL)
		return 1;
	if (now >= ctx->wave_t0 + PROBE_WAVE) {
		ctx->wave_t0 = now;
		ctx->wave_started = 0;
		return 1;
	}
	if (ctx->kick == NULL)
		ctx->kick = engine_after(ctx->eng, ctx->wave_t0 + PROBE_WAVE -
		    now, probe_kick_cb, ctx);
	return 0;
}

/* The probe made for a protocol a reply suggested, when its name is
 * not the protocol's. */
static const char *
probe_for(const char *protocol)
{
	static const struct {
		const char *protocol, *probe;
	} map[] = {
		{ "beanstalkd", "stats" }, { "postgresql", "postgres" },
		{ "jsonhdr", "app" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].protocol, protocol) == 0)
			return map[i].probe;
	return protocol;
}

/* A reply suggested protocol (possible or likely): move the probe made
 * for it to the front of those not started yet, so it runs next. */
static void
probe_suggest(struct probe_ctx *ctx, const char *protocol)
{
	const char *name = probe_for(protocol);
	struct probe_run tmp;
	size_t j;

	for (j = ctx->next; j < ctx->ntable; j++) {
		if (strcmp(ctx->runs[j].def->name, name) != 0)
			continue;
		if (j != ctx->next) {
			tmp = ctx->runs[ctx->next];
			ctx->runs[ctx->next] = ctx->runs[j];
			ctx->runs[j] = tmp;
		}
		return;
	}
}

/* Keep what a TLS connection's handshake showed: the first finished
 * handshake's version, cipher and certificate, the ALPN protocol the
 * server chose when offered h2 (the http2 probe), or the first failure. */
static void
probe_note_tls(struct probe_ctx *ctx, struct probe_run *pr, struct conn *c)
{
	const struct tls_info *ti = c->info.tls;
	struct probe_tls *t = ctx->tls_out;

	if (ti == NULL)
		return;
	if (ti->done && !t->done) {
		t->done = 1;
		snprintf(t->version, sizeof(t->version), "%s", ti->version);
		snprintf(t->cipher, sizeof(t->cipher), "%s", ti->cipher);
		snprintf(t->subject, sizeof(t->subject), "%s", ti->subject);
		snprintf(t->issuer, sizeof(t->issuer), "%s", ti->issuer);
		snprintf(t->not_after, sizeof(t->not_after), "%s",
		    ti->not_after);
	}
	if (ti->done && pr->def->build == probe_build_http2)
		snprintf(t->alpn, sizeof(t->alpn), "%s", ti->alpn);
	if (!ti->done && c->info.state == CS_FAILED && t->error[0] == '\0' &&
	    strncmp(c->info.reason, "tls", 3) == 0)
		snprintf(t->error, sizeof(t->error), "%s", c->info.reason);
}

/* The connection ended: match its reply and start the next probes. */
static void
probe_close(struct conn *c)
{
	struct probe_run *pr = c->udata;
	struct probe_ctx *ctx = pr->ctx;
	struct probe_evidence *e = pr->ev;

	pr->done = 1;
	pr->conn = NULL;
	ctx->running--;
	if (pr->connecting) {
		pr->connecting = 0;
		ctx->connecting--;
	}
	e->seconds = clock_now_mono() - (pr->t0 > 0 ? pr->t0 : c->info.t_start);
	if (ctx->tls_out != NULL)
		probe_note_tls(ctx, pr, c);
	if (c->info.state == CS_FAILED) {
		snprintf(e->outcome, sizeof(e->outcome), "%s", c->info.reason);
		e->reset = strstr(c->info.reason, "reset") != NULL;
		/* A reset that beats the connect's completion still means
		 * the server accepted the connection. */
		if (e->reset)
			e->connected = 1;
	}
	if (e->late) {
		char then[sizeof(e->outcome)];

		memcpy(then, e->outcome, sizeof(then));
		snprintf(e->outcome, sizeof(e->outcome), "a banner after "
		    "%.2fs, later than --timeout %.1fs; then %.80s",
		    e->late_after, ctx->o.timeout, then);
	}
	probe_match_reply(e->probe, e->sent, e->sent_len, e->recv,
	    e->recv_len, e->peer_closed, &e->match);
	if (e->match.conf == PROBE_POSSIBLE || e->match.conf == PROBE_LIKELY)
		probe_suggest(ctx, e->match.protocol);
	if (probe_ev_conf(e) == PROBE_CERTAIN && !ctx->o.all) {
		ctx->certain = 1;
		/* An HTTPS port answers plain HTTP with an HTTP error: let
		 * the tls probe finish, it decides (see probe_pick_best). */
		if (strcmp(e->match.protocol, "http") == 0)
			ctx->keep_tls = ctx->keep_ws = 1;
		/* HTTP/2 by prior knowledge: let the HTTP/1.1 GET finish,
		 * the verdict prefers it (a starter scenario can replay it). */
		if (strcmp(e->match.protocol, "http2") == 0)
			ctx->keep_http = 1;
	}
	probe_kick(ctx);
}

static const struct conn_handler probe_handler = {
	.on_open = probe_open,
	.on_msg = probe_msg,
	.on_eof = probe_eof,
	.on_timer = probe_timer,
	.on_close = probe_close,
};

/* The pool's per-connection state is the probe run itself. */
static void *
probe_udata(void *arg, uint64_t n)
{
	(void)n;
	return arg;
}

/* Start one probe on a fresh connection. */
static void
probe_start(struct probe_ctx *ctx, struct probe_run *pr)
{
	struct pool_cfg pc;
	char err[256];

	pr->ev->ran = 1;
	if (ctx->tls_plain != NULL) {
		pr->ev->inside_tls = 1;
		ctx->eng->tls_client = pr->def->build == probe_build_http2 ?
		    ctx->tls_alpn : ctx->tls_plain;
	}
	memset(&pc, 0, sizeof(pc));
	pc.target = ctx->res->target;
	pc.count = 1;
	pc.codec = &codec_raw;
	pc.handler = &probe_handler;
	pc.make_udata = probe_udata;
	pc.arg = pr;
	pr->pool = pool_new(ctx->eng, &pc, err, sizeof(err));
	if (pr->pool == NULL) {
		snprintf(pr->ev->outcome, sizeof(pr->ev->outcome), "%.150s",
		    err);
		pr->done = 1;
		ctx->certain = 1;	/* nothing else will resolve it */
		ctx->grace = 2;
		return;
	}
	ctx->running++;
	ctx->connecting++;
	pr->connecting = 1;
	pool_start(pr->pool);
	if (pool_errors(pr->pool) > 0 && !pr->done) {
		snprintf(pr->ev->outcome, sizeof(pr->ev->outcome), "%s",
		    pool_last_error(pr->pool));
		pr->done = 1;
		ctx->running--;
		if (pr->connecting) {
			pr->connecting = 0;
			ctx->connecting--;
		}
	}
}

/* 1 if a late-banner watch is worth running: the banner probe connected
 * and waited its --timeout without a byte, a close or a reset, and other
 * probes ran. */
static int
probe_want_late(const struct probe_ctx *ctx)
{
	const struct probe_run *b = &ctx->runs[0];

	return !ctx->no_late && ctx->ntable > 1 && ctx->nruns < PROBE_MAX &&
	    b->done &&
	    b->ev->sent_len == 0 && b->ev->connected &&
	    b->ev->recv_total == 0 && !b->ev->reset && !b->ev->peer_closed;
}

/* The late-banner watch: one more connection that sends nothing and waits
 * twice --timeout. It opens after the other probes, so a server that
 * serves one connection at a time answers them first. */
static void
probe_start_late(struct probe_ctx *ctx)
{
	static const struct probe_def late = { "late-banner",
	    probe_build_banner, probe_done_banner, NULL };
	struct probe_result *out = ctx->res;
	struct probe_evidence *e = &out->ev[out->nev++];
	struct probe_run *pr = &ctx->runs[ctx->nruns++];

	ctx->late_started = 1;
	memset(e, 0, sizeof(*e));
	e->probe = late.name;
	pr->ctx = ctx;
	pr->ev = e;
	pr->def = &late;
	pr->wait = ctx->o.timeout * 2;
	pr->late_watch = 1;
	probe_start(ctx, pr);
}

/* 1 if the probe's first try looks turned away by a connection limit:
 * refused, reset or closed without a byte, or told "too many". */
static int
probe_turned_away(const struct probe_evidence *e)
{
	if (!e->ran || e->cancelled)
		return 0;
	if (e->recv_total == 0)
		return e->reset || e->peer_closed || !e->connected;
	return (e->peer_closed || e->reset) && probe_says_too_many(e);
}

/* Plan the retry of probes the parallel round saw turned away while
 * others were served (a per-address connection limit: ngIRCd allows 5),
 * at most as many at a time as were served, capped at 4. */
static void
probe_plan_retry(struct probe_ctx *ctx)
{
	size_t i, served = 0;

	for (i = 0; i < ctx->ntable; i++) {
		const struct probe_evidence *e = ctx->runs[i].ev;

		if (probe_turned_away(e))
			ctx->retry[ctx->nretry++] = i;
		else if (e->ran && e->connected && !e->reset &&
		    !probe_says_too_many(e))
			served++;
	}
	if (served == 0 || ctx->o.serial || ctx->certain)
		ctx->nretry = 0;
	ctx->retry_limit = served > 4 ? 4 : served > 1 ? served - 1 : 1;
}

/* Run a probe again on a fresh connection, keeping its first outcome. */
static void
probe_restart(struct probe_ctx *ctx, struct probe_run *pr)
{
	struct probe_evidence *e = pr->ev;
	const char *name = e->probe;
	unsigned char sent[PROBE_MAX_SENT];
	size_t sent_len = e->sent_len;
	char first[sizeof(e->outcome)];

	memcpy(sent, e->sent, sent_len);
	if (e->recv_len > 0) {
		char *q = probe_escape(e->recv, e->recv_len, 80);

		snprintf(first, sizeof(first), "%.70s: \"%s\"", e->outcome, q);
		free(q);
	} else
		memcpy(first, e->outcome, sizeof(first));
	memset(e, 0, sizeof(*e));
	e->probe = name;
	memcpy(e->sent, sent, sent_len);
	e->sent_len = sent_len;
	e->retried = 1;
	memcpy(e->first_outcome, first, sizeof(first));
	pr->old_pool = pr->pool;
	pr->pool = NULL;
	pr->conn = NULL;
	pr->done = 0;
	pr->t0 = pr->t_last = 0;
	probe_start(ctx, pr);
}

/* Once the parallel round is over (the late watch aside), retry what a
 * connection limit turned away, a few at a time; 1 when nothing is left
 * to retry and scheduling may go on. */
static int
probe_retry(struct probe_ctx *ctx)
{
	size_t i, table_running = 0;

	for (i = 0; i < ctx->ntable; i++)
		table_running += ctx->runs[i].ev->ran && !ctx->runs[i].done;
	if (!ctx->retry_checked) {
		if (table_running > 0)
			return 1;	/* the late watch may still start */
		ctx->retry_checked = 1;
		probe_plan_retry(ctx);
	}
	while (ctx->retry_next < ctx->nretry &&
	    table_running < ctx->retry_limit) {
		probe_restart(ctx, &ctx->runs[ctx->retry[ctx->retry_next++]]);
		table_running++;
	}
	return 1;
}

/* Start what may start: the banner alone, then the rest, then the late
 * banner watch; stop early once a match is certain or nothing could
 * connect. */
static void
probe_schedule(struct probe_ctx *ctx)
{
	size_t i;
	struct probe_run *w;

	ctx->kick = NULL;
	if (ctx->nruns > 0 && ctx->runs[0].done && !ctx->runs[0].ev->connected)
		ctx->certain = ctx->grace = 2;	/* refused or unreachable */
	/* A certain verdict: replies a few milliseconds away (a version
	 * another probe asked for) still land for PROBE_GRACE, then the
	 * probes still open are cancelled. */
	if (ctx->certain && ctx->grace == 0) {
		ctx->grace = 1;
		ctx->grace_timer = engine_after(ctx->eng, PROBE_GRACE,
		    probe_grace_cb, ctx);
		return;
	}
	if (ctx->certain && ctx->grace == 1)
		return;
	if (ctx->certain) {
		for (i = 0; i < ctx->nruns; i++) {
			struct probe_run *pr = &ctx->runs[i];

			if (pr->conn == NULL || pr->done || pr->conn->dead)
				continue;
			if (ctx->keep_tls && pr->def->build == probe_build_tls)
				continue;
			if (ctx->keep_http && pr->def->build == probe_build_http)
				continue;
			if (ctx->keep_ws && pr->def->build ==
			    probe_build_websocket)
				continue;
			pr->ev->cancelled = 1;
			probe_end(pr->conn, "cancelled: verdict certain");
		}
		return;
	}
	/* The banner probe runs alone: other probes would talk first. */
	if (ctx->next > 0 && !ctx->runs[0].done)
		return;
	/* In parallel, PROBE_PARALLEL probes start at once and the next
	 * ones PROBE_WAVE later (a burst of connections overflows a slow
	 * server's listen backlog, and a dropped SYN costs a 1 s
	 * retransmit); serially, one at a time. */
	while (ctx->next < ctx->ntable && (ctx->o.serial ? ctx->running < 1 :
	    probe_wave_room(ctx))) {
		probe_start(ctx, &ctx->runs[ctx->next++]);
		ctx->wave_started++;
		if (ctx->next == 1) {
			ctx->wave_started = 0;	/* the banner runs alone */
			return;
		}
	}
	if (ctx->next < ctx->ntable)
		return;
	if (!probe_retry(ctx))
		return;
	if (!ctx->late_started && probe_want_late(ctx) &&
	    (!ctx->o.serial || ctx->running == 0))
		probe_start_late(ctx);
	/* The other probes have ended and some got replies: the server is
	 * not silent, so a late banner is no longer worth the wait. */
	w = ctx->late_started ? &ctx->runs[ctx->nruns - 1] : NULL;
	if (w != NULL && w->conn != NULL && !w->done && !w->conn->dead &&
	    w->ev->recv_total == 0 && ctx->running == 1) {
		for (i = 0; i < ctx->ntable; i++)
			if (ctx->runs[i].ev->recv_total > 0)
				break;
		if (i < ctx->ntable)
			probe_end(w->conn, "not needed: other probes got "
			    "replies");
	}
}

/* Remember each probe's connection as the pool makes it. */
static void
probe_track_cb(void *arg, const struct conn_info *ci,
    const struct obs_event *ev)
{
	struct probe_ctx *ctx = arg;
	struct conn *c = (struct conn *)ci;
	size_t i;

	if (ev->kind != OBS_OPENED)
		return;
	for (i = 0; i < ctx->nruns; i++)
		if (c->udata == &ctx->runs[i])
			ctx->runs[i].conn = c;
}

/* 1 if name is in the comma-separated list (NULL: every name). */
static int
probe_selected(const char *list, const char *name)
{
	size_t l = strlen(name);
	const char *p = list;

	if (list == NULL)
		return 1;
	while ((p = strstr(p, name)) != NULL) {
		if ((p == list || p[-1] == ',') && (p[l] == ',' ||
		    p[l] == '\0'))
			return 1;
		p += l;
	}
	return 0;
}

/* 1 if name is in the comma-separated list, which is not NULL. */
static int
probe_selected_named(const char *list, const char *name)
{
	return list != NULL && probe_selected(list, name);
}

/* Run the selected probes of the table against out->target on their own
 * engine, appending their evidence to out->ev; inside TLS when tls_plain
 * is set (the facts of the handshake go to tls_out). */
static void
probe_pass(const struct probe_opts *o, const char *host,
    struct probe_result *out, struct tls_ctx *tls_plain,
    struct tls_ctx *tls_alpn, struct probe_tls *tls_out)
{
	struct probe_ctx *ctx = xcalloc(1, sizeof(*ctx));
	struct engine_limits lim;
	struct observer obs;
	size_t i;

	ctx->o = *o;
	snprintf(ctx->host, sizeof(ctx->host), "%s", host);
	ctx->tls_plain = tls_plain;
	ctx->tls_alpn = tls_alpn;
	ctx->tls_out = tls_out;
	ctx->no_late = tls_plain != NULL;
	engine_limits_default(&lim);
	lim.connect_timeout = ctx->o.connect_timeout;
	lim.max_frame = PROBE_MAX_RECV;
	ctx->eng = engine_new(&lim);
	ctx->res = out;
	for (i = 0; i < PROBE_NDEFS && out->nev < PROBE_MAX - 1; i++) {
		const struct probe_def *d = &probe_table[i];
		struct probe_evidence *e = &out->ev[out->nev];
		struct probe_run *pr = &ctx->runs[ctx->nruns];

		if (!probe_selected(ctx->o.only, d->name) ||
		    (d->follow != NULL && (ctx->o.only == NULL ||
		    !probe_selected_named(ctx->o.only, d->name))))
			continue;
		e->probe = d->name;
		e->sent_len = d->build(ctx->host, e->sent, sizeof(e->sent));
		snprintf(e->outcome, sizeof(e->outcome), "not run: an earlier "
		    "probe decided");
		pr->ctx = ctx;
		pr->ev = e;
		pr->def = d;
		pr->wait = d->build == probe_build_banner ?
		    ctx->o.banner_wait : ctx->o.timeout;
		out->nev++;
		ctx->nruns++;
	}
	ctx->ntable = ctx->nruns;
	obs.on_event = probe_track_cb;
	obs.ctx = ctx;
	engine_observe(ctx->eng, &obs);
	probe_schedule(ctx);
	engine_run(ctx->eng);
	for (i = 0; i < ctx->nruns; i++) {
		pool_free(ctx->runs[i].pool);
		pool_free(ctx->runs[i].old_pool);
	}
	engine_unobserve(ctx->eng, &obs);
	ctx->eng->tls_client = NULL;	/* the contexts are the caller's */
	engine_free(ctx->eng);
	free(ctx);
}

/* The probes worth running inside TLS: the banner (IMAPS, POP3S, SMTPS),
 * the request/reply probes of what commonly runs over TLS, and http2
 * (with ALPN h2 offered). */
#define PROBE_TLS_INSIDE "banner,echo,redis,http,memcached,line,xmpp,ldap," \
	"amqp,mqtt,stomp,http2"

/* The server speaks TLS: handshake (without verifying: the probe reports
 * what the server presents) and probe inside; the verdict becomes the
 * inner one ("http over TLS") when it is likely or certain. */
static void
probe_inside_tls(const struct probe_opts *o, const char *host,
    struct probe_result *out)
{
	struct tls_opts to;
	struct tls_ctx *plain = NULL, *alpn = NULL;
	struct probe_result *in = xcalloc(1, sizeof(*in));
	struct probe_opts io = *o;
	char err[256];
	size_t i, base;
	int is_name = 0;

	for (i = 0; host[i] != '\0'; i++)
		is_name |= isalpha((unsigned char)host[i]) && strchr(host, ':') ==
		    NULL;
	memset(&to, 0, sizeof(to));
	to.insecure = 1;
	to.sni = is_name ? host : NULL;
	out->tls.tried = 1;
	if (tls_ctx_new(&to, &plain, err, sizeof(err)) < 0 ||
	    (to.alpn = "h2,http/1.1", tls_ctx_new(&to, &alpn, err,
	    sizeof(err))) < 0) {
		snprintf(out->tls.error, sizeof(out->tls.error), "%.150s", err);
		tls_ctx_free(plain);
		free(in);
		return;
	}
	snprintf(in->target, sizeof(in->target), "%s", out->target);
	io.only = PROBE_TLS_INSIDE;
	probe_pass(&io, host, in, plain, alpn, &out->tls);
	in->timeout = o->timeout;
	probe_verdict(in);
	tls_ctx_free(plain);
	tls_ctx_free(alpn);
	snprintf(out->tls.inside_summary, sizeof(out->tls.inside_summary),
	    "%.199s", in->summary);
	base = out->nev;
	for (i = 0; i < in->nev && out->nev < PROBE_MAX; i++)
		out->ev[out->nev++] = in->ev[i];
	if (in->verdict.conf >= PROBE_LIKELY && in->verdict_probe >= 0 &&
	    base + (size_t)in->verdict_probe < out->nev) {
		char detail[sizeof(out->verdict.detail)];

		out->verdict = in->verdict;
		out->verdict_probe = (int)base + in->verdict_probe;
		snprintf(detail, sizeof(detail), "inside %.15s: %.170s",
		    out->tls.version[0] ? out->tls.version : "TLS",
		    in->verdict.detail);
		memcpy(out->verdict.detail, detail, sizeof(detail));
		out->tls.inside = 1;
		out->status = PROBE_IDENTIFIED;
		snprintf(out->summary, sizeof(out->summary), "identified: %s "
		    "over TLS, %s", out->verdict.protocol,
		    probe_conf_name(out->verdict.conf));
	} else {
		size_t len = strlen(out->summary);

		snprintf(out->summary + len, sizeof(out->summary) - len,
		    "; inside TLS: %.200s", out->tls.done ? in->summary :
		    out->tls.error[0] ? out->tls.error : "no handshake");
	}
	free(in);
}

/* Note in r->starttls whether the follow-up's reply (r->ev[first]) offers
 * an upgrade to TLS: SMTP "250-STARTTLS" (RFC 3207), IMAP's STARTTLS
 * capability (RFC 3501), POP3's STLS (RFC 2595), FTP's "AUTH TLS" feature
 * (RFC 4217). */
static void
probe_starttls_note(struct probe_result *r, size_t first)
{
	static const struct {
		const char *probe, *word, *what;
	} offers[] = {
		{ "smtp-ehlo", "STARTTLS", "EHLO reply" },
		{ "imap-capa", "STARTTLS", "CAPABILITY" },
		{ "pop3-capa", "\nSTLS", "CAPA list" },
		{ "ftp-feat", " AUTH TLS", "FEAT list" },
	};
	const struct probe_evidence *e;
	const unsigned char *at;
	size_t i, k;
	char line[96];

	if (first >= r->nev)
		return;
	e = &r->ev[first];
	for (i = 0; i < sizeof(offers) / sizeof(offers[0]); i++)
		if (strcmp(e->probe, offers[i].probe) == 0)
			break;
	if (i == sizeof(offers) / sizeof(offers[0]))
		return;
	if (e->recv_total == 0) {
		snprintf(r->starttls, sizeof(r->starttls), "unknown: no reply "
		    "to %s (%s)", e->probe, e->outcome);
		return;
	}
	at = memmem(e->recv, e->recv_len, offers[i].word,
	    strlen(offers[i].word));
	if (at == NULL) {
		snprintf(r->starttls, sizeof(r->starttls), "not offered: no %s "
		    "in the %s", offers[i].word + (offers[i].word[0] == '\n' ||
		    offers[i].word[0] == ' '), offers[i].what);
		return;
	}
	while (at > e->recv && at[-1] != '\n')
		at--;
	for (k = 0; at + k < e->recv + e->recv_len && at[k] != '\r' &&
	    at[k] != '\n'; k++)
		;
	escape_bytes(at, k, line, sizeof(line), 1);
	r->starttls_offered = 1;
	snprintf(r->starttls, sizeof(r->starttls), "offered: \"%s\" in the "
	    "%s", line, offers[i].what);
}

/* After a certain mail or FTP verdict, ask what the server offers (EHLO,
 * CAPABILITY, CAPA, FEAT) on one more connection and note STARTTLS. */
static void
probe_follow_up(const struct probe_opts *o, const char *host,
    struct probe_result *out)
{
	struct probe_opts fo = *o;
	size_t i, first = out->nev;

	if (out->verdict.conf != PROBE_CERTAIN || out->nev >= PROBE_MAX - 1)
		return;
	for (i = 0; i < PROBE_NDEFS; i++)
		if (probe_table[i].follow != NULL && strcmp(probe_table[i].follow,
		    out->verdict.protocol) == 0)
			break;
	if (i == PROBE_NDEFS || (o->only != NULL &&
	    !probe_selected_named(o->only, probe_table[i].name)))
		return;
	/* A greeting that took longer than --timeout would take as long
	 * again: say so instead of asking. */
	if (out->verdict_probe >= 0 &&
	    out->ev[out->verdict_probe].seconds > o->timeout) {
		snprintf(out->starttls, sizeof(out->starttls), "not asked: the "
		    "greeting took %.1fs", out->ev[out->verdict_probe].seconds);
		return;
	}
	fo.only = probe_table[i].name;
	probe_pass(&fo, host, out, NULL, NULL, NULL);
	probe_starttls_note(out, first);
}

int
probe_detect(const char *target, const struct probe_opts *o,
    struct probe_result *out)
{
	struct probe_opts po;
	struct sigaction sa;
	char err[256], host[256];
	int port;
	double t0 = clock_now_mono();

	memset(out, 0, sizeof(*out));
	memset(&po, 0, sizeof(po));
	snprintf(out->target, sizeof(out->target), "%s", target);
	if (o != NULL)
		po = *o;
	if (po.timeout <= 0)
		po.timeout = PROBE_TIMEOUT_DEFAULT;
	if (po.banner_wait <= 0)
		po.banner_wait = PROBE_BANNER_WAIT;
	if (po.banner_wait > po.timeout)
		po.banner_wait = po.timeout;
	if (po.connect_timeout <= 0)
		po.connect_timeout = PROBE_CONNECT_TIMEOUT;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
	if (split_hostport(target, host, sizeof(host), &port, err,
	    sizeof(err)) < 0) {
		out->status = PROBE_UNREACHABLE;
		snprintf(out->summary, sizeof(out->summary), "%.190s", err);
		return probe_exit_status(out);
	}
	if (host[0] == '\0')
		snprintf(host, sizeof(host), "127.0.0.1");
	probe_pass(&po, host, out, NULL, NULL, NULL);
	out->timeout = po.timeout;
	probe_verdict(out);
	probe_follow_up(&po, host, out);
	if (!po.no_tls_inside && strcmp(out->verdict.protocol, "tls") == 0 &&
	    out->verdict.conf == PROBE_CERTAIN &&
	    strstr(out->verdict.detail, "alert") == NULL)
		probe_inside_tls(&po, host, out);
	out->seconds = clock_now_mono() - t0;
	return probe_exit_status(out);
}
