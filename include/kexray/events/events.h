/* events: what the run learns across connections (DESIGN "events"). Every
 * connection's analysis passes here once, in the order the connections
 * reach their records: the counts behind the summary, the statistics and
 * the exit status, the summary's tables (summary.h), brute force per
 * source (bruteforce.h), scans and exploit patterns per source
 * (patterns.h), which KEXINITs have had their own record
 * (offers.h) and the host-key store (hostkeys.h). It sees results, never
 * packets, and formats nothing: the records are written by report/records.h
 * from what it decides. */
#ifndef KEXRAY_EVENTS_H
#define KEXRAY_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "kexray/analyze/analyze.h"
#include "kexray/events/brute_queue.h"
#include "kexray/events/bruteforce.h"
#include "kexray/events/hostkeys.h"
#include "kexray/events/offers.h"
#include "kexray/events/patterns.h"
#include "kexray/events/summary.h"

/* Run-wide counts for the summary, the statistics and the exit status. */
struct kx_run_counts {
	uint64_t shown;
	uint64_t problems;
	uint64_t by_verdict[KX_V_MAX];
};

struct kx_events {
	struct kx_run_counts counts;
	uint64_t weak;               /* handshakes on a weak algorithm (--fail-on weak) */
	bool only_problems;          /* --only-problems: what is shown */
	bool interrupted;            /* the input was cut by a signal (atomic:
	                              * read by --workers threads) */
	struct kx_analysis_ctx actx; /* --probes-are-problems */
	struct kx_summary *sum;
	struct kx_brute *brute;      /* --bruteforce; NULL with "off" */
	struct kx_offers *offers;    /* kexinit records written */
	struct kx_patterns *patterns; /* scans, regreSSHion, DHEat */
	struct kx_hostkeys *hostkeys; /* --known-hosts, --host-keys; NULL none */
	/* --workers reading files: brute-force ends put back in input order
	 * (brute_queue.h); NULL otherwise. */
	struct kx_brute_queue *bq;
};

/* brute_n 0: no brute-force detection. hostkeys is taken over (freed by
 * kx_events_free). NULL when out of memory. */
struct kx_events *kx_events_new(uint32_t brute_n, uint32_t brute_minutes,
    struct kx_hostkeys *hostkeys);
/* Frees ev; false when learned host keys could not be saved (said on
 * stderr). NULL is fine. */
bool kx_events_free(struct kx_events *ev);

/* --workers reading files: brute-force ends are queued by their input
 * position (kx_events_close's key) and counted by kx_events_brute_next.
 * False when out of memory. */
bool kx_events_queue_brute(struct kx_events *ev);

/* A connection's handshake record is due: analyses c once into v, judges
 * its host key against the store, counts and summarises it. ended: c has
 * ended too (one record for both), and when its source is reported as
 * scanning (kx_events_patterns is called first, so the connection that
 * crosses the threshold is one too), c is judged part of the scan
 * (patterns.h). Returns true when it is to be shown (--only-problems). */
bool kx_events_handshake(struct kx_events *ev, struct kx_conn *c,
    struct kx_verdict *v, bool ended);
/* kx_events_handshake in two: the analysis of c alone (reads nothing of
 * the run's state: a --workers thread runs it on its own), then the rest,
 * which does (under the writer's lock). */
void kx_events_analyze(const struct kx_events *ev, struct kx_conn *c,
    struct kx_verdict *v, bool ended);
bool kx_events_account(struct kx_events *ev, struct kx_conn *c,
    struct kx_verdict *v, bool ended);

/* What a connection's label made events count: its verdict, whether it
 * was a problem at its handshake record and at its close record (a
 * problem only then, kx_events_close), whether each record was shown. */
struct kx_label {
	uint8_t kind;                /* enum kx_verdict_kind */
	bool problem, close_problem;
	bool shown, close_shown;
};

/* The label c (analysed into v, its end ci, hs_problem: its handshake a
 * problem) was counted with by kx_events_account and kx_events_close. */
void kx_events_label(const struct kx_events *ev, const struct kx_verdict *v,
    const struct kx_close_info *ci, bool hs_problem, struct kx_label *out);

/* A connection counted as was is counted as now instead (report/
 * scan_hold.h: held until its source's scan was known, then released as
 * one of the scan's connections). */
void kx_events_relabel(struct kx_events *ev, const struct kx_label *was,
    const struct kx_label *now);

/* After kx_events_patterns(c): whether c may yet be one of a scan's
 * connections (patterns.h kx_patterns_scan_pending), and the window. */
bool kx_events_scan_pending(const struct kx_events *ev,
    const struct kx_conn *c, enum kx_phase ph, uint64_t *window);

/* What in c's records depends on the connections before it, so that with
 * --workers they wait for their turn (workers.h kx_workers_order): at the
 * handshake record (v), the host-key store and a KEXINIT not yet recorded;
 * at the end (ended, in phase ph), also the patterns (patterns.h). Reads
 * ev->offers: under the writer's lock. */
bool kx_events_depends(const struct kx_events *ev, const struct kx_conn *c,
    const struct kx_verdict *v, bool ended, enum kx_phase ph);

/* True when side's KEXINIT in v has had no record of its own yet: the
 * caller writes it now. */
bool kx_events_kexinit_first(struct kx_events *ev, const struct kx_verdict *v,
    int side);

/* c ended: marks what a signal cut short. Call before anything else of
 * its end. */
void kx_events_ended(struct kx_events *ev, struct kx_conn *c);

/* How c ended (ci), once its handshake record is written: summarised and
 * counted (a problem only now, a forged RST after the handshake, is
 * counted here). Returns true, with *hit, when c takes its source over
 * the brute-force threshold. *show: its close record is to be shown.
 * key: c's input position (kx_workers_key) when the brute-force count is
 * queued (kx_events_queue_brute); its count is then left to
 * kx_events_brute_next and this returns false. */
bool kx_events_close(struct kx_events *ev, const struct kx_conn *c,
    const struct kx_close_info *ci, bool *show, struct kx_brute_hit *hit,
    uint64_t key);

/* With kx_events_queue_brute: counts the queued ends whose key is below
 * watermark, in key order, until one crosses the threshold: returns true
 * with *hit and a copy of its connection's own fields (pointers NULL) in
 * *c. False when none is left below watermark. */
bool kx_events_brute_next(struct kx_events *ev, uint64_t watermark,
    struct kx_conn *c, struct kx_brute_hit *hit);

/* At c's end, before kx_events_account (so that the connection that
 * crosses a scan's threshold is judged one of it): the patterns its
 * source now completes (at most KX_PAT_MAX), each to be written once. */
int kx_events_patterns(struct kx_events *ev, const struct kx_conn *c,
    enum kx_phase ph, struct kx_pattern_hit hits[KX_PAT_MAX]);

/* The exit status's view: a problem seen (or, with fail_on_weak, a weak
 * handshake). */
bool kx_events_any_problem(const struct kx_events *ev, bool fail_on_weak);

#endif
