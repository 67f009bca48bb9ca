/* reasm: one direction's in-order handshake bytes (DESIGN "reasm").
 * Only the handshake is kept: at most depth bytes (--max-buffer, default
 * KX_REASM_DEPTH), and nothing
 * once the owner calls kx_reasm_stop (NEWKEYS seen). Out-of-order segments
 * wait in a bounded queue; retransmissions are dropped; overlaps keep the
 * first copy and flag a conflict when the bytes differ; holes are flagged. */
#ifndef KEXRAY_REASM_H
#define KEXRAY_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kexray/core/anomaly.h"
#include "kexray/core/limits.h"
#include "kexray/core/status.h"

/* Sequence arithmetic modulo 2^32 (RFC 9293 3.4): only through these. */
#define KX_SEQ_DIFF(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)))
#define KX_SEQ_LT(a, b) (KX_SEQ_DIFF(a, b) < 0)
#define KX_SEQ_LEQ(a, b) (KX_SEQ_DIFF(a, b) <= 0)
#define KX_SEQ_GT(a, b) (KX_SEQ_DIFF(a, b) > 0)
#define KX_SEQ_GEQ(a, b) (KX_SEQ_DIFF(a, b) >= 0)

struct kx_reasm_seg {
	uint32_t seq;
	uint32_t len;
	uint8_t *data;
	bool cut;           /* trimmed at the depth cap when queued */
};

struct kx_reasm {
	bool have_base;
	bool stopped;       /* handshake over or unusable: only counts kept */
	bool hole;          /* a gap that will never fill (truncation, cap) */
	bool past_depth;    /* a segment wholly past the depth cap was dropped */
	uint32_t base_seq;  /* sequence number of buf[0] */
	uint8_t *buf;
	uint32_t len;       /* in-order bytes held */
	uint32_t cap;
	uint32_t consumed;  /* bytes of buf the consumer has taken */
	uint32_t depth;     /* bytes kept at most (--max-buffer) */
	uint16_t ooo_max;   /* segments queued at most (--max-ooo) */
	uint16_t nooo;
	uint16_t ooo_cap;   /* slots allocated at ooo; grown on demand */
	struct kx_reasm_seg *ooo;  /* NULL until a segment arrives early */
	uint32_t ooo_bytes;      /* payload bytes queued */
	size_t ooo_mem;          /* heap taken by the queued copies */
	uint32_t ooo_dropped;    /* segments refused at ooo_max or the byte cap */
	uint64_t bytes_seen;     /* payload bytes offered, duplicates included */
	kx_anomset anomalies;
};

/* Heap bytes one malloc(n) takes with glibc's allocator: 8 bytes of chunk
 * header, 16-byte alignment, 32-byte minimum; requests from 128 KiB up
 * (M_MMAP_THRESHOLD) are whole pages. Memory accounting uses this so the
 * --max-memory cap tracks resident memory, not just requested bytes. */
static inline size_t
kx_mem_chunk(size_t n)
{
	if (n >= 128u * 1024u)
		return (n + 16u + 4095u) & ~(size_t)4095u;
	n = (n + 8u + 15u) & ~(size_t)15u;
	return n < 32u ? 32u : n;
}

void kx_reasm_init(struct kx_reasm *r);
/* Caps for this direction: depth bytes kept (0: KX_REASM_DEPTH) and
 * ooo_max out-of-order segments queued (0: KX_REASM_OOO_MAX). Call before
 * the first kx_reasm_add. */
void kx_reasm_set_limits(struct kx_reasm *r, uint32_t depth, uint32_t ooo_max);
/* Heap bytes this direction holds now (buffer, queue, queued copies). */
size_t kx_reasm_mem(const struct kx_reasm *r);
/* The stream's first byte has sequence number seq (ISN + 1 after a SYN). */
void kx_reasm_set_base(struct kx_reasm *r, uint32_t seq);
/* Offers a segment: len captured bytes of a segment that carried wire_len
 * (len < wire_len when the capture truncated it). Returns KX_OK or
 * KX_NOMEM; caps and conflicts are anomalies, not errors. */
KX_WUR enum kx_status kx_reasm_add(struct kx_reasm *r, uint32_t seq,
    const uint8_t *data, uint32_t len, uint32_t wire_len);
/* The in-order bytes from the stream's first byte (consumed or not), while
 * the handshake is kept. */
const uint8_t *kx_reasm_head(const struct kx_reasm *r, uint32_t *n);
/* The in-order bytes not yet consumed. */
const uint8_t *kx_reasm_pending(const struct kx_reasm *r, uint32_t *n);
void kx_reasm_consume(struct kx_reasm *r, uint32_t n);
/* The handshake is over for this direction: free the buffers. */
void kx_reasm_stop(struct kx_reasm *r);
/* The stream ends: anything still queued out of order sits past a hole. */
void kx_reasm_finish(struct kx_reasm *r);
void kx_reasm_free(struct kx_reasm *r);

#endif
