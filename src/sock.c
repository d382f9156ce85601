/* Socket setup: create, set options, bind, listen, start connects. */
#include <assert.h>
#include <stddef.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/un.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sock.h"

#define SOCK_UNIX_MODE_MASK	0117	/* umask at bind: srw-rw---- */

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
sock_unix_parse(const char *spec, struct sockaddr_un *un, char *err,
    size_t errlen)
{
	const char *p = spec + SOCK_UNIX_PREFIX_LEN;
	size_t n = strlen(p), max;

	assert(sock_is_unix(spec));
	memset(un, 0, sizeof(*un));
	un->sun_family = AF_UNIX;
	if (p[0] == '@') {
		/* Linux's abstract namespace: a NUL, then the name; one byte
		 * of sun_path stays NUL so the name's end is known. */
		max = sizeof(un->sun_path) - 2;
		if (n == 1) {
			snprintf(err, errlen, "'%s': empty abstract socket name "
			    "(expected unix:@NAME)", spec);
			return -1;
		}
		if (n - 1 > max) {
			snprintf(err, errlen, "'%.40s...': abstract socket name "
			    "is %zu bytes, at most %zu fit in sun_path", spec,
			    n - 1, max);
			return -1;
		}
		memcpy(un->sun_path + 1, p + 1, n - 1);
		return 0;
	}
	max = sizeof(un->sun_path) - 1;
	if (n == 0) {
		snprintf(err, errlen, "'%s': empty socket path (expected "
		    "unix:/PATH or unix:@NAME)", spec);
		return -1;
	}
	if (n > max) {
		snprintf(err, errlen, "'%.40s...': socket path is %zu bytes, at "
		    "most %zu fit in sun_path", spec, n, max);
		return -1;
	}
	memcpy(un->sun_path, p, n);
	return 0;
}

int
sock_is_unix(const char *spec)
{
	return strncmp(spec, SOCK_UNIX_PREFIX, SOCK_UNIX_PREFIX_LEN) == 0;
}

/* Before binding the path of un: remove a socket file left by a process
 * that is gone (connecting to it is refused), keep one that is in use
 * (EADDRINUSE) and anything that is not a socket (ENOTSOCK). 0 when the
 * path is free for bind, or -1 with errno. */
static int
sock_unix_clear_stale(const struct sockaddr_un *un)
{
	struct stat st;
	int fd, rc, err;

	if (un->sun_path[0] == '\0' || lstat(un->sun_path, &st) < 0)
		return 0;	/* abstract, or nothing there: bind says */
	if (!S_ISSOCK(st.st_mode)) {
		errno = ENOTSOCK;
		return -1;
	}
	/* A Unix connect never waits: it is accepted, refused (nobody
	 * listens) or EAGAIN (a listener with a full backlog). */
	fd = sock_stream(AF_UNIX);
	if (fd < 0)
		return -1;
	rc = connect(fd, (const struct sockaddr *)un, sock_addr_len(
	    (const struct sockaddr *)un));
	err = errno;
	close(fd);
	if (rc == 0 || err == EAGAIN || err == EINPROGRESS) {
		errno = EADDRINUSE;
		return -1;
	}
	if (err != ECONNREFUSED) {
		errno = err;
		return -1;
	}
	if (unlink(un->sun_path) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

/* bind(2) an AF_UNIX socket: a stale file cleared first, the new file
 * made srw-rw---- (owner and group may connect). */
static int
sock_bind_unix(int fd, const struct sockaddr *sa, socklen_t salen)
{
	mode_t old;
	int rc, err;

	if (sock_unix_clear_stale((const struct sockaddr_un *)sa) < 0)
		return -1;
	old = umask(SOCK_UNIX_MODE_MASK);
	rc = bind(fd, sa, salen);
	err = errno;
	umask(old);
	errno = err;
	return rc;
}

int
sock_unix_unlink_own(const char *path, dev_t dev, ino_t ino)
{
	struct stat st;

	if (path[0] == '\0' || lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode) ||
	    st.st_dev != dev || st.st_ino != ino)
		return 0;
	return unlink(path);
}

int
sock_peercred(int fd, long *pid, long *uid, long *gid)
{
	struct ucred uc;
	socklen_t sl = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &sl) < 0)
		return -1;
	*pid = uc.pid;
	*uid = uc.uid;
	*gid = uc.gid;
	return 0;
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
	if ((flags & SOCKF_REUSEPORT) && is_ip && sock_on(fd, SOL_SOCKET,
	    SO_REUSEPORT) < 0)
		goto fail;
	if (is_ip && sock_on(fd, SOL_SOCKET, SO_REUSEADDR) < 0)
		goto fail;
	if ((flags & SOCKF_V6ONLY) && sa->sa_family == AF_INET6 &&
	    sock_on(fd, IPPROTO_IPV6, IPV6_V6ONLY) < 0)
		goto fail;
	if (sa->sa_family == AF_UNIX) {
		if (sock_bind_unix(fd, sa, salen) < 0)
			goto fail;
	} else if (bind(fd, sa, salen) < 0)
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
	case AF_UNIX: {
		/* The family, then the path and its NUL, or for an abstract
		 * name (sun_path[0] NUL) the NUL and the name: trailing NULs
		 * would be part of an abstract name (unix(7)). */
		const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
		size_t off = offsetof(struct sockaddr_un, sun_path);

		if (un->sun_path[0] != '\0')
			return (socklen_t)(off + strnlen(un->sun_path,
			    sizeof(un->sun_path) - 1) + 1);
		return (socklen_t)(off + 1 + strnlen(un->sun_path + 1,
		    sizeof(un->sun_path) - 1));
	}
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
sock_opt_tcp(int af)
{
	return af == AF_INET || af == AF_INET6;
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
