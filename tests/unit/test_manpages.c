/* The man pages cannot drift from the tables the program reads: every
 * command of cli_cmds has an entry in sockbench(1), every option of every
 * command's cli_spec table is named in that command's entry or OPTIONS
 * subsection, every dashboard key row (ui_keys_table) is a heading of its
 * KEYS section, and every directive of the parser's table is a heading of
 * sockbench-scenario(5). The pages are read from docs/ (run from the top of
 * the source, as tests/run.sh does; SOCKBENCH_SRCDIR overrides). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <cmocka.h>
#include "cli.h"
#include "parse.h"
#include "ui_keys.h"

/* A man page as lines of plain text, each with what it is in the page. */
struct page_line {
	char	 sh[64];	/* the .SH section it is in */
	char	 ss[128];	/* the .SS subsection, or "" */
	int	 heading;	/* the line after a .TP: an item's heading */
	int	 tp;		/* a .TP line itself */
	char	*text;		/* the plain text */
};
struct page {
	struct page_line	*l;
	size_t			 n;
};

/* Append the plain text of roff line src to out: the macro name of a
 * request line and its argument quotes dropped, font changes removed,
 * \- as -, \(dq as ", \e as a backslash. */
static void
roff_plain(const char *src, char *out, size_t outlen)
{
	size_t o = 0;
	const char *p = src;
	int request = src[0] == '.';

	if (request)
		p += strcspn(p, " ");	/* the macro name */
	while (*p != '\0' && o + 2 < outlen) {
		if (request && *p == '"') {
			p++;
			continue;
		}
		if (*p != '\\') {
			out[o++] = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case 'f':	/* \fB, \fI, \fR, \fP, \f(XX */
			p += p[1] == '(' ? 4 : 2;
			break;
		case '(':	/* \(dq, \(aq ... */
			out[o++] = strncmp(p, "(dq", 3) == 0 ? '"' :
			    strncmp(p, "(aq", 3) == 0 ? '\'' : '?';
			p += 3;
			break;
		case 'e':
			out[o++] = '\\';
			p++;
			break;
		case '&':
			p++;
			break;
		case '\0':
			break;
		default:	/* \- \\ \" \  */
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
}

/* Read a man page into lines of plain text. */
static void
page_read(struct page *pg, const char *name)
{
	char path[512], line[4096], plain[4096];
	const char *dir = getenv("SOCKBENCH_SRCDIR");
	FILE *f;
	char sh[64] = "", ss[128] = "";
	int after_tp = 0;

	snprintf(path, sizeof(path), "%s/docs/%s", dir != NULL ? dir : ".",
	    name);
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot read %s (run from the top of the source)",
		    path);
	memset(pg, 0, sizeof(*pg));
	while (fgets(line, sizeof(line), f) != NULL) {
		struct page_line *pl;

		line[strcspn(line, "\n")] = '\0';
		roff_plain(line, plain, sizeof(plain));
		if (strncmp(line, ".SH", 3) == 0) {
			snprintf(sh, sizeof(sh), "%s", plain + strspn(plain, " "));
			ss[0] = '\0';
		} else if (strncmp(line, ".SS", 3) == 0)
			snprintf(ss, sizeof(ss), "%s", plain + strspn(plain, " "));
		pg->l = realloc(pg->l, (pg->n + 1) * sizeof(*pg->l));
		assert_non_null(pg->l);
		pl = &pg->l[pg->n++];
		snprintf(pl->sh, sizeof(pl->sh), "%s", sh);
		snprintf(pl->ss, sizeof(pl->ss), "%s", ss);
		pl->tp = strncmp(line, ".TP", 3) == 0;
		pl->heading = after_tp && line[0] != '.' ? 1 :
		    after_tp && strncmp(line, ".PD", 3) != 0;
		pl->text = strdup(plain + strspn(plain, " "));
		if (strncmp(line, ".PD", 3) != 0)
			after_tp = pl->tp;
	}
	fclose(f);
}

static void
page_free(struct page *pg)
{
	size_t i;

	for (i = 0; i < pg->n; i++)
		free(pg->l[i].text);
	free(pg->l);
}

/* Whether text names flag ("--format", "-f") as a whole word. */
static int
has_flag(const char *text, const char *flag)
{
	const char *p = text;
	size_t n = strlen(flag);

#define FLAGCH(c) ((c) == '-' || ((c) >= 'a' && (c) <= 'z') || \
	((c) >= 'A' && (c) <= 'Z') || ((c) >= '0' && (c) <= '9'))
	while ((p = strstr(p, flag)) != NULL) {
		if ((p == text || !FLAGCH(p[-1])) && !FLAGCH(p[n]))
			return 1;
		p++;
	}
	return 0;
#undef FLAGCH
}

/* Whether the first word of s is w. */
static int
first_word_is(const char *s, const char *w)
{
	size_t n = strlen(w);

	return strncmp(s, w, n) == 0 && (s[n] == '\0' || s[n] == ' ');
}

/* Whether line i of sockbench(1) belongs to command cmd: its entry under
 * COMMANDS (the .TP whose heading is the name, to the next .TP) or its
 * subsection under OPTIONS (an .SS whose first word is the name). */
static int
in_command(const struct page *pg, size_t i, const char *cmd)
{
	size_t j;

	if (strcmp(pg->l[i].sh, "OPTIONS") == 0)
		return first_word_is(pg->l[i].ss, cmd);
	if (strcmp(pg->l[i].sh, "COMMANDS") != 0)
		return 0;
	for (j = i + 1; j-- > 0;) {
		if (pg->l[j].heading)
			return strcmp(pg->l[j].text, cmd) == 0;
		if (strcmp(pg->l[j].sh, "COMMANDS") != 0)
			return 0;
	}
	return 0;
}

/* Whether the part of sockbench(1) about cmd names flag. */
static int
command_names(const struct page *pg, const char *cmd, const char *flag)
{
	size_t i;

	for (i = 0; i < pg->n; i++)
		if (in_command(pg, i, cmd) && has_flag(pg->l[i].text, flag))
			return 1;
	return 0;
}

/* Check sockbench(1) against the command and option tables; append each
 * thing missing to miss ("run --max-time"); returns how many. */
static int
check_options(const struct page *pg, char *miss, size_t misslen)
{
	const struct cli_cmd *c;
	const struct cli_opt *o, *r;
	struct cli_opt tmp;
	char flag[80];
	int n = 0;
	size_t i;

	miss[0] = '\0';
#define MISS(...) do { size_t len_ = strlen(miss); n++;			\
	snprintf(miss + len_, misslen - len_, __VA_ARGS__); } while (0)
	for (c = cli_cmds; c->name != NULL; c++) {
		for (i = 0; i < pg->n; i++)
			if (strcmp(pg->l[i].sh, "COMMANDS") == 0 &&
			    pg->l[i].heading && strcmp(pg->l[i].text,
			    c->name) == 0)
				break;
		if (i == pg->n)
			MISS(" %s(no entry under COMMANDS)", c->name);
		if (c->spec == NULL)
			continue;
		for (o = c->spec->opts; o->id != 0 || o->help != NULL; o++) {
			if (o->id == 0 || o->id == CLI_O_HELP ||
			    (r = cli_opt_resolve(o, &tmp)) == NULL)
				continue;
			snprintf(flag, sizeof(flag), "--%s", r->name);
			if (!command_names(pg, c->name, flag))
				MISS(" %s:%s", c->name, flag);
			snprintf(flag, sizeof(flag), "-%c", r->shrt);
			if (r->shrt && !command_names(pg, c->name, flag))
				MISS(" %s:%s", c->name, flag);
		}
	}
	return n;
}

/* Check the KEYS section against the key table's view rows. */
static int
check_keys(const struct page *pg, char *miss, size_t misslen)
{
	size_t k, i;
	int n = 0;

	miss[0] = '\0';
	for (k = 0; k < ui_keys_count; k++) {
		if ((ui_keys_table[k].modes & UI_KEYS_VIEW) == 0)
			continue;
		for (i = 0; i < pg->n; i++)
			if (strcmp(pg->l[i].sh, "KEYS") == 0 &&
			    pg->l[i].heading &&
			    strcmp(pg->l[i].text, ui_keys_table[k].label) == 0)
				break;
		if (i == pg->n)
			MISS(" '%s'", ui_keys_table[k].label);
	}
	return n;
}

/* Check sockbench-scenario(5) against the directive table: each directive
 * is the first word of an item's heading. */
static int
check_directives(const struct page *pg, char *miss, size_t misslen)
{
	const char *d;
	size_t k, i;
	int n = 0;

	miss[0] = '\0';
	for (k = 0; (d = parse_directive_name(k)) != NULL; k++) {
		for (i = 0; i < pg->n; i++)
			if (pg->l[i].heading && first_word_is(pg->l[i].text, d))
				break;
		if (i == pg->n)
			MISS(" %s", d);
	}
	return n;
#undef MISS
}

static void
test_every_option_of_every_command_is_in_sockbench_1(void **state)
{
	struct page pg;
	char miss[4096];
	int n;

	(void)state;
	page_read(&pg, "sockbench.1");
	n = check_options(&pg, miss, sizeof(miss));
	if (n != 0)
		fail_msg("docs/sockbench.1 lacks %d (add them to the command's "
		    "entry or its OPTIONS subsection):%s", n, miss);
	page_free(&pg);
}

static void
test_every_dashboard_key_is_in_sockbench_1(void **state)
{
	struct page pg;
	char miss[4096];
	int n;

	(void)state;
	page_read(&pg, "sockbench.1");
	n = check_keys(&pg, miss, sizeof(miss));
	if (n != 0)
		fail_msg("docs/sockbench.1 KEYS lacks %d rows of ui_keys_table:%s",
		    n, miss);
	page_free(&pg);
}

static void
test_every_directive_is_in_sockbench_scenario_5(void **state)
{
	struct page pg;
	char miss[4096];
	int n;

	(void)state;
	page_read(&pg, "sockbench-scenario.5");
	n = check_directives(&pg, miss, sizeof(miss));
	if (n != 0)
		fail_msg("docs/sockbench-scenario.5 lacks %d directives (a .TP "
		    "item whose heading starts with it):%s", n, miss);
	page_free(&pg);
}

/* The checks find what is missing: a page with one option, one key and
 * one directive taken out fails each check, naming it. */
static void
test_the_checks_name_what_a_page_lacks(void **state)
{
	struct page pg;
	char miss[4096];
	size_t i;
	char *p;

	(void)state;
	page_read(&pg, "sockbench.1");
	for (i = 0; i < pg.n; i++) {
		while ((p = strstr(pg.l[i].text, "--max-time")) != NULL)
			memcpy(p, "--xxx-time", 10);
		if (strcmp(pg.l[i].text, "Ctrl-L") == 0)
			pg.l[i].text[0] = 'X';
		if (strcmp(pg.l[i].sh, "COMMANDS") == 0 &&
		    strcmp(pg.l[i].text, "check") == 0)
			pg.l[i].text[0] = 'X';
	}
	assert_int_equal(check_options(&pg, miss, sizeof(miss)), 2);
	assert_non_null(strstr(miss, " run:--max-time"));
	assert_non_null(strstr(miss, " check(no entry under COMMANDS)"));
	assert_int_equal(check_keys(&pg, miss, sizeof(miss)), 1);
	assert_string_equal(miss, " 'Ctrl-L'");
	page_free(&pg);

	page_read(&pg, "sockbench-scenario.5");
	for (i = 0; i < pg.n; i++)
		if (pg.l[i].heading && first_word_is(pg.l[i].text, "barrier"))
			pg.l[i].text[0] = 'X';
	assert_int_equal(check_directives(&pg, miss, sizeof(miss)), 1);
	assert_string_equal(miss, " barrier");
	page_free(&pg);
}

/* The roff reader: font changes, escapes and request quotes. */
static void
test_roff_plain(void **state)
{
	char out[256];

	(void)state;
	roff_plain(".BR \\-f \", \" \\-\\-format \" \\fIFMT\\fR\"", out,
	    sizeof(out));
	assert_string_equal(out, " -f ,  --format  FMT");
	assert_true(has_flag(out, "--format"));
	assert_true(has_flag(out, "-f"));
	assert_false(has_flag(out, "--form"));
	assert_false(has_flag("--tls-min", "--tls"));
	roff_plain("a \\(dqb\\(dq \\e \\&.c", out, sizeof(out));
	assert_string_equal(out, "a \"b\" \\ .c");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roff_plain),
		cmocka_unit_test(test_every_option_of_every_command_is_in_sockbench_1),
		cmocka_unit_test(test_every_dashboard_key_is_in_sockbench_1),
		cmocka_unit_test(test_every_directive_is_in_sockbench_scenario_5),
		cmocka_unit_test(test_the_checks_name_what_a_page_lacks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
