/* What the encrypted part told (analyze/infer_conn.h), as the records
 * write it: the close record's "auth" member and the text report's
 * "login" line (docs/output-format.md, docs/inference.md). */
#ifndef KEXRAY_REPORT_AUTH_H
#define KEXRAY_REPORT_AUTH_H

#include <stdbool.h>
#include <stdio.h>

#include "kexray/report/report.h"

struct kx_conn;

/* ,"auth":{...} for a connection whose encrypted part was followed;
 * nothing for one that never reached NEWKEYS (",\"auth\":null" when full). */
void kx_sb_auth(struct kx_sb *out, const struct kx_conn *c, bool full);

/* ,"kex_guess":{...} when a side set first_kex_packet_follows (kexguess.h);
 * nothing otherwise (",\"kex_guess\":null" when full). */
void kx_sb_kexguess(struct kx_sb *out, const struct kx_conn *c, bool full);

/* "  login      ..." and a newline, or nothing (no NEWKEYS). */
void kx_report_text_auth(FILE *out, const struct kx_conn *c);

/* The summary's "logins" line (text, only when a connection reached
 * NEWKEYS) and its "logins" member (JSON, always). */
struct kx_summary;
void kx_report_text_summary_auth(FILE *out, const struct kx_summary *s);
void kx_report_json_summary_auth(FILE *out, const struct kx_summary *s);

#endif
