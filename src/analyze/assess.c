/* assess: security verdicts per connection (issue "Security verdicts").
 * Everything it knows about algorithms and software comes from algtab.c;
 * this file only combines those facts with the connection's own. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "kexray/analyze/assess.h"

const char *const kx_pq_verdict_names[KX_PQ_MAX] = {
	[KX_PQ_UNKNOWN] = "unknown",
	[KX_PQ_YES] = "yes",
	[KX_PQ_PREFERENCE] = "preference",
	[KX_PQ_UPGRADE] = "upgrade",
};

const char *const kx_fix_action_names[KX_FIX_MAX] = {
	[KX_FIX_NONE] = "none",
	[KX_FIX_CONFIGURE] = "configure",
	[KX_FIX_CONFIGURE_OR_UPGRADE] = "configure_or_upgrade",
	[KX_FIX_UPGRADE] = "upgrade",
};

/* The OpenSSH option each category is set with, in sshd_config and
 * ssh_config alike (sshd_config(5), ssh_config(5)). */
static const char *const directive[KX_AC_MAX] = {
	[KX_AC_KEX] = "KexAlgorithms",
	[KX_AC_HOSTKEY] = "HostKeyAlgorithms",
	[KX_AC_CIPHER] = "Ciphers",
	[KX_AC_MAC] = "MACs",
	[KX_AC_COMP] = "Compression",
};

/* OpenSSH 7.0 release notes: "Options may now be prefixed with a '+' to
 * append to the default" (Ciphers, MACs, KexAlgorithms, HostKeyAlgorithms). */
#define PLUS_SYNTAX_SINCE "7.0"

/* The ssh client's own check order (kex.c kex_choose_conf: kex, host key,
 * then mode 0, which for a client is server-to-client, then client-to-
 * server); sshd's is the kx_cat order itself. */
static const enum kx_cat client_order[KX_CAT_MAX] = {
	KX_CAT_KEX, KX_CAT_HOSTKEY, KX_CAT_CIPHER_S2C, KX_CAT_MAC_S2C,
	KX_CAT_COMP_S2C, KX_CAT_CIPHER_C2S, KX_CAT_MAC_C2S, KX_CAT_COMP_C2S,
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
list_has(const struct kx_namelist *nl, const uint8_t *name, uint32_t len)
{
	uint32_t off = 0, l;
	const uint8_t *n;

	while (kx_namelist_next(nl, &off, &n, &l))
		if (l == len && memcmp(n, name, len) == 0)
			return true;
	return false;
}

static bool
list_has_lit(const struct kx_namelist *nl, const char *lit)
{
	return list_has(nl, (const uint8_t *)lit, (uint32_t)strlen(lit));
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
			    list_has(&k->list[offered[i - 1]], name, len)))
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

/* ----------------------------------------------------------------- HASSH */

/* HASSH (salesforce/hassh): kex;encryption;mac;compression, the lists as
 * sent, client-to-server for the client, server-to-client for the server. */
static const enum kx_proposal hassh_props[2][4] = {
	{ KX_PROP_KEX, KX_PROP_ENC_C2S, KX_PROP_MAC_C2S, KX_PROP_COMP_C2S },
	{ KX_PROP_KEX, KX_PROP_ENC_S2C, KX_PROP_MAC_S2C, KX_PROP_COMP_S2C },
};

size_t
kx_hassh_algorithms(const struct kx_kexinit *k, bool server, uint8_t *buf,
    size_t len)
{
	size_t off = 0;

	for (int i = 0; i < 4; i++) {
		const struct kx_namelist *nl = &k->list[hassh_props[server][i]];

		if (i > 0) {
			if (off < len)
				buf[off] = ';';
			off++;
		}
		if (off < len)
			memcpy(buf + off, nl->p, nl->len < len - off ? nl->len : len - off);
		off += nl->len;
	}
	return off;
}

/* MD5 (hassh's choice) through libcrypto, fed list by list. */
static bool
hassh(const struct kx_kexinit *k, bool server, char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	bool ok = true;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return false;
	ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1;
	for (int i = 0; i < 4 && ok; i++) {
		const struct kx_namelist *nl = &k->list[hassh_props[server][i]];

		if (i > 0)
			ok = EVP_DigestUpdate(ctx, ";", 1) == 1;
		if (ok && nl->len > 0)
			ok = EVP_DigestUpdate(ctx, nl->p, nl->len) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 16;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return false;
	for (unsigned i = 0; i < 16; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[32] = '\0';
	return true;
}

/* The kexinit record's id (docs/output-format.md): SHA-256 over the role
 * ('c' or 's'), each of the ten lists as a 4-byte big-endian length and
 * its bytes, as sent, and the first_kex_packet_follows byte; the first 8
 * bytes in hex. The content alone decides it: the same offer has the same
 * id in every run and on every sensor. */
bool
kx_kexinit_id(const struct kx_kexinit *k, int role, char out[KX_KEXINIT_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	uint8_t b[4];
	EVP_MD_CTX *ctx;
	bool ok;

	if (k == NULL || (ctx = EVP_MD_CTX_new()) == NULL)
		return false;
	b[0] = role == KX_SERVER ? 's' : 'c';
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, b, 1) == 1;
	for (int i = 0; i < KX_PROP_MAX && ok; i++) {
		const struct kx_namelist *nl = &k->list[i];

		b[0] = (uint8_t)(nl->len >> 24);
		b[1] = (uint8_t)(nl->len >> 16);
		b[2] = (uint8_t)(nl->len >> 8);
		b[3] = (uint8_t)nl->len;
		ok = EVP_DigestUpdate(ctx, b, 4) == 1 &&
		    (nl->len == 0 || EVP_DigestUpdate(ctx, nl->p, nl->len) == 1);
	}
	b[0] = k->first_kex_follows ? 1 : 0;
	ok = ok && EVP_DigestUpdate(ctx, b, 1) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return false;
	for (unsigned i = 0; i < KX_KEXINIT_ID_LEN / 2; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[KX_KEXINIT_ID_LEN] = '\0';
	return true;
}

/* ---------------------------------------------------------------- advice */

static bool
is_openssh(const struct kx_sw *s)
{
	return s->have && s->sw.row != NULL &&
	    (s->sw.row->product == KX_PROD_OPENSSH ||
	    s->sw.row->product == KX_PROD_OPENSSH_WIN);
}

/* An OpenSSH release number was parsed from the banner. */
static bool
has_version(const struct kx_sw *s)
{
	return s->sw.version_len > 0 && s->sw.version[0] >= '0' &&
	    s->sw.version[0] <= '9';
}

static int
ver_cmp(const struct kx_sw *s, const char *v)
{
	return kx_version_cmp(s->sw.version, s->sw.version_len, v, strlen(v));
}

/* Whether side software s can offer row at all: only judged for OpenSSH
 * with a version; anything else might. */
static bool
supports(const struct kx_sw *s, const struct kx_algtab_row *r)
{
	if (!is_openssh(s))
		return true;
	if (r->flags & KX_ALGF_NO_OPENSSH)
		return false;
	if (!has_version(s))
		return true;
	if (r->since != NULL && ver_cmp(s, r->since) < 0)
		return false;
	if (r->gone_in != NULL && ver_cmp(s, r->gone_in) >= 0)
		return false;
	return true;
}

/* A candidate algorithm for the side that adds it. Certificates (they need
 * a CA, not a line), markers, GSS-API methods and names kexray does not
 * know are never proposed; a server host key must be one ssh-keygen makes. */
static bool
candidate_ok(const struct kx_algtab_row *r, int adder)
{
	if (r == NULL || (r->flags & (KX_ALGF_CERT | KX_ALGF_MARKER | KX_ALGF_PREFIX)))
		return false;
	if (r->cat == KX_AC_HOSTKEY && adder == KX_SERVER &&
	    (r->keytype == NULL || strchr(r->keytype, '-') != NULL ||
	    strcmp(r->keytype, "ed448") == 0))
		return false;
	return true;
}

/* Picks what `adder` should enable: a name from `from` (the other side's
 * list, in its order) that is on the other side's lists for every failing
 * category of this directive, best rated first, then one the adder can
 * run, then the other side's order. */
static void
choose_fix(const struct kx_kexinit *from_k, uint32_t failing,
    enum kx_algcat ac, int adder, const struct kx_sw *adder_sw,
    struct kx_fix *f)
{
	const struct kx_namelist *from = NULL;
	enum kx_rating best_rate = KX_RATE_UNKNOWN;
	bool best_sup = false, have = false;
	uint32_t off = 0, len;
	const uint8_t *name;

	for (int cat = 0; cat < KX_CAT_MAX; cat++)
		if ((failing & (1u << cat)) && from == NULL)
			from = &from_k->list[kx_cat_proposal[cat]];
	if (from == NULL)
		return;
	while (kx_namelist_next(from, &off, &name, &len)) {
		const struct kx_algtab_row *r = kx_algtab_find(ac, name, len);
		bool everywhere = true, sup;

		if (len == 0 || !candidate_ok(r, adder))
			continue;
		for (int cat = 0; cat < KX_CAT_MAX; cat++)
			if ((failing & (1u << cat)) &&
			    !list_has(&from_k->list[kx_cat_proposal[cat]], name, len))
				everywhere = false;
		if (!everywhere)
			continue;
		sup = supports(adder_sw, r);
		if (have && (sup < best_sup ||
		    (sup == best_sup && r->rating >= best_rate)))
			continue;
		have = true;
		best_sup = sup;
		best_rate = (enum kx_rating)r->rating;
		f->alg.p = name;
		f->alg.len = len;
		f->row = r;
	}
	if (!have)
		return;
	f->side = adder;
	f->directive = directive[ac];
	f->openssh = is_openssh(adder_sw);
	f->plus_syntax = !f->openssh || !has_version(adder_sw) ||
	    ver_cmp(adder_sw, PLUS_SYNTAX_SINCE) >= 0;
	f->configure = adder_sw->have && adder_sw->sw.row != NULL ?
	    adder_sw->sw.row->configure : NULL;
	if (!best_sup)
		f->action = KX_FIX_UPGRADE;
	else if (f->openssh)
		f->action = KX_FIX_CONFIGURE;
	else
		f->action = KX_FIX_CONFIGURE_OR_UPGRADE;
}

/* A server host key algorithm needs a key of its type: if the server
 * offers no algorithm of that key type it has no such key (sshd offers
 * what its keys can sign with), and if the algorithm is off by default in
 * its version it needs HostKeyAlgorithms too (an option since 7.0). */
static void
hostkey_needs(const struct kx_kexinit *sk, const struct kx_sw *sw,
    struct kx_fix *f)
{
	uint32_t off = 0, len;
	const uint8_t *name;
	bool have_type = false;

	while (kx_namelist_next(&sk->list[KX_PROP_HOSTKEY], &off, &name, &len)) {
		const struct kx_algtab_row *r = kx_algtab_find(KX_AC_HOSTKEY, name, len);

		if (r != NULL && r->keytype != NULL && !(r->flags & KX_ALGF_CERT) &&
		    strcmp(r->keytype, f->row->keytype) == 0)
			have_type = true;
	}
	f->need_hostkey_file = !have_type;
	if (have_type)
		f->need_hostkey_alg = true;
	else
		f->need_hostkey_alg = f->row->off_in != NULL &&
		    (!has_version(sw) || ver_cmp(sw, f->row->off_in) >= 0);
	if (f->need_hostkey_alg && f->openssh && has_version(sw) &&
	    ver_cmp(sw, PLUS_SYNTAX_SINCE) < 0)
		f->need_hostkey_alg = false;   /* no such option before 7.0 */
}

/* The first category in a mask (sshd's check order). */
static int
first_cat(uint32_t mask)
{
	for (int cat = 0; cat < KX_CAT_MAX; cat++)
		if (mask & (1u << cat))
			return cat;
	return 0;
}

static bool
fix_possible(const struct kx_fix *f)
{
	return f->action == KX_FIX_CONFIGURE ||
	    f->action == KX_FIX_CONFIGURE_OR_UPGRADE;
}

static void
advise(const struct kx_kexinit *ck, const struct kx_kexinit *sk,
    const struct kx_nego *n, struct kx_assessment *a)
{
	for (int ac = 0; ac < KX_AC_MAX; ac++) {
		struct kx_advice *ad;
		uint32_t failing = 0;
		const struct kx_fix *s, *c;
		bool sp, cp;

		for (int cat = 0; cat < KX_CAT_MAX; cat++)
			if ((n->mismatch_mask & (1u << cat)) &&
			    kx_cat_algcat((enum kx_cat)cat) == (enum kx_algcat)ac)
				failing |= 1u << cat;
		if (failing == 0)
			continue;
		ad = &a->advice[a->nadvice++];
		memset(ad, 0, sizeof(*ad));
		ad->cat = (uint8_t)ac;
		ad->preferred = -1;
		ad->upgrade_side = -1;
		choose_fix(ck, failing, (enum kx_algcat)ac, KX_SERVER,
		    &a->software[KX_SERVER], &ad->server_fix);
		ad->server_fix.base = &sk->list[kx_cat_proposal[first_cat(failing)]];
		choose_fix(sk, failing, (enum kx_algcat)ac, KX_CLIENT,
		    &a->software[KX_CLIENT], &ad->client_fix);
		ad->client_fix.base = &ck->list[kx_cat_proposal[first_cat(failing)]];
		if (ac == KX_AC_HOSTKEY && ad->server_fix.action != KX_FIX_NONE)
			hostkey_needs(sk, &a->software[KX_SERVER], &ad->server_fix);

		s = &ad->server_fix;
		c = &ad->client_fix;
		sp = fix_possible(s);
		cp = fix_possible(c);
		if (sp && cp) {
			/* The better rating wins; then a fix known to work
			 * (OpenSSH lines) and small (one option rather than a
			 * new host key); then the server, which one admin
			 * controls. */
			if (c->row->rating < s->row->rating ||
			    (c->row->rating == s->row->rating &&
			    c->action == KX_FIX_CONFIGURE &&
			    (s->action != KX_FIX_CONFIGURE || s->need_hostkey_file)))
				ad->preferred = KX_CLIENT;
			else
				ad->preferred = KX_SERVER;
		} else if (sp) {
			ad->preferred = KX_SERVER;
		} else if (cp) {
			ad->preferred = KX_CLIENT;
		}
		/* Every fix that would work is rated fail, or none works:
		 * the side offering only such algorithms must be upgraded. */
		if (ad->preferred >= 0) {
			const struct kx_fix *p = ad->preferred == KX_SERVER ? s : c;

			if (p->row->rating == KX_RATE_FAIL)
				ad->upgrade_side = !ad->preferred;
		} else if (s->action == KX_FIX_UPGRADE || c->action == KX_FIX_UPGRADE) {
			ad->upgrade_side = s->action == KX_FIX_UPGRADE ? KX_SERVER : KX_CLIENT;
		}
	}
}

/* ------------------------------------------------------------- lines */

/* A bounded appender: counts every byte, stores what fits. */
struct out {
	char *buf;
	size_t len, off;
};

static void
put(struct out *o, const void *p, size_t n)
{
	if (o->off < o->len) {
		size_t k = n < o->len - o->off ? n : o->len - o->off;

		memcpy(o->buf + o->off, p, k);
	}
	o->off += n;
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* The list without markers and empty names (sshd adds its markers itself
 * and rejects them in its configuration), then the new name. */
static void
put_full_list(struct out *o, const struct kx_fix *f)
{
	uint32_t off = 0, len;
	const uint8_t *name;
	bool first = true;

	while (f->base != NULL && kx_namelist_next(f->base, &off, &name, &len)) {
		const struct kx_algtab_row *r = kx_algtab_find(KX_AC_KEX, name, len);

		if (len == 0 || (r != NULL && (r->flags & KX_ALGF_MARKER) &&
		    f->row->cat == KX_AC_KEX))
			continue;
		if (!first)
			put(o, ",", 1);
		put(o, name, len);
		first = false;
	}
	if (!first)
		put(o, ",", 1);
	put(o, f->alg.p, f->alg.len);
}

/* Compression is yes/no in OpenSSH, not a list (sshd_config(5)). */
static const char *
comp_value(const struct kx_fix *f)
{
	return f->alg.len == 4 && memcmp(f->alg.p, "none", 4) == 0 ? "no" : "yes";
}

static const char *
hostkey_file_type(const struct kx_fix *f)
{
	return f->row->keytype;
}

static void
put_hostkey_path(struct out *o, const struct kx_fix *f)
{
	puts_(o, "/etc/ssh/ssh_host_");
	puts_(o, hostkey_file_type(f));
	puts_(o, "_key");
}

size_t
kx_fix_line(const struct kx_fix *f, enum kx_fix_line which, char *buf,
    size_t len)
{
	struct out o = { buf, len, 0 };
	bool comp, hk_server;

	if (f->action == KX_FIX_NONE || !f->openssh || f->row == NULL)
		return 0;
	comp = f->row->cat == KX_AC_COMP;
	hk_server = f->row->cat == KX_AC_HOSTKEY && f->side == KX_SERVER;
	switch (which) {
	case KX_LINE_CONFIG:
		if (hk_server && !f->need_hostkey_alg)
			return 0;
		puts_(&o, f->directive);
		put(&o, " ", 1);
		if (comp)
			puts_(&o, comp_value(f));
		else if (f->plus_syntax) {
			put(&o, "+", 1);
			put(&o, f->alg.p, f->alg.len);
		} else
			put_full_list(&o, f);
		break;
	case KX_LINE_FULL:
		if (comp || (hk_server && !f->need_hostkey_alg))
			return 0;
		puts_(&o, f->directive);
		put(&o, " ", 1);
		put_full_list(&o, f);
		break;
	case KX_LINE_OPTION:
		if (f->side != KX_CLIENT)
			return 0;
		puts_(&o, "-o");
		puts_(&o, f->directive);
		put(&o, "=", 1);
		if (comp)
			puts_(&o, comp_value(f));
		else if (f->plus_syntax) {
			put(&o, "+", 1);
			put(&o, f->alg.p, f->alg.len);
		} else
			put_full_list(&o, f);
		break;
	case KX_LINE_HOSTKEY:
		if (!hk_server || !f->need_hostkey_file)
			return 0;
		puts_(&o, "HostKey ");
		put_hostkey_path(&o, f);
		break;
	case KX_LINE_COMMAND:
		if (!hk_server || !f->need_hostkey_file)
			return 0;
		puts_(&o, "ssh-keygen -t ");
		puts_(&o, hostkey_file_type(f));
		/* ssh-keygen(1) -b picks the ECDSA curve. */
		if (strcmp(f->row->name, "ecdsa-sha2-nistp384") == 0)
			puts_(&o, " -b 384");
		else if (strcmp(f->row->name, "ecdsa-sha2-nistp521") == 0)
			puts_(&o, " -b 521");
		puts_(&o, " -f ");
		put_hostkey_path(&o, f);
		puts_(&o, " -N ''");
		break;
	default:
		return 0;
	}
	if (o.off < len)
		buf[o.off] = '\0';
	else if (len > 0)
		buf[len - 1] = '\0';
	return o.off;
}

size_t
kx_would_log_line(const struct kx_conn *c, const struct kx_assessment *a,
    int side, const char *peer_addr, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };
	const struct kx_kexinit *peer;
	int cat, peer_side = !side;
	char port[16];
	const struct kx_namelist *nl;

	if (!a->would_log.have)
		return 0;
	cat = side == KX_SERVER ? a->would_log.server_cat : a->would_log.client_cat;
	peer = kx_conn_ssh(c, peer_side)->kexinit;
	if (cat < 0 || peer == NULL)
		return 0;
	nl = &peer->list[kx_cat_proposal[cat]];
	snprintf(port, sizeof(port), "%u", c->ep[peer_side].port);
	puts_(&o, "Unable to negotiate with ");
	puts_(&o, peer_addr);
	puts_(&o, " port ");
	puts_(&o, port);
	puts_(&o, ": ");
	puts_(&o, kx_nego_failure_text((enum kx_cat)cat));
	puts_(&o, ". Their offer: ");
	put(&o, nl->p, nl->len);
	/* sshd's pre-authentication child tags its log lines. */
	if (side == KX_SERVER)
		puts_(&o, " [preauth]");
	if (o.off < len)
		buf[o.off] = '\0';
	else if (len > 0)
		buf[len - 1] = '\0';
	return o.off;
}

/* ---------------------------------------------------------------- main */

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
			a->have_hassh[side] = hassh(k, side == KX_SERVER,
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
	if (a->negotiated && n->mismatch_mask != 0) {
		advise(ck, sk, n, a);
		a->would_log.have = true;
		a->would_log.server_cat = n->first_failure;
		a->would_log.client_cat = -1;
		for (int i = 0; i < KX_CAT_MAX; i++) {
			if (n->mismatch_mask & (1u << client_order[i])) {
				a->would_log.client_cat = client_order[i];
				break;
			}
		}
	}
}
