/* Byte builders and a bounds-exact feeder shared by the ssh stage's tests.
 * Include after <cmocka.h>. */
#ifndef SSH_TEST_UTIL_H
#define SSH_TEST_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kexray/ssh/ssh.h"

#define ANOM(a) KX_ANOM_BIT(KX_ANOM_##a)

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static inline void
buf_put(struct buf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		assert_non_null(b->p);
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->len, d, n);
	b->len += n;
}

static inline void
buf_u8(struct buf *b, uint8_t v)
{
	buf_put(b, &v, 1);
}

static inline void
buf_u32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	buf_put(b, x, 4);
}

static inline void
buf_cstr(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

/* An SSH string (RFC 4251 5). */
static inline void
buf_sstr(struct buf *b, const void *d, size_t n)
{
	buf_u32(b, (uint32_t)n);
	buf_put(b, d, n);
}

static inline void
buf_fill(struct buf *b, uint8_t v, size_t n)
{
	while (n-- > 0)
		buf_u8(b, v);
}

/* Frames a payload as a cleartext binary packet (RFC 4253 6): the least
 * padding of at least 4 bytes that makes the packet a multiple of 8, each
 * padding byte pad_byte. */
static inline void
buf_frame(struct buf *out, const void *payload, size_t n, uint8_t pad_byte)
{
	size_t pad = 8 - (n + 5) % 8;

	if (pad < 4)
		pad += 8;
	buf_u32(out, (uint32_t)(1 + n + pad));
	buf_u8(out, (uint8_t)pad);
	buf_put(out, payload, n);
	buf_fill(out, pad_byte, pad);
}

static inline void
buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* One call from a heap copy of exactly len bytes, so ASan reports any read
 * past the end. */
static inline enum kx_status
feed_exact(struct kx_ssh_side *s, const void *data, size_t len, size_t *used)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	enum kx_status st;

	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, data, len);
	*used = (size_t)-1;
	st = kx_ssh_feed(s, copy, len, used);
	free(copy);
	assert_true(*used <= len);
	return st;
}

#endif
