/* decode: the TCP header (RFC 9293 3.1) and where the payload lies. */
#include "internal.h"

#define TCP_HDR_MIN 20
/* RFC 9293 3.1: the six control bits of RFC 793 that KX_TCP_* name; the
 * ECN bits (RFC 3168) above them play no part in a handshake verdict. */
#define TCP_FLAGS_MASK 0x3f

/* RFC 9293 3.2 option kinds; RFC 7323 2.2 and 3.2 for the two noted. */
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_WS 3
#define TCPOPT_TS 8
#define TCPOPT_WS_LEN 3
#define TCPOPT_TS_LEN 10
/* RFC 7323 2.3: a shift above 14 is used as 14. */
#define TCPOPT_WS_MAX 14

/* Notes the timestamps and window scale options (reset forensics compare
 * a RST with the sender's other segments). The options are at most 40
 * bytes; a malformed list just ends the scan, it is not a decode error. */
static void
tcp_options(struct kx_cursor *o, struct kx_packet *pkt)
{
	uint8_t kind, len, shift;

	while (kx_cur_u8(o, &kind) == KX_OK && kind != TCPOPT_EOL) {
		if (kind == TCPOPT_NOP)
			continue;
		if (kx_cur_u8(o, &len) != KX_OK || len < 2 ||
		    kx_cur_left(o) < (size_t)len - 2)
			return;
		if (kind == TCPOPT_TS && len == TCPOPT_TS_LEN)
			pkt->tcp_opts |= KX_TCPOPT_TS;
		if (kind == TCPOPT_WS && len == TCPOPT_WS_LEN &&
		    kx_cur_peek_u8(o, 0, &shift) == KX_OK) {
			pkt->tcp_opts |= KX_TCPOPT_WS;
			pkt->wscale = shift > TCPOPT_WS_MAX ? TCPOPT_WS_MAX : shift;
		}
		if (kx_cur_skip(o, (size_t)len - 2) != KX_OK)
			return;
	}
}

/* A segment the capture cut inside its header (snaplen 64: Ethernet,
 * IPv4 and 30 bytes of TCP, into the options): what is there is decoded,
 * the payload is empty, and the frame is flagged decode.truncated, as
 * tcpdump still prints ports, flags and sequence numbers. Flags that were
 * not captured (IPv6 at snaplen 64 keeps 10 bytes of TCP) read as none. */
static enum kx_status
tcp_cut(struct kx_packet *pkt, uint32_t wire_len, size_t hlen)
{
	kx_anom_set(&pkt->anomalies, KX_ANOM_DECODE_TRUNCATED);
	pkt->payload = NULL;
	pkt->payload_len = 0;
	pkt->payload_wire_len = hlen != 0 && hlen <= wire_len ?
	    wire_len - (uint32_t)hlen : 0;
	return KX_OK;
}

enum kx_status
kx_decode_tcp(struct kx_cursor *seg, uint32_t wire_len, int cut,
    struct kx_packet *pkt)
{
	uint8_t off = 0, flags = 0;
	size_t hlen;

	if (wire_len < TCP_HDR_MIN) {
		kx_anom_set(&pkt->anomalies, KX_ANOM_DECODE_TCP_BAD_OFFSET);
		return KX_MALFORMED;
	}
	/* The ports are the least a segment must show to be placed. */
	if (kx_cur_u16be(seg, &pkt->sport) != KX_OK ||
	    kx_cur_u16be(seg, &pkt->dport) != KX_OK)
		return kx_decode_short(pkt, cut, KX_ANOM_DECODE_TCP_BAD_OFFSET);
	if (kx_cur_u32be(seg, &pkt->seq) != KX_OK ||
	    kx_cur_u32be(seg, &pkt->ack) != KX_OK ||
	    kx_cur_u8(seg, &off) != KX_OK ||
	    kx_cur_u8(seg, &flags) != KX_OK) {
		if (!cut)
			return kx_decode_short(pkt, cut,
			    KX_ANOM_DECODE_TCP_BAD_OFFSET);
		/* Without the data offset, the payload is at most what
		 * follows a header without options. */
		pkt->tcp_flags = flags & TCP_FLAGS_MASK;
		hlen = (size_t)(off >> 4) * 4;
		return tcp_cut(pkt, wire_len, hlen >= TCP_HDR_MIN ? hlen :
		    TCP_HDR_MIN);
	}
	pkt->tcp_flags = flags & TCP_FLAGS_MASK;
	/* Data offset counts 32-bit words, header and options. */
	hlen = (size_t)(off >> 4) * 4;
	if (hlen < TCP_HDR_MIN || hlen > wire_len) {
		kx_anom_set(&pkt->anomalies, KX_ANOM_DECODE_TCP_BAD_OFFSET);
		return KX_MALFORMED;
	}
	if (kx_cur_u16be(seg, &pkt->window) != KX_OK ||
	    kx_cur_skip(seg, 4) != KX_OK) {
		if (!cut)
			return kx_decode_short(pkt, cut,
			    KX_ANOM_DECODE_TCP_BAD_OFFSET);
		return tcp_cut(pkt, wire_len, hlen);
	}
	if (hlen > TCP_HDR_MIN) {
		struct kx_cursor opts;

		if (kx_cur_sub(seg, hlen - TCP_HDR_MIN, &opts) != KX_OK) {
			if (!cut)
				return kx_decode_short(pkt, cut,
				    KX_ANOM_DECODE_TCP_BAD_OFFSET);
			/* The options the capture kept. */
			if (kx_cur_sub(seg, kx_cur_left(seg), &opts) == KX_OK)
				tcp_options(&opts, pkt);
			return tcp_cut(pkt, wire_len, hlen);
		}
		tcp_options(&opts, pkt);
	}

	pkt->payload = kx_cur_rest(seg);
	pkt->payload_len = (uint32_t)kx_cur_left(seg);
	pkt->payload_wire_len = wire_len - (uint32_t)hlen;
	if (pkt->payload_len < pkt->payload_wire_len)
		kx_anom_set(&pkt->anomalies, KX_ANOM_DECODE_TRUNCATED);
	return KX_OK;
}
