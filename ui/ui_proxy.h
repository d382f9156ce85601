/* Faults live from the dashboard under `sockbench proxy --ui`: a prompt
 * that takes the control socket's fault specs (control_parse) for the
 * selected pair or for every pair, and one that lists and removes them.
 * Only the files of ui/ include this. */
#ifndef SB_UI_PROXY_H
#define SB_UI_PROXY_H
#include <stddef.h>

struct ui;

/* F (arg 1): open the fault prompt for the selected row's pair (conn=N
 * is added to the spec unless it names one); A (arg 0): for every pair,
 * open and new. Says why on the status line when u has no proxy or the
 * row is not a pair. */
void ui_proxy_fault_cb(struct ui *u, int ch, long arg);
/* L: list the faults in effect and open the prompt that removes one by
 * its id; "no faults" on the status line when there are none. */
void ui_proxy_list_cb(struct ui *u, int ch, long arg);
/* Enter at the fault prompt (arg 0): add or remove as the prompt says,
 * confirm on the status line; the prompt closes on success and stays
 * open with the reason on an error. Esc (arg 1): close it. */
void ui_proxy_done_cb(struct ui *u, int ch, long arg);
/* Backspace at the fault prompt: delete the last character. */
void ui_proxy_erase_cb(struct ui *u, int ch, long arg);
/* Any other key at the fault prompt: a byte of the text. */
void ui_proxy_type_cb(struct ui *u, int ch, long arg);
/* The fault prompt as the status line shows it, NUL-terminated. */
void ui_proxy_prompt(const struct ui *u, char *out, size_t outlen);

#endif
