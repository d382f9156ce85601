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

#endif
