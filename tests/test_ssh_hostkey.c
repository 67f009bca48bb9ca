/* The ssh stage keeps the server's host key K_S from the cleartext KEX
 * reply (src/ssh/packet.c on_kex_reply): which messages qualify, the GEX
 * ambiguity of code 31, the cap, and ownership. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "kexray/ssh/ssh.h"
#include "ssh_test_util.h"

/* An ed25519-shaped key blob: string type, string 32-byte key. */
static void
keyblob(struct buf *b, const char *type, uint8_t fill, size_t keylen)
{
	uint8_t *k = malloc(keylen);

	assert_non_null(k);
	memset(k, fill, keylen);
	buf_sstr(b, type, strlen(type));
	buf_sstr(b, k, keylen);
	free(k);
}

/* Message code, then strings. nstr strings: the first is K_S (blob), the
 * others filler of the given sizes. */
static void
reply(struct buf *out, uint8_t code, const struct buf *ks, int nstr,
    size_t trailing)
{
	struct buf p = { 0 };
	uint8_t f[40];

	memset(f, 0x42, sizeof(f));
	buf_u8(&p, code);
	if (ks != NULL)
		buf_sstr(&p, ks->p, ks->len);
	for (int i = ks != NULL ? 1 : 0; i < nstr; i++)
		buf_sstr(&p, f, sizeof(f));
	for (size_t i = 0; i < trailing; i++)
		buf_u8(&p, 0);
	buf_frame(out, p.p, p.len, 0);
	buf_free(&p);
}

/* A side past its banner, ready for packets. */
static void
start(struct kx_ssh_side *s, bool server)
{
	static const char banner[] = "SSH-2.0-Test_1.0\r\n";
	size_t used;

	kx_ssh_side_init(s, server);
	assert_int_equal(feed_exact(s, banner, strlen(banner), &used), KX_NEED_MORE);
	assert_int_equal(used, strlen(banner));
}

static void
feed_all(struct kx_ssh_side *s, const struct buf *b)
{
	size_t used;

	assert_int_equal(feed_exact(s, b->p, b->len, &used), KX_NEED_MORE);
	assert_int_equal(used, b->len);
}

/* KEXDH_REPLY / KEX_ECDH_REPLY (31): K_S is kept, byte for byte. */
static void
test_ecdh_reply_keeps_ks(void **state)
{
	struct kx_ssh_side s;
	struct buf ks = { 0 }, w = { 0 };

	(void)state;
	start(&s, true);
	keyblob(&ks, "ssh-ed25519", 0x11, 32);
	reply(&w, 31, &ks, 3, 0);
	feed_all(&s, &w);
	assert_non_null(s.hostkey);
	assert_int_equal(s.hostkey_len, ks.len);
	assert_memory_equal(s.hostkey, ks.p, ks.len);
	assert_int_equal(s.hostkey_msg, 31);
	kx_ssh_side_free(&s);
	assert_null(s.hostkey);
	buf_free(&ks);
	buf_free(&w);
}

/* DH-GEX: 31 is KEX_DH_GEX_GROUP (mpint p, mpint g: two fields) and must
 * not be taken for a reply; the key comes from 33 (KEX_DH_GEX_REPLY). */
static void
test_gex_group_is_not_a_reply(void **state)
{
	struct kx_ssh_side s;
	struct buf ks = { 0 }, w = { 0 }, p = { 0 }, grp = { 0 };
	uint8_t prime[257];

	(void)state;
	start(&s, true);
	/* A safe prime's mpint: a leading zero, then a high bit set. */
	memset(prime, 0xff, sizeof(prime));
	prime[0] = 0;
	buf_u8(&p, 31);
	buf_sstr(&p, prime, sizeof(prime));
	buf_sstr(&p, "\x02", 1);
	buf_frame(&grp, p.p, p.len, 0);
	feed_all(&s, &grp);
	assert_null(s.hostkey);

	keyblob(&ks, "ecdsa-sha2-nistp256", 0x22, 65);
	reply(&w, 33, &ks, 3, 0);
	feed_all(&s, &w);
	assert_non_null(s.hostkey);
	assert_int_equal(s.hostkey_msg, 33);
	assert_memory_equal(s.hostkey, ks.p, ks.len);
	kx_ssh_side_free(&s);
	buf_free(&ks);
	buf_free(&w);
	buf_free(&p);
	buf_free(&grp);
}

/* RFC 4432 KEXRSA_PUBKEY (30): K_S then the transient key K_T. */
static void
test_kexrsa_pubkey(void **state)
{
	struct kx_ssh_side s;
	struct buf ks = { 0 }, w = { 0 };

	(void)state;
	start(&s, true);
	keyblob(&ks, "ssh-rsa", 0x33, 64);
	reply(&w, 30, &ks, 2, 0);
	feed_all(&s, &w);
	assert_non_null(s.hostkey);
	assert_int_equal(s.hostkey_msg, 30);
	kx_ssh_side_free(&s);
	buf_free(&ks);
	buf_free(&w);
}

/* Not well-formed as a reply: trailing bytes, a K_S without a type name,
 * a type name with a space, the client's side. None is kept. */
static void
test_malformed_or_client_not_kept(void **state)
{
	struct kx_ssh_side s;
	struct buf ks = { 0 }, bad = { 0 }, sp = { 0 }, w = { 0 };

	(void)state;
	keyblob(&ks, "ssh-ed25519", 0x44, 32);
	start(&s, true);
	reply(&w, 31, &ks, 3, 1);
	feed_all(&s, &w);
	assert_null(s.hostkey);
	kx_ssh_side_free(&s);
	buf_free(&w);

	start(&s, true);
	buf_put(&bad, "\x00\x00\x00\x00", 4);   /* empty type name */
	reply(&w, 31, &bad, 3, 0);
	feed_all(&s, &w);
	assert_null(s.hostkey);
	kx_ssh_side_free(&s);
	buf_free(&w);

	start(&s, true);
	keyblob(&sp, "ssh ed25519", 0x44, 32);
	reply(&w, 31, &sp, 3, 0);
	feed_all(&s, &w);
	assert_null(s.hostkey);
	kx_ssh_side_free(&s);
	buf_free(&w);

	start(&s, false);
	reply(&w, 31, &ks, 3, 0);
	feed_all(&s, &w);
	assert_null(s.hostkey);
	kx_ssh_side_free(&s);
	buf_free(&w);
	buf_free(&ks);
	buf_free(&bad);
	buf_free(&sp);
}

/* The first reply wins: a second one (a guessed kex packet, a bug) does
 * not replace it. */
static void
test_first_reply_wins(void **state)
{
	struct kx_ssh_side s;
	struct buf k1 = { 0 }, k2 = { 0 }, w = { 0 };

	(void)state;
	start(&s, true);
	keyblob(&k1, "ssh-ed25519", 0x01, 32);
	keyblob(&k2, "ssh-ed25519", 0x02, 32);
	reply(&w, 31, &k1, 3, 0);
	reply(&w, 31, &k2, 3, 0);
	feed_all(&s, &w);
	assert_memory_equal(s.hostkey, k1.p, k1.len);
	kx_ssh_side_free(&s);
	buf_free(&k1);
	buf_free(&k2);
	buf_free(&w);
}

/* KX_HOSTKEY_MAX: one byte over is not kept and says so; exactly at the
 * cap is kept. */
static void
test_cap(void **state)
{
	struct kx_ssh_side s;
	struct buf ks = { 0 }, w = { 0 };
	size_t over = KX_HOSTKEY_MAX + 1 - (4 + 11 + 4);

	(void)state;
	start(&s, true);
	keyblob(&ks, "ssh-ed25519", 0x55, over);
	assert_int_equal(ks.len, KX_HOSTKEY_MAX + 1);
	reply(&w, 31, &ks, 3, 0);
	feed_all(&s, &w);
	assert_null(s.hostkey);
	assert_true(kx_anom_has(s.anomalies, KX_ANOM_SSH_HOSTKEY_TOO_LONG));
	kx_ssh_side_free(&s);
	buf_free(&ks);
	buf_free(&w);

	start(&s, true);
	keyblob(&ks, "ssh-ed25519", 0x55, over - 1);
	reply(&w, 31, &ks, 3, 0);
	feed_all(&s, &w);
	assert_non_null(s.hostkey);
	assert_int_equal(s.hostkey_len, KX_HOSTKEY_MAX);
	assert_false(kx_anom_has(s.anomalies, KX_ANOM_SSH_HOSTKEY_TOO_LONG));
	kx_ssh_side_free(&s);
	buf_free(&ks);
	buf_free(&w);
}

/* Every proper prefix of a reply is NEED_MORE and keeps nothing. */
static void
test_truncation_sweep(void **state)
{
	struct buf ks = { 0 }, w = { 0 };

	(void)state;
	keyblob(&ks, "ssh-ed25519", 0x66, 32);
	reply(&w, 31, &ks, 3, 0);
	for (size_t n = 0; n < w.len; n++) {
		struct kx_ssh_side s;
		size_t used;

		start(&s, true);
		assert_int_equal(feed_exact(&s, w.p, n, &used), KX_NEED_MORE);
		assert_int_equal(used, 0);
		assert_null(s.hostkey);
		kx_ssh_side_free(&s);
	}
	buf_free(&ks);
	buf_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ecdh_reply_keeps_ks),
		cmocka_unit_test(test_gex_group_is_not_a_reply),
		cmocka_unit_test(test_kexrsa_pubkey),
		cmocka_unit_test(test_malformed_or_client_not_kept),
		cmocka_unit_test(test_first_reply_wins),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_truncation_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
