/* summary: what a whole run saw, for the end of every run (and SIGUSR1
 * live): connections by outcome, the categories that failed to negotiate
 * with the algorithms each side was missing, the software on each side,
 * weak algorithms in use, resets by verdict. Counting lives here
 * (summary.c); report_summary.c writes it as text or as the JSON "summary"
 * record. Every table has a fixed size (limits.h KX_SUMMARY_*): what does
 * not fit is counted as "other", never dropped silently, and memory does
 * not grow with the input. Names from the wire are kept as bytes and
 * escaped on output. */
#ifndef KEXRAY_SUMMARY_H
#define KEXRAY_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kexray/analyze/algtab.h"
#include "kexray/analyze/analyze.h"
#include "kexray/core/limits.h"
#include "kexray/stream/pipeline.h"
#include "kexray/analyze/resets.h"
#include "kexray/analyze/infer.h"

/* One counted string: an algorithm name or a software version. */
struct kx_summary_item {
	uint8_t len;
	uint8_t cat;            /* enum kx_algcat (weak items) */
	uint8_t rating;         /* enum kx_rating (weak items) */
	uint64_t count;         /* connections */
	uint64_t first;         /* order first seen, breaks ties */
	uint64_t last;          /* the connection that counted it last */
	uint8_t s[KX_SUMMARY_ITEM_LEN];
};

/* A table of at most cap items, plus the connections that had an item
 * that no longer fit. */
struct kx_summary_table {
	uint32_t n, cap;
	uint64_t other;
	uint64_t other_last;
	struct kx_summary_item item[];
};

/* One OpenSSH directive (kx_algcat) that failed to negotiate. */
struct kx_summary_mismatch {
	uint64_t conns;
	/* [KX_CLIENT]: what the server offered and the client lacks;
	 * [KX_SERVER]: what the client offered and the server lacks */
	struct kx_summary_table *lacks[2];
};

struct kx_summary {
	uint64_t conns;                  /* connections counted */
	uint64_t problems;
	uint64_t shown;                  /* set by the caller */
	uint64_t by_verdict[KX_V_MAX];
	uint64_t weak_ok;                /* OK but WEAK (color.h) */
	uint64_t forged;                 /* RESET by a likely forged RST */
	uint64_t terrapin_exposed;
	/* counted when the connection ends (kx_summary_close) */
	uint64_t closed;
	uint64_t by_phase[KX_PHASE_MAX]; /* the last phase completed */
	uint64_t by_cause[KX_CAUSE_MAX];
	uint64_t resets;                 /* connections ended by a RST */
	uint64_t resets_by_verdict[KX_RST_VERDICT_MAX];  /* of that RST */
	/* What the encrypted part told (infer_conn.h), per connection past a
	 * NEWKEYS: the login's outcome, the attempts counted where it is
	 * known, and the session kinds. */
	uint64_t logins[KX_INFER_TRI_MAX];
	uint64_t login_attempts;
	uint64_t kinds[KX_INFER_KIND_MAX];
	uint64_t mismatch_conns;         /* connections with any mismatch */
	struct kx_summary_mismatch mismatch[KX_AC_MAX];
	struct kx_summary_table *software[2];  /* by kx_side */
	uint64_t no_banner[2];           /* connections without that side's banner */
	struct kx_summary_table *weak;   /* negotiated, rated warn or fail */
	uint64_t ts_last_us;             /* latest packet (or log line) time */
	uint64_t seq;                    /* items inserted, for ordering */
};

/* NULL when out of memory. */
struct kx_summary *kx_summary_new(void);
void kx_summary_free(struct kx_summary *s);

/* Counts one connection's handshake and its verdict, when its outcome is
 * final (the "ssh" record). */
void kx_summary_add(struct kx_summary *s, const struct kx_conn *c,
    const struct kx_verdict *v);

/* A connection counted by kx_summary_add as was_kind (was_problem) is
 * counted as now_kind (now_problem) instead: one of a scan's connections,
 * its records held until the scan was known (report/scan_hold.h). */
void kx_summary_relabel(struct kx_summary *s, enum kx_verdict_kind was_kind,
    bool was_problem, enum kx_verdict_kind now_kind, bool now_problem);

/* Counts how one connection ended, when it ends (the "close" record): its
 * phase, the cause, and the verdict of a RST that closed it. */
void kx_summary_close(struct kx_summary *s, const struct kx_conn *c,
    const struct kx_close_info *ci);

/* Counts what the encrypted part of c told (summary_auth.c); called by
 * kx_summary_close. */
void kx_summary_auth(struct kx_summary *s, const struct kx_conn *c);

/* Marks the time of the latest frame, so the record's ts is packet time. */
void kx_summary_seen(struct kx_summary *s, uint64_t ts_us);

/* The items of t ordered by count, highest first (ties: first seen
 * first), written into out (at most max); returns how many. */
uint32_t kx_summary_top(const struct kx_summary_table *t,
    const struct kx_summary_item **out, uint32_t max);

/* Software string of one side as counted: "OpenSSH 9.2p1" when the
 * product is recognised, else the softwareversion bytes; at most
 * KX_SUMMARY_ITEM_LEN bytes. Returns the length (0: no banner). */
size_t kx_summary_software(const struct kx_conn *c, const struct kx_verdict *v,
    int side, uint8_t *buf, size_t len);

/* Top entries shown per list. */
#define KX_SUMMARY_SHOW 5

#endif
