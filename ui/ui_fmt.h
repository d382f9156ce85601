/* Formatting for the dashboard: numbers with units, durations, and UTF-8
 * text fitted to a number of terminal columns. Nothing here includes curses,
 * so the unit tests run without a terminal. */
#ifndef SB_UI_FMT_H
#define SB_UI_FMT_H
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

/* Events per second: "0/s", "950/s", "1.2k/s", "34M/s". */
size_t ui_fmt_rate(double v, char *out, size_t outlen);
/* A count: "950", "1.2k", "34k", "1.5M". */
size_t ui_fmt_count(uint64_t v, char *out, size_t outlen);
/* A size in bytes: "512 B", "1.5 KiB", "1.5 MiB", "12 GiB". */
size_t ui_fmt_size(uint64_t v, char *out, size_t outlen);
/* Bytes per second: "512 B/s", "1.5 MiB/s". */
size_t ui_fmt_bps(double v, char *out, size_t outlen);
/* A duration in microseconds: "850us", "1.2ms", "12ms", "1.5s", "2m05s". */
size_t ui_fmt_usec(uint64_t us, char *out, size_t outlen);
/* A round trip in seconds, or "-" when negative (none yet). */
size_t ui_fmt_rtt(double s, char *out, size_t outlen);
/* Elapsed time: "0:05", "12:34", "1:02:03". */
size_t ui_fmt_elapsed(double s, char *out, size_t outlen);
/* Wall-clock time of day "HH:MM:SS.mmm" in the local time zone. */
size_t ui_fmt_clock(double wall, char *out, size_t outlen);

/* Decode the UTF-8 character at s[0..n) (n > 0) into *cp; returns its
 * length, or 1 with *cp = -1 for an invalid or truncated sequence. */
size_t ui_fmt_utf8(const unsigned char *s, size_t n, long *cp);
/* Columns the UTF-8 text s[0..n) takes on a terminal; in ASCII mode every
 * non-ASCII character counts as one column (drawn as '?'). */
int ui_fmt_width(const char *s, size_t n, int utf8);
/* Convert s[0..n) to at most cols columns of wide characters in out (which
 * holds outmax, including the terminating L'\0'); a cut is marked with an
 * ellipsis. Control characters become '?', invalid UTF-8 U+FFFD (or '?' in
 * ASCII mode). Returns the columns used; *nw gets the characters written. */
int ui_fmt_fit(const char *s, size_t n, int cols, int utf8, wchar_t *out,
    size_t outmax, size_t *nw);
/* Convert the start of s[0..n) that fits in cols columns to wide
 * characters in out (holding outmax, with the L'\0'), breaking after a
 * blank in the second half of the line if there is one, else anywhere;
 * returns the bytes consumed (at least one character's worth when n > 0,
 * so a caller wrapping lines always advances). */
size_t ui_fmt_wrap(const char *s, size_t n, int cols, int utf8, wchar_t *out,
    size_t outmax, size_t *nw);
/* Render values as a sparkline of n characters scaled to their maximum:
 * block elements in UTF-8 mode, "_.-:=+*#" otherwise; out holds n + 1. */
void ui_fmt_spark(const double *v, size_t n, int utf8, wchar_t *out);

#endif
