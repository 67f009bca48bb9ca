/* scan_hold: records held for a scan, oldest first; taken by source (and
 * window), when due, or the oldest; KX_SCAN_HOLD_MAX and
 * KX_SCAN_HOLD_BYTES reached. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kexray/report/scan_hold.h"

/* A held record of source byte s, window w, due after until, with n bytes
 * of output ("as it is" and "as the scan's" alike). */
static struct kx_scan_held
item(uint8_t s, uint64_t w, uint64_t until, size_t n)
{
	struct kx_scan_held it;

	memset(&it, 0, sizeof(it));
	it.ip_version = 4;
	it.src[15] = s;
	it.window = w;
	it.until = until;
	for (int k = 0; k < 2; k++) {
		it.out[k] = malloc(n);
		assert_non_null(it.out[k]);
		memset(it.out[k], 'a' + k, n);
		it.out_len[k] = n;
	}
	return it;
}

static void
test_order_source_due(void **state)
{
	struct kx_scan_hold *h = kx_scan_hold_new();
	struct kx_scan_held it;
	uint8_t src[16] = { 0 };
	uint64_t w1 = 100, w2 = 200;

	(void)state;
	assert_non_null(h);
	it = item(1, w1, 1000, 8);
	assert_true(kx_scan_hold_put(h, &it));
	it = item(2, w1, 500, 8);
	assert_true(kx_scan_hold_put(h, &it));
	it = item(1, w2, 2000, 8);
	assert_true(kx_scan_hold_put(h, &it));
	it = item(1, w2, 2000, 9);
	assert_true(kx_scan_hold_put(h, &it));
	assert_int_equal(kx_scan_hold_count(h), 4);

	/* Due: only what is past its until, oldest first. */
	assert_false(kx_scan_hold_due(h, 500));
	assert_true(kx_scan_hold_due(h, 501));
	assert_true(kx_scan_hold_take_due(h, 501, &it));
	assert_int_equal(it.src[15], 2);
	kx_scan_held_free(&it);
	assert_false(kx_scan_hold_take_due(h, 501, &it));

	/* Source 1 in window w2: its two, in order, not its w1 one. */
	src[15] = 1;
	assert_true(kx_scan_hold_take_source(h, 4, src, &w2, &it));
	assert_int_equal(it.out_len[0], 8);
	kx_scan_held_free(&it);
	assert_true(kx_scan_hold_take_source(h, 4, src, &w2, &it));
	assert_int_equal(it.out_len[0], 9);
	kx_scan_held_free(&it);
	assert_false(kx_scan_hold_take_source(h, 4, src, &w2, &it));
	/* Another address family is another source. */
	assert_false(kx_scan_hold_take_source(h, 6, src, NULL, &it));
	assert_true(kx_scan_hold_take_source(h, 4, src, NULL, &it));
	assert_int_equal(it.window, w1);
	kx_scan_held_free(&it);
	assert_int_equal(kx_scan_hold_count(h), 0);
	assert_false(kx_scan_hold_take_oldest(h, &it));
	kx_scan_hold_free(h);
	kx_scan_hold_free(NULL);
}

/* KX_SCAN_HOLD_MAX records: full; the oldest comes out first. */
static void
test_cap_count(void **state)
{
	struct kx_scan_hold *h = kx_scan_hold_new();
	struct kx_scan_held it;

	(void)state;
	assert_non_null(h);
	for (uint32_t i = 0; i < KX_SCAN_HOLD_MAX; i++) {
		assert_false(kx_scan_hold_full(h, 1));
		it = item((uint8_t)i, i, 1000 + i, 1);
		assert_true(kx_scan_hold_put(h, &it));
	}
	assert_true(kx_scan_hold_full(h, 1));
	it = item(0, 0, 0, 1);
	assert_false(kx_scan_hold_put(h, &it));   /* still the caller's */
	kx_scan_held_free(&it);
	assert_true(kx_scan_hold_take_oldest(h, &it));
	assert_int_equal(it.window, 0);
	kx_scan_held_free(&it);
	assert_false(kx_scan_hold_full(h, 1));
	kx_scan_hold_free(h);   /* frees what is still held */
}

/* KX_SCAN_HOLD_BYTES: a record larger than all of it is never held; half
 * of it held, a little more than the other half does not fit. */
static void
test_cap_bytes(void **state)
{
	struct kx_scan_hold *h = kx_scan_hold_new();
	struct kx_scan_held it;

	(void)state;
	assert_non_null(h);
	it = item(1, 1, 1, KX_SCAN_HOLD_BYTES / 2 + 1);
	assert_false(kx_scan_hold_put(h, &it));
	kx_scan_held_free(&it);
	it = item(1, 1, 1, KX_SCAN_HOLD_BYTES / 4);
	assert_true(kx_scan_hold_put(h, &it));
	it = item(1, 1, 1, KX_SCAN_HOLD_BYTES / 4 + 1);
	assert_true(kx_scan_hold_full(h, kx_scan_held_bytes(&it)));
	assert_false(kx_scan_hold_put(h, &it));
	kx_scan_held_free(&it);
	kx_scan_hold_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_source_due),
		cmocka_unit_test(test_cap_count),
		cmocka_unit_test(test_cap_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
