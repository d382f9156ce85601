/* The report of `sockbench bench`, in text and JSON (docs/json.md), written
 * by bench for its own run and by merge for the shards it adds up, and the
 * reader merge uses to take a bench JSON report back in. */
#ifndef SB_BENCH_REPORT_H
#define SB_BENCH_REPORT_H
#include <stddef.h>
#include <stdio.h>
#include "loadgen.h"

/* What became of one shard's report in a merge. */
enum bench_shard_status {
	BENCH_SHARD_OK,		/* read, its run ok, started in time */
	BENCH_SHARD_FAILED,	/* read, but its own verdict failed */
	BENCH_SHARD_LATE,	/* started later than the tolerance allows */
	BENCH_SHARD_UNREADABLE,	/* no report, or not a bench JSON report */
	BENCH_SHARD_MISSING,	/* an index of 0..N-1 no report carries */
	BENCH_SHARD_DUPLICATE	/* a second report for one index */
};

/* One report given to merge, or one index no report carried. Owned by
 * the merge that fills it. */
struct bench_shard {
	char		*file;		/* NULL for a missing index */
	int		 index, total;	/* --shard I/N (0-based I); total 0:
					   the run was not a shard */
	double		 start_at;	/* --start-at, unix seconds; 0: none */
	double		 started;	/* real start, unix seconds; 0: none */
	enum bench_shard_status status;
	int		 merged;	/* its figures are in the sums */
	double		 late_after;	/* its tolerance for a late start, s */
	size_t		 order;		/* position on merge's command line */
	char		 why[256];	/* what is wrong, in words; "" when ok */
};

/*
 * What a report says about a run besides its counters and histograms: the
 * load asked for, and for a shard or a merge where it fits in. Bench fills
 * it from its options, merge from the reports it reads. Borrowed strings.
 */
struct bench_desc {
	const char		*target;	/* "HOST:PORT", or what it was */
	int			 embedded;	/* the embedded echo server */
	int			 tls;		/* 0 TCP, 1 verified, 2 insecure */
	int			 tls_resume;	/* --tls-resume */
	uint64_t		 conn_requests;	/* --conn-requests; 0: no churn */
	enum loadgen_mode	 mode;
	unsigned		 depth;
	double			 rate;		/* LG_RATE: per connection per s */
	size_t			 msg_bytes;	/* one request on the wire */
	const char		*msg_desc;	/* "random bytes", "--message" */
	int			 allow_loss;	/* --allow-loss */
	int			 shard_index;	/* --shard I/N: I (0-based) */
	int			 shard_total;	/* N; 0: not a shard */
	double			 start_at;	/* --start-at, unix s; 0: none */
	double			 late_after;	/* a start later than start_at
						   by more is late, seconds */
	const struct bench_shard *shards;	/* merge: one per report and
						   per missing index */
	size_t			 nshards;	/* 0: not a merge */
	int			 workers_asked;	/* bench -w N: N; 0: not known */
	const char		*workers_lost;	/* -w: which workers did not
						   report and why ("worker 1
						   of 2 did not report (killed
						   by signal 9)"); NULL: none */
};

/* Whether a run is ok: for a merge every shard ok, then no worker lost
 * (d->workers_lost), a late start (d->start_at), then bench_verdict's
 * checks on n; why not in out. */
int bench_report_ok(const struct bench_desc *d, const struct loadgen_counts *n,
    char *out, size_t outlen);
/* The text report of r (counters and histograms in microseconds). */
void bench_report_text(FILE *f, const struct bench_desc *d,
    const struct loadgen_result *r);
/* The JSON report of r with per[0..nper) as per_worker (docs/json.md). */
void bench_report_json(FILE *f, const struct bench_desc *d,
    const struct loadgen_result *r, const struct loadgen_counts *per,
    int nper);

/* A bench JSON report read back: its figures, load and shard. The strings
 * and per are owned by it; bench_read_free releases them. */
struct bench_read {
	struct loadgen_result	 res;		/* counters and histograms */
	struct bench_desc	 desc;		/* its strings point into this */
	struct loadgen_counts	*per;		/* per_worker, nper entries */
	size_t			 nper;
	int			 ok;		/* its ended.ok */
	char			*verdict;	/* its ended.verdict */
	size_t			 merged_of;	/* entries of its "shards"
						   array: a merge's report;
						   0 for a shard's own */
	char			*target, *msg_desc;
};

/* Read a report written by bench_report_json (with its histograms, bench
 * 0.1 and later); 0, or -1 with err saying what is missing or wrong (r is
 * then empty and needs no free). Bounds every count it reads. */
int bench_read_json(struct bench_read *r, const char *text, size_t len,
    char *err, size_t errlen);
/* Release what bench_read_json allocated. */
void bench_read_free(struct bench_read *r);

#endif
