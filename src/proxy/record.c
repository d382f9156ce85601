/* Recording a proxied conversation as a client scenario and a server
 * (accept block) scenario, with rules that turn per-run values into
 * captures. */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "buf.h"
#include "codec.h"
#include "file.h"
#include "lex.h"
#include "record.h"
#include "util.h"

#define RECORD_RULE_LINE_MAX	1024	/* bytes of one rule line */
#define RECORD_VALUE_MIN	3	/* shortest value replaced in sends */
#define RECORD_VALUES_MAX	256	/* captured values remembered */
#define RECORD_WAIT_MIN		0.010	/* s of pause kept as a wait */

/* One rule: a capture name and its compiled regex. */
struct record_rule {
	char		 name[33];
	char		*pattern;	/* as written, for the capture step */
	regex_t		 re;
};

/* Rules from a --record-rules file. Made by record_rules_parse, freed by
 * record_rules_free. */
struct record_rules {
	struct record_rule	*r;
	size_t			 n;
};

/* One message as it passed. */
struct record_msg {
	int		 from_client;
	double		 t;
	size_t		 off, len;	/* in the recorder's bytes */
};

/* A connection's conversation. Made by record_new, freed by
 * record_free. */
struct recorder {
	uint64_t			 id;
	char				*target;
	const struct record_rules	*rules;
	struct buf			 bytes;
	struct record_msg		*msgs;
	size_t				 n, cap;
	size_t				 cost;		/* bytes + per-message
							   overhead, against
							   RECORD_MAX_BYTES */
	int				 truncated;
	uint64_t			 dropped_msgs;	/* past the caps */
	uint64_t			 dropped_bytes;
};

/* A value a capture will hold at replay, and its name. */
struct record_value {
	const char		*name;
	const unsigned char	*p;
	size_t			 n;
};

int
record_rules_parse(const char *text, size_t len, const char *path,
    struct record_rules **out, char *err, size_t errlen)
{
	struct record_rules *rs = xcalloc(1, sizeof(*rs));
	size_t pos = 0, lineno = 0;

	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n',
		    len - pos);
		size_t n = nl != NULL ? (size_t)(nl - line) : len - pos, k;
		char buf[RECORD_RULE_LINE_MAX], *sp, *pat, why[160];
		struct record_rule *r;
		int rc;

		pos += n + (nl != NULL);
		lineno++;
		while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' ||
		    line[n - 1] == '\t'))
			n--;
		while (n > 0 && (*line == ' ' || *line == '\t')) {
			line++;
			n--;
		}
		if (n == 0 || *line == '#')
			continue;
		if (n >= sizeof(buf) || memchr(line, '\0', n) != NULL) {
			snprintf(err, errlen, "%s:%zu: a rule line over %d bytes "
			    "or with a NUL byte", path, lineno,
			    RECORD_RULE_LINE_MAX - 1);
			goto fail;
		}
		memcpy(buf, line, n);
		buf[n] = '\0';
		sp = strpbrk(buf, " \t");
		if (sp == NULL) {
			snprintf(err, errlen, "%s:%zu: expected NAME REGEX, got "
			    "only '%.40s'", path, lineno, buf);
			goto fail;
		}
		*sp = '\0';
		pat = sp + 1;
		while (*pat == ' ' || *pat == '\t')
			pat++;
		for (k = 0; buf[k] != '\0'; k++)
			if (!(buf[k] == '_' || (buf[k] >= 'a' && buf[k] <= 'z') ||
			    (buf[k] >= 'A' && buf[k] <= 'Z') || (k > 0 &&
			    buf[k] >= '0' && buf[k] <= '9')))
				break;
		if (buf[k] != '\0' || k == 0 || k > 32) {
			snprintf(err, errlen, "%s:%zu: expected a capture name "
			    "(a letter or _, then letters, digits, _; at most "
			    "32), got '%.40s'", path, lineno, buf);
			goto fail;
		}
		if (rs->n == RECORD_RULES_MAX) {
			snprintf(err, errlen, "%s:%zu: more than %d rules", path,
			    lineno, RECORD_RULES_MAX);
			goto fail;
		}
		if (lex_regex_bounded(pat, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s:%zu: regex '%.60s': %s", path,
			    lineno, pat, why);
			goto fail;
		}
		rs->r = xrealloc(rs->r, (rs->n + 1) * sizeof(*rs->r));
		r = &rs->r[rs->n];
		memset(r, 0, sizeof(*r));
		if ((rc = regcomp(&r->re, pat, REG_EXTENDED)) != 0) {
			regerror(rc, &r->re, why, sizeof(why));
			snprintf(err, errlen, "%s:%zu: regex '%.60s': %s", path,
			    lineno, pat, why);
			goto fail;
		}
		memcpy(r->name, buf, k + 1);
		r->pattern = xstrdup(pat);
		rs->n++;
	}
	*out = rs;
	return 0;
fail:
	record_rules_free(rs);
	return -1;
}

int
record_rules_load(const char *path, struct record_rules **out, char *err,
    size_t errlen)
{
	struct buf b;
	char ferr[256];
	int rc, too_big = 0;

	buf_init(&b);
	if (file_read_regular(path, 1 << 20, &b, &too_big, ferr,
	    sizeof(ferr)) < 0) {
		snprintf(err, errlen, "%s: %s", path, ferr);
		buf_free(&b);
		return -1;
	}
	rc = record_rules_parse((const char *)buf_data(&b), buf_len(&b), path,
	    out, err, errlen);
	buf_free(&b);
	return rc;
}

void
record_rules_free(struct record_rules *rs)
{
	size_t i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n; i++) {
		regfree(&rs->r[i].re);
		free(rs->r[i].pattern);
	}
	free(rs->r);
	free(rs);
}

struct recorder *
record_new(uint64_t id, const char *target, const struct record_rules *rules)
{
	struct recorder *r = xcalloc(1, sizeof(*r));

	r->id = id;
	r->target = xstrdup(target != NULL ? target : "");
	r->rules = rules;
	buf_init(&r->bytes);
	return r;
}

void
record_msg(struct recorder *r, int from_client, const unsigned char *p,
    size_t n, double t)
{
	struct record_msg *m;
	size_t cost = n + sizeof(struct record_msg);

	if (n == 0)
		return;
	if (r->truncated || r->n >= RECORD_MAX_MSGS ||
	    r->cost + cost > RECORD_MAX_BYTES) {
		/* Past a cap nothing more is kept, only counted. */
		r->truncated = 1;
		r->dropped_msgs++;
		r->dropped_bytes += n;
		return;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		if (r->cap > RECORD_MAX_MSGS)
			r->cap = RECORD_MAX_MSGS;
		r->msgs = xrealloc(r->msgs, r->cap * sizeof(*r->msgs));
	}
	m = &r->msgs[r->n++];
	m->from_client = from_client != 0;
	m->t = t;
	m->off = buf_len(&r->bytes);
	m->len = n;
	r->cost += cost;
	buf_append(&r->bytes, p, n);
}

size_t
record_held(const struct recorder *r)
{
	return r->cost;
}

void
record_free(struct recorder *r)
{
	if (r == NULL)
		return;
	buf_free(&r->bytes);
	free(r->msgs);
	free(r->target);
	free(r);
}

/* Append p[0..n) inside a scenario string: escapes for quotes,
 * backslashes, `$` and every byte that is not printable ASCII. */
static void
rec_text(const unsigned char *p, size_t n, struct buf *b)
{
	size_t i, k;

	for (i = 0; i < n; i++)
		switch (p[i]) {
		case '\n': buf_append_str(b, "\\n"); break;
		case '\r': buf_append_str(b, "\\r"); break;
		case '\t': buf_append_str(b, "\\t"); break;
		case '\\': buf_append_str(b, "\\\\"); break;
		case '"': buf_append_str(b, "\\\""); break;
		case '$': buf_append_str(b, "\\$"); break;
		default:
			if (p[i] >= 0x20 && p[i] < 0x7f)
				buf_append(b, p + i, 1);
			else if (p[i] >= 0x80 &&
			    (k = utf8_seq_len(p + i, n - i)) > 0) {
				buf_append(b, p + i, k);	/* UTF-8 */
				i += k - 1;
			} else
				buf_printf(b, "\\x%02x", p[i]);
		}
}

/* Append p[0..n) as a quoted string in which every known value (at least
 * RECORD_VALUE_MIN bytes) becomes its ${NAME}. */
static void
rec_text_subst(const unsigned char *p, size_t n,
    const struct record_value *v, size_t nv, struct buf *b)
{
	size_t i = 0, start = 0, k;

	buf_append_str(b, "\"");
	while (i < n) {
		for (k = nv; k-- > 0;)
			if (v[k].n >= RECORD_VALUE_MIN && v[k].n <= n - i &&
			    memcmp(p + i, v[k].p, v[k].n) == 0)
				break;
		if (k == (size_t)-1) {
			i++;
			continue;
		}
		rec_text(p + start, i - start, b);
		buf_printf(b, "${%s}", v[k].name);
		i += v[k].n;
		start = i;
	}
	rec_text(p + start, n - start, b);
	buf_append_str(b, "\"");
}

/* Append p[0..n) as a regex in a scenario string that matches exactly
 * those bytes (ERE metacharacters escaped), except [cut, cut + cutn),
 * which matches any text. */
static void
rec_regex(const unsigned char *p, size_t n, size_t cut, size_t cutn,
    struct buf *b)
{
	size_t i;

	buf_append_str(b, "\"^");
	for (i = 0; i < n; i++) {
		if (i == cut) {
			buf_append_str(b, ".+");
			i += cutn - 1;
			continue;
		}
		if (strchr(".[](){}*+?|^$\\", p[i]) != NULL && p[i] != '\0') {
			buf_append_str(b, "\\\\");
			rec_text(p + i, 1, b);
		} else
			rec_text(p + i, 1, b);
	}
	buf_append_str(b, "$\"");
}

/* The frame's head as one-line JSON an `header` option takes, or NULL. */
static char *
rec_head(const struct codec_frame *f)
{
	if (f->head == NULL || f->head_len == 0 || f->head[0] != '{' ||
	    memchr(f->head, '\n', f->head_len) != NULL ||
	    memchr(f->head, '\0', f->head_len) != NULL ||
	    memmem(f->head, f->head_len, "${", 2) != NULL)
		return NULL;
	return xstrndup((const char *)f->head, f->head_len);
}

/* Decode one whole message with cd into f: 1 when it is exactly one
 * frame. */
static int
rec_decode(const struct codec *cd, const unsigned char *p, size_t n,
    struct codec_frame *f)
{
	struct codec_cursor *cur = NULL;
	char err[128];
	ssize_t used;

	memset(f, 0, sizeof(*f));
	used = codec_decode(cd, &cur, p, n, n + 1, f, err, sizeof(err));
	if (used == CODEC_NEED_MORE)
		used = codec_decode_eof(cd, &cur, p, n, n + 1, f, err,
		    sizeof(err));
	codec_cursor_free(&cur);
	return used == (ssize_t)n;
}

/* Append the send step that puts message p[0..n) on the wire again:
 * through the codec when it frames the body to the same bytes (so a
 * value's length may change), else raw. */
static void
rec_send(const struct codec *cd, const unsigned char *p, size_t n,
    const struct record_value *v, size_t nv, struct buf *b,
    const char *indent)
{
	struct codec_frame f;
	struct buf enc;
	char err[128], *head = NULL;
	int same = 0;

	buf_init(&enc);
	if (cd != &codec_raw && rec_decode(cd, p, n, &f)) {
		head = rec_head(&f);
		same = cd->encode(f.body, f.body_len, head, &enc, err,
		    sizeof(err)) == 0 && buf_len(&enc) == n &&
		    memcmp(buf_data(&enc), p, n) == 0;
	}
	buf_free(&enc);
	buf_append_str(b, indent);
	if (same) {
		buf_append_str(b, "send ");
		rec_text_subst(f.body, f.body_len, v, nv, b);
		if (head != NULL)
			buf_printf(b, " header %s", head);
	} else {
		buf_append_str(b, "send raw ");
		rec_text_subst(p, n, v, nv, b);
	}
	buf_append_str(b, "\n");
	free(head);
}

/* Append the expect step for message p[0..n) (its payload as the codec
 * decodes it) and a capture step per rule that matches it, remembering
 * each captured value in v. */
static void
rec_expect(const struct recorder *r, const struct codec *cd,
    const unsigned char *p, size_t n, struct record_value *v, size_t *nv,
    struct buf *b, const char *indent)
{
	struct codec_frame f;
	const unsigned char *body = p;
	size_t blen = n, i;
	char *text;
	regmatch_t m[2];
	int matched = 0;

	if (cd != &codec_raw && rec_decode(cd, p, n, &f)) {
		body = f.body;
		blen = f.body_len;
	} else if (cd != &codec_raw) {
		buf_printf(b, "%s# %zu bytes that did not decode as one %s "
		    "message here\n%sexpect regex \".\"\n", indent, n, cd->name,
		    indent);
		return;
	}
	text = memchr(body, '\0', blen) == NULL ? xstrndup((const char *)body,
	    blen) : NULL;
	for (i = 0; r->rules != NULL && text != NULL && i < r->rules->n; i++) {
		const struct record_rule *rl = &r->rules->r[i];
		size_t g;

		if (regexec(&rl->re, text, 2, m, 0) != 0)
			continue;
		g = m[1].rm_so >= 0 ? 1 : 0;
		if (m[g].rm_eo <= m[g].rm_so)
			continue;
		if (!matched) {
			/* The expect: the payload with the value open. */
			buf_printf(b, "%sexpect regex ", indent);
			rec_regex(body, blen, (size_t)m[g].rm_so,
			    (size_t)(m[g].rm_eo - m[g].rm_so), b);
			buf_append_str(b, "\n");
			matched = 1;
		}
		buf_printf(b, "%scapture %s regex \"", indent, rl->name);
		rec_text((const unsigned char *)rl->pattern,
		    strlen(rl->pattern), b);
		buf_append_str(b, "\"\n");
		if (*nv < RECORD_VALUES_MAX) {
			v[*nv].name = rl->name;
			v[*nv].p = body + m[g].rm_so;
			v[*nv].n = (size_t)(m[g].rm_eo - m[g].rm_so);
			(*nv)++;
		}
	}
	free(text);
	if (!matched) {
		buf_printf(b, "%sexpect \"", indent);
		rec_text(body, blen, b);
		buf_append_str(b, "\"\n");
	}
}

/* One side's file of a recording being written: client 1 plays the
 * client (sends what the client sent), 0 the server. */
struct rec_side {
	int			 client;
	const char		*indent;
	struct record_value	*v;		/* values captured so far */
	size_t			 nv;
	double			 t_prev;	/* the last message's time;
						   < 0: none yet */
	int			 fd;		/* -1: closed */
	char			 path[4096];
	struct buf		 out;		/* formatted, not yet written */
};

/* A finished connection's recording being written in steps. Made by
 * record_job_new (it owns the recorder), freed by record_job_free. */
struct record_job {
	const struct recorder	*r;
	struct recorder		*owned;		/* freed with the job */
	const struct codec	*cd;
	int			 client_closed;
	size_t			 i;		/* the next message */
	struct rec_side		 side[2];	/* [0] client, [1] server */
};

/* Append the steps of messages [i, j) (one direction) to side s. */
static void
rec_side_msg(struct rec_side *s, const struct recorder *r,
    const struct codec *cd, size_t i, size_t j)
{
	const struct record_msg *m = &r->msgs[i];
	const unsigned char *p = buf_data(&r->bytes) + m->off;
	size_t n = 0, k;

	/* Raw chunks of one direction are contiguous in the bytes. */
	for (k = i; k < j; k++)
		n += r->msgs[k].len;
	/* A pause before a send is this side's think time (or the
	 * server's delay): kept to the millisecond. */
	if (m->from_client == s->client && s->t_prev >= 0 &&
	    m->t - s->t_prev >= RECORD_WAIT_MIN)
		buf_printf(&s->out, "%swait %.0fms\n", s->indent,
		    (m->t - s->t_prev) * 1e3);
	if (m->from_client == s->client)
		rec_send(cd, p, n, s->v, s->nv, &s->out, s->indent);
	else
		rec_expect(r, cd, p, n, s->v, &s->nv, &s->out, s->indent);
	s->t_prev = r->msgs[j - 1].t;
}

/* Write what side s holds to its file: 0, or -1 with err. */
static int
rec_side_flush(struct rec_side *s, char *err, size_t errlen)
{
	size_t off = 0;

	while (off < buf_len(&s->out)) {
		ssize_t w = write(s->fd, buf_data(&s->out) + off,
		    buf_len(&s->out) - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "%s: %s", s->path,
			    w < 0 ? strerror(errno) : "short write");
			return -1;
		}
		off += (size_t)w;
	}
	buf_reset(&s->out);
	return 0;
}

/* Close both files; -1 with err when a close failed. */
static int
rec_job_close(struct record_job *j, int rc, char *err, size_t errlen)
{
	int d;

	for (d = 0; d < 2; d++) {
		struct rec_side *s = &j->side[d];

		if (s->fd >= 0 && close(s->fd) < 0 && rc == 0) {
			snprintf(err, errlen, "%s: %s", s->path,
			    strerror(errno));
			rc = -1;
		}
		s->fd = -1;
	}
	return rc;
}

/* The end of each file: what was not kept or written, then who closed. */
static int
rec_job_end(struct record_job *j, const char *cut, char *err,
    size_t errlen)
{
	const struct recorder *r = j->r;
	int d;

	for (d = 0; d < 2; d++) {
		struct rec_side *s = &j->side[d];

		if (s->fd < 0)
			continue;
		if (cut != NULL)
			buf_printf(&s->out, "%s# recording cut: %s: the last "
			    "%zu of %zu messages are not in this file\n",
			    s->indent, cut, r->n - j->i, r->n);
		if (r->truncated)
			buf_printf(&s->out, "%s# recording stopped at %zu "
			    "messages, %zu bytes held (RECORD_MAX_BYTES %u "
			    "counting %zu bytes a message, RECORD_MAX_MSGS "
			    "%u): %llu more messages, %llu bytes not "
			    "recorded\n", s->indent, r->n, r->cost,
			    RECORD_MAX_BYTES, sizeof(struct record_msg),
			    RECORD_MAX_MSGS,
			    (unsigned long long)r->dropped_msgs,
			    (unsigned long long)r->dropped_bytes);
		if (j->client_closed < 0)
			buf_printf(&s->out, "%s# the connection ended with a "
			    "reset or a failure here\n", s->indent);
		else
			buf_printf(&s->out, "%s%s\n", s->indent,
			    j->client_closed == s->client ? "close" :
			    "expect close");
		if (!s->client)
			buf_append_str(&s->out, "end\n");
		if (rec_side_flush(s, err, errlen) < 0)
			return rec_job_close(j, -1, err, errlen);
	}
	return rec_job_close(j, 0, err, errlen);
}

/* Make a new file DIR/NAME for side s (never over an existing one). */
static int
rec_side_open(struct rec_side *s, const char *dir, const char *name,
    char *err, size_t errlen)
{
	snprintf(s->path, sizeof(s->path), "%s/%s", dir, name);
	s->fd = open(s->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (s->fd < 0) {
		snprintf(err, errlen, "%s: %s", s->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* A job for owned (freed with the job), or for borrowed when owned is
 * NULL. */
static struct record_job *
rec_job_make(struct recorder *owned, const char *dir,
    const struct codec *cd, int client_closed, const char *end_reason,
    char *err, size_t errlen, const struct recorder *borrowed)
{
	struct record_job *j = xcalloc(1, sizeof(*j));
	const struct recorder *r;
	char name[64], why[200];
	int d;

	j->owned = owned;
	j->r = r = owned != NULL ? owned : borrowed;
	j->cd = cd;
	j->client_closed = client_closed;
	for (d = 0; d < 2; d++) {
		j->side[d].client = d == 0;
		j->side[d].indent = d == 0 ? "" : "  ";
		j->side[d].v = xcalloc(RECORD_VALUES_MAX,
		    sizeof(*j->side[d].v));
		j->side[d].t_prev = -1;
		j->side[d].fd = -1;
		buf_init(&j->side[d].out);
	}
	line_sanitize(end_reason != NULL ? end_reason : "", why, sizeof(why));
	snprintf(name, sizeof(name), "conn-%llu-client.txt",
	    (unsigned long long)r->id);
	if (rec_side_open(&j->side[0], dir, name, err, errlen) < 0)
		goto fail;
	snprintf(name, sizeof(name), "conn-%llu-server.txt",
	    (unsigned long long)r->id);
	if (rec_side_open(&j->side[1], dir, name, err, errlen) < 0) {
		/* Ours, just made and empty: not half a recording. */
		close(j->side[0].fd);
		j->side[0].fd = -1;
		unlink(j->side[0].path);
		goto fail;
	}
	buf_printf(&j->side[0].out, "# Recorded by sockbench proxy: "
	    "connection %llu, the client's side.\n# Replay against the real "
	    "server: sockbench run --connect %s FILE\n# It ended: %s\n",
	    (unsigned long long)r->id, r->target, why);
	buf_printf(&j->side[0].out, "name \"proxy recording %llu (client)\"\n"
	    "codec %s\nconnections 1\ntimeout 5s\n", (unsigned long long)r->id,
	    cd->name);
	buf_printf(&j->side[1].out, "# Recorded by sockbench proxy: "
	    "connection %llu, the server's side.\n# Serve it to the real "
	    "client: sockbench serve --scenario FILE -l HOST:PORT\n"
	    "# It ended: %s\n", (unsigned long long)r->id, why);
	buf_printf(&j->side[1].out, "name \"proxy recording %llu (server)\"\n"
	    "codec %s\ntimeout 5s\naccept 1\n", (unsigned long long)r->id,
	    cd->name);
	return j;
fail:
	/* owned stays the caller's to free (record_job_new does). */
	j->owned = NULL;
	record_job_free(j);
	return NULL;
}

struct record_job *
record_job_new(struct recorder *r, const char *dir, const struct codec *cd,
    int client_closed, const char *end_reason, char *err, size_t errlen)
{
	struct record_job *j;

	j = rec_job_make(r, dir, cd, client_closed, end_reason, err, errlen,
	    NULL);
	if (j == NULL)
		record_free(r);
	return j;
}

int
record_job_step(struct record_job *j, size_t max_msgs, char *err,
    size_t errlen)
{
	const struct recorder *r = j->r;
	size_t done = 0;
	int d;

	if (j->side[0].fd < 0)
		return 1;
	while (j->i < r->n && done < max_msgs &&
	    buf_len(&j->side[0].out) + buf_len(&j->side[1].out) <
	    RECORD_STEP_BYTES) {
		size_t k = j->i + 1;

		if (j->cd == &codec_raw)	/* raw has no framing */
			while (k < r->n && r->msgs[k].from_client ==
			    r->msgs[j->i].from_client)
				k++;
		for (d = 0; d < 2; d++)
			rec_side_msg(&j->side[d], r, j->cd, j->i, k);
		done += k - j->i;
		j->i = k;
	}
	if (j->i == r->n)
		return rec_job_end(j, NULL, err, errlen) < 0 ? -1 : 1;
	for (d = 0; d < 2; d++)
		if (rec_side_flush(&j->side[d], err, errlen) < 0)
			return rec_job_close(j, -1, err, errlen);
	return 0;
}

int
record_job_cut(struct record_job *j, const char *why, char *err,
    size_t errlen)
{
	if (j->side[0].fd < 0)
		return 0;
	return rec_job_end(j, why, err, errlen);
}

void
record_job_free(struct record_job *j)
{
	int d;

	if (j == NULL)
		return;
	for (d = 0; d < 2; d++) {
		if (j->side[d].fd >= 0)
			close(j->side[d].fd);
		buf_free(&j->side[d].out);
		free(j->side[d].v);
	}
	record_free(j->owned);
	free(j);
}

int
record_write(const struct recorder *r, const char *dir,
    const struct codec *cd, int client_closed, const char *end_reason,
    char *err, size_t errlen)
{
	struct record_job *j;
	int rc;

	/* A job that does not own r: written at once, r stays the
	 * caller's. */
	j = rec_job_make(NULL, dir, cd, client_closed, end_reason, err,
	    errlen, r);
	if (j == NULL)
		return -1;
	while ((rc = record_job_step(j, (size_t)-1, err, errlen)) == 0)
		;
	record_job_free(j);
	return rc < 0 ? -1 : 0;
}
