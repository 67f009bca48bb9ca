/* evidence: the frames of a connection, kept until its verdict is known so
 * that -w can write the connections worth a second look (mismatch,
 * refused, reset) to a pcap for Wireshark. Bounded per connection; nothing
 * is kept once a handshake completes (its verdict can no longer be a
 * problem). */
#ifndef KEXRAY_EVIDENCE_H
#define KEXRAY_EVIDENCE_H

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

struct kx_evidence_writer;

/* Creates (truncates) path as a pcap of link type dlt. Returns NULL after
 * printing one line to stderr. */
struct kx_evidence_writer *kx_evidence_open(const char *path, int dlt);
/* The same in two steps, so that the file is created before the privilege
 * drop and its pcap header written once the link type is known: create
 * returns the descriptor or -1 (after one line on stderr); open_fd takes
 * the descriptor over (closing it on failure). */
int kx_evidence_create(const char *path);
struct kx_evidence_writer *kx_evidence_open_fd(int fd, const char *path,
    int dlt);
/* The descriptor written to (for the sandbox), -1 for NULL. */
int kx_evidence_fd(const struct kx_evidence_writer *w);
/* Writes ev's frames of the writer's link type; returns how many. */
uint32_t kx_evidence_write(struct kx_evidence_writer *w,
    const struct kx_evidence *ev);
/* Flushes and closes; returns -1 when the file could not be written. */
int kx_evidence_close(struct kx_evidence_writer *w);

#endif
