/* The table-wide caps (docs/limits.md) through the pipeline API:
 * --max-conns and --max-memory evict the least recently active connection,
 * report it marked evicted and count it; and the memory the flow table
 * accounts is exactly what the connections hold on the heap.
 *
 * That last test links with -Wl,--wrap for malloc, calloc, realloc and
 * free (tests/meson.build), so every allocation the kexray code makes goes
 * through the counters below; after every frame of every capture the live
 * bytes (in kx_mem_chunk terms) must equal what kx_flow_settle accounted.
 * A new per-connection allocation that kx_conn_mem does not count fails
 * here.
 *
 * usage: test_limits PCAPS_DIR */
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
#include "kx_frames.h"

static const char *pcaps_dir;

/* ------------------------------------------------------ heap counting */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

/* Each block carries its requested size in a 16-byte header (keeps the
 * 16-byte alignment malloc gives). */
#define HDR 16u
#define MAGIC 0x6b78686561707821ull

static int64_t live;   /* sum of kx_mem_chunk(size) of live blocks */

void *
__wrap_malloc(size_t n)
{
	uint8_t *p;

	if (n > SIZE_MAX - HDR || (p = __real_malloc(n + HDR)) == NULL)
		return NULL;
	((uint64_t *)(void *)p)[0] = n;
	((uint64_t *)(void *)p)[1] = MAGIC;
	live += (int64_t)kx_mem_chunk(n);
	return p + HDR;
}

void *
__wrap_calloc(size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	if ((p = __wrap_malloc(n * size)) != NULL)
		memset(p, 0, n * size);
	return p;
}

void
__wrap_free(void *p)
{
	uint8_t *b;

	if (p == NULL)
		return;
	b = (uint8_t *)p - HDR;
	assert_true(((uint64_t *)(void *)b)[1] == MAGIC);
	live -= (int64_t)kx_mem_chunk(((uint64_t *)(void *)b)[0]);
	((uint64_t *)(void *)b)[1] = 0;
	__real_free(b);
}

void *
__wrap_realloc(void *p, size_t n)
{
	void *q;
	size_t old;

	if (p == NULL)
		return __wrap_malloc(n);
	old = ((const uint64_t *)(const void *)((uint8_t *)p - HDR))[0];
	if ((q = __wrap_malloc(n)) == NULL)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	__wrap_free(p);
	return q;
}

/* ------------------------------------------------------------ frames */

struct seen {
	int n, evicted;
	uint16_t evicted_port[64];
	int summarised;   /* left the table summarised (kx_conn_hs_summarise) */
};

/* Connections that left the table summarised, over every capture the
 * accounting test ran: the summary's block and texts were checked too. */
static int summarised_total;

static void
on_hs(struct kx_conn *c, void *arg)
{
	(void)c;
	(void)arg;
}

static void
on_done(struct kx_conn *c, void *arg)
{
	struct seen *s = arg;

	s->n++;
	if (kx_conn_summarised(c))
		s->summarised++;
	if (c->evicted) {
		assert_true(kx_anom_has(c->anomalies, KX_ANOM_FLOW_EVICTED));
		if (s->evicted < 64)
			s->evicted_port[s->evicted] = c->ep[KX_CLIENT].port;
		s->evicted++;
	}
}

/* A segment between 10.0.(cport>>8).(cport&255):cport and 10.9.9.9:22. */
static void
seg(struct kx_pipeline *pl, uint16_t cport, bool from_client, uint8_t flags,
    uint32_t seq, const char *data, uint64_t *ts)
{
	uint8_t f[1600];
	uint32_t caddr = 0x0a000000u | cport, saddr = 0x0a090909u;
	struct kxf_tcp h = { .saddr = from_client ? caddr : saddr,
	    .daddr = from_client ? saddr : caddr,
	    .sport = from_client ? cport : 22, .dport = from_client ? 22 : cport,
	    .seq = seq, .flags = flags, .ttl = 64 };
	uint32_t n = kxf_frame(f, sizeof(f), &h, data,
	    data != NULL ? strlen(data) : 0);

	*ts += 1000;
	kx_pipeline_frame(pl, DLT_EN10MB, f, n, n, *ts, *ts / 1000);
}

/* --max-conns 3: the fourth connection evicts the least recently active
 * one, which is not the oldest once the oldest has been active again. */
static void
test_max_conns_evicts_lru(void **state)
{
	struct kx_pipeline_config cfg = { .ports = { 22 }, .nports = 1, .max_conns = 3 };
	struct seen s = { 0 };
	struct kx_pipeline *pl = kx_pipeline_new(&cfg, on_done, &s);
	uint64_t ts = 1700000000000000ull;

	(void)state;
	assert_non_null(pl);
	for (uint16_t p = 1001; p <= 1003; p++)
		seg(pl, p, true, KX_TCP_SYN, 100, NULL, &ts);
	seg(pl, 1001, false, KX_TCP_SYN | KX_TCP_ACK, 500, NULL, &ts);
	assert_int_equal(s.n, 0);
	seg(pl, 1004, true, KX_TCP_SYN, 100, NULL, &ts);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.evicted, 1);
	assert_int_equal(s.evicted_port[0], 1002);   /* not 1001: it answered */
	assert_int_equal(kx_pipeline_stats(pl)->caps.evicted_conns, 1);
	assert_int_equal(kx_pipeline_stats(pl)->caps.evicted_memory, 0);
	kx_pipeline_finish(pl);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.evicted, 1);   /* the rest end with the capture */
	kx_pipeline_free(pl);
}

/* --max-memory 16 (the floor): connection state stays within its budget,
 * (16 - 8) MiB less the allocator's share, after every frame; connections
 * are evicted oldest first, each counted once. */
static void
test_max_memory_evicts_lru(void **state)
{
	const uint64_t mib = 1024u * 1024u;
	const uint64_t budget = (KX_MEMORY_MIN_MIB - KX_MEMORY_RESERVE_MIB) * mib /
	    100u * (100u - KX_MEMORY_FRAG_PCT);
	struct kx_pipeline_config cfg = { .ports = { 22 }, .nports = 1,
	    .max_memory = KX_MEMORY_MIN_MIB * mib };
	struct seen s = { 0 };
	struct kx_pipeline *pl = kx_pipeline_new(&cfg, on_done, &s);
	uint64_t ts = 1700000000000000ull, peak = 0;
	const struct kx_stats *st;
	uint16_t p;

	(void)state;
	assert_non_null(pl);
	st = kx_pipeline_stats(pl);
	for (p = 1; p < 20000 && s.evicted < 64; p++) {
		/* a banner each way makes the connection hold buffers */
		seg(pl, p, true, KX_TCP_SYN, 100, NULL, &ts);
		seg(pl, p, false, KX_TCP_SYN | KX_TCP_ACK, 500, NULL, &ts);
		seg(pl, p, false, KX_TCP_PSH | KX_TCP_ACK, 501, "SSH-2.0-x\r\n", &ts);
		assert_true(st->caps.mem_used <= budget);
		if (st->caps.mem_used > peak)
			peak = st->caps.mem_used;
	}
	assert_int_equal(s.evicted, 64);
	for (int i = 0; i < 64; i++)
		assert_int_equal(s.evicted_port[i], i + 1);   /* oldest first */
	assert_int_equal(st->caps.evicted_memory, 64);
	assert_int_equal(st->caps.evicted_conns, 0);
	assert_true(peak > budget - budget / 50);   /* it did fill up */
	assert_true(st->caps.mem_peak >= peak && st->caps.mem_peak <= budget);
	kx_pipeline_finish(pl);
	assert_int_equal(s.n, (int)p - 1);
	kx_pipeline_free(pl);
}

/* ----------------------------------------------- accounting vs the heap */

static bool
is_capture(const char *s)
{
	size_t n = strlen(s);

	return (n > 5 && strcmp(s + n - 5, ".pcap") == 0) ||
	    (n > 7 && strcmp(s + n - 7, ".pcapng") == 0);
}

/* Runs one capture; after every frame the heap the pipeline gained since
 * it was created equals the growth of the memory it accounts. */
static int
check_capture(const char *path, bool evidence)
{
	struct kx_pipeline_config cfg = { .ports = { 22 }, .nports = 1,
	    .keep_evidence = evidence };
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	struct seen s = { 0 };
	struct kx_pipeline *pl;
	int64_t live0, live1 = 0, used1 = 0;
	uint64_t n = 0;
	pcap_t *p;

	if ((p = pcap_open_offline(path, err)) == NULL)
		return 0;
	pl = kx_pipeline_new(&cfg, on_done, &s);
	assert_non_null(pl);
	/* As kexray runs: a handshake record at NEWKEYS, after which the
	 * handshake state is summarised and the rest freed
	 * (kx_conn_hs_summarise). */
	kx_pipeline_on_handshake_last(pl, on_hs);
	live0 = live;
	while (pcap_next_ex(p, &h, &d) == 1) {
		int64_t used;

		kx_pipeline_frame(pl, pcap_datalink(p), d, h->caplen, h->len,
		    (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec, ++n);
		/* The pool's free entries are heap too (flow.c). */
		used = (int64_t)(kx_pipeline_stats(pl)->caps.mem_used +
		    kx_pipeline_stats(pl)->caps.mem_spare);
		/* The accounting starts with the first TCP frame (its first
		 * settle); from then on both move together. */
		if (used1 == 0) {
			live1 = live;
			used1 = used;
			continue;
		}
		if (live - live1 != used - used1)
			fail_msg("%s%s frame %llu: heap grew %lld bytes, accounted %lld",
			    path, evidence ? " (-w)" : "", (unsigned long long)n,
			    (long long)(live - live1), (long long)(used - used1));
	}
	kx_pipeline_finish(pl);
	if (used1 != 0)
		assert_int_equal(live - live1,
		    (int64_t)(kx_pipeline_stats(pl)->caps.mem_used +
		    kx_pipeline_stats(pl)->caps.mem_spare) - used1);
	/* Every connection's state freed: only the pool's now free entries
	 * stay until the table goes. */
	assert_int_equal(live - live0,
	    (int64_t)kx_pipeline_stats(pl)->caps.mem_spare);
	summarised_total += s.summarised;
	kx_pipeline_free(pl);
	pcap_close(p);
	return 1;
}

static int
check_dir(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(dp);
	while ((e = readdir(dp)) != NULL) {
		char path[2048];

		if (!is_capture(e->d_name))
			continue;
		assert_true(snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) <
		    (int)sizeof(path));
		n += check_capture(path, false);
		n += check_capture(path, true);
	}
	closedir(dp);
	return n;
}

static void
test_accounting_matches_heap(void **state)
{
	char dir[2048];
	int n;

	(void)state;
	n = check_dir(pcaps_dir);
	assert_true(snprintf(dir, sizeof(dir), "%s/adversarial", pcaps_dir) <
	    (int)sizeof(dir));
	n += check_dir(dir);
	/* recorded and adversarial captures, each with and without -w */
	assert_true(n >= 2 * 30);
	/* Connections past NEWKEYS both ways were among them, so the
	 * summarised state was held against the heap frame by frame. */
	assert_true(summarised_total >= 2 * 10);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_max_conns_evicts_lru),
		cmocka_unit_test(test_max_memory_evicts_lru),
		cmocka_unit_test(test_accounting_matches_heap),
	};

	if (argc != 2) {
		fputs("usage: test_limits PCAPS_DIR\n", stderr);
		return 2;
	}
	pcaps_dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
