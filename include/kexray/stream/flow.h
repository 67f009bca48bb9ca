/* flow: the TCP connections kexray follows (DESIGN "flow"). Two parts:
 * - the connection (conn.c, tcpfacts.c): struct kx_conn, small while
 *   half-open (endpoints, TCP facts per side), its handshake state
 *   allocated when payload arrives, summarised after NEWKEYS, measured for
 *   --max-memory and freed with all it owns;
 * - the table (flow.c): connections keyed by addresses, ports and outer
 *   VLAN, with a hard cap and eviction that still reports the evicted
 *   connection, idle timeouts, and a cache of recently closed ones.
 * Who is the client is the caller's decision (kx_flow_lookup). */
#ifndef KEXRAY_FLOW_H
#define KEXRAY_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kexray/decode/packet.h"
#include "kexray/stream/evidence.h"
#include "kexray/stream/reasm.h"
#include "kexray/ssh/ssh.h"

enum kx_side { KX_CLIENT = 0, KX_SERVER = 1 };
/* "client", "server" */
extern const char *const kx_side_names[2];

enum kx_close {
	KX_CLOSE_NONE,         /* still open */
	KX_CLOSE_FIN,
	KX_CLOSE_RST,
	KX_CLOSE_TIMEOUT,
	KX_CLOSE_CAPTURE_END,  /* still open when the input ended */
	KX_CLOSE_MAX
};

extern const char *const kx_close_names[KX_CLOSE_MAX];

/* Where a connection's facts come from: packets, or a program's own debug
 * log (sshlog.h), which has no TCP facts and no packet timing. */
enum kx_source {
	KX_SOURCE_PCAP = 0,    /* packets (the zero a new connection starts with) */
	KX_SOURCE_SSHD_LOG,    /* sshd's log (the server's view) */
	KX_SOURCE_SSH_LOG,     /* ssh -v's log (the client's view) */
	KX_SOURCE_MAX
};

/* "pcap", "sshd-log", "ssh-log": the JSON record's "source". */
extern const char *const kx_source_names[KX_SOURCE_MAX];

struct kx_logconn;   /* sshlog.h */

struct kx_endpoint {
	uint8_t addr[16];
	uint16_t port;
};

/* The latest handshake step seen, for "closed after X". */
struct kx_step {
	int8_t side;       /* kx_side, -1 none */
	uint8_t what;      /* message code; 0 banner; 255 encrypted data */
};

#define KX_STEP_BANNER 0
#define KX_STEP_ENCRYPTED 255

/* What one side's own segments (never its RSTs) looked like lately: reset
 * forensics (resets.h) hold a RST against them, and the MTU black hole
 * test (close.h) reads the retransmission fields. Updated per packet by
 * kx_tcpfacts_note (tcpfacts.c): a few stores, no loop. */
struct kx_tcpfacts {
	uint32_t seq_next;    /* highest sequence number sent, plus one (KX_TF_SEQ) */
	uint32_t ack_hi;      /* highest acknowledgment sent (KX_TF_ACK) */
	uint32_t rexmit_seq;  /* the payload segment sent again lately */
	uint16_t rexmit_len;  /* its length (capped at 65535) */
	uint16_t win;         /* last window, raw (unscaled) */
	uint16_t ip_id;       /* last non-zero IPv4 ID */
	uint8_t ttl;          /* TTL / hop limit of the last segment */
	uint8_t wscale;       /* window scale of its SYN (KX_TF_WS) */
	uint8_t rexmits;      /* times rexmit_seq was sent again, saturating */
	uint8_t flags;        /* KX_TF_* */
};

#define KX_TF_ANY 0x01       /* a segment seen */
#define KX_TF_SEQ 0x02       /* seq_next valid */
#define KX_TF_ACK 0x04       /* ack_hi valid */
#define KX_TF_TS_ALWAYS 0x08 /* every segment carried TCP timestamps */
#define KX_TF_ID_RISING 0x10 /* the last two non-zero IPv4 IDs rose by a little */
#define KX_TF_WS 0x20        /* its SYN carried a window scale */

/* Two IPv4 IDs "rise" (KX_TF_ID_RISING) when the second is ahead of the
 * first by at most this: per-connection counters (Linux) step by one,
 * global counters (Windows, older BSDs) by the host's traffic in between. */
#define KX_IPID_RISE_MAX 8192u

struct kx_rstlog;     /* resets.h */
struct kx_infer_conn; /* analyze/infer_conn.h */

struct kx_half;

/* Notes one of side's own (non-RST) segments in h->tf (tcpfacts.c). Call
 * before h->pkts counts it. */
void kx_tcpfacts_note(struct kx_half *h, const struct kx_packet *pkt);

/* One side's TCP facts: all a connection holds per side until payload
 * arrives (its reassembly and SSH state are in struct kx_hs). */
struct kx_half {
	/* one-bit fields: every half-open connection has two of these */
	bool syn : 1, fin : 1, rst : 1;
	bool have_base : 1;      /* base_seq valid: its SYN was seen */
	bool parse_off : 1;      /* not decoded: mid-stream, not SSH */
	bool first_payload_seen : 1;
	/* Copies of kx_conn_reasm(c, side)->stopped and of the SSH state
	 * being KX_SSH_ENCRYPTED, so that a packet after the handshake is
	 * handled without touching struct kx_hs. */
	bool done : 1, encrypted : 1;
	int8_t stream_ssh;       /* stream began "SSH-": 1 yes, 0 no, -1 not yet known */
	uint8_t ttl;             /* of the first packet */
	uint32_t base_seq;       /* its SYN's sequence number plus one */
	uint64_t pkts;
	uint64_t payload_bytes;   /* after NEWKEYS: kx_conn_encrypted */
	struct kx_tcpfacts tf;   /* its recent genuine segments (reset forensics) */
};

/* What the close (close.h), reset forensics (resets.h), the reports and
 * the inference read of one side's SSH state once the handshake record is
 * written: a copy of those fields of struct kx_ssh_side under the same
 * names, so that a reader reads either through kx_conn_kept; of the
 * KEXINIT and host key only whether they were seen. The texts are owned
 * by the summary once it is made (kx_conn_hs_summarise); before, they
 * point into the parser's state. 72 bytes on x86-64. */
struct kx_ssh_kept {
	const uint8_t *banner;        /* banner_len bytes, NULL none */
	const char *prebanner_first;  /* kx_ssh_nothing when none */
	const uint8_t *disc_desc;     /* kx_ssh_nothing when none */
	kx_anomset anomalies;
	uint32_t prebanner_lines;
	uint32_t msg_count;
	uint32_t disc_reason;
	uint32_t rs_base_seq;         /* of its reassembly: kx_reasm_kept */
	uint16_t banner_len;
	uint16_t proto_off, proto_len;
	uint16_t soft_off, soft_len;
	uint16_t comments_off, comments_len;
	uint16_t prebanner_first_len;
	uint16_t disc_desc_len;
	uint8_t proto_major, proto_minor;
	uint8_t last_msg;
	bool have_banner : 1, banner_truncated : 1, newkeys : 1;
	bool have_disconnect : 1;
	bool kex_msg : 1;             /* a key exchange method message (30-49) */
	bool have_kexinit : 1;        /* its KEXINIT was seen (kexinit != NULL) */
	bool have_hostkey : 1;        /* its host key was seen (hostkey != NULL) */
	bool rs_have_base : 1;        /* of its reassembly: kx_reasm_kept */
};

/* The same for one direction's reassembly (struct kx_reasm), as
 * kx_conn_reasm_kept gives it. */
struct kx_reasm_kept {
	kx_anomset anomalies;
	uint32_t base_seq;
	uint32_t ooo_dropped;
	bool have_base;
};

/* What a connection keeps of its handshake state once both sides sent
 * NEWKEYS and the handshake record is written (kx_conn_hs_summarise),
 * indexed by kx_side; the reassembly's have_base is in ssh[].rs_have_base. */
struct kx_hs_sum {
	struct kx_ssh_kept ssh[2];
	kx_anomset rs_anomalies[2];
};

/* What a connection holds once payload arrives (DESIGN "flow": small while
 * half-open, handshake state allocated when payload arrives): what is
 * read after NEWKEYS (inference, encrypted byte counts, the log), then
 * both directions' reassembly and SSH parser state, indexed by kx_side;
 * once summarised (c->hs_summarised) only struct kx_hs_sum in their
 * place, in a block of kx_hs_sum_size() bytes (192 on x86-64, against
 * 1,008 whole) followed by both banners. */
struct kx_hs {
	/* Sizes and times after NEWKEYS (analyze/infer_conn.h), NULL before
	 * a side's NEWKEYS; owned. */
	struct kx_infer_conn *infer;
	/* Payload bytes each side sent after its NEWKEYS (kx_side). */
	uint64_t encrypted_bytes[2];
	uint64_t hs_ts;           /* NEWKEYS complete both ways, 0 not yet */
	/* c->hs_summarised: sum is valid, rs and ssh are gone */
	union {
		struct {
			struct kx_reasm rs[2];
			struct kx_ssh_side ssh[2];
		};
		struct kx_hs_sum sum;
	};
};

/* A connection read from a log (sshlog.h, c->no_tcp_facts) has its
 * handshake state in this block: what the log adds follows it, so that a
 * connection from packets pays nothing for it (kx_conn_log). */
struct kx_hs_logged {
	struct kx_hs hs;          /* first: c->hs points here */
	const struct kx_logconn *log;
};

/* Bytes of a summarised struct kx_hs, without the banners that follow
 * it in the same block (kx_conn_hs_summarise). */
static inline size_t
kx_hs_sum_size(void)
{
	return offsetof(struct kx_hs, sum) + sizeof(struct kx_hs_sum);
}

enum kx_conn_kind {
	KX_CONN_PENDING,   /* odd port: not yet known to be SSH */
	KX_CONN_SSH,       /* SSH port, or payload began "SSH-" */
};

/* What a connection keeps of its analysis (analyze.h) once its handshake
 * record is written: what its close record reads. */
struct kx_hs_outcome {
	uint8_t kind;            /* enum kx_verdict_kind */
	uint8_t mismatch_mask;   /* bit per kx_cat */
	int8_t first_failure;    /* kx_cat, -1 none */
};

/* A connection. Laid out small (docs/limits.md "Memory"): a half-open one
 * is this struct (216 bytes on x86-64, in the table's pool: no allocator
 * header) and its 8-byte table slot; payload adds struct kx_hs
 * (summarised after NEWKEYS both ways), a RST or -w's frames struct
 * kx_conn_rare. What only a later stage has lives in struct kx_hs:
 * kx_conn_encrypted, kx_conn_hs_ts, kx_conn_log. */
struct kx_conn {
	/* The table's: its LRU list and pool (flow.c), as pool indexes plus
	 * one (0: none), so that a link is 4 bytes, not 8. */
	uint32_t lru_prev, lru_next;
	uint32_t pool_ref;    /* its own index plus one; 0 outside a table */
	uint32_t mem;         /* heap bytes accounted to it (--max-memory) */

	uint64_t seq_no;      /* creation order */
	uint64_t ts_first, ts_last;
	uint64_t close_ts;
	kx_anomset anomalies; /* decode/flow level; reasm and ssh keep theirs */
	struct kx_endpoint ep[2];   /* indexed by kx_side */
	uint16_t vlan;        /* outer VLAN ID, 0 none */
	/* Small enums in bits: every half-open connection has them. */
	unsigned ip_version : 4;
	unsigned tunnel : 3;         /* enum kx_tunnel the first packet arrived in */
	unsigned kind : 1;           /* enum kx_conn_kind */
	unsigned close : 3;          /* enum kx_close */
	unsigned source : 2;         /* enum kx_source */
	signed closed_by : 2;        /* kx_side, -1 none */
	/* one-bit flags */
	bool syn_seen : 1, synack_seen : 1, midstream : 1;
	bool evicted : 1;
	bool mem_dirty : 1;          /* an allocation changed: re-account it */
	/* No TCP facts: half[].pkts, the byte counts, kx_tcpfacts, SYN and
	 * SYN-ACK are unknown, not zero (a log, sshlog.h: what it says of
	 * the wire is in log). */
	bool no_tcp_facts : 1;
	/* Records (docs/output-format.md): the "ssh" record is written when
	 * the handshake outcome is final, the "close" record when it ends. */
	bool hs_reported : 1;        /* the handshake callback ran for it */
	bool hs_summarised : 1;      /* hs holds its summary (kx_hs_sum) only */
	struct kx_step close_after;  /* last handshake step before the close */
	struct kx_step last_step;
	struct kx_hs_outcome hs_outcome;  /* set when its record was written */

	struct kx_half half[2];      /* indexed by the sending side */

	/* Reassembly and SSH state, NULL until payload arrives: read it
	 * through kx_conn_ssh and kx_conn_reasm, and once summarised through
	 * kx_conn_kept and kx_conn_reasm_kept. */
	struct kx_hs *hs;
	/* What few connections have (RSTs, -w's frames), NULL until one
	 * does: read through kx_conn_rsts and kx_conn_evidence. */
	struct kx_conn_rare *rare;
};

/* What few connections have, behind one pointer of struct kx_conn. */
struct kx_conn_rare {
	struct kx_rstlog *rsts;      /* its RSTs (resets.h), NULL none; owned */
	struct kx_evidence *evidence; /* frames kept for -w, NULL when off */
};

static inline struct kx_rstlog *
kx_conn_rsts(const struct kx_conn *c)
{
	return c->rare != NULL ? c->rare->rsts : NULL;
}

static inline struct kx_evidence *
kx_conn_evidence(const struct kx_conn *c)
{
	return c->rare != NULL ? c->rare->evidence : NULL;
}

/* c's rare part, allocated (zeroed) on first use; NULL when out of
 * memory. */
struct kx_conn_rare *kx_conn_rare(struct kx_conn *c);

/* The state of a side that has sent no payload: what kx_conn_ssh and
 * kx_conn_reasm give for a connection without struct kx_hs. */
extern const struct kx_ssh_side kx_ssh_side_none[2];
extern const struct kx_reasm kx_reasm_none;

/* Side side's SSH parser state: the connection's own once payload
 * arrived, else an empty one. Never NULL. Only while the handshake state
 * is live (not summarised): what is read after the handshake record goes
 * through kx_conn_kept and kx_conn_reasm_kept. */
static inline const struct kx_ssh_side *
kx_conn_ssh(const struct kx_conn *c, int side)
{
	/* Summarised, c->hs is the smaller block: a reader that came here
	 * anyway gets the empty state, never bytes past that block (the
	 * goldens, byte for byte the same as before the summary, show that
	 * none does). */
	return c->hs != NULL && !c->hs_summarised ? &c->hs->ssh[side] :
	    &kx_ssh_side_none[side];
}

static inline const struct kx_reasm *
kx_conn_reasm(const struct kx_conn *c, int side)
{
	return c->hs != NULL && !c->hs_summarised ? &c->hs->rs[side] :
	    &kx_reasm_none;
}

/* Payload bytes side sent after its NEWKEYS (0 without payload). */
static inline uint64_t
kx_conn_encrypted(const struct kx_conn *c, int side)
{
	return c->hs != NULL ? c->hs->encrypted_bytes[side] : 0;
}

/* What a log adds to c (sshlog.h); NULL for a connection from packets. */
static inline const struct kx_logconn *
kx_conn_log(const struct kx_conn *c)
{
	return c->no_tcp_facts && c->hs != NULL ?
	    ((const struct kx_hs_logged *)(const void *)c->hs)->log : NULL;
}

/* When NEWKEYS completed both ways, 0 not yet. */
static inline uint64_t
kx_conn_hs_ts(const struct kx_conn *c)
{
	return c->hs != NULL ? c->hs->hs_ts : 0;
}

/* Whether side sent NEWKEYS, summarised or not. */
static inline bool
kx_conn_newkeys(const struct kx_conn *c, int side)
{
	if (c->hs == NULL)
		return false;
	return c->hs_summarised ? c->hs->sum.ssh[side].newkeys :
	    c->hs->ssh[side].newkeys;
}

/* Copies what is kept of an SSH side (pointers shared, not owned). */
void kx_ssh_keep(struct kx_ssh_kept *k, const struct kx_ssh_side *s);
void kx_reasm_keep(struct kx_reasm_kept *k, const struct kx_reasm *r);

/* What side's SSH state says for the readers after the handshake record:
 * the summary once made, else tmp filled from the live state. Never
 * NULL; valid while c and tmp are. kx_conn_reasm_kept fills tmp from
 * either and returns it. */
const struct kx_ssh_kept *kx_conn_kept(const struct kx_conn *c, int side,
    struct kx_ssh_kept *tmp);
const struct kx_reasm_kept *kx_conn_reasm_kept(const struct kx_conn *c,
    int side, struct kx_reasm_kept *tmp);

/* The same with a temporary of the caller's block (a compound literal),
 * for the readers that want one field or two. */
#define KX_CONN_KEPT(c, side) \
	kx_conn_kept((c), (side), &(struct kx_ssh_kept){ .banner = NULL })
#define KX_CONN_REASM_KEPT(c, side) \
	kx_conn_reasm_kept((c), (side), &(struct kx_reasm_kept){ .base_seq = 0 })

/* Whether the handshake state is summarised (kx_conn_hs_summarise). */
static inline bool
kx_conn_summarised(const struct kx_conn *c)
{
	return c->hs != NULL && c->hs_summarised;
}

/* c's handshake state, allocated on first use with reasm limits
 * max_buffer and max_ooo (0: defaults) and the sides' SYNs as stream
 * bases; NULL when out of memory. */
struct kx_hs *kx_conn_hs(struct kx_conn *c, uint32_t max_buffer,
    uint32_t max_ooo);
/* Frees c's handshake state (c->hs becomes NULL). */
void kx_conn_hs_free(struct kx_conn *c);
/* Makes c (the table's memory, flow.c) a new connection for pkt's
 * endpoints, its sender the client when server_is_dport (*side says which
 * side sent pkt); only the table makes one. */
void kx_conn_init(struct kx_conn *c, const struct kx_packet *pkt,
    bool server_is_dport, enum kx_side *side);
/* Frees everything c owns (handshake state, RSTs, kept frames), not c. */
void kx_conn_release(struct kx_conn *c);
/* Heap bytes connection c holds: its struct, reasm buffers and queue,
 * banner and KEXINIT copies, RSTs, evidence frames. */
size_t kx_conn_mem(const struct kx_conn *c);
/* Once the handshake record is written (NEWKEYS both ways): summarises
 * the handshake state into struct kx_hs_sum (what the close, the reset
 * forensics, the reports and the inference read after it: kx_conn_kept,
 * kx_conn_reasm_kept) and frees the rest: both reassembly buffers, the
 * parser state with its message logs, both KEXINIT copies and the host
 * key; of those two only whether they were seen is kept. c->hs becomes a
 * block of kx_hs_sum_size() bytes. Does nothing without handshake state,
 * when done already, or when that block cannot be had (the state then
 * stays whole). */
void kx_conn_hs_summarise(struct kx_conn *c);

struct kx_flow_table;

/* Called for a connection leaving the table (closed, evicted, flushed);
 * the callee must not keep the pointer. */
typedef void (*kx_conn_done_fn)(struct kx_conn *c, void *arg);

struct kx_flow_table *kx_flow_new(uint32_t max_conns, kx_conn_done_fn done,
    void *arg);
void kx_flow_free(struct kx_flow_table *t);

/* Finds the connection of pkt. Sets *side to the sender's side. Creates a
 * connection when create is true; server_is_dport is the caller's decision
 * of who is the client (DESIGN "flow": the SYN's sender; mid-stream, the
 * side talking to an SSH port, else the higher port). Returns NULL when
 * absent and not created, or out of memory. */
struct kx_conn *kx_flow_lookup(struct kx_flow_table *t,
    const struct kx_packet *pkt, bool create, bool server_is_dport,
    enum kx_side *side);

/* c's handshake state with the table's reasm limits (kx_conn_hs). */
struct kx_hs *kx_flow_hs(struct kx_flow_table *t, struct kx_conn *c);

/* kx_conn_hs_summarise, the segments its reassembly refused counted into
 * the table's caps (kx_flow_caps) then rather than when c leaves. */
void kx_flow_hs_summarise(struct kx_flow_table *t, struct kx_conn *c);

/* Marks c recently used (eviction takes the least recently used). */
void kx_flow_touch(struct kx_flow_table *t, struct kx_conn *c);
/* Takes c out of the table, reports it through done and frees it. */
void kx_flow_finish(struct kx_flow_table *t, struct kx_conn *c);
/* Takes c out of the table and frees it without reporting (not SSH). */
void kx_flow_discard(struct kx_flow_table *t, struct kx_conn *c);
/* Reports and frees every connection, in creation order. */
void kx_flow_flush(struct kx_flow_table *t, enum kx_close why);
uint32_t kx_flow_count(const struct kx_flow_table *t);
/* Replaces the random key of the flow hash (tests: two keys must report
 * the same). Only while the table is empty; returns false otherwise. */
bool kx_flow_set_key(struct kx_flow_table *t, const uint8_t key[16]);
/* The longest probe a lookup of a present connection takes now, in slots
 * (1: found at its home slot). For tests of hostile inputs. */
uint32_t kx_flow_probe_max(const struct kx_flow_table *t);

/* What the caps did (docs/limits.md); each counter rises when its cap is
 * hit. The reasm counters are added when a connection leaves the table. */
struct kx_cap_stats {
	uint64_t evicted_conns;   /* evicted at --max-conns */
	uint64_t evicted_memory;  /* evicted at --max-memory */
	uint64_t buffer_limit;    /* directions that hit --max-buffer */
	uint64_t ooo_dropped;     /* segments refused at --max-ooo */
	uint64_t mem_used;        /* connection state accounted now, bytes */
	uint64_t mem_peak;        /* and at most */
	/* Heap of the connection pool's free entries (flow.c): not held
	 * against --max-memory, as evicting cannot shrink it; at most what
	 * the most connections ever open at once held. */
	uint64_t mem_spare;
};

/* Caps beyond the connection count: max_mem bytes of connection state in
 * all (0: none), and each new connection's reasm limits (0: defaults). */
void kx_flow_set_limits(struct kx_flow_table *t, uint64_t max_mem,
    uint32_t max_buffer, uint32_t max_ooo);
/* Accounts the memory of the connection touched last (its buffers grow
 * and shrink while a packet is handled) and evicts the least recently
 * active connections while the total is over the cap. Call once a packet
 * is handled, when no connection pointer is held. Returns true when the
 * memory or a counter of kx_flow_caps changed since the last call; a
 * packet that allocated, freed, created or removed nothing costs a test. */
bool kx_flow_settle(struct kx_flow_table *t);
const struct kx_cap_stats *kx_flow_caps(const struct kx_flow_table *t);

/* Idle timeout of a connection in microseconds (it depends on what the
 * connection has reached, which the caller knows). */
typedef uint64_t (*kx_timeout_fn)(const struct kx_conn *c, void *arg);

/* Reports and frees, with close "timeout", every connection idle for at
 * least its timeout at time now_us. Walks from the least recently active
 * and stops at the first one idle for less than min_us (the smallest
 * timeout timeout_of can return). Returns how many expired. */
uint32_t kx_flow_expire(struct kx_flow_table *t, uint64_t now_us,
    uint64_t min_us, kx_timeout_fn timeout_of, void *arg);

/* Remembers the 4-tuple of a finished connection in a small fixed cache,
 * so stray segments after its close (late ACKs, retransmissions) are not
 * taken for a new mid-stream connection. For a SYN without ACK it answers
 * true only when it is the client's SYN again, with the same ISN. */
void kx_flow_remember_closed(struct kx_flow_table *t, const struct kx_conn *c);
bool kx_flow_recently_closed(const struct kx_flow_table *t,
    const struct kx_packet *pkt);

#endif
