/* evidence (-w): the pcap writer of the frames a connection kept
 * (stream/evidence.h) for the connections reported. */
#ifndef KEXRAY_INPUT_EVIDENCE_H
#define KEXRAY_INPUT_EVIDENCE_H

#include <stdint.h>

#include "kexray/stream/evidence.h"

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
