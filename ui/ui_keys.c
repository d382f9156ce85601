/* The dashboard's keys: the one table that binds them (see ui_keys.h), the
 * handlers it names, and the help overlay's and status line's text drawn
 * from it. */
#define NCURSES_WIDECHAR 1
#include <assert.h>
#include <curses.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "ui_actions.h"
#include "ui_draw.h"
#include "ui_files.h"
#include "ui_keys.h"
#include "ui_mouse.h"
#include "ui_proxy.h"
#include "ui_load.h"
#include "ui_record.h"
#include "ui_steps.h"
#include "util.h"

#define UI_KEYS_ESC	27
#define UI_KEYS_CTRL_L	12

/* Move the cursor (table) or scroll (messages) by delta lines. */
static void
ui_keys_move(struct ui *u, long delta)
{
	if (u->screen == UI_SCREEN_STEPS) {
		ui_steps_scroll(u, delta);
		return;
	}
	if (u->pane == UI_PANE_MSGS) {
		long back = (long)u->msg_back - delta;

		if (back < 0)
			back = 0;
		if (back > INT_MAX / 2)
			back = INT_MAX / 2;
		u->msg_back = (int)back;
		return;
	}
	if (u->m.nview == 0)
		return;
	if (delta < 0 && u->cur < -delta)
		u->cur = 0;
	else
		u->cur += delta;
	if (u->cur >= (long)u->m.nview)
		u->cur = (long)u->m.nview - 1;
	u->sel_id = u->m.view[u->cur]->info.id;
	u->t_nav = clock_now_mono();
}

/* Up/Down: one line (arg is -1 or 1). */
static void
ui_keys_line_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	ui_keys_move(u, arg);
}

/* PgUp/PgDn: one page of the pane that has the keys (arg is -1 or 1). */
static void
ui_keys_page_cb(struct ui *u, int ch, long arg)
{
	int page = u->screen == UI_SCREEN_STEPS ? u->steps_rows :
	    u->pane == UI_PANE_MSGS ? u->msg_rows : u->table_rows;

	(void)ch;
	ui_keys_move(u, arg * (page < 1 ? 1 : page));
}

/* Home/End: the first or the last row (arg is -1 or 1). */
static void
ui_keys_end_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	ui_keys_move(u, arg * (LONG_MAX / 4));
}

/* Enter: show the selected connection in the message pane, and keep its
 * row while it is focused. */
static void
ui_keys_focus_cb(struct ui *u, int ch, long arg)
{
	struct ui_conn *c;

	(void)ch;
	(void)arg;
	if ((c = ui_model_find(&u->m, u->focus_id)) != NULL)
		c->pinned = 0;
	if ((c = ui_model_find(&u->m, u->sel_id)) == NULL)
		return;
	c->pinned = 1;
	u->focus_id = c->info.id;
	u->msg_back = 0;
	ui_status(u, "focused connection #%llu (kept while focused)",
	    (unsigned long long)c->info.id);
}

/* Tab: the keys go to the other pane; with a scenario runner the step
 * screen follows the message pane (table, messages, steps, table). */
static void
ui_keys_pane_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	(void)arg;
	if (u->screen == UI_SCREEN_STEPS) {
		u->screen = UI_SCREEN_CONNS;
		u->pane = UI_PANE_TABLE;
	} else if (u->pane == UI_PANE_MSGS && u->r != NULL) {
		u->screen = UI_SCREEN_STEPS;
		u->pane = UI_PANE_TABLE;
	} else
		u->pane = u->pane == UI_PANE_TABLE ? UI_PANE_MSGS :
		    UI_PANE_TABLE;
}

/* s, >, F6: sort by the next shown column to the right (arg 1); <: to
 * the left (arg -1); S: reverse the order (arg 0). */
static void
ui_keys_sort_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	if (arg != 0)
		ui_model_set_sort(&u->m, ui_draw_sort_step(u, u->m.sort,
		    (int)arg), u->m.reverse);
	else
		ui_model_set_sort(&u->m, u->m.sort, !u->m.reverse);
	ui_model_refresh(&u->m, clock_now_mono());
	ui_draw_follow(u);
	if (arg != 0)
		ui_status(u, "sorted by %s", ui_model_col_name(u->m.sort));
	else
		ui_status(u, "sorted by %s, %s", ui_model_col_name(u->m.sort),
		    u->m.reverse ? "descending" : "ascending");
}

/* Apply the filter being typed, keeping the cursor on its row. */
static void
ui_keys_apply_filter(struct ui *u)
{
	ui_model_set_filter(&u->m, u->fbuf);
	ui_model_refresh(&u->m, clock_now_mono());
	ui_draw_follow(u);
}

/* /: open the filter prompt with the current filter. */
static void
ui_keys_filter_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	(void)arg;
	u->filtering = true;
	snprintf(u->fbuf, sizeof(u->fbuf), "%s", u->m.filter);
}

/* Esc in the view: clear the filter and the focus (the pane follows the
 * selection again, and the focused row may go once closed). */
static void
ui_keys_unfilter_cb(struct ui *u, int ch, long arg)
{
	struct ui_conn *c;

	(void)ch;
	(void)arg;
	if ((c = ui_model_find(&u->m, u->focus_id)) != NULL)
		c->pinned = 0;
	u->focus_id = 0;
	u->msg_back = 0;
	u->pane = UI_PANE_TABLE;
	if (u->m.filter[0] != '\0') {
		u->fbuf[0] = '\0';
		ui_keys_apply_filter(u);
	}
}

/* Enter at the prompt: keep the filter typed so far. */
static void
ui_keys_filter_keep_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	(void)arg;
	u->filtering = false;
}

/* Esc at the prompt: close it and clear the filter. */
static void
ui_keys_filter_clear_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	(void)arg;
	u->filtering = false;
	u->fbuf[0] = '\0';
	ui_keys_apply_filter(u);
}

/* Backspace at the prompt: delete the last character (UTF-8 aware). */
static void
ui_keys_filter_erase_cb(struct ui *u, int ch, long arg)
{
	size_t n = strlen(u->fbuf);

	(void)ch;
	(void)arg;
	while (n > 0 && ((unsigned char)u->fbuf[n - 1] & 0xc0) == 0x80)
		n--;
	if (n > 0)
		n--;
	u->fbuf[n] = '\0';
	ui_keys_apply_filter(u);
}

/* Any other key at the prompt: a byte of the filter; control keys, keys
 * beyond a byte and bytes past the buffer are ignored. */
static void
ui_keys_filter_type_cb(struct ui *u, int ch, long arg)
{
	size_t n = strlen(u->fbuf);

	(void)arg;
	if (ch < 0x20 || ch > 0xff || ch == 127 || n + 1 >= sizeof(u->fbuf))
		return;
	u->fbuf[n] = (char)ch;
	u->fbuf[n + 1] = '\0';
	ui_keys_apply_filter(u);
}

/* K: keep closed rows (no expiry after UI_LINGER seconds) on or off. */
static void
ui_keys_keep_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	(void)arg;
	u->m.keep_closed = !u->m.keep_closed;
	if (u->m.keep_closed)
		ui_status(u, "closed rows are kept (up to %d; K again lets "
		    "them go %.0f s after they close)", UI_CLOSED_MAX,
		    UI_LINGER);
	else
		ui_status(u, "closed rows go %.0f s after they close (K keeps "
		    "them)", UI_LINGER);
}

/* f: only failed rows, or every row again. Failed rows are kept while
 * this view is on. */
static void
ui_keys_failed_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	(void)arg;
	ui_model_set_failed_only(&u->m, !u->m.failed_only);
	if (u->m.failed_only)
		u->m.keep_closed = true;
	ui_model_refresh(&u->m, clock_now_mono());
	ui_draw_follow(u);
	ui_status(u, u->m.failed_only ? "failed rows only (%zu; closed rows "
	    "are kept, f shows every row)" : "every row (%zu)", u->m.nview);
}

/* Move the cursor to the next row (dir 1) or the previous one (-1) whose
 * text has the search text, from the cursor (from 0: the cursor's own row
 * counts, else it starts beside it), wrapping around; says so when none
 * has it. */
static void
ui_keys_search_jump(struct ui *u, int dir, int from_here)
{
	long n = (long)u->m.nview, i, k;

	if (u->sbuf[0] == '\0' || n == 0)
		return;
	for (k = from_here ? 0 : 1; k <= n; k++) {
		i = ((u->cur + dir * k) % n + n) % n;
		if (ui_model_has_text(u->m.view[i], u->sbuf)) {
			u->cur = i;
			u->sel_id = u->m.view[i]->info.id;
			u->t_nav = clock_now_mono();
			return;
		}
	}
	ui_status(u, "no row has '%s'", u->sbuf);
}

/* F3: open the search prompt (it moves the cursor, it hides no row). */
static void
ui_keys_search_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	(void)arg;
	u->searching = true;
	u->sbuf[0] = '\0';
}

/* n / N: the next or the previous row with the search text (arg 1, -1). */
static void
ui_keys_search_next_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	if (u->sbuf[0] == '\0') {
		ui_status(u, "nothing to search for: F3 first");
		return;
	}
	ui_keys_search_jump(u, (int)arg, 0);
}

/* Enter at the search prompt: stay on the row found (arg 0); Esc: close
 * the prompt and forget the text (arg 1). */
static void
ui_keys_search_done_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	u->searching = false;
	if (arg != 0)
		u->sbuf[0] = '\0';
}

/* Backspace at the search prompt: delete the last character. */
static void
ui_keys_search_erase_cb(struct ui *u, int ch, long arg)
{
	size_t n = strlen(u->sbuf);

	(void)ch;
	(void)arg;
	while (n > 0 && ((unsigned char)u->sbuf[n - 1] & 0xc0) == 0x80)
		n--;
	if (n > 0)
		n--;
	u->sbuf[n] = '\0';
	ui_keys_search_jump(u, 1, 1);
}

/* Any other key at the search prompt: a byte of the text; the cursor
 * moves to the first row with it, from where it is. */
static void
ui_keys_search_type_cb(struct ui *u, int ch, long arg)
{
	size_t n = strlen(u->sbuf);

	(void)arg;
	if (ch < 0x20 || ch > 0xff || ch == 127 || n + 1 >= sizeof(u->sbuf))
		return;
	u->sbuf[n] = (char)ch;
	u->sbuf[n + 1] = '\0';
	ui_keys_search_jump(u, 1, 1);
}

/* x: hex view on or off. */
static void
ui_keys_hex_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	(void)arg;
	u->hex = !u->hex;
}

/* p: pause or resume the view. */
static void
ui_keys_pause_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	(void)arg;
	u->paused = !u->paused;
	ui_status(u, u->paused ? "paused: the view stands still, "
	    "traffic continues (p resumes)" : "resumed");
}

/* r: restart the scenario with its own connection count (undoing + and
 * -). */
static void
ui_keys_restart_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	(void)arg;
	if (u->r == NULL) {
		ui_status(u, "no scenario runs here");
		return;
	}
	if (u->conn_delta > 0)
		runner_remove(u->r, (uint64_t)u->conn_delta);
	else if (u->conn_delta < 0)
		runner_add(u->r, (uint64_t)-u->conn_delta);
	u->conn_delta = 0;
	runner_restart(u->r);
	ui_status(u, "scenario restarted with %llu client connections",
	    (unsigned long long)runner_result(u->r)->conns);
}

/* The connection a recording is made of: the selected row, or in the
 * message pane the one it shows. */
static struct ui_conn *
ui_keys_record_target(struct ui *u)
{
	if (u->pane == UI_PANE_MSGS && u->focus_id != 0)
		return ui_model_find(&u->m, u->focus_id);
	return ui_model_find(&u->m, u->sel_id);
}

/* Whether c has anything to record. */
static bool
ui_keys_has_msgs(const struct ui_conn *c)
{
	const struct ui_msg *msg;

	for (msg = c->mfirst; msg != NULL; msg = msg->cnext)
		if (msg->kind != UI_MSG_EVENT)
			return true;
	return false;
}

/* Whether c's other side is a row here that closed first: the embedded
 * server's row of a client (its peer is c's local address) closed by
 * itself, not by an EOF from c. Then the recording keeps `expect close`
 * even though c's own reason ("scenario done") does not say so. */
static int
ui_keys_peer_closed(struct ui *u, const struct ui_conn *c)
{
	const struct conn_info *ci = ui_model_conn_info(c), *o;
	const struct ui_conn *p;

	if (ci->side != SIDE_CLIENT)
		return 0;
	for (p = u->m.first; p != NULL; p = p->next) {
		o = ui_model_conn_info(p);
		if (o->side != SIDE_CLIENT && strcmp(o->peer, ci->local) == 0 &&
		    strcmp(o->local, ci->peer) == 0)
			return p->t_gone != 0 && strncmp(o->reason, "EOF",
			    3) != 0 && (ci->t_closed == 0 ||
			    o->t_closed <= ci->t_closed);
	}
	return 0;
}

/* Recordings go to the current directory, named by its absolute path. */
int
ui_keys_record_dir(struct ui *u, char *dir, size_t dirlen)
{
	if (getcwd(dir, dirlen) == NULL) {
		ui_status(u, "cannot record: current directory: %s",
		    strerror(errno));
		return -1;
	}
	if (strcmp(dir, "/") == 0)
		dir[0] = '\0';
	return 0;
}

/* w: write one connection's conversation as a scenario file, under a new
 * name (timestamp and counter) that never overwrites a file. */
static void
ui_keys_record_one_cb(struct ui *u, int ch, long arg)
{
	struct ui_record_meta meta = { u->service,
	    u->r != NULL ? runner_target(u->r) : u->title, 0 };
	struct ui_conn *c = ui_keys_record_target(u);
	char dir[PATH_MAX], path[PATH_MAX + 64], err[PATH_MAX + 128];
	int fd;

	(void)ch;
	(void)arg;
	if (c == NULL) {
		ui_status(u, "no connection selected to record");
		return;
	}
	if (!ui_keys_has_msgs(c)) {
		ui_status(u, "connection #%llu has no messages to record",
		    (unsigned long long)c->info.id);
		return;
	}
	if (ui_keys_record_dir(u, dir, sizeof(dir)) < 0)
		return;
	meta.peer_closed = ui_keys_peer_closed(u, c);
	fd = ui_files_create_new(dir, "sockbench-recording", time(NULL),
	    ".txt", 0, path, sizeof(path), err, sizeof(err));
	if (fd < 0 || ui_record_write_fd(c, &meta, fd, path, err,
	    sizeof(err)) < 0)
		ui_status(u, "%s", err);
	else
		ui_status(u, "wrote #%llu to %s (replay: sockbench run %s%s)",
		    (unsigned long long)c->info.id, path, meta.service == NULL ?
		    "--connect HOST:PORT " : "", strrchr(path, '/') + 1);
}

#define UI_KEYS_REC_ASK	5.0	/* seconds a W waits for its second W */
#define UI_KEYS_REC_STEP 0.004	/* seconds of writing a frame, at most */

/* Compare two C strings through pointers, for qsort and bsearch. */
static int
ui_keys_cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The ids of every conversation to record, one per conversation: a
 * client row, or a server row whose peer is none of the client rows'
 * local addresses (a client from elsewhere). Returns how many. */
static size_t
ui_keys_record_pick(struct ui *u, uint64_t **ids)
{
	const char **locals;
	struct ui_conn *c;
	size_t n = 0, nl = 0;

	locals = xcalloc(u->m.nconns + 1, sizeof(*locals));
	*ids = xcalloc(u->m.nconns + 1, sizeof(**ids));
	for (c = u->m.first; c != NULL; c = c->next)
		if (ui_model_conn_info(c)->side == SIDE_CLIENT)
			locals[nl++] = ui_model_conn_info(c)->local;
	qsort(locals, nl, sizeof(*locals), ui_keys_cmp_str);
	for (c = u->m.first; c != NULL; c = c->next) {
		const char *peer = ui_model_conn_info(c)->peer;

		if (!ui_keys_has_msgs(c))
			continue;
		if (ui_model_conn_info(c)->side != SIDE_CLIENT &&
		    bsearch(&peer, locals, nl, sizeof(*locals),
		    ui_keys_cmp_str) != NULL)
			continue;	/* its client side is recorded */
		(*ids)[n++] = c->info.id;
	}
	free(locals);
	return n;
}

void
ui_keys_record_cancel(struct ui *u)
{
	size_t i;

	for (i = u->rec_next; i < u->rec_n; i++) {
		struct ui_conn *c = ui_model_find(&u->m, u->rec_ids[i]);

		if (c != NULL && c->info.id != u->focus_id)
			c->pinned = 0;
	}
	free(u->rec_ids);
	free(u->rec_dir);
	u->rec_ids = NULL;
	u->rec_dir = NULL;
	u->rec_n = u->rec_next = u->rec_written = 0;
}

void
ui_keys_record_step(struct ui *u)
{
	struct ui_record_meta meta = { u->service,
	    u->r != NULL ? runner_target(u->r) : u->title, 0 };
	char path[PATH_MAX + 96], err[PATH_MAX + 160];
	double t0 = clock_now_mono();

	while (u->rec_dir != NULL && u->rec_next < u->rec_n &&
	    clock_now_mono() - t0 < UI_KEYS_REC_STEP) {
		uint64_t id = u->rec_ids[u->rec_next++];
		struct ui_conn *c = ui_model_find(&u->m, id);

		if (c == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/conn-%llu.txt", u->rec_dir,
		    (unsigned long long)id);
		meta.peer_closed = ui_keys_peer_closed(u, c);
		if (ui_record_write(c, &meta, path, err, sizeof(err)) < 0) {
			ui_status(u, "%s (%zu of %zu written)", err,
			    u->rec_written, u->rec_n);
			ui_keys_record_cancel(u);
			return;
		}
		if (id != u->focus_id)
			c->pinned = 0;
		u->rec_written++;
	}
	if (u->rec_dir == NULL)
		return;
	if (u->rec_next < u->rec_n) {
		ui_status(u, "writing recordings: %zu of %zu", u->rec_written,
		    u->rec_n);
		return;
	}
	ui_status(u, "wrote %zu recordings (one per conversation) to %s/",
	    u->rec_written, u->rec_dir);
	ui_keys_record_cancel(u);
}

/* W: record every conversation, one file each (a client and its embedded
 * server side are one conversation, written from the client's side), in
 * a new directory (timestamp and counter: never one that exists). The
 * first W says how many and asks for a second; the files are then written
 * a few a frame from the rows as they were (pinned until written). */
static void
ui_keys_record_all_cb(struct ui *u, int ch, long arg)
{
	char dir[PATH_MAX], sub[PATH_MAX + 64], err[PATH_MAX + 160];
	uint64_t *ids;
	size_t n, i;
	double now = clock_now_mono();

	(void)ch;
	(void)arg;
	if (u->rec_dir != NULL) {
		ui_status(u, "still writing recordings: %zu of %zu",
		    u->rec_written, u->rec_n);
		return;
	}
	n = ui_keys_record_pick(u, &ids);
	if (n == 0) {
		ui_status(u, "no conversation has messages to record");
		free(ids);
		return;
	}
	if (u->t_rec_ask == 0 || now - u->t_rec_ask > UI_KEYS_REC_ASK) {
		u->t_rec_ask = now;
		u->rec_ask_n = n;
		ui_status(u, "record %zu conversations, one file each? W again "
		    "to write them", n);
		free(ids);
		return;
	}
	u->t_rec_ask = 0;
	if (ui_keys_record_dir(u, dir, sizeof(dir)) < 0) {
		free(ids);
		return;
	}
	if (ui_files_create_new(dir, "sockbench-recording", time(NULL), NULL,
	    1, sub, sizeof(sub), err, sizeof(err)) < 0) {
		ui_status(u, "%s", err);
		free(ids);
		return;
	}
	for (i = 0; i < n; i++)
		ui_model_find(&u->m, ids[i])->pinned = 1;
	u->rec_ids = ids;
	u->rec_n = n;
	u->rec_next = u->rec_written = 0;
	u->rec_dir = xstrdup(sub);
	ui_keys_record_step(u);
}

/* ?: open the help overlay. */
static void
ui_keys_help_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	(void)arg;
	u->help = true;
	u->help_top = 0;
}

/* Up/Down, PgUp/PgDn, Home/End in the help overlay: scroll it by arg
 * lines (the drawing keeps it in range). */
static void
ui_keys_help_scroll_cb(struct ui *u, int ch, long arg)
{
	long top = (long)u->help_top + arg;

	(void)ch;
	u->help_top = top < 0 ? 0 : top > INT_MAX / 2 ? INT_MAX / 2 :
	    (int)top;
}

/* Any key while the help overlay is open: close it (and nothing else). */
static void
ui_keys_unhelp_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	(void)arg;
	u->help = false;
}

/* Ctrl-L: redraw the whole screen at the next frame. */
static void
ui_keys_redraw_cb(struct ui *u, int ch, long arg)
{
	(void)u;
	(void)ch;
	(void)arg;
	clearok(curscr, TRUE);
}

/* q: stop the loop; the dashboard gives the terminal back. */
static void
ui_keys_quit_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	(void)arg;
	u->quit = true;
	engine_stop(u->e);
}

#define V	UI_KEYS_VIEW
#define F	UI_KEYS_FILTER
#define H	UI_KEYS_HELP
#define SR	UI_KEYS_SEARCH
#define SN	UI_KEYS_SEND
#define ST	UI_KEYS_STEPS
#define FT	UI_KEYS_FAULT

/* Every key of the dashboard. The rows of the view are the help overlay's
 * lines, in this order; the hints make the status line, in rank order. */
const struct ui_keys_row ui_keys_table[] = {
	{ V | ST, { { KEY_UP, -1 }, { 'k', -1 }, { KEY_DOWN, 1 }, { 'j', 1 } },
	  "Up/Down, j/k", "move the selection or scroll messages",
	  NULL, 0, ui_keys_line_cb },
	{ V | ST, { { KEY_PPAGE, -1 }, { KEY_NPAGE, 1 }, { ' ', 1 } },
	  "PgUp/PgDn, Space", "a page up or down",
	  NULL, 0, ui_keys_page_cb },
	{ V | ST, { { KEY_HOME, -1 }, { 'g', -1 }, { KEY_END, 1 }, { 'G', 1 } },
	  "Home/End, g/G", "first or last row (newest message)",
	  NULL, 0, ui_keys_end_cb },
	{ V, { { '\n', 0 }, { '\r', 0 }, { KEY_ENTER, 0 } },
	  "Enter", "focus the selected connection's messages",
	  "Enter focus", 3, ui_keys_focus_cb },
	{ V | ST, { { '\t', 0 } },
	  "Tab", "switch between table and message pane",
	  "Tab pane", 4, ui_keys_pane_cb },
	{ V, { { 's', 1 }, { '>', 1 }, { KEY_F(6), 1 }, { '<', -1 },
	    { 'S', 0 } },
	  "s, >, F6 / < / S", "sort by the shown column right / left; reverse",
	  "s/S sort", 5, ui_keys_sort_cb },
	{ V, { { '/', 0 }, { KEY_F(4), 0 } },
	  "/, F4", "filter: text or regex, state: side: role: port:",
	  "/ filter", 6, ui_keys_filter_cb },
	{ V, { { UI_KEYS_ESC, 0 } },
	  "Esc", "clear the filter and the focus",
	  NULL, 0, ui_keys_unfilter_cb },
	{ V, { { KEY_F(3), 0 } },
	  "F3", "search: move to a row with the text (hides none)",
	  NULL, 0, ui_keys_search_cb },
	{ V, { { 'n', 1 }, { 'N', -1 } },
	  "n / N", "next / previous row with the searched text",
	  NULL, 0, ui_keys_search_next_cb },
	{ V, { { 'f', 0 } },
	  "f", "failed rows only (keeps closed rows) or all",
	  NULL, 0, ui_keys_failed_cb },
	{ V, { { 'K', 0 } },
	  "K", "keep closed rows (else they go after 5 s)",
	  NULL, 0, ui_keys_keep_cb },
	{ V, { { 'x', 0 } },
	  "x", "hex view of messages on or off",
	  "x hex", 7, ui_keys_hex_cb },
	{ V | ST, { { 'p', 0 } },
	  "p", "pause the view (traffic continues)",
	  "p pause", 8, ui_keys_pause_cb },
	{ V | ST, { { 'r', 0 } },
	  "r", "restart the scenario",
	  "r restart", 9, ui_keys_restart_cb },
	{ V | ST, { { '+', 1 }, { '=', 1 }, { '-', -1 } },
	  "+ (=) / -", "raise / lower the client connection target by 10% "
	  "(at least 1)",
	  "+/- conns", 10, ui_load_conns_cb },
	{ V, { { 'w', 0 } },
	  "w", "record the conversation as a scenario",
	  "w/W record", 11, ui_keys_record_one_cb },
	{ V, { { 'W', 0 } },
	  "W", "record every conversation (asks first)",
	  NULL, 0, ui_keys_record_all_cb },
	/* Acting on the selected connection (ui_actions.c, ui_mouse.c). */
	{ V, { { 'c', 0 } },
	  "c", "close the connection: FIN (shutdown of our side)",
	  NULL, 0, ui_actions_fin_cb },
	{ V, { { 'R', 0 } },
	  "R", "reset the connection: RST (SO_LINGER 0)",
	  NULL, 0, ui_actions_reset_cb },
	{ V, { { 'P', 0 } },
	  "P", "pause / resume reading the connection",
	  NULL, 0, ui_actions_pause_cb },
	{ V, { { 'i', 0 }, { ':', 0 } },
	  "i, :", "send line: text or x HEX, framed by the codec",
	  "i send", 12, ui_actions_send_cb },
	{ V, { { 'd', 0 } },
	  "d", "details: TCP_INFO, queues, peer process, TLS",
	  NULL, 0, ui_actions_details_cb },
	{ V, { { 't', 0 } },
	  "t", "message times: absolute / relative / delta",
	  NULL, 0, ui_actions_stamps_cb },
	{ V, { { 'T', 0 } },
	  "T", "save the conversation as a text transcript",
	  NULL, 0, ui_actions_transcript_cb },
	{ V, { { KEY_MOUSE, 0 } },
	  "Mouse", "click a row: select; a heading: sort; wheel: scroll",
	  NULL, 0, ui_mouse_cb },
	/* Faults live, under proxy --ui only (ui_proxy.c). */
	{ V, { { 'F', 1 } },
	  "F", "proxy: add a fault to the selected pair (--fault's spec)",
	  NULL, 0, ui_proxy_fault_cb },
	{ V, { { 'A', 0 } },
	  "A", "proxy: add a fault to every pair, open and new",
	  NULL, 0, ui_proxy_fault_cb },
	{ V, { { 'L', 0 } },
	  "L", "proxy: list the faults; remove one by its id",
	  NULL, 0, ui_proxy_list_cb },
	{ FT, { { '\n', 0 }, { '\r', 0 }, { KEY_ENTER, 0 } },
	  "Enter", "add the fault (or remove the one named)",
	  NULL, 0, ui_proxy_done_cb },
	{ FT, { { UI_KEYS_ESC, 1 } },
	  "Esc", "close the fault prompt",
	  NULL, 0, ui_proxy_done_cb },
	{ FT, { { KEY_BACKSPACE, 0 }, { 127, 0 }, { 8, 0 } },
	  "Backspace", "delete the last character of the fault",
	  NULL, 0, ui_proxy_erase_cb },
	{ FT, { { UI_KEYS_OTHER, 0 } },
	  "text", "type the fault spec or the id",
	  NULL, 0, ui_proxy_type_cb },
	/* The step screen and load control (ui_steps.c, ui_load.c). */
	{ V, { { '2', 2 } },
	  "2", "the step screen: each step's connections now, passed, "
	  "failed, latency",
	  "2 steps", 4, ui_steps_screen_cb },
	{ ST, { { '1', 1 }, { UI_KEYS_ESC, 1 } },
	  "1, Esc", "back from the step screen to the connections",
	  "1 conns", 4, ui_steps_screen_cb },
	{ ST, { { '*', 1 }, { '/', -1 } },
	  "*, /", "raise / lower the rate connections open at by 10% "
	  "(on the step screen)",
	  "*// rate", 10, ui_load_rate_cb },
	{ V | ST, { { UI_KEYS_CTRL_L, 0 } },
	  "Ctrl-L", "redraw the screen",
	  NULL, 0, ui_keys_redraw_cb },
	{ V | ST, { { '?', 0 }, { 'h', 0 }, { KEY_F(1), 0 } },
	  "?, h or F1", "this help; any key closes it",
	  "? help", 2, ui_keys_help_cb },
	{ V | ST, { { 'q', 0 }, { 'Q', 0 }, { KEY_F(10), 0 } },
	  "q, Q, F10", "quit",
	  "q quit", 1, ui_keys_quit_cb },
	{ H, { { KEY_UP, -1 }, { 'k', -1 }, { KEY_DOWN, 1 }, { 'j', 1 } },
	  "Up/Down", "scroll this help",
	  NULL, 0, ui_keys_help_scroll_cb },
	{ H, { { KEY_PPAGE, -10 }, { KEY_NPAGE, 10 }, { KEY_HOME, -10000 },
	    { KEY_END, 10000 } },
	  "PgUp/PgDn, Home/End", "scroll this help by a page, to an end",
	  NULL, 0, ui_keys_help_scroll_cb },
	{ H, { { UI_KEYS_OTHER, 0 } },
	  "any key", "close this help",
	  NULL, 0, ui_keys_unhelp_cb },
	{ F, { { '\n', 0 }, { '\r', 0 }, { KEY_ENTER, 0 } },
	  "Enter", "keep the filter typed so far",
	  "Enter keep", 1, ui_keys_filter_keep_cb },
	{ F, { { UI_KEYS_ESC, 0 } },
	  "Esc", "clear the filter",
	  "Esc clear", 2, ui_keys_filter_clear_cb },
	{ SR, { { '\n', 0 }, { '\r', 0 }, { KEY_ENTER, 0 } },
	  "Enter", "stay on the row found",
	  NULL, 0, ui_keys_search_done_cb },
	{ SR, { { UI_KEYS_ESC, 1 } },
	  "Esc", "close the search",
	  NULL, 0, ui_keys_search_done_cb },
	{ SR, { { KEY_BACKSPACE, 0 }, { 127, 0 }, { 8, 0 } },
	  "Backspace", "delete the last character of the search",
	  NULL, 0, ui_keys_search_erase_cb },
	{ SR, { { UI_KEYS_OTHER, 0 } },
	  "text", "type the text (the cursor moves as you type)",
	  NULL, 0, ui_keys_search_type_cb },
	{ SN, { { '\n', 0 }, { '\r', 0 }, { KEY_ENTER, 0 } },
	  "Enter", "send the line (the prompt stays open)",
	  NULL, 0, ui_actions_send_done_cb },
	{ SN, { { UI_KEYS_ESC, 1 } },
	  "Esc", "close the send line",
	  NULL, 0, ui_actions_send_done_cb },
	{ SN, { { KEY_BACKSPACE, 0 }, { 127, 0 }, { 8, 0 } },
	  "Backspace", "delete the last character of the line",
	  NULL, 0, ui_actions_send_erase_cb },
	{ SN, { { UI_KEYS_OTHER, 0 } },
	  "text", "type the line to send",
	  NULL, 0, ui_actions_send_type_cb },
	{ F, { { KEY_BACKSPACE, 0 }, { 127, 0 }, { 8, 0 } },
	  "Backspace", "delete the last character of the filter",
	  NULL, 0, ui_keys_filter_erase_cb },
	{ F, { { UI_KEYS_OTHER, 0 } },
	  "text", "type the filter (applied as you type)",
	  NULL, 0, ui_keys_filter_type_cb },
};
const size_t ui_keys_count = sizeof(ui_keys_table) / sizeof(ui_keys_table[0]);

#undef V
#undef F
#undef H
#undef SR
#undef SN
#undef ST
#undef FT

enum ui_keys_mode
ui_keys_mode(const struct ui *u)
{
	if (u->help)
		return UI_KEYS_HELP;
	if (u->filtering)
		return UI_KEYS_FILTER;
	if (u->searching)
		return UI_KEYS_SEARCH;
	if (u->sending)
		return UI_KEYS_SEND;
	if (u->faulting)
		return UI_KEYS_FAULT;
	if (u->screen == UI_SCREEN_STEPS)
		return UI_KEYS_STEPS;
	return UI_KEYS_VIEW;
}

const struct ui_keys_row *
ui_keys_find(enum ui_keys_mode mode, int ch, long *arg)
{
	const struct ui_keys_row *other = NULL;
	size_t i, k;

	assert(arg != NULL);

	for (i = 0; i < ui_keys_count; i++) {
		const struct ui_keys_row *row = &ui_keys_table[i];

		if ((row->modes & mode) == 0)
			continue;
		for (k = 0; k < UI_KEYS_PER_ROW && row->keys[k].code != 0;
		    k++) {
			if (row->keys[k].code == UI_KEYS_OTHER) {
				if (other == NULL)
					other = row;
			} else if (row->keys[k].code == ch) {
				*arg = row->keys[k].arg;
				return row;
			}
		}
	}
	*arg = 0;
	return other;
}

void
ui_keys_dispatch(struct ui *u, int ch)
{
	const struct ui_keys_row *row;
	long arg;

	if (ch == KEY_RESIZE) {
		/* Not a key: the terminal changed size, in any mode. */
		clearok(curscr, TRUE);
		return;
	}
	if (ch != 'W')
		u->t_rec_ask = 0;	/* W's question is answered no */
	if ((row = ui_keys_find(ui_keys_mode(u), ch, &arg)) != NULL)
		row->fn(u, ch, arg);
}

/* The smallest hint rank of mode's rows above after and at most max_rank,
 * or 0 when there is none. */
static int
ui_keys_next_rank(const struct ui *u, enum ui_keys_mode mode, int after,
    int max_rank)
{
	size_t i;
	int next = 0;

	for (i = 0; i < ui_keys_count; i++) {
		const struct ui_keys_row *row = &ui_keys_table[i];

		if ((row->modes & mode) != 0 && row->hint != NULL &&
		    ui_keys_row_works(u, row) && row->hint_rank > after && row->hint_rank <= max_rank &&
		    (next == 0 || row->hint_rank < next))
			next = row->hint_rank;
	}
	return next;
}

bool
ui_keys_row_works(const struct ui *u, const struct ui_keys_row *row)
{
	/* r, + and - act on a scenario runner: serve --ui and bench --ui
	 * have none. */
	if (u != NULL && u->r == NULL && (row->fn == ui_keys_restart_cb ||
	    row->fn == ui_load_conns_cb || row->fn == ui_load_rate_cb ||
	    row->fn == ui_steps_screen_cb))
		return false;
	/* F, A and L act on a proxy's faults: proxy --ui only. */
	if (u != NULL && u->px == NULL && (row->fn == ui_proxy_fault_cb ||
	    row->fn == ui_proxy_list_cb))
		return false;
	/* bench --ui: the load generator would take a sent line's reply
	 * for its own response (ui_actions_send_cb says so). */
	if (u != NULL && u->r == NULL && u->lat != NULL &&
	    row->fn == ui_actions_send_cb)
		return false;
	return true;
}

size_t
ui_keys_hints(enum ui_keys_mode mode, int max_rank, const char *sep,
    char *out, size_t outlen)
{
	return ui_keys_hints_for(NULL, mode, max_rank, sep, out, outlen);
}

size_t
ui_keys_hints_for(const struct ui *u, enum ui_keys_mode mode, int max_rank,
    const char *sep, char *out, size_t outlen)
{
	size_t i, len = 0;
	int rank = 0, n;

	assert(outlen > 0);
	out[0] = '\0';
	while ((rank = ui_keys_next_rank(u, mode, rank, max_rank)) != 0) {
		for (i = 0; i < ui_keys_count; i++) {
			const struct ui_keys_row *row = &ui_keys_table[i];

			if ((row->modes & mode) == 0 || row->hint == NULL ||
			    row->hint_rank != rank || !ui_keys_row_works(u, row))
				continue;
			n = snprintf(out + (len < outlen ? len : outlen - 1),
			    len < outlen ? outlen - len : 1, "%s%s",
			    len > 0 ? sep : "", row->hint);
			if (n > 0)
				len += (size_t)n;
		}
	}
	return len;
}

/* Columns of the widest label of the view's rows. */
static int
ui_keys_label_width(void)
{
	size_t i, w = 0;

	for (i = 0; i < ui_keys_count; i++)
		if ((ui_keys_table[i].modes & UI_KEYS_HELP_MODES) != 0 &&
		    strlen(ui_keys_table[i].label) > w)
			w = strlen(ui_keys_table[i].label);
	return (int)w;
}

int
ui_keys_help_indent(void)
{
	return ui_keys_label_width() + 1;
}

size_t
ui_keys_help_count(void)
{
	size_t i, n = 2;

	for (i = 0; i < ui_keys_count; i++)
		if ((ui_keys_table[i].modes & UI_KEYS_HELP_MODES) != 0)
			n++;
	return n;
}

void
ui_keys_help_line(size_t i, char *out, size_t outlen)
{
	size_t k, n = 2;

	assert(i < ui_keys_help_count() && outlen > 0);
	if (i < 2) {
		snprintf(out, outlen, "%s", i == 0 ? "Keys" : "");
		return;
	}
	for (k = 0; k < ui_keys_count; k++) {
		const struct ui_keys_row *row = &ui_keys_table[k];

		if ((row->modes & UI_KEYS_HELP_MODES) == 0 || n++ != i)
			continue;
		snprintf(out, outlen, "%-*s %s", ui_keys_label_width(),
		    row->label, row->help);
		return;
	}
}

const char *
ui_keys_name(int code, char *buf, size_t buflen)
{
	static const struct {
		int		 code;
		const char	*name;
	} names[] = {
		{ KEY_UP, "Up" }, { KEY_DOWN, "Down" }, { KEY_PPAGE, "PgUp" },
		{ KEY_NPAGE, "PgDn" }, { KEY_HOME, "Home" }, { KEY_END, "End" },
		{ ' ', "Space" }, { '\n', "Enter" }, { '\r', "Enter" },
		{ KEY_ENTER, "Enter" }, { '\t', "Tab" }, { UI_KEYS_ESC, "Esc" },
		{ UI_KEYS_CTRL_L, "Ctrl-L" }, { KEY_F(1), "F1" },
		{ KEY_F(3), "F3" }, { KEY_F(4), "F4" }, { KEY_F(6), "F6" }, { KEY_F(10), "F10" },
		{ KEY_MOUSE, "Mouse" },
		{ KEY_BACKSPACE, "Backspace" }, { 127, "Backspace" },
		{ 8, "Backspace" },
	};
	size_t i;

	assert(buflen >= 2);
	if (code == UI_KEYS_OTHER)
		return NULL;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].code == code)
			return names[i].name;
	if (code > 0x20 && code < 0x7f)
		snprintf(buf, buflen, "%c", code);
	else
		snprintf(buf, buflen, "key %d", code);
	return buf;
}
