/* progress: one line on standard error while kexray reads large files on a
 * terminal: bytes read and percent of the input, packets per second,
 * connections found, time left. Rewritten in place (CR, erase to end of
 * line) a few times a second, erased when the input ends or before a
 * record is written to the same terminal. Never shown when stderr is not
 * a terminal, with -q, or for inputs of unknown size (stdin, a pipe). */
#ifndef KEXRAY_PROGRESS_H
#define KEXRAY_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Inputs smaller than this read in well under a second: no line. */
#define KX_PROGRESS_MIN_BYTES (8u * 1024u * 1024u)
/* Frames between looks at the clock (a power of two, for a mask). */
#define KX_PROGRESS_FRAMES 1024u
/* Milliseconds between redraws; also the delay before the first one, so a
 * file that is read in less never shows the line. */
#define KX_PROGRESS_INTERVAL_MS 250u

struct kx_progress;

/* NULL when there is to be no line: quiet, fd (standard error) not a
 * terminal, an input that is not a regular file, or fewer than
 * KX_PROGRESS_MIN_BYTES in all. out is the stream on fd. */
struct kx_progress *kx_progress_new(const char *const *paths, int n,
    bool quiet, FILE *out);
void kx_progress_free(struct kx_progress *p);

/* Input number i (0-based) begins; offset() gives how far into it the
 * reader is (-1: unknown). */
void kx_progress_begin(struct kx_progress *p, int i, int64_t (*offset)(void));

/* Called every KX_PROGRESS_FRAMES frames with the frames read so far and
 * the connections found so far; redraws when KX_PROGRESS_INTERVAL_MS have
 * passed since the last time. */
void kx_progress_tick(struct kx_progress *p, uint64_t frames, uint64_t conns);

/* Erases the line if it is shown (before other output to the terminal);
 * the next tick draws it again. */
void kx_progress_hide(struct kx_progress *p);

/* Formats the line for the given state (for tests): done and total bytes,
 * elapsed microseconds, frames, connections. */
void kx_progress_format(char *buf, size_t len, uint64_t done, uint64_t total,
    uint64_t elapsed_us, uint64_t frames, uint64_t conns);

#endif
