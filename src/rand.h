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

#endif
