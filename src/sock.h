/* Socket setup: the one place that calls socket(), sets socket options,
 * binds, listens and starts connects, for the server, `serve` and the
 * pool. Addresses are a struct sockaddr and its length, never a
 * sockaddr_in, so a Unix socket (AF_UNIX) fits the same calls. Every
 * function returns 0 (or a descriptor) on success and -1 with errno set on
 * failure, as the system calls it wraps (POSIX) do. */
#ifndef SB_SOCK_H
#define SB_SOCK_H
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

/* The prefix of a Unix socket address: "unix:/PATH", or "unix:@NAME" for a
 * name in Linux's abstract namespace (unix(7)). */
#define SOCK_UNIX_PREFIX	"unix:"
#define SOCK_UNIX_PREFIX_LEN	5

/* Flags for sock_bind and sock_listen, or'd together. */
#define SOCKF_REUSEPORT	0x01	/* SO_REUSEPORT: share the port (workers) */
#define SOCKF_V6ONLY	0x02	/* IPV6_V6ONLY on an AF_INET6 socket */
#define SOCKF_BLOCKING	0x04	/* leave the socket blocking */

/* Whether spec is a Unix socket address (starts with "unix:"). */
int sock_is_unix(const char *spec);
/* Parse "unix:/PATH" or "unix:@NAME" (sock_is_unix(spec) holds) into un:
 * 0, or -1 with err naming spec and what is wrong (an empty path or name;
 * a path over 107 bytes or a name over 106, the room in sun_path). */
int sock_unix_parse(const char *spec, struct sockaddr_un *un, char *err,
    size_t errlen);
/* Remove the socket file path if it is still the one (dev, ino) this
 * process bound, a socket: 0 (also when it is gone or not ours), or -1
 * with unlink's errno. Never removes anything else. */
int sock_unix_unlink_own(const char *path, dev_t dev, ino_t ino);
/* The peer process of a connected AF_UNIX socket fd, as the kernel saw it
 * at connect/listen time (SO_PEERCRED, unix(7)): 0 with *pid, *uid, *gid,
 * or -1 with errno (ENOPROTOOPT on an IP socket). */
int sock_peercred(int fd, long *pid, long *uid, long *gid);
/* A new stream socket of family af (AF_INET, AF_INET6, AF_UNIX),
 * non-blocking and close-on-exec; the descriptor, or -1 with errno. */
int sock_stream(int af);
/* A stream socket bound to sa (SO_REUSEADDR on IP sockets, and what flags
 * ask; SO_REUSEPORT and IPV6_V6ONLY only on IP sockets), not listening:
 * the descriptor, or -1 with errno. An AF_UNIX path that holds a socket
 * nobody listens on (connect refused) is removed first; one in use gives
 * EADDRINUSE, anything not a socket ENOTSOCK (it is never removed); the
 * new socket file is made srw-rw---- (umask 0117 around bind). */
int sock_bind(const struct sockaddr *sa, socklen_t salen, int flags);
/* sock_bind, then listen(2) with backlog: the descriptor of a non-blocking
 * listening socket, or -1 with errno (EADDRINUSE, EADDRNOTAVAIL, ...). */
int sock_listen(const struct sockaddr *sa, socklen_t salen, int flags,
    int backlog);
/* Accept one pending connection on the listening socket lfd: a
 * non-blocking, close-on-exec descriptor (accept4(2)), or -1 with errno
 * (EAGAIN: none pending; EMFILE, ENFILE: out of descriptors). */
int sock_accept(int lfd);
/* Bind an unbound socket fd to the source address sa for an outgoing
 * connect. port > 0 binds that port (it replaces sa's); port 0 binds the
 * address alone and lets connect(2) pick the port per destination
 * (IP_BIND_ADDRESS_NO_PORT where Linux has it). 0, or -1 with errno. */
int sock_bind_source(int fd, const struct sockaddr *sa, socklen_t salen,
    int port);
/* Set the port (host order) of an AF_INET or AF_INET6 address: 0, or -1
 * with errno EAFNOSUPPORT for a family without ports. */
int sock_addr_set_port(struct sockaddr *sa, int port);
/* The byte length of sa's address for its family (AF_INET, AF_INET6,
 * AF_UNIX: the family, the path and its NUL, or NUL and abstract name),
 * for bind and connect; 0 for another family. */
socklen_t sock_addr_len(const struct sockaddr *sa);
/* The local port of a bound IP socket (host order), or -1 with errno
 * (EAFNOSUPPORT for a socket without ports). */
int sock_local_port(int fd);
/* TCP_NODELAY on (RFC 896's Nagle delay off): 0, or -1 with errno
 * (EOPNOTSUPP on AF_UNIX: callers skip it there, see sock_opt_tcp). */
int sock_set_nodelay(int fd);
/* Whether TCP-only options (TCP_NODELAY, TCP_INFO, SO_REUSEPORT's port
 * sharing) apply to an address of family af: 1 for AF_INET/AF_INET6. */
int sock_opt_tcp(int af);
/* Start a non-blocking connect(2) of fd to sa: 0 with *is_open set to 1
 * when it connected at once, to 0 when it is under way (it completes when
 * fd is writable; sock_connect_result then says how); -1 with errno when
 * it failed at once (ECONNREFUSED, ENETUNREACH, ...). An AF_UNIX connect
 * never is under way: it connects, or fails at once, with EAGAIN when the
 * listener's backlog is full (unix(7)), ENOENT when no file is there. */
int sock_connect_start(int fd, const struct sockaddr *sa, socklen_t salen,
    int *is_open);
/* How a connect started by sock_connect_start ended, once fd is writable:
 * 0 connected, or -1 with errno the reason it failed (SO_ERROR:
 * ECONNREFUSED, ETIMEDOUT, ...). */
int sock_connect_result(int fd);

#endif
