/* Fuzz target: both directions of one SSH connection, the way the
 * pipeline feeds them: each side's in-order bytes arrive in chunks, the
 * parser takes what it can and the rest waits for more (include/kexray/
 * ssh.h). Input: records of a big-endian u16 (top bit: 1 server, 0
 * client; low 15 bits: chunk length) and that many bytes; a short last
 * record takes what is left.
 *
 * Besides the sanitizers, the oracle is chunking itself: each side is
 * parsed again from its whole stream in one call, and both parses must
 * agree on every fact. The chunked connection is then analyzed and
 * reported as a real one would be. */
#include <stdlib.h>
#include <string.h>

#include "kexray/core/cursor.h"
#include "kxfuzz.h"

/* One side's bytes not yet taken by the parser, as reasm would hold them. */
struct pending {
	uint8_t *buf;
	size_t len, cap;
	enum kx_status st;
	bool done;        /* NEWKEYS or stopped: the pipeline feeds no more */
};

static bool
append(uint8_t **buf, size_t *len, size_t *cap, const uint8_t *p, size_t n)
{
	uint8_t *nb;
	size_t ncap = *cap != 0 ? *cap : 256;

	while (ncap - *len < n)
		ncap *= 2;
	if (ncap != *cap) {
		if ((nb = realloc(*buf, ncap)) == NULL)
			return false;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, p, n);
	*len += n;
	return true;
}

static bool
feed_chunk(struct kx_ssh_side *s, struct pending *pd, const uint8_t *p,
    size_t n)
{
	size_t used = 0;

	if (pd->done)
		return true;
	if (!append(&pd->buf, &pd->len, &pd->cap, p, n))
		return false;
	pd->st = kx_ssh_feed(s, pd->buf, pd->len, &used);
	kxf_check_feed(s, pd->st, pd->buf, pd->len, used);
	kxf_check_side(s);
	memmove(pd->buf, pd->buf + used, pd->len - used);
	pd->len -= used;
	if (pd->st != KX_NEED_MORE)
		pd->done = true;
	return true;
}

#define SAME(field) KXF_CHECK(a->field == b->field)

/* The facts a side records do not depend on how its bytes were cut. */
static void
check_same(const struct kx_ssh_side *a, const struct kx_ssh_side *b)
{
	uint32_t logged = a->msg_count < KX_MSGLOG_MAX ? a->msg_count :
	    KX_MSGLOG_MAX;

	SAME(state);
	SAME(prebanner_lines);
	SAME(prebanner_first_len);
	KXF_CHECK(memcmp(a->prebanner_first, b->prebanner_first,
	    a->prebanner_first_len) == 0);
	SAME(have_banner);
	SAME(banner_len);
	SAME(banner_truncated);
	if (a->banner_len > 0)
		KXF_CHECK(memcmp(a->banner, b->banner, a->banner_len) == 0);
	SAME(proto_off);
	SAME(proto_len);
	SAME(soft_off);
	SAME(soft_len);
	SAME(comments_off);
	SAME(comments_len);
	SAME(proto_major);
	SAME(proto_minor);
	KXF_CHECK((a->kexinit == NULL) == (b->kexinit == NULL));
	if (a->kexinit != NULL) {
		KXF_CHECK(a->kexinit->raw_len == b->kexinit->raw_len);
		KXF_CHECK(memcmp(a->kexinit->raw, b->kexinit->raw,
		    a->kexinit->raw_len) == 0);
	}
	SAME(kexinit_count);
	SAME(msg_count);
	for (uint32_t i = 0; i < logged; i++) {
		SAME(msglog[i].code);
		SAME(msglog[i].size);
	}
	SAME(last_msg);
	SAME(newkeys);
	SAME(hostkey_len);
	SAME(hostkey_msg);
	KXF_CHECK((a->hostkey == NULL) == (b->hostkey == NULL));
	if (a->hostkey != NULL && a->hostkey_len > 0)
		KXF_CHECK(memcmp(a->hostkey, b->hostkey, a->hostkey_len) == 0);
	SAME(have_disconnect);
	SAME(disc_reason);
	SAME(disc_desc_len);
	KXF_CHECK(memcmp(a->disc_desc, b->disc_desc, a->disc_desc_len) == 0);
	SAME(bytes_parsed);
	SAME(anomalies);
}

static void
on_done(struct kx_conn *c, void *arg)
{
	(void)arg;
	kxf_report(c);
}

/* A connection as the flow table makes it: 192.0.2.1:50022 (client) to
 * 198.51.100.2:22, opened by a SYN. */
static struct kx_conn *
new_conn(struct kx_flow_table *t)
{
	struct kx_packet pkt;
	enum kx_side side;

	memset(&pkt, 0, sizeof(pkt));
	pkt.ip_version = 4;
	memcpy(pkt.src, (const uint8_t[]){ 192, 0, 2, 1 }, 4);
	memcpy(pkt.dst, (const uint8_t[]){ 198, 51, 100, 2 }, 4);
	pkt.sport = 50022;
	pkt.dport = 22;
	pkt.tcp_flags = KX_TCP_SYN;
	return kx_flow_lookup(t, &pkt, true, true, &side);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* One table for every input: each input's connection leaves it
	 * again, and a fresh table per input (200 KiB of cleared memory)
	 * would cost more than the parsing. */
	static struct kx_flow_table *t;
	struct kx_conn *c;
	struct pending pd[2];
	struct kx_ssh_side whole;
	uint8_t *all[2] = { NULL, NULL };
	size_t all_len[2] = { 0, 0 }, all_cap[2] = { 0, 0 };
	struct kx_cursor in;
	uint16_t hdr;
	bool ok = true;

	if (t == NULL && (t = kx_flow_new(1, on_done, NULL)) == NULL)
		return 0;
	if ((c = new_conn(t)) == NULL)
		return 0;
	KXF_CHECK(kx_flow_count(t) == 1);
	c->syn_seen = c->synack_seen = true;
	if (kx_flow_hs(t, c) == NULL)
		return 0;
	memset(pd, 0, sizeof(pd));
	pd[0].st = pd[1].st = KX_NEED_MORE;
	/* Allocated up front: the parser is never handed a NULL buffer. */
	for (int side = 0; side < 2; side++)
		ok = ok && append(&all[side], &all_len[side], &all_cap[side],
		    data, 0);

	kx_cur_init(&in, data, size);
	while (ok && kx_cur_u16be(&in, &hdr) == KX_OK) {
		int side = hdr >> 15;
		size_t n = hdr & 0x7fffu;
		const uint8_t *p;

		if (n > kx_cur_left(&in))
			n = kx_cur_left(&in);
		if (kx_cur_bytes(&in, n, &p) != KX_OK)
			break;
		c->half[side].pkts++;
		c->half[side].payload_bytes += n;
		ok = feed_chunk(&c->hs->ssh[side], &pd[side], p, n) &&
		    append(&all[side], &all_len[side], &all_cap[side], p, n);
	}

	for (int side = 0; ok && side < 2; side++) {
		size_t used = 0;
		enum kx_status st;

		kx_ssh_side_init(&whole, side == KX_SERVER);
		st = kx_ssh_feed(&whole, all[side], all_len[side], &used);
		if (st != KX_NOMEM && pd[side].st != KX_NOMEM) {
			kxf_check_feed(&whole, st, all[side], all_len[side], used);
			KXF_CHECK(st == pd[side].st);
			check_same(&c->hs->ssh[side], &whole);
		}
		kx_ssh_side_free(&whole);
	}

	c->close = KX_CLOSE_FIN;
	c->closed_by = KX_CLIENT;
	c->half[KX_CLIENT].fin = true;
	kx_flow_finish(t, c);   /* reports through on_done, then frees */
	KXF_CHECK(kx_flow_count(t) == 0);
	for (int side = 0; side < 2; side++) {
		free(pd[side].buf);
		free(all[side]);
	}
	return 0;
}
