/* Schema 2's lean records (docs/output-format.md): the "ssh" record that
 * names both KEXINITs by id, and the "kexinit" record that carries one
 * KEXINIT's lists, fingerprint, markers and weak offers, written once per
 * id (offers.h). Keys whose value is unset or an empty list are left out,
 * as Zeek's JSON logs leave out unset fields; booleans and zeros stay.
 * Formatting only: everything comes from the one analysis (analyze.h). */
#include <stdlib.h>
#include <string.h>

#include "kexray/report/report.h"
#include "kexray/report/auth.h"
#include "kexray/input/sshlog.h"

static const char *const *const side_word = kx_side_names;

static void
sb_cstr(struct kx_sb *out, const char *s)
{
	kx_sb_json(out, (const uint8_t *)s, strlen(s));
}

/* ,"key": with the comma; every member of a lean record after the first
 * is written this way. */
static void
key(struct kx_sb *out, const char *k)
{
	KX_SB_PUTS(out, ",\"");
	kx_sb_put(out, k);
	KX_SB_PUTS(out, "\":");
}

static void
sb_namelist(struct kx_sb *out, const struct kx_namelist *nl)
{
	uint32_t off = 0, len;
	const uint8_t *name;
	bool first = true;

	kx_sb_putc(out, '[');
	while (nl->len > 0 && kx_namelist_next(nl, &off, &name, &len)) {
		if (!first)
			kx_sb_putc(out, ',');
		first = false;
		kx_sb_json(out, name, len);
	}
	kx_sb_putc(out, ']');
}

/* The common head of both record kinds of a connection. */
static void
head(struct kx_sb *out, const char *type, const struct kx_conn *c)
{
	kx_sb_record_head(out, type, c, false);
	KX_SB_PUTS(out, ",\"source\":\"");
	kx_sb_put(out, kx_source_names[c->source < KX_SOURCE_MAX ? c->source :
	    KX_SOURCE_PCAP]);
	kx_sb_putc(out, '"');
	kx_sb_log(out, kx_conn_log(c), false);
	kx_sb_endpoints(out, c, false);
	if (c->vlan != 0)
		kx_sb_printf(out, ",\"vlan\":%u", c->vlan);
	if (c->tunnel != KX_TUN_NONE && c->tunnel < KX_TUN_MAX)
		kx_sb_printf(out, ",\"tunnel\":\"%s\"", kx_tunnel_names[c->tunnel]);
}

/* A negotiated algorithm, or nothing when none was agreed. */
static void
alg(struct kx_sb *out, const char *k, const struct kx_verdict *v, int cat)
{
	if (v->nego.res[cat] == KX_NEGO_AGREED) {
		key(out, k);
		kx_sb_json(out, v->nego.alg[cat].p, v->nego.alg[cat].len);
	} else if (v->nego.res[cat] == KX_NEGO_IMPLICIT) {
		key(out, k);
		KX_SB_PUTS(out, "\"<implicit>\"");
	}
}

static bool
same_alg(const struct kx_verdict *v, int a, int b)
{
	const struct kx_nego *n = &v->nego;

	if (n->res[a] != n->res[b])
		return false;
	if (n->res[a] != KX_NEGO_AGREED)
		return true;
	return n->alg[a].len == n->alg[b].len &&
	    memcmp(n->alg[a].p, n->alg[b].p, n->alg[a].len) == 0;
}

/* The negotiated algorithms as Zeek's ssh.log has them (the client-to-
 * server choice), and a server-to-client one only where it differs. */
static void
negotiated(struct kx_sb *out, const struct kx_verdict *v)
{
	static const struct { const char *k; int cat, c2s; } s2c[] = {
		{ "cipher_alg_s2c", KX_CAT_CIPHER_S2C, KX_CAT_CIPHER_C2S },
		{ "mac_alg_s2c", KX_CAT_MAC_S2C, KX_CAT_MAC_C2S },
		{ "compression_alg_s2c", KX_CAT_COMP_S2C, KX_CAT_COMP_C2S },
	};

	alg(out, "kex_alg", v, KX_CAT_KEX);
	alg(out, "host_key_alg", v, KX_CAT_HOSTKEY);
	alg(out, "cipher_alg", v, KX_CAT_CIPHER_C2S);
	alg(out, "mac_alg", v, KX_CAT_MAC_C2S);
	alg(out, "compression_alg", v, KX_CAT_COMP_C2S);
	for (size_t i = 0; i < sizeof(s2c) / sizeof(s2c[0]); i++)
		if (!same_alg(v, s2c[i].cat, s2c[i].c2s))
			alg(out, s2c[i].k, v, s2c[i].cat);
}

/* A failed negotiation: the failing categories, what sshd logs, and both
 * lists of each failing category, so the reader needs no join. */
static void
mismatch(struct kx_sb *out, const struct kx_conn *c, const struct kx_verdict *v)
{
	const struct kx_kexinit *k[2] = { kx_conn_ssh(c, KX_CLIENT)->kexinit,
	    kx_conn_ssh(c, KX_SERVER)->kexinit };
	bool first = true;

	if (v->nego.mismatch_mask == 0)
		return;
	key(out, "mismatch");
	kx_sb_putc(out, '[');
	for (int cat = 0; cat < KX_CAT_MAX; cat++) {
		if (!(v->nego.mismatch_mask & (1u << cat)))
			continue;
		kx_sb_put(out, first ? "\"" : ",\"");
		kx_sb_put(out, kx_cat_names[cat]);
		kx_sb_putc(out, '"');
		first = false;
	}
	kx_sb_putc(out, ']');
	if (v->nego.first_failure >= 0) {
		key(out, "server_log");
		sb_cstr(out, kx_nego_failure_text((enum kx_cat)v->nego.first_failure));
	}
	if (k[0] == NULL || k[1] == NULL)
		return;
	key(out, "mismatch_offers");
	kx_sb_putc(out, '{');
	first = true;
	for (int cat = 0; cat < KX_CAT_MAX; cat++) {
		if (!(v->nego.mismatch_mask & (1u << cat)))
			continue;
		kx_sb_put(out, first ? "\"" : ",\"");
		kx_sb_put(out, kx_cat_names[cat]);
		KX_SB_PUTS(out, "\":{\"client\":");
		sb_namelist(out, &k[0]->list[kx_cat_proposal[cat]]);
		KX_SB_PUTS(out, ",\"server\":");
		sb_namelist(out, &k[1]->list[kx_cat_proposal[cat]]);
		kx_sb_putc(out, '}');
		first = false;
	}
	kx_sb_putc(out, '}');
}

/* What is weak in use: each negotiated algorithm rated warn or fail. Why
 * it is weak is in the kexinit records (both sides offered it). */
static void
weak_in_use(struct kx_sb *out, const struct kx_verdict *v)
{
	bool first = true;

	for (int cat = 0; cat < KX_CAT_MAX; cat++) {
		const struct kx_algtab_row *r = v->assess.rating[cat];

		if (v->nego.res[cat] != KX_NEGO_AGREED || r == NULL ||
		    (r->rating != KX_RATE_WARN && r->rating != KX_RATE_FAIL))
			continue;
		if (first)
			key(out, "weak");
		kx_sb_put(out, first ? "[{\"category\":\"" : ",{\"category\":\"");
		kx_sb_put(out, kx_cat_names[cat]);
		KX_SB_PUTS(out, "\",\"alg\":");
		kx_sb_json(out, v->nego.alg[cat].p, v->nego.alg[cat].len);
		KX_SB_PUTS(out, ",\"status\":\"");
		kx_sb_put(out, kx_rating_names[r->rating]);
		KX_SB_PUTS(out, "\"}");
		first = false;
	}
	if (!first)
		kx_sb_putc(out, ']');
}

static void
host_key(struct kx_sb *out, const struct kx_hostkey *hk)
{
	if (!hk->have)
		return;
	key(out, "host_key");
	KX_SB_PUTS(out, "{\"type\":");
	sb_cstr(out, hk->type);
	KX_SB_PUTS(out, ",\"fingerprint\":");
	sb_cstr(out, hk->fp);
	kx_sb_put(out, hk->cert ? ",\"certificate\":true" : ",\"certificate\":false");
	if (hk->known_hosts != KX_HK_UNCHECKED) {
		KX_SB_PUTS(out, ",\"known_hosts\":\"");
		kx_sb_put(out, kx_hk_verdict_names[hk->known_hosts]);
		kx_sb_putc(out, '"');
	}
	if (hk->host_keys != KX_HK_UNCHECKED) {
		KX_SB_PUTS(out, ",\"host_keys\":\"");
		kx_sb_put(out, kx_hk_verdict_names[hk->host_keys]);
		kx_sb_putc(out, '"');
	}
	if (hk->recorded_fp[0] != '\0') {
		KX_SB_PUTS(out, ",\"recorded_fingerprint\":");
		sb_cstr(out, hk->recorded_fp);
	}
	kx_sb_putc(out, '}');
}

struct issues_ctx {
	struct kx_sb *out;
	bool first;
};

static void
on_issue(const struct kx_software_issue *is, void *arg)
{
	struct issues_ctx *x = arg;

	kx_sb_put(x->out, x->first ? ",\"issues\":[{\"id\":" : ",{\"id\":");
	sb_cstr(x->out, is->id);
	KX_SB_PUTS(x->out, ",\"note\":");
	sb_cstr(x->out, is->note);
	kx_sb_putc(x->out, '}');
	x->first = false;
}

/* The recognised software of a side, with its known issues. */
static void
software(struct kx_sb *out, const struct kx_sw *sw, int side)
{
	struct issues_ctx x = { out, true };

	if (!sw->have || sw->sw.row == NULL)
		return;
	key(out, side == KX_CLIENT ? "client_software" : "server_software");
	KX_SB_PUTS(out, "{\"product\":");
	sb_cstr(out, sw->sw.row->name);
	if (sw->sw.version_len > 0) {
		KX_SB_PUTS(out, ",\"version\":");
		kx_sb_json(out, (const uint8_t *)sw->sw.version, sw->sw.version_len);
	}
	kx_software_issues(&sw->sw, side == KX_SERVER, on_issue, &x);
	kx_sb_put(out, x.first ? "}" : "]}");
}

/* Length of the JSON string starting at p[0] == '"', quotes included;
 * 0 if it does not end within n. */
static size_t
string_len(const char *p, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		if (p[i] == '\\')
			i++;
		else if (p[i] == '"')
			return i + 1;
	}
	return 0;
}

/* An unset value at p: null or [], followed by ',' or '}'; its length,
 * else 0. */
static size_t
unset_value(const char *p, size_t n)
{
	size_t l = n >= 4 && memcmp(p, "null", 4) == 0 ? 4 :
	    n >= 2 && memcmp(p, "[]", 2) == 0 ? 2 : 0;

	return l != 0 && l < n && (p[l] == ',' || p[l] == '}') ? l : 0;
}

/* Writes the JSON text in[0..n) with every object member whose value is
 * null or [] left out (the full writer's advice and log lines, kept lean).
 * The text is kexray's own: well formed, strings escaped. */
static void
put_lean(struct kx_sb *out, const char *in, size_t n)
{
	size_t i = 0, start = 0;
	char prev = '\0';   /* the last structural byte copied */

	while (i < n) {
		if (in[i] == '"') {
			size_t kl = string_len(in + i, n - i), vl;

			if (kl == 0)
				break;
			if ((prev == '{' || prev == ',') && i + kl < n &&
			    in[i + kl] == ':' &&
			    (vl = unset_value(in + i + kl + 1, n - i - kl - 1)) != 0) {
				size_t end = i + kl + 1 + vl;

				/* Drop the member, and the comma before it (or,
				 * first in its object, the one after it). */
				if (prev == ',') {
					kx_sb_mem(out, in + start, i - 1 - start);
					start = end;
				} else {
					kx_sb_mem(out, in + start, i - start);
					start = in[end] == ',' ? end + 1 : end;
				}
				i = start;
				continue;
			}
			i += kl;
			prev = '"';
			continue;
		}
		if (in[i] == '{' || in[i] == ',' || in[i] == '[' || in[i] == '}' ||
		    in[i] == ']' || in[i] == ':')
			prev = in[i];
		i++;
	}
	kx_sb_mem(out, in + start, n - start);
}

static void
side_banner(struct kx_sb *out, const char *k, const struct kx_ssh_side *s)
{
	if (!s->have_banner)
		return;
	key(out, k);
	kx_sb_json(out, s->banner, s->banner_len);
}

void
kx_report_json_lean(FILE *fp, const struct kx_conn *c, const struct kx_verdict *v)
{
	const struct kx_assessment *a = &v->assess;
	struct kx_sb sb, *out = &sb;
	bool first;

	kx_sb_init(out, fp);
	head(out, "ssh", c);
	side_banner(out, "client", kx_conn_ssh(c, KX_CLIENT));
	side_banner(out, "server", kx_conn_ssh(c, KX_SERVER));
	for (int side = 0; side < 2; side++) {
		if (!a->have_kexinit_id[side])
			continue;
		key(out, side == KX_CLIENT ? "client_kexinit_id" : "server_kexinit_id");
		kx_sb_putc(out, '"');
		kx_sb_put(out, a->kexinit_id[side]);
		kx_sb_putc(out, '"');
	}
	for (int side = 0; side < 2; side++) {
		if (!a->have_hassh[side])
			continue;
		key(out, side == KX_CLIENT ? "hassh" : "hasshServer");
		kx_sb_putc(out, '"');
		kx_sb_put(out, a->hassh[side]);
		kx_sb_putc(out, '"');
	}
	negotiated(out, v);
	KX_SB_PUTS(out, ",\"verdict\":\"");
	kx_sb_put(out, kx_verdict_names[v->kind]);
	kx_sb_put(out, v->problem ? "\",\"problem\":true" : "\",\"problem\":false");
	kx_sb_put(out, v->handshake_complete ? ",\"handshake_complete\":true" :
	    ",\"handshake_complete\":false");
	KX_SB_PUTS(out, ",\"reason\":");
	sb_cstr(out, v->reason);
	mismatch(out, c, v);
	weak_in_use(out, v);
	if (a->terrapin.known)
		kx_sb_put(out, a->terrapin.exposed ? ",\"terrapin\":\"exposed\"" :
		    ",\"terrapin\":\"not_exposed\"");
	if (a->pq.verdict != KX_PQ_UNKNOWN) {
		KX_SB_PUTS(out, ",\"pq\":\"");
		kx_sb_put(out, kx_pq_verdict_names[a->pq.verdict]);
		kx_sb_putc(out, '"');
	}
	kx_sb_kexguess(out, c, false);
	host_key(out, &a->hostkey);
	software(out, &a->software[KX_CLIENT], KX_CLIENT);
	software(out, &a->software[KX_SERVER], KX_SERVER);
	if (a->nadvice > 0 || a->would_log.have) {
		/* A failure's fix and log lines: rare, written by the full
		 * writer's own code, then kept lean. */
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);

		if (m != NULL) {
			if (a->nadvice > 0)
				kx_report_assess_json_advice_only(m, c, v);
			if (a->would_log.have)
				kx_report_assess_json_would_log(m, c, v);
			if (fclose(m) == 0)
				put_lean(out, buf, len);
		}
		free(buf);
	}
	if (c->closed_by >= 0) {
		KX_SB_PUTS(out, ",\"closed_by\":\"");
		kx_sb_put(out, side_word[c->closed_by & 1]);
		kx_sb_putc(out, '"');
	}
	if (c->close == KX_CLOSE_FIN || c->close == KX_CLOSE_RST) {
		KX_SB_PUTS(out, ",\"close\":");
		kx_sb_close_how(out, c);
	} else if (c->close != KX_CLOSE_NONE) {
		KX_SB_PUTS(out, ",\"close\":");
		kx_sb_name(out, kx_close_names[c->close]);
	}
	kx_sb_tail_times(out, c);
	first = true;
	for (int an = 0; an < KX_ANOM_MAX; an++) {
		if (!kx_anom_has(v->anomalies, (enum kx_anomaly)an))
			continue;
		kx_sb_put(out, first ? ",\"anomalies\":[\"" : ",\"");
		kx_sb_put(out, kx_anomaly_name((enum kx_anomaly)an));
		kx_sb_putc(out, '"');
		first = false;
	}
	if (!first)
		kx_sb_putc(out, ']');
	KX_SB_PUTS(out, "}\n");
	kx_sb_flush(out);
}

void
kx_report_json_ssh(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v, bool full)
{
	if (full)
		kx_report_json(out, c, v);
	else
		kx_report_json_lean(out, c, v);
}

void
kx_report_json_kexinit(FILE *fp, const struct kx_conn *c,
    const struct kx_verdict *v, int side)
{
	const struct kx_kexinit *k = kx_conn_ssh(c, side)->kexinit;
	const struct kx_assessment *a = &v->assess;
	const struct kx_weak_list *wl = &a->weak[side];
	const struct kx_offer_marks *m = &a->marks[side];
	struct kx_sb sb, *out = &sb;
	size_t n;
	uint8_t *buf;

	if (k == NULL || !a->have_kexinit_id[side])
		return;
	kx_sb_init(out, fp);
	KX_SB_PUTS(out, "{\"type\":\"kexinit\",\"schema_version\":");
	kx_sb_u(out, KX_JSON_SCHEMA_VERSION);
	KX_SB_PUTS(out, ",\"ts\":");
	kx_sb_us(out, c->ts_first);
	KX_SB_PUTS(out, ",\"id\":\"");
	kx_sb_put(out, a->kexinit_id[side]);
	KX_SB_PUTS(out, "\",\"role\":\"");
	kx_sb_put(out, side_word[side]);
	kx_sb_putc(out, '"');
	/* The ten lists exactly as sent, empty ones too: they are the
	 * record's content. */
	for (int i = 0; i < KX_PROP_MAX; i++) {
		key(out, kx_proposal_names[i]);
		sb_namelist(out, &k->list[i]);
	}
	kx_sb_put(out, k->first_kex_follows ? ",\"first_kex_packet_follows\":true" :
	    ",\"first_kex_packet_follows\":false");
	if (a->have_hassh[side]) {
		key(out, side == KX_CLIENT ? "hassh" : "hasshServer");
		kx_sb_putc(out, '"');
		kx_sb_put(out, a->hassh[side]);
		kx_sb_putc(out, '"');
		key(out, side == KX_CLIENT ? "hasshAlgorithms" :
		    "hasshServerAlgorithms");
		n = kx_hassh_algorithms(k, side == KX_SERVER, NULL, 0);
		if ((buf = malloc(n + 1)) != NULL) {
			kx_hassh_algorithms(k, side == KX_SERVER, buf, n);
			kx_sb_json(out, buf, n);
			free(buf);
		} else {
			KX_SB_PUTS(out, "\"\"");
		}
	}
	kx_sb_put(out, m->strict_kex ? ",\"strict_kex\":true" : ",\"strict_kex\":false");
	kx_sb_put(out, m->ext_info ? ",\"ext_info\":true" : ",\"ext_info\":false");
	kx_sb_put(out, m->pq ? ",\"pq\":true" : ",\"pq\":false");
	for (uint32_t i = 0; i < wl->n; i++) {
		const struct kx_weak *w = &wl->w[i];

		kx_sb_put(out, i == 0 ? ",\"weak\":[{\"category\":\"" :
		    ",{\"category\":\"");
		kx_sb_put(out, kx_algcat_names[w->cat]);
		KX_SB_PUTS(out, "\",\"alg\":");
		kx_sb_json(out, w->name.p, w->name.len);
		KX_SB_PUTS(out, ",\"status\":\"");
		kx_sb_put(out, kx_rating_names[w->row->rating]);
		KX_SB_PUTS(out, "\",\"reason\":");
		sb_cstr(out, w->row->reason);
		kx_sb_putc(out, '}');
	}
	if (wl->n > 0)
		kx_sb_putc(out, ']');
	KX_SB_PUTS(out, ",\"weak_total\":");
	kx_sb_u(out, wl->total);
	KX_SB_PUTS(out, "}\n");
	kx_sb_flush(out);
}
