/* sshlog: where the log states what OpenSSH negotiated ("kex:
 * algorithm: X", "kex: client->server cipher: ...") or which category
 * failed, kexray's negotiation of the logged proposals must agree;
 * a disagreement is the anomaly log.negotiation_disagrees. */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "words.h"

void
kx_sshlog_stated_alg(struct lconn *lc, enum kx_cat cat, const uint8_t *p,
    size_t n)
{
	struct stated *st = &lc->st;
	uint16_t bit = (uint16_t)(1u << cat);

	st->have |= bit;
	if (bytes_eq(p, n, "(no match)")) {
		st->nomatch |= bit;
	} else if (n > KX_SSHLOG_ALG_KEEP) {
		st->toolong |= bit;
	} else {
		memcpy(st->alg[cat], p, n);
		st->len[cat] = (uint8_t)n;
	}
}

/* "cipher_c2s: the log says X, kexray negotiates Y"; the first
 * disagreement is enough to point at it. */
static void
note_disagreement(struct lconn *lc, int cat, const char *logged, int llen,
    const char *ours, int olen)
{
	struct kx_logconn *in = &lc->info;
	int n;

	kx_anom_set(&lc->c.anomalies, KX_ANOM_LOG_NEGOTIATION_DISAGREES);
	if (in->disagree_len > 0)
		return;
	n = snprintf(in->disagree, sizeof(in->disagree),
	    "%s: the log says %.*s, kexray negotiates %.*s", kx_cat_names[cat],
	    llen, logged, olen, ours);
	in->disagree_len = (uint16_t)(n < 0 ? 0 :
	    (size_t)n >= sizeof(in->disagree) ? sizeof(in->disagree) - 1 :
	    (size_t)n);
}

/* Where the log states what OpenSSH negotiated (kex.c choose_kex,
 * choose_hostkeyalg, kex_choose_conf: "kex: algorithm: X", "kex:
 * client->server cipher: C MAC: M compression: Z") or which category
 * failed, kexray's negotiation of the logged proposals must agree. */
void
kx_sshlog_cross_check(struct lconn *lc)
{
	const struct kx_kexinit *ck = lc->hsl.hs.ssh[KX_CLIENT].kexinit;
	const struct kx_kexinit *sk = lc->hsl.hs.ssh[KX_SERVER].kexinit;
	const struct stated *st = &lc->st;
	struct kx_nego n;

	if (ck == NULL || sk == NULL || (st->have == 0 && st->failed == 0))
		return;
	kx_negotiate(ck, sk, &n);
	for (int cat = 0; cat < KX_CAT_MAX; cat++) {
		uint16_t bit = (uint16_t)(1u << cat);
		const char *ours = "no common algorithm";
		int ourlen = (int)strlen(ours);
		bool ok;

		if (!(st->have & bit) || (st->toolong & bit))
			continue;
		if (n.res[cat] == KX_NEGO_AGREED) {
			ours = (const char *)n.alg[cat].p;
			ourlen = (int)n.alg[cat].len;
		} else if (n.res[cat] == KX_NEGO_IMPLICIT) {
			ours = "<implicit>";
			ourlen = (int)strlen(ours);
		}
		if (st->nomatch & bit)
			ok = n.res[cat] == KX_NEGO_MISMATCH;
		else if (bytes_eq((const uint8_t *)st->alg[cat], st->len[cat],
		    "<implicit>"))
			ok = n.res[cat] == KX_NEGO_IMPLICIT;
		else
			ok = n.res[cat] == KX_NEGO_AGREED &&
			    n.alg[cat].len == st->len[cat] &&
			    memcmp(n.alg[cat].p, st->alg[cat], st->len[cat]) == 0;
		if (!ok) {
			const char *said = (st->nomatch & bit) ? "(no match)" :
			    st->alg[cat];

			note_disagreement(lc, cat, said, (st->nomatch & bit) ?
			    (int)strlen(said) : st->len[cat], ours, ourlen);
		}
	}
	if (st->failed != 0 && (st->failed & n.mismatch_mask) == 0) {
		/* The log says no common algorithm in a category where
		 * kexray agrees one. */
		int cat = 0;
		const char *said = "no common algorithm";

		while (cat < KX_CAT_MAX - 1 && !(st->failed & (1u << cat)))
			cat++;
		if (n.res[cat] == KX_NEGO_AGREED)
			note_disagreement(lc, cat, said, (int)strlen(said),
			    (const char *)n.alg[cat].p, (int)n.alg[cat].len);
		else
			note_disagreement(lc, cat, said, (int)strlen(said),
			    "<implicit>", 10);
	}
}
