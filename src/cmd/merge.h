/* sockbench merge: shards' reports in, one report out, with nothing
 * coordinated between the shards but a common start time. Pure: files in,
 * figures out (docs/scaling.md). */
#ifndef SB_MERGE_H
#define SB_MERGE_H
#include <stddef.h>
#include "bench_report.h"

/* Bench reports being merged. Owned by its creator: merge_bench_free. */
struct merge_bench {
	struct loadgen_result	 res;		/* the sums and merged histograms */
	struct bench_desc	 desc;		/* of the first report merged */
	struct bench_shard	*shards;	/* one per report, and (after
						   finish) per missing index */
	size_t			 nshards;
	struct loadgen_counts	*per;		/* every report's per_worker */
	size_t			 nper;
	size_t			 nmerged;	/* reports in the sums */
	double			 late_after;	/* < 0: each report's own */
	int			 allow_loss;	/* --allow-loss given to merge */
	char			*target;	/* the merged target's text */
	char			*msg_desc;
	size_t			 ntargets;	/* distinct targets seen */
	int			 shards_expected; /* merge --shards N; 0: none */
};

/* A new, empty merge; late_after in seconds (< 0: take each report's own
 * start.late_after); allow_loss as bench --allow-loss. */
struct merge_bench *merge_bench_new(double late_after, int allow_loss);
/* Add the report text of file (len bytes; NULL when it could not be read,
 * with why saying so): read, checked against the reports before it (same
 * load, same shard count, no second report for one index) and added to
 * the sums unless unreadable, a duplicate or a different load. */
void merge_bench_add(struct merge_bench *m, const char *file,
    const char *text, size_t len, const char *why);
/* After the last add: flag late starts (a start later than its
 * --start-at, or without one later than the earliest shard's, by more
 * than late_after), add one entry per index of 0..N-1 no report carried,
 * and order the shards by index. */
void merge_bench_finish(struct merge_bench *m);
void merge_bench_free(struct merge_bench *m);

struct report;
/* Add the scenarios and errors of a `run --format json` report (report.c;
 * each scenario with its latency_histogram) to rep, and keep the longest
 * run's seconds; rep->shard_index/shard_total become this report's
 * "shard" (total 0 when it has none); 0, or -1 with err saying what is
 * wrong (rep unchanged). */
int run_read_json(struct report *rep, const char *text, size_t len,
    char *err, size_t errlen);

#endif
