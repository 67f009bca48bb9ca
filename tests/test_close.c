/* close.c: the phase every connection reached, who ended it, and the
 * cause, from frames fed through the whole pipeline; and bruteforce.c's
 * per-source counting. Each cause of the issue has a case here that would
 * name another cause without the behaviour it tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kexray/analyze/analyze.h"
#include "kexray/events/bruteforce.h"
#include "kx_frames.h"

#define SEEN_MAX 64

struct seen {
	int n;
	int hs;                        /* handshake callbacks */
	struct {
		enum kx_phase phase;
		enum kx_cause cause;
		enum kx_verdict_kind kind;
		bool problem, close_problem, third_party;
		int8_t closed_by, category, gave_up, mtu_side;
		int8_t lost_side, missed_side;
		bool after_kex_reply, logged_failure;
		enum kx_close close;
		bool hs_reported;
		char text[512];
		struct kx_conn copy;       /* the struct only: pointers are dead */
	} c[SEEN_MAX];
};

static void
on_done(struct kx_conn *c, void *arg)
{
	struct seen *s = arg;
	struct kx_verdict v;
	int i = s->n++;

	if (i >= SEEN_MAX)
		return;
	kx_analyze(c, &v);
	s->c[i].phase = v.close.phase;
	s->c[i].cause = v.close.cause;
	s->c[i].kind = v.kind;
	s->c[i].problem = v.problem;
	s->c[i].close_problem = v.close.problem;
	s->c[i].third_party = v.close.third_party;
	s->c[i].closed_by = c->closed_by;
	s->c[i].category = v.close.category;
	s->c[i].gave_up = v.close.gave_up;
	s->c[i].mtu_side = v.close.mtu_side;
	s->c[i].lost_side = v.close.lost_side;
	s->c[i].missed_side = v.close.missed_side;
	s->c[i].after_kex_reply = v.close.after_kex_reply;
	s->c[i].logged_failure = v.close.logged_failure;
	s->c[i].close = c->close;
	s->c[i].hs_reported = c->hs_reported;
	snprintf(s->c[i].text, sizeof(s->c[i].text), "%s", v.close.text);
	s->c[i].copy = *c;
}

static void
on_handshake(struct kx_conn *c, void *arg)
{
	struct seen *s = arg;

	(void)c;
	s->hs++;
}

static struct kx_pipeline *
pipeline(struct seen *s, uint64_t hs_timeout_us)
{
	struct kx_pipeline_config cfg = { .nports = 0,
	    .handshake_timeout_us = hs_timeout_us };
	struct kx_pipeline *p;

	assert_true(kx_parse_ports("22", &cfg));
	p = kx_pipeline_new(&cfg, on_done, s);
	assert_non_null(p);
	kx_pipeline_on_handshake(p, on_handshake);
	return p;
}

static void
finish(struct kxf_conn *k)
{
	kx_pipeline_finish(k->pl);
	kx_pipeline_free(k->pl);
}

static void
test_phase_names(void **state)
{
	(void)state;
	for (int i = 0; i < KX_PHASE_MAX; i++)
		assert_non_null(kx_phase_names[i]);
	for (int i = 0; i < KX_CAUSE_MAX; i++) {
		assert_non_null(kx_cause_names[i]);
		assert_true(strlen(kx_cause_descs[i]) > 10);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(kx_cause_names[i], kx_cause_names[j]);
	}
	assert_string_equal(kx_verdict_names[KX_V_REFUSED], "REFUSED");
	assert_string_equal(kx_verdict_names[KX_V_NO_ANSWER], "NO_ANSWER");
}

/* Nothing listens: a RST answers the SYN. */
static void
test_syn_port_closed(void **state)
{
	struct seen s = { 0 };
	struct kxf_conn k;

	(void)state;
	kxf_init(&k, pipeline(&s, 0));
	kxf_data(&k, KX_CLIENT, KX_TCP_SYN, NULL, 0);
	kxf_data(&k, KX_SERVER, KX_TCP_RST | KX_TCP_ACK, NULL, 0);
	assert_int_equal(s.n, 1);         /* no lingering without a session */
	finish(&k);
	assert_int_equal(s.c[0].phase, KX_PHASE_SYN);
	assert_int_equal(s.c[0].cause, KX_CAUSE_PORT_CLOSED);
	assert_int_equal(s.c[0].kind, KX_V_REFUSED);
	assert_true(s.c[0].problem);
	assert_int_equal(s.c[0].closed_by, KX_SERVER);
	assert_non_null(strstr(s.c[0].text, "nothing listens on port 22"));
}

/* Filtered: the SYN sent three times, never answered, reported at the
 * handshake timeout; one SYN at the end of the capture is no answer yet. */
static void
test_syn_filtered_and_no_answer(void **state)
{
	struct seen s = { 0 };
	struct kxf_conn k, other;
	struct kxf_seg syn = { .flags = KX_TCP_SYN, .keep_seq = true };

	(void)state;
	kxf_init(&k, pipeline(&s, 5000000));
	k.step = 1000000;
	kxf_send(&k, KX_CLIENT, &syn);
	kxf_send(&k, KX_CLIENT, &syn);
	kxf_send(&k, KX_CLIENT, &syn);
	kxf_init(&other, k.pl);
	other.h[KX_CLIENT].port = 50001;
	other.ts = k.ts + 9000000;          /* 9 s later: the first expires */
	kxf_data(&other, KX_CLIENT, KX_TCP_SYN, NULL, 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.c[0].close, KX_CLOSE_TIMEOUT);
	assert_int_equal(s.c[0].phase, KX_PHASE_SYN);
	assert_int_equal(s.c[0].cause, KX_CAUSE_FILTERED);
	assert_int_equal(s.c[0].kind, KX_V_NO_ANSWER);
	assert_true(s.c[0].problem);
	assert_non_null(strstr(s.c[0].text, "3 SYNs"));
	finish(&other);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.c[1].cause, KX_CAUSE_NO_ANSWER);
	assert_int_equal(s.c[1].kind, KX_V_INCOMPLETE);
	assert_false(s.c[1].problem);
}

/* The server closes before its identification string. */
static void
test_tcp_refused(void **state)
{
	struct seen s = { 0 };
	struct kxf_conn k;

	(void)state;
	kxf_init(&k, pipeline(&s, 0));
	kxf_open(&k);
	kxf_str(&k, KX_CLIENT, "SSH-2.0-OpenSSH_9.6\r\n");
	kxf_fins(&k, KX_SERVER);
	finish(&k);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.c[0].phase, KX_PHASE_TCP);
	assert_int_equal(s.c[0].cause, KX_CAUSE_REFUSED);
	assert_int_equal(s.c[0].kind, KX_V_REFUSED);
	assert_non_null(strstr(s.c[0].text, "sshd refused"));
}

/* sshd's refusal lines are recognised by their words. */
static void
test_tcp_refusal_lines(void **state)
{
	static const char *const lines[2] = { "Exceeded MaxStartups\r\n",
	    "Not allowed at this time\r\n" };
	static const enum kx_cause want[2] = { KX_CAUSE_MAX_STARTUPS,
	    KX_CAUSE_NOT_ALLOWED };

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct seen s = { 0 };
		struct kxf_conn k;

		kxf_init(&k, pipeline(&s, 0));
		kxf_open(&k);
		kxf_str(&k, KX_SERVER, lines[i]);
		kxf_fins(&k, KX_SERVER);
		finish(&k);
		assert_int_equal(s.n, 1);
		assert_int_equal(s.c[0].phase, KX_PHASE_TCP);
		assert_int_equal(s.c[0].cause, want[i]);
		assert_int_equal(s.c[0].kind, KX_V_REFUSED);
	}
}

/* Connect and close without a byte from the client: a probe, whether or
 * not the server had sent its banner. */
static void
test_probe(void **state)
{
	(void)state;
	for (int banner = 0; banner < 2; banner++) {
		struct seen s = { 0 };
		struct kxf_conn k;

		kxf_init(&k, pipeline(&s, 0));
		kxf_open(&k);
		if (banner)
			kxf_str(&k, KX_SERVER, "SSH-2.0-OpenSSH_9.2\r\n");
		kxf_fins(&k, KX_CLIENT);
		finish(&k);
		assert_int_equal(s.c[0].phase, banner ? KX_PHASE_BANNER :
		    KX_PHASE_TCP);
		assert_int_equal(s.c[0].cause, KX_CAUSE_PROBE);
		assert_false(s.c[0].close_problem);
	}
}

/* The server's banner, silence from the client, the server gives up. */
static void
test_client_silent(void **state)
{
	struct seen s = { 0 };
	struct kxf_conn k;

	(void)state;
	kxf_init(&k, pipeline(&s, 0));
	kxf_open(&k);
	kxf_str(&k, KX_SERVER, "SSH-2.0-OpenSSH_9.2\r\n");
	k.ts += 2000000;
	kxf_fins(&k, KX_SERVER);
	finish(&k);
	assert_int_equal(s.c[0].phase, KX_PHASE_BANNER);
	assert_int_equal(s.c[0].cause, KX_CAUSE_CLIENT_SILENT);
	assert_non_null(strstr(s.c[0].text, "LoginGraceTime"));
}

static void
test_version_mismatch(void **state)
{
	struct seen s = { 0 };
	struct kxf_conn k;

	(void)state;
	kxf_init(&k, pipeline(&s, 0));
	kxf_open(&k);
	kxf_str(&k, KX_SERVER, "SSH-2.0-OpenSSH_9.2\r\n");
	kxf_str(&k, KX_CLIENT, "SSH-1.5-OldClient\r\n");
	kxf_str(&k, KX_SERVER, "Protocol major versions differ.\n");
	kxf_fins(&k, KX_SERVER);
	finish(&k);
	assert_int_equal(s.c[0].phase, KX_PHASE_BANNER);
	assert_int_equal(s.c[0].cause, KX_CAUSE_VERSION);
	assert_non_null(strstr(s.c[0].text, "SSH protocol 1 (1.5)"));
	assert_true(s.c[0].close_problem);
}

/* Both KEXINITs, no common MAC, the server hangs up: the category and the
 * side that gave up are named. */
static void
test_negotiation_failed(void **state)
{
	struct seen s = { 0 };
	struct kxf_conn k;
	const char *sv[10];

	(void)state;
	memcpy(sv, kxf_lists, sizeof(sv));
	sv[4] = sv[5] = "hmac-sha2-512";
	kxf_init(&k, pipeline(&s, 0));
	kxf_open(&k);
	kxf_banners(&k);
	kxf_kexinits(&k, kxf_lists, sv);
	kxf_fins(&k, KX_SERVER);
	finish(&k);
	assert_int_equal(s.c[0].phase, KX_PHASE_KEXINIT);
	assert_int_equal(s.c[0].cause, KX_CAUSE_NEGOTIATION);
	assert_int_equal(s.c[0].category, KX_CAT_MAC_C2S);
	assert_int_equal(s.c[0].gave_up, KX_SERVER);
	assert_int_equal(s.c[0].kind, KX_V_MISMATCH);
	assert_non_null(strstr(s.c[0].text, "the server closed the connection "
	    "(FIN) after the client's KEXINIT: no common MAC"));
	assert_non_null(strstr(s.c[0].text, "no matching MAC found"));
}

/* The server's reply arrives; the client hangs up without NEWKEYS. With a
 * RST instead of a FIN it is an abort, not a rejection. */
static void
test_hostkey_rejected_and_abort(void **state)
{
	(void)state;
	for (int rst = 0; rst < 2; rst++) {
		struct seen s = { 0 };
		struct kxf_conn k;

		kxf_init(&k, pipeline(&s, 0));
		kxf_open(&k);
		kxf_banners(&k);
		kxf_kexinits(&k, kxf_lists, kxf_lists);
		kxf_kex(&k, true);
		if (rst)
			kxf_rst(&k, KX_CLIENT);
		else
			kxf_fins(&k, KX_CLIENT);
		finish(&k);
		assert_int_equal(s.n, 1);
		assert_int_equal(s.c[0].phase, KX_PHASE_KEX);
		assert_int_equal(s.c[0].cause, rst ? KX_CAUSE_RESET :
		    KX_CAUSE_HOSTKEY);
		assert_int_equal(s.c[0].closed_by, KX_CLIENT);
		assert_false(s.c[0].third_party);
		/* The reset is told apart from a generic one by close.c, and
		 * close_text.c words it from that alone. */
		assert_int_equal(s.c[0].after_kex_reply, rst == 1);
		assert_non_null(strstr(s.c[0].text, "after the server's key "
		    "exchange reply, without sending NEWKEYS"));
		assert_int_equal(s.c[0].lost_side, -1);
		assert_int_equal(s.c[0].missed_side, -1);
		assert_false(s.c[0].logged_failure);
	}
}

/* The client's KEXDH_INIT and no reply: the key exchange stalled. */
static void
test_kex_stalled(void **state)
{
	struct seen s = { 0 };
	struct kxf_conn k;
	uint8_t init[37] = { 30, 0, 0, 0, 32 };

	(void)state;
	kxf_init(&k, pipeline(&s, 0));
	kxf_open(&k);
	kxf_banners(&k);
	kxf_kexinits(&k, kxf_lists, kxf_lists);
	kxf_msg(&k, KX_CLIENT, init, sizeof(init));
	kxf_data(&k, KX_SERVER, KX_TCP_ACK, NULL, 0);
	k.ts += 10000000;
	kxf_fins(&k, KX_CLIENT);
	finish(&k);
	assert_int_equal(s.c[0].phase, KX_PHASE_KEX);
	assert_int_equal(s.c[0].cause, KX_CAUSE_KEX_STALLED);
	assert_non_null(strstr(s.c[0].text, "MTU black hole"));
}

/* The server's 1200-byte reply sent five times, the client's ACKs stuck
 * at its first byte, while the server's smaller segments were acked. */
static void
test_mtu_blackhole(void **state)
{
	struct seen s = { 0 };
	struct kxf_conn k;
	uint8_t init[37] = { 30, 0, 0, 0, 32 };
	uint8_t big[1200];
	struct kxf_seg again = { .flags = KX_TCP_ACK | KX_TCP_PSH, .data = big,
	    .len = sizeof(big), .keep_seq = true };

	(void)state;
	memset(big, 0x42, sizeof(big));
	kxf_init(&k, pipeline(&s, 0));
	kxf_open(&k);
	kxf_banners(&k);
	kxf_kexinits(&k, kxf_lists, kxf_lists);
	kxf_data(&k, KX_SERVER, KX_TCP_ACK, NULL, 0);
	kxf_msg(&k, KX_CLIENT, init, sizeof(init));
	for (int i = 0; i < 5; i++) {
		kxf_send(&k, KX_SERVER, &again);
		kxf_data(&k, KX_CLIENT, KX_TCP_ACK, NULL, 0);   /* dup ACK */
	}
	kxf_fins(&k, KX_CLIENT);
	finish(&k);
	assert_int_equal(s.c[0].phase, KX_PHASE_KEX);
	assert_int_equal(s.c[0].cause, KX_CAUSE_MTU);
	assert_int_equal(s.c[0].mtu_side, KX_SERVER);
	assert_true(s.c[0].close_problem);
	assert_non_null(strstr(s.c[0].text, "1200-byte segment was sent 4 more "
	    "times"));
}

/* A cleartext DISCONNECT names the reason; its text is made safe. */
static void
test_disconnect(void **state)
{
	struct seen s = { 0 };
	struct kxf_conn k;
	static const char desc[] = "strict KEX\x1b[2J violation";
	uint8_t d[64] = { 1, 0, 0, 0, 3 };
	uint32_t n = (uint32_t)strlen(desc);

	(void)state;
	kxf_put32(d + 5, n);
	memcpy(d + 9, desc, n);
	kxf_put32(d + 9 + n, 0);           /* language tag */
	kxf_init(&k, pipeline(&s, 0));
	kxf_open(&k);
	kxf_banners(&k);
	kxf_kexinits(&k, kxf_lists, kxf_lists);
	kxf_msg(&k, KX_SERVER, d, 13 + n);
	kxf_fins(&k, KX_SERVER);
	finish(&k);
	assert_int_equal(s.c[0].cause, KX_CAUSE_DISCONNECT);
	assert_non_null(strstr(s.c[0].text, "DISCONNECT 3 (KEY_EXCHANGE_FAILED)"));
	assert_non_null(strstr(s.c[0].text, "strict KEX\\x1b[2J violation"));
	assert_null(strchr(s.c[0].text, 0x1b));
}

/* After NEWKEYS: a few small encrypted exchanges, then the end, is
 * preauth; a USERAUTH_SUCCESS-sized server segment (infer.h) makes it a
 * session, as does volume when the sizes tell nothing more. */
static void
test_preauth_and_session(void **state)
{
	uint8_t enc[2000];

	(void)state;
	memset(enc, 0x77, sizeof(enc));
	for (int variant = 0; variant < 4; variant++) {
		struct seen s = { 0 };
		struct kxf_conn k;

		kxf_init(&k, pipeline(&s, 0));
		kxf_open(&k);
		kxf_banners(&k);
		kxf_kexinits(&k, kxf_lists, kxf_lists);
		kxf_kex(&k, true);
		kxf_newkeys(&k, KX_CLIENT);
		assert_int_equal(s.hs, 1);        /* the handshake record: now */
		assert_int_equal(s.n, 0);
		/* aes128-ctr with hmac-sha2-256 (kxf_lists): SERVICE_REQUEST
		 * and SERVICE_ACCEPT 64, the "none" request and a
		 * USERAUTH_FAILURE 80, USERAUTH_SUCCESS 48 (infer.h). */
		kxf_data(&k, KX_CLIENT, KX_TCP_ACK | KX_TCP_PSH, enc, 64);
		kxf_data(&k, KX_SERVER, KX_TCP_ACK | KX_TCP_PSH, enc, 64);
		kxf_data(&k, KX_CLIENT, KX_TCP_ACK | KX_TCP_PSH, enc, 80);
		kxf_data(&k, KX_SERVER, KX_TCP_ACK | KX_TCP_PSH, enc,
		    variant == 1 ? 48 : 80);
		if (variant == 2)
			kxf_data(&k, KX_SERVER, KX_TCP_ACK | KX_TCP_PSH, enc, 900);
		if (variant == 3)   /* past KX_SESSION_CLIENT_BYTES */
			for (int i = 0; i < 5; i++)
				kxf_data(&k, KX_CLIENT, KX_TCP_ACK | KX_TCP_PSH,
				    enc, sizeof(enc));
		kxf_fins(&k, KX_CLIENT);
		finish(&k);
		assert_int_equal(s.n, 1);
		assert_true(s.c[0].hs_reported);
		assert_int_equal(s.c[0].kind, KX_V_OK);
		if (variant == 0) {
			assert_int_equal(s.c[0].phase, KX_PHASE_AUTH);
			assert_int_equal(s.c[0].cause, KX_CAUSE_PREAUTH);
			assert_non_null(strstr(s.c[0].text,
			    "authentication did not succeed"));
		} else {
			assert_int_equal(s.c[0].phase, KX_PHASE_SESSION);
			assert_int_equal(s.c[0].cause, KX_CAUSE_NORMAL);
		}
	}
}

/* NEWKEYS both ways, the client silent, the server closes: LoginGraceTime. */
static void
test_preauth_login_grace(void **state)
{
	struct seen s = { 0 };
	struct kxf_conn k;

	(void)state;
	kxf_init(&k, pipeline(&s, 0));
	kxf_open(&k);
	kxf_banners(&k);
	kxf_kexinits(&k, kxf_lists, kxf_lists);
	kxf_kex(&k, true);
	kxf_newkeys(&k, KX_CLIENT);
	k.ts += 2000000;
	kxf_fins(&k, KX_SERVER);
	finish(&k);
	assert_int_equal(s.c[0].phase, KX_PHASE_AUTH);
	assert_int_equal(s.c[0].cause, KX_CAUSE_PREAUTH);
	assert_non_null(strstr(s.c[0].text, "LoginGraceTime"));
}

/* The closing RST comes from three hops nearer, with ID 0 while the
 * server's IDs rose: a third party as the server. */
static void
test_third_party(void **state)
{
	struct seen s = { 0 };
	struct kxf_conn k;
	struct kxf_seg rst = { .flags = KX_TCP_RST, .set_ttl = true, .ttl = 61,
	    .set_id = true, .ip_id = 0, .set_win = true, .win = 0,
	    .no_ts = true };

	(void)state;
	kxf_init(&k, pipeline(&s, 0));
	kxf_open(&k);
	kxf_banners(&k);
	kxf_kexinits(&k, kxf_lists, kxf_lists);
	kxf_send(&k, KX_SERVER, &rst);
	finish(&k);
	assert_int_equal(s.c[0].phase, KX_PHASE_KEXINIT);
	assert_int_equal(s.c[0].cause, KX_CAUSE_THIRD_PARTY);
	assert_true(s.c[0].third_party);
	assert_true(s.c[0].close_problem);
	assert_non_null(strstr(s.c[0].text, "a third party claiming to be the "
	    "server reset the connection"));
	assert_non_null(strstr(s.c[0].text, "3 hops nearer to the capture point"));
}

/* A session and its FINs: a normal end, not a problem. */
static void
test_normal_end(void **state)
{
	struct seen s = { 0 };
	struct kxf_conn k;
	uint8_t enc[1000];

	(void)state;
	memset(enc, 1, sizeof(enc));
	kxf_init(&k, pipeline(&s, 0));
	kxf_open(&k);
	kxf_banners(&k);
	kxf_kexinits(&k, kxf_lists, kxf_lists);
	kxf_kex(&k, true);
	kxf_newkeys(&k, KX_CLIENT);
	kxf_data(&k, KX_CLIENT, KX_TCP_ACK | KX_TCP_PSH, enc, 100);
	kxf_data(&k, KX_SERVER, KX_TCP_ACK | KX_TCP_PSH, enc, sizeof(enc));
	kxf_fins(&k, KX_SERVER);
	finish(&k);
	assert_int_equal(s.c[0].phase, KX_PHASE_SESSION);
	assert_int_equal(s.c[0].cause, KX_CAUSE_NORMAL);
	assert_false(s.c[0].close_problem);
	assert_false(s.c[0].problem);
}

/* ------------------------------------------------------------ bruteforce */

static struct kx_conn *
brute_conn(struct kx_conn *c, uint8_t src, uint8_t dst, uint64_t ts)
{
	memset(c, 0, sizeof(*c));
	c->ip_version = 4;
	c->ep[KX_CLIENT].addr[0] = 10;
	c->ep[KX_CLIENT].addr[3] = src;
	c->ep[KX_SERVER].addr[0] = 10;
	c->ep[KX_SERVER].addr[3] = dst;
	c->ep[KX_SERVER].port = 22;
	c->close = KX_CLOSE_FIN;
	c->close_ts = ts;
	c->ts_last = ts;
	return c;
}

static void
test_bruteforce_threshold_once(void **state)
{
	struct kx_brute *b = kx_brute_new(30, 30);
	struct kx_brute_hit hit;
	struct kx_conn c;
	uint64_t t = 1700000000ull * 1000000ull;
	int hits = 0;

	(void)state;
	assert_non_null(b);
	for (int i = 1; i <= 40; i++) {
		bool h = kx_brute_note(b, brute_conn(&c, 1, 2, t + (uint64_t)i *
		    1000000u), KX_PHASE_AUTH, &hit);

		if (h) {
			hits++;
			assert_int_equal(i, 30);
			assert_int_equal(hit.count, 30);
			assert_int_equal(hit.phases[KX_PHASE_AUTH], 30);
			assert_int_equal(hit.dport, 22);
			assert_int_equal(hit.last_ts - hit.first_ts, 29000000);
		}
	}
	assert_int_equal(hits, 1);
	/* Sessions, and connections still open at the end, do not count. */
	for (int i = 0; i < 40; i++) {
		brute_conn(&c, 3, 2, t);
		assert_false(kx_brute_note(b, &c, KX_PHASE_SESSION, &hit));
		c.close = KX_CLOSE_CAPTURE_END;
		assert_false(kx_brute_note(b, &c, KX_PHASE_AUTH, &hit));
	}
	kx_brute_free(b);
}

/* 29 in one window and 29 in the next: never 30 within 30 minutes. */
static void
test_bruteforce_window(void **state)
{
	struct kx_brute *b = kx_brute_new(30, 30);
	struct kx_brute_hit hit;
	struct kx_conn c;
	uint64_t t = 1700000000ull * 1000000ull;

	(void)state;
	for (int i = 0; i < 29; i++)
		assert_false(kx_brute_note(b, brute_conn(&c, 1, 2, t + (uint64_t)i),
		    KX_PHASE_TCP, &hit));
	t += 31ull * 60u * 1000000u;
	for (int i = 0; i < 29; i++)
		assert_false(kx_brute_note(b, brute_conn(&c, 1, 2, t + (uint64_t)i),
		    KX_PHASE_BANNER, &hit));
	assert_true(kx_brute_note(b, brute_conn(&c, 1, 2, t + 100),
	    KX_PHASE_BANNER, &hit));
	assert_int_equal(hit.count, 30);
	kx_brute_free(b);
}

/* The table is bounded: more pairs than it holds evict, and are counted. */
static void
test_bruteforce_table_cap(void **state)
{
	struct kx_brute *b = kx_brute_new(2, 30);
	struct kx_brute_hit hit;
	struct kx_conn c;

	(void)state;
	for (uint32_t i = 0; i < KX_BRUTE_PAIRS_MAX * 2; i++) {
		brute_conn(&c, 1, 2, 1000 + i);
		c.ep[KX_CLIENT].addr[1] = (uint8_t)(i >> 8);
		c.ep[KX_CLIENT].addr[2] = (uint8_t)i;
		c.ep[KX_CLIENT].addr[0] = (uint8_t)(i >> 16);
		assert_false(kx_brute_note(b, &c, KX_PHASE_AUTH, &hit));
	}
	assert_true(kx_brute_evicted(b) >= KX_BRUTE_PAIRS_MAX);
	kx_brute_free(b);
}

static void
test_bruteforce_parse(void **state)
{
	uint32_t n, m;

	(void)state;
	assert_true(kx_brute_parse("30/30", &n, &m));
	assert_int_equal(n, 30);
	assert_int_equal(m, 30);
	assert_true(kx_brute_parse("5/1", &n, &m));
	assert_false(kx_brute_parse("0/30", &n, &m));
	assert_false(kx_brute_parse("30/0", &n, &m));
	assert_false(kx_brute_parse("30", &n, &m));
	assert_false(kx_brute_parse("30/30x", &n, &m));
	assert_false(kx_brute_parse("30/1441", &n, &m));
	assert_false(kx_brute_parse("99999999999/3", &n, &m));
	assert_false(kx_brute_parse("/3", &n, &m));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phase_names),
		cmocka_unit_test(test_syn_port_closed),
		cmocka_unit_test(test_syn_filtered_and_no_answer),
		cmocka_unit_test(test_tcp_refused),
		cmocka_unit_test(test_tcp_refusal_lines),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_client_silent),
		cmocka_unit_test(test_version_mismatch),
		cmocka_unit_test(test_negotiation_failed),
		cmocka_unit_test(test_hostkey_rejected_and_abort),
		cmocka_unit_test(test_kex_stalled),
		cmocka_unit_test(test_mtu_blackhole),
		cmocka_unit_test(test_disconnect),
		cmocka_unit_test(test_preauth_and_session),
		cmocka_unit_test(test_preauth_login_grace),
		cmocka_unit_test(test_third_party),
		cmocka_unit_test(test_normal_end),
		cmocka_unit_test(test_bruteforce_threshold_once),
		cmocka_unit_test(test_bruteforce_window),
		cmocka_unit_test(test_bruteforce_table_cap),
		cmocka_unit_test(test_bruteforce_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
