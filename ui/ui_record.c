/* Recording: a connection's kept conversation as a replayable scenario. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cJSON.h>
#include "codec.h"
#include "ui_msgview.h"
#include "ui_fmt.h"
#include "ui_record.h"
#include "util.h"

/* Append p[0..n) as a quoted scenario string with escapes. */
static void
ui_record_text(const unsigned char *p, size_t n, struct buf *b)
{
	size_t i = 0, l;
	long cp;

	buf_append(b, "\"", 1);
	while (i < n) {
		switch (p[i]) {
		case '\n': buf_append(b, "\\n", 2); i++; continue;
		case '\r': buf_append(b, "\\r", 2); i++; continue;
		case '\t': buf_append(b, "\\t", 2); i++; continue;
		case '\\': buf_append(b, "\\\\", 2); i++; continue;
		case '"': buf_append(b, "\\\"", 2); i++; continue;
		case '$': buf_append(b, "\\$", 2); i++; continue;
		}
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			buf_append(b, p + i, 1);
			i++;
			continue;
		}
		l = ui_fmt_utf8(p + i, n - i, &cp);
		if (cp >= 0xa0) {
			buf_append(b, p + i, l);
			i += l;
			continue;
		}
		buf_printf(b, "\\x%02x", p[i]);
		i++;
	}
	buf_append(b, "\"", 1);
}

void
ui_record_quote(const unsigned char *p, size_t n, struct buf *b)
{
	size_t i = 0, bad = 0, l;
	long cp;

	while (i < n) {
		l = ui_fmt_utf8(p + i, n - i, &cp);
		if (cp < 0 || (cp < 0x20 && cp != '\n' && cp != '\r' &&
		    cp != '\t') || (cp >= 0x7f && cp < 0xa0))
			bad++;
		i += l;
	}
	if (bad * 4 <= n) {
		ui_record_text(p, n, b);
		return;
	}
	buf_append_str(b, "hex \"");
	for (i = 0; i < n; i++)
		buf_printf(b, "%s%02x", i > 0 ? " " : "", p[i]);
	buf_append(b, "\"", 1);
}

/* Whether a kept message decodes as one whole frame (into f), also the
 * answer to a HEAD and a response the close ended (ui_msgview_decode). */
static bool
ui_record_decode_whole(const struct codec *cd, const struct ui_msg *msg,
    struct codec_frame *f)
{
	if (cd == NULL || msg->kept != msg->len || msg->kept == 0)
		return false;
	return ui_msgview_decode(cd, msg->data, msg->kept, f) ==
	    (ssize_t)msg->kept;
}

/* Whether encoding body with head gives exactly the wire bytes. */
static bool
ui_record_is_same(const struct codec *cd, const unsigned char *body, size_t len,
    const char *head, const struct ui_msg *msg)
{
	struct buf out;
	char err[96];
	bool same;

	buf_init(&out);
	same = cd->encode(body, len, head, &out, err, sizeof(err)) == 0 &&
	    buf_len(&out) == msg->len &&
	    memcmp(buf_data(&out), msg->data, msg->len) == 0;
	buf_free(&out);
	return same;
}

/* The frame's head as a one-line JSON object the parser takes, or NULL. */
static char *
ui_record_head(const struct codec_frame *f)
{
	cJSON *j;
	char *s;
	int ok;

	if (f->head == NULL || f->head_len == 0 ||
	    memchr(f->head, '\n', f->head_len) != NULL ||
	    memchr(f->head, '\0', f->head_len) != NULL)
		return NULL;
	s = xstrndup((const char *)f->head, f->head_len);
	j = cJSON_Parse(s);
	ok = cJSON_IsObject(j) && strstr(s, "${") == NULL;
	cJSON_Delete(j);
	if (!ok) {
		free(s);
		return NULL;
	}
	return s;
}

/* Append the `send` step that puts msg's bytes on the wire again. */
static void
ui_record_send(const struct codec *cd, const struct ui_msg *msg,
    struct buf *b)
{
	struct codec_frame f;
	char *head;

	if (msg->kept < msg->len) {
		buf_printf(b, "# this message was %zu bytes; only the first %zu "
		    "were kept\nsend raw ", msg->len, msg->kept);
		ui_record_quote(msg->data, msg->kept, b);
		buf_append(b, "\n", 1);
		return;
	}
	if (ui_record_decode_whole(cd, msg, &f)) {
		head = ui_record_head(&f);
		if (ui_record_is_same(cd, f.body, f.body_len, head, msg)) {
			buf_append_str(b, "send ");
			ui_record_quote(f.body, f.body_len, b);
			if (head != NULL)
				buf_printf(b, " header %s", head);
			buf_append(b, "\n", 1);
			free(head);
			return;
		}
		free(head);
		if (ui_record_is_same(cd, msg->data, msg->len, NULL, msg)) {
			buf_append_str(b, "send ");
			ui_record_quote(msg->data, msg->len, b);
			buf_append(b, "\n", 1);
			return;
		}
	}
	buf_append_str(b, "send raw ");
	ui_record_quote(msg->data, msg->kept, b);
	buf_append(b, "\n", 1);
}

#define UI_RECORD_WAIT_MIN 0.010	/* seconds of pause kept as a wait */

/* Append the `expect` step that matches msg's body. */
static void
ui_record_expect(const struct codec *cd, const struct ui_msg *msg,
    struct buf *b)
{
	struct codec_frame f;

	if (ui_record_decode_whole(cd, msg, &f)) {
		buf_append_str(b, "expect ");
		ui_record_quote(f.body, f.body_len, b);
		buf_append(b, "\n", 1);
	} else if (msg->kept < msg->len && cd != NULL &&
	    strcmp(cd->name, "raw") == 0) {
		buf_printf(b, "# a reply of %zu bytes, not kept whole\n"
		    "expect length %zu\n", msg->len, msg->len);
	} else {
		buf_printf(b, "# a reply of %zu bytes that did not decode "
		    "whole here\nexpect regex \".\"\n", msg->len);
	}
}

size_t
ui_record_conn(const struct ui_conn *c, const struct ui_record_meta *meta,
    struct buf *b)
{
	const struct conn_info *ci = ui_model_conn_info(c);
	const struct ui_msg *msg;
	int client = ci->side == SIDE_CLIENT, sent, peer_eof;
	size_t steps = 0;
	double t_prev = 0;
	const char *addr;

	buf_printf(b, "# Recorded by the sockbench dashboard from connection "
	    "#%llu (%s side, %s -> %s).\n", (unsigned long long)ci->id,
	    client ? "client" : "server", ci->local, ci->peer);
	if (!client)
		buf_append_str(b, "# Server side, replayed as its client: what "
		    "the server received is sent,\n# what it answered is "
		    "expected.\n");
	if (meta != NULL && meta->target != NULL)
		buf_printf(b, "# It ran against %s.\n", meta->target);
	/* The server's address as this connection knew it: its peer
	 * from a client, its own local address from a server. */
	addr = client ? ci->peer : ci->local;
	buf_printf(b, "# Replay: sockbench run%s%s FILE\n",
	    meta != NULL && meta->service != NULL ? "" : " --connect ",
	    meta != NULL && meta->service != NULL ? "" : addr[0] != '\0' ?
	    addr : "HOST:PORT");
	if (c->lost > 0)
		buf_printf(b, "# The first %llu messages were no longer kept and "
		    "are missing.\n", (unsigned long long)c->lost);
	buf_printf(b, "name \"recording of connection %llu\"\n",
	    (unsigned long long)ci->id);
	if (meta != NULL && meta->service != NULL)
		buf_printf(b, "service %s\n", meta->service);
	if (ci->codec != NULL)
		buf_printf(b, "codec %s\n", ci->codec->name);
	buf_append_str(b, "connections 1\n");
	for (msg = c->mfirst; msg != NULL; t_prev = msg->t, msg = msg->cnext) {
		if (msg->kind == UI_MSG_EVENT)
			continue;
		sent = client == (msg->kind == UI_MSG_OUT);
		/* A pause before a send is the think time the scenario or
		 * the user had: keep it (to the millisecond). */
		if (sent && t_prev > 0 && msg->t - t_prev >= UI_RECORD_WAIT_MIN)
			buf_printf(b, "wait %.0fms\n", (msg->t - t_prev) * 1e3);
		if (sent)
			ui_record_send(ci->codec, msg, b);
		else
			ui_record_expect(ci->codec, msg, b);
		steps++;
	}
	if (c->live == NULL && ci->state == CS_CLOSED) {
		peer_eof = strncmp(ci->reason, "EOF", 3) == 0 ||
		    (meta != NULL && meta->peer_closed);
		buf_append_str(b, client == peer_eof ? "expect close\n" :
		    "close\n");
	} else if (c->live == NULL)
		buf_printf(b, "# The connection failed here: %s\n", ci->reason);
	return steps;
}

int
ui_record_write_fd(const struct ui_conn *c, const struct ui_record_meta *meta,
    int fd, const char *path, char *err, size_t errlen)
{
	struct buf b;
	FILE *f;
	int rc = 0;

	if ((f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "cannot write %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	buf_init(&b);
	ui_record_conn(c, meta, &b);
	if (fwrite(buf_data(&b), 1, buf_len(&b), f) != buf_len(&b))
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc < 0)
		snprintf(err, errlen, "cannot write %s: %s", path,
		    strerror(errno));
	buf_free(&b);
	return rc;
}

int
ui_record_write(const struct ui_conn *c, const struct ui_record_meta *meta,
    const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY, 0666);

	if (fd < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, errno ==
		    EEXIST ? "it exists (never overwritten)" : strerror(errno));
		return -1;
	}
	return ui_record_write_fd(c, meta, fd, path, err, errlen);
}

char *
ui_record_service(const struct scenario *sc)
{
	return ui_record_service_cfg(&sc->service);
}

char *
ui_record_service_cfg(const struct service_cfg *sv)
{
	struct buf b;
	char *s;

	if (sv->name == NULL)
		return NULL;
	buf_init(&b);
	buf_append_str(&b, sv->name);
	if (sv->prefix != NULL) {
		buf_append_str(&b, " prefix ");
		ui_record_text(sv->prefix, sv->prefix_len, &b);
	}
	if (sv->suffix != NULL) {
		buf_append_str(&b, " suffix ");
		ui_record_text(sv->suffix, sv->suffix_len, &b);
	}
	if (sv->fixed != NULL) {
		buf_append_str(&b, " fixed ");
		ui_record_text(sv->fixed, sv->fixed_len, &b);
	}
	if (sv->root != NULL) {
		/* Absolute: the recording may be written, and replayed, from
		 * another directory than the scenario's. */
		char *abs = realpath(sv->root, NULL);
		const char *root = abs != NULL ? abs : sv->root;

		buf_append_str(&b, " root ");
		ui_record_text((const unsigned char *)root, strlen(root), &b);
		free(abs);
	}
	s = xstrndup((const char *)buf_data(&b), buf_len(&b));
	buf_free(&b);
	return s;
}
