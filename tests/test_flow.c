#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "kexray/stream/flow.h"

struct done_log {
	int n;
	uint64_t seq[16];
	bool evicted[16];
};

static void
on_done(struct kx_conn *c, void *arg)
{
	struct done_log *l = arg;

	if (l->n < 16) {
		l->seq[l->n] = c->seq_no;
		l->evicted[l->n] = c->evicted;
	}
	l->n++;
}

static struct kx_packet
pkt4(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	struct kx_packet p;

	memset(&p, 0, sizeof(p));
	p.ip_version = 4;
	for (int i = 0; i < 4; i++) {
		p.src[i] = (uint8_t)(src >> (24 - 8 * i));
		p.dst[i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	p.sport = sport;
	p.dport = dport;
	return p;
}

static void
test_both_directions_one_conn(void **state)
{
	struct done_log log = { 0 };
	struct kx_flow_table *t = kx_flow_new(10, on_done, &log);
	struct kx_packet a = pkt4(0x0a000001, 40000, 0x0a000002, 22);
	struct kx_packet b = pkt4(0x0a000002, 22, 0x0a000001, 40000);
	enum kx_side side;
	struct kx_conn *c1, *c2;

	(void)state;
	assert_non_null(t);
	assert_null(kx_flow_lookup(t, &a, false, true, &side));
	c1 = kx_flow_lookup(t, &a, true, true, &side);
	assert_non_null(c1);
	assert_int_equal(side, KX_CLIENT);
	assert_int_equal(c1->ep[KX_SERVER].port, 22);
	c2 = kx_flow_lookup(t, &b, false, false, &side);
	assert_ptr_equal(c1, c2);
	assert_int_equal(side, KX_SERVER);
	assert_int_equal(kx_flow_count(t), 1);
	kx_flow_free(t);
	assert_int_equal(log.n, 0);   /* free reports nothing */
}

static void
test_vlan_separates(void **state)
{
	struct kx_flow_table *t = kx_flow_new(10, NULL, NULL);
	struct kx_packet a = pkt4(1, 40000, 2, 22), b = a;
	enum kx_side side;

	(void)state;
	b.vlan_count = 1;
	b.vlan[0] = 7;
	assert_non_null(kx_flow_lookup(t, &a, true, true, &side));
	assert_null(kx_flow_lookup(t, &b, false, true, &side));
	assert_non_null(kx_flow_lookup(t, &b, true, true, &side));
	assert_int_equal(kx_flow_count(t), 2);
	kx_flow_free(t);
}

/* At the cap the least recently used connection is reported, flagged, and
 * its slot reused: nothing is lost and memory stays bounded. */
static void
test_eviction_reports(void **state)
{
	struct done_log log = { 0 };
	struct kx_flow_table *t = kx_flow_new(3, on_done, &log);
	enum kx_side side;
	struct kx_conn *first;

	(void)state;
	for (uint16_t i = 0; i < 3; i++) {
		struct kx_packet p = pkt4(1, (uint16_t)(1000 + i), 2, 22);

		assert_non_null(kx_flow_lookup(t, &p, true, true, &side));
	}
	/* touch the first so the second becomes the oldest */
	{
		struct kx_packet p = pkt4(1, 1000, 2, 22);

		first = kx_flow_lookup(t, &p, false, true, &side);
		kx_flow_touch(t, first);
	}
	{
		struct kx_packet p = pkt4(1, 2000, 2, 22);

		assert_non_null(kx_flow_lookup(t, &p, true, true, &side));
	}
	assert_int_equal(log.n, 1);
	assert_int_equal(log.seq[0], 1);
	assert_true(log.evicted[0]);
	assert_int_equal(kx_flow_count(t), 3);
	kx_flow_free(t);
}

static void
test_flush_in_creation_order(void **state)
{
	struct done_log log = { 0 };
	struct kx_flow_table *t = kx_flow_new(100, on_done, &log);
	enum kx_side side;

	(void)state;
	for (uint16_t i = 0; i < 5; i++) {
		struct kx_packet p = pkt4(1, (uint16_t)(1000 + i), 2, 22);
		struct kx_conn *c = kx_flow_lookup(t, &p, true, true, &side);

		if (i == 0)
			kx_flow_touch(t, c);
	}
	kx_flow_flush(t, KX_CLOSE_CAPTURE_END);
	assert_int_equal(log.n, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(log.seq[i], (uint64_t)i);
	assert_int_equal(kx_flow_count(t), 0);
	kx_flow_free(t);
}

static void
test_recently_closed(void **state)
{
	struct kx_flow_table *t = kx_flow_new(10, NULL, NULL);
	struct kx_packet a = pkt4(1, 40000, 2, 22);
	struct kx_packet back = pkt4(2, 22, 1, 40000);
	struct kx_packet other = pkt4(1, 40001, 2, 22);
	enum kx_side side;
	struct kx_conn *c;

	(void)state;
	c = kx_flow_lookup(t, &a, true, true, &side);
	assert_false(kx_flow_recently_closed(t, &a));
	kx_flow_finish(t, c);
	assert_true(kx_flow_recently_closed(t, &a));
	assert_true(kx_flow_recently_closed(t, &back));
	assert_false(kx_flow_recently_closed(t, &other));
	kx_flow_free(t);
}

/* Many connections: the table grows and still finds every one. */
static void
test_many_conns(void **state)
{
	struct kx_flow_table *t = kx_flow_new(100000, NULL, NULL);
	enum kx_side side;

	(void)state;
	for (uint32_t i = 0; i < 20000; i++) {
		struct kx_packet p = pkt4(0x0a000000 + i, (uint16_t)(i * 7), 2, 22);

		assert_non_null(kx_flow_lookup(t, &p, true, true, &side));
	}
	for (uint32_t i = 0; i < 20000; i++) {
		struct kx_packet p = pkt4(2, 22, 0x0a000000 + i, (uint16_t)(i * 7));

		assert_non_null(kx_flow_lookup(t, &p, false, false, &side));
		assert_int_equal(side, KX_SERVER);
	}
	kx_flow_free(t);
}

/* Land packets (source = destination, same ports): each is its own
 * connection, and they spread over the table like any others. The old
 * XOR-symmetric hash put every one of them in one chain. */
static void
test_land_packets_spread(void **state)
{
	struct kx_flow_table *t = kx_flow_new(100000, NULL, NULL);
	enum kx_side side;

	(void)state;
	assert_non_null(t);
	for (uint32_t i = 0; i < 40000; i++) {
		uint32_t a = 0xac100000u + i;
		struct kx_packet p = pkt4(a, 22, a, 22);

		assert_non_null(kx_flow_lookup(t, &p, true, true, &side));
	}
	assert_int_equal(kx_flow_count(t), 40000);
	for (uint32_t i = 0; i < 40000; i += 997) {
		uint32_t a = 0xac100000u + i;
		struct kx_packet p = pkt4(a, 22, a, 22);
		struct kx_conn *c = kx_flow_lookup(t, &p, false, true, &side);

		assert_non_null(c);
		assert_memory_equal(c->ep[KX_CLIENT].addr, p.src, 4);
	}
	/* Robin Hood probing at most 3/4 full: the longest probe of 40,000
	 * keyed entries is a few dozen slots at worst, not 40,000. */
	assert_in_range(kx_flow_probe_max(t), 1, 64);
	kx_flow_free(t);
}

/* The same ports and addresses in both orders, and one address with two
 * ports: ordered endpoints keep them apart. */
static void
test_ordered_endpoints(void **state)
{
	struct kx_flow_table *t = kx_flow_new(10, NULL, NULL);
	struct kx_packet a = pkt4(5, 22, 5, 40000), b = pkt4(5, 40000, 5, 22);
	struct kx_packet l = pkt4(5, 22, 5, 22);
	enum kx_side side;
	struct kx_conn *ca, *cl;

	(void)state;
	ca = kx_flow_lookup(t, &a, true, true, &side);
	assert_non_null(ca);
	assert_ptr_equal(kx_flow_lookup(t, &b, false, true, &side), ca);
	assert_int_equal(side, KX_SERVER);
	assert_null(kx_flow_lookup(t, &l, false, true, &side));
	cl = kx_flow_lookup(t, &l, true, true, &side);
	assert_non_null(cl);
	assert_true(cl != ca);
	assert_ptr_equal(kx_flow_lookup(t, &l, false, true, &side), cl);
	assert_int_equal(kx_flow_count(t), 2);
	kx_flow_free(t);
}

struct order_log {
	uint32_t n;
	uint16_t port[4096];
};

static void
on_done_port(struct kx_conn *c, void *arg)
{
	struct order_log *l = arg;

	if (l->n < 4096)
		l->port[l->n] = c->ep[KX_CLIENT].port;
	l->n++;
}

/* What leaves the table, and in which order, does not depend on the key:
 * evictions follow the LRU list, flushes the creation order. */
static void
run_with_key(const uint8_t key[16], struct order_log *log)
{
	struct kx_flow_table *t = kx_flow_new(1000, on_done_port, log);
	enum kx_side side;

	assert_non_null(t);
	assert_true(kx_flow_set_key(t, key));
	for (uint32_t i = 0; i < 3000; i++) {
		struct kx_packet p = pkt4(0x0a000000u + i % 1500, (uint16_t)(1024 + i),
		    0xac100001u, 22);
		struct kx_conn *c = kx_flow_lookup(t, &p, true, true, &side);

		assert_non_null(c);
		if (i % 7 == 0)
			kx_flow_finish(t, c);
	}
	kx_flow_flush(t, KX_CLOSE_CAPTURE_END);
	kx_flow_free(t);
}

static void
test_key_does_not_change_output(void **state)
{
	static struct order_log a, b;
	uint8_t k1[16] = { 1 }, k2[16] = { 0xfe, 0x17, 0x42 };

	(void)state;
	run_with_key(k1, &a);
	run_with_key(k2, &b);
	assert_int_equal(a.n, 3000);
	assert_int_equal(a.n, b.n);
	assert_memory_equal(a.port, b.port, sizeof(a.port));
}

/* Insertions and removals in a random order against a plain list: every
 * present connection is found, every removed one is not (the backward
 * shift of Robin Hood deletion keeps probes intact). */
static void
test_insert_remove_random(void **state)
{
	enum { N = 5000 };
	static struct kx_conn *live[N];
	struct kx_flow_table *t = kx_flow_new(N, NULL, NULL);
	uint32_t x = 12345;
	enum kx_side side;

	(void)state;
	assert_non_null(t);
	for (int round = 0; round < 40000; round++) {
		uint32_t i;
		struct kx_packet p;

		x = x * 1103515245u + 12345u;
		i = (x >> 8) % N;
		p = pkt4(0x0a000000u + i, (uint16_t)(2000 + i % 50), 0xac100001u, 22);
		if (live[i] == NULL) {
			assert_null(kx_flow_lookup(t, &p, false, true, &side));
			live[i] = kx_flow_lookup(t, &p, true, true, &side);
			assert_non_null(live[i]);
		} else {
			assert_ptr_equal(kx_flow_lookup(t, &p, false, true, &side), live[i]);
			kx_flow_discard(t, live[i]);
			live[i] = NULL;
			assert_null(kx_flow_lookup(t, &p, false, true, &side));
		}
	}
	for (uint32_t i = 0; i < N; i++) {
		struct kx_packet p = pkt4(0x0a000000u + i, (uint16_t)(2000 + i % 50),
		    0xac100001u, 22);

		assert_ptr_equal(kx_flow_lookup(t, &p, false, true, &side), live[i]);
	}
	kx_flow_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_directions_one_conn),
		cmocka_unit_test(test_vlan_separates),
		cmocka_unit_test(test_eviction_reports),
		cmocka_unit_test(test_flush_in_creation_order),
		cmocka_unit_test(test_recently_closed),
		cmocka_unit_test(test_many_conns),
		cmocka_unit_test(test_land_packets_spread),
		cmocka_unit_test(test_ordered_endpoints),
		cmocka_unit_test(test_key_does_not_change_output),
		cmocka_unit_test(test_insert_remove_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
