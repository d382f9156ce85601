/* Recording: turn a connection's kept conversation into a scenario file
 * that `sockbench run` replays (see docs/scenarios.md). */
#ifndef SB_UI_RECORD_H
#define SB_UI_RECORD_H
#include <stddef.h>
#include "buf.h"
#include "scenario.h"
#include "ui_model.h"

/* Where the conversation ran. Strings are borrowed. */
struct ui_record_meta {
	const char	*service;	/* "app", "echo prefix \"..\"", or NULL */
	const char	*target;	/* for the comment; may be NULL */
	int		 peer_closed;	/* the other side is known to have
					   closed first (its own row says
					   so), whatever this row's reason */
};

/* Append p[0..n) as a scenario payload: "text" with escapes, or hex "..."
 * when the bytes are mostly binary. */
void ui_record_quote(const unsigned char *p, size_t n, struct buf *b);
/* Append the scenario that replays c's conversation from the client's
 * point of view; returns the number of send and expect steps written. */
size_t ui_record_conn(const struct ui_conn *c,
    const struct ui_record_meta *meta, struct buf *b);
/* Write that scenario to a new file at path (O_CREAT|O_EXCL|O_NOFOLLOW:
 * an existing file is never overwritten); 0, or -1 with err filled. */
int ui_record_write(const struct ui_conn *c, const struct ui_record_meta *meta,
    const char *path, char *err, size_t errlen);
/* Write that scenario to fd, which it closes; path names it in err. */
int ui_record_write_fd(const struct ui_conn *c,
    const struct ui_record_meta *meta, int fd, const char *path, char *err,
    size_t errlen);
/* The `service` directive's arguments for sc's embedded service, or NULL
 * when it names none; the caller frees it. */
char *ui_record_service(const struct scenario *sc);
/* The same for an embedded server's configuration (serve --ui). */
char *ui_record_service_cfg(const struct service_cfg *sv);

#endif
