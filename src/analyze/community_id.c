/* Community ID v1 (corelight/community-id-spec, README "Technical
 * details"): "1:" and the base64 of SHA-1 over
 *
 *   seed (2 bytes, big-endian), src addr, dst addr, proto (1 byte),
 *   one zero byte of padding, src port, dst port (2 bytes each, BE)
 *
 * with the endpoints ordered so that the smaller address comes first, or,
 * for equal addresses, the smaller port: both directions of a flow get one
 * id. Addresses compare as their network-order bytes. */
#include <string.h>

/* SHA1_Init & co. (below) without their deprecation warnings. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "kexray/analyze/community_id.h"
#include "kexray/input/sshlog.h"

static uint16_t run_seed = KX_COMMUNITY_ID_DEFAULT_SEED;

/* SHA-1 through libcrypto's own SHA1_Init/Update/Final: deprecated in
 * OpenSSL 3 but kept, and unlike SHA1() and EVP they do not go through the
 * provider machinery, whose first use costs 2.3 MiB of RSS (measured:
 * configuration, default provider, method store) in a run that otherwise
 * never loads it (a flood of connections without a KEXINIT under
 * --max-memory 16: tests/adversarial.py pending_flood), and a look-up per
 * call with the one-shot SHA1() (0.45 against 0.1 us for these 40 bytes).
 * A libcrypto built without the deprecated API gets the EVP way. */
static bool
sha1(const uint8_t *in, size_t n, uint8_t md[SHA_DIGEST_LENGTH])
{
#ifndef OPENSSL_NO_DEPRECATED_3_0
	SHA_CTX ctx;

	return SHA1_Init(&ctx) == 1 && SHA1_Update(&ctx, in, n) == 1 &&
	    SHA1_Final(md, &ctx) == 1;
#else
	unsigned int len = 0;

	return EVP_Digest(in, n, md, &len, EVP_sha1(), NULL) == 1 &&
	    len == SHA_DIGEST_LENGTH;
#endif
}

void
kx_community_id_set_seed(uint16_t seed)
{
	run_seed = seed;
}

uint16_t
kx_community_id_seed(void)
{
	return run_seed;
}

bool
kx_community_id(uint16_t seed, int ip_version, const uint8_t *saddr,
    uint16_t sport, const uint8_t *daddr, uint16_t dport, uint8_t proto,
    char out[KX_COMMUNITY_ID_SIZE])
{
	/* The largest input: IPv6, 2 + 16 + 16 + 1 + 1 + 2 + 2 bytes. */
	uint8_t in[40], md[SHA_DIGEST_LENGTH];
	const uint8_t *a1 = saddr, *a2 = daddr;
	uint16_t p1 = sport, p2 = dport;
	size_t alen, n = 0;
	int cmp;

	out[0] = '\0';
	if (ip_version == 4)
		alen = 4;
	else if (ip_version == 6)
		alen = 16;
	else
		return false;
	cmp = memcmp(saddr, daddr, alen);
	if (cmp > 0 || (cmp == 0 && sport > dport)) {
		a1 = daddr;
		a2 = saddr;
		p1 = dport;
		p2 = sport;
	}
	in[n++] = (uint8_t)(seed >> 8);
	in[n++] = (uint8_t)seed;
	memcpy(in + n, a1, alen);
	n += alen;
	memcpy(in + n, a2, alen);
	n += alen;
	in[n++] = proto;
	in[n++] = 0;
	in[n++] = (uint8_t)(p1 >> 8);
	in[n++] = (uint8_t)p1;
	in[n++] = (uint8_t)(p2 >> 8);
	in[n++] = (uint8_t)p2;
	if (!sha1(in, n, md))
		return false;
	out[0] = '1';
	out[1] = ':';
	/* 20 bytes make 28 base64 characters and a NUL: 31 in all. */
	if (EVP_EncodeBlock((unsigned char *)out + 2, md, sizeof(md)) != 28) {
		out[0] = '\0';
		return false;
	}
	return true;
}

bool
kx_conn_community_id(const struct kx_conn *c, char out[KX_COMMUNITY_ID_SIZE])
{
	out[0] = '\0';
	if (kx_conn_log(c) != NULL && (!kx_conn_log(c)->have_ep[KX_CLIENT] ||
	    !kx_conn_log(c)->have_ep[KX_SERVER]))
		return false;
	return kx_community_id(run_seed, c->ip_version, c->ep[KX_CLIENT].addr,
	    c->ep[KX_CLIENT].port, c->ep[KX_SERVER].addr, c->ep[KX_SERVER].port,
	    6, out);
}
