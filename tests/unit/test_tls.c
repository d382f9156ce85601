/* The TLS transport (transport_tls.c) inside the engine's loop, over a
 * socketpair: a handshake with a generated self-signed certificate that
 * the client verifies (name, ALPN, version, peer certificate recorded),
 * bytes both ways and a clean close_notify; a peer sending plain-text
 * garbage; a peer that stops mid-handshake (a timeout failure naming the
 * handshake); the wrong host name and an untrusted certificate (verify
 * failures with OpenSSL's reason). */
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
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <ev.h>
#include "conn.h"
#include "transport.h"
#include "util.h"
#include "loop_harness.h"

struct tls_test {
	struct engine	*e;
	struct tls_ctx	*srv, *cli;
	struct harness	 h;
	char		 ca[64];
	char		 got[64];	/* what the client read back */
	size_t		 ngot;
	struct tls_info	 cinfo, sinfo;	/* copied at close */
	struct tls_info	 api;		/* transport_tls_info in cli_msg */
	int		 api_rc;
	int		 fds[2];
	int		 want_ends;	/* stop the loop after so many */
	int		 ends;
};

static struct tls_test T;

static void
srv_msg(struct conn *c, const struct codec_frame *f)
{
	conn_send(c, f->frame, f->frame_len);	/* echo */
}

static void
save_info(struct conn *c)
{
	if (++T.ends >= T.want_ends)
		engine_stop(c->eng);
	if (c->info.tls == NULL)
		return;
	if (c->info.side == SIDE_CLIENT)
		T.cinfo = *c->info.tls;
	else
		T.sinfo = *c->info.tls;
}

static void
cli_open(struct conn *c)
{
	conn_send(c, "hello", 5);
}

static void
cli_msg(struct conn *c, const struct codec_frame *f)
{
	size_t n = f->frame_len;

	if (n > sizeof(T.got) - T.ngot)
		n = sizeof(T.got) - T.ngot;
	memcpy(T.got + T.ngot, f->frame, n);
	T.ngot += n;
	T.api_rc = transport_tls_info(&c->tr, &T.api);
	if (T.ngot >= 5)
		conn_close(c, "done");
}

/* starttls: upgrade right after the (plain) open, then say hello. */
static char st_why[200];
static int st_rc;

static void
st_open(struct conn *c)
{
	st_rc = conn_starttls(c, st_why, sizeof(st_why));
	if (st_rc == 0)
		conn_send(c, "hello", 5);
	else
		conn_close(c, "refused");
}

/* The same, with a plaintext byte already received after the go-ahead. */
static void
st_inject_open(struct conn *c)
{
	buf_append(&c->rx, "X", 1);
	st_rc = conn_starttls(c, st_why, sizeof(st_why));
	buf_consume(&c->rx, 1);
	conn_close(c, "refused");
}

/* Server side starttls: upgrade right at the (plain) accept. */
static void
st_srv_open(struct conn *c)
{
	st_rc = conn_starttls(c, st_why, sizeof(st_why));
}

static const struct conn_handler st_srv_h = { .on_open = st_srv_open,
    .on_msg = srv_msg, .on_close = save_info };
static const struct conn_handler srv_h = { .on_msg = srv_msg,
    .on_close = save_info };
static const struct conn_handler cli_h = { .on_open = cli_open,
    .on_msg = cli_msg, .on_close = save_info };
static const struct conn_handler st_h = { .on_open = st_open,
    .on_msg = cli_msg, .on_close = save_info };
static const struct conn_handler st_inject_h = { .on_open = st_inject_open,
    .on_close = save_info };

/* A loop, a self-signed server context written out as the CA file, and
 * a non-blocking socketpair. */
static int
setup(void **state)
{
	struct tls_opts so = { .server = 1, .alpn = "h2,http/1.1" };
	char err[200];

	(void)state;
	memset(&T, 0, sizeof(T));
	T.e = engine_new(NULL);
	assert_int_equal(tls_ctx_new(&so, &T.srv, err, sizeof(err)), 0);
	assert_int_equal(strlen(tls_ctx_fingerprint(T.srv)), 95);
	snprintf(T.ca, sizeof(T.ca), "/tmp/sb-tls-ca-%d.pem", (int)getpid());
	assert_int_equal(tls_ctx_write_cert(T.srv, T.ca), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, T.fds), 0);
	fcntl(T.fds[0], F_SETFL, O_NONBLOCK);
	fcntl(T.fds[1], F_SETFL, O_NONBLOCK);
	T.e->tls_server = T.srv;
	T.want_ends = 2;
	harness_attach(&T.h, T.e, 5.0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	engine_free(T.e);
	tls_ctx_free(T.srv);
	tls_ctx_free(T.cli);
	unlink(T.ca);
	return 0;
}

/* A client context for the server name sni, trusting the CA file (or the
 * system store when ca is 0). */
static void
client(const char *sni, int ca, int insecure)
{
	struct tls_opts co = { .sni = sni, .alpn = "h2",
	    .ca_file = ca ? T.ca : NULL, .insecure = insecure };
	char err[200];

	assert_int_equal(tls_ctx_new(&co, &T.cli, err, sizeof(err)), 0);
	T.e->tls_client = T.cli;
}

/* The harness's end of a side. */
static const struct harness_end *
end_of(enum conn_side side)
{
	size_t i;

	for (i = 0; i < T.h.nends; i++)
		if (T.h.ends[i].side == side)
			return &T.h.ends[i];
	fail_msg("no end for side %d", (int)side);
	return NULL;
}

static void
handshake_verifies_echoes_and_closes_cleanly(void **state)
{
	(void)state;
	client("localhost", 1, 0);
	conn_new(T.e, T.fds[1], SIDE_SERVER, CS_OPEN, NULL, &srv_h, NULL);
	conn_new(T.e, T.fds[0], SIDE_CLIENT, CS_CONNECTING, NULL, &cli_h,
	    NULL);
	engine_run(T.e);
	assert_false(T.h.timed_out);
	assert_int_equal(T.ngot, 5);
	assert_memory_equal(T.got, "hello", 5);
	assert_int_equal(end_of(SIDE_CLIENT)->state, CS_CLOSED);
	assert_string_equal(end_of(SIDE_CLIENT)->reason, "done");
	/* The client's close_notify reads as a clean EOF on the server. */
	assert_int_equal(end_of(SIDE_SERVER)->state, CS_CLOSED);
	assert_int_equal(end_of(SIDE_SERVER)->bytes_in, 5);
	assert_true(T.cinfo.done);
	assert_true(T.cinfo.verified);
	assert_false(T.cinfo.insecure);
	assert_string_equal(T.cinfo.version, "TLSv1.3");
	assert_string_equal(T.cinfo.alpn, "h2");
	assert_non_null(strstr(T.cinfo.subject, "CN=localhost"));
	assert_string_equal(T.cinfo.subject, T.cinfo.issuer);
	assert_true(strlen(T.cinfo.not_after) > 10);
	assert_true(T.cinfo.handshake_s >= 0 && T.cinfo.handshake_s < 5);
	assert_true(strlen(T.cinfo.cipher) > 0);
	assert_true(T.sinfo.done);
	assert_string_equal(T.sinfo.alpn, "h2");
}

static void
tls_info_api_gives_the_details_once_the_handshake_is_done(void **state)
{
	struct tls_info none;
	struct conn *c;
	char line[800];

	(void)state;
	client("localhost", 1, 0);
	conn_new(T.e, T.fds[1], SIDE_SERVER, CS_OPEN, NULL, &srv_h, NULL);
	c = conn_new(T.e, T.fds[0], SIDE_CLIENT, CS_CONNECTING, NULL, &cli_h,
	    NULL);
	memset(&none, 0x5a, sizeof(none));
	assert_int_equal(transport_tls_info(&c->tr, &none), -1);
	assert_int_equal((unsigned char)none.version[0], 0x5a);	/* untouched */
	T.api_rc = -2;
	engine_run(T.e);
	assert_false(T.h.timed_out);
	assert_int_equal(T.api_rc, 0);
	assert_true(T.api.done);
	assert_string_equal(T.api.version, "TLSv1.3");
	assert_string_equal(T.api.alpn, "h2");
	assert_non_null(strstr(T.api.subject, "CN=localhost"));
	assert_true(T.api.handshake_us > 0 && T.api.handshake_us < 5000000);
	assert_true(T.api.handshake_us ==
	    (uint64_t)(T.api.handshake_s * 1e6 + 0.5));
	assert_false(T.api.resumed);
	tls_info_text(&T.api, line, sizeof(line));
	assert_non_null(strstr(line, "TLSv1.3 "));
	assert_non_null(strstr(line, ", alpn h2, full handshake "));
	assert_non_null(strstr(line, " us, peer CN=localhost"));
	assert_non_null(strstr(line, ", verified"));
	none.done = 0;
	tls_info_text(&none, line, sizeof(line));
	assert_string_equal(line, "handshake not completed");
	/* A TCP transport has none. */
	{
		struct transport tcp;

		transport_tcp_init(&tcp, -1);
		assert_int_equal(transport_tls_info(&tcp, &none), -1);
	}
}

/* One client and one server connection over a fresh socketpair, run to
 * their ends; the client's TLS details in T.cinfo. */
static void
one_exchange(void)
{
	T.h.nends = 0;
	T.ends = 0;
	T.ngot = 0;
	memset(&T.cinfo, 0, sizeof(T.cinfo));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, T.fds), 0);
	fcntl(T.fds[0], F_SETFL, O_NONBLOCK);
	fcntl(T.fds[1], F_SETFL, O_NONBLOCK);
	conn_new(T.e, T.fds[1], SIDE_SERVER, CS_OPEN, NULL, &srv_h, NULL);
	conn_new(T.e, T.fds[0], SIDE_CLIENT, CS_CONNECTING, NULL, &cli_h,
	    NULL);
	engine_run(T.e);
	assert_false(T.h.timed_out);
	assert_int_equal(T.ngot, 5);
	assert_true(T.cinfo.done);
}

static void
resume_offers_the_servers_ticket_and_the_next_handshake_is_resumed(
    void **state)
{
	struct tls_opts co = { .sni = "localhost", .ca_file = T.ca,
	    .resume = 1 };
	char err[200];

	(void)state;
	close(T.fds[0]);
	close(T.fds[1]);
	assert_int_equal(tls_ctx_new(&co, &T.cli, err, sizeof(err)), 0);
	assert_true(tls_ctx_resume(T.cli));
	T.e->tls_client = T.cli;
	one_exchange();			/* full: no session yet */
	assert_false(T.cinfo.resumed);
	assert_true(T.cinfo.verified);
	one_exchange();			/* the ticket of the first */
	assert_true(T.cinfo.resumed);
	assert_true(T.cinfo.verified);	/* kept from the full handshake */
	assert_non_null(strstr(T.cinfo.subject, "CN=localhost"));
	one_exchange();
	assert_true(T.cinfo.resumed);
	/* Without resume the same server gives full handshakes only. */
	tls_ctx_free(T.cli);
	client("localhost", 1, 0);
	assert_false(tls_ctx_resume(T.cli));
	one_exchange();
	one_exchange();
	assert_false(T.cinfo.resumed);
}

static void
wrong_host_name_is_a_verify_failure_with_the_reason(void **state)
{
	(void)state;
	client("wrong.example", 1, 0);
	conn_new(T.e, T.fds[1], SIDE_SERVER, CS_OPEN, NULL, &srv_h, NULL);
	conn_new(T.e, T.fds[0], SIDE_CLIENT, CS_CONNECTING, NULL, &cli_h,
	    NULL);
	engine_run(T.e);
	assert_false(T.h.timed_out);
	assert_int_equal(T.ngot, 0);
	assert_int_equal(end_of(SIDE_CLIENT)->state, CS_FAILED);
	assert_string_equal(end_of(SIDE_CLIENT)->reason,
	    "tls: certificate verify failed: hostname mismatch");
	assert_int_equal(end_of(SIDE_SERVER)->state, CS_FAILED);
	assert_non_null(strstr(end_of(SIDE_SERVER)->reason, "tls: "));
}

static void
untrusted_certificate_fails_and_insecure_passes(void **state)
{
	(void)state;
	client("localhost", 0, 0);	/* the system store only */
	conn_new(T.e, T.fds[1], SIDE_SERVER, CS_OPEN, NULL, &srv_h, NULL);
	conn_new(T.e, T.fds[0], SIDE_CLIENT, CS_CONNECTING, NULL, &cli_h,
	    NULL);
	engine_run(T.e);
	assert_int_equal(end_of(SIDE_CLIENT)->state, CS_FAILED);
	assert_string_equal(end_of(SIDE_CLIENT)->reason,
	    "tls: certificate verify failed: self-signed certificate");

	/* --insecure: the same certificate passes, and says so. */
	tls_ctx_free(T.cli);
	T.h.nends = 0;
	T.ends = 0;
	client("localhost", 0, 1);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, T.fds), 0);
	fcntl(T.fds[0], F_SETFL, O_NONBLOCK);
	fcntl(T.fds[1], F_SETFL, O_NONBLOCK);
	conn_new(T.e, T.fds[1], SIDE_SERVER, CS_OPEN, NULL, &srv_h, NULL);
	conn_new(T.e, T.fds[0], SIDE_CLIENT, CS_CONNECTING, NULL, &cli_h,
	    NULL);
	engine_run(T.e);
	assert_int_equal(T.ngot, 5);
	assert_int_equal(end_of(SIDE_CLIENT)->state, CS_CLOSED);
	assert_true(T.cinfo.insecure);
	assert_false(T.cinfo.verified);
}

static void
plain_text_garbage_fails_the_handshake(void **state)
{
	static const char junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

	(void)state;
	conn_new(T.e, T.fds[1], SIDE_SERVER, CS_OPEN, NULL, &srv_h, NULL);
	T.want_ends = 1;
	assert_int_equal(write(T.fds[0], junk, sizeof(junk) - 1),
	    (ssize_t)sizeof(junk) - 1);
	engine_run(T.e);
	assert_false(T.h.timed_out);
	assert_int_equal(end_of(SIDE_SERVER)->state, CS_FAILED);
	assert_int_equal(strncmp(end_of(SIDE_SERVER)->reason, "tls: ", 5), 0);
	assert_int_equal(end_of(SIDE_SERVER)->bytes_in, 0);
	close(T.fds[0]);
}

static void
peer_stopping_mid_handshake_times_out_with_the_reason(void **state)
{
	char hello[4096];
	ssize_t n;
	struct conn *c;

	(void)state;
	/* A real client hello, then silence: the client's first flight is
	 * read off its socket and replayed to the server, which answers and
	 * waits for a finished that never comes. */
	client("localhost", 1, 0);
	T.e->lim.connect_timeout = 0.3;
	T.want_ends = 1;
	c = conn_new(T.e, T.fds[0], SIDE_CLIENT, CS_CONNECTING, NULL, &cli_h,
	    NULL);
	conn_timer(c, 0.3);
	engine_run(T.e);	/* the client times out: nobody answers */
	assert_false(T.h.timed_out);
	assert_int_equal(end_of(SIDE_CLIENT)->state, CS_FAILED);
	assert_string_equal(end_of(SIDE_CLIENT)->reason,
	    "tls: handshake timeout after 0.3s");
	n = read(T.fds[1], hello, sizeof(hello));
	assert_true(n > 5);
	assert_int_equal((unsigned char)hello[0], 0x16);  /* handshake */

	/* The server side, fed that hello by a peer that then goes quiet. */
	T.h.nends = 0;
	T.ends = 0;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, T.fds), 0);
	fcntl(T.fds[0], F_SETFL, O_NONBLOCK);
	fcntl(T.fds[1], F_SETFL, O_NONBLOCK);
	assert_int_equal(write(T.fds[0], hello, (size_t)n), n);
	conn_new(T.e, T.fds[1], SIDE_SERVER, CS_OPEN, NULL, &srv_h, NULL);
	engine_run(T.e);
	assert_false(T.h.timed_out);
	assert_int_equal(end_of(SIDE_SERVER)->state, CS_FAILED);
	assert_string_equal(end_of(SIDE_SERVER)->reason,
	    "tls: handshake timeout after 0.3s");
	/* It did answer (server hello...) before waiting. */
	assert_true(read(T.fds[0], hello, sizeof(hello)) > 5);
	close(T.fds[0]);
}

static void
starttls_upgrades_an_open_connection_in_place(void **state)
{
	(void)state;
	client("localhost", 1, 0);
	T.e->tls_client = NULL;		/* opens plain */
	T.e->tls_starttls = T.cli;
	conn_new(T.e, T.fds[1], SIDE_SERVER, CS_OPEN, NULL, &srv_h, NULL);
	conn_new(T.e, T.fds[0], SIDE_CLIENT, CS_CONNECTING, NULL, &st_h, NULL);
	engine_run(T.e);
	assert_false(T.h.timed_out);
	assert_int_equal(st_rc, 0);
	assert_int_equal(T.ngot, 5);
	assert_memory_equal(T.got, "hello", 5);
	assert_int_equal(end_of(SIDE_CLIENT)->state, CS_CLOSED);
	assert_int_equal(end_of(SIDE_SERVER)->state, CS_CLOSED);
	assert_true(T.cinfo.done);
	assert_true(T.cinfo.verified);
	assert_string_equal(T.cinfo.version, "TLSv1.3");
}

static void
starttls_on_the_server_side_accepts_the_handshake_in_place(void **state)
{
	(void)state;
	client("localhost", 1, 0);	/* the client speaks TLS at once */
	T.e->tls_server = NULL;		/* the server accepts plain */
	T.e->tls_starttls_server = T.srv;
	st_rc = -2;
	conn_new(T.e, T.fds[1], SIDE_SERVER, CS_OPEN, NULL, &st_srv_h, NULL);
	conn_new(T.e, T.fds[0], SIDE_CLIENT, CS_CONNECTING, NULL, &cli_h,
	    NULL);
	engine_run(T.e);
	assert_false(T.h.timed_out);
	assert_int_equal(st_rc, 0);
	assert_int_equal(T.ngot, 5);
	assert_memory_equal(T.got, "hello", 5);
	assert_true(T.cinfo.done);
	assert_true(T.cinfo.verified);
	assert_true(T.sinfo.done);
	assert_string_equal(T.sinfo.version, "TLSv1.3");
	assert_false(T.sinfo.verified);		/* no client certificate */
	assert_int_equal(end_of(SIDE_SERVER)->state, CS_CLOSED);
}

static void
starttls_refuses_plaintext_received_after_the_go_ahead(void **state)
{
	char why[200];
	struct conn *c;

	(void)state;
	client("localhost", 1, 0);
	T.e->tls_client = NULL;
	/* No context: refused with the reason. */
	T.want_ends = 1;
	c = conn_new(T.e, T.fds[0], SIDE_CLIENT, CS_OPEN, NULL, &cli_h, NULL);
	assert_int_equal(conn_starttls(c, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "starttls: no TLS context"));
	conn_close(c, "done");
	engine_run(T.e);
	/* Plaintext bytes waiting in rx would pass as protected: refused. */
	T.ends = 0;
	T.e->tls_starttls = T.cli;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, T.fds), 0);
	fcntl(T.fds[0], F_SETFL, O_NONBLOCK);
	conn_new(T.e, T.fds[0], SIDE_CLIENT, CS_CONNECTING, NULL, &st_inject_h,
	    NULL);
	engine_run(T.e);
	assert_int_equal(st_rc, -1);
	assert_string_equal(st_why, "starttls: 1 plaintext bytes received "
	    "after the go-ahead: refused (they would pass as protected)");
	close(T.fds[1]);
}

static void
bad_options_are_refused_with_a_reason(void **state)
{
	struct tls_opts o = { .min = "1.7" };
	struct tls_ctx *c = NULL;
	char err[200];

	(void)state;
	assert_int_equal(tls_ctx_new(&o, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--tls-min 1.7"));
	o = (struct tls_opts){ .alpn = "h2,,x" };
	assert_int_equal(tls_ctx_new(&o, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--alpn"));
	o = (struct tls_opts){ .server = 1, .cert = "/nonexistent.pem",
	    .key = "/nonexistent.key" };
	assert_int_equal(tls_ctx_new(&o, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--cert /nonexistent.pem"));
	o = (struct tls_opts){ .ca_file = "/nonexistent.pem" };
	assert_int_equal(tls_ctx_new(&o, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--ca-file"));
	assert_null(c);
	close(T.fds[0]);
	close(T.fds[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    handshake_verifies_echoes_and_closes_cleanly, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    tls_info_api_gives_the_details_once_the_handshake_is_done,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    resume_offers_the_servers_ticket_and_the_next_handshake_is_resumed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    starttls_on_the_server_side_accepts_the_handshake_in_place,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    wrong_host_name_is_a_verify_failure_with_the_reason, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    untrusted_certificate_fails_and_insecure_passes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    plain_text_garbage_fails_the_handshake, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    peer_stopping_mid_handshake_times_out_with_the_reason,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    starttls_upgrades_an_open_connection_in_place, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    starttls_refuses_plaintext_received_after_the_go_ahead,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    bad_options_are_refused_with_a_reason, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);	/* as engine_handle_signals does */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
