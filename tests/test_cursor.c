#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "kexray/core/cursor.h"

static void
test_getters_and_no_consume_on_failure(void **state)
{
	static const uint8_t b[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07 };
	struct kx_cursor c;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;

	(void)state;
	kx_cur_init(&c, b, sizeof(b));
	assert_int_equal(kx_cur_u8(&c, &u8), KX_OK);
	assert_int_equal(u8, 1);
	assert_int_equal(kx_cur_u16be(&c, &u16), KX_OK);
	assert_int_equal(u16, 0x0203);
	assert_int_equal(kx_cur_u32be(&c, &u32), KX_OK);
	assert_int_equal(u32, 0x04050607);
	assert_int_equal(kx_cur_left(&c), 0);
	assert_int_equal(kx_cur_u8(&c, &u8), KX_NEED_MORE);

	kx_cur_init(&c, b, 3);
	assert_int_equal(kx_cur_u32be(&c, &u32), KX_NEED_MORE);
	assert_int_equal(kx_cur_used(&c), 0);
	assert_int_equal(kx_cur_skip(&c, 4), KX_NEED_MORE);
	assert_int_equal(kx_cur_used(&c), 0);
}

static void
test_sshstring_bounded(void **state)
{
	static const uint8_t ok[] = { 0, 0, 0, 3, 'a', 'b', 'c', 'X' };
	static const uint8_t overrun[] = { 0, 0, 0, 9, 'a', 'b' };
	static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, 'a' };
	struct kx_cursor c, sub;

	(void)state;
	kx_cur_init(&c, ok, sizeof(ok));
	assert_int_equal(kx_cur_sshstring(&c, &sub), KX_OK);
	assert_int_equal(kx_cur_left(&sub), 3);
	assert_int_equal(kx_cur_left(&c), 1);

	kx_cur_init(&c, overrun, sizeof(overrun));
	assert_int_equal(kx_cur_sshstring(&c, &sub), KX_NEED_MORE);
	assert_int_equal(kx_cur_used(&c), 0);

	kx_cur_init(&c, huge, sizeof(huge));
	assert_int_equal(kx_cur_sshstring(&c, &sub), KX_NEED_MORE);
	assert_int_equal(kx_cur_used(&c), 0);
}

static void
test_find_lf(void **state)
{
	static const char s[] = "SSH-2.0-x\r\nrest";
	struct kx_cursor c;
	size_t at;

	(void)state;
	kx_cur_init(&c, s, sizeof(s) - 1);
	assert_int_equal(kx_cur_find_lf(&c, 255, &at), KX_OK);
	assert_int_equal(at, 10);
	assert_int_equal(kx_cur_find_lf(&c, 5, &at), KX_LIMIT);
	kx_cur_init(&c, s, 9);
	assert_int_equal(kx_cur_find_lf(&c, 255, &at), KX_NEED_MORE);
}

static void
test_span_to(void **state)
{
	static const char s[] = "abc,de";
	struct kx_cursor c;

	(void)state;
	kx_cur_init(&c, s, 6);
	assert_int_equal(kx_cur_span_to(&c, ','), 3);
	assert_int_equal(kx_cur_used(&c), 0);
	assert_int_equal(kx_cur_skip(&c, 4), KX_OK);
	assert_int_equal(kx_cur_span_to(&c, ','), 2);   /* no delimiter: all */
	kx_cur_init(&c, s, 2);
	assert_int_equal(kx_cur_span_to(&c, ','), 2);   /* never past the end */
	kx_cur_init(&c, NULL, 0);
	assert_int_equal(kx_cur_span_to(&c, ','), 0);
}

static void
test_strerror_covers_enum(void **state)
{
	(void)state;
	for (int i = 0; i < KX_STATUS_MAX; i++) {
		assert_non_null(kx_strerror((enum kx_status)i));
		assert_string_not_equal(kx_strerror((enum kx_status)i),
		    "unknown status");
	}
	assert_string_equal(kx_strerror(KX_STATUS_MAX), "unknown status");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getters_and_no_consume_on_failure),
		cmocka_unit_test(test_sshstring_bounded),
		cmocka_unit_test(test_find_lf),
		cmocka_unit_test(test_span_to),
		cmocka_unit_test(test_strerror_covers_enum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
