/* Fuzz target: the SSH_MSG_KEXINIT payload (RFC 4253 7.1), message byte
 * included, through kx_kexinit_parse; a KEXINIT it accepts is then
 * negotiated against OpenSSH 9.2's, once as the client and once as the
 * server, so negotiate.c sees every list the parser lets through. */
#include <string.h>

#include "kexray/analyze/negotiate.h"
#include "kxfuzz.h"

/* OpenSSH 9.2p1's default client proposal (myproposal.h), wire order. */
static const char *const openssh_lists[KX_PROP_MAX] = {
	"sntrup761x25519-sha512@openssh.com,curve25519-sha256,"
	"curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
	"ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,"
	"diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
	"diffie-hellman-group14-sha256,ext-info-c",
	"ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,"
	"rsa-sha2-512-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,"
	"rsa-sha2-512,rsa-sha2-256",
	"chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
	"aes128-gcm@openssh.com,aes256-gcm@openssh.com",
	"chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
	"aes128-gcm@openssh.com,aes256-gcm@openssh.com",
	"umac-64-etm@openssh.com,umac-128-etm@openssh.com,"
	"hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,"
	"hmac-sha1-etm@openssh.com,umac-64@openssh.com,hmac-sha2-256,hmac-sha1",
	"umac-64-etm@openssh.com,umac-128-etm@openssh.com,"
	"hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,"
	"hmac-sha1-etm@openssh.com,umac-64@openssh.com,hmac-sha2-256,hmac-sha1",
	"none,zlib@openssh.com",
	"none,zlib@openssh.com",
	"",
	"",
};

/* Builds the payload of openssh_lists into buf (big enough: 2 KiB). */
static size_t
build_reference(uint8_t *buf)
{
	size_t n = 0;

	buf[n++] = KX_MSG_KEXINIT;
	memset(buf + n, 0x5a, 16);   /* cookie */
	n += 16;
	for (int i = 0; i < KX_PROP_MAX; i++) {
		size_t len = strlen(openssh_lists[i]);

		buf[n++] = (uint8_t)(len >> 24);
		buf[n++] = (uint8_t)(len >> 16);
		buf[n++] = (uint8_t)(len >> 8);
		buf[n++] = (uint8_t)len;
		memcpy(buf + n, openssh_lists[i], len);
		n += len;
	}
	buf[n++] = 0;                /* first_kex_packet_follows */
	memset(buf + n, 0, 4);       /* reserved */
	return n + 4;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t refbuf[2048];
	struct kx_kexinit k, ref;
	struct kx_nego ng;
	kx_anomset anoms = 0, ref_anoms = 0;
	enum kx_status st;

	st = kx_kexinit_parse(data, size, &k, &anoms);
	KXF_CHECK(st == KX_OK || st == KX_MALFORMED || st == KX_NOMEM);
	if (st != KX_OK) {
		KXF_CHECK(k.raw == NULL);
		KXF_CHECK(st != KX_MALFORMED ||
		    kx_anom_has(anoms, KX_ANOM_SSH_KEXINIT_MALFORMED));
		return 0;
	}
	KXF_CHECK(k.raw_len == size && memcmp(k.raw, data, size) == 0);
	kxf_check_kexinit(&k);

	if (kx_kexinit_parse(refbuf, build_reference(refbuf), &ref,
	    &ref_anoms) == KX_OK) {
		KXF_CHECK(ref_anoms == 0);
		kx_negotiate(&k, &ref, &ng);
		kxf_check_nego(&k, &ref, &ng);
		kx_negotiate(&ref, &k, &ng);
		kxf_check_nego(&ref, &k, &ng);
		kx_negotiate(&k, &k, &ng);
		kxf_check_nego(&k, &k, &ng);
		kx_kexinit_free(&ref);
	}
	kx_kexinit_free(&k);
	return 0;
}
