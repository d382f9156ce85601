/* Fault stages of the proxy: parsing "DIR:NAME=VALUE,KEY=VALUE" and the
 * pipeline that delays, slices, merges, drops, corrupts and ends one
 * direction's bytes on a clock the caller passes in. */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "fault.h"
#include "rand.h"
#include "util.h"

#define FAULT_SPEC_MAX		256	/* bytes of one spec's text */
#define FAULT_BW_SLICES		100	/* bandwidth: pieces per second */

/* One held piece of bytes and the time it may go on. */
struct fault_seg {
	struct fault_seg	*next;
	double			 t;
	size_t			 len;
	unsigned char		 data[];
};

/* One stage on one connection. Owned by its pipeline. */
struct fault_stage {
	struct fault_spec	 spec;
	int			 active;
	int			 done;		/* its one-time act happened */
	struct fault_seg	*head, *tail;	/* held pieces, in time order */
	struct buf		 merge;		/* merger: bytes coalescing */
	double			 merge_first;	/* when merge got its first */
	double			 next_t;	/* latency: last release time;
						   bandwidth, slicer: when the
						   next piece may go */
	double			 t0;		/* when the stage began */
	uint64_t		 passed;	/* bytes it let through */
	uint64_t		 fired;
};

/* A direction's pipeline. Made by fault_pipe_new, freed by
 * fault_pipe_free. */
struct fault_pipe {
	struct fault_stage	*st;
	size_t			 n, cap;
	size_t			 queued;	/* bytes held in all stages */
	size_t			 overhead;	/* what holding them costs
						   beyond the bytes: a
						   fault_seg and malloc's
						   chunk per piece */
	struct fault_sink	 sink;
	uint64_t		*rng;
	int			 eof, eof_sent;	/* the source's FIN; passed on */
	int			 ended;		/* closed, reset or half-closed */
	int			 in_poll;
};

static const char *const fault_names[FAULT_KIND_COUNT] = {
	"latency", "bandwidth", "slicer", "merger", "limit_data", "timeout",
	"reset_peer", "blackhole", "half_close", "corrupt"
};

static void fault_stage_in(struct fault_pipe *p, size_t i, double now,
    const unsigned char *d, size_t n);

const char *
fault_kind_name(enum fault_kind k)
{
	return (unsigned)k < FAULT_KIND_COUNT ? fault_names[k] : "?";
}

const char *
fault_dir_name(enum fault_dir d)
{
	return d == FAULT_UPSTREAM ? "upstream" : "downstream";
}

/* Parse a duration value of key into *out (s, >= 0); -1 with err. */
static int
fault_dur(const char *key, const char *v, double *out, char *err,
    size_t errlen)
{
	double d = v != NULL ? parse_duration(v) : -1;

	if (d < 0 || !isfinite(d) || d > 3600) {
		snprintf(err, errlen, "%s: expected a duration up to 1h such "
		    "as 50ms, got '%s'", key, v != NULL ? v : "");
		return -1;
	}
	*out = d;
	return 0;
}

/* Parse a size value of key into *out; -1 with err. */
static int
fault_size(const char *key, const char *v, uint64_t *out, char *err,
    size_t errlen)
{
	if (v == NULL || parse_size(v, out) < 0 || *out > (1ULL << 40)) {
		snprintf(err, errlen, "%s: expected a size such as 64, 16k or "
		    "1M, got '%s'", key, v != NULL ? v : "");
		return -1;
	}
	return 0;
}

/* Take the NAME=VALUE part of a spec: the kind and its main value. */
static int
fault_parse_main(struct fault_spec *s, const char *name, const char *v,
    char *err, size_t errlen)
{
	size_t k;

	for (k = 0; k < FAULT_KIND_COUNT; k++)
		if (strcmp(name, fault_names[k]) == 0)
			break;
	if (k == FAULT_KIND_COUNT) {
		snprintf(err, errlen, "unknown fault '%.40s' (known: latency "
		    "bandwidth slicer merger limit_data timeout reset_peer "
		    "blackhole half_close corrupt)", name);
		return -1;
	}
	s->kind = (enum fault_kind)k;
	switch (s->kind) {
	case FAULT_LATENCY:
	case FAULT_TIMEOUT:
		return fault_dur(name, v, &s->dur, err, errlen);
	case FAULT_BANDWIDTH:
		if (fault_size(name, v, &s->size, err, errlen) < 0)
			return -1;
		if (s->size == 0) {
			snprintf(err, errlen, "bandwidth: expected at least "
			    "1 byte per second");
			return -1;
		}
		return 0;
	case FAULT_SLICER:
	case FAULT_LIMIT_DATA:
	case FAULT_CORRUPT:
		if (fault_size(name, v, &s->size, err, errlen) < 0)
			return -1;
		if (s->kind == FAULT_SLICER && s->size == 0) {
			snprintf(err, errlen, "slicer: expected pieces of at "
			    "least 1 byte");
			return -1;
		}
		return 0;
	case FAULT_MERGER:
	case FAULT_HALF_CLOSE:
		return v == NULL ? 0 : fault_size(name, v, &s->size, err,
		    errlen);
	case FAULT_RESET_PEER:
		if (v == NULL)
			return 0;
		s->has_dur = 1;
		return fault_dur(name, v, &s->dur, err, errlen);
	case FAULT_BLACKHOLE:
		if (v != NULL) {
			snprintf(err, errlen, "blackhole takes no value, got "
			    "'%.40s'", v);
			return -1;
		}
		return 0;
	case FAULT_KIND_COUNT:
		break;
	}
	return -1;
}

/* Whether key is one the kind takes. */
static int
fault_key_ok(enum fault_kind k, const char *key)
{
	if (strcmp(key, "toxicity") == 0 || strcmp(key, "conn") == 0)
		return 1;
	switch (k) {
	case FAULT_LATENCY:	return strcmp(key, "jitter") == 0;
	case FAULT_SLICER:	return strcmp(key, "variation") == 0 ||
				    strcmp(key, "delay") == 0;
	case FAULT_MERGER:	return strcmp(key, "wait") == 0 ||
				    strcmp(key, "bytes") == 0;
	case FAULT_RESET_PEER:	return strcmp(key, "bytes") == 0;
	case FAULT_CORRUPT:	return strcmp(key, "xor") == 0;
	default:		return 0;
	}
}

/* Take one KEY=VALUE of a spec. */
static int
fault_parse_key(struct fault_spec *s, const char *key, const char *v,
    char *err, size_t errlen)
{
	if (!fault_key_ok(s->kind, key)) {
		snprintf(err, errlen, "%s takes no '%.40s'", fault_names[s->kind],
		    key);
		return -1;
	}
	if (v == NULL) {
		snprintf(err, errlen, "%s: expected %s=VALUE", fault_names[s->kind],
		    key);
		return -1;
	}
	if (strcmp(key, "toxicity") == 0) {
		char *end;
		double t = strtod(v, &end);

		if (*v == '\0' || *end != '\0' || !(t >= 0 && t <= 1)) {
			snprintf(err, errlen, "toxicity: expected a probability "
			    "from 0 to 1, got '%.40s'", v);
			return -1;
		}
		s->toxicity = t;
		return 0;
	}
	if (strcmp(key, "conn") == 0) {
		char *end;
		unsigned long long id;

		errno = 0;
		id = strtoull(v, &end, 10);
		if (*v < '1' || *v > '9' || *end != '\0' || id == 0) {
			snprintf(err, errlen, "conn: expected a connection "
			    "number (1, 2, ... as the log shows #N), got "
			    "'%.40s'", v);
			return -1;
		}
		if (errno == ERANGE || id > FAULT_CONN_MAX) {
			snprintf(err, errlen, "conn: connection number out of "
			    "range (at most %llu), got '%.40s'",
			    (unsigned long long)FAULT_CONN_MAX, v);
			return -1;
		}
		s->conn = id;
		return 0;
	}
	if (strcmp(key, "jitter") == 0)
		return fault_dur(key, v, &s->jitter, err, errlen);
	if (strcmp(key, "delay") == 0 || strcmp(key, "wait") == 0)
		return fault_dur(key, v, &s->dur, err, errlen);
	if (strcmp(key, "variation") == 0)
		return fault_size(key, v, &s->variation, err, errlen);
	if (strcmp(key, "bytes") == 0) {
		s->has_size = 1;
		return fault_size(key, v, &s->size, err, errlen);
	}
	if (strcmp(key, "xor") == 0) {
		char *end;
		unsigned long x;

		errno = 0;
		x = strtoul(v, &end, 0);
		if (*v == '\0' || *end != '\0' || errno == ERANGE || x == 0 ||
		    x > 255 || *v == '-' || *v == '+' || *v == ' ') {
			snprintf(err, errlen, "xor: expected a byte 1-255 such "
			    "as 0xff, got '%.40s'", v);
			return -1;
		}
		s->xor = (uint8_t)x;
		return 0;
	}
	return -1;
}

int
fault_parse(const char *text, struct fault_spec *out, char *err,
    size_t errlen)
{
	char buf[FAULT_SPEC_MAX], *colon, *item, *save = NULL, *eq;
	int first = 1;

	memset(out, 0, sizeof(*out));
	out->toxicity = 1;
	out->xor = 0xff;
	if (strlen(text) >= sizeof(buf)) {
		snprintf(err, errlen, "fault spec longer than %d bytes",
		    FAULT_SPEC_MAX - 1);
		return -1;
	}
	memcpy(buf, text, strlen(text) + 1);
	if ((colon = strchr(buf, ':')) == NULL) {
		snprintf(err, errlen, "expected DIR:NAME[=VALUE][,KEY=VALUE] "
		    "with DIR upstream or downstream, got '%.60s'", text);
		return -1;
	}
	*colon = '\0';
	if (strcmp(buf, "upstream") == 0)
		out->dir = FAULT_UPSTREAM;
	else if (strcmp(buf, "downstream") == 0)
		out->dir = FAULT_DOWNSTREAM;
	else {
		snprintf(err, errlen, "expected the direction upstream "
		    "(client to server) or downstream, got '%.40s'", buf);
		return -1;
	}
	for (item = strtok_r(colon + 1, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save), first = 0) {
		const char *v = NULL;

		if ((eq = strchr(item, '=')) != NULL) {
			*eq = '\0';
			v = eq + 1;
		}
		if (first) {
			if (fault_parse_main(out, item, v, err, errlen) < 0)
				return -1;
		} else if (fault_parse_key(out, item, v, err, errlen) < 0)
			return -1;
	}
	if (first) {
		snprintf(err, errlen, "expected a fault name after '%s:'",
		    fault_dir_name(out->dir));
		return -1;
	}
	if (out->kind == FAULT_MERGER && out->size == 0 && out->dur == 0) {
		snprintf(err, errlen, "merger: expected a size (merger=1k), a "
		    "wait (wait=20ms) or both");
		return -1;
	}
	if (out->kind == FAULT_SLICER && out->variation >= out->size) {
		snprintf(err, errlen, "slicer: variation must be below the "
		    "piece size");
		return -1;
	}
	if (out->kind == FAULT_RESET_PEER && out->has_size && !out->has_dur)
		out->dur = 0;
	return 0;
}

/* Append ",key=DUR" in the shortest exact unit. */
static size_t
fault_fmt_dur(char *out, size_t len, const char *sep, const char *key,
    double d)
{
	double ms = d * 1000;

	if (ms == floor(ms))
		return (size_t)snprintf(out, len, "%s%s%.0fms", sep, key, ms);
	return (size_t)snprintf(out, len, "%s%s%.0fus", sep, key, d * 1e6);
}

size_t
fault_format(const struct fault_spec *s, char *out, size_t outlen)
{
	size_t o;

#define PUT(...)	do { if (o < outlen) o += (size_t)snprintf(out + o, \
			    outlen - o, __VA_ARGS__); } while (0)
	if (outlen == 0)
		return 0;
	out[0] = '\0';
	o = (size_t)snprintf(out, outlen, "%s:%s", fault_dir_name(s->dir),
	    fault_kind_name(s->kind));
	switch (s->kind) {
	case FAULT_LATENCY:
	case FAULT_TIMEOUT:
		if (o < outlen)
			o += fault_fmt_dur(out + o, outlen - o, "=", "", s->dur);
		if (s->jitter > 0 && o < outlen)
			o += fault_fmt_dur(out + o, outlen - o, ",", "jitter=",
			    s->jitter);
		break;
	case FAULT_BANDWIDTH:
	case FAULT_LIMIT_DATA:
	case FAULT_CORRUPT:
		PUT("=%llu", (unsigned long long)s->size);
		if (s->kind == FAULT_CORRUPT && s->xor != 0xff)
			PUT(",xor=0x%02x", s->xor);
		break;
	case FAULT_SLICER:
		PUT("=%llu", (unsigned long long)s->size);
		if (s->variation > 0)
			PUT(",variation=%llu", (unsigned long long)s->variation);
		if (s->dur > 0 && o < outlen)
			o += fault_fmt_dur(out + o, outlen - o, ",", "delay=",
			    s->dur);
		break;
	case FAULT_MERGER:
		if (s->size > 0)
			PUT("=%llu", (unsigned long long)s->size);
		if (s->dur > 0 && o < outlen)
			o += fault_fmt_dur(out + o, outlen - o, ",", "wait=",
			    s->dur);
		break;
	case FAULT_RESET_PEER:
		if (s->has_dur && o < outlen)
			o += fault_fmt_dur(out + o, outlen - o, "=", "", s->dur);
		if (s->has_size)
			PUT(",bytes=%llu", (unsigned long long)s->size);
		break;
	case FAULT_HALF_CLOSE:
		if (s->size > 0)
			PUT("=%llu", (unsigned long long)s->size);
		break;
	default:
		break;
	}
	if (s->toxicity < 1)
		PUT(",toxicity=%g", s->toxicity);
	if (s->conn != 0)
		PUT(",conn=%llu", (unsigned long long)s->conn);
#undef PUT
	if (o >= outlen)
		o = outlen - 1;
	return o;
}

/* What a held piece of n bytes costs beyond them: its struct fault_seg
 * and malloc's chunk rounding (glibc: an 8-byte header, 16-byte
 * granules), so that --max-buffer bounds memory, not only payload. */
static size_t
fault_seg_overhead(size_t n)
{
	size_t chunk = (sizeof(struct fault_seg) + n + 8 + 15) & ~(size_t)15;

	return chunk - n;
}

/* Piece g leaves its stage: uncount it (the caller frees it). */
static void
fault_seg_out(struct fault_pipe *p, const struct fault_seg *g)
{
	p->queued -= g->len;
	p->overhead -= fault_seg_overhead(g->len);
}

/* Hold n bytes of d in stage st until time t. */
static void
fault_hold(struct fault_pipe *p, struct fault_stage *st, double t,
    const unsigned char *d, size_t n)
{
	struct fault_seg *g = xmalloc(sizeof(*g) + n);

	g->next = NULL;
	g->t = t;
	g->len = n;
	memcpy(g->data, d, n);
	if (st->tail != NULL)
		st->tail->next = g;
	else
		st->head = g;
	st->tail = g;
	p->queued += n;
	p->overhead += fault_seg_overhead(n);
}

/* End the direction with act a of stage st (once). */
static void
fault_end(struct fault_pipe *p, struct fault_stage *st, enum fault_act a)
{
	if (p->ended)
		return;
	p->ended = 1;
	st->done = 1;
	st->fired++;
	p->sink.act(p->sink.arg, a, &st->spec);
}

/* Pass what stage i lets through from d, and end the direction with act
 * when its byte budget (size) runs out. */
static void
fault_budget(struct fault_pipe *p, size_t i, double now,
    const unsigned char *d, size_t n, enum fault_act act)
{
	struct fault_stage *st = &p->st[i];
	uint64_t room = st->spec.size - st->passed;
	size_t k = n < room ? n : (size_t)room;

	st->passed += k;
	if (k > 0)
		fault_stage_in(p, i + 1, now, d, k);
	if (st->passed >= st->spec.size && !p->ended)
		fault_end(p, st, act);
}

/* Bytes entering stage i at time now (i == n: the sink). */
static void
fault_stage_in(struct fault_pipe *p, size_t i, double now,
    const unsigned char *d, size_t n)
{
	struct fault_stage *st;
	size_t off, piece;
	double t;

	if (p->ended || n == 0)
		return;
	if (i == p->n) {
		p->sink.data(p->sink.arg, d, n);
		return;
	}
	st = &p->st[i];
	if (!st->active || st->done) {
		fault_stage_in(p, i + 1, now, d, n);
		return;
	}
	switch (st->spec.kind) {
	case FAULT_LATENCY:
		t = now + st->spec.dur;
		if (st->spec.jitter > 0)
			t += st->spec.jitter * (2 * rand_unit(p->rng) - 1);
		if (t < st->next_t)
			t = st->next_t;	/* never reorder the stream */
		st->next_t = t;
		st->fired++;
		if (t <= now && st->head == NULL)
			fault_stage_in(p, i + 1, now, d, n);
		else
			fault_hold(p, st, t, d, n);
		return;
	case FAULT_BANDWIDTH:
		piece = (size_t)(st->spec.size / FAULT_BW_SLICES);
		if (piece == 0)
			piece = 1;
		for (off = 0; off < n; off += piece) {
			size_t k = n - off < piece ? n - off : piece;

			t = st->next_t > now ? st->next_t : now;
			st->next_t = t + (double)k / (double)st->spec.size;
			fault_hold(p, st, t, d + off, k);
		}
		st->fired++;
		return;
	case FAULT_SLICER:
		t = st->next_t > now ? st->next_t : now;
		for (off = 0; off < n; off += piece) {
			piece = (size_t)st->spec.size;
			if (st->spec.variation > 0)
				piece = (size_t)(st->spec.size -
				    st->spec.variation + rand_below(p->rng,
				    2 * st->spec.variation + 1));
			if (piece > n - off)
				piece = n - off;
			fault_hold(p, st, t, d + off, piece);
			st->fired++;
			t += st->spec.dur;
		}
		st->next_t = t;
		return;
	case FAULT_MERGER:
		if (buf_len(&st->merge) == 0)
			st->merge_first = now;
		buf_append(&st->merge, d, n);
		p->queued += n;
		if (st->spec.size > 0 && buf_len(&st->merge) >= st->spec.size) {
			size_t m = buf_len(&st->merge);
			unsigned char *tmp = xmalloc(m);

			memcpy(tmp, buf_data(&st->merge), m);
			buf_reset(&st->merge);
			p->queued -= m;
			st->fired++;
			fault_stage_in(p, i + 1, now, tmp, m);
			free(tmp);
		}
		return;
	case FAULT_LIMIT_DATA:
		fault_budget(p, i, now, d, n, FAULT_ACT_CLOSE);
		return;
	case FAULT_HALF_CLOSE:
		fault_budget(p, i, now, d, n, FAULT_ACT_SHUTDOWN);
		return;
	case FAULT_RESET_PEER:
		if (st->spec.has_size)
			fault_budget(p, i, now, d, n, FAULT_ACT_RESET);
		else
			fault_stage_in(p, i + 1, now, d, n);
		return;
	case FAULT_TIMEOUT:
	case FAULT_BLACKHOLE:
		st->fired++;	/* dropped */
		return;
	case FAULT_CORRUPT:
		if (st->spec.size >= st->passed &&
		    st->spec.size - st->passed < n) {
			unsigned char *tmp = xmalloc(n);

			memcpy(tmp, d, n);
			tmp[st->spec.size - st->passed] ^= st->spec.xor;
			st->passed += n;
			st->fired++;
			st->done = 1;
			fault_stage_in(p, i + 1, now, tmp, n);
			free(tmp);
			return;
		}
		st->passed += n;
		fault_stage_in(p, i + 1, now, d, n);
		return;
	case FAULT_KIND_COUNT:
		break;
	}
	assert(0 && "fault kind");
}

/* Make stage st from spec s at time now. */
static void
fault_stage_init(struct fault_pipe *p, struct fault_stage *st,
    const struct fault_spec *s, double now)
{
	memset(st, 0, sizeof(*st));
	st->spec = *s;
	st->t0 = now;
	st->next_t = now;
	buf_init(&st->merge);
	st->active = s->toxicity >= 1 || (s->toxicity > 0 &&
	    rand_unit(p->rng) < s->toxicity);
}

struct fault_pipe *
fault_pipe_new(const struct fault_spec *specs, size_t n, double now,
    uint64_t *rng, const struct fault_sink *sink)
{
	struct fault_pipe *p = xcalloc(1, sizeof(*p));
	size_t i;

	p->sink = *sink;
	p->rng = rng;
	p->cap = n > 0 ? n : 1;
	p->st = xcalloc(p->cap, sizeof(*p->st));
	for (i = 0; i < n; i++)
		fault_stage_init(p, &p->st[i], &specs[i], now);
	p->n = n;
	return p;
}

/* Free what stage st holds, without passing it on. */
static void
fault_stage_clear(struct fault_pipe *p, struct fault_stage *st)
{
	struct fault_seg *g, *next;

	for (g = st->head; g != NULL; g = next) {
		next = g->next;
		fault_seg_out(p, g);
		free(g);
	}
	st->head = st->tail = NULL;
	p->queued -= buf_len(&st->merge);
	buf_free(&st->merge);
}

void
fault_pipe_free(struct fault_pipe *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		fault_stage_clear(p, &p->st[i]);
	free(p->st);
	free(p);
}

void
fault_pipe_add(struct fault_pipe *p, const struct fault_spec *s, double now)
{
	if (p->n == p->cap) {
		p->cap *= 2;
		p->st = xrealloc(p->st, p->cap * sizeof(*p->st));
	}
	fault_stage_init(p, &p->st[p->n], s, now);
	p->n++;
}

int
fault_pipe_remove(struct fault_pipe *p, uint32_t id, double now)
{
	struct fault_stage st;
	struct fault_seg *g, *next;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->st[i].spec.id == id)
			break;
	if (i == p->n)
		return 0;
	st = p->st[i];
	memmove(&p->st[i], &p->st[i + 1], (p->n - i - 1) * sizeof(*p->st));
	p->n--;
	/* What it held goes on at once to the stage that took its place. */
	for (g = st.head; g != NULL; g = next) {
		next = g->next;
		fault_seg_out(p, g);
		fault_stage_in(p, i, now, g->data, g->len);
		free(g);
	}
	if (buf_len(&st.merge) > 0) {
		p->queued -= buf_len(&st.merge);
		fault_stage_in(p, i, now, buf_data(&st.merge),
		    buf_len(&st.merge));
	}
	buf_free(&st.merge);
	return 1;
}

void
fault_pipe_push(struct fault_pipe *p, double now, const unsigned char *d,
    size_t n)
{
	fault_stage_in(p, 0, now, d, n);
}

void
fault_pipe_eof(struct fault_pipe *p, double now)
{
	p->eof = 1;
	(void)fault_pipe_poll(p, now);
}

/* Release what stage i holds that is due at now; returns its next
 * deadline or -1. */
static double
fault_stage_poll(struct fault_pipe *p, size_t i, double now)
{
	struct fault_stage *st = &p->st[i];
	const struct fault_spec *s = &st->spec;
	double next = -1;

	if (!st->active)
		return -1;
	while (st->head != NULL && st->head->t <= now && !p->ended) {
		struct fault_seg *g = st->head;

		st->head = g->next;
		if (st->head == NULL)
			st->tail = NULL;
		fault_seg_out(p, g);
		fault_stage_in(p, i + 1, now, g->data, g->len);
		free(g);
	}
	if (st->head != NULL)
		next = st->head->t;
	if (s->kind == FAULT_MERGER && buf_len(&st->merge) > 0) {
		if ((s->dur > 0 && now >= st->merge_first + s->dur) || p->eof) {
			size_t m = buf_len(&st->merge);
			unsigned char *tmp = xmalloc(m);

			memcpy(tmp, buf_data(&st->merge), m);
			buf_reset(&st->merge);
			p->queued -= m;
			st->fired++;
			fault_stage_in(p, i + 1, now, tmp, m);
			free(tmp);
		} else if (s->dur > 0)
			next = st->merge_first + s->dur;
	}
	if (!st->done && !p->ended && ((s->kind == FAULT_TIMEOUT &&
	    s->dur > 0) || (s->kind == FAULT_RESET_PEER && (s->has_dur ||
	    !s->has_size)))) {
		if (now >= st->t0 + s->dur)
			fault_end(p, st, s->kind == FAULT_TIMEOUT ?
			    FAULT_ACT_CLOSE : FAULT_ACT_RESET);
		else if (next < 0 || st->t0 + s->dur < next)
			next = st->t0 + s->dur;
	}
	return next;
}

double
fault_pipe_poll(struct fault_pipe *p, double now)
{
	double next = -1, t;
	size_t i;

	if (p->in_poll)
		return -1;
	p->in_poll = 1;
	for (i = 0; i < p->n && !p->ended; i++) {
		t = fault_stage_poll(p, i, now);
		if (t >= 0 && (next < 0 || t < next))
			next = t;
	}
	p->in_poll = 0;
	if (p->ended)
		return -1;
	for (i = 0; i < p->n; i++)
		if (p->st[i].active && (p->st[i].spec.kind == FAULT_BLACKHOLE ||
		    p->st[i].spec.kind == FAULT_TIMEOUT))
			return next;	/* the FIN is swallowed too */
	if (p->eof && !p->eof_sent && p->queued == 0) {
		p->eof_sent = 1;
		p->sink.act(p->sink.arg, FAULT_ACT_EOF, NULL);
	}
	return next;
}

int
fault_pipe_passthrough(const struct fault_pipe *p)
{
	return p->n == 0 && p->queued == 0 && !p->ended && !p->eof;
}

size_t
fault_pipe_queued(const struct fault_pipe *p)
{
	return p->queued;
}

size_t
fault_pipe_held(const struct fault_pipe *p)
{
	return p->queued + p->overhead;
}

int
fault_pipe_ended(const struct fault_pipe *p)
{
	return p->ended;
}

void
fault_pipe_stats(const struct fault_pipe *p,
    void (*fn)(void *arg, const struct fault_spec *s, int active,
    uint64_t fired), void *arg)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		fn(arg, &p->st[i].spec, p->st[i].active, p->st[i].fired);
}
