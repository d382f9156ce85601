/* The scenario parser: one directive per line, read through the lexer's
 * tokens into a flat step program (blocks as jumps), then checked. */
#include <sys/stat.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "fields.h"
#include "file.h"
#include "pack.h"
#include "parse.h"
#include "roles.h"
#include "util.h"

#define SCENARIO_DEFAULT_TIMEOUT	5.0

static int parse_expect_set(struct parser *p, size_t at, int any);
static void parse_set_branch(struct parser *p);
static struct scenario *scenario_new(const char *name);
static int parse_accept_finish(struct parser *p);
static int parse_accept_end(struct parser *p);

enum { SEEN_NAME, SEEN_CODEC, SEEN_SERVICE, SEEN_CONNS, SEEN_RATE,
    SEEN_TIMEOUT, SEEN_MAXFRAME, SEEN_DATA, SEEN_TLS };

static const char *const send_kinds[] = {
	"text", "hex", "json", "file", "raw", "pack", "request", "command",
	NULL
};
static const char *const expect_kinds[] = {
	"text", "hex", "regex", "json", "header", "length", "close",
	"nothing", NULL
};


/* Resolve path against the scenario's directory unless it is absolute. */
static char *
resolve_path(const struct scenario *sc, const char *path)
{
	size_t n;
	char *r;

	if (path[0] == '/' || strcmp(sc->dir, ".") == 0)
		return xstrdup(path);
	n = strlen(sc->dir) + strlen(path) + 2;
	r = xmalloc(n);
	snprintf(r, n, "%s/%s", sc->dir, path);
	return r;
}

/* Append a zeroed step of kind k at the current line. */
static struct step *
new_step(struct parser *p, enum step_kind k)
{
	struct lexer *lx = &p->lx;
	struct scenario *sc = p->sc;
	struct step *st;

	if (sc->nsteps >= SCENARIO_MAX_STEPS) {
		lex_error(lx, 0, NULL, "expected at most %d steps, got more",
		    SCENARIO_MAX_STEPS);
		return NULL;
	}
	if (p->closed_at != 0) {
		char hint[96];

		snprintf(hint, sizeof(hint), "the '%s' at line %u ends the "
		    "script; remove it or the lines after it", p->closed_by,
		    p->closed_at);
		lex_error(lx, 0, hint, "expected no step after '%s', got '%s'",
		    p->closed_by, step_kind_name(k));
		return NULL;
	}
	sc->steps = xrealloc(sc->steps, (sc->nsteps + 1) * sizeof(*st));
	st = &sc->steps[sc->nsteps++];
	memset(st, 0, sizeof(*st));
	st->kind = k;
	st->line = lx->lineno;
	st->file = p->file;
	return st;
}

struct step *
parse_new_step(struct parser *p, enum step_kind k)
{
	return new_step(p, k);
}

/* Record a setting's line, failing if it was already set. */
static int
setting_once(struct parser *p, int which, const char *name)
{
	struct lexer *lx = &p->lx;
	char hint[96];

	if (p->seen[which] != 0) {
		snprintf(hint, sizeof(hint), "the first '%s' is at line %u",
		    name, p->seen[which]);
		return lex_error(lx, 0, hint,
		    "expected one '%s' line, got a second",
		    name);
	}
	p->seen[which] = lx->lineno;
	return 0;
}

/* `name "..."`. */
static int
parse_name(struct parser *p)
{
	struct lexer *lx = &p->lx;
	size_t len;
	char *s;

	if (setting_once(p, SEEN_NAME, "name") == -1 ||
	    lex_plain(lx, &s, &len) == -1)
		return -1;
	free(p->sc->name);
	p->sc->name = s;
	return lex_need_eol(lx, "end of line after the name");
}

/* The options after `codec NAME` (`line crlf`, `lenfield size=2 ...`),
 * opened as codec_open does, up to the end of the line or a comment. */
static int
parse_codec_options(struct parser *p, const char *name, size_t namelen)
{
	struct lexer *lx = &p->lx;
	const struct codec *c;
	char spec[256], err[200];
	size_t at = lx->pos, end = lx->pos;
	const char *w;
	size_t wl;

	while (lex_word(lx, &w, &wl))
		end = lx->pos;
	if (!lex_at_eol(lx))
		return lex_need_eol(lx, "end of line after the codec options");
	if ((size_t)snprintf(spec, sizeof(spec), "%.*s %.*s",
	    (int)namelen, name, (int)(end - at),
	    lx->line + at) >= sizeof(spec))
		return lex_error(lx, at, NULL, "codec options longer than %zu "
		    "bytes", sizeof(spec) - 1);
	if ((c = codec_open(spec, err, sizeof(err))) == NULL)
		return lex_error(lx, at, NULL, "%s", err);
	p->sc->codec = c;
	free(p->sc->codec_name);
	p->sc->codec_name = xstrdup(c->name);
	return 0;
}

/* `codec NAME [OPTIONS]`. */
static int
parse_codec(struct parser *p)
{
	struct lexer *lx = &p->lx;
	const char *names[32], *w;
	char hint[256], got[96];
	size_t wl, i;

	if (setting_once(p, SEEN_CODEC, "codec") == -1 ||
	    lex_need_word(lx, "a codec name", &w, &wl) == -1)
		return -1;
	for (i = 0; codec_all[i] != NULL && i < 31; i++)
		names[i] = codec_all[i]->name;
	names[i] = NULL;
	for (i = 0; names[i] != NULL; i++) {
		if (lex_word_is(w, wl, names[i])) {
			p->sc->codec = codec_all[i];
			free(p->sc->codec_name);
			p->sc->codec_name = xstrdup(names[i]);
			p->sc->stream = strcmp(names[i], "raw") == 0;
			return lex_at_eol(lx) ? 0 :
			    parse_codec_options(p, w, wl);
		}
	}
	return lex_error(lx, lx->pos - wl, lex_nearest_hint(w, wl, names, hint,
	    sizeof(hint)), "expected a codec name, got %s",
	    lex_got(lx, lx->pos - wl, got, sizeof(got)));
}

/* "service echo takes prefix, suffix, fixed" for a hint. */
static void
parse_service_hint(const struct service *svc, char *out, size_t outlen)
{
	size_t i, o;

	o = (size_t)snprintf(out, outlen, "service %s takes ", svc->name);
	if (svc->options[0] == NULL)
		snprintf(out + o, outlen - o, "no options");
	for (i = 0; svc->options[i] != NULL && o < outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, "%s%s%s",
		    i > 0 ? ", " : "", svc->options[i],
		    strcmp(svc->options[i], "root") == 0 ? " DIR" : " \"...\"");
}

/* `service NAME [prefix S] [suffix S] [fixed S] [root DIR]`. */
static int
parse_service(struct parser *p)
{
	struct lexer *lx = &p->lx;
	struct service_cfg *sv = &p->sc->service;
	const struct service *svc;
	const char *w;
	char hint[256], got[96], *s;
	size_t wl, len;

	if (setting_once(p, SEEN_SERVICE, "service") == -1 ||
	    lex_need_word(lx, "a service name", &w, &wl) == -1)
		return -1;
	if ((svc = service_findn(w, wl)) == NULL)
		return lex_error(lx, lx->pos - wl, lex_nearest_hint(w, wl,
		    service_names, hint, sizeof(hint)), "expected a service "
		    "name, got %s", lex_got(lx, lx->pos - wl, got, sizeof(got)));
	sv->name = xstrdup(svc->name);
	while (!lex_at_eol(lx)) {
		size_t at = lx->pos;

		if (!lex_word(lx, &w, &wl) || !service_takes(svc, w, wl)) {
			parse_service_hint(svc, hint, sizeof(hint));
			return lex_error(lx, at, hint, "expected an option of "
			    "service %s, got %s", svc->name, lex_got(lx, at, got,
			    sizeof(got)));
		}
		if (lex_word_is(w, wl, "root")) {
			if (sv->root != NULL)
				return lex_error(lx, at, NULL, "expected one "
				    "'root', got a second");
			if (lex_path(lx, "a directory", &s) == -1)
				return -1;
			sv->root = resolve_path(p->sc, s);
			free(s);
			continue;
		}
		if (lex_plain(lx, &s, &len) == -1)
			return -1;
		if (lex_word_is(w, wl, "prefix") && sv->prefix == NULL) {
			sv->prefix = (unsigned char *)s;
			sv->prefix_len = len;
		} else if (lex_word_is(w, wl, "suffix") && sv->suffix == NULL) {
			sv->suffix = (unsigned char *)s;
			sv->suffix_len = len;
		} else if (lex_word_is(w, wl, "fixed") && sv->fixed == NULL) {
			sv->fixed = (unsigned char *)s;
			sv->fixed_len = len;
		} else {
			free(s);
			return lex_error(lx, at, NULL, "expected each option "
			    "once, got a second '%.*s'", (int)wl, w);
		}
	}
	if (service_takes(svc, "root", 4) && sv->root == NULL)
		return lex_error(lx, lx->pos, "as in: service file root files/",
		    "expected 'root DIR' for service file, got end of line");
	return 0;
}

/* `connections N`. */
static int
parse_connections(struct parser *p)
{
	struct lexer *lx = &p->lx;
	uint64_t v;

	if (setting_once(p, SEEN_CONNS, "connections") == -1 ||
	    lex_uint(lx, "a connection count", SCENARIO_MAX_CONNS, &v) == -1)
		return -1;
	if (v == 0)
		return lex_error(lx, lx->pos - 1, NULL,
		    "expected a connection count "
		    "of at least 1, got 0");
	p->sc->connections = (unsigned)v;
	return lex_need_eol(lx, "end of line after the count");
}

/* `rate N`: connections opened per second, 0 for all at once. */
static int
parse_rate(struct parser *p)
{
	struct lexer *lx = &p->lx;
	const char *w;
	char tmp[64], *end, got[96];
	size_t wl;
	double v;

	if (setting_once(p, SEEN_RATE, "rate") == -1 ||
	    lex_need_word(lx, "a rate (connections per second)", &w, &wl) == -1)
		return -1;
	v = -1;
	if (wl < sizeof(tmp) && isdigit((unsigned char)w[0]) &&
	    memchr(w, 'x', wl) == NULL && memchr(w, 'e', wl) == NULL &&
	    memchr(w, 'E', wl) == NULL && memchr(w, 'X', wl) == NULL) {
		memcpy(tmp, w, wl);
		tmp[wl] = '\0';
		errno = 0;
		v = strtod(tmp, &end);
		if (*end != '\0' || errno != 0 || !isfinite(v) || v > 1e6)
			v = -1;
	}
	if (v < 0)
		return lex_error(lx, lx->pos - wl,
		    "a number such as 100 or 0.5, at "
		    "most 1000000; 0 opens all at once", "expected a rate "
		    "(connections per second), got %s",
		    lex_got(lx, lx->pos - wl, got, sizeof(got)));
	p->sc->rate = v;
	return lex_need_eol(lx, "end of line after the rate");
}

/* `tls`: the scenario's connections speak TLS (docs/tls.md). */
static int
parse_tls(struct parser *p)
{
	if (setting_once(p, SEEN_TLS, "tls") == -1)
		return -1;
	p->sc->tls = 1;
	return lex_need_eol(&p->lx,
	    "end of line after tls (the options are run's: --sni, "
	    "--ca-file, ...)");
}

/* `timeout D`: the default expect timeout. */
static int
parse_timeout(struct parser *p)
{
	struct lexer *lx = &p->lx;
	size_t at;

	if (setting_once(p, SEEN_TIMEOUT, "timeout") == -1)
		return -1;
	lex_skip_ws(lx);
	at = lx->pos;
	if (lex_duration(lx, "a duration", &p->sc->timeout) == -1)
		return -1;
	if (p->sc->timeout == 0)	/* a timer of 0 is none: a hang */
		return lex_error(lx, at, "a step waits at most its timeout; "
		    "use 1ms for \"at once\"", "expected a timeout above 0, "
		    "got 0");
	return lex_need_eol(lx, "end of line after the timeout");
}

/* `max-frame SIZE`. */
static int
parse_max_frame(struct parser *p)
{
	struct lexer *lx = &p->lx;
	const char *w;
	char tmp[32], got[96];
	size_t wl;
	uint64_t v;

	if (setting_once(p, SEEN_MAXFRAME, "max-frame") == -1 ||
	    lex_need_word(lx, "a size", &w, &wl) == -1)
		return -1;
	if (wl >= sizeof(tmp))
		v = 0;
	else {
		memcpy(tmp, w, wl);
		tmp[wl] = '\0';
		if (parse_size(tmp, &v) == -1)
			v = 0;
	}
	if (v < 16 || v > 1024ULL * 1024 * 1024)
		return lex_error(lx, lx->pos - wl,
		    "sizes look like 65536, 64k, 1M; "
		    "between 16 bytes and 1G", "expected a frame size, got %s",
		    lex_got(lx, lx->pos - wl, got, sizeof(got)));
	p->sc->max_frame = (size_t)v;
	return lex_need_eol(lx, "end of line after the size");
}

/* `send file PATH`: the file's bytes, read now, become the payload. */
static int
parse_send_file(struct parser *p, struct step_send *s)
{
	struct lexer *lx = &p->lx;
	char why[160], *path, *full;
	struct buf b;
	size_t at;
	int too_big;

	lex_skip_ws(lx);
	at = lx->pos;
	if (lex_path(lx, "a file path", &path) == -1)
		return -1;
	full = resolve_path(p->sc, path);
	free(path);
	buf_init(&b);
	if (file_read_regular(full, SCENARIO_MAX_SENDFILE, &b, &too_big, why,
	    sizeof(why)) == -1) {
		buf_free(&b);
		lex_error(lx, at, "paths are relative to the scenario file's "
		    "directory", "expected a readable file, got '%s' (%s)",
		    full, too_big ? "larger than 16M" : why);
		free(full);
		return -1;
	}
	free(full);
	tmpl_add_lit(s->body, buf_data(&b), buf_len(&b));
	buf_free(&b);
	return 0;
}

/* The payload of a send: [raw] then "text", text/hex/json/file. */
static int
parse_send_payload(struct parser *p, struct step_send *s)
{
	enum { SEND_TEXT, SEND_HEX, SEND_JSON, SEND_FILE, SEND_RAW };
	struct lexer *lx = &p->lx;
	const char *w;
	char hint[256], got[96];
	size_t wl, at;
	int kind = SEND_TEXT;

	lex_skip_ws(lx);
	at = lx->pos;
	if (lex_word(lx, &w, &wl) && lex_word_is(w, wl, "raw")) {
		s->raw = 1;
		lex_skip_ws(lx);
		at = lx->pos;
	} else
		lx->pos = at;
	if (lex_word(lx, &w, &wl)) {
		if (pack_send_word(w, wl))
			return pack_parse_send(p, s, w, wl, at);
		for (kind = 0; send_kinds[kind] != NULL; kind++)
			if (lex_word_is(w, wl, send_kinds[kind]))
				break;
		if (send_kinds[kind] == NULL || kind == SEND_RAW)
			return lex_error(lx, at, lex_nearest_hint(w, wl,
			    send_kinds, hint, sizeof(hint)), "expected a "
			    "payload (\"text\", hex, json, file, pack, request, "
			    "command), got %s",
			    lex_got(lx, at, got, sizeof(got)));
	} else if (lex_peek(lx) == LEX_JSON)
		return lex_error(lx, lx->pos, "write: send json {...}",
		    "expected a payload kind before JSON, got %s",
		    lex_got(lx, lx->pos, got, sizeof(got)));
	switch (kind) {
	case SEND_TEXT:
		return lex_string(lx, s->body, NULL);
	case SEND_HEX:
		return pack_parse_send_hex(p, s);
	case SEND_JSON:
		s->json = 1;
		return lex_json(lx, s->body, 0);
	default:
		return parse_send_file(p, s);
	}
}

static int parse_at_brace(struct parser *p);

/* Read `${EXPR}` at pos into *e for a value a step computes when it runs
 * (unit: "milliseconds" or "bytes"); the `}` must end the token. */
static int
parse_value_expr(struct parser *p, const char *unit, struct expr **e)
{
	struct lexer *lx = &p->lx;
	char hint[160], got[96];
	size_t at;

	lex_skip_ws(lx);
	at = lx->pos;
	if (parse_brace_expr(p, at, e) == -1)
		return -1;
	if (lx->pos < lx->linelen && lx->line[lx->pos] != ' ' &&
	    lx->line[lx->pos] != '\t') {
		snprintf(hint, sizeof(hint), "an expression gives %s%s", unit,
		    strcmp(unit, "milliseconds") == 0 ? ": ${n} is n ms, "
		    "${n * 1000} n seconds" : "");
		return lex_error(lx, lx->pos, hint, "expected a blank or end "
		    "of line after '}', got %s", lex_got(lx, lx->pos, got,
		    sizeof(got)));
	}
	return 0;
}

/* A duration D or `${EXPR}` (milliseconds, into *e) where a step takes
 * one: send's delay, expect's timeout and within, expect nothing. */
static int
parse_duration_value(struct parser *p, const char *what, double *out,
    struct expr **e)
{
	struct lexer *lx = &p->lx;
	const char *w;
	size_t wl, at;
	char got[96];

	if (parse_at_brace(p))
		return parse_value_expr(p, "milliseconds", e);
	at = lx->pos;
	if (lex_need_word(lx, what, &w, &wl) == -1)
		return -1;
	if ((*out = lex_word_duration(w, wl)) < 0)
		return lex_error(lx, at, "durations look like 500ms, 2s, 1.5 "
		    "(seconds) or 1m, at most one week; or ${EXPR} in "
		    "milliseconds", "expected %s, got %s", what,
		    lex_got(lx, at, got, sizeof(got)));
	return 0;
}

/* Refuse the zero timeout or quiet period just read: a timer of 0 is no
 * timer, and the step would wait forever. */
static int
parse_zero_wait(struct parser *p, const char *what)
{
	struct lexer *lx = &p->lx;
	size_t at = lx->pos;

	while (at > 0 && lx->line[at - 1] != ' ' && lx->line[at - 1] != '\t')
		at--;
	return lex_error(lx, at, "a step waits at most its timeout; use 1ms "
	    "for \"at once\"", "expected a %s above 0, got 0", what);
}

/* A byte count N (at most SCENARIO_MAX_COUNT) or `${EXPR}` (bytes, into
 * *e): expect length, send's chunk. example is the hint's usage. */
static int
parse_count_value(struct parser *p, const char *what, const char *example,
    uint64_t *out, struct expr **e)
{
	struct lexer *lx = &p->lx;
	const char *w;
	size_t wl, at, i;
	char got[96];

	if (parse_at_brace(p))
		return parse_value_expr(p, "bytes", e);
	at = lx->pos;
	if (lex_need_word(lx, what, &w, &wl) == -1)
		return -1;
	for (i = 0; i < wl && isdigit((unsigned char)w[i]); i++)
		;
	if (i < wl)
		return lex_error(lx, at, example, "expected %s, got %s", what,
		    lex_got(lx, at, got, sizeof(got)));
	lx->pos = at;
	return lex_uint(lx, what, SCENARIO_MAX_COUNT, out);
}

/* One send option at lx->pos (the word w already read): header {...},
 * chunk K or delay D. */
static int
parse_send_option(struct parser *p, struct step_send *s, const char *w,
    size_t wl, size_t at, int *have_delay)
{
	struct lexer *lx = &p->lx;
	uint64_t v;

	if (lex_word_is(w, wl, "header")) {
		if (s->raw)
			return lex_error(lx, at, "raw sends bypass the codec and "
			    "its header", "expected no header on send raw, got "
			    "'header'");
		if (s->head != NULL)
			return lex_error(lx, at, NULL, "expected one header, got "
			    "a second");
		s->head = tmpl_new();
		return lex_json(lx, s->head, 1);
	}
	if (lex_word_is(w, wl, "chunk")) {
		if (s->chunk != 0 || s->chunk_e != NULL)
			return lex_error(lx, at, NULL, "expected one chunk, got "
			    "a second");
		v = 0;
		if (parse_count_value(p, "a chunk size in bytes", "as in: send "
		    "\"...\" chunk 4, or chunk ${n} (bytes)", &v,
		    &s->chunk_e) == -1)
			return -1;
		if (s->chunk_e != NULL)
			return 0;
		if (v == 0)
			return lex_error(lx, lx->pos - 1, NULL, "expected a chunk "
			    "size of at least 1, got 0");
		s->chunk = (size_t)v;
		return 0;
	}
	if (*have_delay)
		return lex_error(lx, at, NULL, "expected one delay, got a "
		    "second");
	*have_delay = 1;
	return parse_duration_value(p, "a delay", &s->chunk_delay,
	    &s->delay_e);
}

/* `send [raw] [text|hex|json|file] PAYLOAD [header {...}] [chunk K]
 * [delay D]`. */
static int
parse_send(struct parser *p)
{
	struct lexer *lx = &p->lx;
	struct step_send *s;
	struct step *st;
	const char *w;
	char got[96];
	size_t wl, at;
	int have_delay = 0;

	if ((st = new_step(p, STEP_SEND)) == NULL)
		return -1;
	s = &st->u.send;
	s->body = tmpl_new();
	if (parse_send_payload(p, s) == -1)
		return -1;
	while (!lex_at_eol(lx)) {
		at = lx->pos;
		if (!lex_word(lx, &w, &wl) || (!lex_word_is(w, wl, "header") &&
		    !lex_word_is(w, wl, "chunk") && !lex_word_is(w, wl, "delay")))
			return lex_error(lx, at, "send options are header {...}, "
			    "chunk K, delay D", "expected a send option or end of "
			    "line, got %s", lex_got(lx, at, got, sizeof(got)));
		if (parse_send_option(p, s, w, wl, at, &have_delay) == -1)
			return -1;
	}
	if (have_delay && s->chunk == 0 && s->chunk_e == NULL)
		return lex_error(lx, lx->pos, "as in: send \"...\" chunk 4 "
		    "delay 10ms", "expected 'chunk K' with 'delay', got end of "
		    "line");
	if (p->in_merge && (s->chunk != 0 || s->chunk_e != NULL))
		return lex_error(lx, lx->pos, "a merge block goes out in one "
		    "write", "expected no chunk inside merge, got 'chunk'");
	return 0;
}

/* A pattern after `regex`: `[raw] "..."`. One with ${...} is compiled
 * when its step runs (*rx, see match.c): each value escaped to match
 * itself, or inserted as regex after `raw`; one without is compiled now. */
int
parse_regex(struct parser *p, regex_t *re, char **pattern,
    struct step_regex **rx, const char *nul_hint, const char *hint)
{
	struct lexer *lx = &p->lx;
	struct tmpl *t;
	const char *w;
	size_t wl, at;
	int raw = 0, rc;

	lex_skip_ws(lx);
	at = lx->pos;
	if (lex_word(lx, &w, &wl) && lex_word_is(w, wl, "raw"))
		raw = 1;
	else
		lx->pos = at;
	if (lex_peek(lx) != LEX_STRING) {
		char got[96];

		return lex_error(lx, lx->pos, "as in: regex \"id=${id}\" "
		    "(values match literally) or regex raw \"${pattern}\"",
		    "expected a quoted pattern%s, got %s", raw ? "" :
		    " or 'raw'", lex_got(lx, lx->pos, got, sizeof(got)));
	}
	lx->regex_raw = raw;
	rc = lex_regex_tmpl(lx, re, pattern, &t, nul_hint, hint);
	lx->regex_raw = 0;
	if (rc == -1)
		return -1;
	if (t != NULL) {
		*rx = xcalloc(1, sizeof(**rx));
		(*rx)->t = t;
		(*rx)->raw = raw;
	}
	return 0;
}

/* The options after an expect: header {...}, within D, timeout D. */
static int
parse_expect_options(struct parser *p, struct step_expect *e)
{
	struct lexer *lx = &p->lx;
	const char *w;
	char got[96];
	size_t wl, at;

	while (!lex_at_eol(lx)) {
		at = lx->pos;
		if (lex_word(lx, &w, &wl) && lex_word_is(w, wl, "header") &&
		    e->kind != EXPECT_HEADER && e->kind != EXPECT_CLOSE) {
			if (e->head != NULL)
				return lex_error(lx, at, NULL,
				    "expected one header, "
				    "got a second");
			e->head = tmpl_new();
			if (lex_json(lx, e->head, 1) == -1)
				return -1;
			continue;
		}
		lx->pos = at;
		if (lex_word(lx, &w, &wl) && lex_word_is(w, wl, "optional")) {
			if (e->optional || p->in_set || e->kind == EXPECT_CLOSE)
				return lex_error(lx, at, "optional goes once on an "
				    "expect of a message, outside expect sets",
				    "expected no 'optional' here, got one");
			e->optional = 1;
			continue;
		}
		lx->pos = at;
		if (lex_word(lx, &w, &wl) && lex_word_is(w, wl, "within")) {
			if (e->within > 0 || e->within_e != NULL)
				return lex_error(lx, at, NULL, "expected one "
				    "within, got a second");
			if (parse_duration_value(p, "a duration", &e->within,
			    &e->within_e) == -1)
				return -1;
			if (e->within <= 0 && e->within_e == NULL)
				return lex_error(lx, at, NULL, "expected a "
				    "positive duration after within, got 0");
			continue;
		}
		lx->pos = at;
		if (!lex_word(lx, &w, &wl) || !lex_word_is(w, wl, "timeout"))
			return lex_error(lx, at,
			    "expect options are timeout D, within D, "
			    "optional and header {...}",
			    "expected 'timeout' or end of line, "
			    "got %s", lex_got(lx, at, got, sizeof(got)));
		if (e->timeout >= 0 || e->timeout_e != NULL)
			return lex_error(lx, at, NULL,
			    "expected one timeout, got a "
			    "second");
		if (parse_duration_value(p, "a timeout", &e->timeout,
		    &e->timeout_e) == -1)
			return -1;
		if (e->timeout == 0 && e->timeout_e == NULL)
			return parse_zero_wait(p, "timeout");
	}
	return 0;
}

/* `expect ...`. */
static int
parse_expect(struct parser *p)
{
	struct lexer *lx = &p->lx;
	struct step_expect *e;
	struct step *st;
	const char *w;
	char hint[256], got[96];
	size_t wl, at;
	int kind;

	lex_skip_ws(lx);
	at = lx->pos;
	if (lex_word(lx, &w, &wl) && (lex_word_is(w, wl, "one") ||
	    lex_word_is(w, wl, "any")))
		return parse_expect_set(p, at, lex_word_is(w, wl, "any"));
	lx->pos = at;
	if (p->in_set)
		parse_set_branch(p);
	if ((st = new_step(p, STEP_EXPECT)) == NULL)
		return -1;
	e = &st->u.expect;
	e->timeout = -1;
	if (p->in_set) {
		e->timeout = p->sc->steps[p->in_set - 1].u.expect.timeout;
		if (++p->set_alts > SCENARIO_MAX_SET)
			return lex_error(lx, 0, "split the set in two, or "
			    "match several answers with one regex alternative",
			    "expected at most %d alternatives in an expect "
			    "set, got alternative number %d here",
			    SCENARIO_MAX_SET,
			    SCENARIO_MAX_SET + 1);
	}
	if (lex_peek(lx) == LEX_STRING)
		kind = 0;
	else if (lex_word(lx, &w, &wl)) {
		e->kind = EXPECT_FIELD;
		if ((kind = fields_parse_expect(p, e, w, wl, at)) != 0)
			return kind == -1 ? -1 : parse_expect_options(p, e);
		for (kind = 0; expect_kinds[kind] != NULL; kind++)
			if (lex_word_is(w, wl, expect_kinds[kind]))
				break;
		if (expect_kinds[kind] == NULL)
			return lex_error(lx, at, lex_nearest_hint(w, wl,
			    expect_kinds,
			    hint, sizeof(hint)),
			    "expected \"text\" or an expect "
			    "kind, got %s", lex_got(lx, at, got, sizeof(got)));
	} else
		return lex_error(lx, at,
		    "as in: expect \"pong\", expect json {...}",
		    "expected \"text\" or an expect kind, got %s",
		    lex_got(lx, at, got, sizeof(got)));
	switch (kind) {
	case 0:
		e->kind = EXPECT_BYTES;
		e->bytes = tmpl_new();
		if (lex_string(lx, e->bytes, NULL) == -1)
			return -1;
		break;
	case 1:
		if (pack_parse_expect_hex(p, e) == -1)
			return -1;
		break;
	case 2:
		e->kind = EXPECT_REGEX;
		if (parse_regex(p, &e->re, &e->pattern, &e->rx, "write \\x00 "
		    "only in exact expects", "escape a backslash as \\\\") == -1)
			return -1;
		break;
	case 3:
	case 4:
		e->kind = kind == 3 ? EXPECT_JSON : EXPECT_HEADER;
		e->bytes = tmpl_new();
		if (lex_json(lx, e->bytes, kind == 4 ? 1 : 2) == -1)
			return -1;
		break;
	case 5:
		e->kind = EXPECT_LENGTH;
		if (parse_count_value(p, "a length in bytes", "as in: expect "
		    "length 5, or expect length ${n} (bytes)", &e->length,
		    &e->length_e) == -1)
			return -1;
		break;
	case 6:
		e->kind = EXPECT_CLOSE;
		break;
	case 7:
		e->kind = EXPECT_NOTHING;
		if (parse_duration_value(p, "a quiet period", &e->timeout,
		    &e->timeout_e) == -1)
			return -1;
		if (e->timeout == 0 && e->timeout_e == NULL)
			return parse_zero_wait(p, "quiet period");
		return lex_need_eol(lx, "end of line after the quiet period");
	}
	return parse_expect_options(p, e);
}

/* Say whether a dotted path "a.b.0" is well formed. */
static int
path_ok(const char *s)
{
	const char *q;

	if (*s == '\0')
		return 0;
	for (q = s; *q != '\0'; q++)
		if (*q == '.' && (q == s || q[1] == '.' || q[1] == '\0'))
			return 0;
	return 1;
}

static struct step *open_block(struct parser *p, enum step_kind k);
static int parse_at_brace(struct parser *p);
static int parse_nested(struct parser *p, unsigned file, const char *text,
    size_t len, unsigned first);

/* Read a variable name a step sets: letters, digits and `_`, at most
 * VARS_MAX_NAME, not a built-in; a new string in *out. */
int
parse_var_name(struct parser *p, char **out)
{
	struct lexer *lx = &p->lx;
	const char *w;
	char got[96];
	size_t wl, at, i;

	lex_skip_ws(lx);
	at = lx->pos;
	if (lex_need_word(lx, "a variable name", &w, &wl) == -1)
		return -1;
	for (i = 0; i < wl; i++)
		if (!(isalpha((unsigned char)w[i]) || w[i] == '_' ||
		    (i > 0 && isdigit((unsigned char)w[i]))))
			break;
	if (i < wl || wl > VARS_MAX_NAME || lex_word_is(w, wl, "conn") ||
	    lex_word_is(w, wl, "seq") || lex_word_is(w, wl, "rand") ||
	    lex_word_is(w, wl, "row"))
		return lex_error(lx, at, "names are letters, digits and _, at "
		    "most 32, not conn, seq, rand or row", "expected a variable "
		    "name, got %s", lex_got(lx, at, got, sizeof(got)));
	*out = xstrndup(w, wl);
	return 0;
}

/* Read a parameter name of a define: letters, digits and `_`. */
static int
parse_param(struct parser *p, char **out)
{
	struct lexer *lx = &p->lx;
	const char *s = lx->line + lx->pos;
	char got[96];
	size_t n;

	for (n = 0; lx->pos + n < lx->linelen && (isalnum((unsigned char)s[n]) ||
	    s[n] == '_'); n++)
		;
	if (n == 0 || isdigit((unsigned char)s[0]) || n > VARS_MAX_NAME ||
	    (n == 4 && (memcmp(s, "conn", 4) == 0 || memcmp(s, "rand", 4) == 0))
	    || (n == 3 && (memcmp(s, "seq", 3) == 0 || memcmp(s, "row", 3) == 0)))
		return lex_error(lx, lx->pos, "names are letters, digits and _, "
		    "not conn, seq, rand or row", "expected a parameter name, got "
		    "%s", lex_got(lx, lx->pos, got, sizeof(got)));
	*out = xstrndup(s, n);
	lx->pos += n;
	return 0;
}

/* Read the rest of the line (up to a comment) as an expression, compile
 * it and check the names it reads. what names it in errors. */
int
parse_expr(struct parser *p, const char *what, struct expr **out)
{
	struct lexer *lx = &p->lx;
	char msg[300], hint[160];
	size_t start, end, off;
	int q = 0;

	lex_skip_ws(lx);
	start = end = lx->pos;
	while (end < lx->linelen) {
		char c = lx->line[end];

		if (q && c == '\\' && end + 1 < lx->linelen)
			end++;
		else if (c == '"')
			q = !q;
		else if (!q && c == '#' && (lx->line[end - 1] == ' ' ||
		    lx->line[end - 1] == '\t'))
			break;
		end++;
	}
	while (end > start && (lx->line[end - 1] == ' ' ||
	    lx->line[end - 1] == '\t'))
		end--;
	if (end == start) {
		snprintf(hint, sizeof(hint), "as in: set n 5, if n > 3, repeat "
		    "until status == \"done\"");
		return lex_error(lx, start, hint, "expected %s, got end of "
		    "line", what);
	}
	if (expr_compile(lx->line + start, end - start, out, msg, sizeof(msg),
	    &off) == -1)
		return lex_error(lx, start + off, "operators: + - * / % .. == != "
		    "< <= > >= && || !; functions: len int str hex upper lower "
		    "substr now_ms randint choice randstr", "%s", msg);
	lx->pos = end;
	return check_expr(p, *out, start);
}

/* `data FILE.csv [sequential|random|per-connection]`: each connection
 * takes a row (SIPp's injection files); ${row.COLUMN} reads it. */
static int
parse_data(struct parser *p)
{
	struct lexer *lx = &p->lx;
	const char *w;
	char *path, *full, got[96];
	size_t wl, at;
	int order = DATA_SEQUENTIAL;

	if (setting_once(p, SEEN_DATA, "data") == -1)
		return -1;
	lex_skip_ws(lx);
	at = lx->pos;
	if (lex_path(lx, "a CSV file", &path) == -1)
		return -1;
	full = resolve_path(p->sc, path);
	free(path);
	p->sc->data = data_load(full, lx->err, lx->errlen);
	free(full);
	if (p->sc->data == NULL) {
		char why[400];

		snprintf(why, sizeof(why), "%s", lx->err);
		return lex_error(lx, at, "the header row names the columns; "
		    "paths are relative to the scenario file", "expected a "
		    "readable data file: %s", why);
	}
	if (!lex_at_eol(lx)) {
		at = lx->pos;
		if (!lex_word(lx, &w, &wl) ||
		    (order = data_order_parse(w, wl)) < 0)
			return lex_error(lx, at, "orders: sequential (default), "
			    "random, per-connection", "expected a row order, got "
			    "%s", lex_got(lx, at, got, sizeof(got)));
	}
	p->sc->data->order = (enum data_order)order;
	return lex_need_eol(lx, "end of line after the data file");
}

/* A threshold's number and unit: a duration (latency), a count, or a
 * percent. */
static int
parse_assert_value(struct parser *p, struct scenario_assert *a)
{
	struct lexer *lx = &p->lx;
	const char *w;
	char tmp[32], got[96], *end;
	size_t wl, at = p->lx.pos;
	double d;

	if (lex_need_word(lx, "a value", &w, &wl) == -1)
		return -1;
	if (a->metric == ASSERT_LATENCY) {
		if ((d = lex_word_duration(w, wl)) < 0)
			return lex_error(lx, at, "as in: assert latency p99 < 5ms",
			    "expected a duration, got %s", lex_got(lx, at, got,
			    sizeof(got)));
		a->value = d * 1e6;
		return 0;
	}
	if (wl == 0 || wl >= sizeof(tmp))
		return lex_error(lx, at, NULL, "expected a number, got %s",
		    lex_got(lx, at, got, sizeof(got)));
	memcpy(tmp, w, wl);
	tmp[wl] = '\0';
	d = strtod(tmp, &end);
	if (a->metric == ASSERT_PASSED || a->metric == ASSERT_FAILED_PCT) {
		if (end == tmp || strcmp(end, "%") != 0 || d < 0 || d > 100)
			return lex_error(lx, at, "as in: assert passed >= 99%",
			    "expected a percentage from 0%% to 100%%, got %s",
			    lex_got(lx, at, got, sizeof(got)));
	} else if (end == tmp || *end != '\0' || d < 0)
		return lex_error(lx, at, "as in: assert errors == 0", "expected "
		    "a count, got %s", lex_got(lx, at, got, sizeof(got)));
	a->value = d;
	return 0;
}

/* `assert latency pNN OP DURATION`, `assert errors OP N`, `assert passed
 * OP PCT%`, `assert failed OP PCT%`: run-level thresholds, as k6's. */
static int
parse_assert(struct parser *p)
{
	static const char *const ops[] = { "<", "<=", ">", ">=", "==", "!=",
	    NULL };
	static const char *const metrics[] = { "latency", "errors", "passed",
	    "failed", NULL };
	struct lexer *lx = &p->lx;
	struct scenario_assert a;
	const char *w;
	char got[96], hint[160], *end, tmp[16];
	size_t wl, at, k, start;

	memset(&a, 0, sizeof(a));
	a.line = lx->lineno;
	lex_skip_ws(lx);
	start = at = lx->pos;
	if (lex_need_word(lx, "a metric", &w, &wl) == -1)
		return -1;
	for (k = 0; metrics[k] != NULL && !lex_word_is(w, wl, metrics[k]); k++)
		;
	if (metrics[k] == NULL)
		return lex_error(lx, at, lex_nearest_hint(w, wl, metrics, hint,
		    sizeof(hint)), "expected a metric (latency, errors, passed, "
		    "failed), got %s", lex_got(lx, at, got, sizeof(got)));
	a.metric = k == 0 ? ASSERT_LATENCY : k == 1 ? ASSERT_ERRORS : k == 2 ?
	    ASSERT_PASSED : ASSERT_FAILED_PCT;
	if (a.metric == ASSERT_LATENCY) {
		lex_skip_ws(lx);
		at = lx->pos;
		if (lex_need_word(lx, "a percentile such as p99", &w, &wl) == -1)
			return -1;
		a.percentile = -1;
		if (wl >= 2 && wl < sizeof(tmp) && w[0] == 'p') {
			memcpy(tmp, w + 1, wl - 1);
			tmp[wl - 1] = '\0';
			a.percentile = strtod(tmp, &end);
			if (*end != '\0' || end == tmp)
				a.percentile = -1;
		}
		if (!(a.percentile > 0 && a.percentile <= 100))
			return lex_error(lx, at, "as in: p50, p99, p99.9",
			    "expected a percentile, got %s", lex_got(lx, at, got,
			    sizeof(got)));
	}
	lex_skip_ws(lx);
	at = lx->pos;
	if (lex_need_word(lx, "a comparison", &w, &wl) == -1)
		return -1;
	for (k = 0; ops[k] != NULL && !lex_word_is(w, wl, ops[k]); k++)
		;
	if (ops[k] == NULL)
		return lex_error(lx, at, "comparisons: < <= > >= == !=",
		    "expected a comparison, got %s", lex_got(lx, at, got,
		    sizeof(got)));
	a.op = (enum assert_op)k;
	lex_skip_ws(lx);
	if (parse_assert_value(p, &a) == -1 ||
	    lex_need_eol(lx, "end of line after the threshold") == -1)
		return -1;
	while (lx->pos > start && (lx->line[lx->pos - 1] == ' ' ||
	    lx->line[lx->pos - 1] == '\t'))
		lx->pos--;
	a.text = xstrndup(lx->line + start, lx->pos - start);
	p->sc->asserts = xrealloc(p->sc->asserts, (p->sc->nasserts + 1) *
	    sizeof(*p->sc->asserts));
	p->sc->asserts[p->sc->nasserts++] = a;
	return 0;
}

/* The directory part of path ("." if none), in a new string. */
static char *
parse_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* The chain "a.txt -> b.txt -> a.txt" of includes being read, into out. */
static void
parse_chain(const struct parser *p, const char *last, char *out,
    size_t outlen)
{
	size_t o = 0;
	unsigned i;

	out[0] = '\0';
	for (i = 0; i < p->nchain && o < outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, "%s -> ",
		    p->sc->files[p->chain[i]]);
	if (o < outlen)
		snprintf(out + o, outlen - o, "%s -> %s",
		    p->sc->files[p->file], last);
}

/* `include FILE`: read FILE's lines here, as if written in place (path
 * relative to the including file); a cycle is refused with its chain. */
static int
parse_include(struct parser *p)
{
	struct lexer *lx = &p->lx;
	char *path, *dir, *full, why[160], chain[600], *real, *rk;
	struct buf b;
	unsigned i, f, depth = p->depth;
	size_t at;
	int too_big, rc;

	lex_skip_ws(lx);
	at = lx->pos;
	if (lex_path(lx, "a file to include", &path) == -1)
		return -1;
	if (lex_need_eol(lx, "end of line after the file") == -1) {
		free(path);
		return -1;
	}
	dir = parse_dirname(p->sc->files[p->file]);
	if (path[0] == '/' || strcmp(dir, ".") == 0)
		full = xstrdup(path);
	else {
		full = xmalloc(strlen(dir) + strlen(path) + 2);
		sprintf(full, "%s/%s", dir, path);
	}
	free(dir);
	free(path);
	real = realpath(full, NULL);
	for (i = 0; real != NULL && i <= p->nchain; i++) {
		rk = realpath(p->sc->files[i < p->nchain ? p->chain[i] :
		    p->file], NULL);
		if (rk != NULL && strcmp(rk, real) == 0) {
			free(rk);
			free(real);
			parse_chain(p, full, chain, sizeof(chain));
			lex_error(lx, at, chain, "expected an include that does "
			    "not include itself, got a cycle through '%s'", full);
			free(full);
			return -1;
		}
		free(rk);
	}
	free(real);
	if (p->nchain + 1 >= SCENARIO_MAX_INCLUDE) {
		free(full);
		return lex_error(lx, at, NULL, "expected includes nested at most "
		    "%d deep", SCENARIO_MAX_INCLUDE);
	}
	buf_init(&b);
	if (file_read_regular(full, SCENARIO_MAX_FILE, &b, &too_big, why,
	    sizeof(why)) == -1) {
		buf_free(&b);
		lex_error(lx, at, "paths are relative to the including file",
		    "expected a readable file, got '%s' (%s)", full, why);
		free(full);
		return -1;
	}
	p->sc->files = xrealloc(p->sc->files, (p->sc->nfiles + 1) *
	    sizeof(*p->sc->files));
	f = (unsigned)p->sc->nfiles;
	p->sc->files[p->sc->nfiles++] = full;
	p->chain[p->nchain++] = p->file;
	rc = parse_nested(p, f, (const char *)buf_data(&b), buf_len(&b), 1);
	if (rc == 0 && p->depth != depth) {
		const struct step *open = &p->sc->steps[p->stack[p->depth - 1]];

		p->lx.name = p->sc->files[f];
		p->lx.lineno = open->line;
		p->lx.line = NULL;
		p->lx.linelen = 0;
		rc = lex_error(&p->lx, 0, "an included file closes the blocks it "
		    "opens", "expected 'end' for the '%s' opened here, got end "
		    "of file", step_kind_name(open->kind));
	}
	if (rc == 0)
		p->nchain--;
	buf_free(&b);
	return rc;
}

/* `define NAME` or `define NAME(a, b)` ... `end`: a named block of lines,
 * parsed where `call` names it, with its parameters set first. */
static int
parse_define(struct parser *p)
{
	struct lexer *lx = &p->lx;
	struct define *d;
	const char *s, *e;
	size_t at, i, n;
	char got[96];

	lex_skip_ws(lx);
	at = lx->pos;
	s = lx->line + at;
	e = lx->line + lx->linelen;
	for (n = 0; s + n < e && (isalnum((unsigned char)s[n]) || s[n] == '_');
	    n++)
		;
	if (n == 0 || isdigit((unsigned char)s[0]) || n > VARS_MAX_NAME)
		return lex_error(lx, at, "as in: define login(user, pass)",
		    "expected a block name, got %s", lex_got(lx, at, got,
		    sizeof(got)));
	for (i = 0; i < p->ndefines; i++)
		if (strlen(p->defines[i].name) == n &&
		    memcmp(p->defines[i].name, s, n) == 0)
			return lex_error(lx, at, NULL, "expected a new block name, "
			    "got '%.*s' a second time", (int)n, s);
	if (p->ndefines == SCENARIO_MAX_DEFINES)
		return lex_error(lx, at, NULL, "expected at most %d defines",
		    SCENARIO_MAX_DEFINES);
	d = &p->defines[p->ndefines];
	memset(d, 0, sizeof(*d));
	d->name = xstrndup(s, n);
	d->file = p->file;
	d->line = lx->lineno;
	p->ndefines++;
	lx->pos = at + n;
	if (lx->pos < lx->linelen && lx->line[lx->pos] == '(') {
		lx->pos++;
		for (;;) {
			lex_skip_ws(lx);
			if (lx->pos < lx->linelen && lx->line[lx->pos] == ')' &&
			    d->nparams == 0)
				break;
			d->params = xrealloc(d->params, (d->nparams + 1) *
			    sizeof(*d->params));
			d->params[d->nparams] = NULL;
			if (parse_param(p, &d->params[d->nparams]) == -1)
				return -1;
			d->nparams++;
			lex_skip_ws(lx);
			if (lx->pos < lx->linelen && lx->line[lx->pos] == ',') {
				lx->pos++;
				continue;
			}
			break;
		}
		if (lx->pos >= lx->linelen || lx->line[lx->pos] != ')')
			return lex_error(lx, lx->pos, "as in: define login(user, "
			    "pass)", "expected ',' or ')' after a parameter, got "
			    "%s", lex_got(lx, lx->pos, got, sizeof(got)));
		lx->pos++;
	}
	if (lex_need_eol(lx, "end of line after the define") == -1)
		return -1;
	if (p->depth > 0)
		return lex_error(lx, 0, "define blocks at the top level, call "
		    "them anywhere", "expected 'define' outside every block, "
		    "got it inside one");
	p->capturing = d;
	p->capture_depth = 0;
	buf_reset(&p->capture);
	return 0;
}

/* `call NAME` or `call NAME(EXPR, ...)`: set the parameters, then the
 * block's steps, here. */
static int
parse_call(struct parser *p)
{
	struct lexer *lx = &p->lx;
	struct define *d = NULL;
	struct step *st;
	const char *s;
	char msg[300], got[96];
	size_t at, i, n, k, end, off;
	int q, depth, rc;

	lex_skip_ws(lx);
	at = lx->pos;
	s = lx->line + at;
	for (n = 0; at + n < lx->linelen && (isalnum((unsigned char)s[n]) ||
	    s[n] == '_'); n++)
		;
	for (i = 0; i < p->ndefines && d == NULL; i++)
		if (strlen(p->defines[i].name) == n &&
		    memcmp(p->defines[i].name, s, n) == 0)
			d = &p->defines[i];
	if (d == NULL || d->body == NULL)
		return lex_error(lx, at, "define NAME ... end comes before its "
		    "calls", "expected the name of a define above, got %s",
		    lex_got(lx, at, got, sizeof(got)));
	if (d->active)
		return lex_error(lx, at, "a define cannot call itself, even "
		    "through another", "expected a call of another block, got "
		    "a recursive call of '%s'", d->name);
	lx->pos = at + n;
	/* Arguments: expressions separated by commas at depth 0. */
	k = 0;
	if (lx->pos < lx->linelen && lx->line[lx->pos] == '(') {
		lx->pos++;
		for (;;) {
			lex_skip_ws(lx);
			if (lx->pos < lx->linelen && lx->line[lx->pos] == ')' &&
			    k == 0)
				break;
			for (end = lx->pos, q = 0, depth = 0; end < lx->linelen;
			    end++) {
				char c = lx->line[end];

				if (q && c == '\\')
					end++;
				else if (c == '"')
					q = !q;
				else if (!q && c == '(')
					depth++;
				else if (!q && c == ')' && depth-- == 0)
					break;
				else if (!q && c == ',' && depth == 0)
					break;
			}
			if (k >= d->nparams)
				return lex_error(lx, lx->pos, NULL, "expected %zu "
				    "argument%s to %s, got more", d->nparams,
				    d->nparams == 1 ? "" : "s", d->name);
			if ((st = new_step(p, STEP_SET)) == NULL)
				return -1;
			st->u.set.name = xstrdup(d->params[k]);
			if (expr_compile(lx->line + lx->pos, end - lx->pos,
			    &st->u.set.e, msg, sizeof(msg), &off) == -1)
				return lex_error(lx, lx->pos + off, NULL, "%s",
				    msg);
			if (check_expr(p, st->u.set.e, lx->pos) == -1)
				return -1;
			k++;
			lx->pos = end;
			if (end < lx->linelen && lx->line[end] == ',') {
				lx->pos++;
				continue;
			}
			break;
		}
		if (lx->pos >= lx->linelen || lx->line[lx->pos] != ')')
			return lex_error(lx, lx->pos, NULL, "expected ')' to end "
			    "the arguments, got %s", lex_got(lx, lx->pos, got,
			    sizeof(got)));
		lx->pos++;
	}
	if (k != d->nparams)
		return lex_error(lx, at, NULL, "expected %zu argument%s to %s, "
		    "got %zu", d->nparams, d->nparams == 1 ? "" : "s", d->name,
		    k);
	if (lex_need_eol(lx, "end of line after the call") == -1)
		return -1;
	for (i = 0; i < d->nparams; i++)
		check_define(p, d->params[i]);
	if (p->nchain + 1 >= SCENARIO_MAX_INCLUDE)
		return lex_error(lx, at, NULL, "expected calls and includes "
		    "nested at most %d deep", SCENARIO_MAX_INCLUDE);
	d->active = 1;
	p->chain[p->nchain++] = p->file;
	rc = parse_nested(p, d->file, d->body, d->bodylen, d->line + 1);
	if (rc == 0) {
		p->nchain--;
		d->active = 0;
	}
	return rc;
}

/* One of: a new alternative starts (or the set ends): keep only the names
 * that every branch so far set. */
static void
parse_set_branch(struct parser *p)
{
	const struct step *set = &p->sc->steps[p->in_set - 1];
	unsigned d = p->depth - 1;
	size_t i, j, k;

	if (p->set_alts == 0)
		return;
	if (set->u.expect.any_order) {
		/* Any order: no alternative may read what another captures
		 * (they match in any order); after end, all are set. */
		for (j = p->defs_at[d]; j < p->ndefs; j++) {
			for (i = 0; i < p->nset_common; i++)
				if (strcmp(p->defs[j], p->set_common[i]) == 0)
					break;
			if (i < p->nset_common)
				continue;
			p->set_common = xrealloc(p->set_common,
			    (p->nset_common + 2) * sizeof(*p->set_common));
			p->set_common[p->nset_common++] = xstrdup(p->defs[j]);
			p->set_common[p->nset_common] = NULL;
		}
	} else if (!p->set_first_done) {
		p->nset_common = p->ndefs - p->defs_at[d];
		p->set_common = xcalloc(p->nset_common + 1,
		    sizeof(*p->set_common));
		for (i = 0; i < p->nset_common; i++)
			p->set_common[i] = xstrdup(p->defs[p->defs_at[d] + i]);
		p->set_first_done = 1;
	} else {
		for (i = k = 0; i < p->nset_common; i++) {
			for (j = p->defs_at[d]; j < p->ndefs; j++)
				if (strcmp(p->defs[j], p->set_common[i]) == 0)
					break;
			if (j < p->ndefs)
				p->set_common[k++] = p->set_common[i];
			else
				free(p->set_common[i]);
		}
		p->nset_common = k;
	}
	/* The next branch starts from what was set before the block. */
	for (i = p->defs_at[d]; i < p->ndefs; i++)
		free(p->defs[i]);
	p->ndefs = p->defs_at[d];
}

/* `expect one of [timeout D]` / `expect any order [timeout D]` ... `end`:
 * a block of expects (each may be followed by its captures). One of: the
 * first alternative that matches the next message wins. Any order: each
 * alternative must match one message, in whatever order they come. */
static int
parse_expect_set(struct parser *p, size_t at, int any)
{
	struct lexer *lx = &p->lx;
	struct step *st;
	const char *w;
	size_t wl;

	if (!lex_word(lx, &w, &wl) || !lex_word_is(w, wl, any ? "order" :
	    "of"))
		return lex_error(lx, at, "as in: expect one of ... end, or "
		    "expect any order ... end", "expected '%s', got something "
		    "else", any ? "any order" : "one of");
	if (p->in_set || p->in_merge)
		return lex_error(lx, at, NULL, "expected no expect set inside "
		    "another block of its kind, got one");
	if ((st = open_block(p, STEP_EXPECT_SET)) == NULL)
		return -1;
	st->u.expect.any_order = any;
	st->u.expect.timeout = -1;
	/* The set is open from here on, even if the rest of the line is
	 * wrong: its `end` closes it and finds what it opened. */
	p->in_set = p->sc->nsteps;
	p->set_alts = 0;
	p->set_first_done = 0;
	if (!lex_at_eol(lx)) {
		size_t opt = lx->pos;

		if (!lex_word(lx, &w, &wl) || !lex_word_is(w, wl, "timeout")) {
			lx->pos = opt;
			return lex_need_eol(lx, "'timeout D' or end of line");
		}
		if (parse_duration_value(p, "a timeout", &st->u.expect.timeout,
		    &st->u.expect.timeout_e) == -1)
			return -1;
		if (st->u.expect.timeout == 0 && st->u.expect.timeout_e == NULL)
			return parse_zero_wait(p, "timeout");
	}
	return lex_need_eol(lx, "end of line after the expect set");
}

/* `set NAME EXPR`. */
static int
parse_set(struct parser *p)
{
	struct lexer *lx = &p->lx;
	struct step *st;
	const char *w, *eq;
	size_t at, wl;

	if ((st = new_step(p, STEP_SET)) == NULL)
		return -1;
	lex_skip_ws(lx);
	at = lx->pos;
	if (lex_word(lx, &w, &wl) && (eq = memchr(w, '=', wl)) != NULL)
		return lex_error(lx, at + (size_t)(eq - w), "write set NAME EXPR "
		    "with blanks between, as in: set x 5", "expected a blank "
		    "between the name and the expression, got '='");
	lx->pos = at;
	if (parse_var_name(p, &st->u.set.name) == -1 ||
	    parse_expr(p, "an expression after the name", &st->u.set.e) == -1)
		return -1;
	check_define(p, st->u.set.name);
	return 0;
}

/* `if EXPR` ... [`else` ...] `end`. */
static int
parse_if(struct parser *p)
{
	struct step *st;

	if ((st = open_block(p, STEP_IF)) == NULL)
		return -1;
	return parse_expr(p, "a condition", &st->u.cond.e);
}

/* `else`: the other branch of the innermost if. */
static int
parse_else(struct parser *p)
{
	struct lexer *lx = &p->lx;
	struct step *open, *st;
	size_t oi;

	if (p->depth == 0 || p->sc->steps[p->stack[p->depth - 1]].kind !=
	    STEP_IF)
		return lex_error(lx, 0, "else belongs to an if: if COND ... "
		    "else ... end", "expected 'else' only inside an if, got "
		    "it elsewhere");
	oi = p->stack[p->depth - 1];
	open = &p->sc->steps[oi];
	if (open->jump != 0)
		return lex_error(lx, 0, "one else per if", "expected 'end', got "
		    "a second 'else'");
	if ((st = new_step(p, STEP_ELSE)) == NULL)
		return -1;
	st->depth = p->depth - 1;
	open = &p->sc->steps[oi];
	open->jump = p->sc->nsteps - 1;		/* false: past the else */
	check_block_else(p, p->depth - 1);
	return lex_need_eol(lx, "end of line after else");
}

/* `finally` ... `end`: steps that run after the others, and after a
 * failure too (cleanup); one, at the top level, last. */
static int
parse_finally(struct parser *p)
{
	struct lexer *lx = &p->lx;
	char hint[96];

	if (p->depth > 0)
		return lex_error(lx, 0, "finally goes at the top level, after "
		    "the steps", "expected 'finally' outside every block, got "
		    "it inside one");
	if (p->sc->finally_at != SIZE_MAX) {
		snprintf(hint, sizeof(hint), "the first finally is at line %u",
		    p->sc->steps[p->sc->finally_at].line);
		return lex_error(lx, 0, hint, "expected one finally block, got "
		    "a second");
	}
	if (open_block(p, STEP_FINALLY) == NULL)
		return -1;
	p->sc->finally_at = p->sc->nsteps - 1;
	return lex_need_eol(lx, "end of line after finally");
}

/* `break`: leave the innermost repeat. */
static int
parse_break(struct parser *p)
{
	struct lexer *lx = &p->lx;
	struct step *st;
	unsigned d;

	for (d = p->depth; d > 0; d--)
		if (p->sc->steps[p->stack[d - 1]].kind == STEP_REPEAT)
			break;
	if (d == 0)
		return lex_error(lx, 0, "break leaves a repeat block", "expected "
		    "'break' only inside a repeat, got it outside one");
	if ((st = new_step(p, STEP_BREAK)) == NULL)
		return -1;
	st->jump = p->stack[d - 1];
	return lex_need_eol(lx, "end of line after break");
}

/* `capture NAME regex "..."`, `capture NAME json PATH`, `... header PATH`. */
static int
parse_capture(struct parser *p)
{
	struct lexer *lx = &p->lx;
	static const char *const kinds[] = { "regex", "json", "header", NULL };
	/* Every capture kind, for the hint (fields.c, pack.c add some). */
	static const char *const all[] = { "regex", "json", "header",
	    "status", "int", "code", "field", "u8", "u16be", "u16le",
	    "u32be", "u32le", "u64be", "u64le", NULL };
	struct step_capture *c;
	struct step *st;
	const char *w;
	char hint[256], got[96];
	size_t wl, at, i;

	if ((st = new_step(p, STEP_CAPTURE)) == NULL)
		return -1;
	c = &st->u.capture;
	if (parse_var_name(p, &c->name) == -1)
		return -1;
	lex_skip_ws(lx);
	at = lx->pos;
	if (lex_need_word(lx, "what to capture (regex, json, header, status, "
	    "int, code, field NAME, u16be at N...)", &w, &wl) == -1)
		return -1;
	if (pack_capture_word(w, wl))
		return pack_parse_capture(p, c, w, wl);
	c->kind = CAPTURE_FIELD;
	if ((i = (size_t)fields_parse_capture(p, c, w, wl, at)) != 0) {
		if (i == (size_t)-1)
			return -1;
		if (!lex_at_eol(lx))
			return lex_error(lx, lx->pos, "a capture stores the "
			    "field's value; to check it, write an expect (as "
			    "in: expect status 200) before the capture",
			    "expected end of line after the capture, got %s",
			    lex_got(lx, lx->pos, got, sizeof(got)));
		check_define(p, c->name);
		return 0;
	}
	for (i = 0; kinds[i] != NULL; i++)
		if (lex_word_is(w, wl, kinds[i]))
			break;
	if (kinds[i] == NULL)
		return lex_error(lx, at, lex_nearest_hint(w, wl, all, hint,
		    sizeof(hint)), "expected what to capture, got %s",
		    lex_got(lx, at, got, sizeof(got)));
	if (i == 0) {
		c->kind = CAPTURE_REGEX;
		if (parse_regex(p, &c->re, &c->pattern, &c->rx, NULL,
		    "group 1 is captured") == -1)
			return -1;
	} else {
		c->kind = i == 1 ? CAPTURE_JSON : CAPTURE_HEADER;
		lex_skip_ws(lx);
		at = lx->pos;
		if (i == 2 && lex_at_eol(lx))
			return lex_error(lx, lx->pos, "as in: capture loc header "
			    "Location", "expected a header name such as Location "
			    "(or a dotted path into a JSON header), got end of "
			    "line");
		if (lex_need_word(lx, i == 2 ? "a header name such as "
		    "Location (or a dotted path into a JSON header)" :
		    "a dotted path such as result.id", &w, &wl) == -1)
			return -1;
		c->path = xstrndup(w, wl);
		if (!path_ok(c->path))
			return lex_error(lx, at,
			    "as in: result.id or items.0.name",
			    "expected a dotted path, got %s",
			    lex_got(lx, at, got, sizeof(got)));
	}
	if (lex_need_eol(lx, "end of line after the capture") == -1)
		return -1;
	check_define(p, c->name);
	return 0;
}

/* `wait D`, `wait ${MS}`, `wait uniform D1 D2`, `wait exponential MEAN`,
 * `wait normal MEAN SD`: think time, each draw bounded by
 * SCENARIO_MAX_SECONDS. */
static int
parse_wait(struct parser *p)
{
	static const char *const dists[] = { "uniform", "exponential",
	    "normal", NULL };
	struct lexer *lx = &p->lx;
	struct step *st;
	const char *w;
	size_t wl, at;
	int k;

	lex_skip_ws(lx);
	at = lx->pos;
	if (lex_word(lx, &w, &wl) && lex_word_is(w, wl, "for"))
		return roles_parse_wait_for(p);
	lx->pos = at;
	if ((st = new_step(p, STEP_WAIT)) == NULL)
		return -1;
	if (parse_at_brace(p)) {
		if (parse_brace_expr(p, lx->pos, &st->u.wait.e) == -1)
			return -1;
		return lex_need_eol(lx, "end of line after the wait (an "
		    "expression gives milliseconds)");
	}
	at = lx->pos;
	lx->pos = at;
	for (k = 0; k < 3 && !(lex_word(lx, &w, &wl) &&
	    lex_word_is(w, wl, dists[k])); k++)
		lx->pos = at;
	if (k == 3) {
		lx->pos = at;
		st->u.wait.dist = WAIT_FIXED;
		if (lex_duration(lx, "a duration", &st->u.wait.a) == -1)
			return -1;
		return lex_need_eol(lx, "end of line after the duration");
	}
	st->u.wait.dist = (enum wait_dist)(k + 1);
	if (lex_duration(lx, k == 1 ? "a mean duration" : k == 0 ?
	    "the shortest duration" : "a mean duration", &st->u.wait.a) == -1)
		return -1;
	if (k != 1 && lex_duration(lx, k == 0 ? "the longest duration" :
	    "a standard deviation", &st->u.wait.b) == -1)
		return -1;
	if (k == 0 && st->u.wait.b < st->u.wait.a)
		return lex_error(lx, at, "as in: wait uniform 10ms 50ms",
		    "expected the longest duration after the shortest, got "
		    "them the other way round");
	return lex_need_eol(lx, "end of line after the durations");
}

/* Open a block step (repeat or merge). */
static struct step *
open_block(struct parser *p, enum step_kind k)
{
	struct lexer *lx = &p->lx;
	struct step *st;
	char hint[96];

	if (p->depth == SCENARIO_MAX_DEPTH) {
		snprintf(hint, sizeof(hint), "blocks nest at most %d deep",
		    SCENARIO_MAX_DEPTH);
		lex_error(lx, 0, hint, "expected 'end', got another '%s'",
		    step_kind_name(k));
		return NULL;
	}
	if ((st = new_step(p, k)) == NULL)
		return NULL;
	st->depth = p->depth;
	check_block_open(p, p->depth);
	p->stack[p->depth++] = p->sc->nsteps - 1;
	return st;
}

/* The end of a repeat line: nothing, or `as NAME` (the round, 1, 2, ...). */
static int
parse_repeat_index(struct parser *p, struct step *st)
{
	struct lexer *lx = &p->lx;
	const char *w;
	size_t wl;

	if (lex_at_eol(lx))
		return 0;
	if (!lex_word(lx, &w, &wl) || !lex_word_is(w, wl, "as"))
		return lex_need_eol(lx, "'as NAME' or end of line after repeat");
	if (parse_var_name(p, &st->u.repeat.index) == -1)
		return -1;
	check_define(p, st->u.repeat.index);
	return lex_need_eol(lx, "end of line after the index name");
}

/* Where the `${` at line offset at closes: its '}' past quoted strings. */
size_t
parse_brace_end(const struct lexer *lx, size_t at)
{
	size_t i;
	int q = 0;

	for (i = at + 2; i < lx->linelen && (q || lx->line[i] != '}'); i++) {
		if (q && lx->line[i] == '\\')
			i++;
		else if (lx->line[i] == '"')
			q = !q;
	}
	return i < lx->linelen ? i : lx->linelen;
}

/* Read `${EXPR}` at line offset at: the expression compiled and its names
 * checked; pos moves past it. */
int
parse_brace_expr(struct parser *p, size_t at, struct expr **out)
{
	struct lexer *lx = &p->lx;
	char msg[300];
	size_t i = parse_brace_end(lx, at), off;

	if (i >= lx->linelen)
		return lex_error(lx, at, "an expression ends with '}' on the "
		    "same line, as in ${n * 2}", "expected '}' to close '${', got "
		    "end of line");
	if (expr_compile(lx->line + at + 2, i - at - 2, out, msg, sizeof(msg),
	    &off) == -1)
		return lex_error(lx, at + 2 + off, NULL, "%s", msg);
	lx->pos = i + 1;
	return check_expr(p, *out, at + 2);
}

/* Say whether the next token is a `${...}` expression. */
static int
parse_at_brace(struct parser *p)
{
	struct lexer *lx = &p->lx;

	lex_skip_ws(lx);
	return lx->pos + 1 < lx->linelen && lx->line[lx->pos] == '$' &&
	    lx->line[lx->pos + 1] == '{';
}

/* `repeat ${EXPR} [as NAME]`: the count is computed when the loop starts. */
static int
parse_repeat_expr(struct parser *p, struct step *st, size_t at)
{
	if (parse_brace_expr(p, at, &st->u.repeat.count_e) == -1)
		return -1;
	return parse_repeat_index(p, st);
}

/* `repeat until EXPR [max N]` ... `end`: the body runs, then the
 * condition is checked (it may read what the body set), at most N rounds
 * (default SCENARIO_UNTIL_MAX) before the step fails. The condition is
 * compiled now and its names checked at the `end`. */
static int
parse_repeat_until(struct parser *p, struct step *st)
{
	struct lexer *lx = &p->lx;
	const char *m;
	char msg[300];
	size_t start = lx->pos, end, off;
	uint64_t v;

	st->u.repeat.max = SCENARIO_UNTIL_MAX;
	lex_skip_ws(lx);
	start = lx->pos;
	end = lx->linelen;
	for (m = lx->line + start; (m = memmem(m, (size_t)(lx->line +
	    lx->linelen - m), " max ", 5)) != NULL; m++)
		end = (size_t)(m - lx->line);
	if (end < lx->linelen) {
		lx->pos = end + 5;
		if (lex_uint(lx, "a maximum number of rounds", SCENARIO_MAX_COUNT,
		    &v) == -1)
			return -1;
		if (v == 0)
			return lex_error(lx, end + 5, NULL, "expected at least 1 "
			    "round, got 0");
		st->u.repeat.max = v;
		if (lex_need_eol(lx, "end of line after max N") == -1)
			return -1;
	}
	if (end == start)
		return lex_error(lx, start, "as in: repeat until state == "
		    "\"done\" max 50", "expected a condition, got end of line");
	if (expr_compile(lx->line + start, end - start, &st->u.repeat.until,
	    msg, sizeof(msg), &off) == -1)
		return lex_error(lx, start + off, NULL, "%s", msg);
	st->u.repeat.until_col = lex_col(lx, start);
	st->u.repeat.count = 0;
	if (end == lx->linelen)
		lx->pos = end;
	return 0;
}

/* `repeat N` or `repeat D` ... `end`. */
static int
parse_repeat(struct parser *p)
{
	struct lexer *lx = &p->lx;
	struct step *st;
	const char *w;
	size_t wl, save, i;
	char got[96];

	if ((st = open_block(p, STEP_REPEAT)) == NULL)
		return -1;
	lex_skip_ws(lx);
	save = lx->pos;
	if (lex_word(lx, &w, &wl) && lex_word_is(w, wl, "until"))
		return parse_repeat_until(p, st);
	lx->pos = save;
	if (parse_at_brace(p))
		return parse_repeat_expr(p, st, save);
	if (lex_need_word(lx, "a count or a duration", &w, &wl) == -1)
		return -1;
	/* The word is not NUL-terminated: the last line of a file without
	 * a final newline ends where the input ends. */
	for (i = 0; i < wl && isdigit((unsigned char)w[i]); i++)
		;
	if (wl > 0 && i == wl) {
		lx->pos = save;
		if (lex_uint(lx, "a repeat count", SCENARIO_MAX_COUNT,
		    &st->u.repeat.count) == -1)
			return -1;
	} else if ((st->u.repeat.seconds = lex_word_duration(w, wl)) <= 0)
		return lex_error(lx, save,
		    "as in: repeat 3, or repeat 5s (a positive "
		    "duration)", "expected a count or a duration, got %s",
		    lex_got(lx, save, got, sizeof(got)));
	return parse_repeat_index(p, st);
}

/* `merge` ... `end`: the sends inside go out in one write. */
static int
parse_merge(struct parser *p)
{
	struct lexer *lx = &p->lx;
	if (open_block(p, STEP_MERGE) == NULL)
		return -1;
	p->in_merge = 1;
	return lex_need_eol(lx, "end of line after merge");
}

/* The end of an expect set: it needs an alternative; after `one of`
 * the names set in every branch stay set. */
static int
parse_set_end(struct parser *p)
{
	size_t i;

	if (p->set_alts == 0)
		return lex_error(&p->lx, 0, "put the alternatives between the "
		    "set's line and end", "expected an expect inside the set, "
		    "got 'end'");
	parse_set_branch(p);
	for (i = 0; i < p->nset_common; i++) {
		check_define(p, p->set_common[i]);
		free(p->set_common[i]);
	}
	free(p->set_common);
	p->set_common = NULL;
	p->nset_common = 0;
	p->in_set = 0;
	return 0;
}

/* `end`: close the innermost block. */
static int
parse_end(struct parser *p)
{
	struct lexer *lx = &p->lx;
	struct step *st, *open;
	size_t oi;

	if (p->depth == 0 && p->outer != NULL)
		return parse_accept_end(p);
	if (p->depth == 0 && p->role_open != 0)
		return roles_parse_end(p);
	if (p->depth == 0)
		return lex_error(lx, 0,
		    "open a block with 'repeat N' or 'merge', or "
		    "remove this line", "expected a directive, got 'end' "
		    "without an open block");
	oi = p->stack[p->depth - 1];
	if (p->sc->steps[oi].kind == STEP_MERGE &&
	    oi + 1 == p->sc->nsteps)
		return lex_error(lx, 0,
		    "put one or more sends between merge and end",
		    "expected a send inside merge, got 'end'");
	open = &p->sc->steps[oi];
	if (open->kind == STEP_REPEAT && open->u.repeat.until != NULL &&
	    check_expr_at(p, open->u.repeat.until, open->line,
	    open->u.repeat.until_col) == -1)
		return -1;
	if (open->kind == STEP_EXPECT_SET && parse_set_end(p) == -1)
		return -1;
	if ((st = new_step(p, STEP_END)) == NULL)
		return -1;
	p->depth--;
	open = &p->sc->steps[oi];
	if (open->kind == STEP_FINALLY) {
		p->closed_at = open->line;
		p->closed_by = "finally ... end";
	}
	if (open->kind == STEP_IF && open->jump != 0)
		p->sc->steps[open->jump].jump = p->sc->nsteps - 1; /* else */
	else
		open->jump = p->sc->nsteps - 1;
	st->jump = oi;
	st->depth = p->depth;
	check_block_end(p, p->depth, open->kind == STEP_IF,
	    open->kind == STEP_MERGE || open->kind == STEP_EXPECT_SET ||
	    (open->kind == STEP_REPEAT &&
	    (open->u.repeat.until != NULL || open->u.repeat.seconds > 0 ||
	    (open->u.repeat.count_e == NULL && open->u.repeat.count > 0))));
	if (open->kind == STEP_MERGE)
		p->in_merge = 0;
	return lex_need_eol(lx, "end of line after end");
}

/* `close` or `shutdown`. */
static int
parse_close(struct parser *p, enum step_kind k)
{
	struct lexer *lx = &p->lx;
	if (new_step(p, k) == NULL)
		return -1;
	if (k == STEP_CLOSE && p->depth == 0) {
		p->closed_at = lx->lineno;
		p->closed_by = "close";
	}
	return lex_need_eol(lx, k == STEP_CLOSE ? "end of line after close" :
	    "end of line after shutdown");
}

/* `close` and `shutdown`, for the directive table. */
static int
parse_close_step(struct parser *p)
{
	return parse_close(p, STEP_CLOSE);
}

static int
parse_shutdown_step(struct parser *p)
{
	return parse_close(p, STEP_SHUTDOWN);
}

/* `reset`: abort the connection with an RST; like close, it ends the
 * script at the top level. */
static int
parse_reset_step(struct parser *p)
{
	struct lexer *lx = &p->lx;

	if (new_step(p, STEP_RESET) == NULL)
		return -1;
	if (p->depth == 0) {
		p->closed_at = lx->lineno;
		p->closed_by = "reset";
	}
	return lex_need_eol(lx, "end of line after reset");
}

/* `starttls`: upgrade the connection to TLS here (docs/tls.md). */
static int
parse_starttls_step(struct parser *p)
{
	if (new_step(p, STEP_STARTTLS) == NULL)
		return -1;
	p->sc->starttls = 1;
	return lex_need_eol(&p->lx, "end of line after starttls");
}

/* `accept [N]`: the lines up to its `end` are the embedded server's
 * program for every accepted connection, parsed into a scenario of its
 * own (sc->accept) that shares this file's settings. */
static int
parse_accept(struct parser *p)
{
	struct lexer *lx = &p->lx;
	struct scenario *in, *sc = p->sc;
	uint64_t n = 0;
	size_t i;

	if (p->outer != NULL)
		return lex_error(lx, 0, "close the accept block with 'end' "
		    "first", "expected a step inside accept, got another "
		    "'accept'");
	if (p->depth > 0 || p->role_open != 0)
		return lex_error(lx, 0, "accept goes at the top level",
		    "expected 'accept' outside every block, got it inside one");
	if (sc->accept != NULL) {
		char hint[96];

		snprintf(hint, sizeof(hint), "the first accept is at line %u; "
		    "route requests with 'expect one of' inside it",
		    sc->accept_line);
		return lex_error(lx, 0, hint, "expected one accept block, got "
		    "a second");
	}
	if (!lex_at_eol(lx)) {
		if (lex_uint(lx, "a connection count", SCENARIO_MAX_CONNS,
		    &n) == -1)
			return -1;
		if (n == 0)
			return lex_error(lx, lx->pos - 1, "leave N out for no "
			    "limit", "expected a connection count of at least "
			    "1, got 0");
	}
	if (lex_need_eol(lx, "end of line after accept [N]") == -1)
		return -1;
	in = scenario_new(sc->path);
	for (i = 0; i < in->nfiles; i++)
		free(in->files[i]);
	free(in->files);
	in->files = xcalloc(sc->nfiles, sizeof(*in->files));
	for (i = 0; i < sc->nfiles; i++)
		in->files[i] = xstrdup(sc->files[i]);
	in->nfiles = sc->nfiles;
	free(in->dir);
	in->dir = xstrdup(sc->dir);
	free(in->name);
	in->name = xstrdup(sc->name);
	in->codec = sc->codec;
	free(in->codec_name);
	in->codec_name = xstrdup(sc->codec_name);
	in->stream = sc->stream;
	in->timeout = sc->timeout;
	in->max_frame = sc->max_frame;
	sc->accept = in;
	sc->accept_max = n;
	sc->accept_line = lx->lineno;
	p->outer = sc;
	p->outer_closed_at = p->closed_at;
	p->outer_closed_by = p->closed_by;
	p->outer_ndefs = p->ndefs;
	p->closed_at = 0;
	p->sc = in;
	return 0;
}

/* The `end` of the accept block: back to the file's own program; names
 * the server's steps set stay the server's. */
static int
parse_accept_end(struct parser *p)
{
	struct lexer *lx = &p->lx;

	while (p->ndefs > p->outer_ndefs)
		free(p->defs[--p->ndefs]);
	p->sc = p->outer;
	p->outer = NULL;
	p->closed_at = p->outer_closed_at;
	p->closed_by = p->outer_closed_by;
	return lex_need_eol(lx, "end of line after end");
}

/* Settings belong to the file, not to the accept block. */
static int
parse_accept_refuses(const char *w, size_t wl)
{
	static const char *const settings[] = { "name", "codec", "service",
	    "connections", "rate", "timeout", "max-frame", "data", "assert",
	    "define", "role", "tls", NULL };
	size_t k;

	for (k = 0; settings[k] != NULL; k++)
		if (lex_word_is(w, wl, settings[k]))
			return 1;
	return 0;
}

/* Every directive, the one list dispatch and hints read. */
static const struct directive {
	const char	*name;
	int		(*parse)(struct parser *);
} directives[] = {
	{ "name", parse_name }, { "codec", parse_codec },
	{ "service", parse_service }, { "connections", parse_connections },
	{ "rate", parse_rate }, { "timeout", parse_timeout },
	{ "max-frame", parse_max_frame }, { "send", parse_send },
	{ "expect", parse_expect }, { "capture", parse_capture },
	{ "wait", parse_wait }, { "repeat", parse_repeat },
	{ "merge", parse_merge }, { "end", parse_end },
	{ "close", parse_close_step }, { "shutdown", parse_shutdown_step },
	{ "set", parse_set }, { "if", parse_if }, { "else", parse_else },
	{ "break", parse_break }, { "data", parse_data },
	{ "assert", parse_assert }, { "finally", parse_finally },
	{ "include", parse_include }, { "define", parse_define },
	{ "call", parse_call }, { "accept", parse_accept },
	{ "reset", parse_reset_step },
	{ "call", parse_call }, { "role", roles_parse_role },
	{ "barrier", roles_parse_barrier }, { "signal", roles_parse_signal },
	{ "tls", parse_tls }, { "starttls", parse_starttls_step },
	{ NULL, NULL }
};

const char *
parse_directive_name(size_t i)
{
	return i + 1 < sizeof(directives) / sizeof(directives[0]) ?
	    directives[i].name : NULL;
}

/* Parse the current line. */
static int
parse_line(struct parser *p)
{
	struct lexer *lx = &p->lx;
	const char *w, *names[sizeof(directives) / sizeof(directives[0])];
	const struct directive *d;
	char hint[256], got[96];
	size_t wl, k;

	lx->pos = 0;
	if (lex_check_text(lx) == -1)
		return -1;
	if (lex_at_eol(lx))
		return 0;
	if (!lex_word(lx, &w, &wl))
		return lex_error(lx, lx->pos,
		    "lines start with a directive such as "
		    "send or expect", "expected a directive, got %s",
		    lex_got(lx, lx->pos, got, sizeof(got)));
	if (p->in_set && !lex_word_is(w, wl, "expect") &&
	    !lex_word_is(w, wl, "capture") && !lex_word_is(w, wl, "end"))
		return lex_error(lx, lx->pos - wl, "an expect set holds "
		    "expects, each followed by its captures", "expected "
		    "'expect', 'capture' or 'end' inside the set, got '%.*s'",
		    (int)wl, w);
	if (p->in_set && lex_word_is(w, wl, "capture") && p->set_alts == 0)
		return lex_error(lx, lx->pos - wl, "a capture follows the "
		    "expect whose message it reads", "expected an 'expect' "
		    "first in the set, got 'capture'");
	if (p->in_merge && !lex_word_is(w, wl, "send") && !lex_word_is(w, wl,
	    "end")) {
		snprintf(hint, sizeof(hint), "the merge block opened at line "
		    "%u holds only sends", p->sc->steps[p->stack[p->depth -
		    1]].line);
		return lex_error(lx, lx->pos - wl, hint,
		    "expected 'send' or 'end' "
		    "inside merge, got %s", lex_got(lx, lx->pos - wl, got,
		    sizeof(got)));
	}
	if (p->outer != NULL && parse_accept_refuses(w, wl))
		return lex_error(lx, lx->pos - wl, "settings go at the top "
		    "level, before accept; they hold for the server's steps "
		    "too", "expected a step inside accept, got the setting "
		    "'%.*s'", (int)wl, w);
	for (d = directives; d->name != NULL; d++)
		if (lex_word_is(w, wl, d->name))
			return d->parse(p);
	for (k = 0; directives[k].name != NULL; k++)
		names[k] = directives[k].name;
	names[k] = NULL;
	return lex_error(lx, lx->pos - wl, lex_nearest_hint(w, wl, names, hint,
	    sizeof(hint)), "expected a directive, got %s",
	    lex_got(lx, lx->pos - wl, got, sizeof(got)));
}

/* After the file: the accept program takes the file's settings (written
 * anywhere at the top level) and passes the same checks. */
static int
parse_accept_finish(struct parser *p)
{
	struct scenario *sc = p->sc, *in = sc->accept;
	size_t i;
	int rc;

	in->codec = sc->codec;
	free(in->codec_name);
	in->codec_name = xstrdup(sc->codec_name);
	in->stream = sc->stream;
	in->timeout = sc->timeout;
	in->max_frame = sc->max_frame;
	for (i = 0; i < in->nsteps; i++) {
		struct step *st = &in->steps[i];

		if ((st->kind == STEP_EXPECT || st->kind == STEP_EXPECT_SET) &&
		    st->u.expect.timeout < 0)
			st->u.expect.timeout = sc->timeout;
	}
	p->sc = in;
	rc = parse_check_program(p);
	p->sc = sc;
	return rc;
}

int
parse_check_program(struct parser *p)
{
	int rc = check_headers(p);

	if (rc == 0)
		rc = check_sets(p);
	if (rc == 0)
		rc = fields_check(p);
	if (rc == 0)
		rc = pack_check(p);
	return rc;
}

/* Give the scenario its defaults and its name and directory from name. */
static struct scenario *
scenario_new(const char *name)
{
	struct scenario *sc = xcalloc(1, sizeof(*sc));
	const char *slash = strrchr(name, '/');

	sc->path = xstrdup(name);
	sc->files = xcalloc(1, sizeof(*sc->files));
	sc->files[0] = xstrdup(name);
	sc->nfiles = 1;
	sc->dir = slash == NULL ? xstrdup(".") : slash == name ? xstrdup("/") :
	    xstrndup(name, (size_t)(slash - name));
	sc->name = xstrdup(slash == NULL ? name : slash + 1);
	sc->codec = codec_find("raw");
	sc->codec_name = xstrdup("raw");
	sc->stream = 1;
	sc->connections = 1;
	sc->timeout = SCENARIO_DEFAULT_TIMEOUT;
	sc->max_frame = CODEC_MAX_FRAME_DEFAULT;
	sc->finally_at = SIZE_MAX;
	return sc;
}

/* Free the named blocks. */
static void
parse_defines_free(struct parser *p)
{
	size_t i, k;

	for (i = 0; i < p->ndefines; i++) {
		free(p->defines[i].name);
		for (k = 0; k < p->defines[i].nparams; k++)
			free(p->defines[i].params[k]);
		free(p->defines[i].params);
		free(p->defines[i].body);
	}
	p->ndefines = 0;
	buf_free(&p->capture);
	/* An expect set left open by an error. */
	for (i = 0; i < p->nset_common; i++)
		free(p->set_common[i]);
	free(p->set_common);
	p->set_common = NULL;
	p->nset_common = 0;
}

/* Inside a define: keep the line as text, and close the define at the
 * `end` that matches it (blocks opened inside count). */
static int
parse_capture_line(struct parser *p)
{
	static const char *const openers[] = { "repeat", "if", "merge",
	    "finally", "define", NULL };
	struct lexer *lx = &p->lx;
	struct define *d = p->capturing;
	const char *w;
	size_t wl, k;

	lx->pos = 0;
	if (lex_check_text(lx) == -1)
		return -1;
	if (!lex_at_eol(lx) && lex_word(lx, &w, &wl)) {
		for (k = 0; openers[k] != NULL; k++)
			if (lex_word_is(w, wl, openers[k]))
				p->capture_depth++;
		if (lex_word_is(w, wl, "end") && p->capture_depth-- == 0) {
			d->bodylen = buf_len(&p->capture);
			d->body = xmalloc(d->bodylen + 1);
			memcpy(d->body, buf_data(&p->capture), d->bodylen);
			d->body[d->bodylen] = '\0';
			buf_reset(&p->capture);
			p->capturing = NULL;
			p->capture_depth = 0;
			return lex_need_eol(lx, "end of line after end");
		}
	}
	buf_append(&p->capture, lx->line, lx->linelen);
	buf_append(&p->capture, "\n", 1);
	return 0;
}

/* Parse text line by line; its first line is line first of the current
 * file. 0, or -1 with the error in lx.err. */
static int
parse_lines(struct parser *p, const char *text, size_t len, unsigned first)
{
	struct lexer *lx = &p->lx;
	size_t off = 0, eol;
	int rc = 0;

	lx->lineno = first - 1;
	while (rc == 0 && off < len) {
		const char *nl = memchr(text + off, '\n', len - off);

		eol = nl != NULL ? (size_t)(nl - text) : len;
		lx->lineno++;
		lx->line = text + off;
		lx->linelen = eol - off;
		if (lx->linelen > 0 && lx->line[lx->linelen - 1] == '\r')
			lx->linelen--;
		if (lx->linelen > SCENARIO_MAX_LINE) {
			lx->linelen = 0;
			return lex_error(lx, 0, "split long payloads, or use send "
			    "file", "expected a line of at most %d bytes, got %zu",
			    SCENARIO_MAX_LINE, eol - off);
		}
		rc = p->capturing != NULL ? parse_capture_line(p) :
		    parse_line(p);
		off = eol + 1;
	}
	return rc;
}

/* Read another file's lines in place: the current file, line and lexer
 * state are saved and restored around it. */
static int
parse_nested(struct parser *p, unsigned file, const char *text, size_t len,
    unsigned first)
{
	struct lexer saved = p->lx;
	unsigned saved_file = p->file;
	int rc;

	p->file = file;
	p->lx.name = p->sc->files[file];
	rc = parse_lines(p, text, len, first);
	if (rc == 0) {
		p->lx = saved;
		p->file = saved_file;
	}
	return rc;
}

struct scenario *
scenario_parse(const char *name, const char *text, size_t len, char *err,
    size_t errlen)
{
	struct parser p;
	size_t off = 0, i;
	int rc = 0;

	memset(&p, 0, sizeof(p));
	p.lx.name = name;
	p.lx.err = err;
	p.lx.errlen = errlen;
	p.lx.check_name = check_var;
	p.lx.check_arg = &p;
	p.sc = scenario_new(name);
	if (len > SCENARIO_MAX_FILE) {
		p.lx.lineno = 1;
		lex_error(&p.lx, 0, "split the scenario into smaller files",
		    "expected at most %d bytes, got %zu", SCENARIO_MAX_FILE,
		    len);
		rc = -1;
	}
	if (rc == 0 && len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	if (rc == 0)
		rc = parse_lines(&p, text + off, len - off, 1);
	if (rc == 0 && p.capturing != NULL) {
		p.lx.name = p.sc->files[p.capturing->file];
		p.lx.lineno = p.capturing->line;
		p.lx.line = NULL;
		p.lx.linelen = 0;
		rc = lex_error(&p.lx, 0, "add 'end' after the last line of the "
		    "define", "expected 'end' for the define of '%s' opened "
		    "here, got end of file", p.capturing->name);
	}
	if (rc == 0 && p.depth > 0) {
		const struct step *open = &p.sc->steps[p.stack[p.depth - 1]];
		char hint[96];

		p.lx.lineno = open->line;
		p.lx.line = NULL;
		p.lx.linelen = 0;
		snprintf(hint, sizeof(hint), "add 'end' after the last line of "
		    "the %s block", step_kind_name(open->kind));
		rc = lex_error(&p.lx, 0, hint,
		    "expected 'end' for the '%s' opened "
		    "here, got end of file", step_kind_name(open->kind));
	}
	if (rc == 0 && p.outer != NULL) {
		p.lx.lineno = p.outer->accept_line;
		p.lx.line = NULL;
		p.lx.linelen = 0;
		rc = lex_error(&p.lx, 0, "add 'end' after the server's last "
		    "step", "expected 'end' for the accept opened here, got "
		    "end of file");
	}
	if (p.outer != NULL)
		p.sc = p.outer;
	if (rc == 0)
		rc = roles_finish(&p, p.seen[SEEN_CONNS]);
	roles_close(&p);
	if (rc == 0)
		rc = parse_check_program(&p);
	if (rc == 0 && p.sc->accept != NULL)
		rc = parse_accept_finish(&p);
	check_free(&p);
	parse_defines_free(&p);
	if (rc == -1) {
		scenario_free(p.sc);
		return NULL;
	}
	for (i = 0; i < p.sc->nsteps; i++) {
		struct step *st = &p.sc->steps[i];

		if ((st->kind == STEP_EXPECT || st->kind == STEP_EXPECT_SET) &&
		    st->u.expect.timeout < 0)
			st->u.expect.timeout = p.sc->timeout;
	}
	return p.sc;
}

struct scenario *
scenario_load(const char *path, char *err, size_t errlen)
{
	struct scenario *sc;
	struct buf b;
	char why[160];
	int too_big;

	buf_init(&b);
	if (file_read_regular(path, SCENARIO_MAX_FILE, &b, &too_big, why,
	    sizeof(why)) == -1) {
		if (too_big)
			snprintf(err, errlen,
			    "%s:1:1: expected at most %d bytes, "
			    "got more\nhint: split the scenario into smaller "
			    "files", path, SCENARIO_MAX_FILE);
		else
			snprintf(err, errlen, "%s: cannot read: %s", path, why);
		buf_free(&b);
		return NULL;
	}
	sc = scenario_parse(path, (const char *)buf_data(&b), buf_len(&b), err,
	    errlen);
	buf_free(&b);
	return sc;
}

/* Free a pattern compiled at run time, and its cache. */
void
step_regex_free(struct step_regex *rx)
{
	if (rx == NULL)
		return;
	tmpl_free(rx->t);
	if (rx->text != NULL) {
		regfree(&rx->re);
		free(rx->text);
	}
	free(rx);
}

void
scenario_free(struct scenario *sc)
{
	size_t i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->nsteps; i++) {
		struct step *st = &sc->steps[i];

		switch (st->kind) {
		case STEP_SEND:
			tmpl_free(st->u.send.body);
			tmpl_free(st->u.send.head);
			expr_free(st->u.send.chunk_e);
			expr_free(st->u.send.delay_e);
			pack_send_free(st->u.send.build);
			break;
		case STEP_EXPECT_SET:
			expr_free(st->u.expect.timeout_e);
			break;
		case STEP_EXPECT:
			tmpl_free(st->u.expect.bytes);
			tmpl_free(st->u.expect.head);
			fields_free(st->u.expect.field);
			if (st->u.expect.pattern != NULL) {
				if (st->u.expect.rx == NULL)
					regfree(&st->u.expect.re);
				free(st->u.expect.pattern);
			}
			step_regex_free(st->u.expect.rx);
			expr_free(st->u.expect.length_e);
			expr_free(st->u.expect.timeout_e);
			expr_free(st->u.expect.within_e);
			break;
		case STEP_SET:
			free(st->u.set.name);
			expr_free(st->u.set.e);
			break;
		case STEP_IF:
			expr_free(st->u.cond.e);
			break;
		case STEP_REPEAT:
			expr_free(st->u.repeat.count_e);
			expr_free(st->u.repeat.until);
			free(st->u.repeat.index);
			break;
		case STEP_WAIT:
			expr_free(st->u.wait.e);
			break;
		case STEP_BARRIER:
		case STEP_SIGNAL:
		case STEP_WAIT_FOR:
			roles_step_free(st);
			break;
		case STEP_CAPTURE:
			free(st->u.capture.name);
			free(st->u.capture.path);
			expr_free(st->u.capture.at_e);
			fields_free(st->u.capture.field);
			if (st->u.capture.pattern != NULL) {
				if (st->u.capture.rx == NULL)
					regfree(&st->u.capture.re);
				free(st->u.capture.pattern);
			}
			step_regex_free(st->u.capture.rx);
			break;
		default:
			break;
		}
	}
	free(sc->steps);
	scenario_free(sc->accept);
	roles_free(sc);
	for (i = 0; i < sc->nasserts; i++)
		free(sc->asserts[i].text);
	free(sc->asserts);
	data_free(sc->data);
	for (i = 0; i < sc->nfiles; i++)
		free(sc->files[i]);
	free(sc->files);
	free(sc->path);
	free(sc->dir);
	free(sc->name);
	free(sc->codec_name);
	service_cfg_free(&sc->service);
	free(sc);
}

const char *
step_kind_name(enum step_kind k)
{
	switch (k) {
	case STEP_SEND: return "send";
	case STEP_EXPECT: return "expect";
	case STEP_CAPTURE: return "capture";
	case STEP_WAIT: return "wait";
	case STEP_REPEAT: return "repeat";
	case STEP_MERGE: return "merge";
	case STEP_END: return "end";
	case STEP_CLOSE: return "close";
	case STEP_SHUTDOWN: return "shutdown";
	case STEP_SET: return "set";
	case STEP_IF: return "if";
	case STEP_ELSE: return "else";
	case STEP_BREAK: return "break";
	case STEP_FINALLY: return "finally";
	case STEP_EXPECT_SET: return "expect set";
	case STEP_RESET: return "reset";
	case STEP_STARTTLS: return "starttls";
	case STEP_BARRIER: return "barrier";
	case STEP_SIGNAL: return "signal";
	case STEP_WAIT_FOR: return "wait for";
	}
	return "?";
}

const char *
expect_kind_name(enum expect_kind k)
{
	switch (k) {
	case EXPECT_BYTES: return "bytes";
	case EXPECT_HEX: return "hex";
	case EXPECT_REGEX: return "regex";
	case EXPECT_JSON: return "json";
	case EXPECT_HEADER: return "header";
	case EXPECT_LENGTH: return "length";
	case EXPECT_CLOSE: return "close";
	case EXPECT_NOTHING: return "nothing";
	case EXPECT_FIELD: return "field";
	}
	return "?";
}
