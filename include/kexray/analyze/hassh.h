/* hassh: what identifies a KEXINIT as sent: the HASSH fingerprints and
 * the kexinit record's content-derived id. */
#ifndef KEXRAY_HASSH_H
#define KEXRAY_HASSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kexray/ssh/ssh.h"

/* Hex digits of a kexinit record's id (kx_kexinit_id). */
#define KX_KEXINIT_ID_LEN 16

/* The HASSH of a KEXINIT (MD5 of kx_hassh_algorithms' string) as 32 hex
 * digits: hassh for the client, hasshServer for the server (server).
 * False when the digest failed. */
bool kx_hassh(const struct kx_kexinit *k, bool server, char out[33]);

/* The HASSH string (https://github.com/salesforce/hassh): kex;enc;mac;comp
 * from the raw lists, client-to-server ones for the client, server-to-
 * client ones for the server. Writes at most len bytes (no NUL added) and
 * returns the full length. */
size_t kx_hassh_algorithms(const struct kx_kexinit *k, bool server,
    uint8_t *buf, size_t len);

/* The content-derived id of a KEXINIT sent by role (KX_CLIENT or
 * KX_SERVER, flow.h), KX_KEXINIT_ID_LEN hex digits: the kexinit record's "id".
 * False when k is NULL or the digest failed. */
bool kx_kexinit_id(const struct kx_kexinit *k, int role,
    char out[KX_KEXINIT_ID_LEN + 1]);

#endif
