/* The close record's "auth" member and the text report's login line
 * (auth.h), from one judgement of the encrypted part (infer_conn.h). */
#include <stdio.h>

#include "kexray/analyze/infer_conn.h"
#include "kexray/events/summary.h"
#include "kexray/report/auth.h"

static const char *
tri_json(enum kx_infer_tri t)
{
	return t == KX_INFER_YES ? "true" : t == KX_INFER_NO ? "false" : "null";
}

void
kx_sb_auth(struct kx_sb *out, const struct kx_conn *c, bool full)
{
	struct kx_auth_view a;

	kx_infer_conn_judge(c, &a);
	if (!a.known) {
		if (full)
			KX_SB_PUTS(out, ",\"auth\":null");
		return;
	}
	/* Lean records leave out null members: an unknown outcome too. */
	KX_SB_PUTS(out, ",\"auth\":{");
	if (full || a.r.auth_success != KX_INFER_UNKNOWN) {
		KX_SB_PUTS(out, "\"success\":");
		kx_sb_put(out, tri_json(a.r.auth_success));
		kx_sb_putc(out, ',');
	}
	KX_SB_PUTS(out, "\"attempts\":");
	kx_sb_u(out, a.r.auth_attempts);
	kx_sb_put(out, a.r.attempts_exact ? ",\"attempts_exact\":true" :
	    ",\"attempts_exact\":false");
	KX_SB_PUTS(out, ",\"rule\":");
	kx_sb_name(out, kx_infer_why_names[a.r.why]);
	KX_SB_PUTS(out, ",\"view_c2s\":");
	kx_sb_name(out, kx_infer_view_names[a.view[KX_INFER_C2S]]);
	KX_SB_PUTS(out, ",\"view_s2c\":");
	kx_sb_name(out, kx_infer_view_names[a.view[KX_INFER_S2C]]);
	kx_sb_put(out, a.r.none_probe ? ",\"none_probe\":true" :
	    ",\"none_probe\":false");
	KX_SB_PUTS(out, ",\"replies\":");
	kx_sb_name(out, a.r.replies);
	kx_sb_put(out, a.r.key_accepted ? ",\"key_accepted\":true" :
	    ",\"key_accepted\":false");
	kx_sb_put(out, a.r.challenge ? ",\"challenge\":true" :
	    ",\"challenge\":false");
	KX_SB_PUTS(out, ",\"session_kind\":");
	kx_sb_name(out, kx_infer_kind_names[a.kind]);
	kx_sb_put(out, a.kind == KX_INFER_KIND_REVERSED ?
	    ",\"roles_reversed\":true}" : ",\"roles_reversed\":false}");
}

static const char *const *const side_words = kx_side_names;

void
kx_sb_kexguess(struct kx_sb *out, const struct kx_conn *c, bool full)
{
	const struct kx_kexinit *ck = kx_conn_ssh(c, KX_CLIENT)->kexinit;
	const struct kx_kexinit *sk = kx_conn_ssh(c, KX_SERVER)->kexinit;
	struct kx_kexguess g;
	bool first = true;

	/* Judged at NEWKEYS from these KEXINITs, when the inference began:
	 * not again (it reads the kex lists through). */
	if (!kx_infer_conn_guess(c, &g) && ck != NULL && sk != NULL)
		kx_kexguess_judge(ck, sk, kx_conn_ssh(c, KX_CLIENT),
		    kx_conn_ssh(c, KX_SERVER), &g);
	if (!kx_kexguess_any(&g)) {
		if (full)
			KX_SB_PUTS(out, ",\"kex_guess\":null");
		return;
	}
	KX_SB_PUTS(out, ",\"kex_guess\":{");
	for (int i = 0; i < 2; i++) {
		if (!g.guessed[i])
			continue;
		kx_sb_printf(out, "%s\"%s\":{\"wrong\":%s,\"answered\":%s}",
		    first ? "" : ",", side_words[i], g.wrong[i] ? "true" : "false",
		    g.answered[i] ? "true" : "false");
		first = false;
	}
	kx_sb_printf(out, ",\"kex_msgs_client\":%u,\"kex_msgs_server\":%u,"
	    "\"repeated\":%s,\"strict\":%s}", g.kex_msgs[0], g.kex_msgs[1],
	    g.repeated[0] || g.repeated[1] ? "true" : "false",
	    g.strict ? "true" : "false");
}

void
kx_report_text_auth(FILE *out, const struct kx_conn *c)
{
	struct kx_auth_view a;
	const char *what;

	kx_infer_conn_judge(c, &a);
	if (!a.known)
		return;
	what = a.r.auth_success == KX_INFER_YES ? "succeeded" :
	    a.r.auth_success == KX_INFER_NO ? "failed" : "unknown";
	fprintf(out, "  %-11s%s", "login", what);
	if (a.r.auth_success != KX_INFER_UNKNOWN)
		fprintf(out, ", %s%u attempt%s", a.r.attempts_exact ? "" :
		    "at least ", a.r.auth_attempts,
		    a.r.auth_attempts == 1 ? "" : "s");
	if (a.r.key_accepted)
		fputs(", a public key accepted", out);
	if (a.r.challenge)
		fputs(", challenge-response", out);
	if (a.kind != KX_INFER_KIND_UNKNOWN)
		fprintf(out, ", session %s", kx_infer_kind_names[a.kind]);
	fprintf(out, " (%s; sizes %s)\n", kx_infer_why_descs[a.r.why],
	    kx_infer_view_names[a.view[KX_INFER_S2C]]);
}

void
kx_report_text_summary_auth(FILE *out, const struct kx_summary *s)
{
	const uint64_t *l = s->logins;
	bool first = true;

	if (l[KX_INFER_YES] + l[KX_INFER_NO] + l[KX_INFER_UNKNOWN] == 0)
		return;
	fprintf(out, "  %-11s%llu succeeded, %llu failed (%llu attempts in "
	    "those), %llu unknown", "logins", (unsigned long long)l[KX_INFER_YES],
	    (unsigned long long)l[KX_INFER_NO],
	    (unsigned long long)s->login_attempts,
	    (unsigned long long)l[KX_INFER_UNKNOWN]);
	for (int k = 0; k < KX_INFER_KIND_MAX; k++) {
		if (k == KX_INFER_KIND_UNKNOWN || s->kinds[k] == 0)
			continue;
		fprintf(out, "%s%llu %s", first ? "; sessions " : ", ",
		    (unsigned long long)s->kinds[k], kx_infer_kind_names[k]);
		first = false;
	}
	fputc('\n', out);
}

void
kx_report_json_summary_auth(FILE *out, const struct kx_summary *s)
{
	fprintf(out, ",\"logins\":{\"succeeded\":%llu,\"failed\":%llu,"
	    "\"unknown\":%llu,\"attempts\":%llu,\"session_kinds\":{",
	    (unsigned long long)s->logins[KX_INFER_YES],
	    (unsigned long long)s->logins[KX_INFER_NO],
	    (unsigned long long)s->logins[KX_INFER_UNKNOWN],
	    (unsigned long long)s->login_attempts);
	for (int k = 0; k < KX_INFER_KIND_MAX; k++)
		fprintf(out, "%s\"%s\":%llu", k > 0 ? "," : "",
		    kx_infer_kind_names[k], (unsigned long long)s->kinds[k]);
	fputs("}}", out);
}
