/* Scans, regreSSHion and DHEat by source (patterns.h): a fixed
 * open-addressed table, as bruteforce.c's. */
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "kexray/analyze/infer_conn.h"
#include "kexray/events/patterns.h"

const char *const kx_pattern_names[KX_PAT_MAX] = {
	[KX_PAT_SCAN] = "scan",
	[KX_PAT_REGRESSHION] = "regresshion",
	[KX_PAT_DHEAT] = "dheat",
};

/* One pattern's count in its window. */
struct window {
	uint32_t count;
	uint64_t first_ts, last_ts;
	bool reported;
};

struct source {
	bool used;
	uint8_t ip_version;
	uint8_t src[16];
	uint64_t last_ts;
	struct window w[KX_PAT_MAX];
	/* scan: the servers seen in the window (a few kept, then counted) */
	uint8_t nsrv;
	uint8_t srv[4][16];
	/* regreSSHion: one server, the first connection's length */
	uint8_t rdst[16];
	uint16_t rport;
	uint64_t grace_us;
};

struct kx_patterns {
	uint64_t evicted;
	struct source *slot;   /* KX_PATTERN_SOURCES */
};

_Static_assert((KX_PATTERN_SOURCES & (KX_PATTERN_SOURCES - 1)) == 0,
    "KX_PATTERN_SOURCES is a power of two");

struct kx_patterns *
kx_patterns_new(void)
{
	struct kx_patterns *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->slot = calloc(KX_PATTERN_SOURCES, sizeof(*p->slot))) == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

void
kx_patterns_free(struct kx_patterns *p)
{
	if (p == NULL)
		return;
	free(p->slot);
	free(p);
}

uint64_t
kx_patterns_evicted(const struct kx_patterns *p)
{
	return p != NULL ? p->evicted : 0;
}

static uint32_t
src_hash(const uint8_t *src, uint8_t ipv)
{
	uint32_t h = 2166136261u ^ ipv;

	for (int i = 0; i < 16; i++)
		h = (h ^ src[i]) * 16777619u;
	return h;
}

static struct source *
find(struct kx_patterns *p, const struct kx_conn *c, uint64_t now)
{
	const uint8_t *src = c->ep[KX_CLIENT].addr;
	uint32_t h = src_hash(src, c->ip_version);
	struct source *victim = NULL;

	for (uint32_t i = 0; i < KX_PATTERN_PROBE; i++) {
		struct source *s = &p->slot[(h + i) & (KX_PATTERN_SOURCES - 1)];

		if (s->used && s->ip_version == c->ip_version &&
		    memcmp(s->src, src, 16) == 0)
			return s;
		if (!s->used) {
			if (victim == NULL || victim->used)
				victim = s;
		} else if (victim == NULL ||
		    (victim->used && s->last_ts < victim->last_ts)) {
			victim = s;
		}
	}
	if (victim->used)
		p->evicted++;
	memset(victim, 0, sizeof(*victim));
	victim->used = true;
	victim->ip_version = c->ip_version;
	memcpy(victim->src, src, 16);
	victim->last_ts = now;
	return victim;
}

/* Counts one connection in w; a new window once the old one is over.
 * Returns true when the count reaches min for the first time. */
static bool
count(struct window *w, uint64_t now, uint64_t window_us, uint32_t min,
    bool *restarted)
{
	*restarted = false;
	if (w->count == 0 || (now > w->first_ts && now - w->first_ts > window_us)) {
		/* After a quiet window the source may start a new burst, and
		 * that one is reported again; a burst that goes on is not. */
		if (w->count == 0 || now - w->last_ts > window_us)
			w->reported = false;
		w->count = 0;
		w->first_ts = now;
		*restarted = true;
	}
	w->count++;
	if (now > w->last_ts || w->count == 1)
		w->last_ts = now;
	if (w->reported || w->count < min)
		return false;
	w->reported = true;
	return true;
}

static uint64_t
conn_len(const struct kx_conn *c, uint64_t end)
{
	return end > c->ts_first ? end - c->ts_first : 0;
}

/* Left after the server's banner, KEXINIT or key-exchange reply: ended in
 * phase banner to kex, or after NEWKEYS without a byte of its own. */
static bool
scan_like(const struct kx_conn *c, enum kx_phase ph, uint64_t end)
{
	if (conn_len(c, end) > KX_SCAN_CONN_US)
		return false;
	if (ph >= KX_PHASE_BANNER && ph <= KX_PHASE_KEX)
		return true;
	return ph == KX_PHASE_AUTH && kx_conn_encrypted(c, KX_CLIENT) == 0;
}

/* The client sent a key-exchange share (RFC 4253 8 KEXDH_INIT, RFC 5656
 * ECDH_INIT and the hybrids: 30; RFC 4419 KEX_DH_GEX_INIT: 32) and no
 * NEWKEYS: the server was made to compute its share for nothing. */
static bool
dheat_like(const struct kx_conn *c, enum kx_phase ph)
{
	const struct kx_ssh_side *cs;
	uint32_t n;

	/* Before the client's NEWKEYS its message log is still there. */
	if (kx_conn_newkeys(c, KX_CLIENT) || ph > KX_PHASE_KEX)
		return false;
	cs = kx_conn_ssh(c, KX_CLIENT);
	n = cs->msg_count < KX_MSGLOG_MAX ? cs->msg_count : KX_MSGLOG_MAX;
	for (uint32_t i = 0; i < n; i++)
		if (cs->msglog[i].code == 30 || cs->msglog[i].code == 32)
			return true;
	return false;
}

/* Closed by the server after a long wait, never authenticated. */
static bool
grace_like(const struct kx_conn *c, enum kx_phase ph, uint64_t end)
{
	struct kx_auth_view a;

	if (c->closed_by != KX_SERVER || ph > KX_PHASE_AUTH ||
	    conn_len(c, end) < KX_REGRESSHION_GRACE_US)
		return false;
	kx_infer_conn_judge(c, &a);
	return a.r.auth_success != KX_INFER_YES;
}

static bool
digits(const uint8_t *p, uint32_t len, uint32_t *i, uint32_t *v)
{
	uint32_t start = *i;

	*v = 0;
	while (*i < len && p[*i] >= '0' && p[*i] <= '9' && *i - start < 6)
		*v = *v * 10 + (uint32_t)(p[(*i)++] - '0');
	return *i > start;
}

bool
kx_regresshion_banner(const uint8_t *b, uint32_t len)
{
	static const char tag[] = "OpenSSH_";
	uint32_t i, major, minor, patch = 0, v;

	for (i = 0; i + sizeof(tag) - 1 <= len; i++)
		if (memcmp(b + i, tag, sizeof(tag) - 1) == 0)
			break;
	if (i + sizeof(tag) - 1 > len)
		return false;
	i += (uint32_t)sizeof(tag) - 1;
	if (!digits(b, len, &i, &major) || i >= len || b[i++] != '.' ||
	    !digits(b, len, &i, &minor))
		return false;
	if (i < len && b[i] == 'p') {
		i++;
		(void)digits(b, len, &i, &patch);
	} else {
		patch = 1;   /* OpenBSD's own "OpenSSH_9.8" is portable's 9.8p1 */
	}
	v = major * 10000u + minor * 100u + patch;
	/* Qualys: before 4.4p1, and from 8.5p1 up to 9.8p1 excluded. */
	return v < 40401u || (v >= 80501u && v < 90801u);
}

static void
fill(struct kx_pattern_hit *h, enum kx_pattern_kind kind,
    const struct source *s, const struct kx_conn *c)
{
	memset(h, 0, sizeof(*h));
	h->kind = kind;
	h->ip_version = s->ip_version;
	memcpy(h->src, s->src, 16);
	memcpy(h->dst, c->ep[KX_SERVER].addr, 16);
	h->dport = c->ep[KX_SERVER].port;
	h->count = s->w[kind].count;
	h->first_ts = s->w[kind].first_ts;
	h->last_ts = s->w[kind].last_ts;
	h->servers = s->nsrv;
	h->grace_us = s->grace_us;
}

int
kx_patterns_note(struct kx_patterns *p, const struct kx_conn *c,
    enum kx_phase ph, struct kx_pattern_hit hits[KX_PAT_MAX])
{
	const struct kx_ssh_kept *ss = KX_CONN_KEPT(c, KX_SERVER);
	const uint8_t *dst = c->ep[KX_SERVER].addr;
	uint64_t end;
	struct source *s;
	bool restarted;
	int n = 0;

	if (p == NULL || c->source != KX_SOURCE_PCAP || kx_conn_log(c) != NULL)
		return 0;
	if (c->close != KX_CLOSE_FIN && c->close != KX_CLOSE_RST &&
	    c->close != KX_CLOSE_TIMEOUT)
		return 0;
	end = c->close_ts != 0 ? c->close_ts : c->ts_last;
	s = find(p, c, end);
	if (end > s->last_ts)
		s->last_ts = end;

	if (scan_like(c, ph, end)) {
		bool hit = count(&s->w[KX_PAT_SCAN], end, KX_SCAN_WINDOW_US,
		    KX_SCAN_MIN, &restarted);
		uint8_t j;

		if (restarted)
			s->nsrv = 0;
		for (j = 0; j < s->nsrv && j < 4 && memcmp(s->srv[j], dst, 16) != 0; j++)
			;
		if (j == s->nsrv && s->nsrv < UINT8_MAX) {
			if (j < 4)
				memcpy(s->srv[j], dst, 16);
			s->nsrv++;
		}
		if (hit)
			fill(&hits[n++], KX_PAT_SCAN, s, c);
	}
	if (dheat_like(c, ph) &&
	    count(&s->w[KX_PAT_DHEAT], end, KX_DHEAT_WINDOW_US, KX_DHEAT_MIN,
	    &restarted))
		fill(&hits[n++], KX_PAT_DHEAT, s, c);
	if (grace_like(c, ph, end) && ss->have_banner &&
	    kx_regresshion_banner(ss->banner, ss->banner_len)) {
		struct window *w = &s->w[KX_PAT_REGRESSHION];
		uint64_t len = conn_len(c, end);

		/* One server, about the same length each time: else start
		 * again from this connection. */
		if (w->count > 0 && (memcmp(s->rdst, dst, 16) != 0 ||
		    s->rport != c->ep[KX_SERVER].port ||
		    len + KX_REGRESSHION_SPREAD_US < s->grace_us ||
		    len > s->grace_us + KX_REGRESSHION_SPREAD_US))
			w->count = 0;
		if (w->count == 0) {
			memcpy(s->rdst, dst, 16);
			s->rport = c->ep[KX_SERVER].port;
			s->grace_us = len;
		}
		if (count(w, end, KX_REGRESSHION_WINDOW_US, KX_REGRESSHION_MIN,
		    &restarted))
			fill(&hits[n++], KX_PAT_REGRESSHION, s, c);
	}
	return n;
}

bool
kx_patterns_relevant(const struct kx_conn *c, enum kx_phase ph)
{
	const struct kx_ssh_kept *ss = KX_CONN_KEPT(c, KX_SERVER);
	uint64_t end;

	if (c->source != KX_SOURCE_PCAP || kx_conn_log(c) != NULL)
		return false;
	if (c->close != KX_CLOSE_FIN && c->close != KX_CLOSE_RST &&
	    c->close != KX_CLOSE_TIMEOUT)
		return false;
	end = c->close_ts != 0 ? c->close_ts : c->ts_last;
	/* What kx_patterns_note counts (and kx_patterns_scanning needs). */
	return scan_like(c, ph, end) || dheat_like(c, ph) ||
	    (grace_like(c, ph, end) && ss->have_banner &&
	    kx_regresshion_banner(ss->banner, ss->banner_len));
}

/* The source's slot, or NULL: a lookup that inserts nothing. */
static const struct source *
lookup(const struct kx_patterns *p, const struct kx_conn *c)
{
	const uint8_t *src = c->ep[KX_CLIENT].addr;
	uint32_t h = src_hash(src, c->ip_version);

	for (uint32_t i = 0; i < KX_PATTERN_PROBE; i++) {
		const struct source *s = &p->slot[(h + i) & (KX_PATTERN_SOURCES - 1)];

		if (s->used && s->ip_version == c->ip_version &&
		    memcmp(s->src, src, 16) == 0)
			return s;
	}
	return NULL;
}

bool
kx_patterns_scanning(const struct kx_patterns *p, const struct kx_conn *c,
    enum kx_phase ph)
{
	const struct source *s;
	const struct window *w;
	uint64_t end;

	if (p == NULL || c->source != KX_SOURCE_PCAP ||
	    kx_conn_log(c) != NULL || (s = lookup(p, c)) == NULL)
		return false;
	end = c->close_ts != 0 ? c->close_ts : c->ts_last;
	w = &s->w[KX_PAT_SCAN];
	return w->reported && end >= w->last_ts &&
	    end - w->last_ts <= KX_SCAN_WINDOW_US && scan_like(c, ph, end);
}

bool
kx_patterns_scan_pending(const struct kx_patterns *p, const struct kx_conn *c,
    enum kx_phase ph, uint64_t *window)
{
	const struct source *s;
	const struct window *w;
	uint64_t end;

	if (p == NULL || c->source != KX_SOURCE_PCAP || kx_conn_log(c) != NULL ||
	    (c->close != KX_CLOSE_FIN && c->close != KX_CLOSE_RST &&
	    c->close != KX_CLOSE_TIMEOUT) || (s = lookup(p, c)) == NULL)
		return false;
	end = c->close_ts != 0 ? c->close_ts : c->ts_last;
	w = &s->w[KX_PAT_SCAN];
	/* Counted in this window (kx_patterns_note restarts a window only
	 * for an end past it), which has not crossed yet. */
	if (w->reported || w->count == 0 || w->count >= KX_SCAN_MIN ||
	    !scan_like(c, ph, end) ||
	    (end > w->first_ts && end - w->first_ts > KX_SCAN_WINDOW_US))
		return false;
	*window = w->first_ts;
	return true;
}

void
kx_patterns_as_scan(struct kx_verdict *v)
{
	size_t off = strlen(v->reason);

	/* What a scan's connection shows of the server (a failed
	 * negotiation, a changed host key) stays what it is; only the
	 * scanner's leaving is no problem. A forged RST stays one. */
	if ((v->kind != KX_V_CLOSED && v->kind != KX_V_RESET) ||
	    v->close.third_party)
		return;
	v->kind = KX_V_PROBE;
	v->problem = false;
	v->close.problem = false;
	v->outcome.kind = (uint8_t)KX_V_PROBE;
	if (off < sizeof(v->reason) - 1)
		snprintf(v->reason + off, sizeof(v->reason) - off,
		    "; one of a scan's connections (its scan record above)");
}
