#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "kexray/analyze/negotiate.h"
#include "kx_test.h"

static void
assert_alg(const struct kx_nego *n, enum kx_cat cat, const char *want)
{
	assert_int_equal(n->res[cat], KX_NEGO_AGREED);
	assert_int_equal(n->alg[cat].len, strlen(want));
	assert_memory_equal(n->alg[cat].p, want, strlen(want));
}

/* The seed case: hardened OpenSSH 5.3 against libssh2 1.7.0. */
static void
test_seed_case(void **state)
{
	static const char *const srv[KX_PROP_MAX] = {
		("ecdh-sha2-nistp521,ecdh-sha2-nistp384,ecdh-sha2-nistp256,"
		"diffie-hellman-group-exchange-sha256"),
		"ssh-rsa,ssh-dss",
		"aes256-ctr,aes192-ctr,aes128-ctr", "aes256-ctr,aes192-ctr,aes128-ctr",
		"hmac-sha2-512,hmac-sha2-256,hmac-ripemd160",
		"hmac-sha2-512,hmac-sha2-256,hmac-ripemd160",
		"none,zlib@openssh.com", "none,zlib@openssh.com", "", "",
	};
	static const char *const cli[KX_PROP_MAX] = {
		("diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1,"
		"diffie-hellman-group1-sha1"),
		"ssh-rsa,ssh-dss",
		"aes128-ctr,aes192-ctr,aes256-ctr,aes256-cbc,rijndael-cbc@lysator.liu.se",
		"aes128-ctr,aes192-ctr,aes256-ctr,aes256-cbc,rijndael-cbc@lysator.liu.se",
		("hmac-sha1,hmac-sha1-96,hmac-md5,hmac-md5-96,hmac-ripemd160,"
		"hmac-ripemd160@openssh.com"),
		("hmac-sha1,hmac-sha1-96,hmac-md5,hmac-md5-96,hmac-ripemd160,"
		"hmac-ripemd160@openssh.com"),
		"none", "none", "", "",
	};
	struct kx_kexinit c, s;
	struct kx_nego n;

	(void)state;
	kxt_kexinit(&c, cli);
	kxt_kexinit(&s, srv);
	kx_negotiate(&c, &s, &n);
	assert_int_equal(n.res[KX_CAT_KEX], KX_NEGO_MISMATCH);
	assert_int_equal(n.mismatch_mask, 1u << KX_CAT_KEX);
	assert_int_equal(n.first_failure, KX_CAT_KEX);
	assert_alg(&n, KX_CAT_HOSTKEY, "ssh-rsa");
	assert_alg(&n, KX_CAT_CIPHER_C2S, "aes128-ctr");
	assert_alg(&n, KX_CAT_CIPHER_S2C, "aes128-ctr");
	assert_alg(&n, KX_CAT_MAC_C2S, "hmac-ripemd160");
	assert_alg(&n, KX_CAT_MAC_S2C, "hmac-ripemd160");
	assert_alg(&n, KX_CAT_COMP_C2S, "none");
	assert_string_equal(kx_nego_failure_text(KX_CAT_KEX),
	    "no matching key exchange method found");
}

/* The client's order decides, not the server's (RFC 4253 7.1). */
static void
test_client_order_wins(void **state)
{
	static const char *const cli[KX_PROP_MAX] = {
		"b,a", "k", "c2,c1", "c1", "m", "m", "none", "none", "", "" };
	static const char *const srv[KX_PROP_MAX] = {
		"a,b", "k", "c1,c2", "c1", "m", "m", "none", "none", "", "" };
	struct kx_kexinit c, s;
	struct kx_nego n;

	(void)state;
	kxt_kexinit(&c, cli);
	kxt_kexinit(&s, srv);
	kx_negotiate(&c, &s, &n);
	assert_alg(&n, KX_CAT_KEX, "b");
	assert_alg(&n, KX_CAT_CIPHER_C2S, "c2");
	assert_int_equal(n.mismatch_mask, 0);
	assert_int_equal(n.first_failure, -1);
}

/* An AEAD cipher makes the MAC implicit: disjoint MAC lists are no failure
 * in that direction, but still are in the other. */
static void
test_aead_implicit_mac(void **state)
{
	static const char *const cli[KX_PROP_MAX] = {
		"curve25519-sha256", "ssh-ed25519",
		"chacha20-poly1305@openssh.com", "aes128-ctr",
		"hmac-sha1", "hmac-sha1", "none", "none", "", "" };
	static const char *const srv[KX_PROP_MAX] = {
		"curve25519-sha256", "ssh-ed25519",
		"chacha20-poly1305@openssh.com,aes128-gcm@openssh.com",
		"aes128-ctr", "hmac-sha2-256", "hmac-sha2-256", "none", "none",
		"", "" };
	struct kx_kexinit c, s;
	struct kx_nego n;

	(void)state;
	kxt_kexinit(&c, cli);
	kxt_kexinit(&s, srv);
	kx_negotiate(&c, &s, &n);
	assert_int_equal(n.res[KX_CAT_MAC_C2S], KX_NEGO_IMPLICIT);
	assert_int_equal(n.res[KX_CAT_MAC_S2C], KX_NEGO_MISMATCH);
	assert_int_equal(n.mismatch_mask, 1u << KX_CAT_MAC_S2C);
	assert_true(kx_cipher_is_aead((const uint8_t *)"aes256-gcm@openssh.com", 22));
	assert_false(kx_cipher_is_aead((const uint8_t *)"aes256-ctr", 10));
}

/* ext-info-c and kex-strict-* are markers, never a negotiated kex, even if
 * a (broken) server lists the same marker. */
static void
test_pseudo_kex_never_chosen(void **state)
{
	static const char *const cli[KX_PROP_MAX] = {
		"ext-info-c,kex-strict-c-v00@openssh.com", "k", "c", "c", "m", "m",
		"none", "none", "", "" };
	static const char *const srv[KX_PROP_MAX] = {
		"ext-info-c,kex-strict-c-v00@openssh.com,curve25519-sha256", "k",
		"c", "c", "m", "m", "none", "none", "", "" };
	struct kx_kexinit c, s;
	struct kx_nego n;

	(void)state;
	kxt_kexinit(&c, cli);
	kxt_kexinit(&s, srv);
	kx_negotiate(&c, &s, &n);
	assert_int_equal(n.res[KX_CAT_KEX], KX_NEGO_MISMATCH);
	assert_int_equal(n.first_failure, KX_CAT_KEX);
}

/* Every failing category is reported; the first is sshd's check order:
 * kex, host key, then c2s cipher/MAC/compression, then s2c. */
static void
test_all_failures_and_order(void **state)
{
	static const char *const cli[KX_PROP_MAX] = {
		"k1", "h1", "c1", "c1", "m1", "m1", "z1", "none", "", "" };
	static const char *const srv[KX_PROP_MAX] = {
		"k1", "h2", "c2", "c1", "m2", "m1", "none", "none", "", "" };
	struct kx_kexinit c, s;
	struct kx_nego n;

	(void)state;
	kxt_kexinit(&c, cli);
	kxt_kexinit(&s, srv);
	kx_negotiate(&c, &s, &n);
	assert_int_equal(n.mismatch_mask, (1u << KX_CAT_HOSTKEY) |
	    (1u << KX_CAT_CIPHER_C2S) | (1u << KX_CAT_MAC_C2S) |
	    (1u << KX_CAT_COMP_C2S));
	assert_int_equal(n.first_failure, KX_CAT_HOSTKEY);
	assert_string_equal(kx_nego_failure_text(KX_CAT_HOSTKEY),
	    "no matching host key type found");
}

static void
test_missing_kexinit_is_unknown(void **state)
{
	static const char *const l[KX_PROP_MAX] = {
		"a", "b", "c", "c", "m", "m", "none", "none", "", "" };
	struct kx_kexinit c;
	struct kx_nego n;

	(void)state;
	kxt_kexinit(&c, l);
	kx_negotiate(&c, NULL, &n);
	for (int i = 0; i < KX_CAT_MAX; i++)
		assert_int_equal(n.res[i], KX_NEGO_UNKNOWN);
	assert_int_equal(n.mismatch_mask, 0);
}

/* Empty names (",,") never match each other. */
static void
test_empty_names_do_not_match(void **state)
{
	static const char *const cli[KX_PROP_MAX] = {
		",,k", "h", "c", "c", "m", "m", "none", "none", "", "" };
	static const char *const srv[KX_PROP_MAX] = {
		"x,,", "h", "c", "c", "m", "m", "none", "none", "", "" };
	struct kx_kexinit c, s;
	struct kx_nego n;

	(void)state;
	kxt_kexinit(&c, cli);
	kxt_kexinit(&s, srv);
	kx_negotiate(&c, &s, &n);
	assert_int_equal(n.res[KX_CAT_KEX], KX_NEGO_MISMATCH);
}

/* 1000 names a side, the only common one last on both: found, and nothing
 * past OpenSSH's 40-entry match_list horizon is dropped. */
static void
test_thousand_names(void **state)
{
	char *cl = malloc(20000), *sl = malloc(20000);
	const char *cli[KX_PROP_MAX], *srv[KX_PROP_MAX];
	struct kx_kexinit c, s;
	struct kx_nego n;
	size_t co = 0, so = 0;

	(void)state;
	assert_non_null(cl);
	assert_non_null(sl);
	for (int i = 0; i < 999; i++) {
		co += (size_t)sprintf(cl + co, "client-%d,", i);
		so += (size_t)sprintf(sl + so, "server-%d,", i);
	}
	sprintf(cl + co, "shared-alg");
	sprintf(sl + so, "shared-alg");
	for (int i = 0; i < KX_PROP_MAX; i++) {
		cli[i] = i < 8 ? cl : "";
		srv[i] = i < 8 ? sl : "";
	}
	kxt_kexinit(&c, cli);
	kxt_kexinit(&s, srv);
	assert_int_equal(c.list[0].count, 1000);
	kx_negotiate(&c, &s, &n);
	for (int cat = 0; cat < KX_CAT_MAX; cat++)
		assert_alg(&n, (enum kx_cat)cat, "shared-alg");
	free(cl);
	free(sl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_case),
		cmocka_unit_test(test_client_order_wins),
		cmocka_unit_test(test_aead_implicit_mac),
		cmocka_unit_test(test_pseudo_kex_never_chosen),
		cmocka_unit_test(test_all_failures_and_order),
		cmocka_unit_test(test_missing_kexinit_is_unknown),
		cmocka_unit_test(test_empty_names_do_not_match),
		cmocka_unit_test(test_thousand_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
