/* Reset forensics (DESIGN "Resets"; resets.h). The tests follow Weaver,
 * Sommer and Paxson, "Detecting Forged TCP Reset Packets" (NDSS 2009), and
 * what real stacks do: a stack that still has the connection answers with
 * its own TTL, its own IPv4 ID counter, its own window, its timestamps
 * option (RFC 7323 3.2) and sequence number snd.nxt (RFC 9293 3.10.7);
 * a stack that no longer has it (after its own FIN or RST) answers a
 * segment from no state (RFC 9293 3.10.7.1: seq taken from the segment's
 * ACK, no ACK flag, and on Linux window 0, IP ID 0, no options), so those
 * three tests do not count against a sender that had already closed. */
#include <stdio.h>
#include <stdlib.h>

#include "kexray/analyze/resets.h"

const char *const kx_rst_signal_names[KX_RSTSIG_MAX] = {
#define KX_RSTSIG_NAME(id, name, desc) [KX_RSTSIG_##id] = name,
	KX_RST_SIGNAL_LIST(KX_RSTSIG_NAME)
#undef KX_RSTSIG_NAME
};

const char *const kx_rst_signal_descs[KX_RSTSIG_MAX] = {
#define KX_RSTSIG_DESC(id, name, desc) [KX_RSTSIG_##id] = desc,
	KX_RST_SIGNAL_LIST(KX_RSTSIG_DESC)
#undef KX_RSTSIG_DESC
};

const char *const kx_rst_verdict_names[KX_RST_VERDICT_MAX] = {
	[KX_RST_GENUINE] = "genuine",
	[KX_RST_SUSPICIOUS] = "suspicious",
	[KX_RST_LIKELY_FORGED] = "likely_forged",
};


static void
fire(struct kx_rst *r, enum kx_rst_signal s, uint32_t got, uint32_t want,
    uint32_t extra)
{
	r->signals |= (uint16_t)(1u << s);
	r->val[s].got = got;
	r->val[s].want = want;
	r->val[s].extra = extra;
}

/* The receiver's window in bytes, scaled when both SYNs agreed on scaling
 * (RFC 7323 2.2); unknown (SYNs not seen) is taken as the widest. */
static uint32_t
recv_window(const struct kx_conn *c, const struct kx_tcpfacts *rf,
    const struct kx_tcpfacts *sf)
{
	unsigned shift;
	uint64_t w;

	if (c->syn_seen && c->synack_seen)
		shift = (rf->flags & KX_TF_WS) && (sf->flags & KX_TF_WS) ?
		    rf->wscale : 0;
	else
		shift = KX_WSCALE_MAX;
	w = (uint64_t)rf->win << shift;
	/* RFC 9293 3.10.7.4: with a zero window only RCV.NXT is acceptable. */
	if (w == 0)
		w = 1;
	return w > INT32_MAX ? INT32_MAX : (uint32_t)w;
}

/* Tests of the RST itself against both sides' recent segments. */
static void
judge_alone(const struct kx_conn *c, enum kx_side side, bool s_closed,
    struct kx_rst *r, uint8_t opts)
{
	const struct kx_half *sh = &c->half[side];
	const struct kx_tcpfacts *sf = &sh->tf, *rf = &c->half[!side].tf;
	bool v4 = r->ip_version == 4;

	if ((sf->flags & KX_TF_ANY) && r->ttl != sf->ttl)
		fire(r, KX_RSTSIG_TTL, r->ttl, sf->ttl, 0);
	/* Hosts that use one constant ID (crafted traffic) say nothing. */
	if (v4 && r->ip_id != 0 && (rf->flags & KX_TF_ANY) && rf->ip_id != 0 &&
	    r->ip_id == rf->ip_id && rf->ip_id != sf->ip_id)
		fire(r, KX_RSTSIG_IP_ID_PEER, r->ip_id, sf->ip_id, 0);
	if (v4 && r->ip_id == 0 && (sf->flags & KX_TF_ID_RISING) && !s_closed)
		fire(r, KX_RSTSIG_IP_ID_ZERO, 0, sf->ip_id, 0);
	if (rf->flags & KX_TF_ACK) {
		uint32_t wnd = recv_window(c, rf, sf);
		int32_t off = KX_SEQ_DIFF(r->seq, rf->ack_hi);

		if (off < 0 || (uint32_t)off >= wnd)
			fire(r, KX_RSTSIG_SEQ_OUT, r->seq, rf->ack_hi, wnd);
		else if (off != 0 &&
		    !((sf->flags & KX_TF_SEQ) && r->seq == sf->seq_next))
			fire(r, KX_RSTSIG_SEQ_NOT_NEXT, r->seq, rf->ack_hi,
			    sf->seq_next);
	}
	/* A window drifts as data is read: only one far from the sender's
	 * own (more than an eighth off) is taken for a copy. */
	if (r->win != 0 && (rf->flags & KX_TF_ANY) && r->win == rf->win &&
	    (!(sf->flags & KX_TF_ANY) ||
	    (uint32_t)abs((int)r->win - (int)sf->win) > sf->win / 8u))
		fire(r, KX_RSTSIG_WIN_COPIED, r->win, sf->win, 0);
	/* sh->pkts counts this RST too: two of the sender's own before it. */
	if ((sf->flags & KX_TF_TS_ALWAYS) && sh->pkts >= 3 &&
	    !(opts & KX_TCPOPT_TS) && !s_closed)
		fire(r, KX_RSTSIG_TS_MISSING, 0, 1, sh->pkts - 1 > UINT32_MAX ?
		    UINT32_MAX : (uint32_t)(sh->pkts - 1));
	if (r->payload_len > 0)
		fire(r, KX_RSTSIG_PAYLOAD, r->payload_len, 0, 0);
	if (v4 && r->win == 0 && r->ip_id == 0 && !(r->tcp_flags & KX_TCP_ACK) &&
	    (sf->flags & KX_TF_ANY) && !s_closed)
		fire(r, KX_RSTSIG_BARE, 0, 0, 0);
}

/* Tests of the RST against the RSTs before it. */
static void
judge_against_log(struct kx_rstlog *l, struct kx_rst *r)
{
	struct kx_rst *same = NULL, *other = NULL;

	for (int i = (int)l->n - 1; i >= 0 && (same == NULL || other == NULL);
	    i--) {
		if (l->r[i].from == r->from && same == NULL)
			same = &l->r[i];
		else if (l->r[i].from != r->from && other == NULL)
			other = &l->r[i];
	}
	if (same != NULL && r->ts_us - same->ts_us <= KX_RST_BURST_US &&
	    r->peer_pkts == same->peer_pkts &&
	    (r->seq != same->seq || r->ttl != same->ttl)) {
		uint32_t ttls = (uint32_t)r->ttl << 8 | same->ttl;

		fire(r, KX_RSTSIG_BURST, r->seq, same->seq, ttls);
		if (!(same->signals & (1u << KX_RSTSIG_BURST)))
			fire(same, KX_RSTSIG_BURST, same->seq, r->seq,
			    (uint32_t)same->ttl << 8 | r->ttl);
	}
	if (other != NULL) {
		uint64_t d = r->ts_us >= other->ts_us ? r->ts_us - other->ts_us :
		    other->ts_us - r->ts_us;

		if (d <= KX_RST_BOTH_ENDS_US) {
			fire(r, KX_RSTSIG_BOTH_ENDS, 0, 0, (uint32_t)d);
			fire(other, KX_RSTSIG_BOTH_ENDS, 0, 0, (uint32_t)d);
		}
	}
}

/* The side sent a RST before that its own later data did not belie: its
 * stack no longer has the connection. */
static bool
sent_rst(const struct kx_rstlog *l, enum kx_side side)
{
	for (uint8_t i = 0; i < l->n; i++)
		if (l->r[i].from == side &&
		    !(l->r[i].signals & (1u << KX_RSTSIG_DATA_AFTER)))
			return true;
	return false;
}

enum kx_status
kx_resets_on_rst(struct kx_conn *c, enum kx_side side,
    const struct kx_packet *pkt, bool closes)
{
	const struct kx_half *h = &c->half[side];
	struct kx_rstlog *l = kx_conn_rsts(c);
	struct kx_rst *r;

	if (l == NULL) {
		struct kx_conn_rare *rare = kx_conn_rare(c);

		if (rare == NULL || (l = calloc(1, sizeof(*l))) == NULL)
			return KX_NOMEM;
		l->closing = KX_RST_NONE;
		rare->rsts = l;
	}
	if (l->total < UINT32_MAX)
		l->total++;
	if (l->n >= KX_RESETS_KEEP) {
		kx_anom_set(&c->anomalies, KX_ANOM_FLOW_RST_LIMIT);
		return KX_LIMIT;
	}
	r = &l->r[l->n];
	r->ts_us = pkt->ts_us;
	r->seq = pkt->seq;
	r->ack = pkt->ack;
	r->payload_len = pkt->payload_wire_len;
	r->win = pkt->window;
	r->ip_id = pkt->ip_id;
	r->ttl = pkt->ttl;
	r->from = (uint8_t)side;
	r->tcp_flags = pkt->tcp_flags;
	r->ip_version = pkt->ip_version;
	r->peer_pkts = c->half[!side].pkts;
	judge_alone(c, side, h->fin || sent_rst(l, side), r, pkt->tcp_opts);
	judge_against_log(l, r);
	if (closes)
		l->closing = l->n;
	l->n++;
	return KX_OK;
}

bool
kx_resets_on_data(struct kx_conn *c, enum kx_side side,
    const struct kx_packet *pkt)
{
	struct kx_rstlog *l = kx_conn_rsts(c);
	uint32_t end = pkt->seq + pkt->payload_wire_len;
	bool reopened = false;

	if (l == NULL || pkt->payload_wire_len == 0)
		return false;
	for (uint8_t i = 0; i < l->n; i++) {
		struct kx_rst *r = &l->r[i];

		if (r->from != side || pkt->ts_us < r->ts_us ||
		    !KX_SEQ_GT(end, r->seq))
			continue;
		if (!(r->signals & (1u << KX_RSTSIG_DATA_AFTER)))
			fire(r, KX_RSTSIG_DATA_AFTER, pkt->seq, r->seq,
			    pkt->payload_wire_len);
		if (i == l->closing)
			reopened = true;
	}
	if (reopened)
		l->closing = KX_RST_NONE;
	return reopened;
}

enum kx_rst_verdict
kx_rst_verdict(const struct kx_rst *r)
{
	int n = __builtin_popcount(r->signals);

	return n == 0 ? KX_RST_GENUINE : n == 1 ? KX_RST_SUSPICIOUS :
	    KX_RST_LIKELY_FORGED;
}

const struct kx_rst *
kx_resets_closing(const struct kx_conn *c)
{
	const struct kx_rstlog *l = kx_conn_rsts(c);

	if (l == NULL || l->closing == KX_RST_NONE || l->closing >= l->n)
		return NULL;
	return &l->r[l->closing];
}

enum kx_rst_verdict
kx_resets_closing_verdict(const struct kx_conn *c)
{
	const struct kx_rst *r = kx_resets_closing(c);
	enum kx_rst_verdict v;
	uint16_t group = (uint16_t)((1u << KX_RSTSIG_BURST) |
	    (1u << KX_RSTSIG_BOTH_ENDS));

	if (r == NULL)
		return KX_RST_GENUINE;
	v = kx_rst_verdict(r);
	/* A burst, or RSTs to both ends, is one act: the closing RST is as
	 * forged as the worst of the RSTs it was sent with. */
	if (r->signals & group) {
		/* r is one of them: the log is there. */
		const struct kx_rstlog *l = c->rare->rsts;

		for (uint8_t i = 0; i < l->n; i++)
			if ((l->r[i].signals & r->signals & group) &&
			    kx_rst_verdict(&l->r[i]) > v)
				v = kx_rst_verdict(&l->r[i]);
	}
	return v;
}

bool
kx_resets_any_flagged(const struct kx_conn *c)
{
	const struct kx_rstlog *l = kx_conn_rsts(c);

	if (l == NULL)
		return false;
	for (uint8_t i = 0; i < l->n; i++)
		if (l->r[i].signals != 0)
			return true;
	return false;
}

void
kx_rst_signal_text(const struct kx_rst *r, enum kx_rst_signal s, char *buf,
    size_t len)
{
	const struct kx_rst_value *v = &r->val[s];
	const char *me = kx_side_names[r->from & 1],
	    *peer = kx_side_names[!(r->from & 1)];

	switch (s) {
	case KX_RSTSIG_TTL:
		snprintf(buf, len, "TTL %u, the %s's own segments %u", v->got,
		    me, v->want);
		break;
	case KX_RSTSIG_IP_ID_PEER:
		snprintf(buf, len, "IP ID %u, the %s's last; the %s's own last %u",
		    v->got, peer, me, v->want);
		break;
	case KX_RSTSIG_IP_ID_ZERO:
		snprintf(buf, len, "IP ID 0, the %s's IDs were rising (last %u)",
		    me, v->want);
		break;
	case KX_RSTSIG_DATA_AFTER:
		snprintf(buf, len, "the %s sent %u bytes at seq %u after its RST "
		    "at seq %u", me, v->extra, v->got, v->want);
		break;
	case KX_RSTSIG_BURST:
		snprintf(buf, len, "seq %u and TTL %u, the %s's other RST of the "
		    "burst seq %u and TTL %u", v->got, v->extra >> 8, me, v->want,
		    v->extra & 0xff);
		break;
	case KX_RSTSIG_SEQ_OUT:
		snprintf(buf, len, "seq %u, the %s expects %u with a window of %u",
		    v->got, peer, v->want, v->extra);
		break;
	case KX_RSTSIG_SEQ_NOT_NEXT:
		snprintf(buf, len, "seq %u, the %s expects %u and the %s's next "
		    "is %u", v->got, peer, v->want, me, v->extra);
		break;
	case KX_RSTSIG_WIN_COPIED:
		snprintf(buf, len, "window %u, the %s's last; the %s's own %u",
		    v->got, peer, me, v->want);
		break;
	case KX_RSTSIG_TS_MISSING:
		snprintf(buf, len, "no timestamps option; all %u other segments "
		    "from the %s had one", v->extra, me);
		break;
	case KX_RSTSIG_PAYLOAD:
		snprintf(buf, len, "%u bytes of payload", v->got);
		break;
	case KX_RSTSIG_BARE:
		snprintf(buf, len, "%s", "window 0, IP ID 0, no ACK");
		break;
	case KX_RSTSIG_BOTH_ENDS:
		snprintf(buf, len, "a RST from the %s %.3f ms apart", peer,
		    (double)v->extra / 1000.0);
		break;
	default:
		snprintf(buf, len, "%s", "?");
		break;
	}
}

void
kx_resets_free(struct kx_rstlog *l)
{
	free(l);
}

size_t
kx_resets_mem(const struct kx_rstlog *l)
{
	return l != NULL ? kx_mem_chunk(sizeof(*l)) : 0;
}
