/* sshlog: a connection built from what its lines say, as the packet
 * path builds one (flow.h): the writer (sshd or ssh), endpoints, both
 * identification strings through the banner parser, the handshake steps,
 * the outcome line and the end; reported and freed through the done
 * callback. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"
#include "words.h"

/* Longest address token taken from a log ("[v6 address]" with zone). */
#define ADDR_TEXT_MAX 64

int
kx_sshlog_writer_of(const struct kx_sshlog *l, const struct lconn *lc)
{
	if (lc->writer_known)
		return lc->info.writer;
	return l->writer_hint >= 0 ? l->writer_hint : KX_SERVER;
}

void
kx_sshlog_set_writer(struct kx_sshlog *l, struct lconn *lc, int side)
{
	if (!lc->writer_known) {
		lc->writer_known = true;
		lc->info.writer = (int8_t)side;
	}
	if (l->writer_hint < 0)
		l->writer_hint = (int8_t)side;
}

void
kx_sshlog_note_step(struct lconn *lc, int side, uint8_t what)
{
	lc->c.last_step.side = (int8_t)side;
	lc->c.last_step.what = what;
	lc->info.seen[side] = true;
}

/* Reports lc and frees it. why: the close of a connection the log did not
 * see end. */
void
kx_sshlog_conn_finish(struct kx_sshlog *l, struct lconn *lc, enum kx_close why)
{
	struct kx_conn *c = &lc->c;

	if (lc->blk.open)
		kx_sshlog_block_end(l, lc, false);
	if (c->close == KX_CLOSE_NONE)
		c->close = why;
	lc->info.writer = (int8_t)kx_sshlog_writer_of(l, lc);
	c->source = lc->info.writer == KX_CLIENT ? KX_SOURCE_SSH_LOG :
	    KX_SOURCE_SSHD_LOG;
	kx_sshlog_cross_check(lc);
	while (lc->npids > 0)
		kx_sshlog_pid_unbind(l, lc->pids[--lc->npids], lc);
	kx_sshlog_open_unlink(l, lc);
	l->nopen--;
	if (l->prev_list == lc)
		l->prev_list = NULL;
	kx_sshlog_held_sub(l, lc, lc->held);
	l->st.conns++;
	l->done(c, l->arg);
	for (int s = 0; s < 2; s++)
		kx_ssh_side_free(&lc->hsl.hs.ssh[s]);
	free(lc);
}

void
kx_sshlog_evict(struct kx_sshlog *l, struct lconn *lc)
{
	lc->c.evicted = true;
	kx_anom_set(&lc->c.anomalies, KX_ANOM_FLOW_EVICTED);
	l->st.evicted++;
	kx_sshlog_conn_finish(l, lc, KX_CLOSE_CAPTURE_END);
}

/* A new connection; bound to the line's PID (0 for a log without PIDs)
 * when bind is set. */
struct lconn *
kx_sshlog_conn_new(struct kx_sshlog *l, const struct lineinfo *li, bool bind,
    uint64_t line_no)
{
	struct lconn *lc;
	uint32_t pid = li->have_pid ? li->pid : 0;

	if (l->nopen >= KX_SSHLOG_CONNS_MAX && l->head != NULL)
		kx_sshlog_evict(l, l->head);
	if ((lc = calloc(1, sizeof(*lc))) == NULL)
		return NULL;
	for (int s = 0; s < 2; s++) {
		kx_reasm_init(&lc->hsl.hs.rs[s]);
		kx_ssh_side_init(&lc->hsl.hs.ssh[s], s == KX_SERVER);
	}
	lc->c.hs = &lc->hsl.hs;
	lc->c.seq_no = l->seq++;
	lc->c.kind = KX_CONN_SSH;
	/* A log counts no packets and bytes, and shows no SYN, window or
	 * TTL: what it says of each side is in info.seen. */
	lc->c.no_tcp_facts = true;
	lc->c.ip_version = 4;
	lc->c.closed_by = -1;
	lc->c.close_after.side = -1;
	lc->c.last_step.side = -1;
	lc->hsl.log = &lc->info;
	lc->info.writer = KX_SERVER;
	lc->info.pid = pid;
	lc->info.first_line = lc->info.last_line = line_no;
	if (li->have_ts) {
		lc->info.have_ts = true;
		lc->c.ts_first = lc->c.ts_last = li->ts_us;
	}
	kx_sshlog_open_append(l, lc);
	if (++l->nopen > l->st.open_peak)
		l->st.open_peak = l->nopen;
	if (bind)
		kx_sshlog_pid_bind(l, lc, pid);
	return lc;
}

/* ------------------------------------------------------------------ facts */

bool
kx_sshlog_parse_addr(const uint8_t *p, size_t n, struct kx_endpoint *ep,
    uint8_t *ver)
{
	char text[ADDR_TEXT_MAX + 1];

	if (n == 0 || n > ADDR_TEXT_MAX)
		return false;
	memcpy(text, p, n);
	text[n] = '\0';
	memset(ep->addr, 0, sizeof(ep->addr));
	if (inet_pton(AF_INET, text, ep->addr) == 1) {
		*ver = 4;
		return true;
	}
	if (inet_pton(AF_INET6, text, ep->addr) == 1) {
		*ver = 6;
		return true;
	}
	return false;
}

void
kx_sshlog_put_endpoint(struct lconn *lc, int side, struct kx_endpoint ep,
    uint8_t ver, uint64_t port)
{
	ep.port = (uint16_t)port;
	lc->c.ep[side] = ep;
	lc->c.ip_version = ver;
	lc->info.have_ep[side] = true;
}

/* "ADDR port N" (sshd, ssh) into side's endpoint. */
bool
kx_sshlog_endpoint(struct lconn *lc, int side, struct kx_cursor *m)
{
	struct kx_cursor save = *m;
	struct kx_endpoint ep;
	const uint8_t *p;
	size_t n;
	uint64_t port;
	uint8_t ver;

	if (!token(m, &p, &n) || !kx_sshlog_parse_addr(p, n, &ep, &ver) ||
	    !lit(m, " port ") || !number(m, 1, 5, 65535, &port)) {
		*m = save;
		return false;
	}
	kx_sshlog_put_endpoint(lc, side, ep, ver, port);
	return true;
}

/* "[ADDR]:N" (sshd's MaxStartups line). */
bool
kx_sshlog_endpoint_bracketed(struct lconn *lc, int side, struct kx_cursor *m)
{
	struct kx_endpoint ep;
	const uint8_t *p;
	size_t n;
	uint64_t port;
	uint8_t ver;

	if (!lit(m, "[") || !until(m, ']', &p, &n) || !lit(m, "]:") ||
	    !kx_sshlog_parse_addr(p, n, &ep, &ver) || !number(m, 1, 5, 65535, &port))
		return false;
	kx_sshlog_put_endpoint(lc, side, ep, ver, port);
	return true;
}

/* Three octal digits ("\\ooo" of vis(3) VIS_OCTAL), at most 0377. */
static bool
octal3(struct kx_cursor *c, uint8_t *v)
{
	struct kx_cursor t = *c;
	unsigned x = 0;
	uint8_t b;

	for (int i = 0; i < 3; i++) {
		if (kx_cur_u8(&t, &b) != KX_OK || b < '0' || b > '7')
			return false;
		x = x * 8 + (unsigned)(b - '0');
	}
	if (x > 0xff)
		return false;
	*v = (uint8_t)x;
	*c = t;
	return true;
}

/* log.c writes messages through strnvis(3) (VIS_OCTAL with VIS_CSTYLE or
 * VIS_SAFE): undo it, so a banner holds the bytes the peer sent. */
size_t
kx_sshlog_unvis(const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
	struct kx_cursor c;
	size_t o = 0;
	uint8_t b, x;

	kx_cur_init(&c, p, n);
	while (o < cap && kx_cur_u8(&c, &b) == KX_OK) {
		if (b == '\\' && kx_cur_peek_u8(&c, 0, &x) == KX_OK) {
			uint8_t v;

			if (octal3(&c, &v)) {
				out[o++] = v;
				continue;
			}
			if (kx_cur_skip(&c, 1) != KX_OK)
				break;
			switch (x) {
			case 'n': b = '\n'; break;
			case 'r': b = '\r'; break;
			case 't': b = '\t'; break;
			case 'a': b = '\a'; break;
			case 'b': b = '\b'; break;
			case 'f': b = '\f'; break;
			case 'v': b = '\v'; break;
			case 's': b = ' '; break;
			case '0': b = '\0'; break;
			default: b = x; break;   /* "\\" and anything else */
			}
		}
		out[o++] = b;
	}
	return o;
}

/* An identification string the log quotes, fed through the same parser
 * the packet path uses (with the CR LF the wire had). */
void
kx_sshlog_banner(struct lconn *lc, int side, const char *head, const uint8_t *p,
    size_t n)
{
	struct kx_ssh_side *s = &lc->hsl.hs.ssh[side];
	uint8_t line[KX_BANNER_KEEP + 16];
	size_t len = strlen(head), used;
	enum kx_status st;

	if (s->have_banner || s->state != KX_SSH_BANNER)
		return;
	memcpy(line, head, len);
	len += kx_sshlog_unvis(p, n, line + len, KX_BANNER_KEEP - len);
	line[len++] = '\r';
	line[len++] = '\n';
	st = kx_ssh_feed(s, line, len, &used);
	(void)st;   /* what it found is in s (banner, anomalies) */
	if (s->have_banner)
		kx_sshlog_note_step(lc, side, KX_STEP_BANNER);
}

void
kx_sshlog_set_outcome(struct lconn *lc, const struct kx_cursor *msg)
{
	struct kx_cursor m = *msg;
	const uint8_t *p;
	size_t n;

	if (lc->info.outcome_len > 0 || !rest(&m, &p, &n))
		return;
	if (n > KX_SSHLOG_OUTCOME_KEEP)
		n = KX_SSHLOG_OUTCOME_KEEP;
	memcpy(lc->info.outcome, p, n);
	lc->info.outcome[n] = '\0';
	lc->info.outcome_len = (uint16_t)n;
}

/* "... Their offer: LIST" at the end of the outcome line (kex.c
 * kex_choose_conf: the peer's proposal for the failing category). */
void
kx_sshlog_offer_in_outcome(struct kx_logconn *info)
{
	static const char key[] = "Their offer: ";
	struct kx_cursor t;
	size_t n = 0;
	uint8_t b;

	kx_cur_init(&t, (const uint8_t *)info->outcome, info->outcome_len);
	if (!find_lit(&t, key))
		return;
	/* The list runs to the first space ("[preauth]" may follow). */
	while (kx_cur_peek_u8(&t, n, &b) == KX_OK && b != ' ')
		n++;
	info->offer_off = (uint16_t)kx_cur_used(&t);
	info->offer_len = (uint16_t)n;
}

/* The connection ended: side closed it (FIN), reset it (RST), or nobody
 * answered (TIMEOUT, side -1). Reports it at once, as the packet path
 * does when both FINs or a RST are seen. */
void
kx_sshlog_closed(struct kx_sshlog *l, struct lconn *lc, int side,
    enum kx_close how, const struct kx_cursor *msg)
{
	struct kx_conn *c = &lc->c;

	kx_sshlog_set_outcome(lc, msg);
	if (c->close == KX_CLOSE_NONE) {
		c->close = how;
		c->closed_by = (int8_t)side;
		c->close_after = c->last_step;
		if (side >= 0) {
			if (how == KX_CLOSE_RST)
				c->half[side].rst = true;
			else
				c->half[side].fin = true;
		}
	}
	kx_sshlog_conn_finish(l, lc, how);
}
