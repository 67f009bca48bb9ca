/* Fuzz target: one direction's TCP reassembly (kx_reasm_add) fed
 * segments whose sequence numbers and lengths come from the input.
 * Input: u32 base (the stream's first sequence number), u8 flags, then
 * operations, each one byte (value mod 5) and its operands:
 *   0, 1  add: u32 offset from base (sequence arithmetic wraps), u16 len,
 *         len bytes
 *   2     add a segment the capture cut: as above, then u8 extra; the
 *         wire carried len + 1 + extra bytes
 *   3     consume: u16 n
 *   4     end of stream (kx_reasm_finish); the input ends here
 * A short last segment takes the bytes that are left. Flags: bit 0, the
 * base is known from a SYN (kx_reasm_set_base), else the first segment
 * sets it, as mid-stream; bits 1-3 and 4-6 pick --max-buffer and
 * --max-ooo from the tables below (0: the defaults), so small caps are
 * hit as often as the default ones.
 *
 * The oracle is a model of what was offered: every stream offset below
 * the depth cap remembers the byte offered there, or that different
 * bytes were. The in-order buffer may only hold offered bytes, the very
 * byte where all offers agree; and unless a cap, a hole or a cut segment
 * was flagged, it holds exactly the contiguous prefix offered. The queue
 * stays within its caps and its accounting (bytes, heap) adds up. */
#include <string.h>

#include "kexray/core/cursor.h"
#include "kexray/stream/reasm.h"
#include "kxfuzz.h"

/* --max-buffer choices: tiny, odd, around the initial 2 KiB buffer, the
 * default, and past the default window (then the window is the depth). */
static const uint32_t depths[8] = {
	0, 1, 7, 64, 2048, 2049, KX_REASM_DEPTH, 2 * KX_REASM_DEPTH,
};
static const uint32_t ooo_maxes[8] = { 0, 1, 2, 3, 8, 100, 1000, 4096 };

#define MODEL_MAX (2 * KX_REASM_DEPTH)

enum { NONE, ONE, CONFLICT };

struct model {
	uint8_t val[MODEL_MAX];
	uint8_t state[MODEL_MAX];
	uint32_t touched;   /* state[touched..] are all NONE */
};

/* Static: 256 KiB is too much for a stack frame, and libFuzzer runs one
 * input at a time. */
static struct model m;

static void
offer(const struct kx_reasm *r, uint32_t seq, const uint8_t *p, uint32_t len)
{
	int64_t off;

	if (!r->have_base)
		return;
	off = KX_SEQ_DIFF(seq, r->base_seq);
	for (uint32_t i = 0; i < len; i++) {
		int64_t o = off + i;

		if (o < 0 || o >= r->depth)
			continue;
		if (m.state[o] == NONE) {
			m.state[o] = ONE;
			m.val[o] = p[i];
			if ((uint32_t)o >= m.touched)
				m.touched = (uint32_t)o + 1;
		} else if (m.val[o] != p[i]) {
			m.state[o] = CONFLICT;
		}
	}
}

static void
check_queue(const struct kx_reasm *r)
{
	uint64_t bytes = 0, mem = 0;

	KXF_CHECK(r->nooo <= r->ooo_max);
	KXF_CHECK(r->nooo <= r->ooo_cap);
	KXF_CHECK(r->ooo_cap <= r->ooo_max);
	KXF_CHECK(r->ooo != NULL || r->ooo_cap == 0);
	for (uint16_t i = 0; i < r->nooo; i++) {
		const struct kx_reasm_seg *s = &r->ooo[i];
		int32_t off = KX_SEQ_DIFF(s->seq, r->base_seq);

		/* Queued: starts past the in-order end, ends by the cap. */
		KXF_CHECK(off > (int32_t)r->len);
		KXF_CHECK((uint64_t)off + s->len <= r->depth);
		KXF_CHECK(s->data != NULL && s->len > 0);
		bytes += s->len;
		mem += kx_mem_chunk(s->len);
	}
	KXF_CHECK(bytes == r->ooo_bytes);
	KXF_CHECK(r->ooo_bytes <= r->depth);
	KXF_CHECK(mem == r->ooo_mem);
}

static void
check(const struct kx_reasm *r)
{
	const uint8_t *head, *pend;
	uint32_t n, np, prefix = 0;
	kx_anomset lossy = KX_ANOM_BIT(KX_ANOM_REASM_GAP) |
	    KX_ANOM_BIT(KX_ANOM_REASM_OOO_LIMIT) |
	    KX_ANOM_BIT(KX_ANOM_REASM_DEPTH_LIMIT);

	KXF_CHECK(r->len <= r->depth);
	KXF_CHECK(r->len <= r->cap || r->buf == NULL);
	KXF_CHECK(r->cap <= r->depth);
	KXF_CHECK(r->consumed <= r->len);
	check_queue(r);
	head = kx_reasm_head(r, &n);
	pend = kx_reasm_pending(r, &np);
	KXF_CHECK(n == r->len);
	KXF_CHECK(np == r->len - r->consumed);
	if (n == 0)
		return;
	KXF_CHECK(head != NULL && pend == head + r->consumed);
	for (uint32_t i = 0; i < n; i++) {
		KXF_CHECK(m.state[i] != NONE);
		if (m.state[i] == ONE)
			KXF_CHECK(head[i] == m.val[i]);
	}
	if (r->stopped || r->hole || (r->anomalies & lossy) != 0)
		return;
	while (prefix < m.touched && m.state[prefix] != NONE)
		prefix++;
	KXF_CHECK(n == prefix);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kx_reasm r;
	struct kx_cursor in;
	uint32_t base, first_seq = 0;
	uint8_t flags, op;
	bool preset, seen_first = false;

	/* Clearing only what the last input touched keeps short inputs fast. */
	memset(m.state, NONE, m.touched);
	m.touched = 0;
	kx_cur_init(&in, data, size);
	if (kx_cur_u32be(&in, &base) != KX_OK || kx_cur_u8(&in, &flags) != KX_OK)
		return 0;
	kx_reasm_init(&r);
	if ((flags & 0x7e) != 0)
		kx_reasm_set_limits(&r, depths[(flags >> 1) & 7],
		    ooo_maxes[(flags >> 4) & 7]);
	KXF_CHECK(r.depth >= 1 && r.depth <= MODEL_MAX);
	preset = (flags & 1) != 0;
	if (preset)
		kx_reasm_set_base(&r, base);

	while (kx_cur_u8(&in, &op) == KX_OK) {
		uint32_t off = 0, wire;
		uint16_t len = 0, n;
		uint8_t extra = 0;
		const uint8_t *p;
		size_t take;

		op %= 5;
		if (op == 4) {
			kx_reasm_finish(&r);
			check(&r);
			KXF_CHECK(r.nooo == 0);
			break;
		}
		if (op == 3) {
			if (kx_cur_u16be(&in, &n) != KX_OK)
				break;
			kx_reasm_consume(&r, n);
			check(&r);
			continue;
		}
		if (kx_cur_u32be(&in, &off) != KX_OK ||
		    kx_cur_u16be(&in, &len) != KX_OK)
			break;
		take = len <= kx_cur_left(&in) ? len : kx_cur_left(&in);
		if (kx_cur_bytes(&in, take, &p) != KX_OK)
			break;
		wire = (uint32_t)take;
		if (op == 2) {
			if (kx_cur_u8(&in, &extra) != KX_OK)
				extra = 0;
			wire += 1u + extra;
		}
		if (kx_reasm_add(&r, base + off, p, (uint32_t)take, wire) != KX_OK)
			break;   /* out of memory: nothing more to judge */
		if (take > 0 && !seen_first) {
			seen_first = true;
			first_seq = base + off;
		}
		/* Without a SYN, the first segment that carries bytes fixes
		 * where the stream starts. */
		if (r.have_base)
			KXF_CHECK(r.base_seq == (preset ? base : first_seq));
		offer(&r, base + off, p, (uint32_t)take);
		check(&r);
	}
	kx_reasm_free(&r);
	return 0;
}
