/* Matchers for text protocols: banners (rsync, NATS, VNC, chargen,
 * daytime), replies to the probes of src/probe/probe_payload.c (XMPP,
 * STOMP, SIP, ZooKeeper, git, WebSocket, beanstalkd) and the error forms
 * of servers that answer any line (IRC, gearman). Each says `certain`
 * only for a form no other protocol produces; the source is named above
 * each matcher. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "probe/probe_int.h"
#include "util.h"

/* rsync daemon greeting "@RSYNCD: 31.0 ..." (rsync's clientserver.c). */
enum probe_conf
probe_m_rsync(const struct probe_obs *o, struct probe_match *m)
{
	char line[160];

	if (!probe_starts(o->recv, o->recv_len, "@RSYNCD: ") ||
	    o->recv_len < 10 || !isdigit(o->recv[9]))
		return PROBE_NONE;
	probe_first_line(o->recv, o->recv_len, line, sizeof(line));
	probe_set(m, PROBE_CERTAIN, "rsync", "line", "%s", line);
	snprintf(m->product, sizeof(m->product), "rsync");
	probe_word(o->recv + 9, o->recv_len - 9, " \r\n", m->version,
	    sizeof(m->version));
	if (m->version[0] != '\0') {
		char v[sizeof(m->version)];

		snprintf(v, sizeof(v), "%s", m->version);
		snprintf(m->version, sizeof(m->version), "protocol %.30s", v);
	}
	return m->conf;
}

/* NATS server greeting "INFO {json}" (NATS client protocol). */
enum probe_conf
probe_m_nats(const struct probe_obs *o, struct probe_match *m)
{
	char v[48];

	if (!probe_starts(o->recv, o->recv_len, "INFO {") ||
	    probe_find(o->recv, o->recv_len, "\"server_id\":") == NULL)
		return PROBE_NONE;
	probe_set(m, PROBE_CERTAIN, "nats", "line", "INFO with server_id");
	snprintf(m->product, sizeof(m->product), "nats-server");
	if (probe_json_str(o->recv, o->recv_len, "version", v, sizeof(v))) {
		snprintf(m->version, sizeof(m->version), "%s", v);
		snprintf(m->detail, sizeof(m->detail), "INFO {\"server_id\": "
		    "..., \"version\": \"%s\"}", v);
	}
	return m->conf;
}

/* 1 if p[0..n) is an IRC message with a prefix and a numeric or NOTICE
 * command: ":server 451 * :..." (RFC 2812, 2.3.1). */
static int
probe_irc_line(const unsigned char *p, size_t n)
{
	size_t i = 1;

	if (n < 8 || p[0] != ':')
		return 0;
	while (i < n && p[i] > ' ' && p[i] < 0x7f)
		i++;
	if (i == 1 || i + 5 > n || p[i] != ' ')
		return 0;
	i++;
	if (isdigit(p[i]) && isdigit(p[i + 1]) && isdigit(p[i + 2]) &&
	    p[i + 3] == ' ')
		return 1;
	return n - i >= 7 && memcmp(p + i, "NOTICE ", 7) == 0;
}

/* IRC: a server's prefixed numeric or NOTICE (451 "not registered" to
 * any command before registration), or an old "NOTICE AUTH" greeting. */
enum probe_conf
probe_m_irc(const struct probe_obs *o, struct probe_match *m)
{
	char line[160];

	if (probe_irc_line(o->recv, o->recv_len) ||
	    probe_starts(o->recv, o->recv_len, "NOTICE AUTH :")) {
		probe_first_line(o->recv, o->recv_len, line, sizeof(line));
		return probe_set(m, PROBE_CERTAIN, "irc", "line", "%s", line);
	}
	/* The ERROR command (RFC 2812, 3.7.4): "Closing Link" is IRC's
	 * own wording; other text after "ERROR :" only a guess. */
	if (probe_starts(o->recv, o->recv_len, "ERROR :")) {
		probe_first_line(o->recv, o->recv_len, line, sizeof(line));
		return probe_set(m, probe_starts(o->recv, o->recv_len,
		    "ERROR :Closing Link") ? PROBE_LIKELY : PROBE_POSSIBLE,
		    "irc", "line", "%s", line);
	}
	return PROBE_NONE;
}

/* XMPP: a server's stream header in the streams namespace, with the id
 * only a server sets, features or a stream error (RFC 6120, 4.2, 4.7.3,
 * 4.9), also when it answers anything with a stream error. */
enum probe_conf
probe_m_xmpp(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *p = o->recv;
	size_t n = o->recv_len;
	const char *kind;
	const unsigned char *err;
	char cond[48] = "";

	if (probe_find(p, n, "<stream:stream") == NULL ||
	    probe_find(p, n, "http://etherx.jabber.org/streams") == NULL)
		return PROBE_NONE;
	/* Our own header quoted back has no id, error or features. */
	if (probe_find(p, n, " id=") == NULL && probe_find(p, n,
	    "<stream:error") == NULL && probe_find(p, n,
	    "<stream:features") == NULL)
		return PROBE_NONE;
	kind = probe_find(p, n, "jabber:server") != NULL ? "server-to-server" :
	    "client";
	if ((err = probe_find(p, n, "<stream:error><")) != NULL)
		probe_word(err + 15, (size_t)(p + n - err - 15), " />", cond,
		    sizeof(cond));
	probe_set(m, PROBE_CERTAIN, "xmpp", "raw", "an XMPP %s stream header"
	    "%s%s", kind, cond[0] ? ", stream error " : "", cond);
	return m->conf;
}

/* beanstalkd: `stats` answered "OK <bytes>\r\n---\n" with its own keys
 * (beanstalkd protocol.txt); UNKNOWN_COMMAND alone is only a guess. */
enum probe_conf
probe_m_beanstalkd(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *v;

	if (probe_starts(o->recv, o->recv_len, "OK ") && probe_find(o->recv,
	    o->recv_len, "\r\n---\n") != NULL && probe_find(o->recv,
	    o->recv_len, "current-jobs-urgent:") != NULL) {
		probe_set(m, PROBE_CERTAIN, "beanstalkd", "line", "stats: a "
		    "YAML map with current-jobs-urgent");
		snprintf(m->product, sizeof(m->product), "beanstalkd");
		if ((v = probe_find(o->recv, o->recv_len, "\nversion: ")) !=
		    NULL) {
			v += 10;
			if (v < o->recv + o->recv_len && *v == '"')
				v++;	/* version: "1.12" */
			probe_word(v, (size_t)(o->recv + o->recv_len - v),
			    " \"\r\n", m->version, sizeof(m->version));
		}
		return m->conf;
	}
	if (o->recv_len == 17 && memcmp(o->recv, "UNKNOWN_COMMAND\r\n", 17) ==
	    0)
		return probe_set(m, PROBE_POSSIBLE, "beanstalkd", "line",
		    "UNKNOWN_COMMAND (beanstalkd's error for a command it "
		    "does not know)");
	return PROBE_NONE;
}

/* gearmand's text admin protocol: "OK <version>" to `version`, and its
 * URL-encoded error for an unknown command (gearmand's text.cc). */
enum probe_conf
probe_m_gearman_text(const struct probe_obs *o, struct probe_match *m)
{
	char line[160];

	probe_first_line(o->recv, o->recv_len, line, sizeof(line));
	if (probe_starts(o->recv, o->recv_len, "ERR UNKNOWN_COMMAND "
	    "Unknown+server+command"))
		return probe_set(m, PROBE_LIKELY, "gearman", "line", "%s",
		    line);
	if (strcmp(o->probe, "memcached") == 0 && probe_starts(o->recv,
	    o->recv_len, "OK ") && o->recv_len > 4 && isdigit(o->recv[3]) &&
	    o->recv[o->recv_len - 1] == '\n') {
		probe_set(m, PROBE_POSSIBLE, "gearman", "line", "`version` "
		    "answered %s", line);
		snprintf(m->product, sizeof(m->product), "gearmand");
		probe_word(o->recv + 3, o->recv_len - 3, " \r\n", m->version,
		    sizeof(m->version));
		return m->conf;
	}
	return PROBE_NONE;
}

/* STOMP: a CONNECTED or ERROR frame, headers then a NUL (STOMP 1.2). */
enum probe_conf
probe_m_stomp(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *s;
	int connected = probe_starts(o->recv, o->recv_len, "CONNECTED\n") ||
	    probe_starts(o->recv, o->recv_len, "CONNECTED\r\n");

	if (!connected && !probe_starts(o->recv, o->recv_len, "ERROR\n") &&
	    !probe_starts(o->recv, o->recv_len, "ERROR\r\n"))
		return PROBE_NONE;
	if (memchr(o->recv, 0, o->recv_len) == NULL ||
	    memchr(o->recv, ':', o->recv_len) == NULL)
		return PROBE_NONE;
	probe_set(m, PROBE_CERTAIN, "stomp", "raw", "a STOMP %s frame",
	    connected ? "CONNECTED" : "ERROR");
	if ((s = probe_find(o->recv, o->recv_len, "\nserver:")) != NULL)
		probe_product(m, s + 8, (size_t)(o->recv + o->recv_len - s - 8),
		    '/');
	return m->conf;
}

/* SIP: a status line "SIP/2.0 200 OK"; Server or User-Agent names the
 * product (RFC 3261, 7.2). */
enum probe_conf
probe_m_sip(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *s;
	char line[160];

	if (!probe_starts(o->recv, o->recv_len, "SIP/2.0 ") ||
	    o->recv_len < 12 || !isdigit(o->recv[8]))
		return PROBE_NONE;
	probe_first_line(o->recv, o->recv_len, line, sizeof(line));
	probe_set(m, PROBE_CERTAIN, "sip", "http", "%s", line);
	if ((s = probe_find(o->recv, o->recv_len, "\nServer: ")) != NULL ||
	    (s = probe_find(o->recv, o->recv_len, "\nUser-Agent: ")) != NULL) {
		s = memchr(s, ' ', (size_t)(o->recv + o->recv_len - s));
		probe_product(m, s + 1, (size_t)(o->recv + o->recv_len - s - 1),
		    '/');
	}
	return m->conf;
}

/* ZooKeeper's answer to `srvr`, or its refusal of a word not on the
 * whitelist (ZooKeeper admin guide, "The Four Letter Words"). */
enum probe_conf
probe_m_zookeeper(const struct probe_obs *o, struct probe_match *m)
{
	char line[160];

	probe_first_line(o->recv, o->recv_len, line, sizeof(line));
	if (probe_starts(o->recv, o->recv_len, "Zookeeper version: ")) {
		probe_set(m, PROBE_CERTAIN, "zookeeper", "line", "%s", line);
		snprintf(m->product, sizeof(m->product), "ZooKeeper");
		probe_word(o->recv + 19, o->recv_len - 19, "-, \r\n",
		    m->version, sizeof(m->version));
		return m->conf;
	}
	if (strcmp(o->probe, "zookeeper") == 0 && probe_starts(o->recv,
	    o->recv_len, "srvr is not executed because it is not in the "
	    "whitelist")) {
		probe_set(m, PROBE_CERTAIN, "zookeeper", "line", "%s", line);
		snprintf(m->product, sizeof(m->product), "ZooKeeper");
		return m->conf;
	}
	return PROBE_NONE;
}

/* VNC: the RFB ProtocolVersion banner "RFB 003.008\n" (RFC 6143, 7.1.1). */
enum probe_conf
probe_m_vnc(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *p = o->recv;
	size_t i;

	if (o->recv_len < 12 || memcmp(p, "RFB ", 4) != 0 || p[7] != '.' ||
	    p[11] != '\n')
		return PROBE_NONE;
	for (i = 4; i < 11; i++)
		if (i != 7 && !isdigit(p[i]))
			return PROBE_NONE;
	probe_set(m, PROBE_CERTAIN, "vnc", "raw", "RFB %.7s", p + 4);
	snprintf(m->product, sizeof(m->product), "RFB");
	snprintf(m->version, sizeof(m->version), "%d.%d", (p[4] - '0') * 100 +
	    (p[5] - '0') * 10 + p[6] - '0', (p[8] - '0') * 100 +
	    (p[9] - '0') * 10 + p[10] - '0');
	return m->conf;
}

/* chargen (RFC 864): lines of 72 printable characters, each starting one
 * character later in the 95-character ring than the line before. */
enum probe_conf
probe_m_chargen(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *p = o->recv, *a, *b;
	size_t n = o->recv_len, i;

	if (o->sent_len > 0 || n < 2 * 74)
		return PROBE_NONE;
	a = p;
	if (a[72] != '\r' || a[73] != '\n')
		return PROBE_NONE;
	b = a + 74;
	if (b[72] != '\r' || b[73] != '\n')
		return PROBE_NONE;
	for (i = 0; i < 72; i++) {
		if (a[i] < 0x20 || a[i] > 0x7e || b[i] < 0x20 || b[i] > 0x7e)
			return PROBE_NONE;
		if (i + 1 < 72 && b[i] != a[i + 1])
			return PROBE_NONE;
	}
	probe_set(m, PROBE_CERTAIN, "chargen", "line", "lines of 72 "
	    "characters, each one further along the ring: %.20s...", a);
	return m->conf;
}

/* daytime (RFC 867): one line with a time of day hh:mm:ss and a year,
 * then the server closes, whatever was sent. Its format is free, so
 * never certain. */
enum probe_conf
probe_m_daytime(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *p = o->recv;
	size_t n = o->recv_len, i, lines = 0;
	int clock = 0, year = 0;
	char line[160];

	/* The server ignores what it is sent: any probe's reply counts. */
	if (!o->peer_closed || n < 10 || n > 120 || p[n - 1] != '\n')
		return PROBE_NONE;
	for (i = 0; i < n; i++) {
		if (p[i] == '\n')
			lines++;
		else if (p[i] != '\r' && (p[i] < 0x20 || p[i] > 0x7e))
			return PROBE_NONE;
		if (i + 8 <= n && isdigit(p[i]) && isdigit(p[i + 1]) &&
		    p[i + 2] == ':' && isdigit(p[i + 3]) && isdigit(p[i + 4]) &&
		    p[i + 5] == ':' && isdigit(p[i + 6]) && isdigit(p[i + 7]))
			clock = 1;
		if (i + 4 <= n && (memcmp(p + i, "19", 2) == 0 ||
		    memcmp(p + i, "20", 2) == 0) && isdigit(p[i + 2]) &&
		    isdigit(p[i + 3]) && (i == 0 || !isdigit(p[i - 1])) &&
		    (i + 4 == n || !isdigit(p[i + 4])))
			year = 1;
	}
	if (lines != 1 || !clock || !year)
		return PROBE_NONE;
	probe_first_line(p, n, line, sizeof(line));
	return probe_set(m, PROBE_LIKELY, "daytime", "line", "one line with "
	    "a date and a time, then the server closed: %s", line);
}

/* git daemon: a pkt-line answer, "ERR ..." for a repository it does not
 * serve or a ref advertisement (git's pack-protocol.txt). */
enum probe_conf
probe_m_git(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *p = o->recv;
	size_t i, len;
	char line[160];

	if (o->recv_len < 8)
		return PROBE_NONE;
	for (i = 0, len = 0; i < 4; i++) {
		if (!isxdigit(p[i]) || isupper(p[i]))
			return PROBE_NONE;
		len = len * 16 + (size_t)(isdigit(p[i]) ? p[i] - '0' :
		    p[i] - 'a' + 10);
	}
	if (len < 8 || len > o->recv_len)
		return PROBE_NONE;
	if (memcmp(p + 4, "ERR ", 4) == 0) {
		probe_first_line(p + 4, len - 4, line, sizeof(line));
		return probe_set(m, PROBE_CERTAIN, "git", "raw", "pkt-line %s",
		    line);
	}
	if (len >= 4 + 41 && memchr(p + 4, 0, len - 4) != NULL &&
	    probe_find(p + 4, len - 4, " HEAD") != NULL)
		return probe_set(m, PROBE_CERTAIN, "git", "raw", "a pkt-line ref "
		    "advertisement");
	return PROBE_NONE;
}

/* WebSocket: 101 Switching Protocols with the Sec-WebSocket-Accept that
 * RFC 6455's sample key must give (RFC 6455, 4.2.2). */
enum probe_conf
probe_m_websocket(const struct probe_obs *o, struct probe_match *m)
{
	const unsigned char *s;

	if (!probe_starts(o->recv, o->recv_len, "HTTP/1.1 101") ||
	    strcmp(o->probe, "websocket") != 0)
		return PROBE_NONE;
	if (probe_done_head(o->recv, o->recv_len) == 0)
		return PROBE_NONE;
	s = probe_find(o->recv, o->recv_len, PROBE_WS_ACCEPT);
	if (s == NULL)
		return probe_set(m, PROBE_LIKELY, "websocket", "raw", "101 "
		    "Switching Protocols, but no Sec-WebSocket-Accept for "
		    "our key");
	probe_set(m, PROBE_CERTAIN, "websocket", "raw", "101 Switching "
	    "Protocols, Sec-WebSocket-Accept " PROBE_WS_ACCEPT);
	if ((s = probe_find(o->recv, o->recv_len, "\nServer: ")) != NULL)
		probe_product(m, s + 9, (size_t)(o->recv + o->recv_len - s - 9),
		    '/');
	return m->conf;
}
