/* sshlog: a logged KEXINIT proposal block (kex.c kex_buf2prop: ten
 * name-lists, first_kex_follows, reserved; labelled in OpenSSH 7+,
 * unlabelled before) rebuilt as the KEXINIT payload it came from, and run
 * through kx_kexinit_parse exactly as a captured one would be. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "words.h"

/* RFC 4253 7.1: KEXINIT payload header: message code and 16-byte cookie. */
#define KEXINIT_HEAD 17

static bool
block_put(struct kx_sshlog *l, struct lconn *lc, const uint8_t *p, size_t n)
{
	struct block *b = &lc->blk;

	if (n > KX_SSHLOG_BLOCK_MAX || b->len + n > KX_SSHLOG_BLOCK_MAX) {
		b->broken = true;
		kx_anom_set(&lc->c.anomalies, KX_ANOM_LOG_LINE_LIMIT);
		return false;
	}
	if (b->len + n > b->cap) {
		uint32_t cap = b->cap != 0 ? b->cap : 512;
		uint8_t *nb;

		while (cap < b->len + n)
			cap *= 2;
		if (cap > KX_SSHLOG_BLOCK_MAX)
			cap = KX_SSHLOG_BLOCK_MAX;
		if ((nb = realloc(b->buf, cap)) == NULL) {
			b->broken = true;
			return false;
		}
		kx_sshlog_held_add(l, lc, cap - b->cap);
		b->buf = nb;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->buf + b->len, p, n);
	b->len += (uint32_t)n;
	return true;
}

static bool
block_put_u32(struct kx_sshlog *l, struct lconn *lc, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	return block_put(l, lc, x, 4);
}

void
kx_sshlog_block_free(struct kx_sshlog *l, struct lconn *lc)
{
	kx_sshlog_held_sub(l, lc, lc->blk.cap);
	free(lc->blk.buf);
	memset(&lc->blk, 0, sizeof(lc->blk));
}

void
kx_sshlog_block_begin(struct kx_sshlog *l, struct lconn *lc, int side)
{
	static const uint8_t head[KEXINIT_HEAD] = { KX_MSG_KEXINIT };

	if (lc->blk.open)
		kx_sshlog_block_end(l, lc, false);
	lc->blk.open = true;
	lc->blk.side = (int8_t)side;
	if (side < 0)
		lc->blk.order = lc->unlabelled < UINT8_MAX ?
		    lc->unlabelled++ : UINT8_MAX;
	(void)block_put(l, lc, head, sizeof(head));
}

void
kx_sshlog_block_list(struct kx_sshlog *l, struct lconn *lc, const uint8_t *p,
    size_t n, bool cut)
{
	struct block *b = &lc->blk;

	if (b->broken)
		return;
	if (cut) {
		/* The list went on past the line cap: not what was sent. */
		b->broken = true;
		kx_anom_set(&lc->c.anomalies, KX_ANOM_LOG_LINE_LIMIT);
		return;
	}
	b->list_off = b->len;
	if (block_put_u32(l, lc, (uint32_t)n) && block_put(l, lc, p, n))
		b->nlists++;
	lc->last_was_list = true;
}

/* A wrapped list's next piece: appended to the last list, whose length
 * field grows by as much. */
void
kx_sshlog_block_continue(struct kx_sshlog *l, struct lconn *lc,
    const uint8_t *p, size_t n)
{
	struct block *b = &lc->blk;
	struct kx_cursor c;
	uint32_t len;

	if (b->broken || b->nlists == 0)
		return;
	kx_cur_init(&c, b->buf, b->len);
	if (kx_cur_skip(&c, b->list_off) != KX_OK ||
	    kx_cur_u32be(&c, &len) != KX_OK || !block_put(l, lc, p, n))
		return;
	len += (uint32_t)n;
	/* Our own buffer, written where block_list put the length. */
	b->buf[b->list_off] = (uint8_t)(len >> 24);
	b->buf[b->list_off + 1] = (uint8_t)(len >> 16);
	b->buf[b->list_off + 2] = (uint8_t)(len >> 8);
	b->buf[b->list_off + 3] = (uint8_t)len;
	lc->last_was_list = true;
}

/* The block is over: at its "reserved" line (fields_seen), or cut off by
 * a new block, the connection's end or the log's. A block with all ten
 * lists becomes that side's KEXINIT through kx_kexinit_parse, exactly as
 * a captured one would. */
void
kx_sshlog_block_end(struct kx_sshlog *l, struct lconn *lc, bool fields_seen)
{
	struct block *b = &lc->blk;
	struct kx_ssh_side *s;
	struct kx_kexinit *k;
	int w = kx_sshlog_writer_of(l, lc), side;

	if (!b->open)
		return;
	if (b->broken || b->nlists != KX_PROP_MAX) {
		if (!b->broken)
			kx_anom_set(&lc->c.anomalies,
			    KX_ANOM_LOG_BLOCK_INCOMPLETE);
		kx_sshlog_block_free(l, lc);
		return;
	}
	if (!fields_seen)
		kx_anom_set(&lc->c.anomalies, KX_ANOM_LOG_BLOCK_INCOMPLETE);
	/* reserved is always logged as 0 by OpenSSH's own peers; a block
	 * that ended without it takes that value too. */
	if (!block_put(l, lc, &b->follows, 1) || !block_put_u32(l, lc, 0)) {
		kx_sshlog_block_free(l, lc);
		return;
	}
	/* kex.c kex_choose_conf logs its own proposal, then the peer's. */
	side = b->side >= 0 ? b->side : b->order == 0 ? w :
	    b->order == 1 ? !w : -1;
	if (side < 0) {
		kx_sshlog_block_free(l, lc);
		return;
	}
	s = &lc->hsl.hs.ssh[side];
	if (s->newkeys) {
		/* A re-key: the packet path sees none after NEWKEYS either. */
		kx_sshlog_block_free(l, lc);
		return;
	}
	if (s->kexinit != NULL) {
		if (s->kexinit_count < UINT32_MAX)
			s->kexinit_count++;
		kx_anom_set(&s->anomalies, KX_ANOM_SSH_KEXINIT_REPEATED);
		kx_sshlog_block_free(l, lc);
		return;
	}
	if ((k = calloc(1, sizeof(*k))) != NULL) {
		if (kx_kexinit_parse(b->buf, b->len, k, &s->anomalies) ==
		    KX_OK) {
			s->kexinit = k;
			s->kexinit_raw_len = k->raw_len;
			s->kexinit_count = 1;
			lc->info.seen[side] = true;
			kx_sshlog_held_add(l, lc, k->raw_len);
		} else {
			free(k);
		}
	}
	kx_sshlog_block_free(l, lc);
}

