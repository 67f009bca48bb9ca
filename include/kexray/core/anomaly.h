/* Anomalies are data (STYLE 5): one X-macro gives the enum, the stable
 * dotted names and the one-line descriptions, so they cannot drift apart.
 * docs/anomalies.md lists the same table; a test checks it is complete. */
#ifndef KEXRAY_ANOMALY_H
#define KEXRAY_ANOMALY_H

#include <stdint.h>

#define KX_ANOMALY_LIST(X) \
	X(DECODE_TRUNCATED, "decode.truncated", "frame cut short by the capture's snaplen; bytes past caplen were not seen") \
	X(DECODE_LINK_BAD, "decode.link.bad_header", "link-layer header too short or malformed") \
	X(DECODE_VLAN_DEPTH, "decode.vlan_depth", "more stacked VLAN tags than kexray follows") \
	X(DECODE_IPV4_BAD, "decode.ipv4.bad_header", "IPv4 header length or total length inconsistent with the frame") \
	X(DECODE_IPV4_FRAGMENT, "decode.ipv4.fragment", "IPv4 fragment: not reassembled, skipped") \
	X(DECODE_IPV6_BAD, "decode.ipv6.bad_header", "IPv6 payload length inconsistent with the frame") \
	X(DECODE_IPV6_EXT_CHAIN, "decode.ipv6.ext_chain", "IPv6 extension header chain too long or malformed") \
	X(DECODE_IPV6_FRAGMENT, "decode.ipv6.fragment", "IPv6 fragment: not reassembled, skipped") \
	X(DECODE_TCP_BAD_OFFSET, "decode.tcp.bad_offset", "TCP data offset below 20 bytes or past the segment") \
	X(DECODE_TUNNEL_BAD, "decode.tunnel.bad_header", "tunnel header (GRE, ERSPAN, VXLAN/Geneve UDP, MPLS, PPPoE) too short or malformed") \
	X(DECODE_TUNNEL_DEPTH, "decode.tunnel_depth", "tunnels nested, or MPLS labels stacked, deeper than kexray follows") \
	X(FLOW_MIDSTREAM, "flow.midstream", "connection already open when the capture started (no SYN seen)") \
	X(FLOW_EVICTED, "flow.evicted", "connection table full or memory cap reached (--max-conns, --max-memory): this least recently active connection was reported early and its state dropped") \
	X(FLOW_RST_LIMIT, "flow.rst_limit", "more RSTs on one connection than kexray keeps with their evidence; the rest were only counted") \
	X(FLOW_INTERRUPTED, "flow.interrupted", "still open when SIGINT or SIGTERM cut the input (-r, --sshd-log): reported as far as it was read") \
	X(REASM_GAP, "reasm.gap", "bytes missing from the handshake stream (not captured); decoding stopped at the hole") \
	X(REASM_OVERLAP_CONFLICT, "reasm.overlap_conflict", "retransmitted or overlapping segment carries different bytes; the first copy was kept") \
	X(REASM_OOO_LIMIT, "reasm.ooo_limit", "too many out-of-order segments (--max-ooo), or bytes (--max-buffer), held; later ones were dropped") \
	X(REASM_DEPTH_LIMIT, "reasm.depth_limit", "handshake longer than the per-direction byte cap (--max-buffer)") \
	X(REASM_OUT_OF_WINDOW, "reasm.out_of_window", "segment far beyond the expected sequence number; ignored") \
	X(SSH_BANNER_TOO_LONG, "ssh.banner.too_long", "identification line longer than 255 bytes (RFC 4253 4.2)") \
	X(SSH_BANNER_NO_CR, "ssh.banner.no_cr", "identification line ends in LF without CR") \
	X(SSH_BANNER_CONTROL, "ssh.banner.control_chars", "NUL or control characters in the identification line") \
	X(SSH_BANNER_LINE_LIMIT, "ssh.banner.line_limit", "a line longer than kexray scans, without LF; stream not decoded further") \
	X(SSH_BANNER_PREBANNER_LIMIT, "ssh.banner.prebanner_limit", "too many lines before the identification string") \
	X(SSH_BANNER_CLIENT_PREBANNER, "ssh.banner.client_prebanner", "client sent lines before its identification string (only a server may)") \
	X(SSH_BANNER_BAD_FORMAT, "ssh.banner.bad_format", "identification string is not SSH-protoversion-softwareversion") \
	X(SSH_VERSION_1, "ssh.version.ssh1", "SSH protocol 1 identification (SSH-1.x other than 1.99)") \
	X(SSH_PACKET_BAD_LENGTH, "ssh.packet.bad_length", "binary packet_length below 5 or above 35000 (RFC 4253 6.1)") \
	X(SSH_PACKET_BAD_PADDING, "ssh.packet.bad_padding", "padding_length below 4 or not leaving a payload (RFC 4253 6)") \
	X(SSH_PACKET_UNALIGNED, "ssh.packet.unaligned", "packet length not a multiple of 8 (RFC 4253 6)") \
	X(SSH_KEXINIT_MALFORMED, "ssh.kexinit.malformed", "KEXINIT fields overrun the packet") \
	X(SSH_KEXINIT_TRAILING, "ssh.kexinit.trailing", "bytes left over after the KEXINIT's reserved field") \
	X(SSH_KEXINIT_BAD_NAME, "ssh.kexinit.bad_name", "empty algorithm name, consecutive commas or non-printable bytes in a name-list") \
	X(SSH_KEXINIT_REPEATED, "ssh.kexinit.repeated", "more than one KEXINIT before NEWKEYS") \
	X(SSH_MSG_MALFORMED, "ssh.msg.malformed", "a cleartext SSH message's fields overrun its packet") \
	X(SSH_MSG_UNEXPECTED, "ssh.msg.unexpected", "a message type not expected in a cleartext handshake") \
	X(SSH_HOSTKEY_TOO_LONG, "ssh.hostkey.too_long", "server host key in the key exchange reply longer than kexray keeps; not fingerprinted") \
	X(LOG_NEGOTIATION_DISAGREES, "log.negotiation_disagrees", "the log states a negotiated algorithm or a failing category that kexray's own negotiation of the logged proposals does not give") \
	X(LOG_BLOCK_INCOMPLETE, "log.block_incomplete", "a logged KEXINIT proposal ended before its ten lists, first_kex_follows and reserved; a block missing lists is not used") \
	X(LOG_LINE_LIMIT, "log.line_limit", "a log line or a rebuilt KEXINIT longer than kexray reads; the rest was skipped")

enum kx_anomaly {
#define KX_ANOM_ENUM(id, name, desc) KX_ANOM_##id,
	KX_ANOMALY_LIST(KX_ANOM_ENUM)
#undef KX_ANOM_ENUM
	KX_ANOM_MAX
};

/* A set of anomalies, one bit each. */
typedef uint64_t kx_anomset;

_Static_assert(KX_ANOM_MAX <= 64, "kx_anomset holds 64 anomalies");

#define KX_ANOM_BIT(a) ((kx_anomset)1 << (a))

static inline void
kx_anom_set(kx_anomset *set, enum kx_anomaly a)
{
	*set |= KX_ANOM_BIT(a);
}

static inline int
kx_anom_has(kx_anomset set, enum kx_anomaly a)
{
	return (set & KX_ANOM_BIT(a)) != 0;
}

const char *kx_anomaly_name(enum kx_anomaly a);
const char *kx_anomaly_desc(enum kx_anomaly a);

#endif
