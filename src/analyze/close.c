/* How a connection ended (close.h): phase, cause and one sentence. The
 * causes are read from the wire as the issue lists them; every sentence
 * names what was seen and what to check next. */
#include <stdio.h>
#include <string.h>

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

static const char *const side_names[2] = { "client", "server" };

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

static bool
has_msg(const struct kx_ssh_side *s, uint8_t lo, uint8_t hi)
{
	for (uint32_t i = 0; i < s->msg_count && i < KX_MSGLOG_MAX; i++)
		if (s->msglog[i].code >= lo && s->msglog[i].code <= hi)
			return true;
	return false;
}

/* The client sent a key exchange method message (RFC 4253 12: 30-49). */
static bool
client_began_kex(const struct kx_ssh_side *cs)
{
	return cs->newkeys || has_msg(cs, KX_MSG_KEX_FIRST, KX_MSG_KEX_LAST);
}

/* The server's key exchange reply (the host key it carries) was seen. */
static bool
server_replied(const struct kx_ssh_side *ss)
{
	return ss->hostkey != NULL || ss->newkeys ||
	    kx_anom_has(ss->anomalies, KX_ANOM_SSH_HOSTKEY_TOO_LONG);
}

/* A log record: sshd's own line for the refusal ("drop connection #N
 * from ... past MaxStartups"). */
static enum kx_cause
log_refusal(const struct kx_conn *c)
{
	static const char key[] = "past MaxStartups";

	if (c->log == NULL || c->log->outcome_len < sizeof(key) - 1)
		return KX_CAUSE_MAX;
	for (size_t i = 0; i + sizeof(key) - 1 <= c->log->outcome_len; i++)
		if (memcmp(c->log->outcome + i, key, sizeof(key) - 1) == 0)
			return KX_CAUSE_MAX_STARTUPS;
	return KX_CAUSE_MAX;
}

/* The server answered the SYN: a SYN-ACK, or anything else that needs one. */
static bool
server_answered(const struct kx_conn *c)
{
	const struct kx_half *cl = &c->half[KX_CLIENT], *sv = &c->half[KX_SERVER];

	if (kx_conn_ssh(c, KX_SERVER)->have_banner ||
	    kx_conn_ssh(c, KX_SERVER)->prebanner_lines > 0)
		return true;
	if (c->source != KX_SOURCE_PCAP)
		/* A log counts the server's SYN-ACK ("Connection established",
		 * "Connection from") and the close itself as its packets. */
		return sv->pkts > (c->closed_by == KX_SERVER ? 1u : 0u) ||
		    log_refusal(c) != KX_CAUSE_MAX;
	return c->synack_seen || c->midstream || sv->payload_bytes > 0 ||
	    cl->payload_bytes > 0;
}

bool
kx_close_session_evident(const struct kx_conn *c)
{
	const struct kx_half *cl = &c->half[KX_CLIENT], *sv = &c->half[KX_SERVER];
	struct kx_auth_view a;

	if (!kx_conn_ssh(c, KX_CLIENT)->newkeys ||
	    !kx_conn_ssh(c, KX_SERVER)->newkeys)
		return false;
	if (c->log != NULL && c->log->authenticated)
		return true;
	kx_infer_conn_judge(c, &a);
	if (a.r.auth_success == KX_INFER_YES)
		return true;
	if (a.r.auth_success == KX_INFER_NO)
		return false;
	if (sv->encrypted_bytes >= KX_SESSION_SERVER_BYTES ||
	    cl->encrypted_bytes >= KX_SESSION_CLIENT_BYTES)
		return true;
	return c->hs_ts != 0 && c->ts_last > c->hs_ts &&
	    c->ts_last - c->hs_ts > KX_SESSION_AFTER_US &&
	    cl->encrypted_bytes > 0 && sv->encrypted_bytes > 0;
}

enum kx_phase
kx_close_phase(const struct kx_conn *c)
{
	const struct kx_ssh_side *cs = kx_conn_ssh(c, KX_CLIENT);
	const struct kx_ssh_side *ss = kx_conn_ssh(c, KX_SERVER);

	/* Caught inside an encrypted session: it carried one. */
	if (c->midstream && !cs->have_banner && !ss->have_banner)
		return KX_PHASE_SESSION;
	if (!server_answered(c))
		return KX_PHASE_SYN;
	if (!ss->have_banner)
		return KX_PHASE_TCP;
	if (cs->kexinit == NULL || ss->kexinit == NULL)
		return KX_PHASE_BANNER;
	if (!cs->newkeys || !ss->newkeys)
		return client_began_kex(cs) ? KX_PHASE_KEX : KX_PHASE_KEXINIT;
	return kx_close_session_evident(c) ? KX_PHASE_SESSION : KX_PHASE_AUTH;
}

int
kx_close_mtu_side(const struct kx_conn *c)
{
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
	if (c->close != KX_CLOSE_FIN && c->close != KX_CLOSE_RST &&
	    c->close != KX_CLOSE_TIMEOUT)
		return -1;
	for (int s = 0; s < 2; s++) {
		const struct kx_tcpfacts *f = &c->half[s].tf, *r = &c->half[!s].tf;

		/* Past --max-ooo kexray dropped segments itself: no telling. */
		if (kx_anom_has(kx_conn_reasm(c, s)->anomalies, KX_ANOM_REASM_GAP) &&
		    !kx_anom_has(kx_conn_reasm(c, s)->anomalies, KX_ANOM_REASM_OOO_LIMIT) &&
		    (r->flags & KX_TF_ACK) && (f->flags & KX_TF_SEQ) &&
		    kx_conn_reasm(c, s)->have_base &&
		    KX_SEQ_LT(r->ack_hi, f->seq_next - (c->half[s].fin ? 1u : 0u)))
			return s;
	}
	return -1;
}

enum kx_cause
kx_close_refusal_text(const struct kx_ssh_side *server)
{
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		size_t n = strlen(refusals[i].text);

		if (server->prebanner_lines > 0 && server->prebanner_first_len >= n &&
		    memcmp(server->prebanner_first, refusals[i].text, n) == 0)
			return refusals[i].cause;
	}
	return KX_CAUSE_MAX;
}

size_t
kx_close_server_words(const struct kx_conn *c, char *buf, size_t len)
{
	const struct kx_ssh_side *ss = kx_conn_ssh(c, KX_SERVER);
	const uint8_t *p = NULL;
	uint32_t n = 0;
	size_t out = 0;

	if (len == 0)
		return 0;
	if (ss->prebanner_lines > 0) {
		p = (const uint8_t *)ss->prebanner_first;
		n = ss->prebanner_first_len;
	} else if (!ss->have_banner) {
		/* A line never ended: the banner parser still waits for it. */
		p = kx_reasm_pending(kx_conn_reasm(c, KX_SERVER), &n);
	}
	for (uint32_t i = 0; p != NULL && i < n && out + 1 < len; i++) {
		if (p[i] == '\r' || p[i] == '\n')
			break;
		/* Printable ASCII only: the sentence is plain text. */
		buf[out++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	}
	buf[out] = '\0';
	return out;
}

static bool
is_ssh1(const struct kx_ssh_side *s)
{
	return s->have_banner && s->proto_major == 1 && s->proto_minor != 99;
}

static uint64_t
end_ts(const struct kx_conn *c)
{
	if ((c->close == KX_CLOSE_FIN || c->close == KX_CLOSE_RST) &&
	    c->close_ts != 0)
		return c->close_ts;
	return c->ts_last;
}

static double
secs(uint64_t from, uint64_t to)
{
	return to > from ? (double)(to - from) / 1e6 : 0.0;
}

/* "the client's KEXINIT", "the server's banner", "any SSH data" */
static void
step_words(const struct kx_step *st, char *buf, size_t len)
{
	if (st->side < 0)
		snprintf(buf, len, "%s", "any SSH data");
	else if (st->what == KX_STEP_BANNER)
		snprintf(buf, len, "the %s's identification string",
		    side_names[st->side & 1]);
	else if (st->what == KX_STEP_ENCRYPTED)
		snprintf(buf, len, "the %s's encrypted data",
		    side_names[st->side & 1]);
	else
		snprintf(buf, len, "the %s's %s", side_names[st->side & 1],
		    kx_ssh_msg_name(st->what));
}

/* "the server closed the connection (FIN) after the client's KEXINIT" */
static void
how_words(const struct kx_conn *c, bool third, char *buf, size_t len)
{
	char step[80];
	const char *who = c->closed_by >= 0 ? side_names[c->closed_by & 1] : "?";

	step_words(&c->close_after, step, sizeof(step));
	switch (c->close) {
	case KX_CLOSE_FIN:
		snprintf(buf, len, "the %s closed the connection (FIN) %s %s",
		    who, c->close_after.side < 0 ? "before" : "after", step);
		break;
	case KX_CLOSE_RST:
		snprintf(buf, len, "%s%s reset the connection (RST) %s %s",
		    third ? "a third party claiming to be the " : "the ", who,
		    c->close_after.side < 0 ? "before" : "after", step);
		break;
	case KX_CLOSE_TIMEOUT:
		snprintf(buf, len, "nothing more came for kexray's timeout "
		    "(--handshake-timeout, --idle-timeout) after %s",
		    c->last_step.side < 0 ? "the TCP handshake" : step);
		break;
	case KX_CLOSE_CAPTURE_END:
		snprintf(buf, len, "%s", "the capture ended with the connection "
		    "still open");
		break;
	default:
		snprintf(buf, len, "%s", c->evicted ? "it was reported early at "
		    "kexray's connection cap" : "it is still open");
		break;
	}
}

/* Copies wire text into a sentence: printable ASCII, the rest as \xHH. */
static void
safe_text(const uint8_t *p, size_t n, char *buf, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < len; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\' && p[i] != '"')
			buf[o++] = (char)p[i];
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", p[i]);
	}
	buf[o < len ? o : len - 1] = '\0';
}

static void
say_syn(const struct kx_conn *c, struct kx_close_info *ci)
{
	const struct kx_half *cl = &c->half[KX_CLIENT];

	if (c->close == KX_CLOSE_RST && c->closed_by == KX_SERVER) {
		ci->cause = KX_CAUSE_PORT_CLOSED;
		snprintf(ci->text, sizeof(ci->text), "the server answered the "
		    "SYN with a RST: nothing listens on port %u (is sshd "
		    "running, and listening on this address and port?)",
		    c->ep[KX_SERVER].port);
	} else if (cl->pkts >= 2 && c->close != KX_CLOSE_RST) {
		ci->cause = KX_CAUSE_FILTERED;
		snprintf(ci->text, sizeof(ci->text), "%llu SYNs over %.1f s and "
		    "no answer: port %u is filtered (a firewall drops the SYN), "
		    "or the host is down or unreachable",
		    (unsigned long long)cl->pkts, secs(c->ts_first, c->ts_last),
		    c->ep[KX_SERVER].port);
	} else {
		ci->cause = KX_CAUSE_NO_ANSWER;
		snprintf(ci->text, sizeof(ci->text), "a SYN to port %u and no "
		    "answer when %s", c->ep[KX_SERVER].port,
		    c->close == KX_CLOSE_RST ? "the client gave up (RST)" :
		    c->evicted ? "it was reported early at kexray's cap" :
		    "the capture ended");
	}
}

static void
say_third_party(const struct kx_conn *c, const char *how,
    struct kx_close_info *ci)
{
	const struct kx_rst *r = kx_resets_closing(c);
	char sig[160] = "";
	size_t o = 0;
	const char *who = side_names[c->closed_by & 1];
	uint16_t all = 0;

	/* Every signal of every RST: a burst is judged as one. */
	for (uint8_t i = 0; c->rsts != NULL && i < c->rsts->n; i++)
		all |= c->rsts->r[i].signals;
	for (int s = 0; s < KX_RSTSIG_MAX && o < sizeof(sig); s++)
		if (all & (1u << s))
			o += (size_t)snprintf(sig + o, sizeof(sig) - o, "%s%s",
			    o > 0 ? ", " : "", kx_rst_signal_names[s]);
	ci->cause = KX_CAUSE_THIRD_PARTY;
	if (r != NULL && (r->signals & (1u << KX_RSTSIG_TTL)) &&
	    r->val[KX_RSTSIG_TTL].got != r->val[KX_RSTSIG_TTL].want) {
		uint32_t g = r->val[KX_RSTSIG_TTL].got, w = r->val[KX_RSTSIG_TTL].want;

		snprintf(ci->text, sizeof(ci->text), "%s: the RST does not match "
		    "the %s's own segments (%s); it came from %u hop%s %s the "
		    "capture point than the %s: a firewall or IPS on the path "
		    "(a REJECT rule, a session timeout) or an attacker",
		    how, who, sig, g > w ? g - w : w - g,
		    (g > w ? g - w : w - g) == 1 ? "" : "s",
		    g > w ? "nearer to" : "farther from", who);
	} else {
		snprintf(ci->text, sizeof(ci->text), "%s: the RST does not match "
		    "the %s's own segments (%s): a firewall or IPS on the path "
		    "or an attacker sent it", how, who, sig);
	}
}

/* Causes of phase tcp and banner: nothing, or only the server's banner. */
static bool
say_early(const struct kx_conn *c, enum kx_phase ph, const char *how,
    struct kx_close_info *ci)
{
	const struct kx_half *cl = &c->half[KX_CLIENT];
	bool ended = c->close == KX_CLOSE_FIN || c->close == KX_CLOSE_RST;
	double t = secs(c->ts_first, end_ts(c));

	/* A log has no byte counts and rarely states the server's own
	 * banner: their absence there proves nothing. */
	if (c->source != KX_SOURCE_PCAP)
		return false;
	if (ended && c->closed_by == KX_CLIENT && cl->payload_bytes == 0 &&
	    !kx_conn_ssh(c, KX_CLIENT)->have_banner) {
		ci->cause = KX_CAUSE_PROBE;
		snprintf(ci->text, sizeof(ci->text), "the client %s %.1f s after "
		    "connecting without sending anything: a port check or a "
		    "load-balancer health probe, not an SSH client",
		    c->close == KX_CLOSE_RST ? "reset the connection (RST)" :
		    "closed the connection (FIN)", t);
		return true;
	}
	if (ph == KX_PHASE_TCP && ended && c->closed_by == KX_SERVER) {
		char said[KX_CLOSE_WORDS_MAX + 1];

		ci->cause = KX_CAUSE_REFUSED;
		/* What it wrote instead is the best evidence of why. */
		if (kx_close_server_words(c, said, sizeof(said)) > 0)
			snprintf(ci->text, sizeof(ci->text), "the server wrote "
			    "\"%s\" and closed (%s), before its own "
			    "identification string: a refusal (tcp_wrappers/"
			    "hosts.deny, fail2ban, MaxStartups or an overloaded "
			    "sshd; sshd's log says which)", said,
			    c->close == KX_CLOSE_RST ? "RST" : "FIN");
		else
			snprintf(ci->text, sizeof(ci->text), "%s, before its own "
			    "identification string: sshd refused the connection "
			    "(tcp_wrappers/hosts.deny, fail2ban, MaxStartups or an "
			    "overloaded sshd; sshd's log says which)", how);
		return true;
	}
	/* Still open at the end of the capture, or evicted: not yet over. */
	if (ph == KX_PHASE_TCP && (ended || c->close == KX_CLOSE_TIMEOUT)) {
		ci->cause = KX_CAUSE_NO_BANNER;
		snprintf(ci->text, sizeof(ci->text), "the server accepted the "
		    "TCP connection but sent no identification string in %.1f "
		    "s; %s (sshd hung or overloaded, or not an SSH service on "
		    "the port)", t, how);
		return true;
	}
	if (ph == KX_PHASE_BANNER && !kx_conn_ssh(c, KX_CLIENT)->have_banner &&
	    cl->payload_bytes == 0 && ended && c->closed_by == KX_SERVER) {
		ci->cause = KX_CAUSE_CLIENT_SILENT;
		snprintf(ci->text, sizeof(ci->text), "the server %s %.1f s after "
		    "its identification string, with not a byte from the "
		    "client: sshd's LoginGraceTime ran out (sshd logs \"Timeout "
		    "before authentication\"); the client stalled or is not an "
		    "SSH client", c->close == KX_CLOSE_RST ?
		    "reset the connection (RST)" : "closed the connection (FIN)",
		    t);
		return true;
	}
	return false;
}

/* Phase kex: who stopped the key exchange, and why. */
static bool
say_kex(const struct kx_conn *c, const char *how, struct kx_close_info *ci)
{
	const struct kx_ssh_side *cs = kx_conn_ssh(c, KX_CLIENT);
	const struct kx_ssh_side *ss = kx_conn_ssh(c, KX_SERVER);

	if (server_replied(ss) && !cs->newkeys && c->closed_by == KX_CLIENT &&
	    c->close == KX_CLOSE_FIN) {
		ci->cause = KX_CAUSE_HOSTKEY;
		snprintf(ci->text, sizeof(ci->text), "the client closed the "
		    "connection (FIN) after the server's key exchange reply, "
		    "without sending NEWKEYS: it rejected the server's host key "
		    "(ssh prints \"Host key verification failed.\"); if the key "
		    "change is expected, update the client's known_hosts");
		return true;
	}
	if (server_replied(ss) && !cs->newkeys && c->closed_by == KX_CLIENT &&
	    c->close == KX_CLOSE_RST) {
		ci->cause = KX_CAUSE_RESET;
		snprintf(ci->text, sizeof(ci->text), "the client reset the "
		    "connection (RST) after the server's key exchange reply, "
		    "without sending NEWKEYS: the client program aborted "
		    "(killed, crashed, or closed with SO_LINGER 0), perhaps on "
		    "rejecting the host key; its own log says why");
		return true;
	}
	if (client_began_kex(cs) && !server_replied(ss) &&
	    c->close != KX_CLOSE_CAPTURE_END && c->close != KX_CLOSE_NONE) {
		ci->cause = KX_CAUSE_KEX_STALLED;
		snprintf(ci->text, sizeof(ci->text), "the client began the key "
		    "exchange and no reply came from the server; %s: a path MTU "
		    "black hole loses a large reply before it reaches this "
		    "capture point (capture at the server to see it sent again "
		    "and again), else the server is stuck", how);
		return true;
	}
	return false;
}

/* Under strict KEX, an end right after NEWKEYS (no SERVICE_ACCEPT seen)
 * that follows a wrong first_kex_packet_follows guess (kexguess.h). */
static bool
say_guess(const struct kx_conn *c, const char *how, struct kx_close_info *ci)
{
	struct kx_kexguess g;
	struct kx_auth_view a;
	int gs;

	kx_infer_conn_guess(c, &g);
	gs = g.wrong[KX_CLIENT] ? KX_CLIENT : g.wrong[KX_SERVER] ? KX_SERVER : -1;
	if (gs < 0 || !g.strict)
		return false;
	kx_infer_conn_judge(c, &a);
	if (a.r.why != KX_INFER_WHY_NONE && a.r.why != KX_INFER_WHY_NO_SERVICE_ACCEPT)
		return false;
	snprintf(ci->text, sizeof(ci->text), "%.160s right after NEWKEYS after the "
	    "%s's wrong key exchange guess (first_kex_packet_follows; the "
	    "first kex or host key algorithms differ, so the peer must ignore "
	    "the guessed packet%s) under strict KEX: the sides likely disagree "
	    "on keys or packet sequence (logs: \"Corrupted MAC\" or a strict "
	    "KEX error)", how, gs == KX_CLIENT ? "client" : "server",
	    g.answered[gs] ? "; the peer answered it" : "");
	return true;
}

static void
say_preauth(const struct kx_conn *c, const char *how, struct kx_close_info *ci)
{
	const struct kx_half *cl = &c->half[KX_CLIENT], *sv = &c->half[KX_SERVER];
	double t = c->hs_ts != 0 ? secs(c->hs_ts, end_ts(c)) : 0.0;

	ci->cause = KX_CAUSE_PREAUTH;
	if (say_guess(c, how, ci))
		return;
	if (cl->encrypted_bytes == 0 && c->closed_by == KX_SERVER) {
		snprintf(ci->text, sizeof(ci->text), "%s %.1f s after NEWKEYS, "
		    "the client never having started authentication: sshd's "
		    "LoginGraceTime ran out (sshd logs \"Timeout before "
		    "authentication\")", how, t);
	} else if (cl->encrypted_bytes == 0) {
		snprintf(ci->text, sizeof(ci->text), "%s right after the key "
		    "exchange, without trying to authenticate: a host key check "
		    "(ssh-keyscan), a scanner or a test client", how);
	} else {
		snprintf(ci->text, sizeof(ci->text), "%s, after NEWKEYS and only "
		    "%llu encrypted bytes from the client and %llu from the "
		    "server: authentication did not succeed (wrong credentials, "
		    "no accepted key, MaxAuthTries or LoginGraceTime; encrypted "
		    "bytes cannot tell which, nor the user: sshd's log can)",
		    how, (unsigned long long)cl->encrypted_bytes,
		    (unsigned long long)sv->encrypted_bytes);
	}
}

/* What ended it when nothing more specific explains it. */
static void
say_generic(const struct kx_conn *c, enum kx_phase ph, const char *how,
    struct kx_close_info *ci)
{
	const struct kx_rst *r = kx_resets_closing(c);
	double t = secs(c->ts_first, end_ts(c));

	switch (c->close) {
	case KX_CLOSE_FIN:
		if (ph == KX_PHASE_SESSION) {
			char after[32] = "";

			/* A log without timestamps has no duration to give. */
			if (c->log == NULL || c->log->have_ts)
				snprintf(after, sizeof(after), " after %.1f s", t);
			ci->cause = KX_CAUSE_NORMAL;
			snprintf(ci->text, sizeof(ci->text), "the %s closed the "
			    "session (FIN)%s: a normal end",
			    side_names[c->closed_by & 1], after);
		} else {
			ci->cause = KX_CAUSE_CLOSED;
			snprintf(ci->text, sizeof(ci->text), "%s, before the "
			    "handshake completed (phase %s); the %s's own log "
			    "says why", how, kx_phase_names[ph],
			    side_names[c->closed_by & 1]);
		}
		break;
	case KX_CLOSE_RST:
		ci->cause = KX_CAUSE_RESET;
		snprintf(ci->text, sizeof(ci->text), "%s%s: the %s's program "
		    "aborted (killed, crashed, or closed with unread data or "
		    "SO_LINGER 0); its own log says why%s",
		    how, ph == KX_PHASE_SESSION ? " during the session" : "",
		    side_names[c->closed_by & 1],
		    r != NULL && kx_rst_verdict(r) == KX_RST_SUSPICIOUS ?
		    " (one sign that the RST was forged: see the resets)" : "");
		break;
	case KX_CLOSE_TIMEOUT:
		ci->cause = KX_CAUSE_TIMEOUT;
		snprintf(ci->text, sizeof(ci->text), "%s (phase %s)", how,
		    kx_phase_names[ph]);
		break;
	default:
		ci->cause = c->evicted && c->close == KX_CLOSE_NONE ?
		    KX_CAUSE_EVICTED : KX_CAUSE_CAPTURE_END;
		snprintf(ci->text, sizeof(ci->text), "%s (phase %s)%s", how,
		    kx_phase_names[ph], ci->cause == KX_CAUSE_EVICTED ?
		    " (--max-conns or --max-memory, docs/limits.md): what came "
		    "after was not followed" : "");
		break;
	}
}

bool
kx_close_not_ssh(const struct kx_conn *c)
{
	const struct kx_ssh_side *cs = kx_conn_ssh(c, KX_CLIENT);

	return !cs->have_banner && !kx_conn_ssh(c, KX_SERVER)->have_banner &&
	    cs->prebanner_lines > 0;
}

int
kx_close_peer_missed(const struct kx_conn *c)
{
	for (int s = 0; s < 2; s++)
		if (kx_conn_ssh(c, s)->newkeys && kx_conn_ssh(c, !s)->kexinit == NULL)
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

void
kx_close_judge(const struct kx_conn *c, const struct kx_nego *nego,
    struct kx_close_info *ci)
{
	const struct kx_ssh_side *cs = kx_conn_ssh(c, KX_CLIENT);
	const struct kx_ssh_side *ss = kx_conn_ssh(c, KX_SERVER);
	kx_anomset anoms = c->anomalies;
	enum kx_cause refusal;
	char how[200];
	int mtu, lost, missed;

	memset(ci, 0, sizeof(*ci));
	ci->gave_up = ci->category = ci->mtu_side = -1;
	ci->phase = kx_close_phase(c);
	ci->third_party = c->close == KX_CLOSE_RST &&
	    kx_resets_closing_verdict(c) == KX_RST_LIKELY_FORGED;
	how_words(c, ci->third_party, how, sizeof(how));
	for (int s = 0; s < 2; s++)
		anoms |= kx_conn_reasm(c, s)->anomalies | kx_conn_ssh(c, s)->anomalies;
	refusal = kx_close_refusal_text(ss);
	if (refusal == KX_CAUSE_MAX)
		refusal = log_refusal(c);

	if (ci->phase == KX_PHASE_SYN) {
		say_syn(c, ci);
	} else if (ci->third_party) {
		say_third_party(c, how, ci);
	} else if (is_ssh1(cs) || is_ssh1(ss)) {
		const struct kx_ssh_side *one = is_ssh1(cs) ? cs : ss;
		const struct kx_ssh_side *two = one == cs ? ss : cs;
		int who = one == cs ? KX_CLIENT : KX_SERVER;

		if (two->have_banner && two->proto_major == 2) {
			ci->cause = KX_CAUSE_VERSION;
			snprintf(ci->text, sizeof(ci->text), "protocol version "
			    "mismatch: the %s speaks only SSH protocol 1 (%.*s), "
			    "the %s only SSH-2 (sshd logs \"Protocol major "
			    "versions differ\"); %s", side_names[who],
			    (int)one->proto_len,
			    (const char *)one->banner + one->proto_off,
			    side_names[!who], how);
		} else {
			ci->cause = KX_CAUSE_SSH1;
			snprintf(ci->text, sizeof(ci->text), "an SSH protocol 1 "
			    "session: kexray judges SSH-2 handshakes only; %s",
			    how);
		}
	} else if (c->log != NULL && c->log->failed_cats != 0 &&
	    (cs->kexinit == NULL || ss->kexinit == NULL) &&
	    nego->mismatch_mask != 0 && nego->first_failure >= 0) {
		/* The log's "Unable to negotiate": both KEXINITs were
		 * exchanged (sshd compares them), whatever else the log
		 * left out. It says nothing of FIN or RST. */
		ci->cause = KX_CAUSE_NEGOTIATION;
		ci->phase = KX_PHASE_KEXINIT;
		ci->category = (int8_t)nego->first_failure;
		ci->gave_up = c->log->writer;
		snprintf(ci->text, sizeof(ci->text), "the %s gave up after both "
		    "KEXINITs, as its log says: no common %s (sshd logs: %s)",
		    side_names[c->log->writer & 1],
		    kx_cat_words[nego->first_failure],
		    kx_nego_failure_text((enum kx_cat)nego->first_failure));
	} else if (c->midstream && !cs->have_banner && !ss->have_banner) {
		say_generic(c, ci->phase, how, ci);
	} else if (kx_close_not_ssh(c)) {
		ci->cause = KX_CAUSE_NOT_SSH;
		snprintf(ci->text, sizeof(ci->text), "not SSH: the client's "
		    "first line is \"%.120s\" and neither side sent an "
		    "identification string: another protocol on this port, "
		    "not judged; %.200s", cs->prebanner_first, how);
	} else if ((c->half[KX_CLIENT].pkts == 0 || c->half[KX_SERVER].pkts == 0) &&
	    (c->half[KX_CLIENT].payload_bytes > 0 ||
	    c->half[KX_SERVER].payload_bytes > 0)) {
		ci->cause = KX_CAUSE_ONE_SIDED;
		snprintf(ci->text, sizeof(ci->text), "only the %s direction was "
		    "captured (asymmetric routing or a one-way mirror): nothing "
		    "can be judged; %s", c->half[KX_SERVER].pkts == 0 ?
		    "client-to-server" : "server-to-client", how);
	} else if ((missed = kx_close_peer_missed(c)) >= 0) {
		ci->cause = KX_CAUSE_ONE_SIDED;
		snprintf(ci->text, sizeof(ci->text), "the capture holds too little "
		    "of the %s's side: the %s sent NEWKEYS, which needs the %s's "
		    "KEXINIT and key exchange reply, and the capture has no %s "
		    "KEXINIT (asymmetric routing, or a capture that saw one "
		    "direction only in part): nothing can be judged; %s",
		    side_names[missed], side_names[!missed], side_names[missed],
		    missed == KX_CLIENT ? "client" : "server", how);
	} else if (refusal != KX_CAUSE_MAX) {
		ci->cause = refusal;
		snprintf(ci->text, sizeof(ci->text), "the server refused the "
		    "connection: it said \"%s\" and closed (%s)",
		    refusal == KX_CAUSE_MAX_STARTUPS ? "Exceeded MaxStartups" :
		    "Not allowed at this time",
		    refusal == KX_CAUSE_MAX_STARTUPS ? "too many unauthenticated "
		    "connections at once: raise MaxStartups in sshd_config, or "
		    "find who holds the slots" : "OpenSSH 9.8 or later: "
		    "MaxStartups, or a PerSourcePenalties penalty on this "
		    "address; sshd's log says which");
	} else if (nego->mismatch_mask != 0 && nego->first_failure >= 0) {
		ci->cause = KX_CAUSE_NEGOTIATION;
		ci->category = (int8_t)nego->first_failure;
		ci->gave_up = c->closed_by;
		snprintf(ci->text, sizeof(ci->text), "%s: no common %s (sshd "
		    "logs: %s)%s", how, kx_cat_words[nego->first_failure],
		    kx_nego_failure_text((enum kx_cat)nego->first_failure),
		    c->closed_by >= 0 ? "" : " and nobody closed yet");
	} else if ((mtu = kx_close_mtu_side(c)) >= 0) {
		const struct kx_tcpfacts *f = &c->half[mtu].tf;

		ci->cause = KX_CAUSE_MTU;
		ci->mtu_side = (int8_t)mtu;
		snprintf(ci->text, sizeof(ci->text), "the %s's %u-byte segment "
		    "was sent %u more times and never acknowledged while "
		    "smaller ones got through: a path MTU black hole (ICMP "
		    "\"fragmentation needed\" is dropped on the path); lower the "
		    "MTU or clamp the MSS on the path, or let that ICMP through; "
		    "%s", side_names[mtu], f->rexmit_len, f->rexmits, how);
	} else if ((lost = lost_side(c)) >= 0) {
		ci->cause = KX_CAUSE_SEGMENT_LOST;
		snprintf(ci->text, sizeof(ci->text), "the %s's handshake data "
		    "after byte %u never reached the %s, which kept acknowledging "
		    "only up to there, while later segments did: lost on the "
		    "path, not by the capture; a large segment lost again and "
		    "again is a path MTU black hole (capture at the %s to see it "
		    "sent again and again); %s", side_names[lost],
		    c->half[!lost].tf.ack_hi - kx_conn_reasm(c, lost)->base_seq,
		    side_names[!lost],
		    side_names[lost], how);
	} else if ((anoms & (KX_ANOM_BIT(KX_ANOM_REASM_GAP) |
	    KX_ANOM_BIT(KX_ANOM_REASM_DEPTH_LIMIT))) &&
	    !(cs->newkeys && ss->newkeys)) {
		ci->cause = KX_CAUSE_CAPTURE_GAP;
		snprintf(ci->text, sizeof(ci->text), "part of the handshake is "
		    "missing from the capture (%s): what ended it cannot be "
		    "told; %s", kx_anom_has(anoms, KX_ANOM_REASM_GAP) ? "a gap" :
		    "longer than --max-buffer", how);
	} else if ((cs->have_disconnect && !cs->newkeys) ||
	    (ss->have_disconnect && !ss->newkeys)) {
		const struct kx_ssh_side *d = ss->have_disconnect ? ss : cs;
		const char *rn = kx_ssh_disconnect_reason_name(d->disc_reason);
		char desc[200];

		safe_text(d->disc_desc, d->disc_desc_len, desc, sizeof(desc));
		ci->cause = KX_CAUSE_DISCONNECT;
		snprintf(ci->text, sizeof(ci->text), "the %s sent DISCONNECT %u "
		    "(%s) in the clear: \"%s\"; %s",
		    side_names[d == ss ? KX_SERVER : KX_CLIENT], d->disc_reason,
		    rn != NULL ? rn : "unknown reason", desc, how);
	} else if ((ci->phase == KX_PHASE_TCP || ci->phase == KX_PHASE_BANNER) &&
	    say_early(c, ci->phase, how, ci)) {
		/* said */
	} else if (ci->phase == KX_PHASE_KEX && say_kex(c, how, ci)) {
		/* said */
	} else if (ci->phase == KX_PHASE_AUTH &&
	    (c->close == KX_CLOSE_FIN || c->close == KX_CLOSE_RST)) {
		say_preauth(c, how, ci);
	} else {
		say_generic(c, ci->phase, how, ci);
	}
	/* A forged RST the endpoints shrugged off (RFC 5961) is still news. */
	if (c->close != KX_CLOSE_RST && kx_resets_any_flagged(c)) {
		size_t n = strlen(ci->text);

		snprintf(ci->text + n, sizeof(ci->text) - n, "; a RST of this "
		    "connection looks forged (see the resets)");
	}
	ci->problem = cause_is_problem(ci->cause) || kx_resets_any_flagged(c);
}
