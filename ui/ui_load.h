/* Live load control, after SIPp's + - * / keys: the client connection
 * target and the rate they open at, and the header's text saying where
 * the load stands. Only the files of ui/ include this. */
#ifndef SB_UI_LOAD_H
#define SB_UI_LOAD_H
#include <stddef.h>
#include <stdint.h>

struct ui;

/* How much + and - move a target of n connections: 10% of it, at least
 * 1. And the rate after * (up 1) or / (up -1) from rate per second: 10%
 * of it more or less, at least 1, rounded to whole connections a second,
 * never below 1 (0, all at once, stays with *; / starts from target per
 * second). */
uint64_t ui_load_step(uint64_t n);
double ui_load_next_rate(double rate, int up, uint64_t target);
/* Keys (ui_keys.c's table): + and - raise or lower the target (arg 1 or
 * -1), * and / the rate (arg 1 or -1); each says on the status line what
 * it did, or why it did nothing (no scenario runner, roles). */
void ui_load_conns_cb(struct ui *u, int ch, long arg);
void ui_load_rate_cb(struct ui *u, int ch, long arg);
/* The header's load text: "clients 37/100 open, ramp 37% (63 to start
 * at 10/s)" while connections wait to start, else "clients 100/100 open,
 * rate 10/s" ("rate max" when all open at once); "" without a runner. */
void ui_load_describe(const struct ui *u, char *out, size_t outlen);

#endif
