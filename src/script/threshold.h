/* Run-level thresholds (`assert latency p99 < 5ms`), checked after a run
 * against its result, as k6's thresholds are. */
#ifndef SB_THRESHOLD_H
#define SB_THRESHOLD_H
#include "runner.h"
#include "scenario.h"

/* Check one threshold against res: 1 if it holds, 0 if not; *measured gets
 * the value compared (microseconds, a count, or percent). A latency
 * threshold over a run with no samples does not hold (nothing measured). */
int threshold_check(const struct scenario_assert *a, const struct run_result *res,
    double *measured);
/* Render a measured value in the threshold's unit ("4.2ms", "3", "99.5%"). */
void threshold_format(const struct scenario_assert *a, double measured,
    char *out, size_t outlen);

#endif
