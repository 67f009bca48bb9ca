/* --brief: one line per connection, for scanning thousands: the verdict
 * (in a fixed column, coloured on a terminal), the endpoints, each side's
 * software and the reason. Formatting only; banner bytes are escaped. */
#include <string.h>

#include "kexray/color.h"
#include "kexray/report.h"

/* "255.255.255.255:65535": endpoints up to this wide keep the software
 * column aligned; IPv6 ones push it right. */
#define BRIEF_EP_WIDTH 21

static void
endpoint(FILE *out, const struct kx_conn *c, int side, int width)
{
	char addr[64], ep[96];

	if (c->log != NULL && !c->log->have_ep[side]) {
		snprintf(ep, sizeof(ep), "?");
	} else {
		kx_addr_text(c, side, addr, sizeof(addr));
		snprintf(ep, sizeof(ep), c->ip_version == 6 ? "[%s]:%u" : "%s:%u",
		    addr, c->ep[side].port);
	}
	fprintf(out, "%-*s", width, ep);
}

/* The softwareversion (RFC 4253 4.2) without "SSH-2.0-" and comments; the
 * whole line when it did not parse; "?" without a banner. */
static void
software(FILE *out, const struct kx_ssh_side *s)
{
	if (!s->have_banner)
		fputc('?', out);
	else if (s->soft_len > 0)
		kx_text_escaped(out, s->banner + s->soft_off, s->soft_len);
	else
		kx_text_escaped(out, s->banner, s->banner_len);
}

void
kx_report_brief(FILE *out, const struct kx_conn *c, const struct kx_verdict *v,
    const struct kx_style *st)
{
	kx_style_put(out, st, kx_verdict_tone(v), kx_verdict_label(v),
	    KX_VERDICT_LABEL_WIDTH);
	fputs("  ", out);
	endpoint(out, c, KX_CLIENT, BRIEF_EP_WIDTH);
	fputs(" -> ", out);
	endpoint(out, c, KX_SERVER, BRIEF_EP_WIDTH);
	fputs("  ", out);
	software(out, kx_conn_ssh(c, KX_CLIENT));
	fputs(" -> ", out);
	software(out, kx_conn_ssh(c, KX_SERVER));
	fputs("  ", out);
	/* kexray's sentence, which can quote bytes of a banner (SSH-1). */
	kx_text_escaped(out, (const uint8_t *)v->reason, strlen(v->reason));
	fputc('\n', out);
}
