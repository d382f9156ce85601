/* The client pool: connect N at a rate, from source addresses. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "conn.h"
#include "pool.h"
#include "sock.h"
#include "util.h"

#define POOL_TICK	0.005	/* seconds between ramp-up steps */
#define POOL_BURST	500	/* connects per step when the rate is 0 */
#define POOL_MAX_SOURCES 64
#define POOL_MAX_ADDRS	64	/* addresses of one name tried */
#define POOL_PORT_TRIES	16	/* explicit ports tried before the kernel's */

/* Owned by its creator; pool_free releases it. */
struct pool {
	struct engine		*eng;
	struct pool_cfg		 cfg;
	struct addr_list	 dst;		/* the target's addresses */
	int			 multi;		/* a name: list what each gave */
	uint16_t		 good;		/* the address that last connected */
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

/* How one walk over the target's addresses ended. */
enum pool_walk {
	PW_CONNECTING,	/* a connect is under way on the fd */
	PW_OPEN,	/* it connected at once */
	PW_FAILED,	/* every address failed at once (fd: the last, or -1) */
	PW_LOCAL	/* socket() or the source bind failed: ours, not theirs */
};

/* Resolve "HOST:PORT" into one socket address (for --source). */
static int
pool_resolve(const char *hostport, struct sockaddr_storage *ss, socklen_t *sl,
    int passive, char *err, size_t errlen)
{
	struct addr_list l;

	if (addr_resolve(hostport, passive, &l, err, errlen) < 0)
		return -1;
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, &l.a[0], addr_len(&l.a[0]));
	*sl = addr_len(&l.a[0]);
	addr_list_free(&l);
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
	const struct sockaddr *sa = (const struct sockaddr *)&p->src[i];
	socklen_t sl = sock_addr_len(sa);
	int t;

	for (t = 0; t < POOL_PORT_TRIES; t++) {
		uint16_t port = (uint16_t)(p->port_lo + p->port_next[i]);

		p->port_next[i] = (p->port_next[i] + 1) % p->port_n;
		if (sock_bind_source(fd, sa, sl, port) == 0)
			return 0;
		if (errno != EADDRINUSE)
			return -1;
	}
	return sock_bind_source(fd, sa, sl, 0);
}

/* On a Unix socket, record the listening process of c, as the kernel
 * recorded it at connect (SO_PEERCRED). */
static void
pool_note_cred(const struct pool *p, struct conn *c)
{
	struct conn_info *w = &c->info;

	if (p->dst.a[0].sa.sa_family != AF_UNIX || c->fd < 0)
		return;
	if (sock_peercred(c->fd, &w->cred_pid, &w->cred_uid,
	    &w->cred_gid) < 0)
		w->cred_pid = 0;
}

/* Learn of our connections closing, to reconnect when asked to. */
static void
pool_obs_cb(void *ctx, const struct conn_info *ci, const struct obs_event *ev)
{
	struct pool *p = ctx;
	struct conn *c = (struct conn *)ci;

	if (c->owner != p)
		return;
	if (ev->kind == OBS_STATE && ci->state == CS_OPEN)
		pool_note_cred(p, c);
	if (ev->kind == OBS_STATE && ci->state == CS_OPEN &&
	    c->connect_failed != NULL) {
		/* Later connections start at the address that worked; the
		 * list of failed attempts is no reason any more. */
		p->good = c->addr_idx;
		c->info.reason[0] = '\0';
	} else if (ev->kind == OBS_CLOSED)
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
	/* getaddrinfo blocks: once here, before the loop, for every
	 * connection the pool will ever open. */
	if (addr_resolve(cfg->target, 0, &p->dst, err, errlen) < 0)
		goto fail;
	if (p->dst.n > POOL_MAX_ADDRS)
		p->dst.n = POOL_MAX_ADDRS;
	p->multi = p->dst.n > 1 || !addr_is_numeric(cfg->target);
	if (cfg->sources != NULL && cfg->sources[0] != '\0' &&
	    p->dst.a[0].sa.sa_family == AF_UNIX) {
		snprintf(err, errlen, "--source: %s is a Unix socket, it has no "
		    "source address", cfg->target);
		goto fail;
	}
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
	addr_list_free(&p->dst);
	free((char *)p->cfg.target);
	free((char *)p->cfg.sources);
	free(p);
	return NULL;
}

/* A short reason for a failed attempt, for the list of addresses tried. */
static void
pool_why(const struct pool *p, int err, char *out, size_t outlen)
{
	switch (err) {
	case ECONNREFUSED:	snprintf(out, outlen, "refused"); break;
	case ECONNRESET:	snprintf(out, outlen, "reset"); break;
	case ENETUNREACH:	snprintf(out, outlen, "network unreachable"); break;
	case EHOSTUNREACH:	snprintf(out, outlen, "host unreachable"); break;
	case EADDRNOTAVAIL:	snprintf(out, outlen, "address not available");
				break;
	case EAGAIN:		/* AF_UNIX: the listener's queue is full */
		snprintf(out, outlen, "listen backlog full (EAGAIN)");
		break;
	case ENOENT:		/* AF_UNIX: nothing listens there */
		snprintf(out, outlen, "refused (no socket file)");
		break;
	case ETIMEDOUT:
		if (p->eng->lim.connect_timeout > 0)
			snprintf(out, outlen, "timeout after %.1fs",
			    p->eng->lim.connect_timeout);
		else
			snprintf(out, outlen, "timed out");
		break;
	default:		snprintf(out, outlen, "%s", strerror(err)); break;
	}
}

/* Append "ADDR why" for address i (why from err, or text) to list. */
static void
pool_note(const struct pool *p, size_t i, int err, const char *text,
    char *list, size_t listlen)
{
	char a[120], why[64], piece[2 + sizeof(a) + 1 + sizeof(why)];
	size_t len = strlen(list), k;

	addr_format(&p->dst.a[i].sa, a, sizeof(a));
	if (text == NULL)
		pool_why(p, err, why, sizeof(why));
	snprintf(piece, sizeof(piece), "%s%s %.63s", len > 0 ? "; " : "", a,
	    text != NULL ? text : why);
	k = strlen(piece);
	if (len + k + 1 > listlen)	/* cut: the reason has a fixed size */
		k = listlen > len + 1 ? listlen - len - 1 : 0;
	memcpy(list + len, piece, k);
	list[len + k] = '\0';
}

/* The first source address of family af, from index start on; -1: none. */
static int
pool_pick_source(const struct pool *p, uint64_t start, int af)
{
	size_t k;

	for (k = 0; k < p->nsrc; k++) {
		size_t i = (size_t)((start + k) % p->nsrc);

		if (p->src[i].ss_family == af)
			return (int)i;
	}
	return -1;
}

/* Walk the target's addresses from *idx (with *tried made so far) until a
 * non-blocking connect is under way, for connection n. Immediate failures
 * are listed in list; *fd gets the socket (for PW_FAILED the last one, or
 * -1), *err and *stage say what failed for PW_LOCAL. Never blocks. */
static enum pool_walk
pool_walk(struct pool *p, uint64_t n, uint16_t *idx, uint16_t *tried,
    char *list, size_t listlen, int *fd, int *err, const char **stage)
{
	*fd = -1;
	while (*tried < p->dst.n) {
		const union sb_addr *a = &p->dst.a[*idx];
		int s, is_open;

		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		if (*tried > 0)
			*idx = (uint16_t)((*idx + 1) % p->dst.n);
		a = &p->dst.a[*idx];
		(*tried)++;
		s = sock_stream(a->sa.sa_family);
		if (s < 0) {
			if (errno == EAFNOSUPPORT) {	/* no IPv6 here */
				pool_note(p, *idx, errno, NULL, list, listlen);
				continue;
			}
			*err = errno;
			*stage = "socket";
			return PW_LOCAL;
		}
		if (sock_opt_tcp(a->sa.sa_family))
			(void)sock_set_nodelay(s);
		if (p->nsrc > 0) {
			int si = pool_pick_source(p, n, a->sa.sa_family);

			if (si < 0) {
				pool_note(p, *idx, 0, a->sa.sa_family == AF_INET6 ?
				    "skipped (no IPv6 --source)" :
				    "skipped (no IPv4 --source)", list, listlen);
				close(s);
				continue;
			}
			if (pool_bind_source(p, s, (size_t)si) < 0) {
				*err = errno;
				*stage = "bind source";
				close(s);
				return PW_LOCAL;
			}
		}
		if (sock_connect_start(s, &a->sa, addr_len(a), &is_open) == 0) {
			*fd = s;
			return is_open ? PW_OPEN : PW_CONNECTING;
		}
		*err = errno;
		pool_note(p, *idx, errno, NULL, list, listlen);
		*fd = s;	/* kept for the failed connection, if last */
	}
	return PW_FAILED;
}

/* A connect attempt of c failed (err; ETIMEDOUT: --connect-timeout): try
 * the target's next address on a new socket, or fail c naming every
 * address tried and why. Its list so far is kept in c->info.reason. */
static void
pool_connect_failed_cb(struct conn *c, int err)
{
	struct pool *p = c->owner;
	uint16_t idx = c->addr_idx, tried = c->addr_tried;
	const char *stage = NULL;
	int fd, e2 = 0;

	pool_note(p, idx, err, NULL, c->info.reason, sizeof(c->info.reason));
	switch (pool_walk(p, c->info.id, &idx, &tried, c->info.reason,
	    sizeof(c->info.reason), &fd, &e2, &stage)) {
	case PW_OPEN:		/* the write watcher sees it connected */
	case PW_CONNECTING:
		conn_connect_swap(c, fd);
		c->addr_idx = idx;
		c->addr_tried = tried;
		if (p->eng->lim.connect_timeout > 0)
			conn_timer(c, p->eng->lim.connect_timeout);
		return;
	case PW_LOCAL:
		pool_note(p, idx, e2, stage, c->info.reason,
		    sizeof(c->info.reason));
		break;
	case PW_FAILED:
		if (fd >= 0)
			close(fd);
		break;
	}
	conn_fail(c, "%s: %s", p->cfg.target, c->info.reason);
}

/* Open one connection; 0 started (it may still fail later), -1 not. */
static int
pool_connect_one(struct pool *p)
{
	struct engine *e = p->eng;
	uint64_t n = p->started;
	uint16_t idx = p->good, tried = 0;
	char list[sizeof(((struct conn_info *)0)->reason)] = "";
	const char *stage = NULL;
	enum pool_walk st;
	struct conn *c;
	int fd, err = 0;

	st = pool_walk(p, n, &idx, &tried, list, sizeof(list), &fd, &err,
	    &stage);
	if (st == PW_LOCAL || (st == PW_FAILED && fd < 0)) {
		p->errors++;
		if (st == PW_LOCAL)
			snprintf(p->last_error, sizeof(p->last_error),
			    "%s: %s%s", stage, strerror(err), err == EMFILE ?
			    " (raise ulimit -n, or use fewer connections or "
			    "--workers)" : "");
		else
			snprintf(p->last_error, sizeof(p->last_error), "%s: %s",
			    p->cfg.target, list);
		return -1;
	}
	p->started++;
	c = conn_new(e, fd, SIDE_CLIENT, st == PW_OPEN ? CS_OPEN :
	    CS_CONNECTING, p->cfg.codec, p->cfg.handler, p->cfg.make_udata ?
	    p->cfg.make_udata(p->cfg.arg, n) : NULL);
	c->owner = p;
	if (st == PW_OPEN) {
		/* Open at once (always so on a Unix socket): the open event
		 * came before the owner was set. */
		pool_note_cred(p, c);
		p->good = idx;
		return 0;
	}
	snprintf(c->info.peer, sizeof(c->info.peer), "%s", p->cfg.target);
	if (st == PW_FAILED) {
		if (p->multi)
			conn_fail(c, "%s: %s", p->cfg.target, list);
		else
			conn_fail(c, "connect: %s", err == ECONNREFUSED ?
			    "connection refused" : err == ENOENT &&
			    p->dst.a[0].sa.sa_family == AF_UNIX ?
			    "connection refused (no socket file)" :
			    err == EAGAIN && p->dst.a[0].sa.sa_family == AF_UNIX ?
			    "listen backlog full (EAGAIN)" : strerror(err));
		return 0;
	}
	if (p->multi) {
		/* A name: on failure, try its next address, then list them. */
		c->connect_failed = pool_connect_failed_cb;
		c->addr_idx = idx;
		c->addr_tried = tried;
		snprintf(c->info.reason, sizeof(c->info.reason), "%s", list);
	}
	if (e->lim.connect_timeout > 0)
		conn_timer(c, e->lim.connect_timeout);
	return 0;
}

/* Open as many connections as the rate allows since the last step. */
static void
pool_tick_cb(struct engine *e, void *arg)
{
	struct pool *p = arg;
	double now = engine_loop_time(e);
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
	/* Outside the loop (before it runs, or after a long callback) its
	 * cached time is old: the rate counts from now. */
	engine_loop_time_update(p->eng);
	p->last = engine_loop_time(p->eng);
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
	p->due[p->due_len++] = engine_loop_time(p->eng) +
	    p->cfg.reconnect_delay;
	if (p->tick == NULL) {
		p->last = engine_loop_time(p->eng);
		p->tick = engine_every(p->eng, POOL_TICK, pool_tick_cb, p);
	}
}

void
pool_set_rate(struct pool *p, double rate)
{
	p->cfg.rate = rate > 0 ? rate : 0;
	if (p->cfg.rate > 0 && p->credit > p->cfg.rate)
		p->credit = p->cfg.rate > 1 ? p->cfg.rate : 1;
}

double
pool_rate(const struct pool *p)
{
	return p->cfg.rate;
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
	struct conn *c;

	if (p == NULL)
		return;
	pool_stop(p);
	engine_unobserve(p->eng, &p->obs);
	/* Connections still connecting must not call back into a freed
	 * pool: their next failure fails them. */
	for (c = p->eng->conns; c != NULL; c = c->next)
		if (c->owner == p)
			c->connect_failed = NULL;
	addr_list_free(&p->dst);
	free(p->due);
	free((char *)p->cfg.target);
	free((char *)p->cfg.sources);
	free(p);
}
