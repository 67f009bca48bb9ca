/* A connection's lifecycle (DESIGN "flow"): created small, with only its
 * endpoints and per-side TCP facts (struct kx_half); given its handshake
 * state (both directions' reassembly and SSH parser, struct kx_hs) when
 * payload arrives; compacted once its handshake record is written; its
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
	c->hs = hs;
	c->mem_dirty = true;
	return hs;
}

/* Stand-ins of a freed KEXINIT and host key: seen, no bytes kept. Never
 * written, never freed. */
struct kx_kexinit kx_kexinit_gone;
uint8_t kx_hostkey_gone[1];

void
kx_conn_hs_compact(struct kx_conn *c)
{
	if (c->hs == NULL)
		return;
	for (int s = 0; s < 2; s++) {
		struct kx_ssh_side *ss = &c->hs->ssh[s];

		if (ss->kexinit != NULL && ss->kexinit != &kx_kexinit_gone) {
			kx_kexinit_free(ss->kexinit);
			free(ss->kexinit);
			ss->kexinit = &kx_kexinit_gone;
			ss->kexinit_raw_len = 0;
		}
		if (ss->hostkey != NULL && ss->hostkey != kx_hostkey_gone) {
			free(ss->hostkey);
			ss->hostkey = kx_hostkey_gone;
			ss->hostkey_len = 0;
		}
	}
	c->mem_dirty = true;
}

void
kx_conn_hs_free(struct kx_conn *c)
{
	if (c->hs == NULL)
		return;
	for (int s = 0; s < 2; s++) {
		struct kx_ssh_side *ss = &c->hs->ssh[s];

		if (ss->kexinit == &kx_kexinit_gone)
			ss->kexinit = NULL;
		if (ss->hostkey == kx_hostkey_gone)
			ss->hostkey = NULL;
		kx_reasm_free(&c->hs->rs[s]);
		kx_ssh_side_free(&c->hs->ssh[s]);
	}
	kx_infer_conn_free(c);
	free(c->hs);
	c->hs = NULL;
	c->mem_dirty = true;
}

struct kx_conn *
kx_conn_new(const struct kx_packet *pkt, bool server_is_dport,
    enum kx_side *side)
{
	struct kx_conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->mem = (uint32_t)kx_mem_chunk(sizeof(*c));
	c->ip_version = pkt->ip_version;
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
	return c;
}

void
kx_conn_free(struct kx_conn *c)
{
	if (c == NULL)
		return;
	kx_conn_hs_free(c);
	kx_evidence_free(c->evidence);
	kx_resets_free(c->rsts);
	free(c);
}

size_t
kx_conn_mem(const struct kx_conn *c)
{
	size_t n = kx_mem_chunk(sizeof(*c));

	if (c->hs != NULL)
		n += kx_mem_chunk(sizeof(*c->hs)) + kx_infer_conn_mem(c);
	for (int s = 0; s < 2 && c->hs != NULL; s++) {
		const struct kx_ssh_side *ss = &c->hs->ssh[s];

		n += kx_reasm_mem(&c->hs->rs[s]);
		if (ss->banner != NULL)
			n += kx_mem_chunk(ss->banner_len != 0 ? ss->banner_len : 1);
		if (ss->kexinit != NULL && ss->kexinit != &kx_kexinit_gone)
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
		if (ss->hostkey != NULL && ss->hostkey != kx_hostkey_gone)
			n += kx_mem_chunk(ss->hostkey_len != 0 ? ss->hostkey_len : 1);
	}
	n += kx_resets_mem(c->rsts);
	/* One allocation per kept frame; at most KX_EVIDENCE_FRAMES_MAX. */
	if (c->evidence != NULL) {
		n += kx_mem_chunk(sizeof(*c->evidence));
		for (const struct kx_evidence_frame *f = c->evidence->head;
		    f != NULL; f = f->next)
			n += kx_mem_chunk(sizeof(*f) + f->caplen);
	}
	return n;
}
