/*
 * A reference TLS ping-pong client in plain C and OpenSSL, the yardstick
 * for sockbench bench --tls. Usage:
 *   ref_tls_client HOST PORT CONNS SECONDS MSGSIZE REQS CAFILE
 * It keeps CONNS non-blocking connections (epoll, one thread), each doing
 * a verified TLS handshake (CAFILE, the name "localhost") and then
 * sending one MSGSIZE-byte message at a time: every MSGSIZE bytes that
 * come back count one round trip. With REQS > 0 a connection is closed
 * after REQS round trips (close_notify, as sockbench sends) and a new one
 * opened: every one is a full handshake. Counting starts once every
 * connection's first handshake is done; after SECONDS it prints:
 * ref_tls_client conns=N size=S reqs=Q seconds=T roundtrips=R rps=X
 *     handshakes=H hps=Y
 */
#define _GNU_SOURCE
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAXEV	256

enum st { ST_CONNECTING, ST_HANDSHAKE, ST_SEND, ST_RECV };

/* One connection slot; the array lives as long as the process. */
struct tconn {
	int		 fd;
	SSL		*ssl;
	enum st		 st;
	size_t		 got;		/* bytes of the reply so far */
	unsigned long	 n;		/* round trips on this connection */
};

static struct tconn	*cs;
static int		 epfd;
static SSL_CTX		*ctx;
static struct sockaddr_in sa;
static size_t		 msgsize;
static unsigned long	 reqs;
static unsigned char	 msg[65536], rbuf[65536];
static int		 counting;
static unsigned long long roundtrips, handshakes, ready;

/* Print what failed and exit 1. */
static void
die(const char *what)
{
	fprintf(stderr, "ref_tls_client: %s: %s\n", what,
	    errno ? strerror(errno) : "");
	ERR_print_errors_fp(stderr);
	exit(1);
}

/* The monotonic clock in seconds. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Watch c's socket for ev. */
static void
watch(struct tconn *c, unsigned ev, int op)
{
	struct epoll_event e = { .events = ev, .data.ptr = c };

	if (epoll_ctl(epfd, op, c->fd, &e) < 0)
		die("epoll_ctl");
}

/* Start a connection in slot c. */
static void
open_conn(struct tconn *c)
{
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		die("socket");
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	    errno != EINPROGRESS)
		die("connect");
	c->ssl = SSL_new(ctx);
	if (c->ssl == NULL)
		die("SSL_new");
	SSL_set_fd(c->ssl, c->fd);
	SSL_set_connect_state(c->ssl);
	SSL_set_tlsext_host_name(c->ssl, "localhost");
	SSL_set1_host(c->ssl, "localhost");
	c->st = ST_CONNECTING;
	c->got = 0;
	c->n = 0;
	watch(c, EPOLLOUT, EPOLL_CTL_ADD);
}

/* Close slot c's connection (one close_notify, no wait). */
static void
close_conn(struct tconn *c)
{
	SSL_shutdown(c->ssl);
	SSL_free(c->ssl);
	close(c->fd);
	c->ssl = NULL;
}

/* After an SSL call returned r: wait for what it wants, or die. */
static int
want(struct tconn *c, int r, const char *what)
{
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		watch(c, EPOLLIN, EPOLL_CTL_MOD);
		return 0;
	case SSL_ERROR_WANT_WRITE:
		watch(c, EPOLLOUT, EPOLL_CTL_MOD);
		return 0;
	default:
		die(what);
	}
	return 0;
}

/* Move c on as far as it goes without waiting. */
static void
step(struct tconn *c)
{
	int r, err;
	socklen_t len = sizeof(err);

	for (;;) {
		switch (c->st) {
		case ST_CONNECTING:
			if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err,
			    &len) < 0 || err != 0) {
				errno = err;
				die("connect");
			}
			c->st = ST_HANDSHAKE;
			break;
		case ST_HANDSHAKE:
			if ((r = SSL_do_handshake(c->ssl)) != 1)
				return (void)want(c, r, "handshake");
			c->st = ST_SEND;
			if (counting) {
				handshakes++;
				break;
			}
			/* The run starts for all at once: off epoll until
			 * then (a ticket arriving would wake it for
			 * nothing). */
			ready++;
			epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
			return;
		case ST_SEND:
			if ((r = SSL_write(c->ssl, msg, (int)msgsize)) <= 0)
				return (void)want(c, r, "write");
			c->st = ST_RECV;
			c->got = 0;
			break;
		case ST_RECV:
			if ((r = SSL_read(c->ssl, rbuf, sizeof(rbuf))) <= 0)
				return (void)want(c, r, "read");
			c->got += (size_t)r;
			if (c->got < msgsize)
				break;
			roundtrips++;
			c->n++;
			if (reqs > 0 && c->n >= reqs) {
				epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
				close_conn(c);
				open_conn(c);
				return;
			}
			c->st = ST_SEND;
			break;
		}
	}
}

/* Run the loop until t_end (or, before counting, until all are ready). */
static void
loop(double t_end, unsigned long n)
{
	struct epoll_event ev[MAXEV];
	int i, k;

	while (now() < t_end && (counting || ready < n)) {
		k = epoll_wait(epfd, ev, MAXEV, 50);
		if (k < 0 && errno != EINTR)
			die("epoll_wait");
		for (i = 0; i < k; i++)
			step(ev[i].data.ptr);
	}
}

int
main(int argc, char **argv)
{
	unsigned long n, i;
	double secs, t0, t1;

	if (argc != 8) {
		fprintf(stderr, "usage: ref_tls_client HOST PORT CONNS SECONDS "
		    "MSGSIZE REQS CAFILE\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1)
		die("HOST must be an IPv4 address");
	n = strtoul(argv[3], NULL, 10);
	secs = atof(argv[4]);
	msgsize = strtoul(argv[5], NULL, 10);
	reqs = strtoul(argv[6], NULL, 10);
	if (n == 0 || secs <= 0 || msgsize == 0 || msgsize > sizeof(msg))
		die("bad arguments");
	memset(msg, 'x', msgsize);
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL || SSL_CTX_load_verify_locations(ctx, argv[7], NULL)
	    != 1)
		die("CAFILE");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_IGNORE_UNEXPECTED_EOF);
	if ((epfd = epoll_create1(0)) < 0)
		die("epoll_create1");
	cs = calloc(n, sizeof(*cs));
	if (cs == NULL)
		die("calloc");
	for (i = 0; i < n; i++)
		open_conn(&cs[i]);
	loop(now() + 10, n);		/* every first handshake */
	if (ready < n)
		die("handshakes did not complete in 10 s");
	counting = 1;
	t0 = now();
	for (i = 0; i < n; i++) {
		watch(&cs[i], EPOLLIN, EPOLL_CTL_ADD);
		step(&cs[i]);		/* the first message of each */
	}
	loop(t0 + secs, n);
	t1 = now();
	printf("ref_tls_client conns=%lu size=%zu reqs=%lu seconds=%.2f "
	    "roundtrips=%llu rps=%.0f handshakes=%llu hps=%.0f\n", n,
	    msgsize, reqs, t1 - t0, roundtrips, (double)roundtrips /
	    (t1 - t0), handshakes, (double)handshakes / (t1 - t0));
	return 0;
}
