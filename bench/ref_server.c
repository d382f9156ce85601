/*
 * A reference echo server in plain C, the yardstick for what this machine
 * can do: one thread, level-triggered epoll, non-blocking sockets. Usage:
 * ref_server PORT; it listens on 127.0.0.1:PORT, echoes every byte back,
 * and exits 0 on SIGTERM or SIGINT. Output a peer does not take at once is
 * kept, and the connection is not read again until that is flushed, so
 * memory per connection stays under one read buffer.
 */
#define _GNU_SOURCE
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RBUF	(256 * 1024)
#define MAXEV	1024

/* Output a peer has not taken yet; one per fd, owned by the fd table. */
struct pend {
	unsigned char	*data;	/* malloc'd, RBUF bytes, while len > 0 */
	size_t		 off;
	size_t		 len;
};

static struct pend	*pends;
static size_t		 npends;
static int		 epfd;
static int		 spare = -1;
static unsigned char	 rbuf[RBUF];

/* Print a message with errno's text and exit 1. */
static void
die(const char *what)
{
	fprintf(stderr, "ref_server: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Exit at once with status 0, as asked by SIGTERM or SIGINT. */
static void
on_signal(int sig)
{
	(void)sig;
	_exit(0);
}

/* Raise the open-file limit to the hard limit and return the soft one. */
static size_t
raise_nofile(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		die("getrlimit");
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (rl.rlim_cur > 1048576)
			rl.rlim_cur = 1048576;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur > 1048576 ? 1048576 : (size_t)rl.rlim_cur;
}

/* Change which events fd is watched for. */
static void
watch(int fd, unsigned events, int op)
{
	struct epoll_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.fd = fd;
	if (epoll_ctl(epfd, op, fd, &ev) == -1)
		die("epoll_ctl");
}

/* Close a connection and drop its pending output. */
static void
drop(int fd)
{
	struct pend	*p = &pends[fd];

	free(p->data);
	memset(p, 0, sizeof(*p));
	close(fd);
}

/* Accept every waiting connection, shedding one when out of fds. */
static void
accept_all(int lfd)
{
	int	 fd, one = 1;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EAGAIN || errno == EINTR ||
			    errno == ECONNABORTED)
				return;
			if ((errno == EMFILE || errno == ENFILE) &&
			    spare != -1) {
				/* Accept and close one to clear the backlog. */
				close(spare);
				fd = accept(lfd, NULL, NULL);
				if (fd != -1)
					close(fd);
				spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
				fprintf(stderr, "ref_server: out of file "
				    "descriptors, connection shed\n");
				return;
			}
			die("accept");
		}
		if ((size_t)fd >= npends) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		watch(fd, EPOLLIN, EPOLL_CTL_ADD);
	}
}

/* Read what fd has and echo it, keeping what the peer cannot take yet. */
static void
echo_read(int fd)
{
	struct pend	*p = &pends[fd];
	ssize_t		 n, w;

	n = read(fd, rbuf, sizeof(rbuf));
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		drop(fd);
		return;
	}
	if (n == -1)
		return;
	w = send(fd, rbuf, (size_t)n, MSG_NOSIGNAL);
	if (w == -1) {
		if (errno != EAGAIN && errno != EINTR) {
			drop(fd);
			return;
		}
		w = 0;
	}
	if (w == n)
		return;
	if (p->data == NULL && (p->data = malloc(RBUF)) == NULL)
		die("malloc");
	memcpy(p->data, rbuf + w, (size_t)(n - w));
	p->off = 0;
	p->len = (size_t)(n - w);
	watch(fd, EPOLLOUT, EPOLL_CTL_MOD);
}

/* Flush pending output of fd; read again once it is all gone. */
static void
echo_flush(int fd)
{
	struct pend	*p = &pends[fd];
	ssize_t		 w;

	w = send(fd, p->data + p->off, p->len, MSG_NOSIGNAL);
	if (w == -1) {
		if (errno != EAGAIN && errno != EINTR)
			drop(fd);
		return;
	}
	p->off += (size_t)w;
	p->len -= (size_t)w;
	if (p->len == 0)
		watch(fd, EPOLLIN, EPOLL_CTL_MOD);
}

/* Listen on 127.0.0.1:PORT and echo until a signal ends the process. */
int
main(int argc, char *argv[])
{
	struct epoll_event	 evs[MAXEV];
	struct sockaddr_in	 sin;
	struct sigaction	 sa;
	char			*end;
	long			 port;
	int			 lfd, n, i, fd, one = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: ref_server PORT\n");
		return 2;
	}
	port = strtol(argv[1], &end, 10);
	if (*argv[1] == '\0' || *end != '\0' || port < 1 || port > 65535) {
		fprintf(stderr, "ref_server: bad port: %s\n", argv[1]);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	npends = raise_nofile();
	if ((pends = calloc(npends, sizeof(*pends))) == NULL)
		die("calloc");
	spare = open("/dev/null", O_RDONLY | O_CLOEXEC);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd == -1)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		die("bind 127.0.0.1");
	if (listen(lfd, 65535) == -1)
		die("listen");
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1");
	watch(lfd, EPOLLIN, EPOLL_CTL_ADD);

	for (;;) {
		n = epoll_wait(epfd, evs, MAXEV, -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (fd == lfd)
				accept_all(lfd);
			else if (pends[fd].len > 0)
				echo_flush(fd);
			else
				echo_read(fd);
		}
	}
}
