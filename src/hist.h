/* Latency histograms for bench, run and the dashboard: a plain struct of
 * fixed size, embedded by its owner (one per loop or per scenario, never
 * per connection); nothing here allocates, except hist_encode growing the
 * caller's buffer and hist_json adding to the caller's cJSON tree. */
#ifndef SB_HIST_H
#define SB_HIST_H
#include <stddef.h>
#include <stdint.h>
#include "buf.h"

/*
 * A log-linear histogram of microsecond values with 3 significant digits:
 * values below 2048 have their own bucket, and every power of two above is
 * split into 1024 equal buckets, so a bucket's width is at most 1/1024 of
 * its lowest value (under 0.1% relative error). Values run from 0 to
 * HIST_MAX (2^32 - 1 us, about 71 minutes); larger ones are clamped to
 * HIST_MAX and counted in overflow. Counts are 32-bit per bucket to keep
 * the struct near 92 KiB; a bucket that would pass UINT32_MAX stops there
 * and the excess is counted in lost, so percentiles stay consistent.
 */
#define HIST_SUB_BITS	10
#define HIST_SUB	(1u << HIST_SUB_BITS)	/* buckets per power of two */
#define HIST_MAX	UINT64_C(0xffffffff)	/* highest trackable value, us */
#define HIST_NBUCKETS	(23 * HIST_SUB)		/* index of HIST_MAX + 1 */

struct hist {
	uint64_t	 count;		/* samples recorded, including lost */
	uint64_t	 sum;		/* of recorded (clamped) values */
	uint64_t	 min;		/* UINT64_MAX while empty */
	uint64_t	 max;
	uint64_t	 overflow;	/* samples above HIST_MAX, clamped */
	uint64_t	 lost;		/* samples a saturated bucket dropped */
	uint32_t	 counts[HIST_NBUCKETS];
};

/* Make h empty; hist_init and hist_reset are the same thing. */
void hist_init(struct hist *h);
void hist_reset(struct hist *h);
/* Count one value in microseconds; never allocates. */
void hist_record(struct hist *h, uint64_t usec);
/* Add every sample of src to dst, as if recorded into dst; count, sum,
 * overflow and lost saturate at 2^64 - 1 rather than wrap. Returns how
 * many of them saturated (0: the merge is exact). */
int hist_merge(struct hist *dst, const struct hist *src);
/* Samples recorded so far, including clamped ones. */
uint64_t hist_count(const struct hist *h);
/* Smallest and largest value recorded (clamped); 0 when empty. */
uint64_t hist_min(const struct hist *h);
uint64_t hist_max(const struct hist *h);
/* Exact arithmetic mean of the recorded (clamped) values; 0 when empty. */
double hist_mean(const struct hist *h);
/* Value at percentile pct (0..100, clamped): the highest value equivalent to
 * the bucket holding that rank, or the lowest for pct 0; 0 when empty. */
uint64_t hist_percentile(const struct hist *h, double pct);
/* The figure a report prints for percentile pct: hist_percentile kept
 * within [hist_min, hist_max], so no percentile exceeds the largest value
 * measured (a bucket's top can lie above it); 0 when empty. Used by every
 * report (bench, run, the dashboard) so they agree. */
uint64_t hist_value_at(const struct hist *h, double pct);
/* The percentiles every report shows, and their JSON key names. */
#define HIST_NPCT	4
extern const double hist_pcts[HIST_NPCT];	/* 50, 90, 99, 99.9 */
extern const char *const hist_pct_keys[HIST_NPCT]; /* "p50" ... "p99.9" */
/* The range of values sharing v's bucket. */
uint64_t hist_lowest_equiv(uint64_t v);
uint64_t hist_highest_equiv(uint64_t v);
/* Append h to b in a compact sparse binary form; returns bytes appended. */
size_t hist_encode(const struct hist *h, struct buf *b);
/* Replace h with the histogram encoded in p; returns 0, or -1 when the
 * input is malformed, truncated or inconsistent (h is then left empty). */
int hist_decode(struct hist *h, const unsigned char *p, size_t n);

struct cJSON;
/* Add h to parent as the object key (docs/json.md, "Latency block"):
 * count, min, p50, p90, p99, p99.9, max in microseconds (hist_value_at)
 * and mean rounded to 0.1 us; with no samples count is 0 and every other
 * key is null. Returns the new object. */
struct cJSON *hist_json(const struct hist *h, struct cJSON *parent,
    const char *key);
/* Add h to parent as the string key: its whole histogram, losslessly, as
 * standard base64 (RFC 4648 section 4) of hist_encode's bytes
 * (docs/json.md, "Histograms, losslessly"). Returns the new item. */
struct cJSON *hist_json_encoded(const struct hist *h, struct cJSON *parent,
    const char *key);
/* Replace h with the histogram in a string written by hist_json_encoded;
 * 0, or -1 when it is not a string, not base64 or not a valid encoding
 * (h is then left empty). */
int hist_json_decode(struct hist *h, const struct cJSON *item);

#endif
