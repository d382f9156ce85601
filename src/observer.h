/* What front ends (dashboard, reporters, bench statistics) may know about a
 * connection, and the events the engine sends them. Nothing here includes
 * ev.h: front ends never reach into the engine. */
#ifndef SB_OBSERVER_H
#define SB_OBSERVER_H
#include <stddef.h>
#include <stdint.h>
#include "codec.h"

enum conn_side { SIDE_CLIENT, SIDE_SERVER };
enum conn_state {
	CS_CONNECTING,	/* non-blocking connect under way */
	CS_OPEN,	/* established */
	CS_CLOSING,	/* flushing output before close, or half-closed */
	CS_CLOSED,	/* closed cleanly (EOF, by us); reason says which */
	CS_FAILED	/* refused, reset, timed out, protocol error; reason */
};

/* The public part of a connection, embedded in struct conn. Read-only for
 * front ends; valid from OBS_OPENED until OBS_CLOSED returns. The t_*
 * stamps are seconds of clock_now_mono() (clock.h), fresh reads, so that
 * t_open - t_start is the connect latency. */
struct tls_info;

struct conn_info {
	uint64_t		 id;		/* 1, 2, ... per engine */
	enum conn_side		 side;
	enum conn_state		 state;
	char			 reason[128];	/* why closed or failed */
	const struct codec	*codec;
	char			 local[64];	/* "127.0.0.1:40000" */
	char			 peer[64];
	uint64_t		 bytes_in, bytes_out;
	uint64_t		 msgs_in, msgs_out;
	double			 t_start;	/* connect or accept began */
	double			 t_open;	/* established; 0 if never */
	double			 t_last;	/* last byte in or out */
	double			 t_read;	/* last bytes read (a held
						   message arrived then) */
	double			 t_closed;
	double			 rtt_last;	/* last round trip, s; <0 none */
	long			 cred_pid;	/* a Unix socket's peer process
						   (SO_PEERCRED); 0: unknown */
	long			 cred_uid, cred_gid;
	void			*tag;		/* for the handler's reporter */
	const struct tls_info	*tls;		/* TLS only: what the handshake
						   negotiated (transport.h) */
	int			 read_paused;	/* a user stopped reading
						   (conn_pause_read) */
};

enum obs_kind {
	OBS_OPENED,	/* a connection object exists (connecting or accepted) */
	OBS_STATE,	/* state changed (connecting -> open -> closing ...) */
	OBS_MSG,	/* a message decoded (in) or sent (out) */
	OBS_ERROR,	/* a problem on this connection; text says what */
	OBS_CLOSED	/* last event; info is final and freed after this */
};

struct obs_event {
	enum obs_kind		 kind;
	int			 out;		/* OBS_MSG: 1 sent, 0 received */
	const struct codec_frame *frame;	/* OBS_MSG */
	const char		*text;		/* OBS_ERROR */
};

/* A consumer of engine events. Owned by whoever registers it. */
struct observer {
	void	(*on_event)(void *ctx, const struct conn_info *ci,
		    const struct obs_event *ev);
	void	 *ctx;
	struct observer *next;
};

/* "connecting", "open", "closing", "closed", "failed"; "?" otherwise. */
const char *conn_state_name(enum conn_state s);

#endif
