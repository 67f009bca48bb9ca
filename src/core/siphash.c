/* SipHash-2-4, from the paper's specification (section 2): two compression
 * rounds per 8-byte little-endian word, the length in the last word's top
 * byte, four finalization rounds. tests/test_siphash.c checks the 64
 * published vectors. */
#include <string.h>

#include "kexray/core/siphash.h"

static uint64_t
le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	    (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

#define SIPROUND KX_SIPROUND

/* v[0..3] after the key; the finalization of the last word m. */
#define SIP_INIT(key) \
	uint64_t k0 = le64(key), k1 = le64((key) + 8); \
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0; \
	uint64_t v1 = 0x646f72616e646f6dULL ^ k1; \
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0; \
	uint64_t v3 = 0x7465646279746573ULL ^ k1

#define SIP_WORD(m) do { \
	v3 ^= (m); \
	SIPROUND(v0, v1, v2, v3); \
	SIPROUND(v0, v1, v2, v3); \
	v0 ^= (m); \
} while (0)

#define SIP_FINAL() do { \
	v2 ^= 0xff; \
	SIPROUND(v0, v1, v2, v3); \
	SIPROUND(v0, v1, v2, v3); \
	SIPROUND(v0, v1, v2, v3); \
	SIPROUND(v0, v1, v2, v3); \
} while (0)

uint64_t
kx_siphash24_words(const uint8_t key[KX_SIPHASH_KEY_LEN], const uint64_t *w,
    size_t n)
{
	SIP_INIT(key);

	for (size_t i = 0; i < n; i++)
		SIP_WORD(w[i]);
	SIP_WORD((uint64_t)((n * 8) & 0xff) << 56);
	SIP_FINAL();
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t
kx_siphash13_words(const uint8_t key[KX_SIPHASH_KEY_LEN], const uint64_t *w,
    size_t n)
{
	struct kx_siphash_state st;

	kx_siphash_state_init(&st, key);
	return kx_siphash13_from(&st, w, n);
}

uint64_t
kx_siphash24(const uint8_t key[KX_SIPHASH_KEY_LEN], const void *p, size_t len)
{
	const uint8_t *in = p;
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
	uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
	uint64_t v3 = 0x7465646279746573ULL ^ k1;
	uint64_t m;
	uint8_t last[8] = { 0 };
	size_t whole = len & ~(size_t)7;

	for (size_t i = 0; i < whole; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	if (len > whole)
		memcpy(last, in + whole, len - whole);
	m = le64(last) | (uint64_t)(len & 0xff) << 56;
	v3 ^= m;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= m;
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

void
kx_siphash_state_init(struct kx_siphash_state *st,
    const uint8_t key[KX_SIPHASH_KEY_LEN])
{
	SIP_INIT(key);

	st->v[0] = v0;
	st->v[1] = v1;
	st->v[2] = v2;
	st->v[3] = v3;
}
