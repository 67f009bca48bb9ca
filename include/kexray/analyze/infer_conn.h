/* A connection's inference state (infer.h) as the pipeline keeps it:
 * allocated when a side's NEWKEYS is parsed (only connections that reach
 * encryption pay for it), fed each encrypted segment's new bytes once
 * (retransmissions and keep-alive probes are not counted twice), judged
 * when the connection's records are written. Sizes and times only: no
 * byte after NEWKEYS is kept. Memory: sizeof(struct kx_infer_conn)
 * (456 bytes on x86-64; 464 in glibc's chunks), counted by kx_conn_mem. */
#ifndef KEXRAY_INFER_CONN_H
#define KEXRAY_INFER_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kexray/analyze/infer.h"
#include "kexray/analyze/kexguess.h"
#include "kexray/stream/flow.h"

struct kx_infer_conn {
	struct kx_infer st;
	uint32_t next_seq[2];   /* per side: the sequence number after the
	                         * last byte given to st */
	bool have_seq[2];
	/* first_kex_packet_follows as the KEXINITs showed it at NEWKEYS
	 * (they are freed after it): kexguess.h */
	struct kx_kexguess guess;
	bool judged;            /* guess judged from both KEXINITs */
};

/* What a connection's records say of its encrypted part. */
struct kx_auth_view {
	bool known;                      /* inference ran (NEWKEYS seen) */
	struct kx_infer_result r;
	enum kx_infer_kind kind;
	enum kx_infer_view view[KX_INFER_DIR_MAX];   /* per direction */
};

/* At a side's NEWKEYS (its first encrypted bytes): allocates c->hs->infer and
 * sets it up with the negotiated names, read from both KEXINITs (which
 * must still be there: call before kx_conn_hs_summarise). Without both
 * KEXINITs the names are unknown and every answer is "unknown". Does
 * nothing when it exists, or without c->hs; on allocation failure it stays
 * NULL (the records then say nothing of the encrypted part). */
void kx_infer_conn_start(struct kx_conn *c);

/* One segment of side's encrypted bytes: n new encrypted bytes that end at
 * sequence number seq_end. Bytes at or before what was given already are
 * not given again. */
void kx_infer_conn_seg(struct kx_conn *c, enum kx_side side, uint32_t seq_end,
    uint32_t n, uint64_t ts_us);

/* The verdict, judging the end as c->close says (FIN or RST: closed);
 * out->known only for a connection with NEWKEYS both ways. */
void kx_infer_conn_judge(const struct kx_conn *c, struct kx_auth_view *out);

/* The key exchange guess (kexguess.h) of a connection whose KEXINITs may
 * be gone: as kept at NEWKEYS, its message counts read again. All false
 * when nothing was kept. Returns true when it was judged from both
 * KEXINITs: then it is what kx_kexguess_judge says of them now. */
bool kx_infer_conn_guess(const struct kx_conn *c, struct kx_kexguess *g);

/* Before the handshake state is summarised (kx_conn_hs_summarise): takes
 * what kx_infer_conn_guess reads of the message logs, which go with it. */
void kx_infer_conn_keep(struct kx_conn *c);

void kx_infer_conn_free(struct kx_conn *c);
size_t kx_infer_conn_mem(const struct kx_conn *c);

#endif
