/* Mouse events: select a row, sort by a heading, scroll with the wheel. */
#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <stdbool.h>
#include "clock.h"
#include "ui.h"
#include "ui_draw.h"
#include "ui_keys.h"
#include "ui_mouse.h"

#define UI_MOUSE_WHEEL	3	/* lines a wheel step scrolls */

static bool ui_mouse_on = true;	/* --no-mouse turns it off */

void
ui_mouse_set(bool on)
{
	ui_mouse_on = on;
}

void
ui_mouse_start(struct ui *u)
{
	mmask_t want = BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED;

#ifdef BUTTON5_PRESSED
	want |= BUTTON5_PRESSED;
#endif
	u->mouse = false;
	if (!ui_mouse_on)
		return;
	mouseinterval(0);	/* a press acts at once, no click wait */
	u->mouse = mousemask(want, NULL) != 0;
}

/* A click at screen line y, column x: a heading sorts, a row selects, the
 * message pane takes the keys. */
static void
ui_mouse_click(struct ui *u, int y, int x)
{
	long idx;

	if (y == u->table_y) {
		enum ui_col col = ui_draw_col_at(u, x);

		if (col == UI_COL_COUNT)
			return;
		ui_model_set_sort(&u->m, col, col == u->m.sort ?
		    !u->m.reverse : u->m.reverse);
		ui_model_refresh(&u->m, clock_now_mono());
		ui_draw_follow(u);
		ui_status(u, "sorted by %s, %s", ui_model_col_name(col),
		    u->m.reverse ? "descending" : "ascending");
		return;
	}
	if (y > u->table_y && y <= u->table_y + u->table_rows) {
		idx = u->top + (y - u->table_y - 1);
		if (idx >= (long)u->m.nview)
			return;
		u->pane = UI_PANE_TABLE;
		u->cur = idx;
		u->sel_id = u->m.view[idx]->info.id;
		u->t_nav = clock_now_mono();
		return;
	}
	if (y > u->table_y + u->table_rows && y < LINES - 1)
		u->pane = UI_PANE_MSGS;
}

void
ui_mouse_cb(struct ui *u, int ch, long arg)
{
	MEVENT ev;
	int i, key = 0;

	(void)ch;
	(void)arg;
	if (getmouse(&ev) != OK)
		return;
	if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) {
		ui_mouse_click(u, ev.y, ev.x);
		return;
	}
	if (ev.bstate & BUTTON4_PRESSED)
		key = KEY_UP;
#ifdef BUTTON5_PRESSED
	else if (ev.bstate & BUTTON5_PRESSED)
		key = KEY_DOWN;
#endif
	if (key == 0)
		return;
	/* The wheel scrolls what is under it: the table or the messages. */
	u->pane = ev.y > u->table_y + u->table_rows && ev.y < LINES - 1 ?
	    UI_PANE_MSGS : UI_PANE_TABLE;
	for (i = 0; i < UI_MOUSE_WHEEL; i++)
		ui_keys_dispatch(u, key);
}
