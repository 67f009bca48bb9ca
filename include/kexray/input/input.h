/* input: what a file given to -r is, before libpcap reads it. A
 * gzip-compressed capture is read through zlib (as Wireshark and tcpdump
 * users expect); a file that is not a capture but looks like an sshd or
 * ssh log gets the hint that helps (--sshd-log). */
#ifndef KEXRAY_INPUT_H
#define KEXRAY_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* True when f begins with the gzip magic (RFC 1952 2.3.1: 1f 8b). The
 * bytes read are pushed back: f reads from its start again. */
bool kx_input_is_gzip(FILE *f);

/* A stream of f's decompressed bytes, for pcap_fopen_offline; f is taken
 * over (closed with the stream, or now on failure). f must be a regular
 * file (seekable): NULL for a pipe, or on failure. */
FILE *kx_input_gunzip(FILE *f);

/* The same for a file already open as fd (a regular file: read with
 * pread at offset 0, so fd's offset does not move; false for a pipe). */
bool kx_input_fd_is_gzip(int fd);

/* A stream of the decompressed bytes of fd, from its start; fd is taken
 * over (closed with the stream, or now on failure). NULL on failure. No
 * new descriptor is made: it works inside the sandbox (sandbox.h). */
FILE *kx_input_gunzip_fd(int fd);

/* A hint for a file libpcap refused, "" when none: "; it looks like an
 * sshd log: read it with --sshd-log". */
void kx_input_hint(const char *path, char *buf, size_t len);
/* The same from the first bytes of the file, read before libpcap took it
 * (kexray opens inputs before it drops privileges, and the sandbox lets
 * it open no file by path afterwards). */
void kx_input_hint_bytes(const char *path, const char *peek, size_t n,
    char *buf, size_t len);

#endif
