/* hostkeys: the host-key store, across connections (DESIGN "events"). A
 * server's host key is held against an OpenSSH known_hosts file
 * (--known-hosts, read only) and against the keys kexray learned
 * (--host-keys: a known_hosts-format file, each new key appended as it is
 * learned). Judging one connection may add to the learned set, so it is
 * done here, where every connection's result passes, never in the
 * analysis of one connection. */
#ifndef KEXRAY_EVENTS_HOSTKEYS_H
#define KEXRAY_EVENTS_HOSTKEYS_H

#include <stdbool.h>

#include "kexray/analyze/analyze.h"
#include "kexray/core/status.h"

struct kx_hostkeys;

/* Reads known_path (must exist) and learned_path (created if missing,
 * then opened as an append-only journal), either NULL. *out stays NULL
 * when both are. Before the privilege drop. Returns KX_OK, KX_IO when a
 * file cannot be read (one line on stderr), or KX_LIMIT when the learned
 * set cannot be opened for writing (one line on stderr). */
KX_WUR enum kx_status kx_hostkeys_open(const char *known_path,
    const char *learned_path, struct kx_hostkeys **out);

/* Judges c's server host key as analysed in v (NULL hk: nothing to do).
 * A key that differs from the one on record, or is revoked, becomes the
 * verdict (HOST_KEY_CHANGED) whatever else happened: the handshake is not
 * to be trusted, or the client was right to refuse it. A connection read
 * from an ssh -v log is judged by the fingerprint the log gives. */
void kx_hostkeys_judge(struct kx_hostkeys *hk, const struct kx_conn *c,
    struct kx_verdict *v);

/* The learned set's journal, for the sandbox's write list; -1 none. */
int kx_hostkeys_journal_fd(const struct kx_hostkeys *hk);

/* Frees hk. Returns false when learned keys could not be written (one
 * line on stderr with how many and why). NULL is fine. */
bool kx_hostkeys_close(struct kx_hostkeys *hk);

#endif
