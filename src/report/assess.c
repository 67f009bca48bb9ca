/* report_assess: the security verdicts (assess.h) in JSON and text.
 * Formatting only; every name from the wire goes through the escapers. */
#include <stdlib.h>
#include <string.h>

#include "kexray/analyze/advice.h"
#include "kexray/report/report.h"

/* Short category words for the text report's "fix ..." label. */
static const char *const fix_label[KX_AC_MAX] = {
	[KX_AC_KEX] = "kex",
	[KX_AC_HOSTKEY] = "hostkey",
	[KX_AC_CIPHER] = "cipher",
	[KX_AC_MAC] = "mac",
	[KX_AC_COMP] = "comp",
};

static void
jstr(FILE *out, const char *s)
{
	if (s == NULL)
		fputs("null", out);
	else
		kx_json_string(out, (const uint8_t *)s, strlen(s));
}

static void
jname(FILE *out, const struct kx_name *n)
{
	if (n->p == NULL)
		fputs("null", out);
	else
		kx_json_string(out, n->p, n->len);
}

static const char *
jbool(bool b)
{
	return b ? "true" : "false";
}

/* A fix line built into a heap buffer of its full length; NULL if the fix
 * has no such line or memory ran out. */
static char *
fix_line(const struct kx_fix *f, enum kx_fix_line which, size_t *len)
{
	size_t n = kx_fix_line(f, which, NULL, 0);
	char *buf;

	*len = 0;
	if (n == 0 || (buf = malloc(n + 1)) == NULL)
		return NULL;
	*len = kx_fix_line(f, which, buf, n + 1);
	return buf;
}

static void
json_fix_line(FILE *out, const char *key, const struct kx_fix *f,
    enum kx_fix_line which)
{
	size_t n;
	char *s = fix_line(f, which, &n);

	fprintf(out, ",\"%s\":", key);
	if (s == NULL)
		fputs("null", out);
	else
		kx_json_string(out, (const uint8_t *)s, n);
	free(s);
}

static void
json_fix(FILE *out, const struct kx_fix *f)
{
	if (f->action == KX_FIX_NONE) {
		fputs("null", out);
		return;
	}
	fprintf(out, "{\"action\":\"%s\",\"algorithm\":",
	    kx_fix_action_names[f->action]);
	jname(out, &f->alg);
	fprintf(out, ",\"status\":\"%s\",\"reason\":", kx_rating_names[f->row->rating]);
	jstr(out, f->row->reason);
	json_fix_line(out, "line", f, KX_LINE_CONFIG);
	json_fix_line(out, "full_line", f, KX_LINE_FULL);
	json_fix_line(out, "option", f, KX_LINE_OPTION);
	json_fix_line(out, "hostkey_line", f, KX_LINE_HOSTKEY);
	json_fix_line(out, "command", f, KX_LINE_COMMAND);
	fputs(",\"how\":", out);
	jstr(out, f->openssh ? NULL : f->configure);
	fputc('}', out);
}

/* ------------------------------------------------- the advice sentence */

/* What one fix does, in words, written to out (text, escaped). */
static void
text_fix(FILE *out, const struct kx_conn *c, const struct kx_assessment *a,
    const struct kx_fix *f)
{
	const struct kx_sw *sw = &a->software[f->side];
	const struct kx_ssh_side *s = kx_conn_ssh(c, f->side);
	size_t n;
	char *line;

	if (f->action == KX_FIX_UPGRADE || f->action == KX_FIX_CONFIGURE_OR_UPGRADE) {
		fprintf(out, "%s the %s", f->action == KX_FIX_UPGRADE ?
		    "upgrade" : "reconfigure or upgrade", kx_side_names[f->side]);
		if (sw->have) {
			fputs(" (", out);
			kx_text_escaped(out, s->banner + s->soft_off, s->soft_len);
			fputc(')', out);
		}
		fputs(" so it offers ", out);
		kx_text_escaped(out, f->alg.p, f->alg.len);
	} else {
		bool any = false;

		if ((line = fix_line(f, KX_LINE_COMMAND, &n)) != NULL) {
			fputs("run `", out);
			kx_text_escaped(out, (const uint8_t *)line, n);
			fputs("` and ", out);
			free(line);
		}
		if ((line = fix_line(f, KX_LINE_HOSTKEY, &n)) != NULL) {
			fputs("add `", out);
			kx_text_escaped(out, (const uint8_t *)line, n);
			fputc('`', out);
			free(line);
			any = true;
		}
		if ((line = fix_line(f, f->side == KX_CLIENT ? KX_LINE_OPTION :
		    KX_LINE_CONFIG, &n)) != NULL) {
			/* Without "+" the line replaces the list: "set". */
			fputs(any ? " and `" : f->plus_syntax ? "add `" : "set `", out);
			kx_text_escaped(out, (const uint8_t *)line, n);
			fputc('`', out);
			if (f->side == KX_SERVER)
				fputs(f->plus_syntax ? " to sshd_config" :
				    " in sshd_config", out);
			free(line);
		}
		/* ssh and sshd take the first value they read for an option,
		 * so "+name" is lost after an explicit list: then the name
		 * goes onto that list. */
		if (f->plus_syntax && f->row->cat != KX_AC_COMP &&
		    (line = fix_line(f, KX_LINE_FULL, &n)) != NULL) {
			fprintf(out, ", or where %s already sets %s, `", f->side ==
			    KX_SERVER ? "sshd_config" : "the client", f->directive);
			kx_text_escaped(out, (const uint8_t *)line, n);
			fputc('`', out);
			free(line);
		}
	}
	fputs(" (", out);
	kx_text_escaped(out, f->alg.p, f->alg.len);
	fprintf(out, ": %s, %s)", kx_rating_names[f->row->rating], f->row->reason);
}

static void
text_advice(FILE *out, const struct kx_conn *c, const struct kx_assessment *a,
    const struct kx_advice *ad)
{
	const struct kx_fix *fx[2] = { &ad->client_fix, &ad->server_fix };
	char label[32];
	int first = ad->preferred >= 0 ? ad->preferred : KX_SERVER;

	snprintf(label, sizeof(label), "fix %s", fix_label[ad->cat]);
	/* "fix hostkey" fills the label column: keep one space after it. */
	fprintf(out, "  %-10s ", label);
	if (fx[KX_CLIENT]->action == KX_FIX_NONE &&
	    fx[KX_SERVER]->action == KX_FIX_NONE) {
		fputs("no algorithm kexray knows is on either list: upgrade "
		    "whichever side is older\n", out);
		return;
	}
	for (int k = 0; k < 2; k++) {
		int side = k == 0 ? first : !first;

		if (fx[side]->action == KX_FIX_NONE)
			continue;
		if (k == 1)
			fprintf(out, "\n  %-11s", "");
		if (k == 0 && ad->preferred >= 0)
			fprintf(out, "best, on the %s: ", kx_side_names[side]);
		else
			fprintf(out, "or on the %s: ", kx_side_names[side]);
		text_fix(out, c, a, fx[side]);
	}
	if (ad->upgrade_side >= 0)
		fprintf(out, "\n  %-11severy fix that works is rated fail or none "
		    "works: upgrading the %s is the real fix", "",
		    kx_side_names[ad->upgrade_side]);
	fputc('\n', out);
}

/* ------------------------------------------------------------- JSON */

struct issue_ctx {
	FILE *out;
	bool first;
	bool text;
	const char *who;
};

static void
on_issue(const struct kx_software_issue *is, void *arg)
{
	struct issue_ctx *x = arg;

	if (x->text) {
		fprintf(x->out, "  %-11s%s: %s %s\n", x->first ? "issue" : "",
		    x->who, is->id, is->note);
	} else {
		fprintf(x->out, "%s{\"id\":", x->first ? "" : ",");
		jstr(x->out, is->id);
		fputs(",\"note\":", x->out);
		jstr(x->out, is->note);
		fputc('}', x->out);
	}
	x->first = false;
}

static void
json_sw(FILE *out, const struct kx_sw *sw, bool is_server)
{
	struct issue_ctx x = { out, true, false, NULL };

	if (!sw->have) {
		fputs("null", out);
		return;
	}
	fputs("{\"product\":", out);
	jstr(out, sw->sw.row != NULL ? sw->sw.row->name : NULL);
	fputs(",\"version\":", out);
	if (sw->sw.row != NULL && sw->sw.version_len > 0)
		kx_json_string(out, (const uint8_t *)sw->sw.version,
		    sw->sw.version_len);
	else
		fputs("null", out);
	fputs(",\"issues\":[", out);
	kx_software_issues(&sw->sw, is_server, on_issue, &x);
	fputs("]}", out);
}

static void
json_rating(FILE *out, const struct kx_verdict *v, int cat)
{
	const struct kx_algtab_row *r = v->assess.rating[cat];

	if (v->nego.res[cat] != KX_NEGO_AGREED) {
		fputs("null", out);
		return;
	}
	fputs("{\"alg\":", out);
	kx_json_string(out, v->nego.alg[cat].p, v->nego.alg[cat].len);
	fprintf(out, ",\"status\":\"%s\",\"reason\":",
	    kx_rating_names[r != NULL ? r->rating : KX_RATE_UNKNOWN]);
	jstr(out, r != NULL ? r->reason : NULL);
	if (cat == KX_CAT_KEX)
		fprintf(out, ",\"pq\":%s", jbool(r != NULL && (r->flags & KX_ALGF_PQ)));
	fputc('}', out);
}

static void
json_weak(FILE *out, const struct kx_weak_list *wl)
{
	if (!wl->have) {
		fputs("null", out);
		return;
	}
	fputc('[', out);
	for (uint32_t i = 0; i < wl->n; i++) {
		const struct kx_weak *w = &wl->w[i];

		fprintf(out, "%s{\"category\":\"%s\",\"alg\":", i > 0 ? "," : "",
		    kx_algcat_names[w->cat]);
		jname(out, &w->name);
		fprintf(out, ",\"status\":\"%s\",\"reason\":",
		    kx_rating_names[w->row->rating]);
		jstr(out, w->row->reason);
		fputc('}', out);
	}
	fputc(']', out);
}

static void
json_hassh(FILE *out, const struct kx_conn *c, const struct kx_assessment *a,
    int side)
{
	const struct kx_kexinit *k = kx_conn_ssh(c, side)->kexinit;
	size_t n;
	uint8_t *buf;

	fprintf(out, ",\"%s\":", side == KX_CLIENT ? "hassh" : "hasshServer");
	jstr(out, a->have_hassh[side] ? a->hassh[side] : NULL);
	fprintf(out, ",\"%s\":", side == KX_CLIENT ? "hasshAlgorithms" :
	    "hasshServerAlgorithms");
	if (k == NULL) {
		fputs("null", out);
		return;
	}
	n = kx_hassh_algorithms(k, side == KX_SERVER, NULL, 0);
	if ((buf = malloc(n + 1)) == NULL) {
		fputs("null", out);
		return;
	}
	kx_hassh_algorithms(k, side == KX_SERVER, buf, n);
	kx_json_string(out, buf, n);
	free(buf);
}

static void
json_would_log(FILE *out, const struct kx_conn *c, const struct kx_assessment *a)
{
	if (!a->would_log.have) {
		fputs("null", out);
		return;
	}
	fputc('{', out);
	for (int side = KX_SERVER; side >= KX_CLIENT; side--) {
		char addr[64], *buf;
		size_t n;

		kx_addr_text(c, !side, addr, sizeof(addr));
		fprintf(out, "%s\"%s\":", side == KX_SERVER ? "" : ",", kx_side_names[side]);
		n = kx_would_log_line(c, a, side, addr, NULL, 0);
		if (n == 0 || (buf = malloc(n + 1)) == NULL) {
			fputs("null", out);
			continue;
		}
		kx_would_log_line(c, a, side, addr, buf, n + 1);
		kx_json_string(out, (const uint8_t *)buf, n);
		free(buf);
	}
	fputc('}', out);
}

void
kx_report_assess_json_pair(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v)
{
	const struct kx_assessment *a = &v->assess;

	fputs(",\"ratings\":", out);
	if (!a->negotiated) {
		fputs("null", out);
	} else {
		fputc('{', out);
		for (int cat = 0; cat < KX_CAT_MAX; cat++) {
			fprintf(out, "%s\"%s\":", cat > 0 ? "," : "", kx_cat_names[cat]);
			json_rating(out, v, cat);
		}
		fputc('}', out);
	}
	fputs(",\"client_weak\":", out);
	json_weak(out, &a->weak[KX_CLIENT]);
	fputs(",\"server_weak\":", out);
	json_weak(out, &a->weak[KX_SERVER]);

	fputs(",\"terrapin\":", out);
	if (!a->terrapin.known) {
		fputs("null", out);
	} else {
		fprintf(out, "{\"exposed\":%s,\"strict_kex\":{\"client\":%s,"
		    "\"server\":%s},\"reason\":", jbool(a->terrapin.exposed),
		    jbool(a->terrapin.strict_client), jbool(a->terrapin.strict_server));
		jstr(out, a->terrapin.reason);
		fputc('}', out);
	}

	fputs(",\"pq\":", out);
	if (a->pq.verdict == KX_PQ_UNKNOWN) {
		fputs("null", out);
	} else {
		fprintf(out, "{\"verdict\":\"%s\",\"negotiated\":%s,\"common\":",
		    kx_pq_verdict_names[a->pq.verdict], jbool(a->pq.verdict == KX_PQ_YES));
		jname(out, &a->pq.common);
		fprintf(out, ",\"client_offers\":%s,\"server_offers\":%s,\"reason\":",
		    jbool(a->pq.client_has), jbool(a->pq.server_has));
		jstr(out, a->pq.reason);
		fputc('}', out);
	}

	json_hassh(out, c, a, KX_CLIENT);
	json_hassh(out, c, a, KX_SERVER);
}

void
kx_report_assess_json_hostkey(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v)
{
	const struct kx_hostkey *hk = &v->assess.hostkey;

	(void)c;
	fputs(",\"host_key\":", out);
	if (!hk->have) {
		fputs("null", out);
	} else {
		fputs("{\"type\":", out);
		jstr(out, hk->type);
		fputs(",\"fingerprint\":", out);
		jstr(out, hk->fp);
		fprintf(out, ",\"certificate\":%s,\"known_hosts\":", jbool(hk->cert));
		jstr(out, hk->known_hosts != KX_HK_UNCHECKED ?
		    kx_hk_verdict_names[hk->known_hosts] : NULL);
		fputs(",\"host_keys\":", out);
		jstr(out, hk->host_keys != KX_HK_UNCHECKED ?
		    kx_hk_verdict_names[hk->host_keys] : NULL);
		fputs(",\"recorded_fingerprint\":", out);
		jstr(out, hk->recorded_fp[0] != '\0' ? hk->recorded_fp : NULL);
		fputc('}', out);
	}
}

void
kx_report_assess_json_advice(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v)
{
	const struct kx_assessment *a = &v->assess;

	(void)c;
	fputs(",\"client_software\":", out);
	json_sw(out, &a->software[KX_CLIENT], false);
	fputs(",\"server_software\":", out);
	json_sw(out, &a->software[KX_SERVER], true);

	kx_report_assess_json_advice_only(out, c, v);
}

void
kx_report_assess_json_advice_only(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v)
{
	const struct kx_assessment *a = &v->assess;

	(void)c;
	fputs(",\"advice\":[", out);
	for (uint32_t i = 0; i < a->nadvice; i++) {
		const struct kx_advice *ad = &a->advice[i];

		fprintf(out, "%s{\"category\":\"%s\",\"server_fix\":", i > 0 ? "," : "",
		    kx_algcat_names[ad->cat]);
		json_fix(out, &ad->server_fix);
		fputs(",\"client_fix\":", out);
		json_fix(out, &ad->client_fix);
		fputs(",\"preferred\":", out);
		jstr(out, ad->preferred >= 0 ? kx_side_names[ad->preferred] : NULL);
		fputs(",\"upgrade\":", out);
		jstr(out, ad->upgrade_side >= 0 ? kx_side_names[ad->upgrade_side] : NULL);
		fputc('}', out);
	}
	fputc(']', out);
}

void
kx_report_assess_json_would_log(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v)
{
	fputs(",\"would_log\":", out);
	json_would_log(out, c, &v->assess);
}

/* ------------------------------------------------------------- text */

void
kx_report_assess_text(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v)
{
	const struct kx_assessment *a = &v->assess;
	const struct kx_hostkey *hk = &a->hostkey;
	bool any;

	if (a->negotiated) {
		fprintf(out, "  %-11s", "rated");
		any = false;
		for (int cat = 0; cat < KX_CAT_MAX; cat++) {
			const struct kx_algtab_row *r = a->rating[cat];
			enum kx_rating rt = r != NULL ? (enum kx_rating)r->rating :
			    KX_RATE_UNKNOWN;

			if (v->nego.res[cat] != KX_NEGO_AGREED ||
			    rt == KX_RATE_OK || rt == KX_RATE_INFO)
				continue;
			fprintf(out, "%s%s ", any ? "\n             " : "", kx_cat_labels[cat]);
			kx_text_escaped(out, v->nego.alg[cat].p, v->nego.alg[cat].len);
			fprintf(out, " %s%s%s", kx_rating_names[rt], r != NULL ? ": " : "",
			    r != NULL ? r->reason : "");
			any = true;
		}
		fprintf(out, "%s\n", any ? "" : "every negotiated algorithm ok");
	}
	for (int side = 0; side < 2; side++) {
		const struct kx_weak_list *wl = &a->weak[side];

		if (!wl->have)
			continue;
		fprintf(out, "  %-11s%s offers ", side == 0 ? "weak" : "",
		    kx_side_names[side]);
		if (wl->total == 0)
			fputs("nothing weak", out);
		for (uint32_t i = 0; i < wl->n; i++) {
			fputs(i > 0 ? ", " : "", out);
			kx_text_escaped(out, wl->w[i].name.p, wl->w[i].name.len);
			fprintf(out, " (%s)", kx_rating_names[wl->w[i].row->rating]);
		}
		if (wl->total > wl->n)
			fprintf(out, " and %u more", wl->total - wl->n);
		fputc('\n', out);
	}
	/* The reasons quote negotiated names, which are the peers' bytes:
	 * escaped like every untrusted string (STYLE 11). */
	if (a->terrapin.known) {
		fprintf(out, "  %-11s", "terrapin");
		kx_text_escaped(out, (const uint8_t *)a->terrapin.reason,
		    strlen(a->terrapin.reason));
		fputc('\n', out);
	}
	if (a->pq.verdict != KX_PQ_UNKNOWN) {
		fprintf(out, "  %-11s%s: ", "pq", kx_pq_verdict_names[a->pq.verdict]);
		kx_text_escaped(out, (const uint8_t *)a->pq.reason,
		    strlen(a->pq.reason));
		fputc('\n', out);
	}
	if (a->have_hassh[KX_CLIENT] || a->have_hassh[KX_SERVER])
		fprintf(out, "  %-11sclient %s, server %s\n", "hassh",
		    a->have_hassh[KX_CLIENT] ? a->hassh[KX_CLIENT] : "-",
		    a->have_hassh[KX_SERVER] ? a->hassh[KX_SERVER] : "-");
	if (hk->have) {
		fprintf(out, "  %-11s%s %s%s", "server key", hk->type, hk->fp,
		    hk->cert ? " (certificate)" : "");
		if (hk->known_hosts != KX_HK_UNCHECKED)
			fprintf(out, ", known_hosts: %s",
			    kx_hk_verdict_names[hk->known_hosts]);
		if (hk->host_keys != KX_HK_UNCHECKED)
			fprintf(out, ", host-keys: %s",
			    kx_hk_verdict_names[hk->host_keys]);
		if (hk->recorded_fp[0] != '\0')
			fprintf(out, " (on record: %s) -- possible "
			    "man-in-the-middle", hk->recorded_fp);
		fputc('\n', out);
	}
	any = false;
	for (int side = 0; side < 2; side++) {
		const struct kx_sw *sw = &a->software[side];

		if (!sw->have || sw->sw.row == NULL)
			continue;
		fprintf(out, "%s%s %s", any ? ", " : "  software   ", kx_side_names[side],
		    sw->sw.row->name);
		if (sw->sw.version_len > 0) {
			fputc(' ', out);
			kx_text_escaped(out, (const uint8_t *)sw->sw.version,
			    sw->sw.version_len);
		}
		any = true;
	}
	if (any)
		fputc('\n', out);
	{
		struct issue_ctx x = { out, true, true, NULL };

		for (int side = 0; side < 2; side++) {
			x.who = kx_side_names[side];
			if (a->software[side].have)
				kx_software_issues(&a->software[side].sw,
				    side == KX_SERVER, on_issue, &x);
		}
	}
	for (uint32_t i = 0; i < a->nadvice; i++)
		text_advice(out, c, a, &a->advice[i]);
	if (a->would_log.have) {
		for (int side = KX_SERVER; side >= KX_CLIENT; side--) {
			char addr[64], *buf;
			size_t n;

			kx_addr_text(c, !side, addr, sizeof(addr));
			n = kx_would_log_line(c, a, side, addr, NULL, 0);
			if (n == 0 || (buf = malloc(n + 1)) == NULL)
				continue;
			kx_would_log_line(c, a, side, addr, buf, n + 1);
			fprintf(out, "  %-11s%s ", side == KX_SERVER ? "logs" : "",
			    side == KX_SERVER ? "sshd:" : "ssh: ");
			kx_text_escaped(out, (const uint8_t *)buf, n);
			fputc('\n', out);
			free(buf);
		}
	}
}
