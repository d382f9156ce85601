/* The TCP transport: plain read(2)/write(2) on a stream socket. It never
 * needs the other readiness: after an EAGAIN, want names the call's own
 * direction. It works as is on an AF_UNIX stream socket. */
#include <assert.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "sock.h"
#include "transport.h"
#include "util.h"

/* Read up to n bytes. */
static ssize_t
transport_tcp_read(struct transport *t, void *p, size_t n)
{
	ssize_t r = read(t->fd, p, n);

	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		t->want = TRANSPORT_WANT_READ;
	return r;
}

/* Write up to n bytes. */
static ssize_t
transport_tcp_write(struct transport *t, const void *p, size_t n)
{
	ssize_t r = write(t->fd, p, n);

	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		t->want = TRANSPORT_WANT_WRITE;
	return r;
}

/* Write several pieces in one call. */
static ssize_t
transport_tcp_writev(struct transport *t, const struct iovec *iov, int iovcnt)
{
	ssize_t r = writev(t->fd, iov, iovcnt);

	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		t->want = TRANSPORT_WANT_WRITE;
	return r;
}

/* A TCP connect is done when the socket is writable; SO_ERROR says how. */
static int
transport_tcp_connect_done(struct transport *t)
{
	return sock_connect_result(t->fd);
}

/* Send FIN after the queued bytes. */
static int
transport_tcp_shutdown(struct transport *t)
{
	return shutdown(t->fd, SHUT_WR);
}

/* Close the socket. */
static void
transport_tcp_close(struct transport *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

/* The socket's own addresses, in the form addr_format writes. */
static void
transport_tcp_describe(struct transport *t, char *local, size_t locallen,
    char *peer, size_t peerlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	/* Zeroed: an unnamed Unix socket's address is the family alone,
	 * and its path must read as empty, not as stack garbage. */
	memset(&ss, 0, sizeof(ss));
	if (getsockname(t->fd, (struct sockaddr *)&ss, &sl) == 0)
		addr_format((struct sockaddr *)&ss, local, locallen);
	memset(&ss, 0, sizeof(ss));
	sl = sizeof(ss);
	if (getpeername(t->fd, (struct sockaddr *)&ss, &sl) == 0)
		addr_format((struct sockaddr *)&ss, peer, peerlen);
}

const struct transport_ops transport_tcp_ops = {
	.name = "tcp",
	.read = transport_tcp_read,
	.write = transport_tcp_write,
	.writev = transport_tcp_writev,
	.connect_done = transport_tcp_connect_done,
	.shutdown = transport_tcp_shutdown,
	.close = transport_tcp_close,
	.describe = transport_tcp_describe,
};

void
transport_tcp_init(struct transport *t, int fd)
{
	assert(t != NULL);
	t->ops = &transport_tcp_ops;
	t->fd = fd;
	t->want = TRANSPORT_WANT_NONE;
	t->priv = NULL;
	t->err = NULL;
}
