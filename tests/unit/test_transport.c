/* Transports (transport.h, transport_tcp.c): the TCP table moves bytes
 * with read, write and writev, reports EAGAIN with the readiness it wants,
 * shuts down, describes TCP and Unix sockets without assuming an IP
 * family, and closes once; a connection does every read, write, connect
 * check, shutdown and close through its transport's table, and
 * conn_destroy (from the engine's reaper) frees it with its insides. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <ev.h>
#include "conn.h"
#include "sock.h"
#include "transport.h"
#include "util.h"
#include "loop_harness.h"

/* A connected TCP pair on 127.0.0.1: fds[0] the client, fds[1] the
 * accepted side; *port the listener's port. */
static void
tcp_pair(int fds[2], int *port)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct pollfd p;
	int lfd, is_open;

	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = sock_listen((struct sockaddr *)&in, sizeof(in), 0, 4);
	assert_true(lfd >= 0);
	*port = sock_local_port(lfd);
	sock_addr_set_port((struct sockaddr *)&in, *port);
	fds[0] = sock_stream(AF_INET);
	assert_int_equal(sock_connect_start(fds[0], (struct sockaddr *)&in,
	    sizeof(in), &is_open), 0);
	p = (struct pollfd){ .fd = lfd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 3000), 1);
	fds[1] = accept(lfd, NULL, NULL);
	assert_true(fds[1] >= 0);
	close(lfd);
	p = (struct pollfd){ .fd = fds[0], .events = POLLOUT };
	assert_int_equal(poll(&p, 1, 3000), 1);
}

/* Wait until fd is readable (3 s at most). */
static void
readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	assert_int_equal(poll(&p, 1, 3000), 1);
}

static void
tcp_transport_moves_bytes_and_says_what_it_waits_for(void **state)
{
	struct transport a, b;
	struct iovec iov[2] = { { "ab", 2 }, { "cde", 3 } };
	char buf[16], local[64] = "", peer[64] = "", want[64];
	int fds[2], port, fd;

	(void)state;
	tcp_pair(fds, &port);
	transport_tcp_init(&a, fds[0]);
	transport_tcp_init(&b, fds[1]);
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	assert_string_equal(a.ops->name, "tcp");

	/* Nothing to read yet: EAGAIN, waiting for readable. */
	errno = 0;
	assert_int_equal(transport_read(&b, buf, sizeof(buf)), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	assert_int_equal(b.want, TRANSPORT_WANT_READ);

	assert_int_equal(transport_write(&a, "hello", 5), 5);
	readable(fds[1]);
	assert_int_equal(transport_read(&b, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(transport_writev(&a, iov, 2), 5);
	readable(fds[1]);
	assert_int_equal(transport_read(&b, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "abcde", 5);

	/* The client's side names both ends as addr_format writes them. */
	transport_describe(&a, local, sizeof(local), peer, sizeof(peer));
	snprintf(want, sizeof(want), "127.0.0.1:%d", port);
	assert_string_equal(peer, want);
	assert_memory_equal(local, "127.0.0.1:", 10);

	/* FIN after the bytes: the peer reads EOF. */
	assert_int_equal(transport_shutdown(&a), 0);
	readable(fds[1]);
	assert_int_equal(transport_read(&b, buf, sizeof(buf)), 0);

	/* Close once: the fd is gone and a second close does nothing. */
	fd = a.fd;
	transport_close(&a);
	assert_int_equal(a.fd, -1);
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	transport_close(&a);
	transport_close(&b);
}

/* A full socket: write reports EAGAIN and wants writable. */
static void
tcp_transport_write_to_a_full_socket_wants_writable(void **state)
{
	static char big[65536];
	struct transport t;
	int fds[2];
	ssize_t n;
	int i;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	transport_tcp_init(&t, fds[0]);
	for (i = 0; i < 1000; i++)
		if ((n = transport_write(&t, big, sizeof(big))) < 0)
			break;
	assert_true(i < 1000);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	assert_int_equal(t.want, TRANSPORT_WANT_WRITE);
	transport_close(&t);
	close(fds[1]);
}

/* The same table on a Unix socket: bytes pass, and describe says "unix"
 * (an unnamed socket has no path), not a made-up IP address. */
static void
tcp_transport_works_on_a_unix_socket(void **state)
{
	struct transport a;
	char buf[8], local[64] = "", peer[64] = "";
	int fds[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	transport_tcp_init(&a, fds[0]);
	assert_int_equal(transport_write(&a, "hi", 2), 2);
	assert_int_equal(read(fds[1], buf, sizeof(buf)), 2);
	transport_describe(&a, local, sizeof(local), peer, sizeof(peer));
	assert_string_equal(local, "unix");
	assert_string_equal(peer, "unix");
	transport_close(&a);
	close(fds[1]);
}

/* A table that counts calls and forwards them to TCP's. */
static struct {
	int	reads, writes, connects, shutdowns, closes;
} calls;

static ssize_t
count_read(struct transport *t, void *p, size_t n)
{
	calls.reads++;
	return transport_tcp_ops.read(t, p, n);
}

static ssize_t
count_write(struct transport *t, const void *p, size_t n)
{
	calls.writes++;
	return transport_tcp_ops.write(t, p, n);
}

static int
count_connect_done(struct transport *t)
{
	calls.connects++;
	return transport_tcp_ops.connect_done(t);
}

static int
count_shutdown(struct transport *t)
{
	calls.shutdowns++;
	return transport_tcp_ops.shutdown(t);
}

static void
count_close(struct transport *t)
{
	if (t->fd >= 0)
		calls.closes++;
	transport_tcp_ops.close(t);
}

static const struct transport_ops count_ops = {
	.name = "count",
	.read = count_read,
	.write = count_write,
	.writev = NULL,		/* conn.c does not use writev */
	.connect_done = count_connect_done,
	.shutdown = count_shutdown,
	.close = count_close,
	.describe = NULL,	/* set up before the table is swapped */
};

/* What the handler saw. */
static struct {
	int	msgs, closes;
	char	last[16];
} seen;

static void
seen_msg(struct conn *c, const struct codec_frame *f)
{
	(void)c;
	seen.msgs++;
	snprintf(seen.last, sizeof(seen.last), "%.*s", (int)f->frame_len,
	    (const char *)f->frame);
}

static void
seen_close(struct conn *c)
{
	(void)c;
	seen.closes++;
}

static const struct conn_handler seen_handler = {
	.on_msg = seen_msg,
	.on_close = seen_close,
};

static void
conn_does_all_its_io_through_the_transport_and_destroy_frees_it(void **state)
{
	struct engine *e = engine_new(NULL);
	struct harness h;
	struct conn *c;
	char buf[16];
	int fds[2];

	(void)state;
	memset(&calls, 0, sizeof(calls));
	memset(&seen, 0, sizeof(seen));
	harness_attach(&h, e, 5);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	c = conn_new(e, fds[0], SIDE_SERVER, CS_OPEN, codec_find("line"),
	    &seen_handler, NULL);
	assert_ptr_equal(c->tr.ops, &transport_tcp_ops);
	assert_int_equal(c->tr.fd, fds[0]);
	c->tr.ops = &count_ops;

	conn_send(c, "ping\n", 5);
	assert_int_equal(calls.writes, 1);
	assert_int_equal(read(fds[1], buf, sizeof(buf)), 5);
	assert_int_equal(write(fds[1], "pong\n", 5), 5);
	while (seen.msgs == 0 && !h.timed_out)
		ev_run(e->loop, EVRUN_ONCE);
	assert_int_equal(seen.msgs, 1);
	assert_string_equal(seen.last, "pong\n");
	assert_true(calls.reads >= 1);

	conn_shutdown(c);
	assert_int_equal(calls.shutdowns, 1);
	assert_int_equal(read(fds[1], buf, sizeof(buf)), 0);	/* FIN */
	conn_close(c, "done");
	assert_int_equal(calls.closes, 1);
	assert_int_equal(c->fd, -1);
	assert_int_equal(c->tr.fd, -1);
	assert_int_equal(seen.closes, 0);	/* on_close comes from the loop */
	engine_reap(e);				/* on_close, then conn_destroy */
	assert_int_equal(seen.closes, 1);
	assert_int_equal(calls.closes, 1);	/* closed once */
	assert_int_equal(h.nends, 1);
	assert_string_equal(h.ends[0].reason, "done");
	close(fds[1]);
	engine_free(e);
}

/* A client connect completes, or fails, through connect_done. */
static void
conn_learns_how_a_connect_ended_from_the_transport(void **state)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct engine *e = engine_new(NULL);
	struct harness h;
	struct conn *c;
	int hold, fd, port, is_open;

	(void)state;
	memset(&calls, 0, sizeof(calls));
	harness_attach(&h, e, 5);
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	hold = sock_bind((struct sockaddr *)&in, sizeof(in), 0); /* no listen */
	assert_true(hold >= 0);
	port = sock_local_port(hold);
	sock_addr_set_port((struct sockaddr *)&in, port);
	fd = sock_stream(AF_INET);
	if (sock_connect_start(fd, (struct sockaddr *)&in, sizeof(in),
	    &is_open) < 0) {
		/* Refused at once on this kernel: nothing for conn to learn. */
		assert_int_equal(errno, ECONNREFUSED);
		close(fd);
		close(hold);
		engine_free(e);
		skip();
	}
	c = conn_new(e, fd, SIDE_CLIENT, CS_CONNECTING, NULL, &seen_handler,
	    NULL);
	c->tr.ops = &count_ops;
	while (h.nends == 0 && !h.timed_out)
		ev_run(e->loop, EVRUN_ONCE);
	assert_int_equal(calls.connects, 1);
	assert_int_equal(calls.closes, 1);
	assert_int_equal(h.ends[0].state, CS_FAILED);
	assert_string_equal(h.ends[0].reason, "connect: connection refused");
	close(hold);
	engine_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tcp_transport_moves_bytes_and_says_what_it_waits_for),
		cmocka_unit_test(tcp_transport_write_to_a_full_socket_wants_writable),
		cmocka_unit_test(tcp_transport_works_on_a_unix_socket),
		cmocka_unit_test(conn_does_all_its_io_through_the_transport_and_destroy_frees_it),
		cmocka_unit_test(conn_learns_how_a_connect_ended_from_the_transport),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
