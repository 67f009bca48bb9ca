/* advice: for a failed negotiation, the smallest fix on either side with
 * its security cost, and the configuration lines and commands that apply
 * it; also the line each OpenSSH peer logs for the failure. What is known
 * of algorithms and software versions comes from algtab.c. */
#include <stdio.h>
#include <string.h>

#include "kexray/analyze/advice.h"

const char *const kx_fix_action_names[KX_FIX_MAX] = {
	[KX_FIX_NONE] = "none",
	[KX_FIX_CONFIGURE] = "configure",
	[KX_FIX_CONFIGURE_OR_UPGRADE] = "configure_or_upgrade",
	[KX_FIX_UPGRADE] = "upgrade",
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
			    !kx_namelist_has(&from_k->list[kx_cat_proposal[cat]], name, len))
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
	f->directive = kx_algcat_directives[ac];
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

/* The fixes per directive (a->advice). */
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


void
kx_advise(const struct kx_kexinit *ck, const struct kx_kexinit *sk,
    const struct kx_nego *n, struct kx_assessment *a)
{
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

/* The lines: what to put in a configuration file or run, and what each
 * OpenSSH peer logs. */

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

/* A directive's value: "+name" where the version takes it, else the whole
 * list; the one word for compression. */
static void
put_value(struct out *o, const struct kx_fix *f, bool comp)
{
	if (comp)
		puts_(o, comp_value(f));
	else if (f->plus_syntax) {
		put(o, "+", 1);
		put(o, f->alg.p, f->alg.len);
	} else
		put_full_list(o, f);
}

/* NUL-terminates what fits; returns the full length. */
static size_t
finish(struct out *o)
{
	if (o->off < o->len)
		o->buf[o->off] = '\0';
	else if (o->len > 0)
		o->buf[o->len - 1] = '\0';
	return o->off;
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
		put_value(&o, f, comp);
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
		put_value(&o, f, comp);
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
	return finish(&o);
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
	return finish(&o);
}
