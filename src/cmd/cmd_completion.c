/* sockbench completion bash|zsh|fish: print a shell completion script made
 * from the tables the program itself reads: the command table (cli_cmds),
 * each command's option table (struct cli_spec), the codec registry, the
 * service table and the probe table. A command or option added to those
 * tables is completed without touching this file. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "codec.h"
#include "fault.h"
#include "probe.h"
#include "report.h"
#include "service.h"

/* How an option's value or a command's operand completes. */
enum comp_kind {
	COMP_NONE,	/* nothing to offer: a number, a duration, HOST:PORT */
	COMP_FILE,	/* any file */
	COMP_DIR,	/* a directory */
	COMP_SCENARIO,	/* a scenario file (*.txt) or a directory of them */
	COMP_CODEC,	/* a codec name from the registry */
	COMP_SERVICE,	/* a service spec: NAME, NAME:KEY=, NAME:codec=CODEC */
	COMP_PROBES,	/* a comma-separated list of probe names */
	COMP_FAULT,	/* a proxy fault spec: DIR:NAME, DIR:NAME= */
	COMP_WORDS	/* one of a few words (held in struct comp_arg) */
};

/* A value's completion: its kind and, for COMP_WORDS, the words separated
 * by spaces. */
struct comp_arg {
	enum comp_kind	 kind;
	char		 words[256];
};

/* Add the n bytes at w to a's words unless they are there already. */
static void
comp_add_word(struct comp_arg *a, const char *w, size_t n)
{
	size_t len = strlen(a->words), wl;
	const char *p = a->words;

	while (*p != '\0') {
		wl = strcspn(p, " ");
		if (wl == n && strncmp(p, w, n) == 0)
			return;
		p += wl + (p[wl] == ' ');
	}
	if (len + n + 2 > sizeof(a->words))
		return;
	snprintf(a->words + len, sizeof(a->words) - len, "%s%.*s",
	    len > 0 ? " " : "", (int)n, w);
}

/* Whether the n bytes at w read as a TLS version such as 1.2. */
static int
comp_is_version(const char *w, size_t n)
{
	return n == 3 && isdigit((unsigned char)w[0]) && w[1] == '.' &&
	    isdigit((unsigned char)w[2]);
}

/* Collect the words of an option's help text that its value takes: report
 * formats the report parser accepts (FMT), or versions (VER). */
static void
comp_help_words(struct comp_arg *a, const char *help, int versions)
{
	const char *p = help;
	char w[32];

	while (*p != '\0') {
		size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789.");

		if (n == 0) {
			p++;
			continue;
		}
		if (versions ? comp_is_version(p, n) : n < sizeof(w) &&
		    (snprintf(w, sizeof(w), "%.*s", (int)n, p),
		    report_format_parse(w) >= 0))
			comp_add_word(a, p, n);
		p += n;
	}
	a->kind = a->words[0] != '\0' ? COMP_WORDS : COMP_NONE;
}

/* How the value of option o completes: by the option's name where a
 * metavariable is shared by values of different kinds (SPEC: a service
 * spec of --service, a fault spec of --fault), else by its metavariable. */
static void
comp_opt_arg(const struct cli_opt *o, struct comp_arg *a)
{
	const char *mv = o->metavar != NULL ? o->metavar : "";

	memset(a, 0, sizeof(*a));
	if (o->has_arg != required_argument)
		a->kind = COMP_NONE;
	else if (strcmp(o->name, "codec") == 0 || strcmp(mv, "CODEC") == 0)
		a->kind = COMP_CODEC;
	else if (strcmp(o->name, "service") == 0)
		a->kind = COMP_SERVICE;
	else if (strcmp(o->name, "fault") == 0)
		a->kind = COMP_FAULT;
	else if (strcmp(o->name, "scenario") == 0 ||
	    strcmp(mv, "SCENARIO") == 0)
		a->kind = COMP_SCENARIO;
	else if (strcmp(o->name, "probes") == 0)
		a->kind = COMP_PROBES;
	else if (strcmp(mv, "FILE") == 0 || strcmp(mv, "PATH") == 0)
		a->kind = COMP_FILE;
	else if (strcmp(mv, "DIR") == 0)
		a->kind = COMP_DIR;
	else if (strcmp(mv, "FMT") == 0)
		comp_help_words(a, o->help, 0);
	else if (strcmp(mv, "VER") == 0)
		comp_help_words(a, o->help, 1);
	else
		a->kind = COMP_NONE;
}

/* How a command's operands complete, read from the first line of its
 * usage ("Usage: sockbench run [options] FILE|DIR..."): an operand named
 * FILE, DIR or SCENARIO takes scenario files, one such as REPORT.json any
 * file; a word after an option ("[--listen HOST:PORT]", "-c CONNS") is its
 * value, not an operand. */
static void
comp_operand_arg(const struct cli_cmd *c, struct comp_arg *a)
{
	char head[256], *p, *tok, *save = NULL;
	int after_opt = 0;

	memset(a, 0, sizeof(*a));
	if (c->spec == &completion_spec) {
		a->kind = COMP_WORDS;
		snprintf(a->words, sizeof(a->words), "bash zsh fish");
		return;
	}
	if (c->spec == NULL)
		return;
	snprintf(head, sizeof(head), "sockbench %s ", c->name);
	if ((p = strstr(c->spec->help_head, head)) == NULL)
		return;
	snprintf(head, sizeof(head), "%.*s", (int)strcspn(p, "\n"), p);
	strtok_r(head, " ", &save);	/* sockbench */
	strtok_r(NULL, " ", &save);	/* the command */
	while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
		tok += strspn(tok, "[");
		if (tok[0] == '-') {
			/* "[--once]" takes no value; "[--listen" does. */
			after_opt = tok[strlen(tok) - 1] != ']';
			continue;
		}
		if (after_opt) {
			after_opt = 0;
			continue;
		}
		if (strstr(tok, "FILE") != NULL || strstr(tok, "DIR") != NULL ||
		    strstr(tok, "SCENARIO") != NULL)
			a->kind = COMP_SCENARIO;
		else if (a->kind == COMP_NONE && isupper((unsigned char)tok[0]) &&
		    (p = strchr(tok, '.')) != NULL && islower((unsigned char)p[1]))
			a->kind = COMP_FILE;
	}
}

/* Iterate over the resolved option rows of a command. */
static size_t
comp_rows(const struct cli_cmd *c, struct cli_opt *rows, size_t max)
{
	struct cli_opt tmp;
	const struct cli_opt *o, *r;
	size_t n = 0;

	if (c->spec == NULL)
		return 0;
	for (o = c->spec->opts; o->id != 0 || o->help != NULL; o++)
		if (o->id != 0 && n < max && (r = cli_opt_resolve(o, &tmp)) !=
		    NULL)
			rows[n++] = *r;
	return n;
}

#define COMP_MAX_ROWS	96

/* The service specs: each name, NAME:KEY= for each option it takes, and
 * NAME:codec= (every service decodes with another codec on request). */
static void
comp_services(FILE *f, const char *sep)
{
	size_t i, j;
	int first = 1;

	for (i = 0; service_all[i] != NULL; i++) {
		const struct service *s = service_all[i];

		fprintf(f, "%s%s", first ? "" : sep, s->name);
		first = 0;
		for (j = 0; s->options[j] != NULL; j++)
			fprintf(f, "%s%s:%s=", sep, s->name, s->options[j]);
		fprintf(f, "%s%s:codec=", sep, s->name);
	}
}

/* The fault specs, joined by sep: each direction as DIR: and, for every
 * kind of the fault table, DIR:NAME when fault_parse takes it bare, else
 * DIR:NAME= (the parser decides, so the list stays in step with the
 * fault table). */
static void
comp_faults(FILE *f, const char *sep)
{
	static const enum fault_dir dirs[] = { FAULT_UPSTREAM, FAULT_DOWNSTREAM };
	struct fault_spec spec;
	char text[96], err[256];
	size_t d;
	int k, first = 1;

	for (d = 0; d < 2; d++) {
		fprintf(f, "%s%s:", first ? "" : sep, fault_dir_name(dirs[d]));
		first = 0;
		for (k = 0; k < FAULT_KIND_COUNT; k++) {
			const char *name = fault_kind_name((enum fault_kind)k);

			snprintf(text, sizeof(text), "%s:%s",
			    fault_dir_name(dirs[d]), name);
			fprintf(f, "%s%s%s", sep, text, fault_parse(text,
			    &spec, err, sizeof(err)) == 0 ? "" : "=");
		}
	}
}

/* The codec names, joined by sep. */
static void
comp_codecs(FILE *f, const char *sep)
{
	size_t i;

	for (i = 0; codec_all[i] != NULL; i++)
		fprintf(f, "%s%s", i > 0 ? sep : "", codec_all[i]->name);
}

/* The probe names, joined by sep. */
static void
comp_probes(FILE *f, const char *sep)
{
	size_t i;

	for (i = 0; probe_name(i) != NULL; i++)
		fprintf(f, "%s%s", i > 0 ? sep : "", probe_name(i));
}

/* The name bash's and fish's kind words use for a kind. */
static const char *
comp_kind_name(enum comp_kind k)
{
	static const char *const names[] = { "none", "file", "dir",
	    "scenario", "codec", "service", "probes", "fault", "words" };

	return names[k];
}

/* The part of the bash script that reads the tables: how a word is
 * completed from the words before it. */
static const char comp_bash_body[] =
"# _sockbench_value PREFIX CUR KIND: the candidates for CUR (a value of the\n"
"# kind), each after PREFIX (the \"--opt=\" of a glued value).\n"
"_sockbench_value() {\n"
"\tlocal pre=$1 cur=$2 kind=$3 w\n"
"\tlocal -a c=()\n"
"\tcase ${kind%%:*} in\n"
"\twords) mapfile -t c < <(compgen -W \"${kind#*:}\" -- \"$cur\") ;;\n"
"\tcodec) mapfile -t c < <(compgen -W \"$_sockbench_codecs\" -- \"$cur\") ;;\n"
"\tservice)\n"
"\t\tif [[ $cur == *codec=* ]]; then\n"
"\t\t\tw=${cur%codec=*}codec=\n"
"\t\t\tmapfile -t c < <(compgen -P \"$w\" -W \"$_sockbench_codecs\" -- \"${cur##*codec=}\")\n"
"\t\telse\n"
"\t\t\tmapfile -t c < <(compgen -W \"$_sockbench_services\" -- \"$cur\")\n"
"\t\tfi ;;\n"
"\tfault) mapfile -t c < <(compgen -W \"$_sockbench_faults\" -- \"$cur\") ;;\n"
"\tprobes)\n"
"\t\tw=\n"
"\t\t[[ $cur == *,* ]] && w=${cur%,*},\n"
"\t\tmapfile -t c < <(compgen -P \"$w\" -W \"$_sockbench_probes\" -- \"${cur##*,}\") ;;\n"
"\tfile)\n"
"\t\tcompopt -o filenames 2>/dev/null\n"
"\t\tmapfile -t c < <(compgen -f -- \"$cur\") ;;\n"
"\tdir)\n"
"\t\tcompopt -o filenames 2>/dev/null\n"
"\t\tmapfile -t c < <(compgen -d -- \"$cur\") ;;\n"
"\tscenario)\n"
"\t\tcompopt -o filenames 2>/dev/null\n"
"\t\tmapfile -t c < <(compgen -d -- \"$cur\"; compgen -f -X '!*.txt' -- \"$cur\") ;;\n"
"\tesac\n"
"\tCOMPREPLY=(\"${c[@]/#/$pre}\")\n"
"\tif [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *[=:,] ]]; then\n"
"\t\tcompopt -o nospace 2>/dev/null\n"
"\tfi\n"
"\t_sockbench_trim \"$pre$cur\"\n"
"}\n"
"\n"
"# _sockbench_trim WORD: readline replaces only the text after the last\n"
"# COMP_WORDBREAKS character (: and = by default), so drop what comes\n"
"# before it from every candidate.\n"
"_sockbench_trim() {\n"
"\tlocal brk=${COMP_WORDBREAKS-} p\n"
"\tbrk=${brk//[[:space:]\\\"\\']/}\n"
"\t[[ -z $brk ]] && return\n"
"\tp=${1%\"${1##*[$brk]}\"}\n"
"\t[[ -n $p ]] && COMPREPLY=(\"${COMPREPLY[@]#\"$p\"}\")\n"
"}\n"
"\n"
"# The words of the line up to the cursor (from COMP_LINE, so that a value\n"
"# with : or = is one word), the last one being completed.\n"
"_sockbench() {\n"
"\tlocal cur prev cmd kind i n line\n"
"\tlocal -a words\n"
"\tCOMPREPLY=()\n"
"\tif [[ -n ${COMP_LINE-} ]]; then\n"
"\t\tline=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}\n"
"\t\tread -ra words <<<\"$line\"\n"
"\t\t[[ $line == *[[:space:]] || ${#words[@]} -eq 0 ]] && words+=(\"\")\n"
"\telse\n"
"\t\twords=(\"${COMP_WORDS[@]:0:COMP_CWORD+1}\")\n"
"\tfi\n"
"\tn=${#words[@]}\n"
"\tcur=${words[n-1]}\n"
"\tprev=\n"
"\t((n > 1)) && prev=${words[n-2]}\n"
"\tif ((n <= 2)); then\n"
"\t\t_sockbench_value '' \"$cur\" \"words:$_sockbench_commands\"\n"
"\t\treturn 0\n"
"\tfi\n"
"\tcmd=${words[1]}\n"
"\tfor ((i = 2; i < n - 1; i++)); do\n"
"\t\tif [[ ${words[i]} == -- ]]; then\n"
"\t\t\t_sockbench_value '' \"$cur\" \"$(_sockbench_operand \"$cmd\")\"\n"
"\t\t\treturn 0\n"
"\t\tfi\n"
"\tdone\n"
"\tif [[ $cur == --*=* ]]; then\n"
"\t\tkind=$(_sockbench_kind \"$cmd\" \"${cur%%=*}\")\n"
"\t\t[[ -n $kind && $kind != flag ]] &&\n"
"\t\t    _sockbench_value \"${cur%%=*}=\" \"${cur#*=}\" \"$kind\"\n"
"\telif [[ $prev == -* ]] && kind=$(_sockbench_kind \"$cmd\" \"$prev\") &&\n"
"\t    [[ -n $kind && $kind != flag ]]; then\n"
"\t\t_sockbench_value '' \"$cur\" \"$kind\"\n"
"\telif [[ $cur == -* ]]; then\n"
"\t\t_sockbench_value '' \"$cur\" \"words:$(_sockbench_opts \"$cmd\")\"\n"
"\telse\n"
"\t\t_sockbench_value '' \"$cur\" \"$(_sockbench_operand \"$cmd\")\"\n"
"\tfi\n"
"\treturn 0\n"
"}\n"
"complete -F _sockbench sockbench\n";

/* Write the bash functions holding the tables: each command's options,
 * how each option's value completes, how each command's operands do. */
static void
comp_bash_tables(FILE *f)
{
	const struct cli_cmd *c;
	struct cli_opt rows[COMP_MAX_ROWS];
	struct comp_arg a;
	size_t i, n;

	fputs("# _sockbench_opts CMD: the options CMD takes.\n"
	    "_sockbench_opts() {\n\tcase $1 in\n", f);
	for (c = cli_cmds; c->name != NULL; c++) {
		n = comp_rows(c, rows, COMP_MAX_ROWS);
		fprintf(f, "\t'%s') echo '", c->name);
		for (i = 0; i < n; i++) {
			if (rows[i].shrt)
				fprintf(f, "-%c ", rows[i].shrt);
			fprintf(f, "--%s%s", rows[i].name, i + 1 < n ||
			    rows[i].alias != NULL ? " " : "");
			if (rows[i].alias != NULL)
				fprintf(f, "--%s%s", rows[i].alias,
				    i + 1 < n ? " " : "");
		}
		fputs("' ;;\n", f);
	}
	fputs("\tesac\n}\n\n"
	    "# _sockbench_kind CMD OPTION: how OPTION's value completes (none, file,\n"
	    "# dir, scenario, codec, service, probes, words:W1 W2...), flag when it\n"
	    "# takes no value, nothing when CMD has no such option.\n"
	    "_sockbench_kind() {\n\tcase \"$1 $2\" in\n", f);
	for (c = cli_cmds; c->name != NULL; c++) {
		n = comp_rows(c, rows, COMP_MAX_ROWS);
		for (i = 0; i < n; i++) {
			fprintf(f, "\t'%s --%s'", c->name, rows[i].name);
			if (rows[i].alias != NULL)
				fprintf(f, "|'%s --%s'", c->name, rows[i].alias);
			if (rows[i].shrt)
				fprintf(f, "|'%s -%c'", c->name, rows[i].shrt);
			if (rows[i].has_arg != required_argument) {
				fputs(") echo flag ;;\n", f);
				continue;
			}
			comp_opt_arg(&rows[i], &a);
			fprintf(f, ") echo '%s%s%s' ;;\n", comp_kind_name(a.kind),
			    a.kind == COMP_WORDS ? ":" : "", a.words);
		}
	}
	fputs("\tesac\n}\n\n"
	    "# _sockbench_operand CMD: how CMD's operands complete.\n"
	    "_sockbench_operand() {\n\tcase $1 in\n", f);
	for (c = cli_cmds; c->name != NULL; c++) {
		comp_operand_arg(c, &a);
		fprintf(f, "\t'%s') echo '%s%s%s' ;;\n", c->name,
		    comp_kind_name(a.kind), a.kind == COMP_WORDS ? ":" : "",
		    a.words);
	}
	fputs("\tesac\n}\n\n", f);
}

/* Write the bash script. */
static void
comp_bash(FILE *f)
{
	const struct cli_cmd *c;

	fputs("# bash completion for sockbench, printed by 'sockbench completion bash'\n"
	    "# from its command and option tables. Enable it for this shell with\n"
	    "#   source <(sockbench completion bash)\n"
	    "# or install it as /usr/share/bash-completion/completions/sockbench.\n\n", f);
	fputs("_sockbench_commands='", f);
	for (c = cli_cmds; c->name != NULL; c++)
		fprintf(f, "%s ", c->name);
	fputs("--help --version'\n_sockbench_codecs='", f);
	comp_codecs(f, " ");
	fputs("'\n_sockbench_services='", f);
	comp_services(f, " ");
	fputs("'\n_sockbench_faults='", f);
	comp_faults(f, " ");
	fputs("'\n_sockbench_probes='", f);
	comp_probes(f, " ");
	fputs("'\n\n", f);
	comp_bash_tables(f);
	fputs(comp_bash_body, f);
}

/* Write n bytes of s quoted for a single-quoted string: of a zsh
 * _arguments description (zsh_desc) or of fish. */
static void
comp_put_escaped(FILE *f, const char *s, size_t n, int zsh_desc)
{
	size_t i;

	for (i = 0; i < n && s[i] != '\0'; i++) {
		switch (s[i]) {
		case '\'':
			fputs(zsh_desc ? "'\\''" : "\\'", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '[':
			fputc(zsh_desc ? '(' : '[', f);
			break;
		case ']':
			fputc(zsh_desc ? ')' : ']', f);
			break;
		case ':':
			fputs(zsh_desc ? "\\:" : ":", f);
			break;
		case '`':
			break;
		default:
			fputc(s[i], f);
		}
	}
}

/* The first line of a help text. */
static size_t
comp_first_line(const char *h)
{
	return h != NULL ? strcspn(h, "\n") : 0;
}

/* The zsh action completing a value of this kind. */
static void
comp_zsh_action(FILE *f, const struct comp_arg *a)
{
	switch (a->kind) {
	case COMP_NONE: fputs(" ", f); break;
	case COMP_FILE: fputs("_files", f); break;
	case COMP_DIR: fputs("_files -/", f); break;
	case COMP_SCENARIO: fputs("_sockbench_scenarios", f); break;
	case COMP_CODEC: fputs("_sockbench_codecs", f); break;
	case COMP_SERVICE: fputs("_sockbench_services", f); break;
	case COMP_PROBES: fputs("_sockbench_probes", f); break;
	case COMP_FAULT: fputs("_sockbench_faults", f); break;
	case COMP_WORDS: fprintf(f, "(%s)", a->words); break;
	}
}

/* Write the zsh script. */
static void
comp_zsh(FILE *f)
{
	const struct cli_cmd *c;
	struct cli_opt rows[COMP_MAX_ROWS];
	struct comp_arg a;
	size_t i, n;

	fputs("#compdef sockbench\n"
	    "# zsh completion for sockbench, printed by 'sockbench completion zsh'\n"
	    "# from its command and option tables. Enable it with\n"
	    "#   source <(sockbench completion zsh)\n"
	    "# after compinit, or install it as _sockbench in a directory of $fpath\n"
	    "# (/usr/share/zsh/vendor-completions/_sockbench).\n\n", f);
	fputs("_sockbench_codecs() {\n\tcompadd -- ", f);
	comp_codecs(f, " ");
	fputs("\n}\n\n_sockbench_services() {\n"
	    "\tif [[ $PREFIX == *codec=* ]]; then\n"
	    "\t\tcompset -P '*codec='\n\t\t_sockbench_codecs\n\t\treturn\n\tfi\n", f);
	fputs("\tlocal -a whole part\n\twhole=(", f);
	for (i = 0; service_all[i] != NULL; i++)
		fprintf(f, "%s%s", i > 0 ? " " : "", service_all[i]->name);
	fputs(")\n\tpart=(", f);
	{
		size_t j;
		int first = 1;

		for (i = 0; service_all[i] != NULL; i++) {
			const struct service *s = service_all[i];

			for (j = 0; s->options[j] != NULL; j++) {
				fprintf(f, "%s%s:%s=", first ? "" : " ",
				    s->name, s->options[j]);
				first = 0;
			}
			fprintf(f, "%s%s:codec=", first ? "" : " ", s->name);
			first = 0;
		}
	}
	fputs(")\n\tcompadd -- $whole\n\tcompadd -S '' -- $part\n}\n\n", f);
	fputs("_sockbench_faults() {\n\tlocal -a w\n\tw=(", f);
	comp_faults(f, " ");
	fputs(")\n\tcompadd -S '' -- ${(M)w:#*[:=]}\n"
	    "\tcompadd -- ${w:#*[:=]}\n}\n\n", f);
	fputs("_sockbench_probes() {\n\t_sequence compadd - ", f);
	comp_probes(f, " ");
	fputs("\n}\n\n_sockbench_scenarios() {\n\t_files -g '*.txt'\n}\n\n", f);
	fputs("_sockbench() {\n"
	    "\tlocal curcontext=$curcontext state line ret=1\n"
	    "\ttypeset -A opt_args\n"
	    "\t_arguments -C '(- :)--help[the commands]' '(- :)--version[the version]' \\\n"
	    "\t    '1:command:->command' '*::argument:->argument' && ret=0\n"
	    "\tcase $state in\n"
	    "\tcommand)\n"
	    "\t\tlocal -a cmds\n"
	    "\t\tcmds=(\n", f);
	for (c = cli_cmds; c->name != NULL; c++) {
		fprintf(f, "\t\t\t'%s:", c->name);
		comp_put_escaped(f, c->summary, strlen(c->summary), 1);
		fputs("'\n", f);
	}
	fputs("\t\t)\n\t\t_describe -t commands 'sockbench command' cmds && ret=0\n"
	    "\t\t;;\n\targument)\n\t\tcurcontext=${curcontext%:*:*}:sockbench-$line[1]:\n"
	    "\t\tcase $line[1] in\n", f);
	for (c = cli_cmds; c->name != NULL; c++) {
		n = comp_rows(c, rows, COMP_MAX_ROWS);
		fprintf(f, "\t\t'%s')\n\t\t\t_arguments -s -S \\\n", c->name);
		for (i = 0; i < n; i++) {
			const struct cli_opt *o = &rows[i];
			int arg = o->has_arg == required_argument;

			/* Several names: an exclusion list and a brace
			 * expansion of the names, each then one spec. */
			if (o->shrt || o->alias != NULL) {
				fputs("\t\t\t    '(", f);
				if (o->shrt)
					fprintf(f, "-%c ", o->shrt);
				fprintf(f, "--%s", o->name);
				if (o->alias != NULL)
					fprintf(f, " --%s", o->alias);
				fputs(")'{", f);
				if (o->shrt)
					fprintf(f, "-%c%s,", o->shrt,
					    arg ? "+" : "");
				fprintf(f, "--%s%s", o->name, arg ? "=" : "");
				if (o->alias != NULL)
					fprintf(f, ",--%s%s", o->alias,
					    arg ? "=" : "");
				fputs("}'[", f);
			} else
				fprintf(f, "\t\t\t    '--%s%s[", o->name,
				    arg ? "=" : "");
			comp_put_escaped(f, o->help, comp_first_line(o->help), 1);
			fputs("]", f);
			if (arg) {
				comp_opt_arg(o, &a);
				fputs(":", f);
				comp_put_escaped(f, o->metavar, strlen(o->metavar),
				    1);
				fputs(":", f);
				comp_zsh_action(f, &a);
			}
			fputs("' \\\n", f);
		}
		comp_operand_arg(c, &a);
		if (a.kind != COMP_NONE) {
			fputs("\t\t\t    '*:operand:", f);
			comp_zsh_action(f, &a);
			fputs("' \\\n", f);
		}
		fputs("\t\t\t    && ret=0 ;;\n", f);
	}
	fputs("\t\tesac\n\t\t;;\n\tesac\n\treturn ret\n}\n\n"
	    "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n"
	    "\t_sockbench \"$@\"\nelse\n\tcompdef _sockbench sockbench\nfi\n", f);
}

/* Write the fish arguments completing a value of this kind. */
static void
comp_fish_action(FILE *f, const struct comp_arg *a)
{
	switch (a->kind) {
	case COMP_NONE: fputs(" -x", f); break;
	case COMP_FILE: fputs(" -r -F", f); break;
	case COMP_DIR: fputs(" -x -a '(__fish_complete_directories)'", f); break;
	case COMP_SCENARIO:
		fputs(" -x -a '(__fish_sockbench_scenarios)'", f);
		break;
	case COMP_CODEC:
		fputs(" -x -a '", f);
		comp_codecs(f, " ");
		fputs("'", f);
		break;
	case COMP_SERVICE:
		fputs(" -x -a '", f);
		comp_services(f, " ");
		fputs("'", f);
		break;
	case COMP_FAULT:
		fputs(" -x -a '", f);
		comp_faults(f, " ");
		fputs("'", f);
		break;
	case COMP_PROBES:
		fputs(" -x -a '(__fish_complete_list , \"string split \\\" \\\" \\\"", f);
		comp_probes(f, " ");
		fputs("\\\"\")'", f);
		break;
	case COMP_WORDS: fprintf(f, " -x -a '%s'", a->words); break;
	}
}

/* Write the fish script. */
static void
comp_fish(FILE *f)
{
	const struct cli_cmd *c;
	struct cli_opt rows[COMP_MAX_ROWS];
	struct comp_arg a;
	size_t i, n;

	fputs("# fish completion for sockbench, printed by 'sockbench completion fish'\n"
	    "# from its command and option tables. Enable it with\n"
	    "#   sockbench completion fish | source\n"
	    "# or install it as ~/.config/fish/completions/sockbench.fish\n"
	    "# (/usr/share/fish/vendor_completions.d/sockbench.fish).\n\n"
	    "# Scenario files (*.txt) and directories.\n"
	    "function __fish_sockbench_scenarios\n"
	    "    string match -r -- '^[^\\t]*(?:/|\\.txt)(?:\\t.*)?$' "
	    "(__fish_complete_path (commandline -ct))\n"
	    "end\n\n"
	    "complete -c sockbench -f\n"
	    "complete -c sockbench -n __fish_use_subcommand -l help -d 'the commands'\n"
	    "complete -c sockbench -n __fish_use_subcommand -l version -d 'the version'\n", f);
	for (c = cli_cmds; c->name != NULL; c++) {
		fprintf(f, "complete -c sockbench -n __fish_use_subcommand -a %s -d '",
		    c->name);
		comp_put_escaped(f, c->summary, strlen(c->summary), 0);
		fputs("'\n", f);
	}
	for (c = cli_cmds; c->name != NULL; c++) {
		n = comp_rows(c, rows, COMP_MAX_ROWS);
		fprintf(f, "\n# %s\n", c->name);
		for (i = 0; i < n; i++) {
			const struct cli_opt *o = &rows[i];

			fprintf(f, "complete -c sockbench -n '__fish_seen_subcommand_from %s'",
			    c->name);
			if (o->shrt)
				fprintf(f, " -s %c", o->shrt);
			fprintf(f, " -l %s", o->name);
			if (o->alias != NULL)
				fprintf(f, " -l %s", o->alias);
			if (o->has_arg == required_argument) {
				comp_opt_arg(o, &a);
				comp_fish_action(f, &a);
			}
			fputs(" -d '", f);
			comp_put_escaped(f, o->help, comp_first_line(o->help), 0);
			fputs("'\n", f);
		}
		comp_operand_arg(c, &a);
		if (a.kind == COMP_NONE)
			continue;
		fprintf(f, "complete -c sockbench -n '__fish_seen_subcommand_from %s'",
		    c->name);
		comp_fish_action(f, &a);
		fputs("\n", f);
	}
}

static const struct cli_opt completion_opts[] = {
	CLI_USE(CLI_O_HELP),
	CLI_END
};

/* completion has no options of its own but --help. */
static int
completion_set(void *ctx, const struct cli_opt *o, const char *arg)
{
	(void)ctx;
	(void)o;
	(void)arg;
	return 0;
}

const struct cli_spec completion_spec = {
	"completion", completion_opts, 27,
	"Usage: sockbench completion bash|zsh|fish\n"
	"\n"
	"Print a completion script for the shell: commands, each command's\n"
	"options, codec names (--codec), service specs (--service), probe\n"
	"names (--probes), proxy fault specs (--fault), report formats and\n"
	"scenario files (*.txt). The script is made from the same tables the\n"
	"commands parse with, so it always matches this binary.\n"
	"\n"
	"Enable it for the current shell:\n"
	"  bash:  source <(sockbench completion bash)\n"
	"  zsh:   source <(sockbench completion zsh)      (after compinit)\n"
	"  fish:  sockbench completion fish | source\n"
	"or install it where the shell looks (the Debian package does):\n"
	"  /usr/share/bash-completion/completions/sockbench\n"
	"  /usr/share/zsh/vendor-completions/_sockbench\n"
	"  /usr/share/fish/vendor_completions.d/sockbench.fish\n"
	"\n",
	"\nExit status: 0, or 2 for an unknown shell.\n",
	completion_set
};

int
completion_main(int argc, char **argv)
{
	int first, rc;

	if ((rc = cli_parse(&completion_spec, argc, argv, NULL, NULL,
	    &first)) != -1)
		return rc;
	if (argc - first != 1)
		return cli_usage_error("completion", "expected one shell: "
		    "bash, zsh or fish");
	if (strcmp(argv[first], "bash") == 0)
		comp_bash(stdout);
	else if (strcmp(argv[first], "zsh") == 0)
		comp_zsh(stdout);
	else if (strcmp(argv[first], "fish") == 0)
		comp_fish(stdout);
	else
		return cli_usage_error("completion", "unknown shell '%s': "
		    "expected bash, zsh or fish", argv[first]);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("sockbench completion: stdout");
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}
