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

/*
 * Options as data, after tmux's cmd_entry: each command describes its
 * options in one table of struct cli_opt (short letter, long name, whether
 * it takes a value, its metavariable and help text), and may use options of
 * the one shared table (cli_common_opts: --connect, --listen, --conns,
 * --rate, --timeout, --source, the limits, --help) by id. From that table
 * cli_parse builds getopt_long's arrays (an option's getopt value is its
 * row, never a number written by hand), dispatches each option to the
 * command's set function or the shared parser, and cli_help prints the
 * option list of --help.
 */

/* Ids of the shared options; a command's own ids are an enum from 1 up,
 * below CLI_O_COMMON. */
enum cli_common_id {
	CLI_O_COMMON = 1000,
	CLI_O_CONNECT = CLI_O_COMMON,	/* -C HOST:PORT */
	CLI_O_LISTEN,			/* -l HOST:PORT */
	CLI_O_CONNS,			/* -c N (alias --connections) */
	CLI_O_RATE,			/* -r N */
	CLI_O_TIMEOUT,			/* -t DUR */
	CLI_O_SOURCE,			/* --source LIST */
	CLI_O_MAX_FRAME,		/* the engine limits: */
	CLI_O_MAX_BUFFER,
	CLI_O_CONNECT_TIMEOUT,
	CLI_O_IDLE_TIMEOUT,
	CLI_O_MAX_CONNS,
	CLI_O_HELP,			/* -h: print the help, exit 0 */
	CLI_O_TLS,			/* the TLS options (tls_cli.c): */
	CLI_O_SNI,
	CLI_O_ALPN,
	CLI_O_CA_FILE,
	CLI_O_INSECURE,
	CLI_O_CERT,
	CLI_O_KEY,
	CLI_O_TLS_MIN,
	CLI_O_TLS_MAX,
	CLI_O_COMMON_END
};

/* One row of a command's option table. A row is an option of the command
 * (id below CLI_O_COMMON, name set), a shared option used by id (name NULL;
 * help and metavar, when set, replace the shared ones), or a section heading (id 0,
 * help is the heading). The table ends with a row of id 0 and no help. */
struct cli_opt {
	int		 id;
	char		 shrt;		/* short letter, or 0 */
	const char	*name;		/* long name without "--" */
	int		 has_arg;	/* takes a value: no_argument or
					 * required_argument */
	const char	*metavar;	/* the value's name in help: N, DUR */
	const char	*help;		/* lines separated by '\n' */
	const char	*alias;		/* a second long name, not in help */
};
#define CLI_SECTION(title)	{ 0, 0, NULL, 0, NULL, (title), NULL }
#define CLI_USE(id)		{ (id), 0, NULL, 0, NULL, NULL, NULL }
#define CLI_USE_HELP(id, h)	{ (id), 0, NULL, 0, NULL, (h), NULL }
#define CLI_USE_AS(id, mv, h)	{ (id), 0, NULL, 0, (mv), (h), NULL }
#define CLI_END			{ 0, 0, NULL, 0, NULL, NULL, NULL }
/* The limit options with their heading, as one block of rows. */
#define CLI_LIMITS							\
	CLI_SECTION("Limits (memory and time stay bounded whatever the "	\
	    "peer does):"),						\
	CLI_USE(CLI_O_MAX_FRAME), CLI_USE(CLI_O_MAX_BUFFER),		\
	CLI_USE(CLI_O_CONNECT_TIMEOUT), CLI_USE(CLI_O_IDLE_TIMEOUT),	\
	CLI_USE(CLI_O_MAX_CONNS)

/* The shared options, ended by CLI_END. */
extern const struct cli_opt cli_common_opts[];

/* The client TLS options (--tls, --sni ... --tls-max), as one block. */
#define CLI_TLS_CLIENT							\
	CLI_SECTION("TLS (docs/tls.md):"),				\
	CLI_USE(CLI_O_TLS), CLI_USE(CLI_O_SNI), CLI_USE(CLI_O_ALPN),	\
	CLI_USE(CLI_O_CA_FILE), CLI_USE(CLI_O_INSECURE),		\
	CLI_USE_HELP(CLI_O_CERT, "client certificate (PEM)"),		\
	CLI_USE_HELP(CLI_O_KEY, "its private key (PEM; never logged)"),	\
	CLI_USE(CLI_O_TLS_MIN), CLI_USE(CLI_O_TLS_MAX)
/* The server TLS options (serve --tls). */
#define CLI_TLS_SERVER							\
	CLI_SECTION("TLS (docs/tls.md):"),				\
	CLI_USE_HELP(CLI_O_TLS, "accept TLS only (with --cert/--key, or a\n"	\
	    "self-signed certificate made at start,\n"		\
	    "printed with its SHA-256 fingerprint)"),			\
	CLI_USE(CLI_O_CERT), CLI_USE(CLI_O_KEY),			\
	CLI_USE_HELP(CLI_O_ALPN, "ALPN protocols we accept, in our order"), \
	CLI_USE(CLI_O_TLS_MIN), CLI_USE(CLI_O_TLS_MAX)

struct run_opts;
struct cli_tls;
/* Where the shared options a command does not take itself are stored;
 * NULL members mean the command has no such options. */
struct cli_common {
	struct engine_limits	*lim;	/* the limits */
	struct run_opts		*run;	/* -C -l -c -r -t --source */
	struct cli_tls		*tls;	/* --tls ... (tls_cli.h) */
};

/* How a command reads its options: the table, the text of --help around
 * the option list, and the function that takes each option's value. */
struct cli_spec {
	const char		*cmd;		/* "bench" */
	const struct cli_opt	*opts;
	int			 helpcol;	/* column of the help texts */
	const char		*help_head;	/* before the options */
	const char		*help_tail;	/* after them */
	/* Take one option (o is the resolved row; arg NULL when it takes
	 * none): 1 taken, 0 not this command's (a shared option the shared
	 * parser should take), -1 bad value (message printed). */
	int			(*set)(void *ctx, const struct cli_opt *o,
				    const char *arg);
};

/* Parse argv[1..] by spec with getopt_long. Returns -1 when the command
 * should go on with its operands from argv[*first]; otherwise the exit
 * status to return at once: EXIT_OK after --help (printed to stdout),
 * EXIT_USAGE after a bad option or value (message printed to stderr). */
int cli_parse(const struct cli_spec *spec, int argc, char **argv, void *ctx,
    const struct cli_common *common, int *first);
/* Print spec's whole --help: head, the option list from the table (help
 * texts at spec->helpcol, sections as headings), tail. */
void cli_help(FILE *f, const struct cli_spec *spec);
/* Check a spec's table: every option has help text (and a metavariable
 * exactly when it takes a value), no two share an id, a long name or
 * alias, or a short letter, own ids lie below CLI_O_COMMON and shared ids
 * exist. 0, or -1 with err naming the first fault. */
int cli_spec_check(const struct cli_spec *spec, char *err, size_t errlen);
/* The row a table row stands for: itself, or the shared row of its id with
 * the table's help text when it has one; fills *tmp when it must merge. */
const struct cli_opt *cli_opt_resolve(const struct cli_opt *o,
    struct cli_opt *tmp);

/* A subcommand: name, entry point, one line for the command list, and its
 * option spec (NULL while the command still parses by hand: run, serve and
 * ui until they are converted). */
struct cli_cmd {
	const char		*name;
	int			(*main)(int argc, char **argv);
	const char		*summary;
	const struct cli_spec	*spec;
};
/* Every command, ended by a row with a NULL name (src/cmd/main.c order). */
extern const struct cli_cmd cli_cmds[];
/* The specs of the converted commands (cmd_bench.c, cmd_probe.c,
 * cmd_check.c). */
extern const struct cli_spec bench_spec, probe_spec, check_spec, run_spec,
    serve_spec, ui_spec, completion_spec, merge_spec;


/* Parse one of the shared engine-limit flags into lim (--max-frame,
 * --max-buffer, --connect-timeout, --idle-timeout, --max-conns); returns 1
 * if opt was one of them, 0 if not, -1 on a bad value (message printed). */
int cli_limit_opt(struct engine_limits *lim, const char *opt, const char *val);
/* The help lines for those flags, generated from cli_common_opts. */
const char *cli_limit_help_text(void);
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
int check_main(int argc, char **argv);
int run_main(int argc, char **argv);
int bench_main(int argc, char **argv);
/* Print a bash, zsh or fish completion script (cmd_completion.c). */
int completion_main(int argc, char **argv);
int merge_main(int argc, char **argv);
/* `sockbench proxy` (cmd_proxy.c, docs/proxy.md). */
extern const struct cli_spec proxy_spec;
int proxy_main(int argc, char **argv);

#endif
