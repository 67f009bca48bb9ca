/* The sentence of a connection's end (close_text.c), written once close.c
 * has classified it. Private to the analysis: kx_close_judge is the way
 * in. */
#ifndef KEXRAY_ANALYZE_CLOSE_TEXT_H
#define KEXRAY_ANALYZE_CLOSE_TEXT_H

#include <string.h>

#include "kexray/analyze/close.h"

/* Writes ci->text from ci's phase, cause and sides and c's facts. */
void kx_close_sentence(const struct kx_conn *c, struct kx_close_info *ci);

/* Appends s to the len-byte buf holding off bytes, as far as it fits, as
 * snprintf would cut it; returns the new length. The sentences written for
 * every connection are put together so, without printf. */
static inline size_t
kx_words_cat(char *buf, size_t len, size_t off, const char *s)
{
	size_t n = strlen(s);

	if (len == 0 || off >= len - 1)
		return off;
	if (n > len - 1 - off)
		n = len - 1 - off;
	memcpy(buf + off, s, n);
	buf[off + n] = '\0';
	return off + n;
}

#endif
