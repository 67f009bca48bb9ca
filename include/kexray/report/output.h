/* output: the one writer of records (DESIGN "report": every write
 * checked). The report functions print into a stdio stream; this module
 * takes each finished record from it and writes whole records only, in
 * blocks when reading files and one by one when live or on a terminal.
 * A write that fails is said once on stderr; the records it could not
 * write are counted, a record cut by the failure is taken back from a
 * regular file, and later records are tried again (a full disk that frees
 * space gets the records after it). SIGHUP reopens --output through a
 * descriptor of its directory opened at start, so the reopen works after
 * the privilege drop and inside the sandbox. */
#ifndef KEXRAY_OUTPUT_H
#define KEXRAY_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct kx_output;

/* Opens path for appending (created 0666 less the umask), or standard
 * output when path is NULL. Each record is written as it ends, until
 * kx_output_block. The descriptor is
 * moved to the lowest free number, so that a reopen, which closes it first,
 * gets the same number back (the sandbox lets kexray write only to that
 * number). Returns 0, or -1 after one line on stderr. */
int kx_output_open(const char *path, struct kx_output **out)
    __attribute__((warn_unused_result));

/* From now on, records are gathered into 1 MiB writes (reading files to
 * anything but a terminal). Returns 0, or -1 after one line on stderr. */
int kx_output_block(struct kx_output *o)
    __attribute__((warn_unused_result));

/* The stream the report functions write into. */
FILE *kx_output_stream(struct kx_output *o);
/* The descriptor records are written to, and the directory's (-1 for
 * standard output). */
int kx_output_fd(const struct kx_output *o);
int kx_output_dirfd(const struct kx_output *o);

/* A record (or a block of lines that belongs together, like a Zeek
 * header) is complete; it is written now or with its block. */
void kx_output_record(struct kx_output *o);

/* After the privilege drop: can this user create files in the output's
 * directory (what a reopen after rotation needs)? Returns 0 (or when
 * writing to standard output), -1 after one line on stderr. */
int kx_output_check_dir(const struct kx_output *o, const char *user)
    __attribute__((warn_unused_result));

/* SIGHUP: writes what is pending to the old file, closes it and opens the
 * path again through the directory descriptor. Returns 0, or -1 after one
 * line on stderr (records are then counted as not written until a later
 * reopen succeeds). */
int kx_output_reopen(struct kx_output *o);

/* Writes what is pending. Returns 0, or -1 when any record could not be
 * written (said on stderr, with the count, by kx_output_close). */
int kx_output_flush(struct kx_output *o);

/* Records not written so far. */
uint64_t kx_output_lost(const struct kx_output *o);

/* Flushes, prints "N of M records not written" when some were lost, and
 * closes. Returns 0, or -1 when a record was lost. Accepts NULL. */
int kx_output_close(struct kx_output *o);

#endif
