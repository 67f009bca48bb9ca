/* offers.h: a kexinit record is owed once per id; the set is bounded, and
 * an id pushed out is owed again when it comes back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "kexray/events/offers.h"

static void
hex_id(uint64_t v, char out[KX_KEXINIT_ID_LEN + 1])
{
	snprintf(out, KX_KEXINIT_ID_LEN + 1, "%016llx", (unsigned long long)v);
}

static void
test_once_per_id(void **state)
{
	struct kx_offers *o = kx_offers_new(KX_OFFERS_MAX);
	char id[KX_KEXINIT_ID_LEN + 1];

	(void)state;
	assert_non_null(o);
	hex_id(0x0123456789abcdefull, id);
	assert_true(kx_offers_first(o, id));
	for (int i = 0; i < 100; i++)
		assert_false(kx_offers_first(o, id));
	hex_id(0x0123456789abcdeeull, id);
	assert_true(kx_offers_first(o, id));
	assert_int_equal(kx_offers_written(o), 2);
	kx_offers_free(o);
}

/* More ids than the set holds: memory stays at the bound, and an id that
 * was pushed out is owed again, never silently taken as written. */
static void
test_bounded(void **state)
{
	const uint32_t max = 64, n = 10 * 64;
	struct kx_offers *o = kx_offers_new(max);
	char id[KX_KEXINIT_ID_LEN + 1];
	uint32_t again = 0;

	(void)state;
	assert_non_null(o);
	for (uint32_t i = 1; i <= n; i++) {
		hex_id((uint64_t)i * 0x9e3779b97f4a7c15ull, id);
		assert_true(kx_offers_first(o, id));
	}
	assert_int_equal(kx_offers_written(o), n);
	/* The last max ids written (a set holds its newest): none owed. */
	for (uint32_t i = n - KX_OFFERS_WAYS + 1; i <= n; i++) {
		hex_id((uint64_t)i * 0x9e3779b97f4a7c15ull, id);
		assert_false(kx_offers_first(o, id));
	}
	/* The first ones were pushed out: owed again. */
	for (uint32_t i = 1; i <= max; i++) {
		hex_id((uint64_t)i * 0x9e3779b97f4a7c15ull, id);
		if (kx_offers_first(o, id))
			again++;
	}
	assert_true(again > max / 2);
	kx_offers_free(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_once_per_id),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
