#include <stdio.h>
#include <string.h>

#include "kexray/analyze.h"
#include "kexray/resets.h"

const char *const kx_verdict_names[KX_V_MAX] = {
	[KX_V_OK] = "OK",
	[KX_V_MISMATCH] = "MISMATCH",
	[KX_V_RESET] = "RESET",
	[KX_V_CLOSED] = "CLOSED",
	[KX_V_INCOMPLETE] = "INCOMPLETE",
	[KX_V_REFUSED] = "REFUSED",
	[KX_V_NO_ANSWER] = "NO_ANSWER",
};

static const char *const side_names[2] = { "client", "server" };

void
kx_step_text(const struct kx_step *st, char *buf, size_t len)
{
	if (st->side < 0) {
		snprintf(buf, len, "%s", "");
		return;
	}
	if (st->what == KX_STEP_BANNER)
		snprintf(buf, len, "%s banner", side_names[st->side]);
	else if (st->what == KX_STEP_ENCRYPTED)
		snprintf(buf, len, "%s encrypted data", side_names[st->side]);
	else
		snprintf(buf, len, "%s %s", side_names[st->side],
		    kx_ssh_msg_name(st->what));
}

/* "server FIN after server KEXINIT" */
static void
close_text(const struct kx_conn *c, char *buf, size_t len)
{
	char step[64];

	kx_step_text(&c->close_after, step, sizeof(step));
	if (c->close != KX_CLOSE_FIN && c->close != KX_CLOSE_RST) {
		snprintf(buf, len, "%s",
		    c->close == KX_CLOSE_CAPTURE_END ? "still open when the capture ended" :
		    c->close == KX_CLOSE_TIMEOUT ? "timed out" :
		    "still open (its close record follows)");
		return;
	}
	/* resets.h: a RST that does not match the sender's own segments. */
	snprintf(buf, len, "%s%s %s %s%s", c->close == KX_CLOSE_RST &&
	    kx_resets_closing_verdict(c) == KX_RST_LIKELY_FORGED ?
	    "a third party claiming to be the " : "", side_names[c->closed_by],
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
			    side_names[i], (int)s[i]->proto_len,
			    (const char *)s[i]->banner + s[i]->proto_off,
			    side_names[!i], how);
		} else {
			v->kind = KX_V_INCOMPLETE;
			snprintf(v->reason, sizeof(v->reason),
			    "SSH protocol 1 session (%s speaks %.*s): kexray "
			    "decodes SSH-2 handshakes only; %s", side_names[i],
			    (int)s[i]->proto_len,
			    (const char *)s[i]->banner + s[i]->proto_off, how);
		}
		return true;
	}
	return false;
}

static void analyze(const struct kx_conn *c, struct kx_verdict *v,
    bool assess);

void
kx_analyze(const struct kx_conn *c, struct kx_verdict *v)
{
	analyze(c, v, true);
}

void
kx_analyze_close(const struct kx_conn *c, struct kx_verdict *v)
{
	analyze(c, v, false);
}

static void
analyze(const struct kx_conn *c, struct kx_verdict *v, bool assess)
{
	const struct kx_ssh_side *cs = kx_conn_ssh(c, KX_CLIENT);
	const struct kx_ssh_side *ss = kx_conn_ssh(c, KX_SERVER);
	char what[320], how[160];

	memset(v, 0, sizeof(*v));
	v->anomalies = c->anomalies;
	for (int s = 0; s < 2; s++)
		v->anomalies |= kx_conn_reasm(c, s)->anomalies | kx_conn_ssh(c, s)->anomalies;
	/* What depends only on the banners and KEXINITs, once per pair. */
	if (kx_memo_get(c, &v->nego, assess ? &v->assess : NULL, &v->memo)) {
		if (assess)
			kx_assess_hostkey(c, &v->assess);
	} else if (!assess) {
		kx_negotiate(cs->kexinit, ss->kexinit, &v->nego);
	} else {
		kx_negotiate(cs->kexinit, ss->kexinit, &v->nego);
		kx_assess(c, &v->nego, &v->assess);
		kx_memo_put(c, &v->nego, &v->assess, &v->memo);
	}
	v->handshake_complete = cs->newkeys && ss->newkeys;
	close_text(c, how, sizeof(how));

	if (c->midstream && !cs->have_banner && !ss->have_banner) {
		v->kind = KX_V_INCOMPLETE;
		snprintf(v->reason, sizeof(v->reason), "%s",
		    "caught mid-stream: the handshake was not captured");
	} else if (judge_ssh1(c, how, v)) {
		/* decided */
	} else if (c->half[KX_CLIENT].pkts == 0 || c->half[KX_SERVER].pkts == 0) {
		/* A SYN nobody answered is still open or timed out (below);
		 * data one way and nothing back is a one-sided capture
		 * (asymmetric routing, a mirror of one direction). */
		bool client_only = c->half[KX_SERVER].pkts == 0;
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
		v->kind = KX_V_OK;
		snprintf(v->reason, sizeof(v->reason),
		    "handshake completed (NEWKEYS both ways); %s", how);
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
		snprintf(v->reason, sizeof(v->reason), "%s",
		    "capture ended before the handshake completed");
	}
	/* A cleartext DISCONNECT says in the peer's own words why. */
	for (int s = 0; s < 2; s++) {
		const struct kx_ssh_side *d = kx_conn_ssh(c, s);
		const char *rn;
		size_t off = strlen(v->reason);

		if (!d->have_disconnect || off >= sizeof(v->reason) - 1)
			continue;
		rn = kx_ssh_disconnect_reason_name(d->disc_reason);
		snprintf(v->reason + off, sizeof(v->reason) - off,
		    "; %s sent DISCONNECT %u (%s)", side_names[s],
		    d->disc_reason, rn != NULL ? rn : "unknown reason");
	}
	/* How it ended (close.h): nothing listening, a refusal before the
	 * banner and a filtered port are verdicts of their own. */
	kx_close_judge(c, &v->nego, &v->close);
	if (v->close.cause == KX_CAUSE_PORT_CLOSED ||
	    v->close.cause == KX_CAUSE_REFUSED ||
	    v->close.cause == KX_CAUSE_MAX_STARTUPS ||
	    v->close.cause == KX_CAUSE_NOT_ALLOWED ||
	    v->close.cause == KX_CAUSE_FILTERED) {
		v->kind = v->close.cause == KX_CAUSE_FILTERED ? KX_V_NO_ANSWER :
		    KX_V_REFUSED;
		snprintf(v->reason, sizeof(v->reason), "%s", v->close.text);
	}
	/* A hole the receiver never filled either: lost on the path, not by
	 * the capture, so the handshake did fail. */
	if (v->close.cause == KX_CAUSE_SEGMENT_LOST && v->kind == KX_V_INCOMPLETE) {
		v->kind = c->close == KX_CLOSE_RST ? KX_V_RESET : KX_V_CLOSED;
		snprintf(v->reason, sizeof(v->reason), "%s", v->close.text);
	}
	v->problem = v->kind == KX_V_MISMATCH || v->kind == KX_V_RESET ||
	    v->kind == KX_V_CLOSED || v->kind == KX_V_REFUSED ||
	    v->kind == KX_V_NO_ANSWER;
}
