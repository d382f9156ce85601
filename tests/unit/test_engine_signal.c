/* A signal ends the process within a second even while a callback holds
 * the loop (engine_handle_signals' backstop), and a loop that comes back
 * in time lets the front end finish normally. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "clock.h"
#include "engine.h"
#include "util.h"

/* A step that never gives the loop back. */
static void
hog_cb(struct engine *e, void *arg)
{
	double t0 = clock_now_mono();

	(void)e;
	(void)arg;
	while (clock_now_mono() - t0 < 10)
		;
}

/* Keeps the loop alive, doing nothing. */
static void
noop_cb(struct engine *e, void *arg)
{
	(void)e;
	(void)arg;
}

/* Run a loop in a child, hogged or not, send SIGTERM after 0.3 s, and
 * return the child's wait status and the seconds it took to end. */
static int
signal_child(int hog, double *took)
{
	int status = 0;
	pid_t pid = fork();
	double t0;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct engine *e = engine_new(NULL);

		engine_handle_signals(e, NULL);
		if (hog)
			engine_after(e, 0.05, hog_cb, NULL);
		engine_every(e, 1.0, noop_cb, NULL);
		engine_run(e);
		engine_free(e);
		_exit(7);	/* the loop came back */
	}
	usleep(300000);
	t0 = clock_now_mono();
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	*took = clock_now_mono() - t0;
	return status;
}

/* Nothing holds the loop: it comes back and the program ends its way. */
static void
signal_stops_a_free_loop_which_returns(void **state)
{
	double took;
	int st;

	(void)state;
	st = signal_child(0, &took);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 7);
}

/* A callback spins for 10 s: the backstop ends the process within about
 * a second with 128+SIGTERM. */
static void
signal_ends_a_held_loop_within_a_second(void **state)
{
	double took;
	int st;

	(void)state;
	st = signal_child(1, &took);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 128 + SIGTERM);
	assert_true(took < 3.0);
}

/* SOCKBENCH_SIGNAL_GRACE is taken when it is 1-3600, else the 1 s default. */
static void
signal_grace_reads_its_bounded_variable(void **state)
{
	(void)state;
	unsetenv("SOCKBENCH_SIGNAL_GRACE");
	assert_int_equal(engine_signal_grace(), 1);
	setenv("SOCKBENCH_SIGNAL_GRACE", "30", 1);
	assert_int_equal(engine_signal_grace(), 30);
	setenv("SOCKBENCH_SIGNAL_GRACE", "0", 1);
	assert_int_equal(engine_signal_grace(), 1);
	setenv("SOCKBENCH_SIGNAL_GRACE", "3601", 1);
	assert_int_equal(engine_signal_grace(), 1);
	setenv("SOCKBENCH_SIGNAL_GRACE", "5s", 1);
	assert_int_equal(engine_signal_grace(), 1);
	unsetenv("SOCKBENCH_SIGNAL_GRACE");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(signal_stops_a_free_loop_which_returns),
		cmocka_unit_test(signal_ends_a_held_loop_within_a_second),
		cmocka_unit_test(signal_grace_reads_its_bounded_variable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
