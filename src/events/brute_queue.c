/* Brute-force notes put back in input order (brute_queue.h). */
#include <stdlib.h>
#include <string.h>

#include "kexray/events/brute_queue.h"

struct kx_brute_queue {
	struct kx_brute_item *heap;   /* a binary min-heap by (key, order) */
	size_t n, cap;
	uint64_t next_order;
};

struct kx_brute_queue *
kx_brute_queue_new(void)
{
	return calloc(1, sizeof(struct kx_brute_queue));
}

void
kx_brute_queue_free(struct kx_brute_queue *q)
{
	if (q == NULL)
		return;
	free(q->heap);
	free(q);
}

static bool
before(const struct kx_brute_item *a, const struct kx_brute_item *b)
{
	return a->key != b->key ? a->key < b->key : a->order < b->order;
}

static void
swap(struct kx_brute_item *a, struct kx_brute_item *b)
{
	struct kx_brute_item t = *a;

	*a = *b;
	*b = t;
}

bool
kx_brute_queue_push(struct kx_brute_queue *q, uint64_t key,
    const struct kx_conn *c, enum kx_phase phase, uint32_t fails)
{
	struct kx_brute_item *it;
	size_t i;

	if (q->n == q->cap) {
		size_t cap = q->cap != 0 ? q->cap * 2 : 64;
		struct kx_brute_item *h;

		if (cap > SIZE_MAX / sizeof(*h) ||
		    (h = realloc(q->heap, cap * sizeof(*h))) == NULL)
			return false;
		q->heap = h;
		q->cap = cap;
	}
	it = &q->heap[q->n];
	memset(it, 0, sizeof(*it));
	it->key = key;
	it->order = q->next_order++;
	it->conn = *c;
	/* Only the connection's own fields travel: what it points to is
	 * freed when the worker is done with it. */
	it->conn.lru_prev = it->conn.lru_next = it->conn.pool_ref = 0;
	it->conn.hs = NULL;
	it->conn.rare = NULL;
	it->phase = phase;
	it->fails = fails;
	for (i = q->n++; i > 0 && before(&q->heap[i], &q->heap[(i - 1) / 2]);
	    i = (i - 1) / 2)
		swap(&q->heap[i], &q->heap[(i - 1) / 2]);
	return true;
}

bool
kx_brute_queue_pop(struct kx_brute_queue *q, uint64_t watermark,
    struct kx_brute_item *out)
{
	size_t i = 0;

	if (q->n == 0 || q->heap[0].key >= watermark)
		return false;
	*out = q->heap[0];
	q->heap[0] = q->heap[--q->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < q->n && before(&q->heap[l], &q->heap[m]))
			m = l;
		if (r < q->n && before(&q->heap[r], &q->heap[m]))
			m = r;
		if (m == i)
			break;
		swap(&q->heap[i], &q->heap[m]);
		i = m;
	}
	return true;
}
