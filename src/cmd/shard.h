/* Shards: one run's share of a load or of a scenario set, and the common
 * wall-clock start shards on many machines begin at (docs/scaling.md). */
#ifndef SB_SHARD_H
#define SB_SHARD_H
#include <stddef.h>
#include <stdint.h>

#define SHARD_MAX	100000		/* most shards of one run */
#define SHARD_ENV_INDEX	"JOB_COMPLETION_INDEX"	/* Kubernetes Indexed Job */
#define SHARD_ENV_TOTAL	"SOCKBENCH_SHARDS"	/* set to the Job's completions */

/* Parse --shard: "I/N" (0 <= I < N <= SHARD_MAX, I counted from 0, as
 * Kubernetes' JOB_COMPLETION_INDEX), or "env": I from JOB_COMPLETION_INDEX
 * and N from SOCKBENCH_SHARDS. 0, or -1 with err saying what was wrong. */
int shard_parse(const char *arg, int *index, int *total, char *err,
    size_t errlen);
/* Shard index's share of n things split over total shards: n / total,
 * plus one for each of the first n % total shards (the shares add up to
 * n exactly). */
uint64_t shard_share(uint64_t n, int index, int total);
/* Shard index's items of a comma-separated list, as a new string: every
 * total-th item from the index-th, or the whole list when it has fewer
 * items than there are shards. */
char *shard_list(const char *list, int index, int total);
/* Whether item number k (0-based) of a list of n belongs to shard index
 * of total: k % total == index (items dealt out in turn). */
int shard_owns(uint64_t k, int index, int total);
/* Parse a wall-clock time: unix seconds ("1796025600", "1796025600.5") or
 * RFC 3339 ("2026-11-30T08:00:00Z", "2026-11-30T09:00:00.250+01:00",
 * a space for the T allowed); out in unix seconds. 0, or -1 for a time
 * at or before 1970-01-01T00:00:00Z or after 1e11 s, in either form. */
int shard_parse_time(const char *s, double *out);
/* Format unix seconds t as RFC 3339 in UTC with milliseconds
 * ("2026-11-30T08:00:00.000Z"). */
void shard_format_time(double t, char *out, size_t outlen);
/* Unix seconds now, from CLOCK_REALTIME. */
double shard_wall_now(void);

#endif
