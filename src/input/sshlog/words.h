/* Cursor words a log line is read with: literals, tokens, numbers, each
 * consuming nothing when it fails (the kx_cursor contract). Static inline:
 * every file of the reader uses them, and a call is a few compares. */
#ifndef KEXRAY_SSHLOG_WORDS_H
#define KEXRAY_SSHLOG_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kexray/core/cursor.h"

/* Consumes the literal s if the bytes begin with it. */
static inline bool
lit(struct kx_cursor *c, const char *s)
{
	size_t n = strlen(s);
	struct kx_cursor save = *c;
	const uint8_t *p;

	if (kx_cur_bytes(c, n, &p) != KX_OK)
		return false;
	if (memcmp(p, s, n) != 0) {
		*c = save;
		return false;
	}
	return true;
}

/* Advances past the first occurrence of s; false (nothing consumed) when
 * there is none. Lines are bounded, so the quadratic scan is too. */
static inline bool
find_lit(struct kx_cursor *c, const char *s)
{
	struct kx_cursor t = *c;

	while (kx_cur_left(&t) >= strlen(s)) {
		if (lit(&t, s)) {
			*c = t;
			return true;
		}
		if (kx_cur_skip(&t, 1) != KX_OK)
			break;
	}
	return false;
}

static inline bool
ends_with(const struct kx_cursor *c, const char *s)
{
	struct kx_cursor t = *c;
	size_t n = strlen(s);

	if (kx_cur_left(&t) < n ||
	    kx_cur_skip(&t, kx_cur_left(&t) - n) != KX_OK)
		return false;
	return lit(&t, s);
}

/* Drops the last n bytes from the view. */
static inline void
drop_tail(struct kx_cursor *c, size_t n)
{
	struct kx_cursor whole = *c;

	if (n > kx_cur_left(c))
		n = kx_cur_left(c);
	if (kx_cur_sub(&whole, kx_cur_left(c) - n, c) != KX_OK)
		kx_cur_init(c, NULL, 0);
}

static inline void
trim_trailing_space(struct kx_cursor *c)
{
	uint8_t b;

	while (kx_cur_left(c) > 0 &&
	    kx_cur_peek_u8(c, kx_cur_left(c) - 1, &b) == KX_OK &&
	    (b == ' ' || b == '\t' || b == '\r'))
		drop_tail(c, 1);
}

/* The bytes up to the next space (or the end), consumed; false if none. */
static inline bool
token(struct kx_cursor *c, const uint8_t **p, size_t *n)
{
	struct kx_cursor t = *c;
	uint8_t b;
	size_t len = 0;

	while (kx_cur_peek_u8(&t, len, &b) == KX_OK && b != ' ')
		len++;
	if (len == 0)
		return false;
	return kx_cur_bytes(c, len, p) == KX_OK && (*n = len, true);
}

/* The bytes up to the byte stop (not consumed), or false if it is absent. */
static inline bool
until(struct kx_cursor *c, uint8_t stop, const uint8_t **p, size_t *n)
{
	uint8_t b;
	size_t len = 0;

	while (kx_cur_peek_u8(c, len, &b) == KX_OK) {
		if (b == stop) {
			*n = len;
			return kx_cur_bytes(c, len, p) == KX_OK;
		}
		len++;
	}
	return false;
}

/* The bytes up to the last byte stop (not consumed), or false if there is
 * none: a quoted text that may hold its own quote runs to the last one. */
static inline bool
until_last(struct kx_cursor *c, uint8_t stop, const uint8_t **p, size_t *n)
{
	size_t left = kx_cur_left(c), len = 0;
	bool found = false;
	uint8_t b;

	for (size_t i = 0; i < left && kx_cur_peek_u8(c, i, &b) == KX_OK; i++)
		if (b == stop) {
			len = i;
			found = true;
		}
	if (!found)
		return false;
	*n = len;
	return kx_cur_bytes(c, len, p) == KX_OK;
}

/* Decimal digits, from min to max of them, value at most lim. */
static inline bool
number(struct kx_cursor *c, size_t min, size_t max, uint64_t lim, uint64_t *v)
{
	struct kx_cursor save = *c;
	uint64_t x = 0;
	size_t n = 0;
	uint8_t b;

	while (n < max && kx_cur_peek_u8(c, 0, &b) == KX_OK &&
	    b >= '0' && b <= '9') {
		x = x * 10 + (uint64_t)(b - '0');
		if (x > lim || kx_cur_skip(c, 1) != KX_OK) {
			*c = save;
			return false;
		}
		n++;
	}
	if (n < min) {
		*c = save;
		return false;
	}
	*v = x;
	return true;
}

static inline bool
rest(struct kx_cursor *c, const uint8_t **p, size_t *n)
{
	*n = kx_cur_left(c);
	return kx_cur_bytes(c, *n, p) == KX_OK;
}

static inline bool
bytes_eq(const uint8_t *p, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(p, s, n) == 0;
}

#endif
