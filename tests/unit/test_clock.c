/* The two clocks (clock.h): the loop time holds still through a callback
 * while a fresh monotonic read moves on, engine_loop_time_update brings
 * it forward, and a pool's --rate counts from when it starts, not from
 * when the loop was made (a stale loop time would be a burst). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>
#include <ev.h>
#include "clock.h"
#include "conn.h"
#include "engine.h"
#include "pool.h"
#include "sock.h"

/* What the callback saw of both clocks. */
static struct {
	double	loop1, loop2, loop3, mono1, mono2;
} seen;

/* Spin 20 ms inside one callback, reading both clocks around it. */
static void
spin_cb(struct engine *e, void *arg)
{
	(void)arg;
	seen.loop1 = engine_loop_time(e);
	seen.mono1 = clock_now_mono();
	while (clock_now_mono() - seen.mono1 < 0.02)
		;
	seen.loop2 = engine_loop_time(e);
	seen.mono2 = clock_now_mono();
	engine_loop_time_update(e);
	seen.loop3 = engine_loop_time(e);
}

static void
loop_time_holds_still_in_a_callback_while_the_fresh_clock_moves(void **state)
{
	struct engine *e = engine_new(NULL);
	double before;

	(void)state;
	before = clock_now_mono();
	assert_true(clock_now_mono() >= before);	/* never goes back */
	engine_after(e, 0.001, spin_cb, NULL);
	engine_run(e);
	assert_true(seen.mono2 - seen.mono1 >= 0.02);
	assert_true(seen.loop2 == seen.loop1);		/* cached */
	assert_true(seen.loop3 - seen.loop1 >= 0.019);	/* updated */
	engine_free(e);
}

/* Stop the loop. */
static void
stop_cb(struct engine *e, void *arg)
{
	(void)arg;
	engine_stop(e);
}

static const struct conn_handler quiet = { 0 };

/* A second between making the loop and starting a pool at 20/s must not
 * become 20 connections at once: 0.25 s of running opens about 6. */
static void
pool_rate_counts_from_its_start_not_from_the_loops_birth(void **state)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct engine *e = engine_new(NULL);
	struct pool_cfg cfg = { 0 };
	char target[64], err[256];
	struct pool *p;
	int lfd;

	(void)state;
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = sock_listen((struct sockaddr *)&in, sizeof(in), 0, 128);
	assert_true(lfd >= 0);
	snprintf(target, sizeof(target), "127.0.0.1:%d", sock_local_port(lfd));
	cfg.target = target;
	cfg.count = 100;
	cfg.rate = 20;
	cfg.handler = &quiet;
	p = pool_new(e, &cfg, err, sizeof(err));
	assert_non_null(p);
	sleep(1);		/* the loop's cached time is now a second old */
	pool_start(p);
	engine_after(e, 0.25, stop_cb, NULL);
	engine_run(e);
	assert_true(pool_started(p) >= 2);
	assert_true(pool_started(p) <= 14);
	pool_free(p);
	engine_free(e);
	close(lfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loop_time_holds_still_in_a_callback_while_the_fresh_clock_moves),
		cmocka_unit_test(pool_rate_counts_from_its_start_not_from_the_loops_birth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
