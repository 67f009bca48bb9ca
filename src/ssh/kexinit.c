/* ssh kexinit: SSH_MSG_KEXINIT (RFC 4253 7.1): byte 20, 16-byte cookie,
 * ten name-lists (RFC 4251 5: uint32 length + comma-separated names),
 * boolean first_kex_packet_follows, uint32 reserved. Every list is kept
 * whole, however long: negotiation must see what the peer saw. */
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "internal.h"

const char *const kx_proposal_names[KX_PROP_MAX] = {
	[KX_PROP_KEX] = "kex_algorithms",
	[KX_PROP_HOSTKEY] = "server_host_key_algorithms",
	[KX_PROP_ENC_C2S] = "encryption_algorithms_client_to_server",
	[KX_PROP_ENC_S2C] = "encryption_algorithms_server_to_client",
	[KX_PROP_MAC_C2S] = "mac_algorithms_client_to_server",
	[KX_PROP_MAC_S2C] = "mac_algorithms_server_to_client",
	[KX_PROP_COMP_C2S] = "compression_algorithms_client_to_server",
	[KX_PROP_COMP_S2C] = "compression_algorithms_server_to_client",
	[KX_PROP_LANG_C2S] = "languages_client_to_server",
	[KX_PROP_LANG_S2C] = "languages_server_to_client",
};

/* Counts the names of one list in a single pass. RFC 4251 5: names are
 * non-empty, printable US-ASCII without commas or whitespace; anything else
 * sets *bad but is still counted, so the count matches kx_namelist_next.
 * Every byte of every KEXINIT passes here: with SSE2 (every x86-64), 16
 * bytes a step; the bytes left, and other machines, one at a time. */
static uint32_t
count_names(struct kx_cursor c, bool *bad)
{
	size_t n = kx_cur_left(&c), i = 0;
	const uint8_t *p;
	uint32_t count = 1, prev_comma = 0;
	unsigned odd = 0, twice = 0;

	if (n == 0 || kx_cur_bytes(&c, n, &p) != KX_OK)
		return 0;
#ifdef __SSE2__
	{
		const __m128i comma = _mm_set1_epi8(','), low = _mm_set1_epi8(0x21);
		const __m128i del = _mm_set1_epi8(0x7f), zero = _mm_setzero_si128();
		__m128i bad_bytes = zero, per_byte = zero, sums;
		unsigned steps = 0;

		for (; n - i >= 16; i += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			__m128i eq = _mm_cmpeq_epi8(v, comma);
			uint32_t m = (uint32_t)_mm_movemask_epi8(eq);

			/* Commas counted per byte lane (eq is -1 where one is),
			 * summed before a lane can pass 255. */
			per_byte = _mm_sub_epi8(per_byte, eq);
			if (++steps == 255) {
				sums = _mm_sad_epu8(per_byte, zero);
				count += (uint32_t)_mm_cvtsi128_si32(sums) +
				    (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(sums, 8));
				per_byte = zero;
				steps = 0;
			}
			/* Two commas in a row, within the 16 or across. */
			twice |= (m & (m >> 1)) | (m & prev_comma);
			prev_comma = m >> 15;
			/* Below 0x21 as a signed byte: the controls, the space
			 * and everything from 0x80; and DEL. */
			bad_bytes = _mm_or_si128(bad_bytes, _mm_or_si128(
			    _mm_cmplt_epi8(v, low), _mm_cmpeq_epi8(v, del)));
		}
		sums = _mm_sad_epu8(per_byte, zero);
		count += (uint32_t)_mm_cvtsi128_si32(sums) +
		    (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(sums, 8));
		odd = (unsigned)_mm_movemask_epi8(bad_bytes);
	}
#endif
	for (; i < n; i++) {
		uint32_t is_comma = p[i] == ',';

		count += is_comma;
		twice |= is_comma & prev_comma;
		prev_comma = is_comma;
		odd |= (unsigned)((p[i] < 0x21) | (p[i] > 0x7e));
	}
	/* A comma at either end is an empty name too. */
	if (odd || twice || p[0] == ',' || p[n - 1] == ',')
		*bad = true;
	return count;
}

/* 64-bit mix, four independent lanes of 8 bytes (the chains overlap in
 * the pipeline). Not cryptographic: a collision only costs the memo a
 * compare. */
uint64_t
kx_hash_bytes(uint64_t h, const uint8_t *p, size_t len)
{
	const uint64_t m = 0x9e3779b97f4a7c15ULL;
	uint64_t l0 = h, l1 = h ^ 1, l2 = h ^ 2, l3 = h ^ 3, w[4];

	while (len >= 32) {
		memcpy(w, p, 32);
		l0 = (l0 ^ w[0]) * m;
		l1 = (l1 ^ w[1]) * m;
		l2 = (l2 ^ w[2]) * m;
		l3 = (l3 ^ w[3]) * m;
		l0 ^= l0 >> 29;
		l1 ^= l1 >> 29;
		l2 ^= l2 >> 29;
		l3 ^= l3 >> 29;
		p += 32;
		len -= 32;
	}
	h = l0 ^ (l1 * 3) ^ (l2 * 5) ^ (l3 * 7);
	while (len >= 8) {
		memcpy(w, p, 8);
		h = (h ^ w[0]) * m;
		h ^= h >> 29;
		p += 8;
		len -= 8;
	}
	w[0] = 0;
	if (len > 0)
		memcpy(w, p, len);
	h = (h ^ w[0] ^ ((uint64_t)len << 56)) * 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 31);
}

uint64_t
kx_kexinit_hash(const struct kx_kexinit *k)
{
	uint64_t h = 0x6b65787261796b69ULL ^ (uint64_t)k->first_kex_follows;

	if (k->hash != 0)
		return k->hash;
	for (int i = 0; i < KX_PROP_MAX; i++)
		h = kx_hash_bytes(h, k->list[i].p, k->list[i].len);
	return h != 0 ? h : 1;
}

enum kx_status
kx_kexinit_parse(const uint8_t *payload, size_t len, struct kx_kexinit *out,
    kx_anomset *anoms)
{
	struct kx_cursor c, sub;
	const uint8_t *p;
	uint8_t code, follows;
	bool bad_name = false;
	enum kx_status st = KX_MALFORMED;
	int i;

	memset(out, 0, sizeof(*out));
	/* raw_len is 32 bits; a real KEXINIT fits one packet (35000 bytes). */
	if (len > UINT32_MAX || (payload == NULL && len > 0))
		goto out;
	out->raw = malloc(len > 0 ? len : 1);
	if (out->raw == NULL)
		return KX_NOMEM;
	if (len > 0)
		memcpy(out->raw, payload, len);
	out->raw_len = (uint32_t)len;

	kx_cur_init(&c, out->raw, len);
	if (kx_cur_u8(&c, &code) != KX_OK || code != KX_MSG_KEXINIT)
		goto out;
	if (kx_cur_bytes(&c, sizeof(out->cookie), &p) != KX_OK)
		goto out;
	memcpy(out->cookie, p, sizeof(out->cookie));
	for (i = 0; i < KX_PROP_MAX; i++) {
		if (kx_cur_sshstring(&c, &sub) != KX_OK)
			goto out;
		out->list[i].p = kx_cur_rest(&sub);
		/* Within raw, so below 2^32. */
		out->list[i].len = (uint32_t)kx_cur_left(&sub);
		out->list[i].count = count_names(sub, &bad_name);
	}
	if (kx_cur_u8(&c, &follows) != KX_OK ||
	    kx_cur_u32be(&c, &out->reserved) != KX_OK)
		goto out;
	/* RFC 4251 5: any non-zero boolean is TRUE. */
	out->first_kex_follows = follows != 0;
	out->hash = kx_kexinit_hash(out);

	if (bad_name)
		kx_anom_set(anoms, KX_ANOM_SSH_KEXINIT_BAD_NAME);
	/* RFC 4253 7.1 ends the message at reserved; leftovers are not
	 * ours to interpret, but worth telling. */
	if (kx_cur_left(&c) > 0)
		kx_anom_set(anoms, KX_ANOM_SSH_KEXINIT_TRAILING);
	st = KX_OK;
out:
	if (st != KX_OK) {
		kx_anom_set(anoms, KX_ANOM_SSH_KEXINIT_MALFORMED);
		kx_kexinit_free(out);
	}
	return st;
}

void
kx_kexinit_free(struct kx_kexinit *k)
{
	if (k == NULL)
		return;
	free(k->raw);
	memset(k, 0, sizeof(*k));
}

/* Yields every name between commas, empty ones included ("a,,b" gives "a",
 * "", "b"; "a," gives "a", ""), so a caller sees exactly what is on the
 * wire; kx_namelist.count counts the same way. *off is the offset of the
 * next name, or len + 1 once the last name has been handed out. */
bool
kx_namelist_next(const struct kx_namelist *nl, uint32_t *off,
    const uint8_t **name, uint32_t *name_len)
{
	struct kx_cursor c;
	uint32_t n;

	/* len + 1 must not wrap; no parsed list comes near 2^32 bytes. */
	if (nl->len == 0 || nl->len == UINT32_MAX || *off > nl->len)
		return false;
	kx_cur_init(&c, nl->p, nl->len);
	if (kx_cur_skip(&c, *off) != KX_OK)
		return false;
	n = (uint32_t)kx_cur_span_to(&c, ',');
	*name = kx_cur_rest(&c);
	*name_len = n;
	*off += n + 1;
	return true;
}

bool
kx_namelist_has(const struct kx_namelist *nl, const uint8_t *name,
    uint32_t len)
{
	uint32_t off = 0, l;
	const uint8_t *n;

	while (kx_namelist_next(nl, &off, &n, &l))
		if (l == len && memcmp(n, name, len) == 0)
			return true;
	return false;
}
