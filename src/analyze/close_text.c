/* The sentence of a connection's end (close.h): what close.c decided
 * (phase, cause, sides), said with the connection's own facts in plain
 * words an admin can act on, each naming what was seen and what to check
 * next. It is part of the analysis, not of a report: the sentence is
 * stored in the result (kx_close_info.text), the verdict's reason quotes
 * it, and every writer (text, JSON, Zeek, EVE) prints the same one. It
 * decides nothing: a cause with more than one wording is told which by
 * the fields close.c set. */
#include <stdio.h>
#include <string.h>

#include "close_text.h"
#include "kexray/analyze/infer_conn.h"
#include "kexray/analyze/resets.h"
#include "kexray/core/escape.h"
#include "kexray/input/sshlog.h"

static const char *const *const side_names = kx_side_names;

size_t
kx_close_server_words(const struct kx_conn *c, char *buf, size_t len)
{
	const struct kx_ssh_kept *ss = KX_CONN_KEPT(c, KX_SERVER);
	const uint8_t *p = NULL;
	uint32_t n = 0;
	size_t out = 0;

	if (len == 0)
		return 0;
	if (ss->prebanner_lines > 0) {
		p = (const uint8_t *)ss->prebanner_first;
		n = ss->prebanner_first_len;
	} else if (!ss->have_banner && !kx_conn_summarised(c)) {
		/* A line never ended: the banner parser still waits for it
		 * (no summary without the server's banner). */
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
		snprintf(buf, len, "the %s ended with the connection still "
		    "open", c->no_tcp_facts ? "log" : "capture");
		break;
	default:
		snprintf(buf, len, "%s", c->evicted ? "it was reported early at "
		    "kexray's connection cap" : "it is still open");
		break;
	}
}

static void
say_syn(const struct kx_conn *c, struct kx_close_info *ci)
{
	if (ci->cause == KX_CAUSE_PORT_CLOSED)
		snprintf(ci->text, sizeof(ci->text), "the server answered the "
		    "SYN with a RST: nothing listens on port %u (is sshd "
		    "running, and listening on this address and port?)",
		    c->ep[KX_SERVER].port);
	else if (ci->cause == KX_CAUSE_FILTERED)
		snprintf(ci->text, sizeof(ci->text), "%llu SYNs over %.1f s and "
		    "no answer: port %u is filtered (a firewall drops the SYN), "
		    "or the host is down or unreachable",
		    (unsigned long long)c->half[KX_CLIENT].pkts,
		    secs(c->ts_first, c->ts_last), c->ep[KX_SERVER].port);
	else
		snprintf(ci->text, sizeof(ci->text), "a SYN to port %u and no "
		    "answer when %s", c->ep[KX_SERVER].port,
		    c->close == KX_CLOSE_RST ? "the client gave up (RST)" :
		    c->evicted ? "it was reported early at kexray's cap" :
		    c->no_tcp_facts ? "the log ended" : "the capture ended");
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
	for (uint8_t i = 0; kx_conn_rsts(c) != NULL && i < kx_conn_rsts(c)->n; i++)
		all |= kx_conn_rsts(c)->r[i].signals;
	for (int s = 0; s < KX_RSTSIG_MAX && o < sizeof(sig); s++)
		if (all & (1u << s))
			o += (size_t)snprintf(sig + o, sizeof(sig) - o, "%s%s",
			    o > 0 ? ", " : "", kx_rst_signal_names[s]);
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

static void
say_ssh1(const struct kx_conn *c, const char *how, struct kx_close_info *ci)
{
	int who = kx_close_ssh1_side(c);
	const struct kx_ssh_kept *one = KX_CONN_KEPT(c, who & 1);

	if (ci->cause == KX_CAUSE_VERSION)
		snprintf(ci->text, sizeof(ci->text), "protocol version "
		    "mismatch: the %s speaks only SSH protocol 1 (%.*s), "
		    "the %s only SSH-2 (sshd logs \"Protocol major "
		    "versions differ\"); %s", side_names[who & 1],
		    (int)one->proto_len,
		    (const char *)one->banner + one->proto_off,
		    side_names[!(who & 1)], how);
	else
		snprintf(ci->text, sizeof(ci->text), "an SSH protocol 1 "
		    "session: kexray judges SSH-2 handshakes only; %s", how);
}

static void
say_negotiation(const struct kx_conn *c, const char *how,
    struct kx_close_info *ci)
{
	int cat = ci->category >= 0 ? ci->category : 0;

	if (ci->logged_failure)
		/* The log's "Unable to negotiate": both KEXINITs were
		 * exchanged (sshd compares them), whatever else the log
		 * left out. It says nothing of FIN or RST. */
		snprintf(ci->text, sizeof(ci->text), "the %s gave up after "
		    "both KEXINITs, as its log says: no common %s (sshd logs: "
		    "%s)", side_names[ci->gave_up & 1], kx_cat_words[cat],
		    kx_nego_failure_text((enum kx_cat)cat));
	else
		snprintf(ci->text, sizeof(ci->text), "%s: no common %s (sshd "
		    "logs: %s)%s", how, kx_cat_words[cat],
		    kx_nego_failure_text((enum kx_cat)cat),
		    c->closed_by >= 0 ? "" : " and nobody closed yet");
}

static void
say_one_sided(const struct kx_conn *c, const char *how,
    struct kx_close_info *ci)
{
	int missed = ci->missed_side;

	if (missed < 0)
		snprintf(ci->text, sizeof(ci->text), "only the %s direction "
		    "was captured (asymmetric routing or a one-way mirror): "
		    "nothing can be judged; %s", c->half[KX_SERVER].pkts == 0 ?
		    "client-to-server" : "server-to-client", how);
	else
		snprintf(ci->text, sizeof(ci->text), "the capture holds too "
		    "little of the %s's side: the %s sent NEWKEYS, which needs "
		    "the %s's KEXINIT and key exchange reply, and the capture "
		    "has no %s KEXINIT (asymmetric routing, or a capture that "
		    "saw one direction only in part): nothing can be judged; %s",
		    side_names[missed & 1], side_names[!(missed & 1)],
		    side_names[missed & 1], missed == KX_CLIENT ? "client" :
		    "server", how);
}

static void
say_refusal(struct kx_close_info *ci)
{
	bool ms = ci->cause == KX_CAUSE_MAX_STARTUPS;

	snprintf(ci->text, sizeof(ci->text), "the server refused the "
	    "connection: it said \"%s\" and closed (%s)",
	    ms ? "Exceeded MaxStartups" : "Not allowed at this time",
	    ms ? "too many unauthenticated connections at once: raise "
	    "MaxStartups in sshd_config, or find who holds the slots" :
	    "OpenSSH 9.8 or later: MaxStartups, or a PerSourcePenalties "
	    "penalty on this address; sshd's log says which");
}

static void
say_path(const struct kx_conn *c, const char *how, struct kx_close_info *ci)
{
	kx_anomset anoms = c->anomalies;

	if (ci->cause == KX_CAUSE_MTU) {
		int mtu = ci->mtu_side & 1;
		const struct kx_tcpfacts *f = &c->half[mtu].tf;

		snprintf(ci->text, sizeof(ci->text), "the %s's %u-byte segment "
		    "was sent %u more times and never acknowledged while "
		    "smaller ones got through: a path MTU black hole (ICMP "
		    "\"fragmentation needed\" is dropped on the path); lower the "
		    "MTU or clamp the MSS on the path, or let that ICMP through; "
		    "%s", side_names[mtu], f->rexmit_len, f->rexmits, how);
	} else if (ci->cause == KX_CAUSE_SEGMENT_LOST) {
		int lost = ci->lost_side & 1;

		snprintf(ci->text, sizeof(ci->text), "the %s's handshake data "
		    "after byte %u never reached the %s, which kept acknowledging "
		    "only up to there, while later segments did: lost on the "
		    "path, not by the capture; a large segment lost again and "
		    "again is a path MTU black hole (capture at the %s to see it "
		    "sent again and again); %s", side_names[lost],
		    c->half[!lost].tf.ack_hi - KX_CONN_REASM_KEPT(c, lost)->base_seq,
		    side_names[!lost],
		    side_names[lost], how);
	} else {
		for (int s = 0; s < 2; s++)
			anoms |= KX_CONN_REASM_KEPT(c, s)->anomalies |
			    KX_CONN_KEPT(c, s)->anomalies;
		snprintf(ci->text, sizeof(ci->text), "part of the handshake is "
		    "missing from the capture (%s): what ended it cannot be "
		    "told; %s", kx_anom_has(anoms, KX_ANOM_REASM_GAP) ? "a gap" :
		    "longer than --max-buffer", how);
	}
}

static void
say_disconnect(const struct kx_conn *c, const char *how,
    struct kx_close_info *ci)
{
	const struct kx_ssh_kept *cs = KX_CONN_KEPT(c, KX_CLIENT);
	const struct kx_ssh_kept *ss = KX_CONN_KEPT(c, KX_SERVER);
	const struct kx_ssh_kept *d = ss->have_disconnect ? ss : cs;
	const char *rn = kx_ssh_disconnect_reason_name(d->disc_reason);
	char desc[200];

	(void)kx_hex_escaped_buf(d->disc_desc, d->disc_desc_len, "\"",
	    desc, sizeof(desc));
	snprintf(ci->text, sizeof(ci->text), "the %s sent DISCONNECT %u "
	    "(%s) in the clear: \"%s\"; %s",
	    side_names[d == ss ? KX_SERVER : KX_CLIENT], d->disc_reason,
	    rn != NULL ? rn : "unknown reason", desc, how);
}

/* Causes of phase tcp and banner: nothing, or only the server's banner. */
static void
say_early(const struct kx_conn *c, const char *how, struct kx_close_info *ci)
{
	double t = secs(c->ts_first, end_ts(c));
	char said[KX_CLOSE_WORDS_MAX + 1];

	switch (ci->cause) {
	case KX_CAUSE_PROBE:
		snprintf(ci->text, sizeof(ci->text), "the client %s %.1f s after "
		    "connecting without sending anything: a port check or a "
		    "load-balancer health probe, not an SSH client",
		    c->close == KX_CLOSE_RST ? "reset the connection (RST)" :
		    "closed the connection (FIN)", t);
		break;
	case KX_CAUSE_REFUSED:
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
		break;
	case KX_CAUSE_NO_BANNER:
		snprintf(ci->text, sizeof(ci->text), "the server accepted the "
		    "TCP connection but sent no identification string in %.1f "
		    "s; %s (sshd hung or overloaded, or not an SSH service on "
		    "the port)", t, how);
		break;
	default:   /* KX_CAUSE_CLIENT_SILENT */
		snprintf(ci->text, sizeof(ci->text), "the server %s %.1f s after "
		    "its identification string, with not a byte from the "
		    "client: sshd's LoginGraceTime ran out (sshd logs \"Timeout "
		    "before authentication\"); the client stalled or is not an "
		    "SSH client", c->close == KX_CLOSE_RST ?
		    "reset the connection (RST)" : "closed the connection (FIN)",
		    t);
		break;
	}
}

/* Phase kex: who stopped the key exchange, and why. */
static void
say_kex(const char *how, struct kx_close_info *ci)
{
	if (ci->cause == KX_CAUSE_HOSTKEY)
		snprintf(ci->text, sizeof(ci->text), "the client closed the "
		    "connection (FIN) after the server's key exchange reply, "
		    "without sending NEWKEYS: it rejected the server's host key "
		    "(ssh prints \"Host key verification failed.\"); if the key "
		    "change is expected, update the client's known_hosts");
	else if (ci->cause == KX_CAUSE_RESET)
		snprintf(ci->text, sizeof(ci->text), "the client reset the "
		    "connection (RST) after the server's key exchange reply, "
		    "without sending NEWKEYS: the client program aborted "
		    "(killed, crashed, or closed with SO_LINGER 0), perhaps on "
		    "rejecting the host key; its own log says why");
	else
		snprintf(ci->text, sizeof(ci->text), "the client began the key "
		    "exchange and no reply came from the server; %s: a path MTU "
		    "black hole loses a large reply before it reaches this "
		    "capture point (capture at the server to see it sent again "
		    "and again), else the server is stuck", how);
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
	double t = kx_conn_hs_ts(c) != 0 ?
	    secs(kx_conn_hs_ts(c), end_ts(c)) : 0.0;

	if (say_guess(c, how, ci))
		return;
	if (kx_conn_encrypted(c, KX_CLIENT) == 0 && c->closed_by == KX_SERVER) {
		snprintf(ci->text, sizeof(ci->text), "%s %.1f s after NEWKEYS, "
		    "the client never having started authentication: sshd's "
		    "LoginGraceTime ran out (sshd logs \"Timeout before "
		    "authentication\")", how, t);
	} else if (kx_conn_encrypted(c, KX_CLIENT) == 0) {
		snprintf(ci->text, sizeof(ci->text), "%s right after the key "
		    "exchange, without trying to authenticate: a host key check "
		    "(ssh-keyscan), a scanner or a test client", how);
	} else {
		snprintf(ci->text, sizeof(ci->text), "%s, after NEWKEYS and only "
		    "%llu encrypted bytes from the client and %llu from the "
		    "server: authentication did not succeed (wrong credentials, "
		    "no accepted key, MaxAuthTries or LoginGraceTime; encrypted "
		    "bytes cannot tell which, nor the user: sshd's log can)",
		    how, (unsigned long long)kx_conn_encrypted(c, KX_CLIENT),
		    (unsigned long long)kx_conn_encrypted(c, KX_SERVER));
	}
}

/* us microseconds in seconds as "%.1f" writes t (= us / 1e6), into out:
 * rounded to the nearest tenth; an exact half, where the double's binary
 * value decides, through printf itself. Returns out. */
static const char *
tenths_text(char out[32], uint64_t us, double t)
{
	uint64_t tenths = (us + 50000) / 100000;
	char d[24];
	size_t n = 0, o = 0;

	if (us % 100000 == 50000 || us >= 1000000000000000000ull) {
		snprintf(out, 32, "%.1f", t);
		return out;
	}
	d[n++] = (char)('0' + tenths % 10);
	d[n++] = '.';
	tenths /= 10;
	do {
		d[n++] = (char)('0' + tenths % 10);
		tenths /= 10;
	} while (tenths != 0);
	while (n > 0)
		out[o++] = d[--n];
	out[o] = '\0';
	return out;
}

/* What ended it when nothing more specific explains it. */
static void
say_generic(const struct kx_conn *c, const char *how, struct kx_close_info *ci)
{
	const struct kx_rst *r = kx_resets_closing(c);
	double t = secs(c->ts_first, end_ts(c));
	enum kx_phase ph = ci->phase;

	switch (ci->cause) {
	case KX_CAUSE_NORMAL: {
		/* Most connections end so: the words without printf. */
		char *o = ci->text, d[32];
		size_t len = sizeof(ci->text), off;

		off = kx_words_cat(o, len, 0, "the ");
		off = kx_words_cat(o, len, off, side_names[c->closed_by & 1]);
		off = kx_words_cat(o, len, off, " closed the session (FIN)");
		/* A log without timestamps has no duration to give. */
		if (kx_conn_log(c) == NULL || kx_conn_log(c)->have_ts) {
			off = kx_words_cat(o, len, off, " after ");
			off = kx_words_cat(o, len, off, tenths_text(d,
			    end_ts(c) > c->ts_first ? end_ts(c) - c->ts_first : 0,
			    t));
			off = kx_words_cat(o, len, off, " s");
		}
		(void)kx_words_cat(o, len, off, ": a normal end");
		break;
	}
	case KX_CAUSE_CLOSED:
		snprintf(ci->text, sizeof(ci->text), "%s, before the "
		    "handshake completed (phase %s); the %s's own log "
		    "says why", how, kx_phase_names[ph],
		    side_names[c->closed_by & 1]);
		break;
	case KX_CAUSE_RESET:
		snprintf(ci->text, sizeof(ci->text), "%s%s: the %s's program "
		    "aborted (killed, crashed, or closed with unread data or "
		    "SO_LINGER 0); its own log says why%s",
		    how, ph == KX_PHASE_SESSION ? " during the session" : "",
		    side_names[c->closed_by & 1],
		    r != NULL && kx_rst_verdict(r) == KX_RST_SUSPICIOUS ?
		    " (one sign that the RST was forged: see the resets)" : "");
		break;
	case KX_CAUSE_TIMEOUT:
		snprintf(ci->text, sizeof(ci->text), "%s (phase %s)", how,
		    kx_phase_names[ph]);
		break;
	default:   /* KX_CAUSE_CAPTURE_END, KX_CAUSE_EVICTED */
		snprintf(ci->text, sizeof(ci->text), "%s (phase %s)%s", how,
		    kx_phase_names[ph], ci->cause == KX_CAUSE_EVICTED ?
		    " (--max-conns or --max-memory, docs/limits.md): what came "
		    "after was not followed" : "");
		break;
	}
}

/* The causes whose sentence quotes how_words: all but the SYN's, the
 * refusals' and a normal end's. */
static bool
says_how(enum kx_cause k)
{
	switch (k) {
	case KX_CAUSE_PORT_CLOSED: case KX_CAUSE_FILTERED:
	case KX_CAUSE_NO_ANSWER: case KX_CAUSE_MAX_STARTUPS:
	case KX_CAUSE_NOT_ALLOWED: case KX_CAUSE_NORMAL:
		return false;
	default:
		return true;
	}
}

void
kx_close_sentence(const struct kx_conn *c, struct kx_close_info *ci)
{
	const struct kx_ssh_kept *cs = KX_CONN_KEPT(c, KX_CLIENT);
	char how[200];

	/* How it ended, in the words most sentences begin with. */
	if (says_how(ci->cause))
		how_words(c, ci->third_party, how, sizeof(how));
	else
		how[0] = '\0';
	switch (ci->cause) {
	case KX_CAUSE_PORT_CLOSED: case KX_CAUSE_FILTERED:
	case KX_CAUSE_NO_ANSWER:
		say_syn(c, ci);
		break;
	case KX_CAUSE_THIRD_PARTY:
		say_third_party(c, how, ci);
		break;
	case KX_CAUSE_VERSION: case KX_CAUSE_SSH1:
		say_ssh1(c, how, ci);
		break;
	case KX_CAUSE_NEGOTIATION:
		say_negotiation(c, how, ci);
		break;
	case KX_CAUSE_NOT_SSH:
		snprintf(ci->text, sizeof(ci->text), "not SSH: the client's "
		    "first line is \"%.120s\" and neither side sent an "
		    "identification string: another protocol on this port, "
		    "not judged; %.200s", cs->prebanner_first, how);
		break;
	case KX_CAUSE_ONE_SIDED:
		say_one_sided(c, how, ci);
		break;
	case KX_CAUSE_MAX_STARTUPS: case KX_CAUSE_NOT_ALLOWED:
		say_refusal(ci);
		break;
	case KX_CAUSE_MTU: case KX_CAUSE_SEGMENT_LOST:
	case KX_CAUSE_CAPTURE_GAP:
		say_path(c, how, ci);
		break;
	case KX_CAUSE_DISCONNECT:
		say_disconnect(c, how, ci);
		break;
	case KX_CAUSE_PROBE: case KX_CAUSE_REFUSED: case KX_CAUSE_NO_BANNER:
	case KX_CAUSE_CLIENT_SILENT:
		say_early(c, how, ci);
		break;
	case KX_CAUSE_HOSTKEY: case KX_CAUSE_KEX_STALLED:
		say_kex(how, ci);
		break;
	case KX_CAUSE_RESET:
		if (ci->after_kex_reply)
			say_kex(how, ci);
		else
			say_generic(c, how, ci);
		break;
	case KX_CAUSE_PREAUTH:
		say_preauth(c, how, ci);
		break;
	default:
		say_generic(c, how, ci);
		break;
	}
	/* A forged RST the endpoints shrugged off (RFC 5961) is still news. */
	if (c->close != KX_CLOSE_RST && kx_resets_any_flagged(c)) {
		size_t n = strlen(ci->text);

		snprintf(ci->text + n, sizeof(ci->text) - n, "; a RST of this "
		    "connection looks forged (see the resets)");
	}
}
