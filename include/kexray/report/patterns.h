/* The records of patterns across connections (events/patterns.h): one
 * JSON record ("type": "pattern") or one text line per hit
 * (docs/output-format.md). */
#ifndef KEXRAY_REPORT_PATTERNS_H
#define KEXRAY_REPORT_PATTERNS_H

#include <stdbool.h>
#include <stdio.h>

#include "kexray/events/patterns.h"

void kx_report_json_pattern(FILE *fp, const struct kx_pattern_hit *h);
/* The record's object without its line end; record false: without the
 * "type" and "schema_version" members (inside an EVE event). */
void kx_report_json_pattern_object(FILE *fp, const struct kx_pattern_hit *h,
    bool record);
/* EVE: an "alert" event with a signature of kexray's own per pattern
 * (8220003 scan, 8220004 regreSSHion, 8220005 DHEat); c is the connection
 * that completed it. */
void kx_report_eve_pattern(FILE *out, const struct kx_conn *c,
    const struct kx_pattern_hit *h);
/* A Zeek notice.log line: Kexray::SSH_Scan, Kexray::RegreSSHion or
 * Kexray::DHEat. */
void kx_report_zeek_notice_pattern(FILE *out, const struct kx_pattern_hit *h);
void kx_report_text_pattern(FILE *out, const struct kx_pattern_hit *h);

#endif
