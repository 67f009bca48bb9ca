/* Every cap on what kexray's input (packets, logs, known_hosts files) can
 * make it keep or repeat, with where its value comes from (STYLE 4).
 * Reaching a cap raises the anomaly named beside it, or is counted where
 * none is named; it never loses a connection's record.
 * Not here: bounds on what the command line may ask (KX_PORTS_MAX,
 * KX_SELECT_*_MAX, KX_BRUTE_*_MAX, KX_LIVE_FOLLOW_MAX, KX_SANDBOX_FDS_MAX)
 * sit with their option; the size of one name's buffer (KX_KEYTYPE_MAX)
 * with its struct; the held --brief lines (KX_BRIEF_HOLD_MAX, report/
 * brief_hold.h), the records held for a scan (KX_SCAN_HOLD_*, report/
 * scan_hold.h) and the encrypted-size inference's (KX_INFER_*,
 * analyze/infer.h) beside the one module that keeps them. */
#ifndef KEXRAY_LIMITS_H
#define KEXRAY_LIMITS_H

/* decode: stacked 802.1Q/802.1ad tags; real networks use 1-2. -> decode.vlan_depth */
#define KX_VLAN_MAX 4
/* decode: IPv6 extension headers in one packet before giving up (RFC 8200
 * sets no number; 16 is far past any legitimate chain). -> decode.ipv6.ext_chain */
#define KX_IPV6_EXT_MAX 16
/* decode: tunnels unwrapped inside one another. A mirror session (ERSPAN,
 * VXLAN, Geneve) of an overlay (GRE, VXLAN) over MPLS is three deep;
 * nothing deeper turns up in mirrored traffic, and a crafted frame of
 * tunnel in tunnel must not recurse as deep as its bytes allow.
 * -> decode.tunnel_depth */
#define KX_TUNNEL_MAX 3
/* decode: labels in one MPLS stack. RFC 3032 sets no number; provider
 * networks stack two to four (transport, service, entropy label and its
 * indicator), so 8 is past any real stack. -> decode.tunnel_depth */
#define KX_MPLS_MAX 8

/* flow: connections tracked at once; the oldest idle one is evicted and
 * reported. -> flow.evicted */
#define KX_FLOWS_MAX 262144
/* flow: RSTs kept per connection with their forensic evidence (resets.h).
 * A genuine close has one or two; injectors send bursts of 2-4 (Weaver,
 * Sommer, Paxson, NDSS 2009); more are counted, not kept. -> flow.rst_limit */
#define KX_RESETS_KEEP 8
/* bruteforce: source/server pairs counted at once (bruteforce.h), each a
 * few dozen bytes. Past it a new pair takes the least recently seen of
 * the KX_BRUTE_PROBE slots it may use, which is counted
 * (kx_brute_evicted); a spoofed flood cannot grow memory. */
#define KX_BRUTE_PAIRS_MAX 8192u
#define KX_BRUTE_PROBE 4u

/* reasm: handshake bytes kept per direction (DESIGN: 64 KiB). A full
 * OpenSSH handshake with a post-quantum kex is ~7 KiB. -> reasm.depth_limit */
#define KX_REASM_DEPTH (64u * 1024u)
/* reasm: out-of-order segments held per direction. -> reasm.ooo_limit */
#define KX_REASM_OOO_MAX 32
/* reasm: how far past the next expected byte a segment may start and still
 * be held (the handshake depth); farther is not handshake data. */
#define KX_REASM_WINDOW KX_REASM_DEPTH

/* Run-time caps (docs/limits.md). The defaults above are what --max-conns,
 * --max-buffer and --max-ooo start from; these bound what may be asked. */
/* --max-buffer ceiling: 16 MiB keeps stream offsets far inside the int32
 * sequence arithmetic of RFC 9293 3.4 (KX_SEQ_DIFF). */
#define KX_REASM_DEPTH_CEIL (16u * 1024u * 1024u)
/* --max-ooo ceiling: a queue this long is already a denial of service on
 * the drain loop; real reordering holds a handful of segments. */
#define KX_REASM_OOO_CEIL 4096
/* --max-memory default, in MiB: far above any real capture (a handshake
 * in flight costs a few KiB, a half-open connection about 350 bytes, so
 * the 220 MiB it leaves for connection state holds the whole default
 * --max-conns table of SYNs several times over), and 64 MiB (1/8) under
 * the MemoryMax=512M of dist/kexray@.service, so that the unit's own cap
 * never kills kexray before kexray evicts: tests/limits_defaults_test.py
 * checks the two agree. -> flow.evicted */
#define KX_MEMORY_DEFAULT_MIB 448u
/* Part of --max-memory set aside for the program itself (code, libc,
 * libpcap and its read buffer of up to 256 KiB, stdio, the fixed tables):
 * measured at 4.5 to 7 MiB peak RSS on small captures (tests/adversarial.py
 * prints it). */
#define KX_MEMORY_RESERVE_MIB 8u
/* Percent of the rest left to the allocator: freed connection state sits
 * in glibc's heap as free chunks of the wrong size for the next requests.
 * Measured (docs/limits.md): 2,000 handshakes whose buffers all double in
 * step while the oldest are evicted (pcaps/adversarial pending_flood) grow
 * the heap to 1.7 times the bytes in use; 100,000 half-open handshakes to
 * 1.16 times. Connection state is capped at the other half. */
#define KX_MEMORY_FRAG_PCT 50u
/* --max-memory floor: the reserve plus 8 MiB for connections. */
#define KX_MEMORY_MIN_MIB 16u
/* --max-memory ceiling (1 TiB), so MiB -> bytes cannot overflow. */
#define KX_MEMORY_CEIL_MIB (1024u * 1024u)

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
/* ssh: server host key blob (K_S) bytes kept. A 16384-bit RSA key, the
 * largest OpenSSH accepts (SSHBUF_MAX_BIGNUM), is about 2 KiB; a
 * certificate adds its CA key, signature and options. -> ssh.hostkey.too_long */
#define KX_HOSTKEY_MAX 16384

/* assess: weak algorithms listed per side. Only names in algtab are
 * weak, and the table has fewer distinct ones; GSS-API names (a prefix and
 * any mechanism, RFC 4462) are what can exceed it. Past the cap they are
 * counted ("and N more" in the text report), not listed. */
#define KX_WEAK_MAX 64

/* memo (memo.h): pairs of peers whose analysis is kept, in sets of
 * KX_MEMO_WAYS (the least recently used of a set goes); a pair whose
 * banners and KEXINITs are over KX_MEMO_KEY_MAX bytes in all is not kept;
 * all slots' copies together at most KX_MEMO_HEAP_MAX. A
 * cache: reaching a cap costs time, never output. */
#define KX_MEMO_SLOTS 256
#define KX_MEMO_WAYS 4
#define KX_MEMO_KEY_MAX 16384
#define KX_MEMO_HEAP_MAX (2u << 20)

/* evidence (-w): frames and bytes kept per connection. A failing handshake
 * is a few dozen frames; these keep the worst case (a long exchange before
 * a late failure) to 256 KiB a connection. */
#define KX_EVIDENCE_FRAMES_MAX 256
#define KX_EVIDENCE_BYTES_MAX (256u * 1024u)

/* offers (events): KEXINIT ids whose record was written, remembered in
 * sets of KX_OFFERS_WAYS; one pushed out is written again when it comes
 * back. 4096 ids, 8 bytes each: 32 KiB; far above the few hundred
 * distinct offers a network shows (91 in 40,000 on the benchmark's
 * small.pcap). */
#define KX_OFFERS_MAX 4096u
#define KX_OFFERS_WAYS 4u

/* hostkey: lines read from a --known-hosts or --host-keys file; a file
 * with more is refused (exit 3), never read in part. Far past any real
 * known_hosts, small enough to bound memory. */
#define KX_HOSTDB_LINES_MAX 1000000
/* hostkey: longest known_hosts line read; a longer one is skipped as ssh
 * skips lines it cannot parse. Base64 of a KX_HOSTKEY_MAX blob plus a
 * host list and comment fits. */
#define KX_HOSTDB_LINE_MAX 32768

/* sshlog (--sshd-log): longest log line read. OpenSSH writes at most 1 KiB
 * per message (log.c MSGBUFSIZ) and syslog relays cut at 8 KiB (rsyslog's
 * maxMessageSize); the rest of a longer line is skipped. -> log.line_limit */
#define KX_SSHLOG_LINE_MAX (64u * 1024u)
/* sshlog: bytes of one rebuilt KEXINIT (the ten lists and their length
 * fields): a real one fits one packet (RFC 4253 6.1). -> log.line_limit */
#define KX_SSHLOG_BLOCK_MAX KX_SSH_PACKET_MAX
/* sshlog: connections open at once (sshd processes whose end is not yet in
 * the log; MaxStartups keeps a real server far below). The least recently
 * active one is reported early. -> flow.evicted */
#define KX_SSHLOG_CONNS_MAX 4096
/* sshlog: name-list bytes held by all open connections (rebuilt KEXINITs
 * and blocks being read); over it the least recently active connections
 * are reported early. 4096 full-size blocks would be 430 MiB. -> flow.evicted */
#define KX_SSHLOG_HELD_MAX (32u * 1024u * 1024u)
/* sshlog: PIDs one connection is known by: sshd's per-connection process,
 * its network (preauth) child and its user (postauth) child. */
#define KX_SSHLOG_PIDS_PER_CONN 4
/* sshlog: the log line that ended a connection, kept for the report. */
#define KX_SSHLOG_OUTCOME_KEEP 255
/* sshlog: the words of a disagreement between the log and kexray. */
#define KX_SSHLOG_NOTE_KEEP 255
/* sshlog: an algorithm name a "kex:" line states, kept for the cross-check
 * (OpenSSH's longest names are about 40 bytes; longer ones are not compared). */
#define KX_SSHLOG_ALG_KEEP 64

/* summary (end of run): bytes kept of one counted string. Algorithm names
 * are at most 64 characters (RFC 4251 6); longer names and software
 * strings are counted by their first 64 bytes. */
#define KX_SUMMARY_ITEM_LEN 64
/* summary: distinct software strings counted per side; more go to "other"
 * (a busy server sees a few dozen client versions). */
#define KX_SUMMARY_SOFTWARE_MAX 64
/* summary: distinct algorithm names counted per failing directive and
 * side; more go to "other" (OpenSSH offers at most a dozen per list). */
#define KX_SUMMARY_NAMES_MAX 32
/* summary: distinct weak algorithms in use; algtab has fewer weak rows. */
#define KX_SUMMARY_WEAK_MAX 64

#endif
