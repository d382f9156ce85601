/* Socket setup: create, set options, bind, listen, start connects. */
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/un.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include "sock.h"

int
sock_stream(int af)
{
	return socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

/* Set an int socket option to 1; 0, or -1 with errno. */
static int
sock_on(int fd, int level, int name)
{
	int one = 1;

	return setsockopt(fd, level, name, &one, sizeof(one));
}

int
sock_bind(const struct sockaddr *sa, socklen_t salen, int flags)
{
	int fd, is_ip, err;

	assert(sa != NULL);
	is_ip = sa->sa_family == AF_INET || sa->sa_family == AF_INET6;
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC |
	    ((flags & SOCKF_BLOCKING) ? 0 : SOCK_NONBLOCK), 0);
	if (fd < 0)
		return -1;
	if ((flags & SOCKF_REUSEPORT) && sock_on(fd, SOL_SOCKET,
	    SO_REUSEPORT) < 0)
		goto fail;
	if (is_ip && sock_on(fd, SOL_SOCKET, SO_REUSEADDR) < 0)
		goto fail;
	if ((flags & SOCKF_V6ONLY) && sa->sa_family == AF_INET6 &&
	    sock_on(fd, IPPROTO_IPV6, IPV6_V6ONLY) < 0)
		goto fail;
	if (bind(fd, sa, salen) < 0)
		goto fail;
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

int
sock_listen(const struct sockaddr *sa, socklen_t salen, int flags,
    int backlog)
{
	int fd = sock_bind(sa, salen, flags), err;

	if (fd < 0)
		return -1;
	if (listen(fd, backlog) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

int
sock_accept(int lfd)
{
	return accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int
sock_bind_source(int fd, const struct sockaddr *sa, socklen_t salen, int port)
{
	struct sockaddr_storage ss;

	assert(sa != NULL && salen <= sizeof(ss));
	memcpy(&ss, sa, salen);
	if (sock_addr_set_port((struct sockaddr *)&ss, port) < 0)
		return -1;
#ifdef IP_BIND_ADDRESS_NO_PORT
	/* Pick the port at connect time, per destination, so one source
	 * address is not limited to one ephemeral range. */
	if (port == 0)
		(void)sock_on(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT);
#endif
	return bind(fd, (struct sockaddr *)&ss, salen);
}

int
sock_addr_set_port(struct sockaddr *sa, int port)
{
	assert(port >= 0 && port <= 65535);
	if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
	else if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
	else {
		errno = EAFNOSUPPORT;
		return -1;
	}
	return 0;
}

socklen_t
sock_addr_len(const struct sockaddr *sa)
{
	switch (sa->sa_family) {
	case AF_INET:	return sizeof(struct sockaddr_in);
	case AF_INET6:	return sizeof(struct sockaddr_in6);
	case AF_UNIX:	return sizeof(struct sockaddr_un);
	default:	return 0;
	}
}

int
sock_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	errno = EAFNOSUPPORT;
	return -1;
}

int
sock_set_nodelay(int fd)
{
	return sock_on(fd, IPPROTO_TCP, TCP_NODELAY);
}

int
sock_connect_start(int fd, const struct sockaddr *sa, socklen_t salen,
    int *is_open)
{
	assert(sa != NULL && is_open != NULL);
	*is_open = 0;
	if (connect(fd, sa, salen) == 0) {
		*is_open = 1;
		return 0;
	}
	if (errno == EINPROGRESS)
		return 0;
	return -1;
}

int
sock_connect_result(int fd)
{
	int err = 0;
	socklen_t sl = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
		return -1;
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}
