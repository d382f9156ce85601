/* The codec registry: every codec, found by name. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"
#include "codec_util.h"
#include "util.h"

const struct codec *const codec_all[] = {
	&codec_raw,
	&codec_line,
	&codec_reply,
	&codec_len16,
	&codec_len32,
	&codec_varint,
	&codec_lenfield,
	&codec_jsonhdr,
	&codec_http,
	&codec_resp,
	NULL
};

/* Look a codec up by its exact name. */
const struct codec *
codec_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; codec_all[i] != NULL; i++)
		if (strcmp(codec_all[i]->name, name) == 0)
			return codec_all[i];
	if (strchr(name, ' ') != NULL)
		return codec_open(name, NULL, 0);
	return NULL;
}

/* Split the spec at its first space; codecs with options open their own. */
const struct codec *
codec_open(const char *spec, char *err, size_t errlen)
{
	const char *sp, *opts;
	size_t nl, i;

	if (spec == NULL) {
		codec_err(err, errlen, "no codec named");
		return NULL;
	}
	while (*spec == ' ' || *spec == '\t')
		spec++;
	sp = strpbrk(spec, " \t");
	nl = sp != NULL ? (size_t)(sp - spec) : strlen(spec);
	opts = sp != NULL ? sp : "";
	while (*opts == ' ' || *opts == '\t')
		opts++;
	if (nl == 4 && memcmp(spec, "line", 4) == 0)
		return line_open(opts, err, errlen);
	if (nl == 8 && memcmp(spec, "lenfield", 8) == 0)
		return *opts == '\0' ? &codec_lenfield :
		    lenfield_open(opts, err, errlen);
	for (i = 0; codec_all[i] != NULL; i++) {
		if (strlen(codec_all[i]->name) != nl ||
		    memcmp(codec_all[i]->name, spec, nl) != 0)
			continue;
		if (*opts == '\0')
			return codec_all[i];
		codec_err(err, errlen, "codec %s takes no options, got '%.60s'",
		    codec_all[i]->name, opts);
		return NULL;
	}
	codec_err(err, errlen, "unknown codec '%.*s'", (int)(nl > 40 ? 40 : nl),
	    spec);
	return NULL;
}

int
codec_has(const struct codec *c, unsigned cap)
{
	return c != NULL && (c->caps & cap) == cap;
}

struct codec_cursor *
codec_cursor_new(const struct codec *c)
{
	if (c->resume == NULL || c->cursor_size == 0)
		return NULL;
	assert(c->cursor_size >= sizeof(struct codec_cursor) &&
	    c->cursor_size <= CODEC_CURSOR_MAX);
	return xcalloc(1, c->cursor_size);
}

void
codec_cursor_free(struct codec_cursor **cur)
{
	free(*cur);
	*cur = NULL;
}

/* Resume from *cur, or from a zeroed cursor on the stack that is kept only
 * if the frame stays incomplete: a stream whose frames arrive whole never
 * allocates one. */
ssize_t
codec_decode(const struct codec *c, struct codec_cursor **cur,
    const unsigned char *p, size_t n, size_t max_frame,
    struct codec_frame *out, char *err, size_t errlen)
{
	union {
		struct codec_cursor	cur;
		unsigned char		space[CODEC_CURSOR_MAX];
		max_align_t		align;
	} tmp;
	ssize_t r;

	if (c->resume == NULL)
		return c->decode(p, n, max_frame, out, err, errlen);
	if (*cur != NULL) {
		r = c->resume(*cur, p, n, max_frame, out, err, errlen);
		/* A hint is about one frame: gone once it is decided. */
		if (r != CODEC_NEED_MORE)
			(*cur)->hint = 0;
		return r;
	}
	assert(c->cursor_size <= sizeof(tmp));
	memset(&tmp, 0, c->cursor_size);
	r = c->resume(&tmp.cur, p, n, max_frame, out, err, errlen);
	if (r == CODEC_NEED_MORE) {
		*cur = xmalloc(c->cursor_size);
		memcpy(*cur, &tmp, c->cursor_size);
	}
	return r;
}
