/* Subcommands and the flags they share. */
#ifndef SB_CLI_H
#define SB_CLI_H
#include <stdio.h>
#include "engine.h"

/* Exit statuses, documented in --help. */
#define EXIT_OK		0	/* success, all passed */
#define EXIT_FAILED	1	/* a scenario or check failed */
#define EXIT_USAGE	2	/* bad flags or a scenario parse error */
#define EXIT_RUNTIME	3	/* could not listen, connect, or similar */

/* A subcommand: name, entry point, one line for the command list. */
struct cli_cmd {
	const char	*name;
	int		(*main)(int argc, char **argv);
	const char	*summary;
};

/* The getopt_long entries of the shared limit flags; each returns
 * CLI_LIMIT_OPT, to be handed to cli_limit_opt with the option's name. */
#define CLI_LIMIT_OPT	1000
#define CLI_LIMIT_LONGOPTS						\
	{ "max-frame", required_argument, NULL, CLI_LIMIT_OPT },	\
	{ "max-buffer", required_argument, NULL, CLI_LIMIT_OPT },	\
	{ "connect-timeout", required_argument, NULL, CLI_LIMIT_OPT },	\
	{ "idle-timeout", required_argument, NULL, CLI_LIMIT_OPT },	\
	{ "max-conns", required_argument, NULL, CLI_LIMIT_OPT }

/* The getopt_long entries of the flags that say how a scenario runs
 * (-C -l -c -r -t and --source), shared by run and ui; hand what they
 * return to cli_run_opt. */
#define CLI_SOURCE_OPT	999
#define CLI_RUN_LONGOPTS						\
	{ "connect", required_argument, NULL, 'C' },			\
	{ "listen", required_argument, NULL, 'l' },			\
	{ "conns", required_argument, NULL, 'c' },			\
	{ "connections", required_argument, NULL, 'c' },		\
	{ "rate", required_argument, NULL, 'r' },			\
	{ "timeout", required_argument, NULL, 't' },			\
	{ "source", required_argument, NULL, CLI_SOURCE_OPT }
#define CLI_RUN_SHORTOPTS	"C:l:c:r:t:"

struct run_opts;
/* Parse one of those flags into o: 1 if ch was one of them, 0 if not, -1
 * on a bad value (message printed, naming cmd). */
int cli_run_opt(const char *cmd, struct run_opts *o, int ch, const char *arg);

/* Parse one of the shared engine-limit flags into lim (--max-frame,
 * --max-buffer, --connect-timeout, --idle-timeout, --max-conns); returns 1
 * if opt was one of them, 0 if not, -1 on a bad value (message printed). */
int cli_limit_opt(struct engine_limits *lim, const char *opt, const char *val);
/* The help lines for those flags. */
extern const char cli_limit_help[];
/* After getopt_long named an unknown option: point to --help, EXIT_USAGE. */
int cli_bad_option(const char *cmd);
/* Check that val is HOST:PORT; else print a usage error naming opt, -1. */
int cli_check_hostport(const char *cmd, const char *opt, const char *val);
/* Print "sockbench CMD: message" to stderr and return EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Check that n connections fit the open-file limit; print why not. */
int cli_check_nofile(const char *cmd, uint64_t n, uint64_t per_conn);

int serve_main(int argc, char **argv);
int run_main(int argc, char **argv);
int bench_main(int argc, char **argv);

#endif
