/* headline: the cause on a connection's first line (issue 19): which
 * algorithm is weak, named once for both directions, Terrapin exposure,
 * a changed or revoked host key, a forged reset, the cause of an end
 * before NEWKEYS rather than its TCP step, a mismatch by category; and the
 * line always fits its buffer, however small. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "kexray/analyze/algtab.h"
#include "kexray/report/headline.h"

static struct kx_conn conn;
static struct kx_verdict v;

static void
agree(enum kx_cat cat, enum kx_algcat ac, const char *name)
{
	v.nego.res[cat] = KX_NEGO_AGREED;
	v.nego.alg[cat].p = (const uint8_t *)name;
	v.nego.alg[cat].len = (uint32_t)strlen(name);
	v.assess.rating[cat] = kx_algtab_find(ac, (const uint8_t *)name,
	    strlen(name));
	assert_non_null(v.assess.rating[cat]);
}

static int
reset(void **state)
{
	(void)state;
	memset(&conn, 0, sizeof(conn));
	memset(&v, 0, sizeof(v));
	conn.closed_by = -1;
	v.close.mtu_side = -1;
	v.nego.first_failure = -1;
	return 0;
}

static void
weak_named_once(void **state)
{
	char buf[512];

	(void)state;
	v.kind = KX_V_OK;
	agree(KX_CAT_KEX, KX_AC_KEX, "curve25519-sha256");
	agree(KX_CAT_CIPHER_C2S, KX_AC_CIPHER, "3des-cbc");
	agree(KX_CAT_CIPHER_S2C, KX_AC_CIPHER, "3des-cbc");
	kx_headline(&conn, &v, buf, sizeof(buf));
	assert_string_equal(buf, "weak: cipher 3des-cbc (fail)");
	v.assess.terrapin.exposed = true;
	kx_headline(&conn, &v, buf, sizeof(buf));
	assert_string_equal(buf, "weak: cipher 3des-cbc (fail); exposed to "
	    "Terrapin (CVE-2023-48795)");
}

static void
ok_plain(void **state)
{
	char buf[64];

	(void)state;
	v.kind = KX_V_OK;
	agree(KX_CAT_KEX, KX_AC_KEX, "curve25519-sha256");
	kx_headline(&conn, &v, buf, sizeof(buf));
	assert_string_equal(buf, "handshake completed");
}

static void
hostkey_changed_and_revoked(void **state)
{
	char buf[256];

	(void)state;
	v.kind = KX_V_HOST_KEY_CHANGED;
	v.assess.hostkey.known_hosts = KX_HK_CHANGED;
	kx_headline(&conn, &v, buf, sizeof(buf));
	assert_non_null(strstr(buf, "host key changed: possible man-in-the-middle"));
	v.assess.hostkey.known_hosts = KX_HK_REVOKED;
	kx_headline(&conn, &v, buf, sizeof(buf));
	assert_non_null(strstr(buf, "host key revoked"));
}

static void
causes_not_steps(void **state)
{
	char buf[256];

	(void)state;
	v.kind = KX_V_CLOSED;
	conn.close = KX_CLOSE_FIN;
	conn.closed_by = KX_CLIENT;
	v.close.cause = KX_CAUSE_HOSTKEY;
	kx_headline(&conn, &v, buf, sizeof(buf));
	assert_non_null(strstr(buf, "host key rejected by the client"));
	v.close.cause = KX_CAUSE_MTU;
	v.close.mtu_side = KX_SERVER;
	kx_headline(&conn, &v, buf, sizeof(buf));
	assert_non_null(strstr(buf, "path MTU black hole"));
	assert_non_null(strstr(buf, "from the server"));
	v.kind = KX_V_RESET;
	conn.close = KX_CLOSE_RST;
	v.close.cause = KX_CAUSE_THIRD_PARTY;
	v.close.third_party = true;
	conn.closed_by = KX_SERVER;
	kx_headline(&conn, &v, buf, sizeof(buf));
	assert_non_null(strstr(buf, "forged reset"));
	assert_non_null(strstr(buf, "claiming to be the server"));
}

static void
mismatch_by_category(void **state)
{
	char buf[256];

	(void)state;
	v.kind = KX_V_MISMATCH;
	v.nego.mismatch_mask = 1u << KX_CAT_CIPHER_C2S | 1u << KX_CAT_CIPHER_S2C |
	    1u << KX_CAT_MAC_C2S;
	kx_headline(&conn, &v, buf, sizeof(buf));
	assert_string_equal(buf, "no common algorithm: cipher, mac (the two "
	    "sides' lists do not overlap)");
}

static void
fits_any_buffer(void **state)
{
	char buf[9];

	(void)state;
	v.kind = KX_V_OK;
	agree(KX_CAT_CIPHER_C2S, KX_AC_CIPHER, "3des-cbc");
	memset(buf, 'x', sizeof(buf));
	kx_headline(&conn, &v, buf, 8);
	assert_int_equal(strlen(buf), 7);
	assert_int_equal(buf[8], 'x');   /* nothing past len */
	kx_headline(&conn, &v, buf, 1);
	assert_string_equal(buf, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(weak_named_once, reset),
		cmocka_unit_test_setup(ok_plain, reset),
		cmocka_unit_test_setup(hostkey_changed_and_revoked, reset),
		cmocka_unit_test_setup(causes_not_steps, reset),
		cmocka_unit_test_setup(mismatch_by_category, reset),
		cmocka_unit_test_setup(fits_any_buffer, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
