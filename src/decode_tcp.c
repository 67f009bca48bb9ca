/* decode: the TCP header (RFC 9293 3.1) and where the payload lies. */
#include "decode_internal.h"

#define TCP_HDR_MIN 20
/* RFC 9293 3.1: the six control bits of RFC 793 that KX_TCP_* name; the
 * ECN bits (RFC 3168) above them play no part in a handshake verdict. */
#define TCP_FLAGS_MASK 0x3f

enum kx_status
kx_decode_tcp(struct kx_cursor *seg, uint32_t wire_len, int cut,
    struct kx_packet *pkt)
{
	uint8_t off, flags;
	size_t hlen;

	if (wire_len < TCP_HDR_MIN) {
		kx_anom_set(&pkt->anomalies, KX_ANOM_DECODE_TCP_BAD_OFFSET);
		return KX_MALFORMED;
	}
	if (kx_cur_u16be(seg, &pkt->sport) != KX_OK ||
	    kx_cur_u16be(seg, &pkt->dport) != KX_OK ||
	    kx_cur_u32be(seg, &pkt->seq) != KX_OK ||
	    kx_cur_u32be(seg, &pkt->ack) != KX_OK ||
	    kx_cur_u8(seg, &off) != KX_OK ||
	    kx_cur_u8(seg, &flags) != KX_OK ||
	    kx_cur_u16be(seg, &pkt->window) != KX_OK ||
	    kx_cur_skip(seg, 4) != KX_OK)
		return kx_decode_short(pkt, cut, KX_ANOM_DECODE_TCP_BAD_OFFSET);
	pkt->tcp_flags = flags & TCP_FLAGS_MASK;

	/* Data offset counts 32-bit words, header and options. */
	hlen = (size_t)(off >> 4) * 4;
	if (hlen < TCP_HDR_MIN || hlen > wire_len) {
		kx_anom_set(&pkt->anomalies, KX_ANOM_DECODE_TCP_BAD_OFFSET);
		return KX_MALFORMED;
	}
	if (kx_cur_skip(seg, hlen - TCP_HDR_MIN) != KX_OK)
		return kx_decode_short(pkt, cut, KX_ANOM_DECODE_TCP_BAD_OFFSET);

	pkt->payload = kx_cur_rest(seg);
	pkt->payload_len = (uint32_t)kx_cur_left(seg);
	pkt->payload_wire_len = wire_len - (uint32_t)hlen;
	if (pkt->payload_len < pkt->payload_wire_len)
		kx_anom_set(&pkt->anomalies, KX_ANOM_DECODE_TRUNCATED);
	return KX_OK;
}
