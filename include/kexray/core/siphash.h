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

/* The state a key starts every hash from, worked out once (the flow
 * table hashes every packet under one key). */
struct kx_siphash_state {
	uint64_t v[4];
};

void kx_siphash_state_init(struct kx_siphash_state *st,
    const uint8_t key[KX_SIPHASH_KEY_LEN]);

#define KX_SIPROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = (v1 << 13 | v1 >> 51); v1 ^= v0; v0 = (v0 << 32 | v0 >> 32); \
	v2 += v3; v3 = (v3 << 16 | v3 >> 48); v3 ^= v2; \
	v0 += v3; v3 = (v3 << 21 | v3 >> 43); v3 ^= v0; \
	v2 += v1; v1 = (v1 << 17 | v1 >> 47); v1 ^= v2; v2 = (v2 << 32 | v2 >> 32); \
} while (0)

/* kx_siphash13_words from a state made by kx_siphash_state_init: the same
 * value, inline so that a constant n unrolls. */
static inline uint64_t
kx_siphash13_from(const struct kx_siphash_state *st, const uint64_t *w,
    size_t n)
{
	uint64_t v0 = st->v[0], v1 = st->v[1], v2 = st->v[2], v3 = st->v[3];
	uint64_t m = (uint64_t)((n * 8) & 0xff) << 56;

	for (size_t i = 0; i < n; i++) {
		v3 ^= w[i];
		KX_SIPROUND(v0, v1, v2, v3);
		v0 ^= w[i];
	}
	v3 ^= m;
	KX_SIPROUND(v0, v1, v2, v3);
	v0 ^= m;
	v2 ^= 0xff;
	KX_SIPROUND(v0, v1, v2, v3);
	KX_SIPROUND(v0, v1, v2, v3);
	KX_SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

#endif
