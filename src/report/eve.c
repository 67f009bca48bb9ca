/* --format eve: Suricata EVE JSON "ssh" events, so pipelines that read
 * Suricata (Elastic's and Splunk's Suricata modules, jq scripts) take them
 * as they are. The common part and the "ssh" object are Suricata's own
 * (docs.suricata.io "Eve JSON Format"; rust/src/ssh/logger.rs): "client"
 * and "server" each with proto_version, software_version (the
 * softwareversion of RFC 4253 4.2, without comments) and hassh {hash,
 * string}, each key present only when known, as Suricata does. kexray's
 * whole JSON record (docs/output-format.md) follows under "kexray". */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kexray/events/bruteforce.h"
#include "kexray/analyze/close.h"
#include "kexray/analyze/community_id.h"
#include "kexray/report/patterns.h"
#include "kexray/report/report.h"

/* Suricata's flow_id is a positive integer; 51 bits keep it exact in
 * every JSON reader that parses numbers as doubles. */
#define EVE_FLOW_ID_MASK ((1ull << 51) - 1)

/* A stable flow_id from the connection's uid (FNV-1a 64). */
static uint64_t
flow_id(const char *uid)
{
	uint64_t h = 14695981039346656037ull;

	for (const char *p = uid; *p != '\0'; p++) {
		h ^= (uint8_t)*p;
		h *= 1099511628211ull;
	}
	h &= EVE_FLOW_ID_MASK;
	return h != 0 ? h : 1;
}

static void
eve_side(FILE *out, const struct kx_conn *c, const struct kx_verdict *v,
    int side)
{
	const struct kx_ssh_side *s = kx_conn_ssh(c, side);
	const struct kx_kexinit *k = s->kexinit;
	uint8_t *buf;
	size_t n;

	fprintf(out, "\"%s\":{\"proto_version\":", side == KX_CLIENT ? "client" :
	    "server");
	kx_json_string(out, s->banner + s->proto_off, s->proto_len);
	if (s->soft_len > 0) {
		fputs(",\"software_version\":", out);
		kx_json_string(out, s->banner + s->soft_off, s->soft_len);
	}
	if (v->assess.have_hassh[side] && k != NULL) {
		fprintf(out, ",\"hassh\":{\"hash\":\"%s\"", v->assess.hassh[side]);
		n = kx_hassh_algorithms(k, side == KX_SERVER, NULL, 0);
		if ((buf = malloc(n + 1)) != NULL) {
			kx_hassh_algorithms(k, side == KX_SERVER, buf, n);
			fputs(",\"string\":", out);
			kx_json_string(out, buf, n);
			free(buf);
		}
		fputc('}', out);
	}
	fputc('}', out);
}

/* Suricata writes the endpoints only when the flow has them; a record read
 * from a log may not. */
static void
eve_endpoint(FILE *out, const struct kx_conn *c, int side, const char *who)
{
	char addr[64];

	if (kx_conn_log(c) != NULL && !kx_conn_log(c)->have_ep[side])
		return;
	kx_addr_text(c, side, addr, sizeof(addr));
	fprintf(out, ",\"%s_ip\":\"%s\",\"%s_port\":%u", who, addr, who,
	    c->ep[side].port);
}

/* The part every event of a connection shares, in Suricata's order:
 * timestamp (ts_us), flow_id (one per connection, from its uid),
 * event_type, the endpoints, proto, vlan and community_id. */
static void
eve_head(FILE *out, const struct kx_conn *c, uint64_t ts_us, const char *type)
{
	char tbuf[32], uid[19], cid[KX_COMMUNITY_ID_SIZE];

	/* Suricata's timestamp: ISO 8601 with microseconds and a numeric
	 * offset; kexray writes UTC. */
	kx_iso_seconds(ts_us, tbuf);
	kx_conn_uid(c, uid);
	fprintf(out, "{\"timestamp\":\"%s.%06llu+0000\",\"flow_id\":%llu,"
	    "\"event_type\":\"%s\"", tbuf, (unsigned long long)(ts_us % 1000000),
	    (unsigned long long)flow_id(uid), type);
	eve_endpoint(out, c, KX_CLIENT, "src");
	eve_endpoint(out, c, KX_SERVER, "dest");
	fputs(",\"proto\":\"TCP\"", out);
	if (c->vlan != 0)
		fprintf(out, ",\"vlan\":[%u]", c->vlan);
	/* Suricata's community-id: yes writes it here, after proto. */
	if (kx_conn_community_id(c, cid))
		fprintf(out, ",\"community_id\":\"%s\"", cid);
}

/* kexray's own signatures, in Suricata's alert object. gid 1 as Suricata's
 * rules; the sids are kexray's (a pipeline matches on the "KEXRAY"
 * prefix of the name, as on "ET " for Emerging Threats). */
struct eve_sig {
	uint32_t sid;
	int severity;
	const char *signature;
	const char *category;
};
static const struct eve_sig sig_forged_rst = {
	8220001, 2, "KEXRAY SSH connection ended by a likely forged TCP reset",
	"Potentially Bad Traffic",
};
/* Patterns across connections (events/patterns.h), by kind. */
static const struct eve_sig sig_pattern[KX_PAT_MAX] = {
	[KX_PAT_SCAN] = { 8220003, 3, "KEXRAY SSH scan: connections that "
	    "leave after the server's banner, KEXINIT or key exchange reply",
	    "Attempted Information Leak" },
	[KX_PAT_REGRESSHION] = { 8220004, 1, "KEXRAY SSH regreSSHion pattern "
	    "(CVE-2024-6387): unauthenticated connections held to "
	    "LoginGraceTime", "Attempted Administrator Privilege Gain" },
	[KX_PAT_DHEAT] = { 8220005, 2, "KEXRAY SSH DHEat pattern "
	    "(CVE-2002-20001): key exchange inits in a burst",
	    "Attempted Denial of Service" },
};

static const struct eve_sig sig_bruteforce = {
	8220002, 1, "KEXRAY SSH brute force: connections ending before a session",
	"Attempted Administrator Privilege Gain",
};

static void
eve_alert(FILE *out, const struct eve_sig *s)
{
	fprintf(out, ",\"alert\":{\"action\":\"allowed\",\"gid\":1,"
	    "\"signature_id\":%u,\"rev\":1,\"signature\":\"%s\","
	    "\"category\":\"%s\",\"severity\":%d}", s->sid, s->signature,
	    s->category, s->severity);
}

void
kx_report_eve_close(FILE *out, const struct kx_conn *c,
    const struct kx_close_info *ci)
{
	uint64_t end = kx_close_end_ts(c);

	eve_head(out, c, end, "kexray_close");
	fputs(",\"kexray_close\":", out);
	kx_report_json_close_object(out, c, ci, true);
	fputs("}\n", out);
	if (!ci->third_party)
		return;
	eve_head(out, c, end, "alert");
	eve_alert(out, &sig_forged_rst);
	fputs(",\"kexray\":", out);
	kx_report_json_close_object(out, c, ci, true);
	fputs("}\n", out);
}

void
kx_report_eve_bruteforce(FILE *out, const struct kx_conn *c,
    const struct kx_brute_hit *h)
{
	eve_head(out, c, h->last_ts, "alert");
	eve_alert(out, &sig_bruteforce);
	fputs(",\"kexray\":", out);
	kx_report_json_bruteforce_object(out, h);
	fputs("}\n", out);
}

void
kx_report_eve_pattern(FILE *out, const struct kx_conn *c,
    const struct kx_pattern_hit *h)
{
	if (h->kind >= KX_PAT_MAX)
		return;
	eve_head(out, c, h->last_ts, "alert");
	eve_alert(out, &sig_pattern[h->kind]);
	fputs(",\"kexray\":", out);
	kx_report_json_pattern_object(out, h, false);
	fputs("}\n", out);
}

void
kx_report_eve(FILE *out, const struct kx_conn *c, const struct kx_verdict *v)
{
	const struct kx_ssh_side *cs = kx_conn_ssh(c, KX_CLIENT);
	const struct kx_ssh_side *ss = kx_conn_ssh(c, KX_SERVER);
	bool any;

	eve_head(out, c, c->ts_first, "ssh");
	/* Suricata logs a side once its identification line parsed. */
	fputs(",\"ssh\":{", out);
	any = false;
	if (cs->have_banner && cs->proto_len > 0) {
		eve_side(out, c, v, KX_CLIENT);
		any = true;
	}
	if (ss->have_banner && ss->proto_len > 0) {
		fputs(any ? "," : "", out);
		eve_side(out, c, v, KX_SERVER);
	}
	fputs("},\"kexray\":", out);
	kx_report_json_object(out, c, v);
	fputs("}\n", out);
}
