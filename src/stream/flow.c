/* Connection table: open addressing (Robin Hood linear probing) on a keyed
 * hash (SipHash-1-3) of the ordered address/port pair plus outer VLAN, an
 * LRU list for eviction at the cap, and a creation sequence
 * so a flush reports connections in the order they appeared. The table
 * only keys, orders, counts and evicts: what a connection holds, and how
 * it is made, grown, measured and freed, is conn.c. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "kexray/core/siphash.h"
#include "kexray/stream/flow.h"

/* A connection back in the pool is poisoned for AddressSanitizer but its
 * first 8 bytes (the free list's link): a use after kx_flow_finish is
 * caught as with malloc's memory. Nothing in other builds. */
#if defined(__SANITIZE_ADDRESS__)
#define KX_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KX_POOL_ASAN 1
#endif
#endif
#ifdef KX_POOL_ASAN
#include <sanitizer/asan_interface.h>
#define POOL_POISON(c) ASAN_POISON_MEMORY_REGION((char *)(c) + 8, \
	sizeof(struct kx_conn) - 8)
#define POOL_UNPOISON(c) ASAN_UNPOISON_MEMORY_REGION((c), \
	sizeof(struct kx_conn))
#define POOL_UNPOISON_BLOCK(b) ASAN_UNPOISON_MEMORY_REGION((b), \
	POOL_BLOCK * sizeof(struct kx_conn))
#else
#define POOL_POISON(c) ((void)(c))
#define POOL_UNPOISON(c) ((void)(c))
#define POOL_UNPOISON_BLOCK(b) ((void)(b))
#endif

/* Direct-mapped: a newer close overwrites an older one in its slot. */
#define FLOW_CLOSED_SLOTS 4096u

struct closed_slot {
	uint32_t hash;
	uint32_t isn1;        /* the client's SYN sequence number plus one */
	uint16_t vlan;
	uint8_t ip_version;
	bool have_isn;
	struct kx_endpoint ep[2];   /* indexed by kx_side */
};

/* One slot of the open-addressed table: the connection's hash beside its
 * pool index plus one, eight to a cache line, so a probe compares hashes
 * without touching a connection. ref 0: empty. */
struct flow_slot {
	uint32_t hash;
	uint32_t ref;
};

/* The connections themselves, in blocks of POOL_BLOCK that never move (a
 * pointer to one stays valid until it is freed), named by index plus one
 * (a "ref") in the slots and the LRU links: 4 bytes where a pointer takes
 * 8, and no allocator header a connection. A freed one goes on a free
 * list threaded through lru_next and is the next one handed out. Blocks
 * stay until the table goes, as malloc keeps the chunks freed to it: the
 * pool holds its high-water mark (docs/limits.md). */
#define POOL_SHIFT 9u
#define POOL_BLOCK (1u << POOL_SHIFT)

struct conn_pool {
	struct kx_conn **block;
	uint32_t nblocks, cap;
	uint32_t used;        /* indexes handed out at least once */
	uint32_t free_ref;    /* the first free one, 0 none */
	uint64_t heap;        /* bytes of the blocks and their array */
};

struct kx_flow_table {
	struct closed_slot closed[FLOW_CLOSED_SLOTS];
	struct flow_slot *slot;
	struct conn_pool pool;
	uint32_t nslots;       /* power of two */
	uint32_t count;
	uint32_t max;
	uint8_t key[KX_SIPHASH_KEY_LEN];   /* chosen at start (flow_key) */
	struct kx_siphash_state sip;       /* the key's starting state */
	uint64_t next_seq;
	uint32_t lru_head, lru_tail;   /* refs; head: most recent */
	bool flushing;        /* kx_flow_flush: the slots hold its list */
	kx_conn_done_fn done;
	void *arg;
	/* caps beyond the count (kx_flow_set_limits, docs/limits.md) */
	uint64_t mem_max;             /* bytes of connection state, 0: no cap */
	uint64_t conn_mem;            /* sum of every connection's c->mem */
	uint32_t max_buffer, max_ooo; /* reasm limits of new connections */
	struct kx_conn *recent;       /* touched last: kx_flow_settle accounts it */
	bool changed;                 /* conn_mem, the slots or caps changed */
	struct kx_cap_stats caps;
};

#define FLOW_INITIAL_SLOTS 4096u

static inline struct kx_conn *
pool_at(const struct conn_pool *p, uint32_t ref)
{
	uint32_t i = ref - 1;

	return &p->block[i >> POOL_SHIFT][i & (POOL_BLOCK - 1)];
}

/* A free connection's ref, 0 when out of memory. */
static uint32_t
pool_get(struct conn_pool *p)
{
	uint32_t ref;

	if ((ref = p->free_ref) != 0) {
		p->free_ref = pool_at(p, ref)->lru_next;
		POOL_UNPOISON(pool_at(p, ref));
		return ref;
	}
	if (p->used == UINT32_MAX - 1)
		return 0;
	if (p->used == p->nblocks * POOL_BLOCK) {
		struct kx_conn *b;

		if (p->nblocks == p->cap) {
			uint32_t n = p->cap != 0 ? p->cap * 2 : 16;
			struct kx_conn **nb = realloc(p->block, n * sizeof(*nb));

			if (nb == NULL)
				return 0;
			p->heap += kx_mem_chunk(n * sizeof(*nb)) -
			    (p->cap != 0 ? kx_mem_chunk(p->cap * sizeof(*nb)) : 0);
			p->block = nb;
			p->cap = n;
		}
		/* Not zeroed: a connection is set whole when handed out, so
		 * the pages of a block become resident as it fills. */
		if ((b = malloc(POOL_BLOCK * sizeof(*b))) == NULL)
			return 0;
		p->block[p->nblocks++] = b;
		p->heap += kx_mem_chunk(POOL_BLOCK * sizeof(*b));
	}
	return ++p->used;
}

static void
pool_put(struct conn_pool *p, struct kx_conn *c)
{
	c->lru_next = p->free_ref;
	p->free_ref = c->pool_ref;
	_Static_assert(offsetof(struct kx_conn, lru_next) +
	    sizeof(c->lru_next) <= 8, "the free list's link stays readable");
	POOL_POISON(c);
}

static void
pool_free(struct conn_pool *p)
{
	for (uint32_t i = 0; i < p->nblocks; i++) {
		POOL_UNPOISON_BLOCK(p->block[i]);
		free(p->block[i]);
	}
	free(p->block);
	memset(p, 0, sizeof(*p));
}

/* The key of the flow hash: random, so that nobody outside can choose
 * addresses and ports that share a slot (Suricata seeds its flow hash the
 * same way). Without getrandom (an old kernel) the clock and addresses
 * are a weaker fallback, never a constant. */
static void
flow_key(struct kx_flow_table *t)
{
	struct timespec ts;
	uint64_t w[2];
	size_t got = 0;

	while (got < sizeof(t->key)) {
		ssize_t n = getrandom(t->key + got, sizeof(t->key) - got,
		    GRND_NONBLOCK);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got == sizeof(t->key))
		return;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	w[0] = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32 ^
	    (uint64_t)(uintptr_t)t;
	w[1] = (uint64_t)getpid() ^ (uint64_t)(uintptr_t)&ts;
	memcpy(t->key, w, sizeof(t->key));
}

struct kx_flow_table *
kx_flow_new(uint32_t max_conns, kx_conn_done_fn done, void *arg)
{
	struct kx_flow_table *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->nslots = FLOW_INITIAL_SLOTS;
	if ((t->slot = calloc(t->nslots, sizeof(*t->slot))) == NULL) {
		free(t);
		return NULL;
	}
	t->max = max_conns != 0 ? max_conns : 1;
	t->done = done;
	t->arg = arg;
	t->changed = true;   /* the first kx_flow_settle counts the slots */
	flow_key(t);
	kx_siphash_state_init(&t->sip, t->key);
	return t;
}

bool
kx_flow_set_key(struct kx_flow_table *t, const uint8_t key[KX_SIPHASH_KEY_LEN])
{
	if (t->count != 0)
		return false;
	memcpy(t->key, key, sizeof(t->key));
	kx_siphash_state_init(&t->sip, t->key);
	return true;
}

/* The two endpoints in a fixed order (address, then port), so that both
 * directions give one key without XOR: a "land" packet (source equal to
 * destination) is then one key like any other, not the same one for all. */
static size_t
flow_tuple(uint8_t ipv, uint16_t vlan, const uint8_t *a, uint16_t ap,
    const uint8_t *b, uint16_t bp, uint8_t out[40])
{
	size_t alen = ipv == 4 ? 4 : 16;
	int cmp = memcmp(a, b, alen);
	const uint8_t *lo = a, *hi = b;
	uint16_t lp = ap, hp = bp;

	if (cmp > 0 || (cmp == 0 && ap > bp)) {
		lo = b; hi = a; lp = bp; hp = ap;
	}
	memcpy(out, lo, alen);
	memcpy(out + alen, hi, alen);
	out[2 * alen] = (uint8_t)(lp >> 8);
	out[2 * alen + 1] = (uint8_t)lp;
	out[2 * alen + 2] = (uint8_t)(hp >> 8);
	out[2 * alen + 3] = (uint8_t)hp;
	out[2 * alen + 4] = (uint8_t)(vlan >> 8);
	out[2 * alen + 5] = (uint8_t)vlan;
	out[2 * alen + 6] = ipv;
	out[2 * alen + 7] = 0;
	return 2 * alen + 8;
}

/* Keyed (SipHash-1-3): which connections share a slot depends on the
 * key. The same ordered tuple as flow_tuple, built as words (this runs for
 * every packet): the lower endpoint first, by address words, then port. */
static uint32_t
flow_hash(const struct kx_flow_table *t, uint8_t ipv, uint16_t vlan,
    const uint8_t *a, uint16_t ap, const uint8_t *b, uint16_t bp)
{
	uint64_t w[5], x0, x1 = 0, y0, y1 = 0;
	uint32_t x4, y4;
	uint16_t tp;

	if (ipv == 4) {
		memcpy(&x4, a, 4);
		memcpy(&y4, b, 4);
		if (x4 > y4 || (x4 == y4 && ap > bp)) {
			uint32_t t4 = x4;

			x4 = y4;
			y4 = t4;
			tp = ap;
			ap = bp;
			bp = tp;
		}
		w[0] = x4 | (uint64_t)y4 << 32;
		w[1] = ap | (uint64_t)bp << 16 | (uint64_t)vlan << 32 |
		    (uint64_t)4 << 48;
		return (uint32_t)kx_siphash13_from(&t->sip, w, 2);
	}
	memcpy(&x0, a, 8);
	memcpy(&x1, a + 8, 8);
	memcpy(&y0, b, 8);
	memcpy(&y1, b + 8, 8);
	if (x0 > y0 || (x0 == y0 && (x1 > y1 || (x1 == y1 && ap > bp)))) {
		w[0] = y0;
		w[1] = y1;
		w[2] = x0;
		w[3] = x1;
		tp = ap;
		ap = bp;
		bp = tp;
	} else {
		w[0] = x0;
		w[1] = x1;
		w[2] = y0;
		w[3] = y1;
	}
	w[4] = ap | (uint64_t)bp << 16 | (uint64_t)vlan << 32 |
	    (uint64_t)ipv << 48;
	return (uint32_t)kx_siphash13_from(&t->sip, w, 5);
}

/* Unkeyed, for the direct-mapped cache of closed connections only: a
 * collision there costs one remembered 4-tuple, never time, and an
 * unkeyed hash keeps what is reported independent of the key. */
static uint32_t
closed_hash(uint8_t ipv, uint16_t vlan, const uint8_t *a, uint16_t ap,
    const uint8_t *b, uint16_t bp)
{
	uint8_t buf[40];
	size_t n = flow_tuple(ipv, vlan, a, ap, b, bp, buf);
	uint64_t h = 0x9e3779b97f4a7c15ULL;

	for (size_t i = 0; i < n; i += 8) {
		uint64_t w;

		memcpy(&w, buf + i, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	return (uint32_t)(h >> 32);
}

static bool
ep_eq(const struct kx_endpoint *e, const uint8_t *addr, uint16_t port)
{
	uint64_t a0, a1, b0, b1;

	memcpy(&a0, e->addr, 8);
	memcpy(&a1, e->addr + 8, 8);
	memcpy(&b0, addr, 8);
	memcpy(&b1, addr + 8, 8);
	return e->port == port && a0 == b0 && a1 == b1;
}

/* Robin Hood insertion (Celis, 1986): an entry farther from its home
 * slot takes the place of one nearer to its own, which moves on. */
static void
slot_put(struct flow_slot *slot, uint32_t m, uint32_t h, uint32_t ref)
{
	uint32_t i = h & m, d = 0;

	for (;;) {
		struct flow_slot *s = &slot[i];
		uint32_t sd;

		if (s->ref == 0) {
			s->hash = h;
			s->ref = ref;
			return;
		}
		sd = (i - s->hash) & m;
		if (sd < d) {
			uint32_t th = s->hash, tr = s->ref;

			s->hash = h;
			s->ref = ref;
			h = th;
			ref = tr;
			d = sd;
		}
		i = (i + 1) & m;
		d++;
	}
}

/* Removes c and shifts the entries after it back one slot while they are
 * away from home (backward-shift deletion: no tombstones). */
static void
slot_del(struct kx_flow_table *t, const struct kx_conn *c)
{
	uint32_t m = t->nslots - 1, j;
	/* Its hash again (the slot keeps it; the connection does not). */
	uint32_t i = flow_hash(t, c->ip_version, c->vlan, c->ep[0].addr,
	    c->ep[0].port, c->ep[1].addr, c->ep[1].port) & m;

	for (uint32_t n = 0; t->slot[i].ref != c->pool_ref; i = (i + 1) & m)
		if (++n > m)
			return;   /* not in the table */
	for (;;) {
		j = (i + 1) & m;
		if (t->slot[j].ref == 0 || ((j - t->slot[j].hash) & m) == 0)
			break;
		t->slot[i] = t->slot[j];
		i = j;
	}
	t->slot[i].ref = 0;
	t->slot[i].hash = 0;
}

uint32_t
kx_flow_probe_max(const struct kx_flow_table *t)
{
	uint32_t m = t->nslots - 1, max = 0;

	for (uint32_t i = 0; i < t->nslots; i++)
		if (t->slot[i].ref != 0 && ((i - t->slot[i].hash) & m) + 1 > max)
			max = ((i - t->slot[i].hash) & m) + 1;
	return max;
}

/* The connection a ref names, NULL for 0. */
static inline struct kx_conn *
conn_of(const struct kx_flow_table *t, uint32_t ref)
{
	return ref != 0 ? pool_at(&t->pool, ref) : NULL;
}

static void
lru_unlink(struct kx_flow_table *t, struct kx_conn *c)
{
	if (c->lru_prev != 0)
		pool_at(&t->pool, c->lru_prev)->lru_next = c->lru_next;
	else
		t->lru_head = c->lru_next;
	if (c->lru_next != 0)
		pool_at(&t->pool, c->lru_next)->lru_prev = c->lru_prev;
	else
		t->lru_tail = c->lru_prev;
	c->lru_prev = c->lru_next = 0;
}

static void
lru_push(struct kx_flow_table *t, struct kx_conn *c)
{
	c->lru_prev = 0;
	c->lru_next = t->lru_head;
	if (t->lru_head != 0)
		pool_at(&t->pool, t->lru_head)->lru_prev = c->pool_ref;
	t->lru_head = c->pool_ref;
	if (t->lru_tail == 0)
		t->lru_tail = c->pool_ref;
}

struct kx_hs *
kx_flow_hs(struct kx_flow_table *t, struct kx_conn *c)
{
	return kx_conn_hs(c, t->max_buffer, t->max_ooo);
}

void
kx_flow_hs_summarise(struct kx_flow_table *t, struct kx_conn *c)
{
	uint64_t ooo = 0;

	if (c->hs == NULL || c->hs_summarised)
		return;
	for (int s = 0; s < 2; s++)
		ooo += c->hs->rs[s].ooo_dropped;
	kx_conn_hs_summarise(c);
	/* The summary keeps no count of its own: it is final, so it is
	 * the table's now (unlink_conn adds the rest when c leaves). */
	if (c->hs_summarised)
		t->caps.ooo_dropped += ooo;
}

void
kx_flow_touch(struct kx_flow_table *t, struct kx_conn *c)
{
	t->recent = c;
	if (t->lru_head == c->pool_ref)
		return;
	lru_unlink(t, c);
	lru_push(t, c);
}

static void
unlink_conn(struct kx_flow_table *t, struct kx_conn *c)
{
	if (!t->flushing)
		slot_del(t, c);
	lru_unlink(t, c);
	t->count--;
	t->changed = true;
	t->conn_mem -= c->mem;
	if (t->recent == c)
		t->recent = NULL;
	for (int s = 0; s < 2; s++) {
		struct kx_reasm_kept tmp;
		const struct kx_reasm_kept *rs = kx_conn_reasm_kept(c, s, &tmp);

		if (kx_anom_has(rs->anomalies, KX_ANOM_REASM_DEPTH_LIMIT))
			t->caps.buffer_limit++;
		t->caps.ooo_dropped += rs->ooo_dropped;
	}
}

void
kx_flow_finish(struct kx_flow_table *t, struct kx_conn *c)
{
	unlink_conn(t, c);
	kx_flow_remember_closed(t, c);
	/* Whatever still waits out of order sits past a hole for good. */
	if (c->hs != NULL && !c->hs_summarised)
		for (int side = 0; side < 2; side++)
			kx_reasm_finish(&c->hs->rs[side]);
	if (t->done != NULL)
		t->done(c, t->arg);
	kx_conn_release(c);
	pool_put(&t->pool, c);
}

void
kx_flow_discard(struct kx_flow_table *t, struct kx_conn *c)
{
	unlink_conn(t, c);
	kx_conn_release(c);
	pool_put(&t->pool, c);
}

/* Grows the slot array to twice its size; on failure the table stays as
 * it is (fuller, still correct: kx_flow_lookup refuses to fill it). */
static void
grow(struct kx_flow_table *t)
{
	uint32_t n = t->nslots * 2, m = t->nslots * 2 - 1;
	struct flow_slot *ns;

	if (n == 0 || (ns = calloc(n, sizeof(*ns))) == NULL)
		return;
	for (uint32_t i = 0; i < t->nslots; i++)
		if (t->slot[i].ref != 0)
			slot_put(ns, m, t->slot[i].hash, t->slot[i].ref);
	free(t->slot);
	t->slot = ns;
	t->nslots = n;
	t->changed = true;
}

void
kx_flow_remember_closed(struct kx_flow_table *t, const struct kx_conn *c)
{
	uint32_t h = closed_hash(c->ip_version, c->vlan, c->ep[0].addr,
	    c->ep[0].port, c->ep[1].addr, c->ep[1].port);
	struct closed_slot *s = &t->closed[h & (FLOW_CLOSED_SLOTS - 1)];

	s->hash = h;
	s->isn1 = c->half[KX_CLIENT].base_seq;
	s->have_isn = c->syn_seen && c->half[KX_CLIENT].have_base;
	s->vlan = c->vlan;
	s->ip_version = c->ip_version;
	s->ep[0] = c->ep[0];
	s->ep[1] = c->ep[1];
}

bool
kx_flow_recently_closed(const struct kx_flow_table *t,
    const struct kx_packet *pkt)
{
	uint16_t vlan = pkt->vlan_count > 0 ? pkt->vlan[0] : 0;
	uint32_t h = closed_hash(pkt->ip_version, vlan, pkt->src, pkt->sport,
	    pkt->dst, pkt->dport);
	const struct closed_slot *s = &t->closed[h & (FLOW_CLOSED_SLOTS - 1)];

	if (s->hash != h || s->ip_version != pkt->ip_version ||
	    s->vlan != vlan || s->ip_version == 0)
		return false;
	/* A SYN: only the client's own again (same ISN) is a leftover. */
	if ((pkt->tcp_flags & (KX_TCP_SYN | KX_TCP_ACK)) == KX_TCP_SYN)
		return s->have_isn && s->isn1 == pkt->seq + 1 &&
		    ep_eq(&s->ep[KX_CLIENT], pkt->src, pkt->sport) &&
		    ep_eq(&s->ep[KX_SERVER], pkt->dst, pkt->dport);
	return (ep_eq(&s->ep[0], pkt->src, pkt->sport) &&
	    ep_eq(&s->ep[1], pkt->dst, pkt->dport)) ||
	    (ep_eq(&s->ep[1], pkt->src, pkt->sport) &&
	    ep_eq(&s->ep[0], pkt->dst, pkt->dport));
}

struct kx_conn *
kx_flow_lookup(struct kx_flow_table *t, const struct kx_packet *pkt,
    bool create, bool server_is_dport, enum kx_side *side)
{
	uint16_t vlan = pkt->vlan_count > 0 ? pkt->vlan[0] : 0;
	uint32_t h = flow_hash(t, pkt->ip_version, vlan, pkt->src, pkt->sport,
	    pkt->dst, pkt->dport);
	uint32_t m = t->nslots - 1, i = h & m, ref;
	struct kx_conn *c;

	if (t->flushing)
		return NULL;
	/* Robin Hood: a slot nearer its home than this probe is far from
	 * ours ends the search. */
	for (uint32_t d = 0; (ref = t->slot[i].ref) != 0 &&
	    ((i - t->slot[i].hash) & m) >= d; i = (i + 1) & m, d++) {
		if (t->slot[i].hash != h)
			continue;
		c = pool_at(&t->pool, ref);
		/* All of it is about to be read (endpoints, then the
		 * sender's TCP facts, the close state, the pointers): ask
		 * for its cache lines together rather than one miss after
		 * another. */
		for (size_t off = 64; off < sizeof(*c); off += 64)
			__builtin_prefetch((const char *)c + off);
		if (c->ip_version != pkt->ip_version || c->vlan != vlan)
			continue;
		if (ep_eq(&c->ep[KX_CLIENT], pkt->src, pkt->sport) &&
		    ep_eq(&c->ep[KX_SERVER], pkt->dst, pkt->dport)) {
			*side = KX_CLIENT;
			return c;
		}
		if (ep_eq(&c->ep[KX_SERVER], pkt->src, pkt->sport) &&
		    ep_eq(&c->ep[KX_CLIENT], pkt->dst, pkt->dport)) {
			*side = KX_SERVER;
			return c;
		}
	}
	if (!create)
		return NULL;

	if (t->count >= t->max && t->lru_tail != 0) {
		struct kx_conn *old = pool_at(&t->pool, t->lru_tail);

		kx_anom_set(&old->anomalies, KX_ANOM_FLOW_EVICTED);
		old->evicted = true;
		t->caps.evicted_conns++;
		kx_flow_finish(t, old);
	}
	/* Never fill the array: a probe must always reach an empty slot. */
	if ((uint64_t)(t->count + 1) * 4 > (uint64_t)t->nslots * 3)
		grow(t);
	if (t->count + 1 >= t->nslots)
		return NULL;
	if ((ref = pool_get(&t->pool)) == 0)
		return NULL;
	c = pool_at(&t->pool, ref);
	kx_conn_init(c, pkt, server_is_dport, side);
	c->pool_ref = ref;
	t->conn_mem += c->mem;
	c->seq_no = t->next_seq++;
	slot_put(t->slot, t->nslots - 1, h, ref);
	lru_push(t, c);
	t->count++;
	t->changed = true;
	return c;
}

static int
by_seq(const void *a, const void *b)
{
	const struct kx_conn *x = *(struct kx_conn *const *)a;
	const struct kx_conn *y = *(struct kx_conn *const *)b;

	return x->seq_no < y->seq_no ? -1 : x->seq_no > y->seq_no;
}

void
kx_flow_flush(struct kx_flow_table *t, enum kx_close why)
{
	/* The slots are no longer needed to find anyone: they hold the list
	 * to sort (a pointer fits in a slot, and count < nslots), so that
	 * reporting everything takes no memory of its own. A slot is read
	 * before any write reaches it (n <= i). */
	struct kx_conn **all = (struct kx_conn **)(void *)t->slot;
	uint32_t n = 0;

	_Static_assert(sizeof(struct kx_conn *) <= sizeof(struct flow_slot),
	    "a pointer fits in a slot");
	for (uint32_t i = 0; i < t->nslots; i++) {
		uint32_t ref = t->slot[i].ref;

		if (ref != 0)
			all[n++] = pool_at(&t->pool, ref);
	}
	t->flushing = true;
	qsort(all, n, sizeof(*all), by_seq);
	for (uint32_t i = 0; i < n; i++) {
		if (all[i]->close == KX_CLOSE_NONE)
			all[i]->close = why;
		kx_flow_finish(t, all[i]);
	}
	memset(t->slot, 0, (size_t)t->nslots * sizeof(*t->slot));
	t->flushing = false;
}

uint32_t
kx_flow_expire(struct kx_flow_table *t, uint64_t now_us, uint64_t min_us,
    kx_timeout_fn timeout_of, void *arg)
{
	struct kx_conn *c = conn_of(t, t->lru_tail), *prev;
	uint32_t n = 0;

	for (; c != NULL; c = prev) {
		prev = conn_of(t, c->lru_prev);
		/* Packet times can step back across files: never underflow. */
		if (now_us < c->ts_last || now_us - c->ts_last < min_us)
			break;
		if (now_us - c->ts_last < timeout_of(c, arg))
			continue;
		if (c->close == KX_CLOSE_NONE)
			c->close = KX_CLOSE_TIMEOUT;
		kx_flow_finish(t, c);
		n++;
	}
	return n;
}

uint32_t
kx_flow_count(const struct kx_flow_table *t)
{
	return t->count;
}

void
kx_flow_set_limits(struct kx_flow_table *t, uint64_t max_mem,
    uint32_t max_buffer, uint32_t max_ooo)
{
	t->mem_max = max_mem;
	t->max_buffer = max_buffer;
	t->max_ooo = max_ooo;
}

bool
kx_flow_settle(struct kx_flow_table *t)
{
	uint64_t buckets, slack;
	struct kx_conn *c = t->recent;

	/* Only a packet that allocated or freed something re-counts
	 * (c->mem_dirty): a bulk segment or a bare ACK costs nothing here. */
	if (c != NULL && c->mem_dirty) {
		size_t m = kx_conn_mem(c);

		t->conn_mem = t->conn_mem - c->mem + m;
		c->mem = (uint32_t)m;
		c->mem_dirty = false;
		t->changed = true;
	}
	if (!t->changed)
		return false;
	buckets = kx_mem_chunk((size_t)t->nslots * sizeof(*t->slot));
	/* DESIGN "Resource bounds": over the cap, the least recently active
	 * connections are reported (marked evicted) and dropped, down to the
	 * one just handled if it alone is over. */
	while (t->mem_max != 0 && t->conn_mem + buckets > t->mem_max &&
	    (c = conn_of(t, t->lru_tail)) != NULL) {
		kx_anom_set(&c->anomalies, KX_ANOM_FLOW_EVICTED);
		c->evicted = true;
		t->caps.evicted_memory++;
		kx_flow_finish(t, c);
	}
	/* The pool's free entries: heap no connection holds now, at most
	 * what the most connections ever open at once held, which was under
	 * the cap (docs/limits.md "Memory": the allocator's share). Evicting
	 * cannot shrink it, so the cap is not held against it. */
	slack = t->pool.heap - (uint64_t)t->count * sizeof(struct kx_conn);
	t->caps.mem_used = t->conn_mem + buckets;
	t->caps.mem_spare = slack;
	if (t->caps.mem_used > t->caps.mem_peak)
		t->caps.mem_peak = t->caps.mem_used;
	t->changed = false;
	return true;
}

const struct kx_cap_stats *
kx_flow_caps(const struct kx_flow_table *t)
{
	return &t->caps;
}

void
kx_flow_free(struct kx_flow_table *t)
{
	struct kx_conn *c;

	if (t == NULL)
		return;
	while ((c = conn_of(t, t->lru_head)) != NULL)
		kx_flow_discard(t, c);
	pool_free(&t->pool);
	free(t->slot);
	free(t);
}
