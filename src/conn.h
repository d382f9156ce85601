/* A connection, shared by both sides: a non-blocking fd with read and write
 * watchers, a timer, rx and tx buffers, a state with a reason, counters, and
 * a codec that turns the rx stream into messages for its handler. */
#ifndef SB_CONN_H
#define SB_CONN_H
#include <ev.h>
#include <sys/socket.h>
#include "buf.h"
#include "engine.h"
#include "observer.h"
#include "transport.h"

struct conn;

/* Runs of HEAD / other requests a connection has room for at first; the
 * FIFO doubles as needed up to CONN_REQ_RUNS_MAX runs (8 bytes each). */
#define CONN_REQ_RUNS	32
/* The most runs of HEAD / other requests awaiting their responses a
 * connection tracks (a pipeline of any length alternating fewer times
 * than this between HEAD and other methods: 512 KiB at most); one more
 * fails the connection ("protocol error: ... runs of HEAD ...") rather
 * than frame a response without knowing whether it answers a HEAD. */
#define CONN_REQ_RUNS_MAX	65536

/* What reacts to a connection: a service (server side) or a runner (client
 * side). Every callback is optional. No callback may free the connection;
 * conn_close marks it and the loop frees it afterwards. */
struct conn_handler {
	/* Connected (client) or accepted (server). */
	void	(*on_open)(struct conn *c);
	/* One decoded message; f points into the rx buffer. */
	void	(*on_msg)(struct conn *c, const struct codec_frame *f);
	/* The peer shut down its write side; the default closes with "EOF". */
	void	(*on_eof)(struct conn *c);
	/* Everything queued has been written. */
	void	(*on_drain)(struct conn *c);
	/* The timer set with conn_timer fired; the default fails "timeout". */
	void	(*on_timer)(struct conn *c);
	/* A problem that did not close the connection but may make what
	 * follows wrong (conn_warn's text): the handler can report it. */
	void	(*on_warn)(struct conn *c, const char *text);
	/* The connection is closed or failed; last call, reason in info.
	 * Called from the loop after the close (or from engine_reap), never
	 * from inside conn_send or conn_close, so the handler's state stays
	 * valid until every callback on the stack has returned. */
	void	(*on_close)(struct conn *c);
};

/* Allocated by conn_new; after conn_close or conn_fail the engine's reaper
 * calls on_close, then conn_destroy frees it with everything inside. */
struct conn {
	struct conn_info	 info;		/* public: front ends read this */
	struct engine		*eng;
	struct transport	 tr;		/* all I/O goes through it */
	int			 fd;		/* tr.fd, for the watchers;
						 * -1 once closed */
	ev_io			 rio, wio;
	ev_timer		 timer;
	struct buf		 rx, tx;
	const struct conn_handler *h;
	void			*udata;		/* the handler's state */
	struct conn		*next, *prev;	/* engine list */
	unsigned		 reading:1;	/* read watcher active */
	unsigned		 paused:1;	/* handler asked to stop reading */
	unsigned		 backpressure:1;/* tx over high water */
	unsigned		 close_after_flush:1;
	unsigned		 shut_after_flush:1;
	unsigned		 wr_shut:1;	/* we sent FIN */
	unsigned		 rd_eof:1;	/* peer sent FIN */
	unsigned		 dead:1;	/* closed, waiting to be freed */
	unsigned		 in_decode:1;
	unsigned		 eof_told:1;	/* handler heard of the EOF */
	unsigned		 held:1;	/* read into rx, do not decode */
	unsigned		 no_backpressure:1; /* keep reading whatever tx
						   holds: the handler bounds
						   its input itself */
	unsigned		 rx_head:1;	/* the frame on_msg is given
						   was framed as answering a
						   HEAD request (no body) */
	unsigned		 req_track:1;	/* http client: framing the
						   requests we send */
	unsigned		 user_paused:1;	/* a user stopped reading
						   (conn_pause_read) */
	unsigned		 user_io:1;	/* a user sent on it: never
						   hold decoding again */
	size_t			 max_frame;
	struct codec_cursor	*cursor;	/* the codec's memory of the
						   pending frame (codec.h) */
	/* The requests we sent that no response has answered yet (http,
	 * client side), so that the response to a HEAD is framed without a
	 * body (RFC 9110, 9.3.2): a ring of runs, each count requests that
	 * were HEAD (head = 1) or not, req_cap of them allocated with the
	 * first request, doubled when full up to req_max (CONN_REQ_RUNS_MAX
	 * unless a test lowers it), freed with the connection. txreq holds the sent bytes of a
	 * request not yet whole (at most max_frame), txcur its cursor. */
	struct buf		 txreq;
	struct codec_cursor	*txcur;
	struct conn_reqrun {
		uint32_t	 count;
		uint8_t		 head;
	}			*reqs;		/* req_cap of them, made at
						   the first request */
	uint32_t		 req_first, req_runs, req_cap, req_max;
	void			*owner;		/* server or pool that made it */
	/* Set by the pool: a failed connect attempt (err is the errno,
	 * ETIMEDOUT when --connect-timeout ran out) comes here instead of
	 * failing the connection; it tries the next address or fails it. */
	void			(*connect_failed)(struct conn *c, int err);
	uint16_t		 addr_idx, addr_tried;	/* the pool's, connecting */
};

/* Make a connection around a connected or connecting non-blocking fd. */
struct conn *conn_new(struct engine *e, int fd, enum conn_side side,
    enum conn_state st, const struct codec *codec,
    const struct conn_handler *h, void *udata);
/* Queue bytes and write what the socket takes now; counts bytes out. On
 * an http client connection the bytes are also read as requests, and the
 * response to each HEAD among them is decoded with CODEC_HINT_HEAD. */
void conn_send(struct conn *c, const void *p, size_t n);
/* Like conn_send, and counts one message out and tells observers. */
void conn_send_msg(struct conn *c, const void *p, size_t n);
/* Tell observers about a message sent as several conn_send pieces. */
void conn_note_msg_out(struct conn *c, const unsigned char *p, size_t n);
/* Half-close: send FIN once the queued bytes are written. */
void conn_shutdown(struct conn *c);
/* Close once the queued bytes are written. */
void conn_close_after_flush(struct conn *c, const char *reason);
/* Close now: CS_CLOSED with reason (a normal end). */
void conn_close(struct conn *c, const char *reason);
/* Close now: CS_FAILED with reason (an error), and emit OBS_ERROR. */
void conn_fail(struct conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Replace a connecting connection's socket (closed here) with fd, on which
 * a non-blocking connect to another address is under way; the new socket
 * gets a TCP transport. */
void conn_connect_swap(struct conn *c, int fd);
/* Upgrade an open connection to TLS in place with the engine's
 * tls_starttls context (client) or tls_starttls_server (server: it waits
 * for the client hello) (SMTP STARTTLS, RFC 3207; IMAP, POP3, FTP AUTH
 * TLS): the handshake starts now and completes under the next reads and
 * writes, which are encrypted. 0, or -1 with a reason in why: no
 * context, not open, already TLS, or plaintext bytes already received
 * after the go-ahead (injected before the handshake: refused, as RFC 3207
 * section 6 / CVE-2011-0411 advise). */
int conn_starttls(struct conn *c, char *why, size_t whylen);
/* Arm the connection's timer (seconds); 0 disarms it. */
void conn_timer(struct conn *c, double seconds);
/* Stop or resume reading (the handler's own flow control). */
void conn_pause(struct conn *c, int paused);
/* Stop reading on a user's request (the dashboard's P) until
 * conn_resume_read, whatever the handler's conn_pause or backpressure say:
 * what the peer sends waits in the kernel's receive queue, then fills the
 * window (TCP flow control, RFC 9293 3.8.6). Sets info.read_paused. */
void conn_pause_read(struct conn *c);
/* Read again after conn_pause_read, delivering what rx holds first. */
void conn_resume_read(struct conn *c);
/* Abort: close now with an RST instead of a FIN (SO_LINGER with a zero
 * timeout, RFC 9293 3.10.7.1 "ABORT"; queued bytes are discarded), as
 * CS_CLOSED with reason; an AF_UNIX socket has no RST and just closes.
 * 0, or -1 with errno when the option cannot be set (it closes anyway). */
int conn_reset(struct conn *c, const char *reason);
/* A user acts on c by hand (the dashboard): from now on decoding is never
 * held (conn_hold), so what the peer sends, and its close, reach the
 * observers and the handler as they arrive. */
void conn_user_take(struct conn *c);
/* Send one message a user typed (the bytes as they go on the wire), as
 * conn_send_msg does, after conn_user_take. */
void conn_send_user(struct conn *c, const void *p, size_t n);
/* The connection whose public info is ci (ci as observers get it, valid
 * from OBS_OPENED until OBS_CLOSED returns). */
struct conn *conn_of_info(const struct conn_info *ci);
/* Hold decoding (held = 1): bytes the peer sends are still read into rx,
 * up to max_buffer bytes, so a peer that writes while we write never
 * blocks on us; releasing (0) delivers every whole frame buffered, then
 * any EOF. A scenario runner holds between its expects. */
void conn_hold(struct conn *c, int held);
/* Emit an OBS_ERROR event without closing, and tell the handler's
 * on_warn (a run report lists it). */
void conn_warn(struct conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Record a round trip sample in seconds. */
void conn_rtt(struct conn *c, double seconds);
/* Decode and deliver any whole messages already buffered. */
void conn_process(struct conn *c);
/* Free a reaped connection and everything inside it: buffers, transport
 * (closed first if still open), the connection itself. Only the engine's
 * reaper calls it, after the handler's on_close. */
void conn_destroy(struct conn *c);

#endif
