#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kexray/stream/reasm.h"
#include "kx_test.h"

static void
add_ok(struct kx_reasm *r, uint32_t seq, const char *s)
{
	uint32_t n = (uint32_t)strlen(s);

	assert_int_equal(kx_reasm_add(r, seq, (const uint8_t *)s, n, n), KX_OK);
}

static void
assert_stream(const struct kx_reasm *r, const char *want)
{
	uint32_t n;
	const uint8_t *p = kx_reasm_pending(r, &n);

	assert_int_equal(n, strlen(want));
	if (n > 0)
		assert_memory_equal(p, want, n);
}

static void
test_in_order_and_consume(void **state)
{
	struct kx_reasm r;

	(void)state;
	kx_reasm_init(&r);
	kx_reasm_set_base(&r, 1001);
	add_ok(&r, 1001, "SSH-2.0-");
	add_ok(&r, 1009, "x\r\n");
	assert_stream(&r, "SSH-2.0-x\r\n");
	kx_reasm_consume(&r, 4);
	assert_stream(&r, "2.0-x\r\n");
	assert_int_equal(r.anomalies, 0);
	kx_reasm_free(&r);
}

static void
test_out_of_order_is_held(void **state)
{
	struct kx_reasm r;

	(void)state;
	kx_reasm_init(&r);
	kx_reasm_set_base(&r, 100);
	add_ok(&r, 106, "world");
	assert_stream(&r, "");
	assert_int_equal(r.nooo, 1);
	add_ok(&r, 100, "hello ");
	assert_stream(&r, "hello world");
	assert_int_equal(r.nooo, 0);
	kx_reasm_finish(&r);
	assert_false(kx_anom_has(r.anomalies, KX_ANOM_REASM_GAP));
	kx_reasm_free(&r);
}

static void
test_retransmission_same_bytes_is_silent(void **state)
{
	struct kx_reasm r;

	(void)state;
	kx_reasm_init(&r);
	kx_reasm_set_base(&r, 0);
	add_ok(&r, 0, "abcdef");
	add_ok(&r, 2, "cdefgh");   /* repacketized overlap, then new bytes */
	assert_stream(&r, "abcdefgh");
	assert_false(kx_anom_has(r.anomalies, KX_ANOM_REASM_OVERLAP_CONFLICT));
	kx_reasm_free(&r);
}

static void
test_conflicting_overlap_keeps_first(void **state)
{
	struct kx_reasm r;

	(void)state;
	kx_reasm_init(&r);
	kx_reasm_set_base(&r, 0);
	add_ok(&r, 0, "SSH-2.0-good");
	add_ok(&r, 8, "evil!");
	assert_stream(&r, "SSH-2.0-good!");
	assert_true(kx_anom_has(r.anomalies, KX_ANOM_REASM_OVERLAP_CONFLICT));
	kx_reasm_free(&r);
}

static void
test_conflict_between_queued_copies(void **state)
{
	struct kx_reasm r;

	(void)state;
	kx_reasm_init(&r);
	kx_reasm_set_base(&r, 0);
	add_ok(&r, 10, "AAAA");
	add_ok(&r, 10, "BBBB");
	assert_true(kx_anom_has(r.anomalies, KX_ANOM_REASM_OVERLAP_CONFLICT));
	add_ok(&r, 0, "0123456789");
	assert_stream(&r, "0123456789AAAA");
	kx_reasm_free(&r);
}

static void
test_gap_flagged_at_finish(void **state)
{
	struct kx_reasm r;

	(void)state;
	kx_reasm_init(&r);
	kx_reasm_set_base(&r, 0);
	add_ok(&r, 0, "abc");
	add_ok(&r, 10, "xyz");
	kx_reasm_finish(&r);
	assert_true(kx_anom_has(r.anomalies, KX_ANOM_REASM_GAP));
	assert_stream(&r, "abc");
	kx_reasm_free(&r);
}

static void
test_truncated_segment_is_a_hole(void **state)
{
	struct kx_reasm r;

	(void)state;
	kx_reasm_init(&r);
	kx_reasm_set_base(&r, 0);
	/* 4 bytes captured of a 10-byte segment */
	assert_int_equal(kx_reasm_add(&r, 0, (const uint8_t *)"abcd", 4, 10), KX_OK);
	add_ok(&r, 10, "later");
	assert_stream(&r, "abcd");
	assert_true(kx_anom_has(r.anomalies, KX_ANOM_REASM_GAP));
	assert_true(r.hole);
	kx_reasm_free(&r);
}

static void
test_ooo_cap(void **state)
{
	struct kx_reasm r;

	(void)state;
	kx_reasm_init(&r);
	kx_reasm_set_base(&r, 0);
	for (uint32_t i = 0; i < KX_REASM_OOO_MAX + 5; i++)
		add_ok(&r, 10 + 2 * i, "x");
	assert_int_equal(r.nooo, KX_REASM_OOO_MAX);
	assert_true(kx_anom_has(r.anomalies, KX_ANOM_REASM_OOO_LIMIT));
	kx_reasm_free(&r);
}

static void
test_depth_cap(void **state)
{
	struct kx_reasm r;
	uint8_t *big = calloc(1, KX_REASM_DEPTH + 100);
	uint32_t n;

	(void)state;
	assert_non_null(big);
	kx_reasm_init(&r);
	kx_reasm_set_base(&r, 0);
	assert_int_equal(kx_reasm_add(&r, 0, big, KX_REASM_DEPTH + 100,
	    KX_REASM_DEPTH + 100), KX_OK);
	(void)kx_reasm_pending(&r, &n);
	assert_int_equal(n, KX_REASM_DEPTH);
	assert_true(kx_anom_has(r.anomalies, KX_ANOM_REASM_DEPTH_LIMIT));
	free(big);
	kx_reasm_free(&r);
}

static void
test_out_of_window(void **state)
{
	struct kx_reasm r;

	(void)state;
	kx_reasm_init(&r);
	kx_reasm_set_base(&r, 0);
	add_ok(&r, 0x40000000u, "far");
	assert_int_equal(r.nooo, 0);
	assert_true(kx_anom_has(r.anomalies, KX_ANOM_REASM_OUT_OF_WINDOW));
	kx_reasm_free(&r);
}

static void
test_bytes_before_base_trimmed(void **state)
{
	struct kx_reasm r;

	(void)state;
	kx_reasm_init(&r);
	kx_reasm_set_base(&r, 100);
	add_ok(&r, 90, "0123456789");     /* entirely before the stream */
	add_ok(&r, 95, "56789abc");       /* straddles it */
	assert_stream(&r, "abc");
	kx_reasm_free(&r);
}

static void
test_sequence_wraparound(void **state)
{
	struct kx_reasm r;

	(void)state;
	kx_reasm_init(&r);
	kx_reasm_set_base(&r, 0xfffffffcu);
	add_ok(&r, 0x00000002u, "efgh");   /* after the wrap, out of order */
	add_ok(&r, 0xfffffffcu, "abcdef");   /* offsets 0..5; "efgh" is 6..9 */
	assert_stream(&r, "abcdefefgh");
	kx_reasm_free(&r);
}

static void
test_stop_frees_and_ignores(void **state)
{
	struct kx_reasm r;
	uint32_t n;

	(void)state;
	kx_reasm_init(&r);
	kx_reasm_set_base(&r, 0);
	add_ok(&r, 0, "handshake");
	add_ok(&r, 20, "queued");
	kx_reasm_stop(&r);
	add_ok(&r, 9, "bulk data after NEWKEYS");
	assert_null(kx_reasm_pending(&r, &n));
	assert_int_equal(n, 0);
	assert_int_equal(r.nooo, 0);
	kx_reasm_free(&r);
}

/* --max-ooo: the queue holds ooo_max segments, refuses and counts the rest,
 * and its array exists only while something waits in it. */
static void
test_runtime_ooo_cap(void **state)
{
	struct kx_reasm r;

	(void)state;
	kx_reasm_init(&r);
	kx_reasm_set_limits(&r, 0, 3);
	kx_reasm_set_base(&r, 0);
	add_ok(&r, 0, "ab");
	assert_null(r.ooo);   /* in order: no queue allocated */
	for (uint32_t i = 0; i < 5; i++)
		add_ok(&r, 10 + 2 * i, "x");
	assert_int_equal(r.nooo, 3);
	assert_int_equal(r.ooo_dropped, 2);
	assert_true(kx_anom_has(r.anomalies, KX_ANOM_REASM_OOO_LIMIT));
	add_ok(&r, 2, "cdefghij");   /* fills 2..9: 10, 12, 14 drain */
	assert_stream(&r, "abcdefghijx");
	assert_int_equal(r.nooo, 2);
	kx_reasm_free(&r);
}

/* --max-buffer: the in-order bytes stop at the run-time depth. */
static void
test_runtime_depth_cap(void **state)
{
	struct kx_reasm r;
	uint8_t data[150];
	uint32_t n;

	(void)state;
	memset(data, 'a', sizeof(data));
	kx_reasm_init(&r);
	kx_reasm_set_limits(&r, 100, 0);
	kx_reasm_set_base(&r, 0);
	assert_int_equal(kx_reasm_add(&r, 0, data, 150, 150), KX_OK);
	(void)kx_reasm_pending(&r, &n);
	assert_int_equal(n, 100);
	assert_true(r.cap <= 100);
	assert_true(kx_anom_has(r.anomalies, KX_ANOM_REASM_DEPTH_LIMIT));
	assert_true(r.hole);
	kx_reasm_free(&r);
}

/* A segment queued across the depth is trimmed when queued (its tail can
 * never be kept); once placed, the cap is flagged as for in-order bytes. */
static void
test_queued_segment_cut_at_depth(void **state)
{
	struct kx_reasm r;
	uint8_t tail[100], head[50];
	uint32_t n;
	const uint8_t *p;

	(void)state;
	memset(tail, 'T', sizeof(tail));
	memset(head, 'H', sizeof(head));
	kx_reasm_init(&r);
	kx_reasm_set_limits(&r, 100, 0);
	kx_reasm_set_base(&r, 0);
	assert_int_equal(kx_reasm_add(&r, 50, tail, 100, 100), KX_OK);
	assert_int_equal(r.nooo, 1);
	assert_int_equal(r.ooo_bytes, 50);
	assert_false(kx_anom_has(r.anomalies, KX_ANOM_REASM_DEPTH_LIMIT));
	assert_int_equal(kx_reasm_add(&r, 0, head, 50, 50), KX_OK);
	p = kx_reasm_pending(&r, &n);
	assert_int_equal(n, 100);
	assert_int_equal(p[49], 'H');
	assert_int_equal(p[50], 'T');
	assert_true(kx_anom_has(r.anomalies, KX_ANOM_REASM_DEPTH_LIMIT));
	assert_int_equal(r.nooo, 0);
	kx_reasm_free(&r);
}

/* Wholly past the depth but inside the window: not queued (no memory),
 * flagged at the end as a hole past the cap ... */
static void
test_past_depth_flagged_at_finish(void **state)
{
	struct kx_reasm r;

	(void)state;
	kx_reasm_init(&r);
	kx_reasm_set_limits(&r, 100, 0);
	kx_reasm_set_base(&r, 0);
	add_ok(&r, 0, "SSH-");
	add_ok(&r, 150, "later");
	assert_int_equal(r.nooo, 0);
	assert_null(r.ooo);
	assert_int_equal(r.anomalies, 0);
	kx_reasm_finish(&r);
	assert_true(kx_anom_has(r.anomalies, KX_ANOM_REASM_DEPTH_LIMIT));
	assert_true(kx_anom_has(r.anomalies, KX_ANOM_REASM_GAP));
	kx_reasm_free(&r);
}

/* ... but not when the handshake ended first (it was bulk data). */
static void
test_past_depth_after_stop_is_silent(void **state)
{
	struct kx_reasm r;

	(void)state;
	kx_reasm_init(&r);
	kx_reasm_set_limits(&r, 100, 0);
	kx_reasm_set_base(&r, 0);
	add_ok(&r, 0, "SSH-");
	add_ok(&r, 150, "later");
	kx_reasm_stop(&r);
	kx_reasm_finish(&r);
	assert_int_equal(r.anomalies, 0);
	kx_reasm_free(&r);
}

/* The bytes held out of order are capped at the depth too: overlapping
 * copies with other starts cannot grow the queue past it. */
static void
test_ooo_byte_budget(void **state)
{
	struct kx_reasm r;
	uint8_t data[60];

	(void)state;
	memset(data, 'z', sizeof(data));
	kx_reasm_init(&r);
	kx_reasm_set_limits(&r, 100, 0);
	kx_reasm_set_base(&r, 0);
	assert_int_equal(kx_reasm_add(&r, 10, data, 60, 60), KX_OK);
	assert_int_equal(kx_reasm_add(&r, 11, data, 60, 60), KX_OK);
	assert_int_equal(r.nooo, 1);
	assert_int_equal(r.ooo_bytes, 60);
	assert_int_equal(r.ooo_dropped, 1);
	assert_true(kx_anom_has(r.anomalies, KX_ANOM_REASM_OOO_LIMIT));
	kx_reasm_free(&r);
}

/* What kx_reasm_mem reports follows every allocation, and drops back when
 * the queue drains and when the handshake stops. */
static void
test_mem_accounting(void **state)
{
	struct kx_reasm r;
	size_t buf_only;

	(void)state;
	kx_reasm_init(&r);
	assert_int_equal(kx_reasm_mem(&r), 0);
	kx_reasm_set_base(&r, 0);
	add_ok(&r, 0, "abc");
	buf_only = kx_reasm_mem(&r);
	assert_int_equal(buf_only, kx_mem_chunk(r.cap));
	add_ok(&r, 10, "0123456789");
	add_ok(&r, 30, "xyz");
	assert_int_equal(kx_reasm_mem(&r), buf_only +
	    kx_mem_chunk(r.ooo_cap * sizeof(*r.ooo)) + kx_mem_chunk(10) +
	    kx_mem_chunk(3));
	add_ok(&r, 3, "defghij");   /* fills 3..9: 10 drains, 30 waits */
	assert_int_equal(r.nooo, 1);
	assert_int_equal(r.ooo_mem, kx_mem_chunk(3));
	add_ok(&r, 20, "klmnopqrst");
	assert_int_equal(r.nooo, 0);
	assert_null(r.ooo);
	assert_int_equal(kx_reasm_mem(&r), kx_mem_chunk(r.cap));
	assert_stream(&r, "abcdefghij0123456789klmnopqrstxyz");
	kx_reasm_stop(&r);
	assert_int_equal(kx_reasm_mem(&r), 0);
	kx_reasm_free(&r);
}

/* Asked-for limits are clamped to the ceilings and never below what is
 * already held. */
static void
test_limits_clamped(void **state)
{
	struct kx_reasm r;

	(void)state;
	kx_reasm_init(&r);
	assert_int_equal(r.depth, KX_REASM_DEPTH);
	assert_int_equal(r.ooo_max, KX_REASM_OOO_MAX);
	kx_reasm_set_limits(&r, UINT32_MAX, UINT32_MAX);
	assert_int_equal(r.depth, KX_REASM_DEPTH_CEIL);
	assert_int_equal(r.ooo_max, KX_REASM_OOO_CEIL);
	kx_reasm_set_base(&r, 0);
	add_ok(&r, 0, "0123456789");
	kx_reasm_set_limits(&r, 4, 0);
	assert_int_equal(r.depth, 10);
	kx_reasm_free(&r);
}

/* A large queue (--max-ooo 4096) in reverse order drains whole. */
static void
test_large_queue_reverse(void **state)
{
	enum { N = 4096 };
	struct kx_reasm r;
	static uint8_t stream[N];
	const uint8_t *out;
	uint32_t n;

	(void)state;
	for (uint32_t i = 0; i < N; i++)
		stream[i] = (uint8_t)(i * 7);
	kx_reasm_init(&r);
	kx_reasm_set_limits(&r, 0, KX_REASM_OOO_CEIL);
	kx_reasm_set_base(&r, 5);
	for (uint32_t i = N - 1; i > 0; i--)
		assert_int_equal(kx_reasm_add(&r, 5 + i, stream + i, 1, 1), KX_OK);
	assert_int_equal(r.nooo, N - 1);
	assert_int_equal(kx_reasm_add(&r, 5, stream, 1, 1), KX_OK);
	out = kx_reasm_pending(&r, &n);
	assert_int_equal(n, N);
	assert_memory_equal(out, stream, N);
	assert_int_equal(r.anomalies, 0);
	kx_reasm_free(&r);
}

/* STYLE 8: a known stream cut into random segments, shuffled and partly
 * duplicated, comes out byte for byte. */
static void
test_random_shuffle(void **state)
{
	uint64_t seed = 0x5eed;
	enum { LEN = 6000, MAXSEG = 200 };

	(void)state;
	for (int round = 0; round < 200; round++) {
		static uint8_t stream[LEN];
		uint32_t starts[LEN], lens[LEN], nseg = 0, pos = 0, n;
		uint32_t base = (uint32_t)kxt_rand(&seed);
		struct kx_reasm r;
		const uint8_t *out;

		for (int i = 0; i < LEN; i++)
			stream[i] = (uint8_t)kxt_rand(&seed);
		while (pos < LEN) {
			uint32_t l = 1 + (uint32_t)(kxt_rand(&seed) % MAXSEG);

			if (l > LEN - pos)
				l = LEN - pos;
			starts[nseg] = pos;
			lens[nseg++] = l;
			pos += l;
		}
		/* shuffle a little (real reordering is local), duplicate some */
		for (uint32_t i = 0; i + 1 < nseg; i++) {
			if (kxt_rand(&seed) % 4 == 0) {
				uint32_t j = i + 1, t;

				t = starts[i]; starts[i] = starts[j]; starts[j] = t;
				t = lens[i]; lens[i] = lens[j]; lens[j] = t;
			}
		}
		kx_reasm_init(&r);
		kx_reasm_set_base(&r, base);
		for (uint32_t i = 0; i < nseg; i++) {
			int copies = kxt_rand(&seed) % 5 == 0 ? 2 : 1;

			for (int k = 0; k < copies; k++)
				assert_int_equal(kx_reasm_add(&r, base + starts[i],
				    stream + starts[i], lens[i], lens[i]), KX_OK);
		}
		kx_reasm_finish(&r);
		out = kx_reasm_pending(&r, &n);
		assert_int_equal(n, LEN);
		assert_memory_equal(out, stream, LEN);
		assert_int_equal(r.anomalies, 0);
		kx_reasm_free(&r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_and_consume),
		cmocka_unit_test(test_out_of_order_is_held),
		cmocka_unit_test(test_retransmission_same_bytes_is_silent),
		cmocka_unit_test(test_conflicting_overlap_keeps_first),
		cmocka_unit_test(test_conflict_between_queued_copies),
		cmocka_unit_test(test_gap_flagged_at_finish),
		cmocka_unit_test(test_truncated_segment_is_a_hole),
		cmocka_unit_test(test_ooo_cap),
		cmocka_unit_test(test_depth_cap),
		cmocka_unit_test(test_out_of_window),
		cmocka_unit_test(test_bytes_before_base_trimmed),
		cmocka_unit_test(test_sequence_wraparound),
		cmocka_unit_test(test_stop_frees_and_ignores),
		cmocka_unit_test(test_random_shuffle),
		cmocka_unit_test(test_runtime_ooo_cap),
		cmocka_unit_test(test_runtime_depth_cap),
		cmocka_unit_test(test_queued_segment_cut_at_depth),
		cmocka_unit_test(test_past_depth_flagged_at_finish),
		cmocka_unit_test(test_past_depth_after_stop_is_silent),
		cmocka_unit_test(test_ooo_byte_budget),
		cmocka_unit_test(test_mem_accounting),
		cmocka_unit_test(test_limits_clamped),
		cmocka_unit_test(test_large_queue_reverse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
