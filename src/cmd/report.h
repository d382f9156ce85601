/* Reports of a headless run: text for people, TAP, JUnit XML and JSON for
 * machines, all rendered from the runner's results. */
#ifndef SB_REPORT_H
#define SB_REPORT_H
#include <stdio.h>
#include "runner.h"

enum report_format { REPORT_TEXT, REPORT_TAP, REPORT_JUNIT, REPORT_JSON };

/* One scenario's outcome, copied out of its runner. Owned by the report. */
struct report_item {
	char		*path;
	char		*name;
	char		*target;
	int		 passed;
	uint64_t	 conns, conns_passed, conns_failed;
	uint64_t	 sends, expects;
	double		 seconds;
	struct hist	 latency;
	char		*failure;	/* NULL if it passed */
};

struct report {
	struct report_item	*items;
	size_t			 n;
	double			 seconds;	/* whole run */
};

/* Parse "text", "tap", "junit" or "json"; -1 if unknown. */
int report_format_parse(const char *s);
/* Add a scenario's outcome. */
void report_add(struct report *rep, const struct scenario *sc,
    const char *target, const struct run_result *res);
/* The line printed as a scenario finishes (text format). */
void report_line(FILE *f, const struct report_item *it);
/* Write the whole report in a format. */
void report_write(FILE *f, const struct report *rep, enum report_format fmt);
/* Scenarios that passed and failed. */
size_t report_passed(const struct report *rep);
void report_free(struct report *rep);

#endif
