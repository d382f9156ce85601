/* The dashboard's key table, after htop's Action bindings: one row per line
 * of the help overlay, with its keys, the modes it applies in, its help
 * text, its status-line hint and its handler. Dispatch, the help overlay
 * and the status line's hints all read this one table, so adding a key is
 * adding a row. Only the files of ui/ include this. */
#ifndef SB_UI_KEYS_H
#define SB_UI_KEYS_H
#include <stdbool.h>
#include <stddef.h>

struct ui;

/* The modes a row applies in (a bit set). */
enum ui_keys_mode {
	UI_KEYS_VIEW	= 1 << 0,	/* the table or the message pane */
	UI_KEYS_FILTER	= 1 << 1,	/* the filter prompt is open */
	UI_KEYS_HELP	= 1 << 2,	/* the help overlay is open */
	UI_KEYS_SEARCH	= 1 << 3,	/* the search prompt is open */
	UI_KEYS_SEND	= 1 << 4,	/* the send line is open */
	UI_KEYS_STEPS	= 1 << 5,	/* the step screen (ui_steps.c) */
	UI_KEYS_FAULT	= 1 << 6,	/* the fault prompt (ui_proxy.c) */
};

/* The modes whose rows the help overlay lists. */
#define UI_KEYS_HELP_MODES	(UI_KEYS_VIEW | UI_KEYS_STEPS)

#define UI_KEYS_OTHER	(-2)	/* any key the mode binds no other way */
#define UI_KEYS_PER_ROW	6	/* key codes a row holds at most */

/* One key of a row: a curses key code (or UI_KEYS_OTHER) and the argument
 * its handler gets (a direction, a step); code 0 ends a row's keys. */
struct ui_keys_key {
	int	 code;
	long	 arg;
};

/* One row of the table. Static and const: nothing allocates it. */
struct ui_keys_row {
	unsigned		 modes;		/* enum ui_keys_mode bits */
	struct ui_keys_key	 keys[UI_KEYS_PER_ROW];
	const char		*label;		/* the keys, as help shows them */
	const char		*help;		/* what they do, for the overlay */
	const char		*hint;		/* on the status line, or NULL */
	int			 hint_rank;	/* hints sort by it, 1 first */
	void			(*fn)(struct ui *u, int ch, long arg);
};

/* The table, and how many rows it has. */
extern const struct ui_keys_row ui_keys_table[];
extern const size_t ui_keys_count;

/* The mode u is in: help overlay, filter or search prompt, or the view. */
enum ui_keys_mode ui_keys_mode(const struct ui *u);
/* The row that binds ch in mode (the mode's UI_KEYS_OTHER row when no row
 * names ch), with the key's argument in *arg; NULL when ch is unbound. */
const struct ui_keys_row *ui_keys_find(enum ui_keys_mode mode, int ch,
    long *arg);
/* Act on one key read from curses: a terminal resize redraws in any mode,
 * every other key goes to the handler its row in u's mode names. */
void ui_keys_dispatch(struct ui *u, int ch);
/* Write the next few files of a W recording in progress (at most a few
 * milliseconds' worth, so that traffic never waits on it); the redraw
 * timer calls it every frame. Frees the job when it is done. */
void ui_keys_record_step(struct ui *u);
/* Write the directory recordings (and transcripts) go to into dir: the
 * current one, as an absolute path; 0, or -1 with why on the status line. */
int ui_keys_record_dir(struct ui *u, char *dir, size_t dirlen);
/* Drop a W recording in progress (the dashboard is closing). */
void ui_keys_record_cancel(struct ui *u);
/* Write the hints of mode's rows with 1 <= hint_rank <= max_rank into out,
 * in rank order, joined by sep; returns the length strlen(out) has (or
 * would have had, as snprintf does). */
size_t ui_keys_hints(enum ui_keys_mode mode, int max_rank, const char *sep,
    char *out, size_t outlen);
/* ui_keys_hints with only the rows that work in u's dashboard (no r, +
 * or - without a scenario runner); every row when u is NULL. */
size_t ui_keys_hints_for(const struct ui *u, enum ui_keys_mode mode,
    int max_rank, const char *sep, char *out, size_t outlen);
/* Whether row's keys do something in u's dashboard (true when u is NULL). */
bool ui_keys_row_works(const struct ui *u, const struct ui_keys_row *row);
/* Lines of the help overlay: a title, a blank line, then one per row of
 * the view and step screen modes (UI_KEYS_HELP_MODES). */
size_t ui_keys_help_count(void);
/* Write line i (< ui_keys_help_count()) of the help overlay into out: the
 * row's label padded to the widest label, then its help text. */
void ui_keys_help_line(size_t i, char *out, size_t outlen);
/* Columns before the help text of an overlay line (the widest label and a
 * space): where a wrapped help text continues. */
int ui_keys_help_indent(void);
/* The name of a key code as the help and docs/dashboard.md write it:
 * "Up", "PgDn", "Space", "Enter", "Esc", "Ctrl-L", "F1", "Backspace", the
 * character itself for printable ASCII; NULL for UI_KEYS_OTHER. */
const char *ui_keys_name(int code, char *buf, size_t buflen);

#endif
