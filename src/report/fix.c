/* Fix lines for what is weak in a completed handshake (issue 19): for each
 * weak algorithm in use, the directive that removes it on either side and
 * what the two sides still agree on after; for Terrapin exposure, the
 * same for the algorithm that exposes it, and the upgrade that ends it.
 * Text only; names from the wire are escaped. */
#include <string.h>

#include "kexray/analyze/algtab.h"
#include "kexray/report/report.h"

/* The sshd_config / ssh_config keyword of each category; c2s and s2c are
 * one setting. OpenSSH 7.5 and later read a leading '-' as "remove".
 * Compression takes one value, not a list: no keyword. */
static const char *
cat_keyword(int cat)
{
	enum kx_algcat ac = kx_cat_algcat((enum kx_cat)cat);

	return ac == KX_AC_COMP ? NULL : kx_algcat_directives[ac];
}

static bool
in_list(const struct kx_namelist *nl, const uint8_t *name, size_t len)
{
	size_t i = 0;

	while (i < nl->len) {
		const uint8_t *p = nl->p + i;
		const uint8_t *comma = memchr(p, ',', nl->len - i);
		size_t n = comma != NULL ? (size_t)(comma - p) : nl->len - i;

		if (n == len && memcmp(p, name, len) == 0)
			return true;
		i += n + 1;
	}
	return false;
}

/* The first of the client's names the server also offers (RFC 4253 7.1),
 * leaving out skip and every name rated warn or fail: what the two would
 * agree on once the weak one is removed; avoid: KX_ALGF_* flags that
 * rule a name out too (the Terrapin fix must not move to another -etm
 * MAC). False when nothing is left. */
static bool
next_good(const struct kx_namelist *cl, const struct kx_namelist *sl,
    enum kx_cat cat, const struct kx_alg *skip, uint16_t avoid,
    struct kx_alg *out)
{
	size_t i = 0;

	while (i < cl->len) {
		const uint8_t *p = cl->p + i;
		const uint8_t *comma = memchr(p, ',', cl->len - i);
		size_t n = comma != NULL ? (size_t)(comma - p) : cl->len - i;
		const struct kx_algtab_row *r = kx_algtab_find(kx_cat_algcat(cat),
		    p, n);

		i += n + 1;
		if (n == 0 || (n == skip->len && memcmp(p, skip->p, n) == 0))
			continue;
		if (cat == KX_CAT_KEX && kx_kex_is_pseudo(p, (uint32_t)n))
			continue;
		if (r != NULL && (r->rating == KX_RATE_WARN ||
		    r->rating == KX_RATE_FAIL || (r->flags & avoid) != 0))
			continue;
		if (in_list(sl, p, n)) {
			out->p = p;
			out->len = (uint32_t)n;
			return true;
		}
	}
	return false;
}

static void
one_fix(FILE *out, const struct kx_conn *c, const struct kx_verdict *v,
    enum kx_cat cat, const char *why, uint16_t avoid, bool *first)
{
	const struct kx_kexinit *ck = kx_conn_ssh(c, KX_CLIENT)->kexinit;
	const struct kx_kexinit *sk = kx_conn_ssh(c, KX_SERVER)->kexinit;
	const struct kx_alg *a = &v->nego.alg[cat];
	enum kx_proposal prop = kx_cat_proposal[cat];
	struct kx_alg next;

	fprintf(out, "  %-11s", *first ? "fix" : "");
	*first = false;
	fprintf(out, "%s ", why);
	kx_text_escaped(out, a->p, a->len);
	fprintf(out, ": on the server add `%s -", cat_keyword(cat));
	kx_text_escaped(out, a->p, a->len);
	fprintf(out, "` to sshd_config, or on the client `-o%s=-", cat_keyword(cat));
	kx_text_escaped(out, a->p, a->len);
	fputs("`; ", out);
	if (ck != NULL && sk != NULL &&
	    next_good(&ck->list[prop], &sk->list[prop], cat, a, avoid,
	    &next)) {
		fputs("both still agree on ", out);
		kx_text_escaped(out, next.p, next.len);
		fputs(" after\n", out);
	} else {
		fputs("nothing sound is left in common: first add a sound one "
		    "to both sides\n", out);
	}
}

void
kx_report_weak_fix_text(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v)
{
	const struct kx_terrapin *t = &v->assess.terrapin;
	const struct kx_algtab_row *cr;
	bool first = true;

	if (v->kind != KX_V_OK && v->kind != KX_V_HOST_KEY_CHANGED)
		return;
	for (int cat = 0; cat < KX_CAT_MAX; cat++) {
		const struct kx_algtab_row *r = v->assess.rating[cat];

		/* c2s and s2c are one setting: once, from c2s, unless only
		 * s2c is weak. */
		if (v->nego.res[cat] != KX_NEGO_AGREED || r == NULL ||
		    cat_keyword(cat) == NULL ||
		    (r->rating != KX_RATE_WARN && r->rating != KX_RATE_FAIL))
			continue;
		if ((cat == KX_CAT_CIPHER_S2C || cat == KX_CAT_MAC_S2C) &&
		    v->nego.res[cat - 3] == KX_NEGO_AGREED &&
		    v->nego.alg[cat - 3].len == v->nego.alg[cat].len &&
		    memcmp(v->nego.alg[cat - 3].p, v->nego.alg[cat].p,
		    v->nego.alg[cat].len) == 0)
			continue;
		one_fix(out, c, v, (enum kx_cat)cat, "weak", 0, &first);
	}
	if (!t->exposed)
		return;
	fprintf(out, "  %-11sTerrapin: update %s to a release with strict key "
	    "exchange (OpenSSH 9.6, PuTTY 0.80 or later); until then:\n",
	    first ? "fix" : "", t->strict_client ? "the server" :
	    t->strict_server ? "the client" : "both sides");
	first = false;
	/* What assess.c found exposing: ChaCha20-Poly1305, or a CBC cipher
	 * with an encrypt-then-MAC MAC (remove the MAC: CBC with a plain
	 * MAC is not exposed). */
	cr = v->nego.res[KX_CAT_CIPHER_C2S] == KX_NEGO_AGREED ?
	    kx_algtab_find(KX_AC_CIPHER, v->nego.alg[KX_CAT_CIPHER_C2S].p,
	    v->nego.alg[KX_CAT_CIPHER_C2S].len) : NULL;
	if (cr != NULL && (cr->flags & KX_ALGF_CHACHA))
		one_fix(out, c, v, KX_CAT_CIPHER_C2S, "exposed by",
		    KX_ALGF_CHACHA, &first);
	else if (cr != NULL && (cr->flags & KX_ALGF_CBC) &&
	    v->nego.res[KX_CAT_MAC_C2S] == KX_NEGO_AGREED)
		one_fix(out, c, v, KX_CAT_MAC_C2S, "exposed by",
		    KX_ALGF_ETM, &first);
}
