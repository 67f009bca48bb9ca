/* evidence: the frames of a connection, kept until its verdict is known so
 * that -w (input/evidence.h) can write the connections worth a second look
 * (mismatch, refused, reset) to a pcap for Wireshark. Bounded per
 * connection (KX_EVIDENCE_FRAMES_MAX, KX_EVIDENCE_BYTES_MAX); nothing is
 * kept once a handshake completes (its verdict can no longer be a
 * problem). */
#ifndef KEXRAY_STREAM_EVIDENCE_H
#define KEXRAY_STREAM_EVIDENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "kexray/core/limits.h"   /* KX_EVIDENCE_FRAMES_MAX, _BYTES_MAX */

struct kx_evidence_frame {
	struct kx_evidence_frame *next;
	uint64_t ts_us;
	uint32_t caplen, wirelen;
	int dlt;
	uint8_t data[];
};

struct kx_evidence {
	struct kx_evidence_frame *head, *tail;
	uint32_t frames;
	uint32_t bytes;
	bool truncated;   /* a cap was hit: later frames not kept */
};

/* Appends a copy of the frame to *ev (allocated on first use). */
void kx_evidence_add(struct kx_evidence **ev, int dlt, const uint8_t *frame,
    uint32_t caplen, uint32_t wirelen, uint64_t ts_us);
void kx_evidence_free(struct kx_evidence *ev);

#endif
