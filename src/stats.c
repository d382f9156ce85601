/* Log-linear latency histograms and per-second rate rings. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "buf.h"
#include "stats.h"

#define HIST_MAGIC	"SBH1"
#define HIST_MAGICLEN	4
#define VARINT_MAX	10

/* Return the bucket index of a value no larger than HIST_MAX. */
static unsigned
hist_index(uint64_t v)
{
	unsigned	 shift;

	if (v < 2 * HIST_SUB)
		return (unsigned)v;
	shift = 63 - __builtin_clzll(v) - HIST_SUB_BITS;
	return (shift << HIST_SUB_BITS) + (unsigned)(v >> shift);
}

/* Return the lowest value counted in bucket idx. */
static uint64_t
hist_index_lowest(unsigned idx)
{
	unsigned	 shift;

	if (idx < 2 * HIST_SUB)
		return idx;
	shift = (idx >> HIST_SUB_BITS) - 1;
	return (uint64_t)(idx - (shift << HIST_SUB_BITS)) << shift;
}

/* Return the highest value counted in bucket idx. */
static uint64_t
hist_index_highest(unsigned idx)
{
	unsigned	 shift;

	if (idx < 2 * HIST_SUB)
		return idx;
	shift = (idx >> HIST_SUB_BITS) - 1;
	return hist_index_lowest(idx) + (UINT64_C(1) << shift) - 1;
}

/* Return the lowest value sharing v's bucket. */
uint64_t
hist_lowest_equiv(uint64_t v)
{
	if (v > HIST_MAX)
		v = HIST_MAX;
	return hist_index_lowest(hist_index(v));
}

/* Return the highest value sharing v's bucket. */
uint64_t
hist_highest_equiv(uint64_t v)
{
	if (v > HIST_MAX)
		v = HIST_MAX;
	return hist_index_highest(hist_index(v));
}

/* Make h an empty histogram. */
void
hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

/* Empty h, keeping nothing of what it counted. */
void
hist_reset(struct hist *h)
{
	hist_init(h);
}

/* Add n samples to bucket idx, saturating at UINT32_MAX. */
static void
hist_add_bucket(struct hist *h, unsigned idx, uint64_t n)
{
	uint64_t	 c;

	c = (uint64_t)h->counts[idx] + n;
	if (c > UINT32_MAX) {
		h->lost += c - UINT32_MAX;
		c = UINT32_MAX;
	}
	h->counts[idx] = (uint32_t)c;
}

/* Count one value, clamping it to HIST_MAX. */
void
hist_record(struct hist *h, uint64_t usec)
{
	unsigned	 idx;

	if (usec > HIST_MAX) {
		usec = HIST_MAX;
		h->overflow++;
	}
	h->count++;
	h->sum += usec;
	if (usec < h->min)
		h->min = usec;
	if (usec > h->max)
		h->max = usec;
	idx = hist_index(usec);
	if (h->counts[idx] == UINT32_MAX)
		h->lost++;
	else
		h->counts[idx]++;
}

/* Add every sample of src to dst. */
void
hist_merge(struct hist *dst, const struct hist *src)
{
	unsigned	 i;

	if (src->count == 0)
		return;
	for (i = 0; i < HIST_NBUCKETS; i++)
		if (src->counts[i] != 0)
			hist_add_bucket(dst, i, src->counts[i]);
	dst->count += src->count;
	dst->sum += src->sum;
	dst->overflow += src->overflow;
	dst->lost += src->lost;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

/* Return the number of samples recorded. */
uint64_t
hist_count(const struct hist *h)
{
	return h->count;
}

/* Return the smallest recorded value, 0 when empty. */
uint64_t
hist_min(const struct hist *h)
{
	return h->count == 0 ? 0 : h->min;
}

/* Return the largest recorded value, 0 when empty. */
uint64_t
hist_max(const struct hist *h)
{
	return h->max;
}

/* Return the mean of the recorded values, 0 when empty. */
double
hist_mean(const struct hist *h)
{
	if (h->count == 0)
		return 0.0;
	return (double)h->sum / (double)h->count;
}

/* Return the value at percentile pct, as HdrHistogram reports it. */
uint64_t
hist_percentile(const struct hist *h, double pct)
{
	uint64_t	 n, rank, acc;
	unsigned	 i;

	n = h->count - h->lost;
	if (n == 0)
		return 0;
	if (!(pct > 0.0))
		pct = 0.0;
	if (pct > 100.0)
		pct = 100.0;
	/* The smallest value with at least pct% of samples at or below it
	 * (HdrHistogram rounds the rank up). */
	rank = (uint64_t)ceil(pct / 100.0 * (double)n - 1e-9);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	acc = 0;
	for (i = 0; i < HIST_NBUCKETS; i++) {
		acc += h->counts[i];
		if (acc >= rank)
			break;
	}
	if (i == HIST_NBUCKETS)
		i = HIST_NBUCKETS - 1;
	if (pct == 0.0)
		return hist_index_lowest(i);
	return hist_index_highest(i);
}

/* Append v to b as an unsigned LEB128 varint. */
static void
put_uvarint(struct buf *b, uint64_t v)
{
	unsigned char	 tmp[VARINT_MAX];
	size_t		 n = 0;

	while (v >= 0x80) {
		tmp[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (unsigned char)v;
	buf_append(b, tmp, n);
}

/* Read a varint from *pp, not past end; returns 0, or -1 if malformed. */
static int
get_uvarint(const unsigned char **pp, const unsigned char *end, uint64_t *out)
{
	const unsigned char	*p = *pp;
	uint64_t		 v = 0;
	unsigned		 shift = 0;

	for (;;) {
		if (p == end || shift >= 7 * VARINT_MAX)
			return -1;
		/* The tenth byte may only carry the top bit of 64. */
		if (shift == 63 && *p > 1)
			return -1;
		v |= (uint64_t)(*p & 0x7f) << shift;
		shift += 7;
		if ((*p++ & 0x80) == 0)
			break;
	}
	*pp = p;
	*out = v;
	return 0;
}

/*
 * The encoding is "SBH1", then varints count, sum, min, max, overflow, lost
 * and the number of nonzero buckets, then for each such bucket in rising
 * order a varint gap (index minus previous index minus one, the first one
 * counted from -1) and a varint count.
 */

/* Append h in the sparse binary form to b; returns bytes appended. */
size_t
hist_encode(const struct hist *h, struct buf *b)
{
	size_t		 before = buf_len(b);
	uint64_t	 nz = 0;
	unsigned	 i, next = 0;

	for (i = 0; i < HIST_NBUCKETS; i++)
		if (h->counts[i] != 0)
			nz++;
	buf_append(b, HIST_MAGIC, HIST_MAGICLEN);
	put_uvarint(b, h->count);
	put_uvarint(b, h->sum);
	put_uvarint(b, hist_min(h));
	put_uvarint(b, h->max);
	put_uvarint(b, h->overflow);
	put_uvarint(b, h->lost);
	put_uvarint(b, nz);
	for (i = 0; i < HIST_NBUCKETS; i++) {
		if (h->counts[i] == 0)
			continue;
		put_uvarint(b, i - next);
		put_uvarint(b, h->counts[i]);
		next = i + 1;
	}
	return buf_len(b) - before;
}

/* Decode p into h, checking every bound and the totals' consistency. */
static int
hist_decode1(struct hist *h, const unsigned char *p, size_t n)
{
	const unsigned char	*end = p + n;
	uint64_t		 count, sum, min, max, nz, gap, c, total;
	uint64_t		 idx, first = 0, last = 0, k;

	if (n < HIST_MAGICLEN || memcmp(p, HIST_MAGIC, HIST_MAGICLEN) != 0)
		return -1;
	p += HIST_MAGICLEN;
	if (get_uvarint(&p, end, &count) == -1 ||
	    get_uvarint(&p, end, &sum) == -1 ||
	    get_uvarint(&p, end, &min) == -1 ||
	    get_uvarint(&p, end, &max) == -1 ||
	    get_uvarint(&p, end, &h->overflow) == -1 ||
	    get_uvarint(&p, end, &h->lost) == -1 ||
	    get_uvarint(&p, end, &nz) == -1)
		return -1;
	if (nz > HIST_NBUCKETS || h->lost > count || h->overflow > count)
		return -1;
	idx = 0;
	total = 0;
	for (k = 0; k < nz; k++) {
		if (get_uvarint(&p, end, &gap) == -1 ||
		    get_uvarint(&p, end, &c) == -1)
			return -1;
		if (gap >= HIST_NBUCKETS - idx || c == 0 || c > UINT32_MAX)
			return -1;
		idx += gap;
		if (k == 0)
			first = idx;
		last = idx;
		h->counts[idx] = (uint32_t)c;
		total += c;
		idx++;
	}
	if (p != end || total != count - h->lost)
		return -1;
	if (count == 0)
		return (sum | min | max | h->overflow) == 0 ? 0 : -1;
	if (total == 0 || min > max || max > HIST_MAX ||
	    hist_index(min) != first || hist_index(max) != last)
		return -1;
	if (sum / count < min || sum / count > max)
		return -1;
	h->count = count;
	h->sum = sum;
	h->min = min;
	h->max = max;
	return 0;
}

/* Replace h with the histogram encoded in p; h is empty on failure. */
int
hist_decode(struct hist *h, const unsigned char *p, size_t n)
{
	hist_init(h);
	if (hist_decode1(h, p, n) == -1) {
		hist_init(h);
		return -1;
	}
	return 0;
}

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
