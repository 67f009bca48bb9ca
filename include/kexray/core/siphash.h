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
/* The same of n 64-bit words, each taken as 8 little-endian bytes (the
 * flow table's key is built as words: no byte buffer per packet). */
uint64_t kx_siphash24_words(const uint8_t key[KX_SIPHASH_KEY_LEN],
    const uint64_t *w, size_t n);
/* SipHash-1-3 of n words: one compression round a word and three to
 * finish, the variant Rust's HashMap and CPython's str hash use against
 * hash flooding; about 40% fewer rounds, run for every packet. */
uint64_t kx_siphash13_words(const uint8_t key[KX_SIPHASH_KEY_LEN],
    const uint64_t *w, size_t n);

#endif
