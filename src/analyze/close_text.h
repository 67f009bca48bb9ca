/* The sentence of a connection's end (close_text.c), written once close.c
 * has classified it. Private to the analysis: kx_close_judge is the way
 * in. */
#ifndef KEXRAY_ANALYZE_CLOSE_TEXT_H
#define KEXRAY_ANALYZE_CLOSE_TEXT_H

#include "kexray/analyze/close.h"

/* Writes ci->text from ci's phase, cause and sides and c's facts. */
void kx_close_sentence(const struct kx_conn *c, struct kx_close_info *ci);

#endif
