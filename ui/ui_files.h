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

#endif
