/* decode: frames are assembled here byte by byte (checksums left zero: the
 * decoder does not verify them), decoded, and every field checked. Tunnel
 * frames wrap a built frame in outer headers whose IP fields differ from
 * the inner ones, so a leak shows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pcap/dlt.h>

#include "kexray/decode/packet.h"
#include "../src/decode/internal.h"

#define BUF_MAX 2048

#ifndef DLT_IPOIB
#define DLT_IPOIB 242
#endif

#define PROTO_TCP 6
#define PROTO_UDP 17
#define IPV6_NONXT 59

#define TS_SENTINEL 0x1122334455667788ull
#define FRAME_SENTINEL 4242u

#define TTL4 64
#define HLIM6 57
#define IP_ID 0xbeef
#define SPORT 50000
#define DPORT 22
#define SEQ 0x11223344u
#define ACK 0x55667788u
/* ECE set on the wire: kx_packet keeps only the KX_TCP_* bits. */
#define FLAGS_WIRE 0x58
#define FLAGS_KEPT (KX_TCP_PSH | KX_TCP_ACK)
#define WINDOW 0xfaf0

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t src4[4] = { 192, 0, 2, 1 };
static const uint8_t dst4[4] = { 198, 51, 100, 2 };
static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0xff, [15] = 2 };
static const uint8_t zero16[16];

struct spec {
	int dlt;
	int ipv;
	int nvlan;
	uint16_t tpid[KX_VLAN_MAX + 1];
	uint16_t vid[KX_VLAN_MAX + 1];
	uint16_t ethertype;     /* 0: the one for ipv */
	uint32_t family;        /* DLT_NULL/DLT_LOOP; 0: the one for ipv */
	int family_le;
	int ip4_optlen;         /* multiple of 4 */
	uint16_t ip4_frag;
	int next;
	uint8_t ext[KX_IPV6_EXT_MAX + 1];
	uint16_t frag6;         /* offset/M word of every fragment header */
	uint8_t proto;
	int tcp_optlen;         /* multiple of 4 */
	int tcp_ts;             /* options NOP, NOP, timestamps (tcp_optlen 12) */
	size_t paylen;
	size_t pad_to;
};

struct frame {
	uint8_t b[BUF_MAX];
	size_t len;
	size_t ip, ext0, tcp, payload, end;
	size_t oip;     /* wrap(): outer IP header */
	size_t tun;     /* wrap(): GRE, UDP, MPLS or PPPoE header */
	size_t thdr;    /* wrap(): ERSPAN, VXLAN or Geneve header */
};

static struct spec
spec_new(int dlt, int ipv)
{
	struct spec s;

	memset(&s, 0, sizeof(s));
	s.dlt = dlt;
	s.ipv = ipv;
	s.proto = PROTO_TCP;
	s.paylen = 32;
	return s;
}

static void
put8(struct frame *f, unsigned v)
{
	assert_true(f->len < BUF_MAX);
	f->b[f->len++] = (uint8_t)v;
}

static void
put16(struct frame *f, unsigned v)
{
	put8(f, v >> 8);
	put8(f, v & 0xff);
}

static void
put32(struct frame *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

static void
put32le(struct frame *f, uint32_t v)
{
	put8(f, v & 0xff);
	put8(f, (v >> 8) & 0xff);
	put8(f, (v >> 16) & 0xff);
	put8(f, v >> 24);
}

static void
putn(struct frame *f, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put8(f, p[i]);
}

static void
fill(struct frame *f, unsigned v, size_t n)
{
	while (n-- > 0)
		put8(f, v);
}

static void
patch16(struct frame *f, size_t at, size_t v)
{
	f->b[at] = (uint8_t)(v >> 8);
	f->b[at + 1] = (uint8_t)v;
}

static uint16_t
spec_ethertype(const struct spec *s)
{
	if (s->ethertype != 0)
		return s->ethertype;
	return s->ipv == 4 ? 0x0800 : 0x86dd;
}

static void
build_link(const struct spec *s, struct frame *f)
{
	uint16_t first = s->nvlan > 0 ? s->tpid[0] : spec_ethertype(s);
	uint32_t fam;
	int i;

	switch (s->dlt) {
	case DLT_EN10MB:
		putn(f, mac_a, 6);
		putn(f, mac_b, 6);
		put16(f, first);
		break;
	case DLT_LINUX_SLL:
		put16(f, 0);            /* packet type: to us */
		put16(f, 1);            /* ARPHRD_ETHER */
		put16(f, 6);
		putn(f, mac_b, 6);
		put16(f, 0);
		put16(f, first);
		break;
	case DLT_LINUX_SLL2:
		put16(f, first);
		put16(f, 0);
		put32(f, 2);            /* ifindex */
		put16(f, 1);
		put8(f, 0);
		put8(f, 6);
		putn(f, mac_b, 6);
		put16(f, 0);
		break;
	case DLT_NULL:
	case DLT_LOOP:
		fam = s->family != 0 ? s->family : (s->ipv == 4 ? 2u : 30u);
		if (s->family_le)
			put32le(f, fam);
		else
			put32(f, fam);
		break;
	case DLT_IPOIB:
		/* Unicast: no GRH, so zeros, then the destination IPoIB
		 * address (QPN word, GID), as in tcpdump's ipoib.pcap. */
		fill(f, 0, 20);
		put32(f, 0x80000550u);
		put16(f, 0xfe80);
		fill(f, 0, 6);
		put32(f, 0x0010e000u);
		put32(f, 0x664ab451u);
		put16(f, first);
		put16(f, 0);
		break;
	default:
		break;
	}
	for (i = 0; i < s->nvlan; i++) {
		/* PCP 5 and DEI set: they must not leak into the VLAN ID. */
		put16(f, 0xb000u | s->vid[i]);
		put16(f, i + 1 < s->nvlan ? s->tpid[i + 1] : spec_ethertype(s));
	}
}

static void
build_ipv4(const struct spec *s, struct frame *f)
{
	int i;

	put8(f, 0x40u | (unsigned)(5 + s->ip4_optlen / 4));
	put8(f, 0);
	put16(f, 0);
	put16(f, IP_ID);
	put16(f, s->ip4_frag);
	put8(f, TTL4);
	put8(f, s->proto);
	put16(f, 0);
	putn(f, src4, 4);
	putn(f, dst4, 4);
	for (i = 0; i < s->ip4_optlen; i++)
		put8(f, i + 1 < s->ip4_optlen ? 1 : 0);   /* NOPs, then EOL */
}

static void
build_ipv6(const struct spec *s, struct frame *f)
{
	uint8_t nh;
	int i;

	put32(f, 0x60000000u);
	put16(f, 0);
	put8(f, s->next > 0 ? s->ext[0] : s->proto);
	put8(f, HLIM6);
	putn(f, src6, 16);
	putn(f, dst6, 16);
	f->ext0 = f->len;
	for (i = 0; i < s->next; i++) {
		nh = i + 1 < s->next ? s->ext[i + 1] : s->proto;
		put8(f, nh);
		switch (s->ext[i]) {
		case 44:
			put8(f, 0);
			put16(f, s->frag6);
			put32(f, 0x12345678u);
			break;
		case 51:
			/* (4 + 2) * 4 = 24 bytes: a length read as 8-octet
			 * units would be 40. */
			put8(f, 4);
			put16(f, 0);
			put32(f, 0x1000u);      /* SPI */
			put32(f, 1);            /* sequence */
			fill(f, 0xee, 12);      /* ICV */
			break;
		default:
			put8(f, 1);             /* 16 bytes */
			put8(f, 1);             /* PadN */
			put8(f, 12);
			fill(f, 0, 12);
			break;
		}
	}
}

static void
build_tcp(const struct spec *s, struct frame *f)
{
	int i;

	f->tcp = f->len;
	put16(f, SPORT);
	put16(f, DPORT);
	put32(f, SEQ);
	put32(f, ACK);
	put8(f, (unsigned)(5 + s->tcp_optlen / 4) << 4);
	put8(f, FLAGS_WIRE);
	put16(f, WINDOW);
	put16(f, 0);
	put16(f, 0);
	for (i = 0; i < s->tcp_optlen; i++) {
		static const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };
		static const uint8_t ts[12] = { 1, 1, 8, 10, 0, 0, 0x10, 0,
		    0, 0, 0x20, 0 };

		if (s->tcp_ts && s->tcp_optlen == 12)
			put8(f, ts[i]);
		else
			put8(f, i < 4 ? mss[i] : 1);
	}
}

static void
build(const struct spec *s, struct frame *f)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	build_link(s, f);
	f->ip = f->len;
	if (s->ipv == 4)
		build_ipv4(s, f);
	else
		build_ipv6(s, f);
	if (s->proto == PROTO_TCP)
		build_tcp(s, f);
	else
		fill(f, 0x33, 8);
	f->payload = f->len;
	for (i = 0; i < s->paylen; i++)
		put8(f, (unsigned)(i * 13 + 7));
	f->end = f->len;
	if (s->ipv == 4)
		patch16(f, f->ip + 2, f->end - f->ip);
	else
		patch16(f, f->ip + 4, f->end - f->ip - 40);
	while (f->len < s->pad_to)
		put8(f, 0);
}

static enum kx_status
decode_n(int dlt, const uint8_t *b, size_t caplen, size_t wirelen,
    struct kx_packet *pkt)
{
	enum kx_status st;

	memset(pkt, 0xa5, sizeof(*pkt));
	pkt->ts_us = TS_SENTINEL;
	pkt->frame_no = FRAME_SENTINEL;
	st = kx_decode(dlt, b, (uint32_t)caplen, (uint32_t)wirelen, pkt);
	assert_true(pkt->ts_us == TS_SENTINEL);
	assert_int_equal(pkt->frame_no, FRAME_SENTINEL);
	return st;
}

static enum kx_status
decode_frame(const struct spec *s, const struct frame *f, struct kx_packet *pkt)
{
	return decode_n(s->dlt, f->b, f->len, f->len, pkt);
}

/* Everything a good frame must yield, payload pointer relative to b. */
static void
check_ok(const struct spec *s, const struct frame *f, const uint8_t *b,
    const struct kx_packet *pkt)
{
	int i;

	assert_int_equal(pkt->ip_version, s->ipv);
	if (s->ipv == 4) {
		assert_memory_equal(pkt->src, src4, 4);
		assert_memory_equal(pkt->dst, dst4, 4);
		assert_memory_equal(pkt->src + 4, zero16, 12);
		assert_memory_equal(pkt->dst + 4, zero16, 12);
		assert_int_equal(pkt->ttl, TTL4);
		assert_int_equal(pkt->ip_id, IP_ID);
	} else {
		assert_memory_equal(pkt->src, src6, 16);
		assert_memory_equal(pkt->dst, dst6, 16);
		assert_int_equal(pkt->ttl, HLIM6);
		assert_int_equal(pkt->ip_id, 0);
	}
	assert_int_equal(pkt->sport, SPORT);
	assert_int_equal(pkt->dport, DPORT);
	assert_int_equal(pkt->seq, SEQ);
	assert_int_equal(pkt->ack, ACK);
	assert_int_equal(pkt->tcp_flags, FLAGS_KEPT);
	assert_int_equal(pkt->window, WINDOW);
	assert_int_equal(pkt->vlan_count, s->nvlan);
	for (i = 0; i < s->nvlan; i++)
		assert_int_equal(pkt->vlan[i], s->vid[i]);
	assert_ptr_equal(pkt->payload, b + f->payload);
	assert_int_equal(pkt->payload_len, s->paylen);
	assert_int_equal(pkt->payload_wire_len, s->paylen);
}

static void
expect_ok(const struct spec *s)
{
	struct frame f;
	struct kx_packet pkt;

	build(s, &f);
	assert_int_equal(decode_frame(s, &f, &pkt), KX_OK);
	check_ok(s, &f, f.b, &pkt);
	assert_true(pkt.anomalies == 0);
	assert_int_equal(pkt.tunnel, KX_TUN_NONE);
}

/* Decodes f (wirelen = caplen + extra) and expects st with exactly the
 * anomaly a (or none when a is KX_ANOM_MAX). */
static void
expect_n(const struct spec *s, const struct frame *f, size_t extra,
    enum kx_status st, enum kx_anomaly a)
{
	struct kx_packet pkt;

	assert_int_equal(decode_n(s->dlt, f->b, f->len, f->len + extra, &pkt),
	    st);
	if (a == KX_ANOM_MAX)
		assert_true(pkt.anomalies == 0);
	else
		assert_true(pkt.anomalies == KX_ANOM_BIT(a));
}

/* For faults the headers show on their own: the same verdict whether or
 * not the capture cut the frame (the cut is past everything decoded). */
static void
expect_fail(const struct spec *s, const struct frame *f, enum kx_status st,
    enum kx_anomaly a)
{
	expect_n(s, f, 0, st, a);
	expect_n(s, f, 100, st, a);
}

/* For faults that depend on where the frame ends. */
static void
expect_fail_uncut(const struct spec *s, const struct frame *f,
    enum kx_status st, enum kx_anomaly a)
{
	expect_n(s, f, 0, st, a);
}

static void
test_ethernet(void **state)
{
	struct spec s4 = spec_new(DLT_EN10MB, 4), s6 = spec_new(DLT_EN10MB, 6);

	(void)state;
	expect_ok(&s4);
	expect_ok(&s6);
}

static void
test_ethernet_not_ip(void **state)
{
	struct spec s = spec_new(DLT_EN10MB, 4);
	struct frame f;

	(void)state;
	s.ethertype = 0x0806;
	build(&s, &f);
	expect_fail(&s, &f, KX_UNSUPPORTED, KX_ANOM_MAX);
	/* An 802.3 length field, not an EtherType. */
	s.ethertype = 0x0040;
	build(&s, &f);
	expect_fail(&s, &f, KX_UNSUPPORTED, KX_ANOM_MAX);
}

static void
test_vlan(void **state)
{
	struct spec s = spec_new(DLT_EN10MB, 4);

	(void)state;
	s.nvlan = 1;
	s.tpid[0] = 0x8100;
	s.vid[0] = 100;
	expect_ok(&s);

	/* QinQ: 802.1ad S-tag outside, 802.1Q C-tag inside. */
	s = spec_new(DLT_EN10MB, 6);
	s.nvlan = 2;
	s.tpid[0] = 0x88a8;
	s.vid[0] = 10;
	s.tpid[1] = 0x8100;
	s.vid[1] = 4094;
	expect_ok(&s);

	s.tpid[0] = 0x9100;
	s.vid[0] = 7;
	expect_ok(&s);
}

static void
test_vlan_depth_cap(void **state)
{
	struct spec s = spec_new(DLT_EN10MB, 4);
	struct frame f;
	int i;

	(void)state;
	for (i = 0; i < KX_VLAN_MAX + 1; i++) {
		s.tpid[i] = i == 0 ? 0x88a8 : 0x8100;
		s.vid[i] = (uint16_t)(i + 1);
	}
	s.nvlan = KX_VLAN_MAX;
	expect_ok(&s);
	s.nvlan = KX_VLAN_MAX + 1;
	build(&s, &f);
	expect_fail(&s, &f, KX_UNSUPPORTED, KX_ANOM_DECODE_VLAN_DEPTH);
}

static void
test_sll(void **state)
{
	struct spec s;

	(void)state;
	s = spec_new(DLT_LINUX_SLL, 4);
	expect_ok(&s);
	s = spec_new(DLT_LINUX_SLL, 6);
	expect_ok(&s);
	/* A cooked capture on a trunk keeps the tag after the header. */
	s.nvlan = 1;
	s.tpid[0] = 0x8100;
	s.vid[0] = 42;
	expect_ok(&s);
	s = spec_new(DLT_LINUX_SLL2, 4);
	expect_ok(&s);
	s = spec_new(DLT_LINUX_SLL2, 6);
	expect_ok(&s);
}

static void
test_null_loop(void **state)
{
	static const uint32_t fam6[] = { 10, 24, 28, 30 };
	static const int dlts[] = { DLT_NULL, DLT_LOOP };
	struct spec s;
	struct frame f;
	size_t d, i;
	int le;

	(void)state;
	for (d = 0; d < 2; d++) {
		for (le = 0; le < 2; le++) {
			s = spec_new(dlts[d], 4);
			s.family = 2;
			s.family_le = le;
			expect_ok(&s);
			for (i = 0; i < sizeof(fam6) / sizeof(fam6[0]); i++) {
				s = spec_new(dlts[d], 6);
				s.family = fam6[i];
				s.family_le = le;
				expect_ok(&s);
			}
			/* AF_APPLETALK-ish: not IP. */
			s = spec_new(dlts[d], 4);
			s.family = 16;
			s.family_le = le;
			build(&s, &f);
			expect_fail(&s, &f, KX_UNSUPPORTED, KX_ANOM_MAX);
		}
	}
}

static void
test_raw(void **state)
{
	static const int dlts[] = { DLT_RAW, 101 };
	struct spec s;
	struct frame f;
	size_t d;

	(void)state;
	for (d = 0; d < 2; d++) {
		s = spec_new(dlts[d], 4);
		expect_ok(&s);
		s = spec_new(dlts[d], 6);
		expect_ok(&s);
	}
	s = spec_new(DLT_IPV4, 4);
	expect_ok(&s);
	s = spec_new(DLT_IPV6, 6);
	expect_ok(&s);

	/* The link type names the version; the packet must agree. */
	s = spec_new(DLT_IPV4, 6);
	build(&s, &f);
	expect_fail(&s, &f, KX_MALFORMED, KX_ANOM_DECODE_IPV4_BAD);
	s = spec_new(DLT_IPV6, 4);
	build(&s, &f);
	expect_fail(&s, &f, KX_MALFORMED, KX_ANOM_DECODE_IPV6_BAD);

	/* Raw IP with neither version has no link header to fall back on. */
	s = spec_new(DLT_RAW, 4);
	build(&s, &f);
	f.b[0] = 0x55;
	expect_fail(&s, &f, KX_MALFORMED, KX_ANOM_DECODE_LINK_BAD);
}

static void
test_ipv4_options(void **state)
{
	struct spec s = spec_new(DLT_EN10MB, 4);

	(void)state;
	s.ip4_optlen = 12;
	expect_ok(&s);
	s.ip4_optlen = 40;      /* IHL 15, the largest */
	expect_ok(&s);
}

static void
test_tcp_options(void **state)
{
	struct spec s = spec_new(DLT_EN10MB, 6);

	(void)state;
	s.tcp_optlen = 20;
	expect_ok(&s);
	s.tcp_optlen = 40;      /* data offset 15, the largest */
	expect_ok(&s);
}

static void
test_ipv6_ext_chain(void **state)
{
	struct spec s = spec_new(DLT_EN10MB, 6);

	(void)state;
	s.next = 3;
	s.ext[0] = 0;
	s.ext[1] = 60;
	s.ext[2] = 43;
	expect_ok(&s);

	s.next = 5;
	s.ext[0] = 0;
	s.ext[1] = 51;
	s.ext[2] = 135;
	s.ext[3] = 139;
	s.ext[4] = 140;
	expect_ok(&s);

	/* An atomic fragment (RFC 6946) is a whole packet. */
	s.next = 2;
	s.ext[0] = 44;
	s.ext[1] = 60;
	s.frag6 = 0;
	expect_ok(&s);
}

static void
test_ipv6_ext_cap(void **state)
{
	struct spec s = spec_new(DLT_RAW, 6);
	struct frame f;
	int i;

	(void)state;
	for (i = 0; i < KX_IPV6_EXT_MAX + 1; i++)
		s.ext[i] = 60;
	s.next = KX_IPV6_EXT_MAX;
	expect_ok(&s);
	s.next = KX_IPV6_EXT_MAX + 1;
	build(&s, &f);
	expect_fail(&s, &f, KX_UNSUPPORTED, KX_ANOM_DECODE_IPV6_EXT_CHAIN);
}

static void
test_ipv6_ext_malformed(void **state)
{
	struct spec s = spec_new(DLT_RAW, 6);
	struct frame f;

	(void)state;
	/* RFC 8200 4.1: hop-by-hop only first. */
	s.next = 2;
	s.ext[0] = 60;
	s.ext[1] = 0;
	build(&s, &f);
	expect_fail(&s, &f, KX_MALFORMED, KX_ANOM_DECODE_IPV6_EXT_CHAIN);

	/* A header longer than the payload length allows. */
	s.next = 1;
	s.ext[0] = 60;
	build(&s, &f);
	f.b[f.ext0 + 1] = 200;
	expect_fail(&s, &f, KX_MALFORMED, KX_ANOM_DECODE_IPV6_EXT_CHAIN);

	/* Payload length ends inside the chain: 1 or 4 bytes cannot hold
	 * an extension header, though the frame goes on. */
	build(&s, &f);
	patch16(&f, f.ip + 4, 4);
	expect_fail(&s, &f, KX_MALFORMED, KX_ANOM_DECODE_IPV6_EXT_CHAIN);
	patch16(&f, f.ip + 4, 1);
	expect_fail(&s, &f, KX_MALFORMED, KX_ANOM_DECODE_IPV6_EXT_CHAIN);
}

static void
test_fragments(void **state)
{
	struct spec s = spec_new(DLT_EN10MB, 4);
	struct frame f;

	(void)state;
	s.ip4_frag = 0x2000;    /* MF */
	build(&s, &f);
	expect_fail(&s, &f, KX_UNSUPPORTED, KX_ANOM_DECODE_IPV4_FRAGMENT);
	s.ip4_frag = 0x00b9;    /* offset only */
	build(&s, &f);
	expect_fail(&s, &f, KX_UNSUPPORTED, KX_ANOM_DECODE_IPV4_FRAGMENT);
	s.ip4_frag = 0x4000;    /* DF: not a fragment */
	expect_ok(&s);

	s = spec_new(DLT_EN10MB, 6);
	s.next = 1;
	s.ext[0] = 44;
	s.frag6 = 0x0001;       /* M */
	build(&s, &f);
	expect_fail(&s, &f, KX_UNSUPPORTED, KX_ANOM_DECODE_IPV6_FRAGMENT);
	s.frag6 = 0x0008;       /* offset 1 */
	build(&s, &f);
	expect_fail(&s, &f, KX_UNSUPPORTED, KX_ANOM_DECODE_IPV6_FRAGMENT);
	s.frag6 = 0x0006;       /* reserved bits only */
	expect_ok(&s);
}

static void
test_ethernet_padding(void **state)
{
	struct spec s = spec_new(DLT_EN10MB, 4);
	struct frame f;
	struct kx_packet pkt;

	(void)state;
	s.paylen = 2;
	s.pad_to = 60;
	build(&s, &f);
	assert_int_equal(f.len, 60);
	assert_true(f.end < f.len);
	assert_int_equal(decode_frame(&s, &f, &pkt), KX_OK);
	check_ok(&s, &f, f.b, &pkt);
	assert_true(pkt.anomalies == 0);

	/* Snaplen cut only the FCS: the datagram is whole, not truncated. */
	assert_int_equal(decode_n(s.dlt, f.b, f.len, f.len + 4, &pkt), KX_OK);
	check_ok(&s, &f, f.b, &pkt);
	assert_true(pkt.anomalies == 0);

	/* A bare ACK padded out: no payload at all. */
	s = spec_new(DLT_EN10MB, 6);
	s.paylen = 0;
	s.pad_to = 90;
	expect_ok(&s);
}

static void
test_truncated_payload(void **state)
{
	struct spec s;
	struct frame f;
	struct kx_packet pkt;
	int ipv;

	(void)state;
	for (ipv = 4; ipv <= 6; ipv += 2) {
		s = spec_new(DLT_EN10MB, ipv);
		s.paylen = 100;
		build(&s, &f);
		assert_int_equal(decode_n(s.dlt, f.b, f.len - 10, f.len, &pkt),
		    KX_OK);
		assert_true(pkt.anomalies == KX_ANOM_BIT(KX_ANOM_DECODE_TRUNCATED));
		assert_ptr_equal(pkt.payload, f.b + f.payload);
		assert_int_equal(pkt.payload_len, 90);
		assert_int_equal(pkt.payload_wire_len, 100);
	}
}

/* Every proper prefix of a good frame, each in a buffer of exactly its
 * length so ASan sees any over-read. Plain malloc on purpose: cmocka's
 * test_malloc pads blocks with guard bytes that would hide one. */
static void
sweep_frame(int dlt, const struct spec *s, const struct frame *fp)
{
	const struct frame f = *fp;
	struct kx_packet pkt;
	enum kx_status st;
	uint8_t *b;
	size_t p;

	for (p = 0; p < f.len; p++) {
		b = malloc(p);
		if (p > 0) {
			assert_non_null(b);
			memcpy(b, f.b, p);
		}
		st = decode_n(dlt, b, p, f.len, &pkt);
		if (p < f.tcp + 4) {
			assert_int_equal(st, KX_MALFORMED);
			assert_true(pkt.anomalies ==
			    KX_ANOM_BIT(KX_ANOM_DECODE_TRUNCATED));
		} else if (p < f.payload) {
			/* Cut after the ports (issue 15): decoded as far as
			 * it goes, no payload, flagged truncated. */
			assert_int_equal(st, KX_OK);
			assert_true(pkt.anomalies ==
			    KX_ANOM_BIT(KX_ANOM_DECODE_TRUNCATED));
			assert_int_equal(pkt.sport,
			    (f.b[f.tcp] << 8) | f.b[f.tcp + 1]);
			assert_int_equal(pkt.dport,
			    (f.b[f.tcp + 2] << 8) | f.b[f.tcp + 3]);
			assert_int_equal(pkt.payload_len, 0);
			/* Without the data offset, the payload is taken to
			 * follow a header without options. */
			assert_int_equal(pkt.payload_wire_len, p > f.tcp + 12 ?
			    s->paylen : s->paylen + s->tcp_optlen);
			if (p > f.tcp + 13)
				assert_int_equal(pkt.tcp_flags,
				    f.b[f.tcp + 13] & 0x3f);
		} else {
			assert_int_equal(st, KX_OK);
			assert_ptr_equal(pkt.payload, b + f.payload);
			assert_true(pkt.payload + pkt.payload_len <= b + p);
			assert_int_equal(pkt.payload_wire_len, s->paylen);
			if (p < f.end) {
				assert_int_equal(pkt.payload_len, p - f.payload);
				assert_true(pkt.anomalies ==
				    KX_ANOM_BIT(KX_ANOM_DECODE_TRUNCATED));
			} else {
				assert_int_equal(pkt.payload_len, s->paylen);
				assert_true(pkt.anomalies == 0);
			}
		}
		free(b);
	}
}

static void
sweep(const struct spec *s)
{
	struct frame f;

	build(s, &f);
	sweep_frame(s->dlt, s, &f);
}

static void
test_truncation_sweep(void **state)
{
	struct spec s;

	(void)state;
	s = spec_new(DLT_EN10MB, 4);
	s.ip4_optlen = 8;
	s.tcp_optlen = 12;
	sweep(&s);

	s = spec_new(DLT_EN10MB, 6);
	s.nvlan = 2;
	s.tpid[0] = 0x88a8;
	s.vid[0] = 3;
	s.tpid[1] = 0x8100;
	s.vid[1] = 5;
	s.next = 4;
	s.ext[0] = 0;
	s.ext[1] = 44;
	s.ext[2] = 51;
	s.ext[3] = 60;
	sweep(&s);

	s = spec_new(DLT_EN10MB, 4);
	s.paylen = 3;
	s.pad_to = 60;
	sweep(&s);

	s = spec_new(DLT_LINUX_SLL, 4);
	sweep(&s);
	s = spec_new(DLT_LINUX_SLL2, 6);
	sweep(&s);
	s = spec_new(DLT_NULL, 6);
	s.family_le = 1;
	sweep(&s);
	s = spec_new(DLT_LOOP, 4);
	sweep(&s);
	s = spec_new(DLT_RAW, 4);
	sweep(&s);
	s = spec_new(101, 6);
	sweep(&s);
	s = spec_new(DLT_IPV4, 4);
	sweep(&s);
	s = spec_new(DLT_IPV6, 6);
	sweep(&s);
}

static void
test_ipv4_malformed(void **state)
{
	struct spec s = spec_new(DLT_EN10MB, 4);
	struct frame f;

	(void)state;
	build(&s, &f);
	f.b[f.ip] = 0x44;       /* IHL 4 */
	expect_fail(&s, &f, KX_MALFORMED, KX_ANOM_DECODE_IPV4_BAD);

	build(&s, &f);
	f.b[f.ip] = 0x65;       /* version 6 under EtherType IPv4 */
	expect_fail(&s, &f, KX_MALFORMED, KX_ANOM_DECODE_IPV4_BAD);

	build(&s, &f);
	patch16(&f, f.ip + 2, 19);      /* total length < IHL * 4 */
	expect_fail(&s, &f, KX_MALFORMED, KX_ANOM_DECODE_IPV4_BAD);

	/* Total length past a frame the capture did not cut. */
	build(&s, &f);
	patch16(&f, f.ip + 2, f.end - f.ip + 1);
	expect_fail_uncut(&s, &f, KX_MALFORMED, KX_ANOM_DECODE_IPV4_BAD);

	/* IHL past the end of the frame: 60 bytes of header, 40 there. */
	s.paylen = 0;
	build(&s, &f);
	f.b[f.ip] = 0x4f;
	patch16(&f, f.ip + 2, 60);
	expect_fail_uncut(&s, &f, KX_MALFORMED, KX_ANOM_DECODE_IPV4_BAD);
	/* The same when snaplen cut it is truncation, not a bad header. */
	expect_n(&s, &f, 100, KX_MALFORMED, KX_ANOM_DECODE_TRUNCATED);
}

static void
test_ipv6_malformed(void **state)
{
	struct spec s = spec_new(DLT_EN10MB, 6);
	struct frame f;

	(void)state;
	build(&s, &f);
	patch16(&f, f.ip + 4, 0);       /* jumbogram */
	expect_fail(&s, &f, KX_MALFORMED, KX_ANOM_DECODE_IPV6_BAD);

	build(&s, &f);
	patch16(&f, f.ip + 4, f.end - f.ip - 40 + 1);
	expect_fail_uncut(&s, &f, KX_MALFORMED, KX_ANOM_DECODE_IPV6_BAD);

	build(&s, &f);
	f.b[f.ip] = 0x40;       /* version 4 under EtherType IPv6 */
	expect_fail(&s, &f, KX_MALFORMED, KX_ANOM_DECODE_IPV6_BAD);

	s.proto = IPV6_NONXT;
	s.paylen = 0;
	build(&s, &f);
	expect_fail(&s, &f, KX_UNSUPPORTED, KX_ANOM_MAX);
}

static void
test_tcp_bad_offset(void **state)
{
	struct spec s = spec_new(DLT_EN10MB, 4);
	struct frame f;

	(void)state;
	build(&s, &f);
	f.b[f.tcp + 12] = 0x40;         /* 16 bytes */
	expect_fail(&s, &f, KX_MALFORMED, KX_ANOM_DECODE_TCP_BAD_OFFSET);

	s.paylen = 10;
	build(&s, &f);
	f.b[f.tcp + 12] = 0xf0;         /* 60 bytes in a 30-byte segment */
	expect_fail(&s, &f, KX_MALFORMED, KX_ANOM_DECODE_TCP_BAD_OFFSET);

	/* 24 bytes in a 20-byte segment: the Ethernet padding behind it
	 * is not part of the segment. */
	s.paylen = 0;
	s.pad_to = 60;
	build(&s, &f);
	f.b[f.tcp + 12] = 0x60;
	expect_fail(&s, &f, KX_MALFORMED, KX_ANOM_DECODE_TCP_BAD_OFFSET);

	/* IP says the segment is 10 bytes: no room for a TCP header. */
	s = spec_new(DLT_EN10MB, 4);
	build(&s, &f);
	patch16(&f, f.ip + 2, 30);
	expect_fail(&s, &f, KX_MALFORMED, KX_ANOM_DECODE_TCP_BAD_OFFSET);

	s = spec_new(DLT_RAW, 6);
	build(&s, &f);
	f.b[f.tcp + 12] = 0xf0;
	expect_fail(&s, &f, KX_MALFORMED, KX_ANOM_DECODE_TCP_BAD_OFFSET);
}

static void
test_udp(void **state)
{
	struct spec s;
	struct frame f;

	(void)state;
	s = spec_new(DLT_EN10MB, 4);
	s.proto = PROTO_UDP;
	build(&s, &f);
	expect_fail(&s, &f, KX_UNSUPPORTED, KX_ANOM_MAX);

	s = spec_new(DLT_EN10MB, 6);
	s.proto = PROTO_UDP;
	s.next = 1;
	s.ext[0] = 60;
	build(&s, &f);
	expect_fail(&s, &f, KX_UNSUPPORTED, KX_ANOM_MAX);
}

static void
test_dlt(void **state)
{
	static const int ok[] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2,
		DLT_NULL, DLT_LOOP, DLT_RAW, 101, DLT_IPV4, DLT_IPV6,
		DLT_IPOIB };
	struct spec s = spec_new(DLT_IEEE802_11, 4);
	struct frame f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_true(kx_decode_dlt_supported(ok[i]));
	assert_false(kx_decode_dlt_supported(DLT_IEEE802_11));
	assert_false(kx_decode_dlt_supported(DLT_PPP));

	build(&s, &f);
	expect_fail(&s, &f, KX_UNSUPPORTED, KX_ANOM_MAX);
}

/* Tunnels. The outer headers carry their own addresses, TTL, IP ID and
 * VLAN tag; check_ok() against the inner spec shows none of them leaks. */

#define OUT_TTL 200
#define OUT_IP_ID 0x1234
#define OUT_VID 999
#define ETH_TEB 0x6558
#define ETH_MPLS 0x8847
#define GRE_C 0x8000
#define GRE_K 0x2000
#define GRE_S 0x1000
/* decode_tunnel.c's KX_MPLS_MAX; its KX_TUNNEL_MAX (3) is what
 * test_nested reaches and passes. */
#define MPLS_MAX 8

static const uint8_t osrc4[4] = { 203, 0, 113, 1 };
static const uint8_t odst4[4] = { 203, 0, 113, 2 };
static const uint8_t osrc6[16] = { 0xfc, 0, [14] = 0xaa, [15] = 1 };
static const uint8_t odst6[16] = { 0xfc, 0, [14] = 0xbb, [15] = 2 };

enum wkind { W_GRE, W_ERSPAN1, W_ERSPAN2, W_ERSPAN3, W_VXLAN, W_GENEVE,
	W_MPLS, W_PPPOE };

struct wrap {
	enum wkind kind;
	int link;               /* an outer Ethernet header first */
	int vlan;               /* ... with an 802.1Q tag, VID OUT_VID */
	int ipv;                /* outer IP of GRE, ERSPAN, VXLAN, Geneve */
	uint16_t proto;         /* GRE and Geneve protocol type */
	uint16_t gre_flags;     /* C, K, S (W_GRE) */
	uint16_t erspan_w1;     /* COS, En/BSO, T, session ID */
	int erspan_o;           /* type III platform subheader */
	int geneve_opt;         /* option length, 4-octet units */
	int labels;             /* MPLS stack */
	int pfc;                /* PPP protocol field compressed */
};

static struct wrap
wrap_new(enum wkind kind, int ipv)
{
	struct wrap w;

	memset(&w, 0, sizeof(w));
	w.kind = kind;
	w.link = 1;
	w.ipv = ipv;
	w.labels = 2;
	return w;
}

static void
put_outer_ip(struct frame *f, int ipv, unsigned proto)
{
	f->oip = f->len;
	if (ipv == 4) {
		put8(f, 0x45);
		put8(f, 0);
		put16(f, 0);
		put16(f, OUT_IP_ID);
		put16(f, 0x4000);
		put8(f, OUT_TTL);
		put8(f, proto);
		put16(f, 0);
		putn(f, osrc4, 4);
		putn(f, odst4, 4);
	} else {
		put32(f, 0x60000000u);
		put16(f, 0);
		put8(f, proto);
		put8(f, OUT_TTL);
		putn(f, osrc6, 16);
		putn(f, odst6, 16);
	}
}

static void
put_udp(struct frame *f, unsigned dport)
{
	f->tun = f->len;
	put16(f, 49152);
	put16(f, dport);
	put16(f, 0);            /* patched */
	put16(f, 0);
	f->thdr = f->len;
}

/* out = in inside the tunnel w describes. in is an Ethernet frame for the
 * kinds that carry one (GRE with ETH_TEB, ERSPAN, VXLAN, Geneve with
 * ETH_TEB) and starts at an IP header (or MPLS stack) otherwise. */
static void
wrap(const struct wrap *w, const struct frame *in, struct frame *out)
{
	int ip_borne = w->kind != W_MPLS && w->kind != W_PPPOE;
	size_t hdr, pppoe = 0;
	unsigned v = in->b[0] >> 4;
	int i;

	memset(out, 0, sizeof(*out));
	if (w->link) {
		putn(out, mac_b, 6);
		putn(out, mac_a, 6);
		if (w->vlan) {
			put16(out, 0x8100);
			put16(out, OUT_VID);
		}
		put16(out, w->kind == W_MPLS ? ETH_MPLS :
		    w->kind == W_PPPOE ? 0x8864 :
		    w->ipv == 4 ? 0x0800 : 0x86dd);
	}
	if (ip_borne)
		put_outer_ip(out, w->ipv,
		    w->kind == W_VXLAN || w->kind == W_GENEVE ? PROTO_UDP : 47);
	out->tun = out->len;
	switch (w->kind) {
	case W_GRE:
		put16(out, w->gre_flags);
		put16(out, w->proto);
		if (w->gre_flags & GRE_C)
			put32(out, 0xc5c50000u);  /* checksum, reserved1 */
		if (w->gre_flags & GRE_K)
			put32(out, 0x0badf00du);
		if (w->gre_flags & GRE_S)
			put32(out, 77);
		break;
	case W_ERSPAN1:
		put16(out, 0);
		put16(out, 0x88be);
		break;
	case W_ERSPAN2:
		put16(out, GRE_S);
		put16(out, 0x88be);
		put32(out, 5);
		out->thdr = out->len;
		put16(out, 0x1000u | 321);      /* ver 1, original VLAN */
		put16(out, w->erspan_w1 | 0xe000u | 100);
		put32(out, 0x000abcdeu);        /* index */
		break;
	case W_ERSPAN3:
		put16(out, GRE_S);
		put16(out, 0x22eb);
		put32(out, 6);
		out->thdr = out->len;
		put16(out, 0x2000u | 321);      /* ver 2 */
		put16(out, w->erspan_w1 | 100);
		put32(out, 0x5e5e5e5eu);        /* timestamp */
		put16(out, 0x0042);             /* SGT */
		/* P set, FT 0 (Ethernet), hardware ID 5, D, gra 3, O. */
		put16(out, 0x8000u | 5u << 4 | 0x8 | 0x6 |
		    (w->erspan_o ? 1u : 0u));
		if (w->erspan_o)
			fill(out, 0xa7, 8);
		break;
	case W_VXLAN:
		put_udp(out, 4789);
		put8(out, 0x08);
		fill(out, 0, 3);
		put32(out, 5569041u << 8);
		break;
	case W_GENEVE:
		put_udp(out, 6081);
		put8(out, (unsigned)w->geneve_opt);
		put8(out, 0x40);                /* C: critical options */
		put16(out, w->proto);
		put32(out, 0xau << 8);
		if (w->geneve_opt > 0) {
			put16(out, 0x0102);     /* option class */
			put8(out, 0x80);        /* type, critical */
			put8(out, (unsigned)w->geneve_opt - 1);
			fill(out, 0x9c, (size_t)(w->geneve_opt - 1) * 4);
		}
		break;
	case W_MPLS:
		for (i = 0; i < w->labels; i++)
			put32(out, (uint32_t)(16 + i) << 12 |
			    (i + 1 == w->labels ? 0x100u : 0) | 64);
		break;
	case W_PPPOE:
		pppoe = out->len;
		put8(out, 0x11);
		put8(out, 0);
		put16(out, 0x2b2b);             /* session */
		put16(out, 0);                  /* patched */
		if (w->pfc)
			put8(out, v == 4 ? 0x21 : 0x57);
		else
			put16(out, v == 4 ? 0x0021 : 0x0057);
		break;
	}
	hdr = out->len;
	putn(out, in->b, in->len);
	if (ip_borne) {
		if (w->ipv == 4)
			patch16(out, out->oip + 2, out->len - out->oip);
		else
			patch16(out, out->oip + 4, out->len - out->oip - 40);
	}
	if (w->kind == W_VXLAN || w->kind == W_GENEVE)
		patch16(out, out->tun + 4, out->len - out->tun);
	if (w->kind == W_PPPOE)
		patch16(out, pppoe + 4, out->len - pppoe - 6);
	out->ip = in->ip + hdr;
	out->ext0 = in->ext0 + hdr;
	out->tcp = in->tcp + hdr;
	out->payload = in->payload + hdr;
	out->end = in->end + hdr;
}

/* The inner frame of spec s, wrapped once by w. */
static void
build_wrapped(const struct spec *s, const struct wrap *w, struct frame *out)
{
	struct frame in;

	build(s, &in);
	wrap(w, &in, out);
}

static void
expect_tun_ok(const struct spec *want, const struct frame *f, int tunnel)
{
	struct kx_packet pkt;

	assert_int_equal(decode_n(DLT_EN10MB, f->b, f->len, f->len, &pkt),
	    KX_OK);
	check_ok(want, f, f->b, &pkt);
	assert_true(pkt.anomalies == 0);
	assert_int_equal(pkt.tunnel, tunnel);
}

/* s for the inner frame, wrapped once; expects it back unharmed. */
static void
expect_wrapped_ok(const struct spec *s, const struct wrap *w, int tunnel)
{
	struct frame f;

	build_wrapped(s, w, &f);
	expect_tun_ok(s, &f, tunnel);
}

/* expect_n()'s link type for wrapped frames. */
static const struct spec eth_spec = { .dlt = DLT_EN10MB };

static void
test_tunnel_names(void **state)
{
	static const char *const want[KX_TUN_MAX] = { "none", "gre",
		"erspan", "vxlan", "geneve", "mpls", "pppoe" };
	int i;

	(void)state;
	for (i = 0; i < KX_TUN_MAX; i++) {
		assert_non_null(kx_tunnel_names[i]);
		assert_string_equal(kx_tunnel_names[i], want[i]);
	}
}

static void
test_gre(void **state)
{
	static const uint16_t flags[] = { 0, GRE_K, GRE_S, GRE_K | GRE_S,
		GRE_C, GRE_C | GRE_K | GRE_S };
	struct spec s;
	struct wrap w;
	size_t i;
	int oipv, ipv;

	(void)state;
	for (oipv = 4; oipv <= 6; oipv += 2) {
		for (ipv = 4; ipv <= 6; ipv += 2) {
			for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
				s = spec_new(DLT_RAW, ipv);
				w = wrap_new(W_GRE, oipv);
				w.proto = ipv == 4 ? 0x0800 : 0x86dd;
				w.gre_flags = flags[i];
				w.vlan = 1;     /* the tunnel's: dropped */
				expect_wrapped_ok(&s, &w, KX_TUN_GRE);
			}
		}
	}
	/* Reserved bits 6-12 are ignored on receipt (RFC 2784 2.3). */
	s = spec_new(DLT_RAW, 4);
	w = wrap_new(W_GRE, 4);
	w.proto = 0x0800;
	w.gre_flags = 0x00f8;
	expect_wrapped_ok(&s, &w, KX_TUN_GRE);
}

static void
test_gre_teb(void **state)
{
	struct spec s;
	struct wrap w;

	(void)state;
	/* The inner frame's tags, not the outer one's. */
	s = spec_new(DLT_EN10MB, 4);
	s.nvlan = 1;
	s.tpid[0] = 0x8100;
	s.vid[0] = 7;
	w = wrap_new(W_GRE, 4);
	w.proto = ETH_TEB;
	w.gre_flags = GRE_K;
	w.vlan = 1;
	expect_wrapped_ok(&s, &w, KX_TUN_GRE);

	/* No inner tag: none at all. */
	s = spec_new(DLT_EN10MB, 6);
	expect_wrapped_ok(&s, &w, KX_TUN_GRE);

	/* The inner frame is padded to 60 bytes: not payload. */
	s = spec_new(DLT_EN10MB, 4);
	s.paylen = 2;
	s.pad_to = 60;
	expect_wrapped_ok(&s, &w, KX_TUN_GRE);
}

static void
test_gre_other(void **state)
{
	struct spec s = spec_new(DLT_RAW, 4);
	struct wrap w = wrap_new(W_GRE, 4);
	struct frame f;

	(void)state;
	w.proto = 0x0800;
	/* PPTP's enhanced GRE (version 1, K always set). */
	w.gre_flags = GRE_K | 1;
	build_wrapped(&s, &w, &f);
	expect_fail(&eth_spec, &f, KX_UNSUPPORTED, KX_ANOM_MAX);
	/* Versions 2-7 do not exist. */
	w.gre_flags = 2;
	build_wrapped(&s, &w, &f);
	expect_fail(&eth_spec, &f, KX_MALFORMED, KX_ANOM_DECODE_TUNNEL_BAD);
	/* RFC 1701 routing present. */
	w.gre_flags = 0x4000;
	build_wrapped(&s, &w, &f);
	expect_fail(&eth_spec, &f, KX_UNSUPPORTED, KX_ANOM_MAX);
	/* A payload kexray does not decode (PPP). */
	w.gre_flags = 0;
	w.proto = 0x880b;
	build_wrapped(&s, &w, &f);
	expect_fail(&eth_spec, &f, KX_UNSUPPORTED, KX_ANOM_MAX);

	/* The IP datagram ends inside the sequence number a flag
	 * announced: a bad header, even when the capture cut the frame
	 * later (the datagram itself is whole). */
	w.proto = 0x0800;
	w.gre_flags = GRE_K | GRE_S;
	build_wrapped(&s, &w, &f);
	patch16(&f, f.oip + 2, 20 + 4 + 6);
	expect_fail(&eth_spec, &f, KX_MALFORMED, KX_ANOM_DECODE_TUNNEL_BAD);

	/* Inner IP longer than what the GRE packet holds. */
	build_wrapped(&s, &w, &f);
	patch16(&f, f.ip + 2, f.end - f.ip + 1);
	expect_fail_uncut(&eth_spec, &f, KX_MALFORMED,
	    KX_ANOM_DECODE_IPV4_BAD);
}

static void
test_erspan(void **state)
{
	struct spec s;
	struct wrap w;
	struct frame f;
	struct kx_packet pkt;

	(void)state;
	s = spec_new(DLT_EN10MB, 4);
	s.nvlan = 1;
	s.tpid[0] = 0x8100;
	s.vid[0] = 12;
	w = wrap_new(W_ERSPAN1, 4);
	w.vlan = 1;
	expect_wrapped_ok(&s, &w, KX_TUN_ERSPAN);
	w.kind = W_ERSPAN2;
	expect_wrapped_ok(&s, &w, KX_TUN_ERSPAN);
	w.kind = W_ERSPAN3;
	expect_wrapped_ok(&s, &w, KX_TUN_ERSPAN);
	w.erspan_o = 1;
	expect_wrapped_ok(&s, &w, KX_TUN_ERSPAN);
	s = spec_new(DLT_EN10MB, 6);
	w = wrap_new(W_ERSPAN2, 6);
	expect_wrapped_ok(&s, &w, KX_TUN_ERSPAN);

	/* A header whose version is not the protocol type's. */
	s = spec_new(DLT_EN10MB, 4);
	w = wrap_new(W_ERSPAN2, 4);
	build_wrapped(&s, &w, &f);
	f.b[f.thdr] = 0x20;
	expect_fail(&eth_spec, &f, KX_MALFORMED, KX_ANOM_DECODE_TUNNEL_BAD);
	w = wrap_new(W_ERSPAN3, 4);
	build_wrapped(&s, &w, &f);
	f.b[f.thdr] = 0x10;
	expect_fail(&eth_spec, &f, KX_MALFORMED, KX_ANOM_DECODE_TUNNEL_BAD);
	/* Type III frame type 2: a bare IP packet, not decoded. */
	build_wrapped(&s, &w, &f);
	f.b[f.thdr + 10] |= 0x08;
	expect_fail(&eth_spec, &f, KX_UNSUPPORTED, KX_ANOM_MAX);

	/* The mirror session cut its copy (T): the inner frame ends early
	 * though the capture did not, which is truncation only with T. */
	s = spec_new(DLT_EN10MB, 4);
	s.paylen = 40;
	w = wrap_new(W_ERSPAN2, 4);
	{
		struct frame in;

		build(&s, &in);
		in.len -= 15;
		wrap(&w, &in, &f);
		expect_fail_uncut(&eth_spec, &f, KX_MALFORMED,
		    KX_ANOM_DECODE_IPV4_BAD);
		w.erspan_w1 = 0x0400;
		wrap(&w, &in, &f);
	}
	assert_int_equal(decode_n(DLT_EN10MB, f.b, f.len, f.len, &pkt), KX_OK);
	assert_true(pkt.anomalies == KX_ANOM_BIT(KX_ANOM_DECODE_TRUNCATED));
	assert_int_equal(pkt.tunnel, KX_TUN_ERSPAN);
	assert_ptr_equal(pkt.payload, f.b + f.payload);
	assert_int_equal(pkt.payload_len, 25);
	assert_int_equal(pkt.payload_wire_len, 40);
}

static void
test_vxlan(void **state)
{
	struct spec s;
	struct wrap w;
	struct frame f;

	(void)state;
	s = spec_new(DLT_EN10MB, 4);
	w = wrap_new(W_VXLAN, 4);
	w.vlan = 1;
	expect_wrapped_ok(&s, &w, KX_TUN_VXLAN);
	s = spec_new(DLT_EN10MB, 6);
	s.nvlan = 2;
	s.tpid[0] = 0x88a8;
	s.vid[0] = 30;
	s.tpid[1] = 0x8100;
	s.vid[1] = 31;
	w = wrap_new(W_VXLAN, 6);
	expect_wrapped_ok(&s, &w, KX_TUN_VXLAN);

	/* RFC 7348 5: I set is what makes the VNI valid. */
	s = spec_new(DLT_EN10MB, 4);
	w = wrap_new(W_VXLAN, 4);
	build_wrapped(&s, &w, &f);
	f.b[f.thdr] = 0x00;
	expect_fail(&eth_spec, &f, KX_MALFORMED, KX_ANOM_DECODE_TUNNEL_BAD);
	/* Reserved flag bits are ignored. */
	build_wrapped(&s, &w, &f);
	f.b[f.thdr] = 0xff;
	expect_tun_ok(&s, &f, KX_TUN_VXLAN);

	/* Another port: plain UDP, as before tunnels. So is the VXLAN
	 * port as the source. */
	build_wrapped(&s, &w, &f);
	patch16(&f, f.tun + 2, 4790);
	expect_fail(&eth_spec, &f, KX_UNSUPPORTED, KX_ANOM_MAX);
	patch16(&f, f.tun, 4789);
	expect_fail(&eth_spec, &f, KX_UNSUPPORTED, KX_ANOM_MAX);

	/* UDP length past the IP payload, or below the header. */
	build_wrapped(&s, &w, &f);
	patch16(&f, f.tun + 4, f.len - f.tun + 1);
	expect_fail(&eth_spec, &f, KX_MALFORMED, KX_ANOM_DECODE_TUNNEL_BAD);
	patch16(&f, f.tun + 4, 7);
	expect_fail(&eth_spec, &f, KX_MALFORMED, KX_ANOM_DECODE_TUNNEL_BAD);
	/* An IP payload too short for a UDP header is no tunnel. */
	build_wrapped(&s, &w, &f);
	patch16(&f, f.oip + 2, 20 + 7);
	expect_fail(&eth_spec, &f, KX_UNSUPPORTED, KX_ANOM_MAX);
}

static void
test_geneve(void **state)
{
	struct spec s;
	struct wrap w;
	struct frame f;

	(void)state;
	s = spec_new(DLT_EN10MB, 4);
	w = wrap_new(W_GENEVE, 4);
	w.proto = ETH_TEB;
	w.vlan = 1;
	expect_wrapped_ok(&s, &w, KX_TUN_GENEVE);
	w.geneve_opt = 2;       /* tcpdump's geneve.pcap: 8 bytes */
	expect_wrapped_ok(&s, &w, KX_TUN_GENEVE);
	w.geneve_opt = 63;      /* the most: 252 bytes */
	expect_wrapped_ok(&s, &w, KX_TUN_GENEVE);

	/* Protocol type IPv4 or IPv6: no inner Ethernet. */
	s = spec_new(DLT_RAW, 4);
	w = wrap_new(W_GENEVE, 6);
	w.proto = 0x0800;
	w.geneve_opt = 1;
	expect_wrapped_ok(&s, &w, KX_TUN_GENEVE);
	s = spec_new(DLT_RAW, 6);
	w.proto = 0x86dd;
	expect_wrapped_ok(&s, &w, KX_TUN_GENEVE);

	/* RFC 8926 3.4: an unknown version is not parsed. */
	s = spec_new(DLT_EN10MB, 4);
	w = wrap_new(W_GENEVE, 4);
	w.proto = ETH_TEB;
	build_wrapped(&s, &w, &f);
	f.b[f.thdr] |= 0x40;
	expect_fail(&eth_spec, &f, KX_UNSUPPORTED, KX_ANOM_MAX);
	/* Nor a protocol kexray does not decode. */
	build_wrapped(&s, &w, &f);
	patch16(&f, f.thdr + 2, 0x0806);
	expect_fail(&eth_spec, &f, KX_UNSUPPORTED, KX_ANOM_MAX);
	/* Options longer than the datagram. */
	build_wrapped(&s, &w, &f);
	f.b[f.thdr] = 63;
	patch16(&f, f.oip + 2, 20 + 8 + 8 + 40);
	patch16(&f, f.tun + 4, 8 + 8 + 40);
	expect_fail(&eth_spec, &f, KX_MALFORMED, KX_ANOM_DECODE_TUNNEL_BAD);
}

static void
test_mpls(void **state)
{
	struct spec s, want;
	struct wrap w;
	struct frame f;

	(void)state;
	s = spec_new(DLT_RAW, 4);
	w = wrap_new(W_MPLS, 0);
	expect_wrapped_ok(&s, &w, KX_TUN_MPLS);
	s = spec_new(DLT_RAW, 6);
	w.labels = 1;
	expect_wrapped_ok(&s, &w, KX_TUN_MPLS);
	w.labels = MPLS_MAX;
	expect_wrapped_ok(&s, &w, KX_TUN_MPLS);

	/* The tag is the frame's that carries the stack: kept. */
	s = spec_new(DLT_RAW, 4);
	want = s;
	want.nvlan = 1;
	want.vid[0] = OUT_VID;
	w = wrap_new(W_MPLS, 0);
	w.vlan = 1;
	build_wrapped(&s, &w, &f);
	expect_tun_ok(&want, &f, KX_TUN_MPLS);
	/* Multicast MPLS (RFC 5332). */
	patch16(&f, f.tun - 2, 0x8848);
	expect_tun_ok(&want, &f, KX_TUN_MPLS);

	/* One label past the cap. */
	w = wrap_new(W_MPLS, 0);
	w.labels = MPLS_MAX + 1;
	build_wrapped(&s, &w, &f);
	expect_fail(&eth_spec, &f, KX_UNSUPPORTED,
	    KX_ANOM_DECODE_TUNNEL_DEPTH);

	/* A pseudowire control word (first nibble 0): not guessed. */
	w.labels = 2;
	build_wrapped(&s, &w, &f);
	f.b[f.tun + 8] = 0x00;
	expect_fail(&eth_spec, &f, KX_UNSUPPORTED, KX_ANOM_MAX);

	/* A stack without its bottom, or with nothing under it. */
	s.paylen = 0;
	w.labels = 1;
	build_wrapped(&s, &w, &f);
	f.len = f.tun + 4;
	expect_fail_uncut(&eth_spec, &f, KX_MALFORMED,
	    KX_ANOM_DECODE_TUNNEL_BAD);
	f.b[f.tun + 2] = 0;
	expect_fail_uncut(&eth_spec, &f, KX_MALFORMED,
	    KX_ANOM_DECODE_TUNNEL_BAD);

	/* MPLS inside GRE (RFC 4023): two tunnels, GRE outermost. */
	{
		struct frame in, mid;

		s = spec_new(DLT_RAW, 6);
		build(&s, &in);
		w = wrap_new(W_MPLS, 0);
		w.link = 0;
		wrap(&w, &in, &mid);
		w = wrap_new(W_GRE, 4);
		w.proto = ETH_MPLS;
		w.vlan = 1;
		wrap(&w, &mid, &f);
		expect_tun_ok(&s, &f, KX_TUN_GRE);
	}
}

static void
test_pppoe(void **state)
{
	struct spec s, want;
	struct wrap w;
	struct frame f;

	(void)state;
	s = spec_new(DLT_RAW, 4);
	w = wrap_new(W_PPPOE, 0);
	expect_wrapped_ok(&s, &w, KX_TUN_PPPOE);
	s = spec_new(DLT_RAW, 6);
	expect_wrapped_ok(&s, &w, KX_TUN_PPPOE);
	w.pfc = 1;
	expect_wrapped_ok(&s, &w, KX_TUN_PPPOE);
	s = spec_new(DLT_RAW, 4);
	expect_wrapped_ok(&s, &w, KX_TUN_PPPOE);

	/* The usual provider setup: PPPoE in a VLAN, the tag kept. Short,
	 * so the Ethernet frame is padded behind LENGTH. */
	s = spec_new(DLT_RAW, 4);
	s.paylen = 0;
	s.pad_to = 50;
	want = s;
	want.nvlan = 1;
	want.vid[0] = OUT_VID;
	w = wrap_new(W_PPPOE, 0);
	w.vlan = 1;
	build_wrapped(&s, &w, &f);
	expect_tun_ok(&want, &f, KX_TUN_PPPOE);
	patch16(&f, f.tun + 4, f.end - f.tun - 6);
	expect_tun_ok(&want, &f, KX_TUN_PPPOE);

	/* RFC 2516: VER, TYPE and a session's CODE are fixed. */
	s = spec_new(DLT_RAW, 4);
	w = wrap_new(W_PPPOE, 0);
	build_wrapped(&s, &w, &f);
	f.b[f.tun] = 0x21;
	expect_fail(&eth_spec, &f, KX_MALFORMED, KX_ANOM_DECODE_TUNNEL_BAD);
	build_wrapped(&s, &w, &f);
	f.b[f.tun + 1] = 0x09;  /* PADI */
	expect_fail(&eth_spec, &f, KX_MALFORMED, KX_ANOM_DECODE_TUNNEL_BAD);
	/* LENGTH past a frame the capture did not cut. */
	build_wrapped(&s, &w, &f);
	patch16(&f, f.tun + 4, f.len - f.tun - 6 + 1);
	expect_fail_uncut(&eth_spec, &f, KX_MALFORMED,
	    KX_ANOM_DECODE_TUNNEL_BAD);
	/* LENGTH 1 holds no protocol field. */
	patch16(&f, f.tun + 4, 1);
	expect_fail_uncut(&eth_spec, &f, KX_MALFORMED,
	    KX_ANOM_DECODE_TUNNEL_BAD);
	/* Link control, not IP. */
	build_wrapped(&s, &w, &f);
	patch16(&f, f.tun + 6, 0xc021);
	expect_fail(&eth_spec, &f, KX_UNSUPPORTED, KX_ANOM_MAX);
}

static void
test_ipoib(void **state)
{
	struct spec s;
	struct frame f;

	(void)state;
	s = spec_new(DLT_IPOIB, 4);
	expect_ok(&s);
	s = spec_new(DLT_IPOIB, 6);
	expect_ok(&s);
	/* ARP. */
	s.ethertype = 0x0806;
	build(&s, &f);
	expect_fail(&s, &f, KX_UNSUPPORTED, KX_ANOM_MAX);
	/* Shorter than the 44-byte header. */
	s = spec_new(DLT_IPOIB, 4);
	build(&s, &f);
	f.len = 43;
	expect_fail_uncut(&s, &f, KX_MALFORMED, KX_ANOM_DECODE_LINK_BAD);
}

static void
test_nested(void **state)
{
	struct spec s = spec_new(DLT_EN10MB, 4);
	struct frame in, mid, f, f4;
	struct wrap w;

	(void)state;
	/* VXLAN inside GRE: the GRE carries the VXLAN endpoint's IP. The
	 * middle IP header must not leak either. */
	s.nvlan = 1;
	s.tpid[0] = 0x8100;
	s.vid[0] = 55;
	build(&s, &in);
	w = wrap_new(W_VXLAN, 6);
	w.link = 0;
	wrap(&w, &in, &mid);
	w = wrap_new(W_GRE, 4);
	w.proto = 0x86dd;
	w.gre_flags = GRE_K | GRE_S;
	w.vlan = 1;
	wrap(&w, &mid, &f);
	expect_tun_ok(&s, &f, KX_TUN_GRE);

	/* Three deep, the cap: Geneve around GRE around VXLAN. */
	w = wrap_new(W_VXLAN, 4);
	w.vlan = 1;
	wrap(&w, &in, &mid);
	w = wrap_new(W_GRE, 6);
	w.proto = ETH_TEB;
	wrap(&w, &mid, &f);
	mid = f;
	w = wrap_new(W_GENEVE, 4);
	w.proto = ETH_TEB;
	w.geneve_opt = 2;
	wrap(&w, &mid, &f);
	expect_tun_ok(&s, &f, KX_TUN_GENEVE);

	/* A fourth: refused, and said why. */
	w = wrap_new(W_ERSPAN2, 4);
	wrap(&w, &f, &f4);
	expect_fail(&eth_spec, &f4, KX_UNSUPPORTED,
	    KX_ANOM_DECODE_TUNNEL_DEPTH);
	/* The same with MPLS as the fourth. */
	s = spec_new(DLT_RAW, 4);
	build(&s, &in);
	w = wrap_new(W_MPLS, 0);
	wrap(&w, &in, &mid);
	w = wrap_new(W_VXLAN, 4);
	wrap(&w, &mid, &f);
	mid = f;
	w = wrap_new(W_GRE, 4);
	w.proto = ETH_TEB;
	wrap(&w, &mid, &f);
	mid = f;
	w = wrap_new(W_VXLAN, 6);
	wrap(&w, &mid, &f);
	expect_fail(&eth_spec, &f, KX_UNSUPPORTED,
	    KX_ANOM_DECODE_TUNNEL_DEPTH);
}

static void
test_tunnel_truncation_sweep(void **state)
{
	struct spec s, inner;
	struct wrap w;
	struct frame in, mid, f;

	(void)state;
	s = spec_new(DLT_RAW, 4);
	s.tcp_optlen = 8;
	w = wrap_new(W_GRE, 4);
	w.proto = 0x0800;
	build_wrapped(&s, &w, &f);
	sweep_frame(DLT_EN10MB, &s, &f);
	w.gre_flags = GRE_C | GRE_K | GRE_S;
	w.ipv = 6;
	build_wrapped(&s, &w, &f);
	sweep_frame(DLT_EN10MB, &s, &f);

	inner = spec_new(DLT_EN10MB, 6);
	inner.nvlan = 1;
	inner.tpid[0] = 0x8100;
	inner.vid[0] = 9;
	w = wrap_new(W_GRE, 4);
	w.proto = ETH_TEB;
	w.gre_flags = GRE_K;
	build_wrapped(&inner, &w, &f);
	sweep_frame(DLT_EN10MB, &inner, &f);

	inner = spec_new(DLT_EN10MB, 4);
	w = wrap_new(W_ERSPAN1, 4);
	build_wrapped(&inner, &w, &f);
	sweep_frame(DLT_EN10MB, &inner, &f);
	w.kind = W_ERSPAN2;
	build_wrapped(&inner, &w, &f);
	sweep_frame(DLT_EN10MB, &inner, &f);
	w.kind = W_ERSPAN3;
	build_wrapped(&inner, &w, &f);
	sweep_frame(DLT_EN10MB, &inner, &f);
	w.erspan_o = 1;
	build_wrapped(&inner, &w, &f);
	sweep_frame(DLT_EN10MB, &inner, &f);

	w = wrap_new(W_VXLAN, 6);
	w.vlan = 1;
	build_wrapped(&inner, &w, &f);
	sweep_frame(DLT_EN10MB, &inner, &f);

	w = wrap_new(W_GENEVE, 4);
	w.proto = ETH_TEB;
	w.geneve_opt = 3;
	build_wrapped(&inner, &w, &f);
	sweep_frame(DLT_EN10MB, &inner, &f);
	s = spec_new(DLT_RAW, 6);
	w.proto = 0x86dd;
	build_wrapped(&s, &w, &f);
	sweep_frame(DLT_EN10MB, &s, &f);

	s = spec_new(DLT_RAW, 4);
	w = wrap_new(W_MPLS, 0);
	w.vlan = 1;
	build_wrapped(&s, &w, &f);
	sweep_frame(DLT_EN10MB, &s, &f);

	w = wrap_new(W_PPPOE, 0);
	build_wrapped(&s, &w, &f);
	sweep_frame(DLT_EN10MB, &s, &f);
	w.pfc = 1;
	s = spec_new(DLT_RAW, 6);
	build_wrapped(&s, &w, &f);
	sweep_frame(DLT_EN10MB, &s, &f);

	s = spec_new(DLT_IPOIB, 4);
	sweep(&s);
	s = spec_new(DLT_IPOIB, 6);
	sweep(&s);

	/* Nested: VXLAN inside GRE. */
	build(&inner, &in);
	w = wrap_new(W_VXLAN, 4);
	w.link = 0;
	wrap(&w, &in, &mid);
	w = wrap_new(W_GRE, 6);
	w.proto = 0x0800;
	wrap(&w, &mid, &f);
	sweep_frame(DLT_EN10MB, &inner, &f);
}

/* The shortcut for plain Ethernet/IPv4/TCP frames (link.c) against the
 * general path: the same status and the same packet, byte for byte, for
 * frames of every shape built here, each with bytes of its first 64
 * changed at random (a fixed seed), cut short, padded, or with a capture
 * length above or below the wire length. */
static uint32_t
rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* Whether a frame looks like one the shortcut takes (link and IP header
 * fields only): to count that both kinds were tried. */
static int
looks_plain(const uint8_t *b, size_t cap, size_t wire)
{
	size_t off = 14;
	unsigned type, tags = 0;

	if (cap != wire || cap < off)
		return 0;
	type = (unsigned)b[12] << 8 | b[13];
	while ((type == 0x8100 || type == 0x88a8 || type == 0x9100) &&
	    tags++ < KX_VLAN_MAX && cap >= off + 4) {
		type = (unsigned)b[off + 2] << 8 | b[off + 3];
		off += 4;
	}
	if (type == 0x0800)
		return cap >= off + 20 && b[off] == 0x45 && b[off + 9] == 6;
	if (type == 0x86dd)
		return cap >= off + 40 && b[off] >> 4 == 6 && b[off + 6] == 6;
	return 0;
}

static void
test_fast_path_same(void **state)
{
	static const int optlens[] = { 0, 4, 12, 20, 40 };
	static const uint16_t tpids[] = { 0x88a8, 0x8100 };
	uint32_t x = 0x2545f491u;
	unsigned fast = 0, n = 0;

	(void)state;
	for (int ipv = 4; ipv <= 6; ipv += 2)
	for (int nvlan = 0; nvlan <= 2; nvlan++)
	for (size_t oi = 0; oi < sizeof(optlens) / sizeof(optlens[0]); oi++)
	for (int ts = 0; ts <= (optlens[oi] == 12); ts++)
	for (int ipopt = 0; ipopt <= (ipv == 4 ? 8 : 0); ipopt += 8)
	for (size_t pay = 0; pay <= 100; pay += 50) {
		struct spec s = spec_new(DLT_EN10MB, ipv);
		struct frame f;

		/* Tagged: QinQ's service tag first, as decode_ethertype
		 * reads them. */
		s.nvlan = nvlan;
		for (int v = 0; v < nvlan; v++) {
			s.tpid[v] = tpids[2 - nvlan + v];
			s.vid[v] = (uint16_t)(100 + v);
		}
		s.tcp_optlen = optlens[oi];
		/* Linux's NOP, NOP, timestamps: read in place when whole. */
		s.tcp_ts = ts != 0;
		s.ip4_optlen = ipopt;
		s.paylen = pay;
		s.pad_to = pay == 0 ? 60 : 0;
		build(&s, &f);
		for (int round = 0; round < 3000; round++) {
			uint8_t b[BUF_MAX];
			struct kx_packet p1, p2;
			size_t len = f.len, cap, wire;
			enum kx_status s1, s2;

			memcpy(b, f.b, f.len);
			for (int k = (int)(rnd(&x) % 4); k > 0; k--)
				b[rnd(&x) % 64] ^= (uint8_t)(1u << (rnd(&x) % 8));
			if (rnd(&x) % 4 == 0)
				b[16 + rnd(&x) % 2] = (uint8_t)rnd(&x);   /* total length */
			cap = len;
			wire = len;
			switch (rnd(&x) % 5) {
			case 0:
				cap = rnd(&x) % (len + 1);
				break;
			case 1:
				wire = len + 1 + rnd(&x) % 40;
				break;
			case 2:
				wire = rnd(&x) % (len + 1);
				break;
			default:
				break;
			}
			memset(&p1, 0x5a, sizeof(p1));
			memset(&p2, 0xa5, sizeof(p2));
			p1.ts_us = p2.ts_us = TS_SENTINEL;
			p1.frame_no = p2.frame_no = FRAME_SENTINEL;
			s1 = kx_decode(DLT_EN10MB, b, (uint32_t)cap, (uint32_t)wire,
			    &p1);
			s2 = kx_decode_general(DLT_EN10MB, b, (uint32_t)cap,
			    (uint32_t)wire, &p2);
			assert_int_equal(s1, s2);
			assert_memory_equal(&p1, &p2, sizeof(p1));
			n++;
			fast += (unsigned)looks_plain(b, cap, wire);
		}
	}
	/* Enough of them took the shortcut, and enough did not. */
	assert_true(fast > n / 10);
	assert_true(fast < n - n / 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet),
		cmocka_unit_test(test_ethernet_not_ip),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_vlan_depth_cap),
		cmocka_unit_test(test_sll),
		cmocka_unit_test(test_null_loop),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_tcp_options),
		cmocka_unit_test(test_ipv6_ext_chain),
		cmocka_unit_test(test_ipv6_ext_cap),
		cmocka_unit_test(test_ipv6_ext_malformed),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_ethernet_padding),
		cmocka_unit_test(test_truncated_payload),
		cmocka_unit_test(test_truncation_sweep),
		cmocka_unit_test(test_ipv4_malformed),
		cmocka_unit_test(test_ipv6_malformed),
		cmocka_unit_test(test_tcp_bad_offset),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_fast_path_same),
		cmocka_unit_test(test_dlt),
		cmocka_unit_test(test_tunnel_names),
		cmocka_unit_test(test_gre),
		cmocka_unit_test(test_gre_teb),
		cmocka_unit_test(test_gre_other),
		cmocka_unit_test(test_erspan),
		cmocka_unit_test(test_vxlan),
		cmocka_unit_test(test_geneve),
		cmocka_unit_test(test_mpls),
		cmocka_unit_test(test_pppoe),
		cmocka_unit_test(test_ipoib),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_tunnel_truncation_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
