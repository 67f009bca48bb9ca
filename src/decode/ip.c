/* decode: IPv4 (RFC 791) and IPv6 (RFC 8200) down to the TCP segment, or
 * to a GRE or UDP payload that decode_tunnel.c may unwrap. The payload's
 * length comes from the IP header, never from caplen: Ethernet pads short
 * frames to 60 bytes and the padding is not payload. */
#include <string.h>

#include "internal.h"

#define IPPROTO_TCP_NUM 6

#define IPV4_HDR_MIN 20
/* RFC 791 3.1: MF flag and 13-bit fragment offset. */
#define IPV4_MF_OFFSET_MASK 0x3fff

/* RFC 8200 4 (and the registry of headers it points to). */
#define IPV6_HOPOPTS 0
#define IPV6_ROUTING 43
#define IPV6_FRAGMENT 44
#define IPV6_AH 51
#define IPV6_DSTOPTS 60
#define IPV6_MOBILITY 135
#define IPV6_HIP 139
#define IPV6_SHIM6 140
/* RFC 8200 4.5: fragment offset (13 bits, 8-octet units) and M flag. */
#define IPV6_FRAG_OFFSET_M_MASK 0xfff9
#define IPV6_FRAG_HDR_LEN 8
/* Every extension header is at least 8 octets (RFC 8200 4). */
#define IPV6_EXT_MIN 8

/* The IPv4 payload as a child cursor: the upper bytes the header
 * declares, fewer only where the capture cut the frame. */
static inline enum kx_status
ipv4_payload(struct kx_cursor *c, size_t upper, int cut,
    struct kx_packet *pkt, struct kx_cursor *seg)
{
	size_t have = kx_cur_left(c);

	if (upper > have && !cut) {
		kx_anom_set(&pkt->anomalies, KX_ANOM_DECODE_IPV4_BAD);
		return KX_MALFORMED;
	}
	if (kx_cur_sub(c, upper < have ? upper : have, seg) != KX_OK)
		return KX_MALFORMED;
	return KX_OK;
}

/* Off the TCP path: a GRE or UDP payload may hold a tunnel. */
static enum kx_status
ipv4_other(struct kx_cursor *c, uint8_t proto, size_t upper, int cut,
    unsigned depth, struct kx_packet *pkt)
{
	struct kx_cursor seg;
	enum kx_status st;

	if (!kx_decode_tunnel_ipproto(proto))
		return KX_UNSUPPORTED;
	if ((st = ipv4_payload(c, upper, cut, pkt, &seg)) != KX_OK)
		return st;
	return kx_decode_tunnel_ip(&seg, proto, upper, cut, depth, pkt);
}

static enum kx_status
decode_ipv4(struct kx_cursor *c, int cut, unsigned depth, struct kx_packet *pkt)
{
	struct kx_cursor seg;
	const uint8_t *src, *dst;
	uint8_t vihl, proto;
	uint16_t total, frag;
	size_t hlen, upper, tot;
	enum kx_status st;

	if (kx_cur_u8(c, &vihl) != KX_OK || kx_cur_skip(c, 1) != KX_OK ||
	    kx_cur_u16be(c, &total) != KX_OK ||
	    kx_cur_u16be(c, &pkt->ip_id) != KX_OK ||
	    kx_cur_u16be(c, &frag) != KX_OK ||
	    kx_cur_u8(c, &pkt->ttl) != KX_OK ||
	    kx_cur_u8(c, &proto) != KX_OK || kx_cur_skip(c, 2) != KX_OK ||
	    kx_cur_bytes(c, 4, &src) != KX_OK ||
	    kx_cur_bytes(c, 4, &dst) != KX_OK)
		return kx_decode_short(pkt, cut, KX_ANOM_DECODE_IPV4_BAD);
	pkt->ip_version = 4;
	memcpy(pkt->src, src, 4);
	memcpy(pkt->dst, dst, 4);

	/* RFC 791 3.1: IHL counts 32-bit words, at least 5; total length
	 * covers header and data. */
	hlen = (size_t)(vihl & 0x0f) * 4;
	tot = total;
	if (tot == 0 && vihl >> 4 == 4 && hlen >= IPV4_HDR_MIN)
		/* GSO/TSO and BIG TCP: Linux hands the capture a segment not
		 * yet cut to the MTU (or above 64 KiB) with a total length of
		 * 0; the packet is the rest of the frame (a cut frame says
		 * so, as decode.truncated, further down). */
		tot = IPV4_HDR_MIN + kx_cur_left(c);
	if (vihl >> 4 != 4 || hlen < IPV4_HDR_MIN || tot < hlen) {
		kx_anom_set(&pkt->anomalies, KX_ANOM_DECODE_IPV4_BAD);
		return KX_MALFORMED;
	}
	if (kx_cur_skip(c, hlen - IPV4_HDR_MIN) != KX_OK)
		return kx_decode_short(pkt, cut, KX_ANOM_DECODE_IPV4_BAD);

	if ((frag & IPV4_MF_OFFSET_MASK) != 0) {
		kx_anom_set(&pkt->anomalies, KX_ANOM_DECODE_IPV4_FRAGMENT);
		return KX_UNSUPPORTED;
	}
	upper = tot - hlen;
	if (proto != IPPROTO_TCP_NUM)
		return ipv4_other(c, proto, upper, cut, depth, pkt);
	if ((st = ipv4_payload(c, upper, cut, pkt, &seg)) != KX_OK)
		return st;
	return kx_decode_tcp(&seg, (uint32_t)upper, cut, pkt);
}

static int
ipv6_is_ext(uint8_t nh)
{
	switch (nh) {
	case IPV6_HOPOPTS:
	case IPV6_ROUTING:
	case IPV6_FRAGMENT:
	case IPV6_AH:
	case IPV6_DSTOPTS:
	case IPV6_MOBILITY:
	case IPV6_HIP:
	case IPV6_SHIM6:
		return 1;
	default:
		return 0;
	}
}

/* RFC 8200 4: walks the extension headers in d (the payload, upper bytes
 * of it declared) to the upper-layer header. */
static enum kx_status
ipv6_walk(struct kx_cursor *d, uint8_t nh, size_t upper, int cut,
    unsigned depth, struct kx_packet *pkt)
{
	uint8_t next, len;
	uint16_t offm;
	size_t hlen, rest;
	unsigned n;

	for (n = 0; nh != IPPROTO_TCP_NUM; n++) {
		if (!ipv6_is_ext(nh)) {
			if (!kx_decode_tunnel_ipproto(nh))
				return KX_UNSUPPORTED;
			return kx_decode_tunnel_ip(d, nh, upper, cut, depth,
			    pkt);
		}
		if (n == KX_IPV6_EXT_MAX) {
			kx_anom_set(&pkt->anomalies,
			    KX_ANOM_DECODE_IPV6_EXT_CHAIN);
			return KX_UNSUPPORTED;
		}
		/* RFC 8200 4.1: hop-by-hop options only right after the
		 * IPv6 header. */
		if ((nh == IPV6_HOPOPTS && n != 0) || upper < IPV6_EXT_MIN) {
			kx_anom_set(&pkt->anomalies,
			    KX_ANOM_DECODE_IPV6_EXT_CHAIN);
			return KX_MALFORMED;
		}
		if (kx_cur_u8(d, &next) != KX_OK || kx_cur_u8(d, &len) != KX_OK)
			return kx_decode_short(pkt, cut,
			    KX_ANOM_DECODE_IPV6_EXT_CHAIN);
		/* Lengths: AH counts 4-octet units minus 2 (RFC 4302 2.2),
		 * the fragment header is fixed (RFC 8200 4.5), the others
		 * count 8-octet units after the first 8 (RFC 8200 4.3, 4.4,
		 * 4.6; RFC 6564 for mobility, HIP and shim6). */
		if (nh == IPV6_AH)
			hlen = ((size_t)len + 2) * 4;
		else if (nh == IPV6_FRAGMENT)
			hlen = IPV6_FRAG_HDR_LEN;
		else
			hlen = ((size_t)len + 1) * 8;
		if (hlen > upper) {
			kx_anom_set(&pkt->anomalies,
			    KX_ANOM_DECODE_IPV6_EXT_CHAIN);
			return KX_MALFORMED;
		}
		rest = hlen - 2;
		if (nh == IPV6_FRAGMENT) {
			if (kx_cur_u16be(d, &offm) != KX_OK)
				return kx_decode_short(pkt, cut,
				    KX_ANOM_DECODE_IPV6_EXT_CHAIN);
			/* An atomic fragment (offset 0, M clear; RFC 6946)
			 * carries the whole packet and is decoded. */
			if ((offm & IPV6_FRAG_OFFSET_M_MASK) != 0) {
				kx_anom_set(&pkt->anomalies,
				    KX_ANOM_DECODE_IPV6_FRAGMENT);
				return KX_UNSUPPORTED;
			}
			rest -= 2;
		}
		if (kx_cur_skip(d, rest) != KX_OK)
			return kx_decode_short(pkt, cut,
			    KX_ANOM_DECODE_IPV6_EXT_CHAIN);
		upper -= hlen;
		nh = next;
	}
	return kx_decode_tcp(d, (uint32_t)upper, cut, pkt);
}

static enum kx_status
decode_ipv6(struct kx_cursor *c, int cut, unsigned depth, struct kx_packet *pkt)
{
	struct kx_cursor d;
	const uint8_t *src, *dst;
	uint32_t vtcfl;
	uint16_t plen;
	uint8_t nh;
	size_t have;

	if (kx_cur_u32be(c, &vtcfl) != KX_OK ||
	    kx_cur_u16be(c, &plen) != KX_OK ||
	    kx_cur_u8(c, &nh) != KX_OK ||
	    kx_cur_u8(c, &pkt->ttl) != KX_OK ||
	    kx_cur_bytes(c, 16, &src) != KX_OK ||
	    kx_cur_bytes(c, 16, &dst) != KX_OK)
		return kx_decode_short(pkt, cut, KX_ANOM_DECODE_IPV6_BAD);
	pkt->ip_version = 6;
	memcpy(pkt->src, src, 16);
	memcpy(pkt->dst, dst, 16);

	/* RFC 8200 3. A zero payload length is a jumbogram (RFC 2675), or a
	 * segmentation-offload capture that never filled it in; either way
	 * the frame does not say where the segment ends. */
	if (vtcfl >> 28 != 6 || plen == 0) {
		kx_anom_set(&pkt->anomalies, KX_ANOM_DECODE_IPV6_BAD);
		return KX_MALFORMED;
	}
	have = kx_cur_left(c);
	if (plen > have && !cut) {
		kx_anom_set(&pkt->anomalies, KX_ANOM_DECODE_IPV6_BAD);
		return KX_MALFORMED;
	}
	if (kx_cur_sub(c, plen < have ? plen : have, &d) != KX_OK)
		return KX_MALFORMED;
	return ipv6_walk(&d, nh, plen, cut, depth, pkt);
}

enum kx_status
kx_decode_ip(struct kx_cursor *c, int version, int cut, unsigned depth,
    struct kx_packet *pkt)
{
	uint8_t b;

	/* Raw IP link types carry no type field: the version nibble is the
	 * only demultiplexer, so a bad one is a bad link header. */
	if (version == KX_DECODE_IP_ANY) {
		if (kx_cur_peek_u8(c, 0, &b) != KX_OK)
			return kx_decode_short(pkt, cut,
			    KX_ANOM_DECODE_LINK_BAD);
		version = b >> 4;
		if (version != 4 && version != 6) {
			kx_anom_set(&pkt->anomalies, KX_ANOM_DECODE_LINK_BAD);
			return KX_MALFORMED;
		}
	}
	return version == 4 ? decode_ipv4(c, cut, depth, pkt) :
	    decode_ipv6(c, cut, depth, pkt);
}
