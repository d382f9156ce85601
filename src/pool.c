/* The client pool: connect N at a rate, from source addresses. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "conn.h"
#include "pool.h"
#include "util.h"

#define POOL_TICK	0.005	/* seconds between ramp-up steps */
#define POOL_BURST	500	/* connects per step when the rate is 0 */
#define POOL_MAX_SOURCES 64
#define POOL_PORT_TRIES	16	/* explicit ports tried before the kernel's */

/* Owned by its creator; pool_free releases it. */
struct pool {
	struct engine		*eng;
	struct pool_cfg		 cfg;
	struct sockaddr_storage	 dst;
	socklen_t		 dstlen;
	struct sockaddr_storage	 src[POOL_MAX_SOURCES];
	size_t			 nsrc;
	uint32_t		 port_lo, port_n;	/* ephemeral range */
	uint32_t		 port_next[POOL_MAX_SOURCES];
	uint64_t		 started, target, errors;
	double			 credit, last;
	struct engine_timer	*tick;
	double			*due;		/* reconnect times, a FIFO */
	size_t			 due_head, due_len, due_cap;
	struct observer		 obs;
	char			 last_error[160];
};

/* Resolve "HOST:PORT" into a socket address. */
static int
pool_resolve(const char *hostport, struct sockaddr_storage *ss, socklen_t *sl,
    int passive, char *err, size_t errlen)
{
	char host[256], portstr[16];
	struct addrinfo hints, *res;
	int port, rc;

	if (split_hostport(hostport, host, sizeof(host), &port, err, errlen) < 0)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	snprintf(portstr, sizeof(portstr), "%d", port);
	rc = getaddrinfo(host[0] ? host : "127.0.0.1", portstr, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", hostport, gai_strerror(rc));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sl = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* Learn the ephemeral port range and start each source at its own place
 * in it, so processes sharing a source rarely meet. */
static void
pool_port_range(struct pool *p)
{
	unsigned lo = 32768, hi = 60999;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	size_t i;

	if (f != NULL) {
		if (fscanf(f, "%u %u", &lo, &hi) != 2 || lo == 0 || hi < lo ||
		    hi > 65535) {
			lo = 32768;
			hi = 60999;
		}
		fclose(f);
	}
	p->port_lo = lo;
	p->port_n = hi - lo + 1;
	for (i = 0; i < p->nsrc; i++)
		p->port_next[i] = (uint32_t)(((uint64_t)getpid() * 7919 +
		    i * 4099) % p->port_n);
}

/* Bind fd to source i. The pool walks the ephemeral range itself: with
 * IP_BIND_ADDRESS_NO_PORT alone the kernel searches the range for a free
 * port on every connect, which costs more the more connections a source
 * already has (the ramp to 60,000 spent a quarter of its time there). A
 * port in use elsewhere is skipped; after a few the kernel picks. */
static int
pool_bind_source(struct pool *p, int fd, size_t i)
{
	struct sockaddr_storage ss = p->src[i];
	socklen_t sl = ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	int t, one = 1;

	for (t = 0; t < POOL_PORT_TRIES; t++) {
		uint16_t port = (uint16_t)(p->port_lo + p->port_next[i]);

		p->port_next[i] = (p->port_next[i] + 1) % p->port_n;
		if (ss.ss_family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port = htons(port);
		else
			((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		if (bind(fd, (struct sockaddr *)&ss, sl) == 0)
			return 0;
		if (errno != EADDRINUSE)
			return -1;
	}
	ss = p->src[i];
#ifdef IP_BIND_ADDRESS_NO_PORT
	/* Pick the port at connect time, per destination, so one source
	 * address is not limited to one ephemeral range. */
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
#else
	(void)one;
#endif
	return bind(fd, (struct sockaddr *)&ss, sl);
}

/* Learn of our connections closing, to reconnect when asked to. */
static void
pool_obs_cb(void *ctx, const struct conn_info *ci, const struct obs_event *ev)
{
	struct pool *p = ctx;
	struct conn *c = (struct conn *)ci;

	if (ev->kind == OBS_CLOSED && c->owner == p)
		pool_conn_closed(p, c);
}

struct pool *
pool_new(struct engine *e, const struct pool_cfg *cfg, char *err,
    size_t errlen)
{
	struct pool *p = xcalloc(1, sizeof(*p));

	p->eng = e;
	p->cfg = *cfg;
	p->cfg.target = xstrdup(cfg->target);
	p->cfg.sources = cfg->sources ? xstrdup(cfg->sources) : NULL;
	if (pool_resolve(cfg->target, &p->dst, &p->dstlen, 0, err, errlen) < 0)
		goto fail;
	if (cfg->sources != NULL && cfg->sources[0] != '\0') {
		char *list = xstrdup(cfg->sources), *tok, *save = NULL;

		for (tok = strtok_r(list, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save)) {
			char hp[300];
			socklen_t sl;

			if (p->nsrc == POOL_MAX_SOURCES) {
				snprintf(err, errlen, "--source: at most %d "
				    "addresses", POOL_MAX_SOURCES);
				free(list);
				goto fail;
			}
			snprintf(hp, sizeof(hp), strchr(tok, ':') ? "[%s]:0" :
			    "%s:0", tok);
			if (pool_resolve(hp, &p->src[p->nsrc], &sl, 1, err,
			    errlen) < 0) {
				free(list);
				goto fail;
			}
			p->nsrc++;
		}
		free(list);
	}
	pool_port_range(p);
	p->target = cfg->count;
	p->obs.on_event = pool_obs_cb;
	p->obs.ctx = p;
	engine_observe(e, &p->obs);
	return p;
fail:
	free((char *)p->cfg.target);
	free((char *)p->cfg.sources);
	free(p);
	return NULL;
}

/* Open one connection; 0 started (it may still fail later), -1 not. */
static int
pool_connect_one(struct pool *p)
{
	struct engine *e = p->eng;
	int fd, one = 1, rc;
	uint64_t n = p->started;
	struct conn *c;

	fd = socket(p->dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0) {
		p->errors++;
		snprintf(p->last_error, sizeof(p->last_error), "socket: %s%s",
		    strerror(errno), errno == EMFILE ? " (raise ulimit -n, or "
		    "use fewer connections or --workers)" : "");
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (p->nsrc > 0 && pool_bind_source(p, fd, n % p->nsrc) < 0) {
		p->errors++;
		snprintf(p->last_error, sizeof(p->last_error), "bind source: %s",
		    strerror(errno));
		close(fd);
		return -1;
	}
	p->started++;
	rc = connect(fd, (struct sockaddr *)&p->dst, p->dstlen);
	if (rc < 0 && errno != EINPROGRESS) {
		int err = errno;

		c = conn_new(e, fd, SIDE_CLIENT, CS_CONNECTING, p->cfg.codec,
		    p->cfg.handler, p->cfg.make_udata ?
		    p->cfg.make_udata(p->cfg.arg, n) : NULL);
		c->owner = p;
		snprintf(c->info.peer, sizeof(c->info.peer), "%s", p->cfg.target);
		conn_fail(c, "connect: %s", err == ECONNREFUSED ?
		    "connection refused" : strerror(err));
		return 0;
	}
	c = conn_new(e, fd, SIDE_CLIENT, rc == 0 ? CS_OPEN : CS_CONNECTING,
	    p->cfg.codec, p->cfg.handler, p->cfg.make_udata ?
	    p->cfg.make_udata(p->cfg.arg, n) : NULL);
	c->owner = p;
	if (c->info.state == CS_CONNECTING) {
		snprintf(c->info.peer, sizeof(c->info.peer), "%s", p->cfg.target);
		if (e->lim.connect_timeout > 0)
			conn_timer(c, e->lim.connect_timeout);
	}
	return 0;
}

/* Open as many connections as the rate allows since the last step. */
static void
pool_tick_cb(struct engine *e, void *arg)
{
	struct pool *p = arg;
	double now = engine_now(e);
	uint64_t allow;

	if (p->cfg.rate > 0) {
		p->credit += (now - p->last) * p->cfg.rate;
		if (p->credit > p->cfg.rate)	/* no bursts after a stall */
			p->credit = p->cfg.rate > 1 ? p->cfg.rate : 1;
		allow = (uint64_t)p->credit;
		p->credit -= (double)allow;
	} else
		allow = POOL_BURST;
	p->last = now;
	/* Reconnects whose delay is over join the target. */
	while (p->due_head < p->due_len && p->due[p->due_head] <= now) {
		p->due_head++;
		p->target++;
	}
	if (p->due_head == p->due_len)
		p->due_head = p->due_len = 0;
	while (allow-- > 0 && p->started < p->target)
		if (pool_connect_one(p) < 0) {
			if (p->cfg.start_failed == NULL)
				break;		/* try again next step */
			p->cfg.start_failed(p->cfg.arg, p->started++,
			    p->last_error);
		}
	if (p->started >= p->target && p->due_len == 0) {
		engine_timer_cancel(e, p->tick);
		p->tick = NULL;
	}
}

void
pool_start(struct pool *p)
{
	if (p->tick != NULL || p->started >= p->target)
		return;
	p->last = engine_now(p->eng);
	p->credit = 1;		/* the first connection goes at once */
	pool_tick_cb(p->eng, p);
	if (p->started < p->target && p->tick == NULL)
		p->tick = engine_every(p->eng, POOL_TICK, pool_tick_cb, p);
}

void
pool_add(struct pool *p, uint64_t n)
{
	p->target += n;
	pool_start(p);
}

void
pool_remove(struct pool *p, uint64_t n)
{
	struct conn *c, *next;

	if (p->target > p->started) {
		uint64_t k = p->target - p->started < n ? p->target -
		    p->started : n;

		p->target -= k;
		n -= k;
	}
	for (c = p->eng->conns; c != NULL && n > 0; c = next) {
		next = c->next;
		if (c->owner == p && !c->dead) {
			p->target--;
			n--;
			c->owner = NULL;	/* no reconnect */
			conn_close(c, "removed by user");
		}
	}
}

void
pool_conn_closed(struct pool *p, struct conn *c)
{
	(void)c;
	if (!p->cfg.reconnect || p->target == 0 || p->eng->stopping)
		return;
	if (p->cfg.reconnect_delay <= 0) {
		p->target++;
		pool_start(p);
		return;
	}
	if (p->due_len == p->due_cap) {
		p->due_cap = p->due_cap ? p->due_cap * 2 : 16;
		p->due = xrealloc(p->due, p->due_cap * sizeof(*p->due));
	}
	p->due[p->due_len++] = engine_now(p->eng) + p->cfg.reconnect_delay;
	if (p->tick == NULL) {
		p->last = engine_now(p->eng);
		p->tick = engine_every(p->eng, POOL_TICK, pool_tick_cb, p);
	}
}

uint64_t
pool_started(const struct pool *p)
{
	return p->started;
}

uint64_t
pool_pending(const struct pool *p)
{
	return p->target > p->started ? p->target - p->started : 0;
}

uint64_t
pool_errors(const struct pool *p)
{
	return p->errors;
}

const char *
pool_last_error(const struct pool *p)
{
	return p->last_error;
}

void
pool_stop(struct pool *p)
{
	if (p->tick != NULL)
		engine_timer_cancel(p->eng, p->tick);
	p->tick = NULL;
	p->due_head = p->due_len = 0;
	p->target = p->started;
}

void
pool_free(struct pool *p)
{
	if (p == NULL)
		return;
	pool_stop(p);
	engine_unobserve(p->eng, &p->obs);
	free(p->due);
	free((char *)p->cfg.target);
	free((char *)p->cfg.sources);
	free(p);
}
