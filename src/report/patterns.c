/* Scan, regreSSHion and DHEat records (report/patterns.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>

#include "kexray/report/patterns.h"
#include "kexray/report/report.h"

static void
addr(uint8_t ipv, const uint8_t *a, char *buf, size_t len)
{
	if (inet_ntop(ipv == 4 ? AF_INET : AF_INET6, a, buf, (socklen_t)len) ==
	    NULL)
		snprintf(buf, len, "?");
}

static void
ts(struct kx_sb *out, const char *key, uint64_t t)
{
	kx_sb_printf(out, "\"%s\":", key);
	kx_sb_us(out, t);
}

void
kx_report_json_pattern(FILE *fp, const struct kx_pattern_hit *h)
{
	kx_report_json_pattern_object(fp, h, true);
	fputc('\n', fp);
}

void
kx_report_json_pattern_object(FILE *fp, const struct kx_pattern_hit *h,
    bool record)
{
	char src[64], dst[64];
	struct kx_sb sb, *out = &sb;

	kx_sb_init(out, fp);
	addr(h->ip_version, h->src, src, sizeof(src));
	addr(h->ip_version, h->dst, dst, sizeof(dst));
	if (record)
		kx_sb_printf(out, "{\"type\":\"pattern\",\"schema_version\":%d,",
		    KX_JSON_SCHEMA_VERSION);
	else
		kx_sb_putc(out, '{');
	ts(out, "ts", h->last_ts);
	kx_sb_printf(out, ",\"pattern\":\"%s\",\"id.orig_h\":\"%s\","
	    "\"id.resp_h\":\"%s\",\"id.resp_p\":%u,\"count\":%u,",
	    kx_pattern_names[h->kind], src, dst, h->dport, h->count);
	ts(out, "first_ts", h->first_ts);
	kx_sb_putc(out, ',');
	ts(out, "last_ts", h->last_ts);
	if (h->kind == KX_PAT_SCAN)
		kx_sb_printf(out, ",\"servers\":%u", h->servers);
	if (h->kind == KX_PAT_REGRESSHION) {
		KX_SB_PUTS(out, ",\"grace\":");
		kx_sb_us(out, h->grace_us);
		KX_SB_PUTS(out, ",\"cve\":\"CVE-2024-6387\"");
	}
	if (h->kind == KX_PAT_DHEAT)
		KX_SB_PUTS(out, ",\"cve\":\"CVE-2002-20001\"");
	kx_sb_putc(out, '}');
	kx_sb_flush(out);
}

void
kx_report_text_pattern(FILE *out, const struct kx_pattern_hit *h)
{
	char src[64], dst[64];
	double span = h->last_ts > h->first_ts ?
	    (double)(h->last_ts - h->first_ts) / 1e6 : 0.0;

	addr(h->ip_version, h->src, src, sizeof(src));
	addr(h->ip_version, h->dst, dst, sizeof(dst));
	switch (h->kind) {
	case KX_PAT_SCAN:
		fprintf(out, "SCAN        %s -> %s%s%s:%u  %u connections in %.1f s "
		    "left after the server's banner, KEXINIT or key exchange "
		    "reply (%u server%s): a scanner such as ssh-audit or a "
		    "banner grabber\n\n", src, h->ip_version == 6 ? "[" : "", dst,
		    h->ip_version == 6 ? "]" : "", h->dport, h->count, span,
		    h->servers, h->servers == 1 ? "" : "s");
		break;
	case KX_PAT_REGRESSHION:
		fprintf(out, "REGRESSHION %s -> %s%s%s:%u  %u unauthenticated "
		    "connections closed by the server after %.1f s each (its "
		    "LoginGraceTime), its banner in CVE-2024-6387's range: the "
		    "regreSSHion exploit's pattern (a patched distribution build "
		    "keeps the version; set LoginGraceTime 0 or upgrade)\n\n", src,
		    h->ip_version == 6 ? "[" : "", dst, h->ip_version == 6 ? "]" : "",
		    h->dport, h->count, (double)h->grace_us / 1e6);
		break;
	default:
		fprintf(out, "DHEAT       %s -> %s%s%s:%u  %u connections in %.1f s "
		    "sent the key exchange init and left without NEWKEYS: the "
		    "DHEat pattern (CVE-2002-20001; PerSourcePenalties or "
		    "MaxStartups limit it)\n\n", src, h->ip_version == 6 ? "[" : "",
		    dst, h->ip_version == 6 ? "]" : "", h->dport, h->count, span);
		break;
	}
}
