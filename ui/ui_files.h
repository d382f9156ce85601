/* The dashboard's own files: its log in a private state directory, and
 * recordings under new names that never overwrite a file. */
#ifndef SB_UI_FILES_H
#define SB_UI_FILES_H
#include <stddef.h>
#include <stdio.h>
#include <time.h>

/* Open the dashboard log for appending: $XDG_STATE_HOME/sockbench/ui.log,
 * or ~/.local/state/sockbench/ui.log when XDG_STATE_HOME is unset or not
 * absolute (XDG Base Directory spec). Missing directories are made 0700;
 * the sockbench directory must be ours and not a symlink, and is made
 * 0700; the log is opened with O_NOFOLLOW|O_CLOEXEC (and O_NONBLOCK, so a
 * FIFO cannot hold the open), mode 0600, and must be a regular file of
 * ours. Returns the stream with its path in path, or NULL with err saying
 * what was wrong and where. */
FILE *ui_files_log_open(char *path, size_t pathlen, char *err, size_t errlen);

/* Make a new file (dir_too 0) or directory (1) in dir named
 * STEM-YYYYMMDD-HHMMSS-N[EXT] (t in local time), with the first N from 1
 * that names nothing yet: O_CREAT|O_EXCL (mkdir for a directory), so
 * nothing that exists, a symlink included, is ever overwritten or
 * followed. Returns the open fd of the file (0 for a directory) with the
 * full path in path, or -1 with err. */
int ui_files_create_new(const char *dir, const char *stem, time_t t,
    const char *ext, int dir_too, char *path, size_t pathlen, char *err,
    size_t errlen);

struct ui_conn;
struct buf;

/* Append the conversation c holds as a text transcript to out: a header
 * (connection, side, addresses, codec, TLS, how many messages were no
 * longer kept), then one entry per kept message and event: the time of
 * day (monotonic time + wall_off), the seconds since the connection
 * began, the direction (-> sent, <- received, -- an event), the size,
 * and the decoded pane's lines (or the codec's rendering). */
void ui_files_transcript_text(const struct ui_conn *c, double wall_off,
    struct buf *out);
/* Write that transcript to fd (made by ui_files_create_new), which it
 * closes; path names it in err. 0, or -1 with err. */
int ui_files_transcript(const struct ui_conn *c, double wall_off, int fd,
    const char *path, char *err, size_t errlen);

#endif
