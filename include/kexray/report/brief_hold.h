/* brief_hold: --brief is one line per connection, its handshake and its
 * end together. A connection whose handshake completes is reported at
 * NEWKEYS, long before it ends; reading files, its line is held here
 * until the end is known and then written with it. Bounded: past
 * KX_BRIEF_HOLD_MAX lines held, a line is written at once, without its
 * end. Live capture holds nothing (records as they happen). */
#ifndef KEXRAY_BRIEF_HOLD_H
#define KEXRAY_BRIEF_HOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One line is a few hundred bytes: 64 Ki lines stay under 32 MiB. */
#define KX_BRIEF_HOLD_MAX 65536u

struct kx_brief_hold;

struct kx_brief_hold *kx_brief_hold_new(void);
void kx_brief_hold_free(struct kx_brief_hold *h);

/* Keeps line (len bytes, no newline) of connection id. False when full
 * or out of memory: the caller writes it now. */
bool kx_brief_hold_put(struct kx_brief_hold *h, uint64_t id,
    const char *line, size_t len);

/* Writes the line held for id (no newline) to out and forgets it;
 * false when none is held. */
bool kx_brief_hold_write(struct kx_brief_hold *h, uint64_t id, FILE *out);

#endif
