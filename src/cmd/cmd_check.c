/* sockbench check FILES...: the options (from a table, as every command's);
 * scenario_check_main (src/script/scenario_check.c) reports each file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include "cli.h"
#include "scenario.h"
#include "util.h"

static const struct cli_opt check_opts[] = {
	CLI_USE(CLI_O_HELP),
	CLI_END
};

/* check has no options of its own but --help. */
static int
check_set(void *ctx, const struct cli_opt *o, const char *arg)
{
	(void)ctx;
	(void)o;
	(void)arg;
	return 0;
}

const struct cli_spec check_spec = {
	"check", check_opts, 27,
	"usage: sockbench check FILE...\n"
	"\n"
	"Parse each scenario file and report it without connecting\n"
	"anywhere. Prints \"FILE: ok (N steps, codec C, K connections)\"\n"
	"or \"FILE:LINE:COL: expected X, got Y\" with a hint line.\n"
	"Exit status: 0 if every file parses, 2 if any does not.\n"
	"The language is described in docs/scenarios.md.\n"
	"\n",
	"",
	check_set
};

int
check_main(int argc, char **argv)
{
	char **av;
	int i, n, first, rc;

	if ((rc = cli_parse(&check_spec, argc, argv, NULL, NULL, &first)) >= 0)
		return rc;
	if (first >= argc)
		return cli_usage_error("check", "no files given");
	/* The files, after "--": scenario_check_main reports each one. */
	n = argc - first;
	av = xcalloc((size_t)n + 3, sizeof(*av));
	av[0] = argv[0];
	av[1] = (char *)"--";
	for (i = 0; i < n; i++)
		av[i + 2] = argv[first + i];
	rc = scenario_check_main(n + 2, av);
	free(av);
	return rc;
}
