/* The per-packet wiring: which connections are followed, which side is the
 * client, how a close is recorded, and that stray segments after a close
 * do not invent connections. Frames are built here (Ethernet/IPv4/TCP). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <pcap/dlt.h>
#include <cmocka.h>

#include "kexray/analyze/infer_conn.h"
#include "kexray/stream/pipeline.h"
#include "kx_frames.h"

struct seen {
	int n;
	struct {
		uint16_t cport, sport;
		bool cbanner, sbanner;
		enum kx_close close;
		int8_t closed_by;
		struct kx_step after;
		bool midstream;
		kx_anomset anoms;
		char sbanner_text[64];
	} c[8];
};

static void
on_done(struct kx_conn *c, void *arg)
{
	struct seen *s = arg;
	int i = s->n++;

	if (i >= 8)
		return;
	s->c[i].cport = c->ep[KX_CLIENT].port;
	s->c[i].sport = c->ep[KX_SERVER].port;
	s->c[i].cbanner = kx_conn_ssh(c, KX_CLIENT)->have_banner;
	s->c[i].sbanner = kx_conn_ssh(c, KX_SERVER)->have_banner;
	s->c[i].close = c->close;
	s->c[i].closed_by = c->closed_by;
	s->c[i].after = c->close_after;
	s->c[i].midstream = c->midstream;
	s->c[i].anoms = c->anomalies | kx_conn_ssh(c, 0)->anomalies |
	    kx_conn_ssh(c, 1)->anomalies;
	if (kx_conn_ssh(c, KX_SERVER)->banner != NULL)
		memcpy(s->c[i].sbanner_text, kx_conn_ssh(c, KX_SERVER)->banner,
		    kx_conn_ssh(c, KX_SERVER)->banner_len < 63 ?
		    kx_conn_ssh(c, KX_SERVER)->banner_len : 63);
}

struct tcpctx {
	struct kx_pipeline *pl;
	uint32_t cip, sip;
	uint16_t cport, sport;
	uint32_t cseq, sseq;
	uint64_t ts, frame;
};

/* Sends one segment from the client (from_client) or the server. */
static void
seg(struct tcpctx *t, bool from_client, uint8_t flags, const char *data)
{
	uint8_t f[1600];
	size_t dlen = data != NULL ? strlen(data) : 0;
	uint32_t *seq = from_client ? &t->cseq : &t->sseq;
	uint32_t *ack = from_client ? &t->sseq : &t->cseq;
	struct kxf_tcp h = { .saddr = from_client ? t->cip : t->sip,
	    .daddr = from_client ? t->sip : t->cip,
	    .sport = from_client ? t->cport : t->sport,
	    .dport = from_client ? t->sport : t->cport,
	    .seq = *seq, .ack = *ack, .flags = flags, .ttl = 64, .win = 65535 };
	uint32_t n = kxf_frame(f, sizeof(f), &h, data, dlen);

	kx_pipeline_frame(t->pl, DLT_EN10MB, f, n, n, t->ts += 1000, ++t->frame);
	*seq += (uint32_t)dlen + ((flags & (KX_TCP_SYN | KX_TCP_FIN)) ? 1 : 0);
}

static void
handshake(struct tcpctx *t)
{
	seg(t, true, KX_TCP_SYN, NULL);
	seg(t, false, KX_TCP_SYN | KX_TCP_ACK, NULL);
	seg(t, true, KX_TCP_ACK, NULL);
}

static struct kx_pipeline *
new_pipeline(struct seen *s, const char *ports)
{
	struct kx_pipeline_config cfg = { .nports = 0 };

	assert_true(kx_parse_ports(ports, &cfg));
	return kx_pipeline_new(&cfg, on_done, s);
}

static void
test_port22_banners_and_fin(void **state)
{
	struct seen s = { 0 };
	struct tcpctx t = { .cip = 0x0a000001, .sip = 0x0a000002,
	    .cport = 40000, .sport = 22, .cseq = 100, .sseq = 5000 };

	(void)state;
	t.pl = new_pipeline(&s, "22");
	handshake(&t);
	seg(&t, false, KX_TCP_ACK | KX_TCP_PSH, "SSH-2.0-OpenSSH_9.6\r\n");
	seg(&t, true, KX_TCP_ACK | KX_TCP_PSH, "SSH-2.0-PuTTY_Release_0.80\r\n");
	seg(&t, false, KX_TCP_ACK | KX_TCP_FIN, NULL);
	assert_int_equal(s.n, 0);
	seg(&t, true, KX_TCP_ACK | KX_TCP_FIN, NULL);
	assert_int_equal(s.n, 1);          /* reported when both FINs are in */
	seg(&t, false, KX_TCP_ACK, NULL);  /* the last ACK: no new connection */
	kx_pipeline_finish(t.pl);
	assert_int_equal(s.n, 1);
	assert_true(s.c[0].cbanner && s.c[0].sbanner);
	assert_string_equal(s.c[0].sbanner_text, "SSH-2.0-OpenSSH_9.6");
	assert_int_equal(s.c[0].close, KX_CLOSE_FIN);
	assert_int_equal(s.c[0].closed_by, KX_SERVER);
	assert_int_equal(s.c[0].after.side, KX_CLIENT);
	assert_int_equal(s.c[0].after.what, KX_STEP_BANNER);
	assert_false(s.c[0].midstream);
	kx_pipeline_free(t.pl);
}

/* SSH on an odd port is found by its identification line; other traffic on
 * odd ports is not reported at all. */
static void
test_content_detection(void **state)
{
	struct seen s = { 0 };
	struct tcpctx ssh = { .cip = 1, .sip = 2, .cport = 50000, .sport = 8022,
	    .cseq = 1, .sseq = 1 };
	struct tcpctx http = { .cip = 1, .sip = 3, .cport = 50001, .sport = 80,
	    .cseq = 1, .sseq = 1 };

	(void)state;
	ssh.pl = http.pl = new_pipeline(&s, "22");
	handshake(&ssh);
	handshake(&http);
	seg(&http, true, KX_TCP_ACK, "GET / HTTP/1.1\r\n\r\n");
	seg(&ssh, false, KX_TCP_ACK, "SSH-2.0-dropbear_2022.83\r\n");
	seg(&http, false, KX_TCP_ACK, "HTTP/1.1 200 OK\r\n\r\n");
	seg(&ssh, true, KX_TCP_ACK, "SSH-2.0-OpenSSH_9.2\r\n");
	seg(&http, true, KX_TCP_ACK | KX_TCP_FIN, NULL);
	kx_pipeline_finish(ssh.pl);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.c[0].sport, 8022);
	assert_int_equal(s.c[0].cport, 50000);
	assert_int_equal(s.c[0].close, KX_CLOSE_CAPTURE_END);
	assert_int_equal(kx_pipeline_stats(ssh.pl)->ssh_conns, 1);
	kx_pipeline_free(ssh.pl);
}

/* The identification line cut into "SS" + "H-2.0-..." on an odd port is
 * still recognised: detection reads the reassembled stream, not the first
 * segment. */
static void
test_content_detection_split_banner(void **state)
{
	struct seen s = { 0 };
	struct tcpctx t = { .cip = 1, .sip = 2, .cport = 50000, .sport = 2200,
	    .cseq = 1, .sseq = 1 };

	(void)state;
	t.pl = new_pipeline(&s, "22");
	handshake(&t);
	seg(&t, false, KX_TCP_ACK, "SS");
	seg(&t, true, KX_TCP_ACK, "SS");
	seg(&t, false, KX_TCP_ACK, "H-2.0-OpenSSH_9.6\r\n");
	seg(&t, true, KX_TCP_ACK, "H-2.0-OpenSSH_9.2\r\n");
	kx_pipeline_finish(t.pl);
	assert_int_equal(s.n, 1);
	assert_true(s.c[0].cbanner && s.c[0].sbanner);
	assert_string_equal(s.c[0].sbanner_text, "SSH-2.0-OpenSSH_9.6");
	kx_pipeline_free(t.pl);
}

/* The same ports used again with a new ISN before the old connection's
 * close was seen: two connections, the first ended unseen (timeout). */
static void
test_port_reuse_new_isn(void **state)
{
	struct seen s = { 0 };
	struct tcpctx t = { .cip = 1, .sip = 2, .cport = 50000, .sport = 22,
	    .cseq = 1000, .sseq = 1 };

	(void)state;
	t.pl = new_pipeline(&s, "22");
	handshake(&t);
	seg(&t, false, KX_TCP_ACK, "SSH-2.0-first\r\n");
	t.cseq = 900000;
	handshake(&t);
	seg(&t, false, KX_TCP_ACK, "SSH-2.0-second\r\n");
	kx_pipeline_finish(t.pl);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.c[0].sbanner_text, "SSH-2.0-first");
	assert_int_equal(s.c[0].close, KX_CLOSE_TIMEOUT);
	assert_string_equal(s.c[1].sbanner_text, "SSH-2.0-second");
	assert_int_equal(s.c[1].close, KX_CLOSE_CAPTURE_END);
	kx_pipeline_free(t.pl);
}

/* A handshake idle past the handshake timeout is reported (close
 * "timeout") as time passes, without waiting for the input to end. */
static void
test_handshake_timeout(void **state)
{
	struct seen s = { 0 };
	struct kx_pipeline_config cfg = { .nports = 0,
	    .handshake_timeout_us = 10000000ull };
	struct tcpctx a = { .cip = 1, .sip = 2, .cport = 50000, .sport = 22,
	    .cseq = 1, .sseq = 1 };
	struct tcpctx b = { .cip = 3, .sip = 2, .cport = 50001, .sport = 22,
	    .cseq = 1, .sseq = 1 };

	(void)state;
	assert_true(kx_parse_ports("22", &cfg));
	a.pl = b.pl = kx_pipeline_new(&cfg, on_done, &s);
	handshake(&a);
	seg(&a, false, KX_TCP_ACK, "SSH-2.0-silent\r\n");
	b.ts = a.ts + 8000000;          /* 8 s later: not yet */
	seg(&b, true, KX_TCP_SYN, NULL);
	assert_int_equal(s.n, 0);
	b.ts = a.ts + 12000000;         /* 12 s of silence on a */
	b.cport = 50002;
	seg(&b, true, KX_TCP_SYN, NULL);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.c[0].cport, 50000);
	assert_int_equal(s.c[0].close, KX_CLOSE_TIMEOUT);
	assert_int_equal(kx_pipeline_stats(a.pl)->timeouts, 1);
	assert_int_equal(kx_pipeline_conns(a.pl), 2);
	kx_pipeline_finish(a.pl);
	kx_pipeline_free(a.pl);
}

/* A SYN nobody answers is reported after KX_ATTEMPT_TIMEOUT_DEFAULT_S,
 * not the handshake timeout; the same SYN sent again (same ISN) is that
 * attempt, already reported, while a new ISN is a new attempt. */
static void
test_attempt_timeout(void **state)
{
	struct seen s = { 0 };
	struct tcpctx a = { .cip = 1, .sip = 2, .cport = 50000, .sport = 22,
	    .cseq = 100, .sseq = 1 };
	struct tcpctx b = { .cip = 3, .sip = 2, .cport = 50001, .sport = 22,
	    .cseq = 1, .sseq = 1 };
	struct tcpctx c = { .cip = 4, .sip = 2, .cport = 50002, .sport = 22,
	    .cseq = 1, .sseq = 1 };

	(void)state;
	a.pl = b.pl = c.pl = new_pipeline(&s, "22");
	a.ts = b.ts = c.ts = 1000000000ull;
	seg(&a, true, KX_TCP_SYN, NULL);
	a.ts += 1000000;                /* sent again after 1 s: same attempt */
	a.cseq = 100;
	seg(&a, true, KX_TCP_SYN, NULL);
	handshake(&b);
	seg(&b, false, KX_TCP_ACK, "SSH-2.0-slow\r\n");
	c.ts = a.ts + 4000000;          /* 4 s after a's last SYN: not yet */
	seg(&c, true, KX_TCP_SYN, NULL);
	assert_int_equal(s.n, 0);
	c.ts = a.ts + 6000000;          /* 6 s: a is reported, b waits */
	seg(&c, true, KX_TCP_ACK, NULL);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.c[0].cport, 50000);
	assert_int_equal(s.c[0].close, KX_CLOSE_TIMEOUT);
	assert_int_equal(kx_pipeline_conns(a.pl), 2);
	a.ts = c.ts + 1000000;          /* its third try: already reported */
	a.cseq = 100;
	seg(&a, true, KX_TCP_SYN, NULL);
	assert_int_equal(kx_pipeline_conns(a.pl), 2);
	a.cseq = 7777;                  /* a new ISN: a new attempt */
	seg(&a, true, KX_TCP_SYN, NULL);
	assert_int_equal(kx_pipeline_conns(a.pl), 3);
	kx_pipeline_finish(a.pl);
	assert_int_equal(s.n, 4);
	kx_pipeline_free(a.pl);
}

struct compacted {
	int hs, n;
	size_t mem_at_hs, mem_at_close, bound_at_close;
	bool real_at_hs, gone_at_close, kept_at_close, banner_kept;
	bool summarised;
	bool same_at_close;   /* the close reads what the live state said */
	struct kx_ssh_kept at_hs[2];
	struct kx_reasm_kept rs_at_hs[2];
	uint8_t banner_at_hs[2][64];
};

/* Whether two readings of a side agree, the texts by their bytes. */
static bool
kept_equal(const struct kx_ssh_kept *a, const struct kx_ssh_kept *b,
    const uint8_t *banner_a)
{
	return a->anomalies == b->anomalies &&
	    a->prebanner_lines == b->prebanner_lines &&
	    a->msg_count == b->msg_count && a->disc_reason == b->disc_reason &&
	    a->banner_len == b->banner_len && a->proto_off == b->proto_off &&
	    a->proto_len == b->proto_len && a->soft_off == b->soft_off &&
	    a->soft_len == b->soft_len && a->comments_off == b->comments_off &&
	    a->comments_len == b->comments_len &&
	    a->prebanner_first_len == b->prebanner_first_len &&
	    a->disc_desc_len == b->disc_desc_len &&
	    a->proto_major == b->proto_major &&
	    a->proto_minor == b->proto_minor && a->last_msg == b->last_msg &&
	    a->have_banner == b->have_banner &&
	    a->banner_truncated == b->banner_truncated &&
	    a->newkeys == b->newkeys && a->have_disconnect == b->have_disconnect &&
	    a->kex_msg == b->kex_msg && a->have_kexinit == b->have_kexinit &&
	    a->have_hostkey == b->have_hostkey &&
	    a->rs_have_base == b->rs_have_base &&
	    b->banner_len <= 64 && b->banner != NULL &&
	    memcmp(banner_a, b->banner, b->banner_len) == 0;
}

static void
on_hs_compact(struct kx_conn *c, void *arg)
{
	struct compacted *s = arg;

	s->hs++;
	s->mem_at_hs = kx_conn_mem(c);
	for (int side = 0; side < 2; side++) {
		struct kx_ssh_kept tmp;
		const struct kx_ssh_kept *k = kx_conn_kept(c, side, &tmp);

		s->at_hs[side] = *k;
		assert_true(k->banner_len <= sizeof(s->banner_at_hs[side]));
		memcpy(s->banner_at_hs[side], k->banner, k->banner_len);
		(void)kx_conn_reasm_kept(c, side, &s->rs_at_hs[side]);
	}
	s->real_at_hs = kx_conn_ssh(c, KX_CLIENT)->kexinit != NULL &&
	    kx_conn_ssh(c, KX_SERVER)->hostkey != NULL;
}

static void
on_done_compact(struct kx_conn *c, void *arg)
{
	struct compacted *s = arg;
	struct kx_ssh_kept kc, ks;
	const struct kx_ssh_kept *cs = kx_conn_kept(c, KX_CLIENT, &kc);
	const struct kx_ssh_kept *ss = kx_conn_kept(c, KX_SERVER, &ks);

	s->n++;
	s->mem_at_close = kx_conn_mem(c);
	s->summarised = kx_conn_summarised(c);
	s->same_at_close = true;
	for (int side = 0; side < 2; side++) {
		struct kx_reasm_kept r;

		(void)kx_conn_reasm_kept(c, side, &r);
		if (!kept_equal(&s->at_hs[side], side == KX_CLIENT ? cs : ss,
		    s->banner_at_hs[side]) ||
		    r.anomalies != s->rs_at_hs[side].anomalies ||
		    r.base_seq != s->rs_at_hs[side].base_seq ||
		    r.ooo_dropped != s->rs_at_hs[side].ooo_dropped ||
		    r.have_base != s->rs_at_hs[side].have_base)
			s->same_at_close = false;
	}
	/* What a summarised connection may hold: its struct, the summary,
	 * the inference state and the two banners, nothing more. */
	s->bound_at_close = sizeof(struct kx_conn) +
	    kx_mem_chunk(kx_hs_sum_size()) +
	    kx_mem_chunk(sizeof(struct kx_infer_conn)) +
	    kx_mem_chunk(cs->banner_len) + kx_mem_chunk(ss->banner_len);
	/* Summarised: only whether they were seen is kept. */
	s->gone_at_close = s->summarised && cs->have_kexinit &&
	    ss->have_kexinit && ss->have_hostkey;
	s->kept_at_close = !s->summarised &&
	    kx_conn_ssh(c, KX_CLIENT)->kexinit != NULL &&
	    kx_conn_ssh(c, KX_SERVER)->hostkey != NULL;
	s->banner_kept = cs->have_banner && ss->have_banner && cs->newkeys &&
	    ss->newkeys && cs->banner_len > 8 &&
	    memcmp(cs->banner, "SSH-2.0-", 8) == 0;
}

struct sizes {
	int n;
	bool hs_absent;
	size_t mem;
};

static void
on_done_size(struct kx_conn *c, void *arg)
{
	struct sizes *s = arg;

	s->n++;
	s->hs_absent = c->hs == NULL;
	s->mem = kx_conn_mem(c);
}

/* A connection that carried no payload (SYN, SYN-ACK, ACK, FIN both
 * ways) holds no reassembly or parser state: the struct alone, in its
 * allocator chunk (docs/limits.md "Memory": 240 bytes, 288 before the
 * counts of later stages moved to struct kx_hs; the table slot comes on
 * top). */
static void
test_half_open_is_small(void **state)
{
	struct sizes s = { 0 };
	struct kx_pipeline_config cfg = { .nports = 0 };
	struct tcpctx t = { .cip = 1, .sip = 2, .cport = 50000, .sport = 22,
	    .cseq = 1, .sseq = 1 };

	(void)state;
	assert_true(kx_parse_ports("22", &cfg));
	t.pl = kx_pipeline_new(&cfg, on_done_size, &s);
	assert_non_null(t.pl);
	handshake(&t);
	seg(&t, true, KX_TCP_FIN | KX_TCP_ACK, NULL);
	seg(&t, false, KX_TCP_FIN | KX_TCP_ACK, NULL);
	assert_int_equal(s.n, 1);
	assert_true(s.hs_absent);
	assert_int_equal(s.mem, sizeof(struct kx_conn));
	assert_in_range(s.mem, 1, 240);
	kx_pipeline_free(t.pl);
}

/* An RFC 5656 4 KEX_ECDH_REPLY: K_S (an ssh-ed25519 key), Q_S, signature. */
static uint32_t
ecdh_reply(uint8_t *out)
{
	static const char alg[] = "ssh-ed25519";
	uint32_t n = 0;

	out[n++] = 31;
	kxf_put32(out + n, 4 + 11 + 4 + 32);      /* K_S */
	n += 4;
	kxf_put32(out + n, 11);
	memcpy(out + n + 4, alg, 11);
	n += 15;
	kxf_put32(out + n, 32);
	memset(out + n + 4, 0x11, 32);
	n += 36;
	kxf_put32(out + n, 32);                   /* Q_S */
	memset(out + n + 4, 0x22, 32);
	n += 36;
	kxf_put32(out + n, 4 + 11 + 4 + 64);      /* signature */
	n += 4;
	kxf_put32(out + n, 11);
	memcpy(out + n + 4, alg, 11);
	n += 15;
	kxf_put32(out + n, 64);
	memset(out + n + 4, 0x33, 64);
	n += 68;
	return n;
}

/* kx_pipeline_on_handshake_last: once the handshake callback has run,
 * the handshake state is summarised (kx_conn_hs_summarise): both KEXINIT
 * copies and the host key are freed (stand-ins say they were seen), so
 * are the reassembly and parser state; the banners and the parser's flags
 * stay for the close, and the connection holds no more than its struct,
 * the summary, the inference state and the banners. With
 * kx_pipeline_on_handshake nothing is freed. */
static void
test_compact_after_handshake(void **state)
{
	(void)state;
	for (int last = 0; last < 2; last++) {
		struct compacted s = { 0 };
		struct kx_pipeline_config cfg = { .nports = 0 };
		struct kx_pipeline *pl;
		struct kxf_conn k;
		uint8_t reply[256];
		uint32_t reply_len;

		assert_true(kx_parse_ports("22", &cfg));
		pl = kx_pipeline_new(&cfg, on_done_compact, &s);
		assert_non_null(pl);
		if (last)
			kx_pipeline_on_handshake_last(pl, on_hs_compact);
		else
			kx_pipeline_on_handshake(pl, on_hs_compact);
		kxf_init(&k, pl);
		kxf_open(&k);
		kxf_banners(&k);
		kxf_kexinits(&k, kxf_lists, kxf_lists);
		kxf_kex(&k, false);   /* client's INIT, an empty reply: ignored */
		reply_len = ecdh_reply(reply);
		kxf_msg(&k, KX_SERVER, reply, reply_len);
		kxf_newkeys(&k, KX_SERVER);
		kxf_newkeys(&k, KX_CLIENT);
		assert_int_equal(s.hs, 1);
		assert_true(s.real_at_hs);
		kxf_fins(&k, KX_CLIENT);
		kx_pipeline_finish(pl);
		assert_int_equal(s.n, 1);
		assert_true(s.banner_kept);
		/* Summarised or not, the close reads what the parser said. */
		assert_true(s.same_at_close);
		if (last) {
			assert_true(s.gone_at_close);
			assert_true(s.mem_at_close < s.mem_at_hs);
			/* Summarised: the reassembly and parser state are
			 * gone, not only the KEXINITs and host key. */
			assert_true(s.summarised);
			assert_true(s.mem_at_close <= s.bound_at_close);
			assert_true(s.mem_at_close <
			    sizeof(struct kx_conn) +
			    kx_mem_chunk(sizeof(struct kx_hs)));
		} else {
			assert_false(s.summarised);
			assert_true(s.kept_at_close);
		}
		kx_pipeline_free(pl);
	}
}

/* --port: a listed odd port is SSH even with no banner (refused SYN). */
static void
test_port_list_and_refused(void **state)
{
	struct seen s = { 0 };
	struct tcpctx t = { .cip = 1, .sip = 2, .cport = 50000, .sport = 2222,
	    .cseq = 1, .sseq = 0 };

	(void)state;
	t.pl = new_pipeline(&s, "22,2222");
	seg(&t, true, KX_TCP_SYN, NULL);
	seg(&t, false, KX_TCP_RST | KX_TCP_ACK, NULL);
	kx_pipeline_finish(t.pl);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.c[0].close, KX_CLOSE_RST);
	assert_int_equal(s.c[0].closed_by, KX_SERVER);
	assert_int_equal(s.c[0].after.side, -1);
	assert_false(s.c[0].cbanner || s.c[0].sbanner);
	kx_pipeline_free(t.pl);
}

/* A session already under way: the client is the side talking to port 22,
 * and the encrypted bytes are not parsed as a banner. */
static void
test_midstream(void **state)
{
	struct seen s = { 0 };
	struct tcpctx t = { .cip = 1, .sip = 2, .cport = 50000, .sport = 22,
	    .cseq = 77, .sseq = 99 };
	char junk[200];

	(void)state;
	memset(junk, 'Z', sizeof(junk) - 1);
	junk[sizeof(junk) - 1] = '\0';
	t.pl = new_pipeline(&s, "22");
	seg(&t, false, KX_TCP_ACK, junk);
	seg(&t, true, KX_TCP_ACK, junk);
	kx_pipeline_finish(t.pl);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.c[0].cport, 50000);
	assert_true(s.c[0].midstream);
	assert_true(kx_anom_has(s.c[0].anoms, KX_ANOM_FLOW_MIDSTREAM));
	assert_false(kx_anom_has(s.c[0].anoms, KX_ANOM_SSH_BANNER_CLIENT_PREBANNER));
	assert_false(s.c[0].cbanner);
	kx_pipeline_free(t.pl);
}

static void
test_bad_port_lists(void **state)
{
	struct kx_pipeline_config cfg;

	(void)state;
	assert_false(kx_parse_ports("", &cfg));
	assert_false(kx_parse_ports("0", &cfg));
	assert_false(kx_parse_ports("65536", &cfg));
	assert_false(kx_parse_ports("22,x", &cfg));
	assert_false(kx_parse_ports("22;23", &cfg));
	assert_true(kx_parse_ports("22,2222,65535", &cfg));
	assert_int_equal(cfg.nports, 3);
	assert_int_equal(cfg.ports[2], 65535);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port22_banners_and_fin),
		cmocka_unit_test(test_content_detection),
		cmocka_unit_test(test_content_detection_split_banner),
		cmocka_unit_test(test_port_reuse_new_isn),
		cmocka_unit_test(test_handshake_timeout),
		cmocka_unit_test(test_attempt_timeout),
		cmocka_unit_test(test_compact_after_handshake),
		cmocka_unit_test(test_half_open_is_small),
		cmocka_unit_test(test_port_list_and_refused),
		cmocka_unit_test(test_midstream),
		cmocka_unit_test(test_bad_port_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
