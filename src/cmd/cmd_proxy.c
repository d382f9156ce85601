/* `sockbench proxy`: relay a real client to a real server, decode both
 * directions, inject faults, record the conversation (docs/proxy.md). */
#include <getopt.h>
#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "codec.h"
#include "engine.h"
#include "proxy.h"
#include "record.h"
#include "tls_cli.h"
#include "ui.h"
#include "util.h"

#define PROXY_FAULTS_MAX	PROXY_FAULTS_LIVE_MAX	/* --fault options */

static const char proxy_help_head[] =
"Usage: sockbench proxy --connect HOST:PORT [--listen HOST:PORT] [OPTIONS]\n"
"\n"
"Sit between a real client and a real server: every client accepted on\n"
"--listen gets its own connection to --connect; bytes pass unchanged both\n"
"ways unless a --fault says otherwise; FIN and RST are passed on; a side\n"
"that does not read stops reading on the other (memory stays under\n"
"--max-buffer). With --log, one line per decoded message per direction;\n"
"with --record, each connection as a client and a server scenario.\n"
"Neither waits on the loop: log lines queue up to 1 MiB (then dropped and\n"
"counted), a recording keeps 16 MiB / 100000 messages per connection and\n"
"is written in steps.\n"
"\n";

static const char proxy_help_tail[] =
"\n"
"Faults (per direction: upstream = client to server, downstream = server\n"
"to client; toxiproxy's names; ',toxicity=P' applies one to a share P of\n"
"the connections, ',conn=N' to connection #N only):\n"
"  latency=DUR[,jitter=DUR]        each chunk DUR later (+- jitter)\n"
"  bandwidth=SIZE                  SIZE bytes per second\n"
"  slicer=SIZE[,variation=SIZE][,delay=DUR]  writes cut into pieces\n"
"  merger[=SIZE][,wait=DUR]        writes held and sent as one\n"
"  limit_data=SIZE                 close both sides after SIZE bytes\n"
"  timeout=DUR                     no more data; close after DUR (0: never)\n"
"  reset_peer[=DUR][,bytes=SIZE]   RST after DUR or after SIZE bytes\n"
"  blackhole                       drop data (and the FIN), keep the conn\n"
"  half_close[=SIZE]               FIN after SIZE bytes, drop the rest\n"
"  corrupt=OFFSET[,xor=BYTE]       flip the byte at stream offset OFFSET\n"
"\n"
"Control socket commands (one a line): add SPEC, remove ID, list, stats,\n"
"help; each reply ends with a line 'ok ...' or 'error ...'. At most 64\n"
"faults are in effect (--fault and add together).\n"
"\n"
"Examples:\n"
"  sockbench proxy -l 127.0.0.1:7001 -C 127.0.0.1:6379 --log -\n"
"  sockbench proxy -C 127.0.0.1:7000 --fault downstream:latency=50ms,jitter=10ms\n"
"  sockbench proxy -C 127.0.0.1:7000 --fault upstream:slicer=1,delay=5ms \\\n"
"      --control unix:/tmp/sb-proxy.sock\n"
"  sockbench proxy -C 127.0.0.1:6379 --record rec/ --record-rules ids.txt\n"
"  sockbench proxy --ui -C 127.0.0.1:7000\n"
"\n"
"On SIGINT or SIGTERM: stops, prints connections, bytes each way, resets\n"
"and how often each fault fired. Exit status: 0 after a clean shutdown,\n"
"2 on bad options, 3 if it cannot listen or resolve --connect.\n"
"See docs/proxy.md.\n";

enum { PROXY_O_CODEC = 1, PROXY_O_FAULT, PROXY_O_CONTROL, PROXY_O_LOG,
	PROXY_O_LOG_FORMAT, PROXY_O_RECORD, PROXY_O_RULES, PROXY_O_SEED,
	PROXY_O_QUIET, PROXY_O_UI, PROXY_O_LISTEN_TLS, PROXY_O_LISTEN_CERT,
	PROXY_O_LISTEN_KEY };

static const struct cli_opt proxy_opt_table[] = {
	CLI_USE_AS(CLI_O_CONNECT, "ADDR", "the real server: HOST:PORT or\n"
	    "unix:/PATH or unix:@NAME (required)"),
	CLI_USE_AS(CLI_O_LISTEN, "ADDR", "where clients connect (default\n"
	    "127.0.0.1:7001; port 0 picks one and prints it;\n"
	    "unix:/PATH, unix:@NAME)"),
	{ PROXY_O_CODEC, 0, "codec", required_argument, "NAME",
	    "decode with NAME (default: detected from the\n"
	    "first reply with probe's matchers)", NULL },
	{ PROXY_O_FAULT, 'f', "fault", required_argument, "SPEC",
	    "DIR:NAME[=VALUE][,KEY=VALUE]... (repeatable;\n"
	    "applied in order, see Faults below)", NULL },
	{ PROXY_O_CONTROL, 0, "control", required_argument, "ADDR",
	    "accept control commands on ADDR (unix:/PATH,\n"
	    "unix:@NAME or HOST:PORT; no authentication:\n"
	    "keep it on loopback or a private socket)", NULL },
	{ PROXY_O_LOG, 0, "log", required_argument, "FILE",
	    "one line per decoded message (- for stdout)", NULL },
	{ PROXY_O_LOG_FORMAT, 0, "log-format", required_argument, "FMT",
	    "text (default) or json (JSON lines)", NULL },
	{ PROXY_O_RECORD, 0, "record", required_argument, "DIR",
	    "write conn-N-client.txt and conn-N-server.txt\n"
	    "scenarios per connection into DIR (it must\n"
	    "exist and be writable)", NULL },
	{ PROXY_O_RULES, 0, "record-rules", required_argument, "FILE",
	    "lines NAME REGEX: values that change per run\n"
	    "become captures in recordings", NULL },
	{ PROXY_O_SEED, 0, "seed", required_argument, "N",
	    "seed of the toxicity and jitter draws", NULL },
	{ PROXY_O_QUIET, 'q', "quiet", no_argument, NULL,
	    "no connection lines on stderr", NULL },
	{ PROXY_O_UI, 0, "ui", no_argument, NULL,
	    "watch the pairs in the dashboard: linked rows\n"
	    "c#N and s#N, messages decoded both ways; F, A\n"
	    "and L set faults (needs a terminal)", NULL },
	CLI_USE(CLI_O_HELP),
	CLI_SECTION("TLS from the clients (docs/tls.md):"),
	{ PROXY_O_LISTEN_TLS, 0, "listen-tls", no_argument, NULL,
	    "accept TLS only (with --listen-cert/-key, or a\n"
	    "self-signed certificate, its SHA-256 printed)", NULL },
	{ PROXY_O_LISTEN_CERT, 0, "listen-cert", required_argument, "FILE",
	    "certificate chain for --listen-tls (PEM)", NULL },
	{ PROXY_O_LISTEN_KEY, 0, "listen-key", required_argument, "FILE",
	    "its private key (PEM; never logged)", NULL },
	CLI_SECTION("TLS to the server (docs/tls.md):"),
	CLI_USE_HELP(CLI_O_TLS, "speak TLS to --connect (verifying it against\n"
	    "the system store unless --ca-file / --insecure)"),
	CLI_USE(CLI_O_SNI), CLI_USE(CLI_O_ALPN), CLI_USE(CLI_O_CA_FILE),
	CLI_USE(CLI_O_INSECURE),
	CLI_USE_HELP(CLI_O_CERT, "client certificate (PEM)"),
	CLI_USE_HELP(CLI_O_KEY, "its private key (PEM; never logged)"),
	CLI_USE(CLI_O_TLS_MIN), CLI_USE(CLI_O_TLS_MAX),
	CLI_SECTION("Limits (memory and time stay bounded whatever the "
	    "peers do):"),
	CLI_USE_HELP(CLI_O_MAX_FRAME, "largest message the log decodes "
	    "(default 1M)"),
	CLI_USE_HELP(CLI_O_MAX_BUFFER, "bytes one direction may hold (in its "
	    "faults\nand unsent) before the proxy stops reading\nits source "
	    "(default 4M)"),
	CLI_USE_HELP(CLI_O_CONNECT_TIMEOUT, "give up an upstream connect after "
	    "DUR\n(default 10s); the client is closed"),
	CLI_USE_HELP(CLI_O_IDLE_TIMEOUT, "close clients idle for DUR (default: "
	    "never)"),
	CLI_USE_HELP(CLI_O_MAX_CONNS, "accept at most N clients at once"),
	CLI_END
};

/* What proxy's options set. */
struct proxy_args {
	struct proxy_opts	 o;
	struct fault_spec	 faults[PROXY_FAULTS_MAX];
	const char		*rules_path;
	const char		*log_format;
	int			 ui;
	struct cli_tls		 tls;		/* to the server */
	int			 listen_tls;
	const char		*listen_cert, *listen_key;
};

/* Take one of proxy's options (the struct cli_spec set function). */
static int
proxy_set(void *ctx, const struct cli_opt *opt, const char *arg)
{
	struct proxy_args *a = ctx;
	char err[256];

	switch (opt->id) {
	case CLI_O_CONNECT:
		if (cli_check_hostport("proxy", "--connect", arg) < 0)
			return -1;
		a->o.connect = arg;
		return 1;
	case CLI_O_LISTEN:
		if (cli_check_hostport("proxy", "--listen", arg) < 0)
			return -1;
		a->o.listen = arg;
		return 1;
	case PROXY_O_CODEC:
		if ((a->o.codec = codec_open(arg, err, sizeof(err))) == NULL) {
			cli_usage_error("proxy", "--codec: %s", err);
			return -1;
		}
		return 1;
	case PROXY_O_FAULT:
		if (a->o.nfaults == PROXY_FAULTS_MAX) {
			cli_usage_error("proxy", "more than %d --fault options",
			    PROXY_FAULTS_MAX);
			return -1;
		}
		if (fault_parse(arg, &a->faults[a->o.nfaults], err,
		    sizeof(err)) < 0) {
			cli_usage_error("proxy", "--fault '%s': %s", arg, err);
			return -1;
		}
		a->o.nfaults++;
		return 1;
	case PROXY_O_CONTROL: a->o.control = arg; return 1;
	case PROXY_O_LOG: a->o.log_path = arg; return 1;
	case PROXY_O_LOG_FORMAT:
		if (strcmp(arg, "text") != 0 && strcmp(arg, "json") != 0) {
			cli_usage_error("proxy", "--log-format '%s': expected "
			    "text or json", arg);
			return -1;
		}
		a->o.log_json = strcmp(arg, "json") == 0;
		a->log_format = arg;
		return 1;
	case PROXY_O_RECORD: a->o.record_dir = arg; return 1;
	case PROXY_O_RULES: a->rules_path = arg; return 1;
	case PROXY_O_SEED: {
		char *end;

		a->o.seed = strtoull(arg, &end, 10);
		if (*arg == '\0' || *end != '\0') {
			cli_usage_error("proxy", "--seed '%s': expected a "
			    "number", arg);
			return -1;
		}
		return 1;
	}
	case PROXY_O_QUIET: a->o.quiet = 1; return 1;
	case PROXY_O_UI: a->ui = 1; return 1;
	case PROXY_O_LISTEN_TLS: a->listen_tls = 1; return 1;
	case PROXY_O_LISTEN_CERT: a->listen_cert = arg; return 1;
	case PROXY_O_LISTEN_KEY: a->listen_key = arg; return 1;
	}
	return 0;
}

const struct cli_spec proxy_spec = {
	"proxy", proxy_opt_table, 29, proxy_help_head, proxy_help_tail,
	proxy_set
};

static struct proxy *proxy_running;

/* SIGINT/SIGTERM: close every pair (recordings are written), then the
 * loop ends. */
static void
proxy_signal_cb(struct engine *e, int sig)
{
	(void)sig;
	if (proxy_running != NULL)
		proxy_stop(proxy_running);
	engine_stop(e);
}

/* The checks of proxy's options that cli_parse cannot make alone, and
 * --record-rules loaded into *rules: 0, or -1 after a usage error. */
static int
proxy_check_args(struct proxy_args *a, int argc, char **argv, int first,
    struct record_rules **rules)
{
	char err[512];

	if (first < argc) {
		cli_usage_error("proxy", "unexpected argument '%s'", argv[first]);
		return -1;
	}
	if (a->o.connect == NULL) {
		cli_usage_error("proxy", "--connect HOST:PORT is required (the "
		    "real server)");
		return -1;
	}
	if (a->o.record_dir != NULL) {
		struct stat st;
		const char *why = NULL;

		/* Checked now, not when the first connection ends. */
		if (stat(a->o.record_dir, &st) < 0)
			why = strerror(errno);
		else if (!S_ISDIR(st.st_mode))
			why = "not a directory";
		else if (access(a->o.record_dir, W_OK | X_OK) < 0)
			why = strerror(errno);
		if (why != NULL) {
			cli_usage_error("proxy", "--record %s: %s (it must be "
			    "a directory this user can write)",
			    a->o.record_dir, why);
			return -1;
		}
	}
	if (a->rules_path != NULL && a->o.record_dir == NULL) {
		cli_usage_error("proxy", "--record-rules needs --record DIR");
		return -1;
	}
	if (a->rules_path != NULL && record_rules_load(a->rules_path, rules,
	    err, sizeof(err)) < 0) {
		cli_usage_error("proxy", "--record-rules: %s", err);
		return -1;
	}
	if (a->ui && (!isatty(0) || !isatty(1))) {
		cli_usage_error("proxy", "--ui needs a terminal (stdin and "
		    "stdout)");
		return -1;
	}
	if (a->ui && a->o.log_path != NULL && strcmp(a->o.log_path, "-") == 0) {
		cli_usage_error("proxy", "--ui owns the terminal: --log needs a "
		    "file, not -");
		return -1;
	}
	return 0;
}

int
proxy_main(int argc, char **argv)
{
	struct proxy_args *a = xcalloc(1, sizeof(*a));
	struct record_rules *rules = NULL;
	struct engine_limits lim;
	struct cli_common common = { &lim, NULL, NULL };
	struct tls_ctx *tls_listen = NULL, *tls_connect = NULL;
	struct engine *e;
	struct proxy *px;
	char err[512];
	int first, rc;

	engine_limits_default(&lim);
	a->o.listen = "127.0.0.1:7001";
	common.tls = &a->tls;
	if ((rc = cli_parse(&proxy_spec, argc, argv, a, &common, &first)) >= 0)
		goto out;
	rc = EXIT_USAGE;
	if (proxy_check_args(a, argc, argv, first, &rules) < 0)
		goto out;
	if (a->ui)	/* no lines under the dashboard; decode for its pane */
		a->o.quiet = a->o.ui = 1;
	if ((a->listen_cert != NULL || a->listen_key != NULL) && !a->listen_tls) {
		cli_usage_error("proxy", "--listen-cert and --listen-key need "
		    "--listen-tls");
		goto out;
	}
	if (a->listen_tls) {
		struct cli_tls srv = { .on = 1 };

		srv.o.cert = a->listen_cert;
		srv.o.key = a->listen_key;
		if (cli_tls_server(&srv, &tls_listen, err, sizeof(err)) < 0) {
			cli_usage_error("proxy", "--listen-tls: %s", err);
			goto out;
		}
	}
	if ((a->tls.on || a->tls.given != NULL) && cli_tls_client(&a->tls,
	    a->o.connect, NULL, &tls_connect, err, sizeof(err)) < 0) {
		cli_usage_error("proxy", "--tls: %s", err);
		goto out;
	}
	a->o.tls_listen = tls_listen;
	a->o.tls_connect = tls_connect;
	a->o.rules = rules;
	a->o.faults = a->faults;
	engine_raise_nofile();
	e = engine_new(&lim);
	if (!a->ui)
		engine_handle_signals(e, proxy_signal_cb);
	if ((px = proxy_new(e, &a->o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sockbench proxy: %s\n", err);
		engine_free(e);
		rc = EXIT_RUNTIME;
		goto out;
	}
	proxy_running = px;
	if (a->ui) {
		char title[600];

		/* The dashboard owns the terminal and the signals; the
		 * summary comes once it has given the terminal back. */
		snprintf(title, sizeof(title), "proxy %s -> %s",
		    proxy_listen_addr(px), a->o.connect);
		if (ui_run_proxy(e, px, title) != EXIT_OK)
			rc = EXIT_RUNTIME;
	} else {
		if (tls_listen != NULL)
			printf("sockbench proxy: TLS from the clients with %s, "
			    "SHA-256 fingerprint %s\n", a->listen_cert != NULL ?
			    a->listen_cert : "a self-signed certificate for "
			    "localhost, 127.0.0.1 and ::1",
			    tls_ctx_fingerprint(tls_listen));
		printf("sockbench proxy: listening on %s, forwarding to %s%s\n",
		    proxy_listen_addr(px), a->o.connect, tls_connect != NULL ?
		    " (TLS)" : "");
		fflush(stdout);
		engine_run(e);
	}
	proxy_stop(px);
	engine_reap(e);
	/* Half the signal grace for the recordings still being written. */
	proxy_finish(px, PROXY_FINISH_SECONDS);
	proxy_summary(px, stdout);
	fflush(stdout);
	proxy_running = NULL;
	proxy_free(px);
	engine_free(e);
	if (rc != EXIT_RUNTIME)
		rc = EXIT_OK;
out:
	tls_ctx_free(tls_listen);
	tls_ctx_free(tls_connect);
	record_rules_free(rules);
	free(a);
	return rc;
}
