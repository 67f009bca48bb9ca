/* A Zeek log directory (--format zeek --output DIR): besides ssh.log, the
 * close records (kexray_close.log), the kexinit records
 * (kexray_kexinit.log) and brute force as a notice.log line in the form
 * of Zeek's SSH::Password_Guessing (policy/protocols/ssh/
 * detect-bruteforcing.zeek), each a Zeek ASCII log with Zeek's header and
 * escaping (report_zeek.c), so zeek-cut and Zeek log readers take them as
 * they take Zeek's own. The columns mirror the JSON records of the same
 * names (docs/output-format.md). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kexray/events/bruteforce.h"
#include "kexray/analyze/close.h"
#include "kexray/analyze/community_id.h"
#include "kexray/report/patterns.h"
#include "kexray/report/report.h"
#include "kexray/analyze/resets.h"

#define ZEEK_UNSET "-"

const char *const kx_zeek_log_files[KX_ZLOG_MAX] = {
	[KX_ZLOG_SSH] = "ssh.log", [KX_ZLOG_CLOSE] = "kexray_close.log",
	[KX_ZLOG_KEXINIT] = "kexray_kexinit.log", [KX_ZLOG_NOTICE] = "notice.log",
};

static const struct kx_zeek_field close_fields[] = {
	{ "ts", "time" },
	{ "uid", "string" },
	{ "community_id", "string" },
	{ "id.orig_h", "addr" },
	{ "id.orig_p", "port" },
	{ "id.resp_h", "addr" },
	{ "id.resp_p", "port" },
	{ "end_ts", "time" },
	{ "duration", "interval" },
	{ "phase", "string" },
	{ "closed_by", "string" },
	{ "third_party", "bool" },
	{ "close", "string" },
	{ "close_after", "string" },
	{ "cause", "string" },
	{ "cause_text", "string" },
	{ "category", "string" },
	{ "gave_up", "string" },
	{ "problem", "bool" },
	{ "evicted", "bool" },
	{ "auth_success", "bool" },
	{ "auth_attempts", "count" },
	{ "resets_total", "count" },
	{ "reset_verdicts", "vector[string]" },
	{ "reset_signals", "set[string]" },
};

static const struct kx_zeek_field kexinit_fields[] = {
	{ "ts", "time" },
	{ "id", "string" },
	{ "role", "string" },
	{ "kex_algorithms", "string" },
	{ "server_host_key_algorithms", "string" },
	{ "encryption_algorithms_client_to_server", "string" },
	{ "encryption_algorithms_server_to_client", "string" },
	{ "mac_algorithms_client_to_server", "string" },
	{ "mac_algorithms_server_to_client", "string" },
	{ "compression_algorithms_client_to_server", "string" },
	{ "compression_algorithms_server_to_client", "string" },
	{ "languages_client_to_server", "string" },
	{ "languages_server_to_client", "string" },
	{ "first_kex_packet_follows", "bool" },
	{ "hassh", "string" },
	{ "strict_kex", "bool" },
	{ "ext_info", "bool" },
	{ "pq", "bool" },
	{ "weak", "set[string]" },
	{ "weak_total", "count" },
};

/* Zeek's notice.log (base/frameworks/notice/main.zeek Notice::Info, the
 * columns Zeek 6 logs, in its order). */
static const struct kx_zeek_field notice_fields[] = {
	{ "ts", "time" },
	{ "uid", "string" },
	{ "id.orig_h", "addr" },
	{ "id.orig_p", "port" },
	{ "id.resp_h", "addr" },
	{ "id.resp_p", "port" },
	{ "fuid", "string" },
	{ "file_mime_type", "string" },
	{ "file_desc", "string" },
	{ "proto", "enum" },
	{ "note", "enum" },
	{ "msg", "string" },
	{ "sub", "string" },
	{ "src", "addr" },
	{ "dst", "addr" },
	{ "p", "port" },
	{ "n", "count" },
	{ "peer_descr", "string" },
	{ "actions", "set[enum]" },
	{ "email_dest", "set[string]" },
	{ "suppress_for", "interval" },
	{ "remote_location.country_code", "string" },
	{ "remote_location.region", "string" },
	{ "remote_location.city", "string" },
	{ "remote_location.latitude", "double" },
	{ "remote_location.longitude", "double" },
};

#define NF(t) (sizeof(t) / sizeof((t)[0]))

int
kx_zeek_dir_open(struct kx_zeek_dir *d, const char *dir)
{
	char path[4096];
	int e;

	memset(d, 0, sizeof(*d));
	for (int i = 0; i < KX_ZLOG_MAX; i++) {
		int n = snprintf(path, sizeof(path), "%s/%s", dir,
		    kx_zeek_log_files[i]);

		if (n < 0 || (size_t)n >= sizeof(path)) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		if ((d->f[i] = fopen(path, "a")) == NULL)
			goto fail;
	}
	return 0;
fail:
	e = errno;
	for (int i = 0; i < KX_ZLOG_MAX; i++)
		if (d->f[i] != NULL)
			fclose(d->f[i]);
	memset(d, 0, sizeof(*d));
	errno = e;
	return -1;
}

void
kx_zeek_dir_headers(struct kx_zeek_dir *d, time_t now)
{
	kx_report_zeek_header(d->f[KX_ZLOG_SSH], now);
	kx_zeek_header(d->f[KX_ZLOG_CLOSE], "kexray_close", close_fields,
	    NF(close_fields), now);
	kx_zeek_header(d->f[KX_ZLOG_KEXINIT], "kexray_kexinit", kexinit_fields,
	    NF(kexinit_fields), now);
	kx_zeek_header(d->f[KX_ZLOG_NOTICE], "notice", notice_fields,
	    NF(notice_fields), now);
	d->begun = true;
}

int
kx_zeek_dir_close(struct kx_zeek_dir *d, time_t now)
{
	int rc = 0;

	if (d == NULL)
		return 0;
	for (int i = 0; i < KX_ZLOG_MAX; i++) {
		if (d->f[i] == NULL)
			continue;
		/* No header, no #close: a run that failed before its first
		 * record leaves the logs as they were. */
		if (d->begun)
			kx_report_zeek_footer(d->f[i], now);
		if (ferror(d->f[i]) || fclose(d->f[i]) != 0)
			rc = -1;
		d->f[i] = NULL;
	}
	return rc;
}

static void
zeek_time(FILE *out, uint64_t us)
{
	fprintf(out, "%llu.%06llu", (unsigned long long)(us / 1000000),
	    (unsigned long long)(us % 1000000));
}

static void
zeek_bool(FILE *out, bool b)
{
	fputc(b ? 'T' : 'F', out);
}

void
kx_report_zeek_close(FILE *out, const struct kx_conn *c,
    const struct kx_close_info *ci)
{
	const struct kx_rstlog *l = kx_conn_rsts(c);
	bool problem = ci->problem ||
	    kx_verdict_is_problem((enum kx_verdict_kind)c->hs_outcome.kind);
	uint64_t end = kx_close_end_ts(c);
	char uid[19], cid[KX_COMMUNITY_ID_SIZE], step[64];
	uint16_t sigs = 0;
	bool first;

	kx_conn_uid(c, uid);
	zeek_time(out, c->ts_first);
	fprintf(out, "\t%s\t", uid);
	kx_zeek_cstr(out, kx_conn_community_id(c, cid) ? cid : NULL);
	fputc('\t', out);
	kx_zeek_endpoint(out, c, KX_CLIENT);
	fputc('\t', out);
	kx_zeek_endpoint(out, c, KX_SERVER);
	fputc('\t', out);
	zeek_time(out, end);
	fprintf(out, "\t%.6f\t%s\t", end > c->ts_first ?
	    (double)(end - c->ts_first) / 1e6 : 0.0, kx_phase_names[ci->phase]);
	kx_zeek_cstr(out, c->closed_by >= 0 ? kx_side_names[c->closed_by & 1] : NULL);
	fputc('\t', out);
	zeek_bool(out, ci->third_party);
	fputc('\t', out);
	kx_zeek_cstr(out, c->close != KX_CLOSE_NONE ? kx_close_names[c->close] :
	    NULL);
	fputc('\t', out);
	kx_step_text(&c->close_after, step, sizeof(step));
	kx_zeek_cstr(out, c->close == KX_CLOSE_FIN || c->close == KX_CLOSE_RST ?
	    (step[0] != '\0' ? step : "nothing") : NULL);
	fprintf(out, "\t%s\t", kx_cause_names[ci->cause]);
	kx_zeek_cstr(out, ci->text);
	fputc('\t', out);
	kx_zeek_cstr(out, ci->category >= 0 ? kx_cat_names[ci->category] : NULL);
	fputc('\t', out);
	kx_zeek_cstr(out, ci->gave_up >= 0 ? kx_side_names[ci->gave_up & 1] : NULL);
	fputc('\t', out);
	zeek_bool(out, problem);
	fputc('\t', out);
	zeek_bool(out, c->evicted);
	fputc('\t', out);
	kx_zeek_auth(out, c, ci);
	fprintf(out, "\t%u\t", l != NULL ? l->total : 0u);
	if (l == NULL || l->n == 0)
		fputs("(empty)", out);
	for (uint8_t i = 0; l != NULL && i < l->n; i++) {
		fprintf(out, "%s%s", i > 0 ? "," : "",
		    kx_rst_verdict_names[kx_rst_verdict(&l->r[i])]);
		sigs |= l->r[i].signals;
	}
	fputc('\t', out);
	first = true;
	for (int s = 0; s < KX_RSTSIG_MAX; s++) {
		if (!(sigs & (1u << s)))
			continue;
		fprintf(out, "%s%s", first ? "" : ",", kx_rst_signal_names[s]);
		first = false;
	}
	if (first)
		fputs("(empty)", out);
	fputc('\n', out);
}

void
kx_report_zeek_kexinit(FILE *out, const struct kx_conn *c,
    const struct kx_verdict *v, int side)
{
	const struct kx_kexinit *k = kx_conn_ssh(c, side)->kexinit;
	const struct kx_assessment *a = &v->assess;
	const struct kx_weak_list *wl = &a->weak[side];
	const struct kx_offer_marks *m = &a->marks[side];

	if (k == NULL || !a->have_kexinit_id[side])
		return;
	zeek_time(out, c->ts_first);
	fprintf(out, "\t%s\t%s", a->kexinit_id[side], side == KX_CLIENT ?
	    "client" : "server");
	/* Each list as sent, one string: a hostile name may hold anything
	 * but a comma, and the string keeps empty names as they came. */
	for (int i = 0; i < KX_PROP_MAX; i++) {
		fputc('\t', out);
		kx_zeek_bytes(out, k->list[i].p, k->list[i].len, false);
	}
	fputc('\t', out);
	zeek_bool(out, k->first_kex_follows);
	fputc('\t', out);
	kx_zeek_cstr(out, a->have_hassh[side] ? a->hassh[side] : NULL);
	fputc('\t', out);
	zeek_bool(out, m->strict_kex);
	fputc('\t', out);
	zeek_bool(out, m->ext_info);
	fputc('\t', out);
	zeek_bool(out, m->pq);
	fputc('\t', out);
	/* "category:alg:status", the set separator escaped in the name. */
	for (uint32_t i = 0; i < wl->n; i++) {
		const struct kx_weak *w = &wl->w[i];

		fprintf(out, "%s%s:", i > 0 ? "," : "", kx_algcat_names[w->cat]);
		kx_zeek_bytes(out, w->name.p, w->name.len, true);
		fprintf(out, ":%s", kx_rating_names[w->row->rating]);
	}
	if (wl->n == 0)
		fputs("(empty)", out);
	fprintf(out, "\t%u\n", (unsigned)wl->total);
}

/* Zeek's SSH::Password_Guessing notice (detect-bruteforcing.zeek): its msg
 * and sub in Zeek's words, src the guesser; kexray adds the server (dst,
 * p) it counted against and n, the connections counted. Zeek counts failed
 * logins; kexray connections that ended before a session
 * (docs/output-format.md "Brute-force record"). */
void
kx_report_zeek_notice(FILE *out, const struct kx_brute_hit *h)
{
	char src[64], dst[64], msg[192], sub[96];

	if (inet_ntop(h->ip_version == 4 ? AF_INET : AF_INET6, h->src, src,
	    sizeof(src)) == NULL)
		snprintf(src, sizeof(src), "?");
	if (inet_ntop(h->ip_version == 4 ? AF_INET : AF_INET6, h->dst, dst,
	    sizeof(dst)) == NULL)
		snprintf(dst, sizeof(dst), "?");
	snprintf(msg, sizeof(msg), "%s appears to be guessing SSH passwords "
	    "(seen in %u connections).", src, h->count);
	snprintf(sub, sizeof(sub), "Sampled servers:  %s", dst);
	zeek_time(out, h->last_ts);
	fputs("\t-\t-\t-\t-\t-\t-\t-\t-\ttcp\tSSH::Password_Guessing\t", out);
	kx_zeek_cstr(out, msg);
	fputc('\t', out);
	kx_zeek_cstr(out, sub);
	fprintf(out, "\t%s\t%s\t%u\t%u\t-\tNotice::ACTION_LOG\t(empty)\t"
	    "3600.000000\t-\t-\t-\t-\t-\n", src, dst, h->dport, h->count);
}

/* The patterns across connections (events/patterns.h) as notices of
 * kexray's own, in the same columns as the brute-force notice. */
void
kx_report_zeek_notice_pattern(FILE *out, const struct kx_pattern_hit *h)
{
	static const char *const note[KX_PAT_MAX] = {
		[KX_PAT_SCAN] = "Kexray::SSH_Scan",
		[KX_PAT_REGRESSHION] = "Kexray::RegreSSHion",
		[KX_PAT_DHEAT] = "Kexray::DHEat",
	};
	static const char *const what[KX_PAT_MAX] = {
		[KX_PAT_SCAN] = "appears to be scanning SSH servers: connections "
		    "that leave after the banner, KEXINIT or key exchange reply",
		[KX_PAT_REGRESSHION] = "shows the regreSSHion (CVE-2024-6387) "
		    "pattern: unauthenticated connections held to LoginGraceTime",
		[KX_PAT_DHEAT] = "shows the DHEat (CVE-2002-20001) pattern: key "
		    "exchange inits in a burst",
	};
	char src[64], dst[64], msg[256], sub[96];

	if (h->kind >= KX_PAT_MAX)
		return;
	if (inet_ntop(h->ip_version == 4 ? AF_INET : AF_INET6, h->src, src,
	    sizeof(src)) == NULL)
		snprintf(src, sizeof(src), "?");
	if (inet_ntop(h->ip_version == 4 ? AF_INET : AF_INET6, h->dst, dst,
	    sizeof(dst)) == NULL)
		snprintf(dst, sizeof(dst), "?");
	snprintf(msg, sizeof(msg), "%s %s (%u connections).", src,
	    what[h->kind], h->count);
	snprintf(sub, sizeof(sub), "Sampled servers:  %s", dst);
	zeek_time(out, h->last_ts);
	fprintf(out, "\t-\t-\t-\t-\t-\t-\t-\t-\ttcp\t%s\t", note[h->kind]);
	kx_zeek_cstr(out, msg);
	fputc('\t', out);
	kx_zeek_cstr(out, sub);
	fprintf(out, "\t%s\t%s\t%u\t%u\t-\tNotice::ACTION_LOG\t(empty)\t"
	    "3600.000000\t-\t-\t-\t-\t-\n", src, dst, h->dport, h->count);
}
