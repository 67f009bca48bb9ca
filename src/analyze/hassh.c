/* hassh: what identifies a KEXINIT as sent, whatever it negotiates: the
 * HASSH fingerprints and the kexinit record's content-derived id. */
#include <string.h>

#include <openssl/evp.h>

#include "kexray/analyze/hassh.h"
#include "kexray/stream/flow.h"

/* HASSH (salesforce/hassh): kex;encryption;mac;compression, the lists as
 * sent, client-to-server for the client, server-to-client for the server. */
static const enum kx_proposal hassh_props[2][4] = {
	{ KX_PROP_KEX, KX_PROP_ENC_C2S, KX_PROP_MAC_C2S, KX_PROP_COMP_C2S },
	{ KX_PROP_KEX, KX_PROP_ENC_S2C, KX_PROP_MAC_S2C, KX_PROP_COMP_S2C },
};

size_t
kx_hassh_algorithms(const struct kx_kexinit *k, bool server, uint8_t *buf,
    size_t len)
{
	size_t off = 0;

	for (int i = 0; i < 4; i++) {
		const struct kx_namelist *nl = &k->list[hassh_props[server][i]];

		if (i > 0) {
			if (off < len)
				buf[off] = ';';
			off++;
		}
		if (off < len)
			memcpy(buf + off, nl->p, nl->len < len - off ? nl->len : len - off);
		off += nl->len;
	}
	return off;
}

/* n bytes of md as 2n lowercase hex digits and a NUL. */
static void
hex_digits(const unsigned char *md, unsigned n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (unsigned i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * n] = '\0';
}

/* MD5 (hassh's choice) through libcrypto, fed list by list. */
bool
kx_hassh(const struct kx_kexinit *k, bool server, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	bool ok = true;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return false;
	ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1;
	for (int i = 0; i < 4 && ok; i++) {
		const struct kx_namelist *nl = &k->list[hassh_props[server][i]];

		if (i > 0)
			ok = EVP_DigestUpdate(ctx, ";", 1) == 1;
		if (ok && nl->len > 0)
			ok = EVP_DigestUpdate(ctx, nl->p, nl->len) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 16;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return false;
	hex_digits(md, 16, out);
	return true;
}

/* The kexinit record's id (docs/output-format.md): SHA-256 over the role
 * ('c' or 's'), each of the ten lists as a 4-byte big-endian length and
 * its bytes, as sent, and the first_kex_packet_follows byte; the first 8
 * bytes in hex. The content alone decides it: the same offer has the same
 * id in every run and on every sensor. */
bool
kx_kexinit_id(const struct kx_kexinit *k, int role, char out[KX_KEXINIT_ID_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	uint8_t b[4];
	EVP_MD_CTX *ctx;
	bool ok;

	if (k == NULL || (ctx = EVP_MD_CTX_new()) == NULL)
		return false;
	b[0] = role == KX_SERVER ? 's' : 'c';
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, b, 1) == 1;
	for (int i = 0; i < KX_PROP_MAX && ok; i++) {
		const struct kx_namelist *nl = &k->list[i];

		b[0] = (uint8_t)(nl->len >> 24);
		b[1] = (uint8_t)(nl->len >> 16);
		b[2] = (uint8_t)(nl->len >> 8);
		b[3] = (uint8_t)nl->len;
		ok = EVP_DigestUpdate(ctx, b, 4) == 1 &&
		    (nl->len == 0 || EVP_DigestUpdate(ctx, nl->p, nl->len) == 1);
	}
	b[0] = k->first_kex_follows ? 1 : 0;
	ok = ok && EVP_DigestUpdate(ctx, b, 1) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return false;
	hex_digits(md, KX_KEXINIT_ID_LEN / 2, out);
	return true;
}
