/* --format zeek: a Zeek ssh.log in Zeek's ASCII (TSV) form, so tools that
 * read Zeek logs (zeek-cut, RITA, Security Onion, SIEM parsers) take it as
 * it is. Zeek's own fields come first, with Zeek's names, types, order and
 * values (scripts/base/protocols/ssh/main.zeek), then the HASSH package's
 * fields (salesforce/hassh zeek/hassh.zeek), then kexray's, each named
 * "kexray.<JSON key>". Escaping is Zeek's (src/threading/formatters/
 * Ascii.cc and ODesc): a byte that is not printable ASCII, a backslash and
 * the separators as \xHH; an empty string as (empty); a value that reads
 * as the unset or empty marker gets its first byte escaped. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "kexray/analyze/close.h"
#include "kexray/analyze/community_id.h"
#include "kexray/analyze/infer_conn.h"
#include "kexray/input/sshlog.h"
#include "kexray/report/report.h"

#define ZEEK_UNSET "-"
#define ZEEK_EMPTY "(empty)"

/* name and Zeek type of every column, in order. */
static const struct kx_zeek_field zeek_fields[] = {
	/* base/protocols/ssh/main.zeek SSH::Info */
	{ "ts", "time" },
	{ "uid", "string" },
	{ "id.orig_h", "addr" },
	{ "id.orig_p", "port" },
	{ "id.resp_h", "addr" },
	{ "id.resp_p", "port" },
	{ "version", "count" },
	{ "auth_success", "bool" },
	{ "auth_attempts", "count" },
	{ "direction", "enum" },
	{ "client", "string" },
	{ "server", "string" },
	{ "cipher_alg", "string" },
	{ "mac_alg", "string" },
	{ "compression_alg", "string" },
	{ "kex_alg", "string" },
	{ "host_key_alg", "string" },
	{ "host_key", "string" },
	/* the hassh package */
	{ "hasshVersion", "string" },
	{ "hassh", "string" },
	{ "hasshServer", "string" },
	{ "cshka", "string" },
	{ "hasshAlgorithms", "string" },
	{ "sshka", "string" },
	{ "hasshServerAlgorithms", "string" },
	/* kexray (docs/output-format.md) */
	{ "kexray.verdict", "string" },
	{ "kexray.problem", "bool" },
	{ "kexray.handshake_complete", "bool" },
	{ "kexray.reason", "string" },
	{ "kexray.mismatch", "set[string]" },
	{ "kexray.server_log", "string" },
	{ "kexray.closed_by", "string" },
	{ "kexray.close", "string" },
	{ "kexray.close_after", "string" },
	{ "kexray.duration", "interval" },
	{ "kexray.midstream", "bool" },
	{ "kexray.evicted", "bool" },
	{ "kexray.source", "string" },
	{ "kexray.cipher_alg_s2c", "string" },
	{ "kexray.mac_alg_s2c", "string" },
	{ "kexray.compression_alg_s2c", "string" },
	{ "kexray.host_key_fingerprint", "string" },
	{ "kexray.terrapin_exposed", "bool" },
	{ "kexray.pq", "string" },
	{ "kexray.anomalies", "set[string]" },
	/* Community ID v1, under the name Zeek's community-id package gives
	 * it in conn.log (community_id.h) */
	{ "community_id", "string" },
};
#define NFIELDS (sizeof(zeek_fields) / sizeof(zeek_fields[0]))

/* What Zeek's find_alg() logs when the lists have nothing in common. */
#define ZEEK_NEGO_FAILED "Algorithm negotiation failed"

static void
zeek_time_line(FILE *out, const char *tag, time_t now)
{
	char buf[32];
	struct tm tm;

	/* Zeek: strftime("%Y-%m-%d-%H-%M-%S") of the local time. */
	localtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d-%H-%M-%S", &tm);
	fprintf(out, "#%s\t%s\n", tag, buf);
}

void
kx_zeek_header(FILE *out, const char *path, const struct kx_zeek_field *f,
    size_t n, time_t now)
{
	fprintf(out, "#separator \\x09\n#set_separator\t,\n#empty_field\t"
	    ZEEK_EMPTY "\n#unset_field\t" ZEEK_UNSET "\n#path\t%s\n", path);
	zeek_time_line(out, "open", now);
	fputs("#fields", out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "\t%s", f[i].name);
	fputs("\n#types", out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "\t%s", f[i].type);
	fputc('\n', out);
}

void
kx_report_zeek_header(FILE *out, time_t now)
{
	kx_zeek_header(out, "ssh", zeek_fields, NFIELDS, now);
}

void
kx_report_zeek_footer(FILE *out, time_t now)
{
	zeek_time_line(out, "close", now);
}

/* One string value. in_set: the set separator is escaped too. */
void
kx_zeek_bytes(FILE *out, const uint8_t *p, size_t len, bool in_set)
{
	if (len == 0) {
		fputs(ZEEK_EMPTY, out);
		return;
	}
	/* A value equal to a marker must not read as the marker. */
	if ((len == 1 && p[0] == '-') ||
	    (len == 7 && memcmp(p, ZEEK_EMPTY, 7) == 0)) {
		kx_hex_escape_byte(out, p[0]);
		p++;
		len--;
	}
	kx_hex_escaped(out, p, len, in_set ? "," : NULL);
}

void
kx_zeek_cstr(FILE *out, const char *s)
{
	if (s == NULL)
		fputs(ZEEK_UNSET, out);
	else
		kx_zeek_bytes(out, (const uint8_t *)s, strlen(s), false);
}

static void
zeek_bool(FILE *out, bool b)
{
	fputs(b ? "T" : "F", out);
}

/* Zeek's SSH::Info$version (main.zeek set_version): 2 for SSH-2 on both
 * sides or SSH-1.99 against SSH-2, 1 for SSH-1 on both, 0 for SSH-1
 * against SSH-2; unset without both banners. */
static void
zeek_version(FILE *out, const struct kx_conn *c)
{
	const struct kx_ssh_side *cs = kx_conn_ssh(c, KX_CLIENT);
	const struct kx_ssh_side *ss = kx_conn_ssh(c, KX_SERVER);
	bool c199, s199;

	if (!cs->have_banner || !ss->have_banner || cs->proto_major == 0 ||
	    ss->proto_major == 0) {
		fputs(ZEEK_UNSET, out);
		return;
	}
	c199 = cs->proto_major == 1 && cs->proto_minor == 99;
	s199 = ss->proto_major == 1 && ss->proto_minor == 99;
	if (cs->proto_major == 1 && ss->proto_major == 2)
		fputs(c199 ? "2" : "0", out);
	else if (cs->proto_major == 2 && ss->proto_major == 1)
		fputs(s199 ? "2" : "0", out);
	else if (cs->proto_major == 1 && ss->proto_major == 1)
		fputs(s199 && c199 ? "2" : "1", out);
	else if (cs->proto_major == 2 && ss->proto_major == 2)
		fputs("2", out);
	else
		fputs(ZEEK_UNSET, out);
}

/* One direction's result as Zeek's find_alg() words it; kexray's
 * "<implicit>" for the MAC of an AEAD cipher, which Zeek does not know. */
static void
alg_one(FILE *out, const struct kx_verdict *v, int cat)
{
	switch (v->nego.res[cat]) {
	case KX_NEGO_AGREED:
		kx_zeek_bytes(out, v->nego.alg[cat].p, v->nego.alg[cat].len, false);
		break;
	case KX_NEGO_IMPLICIT:
		fputs("<implicit>", out);
		break;
	case KX_NEGO_MISMATCH:
		fputs(ZEEK_NEGO_FAILED, out);
		break;
	default:
		fputs(ZEEK_UNSET, out);
		break;
	}
}

static bool
alg_same(const struct kx_verdict *v, int a, int b)
{
	if (v->nego.res[a] != v->nego.res[b])
		return false;
	if (v->nego.res[a] != KX_NEGO_AGREED)
		return true;
	return v->nego.alg[a].len == v->nego.alg[b].len &&
	    memcmp(v->nego.alg[a].p, v->nego.alg[b].p, v->nego.alg[a].len) == 0;
}

/* Zeek's find_bidirectional_alg(): the one name when both directions
 * agree, else "To server: X, to client: Y". */
static void
alg_both(FILE *out, const struct kx_verdict *v, int c2s, int s2c)
{
	if (v->nego.res[c2s] == KX_NEGO_UNKNOWN) {
		fputs(ZEEK_UNSET, out);
		return;
	}
	if (alg_same(v, c2s, s2c)) {
		alg_one(out, v, c2s);
		return;
	}
	fputs("To server: ", out);
	alg_one(out, v, c2s);
	fputs(", to client: ", out);
	alg_one(out, v, s2c);
}

/* Zeek's host_key: MD5 of the key blob K_S, hex bytes joined by ':'
 * (ssh-analyzer.pac proc_ssh2_server_host_key, fingerprint_md5). */
static void
zeek_host_key(FILE *out, const struct kx_conn *c)
{
	const struct kx_ssh_side *ss = kx_conn_ssh(c, KX_SERVER);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (ss->hostkey == NULL || ss->hostkey_len == 0 ||
	    EVP_Digest(ss->hostkey, ss->hostkey_len, md, &n, EVP_md5(), NULL) != 1) {
		fputs(ZEEK_UNSET, out);
		return;
	}
	for (unsigned int i = 0; i < n; i++)
		fprintf(out, "%s%02x", i > 0 ? ":" : "", md[i]);
}

static void
zeek_list(FILE *out, const struct kx_kexinit *k, enum kx_proposal prop)
{
	if (k == NULL)
		fputs(ZEEK_UNSET, out);
	else
		kx_zeek_bytes(out, k->list[prop].p, k->list[prop].len, false);
}

static void
zeek_hassh_alg(FILE *out, const struct kx_conn *c, int side)
{
	const struct kx_kexinit *k = kx_conn_ssh(c, side)->kexinit;
	uint8_t buf[4096];
	size_t n;

	if (k == NULL) {
		fputs(ZEEK_UNSET, out);
		return;
	}
	n = kx_hassh_algorithms(k, side == KX_SERVER, buf, sizeof(buf));
	if (n <= sizeof(buf)) {
		kx_zeek_bytes(out, buf, n, false);
		return;
	}
	/* Longer than the stack buffer (hostile lists): a second pass. */
	{
		uint8_t *big = malloc(n);

		if (big == NULL) {
			fputs(ZEEK_UNSET, out);
			return;
		}
		kx_hassh_algorithms(k, side == KX_SERVER, big, n);
		kx_zeek_bytes(out, big, n, false);
		free(big);
	}
}

/* Zeek's auth_success and auth_attempts (SSH::Info), from what kexray
 * knows when the row is written, never a default: authentication happens
 * after NEWKEYS, in encrypted packets whose sizes alone speak
 * (infer_conn.h, docs/inference.md).
 *
 * auth_success is T or F as the sizes judged the login (a
 * USERAUTH_SUCCESS-sized reply; failures then the end, or a DISCONNECT at
 * MaxAuthTries), or a log's "Accepted ... for" / "Authenticated to"; else
 * unset. The ssh.log row is written at NEWKEYS, before any login: there
 * it is unset unless a log says; the close row (kexray_close.log) is
 * judged at the end.
 *
 * auth_attempts: the attempts the sizes counted, when the outcome is known
 * and the count exact; 0 for a connection that ended (FIN, RST, timeout)
 * before NEWKEYS both ways with its start captured: nothing was ever
 * attempted; else unset. */
void
kx_zeek_auth(FILE *out, const struct kx_conn *c, const struct kx_close_info *ci)
{
	bool ended = c->close == KX_CLOSE_FIN || c->close == KX_CLOSE_RST ||
	    c->close == KX_CLOSE_TIMEOUT;
	struct kx_auth_view a;

	(void)ci;
	kx_infer_conn_judge(c, &a);
	if (kx_conn_log(c) != NULL && kx_conn_log(c)->authenticated)
		fputs("T", out);
	else if (a.r.auth_success == KX_INFER_YES)
		fputs("T", out);
	else if (a.r.auth_success == KX_INFER_NO)
		fputs("F", out);
	else
		fputs(ZEEK_UNSET, out);
	fputc('\t', out);
	if (a.r.auth_success != KX_INFER_UNKNOWN && a.r.attempts_exact)
		fprintf(out, "%u", a.r.auth_attempts);
	else if (ended && !c->midstream && !(kx_conn_newkeys(c, KX_CLIENT) &&
	    kx_conn_newkeys(c, KX_SERVER)))
		fputs("0", out);
	else
		fputs(ZEEK_UNSET, out);
}

void
kx_zeek_endpoint(FILE *out, const struct kx_conn *c, int side)
{
	char addr[64];

	if (kx_conn_log(c) != NULL && !kx_conn_log(c)->have_ep[side]) {
		fputs(ZEEK_UNSET "\t" ZEEK_UNSET, out);
		return;
	}
	kx_addr_text(c, side, addr, sizeof(addr));
	fprintf(out, "%s\t%u", addr, c->ep[side].port);
}

static void
zeek_banner(FILE *out, const struct kx_ssh_side *s)
{
	if (!s->have_banner)
		fputs(ZEEK_UNSET, out);
	else
		kx_zeek_bytes(out, s->banner, s->banner_len, false);
}

void
kx_report_zeek(FILE *out, const struct kx_conn *c, const struct kx_verdict *v)
{
	const struct kx_assessment *a = &v->assess;
	const struct kx_kexinit *ck = kx_conn_ssh(c, KX_CLIENT)->kexinit;
	const struct kx_kexinit *sk = kx_conn_ssh(c, KX_SERVER)->kexinit;
	char uid[19], step[64], cid[KX_COMMUNITY_ID_SIZE];
	bool first;

	kx_conn_uid(c, uid);
	fprintf(out, "%llu.%06llu\t%s\t", (unsigned long long)(c->ts_first / 1000000),
	    (unsigned long long)(c->ts_first % 1000000), uid);
	kx_zeek_endpoint(out, c, KX_CLIENT);
	fputc('\t', out);
	kx_zeek_endpoint(out, c, KX_SERVER);
	fputc('\t', out);
	zeek_version(out, c);
	fputc('\t', out);
	kx_zeek_auth(out, c, NULL);
	/* direction needs Site::local_nets. */
	fputs("\t" ZEEK_UNSET "\t", out);
	zeek_banner(out, kx_conn_ssh(c, KX_CLIENT));
	fputc('\t', out);
	zeek_banner(out, kx_conn_ssh(c, KX_SERVER));
	fputc('\t', out);
	alg_both(out, v, KX_CAT_CIPHER_C2S, KX_CAT_CIPHER_S2C);
	fputc('\t', out);
	alg_both(out, v, KX_CAT_MAC_C2S, KX_CAT_MAC_S2C);
	fputc('\t', out);
	alg_both(out, v, KX_CAT_COMP_C2S, KX_CAT_COMP_S2C);
	fputc('\t', out);
	if (v->nego.res[KX_CAT_KEX] == KX_NEGO_UNKNOWN)
		fputs(ZEEK_UNSET, out);
	else
		alg_one(out, v, KX_CAT_KEX);
	fputc('\t', out);
	if (v->nego.res[KX_CAT_HOSTKEY] == KX_NEGO_UNKNOWN)
		fputs(ZEEK_UNSET, out);
	else
		alg_one(out, v, KX_CAT_HOSTKEY);
	fputc('\t', out);
	zeek_host_key(out, c);

	/* hassh package */
	fprintf(out, "\t%s\t", a->have_hassh[KX_CLIENT] || a->have_hassh[KX_SERVER] ?
	    "1.1" : ZEEK_UNSET);
	kx_zeek_cstr(out, a->have_hassh[KX_CLIENT] ? a->hassh[KX_CLIENT] : NULL);
	fputc('\t', out);
	kx_zeek_cstr(out, a->have_hassh[KX_SERVER] ? a->hassh[KX_SERVER] : NULL);
	fputc('\t', out);
	zeek_list(out, ck, KX_PROP_HOSTKEY);
	fputc('\t', out);
	zeek_hassh_alg(out, c, KX_CLIENT);
	fputc('\t', out);
	zeek_list(out, sk, KX_PROP_HOSTKEY);
	fputc('\t', out);
	zeek_hassh_alg(out, c, KX_SERVER);

	/* kexray */
	fprintf(out, "\t%s\t", kx_verdict_names[v->kind]);
	zeek_bool(out, v->problem);
	fputc('\t', out);
	zeek_bool(out, v->handshake_complete);
	fputc('\t', out);
	kx_zeek_cstr(out, v->reason);
	fputc('\t', out);
	first = true;
	for (int cat = 0; cat < KX_CAT_MAX; cat++) {
		if (!(v->nego.mismatch_mask & (1u << cat)))
			continue;
		fprintf(out, "%s%s", first ? "" : ",", kx_cat_names[cat]);
		first = false;
	}
	if (first)
		fputs(ZEEK_EMPTY, out);
	fputc('\t', out);
	kx_zeek_cstr(out, v->nego.first_failure >= 0 ?
	    kx_nego_failure_text((enum kx_cat)v->nego.first_failure) : NULL);
	fputc('\t', out);
	kx_zeek_cstr(out, c->closed_by < 0 ? NULL : c->closed_by == KX_CLIENT ?
	    "client" : "server");
	fputc('\t', out);
	kx_zeek_cstr(out, c->close != KX_CLOSE_NONE ? kx_close_names[c->close] : NULL);
	fputc('\t', out);
	kx_step_text(&c->close_after, step, sizeof(step));
	kx_zeek_cstr(out, c->close == KX_CLOSE_FIN || c->close == KX_CLOSE_RST ?
	    (step[0] != '\0' ? step : "nothing") : NULL);
	fprintf(out, "\t%.6f\t", (double)(c->ts_last - c->ts_first) / 1e6);
	zeek_bool(out, c->midstream);
	fputc('\t', out);
	zeek_bool(out, c->evicted);
	fprintf(out, "\t%s\t", kx_source_names[c->source < KX_SOURCE_MAX ?
	    c->source : KX_SOURCE_PCAP]);
	alg_one(out, v, KX_CAT_CIPHER_S2C);
	fputc('\t', out);
	alg_one(out, v, KX_CAT_MAC_S2C);
	fputc('\t', out);
	alg_one(out, v, KX_CAT_COMP_S2C);
	fputc('\t', out);
	kx_zeek_cstr(out, a->hostkey.have ? a->hostkey.fp : NULL);
	fputc('\t', out);
	if (a->terrapin.known)
		zeek_bool(out, a->terrapin.exposed);
	else
		fputs(ZEEK_UNSET, out);
	fputc('\t', out);
	kx_zeek_cstr(out, a->pq.verdict != KX_PQ_UNKNOWN ?
	    kx_pq_verdict_names[a->pq.verdict] : NULL);
	fputc('\t', out);
	first = true;
	for (int an = 0; an < KX_ANOM_MAX; an++) {
		if (!kx_anom_has(v->anomalies, (enum kx_anomaly)an))
			continue;
		fprintf(out, "%s%s", first ? "" : ",",
		    kx_anomaly_name((enum kx_anomaly)an));
		first = false;
	}
	if (first)
		fputs(ZEEK_EMPTY, out);
	fputc('\t', out);
	kx_zeek_cstr(out, kx_conn_community_id(c, cid) ? cid : NULL);
	fputc('\n', out);
}
