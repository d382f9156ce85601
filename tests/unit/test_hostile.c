/* Hostile peers against the embedded server, in process: raw client sockets
 * driven by the test send oversized lengths, never finish a frame, flood
 * without reading, reset or half-close mid-frame. Each gets a clear state
 * and reason on its own connection, memory stays bounded, and a well-behaved
 * client on the same server keeps being served. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include <ev.h>
#include "clock.h"
#include "conn.h"
#include "server.h"
#include "service.h"
#include "util.h"
#include "loop_harness.h"

/* One server under test with its engine, config and harness. */
struct rig {
	struct engine		*e;
	struct service_cfg	 cfg;
	struct server		*s;
	struct harness		 h;
	struct engine_timer	*tick;
};

/* Keep the loop waking up so pump() can check its conditions. */
static void
rig_tick_cb(struct engine *e, void *arg)
{
	(void)e;
	(void)arg;
}

/* Start service spec on a free port with these limits (NULL: defaults). */
static void
rig_start(struct rig *r, const char *spec, const struct engine_limits *lim)
{
	char err[256];

	memset(r, 0, sizeof(*r));
	r->e = engine_new(lim);
	assert_int_equal(service_cfg_parse(&r->cfg, spec, err, sizeof(err)), 0);
	r->s = server_start(r->e, "127.0.0.1:0", &r->cfg, 0, err, sizeof(err));
	assert_non_null(r->s);
	harness_attach(&r->h, r->e, 30);
	r->tick = engine_every(r->e, 0.01, rig_tick_cb, NULL);
}

/* Stop and free everything the rig made. */
static void
rig_stop(struct rig *r)
{
	server_free(r->s);
	engine_free(r->e);
	service_cfg_free(&r->cfg);
}

/* Run the loop for about seconds. */
static void
pump(struct rig *r, double seconds)
{
	double end = clock_now_mono() + seconds;

	while (clock_now_mono() < end && !r->h.timed_out)
		ev_run(r->e->loop, EVRUN_ONCE);
}

/* Connect a raw client socket to the rig; non-blocking once connected. */
static int
client(struct rig *r)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)server_port(r->s));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* The server's connection for client fd, or NULL once it has ended. */
static struct conn *
server_side(struct rig *r, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char me[64];
	struct conn *c;

	getsockname(fd, (struct sockaddr *)&ss, &sl);
	addr_format((struct sockaddr *)&ss, me, sizeof(me));
	for (c = r->e->conns; c != NULL; c = c->next)
		if (c->info.side == SIDE_SERVER && strcmp(c->info.peer, me) == 0)
			return c;
	return NULL;
}

/* Pump until the server has accepted client fd; return its conn id. */
static uint64_t
accepted_id(struct rig *r, int fd)
{
	struct conn *c = NULL;
	double end = clock_now_mono() + 5;

	while (clock_now_mono() < end && (c = server_side(r, fd)) == NULL)
		ev_run(r->e->loop, EVRUN_ONCE);
	assert_non_null(c);
	return c->info.id;
}

/* How the server connection with this id ended, pumping until it has. */
static const struct harness_end *
ended(struct rig *r, uint64_t id, double seconds)
{
	double end = clock_now_mono() + seconds;
	size_t i;

	for (;;) {
		for (i = 0; i < r->h.nends; i++)
			if (r->h.ends[i].id == id)
				return &r->h.ends[i];
		if (clock_now_mono() > end || r->h.timed_out)
			fail_msg("server connection %llu did not end",
			    (unsigned long long)id);
		ev_run(r->e->loop, EVRUN_ONCE);
	}
}

/* Write all of p on a non-blocking client, pumping the loop when full. */
static void
put(struct rig *r, int fd, const void *p, size_t n)
{
	const unsigned char *b = p;
	double end = clock_now_mono() + 5;

	while (n > 0) {
		ssize_t w = write(fd, b, n);

		if (w > 0) {
			b += w;
			n -= (size_t)w;
			continue;
		}
		assert_true(w < 0 && errno == EAGAIN);
		assert_true(clock_now_mono() < end);
		ev_run(r->e->loop, EVRUN_NOWAIT);
	}
}

/* Read what a client has been sent until want bytes or EOF; returns the
 * count, with eof set when the server closed. */
static size_t
drain(struct rig *r, int fd, unsigned char *out, size_t want, int *eof,
    double seconds)
{
	double end = clock_now_mono() + seconds;
	size_t got = 0;

	*eof = 0;
	while (got < want && clock_now_mono() < end) {
		ssize_t n = read(fd, out + got, want - got);

		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			*eof = 1;
			break;
		}
		ev_run(r->e->loop, EVRUN_ONCE);
	}
	return got;
}

/* A seed app request with content-type text/json and this content. */
static size_t
jsonhdr_msg(unsigned char *out, size_t outlen, const char *content)
{
	char hdr[256];
	size_t hl, cl = strlen(content);

	hl = (size_t)snprintf(hdr, sizeof(hdr), "{\"byteorder\": \"little\", "
	    "\"content-type\": \"text/json\", \"content-encoding\": "
	    "\"utf-8\", \"content-length\": %zu}", cl);
	assert_true(2 + hl + cl <= outlen);
	out[0] = (unsigned char)(hl >> 8);
	out[1] = (unsigned char)(hl & 0xff);
	memcpy(out + 2, hdr, hl);
	memcpy(out + 2 + hl, content, cl);
	return 2 + hl + cl;
}

/* A good app client on the same server gets its answer. */
static void
app_still_answers(struct rig *r)
{
	unsigned char msg[512], got[512];
	size_t n;
	int fd = client(r), eof;

	n = jsonhdr_msg(msg, sizeof(msg),
	    "{\"action\": \"search\", \"value\": \"ring\"}");
	put(r, fd, msg, n);
	n = drain(r, fd, got, sizeof(got) - 1, &eof, 5);
	got[n] = '\0';
	close(fd);
	assert_true(eof);
	assert_true(n > 2);
	assert_non_null(strstr((char *)got + 2, "In the caves beneath"));
}

/* An echo client on the same server gets its bytes back. */
static void
echo_still_answers(struct rig *r, const void *msg, size_t len)
{
	unsigned char got[256];
	size_t n;
	int fd = client(r), eof;

	assert_true(len <= sizeof(got));
	put(r, fd, msg, len);
	n = drain(r, fd, got, len, &eof, 5);
	close(fd);
	assert_int_equal(n, len);
	assert_memory_equal(got, msg, len);
}

/* An oversized declared length: the input, the service, and the reason. */
struct oversize_case {
	const char	*spec;
	const char	*bytes;
	size_t		 len;
	const char	*reason;
};

#define B(s)	s, sizeof(s) - 1

static const struct oversize_case oversize_cases[] = {
	{ "app", B("\x00\x6f{\"byteorder\": \"little\", \"content-type\": "
	    "\"text/json\", \"content-encoding\": \"utf-8\", \"content-length\": "
	    "4294967296}"), "protocol error: jsonhdr: content-length "
	    "4294967296 exceeds the limit of 1048576 bytes" },
	{ "app", B("\x00\x70{\"byteorder\": \"little\", \"content-type\": "
	    "\"text/json\", \"content-encoding\": \"utf-8\", \"content-length\": "
	    "1e300000000}"), "protocol error: jsonhdr: content-length" },
	{ "echo:codec=len32", B("\xff\xff\xff\xff" "abc"), "protocol error: "
	    "len32: length prefix 4294967295 exceeds the limit of 1048576" },
	{ "echo:codec=http", B("POST / HTTP/1.1\r\nContent-Length: 4294967296"
	    "\r\n\r\n"), "protocol error: http: Content-Length 4294967296 "
	    "exceeds the limit" },
	{ "echo:codec=resp", B("$4294967296\r\n"), "protocol error: resp: "
	    "RESP bulk string of 4294967296 bytes exceeds the limit" },
};

static void
declared_4_gib_lengths_fail_that_connection_before_any_allocation(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(oversize_cases) / sizeof(oversize_cases[0]);
	    i++) {
		const struct oversize_case *k = &oversize_cases[i];
		const struct harness_end *x;
		struct rig r;
		unsigned char got[64];
		int fd, eof;

		rig_start(&r, k->spec, NULL);
		fd = client(&r);
		put(&r, fd, k->bytes, k->len);
		x = ended(&r, accepted_id(&r, fd), 5);
		if (x->state != CS_FAILED || strstr(x->reason, k->reason) ==
		    NULL)
			fail_msg("%s case %zu: %s '%s'", k->spec, i,
			    conn_state_name(x->state), x->reason);
		assert_int_equal(x->bytes_in, k->len);
		assert_int_equal(x->msgs_in, 0);
		assert_int_equal(x->bytes_out, 0);
		/* The client learns it: the connection is closed. */
		drain(&r, fd, got, sizeof(got), &eof, 2);
		assert_true(eof);
		close(fd);
		if (strcmp(k->spec, "app") == 0)
			app_still_answers(&r);
		else if (strcmp(k->spec, "echo:codec=len32") == 0)
			echo_still_answers(&r, "\0\0\0\3abc", 7);
		assert_int_equal(r.e->tot.failed, 1);
		rig_stop(&r);
	}
}

static void
a_line_without_end_fails_at_the_frame_limit(void **state)
{
	struct engine_limits lim;
	const struct harness_end *x;
	unsigned char junk[8192];
	struct rig r;
	int fd;

	(void)state;
	engine_limits_default(&lim);
	lim.max_frame = 1024;
	rig_start(&r, "echo:codec=line", &lim);
	fd = client(&r);
	memset(junk, 'x', sizeof(junk));
	put(&r, fd, junk, 2048);
	x = ended(&r, accepted_id(&r, fd), 5);
	assert_int_equal(x->state, CS_FAILED);
	assert_string_equal(x->reason,
	    "protocol error: line: line longer than 1024 bytes");
	close(fd);
	echo_still_answers(&r, "still here\n", 11);
	rig_stop(&r);
}

static void
slowloris_never_finishing_a_frame_is_cut_by_the_idle_timeout(void **state)
{
	struct engine_limits lim;
	const struct harness_end *xa, *xb;
	struct rig r;
	uint64_t ida, idb;
	double t0, tend;
	int a, b, i;

	(void)state;
	engine_limits_default(&lim);
	lim.idle_timeout = 0.4;
	rig_start(&r, "app", &lim);
	/* a sends the start of a frame and goes quiet. */
	a = client(&r);
	put(&r, a, "\x07\xd0{\"byteorder\"", 15);
	ida = accepted_id(&r, a);
	/* b trickles one byte of a 2000-byte header every 50 ms: bytes keep
	 * arriving but no message ever completes. */
	b = client(&r);
	put(&r, b, "\x07\xd0", 2);
	idb = accepted_id(&r, b);
	t0 = clock_now_mono();
	for (i = 0; i < 30 && server_side(&r, b) != NULL; i++) {
		put(&r, b, " ", 1);
		pump(&r, 0.05);
	}
	xa = ended(&r, ida, 3);
	xb = ended(&r, idb, 3);
	tend = clock_now_mono();
	assert_int_equal(xa->state, CS_FAILED);
	assert_string_equal(xa->reason, "idle timeout (0.4s without traffic)");
	assert_int_equal(xa->bytes_in, 15);
	assert_int_equal(xb->state, CS_FAILED);
	assert_string_equal(xb->reason, "idle timeout (0.4s without traffic)");
	assert_true(xb->bytes_in > 3);
	assert_true(tend - t0 < 1.2);
	close(a);
	close(b);
	/* A client that does finish its request is served as before. */
	app_still_answers(&r);
	assert_int_equal(r.e->tot.failed, 2);
	rig_stop(&r);
}

static void
steady_traffic_is_not_idle(void **state)
{
	struct engine_limits lim;
	unsigned char got[16];
	struct rig r;
	int fd, i, eof;

	(void)state;
	engine_limits_default(&lim);
	lim.idle_timeout = 0.3;
	rig_start(&r, "echo:codec=line", &lim);
	fd = client(&r);
	/* Complete lines every 100 ms for a second: three idle periods. */
	for (i = 0; i < 10; i++) {
		put(&r, fd, "ping\n", 5);
		assert_int_equal(drain(&r, fd, got, 5, &eof, 2), 5);
		pump(&r, 0.1);
	}
	assert_non_null(server_side(&r, fd));
	assert_int_equal(r.e->tot.failed, 0);
	/* Then silence: the idle timeout closes it. */
	pump(&r, 0.6);
	assert_null(server_side(&r, fd));
	assert_int_equal(r.e->tot.failed, 1);
	close(fd);
	rig_stop(&r);
}

static void
flood_without_reading_stops_reading_and_bounds_memory(void **state)
{
	struct engine_limits lim;
	static unsigned char chunk[65536], back[65536];
	const struct harness_end *x;
	struct rig r;
	struct conn *c;
	uint64_t sent = 0, got = 0, id, in_then;
	size_t max_tx = 0, max_rx = 0;
	double end;
	int fd;

	(void)state;
	engine_limits_default(&lim);
	lim.max_buffer = 256 * 1024;
	rig_start(&r, "echo", &lim);
	fd = client(&r);
	id = accepted_id(&r, fd);
	memset(chunk, 'f', sizeof(chunk));
	/* Write as fast as the socket takes it, never reading the echo. */
	end = clock_now_mono() + 1.0;
	while (clock_now_mono() < end) {
		ssize_t w = write(fd, chunk, sizeof(chunk));

		if (w > 0)
			sent += (uint64_t)w;
		ev_run(r.e->loop, EVRUN_NOWAIT);
		if ((c = server_side(&r, fd)) != NULL) {
			if (buf_len(&c->tx) > max_tx)
				max_tx = buf_len(&c->tx);
			if (buf_len(&c->rx) > max_rx)
				max_rx = buf_len(&c->rx);
		}
		if (w < 0)
			pump(&r, 0.01);
	}
	c = server_side(&r, fd);
	assert_non_null(c);
	/* The server stopped reading this peer: its input is stuck in the
	 * kernel, and what it queued is at most max_buffer plus one read. */
	assert_true(c->backpressure);
	assert_false(c->reading);
	in_then = c->info.bytes_in;
	pump(&r, 0.2);
	assert_int_equal(c->info.bytes_in, in_then);
	assert_true(max_tx > lim.max_buffer);
	assert_true(max_tx <= lim.max_buffer + 65536);
	assert_int_equal(max_rx, 0);
	assert_true(sent > lim.max_buffer);
	assert_true(sent - c->info.bytes_in > 0);
	/* Other clients are served meanwhile. */
	echo_still_answers(&r, "other client", 12);
	/* Once the peer reads, everything it sent comes back. */
	end = clock_now_mono() + 10;
	while (got < sent && clock_now_mono() < end) {
		ssize_t n = read(fd, back, sizeof(back));

		if (n > 0) {
			got += (uint64_t)n;
			continue;
		}
		ev_run(r.e->loop, EVRUN_ONCE);
	}
	assert_int_equal(got, sent);
	close(fd);
	x = ended(&r, id, 5);
	assert_int_equal(x->state, CS_CLOSED);
	assert_int_equal(x->bytes_in, sent);
	assert_int_equal(x->bytes_out, sent);
	assert_int_equal(r.e->tot.failed, 0);
	rig_stop(&r);
}

static void
reset_mid_frame_fails_that_connection_only(void **state)
{
	struct linger lg = { 1, 0 };
	const struct harness_end *x;
	struct rig r;
	uint64_t id;
	int fd, other;

	(void)state;
	rig_start(&r, "echo:codec=len32", NULL);
	other = client(&r);
	put(&r, other, "\0\0\0\5he", 6);
	fd = client(&r);
	id = accepted_id(&r, fd);
	put(&r, fd, "\0\0\0\x10half a fr", 14);
	pump(&r, 0.05);
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
	x = ended(&r, id, 5);
	assert_int_equal(x->state, CS_FAILED);
	assert_string_equal(x->reason, "connection reset by peer");
	assert_int_equal(x->bytes_in, 14);
	assert_int_equal(x->msgs_in, 0);
	/* The other half-sent frame is still being waited for, and works. */
	{
		unsigned char got[9];
		int eof;

		put(&r, other, "llo", 3);
		assert_int_equal(drain(&r, other, got, 9, &eof, 5), 9);
		assert_memory_equal(got, "\0\0\0\5hello", 9);
	}
	close(other);
	echo_still_answers(&r, "\0\0\0\1x", 5);
	assert_int_equal(r.e->tot.failed, 1);
	rig_stop(&r);
}

static void
half_close_mid_frame_is_a_protocol_error(void **state)
{
	const struct harness_end *x;
	unsigned char got[16];
	struct rig r;
	uint64_t id;
	int fd, eof;

	(void)state;
	rig_start(&r, "echo:codec=len32", NULL);
	fd = client(&r);
	id = accepted_id(&r, fd);
	put(&r, fd, "\0\0\0\x10half", 8);
	shutdown(fd, SHUT_WR);
	x = ended(&r, id, 5);
	assert_int_equal(x->state, CS_FAILED);
	assert_string_equal(x->reason, "protocol error: EOF inside a len32 "
	    "frame (8 bytes pending)");
	assert_int_equal(drain(&r, fd, got, sizeof(got), &eof, 2), 0);
	assert_true(eof);
	close(fd);
	echo_still_answers(&r, "\0\0\0\2ok", 6);
	rig_stop(&r);
}

static void
half_close_after_whole_requests_still_gets_the_replies(void **state)
{
	const struct harness_end *x;
	unsigned char msg[512], got[512];
	struct rig r;
	uint64_t id;
	size_t n;
	int fd, eof;

	(void)state;
	/* Echo: the reply to what was sent before the FIN, then a clean end. */
	rig_start(&r, "echo", NULL);
	fd = client(&r);
	id = accepted_id(&r, fd);
	put(&r, fd, "last words", 10);
	shutdown(fd, SHUT_WR);
	n = drain(&r, fd, got, sizeof(got), &eof, 5);
	assert_int_equal(n, 10);
	assert_memory_equal(got, "last words", 10);
	assert_true(eof);
	x = ended(&r, id, 5);
	assert_int_equal(x->state, CS_CLOSED);
	assert_int_equal(x->bytes_out, 10);
	close(fd);
	rig_stop(&r);
	/* App: a whole request then FIN still gets the whole response. */
	rig_start(&r, "app", NULL);
	fd = client(&r);
	n = jsonhdr_msg(msg, sizeof(msg),
	    "{\"action\": \"search\", \"value\": \"morpheus\"}");
	put(&r, fd, msg, n);
	shutdown(fd, SHUT_WR);
	n = drain(&r, fd, got, sizeof(got) - 1, &eof, 5);
	got[n] = '\0';
	assert_true(eof);
	assert_non_null(strstr((char *)got + 2, "Follow the white rabbit"));
	assert_int_equal(r.e->tot.failed, 0);
	close(fd);
	rig_stop(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(declared_4_gib_lengths_fail_that_connection_before_any_allocation),
		cmocka_unit_test(a_line_without_end_fails_at_the_frame_limit),
		cmocka_unit_test(slowloris_never_finishing_a_frame_is_cut_by_the_idle_timeout),
		cmocka_unit_test(steady_traffic_is_not_idle),
		cmocka_unit_test(flood_without_reading_stops_reading_and_bounds_memory),
		cmocka_unit_test(reset_mid_frame_fails_that_connection_only),
		cmocka_unit_test(half_close_mid_frame_is_a_protocol_error),
		cmocka_unit_test(half_close_after_whole_requests_still_gets_the_replies),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
