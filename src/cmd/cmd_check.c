/* sockbench check FILES...: parse scenario files without connecting
 * anywhere and report each one; options from a table, as every command's. */
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
	"(a file with only an accept block: \"FILE: ok (a mock for serve\n"
	"--scenario: N server steps at line L, codec C, no client\n"
	"connections)\")\n"
	"or \"FILE:LINE:COL: expected X, got Y\" with a hint line.\n"
	"Exit status: 0 if every file parses, 2 if any does not.\n"
	"The language is described in docs/scenarios.md.\n"
	"\n",
	"",
	check_set
};

/* Parse one file and print its line; 0 if it parses, -1 if not. */
static int
check_file(const char *path)
{
	struct scenario *sc;
	char err[1024];

	if ((sc = scenario_load(path, err, sizeof(err))) == NULL) {
		printf("%s\n", err);
		return -1;
	}
	size_t nsteps = sc->nsteps, r;
	uint64_t conns = sc->connections;

	if (sc->nroles > 0) {
		/* Every role's steps and connections. */
		for (r = 0, nsteps = 0, conns = 0; r < sc->nroles; r++) {
			nsteps += sc->roles[r].nsteps;
			conns += sc->roles[r].conns;
		}
	}
	if (sc->accept != NULL && nsteps == 0 && sc->nroles == 0) {
		/* Only a server side: no client connection is opened. */
		printf("%s: ok (a mock for serve --scenario: %zu server step%s "
		    "at line %u, codec %s, no client connections)\n", path,
		    sc->accept->nsteps, sc->accept->nsteps == 1 ? "" : "s",
		    sc->accept_line, sc->codec_name);
		scenario_free(sc);
		return 0;
	}
	printf("%s: ok (%zu step%s, codec %s, %llu connection%s", path,
	    nsteps, nsteps == 1 ? "" : "s", sc->codec_name,
	    (unsigned long long)conns, conns == 1 ? "" : "s");
	if (sc->nroles > 0)
		printf(", %zu role%s", sc->nroles, sc->nroles == 1 ? "" : "s");
	if (sc->accept != NULL)
		printf(", accept at line %u: %zu server step%s",
		    sc->accept_line, sc->accept->nsteps,
		    sc->accept->nsteps == 1 ? "" : "s");
	printf(")\n");
	scenario_free(sc);
	return 0;
}

int
check_main(int argc, char **argv)
{
	int i, first, rc, bad = 0;

	if ((rc = cli_parse(&check_spec, argc, argv, NULL, NULL, &first)) >= 0)
		return rc;
	if (first >= argc)
		return cli_usage_error("check", "no files given");
	for (i = first; i < argc; i++)
		if (check_file(argv[i]) == -1)
			bad = 1;
	return bad ? EXIT_USAGE : EXIT_OK;
}
