/* `sockbench check FILES...`: parse scenario files and report each one. */
#include <stdio.h>
#include <string.h>
#include "scenario.h"

/* Print the subcommand's usage to f. */
static void
scenario_check_usage(FILE *f)
{
	fprintf(f,
	    "usage: sockbench check FILE...\n"
	    "\n"
	    "Parse each scenario file and report it without connecting\n"
	    "anywhere. Prints \"FILE: ok (N steps, codec C, K connections)\"\n"
	    "or \"FILE:LINE:COL: expected X, got Y\" with a hint line.\n"
	    "Exit status: 0 if every file parses, 2 if any does not.\n"
	    "The language is described in docs/scenarios.md.\n");
}

int
scenario_check_main(int argc, char **argv)
{
	struct scenario *sc;
	char err[1024];
	int i, bad = 0, nfiles = 0, opts = 1;

	for (i = 1; i < argc; i++) {
		if (opts && strcmp(argv[i], "--") == 0) {
			opts = 0;
			continue;
		}
		if (opts && (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)) {
			scenario_check_usage(stdout);
			return 0;
		}
		if (opts && argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "sockbench check: unknown option '%s'\n",
			    argv[i]);
			scenario_check_usage(stderr);
			return 2;
		}
	}
	for (i = 1, opts = 1; i < argc; i++) {
		if (opts && strcmp(argv[i], "--") == 0) {
			opts = 0;
			continue;
		}
		nfiles++;
		if ((sc = scenario_load(argv[i], err, sizeof(err))) == NULL) {
			printf("%s\n", err);
			bad = 1;
			continue;
		}
		printf("%s: ok (%zu step%s, codec %s, %u connection%s)\n",
		    argv[i], sc->nsteps, sc->nsteps == 1 ? "" : "s",
		    sc->codec_name, sc->connections,
		    sc->connections == 1 ? "" : "s");
		scenario_free(sc);
	}
	if (nfiles == 0) {
		fprintf(stderr, "sockbench check: no files given\n");
		scenario_check_usage(stderr);
		return 2;
	}
	return bad ? 2 : 0;
}
