/* What a front end (the dashboard) may do to a live connection and learn
 * about it from the kernel, given the connection's public info as
 * observers get it (valid from OBS_OPENED until OBS_CLOSED returns). No
 * ev.h here: front ends never reach into the engine's watchers. */
#ifndef SB_CONN_ACT_H
#define SB_CONN_ACT_H
#include <stddef.h>
#include <stdint.h>
#include "observer.h"

/* The kernel's view of a socket: TCP_INFO (tcp(7), struct tcp_info) and
 * the queue sizes of SIOCOUTQ / SIOCINQ. */
struct conn_act_tcp {
	int		 is_unix;	/* an AF_UNIX socket */
	int		 has_info;	/* TCP_INFO answered (a TCP socket) */
	char		 state[16];	/* "ESTABLISHED", "FIN-WAIT-2"... */
	uint32_t	 rtt_us;	/* smoothed RTT (tcpi_rtt), us */
	uint32_t	 rttvar_us;	/* its variation (tcpi_rttvar), us */
	uint32_t	 cwnd;		/* congestion window, segments */
	uint32_t	 mss;		/* sender MSS (tcpi_snd_mss), bytes */
	uint32_t	 retrans;	/* segments retransmitted in all
					   (tcpi_total_retrans) */
	uint32_t	 unacked;	/* segments sent, not acknowledged */
	uint32_t	 lost;		/* segments presumed lost */
	int		 has_queues;	/* SIOCOUTQ and SIOCINQ answered */
	int		 sendq;		/* bytes sent not yet acknowledged
					   (TCP) or not yet read (Unix) */
	int		 recvq;		/* bytes received, not yet read */
	size_t		 tx_queued;	/* bytes we hold, not yet written */
	size_t		 rx_pending;	/* bytes read, not yet a frame */
};

/* Close our side with a FIN once the queued bytes are written (shutdown
 * SHUT_WR, conn_shutdown), no longer holding decoding (conn_user_take),
 * so the peer's close shows when it comes: 0, or -1 with why (already
 * closed or shut). */
int conn_act_fin(const struct conn_info *ci, char *why, size_t whylen);
/* Abort with an RST (SO_LINGER 0, conn_reset), reason "reset by us
 * (dashboard)": 0, or -1 with why (already closed). */
int conn_act_reset(const struct conn_info *ci, char *why, size_t whylen);
/* Stop (paused 1) or resume (0) reading (conn_pause_read; resuming also
 * stops holding decoding, conn_user_take): 0, or -1 with why (closed, or
 * the peer's EOF already read: nothing left to read). */
int conn_act_pause(const struct conn_info *ci, int paused, char *why,
    size_t whylen);
/* Send p[0..n), the wire bytes of one message (conn_send_user): 0, or -1
 * with why (closed, connecting, or our side already shut down). */
int conn_act_send(const struct conn_info *ci, const void *p, size_t n,
    char *why, size_t whylen);
/* Fill *out from the kernel for ci's socket: 0, or -1 when the socket is
 * closed (the queue fields of conn_act_tcp that are ours are still set). */
int conn_act_tcp(const struct conn_info *ci, struct conn_act_tcp *out);

#endif
