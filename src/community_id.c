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

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "kexray/community_id.h"
#include "kexray/sshlog.h"

static uint16_t run_seed = KX_COMMUNITY_ID_DEFAULT_SEED;

/* SHA-1 fetched once and one context reused: OpenSSL 3's one-shot SHA1()
 * looks the algorithm up on every call, which made it cost three times as
 * much (0.45 against 0.16 us for the 40 bytes here; two ids per
 * connection). One context: the records are written by one thread. */
static EVP_MD *sha1_md;
static EVP_MD_CTX *sha1_ctx;
static bool sha1_tried;

static bool
sha1(const uint8_t *in, size_t n, uint8_t md[SHA_DIGEST_LENGTH])
{
	unsigned int len = 0;

	if (!sha1_tried) {
		sha1_tried = true;
		sha1_md = EVP_MD_fetch(NULL, "SHA1", NULL);
		sha1_ctx = EVP_MD_CTX_new();
	}
	if (sha1_md == NULL || sha1_ctx == NULL)
		return SHA1(in, n, md) != NULL;
	return EVP_DigestInit_ex2(sha1_ctx, sha1_md, NULL) == 1 &&
	    EVP_DigestUpdate(sha1_ctx, in, n) == 1 &&
	    EVP_DigestFinal_ex(sha1_ctx, md, &len) == 1 &&
	    len == SHA_DIGEST_LENGTH;
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
	if (c->log != NULL && (!c->log->have_ep[KX_CLIENT] ||
	    !c->log->have_ep[KX_SERVER]))
		return false;
	return kx_community_id(run_seed, c->ip_version, c->ep[KX_CLIENT].addr,
	    c->ep[KX_CLIENT].port, c->ep[KX_SERVER].addr, c->ep[KX_SERVER].port,
	    6, out);
}
