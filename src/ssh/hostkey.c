/* hostkey: type and fingerprint of the server's host key K_S, and the
 * plain key inside a certificate. The blob came off the wire: it is read
 * only through the cursor. Digests come from libcrypto. The check against
 * what is on record is known_hosts.c's (analyze). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "kexray/core/cursor.h"
#include "kexray/ssh/hostkey.h"

const char *const kx_hk_verdict_names[KX_HK_MAX] = {
	[KX_HK_UNCHECKED] = "unchecked",
	[KX_HK_MATCH] = "match",
	[KX_HK_CHANGED] = "changed",
	[KX_HK_OTHER_TYPE] = "other_type",
	[KX_HK_UNKNOWN] = "unknown_host",
	[KX_HK_REVOKED] = "revoked",
	[KX_HK_LEARNED] = "learned",
};

/* OpenSSH certificate key types (PROTOCOL.certkeys): the plain key type
 * and how many key fields follow the nonce. ssh-keygen -l fingerprints a
 * certificate by its plain key: the type and those fields. */
static const struct {
	const char *cert;
	const char *plain;
	int fields;
} cert_types[] = {
	{ "ssh-rsa-cert-v01@openssh.com", "ssh-rsa", 2 },
	{ "ssh-dss-cert-v01@openssh.com", "ssh-dss", 4 },
	{ "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp256", 2 },
	{ "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp384", 2 },
	{ "ecdsa-sha2-nistp521-cert-v01@openssh.com", "ecdsa-sha2-nistp521", 2 },
	{ "ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519", 1 },
	{ "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", 3 },
	{ "sk-ssh-ed25519-cert-v01@openssh.com", "sk-ssh-ed25519@openssh.com", 2 },
};

#define NCERT (sizeof(cert_types) / sizeof(cert_types[0]))

/* RFC 4251 6: 1-64 printable US-ASCII bytes, no comma. Copies the name
 * into type (KX_KEYTYPE_MAX + 1 bytes). */
static bool
read_type(struct kx_cursor *c, char *type)
{
	struct kx_cursor t;
	size_t n;
	uint8_t b;

	if (kx_cur_sshstring(c, &t) != KX_OK)
		return false;
	n = kx_cur_left(&t);
	if (n == 0 || n > KX_KEYTYPE_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (kx_cur_u8(&t, &b) != KX_OK || b <= 0x20 || b >= 0x7f || b == ',')
			return false;
		type[i] = (char)b;
	}
	type[n] = '\0';
	return true;
}

enum kx_status
kx_hostkey_plain(const uint8_t *blob, size_t len, const uint8_t **pb,
    size_t *pl, uint8_t **owned, char type[KX_KEYTYPE_MAX + 1], bool *cert)
{
	struct kx_cursor c, f;
	size_t start, flen, tl;
	const uint8_t *fields;
	uint8_t *p;
	int i = 0;

	*owned = NULL;
	*cert = false;
	kx_cur_init(&c, blob, len);
	if (!read_type(&c, type))
		return KX_MALFORMED;
	*pb = blob;
	*pl = len;
	for (size_t k = 0; k < NCERT; k++) {
		if (strcmp(type, cert_types[k].cert) != 0)
			continue;
		if (kx_cur_sshstring(&c, &f) != KX_OK)   /* nonce */
			return KX_MALFORMED;
		start = kx_cur_used(&c);
		for (i = 0; i < cert_types[k].fields; i++)
			if (kx_cur_sshstring(&c, &f) != KX_OK)
				return KX_MALFORMED;
		flen = kx_cur_used(&c) - start;
		tl = strlen(cert_types[k].plain);
		kx_cur_init(&c, blob, len);
		if (kx_cur_skip(&c, start) != KX_OK ||
		    kx_cur_bytes(&c, flen, &fields) != KX_OK)
			return KX_MALFORMED;
		if ((p = malloc(4 + tl + flen)) == NULL)
			return KX_NOMEM;
		p[0] = (uint8_t)(tl >> 24);
		p[1] = (uint8_t)(tl >> 16);
		p[2] = (uint8_t)(tl >> 8);
		p[3] = (uint8_t)tl;
		memcpy(p + 4, cert_types[k].plain, tl);
		memcpy(p + 4 + tl, fields, flen);
		*owned = p;
		*pb = p;
		*pl = 4 + tl + flen;
		*cert = true;
		break;
	}
	return KX_OK;
}

static _Thread_local EVP_MD *fp_sha256;
static _Thread_local EVP_MD_CTX *fp_ctx;

void
kx_fingerprint_thread_end(void)
{
	EVP_MD_CTX_free(fp_ctx);
	EVP_MD_free(fp_sha256);
	fp_ctx = NULL;
	fp_sha256 = NULL;
}

enum kx_status
kx_fingerprint_sha256(const uint8_t *data, size_t len, char out[KX_FP_LEN + 1])
{
	/* Fetched once: EVP_sha256() would look the implementation up in the
	 * provider on every call, which costs more than hashing a key. Kept
	 * for the life of the thread (kx_fingerprint_thread_end). */
	unsigned char md[EVP_MAX_MD_SIZE], b64[64];
	unsigned int mdlen = 0;
	int n;

	if (fp_sha256 == NULL && (fp_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		return KX_UNSUPPORTED;
	if (fp_ctx == NULL && (fp_ctx = EVP_MD_CTX_new()) == NULL)
		return KX_NOMEM;
	if (EVP_DigestInit_ex(fp_ctx, fp_sha256, NULL) != 1 ||
	    EVP_DigestUpdate(fp_ctx, data, len) != 1 ||
	    EVP_DigestFinal_ex(fp_ctx, md, &mdlen) != 1 || mdlen != 32)
		return KX_UNSUPPORTED;
	n = EVP_EncodeBlock(b64, md, (int)mdlen);
	/* ssh-keygen drops the base64 padding (sshkey.c fingerprint_b64). */
	while (n > 0 && b64[n - 1] == '=')
		n--;
	if (n != 43)
		return KX_UNSUPPORTED;
	memcpy(out, "SHA256:", 7);
	memcpy(out + 7, b64, (size_t)n);
	out[7 + n] = '\0';
	return KX_OK;
}

enum kx_status
kx_hostkey_from_blob(const uint8_t *blob, size_t len, struct kx_hostkey *out)
{
	const uint8_t *pb;
	uint8_t *owned;
	size_t pl;
	enum kx_status st;

	memset(out, 0, sizeof(*out));
	if ((st = kx_hostkey_plain(blob, len, &pb, &pl, &owned, out->type,
	    &out->cert)) != KX_OK)
		return st;
	st = kx_fingerprint_sha256(pb, pl, out->fp);
	free(owned);
	if (st == KX_OK)
		out->have = true;
	return st;
}
