/* The dashboard's view model: rows, bounded message rings, sort and filter,
 * and throughput history, all fed by engine events. */
#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "clock.h"
#include "codec.h"
#include "ui_msgview.h"
#include "ui_model.h"
#include "util.h"

#define UI_HASH_MIN	256

/* The observer callback: forward to ui_model_event with the time. */
static void
ui_model_event_cb(void *ctx, const struct conn_info *ci,
    const struct obs_event *ev)
{
	ui_model_event(ctx, ci, ev, clock_now_mono());
}

static void ui_model_terms_free(struct ui_model *m);

void
ui_model_init(struct ui_model *m)
{
	struct timespec ts;

	memset(m, 0, sizeof(*m));
	m->obs.on_event = ui_model_event_cb;
	m->obs.ctx = m;
	m->hsize = UI_HASH_MIN;
	m->hash = xcalloc(m->hsize, sizeof(*m->hash));
	m->msg_total = UI_MSG_TOTAL;
	m->sort = UI_COL_ID;
	m->reverse = 1;
	m->view_dirty = 1;
	clock_gettime(CLOCK_REALTIME, &ts);
	m->wall_off = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 -
	    clock_now_mono();
	rate_init(&m->r_bytes);
	rate_init(&m->r_bin);
	rate_init(&m->r_bout);
	rate_init(&m->r_min);
	rate_init(&m->r_mout);
}

/* Unlink one message from its connection and the global list, free it. */
static void
ui_model_drop_msg(struct ui_model *m, struct ui_msg *msg)
{
	struct ui_conn *c = msg->conn;

	if (c->last_stale)
		(void)ui_model_last(c);
	if (msg->cprev != NULL)
		msg->cprev->cnext = msg->cnext;
	else
		c->mfirst = msg->cnext;
	if (msg->cnext != NULL)
		msg->cnext->cprev = msg->cprev;
	else
		c->mlast = msg->cprev;
	if (msg->gprev != NULL)
		msg->gprev->gnext = msg->gnext;
	else
		m->gfirst = msg->gnext;
	if (msg->gnext != NULL)
		msg->gnext->gprev = msg->gprev;
	else
		m->glast = msg->gprev;
	c->nmsgs--;
	if (msg->kind != UI_MSG_EVENT)
		c->lost++;
	m->msg_bytes -= sizeof(*msg) + msg->kept;
	free(msg);
}

/* Append a message to c, then trim c's ring and the global budget. */
static void
ui_model_add_msg(struct ui_model *m, struct ui_conn *c, enum ui_msg_kind kind,
    const void *data, size_t len, double now)
{
	size_t kept = len < UI_MSG_BYTES ? len : UI_MSG_BYTES;
	struct ui_msg *msg = xmalloc(sizeof(*msg) + kept);

	msg->conn = c;
	msg->t = now;
	msg->kind = kind;
	msg->len = len;
	msg->kept = kept;
	if (kept > 0)
		memcpy(msg->data, data, kept);
	msg->cnext = NULL;
	msg->cprev = c->mlast;
	if (c->mlast != NULL)
		c->mlast->cnext = msg;
	else
		c->mfirst = msg;
	c->mlast = msg;
	msg->gnext = NULL;
	msg->gprev = m->glast;
	if (m->glast != NULL)
		m->glast->gnext = msg;
	else
		m->gfirst = msg;
	m->glast = msg;
	c->nmsgs++;
	m->msg_bytes += sizeof(*msg) + kept;
	if (kind != UI_MSG_EVENT)
		c->last_stale = 1;
	while (c->nmsgs > UI_MSG_MAX)
		ui_model_drop_msg(m, c->mfirst);
	while (m->msg_bytes > m->msg_total && m->gfirst != msg)
		ui_model_drop_msg(m, m->gfirst);
}

/* Add a formatted event line to c's message log. */
static void __attribute__((format(printf, 4, 5)))
ui_model_note(struct ui_model *m, struct ui_conn *c, double now,
    const char *fmt, ...)
{
	char text[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	ui_model_add_msg(m, c, UI_MSG_EVENT, text,
	    (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1, now);
}

void
ui_model_add_note(struct ui_model *m, uint64_t id, double now,
    const char *text)
{
	struct ui_conn *c = ui_model_find(m, id);

	if (c != NULL)
		ui_model_note(m, c, now, "%s", text);
}

/* Double the hash table and rehash every row. */
static void
ui_model_grow(struct ui_model *m)
{
	size_t nsize = m->hsize * 2, i, b;
	struct ui_conn **nh = xcalloc(nsize, sizeof(*nh)), *c, *next;

	for (i = 0; i < m->hsize; i++)
		for (c = m->hash[i]; c != NULL; c = next) {
			next = c->hnext;
			b = (size_t)c->info.id & (nsize - 1);
			c->hnext = nh[b];
			nh[b] = c;
		}
	free(m->hash);
	m->hash = nh;
	m->hsize = nsize;
}

struct ui_conn *
ui_model_find(const struct ui_model *m, uint64_t id)
{
	struct ui_conn *c;

	for (c = m->hash[(size_t)id & (m->hsize - 1)]; c != NULL; c = c->hnext)
		if (c->info.id == id)
			return c;
	return NULL;
}

/* Make a row for ci and list it (in the view too, if it matches). */
static struct ui_conn *
ui_model_add_conn(struct ui_model *m, const struct conn_info *ci)
{
	struct ui_conn *c = xcalloc(1, sizeof(*c));
	size_t b;

	c->info = *ci;
	c->live = ci;
	if (m->nconns >= m->hsize)
		ui_model_grow(m);
	b = (size_t)ci->id & (m->hsize - 1);
	c->hnext = m->hash[b];
	m->hash[b] = c;
	c->prev = m->last;
	if (m->last != NULL)
		m->last->next = c;
	else
		m->first = c;
	m->last = c;
	m->nconns++;
	if (!m->view_dirty && m->sort == UI_COL_ID && !m->reverse &&
	    ui_model_matches(m, c)) {
		if (m->nview == m->view_cap) {
			m->view_cap = m->view_cap ? m->view_cap * 2 : 256;
			m->view = xrealloc(m->view,
			    m->view_cap * sizeof(*m->view));
		}
		m->view[m->nview++] = c;
		c->in_view = 1;
	}
	return c;
}

/* Unlink a row from the hash and the list and free it with its messages. */
static void
ui_model_free_conn(struct ui_model *m, struct ui_conn *c)
{
	struct ui_conn **pp;

	while (c->mfirst != NULL) {
		c->last_stale = 0;
		ui_model_drop_msg(m, c->mfirst);
	}
	for (pp = &m->hash[(size_t)c->info.id & (m->hsize - 1)]; *pp != NULL;
	    pp = &(*pp)->hnext)
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		m->first = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		m->last = c->prev;
	m->nconns--;
	if (c->t_gone != 0)
		m->nclosed--;
	free(c);
}

void
ui_model_free(struct ui_model *m)
{
	while (m->first != NULL)
		ui_model_free_conn(m, m->first);
	ui_model_terms_free(m);
	free(m->hash);
	free(m->view);
	memset(m, 0, sizeof(*m));
}

static void ui_model_recheck(struct ui_model *m, struct ui_conn *c);

void
ui_model_event(struct ui_model *m, const struct conn_info *ci,
    const struct obs_event *ev, double now)
{
	struct ui_conn *c = ui_model_find(m, ci->id);

	if (c == NULL)
		c = ui_model_add_conn(m, ci);
	switch (ev->kind) {
	case OBS_OPENED:
		c->info = *ci;
		c->live = ci;
		break;
	case OBS_STATE:
		c->info = *ci;
		if (ci->state == CS_OPEN)
			ui_model_note(m, c, now, "open: %s -> %s", ci->local,
			    ci->peer);
		break;
	case OBS_MSG:
		if (ev->frame != NULL && c->pair_id == 0)
			ui_model_add_msg(m, c, ev->out ? UI_MSG_OUT : UI_MSG_IN,
			    ev->frame->frame, ev->frame->frame_len, now);
		break;
	case OBS_ERROR:
		ui_model_note(m, c, now, "error: %s",
		    ev->text != NULL ? ev->text : "?");
		break;
	case OBS_CLOSED:
		c->info = *ci;
		c->info.tls = NULL;	/* freed with the connection */
		c->live = NULL;
		if (c->t_gone == 0) {
			c->t_gone = now;
			m->nclosed++;
		}
		ui_model_note(m, c, now, "%s: %s", conn_state_name(ci->state),
		    ci->reason[0] != '\0' ? ci->reason : "no reason given");
		break;
	}
	if (ev->kind == OBS_STATE || ev->kind == OBS_CLOSED)
		ui_model_recheck(m, c);
}

const struct conn_info *
ui_model_conn_info(const struct ui_conn *c)
{
	return c->live != NULL ? c->live : &c->info;
}

/* Render msg into out; without its codec header if body_only. */
static void
ui_model_render(const struct ui_conn *c, const struct ui_msg *msg,
    int body_only, char *out, size_t outlen)
{
	const struct codec *cd = ui_model_codec(c);
	struct codec_frame f;
	char tail[48];
	size_t o;

	if (outlen == 0)
		return;
	if (msg->kind == UI_MSG_EVENT) {
		escape_bytes(msg->data, msg->kept, out, outlen, 1);
		return;
	}
	if (cd != NULL && cd->describe != NULL && msg->kept == msg->len &&
	    msg->kept > 0 && ui_msgview_decode(cd, msg->data, msg->kept,
	    &f) > 0) {
		if (body_only && f.head != NULL) {
			f.head = NULL;
			f.head_len = 0;
		}
		cd->describe(&f, out, outlen);
		if (body_only && out[0] == ' ')
			memmove(out, out + 1, strlen(out));
		return;
	}
	tail[0] = '\0';
	if (msg->kept < msg->len)
		snprintf(tail, sizeof(tail), " (%zu bytes)", msg->len);
	o = escape_bytes(msg->data, msg->kept, out,
	    outlen > strlen(tail) + 1 ? outlen - strlen(tail) : 1, 1);
	if (o + strlen(tail) < outlen)
		memcpy(out + o, tail, strlen(tail) + 1);
}

void
ui_model_pair(struct ui_model *m, uint64_t no, uint64_t a, uint64_t b)
{
	struct ui_conn *ca = ui_model_find(m, a), *cb = ui_model_find(m, b);

	if (ca != NULL) {
		ca->pair_id = b;
		ca->pair_no = no;
	}
	if (cb != NULL) {
		cb->pair_id = a;
		cb->pair_no = no;
	}
}

void
ui_model_pair_msg(struct ui_model *m, uint64_t a, uint64_t b, int c2s,
    const struct codec *cd, const void *frame, size_t len, double now)
{
	uint64_t ids[2] = { a, b };
	int i;

	for (i = 0; i < 2; i++) {
		struct ui_conn *c = ids[i] != 0 ? ui_model_find(m, ids[i]) :
		    NULL;
		int accepted;

		if (c == NULL || c->pair_id == 0)
			continue;
		accepted = c->info.side == SIDE_SERVER;
		c->pair_codec = cd;
		ui_model_add_msg(m, c, accepted == (c2s != 0) ? UI_MSG_IN :
		    UI_MSG_OUT, frame, len, now);
	}
}

const struct codec *
ui_model_codec(const struct ui_conn *c)
{
	return c->pair_codec != NULL ? c->pair_codec :
	    ui_model_conn_info(c)->codec;
}

bool
ui_model_msg_c2s(const struct ui_conn *c, const struct ui_msg *msg)
{
	return (c->info.side == SIDE_SERVER) == (msg->kind == UI_MSG_IN);
}

void
ui_model_describe(const struct ui_conn *c, const struct ui_msg *msg,
    char *out, size_t outlen)
{
	ui_model_render(c, msg, 0, out, outlen);
}

const char *
ui_model_last(struct ui_conn *c)
{
	struct ui_msg *msg;

	if (!c->last_stale)
		return c->last;
	c->last_stale = 0;
	for (msg = c->mlast; msg != NULL; msg = msg->cprev)
		if (msg->kind != UI_MSG_EVENT) {
			ui_model_render(c, msg, 1, c->last, sizeof(c->last));
			break;
		}
	return c->last;
}

/* The port of "HOST:PORT" or "[V6]:PORT", or 0. */
static unsigned
ui_model_port_of(const char *addr)
{
	const char *colon = strrchr(addr, ':');

	return colon != NULL ? (unsigned)strtoul(colon + 1, NULL, 10) : 0;
}

/* Whether one term (its negation aside) matches row c. */
static bool
ui_model_term_matches(const struct ui_model *m, const struct ui_term *t,
    struct ui_conn *c, const struct conn_info *ci)
{
	const char *texts[4], *role;
	size_t i;

	switch (t->kind) {
	case UI_TERM_STATE:
		return strncasecmp(conn_state_name(ci->state), t->text,
		    strlen(t->text)) == 0;
	case UI_TERM_SIDE:
		return (ci->side == SIDE_CLIENT) == (tolower((unsigned char)
		    t->text[0]) == 'c');
	case UI_TERM_ROLE:
		role = m->role_of != NULL ? m->role_of(m->role_ctx, ci) : NULL;
		return role != NULL && strcmp(role, t->text) == 0;
	case UI_TERM_PORT:
		return ui_model_port_of(ci->local) == t->port ||
		    ui_model_port_of(ci->peer) == t->port;
	case UI_TERM_TEXT:
	case UI_TERM_REGEX:
		break;
	}
	texts[0] = conn_state_name(ci->state);
	texts[1] = ci->peer;
	texts[2] = ci->reason;
	texts[3] = ui_model_last(c);
	for (i = 0; i < 4; i++)
		if (t->kind == UI_TERM_TEXT ? strcasestr(texts[i], t->text) !=
		    NULL : regexec(&t->re, texts[i], 0, NULL, 0) == 0)
			return true;
	return false;
}

bool
ui_model_has_text(struct ui_conn *c, const char *text)
{
	const struct conn_info *ci = ui_model_conn_info(c);

	return strcasestr(conn_state_name(ci->state), text) != NULL ||
	    strcasestr(ci->peer, text) != NULL ||
	    strcasestr(ci->reason, text) != NULL ||
	    strcasestr(ui_model_last(c), text) != NULL;
}

bool
ui_model_matches(const struct ui_model *m, struct ui_conn *c)
{
	const struct conn_info *ci;
	size_t i;

	ci = ui_model_conn_info(c);
	if (m->failed_only && ci->state != CS_FAILED)
		return false;
	if (m->filter_err[0] != '\0')
		return false;
	for (i = 0; i < m->nterms; i++)
		if (ui_model_term_matches(m, &m->terms[i], c, ci) ==
		    m->terms[i].negate)
			return false;
	return true;
}

void
ui_model_reason(const struct ui_conn *c, char *out, size_t outlen)
{
	static const char *const prefixes[] = {
		"scenario failed at ", "finally failed at ",
	};
	const char *r = c->t_gone != 0 ? c->info.reason : "";
	const char *colon, *slash;
	size_t i;

	assert(outlen > 0);
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);

		if (strncmp(r, prefixes[i], n) != 0)
			continue;
		/* The file ends at the first ":digit" after the prefix. */
		for (colon = r + n; (colon = strchr(colon, ':')) != NULL;
		    colon++)
			if (colon[1] >= '0' && colon[1] <= '9')
				break;
		if (colon == NULL)
			break;
		slash = memrchr(r + n, '/', (size_t)(colon - (r + n)));
		snprintf(out, outlen, "%s%s", i == 1 ? "finally " : "",
		    slash != NULL ? slash + 1 : r + n);
		return;
	}
	snprintf(out, outlen, "%s", r);
}

size_t
ui_model_expire(struct ui_model *m, double now)
{
	struct ui_conn *c, *next;
	size_t i, o, doomed = 0;

	for (c = m->first; c != NULL; c = c->next)
		if (c->t_gone > 0 && !c->pinned &&
		    ((!m->keep_closed && now - c->t_gone >= UI_LINGER) ||
		    m->nclosed - doomed > UI_CLOSED_MAX)) {
			c->t_gone = -1;
			doomed++;
		}
	if (doomed == 0)
		return 0;
	for (i = o = 0; i < m->nview; i++)
		if (m->view[i]->t_gone >= 0)
			m->view[o++] = m->view[i];
	m->nview = o;
	for (c = m->first; c != NULL; c = next) {
		next = c->next;
		if (c->t_gone < 0)
			ui_model_free_conn(m, c);
	}
	return doomed;
}

/* Compare two numbers for a sort. */
static int
ui_model_cmpu(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* qsort_r comparator: the model's sort column, then id. */
static int
ui_model_cmp(const void *pa, const void *pb, void *arg)
{
	const struct ui_model *m = arg;
	struct ui_conn *ca = *(struct ui_conn *const *)pa;
	struct ui_conn *cb = *(struct ui_conn *const *)pb;
	const struct conn_info *a = ui_model_conn_info(ca), *b = ui_model_conn_info(cb);
	int r = 0;

	switch (m->sort) {
	case UI_COL_ID:
		break;
	case UI_COL_SIDE:
		r = ui_model_cmpu(a->side, b->side);
		if (r == 0)	/* a runner's tag: its role, in file order */
			r = ui_model_cmpu((uintptr_t)a->tag, (uintptr_t)b->tag);
		break;
	case UI_COL_STATE:
		r = ui_model_cmpu(a->state, b->state);
		break;
	case UI_COL_CODEC:
		r = strcmp(a->codec != NULL ? a->codec->name : "",
		    b->codec != NULL ? b->codec->name : "");
		break;
	case UI_COL_LOCAL:
		r = strcmp(a->local, b->local);
		break;
	case UI_COL_PEER:
		r = strcmp(a->peer, b->peer);
		break;
	case UI_COL_BIN:
		r = ui_model_cmpu(a->bytes_in, b->bytes_in);
		break;
	case UI_COL_BOUT:
		r = ui_model_cmpu(a->bytes_out, b->bytes_out);
		break;
	case UI_COL_MIN:
		r = ui_model_cmpu(a->msgs_in, b->msgs_in);
		break;
	case UI_COL_MOUT:
		r = ui_model_cmpu(a->msgs_out, b->msgs_out);
		break;
	case UI_COL_RTT:
		r = a->rtt_last < b->rtt_last ? -1 : a->rtt_last > b->rtt_last;
		break;
	case UI_COL_LAST:
		r = strcmp(ca->last, cb->last);
		break;
	case UI_COL_COUNT:
		break;
	}
	if (r == 0)
		r = ui_model_cmpu(a->id, b->id);
	return m->reverse ? -r : r;
}

/* A row's state changed: under a filter (or the failed-only view) it may
 * now match or no longer; put it in or take it out of the view at once,
 * where the order says (the order is not recomputed: other rows keep
 * their places until the next re-sort). */
static void
ui_model_recheck(struct ui_model *m, struct ui_conn *c)
{
	size_t lo = 0, hi, i;
	bool match;

	if (m->view_dirty || (m->nterms == 0 && !m->failed_only))
		return;		/* a refresh is due anyway, or all match */
	match = ui_model_matches(m, c);
	if (match == (c->in_view != 0))
		return;
	if (!match) {
		for (i = 0; i < m->nview && m->view[i] != c; i++)
			;
		if (i < m->nview) {
			memmove(&m->view[i], &m->view[i + 1],
			    (m->nview - i - 1) * sizeof(*m->view));
			m->nview--;
		}
		c->in_view = 0;
		return;
	}
	if (m->nview == m->view_cap) {
		m->view_cap = m->view_cap ? m->view_cap * 2 : 256;
		m->view = xrealloc(m->view, m->view_cap * sizeof(*m->view));
	}
	for (hi = m->nview; lo < hi; ) {
		size_t mid = lo + (hi - lo) / 2;

		if (ui_model_cmp(&m->view[mid], &c, m) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(&m->view[lo + 1], &m->view[lo], (m->nview - lo) *
	    sizeof(*m->view));
	m->view[lo] = c;
	m->nview++;
	c->in_view = 1;
}

void
ui_model_refresh(struct ui_model *m, double now)
{
	struct ui_conn *c;

	if (m->view_cap < m->nconns) {
		m->view_cap = m->nconns + m->nconns / 2 + 16;
		m->view = xrealloc(m->view, m->view_cap * sizeof(*m->view));
	}
	m->nview = 0;
	for (c = m->first; c != NULL; c = c->next) {
		c->in_view = ui_model_matches(m, c);
		if (c->in_view) {
			if (m->sort == UI_COL_LAST)
				(void)ui_model_last(c);
			m->view[m->nview++] = c;
		}
	}
	if (m->nview > 1 && (m->sort != UI_COL_ID || m->reverse))
		qsort_r(m->view, m->nview, sizeof(*m->view), ui_model_cmp, m);
	m->view_dirty = 0;
	m->t_sorted = now;
}

void
ui_model_set_failed_only(struct ui_model *m, bool on)
{
	m->failed_only = on;
	m->view_dirty = 1;
}

void
ui_model_set_sort(struct ui_model *m, enum ui_col col, int reverse)
{
	assert(col < UI_COL_COUNT);
	m->sort = col;
	m->reverse = reverse;
	m->view_dirty = 1;
}

/* Free the compiled terms of the filter. */
static void
ui_model_terms_free(struct ui_model *m)
{
	size_t i;

	for (i = 0; i < m->nterms; i++)
		if (m->terms[i].kind == UI_TERM_REGEX)
			regfree(&m->terms[i].re);
	m->nterms = 0;
}

/* Parse one term of len bytes at w into t; 0, or -1 with m->filter_err. */
static int
ui_model_term_parse(struct ui_model *m, const char *w, size_t len,
    struct ui_term *t)
{
	static const struct {
		const char	*name;
		enum ui_term_kind kind;
	} fields[] = {
		{ "state:", UI_TERM_STATE }, { "side:", UI_TERM_SIDE },
		{ "role:", UI_TERM_ROLE }, { "port:", UI_TERM_PORT },
	};
	char *end;
	size_t i;
	int rc;

	memset(t, 0, sizeof(*t));
	if (len > 1 && w[0] == '!') {
		t->negate = true;
		w++;
		len--;
	}
	snprintf(t->text, sizeof(t->text), "%.*s", (int)len, w);
	t->kind = UI_TERM_TEXT;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		size_t n = strlen(fields[i].name);

		if (strncasecmp(t->text, fields[i].name, n) != 0)
			continue;
		t->kind = fields[i].kind;
		memmove(t->text, t->text + n, strlen(t->text + n) + 1);
		break;
	}
	switch (t->kind) {
	case UI_TERM_PORT:
		t->port = (unsigned)strtoul(t->text, &end, 10);
		if (t->text[0] < '0' || t->text[0] > '9' || *end != '\0' ||
		    t->port > 65535) {
			snprintf(m->filter_err, sizeof(m->filter_err),
			    "port:%s is not a port number", t->text);
			return -1;
		}
		return 0;
	case UI_TERM_SIDE:
		if (strcasecmp(t->text, "cli") != 0 &&
		    strcasecmp(t->text, "srv") != 0 &&
		    strcasecmp(t->text, "client") != 0 &&
		    strcasecmp(t->text, "server") != 0) {
			snprintf(m->filter_err, sizeof(m->filter_err),
			    "side:%s: expected side:cli or side:srv", t->text);
			return -1;
		}
		return 0;
	case UI_TERM_TEXT:
		if (strpbrk(t->text, ".[]()*+?{}|^$\\") == NULL)
			return 0;
		if ((rc = regcomp(&t->re, t->text, REG_EXTENDED | REG_ICASE |
		    REG_NOSUB)) != 0) {
			char why[80];

			regerror(rc, &t->re, why, sizeof(why));
			snprintf(m->filter_err, sizeof(m->filter_err),
			    "'%s' is not a regular expression: %s", t->text,
			    why);
			return -1;
		}
		t->kind = UI_TERM_REGEX;
		return 0;
	default:
		return 0;
	}
}

void
ui_model_set_filter(struct ui_model *m, const char *filter)
{
	const char *p = filter;
	size_t len;

	ui_model_terms_free(m);
	snprintf(m->filter, sizeof(m->filter), "%s", filter);
	m->filter_err[0] = '\0';
	m->view_dirty = 1;
	for (;;) {
		p += strspn(p, " ");
		if (*p == '\0')
			break;
		len = strcspn(p, " ");
		if (m->nterms == UI_FILTER_TERMS) {
			snprintf(m->filter_err, sizeof(m->filter_err),
			    "more than %d terms", UI_FILTER_TERMS);
			return;
		}
		if (ui_model_term_parse(m, p, len, &m->terms[m->nterms]) < 0)
			return;
		m->nterms++;
		p += len;
	}
}

long
ui_model_index(const struct ui_model *m, uint64_t id)
{
	size_t i;

	for (i = 0; i < m->nview; i++)
		if (m->view[i]->info.id == id)
			return (long)i;
	return -1;
}

void
ui_model_sample(struct ui_model *m, const struct engine_totals *tot,
    double now)
{
	uint64_t bin, bout;

	if (m->t_sample == 0) {
		m->last_tot = *tot;
		m->t_sample = now;
		rate_add(&m->r_bytes, now, 0);
		return;
	}
	bin = tot->bytes_in - m->last_tot.bytes_in;
	bout = tot->bytes_out - m->last_tot.bytes_out;
	rate_add(&m->r_bytes, now, bin + bout);
	rate_add(&m->r_bin, now, bin);
	rate_add(&m->r_bout, now, bout);
	rate_add(&m->r_min, now, tot->msgs_in - m->last_tot.msgs_in);
	rate_add(&m->r_mout, now, tot->msgs_out - m->last_tot.msgs_out);
	m->last_tot = *tot;
	m->t_sample = now;
}

const char *
ui_model_col_name(enum ui_col col)
{
	static const char *const names[UI_COL_COUNT] = {
		"ID", "SIDE", "STATE", "CODEC", "LOCAL", "PEER", "BYTES IN",
		"BYTES OUT", "MSG IN", "MSG OUT", "RTT", "LAST MESSAGE"
	};

	assert(col < UI_COL_COUNT);
	return names[col];
}
