/* Loopback tests of the engine: the embedded echo server and many client
 * connections on one loop, with every byte accounted for; resets mid-frame;
 * a bad frame closes only its own connection. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "conn.h"
#include "pool.h"
#include "server.h"
#include "service.h"
#include "util.h"
#include "loop_harness.h"

/* A test client: sends its two messages, checks the echo byte for byte. */
struct echo_client {
	char		sent[128];
	size_t		sent_len;
	struct buf	got;
	int		*done, *bad;
	uint64_t	total;
	struct engine	*eng;
};

static void *
echo_make(void *arg, uint64_t n)
{
	struct echo_client *ec = xcalloc(1, sizeof(*ec));
	struct echo_client *proto = arg;

	*ec = *proto;
	buf_init(&ec->got);
	ec->sent_len = (size_t)snprintf(ec->sent, sizeof(ec->sent),
	    "Message 1 from client %llu.Message 2 from client %llu.",
	    (unsigned long long)n, (unsigned long long)n);
	return ec;
}

static void
echo_open(struct conn *c)
{
	struct echo_client *ec = c->udata;
	size_t half = ec->sent_len / 2;

	conn_send_msg(c, ec->sent, half);
	conn_send_msg(c, ec->sent + half, ec->sent_len - half);
}

static void
echo_msg(struct conn *c, const struct codec_frame *f)
{
	struct echo_client *ec = c->udata;

	buf_append(&ec->got, f->frame, f->frame_len);
	if (buf_len(&ec->got) >= ec->sent_len) {
		if (buf_len(&ec->got) != ec->sent_len ||
		    memcmp(buf_data(&ec->got), ec->sent, ec->sent_len) != 0)
			(*ec->bad)++;
		conn_close(c, "got everything back");
	}
}

static void
echo_close(struct conn *c)
{
	struct echo_client *ec = c->udata;

	if (c->info.state == CS_CLOSED && buf_len(&ec->got) == ec->sent_len)
		(*ec->done)++;
	if (*ec->done + *ec->bad >= (int)ec->total)
		engine_stop(ec->eng);
	buf_free(&ec->got);
	free(ec);
}

static const struct conn_handler echo_client_handler = {
	.on_open = echo_open, .on_msg = echo_msg, .on_close = echo_close,
};

static void
echo_server_and_200_clients_account_for_every_byte(void **state)
{
	struct engine *e = engine_new(NULL);
	struct service_cfg cfg;
	struct harness h;
	struct server *s;
	struct pool *p;
	struct echo_client proto;
	char err[256], target[64];
	int done = 0, bad = 0;
	uint64_t sent = 0, srv_in = 0, srv_out = 0, cli_in = 0;
	size_t i;

	(void)state;
	engine_raise_nofile();
	assert_int_equal(service_cfg_parse(&cfg, "echo", err, sizeof(err)), 0);
	s = server_start(e, "127.0.0.1:0", &cfg, 0, err, sizeof(err));
	assert_non_null(s);
	harness_attach(&h, e, 20);
	memset(&proto, 0, sizeof(proto));
	proto.done = &done;
	proto.bad = &bad;
	proto.total = 200;
	proto.eng = e;
	snprintf(target, sizeof(target), "127.0.0.1:%d", server_port(s));
	struct pool_cfg pc = {
		.target = target, .count = 200, .rate = 0,
		.handler = &echo_client_handler, .make_udata = echo_make,
		.arg = &proto,
	};
	p = pool_new(e, &pc, err, sizeof(err));
	assert_non_null(p);
	pool_start(p);
	engine_run(e);
	/* Let the server side see the clients' FINs and close. */
	while (e->tot.open > 0 && !h.timed_out)
		ev_run(e->loop, EVRUN_ONCE);
	assert_false(h.timed_out);
	assert_int_equal(done, 200);
	assert_int_equal(bad, 0);
	for (i = 0; i < h.nends; i++) {
		const struct harness_end *x = &h.ends[i];

		if (x->side == SIDE_CLIENT) {
			sent += x->bytes_out;
			cli_in += x->bytes_in;
			assert_int_equal(x->msgs_out, 2);
		} else {
			srv_in += x->bytes_in;
			srv_out += x->bytes_out;
			assert_int_equal(x->state, CS_CLOSED);
		}
	}
	assert_int_equal(harness_count(&h, SIDE_SERVER, CS_CLOSED), 200);
	assert_true(sent > 200 * 50);
	assert_int_equal(srv_in, sent);
	assert_int_equal(srv_out, sent);
	assert_int_equal(cli_in, sent);
	assert_int_equal(e->tot.bytes_in, 2 * sent);
	assert_int_equal(e->tot.failed, 0);
	pool_free(p);
	server_free(s);
	engine_free(e);
	service_cfg_free(&cfg);
}

/* A client that sends half a jsonhdr frame, then resets the connection. */
static void
reset_open(struct conn *c)
{
	static const unsigned char half[] = "\x00\x40{\"byteorder\": \"little\", \"con";
	struct linger lg = { 1, 0 };

	conn_send(c, half, sizeof(half) - 1);
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	conn_close(c, "reset on purpose");
}

static void
reset_close(struct conn *c)
{
	(void)c;
}

static const struct conn_handler reset_handler = {
	.on_open = reset_open, .on_close = reset_close,
};

/* Stop once the server side has ended. */
static void
stop_when_server_ends(void *ctx, const struct conn_info *ci,
    const struct obs_event *ev)
{
	if (ev->kind == OBS_CLOSED && ci->side == SIDE_SERVER)
		engine_stop(ctx);
}

static void
peer_reset_mid_frame_is_a_failed_state_with_reason(void **state)
{
	struct engine *e = engine_new(NULL);
	struct service_cfg cfg;
	struct harness h;
	struct observer stopper = { .on_event = stop_when_server_ends };
	char err[256], target[64];
	struct server *s;
	struct pool *p;

	(void)state;
	assert_int_equal(service_cfg_parse(&cfg, "app", err, sizeof(err)), 0);
	s = server_start(e, "127.0.0.1:0", &cfg, 0, err, sizeof(err));
	assert_non_null(s);
	harness_attach(&h, e, 10);
	stopper.ctx = e;
	engine_observe(e, &stopper);
	snprintf(target, sizeof(target), "127.0.0.1:%d", server_port(s));
	struct pool_cfg pc = {
		.target = target, .count = 1, .handler = &reset_handler,
		.codec = codec_find("jsonhdr"),
	};
	p = pool_new(e, &pc, err, sizeof(err));
	assert_non_null(p);
	pool_start(p);
	engine_run(e);
	assert_false(h.timed_out);
	assert_int_equal(harness_count(&h, SIDE_SERVER, CS_FAILED), 1);
	for (size_t i = 0; i < h.nends; i++)
		if (h.ends[i].side == SIDE_SERVER) {
			assert_string_equal(h.ends[i].reason,
			    "connection reset by peer");
			assert_int_equal(h.ends[i].bytes_in, 30);
			assert_int_equal(h.ends[i].msgs_in, 0);
		}
	pool_free(p);
	server_free(s);
	engine_free(e);
	service_cfg_free(&cfg);
}

static void
connect_to_a_closed_port_fails_with_connection_refused(void **state)
{
	struct engine *e = engine_new(NULL);
	struct harness h;
	struct observer stopper = { .on_event = NULL };
	char err[256], target[64];
	struct service_cfg cfg;
	struct server *s;
	struct pool *p;
	int port;

	(void)state;
	(void)stopper;
	/* Find a free port, then close it so nothing listens there. */
	assert_int_equal(service_cfg_parse(&cfg, "echo", err, sizeof(err)), 0);
	s = server_start(e, "127.0.0.1:0", &cfg, 0, err, sizeof(err));
	port = server_port(s);
	server_free(s);
	harness_attach(&h, e, 5);
	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	struct pool_cfg pc = { .target = target, .count = 3,
	    .handler = &reset_handler };
	p = pool_new(e, &pc, err, sizeof(err));
	pool_start(p);
	while (h.nends < 3 && !h.timed_out)
		ev_run(e->loop, EVRUN_ONCE);
	assert_int_equal(harness_count(&h, SIDE_CLIENT, CS_FAILED), 3);
	assert_string_equal(h.ends[0].reason, "connect: connection refused");
	assert_int_equal(e->tot.failed, 3);
	pool_free(p);
	engine_free(e);
	service_cfg_free(&cfg);
}

/* A client that sends one bad jsonhdr frame (no content-length). */
static void
bad_open(struct conn *c)
{
	const char hdr[] = "{\"byteorder\": \"little\", \"content-type\": "
	    "\"text/json\", \"content-encoding\": \"utf-8\"}";
	unsigned char pre[2] = { 0, (unsigned char)(sizeof(hdr) - 1) };

	conn_send(c, pre, 2);
	conn_send(c, hdr, sizeof(hdr) - 1);
}

static const struct conn_handler bad_handler = {
	.on_open = bad_open, .on_close = reset_close,
};

/* A good client: a whole search request. */
static void
good_open(struct conn *c)
{
	struct buf b;
	char err[128];
	const char *body = "{\"action\": \"search\", \"value\": \"ring\"}";

	buf_init(&b);
	assert_int_equal(codec_find("jsonhdr")->encode((const unsigned char *)body,
	    strlen(body), NULL, &b, err, sizeof(err)), 0);
	conn_send(c, buf_data(&b), buf_len(&b));
	buf_free(&b);
}

static int good_replies;

static void
good_msg(struct conn *c, const struct codec_frame *f)
{
	(void)c;
	if (f->body_len > 10 && memcmp(f->body, "{\"result\": \"In the caves",
	    24) == 0)
		good_replies++;
}

static const struct conn_handler good_handler = {
	.on_open = good_open, .on_msg = good_msg, .on_close = reset_close,
};

static void
bad_frame_closes_only_its_connection(void **state)
{
	struct engine *e = engine_new(NULL);
	struct service_cfg cfg;
	struct harness h;
	char err[256], target[64];
	struct server *s;
	struct pool *bad, *good;

	(void)state;
	good_replies = 0;
	assert_int_equal(service_cfg_parse(&cfg, "app", err, sizeof(err)), 0);
	s = server_start(e, "127.0.0.1:0", &cfg, 0, err, sizeof(err));
	harness_attach(&h, e, 10);
	snprintf(target, sizeof(target), "127.0.0.1:%d", server_port(s));
	struct pool_cfg bc = { .target = target, .count = 1,
	    .handler = &bad_handler, .codec = codec_find("jsonhdr") };
	struct pool_cfg gc = { .target = target, .count = 5,
	    .handler = &good_handler, .codec = codec_find("jsonhdr") };
	bad = pool_new(e, &bc, err, sizeof(err));
	good = pool_new(e, &gc, err, sizeof(err));
	pool_start(bad);
	pool_start(good);
	while (h.nends < 12 && !h.timed_out)
		ev_run(e->loop, EVRUN_ONCE);
	assert_false(h.timed_out);
	assert_int_equal(good_replies, 5);
	assert_int_equal(harness_count(&h, SIDE_SERVER, CS_FAILED), 1);
	assert_int_equal(harness_count(&h, SIDE_SERVER, CS_CLOSED), 5);
	for (size_t i = 0; i < h.nends; i++)
		if (h.ends[i].side == SIDE_SERVER &&
		    h.ends[i].state == CS_FAILED)
			assert_non_null(strstr(h.ends[i].reason,
			    "content-length"));
	pool_free(bad);
	pool_free(good);
	server_free(s);
	engine_free(e);
	service_cfg_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(echo_server_and_200_clients_account_for_every_byte),
		cmocka_unit_test(peer_reset_mid_frame_is_a_failed_state_with_reason),
		cmocka_unit_test(connect_to_a_closed_port_fails_with_connection_refused),
		cmocka_unit_test(bad_frame_closes_only_its_connection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
