/* Unit tests for the dashboard's formatting: units, durations, and text
 * fitted to terminal columns with CJK and emoji. No terminal needed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <locale.h>
#include <string.h>
#include <wchar.h>
#include <cmocka.h>
#include "ui_fmt.h"

/* Pick a UTF-8 locale so wcwidth knows CJK and emoji widths. */
static int
setup_utf8(void **state)
{
	(void)state;
	if (setlocale(LC_ALL, "C.UTF-8") == NULL &&
	    setlocale(LC_ALL, "en_US.UTF-8") == NULL)
		return -1;
	return 0;
}

/* Rates get k/M suffixes with one decimal below ten. */
static void
test_rate_suffixes(void **state)
{
	char b[32];

	(void)state;
	ui_fmt_rate(0, b, sizeof(b));
	assert_string_equal(b, "0/s");
	ui_fmt_rate(950, b, sizeof(b));
	assert_string_equal(b, "950/s");
	ui_fmt_rate(1234, b, sizeof(b));
	assert_string_equal(b, "1.2k/s");
	ui_fmt_rate(12345, b, sizeof(b));
	assert_string_equal(b, "12k/s");
	ui_fmt_rate(1.5e6, b, sizeof(b));
	assert_string_equal(b, "1.5M/s");
	ui_fmt_rate(999.7, b, sizeof(b));
	assert_string_equal(b, "1.0k/s");
	ui_fmt_rate(-3, b, sizeof(b));
	assert_string_equal(b, "0/s");
}

/* Sizes use binary units with a space: "1.5 MiB". */
static void
test_size_binary_units(void **state)
{
	char b[32];

	(void)state;
	ui_fmt_size(0, b, sizeof(b));
	assert_string_equal(b, "0 B");
	ui_fmt_size(512, b, sizeof(b));
	assert_string_equal(b, "512 B");
	ui_fmt_size(1536, b, sizeof(b));
	assert_string_equal(b, "1.5 KiB");
	ui_fmt_size(1572864, b, sizeof(b));
	assert_string_equal(b, "1.5 MiB");
	ui_fmt_size(20ULL << 30, b, sizeof(b));
	assert_string_equal(b, "20 GiB");
	ui_fmt_bps(2355, b, sizeof(b));
	assert_string_equal(b, "2.3 KiB/s");
	ui_fmt_count(1200, b, sizeof(b));
	assert_string_equal(b, "1.2k");
	ui_fmt_count(42, b, sizeof(b));
	assert_string_equal(b, "42");
}

/* Durations pick us, ms, s or minutes; a negative round trip is "-". */
static void
test_durations(void **state)
{
	char b[32];

	(void)state;
	ui_fmt_usec(850, b, sizeof(b));
	assert_string_equal(b, "850us");
	ui_fmt_usec(1234, b, sizeof(b));
	assert_string_equal(b, "1.2ms");
	ui_fmt_usec(12345, b, sizeof(b));
	assert_string_equal(b, "12ms");
	ui_fmt_usec(1500000, b, sizeof(b));
	assert_string_equal(b, "1.5s");
	ui_fmt_usec(125000000, b, sizeof(b));
	assert_string_equal(b, "2m05s");
	ui_fmt_rtt(-1, b, sizeof(b));
	assert_string_equal(b, "-");
	ui_fmt_rtt(0.000104, b, sizeof(b));
	assert_string_equal(b, "104us");
	ui_fmt_elapsed(5, b, sizeof(b));
	assert_string_equal(b, "0:05");
	ui_fmt_elapsed(3723, b, sizeof(b));
	assert_string_equal(b, "1:02:03");
}

/* CJK and emoji take two columns each; ASCII mode counts them as one. */
static void
test_width_cjk_emoji(void **state)
{
	(void)state;
	assert_int_equal(ui_fmt_width("abc", 3, 1), 3);
	assert_int_equal(ui_fmt_width("\xe4\xbd\xa0\xe5\xa5\xbd", 6, 1), 4);
	assert_int_equal(ui_fmt_width("\xf0\x9f\x90\xb0", 4, 1), 2);
	assert_int_equal(ui_fmt_width("a\tb", 3, 1), 3);
	assert_int_equal(ui_fmt_width("\xe4\xbd\xa0\xe5\xa5\xbd", 6, 0), 2);
	assert_int_equal(ui_fmt_width("rabbit. \xf0\x9f\x90\xb0", 12, 1), 10);
}

/* Fitting never exceeds the columns, even when a wide character would
 * straddle the edge, and marks the cut with an ellipsis. */
static void
test_fit_columns_line_up(void **state)
{
	const char *s = "\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c";
	wchar_t w[32];
	size_t nw;
	int cols;

	(void)state;
	cols = ui_fmt_fit(s, strlen(s), 5, 1, w, 32, &nw);
	assert_int_equal(cols, 5);
	assert_int_equal(nw, 3);
	assert_int_equal(w[0], 0x4f60);
	assert_int_equal(w[2], 0x2026);
	cols = ui_fmt_fit(s, strlen(s), 4, 1, w, 32, &nw);
	assert_int_equal(cols, 3);
	assert_int_equal(nw, 2);
	assert_int_equal(w[1], 0x2026);
	cols = ui_fmt_fit(s, strlen(s), 8, 1, w, 32, &nw);
	assert_int_equal(cols, 8);
	assert_int_equal(nw, 4);
	cols = ui_fmt_fit(s, strlen(s), 5, 0, w, 32, &nw);
	assert_int_equal(cols, 4);
	assert_int_equal(w[0], L'?');
	assert_int_equal(w[4], L'\0');
	cols = ui_fmt_fit("a\xf0\x9f\x90\xb0z", 6, 4, 1, w, 32, &nw);
	assert_int_equal(cols, 4);
	assert_int_equal(w[1], 0x1f430);
	assert_int_equal(nw, 3);
	cols = ui_fmt_fit("a\xf0\x9f\x90\xb0z", 6, 3, 1, w, 32, &nw);
	assert_int_equal(cols, 2);
	assert_int_equal(w[1], 0x2026);
	assert_int_equal(nw, 2);
}

/* Control bytes and invalid UTF-8 never reach the terminal raw. */
static void
test_fit_escapes_controls(void **state)
{
	wchar_t w[16];
	size_t nw;

	(void)state;
	ui_fmt_fit("a\x01" "b\x1b", 4, 10, 1, w, 16, &nw);
	assert_true(wcscmp(w, L"a?b?") == 0);
	ui_fmt_fit("x\xff", 2, 10, 1, w, 16, &nw);
	assert_int_equal(w[1], 0xfffd);
	ui_fmt_fit("x\xff", 2, 10, 0, w, 16, &nw);
	assert_int_equal(w[1], L'?');
	ui_fmt_fit("\xe4\xbd", 2, 10, 1, w, 16, &nw);
	assert_int_equal(nw, 2);
}

/* Wrapping breaks after a blank and always advances. */
static void
test_wrap_breaks_at_blank(void **state)
{
	const char *s = "hello world foo";
	wchar_t w[32];
	size_t nw, used;

	(void)state;
	used = ui_fmt_wrap(s, strlen(s), 13, 1, w, 32, &nw);
	assert_int_equal(used, 12);
	assert_true(wcscmp(w, L"hello world ") == 0);
	used = ui_fmt_wrap("abcdef", 6, 4, 1, w, 32, &nw);
	assert_int_equal(used, 4);
	used = ui_fmt_wrap("\xe4\xbd\xa0", 3, 1, 1, w, 32, &nw);
	assert_int_equal(used, 3);
	assert_int_equal(nw, 1);
}

/* The sparkline scales to the maximum; ASCII mode has its own ramp. */
static void
test_spark_levels(void **state)
{
	double v[3] = { 0, 1, 2 };
	wchar_t w[4];

	(void)state;
	ui_fmt_spark(v, 3, 1, w);
	assert_int_equal(w[0], 0x2581);
	assert_int_equal(w[1], 0x2585);
	assert_int_equal(w[2], 0x2588);
	ui_fmt_spark(v, 3, 0, w);
	assert_true(wcscmp(w, L"_=#") == 0);
	v[2] = 0;
	v[1] = 0;
	ui_fmt_spark(v, 3, 1, w);
	assert_int_equal(w[2], 0x2581);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_suffixes),
		cmocka_unit_test(test_size_binary_units),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_width_cjk_emoji),
		cmocka_unit_test(test_fit_columns_line_up),
		cmocka_unit_test(test_fit_escapes_controls),
		cmocka_unit_test(test_wrap_breaks_at_blank),
		cmocka_unit_test(test_spark_levels),
	};

	return cmocka_run_group_tests(tests, setup_utf8, NULL);
}
