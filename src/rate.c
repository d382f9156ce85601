/* Per-second event counts over a sliding window, in a fixed ring. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "rate.h"

/* Return the whole second holding time t. */
static int64_t
rate_second(double t)
{
	return (int64_t)floor(t);
}

/* Make r an empty ring. */
void
rate_init(struct rate *r)
{
	memset(r, 0, sizeof(*r));
}

/* Count n events at time now_s. */
void
rate_add(struct rate *r, double now_s, uint64_t n)
{
	int64_t		 s, t;

	s = rate_second(now_s);
	if (!r->started) {
		memset(r->slot, 0, sizeof(r->slot));
		r->first = r->head = s;
		r->started = 1;
	}
	if (s > r->head) {
		t = r->head + 1;
		if (s - t >= RATE_SLOTS)
			t = s - RATE_SLOTS + 1;
		for (; t <= s; t++)
			r->slot[t & (RATE_SLOTS - 1)] = 0;
		r->head = s;
	}
	if (s <= r->head - RATE_SLOTS)
		return;
	if (s < r->first)
		r->first = s;
	r->slot[s & (RATE_SLOTS - 1)] += n;
}

/* Return the events counted in second t, 0 if outside the ring. */
static uint64_t
rate_slot(const struct rate *r, int64_t t)
{
	if (!r->started || t > r->head || t <= r->head - RATE_SLOTS ||
	    t < r->first)
		return 0;
	return r->slot[t & (RATE_SLOTS - 1)];
}

/* Return the events counted in the last completed second before now_s. */
double
rate_per_sec(const struct rate *r, double now_s)
{
	return (double)rate_slot(r, rate_second(now_s) - 1);
}

/* Write up to max completed seconds of the window to out, oldest first. */
size_t
rate_series(const struct rate *r, double now_s, double *out, size_t max)
{
	int64_t		 last, from, t;
	size_t		 n = 0;

	if (!r->started || max == 0)
		return 0;
	last = rate_second(now_s) - 1;
	from = last - RATE_WINDOW + 1;
	if (from < r->first)
		from = r->first;
	if (last < from)
		return 0;
	if ((uint64_t)(last - from) >= max)
		from = last - (int64_t)max + 1;
	for (t = from; t <= last; t++)
		out[n++] = (double)rate_slot(r, t);
	return n;
}
