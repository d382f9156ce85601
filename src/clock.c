/* The fresh monotonic clock (see clock.h for which clock to use). */
#include <time.h>
#include "clock.h"

double
clock_now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
