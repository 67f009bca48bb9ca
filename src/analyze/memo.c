/* The per-pair analysis memo (memo.h). */
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "kexray/analyze/memo.h"

/* A side as the analysis sees it: its banner and its KEXINIT. */
struct memo_side {
	bool have_banner;
	uint8_t *banner;             /* owned (slot) or borrowed (view) */
	uint16_t banner_len;
	bool have_kexinit;
	struct kx_kexinit k;         /* raw owned by the slot */
};

struct kx_memo_slot {
	bool used;
	uint64_t gen;                /* 0: never stored */
	uint64_t last_use;           /* use_clock at the last hit or store */
	uint64_t hash;
	struct memo_side side[2];
	struct kx_nego nego;
	struct kx_assessment a;      /* hostkey zeroed */
	size_t heap;                 /* bytes allocated for it, in heap_used */
};

/* One memo per thread: each worker (workers.h) keeps its own, unlocked.
 * The first thread to look up takes the static table (untouched pages
 * until slots fill, as a single-threaded run always had); any other
 * allocates its own then. Never thread-local storage itself: that is
 * zeroed, all 1.7 MiB of it, when a thread starts. */
static struct kx_memo_slot first_slots[KX_MEMO_SLOTS];
static atomic_flag first_taken = ATOMIC_FLAG_INIT;
static _Thread_local struct kx_memo_slot *slots;
static _Thread_local uint64_t next_gen = 1, use_clock;
static _Thread_local uint64_t n_lookups, n_hits;
static _Thread_local size_t heap_used;  /* all slots' heap, at most KX_MEMO_HEAP_MAX */

/* Where one side's data lives: a connection's copies or a slot's. */
struct view {
	const uint8_t *banner[2];
	size_t banner_len[2];
	const struct kx_kexinit *k[2];   /* NULL: none */
};

static void
conn_view(const struct kx_conn *c, struct view *v)
{
	for (int s = 0; s < 2; s++) {
		const struct kx_ssh_side *ss = kx_conn_ssh(c, s);

		v->banner[s] = ss->have_banner ? ss->banner : NULL;
		v->banner_len[s] = ss->have_banner && ss->banner != NULL ?
		    ss->banner_len : 0;
		v->k[s] = ss->kexinit;
	}
}

static void
slot_view(const struct kx_memo_slot *sl, struct view *v)
{
	for (int s = 0; s < 2; s++) {
		v->banner[s] = sl->side[s].have_banner ? sl->side[s].banner : NULL;
		v->banner_len[s] = sl->side[s].banner_len;
		v->k[s] = sl->side[s].have_kexinit ? &sl->side[s].k : NULL;
	}
}

/* The key: per side, the banner and the KEXINIT's ten name-lists and
 * first_kex_packet_follows: all the analysis reads (not the cookie, not
 * the reserved field). */
static size_t
kexinit_size(const struct kx_kexinit *k)
{
	size_t n = 0;

	for (int i = 0; i < KX_PROP_MAX; i++)
		n += k->list[i].len;
	return n;
}

/* Hash of the key, or false when the key is too large to keep. */
static bool
key_hash(const struct view *v, uint64_t *hash)
{
	uint64_t h = 0x6b65787261796d6fULL;
	size_t total = 0;

	for (int s = 0; s < 2; s++) {
		const struct kx_kexinit *k = v->k[s];

		total += v->banner_len[s] + (k != NULL ? kexinit_size(k) : 0);
		if (total > KX_MEMO_KEY_MAX)
			return false;
		/* Presence first: "no banner" differs from "". */
		h = kx_hash_bytes(h, (const uint8_t[4]){ v->banner[s] != NULL,
		    k != NULL, (uint8_t)s, 0 }, 4);
		h = kx_hash_bytes(h, v->banner[s], v->banner_len[s]);
		if (k != NULL)
			h ^= kx_kexinit_hash(k) * (s == 0 ? 3 : 5);
	}
	*hash = h;
	return true;
}

static bool
same_key(const struct view *a, const struct view *b)
{
	for (int s = 0; s < 2; s++) {
		const struct kx_kexinit *ka = a->k[s], *kb = b->k[s];

		if ((a->banner[s] == NULL) != (b->banner[s] == NULL) ||
		    a->banner_len[s] != b->banner_len[s] ||
		    (a->banner_len[s] > 0 &&
		    memcmp(a->banner[s], b->banner[s], a->banner_len[s]) != 0))
			return false;
		if ((ka == NULL) != (kb == NULL))
			return false;
		if (ka == NULL)
			continue;
		if (ka->first_kex_follows != kb->first_kex_follows)
			return false;
		for (int i = 0; i < KX_PROP_MAX; i++)
			if (ka->list[i].len != kb->list[i].len ||
			    (ka->list[i].len > 0 && memcmp(ka->list[i].p,
			    kb->list[i].p, ka->list[i].len) != 0))
				return false;
	}
	return true;
}

/* p points into one of from's banners or name-lists, or at one of its
 * KEXINITs' list descriptors: the same place in to's. Both hold equal
 * bytes, so the result reads the same. Anything else (static tables) is
 * left as is. */
static const void *
move(const void *p, const struct view *from, const struct view *to)
{
	uintptr_t x = (uintptr_t)p;

	if (p == NULL)
		return NULL;
	for (int s = 0; s < 2; s++) {
		uintptr_t b = (uintptr_t)from->banner[s];
		const struct kx_kexinit *k = from->k[s];

		/* <=: an empty version or comment may point just past it. */
		if (from->banner[s] != NULL && x >= b && x <= b + from->banner_len[s])
			return to->banner[s] + (x - b);
		if (k == NULL)
			continue;
		b = (uintptr_t)k->list;
		if (x >= b && x < (uintptr_t)(k->list + KX_PROP_MAX))
			return (const uint8_t *)to->k[s]->list + (x - b);
		for (int i = 0; i < KX_PROP_MAX; i++) {
			b = (uintptr_t)k->list[i].p;
			/* <=: an empty name may point just past its list. */
			if (k->list[i].p != NULL && x >= b && x <= b + k->list[i].len)
				return to->k[s]->list[i].p + (x - b);
		}
	}
	return p;
}

static void
move_fix(struct kx_fix *f, const struct view *from, const struct view *to)
{
	f->alg.p = move(f->alg.p, from, to);
	f->base = move(f->base, from, to);
}

/* Re-points every pointer of n and a that leads into from's data. */
static void
move_all(struct kx_nego *n, struct kx_assessment *a, const struct view *from,
    const struct view *to)
{
	for (int cat = 0; cat < KX_CAT_MAX; cat++)
		n->alg[cat].p = move(n->alg[cat].p, from, to);
	if (a == NULL)
		return;
	for (int s = 0; s < 2; s++) {
		struct kx_weak_list *wl = &a->weak[s];

		for (uint32_t i = 0; i < wl->n && i < KX_WEAK_MAX; i++)
			wl->w[i].name.p = move(wl->w[i].name.p, from, to);
		a->software[s].sw.version = move(a->software[s].sw.version, from, to);
		a->software[s].sw.comments = move(a->software[s].sw.comments,
		    from, to);
	}
	a->pq.common.p = move(a->pq.common.p, from, to);
	for (uint32_t i = 0; i < a->nadvice && i < KX_AC_MAX; i++) {
		move_fix(&a->advice[i].server_fix, from, to);
		move_fix(&a->advice[i].client_fix, from, to);
	}
}

static void
slot_free(struct kx_memo_slot *sl)
{
	for (int s = 0; s < 2; s++) {
		free(sl->side[s].banner);
		free(sl->side[s].k.raw);
	}
	heap_used -= sl->heap;
	memset(sl, 0, sizeof(*sl));
}

/* Bytes slot_fill allocates for v. */
static size_t
key_size(const struct view *v)
{
	size_t n = 0;

	for (int s = 0; s < 2; s++) {
		if (v->banner[s] != NULL)
			n += v->banner_len[s] + 1u;
		if (v->k[s] != NULL)
			n += kexinit_size(v->k[s]) + KX_PROP_MAX;
	}
	return n;
}

/* Frees the least recently used slots (never keep) until need more bytes
 * fit in KX_MEMO_HEAP_MAX, or nothing else is left to free. */
static void
make_room(size_t need, const struct kx_memo_slot *keep)
{
	while (heap_used + need + 1 > KX_MEMO_HEAP_MAX) {
		struct kx_memo_slot *lru = NULL;

		for (size_t i = 0; i < KX_MEMO_SLOTS; i++) {
			struct kx_memo_slot *x = &slots[i];

			if (x != keep && x->used &&
			    (lru == NULL || x->last_use < lru->last_use))
				lru = x;
		}
		if (lru == NULL)
			return;
		slot_free(lru);
	}
}

/* Deep copy of c's banners and KEXINITs into the (empty) slot. */
static bool
slot_fill(struct kx_memo_slot *sl, const struct view *v)
{
	for (int s = 0; s < 2; s++) {
		struct memo_side *d = &sl->side[s];
		const struct kx_kexinit *k = v->k[s];

		if (v->banner[s] != NULL) {
			d->have_banner = true;
			d->banner_len = (uint16_t)v->banner_len[s];
			if ((d->banner = malloc(d->banner_len + 1u)) == NULL)
				return false;
			sl->heap += d->banner_len + 1u;
			memcpy(d->banner, v->banner[s], d->banner_len);
		}
		if (k == NULL)
			continue;
		d->have_kexinit = true;
		d->k = *k;
		/* One buffer for the ten lists, freed as raw; a byte between
		 * them, so that the end of one list is not the start of the
		 * next (move()). */
		d->k.raw_len = (uint32_t)(kexinit_size(k) + KX_PROP_MAX);
		if ((d->k.raw = calloc(1, d->k.raw_len)) == NULL)
			return false;
		sl->heap += d->k.raw_len;
		for (uint32_t i = 0, off = 0; i < KX_PROP_MAX; i++) {
			if (k->list[i].len > 0)
				memcpy(d->k.raw + off, k->list[i].p, k->list[i].len);
			d->k.list[i].p = d->k.raw + off;
			off += k->list[i].len + 1;
		}
	}
	return true;
}

/* *dst = *src, but of each weak list only the entries in use: the lists
 * have room for KX_WEAK_MAX names each, most of it empty, and this copy is
 * made for every connection of a known pair. */
static void
copy_assessment(struct kx_assessment *dst, const struct kx_assessment *src)
{
	const size_t w0 = offsetof(struct kx_assessment, weak);
	const size_t w1 = w0 + sizeof(src->weak);

	memcpy(dst, src, w0);
	for (int s = 0; s < 2; s++) {
		const struct kx_weak_list *f = &src->weak[s];
		struct kx_weak_list *t = &dst->weak[s];
		uint32_t n = f->n < KX_WEAK_MAX ? f->n : KX_WEAK_MAX;

		t->have = f->have;
		t->n = f->n;
		t->total = f->total;
		memcpy(t->w, f->w, n * sizeof(f->w[0]));
	}
	memcpy((char *)dst + w1, (const char *)src + w1, sizeof(*src) - w1);
}

bool
kx_memo_get(const struct kx_conn *c, struct kx_nego *n,
    struct kx_assessment *a, struct kx_memo_ref *ref)
{
	struct kx_memo_slot *set, *sl, *victim = NULL;
	struct view cv, sv;
	uint64_t h;

	memset(ref, 0, sizeof(*ref));
	n_lookups++;
	conn_view(c, &cv);
	if (!key_hash(&cv, &h))
		return false;
	ref->hash = h;
	if (slots == NULL) {
		if (!atomic_flag_test_and_set(&first_taken))
			slots = first_slots;
		else if ((slots = calloc(KX_MEMO_SLOTS, sizeof(*slots))) == NULL)
			return false;
	}
	/* The set's ways: the one holding the key, else the one to replace
	 * (a free one, else the least recently used). */
	set = &slots[(h % (KX_MEMO_SLOTS / KX_MEMO_WAYS)) * KX_MEMO_WAYS];
	sl = NULL;
	for (int w = 0; w < KX_MEMO_WAYS; w++) {
		struct kx_memo_slot *x = &set[w];

		if (x->used && x->hash == h) {
			slot_view(x, &sv);
			if (same_key(&cv, &sv)) {
				sl = x;
				break;
			}
		}
		if (victim == NULL || (victim->used && (!x->used ||
		    x->last_use < victim->last_use)))
			victim = x;
	}
	if (sl == NULL) {
		ref->slot = victim;
		return false;
	}
	ref->slot = sl;
	sl->last_use = ++use_clock;
	*n = sl->nego;
	if (a != NULL)
		copy_assessment(a, &sl->a);
	move_all(n, a, &sv, &cv);
	ref->gen = sl->gen;
	n_hits++;
	return true;
}

void
kx_memo_put(const struct kx_conn *c, const struct kx_nego *n,
    const struct kx_assessment *a, struct kx_memo_ref *ref)
{
	struct kx_memo_slot *sl = ref->slot;
	struct view cv, sv;

	if (sl == NULL)
		return;
	conn_view(c, &cv);
	slot_free(sl);
	make_room(key_size(&cv), sl);
	if (!slot_fill(sl, &cv)) {
		heap_used += sl->heap;
		slot_free(sl);
		ref->slot = NULL;
		return;
	}
	heap_used += sl->heap;
	sl->nego = *n;
	sl->a = *a;
	memset(&sl->a.hostkey, 0, sizeof(sl->a.hostkey));
	slot_view(sl, &sv);
	move_all(&sl->nego, &sl->a, &cv, &sv);
	sl->hash = ref->hash;
	sl->used = true;
	sl->last_use = ++use_clock;
	sl->gen = next_gen++;
	ref->gen = sl->gen;
}

static bool
ref_live(const struct kx_memo_ref *ref)
{
	return ref->slot != NULL && ref->gen != 0 && ref->slot->used &&
	    ref->slot->gen == ref->gen;
}

bool
kx_memo_ref_live(const struct kx_memo_ref *ref)
{
	return ref_live(ref);
}

void
kx_memo_counts(uint64_t *lookups, uint64_t *hits)
{
	*lookups = n_lookups;
	*hits = n_hits;
}

size_t
kx_memo_heap(void)
{
	return heap_used;
}

void
kx_memo_clear(void)
{
	for (size_t i = 0; slots != NULL && i < KX_MEMO_SLOTS; i++)
		if (slots[i].used || slots[i].gen != 0 || slots[i].heap != 0)
			slot_free(&slots[i]);   /* a slot never filled is zero */
	if (slots == first_slots)
		atomic_flag_clear(&first_taken);
	else
		free(slots);
	slots = NULL;
	n_lookups = n_hits = use_clock = 0;
	heap_used = 0;
}
