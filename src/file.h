/* Reading whole regular files without blocking. */
#ifndef SB_FILE_H
#define SB_FILE_H
#include <stddef.h>
#include "buf.h"

/* Append the whole regular file at path, at most max bytes, to b. 0, or -1
 * with the reason in why ("not a regular file: a FIFO (pipe), ...", "larger
 * than N bytes" with *too_big set, or strerror). Opened O_NONBLOCK and
 * checked with fstat before the first read, so a FIFO, a device, a
 * directory or /dev/stdin from a pipe is refused at once. */
int file_read_regular(const char *path, size_t max, struct buf *b,
    int *too_big, char *why, size_t whylen);

#endif
