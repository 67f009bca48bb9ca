/* scan_hold.h: a fixed pool of KX_SCAN_HOLD_MAX slots on one list, oldest
 * first. A source's records are found by walking the list: once per scan
 * that crosses, at most KX_SCAN_HOLD_MAX steps. */
#include <stdlib.h>
#include <string.h>

#include "kexray/report/scan_hold.h"

#define NIL UINT32_MAX

struct slot {
	struct kx_scan_held it;
	uint32_t prev, next;         /* the list, or next: the free list */
};

struct kx_scan_hold {
	struct slot s[KX_SCAN_HOLD_MAX];
	uint32_t head, tail, free_head;
	uint32_t n;
	size_t bytes;
	uint64_t min_until;          /* the least until held, when min_ok */
	bool min_ok;
};

struct kx_scan_hold *
kx_scan_hold_new(void)
{
	struct kx_scan_hold *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->head = h->tail = NIL;
	for (uint32_t i = 0; i < KX_SCAN_HOLD_MAX; i++)
		h->s[i].next = i + 1 < KX_SCAN_HOLD_MAX ? i + 1 : NIL;
	h->free_head = 0;
	h->min_ok = true;
	h->min_until = UINT64_MAX;
	return h;
}

void
kx_scan_held_free(struct kx_scan_held *it)
{
	if (it == NULL)
		return;
	for (int i = 0; i < 2; i++) {
		free(it->out[i]);
		free(it->side[i]);
		it->out[i] = it->side[i] = NULL;
	}
}

void
kx_scan_hold_free(struct kx_scan_hold *h)
{
	if (h == NULL)
		return;
	for (uint32_t i = h->head; i != NIL; i = h->s[i].next)
		kx_scan_held_free(&h->s[i].it);
	free(h);
}

size_t
kx_scan_held_bytes(const struct kx_scan_held *it)
{
	return it->out_len[0] + it->out_len[1] + it->side_len[0] +
	    it->side_len[1];
}

bool
kx_scan_hold_full(const struct kx_scan_hold *h, size_t bytes)
{
	return h->n > 0 && (h->n >= KX_SCAN_HOLD_MAX ||
	    bytes > KX_SCAN_HOLD_BYTES - h->bytes);
}

bool
kx_scan_hold_put(struct kx_scan_hold *h, const struct kx_scan_held *it)
{
	size_t b = kx_scan_held_bytes(it);
	uint32_t i;

	if (h == NULL || h->free_head == NIL || b > KX_SCAN_HOLD_BYTES ||
	    b > KX_SCAN_HOLD_BYTES - h->bytes)
		return false;
	i = h->free_head;
	h->free_head = h->s[i].next;
	h->s[i].it = *it;
	h->s[i].prev = h->tail;
	h->s[i].next = NIL;
	if (h->tail != NIL)
		h->s[h->tail].next = i;
	else
		h->head = i;
	h->tail = i;
	h->n++;
	h->bytes += b;
	if (h->min_ok && it->until < h->min_until)
		h->min_until = it->until;
	return true;
}

/* Unlinks slot i into *out. */
static void
take(struct kx_scan_hold *h, uint32_t i, struct kx_scan_held *out)
{
	struct slot *s = &h->s[i];

	*out = s->it;
	memset(&s->it, 0, sizeof(s->it));
	if (s->prev != NIL)
		h->s[s->prev].next = s->next;
	else
		h->head = s->next;
	if (s->next != NIL)
		h->s[s->next].prev = s->prev;
	else
		h->tail = s->prev;
	s->prev = NIL;
	s->next = h->free_head;
	h->free_head = i;
	h->n--;
	h->bytes -= kx_scan_held_bytes(out);
	if (out->until == h->min_until)
		h->min_ok = false;
	if (h->n == 0) {
		h->min_ok = true;
		h->min_until = UINT64_MAX;
	}
}

bool
kx_scan_hold_take_oldest(struct kx_scan_hold *h, struct kx_scan_held *out)
{
	if (h == NULL || h->head == NIL)
		return false;
	take(h, h->head, out);
	return true;
}

bool
kx_scan_hold_take_source(struct kx_scan_hold *h, uint8_t ip_version,
    const uint8_t src[16], const uint64_t *window, struct kx_scan_held *out)
{
	for (uint32_t i = h != NULL ? h->head : NIL; i != NIL; i = h->s[i].next) {
		const struct kx_scan_held *it = &h->s[i].it;

		if (it->ip_version == ip_version && memcmp(it->src, src, 16) == 0 &&
		    (window == NULL || it->window == *window)) {
			take(h, i, out);
			return true;
		}
	}
	return false;
}

bool
kx_scan_hold_due(struct kx_scan_hold *h, uint64_t now)
{
	if (h == NULL || h->n == 0)
		return false;
	if (!h->min_ok) {
		h->min_until = UINT64_MAX;
		for (uint32_t i = h->head; i != NIL; i = h->s[i].next)
			if (h->s[i].it.until < h->min_until)
				h->min_until = h->s[i].it.until;
		h->min_ok = true;
	}
	return now > h->min_until;
}

bool
kx_scan_hold_take_due(struct kx_scan_hold *h, uint64_t now,
    struct kx_scan_held *out)
{
	if (!kx_scan_hold_due(h, now))
		return false;
	for (uint32_t i = h->head; i != NIL; i = h->s[i].next)
		if (now > h->s[i].it.until) {
			take(h, i, out);
			return true;
		}
	return false;
}

uint32_t
kx_scan_hold_count(const struct kx_scan_hold *h)
{
	return h != NULL ? h->n : 0;
}
