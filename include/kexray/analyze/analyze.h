/* analyze: turns a finished connection's facts into a verdict: the RFC 4253
 * negotiation result, whether the handshake completed, and how and why it
 * ended, in plain words. Formats nothing. */
#ifndef KEXRAY_ANALYZE_H
#define KEXRAY_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>

#include "kexray/analyze/assess.h"
#include "kexray/analyze/close.h"
#include "kexray/analyze/known_hosts.h"
#include "kexray/stream/flow.h"
#include "kexray/analyze/memo.h"
#include "kexray/analyze/negotiate.h"

enum kx_verdict_kind {
	KX_V_OK,          /* NEWKEYS both ways */
	KX_V_MISMATCH,    /* both KEXINITs seen, a category has no common algorithm */
	KX_V_RESET,       /* reset before NEWKEYS both ways */
	KX_V_CLOSED,      /* closed (FIN) before NEWKEYS both ways */
	KX_V_INCOMPLETE,  /* capture ended or began mid-handshake: no judgement */
	KX_V_REFUSED,     /* RST to the SYN, or the server closed before its banner */
	KX_V_NO_ANSWER,   /* SYNs sent again and again, never answered (filtered) */
	KX_V_HOST_KEY_CHANGED, /* the server's host key differs from the one on
	                  * record (known_hosts, --host-keys) or is revoked */
	KX_V_PROBE,       /* a port check or health probe (close cause probe):
	                  * connected and left without a word; a problem only
	                  * with --probes-are-problems (then CLOSED or RESET) */
	KX_V_MAX
};

extern const char *const kx_verdict_names[KX_V_MAX];

/* A connection is a problem if and only if its verdict is one of these:
 * MISMATCH, RESET, CLOSED, REFUSED, NO_ANSWER, HOST_KEY_CHANGED. */
bool kx_verdict_is_problem(enum kx_verdict_kind k);

/* What the analysis reads beyond the connection. The host-key files are
 * not read here: judging a key against them may add to the learned set,
 * which is state across connections (events/hostkeys.h). */
struct kx_analysis_ctx {
	bool probes_are_problems;   /* --probes-are-problems: no PROBE verdict */
	/* The connection goes on (its handshake record, at NEWKEYS): how it
	 * ended is judged as of now, and the close's sentence is written only
	 * where the verdict quotes it; the close record judges it again. */
	bool open;
};

/* The analysis of one connection: made once (kx_analyze_with), then only
 * read. Every record of the connection is written from it. */
struct kx_verdict {
	enum kx_verdict_kind kind;
	bool problem;              /* kx_verdict_is_problem(kind) */
	bool handshake_complete;
	struct kx_nego nego;
	kx_anomset anomalies;      /* flow, reasm and ssh anomalies of both sides */
	struct kx_assessment assess;  /* security verdicts (assess.h) */
	char reason[512];          /* one line, plain words */
	struct kx_close_info close;  /* how it ended (close.h), as of now */
	struct kx_memo_ref memo;   /* the pair's memo slot (memo.h) */
	struct kx_hs_outcome outcome;  /* what the connection keeps of it
	                            * (flow.h) for its close record */
};

/* The whole analysis, once per connection, when its handshake record is
 * due: negotiation, assessment, host key, how it ended so far (v->close)
 * and the one verdict read from all of them. ctx may be NULL. */
void kx_analyze_with(const struct kx_conn *c, const struct kx_analysis_ctx *ctx,
    struct kx_verdict *v);
/* A thread that analysed connections ends (a --workers worker): frees
 * what the analysis keeps per thread (memo.h, the host-key cache of
 * assess.h, the fingerprint context of hostkey.h). */
void kx_analyze_thread_end(void);

/* kx_analyze_with with the defaults. */
void kx_analyze(const struct kx_conn *c, struct kx_verdict *v);
/* How a connection ended whose handshake record was written earlier (at
 * NEWKEYS both ways): the close alone, read with the outcome the
 * connection kept of its analysis (c->hs_outcome). Nothing is analysed
 * again. */
void kx_analyze_end(const struct kx_conn *c, struct kx_close_info *ci);

/* True when the handshake completed (OK) but a negotiated algorithm is
 * rated warn or fail, or the connection is exposed to Terrapin. */
bool kx_verdict_weak(const struct kx_verdict *v);

/* True for a RESET whose closing RST is likely forged (close.h
 * third_party): a third party claiming to be one side. */
bool kx_verdict_forged(const struct kx_verdict *v);

/* "server KEXINIT", "client banner", "client encrypted data"; "" for none. */
void kx_step_text(const struct kx_step *st, char *buf, size_t len);

#endif
