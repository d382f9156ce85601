/* The proxy's control socket: a line per command, a reply ending in a
 * line "ok ..." or "error ...". */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conn.h"
#include "control.h"
#include "proxy.h"
#include "server.h"
#include "service.h"
#include "util.h"

#define CONTROL_CONNS_MAX	16	/* command connections at once */

/* The listener and its open command connections. Made by control_new,
 * freed by control_free. */
struct control {
	struct engine		*eng;
	struct proxy		*px;
	struct server		*srv;
	struct service_cfg	 cfg;
	struct conn		*conns[CONTROL_CONNS_MAX];
};

static const char control_help[] =
    "add DIR:NAME[=VALUE][,KEY=VALUE]...   add a fault (docs/proxy.md)\n"
    "remove ID                             remove fault ID\n"
    "list                                  the faults in effect\n"
    "stats                                 connections, bytes, faults\n"
    "help                                  this text\n";

/* Run one command line and write the reply. */
static void
control_msg(struct conn *c, const struct codec_frame *f)
{
	struct control *ctl = c->udata;
	struct control_cmd cmd;
	struct buf out;
	char err[300], safe[400];

	if (ctl == NULL)
		return;
	buf_init(&out);
	if (control_parse((const char *)f->body, f->body_len, &cmd, err,
	    sizeof(err)) < 0) {
		line_sanitize(err, safe, sizeof(safe));
		buf_printf(&out, "error %s\n", safe);
	} else
		switch (cmd.verb) {
		case CONTROL_ADD: {
			uint32_t id = proxy_fault_add(ctl->px, &cmd.spec, err,
			    sizeof(err));

			if (id == 0)
				buf_printf(&out, "error %s\n", err);
			else
				buf_printf(&out, "ok %u\n", id);
			break;
		}
		case CONTROL_REMOVE:
			if (proxy_fault_remove(ctl->px, cmd.id) < 0)
				buf_printf(&out, "error no fault %u\n", cmd.id);
			else
				buf_append_str(&out, "ok\n");
			break;
		case CONTROL_LIST:
			proxy_fault_list(ctl->px, &out);
			buf_append_str(&out, "ok\n");
			break;
		case CONTROL_STATS: {
			const struct proxy_totals *t = proxy_totals(ctl->px);

			buf_printf(&out, "connections %llu\nbytes client>server "
			    "%llu\nbytes server>client %llu\nresets %llu\nok\n",
			    (unsigned long long)t->conns,
			    (unsigned long long)t->bytes_up,
			    (unsigned long long)t->bytes_down,
			    (unsigned long long)t->resets);
			break;
		}
		case CONTROL_HELP:
			buf_append_str(&out, control_help);
			buf_append_str(&out, "ok\n");
			break;
		}
	conn_send(c, buf_data(&out), buf_len(&out));
	buf_free(&out);
}

/* A command connection is gone: forget it. */
static void
control_close(struct conn *c)
{
	struct control *ctl = c->udata;
	size_t i;

	if (ctl == NULL)
		return;
	for (i = 0; i < CONTROL_CONNS_MAX; i++)
		if (ctl->conns[i] == c)
			ctl->conns[i] = NULL;
}

/* Keep a new command connection, or refuse one past the limit. */
static void
control_open(struct conn *c)
{
	struct control *ctl = c->udata;
	size_t i;

	for (i = 0; i < CONTROL_CONNS_MAX; i++)
		if (ctl->conns[i] == NULL) {
			ctl->conns[i] = c;
			return;
		}
	c->udata = NULL;
	conn_send(c, "error too many control connections\n", 35);
	conn_close_after_flush(c, "too many control connections");
}

static const struct conn_handler control_handler = {
	.on_open = control_open,
	.on_msg = control_msg,
	.on_close = control_close,
};

/* Every command connection shares the control (the server's make). */
static void *
control_make(void *arg, uint64_t n)
{
	struct control *c = arg;

	(void)n;
	/* Called just before conn_new for the accepted command connection:
	 * it is never TLS, whatever the proxy's clients speak. */
	c->eng->tls_server = NULL;
	return arg;
}

struct control *
control_new(struct engine *e, struct proxy *px, const char *addr, char *err,
    size_t errlen)
{
	struct control *c = xcalloc(1, sizeof(*c));
	const struct codec *line = codec_find("line");

	c->eng = e;
	c->px = px;
	if (service_cfg_parse(&c->cfg, "echo", err, errlen) < 0) {
		free(c);
		return NULL;
	}
	if ((c->srv = server_start(e, addr, &c->cfg, 0, err, errlen)) ==
	    NULL) {
		service_cfg_free(&c->cfg);
		free(c);
		return NULL;
	}
	server_set_handler(c->srv, &control_handler, line, control_make, c, 0);
	return c;
}

void
control_free(struct control *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < CONTROL_CONNS_MAX; i++)
		if (c->conns[i] != NULL) {
			c->conns[i]->udata = NULL;
			conn_close(c->conns[i], "proxy shut down");
		}
	server_free(c->srv);
	service_cfg_free(&c->cfg);
	free(c);
}
