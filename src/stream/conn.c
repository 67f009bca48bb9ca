/* A connection's lifecycle (DESIGN "flow"): created small, with only its
 * endpoints and per-side TCP facts (struct kx_half); given its handshake
 * state (both directions' reassembly and SSH parser, struct kx_hs) when
 * payload arrives; summarised once its handshake record is written; its
 * heap bytes measured for --max-memory; freed with everything it owns
 * (the handshake state, its RSTs, the frames kept for -w). The table that
 * finds connections is flow.c. */
#include <stdlib.h>
#include <string.h>

#include "kexray/analyze/infer_conn.h"
#include "kexray/analyze/resets.h"
#include "kexray/stream/flow.h"

const char *const kx_side_names[2] = { "client", "server" };

const char *const kx_close_names[KX_CLOSE_MAX] = {
	[KX_CLOSE_NONE] = "open",
	[KX_CLOSE_FIN] = "fin",
	[KX_CLOSE_RST] = "rst",
	[KX_CLOSE_TIMEOUT] = "timeout",
	[KX_CLOSE_CAPTURE_END] = "capture_end",
};

const char *const kx_source_names[KX_SOURCE_MAX] = {
	[KX_SOURCE_PCAP] = "pcap",
	[KX_SOURCE_SSHD_LOG] = "sshd-log",
	[KX_SOURCE_SSH_LOG] = "ssh-log",
};

const struct kx_ssh_side kx_ssh_side_none[2] = {
	[KX_CLIENT] = { .is_server = false, .state = KX_SSH_BANNER,
	    .prebanner_first = kx_ssh_nothing,
	    .disc_desc = (const uint8_t *)kx_ssh_nothing },
	[KX_SERVER] = { .is_server = true, .state = KX_SSH_BANNER,
	    .prebanner_first = kx_ssh_nothing,
	    .disc_desc = (const uint8_t *)kx_ssh_nothing },
};

const struct kx_reasm kx_reasm_none = {
	.depth = KX_REASM_DEPTH,
	.ooo_max = KX_REASM_OOO_MAX,
};

struct kx_hs *
kx_conn_hs(struct kx_conn *c, uint32_t max_buffer, uint32_t max_ooo)
{
	struct kx_hs *hs;

	if (c->hs != NULL)
		return c->hs;
	if ((hs = malloc(sizeof(*hs))) == NULL)
		return NULL;
	for (int s = 0; s < 2; s++) {
		kx_reasm_init(&hs->rs[s]);
		kx_reasm_set_limits(&hs->rs[s], max_buffer, max_ooo);
		if (c->half[s].have_base)
			kx_reasm_set_base(&hs->rs[s], c->half[s].base_seq);
		kx_ssh_side_init(&hs->ssh[s], s == KX_SERVER);
	}
	hs->infer = NULL;
	hs->encrypted_bytes[0] = hs->encrypted_bytes[1] = 0;
	hs->hs_ts = 0;
	c->hs = hs;
	c->mem_dirty = true;
	return hs;
}

void
kx_ssh_keep(struct kx_ssh_kept *k, const struct kx_ssh_side *s)
{
	memset(k, 0, sizeof(*k));
	k->banner = s->banner;
	k->prebanner_first = s->prebanner_first;
	k->disc_desc = s->disc_desc;
	k->anomalies = s->anomalies;
	k->prebanner_lines = s->prebanner_lines;
	k->msg_count = s->msg_count;
	k->disc_reason = s->disc_reason;
	k->banner_len = s->banner_len;
	k->proto_off = s->proto_off;
	k->proto_len = s->proto_len;
	k->soft_off = s->soft_off;
	k->soft_len = s->soft_len;
	k->comments_off = s->comments_off;
	k->comments_len = s->comments_len;
	k->prebanner_first_len = s->prebanner_first_len;
	k->disc_desc_len = s->disc_desc_len;
	k->proto_major = s->proto_major;
	k->proto_minor = s->proto_minor;
	k->last_msg = s->last_msg;
	k->have_banner = s->have_banner;
	k->banner_truncated = s->banner_truncated;
	k->newkeys = s->newkeys;
	k->have_disconnect = s->have_disconnect;
	k->have_kexinit = s->kexinit != NULL;
	k->have_hostkey = s->hostkey != NULL;
	k->kex_msg = s->kex_msg_logged;
}

void
kx_reasm_keep(struct kx_reasm_kept *k, const struct kx_reasm *r)
{
	memset(k, 0, sizeof(*k));
	k->anomalies = r->anomalies;
	k->base_seq = r->base_seq;
	k->ooo_dropped = r->ooo_dropped;
	k->have_base = r->have_base;
}

const struct kx_ssh_kept *
kx_conn_kept(const struct kx_conn *c, int side, struct kx_ssh_kept *tmp)
{
	if (kx_conn_summarised(c))
		return &c->hs->sum.ssh[side];
	kx_ssh_keep(tmp, kx_conn_ssh(c, side));
	tmp->rs_have_base = kx_conn_reasm(c, side)->have_base;
	return tmp;
}

const struct kx_reasm_kept *
kx_conn_reasm_kept(const struct kx_conn *c, int side,
    struct kx_reasm_kept *tmp)
{
	if (kx_conn_summarised(c)) {
		const struct kx_hs_sum *sum = &c->hs->sum;

		tmp->anomalies = sum->rs_anomalies[side];
		tmp->base_seq = sum->ssh[side].rs_base_seq;
		/* Counted into the table's caps when summarised. */
		tmp->ooo_dropped = 0;
		tmp->have_base = sum->ssh[side].rs_have_base;
		return tmp;
	}
	kx_reasm_keep(tmp, kx_conn_reasm(c, side));
	return tmp;
}

/* Frees the texts a summary owns (the banners are in its block). */
static void
sum_free(struct kx_hs_sum *sum)
{
	for (int s = 0; s < 2; s++) {
		struct kx_ssh_kept *k = &sum->ssh[s];

		if (k->prebanner_first != kx_ssh_nothing)
			free((void *)(uintptr_t)k->prebanner_first);
		if (k->disc_desc != (const uint8_t *)kx_ssh_nothing)
			free((void *)(uintptr_t)k->disc_desc);
	}
}

void
kx_conn_hs_summarise(struct kx_conn *c)
{
	struct kx_hs *hs = c->hs, *small;
	struct kx_hs_sum sum;
	size_t tail = 0;
	uint8_t *at;

	if (hs == NULL || c->hs_summarised)
		return;
	/* The banners follow the summary in its block: two allocations
	 * fewer a connection, and no chunk rounding of their own. */
	for (int s = 0; s < 2; s++)
		if (hs->ssh[s].banner != NULL)
			tail += hs->ssh[s].banner_len;
	/* The smaller block first: without it the state stays whole. */
	if ((small = malloc(kx_hs_sum_size() + tail)) == NULL)
		return;
	at = (uint8_t *)small + kx_hs_sum_size();
	/* What the inference reads of the message logs, before they go. */
	kx_infer_conn_keep(c);
	for (int s = 0; s < 2; s++) {
		struct kx_ssh_side *ss = &hs->ssh[s];
		bool have_base = hs->rs[s].have_base;

		sum.rs_anomalies[s] = hs->rs[s].anomalies;
		kx_reasm_free(&hs->rs[s]);
		kx_ssh_keep(&sum.ssh[s], ss);
		sum.ssh[s].rs_have_base = have_base;
		sum.ssh[s].rs_base_seq = hs->rs[s].base_seq;
		if (ss->banner != NULL) {
			memcpy(at, ss->banner, ss->banner_len);
			sum.ssh[s].banner = at;
			at += ss->banner_len;
		}
		/* The rare texts now belong to the summary; the rest (the
		 * banner, copied; the KEXINIT copy, the host key) goes with
		 * the parser's state. */
		ss->prebanner_first = kx_ssh_nothing;
		ss->disc_desc = (const uint8_t *)kx_ssh_nothing;
		kx_ssh_side_free(ss);
	}
	/* What precedes the union (inference, counts, log) moves as is. */
	memcpy(small, hs, offsetof(struct kx_hs, sum));
	memcpy((uint8_t *)small + offsetof(struct kx_hs, sum), &sum, sizeof(sum));
	free(hs);
	c->hs = small;
	c->hs_summarised = true;
	c->mem_dirty = true;
}

void
kx_conn_hs_free(struct kx_conn *c)
{
	if (c->hs == NULL)
		return;
	if (c->hs_summarised) {
		sum_free(&c->hs->sum);
	} else {
		for (int s = 0; s < 2; s++) {
			kx_reasm_free(&c->hs->rs[s]);
			kx_ssh_side_free(&c->hs->ssh[s]);
		}
	}
	kx_infer_conn_free(c);
	free(c->hs);
	c->hs = NULL;
	c->mem_dirty = true;
}

void
kx_conn_init(struct kx_conn *c, const struct kx_packet *pkt,
    bool server_is_dport, enum kx_side *side)
{
	memset(c, 0, sizeof(*c));
	c->mem = (uint32_t)sizeof(*c);
	c->ip_version = pkt->ip_version & 0xfu;
	c->vlan = pkt->vlan_count > 0 ? pkt->vlan[0] : 0;
	*side = server_is_dport ? KX_CLIENT : KX_SERVER;
	memcpy(c->ep[*side].addr, pkt->src, 16);
	c->ep[*side].port = pkt->sport;
	memcpy(c->ep[!*side].addr, pkt->dst, 16);
	c->ep[!*side].port = pkt->dport;
	c->closed_by = -1;
	c->close_after.side = -1;
	c->last_step.side = -1;
	for (int s = 0; s < 2; s++)
		c->half[s].stream_ssh = -1;
}

struct kx_conn_rare *
kx_conn_rare(struct kx_conn *c)
{
	if (c->rare == NULL && (c->rare = calloc(1, sizeof(*c->rare))) != NULL)
		c->mem_dirty = true;
	return c->rare;
}

void
kx_conn_release(struct kx_conn *c)
{
	if (c == NULL)
		return;
	kx_conn_hs_free(c);
	if (c->rare != NULL) {
		kx_evidence_free(c->rare->evidence);
		kx_resets_free(c->rare->rsts);
		free(c->rare);
		c->rare = NULL;
	}
}

/* Heap bytes of one side's texts (ssh.h: kept only when seen). */
static size_t
texts_mem(const struct kx_ssh_kept *k)
{
	size_t n = 0;

	if (k->prebanner_first != NULL && k->prebanner_first != kx_ssh_nothing)
		n += kx_mem_chunk((size_t)k->prebanner_first_len + 1u);
	if (k->disc_desc != NULL &&
	    k->disc_desc != (const uint8_t *)kx_ssh_nothing)
		n += kx_mem_chunk(k->disc_desc_len);
	return n;
}

size_t
kx_conn_mem(const struct kx_conn *c)
{
	/* The struct itself sits in the table's pool (flow.c): no chunk. */
	size_t n = sizeof(*c);
	const struct kx_evidence *ev = kx_conn_evidence(c);

	if (c->hs != NULL && c->hs_summarised) {
		size_t block = kx_hs_sum_size();

		for (int s = 0; s < 2; s++) {
			const struct kx_ssh_kept *k = &c->hs->sum.ssh[s];

			if (k->banner != NULL)
				block += k->banner_len;
			n += texts_mem(k);
		}
		n += kx_mem_chunk(block) + kx_infer_conn_mem(c);
	} else if (c->hs != NULL) {
		n += kx_mem_chunk(sizeof(*c->hs)) + kx_infer_conn_mem(c);
	}
	for (int s = 0; s < 2 && c->hs != NULL && !c->hs_summarised; s++) {
		const struct kx_ssh_side *ss = &c->hs->ssh[s];

		n += kx_reasm_mem(&c->hs->rs[s]);
		if (ss->banner != NULL)
			n += kx_mem_chunk(ss->banner_len != 0 ? ss->banner_len : 1);
		if (ss->kexinit != NULL)
			n += kx_mem_chunk(sizeof(*ss->kexinit)) +
			    kx_mem_chunk(ss->kexinit_raw_len != 0 ?
			    ss->kexinit_raw_len : 1);
		/* The texts kept only when seen (ssh.h). */
		if (ss->prebanner_first != NULL &&
		    ss->prebanner_first != kx_ssh_nothing)
			n += kx_mem_chunk((size_t)ss->prebanner_first_len + 1u);
		if (ss->disc_desc != NULL &&
		    ss->disc_desc != (const uint8_t *)kx_ssh_nothing)
			n += kx_mem_chunk(ss->disc_desc_len);
		if (ss->hostkey != NULL)
			n += kx_mem_chunk(ss->hostkey_len != 0 ? ss->hostkey_len : 1);
	}
	if (c->rare != NULL)
		n += kx_mem_chunk(sizeof(*c->rare));
	n += kx_resets_mem(kx_conn_rsts(c));
	/* One allocation per kept frame; at most KX_EVIDENCE_FRAMES_MAX. */
	if (ev != NULL) {
		n += kx_mem_chunk(sizeof(*ev));
		for (const struct kx_evidence_frame *f = ev->head;
		    f != NULL; f = f->next)
			n += kx_mem_chunk(sizeof(*f) + f->caplen);
	}
	return n;
}
