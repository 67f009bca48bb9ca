/* resets.c: every RST judged against its claimed sender's own segments,
 * from frames fed through the whole pipeline. One case per signal (each
 * fires alone, or with the signals it cannot avoid), a genuine RST and a
 * stack's stateless answer after its own FIN that must not be flagged,
 * data racing a RST, and hostile input: a RST storm on one connection, a
 * RST with a 64 KiB payload, a RST for a connection never seen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kexray/analyze/analyze.h"
#include "kexray/analyze/resets.h"
#include "kx_frames.h"

struct seen {
	int n;
	enum kx_close close;
	int8_t closed_by;
	enum kx_cause cause;
	bool third_party;
	bool have_log;
	struct kx_rstlog log;
	kx_anomset anoms;
	size_t mem;
	char sbanner[64];
};

static void
on_done(struct kx_conn *c, void *arg)
{
	struct seen *s = arg;
	struct kx_verdict v;

	s->n++;
	kx_analyze(c, &v);
	s->close = c->close;
	s->closed_by = c->closed_by;
	s->cause = v.close.cause;
	s->third_party = v.close.third_party;
	s->have_log = kx_conn_rsts(c) != NULL;
	if (kx_conn_rsts(c) != NULL)
		s->log = *kx_conn_rsts(c);
	s->anoms = v.anomalies;
	s->mem = kx_conn_mem(c);
	if (kx_conn_ssh(c, KX_SERVER)->banner != NULL)
		memcpy(s->sbanner, kx_conn_ssh(c, KX_SERVER)->banner,
		    kx_conn_ssh(c, KX_SERVER)->banner_len < 63 ?
		    kx_conn_ssh(c, KX_SERVER)->banner_len : 63);
}

static void
start(struct kxf_conn *k, struct seen *s)
{
	struct kx_pipeline_config cfg = { .nports = 0 };
	struct kx_pipeline *p;

	memset(s, 0, sizeof(*s));
	assert_true(kx_parse_ports("22", &cfg));
	p = kx_pipeline_new(&cfg, on_done, s);
	assert_non_null(p);
	kxf_init(k, p);
	kxf_open(k);
	kxf_banners(k);
}

static void
finish(struct kxf_conn *k)
{
	kx_pipeline_finish(k->pl);
	kx_pipeline_free(k->pl);
}

static uint16_t
sigbit(enum kx_rst_signal s)
{
	return (uint16_t)(1u << s);
}

/* The TCP options decoder: timestamps and window scale are noted; broken
 * option lists end the scan without failing the decode. */
static void
test_tcp_options_decode(void **state)
{
	uint8_t f[14 + 20 + 40];
	struct kx_packet pkt;
	uint8_t *tcp = f + 34;
	const uint8_t good[20] = { 2, 4, 5, 180, 1, 3, 3, 15, 1, 1, 8, 10,
	    0, 0, 0, 1, 0, 0, 0, 0 };
	const uint8_t bad[8] = { 1, 3, 0, 8, 1, 1, 1, 1 };

	(void)state;
	memset(f, 0, sizeof(f));
	kxf_put16(f + 12, 0x0800);
	f[14] = 0x45;
	kxf_put16(f + 16, 20 + 40);
	f[22] = 64;
	f[23] = 6;
	tcp[12] = (40 / 4) << 4;
	tcp[13] = KX_TCP_SYN;
	memcpy(tcp + 20, good, sizeof(good));
	assert_int_equal(kx_decode(DLT_EN10MB, f, sizeof(f), sizeof(f), &pkt),
	    KX_OK);
	assert_true(pkt.tcp_opts & KX_TCPOPT_TS);
	assert_true(pkt.tcp_opts & KX_TCPOPT_WS);
	assert_int_equal(pkt.wscale, 14);       /* 15 is taken as 14 */
	memset(tcp + 20, 0, 20);
	memcpy(tcp + 20, bad, sizeof(bad));     /* a zero option length */
	assert_int_equal(kx_decode(DLT_EN10MB, f, sizeof(f), sizeof(f), &pkt),
	    KX_OK);
	assert_int_equal(pkt.tcp_opts, 0);
	tcp[20] = 8;                            /* timestamps cut short */
	tcp[21] = 10;
	tcp[12] = (24 / 4) << 4;
	kxf_put16(f + 16, 20 + 24);
	assert_int_equal(kx_decode(DLT_EN10MB, f, 14 + 20 + 24, 14 + 20 + 24,
	    &pkt), KX_OK);
	assert_int_equal(pkt.tcp_opts, 0);
}

/* The server resets with everything its own segments had: genuine. The
 * record waits KX_RST_LINGER_US of packet time. */
static void
test_genuine_and_linger(void **state)
{
	struct seen s;
	struct kxf_conn k, other;

	(void)state;
	start(&k, &s);
	kxf_rst(&k, KX_SERVER);
	assert_int_equal(s.n, 0);
	kxf_init(&other, k.pl);
	other.h[KX_CLIENT].port = 50001;
	other.ts = k.ts + KX_RST_LINGER_US / 2;
	kxf_data(&other, KX_CLIENT, KX_TCP_SYN, NULL, 0);
	assert_int_equal(s.n, 0);
	other.ts = k.ts + KX_RST_LINGER_US + 1;
	other.h[KX_CLIENT].port = 50002;
	kxf_data(&other, KX_CLIENT, KX_TCP_SYN, NULL, 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.close, KX_CLOSE_RST);
	assert_int_equal(s.closed_by, KX_SERVER);
	assert_true(s.have_log);
	assert_int_equal(s.log.n, 1);
	assert_int_equal(s.log.r[0].signals, 0);
	assert_int_equal(kx_rst_verdict(&s.log.r[0]), KX_RST_GENUINE);
	assert_int_equal(s.cause, KX_CAUSE_RESET);
	assert_false(s.third_party);
	finish(&k);
}

struct variant {
	const char *name;
	struct kxf_seg seg;      /* overrides on the server's RST */
	uint16_t want;           /* signals that must fire, and no others */
};

/* One RST per signal that a single RST can show. */
static void
test_single_signals(void **state)
{
	const struct variant v[] = {
		{ "ttl", { .set_ttl = true, .ttl = 61 }, sigbit(KX_RSTSIG_TTL) },
		{ "ip id of peer", { .set_id = true, .ip_id = 1003 },
		    sigbit(KX_RSTSIG_IP_ID_PEER) },
		{ "ip id zero", { .set_id = true, .ip_id = 0 },
		    sigbit(KX_RSTSIG_IP_ID_ZERO) },
		{ "seq out of window", { .set_seq = true, .seq = 7000041u + 10000000u },
		    sigbit(KX_RSTSIG_SEQ_OUT) },
		{ "seq behind", { .set_seq = true, .seq = 7000041u - 1000u },
		    sigbit(KX_RSTSIG_SEQ_OUT) },
		{ "seq not next", { .set_seq = true, .seq = 7000041u + 100u },
		    sigbit(KX_RSTSIG_SEQ_NOT_NEXT) },
		{ "window copied", { .set_win = true, .win = 502 },
		    sigbit(KX_RSTSIG_WIN_COPIED) },
		{ "timestamps missing", { .no_ts = true },
		    sigbit(KX_RSTSIG_TS_MISSING) },
		{ "bare", { .flags = KX_TCP_RST, .set_win = true, .win = 0,
		    .set_id = true, .ip_id = 0 },
		    sigbit(KX_RSTSIG_BARE) | sigbit(KX_RSTSIG_IP_ID_ZERO) },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct seen s;
		struct kxf_conn k;
		struct kxf_seg seg = v[i].seg;

		start(&k, &s);
		/* The banners leave the server's next seq at 7000041 and the
		 * client's last ID at 1003. */
		assert_int_equal(k.h[KX_SERVER].seq, 7000041u);
		assert_int_equal(k.h[KX_CLIENT].ip_id, 1004);
		if (seg.flags == 0)
			seg.flags = KX_TCP_RST | KX_TCP_ACK;
		kxf_send(&k, KX_SERVER, &seg);
		finish(&k);
		assert_int_equal(s.n, 1);
		if (s.log.r[0].signals != v[i].want)
			fail_msg("%s: signals %#x, want %#x", v[i].name,
			    s.log.r[0].signals, v[i].want);
		assert_int_equal(kx_rst_verdict(&s.log.r[0]),
		    __builtin_popcount(v[i].want) == 1 ? KX_RST_SUSPICIOUS :
		    KX_RST_LIKELY_FORGED);
	}
}

/* A RST carrying 64 KiB, IPv4's most: flagged, its bytes never taken for
 * stream data. */
static void
test_payload_64k(void **state)
{
	static uint8_t junk[65535 - 20 - 32];
	struct seen s;
	struct kxf_conn k;
	struct kxf_seg seg = { .flags = KX_TCP_RST | KX_TCP_ACK, .data = junk,
	    .len = sizeof(junk) };

	(void)state;
	memset(junk, 'S', sizeof(junk));
	start(&k, &s);
	kxf_send(&k, KX_SERVER, &seg);
	finish(&k);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.log.r[0].signals, sigbit(KX_RSTSIG_PAYLOAD));
	assert_int_equal(s.log.r[0].payload_len, sizeof(junk));
	assert_string_equal(s.sbanner, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3");
	assert_false(kx_anom_has(s.anoms, KX_ANOM_REASM_DEPTH_LIMIT));
}

/* After its own FIN a stack answers from no state (RFC 9293 3.10.7.1):
 * seq from the segment's ACK, no ACK flag, window 0, ID 0, no options.
 * That is genuine. */
static void
test_stateless_answer_after_fin(void **state)
{
	struct seen s;
	struct kxf_conn k;
	struct kxf_seg rst = { .flags = KX_TCP_RST, .set_win = true, .win = 0,
	    .set_id = true, .ip_id = 0, .no_ts = true };

	(void)state;
	start(&k, &s);
	kxf_data(&k, KX_SERVER, KX_TCP_FIN | KX_TCP_ACK, NULL, 0);
	kxf_str(&k, KX_CLIENT, "late data\r\n");
	kxf_send(&k, KX_SERVER, &rst);
	finish(&k);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.close, KX_CLOSE_FIN);
	assert_int_equal(s.log.n, 1);
	assert_int_equal(s.log.r[0].signals, 0);
}

/* A RST in the server's name, then the server's own data at that sequence
 * number: the server never reset, the connection goes on. */
static void
test_data_after_rst(void **state)
{
	struct seen s;
	struct kxf_conn k;

	(void)state;
	start(&k, &s);
	kxf_rst(&k, KX_SERVER);
	kxf_str(&k, KX_SERVER, "more from the server\n");
	kxf_data(&k, KX_CLIENT, KX_TCP_ACK, NULL, 0);
	k.ts += 10 * KX_RST_LINGER_US;   /* long past the linger: still open */
	kxf_str(&k, KX_CLIENT, "and the client\n");
	assert_int_equal(s.n, 0);
	kxf_fins(&k, KX_CLIENT);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.close, KX_CLOSE_FIN);
	assert_int_equal(s.closed_by, KX_CLIENT);
	assert_int_equal(s.log.r[0].signals, sigbit(KX_RSTSIG_DATA_AFTER));
	assert_int_equal(s.log.r[0].val[KX_RSTSIG_DATA_AFTER].got, 7000041u);
	finish(&k);
}

/* Three RSTs, seq stepped by 1460, nothing from the client between them:
 * a burst, judged as one act. */
static void
test_burst(void **state)
{
	struct seen s;
	struct kxf_conn k;

	(void)state;
	start(&k, &s);
	for (uint32_t i = 0; i < 3; i++) {
		struct kxf_seg r = { .flags = KX_TCP_RST | KX_TCP_ACK,
		    .set_seq = true, .seq = 7000041u + 1460u * i };

		kxf_send(&k, KX_SERVER, &r);
	}
	finish(&k);
	assert_int_equal(s.log.n, 3);
	assert_int_equal(s.log.r[0].signals, sigbit(KX_RSTSIG_BURST));
	for (int i = 1; i < 3; i++)
		assert_int_equal(s.log.r[i].signals, sigbit(KX_RSTSIG_BURST) |
		    sigbit(KX_RSTSIG_SEQ_NOT_NEXT));
	assert_true(s.third_party);
	assert_int_equal(s.cause, KX_CAUSE_THIRD_PARTY);
}

/* Two RSTs from one side with a segment from the other between them: a
 * stack answering each segment, not a burst. */
static void
test_not_a_burst(void **state)
{
	struct seen s;
	struct kxf_conn k;

	(void)state;
	start(&k, &s);
	kxf_rst(&k, KX_SERVER);
	kxf_data(&k, KX_CLIENT, KX_TCP_ACK, NULL, 0);
	kxf_rst(&k, KX_SERVER);
	finish(&k);
	assert_int_equal(s.log.n, 2);
	assert_int_equal(s.log.r[0].signals, 0);
	assert_int_equal(s.log.r[1].signals, 0);
}

/* A RST to each end 0.2 ms apart. */
static void
test_both_ends(void **state)
{
	struct seen s;
	struct kxf_conn k;

	(void)state;
	start(&k, &s);
	k.step = 200;
	kxf_rst(&k, KX_SERVER);
	kxf_rst(&k, KX_CLIENT);
	finish(&k);
	assert_int_equal(s.log.n, 2);
	assert_int_equal(s.log.r[0].signals, sigbit(KX_RSTSIG_BOTH_ENDS));
	assert_int_equal(s.log.r[1].signals, sigbit(KX_RSTSIG_BOTH_ENDS));
	assert_int_equal(s.log.r[0].val[KX_RSTSIG_BOTH_ENDS].extra, 200);
}

/* 10,000 RSTs on one connection within its linger: the first
 * KX_RESETS_KEEP kept, the rest counted, flow.rst_limit, one record,
 * memory bounded. */
static void
test_rst_storm(void **state)
{
	struct seen s;
	struct kxf_conn k;

	(void)state;
	start(&k, &s);
	k.step = 10;
	for (uint32_t i = 0; i < 10000; i++) {
		struct kxf_seg r = { .flags = KX_TCP_RST | KX_TCP_ACK,
		    .set_seq = true, .seq = 7000041u + i * 7919u,
		    .set_ttl = true, .ttl = (uint8_t)(40 + i % 50) };

		kxf_send(&k, (int)(i & 1), &r);
	}
	finish(&k);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.log.total, 10000);
	assert_int_equal(s.log.n, KX_RESETS_KEEP);
	assert_true(kx_anom_has(s.anoms, KX_ANOM_FLOW_RST_LIMIT));
	assert_true(s.mem < 64u * 1024u);
}

/* RSTs for connections never seen open make no record, and a RST after
 * the close is a leftover. */
static void
test_rst_unknown_connection(void **state)
{
	struct seen s;
	struct kxf_conn k;
	struct kx_pipeline_config cfg = { .nports = 0 };

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_true(kx_parse_ports("22", &cfg));
	kxf_init(&k, kx_pipeline_new(&cfg, on_done, &s));
	for (int i = 0; i < 1000; i++) {
		k.h[KX_CLIENT].port = (uint16_t)(20000 + i);
		kxf_rst(&k, i & 1);
	}
	assert_int_equal(s.n, 0);
	k.h[KX_CLIENT].port = 50000;
	kxf_open(&k);
	kxf_fins(&k, KX_CLIENT);
	assert_int_equal(s.n, 1);
	kxf_rst(&k, KX_SERVER);
	finish(&k);
	assert_int_equal(s.n, 1);
	assert_false(s.have_log);
}

/* The values behind each signal read as one line each. */
static void
test_signal_text(void **state)
{
	struct kx_rst r;
	char buf[200];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.from = KX_SERVER;
	r.val[KX_RSTSIG_TTL].got = 64;
	r.val[KX_RSTSIG_TTL].want = 63;
	kx_rst_signal_text(&r, KX_RSTSIG_TTL, buf, sizeof(buf));
	assert_string_equal(buf, "TTL 64, the server's own segments 63");
	for (int i = 0; i < KX_RSTSIG_MAX; i++) {
		kx_rst_signal_text(&r, (enum kx_rst_signal)i, buf, sizeof(buf));
		assert_true(strlen(buf) > 5);
		assert_non_null(kx_rst_signal_names[i]);
		assert_true(strlen(kx_rst_signal_descs[i]) > 10);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_options_decode),
		cmocka_unit_test(test_genuine_and_linger),
		cmocka_unit_test(test_single_signals),
		cmocka_unit_test(test_payload_64k),
		cmocka_unit_test(test_stateless_answer_after_fin),
		cmocka_unit_test(test_data_after_rst),
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_not_a_burst),
		cmocka_unit_test(test_both_ends),
		cmocka_unit_test(test_rst_storm),
		cmocka_unit_test(test_rst_unknown_connection),
		cmocka_unit_test(test_signal_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
