/* Time in sockbench, and which clock to read. There are two:
 *
 *   engine_loop_time(e)   (engine.h) the loop's cached time: read once per
 *                         loop iteration (libev's ev_now), free to call.
 *                         For timers, rates, schedules and deadlines the
 *                         loop checks. Compare it only with other
 *                         engine_loop_time values: it is libev's clock,
 *                         not CLOCK_MONOTONIC's.
 *   clock_now_mono()      (here) a fresh read of CLOCK_MONOTONIC. For
 *                         latency (connect time, round trips, time to
 *                         first byte), run durations, and every t_* stamp
 *                         of struct conn_info, which front ends subtract
 *                         from each other and from clock_now_mono.
 *
 * The rule: a figure a user reads as a latency or a duration is a fresh
 * read; anything that only decides when the loop does something next is
 * the loop time. Never subtract one clock from the other. */
#ifndef SB_CLOCK_H
#define SB_CLOCK_H

/* Seconds since an arbitrary start, read from CLOCK_MONOTONIC now (POSIX
 * clock_gettime), nanosecond resolution; never goes back. */
double clock_now_mono(void);

#endif
