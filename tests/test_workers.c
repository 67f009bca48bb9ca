/* workers.h and brute_queue.h: the split of frames between workers and the
 * input order of brute-force ends. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <pcap/pcap.h>
#include <cmocka.h>

#include "kexray/events/brute_queue.h"
#include "kexray/stream/workers.h"

/* An Ethernet/IPv4/TCP frame with no payload. */
static size_t
frame(uint8_t *f, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
    uint8_t flags)
{
	memset(f, 0, 54);
	f[12] = 0x08;                       /* IPv4 */
	f[14] = 0x45;
	f[16] = 0;
	f[17] = 40;                         /* total length */
	f[22] = 64;                         /* TTL */
	f[23] = 6;                          /* TCP */
	for (int i = 0; i < 4; i++) {
		f[26 + i] = (uint8_t)(src >> (24 - 8 * i));
		f[30 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	f[34] = (uint8_t)(sport >> 8);
	f[35] = (uint8_t)sport;
	f[36] = (uint8_t)(dport >> 8);
	f[37] = (uint8_t)dport;
	f[41] = 1;                          /* seq */
	f[46] = 0x50;                       /* data offset 5 */
	f[47] = flags;
	f[48] = 0xff;                       /* window */
	return 54;
}

/* Both directions of a connection belong to the same worker, for every
 * worker count; many connections reach every worker. */
static void
test_owner_symmetric(void **state)
{
	uint8_t a[64], b[64];
	unsigned seen[8] = { 0 };
	const uint16_t ssh[1] = { 2222 };

	(void)state;
	for (uint16_t p = 1024; p < 1024 + 400; p++) {
		uint32_t cli = 0x0a000001u + (p % 7), srv = 0x0a0000feu;
		size_t na = frame(a, cli, p, srv, 22, 0x02);
		size_t nb = frame(b, srv, 22, cli, p, 0x12);

		for (unsigned n = 1; n <= 8; n++) {
			unsigned oa = kx_workers_owner(n, ssh, 1, DLT_EN10MB, a,
			    (uint32_t)na, (uint32_t)na);

			assert_true(oa < n);
			assert_int_equal(oa, kx_workers_owner(n, ssh, 1, DLT_EN10MB, b,
			    (uint32_t)nb, (uint32_t)nb));
			if (n == 8)
				seen[oa]++;
		}
	}
	for (int i = 0; i < 8; i++)
		assert_true(seen[i] > 0);
	/* Not TCP: the first worker. */
	memset(a, 0, sizeof(a));
	assert_int_equal(kx_workers_owner(4, ssh, 1, DLT_EN10MB, a, 54, 54), 0);
}

/* To an SSH port from another port: every connection of one client is
 * one worker's (the patterns of a source need no turn), both directions
 * agree, and clients still spread over the workers. Between two SSH ports
 * the endpoints decide, as between two other ports. */
static void
test_owner_by_client(void **state)
{
	uint8_t a[64], b[64];
	const uint16_t ssh[2] = { 22, 2222 };
	unsigned seen[8] = { 0 };

	(void)state;
	for (uint32_t cli = 0x0a000001u; cli < 0x0a000001u + 64; cli++) {
		unsigned first = 99;

		for (uint16_t p = 40000; p < 40050; p++) {
			uint16_t srv_port = (p & 1) ? 22 : 2222;
			uint32_t srv = 0xc6336400u + (p % 5);
			size_t na = frame(a, cli, p, srv, srv_port, 0x02);
			size_t nb = frame(b, srv, srv_port, cli, p, 0x12);
			unsigned oa = kx_workers_owner(8, ssh, 2, DLT_EN10MB, a,
			    (uint32_t)na, (uint32_t)na);

			assert_int_equal(oa, kx_workers_owner(8, ssh, 2,
			    DLT_EN10MB, b, (uint32_t)nb, (uint32_t)nb));
			if (first == 99)
				first = oa;
			assert_int_equal(oa, first);
		}
		seen[first]++;
	}
	for (int i = 0; i < 8; i++)
		assert_true(seen[i] > 0);
	assert_true(kx_workers_by_client(ssh, 2, 40000, 22));
	assert_false(kx_workers_by_client(ssh, 2, 22, 40000));
	assert_false(kx_workers_by_client(ssh, 2, 2222, 22));
	assert_false(kx_workers_by_client(ssh, 2, 40000, 40001));
	/* Between two SSH ports, one client's connections may part. */
	memset(seen, 0, sizeof(seen));
	for (uint16_t p = 0; p < 200; p++) {
		size_t na = frame(a, 0x0a000001u, 22, 0x0a000002u + p, 2222,
		    0x02);
		size_t nb = frame(b, 0x0a000002u + p, 2222, 0x0a000001u, 22,
		    0x12);
		unsigned oa = kx_workers_owner(8, ssh, 2, DLT_EN10MB, a,
		    (uint32_t)na, (uint32_t)na);

		assert_int_equal(oa, kx_workers_owner(8, ssh, 2, DLT_EN10MB, b,
		    (uint32_t)nb, (uint32_t)nb));
		seen[oa]++;
	}
	for (int i = 0; i < 8; i++)
		assert_true(seen[i] > 0);
}

/* Earliest key first, ties as queued, nothing at or past the watermark,
 * and no pointer of the connection travels. */
static void
test_brute_queue_order(void **state)
{
	struct kx_brute_queue *q = kx_brute_queue_new();
	struct kx_brute_item it;
	struct kx_conn c;
	static const uint64_t keys[] = { 50, 10, 30, 10, 70, 20, 30, 90, 10 };
	uint64_t last_key = 0, last_order = 0;
	int n = 0;

	(void)state;
	assert_non_null(q);
	memset(&c, 0, sizeof(c));
	c.hs = (struct kx_hs *)&c;   /* any non-NULL pointer */
	c.rare = (struct kx_conn_rare *)&c;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		c.ts_first = i;
		assert_true(kx_brute_queue_push(q, keys[i], &c, KX_PHASE_AUTH,
		    (uint32_t)i));
	}
	assert_false(kx_brute_queue_pop(q, 10, &it));
	while (kx_brute_queue_pop(q, 70, &it)) {
		assert_true(it.key < 70);
		assert_true(it.key > last_key || (it.key == last_key &&
		    it.order > last_order) || n == 0);
		assert_null(it.conn.hs);
		assert_null(it.conn.rare);
		if (it.key == 10)   /* queued 2nd, 4th, 9th: in that order */
			assert_int_equal(it.conn.ts_first, n == 0 ? 1 : n == 1 ? 3 : 8);
		/* The failed logins taken at the push travel with it. */
		assert_int_equal(it.fails, it.conn.ts_first);
		last_key = it.key;
		last_order = it.order;
		n++;
	}
	assert_int_equal(n, 7);
	assert_true(kx_brute_queue_pop(q, UINT64_MAX, &it));
	assert_int_equal(it.key, 70);
	assert_true(kx_brute_queue_pop(q, UINT64_MAX, &it));
	assert_int_equal(it.key, 90);
	assert_false(kx_brute_queue_pop(q, UINT64_MAX, &it));
	kx_brute_queue_free(q);
}

struct seen {
	unsigned long conns;
	unsigned per_port[2000];
};

static struct seen g_seen[4];

/* Called on a worker's thread; each worker writes only its own counts. */
static void
done0(struct kx_conn *c, void *arg)
{
	struct seen *s = arg;

	s->conns++;
	s->per_port[c->ep[KX_CLIENT].port % 2000]++;
}

/* Frames in, one record per connection out, each connection in exactly
 * one worker, and with three workers every one of them gets some. */
static void
test_split_reports_each_once(void **state)
{
	struct kx_pipeline_config cfg = { .ports = { 22 }, .nports = 1 };
	struct kx_pipeline *pls[3];
	struct kx_workers *w = NULL;
	struct kx_stats st;
	uint8_t f[64];
	uint64_t ts = 1700000000000000ull, no = 0;
	unsigned long total = 0;

	(void)state;
	memset(g_seen, 0, sizeof(g_seen));
	for (int i = 0; i < 3; i++)
		assert_non_null(pls[i] = kx_pipeline_new(&cfg, done0, &g_seen[i]));
	assert_int_equal(kx_workers_start(3, pls, NULL, NULL, NULL, &w), 0);
	assert_non_null(w);
	for (uint16_t p = 1; p <= 1500; p++) {
		uint32_t cli = 0xc0a80001u + p % 13;
		size_t n = frame(f, cli, (uint16_t)(1024 + p), 0xc0a800feu, 22, 0x02);

		kx_workers_frame(w, DLT_EN10MB, f, (uint32_t)n, (uint32_t)n,
		    ts += 10, ++no);
		n = frame(f, 0xc0a800feu, 22, cli, (uint16_t)(1024 + p), 0x14);
		kx_workers_frame(w, DLT_EN10MB, f, (uint32_t)n, (uint32_t)n,
		    ts += 10, ++no);
	}
	kx_workers_finish(w);
	kx_workers_stats(w, &st, NULL);
	assert_int_equal(st.frames, 3000);
	assert_int_equal(st.ssh_conns, 1500);
	for (int i = 0; i < 3; i++) {
		assert_true(g_seen[i].conns > 0);
		total += g_seen[i].conns;
	}
	assert_int_equal(total, 1500);
	for (unsigned p = 1025; p <= 1024 + 1500; p++)
		assert_int_equal(g_seen[0].per_port[p % 2000] +
		    g_seen[1].per_port[p % 2000] + g_seen[2].per_port[p % 2000], 1);
	kx_workers_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owner_symmetric),
		cmocka_unit_test(test_owner_by_client),
		cmocka_unit_test(test_brute_queue_order),
		cmocka_unit_test(test_split_reports_each_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
