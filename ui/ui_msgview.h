/* The decoded pane's rendering model: a kept message as the lines that
 * show its structure (HTTP start line, headers and body; RESP values the
 * way redis-cli prints them; a reply's code and lines; the frames of a
 * merged write, one per line), read from the codec's fields (codec.h). No
 * curses here, so the unit tests check the text itself. */
#ifndef SB_UI_MSGVIEW_H
#define SB_UI_MSGVIEW_H
#include <stddef.h>
#include "buf.h"
#include "codec.h"

#define UI_MSGVIEW_LINES	16	/* lines one message shows at most */

/* Decode the whole stored message p[0..n) that cd framed: as decoded, or
 * as a response that answers a HEAD, or one that ended at the close (the
 * bytes alone do not say which). Returns the first frame's length (> 0),
 * or -1 if no frame starts there. */
ssize_t ui_msgview_decode(const struct codec *cd, const unsigned char *p,
    size_t n, struct codec_frame *f);
/* Append the display lines of message p[0..n) (every byte kept) of codec
 * cd to out, separated by '\n', escaped (no control characters), at most
 * UI_MSGVIEW_LINES, the last then saying how many more there were.
 * Returns the lines appended, or 0 when the codec has no structure to
 * show (one frame of raw, line, lenfield, jsonhdr...): the caller shows
 * the codec's describe line instead. */
size_t ui_msgview_render(const struct codec *cd, const unsigned char *p,
    size_t n, struct buf *out);

/* How the message pane stamps each line (the t key cycles them). */
enum ui_msgview_ts {
	UI_TS_ABSOLUTE,	/* wall-clock time of day, HH:MM:SS.mmm */
	UI_TS_RELATIVE,	/* seconds since the connection began, +S.uuuuuu */
	UI_TS_DELTA,	/* seconds since the line before, +S.uuuuuu */
	UI_TS_COUNT
};

/* Write the stamp of a line at monotonic time t in mode into out (at most
 * 12 columns): the time of day of t + wall_off, or t - t_start, or t -
 * t_prev (t_prev is t_start for the first line), as seconds with
 * microseconds ("+0.001234", "+12.500000", "+12345.678"). */
size_t ui_msgview_stamp(enum ui_msgview_ts mode, double t, double t_start,
    double t_prev, double wall_off, char *out, size_t outlen);
/* The name of a stamp mode for the pane's title: "absolute", "relative
 * to the connection's start", "delta to the line before". */
const char *ui_msgview_ts_name(enum ui_msgview_ts mode);

#endif
