/* brief_hold: --brief lines held until their connection ends: written
 * once and forgotten, none for an id never held, two ids kept apart,
 * and at KX_BRIEF_HOLD_MAX no more held (the caller writes at once). */
#define _GNU_SOURCE   /* open_memstream */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kexray/report/brief_hold.h"

/* What kx_brief_hold_write writes for id, "" when it returns false. */
static char *
written(struct kx_brief_hold *h, uint64_t id, bool *found)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*found = kx_brief_hold_write(h, id, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void
held_once(void **state)
{
	struct kx_brief_hold *h = kx_brief_hold_new();
	bool found;
	char *s;

	(void)state;
	assert_non_null(h);
	assert_true(kx_brief_hold_put(h, 7, "OK  line seven", 14));
	/* A second line, held apart from the first. */
	assert_true(kx_brief_hold_put(h, 7 + 4096, "OK  other", 9));
	s = written(h, 7, &found);
	assert_true(found);
	assert_string_equal(s, "OK  line seven");
	free(s);
	s = written(h, 7, &found);
	assert_false(found);
	assert_string_equal(s, "");
	free(s);
	s = written(h, 7 + 4096, &found);
	assert_true(found);
	assert_string_equal(s, "OK  other");
	free(s);
	s = written(h, 99, &found);
	assert_false(found);
	free(s);
	kx_brief_hold_free(h);
	kx_brief_hold_free(NULL);
}

static void
bounded(void **state)
{
	struct kx_brief_hold *h = kx_brief_hold_new();

	(void)state;
	for (uint64_t i = 0; i < KX_BRIEF_HOLD_MAX; i++)
		assert_true(kx_brief_hold_put(h, i, "x", 1));
	assert_false(kx_brief_hold_put(h, KX_BRIEF_HOLD_MAX, "x", 1));
	kx_brief_hold_free(h);   /* frees what is still held */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(held_once),
		cmocka_unit_test(bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
