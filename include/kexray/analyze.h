/* analyze: turns a finished connection's facts into a verdict: the RFC 4253
 * negotiation result, whether the handshake completed, and how and why it
 * ended, in plain words. Formats nothing. */
#ifndef KEXRAY_ANALYZE_H
#define KEXRAY_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>

#include "kexray/assess.h"
#include "kexray/close.h"
#include "kexray/flow.h"
#include "kexray/memo.h"
#include "kexray/negotiate.h"

enum kx_verdict_kind {
	KX_V_OK,          /* NEWKEYS both ways */
	KX_V_MISMATCH,    /* both KEXINITs seen, a category has no common algorithm */
	KX_V_RESET,       /* reset before NEWKEYS both ways */
	KX_V_CLOSED,      /* closed (FIN) before NEWKEYS both ways */
	KX_V_INCOMPLETE,  /* capture ended or began mid-handshake: no judgement */
	KX_V_REFUSED,     /* RST to the SYN, or the server closed before its banner */
	KX_V_NO_ANSWER,   /* SYNs sent again and again, never answered (filtered) */
	KX_V_MAX
};

extern const char *const kx_verdict_names[KX_V_MAX];

struct kx_verdict {
	enum kx_verdict_kind kind;
	bool problem;              /* counts toward exit status 1 */
	bool handshake_complete;
	struct kx_nego nego;
	kx_anomset anomalies;      /* flow, reasm and ssh anomalies of both sides */
	struct kx_assessment assess;  /* security verdicts (assess.h) */
	char reason[512];          /* one line, plain words */
	struct kx_close_info close;  /* how it ended (close.h), as of now */
	struct kx_memo_ref memo;   /* the pair's memo slot (memo.h): reports
	                            * reuse its JSON text */
};

void kx_analyze(const struct kx_conn *c, struct kx_verdict *v);
/* The same without the security assessment (v->assess stays zeroed): all
 * the close record, the summary's close counts and the brute-force check
 * read. */
void kx_analyze_close(const struct kx_conn *c, struct kx_verdict *v);

/* "server KEXINIT", "client banner", "client encrypted data"; "" for none. */
void kx_step_text(const struct kx_step *st, char *buf, size_t len);

#endif
