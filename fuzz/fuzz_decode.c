/* Fuzz target: one captured frame through kx_decode (link layer, tunnels,
 * IPv4/IPv6, TCP). Input: one byte, then the frame. The byte's low 7 bits
 * pick the link type from the table below (past its end: the byte's own
 * value as a DLT, which reaches the unsupported ones); bit 7 says the
 * capture cut the frame (wirelen > caplen, as a short snaplen does).
 * libFuzzer's buffer ends exactly where the frame does, so AddressSanitizer
 * catches any read past caplen. */
#include <string.h>

#include <pcap/dlt.h>

#include "kxfuzz.h"

/* LINKTYPE_RAW as stored in files; libpcap hands it over as DLT_RAW. */
#define LINKTYPE_RAW 101
#ifndef DLT_IPOIB
#define DLT_IPOIB 242
#endif

static const int dlts[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_NULL, DLT_LOOP,
	DLT_RAW, LINKTYPE_RAW, DLT_IPV4, DLT_IPV6, DLT_IPOIB,
};

#define NDLTS (sizeof(dlts) / sizeof(dlts[0]))

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kx_packet pkt;
	const uint8_t *frame;
	uint32_t caplen, wirelen;
	unsigned pick;
	int dlt;
	enum kx_status st;

	if (size < 1 || size - 1 > UINT32_MAX - 1000)
		return 0;
	pick = data[0] & 0x7fu;
	dlt = pick < NDLTS ? dlts[pick] : (int)pick;
	frame = data + 1;
	caplen = (uint32_t)(size - 1);
	wirelen = (data[0] & 0x80u) ? caplen + 1000u : caplen;

	pkt.ts_us = 1;
	pkt.frame_no = 1;
	st = kx_decode(dlt, frame, caplen, wirelen, &pkt);
	KXF_CHECK(st == KX_OK || st == KX_UNSUPPORTED || st == KX_MALFORMED);
	KXF_CHECK(pkt.ts_us == 1 && pkt.frame_no == 1);
	if (!kx_decode_dlt_supported(dlt))
		KXF_CHECK(st == KX_UNSUPPORTED);
	if (st != KX_OK)
		return 0;
	KXF_CHECK(pkt.ip_version == 4 || pkt.ip_version == 6);
	KXF_CHECK(pkt.vlan_count <= KX_VLAN_MAX);
	KXF_CHECK(pkt.tunnel < KX_TUN_MAX);
	KXF_CHECK(pkt.payload_len <= pkt.payload_wire_len);
	if (pkt.payload_len > 0) {
		KXF_CHECK(pkt.payload != NULL);
		KXF_CHECK(pkt.payload >= frame);
		KXF_CHECK((size_t)(pkt.payload - frame) + pkt.payload_len <= caplen);
	}
	/* include/kexray/decode/packet.h: fewer bytes than the headers announce
	 * is flagged. */
	if (pkt.payload_len < pkt.payload_wire_len)
		KXF_CHECK(kx_anom_has(pkt.anomalies, KX_ANOM_DECODE_TRUNCATED));
	if (pkt.ip_version == 4)
		KXF_CHECK(memcmp(pkt.src + 4, (const uint8_t[12]){ 0 }, 12) == 0);
	return 0;
}
