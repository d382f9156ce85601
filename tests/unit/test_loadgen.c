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
	assert_int_equal(r->n.issued, n);
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
	assert_int_equal(r->n.opened, 10);
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
	assert_int_equal(r->n.opened, 0);
	/* Nothing left to do: it stopped without waiting for -d. */
	assert_true(r->n.seconds < 5);
	loadgen_free(lg);
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
	    LG_ERR_TIMEOUT);
	assert_int_equal(loadgen_cause_of("EOF (peer closed)"), LG_ERR_EOF);
	assert_int_equal(loadgen_cause_of("protocol error: EOF inside a len32 "
	    "frame (3 bytes pending)"), LG_ERR_PROTOCOL);
	assert_int_equal(loadgen_cause_of("connect: Cannot assign requested "
	    "address"), LG_ERR_ADDR);
	assert_string_equal(loadgen_cause_name(LG_ERR_EOF), "eof");
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
		cmocka_unit_test(results_survive_encoding_and_merge_by_adding),
		cmocka_unit_test(close_reasons_map_to_causes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
