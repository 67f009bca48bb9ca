/* known_hosts: host keys on record, in OpenSSH's known_hosts format:
 * either a known_hosts file (--known-hosts, hashed host names included),
 * read only, or a state file kexray learns into (--host-keys). A key that
 * differs from the one on record is the man-in-the-middle warning, seen
 * from the wire. */
#ifndef KEXRAY_KNOWN_HOSTS_H
#define KEXRAY_KNOWN_HOSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kexray/core/status.h"
#include "kexray/ssh/hostkey.h"

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

/* The same judgement from a key's type and SHA-256 fingerprint alone (what
 * ssh -v logs: "Server host key: TYPE SHA256:..."), read only: a key known
 * by its fingerprint cannot be written to a known_hosts file. */
enum kx_hk_verdict kx_hostdb_check_fp(const struct kx_hostdb *db,
    const char *name, const char *type, const char *fp,
    char recorded_fp[KX_FP_LEN + 1]);

/* Adds blob (a K_S) under name, as kx_hostdb_check does with learn, and
 * appends it to the journal when one is open. Returns KX_OK, KX_LIMIT (a
 * blob over KX_HOSTKEY_MAX, or a set already at KX_HOSTDB_LINES_MAX),
 * KX_MALFORMED (not a key blob) or KX_NOMEM. */
KX_WUR enum kx_status kx_hostdb_learn(struct kx_hostdb *db, const char *name,
    const uint8_t *blob, size_t len);

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
