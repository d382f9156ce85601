/* Throughput rings: events per second over a sliding window, a plain
 * struct of fixed size embedded by its owner; nothing here allocates. */
#ifndef SB_RATE_H
#define SB_RATE_H
#include <stddef.h>
#include <stdint.h>

/*
 * Events per second over the last RATE_WINDOW seconds, in a ring of
 * per-second counters indexed by whole seconds of the caller's clock.
 */
#define RATE_WINDOW	60
#define RATE_SLOTS	64	/* window plus the second in progress */

struct rate {
	uint64_t	 slot[RATE_SLOTS];
	int64_t		 first;		/* first second counted */
	int64_t		 head;		/* latest second counted */
	int		 started;	/* anything counted yet */
};

void rate_init(struct rate *r);
/* Count n events at time now_s (seconds); events older than the window are
 * dropped. */
void rate_add(struct rate *r, double now_s, uint64_t n);
/* Events counted in the last completed second before now_s. */
double rate_per_sec(const struct rate *r, double now_s);
/* Fill out with per-second counts of up to max completed seconds of the
 * window, oldest first, starting no earlier than the first event; returns
 * how many were written. */
size_t rate_series(const struct rate *r, double now_s, double *out,
    size_t max);

#endif
