/* What the encrypted part of a connection tells (issue 17): login outcome
 * and attempts, and first signals of the session's kind, from the sizes
 * and times of the TCP segments after NEWKEYS, and how
 * exactly the negotiated cipher lets those sizes be read as SSH packets.
 *
 * Pure: the caller (the pipeline, or a test harness) gives the negotiated
 * names and then, in capture order, each encrypted segment's direction,
 * payload size and time; nothing here knows flows, pcap or sockets. The
 * state is fixed-size (no allocation), so it can live in a connection.
 *
 * From sizes alone (docs/inference.md): every SSH packet on the wire is
 * 4 + L + T bytes (RFC 4253 6; T the MAC or AEAD tag length). With a plain
 * MAC, 4 + L is a multiple of the block size b; with an encrypt-then-MAC
 * MAC, AES-GCM (RFC 5647 7.3) or ChaCha20-Poly1305 the length field is left
 * out of the padding (only L is a multiple of b). So a segment of S bytes
 * holding k whole packets satisfies S = k*c (mod b), c = T or 4 + T: that
 * bounds k, and a segment too small for two packets is exactly one, whose
 * payload length is known to within the padding. EtM and GCM also leave
 * the 4-byte length in clear, which a reader of the bytes (not of sizes)
 * could use for exact boundaries; ChaCha20-Poly1305 encrypts it. */
#ifndef KEXRAY_INFER_H
#define KEXRAY_INFER_H

#include <stdbool.h>
#include <stdint.h>

#include "kexray/core/status.h"

enum kx_infer_dir { KX_INFER_C2S = 0, KX_INFER_S2C = 1, KX_INFER_DIR_MAX };

/* An answer that may not be known (never guessed). */
enum kx_infer_tri { KX_INFER_UNKNOWN = 0, KX_INFER_NO, KX_INFER_YES, KX_INFER_TRI_MAX };
extern const char *const kx_infer_tri_names[KX_INFER_TRI_MAX];

/* How exactly one direction's segment sizes can be read as SSH packets. */
enum kx_infer_view {
	/* The cipher or MAC is not in the table: sizes only. */
	KX_INFER_VIEW_SIZES = 0,
	/* Block size and tag known: packets per segment bounded, a segment
	 * too small for two packets is one packet, its payload known to
	 * within the padding (ChaCha20-Poly1305, CTR/CBC with a plain MAC). */
	KX_INFER_VIEW_BOUNDED,
	/* As BOUNDED from sizes; the length field also travels in clear
	 * (EtM MACs, AES-GCM): exact boundaries for a reader of the bytes. */
	KX_INFER_VIEW_LENGTH_CLEAR,
	/* Compression from NEWKEYS on ("zlib"): sizes do not follow payloads. */
	KX_INFER_VIEW_COMPRESSED,
	KX_INFER_VIEW_MAX
};
extern const char *const kx_infer_view_names[KX_INFER_VIEW_MAX];

/* Why the login outcome is what it is (one reason per connection). */
#define KX_INFER_WHY_LIST(X) \
	X(NONE, "none", "no encrypted segment was seen") \
	X(SUCCESS_SIZE, "success_size", "a server segment has exactly the size of USERAUTH_SUCCESS") \
	X(FAILURES_THEN_CLOSE, "failures_then_close", "the server answered with USERAUTH_FAILURE-sized replies, then the connection closed with no session traffic") \
	X(DISCONNECT_AFTER_REQUEST, "disconnect_after_request", "the server answered a request with a packet that is neither, then closed (MaxAuthTries)") \
	X(NOT_CLOSED, "not_closed", "no success seen, and the connection did not end in the capture") \
	X(COMPRESSED, "compressed", "compression from NEWKEYS on: sizes do not follow payloads") \
	X(UNKNOWN_CIPHER, "unknown_cipher", "the cipher or MAC is not in kexray's table") \
	X(NO_SERVICE_ACCEPT, "no_service_accept", "no server segment had the size of SERVICE_ACCEPT") \
	X(TRAFFIC_AFTER_FAILURE, "traffic_after_failure", "more traffic followed the last failure than authentication explains") \
	X(NO_REPLY, "no_reply", "the client's requests got no judged reply")

enum kx_infer_why {
#define KX_INFER_WHY_ENUM(id, name, desc) KX_INFER_WHY_##id,
	KX_INFER_WHY_LIST(KX_INFER_WHY_ENUM)
#undef KX_INFER_WHY_ENUM
	KX_INFER_WHY_MAX
};
extern const char *const kx_infer_why_names[KX_INFER_WHY_MAX];
extern const char *const kx_infer_why_descs[KX_INFER_WHY_MAX];

/* Encrypted segments kept for the authentication phase; past this only
 * counters grow (the login is decided in the first few dozen segments: a
 * MaxAuthTries of 6 with publickey queries is under 20 round trips). */
#define KX_INFER_SEGS_MAX 64u
/* A USERAUTH_FAILURE's method list is short ("publickey,password,
 * keyboard-interactive,hostbased,gssapi-with-mic" is 66 bytes): a reply
 * with a larger payload (a Banner, an EXT_INFO) is not taken as one. */
#define KX_INFER_FAILURE_LIST_MAX 80u

/* Per direction: the packet arithmetic and what the sizes showed. */
struct kx_infer_side {
	enum kx_infer_view view;
	uint8_t block;          /* padding multiple b (at least 8) */
	uint8_t tag;            /* MAC or AEAD tag bytes T */
	bool len_outside;       /* the length field is left out of the padding */
	bool delayed_zlib;      /* zlib@openssh.com: compressed after the login */
	uint32_t segments;      /* encrypted segments seen */
	uint64_t bytes;
	uint32_t one_packet;    /* segments that are exactly one packet */
	uint32_t inconsistent;  /* segments no whole number of packets makes */
	uint64_t packets_min;   /* bounds on the packets in all segments */
	uint64_t packets_max;
};

/* Four bytes a segment: sizes are capped at KX_INFER_SEG_SIZE_MAX (a TCP
 * segment is at most 64 KiB; a larger one only from a capture that merged
 * segments, and no rule reads a size that large exactly). */
#define KX_INFER_SEG_SIZE_MAX 0x7fffffffu
struct kx_infer_seg {
	uint32_t size : 31;
	uint32_t dir : 1;
};

/* What a session looks like after the login (infer_kind in infer.c).
 * A keystroke is a segment that is provably one packet small enough for a
 * CHANNEL_DATA of at most 4 bytes, after a silence of both directions:
 * the one who types starts each exchange, the echo answers at once. */
#define KX_INFER_TYPED_GAP_US 50000u
#define KX_INFER_TYPED_MIN 5u
/* CHANNEL_DATA (RFC 4254 5.2) of at most 4 bytes: 1 + 4 + 4 + 4. */
#define KX_INFER_KEYSTROKE_MAX 13u
/* A transfer: at least this many bytes one way, and 8 times the other. */
#define KX_INFER_BULK_MIN (32u * 1024u)
#define KX_INFER_BULK_RATIO 8u

#define KX_INFER_KIND_LIST(X) \
	X(UNKNOWN, "unknown", "no login seen, or the login's segment was not found") \
	X(NONE, "none", "the client sent nothing after the login") \
	X(INTERACTIVE, "interactive", "keystrokes from the client, each starting an exchange") \
	X(REVERSED, "reversed", "keystrokes from the server side: a reverse shell or tunnel") \
	X(UPLOAD, "upload", "bulk data from the client") \
	X(DOWNLOAD, "download", "bulk data from the server") \
	X(OTHER, "other", "a session neither typed nor bulk: a command or a forwarding")

enum kx_infer_kind {
#define KX_INFER_KIND_ENUM(id, name, desc) KX_INFER_KIND_##id,
	KX_INFER_KIND_LIST(KX_INFER_KIND_ENUM)
#undef KX_INFER_KIND_ENUM
	KX_INFER_KIND_MAX
};
extern const char *const kx_infer_kind_names[KX_INFER_KIND_MAX];
extern const char *const kx_infer_kind_descs[KX_INFER_KIND_MAX];

/* Online, so it covers segments past KX_INFER_SEGS_MAX: the login is
 * found as it passes (SERVICE_ACCEPT's size, a request, then
 * USERAUTH_SUCCESS's size), and every segment after it is counted. */
struct kx_infer_after {
	uint8_t stage;          /* 0 to 3 before the login, 4 after it */
	uint64_t bytes[KX_INFER_DIR_MAX];
	uint32_t segments[KX_INFER_DIR_MAX];
	uint32_t typed[KX_INFER_DIR_MAX];
	uint64_t last_ts;
};

struct kx_infer {
	struct kx_infer_side side[KX_INFER_DIR_MAX];
	struct kx_infer_after after;
	struct kx_infer_seg seg[KX_INFER_SEGS_MAX];
	uint32_t nseg;
	bool segs_capped;
	uint64_t first_ts, last_ts;
	bool ended;
	bool closed;
	int closer;             /* enum kx_infer_dir, or -1 */
};

#define KX_INFER_REPLIES_MAX 16u
/* SSH_MSG_USERAUTH_PK_OK (RFC 4252 7): 1 + string algorithm + string key;
 * "ssh-ed25519" with its 51-byte blob is 71, every other key larger. An
 * INFO_REQUEST with one short prompt is about 32. */
#define KX_INFER_PK_OK_MIN 64u

struct kx_infer_result {
	enum kx_infer_tri auth_success;
	enum kx_infer_why why;
	uint32_t auth_attempts;     /* judged requests, "none" probe excluded */
	bool attempts_exact;        /* false: a lower bound */
	uint32_t failures;          /* USERAUTH_FAILURE-sized server replies */
	bool none_probe;            /* the first request looked like "none" */
	int service_accept;         /* index in seg[] of SERVICE_ACCEPT, or -1 */
	int success_at;             /* index in seg[] of USERAUTH_SUCCESS, or -1 */
	uint32_t failure_size;      /* the learned USERAUTH_FAILURE size, 0 if none */
	/* The server's replies during authentication, in order, one letter
	 * each (at most KX_INFER_REPLIES_MAX): F a USERAUTH_FAILURE, S the
	 * USERAUTH_SUCCESS, K a reply of a public key's size (at least
	 * KX_INFER_PK_OK_MIN payload bytes) that the client answered with a
	 * larger request (PK_OK, then the signed request), C a smaller one
	 * packet (an INFO_REQUEST of keyboard-interactive), A a SERVICE_ACCEPT
	 * again (paramiko asks for the service before each attempt), O
	 * anything else. */
	char replies[KX_INFER_REPLIES_MAX + 1];
	bool key_accepted;          /* a K: a public key was offered and accepted */
	bool challenge;             /* a C: a challenge-response exchange */
};

/* Set up for the negotiated names of each direction (RFC 4253 7.1's
 * encryption, MAC and compression choices; the MAC is ignored for AEAD
 * ciphers). NULL or unknown names give VIEW_SIZES for that direction. */
void kx_infer_init(struct kx_infer *st,
    const char *cipher_c2s, const char *mac_c2s, const char *comp_c2s,
    const char *cipher_s2c, const char *mac_s2c, const char *comp_s2c);

/* One encrypted segment (payload bytes after NEWKEYS, in capture order;
 * a retransmission must not be given twice). */
void kx_infer_add(struct kx_infer *st, enum kx_infer_dir dir, uint32_t size,
    uint64_t ts_us);

/* The connection ended: closed (FIN or RST seen) or not (the capture
 * stopped or the flow timed out), and who closed first (-1 unknown). */
void kx_infer_end(struct kx_infer *st, bool closed, int closer);

/* The verdict from what was given so far. */
void kx_infer_judge(const struct kx_infer *st, struct kx_infer_result *res);

/* Wire size of one packet with a payload of n bytes (minimum padding);
 * 0 for VIEW_SIZES. Exposed for the tests and the docs' tables. */
uint32_t kx_infer_packet_size(const struct kx_infer_side *s, uint32_t n);

/* Bounds on the whole packets in a segment of the given size: 0 when no
 * whole number fits (a partial packet, or wrong names). */
KX_WUR int kx_infer_packets_in(const struct kx_infer_side *s, uint32_t size,
    uint32_t *kmin, uint32_t *kmax);

/* The session's kind from the segments after the login. */
enum kx_infer_kind kx_infer_kind(const struct kx_infer *st);

/* For a segment that is exactly one packet (the bounds above are 1..1):
 * the payload length, to within the padding (RFC 4253 6: 4 to b + 3
 * bytes of it with the least padding; more is allowed and not assumed).
 * 0 when the segment is not provably one packet. */
KX_WUR int kx_infer_payload_range(const struct kx_infer_side *s, uint32_t size,
    uint32_t *lo, uint32_t *hi);

#endif
