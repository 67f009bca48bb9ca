/* color: how a verdict looks to a person. Its label (the verdict's name,
 * or WEAK for a handshake that completed on weak algorithms) and, when the
 * output is a terminal, its colour. Whether to colour follows --color,
 * NO_COLOR (https://no-color.org: set and not empty, no colour) and
 * TERM=dumb. Machine formats never colour. */
#ifndef KEXRAY_COLOR_H
#define KEXRAY_COLOR_H

#include <stdbool.h>
#include <stdio.h>

#include "kexray/analyze/analyze.h"

enum kx_color_mode {
	KX_COLOR_AUTO,     /* colour when writing to a terminal */
	KX_COLOR_NEVER,
	KX_COLOR_ALWAYS,   /* --color=always: even into a file or a pipe */
	KX_COLOR_MODE_MAX
};

/* "auto", "never", "always": the values --color takes. */
extern const char *const kx_color_mode_names[KX_COLOR_MODE_MAX];

/* Parses a --color value. Returns false on anything else. */
bool kx_color_parse(const char *s, enum kx_color_mode *out);

/* Whether output written to fd gets colour. AUTO: fd is a terminal,
 * NO_COLOR is unset or empty, TERM is not "dumb". ALWAYS wins over
 * NO_COLOR: an explicit flag overrides the environment (no-color.org). */
bool kx_color_wanted(enum kx_color_mode m, int fd);

/* What a piece of text says, which picks its colour. */
enum kx_tone {
	KX_TONE_PLAIN,
	KX_TONE_GOOD,     /* green: OK */
	KX_TONE_WARN,     /* yellow: WEAK */
	KX_TONE_BAD,      /* bold red: every verdict that is a problem */
	KX_TONE_DIM,      /* faint: INCOMPLETE, nothing to judge */
	KX_TONE_MAX
};

struct kx_style {
	bool color;
	/* Text detail: 0 the full block for a problem, a short one
	 * otherwise; 1 (-v) the full block for every connection; 2 (-vv)
	 * also what --records full adds. */
	int verbose;
};

/* Writes s, in its tone's colour when st says so (st may be NULL: no
 * colour), then spaces up to width columns (0: none). The escape
 * sequences are around the word only, never around the padding, so
 * columns line up with and without colour. s is trusted text (kexray's
 * own words), never bytes from the wire. */
void kx_style_put(FILE *out, const struct kx_style *st, enum kx_tone t,
    const char *s, int width);

/* "WEAK" for kx_verdict_weak, "FORGED RST" for kx_verdict_forged
 * (analyze.h), else
 * the verdict's name. */
const char *kx_verdict_label(const struct kx_verdict *v);

/* The tone of kx_verdict_label. */
enum kx_tone kx_verdict_tone(const struct kx_verdict *v);

/* Widest label ("FORGED RST", "INCOMPLETE"): the header column. */
#define KX_VERDICT_LABEL_WIDTH 10

#endif
