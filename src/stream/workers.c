/* --workers N: threads that each own a pipeline and a share of the
 * connections (workers.h). */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "kexray/core/siphash.h"
#include "kexray/decode/packet.h"
#include "kexray/stream/workers.h"

/* One frame (or a tick) in a batch, followed by caplen bytes, padded to 8.
 * The reader decoded the frame to find its owner: the worker takes the
 * decode from pkt (its payload as payload_off into the bytes) instead of
 * doing it again. */
struct wk_entry {
	uint64_t seq;         /* the reader's frame number (a tick: its frame's) */
	uint64_t ts_us;
	uint32_t caplen;      /* 0 with KIND_TICK */
	uint32_t wirelen;
	int32_t dlt;
	uint16_t kind;
	uint16_t status;      /* enum kx_status of the decode */
	uint32_t payload_off; /* pkt.payload - frame */
	struct kx_packet pkt; /* payload NULL here */
};
enum { KIND_FRAME, KIND_TICK };

struct wk_batch {
	size_t used;
	uint64_t first;       /* seq of its first entry */
	_Alignas(8) uint8_t data[KX_WORKERS_BATCH];
};

struct wk {
	struct kx_workers *ws;
	unsigned idx;
	pthread_t th;
	bool started;
	struct kx_pipeline *pl;
	pthread_mutex_t mu;
	pthread_cond_t cv_work;   /* a batch queued, or the end */
	pthread_cond_t cv_free;   /* a batch given back */
	struct wk_batch *q[KX_WORKERS_QUEUE + 1];   /* every batch fits */
	unsigned head, count;
	struct wk_batch *spare[KX_WORKERS_QUEUE + 1];
	unsigned nspare;
	bool end;
	bool idle;                /* waiting for a batch (under mu) */
	/* Reading files, worker 0 is the reader itself: its frames are
	 * handled where they are read, with no queue; low is 0 while it is
	 * not inside one of its own (lowest). */
	bool inline_reader;
	/* What the reader writes for every frame and what the worker writes
	 * for every entry, each on a cache line of its own: written by one
	 * core while the other reads its neighbour, a shared line would go
	 * back and forth once a frame. */
	_Alignas(64) struct wk_batch *cur;   /* the reader's, being filled */
	_Atomic uint64_t cur_first;  /* cur's first seq, 0 while cur is empty */
	uint64_t stalls;
	/* No record of this worker will come from an entry before low: the
	 * entry it is in (busy), LOW_FINISHING, LOW_DONE. */
	_Alignas(64) _Atomic uint64_t low;
	struct kx_stats snap;     /* published statistics (under mu) */
	uint32_t snap_conns;
};

struct kx_workers {
	unsigned n;
	kx_worker_run_fn run;
	kx_worker_end_fn endfn;
	void *arg;
	/* The SSH ports given at start (kx_workers_route): a connection to
	 * one of them from another port goes to its client's worker. */
	uint16_t ports[KX_PORTS_MAX];
	uint32_t nports;
	bool finished;
	bool started;             /* every thread made (kx_workers_start) */
	uint32_t inline_frames;   /* the reader's own, since it last published */
	/* Ordering (kx_workers_order): the reader's last frame number (and
	 * its packet time of the next broadcast), on a line of their own; the
	 * workers waiting for their turn, which every entry reads, and a
	 * request to hand partly filled batches over. */
	_Alignas(64) _Atomic uint64_t seq;
	uint64_t next_tick_us;
	_Alignas(64) _Atomic int waiting;
	_Atomic uint64_t want;    /* the least entry a waiter needs passed */
	_Atomic int flush_req;
	pthread_mutex_t ord_mu;
	pthread_cond_t ord_cv;
	_Alignas(64) struct wk w[];
};

/* Packet time reaches every worker at least this often, so a worker whose
 * connections are quiet still expires them (the pipeline's own walk runs
 * at most once a second). */
#define BROADCAST_US 1000000ull

#define LOW_FINISHING (UINT64_MAX - 1)
#define LOW_DONE UINT64_MAX

/* The worker this thread is, and the entry it is in (kx_workers_order). */
static _Thread_local struct wk *tl_self;
static _Thread_local uint64_t tl_seq;
static _Thread_local bool tl_tick;

/* The owner hash's key, drawn at the first kx_workers_start: traffic made
 * to land on one worker has to guess it (DESIGN: resource bounds). */
static uint8_t owner_key[KX_SIPHASH_KEY_LEN];
static bool owner_key_set;

static void
wake_waiters(struct kx_workers *ws)
{
	if (atomic_load_explicit(&ws->waiting, memory_order_seq_cst) == 0)
		return;
	pthread_mutex_lock(&ws->ord_mu);
	pthread_cond_broadcast(&ws->ord_cv);
	pthread_mutex_unlock(&ws->ord_mu);
}

/* Sets k's low mark and lets a waiting worker look again. */
static void
set_low(struct wk *k, uint64_t v)
{
	/* Release and relaxed, not a full fence per frame: a wake-up this
	 * misses is caught by the waiter's 2 ms bound. */
	atomic_store_explicit(&k->low, v, memory_order_release);
	if (atomic_load_explicit(&k->ws->waiting, memory_order_relaxed) != 0 &&
	    v >= atomic_load_explicit(&k->ws->want, memory_order_relaxed))
		wake_waiters(k->ws);
}

static void
process_batch(struct wk *k, const struct wk_batch *b)
{
	size_t off = 0;

	while (off + sizeof(struct wk_entry) <= b->used) {
		struct wk_entry e;

		memcpy(&e, b->data + off, sizeof(e));
		off += sizeof(e);
		tl_seq = e.seq;
		tl_tick = e.kind == KIND_TICK;
		set_low(k, e.seq);
		if (e.kind == KIND_TICK) {
			kx_pipeline_tick(k->pl, e.ts_us);
		} else {
			if (e.status == KX_OK)
				e.pkt.payload = b->data + off + e.payload_off;
			kx_pipeline_decoded(k->pl, (enum kx_status)e.status,
			    &e.pkt, e.dlt, b->data + off, e.caplen, e.wirelen);
		}
		off += ((size_t)e.caplen + 7u) & ~(size_t)7u;
	}
}

void
kx_workers_publish(struct kx_workers *ws, unsigned idx)
{
	struct wk *k = &ws->w[idx];

	pthread_mutex_lock(&k->mu);
	k->snap = *kx_pipeline_stats(k->pl);
	k->snap_conns = kx_pipeline_conns(k->pl);
	pthread_mutex_unlock(&k->mu);
}

static void *
worker_main(void *arg)
{
	struct wk *k = arg;
	struct kx_workers *ws = k->ws;

	if (ws->run != NULL) {
		ws->run(ws, k->idx, k->pl, ws->arg);
	} else {
		tl_self = k;
		for (;;) {
			struct wk_batch *b;

			pthread_mutex_lock(&k->mu);
			if (k->count == 0 && !k->end) {
				k->idle = true;
				pthread_mutex_unlock(&k->mu);
				wake_waiters(ws);   /* idle: judged by the reader's state */
				pthread_mutex_lock(&k->mu);
			}
			while (k->count == 0 && !k->end)
				pthread_cond_wait(&k->cv_work, &k->mu);
			if (k->count == 0) {
				/* The end: what is still open is reported, in
				 * the order of the workers (kx_workers_order). */
				atomic_store(&k->low, LOW_FINISHING);
				k->idle = false;
				pthread_mutex_unlock(&k->mu);
				wake_waiters(ws);
				break;
			}
			b = k->q[k->head];
			k->head = (k->head + 1) % (KX_WORKERS_QUEUE + 1);
			k->count--;
			atomic_store(&k->low, b->first);
			k->idle = false;
			pthread_mutex_unlock(&k->mu);
			process_batch(k, b);
			b->used = 0;
			pthread_mutex_lock(&k->mu);
			k->spare[k->nspare++] = b;
			k->snap = *kx_pipeline_stats(k->pl);
			k->snap_conns = kx_pipeline_conns(k->pl);
			pthread_cond_signal(&k->cv_free);
			pthread_mutex_unlock(&k->mu);
		}
	}
	tl_seq = LOW_FINISHING;
	tl_tick = false;
	kx_pipeline_finish(k->pl);
	if (ws->run == NULL)
		set_low(k, LOW_DONE);
	tl_self = NULL;
	kx_workers_publish(ws, k->idx);
	if (ws->endfn != NULL)
		ws->endfn(ws->arg);
	return NULL;
}

int
kx_workers_start(unsigned n, struct kx_pipeline **pls, kx_worker_run_fn run,
    kx_worker_end_fn end, void *arg, struct kx_workers **out)
{
	struct kx_workers *ws;
	sigset_t all, old;
	bool ok = true;
	/* Aligned as its members are (cache lines). */
	size_t size = (sizeof(*ws) + n * sizeof(struct wk) + 63u) &
	    ~(size_t)63u;

	*out = NULL;
	if (n == 0 || n > KX_WORKERS_MAX ||
	    (ws = aligned_alloc(64, size)) == NULL)
		return -1;
	memset(ws, 0, size);
	ws->n = n;
	pthread_mutex_init(&ws->ord_mu, NULL);
	pthread_cond_init(&ws->ord_cv, NULL);
	atomic_init(&ws->want, UINT64_MAX);
	ws->run = run;
	ws->endfn = end;
	ws->arg = arg;
	for (unsigned i = 0; i < n; i++) {
		struct wk *k = &ws->w[i];

		k->ws = ws;
		k->idx = i;
		k->idle = true;
		pthread_mutex_init(&k->mu, NULL);
		pthread_cond_init(&k->cv_work, NULL);
		pthread_cond_init(&k->cv_free, NULL);
		for (unsigned j = 0; run == NULL && i > 0 &&
		    j < KX_WORKERS_QUEUE + 1; j++) {
			struct wk_batch *b = malloc(sizeof(*b));

			if (b == NULL) {
				ok = false;
				break;
			}
			b->used = 0;
			k->spare[k->nspare++] = b;
		}
	}
	if (!ok)
		goto fail;
	/* Signals stay with the caller's thread: a worker's reads and writes
	 * are never interrupted, and the flags the handlers set are read by
	 * every thread. */
	if (!owner_key_set) {
		if (getrandom(owner_key, sizeof(owner_key), 0) !=
		    (ssize_t)sizeof(owner_key)) {
			uint64_t f = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)ws;

			memcpy(owner_key, &f, sizeof(f));
		}
		owner_key_set = true;
	}
	*out = ws;   /* before any thread: they may look */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned i = 0; i < n && ok; i++) {
		ws->w[i].pl = pls[i];
		if (run == NULL && i == 0) {
			/* The reader is worker 0 (kx_workers_frame). */
			ws->w[0].inline_reader = true;
			ws->w[0].idle = false;
			continue;
		}
		if (pthread_create(&ws->w[i].th, NULL, worker_main, &ws->w[i]) != 0)
			ok = false;
		else
			ws->w[i].started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ok) {
		ws->started = true;
		return 0;
	}
	/* Some started: they end at once on an empty queue. */
	kx_workers_finish(ws);
fail:
	*out = NULL;
	for (unsigned i = 0; i < n; i++)
		ws->w[i].pl = NULL;   /* still the caller's */
	kx_workers_free(ws);
	return -1;
}

void
kx_workers_share(const struct kx_pipeline_config *cfg, unsigned n,
    struct kx_pipeline_config *out)
{
	const uint64_t mib = 1024u * 1024u;
	uint64_t mem = cfg->max_memory != 0 ? cfg->max_memory :
	    KX_MEMORY_DEFAULT_MIB * mib;
	uint32_t conns = cfg->max_conns != 0 ? cfg->max_conns : KX_FLOWS_MAX;

	*out = *cfg;
	if (n <= 1)
		return;
	out->max_memory = mem / n;
	if (out->max_memory < KX_MEMORY_MIN_MIB * mib)
		out->max_memory = KX_MEMORY_MIN_MIB * mib;
	out->max_conns = (uint32_t)((conns + (uint64_t)n - 1) / n);
}

struct kx_workers *
kx_workers_self(void)
{
	return tl_self != NULL ? tl_self->ws : NULL;
}

/* Hands k's current batch over (reader). */
static void
hand_over(struct wk *k)
{
	pthread_mutex_lock(&k->mu);
	if (k->cur != NULL && k->cur->used > 0) {
		k->q[(k->head + k->count) % (KX_WORKERS_QUEUE + 1)] = k->cur;
		k->count++;
		k->cur = NULL;
		atomic_store(&k->cur_first, 0);
		pthread_cond_signal(&k->cv_work);
	}
	pthread_mutex_unlock(&k->mu);
}

static void
hand_over_all(struct kx_workers *ws)
{
	for (unsigned i = 0; i < ws->n; i++)
		hand_over(&ws->w[i]);
}

/* Where the next entry of size need goes in k's current batch; hands the
 * full one over and waits for a spare one when needed. */
static uint8_t *
reserve(struct wk *k, size_t need)
{
	if (k->cur != NULL && k->cur->used + need > sizeof(k->cur->data))
		hand_over(k);
	if (k->cur == NULL) {
		pthread_mutex_lock(&k->mu);
		if (k->nspare == 0) {
			k->stalls++;
			/* k may be waiting for its turn behind a worker whose
			 * frames are still in the reader's hands. */
			pthread_mutex_unlock(&k->mu);
			hand_over_all(k->ws);
			pthread_mutex_lock(&k->mu);
		}
		while (k->nspare == 0)
			pthread_cond_wait(&k->cv_free, &k->mu);
		k->cur = k->spare[--k->nspare];
		pthread_mutex_unlock(&k->mu);
	}
	return k->cur->data + k->cur->used;
}

static void
put_entry(struct wk *k, const struct wk_entry *e, const uint8_t *bytes)
{
	size_t pad = ((size_t)e->caplen + 7u) & ~(size_t)7u;
	uint8_t *p = reserve(k, sizeof(*e) + pad);

	memcpy(p, e, sizeof(*e));
	if (e->caplen > 0)
		memcpy(p + sizeof(*e), bytes, e->caplen);
	if (k->cur->used == 0) {
		k->cur->first = e->seq;
		atomic_store(&k->cur_first, e->seq);
	}
	k->cur->used += sizeof(*e) + pad;
}

static bool
is_port(const uint16_t *ports, uint32_t nports, uint16_t port)
{
	for (uint32_t i = 0; i < nports; i++)
		if (ports[i] == port)
			return true;
	return false;
}

bool
kx_workers_by_client(const uint16_t *ports, uint32_t nports,
    uint16_t client_port, uint16_t server_port)
{
	return is_port(ports, nports, server_port) &&
	    !is_port(ports, nports, client_port);
}

void
kx_workers_route(struct kx_workers *ws, const uint16_t *ports, uint32_t n)
{
	if (n > KX_PORTS_MAX)
		n = KX_PORTS_MAX;
	memcpy(ws->ports, ports, n * sizeof(ports[0]));
	ws->nports = n;
}

bool
kx_workers_client_local(const struct kx_conn *c)
{
	const struct kx_workers *ws = kx_workers_self();

	return ws != NULL && kx_workers_by_client(ws->ports, ws->nports,
	    c->ep[KX_CLIENT].port, c->ep[KX_SERVER].port);
}

/* 16 address bytes as two words. */
static void
addr_words(const uint8_t *addr, uint64_t *w)
{
	memcpy(&w[0], addr, 8);
	memcpy(&w[1], addr + 8, 8);
}

/* The owner of a decoded TCP packet (kx_workers_owner). */
static unsigned
owner_of(unsigned n, const uint16_t *ports, uint32_t nports,
    const struct kx_packet *p)
{
	uint64_t w[5], x[2], y[2];
	size_t nw = 5;
	unsigned slot;
	bool sp, dp;

	if (n <= 1)
		return 0;
	sp = is_port(ports, nports, p->sport);
	dp = is_port(ports, nports, p->dport);
	if (sp != dp) {
		/* To an SSH port from another: the client's address alone,
		 * so that what one source does (patterns.h) is one worker's. */
		addr_words(dp ? p->src : p->dst, w);
		w[2] = p->ip_version;
		nw = 3;
	} else {
		uint64_t pa = (uint64_t)p->sport, pb = (uint64_t)p->dport;

		addr_words(p->src, x);
		addr_words(p->dst, y);
		/* The endpoints in order, not XORed: symmetric, and a land
		 * packet (both the same) is one key like any other. */
		if (x[0] > y[0] || (x[0] == y[0] && (x[1] > y[1] ||
		    (x[1] == y[1] && pa > pb)))) {
			uint64_t t0 = x[0], t1 = x[1], tp = pa;

			x[0] = y[0];
			x[1] = y[1];
			pa = pb;
			y[0] = t0;
			y[1] = t1;
			pb = tp;
		}
		w[0] = x[0];
		w[1] = x[1];
		w[2] = y[0];
		w[3] = y[1];
		w[4] = pa | pb << 16 | (uint64_t)p->ip_version << 32;
	}
	/* The reader (worker 0) reads every frame besides handling its own:
	 * it owns one share where every other worker owns two. */
	/* 32 bits of the hash scaled to the 2n - 1 shares (a multiply, not
	 * a division a frame). */
	slot = (unsigned)(((kx_siphash13_words(owner_key, w, nw) & 0xffffffffu) *
	    (2 * (uint64_t)n - 1)) >> 32);
	return slot == 0 ? 0 : 1 + (slot - 1) / 2;
}

unsigned
kx_workers_owner(unsigned n, const uint16_t *ports, uint32_t nports, int dlt,
    const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
	struct kx_packet pkt;

	if (n <= 1 || kx_decode(dlt, frame, caplen, wirelen, &pkt) != KX_OK)
		return 0;
	return owner_of(n, ports, nports, &pkt);
}

/* The reader's own frame (or tick) seq, handled as worker 0 where it was
 * read: a frame of its connections, or packet time passing. */
static void
reader_entry(struct kx_workers *ws, uint64_t seq, bool tick,
    const struct wk_entry *e, const uint8_t *frame)
{
	struct wk *k = &ws->w[0];

	tl_self = k;
	tl_seq = seq;
	tl_tick = tick;
	set_low(k, seq);
	if (tick)
		kx_pipeline_tick(k->pl, e->ts_us);
	else
		kx_pipeline_decoded(k->pl, (enum kx_status)e->status, &e->pkt,
		    e->dlt, frame, e->caplen, e->wirelen);
	/* Out of its own frames: what it makes next comes from a later one
	 * (lowest). */
	atomic_store_explicit(&k->low, 0, memory_order_release);
	wake_waiters(ws);
	tl_self = NULL;
	if (++ws->inline_frames >= 4096) {
		ws->inline_frames = 0;
		kx_workers_publish(ws, 0);
	}
}

void
kx_workers_frame(struct kx_workers *ws, int dlt, const uint8_t *frame,
    uint32_t caplen, uint32_t wirelen, uint64_t ts_us, uint64_t frame_no)
{
	uint64_t seq = atomic_load_explicit(&ws->seq, memory_order_relaxed) + 1;
	struct wk_entry e = { .seq = seq, .ts_us = ts_us, .caplen = caplen,
	    .wirelen = wirelen, .dlt = dlt, .kind = KIND_FRAME };
	unsigned i = 0;
	bool tick;

	if (caplen > KX_WORKERS_BATCH - sizeof(e))
		e.caplen = caplen = KX_WORKERS_BATCH - sizeof(e);  /* beyond any snaplen */
	e.pkt.ts_us = ts_us;
	e.pkt.frame_no = frame_no;
	e.status = (uint16_t)kx_decode(dlt, frame, caplen, wirelen, &e.pkt);
	if (e.status == KX_OK) {
		i = owner_of(ws->n, ws->ports, ws->nports, &e.pkt);
		e.payload_off = (uint32_t)(e.pkt.payload - frame);
	}
	e.pkt.payload = NULL;

	if (atomic_load_explicit(&ws->flush_req, memory_order_relaxed) != 0 &&
	    atomic_exchange(&ws->flush_req, 0) != 0)
		hand_over_all(ws);

	if (i != 0)
		put_entry(&ws->w[i], &e, frame);
	tick = ts_us >= ws->next_tick_us;
	if (tick) {
		struct wk_entry t = { .seq = seq, .ts_us = ts_us, .kind = KIND_TICK };

		ws->next_tick_us = ts_us + BROADCAST_US;
		for (unsigned j = 1; j < ws->n; j++)
			if (j != i)
				put_entry(&ws->w[j], &t, NULL);
	}
	/* After the entries: a worker that finds no entry of its own up to
	 * seq knows that its next one comes later. A release store, not a
	 * fence a frame: a worker that reads cur_first before this entry's
	 * and seq after it takes its next entry as seq + 1 instead of seq,
	 * both past every entry a waiter can be in (kx_workers_order). And
	 * before the reader's own handling of this frame: an idle worker is
	 * then past it. */
	atomic_store_explicit(&ws->seq, seq, memory_order_release);
	if (i == 0) {
		if (e.status == KX_OK)
			e.pkt.payload = frame + e.payload_off;
		reader_entry(ws, seq, false, &e, frame);
	} else if (tick) {
		reader_entry(ws, seq, true, &e, NULL);
	}
}

/* The first entry number worker k may still make a record from (under
 * k->mu). */
static uint64_t
lowest(struct wk *k)
{
	uint64_t f;

	if (k->inline_reader) {
		/* Read before seq: the reader stores seq before it takes a
		 * frame of its own, so a 0 read here and a seq read after are
		 * both past what a waiter can be in. */
		f = atomic_load(&k->low);
		return f != 0 ? f : atomic_load(&k->ws->seq) + 1;
	}
	if (!k->idle)
		return atomic_load(&k->low);
	if (k->count > 0)
		return k->q[k->head]->first;
	if ((f = atomic_load(&k->cur_first)) != 0)
		return f;
	return atomic_load(&k->ws->seq) + 1;
}

/* Whether every other worker is past the point where single-threaded
 * reading would have made this thread's record (under ws->ord_mu). Sets
 * *flush when one waits for frames the reader has not handed over. */
static bool
my_turn(struct kx_workers *ws, const struct wk *self, bool *flush)
{
	for (unsigned i = 0; i < ws->n; i++) {
		struct wk *k = &ws->w[i];
		uint64_t low;
		bool ok, held;

		if (k == self)
			continue;
		pthread_mutex_lock(&k->mu);
		low = lowest(k);
		held = k->idle && k->count == 0 && atomic_load(&k->cur_first) != 0;
		pthread_mutex_unlock(&k->mu);
		if (tl_seq == LOW_FINISHING)
			ok = k->idx < self->idx ? low == LOW_DONE : low >= LOW_FINISHING;
		else if (tl_tick)
			ok = low >= tl_seq;
		else
			ok = low > tl_seq;
		if (!ok) {
			*flush = held;
			return false;
		}
	}
	return true;
}

/* Keys (kx_workers_key): entry n's tick before its frame; the end after
 * every entry, worker by worker. */
#define KEY_END (UINT64_MAX - 2 * KX_WORKERS_MAX - 2)

static uint64_t
key_of_low(const struct wk *k, uint64_t low)
{
	if (low == LOW_DONE)
		return UINT64_MAX;
	if (low == LOW_FINISHING)
		return KEY_END + k->idx;
	return low * 2;
}

uint64_t
kx_workers_key(void)
{
	struct wk *self = tl_self;

	if (self == NULL)
		return 0;
	if (tl_seq == LOW_FINISHING)
		return KEY_END + self->idx;
	return tl_seq * 2 + (tl_tick ? 0 : 1);
}

uint64_t
kx_workers_watermark(struct kx_workers *ws)
{
	uint64_t m = UINT64_MAX;

	for (unsigned i = 0; ws != NULL && i < ws->n; i++) {
		struct wk *k = &ws->w[i];
		uint64_t low;

		pthread_mutex_lock(&k->mu);
		low = key_of_low(k, lowest(k));
		pthread_mutex_unlock(&k->mu);
		if (low < m)
			m = low;
	}
	return m;
}

void
kx_workers_order(void)
{
	struct wk *self = tl_self;
	struct kx_workers *ws;

	if (self == NULL)
		return;   /* not a worker reading files */
	ws = self->ws;
	/* The reader waits on a frame of its own: what it holds for the
	 * others goes to them first, or they could not get past it. */
	if (self->inline_reader)
		hand_over_all(ws);
	atomic_fetch_add(&ws->waiting, 1);
	pthread_mutex_lock(&ws->ord_mu);
	bool flush = false;

	while (!my_turn(ws, self, &flush)) {
		struct timespec until;

		if (tl_seq < atomic_load(&ws->want))
			atomic_store(&ws->want, tl_seq);
		if (flush)
			atomic_store(&ws->flush_req, 1);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 2000000;   /* a bound, should a wake-up be missed */
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&ws->ord_cv, &ws->ord_mu, &until);
	}
	/* The last waiter out: nobody needs waking any more. */
	if (atomic_fetch_sub(&ws->waiting, 1) == 1)
		atomic_store(&ws->want, UINT64_MAX);
	pthread_mutex_unlock(&ws->ord_mu);
}

void
kx_workers_finish(struct kx_workers *ws)
{
	if (ws == NULL || ws->finished)
		return;
	ws->finished = true;
	for (unsigned i = 0; i < ws->n; i++) {
		struct wk *k = &ws->w[i];

		hand_over(k);
		pthread_mutex_lock(&k->mu);
		k->end = true;
		pthread_cond_signal(&k->cv_work);
		pthread_mutex_unlock(&k->mu);
	}
	if (ws->w[0].inline_reader && ws->started) {
		/* The reader's own connections still open, first of all
		 * workers' (kx_workers_order). */
		struct wk *k = &ws->w[0];

		tl_self = k;
		tl_seq = LOW_FINISHING;
		tl_tick = false;
		set_low(k, LOW_FINISHING);
		kx_pipeline_finish(k->pl);
		set_low(k, LOW_DONE);
		tl_self = NULL;
		kx_workers_publish(ws, 0);
		if (ws->endfn != NULL)
			ws->endfn(ws->arg);
	}
	for (unsigned i = 0; i < ws->n; i++)
		if (ws->w[i].started) {
			pthread_join(ws->w[i].th, NULL);
			ws->w[i].started = false;
		}
}

static void
add_stats(struct kx_stats *to, const struct kx_stats *s)
{
	to->frames += s->frames;
	to->tcp += s->tcp;
	to->not_tcp += s->not_tcp;
	to->malformed += s->malformed;
	to->truncated += s->truncated;
	to->ssh_conns += s->ssh_conns;
	to->timeouts += s->timeouts;
	to->evicted += s->evicted;
	to->caps.evicted_conns += s->caps.evicted_conns;
	to->caps.evicted_memory += s->caps.evicted_memory;
	to->caps.buffer_limit += s->caps.buffer_limit;
	to->caps.ooo_dropped += s->caps.ooo_dropped;
	to->caps.mem_used += s->caps.mem_used;
	/* Each worker's peak came at its own time: their sum bounds the
	 * whole's from above. */
	to->caps.mem_peak += s->caps.mem_peak;
	to->caps.mem_spare += s->caps.mem_spare;
	for (int a = 0; a < KX_ANOM_MAX; a++)
		to->anomalies[a] += s->anomalies[a];
}

void
kx_workers_stats(struct kx_workers *ws, struct kx_stats *out, uint32_t *conns)
{
	memset(out, 0, sizeof(*out));
	if (conns != NULL)
		*conns = 0;
	for (unsigned i = 0; i < ws->n; i++) {
		struct wk *k = &ws->w[i];

		pthread_mutex_lock(&k->mu);
		add_stats(out, &k->snap);
		if (conns != NULL)
			*conns += k->snap_conns;
		pthread_mutex_unlock(&k->mu);
	}
}

uint64_t
kx_workers_stalls(const struct kx_workers *ws)
{
	uint64_t n = 0;

	for (unsigned i = 0; ws != NULL && i < ws->n; i++)
		n += ws->w[i].stalls;   /* written by the reader thread only */
	return n;
}

unsigned
kx_workers_count(const struct kx_workers *ws)
{
	return ws != NULL ? ws->n : 0;
}

void
kx_workers_free(struct kx_workers *ws)
{
	if (ws == NULL)
		return;
	kx_workers_finish(ws);
	for (unsigned i = 0; i < ws->n; i++) {
		struct wk *k = &ws->w[i];

		for (unsigned j = 0; j < k->nspare; j++)
			free(k->spare[j]);
		for (unsigned j = 0; j < k->count; j++)
			free(k->q[(k->head + j) % (KX_WORKERS_QUEUE + 1)]);
		free(k->cur);
		kx_pipeline_free(k->pl);
		pthread_mutex_destroy(&k->mu);
		pthread_cond_destroy(&k->cv_work);
		pthread_cond_destroy(&k->cv_free);
	}
	pthread_mutex_destroy(&ws->ord_mu);
	pthread_cond_destroy(&ws->ord_cv);
	free(ws);
}
