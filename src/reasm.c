/* Handshake-only TCP reassembly for one direction. The in-order bytes are
 * kept (not only the unconsumed ones) until the handshake ends, so a later
 * copy of the same bytes can be compared with the first (Suricata and Zeek
 * keep the first copy too; a difference is an evasion attempt or a broken
 * middlebox and is flagged). */
#include <stdlib.h>
#include <string.h>

#include "kexray/reasm.h"

#define REASM_INITIAL_CAP 2048u

void
kx_reasm_init(struct kx_reasm *r)
{
	memset(r, 0, sizeof(*r));
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
	for (uint8_t i = 0; i < r->nooo; i++)
		free(r->ooo[i].data);
	r->nooo = 0;
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
	if (r->nooo > 0) {
		kx_anom_set(&r->anomalies, KX_ANOM_REASM_GAP);
		r->hole = true;
	}
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
	while (ncap < need)
		ncap *= 2;
	if (ncap > KX_REASM_DEPTH)
		ncap = KX_REASM_DEPTH;
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
	if (fresh > KX_REASM_DEPTH - r->len) {
		fresh = KX_REASM_DEPTH - r->len;
		kx_anom_set(&r->anomalies, KX_ANOM_REASM_DEPTH_LIMIT);
		r->hole = true;
	}
	if ((st = reserve(r, r->len + fresh)) != KX_OK)
		return st;
	memcpy(r->buf + r->len, data + overlap, fresh);
	r->len += fresh;
	return KX_OK;
}

static void
queue_segment(struct kx_reasm *r, uint32_t seq, const uint8_t *data,
    uint32_t len)
{
	uint8_t *copy;

	for (uint8_t i = 0; i < r->nooo; i++) {
		/* Same start again: a retransmission of a queued segment. */
		if (r->ooo[i].seq == seq && r->ooo[i].len >= len) {
			if (memcmp(r->ooo[i].data, data, len) != 0)
				kx_anom_set(&r->anomalies,
				    KX_ANOM_REASM_OVERLAP_CONFLICT);
			return;
		}
	}
	if (r->nooo >= KX_REASM_OOO_MAX) {
		kx_anom_set(&r->anomalies, KX_ANOM_REASM_OOO_LIMIT);
		return;
	}
	if ((copy = malloc(len)) == NULL) {
		kx_anom_set(&r->anomalies, KX_ANOM_REASM_OOO_LIMIT);
		return;
	}
	memcpy(copy, data, len);
	r->ooo[r->nooo].seq = seq;
	r->ooo[r->nooo].len = len;
	r->ooo[r->nooo].data = copy;
	r->nooo++;
}

/* Moves queued segments that now touch the in-order end into the buffer. */
static enum kx_status
drain(struct kx_reasm *r)
{
	bool progress = true;
	enum kx_status st;

	while (progress && r->nooo > 0) {
		progress = false;
		for (uint8_t i = 0; i < r->nooo; i++) {
			struct kx_reasm_seg s = r->ooo[i];
			int32_t off = KX_SEQ_DIFF(s.seq, r->base_seq);

			if (off > (int32_t)r->len)
				continue;
			r->ooo[i] = r->ooo[--r->nooo];
			progress = true;
			st = KX_OK;
			if (off >= 0)
				st = place(r, (uint32_t)off, s.data, s.len);
			else if ((int64_t)s.len + off > 0)
				st = place(r, 0, s.data - off,
				    (uint32_t)((int64_t)s.len + off));
			free(s.data);
			if (st != KX_OK)
				return st;
			break;
		}
	}
	return KX_OK;
}

enum kx_status
kx_reasm_add(struct kx_reasm *r, uint32_t seq, const uint8_t *data,
    uint32_t len, uint32_t wire_len)
{
	int32_t off;
	enum kx_status st;

	r->bytes_seen += wire_len;
	if (r->stopped || r->hole || len == 0)
		return KX_OK;
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
		if ((uint32_t)off - r->len > KX_REASM_WINDOW) {
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
		queue_segment(r, seq, data, len);
		return KX_OK;
	}
	if ((st = place(r, (uint32_t)off, data, len)) != KX_OK)
		return st;
	if (len < wire_len && (uint32_t)off + wire_len > r->len) {
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
