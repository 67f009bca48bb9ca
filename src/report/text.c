/* Text for people: one block per connection, the verdict first, then both
 * banners and one line per negotiated category, the lists of both sides
 * under a category that has no common algorithm. */
#include <string.h>
#include <time.h>

#include "kexray/report/color.h"
#include "kexray/report/headline.h"
#include "kexray/report/report.h"
#include "kexray/input/sshlog.h"

/* For a record read from a log (--sshd-log): where it is in the log, what
 * the log gives no word of, the line that ended it, and any disagreement
 * between the log's stated choices and kexray's negotiation. */
static void
log_lines(FILE *out, const struct kx_conn *c)
{
	const struct kx_logconn *lg = kx_conn_log(c);

	if (lg == NULL)
		return;
	fprintf(out, "  %-11s%s log, lines %llu-%llu", "source",
	    lg->writer == KX_CLIENT ? "ssh (client)" : "sshd (server)",
	    (unsigned long long)lg->first_line, (unsigned long long)lg->last_line);
	if (lg->pid != 0)
		fprintf(out, ", pid %u", lg->pid);
	fputs("; no TCP facts, packet timing or reset forensics\n", out);
	if (lg->outcome_len > 0) {
		fprintf(out, "  %-11s", "log said");
		kx_text_escaped(out, (const uint8_t *)lg->outcome, lg->outcome_len);
		fputc('\n', out);
	}
	if (lg->disagree_len > 0) {
		fprintf(out, "  %-11s", "disagrees");
		kx_text_escaped(out, (const uint8_t *)lg->disagree, lg->disagree_len);
		fputc('\n', out);
	}
}

static void
text_namelist(FILE *out, const struct kx_namelist *nl)
{
	if (nl->len == 0)
		fputs("(empty)", out);
	else
		kx_text_escaped(out, nl->p, nl->len);
}

static void
endpoint(FILE *out, const struct kx_conn *c, int side)
{
	char addr[64];

	if (kx_conn_log(c) != NULL && !kx_conn_log(c)->have_ep[side]) {
		fputs("?", out);   /* the log does not say */
		return;
	}
	kx_addr_text(c, side, addr, sizeof(addr));
	if (c->ip_version == 6)
		fprintf(out, "[%s]:%u", addr, c->ep[side].port);
	else
		fprintf(out, "%s:%u", addr, c->ep[side].port);
}

/* Display order: kex, host key, then each category both ways. */
static const enum kx_cat display_order[KX_CAT_MAX] = {
	KX_CAT_KEX, KX_CAT_HOSTKEY, KX_CAT_CIPHER_C2S, KX_CAT_CIPHER_S2C,
	KX_CAT_MAC_C2S, KX_CAT_MAC_S2C, KX_CAT_COMP_C2S, KX_CAT_COMP_S2C,
};

static void
banner_line(FILE *out, const char *label, const struct kx_ssh_side *s)
{
	fprintf(out, "  %-11s", label);
	if (!s->have_banner)
		fputs("(none)", out);
	else
		kx_text_escaped(out, s->banner, s->banner_len);
	if (s->prebanner_lines > 0) {
		fprintf(out, "  [%u line%s before it, first: \"", s->prebanner_lines,
		    s->prebanner_lines == 1 ? "" : "s");
		kx_text_escaped(out, (const uint8_t *)s->prebanner_first,
		    s->prebanner_first_len);
		fputs("\"]", out);
	}
	fputc('\n', out);
}

void
kx_report_text(FILE *out, const struct kx_conn *c, const struct kx_verdict *v)
{
	kx_report_text_styled(out, c, v, NULL);
}

/* Line 1: the label, the endpoints and the diagnosis (headline.h); line
 * 2: when, the uid and where it was seen. */
static void
head_lines(FILE *out, const struct kx_conn *c, const struct kx_verdict *v,
    const struct kx_style *st)
{
	char tbuf[32], uid[19], head[512];

	kx_iso_seconds(c->ts_first, tbuf);
	kx_conn_uid(c, uid);
	kx_headline(c, v, head, sizeof(head));
	/* The verdict in a fixed column, so blocks scan down the page. */
	kx_style_put(out, st, kx_verdict_tone(v), kx_verdict_label(v),
	    KX_VERDICT_LABEL_WIDTH);
	fputs("  ", out);
	endpoint(out, c, KX_CLIENT);
	fputs(" -> ", out);
	endpoint(out, c, KX_SERVER);
	fputs("  ", out);
	kx_text_escaped(out, (const uint8_t *)head, strlen(head));
	fprintf(out, "\n  %-11s", "at");
	if (kx_conn_log(c) != NULL && !kx_conn_log(c)->have_ts)
		fprintf(out, "(no time in the log)  %s", uid);
	else
		fprintf(out, "%s.%06lluZ  %s", tbuf,
		    (unsigned long long)(c->ts_first % 1000000), uid);
	if (c->vlan != 0)
		fprintf(out, "  vlan %u", c->vlan);
	if (c->tunnel != KX_TUN_NONE && c->tunnel < KX_TUN_MAX)
		fprintf(out, "  in %s", kx_tunnel_names[c->tunnel]);
	fputc('\n', out);
}

/* The short block of a connection that is no problem: what was agreed
 * and between which programs, in one line, and the fix for what is weak. */
static void
short_block(FILE *out, const struct kx_conn *c, const struct kx_verdict *v)
{
	static const enum kx_cat shown[] = { KX_CAT_KEX, KX_CAT_HOSTKEY,
	    KX_CAT_CIPHER_C2S, KX_CAT_MAC_C2S };

	if (v->kind == KX_V_OK) {
		fprintf(out, "  %-11s", "agreed");
		for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
			if (v->nego.res[shown[i]] != KX_NEGO_AGREED)
				continue;
			fputs(i > 0 ? ", " : "", out);
			kx_text_escaped(out, v->nego.alg[shown[i]].p,
			    v->nego.alg[shown[i]].len);
		}
		fputs("; ", out);
	} else {
		fprintf(out, "  %-11s", "software");
	}
	kx_text_software(out, kx_conn_ssh(c, KX_CLIENT));
	fputs(" -> ", out);
	kx_text_software(out, kx_conn_ssh(c, KX_SERVER));
	fputc('\n', out);
	if (kx_conn_log(c) != NULL)
		log_lines(out, c);
	kx_report_weak_fix_text(out, c, v);
}

/* -vv: each side's whole KEXINIT, as --records full carries it. */
static void
offers_lines(FILE *out, const struct kx_kexinit *k, const char *who)
{
	for (int p = 0; p < KX_PROP_MAX; p++) {
		fprintf(out, "  %-11s%s %s: ", p == 0 ? "offers" : "", who,
		    kx_proposal_names[p]);
		text_namelist(out, &k->list[p]);
		fputc('\n', out);
	}
}

/* -vv: each side's packets and cleartext messages, as --records full
 * carries them (client_side, server_side). */
static void
side_lines(FILE *out, const struct kx_conn *c)
{
	for (int side = 0; side < 2; side++) {
		const struct kx_half *h = &c->half[side];
		const struct kx_ssh_side *s = kx_conn_ssh(c, side);
		uint32_t kept = s->msg_count < KX_MSGLOG_MAX ? s->msg_count :
		    KX_MSGLOG_MAX;

		fprintf(out, "  %-11s%s: ", side == 0 ? "packets" : "",
		    side == KX_CLIENT ? "client" : "server");
		if (c->no_tcp_facts)
			/* A log: as JSON's nulls, nothing invented. */
			fputs("no TCP facts", out);
		else
			fprintf(out, "%llu packets, %llu payload bytes, %llu "
			    "encrypted", (unsigned long long)h->pkts,
			    (unsigned long long)h->payload_bytes,
			    (unsigned long long)kx_conn_encrypted(c, side));
		for (uint32_t i = 0; i < kept; i++)
			fprintf(out, "%s%s %u", i == 0 ? "; " : ", ",
			    kx_ssh_msg_name(s->msglog[i].code), s->msglog[i].size);
		if (s->msg_count > kept)
			fprintf(out, ", %u more", s->msg_count - kept);
		fputc('\n', out);
	}
}

void
kx_report_text_styled(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v, const struct kx_style *st)
{
	const struct kx_kexinit *ck = kx_conn_ssh(c, KX_CLIENT)->kexinit;
	const struct kx_kexinit *sk = kx_conn_ssh(c, KX_SERVER)->kexinit;
	int verbose = st != NULL ? st->verbose : 1;
	bool any = false;

	head_lines(out, c, v, st);
	if (verbose == 0 && !v->problem) {
		short_block(out, c, v);
		fputc('\n', out);
		return;
	}
	fprintf(out, "  %-11s", "why");
	kx_text_escaped(out, (const uint8_t *)v->reason, strlen(v->reason));
	fputc('\n', out);
	if (kx_conn_log(c) != NULL)
		log_lines(out, c);
	banner_line(out, "client", kx_conn_ssh(c, KX_CLIENT));
	banner_line(out, "server", kx_conn_ssh(c, KX_SERVER));
	if (ck == NULL || sk == NULL) {
		fprintf(out, "  %-11s%s\n", "kexinit",
		    ck == NULL && sk == NULL ? "none seen" :
		    ck == NULL ? "client's not seen" : "server's not seen");
	} else {
		for (int i = 0; i < KX_CAT_MAX; i++) {
			enum kx_cat cat = display_order[i];
			enum kx_proposal prop = kx_cat_proposal[cat];

			fprintf(out, "  %-11s", kx_cat_labels[cat]);
			switch (v->nego.res[cat]) {
			case KX_NEGO_AGREED:
				kx_text_escaped(out, v->nego.alg[cat].p,
				    v->nego.alg[cat].len);
				break;
			case KX_NEGO_IMPLICIT:
				fputs("<implicit> (AEAD cipher)", out);
				break;
			case KX_NEGO_MISMATCH:
				kx_style_put(out, st, KX_TONE_BAD, "MISMATCH", 0);
				fputc('\n', out);
				fprintf(out, "  %-11s  client: ", "");
				text_namelist(out, &ck->list[prop]);
				fprintf(out, "\n  %-11s  server: ", "");
				text_namelist(out, &sk->list[prop]);
				break;
			default:
				fputs("?", out);
				break;
			}
			fputc('\n', out);
		}
	}
	if (verbose >= 2 && ck != NULL)
		offers_lines(out, ck, "client");
	if (verbose >= 2 && sk != NULL)
		offers_lines(out, sk, "server");
	if (verbose >= 2)
		side_lines(out, c);
	kx_report_assess_text(out, c, v);
	kx_report_weak_fix_text(out, c, v);
	fprintf(out, "  %-11s", "anomalies");
	for (int a = 0; a < KX_ANOM_MAX; a++) {
		if (!kx_anom_has(v->anomalies, (enum kx_anomaly)a))
			continue;
		fprintf(out, "%s%s", any ? ", " : "",
		    kx_anomaly_name((enum kx_anomaly)a));
		any = true;
	}
	fprintf(out, "%s\n\n", any ? "" : "none");
}

void
kx_report_text_summary(FILE *out, const struct kx_stats *st, uint64_t conns,
    uint64_t shown, uint64_t problems)
{
	/* conns: the connections the run kept (after --host and the
	 * software selection), as the JSON summary counts them. */
	fprintf(out, "%llu SSH connection%s (%llu with problems), %llu shown",
	    (unsigned long long)conns, conns == 1 ? "" : "s",
	    (unsigned long long)problems, (unsigned long long)shown);
	if (st->ssh_conns > conns)
		fprintf(out, ", %llu more not selected",
		    (unsigned long long)(st->ssh_conns - conns));
	fprintf(out, "; %llu frames read, %llu TCP, %llu malformed, %llu "
	    "truncated\n",
	    (unsigned long long)st->frames, (unsigned long long)st->tcp,
	    (unsigned long long)st->malformed, (unsigned long long)st->truncated);
	/* Only when a cap was reached: it means detail was lost. */
	if (st->caps.evicted_conns || st->caps.evicted_memory ||
	    st->caps.buffer_limit || st->caps.ooo_dropped)
		fprintf(out, "caps reached (docs/limits.md): %llu evicted at "
		    "--max-conns, %llu evicted at --max-memory, %llu directions "
		    "over --max-buffer, %llu segments refused at --max-ooo\n",
		    (unsigned long long)st->caps.evicted_conns,
		    (unsigned long long)st->caps.evicted_memory,
		    (unsigned long long)st->caps.buffer_limit,
		    (unsigned long long)st->caps.ooo_dropped);
}

void
kx_report_text_log_summary(FILE *out, const struct kx_sshlog_stats *st,
    uint64_t shown, uint64_t problems)
{
	fprintf(out, "%llu SSH connection%s (%llu with problems), %llu shown; "
	    "%llu log lines read, %llu recognised, %llu binary, %llu cut\n",
	    (unsigned long long)st->conns, st->conns == 1 ? "" : "s",
	    (unsigned long long)problems, (unsigned long long)shown,
	    (unsigned long long)st->lines, (unsigned long long)st->recognised,
	    (unsigned long long)st->binary, (unsigned long long)st->cut);
	if (st->evicted > 0)
		fprintf(out, "caps reached (include/kexray/core/limits.h): %llu "
		    "connections reported early at KX_SSHLOG_CONNS_MAX or "
		    "KX_SSHLOG_HELD_MAX\n", (unsigned long long)st->evicted);
}
