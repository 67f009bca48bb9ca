/* Every cap kexray enforces, with where its value comes from (STYLE 4).
 * Reaching a cap raises the anomaly named beside it; it never loses a
 * connection's record. */
#ifndef KEXRAY_LIMITS_H
#define KEXRAY_LIMITS_H

/* decode: stacked 802.1Q/802.1ad tags; real networks use 1-2. -> decode.vlan_depth */
#define KX_VLAN_MAX 4
/* decode: IPv6 extension headers in one packet before giving up (RFC 8200
 * sets no number; 16 is far past any legitimate chain). -> decode.ipv6.ext_chain */
#define KX_IPV6_EXT_MAX 16

/* flow: connections tracked at once; the oldest idle one is evicted and
 * reported. -> flow.evicted */
#define KX_FLOWS_MAX 262144

/* reasm: handshake bytes kept per direction (DESIGN: 64 KiB). A full
 * OpenSSH handshake with a post-quantum kex is ~7 KiB. -> reasm.depth_limit */
#define KX_REASM_DEPTH (64u * 1024u)
/* reasm: out-of-order segments held per direction. -> reasm.ooo_limit */
#define KX_REASM_OOO_MAX 32
/* reasm: how far past the next expected byte a segment may start and still
 * be held (the handshake depth); farther is not handshake data. */
#define KX_REASM_WINDOW KX_REASM_DEPTH

/* ssh: identification line, CR LF included (RFC 4253 4.2). -> ssh.banner.too_long */
#define KX_BANNER_MAX 255
/* ssh: identification bytes kept for the report. Longer than the RFC's
 * 255 so a non-conforming banner is still shown whole (flagged
 * ssh.banner.too_long); beyond this it is cut (banner_truncated). */
#define KX_BANNER_KEEP 1024
/* ssh: longest line scanned before the banner or as an over-long banner
 * before giving up on the direction. -> ssh.banner.line_limit */
#define KX_LINE_SCAN_MAX 8192
/* ssh: lines a server may send before its banner (RFC 4253 4.2 sets no
 * number; OpenSSH's client gives up after 1024). -> ssh.banner.prebanner_limit */
#define KX_PREBANNER_LINES_MAX 1024
/* ssh: pre-banner text kept for the report (refusal messages are short). */
#define KX_PREBANNER_KEEP 255
/* ssh: packet_length ceiling for cleartext packets (RFC 4253 6.1: 35000
 * bytes total packet length must be supported; handshakes stay far below). -> ssh.packet.bad_length */
#define KX_SSH_PACKET_MAX 35000
/* ssh: smallest packet_length: padding_length byte, one payload byte and
 * four bytes of padding (RFC 4253 6). */
#define KX_SSH_PACKET_MIN 5
/* ssh: cleartext message codes logged in order per direction. */
#define KX_MSGLOG_MAX 32
/* ssh: DISCONNECT description bytes kept. */
#define KX_DISC_DESC_KEEP 255

#endif
