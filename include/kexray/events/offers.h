/* offers: which KEXINITs have had their "kexinit" record written
 * (docs/output-format.md). A handshake record names both sides' KEXINITs
 * by a content-derived id (assess.h, kx_kexinit_id); the record with the
 * lists themselves is written the first time an id is seen. Cross-
 * connection state, so it lives with the other run-wide work (DESIGN
 * "events"), never in the analysis.
 *
 * Bounded: at most KX_OFFERS_MAX ids are remembered, in sets of
 * KX_OFFERS_WAYS; a new id pushes out the oldest of its set, and an id
 * pushed out is written again when it comes back, so a reader joining on
 * ids always finds one earlier in the same output (a rotated-away file
 * aside). */
#ifndef KEXRAY_OFFERS_H
#define KEXRAY_OFFERS_H

#include <stdbool.h>
#include <stdint.h>

#include "kexray/analyze/assess.h"
#include "kexray/core/limits.h"   /* KX_OFFERS_MAX, KX_OFFERS_WAYS */


struct kx_offers;

/* max: ids remembered, rounded down to a multiple of KX_OFFERS_WAYS times
 * a power of two (at least KX_OFFERS_WAYS). NULL when out of memory. */
struct kx_offers *kx_offers_new(uint32_t max);
void kx_offers_free(struct kx_offers *o);

/* True when id (KX_KEXINIT_ID_LEN hex digits) is not remembered: the
 * caller writes its record now. The id is remembered either way. */
bool kx_offers_first(struct kx_offers *o, const char *id);

/* Whether id is remembered, without remembering it (kx_offers_first
 * would return false). */
bool kx_offers_seen(const struct kx_offers *o, const char *id);

/* Records owed so far: ids seen for the first time, or again after being
 * pushed out. */
uint64_t kx_offers_written(const struct kx_offers *o);

#endif
