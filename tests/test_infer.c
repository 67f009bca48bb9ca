/* infer.c: packet arithmetic per cipher, the login verdicts on built
 * sequences (each rule, and where it must stay "unknown"), and the
 * recorded sessions (pcaps/sessions/, argv[1]) against the servers' logs. */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* The harness's allocations go through cmocka's, so a leak fails. */
#define calloc(n, s) test_calloc(n, s)
#define free(p) test_free(p)
#include "infer_harness.c"

static const char *sessions_dir;

#define CHACHA "chacha20-poly1305@openssh.com"
#define GCM "aes128-gcm@openssh.com"
#define CTR "aes128-ctr"
#define ETM "hmac-sha2-256-etm@openssh.com"
#define HMAC "hmac-sha2-256"

static void
init_both(struct kx_infer *st, const char *cipher, const char *mac, const char *comp)
{
	kx_infer_init(st, cipher, mac, comp, cipher, mac, comp);
}

/* Feeds "c44 s52 ..." style sequences. */
static void
feed_seq(struct kx_infer *st, const char *seq)
{
	const char *p = seq;
	uint64_t ts = 1000;

	while (*p != '\0') {
		char d = *p++;
		char *end;
		unsigned long n = strtoul(p, &end, 10);

		assert_true(d == 'c' || d == 's');
		assert_true(end != p);
		kx_infer_add(st, d == 'c' ? KX_INFER_C2S : KX_INFER_S2C, (uint32_t)n, ts += 1000);
		p = end;
		while (*p == ' ')
			p++;
	}
}

/* The sizes each cipher gives the fixed messages; the recorded sessions
 * show the same (SERVICE_ACCEPT 44, 52, 68, 64; USERAUTH_SUCCESS 28, 36,
 * 52, 48: pcaps/sessions/pw_ok, gcm_pw_ok, ctr_etm_pw_ok, ctr_hmac_pw_ok). */
static void
t_packet_sizes(void **state)
{
	struct kx_infer st;
	static const struct {
		const char *cipher, *mac;
		uint32_t succ, sa;
		enum kx_infer_view view;
	} cases[] = {
		{ CHACHA, NULL, 28, 44, KX_INFER_VIEW_BOUNDED },
		{ GCM, "hmac-sha1", 36, 52, KX_INFER_VIEW_LENGTH_CLEAR },
		{ CTR, ETM, 52, 68, KX_INFER_VIEW_LENGTH_CLEAR },
		{ CTR, HMAC, 48, 64, KX_INFER_VIEW_BOUNDED },
		{ "3des-cbc", "hmac-sha1", 36, 52, KX_INFER_VIEW_BOUNDED },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		init_both(&st, cases[i].cipher, cases[i].mac, "none");
		assert_int_equal(st.side[KX_INFER_S2C].view, cases[i].view);
		assert_int_equal(kx_infer_packet_size(&st.side[KX_INFER_S2C], 1), cases[i].succ);
		assert_int_equal(kx_infer_packet_size(&st.side[KX_INFER_S2C], 17), cases[i].sa);
	}
	init_both(&st, "serpent256-ctr", HMAC, "none");
	assert_int_equal(st.side[KX_INFER_S2C].view, KX_INFER_VIEW_SIZES);
	assert_int_equal(kx_infer_packet_size(&st.side[KX_INFER_S2C], 1), 0);
	init_both(&st, CTR, "hmac-unheard-of", "none");
	assert_int_equal(st.side[KX_INFER_C2S].view, KX_INFER_VIEW_SIZES);
	init_both(&st, CTR, HMAC, "zlib");
	assert_int_equal(st.side[KX_INFER_S2C].view, KX_INFER_VIEW_COMPRESSED);
	init_both(&st, CHACHA, NULL, "zlib@openssh.com");
	assert_true(st.side[KX_INFER_S2C].delayed_zlib);
	assert_int_equal(st.side[KX_INFER_S2C].view, KX_INFER_VIEW_BOUNDED);
	init_both(&st, NULL, NULL, NULL);
	assert_int_equal(st.side[KX_INFER_S2C].view, KX_INFER_VIEW_SIZES);
}

/* How many whole packets a segment can hold, from its size alone. */
static void
t_packets_in(void **state)
{
	struct kx_infer st;
	uint32_t lo, hi;
	const struct kx_infer_side *s = &st.side[KX_INFER_S2C];

	(void)state;
	init_both(&st, CHACHA, NULL, "none");
	/* Each ChaCha20-Poly1305 packet adds 4 + 16 = 4 (mod 8). */
	assert_int_equal(kx_infer_packets_in(s, 28, &lo, &hi), 1);
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 1);
	assert_int_equal(kx_infer_packets_in(s, 72, &lo, &hi), 1);   /* 44 + 28 */
	assert_int_equal(lo, 2);
	assert_int_equal(hi, 2);
	assert_int_equal(kx_infer_packets_in(s, 30, &lo, &hi), 0);   /* no whole packet */
	assert_int_equal(kx_infer_packets_in(s, 20, &lo, &hi), 0);   /* under the smallest */
	assert_int_equal(kx_infer_packets_in(s, 316, &lo, &hi), 1);  /* odd counts up to 11 */
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 11);
	/* A plain 32-byte MAC adds 0 (mod 16): any count fits. */
	init_both(&st, CTR, HMAC, "none");
	assert_int_equal(kx_infer_packets_in(s, 112, &lo, &hi), 1);
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 2);
	assert_int_equal(kx_infer_packets_in(s, 100, &lo, &hi), 0);
	/* Unknown names: nothing is bounded. */
	init_both(&st, "serpent256-ctr", HMAC, "none");
	assert_int_equal(kx_infer_packets_in(s, 112, &lo, &hi), 0);
}

/* A one-packet segment's payload, to within the padding: the recorded
 * SERVICE_ACCEPT (17 bytes) and USERAUTH_SUCCESS (1 byte) fall inside. */
static void
t_payload_range(void **state)
{
	struct kx_infer st;
	uint32_t lo, hi;
	const struct kx_infer_side *s = &st.side[KX_INFER_S2C];

	(void)state;
	init_both(&st, CHACHA, NULL, "none");
	assert_int_equal(kx_infer_payload_range(s, 44, &lo, &hi), 1);
	assert_int_equal(lo, 12);
	assert_int_equal(hi, 19);
	assert_int_equal(kx_infer_payload_range(s, 28, &lo, &hi), 1);
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 3);
	assert_int_equal(kx_infer_payload_range(s, 316, &lo, &hi), 0);   /* 1 to 11 packets */
	init_both(&st, CTR, HMAC, "none");
	assert_int_equal(kx_infer_payload_range(s, 64, &lo, &hi), 1);
	assert_int_equal(lo, 8);
	assert_int_equal(hi, 23);
	assert_true(lo <= 17 && 17 <= hi);
	init_both(&st, GCM, NULL, "none");
	assert_int_equal(kx_infer_payload_range(s, 36, &lo, &hi), 1);
	assert_true(lo <= 1 && 1 <= hi);
	assert_int_equal(kx_infer_payload_range(s, 37, &lo, &hi), 0);
}

/* Seeded random sequences: the verdict's own invariants always hold. */
static void
t_random(void **state)
{
	static const char *const cipher[3] = { CHACHA, GCM, CTR };
	uint32_t x = 12345;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		struct kx_infer st;
		struct kx_infer_result r;
		int n;

		init_both(&st, cipher[round % 3], round % 2 ? ETM : HMAC, "none");
		x = x * 1103515245u + 12345u;
		n = (int)(x >> 16) % 90;
		for (int i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			kx_infer_add(&st, (x >> 8) & 1 ? KX_INFER_S2C : KX_INFER_C2S,
			    20 + (x >> 16) % 200, (uint64_t)i);
		}
		if (round % 4 != 0)
			kx_infer_end(&st, round % 4 != 1, round % 2 ? KX_INFER_C2S : KX_INFER_S2C);
		kx_infer_judge(&st, &r);
		if (r.auth_success == KX_INFER_YES) {
			assert_true(r.success_at > r.service_accept);
			assert_true(r.service_accept >= 0);
			assert_true(r.auth_attempts >= 1);
		}
		if (r.auth_success == KX_INFER_NO) {
			assert_true(st.ended && st.closed && !st.segs_capped);
			assert_int_equal(r.success_at, -1);
		}
		assert_true(r.auth_attempts <= r.failures + 1);
		assert_true((unsigned)r.why < KX_INFER_WHY_MAX);
	}
}

static void
judge_seq(const char *cipher, const char *mac, const char *comp, const char *seq,
    bool end, bool closed, struct kx_infer_result *r)
{
	struct kx_infer st;

	init_both(&st, cipher, mac, comp);
	feed_seq(&st, seq);
	if (end)
		kx_infer_end(&st, closed, KX_INFER_C2S);
	kx_infer_judge(&st, r);
}

/* OpenSSH's password login (pcaps/sessions/pw_ok): EXT_INFO, then
 * SERVICE_REQUEST/ACCEPT, "none" refused, the password accepted. */
static void
t_success(void **state)
{
	struct kx_infer_result r;

	(void)state;
	judge_seq(CHACHA, NULL, "none", "s316 c44 s44 c60 s52 c148 s28 c112 s116", false, false, &r);
	assert_int_equal(r.auth_success, KX_INFER_YES);
	assert_int_equal(r.why, KX_INFER_WHY_SUCCESS_SIZE);
	assert_int_equal(r.auth_attempts, 1);
	assert_true(r.none_probe);
	assert_int_equal(r.failure_size, 52);
	assert_int_equal(r.service_accept, 2);
	assert_int_equal(r.success_at, 6);
	/* Dropbear pads USERAUTH_SUCCESS to RFC 4253's 16 bytes: 36. */
	judge_seq(CHACHA, NULL, "none", "s220 c44 s44 c60 s52 c148 s36 c52 s44", false, false, &r);
	assert_int_equal(r.auth_success, KX_INFER_YES);
	/* EXT_INFO crossing the client's SERVICE_REQUEST: SERVICE_ACCEPT is
	 * found by its size, not by its place (Zeek takes the 316). */
	judge_seq(CHACHA, NULL, "none", "c44 s316 s44 c60 s52 c148 s28", false, false, &r);
	assert_int_equal(r.auth_success, KX_INFER_YES);
	assert_int_equal(r.service_accept, 2);
	/* An empty password accepted for "none": success at the first reply. */
	judge_seq(CHACHA, NULL, "none", "s316 c44 s44 c60 s28", false, false, &r);
	assert_int_equal(r.auth_success, KX_INFER_YES);
	assert_int_equal(r.auth_attempts, 1);
	assert_false(r.none_probe);
}

static void
t_failure(void **state)
{
	struct kx_infer_result r;

	(void)state;
	/* Two wrong passwords, the client gives up (pw_fail...). */
	judge_seq(CHACHA, NULL, "none", "s316 c44 s44 c60 s52 c84 s52 c84 s52", true, true, &r);
	assert_int_equal(r.auth_success, KX_INFER_NO);
	assert_int_equal(r.why, KX_INFER_WHY_FAILURES_THEN_CLOSE);
	assert_int_equal(r.auth_attempts, 2);
	assert_int_equal(r.failures, 3);
	/* MaxAuthTries: the third password answered by DISCONNECT (76). */
	judge_seq(CHACHA, NULL, "none", "s316 c44 s44 c60 s52 c84 s52 c84 s52 c84 s76",
	    true, true, &r);
	assert_int_equal(r.auth_success, KX_INFER_NO);
	assert_int_equal(r.why, KX_INFER_WHY_DISCONNECT_AFTER_REQUEST);
	assert_int_equal(r.auth_attempts, 3);
	/* A one-line Banner in one segment with the first failure (112 =
	 * 60 + 52: pcaps/sessions/banner_short_pw_fail); the failure's size
	 * is the most frequent reply, not the first. */
	judge_seq(CHACHA, NULL, "none", "s316 c44 s44 c60 s112 c84 s52 c84 s52", true, true, &r);
	assert_int_equal(r.auth_success, KX_INFER_NO);
	assert_int_equal(r.failure_size, 52);
	assert_int_equal(r.auth_attempts, 2);
	assert_true(r.none_probe);
	/* A client without a "none" probe (paramiko): every failure counts. */
	judge_seq(CHACHA, NULL, "none", "s316 c44 s44 c84 s52 c84 s52", true, true, &r);
	assert_int_equal(r.auth_success, KX_INFER_NO);
	assert_int_equal(r.auth_attempts, 2);
	assert_false(r.none_probe);
}

/* Where the sizes do not decide, the answer is "unknown", never "no". */
static void
t_unknown(void **state)
{
	struct kx_infer_result r;

	(void)state;
	/* Failures, and the capture stops before the connection ends. */
	judge_seq(CHACHA, NULL, "none", "s316 c44 s44 c60 s52 c84 s52", false, false, &r);
	assert_int_equal(r.auth_success, KX_INFER_UNKNOWN);
	assert_int_equal(r.why, KX_INFER_WHY_NOT_CLOSED);
	judge_seq(CHACHA, NULL, "none", "s316 c44 s44 c60 s52 c84 s52", true, false, &r);
	assert_int_equal(r.auth_success, KX_INFER_UNKNOWN);
	/* A session's worth of traffic after the last failure (a success
	 * the sizes did not show, as SUCCESS sharing a segment). */
	judge_seq(CHACHA, NULL, "none", "s316 c44 s44 c60 s52 c84 s180 c112 s116 c52 s72",
	    true, true, &r);
	assert_int_equal(r.auth_success, KX_INFER_UNKNOWN);
	/* A last reply that may be USERAUTH_SUCCESS (48) and one more packet
	 * (48) in one segment: not taken for a DISCONNECT. */
	judge_seq(CTR, HMAC, "none", "s336 c64 s64 c80 s80 c160 s96", true, true, &r);
	assert_int_equal(r.auth_success, KX_INFER_UNKNOWN);
	/* No SERVICE_ACCEPT-sized reply. */
	judge_seq(CHACHA, NULL, "none", "s316 c44 c60 s52", true, true, &r);
	assert_int_equal(r.auth_success, KX_INFER_UNKNOWN);
	/* The client left after SERVICE_ACCEPT: nothing was judged. */
	judge_seq(CHACHA, NULL, "none", "s316 c44 s44", true, true, &r);
	assert_int_equal(r.auth_success, KX_INFER_UNKNOWN);
	assert_int_equal(r.why, KX_INFER_WHY_NO_REPLY);
	/* Compression from NEWKEYS on, and unknown names. */
	judge_seq(CHACHA, NULL, "zlib", "s316 c44 s44 c60 s28", true, true, &r);
	assert_int_equal(r.auth_success, KX_INFER_UNKNOWN);
	assert_int_equal(r.why, KX_INFER_WHY_COMPRESSED);
	judge_seq("serpent256-ctr", HMAC, "none", "s316 c44 s44 c60 s28", true, true, &r);
	assert_int_equal(r.auth_success, KX_INFER_UNKNOWN);
	assert_int_equal(r.why, KX_INFER_WHY_UNKNOWN_CIPHER);
	/* Nothing at all. */
	judge_seq(CHACHA, NULL, "none", "", true, true, &r);
	assert_int_equal(r.auth_success, KX_INFER_UNKNOWN);
	assert_int_equal(r.why, KX_INFER_WHY_NONE);
}

/* KX_INFER_SEGS_MAX: past it only counters grow, and a login not decided
 * within the kept segments stays unknown. */
/* The replies' shape: PK_OK (100) answered by a larger signed request is
 * a public key accepted; an INFO_REQUEST answered is a challenge; the same
 * sizes left unanswered (a DISCONNECT), or a large first reply (a Banner),
 * are neither. */
static void
t_shape(void **state)
{
	struct kx_infer_result r;

	(void)state;
	judge_seq(CHACHA, NULL, "none", "s316 c44 s44 c60 s52 c140 s100 c308 s28 c112", false, false, &r);
	assert_string_equal(r.replies, "FKS");
	assert_true(r.key_accepted);
	assert_false(r.challenge);
	/* The key refused: a failure, no PK_OK. */
	judge_seq(CHACHA, NULL, "none", "s316 c44 s44 c60 s52 c140 s52 c148 s28", false, false, &r);
	assert_string_equal(r.replies, "FFS");
	assert_false(r.key_accepted);
	/* A PK_OK-sized reply the client answers with a smaller request. */
	judge_seq(CHACHA, NULL, "none", "s316 c44 s44 c60 s52 c140 s100 c84 s52", true, true, &r);
	assert_false(r.key_accepted);
	/* keyboard-interactive: INFO_REQUEST 60, answered. */
	judge_seq(CHACHA, NULL, "none", "s316 c44 s44 c60 s68 c84 s60 c84 s68 c84 s60 c84 s68", true, true, &r);
	assert_string_equal(r.replies, "FCFCF");
	assert_true(r.challenge);
	/* The last reply small and one packet, then the end: not a challenge. */
	judge_seq(CHACHA, NULL, "none", "s316 c44 s44 c60 s52 c84 s52 c84 s60", true, true, &r);
	assert_false(r.challenge);
	/* sshd's Banner with the first reply, then a larger request: no key. */
	judge_seq(CHACHA, NULL, "none", "s316 c44 s44 c60 s408 c148 s28", false, false, &r);
	assert_false(r.key_accepted);
}

static void
t_segs_cap(void **state)
{
	struct kx_infer st;
	struct kx_infer_result r;

	(void)state;
	init_both(&st, CHACHA, NULL, "none");
	feed_seq(&st, "s316 c44 s44 c60 s52");
	for (uint32_t i = 0; i < KX_INFER_SEGS_MAX; i++) {
		kx_infer_add(&st, KX_INFER_C2S, 84, 5000 + i);
		kx_infer_add(&st, KX_INFER_S2C, 52, 5000 + i);
	}
	assert_true(st.segs_capped);
	assert_int_equal(st.nseg, KX_INFER_SEGS_MAX);
	assert_int_equal(st.side[KX_INFER_S2C].segments, KX_INFER_SEGS_MAX + 3);
	kx_infer_end(&st, true, KX_INFER_C2S);
	kx_infer_judge(&st, &r);
	assert_int_equal(r.auth_success, KX_INFER_UNKNOWN);
	assert_int_equal(r.why, KX_INFER_WHY_NOT_CLOSED);
	/* Invalid input is ignored. */
	kx_infer_add(&st, KX_INFER_DIR_MAX, 100, 1);
	kx_infer_add(&st, KX_INFER_S2C, 0, 1);
	assert_int_equal(st.side[KX_INFER_S2C].segments, KX_INFER_SEGS_MAX + 3);
}

/* Feeds "c36@150" (direction, size, milliseconds after the previous). */
static void
feed_timed(struct kx_infer *st, const char *seq, uint64_t *ms)
{
	const char *p = seq;

	while (*p != '\0') {
		char d = *p++, *end;
		unsigned long n = strtoul(p, &end, 10), gap = 0;

		p = end;
		if (*p == '@') {
			gap = strtoul(p + 1, &end, 10);
			p = end;
		}
		*ms += gap;
		kx_infer_add(st, d == 'c' ? KX_INFER_C2S : KX_INFER_S2C, (uint32_t)n, *ms * 1000);
		while (*p == ' ')
			p++;
	}
}

/* The login as the pty session has it (pcaps/sessions/pty), then what
 * follows; each rule, and its opposite. */
static void
t_kind(void **state)
{
	static const char login[] = "s316 c44 s44 c60 s52 c148 s28 ";
	struct kx_infer st;
	uint64_t ms;

	(void)state;
	/* Keystrokes (36: one 1-byte CHANNEL_DATA) 150 ms apart, each
	 * echoed at once: interactive. */
	init_both(&st, CHACHA, NULL, "none");
	ms = 0;
	feed_timed(&st, login, &ms);
	feed_timed(&st, "c112@5 s116@1", &ms);
	for (int i = 0; i < 8; i++)
		feed_timed(&st, "c36@150 s36@1", &ms);
	assert_int_equal(st.after.typed[KX_INFER_C2S], 8);
	assert_int_equal(st.after.typed[KX_INFER_S2C], 0);
	assert_int_equal(kx_infer_kind(&st), KX_INFER_KIND_INTERACTIVE);
	/* The same keystrokes from the server side: reversed roles. */
	init_both(&st, CHACHA, NULL, "none");
	ms = 0;
	feed_timed(&st, login, &ms);
	feed_timed(&st, "c112@5 s116@1", &ms);
	for (int i = 0; i < 8; i++)
		feed_timed(&st, "s36@150", &ms);
	feed_timed(&st, "c92@2", &ms);
	assert_int_equal(kx_infer_kind(&st), KX_INFER_KIND_REVERSED);
	/* Small segments close together are not typed. */
	init_both(&st, CHACHA, NULL, "none");
	ms = 0;
	feed_timed(&st, login, &ms);
	for (int i = 0; i < 8; i++)
		feed_timed(&st, "c36@10 s36@1", &ms);
	assert_int_equal(kx_infer_kind(&st), KX_INFER_KIND_OTHER);
	/* Bulk each way. */
	init_both(&st, CHACHA, NULL, "none");
	ms = 0;
	feed_timed(&st, login, &ms);
	feed_timed(&st, "c112@5 s116@1 c32804@1 c31300@1 s68@1", &ms);
	assert_int_equal(kx_infer_kind(&st), KX_INFER_KIND_UPLOAD);
	init_both(&st, CHACHA, NULL, "none");
	ms = 0;
	feed_timed(&st, login, &ms);
	feed_timed(&st, "c112@5 s32804@1 s31284@1 c68@1", &ms);
	assert_int_equal(kx_infer_kind(&st), KX_INFER_KIND_DOWNLOAD);
	/* Nothing from the client after the login; no login at all. */
	init_both(&st, CHACHA, NULL, "none");
	ms = 0;
	feed_timed(&st, login, &ms);
	feed_timed(&st, "s116@1", &ms);
	assert_int_equal(kx_infer_kind(&st), KX_INFER_KIND_NONE);
	init_both(&st, CHACHA, NULL, "none");
	ms = 0;
	feed_timed(&st, "s316 c44 s44 c60 s52 c84 s52", &ms);
	assert_int_equal(kx_infer_kind(&st), KX_INFER_KIND_UNKNOWN);
	init_both(&st, "serpent256-ctr", HMAC, "none");
	ms = 0;
	feed_timed(&st, login, &ms);
	assert_int_equal(kx_infer_kind(&st), KX_INFER_KIND_UNKNOWN);
}

/* A kind fed from a login plus what follows, 5 ms apart. */
static enum kx_infer_kind
kind_of(const char *cipher, const char *mac, const char *comp,
    const char *login, const char *after)
{
	struct kx_infer st;
	uint64_t ms = 0;

	init_both(&st, cipher, mac, comp);
	feed_timed(&st, login, &ms);
	feed_timed(&st, after, &ms);
	return kx_infer_kind(&st);
}

/* Channel opens and requests after the login, as the recordings have
 * them (pcaps/sessions/command, fwd_local, fwd_dynamic, fwd_remote), and
 * where the sizes do not tell. */
static void
t_kind_channels(void **state)
{
	static const char login[] = "s316 c44 s44 c60 s52 c140 s100 c308 s28 ";
	static const char gcm_login[] = "s324 c52 s52 c68 s52 c148 s36 ";

	(void)state;
	/* An exec (84: 52 to 59 payload bytes) answered by the server. */
	assert_int_equal(kind_of(CHACHA, NULL, "none", login,
	    "c112@5 s280@1 s208@1 c84@5 s72@1 c36@5 s108@1 s2572@1 s44@1 s124@1 c36@1 c60@1"),
	    KX_INFER_KIND_COMMAND);
	/* A pty-req sent with its shell (68 + 44): not a command. */
	assert_int_equal(kind_of(CHACHA, NULL, "none", login,
	    "c112@5 s272@1 s200@1 c112@5 s108@1 s116@1 c36@5 c60@1"),
	    KX_INFER_KIND_OTHER);
	/* A shell request alone (44: 12 to 19 bytes) is not an exec. */
	assert_int_equal(kind_of(CHACHA, NULL, "none", login,
	    "c112@5 s272@1 s200@1 c44@5 s72@1 c36@5 c60@1"),
	    KX_INFER_KIND_OTHER);
	/* An exec-sized request the client follows before the server
	 * answers (a pty-req sent apart from its shell). */
	assert_int_equal(kind_of(CHACHA, NULL, "none", login,
	    "c112@5 s272@1 s200@1 c84@5 c44@1 s72@1 c36@5 c60@1"),
	    KX_INFER_KIND_OTHER);
	/* With AES-GCM an exec of "true" (22) and a shell (15) are both 52:
	 * the view is too coarse to claim a command. */
	assert_int_equal(kind_of(GCM, NULL, "none", gcm_login,
	    "c120@5 s116@1 s52@1 c52@5 s72@1 c36@5 s84@1 c68@1"),
	    KX_INFER_KIND_OTHER);
	/* A long command is clear with GCM too (116: 84 to 99 bytes). */
	assert_int_equal(kind_of(GCM, NULL, "none", gcm_login,
	    "c120@5 s116@1 s52@1 c116@5 s72@1 c36@5 s84@1 c68@1"),
	    KX_INFER_KIND_COMMAND);
	/* -L (and -D): a direct-tcpip open (92) confirmed at once (44). */
	assert_int_equal(kind_of(CHACHA, NULL, "none", login,
	    "c112@5 s280@1 s208@1 c52@5 s72@1 c36@5 s108@1 c92@500 s44@1 "
	    "c60@1 s60@1 c60@300 s60@1 c36@1 s72@1 c36@1 s124@1 c36@1 c60@1"),
	    KX_INFER_KIND_FORWARD_LOCAL);
	/* The same open without its confirmation: no claim; it stays a
	 * command (the exec was answered). */
	assert_int_equal(kind_of(CHACHA, NULL, "none", login,
	    "c112@5 s280@1 s208@1 c52@5 s72@1 c36@5 s108@1 c92@500 s60@1 c60@1"),
	    KX_INFER_KIND_COMMAND);
	/* -R: tcpip-forward first (68), the server's forwarded-tcpip open
	 * (92) confirmed by the client (44). */
	assert_int_equal(kind_of(CHACHA, NULL, "none", login,
	    "c68@5 s280@1 c112@1 s164@1 s72@1 c52@5 s72@1 c36@5 s76@1 s76@1 "
	    "s92@800 c44@1 s60@1 c60@1 s36@1 c72@1 s36@1 s124@1 c36@1 c60@1"),
	    KX_INFER_KIND_FORWARD_REMOTE);
	/* A server-opened channel without the forward request first (the
	 * client's first segment is the session's open): no claim. */
	assert_int_equal(kind_of(CHACHA, NULL, "none", login,
	    "c112@5 s280@1 s208@1 c52@5 s72@1 s92@800 c44@1 c36@1"),
	    KX_INFER_KIND_OTHER);
	/* Channels opened both ways: no claim. */
	assert_int_equal(kind_of(CHACHA, NULL, "none", login,
	    "c68@5 s280@1 c112@1 s164@1 c92@500 s44@1 s92@800 c44@1 c36@1"),
	    KX_INFER_KIND_OTHER);
	/* zlib@openssh.com compresses after the login: no structure. */
	assert_int_equal(kind_of(CHACHA, NULL, "zlib@openssh.com", login,
	    "c112@5 s280@1 s208@1 c84@5 s72@1 c92@500 s44@1 c36@1"),
	    KX_INFER_KIND_OTHER);
	/* Keystrokes still win over the structure. */
	assert_int_equal(kind_of(CHACHA, NULL, "none", login,
	    "c112@5 s280@1 s208@1 c84@5 s72@1 c36@150 s36@1 c36@150 s36@1 "
	    "c36@150 s36@1 c36@150 s36@1 c36@150 s36@1"),
	    KX_INFER_KIND_INTERACTIVE);
}

/* The step-by-step search against the plain one it replaced: the least
 * k in 1..min(b, size / smallest) with k * c = size (mod b), then every
 * b / gcd(c, b) up to size / smallest; for every block, tag, layout and
 * size up to 4 KiB. */
static uint32_t
gcd_ref(uint32_t a, uint32_t b)
{
	while (b != 0) {
		uint32_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static void
t_packets_in_oracle(void **state)
{
	static const uint8_t blocks[] = { 8, 16, 12, 32 };
	static const uint8_t tags[] = { 0, 12, 16, 20, 32, 64 };
	unsigned checked = 0, some = 0;

	(void)state;
	for (size_t bi = 0; bi < sizeof(blocks); bi++)
	for (size_t ti = 0; ti < sizeof(tags); ti++)
	for (int out = 0; out < 2; out++) {
		struct kx_infer_side sd;

		memset(&sd, 0, sizeof(sd));
		sd.view = KX_INFER_VIEW_BOUNDED;
		sd.block = blocks[bi];
		sd.tag = tags[ti];
		sd.len_outside = out != 0;
		for (uint32_t size = 0; size <= 4096; size++) {
			uint32_t lo, hi, elo = 0, ehi = 0, b = sd.block;
			uint32_t smallest = kx_infer_packet_size(&sd, 1);
			uint32_t c = (sd.len_outside ? 4u + sd.tag : sd.tag) % b;
			int want = 0;

			if (smallest != 0 && size >= smallest) {
				uint32_t most = size / smallest;

				for (uint32_t k = 1; k <= b && k <= most; k++)
					if ((uint64_t)k * c % b == size % b) {
						uint32_t per = c == 0 ? 1 :
						    b / gcd_ref(c, b);

						elo = k;
						ehi = k + (most - k) / per * per;
						want = 1;
						break;
					}
			}
			assert_int_equal(kx_infer_packets_in(&sd, size, &lo, &hi),
			    want);
			assert_int_equal(lo, elo);
			assert_int_equal(hi, ehi);
			checked++;
			some += (unsigned)want;
		}
	}
	assert_true(checked > 100000);
	assert_true(some > 10000);
}

static void
t_tables(void **state)
{
	(void)state;
	for (int i = 0; i < KX_INFER_WHY_MAX; i++) {
		assert_non_null(kx_infer_why_names[i]);
		assert_non_null(kx_infer_why_descs[i]);
	}
	for (int i = 0; i < KX_INFER_VIEW_MAX; i++)
		assert_non_null(kx_infer_view_names[i]);
	for (int i = 0; i < KX_INFER_TRI_MAX; i++)
		assert_non_null(kx_infer_tri_names[i]);
	for (int i = 0; i < KX_INFER_KIND_MAX; i++) {
		assert_non_null(kx_infer_kind_names[i]);
		assert_non_null(kx_infer_kind_descs[i]);
	}
}

/* Every recorded session against its server's log: never the opposite
 * outcome; the targets for right outcomes and exact attempts. */
static void
t_sessions(void **state)
{
	static struct h_capture cap;
	struct h_truth truth[H_CONNS_MAX];
	struct dirent *e;
	char path[4096];
	DIR *dir;
	unsigned total = 0, right = 0, wrong = 0, exact = 0, sessions = 0;

	(void)state;
	assert_non_null(sessions_dir);
	dir = opendir(sessions_dir);
	assert_non_null(dir);
	while ((e = readdir(dir)) != NULL) {
		size_t n = strlen(e->d_name);
		int nt;

		if (n < 11 || strcmp(e->d_name + n - 11, ".truth.json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", sessions_dir, e->d_name);
		nt = h_truth_read(path, truth, H_CONNS_MAX);
		assert_true(nt > 0);
		snprintf(path, sizeof(path), "%s/%.*s.pcap", sessions_dir, (int)(n - 11), e->d_name);
		assert_int_equal(h_capture_read(path, &cap), 0);
		sessions++;
		for (int k = 0; k < nt; k++) {
			const struct h_conn *c = NULL;
			const char *names[6];
			struct kx_infer st;
			struct kx_infer_result r;

			for (uint32_t i = 0; i < cap.nconn; i++)
				if (cap.conn[i].cport == truth[k].client_port)
					c = &cap.conn[i];
			assert_non_null(c);
			for (int j = 0; j < 6; j++)
				names[j] = truth[k].names[j];
			h_infer_conn(c, names, &st, &r);
			total++;
			bool want = truth[k].auth_success == 1;
			if (truth[k].auth_success < 0) {
				/* No login attempted: only "unknown" is right. */
				if (r.auth_success == KX_INFER_UNKNOWN)
					right++;
				else
					wrong++;
			} else if (r.auth_success != KX_INFER_UNKNOWN) {
				if ((r.auth_success == KX_INFER_YES) == want)
					right++;
				else {
					wrong++;
					print_message("# WRONG %s port %u: %s (%s)\n", path,
					    truth[k].client_port, kx_infer_tri_names[r.auth_success],
					    kx_infer_why_names[r.why]);
				}
			} else {
				print_message("# unknown %s port %u (%s)\n", path,
				    truth[k].client_port, kx_infer_why_names[r.why]);
			}
			if (r.auth_attempts == truth[k].attempts)
				exact++;
			else
				print_message("# attempts %s port %u: %u, the log %u\n", path,
				    truth[k].client_port, r.auth_attempts, truth[k].attempts);
		}
		h_capture_free(&cap);
	}
	closedir(dir);
	print_message("# %u sessions, %u connections: outcome right %u, wrong %u, "
	    "attempts exact %u\n", sessions, total, right, wrong, exact);
	assert_true(sessions >= 28);
	assert_int_equal(wrong, 0);
	assert_true(right * 100 >= total * 95);
	assert_true(exact * 100 >= total * 90);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_packet_sizes),
		cmocka_unit_test(t_packets_in),
		cmocka_unit_test(t_payload_range),
		cmocka_unit_test(t_random),
		cmocka_unit_test(t_success),
		cmocka_unit_test(t_failure),
		cmocka_unit_test(t_unknown),
		cmocka_unit_test(t_shape),
		cmocka_unit_test(t_segs_cap),
		cmocka_unit_test(t_kind),
		cmocka_unit_test(t_kind_channels),
		cmocka_unit_test(t_tables),
		cmocka_unit_test(t_packets_in_oracle),
		cmocka_unit_test(t_sessions),
	};

	if (argc > 1)
		sessions_dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
