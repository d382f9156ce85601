/* Flags shared by subcommands, and usage errors. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "runner.h"
#include "util.h"

const char cli_limit_help[] =
"Limits (memory and time stay bounded whatever the peer does):\n"
"  --max-frame SIZE         largest message a codec accepts (default 1M)\n"
"  --max-buffer SIZE        output queued per connection before we stop\n"
"                           reading that peer (default 4M)\n"
"  --connect-timeout DUR    give up a connect after DUR (default 10s); a\n"
"                           --connect HOST with several addresses (such\n"
"                           as localhost: ::1, 127.0.0.1) gets DUR for\n"
"                           each, tried in order until one connects\n"
"  --idle-timeout DUR       close server connections idle for DUR (default:\n"
"                           never)\n"
"  --max-conns N            accept at most N connections at once; more are\n"
"                           closed at once (default: the fd limit)\n";

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

int
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
