/* Brute force by source and server (bruteforce.h): a fixed open-addressed
 * table, KX_BRUTE_PROBE slots per pair, the least recently seen replaced
 * when all are taken. */
#include <stdlib.h>
#include <string.h>

#include "kexray/analyze/infer_conn.h"
#include "kexray/events/bruteforce.h"

struct pair {
	bool used, reported;
	uint8_t ip_version;
	uint8_t src[16], dst[16];
	uint32_t count;
	uint32_t attempts;    /* failed logins the encrypted sizes counted */
	uint64_t first_ts, last_ts;
	uint32_t phases[KX_PHASE_MAX];
};

struct kx_brute {
	uint32_t threshold;
	uint32_t minutes;
	uint64_t window_us;
	uint64_t evicted;
	struct pair *slot;   /* KX_BRUTE_PAIRS_MAX */
};

_Static_assert((KX_BRUTE_PAIRS_MAX & (KX_BRUTE_PAIRS_MAX - 1)) == 0,
    "KX_BRUTE_PAIRS_MAX is a power of two");

struct kx_brute *
kx_brute_new(uint32_t threshold, uint32_t minutes)
{
	struct kx_brute *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	if ((b->slot = calloc(KX_BRUTE_PAIRS_MAX, sizeof(*b->slot))) == NULL) {
		free(b);
		return NULL;
	}
	b->threshold = threshold != 0 ? threshold : 1;
	b->minutes = minutes != 0 ? minutes : 1;
	b->window_us = (uint64_t)b->minutes * 60u * 1000000u;
	return b;
}

void
kx_brute_free(struct kx_brute *b)
{
	if (b == NULL)
		return;
	free(b->slot);
	free(b);
}

/* FNV-1a over both addresses. */
static uint32_t
pair_hash(const uint8_t *src, const uint8_t *dst, uint8_t ipv)
{
	uint32_t h = 2166136261u ^ ipv;

	for (int i = 0; i < 16; i++) {
		h = (h ^ src[i]) * 16777619u;
		h = (h ^ dst[i]) * 16777619u;
	}
	return h;
}

static struct pair *
find(struct kx_brute *b, const struct kx_conn *c, uint64_t now)
{
	const uint8_t *src = c->ep[KX_CLIENT].addr, *dst = c->ep[KX_SERVER].addr;
	uint32_t h = pair_hash(src, dst, c->ip_version);
	struct pair *victim = NULL;

	for (uint32_t i = 0; i < KX_BRUTE_PROBE; i++) {
		struct pair *p = &b->slot[(h + i) & (KX_BRUTE_PAIRS_MAX - 1)];

		if (p->used && p->ip_version == c->ip_version &&
		    memcmp(p->src, src, 16) == 0 && memcmp(p->dst, dst, 16) == 0)
			return p;
		if (!p->used) {
			if (victim == NULL || victim->used)
				victim = p;
		} else if (victim == NULL ||
		    (victim->used && p->last_ts < victim->last_ts)) {
			victim = p;
		}
	}
	if (victim->used)
		b->evicted++;
	memset(victim, 0, sizeof(*victim));
	victim->used = true;
	victim->ip_version = c->ip_version;
	memcpy(victim->src, src, 16);
	memcpy(victim->dst, dst, 16);
	victim->first_ts = victim->last_ts = now;
	return victim;
}

/* Failed logins on c as its encrypted sizes show them (infer_conn.h): all
 * its attempts when the login failed, all but the last when it
 * succeeded, the refused ones counted so far when the outcome is unknown. */
static uint32_t
failed_attempts(const struct kx_conn *c)
{
	struct kx_auth_view a;

	kx_infer_conn_judge(c, &a);
	if (!a.known)
		return 0;
	if (a.r.auth_success == KX_INFER_YES)
		return a.r.auth_attempts > 0 ? a.r.auth_attempts - 1 : 0;
	return a.r.auth_attempts;
}

uint32_t
kx_brute_failed(const struct kx_conn *c)
{
	return failed_attempts(c);
}

bool
kx_brute_counts(const struct kx_brute *b, const struct kx_conn *c,
    enum kx_phase ph, uint32_t fails)
{
	if (b == NULL || c->source != KX_SOURCE_PCAP ||
	    kx_conn_log(c) != NULL || ph < KX_PHASE_TCP)
		return false;
	if (c->close != KX_CLOSE_FIN && c->close != KX_CLOSE_RST &&
	    c->close != KX_CLOSE_TIMEOUT)
		return false;   /* still open at the end, or evicted: not over */
	/* A connection that ended before a session counts; one that carried
	 * a session counts only the failed logins before it (a tool that
	 * guesses many times over one connection). */
	return ph <= KX_PHASE_AUTH || fails > 0;
}

bool
kx_brute_note(struct kx_brute *b, const struct kx_conn *c, enum kx_phase ph,
    struct kx_brute_hit *hit)
{
	return kx_brute_note_failed(b, c, ph, kx_brute_failed(c), hit);
}

bool
kx_brute_note_failed(struct kx_brute *b, const struct kx_conn *c,
    enum kx_phase ph, uint32_t fails, struct kx_brute_hit *hit)
{
	uint64_t now;
	struct pair *p;
	bool counted;

	if (!kx_brute_counts(b, c, ph, fails))
		return false;
	counted = ph <= KX_PHASE_AUTH;
	now = c->close_ts != 0 ? c->close_ts : c->ts_last;
	p = find(b, c, now);
	/* A new window once the old one is over (Zeek's epoch). */
	if (now > p->first_ts && now - p->first_ts > b->window_us) {
		p->count = 0;
		p->attempts = 0;
		memset(p->phases, 0, sizeof(p->phases));
		p->first_ts = now;
	}
	if (counted) {
		p->count++;
		p->phases[ph]++;
	}
	p->attempts = fails > UINT32_MAX - p->attempts ? UINT32_MAX :
	    p->attempts + fails;
	if (now > p->last_ts)
		p->last_ts = now;
	if (p->reported || (p->count < b->threshold &&
	    p->attempts < b->threshold))
		return false;
	p->reported = true;
	memset(hit, 0, sizeof(*hit));
	hit->ip_version = p->ip_version;
	memcpy(hit->src, p->src, 16);
	memcpy(hit->dst, p->dst, 16);
	hit->dport = c->ep[KX_SERVER].port;
	hit->count = p->count;
	hit->attempts = p->attempts;
	hit->by_attempts = p->count < b->threshold;
	hit->threshold = b->threshold;
	hit->window_min = b->minutes;
	hit->first_ts = p->first_ts;
	hit->last_ts = p->last_ts;
	memcpy(hit->phases, p->phases, sizeof(hit->phases));
	return true;
}

uint64_t
kx_brute_evicted(const struct kx_brute *b)
{
	return b != NULL ? b->evicted : 0;
}

static bool
parse_u32(const char *s, const char **end, uint32_t lo, uint32_t hi,
    uint32_t *out)
{
	uint64_t v = 0;
	const char *p = s;

	while (*p >= '0' && *p <= '9' && p - s < 10)
		v = v * 10 + (uint64_t)(*p++ - '0');
	if (p == s || v < lo || v > hi)
		return false;
	*out = (uint32_t)v;
	*end = p;
	return true;
}

bool
kx_brute_parse(const char *arg, uint32_t *count, uint32_t *minutes)
{
	const char *p;

	if (!parse_u32(arg, &p, 1, KX_BRUTE_COUNT_MAX, count) || *p != '/')
		return false;
	if (!parse_u32(p + 1, &p, 1, KX_BRUTE_MINUTES_MAX, minutes) || *p != '\0')
		return false;
	return true;
}
