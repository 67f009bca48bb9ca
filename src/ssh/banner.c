/* ssh banner: the lines a side sends before its first binary packet
 * (RFC 4253 4.2). A server may send other lines first; the line that starts
 * with "SSH-" is the identification string
 * "SSH-protoversion-softwareversion SP comments CR LF". A leaf of the
 * driver in ssh.c. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const uint8_t ssh_prefix[4] = { 'S', 'S', 'H', '-' };

/* What the protoversion says about going on. */
enum ident_verdict {
	IDENT_SSH2,       /* 2.x, or 1.99 (RFC 4253 5.1: SSH-2 capable) */
	IDENT_SSH1,       /* 1.x other than 1.99 */
	IDENT_UNREADABLE, /* no protoversion kexray understands */
};

/* Whether the next bytes are "SSH-". Consumes nothing. */
static bool
starts_ssh(const struct kx_cursor *c)
{
	struct kx_cursor t = *c;
	const uint8_t *p;

	if (kx_cur_bytes(&t, sizeof(ssh_prefix), &p) != KX_OK)
		return false;
	return memcmp(p, ssh_prefix, sizeof(ssh_prefix)) == 0;
}

/* Bytes before the first a or b, or before the end. Consumes nothing. */
static size_t
span_until(const struct kx_cursor *c, uint8_t a, uint8_t b)
{
	struct kx_cursor t = *c;
	size_t n = 0;
	uint8_t v;

	while (kx_cur_u8(&t, &v) == KX_OK && v != a && v != b)
		n++;
	return n;
}

static bool
has_control(struct kx_cursor c)
{
	uint8_t v;

	while (kx_cur_u8(&c, &v) == KX_OK) {
		if (v < 0x20 || v == 0x7f)
			return true;
	}
	return false;
}

/* One decimal part of a protoversion, at most UINT8_MAX (the fields are
 * uint8_t). Accumulation stops once past that, so a long run of digits
 * cannot wrap around into a small, valid-looking number. */
static bool
parse_decimal(struct kx_cursor *c, unsigned *out)
{
	unsigned v = 0;
	bool any = false;
	uint8_t b;

	while (kx_cur_peek_u8(c, 0, &b) == KX_OK && b >= '0' && b <= '9') {
		if (kx_cur_skip(c, 1) != KX_OK)
			return false;
		any = true;
		if (v <= UINT8_MAX)
			v = v * 10 + (unsigned)(b - '0');
	}
	if (!any || v > UINT8_MAX)
		return false;
	*out = v;
	return true;
}

/* protoversion is "major.minor" (RFC 4253 4.2 defines "2.0"; 5.1 adds
 * "1.99" for servers that also speak SSH-1). */
static bool
parse_proto(struct kx_cursor c, uint8_t *major, uint8_t *minor)
{
	unsigned ma, mi;
	uint8_t dot;

	if (!parse_decimal(&c, &ma))
		return false;
	if (kx_cur_u8(&c, &dot) != KX_OK || dot != '.')
		return false;
	if (!parse_decimal(&c, &mi) || kx_cur_left(&c) != 0)
		return false;
	*major = (uint8_t)ma;
	*minor = (uint8_t)mi;
	return true;
}

/* Splits the kept banner into its parts. softwareversion ends at the first
 * SP (RFC 4253 4.2); a '-' inside it is tolerated, as real servers
 * ("Cisco-1.25") send one. */
static enum ident_verdict
parse_ident(struct kx_ssh_side *s)
{
	struct kx_cursor c, proto;
	size_t n;
	uint8_t sep, major = 0, minor = 0;
	bool bad = false;

	kx_cur_init(&c, s->banner, s->banner_len);
	if (kx_cur_skip(&c, sizeof(ssh_prefix)) != KX_OK)
		return IDENT_UNREADABLE;

	/* Offsets fit uint16_t: the banner holds at most KX_BANNER_KEEP bytes. */
	n = span_until(&c, '-', ' ');
	s->proto_off = (uint16_t)kx_cur_used(&c);
	s->proto_len = (uint16_t)n;
	if (kx_cur_sub(&c, n, &proto) != KX_OK)
		return IDENT_UNREADABLE;

	if (kx_cur_u8(&c, &sep) == KX_OK && sep == '-') {
		n = span_until(&c, ' ', ' ');
		s->soft_off = (uint16_t)kx_cur_used(&c);
		s->soft_len = (uint16_t)n;
		if (n == 0 || kx_cur_skip(&c, n) != KX_OK)
			bad = true;
		/* The separating SP; comments run to the end of the line. */
		if (kx_cur_u8(&c, &sep) == KX_OK) {
			s->comments_off = (uint16_t)kx_cur_used(&c);
			s->comments_len = (uint16_t)kx_cur_left(&c);
		}
	} else {
		bad = true;
	}
	if (bad)
		kx_anom_set(&s->anomalies, KX_ANOM_SSH_BANNER_BAD_FORMAT);

	if (!parse_proto(proto, &major, &minor) || major == 0 || major > 2) {
		kx_anom_set(&s->anomalies, KX_ANOM_SSH_BANNER_BAD_FORMAT);
		return IDENT_UNREADABLE;
	}
	s->proto_major = major;
	s->proto_minor = minor;
	if (major == 2 || minor == 99)
		return IDENT_SSH2;
	kx_anom_set(&s->anomalies, KX_ANOM_SSH_VERSION_1);
	return IDENT_SSH1;
}

/* Keeps the first KX_BANNER_KEEP bytes of the identification string, in
 * an allocation of its own size (most banners are 20-40 bytes). */
static void
keep_banner(struct kx_ssh_side *s, struct kx_cursor content)
{
	size_t n = kx_cur_left(&content);
	const uint8_t *p;

	_Static_assert(KX_BANNER_KEEP <= UINT16_MAX, "banner_len is 16 bits");
	s->have_banner = true;
	if (has_control(content))
		kx_anom_set(&s->anomalies, KX_ANOM_SSH_BANNER_CONTROL);
	if (n > KX_BANNER_KEEP) {
		n = KX_BANNER_KEEP;
		s->banner_truncated = true;
	}
	if (kx_cur_bytes(&content, n, &p) != KX_OK)
		return;
	free(s->banner);
	if ((s->banner = malloc(n != 0 ? n : 1)) == NULL) {
		s->banner_len = 0;
		s->banner_truncated = true;
		return;
	}
	memcpy(s->banner, p, n);
	s->banner_len = (uint16_t)n;
}

/* A line with no LF within KX_LINE_SCAN_MAX bytes. If it is an
 * identification string, what was scanned of it is still worth reporting
 * (the software version comes first). */
static enum kx_ssh_step
line_limit(struct kx_ssh_side *s, const struct kx_cursor *c)
{
	struct kx_cursor t = *c, scan;

	if (starts_ssh(&t) &&
	    kx_cur_sub(&t, KX_LINE_SCAN_MAX, &scan) == KX_OK) {
		kx_anom_set(&s->anomalies, KX_ANOM_SSH_BANNER_TOO_LONG);
		keep_banner(s, scan);
		(void)parse_ident(s);
	}
	kx_anom_set(&s->anomalies, KX_ANOM_SSH_BANNER_LINE_LIMIT);
	return KX_SSH_STEP_STOP;
}

/* RFC 4253 4.2: a server may send other lines before the identification
 * string; a client may not, but is read the same way. */
static void
prebanner_line(struct kx_ssh_side *s, struct kx_cursor content)
{
	size_t n = kx_cur_left(&content);
	const uint8_t *p;

	if (!s->is_server)
		kx_anom_set(&s->anomalies, KX_ANOM_SSH_BANNER_CLIENT_PREBANNER);
	if (s->prebanner_lines == 0) {
		if (n > KX_PREBANNER_KEEP)
			n = KX_PREBANNER_KEEP;
		/* Allocated only here: most servers send no such line. Out
		 * of memory, the line is counted, not kept. */
		if (kx_cur_bytes(&content, n, &p) == KX_OK) {
			char *line = malloc(n + 1);

			if (line != NULL) {
				memcpy(line, p, n);
				line[n] = '\0';
				s->prebanner_first = line;
				s->prebanner_first_len = (uint16_t)n;
			}
		}
	}
	s->prebanner_lines++;
}

static enum kx_ssh_step
ident_line(struct kx_ssh_side *s, struct kx_cursor content, size_t line_len,
    bool has_cr)
{
	/* RFC 4253 4.2: at most 255 bytes, CR LF included. */
	if (line_len > KX_BANNER_MAX)
		kx_anom_set(&s->anomalies, KX_ANOM_SSH_BANNER_TOO_LONG);
	if (!has_cr)
		kx_anom_set(&s->anomalies, KX_ANOM_SSH_BANNER_NO_CR);
	keep_banner(s, content);

	switch (parse_ident(s)) {
	case IDENT_SSH2:
		s->state = KX_SSH_PACKETS;
		return KX_SSH_STEP_NEXT;
	case IDENT_SSH1:
	case IDENT_UNREADABLE:
		break;
	}
	return KX_SSH_STEP_STOP;
}

enum kx_ssh_step
kx_ssh_banner_line(struct kx_ssh_side *s, struct kx_cursor *c)
{
	struct kx_cursor t = *c, line, content;
	size_t lf, content_len;
	uint8_t b;
	bool has_cr = false;
	enum kx_status st;

	st = kx_cur_find_lf(&t, KX_LINE_SCAN_MAX, &lf);
	if (st == KX_LIMIT)
		return line_limit(s, &t);
	if (st != KX_OK)
		return KX_SSH_STEP_NEED_MORE;
	/* lf < KX_LINE_SCAN_MAX, so lf + 1 cannot wrap. */
	if (kx_cur_sub(&t, lf + 1, &line) != KX_OK)
		return KX_SSH_STEP_NEED_MORE;

	/* Lines end in CR LF (RFC 4253 4.2); LF alone is accepted, as OpenSSH
	 * does, and flagged for the identification string. */
	content_len = lf;
	if (lf > 0 && kx_cur_peek_u8(&line, lf - 1, &b) == KX_OK && b == '\r') {
		content_len = lf - 1;
		has_cr = true;
	}
	if (kx_cur_sub(&line, content_len, &content) != KX_OK)
		return KX_SSH_STEP_NEED_MORE;

	if (starts_ssh(&content)) {
		*c = t;
		return ident_line(s, content, lf + 1, has_cr);
	}
	/* The line over the cap is left unconsumed: it was not parsed. */
	if (s->prebanner_lines >= KX_PREBANNER_LINES_MAX) {
		kx_anom_set(&s->anomalies, KX_ANOM_SSH_BANNER_PREBANNER_LIMIT);
		return KX_SSH_STEP_STOP;
	}
	*c = t;
	prebanner_line(s, content);
	return KX_SSH_STEP_NEXT;
}
