#include <stdio.h>
#include <string.h>

#include "close_text.h"
#include "kexray/analyze/analyze.h"
#include "kexray/analyze/assess.h"
#include "kexray/analyze/memo.h"
#include "kexray/analyze/resets.h"
#include "kexray/input/sshlog.h"
#include "kexray/ssh/hostkey.h"

const char *const kx_verdict_names[KX_V_MAX] = {
	[KX_V_OK] = "OK",
	[KX_V_MISMATCH] = "MISMATCH",
	[KX_V_RESET] = "RESET",
	[KX_V_CLOSED] = "CLOSED",
	[KX_V_INCOMPLETE] = "INCOMPLETE",
	[KX_V_REFUSED] = "REFUSED",
	[KX_V_NO_ANSWER] = "NO_ANSWER",
	[KX_V_HOST_KEY_CHANGED] = "HOST_KEY_CHANGED",
	[KX_V_PROBE] = "PROBE",
};

bool
kx_verdict_is_problem(enum kx_verdict_kind k)
{
	return k == KX_V_MISMATCH || k == KX_V_RESET || k == KX_V_CLOSED ||
	    k == KX_V_REFUSED || k == KX_V_NO_ANSWER || k == KX_V_HOST_KEY_CHANGED;
}

void
kx_step_text(const struct kx_step *st, char *buf, size_t len)
{
	size_t off;

	if (len > 0)
		buf[0] = '\0';
	if (st->side < 0)
		return;
	off = kx_words_cat(buf, len, 0, kx_side_names[st->side]);
	off = kx_words_cat(buf, len, off, " ");
	(void)kx_words_cat(buf, len, off, st->what == KX_STEP_BANNER ?
	    "banner" : st->what == KX_STEP_ENCRYPTED ? "encrypted data" :
	    kx_ssh_msg_name(st->what));
}

/* "server FIN after server KEXINIT" */
static void
close_text(const struct kx_conn *c, char *buf, size_t len)
{
	char step[64];

	if (len > 0)
		buf[0] = '\0';
	if (c->close != KX_CLOSE_FIN && c->close != KX_CLOSE_RST) {
		(void)kx_words_cat(buf, len, 0,
		    c->close == KX_CLOSE_CAPTURE_END ? (c->no_tcp_facts ?
		    "still open when the log ended" :
		    "still open when the capture ended") :
		    c->close == KX_CLOSE_TIMEOUT ? "timed out" :
		    "still open (its close record follows)");
		return;
	}
	kx_step_text(&c->close_after, step, sizeof(step));
	/* resets.h: a RST that does not match the sender's own segments. */
	snprintf(buf, len, "%s%s %s %s%s", c->close == KX_CLOSE_RST &&
	    kx_resets_closing_verdict(c) == KX_RST_LIKELY_FORGED ?
	    "a third party claiming to be the " : "", kx_side_names[c->closed_by],
	    c->close == KX_CLOSE_RST ? "reset the connection (RST)" :
	    "closed the connection (FIN)",
	    step[0] != '\0' ? "after " : "before any SSH data",
	    step);
}

static void
mismatch_text(const struct kx_verdict *v, char *buf, size_t len)
{
	size_t off;
	int first = v->nego.first_failure;

	off = (size_t)snprintf(buf, len, "no common %s (sshd logs \"%s\")",
	    kx_cat_words[first], kx_nego_failure_text((enum kx_cat)first));
	for (int cat = 0; cat < KX_CAT_MAX && off < len; cat++) {
		if (cat == first || !(v->nego.mismatch_mask & (1u << cat)))
			continue;
		off += (size_t)snprintf(buf + off, len - off, "; also no common %s",
		    kx_cat_words[cat]);
	}
}

static bool
is_ssh1(const struct kx_ssh_side *s)
{
	return s->have_banner && s->proto_major == 1 && s->proto_minor != 99;
}

/* SSH-2.0 (not 1.99): a peer that cannot fall back to protocol 1. */
static bool
is_ssh2_only(const struct kx_ssh_side *s)
{
	return s->have_banner && s->proto_major == 2;
}

/* Protocol 1 on either side: no SSH-2 handshake to negotiate. Returns true
 * when it decided the verdict. */
static bool
judge_ssh1(const struct kx_conn *c, const char *how, struct kx_verdict *v)
{
	const struct kx_ssh_side *s[2] = { kx_conn_ssh(c, KX_CLIENT),
	    kx_conn_ssh(c, KX_SERVER) };

	for (int i = 0; i < 2; i++) {
		if (!is_ssh1(s[i]))
			continue;
		if (is_ssh2_only(s[!i])) {
			/* Certain from the banners, but the verdict names how it
			 * ended: until a FIN or RST it is not over. */
			v->kind = c->close == KX_CLOSE_RST ? KX_V_RESET :
			    c->close == KX_CLOSE_FIN ? KX_V_CLOSED : KX_V_INCOMPLETE;
			snprintf(v->reason, sizeof(v->reason),
			    "protocol version mismatch: the %s speaks only SSH "
			    "protocol 1 (%.*s), the %s only SSH-2; %s",
			    kx_side_names[i], (int)s[i]->proto_len,
			    (const char *)s[i]->banner + s[i]->proto_off,
			    kx_side_names[!i], how);
		} else {
			v->kind = KX_V_INCOMPLETE;
			snprintf(v->reason, sizeof(v->reason),
			    "SSH protocol 1 session (%s speaks %.*s): kexray "
			    "decodes SSH-2 handshakes only; %s", kx_side_names[i],
			    (int)s[i]->proto_len,
			    (const char *)s[i]->banner + s[i]->proto_off, how);
		}
		return true;
	}
	return false;
}

/* The close's sentence (close_text.c), written the first time it is
 * quoted: at NEWKEYS nothing else reads it. */
static const char *
close_words(const struct kx_conn *c, struct kx_verdict *v)
{
	if (v->close.text[0] == '\0')
		kx_close_sentence(c, &v->close);
	return v->close.text;
}

/* The handshake verdict from the facts, the negotiation and how the
 * connection ended (v->close, judged first): one tree, each branch final.
 * Returns true when v->reason is the close sentence itself (no
 * DISCONNECT words are added to it). */
static bool
classify(const struct kx_conn *c, const char *how, struct kx_verdict *v)
{
	const struct kx_ssh_side *cs = kx_conn_ssh(c, KX_CLIENT);
	const struct kx_ssh_side *ss = kx_conn_ssh(c, KX_SERVER);
	enum kx_cause cause = v->close.cause;
	char what[320];

	/* Nothing listening, a refusal before the banner and a filtered
	 * port are verdicts of their own, said in the close's words. */
	if (cause == KX_CAUSE_PORT_CLOSED || cause == KX_CAUSE_REFUSED ||
	    cause == KX_CAUSE_MAX_STARTUPS || cause == KX_CAUSE_NOT_ALLOWED ||
	    cause == KX_CAUSE_FILTERED) {
		v->kind = cause == KX_CAUSE_FILTERED ? KX_V_NO_ANSWER : KX_V_REFUSED;
		snprintf(v->reason, sizeof(v->reason), "%s", close_words(c, v));
		return true;
	}
	if (kx_conn_log(c) != NULL && kx_conn_log(c)->failed_cats != 0 &&
	    (cs->kexinit == NULL || ss->kexinit == NULL) &&
	    v->nego.mismatch_mask != 0 && v->nego.first_failure >= 0) {
		/* An INFO-level log: the writer's "Unable to negotiate" and
		 * the peer's list, no proposals (log_mismatch). */
		const struct kx_logconn *lg = kx_conn_log(c);
		int peer = lg->writer == KX_CLIENT ? KX_SERVER : KX_CLIENT;

		v->kind = KX_V_MISMATCH;
		mismatch_text(v, what, sizeof(what));
		snprintf(v->reason, sizeof(v->reason), "%s; the %s offered %.*s; "
		    "the %s's own list is not in the log (LogLevel DEBUG2 "
		    "logs both)", what, kx_side_names[peer],
		    (int)lg->offer_len, lg->outcome + lg->offer_off,
		    kx_side_names[!peer]);
		return true;
	}
	if (c->midstream && !cs->have_banner && !ss->have_banner) {
		v->kind = KX_V_INCOMPLETE;
		snprintf(v->reason, sizeof(v->reason), "%s",
		    "caught mid-stream: the handshake was not captured");
	} else if (judge_ssh1(c, how, v)) {
		/* decided */
	} else if (cause == KX_CAUSE_NOT_SSH) {
		/* Another protocol on an SSH port (close.c): not judged, and
		 * no SSH problem. */
		v->kind = KX_V_INCOMPLETE;
		snprintf(v->reason, sizeof(v->reason), "%s", close_words(c, v));
		return true;
	} else if (!kx_close_heard(c, KX_CLIENT) || !kx_close_heard(c, KX_SERVER)) {
		/* A SYN nobody answered is still open or timed out (below);
		 * data one way and nothing back is a one-sided capture
		 * (asymmetric routing, a mirror of one direction). */
		bool client_only = !kx_close_heard(c, KX_SERVER);
		const struct kx_half *h = &c->half[client_only ? KX_CLIENT : KX_SERVER];

		if (h->payload_bytes > 0) {
			v->kind = KX_V_INCOMPLETE;
			snprintf(v->reason, sizeof(v->reason),
			    "only the %s direction was captured; %s",
			    client_only ? "client-to-server" : "server-to-client", how);
		} else if (c->close == KX_CLOSE_RST || c->close == KX_CLOSE_FIN) {
			v->kind = c->close == KX_CLOSE_RST ? KX_V_RESET : KX_V_CLOSED;
			snprintf(v->reason, sizeof(v->reason), "%s, before NEWKEYS", how);
		} else {
			v->kind = KX_V_INCOMPLETE;
			snprintf(v->reason, sizeof(v->reason), "%s%s",
			    client_only ? "no answer from the server; " : "", how);
		}
	} else if (v->nego.mismatch_mask != 0) {
		v->kind = KX_V_MISMATCH;
		mismatch_text(v, what, sizeof(what));
		snprintf(v->reason, sizeof(v->reason), "%s; %s", what, how);
	} else if (v->handshake_complete) {
		size_t off = kx_words_cat(v->reason, sizeof(v->reason), 0,
		    "handshake completed (NEWKEYS both ways); ");

		v->kind = KX_V_OK;
		(void)kx_words_cat(v->reason, sizeof(v->reason), off, how);
	} else if (cause == KX_CAUSE_ONE_SIDED) {
		/* One side's handshake is missing from the capture though
		 * both sides spoke (close.c): nothing to judge. */
		v->kind = KX_V_INCOMPLETE;
		snprintf(v->reason, sizeof(v->reason), "%s", close_words(c, v));
		return true;
	} else if (cause == KX_CAUSE_SEGMENT_LOST) {
		/* A hole the receiver never filled either: lost on the path,
		 * not by the capture, so the handshake did fail. */
		v->kind = c->close == KX_CLOSE_RST ? KX_V_RESET : KX_V_CLOSED;
		snprintf(v->reason, sizeof(v->reason), "%s", close_words(c, v));
		return true;
	} else if (v->anomalies & (KX_ANOM_BIT(KX_ANOM_REASM_GAP) |
	    KX_ANOM_BIT(KX_ANOM_REASM_DEPTH_LIMIT))) {
		/* The capture (or the buffer cap) hid the rest of the
		 * handshake: what happened there cannot be told. */
		v->kind = KX_V_INCOMPLETE;
		snprintf(v->reason, sizeof(v->reason),
		    "part of the handshake is missing from the capture (%s); %s",
		    kx_anom_has(v->anomalies, KX_ANOM_REASM_GAP) ? "a gap" :
		    "longer than --max-buffer", how);
	} else if (c->close == KX_CLOSE_RST || c->close == KX_CLOSE_FIN) {
		v->kind = c->close == KX_CLOSE_RST ? KX_V_RESET : KX_V_CLOSED;
		snprintf(v->reason, sizeof(v->reason), "%s, before NEWKEYS", how);
	} else {
		v->kind = KX_V_INCOMPLETE;
		snprintf(v->reason, sizeof(v->reason), "%s ended before the "
		    "handshake completed", c->no_tcp_facts ? "log" : "capture");
	}
	return false;
}

/* A log that says only "Unable to negotiate ...: no matching X found"
 * (LogLevel INFO) has no proposals to negotiate: the failing categories
 * are the log's word. The first is the one sshd checks first (kex.c
 * kex_choose_conf: kex, host key, then cipher, MAC, compression per
 * direction: the kx_cat order). */
static void
log_mismatch(const struct kx_conn *c, struct kx_verdict *v)
{
	if (kx_conn_log(c) == NULL || kx_conn_log(c)->failed_cats == 0 ||
	    (kx_conn_ssh(c, KX_CLIENT)->kexinit != NULL &&
	    kx_conn_ssh(c, KX_SERVER)->kexinit != NULL))
		return;
	v->nego.mismatch_mask = kx_conn_log(c)->failed_cats;
	for (int cat = 0; cat < KX_CAT_MAX; cat++) {
		if (kx_conn_log(c)->failed_cats & (1u << cat)) {
			v->nego.first_failure = cat;
			break;
		}
	}
}

void
kx_analyze(const struct kx_conn *c, struct kx_verdict *v)
{
	kx_analyze_with(c, NULL, v);
}

void
kx_analyze_with(const struct kx_conn *c, const struct kx_analysis_ctx *ctx,
    struct kx_verdict *v)
{
	const struct kx_ssh_side *cs = kx_conn_ssh(c, KX_CLIENT);
	const struct kx_ssh_side *ss = kx_conn_ssh(c, KX_SERVER);
	char how[160];
	bool quoted;

	/* Every member is set below; the memo or kx_negotiate and kx_assess
	 * fill nego and assess whole. Not a memset: the verdict is 7 KiB,
	 * most of it the weak lists' empty room. */
	v->kind = KX_V_INCOMPLETE;
	v->problem = false;
	v->reason[0] = '\0';
	v->anomalies = c->anomalies;
	for (int s = 0; s < 2; s++)
		v->anomalies |= kx_conn_reasm(c, s)->anomalies | kx_conn_ssh(c, s)->anomalies;
	/* What depends only on the banners and KEXINITs, once per pair. */
	if (kx_memo_get(c, &v->nego, &v->assess, &v->memo)) {
		kx_assess_hostkey(c, &v->assess);
	} else {
		kx_negotiate(cs->kexinit, ss->kexinit, &v->nego);
		kx_assess(c, &v->nego, &v->assess);
		kx_memo_put(c, &v->nego, &v->assess, &v->memo);
	}
	v->handshake_complete = cs->newkeys && ss->newkeys;
	log_mismatch(c, v);
	close_text(c, how, sizeof(how));
	/* How it ended (close.h), as of now: the verdict is read from it. */
	kx_close_classify(c, &v->nego, &v->close);
	quoted = classify(c, how, v);
	if (ctx == NULL || !ctx->open)
		(void)close_words(c, v);
	/* A cleartext DISCONNECT says in the peer's own words why. */
	for (int s = 0; s < 2 && !quoted; s++) {
		const struct kx_ssh_side *d = kx_conn_ssh(c, s);
		const char *rn;
		size_t off = strlen(v->reason);

		if (!d->have_disconnect || off >= sizeof(v->reason) - 1)
			continue;
		rn = kx_ssh_disconnect_reason_name(d->disc_reason);
		snprintf(v->reason + off, sizeof(v->reason) - off,
		    "; %s sent DISCONNECT %u (%s)", kx_side_names[s],
		    d->disc_reason, rn != NULL ? rn : "unknown reason");
	}
	/* A port check is its own outcome, not a failed login (issue 19). */
	if ((v->kind == KX_V_CLOSED || v->kind == KX_V_RESET) &&
	    v->close.cause == KX_CAUSE_PROBE &&
	    (ctx == NULL || !ctx->probes_are_problems))
		v->kind = KX_V_PROBE;
	v->problem = kx_verdict_is_problem(v->kind);
	v->outcome.kind = (uint8_t)v->kind;
	v->outcome.mismatch_mask = (uint8_t)v->nego.mismatch_mask;
	v->outcome.first_failure = (int8_t)v->nego.first_failure;
}

void
kx_analyze_end(const struct kx_conn *c, struct kx_close_info *ci)
{
	struct kx_nego n;

	/* The negotiation's outcome as the handshake record judged it: what
	 * the close sentence reads of it. */
	memset(&n, 0, sizeof(n));
	n.mismatch_mask = c->hs_outcome.mismatch_mask;
	n.first_failure = c->hs_outcome.first_failure;
	kx_close_judge(c, &n, ci);
}

bool
kx_verdict_weak(const struct kx_verdict *v)
{
	if (v->kind != KX_V_OK)
		return false;
	if (v->assess.terrapin.exposed)
		return true;
	for (int cat = 0; cat < KX_CAT_MAX; cat++) {
		const struct kx_algtab_row *r = v->assess.rating[cat];

		if (v->nego.res[cat] == KX_NEGO_AGREED && r != NULL &&
		    (r->rating == KX_RATE_WARN || r->rating == KX_RATE_FAIL))
			return true;
	}
	return false;
}

bool
kx_verdict_forged(const struct kx_verdict *v)
{
	return v->kind == KX_V_RESET && v->close.third_party;
}

void
kx_analyze_thread_end(void)
{
	kx_memo_clear();
	kx_assess_cache_free();
	kx_fingerprint_thread_end();
}
