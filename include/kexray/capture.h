/* capture: opens saved captures (pcap, pcapng, "-" for stdin) through
 * libpcap, applies an optional BPF filter and hands every frame on. Parses
 * no protocol bytes. */
#ifndef KEXRAY_CAPTURE_H
#define KEXRAY_CAPTURE_H

#include <signal.h>
#include <stdint.h>

typedef void (*kx_frame_fn)(void *arg, int dlt, const uint8_t *frame,
    uint32_t caplen, uint32_t wirelen, uint64_t ts_us, uint64_t frame_no);

/* Set from a signal handler: stop reading at the next frame. */
extern volatile sig_atomic_t kx_capture_stop;

/* Reads one file to its end. Returns 0, or -1 after printing one line
 * "kexray: FILE: ..." (with the packet number when the damage is inside
 * the file) to stderr. Frames read before the damage have been handed on. */
int kx_capture_file(const char *path, const char *filter, kx_frame_fn fn,
    void *arg);

/* Compiles filter once against Ethernet to catch a syntax error before any
 * input is opened. Returns 0, or -1 after printing one line to stderr. */
int kx_capture_check_filter(const char *filter);

#endif
