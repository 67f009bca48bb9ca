/* hostkey: the server's host key as the wire shows it (K_S from the
 * cleartext KEX reply): its type and SHA-256 fingerprint in the form
 * `ssh-keygen -l` prints, and a check against what is on record, either
 * an OpenSSH known_hosts file (hashed host names included) or a state file
 * kexray learns itself. A key that differs from the one on record is the
 * man-in-the-middle warning, seen from the wire. */
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

/* `SHA256:` + unpadded base64 of SHA-256(data): what ssh-keygen -l -E
 * sha256 prints. out holds KX_FP_LEN + 1 bytes. */
/* Frees the calling thread's SHA-256 context (a worker's, as it ends). */
void kx_fingerprint_thread_end(void);
KX_WUR enum kx_status kx_fingerprint_sha256(const uint8_t *data, size_t len,
    char out[KX_FP_LEN + 1]);

/* The name a host is filed under in known_hosts: the address, or
 * "[address]:port" when the port is not 22 (sshd(8) SSH_KNOWN_HOSTS). */
void kx_hostkey_name(const char *addr, uint16_t port, char *buf, size_t len);

/* A set of host keys on record, read from a known_hosts-format file. */
struct kx_hostdb;

/* Reads path. missing_ok: a file that does not exist gives an empty set
 * (a state file on its first run). On failure writes one line of why into
 * err and returns KX_IO, KX_NOMEM or KX_LIMIT. Lines that do not parse
 * are skipped, as ssh does. */
KX_WUR enum kx_status kx_hostdb_load(const char *path, bool missing_ok,
    struct kx_hostdb **out, char *err, size_t errlen);
void kx_hostdb_free(struct kx_hostdb *db);

/* Judges blob (a K_S) for host name (kx_hostkey_name). With learn, an
 * unknown host, or a known host's new key type, is added (LEARNED) and the
 * set is marked dirty. recorded_fp gets the key on record when the answer
 * is CHANGED. */
enum kx_hk_verdict kx_hostdb_check(struct kx_hostdb *db, const char *name,
    const uint8_t *blob, size_t len, bool learn,
    char recorded_fp[KX_FP_LEN + 1]);

/* Writes the set to path if it changed since it was read: a temporary
 * file in the same directory, fsync, rename, so a reader sees the old
 * file or the new one, never half of one. */
KX_WUR enum kx_status kx_hostdb_save(struct kx_hostdb *db, const char *path,
    char *err, size_t errlen);

/* The learned set as an append-only journal (--host-keys), opened before
 * the privilege drop: compacts path first when its last line was cut (a
 * temporary file and rename, as kx_hostdb_save), then opens it for
 * appending; from then on every key learned is appended at once, with one
 * write, so a kill loses at most the key being written. Returns KX_OK, or
 * KX_IO with one line of why in err. */
KX_WUR enum kx_status kx_hostdb_journal_open(struct kx_hostdb *db,
    const char *path, char *err, size_t errlen);
/* The journal's descriptor (for the sandbox), -1 when none. */
int kx_hostdb_journal_fd(const struct kx_hostdb *db);
/* Keys the journal could not write, and the last error. */
uint64_t kx_hostdb_journal_failed(const struct kx_hostdb *db, int *err);

struct kx_conn;

/* Checks the connection's server host key (c's server K_S) against known
 * (read only) and learned (the state file: new keys are added), filling
 * hk->known_hosts, hk->host_keys and hk->recorded_fp. Either set may be
 * NULL. Returns true when the key differs from the record (CHANGED or
 * REVOKED): the man-in-the-middle warning. */
bool kx_hostkey_judge(struct kx_hostdb *known, struct kx_hostdb *learned,
    const struct kx_conn *c, struct kx_hostkey *hk);

/* Entries in the set (tests). */
size_t kx_hostdb_count(const struct kx_hostdb *db);

#endif
