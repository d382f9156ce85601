/* Internal to the dashboard: its state, and drawing it into curses. Only
 * the files of ui/ include this. */
#ifndef SB_UI_DRAW_H
#define SB_UI_DRAW_H
#include <stdbool.h>
#include <stdio.h>
#include "engine.h"
#include "loadgen.h"
#include "runner.h"
#include "ui_model.h"

enum ui_pane { UI_PANE_TABLE, UI_PANE_MSGS };
/* The screen shown under the header: the connections (table and message
 * pane) or the scenario's steps (ui_steps.c). */
enum ui_screen { UI_SCREEN_CONNS, UI_SCREEN_STEPS };

/* The attributes the screens draw with (ui_draw_attr). */
enum ui_attr {
	UA_BAR, UA_HEAD, UA_SEL, UA_OPEN, UA_CONNECTING, UA_CLOSING,
	UA_CLOSED, UA_FAILED, UA_IN, UA_OUT, UA_EVENT, UA_COUNT
};

/* The dashboard, one per ui_run; on its stack, or the benchmark's. */
struct ui {
	struct engine		*e;
	struct runner		*r;		/* NULL: no scenario runner */
	const struct hist	*lat;		/* latency without a runner */
	const char		*title;
	struct ui_model		 m;
	bool			 utf8, color;
	enum ui_pane		 pane;
	long			 cur, top;	/* table cursor, first row */
	uint64_t		 sel_id;	/* id under the cursor */
	uint64_t		 focus_id;	/* shown in the message pane */
	int			 msg_back;	/* lines scrolled back; 0 tail */
	bool			 hex, paused, help, filtering, searching;
	char			 sbuf[UI_FILTER_MAX];	/* F3 search text */
	int			 help_top;	/* first help line shown */
	char			 fbuf[UI_FILTER_MAX];
	char			 status[256];
	double			 t_status, t_start, t_nav;
	int			 table_rows, msg_rows;	/* as last drawn */
	int			 msg_lines;	/* total, as last drawn */
	char			*service;	/* for recordings, or NULL */
	FILE			*log;
	char			 log_err[256];	/* why there is no log */
	bool			 quit;
	/* W: the conversations to record, written a few a frame by
	 * ui_keys_record_step; their rows are pinned until written. */
	uint64_t		*rec_ids;
	size_t			 rec_n, rec_next, rec_written;
	char			*rec_dir;	/* the new directory */
	double			 t_rec_ask;	/* W asked to confirm then */
	size_t			 rec_ask_n;	/* the count it asked about */
	int64_t			 conn_delta;	/* + minus - since the start
						   or the last r */
	struct engine_timer	*t_draw, *t_stdin;
	/* Acting on a connection (ui_actions.c): the send line, the details
	 * section, the message pane's time stamps, the mouse. */
	bool			 sending;	/* the send line is open */
	char			 send_buf[256];	/* what is typed there */
	uint64_t		 send_id;	/* the connection it goes to */
	bool			 details;	/* TCP/TLS details in the pane */
	int			 tsmode;	/* enum ui_msgview_ts */
	bool			 mouse;		/* ncurses mouse events on */
	int			 table_y;	/* screen line of the heading */
	/* The step screen (ui_steps.c) and live load control (ui_load.c). */
	enum ui_screen		 screen;
	long			 steps_top;	/* first line shown */
	long			 steps_lines;	/* lines, as last drawn */
	int			 steps_rows;	/* lines that fit, as drawn */
	/* bench --ui: the load generator, and its report's counters as
	 * they stood at the last frame (loadgen_live). */
	const struct loadgen	*lg;
	struct loadgen_counts	 lg_now;
	struct proxy		*px;		/* proxy --ui, or NULL */
	/* The fault prompt (ui_proxy.c): add for pair fault_conn (0 every
	 * pair) or remove one of fault_list by its id. */
	bool			 faulting, fault_remove;
	uint64_t		 fault_conn;
	char			 fault_buf[256];
	char			 fault_list[512];
};

/* Show a message in the status line for a while, and log it (ui.c). */
void ui_status(struct ui *u, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Set up colour pairs if the terminal has them and NO_COLOR is unset. */
void ui_draw_colors(struct ui *u);
/* Build one whole frame (header, table, message pane, status, help) and
 * send it to the terminal. */
void ui_draw(struct ui *u);
/* The column shown step (1 or -1) places right or left of from in the
 * table's heading at the current width, wrapping around; from itself when
 * no other is shown. Hidden columns are never picked. */
enum ui_col ui_draw_sort_step(const struct ui *u, enum ui_col from,
    int step);
/* The column shown at screen column x of the table, or UI_COL_COUNT when
 * x is between columns or past them (a mouse click on the heading). */
enum ui_col ui_draw_col_at(const struct ui *u, int x);
/* Keep the table cursor on the selected id after the view changed (on the
 * first row until the user has moved). */
void ui_draw_follow(struct ui *u);
/* Helpers the screens share; a is a curses attribute (attr_t). Draw UTF-8
 * text at (y, x) in at most cols columns, returning the columns used; the
 * same padded to exactly cols columns, aligned right or left; a whole
 * blank line. */
int ui_draw_text(struct ui *u, int y, int x, int cols, const char *s,
    unsigned long a);
void ui_draw_cell(struct ui *u, int y, int x, int cols, const char *s,
    int right, unsigned long a);
void ui_draw_blank(int y, unsigned long a);
/* The curses attribute of one of the screens' kinds of text. */
unsigned long ui_draw_attr(enum ui_attr which);

#endif
