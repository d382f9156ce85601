/*
 * A reference ping-pong client in plain C, the yardstick for what this
 * machine can do. Usage: ref_client HOST PORT CONNS DEPTH SECONDS MSGSIZE.
 * It opens CONNS connections, then keeps DEPTH messages of MSGSIZE bytes in
 * flight on each: every MSGSIZE bytes that come back count one round trip
 * and send one more message. After SECONDS it prints one line:
 * ref_client conns=N depth=D size=S seconds=T roundtrips=R rps=X
 */
#define _GNU_SOURCE
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RBUF		(256 * 1024)
#define SBUF		(256 * 1024)
#define MAXEV		1024
#define CONNECT_SECS	10.0

/* One connection; the array of them lives as long as the process. */
struct cconn {
	int		 fd;
	int		 open;		/* connect completed */
	unsigned	 events;	/* what epoll watches now */
	size_t		 rx_part;	/* bytes of the message arriving */
	uint64_t	 owed;		/* bytes still to send */
};

static struct cconn	*conns;
static int		 epfd;
static size_t		 msgsize;
static unsigned char	 rbuf[RBUF];
static unsigned char	 sbuf[SBUF];

/* Print a message with errno's text and exit 1. */
static void
die(const char *what)
{
	fprintf(stderr, "ref_client: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Return the monotonic clock in seconds. */
static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Parse a positive integer argument or exit with usage. */
static unsigned long
parse_pos(const char *s, const char *name)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0 || v == 0) {
		fprintf(stderr, "ref_client: bad %s: %s\n", name, s);
		exit(2);
	}
	return v;
}

/* Raise the open-file limit as far as the hard limit allows. */
static void
raise_nofile(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (rl.rlim_cur > 1048576)
			rl.rlim_cur = 1048576;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Make epoll watch exactly events on c. */
static void
watch(struct cconn *c, size_t i, unsigned events)
{
	struct epoll_event	 ev;

	if (c->events == events)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.u64 = i;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) == -1)
		die("epoll_ctl");
	c->events = events;
}

/* Send what c owes until done or the socket is full. */
static void
send_owed(struct cconn *c, size_t i)
{
	ssize_t		 n;
	size_t		 want;

	while (c->owed > 0) {
		want = c->owed < SBUF ? (size_t)c->owed : SBUF;
		n = send(c->fd, sbuf, want, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				die("send");
			watch(c, i, EPOLLIN | EPOLLOUT);
			return;
		}
		c->owed -= (uint64_t)n;
	}
	watch(c, i, EPOLLIN);
}

/* Read what came back on c; returns the round trips it completed. */
static uint64_t
recv_echo(struct cconn *c)
{
	ssize_t		 n;
	uint64_t	 rt;
	size_t		 total;

	n = read(c->fd, rbuf, sizeof(rbuf));
	if (n == 0) {
		fprintf(stderr, "ref_client: connection closed by server\n");
		exit(1);
	}
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		die("read");
	}
	total = c->rx_part + (size_t)n;
	rt = total / msgsize;
	c->rx_part = total % msgsize;
	return rt;
}

/* Open every connection, waiting until all have completed. */
static void
connect_all(const char *host, const char *port, size_t nconns)
{
	struct addrinfo		 hints, *ai;
	struct epoll_event	 evs[MAXEV], ev;
	struct cconn		*c;
	socklen_t		 len;
	size_t			 i, opened = 0;
	double			 deadline;
	int			 rv, n, k, err, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rv = getaddrinfo(host, port, &hints, &ai)) != 0) {
		fprintf(stderr, "ref_client: %s:%s: %s\n", host, port,
		    gai_strerror(rv));
		exit(1);
	}
	for (i = 0; i < nconns; i++) {
		c = &conns[i];
		c->fd = socket(ai->ai_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd == -1)
			die("socket");
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
		    errno != EINPROGRESS)
			die("connect");
		memset(&ev, 0, sizeof(ev));
		ev.events = c->events = EPOLLOUT;
		ev.data.u64 = i;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) == -1)
			die("epoll_ctl");
	}
	freeaddrinfo(ai);
	deadline = now() + CONNECT_SECS;
	while (opened < nconns) {
		if (now() > deadline) {
			fprintf(stderr, "ref_client: only %zu of %zu "
			    "connections opened in %.0f s\n", opened, nconns,
			    CONNECT_SECS);
			exit(1);
		}
		n = epoll_wait(epfd, evs, MAXEV, 100);
		if (n == -1 && errno != EINTR)
			die("epoll_wait");
		for (k = 0; k < n; k++) {
			i = evs[k].data.u64;
			c = &conns[i];
			if (c->open)
				continue;
			len = sizeof(err);
			if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err,
			    &len) == -1)
				die("getsockopt");
			if (err != 0) {
				errno = err;
				die("connect");
			}
			c->open = 1;
			opened++;
			watch(c, i, EPOLLIN);
		}
	}
}

/* Connect, play ping-pong for SECONDS, and print the one result line. */
int
main(int argc, char *argv[])
{
	struct epoll_event	 evs[MAXEV];
	struct cconn		*c;
	unsigned long		 nconns, depth;
	uint64_t		 rt, roundtrips = 0;
	double			 seconds, t0, t1, left;
	char			*end;
	size_t			 i;
	int			 n, k;

	if (argc != 7) {
		fprintf(stderr, "usage: ref_client HOST PORT CONNS DEPTH "
		    "SECONDS MSGSIZE\n");
		return 2;
	}
	nconns = parse_pos(argv[3], "CONNS");
	depth = parse_pos(argv[4], "DEPTH");
	seconds = strtod(argv[5], &end);
	if (*argv[5] == '\0' || *end != '\0' || !(seconds > 0)) {
		fprintf(stderr, "ref_client: bad SECONDS: %s\n", argv[5]);
		return 2;
	}
	msgsize = parse_pos(argv[6], "MSGSIZE");
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	if ((conns = calloc(nconns, sizeof(*conns))) == NULL)
		die("calloc");
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1");

	connect_all(argv[1], argv[2], nconns);
	t0 = now();
	for (i = 0; i < nconns; i++) {
		conns[i].owed = (uint64_t)depth * msgsize;
		send_owed(&conns[i], i);
	}
	for (;;) {
		left = t0 + seconds - now();
		if (left <= 0)
			break;
		n = epoll_wait(epfd, evs, MAXEV, (int)(left * 1000) + 1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (k = 0; k < n; k++) {
			i = evs[k].data.u64;
			c = &conns[i];
			if (evs[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
				rt = recv_echo(c);
				roundtrips += rt;
				c->owed += rt * msgsize;
			}
			send_owed(c, i);
		}
	}
	t1 = now();
	printf("ref_client conns=%lu depth=%lu size=%zu seconds=%s "
	    "roundtrips=%llu rps=%.0f\n", nconns, depth, msgsize, argv[5],
	    (unsigned long long)roundtrips, (double)roundtrips / (t1 - t0));
	return 0;
}
