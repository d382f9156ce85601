/* sockbench serve: just the embedded server, in the foreground. */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli.h"
#include "tls_cli.h"
#include "runner.h"
#include "scenario.h"
#include "server.h"
#include "service.h"
#include "sock.h"
#include "ui.h"
#include "util.h"

static const char serve_help_head[] =
"Usage: sockbench serve [--listen HOST:PORT] [--service SPEC] [options]\n"
"       sockbench serve --scenario FILE [--once] [--listen HOST:PORT]\n"
"\n"
"Run the embedded server in the foreground and log one line per connection\n"
"to stderr. SIGINT or SIGTERM shut it down cleanly.\n"
"\n"
"With --scenario, the server plays FILE's `accept ... end` block on every\n"
"connection it accepts (a mock server for a client written elsewhere) and\n"
"prints each connection's verdict to stdout as it ends: \"PASS connection\n"
"N\", or \"FAIL connection N\" and the same report as `run` (file:line,\n"
"expected vs received). At SIGINT or SIGTERM a connection still in its\n"
"script fails where it stands (\"stopped at FILE:LINE (STEP) by the\n"
"shutdown\") and is counted; then \"N connections, N passed, N failed\".\n"
"The connection log still goes to stderr (--quiet: none).\n"
"\n";

static const char serve_help_tail[] =
"\n"
"Exit status: 0 after a clean shutdown, 2 on bad flags (or a scenario that\n"
"does not parse or has no accept block), 3 if it cannot listen. With\n"
"--scenario: 1 if any connection failed or was still open at the shutdown,\n"
"or none was served with --once.\n"
"\n"
"Examples:\n"
"  sockbench serve                                  echo on 127.0.0.1:7000\n"
"  sockbench serve -l 127.0.0.1:0 -s app            app server, free port\n"
"  sockbench serve -s 'echo:prefix=服务端收到, 你发的消息是: '\n"
"  sockbench serve -s file:root=/srv/files -l 0.0.0.0:9000\n"
"  sockbench serve --ui -s app -l 127.0.0.1:7000    watch a client written\n"
"                                                   elsewhere talk to it\n"
"  sockbench serve --scenario mock.txt --once -l 127.0.0.1:7000 &\n"
"  ./my-client 127.0.0.1:7000; wait $!             CI: the mock's verdict\n";

static volatile sig_atomic_t serve_stop_flag;

/* Parent of workers: remember the signal so the children get it too. */
static void
serve_parent_sig(int sig)
{
	(void)sig;
	serve_stop_flag = 1;
}

/* serve --tls: the context every accepted connection uses (made before
 * any worker is forked, so all serve one certificate); NULL without. */
static struct tls_ctx *serve_tls;
/* The TLS options, for the context of a scripted server's `starttls`. */
static struct cli_tls serve_tls_opts;

/* The log's TLS line of each server connection: its handshake, and the
 * client certificate (--client-ca). */
struct serve_tls_log {
	struct observer	 obs;
	struct engine	*e;
};

/* Log "conn N: tls ..." once the handshake is done: at the open, or at
 * the close for a `starttls` upgrade (no TLS at accept). */
static void
serve_tls_log_cb(void *ctx, const struct conn_info *ci,
    const struct obs_event *ev)
{
	struct serve_tls_log *l = ctx;
	char text[800];

	if (ci->side != SIDE_SERVER || ci->tls == NULL || !ci->tls->done)
		return;
	if (!(ev->kind == OBS_STATE && ci->state == CS_OPEN &&
	    l->e->tls_server != NULL) && !(ev->kind == OBS_CLOSED &&
	    l->e->tls_server == NULL))
		return;
	tls_info_text(ci->tls, text, sizeof(text));
	fprintf(stderr, "conn %llu: tls %s\n", (unsigned long long)ci->id,
	    text);
	fflush(stderr);
}

/* Start logging e's server handshakes to stderr into l (l outlives the
 * loop); nothing without TLS. */
static void
serve_tls_log_attach(struct serve_tls_log *l, struct engine *e)
{
	memset(l, 0, sizeof(*l));
	l->e = e;
	if (e->tls_server == NULL && e->tls_starttls_server == NULL)
		return;
	l->obs.on_event = serve_tls_log_cb;
	l->obs.ctx = l;
	engine_observe(e, &l->obs);
}

/* Run one server process until a signal. */
static int
serve_one(const char *listen, struct service_cfg *cfg,
    const struct engine_limits *lim, int quiet, int reuseport, int announce,
    int ui)
{
	char err[256], title[300];
	struct serve_tls_log tl;
	struct engine *e;
	struct server *s;
	int rc = EXIT_OK;

	engine_raise_nofile();
	e = engine_new(lim);
	e->tls_server = serve_tls;
	if (!ui)
		engine_handle_signals(e, NULL);
	s = server_start(e, listen, cfg, reuseport, err, sizeof(err));
	if (s == NULL) {
		fprintf(stderr, "sockbench serve: %s\n", err);
		engine_free(e);
		return EXIT_RUNTIME;
	}
	if (ui) {
		/* The dashboard owns the terminal and the signals. */
		snprintf(title, sizeof(title), "serve %s (%s)", server_addrs(s),
		    cfg->name);
		rc = ui_run_serve(e, cfg, title);
		server_free(s);
		engine_free(e);
		return rc;
	}
	if (announce) {
		printf("sockbench: serving %s on %s\n", cfg->name,
		    server_addrs(s));
		fflush(stdout);
	}
	if (server_skipped(s)[0] != '\0')
		fprintf(stderr, "sockbench serve: not listening on %s\n",
		    server_skipped(s));
	if (!quiet) {
		server_set_log(s, stderr);
		serve_tls_log_attach(&tl, e);
	}
	engine_run(e);
	if (!quiet)
		fprintf(stderr, "sockbench serve: shutting down (%llu "
		    "connections served, %llu open)\n",
		    (unsigned long long)e->tot.opened,
		    (unsigned long long)e->tot.open);
	server_free(s);
	engine_free(e);
	return rc;
}

/* What a scripted server's verdicts are written against. */
struct serve_verdicts {
	struct engine	*e;
	int		 once;
	uint64_t	 passed, failed;
};

/* One accepted connection ended: print its verdict; --once stops. */
static void
serve_conn_cb(struct runner *r, uint64_t n, int passed, const char *report,
    void *arg)
{
	struct serve_verdicts *v = arg;
	const char *p, *nl;

	(void)r;
	if (passed) {
		v->passed++;
		printf("PASS connection %llu\n", (unsigned long long)n);
	} else {
		v->failed++;
		printf("FAIL connection %llu\n", (unsigned long long)n);
		for (p = report != NULL ? report : "the connection failed";
		    *p != '\0'; p = *nl ? nl + 1 : nl) {
			nl = strchr(p, '\n');
			if (nl == NULL)
				nl = p + strlen(p);
			printf("    %.*s\n", (int)(nl - p), p);
		}
	}
	fflush(stdout);
	if (v->once)
		engine_stop(v->e);
}

/* Serve a scenario's accept block until a signal (or, with once, the
 * first connection's end); the exit status says whether all passed. */
static int
serve_scenario(const char *listen, const struct scenario *sc,
    const struct engine_limits *lim, int quiet, int once)
{
	struct serve_verdicts v;
	struct serve_tls_log tl;
	struct tls_ctx *st = NULL;
	struct run_opts o;
	struct runner *r;
	struct engine *e;
	char err[512];
	uint64_t open;
	int rc;

	if (serve_tls == NULL && (sc->accept->starttls ||
	    serve_tls_opts.given != NULL || serve_tls_opts.o.client_ca !=
	    NULL)) {
		/* A `starttls` step in the accept block: the TLS options are
		 * the server side of the upgrade (--cert/--key or a
		 * self-signed certificate); without one they make every
		 * connection TLS from the start, as --tls does. */
		struct cli_tls t = serve_tls_opts;

		t.on = 1;
		if (cli_tls_server(&t, &st, err, sizeof(err)) < 0) {
			fprintf(stderr, "sockbench serve: %s\n", err);
			return EXIT_USAGE;
		}
		printf("sockbench: %s with %s, SHA-256 fingerprint %s\n",
		    sc->accept->starttls ? "starttls" : "TLS",
		    t.o.cert != NULL ? t.o.cert : "a self-signed certificate "
		    "for localhost, 127.0.0.1 and ::1",
		    tls_ctx_fingerprint(st));
		if (!sc->accept->starttls) {
			serve_tls = st;		/* freed by serve_main */
			st = NULL;
		}
	}

	engine_raise_nofile();
	e = engine_new(lim);
	e->tls_server = serve_tls;
	e->tls_starttls_server = st;
	engine_handle_signals(e, NULL);
	memset(&o, 0, sizeof(o));
	memset(&v, 0, sizeof(v));
	v.e = e;
	v.once = once;
	if ((r = runner_new(e, sc->accept, &o, err, sizeof(err))) == NULL ||
	    runner_listen(r, listen, once ? 1 : sc->accept_max, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "sockbench serve: %s\n", err);
		runner_free(r);
		engine_free(e);
		tls_ctx_free(st);
		return EXIT_RUNTIME;
	}
	runner_on_conn(r, serve_conn_cb, &v);
	printf("sockbench: serving %s (accept at line %u) on %s\n", sc->path,
	    sc->accept_line, runner_listen_addr(r));
	fflush(stdout);
	if (!quiet) {
		runner_set_log(r, stderr);
		serve_tls_log_attach(&tl, e);
	}
	engine_run(e);
	/* Name and count every connection the shutdown cuts mid-script. */
	v.once = 0;
	runner_stop_served(r, "shutdown");
	printf("%llu connection%s, %llu passed, %llu failed\n",
	    (unsigned long long)(v.passed + v.failed),
	    v.passed + v.failed == 1 ? "" : "s",
	    (unsigned long long)v.passed, (unsigned long long)v.failed);
	open = runner_accepted_count(r) - (v.passed + v.failed);
	if (open > 0)
		printf("sockbench serve: %llu connection%s still open at the "
		    "shutdown: %s script did not finish\n",
		    (unsigned long long)open, open == 1 ? "" : "s",
		    open == 1 ? "its" : "their");
	if (once && v.passed + v.failed == 0)
		printf("sockbench serve: no connection ended before the "
		    "shutdown: nothing passed\n");
	fflush(stdout);
	rc = v.failed > 0 || open > 0 || (once && v.passed == 0) ?
	    EXIT_FAILED : EXIT_OK;
	runner_free(r);
	engine_free(e);
	tls_ctx_free(st);
	return rc;
}

/* Copy listen into out; when its port is 0, bind a socket with
 * SO_REUSEPORT to a free port (without listening, so it takes no
 * connections), write that port into out, and return the socket to hold
 * while the workers run. Returns 0 when nothing is held, -1 on error. */
static int
serve_reserve_port(const char *listen, char *out, size_t outlen, char *err,
    size_t errlen)
{
	char host[256];
	struct addrinfo hints, *res;
	int port, fd, gai;

	if (split_hostport(listen, host, sizeof(host), &port, err, errlen) < 0)
		return -1;
	snprintf(out, outlen, "%s", listen);
	if (port != 0)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((gai = getaddrinfo(host[0] ? host : "127.0.0.1", "0", &hints,
	    &res)) != 0) {
		snprintf(err, errlen, "%s: %s", listen, gai_strerror(gai));
		return -1;
	}
	fd = sock_bind(res->ai_addr, res->ai_addrlen, SOCKF_REUSEPORT |
	    SOCKF_BLOCKING);
	if (fd < 0 || (port = sock_local_port(fd)) < 0) {
		snprintf(err, errlen, "reserve a port on %s: %s", listen,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	snprintf(out, outlen, strchr(host, ':') ? "[%s]:%d" : "%s:%d",
	    host[0] ? host : "127.0.0.1", port);
	return fd;
}

/* Say what the workers of a pool listen on: every address of the name,
 * as each worker binds them all. */
static void
serve_announce_workers(const char *listen, const char *name, int n)
{
	char list[400] = "", as[64], err[256];
	struct addr_list l;
	size_t i, len;

	if (addr_resolve(listen, 1, &l, err, sizeof(err)) == 0) {
		for (i = 0; i < l.n; i++) {
			addr_format(&l.a[i].sa, as, sizeof(as));
			len = strlen(list);
			snprintf(list + len, sizeof(list) - len, "%s%s",
			    i > 0 ? ", " : "", as);
		}
		addr_list_free(&l);
	} else
		snprintf(list, sizeof(list), "%s", listen);
	printf("sockbench: serving %s on %s with %d workers\n", name, list, n);
	fflush(stdout);
}

/* Run n worker processes on one port and wait for them. */
static int
serve_workers(const char *listen, struct service_cfg *cfg,
    const struct engine_limits *lim, int quiet, int n)
{
	pid_t *pids = xcalloc((size_t)n, sizeof(*pids));
	struct sigaction sa;
	char addr[300], err[256];
	int i, status, rc = EXIT_OK, hold;

	/* Port 0: reserve one free port for every worker to share. */
	if ((hold = serve_reserve_port(listen, addr, sizeof(addr), err,
	    sizeof(err))) < 0) {
		fprintf(stderr, "sockbench serve: %s\n", err);
		free(pids);
		return EXIT_RUNTIME;
	}
	listen = addr;
	serve_announce_workers(listen, cfg->name, n);
	/* No SA_RESTART: the signal must interrupt waitpid below. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = serve_parent_sig;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(serve_one(listen, cfg, lim, quiet, 1, 0, 0));
		if (pids[i] < 0) {
			perror("sockbench serve: fork");
			rc = EXIT_RUNTIME;
			n = i;
			serve_stop_flag = 1;
			break;
		}
	}
	while (!serve_stop_flag) {
		pid_t p = waitpid(-1, &status, 0);

		if (p > 0 && WIFEXITED(status) && WEXITSTATUS(status) != 0) {
			rc = WEXITSTATUS(status);
			break;
		}
		if (p < 0 && errno == ECHILD)
			break;
	}
	for (i = 0; i < n; i++)
		kill(pids[i], SIGTERM);
	while (waitpid(-1, &status, 0) > 0)
		;
	if (hold > 0)
		close(hold);
	free(pids);
	return rc;
}

/* serve's own options; --listen and the limits are shared (cli.h). */
enum serve_opt_id { SERVE_O_SERVICE = 1, SERVE_O_WORKERS, SERVE_O_QUIET,
	SERVE_O_UI, SERVE_O_SCENARIO, SERVE_O_ONCE, SERVE_O_NO_MOUSE,
	SERVE_O_CLIENT_CA, SERVE_O_CLIENT_CERT };

static const struct cli_opt serve_opt_table[] = {
	CLI_USE_HELP(CLI_O_LISTEN, "address to listen on (default 127.0.0.1:7000;\n"
	    "port 0 picks a free port and prints it). A\n"
	    "name is bound on every address it resolves\n"
	    "to, on one port, and each one is printed;\n"
	    "[::1]:PORT for IPv6; unix:/PATH (a stale\n"
	    "socket file is replaced, the file is made\n"
	    "srw-rw---- and removed at exit) or\n"
	    "unix:@NAME (Linux abstract name)"),
	{ SERVE_O_SERVICE, 's', "service", required_argument, "SPEC",
	    "echo (default), app, or file, with options:\n"
	    "  echo:prefix=TEXT   reply TEXT + data (seed 004)\n"
	    "  echo:suffix=TEXT   reply data + TEXT (seed 004)\n"
	    "  echo:fixed=TEXT    reply TEXT to every read\n"
	    "  app                seed jsonhdr app server\n"
	    "  file:root=DIR      seed download protocol\n"
	    "and codec=NAME to decode with another codec", NULL },
	{ SERVE_O_WORKERS, 'w', "workers", required_argument, "N",
	    "N processes sharing the port (SO_REUSEPORT)", NULL },
	{ SERVE_O_QUIET, 'q', "quiet", no_argument, NULL,
	    "do not log connections", NULL },
	{ SERVE_O_UI, 0, "ui", no_argument, NULL,
	    "watch the server's connections in the dashboard\n"
	    "(needs a terminal)", NULL },
	{ SERVE_O_NO_MOUSE, 0, "no-mouse", no_argument, NULL,
	    "with --ui: leave the mouse to the terminal", NULL },
	{ SERVE_O_SCENARIO, 0, "scenario", required_argument, "FILE",
	    "a mock server: play FILE's `accept ... end`\n"
	    "steps on every accepted connection, print each\n"
	    "one's PASS/FAIL verdict (instead of --service)", NULL },
	{ SERVE_O_ONCE, 0, "once", no_argument, NULL,
	    "with --scenario: accept one connection, exit\n"
	    "with its verdict (0 pass, 1 fail)", NULL },
	CLI_USE(CLI_O_HELP),
	CLI_TLS_SERVER,
	{ SERVE_O_CLIENT_CA, 0, "client-ca", required_argument, "FILE",
	    "ask clients for a certificate and verify it\n"
	    "against these PEM CAs (implies --tls)", NULL },
	{ SERVE_O_CLIENT_CERT, 0, "client-cert", required_argument, "MODE",
	    "with --client-ca: require (default: no\n"
	    "certificate, no handshake) or optional\n"
	    "(verified when sent)", NULL },
	CLI_LIMITS,
	CLI_END
};

/* What serve's options set. */
struct serve_args {
	const char	*listen, *spec;
	int		 quiet, workers, ui;
	const char	*scenario;
	int		 once;
	const char	*client_ca;	/* --client-ca */
	int		 client_cert;	/* --client-cert: 1 optional, 2
					 * require; 0 not given */
};

/* Take one of serve's options (the struct cli_spec set function); the
 * limits go to cli_limit_opt. */
static int
serve_set(void *ctx, const struct cli_opt *o, const char *arg)
{
	struct serve_args *a = ctx;

	switch (o->id) {
	case CLI_O_LISTEN:
		if (cli_check_hostport("serve", "--listen", arg) < 0)
			return -1;
		a->listen = arg;
		return 1;
	case SERVE_O_SERVICE: a->spec = arg; return 1;
	case SERVE_O_QUIET: a->quiet = 1; return 1;
	case SERVE_O_UI: a->ui = 1; return 1;
	case SERVE_O_NO_MOUSE: ui_mouse_set(false); return 1;
	case SERVE_O_SCENARIO: a->scenario = arg; return 1;
	case SERVE_O_CLIENT_CA: a->client_ca = arg; return 1;
	case SERVE_O_CLIENT_CERT:
		if (strcmp(arg, "optional") == 0)
			a->client_cert = 1;
		else if (strcmp(arg, "require") == 0)
			a->client_cert = 2;
		else {
			cli_usage_error("serve", "--client-cert '%s': expected "
			    "optional or require", arg);
			return -1;
		}
		return 1;
	case SERVE_O_ONCE: a->once = 1; return 1;
	case SERVE_O_WORKERS:
		a->workers = atoi(arg);
		if (a->workers < 1 || a->workers > 64) {
			cli_usage_error("serve", "--workers '%s': expected 1-64",
			    arg);
			return -1;
		}
		return 1;
	}
	return 0;
}

const struct cli_spec serve_spec = {
	"serve", serve_opt_table, 27, serve_help_head, serve_help_tail,
	serve_set
};

/* The rest of serve_main, once the options and TLS are set up. */
static int
serve_dispatch(struct serve_args *ap, const char *listen,
    struct engine_limits *limp, int first, int argc, char **argv)
{
	struct serve_args a = *ap;
	struct engine_limits lim = *limp;
	const char *spec;
	struct service_cfg cfg;
	char err[256];
	int quiet, workers, rc, ui;

	if (a.scenario != NULL || a.once) {
		struct scenario *sc;

		if (a.scenario == NULL)
			return cli_usage_error("serve", "--once needs "
			    "--scenario FILE");
		if (a.spec != NULL || a.workers > 1 || a.ui)
			return cli_usage_error("serve", "--scenario is the "
			    "server: it cannot be combined with --service, "
			    "--workers or --ui");
		if (first < argc)
			return cli_usage_error("serve", "unexpected argument "
			    "'%s'", argv[first]);
		if ((sc = scenario_load(a.scenario, err, sizeof(err))) ==
		    NULL) {
			fprintf(stderr, "%s\n", err);
			return EXIT_USAGE;
		}
		if (sc->accept == NULL) {
			fprintf(stderr, "sockbench serve: %s has no accept "
			    "block: write the server's steps between "
			    "'accept' and 'end'\n", a.scenario);
			scenario_free(sc);
			return EXIT_USAGE;
		}
		rc = serve_scenario(listen, sc, &lim, a.quiet, a.once);
		scenario_free(sc);
		return rc;
	}
	spec = a.spec != NULL ? a.spec : "echo";
	quiet = a.quiet;
	workers = a.workers;
	ui = a.ui;
	if (first < argc)
		return cli_usage_error("serve", "unexpected argument '%s'",
		    argv[first]);
	if (service_cfg_parse(&cfg, spec, err, sizeof(err)) < 0)
		return cli_usage_error("serve", "--service: %s", err);
	if (ui && (!isatty(0) || !isatty(1)))
		return cli_usage_error("serve", "--ui needs a terminal (stdin "
		    "and stdout); without one, serve logs to stderr");
	if (ui && workers > 1)
		return cli_usage_error("serve", "--ui watches one process; it "
		    "cannot be combined with --workers");
	if (workers > 1 && sock_is_unix(listen)) {
		service_cfg_free(&cfg);
		return cli_usage_error("serve", "--workers shares a TCP port "
		    "(SO_REUSEPORT); a Unix socket (%s) has one listener", listen);
	}
	if (workers > 1)
		rc = serve_workers(listen, &cfg, &lim, quiet, workers);
	else
		rc = serve_one(listen, &cfg, &lim, quiet, 0, 1, ui);
	service_cfg_free(&cfg);
	return rc;
}

int
serve_main(int argc, char **argv)
{
	struct serve_args a = { "127.0.0.1:7000", NULL, 0, 1, 0, NULL, 0, NULL,
	    0 };
	struct engine_limits lim;
	struct cli_tls tls;
	struct cli_common common = { &lim, NULL, &tls };
	const char *listen;
	char err[256];
	int first, rc;

	engine_limits_default(&lim);
	memset(&tls, 0, sizeof(tls));
	if ((rc = cli_parse(&serve_spec, argc, argv, &a, &common, &first)) >= 0)
		return rc;
	listen = a.listen;
	if (a.client_cert != 0 && a.client_ca == NULL)
		return cli_usage_error("serve", "--client-cert needs "
		    "--client-ca FILE (the CAs client certificates are "
		    "verified against)");
	tls.o.client_ca = a.client_ca;
	tls.o.client_cert = a.client_cert != 0 ? a.client_cert : 2;
	serve_tls_opts = tls;
	/* A scripted server makes its context once its file says whether
	 * it upgrades with `starttls` (serve_scenario). */
	tls.on = tls.on || (a.scenario == NULL && (tls.given != NULL ||
	    a.client_ca != NULL));
	if (cli_tls_server(&tls, &serve_tls, err, sizeof(err)) < 0) {
		fprintf(stderr, "sockbench serve: %s\n", err);
		return EXIT_USAGE;
	}
	if (serve_tls != NULL) {
		/* The fingerprint lets a client pin what it sees (openssl
		 * s_client shows the same SHA-256). */
		printf("sockbench: TLS with %s, SHA-256 fingerprint %s\n",
		    tls.o.cert != NULL ? tls.o.cert : "a self-signed "
		    "certificate for localhost, 127.0.0.1 and ::1",
		    tls_ctx_fingerprint(serve_tls));
		fflush(stdout);
	}
	rc = serve_dispatch(&a, listen, &lim, first, argc, argv);
	tls_ctx_free(serve_tls);
	serve_tls = NULL;
	return rc;
}
