/* Bench statistics: latency histograms (hist.h) and throughput rings
 * (rate.h). Kept so that files including "stats.h" need no change; new
 * code includes hist.h or rate.h itself. */
#ifndef SB_STATS_H
#define SB_STATS_H
#include "hist.h"
#include "rate.h"
#endif
