#include <string.h>

#include "kexray/core/cursor.h"

enum kx_status
kx_cur_find_lf(const struct kx_cursor *c, size_t max, size_t *at)
{
	size_t n = kx_cur_left(c);
	const uint8_t *p;

	if (n > max)
		n = max;
	p = memchr(kx_cur_rest(c), '\n', n);
	if (p != NULL) {
		*at = (size_t)(p - kx_cur_rest(c));
		return KX_OK;
	}
	return kx_cur_left(c) >= max ? KX_LIMIT : KX_NEED_MORE;
}
