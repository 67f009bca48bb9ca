/* The summary's writers (summary.c): the block after the last connection
 * (text) and the "summary" JSON record, from the tables events/summary.h
 * keeps. */
#ifndef KEXRAY_REPORT_SUMMARY_H
#define KEXRAY_REPORT_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>

#include "kexray/events/summary.h"
#include "kexray/report/color.h"
#include "kexray/report/report.h"

/* What else the run knows, for the summary's last lines. */
struct kx_summary_extra {
	const struct kx_stats *stats;         /* NULL: reading logs */
	const struct kx_sshlog_stats *logstats; /* --sshd-log */
	const struct kx_capture_counts *cc;   /* NULL or have_pcap false: files */
	bool final;
	bool interrupted;   /* SIGINT/SIGTERM before the input's end */
};

/* The summary block after the last connection (text),
 * and the "summary" JSON record. */
void kx_report_summary_text(FILE *out, const struct kx_summary *s,
    const struct kx_summary_extra *x, const struct kx_style *st);
void kx_report_summary_json(FILE *out, const struct kx_summary *s,
    const struct kx_summary_extra *x);

#endif
