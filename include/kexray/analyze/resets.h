/* resets: reset forensics (DESIGN "Resets"). Every RST of a connection is
 * kept with the facts that judge it: it is held against what its claimed
 * sender's own segments looked like (TTL, IPv4 ID, window, timestamps,
 * sequence numbers: kx_tcpfacts in flow.h) and against what the other side
 * sent, and what follows it (data racing it, more RSTs) is added while the
 * connection lingers. Each test that fires is a signal with its values;
 * no signal is "genuine", one "suspicious", several "likely_forged".
 * Judges; formats nothing but the signal's own values. */
#ifndef KEXRAY_RESETS_H
#define KEXRAY_RESETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kexray/stream/flow.h"
#include "kexray/core/limits.h"
#include "kexray/decode/packet.h"

/* The signals, with their stable names (JSON "signals[].name") and what
 * they mean; docs/output-format.md lists the same. */
#define KX_RST_SIGNAL_LIST(X) \
	X(TTL, "hop_distance", "TTL or hop limit differs from the claimed sender's own segments: it was sent from another distance") \
	X(IP_ID_PEER, "ip_id_of_peer", "IPv4 ID equals the other host's last ID (the two hosts' IDs differ): copied from the packet it answers") \
	X(IP_ID_ZERO, "ip_id_zero", "IPv4 ID 0 while the sender's IDs were non-zero and rising, and it still had the connection") \
	X(DATA_AFTER, "data_after_rst", "the claimed sender went on sending data past the RST's sequence number: its stack never sent the RST") \
	X(BURST, "burst", "two or more RSTs from one side in a burst, nothing from the other side between them, with stepped sequence numbers or different TTLs") \
	X(SEQ_OUT, "seq_out_of_window", "sequence number outside the receiver's window (RFC 9293 3.10.7.4: an endpoint would ignore it)") \
	X(SEQ_NOT_NEXT, "seq_not_next", "sequence number inside the receiver's window but neither the next it expects nor the sender's own next (RFC 5961 3.2: a blind guess)") \
	X(WIN_COPIED, "window_copied", "window equals the other host's last window and is far (over an eighth) from the sender's own") \
	X(TS_MISSING, "timestamps_missing", "no TCP timestamps option, though the sender put it on every segment and still had the connection (RFC 7323 3.2)") \
	X(PAYLOAD, "payload", "the RST carries data") \
	X(BARE, "zero_window_id_no_ack", "window 0, IPv4 ID 0 and no ACK: a reset built from no connection state, by a sender that still had the connection") \
	X(BOTH_ENDS, "both_ends", "RSTs toward both ends at nearly the same instant")

enum kx_rst_signal {
#define KX_RSTSIG_ENUM(id, name, desc) KX_RSTSIG_##id,
	KX_RST_SIGNAL_LIST(KX_RSTSIG_ENUM)
#undef KX_RSTSIG_ENUM
	KX_RSTSIG_MAX
};

extern const char *const kx_rst_signal_names[KX_RSTSIG_MAX];
extern const char *const kx_rst_signal_descs[KX_RSTSIG_MAX];

enum kx_rst_verdict {
	KX_RST_GENUINE,        /* no signal */
	KX_RST_SUSPICIOUS,     /* one signal */
	KX_RST_LIKELY_FORGED,  /* two or more */
	KX_RST_VERDICT_MAX
};

/* "genuine", "suspicious", "likely_forged" */
extern const char *const kx_rst_verdict_names[KX_RST_VERDICT_MAX];

/* A closed connection stays this long (packet time) before it is reported,
 * so that what races its RST is seen: injected RSTs beat the real packets
 * by less than a round trip, and off-path injectors send their bursts
 * within milliseconds (Weaver, Sommer, Paxson, "Detecting Forged TCP Reset
 * Packets", NDSS 2009). Two seconds covers intercontinental round trips. */
#define KX_RST_LINGER_US 2000000ull
/* RSTs from one side this close together, with nothing from the other side
 * between them, are a burst (Weaver et al.: injectors send 2-4 at once). */
#define KX_RST_BURST_US 1000000ull
/* RSTs from both sides this close together: no pair of endpoints resets
 * at the same instant, an on-path injector tearing down both does. */
#define KX_RST_BOTH_ENDS_US 10000ull
/* RFC 7323 2.3: the largest window shift; used when the SYNs were not
 * seen, so an unknown scale can only widen the window. */
#define KX_WSCALE_MAX 14

/* The values behind one signal: what the RST carried and what was expected
 * (their meaning per signal: kx_rst_signal_text). */
struct kx_rst_value {
	uint32_t got, want, extra;
};

struct kx_rst {
	uint64_t ts_us;
	uint32_t seq, ack;
	uint32_t payload_len;     /* bytes the IP header says it carries */
	uint16_t win, ip_id;
	uint8_t ttl;
	uint8_t from;             /* kx_side it claims to come from */
	uint8_t tcp_flags;
	uint8_t ip_version;
	uint16_t signals;         /* bit per enum kx_rst_signal */
	uint64_t peer_pkts;       /* the other side's segments before it (burst) */
	struct kx_rst_value val[KX_RSTSIG_MAX];
};

_Static_assert(KX_RSTSIG_MAX <= 16, "kx_rst.signals holds 16 signals");

struct kx_rstlog {
	/* Closed by a RST, the connection stays a little (KX_RST_LINGER_US)
	 * so that what follows the RST (data racing it, more RSTs) is judged
	 * too; here, not in struct kx_conn, which then stays small for the
	 * many that never see a RST (the pipeline's list of lingering ones). */
	uint64_t linger_until;    /* 0: not lingering */
	struct kx_conn *lg_prev, *lg_next;
	uint32_t total;           /* RSTs seen, kept or not */
	uint8_t n;                /* kept, the first KX_RESETS_KEEP */
	uint8_t closing;          /* index of the RST that closed it, 0xff none */
	struct kx_rst r[KX_RESETS_KEEP];
};

#define KX_RST_NONE 0xff

/* A RST from side: kept (the log is allocated with the connection's first
 * RST) and judged. Call once h->pkts counts it, before h->rst, h->fin and
 * c->close are updated for it. closes: this RST is the one that ends the connection. Returns
 * KX_NOMEM when the log could not be allocated (the RST is then only
 * counted in h->rst), KX_LIMIT when it was counted but not kept
 * (flow.rst_limit), else KX_OK. */
KX_WUR enum kx_status kx_resets_on_rst(struct kx_conn *c, enum kx_side side,
    const struct kx_packet *pkt, bool closes);

/* A data segment from side while the connection has RSTs. Returns true
 * when it reaches past the sequence number of the RST that closed the
 * connection from that same side: the RST did not end it. */
bool kx_resets_on_data(struct kx_conn *c, enum kx_side side,
    const struct kx_packet *pkt);

enum kx_rst_verdict kx_rst_verdict(const struct kx_rst *r);
/* The verdict of the RST that closed c, or KX_RST_GENUINE with none. */
enum kx_rst_verdict kx_resets_closing_verdict(const struct kx_conn *c);
/* The RST that closed c, or NULL. */
const struct kx_rst *kx_resets_closing(const struct kx_conn *c);
/* True when any RST of c is suspicious or likely forged. */
bool kx_resets_any_flagged(const struct kx_conn *c);

/* One line with the signal's values: "TTL 64, the server's own segments
 * 63". */
void kx_rst_signal_text(const struct kx_rst *r, enum kx_rst_signal s,
    char *buf, size_t len);

void kx_resets_free(struct kx_rstlog *l);
/* Heap bytes l holds (--max-memory accounting). */
size_t kx_resets_mem(const struct kx_rstlog *l);

#endif
