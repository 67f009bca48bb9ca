/* ssh kexinit: SSH_MSG_KEXINIT (RFC 4253 7.1): byte 20, 16-byte cookie,
 * ten name-lists (RFC 4251 5: uint32 length + comma-separated names),
 * boolean first_kex_packet_follows, uint32 reserved. Every list is kept
 * whole, however long: negotiation must see what the peer saw. */
#include <stdlib.h>
#include <string.h>

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
 * sets *bad but is still counted, so the count matches kx_namelist_next. */
static uint32_t
count_names(struct kx_cursor c, bool *bad)
{
	size_t n = kx_cur_left(&c);
	const uint8_t *p;
	uint32_t count = 1;
	uint8_t odd = 0, twice = 0;

	if (n == 0 || kx_cur_bytes(&c, n, &p) != KX_OK)
		return 0;
	/* Every byte of every KEXINIT passes here, so two passes with no
	 * dependency between bytes (the compiler vectorises them): names and
	 * odd bytes, then two commas in a row (an empty name). */
	for (size_t i = 0; i < n; i++) {
		uint8_t b = p[i];

		count += b == ',';
		odd |= (uint8_t)((b < 0x21) | (b > 0x7e));
	}
	for (size_t i = 0; i + 1 < n; i++)
		twice |= (uint8_t)((p[i] == ',') & (p[i + 1] == ','));
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
