/* Options as data (struct cli_opt tables), the options shared by
 * subcommands, and usage errors. */
#include <getopt.h>
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "tls_cli.h"
#include "probe.h"
#include "runner.h"
#include "scenario.h"
#include "ui.h"
#include "util.h"

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sockbench %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'sockbench %s --help'.\n", cmd);
	return EXIT_USAGE;
}

int
cli_limit_opt(struct engine_limits *lim, const char *opt, const char *val)
{
	uint64_t v;
	double d;

	if (strcmp(opt, "max-frame") == 0 || strcmp(opt, "max-buffer") == 0) {
		if (parse_size(val, &v) < 0 || v == 0 || v > (1ULL << 32)) {
			fprintf(stderr, "sockbench: --%s '%s': expected a size "
			    "such as 64k, 1M (at most 4G)\n", opt, val);
			return -1;
		}
		if (opt[4] == 'f')
			lim->max_frame = (size_t)v;
		else
			lim->max_buffer = (size_t)v;
		return 1;
	}
	if (strcmp(opt, "connect-timeout") == 0 ||
	    strcmp(opt, "idle-timeout") == 0) {
		if ((d = parse_duration(val)) < 0) {
			fprintf(stderr, "sockbench: --%s '%s': expected a "
			    "duration such as 500ms, 2s, 1m\n", opt, val);
			return -1;
		}
		if (opt[0] == 'c')
			lim->connect_timeout = d;
		else
			lim->idle_timeout = d;
		return 1;
	}
	if (strcmp(opt, "max-conns") == 0) {
		char *end;

		v = strtoull(val, &end, 10);
		if (*end != '\0' || end == val) {
			fprintf(stderr, "sockbench: --max-conns '%s': expected "
			    "a number\n", val);
			return -1;
		}
		lim->max_conns = v;
		return 1;
	}
	return 0;
}

int
cli_check_nofile(const char *cmd, uint64_t n, uint64_t per_conn)
{
	uint64_t lim = engine_raise_nofile(), need = n * per_conn + 32;

	if (need <= lim)
		return 0;
	fprintf(stderr, "sockbench %s: %llu connections need about %llu file "
	    "descriptors in this process, but the limit is %llu (ulimit -n).\n"
	    "Use fewer connections, or run client and server as two processes "
	    "(sockbench serve + --connect)%s.\n",
	    cmd, (unsigned long long)n, (unsigned long long)need,
	    (unsigned long long)lim, strcmp(cmd, "bench") == 0 ?
	    ", or split the load with --workers" : "");
	return -1;
}

int
cli_bad_option(const char *cmd)
{
	/* getopt_long has already named the option. */
	fprintf(stderr, "Try 'sockbench %s --help'.\n", cmd);
	return EXIT_USAGE;
}

int
cli_check_hostport(const char *cmd, const char *opt, const char *val)
{
	char host[256], err[256];
	int port;

	if (split_hostport(val, host, sizeof(host), &port, err,
	    sizeof(err)) == 0)
		return 0;
	cli_usage_error(cmd, "%s %s", opt, err);
	return -1;
}

#define CLI_SOURCE_OPT	999	/* --source, which has no short letter */

/* Parse one of the flags that say how a scenario runs (-C -l -c -r -t,
 * or CLI_SOURCE_OPT for --source) into o: 1, or -1 on a bad value. */
static int
cli_run_opt(const char *cmd, struct run_opts *o, int ch, const char *arg)
{
	char *end;

	switch (ch) {
	case 'C':
		if (cli_check_hostport(cmd, "--connect", arg) < 0)
			return -1;
		o->connect = arg;
		return 1;
	case 'l':
		if (cli_check_hostport(cmd, "--listen", arg) < 0)
			return -1;
		o->listen = arg;
		return 1;
	case CLI_SOURCE_OPT:
		o->sources = arg;
		return 1;
	case 'c':
		o->conns = strtoull(arg, &end, 10);
		if (*arg == '\0' || *end != '\0' || o->conns == 0 ||
		    o->conns > SCENARIO_MAX_CONNS) {
			cli_usage_error(cmd, "--conns '%s': expected 1-%d", arg,
			    SCENARIO_MAX_CONNS);
			return -1;
		}
		return 1;
	case 'r':
		o->rate = strtod(arg, &end);
		if (*arg == '\0' || *end != '\0' || !(o->rate > 0)) {
			cli_usage_error(cmd, "--rate '%s': expected a number "
			    "above 0", arg);
			return -1;
		}
		return 1;
	case 't':
		if ((o->timeout = parse_duration(arg)) <= 0) {
			cli_usage_error(cmd, "--timeout '%s': expected a "
			    "duration such as 2s or 500ms", arg);
			return -1;
		}
		return 1;
	}
	return 0;
}

const struct cli_opt cli_common_opts[] = {
	{ CLI_O_CONNECT, 'C', "connect", required_argument, "HOST:PORT",
	    "run against this server instead: HOST:PORT,\n"
	    "[IPv6]:PORT, unix:/PATH or unix:@NAME", NULL },
	{ CLI_O_LISTEN, 'l', "listen", required_argument, "HOST:PORT",
	    "address of the embedded server (default\n"
	    "127.0.0.1:0, a free port), or unix:/PATH", NULL },
	{ CLI_O_CONNS, 'c', "conns", required_argument, "N",
	    "override the scenario's `connections`", "connections" },
	{ CLI_O_RATE, 'r', "rate", required_argument, "N",
	    "override the scenario's `rate` (per second)", NULL },
	{ CLI_O_TIMEOUT, 't', "timeout", required_argument, "DUR",
	    "wait DUR at every expect, whatever the scenario says", NULL },
	{ CLI_O_SOURCE, 0, "source", required_argument, "LIST",
	    "local source addresses, comma-separated", NULL },
	{ CLI_O_MAX_FRAME, 0, "max-frame", required_argument, "SIZE",
	    "largest message a codec accepts (default 1M)", NULL },
	{ CLI_O_MAX_BUFFER, 0, "max-buffer", required_argument, "SIZE",
	    "output queued per connection before we stop\n"
	    "reading that peer (default 4M)", NULL },
	{ CLI_O_CONNECT_TIMEOUT, 0, "connect-timeout", required_argument, "DUR",
	    "give up a connect after DUR (default 10s); a\n"
	    "--connect HOST with several addresses (such\n"
	    "as localhost: ::1, 127.0.0.1) gets DUR for\n"
	    "each, tried in order until one connects", NULL },
	{ CLI_O_IDLE_TIMEOUT, 0, "idle-timeout", required_argument, "DUR",
	    "close server connections idle for DUR (default:\n"
	    "never)", NULL },
	{ CLI_O_MAX_CONNS, 0, "max-conns", required_argument, "N",
	    "accept at most N connections at once; more are\n"
	    "closed at once (default: the fd limit)", NULL },
	{ CLI_O_HELP, 'h', "help", no_argument, NULL, "this text", NULL },
	{ CLI_O_TLS, 0, "tls", no_argument, NULL,
	    "speak TLS (verifying the server against the\n"
	    "system store unless --ca-file / --insecure)", NULL },
	{ CLI_O_SNI, 0, "sni", required_argument, "NAME",
	    "server name sent and verified (default: the\n"
	    "--connect host)", NULL },
	{ CLI_O_ALPN, 0, "alpn", required_argument, "LIST",
	    "ALPN protocols offered, e.g. h2,http/1.1", NULL },
	{ CLI_O_CA_FILE, 0, "ca-file", required_argument, "FILE",
	    "trust the PEM certificates in FILE instead\n"
	    "of the system store", NULL },
	{ CLI_O_INSECURE, 0, "insecure", no_argument, NULL,
	    "do not verify the server (every report says\n"
	    "so)", NULL },
	{ CLI_O_CERT, 0, "cert", required_argument, "FILE",
	    "certificate chain (PEM)", NULL },
	{ CLI_O_KEY, 0, "key", required_argument, "FILE",
	    "private key (PEM; never logged)", NULL },
	{ CLI_O_TLS_MIN, 0, "tls-min", required_argument, "VER",
	    "lowest TLS version: 1.2 or 1.3", NULL },
	{ CLI_O_TLS_MAX, 0, "tls-max", required_argument, "VER",
	    "highest TLS version: 1.2 or 1.3", NULL },
	CLI_END
};

const struct cli_opt *
cli_opt_resolve(const struct cli_opt *o, struct cli_opt *tmp)
{
	const struct cli_opt *c;

	if (o->name != NULL || o->id < CLI_O_COMMON)
		return o;
	for (c = cli_common_opts; c->name != NULL; c++)
		if (c->id == o->id)
			break;
	if (c->name == NULL)
		return NULL;
	if (o->help == NULL && o->metavar == NULL)
		return c;
	*tmp = *c;
	if (o->help != NULL)
		tmp->help = o->help;
	if (o->metavar != NULL)
		tmp->metavar = o->metavar;
	return tmp;
}

/* Whether a row is an option, not a heading or the end. */
static int
cli_is_opt(const struct cli_opt *o)
{
	return o->id != 0;
}

/* Whether the section starting after row i has an option with a short
 * letter (else its options do not reserve the "-x, " column). */
static int
cli_section_has_short(const struct cli_opt *opts, size_t i)
{
	struct cli_opt tmp;
	const struct cli_opt *r;

	for (; cli_is_opt(&opts[i]); i++)
		if ((r = cli_opt_resolve(&opts[i], &tmp)) != NULL && r->shrt)
			return 1;
	return 0;
}

/* Print one option's help lines: the flags, then the text at col. */
static void
cli_help_opt(FILE *f, const struct cli_opt *o, int col, int shorts)
{
	char flags[128];
	const char *h = o->help, *nl;
	int len;

	if (o->shrt)
		len = snprintf(flags, sizeof(flags), "  -%c, --%s", o->shrt,
		    o->name);
	else
		len = snprintf(flags, sizeof(flags), "  %s--%s",
		    shorts ? "    " : "", o->name);
	if (o->metavar != NULL && len < (int)sizeof(flags))
		len += snprintf(flags + len, sizeof(flags) - (size_t)len, " %s",
		    o->metavar);
	fprintf(f, "%s%*s", flags, len <= col - 2 ? col - len : 2, "");
	while ((nl = strchr(h, '\n')) != NULL) {
		fprintf(f, "%.*s\n%*s", (int)(nl - h), h, col, "");
		h = nl + 1;
	}
	fprintf(f, "%s\n", h);
}

/* Print the option list of a table. */
static void
cli_help_opts(FILE *f, const struct cli_opt *opts, int col)
{
	struct cli_opt tmp;
	const struct cli_opt *r;
	size_t i;
	int shorts = cli_section_has_short(opts, 0);

	for (i = 0; cli_is_opt(&opts[i]) || opts[i].help != NULL; i++) {
		if (!cli_is_opt(&opts[i])) {
			fprintf(f, "%s%s\n", i > 0 ? "\n" : "", opts[i].help);
			shorts = cli_section_has_short(opts, i + 1);
			continue;
		}
		if ((r = cli_opt_resolve(&opts[i], &tmp)) != NULL)
			cli_help_opt(f, r, col, shorts);
	}
}

void
cli_help(FILE *f, const struct cli_spec *spec)
{
	fputs(spec->help_head, f);
	cli_help_opts(f, spec->opts, spec->helpcol);
	fputs(spec->help_tail, f);
}

const char *
cli_limit_help_text(void)
{
	static const struct cli_opt limits[] = { CLI_LIMITS, CLI_END };
	static char text[2048];
	FILE *f;

	if (text[0] != '\0')
		return text;
	if ((f = fmemopen(text, sizeof(text) - 1, "w")) == NULL)
		return "";
	cli_help_opts(f, limits, 27);
	fclose(f);
	return text;
}

/* Take one shared option the command left to the shared parser. */
static int
cli_common_set(const char *cmd, const struct cli_common *c,
    const struct cli_opt *o, const char *arg)
{
	static const char shorts[] = { 'C', 'l', 'c', 'r', 't' };

	if (o->id >= CLI_O_MAX_FRAME && o->id <= CLI_O_MAX_CONNS &&
	    c != NULL && c->lim != NULL)
		return cli_limit_opt(c->lim, o->name, arg);
	if (o->id >= CLI_O_CONNECT && o->id <= CLI_O_TIMEOUT && c != NULL &&
	    c->run != NULL)
		return cli_run_opt(cmd, c->run, shorts[o->id - CLI_O_CONNECT],
		    arg);
	if (o->id == CLI_O_SOURCE && c != NULL && c->run != NULL)
		return cli_run_opt(cmd, c->run, CLI_SOURCE_OPT, arg);
	if (o->id >= CLI_O_TLS && o->id <= CLI_O_TLS_MAX && c != NULL &&
	    c->tls != NULL)
		return cli_tls_opt(c->tls, o->id, arg);
	return 0;
}

/* The resolved rows of a table (options only), in table order. */
static size_t
cli_rows(const struct cli_opt *opts, struct cli_opt *rows, size_t max)
{
	struct cli_opt tmp;
	const struct cli_opt *r;
	size_t i, n = 0;

	for (i = 0; cli_is_opt(&opts[i]) || opts[i].help != NULL; i++)
		if (cli_is_opt(&opts[i]) && n < max &&
		    (r = cli_opt_resolve(&opts[i], &tmp)) != NULL)
			rows[n++] = *r;
	return n;
}

#define CLI_MAX_ROWS	64
#define CLI_ROW_VAL	256	/* getopt value of row i: CLI_ROW_VAL + i */

int
cli_parse(const struct cli_spec *spec, int argc, char **argv, void *ctx,
    const struct cli_common *common, int *first)
{
	struct cli_opt rows[CLI_MAX_ROWS];
	struct option lopts[2 * CLI_MAX_ROWS + 1];
	char shorts[3 * CLI_MAX_ROWS + 1];
	size_t n = cli_rows(spec->opts, rows, CLI_MAX_ROWS), i, nl = 0, ns = 0;
	int ch, rc;

	for (i = 0; i < n; i++) {
		lopts[nl++] = (struct option){ rows[i].name, rows[i].has_arg,
		    NULL, CLI_ROW_VAL + (int)i };
		if (rows[i].alias != NULL)
			lopts[nl++] = (struct option){ rows[i].alias,
			    rows[i].has_arg, NULL, CLI_ROW_VAL + (int)i };
		if (rows[i].shrt) {
			shorts[ns++] = rows[i].shrt;
			if (rows[i].has_arg == required_argument)
				shorts[ns++] = ':';
		}
	}
	lopts[nl] = (struct option){ NULL, 0, NULL, 0 };
	shorts[ns] = '\0';
	optind = 1;
	while ((ch = getopt_long(argc, argv, shorts, lopts, NULL)) != -1) {
		if (ch == '?')	/* getopt_long has named the option */
			return cli_bad_option(spec->cmd);
		if (ch >= CLI_ROW_VAL)
			i = (size_t)(ch - CLI_ROW_VAL);
		else
			for (i = 0; i < n && rows[i].shrt != ch; i++)
				;
		assert(i < n);
		if (rows[i].id == CLI_O_HELP) {
			cli_help(stdout, spec);
			return EXIT_OK;
		}
		rc = spec->set(ctx, &rows[i], optarg);
		if (rc == 0)
			rc = cli_common_set(spec->cmd, common, &rows[i], optarg);
		assert(rc != 0);	/* a row no one takes: a table bug */
		if (rc < 0)
			return EXIT_USAGE;
	}
	*first = optind;
	return -1;
}

const struct cli_cmd cli_cmds[] = {
	{ "ui", ui_main, "live dashboard: a scenario's connections and messages "
	    "(the default)", &ui_spec },
	{ "run", run_main, "replay scenario files headless (for CI)",
	    &run_spec },
	{ "check", check_main, "validate scenario files without running them",
	    &check_spec },
	{ "serve", serve_main, "run the embedded server in the foreground",
	    &serve_spec },
	{ "bench", bench_main, "load a server and report throughput and "
	    "latency", &bench_spec },
	{ "probe", probe_main, "find out what protocol a TCP server speaks",
	    &probe_spec },
	{ "completion", completion_main, "print a shell completion script "
	    "(bash, zsh, fish)", &completion_spec },
	{ "merge", merge_main, "add up the JSON reports of shards into one",
	    &merge_spec },
	{ "proxy", proxy_main, "relay a client to a server: decode, break, "
	    "record", &proxy_spec },
	{ NULL, NULL, NULL, NULL }
};

/* Whether two rows clash: a long name (or alias) or short letter in common. */
static int
cli_rows_clash(const struct cli_opt *a, const struct cli_opt *b)
{
	const char *an[2] = { a->name, a->alias }, *bn[2] = { b->name, b->alias };
	int i, j;

	if (a->shrt != 0 && a->shrt == b->shrt)
		return 1;
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++)
			if (an[i] != NULL && bn[j] != NULL &&
			    strcmp(an[i], bn[j]) == 0)
				return 1;
	return 0;
}

int
cli_spec_check(const struct cli_spec *spec, char *err, size_t errlen)
{
	struct cli_opt rows[CLI_MAX_ROWS], tmp;
	const struct cli_opt *o;
	size_t i, j, n = 0;

	for (o = spec->opts; cli_is_opt(o) || o->help != NULL; o++) {
		if (!cli_is_opt(o))
			continue;
		if (o->name != NULL && (o->id < 1 || o->id >= CLI_O_COMMON)) {
			snprintf(err, errlen, "%s: --%s: its id %d is not in "
			    "1..%d", spec->cmd, o->name, o->id, CLI_O_COMMON - 1);
			return -1;
		}
		if (cli_opt_resolve(o, &tmp) == NULL) {
			snprintf(err, errlen, "%s: no shared option has id %d",
			    spec->cmd, o->id);
			return -1;
		}
		if (n == CLI_MAX_ROWS) {
			snprintf(err, errlen, "%s: more than %d options",
			    spec->cmd, CLI_MAX_ROWS);
			return -1;
		}
		rows[n++] = *cli_opt_resolve(o, &tmp);
	}
	for (i = 0; i < n; i++) {
		if (rows[i].help == NULL || rows[i].help[0] == '\0') {
			snprintf(err, errlen, "%s: --%s has no help text",
			    spec->cmd, rows[i].name);
			return -1;
		}
		if ((rows[i].has_arg == required_argument) !=
		    (rows[i].metavar != NULL)) {
			snprintf(err, errlen, "%s: --%s: a value needs a "
			    "metavariable, and only a value", spec->cmd,
			    rows[i].name);
			return -1;
		}
		for (j = i + 1; j < n; j++)
			if (rows[i].id == rows[j].id ||
			    cli_rows_clash(&rows[i], &rows[j])) {
				snprintf(err, errlen, "%s: --%s and --%s share "
				    "an id, a name or a short letter", spec->cmd,
				    rows[i].name, rows[j].name);
				return -1;
			}
	}
	return 0;
}
