/* splitmix64 and the draws built on it. */
#include <math.h>
#include "rand.h"

uint64_t
rand_next(uint64_t *state)
{
	uint64_t z;

	*state += 0x9e3779b97f4a7c15ULL;
	z = *state;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t
rand_below(uint64_t *state, uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, r;

	/* Reject the top partial bucket so every result is equally likely. */
	do
		r = rand_next(state);
	while (r >= limit);
	return r % n;
}

double
rand_unit(uint64_t *state)
{
	return (double)(rand_next(state) >> 11) * 0x1.0p-53;
}

/* Clamp a draw into [0, max]. */
static double
clamp(double v, double max)
{
	if (!(v > 0))
		return 0;
	return v > max ? max : v;
}

double
rand_uniform(uint64_t *state, double lo, double hi, double max)
{
	return clamp(lo + (hi - lo) * rand_unit(state), max);
}

double
rand_exponential(uint64_t *state, double mean, double max)
{
	/* 1 - u is in (0, 1], so the logarithm is finite. */
	return clamp(-mean * log(1.0 - rand_unit(state)), max);
}

double
rand_normal(uint64_t *state, double mean, double sd, double max)
{
	double u1 = 1.0 - rand_unit(state), u2 = rand_unit(state);

	return clamp(mean + sd * sqrt(-2.0 * log(u1)) * cos(2 * M_PI * u2),
	    max);
}
