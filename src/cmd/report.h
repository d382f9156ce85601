/* Reports of a headless run: text for people, TAP, JUnit XML and JSON for
 * machines, all rendered from the runner's results. */
#ifndef SB_REPORT_H
#define SB_REPORT_H
#include <stdio.h>
#include "runner.h"

enum report_format { REPORT_TEXT, REPORT_TAP, REPORT_JUNIT, REPORT_JSON };

/* The connections that failed at one step for one reason, with the first
 * as the example: a copy of a struct run_failure. Owned by its item. */
struct report_group {
	char		*file;
	unsigned	 line;		/* 0: before any step */
	char		*step;		/* "expect", "connect", "run", ... */
	char		*reason;	/* "timeout", "mismatch", "stopped", ... */
	uint64_t	 count;
	uint64_t	 conn;		/* the example's connection, 1-based;
					   0: none */
	char		*text;		/* the example's full report, sanitized */
	unsigned char	*expected, *received;	/* NULL: the step has none */
	size_t		 expected_len, received_len;
	size_t		 diff_offset;	/* SIZE_MAX: none */
	double		 measured;	/* seconds; < 0: none */
	char		*field;		/* the codec field compared, or NULL */
	char		*role;		/* the example's role, or NULL */
	uint64_t	 role_conn;	/* its 1-based number in the role */
	int		 hex;		/* from an `expect hex` */
	int		 has_tls;	/* the example spoke TLS: tls is its
					   handshake (tls.done 0: unfinished) */
	struct tls_info	 tls;
};

/* One role's connections (scenario roles). Owned by its item. */
struct report_role {
	char		*name;
	uint64_t	 conns, passed, failed;
};

/* Connections that warned one thing (a copy of a struct run_warning).
 * Owned by its item. */
struct report_warning {
	char		*text;		/* sanitized */
	uint64_t	 count;
	uint64_t	 conn;		/* the first, 1-based */
};

/* One `assert` line checked against the run. Owned by its item. */
struct report_threshold {
	unsigned	 line;
	char		*text;		/* "latency p99 < 5ms" */
	int		 passed;
	int		 metric;	/* enum assert_metric */
	double		 measured;	/* us, a count or percent; < 0: none */
	char		 shown[40];	/* "7.2ms", "no samples" */
};

/* One scenario's outcome, copied out of its runner. Owned by the report. */
struct report_item {
	char		*path;
	char		*name;
	char		*title;		/* the test's name in TAP and JUnit: the
					   `name` directive, else the path */
	char		*target;
	int		 passed;
	uint64_t	 conns, conns_passed, conns_failed;
	uint64_t	 sends, expects;
	double		 seconds;
	struct hist	 latency;
	char		*failure;	/* NULL if it passed; for an error or a
					   skip, the reason */
	int		 error;		/* did not parse, or could not start:
					   never run */
	int		 skipped;	/* not run because another one erred */
	unsigned	 line, col;	/* of an error, 0 if unknown */
	char		*summary;	/* one line: "3 connections failed at
					   f:9 (mismatch); threshold ...";
					   NULL if it passed */
	struct report_group *groups;	/* ngroups, in order of appearance */
	size_t		 ngroups;
	uint64_t	 other;		/* failed connections in no group */
	struct report_warning *warnings;	/* nwarnings: what connections
						   warned, passed or not */
	size_t		 nwarnings;
	uint64_t	 warnings_other;	/* warnings past those kept */
	struct report_threshold *thresholds;	/* nthresholds, file order */
	size_t		 nthresholds;
	size_t		 thresholds_failed;
	struct report_role *roles;	/* nroles, file order; NULL without
					   roles */
	size_t		 nroles;
};

/* An --output file being written: a temp file in the target's directory,
 * renamed over the target on commit, so a reader sees the old report or
 * the whole new one, never a part. The target is removed when the temp
 * is made, so a run that dies leaves no stale report behind. A target
 * that exists and is not a regular file (/dev/stdout, a FIFO) is written
 * in place. Owned by the caller; commit or abort releases it. */
struct report_out {
	FILE	*f;
	char	*path;		/* where the report goes */
	char	*tmp;		/* the temp file, NULL when written in place */
};

struct report {
	struct report_item	*items;
	size_t			 n;
	double			 seconds;	/* whole run */
	/* run --shard I/N: written to JSON as "shard": {"index", "total"};
	 * shard_total 0: no --shard (JSON null). run_read_json sets them
	 * from the report it read last. */
	int			 shard_index;
	int			 shard_total;
	/* TLS runs: what the handshakes negotiated (tls_cli.h); NULL
	 * without TLS. Owned by the command. */
	const struct tls_summary *tls;
};

/* Parse "text", "tap", "junit" or "json"; -1 if unknown. */
int report_format_parse(const char *s);
/* Add a scenario's outcome: its failure groups (or, from a runner that
 * filled none, one group made from res->failure, the others counted in
 * other) and every threshold of sc checked against res. stopped: why the
 * run was cut short ("--max-time", "a signal"), its unfinished connections
 * then failed in a group of their own; NULL when it ran to its end. */
void report_add(struct report *rep, const struct scenario *sc,
    const char *target, const struct run_result *res, const char *stopped);
/* Move every item of src to the end of dst, leaving src empty. */
void report_move(struct report *dst, struct report *src);
/* The line printed as a scenario finishes (text format), then one line
 * per threshold and one per connection warning. */
void report_line(FILE *f, const struct report_item *it);
/* Add a scenario that did not parse or could not start: text is the
 * error, "path:line:col: message[\nhint: ...]" or "path: message". */
void report_add_error(struct report *rep, const char *path,
    const char *text);
/* Add a scenario that was not run because of another's error. */
void report_add_skipped(struct report *rep, const char *path,
    const char *why);
/* Scenarios that erred. */
size_t report_errors(const struct report *rep);
/* Start writing path; 0, or -1 with a reason (nothing was created). */
int report_out_open(struct report_out *o, const char *path, char *err,
    size_t errlen);
/* Flush, sync and rename the temp file over the target; 0, or -1 with a
 * reason (the temp file is removed). */
int report_out_commit(struct report_out *o, char *err, size_t errlen);
/* Give up: close and remove the temp file. */
void report_out_abort(struct report_out *o);
/* Write the whole report in a format. */
void report_write(FILE *f, const struct report *rep, enum report_format fmt);
/* Scenarios that passed and failed. */
size_t report_passed(const struct report *rep);
void report_free(struct report *rep);

#endif
