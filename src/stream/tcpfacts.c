/* One side's TCP facts (struct kx_tcpfacts, flow.h): what its own genuine
 * segments looked like lately, noted per packet so that reset forensics
 * (analyze/resets.c) can hold a RST against them and the MTU black hole
 * test (analyze/close.c) can count a segment sent again and again. A few
 * stores per packet, no loop, no allocation. */
#include "kexray/stream/flow.h"

void
kx_tcpfacts_note(struct kx_half *h, const struct kx_packet *pkt)
{
	struct kx_tcpfacts *f = &h->tf;
	uint8_t fl = pkt->tcp_flags;
	/* RFC 9293 3.4: SYN and FIN each take one sequence number. */
	uint32_t end = pkt->seq + pkt->payload_wire_len +
	    ((fl & KX_TCP_SYN) ? 1u : 0u) + ((fl & KX_TCP_FIN) ? 1u : 0u);
	bool ts = (pkt->tcp_opts & KX_TCPOPT_TS) != 0;

	if (!(f->flags & KX_TF_ANY))
		f->flags |= (uint8_t)(KX_TF_ANY | (ts ? KX_TF_TS_ALWAYS : 0));
	else if (!ts)
		f->flags &= (uint8_t)~KX_TF_TS_ALWAYS;
	/* Payload below what the side already sent: sent again. The MTU
	 * black hole test looks for one segment sent again and again. */
	if (pkt->payload_wire_len > 0 && (f->flags & KX_TF_SEQ) &&
	    KX_SEQ_LT(pkt->seq, f->seq_next)) {
		if (f->rexmits > 0 && pkt->seq == f->rexmit_seq) {
			if (f->rexmits < UINT8_MAX)
				f->rexmits++;
		} else {
			f->rexmit_seq = pkt->seq;
			f->rexmit_len = pkt->payload_wire_len > UINT16_MAX ?
			    UINT16_MAX : (uint16_t)pkt->payload_wire_len;
			f->rexmits = 1;
		}
	}
	if (!(f->flags & KX_TF_SEQ) || KX_SEQ_GT(end, f->seq_next)) {
		f->seq_next = end;
		f->flags |= KX_TF_SEQ;
	}
	if ((fl & KX_TCP_ACK) &&
	    (!(f->flags & KX_TF_ACK) || KX_SEQ_GT(pkt->ack, f->ack_hi))) {
		f->ack_hi = pkt->ack;
		f->flags |= KX_TF_ACK;
	}
	if ((fl & KX_TCP_SYN) && (pkt->tcp_opts & KX_TCPOPT_WS)) {
		f->wscale = pkt->wscale;
		f->flags |= KX_TF_WS;
	}
	f->win = pkt->window;
	f->ttl = pkt->ttl;
	/* Linux sends ID 0 on its SYN-ACK and TIME-WAIT ACKs (no socket
	 * counter yet, or none any more): only non-zero IDs make the pattern. */
	if (pkt->ip_version == 4 && pkt->ip_id != 0) {
		uint16_t step = (uint16_t)(pkt->ip_id - f->ip_id);

		if (f->ip_id != 0 && step != 0 && step <= KX_IPID_RISE_MAX)
			f->flags |= KX_TF_ID_RISING;
		else if (step != 0)
			f->flags &= (uint8_t)~KX_TF_ID_RISING;
		f->ip_id = pkt->ip_id;
	}
}
