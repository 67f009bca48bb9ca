/* Across connections per source (patterns.c, bruteforce.c's attempts):
 * generated connections through the pipeline, each reported once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "kexray/analyze/analyze.h"
#include "kexray/events/bruteforce.h"
#include "kexray/events/events.h"
#include "kexray/events/patterns.h"
#include "kexray/report/records.h"
#include "kx_frames.h"

struct seen {
	struct kx_patterns *pat;
	struct kx_brute *brute;
	int conns;
	int hits[KX_PAT_MAX];
	int hit_at[KX_PAT_MAX];         /* the connection that crossed */
	struct kx_pattern_hit last[KX_PAT_MAX];
	int brute_hits;
	struct kx_brute_hit bh;
	/* What --workers relies on (records.c, brute_queue.h): the ends a
	 * pattern may count are told apart beforehand, and a brute-force
	 * count from a copy without pointers, its failed logins taken
	 * before, is the same count. */
	int relevant;
	struct kx_brute *brute_copy;
	int copy_hits;
	struct kx_brute_hit copy_bh;
};

static void
on_done(struct kx_conn *c, void *arg)
{
	struct seen *s = arg;
	struct kx_close_info ci;
	struct kx_verdict v;
	struct kx_pattern_hit h[KX_PAT_MAX];
	int n;

	if (c->hs_reported) {
		kx_analyze_end(c, &ci);
	} else {
		kx_analyze(c, &v);
		ci = v.close;
	}
	s->conns++;
	n = kx_patterns_note(s->pat, c, ci.phase, h);
	if (kx_patterns_relevant(c, ci.phase))
		s->relevant++;
	else
		assert_int_equal(n, 0);
	if (s->brute_copy != NULL) {
		struct kx_conn cp = *c;
		uint32_t fails = kx_brute_failed(c);

		cp.hs = NULL;
		cp.rare = NULL;
		cp.lru_prev = cp.lru_next = 0;
		if (kx_brute_note_failed(s->brute_copy, &cp, ci.phase, fails,
		    &s->copy_bh))
			s->copy_hits++;
	}
	for (int i = 0; i < n; i++) {
		s->hits[h[i].kind]++;
		s->hit_at[h[i].kind] = s->conns;
		s->last[h[i].kind] = h[i];
	}
	if (s->brute != NULL && kx_brute_note(s->brute, c, ci.phase, &s->bh))
		s->brute_hits++;
}

static void
on_handshake(struct kx_conn *c, void *arg)
{
	(void)c;
	(void)arg;
}

static struct kx_pipeline *
pipeline(struct seen *s)
{
	struct kx_pipeline_config cfg = { .nports = 0 };
	struct kx_pipeline *p;

	assert_true(kx_parse_ports("22", &cfg));
	p = kx_pipeline_new(&cfg, on_done, s);
	assert_non_null(p);
	kx_pipeline_on_handshake_last(p, on_handshake);
	s->pat = kx_patterns_new();
	assert_non_null(s->pat);
	return p;
}

static void
done(struct seen *s, struct kx_pipeline *p)
{
	kx_pipeline_finish(p);
	kx_pipeline_free(p);
	kx_patterns_free(s->pat);
	kx_brute_free(s->brute);
	kx_brute_free(s->brute_copy);
}

/* A new connection on pl from the same client address, the n-th source
 * port, starting at ts. */
static void
begin(struct kxf_conn *k, struct kx_pipeline *pl, int n, uint64_t ts)
{
	kxf_init(k, pl);
	k->h[KX_CLIENT].port = (uint16_t)(40000 + n);
	k->ts = ts;
	kxf_open(k);
	kxf_banners(k);
}

static void
kexinits(struct kxf_conn *k)
{
	kxf_kexinits(k, kxf_lists, kxf_lists);
}

/* n connections from one source, step_us apart from t0, each the way
 * ssh-audit goes: banners and KEXINITs, then the client leaves. */
static void
grabs(struct kxf_conn *k, struct kx_pipeline *pl, int n, uint64_t t0,
    uint64_t step_us)
{
	for (int i = 0; i < n; i++) {
		begin(k, pl, i, t0 + (uint64_t)i * step_us);
		kexinits(k);
		kxf_fins(k, KX_CLIENT);
	}
}

/* ssh-audit's way: banners and KEXINITs, then the client leaves. */
static void
test_scan_once(void **state)
{
	struct seen s = { 0 };
	struct kx_pipeline *pl = pipeline(&s);
	struct kxf_conn k;
	uint64_t t0 = 1700000000ull * 1000000ull;

	(void)state;
	grabs(&k, pl, 8, t0, 200000u);
	done(&s, pl);
	assert_int_equal(s.conns, 8);
	assert_int_equal(s.relevant, 8);
	assert_int_equal(s.hits[KX_PAT_SCAN], 1);
	assert_int_equal(s.hit_at[KX_PAT_SCAN], (int)KX_SCAN_MIN);
	assert_int_equal(s.last[KX_PAT_SCAN].count, KX_SCAN_MIN);
	assert_int_equal(s.last[KX_PAT_SCAN].servers, 1);
	assert_int_equal(s.hits[KX_PAT_DHEAT], 0);
	assert_int_equal(s.hits[KX_PAT_REGRESSHION], 0);
}

/* The same connections a minute apart each: no burst, no scan. */
static void
test_scan_slow_is_none(void **state)
{
	struct seen s = { 0 };
	struct kx_pipeline *pl = pipeline(&s);
	struct kxf_conn k;
	uint64_t t0 = 1700000000ull * 1000000ull;

	(void)state;
	grabs(&k, pl, 8, t0, 60000000u);
	done(&s, pl);
	assert_int_equal(s.conns, 8);
	assert_int_equal(s.hits[KX_PAT_SCAN], 0);
}

/* The client sends its ECDH_INIT after KEXINIT and leaves, 60 times in
 * three seconds: DHEat, once. */
static void
test_dheat(void **state)
{
	struct seen s = { 0 };
	struct kx_pipeline *pl = pipeline(&s);
	struct kxf_conn k;
	uint64_t t0 = 1700000000ull * 1000000ull;
	uint8_t init[37] = { 30, 0, 0, 0, 32 };

	(void)state;
	for (int i = 0; i < 60; i++) {
		begin(&k, pl, i, t0 + (uint64_t)i * 50000u);
		kexinits(&k);
		kxf_msg(&k, KX_CLIENT, init, sizeof(init));
		kxf_rst(&k, KX_CLIENT);
	}
	done(&s, pl);
	assert_int_equal(s.hits[KX_PAT_DHEAT], 1);
	assert_int_equal(s.hit_at[KX_PAT_DHEAT], (int)KX_DHEAT_MIN);
	assert_int_equal(s.last[KX_PAT_DHEAT].count, KX_DHEAT_MIN);
}

/* Twelve connections that never authenticate, each closed by the server
 * after 120 s, against OpenSSH 9.2p1: regreSSHion's pattern. */
static void
test_regresshion(void **state)
{
	struct seen s = { 0 };
	struct kx_pipeline *pl = pipeline(&s);
	struct kxf_conn k[12];
	uint64_t t0 = 1700000000ull * 1000000ull;

	(void)state;
	for (int i = 0; i < 12; i++) {
		begin(&k[i], pl, i, t0 + (uint64_t)i * 1000000u);
		kexinits(&k[i]);
	}
	for (int i = 0; i < 12; i++) {
		k[i].ts = t0 + (uint64_t)i * 1000000u + 120000000u;
		kxf_fins(&k[i], KX_SERVER);
	}
	done(&s, pl);
	assert_int_equal(s.hits[KX_PAT_REGRESSHION], 1);
	assert_int_equal(s.hit_at[KX_PAT_REGRESSHION], (int)KX_REGRESSHION_MIN);
	assert_true(s.last[KX_PAT_REGRESSHION].grace_us >= 119000000u);
	assert_true(s.last[KX_PAT_REGRESSHION].grace_us <= 121000000u);
}

static void
test_regresshion_banner(void **state)
{
	static const struct {
		const char *b;
		bool vulnerable;
	} v[] = {
		{ "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", true },
		{ "SSH-2.0-OpenSSH_8.5p1", true },
		{ "SSH-2.0-OpenSSH_9.7", true },
		{ "SSH-2.0-OpenSSH_9.8p1", false },
		{ "SSH-2.0-OpenSSH_9.8", false },
		{ "SSH-2.0-OpenSSH_8.4p1", false },
		{ "SSH-2.0-OpenSSH_4.3p2", true },
		{ "SSH-2.0-OpenSSH_4.4p1", false },
		{ "SSH-2.0-dropbear_2022.83", false },
		{ "SSH-2.0-OpenSSH_", false },
		{ "SSH-2.0-OpenSSH_9.", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(kx_regresshion_banner((const uint8_t *)v[i].b,
		    (uint32_t)strlen(v[i].b)), v[i].vulnerable);
}

/* One connection, many failed logins (aes128-ctr, hmac-sha2-256 sizes:
 * the "none" probe, then six refused passwords, the client's DISCONNECT): brute force by attempts with a threshold of 5, though
 * it is one connection. */
static void
test_brute_attempts_one_connection(void **state)
{
	struct seen s = { 0 };
	struct kx_pipeline *pl = pipeline(&s);
	struct kxf_conn k;
	static const uint8_t junk[256];

	(void)state;
	s.brute = kx_brute_new(5, 30);
	s.brute_copy = kx_brute_new(5, 30);
	assert_non_null(s.brute);
	assert_non_null(s.brute_copy);
	begin(&k, pl, 0, 1700000000ull * 1000000ull);
	kexinits(&k);
	kxf_kex(&k, true);
	kxf_newkeys(&k, KX_CLIENT);
	kxf_data(&k, KX_CLIENT, KX_TCP_ACK | KX_TCP_PSH, junk, 64);
	kxf_data(&k, KX_SERVER, KX_TCP_ACK | KX_TCP_PSH, junk, 64);
	kxf_data(&k, KX_CLIENT, KX_TCP_ACK | KX_TCP_PSH, junk, 80);
	kxf_data(&k, KX_SERVER, KX_TCP_ACK | KX_TCP_PSH, junk, 80);
	for (int i = 0; i < 6; i++) {
		kxf_data(&k, KX_CLIENT, KX_TCP_ACK | KX_TCP_PSH, junk, 144);
		kxf_data(&k, KX_SERVER, KX_TCP_ACK | KX_TCP_PSH, junk, 80);
	}
	kxf_data(&k, KX_CLIENT, KX_TCP_ACK | KX_TCP_PSH, junk, 64);  /* DISCONNECT */
	kxf_fins(&k, KX_CLIENT);
	done(&s, pl);
	assert_int_equal(s.brute_hits, 1);
	assert_int_equal(s.bh.count, 1);
	assert_int_equal(s.bh.attempts, 6);
	assert_true(s.bh.by_attempts);
	assert_int_equal(s.copy_hits, 1);
	assert_int_equal(s.copy_bh.attempts, 6);
	assert_true(s.copy_bh.by_attempts);
	/* A session: not a pattern's (no scan, no DHEat, no grace close). */
	assert_int_equal(s.relevant, 0);
}

/* The records themselves: the pipeline, events and the one writer as
 * kexray wires them (main.c), JSON Lines into a file read back as it
 * grows (records go out one by one, as live). */
struct rec_run {
	struct kx_records r;
	struct kx_events *ev;
	struct kx_pipeline *pl;
	char path[64];
};

static void
rr_end(struct kx_conn *c, void *arg)
{
	struct rec_run *x = arg;

	kx_records_end(&x->r, x->ev, c);
}

static void
rr_handshake(struct kx_conn *c, void *arg)
{
	struct rec_run *x = arg;

	kx_records_handshake(&x->r, x->ev, c);
}

static void
rr_time(uint64_t now_us, void *arg)
{
	struct rec_run *x = arg;

	kx_records_time(&x->r, x->ev, now_us);
}

static void
rr_start(struct rec_run *x)
{
	struct kx_pipeline_config cfg = { .nports = 0 };
	int fd;

	memset(x, 0, sizeof(*x));
	snprintf(x->path, sizeof(x->path), "/tmp/kx-test-scan-XXXXXX");
	fd = mkstemp(x->path);
	assert_true(fd >= 0);
	close(fd);
	x->r.format = KX_FMT_JSON;
	x->r.out_path = x->path;
	x->r.live = true;
	assert_int_equal(kx_records_open(&x->r, false), 0);
	assert_int_equal(kx_records_begin(&x->r, false), 0);
	x->ev = kx_events_new(0, 0, NULL);
	assert_non_null(x->ev);
	assert_true(kx_parse_ports("22", &cfg));
	x->pl = kx_pipeline_new(&cfg, rr_end, x);
	assert_non_null(x->pl);
	kx_pipeline_on_handshake_last(x->pl, rr_handshake);
	kx_pipeline_on_time(x->pl, rr_time);
}

/* The input's end, as main.c: what is open, then what is held. */
static void
rr_finish(struct rec_run *x)
{
	kx_pipeline_finish(x->pl);
	kx_records_release(&x->r, x->ev);
}

static void
rr_free(struct rec_run *x)
{
	kx_pipeline_free(x->pl);
	assert_true(kx_records_close(&x->r));
	assert_true(kx_events_free(x->ev));
	unlink(x->path);
}

/* How many lines of the output hold each of the strings, the first of
 * them all; and the line number (from 1) of the first line with first,
 * 0 when none. */
static int
rr_count(const struct rec_run *x, const char *a, const char *b, int *first)
{
	char line[65536];
	int n = 0, no = 0;
	FILE *f = fopen(x->path, "r");

	assert_non_null(f);
	if (first != NULL)
		*first = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		no++;
		if (strstr(line, a) == NULL || (b != NULL && strstr(line, b) == NULL))
			continue;
		if (n++ == 0 && first != NULL)
			*first = no;
	}
	fclose(f);
	return n;
}

/* ssh-audit's way, six times in 1.2 s: the scan's record, then six PROBE
 * records, the first five included (held until the fifth crossed), and
 * no problem anywhere: not in the records, the counts, the summary or the
 * exit status's view. */
static void
test_scan_records_no_closed(void **state)
{
	struct rec_run x;
	struct kxf_conn k;
	uint64_t t0 = 1700000000ull * 1000000ull;
	int pat_at, ssh_at;

	(void)state;
	rr_start(&x);
	grabs(&k, x.pl, 6, t0, 200000u);
	rr_finish(&x);
	assert_int_equal(rr_count(&x, "\"type\":\"pattern\"", "\"pattern\":\"scan\"",
	    &pat_at), 1);
	assert_int_equal(rr_count(&x, "\"type\":\"ssh\"", NULL, &ssh_at), 6);
	assert_true(pat_at < ssh_at);   /* the scan's record first */
	assert_int_equal(rr_count(&x, "\"type\":\"ssh\"", "\"verdict\":\"CLOSED\"",
	    NULL), 0);
	assert_int_equal(rr_count(&x, "\"type\":\"ssh\"", "\"verdict\":\"PROBE\"",
	    NULL), 6);
	assert_int_equal(rr_count(&x, "\"type\":\"ssh\"", "one of a scan's",
	    NULL), 6);
	assert_int_equal(rr_count(&x, "\"type\":\"close\"", NULL, NULL), 6);
	assert_int_equal(rr_count(&x, "\"problem\":true", NULL, NULL), 0);
	assert_int_equal(x.ev->counts.problems, 0);
	assert_int_equal(x.ev->counts.by_verdict[KX_V_CLOSED], 0);
	assert_int_equal(x.ev->counts.by_verdict[KX_V_PROBE], 6);
	assert_int_equal(x.ev->counts.shown, 6);
	assert_int_equal(x.ev->sum->problems, 0);
	assert_int_equal(x.ev->sum->by_verdict[KX_V_CLOSED], 0);
	assert_int_equal(x.ev->sum->by_verdict[KX_V_PROBE], 6);
	assert_false(kx_events_any_problem(x.ev, false));
	rr_free(&x);
}

/* Three such connections and then nothing: held (nothing written yet),
 * then at the input's end written as they are, three CLOSED problems. */
static void
test_scan_three_then_nothing(void **state)
{
	struct rec_run x;
	struct kxf_conn k;
	uint64_t t0 = 1700000000ull * 1000000ull;

	(void)state;
	rr_start(&x);
	grabs(&k, x.pl, 3, t0, 200000u);
	assert_int_equal(rr_count(&x, "\"type\":\"ssh\"", NULL, NULL), 0);
	assert_int_equal(rr_count(&x, "\"type\":\"close\"", NULL, NULL), 0);
	rr_finish(&x);
	assert_int_equal(rr_count(&x, "\"type\":\"pattern\"", NULL, NULL), 0);
	assert_int_equal(rr_count(&x, "\"type\":\"ssh\"", "\"verdict\":\"CLOSED\"",
	    NULL), 3);
	assert_int_equal(rr_count(&x, "\"type\":\"ssh\"", "one of a scan's",
	    NULL), 0);
	assert_int_equal(rr_count(&x, "\"type\":\"close\"", NULL, NULL), 3);
	assert_int_equal(x.ev->counts.problems, 3);
	assert_int_equal(x.ev->counts.by_verdict[KX_V_CLOSED], 3);
	assert_int_equal(x.ev->sum->problems, 3);
	assert_true(kx_events_any_problem(x.ev, false));
	rr_free(&x);
}

/* Three such connections, then, 20 s later, another client's: the packet
 * time walk lets the three out as they are once their window is over,
 * though their source sends nothing more, before the other client's own
 * records and before the input's end. */
static void
test_scan_window_over(void **state)
{
	struct rec_run x;
	struct kxf_conn k;
	uint64_t t0 = 1700000000ull * 1000000ull;
	int closed_at, other_at;

	(void)state;
	rr_start(&x);
	grabs(&k, x.pl, 3, t0, 200000u);
	assert_int_equal(rr_count(&x, "\"type\":\"ssh\"", NULL, NULL), 0);
	kxf_init(&k, x.pl);
	k.h[KX_CLIENT].ip = 0xc000020b;   /* 192.0.2.11 */
	k.ts = t0 + 20000000u;
	kxf_open(&k);
	assert_int_equal(rr_count(&x, "\"type\":\"ssh\"", "\"verdict\":\"CLOSED\"",
	    &closed_at), 3);
	assert_int_equal(rr_count(&x, "\"type\":\"close\"", NULL, NULL), 3);
	kxf_banners(&k);
	kexinits(&k);
	kxf_kex(&k, true);
	kxf_newkeys(&k, KX_CLIENT);
	assert_int_equal(rr_count(&x, "\"type\":\"ssh\"", "192.0.2.11",
	    &other_at), 1);
	assert_true(closed_at < other_at);
	rr_finish(&x);
	assert_int_equal(rr_count(&x, "\"type\":\"pattern\"", NULL, NULL), 0);
	assert_int_equal(x.ev->counts.by_verdict[KX_V_CLOSED], 3);
	rr_free(&x);
}

/* KX_SCAN_HOLD_MAX sources, one scan-like connection each, then one more:
 * the hold is full, the oldest goes out as it is (CLOSED); the rest at the
 * input's end. */
static void
test_scan_hold_full(void **state)
{
	struct rec_run x;
	struct kxf_conn k;
	uint64_t t0 = 1700000000ull * 1000000ull;
	int first;

	(void)state;
	rr_start(&x);
	for (uint32_t i = 0; i <= KX_SCAN_HOLD_MAX; i++) {
		kxf_init(&k, x.pl);
		k.h[KX_CLIENT].ip = 0x0a000000u + i;   /* 10.0.0.i */
		k.ts = t0 + (uint64_t)i * 15000u;   /* all in 7.7 s */
		kxf_open(&k);
		kxf_banners(&k);
		kexinits(&k);
		kxf_fins(&k, KX_CLIENT);
		if (i + 1 < KX_SCAN_HOLD_MAX)
			continue;
		assert_int_equal(rr_count(&x, "\"type\":\"ssh\"", NULL, NULL),
		    i + 1 - KX_SCAN_HOLD_MAX);
	}
	assert_int_equal(rr_count(&x, "\"type\":\"ssh\"", "\"verdict\":\"CLOSED\"",
	    &first), 1);
	assert_int_equal(rr_count(&x, "\"type\":\"ssh\"", "\"id.orig_h\":\"10.0.0.0\"",
	    NULL), 1);
	rr_finish(&x);
	assert_int_equal(rr_count(&x, "\"type\":\"ssh\"", "\"verdict\":\"CLOSED\"",
	    NULL), (int)KX_SCAN_HOLD_MAX + 1);
	assert_int_equal(x.ev->counts.problems, KX_SCAN_HOLD_MAX + 1);
	rr_free(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_once),
		cmocka_unit_test(test_scan_slow_is_none),
		cmocka_unit_test(test_dheat),
		cmocka_unit_test(test_regresshion),
		cmocka_unit_test(test_regresshion_banner),
		cmocka_unit_test(test_brute_attempts_one_connection),
		cmocka_unit_test(test_scan_records_no_closed),
		cmocka_unit_test(test_scan_three_then_nothing),
		cmocka_unit_test(test_scan_window_over),
		cmocka_unit_test(test_scan_hold_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
