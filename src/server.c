/* The embedded server: listen, accept until EAGAIN, survive EMFILE. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ev.h>
#include "conn.h"
#include "server.h"
#include "sock.h"
#include "svc.h"
#include "util.h"

#define SERVER_BACKLOG	65535
#define SERVER_ACCEPT_BUDGET 256	/* accepts per wakeup */
#define SERVER_MAX_LISTEN 16	/* addresses of one name bound */
#define SERVER_PORT_TRIES 8	/* port 0 on several addresses: retries */

struct server;

/* One listening socket: each address of the name gets its own. */
struct server_lsn {
	int			 fd;
	int			 af;		/* AF_INET, AF_INET6, AF_UNIX */
	ev_io			 aio;
	struct server		*s;
	/* AF_UNIX with a path: the file this listener made, removed when
	 * it closes if it is still that file (dev, ino). */
	char			 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t			 dev;
	ino_t			 ino;
};

/* Owned by whoever called server_start; server_free releases it. */
struct server {
	struct engine		*eng;
	const struct service_cfg *cfg;
	const struct service	*svc;
	const struct codec	*codec;
	struct server_lsn	 lsn[SERVER_MAX_LISTEN];
	size_t			 nlsn;
	int			 spare;		/* reserved fd for EMFILE */
	ev_timer		 resume;	/* re-arms accept after EMFILE */
	int			 port;
	char			 addr[120];	/* the first address bound */
	char			 addrs[400];	/* every one, ", " between */
	char			 skipped[400];	/* addresses not bound, why */
	FILE			*log;
	struct observer		 obs;
	unsigned		 obs_on:1;	/* obs registered */
	unsigned		 is_unix:1;	/* listens on a Unix socket */
	int			 accepting_fd;	/* in conn_new, for obs; or -1 */
	/* server_set_handler: a scripted server's hook, or h NULL. */
	const struct conn_handler *h;
	void			*(*make)(void *, uint64_t);
	void			*make_arg;
	uint64_t		 accepted, max_accept;
};

/* Log accepted and closed server connections when a log is set. */
static void
server_obs_cb(void *ctx, const struct conn_info *ci, const struct obs_event *ev)
{
	struct server *s = ctx;
	struct conn *c = (struct conn *)ci;

	if (ci->side != SIDE_SERVER)
		return;
	/* conn_new tells of the connection before its owner is set. */
	if (ev->kind == OBS_OPENED && s->is_unix && c->fd >= 0 &&
	    c->fd == s->accepting_fd) {
		/* Who connected, as the kernel recorded it at connect(2). */
		if (sock_peercred(c->fd, &c->info.cred_pid, &c->info.cred_uid,
		    &c->info.cred_gid) < 0)
			c->info.cred_pid = 0;
		return;
	}
	if (s->log == NULL)
		return;
	if (ev->kind == OBS_STATE && ci->state == CS_OPEN && ci->cred_pid > 0)
		fprintf(s->log, "conn %llu: accepted from %s (pid %ld uid %ld "
		    "gid %ld)\n", (unsigned long long)ci->id, ci->peer,
		    ci->cred_pid, ci->cred_uid, ci->cred_gid);
	else if (ev->kind == OBS_STATE && ci->state == CS_OPEN)
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
	struct server_lsn *l = w->data;
	struct server *s = l->s;
	struct engine *e = s->eng;
	size_t k;
	int i;

	(void)revents;
	for (i = 0; i < SERVER_ACCEPT_BUDGET; i++) {
		int fd = sock_accept(l->fd);

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
					fd = sock_accept(l->fd);
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
				for (k = 0; k < s->nlsn; k++)
					ev_io_stop(loop, &s->lsn[k].aio);
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
		if (sock_opt_tcp(l->af))
			(void)sock_set_nodelay(fd);
		s->accepting_fd = fd;
		if (s->h != NULL) {
			struct conn *c = conn_new(e, fd, SIDE_SERVER, CS_OPEN,
			    s->codec, s->h, s->make(s->make_arg, s->accepted++));

			s->accepting_fd = -1;
			c->owner = s;
			if (s->max_accept > 0 && s->accepted >= s->max_accept) {
				server_stop(s);
				return;
			}
			continue;
		}
		struct conn *c = conn_new(e, fd, SIDE_SERVER, CS_OPEN,
		    s->codec, s->svc->handler, svc_new(s->cfg));
		s->accepting_fd = -1;
		c->owner = s;
	}
}

/* The EMFILE pause is over: accept again. */
static void
server_resume_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct server *s = w->data;

	size_t k;

	(void)revents;
	for (k = 0; k < s->nlsn; k++)
		ev_io_start(loop, &s->lsn[k].aio);
}

/* Close every listening socket bound so far. */
static void
server_close_all(struct server *s)
{
	size_t k;

	for (k = 0; k < s->nlsn; k++) {
		struct server_lsn *ln = &s->lsn[k];

		close(ln->fd);
		if (ln->path[0] != '\0')
			(void)sock_unix_unlink_own(ln->path, ln->dev, ln->ino);
		ln->path[0] = '\0';
	}
	s->nlsn = 0;
}

/* Bind and listen on every address of l at port (0: the kernel picks one
 * for the first, and the others take the same). Addresses this host
 * cannot have (no IPv6: EADDRNOTAVAIL, EAFNOSUPPORT) are skipped and
 * noted, when another one is bound; any other failure fails the whole
 * server, so that a name never half-listens while another process holds
 * the port on one of its addresses. 0, or -1 with errno and *bad set. */
static int
server_bind_all(struct server *s, struct addr_list *l, int port,
    int reuseport, size_t *bad)
{
	size_t i;

	s->skipped[0] = '\0';
	for (i = 0; i < l->n && s->nlsn < SERVER_MAX_LISTEN; i++) {
		union sb_addr a = l->a[i];
		int fd, err;

		(void)sock_addr_set_port(&a.sa, port);
		/* With several addresses, [::] must not take the IPv4 port
		 * that 0.0.0.0 binds next. */
		fd = sock_listen(&a.sa, addr_len(&a), (reuseport ?
		    SOCKF_REUSEPORT : 0) | (l->n > 1 ? SOCKF_V6ONLY : 0),
		    SERVER_BACKLOG);
		if (fd >= 0) {
			struct server_lsn *ln = &s->lsn[s->nlsn++];
			int bound = port == 0 && a.sa.sa_family != AF_UNIX ?
			    sock_local_port(fd) : -1;
			struct stat st;

			if (bound > 0)
				port = bound;
			ln->fd = fd;
			ln->af = a.sa.sa_family;
			ln->path[0] = '\0';
			if (ln->af == AF_UNIX && a.un.sun_path[0] != '\0' &&
			    lstat(a.un.sun_path, &st) == 0) {
				memcpy(ln->path, a.un.sun_path, sizeof(ln->path));
				ln->dev = st.st_dev;
				ln->ino = st.st_ino;
			}
			if (ln->af == AF_UNIX)
				s->is_unix = 1;
			continue;
		}
		err = errno;
		if (l->n > 1 && (err == EADDRNOTAVAIL || err == EAFNOSUPPORT)) {
			char as[64];
			size_t len = strlen(s->skipped);

			addr_format(&a.sa, as, sizeof(as));
			snprintf(s->skipped + len, sizeof(s->skipped) - len,
			    "%s%s: %s", len > 0 ? "; " : "", as, strerror(err));
			continue;
		}
		*bad = i;
		server_close_all(s);
		errno = err;
		return -1;
	}
	if (s->nlsn == 0) {
		*bad = 0;
		errno = EADDRNOTAVAIL;
		return -1;
	}
	s->port = port;
	return 0;
}

struct server *
server_start(struct engine *e, const char *hostport,
    const struct service_cfg *cfg, int reuseport, char *err, size_t errlen)
{
	char host[256];
	const struct service *svc;
	const struct codec *codec;
	struct addr_list l;
	struct server *s;
	size_t k, bad = 0;
	int port, rc = -1, tries;

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
	/* getaddrinfo blocks: this runs once, before the loop. */
	if (addr_resolve(hostport, 1, &l, err, errlen) < 0)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->accepting_fd = -1;
	/* Port 0 on several addresses: the port the first one got may be
	 * taken on another; then start again with a new one. */
	for (tries = 0; tries < SERVER_PORT_TRIES; tries++) {
		rc = server_bind_all(s, &l, port, reuseport, &bad);
		if (rc == 0 || port != 0 || l.n == 1 || errno != EADDRINUSE)
			break;
	}
	if (rc < 0) {
		char as[64];
		int saved = errno;

		addr_format(&l.a[bad < l.n ? bad : 0].sa, as, sizeof(as));
		if (l.a[0].sa.sa_family == AF_UNIX && saved == ENOTSOCK)
			snprintf(err, errlen, "listen on %s: the file exists and "
			    "is not a socket (left in place)", hostport);
		else if (l.n > 1 || !addr_is_numeric(hostport))
			snprintf(err, errlen, "listen on %s (%s): %s", hostport,
			    as, strerror(saved));
		else
			snprintf(err, errlen, "listen on %s: %s", hostport,
			    strerror(saved));
		addr_list_free(&l);
		free(s);
		return NULL;
	}
	addr_list_free(&l);
	s->eng = e;
	s->cfg = cfg;
	s->svc = svc;
	s->codec = codec;
	s->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	for (k = 0; k < s->nlsn; k++) {
		struct server_lsn *ln = &s->lsn[k];
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char as[120] = "?";
		size_t len = strlen(s->addrs);

		memset(&ss, 0, sizeof(ss));	/* an abstract name ends at a NUL */
		if (getsockname(ln->fd, (struct sockaddr *)&ss, &sl) == 0)
			addr_format((struct sockaddr *)&ss, as, sizeof(as));
		if (k == 0)
			snprintf(s->addr, sizeof(s->addr), "%s", as);
		snprintf(s->addrs + len, sizeof(s->addrs) - len, "%s%s",
		    k > 0 ? ", " : "", as);
		ln->s = s;
		ev_io_init(&ln->aio, server_accept_cb, ln->fd, EV_READ);
		ln->aio.data = ln;
		ev_io_start(e->loop, &ln->aio);
	}
	ev_init(&s->resume, server_resume_cb);
	s->resume.data = s;
	s->obs.on_event = server_obs_cb;
	s->obs.ctx = s;
	if (s->is_unix) {	/* peer credentials of every connection */
		engine_observe(e, &s->obs);
		s->obs_on = 1;
	}
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

const char *
server_addrs(const struct server *s)
{
	return s->addrs;
}

const char *
server_skipped(const struct server *s)
{
	return s->skipped;
}

void
server_set_log(struct server *s, void *stdio_file)
{
	s->log = stdio_file;
	if (!s->obs_on && (s->log != NULL || s->is_unix)) {
		engine_observe(s->eng, &s->obs);
		s->obs_on = 1;
	} else if (s->obs_on && s->log == NULL && !s->is_unix) {
		engine_unobserve(s->eng, &s->obs);
		s->obs_on = 0;
	}
}

void
server_set_handler(struct server *s, const struct conn_handler *h,
    const struct codec *cd, void *(*make)(void *arg, uint64_t n), void *arg,
    uint64_t max)
{
	s->h = h;
	s->codec = cd;
	s->make = make;
	s->make_arg = arg;
	s->max_accept = max;
}

void
server_stop(struct server *s)
{
	size_t k;

	if (s->nlsn == 0)
		return;
	for (k = 0; k < s->nlsn; k++)
		ev_io_stop(s->eng->loop, &s->lsn[k].aio);
	ev_timer_stop(s->eng->loop, &s->resume);
	server_close_all(s);
}

void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	server_stop(s);
	s->log = NULL;
	if (s->obs_on)
		engine_unobserve(s->eng, &s->obs);
	s->obs_on = 0;
	if (s->spare >= 0)
		close(s->spare);
	free(s);
}
