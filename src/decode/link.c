/* decode: link layer. Finds where the IP datagram starts and which version
 * it claims; everything after that is decode_ip.c's job, and EtherTypes
 * that announce a tunnel (MPLS, PPPoE) are decode_tunnel.c's. */
#include <stdbool.h>
#include <string.h>

#include <pcap/dlt.h>

#include "internal.h"

/* pcap files store LINKTYPE_ values; libpcap maps LINKTYPE_RAW (101) to
 * DLT_RAW, but a caller reading file headers itself hands over 101. */
#define KX_LINKTYPE_RAW 101
/* Older libpcap headers lack the name; the value is the LINKTYPE_ one. */
#ifndef DLT_IPOIB
#define DLT_IPOIB 242
#endif

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
/* IEEE 802.1Q C-tag, IEEE 802.1ad S-tag, and the pre-802.1ad QinQ TPID
 * some switches still emit. */
#define ETHERTYPE_8021Q 0x8100
#define ETHERTYPE_8021AD 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100

/* The 12-bit VID of an 802.1Q tag control field (IEEE 802.1Q 9.6). */
#define VLAN_VID_MASK 0x0fff

#define ETH_ADDRS_LEN 12
/* Linux cooked capture: SLL puts the protocol after 14 bytes of packet
 * type, ARPHRD type and address; SLL2 puts it first and is 20 bytes. */
#define SLL_PROTO_AT 14
#define SLL2_AFTER_PROTO 18
/* LINKTYPE_IPOIB: 40 bytes of pseudo-header (the InfiniBand Global Route
 * Header, or for unicast zeros and the 20-octet destination IPoIB address
 * of RFC 4391 9.1.1), then the 4-octet IPoIB encapsulation header of RFC
 * 4391 6 (EtherType, 2 reserved): 44 bytes, as tcpdump's print-ipoib.c
 * and Wireshark's packet-ipoib.c read it and as tcpdump's ipoib.pcap test
 * capture shows (type 0x0800 at 40, IPv4 header at 44). */
#define IPOIB_ADDRS_LEN 40
#define IPOIB_RESERVED_LEN 2

/* BSD loopback address families: AF_INET is 2 everywhere, AF_INET6 is
 * not (Linux, NetBSD/OpenBSD, FreeBSD, Darwin). */
#define BSD_AF_INET 2
#define BSD_AF_INET6_LINUX 10
#define BSD_AF_INET6_BSD 24
#define BSD_AF_INET6_FREEBSD 28
#define BSD_AF_INET6_DARWIN 30

static enum kx_status
decode_ethertype(struct kx_cursor *c, uint16_t type, int cut, unsigned depth,
    struct kx_packet *pkt)
{
	uint16_t tci;

	/* Each tag is a TCI followed by the next type; with QinQ the
	 * service tag comes first (IEEE 802.1ad), so IDs land outermost
	 * first. */
	while (type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD ||
	    type == ETHERTYPE_QINQ_OLD) {
		if (pkt->vlan_count == KX_VLAN_MAX) {
			kx_anom_set(&pkt->anomalies, KX_ANOM_DECODE_VLAN_DEPTH);
			return KX_UNSUPPORTED;
		}
		if (kx_cur_u16be(c, &tci) != KX_OK ||
		    kx_cur_u16be(c, &type) != KX_OK)
			return kx_decode_short(pkt, cut, KX_ANOM_DECODE_LINK_BAD);
		pkt->vlan[pkt->vlan_count++] = tci & VLAN_VID_MASK;
	}
	switch (type) {
	case ETHERTYPE_IPV4:
		return kx_decode_ip(c, 4, cut, depth, pkt);
	case ETHERTYPE_IPV6:
		return kx_decode_ip(c, 6, cut, depth, pkt);
	default:
		/* Off the plain-IP path: MPLS, PPPoE, or not decoded. */
		return kx_decode_tunnel_ethertype(c, type, cut, depth, pkt);
	}
}

static enum kx_status
decode_ether(struct kx_cursor *c, int cut, unsigned depth,
    struct kx_packet *pkt)
{
	uint16_t type;

	if (kx_cur_skip(c, ETH_ADDRS_LEN) != KX_OK ||
	    kx_cur_u16be(c, &type) != KX_OK)
		return kx_decode_short(pkt, cut, KX_ANOM_DECODE_LINK_BAD);
	return decode_ethertype(c, type, cut, depth, pkt);
}

/* The entry points for frames a tunnel carries; the static versions stay
 * inlinable into kx_decode for plain frames. */
enum kx_status
kx_decode_ether(struct kx_cursor *c, int cut, unsigned depth,
    struct kx_packet *pkt)
{
	return decode_ether(c, cut, depth, pkt);
}

enum kx_status
kx_decode_ethertype(struct kx_cursor *c, uint16_t type, int cut,
    unsigned depth, struct kx_packet *pkt)
{
	return decode_ethertype(c, type, cut, depth, pkt);
}

static enum kx_status
decode_sll(struct kx_cursor *c, int cut, struct kx_packet *pkt)
{
	uint16_t proto;

	if (kx_cur_skip(c, SLL_PROTO_AT) != KX_OK ||
	    kx_cur_u16be(c, &proto) != KX_OK)
		return kx_decode_short(pkt, cut, KX_ANOM_DECODE_LINK_BAD);
	return decode_ethertype(c, proto, cut, 0, pkt);
}

static enum kx_status
decode_sll2(struct kx_cursor *c, int cut, struct kx_packet *pkt)
{
	uint16_t proto;

	if (kx_cur_u16be(c, &proto) != KX_OK ||
	    kx_cur_skip(c, SLL2_AFTER_PROTO) != KX_OK)
		return kx_decode_short(pkt, cut, KX_ANOM_DECODE_LINK_BAD);
	return decode_ethertype(c, proto, cut, 0, pkt);
}

static enum kx_status
decode_null(struct kx_cursor *c, int cut, struct kx_packet *pkt)
{
	uint32_t fam;

	if (kx_cur_u32be(c, &fam) != KX_OK)
		return kx_decode_short(pkt, cut, KX_ANOM_DECODE_LINK_BAD);
	/* DLT_NULL is in the writing host's byte order, DLT_LOOP in network
	 * order. Families are small numbers, so high bits set means the
	 * writer was little-endian. */
	if (fam > 0xffff)
		fam = __builtin_bswap32(fam);
	switch (fam) {
	case BSD_AF_INET:
		return kx_decode_ip(c, 4, cut, 0, pkt);
	case BSD_AF_INET6_LINUX:
	case BSD_AF_INET6_BSD:
	case BSD_AF_INET6_FREEBSD:
	case BSD_AF_INET6_DARWIN:
		return kx_decode_ip(c, 6, cut, 0, pkt);
	default:
		return KX_UNSUPPORTED;
	}
}

static enum kx_status
decode_ipoib(struct kx_cursor *c, int cut, struct kx_packet *pkt)
{
	uint16_t type;

	if (kx_cur_skip(c, IPOIB_ADDRS_LEN) != KX_OK ||
	    kx_cur_u16be(c, &type) != KX_OK ||
	    kx_cur_skip(c, IPOIB_RESERVED_LEN) != KX_OK)
		return kx_decode_short(pkt, cut, KX_ANOM_DECODE_LINK_BAD);
	/* RFC 4391 6: the type is an EtherType; IPoIB has no VLAN tags. */
	switch (type) {
	case ETHERTYPE_IPV4:
		return kx_decode_ip(c, 4, cut, 0, pkt);
	case ETHERTYPE_IPV6:
		return kx_decode_ip(c, 6, cut, 0, pkt);
	default:
		return KX_UNSUPPORTED;
	}
}

/* The TCP header of a plain Ethernet/IP frame (ether_ip_tcp below)
 * read in place when it is whole and its options are none or Linux's
 * usual NOP, NOP, timestamps: what kx_decode_tcp gives for it, without a
 * cursor. False, untouched, otherwise. */
static bool
tcp_in_place(const uint8_t *t, uint32_t len, struct kx_packet *pkt)
{
	uint32_t hlen;

	if (len < 20)
		return false;
	hlen = (uint32_t)(t[12] >> 4) * 4u;
	if (hlen > len || (hlen != 20 && !(hlen == 32 && t[20] == 1 &&
	    t[21] == 1 && t[22] == 8 && t[23] == 10)))
		return false;
	pkt->sport = (uint16_t)(t[0] << 8 | t[1]);
	pkt->dport = (uint16_t)(t[2] << 8 | t[3]);
	pkt->seq = (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 |
	    (uint32_t)t[6] << 8 | t[7];
	pkt->ack = (uint32_t)t[8] << 24 | (uint32_t)t[9] << 16 |
	    (uint32_t)t[10] << 8 | t[11];
	pkt->tcp_flags = t[13] & 0x3f;
	pkt->window = (uint16_t)(t[14] << 8 | t[15]);
	if (hlen == 32)
		pkt->tcp_opts |= KX_TCPOPT_TS;
	pkt->payload = t + hlen;
	pkt->payload_len = len - hlen;
	pkt->payload_wire_len = len - hlen;
	return true;
}

/* Most frames are Ethernet, with no VLAN tag or a few, IPv4 without
 * options and not a fragment or IPv6 without extension headers, TCP,
 * captured whole. Once the link and IP headers are known to be there and
 * to say so, their fields are read in place and only an unusual TCP
 * header goes through a cursor: the same answer as the general path below
 * for every such frame (tests/test_decode.c compares both on built frames
 * of both versions, tagged and not, mutated, cut and padded), at a
 * fraction of the reads. Anything else returns false, untouched, for the
 * general path. */
static bool
ether_ip_tcp(const uint8_t *f, uint32_t caplen, uint32_t wirelen,
    struct kx_packet *pkt, enum kx_status *st)
{
	struct kx_cursor seg;
	uint16_t vlan[KX_VLAN_MAX], type;
	uint32_t off = ETH_ADDRS_LEN + 2, nvlan = 0, l4len;
	const uint8_t *ip;

	if (caplen != wirelen || caplen < off)
		return false;
	type = (uint16_t)(f[12] << 8 | f[13]);
	while (type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD ||
	    type == ETHERTYPE_QINQ_OLD) {
		if (nvlan == KX_VLAN_MAX || caplen - off < 4)
			return false;
		vlan[nvlan++] = (uint16_t)((f[off] << 8 | f[off + 1]) &
		    VLAN_VID_MASK);
		type = (uint16_t)(f[off + 2] << 8 | f[off + 3]);
		off += 4;
	}
	ip = f + off;
	if (type == ETHERTYPE_IPV4) {
		if (caplen - off < 20 || ip[0] != 0x45 || ip[9] != 6 ||
		    ((ip[6] & 0x3f) | ip[7]) != 0)
			return false;
		l4len = (uint32_t)ip[2] << 8 | ip[3];
		if (l4len < 20 || l4len > caplen - off)
			return false;
		l4len -= 20;
		pkt->ip_version = 4;
		pkt->ip_id = (uint16_t)(ip[4] << 8 | ip[5]);
		pkt->ttl = ip[8];
		memcpy(pkt->src, ip + 12, 4);
		memcpy(pkt->dst, ip + 16, 4);
		ip += 20;
	} else if (type == ETHERTYPE_IPV6) {
		if (caplen - off < 40 || ip[0] >> 4 != 6 || ip[6] != 6)
			return false;
		l4len = (uint32_t)ip[4] << 8 | ip[5];
		if (l4len == 0 || l4len > caplen - off - 40)
			return false;
		pkt->ip_version = 6;
		pkt->ttl = ip[7];
		memcpy(pkt->src, ip + 8, 16);
		memcpy(pkt->dst, ip + 24, 16);
		ip += 40;
	} else {
		return false;
	}
	pkt->vlan_count = (uint8_t)nvlan;
	for (uint32_t i = 0; i < nvlan; i++)
		pkt->vlan[i] = vlan[i];
	if (tcp_in_place(ip, l4len, pkt)) {
		*st = KX_OK;
		return true;
	}
	kx_cur_init(&seg, ip, l4len);
	*st = kx_decode_tcp(&seg, l4len, 0, pkt);
	return true;
}

/* Clears *pkt but for the caller's time and frame number. */
static void
packet_clear(struct kx_packet *pkt)
{
	uint64_t ts_us = pkt->ts_us, frame_no = pkt->frame_no;

	memset(pkt, 0, sizeof(*pkt));
	pkt->ts_us = ts_us;
	pkt->frame_no = frame_no;
}

static enum kx_status decode_general(int dlt, const uint8_t *frame,
    uint32_t caplen, uint32_t wirelen, struct kx_packet *pkt);

enum kx_status
kx_decode(int dlt, const uint8_t *frame, uint32_t caplen, uint32_t wirelen,
    struct kx_packet *pkt)
{
	enum kx_status st;

	packet_clear(pkt);
	if (dlt == DLT_EN10MB && frame != NULL &&
	    ether_ip_tcp(frame, caplen, wirelen, pkt, &st))
		return st;
	/* The shortcut wrote nothing when it declined. */
	return decode_general(dlt, frame, caplen, wirelen, pkt);
}

enum kx_status
kx_decode_general(int dlt, const uint8_t *frame, uint32_t caplen,
    uint32_t wirelen, struct kx_packet *pkt)
{
	packet_clear(pkt);
	return decode_general(dlt, frame, caplen, wirelen, pkt);
}

/* The frame through the cursors, *pkt already cleared. */
static enum kx_status
decode_general(int dlt, const uint8_t *frame, uint32_t caplen,
    uint32_t wirelen, struct kx_packet *pkt)
{
	struct kx_cursor c;
	int cut = caplen < wirelen;

	kx_cur_init(&c, frame, caplen);

	switch (dlt) {
	case DLT_EN10MB:
		return decode_ether(&c, cut, 0, pkt);
	case DLT_LINUX_SLL:
		return decode_sll(&c, cut, pkt);
	case DLT_LINUX_SLL2:
		return decode_sll2(&c, cut, pkt);
	case DLT_NULL:
	case DLT_LOOP:
		return decode_null(&c, cut, pkt);
	case DLT_RAW:
	case KX_LINKTYPE_RAW:
		return kx_decode_ip(&c, KX_DECODE_IP_ANY, cut, 0, pkt);
	case DLT_IPV4:
		return kx_decode_ip(&c, 4, cut, 0, pkt);
	case DLT_IPV6:
		return kx_decode_ip(&c, 6, cut, 0, pkt);
	case DLT_IPOIB:
		return decode_ipoib(&c, cut, pkt);
	default:
		return KX_UNSUPPORTED;
	}
}

int
kx_decode_dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_NULL:
	case DLT_LOOP:
	case DLT_RAW:
	case KX_LINKTYPE_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_IPOIB:
		return 1;
	default:
		return 0;
	}
}
