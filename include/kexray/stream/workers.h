/* workers: --workers N, one pipeline (flow table, reassembly, parsers,
 * analysis caches) per thread, each owning a share of the connections.
 *
 * Reading files, the reader (the caller's thread) decodes each frame once,
 * picks the worker from a keyed hash (kx_workers_owner: both directions of
 * a connection go to the same worker, which is what the kernel's
 * PACKET_FANOUT_HASH gives a live capture) and is itself worker 0: a frame
 * of its own it handles at once; any other it hands over, with its decode,
 * in batches through a bounded queue per worker thread. A full queue makes
 * the reader wait (counted in kx_workers_stalls: back-pressure, never
 * loss). Live, each worker reads its own capture handle of a fanout group
 * instead (fanout.h, kx_fanout_open), and no reader runs.
 *
 * Every record is made on the worker thread that owns the connection, by
 * the callbacks given to its pipeline: those callbacks must serialise the
 * work that spans connections and the writing (docs/scale-out.md). */
#ifndef KEXRAY_WORKERS_H
#define KEXRAY_WORKERS_H

#include <stdbool.h>
#include <stdint.h>

#include "kexray/stream/flow.h"
#include "kexray/stream/pipeline.h"

#define KX_WORKERS_MAX 64

/* Frame bytes one hand-over carries, and hand-overs queued per worker:
 * at most (KX_WORKERS_QUEUE + 1) batches a worker, about 1.9 MiB. A batch
 * holds at least one frame of the largest snap length (262144). */
#define KX_WORKERS_BATCH (384u * 1024u)
#define KX_WORKERS_QUEUE 4

struct kx_workers;

/* Live: the body of worker idx (reads its own handle until the stop flag,
 * feeding pl, and calls kx_workers_publish now and then). Reading files:
 * NULL, the reader feeds the queues. */
typedef void (*kx_worker_run_fn)(struct kx_workers *w, unsigned idx,
    struct kx_pipeline *pl, void *arg);
/* Called on each worker thread after its pipeline is finished (every
 * connection reported), to free what the thread held for itself. */
typedef void (*kx_worker_end_fn)(void *arg);

/* n pipelines, made by the caller (one per worker, taken over and freed by
 * kx_workers_free). Sets *out (before any thread starts, so the callbacks
 * may read it) and starts the threads. Returns 0, or -1 when out of memory
 * or a thread cannot be started (then *out is NULL, nothing runs and pls
 * are still the caller's). Every signal is blocked on the workers: the
 * caller's thread keeps receiving them. */
int kx_workers_start(unsigned n, struct kx_pipeline **pls,
    kx_worker_run_fn run, kx_worker_end_fn end, void *arg,
    struct kx_workers **out);

/* The workers of the calling worker thread reading files, else NULL. */
struct kx_workers *kx_workers_self(void);

/* A worker's configuration: cfg with --max-conns and --max-memory (or
 * their defaults) shared out equally between n workers (each at least
 * KX_MEMORY_MIN_MIB). */
void kx_workers_share(const struct kx_pipeline_config *cfg, unsigned n,
    struct kx_pipeline_config *out);

/* The worker that owns the connection of this frame. A frame between one
 * of ports (the SSH ports given at start) and another port goes by its
 * client's address alone, so that every connection of one source is one
 * worker's and what several of them show together (patterns.h) needs no
 * turn (kx_workers_client_local); any other by a symmetric hash of the
 * ordered endpoints, so both directions agree. Keyed (SipHash-1-3, a key
 * drawn at start). Frames that are not TCP (or not decodable) go to
 * worker 0. */
unsigned kx_workers_owner(unsigned n, const uint16_t *ports, uint32_t nports,
    int dlt, const uint8_t *frame, uint32_t caplen, uint32_t wirelen);

/* Whether a connection from client_port to server_port goes by its
 * client's address: the server port is one of ports, the client's not. */
bool kx_workers_by_client(const uint16_t *ports, uint32_t nports,
    uint16_t client_port, uint16_t server_port);

/* Reading files, before the first frame: the SSH ports the split uses
 * (--port; a port learned later changes nothing of the split). */
void kx_workers_route(struct kx_workers *w, const uint16_t *ports,
    uint32_t n);

/* On a worker thread reading files: c went to its worker by its client's
 * address, so every connection of its source is this worker's. */
bool kx_workers_client_local(const struct kx_conn *c);

/* Reading files (reader thread only): one frame to its owner, handled here
 * when that is worker 0; packet time passes on every worker
 * (kx_pipeline_tick) at least once a second of it. */
void kx_workers_frame(struct kx_workers *w, int dlt, const uint8_t *frame,
    uint32_t caplen, uint32_t wirelen, uint64_t ts_us, uint64_t frame_no);

/* The input ended (or, live, the stop flag is set): every worker drains
 * its queue, finishes its pipeline (reports every open connection) and
 * ends; returns once all have. */
void kx_workers_finish(struct kx_workers *w);

/* Sums of the workers' statistics: exact after kx_workers_finish, a
 * snapshot no older than the last hand-over before. */
void kx_workers_stats(struct kx_workers *w, struct kx_stats *out,
    uint32_t *conns);

/* On worker idx's thread: makes its statistics visible to
 * kx_workers_stats (done after every batch when reading files). */
void kx_workers_publish(struct kx_workers *w, unsigned idx);

/* Reading files, on a worker thread, before a record whose content depends
 * on the records before it (the first kexinit record of an id, a brute-
 * force count, the host-key store): waits until no other worker can still
 * make a record that single-threaded reading would have made first, i.e.
 * from an earlier frame. Records made after it then go out in the order of
 * the frames that made them; records made from the same frame (the
 * expiries of one timeout walk, the connections still open at the end)
 * in the order of the workers. No-op on any other thread. */
void kx_workers_order(void);

/* Reading files, on a worker thread: the position in the input of what
 * the worker is doing now, as a key that orders records as one worker
 * would have made them (0 on any other thread). */
uint64_t kx_workers_key(void);

/* Every record still to come from any worker has a key at least this
 * (UINT64_MAX once all have ended, and for NULL). */
uint64_t kx_workers_watermark(struct kx_workers *w);

/* Times the reader waited for a worker's full queue. */
uint64_t kx_workers_stalls(const struct kx_workers *w);

unsigned kx_workers_count(const struct kx_workers *w);

/* Joins any thread still running, frees the pipelines. NULL is fine. */
void kx_workers_free(struct kx_workers *w);

#endif
