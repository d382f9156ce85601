/* The dashboard's view model: what the engine's events say about every
 * connection, their recent messages, the sorted and filtered row list, and
 * the throughput history. It never includes curses, so the unit tests and
 * the frame benchmark drive it without a terminal. */
#ifndef SB_UI_MODEL_H
#define SB_UI_MODEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <regex.h>
#include "engine.h"
#include "observer.h"
#include "stats.h"

#define UI_MSG_MAX	64		/* messages kept per connection */
#define UI_MSG_BYTES	4096		/* bytes kept of one message */
#define UI_MSG_TOTAL	(32u << 20)	/* bytes kept over all messages */
#define UI_LINGER	5.0		/* seconds a closed row stays */
#define UI_CLOSED_MAX	20000		/* closed rows kept at most */
#define UI_FILTER_MAX	64		/* bytes in a filter string */
#define UI_LAST_MAX	160		/* bytes of the "last message" text */
#define UI_FILTER_TERMS	8		/* terms of a filter, at most */

enum ui_msg_kind { UI_MSG_IN, UI_MSG_OUT, UI_MSG_EVENT };

/* One term of the filter (see ui_model_set_filter). */
enum ui_term_kind {
	UI_TERM_TEXT,	/* substring of state, peer, reason, last message */
	UI_TERM_REGEX,	/* POSIX extended regex over the same, any case */
	UI_TERM_STATE,	/* state:NAME, a prefix of the state's name */
	UI_TERM_SIDE,	/* side:cli or side:srv */
	UI_TERM_ROLE,	/* role:NAME, the role's name exactly */
	UI_TERM_PORT	/* port:N, the local or the peer port */
};

struct ui_term {
	enum ui_term_kind kind;
	bool		 negate;	/* a leading '!' */
	char		 text[UI_FILTER_MAX];
	unsigned	 port;
	regex_t		 re;		/* UI_TERM_REGEX: compiled */
};

/* One message (or event line) of a connection. Allocated by the model when
 * the event arrives, freed when it falls out of the per-connection ring or
 * the global budget, or with its connection. */
struct ui_msg {
	struct ui_msg	*cnext, *cprev;	/* its connection's, oldest first */
	struct ui_msg	*gnext, *gprev;	/* every message, oldest first */
	struct ui_conn	*conn;
	double		 t;		/* monotonic seconds */
	enum ui_msg_kind kind;
	size_t		 len;		/* bytes on the wire (text for events) */
	size_t		 kept;		/* bytes stored in data */
	unsigned char	 data[];
};

/* One row: a connection the engine told us about. Allocated on OBS_OPENED,
 * freed by ui_model_expire some seconds after it closed. */
struct ui_conn {
	struct conn_info	 info;	/* copy, refreshed on state events */
	const struct conn_info	*live;	/* the engine's, until OBS_CLOSED */
	struct ui_conn		*hnext;	/* hash chain by id */
	struct ui_conn		*prev, *next;	/* every row, by arrival */
	struct ui_msg		*mfirst, *mlast;
	unsigned		 nmsgs;
	uint64_t		 lost;		/* messages no longer kept */
	char			 last[UI_LAST_MAX];	/* newest message */
	int			 last_stale;	/* last needs describing */
	double			 t_gone;	/* monotonic close time; 0 open */
	int			 pinned;	/* focused: not expired */
	int			 in_view;	/* listed in the row view */
	/* A proxy pair (ui_model_pair): the other row's id, the pair's
	 * #N, and the codec its decoded messages are shown with. Its own
	 * raw chunks are not kept; the pair's messages are, on both rows. */
	uint64_t		 pair_id, pair_no;
	const struct codec	*pair_codec;
};

enum ui_col {
	UI_COL_ID, UI_COL_SIDE, UI_COL_STATE, UI_COL_CODEC, UI_COL_LOCAL,
	UI_COL_PEER, UI_COL_BIN, UI_COL_BOUT, UI_COL_MIN, UI_COL_MOUT,
	UI_COL_RTT, UI_COL_LAST, UI_COL_COUNT
};

/* The model. Embedded by its owner; ui_model_init/ui_model_free. */
struct ui_model {
	struct observer	 obs;		/* register with engine_observe */
	struct ui_conn	**hash;		/* by id, hsize buckets */
	size_t		 hsize, nconns, nclosed;
	struct ui_conn	*first, *last;
	struct ui_msg	*gfirst, *glast;
	size_t		 msg_bytes;	/* kept over all messages */
	size_t		 msg_total;	/* budget, UI_MSG_TOTAL by default */
	struct ui_conn	**view;		/* rows shown, in order */
	size_t		 nview, view_cap;
	enum ui_col	 sort;
	int		 reverse;
	char		 filter[UI_FILTER_MAX];
	struct ui_term	 terms[UI_FILTER_TERMS];	/* filter, parsed */
	size_t		 nterms;
	char		 filter_err[128];	/* why a term was not taken */
	/* The role of a client connection (runner_info_role), or NULL;
	 * set by the owner, NULL when there are no roles. */
	const char	*(*role_of)(void *ctx, const struct conn_info *ci);
	void		*role_ctx;
	bool		 keep_closed;	/* closed rows stay (UI_CLOSED_MAX) */
	bool		 failed_only;	/* only failed rows in the view */
	int		 view_dirty;	/* order or filter changed */
	double		 t_sorted;
	double		 wall_off;	/* wall clock minus monotonic */
	struct engine_totals last_tot;	/* at the last sample */
	double		 t_sample;
	struct rate	 r_bytes;	/* in + out, for the sparkline */
	struct rate	 r_bin, r_bout, r_min, r_mout;
};

void ui_model_init(struct ui_model *m);
void ui_model_free(struct ui_model *m);
/* Take one engine event at monotonic time now (the observer calls this). */
void ui_model_event(struct ui_model *m, const struct conn_info *ci,
    const struct obs_event *ev, double now);
/* The row with this id, or NULL. */
struct ui_conn *ui_model_find(const struct ui_model *m, uint64_t id);
/* The connection's counters: the engine's while open, else the copy. */
const struct conn_info *ui_model_conn_info(const struct ui_conn *c);
/* Describe the newest message of c without its codec header (the body
 * is what a table cell has room for); cached until the next one. */
const char *ui_model_last(struct ui_conn *c);
/* Render a kept message as text (codec describe); always NUL-terminated. */
void ui_model_describe(const struct ui_conn *c, const struct ui_msg *msg,
    char *out, size_t outlen);
/* Write why c closed into out, short enough for a table cell: a runner's
 * "scenario failed at DIR/F.txt:8: expect mismatch" as "F.txt:8: expect
 * mismatch" (the step's file without its directory, line, step and
 * reason); any other reason as it is; "" while open. */
void ui_model_reason(const struct ui_conn *c, char *out, size_t outlen);
/* Drop rows closed more than UI_LINGER seconds before now (not pinned,
 * and none while keep_closed is set: then only past UI_CLOSED_MAX);
 * keeps the view's order. Returns how many were dropped. */
size_t ui_model_expire(struct ui_model *m, double now);
/* Rebuild the row view: filter, then sort. */
void ui_model_refresh(struct ui_model *m, double now);
/* Set the sort column (< UI_COL_COUNT, asserted) and direction, the
 * filter, or the failed-only view; marks the view dirty. */
void ui_model_set_sort(struct ui_model *m, enum ui_col col, int reverse);
/* The filter is terms separated by spaces, every one must match a row:
 * field terms state:NAME (a prefix: state:fail), side:cli|srv, role:NAME,
 * port:N (local or peer), else text: a POSIX extended regular expression
 * (regex(7), any case) when it has one of .[]()*+?{}|^$\, else a
 * substring, of the state, peer, close reason or last message. '!' before
 * a term negates it. A term that does not parse (a bad regex, port:x,
 * side:x, more than UI_FILTER_TERMS) leaves the filter matching nothing,
 * with why in m->filter_err ("" when every term parsed). */
void ui_model_set_filter(struct ui_model *m, const char *filter);
void ui_model_set_failed_only(struct ui_model *m, bool on);
/* Add an event line (text, escaped when drawn) to the messages of the row
 * with this id, as the dashboard's own actions do; no row: nothing. */
void ui_model_add_note(struct ui_model *m, uint64_t id, double now,
    const char *text);
/* Whether text is a substring (any case) of c's state, peer, close
 * reason or last message: what F3 searches. */
bool ui_model_has_text(struct ui_conn *c, const char *text);
/* Whether a row passes the current filter. */
bool ui_model_matches(const struct ui_model *m, struct ui_conn *c);
/* Index of the row with this id in the view, or -1. */
long ui_model_index(const struct ui_model *m, uint64_t id);
/* Feed the rate rings from the engine's totals at time now. */
void ui_model_sample(struct ui_model *m, const struct engine_totals *tot,
    double now);
/* Link rows a (a proxy's accepted client) and b (its upstream) as proxy
 * pair no: from now on their raw chunks are not kept and the pane of
 * either shows the pair's decoded messages (ui_model_pair_msg). */
void ui_model_pair(struct ui_model *m, uint64_t no, uint64_t a, uint64_t b);
/* One decoded message of the pair of rows a and b, c2s 1 client to
 * server, decoded with cd: kept on both rows (received by the accepted
 * side when c2s, sent by the upstream side), in order. */
void ui_model_pair_msg(struct ui_model *m, uint64_t a, uint64_t b, int c2s,
    const struct codec *cd, const void *frame, size_t len, double now);
/* The codec c's messages are shown with: its pair's, else its own. */
const struct codec *ui_model_codec(const struct ui_conn *c);
/* Whether a kept message of c went client to server (proxy pairs). */
bool ui_model_msg_c2s(const struct ui_conn *c, const struct ui_msg *msg);
/* Name of a column, as the table heading shows it. */
const char *ui_model_col_name(enum ui_col col);

#endif
