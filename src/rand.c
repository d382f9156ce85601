/* splitmix64 and the draws built on it. */
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
