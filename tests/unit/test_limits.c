/* Limits: their defaults and flags, --max-conns, the connect timeout, and
 * running out of file descriptors on accept and on connect (in a forked
 * child with a low RLIMIT_NOFILE): reported, no spinning, and recovered
 * from once descriptors free up. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <ev.h>
#include "clock.h"
#include "cli.h"
#include "conn.h"
#include "pool.h"
#include "server.h"
#include "service.h"
#include "util.h"
#include "loop_harness.h"

/* Keep the loop waking up so tests can poll their conditions. */
static void
tick_cb(struct engine *e, void *arg)
{
	(void)e;
	(void)arg;
}

/* Stop the loop (engine_after callback). */
static void
stop_cb(struct engine *e, void *arg)
{
	(void)arg;
	engine_stop(e);
}

/* A blocking client connected to 127.0.0.1:port. */
static int
dial(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Wait up to seconds for fd to become readable; 1 if it did. */
static int
readable(int fd, double seconds)
{
	fd_set rs;
	struct timeval tv;

	FD_ZERO(&rs);
	FD_SET(fd, &rs);
	tv.tv_sec = (time_t)seconds;
	tv.tv_usec = (suseconds_t)((seconds - (double)tv.tv_sec) * 1e6);
	return select(fd + 1, &rs, NULL, NULL, &tv) == 1;
}

/* CPU seconds (user + system) process pid has used so far. */
static double
cpu_seconds(pid_t pid)
{
	char path[64], line[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	/* Fields after the command name, which ends in the last ')'. */
	p = strrchr(line, ')');
	assert_non_null(p);
	for (i = 0; i < 11; i++)
		p = strchr(p + 1, ' ');
	assert_int_equal(sscanf(p + 1, "%lu %lu", &ut, &st), 2);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Lower the soft RLIMIT_NOFILE so that exactly room more descriptors can
 * be opened (inherited ones may sit at high numbers, above free ones). */
static void
limit_fds(int room)
{
	struct rlimit rl;
	int lim = 0, avail = 0;

	while (avail < room) {
		if (fcntl(lim, F_GETFD) < 0)
			avail++;
		lim++;
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = (rlim_t)lim;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		_exit(90);
}

static void
defaults_are_documented_values(void **state)
{
	struct engine_limits lim;

	(void)state;
	engine_limits_default(&lim);
	assert_int_equal(lim.max_frame, 1024 * 1024);
	assert_int_equal(lim.max_buffer, 4 * 1024 * 1024);
	assert_true(lim.connect_timeout == 10.0);
	assert_true(lim.idle_timeout == 0.0);
	assert_int_equal(lim.max_conns, 0);
	assert_non_null(strstr(cli_limit_help_text(), "--max-frame SIZE"));
	assert_non_null(strstr(cli_limit_help_text(), "(default 1M)"));
	assert_non_null(strstr(cli_limit_help_text(), "(default 4M)"));
	assert_non_null(strstr(cli_limit_help_text(), "(default 10s)"));
	assert_non_null(strstr(cli_limit_help_text(), "--idle-timeout DUR"));
	assert_non_null(strstr(cli_limit_help_text(), "--max-conns N"));
}

static void
limit_flags_parse_sizes_and_durations_and_refuse_nonsense(void **state)
{
	struct engine_limits lim;
	FILE *saved;

	(void)state;
	engine_limits_default(&lim);
	assert_int_equal(cli_limit_opt(&lim, "max-frame", "64k"), 1);
	assert_int_equal(lim.max_frame, 65536);
	assert_int_equal(cli_limit_opt(&lim, "max-buffer", "2M"), 1);
	assert_int_equal(lim.max_buffer, 2 * 1024 * 1024);
	assert_int_equal(cli_limit_opt(&lim, "max-frame", "4G"), 1);
	assert_int_equal(lim.max_frame, (size_t)4 << 30);
	assert_int_equal(cli_limit_opt(&lim, "connect-timeout", "500ms"), 1);
	assert_true(lim.connect_timeout == 0.5);
	assert_int_equal(cli_limit_opt(&lim, "idle-timeout", "2s"), 1);
	assert_true(lim.idle_timeout == 2.0);
	assert_int_equal(cli_limit_opt(&lim, "max-conns", "100"), 1);
	assert_int_equal(lim.max_conns, 100);
	assert_int_equal(cli_limit_opt(&lim, "listen", "x"), 0);
	/* Bad values are refused with a message, and change nothing. */
	saved = stderr;
	stderr = fopen("/dev/null", "w");
	assert_int_equal(cli_limit_opt(&lim, "max-frame", "0"), -1);
	assert_int_equal(cli_limit_opt(&lim, "max-frame", "5G"), -1);
	assert_int_equal(cli_limit_opt(&lim, "max-frame", "-1"), -1);
	assert_int_equal(cli_limit_opt(&lim, "max-buffer", "lots"), -1);
	assert_int_equal(cli_limit_opt(&lim, "idle-timeout", "soon"), -1);
	assert_int_equal(cli_limit_opt(&lim, "connect-timeout", "-1s"), -1);
	assert_int_equal(cli_limit_opt(&lim, "max-conns", "ten"), -1);
	assert_int_equal(cli_limit_opt(&lim, "max-conns", ""), -1);
	fclose(stderr);
	stderr = saved;
	assert_int_equal(lim.max_frame, (size_t)4 << 30);
	assert_int_equal(lim.max_buffer, 2 * 1024 * 1024);
	assert_int_equal(lim.max_conns, 100);
}

static void
max_conns_refuses_extra_connections_and_takes_new_ones_later(void **state)
{
	struct engine_limits lim;
	struct service_cfg cfg;
	struct harness h;
	struct engine *e;
	struct server *s;
	char err[256], buf[16];
	int fds[5], i, port, closed = 0;
	double end;

	(void)state;
	engine_limits_default(&lim);
	lim.max_conns = 3;
	e = engine_new(&lim);
	assert_int_equal(service_cfg_parse(&cfg, "echo", err, sizeof(err)), 0);
	s = server_start(e, "127.0.0.1:0", &cfg, 0, err, sizeof(err));
	assert_non_null(s);
	harness_attach(&h, e, 20);
	engine_every(e, 0.01, tick_cb, NULL);
	port = server_port(s);
	for (i = 0; i < 5; i++)
		fds[i] = dial(port);
	end = clock_now_mono() + 3;
	while (e->tot.accept_errors < 2 && clock_now_mono() < end)
		ev_run(e->loop, EVRUN_ONCE);
	assert_int_equal(e->tot.open, 3);
	assert_int_equal(e->tot.accept_errors, 2);
	/* The two refused clients see their connection closed at once. */
	for (i = 3; i < 5; i++)
		if (readable(fds[i], 2) && read(fds[i], buf, sizeof(buf)) <= 0)
			closed++;
	assert_int_equal(closed, 2);
	/* The three admitted ones are served. */
	assert_int_equal(write(fds[0], "abc", 3), 3);
	end = clock_now_mono() + 3;
	while (!readable(fds[0], 0) && clock_now_mono() < end)
		ev_run(e->loop, EVRUN_ONCE);
	assert_int_equal(read(fds[0], buf, sizeof(buf)), 3);
	/* One leaves: a newcomer is admitted. */
	close(fds[1]);
	end = clock_now_mono() + 3;
	while (e->tot.open > 2 && clock_now_mono() < end)
		ev_run(e->loop, EVRUN_ONCE);
	fds[1] = dial(port);
	assert_int_equal(write(fds[1], "xyz", 3), 3);
	end = clock_now_mono() + 3;
	while (!readable(fds[1], 0) && clock_now_mono() < end)
		ev_run(e->loop, EVRUN_ONCE);
	assert_int_equal(read(fds[1], buf, sizeof(buf)), 3);
	assert_int_equal(e->tot.accept_errors, 2);
	for (i = 0; i < 5; i++)
		close(fds[i]);
	server_free(s);
	engine_free(e);
	service_cfg_free(&cfg);
}

/* A client handler that does nothing: the pool only has to connect. */
static const struct conn_handler idle_handler = { .on_open = NULL };

static void
connect_timeout_fails_a_connect_that_never_completes(void **state)
{
	struct engine_limits lim;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct pool_cfg pc;
	struct harness h;
	struct engine *e;
	struct pool *p;
	char err[256], target[64];
	int lfd, fill[8], i;
	double t0, end;

	(void)state;
	/* A listener that never accepts, its queue filled: SYNs to it are
	 * dropped, so a connect neither succeeds nor fails. */
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 0), 0);
	getsockname(lfd, (struct sockaddr *)&sa, &sl);
	for (i = 0; i < 8; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[i], (struct sockaddr *)&sa, sizeof(sa));
	}
	usleep(100000);
	engine_limits_default(&lim);
	lim.connect_timeout = 0.3;
	e = engine_new(&lim);
	harness_attach(&h, e, 10);
	snprintf(target, sizeof(target), "127.0.0.1:%d", ntohs(sa.sin_port));
	memset(&pc, 0, sizeof(pc));
	pc.target = target;
	pc.count = 1;
	pc.handler = &idle_handler;
	p = pool_new(e, &pc, err, sizeof(err));
	assert_non_null(p);
	t0 = clock_now_mono();
	pool_start(p);
	end = t0 + 5;
	while (h.nends == 0 && clock_now_mono() < end)
		ev_run(e->loop, EVRUN_ONCE);
	assert_int_equal(h.nends, 1);
	if (h.ends[0].state == CS_FAILED &&
	    strcmp(h.ends[0].reason, "connect timeout after 0.3s") == 0) {
		assert_true(clock_now_mono() - t0 >= 0.29);
		assert_true(clock_now_mono() - t0 < 2.0);
	} else
		/* Some kernels answer a full queue with a reset instead. */
		assert_int_equal(h.ends[0].state, CS_FAILED);
	pool_free(p);
	engine_free(e);
	for (i = 0; i < 8; i++)
		close(fill[i]);
	close(lfd);
}

/* Child: serve echo with only a few spare descriptors, logging to log. */
static void
emfile_server_child(int port_pipe, const char *log)
{
	struct service_cfg cfg;
	struct engine *e;
	struct server *s;
	char err[256];
	FILE *lf;
	int port;

	signal(SIGTERM, SIG_DFL);
	e = engine_new(NULL);
	engine_handle_signals(e, NULL);
	if (service_cfg_parse(&cfg, "echo", err, sizeof(err)) < 0)
		_exit(91);
	s = server_start(e, "127.0.0.1:0", &cfg, 0, err, sizeof(err));
	if (s == NULL || (lf = fopen(log, "w")) == NULL)
		_exit(92);
	server_set_log(s, lf);
	limit_fds(3);
	port = server_port(s);
	if (write(port_pipe, &port, sizeof(port)) != sizeof(port))
		_exit(93);
	close(port_pipe);
	engine_run(e);
	fflush(lf);
	_exit(e->tot.emfile > 0 ? 0 : 94);
}

static void
emfile_on_accept_is_logged_does_not_spin_and_recovers(void **state)
{
	char log[] = "/tmp/sockbench-emfile-XXXXXX", text[8192], buf[16];
	int pp[2], port = 0, fds[12], i, fd, status, lfd;
	double cpu0, cpu1;
	ssize_t n;
	pid_t pid;

	(void)state;
	lfd = mkstemp(log);
	assert_true(lfd >= 0);
	close(lfd);
	assert_int_equal(pipe(pp), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pp[0]);
		emfile_server_child(pp[1], log);
	}
	close(pp[1]);
	assert_true(readable(pp[0], 5));
	assert_int_equal(read(pp[0], &port, sizeof(port)), sizeof(port));
	close(pp[0]);
	/* Twelve clients against room for three: the rest hit EMFILE. */
	for (i = 0; i < 12; i++)
		fds[i] = dial(port);
	usleep(300000);
	cpu0 = cpu_seconds(pid);
	usleep(1000000);
	cpu1 = cpu_seconds(pid);
	if (cpu1 - cpu0 > 0.3)
		fail_msg("server used %.2fs of CPU in 1s while out of "
		    "descriptors: it spins", cpu1 - cpu0);
	/* Free the descriptors, then a new client is served again. */
	for (i = 0; i < 12; i++)
		close(fds[i]);
	usleep(300000);
	fd = dial(port);
	assert_int_equal(write(fd, "again", 5), 5);
	assert_true(readable(fd, 3));
	n = read(fd, buf, sizeof(buf));
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "again", 5);
	close(fd);
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	lfd = open(log, O_RDONLY);
	n = read(lfd, text, sizeof(text) - 1);
	close(lfd);
	unlink(log);
	assert_true(n > 0);
	text[n] = '\0';
	assert_non_null(strstr(text, "accept: out of file descriptors"));
}

/* Child: a pool of 40 connections with room for about ten; once the
 * shortage is seen, the limit is raised and every connection must start. */
static void
emfile_pool_child(int ready, const char *target)
{
	struct engine_limits lim;
	struct rlimit rl;
	struct pool_cfg pc;
	struct engine *e;
	struct pool *p;
	char err[256];
	double end;

	engine_limits_default(&lim);
	e = engine_new(&lim);
	engine_every(e, 0.01, tick_cb, NULL);
	memset(&pc, 0, sizeof(pc));
	pc.target = target;
	pc.count = 40;
	pc.handler = &idle_handler;
	if ((p = pool_new(e, &pc, err, sizeof(err))) == NULL)
		_exit(91);
	limit_fds(10);
	pool_start(p);
	end = clock_now_mono() + 3;
	while (pool_errors(p) == 0 && clock_now_mono() < end)
		ev_run(e->loop, EVRUN_ONCE);
	if (pool_errors(p) == 0)
		_exit(92);
	if (strstr(pool_last_error(p), "Too many open files") == NULL ||
	    strstr(pool_last_error(p), "ulimit -n") == NULL)
		_exit(93);
	if (write(ready, "x", 1) != 1)
		_exit(94);
	/* Stay short of descriptors while the parent measures. */
	engine_after(e, 1.3, stop_cb, NULL);
	engine_run(e);
	if (pool_pending(p) == 0)
		_exit(95);
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max > 4096 ? 4096 : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	end = clock_now_mono() + 3;
	while (pool_pending(p) > 0 && clock_now_mono() < end)
		ev_run(e->loop, EVRUN_ONCE);
	_exit(pool_pending(p) == 0 && pool_started(p) == 40 ? 0 : 96);
}

static void
emfile_on_connect_is_reported_does_not_spin_and_recovers(void **state)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char target[64], c;
	double cpu0, cpu1;
	int lfd, pp[2], status;
	pid_t pid;

	(void)state;
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 128), 0);
	getsockname(lfd, (struct sockaddr *)&sa, &sl);
	snprintf(target, sizeof(target), "127.0.0.1:%d", ntohs(sa.sin_port));
	assert_int_equal(pipe(pp), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pp[0]);
		close(lfd);
		emfile_pool_child(pp[1], target);
	}
	close(pp[1]);
	if (readable(pp[0], 5) && read(pp[0], &c, 1) == 1) {
		cpu0 = cpu_seconds(pid);
		usleep(1000000);
		cpu1 = cpu_seconds(pid);
		if (cpu1 - cpu0 > 0.3)
			fail_msg("client used %.2fs of CPU in 1s while out of "
			    "descriptors: it spins", cpu1 - cpu0);
	}
	close(pp[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(lfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_documented_values),
		cmocka_unit_test(limit_flags_parse_sizes_and_durations_and_refuse_nonsense),
		cmocka_unit_test(max_conns_refuses_extra_connections_and_takes_new_ones_later),
		cmocka_unit_test(connect_timeout_fails_a_connect_that_never_completes),
		cmocka_unit_test(emfile_on_accept_is_logged_does_not_spin_and_recovers),
		cmocka_unit_test(emfile_on_connect_is_reported_does_not_spin_and_recovers),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
