/* Names with several addresses: the resolver helpers, and a pool whose
 * target name gives [::1] then 127.0.0.1 (a private /etc/hosts, bound in
 * this process's own mount namespace) tries each in order without
 * blocking, lists every address tried when all fail, starts later
 * connections at the address that worked, and never calls into a freed
 * pool. The namespace needs root (CI and this machine run as root);
 * without it those tests are skipped and say why. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "conn.h"
#include "pool.h"
#include "server.h"
#include "service.h"
#include "util.h"
#include "loop_harness.h"

#define NAME	"sbtest-dual.invalid"

static int have_hosts;		/* the private /etc/hosts is in place */
static char hosts_why[160];	/* why not */

/* Bind a private hosts file over /etc/hosts in a new mount namespace, so
 * that NAME resolves to ::1 then 127.0.0.1 for this process only. */
static int
setup_hosts(void **state)
{
	char path[] = "/tmp/sbhostsXXXXXX";
	const char text[] = "::1 " NAME "\n127.0.0.1 " NAME "\n"
	    "127.0.0.1 localhost\n";
	int fd;

	(void)state;
	if ((fd = mkstemp(path)) < 0 || write(fd, text, sizeof(text) - 1) !=
	    (ssize_t)(sizeof(text) - 1)) {
		snprintf(hosts_why, sizeof(hosts_why), "temp file: %s",
		    strerror(errno));
		return 0;
	}
	close(fd);
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(path, "/etc/hosts", NULL, MS_BIND, NULL) < 0)
		snprintf(hosts_why, sizeof(hosts_why), "no private /etc/hosts "
		    "(%s; needs root)", strerror(errno));
	else
		have_hosts = 1;
	unlink(path);	/* the bind mount keeps it */
	return 0;
}

/* Skip a test that needs NAME to resolve to two addresses. */
#define NEED_HOSTS() do {						\
	if (!have_hosts) {						\
		print_message("skipped: %s\n", hosts_why);		\
		skip();							\
	}								\
} while (0)

/* What the client connections saw. */
struct seen {
	struct engine	*eng;
	int		 opened, closed, want;
	char		 peer[8][64];
	int		 tried[8];	/* attempts each one needed */
	char		 reason[8][128];
	struct pool	*pool;
	int		 add_after_first;
};

static void *
seen_make(void *arg, uint64_t n)
{
	(void)n;
	return arg;
}

static void
seen_open(struct conn *c)
{
	struct seen *s = c->udata;

	if (s->opened < 8) {
		snprintf(s->peer[s->opened], sizeof(s->peer[0]), "%s",
		    c->info.peer);
		s->tried[s->opened] = c->addr_tried;
	}
	s->opened++;
	conn_close(c, "done");
	if (s->add_after_first && s->opened == 1)
		pool_add(s->pool, 1);
}

static void
seen_close(struct conn *c)
{
	struct seen *s = c->udata;

	if (s->closed < 8)
		snprintf(s->reason[s->closed], sizeof(s->reason[0]), "%s",
		    c->info.reason);
	if (++s->closed >= s->want)
		engine_stop(s->eng);
}

static const struct conn_handler seen_handler = {
	.on_open = seen_open, .on_close = seen_close,
};

/* A port free on both 127.0.0.1 and ::1 right now. */
static int
free_port(void)
{
	struct sockaddr_in6 a6;
	struct sockaddr_in a4;
	socklen_t sl = sizeof(a4);
	int fd4 = socket(AF_INET, SOCK_STREAM, 0), fd6, port;

	memset(&a4, 0, sizeof(a4));
	a4.sin_family = AF_INET;
	a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd4, (struct sockaddr *)&a4, sizeof(a4)), 0);
	getsockname(fd4, (struct sockaddr *)&a4, &sl);
	port = ntohs(a4.sin_port);
	fd6 = socket(AF_INET6, SOCK_STREAM, 0);
	memset(&a6, 0, sizeof(a6));
	a6.sin6_family = AF_INET6;
	a6.sin6_addr = in6addr_loopback;
	a6.sin6_port = htons((uint16_t)port);
	assert_int_equal(bind(fd6, (struct sockaddr *)&a6, sizeof(a6)), 0);
	close(fd4);
	close(fd6);
	return port;
}

/* Run a pool of n connections to NAME:port until they all closed. */
static void
run_pool(struct engine *e, struct seen *s, int port, uint64_t n,
    const char *sources, struct harness *h)
{
	char target[128], err[256];
	struct pool_cfg pc;

	snprintf(target, sizeof(target), NAME ":%d", port);
	memset(&pc, 0, sizeof(pc));
	pc.target = target;
	pc.count = n;
	pc.sources = sources;
	pc.handler = &seen_handler;
	pc.make_udata = seen_make;
	pc.arg = s;
	s->eng = e;
	s->pool = pool_new(e, &pc, err, sizeof(err));
	assert_non_null(s->pool);
	harness_attach(h, e, 20);
	pool_start(s->pool);
	engine_run(e);
	assert_false(h->timed_out);
	pool_free(s->pool);
}

static void
addr_format_writes_ipv4_and_bracketed_ipv6(void **state)
{
	struct addr_list l;
	char out[64], err[128];

	(void)state;
	assert_int_equal(addr_resolve("127.0.0.1:7001", 0, &l, err,
	    sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	addr_format(&l.a[0].sa, out, sizeof(out));
	assert_string_equal(out, "127.0.0.1:7001");
	assert_int_equal(addr_len(&l.a[0]), sizeof(struct sockaddr_in));
	addr_list_free(&l);
	assert_int_equal(addr_resolve("[::1]:7001", 0, &l, err, sizeof(err)),
	    0);
	assert_int_equal(l.n, 1);
	addr_format(&l.a[0].sa, out, sizeof(out));
	assert_string_equal(out, "[::1]:7001");
	addr_list_free(&l);
	/* An empty host is 127.0.0.1, as it always was. */
	assert_int_equal(addr_resolve(":7", 0, &l, err, sizeof(err)), 0);
	addr_format(&l.a[0].sa, out, sizeof(out));
	assert_string_equal(out, "127.0.0.1:7");
	addr_list_free(&l);
	assert_int_equal(addr_resolve("nohost", 0, &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "expected HOST:PORT"));
	assert_true(addr_is_numeric("127.0.0.1:1"));
	assert_true(addr_is_numeric("[::1]:1"));
	assert_true(addr_is_numeric(":1"));
	assert_false(addr_is_numeric("localhost:1"));
}

static void
a_name_gives_every_address_in_order_without_duplicates(void **state)
{
	struct addr_list l;
	char a[64], b[64], err[128];

	(void)state;
	NEED_HOSTS();
	assert_int_equal(addr_resolve(NAME ":7001", 0, &l, err, sizeof(err)),
	    0);
	assert_int_equal(l.n, 2);
	addr_format(&l.a[0].sa, a, sizeof(a));
	addr_format(&l.a[1].sa, b, sizeof(b));
	assert_string_equal(a, "[::1]:7001");
	assert_string_equal(b, "127.0.0.1:7001");
	addr_list_free(&l);
}

static void
refused_first_address_moves_on_to_the_next_one(void **state)
{
	struct engine *e = engine_new(NULL);
	struct service_cfg cfg;
	struct server *srv;
	struct harness h;
	struct seen s;
	char err[256], want[64];
	int i;

	(void)state;
	NEED_HOSTS();
	assert_int_equal(service_cfg_parse(&cfg, "echo", err, sizeof(err)), 0);
	/* Only 127.0.0.1 listens: [::1] refuses every connection. */
	srv = server_start(e, "127.0.0.1:0", &cfg, 0, err, sizeof(err));
	assert_non_null(srv);
	memset(&s, 0, sizeof(s));
	s.want = 3;
	run_pool(e, &s, server_port(srv), 3, NULL, &h);
	assert_int_equal(s.opened, 3);
	snprintf(want, sizeof(want), "127.0.0.1:%d", server_port(srv));
	for (i = 0; i < 3; i++) {
		assert_string_equal(s.peer[i], want);
		assert_string_equal(s.reason[i], "done");
	}
	/* The refusal is no failure: the connection is counted once. */
	assert_int_equal(e->tot.failed, 0);
	server_free(srv);
	service_cfg_free(&cfg);
	engine_free(e);
}

static void
every_address_refused_names_each_one_and_why(void **state)
{
	struct engine *e = engine_new(NULL);
	struct harness h;
	struct seen s;
	char want[160];
	int port = free_port();

	(void)state;
	NEED_HOSTS();
	memset(&s, 0, sizeof(s));
	s.want = 2;
	run_pool(e, &s, port, 2, NULL, &h);
	assert_int_equal(s.opened, 0);
	snprintf(want, sizeof(want), NAME ":%d: [::1]:%d refused; "
	    "127.0.0.1:%d refused", port, port, port);
	assert_string_equal(s.reason[0], want);
	assert_string_equal(s.reason[1], want);
	assert_int_equal(harness_count(&h, SIDE_CLIENT, CS_FAILED), 2);
	assert_int_equal(e->tot.failed, 2);
	engine_free(e);
}

/* A listener on [::1]:port whose accept queue is full: the kernel drops
 * further SYNs, so a connect there neither succeeds nor fails. */
static int
blackhole6(int port, int *fill, int nfill)
{
	struct sockaddr_in6 a;
	int fd = socket(AF_INET6, SOCK_STREAM, 0), one = 1, i;

	memset(&a, 0, sizeof(a));
	a.sin6_family = AF_INET6;
	a.sin6_addr = in6addr_loopback;
	a.sin6_port = htons((uint16_t)port);
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 0), 0);
	for (i = 0; i < nfill; i++) {
		fill[i] = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[i], (struct sockaddr *)&a, sizeof(a));
	}
	usleep(100000);		/* let the handshakes land in the queue */
	return fd;
}

static void
a_silent_first_address_times_out_and_the_next_one_connects(void **state)
{
	struct engine_limits lim;
	struct engine *e;
	struct service_cfg cfg;
	struct server *srv;
	struct harness h;
	struct seen s;
	char err[256], addr[64], want[64];
	int hole, fill[2], i;

	(void)state;
	NEED_HOSTS();
	engine_limits_default(&lim);
	lim.connect_timeout = 0.3;
	e = engine_new(&lim);
	assert_int_equal(service_cfg_parse(&cfg, "echo", err, sizeof(err)), 0);
	srv = server_start(e, "127.0.0.1:0", &cfg, 0, err, sizeof(err));
	assert_non_null(srv);
	hole = blackhole6(server_port(srv), fill, 2);
	memset(&s, 0, sizeof(s));
	s.want = 2;
	/* The first connection waits out [::1], then connects to
	 * 127.0.0.1; the one added after it starts there at once. */
	s.add_after_first = 1;
	run_pool(e, &s, server_port(srv), 1, NULL, &h);
	assert_int_equal(s.opened, 2);
	snprintf(want, sizeof(want), "127.0.0.1:%d", server_port(srv));
	assert_string_equal(s.peer[0], want);
	assert_string_equal(s.peer[1], want);
	assert_int_equal(s.tried[0], 2);
	assert_int_equal(s.tried[1], 1);
	assert_int_equal(e->tot.failed, 0);
	snprintf(addr, sizeof(addr), "%s", server_addr(srv));
	assert_string_equal(addr, want);
	for (i = 0; i < 2; i++)
		close(fill[i]);
	close(hole);
	server_free(srv);
	service_cfg_free(&cfg);
	engine_free(e);
}

static void
every_address_silent_lists_each_timeout(void **state)
{
	struct engine_limits lim;
	struct engine *e;
	struct harness h;
	struct seen s;
	struct sockaddr_in a;
	char want[200];
	int hole6, hole4, fill[4], i, one = 1;
	int port = free_port();

	(void)state;
	NEED_HOSTS();
	engine_limits_default(&lim);
	lim.connect_timeout = 0.2;
	e = engine_new(&lim);
	hole6 = blackhole6(port, fill, 2);
	hole4 = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(hole4, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	assert_int_equal(bind(hole4, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(hole4, 0), 0);
	for (i = 2; i < 4; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[i], (struct sockaddr *)&a, sizeof(a));
	}
	usleep(100000);
	memset(&s, 0, sizeof(s));
	s.want = 1;
	run_pool(e, &s, port, 1, NULL, &h);
	assert_int_equal(s.opened, 0);
	snprintf(want, sizeof(want), NAME ":%d: [::1]:%d timeout after 0.2s; "
	    "127.0.0.1:%d timeout after 0.2s", port, port, port);
	assert_string_equal(s.reason[0], want);
	for (i = 0; i < 4; i++)
		close(fill[i]);
	close(hole6);
	close(hole4);
	engine_free(e);
}

static void
an_ipv4_source_skips_the_ipv6_address_and_says_so(void **state)
{
	struct engine *e = engine_new(NULL);
	struct harness h;
	struct seen s;
	char want[160];
	int port = free_port();

	(void)state;
	NEED_HOSTS();
	memset(&s, 0, sizeof(s));
	s.want = 1;
	run_pool(e, &s, port, 1, "127.0.0.1", &h);
	snprintf(want, sizeof(want), NAME ":%d: [::1]:%d skipped (no IPv6 "
	    "--source); 127.0.0.1:%d refused", port, port, port);
	assert_string_equal(s.reason[0], want);
	engine_free(e);
}

static void
freeing_the_pool_while_connecting_leaves_no_callback_into_it(void **state)
{
	struct engine_limits lim;
	struct engine *e;
	struct harness h;
	struct pool_cfg pc;
	struct pool *p;
	struct seen s;
	char target[128], err[256];
	int hole, fill[2], i, port = free_port();

	(void)state;
	NEED_HOSTS();
	engine_limits_default(&lim);
	lim.connect_timeout = 0.2;
	e = engine_new(&lim);
	hole = blackhole6(port, fill, 2);
	memset(&s, 0, sizeof(s));
	s.want = 1;
	s.eng = e;
	snprintf(target, sizeof(target), NAME ":%d", port);
	memset(&pc, 0, sizeof(pc));
	pc.target = target;
	pc.count = 1;
	pc.handler = &seen_handler;
	pc.make_udata = seen_make;
	pc.arg = &s;
	p = pool_new(e, &pc, err, sizeof(err));
	assert_non_null(p);
	harness_attach(&h, e, 20);
	pool_start(p);
	pool_free(p);	/* the connection to [::1] is still under way */
	engine_run(e);
	assert_false(h.timed_out);
	assert_int_equal(s.closed, 1);
	assert_string_equal(s.reason[0], "connect timeout after 0.2s");
	for (i = 0; i < 2; i++)
		close(fill[i]);
	close(hole);
	engine_free(e);
}

static void
serve_on_a_name_binds_every_address_on_one_port(void **state)
{
	struct engine *e = engine_new(NULL);
	struct service_cfg cfg;
	struct server *srv;
	struct harness h;
	struct seen s;
	char err[256], want[128], target[64], a4[64], a6[64];
	struct pool_cfg pc;
	struct pool *p4, *p6;
	int port;

	(void)state;
	NEED_HOSTS();
	assert_int_equal(service_cfg_parse(&cfg, "echo", err, sizeof(err)), 0);
	srv = server_start(e, NAME ":0", &cfg, 0, err, sizeof(err));
	assert_non_null(srv);
	port = server_port(srv);
	assert_true(port > 0);
	snprintf(want, sizeof(want), "[::1]:%d, 127.0.0.1:%d", port, port);
	assert_string_equal(server_addrs(srv), want);
	assert_string_equal(server_skipped(srv), "");
	/* Both addresses accept. */
	memset(&s, 0, sizeof(s));
	s.want = 2;
	s.eng = e;
	memset(&pc, 0, sizeof(pc));
	pc.count = 1;
	pc.handler = &seen_handler;
	pc.make_udata = seen_make;
	pc.arg = &s;
	snprintf(a4, sizeof(a4), "127.0.0.1:%d", port);
	snprintf(a6, sizeof(a6), "[::1]:%d", port);
	pc.target = a4;
	p4 = pool_new(e, &pc, err, sizeof(err));
	pc.target = a6;
	p6 = pool_new(e, &pc, err, sizeof(err));
	assert_non_null(p4);
	assert_non_null(p6);
	harness_attach(&h, e, 20);
	pool_start(p4);
	pool_start(p6);
	engine_run(e);
	assert_false(h.timed_out);
	assert_int_equal(s.opened, 2);
	assert_true((strcmp(s.peer[0], a4) == 0 && strcmp(s.peer[1], a6) == 0) ||
	    (strcmp(s.peer[0], a6) == 0 && strcmp(s.peer[1], a4) == 0));
	pool_free(p4);
	pool_free(p6);
	server_free(srv);
	/* One of its addresses taken by another socket: no half-listening. */
	srv = server_start(e, a6, &cfg, 0, err, sizeof(err));
	assert_non_null(srv);
	snprintf(target, sizeof(target), NAME ":%d", port);
	assert_null(server_start(e, target, &cfg, 0, err, sizeof(err)));
	snprintf(want, sizeof(want), "listen on %s ([::1]:%d): Address "
	    "already in use", target, port);
	assert_string_equal(err, want);
	server_free(srv);
	service_cfg_free(&cfg);
	engine_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(addr_format_writes_ipv4_and_bracketed_ipv6),
		cmocka_unit_test(
		    a_name_gives_every_address_in_order_without_duplicates),
		cmocka_unit_test(refused_first_address_moves_on_to_the_next_one),
		cmocka_unit_test(every_address_refused_names_each_one_and_why),
		cmocka_unit_test(
		    a_silent_first_address_times_out_and_the_next_one_connects),
		cmocka_unit_test(every_address_silent_lists_each_timeout),
		cmocka_unit_test(an_ipv4_source_skips_the_ipv6_address_and_says_so),
		cmocka_unit_test(
		    freeing_the_pool_while_connecting_leaves_no_callback_into_it),
		cmocka_unit_test(serve_on_a_name_binds_every_address_on_one_port),
	};

	return cmocka_run_group_tests(tests, setup_hosts, NULL);
}
