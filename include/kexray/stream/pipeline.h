/* pipeline: wires the per-packet stages together (decode -> flow -> reasm
 * -> ssh) and hands each finished connection to a callback. It holds no
 * protocol knowledge of its own beyond which stage gets which bytes. */
#ifndef KEXRAY_PIPELINE_H
#define KEXRAY_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "kexray/stream/flow.h"

#define KX_PORTS_MAX 64

struct kx_pipeline_config {
	uint16_t ports[KX_PORTS_MAX];  /* SSH server ports */
	uint32_t nports;
	uint32_t max_conns;
	/* Caps (docs/limits.md; 0 = the default): handshake bytes kept per
	 * direction, out-of-order segments held per direction, and memory in
	 * all in bytes (KX_MEMORY_RESERVE_MIB of it is left to the program,
	 * KX_MEMORY_FRAG_PCT of the rest to the allocator; what remains
	 * bounds connection state). */
	uint32_t max_buffer;
	uint32_t max_ooo;
	uint64_t max_memory;
	/* Idle timeouts (microseconds; 0 = the default): before NEWKEYS both
	 * ways or after a FIN, and for an established session. */
	uint64_t handshake_timeout_us;
	uint64_t idle_timeout_us;
	/* Keep each connection's frames until its handshake completes (-w). */
	bool keep_evidence;
};

/* A SYN nobody answered is looked at again after this long and reported
 * (no answer, or filtered after retransmissions) instead of holding its
 * place for the handshake timeout: Zeek's tcp_attempt_delay, 5 s. A live
 * server answers in one round trip; stacks retransmit the SYN after 1 s
 * and then 2 s (RFC 6298 2.1, Linux), so 5 s sees a few tries. A spoofed
 * SYN flood then costs 5 s of memory per SYN, not 120 s. Never longer
 * than the handshake timeout. */
#define KX_ATTEMPT_TIMEOUT_DEFAULT_S 5
/* sshd's own LoginGraceTime is 120 s: a handshake idle that long is over. */
#define KX_HANDSHAKE_TIMEOUT_DEFAULT_S 120
/* Interactive sessions sit idle for long; Suricata's established-TCP
 * default is an hour. */
#define KX_IDLE_TIMEOUT_DEFAULT_S 3600

struct kx_stats {
	uint64_t frames;
	uint64_t tcp;
	uint64_t not_tcp;        /* other protocols and unsupported links */
	uint64_t malformed;
	uint64_t truncated;
	uint64_t ssh_conns;
	uint64_t timeouts;       /* connections expired idle */
	uint64_t evicted;        /* connections evicted at the table cap */
	struct kx_cap_stats caps; /* per cap: evictions, refusals, memory */
	uint64_t anomalies[KX_ANOM_MAX];  /* decode anomalies by frame */
};

struct kx_pipeline;

struct kx_pipeline *kx_pipeline_new(const struct kx_pipeline_config *cfg,
    kx_conn_done_fn done, void *arg);
void kx_pipeline_free(struct kx_pipeline *p);

/* One captured frame. frame_no counts within the current input. */
void kx_pipeline_frame(struct kx_pipeline *p, int dlt, const uint8_t *frame,
    uint32_t caplen, uint32_t wirelen, uint64_t ts_us, uint64_t frame_no);
/* The same frame, already decoded: st and *pkt are kx_decode's answer
 * for it (ts_us and frame_no set, pkt->payload inside frame). The frame
 * is still needed (-w keeps it). */
void kx_pipeline_decoded(struct kx_pipeline *p, enum kx_status st,
    const struct kx_packet *pkt, int dlt, const uint8_t *frame,
    uint32_t caplen, uint32_t wirelen);

/* Time passes (packet time, or the wall clock when a live capture is
 * idle): expires idle connections. Called for every frame too. */
void kx_pipeline_tick(struct kx_pipeline *p, uint64_t now_us);

/* fn (with the arg given to kx_pipeline_new) is called once per SSH
 * connection when its handshake outcome is final while it is still open:
 * NEWKEYS seen both ways. It sets c->hs_reported; a connection that ends
 * first has its handshake outcome in the done call. */
void kx_pipeline_on_handshake(struct kx_pipeline *p, kx_conn_done_fn fn);

/* Called with the server port when a connection on a port that is not an
 * SSH server port (--port) begins "SSH-" (with the pipeline's arg): live,
 * the capture filter can then let that port's whole traffic in. */
typedef void (*kx_ssh_port_fn)(uint16_t port, void *arg);
void kx_pipeline_on_ssh_port(struct kx_pipeline *p, kx_ssh_port_fn fn);
/* The same, when fn is the last reader of the SSH parser state (kexray
 * analyses a connection once, at NEWKEYS): after fn the handshake state
 * is summarised and the rest freed (kx_conn_hs_summarise), so an
 * established connection keeps less; what is read later goes through
 * kx_conn_kept and kx_conn_reasm_kept. */
void kx_pipeline_on_handshake_last(struct kx_pipeline *p, kx_conn_done_fn fn);

/* Called (with the pipeline's arg) after each expiry walk, at most once a
 * second of packet time (or of the wall clock when a live capture is
 * idle), with that time: what waits on time across connections (records
 * held for a scan, report/scan_hold.h) goes out when it is due, though no
 * connection of its own ends. */
typedef void (*kx_time_fn)(uint64_t now_us, void *arg);
void kx_pipeline_on_time(struct kx_pipeline *p, kx_time_fn fn);

/* Connections tracked now. */
uint32_t kx_pipeline_conns(const struct kx_pipeline *p);

/* The input ended: report every connection still open. */
void kx_pipeline_finish(struct kx_pipeline *p);

const struct kx_stats *kx_pipeline_stats(const struct kx_pipeline *p);

/* Parses "22,2222" into cfg->ports. Returns false on a bad list. */
bool kx_parse_ports(const char *list, struct kx_pipeline_config *cfg);

#endif
