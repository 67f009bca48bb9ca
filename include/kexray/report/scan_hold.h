/* scan_hold: a scan is reported once, with its connections, not as a row
 * of CLOSED problems (events/patterns.h). A connection that ends like a
 * scanner's (scan-like) while its source is still below KX_SCAN_MIN in
 * its scan window may turn out to be one of a scan's; its records are
 * rendered at its end, from its one analysis, twice (as they are, and
 * relabelled as one of a scan's connections: kx_patterns_as_scan on a
 * copy of the result), and held here. They go out:
 *
 *  - as the scan's, after the scan record, when the source reaches the
 *    threshold in that window;
 *  - as they are, once packet time is past the window's end plus
 *    KX_SCAN_HOLD_GRACE_US (the pipeline's time walk, kx_pipeline_on_time,
 *    so also when the source sends nothing more), at the end of the
 *    input, or when the hold is full (the oldest first).
 *
 * A source holds at most KX_SCAN_MIN - 1 of one window (the next one
 * crosses), and the whole hold at most KX_SCAN_HOLD_MAX records and
 * KX_SCAN_HOLD_BYTES bytes. Oldest first: a source's records keep their
 * order. Live, a held record is late by at most the scan window plus the
 * grace and one time walk (about 13 s). */
#ifndef KEXRAY_SCAN_HOLD_H
#define KEXRAY_SCAN_HOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kexray/analyze/resets.h"
#include "kexray/events/events.h"

/* Held connections at once: 4 each (KX_SCAN_MIN - 1) for 128 sources
 * scanning in the same 10 s. Past it the oldest goes out as it is. */
#define KX_SCAN_HOLD_MAX 512u
/* Their rendered bytes (both versions): a lean JSON pair is 2-4 KiB, a
 * full one with long KEXINIT lists more. Past it the oldest goes out. */
#define KX_SCAN_HOLD_BYTES (4u * 1024u * 1024u)
/* After the window's end, time for the ends that belong to it to be
 * reported: a connection closed by a RST is reported KX_RST_LINGER_US
 * after it (resets.h). */
#define KX_SCAN_HOLD_GRACE_US KX_RST_LINGER_US

/* One connection's held records. [0]: as they are; [1]: as one of a
 * scan's connections. out: the bytes for the records' output; side: for
 * the Zeek log directory's close.log (NULL when none). label: what events
 * counted (events.h kx_events_relabel). */
struct kx_scan_held {
	uint8_t ip_version;
	uint8_t src[16];
	uint64_t window;             /* kx_patterns_scan_pending's */
	uint64_t until;              /* due once packet time is past it */
	char *out[2], *side[2];
	size_t out_len[2], side_len[2];
	struct kx_label label[2];
};

struct kx_scan_hold;

struct kx_scan_hold *kx_scan_hold_new(void);
/* Frees what is still held too. NULL is fine. */
void kx_scan_hold_free(struct kx_scan_hold *h);
/* Frees the buffers of one taken record. */
void kx_scan_held_free(struct kx_scan_held *it);

/* The bytes it keeps. */
size_t kx_scan_held_bytes(const struct kx_scan_held *it);

/* Whether it cannot take bytes more without giving out its oldest first
 * (kx_scan_hold_take_oldest). */
bool kx_scan_hold_full(const struct kx_scan_hold *h, size_t bytes);

/* Keeps it (its buffers are the hold's now). False when it could never
 * fit (more than KX_SCAN_HOLD_BYTES alone) or the hold is full: the
 * caller still owns it. */
bool kx_scan_hold_put(struct kx_scan_hold *h, const struct kx_scan_held *it);

/* Takes the oldest held record into *out (the caller frees it), false
 * when there is none: of any source; of the source src (in *window, or
 * in any when window is NULL); whose until is before now. */
bool kx_scan_hold_take_oldest(struct kx_scan_hold *h, struct kx_scan_held *out);
bool kx_scan_hold_take_source(struct kx_scan_hold *h, uint8_t ip_version,
    const uint8_t src[16], const uint64_t *window, struct kx_scan_held *out);
bool kx_scan_hold_take_due(struct kx_scan_hold *h, uint64_t now,
    struct kx_scan_held *out);
/* Whether kx_scan_hold_take_due(now) would take one. */
bool kx_scan_hold_due(struct kx_scan_hold *h, uint64_t now);

/* Held now. */
uint32_t kx_scan_hold_count(const struct kx_scan_hold *h);

#endif
