/* Sweeps over the recorded captures (STYLE 14, issue 6), in process through
 * the pipeline API with frames read by pcap_open_offline:
 *
 * - truncation: every proper prefix of each capture's handshake stream
 *   (both directions' TCP payload up to the message that settles the
 *   verdict, in capture order, cut at every byte) gives INCOMPLETE, never
 *   another verdict and never a crash; the whole stream gives the verdict
 *   of the whole capture;
 * - bit flips: 10,000 seeded runs per capture, each with one to four bits
 *   flipped in the frames or their wire lengths, through decode, flow,
 *   reasm, ssh, analysis and both reports, never crash (the sanitizer build
 *   aborts on any memory error) and leave no connection memory accounted.
 *
 * usage: test_sweep PCAPS_DIR */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include <cmocka.h>

#include "kexray/stream/pipeline.h"
#include "kexray/report/report.h"
#include "kx_frames.h"
#include "kx_test.h"

#define FLIP_RUNS 10000
/* The hostile captures are swept too, fewer times each. */
#define FLIP_RUNS_ADVERSARIAL 1000
#define STREAM_MAX 65536u

static const char *pcaps_dir;

struct frame {
	int dlt;
	uint32_t caplen, wirelen;
	uint64_t ts;
	uint8_t *data;
};

struct capture {
	char name[128];
	struct frame *f;
	size_t n;
	size_t bytes;   /* sum of caplen */
};

/* Reads every frame libpcap hands out (up to damage at the end). */
static void
load(const char *path, const char *name, struct capture *cap)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	size_t alloc = 64;
	pcap_t *p;
	int dlt;

	memset(cap, 0, sizeof(*cap));
	snprintf(cap->name, sizeof(cap->name), "%s", name);
	p = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_MICRO, err);
	if (p == NULL)
		return;   /* unreadable header: nothing to feed */
	dlt = pcap_datalink(p);
	cap->f = calloc(alloc, sizeof(*cap->f));
	assert_non_null(cap->f);
	while (pcap_next_ex(p, &h, &d) == 1) {
		struct frame *fr;

		if (cap->n == alloc) {
			alloc *= 2;
			cap->f = realloc(cap->f, alloc * sizeof(*cap->f));
			assert_non_null(cap->f);
		}
		fr = &cap->f[cap->n++];
		fr->dlt = dlt;
		fr->caplen = h->caplen;
		fr->wirelen = h->len;
		fr->ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
		fr->data = malloc(h->caplen > 0 ? h->caplen : 1);
		assert_non_null(fr->data);
		memcpy(fr->data, d, h->caplen);
		cap->bytes += h->caplen;
	}
	pcap_close(p);
}

static void
unload(struct capture *cap)
{
	for (size_t i = 0; i < cap->n; i++)
		free(cap->f[i].data);
	free(cap->f);
}

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The captures in dir, sorted by name (readdir order is arbitrary). */
static int
list_captures(const char *dir, char names[][128], int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL && n < max) {
		if (!has_suffix(e->d_name, ".pcap") && !has_suffix(e->d_name, ".pcapng"))
			continue;
		if (snprintf(names[n], 128, "%s", e->d_name) < 128)
			n++;
	}
	closedir(d);
	qsort(names, (size_t)n, 128, by_name);
	return n;
}

/* ------------------------------------------------------------ verdicts */

struct outcome {
	int records;
	enum kx_verdict_kind kind;   /* of the last record */
	FILE *sink;                  /* reports go here (bit flips), or NULL */
};

static void
on_done(struct kx_conn *c, void *arg)
{
	struct outcome *o = arg;
	struct kx_verdict v;

	kx_analyze(c, &v);
	o->records++;
	o->kind = v.kind;
	if (o->sink != NULL) {
		kx_report_json(o->sink, c, &v);
		kx_report_text(o->sink, c, &v);
		/* The other formats get the same hostile connections. */
		kx_report_brief(o->sink, c, &v, NULL);
		kx_report_zeek(o->sink, c, &v);
		kx_report_eve(o->sink, c, &v);
	}
}

/* ---------------------------------------------------- truncation sweep */

struct seg {
	int side;            /* KX_CLIENT / KX_SERVER */
	uint32_t off;        /* stream offset of data[0] */
	uint32_t len;
	const uint8_t *data;
};

struct conv {
	uint8_t addr[2][16];
	uint8_t ipv;
	uint16_t port[2];
	uint32_t isn[2];
	struct seg *segs;
	size_t nsegs;
	/* each direction's bytes, first copy wins, and how far they are whole */
	uint8_t stream[2][STREAM_MAX];
	uint8_t have[2][STREAM_MAX];
	uint32_t whole[2];
};

static bool
same_ep(const struct kx_packet *pkt, const struct conv *cv, int side)
{
	return pkt->sport == cv->port[side] &&
	    memcmp(pkt->src, cv->addr[side], 16) == 0;
}

/* The capture's one connection: its SYN sender is the client. Collects the
 * payload of every frame before the first FIN or RST. Returns false when
 * the capture has no SYN (nothing to sweep from the start). */
static bool
conversation(const struct capture *cap, struct conv *cv)
{
	bool syn = false, synack = false;

	memset(cv, 0, sizeof(*cv));
	cv->segs = calloc(cap->n + 1, sizeof(*cv->segs));
	assert_non_null(cv->segs);
	for (size_t i = 0; i < cap->n; i++) {
		const struct frame *fr = &cap->f[i];
		struct kx_packet pkt;
		int side;

		if (kx_decode(fr->dlt, fr->data, fr->caplen, fr->wirelen, &pkt) != KX_OK)
			continue;
		if (!syn) {
			if ((pkt.tcp_flags & (KX_TCP_SYN | KX_TCP_ACK)) != KX_TCP_SYN)
				continue;
			syn = true;
			cv->ipv = pkt.ip_version;
			memcpy(cv->addr[KX_CLIENT], pkt.src, 16);
			memcpy(cv->addr[KX_SERVER], pkt.dst, 16);
			cv->port[KX_CLIENT] = pkt.sport;
			cv->port[KX_SERVER] = pkt.dport;
			cv->isn[KX_CLIENT] = pkt.seq;
			continue;
		}
		if (same_ep(&pkt, cv, KX_CLIENT))
			side = KX_CLIENT;
		else if (same_ep(&pkt, cv, KX_SERVER))
			side = KX_SERVER;
		else
			continue;
		if (pkt.tcp_flags & (KX_TCP_FIN | KX_TCP_RST))
			break;
		if (side == KX_SERVER && (pkt.tcp_flags & KX_TCP_SYN)) {
			synack = true;
			cv->isn[KX_SERVER] = pkt.seq;
			continue;
		}
		if (pkt.payload_len == 0 || !synack)
			continue;
		/* RFC 9293 3.4: the SYN took one sequence number. */
		struct seg *s = &cv->segs[cv->nsegs++];
		s->side = side;
		s->off = pkt.seq - cv->isn[side] - 1;
		s->len = pkt.payload_len;
		s->data = pkt.payload;   /* points into the loaded frame */
		for (uint32_t k = 0; k < s->len && s->off + k < STREAM_MAX &&
		    s->off < STREAM_MAX; k++) {
			if (!cv->have[side][s->off + k]) {
				cv->have[side][s->off + k] = 1;
				cv->stream[side][s->off + k] = s->data[k];
			}
		}
	}
	for (int side = 0; side < 2; side++)
		while (cv->whole[side] < STREAM_MAX && cv->have[side][cv->whole[side]])
			cv->whole[side]++;
	return syn && synack;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Where the message with code `code` ends in a direction's stream (RFC
 * 4253 4.2 lines, then 6 binary packets); 0 if it is not there whole. */
static uint32_t
message_end(const struct conv *cv, int side, uint8_t code)
{
	const uint8_t *s = cv->stream[side];
	uint32_t n = cv->whole[side], off = 0;

	/* identification line, after any other lines */
	for (;;) {
		uint32_t start = off;

		while (off < n && s[off] != '\n')
			off++;
		if (off == n)
			return 0;
		off++;
		if (off - start >= 4 && memcmp(s + start, "SSH-", 4) == 0)
			break;
	}
	while (off + 6 <= n) {
		uint32_t plen = be32(s + off);

		if (plen > 35000 || off + 4 + plen > n)
			return 0;
		if (s[off + 5] == code)
			return off + 4 + plen;
		off += 4 + plen;
	}
	return 0;
}

struct framer {
	struct kx_pipeline *pl;
	const struct conv *cv;
	uint64_t ts, no;
};

/* An Ethernet/IPv4/TCP frame of the conversation, the original ports and
 * sequence numbers, fixed documentation addresses. */
static void
send_seg(struct framer *fm, int side, uint8_t flags, uint32_t seq,
    const uint8_t *data, uint32_t len)
{
	static uint8_t f[14 + 20 + 20 + 65536];
	uint32_t caddr = 0xc0000201u, saddr = 0xc6336401u;
	struct kxf_tcp h = { .saddr = side == KX_CLIENT ? caddr : saddr,
	    .daddr = side == KX_CLIENT ? saddr : caddr,
	    .sport = fm->cv->port[side], .dport = fm->cv->port[!side],
	    .seq = seq, .ack = fm->cv->isn[!side] + 1, .flags = flags,
	    .ttl = 64, .win = 65535 };
	uint32_t n;

	assert_true(len <= 65536 - 40);
	n = kxf_frame(f, sizeof(f), &h, data, len);
	kx_pipeline_frame(fm->pl, DLT_EN10MB, f, n, n, fm->ts += 100, ++fm->no);
}

static struct kx_pipeline *
pipeline_for(const struct conv *cv, struct outcome *o)
{
	struct kx_pipeline_config cfg = { .ports = { 22 }, .nports = 1 };
	struct kx_pipeline *pl;

	if (cv->port[KX_SERVER] != 22)
		cfg.ports[cfg.nports++] = cv->port[KX_SERVER];
	pl = kx_pipeline_new(&cfg, on_done, o);
	assert_non_null(pl);
	return pl;
}

/* Feeds the handshake, then the first `budget` bytes of the trimmed
 * segments in capture order; no FIN, no RST. Returns the verdict. */
static enum kx_verdict_kind
run_prefix(const struct conv *cv, const uint32_t end[2], uint32_t budget,
    int *records)
{
	struct outcome o = { 0 };
	struct framer fm = { .cv = cv, .ts = 1700000000000000ull };

	fm.pl = pipeline_for(cv, &o);
	send_seg(&fm, KX_CLIENT, KX_TCP_SYN, cv->isn[KX_CLIENT], NULL, 0);
	send_seg(&fm, KX_SERVER, KX_TCP_SYN | KX_TCP_ACK, cv->isn[KX_SERVER], NULL, 0);
	send_seg(&fm, KX_CLIENT, KX_TCP_ACK, cv->isn[KX_CLIENT] + 1, NULL, 0);
	for (size_t i = 0; i < cv->nsegs && budget > 0; i++) {
		const struct seg *s = &cv->segs[i];
		uint32_t len = s->len;

		if (s->off >= end[s->side])
			continue;
		if (len > end[s->side] - s->off)
			len = end[s->side] - s->off;
		if (len > budget)
			len = budget;
		send_seg(&fm, s->side, KX_TCP_PSH | KX_TCP_ACK,
		    cv->isn[s->side] + 1 + s->off, s->data, len);
		budget -= len;
	}
	kx_pipeline_finish(fm.pl);
	kx_pipeline_free(fm.pl);
	*records = o.records;
	return o.kind;
}

static void
test_truncation_sweep(void **state)
{
	static char names[64][128];
	int n = list_captures(pcaps_dir, names, 64), swept = 0;
	static struct conv cv;

	(void)state;
	for (int i = 0; i < n; i++) {
		char path[1024];
		struct capture cap;
		enum kx_verdict_kind full;
		uint32_t end[2], total = 0, inf[2] = { STREAM_MAX, STREAM_MAX };
		int records;

		assert_true(snprintf(path, sizeof(path), "%s/%s", pcaps_dir,
		    names[i]) < (int)sizeof(path));
		load(path, names[i], &cap);
		if (!conversation(&cap, &cv)) {
			print_message("# %s: no SYN and SYN-ACK, not swept\n", names[i]);
			free(cv.segs);
			unload(&cap);
			continue;
		}
		/* The verdict of the whole stream, without the close. */
		full = run_prefix(&cv, inf, UINT32_MAX, &records);
		assert_int_equal(records, 1);
		/* Where that verdict is settled: NEWKEYS both ways for OK, both
		 * KEXINITs for MISMATCH; otherwise nothing settles it. */
		for (int side = 0; side < 2; side++) {
			if (full == KX_V_OK)
				end[side] = message_end(&cv, side, KX_MSG_NEWKEYS);
			else if (full == KX_V_MISMATCH)
				end[side] = message_end(&cv, side, KX_MSG_KEXINIT);
			else
				end[side] = cv.whole[side];
			if (full == KX_V_OK || full == KX_V_MISMATCH)
				assert_true(end[side] > 0);
		}
		for (size_t k = 0; k < cv.nsegs; k++) {
			const struct seg *s = &cv.segs[k];

			if (s->off < end[s->side])
				total += s->len < end[s->side] - s->off ?
				    s->len : end[s->side] - s->off;
		}
		/* The settling stream alone gives the same verdict ... */
		assert_int_equal(run_prefix(&cv, end, total, &records), full);
		/* ... and none of its proper prefixes gives any other. */
		for (uint32_t b = 0; b < total; b++) {
			enum kx_verdict_kind k = run_prefix(&cv, end, b, &records);

			if (records != 1 || k != KX_V_INCOMPLETE)
				fail_msg("%s: prefix of %u of %u bytes gave %d records, "
				    "verdict %s (want one INCOMPLETE)", names[i], b,
				    total, records, kx_verdict_names[k]);
		}
		print_message("# %s: %u prefixes INCOMPLETE, whole stream %s\n",
		    names[i], total, kx_verdict_names[full]);
		swept++;
		free(cv.segs);
		unload(&cap);
	}
	/* Not vacuous: the recorded captures all start with a SYN. */
	assert_true(swept >= 12);
}

/* ------------------------------------------------------------ bit flips */

/* One run over the capture; returns the connection memory accounted at
 * the end (must be what an empty run leaves). */
static uint64_t
run_capture(const struct capture *cap, struct outcome *o)
{
	struct kx_pipeline_config cfg = { .ports = { 22 }, .nports = 1 };
	struct kx_pipeline *pl = kx_pipeline_new(&cfg, on_done, o);
	uint64_t left;

	assert_non_null(pl);
	for (size_t i = 0; i < cap->n; i++)
		kx_pipeline_frame(pl, cap->f[i].dlt, cap->f[i].data, cap->f[i].caplen,
		    cap->f[i].wirelen, cap->f[i].ts, i + 1);
	kx_pipeline_finish(pl);
	assert_int_equal(kx_pipeline_stats(pl)->frames, cap->n);
	left = kx_pipeline_stats(pl)->caps.mem_used;
	kx_pipeline_free(pl);
	return left;
}

/* Bit b of the capture: frame bytes first, then each frame's wire length
 * (a file's record header is as untrusted as its packets). */
static void
flip(struct capture *cap, uint64_t b)
{
	for (size_t i = 0; i < cap->n; i++) {
		uint64_t nb = (uint64_t)cap->f[i].caplen * 8;

		if (b < nb) {
			cap->f[i].data[b / 8] ^= (uint8_t)(1u << (b % 8));
			return;
		}
		b -= nb;
	}
	cap->f[b / 32 % cap->n].wirelen ^= 1u << (b % 32);
}

static void
flip_sweep(const char *dir, int runs, int min_captures)
{
	static char names[64][128];
	int n = list_captures(dir, names, 64), done = 0;
	struct outcome empty = { 0 };
	struct capture none = { .n = 0 };
	uint64_t base;
	FILE *sink = fopen("/dev/null", "w");

	assert_non_null(sink);
	base = run_capture(&none, &empty);
	for (int i = 0; i < n; i++) {
		char path[1024];
		struct capture cap;
		uint64_t seed = 0x5eed0000u + (uint64_t)i, bits;
		uint64_t records = 0;

		assert_true(snprintf(path, sizeof(path), "%s/%s", dir, names[i]) <
		    (int)sizeof(path));
		load(path, names[i], &cap);
		if (cap.n == 0) {
			unload(&cap);
			continue;
		}
		bits = (uint64_t)cap.bytes * 8 + (uint64_t)cap.n * 32;
		for (int r = 0; r < runs; r++) {
			struct outcome o = { .sink = sink };
			uint64_t at[4];
			int k = 1 + (int)(kxt_rand(&seed) % 4);

			for (int j = 0; j < k; j++) {
				at[j] = kxt_rand(&seed) % bits;
				flip(&cap, at[j]);
			}
			/* No connection memory may stay accounted after a run. */
			assert_int_equal(run_capture(&cap, &o), base);
			records += (uint64_t)o.records;
			for (int j = k - 1; j >= 0; j--)
				flip(&cap, at[j]);   /* undo: the next run starts clean */
		}
		print_message("# %s: %d runs, %llu records\n", names[i], runs,
		    (unsigned long long)records);
		done++;
		unload(&cap);
	}
	fclose(sink);
	assert_true(done >= min_captures);
}

static void
test_bit_flips_recorded(void **state)
{
	(void)state;
	flip_sweep(pcaps_dir, FLIP_RUNS, 12);
}

static void
test_bit_flips_adversarial(void **state)
{
	char dir[1024];

	(void)state;
	assert_true(snprintf(dir, sizeof(dir), "%s/adversarial", pcaps_dir) <
	    (int)sizeof(dir));
	flip_sweep(dir, FLIP_RUNS_ADVERSARIAL, 20);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncation_sweep),
		cmocka_unit_test(test_bit_flips_recorded),
		cmocka_unit_test(test_bit_flips_adversarial),
	};

	if (argc != 2) {
		fputs("usage: test_sweep PCAPS_DIR\n", stderr);
		return 2;
	}
	pcaps_dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
