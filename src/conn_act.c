/* Acting on a live connection from a front end, and asking the kernel
 * about its socket (TCP_INFO, SIOCOUTQ, SIOCINQ). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include "conn.h"
#include "conn_act.h"

/* The connection of ci if it can still be acted on, else NULL with why. */
static struct conn *
conn_act_live(const struct conn_info *ci, char *why, size_t whylen)
{
	struct conn *c;

	if (ci == NULL) {
		snprintf(why, whylen, "the connection is closed");
		return NULL;
	}
	c = conn_of_info(ci);
	if (c->dead || c->fd < 0) {
		snprintf(why, whylen, "connection #%llu is closed",
		    (unsigned long long)ci->id);
		return NULL;
	}
	return c;
}

int
conn_act_fin(const struct conn_info *ci, char *why, size_t whylen)
{
	struct conn *c = conn_act_live(ci, why, whylen);

	if (c == NULL)
		return -1;
	if (c->wr_shut || c->shut_after_flush || c->close_after_flush) {
		snprintf(why, whylen, "connection #%llu already sent its FIN",
		    (unsigned long long)ci->id);
		return -1;
	}
	conn_shutdown(c);
	conn_user_take(c);	/* the peer's close shows when it comes */
	return 0;
}

int
conn_act_reset(const struct conn_info *ci, char *why, size_t whylen)
{
	struct conn *c = conn_act_live(ci, why, whylen);

	if (c == NULL)
		return -1;
	if (conn_reset(c, "reset by us (dashboard)") < 0)
		snprintf(why, whylen, "SO_LINGER: %s (closed without an RST)",
		    strerror(errno));
	else
		why[0] = '\0';
	return 0;
}

int
conn_act_pause(const struct conn_info *ci, int paused, char *why,
    size_t whylen)
{
	struct conn *c = conn_act_live(ci, why, whylen);

	if (c == NULL)
		return -1;
	if (paused && c->rd_eof) {
		snprintf(why, whylen, "connection #%llu: the peer already "
		    "closed its side, nothing is left to read",
		    (unsigned long long)ci->id);
		return -1;
	}
	if (paused)
		conn_pause_read(c);
	else {
		conn_user_take(c);	/* what was held shows now */
		conn_resume_read(c);
	}
	return 0;
}

int
conn_act_send(const struct conn_info *ci, const void *p, size_t n,
    char *why, size_t whylen)
{
	struct conn *c = conn_act_live(ci, why, whylen);

	if (c == NULL)
		return -1;
	if (c->info.state == CS_CONNECTING) {
		snprintf(why, whylen, "connection #%llu is still connecting",
		    (unsigned long long)ci->id);
		return -1;
	}
	if (c->wr_shut || c->shut_after_flush || c->close_after_flush) {
		snprintf(why, whylen, "connection #%llu already sent its FIN: "
		    "nothing more can be sent", (unsigned long long)ci->id);
		return -1;
	}
	conn_send_user(c, p, n);
	return 0;
}

/* The name of a TCP state (include/net/tcp_states.h). */
static const char *
conn_act_state_name(unsigned st)
{
	static const char *const names[] = {
		"?", "ESTABLISHED", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1",
		"FIN-WAIT-2", "TIME-WAIT", "CLOSE", "CLOSE-WAIT", "LAST-ACK",
		"LISTEN", "CLOSING",
	};

	return st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

int
conn_act_tcp(const struct conn_info *ci, struct conn_act_tcp *out)
{
	struct conn *c;
	struct tcp_info ti;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ti), sslen = sizeof(ss);
	int q;

	memset(out, 0, sizeof(*out));
	if (ci == NULL)
		return -1;
	c = conn_of_info(ci);
	out->tx_queued = buf_len(&c->tx);
	out->rx_pending = buf_len(&c->rx);
	if (c->dead || c->fd < 0)
		return -1;
	if (getsockname(c->fd, (struct sockaddr *)&ss, &sslen) == 0)
		out->is_unix = ss.ss_family == AF_UNIX;
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
	    len >= offsetof(struct tcp_info, tcpi_total_retrans) +
	    sizeof(ti.tcpi_total_retrans)) {
		out->has_info = 1;
		snprintf(out->state, sizeof(out->state), "%s",
		    conn_act_state_name(ti.tcpi_state));
		out->rtt_us = ti.tcpi_rtt;
		out->rttvar_us = ti.tcpi_rttvar;
		out->cwnd = ti.tcpi_snd_cwnd;
		out->mss = ti.tcpi_snd_mss;
		out->retrans = ti.tcpi_total_retrans;
		out->unacked = ti.tcpi_unacked;
		out->lost = ti.tcpi_lost;
	}
	if (ioctl(c->fd, SIOCOUTQ, &q) == 0) {
		out->sendq = q;
		if (ioctl(c->fd, SIOCINQ, &q) == 0) {
			out->recvq = q;
			out->has_queues = 1;
		}
	}
	return 0;
}
