/* The matchers of src/probe/ for protocols that have no Debian server the
 * tests can start quickly (STOMP, ZooKeeper, MongoDB, Kafka, VNC, RDP,
 * SIP, WebSocket, HTTP/2, AMQP, chargen, daytime) on replies written
 * from their specifications' examples, with near misses: the same bytes
 * to the wrong probe, our own payload echoed, a wrong id, a truncated or
 * malformed form. Each reply is also checked at every truncated prefix.
 * Real servers' replies are in test_probe_fixtures.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "probe.h"
#include "probe/probe_int.h"

#define S(x)	(const unsigned char *)(x), sizeof(x) - 1

/* Match recv as the reply to probe (its real payload as sent), after
 * every truncated prefix; check protocol (NULL: any) and confidence. */
static struct probe_match
match(const char *probe, const unsigned char *recv, size_t n, int closed,
    const char *protocol, enum probe_conf conf)
{
	unsigned char sent[PROBE_MAX_SENT];
	struct probe_match m;
	int sl = probe_payload(probe, "127.0.0.1", sent, sizeof(sent));
	unsigned char *copy = malloc(n > 0 ? n : 1);
	size_t i;

	assert_true(sl >= 0);
	memcpy(copy, recv, n);
	for (i = 0; i < n; i++)
		probe_match_reply(probe, sent, (size_t)sl, copy, i, closed, &m);
	probe_match_reply(probe, sent, (size_t)sl, copy, n, closed, &m);
	free(copy);
	if (protocol != NULL)
		assert_string_equal(m.protocol, protocol);
	if (m.conf != conf)
		fail_msg("%s probe: got %s %s (%s), want %s", probe, m.protocol,
		    probe_conf_name(m.conf), m.detail, probe_conf_name(conf));
	return m;
}

static void
test_stomp_connected_and_error_frames(void **state)
{
	struct probe_match m;

	(void)state;
	m = match("stomp", S("CONNECTED\nversion:1.2\nserver:ActiveMQ/5.17.2\n"
	    "heart-beat:0,0\n\n\0"), 0, "stomp", PROBE_CERTAIN);
	assert_string_equal(m.product, "ActiveMQ");
	assert_string_equal(m.version, "5.17.2");
	match("stomp", S("ERROR\nmessage:Bad CONNECT\nversion:1.0,1.1,1.2\n"
	    "content-length:0\n\n\0"), 1, "stomp", PROBE_CERTAIN);
	/* A line protocol's "ERROR" line is no STOMP frame (no NUL). */
	match("stomp", S("ERROR\r\n"), 0, "text", PROBE_POSSIBLE);
}

static void
test_zookeeper_srvr_and_whitelist(void **state)
{
	struct probe_match m;

	(void)state;
	m = match("zookeeper", S("Zookeeper version: 3.8.0-5a02a05eddb59aee6ac"
	    "762f7ea82e92a68eb9c0f, built on 2022-02-25 08:49 UTC\nLatency "
	    "min/avg/max: 0/0.0/0\nMode: standalone\n"), 1, "zookeeper",
	    PROBE_CERTAIN);
	assert_string_equal(m.version, "3.8.0");
	match("zookeeper", S("srvr is not executed because it is not in the "
	    "whitelist.\n"), 1, "zookeeper", PROBE_CERTAIN);
	/* The whitelist sentence to another probe proves nothing. */
	match("line", S("srvr is not executed because it is not in the "
	    "whitelist.\n"), 1, "text", PROBE_POSSIBLE);
}

/* Append a little-endian 32-bit number. */
static size_t
le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
	return 4;
}

static void
test_mongodb_op_msg_reply_names_wire_version(void **state)
{
	unsigned char m[128], sent[PROBE_MAX_SENT];
	struct probe_match r;
	size_t n = 0, doc;
	int sl;

	(void)state;
	n += le32(m + n, 0);				/* length, below */
	n += le32(m + n, 77);				/* requestID */
	n += le32(m + n, 0x53420001);			/* responseTo */
	n += le32(m + n, 2013);				/* OP_MSG */
	n += le32(m + n, 0);				/* flags */
	m[n++] = 0;					/* body section */
	doc = n;
	n += le32(m + n, 0);
	m[n++] = 0x10;
	memcpy(m + n, "maxWireVersion", 15);
	n += 15;
	n += le32(m + n, 17);
	m[n++] = 0x01;
	memcpy(m + n, "ok", 3);
	n += 3;
	memcpy(m + n, "\x00\x00\x00\x00\x00\x00\xf0\x3f", 8);
	n += 8;
	m[n++] = 0;
	le32(m + doc, (uint32_t)(n - doc));
	le32(m, (uint32_t)n);
	r = match("mongodb", m, n, 0, "mongodb", PROBE_CERTAIN);
	assert_string_equal(r.version, "6.0+");
	assert_non_null(strstr(r.detail, "maxWireVersion 17"));
	/* Another request id: no reply to us. */
	le32(m + 8, 0x53420002);
	match("mongodb", m, n, 0, NULL, PROBE_NONE);
	/* Our own request echoed has responseTo 0: an echo, no MongoDB. */
	sl = probe_payload("mongodb", "h", sent, sizeof(sent));
	match("mongodb", sent, (size_t)sl, 0, "echo", PROBE_POSSIBLE);
}

static void
test_kafka_api_versions_needs_our_correlation_id(void **state)
{
	static const unsigned char ok[] = { 0, 0, 0, 16, 0x53, 0x42, 0x00,
	    0x02, 0, 0, 0, 0, 0, 1, 0, 18, 0, 0, 0, 3 };
	unsigned char bad[sizeof(ok)];

	(void)state;
	match("kafka", ok, sizeof(ok), 0, "kafka", PROBE_CERTAIN);
	memcpy(bad, ok, sizeof(ok));
	bad[7] = 0x09;
	match("kafka", bad, sizeof(bad), 0, "len32", PROBE_POSSIBLE);
	/* The same bytes to another probe are a length-prefixed frame. */
	match("len32", ok, sizeof(ok), 0, "len32", PROBE_POSSIBLE);
}

static void
test_vnc_rfb_banner(void **state)
{
	struct probe_match m;

	(void)state;
	m = match("banner", S("RFB 003.008\n"), 0, "vnc", PROBE_CERTAIN);
	assert_string_equal(m.version, "3.8");
	match("banner", S("RFB 3.8\n"), 0, "text", PROBE_POSSIBLE);
}

static void
test_rdp_connection_confirm(void **state)
{
	static const unsigned char cc[] = { 0x03, 0x00, 0x00, 0x13, 0x0e,
	    0xd0, 0x00, 0x00, 0x12, 0x34, 0x00, 0x02, 0x1f, 0x08, 0x00, 0x02,
	    0x00, 0x00, 0x00 };
	static const unsigned char fail[] = { 0x03, 0x00, 0x00, 0x13, 0x0e,
	    0xd0, 0x00, 0x00, 0x12, 0x34, 0x00, 0x03, 0x00, 0x08, 0x00, 0x05,
	    0x00, 0x00, 0x00 };
	unsigned char req[PROBE_MAX_SENT];
	int n;

	(void)state;
	match("rdp", cc, sizeof(cc), 0, "rdp", PROBE_CERTAIN);
	match("rdp", fail, sizeof(fail), 0, "rdp", PROBE_CERTAIN);
	/* Our Connection Request (0xe0) echoed is no Confirm. */
	n = probe_payload("rdp", "h", req, sizeof(req));
	match("rdp", req, (size_t)n, 0, "echo", PROBE_POSSIBLE);
}

static void
test_sip_status_line_and_server(void **state)
{
	struct probe_match m;

	(void)state;
	m = match("sip", S("SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 127.0.0.1;"
	    "branch=z9hG4bKsockbench\r\nServer: Asterisk/18.16.0\r\n"
	    "Content-Length: 0\r\n\r\n"), 0, "sip", PROBE_CERTAIN);
	assert_string_equal(m.product, "Asterisk");
	assert_string_equal(m.version, "18.16.0");
	/* An HTTP server's answer to the OPTIONS request is HTTP. */
	match("sip", S("HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n"),
	    1, "http", PROBE_CERTAIN);
}

static void
test_websocket_accept_must_match_the_key(void **state)
{
	(void)state;
	match("websocket", S("HTTP/1.1 101 Switching Protocols\r\nUpgrade: "
	    "websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
	    "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"), 0, "websocket",
	    PROBE_CERTAIN);
	/* A wrong accept value: an HTTP server, not a WebSocket proof. */
	match("websocket", S("HTTP/1.1 101 Switching Protocols\r\nUpgrade: "
	    "websocket\r\nSec-WebSocket-Accept: xxxx\r\n\r\n"), 0,
	    "http", PROBE_CERTAIN);
	/* A 101 to the plain GET is HTTP: the upgrade was not asked for. */
	match("http", S("HTTP/1.1 101 Switching Protocols\r\n\r\n"), 0, "http",
	    PROBE_CERTAIN);
}

static void
test_http2_settings_and_goaway(void **state)
{
	static const unsigned char settings[] = { 0, 0, 6, 4, 0, 0, 0, 0, 0,
	    0, 3, 0, 0, 0, 100 };
	static const unsigned char goaway[] = { 0, 0, 8, 7, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 1 };

	(void)state;
	match("http2", settings, sizeof(settings), 0, "http2", PROBE_CERTAIN);
	match("http2", goaway, sizeof(goaway), 1, "http2", PROBE_CERTAIN);
	/* The same frame to the len16 probe is not HTTP/2. */
	match("len16", settings, sizeof(settings), 0, NULL, PROBE_NONE);
	/* A SETTINGS frame on stream 1 is malformed. */
	{
		unsigned char bad[sizeof(settings)];

		memcpy(bad, settings, sizeof(bad));
		bad[8] = 1;
		match("http2", bad, sizeof(bad), 0, NULL, PROBE_NONE);
	}
}

static void
test_amqp_connection_start_and_version_header(void **state)
{
	unsigned char f[256];
	size_t n = 0, len;

	(void)state;
	memcpy(f, "\x01\x00\x00\x00\x00\x00\x00\x00\x0a\x00\x0a\x00\x09", 13);
	n = 13;
	memcpy(f + n, "\x00\x00\x00\x00", 4);	/* table length, below */
	n += 4;
	memcpy(f + n, "\x07productS\x00\x00\x00\x08RabbitMQ", 21);
	n += 21;
	memcpy(f + n, "\x07versionS\x00\x00\x00\x06" "3.10.8", 19);
	n += 19;
	len = n - 17;
	f[16] = (unsigned char)len;
	f[n++] = 0xce;
	f[6] = (unsigned char)(n - 8);
	{
		struct probe_match m = match("amqp", f, n, 0, "amqp",
		    PROBE_CERTAIN);

		assert_string_equal(m.product, "RabbitMQ");
		assert_string_equal(m.version, "3.10.8");
	}
	/* An AMQP 1.0 server answers with its own protocol header. */
	match("amqp", S("AMQP\x00\x01\x00\x00"), 1, "amqp", PROBE_CERTAIN);
	/* Our header echoed back is an echo. */
	match("amqp", S("AMQP\x00\x00\x09\x01"), 0, "echo", PROBE_POSSIBLE);
}

static void
test_chargen_and_daytime(void **state)
{
	unsigned char cg[3 * 74];
	struct probe_match m;
	size_t l, i;

	(void)state;
	for (l = 0; l < 3; l++) {
		for (i = 0; i < 72; i++)
			cg[l * 74 + i] = (unsigned char)(' ' + (l + i) % 95);
		cg[l * 74 + 72] = '\r';
		cg[l * 74 + 73] = '\n';
	}
	match("banner", cg, sizeof(cg), 0, "chargen", PROBE_CERTAIN);
	/* The banner probe does not stop at chargen's first line: one line
	 * of 72 characters waits for the next (or quiet); two are whole. */
	assert_int_equal(probe_done_banner(cg, 74), 0);
	assert_int_equal(probe_done_banner(cg, 148), 1);
	assert_int_equal(probe_done_banner(S("220-mx ESMTP\r\n")), 0);
	assert_int_equal(probe_done_banner(S("220 mx ESMTP\r\n")), 1);
	/* The same line twice is no rotation. */
	memcpy(cg + 74, cg, 74);
	match("banner", cg, 2 * 74, 0, "text", PROBE_POSSIBLE);
	/* daytime: one dated line, then the server closes; likely only. */
	probe_match_reply("banner", NULL, 0, S("Monday, November 30, 2026 "
	    "08:10:00-UTC\r\n"), 1, &m);
	assert_string_equal(m.protocol, "daytime");
	assert_int_equal(m.conf, PROBE_LIKELY);
	/* The same line on a connection that stays open is just text. */
	probe_match_reply("banner", NULL, 0, S("Monday, November 30, 2026 "
	    "08:10:00-UTC\r\n"), 0, &m);
	assert_string_equal(m.protocol, "text");
}

static void
test_mysql_error_irc_notice_git_refs(void **state)
{
	unsigned char e[128];
	const char *msg = "Host '10.0.0.5' is not allowed to connect to this "
	    "MariaDB server";
	size_t ml = strlen(msg);

	(void)state;
	e[0] = (unsigned char)(ml + 3);
	e[1] = e[2] = e[3] = 0;
	e[4] = 0xff;
	e[5] = 0x6a;
	e[6] = 0x04;
	memcpy(e + 7, msg, ml);
	match("banner", e, ml + 7, 1, "mysql", PROBE_LIKELY);
	match("banner", S("NOTICE AUTH :*** Looking up your hostname...\r\n"),
	    0, "irc", PROBE_CERTAIN);
	match("git", S("004a0123456789012345678901234567890123456789 HEAD\0"
	    "multi_ack side-band-64k\n0000"), 0, "git", PROBE_CERTAIN);
	/* Four hex digits that do not frame the reply are no pkt-line. */
	match("git", S("ffffERR nothing\n"), 0, "text", PROBE_POSSIBLE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stomp_connected_and_error_frames),
		cmocka_unit_test(test_zookeeper_srvr_and_whitelist),
		cmocka_unit_test(test_mongodb_op_msg_reply_names_wire_version),
		cmocka_unit_test(
		    test_kafka_api_versions_needs_our_correlation_id),
		cmocka_unit_test(test_vnc_rfb_banner),
		cmocka_unit_test(test_rdp_connection_confirm),
		cmocka_unit_test(test_sip_status_line_and_server),
		cmocka_unit_test(test_websocket_accept_must_match_the_key),
		cmocka_unit_test(test_http2_settings_and_goaway),
		cmocka_unit_test(
		    test_amqp_connection_start_and_version_header),
		cmocka_unit_test(test_chargen_and_daytime),
		cmocka_unit_test(test_mysql_error_irc_notice_git_refs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
