/* Matchers for binary protocols: the MySQL/MariaDB greeting, and the
 * replies to the probes of src/probe/probe_payload.c (PostgreSQL, MQTT,
 * AMQP, LDAP, DNS, gearman, MongoDB, Kafka, RDP, HTTP/2). Each checks the
 * lengths and the ids its probe sent, so an echo or another protocol's
 * bytes are not taken for it; the source is named above each matcher. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "probe/probe_int.h"
#include "util.h"

/* 1 if p[0..n) is printable ASCII. */
static int
probe_printable(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return 0;
	return 1;
}

/* MySQL/MariaDB Initial Handshake Packet v10 (MySQL client/server
 * protocol): 3-byte length, sequence 0, protocol 10, a NUL-terminated
 * server version, a connection id, 8 bytes of salt and a 0 filler. Or
 * an error packet (0xff) when the server refuses this host. */
enum probe_conf
probe_m_mysql(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *p = o->recv, *nul;
	size_t n = o->recv_len, len, vl;
	char ver[64], *s;

	if (n < 7 || p[3] != 0)
		return PROBE_NONE;
	len = p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16;
	if (len < 3 || len > 0x4000)
		return PROBE_NONE;
	if (p[4] == 0xff && n >= 4 + len && len >= 4 &&
	    probe_printable(p + 7, len - 3) && o->sent_len == 0) {
		probe_word(p + 7, len - 3, "", ver, sizeof(ver));
		return probe_set(m, PROBE_LIKELY, "mysql", "raw", "an error "
		    "packet %u before the handshake: %s", p[5] | p[6] << 8, ver);
	}
	if (p[4] != 0x0a || (nul = memchr(p + 5, 0, n - 5)) == NULL)
		return PROBE_NONE;
	vl = (size_t)(nul - (p + 5));
	if (vl == 0 || vl >= sizeof(ver) || !probe_printable(p + 5, vl) ||
	    !isdigit(p[5]) || 5 + vl + 1 + 4 + 8 + 1 > n ||
	    5 + vl + 1 + 4 + 8 + 1 > 4 + len || p[5 + vl + 1 + 4 + 8] != 0)
		return PROBE_NONE;
	memcpy(ver, p + 5, vl);
	ver[vl] = '\0';
	probe_set(m, PROBE_CERTAIN, "mysql", "raw", "handshake v10, server "
	    "version %s", ver);
	/* MariaDB 10+ says "5.5.5-10.11.19-MariaDB-0+deb12u1". */
	s = ver;
	if (strncmp(s, "5.5.5-", 6) == 0 && strstr(s, "MariaDB") != NULL)
		s += 6;
	if (strstr(s, "MariaDB") != NULL)
		snprintf(m->product, sizeof(m->product), "MariaDB");
	else
		snprintf(m->product, sizeof(m->product), "MySQL");
	probe_word((const unsigned char *)s, strlen(s), "-", m->version,
	    sizeof(m->version));
	return m->conf;
}

/* PostgreSQL's answer to a StartupMessage: ErrorResponse 'E' with its
 * S/V/C fields, or an AuthenticationRequest 'R' (PostgreSQL protocol
 * docs, "Message Formats"). */
enum probe_conf
probe_m_postgres(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *p = o->recv, *f, *end;
	size_t n = o->recv_len, len;
	char sev[16] = "", code[8] = "", msg[120] = "";
	uint32_t auth;

	if (n < 9 || (p[0] != 'E' && p[0] != 'R'))
		return PROBE_NONE;
	len = probe_be32(p + 1);
	if (len < 8 || len > 0x10000)
		return PROBE_NONE;
	if (p[0] == 'R') {
		auth = probe_be32(p + 5);
		if (auth > 12 || auth == 1 || auth == 4 || auth == 6 ||
		    (auth <= 5 && len != 8 && auth != 5) ||
		    (auth == 5 && len != 12))
			return PROBE_NONE;
		probe_set(m, PROBE_CERTAIN, "postgresql", "raw", "an "
		    "authentication request (method %u)", (unsigned)auth);
		snprintf(m->product, sizeof(m->product), "PostgreSQL");
		return m->conf;
	}
	end = p + (1 + len < n ? 1 + len : n);
	for (f = p + 5; f < end && *f != 0;) {
		const unsigned char *z = memchr(f + 1, 0, (size_t)(end - f - 1));
		size_t fl;

		if (z == NULL)
			break;
		fl = (size_t)(z - f - 1);
		if (*f == 'S' && fl < sizeof(sev))
			probe_word(f + 1, fl, "", sev, sizeof(sev));
		else if (*f == 'C' && fl < sizeof(code))
			probe_word(f + 1, fl, "", code, sizeof(code));
		else if (*f == 'M')
			probe_word(f + 1, fl, "", msg, sizeof(msg));
		f = z + 1;
	}
	if (sev[0] == '\0' || strlen(code) != 5)
		return PROBE_NONE;
	probe_set(m, PROBE_CERTAIN, "postgresql", "raw", "ErrorResponse %s "
	    "%s: %s", sev, code, msg);
	snprintf(m->product, sizeof(m->product), "PostgreSQL");
	return m->conf;
}

/* MQTT CONNACK to our CONNECT: 0x20 0x02, flags, return code 0..5 (MQTT
 * 3.1.1, 3.2); an MQTT 5 server may send properties (length > 2). */
enum probe_conf
probe_m_mqtt(const struct probe_obs *o, struct probe_match *m)
{
	static const char *const rc[] = { "accepted", "unacceptable protocol "
	    "version", "identifier rejected", "server unavailable", "bad user "
	    "name or password", "not authorized" };
	const unsigned char *p = o->recv;

	if (strcmp(o->probe, "mqtt") != 0 || o->recv_len < 4 || p[0] != 0x20 ||
	    p[1] < 2 || p[1] > 0x7f || p[2] > 1)
		return PROBE_NONE;
	if (p[1] == 2 && p[3] <= 5)
		return probe_set(m, PROBE_CERTAIN, "mqtt", "raw", "CONNACK: "
		    "%s (return code %u)", rc[p[3]], p[3]);
	if (p[1] > 2 && (p[3] == 0 || p[3] >= 0x80))
		return probe_set(m, PROBE_CERTAIN, "mqtt", "raw", "MQTT 5 "
		    "CONNACK, reason code 0x%02x", p[3]);
	return PROBE_NONE;
}

/* Copy an AMQP field table's longstr value for key into out ("\x07product"
 * 'S' length32 bytes), or leave out empty. */
static void
probe_amqp_str(const unsigned char *p, size_t n, const char *key, char *out,
    size_t outlen)
{
	char pat[32];
	const unsigned char *k;
	size_t kl = strlen(key), vl, at;

	out[0] = '\0';
	pat[0] = (char)kl;
	memcpy(pat + 1, key, kl);
	pat[kl + 1] = 'S';
	pat[kl + 2] = '\0';
	if ((k = memmem(p, n, pat, kl + 2)) == NULL)
		return;
	at = (size_t)(k - p) + kl + 2;
	if (at + 4 > n)
		return;
	vl = probe_be32(p + at);
	at += 4;
	if (vl > n - at)
		vl = n - at;
	probe_word(p + at, vl, "", out, outlen);
}

/* AMQP 0-9-1: connection.start (frame type 1, channel 0, class 10,
 * method 10) with product and version in the server properties, or the
 * protocol header a server sends back for a version it does not speak
 * (AMQP 0-9-1, 4.2.2 and 1.4.2.1). */
enum probe_conf
probe_m_amqp(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *p = o->recv;
	size_t n = o->recv_len;

	if (strcmp(o->probe, "amqp") != 0)
		return PROBE_NONE;
	if (n >= 8 && memcmp(p, "AMQP", 4) == 0 && !(p[4] == 0 && p[5] == 0 &&
	    p[6] == 9 && p[7] == 1 && o->sent_len == 8 && n == 8))
		return probe_set(m, PROBE_CERTAIN, "amqp", "raw", "a protocol "
		    "header for AMQP %u-%u-%u: the server speaks another version",
		    p[5], p[6], p[7]);
	if (n < 13 || p[0] != 1 || p[1] != 0 || p[2] != 0 ||
	    probe_be16(p + 7) != 10 || probe_be16(p + 9) != 10)
		return PROBE_NONE;
	probe_set(m, PROBE_CERTAIN, "amqp", "raw", "connection.start, AMQP "
	    "%u-%u", p[11], p[12]);
	probe_amqp_str(p, n, "product", m->product, sizeof(m->product));
	probe_amqp_str(p, n, "version", m->version, sizeof(m->version));
	return m->conf;
}

/* Name an LDAP result code (RFC 4511, 4.1.9). */
static const char *
probe_ldap_rc(unsigned rc)
{
	switch (rc) {
	case 0:		return "success";
	case 2:		return "protocolError";
	case 7:		return "authMethodNotSupported";
	case 8:		return "strongerAuthRequired";
	case 13:	return "confidentialityRequired";
	case 48:	return "inappropriateAuthentication";
	case 49:	return "invalidCredentials";
	case 50:	return "insufficientAccessRights";
	case 53:	return "unwillingToPerform";
	default:	return "resultCode";
	}
}

/* LDAP: the BindResponse to our bind, message id 1 (or a Notice of
 * Disconnection), with its result code (RFC 4511, 4.2.2 and 4.4.1). */
enum probe_conf
probe_m_ldap(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *p = o->recv;
	size_t n = o->recv_len, i = 2;
	unsigned op;

	if (n < 12 || p[0] != 0x30)
		return PROBE_NONE;
	if (p[1] & 0x80) {
		if ((p[1] & 0x7f) == 0 || (p[1] & 0x7f) > 4)
			return PROBE_NONE;
		i += p[1] & 0x7f;
	}
	/* messageID INTEGER (1 to our bind, 0 for an unsolicited notice). */
	if (i + 3 > n || p[i] != 0x02 || p[i + 1] != 1 || p[i + 2] > 1)
		return PROBE_NONE;
	i += 3;
	if (i + 2 > n || (p[i] != 0x61 && p[i] != 0x78))
		return PROBE_NONE;
	op = p[i++];
	if (p[i] & 0x80)
		i += p[i] & 0x7f;
	i++;
	if (i + 3 > n || p[i] != 0x0a || p[i + 1] != 1)
		return PROBE_NONE;
	return probe_set(m, PROBE_CERTAIN, "ldap", "raw", "%s, %s (%u)",
	    op == 0x78 ? "Notice of Disconnection" : "BindResponse",
	    probe_ldap_rc(p[i + 2]), p[i + 2]);
}

/* Skip a DNS name at p[i..n); returns the offset after it, or 0. */
static size_t
probe_dns_skip(const unsigned char *p, size_t n, size_t i)
{
	while (i < n) {
		if ((p[i] & 0xc0) == 0xc0)
			return i + 2 <= n ? i + 2 : 0;
		if (p[i] == 0)
			return i + 1;
		i += 1 + (size_t)p[i];
	}
	return 0;
}

/* DNS over TCP: a response (QR set) with our query's id; a TXT answer to
 * version.bind names the product (RFC 1035, 4.1 and 4.2.2). */
enum probe_conf
probe_m_dns(const struct probe_obs *o, struct probe_match *m)
{
	static const char *const rcodes[] = { "NOERROR", "FORMERR",
	    "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED" };
	const unsigned char *p = o->recv + 2;
	size_t n, i, rdl;
	unsigned rc, an;
	char txt[64] = "", *dash;

	if (strcmp(o->probe, "dns") != 0 || o->recv_len < 14)
		return PROBE_NONE;
	n = o->recv_len - 2;
	if (probe_be16(o->recv) < 12 || probe_be16(p) != PROBE_DNS_ID ||
	    !(p[2] & 0x80) || (p[2] & 0x78) != 0)
		return PROBE_NONE;
	rc = p[3] & 0x0f;
	an = probe_be16(p + 6);
	i = 12;
	if (probe_be16(p + 4) == 1 && (i = probe_dns_skip(p, n, i)) != 0)
		i += 4;
	if (an > 0 && i != 0 && (i = probe_dns_skip(p, n, i)) != 0 &&
	    i + 10 < n && probe_be16(p + i) == 16) {
		rdl = probe_be16(p + i + 8);
		i += 10;
		if (i + rdl <= n && rdl > 1 && p[i] < rdl)
			probe_word(p + i + 1, p[i], "", txt, sizeof(txt));
	}
	probe_set(m, PROBE_CERTAIN, "dns", "len16", "a DNS response to our "
	    "query, %s%s%s%s", rc < 6 ? rcodes[rc] : "rcode", txt[0] ?
	    ", version.bind \"" : "", txt, txt[0] ? "\"" : "");
	if (txt[0] != '\0') {
		/* "dnsmasq-2.90", "9.18.24-1-Debian" (BIND), "unbound 1.17.1" */
		if ((dash = strchr(txt, '-')) != NULL && !isdigit(txt[0])) {
			*dash = '\0';
			snprintf(m->product, sizeof(m->product), "%s", txt);
			snprintf(m->version, sizeof(m->version), "%s", dash + 1);
		} else if ((dash = strchr(txt, ' ')) != NULL) {
			*dash = '\0';
			snprintf(m->product, sizeof(m->product), "%s", txt);
			snprintf(m->version, sizeof(m->version), "%s", dash + 1);
		} else
			snprintf(m->version, sizeof(m->version), "%s", txt);
	}
	return m->conf;
}

/* gearman binary protocol: a "\0RES" packet (ECHO_RES 17 to our
 * ECHO_REQ, or ERROR 19) (gearman.org PROTOCOL). */
enum probe_conf
probe_m_gearman(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *p = o->recv;
	uint32_t type;

	if (o->recv_len < 12 || memcmp(p, "\0RES", 4) != 0)
		return PROBE_NONE;
	type = probe_be32(p + 4);
	if (type != 17 && type != 19)
		return PROBE_NONE;
	probe_set(m, PROBE_CERTAIN, "gearman", "raw", "a binary \\0RES %s "
	    "packet", type == 17 ? "ECHO_RES" : "ERROR");
	snprintf(m->product, sizeof(m->product), "gearmand");
	return m->conf;
}

/* The MongoDB release a maxWireVersion first came with. */
static const char *
probe_mongo_release(int wire)
{
	static const char *const rel[] = { "2.6", "3.0", "3.2", "3.4",
	    "3.6", "4.0", "4.2", "4.4", "4.7", "4.8", "4.9", "5.0", "5.1",
	    "5.2", "5.3", "6.0", "6.1", "6.2", "6.3", "7.0" };

	if (wire >= 2 && wire <= 21)
		return rel[wire - 2];
	return wire == 25 ? "8.0" : NULL;
}

/* MongoDB: an OP_MSG (or legacy OP_REPLY) answering our requestID; the
 * hello document's maxWireVersion dates the server (MongoDB wire
 * protocol). */
enum probe_conf
probe_m_mongodb(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *p = o->recv, *w;
	uint32_t len, op;
	int wire = -1;
	const char *rel;

	if (o->recv_len < 16)
		return PROBE_NONE;
	len = probe_le32(p);
	op = probe_le32(p + 12);
	if (len < 16 || len > 48000000 || probe_le32(p + 8) !=
	    PROBE_MONGO_REQID || (op != 2013 && op != 1))
		return PROBE_NONE;
	if ((w = memmem(p, o->recv_len, "\x10maxWireVersion", 16)) != NULL &&
	    w + 21 <= p + o->recv_len)
		wire = (int)probe_le32(w + 16);
	probe_set(m, PROBE_CERTAIN, "mongodb", "raw", "%s answering our "
	    "request id", op == 2013 ? "OP_MSG" : "OP_REPLY");
	snprintf(m->product, sizeof(m->product), "MongoDB");
	if (wire >= 0) {
		rel = probe_mongo_release(wire);
		snprintf(m->detail + strlen(m->detail), sizeof(m->detail) -
		    strlen(m->detail), ", maxWireVersion %d", wire);
		if (rel != NULL)
			snprintf(m->version, sizeof(m->version), "%s+", rel);
	}
	return m->conf;
}

/* Kafka: an ApiVersions response with our correlation id, an error code
 * and a plausible count of API keys (Kafka protocol guide). */
enum probe_conf
probe_m_kafka(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *p = o->recv;
	uint32_t len, count;
	unsigned err;

	if (strcmp(o->probe, "kafka") != 0 || o->recv_len < 10)
		return PROBE_NONE;
	len = probe_be32(p);
	if (len < 6 || len > 0x100000 || probe_be32(p + 4) != PROBE_KAFKA_CORR)
		return PROBE_NONE;
	err = probe_be16(p + 8);
	if (err > 200)
		return PROBE_NONE;
	count = o->recv_len >= 14 ? probe_be32(p + 10) : 0;
	probe_set(m, PROBE_CERTAIN, "kafka", "raw", "ApiVersions response, "
	    "error code %u, %u API keys", err, count < 1000 ? count : 0);
	snprintf(m->product, sizeof(m->product), "Kafka");
	return m->conf;
}

/* RDP: a TPKT (version 3) carrying an X.224 Connection Confirm (0xd0),
 * with the RDP Negotiation Response or Failure ([MS-RDPBCGR] 2.2.1.2). */
enum probe_conf
probe_m_rdp(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *p = o->recv;
	size_t n = o->recv_len;

	if (n < 11 || p[0] != 3 || p[1] != 0 || probe_be16(p + 2) < 11 ||
	    p[5] != 0xd0 || p[4] + 5u > probe_be16(p + 2))
		return PROBE_NONE;
	if (n >= 19 && p[11] == 2)
		return probe_set(m, PROBE_CERTAIN, "rdp", "raw", "X.224 "
		    "Connection Confirm, RDP Negotiation Response, protocol "
		    "0x%02x", p[15]);
	if (n >= 19 && p[11] == 3)
		return probe_set(m, PROBE_CERTAIN, "rdp", "raw", "X.224 "
		    "Connection Confirm, RDP Negotiation Failure %u", p[15]);
	return probe_set(m, PROBE_LIKELY, "rdp", "raw", "an X.224 Connection "
	    "Confirm in a TPKT (RDP without negotiation, or another ISO "
	    "transport service)");
}

/* HTTP/2: the server's connection preface is a SETTINGS frame on stream
 * 0 whose length is a multiple of 6, or a GOAWAY (RFC 9113, 3.4, 6.5). */
enum probe_conf
probe_m_http2(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *p = o->recv;
	size_t len;

	if (strcmp(o->probe, "http2") != 0 || o->recv_len < 9 ||
	    (probe_be32(p + 5) & 0x7fffffff) != 0)
		return PROBE_NONE;
	len = (size_t)p[0] << 16 | probe_be16(p + 1);
	if (p[3] == 4 && len % 6 == 0 && (p[4] & ~1) == 0 && len <= 16384)
		return probe_set(m, PROBE_CERTAIN, "http2", "raw", "a SETTINGS "
		    "frame on stream 0 (%zu settings) answering the preface",
		    len / 6);
	if (p[3] == 7 && len >= 8 && p[4] == 0)
		return probe_set(m, PROBE_CERTAIN, "http2", "raw", "a GOAWAY "
		    "frame answering the preface");
	return PROBE_NONE;
}
