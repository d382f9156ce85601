/* The payloads of the protocol probes and when their replies are whole.
 * Every payload is small, asks for nothing that changes the server (a
 * hello, a version, an anonymous bind, a failed login at most) and is
 * byte-for-byte the same on every run, so recorded replies stay valid. */
#include <stdio.h>
#include <string.h>
#include "probe/probe_int.h"

/* Copy n bytes of p into out, at most outlen. */
static size_t
probe_copy(const void *p, size_t n, unsigned char *out, size_t outlen)
{
	if (n > outlen)
		n = outlen;
	memcpy(out, p, n);
	return n;
}

/* snprintf's length, clipped to what fit. */
static size_t
probe_fit(int n, size_t outlen)
{
	if (n < 0)
		return 0;
	return (size_t)n < outlen ? (size_t)n : outlen ? outlen - 1 : 0;
}

/* PostgreSQL StartupMessage, protocol 3.0, for a user that should not
 * exist (PostgreSQL protocol docs, "Message Formats"): the server asks
 * for a password ('R') or says why not ('E'). */
size_t
probe_build_postgres(const char *host, unsigned char *out, size_t outlen)
{
	static const char body[] = "\x00\x03\x00\x00" "user\0sockbench\0"
	    "database\0sockbench\0application_name\0sockbench-probe\0";
	unsigned char m[128];
	size_t n = 4 + sizeof(body);	/* sizeof counts the final NUL */

	(void)host;
	m[0] = 0;
	m[1] = 0;
	m[2] = (unsigned char)(n >> 8);
	m[3] = (unsigned char)n;
	memcpy(m + 4, body, sizeof(body));
	return probe_copy(m, n, out, outlen);
}

/* MQTT 3.1.1 CONNECT, clean session, client id "sockbench" (OASIS MQTT
 * 3.1.1, 3.1). */
size_t
probe_build_mqtt(const char *host, unsigned char *out, size_t outlen)
{
	static const unsigned char m[] = { 0x10, 0x15, 0x00, 0x04, 'M', 'Q',
	    'T', 'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x09, 's', 'o', 'c', 'k',
	    'b', 'e', 'n', 'c', 'h' };

	(void)host;
	return probe_copy(m, sizeof(m), out, outlen);
}

/* The AMQP 0-9-1 protocol header (AMQP 0-9-1 spec, 4.2.2). */
size_t
probe_build_amqp(const char *host, unsigned char *out, size_t outlen)
{
	(void)host;
	return probe_copy("AMQP\x00\x00\x09\x01", 8, out, outlen);
}

/* An LDAPv3 anonymous simple bind, message id 1 (RFC 4511, 4.2). */
size_t
probe_build_ldap(const char *host, unsigned char *out, size_t outlen)
{
	static const unsigned char m[] = { 0x30, 0x0c, 0x02, 0x01, 0x01, 0x60,
	    0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00 };

	(void)host;
	return probe_copy(m, sizeof(m), out, outlen);
}

/* A DNS query over TCP for version.bind TXT in class CHAOS (RFC 1035
 * 4.2.2; the BIND convention every major server answers or refuses). */
size_t
probe_build_dns(const char *host, unsigned char *out, size_t outlen)
{
	static const unsigned char m[] = { 0x00, 0x1e,
	    PROBE_DNS_ID >> 8, PROBE_DNS_ID & 0xff, 0x01, 0x00, 0x00, 0x01,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    7, 'v', 'e', 'r', 's', 'i', 'o', 'n', 4, 'b', 'i', 'n', 'd', 0,
	    0x00, 0x10, 0x00, 0x03 };

	(void)host;
	return probe_copy(m, sizeof(m), out, outlen);
}

/* A gearman binary ECHO_REQ (gearman.org protocol: "\0REQ", type 16). */
size_t
probe_build_gearman(const char *host, unsigned char *out, size_t outlen)
{
	static const unsigned char m[] = { 0, 'R', 'E', 'Q', 0, 0, 0, 16,
	    0, 0, 0, 9, 's', 'o', 'c', 'k', 'b', 'e', 'n', 'c', 'h' };

	(void)host;
	return probe_copy(m, sizeof(m), out, outlen);
}

/* beanstalkd's `stats` (beanstalkd protocol.txt); memcached answers it
 * too, with STAT lines. */
size_t
probe_build_stats(const char *host, unsigned char *out, size_t outlen)
{
	(void)host;
	return probe_copy("stats\r\n", 7, out, outlen);
}

/* An XMPP client stream header (RFC 6120, 4.2). */
size_t
probe_build_xmpp(const char *host, unsigned char *out, size_t outlen)
{
	return probe_fit(snprintf((char *)out, outlen, "<?xml version='1.0'?>"
	    "<stream:stream to='%s' xmlns='jabber:client' "
	    "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>",
	    host), outlen);
}

/* A git daemon request for a repository that should not exist, as one
 * pkt-line (git's pack-protocol.txt). */
size_t
probe_build_git(const char *host, unsigned char *out, size_t outlen)
{
	char body[320];
	int n = snprintf(body, sizeof(body), "git-upload-pack "
	    "/sockbench-probe.git%chost=%s%c", 0, host, 0);

	if (n < 0 || (size_t)n >= sizeof(body) || outlen < (size_t)n + 4)
		return 0;
	snprintf((char *)out, outlen, "%04x", n + 4);
	memcpy(out + 4, body, (size_t)n);
	return (size_t)n + 4;
}

/* A STOMP CONNECT frame (STOMP 1.2, "CONNECT or STOMP Frame"). */
size_t
probe_build_stomp(const char *host, unsigned char *out, size_t outlen)
{
	int n = snprintf((char *)out, outlen, "CONNECT\naccept-version:1.0,"
	    "1.1,1.2\nhost:%s\n\n", host);

	if (n < 0 || (size_t)n + 1 > outlen)
		return 0;
	out[n] = '\0';
	return (size_t)n + 1;
}

/* ZooKeeper's `srvr` four-letter word (ZooKeeper admin guide). */
size_t
probe_build_zookeeper(const char *host, unsigned char *out, size_t outlen)
{
	(void)host;
	return probe_copy("srvr", 4, out, outlen);
}

/* A MongoDB OP_MSG {hello: 1, $db: "admin"} (MongoDB wire protocol). */
size_t
probe_build_mongodb(const char *host, unsigned char *out, size_t outlen)
{
	static const unsigned char m[52] = {
	    52, 0, 0, 0,				/* messageLength */
	    0x01, 0x00, 0x42, 0x53,			/* requestID */
	    0, 0, 0, 0,					/* responseTo */
	    0xdd, 0x07, 0, 0,				/* OP_MSG 2013 */
	    0, 0, 0, 0,					/* flagBits */
	    0,						/* section: body */
	    31, 0, 0, 0,				/* BSON length */
	    0x10, 'h', 'e', 'l', 'l', 'o', 0, 1, 0, 0, 0,
	    0x02, '$', 'd', 'b', 0, 6, 0, 0, 0, 'a', 'd', 'm', 'i', 'n', 0,
	    0 };

	(void)host;
	return probe_copy(m, sizeof(m), out, outlen);
}

/* A Kafka ApiVersions v0 request, client id "sockbench" (Kafka protocol
 * guide). */
size_t
probe_build_kafka(const char *host, unsigned char *out, size_t outlen)
{
	static const unsigned char m[] = { 0, 0, 0, 19, 0, 18, 0, 0,
	    0x53, 0x42, 0x00, 0x02, 0, 9, 's', 'o', 'c', 'k', 'b', 'e', 'n',
	    'c', 'h' };

	(void)host;
	return probe_copy(m, sizeof(m), out, outlen);
}

/* An RDP X.224 Connection Request with an RDP Negotiation Request for TLS
 * and CredSSP ([MS-RDPBCGR] 2.2.1.1). */
size_t
probe_build_rdp(const char *host, unsigned char *out, size_t outlen)
{
	static const unsigned char m[] = { 0x03, 0x00, 0x00, 0x13, 0x0e, 0xe0,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x08, 0x00, 0x03, 0x00,
	    0x00, 0x00 };

	(void)host;
	return probe_copy(m, sizeof(m), out, outlen);
}

/* A SIP OPTIONS request over TCP (RFC 3261, 11). */
size_t
probe_build_sip(const char *host, unsigned char *out, size_t outlen)
{
	return probe_fit(snprintf((char *)out, outlen, "OPTIONS sip:%s "
	    "SIP/2.0\r\nVia: SIP/2.0/TCP %s;branch=z9hG4bKsockbench\r\n"
	    "Max-Forwards: 70\r\nTo: <sip:%s>\r\nFrom: <sip:probe@%s>;"
	    "tag=sockbench\r\nCall-ID: sockbench-probe\r\nCSeq: 1 OPTIONS\r\n"
	    "Accept: application/sdp\r\nContent-Length: 0\r\n\r\n", host, host,
	    host, host), outlen);
}

/* A WebSocket opening handshake for / (RFC 6455, 4.1). */
size_t
probe_build_websocket(const char *host, unsigned char *out, size_t outlen)
{
	return probe_fit(snprintf((char *)out, outlen, "GET / HTTP/1.1\r\n"
	    "Host: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: " PROBE_WS_KEY "\r\n"
	    "Sec-WebSocket-Version: 13\r\nUser-Agent: sockbench-probe\r\n\r\n",
	    host), outlen);
}

/* The HTTP/2 client connection preface and an empty SETTINGS frame
 * (RFC 9113, 3.4: prior knowledge). */
size_t
probe_build_http2(const char *host, unsigned char *out, size_t outlen)
{
	static const char m[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
	    "\x00\x00\x00\x04\x00\x00\x00\x00\x00";

	(void)host;
	return probe_copy(m, sizeof(m) - 1, out, outlen);
}

int
probe_done_postgres(const unsigned char *p, size_t n)
{
	return n >= 5 && (p[0] == 'E' || p[0] == 'R') &&
	    n >= 1 + (size_t)probe_be32(p + 1);
}

int
probe_done_mqtt(const unsigned char *p, size_t n)
{
	return n >= 2 && n >= 2 + (size_t)(p[1] & 0x7f);
}

int
probe_done_amqp(const unsigned char *p, size_t n)
{
	if (n >= 8 && memcmp(p, "AMQP", 4) == 0)
		return 1;
	return n >= 7 && n >= 8 + (size_t)probe_be32(p + 3);
}

/* A whole BER element (LDAP's LDAPMessage): short or long length. */
int
probe_done_ber(const unsigned char *p, size_t n)
{
	size_t len, k, i;

	if (n < 2)
		return 0;
	if (p[1] < 0x80)
		return n >= 2 + (size_t)p[1];
	k = p[1] & 0x7f;
	if (k == 0 || k > 4)
		return 1;	/* not BER we can follow: nothing to wait for */
	if (n < 2 + k)
		return 0;
	for (len = 0, i = 0; i < k; i++)
		len = len << 8 | p[2 + i];
	return n >= 2 + k + len;
}

int
probe_done_dns(const unsigned char *p, size_t n)
{
	return n >= 2 && n >= 2 + (size_t)probe_be16(p);
}

int
probe_done_gearman(const unsigned char *p, size_t n)
{
	if (n >= 1 && p[0] != 0)
		return n > 0 && p[n - 1] == '\n';
	return n >= 12 && n >= 12 + (size_t)probe_be32(p + 8);
}

int
probe_done_mongodb(const unsigned char *p, size_t n)
{
	return n >= 4 && n >= (size_t)probe_le32(p);
}

int
probe_done_kafka(const unsigned char *p, size_t n)
{
	return n >= 4 && n >= 4 + (size_t)probe_be32(p);
}

int
probe_done_tpkt(const unsigned char *p, size_t n)
{
	return n >= 4 && n >= probe_be16(p + 2);
}

/* A whole HTTP-style head (SIP, a WebSocket upgrade): an empty line. */
int
probe_done_head(const unsigned char *p, size_t n)
{
	return probe_find(p, n, "\r\n\r\n") != NULL ||
	    probe_find(p, n, "\n\n") != NULL;
}

/* A STOMP frame ends with a NUL byte. */
int
probe_done_stomp(const unsigned char *p, size_t n)
{
	return memchr(p, 0, n) != NULL;
}

/* The server's first HTTP/2 frame, or an HTTP/1 answer's head. */
int
probe_done_http2(const unsigned char *p, size_t n)
{
	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0)
		return probe_done_head(p, n);
	return n >= 9 && n >= 9 + (((size_t)p[0] << 16) | probe_be16(p + 1));
}

/* beanstalkd's "OK <bytes>\r\n" and that many bytes and "\r\n", or
 * memcached's STAT lines up to "END\r\n". */
int
probe_done_stats(const unsigned char *p, size_t n)
{
	size_t i, len = 0;

	if (n >= 5 && memcmp(p + n - 5, "END\r\n", 5) == 0)
		return 1;
	if (n < 5 || memcmp(p, "OK ", 3) != 0)
		return 0;
	for (i = 3; i < n && p[i] >= '0' && p[i] <= '9' && len < 1000000; i++)
		len = len * 10 + (size_t)(p[i] - '0');
	return i + 2 <= n && p[i] == '\r' && n >= i + 2 + len + 2;
}

size_t
probe_build_smtp_ehlo(const char *host, unsigned char *out, size_t outlen)
{
	(void)host;
	return probe_copy("EHLO sockbench.invalid\r\nQUIT\r\n", 30, out,
	    outlen);
}

size_t
probe_build_imap_capa(const char *host, unsigned char *out, size_t outlen)
{
	(void)host;
	return probe_copy("a1 CAPABILITY\r\na2 LOGOUT\r\n", 26, out, outlen);
}

size_t
probe_build_pop3_capa(const char *host, unsigned char *out, size_t outlen)
{
	(void)host;
	return probe_copy("CAPA\r\nQUIT\r\n", 12, out, outlen);
}

size_t
probe_build_ftp_feat(const char *host, unsigned char *out, size_t outlen)
{
	(void)host;
	return probe_copy("FEAT\r\nQUIT\r\n", 12, out, outlen);
}
