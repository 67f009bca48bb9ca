/* decode: one captured frame -> one flat TCP packet description.
 * decode allocates nothing and keeps no state; payload points into the
 * frame, valid only while the capture callback runs (libpcap's contract). */
#ifndef KEXRAY_PACKET_H
#define KEXRAY_PACKET_H

#include <stdint.h>

#include "kexray/core/anomaly.h"
#include "kexray/core/limits.h"
#include "kexray/core/status.h"

#define KX_TCP_FIN 0x01
#define KX_TCP_SYN 0x02
#define KX_TCP_RST 0x04
#define KX_TCP_PSH 0x08
#define KX_TCP_ACK 0x10
#define KX_TCP_URG 0x20

/* TCP options kexray notes (RFC 9293 3.2, RFC 7323): a stack that uses
 * timestamps puts them on every segment, its resets included. */
#define KX_TCPOPT_TS 0x01      /* kind 8, timestamps */
#define KX_TCPOPT_WS 0x02      /* kind 3, window scale */

/* The outermost encapsulation a frame arrived in (mirror-port tunnels). */
enum kx_tunnel {
	KX_TUN_NONE,
	KX_TUN_GRE,
	KX_TUN_ERSPAN,
	KX_TUN_VXLAN,
	KX_TUN_GENEVE,
	KX_TUN_MPLS,
	KX_TUN_PPPOE,
	KX_TUN_MAX
};

extern const char *const kx_tunnel_names[KX_TUN_MAX];

struct kx_packet {
	uint64_t ts_us;        /* capture time, microseconds since the epoch */
	uint64_t frame_no;     /* 1-based, counted over all input files */
	uint8_t ip_version;    /* 4 or 6 */
	uint8_t src[16];       /* IPv4 in the first 4 bytes, rest zero */
	uint8_t dst[16];
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t tcp_flags;     /* KX_TCP_* */
	uint16_t window;       /* raw, unscaled */
	uint8_t tcp_opts;      /* KX_TCPOPT_* seen in the header (reset forensics) */
	uint8_t wscale;        /* window scale shift (RFC 7323 2.2), with KX_TCPOPT_WS */
	uint8_t ttl;           /* TTL or IPv6 hop limit */
	uint16_t ip_id;        /* IPv4 only */
	uint8_t vlan_count;
	uint16_t vlan[KX_VLAN_MAX]; /* VLAN IDs, outermost first */
	uint8_t tunnel;             /* enum kx_tunnel, outermost */
	const uint8_t *payload;     /* captured TCP payload bytes */
	uint32_t payload_len;       /* bytes present at payload */
	uint32_t payload_wire_len;  /* bytes the IP header says the segment carries */
	kx_anomset anomalies;       /* decode.* anomalies of this frame */
};

/* Decodes a frame of libpcap link type dlt (DLT_* value as returned by
 * pcap_datalink). Returns:
 *   KX_OK          a TCP segment; *pkt filled (possibly with
 *                  decode.truncated: payload_len < payload_wire_len)
 *   KX_UNSUPPORTED not TCP over IP, or a link type kexray does not decode
 *   KX_MALFORMED   headers broken or cut before the TCP header ends;
 *                  pkt->anomalies says which
 * Never reads past caplen. ts_us and frame_no are left to the caller. */
KX_WUR enum kx_status kx_decode(int dlt, const uint8_t *frame, uint32_t caplen,
    uint32_t wirelen, struct kx_packet *pkt);

/* True when kexray decodes link type dlt. */
int kx_decode_dlt_supported(int dlt);

#endif
