/* The one way to read untrusted bytes (STYLE 1, after OpenSSH's sshbuf).
 * Every getter returns KX_OK or KX_NEED_MORE, writes through an out-pointer
 * and consumes nothing when it fails. Getters are inline: they sit on the
 * per-packet path. */
#ifndef KEXRAY_CURSOR_H
#define KEXRAY_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kexray/core/status.h"

struct kx_cursor {
	const uint8_t *base;
	size_t len;
	size_t pos;
};

static inline void
kx_cur_init(struct kx_cursor *c, const void *p, size_t len)
{
	c->base = p;
	c->len = p != NULL ? len : 0;
	c->pos = 0;
}

static inline size_t
kx_cur_left(const struct kx_cursor *c)
{
	return c->len - c->pos;
}

/* Bytes already consumed. */
static inline size_t
kx_cur_used(const struct kx_cursor *c)
{
	return c->pos;
}

KX_WUR static inline enum kx_status
kx_cur_u8(struct kx_cursor *c, uint8_t *v)
{
	if (kx_cur_left(c) < 1)
		return KX_NEED_MORE;
	*v = c->base[c->pos++];
	return KX_OK;
}

KX_WUR static inline enum kx_status
kx_cur_u16be(struct kx_cursor *c, uint16_t *v)
{
	if (kx_cur_left(c) < 2)
		return KX_NEED_MORE;
	*v = (uint16_t)((unsigned)c->base[c->pos] << 8 | c->base[c->pos + 1]);
	c->pos += 2;
	return KX_OK;
}

KX_WUR static inline enum kx_status
kx_cur_u32be(struct kx_cursor *c, uint32_t *v)
{
	const uint8_t *p;

	if (kx_cur_left(c) < 4)
		return KX_NEED_MORE;
	p = c->base + c->pos;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
	c->pos += 4;
	return KX_OK;
}

/* Peek without consuming. */
KX_WUR static inline enum kx_status
kx_cur_peek_u8(const struct kx_cursor *c, size_t at, uint8_t *v)
{
	if (kx_cur_left(c) <= at)
		return KX_NEED_MORE;
	*v = c->base[c->pos + at];
	return KX_OK;
}

KX_WUR static inline enum kx_status
kx_cur_skip(struct kx_cursor *c, size_t n)
{
	if (kx_cur_left(c) < n)
		return KX_NEED_MORE;
	c->pos += n;
	return KX_OK;
}

/* Hands out a pointer to the next n bytes and consumes them. */
KX_WUR static inline enum kx_status
kx_cur_bytes(struct kx_cursor *c, size_t n, const uint8_t **out)
{
	if (kx_cur_left(c) < n)
		return KX_NEED_MORE;
	*out = c->base + c->pos;
	c->pos += n;
	return KX_OK;
}

/* Consumes n bytes and hands them out as a child cursor bounded to them
 * (STYLE 3: length-prefixed things are parsed inside their declared size). */
KX_WUR static inline enum kx_status
kx_cur_sub(struct kx_cursor *c, size_t n, struct kx_cursor *sub)
{
	if (kx_cur_left(c) < n)
		return KX_NEED_MORE;
	kx_cur_init(sub, c->base + c->pos, n);
	c->pos += n;
	return KX_OK;
}

/* What is left, without consuming it. */
static inline const uint8_t *
kx_cur_rest(const struct kx_cursor *c)
{
	return c->base + c->pos;
}

/* Reads an SSH string (RFC 4251 5: uint32 length + bytes) as a child
 * cursor. Consumes nothing on failure. */
KX_WUR static inline enum kx_status
kx_cur_sshstring(struct kx_cursor *c, struct kx_cursor *sub)
{
	struct kx_cursor save = *c;
	uint32_t n;
	enum kx_status st;

	if ((st = kx_cur_u32be(c, &n)) != KX_OK)
		return st;
	if ((st = kx_cur_sub(c, n, sub)) != KX_OK) {
		*c = save;
		return st;
	}
	return KX_OK;
}

/* Length of the run before the first byte equal to delim, or of all that
 * is left when there is none. Consumes nothing. */
static inline size_t
kx_cur_span_to(const struct kx_cursor *c, uint8_t delim)
{
	const uint8_t *hit;

	if (kx_cur_left(c) == 0)
		return 0;   /* memchr must not see a NULL base */
	hit = memchr(kx_cur_rest(c), delim, kx_cur_left(c));
	return hit != NULL ? (size_t)(hit - kx_cur_rest(c)) : kx_cur_left(c);
}

/* Finds the first '\n' within the first max bytes. Returns its offset from
 * the current position in *at, or KX_NEED_MORE (not in the bytes there are)
 * or KX_LIMIT (not within max bytes). Consumes nothing. */
KX_WUR enum kx_status kx_cur_find_lf(const struct kx_cursor *c, size_t max,
    size_t *at);

#endif
