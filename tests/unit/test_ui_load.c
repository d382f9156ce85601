/* Unit tests for the dashboard's load control steps (ui/ui_load.c): + and
 * - move the target by 10%, at least one; * and / move the rate by 10%,
 * at least one a second, never below one, and / from "all at once"
 * starts from the target per second. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "ui_load.h"

static void
test_target_moves_by_a_tenth_at_least_one(void **state)
{
	(void)state;
	assert_int_equal(ui_load_step(0), 1);
	assert_int_equal(ui_load_step(8), 1);
	assert_int_equal(ui_load_step(19), 1);
	assert_int_equal(ui_load_step(20), 2);
	assert_int_equal(ui_load_step(10000), 1000);
}

static void
test_rate_moves_by_a_tenth_in_whole_steps(void **state)
{
	(void)state;
	assert_true(ui_load_next_rate(5, 1, 50) == 6);
	assert_true(ui_load_next_rate(5, -1, 50) == 4);
	assert_true(ui_load_next_rate(1, -1, 50) == 1);	/* never below 1 */
	assert_true(ui_load_next_rate(100, 1, 50) == 110);
	assert_true(ui_load_next_rate(100, -1, 50) == 90);
	assert_true(ui_load_next_rate(2.5, 1, 50) == 4);	/* rounded */
	/* All at once: * keeps it, / starts from the target per second. */
	assert_true(ui_load_next_rate(0, 1, 50) == 0);
	assert_true(ui_load_next_rate(0, -1, 50) == 45);
	assert_true(ui_load_next_rate(0, -1, 0) == 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target_moves_by_a_tenth_at_least_one),
		cmocka_unit_test(test_rate_moves_by_a_tenth_in_whole_steps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
