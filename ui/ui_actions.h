/* Acting on the selected connection from the dashboard: close it with a
 * FIN, reset it, pause and resume its reading, and the send line (text or
 * hex, nc-style, framed by the connection's codec); the details section,
 * the message pane's time stamps and the transcript keys. The key table
 * (ui_keys.c) names the handlers. Only the files of ui/ include this. */
#ifndef SB_UI_ACTIONS_H
#define SB_UI_ACTIONS_H
#include <stddef.h>
#include "buf.h"
#include "codec.h"

struct ui;

/* Turn one typed send line into the bytes to write, for a connection of
 * codec cd whose peer address is peer (an http request's Host). The line
 * is "x HEX..." or "hex:HEX..." (bytes as hex pairs, blanks allowed), or
 * text with the escapes \n \r \t \0 \\ \xHH; a "raw:" prefix sends the
 * bytes as they are, else they are one message of the codec: its encode
 * (a line gets its line end, lenfield its length, jsonhdr its header, resp
 * a command split into words as redis-cli does), http builds
 * "METHOD PATH" into a request (RFC 9112) with Host, and raw text gets a
 * "\n" as nc sends it. Appends to out and names the framing in what
 * ("line frame", "raw bytes"...); 0, or -1 with err (a bad escape or hex
 * digit, nothing to send, the codec's own reason). */
int ui_actions_encode(const char *line, const struct codec *cd,
    const char *peer, struct buf *out, char *what, size_t whatlen,
    char *err, size_t errlen);
/* The status line's text while the send line is open. */
void ui_actions_prompt(const struct ui *u, char *out, size_t outlen);

/* Key handlers (ui_keys.c's table): c, R, P, i, d, t, T. */
void ui_actions_fin_cb(struct ui *u, int ch, long arg);
void ui_actions_reset_cb(struct ui *u, int ch, long arg);
void ui_actions_pause_cb(struct ui *u, int ch, long arg);
void ui_actions_send_cb(struct ui *u, int ch, long arg);
void ui_actions_details_cb(struct ui *u, int ch, long arg);
void ui_actions_stamps_cb(struct ui *u, int ch, long arg);
void ui_actions_transcript_cb(struct ui *u, int ch, long arg);
/* The send line's keys: Enter sends (arg 0), Esc closes (arg 1). */
void ui_actions_send_done_cb(struct ui *u, int ch, long arg);
void ui_actions_send_erase_cb(struct ui *u, int ch, long arg);
void ui_actions_send_type_cb(struct ui *u, int ch, long arg);

#endif
