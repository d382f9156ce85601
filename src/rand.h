/* The one pseudo-random generator of the project: splitmix64 (Steele,
 * Lea, Flood 2014), fast, seedable, and the same bytes for the same seed. */
#ifndef SB_RAND_H
#define SB_RAND_H
#include <stdint.h>

/* Advance *state and return the next 64 random bits. */
uint64_t rand_next(uint64_t *state);
/* A uniform integer in [0, n) without modulo bias; n > 0. */
uint64_t rand_below(uint64_t *state, uint64_t n);
/* A uniform double in [0, 1). */
double rand_unit(uint64_t *state);
/* Draws for think times, in the caller's unit (seconds), each clamped to
 * [0, max]: uniform in [lo, hi]; exponential with the given mean (inverse
 * transform); normal with mean and standard deviation (Box-Muller). */
double rand_uniform(uint64_t *state, double lo, double hi, double max);
double rand_exponential(uint64_t *state, double mean, double max);
double rand_normal(uint64_t *state, double mean, double sd, double max);

#endif
