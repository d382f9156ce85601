/* The dashboard's mouse (ncurses mouse, as htop's): a click on a row
 * selects it, on a column heading sorts by that column (again: reverses),
 * on the message pane gives it the keys; the wheel scrolls the pane under
 * it. Only the files of ui/ include this. */
#ifndef SB_UI_MOUSE_H
#define SB_UI_MOUSE_H

struct ui;

/* Ask curses for mouse events unless ui_mouse_set(false) was called;
 * notes in u->mouse whether they come. */
void ui_mouse_start(struct ui *u);
/* KEY_MOUSE (the key table's row): read the event and act on it. */
void ui_mouse_cb(struct ui *u, int ch, long arg);

#endif
