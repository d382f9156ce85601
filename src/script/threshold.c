/* Run-level thresholds: compare one measured figure of a run with the bound
 * the scenario's `assert` line gives, as k6's thresholds do. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "threshold.h"

/* Whether measured OP bound holds. */
static int
threshold_cmp(enum assert_op op, double measured, double bound)
{
	switch (op) {
	case ASSERT_LT: return measured < bound;
	case ASSERT_LE: return measured <= bound;
	case ASSERT_GT: return measured > bound;
	case ASSERT_GE: return measured >= bound;
	case ASSERT_EQ: return measured == bound;
	case ASSERT_NE: return measured != bound;
	}
	return 0;
}

int
threshold_check(const struct scenario_assert *a, const struct run_result *res,
    double *measured)
{
	double m = -1;

	switch (a->metric) {
	case ASSERT_LATENCY:
		/* The figure every report prints: the bucket's top, kept
		 * within [min, max] (docs/json.md), so one sample of 5000 us
		 * is a p99 of 5000, not of its bucket's 5003. */
		if (hist_count(&res->latency) > 0)
			m = (double)hist_value_at(&res->latency, a->percentile);
		break;
	case ASSERT_ERRORS:
		m = (double)res->failed;
		break;
	case ASSERT_PASSED:
		/* Integers times 100 are exact in a double, and the quotient
		 * is rounded once, as the bound's decimal was: 999 of 1000
		 * compares equal to 99.9. */
		if (res->conns > 0)
			m = (double)res->passed * 100.0 / (double)res->conns;
		break;
	case ASSERT_FAILED_PCT:
		if (res->conns > 0)
			m = (double)res->failed * 100.0 / (double)res->conns;
		break;
	}
	*measured = m;
	if (m < 0)
		return 0;	/* nothing measured: nothing to vouch for */
	return threshold_cmp(a->op, m, a->value);
}

void
threshold_format(const struct scenario_assert *a, double measured, char *out,
    size_t outlen)
{
	const char *unit = "";
	double scale = 1, shown;
	int prec = 0, want;

	if (measured < 0) {
		snprintf(out, outlen, a->metric == ASSERT_LATENCY ?
		    "no samples" : "no connections");
		return;
	}
	switch (a->metric) {
	case ASSERT_LATENCY:
		if (measured >= 1e6) {
			unit = "s";
			scale = 1e6;
			prec = 1;
		} else if (measured >= 1000) {
			unit = "ms";
			scale = 1000;
			prec = 1;
		} else
			unit = "us";
		break;
	case ASSERT_ERRORS:
		break;
	case ASSERT_PASSED:
	case ASSERT_FAILED_PCT:
		unit = "%";
		prec = 1;
		break;
	}
	/* Never print a figure that reads as the other outcome: 99.95% that
	 * failed `passed == 100%` must not show as 100.0%, nor 5001us that
	 * failed `< 5ms` as 5.0ms. Add digits until the printed figure
	 * compares as the measured one does, and equals the bound only when
	 * the measured one does. */
	want = threshold_cmp(a->op, measured, a->value);
	for (;; prec++) {
		snprintf(out, outlen, "%.*f", prec, measured / scale);
		shown = strtod(out, NULL) * scale;
		if ((threshold_cmp(a->op, shown, a->value) == want &&
		    (shown == a->value) == (measured == a->value)) || prec >= 9)
			break;
	}
	snprintf(out, outlen, "%.*f%s", prec, measured / scale, unit);
}
