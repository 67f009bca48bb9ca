/* color: --color values; colour on a terminal only, NO_COLOR and TERM=dumb
 * respected in auto mode and overridden by always; escape sequences only
 * around the word, never around the padding; verdict labels (WEAK) and
 * tones. A pseudo-terminal stands in for the terminal. */
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kexray/report/color.h"

static void
test_parse(void **state)
{
	enum kx_color_mode m = KX_COLOR_AUTO;

	(void)state;
	assert_true(kx_color_parse("never", &m));
	assert_int_equal(m, KX_COLOR_NEVER);
	assert_true(kx_color_parse("always", &m));
	assert_int_equal(m, KX_COLOR_ALWAYS);
	assert_true(kx_color_parse("auto", &m));
	assert_int_equal(m, KX_COLOR_AUTO);
	assert_false(kx_color_parse("yes", &m));
	assert_false(kx_color_parse("", &m));
	assert_false(kx_color_parse("Always", &m));
}

static void
test_wanted(void **state)
{
	int master, slave, pipefd[2];

	(void)state;
	master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	assert_true(slave >= 0);
	assert_int_equal(pipe(pipefd), 0);

	unsetenv("NO_COLOR");
	setenv("TERM", "xterm", 1);
	assert_true(kx_color_wanted(KX_COLOR_AUTO, slave));
	assert_false(kx_color_wanted(KX_COLOR_AUTO, pipefd[1]));
	assert_false(kx_color_wanted(KX_COLOR_NEVER, slave));
	assert_true(kx_color_wanted(KX_COLOR_ALWAYS, pipefd[1]));
	/* NO_COLOR: set and not empty turns auto off, empty does not. */
	setenv("NO_COLOR", "1", 1);
	assert_false(kx_color_wanted(KX_COLOR_AUTO, slave));
	assert_true(kx_color_wanted(KX_COLOR_ALWAYS, slave));
	setenv("NO_COLOR", "", 1);
	assert_true(kx_color_wanted(KX_COLOR_AUTO, slave));
	unsetenv("NO_COLOR");
	setenv("TERM", "dumb", 1);
	assert_false(kx_color_wanted(KX_COLOR_AUTO, slave));
	assert_true(kx_color_wanted(KX_COLOR_ALWAYS, slave));
	close(pipefd[0]);
	close(pipefd[1]);
	close(slave);
	close(master);
}

static char *
put(const struct kx_style *st, enum kx_tone t, const char *s, int width)
{
	char *buf = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&buf, &sz);

	assert_non_null(f);
	kx_style_put(f, st, t, s, width);
	fclose(f);
	return buf;
}

static void
test_put(void **state)
{
	struct kx_style on = { .color = true }, off = { .color = false };
	char *s;

	(void)state;
	s = put(&off, KX_TONE_BAD, "MISMATCH", 10);
	assert_string_equal(s, "MISMATCH  ");
	free(s);
	s = put(NULL, KX_TONE_BAD, "MISMATCH", 0);
	assert_string_equal(s, "MISMATCH");
	free(s);
	/* The padding stays outside the escape sequences. */
	s = put(&on, KX_TONE_BAD, "MISMATCH", 10);
	assert_string_equal(s, "\033[1;31mMISMATCH\033[0m  ");
	free(s);
	s = put(&on, KX_TONE_GOOD, "OK", 4);
	assert_string_equal(s, "\033[32mOK\033[0m  ");
	free(s);
	s = put(&on, KX_TONE_PLAIN, "x", 0);
	assert_string_equal(s, "x");
	free(s);
	/* Longer than the column: written whole. */
	s = put(&off, KX_TONE_BAD, "INCOMPLETE!", 4);
	assert_string_equal(s, "INCOMPLETE!");
	free(s);
}

static void
test_labels(void **state)
{
	struct kx_verdict v;
	const struct kx_algtab_row *sha1 = kx_algtab_find(KX_AC_MAC,
	    (const uint8_t *)"hmac-sha1", 9);
	const struct kx_algtab_row *etm = kx_algtab_find(KX_AC_MAC,
	    (const uint8_t *)"hmac-sha2-256-etm@openssh.com", 29);

	(void)state;
	assert_non_null(sha1);
	assert_non_null(etm);
	assert_int_equal(sha1->rating, KX_RATE_WARN);
	memset(&v, 0, sizeof(v));
	v.kind = KX_V_OK;
	v.nego.res[KX_CAT_MAC_C2S] = KX_NEGO_AGREED;
	v.assess.rating[KX_CAT_MAC_C2S] = etm;
	assert_string_equal(kx_verdict_label(&v), "OK");
	assert_int_equal(kx_verdict_tone(&v), KX_TONE_GOOD);
	v.assess.rating[KX_CAT_MAC_C2S] = sha1;
	assert_string_equal(kx_verdict_label(&v), "WEAK");
	assert_int_equal(kx_verdict_tone(&v), KX_TONE_WARN);
	/* A rating of a category that was not agreed does not count. */
	v.nego.res[KX_CAT_MAC_C2S] = KX_NEGO_IMPLICIT;
	assert_string_equal(kx_verdict_label(&v), "OK");
	/* Terrapin exposure alone makes a completed handshake WEAK. */
	v.assess.terrapin.exposed = true;
	assert_string_equal(kx_verdict_label(&v), "WEAK");
	/* Only a completed handshake is WEAK; problems are red. */
	v.kind = KX_V_MISMATCH;
	v.problem = true;
	assert_string_equal(kx_verdict_label(&v), "MISMATCH");
	assert_int_equal(kx_verdict_tone(&v), KX_TONE_BAD);
	/* A reset by a likely forged RST (close.h third_party). */
	v.kind = KX_V_RESET;
	assert_string_equal(kx_verdict_label(&v), "RESET");
	v.close.third_party = true;
	assert_string_equal(kx_verdict_label(&v), "FORGED RST");
	assert_int_equal(kx_verdict_tone(&v), KX_TONE_BAD);
	assert_true(strlen("FORGED RST") <= KX_VERDICT_LABEL_WIDTH);
	v.close.third_party = false;
	v.kind = KX_V_INCOMPLETE;
	v.problem = false;
	assert_string_equal(kx_verdict_label(&v), "INCOMPLETE");
	assert_int_equal(kx_verdict_tone(&v), KX_TONE_DIM);
	/* A changed host key is its own verdict, a problem, and red. */
	v.kind = KX_V_HOST_KEY_CHANGED;
	v.problem = kx_verdict_is_problem(v.kind);
	assert_true(v.problem);
	assert_string_equal(kx_verdict_label(&v), "HOSTKEY");
	assert_int_equal(kx_verdict_tone(&v), KX_TONE_BAD);
	/* Every label fits the header column. */
	for (int k = 0; k < KX_V_MAX; k++) {
		v.kind = (enum kx_verdict_kind)k;
		assert_true(strlen(kx_verdict_label(&v)) <= KX_VERDICT_LABEL_WIDTH);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_wanted),
		cmocka_unit_test(test_put),
		cmocka_unit_test(test_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
