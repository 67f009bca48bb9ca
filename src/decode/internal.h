/* decode: what decode_link.c, decode_ip.c, decode_tunnel.c and
 * decode_tcp.c pass between them. Not part of the public API. */
#ifndef KEXRAY_DECODE_INTERNAL_H
#define KEXRAY_DECODE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "kexray/core/anomaly.h"
#include "kexray/core/cursor.h"
#include "kexray/decode/packet.h"
#include "kexray/core/status.h"

/* IP version the link layer announced: ANY when it does not say (raw IP
 * link types), so the version nibble decides. */
#define KX_DECODE_IP_ANY 0

/* IP protocols that can carry a tunnel (IANA protocol numbers). */
#define KX_IPPROTO_UDP 17
#define KX_IPPROTO_GRE 47

/* A header ran past the bytes there are. When the capture cut the frame
 * (caplen < wirelen) that is truncation; otherwise the header itself is
 * wrong and `bad` names how. */
static inline enum kx_status
kx_decode_short(struct kx_packet *pkt, int cut, enum kx_anomaly bad)
{
	kx_anom_set(&pkt->anomalies, cut ? KX_ANOM_DECODE_TRUNCATED : bad);
	return KX_MALFORMED;
}

/* kx_decode without its shortcut for plain Ethernet/IPv4/TCP frames: every
 * frame through the cursors (the shortcut is checked against it). */
KX_WUR enum kx_status kx_decode_general(int dlt, const uint8_t *frame,
    uint32_t caplen, uint32_t wirelen, struct kx_packet *pkt);

/* Throughout, depth is how many tunnels the frame has already been
 * unwrapped from (0 on the outer frame); decode_tunnel.c caps it. */

/* c holds an Ethernet frame (DLT_EN10MB, or the inner frame of a tunnel). */
KX_WUR enum kx_status kx_decode_ether(struct kx_cursor *c, int cut,
    unsigned depth, struct kx_packet *pkt);

/* c holds what follows an EtherType (or a protocol field taking
 * EtherType values): VLAN tags, then IP or a tunnel. */
KX_WUR enum kx_status kx_decode_ethertype(struct kx_cursor *c, uint16_t type,
    int cut, unsigned depth, struct kx_packet *pkt);

/* c holds the IP datagram and whatever follows it in the frame (link
 * padding). version is 4, 6 or KX_DECODE_IP_ANY. cut: the capture cut the
 * frame. */
KX_WUR enum kx_status kx_decode_ip(struct kx_cursor *c, int version, int cut,
    unsigned depth, struct kx_packet *pkt);

/* True for the IP protocols kx_decode_tunnel_ip looks into. */
static inline int
kx_decode_tunnel_ipproto(uint8_t proto)
{
	return proto == KX_IPPROTO_GRE || proto == KX_IPPROTO_UDP;
}

/* c holds the captured part of an IP payload of protocol proto whose IP
 * header declares upper bytes; c is shorter only when the capture cut it.
 * GRE (and ERSPAN in it), VXLAN and Geneve; other UDP is KX_UNSUPPORTED. */
KX_WUR enum kx_status kx_decode_tunnel_ip(struct kx_cursor *c, uint8_t proto,
    size_t upper, int cut, unsigned depth, struct kx_packet *pkt);

/* c holds what follows an EtherType that is neither IP nor a VLAN tag:
 * MPLS and PPPoE session frames; anything else is KX_UNSUPPORTED. */
KX_WUR enum kx_status kx_decode_tunnel_ethertype(struct kx_cursor *c,
    uint16_t type, int cut, unsigned depth, struct kx_packet *pkt);

/* seg holds the captured part of a TCP segment whose IP headers declare
 * wire_len bytes; seg's length is below wire_len only when the capture cut
 * it. */
KX_WUR enum kx_status kx_decode_tcp(struct kx_cursor *seg, uint32_t wire_len,
    int cut, struct kx_packet *pkt);

#endif
