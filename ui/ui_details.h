/* The details section of the message pane (the d key): what the kernel
 * says about the shown connection's socket (TCP_INFO, the queues), the
 * peer process of a Unix socket (SO_PEERCRED) and what its TLS handshake
 * negotiated. Text only, no curses, so the unit tests read it. */
#ifndef SB_UI_DETAILS_H
#define SB_UI_DETAILS_H
#include "buf.h"
#include "conn_act.h"
#include "observer.h"

/* Append the details of ci as lines separated by '\n' to out: tcp (tcp
 * may be NULL for a closed connection), the peer process, TLS (ci->tls
 * must be live or NULL: a closed row's copy points at freed memory), and
 * the connect time and age at monotonic time now. Returns the lines. */
size_t ui_details_render(const struct conn_info *ci,
    const struct conn_act_tcp *tcp, double now, struct buf *out);

#endif
