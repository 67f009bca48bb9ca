/* siphash: SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast
 * short-input PRF", 2012), the keyed hash of the flow table: with a key
 * chosen at start, an attacker who picks addresses and ports cannot
 * predict which connections share a slot (DESIGN "Resource bounds"). */
#ifndef KEXRAY_SIPHASH_H
#define KEXRAY_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define KX_SIPHASH_KEY_LEN 16

/* SipHash-2-4 of len bytes at p under the 128-bit key. */
uint64_t kx_siphash24(const uint8_t key[KX_SIPHASH_KEY_LEN], const void *p,
    size_t len);

#endif
