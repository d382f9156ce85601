/* sockbench: a TCP socket workbench. Dispatches to subcommands. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "ui.h"

#define SOCKBENCH_VERSION "0.1.0"

/* Print the top-level help. */
static void
usage(FILE *f)
{
	const struct cli_cmd *c;

	fprintf(f,
"Usage: sockbench [COMMAND] [OPTIONS]\n"
"       sockbench            (no command: the live dashboard, as 'sockbench ui')\n"
"\n"
"A TCP socket workbench: an embedded server and many client connections on\n"
"one event loop, scripted conversations, load tests and protocol probes.\n"
"\n"
"Commands:\n");
	for (c = cli_cmds; c->name != NULL; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f,
"\n"
"Run 'sockbench COMMAND --help' for a command's options and examples.\n"
"Exit status: 0 success, 1 a check or scenario failed (a refused\n"
"connection in run is a failed scenario), 2 usage or parse error, 3 runtime\n"
"error (cannot listen; probe: refused or unreachable).\n"
"'sockbench --version' prints the version.\n");
}

int
main(int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("sockbench %s\n", SOCKBENCH_VERSION);
		return EXIT_OK;
	}
	if (argc < 2)
		return ui_main(argc, argv);	/* the front door: the dashboard */
	for (c = cli_cmds; c->name != NULL; c++)
		if (strcmp(argv[1], c->name) == 0)
			return c->main(argc - 1, argv + 1);
	fprintf(stderr, "sockbench: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
