/* escape: every writer of untrusted bytes (banners, names, DISCONNECT
 * texts, log lines) escapes them here, once per output form (STYLE 11).
 * In core, not report, because analysis writes wire text into its
 * sentences too. */
#ifndef KEXRAY_ESCAPE_H
#define KEXRAY_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* p as a JSON string, quoted (RFC 8259 7). Valid UTF-8 goes as it is; a
 * byte that is not is written as the code point of the same value
 * (\u00XX), so the output is always valid JSON and no byte is lost. */
void kx_json_string(FILE *out, const uint8_t *p, size_t len);

/* Whether p goes into a JSON string as it is: printable ASCII but '"' and
 * '\\'. Lets a buffered writer skip kx_json_string for the common case. */
bool kx_json_plain(const uint8_t *p, size_t len);

/* Text for a terminal: printable ASCII as is, '\\' as "\\\\", anything
 * else (control bytes, ESC, NUL, bytes >= 0x80) as \xHH, so a banner can
 * never drive the terminal. */
void kx_text_escaped(FILE *out, const uint8_t *p, size_t len);

/* Hex escaping, as Zeek's ASCII writer does: printable ASCII as is; '\\',
 * any byte of also (may be NULL) and everything else as \xHH. */
void kx_hex_escaped(FILE *out, const uint8_t *p, size_t len,
    const char *also);

/* One byte as \xHH, whatever it is. */
void kx_hex_escape_byte(FILE *out, uint8_t b);

/* kx_hex_escaped into buf[0..size), NUL-terminated: bytes are copied while
 * at least five bytes of room are left (an escape and the NUL), so a cut
 * never splits an escape. Returns the length written. size > 0. */
size_t kx_hex_escaped_buf(const uint8_t *p, size_t len, const char *also,
    char *buf, size_t size);

#endif
