/* Unit tests for CSV data files (src/script/data.c): RFC 4180 fields, the
 * header row, row selection, and every error with its location. */
#include <sys/stat.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "data.h"

static struct data_table *
parse_ok(const char *text)
{
	struct data_table *t;
	char err[512];

	t = data_parse("d.csv", text, strlen(text), err, sizeof(err));
	if (t == NULL)
		fail_msg("unexpected error: %s", err);
	return t;
}

static void
assert_parse_error(const char *text, const char *want)
{
	struct data_table *t;
	char err[512];

	t = data_parse("d.csv", text, strlen(text), err, sizeof(err));
	if (t != NULL)
		fail_msg("'%s' parsed", text);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want);
}

static void
assert_cell(const struct data_table *t, size_t row, const char *col,
    const char *want)
{
	size_t len;
	int k = data_column(t, col);
	const unsigned char *p;

	assert_true(k >= 0);
	p = data_cell(t, row, (size_t)k, &len);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(p, want, len);
}

static void
test_fields_follow_rfc4180(void **state)
{
	struct data_table *t;

	(void)state;
	t = parse_ok("user,pass,note\r\nalice,s3cret,\"a, b\"\r\n"
	    "bob,,\"say \"\"hi\"\"\"\r\ncarol,x,\"two\nlines\"\n");
	assert_int_equal(t->ncols, 3);
	assert_int_equal(t->nrows, 3);
	assert_cell(t, 0, "user", "alice");
	assert_cell(t, 0, "note", "a, b");
	assert_cell(t, 1, "pass", "");
	assert_cell(t, 1, "note", "say \"hi\"");
	assert_cell(t, 2, "note", "two\nlines");
	assert_int_equal(data_column(t, "missing"), -1);
	data_free(t);
	/* No final newline, a BOM, and one trailing blank line are fine. */
	t = parse_ok("\xef\xbb\xbfid\n1\n2");
	assert_int_equal(t->nrows, 2);
	assert_cell(t, 1, "id", "2");
	data_free(t);
	t = parse_ok("id\n1\n\n");
	assert_int_equal(t->nrows, 1);
	data_free(t);
}

static void
test_errors_name_line_column_and_fault(void **state)
{
	(void)state;
	assert_parse_error("", "d.csv:1:1: expected a header row");
	assert_parse_error("a,b\n", "d.csv:2:1: expected at least one data row");
	assert_parse_error("a,b\n1,2\n3\n", "d.csv:3:1: expected 2 fields as in "
	    "the header row, got 1");
	assert_parse_error("a,a\n1,2\n", "got 'a' twice");
	assert_parse_error("a,b c\n1,2\n", "got 'b c' as column 2");
	assert_parse_error("a\n\"open\n", "d.csv:2:1: expected '\"' to end the "
	    "quoted field, got end of file");
	assert_parse_error("a\nx\"y\n", "d.csv:2:2: expected a quote only around");
	assert_parse_error("a\n\"x\"y\n", "d.csv:2:4: expected ',' or the end");
	assert_parse_error("a\n1\n\n2\n", "d.csv:3:1: expected a row, got a "
	    "blank line");
	assert_parse_error("a\n1\r2\n", "expected a line feed after the "
	    "carriage return");
}

static void
test_rows_are_picked_in_sipp_orders(void **state)
{
	struct data_table *t;
	uint64_t rng = 7, next = 0;
	size_t i, seen[3] = { 0, 0, 0 };

	(void)state;
	t = parse_ok("n\n0\n1\n2\n");
	t->order = DATA_SEQUENTIAL;
	for (i = 0; i < 7; i++)
		assert_int_equal(data_pick(t, 99, &next, &rng), i % 3);
	t->order = DATA_PER_CONNECTION;
	assert_int_equal(data_pick(t, 1, &next, &rng), 0);
	assert_int_equal(data_pick(t, 3, &next, &rng), 2);
	assert_int_equal(data_pick(t, 4, &next, &rng), 0);
	t->order = DATA_RANDOM;
	for (i = 0; i < 300; i++)
		seen[data_pick(t, 1, &next, &rng)]++;
	assert_true(seen[0] > 50 && seen[1] > 50 && seen[2] > 50);
	assert_int_equal(data_order_parse("per-connection", 14),
	    DATA_PER_CONNECTION);
	assert_int_equal(data_order_parse("rand", 4), -1);
	data_free(t);
}

static void
test_load_refuses_a_fifo_without_blocking(void **state)
{
	char dir[] = "/tmp/sb-data-XXXXXX", path[64], err[256];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f.csv", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_null(data_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "not a regular file: a FIFO"));
	unlink(path);
	assert_null(data_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "a directory"));
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_follow_rfc4180),
		cmocka_unit_test(test_errors_name_line_column_and_fault),
		cmocka_unit_test(test_rows_are_picked_in_sipp_orders),
		cmocka_unit_test(test_load_refuses_a_fifo_without_blocking),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
