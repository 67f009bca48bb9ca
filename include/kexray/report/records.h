/* records: which writer each record goes to (DESIGN "report": one writer).
 * For every connection the handshake record ("ssh", with each KEXINIT's own
 * record before it the first time its id is seen) and the close record,
 * then the brute-force record when events says so; in text, brief, JSON
 * Lines, a Zeek ssh.log or a Zeek log directory, or EVE. What is counted
 * and what is shown is decided by events (events.h); this file chooses the
 * format and writes. */
#ifndef KEXRAY_REPORT_RECORDS_H
#define KEXRAY_REPORT_RECORDS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kexray/events/events.h"
#include "kexray/report/brief_hold.h"
#include "kexray/report/color.h"
#include "kexray/report/output.h"
#include "kexray/report/report.h"
#include "kexray/report/scan_hold.h"
#include "kexray/report/select.h"
#include "kexray/report/summary.h"

/* --format: what records look like. */
enum kx_format {
	KX_FMT_TEXT, KX_FMT_BRIEF, KX_FMT_JSON, KX_FMT_ZEEK, KX_FMT_EVE,
	KX_FMT_MAX
};
extern const char *const kx_format_names[KX_FMT_MAX];

struct kx_records {
	/* What the command line chose. */
	enum kx_format format;      /* --format, --json, --brief */
	bool records_full;          /* --records full */
	int verbose;                /* -v, -vv */
	enum kx_color_mode color;   /* --color */
	bool quiet;                 /* -q */
	bool live;                  /* records go out as they end */
	const char *out_path;       /* --output, reopened on SIGHUP */
	struct kx_select sel;       /* --host, --client-software, --server-software */
	/* Called before a record goes to a terminal (the progress line steps
	 * aside), and for each handshake record shown (-w keeps its
	 * packets); either may be NULL. */
	void (*before_write)(void *arg);
	void (*shown)(void *arg, const struct kx_conn *c);
	void *hook_arg;

	/* Set by kx_records_open. */
	FILE *out;                  /* kx_output_stream(o), or the Zeek ssh.log */
	struct kx_output *o;        /* the one writer of records */
	struct kx_style style;
	bool out_tty;               /* records go to a terminal */
	/* The Zeek header is written with the first record, as Zeek creates
	 * a log only when it has something to write. */
	bool zeek_open;
	/* --format zeek --output DIR: a Zeek log directory (report.h). */
	bool zdir_on;
	struct kx_zeek_dir zdir;
	struct kx_brief_hold *hold; /* --brief lines waiting for their end */
	struct kx_scan_hold *scan;  /* records waiting for a scan (scan_hold.h) */
	/* --workers (stream/workers.h, docs/scale-out.md): the handshake and
	 * end callbacks run on the worker threads. Each analyses its own
	 * connection unlocked; lock then takes one worker at a time through
	 * what spans connections (events.h) and the writing, after its turn
	 * (kx_workers_order) when that depends on the connections before it.
	 * Never taken unless threaded. */
	bool threaded, lock_made;
	pthread_mutex_t lock;
};

/* Opens the output (and a Zeek log directory): before any privilege drop.
 * block: records go out in 1 MiB blocks unless to a terminal. Returns 0,
 * or -1 after one line on stderr (a usage error). */
int kx_records_open(struct kx_records *r, bool block);
/* Once buffering is set: the Zeek directory's headers; hold: --brief
 * lines of completed handshakes wait for their end (reading files).
 * Returns 0, or -1 out of memory. */
int kx_records_begin(struct kx_records *r, bool hold);

/* The handshake record of c, once its outcome is final (at NEWKEYS both
 * ways). */
void kx_records_handshake(struct kx_records *r, struct kx_events *ev,
    struct kx_conn *c);
/* c ended: its handshake record if not yet written, the close record and
 * the brute-force record when c takes its source over the threshold; a
 * pattern record when c's source crosses one (a scan's before c's own
 * records and those held for it, scan_hold.h; the others after). The
 * records of a connection that may be one of a scan's are held. */
void kx_records_end(struct kx_records *r, struct kx_events *ev,
    struct kx_conn *c);

/* Time passes (kx_pipeline_on_time): held records whose scan window is
 * over go out as they are (scan_hold.h). With workers, after its turn. */
void kx_records_time(struct kx_records *r, struct kx_events *ev,
    uint64_t now_us);
/* The input ended: every held record goes out as it is (no worker runs
 * any more). Also done by kx_records_finish, before the summary. */
void kx_records_release(struct kx_records *r, struct kx_events *ev);

/* --workers: from now on the callbacks may run on several threads
 * (threaded false again once they have all ended). Returns 0. */
int kx_records_threads(struct kx_records *r, bool on);
/* The lock of threaded records (no-op otherwise): for what the caller does
 * beside the records on a worker thread (signals, the live filter). */
void kx_records_lock(struct kx_records *r);
void kx_records_unlock(struct kx_records *r);
/* With queued brute-force ends (events.h kx_events_queue_brute): counts
 * those below watermark and writes the records of what crosses (the
 * caller holds the lock, or no worker runs any more). */
void kx_records_drain(struct kx_records *r, struct kx_events *ev,
    uint64_t watermark);

/* SIGHUP: the output file again (log rotation). */
void kx_records_reopen(struct kx_records *r);
/* Statistics: a JSON "stats" record, or one text line on stderr. */
void kx_records_stats(struct kx_records *r, const struct kx_stats *st,
    const struct kx_capture_counts *cc, const struct kx_events *ev,
    bool final);
/* The summary: at the end of the output in text, brief and JSON; on
 * standard error for the pipeline formats (not with -q), and beside the
 * statistics for a live SIGUSR1 in text. */
void kx_records_summary(struct kx_records *r, struct kx_events *ev,
    const struct kx_summary_extra *x);
/* The end of the output: the summary, and Zeek's #close. */
void kx_records_finish(struct kx_records *r, struct kx_events *ev,
    const struct kx_summary_extra *x);
/* Closes the Zeek log directory, if one: false when a log could not be
 * written (said on stderr). */
bool kx_records_close_zeek(struct kx_records *r);
/* Closes the output: false when a record could not be written. */
bool kx_records_close(struct kx_records *r);

#endif
