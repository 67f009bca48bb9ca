/* JSON Lines: one object per connection. Key names follow Zeek's ssh.log
 * where Zeek has one; docs/output-format.md is the schema. */
#include <stdlib.h>
#include <string.h>

#include "kexray/report/report.h"
#include "kexray/report/auth.h"
#include "kexray/input/sshlog.h"

static void
json_cstr(FILE *out, const char *s)
{
	kx_json_string(out, (const uint8_t *)s, strlen(s));
}

static void
sb_cstr(struct kx_sb *out, const char *s)
{
	kx_sb_json(out, (const uint8_t *)s, strlen(s));
}

static void
json_namelist(FILE *out, const struct kx_namelist *nl)
{
	uint32_t off = 0, len;
	const uint8_t *name;
	bool first = true;

	fputc('[', out);
	if (nl->len > 0) {
		while (kx_namelist_next(nl, &off, &name, &len)) {
			if (!first)
				fputc(',', out);
			first = false;
			kx_json_string(out, name, len);
		}
	}
	fputc(']', out);
}

static void
json_kexinit(FILE *out, const struct kx_kexinit *k)
{
	if (k == NULL) {
		fputs("null", out);
		return;
	}
	fputc('{', out);
	for (int i = 0; i < KX_PROP_MAX; i++) {
		fprintf(out, "\"%s\":", kx_proposal_names[i]);
		json_namelist(out, &k->list[i]);
		fputc(',', out);
	}
	fprintf(out, "\"first_kex_packet_follows\":%s}",
	    k->first_kex_follows ? "true" : "false");
}

static void
json_banner(FILE *out, const struct kx_ssh_side *s)
{
	if (!s->have_banner)
		fputs("null", out);
	else
		kx_json_string(out, s->banner, s->banner_len);
}

static void
json_alg(FILE *out, const struct kx_verdict *v, int cat)
{
	if (v->nego.res[cat] == KX_NEGO_AGREED)
		kx_json_string(out, v->nego.alg[cat].p, v->nego.alg[cat].len);
	else if (v->nego.res[cat] == KX_NEGO_IMPLICIT)
		fputs("\"<implicit>\"", out);
	else
		fputs("null", out);
}

/* A count from the packets, or null when the record comes from a log,
 * which has no TCP facts. */
static void
json_count(struct kx_sb *out, const char *key, uint64_t v, bool known)
{
	kx_sb_putc(out, '"');
	kx_sb_put(out, key);
	KX_SB_PUTS(out, "\":");
	if (known)
		kx_sb_u(out, v);
	else
		KX_SB_PUTS(out, "null");
	kx_sb_putc(out, ',');
}

static void
json_side(struct kx_sb *out, const struct kx_conn *c, int side, bool tcp)
{
	const struct kx_half *h = &c->half[side];
	const struct kx_ssh_side *s = kx_conn_ssh(c, side);

	kx_sb_putc(out, '{');
	json_count(out, "packets", h->pkts, tcp);
	json_count(out, "payload_bytes", h->payload_bytes, tcp);
	kx_sb_put(out, h->fin ? "\"fin\":true," : "\"fin\":false,");
	kx_sb_put(out, h->rst ? "\"rst\":true," : "\"rst\":false,");
	kx_sb_put(out, s->newkeys ? "\"newkeys\":true," : "\"newkeys\":false,");
	json_count(out, "encrypted_bytes", kx_conn_encrypted(c, side), tcp);
	KX_SB_PUTS(out, "\"prebanner_lines\":");
	kx_sb_u(out, s->prebanner_lines);
	kx_sb_putc(out, ',');
	KX_SB_PUTS(out, "\"prebanner_first\":");
	if (s->prebanner_lines > 0)
		kx_sb_json(out, (const uint8_t *)s->prebanner_first,
		    s->prebanner_first_len);
	else
		KX_SB_PUTS(out, "null");
	KX_SB_PUTS(out, ",\"messages\":[");
	for (uint32_t i = 0; i < s->msg_count && i < KX_MSGLOG_MAX; i++) {
		kx_sb_put(out, i > 0 ? ",{\"code\":" : "{\"code\":");
		kx_sb_u(out, s->msglog[i].code);
		KX_SB_PUTS(out, ",\"name\":\"");
		kx_sb_put(out, kx_ssh_msg_name(s->msglog[i].code));
		KX_SB_PUTS(out, "\",\"size\":");
		kx_sb_u(out, s->msglog[i].size);
		kx_sb_putc(out, '}');
	}
	KX_SB_PUTS(out, "],\"message_count\":");
	kx_sb_u(out, s->msg_count);
	KX_SB_PUTS(out, ",\"disconnect\":");
	if (s->have_disconnect) {
		const char *rn = kx_ssh_disconnect_reason_name(s->disc_reason);

		kx_sb_printf(out, "{\"reason\":%u,\"reason_name\":", s->disc_reason);
		if (rn != NULL)
			sb_cstr(out, rn);
		else
			KX_SB_PUTS(out, "null");
		KX_SB_PUTS(out, ",\"description\":");
		kx_sb_json(out, s->disc_desc, s->disc_desc_len);
		kx_sb_putc(out, '}');
	} else {
		KX_SB_PUTS(out, "null");
	}
	kx_sb_putc(out, '}');
}

/* "id.orig_h":"A","id.orig_p":N, or nulls when a log does not say. */
static void
json_endpoint(struct kx_sb *out, const struct kx_conn *c, int side, const char *who)
{
	char addr[64];

	if (kx_conn_log(c) != NULL && !kx_conn_log(c)->have_ep[side]) {
		kx_sb_printf(out, "\"id.%s_h\":null,\"id.%s_p\":null,", who, who);
		return;
	}
	kx_addr_text(c, side, addr, sizeof(addr));
	KX_SB_PUTS(out, "\"id.");
	kx_sb_put(out, who);
	KX_SB_PUTS(out, "_h\":\"");
	kx_sb_put(out, addr);
	KX_SB_PUTS(out, "\",\"id.");
	kx_sb_put(out, who);
	KX_SB_PUTS(out, "_p\":");
	kx_sb_u(out, c->ep[side].port);
	kx_sb_putc(out, ',');
}

/* "source", and for a record read from a log what the log adds and what it
 * cannot tell (docs/sshd-log.md). */
static void
json_source(struct kx_sb *out, const struct kx_conn *c)
{
	KX_SB_PUTS(out, "\"source\":\"");
	kx_sb_put(out, kx_source_names[c->source < KX_SOURCE_MAX ? c->source :
	    KX_SOURCE_PCAP]);
	kx_sb_putc(out, '"');
	kx_sb_log(out, kx_conn_log(c), true);
	kx_sb_putc(out, ',');
}

/* From "client" to "compression_alg" (--records full): banners, KEXINITs
 * and the negotiation, the same for every connection of the pair. */
static void
json_handshake(FILE *out, const struct kx_conn *c, const struct kx_verdict *v)
{
	bool first;

	fputs("\"client\":", out);
	json_banner(out, kx_conn_ssh(c, KX_CLIENT));
	fputs(",\"server\":", out);
	json_banner(out, kx_conn_ssh(c, KX_SERVER));
	fputs(",\"client_kexinit\":", out);
	json_kexinit(out, kx_conn_ssh(c, KX_CLIENT)->kexinit);
	fputs(",\"server_kexinit\":", out);
	json_kexinit(out, kx_conn_ssh(c, KX_SERVER)->kexinit);
	for (int side = 0; side < 2; side++) {
		fprintf(out, ",\"%s_kexinit_id\":", side == KX_CLIENT ? "client" :
		    "server");
		if (v->assess.have_kexinit_id[side])
			fprintf(out, "\"%s\"", v->assess.kexinit_id[side]);
		else
			fputs("null", out);
	}

	fputs(",\"negotiated\":", out);
	if (kx_conn_ssh(c, KX_CLIENT)->kexinit == NULL ||
	    kx_conn_ssh(c, KX_SERVER)->kexinit == NULL) {
		fputs("null", out);
	} else {
		fputc('{', out);
		for (int cat = 0; cat < KX_CAT_MAX; cat++) {
			fprintf(out, "%s\"%s\":", cat > 0 ? "," : "",
			    kx_cat_names[cat]);
			json_alg(out, v, cat);
		}
		fputc('}', out);
	}
	fputs(",\"mismatch\":[", out);
	first = true;
	for (int cat = 0; cat < KX_CAT_MAX; cat++) {
		if (!(v->nego.mismatch_mask & (1u << cat)))
			continue;
		fprintf(out, "%s\"%s\"", first ? "" : ",", kx_cat_names[cat]);
		first = false;
	}
	fputs("],\"server_log\":", out);
	if (v->nego.first_failure >= 0)
		json_cstr(out, kx_nego_failure_text((enum kx_cat)v->nego.first_failure));
	else
		fputs("null", out);
	/* Zeek's single-valued fields take the client-to-server choice. */
	fputs(",\"kex_alg\":", out);
	json_alg(out, v, KX_CAT_KEX);
	fputs(",\"host_key_alg\":", out);
	json_alg(out, v, KX_CAT_HOSTKEY);
	fputs(",\"cipher_alg\":", out);
	json_alg(out, v, KX_CAT_CIPHER_C2S);
	fputs(",\"mac_alg\":", out);
	json_alg(out, v, KX_CAT_MAC_C2S);
	fputs(",\"compression_alg\":", out);
	json_alg(out, v, KX_CAT_COMP_C2S);
}

void
kx_report_json(FILE *out, const struct kx_conn *c, const struct kx_verdict *v)
{
	kx_report_json_object(out, c, v);
	putc_unlocked('\n', out);
}

void
kx_report_json_object(FILE *fp, const struct kx_conn *c,
    const struct kx_verdict *v)
{
	struct kx_sb sb, *out = &sb;
	bool first;

	kx_sb_init(out, fp);
	kx_sb_record_head(out, "ssh", c, true);
	kx_sb_putc(out, ',');
	json_source(out, c);
	json_endpoint(out, c, KX_CLIENT, "orig");
	json_endpoint(out, c, KX_SERVER, "resp");
	if (c->vlan != 0)
		kx_sb_printf(out, "\"vlan\":%u,", c->vlan);
	if (c->tunnel != KX_TUN_NONE && c->tunnel < KX_TUN_MAX)
		kx_sb_printf(out, "\"tunnel\":\"%s\",", kx_tunnel_names[c->tunnel]);
	kx_sb_flush(out);
	json_handshake(fp, c, v);
	KX_SB_PUTS(out, ",\"verdict\":\"");
	kx_sb_put(out, kx_verdict_names[v->kind]);
	kx_sb_put(out, v->problem ? "\",\"problem\":true" : "\",\"problem\":false");
	kx_sb_put(out, v->handshake_complete ? ",\"handshake_complete\":true" :
	    ",\"handshake_complete\":false");
	kx_sb_kexguess(out, c, true);
	KX_SB_PUTS(out, ",\"reason\":");
	sb_cstr(out, v->reason);
	KX_SB_PUTS(out, ",\"closed_by\":");
	if (c->closed_by >= 0)
		kx_sb_put(out, c->closed_by == KX_CLIENT ? "\"client\"" : "\"server\"");
	else
		KX_SB_PUTS(out, "null");
	KX_SB_PUTS(out, ",\"close\":");
	kx_sb_close_how(out, c);
	kx_sb_tail_times(out, c);
	kx_sb_putc(out, ',');
	KX_SB_PUTS(out, "\"client_side\":");
	json_side(out, c, KX_CLIENT, !c->no_tcp_facts);
	KX_SB_PUTS(out, ",\"server_side\":");
	json_side(out, c, KX_SERVER, !c->no_tcp_facts);
	kx_sb_flush(out);
	kx_report_assess_json_pair(fp, c, v);
	kx_report_assess_json_hostkey(fp, c, v);
	kx_sb_flush(out);
	kx_report_assess_json_advice(fp, c, v);
	kx_report_assess_json_would_log(fp, c, v);
	KX_SB_PUTS(out, ",\"anomalies\":[");
	first = true;
	for (int a = 0; a < KX_ANOM_MAX; a++) {
		if (!kx_anom_has(v->anomalies, (enum kx_anomaly)a))
			continue;
		kx_sb_printf(out, "%s\"%s\"", first ? "" : ",",
		    kx_anomaly_name((enum kx_anomaly)a));
		first = false;
	}
	KX_SB_PUTS(out, "]}");
	kx_sb_flush(out);
}
