/* The records of patterns across connections (events/patterns.h): one
 * JSON record ("type": "pattern") or one text line per hit
 * (docs/output-format.md). */
#ifndef KEXRAY_REPORT_PATTERNS_H
#define KEXRAY_REPORT_PATTERNS_H

#include <stdbool.h>
#include <stdio.h>

#include "kexray/events/patterns.h"

void kx_report_json_pattern(FILE *fp, const struct kx_pattern_hit *h);
void kx_report_text_pattern(FILE *out, const struct kx_pattern_hit *h);

#endif
