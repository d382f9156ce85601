/* Shared helpers for loopback tests: a watchdog that stops a stuck loop, and
 * an observer that remembers how every connection ended. */
#ifndef SB_LOOP_HARNESS_H
#define SB_LOOP_HARNESS_H
#include <stdio.h>
#include <string.h>
#include "conn.h"
#include "engine.h"

#define HARNESS_MAX_ENDS 4096

/* How one connection ended. */
struct harness_end {
	uint64_t		id;
	enum conn_side		side;
	enum conn_state		state;
	char			reason[128];
	uint64_t		bytes_in, bytes_out, msgs_in, msgs_out;
};

/* Everything a test wants to know after the loop returns. */
struct harness {
	struct observer		obs;
	struct harness_end	ends[HARNESS_MAX_ENDS];
	size_t			nends;
	size_t			errors;
	char			last_error[256];
	int			timed_out;
};

/* Record closes and errors. */
static void
harness_obs_cb(void *ctx, const struct conn_info *ci, const struct obs_event *ev)
{
	struct harness *h = ctx;

	if (ev->kind == OBS_ERROR) {
		h->errors++;
		snprintf(h->last_error, sizeof(h->last_error), "%s", ev->text);
	}
	if (ev->kind != OBS_CLOSED || h->nends == HARNESS_MAX_ENDS)
		return;
	struct harness_end *e = &h->ends[h->nends++];
	e->id = ci->id;
	e->side = ci->side;
	e->state = ci->state;
	snprintf(e->reason, sizeof(e->reason), "%s", ci->reason);
	e->bytes_in = ci->bytes_in;
	e->bytes_out = ci->bytes_out;
	e->msgs_in = ci->msgs_in;
	e->msgs_out = ci->msgs_out;
}

/* The watchdog fired: the test is stuck. */
static void
harness_watchdog_cb(struct engine *e, void *arg)
{
	struct harness *h = arg;

	h->timed_out = 1;
	engine_stop(e);
}

/* Observe e and stop it after seconds whatever happens. */
static void
harness_attach(struct harness *h, struct engine *e, double seconds)
{
	memset(h, 0, sizeof(*h));
	h->obs.on_event = harness_obs_cb;
	h->obs.ctx = h;
	engine_observe(e, &h->obs);
	engine_after(e, seconds, harness_watchdog_cb, h);
}

/* Count ended connections of a side in a state. */
__attribute__((unused)) static size_t
harness_count(const struct harness *h, enum conn_side side,
    enum conn_state st)
{
	size_t i, n = 0;

	for (i = 0; i < h->nends; i++)
		if (h->ends[i].side == side && h->ends[i].state == st)
			n++;
	return n;
}

#endif
