/* The message model shared by every codec: field lookup, the JSON view and
 * the end-of-stream decode, all built on each codec's fields and decode
 * functions (see codec.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "codec.h"
#include "codec_util.h"

/* What codec_field is looking for, and what it found. */
struct field_find {
	const char		*group;
	size_t			 group_len;
	const char		*name;
	size_t			 name_len;
	int			 nocase;
	size_t			 index;
	struct codec_value	*out;
	int			 found;
};

/* Return 1 if name[0..n) equals the field's name, as the codec compares. */
static int
field_name_is(const char *a, size_t an, const char *b, size_t bn, int nocase)
{
	if (an != bn)
		return 0;
	return nocase ? strncasecmp(a, b, an) == 0 : memcmp(a, b, an) == 0;
}

/* Visitor for codec_field: stop at the index-th field with the name. */
static int
field_find_cb(void *arg, const struct codec_field *fld)
{
	struct field_find *ff = arg;

	if ((ff->group == NULL) != (fld->group == NULL))
		return 0;
	if (ff->group != NULL && (strlen(fld->group) != ff->group_len ||
	    memcmp(fld->group, ff->group, ff->group_len) != 0))
		return 0;
	if (!field_name_is(fld->name, fld->name_len, ff->name, ff->name_len,
	    ff->group != NULL && ff->nocase))
		return 0;
	if (ff->index-- > 0)
		return 0;
	*ff->out = fld->v;
	ff->found = 1;
	return 1;
}

int
codec_field(const struct codec *c, const struct codec_frame *f,
    const char *name, size_t index, struct buf *scratch,
    struct codec_value *out)
{
	struct field_find ff;
	const char *colon;

	if (c == NULL || c->fields == NULL || name == NULL)
		return -1;
	memset(&ff, 0, sizeof(ff));
	if ((colon = strchr(name, ':')) != NULL) {
		ff.group = name;
		ff.group_len = (size_t)(colon - name);
		name = colon + 1;
	}
	ff.name = name;
	ff.name_len = strlen(name);
	ff.nocase = (c->caps & CODEC_HEAD_NOCASE) != 0;
	ff.index = index;
	ff.out = out;
	if (c->fields(f, scratch, field_find_cb, &ff) == -1)
		return -1;
	return ff.found;
}

int
codec_knows_field(const struct codec *c, const char *name)
{
	const char *colon;
	size_t i, gl;

	if (c == NULL || c->field_names == NULL || name == NULL)
		return 0;
	colon = strchr(name, ':');
	for (i = 0; c->field_names[i] != NULL; i++) {
		const char *k = c->field_names[i];

		if (strcmp(k, name) == 0)
			return 1;
		if (colon == NULL || colon[1] == '\0')
			continue;
		gl = (size_t)(colon - name);
		if (strncmp(k, name, gl + 1) == 0 && strcmp(k + gl + 1, "*") == 0)
			return 1;
	}
	return 0;
}

/* Append bytes p[0..n) to out as a JSON string (valid UTF-8 assumed). */
static void
json_string(const unsigned char *p, size_t n, struct buf *out)
{
	size_t i, from = 0;
	char esc[8];

	buf_append(out, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char ch = p[i];

		if (ch >= 0x20 && ch != '"' && ch != '\\' && ch != 0x7f)
			continue;
		buf_append(out, p + from, i - from);
		from = i + 1;
		switch (ch) {
		case '"': buf_append(out, "\\\"", 2); break;
		case '\\': buf_append(out, "\\\\", 2); break;
		case '\n': buf_append(out, "\\n", 2); break;
		case '\r': buf_append(out, "\\r", 2); break;
		case '\t': buf_append(out, "\\t", 2); break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", ch);
			buf_append(out, esc, 6);
		}
	}
	buf_append(out, p + from, n - from);
	buf_append(out, "\"", 1);
}

/* Append p[0..n) as a string of hex pairs. */
static void
json_hex(const unsigned char *p, size_t n, struct buf *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	buf_append(out, "\"", 1);
	for (i = 0; i < n; i++) {
		char pair[2] = { digits[p[i] >> 4], digits[p[i] & 15] };

		buf_append(out, pair, 2);
	}
	buf_append(out, "\"", 1);
}

void
codec_value_json(const struct codec_value *v, struct buf *out)
{
	const unsigned char *s = v->len > 0 ? v->s : (const unsigned char *)"";

	switch (v->type) {
	case CODEC_V_INT:
		buf_printf(out, "%lld", v->num);
		break;
	case CODEC_V_NULL:
		buf_append(out, "null", 4);
		break;
	case CODEC_V_JSON:
		buf_append(out, s, v->len);
		break;
	default:
		if (codec_utf8_valid(s, v->len))
			json_string(s, v->len, out);
		else
			json_hex(s, v->len, out);
	}
}

/* Where codec_json is in the object it writes. */
struct json_walk {
	struct buf	*out;
	const char	*group;		/* the group whose array is open */
	int		 any;		/* a member has been written */
};

/* Visitor for codec_json: one member, or one pair of a group's array. */
static int
json_field_cb(void *arg, const struct codec_field *fld)
{
	struct json_walk *w = arg;
	int hex = fld->v.type == CODEC_V_TEXT && fld->v.len > 0 &&
	    !codec_utf8_valid(fld->v.s, fld->v.len);

	if (w->group != NULL && (fld->group == NULL ||
	    strcmp(fld->group, w->group) != 0)) {
		buf_append(w->out, "]", 1);
		w->group = NULL;
	}
	if (fld->group != NULL && w->group == NULL) {
		buf_printf(w->out, "%s\"%ss\":[", w->any ? "," : "",
		    fld->group);
		w->group = fld->group;
		w->any = 1;
	} else if (fld->group != NULL)
		buf_append(w->out, ",", 1);
	if (fld->group != NULL) {
		struct codec_value nv = { CODEC_V_TEXT, 0,
		    (const unsigned char *)fld->name, fld->name_len };

		buf_append(w->out, "[", 1);
		codec_value_json(&nv, w->out);	/* hex if not UTF-8 */
		buf_append(w->out, ",", 1);
		codec_value_json(&fld->v, w->out);
		buf_append(w->out, "]", 1);
		return 0;
	}
	if (w->any)
		buf_append(w->out, ",", 1);
	w->any = 1;
	buf_append(w->out, "\"", 1);
	buf_append(w->out, fld->name, fld->name_len);
	buf_printf(w->out, "%s\":", hex ? "_hex" : "");
	codec_value_json(&fld->v, w->out);
	return 0;
}

int
codec_json(const struct codec *c, const struct codec_frame *f,
    struct buf *out)
{
	struct json_walk w;
	struct buf scratch;
	size_t mark = buf_len(out);
	int rc;

	if (c == NULL || c->fields == NULL)
		return -1;
	memset(&w, 0, sizeof(w));
	w.out = out;
	buf_init(&scratch);
	buf_append(out, "{", 1);
	rc = c->fields(f, &scratch, json_field_cb, &w);
	buf_free(&scratch);
	if (rc == -1) {
		out->len = mark;	/* drop the partial object */
		return -1;
	}
	if (w.group != NULL)
		buf_append(out, "]", 1);
	buf_append(out, "}", 1);
	return 0;
}

/* Set the hint on *cur, making the cursor if the codec has one. */
void
codec_cursor_hint(const struct codec *c, struct codec_cursor **cur,
    unsigned hint)
{
	if (*cur == NULL)
		*cur = codec_cursor_new(c);
	if (*cur != NULL)
		(*cur)->hint = hint;
}

ssize_t
codec_decode_eof(const struct codec *c, struct codec_cursor **cur,
    const unsigned char *p, size_t n, size_t max_frame,
    struct codec_frame *out, char *err, size_t errlen)
{
	ssize_t r;

	if (n == 0) {
		codec_cursor_free(cur);
		return 0;
	}
	r = codec_decode(c, cur, p, n, max_frame, out, err, errlen);
	if (r != CODEC_NEED_MORE)
		return r;
	codec_cursor_free(cur);
	if (c->decode_eof != NULL &&
	    (r = c->decode_eof(p, n, max_frame, out, err, errlen)) !=
	    CODEC_NEED_MORE)
		return r;
	return codec_err(err, errlen, "connection closed in the middle of a "
	    "%s frame (%zu bytes pending)", c->name, n);
}
