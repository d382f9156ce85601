/* Small helpers shared by every module: allocation that aborts on failure,
 * monotonic time, and bounded string formatting. */
#ifndef SB_UTIL_H
#define SB_UTIL_H
#include <stddef.h>
#include <stdint.h>

/* Allocate or abort with a message: allocation failure is not recoverable. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Monotonic clock in seconds, with nanosecond resolution. */
double now_mono(void);

/* Parse "HOST:PORT" (HOST may be empty, a name, an IPv4 or [IPv6]) into host
 * and port buffers; returns 0, or -1 with err filled. */
int split_hostport(const char *s, char *host, size_t hostlen, int *port,
    char *err, size_t errlen);

/* Parse a duration such as "500ms", "2s", "1m", "1.5" (seconds); -1 if bad. */
double parse_duration(const char *s);

/* Parse a size such as "64", "4k", "1M", "2G"; returns 0 or -1 if bad. */
int parse_size(const char *s, uint64_t *out);

/* Render bytes as printable text with C-style escapes (\n, \r, \t, \\, \xNN),
 * keeping valid UTF-8 as is when utf8 is set; always NUL-terminates out and
 * returns the length written (truncated with "..." when it does not fit). */
size_t escape_bytes(const unsigned char *p, size_t n, char *out, size_t outlen,
    int utf8);

/* Render bytes as hex pairs separated by spaces; returns length written. */
size_t hex_bytes(const unsigned char *p, size_t n, char *out, size_t outlen);

#endif
