/* report_summary: the end-of-run summary (summary.h) as a text block after
 * the last connection and as the JSON "summary" record. Formatting only;
 * names and software strings from the wire go through the escapers. */
#include <string.h>

#include "kexray/report/auth.h"
#include "kexray/report/summary.h"

static const char *
plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

static enum kx_tone
kind_tone(int kind)
{
	if (kind == KX_V_OK)
		return KX_TONE_GOOD;
	if (kind == KX_V_INCOMPLETE || kind == KX_V_PROBE)
		return KX_TONE_DIM;
	return KX_TONE_BAD;
}

/* Directives that failed, most connections first. */
static int
mismatch_order(const struct kx_summary *s, int order[KX_AC_MAX])
{
	int n = 0;

	for (int ac = 0; ac < KX_AC_MAX; ac++) {
		int j = n;

		if (s->mismatch[ac].conns == 0)
			continue;
		while (j > 0 && s->mismatch[order[j - 1]].conns < s->mismatch[ac].conns) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = ac;
		n++;
	}
	return n;
}

/* ------------------------------------------------------------- text */

/* "name (3), name (1) and others in 2 connections" */
static void
text_items(FILE *out, const struct kx_summary_table *t, bool rated)
{
	const struct kx_summary_item *top[KX_SUMMARY_SHOW];
	uint32_t n = kx_summary_top(t, top, KX_SUMMARY_SHOW);

	for (uint32_t i = 0; i < n; i++) {
		fputs(i > 0 ? ", " : "", out);
		if (rated)
			fprintf(out, "%s ", kx_algcat_words[top[i]->cat]);
		kx_text_escaped(out, top[i]->s, top[i]->len);
		if (rated)
			fprintf(out, " %s", kx_rating_names[top[i]->rating]);
		fprintf(out, " (%llu)", (unsigned long long)top[i]->count);
	}
	if (t->n > n)
		fprintf(out, ", %u more", t->n - n);
	if (t->other > 0)
		fprintf(out, "%sothers in %llu connection%s", n > 0 ? ", " : "",
		    (unsigned long long)t->other, plural(t->other));
}

static void
text_outcomes(FILE *out, const struct kx_summary *s, const struct kx_style *st)
{
	bool first = true;

	fprintf(out, "  %-11s", "outcomes");
	for (int k = 0; k < KX_V_MAX; k++) {
		uint64_t n = s->by_verdict[k];

		if (k == KX_V_OK)
			n -= s->weak_ok;   /* shown as WEAK below */
		if (k == KX_V_RESET)
			n -= s->forged;    /* shown as FORGED RST below */
		if (n > 0) {
			fprintf(out, "%s%llu ", first ? "" : ", ", (unsigned long long)n);
			kx_style_put(out, st, kind_tone(k), kx_verdict_names[k], 0);
			first = false;
		}
		if (k == KX_V_OK && s->weak_ok > 0) {
			fprintf(out, "%s%llu ", first ? "" : ", ",
			    (unsigned long long)s->weak_ok);
			kx_style_put(out, st, KX_TONE_WARN, "WEAK", 0);
			fputs(" (OK on weak algorithms)", out);
			first = false;
		}
		if (k == KX_V_RESET && s->forged > 0) {
			fprintf(out, "%s%llu ", first ? "" : ", ",
			    (unsigned long long)s->forged);
			kx_style_put(out, st, KX_TONE_BAD, "FORGED RST", 0);
			first = false;
		}
	}
	fputc('\n', out);
}

/* "12 session, 5 kexinit": where the connections that ended got to. */
static void
text_phases(FILE *out, const struct kx_summary *s)
{
	bool first = true;

	if (s->closed == 0)
		return;
	fprintf(out, "  %-11s", "phases");
	for (int p = KX_PHASE_MAX - 1; p >= 0; p--) {
		if (s->by_phase[p] == 0)
			continue;
		fprintf(out, "%s%llu %s", first ? "" : ", ",
		    (unsigned long long)s->by_phase[p], kx_phase_names[p]);
		first = false;
	}
	fputc('\n', out);
}

/* The causes, most frequent first (close.h names them). */
static void
text_causes(FILE *out, const struct kx_summary *s)
{
	bool done[KX_CAUSE_MAX] = { false };

	if (s->closed == 0)
		return;
	fprintf(out, "  %-11s", "causes");
	for (int i = 0; i < KX_SUMMARY_SHOW; i++) {
		int best = -1;

		for (int c = 0; c < KX_CAUSE_MAX; c++)
			if (!done[c] && s->by_cause[c] > 0 &&
			    (best < 0 || s->by_cause[c] > s->by_cause[best]))
				best = c;
		if (best < 0)
			break;
		done[best] = true;
		fprintf(out, "%s%llu %s", i > 0 ? ", " : "",
		    (unsigned long long)s->by_cause[best], kx_cause_names[best]);
	}
	for (int c = 0; c < KX_CAUSE_MAX; c++)
		if (!done[c] && s->by_cause[c] > 0) {
			fputs(", more", out);
			break;
		}
	fputc('\n', out);
}

static void
text_mismatch(FILE *out, const struct kx_summary *s, const struct kx_style *st)
{
	int order[KX_AC_MAX], n = mismatch_order(s, order);

	for (int i = 0; i < n; i++) {
		const struct kx_summary_mismatch *m = &s->mismatch[order[i]];

		fprintf(out, "  %-11s", i == 0 ? "mismatch" : "");
		kx_style_put(out, st, KX_TONE_BAD, kx_algcat_words[order[i]], 0);
		fprintf(out, " in %llu connection%s\n", (unsigned long long)m->conns,
		    plural(m->conns));
		for (int side = 0; side < 2; side++) {
			fprintf(out, "  %-11s  %s lacks ", "", kx_side_names[side]);
			text_items(out, m->lacks[side], false);
			fputc('\n', out);
		}
	}
}

void
kx_report_summary_text(FILE *out, const struct kx_summary *s,
    const struct kx_summary_extra *x, const struct kx_style *st)
{
	const struct kx_capture_counts *cc = x->cc;

	if (x->logstats != NULL)
		kx_report_text_log_summary(out, x->logstats, s->shown, s->problems);
	else if (x->stats != NULL)
		kx_report_text_summary(out, x->stats, s->conns, s->shown,
		    s->problems);
	if (x->interrupted)
		fprintf(out, "  %-11s%s\n", "interrupted", "by a signal before the "
		    "end of the input: the rest was not read");
	if (s->conns > 0) {
		text_outcomes(out, s, st);
		text_phases(out, s);
		text_causes(out, s);
		kx_report_text_summary_auth(out, s);
		text_mismatch(out, s, st);
		for (int side = 0; side < 2; side++) {
			fprintf(out, "  %-11s%s ", side == 0 ? "software" : "",
			    kx_side_names[side]);
			text_items(out, s->software[side], false);
			if (s->no_banner[side] > 0)
				fprintf(out, "%sno banner in %llu", s->software[side]->n >
				    0 ? "; " : "", (unsigned long long)s->no_banner[side]);
			fputc('\n', out);
		}
		fprintf(out, "  %-11s", "weak");
		if (s->weak->n == 0 && s->weak->other == 0)
			fputs("no weak algorithm in use", out);
		else
			text_items(out, s->weak, true);
		if (s->terrapin_exposed > 0)
			fprintf(out, "; exposed to Terrapin (CVE-2023-48795) in %llu "
			    "connection%s", (unsigned long long)s->terrapin_exposed,
			    plural(s->terrapin_exposed));
		fputc('\n', out);
		fprintf(out, "  %-11s", "resets");
		if (s->resets == 0) {
			fputs("none", out);
		} else {
			bool first = true;

			fprintf(out, "%llu connection%s: ", (unsigned long long)s->resets,
			    plural(s->resets));
			for (int k = 0; k < KX_RST_VERDICT_MAX; k++) {
				if (s->resets_by_verdict[k] == 0)
					continue;
				fprintf(out, "%s%llu ", first ? "" : ", ",
				    (unsigned long long)s->resets_by_verdict[k]);
				kx_style_put(out, st, k == KX_RST_GENUINE ?
				    KX_TONE_PLAIN : k == KX_RST_SUSPICIOUS ?
				    KX_TONE_WARN : KX_TONE_BAD, kx_rst_verdict_names[k], 0);
				first = false;
			}
		}
		fputc('\n', out);
	}
	if (cc != NULL && cc->have_pcap)
		fprintf(out, "  %-11s%llu by the kernel, %llu by the interface, of "
		    "%llu received\n", "drops", (unsigned long long)cc->drop,
		    (unsigned long long)cc->ifdrop, (unsigned long long)cc->recv);
}

/* ------------------------------------------------------------- JSON */

/* json_items sorts into one array the size of the largest table. */
_Static_assert(KX_SUMMARY_NAMES_MAX <= KX_SUMMARY_SOFTWARE_MAX &&
    KX_SUMMARY_WEAK_MAX <= KX_SUMMARY_SOFTWARE_MAX, "json_items' array");

static void
json_items(FILE *out, const char *key, const struct kx_summary_table *t,
    const char *name_key, bool rated)
{
	const struct kx_summary_item *top[KX_SUMMARY_SOFTWARE_MAX];
	uint32_t n = kx_summary_top(t, top, KX_SUMMARY_SOFTWARE_MAX);

	fprintf(out, "\"%s\":[", key);
	for (uint32_t i = 0; i < n; i++) {
		fputs(i > 0 ? ",{" : "{", out);
		if (rated)
			fprintf(out, "\"category\":\"%s\",", kx_algcat_names[top[i]->cat]);
		fprintf(out, "\"%s\":", name_key);
		kx_json_string(out, top[i]->s, top[i]->len);
		if (rated)
			fprintf(out, ",\"status\":\"%s\"", kx_rating_names[top[i]->rating]);
		fprintf(out, ",\"connections\":%llu}", (unsigned long long)top[i]->count);
	}
	fprintf(out, "],\"%s_other\":%llu", key, (unsigned long long)t->other);
}

static void
json_verdicts(FILE *out, const uint64_t *counts)
{
	fputc('{', out);
	for (int k = 0; k < KX_V_MAX; k++)
		fprintf(out, "%s\"%s\":%llu", k > 0 ? "," : "", kx_verdict_names[k],
		    (unsigned long long)counts[k]);
	fputc('}', out);
}

void
kx_report_summary_json(FILE *out, const struct kx_summary *s,
    const struct kx_summary_extra *x)
{
	const struct kx_capture_counts *cc = x->cc;
	int order[KX_AC_MAX], n = mismatch_order(s, order);

	fprintf(out, "{\"type\":\"summary\",\"schema_version\":%d,\"ts\":%llu.%06llu,"
	    "\"final\":%s,\"connections\":%llu,\"problems\":%llu,\"shown\":%llu",
	    KX_JSON_SCHEMA_VERSION,
	    (unsigned long long)(s->ts_last_us / 1000000),
	    (unsigned long long)(s->ts_last_us % 1000000),
	    x->final ? "true" : "false", (unsigned long long)s->conns,
	    (unsigned long long)s->problems, (unsigned long long)s->shown);
	if (x->interrupted)
		fputs(",\"interrupted\":true", out);
	fputs(",\"verdicts\":", out);
	json_verdicts(out, s->by_verdict);
	fprintf(out, ",\"weak\":%llu,\"forged_rst\":%llu,\"terrapin_exposed\":%llu,"
	    "\"closed\":%llu,\"phases\":{", (unsigned long long)s->weak_ok,
	    (unsigned long long)s->forged, (unsigned long long)s->terrapin_exposed,
	    (unsigned long long)s->closed);
	for (int p = 0; p < KX_PHASE_MAX; p++)
		fprintf(out, "%s\"%s\":%llu", p > 0 ? "," : "", kx_phase_names[p],
		    (unsigned long long)s->by_phase[p]);
	fputs("},\"causes\":{", out);
	for (int c = 0; c < KX_CAUSE_MAX; c++)
		fprintf(out, "%s\"%s\":%llu", c > 0 ? "," : "", kx_cause_names[c],
		    (unsigned long long)s->by_cause[c]);
	fputc('}', out);
	kx_report_json_summary_auth(out, s);
	fputs(",\"mismatch\":[", out);
	for (int i = 0; i < n; i++) {
		const struct kx_summary_mismatch *m = &s->mismatch[order[i]];

		fprintf(out, "%s{\"category\":\"%s\",\"connections\":%llu,",
		    i > 0 ? "," : "", kx_algcat_names[order[i]],
		    (unsigned long long)m->conns);
		json_items(out, "client_lacks", m->lacks[KX_CLIENT], "alg", false);
		fputc(',', out);
		json_items(out, "server_lacks", m->lacks[KX_SERVER], "alg", false);
		fputc('}', out);
	}
	fputs("],\"software\":{", out);
	for (int side = 0; side < 2; side++) {
		fputs(side > 0 ? "," : "", out);
		json_items(out, kx_side_names[side], s->software[side], "software", false);
		fprintf(out, ",\"%s_none\":%llu", kx_side_names[side],
		    (unsigned long long)s->no_banner[side]);
	}
	fputs("},", out);
	json_items(out, "weak_in_use", s->weak, "alg", true);
	fprintf(out, ",\"resets\":{\"connections\":%llu,\"by_verdict\":{",
	    (unsigned long long)s->resets);
	for (int k = 0; k < KX_RST_VERDICT_MAX; k++)
		fprintf(out, "%s\"%s\":%llu", k > 0 ? "," : "",
		    kx_rst_verdict_names[k], (unsigned long long)s->resets_by_verdict[k]);
	fputs("}}", out);
	if (x->stats != NULL)
		fprintf(out, ",\"frames\":%llu,\"tcp\":%llu,\"malformed\":%llu,"
		    "\"truncated\":%llu", (unsigned long long)x->stats->frames,
		    (unsigned long long)x->stats->tcp,
		    (unsigned long long)x->stats->malformed,
		    (unsigned long long)x->stats->truncated);
	else
		fputs(",\"frames\":null,\"tcp\":null,\"malformed\":null,"
		    "\"truncated\":null", out);
	if (x->logstats != NULL)
		fprintf(out, ",\"log_lines\":%llu", (unsigned long long)x->logstats->lines);
	if (cc != NULL && cc->have_pcap)
		fprintf(out, ",\"kernel_drops\":%llu,\"interface_drops\":%llu}\n",
		    (unsigned long long)cc->drop, (unsigned long long)cc->ifdrop);
	else
		fputs(",\"kernel_drops\":null,\"interface_drops\":null}\n", out);
}
