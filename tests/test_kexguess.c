/* What the pipeline makes of the key exchange guess (kexguess.c) and of
 * the encrypted segments (infer_conn.c), from frames: cleartext KEXINITs
 * with first_kex_packet_follows, key-exchange messages, NEWKEYS, then
 * encrypted segments of chosen sizes, retransmissions among them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kexray/analyze/analyze.h"
#include "kexray/analyze/infer_conn.h"
#include "kx_frames.h"

struct seen {
	int n;
	struct kx_kexguess guess;      /* at the handshake callback */
	struct kx_kexguess guess_end;  /* kept past the KEXINITs' release */
	struct kx_auth_view auth;
	enum kx_cause cause;
	char text[512];
};

static void
on_done(struct kx_conn *c, void *arg)
{
	struct seen *s = arg;
	struct kx_verdict v;

	s->n++;
	/* As kexray does: a connection whose record was written at NEWKEYS
	 * has only its end judged. */
	if (c->hs_reported) {
		kx_analyze_end(c, &v.close);
	} else {
		kx_analyze(c, &v);
	}
	s->cause = v.close.cause;
	snprintf(s->text, sizeof(s->text), "%s", v.close.text);
	kx_infer_conn_judge(c, &s->auth);
	kx_infer_conn_guess(c, &s->guess_end);
}

static void
on_handshake(struct kx_conn *c, void *arg)
{
	struct seen *s = arg;

	kx_kexguess_judge(kx_conn_ssh(c, KX_CLIENT)->kexinit,
	    kx_conn_ssh(c, KX_SERVER)->kexinit, kx_conn_ssh(c, KX_CLIENT),
	    kx_conn_ssh(c, KX_SERVER), &s->guess);
}

static struct kx_pipeline *
pipeline(struct seen *s)
{
	struct kx_pipeline_config cfg = { .nports = 0 };
	struct kx_pipeline *p;

	assert_true(kx_parse_ports("22", &cfg));
	p = kx_pipeline_new(&cfg, on_done, s);
	assert_non_null(p);
	/* As kexray runs: the KEXINITs are freed once the record is written. */
	kx_pipeline_on_handshake_last(p, on_handshake);
	return p;
}

/* A KEXINIT payload with the flag set as asked. */
static uint32_t
kexinit(uint8_t *out, size_t cap, const char *const lists[10], bool follows)
{
	uint32_t n = kxf_kexinit(out, cap, lists);

	out[n - 5] = follows ? 1 : 0;
	return n;
}

static void
send_kexinit(struct kxf_conn *k, int side, const char *const lists[10],
    bool follows)
{
	uint8_t p[2048];
	uint32_t n = kexinit(p, sizeof(p), lists, follows);

	kxf_msg(k, side, p, n);
}

static void
msg(struct kxf_conn *k, int side, uint8_t code)
{
	uint8_t m[37] = { code, 0, 0, 0, 32 };

	kxf_msg(k, side, m, code == 31 ? 1 : sizeof(m));
}

static const char *const cl_lists[10] = {
	"curve25519-sha256,ecdh-sha2-nistp256,kex-strict-c-v00@openssh.com",
	"ssh-ed25519,rsa-sha2-256", "aes128-ctr", "aes128-ctr",
	"hmac-sha2-256", "hmac-sha2-256", "none", "none", "", "",
};
/* The same first choices: a client's guess is right. */
static const char *const sv_same[10] = {
	"curve25519-sha256,kex-strict-s-v00@openssh.com", "ssh-ed25519",
	"aes128-ctr", "aes128-ctr", "hmac-sha2-256", "hmac-sha2-256",
	"none", "none", "", "",
};
/* Another first key exchange (still agreed: curve25519 is on both). */
static const char *const sv_other_kex[10] = {
	"ecdh-sha2-nistp256,curve25519-sha256,kex-strict-s-v00@openssh.com",
	"ssh-ed25519", "aes128-ctr", "aes128-ctr", "hmac-sha2-256",
	"hmac-sha2-256", "none", "none", "", "",
};
/* The same first kex, another first host key algorithm. */
static const char *const sv_other_hostkey[10] = {
	"curve25519-sha256", "rsa-sha2-256,ssh-ed25519", "aes128-ctr",
	"aes128-ctr", "hmac-sha2-256", "hmac-sha2-256", "none", "none", "", "",
};

/* Banners, KEXINITs (the client's with its flag), the client's kex
 * messages (n_init of code 30), the server's replies (n_reply of 31),
 * NEWKEYS both ways. */
static void
handshake(struct kxf_conn *k, const char *const sv[10], bool follows,
    int n_init, int n_reply)
{
	kxf_open(k);
	kxf_banners(k);
	send_kexinit(k, KX_SERVER, sv, false);
	send_kexinit(k, KX_CLIENT, cl_lists, follows);
	for (int i = 0; i < n_init; i++)
		msg(k, KX_CLIENT, 30);
	for (int i = 0; i < n_reply; i++)
		msg(k, KX_SERVER, 31);
	kxf_newkeys(k, KX_SERVER);
	kxf_newkeys(k, KX_CLIENT);
}

static void
finish(struct kxf_conn *k)
{
	kx_pipeline_finish(k->pl);
	kx_pipeline_free(k->pl);
}

/* Encrypted bytes: their values do not matter, only their count. */
static void
enc(struct kxf_conn *k, int side, uint32_t n)
{
	static const uint8_t junk[2048];

	assert_true(n <= sizeof(junk));
	kxf_data(k, side, KX_TCP_ACK | KX_TCP_PSH, junk, n);
}

static void
test_guess_right(void **state)
{
	struct seen s = { 0 };
	struct kxf_conn k;

	(void)state;
	kxf_init(&k, pipeline(&s));
	handshake(&k, sv_same, true, 1, 1);
	kxf_fins(&k, KX_CLIENT);
	finish(&k);
	assert_true(s.guess.guessed[KX_CLIENT]);
	assert_false(s.guess.guessed[KX_SERVER]);
	assert_false(s.guess.wrong[KX_CLIENT]);
	assert_false(s.guess.answered[KX_CLIENT]);
	assert_true(s.guess.strict);
	assert_int_equal(s.guess.kex_msgs[KX_CLIENT], 1);
	assert_int_equal(s.guess.kex_msgs[KX_SERVER], 1);
}

/* Wrong on the kex: the guessed ECDH_INIT ignored, the right one sent,
 * one reply: as RFC 4253 7 wants. Kept past the KEXINITs' release. */
static void
test_guess_wrong_ignored(void **state)
{
	struct seen s = { 0 };
	struct kxf_conn k;

	(void)state;
	kxf_init(&k, pipeline(&s));
	handshake(&k, sv_other_kex, true, 2, 1);
	kxf_fins(&k, KX_CLIENT);
	finish(&k);
	assert_true(s.guess.wrong[KX_CLIENT]);
	assert_false(s.guess.answered[KX_CLIENT]);
	assert_false(s.guess.repeated[KX_CLIENT]);   /* the guess explains it */
	assert_int_equal(s.guess.kex_msgs[KX_CLIENT], 2);
	assert_true(s.guess_end.wrong[KX_CLIENT]);
	assert_false(s.guess_end.answered[KX_CLIENT]);
}

/* Wrong on the host key algorithm alone, and the server answered both
 * the guessed packet and the right one. */
static void
test_guess_wrong_answered(void **state)
{
	struct seen s = { 0 };
	struct kxf_conn k;

	(void)state;
	kxf_init(&k, pipeline(&s));
	handshake(&k, sv_other_hostkey, true, 2, 2);
	kxf_fins(&k, KX_CLIENT);
	finish(&k);
	assert_true(s.guess.wrong[KX_CLIENT]);
	assert_true(s.guess.answered[KX_CLIENT]);
	assert_false(s.guess.strict);
}

/* No guess, yet two ECDH_INITs from the client: repeated. */
static void
test_two_inits_without_guess(void **state)
{
	struct seen s = { 0 };
	struct kxf_conn k;

	(void)state;
	kxf_init(&k, pipeline(&s));
	handshake(&k, sv_same, false, 2, 1);
	kxf_fins(&k, KX_CLIENT);
	finish(&k);
	assert_false(s.guess.guessed[KX_CLIENT]);
	assert_true(s.guess.repeated[KX_CLIENT]);
	assert_false(s.guess.repeated[KX_SERVER]);
}

/* Strict KEX, a wrong guess, the connection ends right after NEWKEYS: the
 * close says why. The same end without the guess does not. */
static void
test_strict_end_after_guess(void **state)
{
	struct seen s = { 0 }, t = { 0 };
	struct kxf_conn k;

	(void)state;
	kxf_init(&k, pipeline(&s));
	handshake(&k, sv_other_kex, true, 2, 1);
	enc(&k, KX_CLIENT, 64);
	kxf_fins(&k, KX_SERVER);
	finish(&k);
	assert_int_equal(s.cause, KX_CAUSE_PREAUTH);
	assert_non_null(strstr(s.text, "wrong key exchange guess"));
	assert_non_null(strstr(s.text, "strict KEX"));

	kxf_init(&k, pipeline(&t));
	handshake(&k, sv_other_kex, false, 1, 1);
	enc(&k, KX_CLIENT, 64);
	kxf_fins(&k, KX_SERVER);
	finish(&k);
	assert_int_equal(t.cause, KX_CAUSE_PREAUTH);
	assert_null(strstr(t.text, "guess"));
}

/* The encrypted sizes through the pipeline (aes128-ctr, hmac-sha2-256:
 * SERVICE_ACCEPT 64, USERAUTH_FAILURE "publickey,password" 80): the
 * "none" probe, one password refused, a second refused whose reply is
 * sent again (a retransmission: counted once), the client's DISCONNECT,
 * the end. Two attempts, failed; counted three times had the
 * retransmission been taken as a reply. */
static void
test_sizes_retransmission(void **state)
{
	struct seen s = { 0 };
	struct kxf_conn k;
	struct kxf_seg again;
	static const uint8_t junk[80];
	uint32_t seq;

	(void)state;
	kxf_init(&k, pipeline(&s));
	handshake(&k, sv_same, false, 1, 1);
	enc(&k, KX_CLIENT, 64);     /* SERVICE_REQUEST */
	enc(&k, KX_SERVER, 64);     /* SERVICE_ACCEPT */
	enc(&k, KX_CLIENT, 80);     /* "none" */
	enc(&k, KX_SERVER, 80);     /* failure */
	enc(&k, KX_CLIENT, 144);    /* password */
	enc(&k, KX_SERVER, 80);     /* failure */
	enc(&k, KX_CLIENT, 144);    /* password */
	seq = k.h[KX_SERVER].seq;
	enc(&k, KX_SERVER, 80);     /* failure */
	again = (struct kxf_seg){ .flags = KX_TCP_ACK | KX_TCP_PSH,
	    .data = junk, .len = 80, .set_seq = true, .seq = seq };
	kxf_send(&k, KX_SERVER, &again);
	enc(&k, KX_CLIENT, 64);     /* DISCONNECT */
	kxf_fins(&k, KX_CLIENT);
	finish(&k);
	assert_int_equal(s.n, 1);
	assert_true(s.auth.known);
	assert_int_equal(s.auth.view[KX_INFER_S2C], KX_INFER_VIEW_BOUNDED);
	assert_int_equal(s.auth.r.auth_success, KX_INFER_NO);
	assert_int_equal(s.auth.r.auth_attempts, 2);
	assert_true(s.auth.r.none_probe);
	assert_int_equal(s.cause, KX_CAUSE_PREAUTH);
}

/* A USERAUTH_SUCCESS-sized reply (48) makes the phase a session although
 * the bytes stay under the thresholds; a login refused stays preauth
 * even when a long Banner passes the server's byte threshold. */
static void
test_sizes_decide_phase(void **state)
{
	struct seen s = { 0 }, t = { 0 };
	struct kxf_conn k;

	(void)state;
	kxf_init(&k, pipeline(&s));
	handshake(&k, sv_same, false, 1, 1);
	enc(&k, KX_CLIENT, 64);
	enc(&k, KX_SERVER, 64);
	enc(&k, KX_CLIENT, 144);
	enc(&k, KX_SERVER, 48);     /* USERAUTH_SUCCESS */
	enc(&k, KX_CLIENT, 96);
	kxf_fins(&k, KX_CLIENT);
	finish(&k);
	assert_int_equal(s.auth.r.auth_success, KX_INFER_YES);
	assert_int_equal(s.cause, KX_CAUSE_NORMAL);

	kxf_init(&k, pipeline(&t));
	handshake(&k, sv_same, false, 1, 1);
	enc(&k, KX_CLIENT, 64);
	enc(&k, KX_SERVER, 64);
	enc(&k, KX_CLIENT, 80);
	enc(&k, KX_SERVER, 1024);   /* a Banner with the first failure */
	enc(&k, KX_CLIENT, 144);
	enc(&k, KX_SERVER, 80);
	enc(&k, KX_CLIENT, 64);
	kxf_fins(&k, KX_CLIENT);
	finish(&k);
	assert_int_equal(t.auth.r.auth_success, KX_INFER_NO);
	assert_int_equal(t.cause, KX_CAUSE_PREAUTH);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guess_right),
		cmocka_unit_test(test_guess_wrong_ignored),
		cmocka_unit_test(test_guess_wrong_answered),
		cmocka_unit_test(test_two_inits_without_guess),
		cmocka_unit_test(test_strict_end_after_guess),
		cmocka_unit_test(test_sizes_retransmission),
		cmocka_unit_test(test_sizes_decide_phase),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
