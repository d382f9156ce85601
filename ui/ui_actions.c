/* The dashboard's actions on one connection (FIN, RST, pause reading, the
 * send line), and the keys of the details, time stamps and transcripts. */
#define NCURSES_WIDECHAR 1
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "conn_act.h"
#include "hex.h"
#include "ui_actions.h"
#include "ui_draw.h"
#include "ui_files.h"
#include "ui_keys.h"
#include "ui_msgview.h"
#include "util.h"

/* Append the hex pairs of s (blanks between them allowed) to out. */
static int
ui_actions_hex(const char *s, struct buf *out, char *err, size_t errlen)
{
	int hi = -1, v;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t' || *s == ':')
			continue;
		if ((v = hex_digit((unsigned char)*s)) < 0) {
			snprintf(err, errlen, "'%c' is not a hex digit", *s >=
			    0x20 && *s < 0x7f ? *s : '?');
			return -1;
		}
		if (hi < 0)
			hi = v;
		else {
			unsigned char b = (unsigned char)(hi << 4 | v);

			buf_append(out, &b, 1);
			hi = -1;
		}
	}
	if (hi >= 0) {
		snprintf(err, errlen, "an odd number of hex digits");
		return -1;
	}
	return 0;
}

/* Append text with its escapes (\n \r \t \0 \\ \xHH) resolved to out. */
static int
ui_actions_unescape(const char *s, struct buf *out, char *err, size_t errlen)
{
	unsigned char b;
	int h1, h2;

	for (; *s != '\0'; s++) {
		if (*s != '\\') {
			buf_append(out, s, 1);
			continue;
		}
		switch (*++s) {
		case 'n': b = '\n'; break;
		case 'r': b = '\r'; break;
		case 't': b = '\t'; break;
		case '0': b = '\0'; break;
		case '\\': b = '\\'; break;
		case 'x':
			if ((h1 = hex_digit((unsigned char)s[1])) < 0 ||
			    (h2 = hex_digit((unsigned char)s[2])) < 0) {
				snprintf(err, errlen, "\\x needs two hex "
				    "digits");
				return -1;
			}
			b = (unsigned char)(h1 << 4 | h2);
			s += 2;
			break;
		default:
			snprintf(err, errlen, "unknown escape \\%c (\\n \\r \\t "
			    "\\0 \\\\ \\xHH)", *s >= 0x20 && *s < 0x7f ? *s : '?');
			return -1;
		}
		buf_append(out, &b, 1);
	}
	return 0;
}

/* "METHOD PATH" (two words, an optional HTTP/1.x third) as an HTTP/1.1
 * request with Host: peer; 1 built, 0 not that shape, -1 refused. */
static int
ui_actions_http(const unsigned char *p, size_t n, const char *peer,
    struct buf *out, char *err, size_t errlen)
{
	char text[512], *method, *path, *ver, *save = NULL, host[80];
	const char *hdrs[1];

	if (n >= sizeof(text) || memchr(p, '\r', n) != NULL ||
	    memchr(p, '\n', n) != NULL || memchr(p, '\0', n) != NULL)
		return 0;
	memcpy(text, p, n);
	text[n] = '\0';
	if ((method = strtok_r(text, " ", &save)) == NULL ||
	    (path = strtok_r(NULL, " ", &save)) == NULL)
		return 0;
	ver = strtok_r(NULL, " ", &save);
	if ((ver != NULL && strncmp(ver, "HTTP/1.", 7) != 0) ||
	    strtok_r(NULL, " ", &save) != NULL)
		return 0;
	snprintf(host, sizeof(host), "Host: %s", peer != NULL && peer[0] ?
	    peer : "localhost");
	hdrs[0] = host;
	return http_build_request(method, path, hdrs, 1, NULL, 0, out, err,
	    errlen) == 0 ? 1 : -1;
}

int
ui_actions_encode(const char *line, const struct codec *cd, const char *peer,
    struct buf *out, char *what, size_t whatlen, char *err, size_t errlen)
{
	struct buf body;
	int raw = 0, hex = 0, r = -1;

	if (strncmp(line, "raw:", 4) == 0) {
		raw = 1;
		line += 4;
	}
	buf_init(&body);
	if (strncmp(line, "x ", 2) == 0 || strncmp(line, "hex:", 4) == 0) {
		hex = 1;
		if (ui_actions_hex(line + (line[0] == 'x' ? 2 : 4), &body, err,
		    errlen) < 0)
			goto out;
	} else if (ui_actions_unescape(line, &body, err, errlen) < 0)
		goto out;
	if (buf_len(&body) == 0) {
		snprintf(err, errlen, "nothing to send");
		goto out;
	}
	if (raw || cd == NULL || cd == &codec_raw) {
		buf_append(out, buf_data(&body), buf_len(&body));
		if (!raw && !hex)
			buf_append(out, "\n", 1);	/* as nc sends a line */
		snprintf(what, whatlen, "%s", raw || hex ? "raw bytes" :
		    "a line (nc-style)");
		r = 0;
		goto out;
	}
	if (cd == &codec_http && !hex) {
		r = ui_actions_http(buf_data(&body), buf_len(&body), peer, out,
		    err, errlen);
		if (r != 0) {
			snprintf(what, whatlen, "an http request");
			r = r > 0 ? 0 : -1;
			goto out;
		}
	}
	if (cd->encode(buf_data(&body), buf_len(&body), NULL, out, err,
	    errlen) < 0)
		goto out;
	snprintf(what, whatlen, "a %s frame", cd->name);
	r = 0;
out:
	buf_free(&body);
	return r;
}

/* The connection an action is for: in the message pane the one it shows,
 * else the selected row; NULL with the reason on the status line. */
static struct ui_conn *
ui_actions_target(struct ui *u)
{
	struct ui_conn *c;

	if (u->pane == UI_PANE_MSGS && u->focus_id != 0)
		c = ui_model_find(&u->m, u->focus_id);
	else
		c = ui_model_find(&u->m, u->sel_id);
	if (c == NULL)
		ui_status(u, "no connection selected");
	return c;
}

/* The live info of the target, or NULL saying it is closed. */
static const struct conn_info *
ui_actions_live(struct ui *u, struct ui_conn **cp)
{
	struct ui_conn *c = ui_actions_target(u);

	*cp = c;
	if (c == NULL)
		return NULL;
	if (c->live == NULL) {
		ui_status(u, "connection #%llu is %s: nothing to do",
		    (unsigned long long)c->info.id,
		    conn_state_name(c->info.state));
		return NULL;
	}
	return c->live;
}

/* Log what the dashboard did in the connection's messages, and say it. */
static void __attribute__((format(printf, 3, 4)))
ui_actions_done(struct ui *u, uint64_t id, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ui_model_add_note(&u->m, id, clock_now_mono(), text);
	ui_status(u, "#%llu: %s", (unsigned long long)id, text);
}

void
ui_actions_fin_cb(struct ui *u, int ch, long arg)
{
	const struct conn_info *ci;
	struct ui_conn *c;
	char why[160];

	(void)ch;
	(void)arg;
	if ((ci = ui_actions_live(u, &c)) == NULL)
		return;
	if (conn_act_fin(ci, why, sizeof(why)) < 0) {
		ui_status(u, "%s", why);
		return;
	}
	ui_actions_done(u, c->info.id, "FIN sent from the dashboard "
	    "(shutdown SHUT_WR once queued bytes are written); it closes when "
	    "the peer closes its side");
}

void
ui_actions_reset_cb(struct ui *u, int ch, long arg)
{
	const struct conn_info *ci;
	struct ui_conn *c;
	char why[160];
	uint64_t id;

	(void)ch;
	(void)arg;
	if ((ci = ui_actions_live(u, &c)) == NULL)
		return;
	id = c->info.id;
	/* The note goes first: the close event follows it in the pane. */
	ui_model_add_note(&u->m, id, clock_now_mono(), "RST sent from the "
	    "dashboard (SO_LINGER 0, then close)");
	if (conn_act_reset(ci, why, sizeof(why)) < 0 || why[0] != '\0')
		ui_status(u, "#%llu: %s", (unsigned long long)id, why);
	else
		ui_status(u, "#%llu: reset (RST sent, queued bytes dropped)",
		    (unsigned long long)id);
}

void
ui_actions_pause_cb(struct ui *u, int ch, long arg)
{
	const struct conn_info *ci;
	struct ui_conn *c;
	char why[160];
	int pause;

	(void)ch;
	(void)arg;
	if ((ci = ui_actions_live(u, &c)) == NULL)
		return;
	pause = !ci->read_paused;
	if (conn_act_pause(ci, pause, why, sizeof(why)) < 0) {
		ui_status(u, "%s", why);
		return;
	}
	if (pause)
		ui_actions_done(u, c->info.id, "reading paused from the "
		    "dashboard: the peer's bytes wait in the kernel (P "
		    "resumes)");
	else
		ui_actions_done(u, c->info.id, "reading resumed from the "
		    "dashboard");
}

void
ui_actions_send_cb(struct ui *u, int ch, long arg)
{
	const struct conn_info *ci;
	struct ui_conn *c;

	(void)ch;
	(void)arg;
	if (u->r == NULL && u->lat != NULL) {
		ui_status(u, "bench --ui: the load generator takes every reply "
		    "as the answer to its request, so a sent line would skew "
		    "its figures: not here (c, R and P work)");
		return;
	}
	if ((ci = ui_actions_live(u, &c)) == NULL)
		return;
	u->sending = true;
	u->send_id = c->info.id;
	u->send_buf[0] = '\0';
	u->status[0] = '\0';
	/* The pane shows the connection, so that its replies show. */
	if (u->focus_id != c->info.id) {
		struct ui_conn *old = ui_model_find(&u->m, u->focus_id);

		if (old != NULL)
			old->pinned = 0;
		u->focus_id = c->info.id;
		u->msg_back = 0;
	}
	c->pinned = 1;
}

void
ui_actions_send_done_cb(struct ui *u, int ch, long arg)
{
	struct ui_conn *c = ui_model_find(&u->m, u->send_id);
	char what[64], err[200], why[160];
	struct buf out;

	(void)ch;
	if (arg != 0) {
		u->sending = false;
		u->send_buf[0] = '\0';
		u->status[0] = '\0';
		return;
	}
	if (c == NULL || c->live == NULL) {
		u->sending = false;
		ui_status(u, "connection #%llu is closed: nothing sent",
		    (unsigned long long)u->send_id);
		return;
	}
	buf_init(&out);
	if (ui_actions_encode(u->send_buf, c->live->codec, c->live->peer,
	    &out, what, sizeof(what), err, sizeof(err)) < 0)
		ui_status(u, "not sent: %s", err);
	else if (conn_act_send(c->live, buf_data(&out), buf_len(&out), why,
	    sizeof(why)) < 0)
		ui_status(u, "not sent: %s", why);
	else {
		ui_status(u, "sent %zu bytes to #%llu as %s", buf_len(&out),
		    (unsigned long long)u->send_id, what);
		u->send_buf[0] = '\0';
		u->msg_back = 0;
	}
	buf_free(&out);
}

void
ui_actions_send_erase_cb(struct ui *u, int ch, long arg)
{
	size_t n = strlen(u->send_buf);

	(void)ch;
	(void)arg;
	while (n > 0 && ((unsigned char)u->send_buf[n - 1] & 0xc0) == 0x80)
		n--;
	if (n > 0)
		n--;
	u->send_buf[n] = '\0';
}

void
ui_actions_send_type_cb(struct ui *u, int ch, long arg)
{
	size_t n = strlen(u->send_buf);

	(void)arg;
	if (ch < 0x20 || ch > 0xff || ch == 127 ||
	    n + 1 >= sizeof(u->send_buf))
		return;
	u->send_buf[n] = (char)ch;
	u->send_buf[n + 1] = '\0';
}

void
ui_actions_prompt(const struct ui *u, char *out, size_t outlen)
{
	int recent = u->status[0] != '\0' &&
	    clock_now_mono() - u->t_status < 8;

	snprintf(out, outlen, " send to #%llu> %s_   %s%s%s(Enter send, Esc "
	    "close; \\n \\r \\xHH escapes, x 48 65 or hex:4865 bytes, raw: "
	    "unframed)", (unsigned long long)u->send_id, u->send_buf,
	    recent ? "[" : "", recent ? u->status : "", recent ? "]  " : "");
}

void
ui_actions_details_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	(void)arg;
	u->details = !u->details;
	ui_status(u, u->details ? "details: TCP_INFO, queues, peer process "
	    "and TLS above the messages (d hides them)" : "details hidden");
}

void
ui_actions_stamps_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	(void)arg;
	u->tsmode = (u->tsmode + 1) % UI_TS_COUNT;
	ui_status(u, "message times: %s", ui_msgview_ts_name(u->tsmode));
}

void
ui_actions_transcript_cb(struct ui *u, int ch, long arg)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], err[PATH_MAX + 128];
	struct ui_conn *c = ui_actions_target(u);
	int fd;

	(void)ch;
	(void)arg;
	if (c == NULL)
		return;
	if (c->mfirst == NULL) {
		ui_status(u, "connection #%llu has no messages to save",
		    (unsigned long long)c->info.id);
		return;
	}
	if (ui_keys_record_dir(u, dir, sizeof(dir)) < 0)
		return;
	fd = ui_files_create_new(dir, "sockbench-transcript", time(NULL),
	    ".txt", 0, path, sizeof(path), err, sizeof(err));
	if (fd < 0 || ui_files_transcript(c, u->m.wall_off, fd, path, err,
	    sizeof(err)) < 0)
		ui_status(u, "%s", err);
	else
		ui_status(u, "saved the conversation of #%llu to %s",
		    (unsigned long long)c->info.id, path);
}
