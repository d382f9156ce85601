/* Unit tests for the dashboard's key table: no key bound twice in a mode,
 * every row with a label, help text and a handler, the help overlay and
 * docs/dashboard.md listing every key, the status line's hints drawn from
 * the table, and keys dispatched through it acting as they should. No
 * terminal needed. */
#define NCURSES_WIDECHAR 1
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <curses.h>
#include <cmocka.h>
#include "ui_draw.h"
#include "ui_keys.h"

static const unsigned modes[] = { UI_KEYS_VIEW, UI_KEYS_FILTER,
    UI_KEYS_HELP, UI_KEYS_SEARCH, UI_KEYS_SEND, UI_KEYS_STEPS,
    UI_KEYS_FAULT };

/* Whether c separates words in a key list ("Up/Down, j/k", "`q`"). */
static int
is_sep(char c)
{
	return c == '\0' || strchr(" ,/()|`;:\n", c) != NULL;
}

/* Whether name occurs in s[0..n) as a whole word. */
static int
has_word(const char *s, size_t n, const char *name)
{
	size_t len = strlen(name), i;

	for (i = 0; i + len <= n; i++)
		if (memcmp(s + i, name, len) == 0 &&
		    (i == 0 || is_sep(s[i - 1])) &&
		    (i + len == n || is_sep(s[i + len])))
			return 1;
	return 0;
}

/* No key code is bound by two rows of one mode (nor twice in one row), and
 * each mode has at most one row for any other key. */
static void
test_no_key_bound_twice_in_a_mode(void **state)
{
	size_t m, i, j, k, l, other;

	(void)state;
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		other = 0;
		for (i = 0; i < ui_keys_count; i++) {
			const struct ui_keys_row *a = &ui_keys_table[i];

			if ((a->modes & modes[m]) == 0)
				continue;
			for (k = 0; k < UI_KEYS_PER_ROW && a->keys[k].code; k++) {
				if (a->keys[k].code == UI_KEYS_OTHER)
					other++;
				for (j = i; j < ui_keys_count; j++) {
					const struct ui_keys_row *b =
					    &ui_keys_table[j];

					if ((b->modes & modes[m]) == 0)
						continue;
					for (l = j == i ? k + 1 : 0;
					    l < UI_KEYS_PER_ROW &&
					    b->keys[l].code; l++)
						if (a->keys[k].code ==
						    b->keys[l].code)
							fail_msg("key %d bound "
							    "twice in mode %u "
							    "('%s', '%s')",
							    a->keys[k].code,
							    modes[m], a->label,
							    b->label);
				}
			}
		}
		assert_true(other <= 1);
	}
}

/* Every row has modes, at least one key, a label, help text, a handler,
 * and a hint only with a rank. */
static void
test_every_row_is_complete(void **state)
{
	size_t i;

	(void)state;
	assert_true(ui_keys_count > 0);
	for (i = 0; i < ui_keys_count; i++) {
		const struct ui_keys_row *r = &ui_keys_table[i];

		assert_true(r->modes != 0);
		assert_true(r->keys[0].code != 0);
		assert_non_null(r->label);
		assert_true(r->label[0] != '\0');
		assert_non_null(r->help);
		assert_true(r->help[0] != '\0');
		assert_non_null(r->fn);
		assert_true((r->hint == NULL) == (r->hint_rank == 0));
	}
}

/* The help overlay has a line for every row of the view, in table order,
 * starting with the row's label, and the label names every key of it. */
static void
test_help_overlay_lists_every_key(void **state)
{
	char line[256], buf[16];
	size_t i, k, n = 2, label;
	const char *name;

	(void)state;
	ui_keys_help_line(0, line, sizeof(line));
	assert_string_equal(line, "Keys");
	for (i = 0; i < ui_keys_count; i++) {
		const struct ui_keys_row *r = &ui_keys_table[i];

		if ((r->modes & UI_KEYS_HELP_MODES) == 0)
			continue;
		ui_keys_help_line(n++, line, sizeof(line));
		label = strlen(r->label);
		assert_memory_equal(line, r->label, label);
		assert_non_null(strstr(line + label, r->help));
		for (k = 0; k < UI_KEYS_PER_ROW && r->keys[k].code; k++) {
			name = ui_keys_name(r->keys[k].code, buf, sizeof(buf));
			assert_non_null(name);
			if (!has_word(line, label, name))
				fail_msg("help line '%s' does not list %s",
				    line, name);
		}
	}
	assert_int_equal(n, ui_keys_help_count());
	/* The help mode's "any key" is what a line of the overlay says. */
	for (i = 2; i < n; i++) {
		ui_keys_help_line(i, line, sizeof(line));
		if (strstr(line, "any key closes it") != NULL)
			break;
	}
	assert_true(i < n);
}

/* The status line's hints come from the table, in rank order: the same
 * text the dashboard showed before the table existed. */
static void
test_status_hints_from_the_table(void **state)
{
	char out[256], small[8], buf[16];
	size_t i, n;

	(void)state;
	n = ui_keys_hints(UI_KEYS_VIEW, INT_MAX, "  ", out, sizeof(out));
	assert_string_equal(out, "q quit  ? help  Enter focus  Tab pane  "
	    "2 steps  s/S sort  / filter  x hex  p pause  r restart  +/- conns  "
	    "w/W record  i send");
	assert_int_equal(n, strlen(out));
	ui_keys_hints(UI_KEYS_VIEW, 2, "  ", out, sizeof(out));
	assert_string_equal(out, "q quit  ? help");
	ui_keys_hints(UI_KEYS_FILTER, INT_MAX, ", ", out, sizeof(out));
	assert_string_equal(out, "Enter keep, Esc clear");
	ui_keys_hints(UI_KEYS_HELP, INT_MAX, ", ", out, sizeof(out));
	assert_string_equal(out, "");
	/* Truncated, it stays a string and says how long it would be. */
	assert_int_equal(ui_keys_hints(UI_KEYS_VIEW, 2, "  ", small,
	    sizeof(small)), strlen("q quit  ? help"));
	assert_string_equal(small, "q quit ");
	/* Every hint starts with the name of its row's first key. */
	for (i = 0; i < ui_keys_count; i++) {
		const struct ui_keys_row *r = &ui_keys_table[i];
		const char *name;

		if (r->hint == NULL)
			continue;
		name = ui_keys_name(r->keys[0].code, buf, sizeof(buf));
		assert_non_null(name);
		if (!has_word(r->hint, strcspn(r->hint, " "), name))
			fail_msg("hint '%s' does not start with %s", r->hint,
			    name);
	}
}

/* The section of docs/dashboard.md that lists keys, read whole. */
static char *
docs_keys(void)
{
	const char *dir = getenv("SB_SRCDIR");
	char path[512], *text, *start, *end;
	FILE *f;
	long len;

	snprintf(path, sizeof(path), "%s/docs/dashboard.md",
	    dir != NULL ? dir : ".");
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s (run from the source tree or set "
		    "SB_SRCDIR)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	text = malloc((size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	text[len] = '\0';
	fclose(f);
	start = strstr(text, "\n## Keys\n");
	assert_non_null(start);
	memmove(text, start, strlen(start) + 1);
	if ((end = strstr(text + 1, "\n## ")) != NULL)
		*end = '\0';
	return text;
}

/* docs/dashboard.md's Keys section names every key of every mode:
 * printable keys in backquotes, the others by name. */
static void
test_docs_list_every_key(void **state)
{
	char *doc = docs_keys(), want[24], buf[16];
	size_t i, k;

	(void)state;
	for (i = 0; i < ui_keys_count; i++) {
		const struct ui_keys_row *r = &ui_keys_table[i];

		for (k = 0; k < UI_KEYS_PER_ROW && r->keys[k].code; k++) {
			const char *name = ui_keys_name(r->keys[k].code, buf,
			    sizeof(buf));

			if (name == NULL)
				continue;	/* UI_KEYS_OTHER */
			if (strlen(name) == 1)
				snprintf(want, sizeof(want), "`%s`", name);
			else
				snprintf(want, sizeof(want), "%s", name);
			if (strstr(doc, want) == NULL ||
			    (strlen(name) > 1 && !has_word(doc, strlen(doc),
			    name)))
				fail_msg("docs/dashboard.md ## Keys does not "
				    "list %s (%s)", want, r->label);
		}
	}
	free(doc);
}

/* A dashboard state with no terminal, no runner and an idle engine. */
static struct ui *
new_ui(void)
{
	struct ui *u = calloc(1, sizeof(*u));

	assert_non_null(u);
	u->e = engine_new(NULL);
	u->title = "test";
	ui_model_init(&u->m);
	return u;
}

/* Free what new_ui made. */
static void
free_ui(struct ui *u)
{
	ui_model_free(&u->m);
	engine_free(u->e);
	free(u);
}

/* Keys go to the row of the mode the dashboard is in: toggles, the help
 * overlay that any key closes (q too, without quitting), the filter prompt
 * with typing, Backspace, Enter and Esc, sorting, and q. */
static void
test_dispatch_follows_the_table(void **state)
{
	struct ui *u = new_ui();
	enum ui_col sort;
	int reverse;

	(void)state;
	ui_keys_dispatch(u, 'x');
	assert_int_equal(u->hex, 1);
	ui_keys_dispatch(u, 'x');
	assert_int_equal(u->hex, 0);
	ui_keys_dispatch(u, '\t');
	assert_int_equal(u->pane, UI_PANE_MSGS);
	ui_keys_dispatch(u, '\t');
	assert_int_equal(u->pane, UI_PANE_TABLE);
	ui_keys_dispatch(u, 'z');	/* unbound: nothing */
	assert_int_equal(u->hex + u->paused + u->help + u->filtering +
	    u->quit, 0);

	ui_keys_dispatch(u, KEY_F(1));
	assert_int_equal(ui_keys_mode(u), UI_KEYS_HELP);
	ui_keys_dispatch(u, 'q');
	assert_int_equal(u->help, 0);
	assert_int_equal(u->quit, 0);

	ui_keys_dispatch(u, '/');
	assert_int_equal(ui_keys_mode(u), UI_KEYS_FILTER);
	ui_keys_dispatch(u, 'q');	/* typed, not quit */
	ui_keys_dispatch(u, 'x');
	ui_keys_dispatch(u, 1);		/* control key: ignored */
	ui_keys_dispatch(u, 0x100);	/* beyond a byte: ignored */
	assert_string_equal(u->fbuf, "qx");
	ui_keys_dispatch(u, KEY_BACKSPACE);
	assert_string_equal(u->fbuf, "q");
	assert_string_equal(u->m.filter, "q");
	ui_keys_dispatch(u, '\r');
	assert_int_equal(u->filtering, 0);
	assert_string_equal(u->m.filter, "q");
	assert_int_equal(u->quit, 0);
	ui_keys_dispatch(u, 27);	/* Esc in the view clears it */
	assert_string_equal(u->m.filter, "");
	ui_keys_dispatch(u, '/');
	ui_keys_dispatch(u, 'a');
	ui_keys_dispatch(u, 27);	/* Esc at the prompt clears and closes */
	assert_int_equal(u->filtering, 0);
	assert_string_equal(u->m.filter, "");

	/* Only shown columns sort: at 120 columns LOCAL is not shown, so
	 * > from CODEC goes to PEER; < from ID wraps to LAST. */
	COLS = 120;
	ui_model_set_sort(&u->m, UI_COL_ID, 1);
	ui_keys_dispatch(u, 's');
	assert_int_equal(u->m.sort, UI_COL_SIDE);
	assert_non_null(strstr(u->status, "sorted by SIDE"));
	ui_keys_dispatch(u, '<');
	ui_keys_dispatch(u, '<');
	assert_int_equal(u->m.sort, UI_COL_LAST);
	ui_model_set_sort(&u->m, UI_COL_CODEC, 1);
	ui_keys_dispatch(u, KEY_F(6));
	assert_int_equal(u->m.sort, UI_COL_PEER);
	ui_keys_dispatch(u, '>');
	assert_int_equal(u->m.sort, UI_COL_BIN);
	COLS = 0;
	sort = u->m.sort;
	ui_keys_dispatch(u, 's');	/* nothing shown: it stays */
	assert_int_equal(u->m.sort, sort);
	reverse = u->m.reverse;
	ui_keys_dispatch(u, 'S');
	assert_int_equal(u->m.reverse, !reverse);
	assert_non_null(strstr(u->status, u->m.reverse ? ", descending" :
	    ", ascending"));
	ui_keys_dispatch(u, '=');
	assert_string_equal(u->status, "no scenario runs here");
	ui_keys_dispatch(u, 'p');
	assert_int_equal(u->paused, 1);
	ui_keys_dispatch(u, 'Q');
	assert_int_equal(u->quit, 1);
	free_ui(u);
}

/* F3 searches without hiding rows: typing moves the cursor to the first
 * row with the text, n and N to the next and previous (wrapping), Esc
 * closes the prompt, and no row is filtered out. */
static void
test_search_moves_the_cursor(void **state)
{
	struct ui *u = new_ui();
	struct obs_event ev = { .kind = OBS_OPENED };
	struct conn_info ci[4];
	const char *peers[] = { "10.0.0.1:80", "10.0.0.2:80", "10.0.0.1:81",
	    "10.0.0.3:80" };
	int i;

	(void)state;
	memset(ci, 0, sizeof(ci));
	for (i = 0; i < 4; i++) {
		ci[i].id = (uint64_t)i + 1;
		ci[i].state = CS_OPEN;
		ci[i].rtt_last = -1;
		snprintf(ci[i].peer, sizeof(ci[i].peer), "%s", peers[i]);
		ui_model_event(&u->m, &ci[i], &ev, 1);
	}
	ui_model_set_sort(&u->m, UI_COL_ID, 0);
	ui_model_refresh(&u->m, 1);
	ui_keys_dispatch(u, KEY_F(3));
	assert_int_equal(ui_keys_mode(u), UI_KEYS_SEARCH);
	ui_keys_dispatch(u, '0');
	ui_keys_dispatch(u, '.');
	ui_keys_dispatch(u, '2');
	assert_int_equal(u->cur, 1);	/* 10.0.0.2 */
	ui_keys_dispatch(u, KEY_BACKSPACE);
	ui_keys_dispatch(u, '1');
	assert_int_equal(u->cur, 2);	/* 10.0.0.1:81, from the cursor */
	ui_keys_dispatch(u, '\r');
	assert_int_equal(ui_keys_mode(u), UI_KEYS_VIEW);
	assert_int_equal(u->m.nview, 4);	/* hides none */
	ui_keys_dispatch(u, 'n');
	assert_int_equal(u->cur, 0);	/* wrapped */
	ui_keys_dispatch(u, 'N');
	assert_int_equal(u->cur, 2);
	ui_keys_dispatch(u, KEY_F(3));
	ui_keys_dispatch(u, 'z');
	assert_int_equal(u->cur, 2);	/* none has it: stays */
	assert_non_null(strstr(u->status, "no row has 'z'"));
	ui_keys_dispatch(u, 27);
	assert_int_equal(ui_keys_mode(u), UI_KEYS_VIEW);
	assert_string_equal(u->sbuf, "");
	for (i = 0; i < 4; i++) {
		struct obs_event cl = { .kind = OBS_CLOSED };

		ui_model_event(&u->m, &ci[i], &cl, 2);
	}
	free_ui(u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_key_bound_twice_in_a_mode),
		cmocka_unit_test(test_every_row_is_complete),
		cmocka_unit_test(test_help_overlay_lists_every_key),
		cmocka_unit_test(test_status_hints_from_the_table),
		cmocka_unit_test(test_docs_list_every_key),
		cmocka_unit_test(test_dispatch_follows_the_table),
		cmocka_unit_test(test_search_moves_the_cursor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
