/* The close record (docs/output-format.md): how a connection ended, its
 * RSTs with their forensic verdicts, and the brute-force report; as a JSON
 * "close" / "bruteforce" object and as the text report's END block, whose
 * last line is the one sentence that says how it ended. Formatting only:
 * the verdicts come from close.c, resets.c and bruteforce.c. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "kexray/events/bruteforce.h"
#include "kexray/report/report.h"
#include "kexray/report/auth.h"
#include "kexray/analyze/resets.h"
#include "kexray/input/sshlog.h"

static void
json_cstr(struct kx_sb *out, const char *s)
{
	kx_sb_json(out, (const uint8_t *)s, strlen(s));
}

static void
json_ts(struct kx_sb *out, const char *key, uint64_t ts)
{
	kx_sb_putc(out, '"');
	kx_sb_put(out, key);
	KX_SB_PUTS(out, "\":");
	kx_sb_us(out, ts);
}

static void
raw_addr(uint8_t ipv, const uint8_t *a, char *buf, size_t len)
{
	if (inet_ntop(ipv == 4 ? AF_INET : AF_INET6, a, buf, (socklen_t)len) ==
	    NULL)
		snprintf(buf, len, "?");
}

uint64_t
kx_close_end_ts(const struct kx_conn *c)
{
	return (c->close == KX_CLOSE_FIN || c->close == KX_CLOSE_RST) &&
	    c->close_ts != 0 ? c->close_ts : c->ts_last;
}

/* One RST; lean leaves out what is unset (no ACK, no IP ID, no signal). */
static void
json_rst(struct kx_sb *out, const struct kx_rst *r, bool full)
{
	char text[200];
	bool first = true;

	kx_sb_put(out, r->from & 1 ? "{\"from\":\"server\"," : "{\"from\":\"client\",");
	json_ts(out, "ts", r->ts_us);
	KX_SB_PUTS(out, ",\"seq\":");
	kx_sb_u(out, r->seq);
	if (r->tcp_flags & KX_TCP_ACK) {
		KX_SB_PUTS(out, ",\"ack\":");
		kx_sb_u(out, r->ack);
	} else if (full) {
		KX_SB_PUTS(out, ",\"ack\":null");
	}
	KX_SB_PUTS(out, ",\"ttl\":");
	kx_sb_u(out, r->ttl);
	if (r->ip_version == 4) {
		KX_SB_PUTS(out, ",\"ip_id\":");
		kx_sb_u(out, r->ip_id);
	} else if (full) {
		KX_SB_PUTS(out, ",\"ip_id\":null");
	}
	KX_SB_PUTS(out, ",\"window\":");
	kx_sb_u(out, r->win);
	KX_SB_PUTS(out, ",\"payload_bytes\":");
	kx_sb_u(out, r->payload_len);
	KX_SB_PUTS(out, ",\"verdict\":\"");
	kx_sb_put(out, kx_rst_verdict_names[kx_rst_verdict(r)]);
	if (!full && r->signals == 0) {
		KX_SB_PUTS(out, "\"}");
		return;
	}
	KX_SB_PUTS(out, "\",\"signals\":[");
	for (int s = 0; s < KX_RSTSIG_MAX; s++) {
		if (!(r->signals & (1u << s)))
			continue;
		kx_rst_signal_text(r, (enum kx_rst_signal)s, text, sizeof(text));
		kx_sb_printf(out, "%s{\"name\":\"%s\",\"got\":%u,\"want\":%u,\"text\":",
		    first ? "" : ",", kx_rst_signal_names[s], r->val[s].got,
		    r->val[s].want);
		json_cstr(out, text);
		kx_sb_putc(out, '}');
		first = false;
	}
	KX_SB_PUTS(out, "]}");
}

/* The "close" record. full (--records full) keeps every member, null
 * ones too, as schema 1 wrote them; lean leaves out the unset ones. The
 * record is a problem when the end is (ci->problem) or the handshake was
 * (its verdict, kept in c->hs_outcome). */
void
kx_report_json_close(FILE *fp, const struct kx_conn *c,
    const struct kx_close_info *ci, bool full)
{
	kx_report_json_close_object(fp, c, ci, full);
	putc_unlocked('\n', fp);
}

void
kx_report_json_close_object(FILE *fp, const struct kx_conn *c,
    const struct kx_close_info *ci, bool full)
{
	const struct kx_rstlog *l = kx_conn_rsts(c);
	struct kx_sb sb, *out = &sb;
	bool problem = ci->problem ||
	    kx_verdict_is_problem((enum kx_verdict_kind)c->hs_outcome.kind);

	kx_sb_init(out, fp);
	kx_sb_record_head(out, "close", c, full);
	KX_SB_PUTS(out, ",\"source\":\"");
	kx_sb_put(out, kx_source_names[c->source < KX_SOURCE_MAX ? c->source :
	    KX_SOURCE_PCAP]);
	kx_sb_putc(out, '"');
	kx_sb_endpoints(out, c, full);
	if (c->vlan != 0)
		kx_sb_printf(out, ",\"vlan\":%u", c->vlan);
	if (c->tunnel != KX_TUN_NONE && c->tunnel < KX_TUN_MAX)
		kx_sb_printf(out, ",\"tunnel\":\"%s\"", kx_tunnel_names[c->tunnel]);
	kx_sb_putc(out, ',');
	json_ts(out, "end_ts", kx_close_end_ts(c));
	KX_SB_PUTS(out, ",\"duration\":");
	/* Whole microseconds: the digits %.6f would print. */
	if (kx_close_end_ts(c) <= c->ts_first)
		kx_sb_us(out, 0);
	else if (kx_close_end_ts(c) - c->ts_first < 1000000000000000ull)
		kx_sb_us(out, kx_close_end_ts(c) - c->ts_first);
	else
		kx_sb_printf(out, "%.6f", (double)(kx_close_end_ts(c) - c->ts_first) / 1e6);
	KX_SB_PUTS(out, ",\"phase\":\"");
	kx_sb_put(out, kx_phase_names[ci->phase]);
	kx_sb_putc(out, '"');
	if (c->closed_by >= 0)
		kx_sb_put(out, c->closed_by & 1 ? ",\"closed_by\":\"server\"" :
		    ",\"closed_by\":\"client\"");
	else if (full)
		KX_SB_PUTS(out, ",\"closed_by\":null");
	kx_sb_put(out, ci->third_party ? ",\"third_party\":true" :
	    ",\"third_party\":false");
	if (full || c->close != KX_CLOSE_NONE) {
		KX_SB_PUTS(out, ",\"close\":");
		if (full || c->close == KX_CLOSE_FIN || c->close == KX_CLOSE_RST)
			kx_sb_close_how(out, c);
		else
			kx_sb_name(out, kx_close_names[c->close]);
	}
	KX_SB_PUTS(out, ",\"cause\":\"");
	kx_sb_put(out, kx_cause_names[ci->cause]);
	KX_SB_PUTS(out, "\",\"cause_text\":");
	json_cstr(out, ci->text);
	if (ci->category >= 0 || full) {
		KX_SB_PUTS(out, ",\"category\":");
		kx_sb_name(out, ci->category >= 0 ? kx_cat_names[ci->category] : NULL);
	}
	if (ci->gave_up >= 0)
		kx_sb_put(out, ci->gave_up & 1 ? ",\"gave_up\":\"server\"" :
		    ",\"gave_up\":\"client\"");
	else if (full)
		KX_SB_PUTS(out, ",\"gave_up\":null");
	if (ci->mtu_side >= 0) {
		const struct kx_tcpfacts *f = &c->half[ci->mtu_side].tf;

		kx_sb_printf(out, ",\"mtu\":{\"side\":\"%s\",\"segment_bytes\":%u,"
		    "\"sent\":%u}", kx_side_names[ci->mtu_side & 1], f->rexmit_len,
		    f->rexmits + 1u);
	} else if (full) {
		KX_SB_PUTS(out, ",\"mtu\":null");
	}
	kx_sb_put(out, problem ? ",\"problem\":true" : ",\"problem\":false");
	kx_sb_auth(out, c, full);
	kx_sb_put(out, c->evicted ? ",\"evicted\":true,\"resets_total\":" :
	    ",\"evicted\":false,\"resets_total\":");
	kx_sb_u(out, l != NULL ? l->total : 0);
	if (full || (l != NULL && l->n > 0)) {
		KX_SB_PUTS(out, ",\"resets\":[");
		for (uint8_t i = 0; l != NULL && i < l->n; i++) {
			if (i > 0)
				kx_sb_putc(out, ',');
			json_rst(out, &l->r[i], full);
		}
		kx_sb_putc(out, ']');
	}
	kx_sb_putc(out, '}');
	kx_sb_flush(out);
}

static void
text_endpoint(FILE *out, const struct kx_conn *c, int side)
{
	char addr[64];

	if (kx_conn_log(c) != NULL && !kx_conn_log(c)->have_ep[side]) {
		fputs("?", out);
		return;
	}
	kx_addr_text(c, side, addr, sizeof(addr));
	fprintf(out, c->ip_version == 6 ? "[%s]:%u" : "%s:%u", addr,
	    c->ep[side].port);
}

/* "END  A -> B  uid  phase P, cause C" */
static void
text_head(FILE *out, const struct kx_conn *c, const struct kx_close_info *ci)
{
	char uid[19];

	kx_conn_uid(c, uid);
	fputs("END  ", out);
	text_endpoint(out, c, KX_CLIENT);
	fputs(" -> ", out);
	text_endpoint(out, c, KX_SERVER);
	fprintf(out, "  %s  phase %s, %s", uid, kx_phase_names[ci->phase],
	    kx_cause_names[ci->cause]);
	if (c->closed_by >= 0 && (c->close == KX_CLOSE_FIN ||
	    c->close == KX_CLOSE_RST))
		fprintf(out, ", %s by %s%s", c->close == KX_CLOSE_RST ? "RST" :
		    "FIN", ci->third_party ? "a third party as the " : "the ",
		    kx_side_names[c->closed_by & 1]);
	fputc('\n', out);
}

/* The END line and the resets that ended it, with their signals. */
static void
text_resets(FILE *out, const struct kx_conn *c, const struct kx_close_info *ci)
{
	const struct kx_rstlog *l = kx_conn_rsts(c);
	char text[200];

	text_head(out, c, ci);
	for (uint8_t i = 0; l != NULL && i < l->n; i++) {
		const struct kx_rst *r = &l->r[i];
		uint64_t at = r->ts_us > c->ts_first ? r->ts_us - c->ts_first : 0;

		fprintf(out, "  %-11sfrom the %s at +%.3f s, seq %u: %s\n",
		    i == 0 ? "resets" : "", kx_side_names[r->from & 1],
		    (double)at / 1e6, r->seq,
		    kx_rst_verdict_names[kx_rst_verdict(r)]);
		for (int s = 0; s < KX_RSTSIG_MAX; s++) {
			if (!(r->signals & (1u << s)))
				continue;
			kx_rst_signal_text(r, (enum kx_rst_signal)s, text,
			    sizeof(text));
			fprintf(out, "  %-11s  %s: %s\n", "", kx_rst_signal_names[s],
			    text);
		}
	}
	if (l != NULL && l->total > l->n)
		fprintf(out, "  %-11s%u more RSTs counted, not kept (flow.rst_limit)\n",
		    "", l->total - l->n);
}

void
kx_report_text_close(FILE *out, const struct kx_conn *c,
    const struct kx_close_info *ci)
{
	text_resets(out, c, ci);
	fprintf(out, "  %-11s", "ended");
	kx_text_escaped(out, (const uint8_t *)ci->text, strlen(ci->text));
	fputc('\n', out);
	kx_report_text_auth(out, c);
	fputc('\n', out);
}

void
kx_report_text_close_after(FILE *out, const struct kx_conn *c,
    const struct kx_close_info *ci, const char *said, bool full)
{
	if (!full) {
		text_head(out, c, ci);
		kx_report_text_auth(out, c);
		fputc('\n', out);
		return;
	}
	if (said == NULL || strstr(said, ci->text) == NULL) {
		kx_report_text_close(out, c, ci);
		return;
	}
	/* The block above said the same sentence: only the TCP detail. */
	text_resets(out, c, ci);
	kx_report_text_auth(out, c);
	fputc('\n', out);
}

void
kx_report_brief_close(FILE *out, const struct kx_conn *c,
    const struct kx_close_info *ci)
{
	text_head(out, c, ci);
}

void
kx_report_json_bruteforce(FILE *fp, const struct kx_brute_hit *h)
{
	kx_report_json_bruteforce_object(fp, h);
	putc_unlocked('\n', fp);
}

void
kx_report_json_bruteforce_object(FILE *fp, const struct kx_brute_hit *h)
{
	char src[64], dst[64];
	struct kx_sb sb, *out = &sb;

	kx_sb_init(out, fp);
	raw_addr(h->ip_version, h->src, src, sizeof(src));
	raw_addr(h->ip_version, h->dst, dst, sizeof(dst));
	kx_sb_printf(out, "{\"type\":\"bruteforce\",\"schema_version\":%d,",
	    KX_JSON_SCHEMA_VERSION);
	json_ts(out, "ts", h->last_ts);
	kx_sb_printf(out, ",\"id.orig_h\":\"%s\",\"id.resp_h\":\"%s\",\"id.resp_p\":%u,"
	    "\"count\":%u,\"attempts\":%u,\"by\":\"%s\",\"threshold\":%u,"
	    "\"window_minutes\":%u,", src, dst, h->dport, h->count, h->attempts,
	    h->by_attempts ? "attempts" : "connections", h->threshold,
	    h->window_min);
	json_ts(out, "first_ts", h->first_ts);
	kx_sb_putc(out, ',');
	json_ts(out, "last_ts", h->last_ts);
	KX_SB_PUTS(out, ",\"phases\":{");
	for (int p = KX_PHASE_TCP; p <= KX_PHASE_AUTH; p++)
		kx_sb_printf(out, "%s\"%s\":%u", p > KX_PHASE_TCP ? "," : "",
		    kx_phase_names[p], h->phases[p]);
	KX_SB_PUTS(out, "}}");
	kx_sb_flush(out);
}

void
kx_report_text_bruteforce(FILE *out, const struct kx_brute_hit *h)
{
	char src[64], dst[64];
	bool first = true;

	raw_addr(h->ip_version, h->src, src, sizeof(src));
	raw_addr(h->ip_version, h->dst, dst, sizeof(dst));
	fprintf(out, h->ip_version == 6 ? "BRUTEFORCE  %s -> [%s]:%u" :
	    "BRUTEFORCE  %s -> %s:%u", src, dst, h->dport);
	fprintf(out, "  %u connection%s ended before a session, %u failed "
	    "login%s in %.1f s (threshold %u %s in %u min; ", h->count,
	    h->count == 1 ? "" : "s", h->attempts, h->attempts == 1 ? "" : "s", h->last_ts > h->first_ts ?
	    (double)(h->last_ts - h->first_ts) / 1e6 : 0.0, h->threshold,
	    h->by_attempts ? "failed logins" : "connections", h->window_min);
	for (int p = KX_PHASE_TCP; p <= KX_PHASE_AUTH; p++) {
		if (h->phases[p] == 0)
			continue;
		fprintf(out, "%s%s %u", first ? "" : ", ", kx_phase_names[p],
		    h->phases[p]);
		first = false;
	}
	fputs(")\n\n", out);
}
