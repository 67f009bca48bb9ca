/* escape: untrusted bytes in each output form (escape.h). */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "kexray/core/escape.h"

/* Decodes one UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates,
 * at most U+10FFFF). Returns its length, or 0 if invalid. */
static size_t
utf8_seq(const uint8_t *p, size_t left)
{
	uint32_t cp;
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* 1 for the bytes a JSON string cannot carry as they are (RFC 8259 7:
 * controls, '"', '\\'), and for DEL and non-ASCII, which kx_json_string
 * checks as UTF-8. */
static const uint8_t json_special[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 00 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 10 */
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 20 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 30 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,	/* 50 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 60 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,	/* 70 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 80 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 90 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* a0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* b0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* c0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* d0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* e0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* f0 */
};

bool
kx_json_plain(const uint8_t *p, size_t len)
{
	size_t i = 0;

	/* Every banner, reason and name passes here: 16 bytes a step with
	 * SSE2 (every x86-64), then four. */
#ifdef __SSE2__
	const __m128i ctl = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"');
	const __m128i bsl = _mm_set1_epi8('\\'), del = _mm_set1_epi8(0x7f);

	for (; len - i >= 16; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		/* Below 0x20 as a signed byte: the controls and all from 0x80. */
		__m128i sp = _mm_or_si128(
		    _mm_or_si128(_mm_cmplt_epi8(v, ctl), _mm_cmpeq_epi8(v, quote)),
		    _mm_or_si128(_mm_cmpeq_epi8(v, bsl), _mm_cmpeq_epi8(v, del)));

		if (_mm_movemask_epi8(sp) != 0)
			return false;
	}
#endif
	for (; i + 4 <= len; i += 4)
		if (json_special[p[i]] | json_special[p[i + 1]] |
		    json_special[p[i + 2]] | json_special[p[i + 3]])
			return false;
	for (; i < len; i++)
		if (json_special[p[i]])
			return false;
	return true;
}

static void
json_escape_byte(FILE *out, uint8_t b)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = { '\\', 'u', '0', '0', hex[b >> 4], hex[b & 15] };

	if (b == '"' || b == '\\') {
		putc_unlocked('\\', out);
		putc_unlocked((char)b, out);
	} else {
		fwrite_unlocked(e, 1, sizeof(e), out);
	}
}

void
kx_json_string(FILE *out, const uint8_t *p, size_t len)
{
	size_t i = 0;

	putc_unlocked('"', out);
	while (i < len) {
		size_t run = i, n;

		/* Names and banners are almost all plain: one write a run. */
		while (run < len && !json_special[p[run]])
			run++;
		if (run > i && run - i < 64) {
			/* A name: inline, no fwrite per run. */
			while (i < run)
				putc_unlocked((char)p[i++], out);
			continue;
		}
		if (run > i) {
			fwrite_unlocked(p + i, 1, run - i, out);
			i = run;
			continue;
		}
		if (p[i] >= 0x80 && (n = utf8_seq(p + i, len - i)) != 0) {
			fwrite_unlocked(p + i, 1, n, out);
			i += n;
		} else {
			json_escape_byte(out, p[i]);
			i++;
		}
	}
	putc_unlocked('"', out);
}


void
kx_text_escaped(FILE *out, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\\')
			fputs("\\\\", out);
		else if (p[i] >= 0x20 && p[i] < 0x7f)
			fputc(p[i], out);
		else
			fprintf(out, "\\x%02x", p[i]);
	}
}

size_t
kx_hex_escaped_buf(const uint8_t *p, size_t len, const char *also,
    char *buf, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < size; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\' &&
		    (also == NULL || strchr(also, p[i]) == NULL))
			buf[o++] = (char)p[i];
		else
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", p[i]);
	}
	buf[o < size ? o : size - 1] = '\0';
	return o < size ? o : size - 1;
}

void
kx_hex_escaped(FILE *out, const uint8_t *p, size_t len, const char *also)
{
	char buf[256];

	/* 50 bytes escape to at most 200: a chunk always fits whole. */
	while (len > 0) {
		size_t take = len < 50 ? len : 50;

		fwrite(buf, 1, kx_hex_escaped_buf(p, take, also, buf,
		    sizeof(buf)), out);
		p += take;
		len -= take;
	}
}

void
kx_hex_escape_byte(FILE *out, uint8_t b)
{
	fprintf(out, "\\x%02x", b);
}
