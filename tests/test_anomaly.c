/* STYLE 5: the anomaly table covers the enum, names are stable dotted
 * words, and docs/anomalies.md documents every one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kexray/core/anomaly.h"

static const char *doc_path;

static void
test_table_complete_and_unique(void **state)
{
	(void)state;
	for (int i = 0; i < KX_ANOM_MAX; i++) {
		const char *n = kx_anomaly_name((enum kx_anomaly)i);

		assert_non_null(n);
		assert_non_null(strchr(n, '.'));
		assert_true(strlen(kx_anomaly_desc((enum kx_anomaly)i)) > 10);
		for (const char *q = n; *q != '\0'; q++)
			assert_true((*q >= 'a' && *q <= 'z') || *q == '.' ||
			    *q == '_' || (*q >= '0' && *q <= '9'));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(n,
			    kx_anomaly_name((enum kx_anomaly)j));
	}
	assert_string_equal(kx_anomaly_name(KX_ANOM_MAX), "unknown");
}

static void
test_documented(void **state)
{
	FILE *f;
	char *doc;
	long len;

	(void)state;
	assert_non_null(doc_path);
	f = fopen(doc_path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	doc = calloc(1, (size_t)len + 1);
	assert_non_null(doc);
	assert_int_equal(fread(doc, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	for (int i = 0; i < KX_ANOM_MAX; i++) {
		char needle[80];

		snprintf(needle, sizeof(needle), "`%s`",
		    kx_anomaly_name((enum kx_anomaly)i));
		if (strstr(doc, needle) == NULL)
			fail_msg("%s is not documented in %s", needle, doc_path);
	}
	free(doc);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_complete_and_unique),
		cmocka_unit_test(test_documented),
	};

	doc_path = argc > 1 ? argv[1] : NULL;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
