/* close: how a connection ended (DESIGN "Handshake phases"): the last
 * phase it completed, who ended it and how, and the likely cause in plain
 * words an admin can act on. Reads the connection's facts (flow.h), the
 * negotiation (negotiate.h) and the reset verdicts (resets.h). close.c
 * classifies (phase, cause, sides); close_text.c then writes the one
 * sentence into the same result, from what close.c decided. */
#ifndef KEXRAY_CLOSE_H
#define KEXRAY_CLOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kexray/stream/flow.h"
#include "kexray/analyze/negotiate.h"

enum kx_phase {
	KX_PHASE_SYN,      /* no SYN-ACK, or a RST answering the SYN */
	KX_PHASE_TCP,      /* TCP up, no identification string from the server */
	KX_PHASE_BANNER,   /* banners (or the server's), not both KEXINITs */
	KX_PHASE_KEXINIT,  /* both KEXINITs, the client began no key exchange */
	KX_PHASE_KEX,      /* key exchange under way, no NEWKEYS both ways */
	KX_PHASE_AUTH,     /* NEWKEYS both ways, no session evident */
	KX_PHASE_SESSION,  /* the connection carried a session */
	KX_PHASE_MAX
};

/* "syn", "tcp", "banner", "kexinit", "kex", "auth", "session" */
extern const char *const kx_phase_names[KX_PHASE_MAX];

/* Causes, with their stable names (JSON "cause") and meaning; the
 * sentence of each connection (kx_close_info.text) says it with the
 * connection's own facts. docs/output-format.md lists the same. */
#define KX_CAUSE_LIST(X) \
	X(NORMAL, "normal", "the session ended with a FIN after it carried a session") \
	X(PORT_CLOSED, "port_closed", "a RST answered the SYN: nothing listens on the port") \
	X(FILTERED, "filtered", "the SYN was sent again and never answered: a firewall drops it, or the host is down") \
	X(NO_ANSWER, "no_answer", "one SYN, not answered when the connection was reported") \
	X(REFUSED, "refused_before_banner", "the server closed or reset before any identification string: tcp_wrappers, fail2ban, MaxStartups, an overloaded sshd") \
	X(MAX_STARTUPS, "max_startups", "the server said \"Exceeded MaxStartups\" (OpenSSH 8.2 to 9.7) and closed") \
	X(NOT_ALLOWED, "not_allowed", "the server said \"Not allowed at this time\" (OpenSSH 9.8 and later: MaxStartups, PerSourcePenalties) and closed") \
	X(PROBE, "probe", "the client connected and closed or reset without sending anything: a port check or load-balancer health probe") \
	X(NO_BANNER, "no_server_banner", "the server accepted the connection but sent no identification string") \
	X(CLIENT_SILENT, "client_silent", "the client sent no identification string and the server gave up (LoginGraceTime)") \
	X(VERSION, "version_mismatch", "one side speaks only SSH protocol 1, the other only SSH-2") \
	X(NEGOTIATION, "negotiation_failed", "both KEXINITs, no common algorithm in a category, then a close without key exchange") \
	X(HOSTKEY, "hostkey_rejected", "the server's key exchange reply arrived and the client closed without NEWKEYS: it rejected the host key") \
	X(MTU, "mtu_blackhole", "a large handshake segment sent again and again, never acknowledged, while smaller ones passed: a path MTU black hole") \
	X(SEGMENT_LOST, "segment_lost", "part of one side's handshake never reached the other (it never acknowledged it) while later segments did: lost on the path before the capture point, as a path MTU black hole does seen from the receiving side") \
	X(KEX_STALLED, "kex_stalled", "the client began the key exchange and no reply came from the server") \
	X(DISCONNECT, "disconnect", "a side sent a cleartext SSH_MSG_DISCONNECT before NEWKEYS") \
	X(PREAUTH, "preauth", "after NEWKEYS only a few small encrypted exchanges, then the end: authentication did not succeed") \
	X(THIRD_PARTY, "third_party_reset", "the RST that ended it is likely forged: a third party (firewall, IPS, attacker) claiming to be one side") \
	X(RESET, "reset", "a side reset the connection: its program aborted, or it closed with unread data") \
	X(CLOSED, "closed", "a side closed before the handshake completed, with no more specific cause") \
	X(TIMEOUT, "timeout", "idle past kexray's timeout (--handshake-timeout, --idle-timeout)") \
	X(CAPTURE_END, "capture_end", "still open when the capture ended") \
	X(EVICTED, "evicted", "reported early at a cap (--max-conns, --max-memory)") \
	X(CAPTURE_GAP, "capture_gap", "part of the handshake is missing from the capture") \
	X(ONE_SIDED, "one_sided", "only one direction of the connection was captured") \
	X(SSH1, "ssh1", "an SSH protocol 1 session: not judged") \
	X(NOT_SSH, "not_ssh", "not SSH: the client sent lines of another protocol (an HTTP request) and neither side an identification string: not judged")

enum kx_cause {
#define KX_CAUSE_ENUM(id, name, desc) KX_CAUSE_##id,
	KX_CAUSE_LIST(KX_CAUSE_ENUM)
#undef KX_CAUSE_ENUM
	KX_CAUSE_MAX
};

extern const char *const kx_cause_names[KX_CAUSE_MAX];
extern const char *const kx_cause_descs[KX_CAUSE_MAX];

/* Session evidence after NEWKEYS (the bytes are encrypted: only sizes and
 * times are known). First the login as the encrypted part tells it
 * (infer_conn.h, docs/inference.md): a USERAUTH_SUCCESS-sized server
 * segment is a session, a login judged refused (failures, then the end;
 * a DISCONNECT at MaxAuthTries) is none, whatever its byte counts (a long
 * pre-login Banner passes the thresholds below). When the sizes do not
 * tell, volume: a preauth exchange is small: OpenSSH's server sends
 * SERVICE_ACCEPT, EXT_INFO and a USERAUTH_FAILURE or two, a few hundred
 * bytes; a login adds the hostkeys-00@openssh.com update and the channel
 * traffic (pcaps/openssh_login.pcap: 1564 bytes from the server for
 * `ssh host true`). */
#define KX_SESSION_SERVER_BYTES 768u
/* Public-key attempts carry keys and signatures: MaxAuthTries (6) RSA-4096
 * attempts stay below this from the client. */
#define KX_SESSION_CLIENT_BYTES 8192u
/* sshd ends authentication at LoginGraceTime (default 120 s, sshd_config(5)):
 * encrypted traffic longer after NEWKEYS than that is a session. */
#define KX_SESSION_AFTER_US (120ull * 1000000ull)
/* MTU black hole: a segment too large for a hop on the path, sent again at
 * least this many times and never acknowledged. Linux's first retransmission
 * timeouts are 0.2-1 s apart, so three take a few seconds. */
#define KX_MTU_REXMITS_MIN 3
/* ... and larger than any IPv4 host must accept (RFC 791: 576-byte
 * datagrams, less 40 bytes of headers); smaller segments pass every path. */
#define KX_MTU_SEGMENT_MIN 537

struct kx_close_info {
	enum kx_phase phase;
	enum kx_cause cause;
	bool third_party;        /* the closing RST is likely forged */
	bool problem;            /* the end itself is a problem (see close.c) */
	int8_t gave_up;          /* negotiation_failed: the side that closed, -1 */
	int8_t category;         /* negotiation_failed: kx_cat sshd logs, -1 */
	int8_t mtu_side;         /* mtu_blackhole: the side whose segment was lost, -1 */
	int8_t lost_side;        /* segment_lost: the side whose data was lost, -1 */
	int8_t missed_side;      /* one_sided: the side the capture missed though
	                          * its peer's NEWKEYS needs it, -1 (one
	                          * direction captured, or not one_sided) */
	/* negotiation_failed as the log's "Unable to negotiate" says, though
	 * the log holds not both KEXINITs (gave_up: the log's writer) */
	bool logged_failure;
	/* reset by the client after the server's key exchange reply, before
	 * its own NEWKEYS (perhaps rejecting the host key) */
	bool after_kex_reply;
	char text[512];          /* one sentence, plain words (close_text.c) */
};

enum kx_phase kx_close_phase(const struct kx_conn *c);
/* The side sent anything at all: a packet; with no TCP facts (a log),
 * what the log shows of it on the wire, or its close. */
bool kx_close_heard(const struct kx_conn *c, int side);
/* NEWKEYS both ways and enough encrypted traffic to be a session. */
bool kx_close_session_evident(const struct kx_conn *c);
/* A side whose large segment was sent again and again, never acknowledged,
 * while the peer acknowledged earlier data; -1 none. */
int kx_close_mtu_side(const struct kx_conn *c);
/* "Exceeded MaxStartups" / "Not allowed at this time" in what the server
 * sent before (or instead of) its identification string. */
enum kx_cause kx_close_refusal_text(const struct kx_ssh_kept *server);

/* What the server wrote instead of an identification string: its first
 * pre-banner line, or the bytes of a line it never ended (a tcp_wrappers
 * style message before a close), up to KX_CLOSE_WORDS_MAX bytes,
 * anything but printable ASCII as '?'. Returns the length; "" none. */
#define KX_CLOSE_WORDS_MAX 120
size_t kx_close_server_words(const struct kx_conn *c, char *buf, size_t len);

/* The side that speaks only SSH protocol 1 (an "SSH-1.x-" other than
 * 1.99), the client first; -1 none. */
int kx_close_ssh1_side(const struct kx_conn *c);

/* Not SSH at all: neither side sent an identification string and the
 * client sent lines (an SSH client sends none before its own, RFC 4253
 * 4.2): another protocol on an SSH port. */
bool kx_close_not_ssh(const struct kx_conn *c);

/* A side whose handshake the capture largely missed: its peer sent
 * NEWKEYS, which it cannot without this side's KEXINIT and key exchange
 * reply, and this side's KEXINIT is not in the capture; -1 none. */
int kx_close_peer_missed(const struct kx_conn *c);

/* Classifies c's end into ci: its phase, cause and sides, ci->text
 * empty. */
void kx_close_classify(const struct kx_conn *c, const struct kx_nego *nego,
    struct kx_close_info *ci);
/* Classifies c's end into ci, then writes its sentence (ci->text). */
void kx_close_judge(const struct kx_conn *c, const struct kx_nego *nego,
    struct kx_close_info *ci);

#endif
