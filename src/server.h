/* The embedded server: a listening socket that accepts connections and
 * hands them to a service. */
#ifndef SB_SERVER_H
#define SB_SERVER_H
#include "engine.h"
#include "service.h"

struct server;

/* Listen on HOST:PORT (port 0 picks a free one) and serve cfg; NULL with
 * err filled on failure. cfg must outlive the server. reuseport shares the
 * port between worker processes. A name is resolved once (getaddrinfo
 * blocks) and every address it gives is bound, on one port; an address
 * this host cannot have (no IPv6) is skipped when another is bound (see
 * server_skipped), any other failure fails the server. */
struct server *server_start(struct engine *e, const char *hostport,
    const struct service_cfg *cfg, int reuseport, char *err, size_t errlen);
/* The port actually bound. */
int server_port(const struct server *s);
/* "127.0.0.1:port" as bound: the first address (a target for a pool). */
const char *server_addr(const struct server *s);
/* Every address bound, "127.0.0.1:7000, [::1]:7000". */
const char *server_addrs(const struct server *s);
/* The addresses skipped and why ("[::1]:7000: Cannot assign requested
 * address"), or "". */
const char *server_skipped(const struct server *s);
/* Log one line per accepted and closed connection to this stream. */
void server_set_log(struct server *s, void *stdio_file);
struct conn_handler;
struct codec;
/* Instead of the service: give each accepted connection handler h,
 * codec cd and the udata make(arg, n) returns (n = 0, 1, ... in accept
 * order; a scripted server's runner). After max connections (0: no
 * limit) the server stops listening (later connects are refused). */
void server_set_handler(struct server *s, const struct conn_handler *h,
    const struct codec *cd, void *(*make)(void *arg, uint64_t n), void *arg,
    uint64_t max);
/* Stop accepting and close the listening socket (connections stay). */
void server_stop(struct server *s);
/* server_stop, then free s (NULL: nothing). */
void server_free(struct server *s);

#endif
