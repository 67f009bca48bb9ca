/* memo: the analysis of a pair of peers, computed once and reused.
 *
 * Connections between the same client and server software carry the same
 * banners and the same KEXINIT name-lists (only the random cookie
 * differs), so the negotiation, the ratings, Terrapin, post-quantum, hassh
 * and advice (kx_negotiate, kx_assess) are the same for all of them. The memo keeps the last results for a few
 * dozen such pairs, keyed by the exact bytes: both banners and both
 * KEXINIT payloads after the cookie. A hit is a byte-for-byte match, never
 * a hash match alone, so it changes no output, only the cost.
 *
 * What it does not cover, because it differs per connection: the host key
 * (its fingerprint and the known_hosts checks), the verdict, the close,
 * the resets, the counts, the timing.
 *
 * Bounded: KX_MEMO_SLOTS slots (sets of KX_MEMO_WAYS), a pair whose
 * banners and KEXINITs are larger than KX_MEMO_KEY_MAX bytes in all is not
 * kept, and the copies of all slots together at most KX_MEMO_HEAP_MAX (the
 * least recently used slots are freed to make room). The slot table itself
 * is about 1.7 MiB, static for the first thread that looks up (allocated
 * for any other), touched only as slots fill. One memo per
 * thread (each worker of --workers has its own; kx_memo_clear frees the
 * calling thread's). */
#ifndef KEXRAY_MEMO_H
#define KEXRAY_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kexray/analyze/assess.h"
#include "kexray/stream/flow.h"
#include "kexray/analyze/negotiate.h"
#include "kexray/core/limits.h"

/* KX_MEMO_SLOTS, KX_MEMO_WAYS, KX_MEMO_KEY_MAX, KX_MEMO_HEAP_MAX:
 * core/limits.h. */

struct kx_memo_slot;

/* Which slot, as it was when the verdict was made: a later store into the
 * same slot bumps its generation, and the reference then finds nothing. */
struct kx_memo_ref {
	struct kx_memo_slot *slot;  /* NULL: none */
	uint64_t gen;
	uint64_t hash;              /* of the key kx_memo_get looked up */
};

/* Looks c's banners and KEXINITs up. On a hit copies the negotiation and
 * the assessment (all but the host key, left zeroed; a may be NULL when
 * only the negotiation is wanted) into *n and *a, with
 * every pointer re-pointed into c's own banner and KEXINIT copies, and
 * returns true. *ref names the slot either way (slot NULL when c cannot
 * be kept). */
bool kx_memo_get(const struct kx_conn *c, struct kx_nego *n,
    struct kx_assessment *a, struct kx_memo_ref *ref);

/* After a miss on c: keeps c's results (computed by kx_negotiate and
 * kx_assess) in the slot kx_memo_get named, replacing what was there.
 * c must be the connection that kx_memo_get was given with *ref. */
void kx_memo_put(const struct kx_conn *c, const struct kx_nego *n,
    const struct kx_assessment *a, struct kx_memo_ref *ref);

/* Whether the slot ref names still holds the pair it was made for. */
bool kx_memo_ref_live(const struct kx_memo_ref *ref);

/* Lookups and hits since the start, and the heap the slots hold now. */
void kx_memo_counts(uint64_t *lookups, uint64_t *hits);
size_t kx_memo_heap(void);

/* Frees every slot of the calling thread's memo and its table (at exit;
 * the memo starts empty again). */
void kx_memo_clear(void);

#endif
