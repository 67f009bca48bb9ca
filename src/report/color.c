/* How a verdict looks: label and colour (color.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kexray/report/color.h"

const char *const kx_color_mode_names[KX_COLOR_MODE_MAX] = {
	[KX_COLOR_AUTO] = "auto",
	[KX_COLOR_NEVER] = "never",
	[KX_COLOR_ALWAYS] = "always",
};

/* ECMA-48 SGR sequences; every terminal emulator in use understands these
 * eight-colour ones. */
static const char *const tone_sgr[KX_TONE_MAX] = {
	[KX_TONE_PLAIN] = "",
	[KX_TONE_GOOD] = "\033[32m",
	[KX_TONE_WARN] = "\033[33m",
	[KX_TONE_BAD] = "\033[1;31m",
	[KX_TONE_DIM] = "\033[2m",
};
#define SGR_RESET "\033[0m"

bool
kx_color_parse(const char *s, enum kx_color_mode *out)
{
	for (int m = 0; m < KX_COLOR_MODE_MAX; m++) {
		if (strcmp(s, kx_color_mode_names[m]) == 0) {
			*out = (enum kx_color_mode)m;
			return true;
		}
	}
	return false;
}

bool
kx_color_wanted(enum kx_color_mode m, int fd)
{
	const char *nc, *term;

	if (m != KX_COLOR_AUTO)
		return m == KX_COLOR_ALWAYS;
	nc = getenv("NO_COLOR");
	if (nc != NULL && nc[0] != '\0')
		return false;
	term = getenv("TERM");
	if (term != NULL && strcmp(term, "dumb") == 0)
		return false;
	return isatty(fd) == 1;
}

void
kx_style_put(FILE *out, const struct kx_style *st, enum kx_tone t,
    const char *s, int width)
{
	bool on = st != NULL && st->color && t > KX_TONE_PLAIN && t < KX_TONE_MAX;
	int n = (int)strlen(s);

	if (on)
		fputs(tone_sgr[t], out);
	fputs(s, out);
	if (on)
		fputs(SGR_RESET, out);
	for (; n < width; n++)
		fputc(' ', out);
}

const char *
kx_verdict_label(const struct kx_verdict *v)
{
	if (kx_verdict_weak(v))
		return "WEAK";
	if (kx_verdict_forged(v))
		return "FORGED RST";
	/* HOST_KEY_CHANGED is wider than the column. */
	if (v->kind == KX_V_HOST_KEY_CHANGED)
		return "HOSTKEY";
	return v->kind < KX_V_MAX ? kx_verdict_names[v->kind] : "?";
}

enum kx_tone
kx_verdict_tone(const struct kx_verdict *v)
{
	/* A problem is red whatever its label (a completed handshake with a
	 * changed host key too). */
	if (v->problem)
		return KX_TONE_BAD;
	if (kx_verdict_weak(v))
		return KX_TONE_WARN;
	switch (v->kind) {
	case KX_V_OK:
		return KX_TONE_GOOD;
	case KX_V_INCOMPLETE:
	case KX_V_PROBE:
		return KX_TONE_DIM;
	default:
		return KX_TONE_WARN;
	}
}
