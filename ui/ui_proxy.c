/* Faults live from the dashboard (proxy --ui): the fault prompt and the
 * list that removes them, through the proxy's own API and the control
 * socket's parser, so a spec means the same here, on the command line and
 * on the control socket. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "buf.h"
#include "clock.h"
#include "control.h"
#include "proxy.h"
#include "ui_draw.h"
#include "ui_proxy.h"

/* Open the prompt: add for pair conn (0: every pair), or remove. */
static void
ui_proxy_open(struct ui *u, bool remove, uint64_t conn)
{
	u->faulting = true;
	u->fault_remove = remove;
	u->fault_conn = conn;
	u->fault_buf[0] = '\0';
}

void
ui_proxy_fault_cb(struct ui *u, int ch, long arg)
{
	struct ui_conn *c;

	(void)ch;
	if (u->px == NULL) {
		ui_status(u, "faults are for sockbench proxy --ui");
		return;
	}
	if (arg == 0) {
		ui_proxy_open(u, false, 0);
		u->status[0] = '\0';
		return;
	}
	c = ui_model_find(&u->m, u->sel_id);
	if (c == NULL || c->pair_no == 0) {
		ui_status(u, "no proxy pair selected (A: a fault on every "
		    "pair)");
		return;
	}
	if (c->live == NULL) {
		ui_status(u, "pair #%llu is closed: a fault would never act "
		    "on it (A: on every pair, open and new)",
		    (unsigned long long)c->pair_no);
		return;
	}
	ui_proxy_open(u, false, c->pair_no);
	u->status[0] = '\0';
}

void
ui_proxy_list_cb(struct ui *u, int ch, long arg)
{
	struct buf b;
	size_t i, n, o;
	char *s;

	(void)ch;
	(void)arg;
	if (u->px == NULL) {
		ui_status(u, "faults are for sockbench proxy --ui");
		return;
	}
	buf_init(&b);
	proxy_fault_list(u->px, &b);
	n = buf_len(&b);
	if (n == 0) {
		buf_free(&b);
		ui_status(u, "no faults in effect (F: on the selected pair, A: "
		    "on every pair)");
		return;
	}
	/* One line per fault: joined with "; " for the status line. */
	ui_proxy_open(u, true, 0);
	s = (char *)buf_data(&b);
	for (i = 0, o = 0; i < n && o + 3 < sizeof(u->fault_list); i++) {
		if (s[i] != '\n')
			u->fault_list[o++] = s[i];
		else if (i + 1 < n) {
			u->fault_list[o++] = ';';
			u->fault_list[o++] = ' ';
		}
	}
	u->fault_list[o] = '\0';
	buf_free(&b);
	u->status[0] = '\0';
}

/* Add the spec typed at the prompt; 0, or -1 with why on the status
 * line. */
static int
ui_proxy_add(struct ui *u)
{
	struct control_cmd cmd;
	char line[CONTROL_LINE_MAX + 8], err[256], what[200];
	uint32_t id;
	int n;

	n = snprintf(line, sizeof(line), "add %s", u->fault_buf);
	if (n < 0 || control_parse(line, (size_t)n, &cmd, err,
	    sizeof(err)) < 0) {
		ui_status(u, "fault not added: %s", n < 0 ? "too long" : err);
		return -1;
	}
	if (cmd.spec.conn == 0)
		cmd.spec.conn = u->fault_conn;
	if ((id = proxy_fault_add(u->px, &cmd.spec, err, sizeof(err))) == 0) {
		ui_status(u, "fault not added: %s", err);
		return -1;
	}
	cmd.spec.id = id;
	fault_format(&cmd.spec, what, sizeof(what));
	if (cmd.spec.conn != 0)
		ui_status(u, "fault %u %s added: pair #%llu", id, what,
		    (unsigned long long)cmd.spec.conn);
	else
		ui_status(u, "fault %u %s added: every pair, open and new",
		    id, what);
	return 0;
}

/* Remove the fault whose id was typed; 0, or -1 with why. */
static int
ui_proxy_remove(struct ui *u)
{
	struct control_cmd cmd;
	char line[CONTROL_LINE_MAX + 8], err[256];
	int n;

	n = snprintf(line, sizeof(line), "remove %s", u->fault_buf);
	if (n < 0 || control_parse(line, (size_t)n, &cmd, err,
	    sizeof(err)) < 0) {
		ui_status(u, "nothing removed: %s", n < 0 ? "too long" : err);
		return -1;
	}
	if (proxy_fault_remove(u->px, cmd.id) < 0) {
		ui_status(u, "nothing removed: no fault %u", cmd.id);
		return -1;
	}
	ui_status(u, "fault %u removed", cmd.id);
	return 0;
}

void
ui_proxy_done_cb(struct ui *u, int ch, long arg)
{
	(void)ch;
	if (arg != 0 || u->px == NULL) {
		u->faulting = false;
		u->status[0] = '\0';
		return;
	}
	if ((u->fault_remove ? ui_proxy_remove(u) : ui_proxy_add(u)) == 0)
		u->faulting = false;
}

void
ui_proxy_erase_cb(struct ui *u, int ch, long arg)
{
	size_t n = strlen(u->fault_buf);

	(void)ch;
	(void)arg;
	while (n > 0 && ((unsigned char)u->fault_buf[n - 1] & 0xc0) == 0x80)
		n--;
	if (n > 0)
		n--;
	u->fault_buf[n] = '\0';
}

void
ui_proxy_type_cb(struct ui *u, int ch, long arg)
{
	size_t n = strlen(u->fault_buf);

	(void)arg;
	if (ch < 0x20 || ch > 0x7e || n + 1 >= sizeof(u->fault_buf))
		return;
	u->fault_buf[n] = (char)ch;
	u->fault_buf[n + 1] = '\0';
}

void
ui_proxy_prompt(const struct ui *u, char *out, size_t outlen)
{
	int recent = u->status[0] != '\0' &&
	    clock_now_mono() - u->t_status < 8;
	char who[48];

	if (u->fault_remove) {
		snprintf(out, outlen, " remove fault ID> %s_   %s%s%sfaults: "
		    "%s   (Enter remove, Esc close)", u->fault_buf,
		    recent ? "[" : "", recent ? u->status : "",
		    recent ? "]  " : "", u->fault_list);
		return;
	}
	if (u->fault_conn != 0)
		snprintf(who, sizeof(who), "pair #%llu",
		    (unsigned long long)u->fault_conn);
	else
		snprintf(who, sizeof(who), "every pair");
	snprintf(out, outlen, " fault on %s> %s_   %s%s%s(DIR:NAME[=VALUE]"
	    "[,KEY=VALUE]..., e.g. downstream:latency=50ms; Enter add, Esc "
	    "close)", who, u->fault_buf, recent ? "[" : "", recent ? u->status :
	    "", recent ? "]  " : "");
}
