/* brute_queue: brute-force notes from several workers (workers.h), put back
 * in the order of the input before they are counted.
 *
 * Which connection crosses a brute-force threshold, and what the record
 * then says, depends on the order in which the ends of one source's
 * connections are counted. With --workers, connections end on several
 * threads; each end the brute-force count would take is queued here with
 * the input position that made it (kx_workers_key) and a copy of the
 * connection's own fields, and counted once no worker can still make an
 * earlier one (kx_workers_watermark): the order one worker would have
 * counted them in. Bounded by what the workers can hold back: at most the
 * ends made from the frames in their queues. */
#ifndef KEXRAY_BRUTE_QUEUE_H
#define KEXRAY_BRUTE_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "kexray/analyze/close.h"
#include "kexray/stream/flow.h"

struct kx_brute_queue;

struct kx_brute_item {
	uint64_t key;            /* kx_workers_key */
	uint64_t order;          /* ties: as queued */
	struct kx_conn conn;     /* its fields; every pointer NULL */
	enum kx_phase phase;
	uint32_t fails;          /* kx_brute_failed, taken at the push */
};

struct kx_brute_queue *kx_brute_queue_new(void);
void kx_brute_queue_free(struct kx_brute_queue *q);

/* Queues c's end. False when out of memory (the caller counts it at once). */
bool kx_brute_queue_push(struct kx_brute_queue *q, uint64_t key,
    const struct kx_conn *c, enum kx_phase phase, uint32_t fails);

/* The earliest queued end whose key is below watermark, into *out.
 * False when there is none. */
bool kx_brute_queue_pop(struct kx_brute_queue *q, uint64_t watermark,
    struct kx_brute_item *out);

#endif
