/* Handshake-only TCP reassembly for one direction. The in-order bytes are
 * kept (not only the unconsumed ones) until the handshake ends, so a later
 * copy of the same bytes can be compared with the first (Suricata and Zeek
 * keep the first copy too; a difference is an evasion attempt or a broken
 * middlebox and is flagged).
 *
 * Memory per direction is bounded by the two run-time caps (docs/limits.md):
 * at most depth bytes in order, and at most ooo_max queued segments holding
 * at most depth bytes between them, every one trimmed at the depth (bytes
 * past it can never be kept). The queue array is allocated only when a
 * segment arrives early, so the common in-order connection pays nothing
 * for it, and kx_reasm_mem reports what is held for the memory cap. */
#include <stdlib.h>
#include <string.h>

#include "kexray/stream/reasm.h"

#define REASM_INITIAL_CAP 2048u
/* Queue slots allocated at the first early segment; doubled up to ooo_max. */
#define REASM_OOO_INITIAL 4u

void
kx_reasm_init(struct kx_reasm *r)
{
	memset(r, 0, sizeof(*r));
	r->depth = KX_REASM_DEPTH;
	r->ooo_max = KX_REASM_OOO_MAX;
}

void
kx_reasm_set_limits(struct kx_reasm *r, uint32_t depth, uint32_t ooo_max)
{
	if (depth == 0)
		depth = KX_REASM_DEPTH;
	if (depth > KX_REASM_DEPTH_CEIL)
		depth = KX_REASM_DEPTH_CEIL;
	/* Never below what is already held: the buffer is not shrunk. */
	if (depth < r->len)
		depth = r->len;
	if (ooo_max == 0)
		ooo_max = KX_REASM_OOO_MAX;
	if (ooo_max > KX_REASM_OOO_CEIL)
		ooo_max = KX_REASM_OOO_CEIL;
	if (ooo_max < r->nooo)
		ooo_max = r->nooo;
	r->depth = depth;
	r->ooo_max = (uint16_t)ooo_max;
}

size_t
kx_reasm_mem(const struct kx_reasm *r)
{
	size_t n = r->ooo_mem;

	if (r->buf != NULL)
		n += kx_mem_chunk(r->cap);
	if (r->ooo != NULL)
		n += kx_mem_chunk((size_t)r->ooo_cap * sizeof(*r->ooo));
	return n;
}

void
kx_reasm_set_base(struct kx_reasm *r, uint32_t seq)
{
	if (r->have_base)
		return;
	r->have_base = true;
	r->base_seq = seq;
}

static void
drop_queue(struct kx_reasm *r)
{
	for (uint16_t i = 0; i < r->nooo; i++)
		free(r->ooo[i].data);
	free(r->ooo);
	r->ooo = NULL;
	r->nooo = r->ooo_cap = 0;
	r->ooo_bytes = 0;
	r->ooo_mem = 0;
}

void
kx_reasm_stop(struct kx_reasm *r)
{
	drop_queue(r);
	free(r->buf);
	r->buf = NULL;
	r->len = r->cap = r->consumed = 0;
	r->stopped = true;
}

void
kx_reasm_free(struct kx_reasm *r)
{
	kx_reasm_stop(r);
}

void
kx_reasm_finish(struct kx_reasm *r)
{
	if (r->stopped)
		return;
	if (r->nooo > 0 || (r->past_depth && !r->hole)) {
		kx_anom_set(&r->anomalies, KX_ANOM_REASM_GAP);
		r->hole = true;
	}
	/* Handshake bytes were sent past the cap and never placed. */
	if (r->past_depth)
		kx_anom_set(&r->anomalies, KX_ANOM_REASM_DEPTH_LIMIT);
	drop_queue(r);
}

static enum kx_status
reserve(struct kx_reasm *r, uint32_t need)
{
	uint32_t ncap;
	uint8_t *nbuf;

	if (need <= r->cap)
		return KX_OK;
	ncap = r->cap != 0 ? r->cap : REASM_INITIAL_CAP;
	while (ncap < need && ncap < r->depth)
		ncap *= 2;
	if (ncap > r->depth)
		ncap = r->depth;
	if ((nbuf = realloc(r->buf, ncap)) == NULL)
		return KX_NOMEM;
	r->buf = nbuf;
	r->cap = ncap;
	return KX_OK;
}

/* Places bytes whose stream offset is off (relative to base_seq, off <=
 * r->len) into the buffer: the overlap with what is held is compared, the
 * rest appended up to the depth cap. */
static enum kx_status
place(struct kx_reasm *r, uint32_t off, const uint8_t *data, uint32_t len)
{
	uint32_t overlap, fresh;
	enum kx_status st;

	overlap = r->len - off;
	if (overlap > len)
		overlap = len;
	if (overlap > 0 && memcmp(r->buf + off, data, overlap) != 0)
		kx_anom_set(&r->anomalies, KX_ANOM_REASM_OVERLAP_CONFLICT);
	fresh = len - overlap;
	if (fresh == 0)
		return KX_OK;
	if (fresh > r->depth - r->len) {
		fresh = r->depth - r->len;
		kx_anom_set(&r->anomalies, KX_ANOM_REASM_DEPTH_LIMIT);
		r->hole = true;
		if (fresh == 0)
			return KX_OK;
	}
	if ((st = reserve(r, r->len + fresh)) != KX_OK)
		return st;
	memcpy(r->buf + r->len, data + overlap, fresh);
	r->len += fresh;
	return KX_OK;
}

static void
refuse(struct kx_reasm *r)
{
	kx_anom_set(&r->anomalies, KX_ANOM_REASM_OOO_LIMIT);
	if (r->ooo_dropped < UINT32_MAX)
		r->ooo_dropped++;
}

/* Holds a segment that starts past the in-order end (off > r->len, off <
 * r->depth) until the bytes before it arrive. */
static void
queue_segment(struct kx_reasm *r, uint32_t seq, uint32_t off,
    const uint8_t *data, uint32_t len)
{
	struct kx_reasm_seg *s;
	uint8_t *copy;
	bool cut = false;

	if (len > r->depth - off) {
		len = r->depth - off;
		cut = true;
	}
	for (uint16_t i = 0; i < r->nooo; i++) {
		/* Same start again: a retransmission of a queued segment. */
		if (r->ooo[i].seq == seq && r->ooo[i].len >= len) {
			if (memcmp(r->ooo[i].data, data, len) != 0)
				kx_anom_set(&r->anomalies,
				    KX_ANOM_REASM_OVERLAP_CONFLICT);
			return;
		}
	}
	/* Both caps: the segment count, and the bytes held out of order
	 * (without overlaps they fit in depth - len; overlapping copies with
	 * other starts are what an attacker would use to grow the queue). */
	if (r->nooo >= r->ooo_max || len > r->depth - r->ooo_bytes) {
		refuse(r);
		return;
	}
	if (r->nooo == r->ooo_cap) {
		uint32_t ncap = r->ooo_cap != 0 ? 2u * r->ooo_cap : REASM_OOO_INITIAL;

		if (ncap > r->ooo_max)
			ncap = r->ooo_max;
		s = realloc(r->ooo, ncap * sizeof(*s));
		if (s == NULL) {
			refuse(r);
			return;
		}
		r->ooo = s;
		r->ooo_cap = (uint16_t)ncap;
	}
	if ((copy = malloc(len)) == NULL) {
		refuse(r);
		return;
	}
	memcpy(copy, data, len);
	s = &r->ooo[r->nooo++];
	s->seq = seq;
	s->len = len;
	s->data = copy;
	s->cut = cut;
	r->ooo_bytes += len;
	r->ooo_mem += kx_mem_chunk(len);
}

/* Moves queued segments that now touch the in-order end into the buffer. */
static enum kx_status
drain(struct kx_reasm *r)
{
	bool progress = true;
	enum kx_status st = KX_OK;

	while (progress && r->nooo > 0 && !r->hole) {
		progress = false;
		for (uint16_t i = 0; i < r->nooo; i++) {
			struct kx_reasm_seg s = r->ooo[i];
			int32_t off = KX_SEQ_DIFF(s.seq, r->base_seq);

			if (off > (int32_t)r->len)
				continue;
			r->ooo[i] = r->ooo[--r->nooo];
			r->ooo_bytes -= s.len;
			r->ooo_mem -= kx_mem_chunk(s.len);
			progress = true;
			if (off >= 0)
				st = place(r, (uint32_t)off, s.data, s.len);
			else if ((int64_t)s.len + off > 0)
				st = place(r, 0, s.data - off,
				    (uint32_t)((int64_t)s.len + off));
			free(s.data);
			if (st != KX_OK) {
				drop_queue(r);
				return st;
			}
			if (s.cut) {
				/* Its bytes past the cap were cut off when queued. */
				kx_anom_set(&r->anomalies, KX_ANOM_REASM_DEPTH_LIMIT);
				r->hole = true;
			}
			break;
		}
	}
	/* Empty again (the usual end of a reordering) or never to be placed. */
	if (r->nooo == 0 || r->hole)
		drop_queue(r);
	return st;
}

enum kx_status
kx_reasm_add(struct kx_reasm *r, uint32_t seq, const uint8_t *data,
    uint32_t len, uint32_t wire_len)
{
	uint32_t window;
	int32_t off;
	enum kx_status st;

	r->bytes_seen += wire_len;
	if (r->stopped || r->hole || wire_len == 0)
		return KX_OK;
	if (len == 0) {
		/* The capture kept none of a segment that carried data
		 * (cut inside the TCP header): unless it repeats bytes
		 * already here, the stream has a hole from this point. It
		 * does not fix where a stream without a SYN starts: only
		 * bytes do. */
		if (r->have_base && (int64_t)KX_SEQ_DIFF(seq, r->base_seq) +
		    wire_len <= (int64_t)r->len)
			return KX_OK;
		kx_anom_set(&r->anomalies, KX_ANOM_REASM_GAP);
		r->hole = true;
		drop_queue(r);
		return KX_OK;
	}
	if (!r->have_base)
		kx_reasm_set_base(r, seq);

	off = KX_SEQ_DIFF(seq, r->base_seq);
	if (off < 0) {
		/* Starts before the stream's first byte: keep the part after. */
		if ((int64_t)len + off <= 0)
			return KX_OK;
		data -= off;
		len = (uint32_t)((int64_t)len + off);
		wire_len = (uint32_t)((int64_t)wire_len + off);
		off = 0;
	}
	if ((uint32_t)off > r->len) {
		/* "Far" does not shrink with --max-buffer: a segment within the
		 * usual window but past a small cap is handshake data lost to
		 * the cap, not a bogus sequence number. */
		window = r->depth > KX_REASM_WINDOW ? r->depth : KX_REASM_WINDOW;
		if ((uint32_t)off - r->len > window) {
			kx_anom_set(&r->anomalies, KX_ANOM_REASM_OUT_OF_WINDOW);
			return KX_OK;
		}
		if (len < wire_len) {
			/* A truncated segment after a hole: what follows it
			 * could never be placed. */
			kx_anom_set(&r->anomalies, KX_ANOM_REASM_GAP);
			r->hole = true;
			drop_queue(r);
			return KX_OK;
		}
		if ((uint32_t)off >= r->depth) {
			/* Wholly past the cap: never kept. Flagged at the end
			 * unless NEWKEYS comes first (then it was bulk data). */
			r->past_depth = true;
			return KX_OK;
		}
		queue_segment(r, seq, (uint32_t)off, data, len);
		return KX_OK;
	}
	if ((st = place(r, (uint32_t)off, data, len)) != KX_OK)
		return st;
	if (len < wire_len && (uint64_t)(uint32_t)off + wire_len > r->len) {
		/* The capture cut this segment: the stream has a hole here. */
		kx_anom_set(&r->anomalies, KX_ANOM_REASM_GAP);
		r->hole = true;
		drop_queue(r);
		return KX_OK;
	}
	return drain(r);
}

const uint8_t *
kx_reasm_head(const struct kx_reasm *r, uint32_t *n)
{
	*n = r->len;
	return r->buf;
}

const uint8_t *
kx_reasm_pending(const struct kx_reasm *r, uint32_t *n)
{
	*n = r->len - r->consumed;
	return r->buf != NULL ? r->buf + r->consumed : NULL;
}

void
kx_reasm_consume(struct kx_reasm *r, uint32_t n)
{
	if (n > r->len - r->consumed)
		n = r->len - r->consumed;
	r->consumed += n;
}
