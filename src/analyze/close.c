/* How a connection ended (close.h): the phase it reached and the cause,
 * read from the wire as the issue lists them, and whether the end is a
 * problem in itself. This file decides; close_text.c then says it in one
 * sentence. A connection without TCP facts (a log, sshlog.h) is judged on
 * what its log says instead of on packet counts. */
#include <stdio.h>
#include <string.h>

#include "close_text.h"
#include "kexray/analyze/close.h"
#include "kexray/analyze/infer_conn.h"
#include "kexray/analyze/resets.h"
#include "kexray/input/sshlog.h"

const char *const kx_phase_names[KX_PHASE_MAX] = {
	[KX_PHASE_SYN] = "syn",
	[KX_PHASE_TCP] = "tcp",
	[KX_PHASE_BANNER] = "banner",
	[KX_PHASE_KEXINIT] = "kexinit",
	[KX_PHASE_KEX] = "kex",
	[KX_PHASE_AUTH] = "auth",
	[KX_PHASE_SESSION] = "session",
};

const char *const kx_cause_names[KX_CAUSE_MAX] = {
#define KX_CAUSE_NAME(id, name, desc) [KX_CAUSE_##id] = name,
	KX_CAUSE_LIST(KX_CAUSE_NAME)
#undef KX_CAUSE_NAME
};

const char *const kx_cause_descs[KX_CAUSE_MAX] = {
#define KX_CAUSE_DESC(id, name, desc) [KX_CAUSE_##id] = desc,
	KX_CAUSE_LIST(KX_CAUSE_DESC)
#undef KX_CAUSE_DESC
};

/* What sshd's server refusals say before (instead of) the banner:
 * sshd.c writes "Exceeded MaxStartups\r\n" (OpenSSH 8.2 to 9.7) and "Not
 * allowed at this time\r\n" (9.8 and later, also for PerSourcePenalties). */
static const struct {
	const char *text;
	enum kx_cause cause;
} refusals[] = {
	{ "Exceeded MaxStartups", KX_CAUSE_MAX_STARTUPS },
	{ "Not allowed at this time", KX_CAUSE_NOT_ALLOWED },
};

/* The client sent a key exchange method message (RFC 4253 12: 30-49). */
static bool
client_began_kex(const struct kx_ssh_kept *cs)
{
	return cs->newkeys || cs->kex_msg;
}

/* The server's key exchange reply (the host key it carries) was seen. */
static bool
server_replied(const struct kx_ssh_kept *ss)
{
	return ss->have_hostkey || ss->newkeys ||
	    kx_anom_has(ss->anomalies, KX_ANOM_SSH_HOSTKEY_TOO_LONG);
}

/* A refusal a log states: sshd's listener dropped the connection past
 * MaxStartups (sshlog.h), which a capture shows as the server's words. */
static enum kx_cause
log_refusal(const struct kx_conn *c)
{
	return kx_conn_log(c) != NULL && kx_conn_log(c)->max_startups ?
	    KX_CAUSE_MAX_STARTUPS : KX_CAUSE_MAX;
}

bool
kx_close_heard(const struct kx_conn *c, int side)
{
	const struct kx_half *h = &c->half[side];
	const struct kx_logconn *lg = kx_conn_log(c);

	if (c->no_tcp_facts)
		return (lg != NULL && lg->seen[side]) || h->fin || h->rst;
	return h->pkts > 0;
}

/* The server answered the SYN: a SYN-ACK, or anything else that needs one. */
static bool
server_answered(const struct kx_conn *c)
{
	const struct kx_half *cl = &c->half[KX_CLIENT], *sv = &c->half[KX_SERVER];

	if (KX_CONN_KEPT(c, KX_SERVER)->have_banner ||
	    KX_CONN_KEPT(c, KX_SERVER)->prebanner_lines > 0)
		return true;
	if (c->no_tcp_facts)
		/* No SYN-ACK to go by: the log's word that the server was on
		 * the wire before the end, or that its listener dropped it. */
		return kx_conn_log(c) != NULL &&
		    (kx_conn_log(c)->seen[KX_SERVER] || kx_conn_log(c)->max_startups);
	return c->synack_seen || c->midstream || sv->payload_bytes > 0 ||
	    cl->payload_bytes > 0;
}

bool
kx_close_session_evident(const struct kx_conn *c)
{
	struct kx_auth_view a;

	if (!KX_CONN_KEPT(c, KX_CLIENT)->newkeys ||
	    !KX_CONN_KEPT(c, KX_SERVER)->newkeys)
		return false;
	if (kx_conn_log(c) != NULL && kx_conn_log(c)->authenticated)
		return true;
	kx_infer_conn_judge(c, &a);
	if (a.r.auth_success == KX_INFER_YES)
		return true;
	if (a.r.auth_success == KX_INFER_NO)
		return false;
	if (kx_conn_encrypted(c, KX_SERVER) >= KX_SESSION_SERVER_BYTES ||
	    kx_conn_encrypted(c, KX_CLIENT) >= KX_SESSION_CLIENT_BYTES)
		return true;
	return kx_conn_hs_ts(c) != 0 && c->ts_last > kx_conn_hs_ts(c) &&
	    c->ts_last - kx_conn_hs_ts(c) > KX_SESSION_AFTER_US &&
	    kx_conn_encrypted(c, KX_CLIENT) > 0 &&
	    kx_conn_encrypted(c, KX_SERVER) > 0;
}

enum kx_phase
kx_close_phase(const struct kx_conn *c)
{
	const struct kx_ssh_kept *cs = KX_CONN_KEPT(c, KX_CLIENT);
	const struct kx_ssh_kept *ss = KX_CONN_KEPT(c, KX_SERVER);

	/* Caught inside an encrypted session: it carried one. */
	if (c->midstream && !cs->have_banner && !ss->have_banner)
		return KX_PHASE_SESSION;
	if (!server_answered(c))
		return KX_PHASE_SYN;
	if (!ss->have_banner)
		return KX_PHASE_TCP;
	if (!cs->have_kexinit || !ss->have_kexinit)
		return KX_PHASE_BANNER;
	if (!cs->newkeys || !ss->newkeys)
		return client_began_kex(cs) ? KX_PHASE_KEX : KX_PHASE_KEXINIT;
	return kx_close_session_evident(c) ? KX_PHASE_SESSION : KX_PHASE_AUTH;
}

int
kx_close_mtu_side(const struct kx_conn *c)
{
	if (c->no_tcp_facts)
		return -1;
	for (int s = 0; s < 2; s++) {
		const struct kx_half *h = &c->half[s];
		const struct kx_tcpfacts *f = &h->tf, *peer = &c->half[!s].tf;

		/* The peer's acknowledgments stop exactly where the lost
		 * segment begins (everything before it arrived), and the side
		 * sent more than that segment's copies (smaller ones passed). */
		if (f->rexmits >= KX_MTU_REXMITS_MIN &&
		    f->rexmit_len >= KX_MTU_SEGMENT_MIN &&
		    (peer->flags & KX_TF_ACK) && peer->ack_hi == f->rexmit_seq &&
		    h->payload_bytes > ((uint64_t)f->rexmits + 1) * f->rexmit_len)
			return s;
	}
	return -1;
}

/* A hole in one side's handshake stream (reasm.gap) that the receiver
 * never acknowledged past either, in a connection that ended: the bytes
 * were lost before both the capture point and the receiver. When the
 * capture alone missed them, the receiver's ACKs go past the hole. */
static int
lost_side(const struct kx_conn *c)
{
	if (c->no_tcp_facts || (c->close != KX_CLOSE_FIN &&
	    c->close != KX_CLOSE_RST && c->close != KX_CLOSE_TIMEOUT))
		return -1;
	for (int s = 0; s < 2; s++) {
		const struct kx_tcpfacts *f = &c->half[s].tf, *r = &c->half[!s].tf;

		/* Past --max-ooo kexray dropped segments itself: no telling. */
		if (kx_anom_has(KX_CONN_REASM_KEPT(c, s)->anomalies, KX_ANOM_REASM_GAP) &&
		    !kx_anom_has(KX_CONN_REASM_KEPT(c, s)->anomalies, KX_ANOM_REASM_OOO_LIMIT) &&
		    (r->flags & KX_TF_ACK) && (f->flags & KX_TF_SEQ) &&
		    KX_CONN_REASM_KEPT(c, s)->have_base &&
		    KX_SEQ_LT(r->ack_hi, f->seq_next - (c->half[s].fin ? 1u : 0u)))
			return s;
	}
	return -1;
}

enum kx_cause
kx_close_refusal_text(const struct kx_ssh_kept *server)
{
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		size_t n = strlen(refusals[i].text);

		if (server->prebanner_lines > 0 && server->prebanner_first_len >= n &&
		    memcmp(server->prebanner_first, refusals[i].text, n) == 0)
			return refusals[i].cause;
	}
	return KX_CAUSE_MAX;
}

int
kx_close_ssh1_side(const struct kx_conn *c)
{
	for (int s = 0; s < 2; s++) {
		const struct kx_ssh_kept *x = KX_CONN_KEPT(c, s);

		if (x->have_banner && x->proto_major == 1 && x->proto_minor != 99)
			return s;
	}
	return -1;
}

bool
kx_close_not_ssh(const struct kx_conn *c)
{
	const struct kx_ssh_kept *cs = KX_CONN_KEPT(c, KX_CLIENT);

	return !cs->have_banner && !KX_CONN_KEPT(c, KX_SERVER)->have_banner &&
	    cs->prebanner_lines > 0;
}

int
kx_close_peer_missed(const struct kx_conn *c)
{
	for (int s = 0; s < 2; s++)
		if (KX_CONN_KEPT(c, s)->newkeys && !KX_CONN_KEPT(c, !s)->have_kexinit)
			return !s;
	return -1;
}

/* The causes that are a problem in themselves, whatever the handshake
 * verdict: the connection failed, or something on the path interfered. */
static bool
cause_is_problem(enum kx_cause k)
{
	switch (k) {
	case KX_CAUSE_PORT_CLOSED: case KX_CAUSE_FILTERED:
	case KX_CAUSE_REFUSED: case KX_CAUSE_MAX_STARTUPS:
	case KX_CAUSE_NOT_ALLOWED: case KX_CAUSE_NO_BANNER:
	case KX_CAUSE_VERSION: case KX_CAUSE_NEGOTIATION:
	case KX_CAUSE_HOSTKEY: case KX_CAUSE_MTU: case KX_CAUSE_KEX_STALLED:
	case KX_CAUSE_SEGMENT_LOST:
	case KX_CAUSE_DISCONNECT: case KX_CAUSE_THIRD_PARTY:
		return true;
	default:
		return false;
	}
}

/* Phase syn: who answered the SYN, and how. */
static enum kx_cause
syn_cause(const struct kx_conn *c)
{
	if (c->close == KX_CLOSE_RST && c->closed_by == KX_SERVER)
		return KX_CAUSE_PORT_CLOSED;
	/* SYNs sent again are counted only where packets are. */
	if (!c->no_tcp_facts && c->half[KX_CLIENT].pkts >= 2 &&
	    c->close != KX_CLOSE_RST)
		return KX_CAUSE_FILTERED;
	return KX_CAUSE_NO_ANSWER;
}

/* Causes of phase tcp and banner: nothing, or only the server's banner;
 * KX_CAUSE_MAX when none applies. */
static enum kx_cause
early_cause(const struct kx_conn *c, enum kx_phase ph)
{
	const struct kx_half *cl = &c->half[KX_CLIENT];
	bool ended = c->close == KX_CLOSE_FIN || c->close == KX_CLOSE_RST;
	bool client_banner = KX_CONN_KEPT(c, KX_CLIENT)->have_banner;

	/* Without TCP facts (a log) there are no byte counts, and a log
	 * rarely states the server's own banner: their absence proves
	 * nothing. */
	if (c->no_tcp_facts)
		return KX_CAUSE_MAX;
	if (ended && c->closed_by == KX_CLIENT && cl->payload_bytes == 0 &&
	    !client_banner)
		return KX_CAUSE_PROBE;
	if (ph == KX_PHASE_TCP && ended && c->closed_by == KX_SERVER)
		return KX_CAUSE_REFUSED;
	/* Still open at the end of the capture, or evicted: not yet over. */
	if (ph == KX_PHASE_TCP && (ended || c->close == KX_CLOSE_TIMEOUT))
		return KX_CAUSE_NO_BANNER;
	if (ph == KX_PHASE_BANNER && !client_banner && cl->payload_bytes == 0 &&
	    ended && c->closed_by == KX_SERVER)
		return KX_CAUSE_CLIENT_SILENT;
	return KX_CAUSE_MAX;
}

/* Phase kex: who stopped the key exchange, and why; KX_CAUSE_MAX when
 * none applies. */
static enum kx_cause
kex_cause(const struct kx_conn *c, struct kx_close_info *ci)
{
	const struct kx_ssh_kept *cs = KX_CONN_KEPT(c, KX_CLIENT);
	const struct kx_ssh_kept *ss = KX_CONN_KEPT(c, KX_SERVER);

	if (server_replied(ss) && !cs->newkeys && c->closed_by == KX_CLIENT) {
		if (c->close == KX_CLOSE_FIN)
			return KX_CAUSE_HOSTKEY;
		if (c->close == KX_CLOSE_RST) {
			ci->after_kex_reply = true;
			return KX_CAUSE_RESET;
		}
	}
	if (client_began_kex(cs) && !server_replied(ss) &&
	    c->close != KX_CLOSE_CAPTURE_END && c->close != KX_CLOSE_NONE)
		return KX_CAUSE_KEX_STALLED;
	return KX_CAUSE_MAX;
}

/* What ended it when nothing more specific explains it. */
static enum kx_cause
generic_cause(const struct kx_conn *c, enum kx_phase ph)
{
	switch (c->close) {
	case KX_CLOSE_FIN:
		return ph == KX_PHASE_SESSION ? KX_CAUSE_NORMAL : KX_CAUSE_CLOSED;
	case KX_CLOSE_RST:
		return KX_CAUSE_RESET;
	case KX_CLOSE_TIMEOUT:
		return KX_CAUSE_TIMEOUT;
	default:
		return c->evicted && c->close == KX_CLOSE_NONE ?
		    KX_CAUSE_EVICTED : KX_CAUSE_CAPTURE_END;
	}
}

/* The phase and cause: one tree, the first rule that applies decides. */
void
kx_close_classify(const struct kx_conn *c, const struct kx_nego *nego,
    struct kx_close_info *ci)
{
	const struct kx_ssh_kept *cs = KX_CONN_KEPT(c, KX_CLIENT);
	const struct kx_ssh_kept *ss = KX_CONN_KEPT(c, KX_SERVER);
	kx_anomset anoms = c->anomalies;
	enum kx_cause refusal, k;
	int ssh1;

	memset(ci, 0, sizeof(*ci));
	ci->gave_up = ci->category = ci->mtu_side = -1;
	ci->lost_side = ci->missed_side = -1;
	ci->phase = kx_close_phase(c);
	ci->third_party = c->close == KX_CLOSE_RST &&
	    kx_resets_closing_verdict(c) == KX_RST_LIKELY_FORGED;
	for (int s = 0; s < 2; s++)
		anoms |= KX_CONN_REASM_KEPT(c, s)->anomalies | KX_CONN_KEPT(c, s)->anomalies;
	refusal = kx_close_refusal_text(ss);
	if (refusal == KX_CAUSE_MAX)
		refusal = log_refusal(c);
	ssh1 = kx_close_ssh1_side(c);

	if (ci->phase == KX_PHASE_SYN) {
		ci->cause = syn_cause(c);
	} else if (ci->third_party) {
		ci->cause = KX_CAUSE_THIRD_PARTY;
	} else if (ssh1 >= 0) {
		const struct kx_ssh_kept *two = KX_CONN_KEPT(c, !ssh1);

		ci->cause = two->have_banner && two->proto_major == 2 ?
		    KX_CAUSE_VERSION : KX_CAUSE_SSH1;
	} else if (kx_conn_log(c) != NULL && kx_conn_log(c)->failed_cats != 0 &&
	    (!cs->have_kexinit || !ss->have_kexinit) &&
	    nego->mismatch_mask != 0 && nego->first_failure >= 0) {
		/* The log's "Unable to negotiate": both KEXINITs were
		 * exchanged (sshd compares them), whatever else the log
		 * left out. */
		ci->cause = KX_CAUSE_NEGOTIATION;
		ci->phase = KX_PHASE_KEXINIT;
		ci->category = (int8_t)nego->first_failure;
		ci->gave_up = kx_conn_log(c)->writer;
		ci->logged_failure = true;
	} else if (c->midstream && !cs->have_banner && !ss->have_banner) {
		ci->cause = generic_cause(c, ci->phase);
	} else if (kx_close_not_ssh(c)) {
		ci->cause = KX_CAUSE_NOT_SSH;
	} else if (!c->no_tcp_facts &&
	    (c->half[KX_CLIENT].pkts == 0 || c->half[KX_SERVER].pkts == 0) &&
	    (c->half[KX_CLIENT].payload_bytes > 0 ||
	    c->half[KX_SERVER].payload_bytes > 0)) {
		ci->cause = KX_CAUSE_ONE_SIDED;
	} else if ((ci->missed_side = (int8_t)kx_close_peer_missed(c)) >= 0) {
		ci->cause = KX_CAUSE_ONE_SIDED;
	} else if (refusal != KX_CAUSE_MAX) {
		ci->cause = refusal;
	} else if (nego->mismatch_mask != 0 && nego->first_failure >= 0) {
		ci->cause = KX_CAUSE_NEGOTIATION;
		ci->category = (int8_t)nego->first_failure;
		ci->gave_up = c->closed_by;
	} else if ((ci->mtu_side = (int8_t)kx_close_mtu_side(c)) >= 0) {
		ci->cause = KX_CAUSE_MTU;
	} else if ((ci->lost_side = (int8_t)lost_side(c)) >= 0) {
		ci->cause = KX_CAUSE_SEGMENT_LOST;
	} else if ((anoms & (KX_ANOM_BIT(KX_ANOM_REASM_GAP) |
	    KX_ANOM_BIT(KX_ANOM_REASM_DEPTH_LIMIT))) &&
	    !(cs->newkeys && ss->newkeys)) {
		ci->cause = KX_CAUSE_CAPTURE_GAP;
	} else if ((cs->have_disconnect && !cs->newkeys) ||
	    (ss->have_disconnect && !ss->newkeys)) {
		ci->cause = KX_CAUSE_DISCONNECT;
	} else if ((ci->phase == KX_PHASE_TCP || ci->phase == KX_PHASE_BANNER) &&
	    (k = early_cause(c, ci->phase)) != KX_CAUSE_MAX) {
		ci->cause = k;
	} else if (ci->phase == KX_PHASE_KEX &&
	    (k = kex_cause(c, ci)) != KX_CAUSE_MAX) {
		ci->cause = k;
	} else if (ci->phase == KX_PHASE_AUTH &&
	    (c->close == KX_CLOSE_FIN || c->close == KX_CLOSE_RST)) {
		ci->cause = KX_CAUSE_PREAUTH;
	} else {
		ci->cause = generic_cause(c, ci->phase);
	}
	ci->problem = cause_is_problem(ci->cause) || kx_resets_any_flagged(c);
}

void
kx_close_judge(const struct kx_conn *c, const struct kx_nego *nego,
    struct kx_close_info *ci)
{
	kx_close_classify(c, nego, ci);
	kx_close_sentence(c, ci);
}
