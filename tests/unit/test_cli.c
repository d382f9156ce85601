/* Unit tests for options as data (src/cmd/cli.c): every command's table is
 * consistent, --help lists every option, and the tables' ids never depend
 * on numbers written by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <getopt.h>
#include <cmocka.h>
#include "cli.h"

/* Run cmd --help with stdout in a file; returns the text (caller frees). */
static char *
help_of(const struct cli_cmd *c)
{
	char path[] = "/tmp/sb-test-cli-XXXXXX", *argv[3], *text;
	int fd = mkstemp(path), saved, rc;
	long len;
	FILE *f;

	assert_true(fd >= 0);
	fflush(stdout);
	saved = dup(1);
	dup2(fd, 1);
	argv[0] = (char *)c->name;
	argv[1] = (char *)"--help";
	argv[2] = NULL;
	rc = c->main(2, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	assert_int_equal(rc, EXIT_OK);
	f = fdopen(fd, "r");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	unlink(path);
	return text;
}

/* Every converted command's table passes cli_spec_check. */
static void
test_cli_every_table_is_consistent(void **state)
{
	const struct cli_cmd *c;
	char err[256];
	int n = 0;

	(void)state;
	for (c = cli_cmds; c->name != NULL; c++) {
		if (c->spec == NULL)
			continue;
		err[0] = '\0';
		if (cli_spec_check(c->spec, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		assert_string_equal(c->spec->cmd, c->name);
		n++;
	}
	assert_true(n >= 3);	/* bench, probe, check */
}

/* The shared table itself: unique ids, names, letters; help everywhere. */
static void
test_cli_common_table_is_consistent(void **state)
{
	static const struct cli_opt all[] = {
		CLI_USE(CLI_O_CONNECT), CLI_USE(CLI_O_LISTEN),
		CLI_USE(CLI_O_CONNS), CLI_USE(CLI_O_RATE),
		CLI_USE(CLI_O_TIMEOUT), CLI_USE(CLI_O_SOURCE), CLI_LIMITS,
		CLI_USE(CLI_O_HELP), CLI_END
	};
	const struct cli_spec spec = { "common", all, 27, "", "", NULL };
	const struct cli_opt *o;
	char err[256];
	int id;

	(void)state;
	if (cli_spec_check(&spec, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	/* Every shared id has exactly one row. */
	for (id = CLI_O_COMMON; id < CLI_O_COMMON_END; id++) {
		int rows = 0;

		for (o = cli_common_opts; o->name != NULL; o++)
			rows += o->id == id;
		assert_int_equal(rows, 1);
	}
}

/* The checker finds each kind of fault. */
static void
test_cli_check_finds_clashes(void **state)
{
	static const struct cli_opt dup_short[] = {
		{ 1, 'x', "one", no_argument, NULL, "first", NULL },
		{ 2, 'x', "two", no_argument, NULL, "second", NULL },
		CLI_END
	};
	static const struct cli_opt dup_name[] = {
		{ 1, 0, "one", no_argument, NULL, "first", NULL },
		CLI_SECTION("Other:"),
		{ 2, 0, "one", no_argument, NULL, "second", NULL },
		CLI_END
	};
	static const struct cli_opt dup_common[] = {
		{ 1, 'C', "client", no_argument, NULL, "clashes with -C", NULL },
		CLI_USE(CLI_O_CONNECT),
		CLI_END
	};
	static const struct cli_opt dup_alias[] = {
		{ 1, 0, "connections", no_argument, NULL, "clashes", NULL },
		CLI_USE(CLI_O_CONNS),
		CLI_END
	};
	static const struct cli_opt no_help[] = {
		{ 1, 0, "quiet", no_argument, NULL, "", NULL },
		CLI_END
	};
	static const struct cli_opt dup_id[] = {
		{ 1, 0, "one", no_argument, NULL, "first", NULL },
		{ 1, 0, "two", no_argument, NULL, "second", NULL },
		CLI_END
	};
	static const struct cli_opt hand_numbered[] = {
		{ 1002, 0, "max-time", required_argument, "DUR", "t", NULL },
		CLI_END
	};
	static const struct cli_opt no_metavar[] = {
		{ 1, 0, "size", required_argument, NULL, "a size", NULL },
		CLI_END
	};
	const struct cli_opt *bad[] = { dup_short, dup_name, dup_common,
	    dup_alias, no_help, dup_id, hand_numbered, no_metavar };
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct cli_spec spec = { "t", bad[i], 27, "", "", NULL };

		err[0] = '\0';
		assert_int_equal(cli_spec_check(&spec, err, sizeof(err)), -1);
		assert_true(strncmp(err, "t: ", 3) == 0);
	}
}

/* `CMD --help` names every option of its table, with its short letter. */
static void
test_cli_help_lists_every_option(void **state)
{
	const struct cli_cmd *c;
	const struct cli_opt *o;
	struct cli_opt tmp;
	char want[128];

	(void)state;
	for (c = cli_cmds; c->name != NULL; c++) {
		char *text;

		if (c->spec == NULL)
			continue;
		text = help_of(c);
		for (o = c->spec->opts; o->id != 0 || o->help != NULL; o++) {
			const struct cli_opt *r;

			if (o->id == 0) {
				assert_non_null(strstr(text, o->help));
				continue;
			}
			r = cli_opt_resolve(o, &tmp);
			if (r->shrt)
				snprintf(want, sizeof(want), "  -%c, --%s%s%s\n",
				    r->shrt, r->name, r->metavar ? " " : "",
				    r->metavar ? r->metavar : "");
			else
				snprintf(want, sizeof(want), "--%s%s%s ",
				    r->name, r->metavar ? " " : "",
				    r->metavar ? r->metavar : "");
			/* the flags, then at least two spaces of padding */
			want[strlen(want) - 1] = '\0';
			if (strstr(text, want) == NULL)
				fail_msg("%s --help lacks '%s'", c->name, want);
		}
		free(text);
	}
}

/* cli_limit_help_text is generated from the shared limit rows. */
static void
test_cli_limit_help_comes_from_the_table(void **state)
{
	const struct cli_opt *o;

	(void)state;
	for (o = cli_common_opts; o->name != NULL; o++)
		if (o->id >= CLI_O_MAX_FRAME && o->id <= CLI_O_MAX_CONNS) {
			char want[64];

			snprintf(want, sizeof(want), "  --%s %s ", o->name,
			    o->metavar);
			assert_non_null(strstr(cli_limit_help_text(), want));
		}
}

/* What test_set saw. */
struct seen {
	int		 alpha, beta;
	const char	*arg;
};

/* The set function of the test table: ids 1 and 2 are its own. */
static int
test_set(void *ctx, const struct cli_opt *o, const char *arg)
{
	struct seen *s = ctx;

	if (o->id == 1) {
		s->alpha++;
		s->arg = arg;
		return 1;
	}
	if (o->id == 2) {
		s->beta++;
		return 1;
	}
	return 0;
}

/* Options reach the command's set function by row, never by a number:
 * bench's --flood and probe's --all are different rows of different
 * tables, and a bad value is a usage error. */
static void
test_cli_parse_dispatches_by_row(void **state)
{
	static const struct cli_opt opts[] = {
		{ 1, 'a', "alpha", required_argument, "X", "alpha", NULL },
		{ 2, 0, "beta", no_argument, NULL, "beta", NULL },
		CLI_LIMITS,
		CLI_END
	};
	struct seen seen;
	struct engine_limits lim;
	struct cli_common common = { &lim, NULL, NULL };
	int first;
	char *argv[] = { "t", "--beta", "-a", "v", "--max-frame", "64k",
	    "file", NULL };
	char *bad[] = { "t", "--max-frame", "nonsense", NULL };
	const struct cli_spec spec = { "t", opts, 27, "", "", test_set };

	(void)state;
	memset(&seen, 0, sizeof(seen));
	engine_limits_default(&lim);
	assert_int_equal(cli_parse(&spec, 7, argv, &seen, &common, &first), -1);
	assert_int_equal(seen.alpha, 1);
	assert_int_equal(seen.beta, 1);
	assert_string_equal(seen.arg, "v");
	assert_int_equal(lim.max_frame, 64 * 1024);
	assert_string_equal(argv[first], "file");
	assert_int_equal(cli_parse(&spec, 3, bad, &seen, &common, &first),
	    EXIT_USAGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_every_table_is_consistent),
		cmocka_unit_test(test_cli_common_table_is_consistent),
		cmocka_unit_test(test_cli_check_finds_clashes),
		cmocka_unit_test(test_cli_help_lists_every_option),
		cmocka_unit_test(test_cli_limit_help_comes_from_the_table),
		cmocka_unit_test(test_cli_parse_dispatches_by_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
