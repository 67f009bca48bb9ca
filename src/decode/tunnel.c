/* decode: tunnels that mirror ports and cloud traffic mirroring wrap SSH
 * in. GRE and ERSPAN inside IP, VXLAN and Geneve inside UDP, MPLS and
 * PPPoE after an EtherType. What kexray reports is the inner TCP
 * connection; pkt->tunnel only says the outermost wrapper was there. */
#include <string.h>

#include "internal.h"
#include "kexray/core/limits.h"


const char *const kx_tunnel_names[KX_TUN_MAX] = {
	[KX_TUN_NONE] = "none",
	[KX_TUN_GRE] = "gre",
	[KX_TUN_ERSPAN] = "erspan",
	[KX_TUN_VXLAN] = "vxlan",
	[KX_TUN_GENEVE] = "geneve",
	[KX_TUN_MPLS] = "mpls",
	[KX_TUN_PPPOE] = "pppoe",
};

/* EtherTypes (IEEE registry); GRE (RFC 2784 2.4) and Geneve (RFC 8926
 * 3.4) take the same values in their protocol type fields. */
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_TEB 0x6558            /* transparent Ethernet bridging */
#define ETHERTYPE_ERSPAN_II 0x88be      /* also type I (see decode_gre) */
#define ETHERTYPE_ERSPAN_III 0x22eb
#define ETHERTYPE_MPLS 0x8847
#define ETHERTYPE_MPLS_MCAST 0x8848     /* RFC 5332 */
#define ETHERTYPE_PPPOE_SESSION 0x8864

/* RFC 2784 2 and RFC 2890 2: the first 16 bits are C, bit 1, K, S,
 * bits 4-12 reserved, and a 3-bit version. */
#define GRE_C 0x8000
#define GRE_K 0x2000
#define GRE_S 0x1000
/* RFC 2784 2.3: a receiver that does not implement RFC 1701 discards a
 * packet with any of bits 1-5 set; RFC 2890 has since given bits 2 and
 * 3 (K, S) a meaning. What remains are RFC 1701's routing, strict source
 * route and top recursion bit. */
#define GRE_RFC1701_BITS 0x4c00
#define GRE_VER_MASK 0x0007
/* RFC 2637 4.1: version 1 is PPTP's enhanced GRE, a PPP carrier. */
#define GRE_VER_PPTP 1
/* Checksum + reserved1, key and sequence number: 4 octets each. */
#define GRE_OPT_LEN 4

/* ERSPAN (draft-foschiano-erspan-03; Linux's include/net/erspan.h draws
 * the same layout). The first word is Ver
 * (4 bits), the original VLAN, COS, encapsulation or BSO, T and the
 * session ID; type II follows it with reserved bits and an index, type
 * III with a timestamp, the SGT and a word of flags. */
#define ERSPAN_VER_II 1
#define ERSPAN_VER_III 2
#define ERSPAN_II_REST 4        /* reserved + index */
#define ERSPAN_III_TS_SGT 6     /* timestamp + security group tag */
/* T: the mirror session truncated the copy it sent (frame past the MTU). */
#define ERSPAN_T 0x0400
/* Type III flags word: P, FT (5 bits), hardware ID, D, Gra, O. */
#define ERSPAN_III_FT(w) (((w) >> 10) & 0x1f)
#define ERSPAN_III_FT_ETHERNET 0
#define ERSPAN_III_O 0x0001
/* O set: an 8-octet platform-specific subheader follows. */
#define ERSPAN_III_PLATFORM_LEN 8

/* RFC 768. */
#define UDP_HDR_LEN 8
/* IANA-assigned destination ports: RFC 7348 5, RFC 8926 3.3. */
#define UDP_PORT_VXLAN 4789
#define UDP_PORT_GENEVE 6081

/* RFC 7348 5: flags octet (I, the VNI-valid flag, is the only defined
 * bit), 24 reserved bits, the VNI and 8 more reserved bits. */
#define VXLAN_HDR_LEN 8
#define VXLAN_I 0x08

/* RFC 8926 3.4: Ver (2 bits) and option length (6 bits, in 4-octet
 * units), flags, protocol type, then VNI and a reserved octet. */
#define GENEVE_VERSION 0
#define GENEVE_VNI_LEN 4
#define GENEVE_OPT_UNIT 4

/* RFC 3032 2.1: label (20 bits), traffic class (3), S (1), TTL (8). */
#define MPLS_BOS 0x00000100u

/* RFC 2516 4: VER and TYPE (4 bits each, both 1), CODE, SESSION_ID,
 * LENGTH of the PPPoE payload (the PPP frame), not counting this header. */
#define PPPOE_VER_TYPE 0x11
#define PPPOE_CODE_SESSION 0x00
#define PPPOE_SESSION_ID_LEN 2
/* RFC 1332 and RFC 5072: PPP protocol numbers of IPv4 and IPv6. */
#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057

/* Steps into a tunnel, or refuses past KX_TUNNEL_MAX (0). The outer
 * headers' fields are wiped so none leaks into the inner packet: an inner
 * IPv4 header writes 4 of the 16 address bytes and no IPv6 header writes
 * an IP ID. VLAN tags describe the Ethernet frame that carries the IP
 * packet: an inner frame brings its own (or none); MPLS and PPPoE ride
 * in the very frame whose tags were read, so those are kept. */
static int
tunnel_enter(struct kx_packet *pkt, enum kx_tunnel kind, unsigned depth,
    int inner_frame)
{
	if (depth >= KX_TUNNEL_MAX) {
		kx_anom_set(&pkt->anomalies, KX_ANOM_DECODE_TUNNEL_DEPTH);
		return 0;
	}
	if (pkt->tunnel == KX_TUN_NONE)
		pkt->tunnel = (uint8_t)kind;
	pkt->ip_version = 0;
	memset(pkt->src, 0, sizeof(pkt->src));
	memset(pkt->dst, 0, sizeof(pkt->dst));
	pkt->ttl = 0;
	pkt->ip_id = 0;
	if (inner_frame) {
		pkt->vlan_count = 0;
		memset(pkt->vlan, 0, sizeof(pkt->vlan));
	}
	return 1;
}

static enum kx_status
tunnel_bad(struct kx_packet *pkt)
{
	kx_anom_set(&pkt->anomalies, KX_ANOM_DECODE_TUNNEL_BAD);
	return KX_MALFORMED;
}

static enum kx_status
tunnel_short(struct kx_packet *pkt, int cut)
{
	return kx_decode_short(pkt, cut, KX_ANOM_DECODE_TUNNEL_BAD);
}

static enum kx_status
decode_erspan(struct kx_cursor *c, unsigned ver, int cut, unsigned depth,
    struct kx_packet *pkt)
{
	uint16_t w0, w1, flags = 0;

	if (kx_cur_u16be(c, &w0) != KX_OK || kx_cur_u16be(c, &w1) != KX_OK)
		return tunnel_short(pkt, cut);
	/* The GRE protocol type names the ERSPAN type; a header claiming
	 * another has another length, so nothing after it can be trusted. */
	if ((unsigned)(w0 >> 12) != ver)
		return tunnel_bad(pkt);
	if (ver == ERSPAN_VER_II) {
		if (kx_cur_skip(c, ERSPAN_II_REST) != KX_OK)
			return tunnel_short(pkt, cut);
	} else {
		if (kx_cur_skip(c, ERSPAN_III_TS_SGT) != KX_OK ||
		    kx_cur_u16be(c, &flags) != KX_OK)
			return tunnel_short(pkt, cut);
		if ((flags & ERSPAN_III_O) != 0 &&
		    kx_cur_skip(c, ERSPAN_III_PLATFORM_LEN) != KX_OK)
			return tunnel_short(pkt, cut);
		/* FT 2 is a bare IP packet; other values are reserved. */
		if (ERSPAN_III_FT(flags) != ERSPAN_III_FT_ETHERNET)
			return KX_UNSUPPORTED;
	}
	/* A copy the mirror session truncated ends early exactly as a
	 * snaplen cut would: running out of bytes is truncation there. */
	if ((w1 & ERSPAN_T) != 0)
		cut = 1;
	if (!tunnel_enter(pkt, KX_TUN_ERSPAN, depth, 1))
		return KX_UNSUPPORTED;
	return kx_decode_ether(c, cut, depth + 1, pkt);
}

/* RFC 2784 with RFC 2890's key and sequence number. */
static enum kx_status
decode_gre(struct kx_cursor *c, int cut, unsigned depth, struct kx_packet *pkt)
{
	uint16_t fv, proto;
	size_t opt = 0;

	if (kx_cur_u16be(c, &fv) != KX_OK || kx_cur_u16be(c, &proto) != KX_OK)
		return tunnel_short(pkt, cut);
	if ((fv & GRE_VER_MASK) == GRE_VER_PPTP)
		return KX_UNSUPPORTED;
	/* RFC 2784 2.3.1: version 0 is the only other one defined. */
	if ((fv & GRE_VER_MASK) != 0)
		return tunnel_bad(pkt);
	/* RFC 1701 source routing: a variable-length field kexray does not
	 * walk (RFC 2784 dropped it; Zeek and Linux do not decode it). */
	if ((fv & GRE_RFC1701_BITS) != 0)
		return KX_UNSUPPORTED;
	if (fv & GRE_C)
		opt += GRE_OPT_LEN;
	if (fv & GRE_K)
		opt += GRE_OPT_LEN;
	if (fv & GRE_S)
		opt += GRE_OPT_LEN;
	if (kx_cur_skip(c, opt) != KX_OK)
		return tunnel_short(pkt, cut);

	switch (proto) {
	case ETHERTYPE_IPV4:
	case ETHERTYPE_IPV6:
	case ETHERTYPE_MPLS:            /* RFC 4023 4 */
	case ETHERTYPE_MPLS_MCAST:
		if (!tunnel_enter(pkt, KX_TUN_GRE, depth, 1))
			return KX_UNSUPPORTED;
		return kx_decode_ethertype(c, proto, cut, depth + 1, pkt);
	case ETHERTYPE_TEB:
		if (!tunnel_enter(pkt, KX_TUN_GRE, depth, 1))
			return KX_UNSUPPORTED;
		return kx_decode_ether(c, cut, depth + 1, pkt);
	case ETHERTYPE_ERSPAN_II:
		/* ERSPAN type I shares the protocol type but has no header
		 * and no sequence number; type II always sets S (draft-
		 * foschiano-erspan-03; Linux tells them apart the same
		 * way). */
		if ((fv & GRE_S) != 0)
			return decode_erspan(c, ERSPAN_VER_II, cut, depth, pkt);
		if (!tunnel_enter(pkt, KX_TUN_ERSPAN, depth, 1))
			return KX_UNSUPPORTED;
		return kx_decode_ether(c, cut, depth + 1, pkt);
	case ETHERTYPE_ERSPAN_III:
		return decode_erspan(c, ERSPAN_VER_III, cut, depth, pkt);
	default:
		return KX_UNSUPPORTED;
	}
}

static enum kx_status
decode_vxlan(struct kx_cursor *c, int cut, unsigned depth,
    struct kx_packet *pkt)
{
	uint8_t flags;

	if (kx_cur_u8(c, &flags) != KX_OK ||
	    kx_cur_skip(c, VXLAN_HDR_LEN - 1) != KX_OK)
		return tunnel_short(pkt, cut);
	/* RFC 7348 5: I MUST be set; the reserved bits are ignored. */
	if ((flags & VXLAN_I) == 0)
		return tunnel_bad(pkt);
	if (!tunnel_enter(pkt, KX_TUN_VXLAN, depth, 1))
		return KX_UNSUPPORTED;
	return kx_decode_ether(c, cut, depth + 1, pkt);
}

static enum kx_status
decode_geneve(struct kx_cursor *c, int cut, unsigned depth,
    struct kx_packet *pkt)
{
	uint8_t vo;
	uint16_t proto;

	if (kx_cur_u8(c, &vo) != KX_OK || kx_cur_skip(c, 1) != KX_OK ||
	    kx_cur_u16be(c, &proto) != KX_OK ||
	    kx_cur_skip(c, GENEVE_VNI_LEN) != KX_OK)
		return tunnel_short(pkt, cut);
	/* RFC 8926 3.4: an unknown version is dropped, not parsed; the
	 * option layout may differ. The O and C flags change nothing for
	 * an observer. */
	if (vo >> 6 != GENEVE_VERSION)
		return KX_UNSUPPORTED;
	if (kx_cur_skip(c, (size_t)(vo & 0x3f) * GENEVE_OPT_UNIT) != KX_OK)
		return tunnel_short(pkt, cut);
	switch (proto) {
	case ETHERTYPE_TEB:
		if (!tunnel_enter(pkt, KX_TUN_GENEVE, depth, 1))
			return KX_UNSUPPORTED;
		return kx_decode_ether(c, cut, depth + 1, pkt);
	case ETHERTYPE_IPV4:
	case ETHERTYPE_IPV6:
		if (!tunnel_enter(pkt, KX_TUN_GENEVE, depth, 1))
			return KX_UNSUPPORTED;
		return kx_decode_ip(c, proto == ETHERTYPE_IPV4 ? 4 : 6, cut,
		    depth + 1, pkt);
	default:
		return KX_UNSUPPORTED;
	}
}

/* UDP (RFC 768) is a tunnel only on the VXLAN and Geneve ports; any other
 * datagram is not decoded, as before tunnels. */
static enum kx_status
decode_udp(struct kx_cursor *c, size_t upper, int cut, unsigned depth,
    struct kx_packet *pkt)
{
	struct kx_cursor d;
	uint16_t dport, len;
	size_t have;

	if (upper < UDP_HDR_LEN)
		return KX_UNSUPPORTED;
	/* c holds at least 8 bytes unless the capture cut them off. */
	if (kx_cur_skip(c, 2) != KX_OK || kx_cur_u16be(c, &dport) != KX_OK ||
	    kx_cur_u16be(c, &len) != KX_OK || kx_cur_skip(c, 2) != KX_OK)
		return tunnel_short(pkt, cut);
	if (dport != UDP_PORT_VXLAN && dport != UDP_PORT_GENEVE)
		return KX_UNSUPPORTED;
	/* The UDP length covers header and data and lies within the IP
	 * payload; bytes after it are not the tunnel's. */
	if (len < UDP_HDR_LEN || len > upper)
		return tunnel_bad(pkt);
	len -= UDP_HDR_LEN;
	have = kx_cur_left(c);
	if (kx_cur_sub(c, len < have ? len : have, &d) != KX_OK)
		return KX_MALFORMED;
	cut = cut && len > have;
	if (dport == UDP_PORT_VXLAN)
		return decode_vxlan(&d, cut, depth, pkt);
	return decode_geneve(&d, cut, depth, pkt);
}

enum kx_status
kx_decode_tunnel_ip(struct kx_cursor *c, uint8_t proto, size_t upper,
    int cut, unsigned depth, struct kx_packet *pkt)
{
	/* From here on "cut" means the capture cut this datagram: one the
	 * IP header says is whole holds the tunnel and the inner frame, so
	 * running out of it is a bad header even if the capture cut the
	 * frame's tail (an FCS, padding). */
	cut = cut && kx_cur_left(c) < upper;
	switch (proto) {
	case KX_IPPROTO_GRE:
		return decode_gre(c, cut, depth, pkt);
	case KX_IPPROTO_UDP:
		return decode_udp(c, upper, cut, depth, pkt);
	default:
		return KX_UNSUPPORTED;
	}
}

static enum kx_status
decode_mpls(struct kx_cursor *c, int cut, unsigned depth,
    struct kx_packet *pkt)
{
	uint32_t lse = 0;
	uint8_t first;
	unsigned n;

	for (n = 0; (lse & MPLS_BOS) == 0; n++) {
		if (n == KX_MPLS_MAX) {
			kx_anom_set(&pkt->anomalies,
			    KX_ANOM_DECODE_TUNNEL_DEPTH);
			return KX_UNSUPPORTED;
		}
		if (kx_cur_u32be(c, &lse) != KX_OK)
			return tunnel_short(pkt, cut);
	}
	/* Nothing in the stack says what it carries (RFC 3032 2.2: the
	 * label binding does). Routers guess from the first nibble, and
	 * RFC 4928 makes pseudowires start with a 0000 control word so the
	 * guess is not wrong; kexray guesses the same way and does not
	 * take 0000 for an Ethernet pseudowire it cannot confirm. */
	if (kx_cur_peek_u8(c, 0, &first) != KX_OK)
		return tunnel_short(pkt, cut);
	if (first >> 4 != 4 && first >> 4 != 6)
		return KX_UNSUPPORTED;
	if (!tunnel_enter(pkt, KX_TUN_MPLS, depth, 0))
		return KX_UNSUPPORTED;
	return kx_decode_ip(c, first >> 4, cut, depth + 1, pkt);
}

static enum kx_status
decode_pppoe(struct kx_cursor *c, int cut, unsigned depth,
    struct kx_packet *pkt)
{
	struct kx_cursor d;
	uint8_t vt, code, b;
	uint16_t len, proto;
	size_t have;

	if (kx_cur_u8(c, &vt) != KX_OK || kx_cur_u8(c, &code) != KX_OK ||
	    kx_cur_skip(c, PPPOE_SESSION_ID_LEN) != KX_OK ||
	    kx_cur_u16be(c, &len) != KX_OK)
		return tunnel_short(pkt, cut);
	/* RFC 2516 4, 6: VER and TYPE MUST be 1; CODE is 0 in sessions. */
	if (vt != PPPOE_VER_TYPE || code != PPPOE_CODE_SESSION)
		return tunnel_bad(pkt);
	/* LENGTH bounds the PPP frame: Ethernet padding follows it. */
	have = kx_cur_left(c);
	if (len > have && !cut)
		return tunnel_bad(pkt);
	if (kx_cur_sub(c, len < have ? len : have, &d) != KX_OK)
		return KX_MALFORMED;
	cut = len > have;
	/* RFC 1661 2, 6.5: the protocol field is two octets, or one when
	 * Protocol-Field-Compression was negotiated; only a compressed
	 * field (or a full one's second octet) has its low bit set. */
	if (kx_cur_u8(&d, &b) != KX_OK)
		return tunnel_short(pkt, cut);
	proto = b;
	if ((b & 1) == 0) {
		if (kx_cur_u8(&d, &b) != KX_OK)
			return tunnel_short(pkt, cut);
		proto = (uint16_t)(proto << 8 | b);
	}
	if (proto != PPP_IPV4 && proto != PPP_IPV6)
		return KX_UNSUPPORTED;
	if (!tunnel_enter(pkt, KX_TUN_PPPOE, depth, 0))
		return KX_UNSUPPORTED;
	return kx_decode_ip(&d, proto == PPP_IPV4 ? 4 : 6, cut, depth + 1, pkt);
}

enum kx_status
kx_decode_tunnel_ethertype(struct kx_cursor *c, uint16_t type, int cut,
    unsigned depth, struct kx_packet *pkt)
{
	switch (type) {
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MCAST:
		return decode_mpls(c, cut, depth, pkt);
	case ETHERTYPE_PPPOE_SESSION:
		return decode_pppoe(c, cut, depth, pkt);
	default:
		return KX_UNSUPPORTED;
	}
}
