/* assess: security verdicts per connection. Everything it knows about
 * algorithms and software comes from algtab.c; this file combines those
 * facts with the connection's own: ratings of what was negotiated and of
 * what each side offers, Terrapin, post-quantum readiness, the host key.
 * The KEXINIT fingerprints are hassh.c's, the fixes advice.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kexray/analyze/advice.h"
#include "kexray/analyze/assess.h"
#include "kexray/analyze/hassh.h"

const char *const kx_pq_verdict_names[KX_PQ_MAX] = {
	[KX_PQ_UNKNOWN] = "unknown",
	[KX_PQ_YES] = "yes",
	[KX_PQ_PREFERENCE] = "preference",
	[KX_PQ_UPGRADE] = "upgrade",
};

enum kx_algcat
kx_cat_algcat(enum kx_cat cat)
{
	switch (cat) {
	case KX_CAT_KEX:		return KX_AC_KEX;
	case KX_CAT_HOSTKEY:		return KX_AC_HOSTKEY;
	case KX_CAT_CIPHER_C2S:
	case KX_CAT_CIPHER_S2C:		return KX_AC_CIPHER;
	case KX_CAT_MAC_C2S:
	case KX_CAT_MAC_S2C:		return KX_AC_MAC;
	default:			return KX_AC_COMP;
	}
}

static bool
list_has_lit(const struct kx_namelist *nl, const char *lit)
{
	return kx_namelist_has(nl, (const uint8_t *)lit, (uint32_t)strlen(lit));
}

/* ------------------------------------------------------------ weak lists */

static bool
weak_kept(const struct kx_weak_list *wl, enum kx_algcat cat, const uint8_t *p,
    uint32_t len)
{
	for (uint32_t i = 0; i < wl->n; i++)
		if (wl->w[i].cat == cat && wl->w[i].name.len == len &&
		    memcmp(wl->w[i].name.p, p, len) == 0)
			return true;
	return false;
}

static void
weak_add(struct kx_weak_list *wl, enum kx_algcat cat, const uint8_t *p,
    uint32_t len, const struct kx_algtab_row *row)
{
	if (weak_kept(wl, cat, p, len))
		return;
	if (wl->total < UINT32_MAX)
		wl->total++;
	if (wl->n < KX_WEAK_MAX) {
		wl->w[wl->n].cat = (uint8_t)cat;
		wl->w[wl->n].name.p = p;
		wl->w[wl->n].name.len = len;
		wl->w[wl->n].row = row;
		wl->n++;
	}
}

/* Lists a side offers (its two directions are one set per category). */
static const enum kx_proposal offered[] = {
	KX_PROP_KEX, KX_PROP_HOSTKEY, KX_PROP_ENC_C2S, KX_PROP_ENC_S2C,
	KX_PROP_MAC_C2S, KX_PROP_MAC_S2C, KX_PROP_COMP_C2S, KX_PROP_COMP_S2C,
};
static const enum kx_algcat offered_cat[] = {
	KX_AC_KEX, KX_AC_HOSTKEY, KX_AC_CIPHER, KX_AC_CIPHER,
	KX_AC_MAC, KX_AC_MAC, KX_AC_COMP, KX_AC_COMP,
};

static void
find_weak(const struct kx_kexinit *k, struct kx_weak_list *wl)
{
	wl->have = k != NULL;
	if (k == NULL)
		return;
	for (size_t i = 0; i < sizeof(offered) / sizeof(offered[0]); i++) {
		const struct kx_namelist *nl = &k->list[offered[i]];
		uint32_t off = 0, len;
		const uint8_t *name;

		while (kx_namelist_next(nl, &off, &name, &len)) {
			const struct kx_algtab_row *r =
			    kx_algtab_find(offered_cat[i], name, len);

			if (r == NULL || (r->rating != KX_RATE_WARN &&
			    r->rating != KX_RATE_FAIL))
				continue;
			/* A name in both directions counts once: the
			 * server-to-client list (odd index after the first
			 * two) only adds what its twin lacks. The kept list
			 * is asked first, so repeats cost no list scan. */
			if (i >= 2 && i % 2 == 1 &&
			    (weak_kept(wl, offered_cat[i], name, len) ||
			    kx_namelist_has(&k->list[offered[i - 1]], name, len)))
				continue;
			weak_add(wl, offered_cat[i], name, len, r);
		}
	}
}

/* -------------------------------------------------------------- Terrapin */

static void
name_text(char *buf, size_t len, const struct kx_alg *a)
{
	snprintf(buf, len, "%.*s", (int)a->len, (const char *)a->p);
}

static void
judge_terrapin(const struct kx_kexinit *ck, const struct kx_kexinit *sk,
    const struct kx_nego *n, struct kx_terrapin *t)
{
	static const enum kx_cat ciph[2] = { KX_CAT_CIPHER_C2S, KX_CAT_CIPHER_S2C };
	static const enum kx_cat macs[2] = { KX_CAT_MAC_C2S, KX_CAT_MAC_S2C };
	const char *who;
	char what[200] = "";

	if (ck == NULL || sk == NULL)
		return;
	t->known = true;
	t->strict_client = list_has_lit(&ck->list[KX_PROP_KEX],
	    "kex-strict-c-v00@openssh.com");
	t->strict_server = list_has_lit(&sk->list[KX_PROP_KEX],
	    "kex-strict-s-v00@openssh.com");
	who = t->strict_client && t->strict_server ? "both sides do" :
	    t->strict_client ? "only the client does" :
	    t->strict_server ? "only the server does" : "neither side does";
	if (n->mismatch_mask != 0) {
		snprintf(t->reason, sizeof(t->reason),
		    "not exposed: negotiation failed, no session to attack; %s "
		    "strict key exchange", who);
		return;
	}
	for (int d = 0; d < 2 && what[0] == '\0'; d++) {
		const struct kx_algtab_row *c, *m;
		char cn[64], mn[64];

		if (n->res[ciph[d]] != KX_NEGO_AGREED)
			continue;
		c = kx_algtab_find(KX_AC_CIPHER, n->alg[ciph[d]].p,
		    n->alg[ciph[d]].len);
		if (c == NULL)
			continue;
		name_text(cn, sizeof(cn), &n->alg[ciph[d]]);
		if (c->flags & KX_ALGF_CHACHA) {
			snprintf(what, sizeof(what), "%s", cn);
		} else if ((c->flags & KX_ALGF_CBC) &&
		    n->res[macs[d]] == KX_NEGO_AGREED &&
		    (m = kx_algtab_find(KX_AC_MAC, n->alg[macs[d]].p,
		    n->alg[macs[d]].len)) != NULL && (m->flags & KX_ALGF_ETM)) {
			name_text(mn, sizeof(mn), &n->alg[macs[d]]);
			snprintf(what, sizeof(what), "%s (CBC) with %s (encrypt-then-MAC)",
			    cn, mn);
		}
	}
	if (what[0] == '\0') {
		snprintf(t->reason, sizeof(t->reason),
		    "not exposed: no ChaCha20-Poly1305 and no CBC cipher with an "
		    "encrypt-then-MAC MAC was negotiated; %s strict key exchange", who);
	} else if (t->strict_client && t->strict_server) {
		snprintf(t->reason, sizeof(t->reason),
		    "not exposed: %s negotiated, but both sides do strict key "
		    "exchange", what);
	} else {
		t->exposed = true;
		snprintf(t->reason, sizeof(t->reason),
		    "exposed: %s negotiated and %s strict key exchange "
		    "(CVE-2023-48795)", what, who);
	}
}

/* ---------------------------------------------------------- post-quantum */

/* More than the table's post-quantum rows: every distinct one fits. */
#define KX_PQ_NAMES_MAX 16

static bool
is_pq(const uint8_t *p, uint32_t len)
{
	const struct kx_algtab_row *r = kx_algtab_find(KX_AC_KEX, p, len);

	return r != NULL && (r->flags & KX_ALGF_PQ);
}

static bool
offers_pq(const struct kx_namelist *nl)
{
	uint32_t off = 0, len;
	const uint8_t *name;

	while (kx_namelist_next(nl, &off, &name, &len))
		if (is_pq(name, len))
			return true;
	return false;
}

static void
judge_pq(const struct kx_kexinit *ck, const struct kx_kexinit *sk,
    const struct kx_nego *n, struct kx_pq *pq)
{
	const struct kx_namelist *cl, *sl;
	struct kx_name spq[KX_PQ_NAMES_MAX];
	uint32_t off = 0, len, nspq = 0;
	const uint8_t *name;
	char kex[80] = "no key exchange method";

	if (ck == NULL || sk == NULL)
		return;
	cl = &ck->list[KX_PROP_KEX];
	sl = &sk->list[KX_PROP_KEX];
	pq->client_has = offers_pq(cl);
	pq->server_has = offers_pq(sl);
	if (n->res[KX_CAT_KEX] == KX_NEGO_AGREED) {
		name_text(kex, sizeof(kex), &n->alg[KX_CAT_KEX]);
		if (is_pq(n->alg[KX_CAT_KEX].p, n->alg[KX_CAT_KEX].len)) {
			pq->verdict = KX_PQ_YES;
			snprintf(pq->reason, sizeof(pq->reason),
			    "%s is a hybrid post-quantum key exchange", kex);
			return;
		}
	}
	/* The server's post-quantum names, distinct: only table rows are
	 * post-quantum, so a few; the client's list is then walked once. */
	while (kx_namelist_next(sl, &off, &name, &len) && nspq < KX_PQ_NAMES_MAX) {
		bool seen = false;

		if (!is_pq(name, len))
			continue;
		for (uint32_t i = 0; i < nspq; i++)
			if (spq[i].len == len && memcmp(spq[i].p, name, len) == 0)
				seen = true;
		if (!seen) {
			spq[nspq].p = name;
			spq[nspq++].len = len;
		}
	}
	off = 0;
	while (kx_namelist_next(cl, &off, &name, &len)) {
		bool common = false;

		if (!is_pq(name, len))
			continue;
		for (uint32_t i = 0; i < nspq; i++)
			if (spq[i].len == len && memcmp(spq[i].p, name, len) == 0)
				common = true;
		if (common) {
			pq->verdict = KX_PQ_PREFERENCE;
			pq->common.p = name;
			pq->common.len = len;
			snprintf(pq->reason, sizeof(pq->reason),
			    "%s is not post-quantum, though both sides offer %.*s: "
			    "the client lists %s first (a preference problem)",
			    kex, (int)len, (const char *)name, kex);
			return;
		}
	}
	pq->verdict = KX_PQ_UPGRADE;
	snprintf(pq->reason, sizeof(pq->reason),
	    "%s%s; no post-quantum method in common: %s (an upgrade problem)",
	    kex, n->res[KX_CAT_KEX] == KX_NEGO_AGREED ?
	    " is not post-quantum" : " agreed",
	    !pq->client_has && !pq->server_has ? "neither side offers one" :
	    !pq->client_has ? "the client offers none" :
	    !pq->server_has ? "the server offers none" :
	    "each offers one the other does not");
}

/* The last host keys read, by their blob: a server's key is the same on
 * every connection to it, and its fingerprint (a SHA-256 and a base64) is
 * the costliest part of a known pair's analysis. A hit is a byte-for-byte
 * match. Bounded: KX_HK_CACHE slots, blobs up to KX_HK_CACHE_BLOB bytes
 * (an RSA-4096 key is 535; larger ones are read every time). */
#define KX_HK_CACHE 256u
#define KX_HK_CACHE_BLOB 1024u

struct hk_slot {
	uint32_t len;                 /* 0: empty */
	uint8_t blob[KX_HK_CACHE_BLOB];
	struct kx_hostkey hk;
};

/* KX_HK_CACHE slots, made on first use; one cache per thread (workers.h). */
static _Thread_local struct hk_slot *hk_cache;

void
kx_assess_cache_free(void)
{
	free(hk_cache);
	hk_cache = NULL;
}

static void
hostkey_read(const uint8_t *blob, uint32_t len, struct kx_hostkey *hk)
{
	struct hk_slot *sl = NULL;

	if (len <= KX_HK_CACHE_BLOB && (hk_cache != NULL ||
	    (hk_cache = calloc(KX_HK_CACHE, sizeof(*hk_cache))) != NULL)) {
		sl = &hk_cache[kx_hash_bytes(0, blob, len) % KX_HK_CACHE];
		if (sl->len == len && memcmp(sl->blob, blob, len) == 0) {
			*hk = sl->hk;
			return;
		}
	}
	if (kx_hostkey_from_blob(blob, len, hk) != KX_OK) {
		memset(hk, 0, sizeof(*hk));
		return;
	}
	if (sl != NULL) {
		memcpy(sl->blob, blob, len);
		sl->len = len;
		sl->hk = *hk;
	}
}

void
kx_assess_hostkey(const struct kx_conn *c, struct kx_assessment *a)
{
	const struct kx_ssh_side *ss = kx_conn_ssh(c, KX_SERVER);

	memset(&a->hostkey, 0, sizeof(a->hostkey));
	if (ss->hostkey != NULL)
		hostkey_read(ss->hostkey, ss->hostkey_len, &a->hostkey);
}

void
kx_assess(const struct kx_conn *c, const struct kx_nego *n,
    struct kx_assessment *a)
{
	const struct kx_kexinit *ck = kx_conn_ssh(c, KX_CLIENT)->kexinit;
	const struct kx_kexinit *sk = kx_conn_ssh(c, KX_SERVER)->kexinit;

	memset(a, 0, sizeof(*a));
	a->negotiated = ck != NULL && sk != NULL;
	for (int side = 0; side < 2; side++) {
		const struct kx_ssh_side *s = kx_conn_ssh(c, side);
		const struct kx_kexinit *k = s->kexinit;

		/* 1.99 is an SSH-2 server that also speaks SSH-1 (RFC 4253
		 * 5.1): its software is read as any SSH-2 one's. */
		if (s->have_banner && (s->proto_major == 2 ||
		    (s->proto_major == 1 && s->proto_minor == 99))) {
			a->software[side].have = true;
			kx_software_parse(s->banner + s->soft_off, s->soft_len,
			    s->comments_len > 0 ? s->banner + s->comments_off : NULL,
			    s->comments_len, &a->software[side].sw);
		}
		find_weak(k, &a->weak[side]);
		if (k != NULL) {
			const struct kx_namelist *kl = &k->list[KX_PROP_KEX];

			a->marks[side].strict_kex = list_has_lit(kl,
			    side == KX_SERVER ? "kex-strict-s-v00@openssh.com" :
			    "kex-strict-c-v00@openssh.com");
			a->marks[side].ext_info = list_has_lit(kl,
			    side == KX_SERVER ? "ext-info-s" : "ext-info-c");
			a->marks[side].pq = offers_pq(kl);
			a->have_hassh[side] = kx_hassh(k, side == KX_SERVER,
			    a->hassh[side]);
			a->have_kexinit_id[side] = kx_kexinit_id(k, side,
			    a->kexinit_id[side]);
		}
	}
	for (int cat = 0; cat < KX_CAT_MAX; cat++)
		if (n->res[cat] == KX_NEGO_AGREED)
			a->rating[cat] = kx_algtab_find(kx_cat_algcat((enum kx_cat)cat),
			    n->alg[cat].p, n->alg[cat].len);
	judge_terrapin(ck, sk, n, &a->terrapin);
	judge_pq(ck, sk, n, &a->pq);
	kx_assess_hostkey(c, a);
	if (a->negotiated && n->mismatch_mask != 0)
		kx_advise(ck, sk, n, a);
}
