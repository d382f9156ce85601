/* The decoded pane's lines for a message: its structure from the codec's
 * fields (codec_field), its frames when one write carried several. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "match.h"
#include "ui_fmt.h"
#include "ui_msgview.h"
#include "util.h"

#define UI_MV_DEPTH	8	/* RESP nesting shown; deeper is [...] */
#define UI_MV_BODY	4096	/* bytes of an escaped text piece */

/* Lines being built: the text, how many lines it has, how many more were
 * left out once the limit was reached. */
struct ui_mv {
	struct buf	*out;
	size_t		 lines, dropped;
	int		 open;		/* a line is started */
	int		 bignum;	/* the RESP value is a big number */
};

/* Start a new line (ending the current one). */
static int
ui_mv_line(struct ui_mv *m)
{
	if (m->lines >= UI_MSGVIEW_LINES - 1) {
		m->dropped++;
		m->open = 0;
		return -1;
	}
	if (m->lines > 0)
		buf_append(m->out, "\n", 1);
	m->lines++;
	m->open = 1;
	return 0;
}

/* Append text to the current line (nothing if it was dropped). */
static void
ui_mv_put(struct ui_mv *m, const char *s, size_t n)
{
	if (m->open)
		buf_append(m->out, s, n);
}

/* Append bytes escaped to the current line. */
static void
ui_mv_esc(struct ui_mv *m, const unsigned char *p, size_t n)
{
	char tmp[UI_MV_BODY * 4 + 8];

	if (m->open)
		buf_append(m->out, tmp, escape_bytes(p, n, tmp, sizeof(tmp),
		    1));
}

/* End the rendering: the last line says how many lines were left out. */
static size_t
ui_mv_end(struct ui_mv *m)
{
	if (m->dropped > 0) {
		if (m->lines > 0)
			buf_append(m->out, "\n", 1);
		buf_printf(m->out, "... %zu more line%s", m->dropped,
		    m->dropped == 1 ? "" : "s");
		m->lines++;
	}
	return m->lines;
}

ssize_t
ui_msgview_decode(const struct codec *cd, const unsigned char *p, size_t n,
    struct codec_frame *f)
{
	struct codec_cursor *cur = NULL;
	char err[160];
	ssize_t r;

	memset(f, 0, sizeof(*f));
	if (cd == NULL || n == 0)
		return -1;
	r = cd->decode(p, n, n, f, err, sizeof(err));
	if (r > 0)
		return r;
	if (r != CODEC_NEED_MORE)
		return -1;
	/* Ended by the close: codec_decode_eof takes it whole. */
	memset(f, 0, sizeof(*f));
	r = codec_decode_eof(cd, &cur, p, n, n, f, err, sizeof(err));
	codec_cursor_free(&cur);
	if (r > 0)
		return r;
	/* The answer to a HEAD: its head announces a body it has not. */
	memset(f, 0, sizeof(*f));
	codec_cursor_hint(cd, &cur, CODEC_HINT_HEAD);
	r = codec_decode(cd, &cur, p, n, n, f, err, sizeof(err));
	codec_cursor_free(&cur);
	return r > 0 ? r : -1;
}

/* Field walk state for an HTTP message. */
struct ui_mv_http {
	struct ui_mv	*m;
	const unsigned char *version, *method, *path, *status, *reason;
	size_t		 lversion, lmethod, lpath, lstatus, lreason;
	int		 started;	/* the start line is out */
};

/* Put the start line once the fields before the first header are in. */
static void
ui_mv_http_start(struct ui_mv_http *h)
{
	struct ui_mv *m = h->m;

	if (h->started)
		return;
	h->started = 1;
	ui_mv_line(m);
	if (h->status != NULL) {
		ui_mv_esc(m, h->version, h->lversion);
		ui_mv_put(m, " ", 1);
		ui_mv_esc(m, h->status, h->lstatus);
		ui_mv_put(m, " ", 1);
		ui_mv_esc(m, h->reason, h->lreason);
	} else {
		ui_mv_esc(m, h->method, h->lmethod);
		ui_mv_put(m, " ", 1);
		ui_mv_esc(m, h->path, h->lpath);
		ui_mv_put(m, " ", 1);
		ui_mv_esc(m, h->version, h->lversion);
	}
}

/* Show a body line by line (each escaped; a last line without LF too). */
static void
ui_mv_body(struct ui_mv *m, const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const unsigned char *nl = memchr(p + i, '\n', n - i);
		size_t e = nl != NULL ? (size_t)(nl - p) + 1 : n;

		if (ui_mv_line(m) == 0)
			ui_mv_esc(m, p + i, e - i);
		i = e;
	}
}

/* One HTTP field: collect the start line, then headers, body, trailers. */
static int
ui_mv_http_cb(void *arg, const struct codec_field *fld)
{
	struct ui_mv_http *h = arg;
	struct ui_mv *m = h->m;
	const unsigned char *s = fld->v.s;
	size_t n = fld->v.len;

	if (fld->group != NULL) {
		ui_mv_http_start(h);
		if (ui_mv_line(m) == 0) {
			ui_mv_esc(m, (const unsigned char *)fld->name,
			    fld->name_len);
			ui_mv_put(m, ": ", 2);
			ui_mv_esc(m, s, n);
		}
		return 0;
	}
#define UI_MV_IS(nm) (strcmp(fld->name, nm) == 0)
	if (UI_MV_IS("version")) {
		h->version = s;
		h->lversion = n;
	} else if (UI_MV_IS("method")) {
		h->method = s;
		h->lmethod = n;
	} else if (UI_MV_IS("path")) {
		h->path = s;
		h->lpath = n;
	} else if (UI_MV_IS("status")) {
		h->status = s;
		h->lstatus = n;
	} else if (UI_MV_IS("reason")) {
		h->reason = s;
		h->lreason = n;
	} else if (UI_MV_IS("body")) {
		ui_mv_http_start(h);
		if (n > 0) {
			if (ui_mv_line(m) == 0)
				ui_mv_put(m, "", 0);	/* blank: body follows */
			ui_mv_body(m, s, n);
		}
	}
#undef UI_MV_IS
	return 0;
}

/* Append a RESP value's JSON view (v) the way redis-cli prints it; the
 * first line continues the current one, the next ones are indented by
 * indent columns. */
static void
ui_mv_resp(struct ui_mv *m, const cJSON *v, size_t indent, int depth,
    const char *mark)
{
	char tmp[64];
	const cJSON *e;
	size_t i = 0, w;

	if (cJSON_IsNull(v)) {
		ui_mv_put(m, "(nil)", 5);
	} else if (cJSON_IsBool(v)) {
		ui_mv_put(m, cJSON_IsTrue(v) ? "(true)" : "(false)",
		    cJSON_IsTrue(v) ? 6 : 7);
	} else if (cJSON_IsNumber(v)) {
		long long ll;
		char *end;

		/* Range-checked before the cast; a big integer's exact text
		 * (match_json_parse) decides integer (fits int64, RESP ':')
		 * or big number (RESP3 '('). */
		if (v->valuestring != NULL) {
			errno = 0;
			ll = strtoll(v->valuestring, &end, 10);
			(void)ll;
			snprintf(tmp, sizeof(tmp), "%s %.40s%s", errno == 0 &&
			    *end == '\0' && !m->bignum ? "(integer)" :
			    "(big number)", v->valuestring,
			    strlen(v->valuestring) > 40 ? "..." : "");
		} else if (v->valuedouble >= -9.2e18 &&
		    v->valuedouble <= 9.2e18 &&
		    v->valuedouble == floor(v->valuedouble))
			snprintf(tmp, sizeof(tmp), "%s %lld", m->bignum ?
			    "(big number)" : "(integer)",
			    (long long)v->valuedouble);
		else
			snprintf(tmp, sizeof(tmp), "(double) %.17g",
			    v->valuedouble);
		ui_mv_put(m, tmp, strlen(tmp));
	} else if (cJSON_IsString(v)) {
		ui_mv_put(m, "\"", 1);
		ui_mv_esc(m, (const unsigned char *)v->valuestring,
		    strlen(v->valuestring));
		ui_mv_put(m, "\"", 1);
	} else if (cJSON_IsObject(v) && cJSON_GetArraySize(v) == 1 &&
	    cJSON_IsString(cJSON_GetObjectItem(v, "error"))) {
		const char *t = cJSON_GetObjectItem(v, "error")->valuestring;

		ui_mv_put(m, "(error) ", 8);
		ui_mv_esc(m, (const unsigned char *)t, strlen(t));
	} else if (cJSON_GetArraySize(v) == 0) {
		ui_mv_put(m, cJSON_IsObject(v) ? "(empty map)" :
		    "(empty array)", cJSON_IsObject(v) ? 11 : 13);
	} else if (depth >= UI_MV_DEPTH) {
		ui_mv_put(m, "[...]", 5);
	} else {
		cJSON_ArrayForEach(e, v) {
			i++;
			if (i > 1 && ui_mv_line(m) == 0)
				for (w = 0; w < indent; w++)
					ui_mv_put(m, " ", 1);
			snprintf(tmp, sizeof(tmp), "%zu%s ", i,
			    cJSON_IsObject(v) ? "#" : mark);
			ui_mv_put(m, tmp, strlen(tmp));
			if (cJSON_IsObject(v)) {
				ui_mv_put(m, "\"", 1);
				ui_mv_esc(m, (const unsigned char *)e->string,
				    strlen(e->string));
				ui_mv_put(m, "\" => ", 5);
				snprintf(tmp + strlen(tmp), sizeof(tmp) -
				    strlen(tmp), "%*s", (int)strlen(e->string)
				    + 6, "");
			}
			ui_mv_resp(m, e, indent + strlen(tmp), depth + 1, ")");
		}
	}
}

/* The codec field called name of frame f, as text; 1 if found. */
static int
ui_mv_field(const struct codec *cd, const struct codec_frame *f,
    const char *name, struct buf *scratch, struct codec_value *v)
{
	return codec_field(cd, f, name, 0, scratch, v) == 1;
}

/* A RESP message: its type from the fields, then its value. */
static void
ui_mv_resp_msg(struct ui_mv *m, const struct codec *cd,
    const struct codec_frame *f)
{
	struct codec_value type, val, text;
	struct buf s1, s2, s3;
	cJSON *j;

	buf_init(&s1);
	buf_init(&s2);
	buf_init(&s3);
	ui_mv_line(m);
	if (!ui_mv_field(cd, f, "type", &s1, &type) ||
	    !ui_mv_field(cd, f, "value", &s2, &val)) {
		char d[512];

		cd->describe(f, d, sizeof(d));
		ui_mv_put(m, d, strlen(d));
	} else if ((type.len == 6 && memcmp(type.s, "status", 6) == 0) ||
	    (type.len == 5 && memcmp(type.s, "error", 5) == 0)) {
		if (ui_mv_field(cd, f, "text", &s3, &text)) {
			if (type.len == 5)
				ui_mv_put(m, "(error) ", 8);
			ui_mv_esc(m, text.s, text.len);
		}
	} else if ((j = match_json_parse(val.s, val.len)) != NULL) {
		m->bignum = type.len == 6 && memcmp(type.s, "bignum", 6) == 0;
		if (type.len == 4 && memcmp(type.s, "push", 4) == 0)
			ui_mv_put(m, "(push) ", 7);
		ui_mv_resp(m, j, type.len == 4 && memcmp(type.s, "push", 4) ==
		    0 ? 7 : 0, 0, type.len == 3 && memcmp(type.s, "set", 3) ==
		    0 ? "~" : ")");
		m->bignum = 0;
		cJSON_Delete(j);
	}
	buf_free(&s1);
	buf_free(&s2);
	buf_free(&s3);
}

/* A reply: "CODE first line", then each further line indented. */
static void
ui_mv_reply(struct ui_mv *m, const struct codec *cd,
    const struct codec_frame *f)
{
	struct codec_value code, lines;
	struct buf s1, s2;
	const cJSON *e;
	cJSON *j = NULL;
	int i = 0;

	buf_init(&s1);
	buf_init(&s2);
	if (ui_mv_field(cd, f, "code", &s1, &code) &&
	    ui_mv_field(cd, f, "lines", &s2, &lines) &&
	    (j = cJSON_ParseWithLength((const char *)lines.s, lines.len)) !=
	    NULL) {
		cJSON_ArrayForEach(e, j) {
			if (ui_mv_line(m) != 0 || !cJSON_IsString(e))
				continue;
			if (i++ == 0) {
				ui_mv_esc(m, code.s, code.len);
				ui_mv_put(m, " ", 1);
			} else
				ui_mv_put(m, "    ", 4);
			ui_mv_esc(m, (const unsigned char *)e->valuestring,
			    strlen(e->valuestring));
		}
	}
	cJSON_Delete(j);
	buf_free(&s1);
	buf_free(&s2);
}

/* One frame with the structure its codec has: 1 if rendered, else 0. */
static int
ui_mv_frame(struct ui_mv *m, const struct codec *cd,
    const struct codec_frame *f)
{
	if (cd == &codec_http) {
		struct ui_mv_http h;
		struct buf scratch;
		int r;

		memset(&h, 0, sizeof(h));
		h.m = m;
		buf_init(&scratch);
		r = cd->fields(f, &scratch, ui_mv_http_cb, &h);
		buf_free(&scratch);
		return r == 0 && h.started;
	}
	if (cd == &codec_resp) {
		ui_mv_resp_msg(m, cd, f);
		return 1;
	}
	if (cd == &codec_reply) {
		ui_mv_reply(m, cd, f);
		return m->lines > 0;
	}
	return 0;
}

size_t
ui_msgview_render(const struct codec *cd, const unsigned char *p, size_t n,
    struct buf *out)
{
	struct ui_mv m = { .out = out };
	struct codec_frame f;
	size_t off = 0, nframes = 0, mark = buf_len(out);
	ssize_t r;
	char d[512];

	if (cd == NULL || cd->describe == NULL || n == 0)
		return 0;
	/* Count the frames: a merged write carried several. */
	while (off < n && (r = ui_msgview_decode(cd, p + off, n - off,
	    &f)) > 0) {
		off += (size_t)r;
		nframes++;
	}
	if (nframes == 0)
		return 0;
	if (nframes == 1 && off == n) {
		ui_msgview_decode(cd, p, n, &f);
		if (cd->fields == NULL || !ui_mv_frame(&m, cd, &f)) {
			out->len = mark;	/* nothing of ours stays */
			return 0;
		}
		return ui_mv_end(&m);
	}
	ui_mv_line(&m);
	buf_printf(out, "%zu frame%s in one write:", nframes,
	    nframes == 1 ? "" : "s");
	for (off = 0; off < n && (r = ui_msgview_decode(cd, p + off, n - off,
	    &f)) > 0; off += (size_t)r) {
		if (ui_mv_line(&m) != 0)
			continue;
		cd->describe(&f, d, sizeof(d));
		ui_mv_put(&m, "  ", 2);
		ui_mv_put(&m, d, strlen(d));
	}
	if (off < n && ui_mv_line(&m) == 0)
		buf_printf(out, "  + %zu bytes that are no whole frame", n - off);
	return ui_mv_end(&m);
}

size_t
ui_msgview_stamp(enum ui_msgview_ts mode, double t, double t_start,
    double t_prev, double wall_off, char *out, size_t outlen)
{
	double d;
	int n;

	if (mode == UI_TS_ABSOLUTE)
		return ui_fmt_clock(t + wall_off, out, outlen);
	d = t - (mode == UI_TS_RELATIVE ? t_start : t_prev);
	if (d < 0)
		d = 0;	/* stamps of one clock never go back; be safe */
	if (d < 1000)
		n = snprintf(out, outlen, "+%.6f", d);
	else if (d < 1e7)
		n = snprintf(out, outlen, "+%.3f", d);
	else
		n = snprintf(out, outlen, "+%.0f", d < 1e11 ? d : 99999999999.0);
	return n < 0 ? 0 : (size_t)n >= outlen ? outlen - 1 : (size_t)n;
}

const char *
ui_msgview_ts_name(enum ui_msgview_ts mode)
{
	switch (mode) {
	case UI_TS_RELATIVE:	return "relative to the connection's start";
	case UI_TS_DELTA:	return "delta to the line before";
	default:		return "absolute";
	}
}
