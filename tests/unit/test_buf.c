/* Unit tests for the growable byte buffer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "buf.h"

static void
append_then_consume_keeps_order(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	buf_append(&b, "hello ", 6);
	buf_append_str(&b, "world");
	assert_int_equal(buf_len(&b), 11);
	assert_memory_equal(buf_data(&b), "hello world", 11);
	buf_consume(&b, 6);
	assert_int_equal(buf_len(&b), 5);
	assert_memory_equal(buf_data(&b), "world", 5);
	buf_consume(&b, 100);
	assert_int_equal(buf_len(&b), 0);
	buf_free(&b);
}

static void
growth_past_many_doublings_keeps_every_byte(void **state)
{
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b);
	for (i = 0; i < 100000; i++) {
		unsigned char c = (unsigned char)(i * 7);

		buf_append(&b, &c, 1);
	}
	assert_int_equal(buf_len(&b), 100000);
	for (i = 0; i < 100000; i++)
		assert_int_equal(buf_data(&b)[i], (unsigned char)(i * 7));
	buf_free(&b);
}

static void
reserve_slides_unread_bytes_before_growing(void **state)
{
	struct buf b;
	size_t cap;

	(void)state;
	buf_init(&b);
	buf_append(&b, "0123456789", 10);
	cap = b.cap;
	buf_consume(&b, 8);
	unsigned char *p = buf_reserve(&b, cap - 4);
	assert_int_equal(b.cap, cap);		/* no growth needed */
	assert_ptr_equal(p, b.data + 2);
	memcpy(p, "ab", 2);
	buf_commit(&b, 2);
	assert_memory_equal(buf_data(&b), "89ab", 4);
	buf_free(&b);
}

static void
printf_appends_formatted_text(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	buf_printf(&b, "%s=%d;", "n", 42);
	buf_printf(&b, "%05.1f", 3.14159);
	assert_int_equal(buf_len(&b), strlen("n=42;003.1"));
	assert_memory_equal(buf_data(&b), "n=42;003.1", 10);
	buf_free(&b);
}

static void
shrink_releases_storage_of_an_empty_large_buffer(void **state)
{
	struct buf b;
	char big[100000];

	(void)state;
	memset(big, 'x', sizeof(big));
	buf_init(&b);
	buf_append(&b, big, sizeof(big));
	buf_consume(&b, sizeof(big));
	buf_shrink(&b, 4096);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);
	buf_append(&b, "ok", 2);
	assert_memory_equal(buf_data(&b), "ok", 2);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(append_then_consume_keeps_order),
		cmocka_unit_test(growth_past_many_doublings_keeps_every_byte),
		cmocka_unit_test(reserve_slides_unread_bytes_before_growing),
		cmocka_unit_test(printf_appends_formatted_text),
		cmocka_unit_test(shrink_releases_storage_of_an_empty_large_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
