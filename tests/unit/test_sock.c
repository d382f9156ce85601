/* Socket setup (sock.c): listen, accept and connect on 127.0.0.1 and ::1
 * with bytes through, a refused connect reported with ECONNREFUSED, a port in
 * use reported with EADDRINUSE, and every option the flags ask for
 * actually set on the socket (read back with getsockopt and fcntl). */
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
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <cmocka.h>
#include "sock.h"

/* An address of family af: 127.0.0.1 or ::1, port 0 (the kernel picks). */
static socklen_t
loopback(int af, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)af;
	if (af == AF_INET)
		((struct sockaddr_in *)ss)->sin_addr.s_addr =
		    htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
	return sock_addr_len((struct sockaddr *)ss);
}

/* The value of an int socket option. */
static int
opt(int fd, int level, int name)
{
	int v = -1;
	socklen_t sl = sizeof(v);

	assert_int_equal(getsockopt(fd, level, name, &v, &sl), 0);
	return v;
}

/* Wait up to 3 s for events on fd; the revents. */
static int
wait_fd(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	assert_int_equal(poll(&p, 1, 3000), 1);
	return p.revents;
}

/* Listen on the loopback address of af, connect to it without blocking,
 * accept, and pass "ping" both ways; skip when the host has no such
 * address (no IPv6). */
static void
listen_connect_echo(int af)
{
	struct sockaddr_storage ss;
	socklen_t sl = loopback(af, &ss);
	char buf[8];
	int lfd, cfd, afd, port, is_open = -1, rc;

	lfd = sock_listen((struct sockaddr *)&ss, sl, 0, 16);
	if (lfd < 0 && af == AF_INET6 && (errno == EADDRNOTAVAIL ||
	    errno == EAFNOSUPPORT)) {
		skip();
	}
	assert_true(lfd >= 0);
	port = sock_local_port(lfd);
	assert_true(port > 0 && port <= 65535);
	assert_true(fcntl(lfd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(lfd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(opt(lfd, SOL_SOCKET, SO_REUSEADDR), 1);
	assert_int_equal(opt(lfd, SOL_SOCKET, SO_ACCEPTCONN), 1);

	cfd = sock_stream(af);
	assert_true(cfd >= 0);
	assert_true(fcntl(cfd, F_GETFL) & O_NONBLOCK);
	assert_int_equal(sock_set_nodelay(cfd), 0);
	assert_int_equal(opt(cfd, IPPROTO_TCP, TCP_NODELAY), 1);
	assert_int_equal(sock_addr_set_port((struct sockaddr *)&ss, port), 0);
	rc = sock_connect_start(cfd, (struct sockaddr *)&ss, sl, &is_open);
	assert_int_equal(rc, 0);
	assert_true(is_open == 0 || is_open == 1);
	if (!is_open)
		assert_true(wait_fd(cfd, POLLOUT) & POLLOUT);
	assert_int_equal(sock_connect_result(cfd), 0);

	assert_true(wait_fd(lfd, POLLIN) & POLLIN);
	afd = sock_accept(lfd);
	assert_true(afd >= 0);
	assert_true(fcntl(afd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(afd, F_GETFD) & FD_CLOEXEC);
	errno = 0;
	assert_int_equal(sock_accept(lfd), -1);		/* none pending */
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	assert_int_equal(write(cfd, "ping", 4), 4);
	assert_true(wait_fd(afd, POLLIN) & POLLIN);
	assert_int_equal(read(afd, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(write(afd, "pong", 4), 4);
	assert_true(wait_fd(cfd, POLLIN) & POLLIN);
	assert_int_equal(read(cfd, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "pong", 4);
	close(afd);
	close(cfd);
	close(lfd);
}

static void
listen_and_connect_on_127_0_0_1_pass_bytes(void **state)
{
	(void)state;
	listen_connect_echo(AF_INET);
}

static void
listen_and_connect_on_ipv6_loopback_pass_bytes(void **state)
{
	(void)state;
	listen_connect_echo(AF_INET6);
}

/* A port bound but not listening refuses; the refusal comes back as
 * ECONNREFUSED either from the start or once the socket is writable. */
static void
connect_to_a_closed_port_is_reported_refused(void **state)
{
	struct sockaddr_storage ss;
	socklen_t sl = loopback(AF_INET, &ss);
	int hold, cfd, port, is_open = -1, rc, err;

	(void)state;
	hold = sock_bind((struct sockaddr *)&ss, sl, 0);	/* no listen */
	assert_true(hold >= 0);
	port = sock_local_port(hold);
	assert_true(port > 0);
	assert_int_equal(sock_addr_set_port((struct sockaddr *)&ss, port), 0);
	cfd = sock_stream(AF_INET);
	assert_true(cfd >= 0);
	rc = sock_connect_start(cfd, (struct sockaddr *)&ss, sl, &is_open);
	if (rc < 0)
		err = errno;
	else {
		assert_int_equal(is_open, 0);
		wait_fd(cfd, POLLOUT);
		assert_int_equal(sock_connect_result(cfd), -1);
		err = errno;
	}
	assert_int_equal(err, ECONNREFUSED);
	close(cfd);
	close(hold);
}

/* A port another socket listens on is refused with EADDRINUSE unless both
 * ask for SO_REUSEPORT, which is then set on both. */
static void
listen_on_a_port_in_use_fails_unless_both_reuse_it(void **state)
{
	struct sockaddr_storage ss;
	socklen_t sl = loopback(AF_INET, &ss);
	int a, b, port;

	(void)state;
	a = sock_listen((struct sockaddr *)&ss, sl, 0, 4);
	assert_true(a >= 0);
	port = sock_local_port(a);
	assert_int_equal(sock_addr_set_port((struct sockaddr *)&ss, port), 0);
	errno = 0;
	assert_int_equal(sock_listen((struct sockaddr *)&ss, sl, 0, 4), -1);
	assert_int_equal(errno, EADDRINUSE);
	close(a);

	a = sock_listen((struct sockaddr *)&ss, sl, SOCKF_REUSEPORT, 4);
	assert_true(a >= 0);
	b = sock_listen((struct sockaddr *)&ss, sl, SOCKF_REUSEPORT, 4);
	assert_true(b >= 0);
	assert_int_equal(opt(a, SOL_SOCKET, SO_REUSEPORT), 1);
	assert_int_equal(opt(b, SOL_SOCKET, SO_REUSEPORT), 1);
	assert_int_equal(sock_local_port(b), port);
	close(a);
	close(b);
}

/* The flags reach the socket: V6ONLY on an IPv6 socket, BLOCKING leaves
 * O_NONBLOCK off, and without a flag neither option is set. */
static void
bind_flags_set_the_options_they_name(void **state)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	(void)state;
	sl = loopback(AF_INET, &ss);
	fd = sock_bind((struct sockaddr *)&ss, sl, SOCKF_BLOCKING);
	assert_true(fd >= 0);
	assert_false(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_int_equal(opt(fd, SOL_SOCKET, SO_REUSEPORT), 0);
	assert_int_equal(opt(fd, SOL_SOCKET, SO_ACCEPTCONN), 0);
	close(fd);

	sl = loopback(AF_INET6, &ss);
	fd = sock_bind((struct sockaddr *)&ss, sl, SOCKF_V6ONLY);
	if (fd < 0 && (errno == EADDRNOTAVAIL || errno == EAFNOSUPPORT))
		return;		/* no IPv6 on this host */
	assert_true(fd >= 0);
	assert_int_equal(opt(fd, IPPROTO_IPV6, IPV6_V6ONLY), 1);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
}

/* A source bind with port 0 leaves the port to connect(2); with a port it
 * binds that one. */
static void
source_bind_takes_the_given_port_or_none(void **state)
{
	struct sockaddr_storage ss;
	socklen_t sl = loopback(AF_INET, &ss);
	int fd, hold, port;

	(void)state;
	hold = sock_bind((struct sockaddr *)&ss, sl, 0);
	assert_true(hold >= 0);
	port = sock_local_port(hold);
	close(hold);		/* a port known to be free just now */
	fd = sock_stream(AF_INET);
	assert_true(fd >= 0);
	assert_int_equal(sock_bind_source(fd, (struct sockaddr *)&ss, sl,
	    port), 0);
	assert_int_equal(sock_local_port(fd), port);
	close(fd);
	fd = sock_stream(AF_INET);
	assert_int_equal(sock_bind_source(fd, (struct sockaddr *)&ss, sl, 0),
	    0);
	assert_int_equal(sock_local_port(fd), 0);	/* picked at connect */
	close(fd);
}

/* Nothing assumes an IP family: a Unix address has a length (the family
 * and the NUL of an empty abstract name here: trailing NULs of
 * sun_path are not passed) and no port, and saying so is an error, not
 * a crash or a wrong port. */
static void
unix_addresses_have_a_length_and_no_port(void **state)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd;

	(void)state;
	assert_int_equal(sock_addr_len((struct sockaddr *)&un),
	    offsetof(struct sockaddr_un, sun_path) + 1);
	errno = 0;
	assert_int_equal(sock_addr_set_port((struct sockaddr *)&un, 7), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
	fd = sock_stream(AF_UNIX);
	assert_true(fd >= 0);
	errno = 0;
	assert_int_equal(sock_local_port(fd), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(listen_and_connect_on_127_0_0_1_pass_bytes),
		cmocka_unit_test(listen_and_connect_on_ipv6_loopback_pass_bytes),
		cmocka_unit_test(connect_to_a_closed_port_is_reported_refused),
		cmocka_unit_test(listen_on_a_port_in_use_fails_unless_both_reuse_it),
		cmocka_unit_test(bind_flags_set_the_options_they_name),
		cmocka_unit_test(source_bind_takes_the_given_port_or_none),
		cmocka_unit_test(unix_addresses_have_a_length_and_no_port),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
