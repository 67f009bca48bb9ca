/* hostkey: the server's host key as the wire shows it (K_S from the
 * cleartext KEX reply): its type and SHA-256 fingerprint in the form
 * `ssh-keygen -l` prints. The verdicts below are filled by the check
 * against what is on record (analyze/known_hosts.h). */
#ifndef KEXRAY_HOSTKEY_H
#define KEXRAY_HOSTKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kexray/core/status.h"

/* "SHA256:" and the unpadded base64 of a 32-byte digest (43 characters). */
#define KX_FP_LEN (7 + 43)
/* Key type names are SSH algorithm names: at most 64 bytes (RFC 4251 6). */
#define KX_KEYTYPE_MAX 64

enum kx_hk_verdict {
	KX_HK_UNCHECKED,   /* no file given, or no key seen */
	KX_HK_MATCH,       /* a recorded key for this host equals it */
	KX_HK_CHANGED,     /* the host's recorded key of this type differs */
	KX_HK_OTHER_TYPE,  /* the host is on record with other key types only */
	KX_HK_UNKNOWN,     /* the host is not on record */
	KX_HK_REVOKED,     /* the key is marked @revoked */
	KX_HK_LEARNED,     /* state file: not on record before, recorded now */
	KX_HK_MAX
};

/* "unchecked", "match", "changed", "other_type", "unknown_host",
 * "revoked", "learned" */
extern const char *const kx_hk_verdict_names[KX_HK_MAX];

struct kx_hostkey {
	bool have;
	bool cert;                       /* an OpenSSH certificate */
	char type[KX_KEYTYPE_MAX + 1];   /* the blob's key type name */
	char fp[KX_FP_LEN + 1];          /* of the plain key, as ssh-keygen -l */
	enum kx_hk_verdict known_hosts;  /* --known-hosts */
	enum kx_hk_verdict host_keys;    /* --host-keys */
	char recorded_fp[KX_FP_LEN + 1]; /* when CHANGED: the key on record */
};

/* Reads the type and computes the fingerprint of a K_S blob. Certificates
 * (PROTOCOL.certkeys) are fingerprinted by their plain key, as ssh-keygen
 * does. Returns KX_OK, KX_MALFORMED (not an SSH public key blob) or
 * KX_UNSUPPORTED (libcrypto failed). */
KX_WUR enum kx_status kx_hostkey_from_blob(const uint8_t *blob, size_t len,
    struct kx_hostkey *out);

/* Frees the calling thread's SHA-256 context (a worker's, as it ends). */
void kx_fingerprint_thread_end(void);
/* `SHA256:` + unpadded base64 of SHA-256(data): what ssh-keygen -l -E
 * sha256 prints. out holds KX_FP_LEN + 1 bytes. */
KX_WUR enum kx_status kx_fingerprint_sha256(const uint8_t *data, size_t len,
    char out[KX_FP_LEN + 1]);

/* The plain key of a K_S blob: the blob itself (*owned NULL), or for a
 * certificate a new allocation (*owned, the caller frees it) holding the
 * plain type and key fields. type gets the blob's own type name. Returns
 * KX_OK, KX_MALFORMED (not an SSH public key blob) or KX_NOMEM. */
KX_WUR enum kx_status kx_hostkey_plain(const uint8_t *blob, size_t len,
    const uint8_t **pb, size_t *pl, uint8_t **owned,
    char type[KX_KEYTYPE_MAX + 1], bool *cert);

#endif
