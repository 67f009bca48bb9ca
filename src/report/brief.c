/* --brief: one line per connection, for scanning thousands: the verdict
 * (in a fixed column, coloured on a terminal), the endpoints, each side's
 * software and the reason. Formatting only; banner bytes are escaped. */
#include <string.h>
#include <time.h>

#include "kexray/report/color.h"
#include "kexray/report/headline.h"
#include "kexray/report/report.h"

/* "255.255.255.255:65535": endpoints up to this wide keep the software
 * column aligned; IPv6 ones push it right. */
#define BRIEF_EP_WIDTH 21

static void
endpoint(FILE *out, const struct kx_conn *c, int side, int width)
{
	char addr[64], ep[96];

	if (kx_conn_log(c) != NULL && !kx_conn_log(c)->have_ep[side]) {
		snprintf(ep, sizeof(ep), "?");
	} else {
		kx_addr_text(c, side, addr, sizeof(addr));
		snprintf(ep, sizeof(ep), c->ip_version == 6 ? "[%s]:%u" : "%s:%u",
		    addr, c->ep[side].port);
	}
	fprintf(out, "%-*s", width, ep);
}

void
kx_report_brief(FILE *out, const struct kx_conn *c, const struct kx_verdict *v,
    const struct kx_style *st)
{
	char head[512], tbuf[32], uid[19];

	kx_iso_seconds(c->ts_first, tbuf);
	kx_conn_uid(c, uid);
	kx_style_put(out, st, kx_verdict_tone(v), kx_verdict_label(v),
	    KX_VERDICT_LABEL_WIDTH);
	if (kx_conn_log(c) != NULL && !kx_conn_log(c)->have_ts)
		fputs("  (no time)                 ", out);
	else
		fprintf(out, "  %s.%06lluZ", tbuf,
		    (unsigned long long)(c->ts_first % 1000000));
	fprintf(out, "  %s  ", uid);
	endpoint(out, c, KX_CLIENT, BRIEF_EP_WIDTH);
	fputs(" -> ", out);
	endpoint(out, c, KX_SERVER, BRIEF_EP_WIDTH);
	fputs("  ", out);
	kx_text_software(out, kx_conn_ssh(c, KX_CLIENT));
	fputs(" -> ", out);
	kx_text_software(out, kx_conn_ssh(c, KX_SERVER));
	fputs("  ", out);
	/* The diagnosis (headline.h), which can quote algorithm names. */
	kx_headline(c, v, head, sizeof(head));
	kx_text_escaped(out, (const uint8_t *)head, strlen(head));
	/* Ended before NEWKEYS: the end is on the same line (the one close
	 * record is not written in --brief). */
	if (!v->handshake_complete && (c->close == KX_CLOSE_FIN ||
	    c->close == KX_CLOSE_RST))
		fprintf(out, " [phase %s, %s%s%s]", kx_phase_names[v->close.phase],
		    c->close == KX_CLOSE_RST ? "RST" : "FIN",
		    c->closed_by >= 0 ? " by the " : "",
		    c->closed_by >= 0 ? (c->closed_by == KX_CLIENT ? "client" :
		    "server") : "");
	fputc('\n', out);
}

void
kx_report_brief_end(FILE *out, const struct kx_conn *c,
    const struct kx_close_info *ci)
{
	fprintf(out, " [phase %s, %s", kx_phase_names[ci->phase],
	    kx_cause_names[ci->cause]);
	if (c->closed_by >= 0 && (c->close == KX_CLOSE_FIN ||
	    c->close == KX_CLOSE_RST))
		fprintf(out, ", %s by %s%s", c->close == KX_CLOSE_RST ? "RST" :
		    "FIN", ci->third_party ? "a third party as the " : "the ",
		    c->closed_by == KX_CLIENT ? "client" : "server");
	fputs("]\n", out);
}
