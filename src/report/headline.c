/* headline.h: the cause first. Every sentence here is kexray's own; only
 * algorithm names come from the wire, and the caller escapes them. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kexray/analyze/algtab.h"
#include "kexray/report/color.h"
#include "kexray/report/headline.h"

/* Appends to buf[*off] without overrunning; truncates at len - 1. */
static void put(char *buf, size_t len, size_t *off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
put(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off = (size_t)n >= len - *off ? len - 1 : *off + (size_t)n;
}

/* The category word a person uses: c2s and s2c are one setting in
 * sshd_config and ssh_config. */
static const char *
cat_word(int cat)
{
	return kx_algcat_words[kx_cat_algcat((enum kx_cat)cat)];
}

/* A category of mask before cat with the same word (c2s before s2c: the
 * kx_cat order interleaves them with the other categories). */
static bool
word_said(uint32_t mask, int cat)
{
	for (int e = 0; e < cat; e++)
		if ((mask & (1u << e)) && strcmp(cat_word(e), cat_word(cat)) == 0)
			return true;
	return false;
}

/* The same algorithm agreed both ways is named once. */
static bool
same_as_earlier(const struct kx_verdict *v, int cat)
{
	for (int e = 0; e < cat; e++)
		if (strcmp(cat_word(e), cat_word(cat)) == 0 &&
		    v->nego.res[e] == KX_NEGO_AGREED &&
		    v->nego.alg[e].len == v->nego.alg[cat].len &&
		    memcmp(v->nego.alg[e].p, v->nego.alg[cat].p,
		    v->nego.alg[cat].len) == 0)
			return true;
	return false;
}

void
kx_headline_weak(const struct kx_verdict *v, char *buf, size_t len)
{
	size_t off = 0;
	bool any = false;

	buf[0] = '\0';
	for (int cat = 0; cat < KX_CAT_MAX; cat++) {
		const struct kx_algtab_row *r = v->assess.rating[cat];

		if (v->nego.res[cat] != KX_NEGO_AGREED || r == NULL ||
		    (r->rating != KX_RATE_WARN && r->rating != KX_RATE_FAIL) ||
		    same_as_earlier(v, cat))
			continue;
		put(buf, len, &off, "%s%s %.*s (%s)", any ? ", " : "",
		    cat_word(cat), (int)v->nego.alg[cat].len,
		    (const char *)v->nego.alg[cat].p, kx_rating_names[r->rating]);
		any = true;
	}
	if (v->assess.terrapin.exposed)
		put(buf, len, &off, "%sexposed to Terrapin (CVE-2023-48795)",
		    any ? "; " : "");
}

/* Why a connection that ended before NEWKEYS ended: the cause's words. */
static void
cause_words(const struct kx_conn *c, const struct kx_verdict *v, char *buf,
    size_t len, size_t *off)
{
	const struct kx_close_info *ci = &v->close;
	const char *by = c->closed_by >= 0 ? kx_side_names[c->closed_by & 1] : "a side";

	switch (ci->cause) {
	case KX_CAUSE_PORT_CLOSED:
		put(buf, len, off, "port closed: nothing listens there");
		break;
	case KX_CAUSE_FILTERED:
		put(buf, len, off, "no answer: a firewall drops the SYN, or the "
		    "host is down");
		break;
	case KX_CAUSE_NO_ANSWER:
		put(buf, len, off, "no answer to the SYN yet");
		break;
	case KX_CAUSE_REFUSED: {
		char said[KX_CLOSE_WORDS_MAX + 1];

		if (kx_close_server_words(c, said, sizeof(said)) > 0)
			put(buf, len, off, "refused before the SSH banner: the "
			    "server wrote \"%s\"", said);
		else
			put(buf, len, off, "refused before the SSH banner "
			    "(tcp_wrappers, fail2ban, MaxStartups or an "
			    "overloaded sshd)");
		break;
	}
	case KX_CAUSE_MAX_STARTUPS:
		put(buf, len, off, "refused: sshd's MaxStartups limit is reached");
		break;
	case KX_CAUSE_NOT_ALLOWED:
		put(buf, len, off, "refused: \"Not allowed at this time\" "
		    "(MaxStartups or PerSourcePenalties)");
		break;
	case KX_CAUSE_PROBE:
		put(buf, len, off, "port check or health probe: the client "
		    "connected and left without a word");
		break;
	case KX_CAUSE_NO_BANNER:
		put(buf, len, off, "the server accepted the connection but sent "
		    "no SSH banner");
		break;
	case KX_CAUSE_CLIENT_SILENT:
		put(buf, len, off, "the client sent no SSH banner; the server "
		    "gave up (LoginGraceTime)");
		break;
	case KX_CAUSE_VERSION:
		put(buf, len, off, "SSH protocol version mismatch (SSH-1 against "
		    "SSH-2)");
		break;
	case KX_CAUSE_HOSTKEY:
		put(buf, len, off, "host key rejected by the client: its "
		    "known_hosts holds another key for this server");
		break;
	case KX_CAUSE_MTU:
		put(buf, len, off, "path MTU black hole: a large handshake "
		    "segment from the %s never got through",
		    ci->mtu_side >= 0 ? kx_side_names[ci->mtu_side & 1] : "server");
		break;
	case KX_CAUSE_SEGMENT_LOST:
		put(buf, len, off, "likely a path MTU black hole: part of the "
		    "%s's handshake was lost on the path",
		    ci->mtu_side >= 0 ? kx_side_names[ci->mtu_side & 1] : "peer");
		break;
	case KX_CAUSE_KEX_STALLED:
		put(buf, len, off, "the server never answered the key exchange");
		break;
	case KX_CAUSE_DISCONNECT:
		put(buf, len, off, "the %s refused with a DISCONNECT before the "
		    "handshake completed", by);
		break;
	case KX_CAUSE_THIRD_PARTY:
		put(buf, len, off, "forged reset: a firewall, IPS or attacker "
		    "ended it, claiming to be the %s", by);
		break;
	case KX_CAUSE_TIMEOUT:
		put(buf, len, off, "the handshake stalled until kexray's timeout");
		break;
	default:
		put(buf, len, off, "the %s %s the connection before the "
		    "handshake completed", by,
		    c->close == KX_CLOSE_RST ? "reset" : "closed");
		break;
	}
}

void
kx_headline(const struct kx_conn *c, const struct kx_verdict *v, char *buf,
    size_t len)
{
	const struct kx_hostkey *hk = &v->assess.hostkey;
	char weak[256];
	size_t off = 0;

	buf[0] = '\0';
	if (len == 0)
		return;
	switch (v->kind) {
	case KX_V_HOST_KEY_CHANGED:
		put(buf, len, &off, "host key %s: possible man-in-the-middle, or a "
		    "reinstalled server",
		    hk->known_hosts == KX_HK_REVOKED || hk->host_keys == KX_HK_REVOKED ?
		    "revoked" : "changed");
		break;
	case KX_V_OK:
		kx_headline_weak(v, weak, sizeof(weak));
		if (weak[0] != '\0')
			put(buf, len, &off, "weak: %s", weak);
		else
			put(buf, len, &off, "handshake completed");
		break;
	case KX_V_MISMATCH: {
		bool any = false;

		put(buf, len, &off, "no common algorithm:");
		for (int cat = 0; cat < KX_CAT_MAX; cat++) {
			if (!(v->nego.mismatch_mask & (1u << cat)) ||
			    word_said(v->nego.mismatch_mask, cat))
				continue;
			put(buf, len, &off, "%s %s", any ? "," : "", cat_word(cat));
			any = true;
		}
		put(buf, len, &off, " (the two sides' lists do not overlap)");
		break;
	}
	case KX_V_INCOMPLETE:
		/* Nothing to judge: the reason says why, in full. */
		if (v->close.cause == KX_CAUSE_NOT_SSH)
			put(buf, len, &off, "not SSH: another protocol on this "
			    "port (the client's first line: \"%s\")",
			    kx_conn_ssh(c, KX_CLIENT)->prebanner_first);
		else if (v->close.cause == KX_CAUSE_ONE_SIDED)
			put(buf, len, &off, "not judged: a one-sided capture "
			    "(one direction missing, in whole or in part)");
		else
			put(buf, len, &off, "not judged: %s", v->reason);
		break;
	default:
		if (kx_verdict_forged(v))
			put(buf, len, &off, "forged reset: a firewall, IPS or "
			    "attacker ended it, claiming to be the %s",
			    c->closed_by >= 0 ? kx_side_names[c->closed_by & 1] : "peer");
		else
			cause_words(c, v, buf, len, &off);
		break;
	}
}
