/* The embedded server: listen, accept until EAGAIN, survive EMFILE. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ev.h>
#include "conn.h"
#include "server.h"
#include "svc.h"
#include "util.h"

#define SERVER_BACKLOG	65535
#define SERVER_ACCEPT_BUDGET 256	/* accepts per wakeup */

/* Owned by whoever called server_start; server_free releases it. */
struct server {
	struct engine		*eng;
	const struct service_cfg *cfg;
	const struct service	*svc;
	const struct codec	*codec;
	int			 fd;
	int			 spare;		/* reserved fd for EMFILE */
	ev_io			 aio;
	ev_timer		 resume;	/* re-arms accept after EMFILE */
	int			 port;
	char			 addr[80];
	FILE			*log;
	struct observer		 obs;
};

/* Log accepted and closed server connections when a log is set. */
static void
server_obs_cb(void *ctx, const struct conn_info *ci, const struct obs_event *ev)
{
	struct server *s = ctx;

	if (s->log == NULL || ci->side != SIDE_SERVER)
		return;
	if (ev->kind == OBS_STATE && ci->state == CS_OPEN)
		fprintf(s->log, "conn %llu: accepted from %s\n",
		    (unsigned long long)ci->id, ci->peer);
	else if (ev->kind == OBS_CLOSED)
		fprintf(s->log, "conn %llu: %s %s: %s (in %llu B/%llu msgs, "
		    "out %llu B/%llu msgs)\n", (unsigned long long)ci->id,
		    ci->peer, conn_state_name(ci->state), ci->reason,
		    (unsigned long long)ci->bytes_in,
		    (unsigned long long)ci->msgs_in,
		    (unsigned long long)ci->bytes_out,
		    (unsigned long long)ci->msgs_out);
	else
		return;
	fflush(s->log);
}

/* Accept pending connections until EAGAIN or the budget is spent. */
static void
server_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct server *s = w->data;
	struct engine *e = s->eng;
	int i;

	(void)revents;
	for (i = 0; i < SERVER_ACCEPT_BUDGET; i++) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EMFILE || errno == ENFILE) {
				/* Out of descriptors: use the spare to take the
				 * connection off the queue and close it, so the
				 * loop does not spin; then pause accepting. */
				e->tot.emfile++;
				if (s->spare >= 0) {
					close(s->spare);
					fd = accept(s->fd, NULL, NULL);
					if (fd >= 0)
						close(fd);
					s->spare = open("/dev/null",
					    O_RDONLY | O_CLOEXEC);
				}
				if (s->log != NULL)
					fprintf(s->log, "accept: out of file "
					    "descriptors (%llu so far); "
					    "connection dropped, pausing 100ms\n",
					    (unsigned long long)e->tot.emfile);
				ev_io_stop(loop, &s->aio);
				ev_timer_set(&s->resume, 0.1, 0.);
				ev_timer_start(loop, &s->resume);
				return;
			}
			e->tot.accept_errors++;
			if (s->log != NULL)
				fprintf(s->log, "accept: %s\n", strerror(errno));
			return;
		}
		if (e->lim.max_conns > 0 && e->tot.server_open >= e->lim.max_conns) {
			e->tot.accept_errors++;
			close(fd);
			if (s->log != NULL)
				fprintf(s->log, "accept: connection refused: "
				    "%llu open, the limit is --max-conns %llu\n",
				    (unsigned long long)e->tot.open,
				    (unsigned long long)e->lim.max_conns);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct conn *c = conn_new(e, fd, SIDE_SERVER, CS_OPEN,
		    s->codec, s->svc->handler, svc_new(s->cfg));
		c->owner = s;
	}
}

/* The EMFILE pause is over: accept again. */
static void
server_resume_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct server *s = w->data;

	(void)revents;
	ev_io_start(loop, &s->aio);
}

struct server *
server_start(struct engine *e, const char *hostport,
    const struct service_cfg *cfg, int reuseport, char *err, size_t errlen)
{
	char host[256], portstr[16];
	struct addrinfo hints, *res = NULL;
	const struct service *svc;
	const struct codec *codec;
	struct server *s;
	int port, fd, one = 1, rc;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	svc = service_find(cfg->name);
	if (svc == NULL) {
		snprintf(err, errlen, "unknown service '%s' (try echo, app, "
		    "file)", cfg->name);
		return NULL;
	}
	codec = codec_find(cfg->codec != NULL ? cfg->codec : svc->codec);
	if (codec == NULL) {
		snprintf(err, errlen, "unknown codec '%s'", cfg->codec);
		return NULL;
	}
	if (split_hostport(hostport, host, sizeof(host), &port, err, errlen) < 0)
		return NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%d", port);
	rc = getaddrinfo(host[0] ? host : "127.0.0.1", portstr, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", hostport, gai_strerror(rc));
		return NULL;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		freeaddrinfo(res);
		return NULL;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 ||
	    listen(fd, SERVER_BACKLOG) < 0) {
		snprintf(err, errlen, "listen on %s: %s", hostport,
		    strerror(errno));
		close(fd);
		freeaddrinfo(res);
		return NULL;
	}
	freeaddrinfo(res);
	s = xcalloc(1, sizeof(*s));
	s->eng = e;
	s->cfg = cfg;
	s->svc = svc;
	s->codec = codec;
	s->fd = fd;
	s->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		conn_addr_str((struct sockaddr *)&ss, s->addr, sizeof(s->addr));
	s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	ev_io_init(&s->aio, server_accept_cb, fd, EV_READ);
	s->aio.data = s;
	ev_io_start(e->loop, &s->aio);
	ev_init(&s->resume, server_resume_cb);
	s->resume.data = s;
	s->obs.on_event = server_obs_cb;
	s->obs.ctx = s;
	return s;
}

int
server_port(const struct server *s)
{
	return s->port;
}

const char *
server_addr(const struct server *s)
{
	return s->addr;
}

void
server_set_log(struct server *s, void *stdio_file)
{
	if (s->log == NULL && stdio_file != NULL)
		engine_observe(s->eng, &s->obs);
	else if (s->log != NULL && stdio_file == NULL)
		engine_unobserve(s->eng, &s->obs);
	s->log = stdio_file;
}

void
server_stop(struct server *s)
{
	if (s->fd < 0)
		return;
	ev_io_stop(s->eng->loop, &s->aio);
	ev_timer_stop(s->eng->loop, &s->resume);
	close(s->fd);
	s->fd = -1;
}

void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	server_stop(s);
	server_set_log(s, NULL);
	if (s->spare >= 0)
		close(s->spare);
	free(s);
}
