/* Loopback tests of the load generator against the embedded echo server in
 * the same process: exact request, byte and histogram counts; codec frames;
 * error causes; results that survive encoding and merge by adding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "conn.h"
#include "loadgen.h"
#include "server.h"
#include "service.h"
#include "util.h"

static const unsigned char msg64[64] =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde";

/* A closed-loop config of n requests over conns connections. */
static void
cfg_closed(struct loadgen_cfg *c, uint64_t conns, unsigned depth, uint64_t n)
{
	memset(c, 0, sizeof(*c));
	engine_limits_default(&c->lim);
	c->conns = conns;
	c->depth = depth;
	c->mode = LG_CLOSED;
	c->requests = n;
	c->duration = 20;	/* a watchdog: the request count ends it */
	c->msg = msg64;
	c->msg_len = sizeof(msg64);
}

/* Check the figures of a run that completed exactly n requests. */
static void
assert_exact(const struct loadgen_result *r, uint64_t n, size_t req_len,
    size_t reply_len)
{
	int i;

	assert_int_equal(r->n.requests, n);
	assert_int_equal(r->n.answered, n);
	assert_int_equal(r->n.issued, n);
	assert_int_equal(r->n.lost, 0);
	assert_int_equal(r->n.unanswered, 0);
	assert_int_equal(r->n.ended, LG_END_COUNT);
	assert_int_equal(r->n.bytes_out, n * req_len);
	assert_int_equal(r->n.bytes_in, n * reply_len);
	assert_int_equal(hist_count(&r->lat), n);
	assert_int_equal(r->n.unexpected, 0);
	for (i = 0; i < LG_ERR_N; i++)
		assert_int_equal(r->n.errors[i], 0);
}

static void
closed_loop_completes_exactly_n_requests_with_every_byte_counted(void **state)
{
	struct loadgen_cfg c;
	struct loadgen *lg;
	char err[256];
	const struct loadgen_result *r;
	struct engine *e;

	(void)state;
	engine_raise_nofile();
	cfg_closed(&c, 10, 1, 5000);
	lg = loadgen_new(&c, err, sizeof(err));
	assert_non_null(lg);
	loadgen_run(lg);
	r = loadgen_result(lg);
	assert_exact(r, 5000, 64, 64);
	assert_int_equal(r->n.conns, 10);
	assert_int_equal(r->n.connected, 10);
	assert_int_equal(r->n.reopened, 0);
	assert_int_equal(r->n.open_end, 10);
	assert_int_equal(hist_count(&r->connect), 10);
	assert_int_equal(hist_count(&r->ttfb), 10);
	assert_true(hist_max(&r->lat) >= hist_min(&r->lat));
	/* The server end saw the same bytes: the engine's totals hold both
	 * ends of every connection. */
	e = loadgen_engine(lg);
	assert_int_equal(e->tot.bytes_in, 2 * 5000 * 64);
	assert_int_equal(e->tot.bytes_out, 2 * 5000 * 64);
	assert_int_equal(e->tot.failed, 0);
	loadgen_free(lg);
}

static void
depth_16_keeps_16_in_flight_and_still_counts_exactly(void **state)
{
	struct loadgen_cfg c;
	struct loadgen *lg;
	char err[256];

	(void)state;
	cfg_closed(&c, 3, 16, 10007);
	lg = loadgen_new(&c, err, sizeof(err));
	assert_non_null(lg);
	loadgen_run(lg);
	assert_exact(loadgen_result(lg), 10007, 64, 64);
	loadgen_free(lg);
}

static void
codec_counts_one_frame_per_request(void **state)
{
	struct loadgen_cfg c;
	struct loadgen *lg;
	struct buf wire;
	char err[256];
	const struct codec *len32 = codec_find("len32");

	(void)state;
	assert_non_null(len32);
	buf_init(&wire);
	assert_int_equal(len32->encode(msg64, 10, NULL, &wire, err,
	    sizeof(err)), 0);
	cfg_closed(&c, 4, 8, 2000);
	c.codec = len32;
	c.msg = buf_data(&wire);
	c.msg_len = buf_len(&wire);
	lg = loadgen_new(&c, err, sizeof(err));
	assert_non_null(lg);
	loadgen_run(lg);
	assert_exact(loadgen_result(lg), 2000, buf_len(&wire), buf_len(&wire));
	loadgen_free(lg);
	buf_free(&wire);
}

static void
echo_with_a_prefix_counts_replies_by_their_own_size(void **state)
{
	struct loadgen_cfg c;
	struct loadgen *lg;
	char err[256];

	(void)state;
	cfg_closed(&c, 2, 1, 300);
	c.service = "echo:prefix=OK ";
	c.reply_len = 64 + 3;
	lg = loadgen_new(&c, err, sizeof(err));
	assert_non_null(lg);
	loadgen_run(lg);
	assert_exact(loadgen_result(lg), 300, 64, 67);
	loadgen_free(lg);
}

static void
refused_connections_are_counted_by_cause_and_end_the_run(void **state)
{
	struct loadgen_cfg c;
	struct loadgen *lg;
	struct engine *e = engine_new(NULL);
	struct service_cfg sc;
	struct server *s;
	char err[256], target[64];
	const struct loadgen_result *r;

	(void)state;
	assert_int_equal(service_cfg_parse(&sc, "echo", err, sizeof(err)), 0);
	s = server_start(e, "127.0.0.1:0", &sc, 0, err, sizeof(err));
	assert_non_null(s);
	snprintf(target, sizeof(target), "127.0.0.1:%d", server_port(s));
	server_free(s);
	engine_free(e);
	service_cfg_free(&sc);
	cfg_closed(&c, 5, 1, 0);
	c.target = target;
	c.duration = 20;
	lg = loadgen_new(&c, err, sizeof(err));
	assert_non_null(lg);
	loadgen_run(lg);
	r = loadgen_result(lg);
	assert_int_equal(r->n.errors[LG_ERR_REFUSED], 5);
	assert_int_equal(r->n.requests, 0);
	assert_int_equal(r->n.connected, 0);
	/* Nothing left to do: it stopped without waiting for -d, and says
	 * so. */
	assert_true(r->n.seconds < 5);
	assert_true(r->n.elapsed < 5);
	assert_int_equal(r->n.ended, LG_END_NO_CONNS);
	loadgen_free(lg);
}

/* A listening socket on 127.0.0.1 that never accepts: connects complete
 * in its backlog, and nothing is ever read or answered. */
static int
silent_listener(char *target, size_t len)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	snprintf(target, len, "127.0.0.1:%d", ntohs(sin.sin_port));
	return fd;
}

static void
replies_of_another_size_answer_nothing_and_are_unexpected(void **state)
{
	struct loadgen_cfg c;
	struct loadgen *lg;
	char err[256];
	const struct loadgen_result *r;

	(void)state;
	/* The server answers 67 bytes to each 64: counting by 64 would
	 * match the 3 extra bytes of each reply to the next request. */
	cfg_closed(&c, 2, 1, 0);
	c.service = "echo:prefix=OK ";
	c.duration = 0.3;
	lg = loadgen_new(&c, err, sizeof(err));
	assert_non_null(lg);
	loadgen_run(lg);
	r = loadgen_result(lg);
	assert_int_equal(r->n.answered, 0);
	assert_int_equal(hist_count(&r->lat), 0);
	assert_true(r->n.unexpected >= 67);
	assert_true(r->n.errors[LG_ERR_PROTOCOL] >= 2);
	assert_int_equal(r->n.issued, r->n.lost + r->n.unanswered);
	loadgen_free(lg);
}

static void
a_request_past_its_timeout_is_a_timeout_and_its_connection_stalled(
    void **state)
{
	struct loadgen_cfg c;
	struct loadgen *lg;
	char err[256], target[64];
	const struct loadgen_result *r;
	int fd = silent_listener(target, sizeof(target));

	(void)state;
	cfg_closed(&c, 3, 4, 0);
	c.target = target;
	c.request_timeout = 0.2;
	c.duration = 0.5;
	lg = loadgen_new(&c, err, sizeof(err));
	assert_non_null(lg);
	loadgen_run(lg);
	r = loadgen_result(lg);
	/* Each connection: its oldest request timed out (timed at no less
	 * than the timeout), the 3 behind it lost with the connection. */
	assert_int_equal(r->n.answered, 0);
	assert_int_equal(r->n.stalled, 3);
	assert_int_equal(r->n.errors[LG_ERR_TIMEOUT], 3);
	assert_int_equal(r->n.lost, 9);
	assert_int_equal(r->n.unanswered, 0);
	assert_int_equal(hist_count(&r->lat), 3);
	assert_true(hist_min(&r->lat) >= 200000);
	assert_int_equal(r->n.issued, 12);
	loadgen_free(lg);
	close(fd);
}

static void
requests_in_flight_at_the_end_are_drained_then_unanswered(void **state)
{
	struct loadgen_cfg c;
	struct loadgen *lg;
	char err[256], target[64];
	const struct loadgen_result *r;
	int fd = silent_listener(target, sizeof(target));

	(void)state;
	cfg_closed(&c, 2, 2, 0);
	c.target = target;
	c.request_timeout = 0.4;
	c.duration = 0.2;
	lg = loadgen_new(&c, err, sizeof(err));
	assert_non_null(lg);
	loadgen_run(lg);
	r = loadgen_result(lg);
	/* The window ended before the timeout; the drain waited the
	 * timeout, and the 4 requests in flight stayed unanswered. */
	assert_int_equal(r->n.issued, 4);
	assert_int_equal(r->n.unanswered, 4);
	assert_int_equal(r->n.errors[LG_ERR_TIMEOUT], 0);
	assert_int_equal(r->n.lost, 0);
	assert_int_equal(r->n.ended, LG_END_DURATION);
	assert_true(r->n.seconds < 0.35);
	assert_true(r->n.elapsed >= 0.55);
	assert_int_equal(r->n.open_end, 2);
	loadgen_free(lg);
	close(fd);
}

static void
bytes_out_counts_what_the_socket_took_not_what_was_queued(void **state)
{
	struct loadgen_cfg c;
	struct loadgen *lg;
	char err[256], target[64];
	static unsigned char big[65536];
	const struct loadgen_result *r;
	int fd = silent_listener(target, sizeof(target));

	(void)state;
	/* Nobody reads: the socket buffers fill, the rest stays queued. */
	cfg_closed(&c, 1, 256, 0);
	c.target = target;
	c.msg = big;
	c.msg_len = sizeof(big);
	c.request_timeout = 0.3;
	c.duration = 0.2;
	c.reset_at_end = 1;
	lg = loadgen_new(&c, err, sizeof(err));
	assert_non_null(lg);
	loadgen_run(lg);
	r = loadgen_result(lg);
	assert_int_equal(r->n.issued, 256);
	assert_int_equal(r->n.unanswered, 256);
	assert_true(r->n.bytes_out > 0);
	assert_true(r->n.bytes_out < 256 * sizeof(big));
	loadgen_free(lg);
	close(fd);
}

static void
a_frame_with_nothing_in_flight_is_unexpected_and_answers_nothing(
    void **state)
{
	struct loadgen_cfg c;
	struct loadgen *lg;
	char err[256], target[64];
	const struct loadgen_result *r;
	int lfd = silent_listener(target, sizeof(target)), status;
	pid_t pid;

	(void)state;
	/* A line server that answers the request, then 100 ms later pushes
	 * a line nobody asked for; at 2 requests/s nothing is in flight. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char buf[256];
		int fd = accept(lfd, NULL, NULL);
		ssize_t n;

		if (fd < 0)
			_exit(1);
		n = read(fd, buf, sizeof(buf));
		if (n <= 0 || write(fd, buf, (size_t)n) != n)
			_exit(1);
		usleep(100000);
		if (write(fd, "push\n", 5) != 5)
			_exit(1);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		_exit(0);
	}
	memset(&c, 0, sizeof(c));
	engine_limits_default(&c.lim);
	c.target = target;
	c.conns = 1;
	c.depth = 1;
	c.mode = LG_RATE;
	c.rate = 2;
	c.duration = 0.35;
	c.request_timeout = 1;
	c.codec = codec_find("line");
	c.msg = (const unsigned char *)"ping\n";
	c.msg_len = 5;
	lg = loadgen_new(&c, err, sizeof(err));
	assert_non_null(lg);
	loadgen_run(lg);
	r = loadgen_result(lg);
	assert_int_equal(r->n.issued, 1);
	assert_int_equal(r->n.answered, 1);
	assert_int_equal(r->n.unexpected, 5);
	assert_int_equal(r->n.bytes_in, 10);
	loadgen_free(lg);
	close(lfd);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
}

static void
results_survive_encoding_and_merge_by_adding(void **state)
{
	static struct loadgen_result a, b, back, junk, sum;
	struct buf enc;

	(void)state;
	loadgen_result_init(&a);
	loadgen_result_init(&b);
	a.n.workers = b.n.workers = 1;
	a.n.requests = 10;
	b.n.requests = 32;
	a.n.lost = 1;
	b.n.lost = 2;
	a.n.unanswered = 4;
	b.n.reopened = 5;
	a.n.ended = LG_END_DURATION;
	b.n.ended = LG_END_NO_CONNS;
	a.n.elapsed = 3.0;
	b.n.elapsed = 1.0;
	a.n.errors[LG_ERR_RESET] = 2;
	b.n.errors[LG_ERR_RESET] = 1;
	a.n.seconds = 2.0;
	b.n.seconds = 2.5;
	hist_record(&a.lat, 100);
	hist_record(&a.lat, 5000);
	hist_record(&b.lat, 70);
	buf_init(&enc);
	loadgen_result_encode(&b, &enc);
	assert_int_equal(loadgen_result_decode(&back, buf_data(&enc),
	    buf_len(&enc)), 0);
	assert_int_equal(back.n.requests, 32);
	assert_int_equal(hist_count(&back.lat), 1);
	/* Every truncated prefix is rejected. */
	for (size_t i = 0; i < buf_len(&enc); i++)
		assert_int_equal(loadgen_result_decode(&junk, buf_data(&enc),
		    i), -1);
	loadgen_result_init(&sum);
	loadgen_result_merge(&sum, &a);
	loadgen_result_merge(&sum, &back);
	assert_int_equal(sum.n.workers, 2);
	assert_int_equal(sum.n.requests, 42);
	assert_int_equal(sum.n.lost, 3);
	assert_int_equal(sum.n.unanswered, 4);
	assert_int_equal(sum.n.reopened, 5);
	assert_int_equal(sum.n.ended, LG_END_DURATION | LG_END_NO_CONNS);
	assert_true(sum.n.elapsed == 3.0);
	assert_int_equal(sum.n.errors[LG_ERR_RESET], 3);
	assert_int_equal(hist_count(&sum.lat), 3);
	assert_int_equal(hist_min(&sum.lat), 70);
	assert_true(sum.n.seconds == 2.5);
	buf_free(&enc);
}

static void
close_reasons_map_to_causes(void **state)
{
	(void)state;
	assert_int_equal(loadgen_cause_of("connect: connection refused"),
	    LG_ERR_REFUSED);
	assert_int_equal(loadgen_cause_of("connection reset by peer"),
	    LG_ERR_RESET);
	assert_int_equal(loadgen_cause_of("connect timeout after 10.0s"),
	    LG_ERR_CONNECT_TIMEOUT);
	assert_int_equal(loadgen_cause_of("connect: connection timed out"),
	    LG_ERR_CONNECT_TIMEOUT);
	assert_int_equal(loadgen_cause_of("stalled: no reply within 5s"),
	    LG_ERR_TIMEOUT);
	assert_int_equal(loadgen_cause_of("EOF (peer closed)"), LG_ERR_EOF);
	assert_int_equal(loadgen_cause_of("protocol error: EOF inside a len32 "
	    "frame (3 bytes pending)"), LG_ERR_PROTOCOL);
	assert_int_equal(loadgen_cause_of("connect: Cannot assign requested "
	    "address"), LG_ERR_ADDR);
	assert_string_equal(loadgen_cause_name(LG_ERR_EOF), "eof");
	/* TLS failures on a read and on a write (conn.c's prefix). */
	assert_int_equal(loadgen_cause_of("tls: certificate verify failed: "
	    "hostname mismatch"), LG_ERR_TLS);
	assert_int_equal(loadgen_cause_of("write: tls: tlsv13 alert "
	    "certificate required"), LG_ERR_TLS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(closed_loop_completes_exactly_n_requests_with_every_byte_counted),
		cmocka_unit_test(depth_16_keeps_16_in_flight_and_still_counts_exactly),
		cmocka_unit_test(codec_counts_one_frame_per_request),
		cmocka_unit_test(echo_with_a_prefix_counts_replies_by_their_own_size),
		cmocka_unit_test(refused_connections_are_counted_by_cause_and_end_the_run),
		cmocka_unit_test(replies_of_another_size_answer_nothing_and_are_unexpected),
		cmocka_unit_test(a_request_past_its_timeout_is_a_timeout_and_its_connection_stalled),
		cmocka_unit_test(requests_in_flight_at_the_end_are_drained_then_unanswered),
		cmocka_unit_test(bytes_out_counts_what_the_socket_took_not_what_was_queued),
		cmocka_unit_test(a_frame_with_nothing_in_flight_is_unexpected_and_answers_nothing),
		cmocka_unit_test(results_survive_encoding_and_merge_by_adding),
		cmocka_unit_test(close_reasons_map_to_causes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
