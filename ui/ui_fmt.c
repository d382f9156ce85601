/* Formatting for the dashboard: units, durations, column-fitted text. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wchar.h>
#include "ui_fmt.h"

/* Print v divided down by base with a suffix from sfx, then unit. */
static size_t
ui_fmt_scaled(double v, double base, const char *const *sfx, size_t nsfx,
    const char *sep, const char *unit, char *out, size_t outlen)
{
	size_t i = 0;
	int n;

	if (v < 0 || isnan(v))
		v = 0;
	while (i + 1 < nsfx && v >= (i == 0 ? base - 0.5 : base)) {
		v /= base;
		i++;
	}
	if (i == 0)
		n = snprintf(out, outlen, "%.0f%s%s", v, sep, unit);
	else if (v < 9.95)
		n = snprintf(out, outlen, "%.1f%s%s%s", v, sep, sfx[i], unit);
	else
		n = snprintf(out, outlen, "%.0f%s%s%s", v, sep, sfx[i], unit);
	return n < 0 ? 0 : (size_t)n >= outlen ? outlen - 1 : (size_t)n;
}

size_t
ui_fmt_rate(double v, char *out, size_t outlen)
{
	static const char *const sfx[] = { "", "k", "M", "G", "T" };

	return ui_fmt_scaled(v, 1000, sfx, 5, "", "/s", out, outlen);
}

size_t
ui_fmt_count(uint64_t v, char *out, size_t outlen)
{
	static const char *const sfx[] = { "", "k", "M", "G", "T" };

	return ui_fmt_scaled((double)v, 1000, sfx, 5, "", "", out, outlen);
}

size_t
ui_fmt_size(uint64_t v, char *out, size_t outlen)
{
	static const char *const sfx[] = { "", "Ki", "Mi", "Gi", "Ti" };

	return ui_fmt_scaled((double)v, 1024, sfx, 5, " ", "B", out, outlen);
}

size_t
ui_fmt_bps(double v, char *out, size_t outlen)
{
	static const char *const sfx[] = { "", "Ki", "Mi", "Gi", "Ti" };

	return ui_fmt_scaled(v, 1024, sfx, 5, " ", "B/s", out, outlen);
}

size_t
ui_fmt_usec(uint64_t us, char *out, size_t outlen)
{
	int n;

	if (us < 1000)
		n = snprintf(out, outlen, "%uus", (unsigned)us);
	else if (us < 9950)
		n = snprintf(out, outlen, "%.1fms", (double)us / 1e3);
	else if (us < 999500)
		n = snprintf(out, outlen, "%.0fms", (double)us / 1e3);
	else if (us < 9950000)
		n = snprintf(out, outlen, "%.1fs", (double)us / 1e6);
	else if (us < 60000000)
		n = snprintf(out, outlen, "%.0fs", (double)us / 1e6);
	else
		n = snprintf(out, outlen, "%um%02us", (unsigned)(us / 60000000),
		    (unsigned)(us / 1000000 % 60));
	return n < 0 ? 0 : (size_t)n >= outlen ? outlen - 1 : (size_t)n;
}

size_t
ui_fmt_rtt(double s, char *out, size_t outlen)
{
	if (s < 0 || isnan(s))
		return (size_t)snprintf(out, outlen, "-");
	return ui_fmt_usec((uint64_t)(s * 1e6 + 0.5), out, outlen);
}

size_t
ui_fmt_elapsed(double s, char *out, size_t outlen)
{
	unsigned long t = s > 0 ? (unsigned long)s : 0;
	int n;

	if (t >= 3600)
		n = snprintf(out, outlen, "%lu:%02lu:%02lu", t / 3600,
		    t / 60 % 60, t % 60);
	else
		n = snprintf(out, outlen, "%lu:%02lu", t / 60, t % 60);
	return n < 0 ? 0 : (size_t)n >= outlen ? outlen - 1 : (size_t)n;
}

size_t
ui_fmt_clock(double wall, char *out, size_t outlen)
{
	time_t t = (time_t)wall;
	struct tm tm;
	int n;

	localtime_r(&t, &tm);
	n = snprintf(out, outlen, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)((wall - (double)t) * 1000) % 1000);
	return n < 0 ? 0 : (size_t)n >= outlen ? outlen - 1 : (size_t)n;
}

size_t
ui_fmt_utf8(const unsigned char *s, size_t n, long *cp)
{
	size_t len, i;
	long c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else {
		*cp = -1;
		return 1;
	}
	if (n < len) {
		*cp = -1;
		return 1;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = -1;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff))) {
		*cp = -1;
		return 1;
	}
	*cp = c;
	return len;
}

/* The character to draw for code point cp and its width in columns. */
static wchar_t
ui_fmt_glyph(long cp, int utf8, int *w)
{
	int cw;

	if (cp == '\t' || (cp >= 0 && cp < 0x20) || cp == 0x7f ||
	    (cp >= 0x80 && cp < 0xa0)) {
		*w = 1;
		return cp == '\t' ? L' ' : L'?';
	}
	if (cp < 0) {
		*w = 1;
		return utf8 ? (wchar_t)0xfffd : L'?';
	}
	if (!utf8 && cp >= 0x80) {
		*w = 1;
		return L'?';
	}
	cw = wcwidth((wchar_t)cp);
	if (cw < 0) {
		*w = 1;
		return utf8 ? (wchar_t)0xfffd : L'?';
	}
	*w = cw;
	return (wchar_t)cp;
}

int
ui_fmt_width(const char *s, size_t n, int utf8)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	long cp;
	int w, cols = 0;

	while (i < n) {
		i += ui_fmt_utf8(p + i, n - i, &cp);
		(void)ui_fmt_glyph(cp, utf8, &w);
		cols += w;
	}
	return cols;
}

int
ui_fmt_fit(const char *s, size_t n, int cols, int utf8, wchar_t *out,
    size_t outmax, size_t *nw)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, mark_o = 0;
	int used = 0, mark_used = 0, w, ellw = 1;
	long cp;
	wchar_t ch;

	*nw = 0;
	if (outmax == 0)
		return 0;
	out[0] = L'\0';
	if (cols <= 0)
		return 0;
	while (i < n) {
		i += ui_fmt_utf8(p + i, n - i, &cp);
		ch = ui_fmt_glyph(cp, utf8, &w);
		/* Remember where an ellipsis would still fit. */
		if (used + ellw <= cols) {
			mark_o = o;
			mark_used = used;
		}
		if (used + w > cols || o + 2 > outmax) {
			o = mark_o;
			used = mark_used;
			if (o + 2 <= outmax && used + ellw <= cols) {
				out[o++] = utf8 ? (wchar_t)0x2026 : L'~';
				used += ellw;
			}
			out[o] = L'\0';
			*nw = o;
			return used;
		}
		out[o++] = ch;
		used += w;
	}
	out[o] = L'\0';
	*nw = o;
	return used;
}

size_t
ui_fmt_wrap(const char *s, size_t n, int cols, int utf8, wchar_t *out,
    size_t outmax, size_t *nw)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, l, sp_o = 0, sp_i = 0;
	int used = 0, w;
	long cp;
	wchar_t ch;

	*nw = 0;
	if (outmax == 0)
		return 0;
	while (i < n && o + 1 < outmax) {
		l = ui_fmt_utf8(p + i, n - i, &cp);
		ch = ui_fmt_glyph(cp, utf8, &w);
		if (used + w > cols && o > 0)
			break;
		out[o++] = ch;
		used += w;
		i += l;
		if (ch == L' ') {
			sp_o = o;
			sp_i = i;
		}
	}
	/* Break after the last blank when it is not too far back. */
	if (i < n && sp_o > 0 && sp_o * 2 > o) {
		o = sp_o;
		i = sp_i;
	}
	out[o] = L'\0';
	*nw = o;
	return i;
}

void
ui_fmt_spark(const double *v, size_t n, int utf8, wchar_t *out)
{
	static const char ascii[] = "_.-:=+*#";
	double max = 0;
	size_t i;
	int lvl;

	for (i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	for (i = 0; i < n; i++) {
		lvl = max > 0 ? (int)(v[i] / max * 7 + 0.5) : 0;
		if (lvl < 0)
			lvl = 0;
		if (lvl > 7)
			lvl = 7;
		out[i] = utf8 ? (wchar_t)(0x2581 + lvl) : (wchar_t)ascii[lvl];
	}
	out[n] = L'\0';
}
