#include <stdlib.h>
#include <string.h>

#include "kexray/stream/pipeline.h"
#include "kexray/analyze/infer_conn.h"
#include "kexray/analyze/resets.h"

struct kx_pipeline {
	struct kx_pipeline_config cfg;
	uint8_t is_port[65536 / 8];   /* bitmap of SSH server ports */
	struct kx_flow_table *flows;
	kx_conn_done_fn done;
	void *arg;
	struct kx_stats stats;
	uint64_t next_tick_us;     /* packet time of the next expiry walk */
	uint64_t attempt_timeout_us; /* an unanswered SYN (KX_ATTEMPT_TIMEOUT_DEFAULT_S) */
	kx_conn_done_fn hs_done;   /* handshake outcome final (NEWKEYS both ways) */
	kx_ssh_port_fn ssh_port;   /* SSH found on a port not given (--port) */
	kx_time_fn time_fn;        /* after each expiry walk */
	bool hs_compact;           /* hs_done is the last reader of the
	                            * parser state: summarise after it */
	/* Connections closed by a RST, waiting KX_RST_LINGER_US before they
	 * are reported, oldest first (resets.h). */
	struct kx_conn *lg_head, *lg_tail;
};

static void
linger_del(struct kx_pipeline *p, struct kx_conn *c)
{
	struct kx_rstlog *l = kx_conn_rsts(c);

	if (l == NULL || l->linger_until == 0)
		return;
	if (l->lg_prev != NULL)
		l->lg_prev->rare->rsts->lg_next = l->lg_next;
	else
		p->lg_head = l->lg_next;
	if (l->lg_next != NULL)
		l->lg_next->rare->rsts->lg_prev = l->lg_prev;
	else
		p->lg_tail = l->lg_prev;
	l->lg_prev = l->lg_next = NULL;
	l->linger_until = 0;
}

/* Returns false when c cannot linger (no RST log: out of memory). */
static bool
linger_add(struct kx_pipeline *p, struct kx_conn *c, uint64_t now_us)
{
	struct kx_rstlog *l = kx_conn_rsts(c);

	if (l == NULL)
		return false;
	if (l->linger_until != 0)
		return true;
	l->linger_until = now_us + KX_RST_LINGER_US;
	l->lg_next = NULL;
	l->lg_prev = p->lg_tail;
	if (p->lg_tail != NULL)
		p->lg_tail->rare->rsts->lg_next = c;
	else
		p->lg_head = c;
	p->lg_tail = c;
	return true;
}

static bool
is_port(const struct kx_pipeline *p, uint16_t port)
{
	return (p->is_port[port >> 3] >> (port & 7)) & 1;
}

/* Pending (odd-port) connections that turn out not to be SSH are dropped
 * without a record; SSH ones go to the caller. */
static void
conn_done(struct kx_conn *c, void *arg)
{
	struct kx_pipeline *p = arg;

	linger_del(p, c);
	if (c->kind != KX_CONN_SSH)
		return;
	p->stats.ssh_conns++;
	if (c->evicted)
		p->stats.evicted++;
	else if (c->close == KX_CLOSE_TIMEOUT)
		p->stats.timeouts++;
	p->done(c, p->arg);
}

/* --max-memory is the whole process; connection state gets what is left
 * after the reserve for the program itself (docs/limits.md). */
static uint64_t
conn_mem_budget(const struct kx_pipeline_config *cfg)
{
	const uint64_t mib = 1024u * 1024u;
	uint64_t total = cfg->max_memory != 0 ? cfg->max_memory :
	    KX_MEMORY_DEFAULT_MIB * mib;

	if (total < KX_MEMORY_MIN_MIB * mib)
		total = KX_MEMORY_MIN_MIB * mib;
	total -= KX_MEMORY_RESERVE_MIB * mib;
	return total / 100u * (100u - KX_MEMORY_FRAG_PCT);
}

struct kx_pipeline *
kx_pipeline_new(const struct kx_pipeline_config *cfg, kx_conn_done_fn done,
    void *arg)
{
	struct kx_pipeline *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->cfg = *cfg;
	if (p->cfg.handshake_timeout_us == 0)
		p->cfg.handshake_timeout_us = KX_HANDSHAKE_TIMEOUT_DEFAULT_S * 1000000ull;
	if (p->cfg.idle_timeout_us == 0)
		p->cfg.idle_timeout_us = KX_IDLE_TIMEOUT_DEFAULT_S * 1000000ull;
	p->attempt_timeout_us = KX_ATTEMPT_TIMEOUT_DEFAULT_S * 1000000ull;
	if (p->attempt_timeout_us > p->cfg.handshake_timeout_us)
		p->attempt_timeout_us = p->cfg.handshake_timeout_us;
	for (uint32_t i = 0; i < cfg->nports; i++)
		p->is_port[cfg->ports[i] >> 3] |= (uint8_t)(1u << (cfg->ports[i] & 7));
	p->done = done;
	p->arg = arg;
	p->flows = kx_flow_new(cfg->max_conns != 0 ? cfg->max_conns :
	    KX_FLOWS_MAX, conn_done, p);
	if (p->flows == NULL) {
		free(p);
		return NULL;
	}
	kx_flow_set_limits(p->flows, conn_mem_budget(cfg), cfg->max_buffer,
	    cfg->max_ooo);
	return p;
}

void
kx_pipeline_free(struct kx_pipeline *p)
{
	if (p == NULL)
		return;
	kx_flow_free(p->flows);
	free(p);
}

static bool
starts_ssh(const struct kx_packet *pkt)
{
	return pkt->payload_len >= 4 && memcmp(pkt->payload, "SSH-", 4) == 0;
}

/* Decides whether an unknown segment starts a connection worth following,
 * and which way round. Returns false to ignore the segment. */
static bool
new_conn_role(const struct kx_pipeline *p, const struct kx_packet *pkt,
    bool *server_is_dport, enum kx_conn_kind *kind)
{
	bool sp = is_port(p, pkt->sport), dp = is_port(p, pkt->dport);
	uint8_t fl = pkt->tcp_flags;

	if ((fl & (KX_TCP_SYN | KX_TCP_ACK | KX_TCP_RST)) == KX_TCP_SYN) {
		*server_is_dport = true;
		*kind = dp ? KX_CONN_SSH : KX_CONN_PENDING;
		return true;
	}
	if ((fl & (KX_TCP_SYN | KX_TCP_ACK | KX_TCP_RST)) ==
	    (KX_TCP_SYN | KX_TCP_ACK)) {
		/* The SYN was not captured: the SYN-ACK sender is the server. */
		*server_is_dport = false;
		*kind = sp ? KX_CONN_SSH : KX_CONN_PENDING;
		return true;
	}
	/* A late ACK or FIN of something not seen. A segment that carried
	 * data the capture cut away (payload_len 0) still counts. */
	if (pkt->payload_wire_len == 0 || (fl & KX_TCP_RST) != 0)
		return false;
	if (sp || dp) {
		*kind = KX_CONN_SSH;
		*server_is_dport = sp && dp ? pkt->dport < pkt->sport : dp;
		return true;
	}
	if (!starts_ssh(pkt))
		return false;
	/* SSH on an odd port, caught mid-stream: the lower port serves. */
	*kind = KX_CONN_SSH;
	*server_is_dport = pkt->dport < pkt->sport;
	return true;
}

static void
note_step(struct kx_conn *c, enum kx_side side, uint8_t what)
{
	c->last_step.side = (int8_t)side;
	c->last_step.what = what;
}

/* Hands the direction's new in-order bytes to its SSH parser. */
static void
feed_ssh(struct kx_conn *c, enum kx_side side)
{
	struct kx_half *h = &c->half[side];
	struct kx_reasm *rs = &c->hs->rs[side];
	struct kx_ssh_side *s = &c->hs->ssh[side];
	const uint8_t *data;
	uint32_t n, before = s->msg_count;
	bool had_banner = s->have_banner;
	size_t used = 0;
	enum kx_status st;

	data = kx_reasm_pending(rs, &n);
	if (n == 0)
		return;
	/* The peer speaks SSH protocol 1 (a 1.99 server answering a 1.5
	 * client): what follows this side's banner is SSH-1 framing. */
	if (s->have_banner &&
	    kx_anom_has(c->hs->ssh[!side].anomalies, KX_ANOM_SSH_VERSION_1)) {
		kx_reasm_stop(rs);
		h->done = true;
		return;
	}
	st = kx_ssh_feed(s, data, n, &used);
	kx_reasm_consume(rs, (uint32_t)used);
	if (!had_banner && s->have_banner)
		note_step(c, side, KX_STEP_BANNER);
	if (s->msg_count != before)
		note_step(c, side, s->last_msg);
	if (st == KX_NEED_MORE)
		return;
	h->encrypted = s->state == KX_SSH_ENCRYPTED;
	if (s->state == KX_SSH_ENCRYPTED && n > used) {
		c->hs->encrypted_bytes[side] += n - used;
		note_step(c, side, KX_STEP_ENCRYPTED);
	}
	/* NEWKEYS, or the parser gave up: the handshake bytes are done. */
	kx_reasm_stop(rs);
	h->done = true;
}

/* SSH on an odd port is recognised by the first bytes of the reassembled
 * stream (not the first segment: a banner cut into "SS" + "H-2.0..." or
 * reordered still counts). Sets h->stream_ssh once four bytes, or fewer
 * that already differ from "SSH-", are in order. */
static void
detect_ssh(struct kx_half *h, const struct kx_reasm *rs)
{
	uint32_t n;
	const uint8_t *p = kx_reasm_head(rs, &n);

	if (h->stream_ssh >= 0 || n == 0 || p == NULL)
		return;
	if (n >= 4)
		h->stream_ssh = memcmp(p, "SSH-", 4) == 0;
	else if (memcmp(p, "SSH-", n) != 0)
		h->stream_ssh = 0;
}

static bool on_payload_bytes(struct kx_pipeline *p, struct kx_conn *c,
    enum kx_side side, const struct kx_packet *pkt);

/* Returns false when the connection was dropped as not SSH. Each segment
 * that added encrypted bytes gives their count, its end and its time to
 * the inference (infer_conn.h); the first, at a side's NEWKEYS, sets the
 * inference up while both KEXINITs are still kept. */
static bool
on_payload(struct kx_pipeline *p, struct kx_conn *c, enum kx_side side,
    const struct kx_packet *pkt)
{
	uint64_t enc = kx_conn_encrypted(c, side);

	if (!on_payload_bytes(p, c, side, pkt))
		return false;
	if (kx_conn_encrypted(c, side) > enc && c->kind == KX_CONN_SSH) {
		uint64_t n = kx_conn_encrypted(c, side) - enc;

		kx_infer_conn_seg(c, side, pkt->seq + pkt->payload_wire_len,
		    n > UINT32_MAX ? UINT32_MAX : (uint32_t)n, pkt->ts_us);
	}
	return true;
}

static bool
on_payload_bytes(struct kx_pipeline *p, struct kx_conn *c, enum kx_side side,
    const struct kx_packet *pkt)
{
	struct kx_half *h = &c->half[side];
	struct kx_half *o = &c->half[!side];
	struct kx_hs *hs = c->hs;

	h->payload_bytes += pkt->payload_wire_len;
	if (!h->first_payload_seen) {
		h->first_payload_seen = true;
		/* Caught mid-stream and not at an identification line: the
		 * bytes are the middle of an encrypted session. */
		if (c->midstream && !h->syn && !starts_ssh(pkt))
			h->parse_off = true;
	}
	if (!h->parse_off && !h->done && hs == NULL &&
	    (hs = kx_flow_hs(p->flows, c)) == NULL) {
		/* No memory for the handshake state: this side is not
		 * decoded, and the record says its bytes were not kept. */
		kx_anom_set(&c->anomalies, KX_ANOM_REASM_DEPTH_LIMIT);
		h->parse_off = true;
	}
	/* After the handshake: counts and sizes only, from this struct. */
	if (h->parse_off || h->done) {
		if (h->encrypted) {
			c->hs->encrypted_bytes[side] += pkt->payload_wire_len;
			note_step(c, side, KX_STEP_ENCRYPTED);
		}
		return true;
	}
	/* Handshake bytes: buffers may grow or be freed. */
	c->mem_dirty = true;
	if (kx_reasm_add(&hs->rs[side], pkt->seq, pkt->payload, pkt->payload_len,
	    pkt->payload_wire_len) != KX_OK) {
		kx_anom_set(&c->anomalies, KX_ANOM_REASM_DEPTH_LIMIT);
		kx_reasm_stop(&hs->rs[side]);
		h->done = true;
		return true;
	}
	if (c->kind == KX_CONN_PENDING) {
		detect_ssh(h, &hs->rs[side]);
		if (h->stream_ssh == 1) {
			c->kind = KX_CONN_SSH;
			if (p->ssh_port != NULL)
				p->ssh_port(c->ep[KX_SERVER].port, p->arg);
		} else if (h->stream_ssh == 0 && o->stream_ssh == 0) {
			kx_flow_discard(p->flows, c);   /* neither side is SSH */
			return false;
		}
	}
	feed_ssh(c, side);
	if (h->encrypted && hs->infer == NULL && c->kind == KX_CONN_SSH)
		kx_infer_conn_start(c);
	/* NEWKEYS both ways: the handshake record can be written now. */
	if (hs->hs_ts == 0 && hs->ssh[KX_CLIENT].newkeys &&
	    hs->ssh[KX_SERVER].newkeys) {
		hs->hs_ts = pkt->ts_us;
		if (p->hs_done != NULL && c->kind == KX_CONN_SSH) {
			c->hs_reported = true;
			p->hs_done(c, p->arg);
			/* Analysed for good: what is read after it is
			 * summarised, the rest freed. */
			if (p->hs_compact)
				kx_flow_hs_summarise(p->flows, c);
		}
	}
	return true;
}

/* The connection is over: report it (if SSH) and drop its state. */
static void
finish_conn(struct kx_pipeline *p, struct kx_conn *c)
{
	if (c->kind == KX_CONN_SSH)
		kx_flow_finish(p->flows, c);
	else
		kx_flow_discard(p->flows, c);
}

static void
on_packet(struct kx_pipeline *p, struct kx_conn *c, enum kx_side side,
    const struct kx_packet *pkt)
{
	struct kx_half *h = &c->half[side];
	uint8_t fl = pkt->tcp_flags;

	kx_flow_touch(p->flows, c);
	c->ts_last = pkt->ts_us;
	c->anomalies |= pkt->anomalies;
	if (h->pkts++ == 0)
		h->ttl = pkt->ttl;
	if (!(fl & KX_TCP_RST))
		kx_tcpfacts_note(h, pkt);
	if (fl & KX_TCP_SYN) {
		h->syn = true;
		if (side == KX_CLIENT && !(fl & KX_TCP_ACK))
			c->syn_seen = true;
		if (side == KX_SERVER && (fl & KX_TCP_ACK))
			c->synack_seen = true;
		/* RFC 9293 3.4: the SYN takes one sequence number. */
		if (!h->have_base) {
			h->have_base = true;
			h->base_seq = pkt->seq + 1;
		}
		if (c->hs != NULL && !c->hs_summarised)
			kx_reasm_set_base(&c->hs->rs[side], pkt->seq + 1);
	}
	/* Data past the RST that closed it, from the side the RST claims to
	 * be: that side's stack never reset; the connection goes on. */
	if (kx_conn_rsts(c) != NULL && pkt->payload_wire_len > 0 && !(fl & KX_TCP_RST) &&
	    kx_resets_on_data(c, side, pkt) && c->close == KX_CLOSE_RST) {
		c->close = KX_CLOSE_NONE;
		c->closed_by = -1;
		c->close_after.side = -1;
		c->close_ts = 0;
		linger_del(p, c);
	}
	/* A RST's payload is diagnostic text at most (RFC 9293 3.5.3), never
	 * stream bytes. */
	if (pkt->payload_wire_len > 0 && !(fl & KX_TCP_RST) &&
	    !on_payload(p, c, side, pkt))
		return;
	if (fl & (KX_TCP_FIN | KX_TCP_RST)) {
		if ((fl & KX_TCP_RST) && c->kind == KX_CONN_SSH) {
			c->mem_dirty = true;   /* the RST log may grow */
			/* KX_NOMEM: kept only as h->rst; KX_LIMIT: counted,
			 * flagged flow.rst_limit. */
			(void)!kx_resets_on_rst(c, side, pkt,
			    c->close == KX_CLOSE_NONE);
		}
		if (fl & KX_TCP_RST)
			h->rst = true;
		else
			h->fin = true;
		if (c->close == KX_CLOSE_NONE) {
			c->close = (fl & KX_TCP_RST) ? KX_CLOSE_RST : KX_CLOSE_FIN;
			c->closed_by = (int8_t)side;
			c->close_after = c->last_step;
			c->close_ts = pkt->ts_us;
		}
		/* A RST on an established SSH connection: reported after
		 * KX_RST_LINGER_US, so what races it is judged too. */
		if ((fl & KX_TCP_RST) && c->kind == KX_CONN_SSH &&
		    (c->synack_seen || c->midstream) &&
		    !(c->half[KX_CLIENT].fin && c->half[KX_SERVER].fin) &&
		    linger_add(p, c, pkt->ts_us))
			;   /* reported when its lingering is over */
		else if ((fl & KX_TCP_RST) ||
		    (c->half[KX_CLIENT].fin && c->half[KX_SERVER].fin))
			finish_conn(p, c);
	}
}

void
kx_pipeline_frame(struct kx_pipeline *p, int dlt, const uint8_t *frame,
    uint32_t caplen, uint32_t wirelen, uint64_t ts_us, uint64_t frame_no)
{
	struct kx_packet pkt;
	enum kx_status st;

	pkt.ts_us = ts_us;
	pkt.frame_no = frame_no;
	st = kx_decode(dlt, frame, caplen, wirelen, &pkt);
	kx_pipeline_decoded(p, st, &pkt, dlt, frame, caplen, wirelen);
}

void
kx_pipeline_decoded(struct kx_pipeline *p, enum kx_status st,
    const struct kx_packet *pkt, int dlt, const uint8_t *frame,
    uint32_t caplen, uint32_t wirelen)
{
	uint64_t ts_us = pkt->ts_us;
	struct kx_conn *c;
	enum kx_side side;
	enum kx_conn_kind kind = KX_CONN_SSH;
	bool server_is_dport = true;

	p->stats.frames++;
	kx_pipeline_tick(p, ts_us);
	if (st != KX_OK) {
		if (st == KX_MALFORMED)
			p->stats.malformed++;
		else
			p->stats.not_tcp++;
		for (int a = 0; a < KX_ANOM_MAX; a++)
			if (kx_anom_has(pkt->anomalies, (enum kx_anomaly)a))
				p->stats.anomalies[a]++;
		return;
	}
	p->stats.tcp++;
	if (kx_anom_has(pkt->anomalies, KX_ANOM_DECODE_TRUNCATED))
		p->stats.truncated++;

	c = kx_flow_lookup(p->flows, pkt, false, false, &side);
	if (c != NULL && side == KX_CLIENT && c->syn_seen &&
	    (pkt->tcp_flags & (KX_TCP_SYN | KX_TCP_ACK)) == KX_TCP_SYN &&
	    pkt->seq + 1 != c->half[KX_CLIENT].base_seq) {
		/* A new SYN with another ISN: the ports were reused and the old
		 * connection ended without its close being captured. */
		if (c->close == KX_CLOSE_NONE)
			c->close = KX_CLOSE_TIMEOUT;
		finish_conn(p, c);
		c = NULL;
	}
	if (c == NULL) {
		if (!new_conn_role(p, pkt, &server_is_dport, &kind))
			return;
		/* Leftovers of a connection that already ended; a SYN sent
		 * again with the ISN of one already reported (an attempt
		 * looked at after KX_ATTEMPT_TIMEOUT_DEFAULT_S, retried) is
		 * the same attempt, not a new connection. */
		if ((!(pkt->tcp_flags & KX_TCP_SYN) ||
		    (pkt->tcp_flags & KX_TCP_ACK) == 0) &&
		    kx_flow_recently_closed(p->flows, pkt))
			return;
		c = kx_flow_lookup(p->flows, pkt, true, server_is_dport, &side);
		if (c == NULL)
			return;
		c->kind = kind;
		c->ts_first = pkt->ts_us;
		c->tunnel = pkt->tunnel;
		if (!(pkt->tcp_flags & KX_TCP_SYN)) {
			c->midstream = true;
			kx_anom_set(&c->anomalies, KX_ANOM_FLOW_MIDSTREAM);
		}
	}
	if (p->cfg.keep_evidence) {
		/* Once the handshake completed the verdict cannot become a
		 * problem: keep nothing more. */
		c->mem_dirty = true;
		if (kx_conn_newkeys(c, KX_CLIENT) &&
		    kx_conn_newkeys(c, KX_SERVER)) {
			if (c->rare != NULL) {
				kx_evidence_free(c->rare->evidence);
				c->rare->evidence = NULL;
			}
		} else if (kx_conn_rare(c) != NULL) {
			kx_evidence_add(&c->rare->evidence, dlt, frame, caplen,
			    wirelen, ts_us);
		}
	}
	on_packet(p, c, side, pkt);
	/* c may be gone; the flow table knows what it touched. */
	if (kx_flow_settle(p->flows))
		p->stats.caps = *kx_flow_caps(p->flows);
}

/* Only SYNs from the client so far: nothing answered, nothing sent. */
static bool
is_attempt(const struct kx_conn *c)
{
	return c->syn_seen && !c->synack_seen && !c->midstream &&
	    c->half[KX_SERVER].pkts == 0 && c->hs == NULL &&
	    c->close == KX_CLOSE_NONE;
}

static uint64_t
timeout_of(const struct kx_conn *c, void *arg)
{
	const struct kx_pipeline *p = arg;
	bool established = kx_conn_newkeys(c, KX_CLIENT) &&
	    kx_conn_newkeys(c, KX_SERVER) && c->close == KX_CLOSE_NONE;

	if (is_attempt(c))
		return p->attempt_timeout_us;
	return established ? p->cfg.idle_timeout_us : p->cfg.handshake_timeout_us;
}

/* An expiry walk at most once a second of packet time. */
#define TICK_US 1000000ull

void
kx_pipeline_tick(struct kx_pipeline *p, uint64_t now_us)
{
	uint64_t min_us;
	struct kx_conn *c;

	/* Lingering after a RST (oldest first): due ones are reported. */
	while ((c = p->lg_head) != NULL && c->rare->rsts->linger_until <= now_us) {
		linger_del(p, c);
		finish_conn(p, c);
	}
	if (now_us < p->next_tick_us)
		return;
	p->next_tick_us = now_us + TICK_US;
	min_us = p->cfg.handshake_timeout_us < p->cfg.idle_timeout_us ?
	    p->cfg.handshake_timeout_us : p->cfg.idle_timeout_us;
	if (p->attempt_timeout_us < min_us)
		min_us = p->attempt_timeout_us;
	kx_flow_expire(p->flows, now_us, min_us, timeout_of, p);
	if (p->time_fn != NULL)
		p->time_fn(now_us, p->arg);
}

void
kx_pipeline_on_ssh_port(struct kx_pipeline *p, kx_ssh_port_fn fn)
{
	p->ssh_port = fn;
}

void
kx_pipeline_on_time(struct kx_pipeline *p, kx_time_fn fn)
{
	p->time_fn = fn;
}

void
kx_pipeline_on_handshake(struct kx_pipeline *p, kx_conn_done_fn fn)
{
	p->hs_done = fn;
	p->hs_compact = false;
}

void
kx_pipeline_on_handshake_last(struct kx_pipeline *p, kx_conn_done_fn fn)
{
	p->hs_done = fn;
	p->hs_compact = true;
}

uint32_t
kx_pipeline_conns(const struct kx_pipeline *p)
{
	return kx_flow_count(p->flows);
}

void
kx_pipeline_finish(struct kx_pipeline *p)
{
	kx_flow_flush(p->flows, KX_CLOSE_CAPTURE_END);
	(void)kx_flow_settle(p->flows);
	p->stats.caps = *kx_flow_caps(p->flows);
}

const struct kx_stats *
kx_pipeline_stats(const struct kx_pipeline *p)
{
	return &p->stats;
}

bool
kx_parse_ports(const char *list, struct kx_pipeline_config *cfg)
{
	const char *s = list;

	cfg->nports = 0;
	while (*s != '\0') {
		char *end;
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || v == 0 || v > 65535 || cfg->nports >= KX_PORTS_MAX)
			return false;
		cfg->ports[cfg->nports++] = (uint16_t)v;
		if (*end == ',')
			end++;
		else if (*end != '\0')
			return false;
		s = end;
	}
	return cfg->nports > 0;
}
