/* The details section's lines: TCP_INFO and queues, SO_PEERCRED, TLS. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "transport.h"
#include "ui_details.h"
#include "ui_fmt.h"

/* Append one line (the first without a separator). */
static void __attribute__((format(printf, 3, 4)))
ui_details_line(struct buf *out, size_t *n, const char *fmt, ...)
{
	va_list ap;
	char line[512];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (*n > 0)
		buf_append(out, "\n", 1);
	buf_append(out, line, strlen(line));
	(*n)++;
}

/* The TCP_INFO line and the queues line. */
static void
ui_details_tcp(const struct conn_info *ci, const struct conn_act_tcp *t,
    struct buf *out, size_t *n)
{
	char rtt[32], var[32], sq[32], rq[32], tx[32], rx[32];

	if (t == NULL) {
		ui_details_line(out, n, "socket: closed");
		return;
	}
	if (t->has_info) {
		ui_fmt_usec(t->rtt_us, rtt, sizeof(rtt));
		ui_fmt_usec(t->rttvar_us, var, sizeof(var));
		ui_details_line(out, n, "tcp %s  rtt %s (var %s)  cwnd %u "
		    "(mss %u)  retrans %u  unacked %u  lost %u", t->state, rtt,
		    var, t->cwnd, t->mss, t->retrans, t->unacked, t->lost);
	} else
		ui_details_line(out, n, "%s socket (no TCP_INFO)",
		    t->is_unix ? "unix" : "stream");
	ui_fmt_size(t->tx_queued, tx, sizeof(tx));
	ui_fmt_size(t->rx_pending, rx, sizeof(rx));
	if (t->has_queues) {
		ui_fmt_size((uint64_t)(t->sendq > 0 ? t->sendq : 0), sq,
		    sizeof(sq));
		ui_fmt_size((uint64_t)(t->recvq > 0 ? t->recvq : 0), rq,
		    sizeof(rq));
		ui_details_line(out, n, "kernel send-q %s  recv-q %s   ours: "
		    "to write %s  partial frame %s%s", sq, rq, tx, rx,
		    ci->read_paused ? "   READING PAUSED" : "");
	} else
		ui_details_line(out, n, "ours: to write %s  partial frame %s%s",
		    tx, rx, ci->read_paused ? "   READING PAUSED" : "");
}

/* The TLS lines: what was negotiated, and the peer's certificate. */
static void
ui_details_tls(const struct tls_info *ti, struct buf *out, size_t *n)
{
	char hs[32];

	if (!ti->done) {
		ui_details_line(out, n, "tls: handshake not finished");
		return;
	}
	ui_fmt_usec((uint64_t)(ti->handshake_s * 1e6), hs, sizeof(hs));
	ui_details_line(out, n, "tls %s %s  alpn %s  handshake %s  %s",
	    ti->version, ti->cipher, ti->alpn[0] ? ti->alpn : "-", hs,
	    ti->insecure ? "NOT VERIFIED (--insecure)" : ti->verified ?
	    "verified" : "peer not verified");
	if (ti->subject[0] != '\0' || ti->issuer[0] != '\0')
		ui_details_line(out, n, "    peer cert expires %s  subject %s  "
		    "issuer %s", ti->not_after[0] ? ti->not_after : "-",
		    ti->subject[0] ? ti->subject : "-", ti->issuer[0] ?
		    ti->issuer : "-");
	else
		ui_details_line(out, n, "    no peer certificate");
}

size_t
ui_details_render(const struct conn_info *ci, const struct conn_act_tcp *tcp,
    double now, struct buf *out)
{
	char conn[32], age[32], idle[32] = "-";
	size_t n = 0;

	ui_details_tcp(ci, tcp, out, &n);
	if (ci->cred_pid > 0)
		ui_details_line(out, &n, "peer process pid %ld "
		    "uid %ld gid %ld (SO_PEERCRED)", ci->cred_pid, ci->cred_uid,
		    ci->cred_gid);
	if (ci->tls != NULL)
		ui_details_tls(ci->tls, out, &n);
	if (ci->t_open > 0)
		ui_fmt_usec((uint64_t)((ci->t_open - ci->t_start) * 1e6), conn,
		    sizeof(conn));
	else
		snprintf(conn, sizeof(conn), "-");
	ui_fmt_usec((uint64_t)(((ci->t_closed > 0 ? ci->t_closed : now) -
	    ci->t_start) * 1e6), age, sizeof(age));
	if (ci->t_last > 0 && now >= ci->t_last)
		ui_fmt_usec((uint64_t)((now - ci->t_last) * 1e6), idle,
		    sizeof(idle));
	ui_details_line(out, &n, "%s %s  age %s  last byte %s ago",
	    ci->side == SIDE_CLIENT ? "connected in" : "open after", conn, age,
	    idle);
	return n;
}
