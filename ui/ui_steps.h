/* The step screen, after SIPp's scenario screen: one line per step of
 * each step program (per role, and the scripted server's), with the
 * runner's counters (struct run_step). Only the files of ui/ include
 * this. */
#ifndef SB_UI_STEPS_H
#define SB_UI_STEPS_H
#include <stddef.h>
#include "scenario.h"

struct ui;

/* Draw the step screen into lines y0 .. y0 + rows - 1: a heading, then
 * the lines from u->steps_top on; only those lines are formatted. */
void ui_steps_draw(struct ui *u, int y0, int rows);
/* A step as the screen names it, one line: the directive and its first
 * argument as written ("send \"hello${conn}\"", "expect regex
 * /^OK/", "wait 1s", "barrier go", "repeat 3"), control bytes escaped;
 * always NUL-terminated. */
void ui_steps_label(const struct step *st, char *out, size_t outlen);
/* Scroll the step screen by delta lines (clamped when drawn). */
void ui_steps_scroll(struct ui *u, long delta);
/* Keys (ui_keys.c's table): 1 the connection screen, 2 the step screen
 * (arg 1 or 2); Esc on the step screen goes back (arg 1). Without a
 * scenario runner the status line says there are no steps. */
void ui_steps_screen_cb(struct ui *u, int ch, long arg);

#endif
