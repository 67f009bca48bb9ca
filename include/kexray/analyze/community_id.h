/* Community ID flow hashing, version 1 (corelight/community-id-spec):
 * one string per connection that Zeek (its community-id package), Suricata
 * (community-id: yes), Elastic and Arkime compute from the same five-tuple,
 * so a pipeline joins their records of one connection with kexray's. */
#ifndef KEXRAY_COMMUNITY_ID_H
#define KEXRAY_COMMUNITY_ID_H

#include <stdbool.h>
#include <stdint.h>

#include "kexray/stream/flow.h"

/* "1:" and the base64 of a SHA-1 digest (28 characters), and the NUL. */
#define KX_COMMUNITY_ID_SIZE 31

/* The spec's default seed; --community-id-seed sets another (0-65535). */
#define KX_COMMUNITY_ID_DEFAULT_SEED 0

/* The id of one flow: addresses of 4 (IPv4) or 16 (IPv6) bytes, network
 * order; proto the IP protocol number. The endpoints may come in either
 * order: the spec orders them, so both directions give the same id.
 * Returns false (out left empty) for an ip_version other than 4 or 6 or
 * when the digest fails. */
bool kx_community_id(uint16_t seed, int ip_version, const uint8_t *saddr,
    uint16_t sport, const uint8_t *daddr, uint16_t dport, uint8_t proto,
    char out[KX_COMMUNITY_ID_SIZE]) __attribute__((warn_unused_result));

/* The seed every record of this run uses: set once, before the first
 * record is written (main.c); the default until then. */
void kx_community_id_set_seed(uint16_t seed);
uint16_t kx_community_id_seed(void);

/* The id of a connection (TCP) with the run's seed; false when it has
 * none: a record read from a log that does not name both endpoints. */
bool kx_conn_community_id(const struct kx_conn *c,
    char out[KX_COMMUNITY_ID_SIZE]) __attribute__((warn_unused_result));

#endif
